// BLAKE2b (RFC 7693) and CKB's default hash: BLAKE2b with a 32-byte digest and
// the personalization "ckb-default-hash". CKB uses it for transaction hashes,
// script hashes, cell data hashes and header hashes.
//
//   ckb_vm::ckb::Blake2b h(32, "ckb-default-hash");  // or Blake2b::ckb()
//   h.update(bytes);
//   Byte32 digest = h.finalize32();
//   Byte32 same = ckb_vm::ckb::blake2b_256(bytes);
#pragma once

#include "../detail/config.hpp"
#include "../detail/byte_io.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

using Byte32 = std::array<std::uint8_t, 32>;

class Blake2b {
 public:
  static constexpr std::size_t kBlockBytes = 128;
  static constexpr std::size_t kMaxDigestBytes = 64;

  // digest_bytes in 1..64 (clamped); personal is at most 16 bytes (truncated),
  // zero padded. No key.
  explicit Blake2b(std::size_t digest_bytes = 64, std::string_view personal = {}) noexcept {
    if (digest_bytes == 0) digest_bytes = 1;
    if (digest_bytes > kMaxDigestBytes) digest_bytes = kMaxDigestBytes;
    out_len_ = digest_bytes;
    std::array<std::uint8_t, 64> param{};
    param[0] = static_cast<std::uint8_t>(digest_bytes);
    param[2] = 1;  // fanout
    param[3] = 1;  // depth
    const std::size_t n = personal.size() < 16 ? personal.size() : 16;
    for (std::size_t i = 0; i < n; ++i) param[48 + i] = static_cast<std::uint8_t>(personal[i]);
    for (std::size_t i = 0; i < 8; ++i) h_[i] = kIv[i] ^ load64(param.data() + 8 * i);
  }

  // The hasher CKB uses everywhere.
  static Blake2b ckb() noexcept { return Blake2b(32, "ckb-default-hash"); }

  Blake2b& update(std::span<const std::uint8_t> data) noexcept {
    const std::uint8_t* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      if (buffered_ == kBlockBytes) {  // only compress a full buffer once more input arrives
        add_counter(kBlockBytes);
        compress(buffer_.data(), false);
        buffered_ = 0;
      }
      const std::size_t take = (kBlockBytes - buffered_) < left ? (kBlockBytes - buffered_) : left;
      std::memcpy(buffer_.data() + buffered_, p, take);
      buffered_ += take;
      p += take;
      left -= take;
    }
    return *this;
  }
  Blake2b& update(std::string_view s) noexcept {
    return update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }

  // Writes out_len() bytes to out (which must have room for them).
  void finalize(std::uint8_t* out) noexcept {
    add_counter(buffered_);
    std::memset(buffer_.data() + buffered_, 0, kBlockBytes - buffered_);
    compress(buffer_.data(), true);
    std::array<std::uint8_t, 64> full{};
    for (std::size_t i = 0; i < 8; ++i)
      ckb_vm::detail::bytes::store_le(full.data() + 8 * i, h_[i]);
    std::memcpy(out, full.data(), out_len_);
  }
  std::vector<std::uint8_t> finalize_vector() {
    std::vector<std::uint8_t> v(out_len_);
    finalize(v.data());
    return v;
  }
  // For 32-byte hashers.
  Byte32 finalize32() noexcept {
    std::array<std::uint8_t, 64> tmp{};
    finalize(tmp.data());
    Byte32 r{};
    std::memcpy(r.data(), tmp.data(), 32);
    return r;
  }

  std::size_t out_len() const noexcept { return out_len_; }

 private:
  static constexpr std::uint64_t kIv[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                                           0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                                           0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
  static constexpr std::uint8_t kSigma[12][16] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
      {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
      {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
      {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
      {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

  static std::uint64_t load64(const std::uint8_t* p) noexcept {
    return ckb_vm::detail::bytes::load_le<std::uint64_t>(p);
  }
  static constexpr std::uint64_t rotr(std::uint64_t x, int n) noexcept { return (x >> n) | (x << (64 - n)); }

  void add_counter(std::size_t n) noexcept {
    t_[0] += n;
    if (t_[0] < n) ++t_[1];
  }

  void compress(const std::uint8_t* block, bool last) noexcept {
    std::uint64_t m[16];
    for (int i = 0; i < 16; ++i) m[i] = load64(block + 8 * i);
    std::uint64_t v[16];
    for (int i = 0; i < 8; ++i) {
      v[i] = h_[i];
      v[i + 8] = kIv[i];
    }
    v[12] ^= t_[0];
    v[13] ^= t_[1];
    if (last) v[14] = ~v[14];
    auto g = [&v](int a, int b, int c, int d, std::uint64_t x, std::uint64_t y) {
      v[a] = v[a] + v[b] + x;
      v[d] = rotr(v[d] ^ v[a], 32);
      v[c] = v[c] + v[d];
      v[b] = rotr(v[b] ^ v[c], 24);
      v[a] = v[a] + v[b] + y;
      v[d] = rotr(v[d] ^ v[a], 16);
      v[c] = v[c] + v[d];
      v[b] = rotr(v[b] ^ v[c], 63);
    };
    for (int r = 0; r < 12; ++r) {
      const std::uint8_t* s = kSigma[r];
      g(0, 4, 8, 12, m[s[0]], m[s[1]]);
      g(1, 5, 9, 13, m[s[2]], m[s[3]]);
      g(2, 6, 10, 14, m[s[4]], m[s[5]]);
      g(3, 7, 11, 15, m[s[6]], m[s[7]]);
      g(0, 5, 10, 15, m[s[8]], m[s[9]]);
      g(1, 6, 11, 12, m[s[10]], m[s[11]]);
      g(2, 7, 8, 13, m[s[12]], m[s[13]]);
      g(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; ++i) h_[i] ^= v[i] ^ v[i + 8];
  }

  std::uint64_t h_[8]{};
  std::uint64_t t_[2]{};
  std::array<std::uint8_t, kBlockBytes> buffer_{};
  std::size_t buffered_ = 0;
  std::size_t out_len_ = 64;
};

// CKB's blake2b-256 ("ckb-default-hash") of one byte string.
inline Byte32 blake2b_256(std::span<const std::uint8_t> data) noexcept {
  return Blake2b::ckb().update(data).finalize32();
}

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
