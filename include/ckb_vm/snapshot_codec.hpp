// Byte encoding of Snapshot2<Id> and Snapshot, for keeping a suspended VM in
// a file or sending it elsewhere. docs/snapshot-format.md has the full
// description; in short, all integers are little-endian and:
//
//   Snapshot2<Id>                          Snapshot
//   8  magic "CKBVMSN2"                    8  magic "CKBVMSN1"
//   4  format version (1)                  4  format version (1)
//   4  VM version                          4  VM version
//   256 registers x0..x31 (u64 each)       256 registers x0..x31
//   8  pc                                  8  pc
//   8  cycles                              8  load reservation address
//   8  max_cycles                          8  page count P
//   8  load reservation address            P x { 8 page index, 1 flag,
//   8  source run count S                        4096 content }
//   S x { 8 address, 1 flag, id (codec),
//         8 offset, 8 length }
//   8  dirty run count D
//   D x { 8 address, 1 flag, 8 length, length bytes of content }
//
// The id of a source run is written by a pluggable codec: SnapshotIdCodec<Id>
// by default, provided for unsigned integers (their width, little-endian),
// byte strings std::vector<std::uint8_t> and std::string (8-byte length, then
// the bytes) and std::array<std::uint8_t, N> (the N bytes). A host with its
// own Id type writes a codec with
//   static void encode(const Id&, SnapshotWriter&);
//   static Result<Id> decode(SnapshotReader&);
// and passes it as the second template argument of encode_snapshot2 /
// decode_snapshot2.
//
// Decoding untrusted input never reads out of bounds, never allocates more
// than the remaining input can fill (every count and length is checked
// against the remaining bytes first), and fails with an Error whose `message`
// is a static description and whose `value` is a SnapshotFormatError:
//
//   SnapshotFormatError      ErrorCode               when
//   bad_magic                SnapshotDataLoadError   the input does not start with the magic
//   unknown_format_version   InvalidVersion          format version other than 1
//   truncated                SnapshotDataLoadError   the input ends inside a fixed-size field
//   oversized_length         SnapshotDataLoadError   a count or length exceeds what the rest
//                                                    of the input can hold
//   unaligned_page           MemPageUnalignedAccess  an address, or a run length, not a
//                                                    multiple of 4096 (`address` = the value)
//   page_out_of_range        MemOutOfBound           a run or page beyond RISCV_MAX_MEMORY
//   trailing_bytes           SnapshotDataLoadError   bytes left after the last field
//   invalid_id               SnapshotDataLoadError   an Id codec rejected its bytes
//
// Only the format is checked: a decoded snapshot can still fail to resume
// (wrong VM version, unknown id, memory smaller than the snapshot needs).
// Encoding checks the same constraints, so decode(encode(s)) == s whenever
// encode succeeds, and encode(decode(b)) == b whenever decode succeeds.
#pragma once

#include "detail/config.hpp"
#include "detail/byte_io.hpp"

#include <array>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "constants.hpp"
#include "error.hpp"
#include "snapshot.hpp"
#include "snapshot2.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

enum class SnapshotFormatError : std::uint8_t {
  none = 0,
  bad_magic,
  unknown_format_version,
  truncated,
  oversized_length,
  unaligned_page,
  page_out_of_range,
  trailing_bytes,
  invalid_id,
};

inline constexpr std::uint32_t SNAPSHOT_FORMAT_VERSION = 1;
inline constexpr std::array<std::uint8_t, 8> SNAPSHOT2_MAGIC = {'C', 'K', 'B', 'V', 'M', 'S', 'N', '2'};
inline constexpr std::array<std::uint8_t, 8> SNAPSHOT_MAGIC = {'C', 'K', 'B', 'V', 'M', 'S', 'N', '1'};

// The SnapshotFormatError of an error returned by an encode/decode function
// (none for any other error).
constexpr SnapshotFormatError snapshot_format_error(const Error& e) noexcept {
  switch (e.code) {
    case ErrorCode::SnapshotDataLoadError:
    case ErrorCode::InvalidVersion:
    case ErrorCode::MemPageUnalignedAccess:
    case ErrorCode::MemOutOfBound:
      if (e.value > 0 && e.value <= static_cast<std::uint64_t>(SnapshotFormatError::invalid_id))
        return static_cast<SnapshotFormatError>(e.value);
      return SnapshotFormatError::none;
    default:
      return SnapshotFormatError::none;
  }
}

// An Error for a format problem (used by the codecs, including Id codecs).
constexpr Error snapshot_format_failure(SnapshotFormatError kind, const char* message,
                                        std::uint64_t address = 0) noexcept {
  ErrorCode code = ErrorCode::SnapshotDataLoadError;
  switch (kind) {
    case SnapshotFormatError::unknown_format_version: code = ErrorCode::InvalidVersion; break;
    case SnapshotFormatError::unaligned_page: code = ErrorCode::MemPageUnalignedAccess; break;
    case SnapshotFormatError::page_out_of_range: code = ErrorCode::MemOutOfBound; break;
    default: break;
  }
  Error e(code, message);
  e.value = static_cast<std::uint64_t>(kind);
  e.address = address;
  return e;
}

// Appends little-endian fields to a byte vector.
class SnapshotWriter {
 public:
  explicit SnapshotWriter(std::vector<std::uint8_t>& out) noexcept : out_(&out) {}

  void u8(std::uint8_t v) { out_->push_back(v); }
  void u32(std::uint32_t v) { le(v); }
  void u64(std::uint64_t v) { le(v); }
  void bytes(std::span<const std::uint8_t> b) { out_->insert(out_->end(), b.begin(), b.end()); }

 private:
  template <class T>
  void le(T v) {
    detail::bytes::append_le(*out_, v);
  }
  std::vector<std::uint8_t>* out_;
};

// Reads little-endian fields from untrusted bytes; every read is bounds
// checked and fails with SnapshotFormatError::truncated.
class SnapshotReader {
 public:
  explicit SnapshotReader(std::span<const std::uint8_t> in) noexcept : in_(in) {}

  std::size_t remaining() const noexcept { return in_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }

  Result<std::uint8_t> u8() {
    if (remaining() < 1) return truncated();
    return in_[pos_++];
  }
  Result<std::uint32_t> u32() {
    if (remaining() < 4) return truncated();
    return le<std::uint32_t>();
  }
  Result<std::uint64_t> u64() {
    if (remaining() < 8) return truncated();
    return le<std::uint64_t>();
  }
  // A view of the next n bytes.
  Result<std::span<const std::uint8_t>> bytes(std::uint64_t n) {
    if (n > remaining()) return truncated();
    const auto out = in_.subspan(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return out;
  }
  // A length or count field whose elements take at least `unit` bytes each:
  // oversized_length unless the remaining input can hold them all.
  Result<std::uint64_t> length(std::uint64_t unit, const char* message) {
    Result<std::uint64_t> n = u64();
    if (!n.ok()) return n;
    if (unit != 0 && *n > remaining() / unit)
      return snapshot_format_failure(SnapshotFormatError::oversized_length, message);
    return n;
  }

 private:
  static Error truncated() noexcept {
    return snapshot_format_failure(SnapshotFormatError::truncated, "snapshot input ends inside a field");
  }
  template <class T>
  T le() noexcept {
    const T v = detail::bytes::load_le<T>(in_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};

// Id codecs. Specialize for your own Id type, or pass a codec type explicitly.
template <class Id>
struct SnapshotIdCodec;

template <std::unsigned_integral T>
  requires(!std::same_as<T, bool>)
struct SnapshotIdCodec<T> {
  static void encode(const T& id, SnapshotWriter& w) {
    std::uint8_t b[sizeof(T)];
    detail::bytes::store_le(b, id);
    w.bytes(b);
  }
  static Result<T> decode(SnapshotReader& r) {
    Result<std::span<const std::uint8_t>> b = r.bytes(sizeof(T));
    if (!b.ok()) return b.error();
    return detail::bytes::load_le<T>(b->data());
  }
};

namespace detail {
template <class Bytes>
struct ByteStringIdCodec {
  static void encode(const Bytes& id, SnapshotWriter& w) {
    w.u64(id.size());
    w.bytes(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(id.data()), id.size()));
  }
  static Result<Bytes> decode(SnapshotReader& r) {
    Result<std::uint64_t> n = r.length(1, "id length exceeds the remaining input");
    if (!n.ok()) return n.error();
    Result<std::span<const std::uint8_t>> b = r.bytes(*n);
    if (!b.ok()) return b.error();
    Bytes out(static_cast<std::size_t>(*n), typename Bytes::value_type{});
    if (*n != 0) std::memcpy(out.data(), b->data(), b->size());
    return out;
  }
};
}  // namespace detail

template <>
struct SnapshotIdCodec<std::vector<std::uint8_t>> : detail::ByteStringIdCodec<std::vector<std::uint8_t>> {};
template <>
struct SnapshotIdCodec<std::string> : detail::ByteStringIdCodec<std::string> {};

template <std::size_t N>
struct SnapshotIdCodec<std::array<std::uint8_t, N>> {
  static void encode(const std::array<std::uint8_t, N>& id, SnapshotWriter& w) { w.bytes(id); }
  static Result<std::array<std::uint8_t, N>> decode(SnapshotReader& r) {
    Result<std::span<const std::uint8_t>> b = r.bytes(N);
    if (!b.ok()) return b.error();
    std::array<std::uint8_t, N> out{};
    if constexpr (N != 0) std::memcpy(out.data(), b->data(), N);
    return out;
  }
};

template <class C, class Id>
concept SnapshotIdCodecFor = requires(const Id& id, SnapshotWriter& w, SnapshotReader& r) {
  C::encode(id, w);
  { C::decode(r) } -> std::same_as<Result<Id>>;
};

namespace detail {

inline constexpr std::size_t kSnapshotHeaderSize = 8 + 4;
// Fixed part of a source run (address, flag, offset, length) and of a dirty run
// (address, flag, length): lower bounds used to check counts.
inline constexpr std::uint64_t kSourceRunFixedSize = 8 + 1 + 8 + 8;
inline constexpr std::uint64_t kDirtyRunFixedSize = 8 + 1 + 8;
inline constexpr std::uint64_t kSnapshotPageSize = 8 + 1 + RISCV_PAGESIZE;

inline Status check_run(std::uint64_t address, std::uint64_t length, const char* what_unaligned_address,
                        const char* what_unaligned_length, const char* what_out_of_range) {
  if (address % RISCV_PAGESIZE != 0)
    return snapshot_format_failure(SnapshotFormatError::unaligned_page, what_unaligned_address, address);
  if (length % RISCV_PAGESIZE != 0)
    return snapshot_format_failure(SnapshotFormatError::unaligned_page, what_unaligned_length, address + length);
  if (address > RISCV_MAX_MEMORY || length > RISCV_MAX_MEMORY - address)
    return snapshot_format_failure(SnapshotFormatError::page_out_of_range, what_out_of_range, address);
  return {};
}

inline void write_header(SnapshotWriter& w, const std::array<std::uint8_t, 8>& magic) {
  w.bytes(magic);
  w.u32(SNAPSHOT_FORMAT_VERSION);
}

inline Status read_header(SnapshotReader& r, const std::array<std::uint8_t, 8>& magic) {
  const std::size_t have = r.remaining() < magic.size() ? r.remaining() : magic.size();
  Result<std::span<const std::uint8_t>> head = r.bytes(have);
  if (!head.ok()) return head.error();
  if (have != 0 && std::memcmp(head->data(), magic.data(), have) != 0)
    return snapshot_format_failure(SnapshotFormatError::bad_magic, "input is not a snapshot of this kind (bad magic)");
  if (have < magic.size())
    return snapshot_format_failure(SnapshotFormatError::truncated, "snapshot input ends inside a field");
  Result<std::uint32_t> format = r.u32();
  if (!format.ok()) return format.error();
  if (*format != SNAPSHOT_FORMAT_VERSION)
    return snapshot_format_failure(SnapshotFormatError::unknown_format_version, "unknown snapshot format version");
  return {};
}

template <class T>
Status read_into(SnapshotReader& r, T& out) {
  Result<T> v = [&] {
    if constexpr (sizeof(T) == 4)
      return r.u32();
    else
      return r.u64();
  }();
  if (!v.ok()) return v.error();
  out = *v;
  return {};
}

inline Status read_registers(SnapshotReader& r, std::array<std::uint64_t, RISCV_GENERAL_REGISTER_NUMBER>& regs) {
  for (auto& reg : regs) CKB_VM_TRY(read_into(r, reg));
  return {};
}

inline Status finish(const SnapshotReader& r) {
  if (r.remaining() != 0)
    return snapshot_format_failure(SnapshotFormatError::trailing_bytes, "bytes left after the end of the snapshot");
  return {};
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Snapshot2

template <class Id, class Codec = SnapshotIdCodec<Id>>
  requires SnapshotIdCodecFor<Codec, Id>
Result<std::vector<std::uint8_t>> encode_snapshot2(const Snapshot2<Id>& s) {
  std::uint64_t dirty_bytes = 0;
  for (const SourcePageRun<Id>& run : s.pages_from_source)
    CKB_VM_TRY(detail::check_run(run.address, run.length, "source run address is not page aligned",
                                 "source run length is not a whole number of pages",
                                 "source run lies beyond RISCV_MAX_MEMORY"));
  for (const DirtyPageRun& run : s.dirty_pages) {
    CKB_VM_TRY(detail::check_run(run.address, run.content.size(), "dirty run address is not page aligned",
                                 "dirty run length is not a whole number of pages",
                                 "dirty run lies beyond RISCV_MAX_MEMORY"));
    dirty_bytes += run.content.size();
  }
  std::vector<std::uint8_t> out;
  out.reserve(detail::kSnapshotHeaderSize + 4 + 8 * 36 + 16 +
              s.pages_from_source.size() * (detail::kSourceRunFixedSize + 8) +
              s.dirty_pages.size() * detail::kDirtyRunFixedSize + static_cast<std::size_t>(dirty_bytes));
  SnapshotWriter w(out);
  detail::write_header(w, SNAPSHOT2_MAGIC);
  w.u32(s.version);
  for (const std::uint64_t reg : s.registers) w.u64(reg);
  w.u64(s.pc);
  w.u64(s.cycles);
  w.u64(s.max_cycles);
  w.u64(s.load_reservation_address);
  w.u64(s.pages_from_source.size());
  for (const SourcePageRun<Id>& run : s.pages_from_source) {
    w.u64(run.address);
    w.u8(run.flag);
    Codec::encode(run.id, w);
    w.u64(run.offset);
    w.u64(run.length);
  }
  w.u64(s.dirty_pages.size());
  for (const DirtyPageRun& run : s.dirty_pages) {
    w.u64(run.address);
    w.u8(run.flag);
    w.u64(run.content.size());
    w.bytes(run.content);
  }
  return out;
}

template <class Id, class Codec = SnapshotIdCodec<Id>>
  requires SnapshotIdCodecFor<Codec, Id>
Result<Snapshot2<Id>> decode_snapshot2(std::span<const std::uint8_t> input) {
  SnapshotReader r(input);
  CKB_VM_TRY(detail::read_header(r, SNAPSHOT2_MAGIC));
  Snapshot2<Id> s;
  CKB_VM_TRY(detail::read_into(r, s.version));
  CKB_VM_TRY(detail::read_registers(r, s.registers));
  CKB_VM_TRY(detail::read_into(r, s.pc));
  CKB_VM_TRY(detail::read_into(r, s.cycles));
  CKB_VM_TRY(detail::read_into(r, s.max_cycles));
  CKB_VM_TRY(detail::read_into(r, s.load_reservation_address));

  Result<std::uint64_t> sources = r.length(detail::kSourceRunFixedSize, "source run count exceeds the remaining input");
  if (!sources.ok()) return sources.error();
  s.pages_from_source.reserve(static_cast<std::size_t>(*sources));
  for (std::uint64_t i = 0; i < *sources; ++i) {
    SourcePageRun<Id> run;
    CKB_VM_TRY(detail::read_into(r, run.address));
    Result<std::uint8_t> flag = r.u8();
    if (!flag.ok()) return flag.error();
    run.flag = *flag;
    Result<Id> id = Codec::decode(r);
    if (!id.ok()) return id.error();
    run.id = std::move(id).value();
    CKB_VM_TRY(detail::read_into(r, run.offset));
    CKB_VM_TRY(detail::read_into(r, run.length));
    CKB_VM_TRY(detail::check_run(run.address, run.length, "source run address is not page aligned",
                                 "source run length is not a whole number of pages",
                                 "source run lies beyond RISCV_MAX_MEMORY"));
    s.pages_from_source.push_back(std::move(run));
  }

  Result<std::uint64_t> dirties = r.length(detail::kDirtyRunFixedSize, "dirty run count exceeds the remaining input");
  if (!dirties.ok()) return dirties.error();
  s.dirty_pages.reserve(static_cast<std::size_t>(*dirties));
  for (std::uint64_t i = 0; i < *dirties; ++i) {
    DirtyPageRun run;
    CKB_VM_TRY(detail::read_into(r, run.address));
    Result<std::uint8_t> flag = r.u8();
    if (!flag.ok()) return flag.error();
    run.flag = *flag;
    std::uint64_t length = 0;
    CKB_VM_TRY(detail::read_into(r, length));
    CKB_VM_TRY(detail::check_run(run.address, length, "dirty run address is not page aligned",
                                 "dirty run length is not a whole number of pages",
                                 "dirty run lies beyond RISCV_MAX_MEMORY"));
    if (length > r.remaining())
      return snapshot_format_failure(SnapshotFormatError::oversized_length,
                                     "dirty run length exceeds the remaining input");
    Result<std::span<const std::uint8_t>> content = r.bytes(length);
    if (!content.ok()) return content.error();
    run.content.assign(content->begin(), content->end());
    s.dirty_pages.push_back(std::move(run));
  }
  CKB_VM_TRY(detail::finish(r));
  return s;
}

// ---------------------------------------------------------------------------
// Snapshot

inline Result<std::vector<std::uint8_t>> encode_snapshot(const Snapshot& s) {
  for (const SnapshotPage& page : s.pages) {
    if (page.index >= RISCV_MAX_MEMORY / RISCV_PAGESIZE)
      return snapshot_format_failure(SnapshotFormatError::page_out_of_range,
                                     "snapshot page lies beyond RISCV_MAX_MEMORY");
    if (page.content.size() != RISCV_PAGESIZE)
      return snapshot_format_failure(SnapshotFormatError::unaligned_page,
                                     "snapshot page content is not exactly one page",
                                     (page.index << RISCV_PAGE_SHIFTS) + page.content.size());
  }
  std::vector<std::uint8_t> out;
  out.reserve(detail::kSnapshotHeaderSize + 4 + 8 * 35 + s.pages.size() * detail::kSnapshotPageSize);
  SnapshotWriter w(out);
  detail::write_header(w, SNAPSHOT_MAGIC);
  w.u32(s.version);
  for (const std::uint64_t reg : s.registers) w.u64(reg);
  w.u64(s.pc);
  w.u64(s.load_reservation_address);
  w.u64(s.pages.size());
  for (const SnapshotPage& page : s.pages) {
    w.u64(page.index);
    w.u8(page.flag);
    w.bytes(page.content);
  }
  return out;
}

inline Result<Snapshot> decode_snapshot(std::span<const std::uint8_t> input) {
  SnapshotReader r(input);
  CKB_VM_TRY(detail::read_header(r, SNAPSHOT_MAGIC));
  Snapshot s;
  CKB_VM_TRY(detail::read_into(r, s.version));
  CKB_VM_TRY(detail::read_registers(r, s.registers));
  CKB_VM_TRY(detail::read_into(r, s.pc));
  CKB_VM_TRY(detail::read_into(r, s.load_reservation_address));
  Result<std::uint64_t> count = r.length(detail::kSnapshotPageSize, "page count exceeds the remaining input");
  if (!count.ok()) return count.error();
  s.pages.reserve(static_cast<std::size_t>(*count));
  for (std::uint64_t i = 0; i < *count; ++i) {
    SnapshotPage page;
    CKB_VM_TRY(detail::read_into(r, page.index));
    if (page.index >= RISCV_MAX_MEMORY / RISCV_PAGESIZE)
      return snapshot_format_failure(SnapshotFormatError::page_out_of_range,
                                     "snapshot page lies beyond RISCV_MAX_MEMORY");
    Result<std::uint8_t> flag = r.u8();
    if (!flag.ok()) return flag.error();
    page.flag = *flag;
    Result<std::span<const std::uint8_t>> content = r.bytes(RISCV_PAGESIZE);
    if (!content.ok()) return content.error();
    page.content.assign(content->begin(), content->end());
    s.pages.push_back(std::move(page));
  }
  CKB_VM_TRY(detail::finish(r));
  return s;
}

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
