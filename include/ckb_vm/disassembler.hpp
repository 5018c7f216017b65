// Disassembler: text for a decoded Instruction, in the assembler's operand
// order with ABI register names ("addi a0, sp, 16", "ld ra, 8(sp)",
// "amoadd.w a0, a2, (a1)"). It works on what the Decoder produces rather than
// on raw bits, so compressed instructions print as their base form (c.addi
// -> addi), version-specific opcodes print as the instruction they implement
// (LW_V0 and LW_V1 are both "lw"), and MOP fused macro-ops print as one line
// listing every register they use, e.g. "wide_mulu a0, a1, a2, a3" (high
// word, operands, low word). Canonical forms only, no pseudo-instructions.
//
// Given the instruction's pc, pc-relative targets (branches, jal, far_jump_rel)
// print as absolute addresses ("beq a0, a1, 0x10040"); without it they print
// as signed byte offsets ("beq a0, a1, 16"). The CLI's --trace uses this.
#pragma once

#include "detail/config.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "constants.hpp"
#include "detail/byte_io.hpp"
#include "instruction.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

// ABI name of register x0..x31 ("zero", "ra", ..., "t6"); "x<n>" beyond.
inline std::string register_name(unsigned index) {
  if (index < registers::ABI_NAMES.size()) return std::string(registers::ABI_NAMES[index]);
  char buf[16];
  char* p = buf + sizeof(buf);
  do {
    *--p = static_cast<char>('0' + index % 10);
    index /= 10;
  } while (index != 0);
  *--p = 'x';
  return std::string(p, static_cast<std::size_t>(buf + sizeof(buf) - p));
}

namespace detail::disasm {

using bytes::hex_u64;

// Signed hexadecimal: "0x1f", "-0x10".
inline std::string hex_i64(std::int64_t v) {
  if (v < 0) return "-" + hex_u64(0 - static_cast<std::uint64_t>(v));
  return hex_u64(static_cast<std::uint64_t>(v));
}

// The fence predecessor/successor set in the assembler's "iorw" notation.
inline std::string fence_set(unsigned bits) {
  std::string s;
  if (bits & 8) s += 'i';
  if (bits & 4) s += 'o';
  if (bits & 2) s += 'r';
  if (bits & 1) s += 'w';
  return s.empty() ? "0" : s;
}

inline std::string target_text(std::int32_t offset, std::optional<std::uint64_t> pc) {
  if (pc) return hex_u64(*pc + static_cast<std::uint64_t>(static_cast<std::int64_t>(offset)));
  return std::to_string(offset);
}

inline std::string disassemble_impl(const Instruction& in, std::optional<std::uint64_t> pc) {
  const auto reg = [](unsigned r) { return register_name(r); };
  const auto mem = [&](std::int32_t imm, unsigned base) { return std::to_string(imm) + "(" + reg(base) + ")"; };
  std::string s(opcode_mnemonic(in.op));
  const auto ops = [&s](std::initializer_list<std::string> list) {
    const char* sep = " ";
    for (const std::string& o : list) {
      s += sep;
      s += o;
      sep = ", ";
    }
  };
  switch (operand_format(in.op)) {
    case OperandFormat::none:
    case OperandFormat::internal:
      break;
    case OperandFormat::r:
      ops({reg(in.rd), reg(in.rs1), reg(in.rs2)});
      break;
    case OperandFormat::r_unary:
      ops({reg(in.rd), reg(in.rs1)});
      break;
    case OperandFormat::i:
      ops({reg(in.rd), reg(in.rs1), std::to_string(in.imm)});
      break;
    case OperandFormat::shift:
      ops({reg(in.rd), reg(in.rs1), std::to_string(static_cast<std::uint32_t>(in.imm))});
      break;
    case OperandFormat::u:
      ops({reg(in.rd), hex_u64((static_cast<std::uint32_t>(in.imm) >> 12) & 0xfffff)});
      break;
    case OperandFormat::load:
      ops({reg(in.rd), mem(in.imm, in.rs1)});
      break;
    case OperandFormat::store:
      ops({reg(in.rs2), mem(in.imm, in.rs1)});
      break;
    case OperandFormat::branch:
      ops({reg(in.rs1), reg(in.rs2), target_text(in.imm, pc)});
      break;
    case OperandFormat::jal:
      ops({reg(in.rd), target_text(in.imm, pc)});
      break;
    case OperandFormat::jalr:
      ops({reg(in.rd), mem(in.imm, in.rs1)});
      break;
    case OperandFormat::fence:
      // fm = 0b1000 with rw,rw is fence.tso; other fm values act as fence.
      if (in.rd == 0b1000 && in.rs1 == 0b0011 && in.rs2 == 0b0011) {
        s = "fence.tso";
      } else {
        ops({fence_set(in.rs1), fence_set(in.rs2)});
      }
      break;
    case OperandFormat::lr:
      ops({reg(in.rd), "(" + reg(in.rs1) + ")"});
      break;
    case OperandFormat::amo:
      ops({reg(in.rd), reg(in.rs2), "(" + reg(in.rs1) + ")"});
      break;
    case OperandFormat::r4:
      ops({reg(in.rd), reg(in.rs1), reg(in.rs2), reg(in.rs3)});
      break;
    case OperandFormat::r5:
      ops({reg(in.rd), reg(in.rs1), reg(in.rs2), reg(in.rs3), reg(in.rs4)});
      break;
    case OperandFormat::far_jump_rel:
      ops({reg(in.rd), target_text(in.imm, pc)});
      break;
    case OperandFormat::far_jump_abs:
      ops({reg(in.rd), hex_u64(static_cast<std::uint64_t>(static_cast<std::int64_t>(in.imm)) & ~std::uint64_t{1})});
      break;
    case OperandFormat::load_imm:
      ops({reg(in.rd), hex_i64(in.imm)});
      break;
  }
  return s;
}

}  // namespace detail::disasm

// "addi a0, a1, -5", "beq a0, a1, 16": pc-relative targets as offsets.
inline std::string disassemble(const Instruction& instruction) {
  return detail::disasm::disassemble_impl(instruction, std::nullopt);
}

// "beq a0, a1, 0x10050": pc-relative targets as absolute addresses, for the
// instruction located at `pc`.
inline std::string disassemble(const Instruction& instruction, std::uint64_t pc) {
  return detail::disasm::disassemble_impl(instruction, pc);
}

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
