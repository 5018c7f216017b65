// Pausing a running VM from another thread, then resuming it, deterministically.
//
// Shows: a Pause handle shared by the machine (MachineBuilder::pause) and a
// watchdog thread; run() returning ErrorCode::Pause at an instruction boundary
// with registers, pc and cycles intact; run() again continuing from there; and a
// cycle budget as the other way to stop at an exact point. The paused and resumed
// run ends exactly as an uninterrupted run does.
//
//   pause_resume examples/guest/bin/items
//
// The guest (examples/guest/items.c) loads items 0, 1, 2, ... through syscall 3000
// and hashes them. Instead of a timer, the watchdog is woken by the host syscall:
// when the guest asks for item 10, 20 or 30, the handler hands over to the watchdog
// thread, which raises the pause flag, and waits until it has; run() then stops at
// the next instruction boundary. So the pauses land at the same cycle on every run
// and every machine, and the test can check them.
#include <ckb_vm/ckb_vm.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace ckb_vm;
using Core = DefaultCoreMachine<>;

// A watchdog thread that interrupts the VM when asked to, and reports back.
class Watchdog {
 public:
  explicit Watchdog(Pause pause) : thread_([this, pause] { loop(pause); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // Called on the VM's thread: returns once the watchdog has raised the flag.
  void interrupt_and_wait() {
    std::unique_lock lock(mutex_);
    requested_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !requested_; });
  }

 private:
  void loop(Pause pause) {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [&] { return requested_ || stop_; });
      if (stop_) return;
      pause.interrupt();  // from this thread, as a host's timer or UI would
      requested_ = false;
      cv_.notify_all();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool stop_ = false;
  std::thread thread_;
};

// Syscall 3000 (see items.c): serves `count` items of 1 KiB; on the items in
// `pause_at` it asks the watchdog to pause the VM.
class LoadItem final : public Syscalls<Core> {
 public:
  LoadItem(std::uint64_t count, std::vector<std::uint64_t> pause_at, Watchdog* watchdog, std::uint64_t* paused_at)
      : count_(count), pause_at_(std::move(pause_at)), watchdog_(watchdog), paused_at_(paused_at) {}
  Status initialize(Core&) override { return {}; }
  Result<bool> ecall(Core& machine) override {
    const auto& r = machine.registers();
    if (r[registers::A7] != 3000) return false;
    const std::uint64_t buffer = r[registers::A0], size_address = r[registers::A1], index = r[registers::A3];
    if (index >= count_) {
      machine.set_register(registers::A0, 1);  // no more items
      return true;
    }
    const std::vector<std::uint8_t> item(1024, static_cast<std::uint8_t>(index));
    auto capacity = machine.memory().load64(size_address);
    if (!capacity.ok()) return capacity.error();
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(*capacity, item.size()));
    CKB_VM_TRY(machine.memory().store_bytes(buffer, std::span(item).first(n)));
    CKB_VM_TRY(machine.memory().store64(size_address, item.size()));
    machine.set_register(registers::A0, 0);
    if (watchdog_ != nullptr && std::find(pause_at_.begin(), pause_at_.end(), index) != pause_at_.end()) {
      *paused_at_ = index;
      watchdog_->interrupt_and_wait();
    }
    return true;
  }

 private:
  std::uint64_t count_;
  std::vector<std::uint64_t> pause_at_;
  Watchdog* watchdog_;
  std::uint64_t* paused_at_;
};

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PROGRAM\n", argv[0]);
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  const std::vector<std::uint8_t> program((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  constexpr std::uint64_t ITEMS = 40;

  std::uint64_t paused_at = 0;  // the item whose request paused the VM
  const auto make_machine = [&](Pause* pause, Watchdog* watchdog) {
    MachineBuilder<> builder;
    builder.isa(ISA_IMC | ISA_B | ISA_MOP)
        .version(VERSION2)
        .instruction_cycle_func(estimate_cycles)
        .syscall(std::make_unique<LoadItem>(ITEMS, std::vector<std::uint64_t>{10, 20, 30}, watchdog,
                                                 &paused_at));
    if (pause != nullptr) builder.pause(*pause);
    auto machine = builder.build();
    if (!machine.ok() || !machine->load_program(program, std::vector<std::string>{"items"}).ok()) std::exit(1);
    return std::move(machine).value();
  };

  // The reference: the same program and items, never interrupted.
  auto reference = make_machine(nullptr, nullptr);
  const auto expected = reference.run();
  if (!expected.ok()) return 1;

  Pause pause;  // copies share one flag
  Watchdog watchdog(pause);
  auto machine = make_machine(&pause, &watchdog);
  // Three pauses, each resumed by calling run() again.
  for (int round = 1; round <= 3; ++round) {
    const auto result = machine.run();
    if (result.ok() || result.error().code != ErrorCode::Pause) {
      std::printf("pause %d: run() did not return Pause\n", round);
      return 1;
    }
    std::printf("pause %d: run() returned Pause at cycles=%llu, pc=0x%llx, after item %llu\n", round,
                static_cast<unsigned long long>(machine.cycles()), static_cast<unsigned long long>(machine.pc()),
                static_cast<unsigned long long>(paused_at));
  }

  // A cycle budget stops it at an exact point too.
  machine.set_max_cycles(machine.cycles() + 1'000'000);
  const auto budget = machine.run();
  if (budget.ok() || budget.error().code != ErrorCode::CyclesExceeded) return 1;
  std::printf("budget: run() returned CyclesExceeded at cycles=%llu\n",
              static_cast<unsigned long long>(machine.cycles()));

  // To the end: the same outcome as the uninterrupted run.
  machine.set_max_cycles(UINT64_MAX);
  const auto result = machine.run();
  if (!result.ok()) return 1;
  const bool same = *result == *expected && machine.cycles() == reference.cycles() &&
                    machine.registers()[registers::A0] == reference.registers()[registers::A0];
  std::printf("resumed to the end: exit=%d cycles=%llu; uninterrupted: exit=%d cycles=%llu: %s\n", *result,
              static_cast<unsigned long long>(machine.cycles()), *expected,
              static_cast<unsigned long long>(reference.cycles()), same ? "same" : "DIFFERENT");
  return same ? 0 : 1;
}
