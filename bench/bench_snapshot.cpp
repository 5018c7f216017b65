// Snapshot cost versus the number of dirty pages, with the dirty-page log
// (SnapshotScan::automatic, the default) and with ckb-vm's scan of every page
// (SnapshotScan::all_pages), at several memory sizes up to RISCV_MAX_MEMORY
// (4 MiB, the largest memory this library supports, as in ckb-vm).
//
// For each memory size and dirty-page count N, a fresh machine gets N pages
// written (spread over memory, so no two are adjacent when that is possible)
// and, in the "tracked" rows, 64 further pages loaded with
// Snapshot2Context::store_bytes (clean pages referring to the data source).
// Reported per operation (median of several batches):
//   snap2 log   make_snapshot, dirty-page log     snap2 scan  same, visiting every page
//   snap log    full-state make_snapshot, log     snap scan   same, every page
//   encode / decode of the Snapshot2, building a fresh machine, building one
//   and resuming the Snapshot2 into it, and the encoded size.
// Benchmarks never fail; they print a table.
//
//   bench_snapshot [--quick]
#include <ckb_vm/machine.hpp>
#include <ckb_vm/snapshot.hpp>
#include <ckb_vm/snapshot2.hpp>
#include <ckb_vm/snapshot_codec.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

using namespace ckb_vm;
using u64 = std::uint64_t;
using Source = InMemoryDataSource<u64>;
using Context = Snapshot2Context<u64, Source>;
template <class Mem>
using Vm = DefaultMachine<DefaultCoreMachine<Mem>>;

constexpr u64 PAGE = RISCV_PAGESIZE;
constexpr u64 kTracked = 64;
volatile std::size_t g_sink = 0;
void consume(std::size_t v) { g_sink = g_sink + v; }

// Median time in microseconds of one call of `op`.
double time_us(const std::function<void()>& op, bool quick) {
  const int batches = quick ? 3 : 7;
  std::vector<double> per_call;
  // Calibrate a batch to roughly 2 ms.
  int reps = 1;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) op();
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    if (us > (quick ? 500.0 : 2000.0) || reps >= (1 << 20)) break;
    reps *= 2;
  }
  for (int b = 0; b < batches; ++b) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) op();
    per_call.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / reps);
  }
  std::sort(per_call.begin(), per_call.end());
  return per_call[per_call.size() / 2];
}

template <class Mem>
void run_case(const char* model, u64 memory_size, u64 dirty, bool tracked, const Source& source, bool quick) {
  const u64 pages = memory_size / PAGE;
  const u64 extra = tracked ? kTracked : 0;
  if (dirty + extra > pages) return;
  Vm<Mem> vm(DefaultCoreMachine<Mem>(ISA_IMC | ISA_B | ISA_MOP, VERSION2, ~u64{0}, memory_size));
  Context ctx(source);
  // Tracked pages at the bottom of memory, dirty pages spread over the rest.
  if (tracked) {
    auto r = ctx.store_bytes(vm, 0, 1, 0, kTracked * PAGE, kTracked * PAGE);  // size word: one more dirty page
    if (!r.ok()) return;
  }
  const u64 first = extra + (tracked ? 1 : 0);
  const u64 room = pages - first;
  u64 written = tracked ? 1 : 0;
  for (u64 i = 0; i < dirty && written < dirty; ++i) {
    const u64 page = first + (room * i) / dirty;
    if (!vm.memory().store64(page * PAGE + 8, 0x0123456789abcdefULL ^ i).ok()) return;
    ++written;
  }

  const double snap2_log = time_us([&] { consume(ctx.make_snapshot(vm)->dirty_pages.size()); }, quick);
  const double snap2_scan =
      time_us([&] { consume(ctx.make_snapshot(vm, SnapshotScan::all_pages)->dirty_pages.size()); }, quick);
  const double snap_log = time_us([&] { consume(make_snapshot(vm)->pages.size()); }, quick);
  const double snap_scan = time_us([&] { consume(make_snapshot(vm, SnapshotScan::all_pages)->pages.size()); }, quick);
  const Snapshot2<u64> snapshot = *ctx.make_snapshot(vm);
  const std::vector<std::uint8_t> bytes = *encode_snapshot2(snapshot);
  const double encode = time_us([&] { consume(encode_snapshot2(snapshot)->size()); }, quick);
  const double decode = time_us([&] { consume(decode_snapshot2<u64>(bytes)->dirty_pages.size()); }, quick);
  // Resume needs a fresh machine; building one is timed alone too.
  const double machine_only = time_us(
      [&] {
        Vm<Mem> fresh(DefaultCoreMachine<Mem>(ISA_IMC | ISA_B | ISA_MOP, VERSION2, 0, memory_size));
        consume(fresh.memory().memory_pages());
      },
      quick);
  const double resume = time_us(
      [&] {
        Vm<Mem> fresh(DefaultCoreMachine<Mem>(ISA_IMC | ISA_B | ISA_MOP, VERSION2, 0, memory_size));
        Context fresh_ctx(source);
        consume(fresh_ctx.resume(fresh, snapshot).ok() ? 1 : 0);
      },
      quick);
  std::printf("%-6s %5llu KiB %6llu %7s %10.2f %10.2f %10.2f %10.2f %9.2f %9.2f %9.2f %9.2f %10zu\n", model,
              static_cast<unsigned long long>(memory_size / 1024), static_cast<unsigned long long>(written),
              tracked ? "64" : "0", snap2_log, snap2_scan, snap_log, snap_scan, encode, decode,
              machine_only, resume, bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  Source source;
  {
    std::vector<std::uint8_t> data(kTracked * PAGE);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 13 + 5);
    source.insert(1, std::move(data));
  }
  std::printf("Snapshot cost per operation in microseconds (median). RISCV_MAX_MEMORY = %llu KiB is the largest\n"
              "memory supported. 'dirty' counts written pages (the size word of store_bytes included);\n"
              "'tracked' pages come from the data source. 'machine' builds a fresh machine; 'resume'\n"
              "builds one and resumes the Snapshot2 into it.\n\n",
              static_cast<unsigned long long>(RISCV_MAX_MEMORY / 1024));
  std::printf("%-6s %9s %6s %7s %10s %10s %10s %10s %9s %9s %9s %9s %10s\n", "memory", "size", "dirty", "tracked",
              "snap2 log", "snap2 scan", "snap log", "snap scan", "encode", "decode", "machine", "resume", "bytes");
  const std::vector<u64> sizes = {256 * 1024, 1024 * 1024, RISCV_MAX_MEMORY};
  const std::vector<u64> dirty_counts = {1, 16, 256, 1024};
  for (const u64 size : sizes)
    for (const bool tracked : {false, true})
      for (const u64 dirty : dirty_counts) run_case<WXorXMemory<FlatMemory>>("flat", size, dirty, tracked, source, quick);
  for (const bool tracked : {false, true})
    for (const u64 dirty : dirty_counts)
      run_case<WXorXMemory<SparseMemory>>("sparse", RISCV_MAX_MEMORY, dirty, tracked, source, quick);
  return 0;
}
