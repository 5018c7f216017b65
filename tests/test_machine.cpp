// Interpreter behaviour: exit codes, cycle metering, version differences,
// errors, syscalls, debugger, pause, stack set-up, and run() == step().
#include <doctest/doctest.h>

#include <atomic>
#include <ckb_vm/machine.hpp>
#include <thread>

#include "support/rv_asm.hpp"

namespace machine_tests {

using namespace ckb_vm;
using namespace ckb_vm::registers;

namespace {

constexpr std::uint64_t CODE = 0x10000;
using Vm = DefaultMachine<DefaultCoreMachine<>>;

struct Options {
  std::uint8_t isa = ISA_IMC;
  std::uint32_t version = VERSION2;
  InstructionCycleFunc cost = estimate_cycles;
  std::uint64_t max_cycles = UINT64_MAX;
  std::uint64_t memory_size = RISCV_MAX_MEMORY;
};

// Code is placed on frozen executable pages at CODE; sp points into writable memory.
Vm make_vm(const std::vector<std::uint32_t>& words, Options o = {}, MachineBuilder<> builder = {}) {
  auto built = builder.isa(o.isa)
                   .version(o.version)
                   .instruction_cycle_func(o.cost)
                   .max_cycles(o.max_cycles)
                   .memory_size(o.memory_size)
                   .build();
  REQUIRE(built.ok());
  Vm vm = std::move(*built);
  auto code = rv::bytes(words);
  REQUIRE(vm.memory()
              .init_pages(CODE, round_page_up(code.size()), FLAG_EXECUTABLE | FLAG_FREEZED, code, 0)
              .ok());
  vm.update_pc(CODE);
  vm.commit_pc();
  vm.set_register(SP, o.memory_size - 4096);
  return vm;
}

std::vector<std::uint32_t> exit_with(std::int32_t code) { return {rv::li(A0, code), rv::li(A7, 93), rv::ecall()}; }

template <class V>
std::vector<std::uint32_t> cat(std::vector<std::uint32_t> a, const V& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Runs with step() only (the reference loop).
Result<std::int8_t> run_stepwise(Vm& vm) {
  vm.set_running(true);
  while (vm.running()) {
    auto s = vm.step();
    if (!s.ok()) return s.error();
  }
  return vm.exit_code();
}

}  // namespace

TEST_CASE("machine: exit code is a0 as i8 at ecall 93, cycles by estimate_cycles") {
  auto vm = make_vm(exit_with(-3));
  auto r = vm.run();
  REQUIRE(r.ok());
  CHECK(*r == -3);
  CHECK(vm.cycles() == 1 + 1 + 500);
  auto big = make_vm(exit_with(0x1ff));  // 511 -> i8 -1
  CHECK(*big.run() == -1);
}

TEST_CASE("machine: max_cycles equal to the need succeeds, one less is CyclesExceeded") {
  const std::vector<std::uint32_t> prog = cat({rv::li(A1, 5), rv::li(A2, 7), rv::mul(A3, A1, A2), rv::ld(A4, SP, 0),
                                               rv::sd(A4, SP, 8), rv::div(A5, A3, A1), rv::beq(0, 0, 8), rv::nop()},
                                              exit_with(0));
  // 1 + 1 + 5 + 2 + 2 + 32 + 3 + (1 + 1 + 500)
  const std::uint64_t need = 548;
  for (bool stepwise : {false, true}) {
    CAPTURE(stepwise);
    Options o;
    o.max_cycles = need;
    auto ok = make_vm(prog, o);
    auto r = stepwise ? run_stepwise(ok) : ok.run();
    REQUIRE(r.ok());
    CHECK(ok.cycles() == need);
    o.max_cycles = need - 1;
    auto short_vm = make_vm(prog, o);
    auto e = stepwise ? run_stepwise(short_vm) : short_vm.run();
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().code == ErrorCode::CyclesExceeded);
    // The ecall was not executed: cycles stop before it and pc points at it.
    CHECK(short_vm.cycles() == need - 500);
    CHECK(short_vm.pc() == CODE + 4 * 10);
  }
}

TEST_CASE("machine: cycle overflow is CyclesOverflow") {
  auto vm = make_vm(exit_with(0));
  vm.set_cycles(UINT64_MAX - 1);
  auto r = vm.run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::CyclesOverflow);
}

TEST_CASE("machine: JALR with rd == rs1 differs between VERSION0 and VERSION1 (ckb-vm issue 92)") {
  const std::vector<std::uint32_t> prog = {
      rv::lui(T0, 0x10),         // 0x10000 t0 = 0x10000
      rv::addi(T0, T0, 0x14),    // 0x10004 t0 = 0x10014
      rv::jalr(T0, T0, 0),       // 0x10008 link 0x1000c
      rv::li(A0, 7),             // 0x1000c VERSION0 lands here (target computed from the link)
      rv::jal(0, 8),             // 0x10010
      rv::li(A0, 9),             // 0x10014 VERSION1+ lands here
      rv::li(A7, 93), rv::ecall()};
  Options o;
  o.version = VERSION0;
  CHECK(*make_vm(prog, o).run() == 7);
  o.version = VERSION1;
  CHECK(*make_vm(prog, o).run() == 9);
  o.version = VERSION2;
  CHECK(*make_vm(prog, o).run() == 9);
}

TEST_CASE("machine: VERSION0 cannot load the last bytes of memory, VERSION1 can") {
  const auto prog = cat({rv::lui(T1, 0x400), rv::addi(T1, T1, -1), rv::lbu(A0, T1, 0)}, exit_with(0));
  Options o;
  o.version = VERSION0;
  auto v0 = make_vm(prog, o);
  auto r0 = v0.run();
  REQUIRE_FALSE(r0.ok());
  CHECK(r0.error().code == ErrorCode::MemOutOfBound);
  o.version = VERSION1;
  auto r1 = make_vm(prog, o).run();
  REQUIRE(r1.ok());
  CHECK(*r1 == 0);
}

TEST_CASE("machine: MOP with VERSION0 is InvalidVersion") {
  Options o;
  o.version = VERSION0;
  o.isa = ISA_IMC | ISA_MOP;
  auto r = make_vm(exit_with(0), o).run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::InvalidVersion);
}

TEST_CASE("machine: error kinds with their details") {
  SUBCASE("unknown ecall") {
    auto r = make_vm({rv::li(A7, 2000), rv::ecall()}).run();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::invalid_ecall(2000));
  }
  SUBCASE("invalid instruction reports pc and bits") {
    auto r = make_vm({rv::nop(), 0xffffffffu}).run();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::invalid_instruction(CODE + 4, 0xffffffffu));
  }
  SUBCASE("store into code is a W^X violation") {
    auto vm = make_vm(cat({rv::auipc(T0, 0), rv::sd(A0, T0, 0)}, exit_with(0)));
    auto r = vm.run();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::MemWriteOnExecutablePage);
    CHECK(vm.cycles() == 1 + 2);  // the faulting store was charged
  }
  SUBCASE("jump outside memory") {
    auto r = make_vm({rv::lui(T0, 0x500), rv::jalr(0, T0, 0)}).run();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::MemOutOfBound);
  }
  SUBCASE("executing a non-executable page reports MemWriteOnExecutablePage, as ckb-vm does") {
    auto r = make_vm({rv::lui(T0, 0x200), rv::jalr(0, T0, 0)}).run();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::MemWriteOnExecutablePage);
  }
}

TEST_CASE("machine: a fault in the middle of a block charges exactly what the step loop charges") {
  // Several straight-line instructions, a faulting store, then more code.
  const auto prog = cat({rv::li(A1, 1), rv::li(A2, 2), rv::mul(A3, A1, A2), rv::auipc(T0, 0), rv::sw(A3, T0, 0),
                         rv::li(A4, 4), rv::li(A5, 5)},
                        exit_with(0));
  auto a = make_vm(prog);
  auto b = make_vm(prog);
  auto ra = a.run();
  auto rb = run_stepwise(b);
  REQUIRE_FALSE(ra.ok());
  REQUIRE_FALSE(rb.ok());
  CHECK(ra.error() == rb.error());
  CHECK(a.cycles() == b.cycles());
  CHECK(a.cycles() == 1 + 1 + 5 + 1 + 3);
  CHECK(a.pc() == b.pc());
  for (std::size_t k = 0; k < 32; ++k) CHECK(a.registers()[k] == b.registers()[k]);
}

namespace {

struct CountingSyscall : Syscalls<DefaultCoreMachine<>> {
  std::uint64_t number;
  int* calls;
  std::uint64_t extra_cycles = 0;
  bool fail = false;
  CountingSyscall(std::uint64_t n, int* c) : number(n), calls(c) {}
  Status initialize(DefaultCoreMachine<>&) override { return {}; }
  Result<bool> ecall(DefaultCoreMachine<>& m) override {
    if (m.registers()[A7] != number) return false;
    ++*calls;
    if (fail) return Error(ErrorCode::External, "handler failed");
    m.set_register(A0, 42);
    CKB_VM_TRY(m.add_cycles_no_checking(extra_cycles));
    return true;
  }
};

struct CountingDebugger : Debugger<DefaultCoreMachine<>> {
  int* hits;
  explicit CountingDebugger(int* h) : hits(h) {}
  Status initialize(DefaultCoreMachine<>&) override { return {}; }
  Status ebreak(DefaultCoreMachine<>& m) override {
    ++*hits;
    m.set_register(A1, 77);
    return {};
  }
};

}  // namespace

TEST_CASE("machine: syscall handlers are tried in order") {
  int first = 0, second = 0;
  // a7 = 1000: handled by the second handler, which sets a0 = 42; then exit(a0).
  const std::vector<std::uint32_t> prog = {rv::li(A7, 1000), rv::ecall(), rv::li(A7, 93), rv::ecall()};
  MachineBuilder<> b;
  b.syscall(std::make_unique<CountingSyscall>(999, &first)).syscall(std::make_unique<CountingSyscall>(1000, &second));
  auto vm = make_vm(prog, {}, std::move(b));
  auto r = vm.run();
  REQUIRE(r.ok());
  CHECK(*r == 42);
  CHECK(first == 0);
  CHECK(second == 1);

  SUBCASE("a failing handler stops the machine with its error") {
    int calls = 0;
    auto failing = std::make_unique<CountingSyscall>(1000, &calls);
    failing->fail = true;
    MachineBuilder<> fb;
    fb.syscall(std::move(failing));
    auto vm2 = make_vm(prog, {}, std::move(fb));
    auto r2 = vm2.run();
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().code == ErrorCode::External);
  }
  SUBCASE("cycles above the limit after a handled syscall are CyclesExceeded") {
    int calls = 0;
    auto costly = std::make_unique<CountingSyscall>(1000, &calls);
    costly->extra_cycles = 10'000;
    MachineBuilder<> cb;
    cb.syscall(std::move(costly));
    Options o;
    o.max_cycles = 5'000;
    auto vm3 = make_vm(prog, o, std::move(cb));
    auto r3 = vm3.run();
    REQUIRE_FALSE(r3.ok());
    CHECK(r3.error().code == ErrorCode::CyclesExceeded);
  }
}

TEST_CASE("machine: ebreak calls the debugger, and is a no-op without one") {
  const auto prog = cat({rv::ebreak(), rv::add(A0, A1, 0)}, std::vector<std::uint32_t>{rv::li(A7, 93), rv::ecall()});
  int hits = 0;
  MachineBuilder<> b;
  b.debugger(std::make_unique<CountingDebugger>(&hits));
  auto vm = make_vm(prog, {}, std::move(b));
  CHECK(*vm.run() == 77);
  CHECK(hits == 1);
  CHECK(*make_vm(prog).run() == 0);
}

TEST_CASE("machine: pause from another thread, then resume") {
  // Deterministic: the guest makes syscall 2000 once per loop iteration, and on the
  // 1000th and 2000th call the handler starts a thread that raises the pause flag
  // and waits for it, so the flag is set at the same point on every run.
  // loop: addi a0, a0, 1; li a7, 2000; ecall; j loop
  const std::vector<std::uint32_t> spin = {rv::addi(A0, A0, 1), rv::li(A7, 2000), rv::ecall(), rv::jal(0, -12)};
  struct PauseOnCall final : Syscalls<DefaultCoreMachine<>> {
    PauseOnCall(Pause pause, std::vector<std::uint64_t> at) : pause_(std::move(pause)), at_(std::move(at)) {}
    Status initialize(DefaultCoreMachine<>&) override { return {}; }
    Result<bool> ecall(DefaultCoreMachine<>& m) override {
      if (m.registers()[A7] != 2000) return false;
      ++calls_;
      for (const std::uint64_t n : at_) {
        if (n != calls_) continue;
        std::thread other([pause = pause_] { pause.interrupt(); });
        other.join();
      }
      return true;
    }
    Pause pause_;
    std::vector<std::uint64_t> at_;
    std::uint64_t calls_ = 0;
  };
  const auto paused_run = [&](std::uint64_t& first_cycles, std::uint64_t& second_cycles) {
    Pause pause;
    MachineBuilder<> b;
    b.pause(pause);
    b.syscall(std::make_unique<PauseOnCall>(pause, std::vector<std::uint64_t>{1000, 2000}));
    auto vm = make_vm(spin, {}, std::move(b));
    auto r = vm.run();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::Pause);
    const std::uint64_t counted = vm.registers()[A0];
    CHECK(counted >= 1000);
    CHECK(counted <= 1001);  // noticed at the next instruction boundary the engine checks
    CHECK_FALSE(pause.has_interrupted());  // run() clears the flag it reported
    first_cycles = vm.cycles();
    // Resume: the loop continues from where it stopped, until the second pause.
    auto r2 = vm.run();
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().code == ErrorCode::Pause);
    CHECK(vm.registers()[A0] >= 2000);
    CHECK(vm.registers()[A0] <= 2001);
    second_cycles = vm.cycles();
  };
  std::uint64_t a1 = 0, a2 = 0, b1 = 0, b2 = 0;
  paused_run(a1, a2);
  paused_run(b1, b2);
  CHECK(a1 == b1);  // the same stops on every run
  CHECK(a2 == b2);
  CHECK(a2 > a1);
}

TEST_CASE("machine: stack set-up per version") {
  using Core = DefaultCoreMachine<>;
  const std::string a = "a", bb = "bb";
  const std::vector<Bytes> args = {as_bytes(a), as_bytes(bb)};
  const std::uint64_t top = RISCV_MAX_MEMORY, start = top - DEFAULT_STACK_SIZE;

  SUBCASE("VERSION1: NULL-terminated argv, 16-byte aligned sp, 64-bit slots") {
    Core core(ISA_IMC, VERSION1, UINT64_MAX);
    auto used = core.initialize_stack(args, start, DEFAULT_STACK_SIZE);
    REQUIRE(used.ok());
    const std::uint64_t sp = core.registers()[SP];
    CHECK(sp % 16 == 0);
    CHECK(*used == top - sp);
    CHECK(*core.memory().load64(sp) == 2);  // argc
    const std::uint64_t argv0 = *core.memory().load64(sp + 8);
    const std::uint64_t argv1 = *core.memory().load64(sp + 16);
    CHECK(*core.memory().load64(sp + 24) == 0);  // argv[argc] == NULL
    CHECK(*core.memory().load8(argv0) == 'a');
    CHECK(*core.memory().load8(argv0 + 1) == 0);
    CHECK(*core.memory().load16(argv1) == ('b' | 'b' << 8));
  }
  SUBCASE("VERSION0: no NULL terminator, no alignment") {
    Core core(ISA_IMC, VERSION0, UINT64_MAX);
    auto used = core.initialize_stack(args, start, DEFAULT_STACK_SIZE);
    REQUIRE(used.ok());
    const std::uint64_t sp = core.registers()[SP];
    // strings take 2 + 3 bytes, then three 8-byte slots
    CHECK(sp == top - 5 - 24);
    CHECK(*core.memory().load64(sp) == 2);
  }
  SUBCASE("VERSION1 with no arguments writes nothing and only aligns sp") {
    Core core(ISA_IMC, VERSION1, UINT64_MAX);
    auto used = core.initialize_stack({}, start, DEFAULT_STACK_SIZE);
    REQUIRE(used.ok());
    CHECK(core.registers()[SP] == top - 16);
    CHECK(*used == 16);
    CHECK(core.memory().dirty_page_log().empty());
  }
  SUBCASE("VERSION0 with no arguments still writes argc") {
    Core core(ISA_IMC, VERSION0, UINT64_MAX);
    auto used = core.initialize_stack({}, start, DEFAULT_STACK_SIZE);
    REQUIRE(used.ok());
    CHECK(core.registers()[SP] == top - 8);
    CHECK_FALSE(core.memory().dirty_page_log().empty());
  }
  SUBCASE("too many arguments is MemOutOfStack") {
    Core core(ISA_IMC, VERSION1, UINT64_MAX, 64 * 1024);
    const std::string big(5000, 'x');
    const std::vector<Bytes> many = {as_bytes(big), as_bytes(big), as_bytes(big), as_bytes(big)};
    auto used = core.initialize_stack(many, 48 * 1024, 16 * 1024);
    REQUIRE_FALSE(used.ok());
    CHECK(used.error().code == ErrorCode::MemOutOfStack);
  }
}

TEST_CASE("machine: LR/SC reservation and a failed SC still writes back") {
  const std::vector<std::uint32_t> prog = {
      rv::lui(T0, 0x300),        // t0 = 0x300000, a fresh data page
      rv::li(A1, 5),
      rv::sc_w(A2, T0, A1),      // no reservation: fails, a2 = 1
      rv::lr_w(A3, T0),          // reserve
      rv::sc_w(A4, T0, A1),      // succeeds, a4 = 0, memory = 5
      rv::sc_w(A5, T0, A1),      // reservation consumed: fails, a5 = 1
      rv::lw(A0, T0, 0),
      rv::add(A0, A0, A2), rv::add(A0, A0, A4), rv::add(A0, A0, A5),
      rv::li(A7, 93), rv::ecall()};
  Options o;
  o.isa = ISA_IMC | ISA_A;
  auto vm = make_vm(prog, o);
  auto r = vm.run();
  REQUIRE(r.ok());
  CHECK(*r == 5 + 1 + 0 + 1);
  CHECK(vm.memory().lr() == UINT64_MAX);
  CHECK((*vm.memory().fetch_flag(0x300) & FLAG_DIRTY) != 0);
  o.isa = ISA_IMC;
  auto no_a = make_vm(prog, o).run();
  REQUIRE_FALSE(no_a.ok());
  CHECK(no_a.error().code == ErrorCode::InvalidInstruction);
}

TEST_CASE("machine: reset clears state and the decode cache") {
  auto vm = make_vm(exit_with(3));
  REQUIRE(*vm.run() == 3);
  vm.reset(1000);
  CHECK(vm.cycles() == 0);
  CHECK(vm.max_cycles() == 1000);
  CHECK(vm.pc() == 0);
  // New code at the same address after reset runs, not the cached old code.
  auto code = rv::bytes(exit_with(4));
  REQUIRE(vm.memory().init_pages(CODE, 4096, FLAG_EXECUTABLE | FLAG_FREEZED, code, 0).ok());
  vm.update_pc(CODE);
  vm.commit_pc();
  auto r = vm.run();
  REQUIRE(r.ok());
  CHECK(*r == 4);
}

TEST_CASE("machine: builder validates memory size and version") {
  CHECK_FALSE(MachineBuilder<>{}.memory_size(RISCV_MAX_MEMORY + 4096).build().ok());
  CHECK_FALSE(MachineBuilder<>{}.memory_size(5000).build().ok());
  CHECK_FALSE(MachineBuilder<>{}.version(3).build().ok());
  CHECK(MachineBuilder<>{}.memory_size(64 * 1024).build().ok());
}

}  // namespace machine_tests
