// libFuzzer target for <ckb_vm/snapshot2.hpp>, <ckb_vm/snapshot.hpp> and
// <ckb_vm/snapshot_codec.hpp>. The first input byte picks a mode:
//
//   even: the rest is untrusted snapshot bytes. decode_snapshot2<u64> (and
//         decode_snapshot) must fail cleanly or return a snapshot that
//         re-encodes to the same bytes; a decoded snapshot is resumed into a
//         fresh machine with a small data source. When resume succeeds, the
//         machine's own snapshot must resume into a second fresh machine with
//         identical memory, flags and cpu state, snapshot again identically,
//         and the machine then runs a few hundred cycles.
//   odd:  the rest is a script of operations on a machine through a
//         Snapshot2Context, in the ways the CKB node uses it (store_bytes from
//         the data source, init_pages + track_pages of code, untrack_pages,
//         plain stores, register and lr writes). After the script,
//         make_snapshot with the dirty-page log must equal the full-scan one,
//         and resuming it (after an encode/decode round trip) into a fresh
//         machine must reproduce every page's content and flag, the registers,
//         pc, cycles and the load reservation.
//
// Any violated property aborts; crashes and UB are caught by the sanitizers.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "ckb_vm/cost_model.hpp"
#include "ckb_vm/machine.hpp"
#include "ckb_vm/snapshot.hpp"
#include "ckb_vm/snapshot2.hpp"
#include "ckb_vm/snapshot_codec.hpp"

namespace {

using namespace ckb_vm;
using u8 = std::uint8_t;
using u64 = std::uint64_t;
using Source = InMemoryDataSource<u64>;
using Context = Snapshot2Context<u64, Source>;
// Sparse pages: a fresh machine costs little, which keeps the fuzzer fast.
using Core = DefaultCoreMachine<WXorXMemory<SparseMemory>>;
using Vm = DefaultMachine<Core>;

constexpr u64 PAGE = RISCV_PAGESIZE;

const Source& data_source() {
  static const Source source = [] {
    Source s;
    auto pattern = [](std::size_t n, unsigned seed) {
      std::vector<u8> v(n);
      for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<u8>(i * 31 + seed + (i >> 9));
      return v;
    };
    s.insert(0, {});
    s.insert(1, pattern(100, 1));
    s.insert(2, pattern(3 * PAGE, 2));
    s.insert(3, pattern(8 * PAGE + 123, 3));
    // Id 4: code (c.nop words, then c.jr ra... any bytes are fine for loading).
    s.insert(4, pattern(2 * PAGE + 40, 4));
    return s;
  }();
  return source;
}

Vm make_machine() {
  return Vm(Core(ISA_IMC | ISA_B | ISA_MOP | ISA_A, VERSION2, 0), constant_cycles);
}

void check_same_state(Vm& a, Vm& b) {
  // Every store marks its pages dirty, and each memory logs every page that
  // became dirty since it was created, so a page in neither log holds only
  // zeros in both machines: contents are compared for logged pages, flags for
  // all pages.
  static std::array<u8, PAGE> pa, pb;
  FUZZ_CHECK(a.memory().memory_pages() == b.memory().memory_pages());
  std::vector<u64> pages;
  for (const std::uint32_t p : a.memory().dirty_page_log()) pages.push_back(p);
  for (const std::uint32_t p : b.memory().dirty_page_log()) pages.push_back(p);
  for (const u64 page : pages) {
    FUZZ_CHECK(a.memory().load_bytes_into(page * PAGE, pa).ok());
    FUZZ_CHECK(b.memory().load_bytes_into(page * PAGE, pb).ok());
    FUZZ_CHECK(pa == pb);
  }
  for (u64 page = 0; page < a.memory().memory_pages(); ++page)
    FUZZ_CHECK(*a.memory().fetch_flag(page) == *b.memory().fetch_flag(page));
  for (std::size_t i = 0; i < RISCV_GENERAL_REGISTER_NUMBER; ++i) FUZZ_CHECK(a.registers()[i] == b.registers()[i]);
  FUZZ_CHECK(a.pc() == b.pc());
  FUZZ_CHECK(a.cycles() == b.cycles());
  FUZZ_CHECK(a.max_cycles() == b.max_cycles());
  FUZZ_CHECK(a.memory().lr() == b.memory().lr());
}

// Snapshot `vm` (both scans must agree), round-trip the bytes, resume into a
// fresh machine and check it equals `vm`.
void check_snapshot_resumes(Vm& vm, const Context& ctx, bool with_full_state = false) {
  auto snap = ctx.make_snapshot(vm);
  FUZZ_CHECK(snap.ok());
  auto full = ctx.make_snapshot(vm, SnapshotScan::all_pages);
  FUZZ_CHECK(full.ok());
  FUZZ_CHECK(*full == *snap);
  auto bytes = encode_snapshot2(*snap);
  FUZZ_CHECK(bytes.ok());
  auto decoded = decode_snapshot2<u64>(*bytes);
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(*decoded == *snap);
  Vm other = make_machine();
  Context other_ctx(data_source());
  auto resumed = other_ctx.resume(other, *decoded);
  FUZZ_CHECK(resumed.ok());
  check_same_state(vm, other);
  auto again = other_ctx.make_snapshot(other);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *snap);

  if (!with_full_state) return;
  // The full-state Snapshot of the same machine round-trips too.
  auto state = make_snapshot(vm);
  FUZZ_CHECK(state.ok());
  auto state_bytes = encode_snapshot(*state);
  FUZZ_CHECK(state_bytes.ok());
  auto state_back = decode_snapshot(*state_bytes);
  FUZZ_CHECK(state_back.ok() && *state_back == *state);
}

void decode_mode(std::span<const u8> in) {
  auto s2 = decode_snapshot2<u64>(in);
  if (s2.ok()) {
    auto again = encode_snapshot2(*s2);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->size() == in.size() && std::memcmp(again->data(), in.data(), in.size()) == 0);
    Vm vm = make_machine();
    Context ctx(data_source());
    if (ctx.resume(vm, *s2).ok()) {
      check_snapshot_resumes(vm, ctx, true);
      vm.set_max_cycles(vm.cycles() + 300 < vm.cycles() ? ~u64{0} : vm.cycles() + 300);
      (void)vm.run();
    }
  } else {
    FUZZ_CHECK(s2.error().message != nullptr);
    FUZZ_CHECK(snapshot_format_error(s2.error()) != SnapshotFormatError::none);
  }
  auto s1 = decode_snapshot(in);
  if (s1.ok()) {
    auto again = encode_snapshot(*s1);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->size() == in.size() && std::memcmp(again->data(), in.data(), in.size()) == 0);
    Vm vm = make_machine();
    (void)resume(vm, *s1);
  } else {
    FUZZ_CHECK(snapshot_format_error(s1.error()) != SnapshotFormatError::none);
  }
}

struct Script {
  std::span<const u8> in;
  std::size_t pos = 0;
  bool done() const { return pos >= in.size(); }
  u8 byte() { return done() ? 0 : in[pos++]; }
  u64 u32() {
    u64 v = 0;
    for (int i = 0; i < 4; ++i) v |= u64{byte()} << (8 * i);
    return v;
  }
  // Mostly addresses inside memory, sometimes near or past its end.
  u64 address() {
    const u8 kind = byte();
    const u64 raw = u32();
    switch (kind % 8) {
      case 0: return raw;  // anywhere in 32 bits
      case 1: return RISCV_MAX_MEMORY - (raw % (3 * PAGE));
      case 2: return (raw % (RISCV_MAX_MEMORY / PAGE)) * PAGE;  // page aligned
      default: return raw % RISCV_MAX_MEMORY;
    }
  }
  u64 small() {
    const u8 kind = byte();
    const u64 raw = u32();
    switch (kind % 4) {
      case 0: return 0;
      case 1: return raw;
      case 2: return (raw % 5) * PAGE;
      default: return raw % (5 * PAGE);
    }
  }
};

void script_mode(std::span<const u8> in) {
  Vm vm = make_machine();
  Context ctx(data_source());
  Script s{in};
  int full_checks = 0;
  for (int ops = 0; !s.done() && ops < 48; ++ops) {
    switch (s.byte() % 8) {
      case 0:
      case 1: {  // load_cell_data
        const u64 addr = s.address();
        const u64 id = s.byte() % 6;  // 5: unknown
        const u64 offset = s.small();
        const u64 length = s.small();
        const u64 size_addr = s.address();
        (void)ctx.store_bytes(vm, addr, id, offset, length, size_addr);
        break;
      }
      case 2: {  // load_cell_data_as_code: init_pages then track_pages
        const u64 addr = s.address();
        const u64 size = s.small();
        const u64 id = s.byte() % 5;
        const u64 offset = s.small();
        const u64 length = s.small();
        auto data = ctx.load_data(id, offset, length);
        if (!data.ok()) break;
        const u8 flags = (s.byte() & 1) ? (FLAG_EXECUTABLE | FLAG_FREEZED) : FLAG_FREEZED;
        // A failed init_pages may have changed the flags of the pages before
        // the failing one without writing them (as in ckb-vm); the CKB node
        // then terminates the script, so the machine is no longer snapshotted.
        if (!vm.memory().init_pages(addr, size, flags, data->first, 0).ok()) return;
        (void)ctx.track_pages(vm, addr, std::min<u64>(data->first.size(), size), id, offset);
        break;
      }
      case 3: {  // untrack
        const u64 addr = s.address();
        const u64 length = s.small();
        (void)ctx.untrack_pages(vm, addr, length);
        break;
      }
      case 4: {  // guest-like stores
        const u64 addr = s.address();
        const u64 value = s.u32() * 0x9e3779b97f4a7c15ULL;
        switch (s.byte() % 4) {
          case 0: (void)vm.memory().store8(addr, value); break;
          case 1: (void)vm.memory().store64(addr, value); break;
          case 2: (void)vm.memory().store_byte(addr, s.small(), static_cast<u8>(value)); break;
          default: {
            auto data = data_source().load_data(3, s.small(), s.small());
            (void)vm.memory().store_bytes(addr, data->first);
          }
        }
        break;
      }
      case 5: {  // cpu state
        const u64 value = s.u32() * 0xbf58476d1ce4e5b9ULL;
        const u8 which = s.byte();
        if (which < 32) vm.set_register(which, value);
        else if (which < 64) vm.update_pc(value), vm.commit_pc();
        else if (which < 96) vm.memory().set_lr(value);
        else if (which < 128) vm.set_cycles(value);
        else vm.set_max_cycles(value);
        break;
      }
      case 6: {  // a snapshot in the middle, resumed back into the same context
        if (s.byte() % 4 != 0 || full_checks++ >= 2) break;
        auto snap = ctx.make_snapshot(vm);
        FUZZ_CHECK(snap.ok());
        Vm next = make_machine();
        FUZZ_CHECK(ctx.resume(next, *snap).ok());
        check_same_state(vm, next);
        vm = std::move(next);
        break;
      }
      default:
        if (full_checks++ < 2) check_snapshot_resumes(vm, ctx);
        break;
    }
  }
  check_snapshot_resumes(vm, ctx, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const u8> rest(data + 1, size - 1);
  if ((data[0] & 1) == 0)
    decode_mode(rest);
  else
    script_mode(rest);
  return 0;
}
