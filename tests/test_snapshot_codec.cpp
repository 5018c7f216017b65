// The byte encoding of Snapshot2<Id> and Snapshot (<ckb_vm/snapshot_codec.hpp>,
// docs/snapshot-format.md): exact round trips for every provided Id codec and
// a custom one, the documented layout, and every decoding error.
#include "test_snapshot_common.hpp"

#include <random>
#include <string>

namespace snapshot_codec_tests {

using namespace snaptest;

namespace {

constexpr u64 PAGE = RISCV_PAGESIZE;

// A custom Id, as a host like the CKB node would have (kind + index).
struct PieceId {
  u8 kind = 0;
  u32 index = 0;
  friend bool operator==(const PieceId&, const PieceId&) = default;
};

struct PieceIdCodec {
  static void encode(const PieceId& id, SnapshotWriter& w) {
    w.u8(id.kind);
    w.u32(id.index);
  }
  static Result<PieceId> decode(SnapshotReader& r) {
    auto kind = r.u8();
    if (!kind.ok()) return kind.error();
    if (*kind > 8) return snapshot_format_failure(SnapshotFormatError::invalid_id, "unknown piece kind");
    auto index = r.u32();
    if (!index.ok()) return index.error();
    return PieceId{*kind, *index};
  }
};

template <class Id>
Id make_id(std::mt19937_64& rng);
template <>
u8 make_id<u8>(std::mt19937_64& rng) { return static_cast<u8>(rng()); }
template <>
std::uint16_t make_id<std::uint16_t>(std::mt19937_64& rng) { return static_cast<std::uint16_t>(rng()); }
template <>
u32 make_id<u32>(std::mt19937_64& rng) { return static_cast<u32>(rng()); }
template <>
u64 make_id<u64>(std::mt19937_64& rng) { return rng(); }
template <>
ByteVec make_id<ByteVec>(std::mt19937_64& rng) {
  ByteVec v(rng() % 40);
  for (auto& b : v) b = static_cast<u8>(rng());
  return v;
}
template <>
std::string make_id<std::string>(std::mt19937_64& rng) {
  std::string s(rng() % 40, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}
template <>
std::array<u8, 32> make_id<std::array<u8, 32>>(std::mt19937_64& rng) {
  std::array<u8, 32> a{};
  for (auto& b : a) b = static_cast<u8>(rng());
  return a;
}
template <>
PieceId make_id<PieceId>(std::mt19937_64& rng) { return PieceId{static_cast<u8>(rng() % 9), static_cast<u32>(rng())}; }

template <class Id>
Snapshot2<Id> random_snapshot2(std::mt19937_64& rng) {
  Snapshot2<Id> s;
  s.version = static_cast<u32>(rng() % 3);
  for (auto& r : s.registers) r = rng();
  s.pc = rng();
  s.cycles = rng();
  s.max_cycles = rng();
  s.load_reservation_address = rng();
  const u64 pages = RISCV_MAX_MEMORY / PAGE;
  for (u64 i = rng() % 5; i > 0; --i) {
    const u64 first = rng() % pages;
    const u64 count = rng() % (pages - first + 1);  // may be 0 ("to the end")
    s.pages_from_source.push_back({first * PAGE, static_cast<u8>(rng()), make_id<Id>(rng), rng(), count * PAGE});
  }
  for (u64 i = rng() % 4; i > 0; --i) {
    const u64 first = rng() % pages;
    const u64 count = rng() % std::min<u64>(pages - first + 1, 3);
    DirtyPageRun run{first * PAGE, static_cast<u8>(rng()), ByteVec(count * PAGE)};
    for (auto& b : run.content) b = static_cast<u8>(rng());
    s.dirty_pages.push_back(std::move(run));
  }
  return s;
}

template <class Id, class Codec = SnapshotIdCodec<Id>>
void check_round_trips(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 50; ++i) {
    const Snapshot2<Id> s = random_snapshot2<Id>(rng);
    auto bytes = encode_snapshot2<Id, Codec>(s);
    REQUIRE_MESSAGE(bytes.ok(), bytes.error().to_string());
    auto back = decode_snapshot2<Id, Codec>(*bytes);
    REQUIRE_MESSAGE(back.ok(), back.error().to_string());
    CHECK(*back == s);
    auto again = encode_snapshot2<Id, Codec>(*back);
    REQUIRE(again.ok());
    CHECK(*again == *bytes);
  }
}

SnapshotFormatError kind_of(const Error& e) { return snapshot_format_error(e); }

template <class T>
SnapshotFormatError decode2_error(const ByteVec& bytes) {
  auto r = decode_snapshot2<T>(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message != nullptr);
  return kind_of(r.error());
}

SnapshotFormatError decode1_error(const ByteVec& bytes) {
  auto r = decode_snapshot(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message != nullptr);
  return kind_of(r.error());
}

// A snapshot of a machine that ran a data-loading program part way.
Snapshot2<u64> machine_snapshot() {
  const ByteVec program = load_data_program(0x100000, 0x0ff000, 0, 5 * PAGE, 100, PAGE + 3, nullptr);
  Vm vm = make_vm({}, make_source(program), 3000);
  load(vm, program);
  auto r = vm.machine->run();
  REQUIRE(r.error().code == ErrorCode::CyclesExceeded);
  auto s = vm.ctx->make_snapshot(*vm.machine);
  REQUIRE(s.ok());
  REQUIRE(s->pages_from_source.size() == 2);
  REQUIRE(!s->dirty_pages.empty());
  return *s;
}

void put64(ByteVec& b, std::size_t at, u64 v) { elfw::put<u64>(b, at, v); }

// Offsets of the Snapshot2 encoding (docs/snapshot-format.md).
constexpr std::size_t OFF_SOURCE_COUNT = 304;
constexpr std::size_t SOURCE_RUN_U64 = 8 + 1 + 8 + 8 + 8;  // with a u64 id

}  // namespace

TEST_CASE("snapshot codec: Snapshot2 round trips exactly for every provided Id codec and a custom one") {
  check_round_trips<u8>(1);
  check_round_trips<std::uint16_t>(2);
  check_round_trips<u32>(3);
  check_round_trips<u64>(4);
  check_round_trips<ByteVec>(5);
  check_round_trips<std::string>(6);
  check_round_trips<std::array<u8, 32>>(7);
  check_round_trips<PieceId, PieceIdCodec>(8);

  const Snapshot2<u64> s = machine_snapshot();
  auto bytes = encode_snapshot2(s);
  REQUIRE(bytes.ok());
  auto back = decode_snapshot2<u64>(*bytes);
  REQUIRE(back.ok());
  CHECK(*back == s);
  CHECK(*decode_snapshot2<u64>(*encode_snapshot2(Snapshot2<u64>{})) == Snapshot2<u64>{});
}

TEST_CASE("snapshot codec: the Snapshot2 layout is the documented one") {
  Snapshot2<u64> s;
  s.version = VERSION1;
  for (std::size_t i = 0; i < 32; ++i) s.registers[i] = 0x0101010101010101ULL * i;
  s.pc = 0x10078;
  s.cycles = 0x1122334455;
  s.max_cycles = 0x2000000;
  s.load_reservation_address = ~u64{0};
  s.pages_from_source.push_back({0x10000, FLAG_EXECUTABLE | FLAG_FREEZED, 0x1234, 0x1000, 0x2000});
  s.dirty_pages.push_back({0x3ff000, FLAG_DIRTY, ByteVec(PAGE, 0xab)});
  auto b = encode_snapshot2(s);
  REQUIRE(b.ok());
  const ByteVec& e = *b;
  auto le = [&](std::size_t at, int n) {
    u64 v = 0;
    for (int i = 0; i < n; ++i) v |= u64{e[at + static_cast<std::size_t>(i)]} << (8 * i);
    return v;
  };
  REQUIRE(e.size() == 12 + 4 + 256 + 32 + 8 + SOURCE_RUN_U64 + 8 + 17 + PAGE);
  CHECK(std::string(e.begin(), e.begin() + 8) == "CKBVMSN2");
  CHECK(le(8, 4) == 1);            // format version
  CHECK(le(12, 4) == VERSION1);    // VM version
  CHECK(le(16 + 8 * 3, 8) == 0x0303030303030303ULL);
  CHECK(le(272, 8) == 0x10078);    // pc
  CHECK(le(280, 8) == 0x1122334455);
  CHECK(le(288, 8) == 0x2000000);
  CHECK(le(296, 8) == ~u64{0});
  CHECK(le(304, 8) == 1);          // source runs
  CHECK(le(312, 8) == 0x10000);
  CHECK(le(320, 1) == (FLAG_EXECUTABLE | FLAG_FREEZED));
  CHECK(le(321, 8) == 0x1234);     // u64 id
  CHECK(le(329, 8) == 0x1000);
  CHECK(le(337, 8) == 0x2000);
  CHECK(le(345, 8) == 1);          // dirty runs
  CHECK(le(353, 8) == 0x3ff000);
  CHECK(le(361, 1) == FLAG_DIRTY);
  CHECK(le(362, 8) == PAGE);
  CHECK(e[370] == 0xab);
  CHECK(e.back() == 0xab);

  // Byte-string ids: 8-byte length, then the bytes.
  Snapshot2<std::string> t;
  t.pages_from_source.push_back({0, 0, "cell", 0, PAGE});
  auto tb = encode_snapshot2(t);
  REQUIRE(tb.ok());
  CHECK((*tb)[321] == 4);
  CHECK(std::string(tb->begin() + 329, tb->begin() + 333) == "cell");
}

TEST_CASE("snapshot codec: Snapshot2 decoding errors") {
  const Snapshot2<u64> s = machine_snapshot();
  const ByteVec good = *encode_snapshot2(s);
  REQUIRE(decode_snapshot2<u64>(good).ok());

  // Magic and format version.
  CHECK(decode2_error<u64>({}) == SnapshotFormatError::truncated);
  CHECK(decode2_error<u64>(ByteVec(good.begin(), good.begin() + 5)) == SnapshotFormatError::truncated);
  ByteVec b = good;
  b[0] = 'X';
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::bad_magic);
  CHECK(decode2_error<u64>(ByteVec{'C', 'K', 'X'}) == SnapshotFormatError::bad_magic);
  b = good;
  b[7] = '1';  // a full-state Snapshot's magic
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::bad_magic);
  b = good;
  b[8] = 2;
  auto r = decode_snapshot2<u64>(b);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::InvalidVersion);
  CHECK(kind_of(r.error()) == SnapshotFormatError::unknown_format_version);

  // Every proper prefix fails cleanly with truncated or oversized_length.
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto p = decode_snapshot2<u64>(std::span<const u8>(good.data(), n));
    REQUIRE_FALSE(p.ok());
    const auto k = kind_of(p.error());
    CHECK((k == SnapshotFormatError::truncated || k == SnapshotFormatError::oversized_length));
  }

  // Trailing bytes.
  b = good;
  b.push_back(0);
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::trailing_bytes);

  // Oversized counts and lengths: rejected before anything is allocated.
  b = good;
  put64(b, OFF_SOURCE_COUNT, ~u64{0});
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::oversized_length);
  b = good;
  put64(b, OFF_SOURCE_COUNT, (b.size() - OFF_SOURCE_COUNT) / 25 + 1);
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::oversized_length);
  const std::size_t dirty_count_at = OFF_SOURCE_COUNT + 8 + 2 * SOURCE_RUN_U64;
  b = good;
  put64(b, dirty_count_at, u64{1} << 60);
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::oversized_length);
  const std::size_t first_dirty = dirty_count_at + 8;
  // A single run claiming far more than the input holds.
  Snapshot2<u64> one;
  one.dirty_pages.push_back({0, FLAG_DIRTY, ByteVec(PAGE)});
  ByteVec small = *encode_snapshot2(one);
  put64(small, OFF_SOURCE_COUNT + 8 + 8 + 8 + 1, 1000 * PAGE);  // the run's length field
  CHECK(decode2_error<u64>(small) == SnapshotFormatError::oversized_length);
  // A byte-string id longer than the input.
  Snapshot2<ByteVec> sid;
  sid.pages_from_source.push_back({0, 0, ByteVec{1, 2, 3}, 0, PAGE});
  ByteVec sb = *encode_snapshot2(sid);
  put64(sb, OFF_SOURCE_COUNT + 8 + 8 + 1, u64{1} << 62);
  CHECK(decode2_error<ByteVec>(sb) == SnapshotFormatError::oversized_length);

  // Unaligned pages.
  const std::size_t first_source = OFF_SOURCE_COUNT + 8;
  b = good;
  put64(b, first_source, s.pages_from_source[0].address + 1);
  r = decode_snapshot2<u64>(b);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::MemPageUnalignedAccess);
  CHECK(kind_of(r.error()) == SnapshotFormatError::unaligned_page);
  CHECK(r.error().address == s.pages_from_source[0].address + 1);
  b = good;
  put64(b, first_source + 8 + 1 + 8 + 8, 100);  // source length
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::unaligned_page);
  b = good;
  put64(b, first_dirty, s.dirty_pages[0].address + 0x800);
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::unaligned_page);
  b = good;
  put64(b, first_dirty + 9, 100);
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::unaligned_page);

  // Pages beyond RISCV_MAX_MEMORY.
  b = good;
  put64(b, first_source, RISCV_MAX_MEMORY);
  r = decode_snapshot2<u64>(b);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::MemOutOfBound);
  CHECK(kind_of(r.error()) == SnapshotFormatError::page_out_of_range);
  b = good;
  put64(b, first_source + 8 + 1 + 8 + 8, ~u64{0} - PAGE + 1);  // aligned length that wraps the address
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::page_out_of_range);
  b = good;
  put64(b, first_dirty, RISCV_MAX_MEMORY - PAGE * (s.dirty_pages[0].content.size() / PAGE - 1));
  CHECK(decode2_error<u64>(b) == SnapshotFormatError::page_out_of_range);

  // A custom codec's rejection.
  Snapshot2<PieceId> p;
  p.pages_from_source.push_back({0, 0, PieceId{3, 9}, 0, PAGE});
  ByteVec pb = *encode_snapshot2<PieceId, PieceIdCodec>(p);
  pb[OFF_SOURCE_COUNT + 8 + 8 + 1] = 200;
  auto pr = decode_snapshot2<PieceId, PieceIdCodec>(pb);
  REQUIRE_FALSE(pr.ok());
  CHECK(kind_of(pr.error()) == SnapshotFormatError::invalid_id);
}

TEST_CASE("snapshot codec: single-byte corruptions never crash and never decode to something else") {
  const Snapshot2<u64> s = machine_snapshot();
  const ByteVec good = *encode_snapshot2(s);
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    ByteVec b = good;
    b[i] ^= 0xa5;
    auto r = decode_snapshot2<u64>(b);
    if (!r.ok()) continue;
    ++accepted;  // content, registers, flags...: still a well-formed snapshot
    CHECK(!(*r == s));
    CHECK(*encode_snapshot2(*r) == b);
  }
  CHECK(accepted > 0);
}

TEST_CASE("snapshot codec: encoding refuses snapshots it could not decode") {
  Snapshot2<u64> s;
  s.dirty_pages.push_back({0x1000, FLAG_DIRTY, ByteVec(100)});
  auto r = encode_snapshot2(s);
  REQUIRE_FALSE(r.ok());
  CHECK(kind_of(r.error()) == SnapshotFormatError::unaligned_page);
  s.dirty_pages[0] = {0x1001, FLAG_DIRTY, ByteVec(PAGE)};
  CHECK(kind_of(encode_snapshot2(s).error()) == SnapshotFormatError::unaligned_page);
  s.dirty_pages[0] = {RISCV_MAX_MEMORY, FLAG_DIRTY, ByteVec(PAGE)};
  CHECK(kind_of(encode_snapshot2(s).error()) == SnapshotFormatError::page_out_of_range);
  s.dirty_pages.clear();
  s.pages_from_source.push_back({0, 0, 1, 0, 3});
  CHECK(kind_of(encode_snapshot2(s).error()) == SnapshotFormatError::unaligned_page);

  Snapshot f;
  f.pages.push_back({RISCV_MAX_MEMORY / PAGE, FLAG_DIRTY, ByteVec(PAGE)});
  CHECK(kind_of(encode_snapshot(f).error()) == SnapshotFormatError::page_out_of_range);
  f.pages[0] = {3, FLAG_DIRTY, ByteVec(PAGE - 1)};
  CHECK(kind_of(encode_snapshot(f).error()) == SnapshotFormatError::unaligned_page);
}

TEST_CASE("snapshot codec: Snapshot round trips exactly and reports every decoding error") {
  const ByteVec program = page_writer_program(SCRATCH, 3, 1);
  Vm vm = make_vm({}, make_source(program), 5000);
  load(vm, program, false);
  REQUIRE(vm.machine->run().error().code == ErrorCode::CyclesExceeded);
  auto snap = make_snapshot(*vm.machine);
  REQUIRE(snap.ok());
  REQUIRE(snap->pages.size() >= 3);
  const ByteVec good = *encode_snapshot(*snap);
  CHECK(good.size() == 12 + 4 + 256 + 8 + 8 + 8 + snap->pages.size() * (8 + 1 + PAGE));
  CHECK(std::string(good.begin(), good.begin() + 8) == "CKBVMSN1");
  auto back = decode_snapshot(good);
  REQUIRE(back.ok());
  CHECK(*back == *snap);
  CHECK(*encode_snapshot(*back) == good);
  CHECK(*decode_snapshot(*encode_snapshot(Snapshot{})) == Snapshot{});

  CHECK(decode1_error({}) == SnapshotFormatError::truncated);
  ByteVec b = good;
  b[7] = '2';
  CHECK(decode1_error(b) == SnapshotFormatError::bad_magic);
  b = good;
  b[9] = 1;  // format version 0x101
  CHECK(decode1_error(b) == SnapshotFormatError::unknown_format_version);
  for (std::size_t n = 0; n < good.size(); n += 7) {
    auto p = decode_snapshot(std::span<const u8>(good.data(), n));
    REQUIRE_FALSE(p.ok());
    const auto k = kind_of(p.error());
    CHECK((k == SnapshotFormatError::truncated || k == SnapshotFormatError::oversized_length));
  }
  b = good;
  b.push_back(1);
  CHECK(decode1_error(b) == SnapshotFormatError::trailing_bytes);
  const std::size_t count_at = 288;
  b = good;
  put64(b, count_at, snap->pages.size() + 1);
  CHECK(decode1_error(b) == SnapshotFormatError::oversized_length);
  b = good;
  put64(b, count_at, ~u64{0});
  CHECK(decode1_error(b) == SnapshotFormatError::oversized_length);
  b = good;
  put64(b, count_at + 8, RISCV_MAX_MEMORY / PAGE);  // first page index
  CHECK(decode1_error(b) == SnapshotFormatError::page_out_of_range);
}

TEST_CASE("snapshot codec: suspend to a file, resume from it with fresh objects (as the example does)") {
  // What examples/snapshot_suspend_resume does across two processes, in one:
  // nothing but the file and the program bytes crosses from one side to the other.
  ByteVec program = page_writer_program(SCRATCH, 8, 2);
  if (auto sha = read_program("sha256")) program = *sha;
  VmConfig cfg;
  cfg.isa = ISA_IMC | ISA_B | ISA_MOP;
  Vm reference = make_vm(cfg, make_source(program), ~u64{0});
  load(reference, program);
  auto expected = reference.machine->run();
  REQUIRE(expected.ok());

  const auto path = std::filesystem::temp_directory_path() /
                    ("ckb_vm_snapshot_test_" + std::to_string(reinterpret_cast<std::uintptr_t>(&program)) + ".bin");
  {
    Vm first = make_vm(cfg, make_source(program), reference.machine->cycles() / 3);
    load(first, program);
    REQUIRE(first.machine->run().error().code == ErrorCode::CyclesExceeded);
    auto bytes = encode_snapshot2(*first.ctx->make_snapshot(*first.machine));
    REQUIRE(bytes.ok());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
    REQUIRE(out.good());
  }
  ByteVec bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::remove(path);
  auto snapshot = decode_snapshot2<u64>(bytes);
  REQUIRE(snapshot.ok());
  Vm second = make_vm(cfg, make_source(program), 0);
  REQUIRE(second.ctx->resume(*second.machine, *snapshot).ok());
  second.machine->set_max_cycles(~u64{0});
  auto exit = second.machine->run();
  REQUIRE(exit.ok());
  CHECK(*exit == *expected);
  check_same_cpu(*reference.machine, *second.machine);
  check_same_memory(*reference.machine, *second.machine);
}

}  // namespace snapshot_codec_tests
