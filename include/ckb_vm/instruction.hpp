// The decoded-instruction record shared by the decoder, the cost model and
// the executor. RISC-V bits are decoded once into this compact form (opcode,
// register indices, immediate, byte length, cycle cost); the executor never
// looks at raw bits again. Opcodes are this library's own numbering; where
// ckb-vm behaves differently per VM version the decoder picks a distinct
// opcode (e.g. LB_V0 vs LB_V1), so version quirks cost nothing at run time.
#pragma once

#include "detail/config.hpp"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

// How an opcode's operands are written (the disassembler's layouts; the
// comment says which Instruction fields each one reads).
enum class OperandFormat : std::uint8_t {
  none,          // ecall, ebreak, fence.i
  r,             // rd, rs1, rs2
  r_unary,       // rd, rs1                         (clz, sext.b, rev8, ...)
  i,             // rd, rs1, imm (signed decimal)
  shift,         // rd, rs1, imm (shift amount / bit index)
  u,             // rd, imm >> 12 (hex, 20 bits)    (lui, auipc)
  load,          // rd, imm(rs1)
  store,         // rs2, imm(rs1)
  branch,        // rs1, rs2, target
  jal,           // rd, target
  jalr,          // rd, imm(rs1)
  fence,         // pred, succ                      (fm/pred/succ in rd/rs1/rs2)
  lr,            // rd, (rs1)
  amo,           // rd, rs2, (rs1)                  (sc and amo*)
  r4,            // rd, rs1, rs2, rs3               (wide_*, sbb, adcs, sbbs)
  r5,            // rd, rs1, rs2, rs3, rs4          (add3a/b/c)
  far_jump_rel,  // rd (ra), target                 (auipc + jalr, pc-relative)
  far_jump_abs,  // rd (ra), absolute target        (lui + jalr)
  load_imm,      // rd, value (hex)                 (custom_load_imm)
  internal,      // TRACE_SLOT, TRACE_END: never produced by decoding
};

// Trait bits of an opcode (the last column of CKB_VM_OPCODES).
namespace opcode_traits {
inline constexpr std::uint8_t ENDS_BLOCK = 1;   // control transfer, ecall or ebreak: a basic block ends after it
// Not a block end, but ckb-vm 0.24's trace builders stop after it (AUIPC,
// FENCE, FENCE.I: with the block ends, its OP_AUIPC..=OP_FAR_JUMP_ABS range).
inline constexpr std::uint8_t ENDS_TRACE = 2;
inline constexpr std::uint8_t PC_RELATIVE = 4;  // its result or target depends on its own pc
inline constexpr std::uint8_t JUMP = 8;         // unconditional jump (jal, jalr, far_jump_*): calls and returns
inline constexpr std::uint8_t WRITES_RS3 = 16;  // fused op writing a second destination in rs3
}  // namespace opcode_traits

// The one opcode table: X(name, mnemonic, operand format, cycles under ckb-vm
// 0.24's estimate cost model (cost_model.rs), traits). The decoder picks the
// opcode, and the disassembler, cost model, block builder and profiler read
// the other columns. Order is irrelevant to behaviour.
#define CKB_VM_OPCODES(X)                                                                   \
  /* RV64I */                                                                               \
  X(ADD,             "add",             r,              1, 0)                               \
  X(ADDW,            "addw",            r,              1, 0)                               \
  X(SUB,             "sub",             r,              1, 0)                               \
  X(SUBW,            "subw",            r,              1, 0)                               \
  X(AND,             "and",             r,              1, 0)                               \
  X(OR,              "or",              r,              1, 0)                               \
  X(XOR,             "xor",             r,              1, 0)                               \
  X(SLL,             "sll",             r,              1, 0)                               \
  X(SLLW,            "sllw",            r,              1, 0)                               \
  X(SRL,             "srl",             r,              1, 0)                               \
  X(SRLW,            "srlw",            r,              1, 0)                               \
  X(SRA,             "sra",             r,              1, 0)                               \
  X(SRAW,            "sraw",            r,              1, 0)                               \
  X(SLT,             "slt",             r,              1, 0)                               \
  X(SLTU,            "sltu",            r,              1, 0)                               \
  X(ADDI,            "addi",            i,              1, 0)                               \
  X(ADDIW,           "addiw",           i,              1, 0)                               \
  X(ANDI,            "andi",            i,              1, 0)                               \
  X(ORI,             "ori",             i,              1, 0)                               \
  X(XORI,            "xori",            i,              1, 0)                               \
  X(SLTI,            "slti",            i,              1, 0)                               \
  X(SLTIU,           "sltiu",           i,              1, 0)                               \
  X(SLLI,            "slli",            shift,          1, 0)                               \
  X(SRLI,            "srli",            shift,          1, 0)                               \
  X(SRAI,            "srai",            shift,          1, 0)                               \
  X(SLLIW,           "slliw",           shift,          1, 0)                               \
  X(SRLIW,           "srliw",           shift,          1, 0)                               \
  X(SRAIW,           "sraiw",           shift,          1, 0)                               \
  X(LUI,             "lui",             u,              1, 0)                               \
  X(AUIPC,           "auipc",           u,              1, ENDS_TRACE | PC_RELATIVE)        \
  X(LB_V0,           "lb",              load,           3, 0)                               \
  X(LH_V0,           "lh",              load,           3, 0)                               \
  X(LW_V0,           "lw",              load,           3, 0)                               \
  X(LD_V0,           "ld",              load,           2, 0)                               \
  X(LBU_V0,          "lbu",             load,           3, 0)                               \
  X(LHU_V0,          "lhu",             load,           3, 0)                               \
  X(LWU_V0,          "lwu",             load,           3, 0)                               \
  X(LB_V1,           "lb",              load,           3, 0)                               \
  X(LH_V1,           "lh",              load,           3, 0)                               \
  X(LW_V1,           "lw",              load,           3, 0)                               \
  X(LD_V1,           "ld",              load,           2, 0)                               \
  X(LBU_V1,          "lbu",             load,           3, 0)                               \
  X(LHU_V1,          "lhu",             load,           3, 0)                               \
  X(LWU_V1,          "lwu",             load,           3, 0)                               \
  X(SB,              "sb",              store,          3, 0)                               \
  X(SH,              "sh",              store,          3, 0)                               \
  X(SW,              "sw",              store,          3, 0)                               \
  X(SD,              "sd",              store,          2, 0)                               \
  X(BEQ,             "beq",             branch,         3, ENDS_BLOCK | PC_RELATIVE)        \
  X(BNE,             "bne",             branch,         3, ENDS_BLOCK | PC_RELATIVE)        \
  X(BLT,             "blt",             branch,         3, ENDS_BLOCK | PC_RELATIVE)        \
  X(BGE,             "bge",             branch,         3, ENDS_BLOCK | PC_RELATIVE)        \
  X(BLTU,            "bltu",            branch,         3, ENDS_BLOCK | PC_RELATIVE)        \
  X(BGEU,            "bgeu",            branch,         3, ENDS_BLOCK | PC_RELATIVE)        \
  X(JAL,             "jal",             jal,            3, ENDS_BLOCK | PC_RELATIVE | JUMP) \
  X(JALR_V0,         "jalr",            jalr,           3, ENDS_BLOCK | JUMP)               \
  X(JALR_V1,         "jalr",            jalr,           3, ENDS_BLOCK | JUMP)               \
  X(FENCE,           "fence",           fence,          1, ENDS_TRACE)                      \
  X(FENCEI,          "fence.i",         none,           1, ENDS_TRACE)                      \
  X(ECALL,           "ecall",           none,         500, ENDS_BLOCK)                      \
  X(EBREAK,          "ebreak",          none,         500, ENDS_BLOCK)                      \
  /* M */                                                                                   \
  X(MUL,             "mul",             r,              5, 0)                               \
  X(MULW,            "mulw",            r,              5, 0)                               \
  X(MULH,            "mulh",            r,              5, 0)                               \
  X(MULHSU,          "mulhsu",          r,              5, 0)                               \
  X(MULHU,           "mulhu",           r,              5, 0)                               \
  X(DIV,             "div",             r,             32, 0)                               \
  X(DIVW,            "divw",            r,             32, 0)                               \
  X(DIVU,            "divu",            r,             32, 0)                               \
  X(DIVUW,           "divuw",           r,             32, 0)                               \
  X(REM,             "rem",             r,             32, 0)                               \
  X(REMW,            "remw",            r,             32, 0)                               \
  X(REMU,            "remu",            r,             32, 0)                               \
  X(REMUW,           "remuw",           r,             32, 0)                               \
  /* A */                                                                                   \
  X(LR_W,            "lr.w",            lr,             4, 0)                               \
  X(SC_W,            "sc.w",            amo,            4, 0)                               \
  X(AMOSWAP_W,       "amoswap.w",       amo,            4, 0)                               \
  X(AMOADD_W,        "amoadd.w",        amo,            4, 0)                               \
  X(AMOXOR_W,        "amoxor.w",        amo,            4, 0)                               \
  X(AMOAND_W,        "amoand.w",        amo,            4, 0)                               \
  X(AMOOR_W,         "amoor.w",         amo,            4, 0)                               \
  X(AMOMIN_W,        "amomin.w",        amo,            4, 0)                               \
  X(AMOMAX_W,        "amomax.w",        amo,            4, 0)                               \
  X(AMOMINU_W,       "amominu.w",       amo,            4, 0)                               \
  X(AMOMAXU_W,       "amomaxu.w",       amo,            4, 0)                               \
  X(LR_D,            "lr.d",            lr,             3, 0)                               \
  X(SC_D,            "sc.d",            amo,            3, 0)                               \
  X(AMOSWAP_D,       "amoswap.d",       amo,            3, 0)                               \
  X(AMOADD_D,        "amoadd.d",        amo,            3, 0)                               \
  X(AMOXOR_D,        "amoxor.d",        amo,            3, 0)                               \
  X(AMOAND_D,        "amoand.d",        amo,            3, 0)                               \
  X(AMOOR_D,         "amoor.d",         amo,            3, 0)                               \
  X(AMOMIN_D,        "amomin.d",        amo,            3, 0)                               \
  X(AMOMAX_D,        "amomax.d",        amo,            3, 0)                               \
  X(AMOMINU_D,       "amominu.d",       amo,            3, 0)                               \
  X(AMOMAXU_D,       "amomaxu.d",       amo,            3, 0)                               \
  /* B: Zba */                                                                              \
  X(ADDUW,           "add.uw",          r,              1, 0)                               \
  X(SH1ADD,          "sh1add",          r,              1, 0)                               \
  X(SH2ADD,          "sh2add",          r,              1, 0)                               \
  X(SH3ADD,          "sh3add",          r,              1, 0)                               \
  X(SH1ADDUW,        "sh1add.uw",       r,              1, 0)                               \
  X(SH2ADDUW,        "sh2add.uw",       r,              1, 0)                               \
  X(SH3ADDUW,        "sh3add.uw",       r,              1, 0)                               \
  X(SLLIUW,          "slli.uw",         shift,          1, 0)                               \
  /* B: Zbb */                                                                              \
  X(ANDN,            "andn",            r,              1, 0)                               \
  X(ORN,             "orn",             r,              1, 0)                               \
  X(XNOR,            "xnor",            r,              1, 0)                               \
  X(CLZ,             "clz",             r_unary,        1, 0)                               \
  X(CLZW,            "clzw",            r_unary,        1, 0)                               \
  X(CTZ,             "ctz",             r_unary,        1, 0)                               \
  X(CTZW,            "ctzw",            r_unary,        1, 0)                               \
  X(CPOP,            "cpop",            r_unary,        1, 0)                               \
  X(CPOPW,           "cpopw",           r_unary,        1, 0)                               \
  X(MAX,             "max",             r,              1, 0)                               \
  X(MAXU,            "maxu",            r,              1, 0)                               \
  X(MIN,             "min",             r,              1, 0)                               \
  X(MINU,            "minu",            r,              1, 0)                               \
  X(SEXTB,           "sext.b",          r_unary,        1, 0)                               \
  X(SEXTH,           "sext.h",          r_unary,        1, 0)                               \
  X(ZEXTH,           "zext.h",          r_unary,        1, 0)                               \
  X(ROL,             "rol",             r,              1, 0)                               \
  X(ROLW,            "rolw",            r,              1, 0)                               \
  X(ROR,             "ror",             r,              1, 0)                               \
  X(RORI,            "rori",            shift,          1, 0)                               \
  X(RORIW,           "roriw",           shift,          1, 0)                               \
  X(RORW,            "rorw",            r,              1, 0)                               \
  X(ORCB,            "orc.b",           r_unary,        1, 0)                               \
  X(REV8,            "rev8",            r_unary,        1, 0)                               \
  /* B: Zbc */                                                                              \
  X(CLMUL,           "clmul",           r,              1, 0)                               \
  X(CLMULH,          "clmulh",          r,              1, 0)                               \
  X(CLMULR,          "clmulr",          r,              1, 0)                               \
  /* B: Zbs */                                                                              \
  X(BCLR,            "bclr",            r,              1, 0)                               \
  X(BCLRI,           "bclri",           shift,          1, 0)                               \
  X(BEXT,            "bext",            r,              1, 0)                               \
  X(BEXTI,           "bexti",           shift,          1, 0)                               \
  X(BINV,            "binv",            r,              1, 0)                               \
  X(BINVI,           "binvi",           shift,          1, 0)                               \
  X(BSET,            "bset",            r,              1, 0)                               \
  X(BSETI,           "bseti",           shift,          1, 0)                               \
  /* MOP: fused macro-ops (see decoder.hpp for the patterns) */                             \
  X(WIDE_MUL,        "wide_mul",        r4,             5, WRITES_RS3)                      \
  X(WIDE_MULU,       "wide_mulu",       r4,             5, WRITES_RS3)                      \
  X(WIDE_MULSU,      "wide_mulsu",      r4,             5, WRITES_RS3)                      \
  X(WIDE_DIV,        "wide_div",        r4,            32, WRITES_RS3)                      \
  X(WIDE_DIVU,       "wide_divu",       r4,            32, WRITES_RS3)                      \
  X(FAR_JUMP_REL,    "far_jump_rel",    far_jump_rel,   3, ENDS_BLOCK | PC_RELATIVE | JUMP) \
  X(FAR_JUMP_ABS,    "far_jump_abs",    far_jump_abs,   3, ENDS_BLOCK | JUMP)               \
  X(ADC,             "adc",             r,              1, 0)                               \
  X(SBB,             "sbb",             r4,             1, 0)                               \
  X(ADCS,            "adcs",            r4,             1, WRITES_RS3)                      \
  X(SBBS,            "sbbs",            r4,             1, WRITES_RS3)                      \
  X(ADD3A,           "add3a",           r5,             1, WRITES_RS3)                      \
  X(ADD3B,           "add3b",           r5,             1, WRITES_RS3)                      \
  X(ADD3C,           "add3c",           r5,             1, WRITES_RS3)                      \
  X(CUSTOM_LOAD_IMM, "custom_load_imm", load_imm,       1, 0)                               \
  /* internal, never produced by decoding: a VERSION0/1 block's entry stub (records   */    \
  /* ckb-vm's trace slot, see detail::TraceSlots) and the end of a pre-decoded trace  */    \
  X(TRACE_SLOT,      "<trace slot>",    internal,       0, 0)                               \
  X(TRACE_END,       "<trace end>",     internal,       1, 0)

enum class Opcode : std::uint8_t {
#define CKB_VM_OPCODE_ENUM(name, ...) name,
  CKB_VM_OPCODES(CKB_VM_OPCODE_ENUM)
#undef CKB_VM_OPCODE_ENUM
      COUNT_
};

inline constexpr std::size_t OPCODE_COUNT = static_cast<std::size_t>(Opcode::COUNT_);

// One row of CKB_VM_OPCODES.
struct OpcodeInfo {
  std::string_view name;      // the enumerator, e.g. "LW_V1"
  std::string_view mnemonic;  // the assembler's, e.g. "lw"
  OperandFormat format = OperandFormat::internal;
  std::uint16_t estimate_cycles = 0;
  std::uint8_t traits = 0;    // opcode_traits bits
};

namespace detail::opcode_table {
using namespace opcode_traits;  // the table names its traits unqualified
inline constexpr OpcodeInfo ROWS[] = {
#define CKB_VM_OPCODE_INFO(name, mnemonic, format, cycles, traits) \
  {#name, mnemonic, OperandFormat::format, cycles, static_cast<std::uint8_t>(traits)},
    CKB_VM_OPCODES(CKB_VM_OPCODE_INFO)
#undef CKB_VM_OPCODE_INFO
};
static_assert(std::size(ROWS) == OPCODE_COUNT);
inline constexpr OpcodeInfo UNKNOWN_ROW{"UNKNOWN", "unknown"};
}  // namespace detail::opcode_table

// The table row of `op`; an out-of-range value gets an empty row.
constexpr const OpcodeInfo& opcode_info(Opcode op) noexcept {
  const auto i = static_cast<std::size_t>(op);
  return i < OPCODE_COUNT ? detail::opcode_table::ROWS[i] : detail::opcode_table::UNKNOWN_ROW;
}

constexpr std::string_view opcode_mnemonic(Opcode op) noexcept { return opcode_info(op).mnemonic; }
constexpr std::string_view opcode_name(Opcode op) noexcept { return opcode_info(op).name; }
constexpr OperandFormat operand_format(Opcode op) noexcept { return opcode_info(op).format; }
constexpr bool has_opcode_trait(Opcode op, std::uint8_t trait) noexcept {
  return (opcode_info(op).traits & trait) != 0;
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
constexpr bool is_block_end(Opcode op) noexcept { return has_opcode_trait(op, opcode_traits::ENDS_BLOCK); }

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
