// The tests' one RISC-V instruction encoder: builds instruction words so tests
// can state their programs inline (test_machine.cpp, test_parity_regressions.cpp),
// and encodes for the snapshot tests' label assembler (test_snapshot_common.hpp)
// and the random program generator (rvgen.hpp). Encodings follow the RISC-V
// spec; registers are numbers (x0..x31). Standard library only.
#pragma once

#include <cstdint>
#include <vector>

namespace rv {

inline std::uint32_t r(std::uint32_t f7, std::uint32_t rs2, std::uint32_t rs1, std::uint32_t f3, std::uint32_t rd,
                       std::uint32_t op) {
  return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
inline std::uint32_t i(std::int32_t imm, std::uint32_t rs1, std::uint32_t f3, std::uint32_t rd, std::uint32_t op) {
  return (static_cast<std::uint32_t>(imm) & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
inline std::uint32_t s(std::int32_t imm, std::uint32_t rs2, std::uint32_t rs1, std::uint32_t f3, std::uint32_t op) {
  auto u = static_cast<std::uint32_t>(imm);
  return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | op;
}
inline std::uint32_t b(std::int32_t imm, std::uint32_t rs2, std::uint32_t rs1, std::uint32_t f3) {
  auto u = static_cast<std::uint32_t>(imm);
  return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | ((u >> 1) & 0xf) << 8 |
         ((u >> 11) & 1) << 7 | 0x63;
}
inline std::uint32_t u(std::int32_t imm20, std::uint32_t rd, std::uint32_t op) {
  return (static_cast<std::uint32_t>(imm20) & 0xfffff) << 12 | rd << 7 | op;
}
inline std::uint32_t j(std::int32_t imm, std::uint32_t rd) {
  auto v = static_cast<std::uint32_t>(imm);
  return ((v >> 20) & 1) << 31 | ((v >> 1) & 0x3ff) << 21 | ((v >> 11) & 1) << 20 | ((v >> 12) & 0xff) << 12 |
         rd << 7 | 0x6f;
}

// R-type with the function fields first: funct7, funct3, opcode, rd, rs1, rs2.
inline std::uint32_t rr(std::uint32_t f7, std::uint32_t f3, std::uint32_t op, unsigned rd, unsigned rs1, unsigned rs2) {
  return r(f7, rs2, rs1, f3, rd, op);
}

inline std::uint32_t addi(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 0, rd, 0x13); }
inline std::uint32_t addiw(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 0, rd, 0x1b); }
inline std::uint32_t andi(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 7, rd, 0x13); }
// One instruction: addi rd, zero, imm (-2048 <= imm < 2048).
inline std::uint32_t li(unsigned rd, std::int32_t imm) { return addi(rd, 0, imm); }
inline std::uint32_t nop() { return addi(0, 0, 0); }
inline std::uint32_t slli(unsigned rd, unsigned rs1, unsigned sh) { return i(static_cast<std::int32_t>(sh), rs1, 1, rd, 0x13); }
inline std::uint32_t srli(unsigned rd, unsigned rs1, unsigned sh) { return i(static_cast<std::int32_t>(sh), rs1, 5, rd, 0x13); }
inline std::uint32_t add(unsigned rd, unsigned rs1, unsigned rs2) { return r(0, rs2, rs1, 0, rd, 0x33); }
inline std::uint32_t sub(unsigned rd, unsigned rs1, unsigned rs2) { return r(0x20, rs2, rs1, 0, rd, 0x33); }
inline std::uint32_t slt(unsigned rd, unsigned rs1, unsigned rs2) { return r(0, rs2, rs1, 2, rd, 0x33); }
inline std::uint32_t sltu(unsigned rd, unsigned rs1, unsigned rs2) { return r(0, rs2, rs1, 3, rd, 0x33); }
inline std::uint32_t xor_(unsigned rd, unsigned rs1, unsigned rs2) { return r(0, rs2, rs1, 4, rd, 0x33); }
inline std::uint32_t or_(unsigned rd, unsigned rs1, unsigned rs2) { return r(0, rs2, rs1, 6, rd, 0x33); }
inline std::uint32_t mul(unsigned rd, unsigned rs1, unsigned rs2) { return r(1, rs2, rs1, 0, rd, 0x33); }
inline std::uint32_t mulhu(unsigned rd, unsigned rs1, unsigned rs2) { return r(1, rs2, rs1, 3, rd, 0x33); }
inline std::uint32_t div(unsigned rd, unsigned rs1, unsigned rs2) { return r(1, rs2, rs1, 4, rd, 0x33); }
inline std::uint32_t lui(unsigned rd, std::int32_t imm20) { return u(imm20, rd, 0x37); }
inline std::uint32_t auipc(unsigned rd, std::int32_t imm20) { return u(imm20, rd, 0x17); }
inline std::uint32_t jal(unsigned rd, std::int32_t off) { return j(off, rd); }
inline std::uint32_t jalr(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 0, rd, 0x67); }
inline std::uint32_t beq(unsigned rs1, unsigned rs2, std::int32_t off) { return b(off, rs2, rs1, 0); }
inline std::uint32_t bne(unsigned rs1, unsigned rs2, std::int32_t off) { return b(off, rs2, rs1, 1); }
inline std::uint32_t bltu(unsigned rs1, unsigned rs2, std::int32_t off) { return b(off, rs2, rs1, 6); }
inline std::uint32_t lb(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 0, rd, 0x03); }
inline std::uint32_t lbu(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 4, rd, 0x03); }
inline std::uint32_t lw(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 2, rd, 0x03); }
inline std::uint32_t ld(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 3, rd, 0x03); }
inline std::uint32_t sb(unsigned rs2, unsigned rs1, std::int32_t imm) { return s(imm, rs2, rs1, 0, 0x23); }
inline std::uint32_t sw(unsigned rs2, unsigned rs1, std::int32_t imm) { return s(imm, rs2, rs1, 2, 0x23); }
inline std::uint32_t sd(unsigned rs2, unsigned rs1, std::int32_t imm) { return s(imm, rs2, rs1, 3, 0x23); }
inline std::uint32_t lr_w(unsigned rd, unsigned rs1) { return r(0x08, 0, rs1, 2, rd, 0x2f); }
inline std::uint32_t sc_w(unsigned rd, unsigned rs1, unsigned rs2) { return r(0x0c, rs2, rs1, 2, rd, 0x2f); }
inline std::uint32_t lr_d(unsigned rd, unsigned rs1) { return r(0x08, 0, rs1, 3, rd, 0x2f); }
inline std::uint32_t sc_d(unsigned rd, unsigned rs1, unsigned rs2) { return r(0x0c, rs2, rs1, 3, rd, 0x2f); }
inline std::uint32_t ecall() { return 0x00000073; }
inline std::uint32_t ebreak() { return 0x00100073; }

// Little-endian bytes of a word sequence.
inline std::vector<std::uint8_t> bytes(const std::vector<std::uint32_t>& words) {
  std::vector<std::uint8_t> out;
  for (auto w : words)
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<std::uint8_t>(w >> (8 * k)));
  return out;
}

}  // namespace rv
