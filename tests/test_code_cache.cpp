// The engine's code cache and its block observer (DefaultMachine::run_observed):
// every observed block adds up to what a step() loop executes and charges,
// on programs with calls and returns, at cycle limits, at faults and after
// pauses.
#include <doctest/doctest.h>

#include <ckb_vm/machine.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/test_budget.hpp"

#ifdef __GLIBC__
#include <malloc.h>  // mallinfo2, in the glibc >= 2.33 test at the end
#endif

namespace code_cache_tests {

using namespace ckb_vm;

namespace {

std::vector<std::uint8_t> read_program(const std::string& name) {
  std::ifstream f(std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "missing " << name);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

struct Config {
  std::uint8_t isa;
  std::uint32_t version;
  InstructionCycleFunc cost;
};

const Config kConfigs[] = {
    {ISA_IMC, VERSION0, estimate_cycles},
    {ISA_IMC | ISA_B | ISA_MOP, VERSION1, estimate_cycles},
    {ISA_IMC | ISA_B | ISA_MOP, VERSION2, estimate_cycles},
    {ISA_IMC | ISA_B | ISA_MOP, VERSION2, constant_cycles},
};

auto make_vm(const Config& c, const std::vector<std::uint8_t>& elf, std::uint64_t max_cycles) {
  auto vm = MachineBuilder<>{}.isa(c.isa).version(c.version).instruction_cycle_func(c.cost).max_cycles(max_cycles).build();
  REQUIRE(vm.ok());
  REQUIRE(vm->load_program(elf, std::vector<std::string>{"main"}).ok());
  return std::move(*vm);
}

bool is_call(const Instruction& i) {
  return ((i.op == Opcode::JAL || i.op == Opcode::JALR_V0 || i.op == Opcode::JALR_V1) && i.rd == registers::RA) ||
         i.op == Opcode::FAR_JUMP_REL || i.op == Opcode::FAR_JUMP_ABS;
}
bool is_return(const Instruction& i) {
  return (i.op == Opcode::JALR_V0 || i.op == Opcode::JALR_V1) && i.rd == 0 && i.rs1 == registers::RA;
}

struct Totals {
  std::uint64_t instructions = 0, cycles = 0, calls = 0, returns = 0, events = 0;
  std::string outcome;
  std::uint64_t pc = 0, final_cycles = 0;
};

template <class R>
std::string describe(const R& r) {
  return r.ok() ? "exit " + std::to_string(*r) : r.error().to_string();
}

// The reference: a step() loop, decoding each instruction first to classify it.
Totals step_loop(const Config& c, const std::vector<std::uint8_t>& elf, std::uint64_t max_cycles) {
  auto vm = make_vm(c, elf, max_cycles);
  Decoder d(c.isa, c.version, c.cost);
  Totals t;
  vm.set_running(true);
  Result<std::int8_t> r = std::int8_t{0};
  while (vm.running()) {
    const std::uint64_t before = vm.cycles();
    auto inst = d.decode(vm.memory(), vm.pc());
    auto s = vm.step();
    if (vm.cycles() != before) ++t.instructions;  // charged means executed (no zero-cost config here)
    t.cycles += vm.cycles() - before;
    if (inst.ok() && vm.cycles() != before) {
      t.calls += is_call(*inst);
      t.returns += is_return(*inst);
    }
    if (!s.ok()) {
      r = s.error();
      break;
    }
  }
  if (r.ok()) r = vm.exit_code();
  t.outcome = describe(r);
  t.pc = vm.pc();
  t.final_cycles = vm.cycles();
  return t;
}

struct Counter {
  Totals t;
  const DefaultMachine<>* vm = nullptr;
  Decoder* decoder = nullptr;
  std::uint64_t mismatched_last = 0;
  void on_block(const BlockEvent& e) {
    ++t.events;
    t.instructions += e.instructions;
    t.cycles += e.cycles;
    t.calls += is_call(e.last);
    t.returns += is_return(e.last);
    CHECK(e.instructions > 0);
    CHECK(e.last_pc >= e.pc);
    // The reported instruction is what the decoder gives at its address.
    auto again = decoder->decode(const_cast<DefaultMachine<>*>(vm)->memory(), e.last_pc);
    if (!again.ok() || !(*again == e.last) || again->cycles != e.last.cycles) ++mismatched_last;
  }
};

Totals observed_run(const Config& c, const std::vector<std::uint8_t>& elf, std::uint64_t max_cycles,
                    std::uint64_t* mismatched = nullptr) {
  auto vm = make_vm(c, elf, max_cycles);
  Decoder d(c.isa, c.version, c.cost);
  Counter counter;
  counter.vm = &vm;
  counter.decoder = &d;
  auto r = vm.run_observed(counter);
  counter.t.outcome = describe(r);
  counter.t.pc = vm.pc();
  counter.t.final_cycles = vm.cycles();
  if (mismatched != nullptr) *mismatched = counter.mismatched_last;
  return counter.t;
}

}  // namespace

TEST_CASE("code cache: observed blocks add up to the step() loop") {
  // Sanitizer and -O0 builds leave out the two long programs (sort and bignum, 15 M
  // and 6 M cycles, each run by a step() loop at every cut: ~3 minutes at -O0);
  // sha256 still calls and returns.
  const std::vector<const char*> programs = testbudget::scaled_unless_optimized<std::vector<const char*>>(
      {"sort", "bignum", "sha256", "jalr_rd_rs1", "rv64c", "mop_fusion"},
      {"sha256", "jalr_rd_rs1", "rv64c", "mop_fusion"});
  for (const char* name : programs) {
    const auto elf = read_program(name);
    for (const Config& c : kConfigs) {
      const Totals full = step_loop(c, elf, UINT64_MAX);
      // the whole run, and cut at cycle limits that fall inside blocks
      for (std::uint64_t limit : {std::uint64_t{UINT64_MAX}, full.final_cycles / 2 + 1, full.final_cycles / 3,
                                  full.final_cycles - 1}) {
        const std::string program = name;
        CAPTURE(program);
        CAPTURE(c.version);
        CAPTURE(limit);
        const Totals ref = step_loop(c, elf, limit);
        std::uint64_t mismatched = 0;
        const Totals obs = observed_run(c, elf, limit, &mismatched);
        CHECK(obs.outcome == ref.outcome);
        CHECK(obs.pc == ref.pc);
        CHECK(obs.final_cycles == ref.final_cycles);
        CHECK(obs.instructions == ref.instructions);
        CHECK(obs.cycles == ref.cycles);
        CHECK(obs.cycles == obs.final_cycles);
        CHECK(obs.calls == ref.calls);
        CHECK(obs.returns == ref.returns);
        CHECK(mismatched == 0);
        const std::string n = name;
        if ((n == "sort" || n == "bignum" || n == "sha256") && limit == UINT64_MAX) {
          CHECK(ref.calls > 0);
          CHECK(ref.returns > 0);
          CHECK(obs.events < obs.instructions);
        }
        // and run() itself agrees
        auto plain = make_vm(c, elf, limit);
        auto r = plain.run();
        CHECK(describe(r) == ref.outcome);
        CHECK(plain.cycles() == ref.final_cycles);
      }
    }
  }
}

TEST_CASE("code cache: observed faults count the failing instruction") {
  for (const char* name : {"invalid_instruction", "write_code", "jump_outside", "unknown_ecall", "read_last_byte"}) {
    const auto elf = read_program(name);
    for (const Config& c : kConfigs) {
      const std::string program = name;
      CAPTURE(program);
      CAPTURE(c.version);
      const Totals ref = step_loop(c, elf, UINT64_MAX);
      const Totals obs = observed_run(c, elf, UINT64_MAX);
      CHECK(obs.outcome == ref.outcome);
      CHECK(obs.pc == ref.pc);
      CHECK(obs.instructions == ref.instructions);
      CHECK(obs.cycles == ref.cycles);
      CHECK(obs.final_cycles == ref.final_cycles);
    }
  }
}

TEST_CASE("code cache: an observed run paused and resumed reports every instruction once") {
  const auto elf = read_program("sort");
  const Config c = kConfigs[2];
  const Totals ref = step_loop(c, elf, UINT64_MAX);
  auto vm = make_vm(c, elf, UINT64_MAX);
  Decoder d(c.isa, c.version, c.cost);
  // Pause from inside the observer every few blocks.
  struct Pauser {
    Counter counter;
    Pause pause;
    std::uint64_t n = 0;
    void on_block(const BlockEvent& e) {
      counter.on_block(e);
      if (++n % 97 == 0) pause.interrupt();
    }
  } p;
  p.counter.vm = &vm;
  p.counter.decoder = &d;
  p.pause = vm.pause();
  std::uint64_t pauses = 0;
  Result<std::int8_t> r = ErrorCode::Pause;
  while (!r.ok() && r.error().code == ErrorCode::Pause) {
    r = vm.run_observed(p);
    ++pauses;
  }
  CHECK(pauses > 3);
  CHECK(describe(r) == ref.outcome);
  CHECK(p.counter.t.instructions == ref.instructions);
  CHECK(p.counter.t.cycles == ref.cycles);
  CHECK(p.counter.t.calls == ref.calls);
  CHECK(p.counter.t.returns == ref.returns);
  CHECK(p.counter.mismatched_last == 0);
}

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
namespace {
std::uint64_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// 100 KiB of code: `addi a0, a0, 1` everywhere, except a short program at the
// start: li a0, 0; li a7, 93; ecall.
std::vector<std::uint8_t> big_code() {
  std::vector<std::uint32_t> words(100 * 1024 / 4, 0x00150513);
  words[0] = 0x00000513;  // li a0, 0
  words[1] = 0x05d00893;  // li a7, 93
  words[2] = 0x00000073;  // ecall
  std::vector<std::uint8_t> bytes(words.size() * 4);
  std::memcpy(bytes.data(), words.data(), bytes.size());
  return bytes;
}
}  // namespace

TEST_CASE("code cache: a fresh machine with a 100 KiB program allocates lazily") {
  const auto code = big_code();
  for (std::uint32_t version : {VERSION0, VERSION1, VERSION2}) {
    CAPTURE(version);
    auto vm = MachineBuilder<>{}.isa(ISA_IMC).version(version).instruction_cycle_func(estimate_cycles).build();
    REQUIRE(vm.ok());
    const std::uint64_t base = 0x10000;
    REQUIRE(vm->memory().init_pages(base, code.size(), FLAG_EXECUTABLE | FLAG_FREEZED, code, 0).ok());
    vm->update_pc(base);
    vm->commit_pc();
    const std::uint64_t before = heap_in_use();
    auto r = vm->run();
    const std::uint64_t after = heap_in_use();
    REQUIRE(r.ok());
    CHECK(*r == 0);
    CHECK(vm->cycles() == 502);
    // The code cache touched one page: its slots, a page table and one chunk
    // (and, for VERSION0/1, the 64 KiB of trace slots).
    CHECK(after - before < (std::uint64_t{1} << 20));
    CHECK(after - before < 128 * 1024);
    // Running all of it (step() from the other end) stays bounded too.
    vm->update_pc(base + code.size() - 4);
    vm->commit_pc();
    vm->set_register(registers::A7, 93);
    CHECK(vm->step().ok());
  }
}
#endif

}  // namespace code_cache_tests
