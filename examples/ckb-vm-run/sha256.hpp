// SHA-256 (FIPS 180-4): names the program inside snapshot files and checks their integrity.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace ckb_vm_run {

class Sha256 {
 public:
  using Digest = std::array<std::uint8_t, 32>;
  void update(std::span<const std::uint8_t> data);
  Digest finish();
  static Digest of(std::span<const std::uint8_t> data) {
    Sha256 s;
    s.update(data);
    return s.finish();
  }

 private:
  void compress();
  std::uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::uint8_t block_[64] = {};
  std::size_t fill_ = 0;
  std::uint64_t bits_ = 0;
};

}  // namespace ckb_vm_run
