// The one place that turns bytes into integers and integers into text for the
// parsers and encoders of this library (ELF, DWARF, snapshot codec, molecule,
// BLAKE2b, hex strings):
//
//   load<T>(p, little)   an unsigned T from sizeof(T) bytes at p, either byte
//                        order; the caller has checked the bytes exist.
//   load_le<T>(p)        the same, little endian.
//   store_le / append_le the reverse, into a buffer or onto a byte vector.
//   ByteReader           a cursor over untrusted bytes: fixed-width integers,
//                        LEB128, NUL-terminated strings and sub-ranges, every
//                        read bounds checked. A read past the end (or an
//                        over-long LEB128) makes the reader fail: ok() turns
//                        false for good, reads return 0 / empty, so a parser
//                        checks once after a group of reads instead of after
//                        each.
//   hex_bytes / hex_u64 / parse_hex / hex_digit_value   lower-case hex out,
//                        either case in.
//
// load_le/store_le are also the guest-memory fast paths' (memory.hpp): at run
// time they are one unaligned memcpy (a single move on common hosts), in a
// constant expression a byte loop.
#pragma once

#include "config.hpp"

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace detail::bytes {

template <std::unsigned_integral T>
constexpr T load(const std::uint8_t* p, bool little_endian) noexcept {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    const std::size_t shift = little_endian ? i : sizeof(T) - 1 - i;
    v = static_cast<T>(v | static_cast<T>(static_cast<T>(p[i]) << (8 * shift)));
  }
  return v;
}

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "mixed-endian hosts are not supported");

template <std::unsigned_integral T>
constexpr T byte_swap(T v) noexcept {
  T out = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out = static_cast<T>((out << 8) | (v & 0xff));
    v = static_cast<T>(v >> 8);
  }
  return out;
}

template <std::unsigned_integral T>
CKB_VM_DETAIL_ALWAYS_INLINE constexpr T load_le(const std::uint8_t* p) noexcept {
  if (std::is_constant_evaluated()) return load<T>(p, true);
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) v = byte_swap(v);
  return v;
}

template <std::unsigned_integral T>
CKB_VM_DETAIL_ALWAYS_INLINE constexpr void store_le(std::uint8_t* p, T v) noexcept {
  if (std::is_constant_evaluated()) {
    for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * i));
    return;
  }
  if constexpr (std::endian::native == std::endian::big) v = byte_swap(v);
  std::memcpy(p, &v, sizeof(T));
}

template <std::unsigned_integral T>
void append_le(std::vector<std::uint8_t>& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * i)));
}

// A T at byte offset `at` of `b`, or nullopt when it does not fit.
template <std::unsigned_integral T>
constexpr std::optional<T> read_at(std::span<const std::uint8_t> b, std::uint64_t at, bool little_endian = true) noexcept {
  if (at > b.size() || sizeof(T) > b.size() - at) return std::nullopt;
  return load<T>(b.data() + at, little_endian);
}

// Bounds-checked cursor; see the file comment.
class ByteReader {
 public:
  constexpr ByteReader() noexcept = default;
  constexpr explicit ByteReader(std::span<const std::uint8_t> bytes, bool little_endian = true) noexcept
      : bytes_(bytes), little_(little_endian) {}

  constexpr bool ok() const noexcept { return ok_; }
  constexpr bool at_end() const noexcept { return pos_ >= bytes_.size(); }
  constexpr std::size_t position() const noexcept { return pos_; }
  constexpr std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  constexpr std::size_t size() const noexcept { return bytes_.size(); }
  constexpr bool little_endian() const noexcept { return little_; }
  constexpr std::span<const std::uint8_t> data() const noexcept { return bytes_; }
  // Marks the reader failed (a parser found a bad value).
  constexpr void fail() noexcept { ok_ = false; pos_ = bytes_.size(); }

  template <std::unsigned_integral T>
  constexpr T read() noexcept {
    if (!ok_ || remaining() < sizeof(T)) {
      fail();
      return 0;
    }
    const T v = load<T>(bytes_.data() + pos_, little_);
    pos_ += sizeof(T);
    return v;
  }
  constexpr std::uint8_t u8() noexcept { return read<std::uint8_t>(); }
  constexpr std::uint16_t u16() noexcept { return read<std::uint16_t>(); }
  constexpr std::uint32_t u32() noexcept { return read<std::uint32_t>(); }
  constexpr std::uint64_t u64() noexcept { return read<std::uint64_t>(); }
  // An unsigned integer of `n` bytes (1..8).
  constexpr std::uint64_t uint(unsigned n) noexcept {
    if (n == 0 || n > 8 || !ok_ || remaining() < n) {
      fail();
      return 0;
    }
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) {
      const unsigned shift = little_ ? i : n - 1 - i;
      v |= static_cast<std::uint64_t>(bytes_[pos_ + i]) << (8 * shift);
    }
    pos_ += n;
    return v;
  }

  // LEB128. Bits beyond 64 must be zero (unsigned) or a sign extension
  // (signed); longer encodings are accepted as long as they stay within the
  // input (padding with 0x80 bytes is legal DWARF).
  constexpr std::uint64_t uleb128() noexcept {
    std::uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
      const std::uint8_t b = u8();
      if (!ok_) return 0;
      const std::uint64_t bits = b & 0x7f;
      if (shift < 64) {
        if (shift > 57 && (bits >> (64 - shift)) != 0) return fail(), 0;
        v |= bits << shift;
      } else if (bits != 0) {
        return fail(), 0;
      }
      if ((b & 0x80) == 0) return v;
      shift += 7;
    }
  }
  constexpr std::int64_t sleb128() noexcept {
    std::uint64_t v = 0;
    unsigned shift = 0;
    std::uint8_t b = 0;
    do {
      b = u8();
      if (!ok_) return 0;
      if (shift < 64) v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    if (shift < 64 && (b & 0x40) != 0) v |= ~std::uint64_t{0} << shift;
    return static_cast<std::int64_t>(v);
  }

  // The bytes up to the next NUL (which is consumed); fails without one.
  constexpr std::string_view cstring() noexcept {
    if (!ok_) return {};
    for (std::size_t k = pos_; k < bytes_.size(); ++k) {
      if (bytes_[k] == 0) {
        const std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), k - pos_);
        pos_ = k + 1;
        return s;
      }
    }
    fail();
    return {};
  }
  // The next n bytes.
  constexpr std::span<const std::uint8_t> bytes(std::uint64_t n) noexcept {
    if (!ok_ || n > remaining()) {
      fail();
      return {};
    }
    const auto out = bytes_.subspan(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return out;
  }
  constexpr void skip(std::uint64_t n) noexcept { (void)bytes(n); }
  // A reader over the next n bytes (same byte order); this one moves past them.
  constexpr ByteReader sub(std::uint64_t n) noexcept {
    const bool was_ok = ok_ && n <= remaining();
    ByteReader r(bytes(n), little_);
    if (!was_ok) r.fail();
    return r;
  }
  constexpr void seek(std::uint64_t at) noexcept {
    if (!ok_ || at > bytes_.size()) return fail();
    pos_ = static_cast<std::size_t>(at);
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  bool little_ = true;
  bool ok_ = true;
};

// ---------------------------------------------------------------------------
// Hex

inline constexpr char HEX_DIGITS[] = "0123456789abcdef";

inline std::string hex_bytes(std::span<const std::uint8_t> bytes, bool prefix = false) {
  std::string out;
  out.reserve(bytes.size() * 2 + (prefix ? 2 : 0));
  if (prefix) out += "0x";
  for (std::uint8_t b : bytes) {
    out += HEX_DIGITS[b >> 4];
    out += HEX_DIGITS[b & 0xf];
  }
  return out;
}

// "0x" and the shortest lower-case digits: 0x0, 0x1f.
inline std::string hex_u64(std::uint64_t v) {
  char buf[18];
  char* p = buf + sizeof(buf);
  do {
    *--p = HEX_DIGITS[v & 0xf];
    v >>= 4;
  } while (v != 0);
  *--p = 'x';
  *--p = '0';
  return std::string(p, static_cast<std::size_t>(buf + sizeof(buf) - p));
}

constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An even number of hex digits (no prefix); nullopt on an odd length or a
// non-hex character.
inline std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit_value(s[2 * i]);
    const int lo = hex_digit_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace detail::bytes
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
