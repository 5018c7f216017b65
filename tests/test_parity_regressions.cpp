// Parity pins from differential testing against ckb-vm 0.24.12 (interp mode:
// DefaultMachine::run over WXorXMemory<SparseMemory>). Every expected value
// below is what ckb-vm produced for the very same ELF, argv (empty), ISA,
// version and cost function (constant_cycles).
//
// The differential campaign (random RV64IMC/B/A programs with MOP fusion
// patterns, decoder word fuzzing, mutated ELF headers, ckb-vm's and our test
// programs under every ISA/version/cost and many max_cycles limits) found no
// mismatch; these cases pin the edge behaviours that are easiest to break when
// the decoder or the block-based run loop changes:
//   * a MOP head (ADD / SUB) as the last instruction of the executable region:
//     fusion look-ahead must fail silently and the head run unfused;
//   * a 32-bit instruction straddling the end of the executable segment;
//   * AUIPC+ADDI whose fused immediate (imm + imm + pc) would overflow i32 is
//     not fused in VERSION2;
//   * AUIPC+JALR far jump with wrapping immediates: VERSION1 MOP wraps (and
//     counts as one instruction), VERSION2 and non-MOP machines do not;
//   * VERSION0 JALR with rd == rs1 (ckb-vm issue 92) turns the same code into
//     an endless loop.
#include <doctest/doctest.h>

#include <ckb_vm/machine.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/elf_writer.hpp"
#include "support/rv_asm.hpp"

namespace parity_regressions_tests {

using namespace ckb_vm;

namespace {

// A one-segment ELF64 (R+X PT_LOAD, by default at 0x10000; code at file offset 0x100),
// byte for byte what the differential harness fed to ckb-vm.
std::vector<std::uint8_t> elf_with_code(const std::vector<std::uint8_t>& code, std::uint64_t memsz,
                                        std::uint64_t entry = 0x10000, std::uint64_t vaddr = 0x10000) {
  elfw::Segment text;
  text.flags = elfw::PF_R | elfw::PF_X;
  text.vaddr = vaddr;
  text.bytes = code;
  text.memsz = memsz;
  text.offset = 0x100;
  elfw::Program p;
  p.entry = entry;
  p.segments.push_back(std::move(text));
  return elfw::build(p);
}

// `head` words, then zero padding, then `tail` ending exactly at 0x10000 + end.
std::vector<std::uint8_t> layout(const std::vector<std::uint32_t>& head, std::size_t end,
                                 const std::vector<std::uint32_t>& tail) {
  auto code = rv::bytes(head);
  auto t = rv::bytes(tail);
  code.resize(end - t.size(), 0);
  code.insert(code.end(), t.begin(), t.end());
  return code;
}

struct Outcome {
  bool ok = false;
  std::int8_t exit = 0;
  ErrorCode error = ErrorCode::Unexpected;
  std::uint64_t cycles = 0;
  std::uint64_t pc = 0;
  std::vector<std::uint64_t> regs;
};

template <class Mem>
Outcome run_elf(const std::vector<std::uint8_t>& elf, std::uint8_t isa, std::uint32_t version,
                std::uint64_t max_cycles = UINT64_MAX) {
  auto built = MachineBuilder<Mem>()
                   .isa(isa)
                   .version(version)
                   .max_cycles(max_cycles)
                   .instruction_cycle_func(constant_cycles)
                   .build();
  REQUIRE(built.ok());
  auto m = std::move(*built);
  REQUIRE(m.load_program(Bytes(elf.data(), elf.size()), std::vector<std::string>{}).ok());
  auto r = m.run();
  Outcome o;
  o.ok = r.ok();
  if (o.ok) o.exit = *r;
  else o.error = r.error().code;
  o.cycles = m.cycles();
  o.pc = m.pc();
  o.regs.assign(m.registers().begin(), m.registers().end());
  return o;
}

template <class F>
void for_each_memory(F&& f) {
  SUBCASE("sparse") { f(run_elf<WXorXMemory<SparseMemory>>); }
  SUBCASE("flat") { f(run_elf<WXorXMemory<FlatMemory>>); }
}

using Runner = Outcome (*)(const std::vector<std::uint8_t>&, std::uint8_t, std::uint32_t, std::uint64_t);

constexpr unsigned A0 = 10, A1 = 11, A7 = 17, RA = 1, ZERO = 0;
constexpr std::uint8_t IMC = ISA_IMC, IMCB = ISA_IMC | ISA_B, IMCB_MOP = ISA_IMC | ISA_B | ISA_MOP;

struct Cfg {
  std::uint8_t isa;
  std::uint32_t version;
};

}  // namespace

TEST_CASE("parity: ADD (MOP head) as the last instruction before a non-executable page runs unfused") {
  // li a0,5; li a1,7; j 0x10ffc ... 0x10ffc: add a0,a0,a1; then fetch at 0x11000 fails.
  const auto elf = elf_with_code(
      layout({rv::li(A0, 5), rv::li(A1, 7), rv::jal(ZERO, 0xffc - 8)}, 0x1000, {rv::add(A0, A0, A1)}), 0x1000);
  for_each_memory([&](Runner run) {
    for (const Cfg cfg : {Cfg{IMCB_MOP, VERSION2}, Cfg{IMCB_MOP, VERSION1},
                                Cfg{IMCB, VERSION1}, Cfg{IMC, VERSION0}}) {
      CAPTURE(cfg.isa);
      CAPTURE(cfg.version);
      // ckb-vm: error=MemWriteOnExecutablePage cycles=4 pc=0x11000, a0=12
      const Outcome o = run(elf, cfg.isa, cfg.version, UINT64_MAX);
      CHECK_FALSE(o.ok);
      CHECK(o.error == ErrorCode::MemWriteOnExecutablePage);
      CHECK(o.cycles == 4);
      CHECK(o.pc == 0x11000);
      CHECK(o.regs[A0] == 12);
      CHECK(o.regs[A1] == 7);
    }
  });
}

TEST_CASE("parity: SUB (SBB/SBBS head) as the last instruction before a non-executable page runs unfused") {
  const auto elf = elf_with_code(
      layout({rv::li(A0, 5), rv::li(A1, 7), rv::jal(ZERO, 0xffc - 8)}, 0x1000, {rv::sub(A1, A0, A1)}), 0x1000);
  for_each_memory([&](Runner run) {
    for (auto version : {VERSION1, VERSION2}) {
      // ckb-vm: error=MemWriteOnExecutablePage cycles=4 pc=0x11000, a1=0xfffffffffffffffe
      const Outcome o = run(elf, IMCB_MOP, version, UINT64_MAX);
      CHECK(o.error == ErrorCode::MemWriteOnExecutablePage);
      CHECK(o.cycles == 4);
      CHECK(o.pc == 0x11000);
      CHECK(o.regs[A1] == 0xfffffffffffffffeULL);
    }
  });
}

TEST_CASE("parity: a 32-bit instruction straddling the end of the executable segment") {
  // The segment is exactly one page; `add a0,a0,a0` sits at 0x10ffe, its upper
  // half would be at 0x11000 (not executable).
  const auto elf =
      elf_with_code(layout({rv::li(A0, 5), rv::jal(ZERO, 0xffe - 4)}, 0x1002, {rv::add(A0, A0, A0)}), 0x1000);
  for_each_memory([&](Runner run) {
    for (const Cfg cfg : {Cfg{IMCB_MOP, VERSION2}, Cfg{IMCB, VERSION1},
                                Cfg{IMC, VERSION0}}) {
      // ckb-vm: error=MemWriteOnExecutablePage cycles=2 pc=0x10ffe, a0=5
      const Outcome o = run(elf, cfg.isa, cfg.version, UINT64_MAX);
      CHECK(o.error == ErrorCode::MemWriteOnExecutablePage);
      CHECK(o.cycles == 2);
      CHECK(o.pc == 0x10ffe);
      CHECK(o.regs[A0] == 5);
    }
  });
}

TEST_CASE("parity: AUIPC+ADDI is not fused when imm + imm + pc overflows i32") {
  // auipc a0,0x7ffff; addi a0,a0,0x7ff at pc 0x10000: 0x7ffff000 + 0x7ff + 0x10000 > INT32_MAX.
  const auto elf =
      elf_with_code(rv::bytes({rv::auipc(A0, 0x7ffff), rv::addi(A0, A0, 0x7ff), rv::li(A7, 93), rv::ecall()}), 16);
  for_each_memory([&](Runner run) {
    for (const Cfg cfg : {Cfg{IMCB_MOP, VERSION2}, Cfg{IMCB_MOP, VERSION1},
                                Cfg{IMC, VERSION0}}) {
      // ckb-vm: exit=-1 cycles=4, a0=0x8000f7ff
      const Outcome o = run(elf, cfg.isa, cfg.version, UINT64_MAX);
      REQUIRE(o.ok);
      CHECK(o.exit == -1);
      CHECK(o.cycles == 4);
      CHECK(o.regs[A0] == 0x8000f7ffULL);
    }
  });
}

TEST_CASE("parity: AUIPC+JALR far jump with wrapping immediates, per version") {
  // auipc ra,0x80000; jalr ra,-4(ra)
  const auto elf = elf_with_code(rv::bytes({rv::auipc(RA, 0x80000), rv::jalr(RA, RA, -4)}), 8);
  for_each_memory([&](Runner run) {
    // VERSION1 MOP: FAR_JUMP_REL with the wrapped immediate 0x7ffffffc, one instruction.
    // ckb-vm: error=MemOutOfBound cycles=1 pc=0x8000fffc, ra=0x10008
    Outcome o = run(elf, IMCB_MOP, VERSION1, UINT64_MAX);
    CHECK(o.error == ErrorCode::MemOutOfBound);
    CHECK(o.cycles == 1);
    CHECK(o.pc == 0x8000fffcULL);
    CHECK(o.regs[RA] == 0x10008);
    // VERSION2 MOP (checked_add fails: no fusion) and VERSION1 without MOP.
    // ckb-vm: error=MemOutOfBound cycles=2 pc=0xffffffff8000fffc, ra=0x10008
    for (const Cfg cfg : {Cfg{IMCB_MOP, VERSION2}, Cfg{IMCB, VERSION1}}) {
      o = run(elf, cfg.isa, cfg.version, UINT64_MAX);
      CHECK(o.error == ErrorCode::MemOutOfBound);
      CHECK(o.cycles == 2);
      CHECK(o.pc == 0xffffffff8000fffcULL);
      CHECK(o.regs[RA] == 0x10008);
    }
    // VERSION0: jalr writes ra before reading it, so it jumps to 0x10004 (itself) forever.
    // ckb-vm (max_cycles 1000): error=CyclesExceeded cycles=1000 pc=0x10004
    o = run(elf, IMC, VERSION0, 1000);
    CHECK(o.error == ErrorCode::CyclesExceeded);
    CHECK(o.cycles == 1000);
    CHECK(o.pc == 0x10004);
  });
}

// ---------------------------------------------------------------------------
// Fixed: pc == UINT64_MAX used to hit an empty slot of the decoder cache
// (empty slots carried that pc), so decode(UINT64_MAX) returned a default
// instruction and execution went on at pc 3, turning ckb-vm's MemOutOfBound
// into a successful exit. ckb-vm's decode_raw checks the range before its
// cache; Decoder::decode and DefaultMachine::find_block now do too.

TEST_CASE("parity: ELF entry UINT64_MAX is MemOutOfBound at the first fetch") {
  const auto elf = elf_with_code(rv::bytes({rv::li(A0, 3), rv::li(A7, 93), rv::ecall()}), 12, ~std::uint64_t{0});
  for_each_memory([&](Runner run) {
    for (const Cfg cfg : {Cfg{IMC, VERSION0}, Cfg{IMC, VERSION2}, Cfg{IMCB_MOP, VERSION2}}) {
      // ckb-vm: error=MemOutOfBound cycles=0 pc=0xffffffffffffffff
      // ours (before the fix): error=MemWriteOnExecutablePage cycles=0 pc=0x3
      const Outcome o = run(elf, cfg.isa, cfg.version, UINT64_MAX);
      CHECK(o.error == ErrorCode::MemOutOfBound);
      CHECK(o.cycles == 0);
      CHECK(o.pc == ~std::uint64_t{0});
    }
  });
}

TEST_CASE("parity: a jump to pc UINT64_MAX is MemOutOfBound, not a run of the code at pc 3") {
  // Executable page 0: `li a0,0; li a7,93; ecall` at the odd address 3 and
  // `jal x0,-0x800` at the odd entry 0x7ff, which jumps to 0x7ff - 0x800 = UINT64_MAX.
  std::vector<std::uint8_t> code(0x804, 0);
  const auto tail = rv::bytes({rv::li(A0, 0), rv::li(A7, 93), rv::ecall()});
  std::copy(tail.begin(), tail.end(), code.begin() + 3);
  const auto j = rv::bytes({rv::jal(ZERO, -0x800)});
  std::copy(j.begin(), j.end(), code.begin() + 0x7ff);
  const auto elf = elf_with_code(code, code.size(), 0x7ff, 0);
  for_each_memory([&](Runner run) {
    for (const Cfg cfg : {Cfg{IMC, VERSION0}, Cfg{IMC, VERSION1}, Cfg{IMC, VERSION2}, Cfg{IMCB_MOP, VERSION2}}) {
      // ckb-vm: error=MemOutOfBound cycles=1 pc=0xffffffffffffffff
      // ours (before the fix): exit=0 cycles=4
      const Outcome o = run(elf, cfg.isa, cfg.version, UINT64_MAX);
      CHECK_FALSE(o.ok);
      CHECK(o.error == ErrorCode::MemOutOfBound);
      CHECK(o.cycles == 1);
      CHECK(o.pc == ~std::uint64_t{0});
    }
  });
}

// ---------------------------------------------------------------------------
// The VERSION0/1 trace-cache alias. ckb-vm's TraceMachine and assembly engine
// (what CKB nodes run) match a trace slot on the low 32 bits of pc below
// VERSION2, so a jump to a cached trace's address + k * 2^32 runs that trace
// at the high pc; the plain loop (step()) fails the fetch. run() follows the
// node's engines. Expected values are what ckb-vm 0.24.12 printed for these
// very ELFs: `--machine trace` and `--machine asm` agree on every success;
// `--machine interp` gives MemOutOfBound.

namespace {

constexpr unsigned T0 = 5, T1 = 6, T4 = 29, A3 = 13;

// Caches four traces at A = 0x10100 in a warm-up pass (16 addi | 4 addi + beq
// | jalr t1 | jalr t4), then jumps to H = A + 5 * 2^32: the high pc runs the
// cached traces, looping until a0 == 60, and leaves to the low exit code
// through the last trace. Splitting the 20 addi at 16 is ckb-vm's trace
// geometry: with any other split the trace at A + 64 is missing and the run
// ends with MemOutOfBound.
std::vector<std::uint8_t> alias_program() {
  std::vector<std::uint32_t> w(64 + 23, rv::nop());
  int k = 0;
  for (std::uint32_t word : {rv::lui(T1, 0x50), rv::slli(T1, T1, 16), rv::lui(T0, 0x10), rv::addi(T0, T0, 0x100),
                             rv::add(T1, T1, T0), rv::lui(T4, 0x10), rv::addi(T4, T4, 0x80), rv::li(A0, 40),
                             rv::li(A3, 60), rv::jalr(ZERO, T0, 0)})
    w[k++] = word;
  k = 32;  // 0x10080: second pass
  w[k++] = rv::li(A0, 0);
  w[k++] = rv::lui(T4, 0x10);
  w[k++] = rv::addi(T4, T4, 0xc0);
  w[k] = rv::jal(ZERO, (0x10100 + 84) - (0x10000 + 4 * k));
  k = 48;  // 0x100c0: exit
  w[k++] = rv::li(A7, 93);
  w[k++] = rv::ecall();
  k = 64;  // 0x10100: A
  for (int i = 0; i < 20; ++i) w[k++] = rv::addi(A0, A0, 1);
  w[k++] = rv::beq(A0, A3, 8);
  w[k++] = rv::jalr(ZERO, T1, 0);
  w[k++] = rv::jalr(ZERO, T4, 0);
  const auto code = rv::bytes(w);
  return elf_with_code(code, code.size());
}

// The shape of ckb-vm's own `asm_trace_bug`: a two-instruction trace at
// 0x10018 (addi a0; jalr t1) whose jump goes to 0x10018 + 7 * 2^32, so the
// aliasing engines loop until the cycle limit.
std::vector<std::uint8_t> alias_loop_program() {
  const auto code = rv::bytes({rv::lui(T0, 0x10), rv::addi(T0, T0, 0x18), rv::lui(T1, 0x70), rv::slli(T1, T1, 16),
                               rv::add(T1, T1, T0), rv::jal(ZERO, 4), rv::addi(A0, A0, 1), rv::jalr(ZERO, T1, 0)});
  return elf_with_code(code, code.size());
}

}  // namespace

TEST_CASE("parity: VERSION0/1 run cached traces at pc + k * 2^32 as CKB's engines do, VERSION2 does not") {
  const auto elf = alias_program();
  for_each_memory([&](Runner run) {
    for (const Cfg cfg : {Cfg{IMC, VERSION0}, Cfg{IMC, VERSION1}, Cfg{IMCB_MOP, VERSION1}}) {
      CAPTURE(cfg.isa);
      CAPTURE(cfg.version);
      // ckb-vm trace and asm: exit=60 cycles=105; interp: MemOutOfBound cycles=37
      const Outcome o = run(elf, cfg.isa, cfg.version, UINT64_MAX);
      REQUIRE(o.ok);
      CHECK(o.exit == 60);
      CHECK(o.cycles == 105);
      CHECK(o.pc == 0x100c8);
      // The limit falling inside aliased traces: cycles charged instruction by
      // instruction, as TraceMachine does (values from `--machine trace`).
      for (std::uint64_t limit : {37u, 38u, 50u, 80u, 100u, 104u}) {
        CAPTURE(limit);
        const Outcome c = run(elf, cfg.isa, cfg.version, limit);
        CHECK_FALSE(c.ok);
        CHECK(c.error == ErrorCode::CyclesExceeded);
        CHECK(c.cycles == limit);
      }
      CHECK(run(elf, cfg.isa, cfg.version, 105).ok);
    }
    for (const Cfg cfg : {Cfg{IMC, VERSION2}, Cfg{IMCB_MOP, VERSION2}}) {
      CAPTURE(cfg.isa);
      // every ckb-vm engine: MemOutOfBound cycles=37 at pc 0x5_0001_0100
      const Outcome o = run(elf, cfg.isa, cfg.version, UINT64_MAX);
      CHECK_FALSE(o.ok);
      CHECK(o.error == ErrorCode::MemOutOfBound);
      CHECK(o.cycles == 37);
      CHECK(o.pc == 0x500010100);
    }
  });
}

TEST_CASE("parity: an asm_trace_bug-shaped loop ends CyclesExceeded on VERSION0/1 and MemOutOfBound on VERSION2") {
  const auto elf = alias_loop_program();
  for_each_memory([&](Runner run) {
    for (const Cfg cfg : {Cfg{IMC, VERSION0}, Cfg{IMCB_MOP, VERSION1}}) {
      CAPTURE(cfg.version);
      // ckb-vm trace and asm: CyclesExceeded cycles=2000
      const Outcome o = run(elf, cfg.isa, cfg.version, 2000);
      CHECK_FALSE(o.ok);
      CHECK(o.error == ErrorCode::CyclesExceeded);
      CHECK(o.cycles == 2000);
      CHECK(o.pc == 0x700010018);
    }
    // ckb-vm (every engine): MemOutOfBound cycles=8
    const Outcome o = run(elf, IMCB_MOP, VERSION2, 2000);
    CHECK(o.error == ErrorCode::MemOutOfBound);
    CHECK(o.cycles == 8);
  });
}

TEST_CASE("step() stays the plain loop: it never runs an aliased trace") {
  const auto elf = alias_program();
  auto built = MachineBuilder<>().isa(IMC).version(VERSION1).instruction_cycle_func(constant_cycles).build();
  REQUIRE(built.ok());
  auto m = std::move(*built);
  REQUIRE(m.load_program(Bytes(elf.data(), elf.size()), std::vector<std::string>{}).ok());
  Status s;
  while ((s = m.step()).ok()) {
  }
  CHECK(s.error().code == ErrorCode::MemOutOfBound);
  CHECK(m.cycles() == 37);
  CHECK(m.pc() == 0x500010100);
}

TEST_CASE("the trace-slot state is emptied by reset and not shared between machines") {
  const auto elf = alias_program();
  auto built = MachineBuilder<>().isa(IMC).version(VERSION1).instruction_cycle_func(constant_cycles).build();
  REQUIRE(built.ok());
  auto m = std::move(*built);
  REQUIRE(m.load_program(Bytes(elf.data(), elf.size()), std::vector<std::string>{}).ok());
  auto first = m.run();
  REQUIRE(first.ok());
  CHECK(*first == 60);
  // Jumping straight to the high address: a reset machine has no traces.
  m.reset(UINT64_MAX);
  REQUIRE(m.load_program(Bytes(elf.data(), elf.size()), std::vector<std::string>{}).ok());
  m.update_pc(0x500010100);
  m.commit_pc();
  auto r = m.run();
  CHECK_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::MemOutOfBound);
}

// 0.24.12's assembly engine keeps a trace's byte length in 8 bits: a trace of
// sixteen fused ADC patterns spans 340 bytes, so there it never ends (V1) or
// charges 96 cycles (V2). The plain loop and TraceMachine agree on exit=6
// cycles=21 (constant cycles), and so does this library (docs/versions.md).
TEST_CASE("parity: a 16-op trace of fused ADCs spanning 340 bytes runs as the plain loop and TraceMachine run it") {
  std::vector<std::uint32_t> w = {rv::li(A0, 1), rv::li(A3, 2), rv::li(15, 3)};
  for (int k = 0; k < 16; ++k) {
    w.push_back(rv::add(A0, A0, A3));
    w.push_back(rv::sltu(A3, A0, A3));
    w.push_back(rv::add(A0, A0, 15));
    w.push_back(rv::sltu(15, A0, 15));
    w.push_back(rv::or_(A3, A3, 15));
  }
  w.push_back(rv::li(A7, 93));
  w.push_back(rv::ecall());
  const auto code = rv::bytes(w);
  const auto elf = elf_with_code(code, code.size());
  for_each_memory([&](Runner run) {
    for (std::uint32_t v : {VERSION1, VERSION2}) {
      CAPTURE(v);
      const Outcome o = run(elf, IMCB_MOP, v, UINT64_MAX);
      REQUIRE(o.ok);
      CHECK(o.exit == 6);
      CHECK(o.cycles == 21);
    }
  });
}

}  // namespace parity_regressions_tests
