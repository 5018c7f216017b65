// Constants shared by every part of the VM: page geometry, page flags, ISA
// bits, VM versions and register names. Values match ckb-vm 0.24 exactly
// because they are consensus-visible (flags appear in snapshots, ISA and
// version select decoding rules).
#pragma once

#include "detail/config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

inline constexpr std::uint64_t RISCV_PAGE_SHIFTS = 12;
inline constexpr std::uint64_t RISCV_PAGESIZE = std::uint64_t{1} << RISCV_PAGE_SHIFTS;
inline constexpr std::uint64_t RISCV_MAX_MEMORY = std::uint64_t{4} << 20;
inline constexpr std::uint64_t RISCV_PAGES = RISCV_MAX_MEMORY / RISCV_PAGESIZE;
inline constexpr std::uint64_t DEFAULT_STACK_SIZE = std::uint64_t{1} << 20;
inline constexpr std::size_t RISCV_GENERAL_REGISTER_NUMBER = 32;

// Per-page flag bits.
inline constexpr std::uint8_t FLAG_FREEZED = 0b001;
inline constexpr std::uint8_t FLAG_EXECUTABLE = 0b010;
inline constexpr std::uint8_t FLAG_WXORX_BIT = 0b010;
// "Writable" is the absence of the executable bit under the W^X bit mask.
inline constexpr std::uint8_t FLAG_WRITABLE = static_cast<std::uint8_t>(~FLAG_EXECUTABLE & FLAG_WXORX_BIT);
inline constexpr std::uint8_t FLAG_DIRTY = 0b100;

// ISA bits.
inline constexpr std::uint8_t ISA_IMC = 0b0000;
inline constexpr std::uint8_t ISA_B = 0b0001;
inline constexpr std::uint8_t ISA_MOP = 0b0010;
inline constexpr std::uint8_t ISA_A = 0b0100;

// VM versions (see docs/versions.md for what each one changes).
inline constexpr std::uint32_t VERSION0 = 0;  // CKB mainnet launch
inline constexpr std::uint32_t VERSION1 = 1;  // 2021 hard fork (RFC 0032/0033)
inline constexpr std::uint32_t VERSION2 = 2;  // 2023 "Meepo" hard fork (RFC 0049)

namespace registers {
inline constexpr std::size_t ZERO = 0;
inline constexpr std::size_t RA = 1;
inline constexpr std::size_t SP = 2;
inline constexpr std::size_t GP = 3;
inline constexpr std::size_t TP = 4;
inline constexpr std::size_t T0 = 5;
inline constexpr std::size_t T1 = 6;
inline constexpr std::size_t T2 = 7;
inline constexpr std::size_t S0 = 8;
inline constexpr std::size_t FP = 8;
inline constexpr std::size_t S1 = 9;
inline constexpr std::size_t A0 = 10;
inline constexpr std::size_t A1 = 11;
inline constexpr std::size_t A2 = 12;
inline constexpr std::size_t A3 = 13;
inline constexpr std::size_t A4 = 14;
inline constexpr std::size_t A5 = 15;
inline constexpr std::size_t A6 = 16;
inline constexpr std::size_t A7 = 17;
inline constexpr std::size_t S2 = 18;
inline constexpr std::size_t S3 = 19;
inline constexpr std::size_t S4 = 20;
inline constexpr std::size_t S5 = 21;
inline constexpr std::size_t S6 = 22;
inline constexpr std::size_t S7 = 23;
inline constexpr std::size_t S8 = 24;
inline constexpr std::size_t S9 = 25;
inline constexpr std::size_t S10 = 26;
inline constexpr std::size_t S11 = 27;
inline constexpr std::size_t T3 = 28;
inline constexpr std::size_t T4 = 29;
inline constexpr std::size_t T5 = 30;
inline constexpr std::size_t T6 = 31;

inline constexpr std::array<std::string_view, 32> ABI_NAMES = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
}  // namespace registers

constexpr std::uint64_t round_page_down(std::uint64_t x) noexcept { return x & ~(RISCV_PAGESIZE - 1); }
// Wraps like ckb-vm's roundup for values within a page of 2^64.
constexpr std::uint64_t round_page_up(std::uint64_t x) noexcept {
  return (x + (RISCV_PAGESIZE - 1)) & ~(RISCV_PAGESIZE - 1);
}

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
