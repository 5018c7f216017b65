// Snapshot2Context unit tests: tracking, store_bytes, make_snapshot's
// coalescing and ordering, resume and its errors, the regressions ckb-vm
// fixed (PRs 407, 418, 420, 423, 434, issue/PR 218), syscall-loaded data,
// genericity over SupportMachine, and pausing.
#include "test_snapshot_common.hpp"

#include <algorithm>
#include <optional>
#include <thread>

namespace snapshot2_tests {

using namespace snaptest;

namespace {

constexpr u64 PAGE = RISCV_PAGESIZE;

// A machine with nothing loaded, max_cycles unlimited.
Vm fresh(const VmConfig& cfg = {}, const Source& src = make_source({})) { return make_vm(cfg, src, ~u64{0}); }

Snapshot2<u64> snapshot_of(Vm& vm, SnapshotScan scan = SnapshotScan::automatic) {
  auto s = vm.ctx->make_snapshot(*vm.machine, scan);
  REQUIRE_MESSAGE(s.ok(), s.error().to_string());
  if (scan == SnapshotScan::automatic) {
    auto full = vm.ctx->make_snapshot(*vm.machine, SnapshotScan::all_pages);
    REQUIRE(full.ok());
    CHECK(*full == *s);
  }
  return *s;
}

u8 flag_of(Vm& vm, u64 page) { return *vm.machine->memory().fetch_flag(page); }

ByteVec mem(Vm& vm, u64 addr, u64 size) { return *vm.machine->memory().load_bytes(addr, size); }

ByteVec data_bytes(const Source& src, u64 id, u64 offset, u64 length) {
  auto d = src.load_data(id, offset, length);
  REQUIRE(d.has_value());
  return ByteVec(d->first.begin(), d->first.end());
}

// Resumes `s` into a fresh machine and checks it matches `vm` byte for byte.
Vm resume_fresh(Vm& vm, const Snapshot2<u64>& s, const VmConfig& cfg = {}, const Source* src = nullptr) {
  Vm out = src ? fresh(cfg, *src) : fresh(cfg, vm.ctx->data_source());
  auto r = out.ctx->resume(*out.machine, s);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  check_same_memory(*vm.machine, *out.machine);
  check_same_cpu(*vm.machine, *out.machine);
  return out;
}

}  // namespace

TEST_CASE("snapshot2: slice_data follows the CKB node's data source rules") {
  const ByteVec d = pattern_data(100);
  auto s = slice_data(d, 10, 20);
  CHECK(s.first.size() == 20);
  CHECK(s.first.data() == d.data() + 10);
  CHECK(s.second == 90);
  s = slice_data(d, 10, 0);  // 0 = to the end
  CHECK(s.first.size() == 90);
  CHECK(s.second == 90);
  s = slice_data(d, 90, 50);  // clipped to the end
  CHECK(s.first.size() == 10);
  CHECK(s.second == 10);
  s = slice_data(d, 100, 5);
  CHECK(s.first.empty());
  CHECK(s.second == 0);
  s = slice_data(d, ~u64{0}, ~u64{0});  // offset clamped
  CHECK(s.first.empty());
  CHECK(s.second == 0);

  Source src;
  src.insert(1, d);
  CHECK(src.load_data(1, 0, 0)->first.size() == 100);
  CHECK_FALSE(src.load_data(2, 0, 0).has_value());
  src.insert(1, pattern_data(5));  // replaces
  CHECK(src.load_data(1, 0, 0)->second == 5);
}

TEST_CASE("snapshot2: load_data is const and reports unknown ids as SnapshotDataLoadError") {
  const Vm vm = fresh();
  const Context& ctx = *vm.ctx;
  auto ok = ctx.load_data(DATA_ID, 4, 8);
  REQUIRE(ok.ok());
  CHECK(ok->first.size() == 8);
  CHECK(ok->second == 16 * PAGE + 100 - 4);
  auto bad = ctx.load_data(MISSING_ID, 0, 0);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::SnapshotDataLoadError);
}

TEST_CASE("snapshot2: right after loading, a snapshot refers to the program instead of copying it") {
  const u64 pages_written = 5;
  const ByteVec program = page_writer_program(SCRATCH, pages_written, 2);
  const Source src = make_source(program);
  for (const u32 version : {VERSION1, VERSION2}) {
    CAPTURE(version);
    VmConfig cfg;
    cfg.version = version;
    Vm vm = make_vm(cfg, src, ~u64{0});
    auto md = parse_elf(program, version);
    REQUIRE(md.ok());
    REQUIRE(vm.machine->load_program_with_metadata(program, *md, {}).ok());  // no arguments: V1+ writes no stack
    REQUIRE(vm.ctx->mark_program(*vm.machine, *md, PROGRAM_ID, 0).ok());

    Snapshot2<u64> s = snapshot_of(vm);
    CHECK(s.dirty_pages.empty());  // not a single program byte
    REQUIRE(s.pages_from_source.size() == 1);
    const auto& run = s.pages_from_source[0];
    CHECK(run.address == 0x10000);
    CHECK(run.flag == (FLAG_EXECUTABLE | FLAG_FREEZED));
    CHECK(run.id == PROGRAM_ID);
    CHECK(run.offset == 0x1000);
    CHECK(run.length == md->actions[0].size);
    const auto bytes = encode_snapshot2(s);
    REQUIRE(bytes.ok());
    CHECK(bytes->size() < 400);  // header, registers and one run

    auto exit = vm.machine->run();
    REQUIRE(exit.ok());
    s = snapshot_of(vm);
    // Exactly the pages the program wrote, as one coalesced run.
    REQUIRE(s.dirty_pages.size() == 1);
    CHECK(s.dirty_pages[0].address == SCRATCH);
    CHECK(s.dirty_pages[0].flag == FLAG_DIRTY);
    CHECK(s.dirty_pages[0].content.size() == pages_written * PAGE);
    CHECK(s.dirty_pages[0].content == mem(vm, SCRATCH, pages_written * PAGE));
    CHECK(s.pages_from_source.size() == 1);
  }
}

TEST_CASE("snapshot2: after loading an ordinary ELF only partially covered pages and the stack are dirty") {
  // Segments whose file bytes end inside a page, as linkers produce them.
  Asm a;
  for (int i = 0; i < 1500; ++i) a.nop();  // 6000 bytes: one full page and a partial one
  a.li(reg::a0, 0);
  a.exit_with_a0();
  ElfImage img{a.bytes(), 0x10000, pattern_data(5000), 0x20000, 3 * PAGE, false};
  const ByteVec program = build_elf(img);
  const Source src = make_source(program);
  for (const u32 version : {VERSION0, VERSION1, VERSION2}) {
    CAPTURE(version);
    VmConfig cfg;
    cfg.version = version;
    Vm vm = make_vm(cfg, src, ~u64{0});
    load(vm, program);  // with one argument: the stack is written
    Snapshot2<u64> s = snapshot_of(vm);
    // Source: the full code page and the full data page.
    REQUIRE(s.pages_from_source.size() == 2);
    CHECK(s.pages_from_source[0].address == 0x10000);
    CHECK(s.pages_from_source[0].length == PAGE);
    CHECK(s.pages_from_source[0].offset == 0x1000);
    CHECK(s.pages_from_source[1].address == 0x20000);
    CHECK(s.pages_from_source[1].length == PAGE);
    CHECK(s.pages_from_source[1].offset == 0x3000);
    // Dirty: the partial code page, the partial data page, the bss pages, the stack.
    std::vector<u64> dirty;
    for (const auto& run : s.dirty_pages)
      for (u64 p = 0; p < run.content.size() / PAGE; ++p) dirty.push_back(run.address / PAGE + p);
    const u64 stack_top_page = RISCV_MAX_MEMORY / PAGE - 1;
    // 5000 file bytes + 3 pages of bss from 0x20000 end inside page 0x24.
    const std::vector<u64> expected = {0x11, 0x21, 0x22, 0x23, 0x24, stack_top_page};
    CHECK(dirty == expected);
    for (const auto& run : s.dirty_pages)
      if (run.address == 0x11000) CHECK(run.flag == (FLAG_EXECUTABLE | FLAG_FREEZED | FLAG_DIRTY));
    auto next = resume_fresh(vm, s, cfg, &src);
    CHECK(next.machine->run().ok());
  }
}

TEST_CASE("snapshot2: store_bytes tracks whole pages, untracks first and records the full length (PR 434)") {
  Vm vm = fresh();
  const Source& src = vm.ctx->data_source();
  const u64 full = 16 * PAGE + 100;

  // Aligned destination, whole data ("length 0" = to the end).
  auto r = vm.ctx->store_bytes(*vm.machine, 0x100000, DATA_ID, 0, 0, 0xff000);
  REQUIRE(r.ok());
  CHECK(r->first == full);
  CHECK(r->second == full);
  CHECK(*vm.machine->memory().load64(0xff000) == full);
  CHECK(mem(vm, 0x100000, full) == data_bytes(src, DATA_ID, 0, 0));
  CHECK(vm.ctx->tracked_page_count() == 16);
  for (u64 p = 0x100; p < 0x110; ++p) CHECK((flag_of(vm, p) & FLAG_DIRTY) == 0);
  CHECK((flag_of(vm, 0x110) & FLAG_DIRTY) != 0);  // partial last page

  Snapshot2<u64> s = snapshot_of(vm);
  REQUIRE(s.pages_from_source.size() == 1);
  CHECK(s.pages_from_source[0] == SourcePageRun<u64>{0x100000, 0, DATA_ID, 0, 16 * PAGE});
  REQUIRE(s.dirty_pages.size() == 2);
  CHECK(s.dirty_pages[0].address == 0xff000);  // the size word's page
  CHECK(s.dirty_pages[1].address == 0x110000);
  resume_fresh(vm, s);

  // Unaligned destination and offset, shorter length: the full length from
  // the offset is still what lands at size_addr.
  Vm vm2 = fresh();
  r = vm2.ctx->store_bytes(*vm2.machine, 0x100010, DATA_ID, 5, 3 * PAGE, 0x80000);
  REQUIRE(r.ok());
  CHECK(r->first == 3 * PAGE);
  CHECK(r->second == full - 5);
  CHECK(*vm2.machine->memory().load64(0x80000) == full - 5);
  s = snapshot_of(vm2);
  // Pages 0x101 and 0x102 lie completely inside [0x100010, 0x103010).
  REQUIRE(s.pages_from_source.size() == 1);
  CHECK(s.pages_from_source[0] == SourcePageRun<u64>{0x101000, 0, DATA_ID, 5 + PAGE - 0x10, 2 * PAGE});
  resume_fresh(vm2, s);

  // Unknown id: nothing is written.
  auto bad = vm2.ctx->store_bytes(*vm2.machine, 0x300000, MISSING_ID, 0, 0, 0x300000);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::SnapshotDataLoadError);
  CHECK(flag_of(vm2, 0x300) == 0);
}

TEST_CASE("snapshot2: a tracked page written afterwards is saved as dirty, never as source (PRs 418, 423)") {
  Vm vm = fresh();
  REQUIRE(vm.ctx->store_bytes(*vm.machine, 0x100000, DATA_ID, 0, 8 * PAGE, 0x80000).ok());
  REQUIRE(vm.machine->memory().store8(0x103123, 0xee).ok());
  Snapshot2<u64> s = snapshot_of(vm);
  REQUIRE(s.pages_from_source.size() == 2);
  CHECK(s.pages_from_source[0] == SourcePageRun<u64>{0x100000, 0, DATA_ID, 0, 3 * PAGE});
  CHECK(s.pages_from_source[1] == SourcePageRun<u64>{0x104000, 0, DATA_ID, 4 * PAGE, 4 * PAGE});
  REQUIRE(s.dirty_pages.size() == 2);
  CHECK(s.dirty_pages[0].address == 0x80000);
  CHECK(s.dirty_pages[1].address == 0x103000);
  CHECK(s.dirty_pages[1].content[0x123] == 0xee);
  Vm back = resume_fresh(vm, s);
  CHECK(*back.machine->memory().load8(0x103123) == 0xee);

  // ckb-vm's "store bytes twice": the second, shorter store over the first
  // must not leave a page recorded with the first store's offset.
  Vm twice = fresh();
  REQUIRE(twice.ctx->store_bytes(*twice.machine, 0, DATA_ID, 2, 29186, 0x80000).ok());
  REQUIRE(twice.ctx->store_bytes(*twice.machine, 0, DATA_ID, 0, 11008, 0x80000).ok());
  s = snapshot_of(twice);
  CHECK(s.pages_from_source.front() == SourcePageRun<u64>{0, 0, DATA_ID, 0, 2 * PAGE});
  for (const auto& run : s.pages_from_source) CHECK(run.address != 2 * PAGE);  // partially overwritten
  Vm twice_back = resume_fresh(twice, s);
  CHECK(mem(twice_back, 0, 11008) == data_bytes(twice.ctx->data_source(), DATA_ID, 0, 11008));
}

TEST_CASE("snapshot2: zero-length ranges touch no page (PR 420)") {
  Vm vm = fresh();
  // Beyond memory, where any page visit would fail.
  CHECK(vm.ctx->untrack_pages(*vm.machine, RISCV_MAX_MEMORY, 0).ok());
  CHECK(vm.ctx->untrack_pages(*vm.machine, ~u64{0}, 0).ok());
  CHECK(vm.ctx->track_pages(*vm.machine, ~u64{0}, 0, DATA_ID, 0).ok());
  // Offset at the end of the data: nothing to store.
  const u64 full = 16 * PAGE + 100;
  auto r = vm.ctx->store_bytes(*vm.machine, RISCV_MAX_MEMORY, DATA_ID, full, 0, 0x1000);
  REQUIRE(r.ok());
  CHECK(r->first == 0);
  CHECK(r->second == 0);
  // Onto an executable page: still nothing happens besides the size word.
  REQUIRE(vm.machine->memory().init_pages(0x40000, PAGE, FLAG_EXECUTABLE | FLAG_FREEZED, {}, 0).ok());
  r = vm.ctx->store_bytes(*vm.machine, 0x40000, DATA_ID, full + 5, 7, 0x1000);
  REQUIRE(r.ok());
  CHECK(r->first == 0);
  Snapshot2<u64> s = snapshot_of(vm);
  CHECK(s.pages_from_source.empty());
  REQUIRE(s.dirty_pages.size() == 2);  // the size word's page and the init_pages page
  CHECK(s.dirty_pages[0].address == 0x1000);
  CHECK(s.dirty_pages[1].address == 0x40000);
  // Non-zero ranges are checked.
  CHECK(vm.ctx->untrack_pages(*vm.machine, RISCV_MAX_MEMORY, 1).error().code == ErrorCode::MemOutOfBound);
  CHECK(vm.ctx->untrack_pages(*vm.machine, ~u64{0}, 2).error().code == ErrorCode::MemOutOfBound);
}

TEST_CASE("snapshot2: track_pages and untrack_pages") {
  Vm vm = fresh();
  REQUIRE(vm.machine->memory().store_bytes(0x50000, data_bytes(vm.ctx->data_source(), DATA_ID, 0, 4 * PAGE)).ok());
  // Less than up to the next page boundary: nothing.
  CHECK(vm.ctx->track_pages(*vm.machine, 0x50001, PAGE - 2, DATA_ID, 1).ok());
  CHECK(vm.ctx->tracked_page_count() == 0);
  // Unaligned start: only whole pages; offsets follow the bytes.
  CHECK(vm.ctx->track_pages(*vm.machine, 0x50800, 3 * PAGE, DATA_ID, 0x800).ok());
  CHECK(vm.ctx->tracked_page_count() == 2);
  Snapshot2<u64> s = snapshot_of(vm);
  REQUIRE(s.pages_from_source.size() == 1);
  CHECK(s.pages_from_source[0] == SourcePageRun<u64>{0x51000, 0, DATA_ID, PAGE, 2 * PAGE});
  REQUIRE(s.dirty_pages.size() == 2);  // 0x50000 and 0x53000 stay dirty
  CHECK(s.dirty_pages[0].address == 0x50000);
  CHECK(s.dirty_pages[1].address == 0x53000);
  resume_fresh(vm, s);
  // Untracking marks dirty and forgets.
  CHECK(vm.ctx->untrack_pages(*vm.machine, 0x51fff, 1).ok());
  CHECK(vm.ctx->tracked_page_count() == 1);
  CHECK((flag_of(vm, 0x51) & FLAG_DIRTY) != 0);
  s = snapshot_of(vm);
  REQUIRE(s.pages_from_source.size() == 1);
  CHECK(s.pages_from_source[0] == SourcePageRun<u64>{0x52000, 0, DATA_ID, 2 * PAGE, PAGE});
  REQUIRE(s.dirty_pages.size() == 2);
  CHECK(s.dirty_pages[0] .address == 0x50000);
  CHECK(s.dirty_pages[0].content.size() == 2 * PAGE);
  resume_fresh(vm, s);
  // Pages beyond memory.
  CHECK(vm.ctx->track_pages(*vm.machine, RISCV_MAX_MEMORY, PAGE, DATA_ID, 0).error().code == ErrorCode::MemOutOfBound);
  CHECK(vm.ctx->track_pages(*vm.machine, ~u64{0} - 5, 2 * PAGE, DATA_ID, 0).error().code == ErrorCode::MemOutOfBound);
}

TEST_CASE("snapshot2: make_snapshot coalesces only what may be coalesced and sorts by address") {
  Source src = make_source({});
  src.insert(7, pattern_data(8 * PAGE, 3));
  Vm vm = fresh({}, src);
  auto& memory = vm.machine->memory();
  // Tracked in descending order to check the output is sorted.
  REQUIRE(vm.ctx->store_bytes(*vm.machine, 0x108000, DATA_ID, 2 * PAGE, 2 * PAGE, 0x1000).ok());  // continues below
  REQUIRE(vm.ctx->store_bytes(*vm.machine, 0x106000, DATA_ID, 0, 2 * PAGE, 0x1000).ok());
  REQUIRE(vm.ctx->store_bytes(*vm.machine, 0x104000, DATA_ID, 0, 2 * PAGE, 0x1000).ok());  // offset not contiguous
  REQUIRE(vm.ctx->store_bytes(*vm.machine, 0x102000, 7, 0, 2 * PAGE, 0x1000).ok());        // other id
  // Same id and offsets, but a flag differs.
  REQUIRE(vm.ctx->store_bytes(*vm.machine, 0x120000, DATA_ID, 0, 2 * PAGE, 0x1000).ok());
  REQUIRE(memory.set_flag(0x121, FLAG_FREEZED).ok());
  REQUIRE(vm.ctx->track_pages(*vm.machine, 0x121000, PAGE, DATA_ID, PAGE).ok());  // re-record with the new flag
  // Dirty pages: adjacent with equal flags coalesce, different flags split.
  REQUIRE(memory.store8(0x200000, 1).ok());
  REQUIRE(memory.store8(0x201000, 2).ok());
  REQUIRE(memory.store8(0x202000, 3).ok());
  REQUIRE(memory.set_flag(0x202, FLAG_FREEZED).ok());
  REQUIRE(memory.store8(0x204000, 4).ok());

  Snapshot2<u64> s = snapshot_of(vm);
  const std::vector<SourcePageRun<u64>> expected_source = {
      {0x102000, 0, 7, 0, 2 * PAGE},
      {0x104000, 0, DATA_ID, 0, 2 * PAGE},
      {0x106000, 0, DATA_ID, 0, 4 * PAGE},
      {0x120000, 0, DATA_ID, 0, PAGE},
      {0x121000, FLAG_FREEZED, DATA_ID, PAGE, PAGE},
  };
  CHECK(s.pages_from_source == expected_source);
  std::vector<std::pair<u64, u64>> dirty;
  std::vector<u8> flags;
  for (const auto& run : s.dirty_pages) {
    dirty.emplace_back(run.address, run.content.size() / PAGE);
    flags.push_back(run.flag);
  }
  const std::vector<std::pair<u64, u64>> expected_dirty = {{0x1000, 1}, {0x200000, 2}, {0x202000, 1}, {0x204000, 1}};
  CHECK(dirty == expected_dirty);
  const std::vector<u8> expected_flags = {FLAG_DIRTY, FLAG_DIRTY, FLAG_DIRTY | FLAG_FREEZED, FLAG_DIRTY};
  CHECK(flags == expected_flags);
  Vm back = resume_fresh(vm, s, {}, &src);
  CHECK(*back.ctx->make_snapshot(*back.machine) == s);
}

TEST_CASE("snapshot2: resume restores cpu state and replaces what the context tracked") {
  Vm vm = fresh();
  REQUIRE(vm.ctx->store_bytes(*vm.machine, 0x100000, DATA_ID, 0, 4 * PAGE, 0x1000).ok());
  for (std::size_t i = 1; i < 32; ++i) vm.machine->set_register(i, 0x1111 * i);
  vm.machine->update_pc(0x10004);
  vm.machine->commit_pc();
  vm.machine->set_cycles(12345);
  vm.machine->set_max_cycles(23456);
  vm.machine->memory().set_lr(0x200008);
  Snapshot2<u64> s = snapshot_of(vm);
  CHECK(s.version == VERSION2);
  CHECK(s.pc == 0x10004);
  CHECK(s.cycles == 12345);
  CHECK(s.max_cycles == 23456);
  CHECK(s.load_reservation_address == 0x200008);
  CHECK(s.registers[5] == 0x1111 * 5);

  // A machine whose context tracked other pages: resume forgets them.
  Vm other = fresh();
  REQUIRE(other.ctx->store_bytes(*other.machine, 0x300000, DATA_ID, 0, 2 * PAGE, 0x2000).ok());
  REQUIRE(other.ctx->resume(*other.machine, s).ok());
  CHECK(other.ctx->tracked_page_count() == 4);
  CHECK(other.machine->pc() == 0x10004);
  CHECK(other.machine->cycles() == 12345);
  CHECK(other.machine->max_cycles() == 23456);
  CHECK(other.machine->memory().lr() == 0x200008);
  Snapshot2<u64> again = snapshot_of(other);
  CHECK(again.pages_from_source == s.pages_from_source);
}

TEST_CASE("snapshot2: resume rejects bad snapshots with ckb-vm's error kinds") {
  Vm vm = fresh();
  REQUIRE(vm.ctx->store_bytes(*vm.machine, 0x100000, DATA_ID, 0, 4 * PAGE, 0x1000).ok());
  const Snapshot2<u64> good = snapshot_of(vm);
  REQUIRE(good.pages_from_source.size() == 1);
  REQUIRE(good.dirty_pages.size() == 1);
  auto resume_error = [&](const Snapshot2<u64>& s, const VmConfig& cfg = {}) {
    Vm target = fresh(cfg);
    auto r = target.ctx->resume(*target.machine, s);
    REQUIRE_FALSE(r.ok());
    return r.error();
  };

  VmConfig v1;
  v1.version = VERSION1;
  CHECK(resume_error(good, v1).code == ErrorCode::InvalidVersion);

  Snapshot2<u64> s = good;
  s.pages_from_source[0].address += 8;
  Error e = resume_error(s);
  CHECK(e.code == ErrorCode::MemPageUnalignedAccess);
  CHECK(e.address == 0x100008);

  s = good;
  s.pages_from_source[0].id = MISSING_ID;
  CHECK(resume_error(s).code == ErrorCode::SnapshotDataLoadError);

  s = good;
  s.pages_from_source[0].length = 100;  // data shorter than a page
  CHECK(resume_error(s).code == ErrorCode::MemPageUnalignedAccess);

  s = good;
  s.pages_from_source[0].offset = 15 * PAGE;  // only PAGE + 100 bytes left: short and unaligned
  CHECK(resume_error(s).code == ErrorCode::MemPageUnalignedAccess);

  s = good;
  s.pages_from_source[0].length = 0;  // "to the end": 16 pages + 100 bytes
  CHECK(resume_error(s).code == ErrorCode::MemPageUnalignedAccess);
  s.pages_from_source[0].offset = 100;  // to the end from 100 is exactly 16 pages
  {
    Vm target = fresh();
    CHECK(target.ctx->resume(*target.machine, s).ok());
    CHECK(target.ctx->tracked_page_count() == 16);
  }
  s.pages_from_source[0].length = 4 * PAGE;
  {
    Vm target = fresh();
    CHECK(target.ctx->resume(*target.machine, s).ok());  // a different but valid source reference
  }

  Source short_src;
  short_src.insert(DATA_ID, pattern_data(2 * PAGE));  // the data source has fewer pages than referenced
  {
    Vm target = fresh({}, short_src);
    auto r = target.ctx->resume(*target.machine, good);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::SnapshotDataLoadError);
  }

  s = good;
  s.dirty_pages[0].address = 0x1800;
  e = resume_error(s);
  CHECK(e.code == ErrorCode::MemPageUnalignedAccess);
  CHECK(e.address == 0x1800);

  s = good;
  s.dirty_pages[0].content.push_back(0);
  CHECK(resume_error(s).code == ErrorCode::MemPageUnalignedAccess);

  s = good;
  s.dirty_pages[0].address = RISCV_MAX_MEMORY;
  CHECK(resume_error(s).code == ErrorCode::MemOutOfBound);

  s = good;
  s.pages_from_source[0].address = RISCV_MAX_MEMORY - 2 * PAGE;
  CHECK(resume_error(s).code == ErrorCode::MemOutOfBound);

  // Two runs over one executable page: the second store is refused by W^X.
  s = good;
  s.pages_from_source[0].flag = FLAG_EXECUTABLE | FLAG_FREEZED;
  s.dirty_pages[0].address = 0x100000;
  CHECK(resume_error(s).code == ErrorCode::MemWriteOnExecutablePage);
}

TEST_CASE("snapshot2: data loaded by a syscall is a source reference until the guest writes into it") {
  // dest 0x100000, 10 pages + 100 bytes from DATA_ID offset 0; then a write
  // into the third page.
  Asm listing;
  const ByteVec program = load_data_program(0x100000, 0x0ff000, 0, 10 * PAGE + 100, 200, 2 * PAGE + 17, &listing);
  const Source src = make_source(program);
  const u64 write_pc = 0x10000 + listing.offset_of("write");
  const u64 after_pc = 0x10000 + listing.offset_of("after_write");
  for (const u32 version : {VERSION0, VERSION1, VERSION2}) {
    CAPTURE(version);
    VmConfig cfg;
    cfg.version = version;
    Vm vm = make_vm(cfg, src, ~u64{0});
    load(vm, program);
    vm.machine->set_running(true);
    while (vm.machine->pc() != write_pc) REQUIRE(vm.machine->step().ok());
    Snapshot2<u64> before = snapshot_of(vm);
    // Program pages, then the ten loaded pages.
    REQUIRE(before.pages_from_source.size() == 2);
    CHECK(before.pages_from_source[0].id == PROGRAM_ID);
    CHECK(before.pages_from_source[1] == SourcePageRun<u64>{0x100000, 0, DATA_ID, 0, 10 * PAGE});
    for (const auto& run : before.dirty_pages)
      CHECK((run.address + run.content.size() <= 0x100000 || run.address >= 0x10a000));

    REQUIRE(vm.machine->step().ok());
    REQUIRE(vm.machine->pc() == after_pc);
    Snapshot2<u64> after = snapshot_of(vm);
    const std::vector<SourcePageRun<u64>> expected = {
        before.pages_from_source[0],
        {0x100000, 0, DATA_ID, 0, 2 * PAGE},
        {0x103000, 0, DATA_ID, 3 * PAGE, 7 * PAGE},
    };
    CHECK(after.pages_from_source == expected);
    bool found = false;
    for (const auto& run : after.dirty_pages)
      if (run.address == 0x102000) found = run.content.size() == PAGE;
    CHECK(found);

    // Both snapshots resume to the uninterrupted result.
    Vm reference = make_vm(cfg, src, ~u64{0});
    load(reference, program);
    auto expected_exit = reference.machine->run();
    REQUIRE(expected_exit.ok());
    for (const Snapshot2<u64>* snap : {&before, &after}) {
      Vm next = make_vm(cfg, src, 0);
      REQUIRE(next.ctx->resume(*next.machine, *snap).ok());
      next.machine->set_max_cycles(~u64{0});
      auto exit = next.machine->run();
      REQUIRE(exit.ok());
      CHECK(*exit == *expected_exit);
      check_same_cpu(*reference.machine, *next.machine);
      check_same_memory(*reference.machine, *next.machine);
    }
  }
}

TEST_CASE("snapshot2: suspending across a data-loading syscall gives the uninterrupted result") {
  const ByteVec program = load_data_program(0x100010, 0x0ff000, 3, 0, 300, PAGE * 5 + 1, nullptr);
  const Source src = make_source(program);
  for (const u32 version : {VERSION0, VERSION1, VERSION2}) {
    CAPTURE(version);
    VmConfig cfg;
    cfg.version = version;
    cfg.isa = version == VERSION0 ? ISA_IMC : (ISA_IMC | ISA_B | ISA_MOP);
    Vm reference = make_vm(cfg, src, ~u64{0});
    load(reference, program);
    auto expected = reference.machine->run();
    REQUIRE(expected.ok());
    const u64 total = reference.machine->cycles();
    for (const u64 step : {total / 40, u64{4999}}) {
      CAPTURE(step);
      ChainResult chain = run_suspended(cfg, src, program, step, Engine::run, step > 4999);
      REQUIRE(chain.outcome.ok);
      CHECK(chain.outcome.exit_code == *expected);
      CHECK(chain.outcome.cycles == total);
      CHECK(chain.suspensions >= 20);
      check_same_cpu(*reference.machine, *chain.vm.machine);
      check_same_memory(*reference.machine, *chain.vm.machine);
    }
  }
}

TEST_CASE("snapshot2: the load reservation survives a suspension (PR 407)") {
  const ByteVec program = lr_sc_program(60);
  const Source src = make_source(program);
  VmConfig cfg;
  cfg.isa = ISA_IMC | ISA_A;
  cfg.cost = constant_cycles;
  Vm reference = make_vm(cfg, src, ~u64{0});
  load(reference, program);
  auto expected = reference.machine->run();
  REQUIRE(expected.ok());
  CHECK(*expected == 8);  // sc.d succeeded
  const u64 total = reference.machine->cycles();
  // Cut after every instruction: many cuts fall between lr.d and sc.d.
  ChainResult chain = run_suspended(cfg, src, program, 1, Engine::run, false);
  REQUIRE(chain.outcome.ok);
  CHECK(chain.outcome.exit_code == 8);
  CHECK(chain.outcome.cycles == total);
  CHECK(chain.suspensions == total - 1);  // every instruction but the first starts a new machine
  check_same_memory(*reference.machine, *chain.vm.machine);

  // Without the reservation, sc.d fails: the test program can tell.
  Vm vm = make_vm(cfg, src, 20);
  load(vm, program);
  REQUIRE(vm.machine->run().error().code == ErrorCode::CyclesExceeded);
  auto s = vm.ctx->make_snapshot(*vm.machine);
  REQUIRE(s.ok());
  CHECK(s->load_reservation_address == SCRATCH);
  s->load_reservation_address = ~u64{0};
  Vm next = make_vm(cfg, src, 0);
  REQUIRE(next.ctx->resume(*next.machine, *s).ok());
  next.machine->set_max_cycles(~u64{0});
  auto exit = next.machine->run();
  REQUIRE(exit.ok());
  CHECK(*exit == 23);
}

TEST_CASE("snapshot2: code loaded at run time stays executable after resume (issue/PR 218)") {
  const u64 code_addr = 0x180000;
  const ByteVec program = load_code_program(code_addr, 100);
  const Source src = make_source(program);
  for (const u32 version : {VERSION0, VERSION1, VERSION2}) {
    CAPTURE(version);
    VmConfig cfg;
    cfg.version = version;
    Vm reference = make_vm(cfg, src, ~u64{0});
    load(reference, program);
    auto expected = reference.machine->run();
    REQUIRE(expected.ok());
    CHECK(*expected == 42);

    // Right after the syscall: the full code page is a source run with its
    // executable flag, the partial one a dirty executable page.
    Vm vm = make_vm(cfg, src, ~u64{0});
    load(vm, program);
    vm.machine->set_running(true);
    while ((flag_of(vm, code_addr / PAGE) & FLAG_EXECUTABLE) == 0) REQUIRE(vm.machine->step().ok());
    Snapshot2<u64> s = snapshot_of(vm);
    REQUIRE(s.pages_from_source.size() == 2);
    CHECK(s.pages_from_source[1] == SourcePageRun<u64>{code_addr, FLAG_EXECUTABLE | FLAG_FREEZED, CODE_ID, 0, PAGE});
    bool partial = false;
    for (const auto& run : s.dirty_pages)
      if (run.address == code_addr + PAGE)
        partial = run.flag == (FLAG_EXECUTABLE | FLAG_FREEZED | FLAG_DIRTY) && run.content.size() == PAGE;
    CHECK(partial);
    Vm next = resume_fresh(vm, s, cfg, &src);
    CHECK((flag_of(next, code_addr / PAGE) & FLAG_EXECUTABLE) != 0);
    auto exit = next.machine->run();
    REQUIRE(exit.ok());
    CHECK(*exit == 42);
    check_same_cpu(*reference.machine, *next.machine);
    check_same_memory(*reference.machine, *next.machine);

    // And at every cut point.
    ChainResult chain = run_suspended(cfg, src, program, reference.machine->cycles() / 40, Engine::run);
    REQUIRE(chain.outcome.ok);
    CHECK(chain.outcome.exit_code == 42);
    CHECK(chain.outcome.cycles == reference.machine->cycles());
    CHECK(chain.suspensions >= 25);
    check_same_memory(*reference.machine, *chain.vm.machine);
  }
}

// ---------------------------------------------------------------------------
// Genericity: a SupportMachine of the test's own, with its own register file,
// pc and memory model (W^X over sparse pages), run by DefaultMachine's engine
// and snapshotted directly through the same Snapshot2Context type.

namespace {

class OwnCore : public SupportMachineMixin<OwnCore> {
 public:
  using memory_type = WXorXMemory<SparseMemory>;

  OwnCore(u8 isa, u32 version, u64 max_cycles) : memory_(RISCV_MAX_MEMORY), max_cycles_(max_cycles), isa_(isa), version_(version) {}

  u64 pc() const noexcept { return pc_; }
  u64 next_pc() const noexcept { return next_pc_; }
  void update_pc(u64 v) noexcept { next_pc_ = v; }
  void commit_pc() noexcept { pc_ = next_pc_; }
  memory_type& memory() noexcept { return memory_; }
  const memory_type& memory() const noexcept { return memory_; }
  const std::array<u64, 32>& registers() const noexcept { return regs_; }
  void set_register(std::size_t i, u64 v) noexcept { regs_.at(i) = v; }
  u32 version() const noexcept { return version_; }
  u8 isa() const noexcept { return isa_; }
  u64 cycles() const noexcept { return cycles_; }
  void set_cycles(u64 c) noexcept { cycles_ = c; }
  u64 max_cycles() const noexcept { return max_cycles_; }
  void set_max_cycles(u64 c) noexcept { max_cycles_ = c; }
  bool running() const noexcept { return running_; }
  void set_running(bool r) noexcept { running_ = r; }
  void reset(u64 max_cycles) {
    regs_ = {};
    pc_ = next_pc_ = 0;
    memory_.reset();
    cycles_ = 0;
    max_cycles_ = max_cycles;
    reset_signal_ = true;
  }
  bool reset_signal() noexcept { return std::exchange(reset_signal_, false); }
  u64* regs() noexcept { return regs_.data(); }

 private:
  std::array<u64, 32> regs_{};
  u64 pc_ = 0, next_pc_ = 0;
  memory_type memory_;
  u64 cycles_ = 0, max_cycles_ = 0;
  bool running_ = false, reset_signal_ = false;
  u8 isa_;
  u32 version_;
};

static_assert(SupportMachine<OwnCore>);
static_assert(!std::is_same_v<OwnCore, Core>);

}  // namespace

TEST_CASE("snapshot2: any SupportMachine snapshots and resumes through the same context type") {
  const ByteVec program = load_data_program(0x100000, 0x0ff000, 0, 6 * PAGE, 300, PAGE + 1, nullptr);
  const Source src = make_source(program);
  VmConfig cfg;
  cfg.isa = ISA_IMC | ISA_B | ISA_MOP;
  Vm reference = make_vm(cfg, src, ~u64{0});
  load(reference, program);
  auto expected = reference.machine->run();
  REQUIRE(expected.ok());
  const u64 total = reference.machine->cycles();
  const u64 step = total / 24;

  // Alternate the machine type at every suspension: default, own, default, ...
  // The context works on the bare OwnCore (not the DefaultMachine around it).
  VmT<Core> def = make_vm<Core>(cfg, src, step);
  load(def, program);
  std::optional<VmT<OwnCore>> own;
  bool on_own = false;
  u64 limit = step;
  std::size_t suspensions = 0;
  Result<std::int8_t> result = ErrorCode::Unexpected;
  for (;;) {
    result = on_own ? own->machine->run() : def.machine->run();
    if (result.ok() || result.error().code != ErrorCode::CyclesExceeded) break;
    auto snap = on_own ? own->ctx->make_snapshot(own->machine->inner()) : def.ctx->make_snapshot(*def.machine);
    REQUIRE(snap.ok());
    auto bytes = encode_snapshot2(*snap);
    REQUIRE(bytes.ok());
    auto decoded = decode_snapshot2<u64>(*bytes);
    REQUIRE(decoded.ok());
    limit = std::max(limit, snap->cycles) + step;
    if (on_own) {
      def = make_vm<Core>(cfg, src, 0);
      REQUIRE(def.ctx->resume(*def.machine, *decoded).ok());
      check_same_memory(*def.machine, *own->machine);
      check_same_cpu(*def.machine, *own->machine);
      def.machine->set_max_cycles(limit);
    } else {
      own = make_vm<OwnCore>(cfg, src, 0);
      REQUIRE(own->ctx->resume(own->machine->inner(), *decoded).ok());
      check_same_memory(*def.machine, *own->machine);
      check_same_cpu(*def.machine, *own->machine);
      CHECK(*own->ctx->make_snapshot(own->machine->inner()) == *snap);
      own->machine->set_max_cycles(limit);
    }
    on_own = !on_own;
    ++suspensions;
  }
  REQUIRE(result.ok());
  CHECK(*result == *expected);
  CHECK(suspensions >= 20);
  if (on_own) {
    CHECK(own->machine->cycles() == total);
    check_same_memory(*reference.machine, *own->machine);
    check_same_cpu(*reference.machine, *own->machine);
  } else {
    CHECK(def.machine->cycles() == total);
    check_same_memory(*reference.machine, *def.machine);
    check_same_cpu(*reference.machine, *def.machine);
  }

  // The full-state Snapshot is generic too.
  auto full = make_snapshot(reference.machine->inner());
  REQUIRE(full.ok());
  OwnCore bare(cfg.isa, cfg.version, 0);
  REQUIRE(resume(bare, *full).ok());
  CHECK(bare.pc() == reference.machine->pc());
  CHECK(*make_snapshot(bare) == *full);
}

namespace {

// Syscall SYS_ROUND (page_writer_program's round_syscall): at its `at`-th call,
// raises `pause` from another thread and waits for it, so the flag is set at
// the same point of the program on every run; otherwise does nothing.
inline constexpr u64 SYS_ROUND = 3333;

class PauseAtRound : public Syscalls<Core> {
 public:
  PauseAtRound(std::optional<Pause> pause, u64 at) : pause_(std::move(pause)), at_(at) {}
  Status initialize(Core&) override { return {}; }
  Result<bool> ecall(Core& m) override {
    if (m.registers()[registers::A7] != SYS_ROUND) return false;
    if (++calls_ == at_ && pause_) {
      std::thread other([pause = *pause_] { pause.interrupt(); });
      other.join();
    }
    return true;
  }

 private:
  std::optional<Pause> pause_;
  u64 at_;
  u64 calls_ = 0;
};

std::vector<std::unique_ptr<Syscalls<Core>>> pause_at_round(std::optional<Pause> pause, u64 at) {
  std::vector<std::unique_ptr<Syscalls<Core>>> sys;
  sys.push_back(std::make_unique<PauseAtRound>(std::move(pause), at));
  return sys;
}

}  // namespace

TEST_CASE("snapshot2: a paused machine resumes to the uninterrupted result") {
  // Deterministic: the program makes syscall SYS_ROUND after each of its 40
  // rounds, and the handler raises the pause at the 15th.
  const ByteVec program = page_writer_program(SCRATCH, 16, 40, SYS_ROUND);
  const Source src = make_source(program);
  VmConfig cfg;
  cfg.isa = ISA_IMC | ISA_B | ISA_MOP;
  Vm reference = make_vm(cfg, src, ~u64{0}, pause_at_round(std::nullopt, 0));
  load(reference, program);
  auto expected = reference.machine->run();
  REQUIRE(expected.ok());

  Pause pause;
  Vm vm = make_vm(cfg, src, ~u64{0}, pause_at_round(pause, 15));
  load(vm, program);
  vm.machine->set_pause(pause);
  // Interrupt before running: run() returns Pause before executing anything.
  const u64 pc0 = vm.machine->pc();
  pause.interrupt();
  auto first = vm.machine->run();
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().code == ErrorCode::Pause);
  CHECK(vm.machine->pc() == pc0);
  // The second pause: requested in round 15's syscall, noticed before round 16 ends.
  auto second = vm.machine->run();
  REQUIRE_FALSE(second.ok());
  REQUIRE(second.error().code == ErrorCode::Pause);
  CHECK(vm.machine->registers()[registers::S3] == 15);
  CHECK(vm.machine->cycles() > 0);
  CHECK(vm.machine->cycles() < reference.machine->cycles());
  auto s = vm.ctx->make_snapshot(*vm.machine);
  REQUIRE(s.ok());
  Vm next = make_vm(cfg, src, 0, pause_at_round(std::nullopt, 0));
  REQUIRE(next.ctx->resume(*next.machine, *s).ok());
  next.machine->set_max_cycles(~u64{0});
  second = next.machine->run();
  REQUIRE(second.ok());
  CHECK(*second == *expected);
  check_same_cpu(*reference.machine, *next.machine);
  check_same_memory(*reference.machine, *next.machine);
}

}  // namespace snapshot2_tests
