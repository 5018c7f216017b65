// Snapshot2 with a DataSource serving several named blobs: suspend a running
// VM, serialize the snapshot, resume it in a fresh machine.
//
// Shows: an InMemoryDataSource keyed by name holding the program and the data a
// syscall hands to the guest; loading that data with Snapshot2Context::store_bytes
// and the program with mark_program, so pages that are exact copies of a blob are
// saved as (name, offset) references, not bytes; make_snapshot, encode_snapshot2,
// decode_snapshot2, resume.
//
//   snapshot_data_source examples/guest/bin/items
#include <ckb_vm/ckb_vm.hpp>
#include <ckb_vm/snapshot2.hpp>
#include <ckb_vm/snapshot_codec.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace ckb_vm;
using Core = DefaultCoreMachine<>;
using Context = Snapshot2Context<std::string, InMemoryDataSource<std::string>>;
using VM = DefaultMachine<Core>;
const std::string ITEMS[] = {"item/0", "item/1", "item/2"};

// Syscall 3000 of examples/guest/items.c: a0 buffer, a1 in/out length, a2 offset, a3 item.
struct LoadItem final : Syscalls<Core> {
  Context* context;
  explicit LoadItem(Context* c) : context(c) {}
  Status initialize(Core&) override { return {}; }
  Result<bool> ecall(Core& m) override {
    const auto& r = m.registers();
    if (r[registers::A7] != 3000) return false;
    if (r[registers::A3] >= std::size(ITEMS)) return m.set_register(registers::A0, 1), true;
    auto capacity = m.memory().load64(r[registers::A1]);
    if (!capacity.ok()) return capacity.error();
    auto stored = context->store_bytes(m, r[registers::A0], ITEMS[r[registers::A3]], r[registers::A2], *capacity,
                                       r[registers::A1]);  // also writes the full length to a1's address
    if (!stored.ok()) return stored.error();
    return m.set_register(registers::A0, 0), true;
  }
};

// A fresh machine whose syscall loads data through `context`; with `program`, loaded.
VM start(Context& context, std::uint64_t max_cycles, const std::vector<std::uint8_t>* program = nullptr) {
  VM m = MachineBuilder<>{}.isa(ISA_IMC | ISA_B | ISA_MOP).version(VERSION2).max_cycles(max_cycles)
                  .instruction_cycle_func(estimate_cycles).syscall(std::make_unique<LoadItem>(&context))
                  .build().value();
  if (program != nullptr) {
    const auto metadata = parse_elf(*program, VERSION2).value();
    const std::string name = "items";
    const Bytes args[] = {as_bytes(name)};
    if (!m.load_program_with_metadata(*program, metadata, args).ok()) std::exit(1);
    if (!context.mark_program(m, metadata, "program", 0).ok()) std::exit(1);  // pages copied from "program"
  }
  return m;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::ifstream file(argv[1], std::ios::binary);
  const std::vector<std::uint8_t> program((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!parse_elf(program, VERSION2).ok()) return 1;
  InMemoryDataSource<std::string> source;  // everything that outlives the VM, by name
  source.insert("program", program);
  source.insert("item/0", std::vector<std::uint8_t>(3 * 4096, 0x5a));
  source.insert("item/1", std::vector<std::uint8_t>(4096, 0xa5));
  source.insert("item/2", std::vector<std::uint8_t>(2000, 0x33));
  // Run until a budget of 600000 cycles, then snapshot and serialize.
  Context context(source);
  VM first = start(context, 600'000, &program);
  auto stopped = first.run();
  std::printf("first run: %s at cycles=%llu\n", stopped.ok() ? "exited" : stopped.error().to_string().c_str(),
              static_cast<unsigned long long>(first.cycles()));
  auto snapshot = context.make_snapshot(first);
  auto bytes = snapshot.ok() ? encode_snapshot2(*snapshot) : Result<std::vector<std::uint8_t>>(snapshot.error());
  if (!bytes.ok()) return 1;
  std::printf("snapshot: %zu bytes; %zu dirty page run(s) copied; pages referenced by name:\n", bytes->size(),
              snapshot->dirty_pages.size());
  for (const auto& run : snapshot->pages_from_source)
    std::printf("  0x%06llx..0x%06llx = %s from offset %llu\n", static_cast<unsigned long long>(run.address),
                static_cast<unsigned long long>(run.address + run.length), run.id.c_str(),
                static_cast<unsigned long long>(run.offset));

  // Later, elsewhere: a fresh machine and context over the same data source.
  Context context2(source);
  VM second = start(context2, 0);
  auto decoded = decode_snapshot2<std::string>(*bytes);
  if (!decoded.ok() || !context2.resume(second, *decoded).ok()) return 1;
  second.set_max_cycles(100'000'000);  // resume restored the old budget: raise it
  auto resumed = second.run();
  // For comparison, the same program run without interruption.
  Context context3(source);
  VM whole = start(context3, 100'000'000, &program);
  auto straight = whole.run();
  if (!resumed.ok() || !straight.ok()) return 1;
  const bool same = *resumed == *straight && second.cycles() == whole.cycles() &&
                    second.registers()[registers::A0] == whole.registers()[registers::A0];
  std::printf("resumed:       exit=%d cycles=%llu\nuninterrupted: exit=%d cycles=%llu\n%s\n", *resumed,
              static_cast<unsigned long long>(second.cycles()), *straight,
              static_cast<unsigned long long>(whole.cycles()), same ? "same result" : "DIFFERENT");
  return same ? 0 : 1;
}
