// Instruction semantics: one decoded Instruction applied to a machine. This
// is the single definition of what every opcode does (ckb-vm 0.24
// src/instructions/execute.rs semantics, fused ops included); every engine
// funnels through it. The caller has already set next_pc = pc + length and
// commits it after this returns, success or error, as ckb-vm does.
//
// Writes to x0 land in regs[0] and are discarded by the caller resetting
// regs[0] = 0 after each instruction; the only instruction that reads a
// register after writing one it may alias with x0 (JALR VERSION0) handles it.
#pragma once

#include <bit>
#include <cstdint>

#include "../constants.hpp"
#include "../error.hpp"
#include "../instruction.hpp"
#include "memory_support.hpp"

namespace ckb_vm::detail {

using u64 = std::uint64_t;
using i64 = std::int64_t;
using u32 = std::uint32_t;
using i32 = std::int32_t;

constexpr u64 sext32(u64 v) noexcept { return static_cast<u64>(static_cast<i64>(static_cast<i32>(v))); }
constexpr u64 sext16(u64 v) noexcept { return static_cast<u64>(static_cast<i64>(static_cast<std::int16_t>(v))); }
constexpr u64 sext8(u64 v) noexcept { return static_cast<u64>(static_cast<i64>(static_cast<std::int8_t>(v))); }
constexpr u64 simm(i32 imm) noexcept { return static_cast<u64>(static_cast<i64>(imm)); }

#if defined(__SIZEOF_INT128__)
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;
inline u64 mulhu(u64 a, u64 b) noexcept { return static_cast<u64>((static_cast<u128>(a) * b) >> 64); }
inline u64 mulh(u64 a, u64 b) noexcept {
  return static_cast<u64>((static_cast<i128>(static_cast<i64>(a)) * static_cast<i64>(b)) >> 64);
}
#else
// Portable 64x64 -> high 64 product.
inline u64 mulhu(u64 a, u64 b) noexcept {
  const u64 al = a & 0xffffffff, ah = a >> 32, bl = b & 0xffffffff, bh = b >> 32;
  const u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  const u64 mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);
  return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
inline u64 mulh(u64 a, u64 b) noexcept {
  u64 h = mulhu(a, b);
  if (static_cast<i64>(a) < 0) h -= b;
  if (static_cast<i64>(b) < 0) h -= a;
  return h;
}
#endif
// signed a times unsigned b, high half
inline u64 mulhsu(u64 a, u64 b) noexcept {
  u64 h = mulhu(a, b);
  if (static_cast<i64>(a) < 0) h -= b;
  return h;
}
constexpr u64 div_s(u64 a, u64 b) noexcept {
  if (b == 0) return ~u64{0};
  if (a == (u64{1} << 63) && b == ~u64{0}) return a;
  return static_cast<u64>(static_cast<i64>(a) / static_cast<i64>(b));
}
constexpr u64 rem_s(u64 a, u64 b) noexcept {
  if (b == 0) return a;
  if (a == (u64{1} << 63) && b == ~u64{0}) return 0;
  return static_cast<u64>(static_cast<i64>(a) % static_cast<i64>(b));
}
constexpr u64 div_u(u64 a, u64 b) noexcept { return b == 0 ? ~u64{0} : a / b; }
constexpr u64 rem_u(u64 a, u64 b) noexcept { return b == 0 ? a : a % b; }

constexpr u64 clmul(u64 a, u64 b) noexcept {
  u64 r = 0;
  for (unsigned i = 0; i < 64; ++i)
    if ((b >> i) & 1) r ^= a << i;
  return r;
}
constexpr u64 clmulh(u64 a, u64 b) noexcept {
  u64 r = 0;
  for (unsigned i = 1; i < 64; ++i)
    if ((b >> i) & 1) r ^= a >> (64 - i);
  return r;
}
constexpr u64 clmulr(u64 a, u64 b) noexcept {
  u64 r = 0;
  for (unsigned i = 0; i < 64; ++i)
    if ((b >> i) & 1) r ^= a >> (63 - i);
  return r;
}
constexpr u64 orc_b(u64 v) noexcept {
  u64 r = 0;
  for (unsigned i = 0; i < 64; i += 8)
    if ((v >> i) & 0xff) r |= u64{0xff} << i;
  return r;
}
constexpr u64 rol32_sext(u64 v, unsigned sh) noexcept {
  return sext32(std::rotl(static_cast<u32>(v), static_cast<int>(sh & 31)));
}
constexpr u64 ror32_sext(u64 v, unsigned sh) noexcept {
  return sext32(std::rotr(static_cast<u32>(v), static_cast<int>(sh & 31)));
}

// VERSION0 loads fail when the access ends exactly at the end of memory, so
// the last bytes of memory cannot be read (ckb-vm issue; fixed in VERSION1).
constexpr bool v0_load_in_bounds(u64 addr, u64 size, u64 memory_size) noexcept {
  const u64 end = addr + size;
  return end >= addr && end != memory_size;
}

#define CKB_VM_EXEC_TRY(expr)         \
  do {                                \
    auto&& r_ = (expr);               \
    if (!r_.ok()) [[unlikely]] {      \
      fault = r_.error();             \
      return false;                   \
    }                                 \
  } while (0)

// Returns false and fills `fault` when the instruction fails.
template <class Mac>
CKB_VM_DETAIL_ALWAYS_INLINE bool execute(const Instruction& in, Mac& m, Error& fault) {
  u64* x = m.regs();
  auto& mem = m.memory();
  const u64 a = x[in.rs1];
  const u64 b = x[in.rs2];
  const u64 imm = simm(in.imm);
  const unsigned rd = in.rd;

  // Loads: memory error or the extended value into rd.
#define CKB_VM_LOAD(fn, ext)                      \
  do {                                            \
    auto v_ = mem.fn(a + imm);                    \
    if (!v_.ok()) [[unlikely]] {                  \
      fault = v_.error();                         \
      return false;                               \
    }                                             \
    x[rd] = ext(*v_);                             \
    return true;                                  \
  } while (0)
  constexpr auto id = [](u64 v) { return v; };

  switch (in.op) {
    // ---- RV64I ALU
    case Opcode::ADD: x[rd] = a + b; return true;
    case Opcode::ADDW: x[rd] = sext32(a + b); return true;
    case Opcode::SUB: x[rd] = a - b; return true;
    case Opcode::SUBW: x[rd] = sext32(a - b); return true;
    case Opcode::AND: x[rd] = a & b; return true;
    case Opcode::OR: x[rd] = a | b; return true;
    case Opcode::XOR: x[rd] = a ^ b; return true;
    case Opcode::SLL: x[rd] = a << (b & 63); return true;
    case Opcode::SLLW: x[rd] = sext32(a << (b & 31)); return true;
    case Opcode::SRL: x[rd] = a >> (b & 63); return true;
    case Opcode::SRLW: x[rd] = sext32(static_cast<u32>(a) >> (b & 31)); return true;
    case Opcode::SRA: x[rd] = static_cast<u64>(static_cast<i64>(a) >> (b & 63)); return true;
    case Opcode::SRAW: x[rd] = sext32(static_cast<u64>(static_cast<i32>(a) >> (b & 31))); return true;
    case Opcode::SLT: x[rd] = static_cast<i64>(a) < static_cast<i64>(b); return true;
    case Opcode::SLTU: x[rd] = a < b; return true;
    case Opcode::ADDI: x[rd] = a + imm; return true;
    case Opcode::ADDIW: x[rd] = sext32(a + imm); return true;
    case Opcode::ANDI: x[rd] = a & imm; return true;
    case Opcode::ORI: x[rd] = a | imm; return true;
    case Opcode::XORI: x[rd] = a ^ imm; return true;
    case Opcode::SLTI: x[rd] = static_cast<i64>(a) < static_cast<i64>(imm); return true;
    case Opcode::SLTIU: x[rd] = a < imm; return true;
    case Opcode::SLLI: x[rd] = a << (imm & 63); return true;
    case Opcode::SRLI: x[rd] = a >> (imm & 63); return true;
    case Opcode::SRAI: x[rd] = static_cast<u64>(static_cast<i64>(a) >> (imm & 63)); return true;
    case Opcode::SLLIW: x[rd] = sext32(a << (imm & 31)); return true;
    case Opcode::SRLIW: x[rd] = sext32(static_cast<u32>(a) >> (imm & 31)); return true;
    case Opcode::SRAIW: x[rd] = sext32(static_cast<u64>(static_cast<i32>(a) >> (imm & 31))); return true;
    case Opcode::LUI: x[rd] = imm; return true;
    case Opcode::AUIPC: x[rd] = m.pc() + imm; return true;
    case Opcode::CUSTOM_LOAD_IMM: x[rd] = imm; return true;

    // ---- loads
    case Opcode::LB_V0: if (!v0_load_in_bounds(a + imm, 1, mem.memory_size())) [[unlikely]] { fault = Error::at_address(ErrorCode::MemOutOfBound, a + imm); return false; } [[fallthrough]];
    case Opcode::LB_V1: CKB_VM_LOAD(load8, sext8);
    case Opcode::LH_V0: if (!v0_load_in_bounds(a + imm, 2, mem.memory_size())) [[unlikely]] { fault = Error::at_address(ErrorCode::MemOutOfBound, a + imm); return false; } [[fallthrough]];
    case Opcode::LH_V1: CKB_VM_LOAD(load16, sext16);
    case Opcode::LW_V0: if (!v0_load_in_bounds(a + imm, 4, mem.memory_size())) [[unlikely]] { fault = Error::at_address(ErrorCode::MemOutOfBound, a + imm); return false; } [[fallthrough]];
    case Opcode::LW_V1: CKB_VM_LOAD(load32, sext32);
    case Opcode::LD_V0: if (!v0_load_in_bounds(a + imm, 8, mem.memory_size())) [[unlikely]] { fault = Error::at_address(ErrorCode::MemOutOfBound, a + imm); return false; } [[fallthrough]];
    case Opcode::LD_V1: CKB_VM_LOAD(load64, id);
    case Opcode::LBU_V0: if (!v0_load_in_bounds(a + imm, 1, mem.memory_size())) [[unlikely]] { fault = Error::at_address(ErrorCode::MemOutOfBound, a + imm); return false; } [[fallthrough]];
    case Opcode::LBU_V1: CKB_VM_LOAD(load8, id);
    case Opcode::LHU_V0: if (!v0_load_in_bounds(a + imm, 2, mem.memory_size())) [[unlikely]] { fault = Error::at_address(ErrorCode::MemOutOfBound, a + imm); return false; } [[fallthrough]];
    case Opcode::LHU_V1: CKB_VM_LOAD(load16, id);
    case Opcode::LWU_V0: if (!v0_load_in_bounds(a + imm, 4, mem.memory_size())) [[unlikely]] { fault = Error::at_address(ErrorCode::MemOutOfBound, a + imm); return false; } [[fallthrough]];
    case Opcode::LWU_V1: CKB_VM_LOAD(load32, id);

    // ---- stores
    case Opcode::SB: CKB_VM_EXEC_TRY(mem.store8(a + imm, b)); return true;
    case Opcode::SH: CKB_VM_EXEC_TRY(mem.store16(a + imm, b)); return true;
    case Opcode::SW: CKB_VM_EXEC_TRY(mem.store32(a + imm, b)); return true;
    case Opcode::SD: CKB_VM_EXEC_TRY(mem.store64(a + imm, b)); return true;

    // ---- control flow
    case Opcode::BEQ: if (a == b) m.update_pc(m.pc() + imm); return true;
    case Opcode::BNE: if (a != b) m.update_pc(m.pc() + imm); return true;
    case Opcode::BLT: if (static_cast<i64>(a) < static_cast<i64>(b)) m.update_pc(m.pc() + imm); return true;
    case Opcode::BGE: if (static_cast<i64>(a) >= static_cast<i64>(b)) m.update_pc(m.pc() + imm); return true;
    case Opcode::BLTU: if (a < b) m.update_pc(m.pc() + imm); return true;
    case Opcode::BGEU: if (a >= b) m.update_pc(m.pc() + imm); return true;
    case Opcode::JAL:
      x[rd] = m.pc() + in.length;
      m.update_pc(m.pc() + imm);
      return true;
    case Opcode::JALR_V0: {
      // VERSION0 writes the link register before reading rs1, so
      // `jalr t0, 0(t0)` jumps to the link address (ckb-vm issue 92).
      const u64 link = m.pc() + in.length;
      const u64 base = (rd != 0 && rd == in.rs1) ? link : a;
      x[rd] = link;
      m.update_pc((base + imm) & ~u64{1});
      return true;
    }
    case Opcode::JALR_V1:
      x[rd] = m.pc() + in.length;
      m.update_pc((a + imm) & ~u64{1});
      return true;
    case Opcode::FAR_JUMP_REL:
      x[registers::RA] = m.pc() + in.length;
      m.update_pc((m.pc() + imm) & ~u64{1});
      return true;
    case Opcode::FAR_JUMP_ABS:
      x[registers::RA] = m.pc() + in.length;
      m.update_pc(imm & ~u64{1});
      return true;
    case Opcode::FENCE:
    case Opcode::FENCEI:
      return true;
    case Opcode::ECALL: CKB_VM_EXEC_TRY(m.ecall()); return true;
    case Opcode::EBREAK: CKB_VM_EXEC_TRY(m.ebreak()); return true;

    // ---- M
    case Opcode::MUL: x[rd] = a * b; return true;
    case Opcode::MULW: x[rd] = sext32(static_cast<u64>(static_cast<u32>(a)) * static_cast<u32>(b)); return true;
    case Opcode::MULH: x[rd] = mulh(a, b); return true;
    case Opcode::MULHSU: x[rd] = mulhsu(a, b); return true;
    case Opcode::MULHU: x[rd] = mulhu(a, b); return true;
    case Opcode::DIV: x[rd] = div_s(a, b); return true;
    case Opcode::DIVW: x[rd] = sext32(div_s(sext32(a), sext32(b))); return true;
    case Opcode::DIVU: x[rd] = div_u(a, b); return true;
    case Opcode::DIVUW: x[rd] = sext32(div_u(static_cast<u32>(a), static_cast<u32>(b))); return true;
    case Opcode::REM: x[rd] = rem_s(a, b); return true;
    case Opcode::REMW: x[rd] = sext32(rem_s(sext32(a), sext32(b))); return true;
    case Opcode::REMU: x[rd] = rem_u(a, b); return true;
    case Opcode::REMUW: x[rd] = sext32(rem_u(static_cast<u32>(a), static_cast<u32>(b))); return true;

    // ---- A. Reservation semantics follow ckb-vm: SC always reads and writes
    // back (so a failed SC still needs write permission and dirties the
    // page), and AMOs update rd before their store.
    case Opcode::LR_W: {
      auto v = mem.load32(a);
      if (!v.ok()) { fault = v.error(); return false; }
      x[rd] = sext32(*v);
      mem.set_lr(a);
      return true;
    }
    case Opcode::LR_D: {
      auto v = mem.load64(a);
      if (!v.ok()) { fault = v.error(); return false; }
      x[rd] = *v;
      mem.set_lr(a);
      return true;
    }
    case Opcode::SC_W:
    case Opcode::SC_D: {
      const bool w = in.op == Opcode::SC_W;
      const bool hit = a == mem.lr();
      auto old = w ? mem.load32(a) : mem.load64(a);
      if (!old.ok()) { fault = old.error(); return false; }
      const u64 value = hit ? b : *old;
      CKB_VM_EXEC_TRY(w ? mem.store32(a, value) : mem.store64(a, value));
      x[rd] = hit ? 0 : 1;
      mem.set_lr(~u64{0});
      return true;
    }
    case Opcode::AMOSWAP_W: case Opcode::AMOADD_W: case Opcode::AMOXOR_W: case Opcode::AMOAND_W:
    case Opcode::AMOOR_W: case Opcode::AMOMIN_W: case Opcode::AMOMAX_W: case Opcode::AMOMINU_W:
    case Opcode::AMOMAXU_W: {
      auto v = mem.load32(a);
      if (!v.ok()) { fault = v.error(); return false; }
      const u64 loaded = *v;  // zero-extended
      const u64 sl = sext32(loaded);
      x[rd] = sl;
      u64 r;
      switch (in.op) {
        case Opcode::AMOSWAP_W: r = b; break;
        case Opcode::AMOADD_W: r = b + sl; break;
        case Opcode::AMOXOR_W: r = b ^ sl; break;
        case Opcode::AMOAND_W: r = b & sl; break;
        case Opcode::AMOOR_W: r = b | sl; break;
        case Opcode::AMOMIN_W: r = static_cast<i64>(sext32(b)) < static_cast<i64>(sl) ? sext32(b) : sl; break;
        case Opcode::AMOMAX_W: r = static_cast<i64>(sext32(b)) >= static_cast<i64>(sl) ? sext32(b) : sl; break;
        case Opcode::AMOMINU_W: r = static_cast<u32>(b) < loaded ? static_cast<u32>(b) : loaded; break;
        default: r = static_cast<u32>(b) >= loaded ? static_cast<u32>(b) : loaded; break;
      }
      CKB_VM_EXEC_TRY(mem.store32(a, r)); return true;
    }
    case Opcode::AMOSWAP_D: case Opcode::AMOADD_D: case Opcode::AMOXOR_D: case Opcode::AMOAND_D:
    case Opcode::AMOOR_D: case Opcode::AMOMIN_D: case Opcode::AMOMAX_D: case Opcode::AMOMINU_D:
    case Opcode::AMOMAXU_D: {
      auto v = mem.load64(a);
      if (!v.ok()) { fault = v.error(); return false; }
      const u64 l = *v;
      x[rd] = l;
      u64 r;
      switch (in.op) {
        case Opcode::AMOSWAP_D: r = b; break;
        case Opcode::AMOADD_D: r = b + l; break;
        case Opcode::AMOXOR_D: r = b ^ l; break;
        case Opcode::AMOAND_D: r = b & l; break;
        case Opcode::AMOOR_D: r = b | l; break;
        case Opcode::AMOMIN_D: r = static_cast<i64>(b) < static_cast<i64>(l) ? b : l; break;
        case Opcode::AMOMAX_D: r = static_cast<i64>(b) >= static_cast<i64>(l) ? b : l; break;
        case Opcode::AMOMINU_D: r = b < l ? b : l; break;
        default: r = b >= l ? b : l; break;
      }
      CKB_VM_EXEC_TRY(mem.store64(a, r)); return true;
    }

    // ---- B
    case Opcode::ADDUW: x[rd] = b + static_cast<u32>(a); return true;
    case Opcode::SH1ADD: x[rd] = (a << 1) + b; return true;
    case Opcode::SH2ADD: x[rd] = (a << 2) + b; return true;
    case Opcode::SH3ADD: x[rd] = (a << 3) + b; return true;
    case Opcode::SH1ADDUW: x[rd] = (static_cast<u64>(static_cast<u32>(a)) << 1) + b; return true;
    case Opcode::SH2ADDUW: x[rd] = (static_cast<u64>(static_cast<u32>(a)) << 2) + b; return true;
    case Opcode::SH3ADDUW: x[rd] = (static_cast<u64>(static_cast<u32>(a)) << 3) + b; return true;
    case Opcode::SLLIUW: x[rd] = static_cast<u64>(static_cast<u32>(a)) << (imm & 63); return true;
    case Opcode::ANDN: x[rd] = a & ~b; return true;
    case Opcode::ORN: x[rd] = a | ~b; return true;
    case Opcode::XNOR: x[rd] = a ^ ~b; return true;
    case Opcode::CLZ: x[rd] = static_cast<u64>(std::countl_zero(a)); return true;
    case Opcode::CLZW: x[rd] = static_cast<u64>(std::countl_zero(static_cast<u32>(a))); return true;
    case Opcode::CTZ: x[rd] = static_cast<u64>(std::countr_zero(a)); return true;
    case Opcode::CTZW: x[rd] = static_cast<u64>(std::countr_zero(static_cast<u32>(a) | (u64{0xffffffff} << 32))); return true;
    case Opcode::CPOP: x[rd] = static_cast<u64>(std::popcount(a)); return true;
    case Opcode::CPOPW: x[rd] = static_cast<u64>(std::popcount(static_cast<u32>(a))); return true;
    case Opcode::MAX: x[rd] = static_cast<i64>(a) >= static_cast<i64>(b) ? a : b; return true;
    case Opcode::MAXU: x[rd] = a >= b ? a : b; return true;
    case Opcode::MIN: x[rd] = static_cast<i64>(a) < static_cast<i64>(b) ? a : b; return true;
    case Opcode::MINU: x[rd] = a < b ? a : b; return true;
    case Opcode::SEXTB: x[rd] = sext8(a); return true;
    case Opcode::SEXTH: x[rd] = sext16(a); return true;
    case Opcode::ZEXTH: x[rd] = a & 0xffff; return true;
    case Opcode::ROL: x[rd] = std::rotl(a, static_cast<int>(b & 63)); return true;
    case Opcode::ROR: x[rd] = std::rotr(a, static_cast<int>(b & 63)); return true;
    case Opcode::RORI: x[rd] = std::rotr(a, static_cast<int>(imm & 63)); return true;
    case Opcode::ROLW: x[rd] = rol32_sext(a, static_cast<unsigned>(b)); return true;
    case Opcode::RORW: x[rd] = ror32_sext(a, static_cast<unsigned>(b)); return true;
    case Opcode::RORIW: x[rd] = ror32_sext(a, static_cast<unsigned>(imm)); return true;
    case Opcode::ORCB: x[rd] = orc_b(a); return true;
    case Opcode::REV8: x[rd] = __builtin_bswap64(a); return true;
    case Opcode::CLMUL: x[rd] = clmul(a, b); return true;
    case Opcode::CLMULH: x[rd] = clmulh(a, b); return true;
    case Opcode::CLMULR: x[rd] = clmulr(a, b); return true;
    case Opcode::BCLR: x[rd] = a & ~(u64{1} << (b & 63)); return true;
    case Opcode::BCLRI: x[rd] = a & ~(u64{1} << (imm & 63)); return true;
    case Opcode::BEXT: x[rd] = (a >> (b & 63)) & 1; return true;
    case Opcode::BEXTI: x[rd] = (a >> (imm & 63)) & 1; return true;
    case Opcode::BINV: x[rd] = a ^ (u64{1} << (b & 63)); return true;
    case Opcode::BINVI: x[rd] = a ^ (u64{1} << (imm & 63)); return true;
    case Opcode::BSET: x[rd] = a | (u64{1} << (b & 63)); return true;
    case Opcode::BSETI: x[rd] = a | (u64{1} << (imm & 63)); return true;

    // ---- MOP fused ops (results as ckb-vm's fused handlers compute them)
    case Opcode::WIDE_MUL: x[rd] = mulh(a, b); x[in.rs3] = a * b; return true;
    case Opcode::WIDE_MULU: x[rd] = mulhu(a, b); x[in.rs3] = a * b; return true;
    case Opcode::WIDE_MULSU: x[rd] = mulhsu(a, b); x[in.rs3] = a * b; return true;
    case Opcode::WIDE_DIV: x[rd] = div_s(a, b); x[in.rs3] = rem_s(a, b); return true;
    case Opcode::WIDE_DIVU: x[rd] = div_u(a, b); x[in.rs3] = rem_u(a, b); return true;
    case Opcode::ADC: {
      // rd += rs1; rs1 = rd < rs1; rd += rs2; rs2 = rd < rs2; rs1 |= rs2
      // (all three registers are non-zero by the fusion rule)
      const unsigned r1 = in.rs1, r2 = in.rs2;
      x[rd] = x[rd] + x[r1];
      x[r1] = x[rd] < x[r1];
      x[rd] = x[rd] + x[r2];
      x[r2] = x[rd] < x[r2];
      x[r1] = x[r1] | x[r2];
      return true;
    }
    case Opcode::SBB: {
      const unsigned r1 = in.rs1, r2 = in.rs2, r3 = in.rs3;
      x[r1] = x[rd] - x[r1];
      x[r3] = x[rd] < x[r1];
      x[rd] = x[r1] - x[r2];
      x[r2] = x[r1] < x[rd];
      x[r1] = x[r2] | x[r3];
      return true;
    }
    case Opcode::ADCS: {
      const u64 s = a + b;
      x[rd] = s;
      x[in.rs3] = s < a;
      return true;
    }
    case Opcode::SBBS:
      x[rd] = a - b;
      x[in.rs3] = a < b;
      return true;
    case Opcode::ADD3A: {
      x[rd] = x[rd] + x[in.rs1];
      x[in.rs2] = x[rd] < x[in.rs1];
      x[in.rs3] = x[in.rs2] + x[in.rs4];
      return true;
    }
    case Opcode::ADD3B: {
      x[rd] = a + b;
      x[in.rs1] = x[rd] < x[in.rs1];
      x[in.rs3] = x[in.rs1] + x[in.rs4];
      return true;
    }
    case Opcode::ADD3C: {
      x[rd] = a + b;
      x[in.rs3] = static_cast<u64>(x[rd] < x[in.rs1]) + x[in.rs4];
      return true;
    }
    case Opcode::COUNT_:
      break;
  }
  fault = Error(ErrorCode::InvalidOp);
  return false;
}

#undef CKB_VM_EXEC_TRY
#undef CKB_VM_LOAD

}  // namespace ckb_vm::detail
