// Profiler: ELF symbol tables (including malformed files) and call-stack
// attribution of cycles in folded-stack form.
#include <doctest/doctest.h>

#include <ckb_vm/ckb_vm.hpp>
#include <ckb_vm/decoder.hpp>
#include <ckb_vm/profiler.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

namespace profiler_tests {

using namespace ckb_vm;

namespace {

std::vector<std::uint8_t> read_program(const std::string& name) {
  std::ifstream f(std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "missing test program " << name);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Decoded at compile time: an encoding the decoder rejected would not compile.
constexpr Instruction inst(std::uint32_t bits) { return *decode_instruction(bits, ISA_IMC, VERSION2); }

// Encodings (riscv64-unknown-elf-as): the call and return forms the profiler follows.
constexpr Instruction ADDI = inst(0x00150513);         // addi a0, a0, 1
constexpr Instruction CALL = inst(0x001000ef);         // jal ra, +0x800 (target irrelevant here)
constexpr Instruction CALL_REG = inst(0x000300e7);     // jalr ra, 0(t1)
constexpr Instruction RET = inst(0x00008067);          // jalr zero, 0(ra)
constexpr Instruction C_RET = inst(0x8082);            // c.jr ra
constexpr Instruction JUMP = inst(0x0000006f);         // jal zero, 0 (a tail call)
constexpr Instruction JUMP_REG = inst(0x00030067);     // jalr zero, 0(t1)

}  // namespace

TEST_CASE("profiler: function symbols of a test program") {
  const auto elf = read_program("sha256");
  auto table = SymbolTable::from_elf(elf);
  REQUIRE(table.ok());
  // riscv64-unknown-elf-nm -n sha256: _start 0x10000, memcpy 0x10024, sha256_block 0x100b6, main 0x10556
  const auto name_at = [&](std::uint64_t pc) {
    const std::size_t k = table->find(pc);
    return k == SymbolTable::npos ? std::string("-") : table->symbols()[k].name;
  };
  CHECK(name_at(0x10000) == "_start");
  CHECK(name_at(0x10024) == "memcpy");
  CHECK(name_at(0x100b6) == "sha256_block");
  CHECK(name_at(0x10200) == "sha256_block");
  CHECK(name_at(0x10556) == "main");
  CHECK(name_at(0xfffe) == "-");  // below every function
  for (const FunctionSymbol& s : table->symbols()) {
    CHECK_FALSE(s.name.empty());
    CHECK(s.name.find(".L") != 0);
  }
}

TEST_CASE("profiler: malformed ELF files are errors, never crashes") {
  const auto elf = read_program("sha256");
  // Every truncation.
  for (std::size_t n = 0; n < elf.size(); ++n) {
    const std::vector<std::uint8_t> cut(elf.begin(), elf.begin() + static_cast<std::ptrdiff_t>(n));
    auto t = SymbolTable::from_elf(cut);
    if (!t.ok()) CHECK(t.error().code == ErrorCode::ElfParseError);
  }
  // Every byte of the ELF header, the section headers and the symbol and
  // string tables set to 0x00, 0x7f and 0xff.
  const std::uint64_t shoff = elf[0x28] | std::uint64_t{elf[0x29]} << 8;
  std::vector<std::size_t> positions;
  for (std::size_t k = 0; k < 64; ++k) positions.push_back(k);
  for (std::size_t k = shoff; k < elf.size(); ++k) positions.push_back(k);
  for (std::size_t k = 0x2030; k < 0x2030 + 0x360 + 0x114 && k < elf.size(); k += 7) positions.push_back(k);
  int errors = 0;
  for (std::size_t k : positions) {
    for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0x7f}, std::uint8_t{0xff}}) {
      std::vector<std::uint8_t> bad = elf;
      bad[k] = v;
      auto t = SymbolTable::from_elf(bad);
      if (!t.ok()) {
        CHECK(t.error().code == ErrorCode::ElfParseError);
        CHECK(t.error().message != nullptr);
        ++errors;
      }
    }
  }
  CHECK(errors > 0);
  CHECK(SymbolTable::from_elf(std::vector<std::uint8_t>{}).error().code == ErrorCode::ElfParseError);
  const std::string text = "#!/bin/sh\necho this is not an ELF file\n";
  CHECK_FALSE(SymbolTable::from_elf(std::vector<std::uint8_t>(text.begin(), text.end())).ok());
}

TEST_CASE("profiler: calls, returns and tail calls become folded stacks") {
  CallStackProfiler p(SymbolTable({{0x1000, 0x100, "main"}, {0x2000, 0x100, "work"}, {0x3000, 0, "leaf"},
                                   {0x4000, 0x10, "tail"}}));
  p.record(0x1000, ADDI, 1);
  p.record(0x1004, CALL, 3);      // main -> work
  p.record(0x2000, ADDI, 1);
  p.record(0x2004, CALL_REG, 3);  // work -> leaf
  p.record(0x3000, ADDI, 10);
  p.record(0x3004, C_RET, 3);     // leaf returns to work
  p.record(0x2008, JUMP, 3);      // work tail-calls tail: a frame of its own (as ckb-debugger)
  p.record(0x4000, ADDI, 2);
  p.record(0x4004, RET, 3);       // back to main, past both frames
  p.record(0x1008, ADDI, 1);
  p.record(0x100c, JUMP, 1);      // a jump inside main: no frame
  p.record(0x1020, ADDI, 1);
  p.record(0x5000, ADDI, 7);      // outside every function
  CHECK(p.folded() ==
        "[unknown] 7\n"
        "main 7\n"
        "main;work 7\n"
        "main;work;leaf 13\n"
        "main;work;tail 5\n");
  CHECK(p.total_cycles() == 39);
  const auto self = p.self_cycles();
  REQUIRE(self.size() == 5);
  CHECK(self[0] == std::pair<std::string, std::uint64_t>{"leaf", 13});
  CHECK(self[1].first == "[unknown]");
}

TEST_CASE("profiler: returns unwind to the matching frame") {
  CallStackProfiler p(SymbolTable({{0x1000, 0x100, "a"}, {0x2000, 0x100, "b"}, {0x3000, 0x100, "c"}}));
  p.record(0x1000, CALL, 3);  // a -> b, returns to 0x1004
  p.record(0x2000, CALL, 3);  // b -> c, returns to 0x2004
  p.record(0x3000, RET, 3);   // c returns straight to a (like longjmp): two frames go
  p.record(0x1004, ADDI, 1);
  p.record(0x1008, JUMP_REG, 3);
  CHECK(p.folded() == "a 7\na;b 3\na;b;c 3\n");
  // A return with no frame left is harmless.
  p.record(0x100c, RET, 3);
  p.record(0x100c, ADDI, 1);
  CHECK(p.total_cycles() == 17);
}

TEST_CASE("profiler: names cannot break the folded format") {
  CallStackProfiler p(SymbolTable({{0x1000, 0, "odd name;with separators"}}));
  p.record(0x1000, ADDI, 2);
  CHECK(p.folded() == "odd_name_with_separators 2\n");
}

namespace {

struct Executed {
  std::uint64_t pc;
  Instruction inst;
  std::uint64_t cycles;
};

// Runs an ELF with step() as CKB does (VERSION2, IMC + B + MOP, estimate_cycles)
// and records every instruction with the cycles it cost.
std::vector<Executed> trace_program(const std::vector<std::uint8_t>& elf, std::vector<std::string> args) {
  auto vm = MachineBuilder<>{}
                .isa(ISA_IMC | ISA_B | ISA_MOP)
                .version(VERSION2)
                .instruction_cycle_func(estimate_cycles)
                .max_cycles(100'000'000)
                .build();
  REQUIRE(vm.ok());
  REQUIRE(vm->load_program(elf, args).ok());
  Decoder decoder(ISA_IMC | ISA_B | ISA_MOP, VERSION2, estimate_cycles);
  std::vector<Executed> out;
  vm->set_running(true);
  while (vm->running()) {
    const std::uint64_t pc = vm->pc();
    const std::uint64_t before = vm->cycles();
    const Result<Instruction> inst = decoder.decode(vm->memory(), pc);
    REQUIRE(inst.ok());
    const Status s = vm->step();
    out.push_back(Executed{pc, *inst, vm->cycles() - before});
    if (!s.ok()) break;
  }
  return out;
}

// The same instructions fed to a profiler in blocks (runs ending at a
// control transfer or a syscall), one instruction at a time where a run
// crosses into another function: what a block-engine observer does.
void feed_blocks(CallStackProfiler& p, const std::vector<Executed>& trace) {
  std::size_t begin = 0;
  while (begin < trace.size()) {
    std::size_t end = begin;
    while (end + 1 < trace.size() && !is_block_end(trace[end].inst.op) && trace[end].inst.op != Opcode::ECALL) ++end;
    std::uint64_t cycles = 0;
    for (std::size_t k = begin; k <= end; ++k) cycles += trace[k].cycles;
    if (p.same_function(trace[begin].pc, trace[end].pc)) {
      p.record_block(trace[begin].pc, trace[end].pc, cycles, trace[end].inst);
    } else {
      for (std::size_t k = begin; k <= end; ++k) p.record(trace[k].pc, trace[k].inst, trace[k].cycles);
    }
    begin = end + 1;
  }
}

// The block events run_observed would report for this trace (blocks end at
// control transfers and syscalls), fed to a ProfileObserver.
struct SimulatedEvent {
  std::uint64_t pc = 0, last_pc = 0, next_pc = 0, cycles = 0;
  std::uint32_t instructions = 0;
  Instruction last;
};
template <class M>
void feed_observer(ProfileObserver<M>& obs, const std::vector<Executed>& trace) {
  SimulatedEvent e;
  for (std::size_t k = 0; k < trace.size(); ++k) {
    if (e.instructions == 0) e.pc = trace[k].pc;
    ++e.instructions;
    e.cycles += trace[k].cycles;
    e.last_pc = trace[k].pc;
    e.last = trace[k].inst;
    if (k + 1 == trace.size() || is_block_end(trace[k].inst.op) || trace[k].inst.op == Opcode::ECALL) {
      obs.on_block(e);
      e = SimulatedEvent{};
    }
  }
}

// The real thing: the profile of a DefaultMachine::run_observed run.
template <class M>
std::string observed_profile(M& vm, const SymbolTable& symbols, const LineTable& lines) {
  CallStackProfiler p(symbols, lines);
  ProfileObserver<M> obs(p, vm, ISA_IMC | ISA_B | ISA_MOP, VERSION2, estimate_cycles);
  (void)vm.run_observed(obs);
  CHECK(p.total_cycles() == vm.cycles());
  return p.folded();
}

}  // namespace

TEST_CASE("profiler: block-level feed gives the instruction-level profile") {
  struct Case {
    std::string path;
    std::vector<std::string> args;
  };
  const std::string dwarf = std::string(CKB_VM_SOURCE_DIR) + "/tests/dwarf/bin/";
  const std::string programs = std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/";
  for (const Case& c : {Case{dwarf + "prog_v5", {"prog"}}, Case{dwarf + "prog_v5", {"prog", "fault"}},
                        Case{dwarf + "prog_v2", {"prog"}}, Case{programs + "sort", {"sort"}},
                        Case{programs + "bignum", {"bignum"}}, Case{programs + "sha256", {"sha256"}}}) {
    CAPTURE(c.path);
    std::ifstream f(c.path, std::ios::binary);
    REQUIRE(f.good());
    const std::vector<std::uint8_t> elf{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    const auto trace = trace_program(elf, c.args);
    REQUIRE(trace.size() > 1000);
    auto symbols = SymbolTable::from_elf(elf);
    auto lines = LineTable::from_elf(elf);
    REQUIRE(symbols.ok());
    REQUIRE(lines.ok());
    CallStackProfiler exact(*symbols, *lines);
    for (const Executed& e : trace) exact.record(e.pc, e.inst, e.cycles);
    CallStackProfiler blocks(*symbols, *lines);
    feed_blocks(blocks, trace);
    CHECK(blocks.folded() == exact.folded());
    CHECK(blocks.self_cycles() == exact.self_cycles());
    CHECK(blocks.total_cycles() == exact.total_cycles());
    CHECK(blocks.call_stack(trace.back().pc) == exact.call_stack(trace.back().pc));

    auto vm = MachineBuilder<>{}
                  .isa(ISA_IMC | ISA_B | ISA_MOP)
                  .version(VERSION2)
                  .instruction_cycle_func(estimate_cycles)
                  .max_cycles(100'000'000)
                  .build();
    REQUIRE(vm.ok());
    REQUIRE(vm->load_program(elf, c.args).ok());
    using M = std::remove_reference_t<decltype(*vm)>;
    {
      CallStackProfiler p(*symbols, *lines);
      ProfileObserver<M> obs(p, *vm, ISA_IMC | ISA_B | ISA_MOP, VERSION2, estimate_cycles);
      feed_observer(obs, trace);
      CHECK(p.folded() == exact.folded());
    }
    CHECK(observed_profile(*vm, *symbols, *lines) == exact.folded());
  }
}

TEST_CASE("profiler: nested C++ calls in a program with line tables") {
  std::ifstream f(std::string(CKB_VM_SOURCE_DIR) + "/tests/dwarf/bin/prog_v5", std::ios::binary);
  const std::vector<std::uint8_t> elf{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  const auto trace = trace_program(elf, {"prog", "fault"});
  CallStackProfiler p(*SymbolTable::from_elf(elf), *LineTable::from_elf(elf));
  for (const Executed& e : trace) p.record(e.pc, e.inst, e.cycles);
  const std::string folded = p.folded();
  CAPTURE(folded);
  // Frames are file:line:demangled-name, separators replaced.
  const std::string main = "prog.cpp:52:_start;prog.cpp:36:main;";
  CHECK(folded.find(main + "prog.cpp:23:calc::fold(unsigned_long_const*,_int);prog.cpp:17:calc::mix(unsigned_long,_int) 12800\n") !=
        std::string::npos);
  CHECK(folded.find(main + "prog.cpp:28:unsigned_int_calc::twice<unsigned_int>(unsigned_int);prog.cpp:17:calc::mix(unsigned_long,_int) 800\n") !=
        std::string::npos);
  CHECK(folded.find(main + "prog.cpp:32:calc::fib(unsigned_long);prog.cpp:32:calc::fib(unsigned_long);") != std::string::npos);
  CHECK(folded.find(main + "helper.c:9:c_sum 9260\n") != std::string::npos);
  // The run stops in c_fault, called from main and then three times by itself.
  CHECK(p.call_stack(trace.back().pc) == main + "helper.c:15:c_fault;helper.c:15:c_fault;helper.c:15:c_fault;helper.c:15:c_fault");
  CHECK(p.call_sites().size() == 5);
}

}  // namespace profiler_tests
