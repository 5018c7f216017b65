// Decoding: raw RISC-V bits -> Instruction, with exactly the acceptance rules
// of ckb-vm 0.24 for each ISA/version combination (an encoding ckb-vm rejects
// is InvalidInstruction here too), plus CKB's macro-op fusion (MOP) rules per
// version. `InstructionDecoder` is pure (no cost, no cache); `Decoder` adds
// the cost function for tools. The engine's cache is detail/code_cache.hpp.
#pragma once

#include "detail/config.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "constants.hpp"
#include "cost_model.hpp"
#include "error.hpp"
#include "detail/memory_support.hpp"
#include "instruction.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

namespace detail {

constexpr std::uint32_t bits(std::uint32_t v, unsigned lo, unsigned len) noexcept {
  return (v >> lo) & ((std::uint32_t{1} << len) - 1);
}
// Field [lo, lo+len) sign-extended, placed at bit `shift`.
constexpr std::int32_t sbits(std::uint32_t v, unsigned lo, unsigned len, unsigned shift) noexcept {
  auto x = static_cast<std::int32_t>(v << (32 - lo - len)) >> (32 - len);
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << shift);
}
constexpr std::uint32_t ubits(std::uint32_t v, unsigned lo, unsigned len, unsigned shift) noexcept {
  return bits(v, lo, len) << shift;
}

constexpr Instruction make_r(Opcode op, unsigned rd, unsigned rs1, unsigned rs2, std::uint8_t len = 4) noexcept {
  Instruction i;
  i.op = op;
  i.rd = static_cast<std::uint8_t>(rd);
  i.rs1 = static_cast<std::uint8_t>(rs1);
  i.rs2 = static_cast<std::uint8_t>(rs2);
  i.length = len;
  return i;
}
constexpr Instruction make_i(Opcode op, unsigned rd, unsigned rs1, std::int32_t imm, std::uint8_t len = 4) noexcept {
  Instruction i;
  i.op = op;
  i.rd = static_cast<std::uint8_t>(rd);
  i.rs1 = static_cast<std::uint8_t>(rs1);
  i.imm = imm;
  i.length = len;
  return i;
}
constexpr Instruction make_s(Opcode op, unsigned rs1, unsigned rs2, std::int32_t imm, std::uint8_t len = 4) noexcept {
  Instruction i;
  i.op = op;
  i.rs1 = static_cast<std::uint8_t>(rs1);
  i.rs2 = static_cast<std::uint8_t>(rs2);
  i.imm = imm;
  i.length = len;
  return i;
}
constexpr Instruction make_u(Opcode op, unsigned rd, std::int32_t imm, std::uint8_t len = 4) noexcept {
  return make_i(op, rd, 0, imm, len);
}
constexpr Instruction nop(std::uint8_t len) noexcept { return make_i(Opcode::ADDI, 0, 0, 0, len); }

// Version-selected opcodes: VERSION0 keeps its original (buggy) semantics.
constexpr Opcode ver(std::uint32_t version, Opcode v0, Opcode v1) noexcept { return version >= VERSION1 ? v1 : v0; }

// ---- RVC (16-bit) ---------------------------------------------------------
constexpr std::optional<Instruction> decode_rvc(std::uint32_t b, std::uint32_t version) noexcept {
  using R = std::optional<Instruction>;
  const bool v1 = version >= VERSION1;
  // Hint encodings (rd == 0 or zero immediates) are NOPs from VERSION1 on and
  // invalid in VERSION0 (RFC 0033).
  const R hint = v1 ? R(nop(2)) : R();
  const unsigned rd_full = bits(b, 7, 5);
  const unsigned rs2_full = bits(b, 2, 5);
  const unsigned rd_c = bits(b, 7, 3) + 8;   // rd'/rs1' at [9:7]
  const unsigned rs2_c = bits(b, 2, 3) + 8;  // rd'/rs2' at [4:2]
  const std::int32_t imm6 = static_cast<std::int32_t>(bits(b, 2, 5)) | sbits(b, 12, 1, 5);
  const std::uint32_t uimm6 = bits(b, 2, 5) | ubits(b, 12, 1, 5);
  const std::uint32_t lw_off = ubits(b, 6, 1, 2) | ubits(b, 10, 3, 3) | ubits(b, 5, 1, 6);
  const std::uint32_t ld_off = ubits(b, 10, 3, 3) | ubits(b, 5, 2, 6);
  switch (b & 0b1110000000000011) {
    case 0b0000000000000000: {  // c.addi4spn
      std::uint32_t nz = ubits(b, 6, 1, 2) | ubits(b, 5, 1, 3) | ubits(b, 11, 2, 4) | ubits(b, 7, 4, 6);
      if (nz == 0) return R();
      return make_i(Opcode::ADDI, rs2_c, registers::SP, static_cast<std::int32_t>(nz), 2);
    }
    case 0b0100000000000000:  // c.lw
      return make_i(ver(version, Opcode::LW_V0, Opcode::LW_V1), rs2_c, rd_c, static_cast<std::int32_t>(lw_off), 2);
    case 0b0110000000000000:  // c.ld
      return make_i(ver(version, Opcode::LD_V0, Opcode::LD_V1), rs2_c, rd_c, static_cast<std::int32_t>(ld_off), 2);
    case 0b1100000000000000:  // c.sw
      return make_s(Opcode::SW, rd_c, rs2_c, static_cast<std::int32_t>(lw_off), 2);
    case 0b1110000000000000:  // c.sd
      return make_s(Opcode::SD, rd_c, rs2_c, static_cast<std::int32_t>(ld_off), 2);
    case 0b0000000000000001:  // c.nop / c.addi
      if (rd_full != 0) {
        if (imm6 != 0) return make_i(Opcode::ADDI, rd_full, rd_full, imm6, 2);
        return hint;
      }
      return imm6 == 0 ? R(nop(2)) : hint;
    case 0b0010000000000001:  // c.addiw (RV64)
      if (rd_full == 0) return R();
      return make_i(Opcode::ADDIW, rd_full, rd_full, imm6, 2);
    case 0b0100000000000001:  // c.li
      if (rd_full == 0) return hint;
      return make_i(Opcode::ADDI, rd_full, 0, imm6, 2);
    case 0b0110000000000001: {  // c.addi16sp / c.lui
      if (imm6 == 0) return R();  // both forms reserve a zero immediate
      if (rd_full == registers::SP) {
        std::int32_t imm = static_cast<std::int32_t>(ubits(b, 6, 1, 4) | ubits(b, 2, 1, 5) | ubits(b, 5, 1, 6) |
                                                     ubits(b, 3, 2, 7)) |
                           sbits(b, 12, 1, 9);
        return make_i(Opcode::ADDI, registers::SP, registers::SP, imm, 2);
      }
      if (rd_full == 0) return hint;
      return make_u(Opcode::LUI, rd_full, static_cast<std::int32_t>(static_cast<std::uint32_t>(imm6) << 12), 2);
    }
    case 0b1000000000000001: {  // misc ALU
      const std::uint32_t sel = b & 0b1110001100000;  // bits 12, 11:10, 6:5
      const bool low3_zero = (b & 0b11100) == 0;
      if (sel == 0b0000000000000 && low3_zero) return nop(2);  // c.srli with shamt 0
      if (sel == 0b0010000000000 && low3_zero) return nop(2);  // c.srai with shamt 0
      switch (sel) {
        case 0b0110000000000: return make_r(Opcode::SUB, rd_c, rd_c, rs2_c, 2);
        case 0b0110000100000: return make_r(Opcode::XOR, rd_c, rd_c, rs2_c, 2);
        case 0b0110001000000: return make_r(Opcode::OR, rd_c, rd_c, rs2_c, 2);
        case 0b0110001100000: return make_r(Opcode::AND, rd_c, rd_c, rs2_c, 2);
        case 0b1110000000000: return make_r(Opcode::SUBW, rd_c, rd_c, rs2_c, 2);
        case 0b1110000100000: return make_r(Opcode::ADDW, rd_c, rd_c, rs2_c, 2);
        case 0b1110001000000:
        case 0b1110001100000: return R();
        default: break;
      }
      switch (b & 0b110000000000) {
        case 0b000000000000:
          if (uimm6 == 0) return R();
          return make_i(Opcode::SRLI, rd_c, rd_c, static_cast<std::int32_t>(uimm6 & 63), 2);
        case 0b010000000000:
          if (uimm6 == 0) return R();
          return make_i(Opcode::SRAI, rd_c, rd_c, static_cast<std::int32_t>(uimm6 & 63), 2);
        case 0b100000000000:
          return make_i(Opcode::ANDI, rd_c, rd_c, imm6, 2);
        default:
          return R();
      }
    }
    case 0b1010000000000001: {  // c.j
      std::int32_t imm = static_cast<std::int32_t>(ubits(b, 3, 3, 1) | ubits(b, 11, 1, 4) | ubits(b, 2, 1, 5) |
                                                   ubits(b, 7, 1, 6) | ubits(b, 6, 1, 7) | ubits(b, 9, 2, 8) |
                                                   ubits(b, 8, 1, 10)) |
                         sbits(b, 12, 1, 11);
      return make_u(Opcode::JAL, 0, imm, 2);
    }
    case 0b1100000000000001:    // c.beqz
    case 0b1110000000000001: {  // c.bnez
      std::int32_t imm = static_cast<std::int32_t>(ubits(b, 3, 2, 1) | ubits(b, 10, 2, 3) | ubits(b, 2, 1, 5) |
                                                   ubits(b, 5, 2, 6)) |
                         sbits(b, 12, 1, 8);
      Opcode op = (b & 0b0010000000000000) ? Opcode::BNE : Opcode::BEQ;
      return make_s(op, rd_c, 0, imm, 2);
    }
    case 0b0000000000000010:  // c.slli
      if (rd_full != 0 && uimm6 != 0)
        return make_i(Opcode::SLLI, rd_full, rd_full, static_cast<std::int32_t>(uimm6 & 63), 2);
      return hint;
    case 0b0100000000000010: {  // c.lwsp
      if (rd_full == 0) return R();
      std::uint32_t off = ubits(b, 4, 3, 2) | ubits(b, 12, 1, 5) | ubits(b, 2, 2, 6);
      return make_i(ver(version, Opcode::LW_V0, Opcode::LW_V1), rd_full, registers::SP,
                    static_cast<std::int32_t>(off), 2);
    }
    case 0b0110000000000010: {  // c.ldsp
      if (rd_full == 0) return R();
      std::uint32_t off = ubits(b, 5, 2, 3) | ubits(b, 12, 1, 5) | ubits(b, 2, 3, 6);
      return make_i(ver(version, Opcode::LD_V0, Opcode::LD_V1), rd_full, registers::SP,
                    static_cast<std::int32_t>(off), 2);
    }
    case 0b1000000000000010: {  // c.jr / c.mv / c.ebreak / c.jalr / c.add
      const Opcode jalr = ver(version, Opcode::JALR_V0, Opcode::JALR_V1);
      if ((b & 0b0001000000000000) == 0) {
        if (rs2_full == 0) {
          if (rd_full == 0) return R();
          return make_i(jalr, 0, rd_full, 0, 2);
        }
        if (rd_full == 0) return hint;
        return make_r(Opcode::ADD, rd_full, 0, rs2_full, 2);
      }
      if (rs2_full == 0) {
        if (rd_full == 0) {
          Instruction e;
          e.op = Opcode::EBREAK;
          e.length = 2;
          return e;
        }
        return make_i(jalr, registers::RA, rd_full, 0, 2);
      }
      if (rd_full == 0) return hint;
      return make_r(Opcode::ADD, rd_full, rd_full, rs2_full, 2);
    }
    case 0b1100000000000010: {  // c.swsp
      std::uint32_t off = ubits(b, 9, 4, 2) | ubits(b, 7, 2, 6);
      return make_s(Opcode::SW, registers::SP, rs2_full, static_cast<std::int32_t>(off), 2);
    }
    case 0b1110000000000010: {  // c.sdsp
      std::uint32_t off = ubits(b, 10, 3, 3) | ubits(b, 7, 3, 6);
      return make_s(Opcode::SD, registers::SP, rs2_full, static_cast<std::int32_t>(off), 2);
    }
    default:
      return R();  // floating point forms and reserved encodings
  }
}

// ---- 32-bit encodings ------------------------------------------------------
constexpr std::optional<Instruction> decode_32(std::uint32_t b, std::uint8_t isa, std::uint32_t version) noexcept {
  using R = std::optional<Instruction>;
  const unsigned rd = bits(b, 7, 5), rs1 = bits(b, 15, 5), rs2 = bits(b, 20, 5);
  const unsigned f3 = bits(b, 12, 3), f7 = bits(b, 25, 7);
  const std::int32_t imm_i = sbits(b, 20, 12, 0);
  const bool has_b = (isa & ISA_B) != 0;
  const bool has_a = (isa & ISA_A) != 0;
  switch (b & 0x7f) {
    case 0b0110111: return make_u(Opcode::LUI, rd, sbits(b, 12, 20, 12));
    case 0b0010111: return make_u(Opcode::AUIPC, rd, sbits(b, 12, 20, 12));
    case 0b1101111: {
      std::int32_t imm = static_cast<std::int32_t>(ubits(b, 21, 10, 1) | ubits(b, 20, 1, 11) | ubits(b, 12, 8, 12)) |
                         sbits(b, 31, 1, 20);
      return make_u(Opcode::JAL, rd, imm);
    }
    case 0b1100111:
      if (f3 != 0) return R();
      return make_i(ver(version, Opcode::JALR_V0, Opcode::JALR_V1), rd, rs1, imm_i);
    case 0b0000011: {
      Opcode op;
      switch (f3) {
        case 0b000: op = ver(version, Opcode::LB_V0, Opcode::LB_V1); break;
        case 0b001: op = ver(version, Opcode::LH_V0, Opcode::LH_V1); break;
        case 0b010: op = ver(version, Opcode::LW_V0, Opcode::LW_V1); break;
        case 0b011: op = ver(version, Opcode::LD_V0, Opcode::LD_V1); break;
        case 0b100: op = ver(version, Opcode::LBU_V0, Opcode::LBU_V1); break;
        case 0b101: op = ver(version, Opcode::LHU_V0, Opcode::LHU_V1); break;
        case 0b110: op = ver(version, Opcode::LWU_V0, Opcode::LWU_V1); break;
        default: return R();
      }
      return make_i(op, rd, rs1, imm_i);
    }
    case 0b0010011: {
      switch (f3) {
        case 0b000: return make_i(Opcode::ADDI, rd, rs1, imm_i);
        case 0b010: return make_i(Opcode::SLTI, rd, rs1, imm_i);
        case 0b011: return make_i(Opcode::SLTIU, rd, rs1, imm_i);
        case 0b100: return make_i(Opcode::XORI, rd, rs1, imm_i);
        case 0b110: return make_i(Opcode::ORI, rd, rs1, imm_i);
        case 0b111: return make_i(Opcode::ANDI, rd, rs1, imm_i);
        default: break;
      }
      const unsigned top6 = f7 >> 1;
      const std::int32_t shamt = static_cast<std::int32_t>(bits(b, 20, 6));
      if (f3 == 0b001 && top6 == 0) return make_i(Opcode::SLLI, rd, rs1, shamt);
      if (f3 == 0b101 && top6 == 0) return make_i(Opcode::SRLI, rd, rs1, shamt);
      if (f3 == 0b101 && top6 == 0b010000) return make_i(Opcode::SRAI, rd, rs1, shamt);
      if (!has_b) return R();
      if (f7 == 0b0010100 && f3 == 0b101 && rs2 == 0b00111) return make_r(Opcode::ORCB, rd, rs1, rs2);
      if (f7 == 0b0110101 && f3 == 0b101 && rs2 == 0b11000) return make_r(Opcode::REV8, rd, rs1, rs2);
      if (f7 == 0b0110000 && f3 == 0b001) {
        switch (rs2) {
          case 0b00000: return make_r(Opcode::CLZ, rd, rs1, rs2);
          case 0b00001: return make_r(Opcode::CTZ, rd, rs1, rs2);
          case 0b00010: return make_r(Opcode::CPOP, rd, rs1, rs2);
          case 0b00100: return make_r(Opcode::SEXTB, rd, rs1, rs2);
          case 0b00101: return make_r(Opcode::SEXTH, rd, rs1, rs2);
          default: break;
        }
      }
      if (top6 == 0b010010 && f3 == 0b001) return make_i(Opcode::BCLRI, rd, rs1, shamt);
      if (top6 == 0b010010 && f3 == 0b101) return make_i(Opcode::BEXTI, rd, rs1, shamt);
      if (top6 == 0b011010 && f3 == 0b001) return make_i(Opcode::BINVI, rd, rs1, shamt);
      if (top6 == 0b001010 && f3 == 0b001) return make_i(Opcode::BSETI, rd, rs1, shamt);
      if (top6 == 0b011000 && f3 == 0b101) return make_i(Opcode::RORI, rd, rs1, shamt);
      return R();
    }
    case 0b1100011: {
      std::int32_t imm = static_cast<std::int32_t>(ubits(b, 8, 4, 1) | ubits(b, 25, 6, 5) | ubits(b, 7, 1, 11)) |
                         sbits(b, 31, 1, 12);
      Opcode op;
      switch (f3) {
        case 0b000: op = Opcode::BEQ; break;
        case 0b001: op = Opcode::BNE; break;
        case 0b100: op = Opcode::BLT; break;
        case 0b101: op = Opcode::BGE; break;
        case 0b110: op = Opcode::BLTU; break;
        case 0b111: op = Opcode::BGEU; break;
        default: return R();
      }
      return make_s(op, rs1, rs2, imm);
    }
    case 0b0100011: {
      std::int32_t imm = static_cast<std::int32_t>(bits(b, 7, 5)) | sbits(b, 25, 7, 5);
      Opcode op;
      switch (f3) {
        case 0b000: op = Opcode::SB; break;
        case 0b001: op = Opcode::SH; break;
        case 0b010: op = Opcode::SW; break;
        case 0b011: op = Opcode::SD; break;
        default: return R();
      }
      return make_s(op, rs1, rs2, imm);
    }
    case 0b0110011: {
      if (f7 == 0b0000000) {
        constexpr Opcode ops[8] = {Opcode::ADD, Opcode::SLL, Opcode::SLT, Opcode::SLTU,
                                   Opcode::XOR, Opcode::SRL, Opcode::OR,  Opcode::AND};
        return make_r(ops[f3], rd, rs1, rs2);
      }
      if (f7 == 0b0100000 && f3 == 0b000) return make_r(Opcode::SUB, rd, rs1, rs2);
      if (f7 == 0b0100000 && f3 == 0b101) return make_r(Opcode::SRA, rd, rs1, rs2);
      if (f7 == 0b0000001) {
        constexpr Opcode ops[8] = {Opcode::MUL, Opcode::MULH, Opcode::MULHSU, Opcode::MULHU,
                                   Opcode::DIV, Opcode::DIVU, Opcode::REM,    Opcode::REMU};
        return make_r(ops[f3], rd, rs1, rs2);
      }
      if (!has_b) return R();
      switch ((f7 << 3) | f3) {
        case (0b0100000 << 3) | 0b111: return make_r(Opcode::ANDN, rd, rs1, rs2);
        case (0b0100000 << 3) | 0b110: return make_r(Opcode::ORN, rd, rs1, rs2);
        case (0b0100000 << 3) | 0b100: return make_r(Opcode::XNOR, rd, rs1, rs2);
        case (0b0110000 << 3) | 0b001: return make_r(Opcode::ROL, rd, rs1, rs2);
        case (0b0110000 << 3) | 0b101: return make_r(Opcode::ROR, rd, rs1, rs2);
        case (0b0110100 << 3) | 0b001: return make_r(Opcode::BINV, rd, rs1, rs2);
        case (0b0010100 << 3) | 0b001: return make_r(Opcode::BSET, rd, rs1, rs2);
        case (0b0100100 << 3) | 0b001: return make_r(Opcode::BCLR, rd, rs1, rs2);
        case (0b0100100 << 3) | 0b101: return make_r(Opcode::BEXT, rd, rs1, rs2);
        case (0b0010000 << 3) | 0b010: return make_r(Opcode::SH1ADD, rd, rs1, rs2);
        case (0b0010000 << 3) | 0b100: return make_r(Opcode::SH2ADD, rd, rs1, rs2);
        case (0b0010000 << 3) | 0b110: return make_r(Opcode::SH3ADD, rd, rs1, rs2);
        case (0b0000101 << 3) | 0b001: return make_r(Opcode::CLMUL, rd, rs1, rs2);
        case (0b0000101 << 3) | 0b011: return make_r(Opcode::CLMULH, rd, rs1, rs2);
        case (0b0000101 << 3) | 0b010: return make_r(Opcode::CLMULR, rd, rs1, rs2);
        case (0b0000101 << 3) | 0b100: return make_r(Opcode::MIN, rd, rs1, rs2);
        case (0b0000101 << 3) | 0b101: return make_r(Opcode::MINU, rd, rs1, rs2);
        case (0b0000101 << 3) | 0b110: return make_r(Opcode::MAX, rd, rs1, rs2);
        case (0b0000101 << 3) | 0b111: return make_r(Opcode::MAXU, rd, rs1, rs2);
        default: return R();
      }
    }
    case 0b0001111:
      // FENCE.I exactly, or FENCE with rd, rs1 and funct3 all zero.
      if (b == 0x0000100f) {
        Instruction i;
        i.op = Opcode::FENCEI;
        return i;
      }
      if ((b & 0x000fffff) == 0x0000000f) {
        // fm/pred/succ are kept in rd/rs1/rs2 for disassembly only.
        return make_r(Opcode::FENCE, bits(b, 28, 4), bits(b, 24, 4), bits(b, 20, 4));
      }
      return R();
    case 0b1110011: {
      Instruction i;
      if (b == 0x00000073) { i.op = Opcode::ECALL; return i; }
      if (b == 0x00100073) { i.op = Opcode::EBREAK; return i; }
      return R();
    }
    case 0b0011011: {
      if (f3 == 0b000) return make_i(Opcode::ADDIW, rd, rs1, imm_i);
      const std::int32_t shamt5 = static_cast<std::int32_t>(bits(b, 20, 5));
      if (f3 == 0b001 && f7 == 0) return make_i(Opcode::SLLIW, rd, rs1, shamt5);
      if (f3 == 0b101 && f7 == 0) return make_i(Opcode::SRLIW, rd, rs1, shamt5);
      if (f3 == 0b101 && f7 == 0b0100000) return make_i(Opcode::SRAIW, rd, rs1, shamt5);
      if (!has_b) return R();
      if (f7 == 0b0110000 && f3 == 0b001) {
        switch (rs2) {
          case 0b00000: return make_r(Opcode::CLZW, rd, rs1, rs2);
          case 0b00001: return make_r(Opcode::CTZW, rd, rs1, rs2);
          case 0b00010: return make_r(Opcode::CPOPW, rd, rs1, rs2);
          default: return R();
        }
      }
      if (f7 == 0b0110000 && f3 == 0b101) return make_i(Opcode::RORIW, rd, rs1, shamt5);
      if (f7 != 0b0110000 && (f7 >> 1) == 0b000010 && f3 == 0b001)
        return make_i(Opcode::SLLIUW, rd, rs1, static_cast<std::int32_t>(bits(b, 20, 6)));
      return R();
    }
    case 0b0111011: {
      if (f7 == 0) {
        if (f3 == 0b000) return make_r(Opcode::ADDW, rd, rs1, rs2);
        if (f3 == 0b001) return make_r(Opcode::SLLW, rd, rs1, rs2);
        if (f3 == 0b101) return make_r(Opcode::SRLW, rd, rs1, rs2);
      }
      if (f7 == 0b0100000) {
        if (f3 == 0b000) return make_r(Opcode::SUBW, rd, rs1, rs2);
        if (f3 == 0b101) return make_r(Opcode::SRAW, rd, rs1, rs2);
      }
      if (f7 == 0b0000001) {
        switch (f3) {
          case 0b000: return make_r(Opcode::MULW, rd, rs1, rs2);
          case 0b100: return make_r(Opcode::DIVW, rd, rs1, rs2);
          case 0b101: return make_r(Opcode::DIVUW, rd, rs1, rs2);
          case 0b110: return make_r(Opcode::REMW, rd, rs1, rs2);
          case 0b111: return make_r(Opcode::REMUW, rd, rs1, rs2);
          default: return R();
        }
      }
      if (!has_b) return R();
      switch ((f7 << 3) | f3) {
        case (0b0000100 << 3) | 0b000: return make_r(Opcode::ADDUW, rd, rs1, rs2);
        case (0b0110000 << 3) | 0b001: return make_r(Opcode::ROLW, rd, rs1, rs2);
        case (0b0010000 << 3) | 0b010: return make_r(Opcode::SH1ADDUW, rd, rs1, rs2);
        case (0b0000100 << 3) | 0b100:
          if (rs2 != 0) return R();
          return make_r(Opcode::ZEXTH, rd, rs1, rs2);
        case (0b0010000 << 3) | 0b100: return make_r(Opcode::SH2ADDUW, rd, rs1, rs2);
        case (0b0110000 << 3) | 0b101: return make_r(Opcode::RORW, rd, rs1, rs2);
        case (0b0010000 << 3) | 0b110: return make_r(Opcode::SH3ADDUW, rd, rs1, rs2);
        default: return R();
      }
    }
    case 0b0101111: {
      if (!has_a) return R();
      const unsigned f5 = f7 >> 2;
      const bool w = f3 == 0b010, d = f3 == 0b011;
      if (!w && !d) return R();
      Opcode op;
      switch (f5) {
        case 0b00010:
          if (rs2 != 0) return R();
          op = w ? Opcode::LR_W : Opcode::LR_D;
          break;
        case 0b00011: op = w ? Opcode::SC_W : Opcode::SC_D; break;
        case 0b00001: op = w ? Opcode::AMOSWAP_W : Opcode::AMOSWAP_D; break;
        case 0b00000: op = w ? Opcode::AMOADD_W : Opcode::AMOADD_D; break;
        case 0b00100: op = w ? Opcode::AMOXOR_W : Opcode::AMOXOR_D; break;
        case 0b01100: op = w ? Opcode::AMOAND_W : Opcode::AMOAND_D; break;
        case 0b01000: op = w ? Opcode::AMOOR_W : Opcode::AMOOR_D; break;
        case 0b10000: op = w ? Opcode::AMOMIN_W : Opcode::AMOMIN_D; break;
        case 0b10100: op = w ? Opcode::AMOMAX_W : Opcode::AMOMAX_D; break;
        case 0b11000: op = w ? Opcode::AMOMINU_W : Opcode::AMOMINU_D; break;
        case 0b11100: op = w ? Opcode::AMOMAXU_W : Opcode::AMOMAXU_D; break;
        default: return R();
      }
      return make_r(op, rd, rs1, rs2);
    }
    default:
      return R();
  }
}

}  // namespace detail

// Decodes one instruction's bits (16-bit forms in the low half) as ckb-vm
// would for the given ISA flags and version; nullopt means InvalidInstruction.
constexpr std::optional<Instruction> decode_instruction(std::uint32_t bits, std::uint8_t isa,
                                                        std::uint32_t version) noexcept {
  if ((bits & 0b11) != 0b11) return detail::decode_rvc(bits & 0xffff, version);
  return detail::decode_32(bits, isa, version);
}

namespace detail {

// Reads the instruction bits at pc the way ckb-vm does: a 32-bit fetch when
// the whole word sits inside one page, otherwise 16 bits then (for a 32-bit
// instruction) 16 more from the next address. Permission and bound errors
// come from the memory's execute_load*.
template <class M>
Result<std::uint32_t> fetch_bits(M& memory, std::uint64_t pc) {
  if ((pc & (RISCV_PAGESIZE - 1)) < RISCV_PAGESIZE - 2) {
    auto w = memory.execute_load32(pc);
    if (!w.ok()) [[unlikely]] return w.error();
    std::uint32_t v = *w;
    if ((v & 0b11) != 0b11) v &= 0xffff;
    return v;
  }
  auto lo = memory.execute_load16(pc);
  if (!lo.ok()) return lo.error();
  std::uint32_t v = *lo;
  if ((v & 0b11) == 0b11) {
    auto hi = memory.execute_load16(pc + 2);
    if (!hi.ok()) return hi.error();
    v |= static_cast<std::uint32_t>(*hi) << 16;
  }
  return v;
}

}  // namespace detail

// ---- MOP fusion ------------------------------------------------------------
//
// A pass over a short window of raw (unfused) instructions: raw[0] at pc and
// the `valid` instructions that follow it contiguously (raw[k] at pc plus the
// lengths of raw[0..k)), each decoded once by the caller. Returns the fused
// instruction (or raw[0] itself) and sets `consumed` to the raw instructions
// it covers. ckb-vm 0.24's rules per version (decoder.rs); a look-ahead that
// is not there (invalid, outside memory or not executable) never fails the
// head: it just does not fuse.
namespace detail {

inline constexpr unsigned kFusionWindow = 5;  // the longest pattern (ADC, SBB)

// How many raw instructions the fusion rules may look at after `head`.
constexpr unsigned fusion_lookahead(Opcode head) noexcept {
  switch (head) {
    case Opcode::ADD: case Opcode::SUB:
      return kFusionWindow;
    case Opcode::LUI: case Opcode::AUIPC: case Opcode::MULH: case Opcode::MULHU: case Opcode::MULHSU:
    case Opcode::DIV: case Opcode::DIVU:
      return 2;
    default:
      return 1;
  }
}

constexpr Instruction fused_r(Opcode op, unsigned rd, unsigned rs1, unsigned rs2, unsigned rs3, unsigned length) noexcept {
  Instruction f = make_r(op, rd, rs1, rs2);
  f.rs3 = static_cast<std::uint8_t>(rs3);
  f.length = static_cast<std::uint8_t>(length);
  return f;
}
constexpr std::int32_t wrapping_add32(std::int32_t a, std::int32_t b) noexcept {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
}

constexpr Instruction fuse(const Instruction* raw, unsigned valid, std::uint64_t pc, std::uint32_t version,
                           unsigned& consumed) noexcept {
  using namespace registers;
  const Instruction& h = raw[0];
  const bool v2 = version >= VERSION2;
  consumed = 1;
  if (valid < 2) return h;
  const Instruction& n = raw[1];
  const unsigned len2 = h.length + n.length;
  switch (h.op) {
    case Opcode::ADD: {
      if (n.op != Opcode::SLTU) return h;
      // ADC: add r0,r0,r1 ; sltu r1,r0,r1 ; add r0,r0,r2 ; sltu r2,r0,r2 ; or r1,r1,r2
      if (valid >= 5 && h.rd == h.rs1 && h.rs1 != h.rs2 && n.rd == h.rs2 && h.rs2 == n.rs2 && n.rs1 == h.rs1) {
        const Instruction& k = raw[2];
        const Instruction& b = raw[3];
        const Instruction& t = raw[4];
        if (k.op == Opcode::ADD && k.rd == k.rs1 && k.rs1 == n.rs1 && k.rs2 != h.rs1 && k.rs2 != h.rs2 &&
            b.op == Opcode::SLTU && b.rd == b.rs2 && b.rs2 == k.rs2 && b.rs1 == k.rs1 && t.op == Opcode::OR &&
            t.rd == t.rs1 && t.rs1 == h.rs2 && t.rs2 == b.rs2 && h.rd != ZERO && n.rd != ZERO && b.rd != ZERO) {
          consumed = 5;
          Instruction f = make_r(Opcode::ADC, h.rd, n.rd, b.rd);
          f.length = static_cast<std::uint8_t>(len2 + k.length + b.length + t.length);
          return f;
        }
      }
      if (!v2) return h;
      // ADD3A/B/C (RFC 0049; the decoder, not the RFC text, is the authority).
      if (valid >= 3 && raw[2].op == Opcode::ADD) {
        const Instruction& i0 = h;
        const Instruction& i1 = n;
        const Instruction& i2 = raw[2];
        const unsigned len = len2 + i2.length;
        {
          // add r0,r1,r0 ; sltu r2,r0,r1 ; add r3,r2,r4
          unsigned r0 = i0.rd, r1 = i0.rs1, r2 = i1.rd, r3 = i2.rd, r4 = i2.rs2;
          if (i0.rs2 == r0 && i1.rs1 == r0 && i1.rs2 == r1 && i2.rs1 == r2 && r0 != r1 && r0 != r4 && r2 != r4 &&
              r0 != ZERO && r2 != ZERO) {
            consumed = 3;
            Instruction f = fused_r(Opcode::ADD3A, r0, r1, r2, r3, len);
            f.rs4 = static_cast<std::uint8_t>(r4);
            return f;
          }
        }
        {
          // add r0,r1,r2 ; sltu r1,r0,r1 ; add r3,r1,r4
          unsigned r0 = i0.rd, r1 = i0.rs1, r2 = i0.rs2, r3 = i2.rd, r4 = i2.rs2;
          if (i1.rd == r1 && i1.rs1 == r0 && i1.rs2 == r1 && i2.rs1 == r1 && r0 != r1 && r0 != r4 && r1 != r4 &&
              r0 != ZERO && r1 != ZERO) {
            consumed = 3;
            Instruction f = fused_r(Opcode::ADD3B, r0, r1, r2, r3, len);
            f.rs4 = static_cast<std::uint8_t>(r4);
            return f;
          }
        }
        {
          // add r0,r1,r2 ; sltu r3,r0,r1 ; add r3,r3,r4
          unsigned r0 = i0.rd, r1 = i0.rs1, r2 = i0.rs2, r3 = i1.rd, r4 = i2.rs2;
          if (i1.rs1 == r0 && i1.rs2 == r1 && i2.rd == r3 && i2.rs1 == r3 && r0 != r1 && r0 != r4 && r3 != r4 &&
              r0 != ZERO && r3 != ZERO) {
            consumed = 3;
            Instruction f = fused_r(Opcode::ADD3C, r0, r1, r2, r3, len);
            f.rs4 = static_cast<std::uint8_t>(r4);
            return f;
          }
        }
      }
      {
        // ADCS: add r0,r1,r2 (or add r0,r2,r1) ; sltu r3,r0,r1
        Instruction i0 = h;
        if (i0.rd == i0.rs1 && i0.rd != i0.rs2) std::swap(i0.rs1, i0.rs2);
        if (n.rs1 == i0.rd && n.rs2 == i0.rs1 && i0.rd != i0.rs1 && i0.rd != ZERO) {
          consumed = 2;
          return fused_r(Opcode::ADCS, i0.rd, i0.rs1, i0.rs2, n.rd, len2);
        }
      }
      return h;
    }
    case Opcode::SUB: {
      if (n.op != Opcode::SLTU) return h;
      // SBB: sub r1,r0,r1 ; sltu r3,r0,? ; sub r0,r1,r2 ; sltu r2,r1,r0 ; or r1,r2,r3.
      // ckb-vm 0.24 compares the sltu's rs2 with itself (always equal), so
      // the sltu's second operand is not constrained. Consensus keeps it.
      if (valid >= 5 && h.rd == h.rs2 && h.rs1 != h.rs2 && n.rd != h.rs1 && n.rd != h.rs2 && n.rs1 == h.rs1) {
        const Instruction& k = raw[2];
        const Instruction& b = raw[3];
        const Instruction& t = raw[4];
        if (k.op == Opcode::SUB && k.rd == h.rs1 && k.rs1 == h.rs2 && k.rs2 != h.rs1 && k.rs2 != h.rs2 &&
            k.rs2 != n.rd && b.op == Opcode::SLTU && b.rd == k.rs2 && b.rs1 == h.rs2 && b.rs2 == h.rs1 &&
            t.op == Opcode::OR && t.rd == h.rd && t.rs1 == k.rs2 && t.rs2 == n.rd && h.rs1 != ZERO &&
            h.rs2 != ZERO && k.rs2 != ZERO && n.rd != ZERO) {
          consumed = 5;
          return fused_r(Opcode::SBB, h.rs1, h.rs2, k.rs2, n.rd, len2 + k.length + b.length + t.length);
        }
      }
      // SBBS (VERSION2): sub r0,r1,r2 ; sltu r3,r1,r2   (r0 != r1, r0 != r2)
      if (v2 && n.rs1 == h.rs1 && n.rs2 == h.rs2 && h.rd != h.rs1 && h.rd != h.rs2) {
        consumed = 2;
        return fused_r(Opcode::SBBS, h.rd, h.rs1, h.rs2, n.rd, len2);
      }
      return h;
    }
    case Opcode::LUI:
      if (n.op == Opcode::JALR_V1) {
        // VERSION1 fuses with any rs1 == lui.rd and rd == ra, so a non-ra lui
        // destination is never written (kept for V1, ckb-vm PR 245). VERSION2
        // also requires rs1 == ra. The sum wraps in 32 bits in every version.
        if (n.rs1 == h.rd && n.rd == RA && (!v2 || n.rs1 == RA)) {
          consumed = 2;
          return make_u(Opcode::FAR_JUMP_ABS, RA, wrapping_add32(h.imm, n.imm), static_cast<std::uint8_t>(len2));
        }
        return h;
      }
      if (n.op == Opcode::ADDIW && n.rs1 == n.rd && n.rd == h.rd) {
        consumed = 2;
        return make_u(Opcode::CUSTOM_LOAD_IMM, h.rd, wrapping_add32(h.imm, n.imm), static_cast<std::uint8_t>(len2));
      }
      return h;
    case Opcode::AUIPC:
      if (n.op == Opcode::JALR_V1) {
        if (v2) {
          if (n.rs1 == h.rd && n.rd == RA && n.rs1 == RA) {
            const std::int64_t sum = std::int64_t{h.imm} + n.imm;
            if (sum >= INT32_MIN && sum <= INT32_MAX) {
              consumed = 2;
              return make_u(Opcode::FAR_JUMP_REL, RA, static_cast<std::int32_t>(sum), static_cast<std::uint8_t>(len2));
            }
          }
        } else if (n.rs1 == h.rd && n.rd == RA) {
          // VERSION1: 32-bit wrapping sum and any auipc destination (ckb-vm
          // keeps both for V1; fixed in V2 by RFC 0049).
          consumed = 2;
          return make_u(Opcode::FAR_JUMP_REL, RA, wrapping_add32(h.imm, n.imm), static_cast<std::uint8_t>(len2));
        }
        return h;
      }
      if (n.op == Opcode::ADDI && v2 && n.rs1 == n.rd && n.rd == h.rd && pc <= INT32_MAX) {
        std::int64_t sum = std::int64_t{h.imm} + n.imm;
        if (sum >= INT32_MIN && sum <= INT32_MAX) {
          sum += static_cast<std::int64_t>(pc);
          if (sum >= INT32_MIN && sum <= INT32_MAX) {
            consumed = 2;
            return make_u(Opcode::CUSTOM_LOAD_IMM, h.rd, static_cast<std::int32_t>(sum), static_cast<std::uint8_t>(len2));
          }
        }
      }
      return h;
    case Opcode::MULH: case Opcode::MULHU: case Opcode::MULHSU: case Opcode::DIV: case Opcode::DIVU: {
      Opcode second, fused;
      switch (h.op) {
        case Opcode::MULH: second = Opcode::MUL; fused = Opcode::WIDE_MUL; break;
        case Opcode::MULHU: second = Opcode::MUL; fused = Opcode::WIDE_MULU; break;
        case Opcode::MULHSU: second = Opcode::MUL; fused = Opcode::WIDE_MULSU; break;
        case Opcode::DIV: second = Opcode::REM; fused = Opcode::WIDE_DIV; break;
        default: second = Opcode::REMU; fused = Opcode::WIDE_DIVU; break;
      }
      if (n.op == second && h.rd != h.rs1 && h.rd != h.rs2 && h.rs1 == n.rs1 && h.rs2 == n.rs2 && h.rd != n.rd) {
        consumed = 2;
        return fused_r(fused, h.rd, h.rs1, h.rs2, n.rd, len2);
      }
      return h;
    }
    default:
      return h;
  }
}

}  // namespace detail

// The pure decoder of one machine configuration (ISA flags, version): raw
// bits -> Instruction, with MOP fusion when the ISA has it. It applies no
// cost function, keeps no cache and never rewrites registers; the engine's
// block builder (detail/code_cache.hpp) does those, in one place.
class InstructionDecoder {
 public:
  InstructionDecoder(std::uint8_t isa, std::uint32_t version) noexcept
      : isa_(isa), version_(version), mop_((isa & ISA_MOP) != 0) {}

  std::uint8_t isa() const noexcept { return isa_; }
  std::uint32_t version() const noexcept { return version_; }
  bool mop() const noexcept { return mop_; }

  // Unfused decode of the instruction at pc (ckb-vm's decode_raw): memory
  // errors if pc is outside memory or not executable, InvalidInstruction if
  // the bits are rejected.
  template <class M>
  Result<Instruction> decode_raw(M& memory, std::uint64_t pc) const {
    if (pc >= memory.memory_size()) return Error::at_address(ErrorCode::MemOutOfBound, pc);
    auto b = detail::fetch_bits(memory, pc);
    if (!b.ok()) return b.error();
    auto inst = decode_instruction(*b, isa_, version_);
    if (!inst) return Error::invalid_instruction(pc, *b);
    return *inst;
  }

  // decode_raw without the error: false where decode_raw fails.
  template <class M>
  bool try_decode_raw(M& memory, std::uint64_t pc, Instruction& out) const {
    if (pc >= memory.memory_size()) [[unlikely]] return false;
    auto b = detail::fetch_bits(memory, pc);
    if (!b.ok()) [[unlikely]] return false;
    auto inst = decode_instruction(*b, isa_, version_);
    if (!inst) [[unlikely]] return false;
    out = *inst;
    return true;
  }

  // The (with MOP, fused) instruction at pc; cycles are left 0.
  template <class M>
  Result<Instruction> decode(M& memory, std::uint64_t pc) const {
    Stream<M> s(*this, memory, pc);
    return s.next();
  }

  // Decodes consecutive instructions from pc, each raw word once: the fusion
  // window keeps the raw instructions it looked ahead at for the next call.
  template <class M>
  class Stream {
   public:
    Stream(const InstructionDecoder& d, M& memory, std::uint64_t pc) noexcept : d_(d), mem_(memory), pc_(pc) {}

    std::uint64_t pc() const noexcept { return pc_; }

    // Moves past `length` bytes that the caller took from elsewhere (the
    // window is dropped).
    void skip(unsigned length) noexcept {
      pc_ += length;
      count_ = 0;
      stop_ = false;
    }

    // The instruction at pc(), then moves past it.
    Result<Instruction> next() {
      Instruction out;
      if (!next(out)) [[unlikely]] return d_.decode_raw(mem_, pc_).error();
      return out;
    }

    // As next(), without the error: false (and pc() unchanged) when the
    // instruction at pc() does not decode.
    bool next(Instruction& out) {
      if (count_ == 0) {
        if (!d_.try_decode_raw(mem_, pc_, raw_[0])) [[unlikely]] return false;
        count_ = 1;
        end_ = pc_ + raw_[0].length;
      }
      unsigned consumed = 1;
      if (d_.mop_) {
        const unsigned want = detail::fusion_lookahead(raw_[0].op);
        while (count_ < want && !stop_) {
          if (!d_.try_decode_raw(mem_, end_, raw_[count_])) {
            stop_ = true;  // a look-ahead that fails only ends the window
            break;
          }
          end_ += raw_[count_++].length;
        }
        out = count_ > 1 ? detail::fuse(raw_, count_, pc_, d_.version_, consumed) : raw_[0];
      } else {
        out = raw_[0];
      }
      count_ -= consumed;
      for (unsigned k = 0; k < count_; ++k) raw_[k] = raw_[k + consumed];
      if (count_ == 0) stop_ = false;  // decode afresh (and report) at the next head
      pc_ += out.length;
      return true;
    }

   private:
    const InstructionDecoder& d_;
    M& mem_;
    std::uint64_t pc_;
    std::uint64_t end_ = 0;  // address after raw_[count_ - 1]
    Instruction raw_[detail::kFusionWindow];
    unsigned count_ = 0;
    bool stop_ = false;  // the raw instruction at end_ does not decode
  };

 private:
  std::uint8_t isa_;
  std::uint32_t version_;
  bool mop_;
};

// A decoder with a cost function, for tools that decode outside the engine
// (tracers, disassemblers, models of ckb-vm engines): decode() returns the
// instruction with its cycles filled in. It keeps no cache.
class Decoder {
 public:
  Decoder(std::uint8_t isa, std::uint32_t version, InstructionCycleFunc cost = zero_cycles)
      : inner_(isa, version), cost_(cost) {}

  std::uint8_t isa() const noexcept { return inner_.isa(); }
  std::uint32_t version() const noexcept { return inner_.version(); }

  // Kept for callers written against the cached decoder; there is nothing to drop.
  void reset_cache() noexcept {}

  // Decoded (and, with MOP, fused) instruction at pc, with its cycle cost.
  template <class M>
  Result<Instruction> decode(M& memory, std::uint64_t pc) const {
    auto r = inner_.decode(memory, pc);
    if (r.ok()) r->cycles = cycles_field(cost_(*r));
    return r;
  }

  // Cycles of a decoded instruction. Costs too large for the record's field
  // are marked and recomputed here (only absurd cost functions hit this).
  std::uint64_t cycles_of(const Instruction& i) const {
    if (i.cycles != COST_NOT_CACHED) [[likely]] return i.cycles;
    return cost_(i);
  }

  template <class M>
  Result<Instruction> decode_raw(M& memory, std::uint64_t pc) const {
    return inner_.decode_raw(memory, pc);
  }

  // The value an Instruction's cycles field holds for a cost: the cost, or
  // COST_NOT_CACHED when it does not fit (then cycles_of calls the function).
  static constexpr std::uint32_t COST_NOT_CACHED = ~std::uint32_t{0};
  static constexpr std::uint32_t cycles_field(std::uint64_t c) noexcept {
    return c < COST_NOT_CACHED ? static_cast<std::uint32_t>(c) : COST_NOT_CACHED;
  }

 private:
  InstructionDecoder inner_;
  InstructionCycleFunc cost_;
};

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
