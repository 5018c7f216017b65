// The tests' one code-memory stub: instruction words from address 0, for
// decoding (fused) sequences with a Decoder without a machine or a real memory.
// Everything is executable; fetching past the end fails with MemOutOfBound,
// which the decoder's fusion look-ahead treats as "no next instruction".
#pragma once

#include <ckb_vm/constants.hpp>
#include <ckb_vm/error.hpp>

#include <cstdint>
#include <vector>

namespace testsupport {

struct CodeMemory {
  std::vector<std::uint8_t> bytes;

  CodeMemory() = default;
  explicit CodeMemory(const std::vector<std::uint32_t>& words) {
    for (const std::uint32_t w : words) push(w);
  }
  // Appends one 32-bit word, little-endian.
  void push(std::uint32_t w) {
    for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<std::uint8_t>(w >> (8 * k)));
  }

  std::uint64_t memory_size() const { return ckb_vm::RISCV_MAX_MEMORY; }
  ckb_vm::Result<std::uint32_t> execute_load32(std::uint64_t a) const {
    if (a + 4 > bytes.size()) return ckb_vm::ErrorCode::MemOutOfBound;
    return std::uint32_t(bytes[a]) | std::uint32_t(bytes[a + 1]) << 8 | std::uint32_t(bytes[a + 2]) << 16 |
           std::uint32_t(bytes[a + 3]) << 24;
  }
  ckb_vm::Result<std::uint16_t> execute_load16(std::uint64_t a) const {
    if (a + 2 > bytes.size()) return ckb_vm::ErrorCode::MemOutOfBound;
    return static_cast<std::uint16_t>(bytes[a] | bytes[a + 1] << 8);
  }
};

}  // namespace testsupport
