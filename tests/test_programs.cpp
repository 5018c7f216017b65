// Runs the project's RISC-V programs (tests/programs/manifest.tsv) on every
// VM version, with and without B/MOP, on both memory models, and checks:
//   * the manifest's expected exit code or error kind (VERSION0 column too),
//   * hand-counted cycles under estimate_cycles,
//   * that run() (block engine) and a step() loop agree exactly on outcome,
//     cycles, pc, registers and memory, also when max_cycles cuts the run.
#include <doctest/doctest.h>

#include <ckb_vm/machine.hpp>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace programs_tests {

using namespace ckb_vm;

namespace {

struct Entry {
  std::string name, isa, expect, expect_v0, cycles;
  std::vector<std::string> args;
};

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "missing " << path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<Entry> manifest() {
  std::ifstream f(std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/../manifest.tsv");
  REQUIRE(f.good());
  std::vector<Entry> out;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t')) cols.push_back(c);
    REQUIRE(cols.size() >= 7);
    Entry e{cols[0], cols[1], cols[3], cols[4] == "=" ? cols[3] : cols[4], cols[6], {}};
    e.args.push_back(e.name);
    if (cols[2] != "-") {
      std::stringstream as(cols[2]);
      std::string a;
      while (as >> a) e.args.push_back(a);
    }
    out.push_back(e);
  }
  REQUIRE(out.size() >= 20);
  return out;
}

std::uint8_t isa_bits(const std::string& isa) {
  std::uint8_t bits = ISA_IMC;
  if (isa.find('a') != std::string::npos && isa != "imc") bits |= ISA_A;
  if (isa.find('b') != std::string::npos) bits |= ISA_B;
  return bits;
}

struct Outcome {
  bool ok = false;
  std::int8_t exit = 0;
  Error error{};
  std::uint64_t cycles = 0, pc = 0;
  std::vector<std::uint64_t> regs;
  std::vector<std::uint8_t> memory;
  std::vector<std::uint8_t> flags;

  std::string describe() const {
    std::string s = ok ? "exit=" + std::to_string(exit) : error.to_string();
    return s + " cycles=" + std::to_string(cycles);
  }
};

template <class Mem>
Outcome run_program(const std::vector<std::uint8_t>& elf, const Entry& e, std::uint8_t isa, std::uint32_t version,
                    InstructionCycleFunc cost, std::uint64_t max_cycles, bool stepwise, bool capture_memory) {
  auto built = MachineBuilder<Mem>{}
                   .isa(isa)
                   .version(version)
                   .instruction_cycle_func(cost)
                   .max_cycles(max_cycles)
                   .build();
  REQUIRE(built.ok());
  auto& vm = *built;
  auto loaded = vm.load_program(elf, e.args);
  REQUIRE_MESSAGE(loaded.ok(), e.name << ": " << loaded.error().to_string());
  Result<std::int8_t> r = std::int8_t{0};
  if (stepwise) {
    if ((isa & ISA_MOP) != 0 && version == VERSION0) {
      r = Error(ErrorCode::InvalidVersion);
    } else {
      vm.set_running(true);
      while (vm.running()) {
        auto s = vm.step();
        if (!s.ok()) {
          r = s.error();
          break;
        }
      }
      if (r.ok()) r = vm.exit_code();
    }
  } else {
    r = vm.run();
  }
  Outcome o;
  o.ok = r.ok();
  if (o.ok) o.exit = *r;
  else o.error = r.error();
  o.cycles = vm.cycles();
  o.pc = vm.pc();
  o.regs.assign(vm.registers().begin(), vm.registers().end());
  if (capture_memory) {
    o.memory = *vm.memory().load_bytes(0, vm.memory().memory_size());
    for (std::uint64_t p = 0; p < vm.memory().memory_pages(); ++p) o.flags.push_back(*vm.memory().fetch_flag(p));
  }
  return o;
}

bool matches_expectation(const Outcome& o, const std::string& expect) {
  if (o.ok) return expect == std::to_string(o.exit);
  const std::string name(o.error.name());
  return expect.rfind(name, 0) == 0;
}

void check_same(const Outcome& a, const Outcome& b) {
  CHECK(a.ok == b.ok);
  CHECK(a.exit == b.exit);
  CHECK(a.error == b.error);
  CHECK(a.cycles == b.cycles);
  CHECK(a.pc == b.pc);
  CHECK(a.regs == b.regs);
  CHECK(a.memory == b.memory);
  CHECK(a.flags == b.flags);
}

bool is_bench(const std::string& name) { return name.rfind("bench_", 0) == 0; }

}  // namespace

TEST_CASE("programs: expected outcomes on every version, ISA and memory model") {
  for (const auto& e : manifest()) {
    if (is_bench(e.name)) continue;
    const auto elf = read_file(std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/" + e.name);
    const std::uint64_t limit = e.name == "infinite_loop" ? 100'000 : 50'000'000;
    for (std::uint32_t version : {VERSION0, VERSION1, VERSION2}) {
      const std::string& expect = version == VERSION0 ? e.expect_v0 : e.expect;
      std::vector<std::uint8_t> isas = {isa_bits(e.isa)};
      if (version != VERSION0) isas.push_back(isa_bits(e.isa) | ISA_B | ISA_MOP);
      for (std::uint8_t isa : isas) {
        CAPTURE(e.name);
        CAPTURE(version);
        CAPTURE(int(isa));
        auto flat = run_program<WXorXMemory<FlatMemory>>(elf, e, isa, version, estimate_cycles, limit, false, false);
        CHECK_MESSAGE(matches_expectation(flat, expect), e.name << " got " << flat.describe() << ", want " << expect);
        auto sparse =
            run_program<WXorXMemory<SparseMemory>>(elf, e, isa, version, estimate_cycles, limit, false, false);
        CHECK(flat.describe() == sparse.describe());
        if (e.cycles != "-" && (isa & ISA_MOP) == 0) CHECK(flat.cycles == std::stoull(e.cycles));
      }
    }
  }
}

TEST_CASE("programs: hand-counted cycles bound max_cycles exactly") {
  for (const auto& e : manifest()) {
    if (e.cycles == "-") continue;
    CAPTURE(e.name);
    const auto elf = read_file(std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/" + e.name);
    const std::uint64_t need = std::stoull(e.cycles);
    auto exact = run_program<DefaultMemory>(elf, e, ISA_IMC, VERSION1, estimate_cycles, need, false, false);
    CHECK(exact.ok);
    CHECK(exact.cycles == need);
    auto short_by_one = run_program<DefaultMemory>(elf, e, ISA_IMC, VERSION1, estimate_cycles, need - 1, false, false);
    REQUIRE_FALSE(short_by_one.ok);
    CHECK(short_by_one.error.code == ErrorCode::CyclesExceeded);
  }
}

TEST_CASE("programs: run() and step() agree exactly, including where max_cycles cuts") {
  for (const auto& e : manifest()) {
    if (is_bench(e.name) || e.name == "bignum" || e.name == "sort") continue;  // keep the test fast
    const auto elf = read_file(std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/" + e.name);
    for (std::uint32_t version : {VERSION0, VERSION2}) {
      const std::uint8_t isa = version == VERSION0 ? isa_bits(e.isa) : (isa_bits(e.isa) | ISA_B | ISA_MOP);
      CAPTURE(e.name);
      CAPTURE(version);
      const std::uint64_t cap = e.name == "infinite_loop" ? 10'000 : UINT64_MAX;
      auto full = run_program<DefaultMemory>(elf, e, isa, version, estimate_cycles, cap, false, true);
      auto full_step = run_program<DefaultMemory>(elf, e, isa, version, estimate_cycles, cap, true, true);
      check_same(full, full_step);
      // Cut the run at a few budgets inside it.
      for (std::uint64_t budget : {full.cycles / 3, full.cycles / 2, full.cycles - 1, std::uint64_t{501}}) {
        if (budget == 0 || budget >= full.cycles) continue;
        CAPTURE(budget);
        auto a = run_program<DefaultMemory>(elf, e, isa, version, estimate_cycles, budget, false, true);
        auto b = run_program<DefaultMemory>(elf, e, isa, version, estimate_cycles, budget, true, true);
        check_same(a, b);
      }
    }
  }
}

}  // namespace programs_tests
