// The decoded-instruction record shared by the decoder, the cost model and
// the executor. RISC-V bits are decoded once into this compact form (opcode,
// register indices, immediate, byte length, cycle cost); the executor never
// looks at raw bits again. Opcodes are this library's own numbering; where
// ckb-vm behaves differently per VM version the decoder picks a distinct
// opcode (e.g. LB_V0 vs LB_V1), so version quirks cost nothing at run time.
#pragma once

#include "detail/config.hpp"

#include <cstdint>
#include <string_view>

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

// X(name, mnemonic). Order is irrelevant to behaviour.
#define CKB_VM_OPCODES(X)                                                      \
  /* RV64I */                                                                  \
  X(ADD, "add") X(ADDW, "addw") X(SUB, "sub") X(SUBW, "subw")                  \
  X(AND, "and") X(OR, "or") X(XOR, "xor")                                      \
  X(SLL, "sll") X(SLLW, "sllw") X(SRL, "srl") X(SRLW, "srlw")                  \
  X(SRA, "sra") X(SRAW, "sraw") X(SLT, "slt") X(SLTU, "sltu")                  \
  X(ADDI, "addi") X(ADDIW, "addiw") X(ANDI, "andi") X(ORI, "ori")              \
  X(XORI, "xori") X(SLTI, "slti") X(SLTIU, "sltiu")                            \
  X(SLLI, "slli") X(SRLI, "srli") X(SRAI, "srai")                              \
  X(SLLIW, "slliw") X(SRLIW, "srliw") X(SRAIW, "sraiw")                        \
  X(LUI, "lui") X(AUIPC, "auipc")                                              \
  X(LB_V0, "lb") X(LH_V0, "lh") X(LW_V0, "lw") X(LD_V0, "ld")                  \
  X(LBU_V0, "lbu") X(LHU_V0, "lhu") X(LWU_V0, "lwu")                           \
  X(LB_V1, "lb") X(LH_V1, "lh") X(LW_V1, "lw") X(LD_V1, "ld")                  \
  X(LBU_V1, "lbu") X(LHU_V1, "lhu") X(LWU_V1, "lwu")                           \
  X(SB, "sb") X(SH, "sh") X(SW, "sw") X(SD, "sd")                              \
  X(BEQ, "beq") X(BNE, "bne") X(BLT, "blt") X(BGE, "bge")                      \
  X(BLTU, "bltu") X(BGEU, "bgeu")                                              \
  X(JAL, "jal") X(JALR_V0, "jalr") X(JALR_V1, "jalr")                          \
  X(FENCE, "fence") X(FENCEI, "fence.i") X(ECALL, "ecall") X(EBREAK, "ebreak") \
  /* M */                                                                      \
  X(MUL, "mul") X(MULW, "mulw") X(MULH, "mulh") X(MULHSU, "mulhsu")            \
  X(MULHU, "mulhu") X(DIV, "div") X(DIVW, "divw") X(DIVU, "divu")              \
  X(DIVUW, "divuw") X(REM, "rem") X(REMW, "remw") X(REMU, "remu")              \
  X(REMUW, "remuw")                                                            \
  /* A */                                                                      \
  X(LR_W, "lr.w") X(SC_W, "sc.w") X(AMOSWAP_W, "amoswap.w")                    \
  X(AMOADD_W, "amoadd.w") X(AMOXOR_W, "amoxor.w") X(AMOAND_W, "amoand.w")      \
  X(AMOOR_W, "amoor.w") X(AMOMIN_W, "amomin.w") X(AMOMAX_W, "amomax.w")        \
  X(AMOMINU_W, "amominu.w") X(AMOMAXU_W, "amomaxu.w")                          \
  X(LR_D, "lr.d") X(SC_D, "sc.d") X(AMOSWAP_D, "amoswap.d")                    \
  X(AMOADD_D, "amoadd.d") X(AMOXOR_D, "amoxor.d") X(AMOAND_D, "amoand.d")      \
  X(AMOOR_D, "amoor.d") X(AMOMIN_D, "amomin.d") X(AMOMAX_D, "amomax.d")        \
  X(AMOMINU_D, "amominu.d") X(AMOMAXU_D, "amomaxu.d")                          \
  /* B: Zba */                                                                 \
  X(ADDUW, "add.uw") X(SH1ADD, "sh1add") X(SH2ADD, "sh2add")                   \
  X(SH3ADD, "sh3add") X(SH1ADDUW, "sh1add.uw") X(SH2ADDUW, "sh2add.uw")        \
  X(SH3ADDUW, "sh3add.uw") X(SLLIUW, "slli.uw")                                \
  /* B: Zbb */                                                                 \
  X(ANDN, "andn") X(ORN, "orn") X(XNOR, "xnor") X(CLZ, "clz") X(CLZW, "clzw")  \
  X(CTZ, "ctz") X(CTZW, "ctzw") X(CPOP, "cpop") X(CPOPW, "cpopw")              \
  X(MAX, "max") X(MAXU, "maxu") X(MIN, "min") X(MINU, "minu")                  \
  X(SEXTB, "sext.b") X(SEXTH, "sext.h") X(ZEXTH, "zext.h")                     \
  X(ROL, "rol") X(ROLW, "rolw") X(ROR, "ror") X(RORI, "rori")                  \
  X(RORIW, "roriw") X(RORW, "rorw") X(ORCB, "orc.b") X(REV8, "rev8")           \
  /* B: Zbc */                                                                 \
  X(CLMUL, "clmul") X(CLMULH, "clmulh") X(CLMULR, "clmulr")                    \
  /* B: Zbs */                                                                 \
  X(BCLR, "bclr") X(BCLRI, "bclri") X(BEXT, "bext") X(BEXTI, "bexti")          \
  X(BINV, "binv") X(BINVI, "binvi") X(BSET, "bset") X(BSETI, "bseti")          \
  /* MOP: fused macro-ops (see decoder.hpp for the patterns) */                \
  X(WIDE_MUL, "wide_mul") X(WIDE_MULU, "wide_mulu")                            \
  X(WIDE_MULSU, "wide_mulsu") X(WIDE_DIV, "wide_div")                          \
  X(WIDE_DIVU, "wide_divu") X(FAR_JUMP_REL, "far_jump_rel")                    \
  X(FAR_JUMP_ABS, "far_jump_abs") X(ADC, "adc") X(SBB, "sbb")                  \
  X(ADCS, "adcs") X(SBBS, "sbbs") X(ADD3A, "add3a") X(ADD3B, "add3b")          \
  X(ADD3C, "add3c") X(CUSTOM_LOAD_IMM, "custom_load_imm")                     \
  /* internal: terminates a pre-decoded trace; never produced by decoding */ \
  X(TRACE_END, "<trace end>")

enum class Opcode : std::uint8_t {
#define CKB_VM_OPCODE_ENUM(name, mnemonic) name,
  CKB_VM_OPCODES(CKB_VM_OPCODE_ENUM)
#undef CKB_VM_OPCODE_ENUM
      COUNT_
};

inline constexpr std::size_t OPCODE_COUNT = static_cast<std::size_t>(Opcode::COUNT_);

constexpr std::string_view opcode_mnemonic(Opcode op) noexcept {
  constexpr std::string_view names[] = {
#define CKB_VM_OPCODE_NAME(name, mnemonic) mnemonic,
      CKB_VM_OPCODES(CKB_VM_OPCODE_NAME)
#undef CKB_VM_OPCODE_NAME
  };
  auto i = static_cast<std::size_t>(op);
  return i < OPCODE_COUNT ? names[i] : std::string_view("unknown");
}

constexpr std::string_view opcode_name(Opcode op) noexcept {
  constexpr std::string_view names[] = {
#define CKB_VM_OPCODE_ID(name, mnemonic) #name,
      CKB_VM_OPCODES(CKB_VM_OPCODE_ID)
#undef CKB_VM_OPCODE_ID
  };
  auto i = static_cast<std::size_t>(op);
  return i < OPCODE_COUNT ? names[i] : std::string_view("UNKNOWN");
}

// One decoded (possibly fused) instruction. Register fields hold 0..31.
// Field use by format:
//   R-type: rd, rs1, rs2.   I-type: rd, rs1, imm.   S/B-type: rs1, rs2, imm.
//   U/J-type: rd, imm.      R4 (wide mul/div, ADCS, SBBS, SBB): rd, rs1, rs2, rs3.
//   R5 (ADD3A/B/C): rd, rs1, rs2, rs3, rs4.
struct Instruction {
  Opcode op = Opcode::ADDI;
  std::uint8_t rd = 0;
  std::uint8_t rs1 = 0;
  std::uint8_t rs2 = 0;
  std::uint8_t rs3 = 0;
  std::uint8_t rs4 = 0;
  std::uint8_t length = 4;  // bytes covered: 2 or 4, up to 20 for fused ops
  std::uint8_t reserved = 0;
  std::int32_t imm = 0;
  // Cycle cost from the machine's instruction cycle function, filled in when
  // the instruction enters the decode cache so the hot loop never calls it.
  std::uint32_t cycles = 0;

  friend constexpr bool operator==(const Instruction& a, const Instruction& b) noexcept {
    return a.op == b.op && a.rd == b.rd && a.rs1 == b.rs1 && a.rs2 == b.rs2 && a.rs3 == b.rs3 &&
           a.rs4 == b.rs4 && a.length == b.length && a.imm == b.imm;
  }
};

static_assert(sizeof(Instruction) == 16);

// Ops that end a basic block (change control flow or leave the interpreter).
constexpr bool is_block_end(Opcode op) noexcept {
  switch (op) {
    case Opcode::BEQ: case Opcode::BNE: case Opcode::BLT: case Opcode::BGE:
    case Opcode::BLTU: case Opcode::BGEU: case Opcode::JAL: case Opcode::JALR_V0:
    case Opcode::JALR_V1: case Opcode::ECALL: case Opcode::EBREAK:
    case Opcode::FAR_JUMP_REL: case Opcode::FAR_JUMP_ABS:
      return true;
    default:
      return false;
  }
}

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
