// A machine of the host's own, suspended and resumed with Snapshot2Context.
//
// Shows: a core type modelling the SupportMachine concept (SupportMachineMixin adds
// ckb-vm's add_cycles / load_elf / load_binary / initialize_stack) with a Memory that
// counts the guest's stores; running it with DefaultMachine<CountingCore>; Snapshot2,
// written against the concept, working on it unchanged: the store counts of the two
// halves of a suspended run add up to those of an uninterrupted one.
//
//   custom_machine tests/programs/bin/sha256
#include <ckb_vm/ckb_vm.hpp>
#include <ckb_vm/snapshot2.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <utility>
#include <vector>

using namespace ckb_vm;

struct CountingMemory : WXorXMemory<FlatMemory> {
  using WXorXMemory::WXorXMemory;
  std::uint64_t stores = 0;
  Status store8(std::uint64_t a, std::uint64_t v) { return ++stores, WXorXMemory::store8(a, v); }
  Status store16(std::uint64_t a, std::uint64_t v) { return ++stores, WXorXMemory::store16(a, v); }
  Status store32(std::uint64_t a, std::uint64_t v) { return ++stores, WXorXMemory::store32(a, v); }
  Status store64(std::uint64_t a, std::uint64_t v) { return ++stores, WXorXMemory::store64(a, v); }
};

class CountingCore : public SupportMachineMixin<CountingCore> {
 public:
  using memory_type = CountingMemory;
  explicit CountingCore(std::uint64_t max_cycles) : memory_(RISCV_MAX_MEMORY), max_cycles_(max_cycles) {}
  std::uint64_t pc() const { return pc_; }
  std::uint64_t next_pc() const { return next_pc_; }  // used by DefaultMachine
  void update_pc(std::uint64_t v) { next_pc_ = v; }
  void commit_pc() { pc_ = next_pc_; }
  CountingMemory& memory() { return memory_; }
  std::span<const std::uint64_t> registers() const { return {regs_.data(), 32}; }
  void set_register(std::size_t i, std::uint64_t v) { if (i < 32) regs_[i] = v; }
  std::uint64_t* regs() { return regs_.data(); }  // x0..x31 and a sink slot for writes to x0
  std::uint32_t version() const { return VERSION2; }
  std::uint8_t isa() const { return ISA_IMC | ISA_B | ISA_MOP; }
  // SupportMachine
  std::uint64_t cycles() const { return cycles_; }
  void set_cycles(std::uint64_t c) { cycles_ = c; }
  std::uint64_t max_cycles() const { return max_cycles_; }
  void set_max_cycles(std::uint64_t c) { max_cycles_ = c; }
  bool running() const { return running_; }
  void set_running(bool r) { running_ = r; }
  void reset(std::uint64_t max_cycles) { *this = CountingCore(max_cycles), reset_signal_ = true; }
  bool reset_signal() { return std::exchange(reset_signal_, false); }
 private:
  CountingMemory memory_;
  std::array<std::uint64_t, 33> regs_{};
  std::uint64_t pc_ = 0, next_pc_ = 0, cycles_ = 0, max_cycles_;
  bool running_ = false, reset_signal_ = false;
};
static_assert(SupportMachine<CountingCore>);

using VM = DefaultMachine<CountingCore>;
using Context = Snapshot2Context<std::uint64_t, InMemoryDataSource<std::uint64_t>>;  // ids: plain numbers

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::ifstream file(argv[1], std::ios::binary);
  const std::vector<std::uint8_t> program((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto metadata = parse_elf(program, VERSION2);
  if (!metadata.ok()) return 1;
  InMemoryDataSource<std::uint64_t> source;
  source.insert(0, program);
  const auto start = [&](Context& context, std::uint64_t max_cycles) {
    VM vm(CountingCore(max_cycles), estimate_cycles);
    const std::string name = "program";
    const Bytes args[] = {as_bytes(name)};
    if (!vm.load_program_with_metadata(program, *metadata, args).ok()) std::exit(1);
    if (!context.mark_program(vm, *metadata, 0, 0).ok()) std::exit(1);
    return vm;
  };

  Context context(source);  // first half: stop at 100000 cycles
  VM first = start(context, 100'000);
  const auto stopped = first.run();
  auto snapshot = context.make_snapshot(first);
  if (stopped.ok() || stopped.error().code != ErrorCode::CyclesExceeded || !snapshot.ok()) return 1;
  const std::uint64_t before = first.memory().stores;  // includes the loader's argv stores

  Context context2(source);  // second half: a fresh CountingCore
  VM second(CountingCore(0), estimate_cycles);
  if (!context2.resume(second, *snapshot).ok()) return 1;
  second.set_max_cycles(UINT64_MAX);
  const auto resumed = second.run();

  Context context3(source);
  VM whole = start(context3, UINT64_MAX);
  const auto straight = whole.run();
  if (!resumed.ok() || !straight.ok()) return 1;
  const std::uint64_t after = second.memory().stores, total = whole.memory().stores;
  const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("suspended: CyclesExceeded at cycles=%llu after %llu stores\n", u(first.cycles()), u(before));
  std::printf("resumed:   exit=%d cycles=%llu after %llu more stores\n", *resumed, u(second.cycles()), u(after));
  const bool same = before + after == total && *resumed == *straight && second.cycles() == whole.cycles();
  std::printf("whole run: exit=%d cycles=%llu, %llu stores: %s\n", *straight, u(whole.cycles()), u(total),
              same ? "halves add up" : "MISMATCH");
  return same ? 0 : 1;
}
