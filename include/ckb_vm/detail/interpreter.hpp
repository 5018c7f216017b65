// The interpreter core: executes a trace of pre-decoded instructions ending
// with a TRACE_END sentinel. This is the single definition of what every
// opcode does (ckb-vm 0.24 src/instructions/execute.rs semantics, fused ops
// included); DefaultMachine::run() feeds it basic blocks and
// DefaultMachine::step() a one-instruction trace.
//
// Dispatch is direct threaded (computed goto) with GCC and Clang, and a
// portable switch loop elsewhere; both expand the same op bodies.
//
// Conventions:
// * Traces are linked before they run (link_trace): pc-relative immediates are
//   absolute, and the TRACE_END sentinel holds the address after the trace,
//   so no op tracks pc; the machine's pc is synchronised around ecall/ebreak
//   (which may observe or change it) and on exit.
// * x0 is never written: `prepare_for_execution` redirects every
//   destination that is x0 to a 33rd "sink" slot, so regs() must point at
//   33 slots (like ckb-vm, a host that sets x0 through set_register makes
//   it non-zero; instructions never do).
// * On a fault the returned pointer names the faulting instruction and
//   pc_out is where ckb-vm leaves pc: the address after it (ckb-vm commits
//   next_pc even when an instruction fails).
#pragma once

#include "config.hpp"

#include <atomic>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../constants.hpp"
#include "../error.hpp"
#include "../instruction.hpp"
#include "memory_support.hpp"

#if (defined(__GNUC__) || defined(__clang__)) && !defined(CKB_VM_NO_COMPUTED_GOTO)
#define CKB_VM_THREADED_DISPATCH 1
#else
#define CKB_VM_THREADED_DISPATCH 0
#endif

// Computed goto is a GCC/Clang extension; keep -Wpedantic quiet about it here.
#if CKB_VM_THREADED_DISPATCH
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpedantic"
#pragma clang diagnostic ignored "-Wgnu-label-as-value"
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#endif

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace detail {

using u64 = std::uint64_t;
using i64 = std::int64_t;
using u32 = std::uint32_t;
using i32 = std::int32_t;

constexpr u64 sext32(u64 v) noexcept { return static_cast<u64>(static_cast<i64>(static_cast<i32>(v))); }
constexpr u64 sext16(u64 v) noexcept { return static_cast<u64>(static_cast<i64>(static_cast<std::int16_t>(v))); }
constexpr u64 sext8(u64 v) noexcept { return static_cast<u64>(static_cast<i64>(static_cast<std::int8_t>(v))); }
constexpr u64 zext(u64 v) noexcept { return v; }
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
constexpr u64 rev8(u64 v) noexcept {
  u64 r = 0;
  for (unsigned i = 0; i < 8; ++i) r |= ((v >> (8 * i)) & 0xff) << (56 - 8 * i);
  return r;
}
constexpr u64 rol32_sext(u64 v, u64 sh) noexcept { return sext32(std::rotl(static_cast<u32>(v), static_cast<int>(sh & 31))); }
constexpr u64 ror32_sext(u64 v, u64 sh) noexcept { return sext32(std::rotr(static_cast<u32>(v), static_cast<int>(sh & 31))); }

// VERSION0 loads fail when the access ends exactly at the end of memory, so
// the last bytes of memory cannot be read (fixed in VERSION1, RFC 0033).
constexpr bool v0_load_in_bounds(u64 addr, u64 size, u64 memory_size) noexcept {
  const u64 end = addr + size;
  return end >= addr && end != memory_size;
}

// Loads and stores of the interpreter. The fast path (a memory model's
// try_load / try_store, when it has them) returns plain values and is
// inlined into every handler; anything else (faults, page-straddling or
// first-touch stores, memory types without fast paths) goes through the
// out-of-line checked path, which calls the Memory concept's loadN / storeN
// and so yields exactly their values and errors.
template <class Mem, class T>
concept FastLoadMemory = requires(const Mem& m, u64 a, u64& out) {
  { m.template try_load<T>(a, out) } -> std::same_as<bool>;
};
template <class Mem, class T>
concept FastStoreMemory = requires(Mem& m, u64 a) {
  { m.template try_store<T>(a, a) } -> std::same_as<bool>;
};

template <class T, class Mem>
CKB_VM_DETAIL_ALWAYS_INLINE bool fast_load(Mem& mem, u64 addr, u64& out) noexcept {
  if constexpr (FastLoadMemory<Mem, T>)
    return mem.template try_load<T>(addr, out);
  else
    return false;
}
template <class T, class Mem>
CKB_VM_DETAIL_ALWAYS_INLINE bool fast_store(Mem& mem, u64 addr, u64 value) noexcept {
  if constexpr (FastStoreMemory<Mem, T>)
    return mem.template try_store<T>(addr, value);
  else
    return false;
}

// A loaded value, or ok == false with the error in the caller's `fault`.
// Returned in registers, so the fast path's value never goes through memory.
struct CheckedLoad {
  u64 value;
  bool ok;
};

// Checked load of sizeof(T) bytes (VERSION0: also fails when the access ends
// exactly at the end of memory).
template <class T, bool V0, class Mem>
CKB_VM_DETAIL_NOINLINE CheckedLoad checked_load(Mem& mem, u64 addr, Error& fault) {
  if constexpr (V0) {
    if (!v0_load_in_bounds(addr, sizeof(T), mem.memory_size())) {
      fault = Error::at_address(ErrorCode::MemOutOfBound, addr);
      return {0, false};
    }
  }
  Result<u64> r = [&] {
    if constexpr (sizeof(T) == 1) return mem.load8(addr);
    else if constexpr (sizeof(T) == 2) return mem.load16(addr);
    else if constexpr (sizeof(T) == 4) return mem.load32(addr);
    else return mem.load64(addr);
  }();
  if (!r.ok()) [[unlikely]] {
    fault = r.error();
    return {0, false};
  }
  return {*r, true};
}

template <class T, class Mem>
CKB_VM_DETAIL_NOINLINE bool checked_store(Mem& mem, u64 addr, u64 value, Error& fault) {
  Status r = [&] {
    if constexpr (sizeof(T) == 1) return mem.store8(addr, value);
    else if constexpr (sizeof(T) == 2) return mem.store16(addr, value);
    else if constexpr (sizeof(T) == 4) return mem.store32(addr, value);
    else return mem.store64(addr, value);
  }();
  if (!r.ok()) [[unlikely]] {
    fault = r.error();
    return false;
  }
  return true;
}

inline constexpr std::uint8_t SINK_REGISTER = 32;

// Rewrites x0 destinations to the sink slot. Applied to every decoded
// instruction before it is executed; the Instruction a Decoder returns keeps
// the architectural register numbers.
constexpr Instruction prepare_for_execution(Instruction in) noexcept {
  switch (in.op) {
    case Opcode::ADC:
    case Opcode::SBB:
      return in;  // fusion guarantees no x0 operand; they read what they write
    case Opcode::JALR_V0:
      // Keep rd: the VERSION0 rd == rs1 rule compares architectural numbers;
      // the handler redirects an x0 link itself.
      return in;
    default:
      break;
  }
  // Fused ops with a second destination (WRITES_RS3 in the opcode table).
  if (has_opcode_trait(in.op, opcode_traits::WRITES_RS3) && in.rs3 == 0) in.rs3 = SINK_REGISTER;
  if (in.rd == 0) in.rd = SINK_REGISTER;
  return in;
}

constexpr bool fits_i32(std::int64_t v) noexcept { return v >= INT32_MIN && v <= INT32_MAX; }

// True when `in` (at `pc`) must be the last instruction of a trace: control
// transfers, ecall/ebreak, and an AUIPC whose result cannot be folded into a
// 32-bit constant (it then reads its pc back from the trace end).
constexpr bool ends_trace(const Instruction& in, std::uint64_t pc) noexcept {
  if (is_block_end(in.op)) return true;
  return in.op == Opcode::AUIPC && !fits_i32(static_cast<std::int64_t>(pc) + in.imm);
}

// Marks link_trace leaves in Instruction::reserved when it rewrites an op, so
// unlink() can give back the decoded form.
inline constexpr std::uint8_t kFoldedAuipc = 1;
inline constexpr std::uint8_t kFoldedFarJumpRel = 2;

// Turns a decoded run of instructions starting at `pc` (ending with a
// TRACE_END slot) into the form execute_trace runs: pc-relative immediates
// become absolute addresses, AUIPC becomes a constant load, and TRACE_END
// holds the address after the run. Code addresses are below the 4 MiB
// memory size, so every folded value fits the 32-bit immediate.
inline void link_trace(Instruction* code, std::uint64_t pc) noexcept {
  for (Instruction* in = code;; ++in) {
    const auto here = static_cast<std::int64_t>(pc);
    switch (in->op) {
      case Opcode::TRACE_END:
        in->imm = static_cast<std::int32_t>(here);
        return;
      case Opcode::AUIPC:
        if (fits_i32(here + in->imm)) {
          in->op = Opcode::CUSTOM_LOAD_IMM;
          in->imm = static_cast<std::int32_t>(here + in->imm);
          in->reserved = kFoldedAuipc;
        }
        break;
      case Opcode::BEQ: case Opcode::BNE: case Opcode::BLT: case Opcode::BGE: case Opcode::BLTU:
      case Opcode::BGEU: case Opcode::JAL:
        in->imm = static_cast<std::int32_t>(here + in->imm);
        break;
      case Opcode::FAR_JUMP_REL:
        if (fits_i32(here + in->imm)) {
          in->op = Opcode::FAR_JUMP_ABS;
          in->imm = static_cast<std::int32_t>(here + in->imm);
          in->reserved = kFoldedFarJumpRel;
        }
        break;
      default:
        break;
    }
    pc += in->length;
  }
}

// The decoded form (as the decoder returns it, cycles kept) of a linked,
// prepared record that sits at `pc`: undoes prepare_for_execution's sink
// redirection and link_trace's absolute immediates and folds.
constexpr Instruction unlink(Instruction in, std::uint64_t pc) noexcept {
  const auto rel = [&](std::int32_t abs) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(abs) - static_cast<std::uint32_t>(pc));
  };
  switch (in.op) {
    case Opcode::BEQ: case Opcode::BNE: case Opcode::BLT: case Opcode::BGE: case Opcode::BLTU:
    case Opcode::BGEU: case Opcode::JAL:
      in.imm = rel(in.imm);
      break;
    case Opcode::CUSTOM_LOAD_IMM:
      if (in.reserved == kFoldedAuipc) in.op = Opcode::AUIPC, in.imm = rel(in.imm);
      break;
    case Opcode::FAR_JUMP_ABS:
      if (in.reserved == kFoldedFarJumpRel) in.op = Opcode::FAR_JUMP_REL, in.imm = rel(in.imm);
      break;
    default:
      break;
  }
  in.reserved = 0;
  if (in.rd == SINK_REGISTER) in.rd = 0;
  if (in.rs3 == SINK_REGISTER) in.rs3 = 0;
  return in;
}

// pc just after `in`, recovered from the trace end (fault path only).
inline std::uint64_t pc_after(const Instruction* in) noexcept {
  std::uint64_t tail = 0;
  const Instruction* e = in + 1;
  for (; e->op != Opcode::TRACE_END; ++e) tail += e->length;
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(e->imm)) - tail;
}

// Linked block layout (BlockCache): a block's code pointer is preceded by a
// header record whose bytes 8..15 hold the block's total cycles, and its
// TRACE_END is followed by a link record: two pointer-sized cells the
// interpreter fills while chaining (direct targets: taken code, fall-through
// code; indirect jumps: last target pc, its code). Cells are read and written
// with memcpy; they live in the block cache's mutable storage.
inline constexpr std::size_t kHeaderCyclesOffset = offsetof(Instruction, imm);
static_assert(offsetof(Instruction, cycles) == kHeaderCyclesOffset + 4 && sizeof(Instruction) == 16);

inline std::uint64_t block_cycles(const Instruction* code) noexcept {
  std::uint64_t c;
  std::memcpy(&c, reinterpret_cast<const unsigned char*>(code - 1) + kHeaderCyclesOffset, sizeof c);
  return c;
}
inline void set_block_cycles(Instruction* header, std::uint64_t c) noexcept {
  std::memcpy(reinterpret_cast<unsigned char*>(header) + kHeaderCyclesOffset, &c, sizeof c);
}
// A VERSION0/1 block is preceded by an entry stub: a header holding the
// block's cycles and a TRACE_SLOT record holding its pc, so that link cells
// can point at the stub (see DefaultMachine's Chainer::link_target):
//   [stub header] [TRACE_SLOT] [header] [code ...] [TRACE_END] [link record]
inline const Instruction* entry_stub(const Instruction* code) noexcept { return code - 2; }
inline const Instruction* stub_code(const Instruction* stub) noexcept { return stub + 2; }
inline std::uint64_t stub_pc(const Instruction* stub) noexcept {
  std::uint64_t pc;
  std::memcpy(&pc, reinterpret_cast<const unsigned char*>(stub) + kHeaderCyclesOffset, sizeof pc);
  return pc;
}
inline void set_stub(Instruction* stub, std::uint64_t pc, std::uint64_t cycles) noexcept {
  stub[-1] = Instruction{};
  stub[-1].op = Opcode::TRACE_END;  // never executed
  set_block_cycles(stub - 1, cycles);
  stub[0] = Instruction{};
  stub[0].op = Opcode::TRACE_SLOT;
  stub[0].length = 0;
  std::memcpy(reinterpret_cast<unsigned char*>(stub) + kHeaderCyclesOffset, &pc, sizeof pc);
}
// What an unlinked cell points at: a block header whose cost is UINT64_MAX
// (no budget reaches it, see execute_trace) and an empty block.
inline constexpr Instruction kUnlinkedBlock[2] = {
    Instruction{.op = Opcode::TRACE_END, .imm = -1, .cycles = ~std::uint32_t{0}},
    Instruction{.op = Opcode::TRACE_END, .length = 0}};
constexpr const Instruction* unlinked_code() noexcept { return &kUnlinkedBlock[1]; }
// Fills a link record with unlinked cells.
inline void clear_link_record(Instruction* cell) noexcept {
  const Instruction* u = unlinked_code();
  std::memcpy(reinterpret_cast<unsigned char*>(cell), &u, sizeof u);
  std::memcpy(reinterpret_cast<unsigned char*>(cell) + 8, &u, sizeof u);
}
static_assert(sizeof(const Instruction*) == 8, "link records hold two 8-byte cells");

template <class T>
inline T link_get(const Instruction* cell, unsigned k) noexcept {
  static_assert(sizeof(T) == 8);
  T v;
  std::memcpy(&v, reinterpret_cast<const unsigned char*>(cell) + 8 * k, sizeof v);
  return v;
}
template <class T>
inline void link_set(const Instruction* cell, unsigned k, T v) noexcept {
  static_assert(sizeof(T) == 8);
  std::memcpy(reinterpret_cast<unsigned char*>(const_cast<Instruction*>(cell)) + 8 * k, &v, sizeof v);
}

// Stops after the first trace. A chaining policy (the run loop's) instead
// declares kLinked = true and provides: cycles / max_cycles (the machine's,
// copied at entry), pause (the pause flag), lookup(pc) (a cached block's
// code or nullptr), link_target(pc, code) (a looked-up block is entered:
// what a link cell should hold for it), record_slot(pc) (TRACE_SLOT),
// entered(pc, code, from) (the block `code` at pc is about
// to run, entered from the instruction record `from` of the block being
// left: its control transfer, or its TRACE_END on a fall-through),
// left(from) (the trace is left successfully after `from`, same convention)
// and commit_cycles(c) (write the running total back to the machine; called
// before every exit and before ecall/ebreak). entered/left exist for
// observers (DefaultMachine::run_observed); the plain run loop's are empty.
struct NoChaining {
  static constexpr bool kLinked = false;
};

// Executes a linked trace (see link_trace), then asks `next(pc)` for the
// trace to continue with (nullptr: stop). On return `pc_out` is the next pc.
// Returns nullptr on success, else the faulting instruction with `fault`
// filled in.
template <class Mac, class Next = NoChaining>
const Instruction* execute_trace(const Instruction* in, Mac& m, u64& pc_out, Error& fault, Next&& next = {}) {
  u64* const x = m.regs();
  auto& mem = m.memory();
  constexpr bool kLinked = std::remove_cvref_t<Next>::kLinked;
  // Chaining state lives in locals (registers) and is written back on exit.
  // `budget` is max_cycles - cycles (the caller guarantees cycles <=
  // max_cycles): a block of cost c fits when c <= budget, which is exactly
  // "cycles + c neither overflows nor exceeds max_cycles".
  // A step-only block's cost is UINT64_MAX, so the budget is kept below it
  // (only cycles 0 with max_cycles UINT64_MAX would reach it); the policy's
  // max_cycles is lowered to match, since totals are committed as
  // max_cycles - budget.
  [[maybe_unused]] u64 budget = 0;
  [[maybe_unused]] const std::atomic<std::uint8_t>* pause = nullptr;
  if constexpr (kLinked) {
    budget = next.max_cycles - next.cycles;
    if (budget == ~u64{0}) [[unlikely]] {
      budget = ~u64{0} - 1;
      next.max_cycles = next.cycles + budget;
    }
    pause = next.pause;
  }
  u64 chain_pc = 0;  // where the trace being left continues

#define CKB_VM_RD x[in->rd]
#define CKB_VM_RS1 x[in->rs1]
#define CKB_VM_RS2 x[in->rs2]
#define CKB_VM_IMM simm(in->imm)
#define CKB_VM_COMMIT_CYCLES()                         \
  do {                                                \
    if constexpr (kLinked) next.commit_cycles(next.max_cycles - budget); \
  } while (0)
#define CKB_VM_FAIL(err)      \
  do {                        \
    fault = (err);            \
    goto faulted;             \
  } while (0)
#define CKB_VM_CHECK(expr)                      \
  do {                                          \
    auto&& r_ = (expr);                         \
    if (!r_.ok()) [[unlikely]] CKB_VM_FAIL(r_.error()); \
  } while (0)

#if CKB_VM_THREADED_DISPATCH
  static const void* const table[] = {
#define CKB_VM_LABEL_ADDR(name, ...) &&L_##name,
      CKB_VM_OPCODES(CKB_VM_LABEL_ADDR)
#undef CKB_VM_LABEL_ADDR
  };
  static_assert(sizeof(table) / sizeof(table[0]) == OPCODE_COUNT);
#define CKB_VM_OP(name) L_##name:
#define CKB_VM_DISPATCH() goto* table[static_cast<unsigned>(in->op)]
#define CKB_VM_NEXT() \
  do {                \
    ++in;             \
    CKB_VM_DISPATCH(); \
  } while (0)
  CKB_VM_DISPATCH();
#else
#define CKB_VM_OP(name) case Opcode::name:
#define CKB_VM_DISPATCH() continue
#define CKB_VM_NEXT() \
  {                   \
    ++in;             \
    continue;         \
  }
  for (;;) {
    switch (in->op) {
#endif

#define CKB_VM_ALU(name, expr) \
  CKB_VM_OP(name) {            \
    CKB_VM_RD = (expr);        \
    CKB_VM_NEXT();           \
  }
// `fault` is filled by the checked path; then leave as CKB_VM_FAIL does.
#define CKB_VM_FAULTED() goto faulted

// Leaving a trace for chain_pc. Enter the block whose code is nx_ when it is
// cached, the pause flag is clear (polled when `poll`) and its cycles fit
// under max_cycles (the checks the run loop makes at a block entry);
// otherwise return to the run loop with pc_out = chain_pc. The pause flag is
// polled on every chain that can close a loop (backward or indirect); a run
// of forward chains ends within the code, so a pause is still noticed.
#define CKB_VM_TRY_ENTER(code, poll)                                            \
  {                                                                             \
    const Instruction* nx_ = (code);                                            \
    if (nx_ == nullptr) [[unlikely]] goto chain_exit;                           \
    if ((poll) && pause->load(std::memory_order_relaxed) != 0) [[unlikely]]     \
      goto chain_exit;                                                          \
    const u64 cost_ = block_cycles(nx_);                                        \
    if (cost_ > budget) [[unlikely]] goto chain_exit;                           \
    (void)next.link_target(chain_pc, nx_);                                      \
    budget -= cost_;                                                            \
    next.entered(chain_pc, nx_, in);                                            \
    in = nx_;                                                                   \
    CKB_VM_DISPATCH();                                                          \
  }
// Any target (an absolute address): look the block up.
#define CKB_VM_CHAIN(target)                        \
  {                                                 \
    chain_pc = (target);                            \
    if constexpr (kLinked) {                        \
      CKB_VM_TRY_ENTER(next.lookup(chain_pc), true) \
    } else {                                        \
      goto chain_exit;                              \
    }                                               \
  }
// Entering a block through a link cell. An unlinked cell holds
// kUnlinked, whose cost never fits a budget, so the fast path is: poll (when
// `poll`), load the cost, compare, enter; the cost test's slow path tells an
// unlinked cell (look the block up, `relink`, try again) from a block that
// does not fit (leave).
#define CKB_VM_ENTER_LINKED(code, relink, poll)                                 \
  {                                                                             \
    const Instruction* nx_ = (code);                                            \
    if ((poll) && pause->load(std::memory_order_relaxed) != 0) [[unlikely]]     \
      goto chain_exit;                                                          \
    u64 cost_ = block_cycles(nx_);                                              \
    if (cost_ > budget) [[unlikely]] {                                          \
      if (nx_ != unlinked_code()) goto chain_exit;                              \
      nx_ = next.lookup(chain_pc);                                              \
      if (nx_ == nullptr) goto chain_exit;                                      \
      cost_ = block_cycles(nx_);                                                \
      if (cost_ > budget) goto chain_exit;                                      \
      {                                                                         \
        const Instruction* const link_ = next.link_target(chain_pc, nx_);       \
        relink;                                                                 \
      }                                                                         \
    }                                                                           \
    budget -= cost_;                                                            \
    next.entered(chain_pc, nx_, in);                                            \
    in = nx_;                                                                   \
    CKB_VM_DISPATCH();                                                          \
  }
// A target fixed for this instruction: cached in cell k of the link record
// at `cell` once its block exists (blocks live until the cache is cleared).
// `backward`: the target is below the address after this trace (it may
// close a loop), so the pause flag is polled.
#define CKB_VM_CHAIN_DIRECT(target, cell, k, backward)                    \
  {                                                                       \
    chain_pc = (target);                                                  \
    if constexpr (kLinked) {                                              \
      const Instruction* cell_ = (cell);                                  \
      CKB_VM_ENTER_LINKED(link_get<const Instruction*>(cell_, k),         \
                          link_set(cell_, k, link_), (backward))          \
    } else {                                                              \
      goto chain_exit;                                                    \
    }                                                                     \
  }
// An indirect jump: the link record caches the last target and its code.
#define CKB_VM_CHAIN_INDIRECT(target, cell)                               \
  {                                                                       \
    chain_pc = (target);                                                  \
    if constexpr (kLinked) {                                              \
      const Instruction* cell_ = (cell);                                  \
      CKB_VM_ENTER_LINKED(link_get<u64>(cell_, 0) == chain_pc             \
                              ? link_get<const Instruction*>(cell_, 1)    \
                              : unlinked_code(),                          \
                          (link_set(cell_, 0, chain_pc), link_set(cell_, 1, link_)), true) \
    } else {                                                              \
      goto chain_exit;                                                    \
    }                                                                     \
  }
#define CKB_VM_LOAD_AS(name, T, ext, v0)                                                      \
  CKB_VM_OP(name) {                                                                          \
    const u64 addr_ = CKB_VM_RS1 + CKB_VM_IMM;                                               \
    u64 v_;                                                                                  \
    if (!fast_load<T>(mem, addr_, v_)) [[unlikely]] {                                        \
      const CheckedLoad c_ = checked_load<T, v0>(mem, addr_, fault);                         \
      if (!c_.ok) [[unlikely]] CKB_VM_FAULTED();                                             \
      v_ = c_.value;                                                                         \
    }                                                                                        \
    CKB_VM_RD = ext(static_cast<T>(v_));                                                     \
    CKB_VM_NEXT();                                                                         \
  }
#define CKB_VM_LOAD(name, T, ext) CKB_VM_LOAD_AS(name, T, ext, false)
#define CKB_VM_LOAD_V0(name, T, ext) CKB_VM_LOAD_AS(name, T, ext, true)
#define CKB_VM_STORE(name, T)                                                                \
  CKB_VM_OP(name) {                                                                          \
    const u64 addr_ = CKB_VM_RS1 + CKB_VM_IMM, v_ = CKB_VM_RS2;                              \
    if (!fast_store<T>(mem, addr_, v_)) [[unlikely]]                                         \
      if (!checked_store<T>(mem, addr_, v_, fault)) [[unlikely]] CKB_VM_FAULTED();           \
    CKB_VM_NEXT();                                                                           \
  }
// Branch targets were made absolute by link_trace; the fall-through address
// is the trace end's.
// A branch ends its block: in[1] is TRACE_END, in[2] the link record.
#define CKB_VM_BRANCH(name, cond)                                   \
  CKB_VM_OP(name) {                                                 \
    const u64 a_ = CKB_VM_RS1, b_ = CKB_VM_RS2;                     \
    if (cond) CKB_VM_CHAIN_DIRECT(CKB_VM_IMM, in + 2, 0, chain_pc < simm(in[1].imm)) \
    else CKB_VM_CHAIN_DIRECT(simm(in[1].imm), in + 2, 1, false)                 \
  }

  // ---- RV64I
  CKB_VM_ALU(ADD, CKB_VM_RS1 + CKB_VM_RS2)
  CKB_VM_ALU(ADDW, sext32(CKB_VM_RS1 + CKB_VM_RS2))
  CKB_VM_ALU(SUB, CKB_VM_RS1 - CKB_VM_RS2)
  CKB_VM_ALU(SUBW, sext32(CKB_VM_RS1 - CKB_VM_RS2))
  CKB_VM_ALU(AND, CKB_VM_RS1 & CKB_VM_RS2)
  CKB_VM_ALU(OR, CKB_VM_RS1 | CKB_VM_RS2)
  CKB_VM_ALU(XOR, CKB_VM_RS1 ^ CKB_VM_RS2)
  CKB_VM_ALU(SLL, CKB_VM_RS1 << (CKB_VM_RS2 & 63))
  CKB_VM_ALU(SLLW, sext32(CKB_VM_RS1 << (CKB_VM_RS2 & 31)))
  CKB_VM_ALU(SRL, CKB_VM_RS1 >> (CKB_VM_RS2 & 63))
  CKB_VM_ALU(SRLW, sext32(static_cast<u32>(CKB_VM_RS1) >> (CKB_VM_RS2 & 31)))
  CKB_VM_ALU(SRA, static_cast<u64>(static_cast<i64>(CKB_VM_RS1) >> (CKB_VM_RS2 & 63)))
  CKB_VM_ALU(SRAW, sext32(static_cast<u64>(static_cast<i32>(CKB_VM_RS1) >> (CKB_VM_RS2 & 31))))
  CKB_VM_ALU(SLT, static_cast<i64>(CKB_VM_RS1) < static_cast<i64>(CKB_VM_RS2))
  CKB_VM_ALU(SLTU, CKB_VM_RS1 < CKB_VM_RS2)
  CKB_VM_ALU(ADDI, CKB_VM_RS1 + CKB_VM_IMM)
  CKB_VM_ALU(ADDIW, sext32(CKB_VM_RS1 + CKB_VM_IMM))
  CKB_VM_ALU(ANDI, CKB_VM_RS1 & CKB_VM_IMM)
  CKB_VM_ALU(ORI, CKB_VM_RS1 | CKB_VM_IMM)
  CKB_VM_ALU(XORI, CKB_VM_RS1 ^ CKB_VM_IMM)
  CKB_VM_ALU(SLTI, static_cast<i64>(CKB_VM_RS1) < static_cast<i64>(CKB_VM_IMM))
  CKB_VM_ALU(SLTIU, CKB_VM_RS1 < CKB_VM_IMM)
  CKB_VM_ALU(SLLI, CKB_VM_RS1 << (in->imm & 63))
  CKB_VM_ALU(SRLI, CKB_VM_RS1 >> (in->imm & 63))
  CKB_VM_ALU(SRAI, static_cast<u64>(static_cast<i64>(CKB_VM_RS1) >> (in->imm & 63)))
  CKB_VM_ALU(SLLIW, sext32(CKB_VM_RS1 << (in->imm & 31)))
  CKB_VM_ALU(SRLIW, sext32(static_cast<u32>(CKB_VM_RS1) >> (in->imm & 31)))
  CKB_VM_ALU(SRAIW, sext32(static_cast<u64>(static_cast<i32>(CKB_VM_RS1) >> (in->imm & 31))))
  CKB_VM_ALU(LUI, CKB_VM_IMM)
  CKB_VM_ALU(AUIPC, simm(in[1].imm) - in->length + CKB_VM_IMM)  // unfoldable: last in trace
  CKB_VM_ALU(CUSTOM_LOAD_IMM, CKB_VM_IMM)

  CKB_VM_LOAD_V0(LB_V0, std::uint8_t, sext8)
  CKB_VM_LOAD_V0(LH_V0, std::uint16_t, sext16)
  CKB_VM_LOAD_V0(LW_V0, std::uint32_t, sext32)
  CKB_VM_LOAD_V0(LD_V0, std::uint64_t, zext)
  CKB_VM_LOAD_V0(LBU_V0, std::uint8_t, zext)
  CKB_VM_LOAD_V0(LHU_V0, std::uint16_t, zext)
  CKB_VM_LOAD_V0(LWU_V0, std::uint32_t, zext)
  CKB_VM_LOAD(LB_V1, std::uint8_t, sext8)
  CKB_VM_LOAD(LH_V1, std::uint16_t, sext16)
  CKB_VM_LOAD(LW_V1, std::uint32_t, sext32)
  CKB_VM_LOAD(LD_V1, std::uint64_t, zext)
  CKB_VM_LOAD(LBU_V1, std::uint8_t, zext)
  CKB_VM_LOAD(LHU_V1, std::uint16_t, zext)
  CKB_VM_LOAD(LWU_V1, std::uint32_t, zext)

  CKB_VM_STORE(SB, std::uint8_t)
  CKB_VM_STORE(SH, std::uint16_t)
  CKB_VM_STORE(SW, std::uint32_t)
  CKB_VM_STORE(SD, std::uint64_t)

  CKB_VM_BRANCH(BEQ, a_ == b_)
  CKB_VM_BRANCH(BNE, a_ != b_)
  CKB_VM_BRANCH(BLT, static_cast<i64>(a_) < static_cast<i64>(b_))
  CKB_VM_BRANCH(BGE, static_cast<i64>(a_) >= static_cast<i64>(b_))
  CKB_VM_BRANCH(BLTU, a_ < b_)
  CKB_VM_BRANCH(BGEU, a_ >= b_)

  // Control transfers end their trace, so the address after them is the
  // trace end's immediate, and their own pc is that minus their length.
  CKB_VM_OP(JAL) {
    CKB_VM_RD = simm(in[1].imm);
    CKB_VM_CHAIN_DIRECT(CKB_VM_IMM, in + 2, 0, chain_pc < simm(in[1].imm))
  }
  CKB_VM_OP(JALR_V0) {
    // VERSION0 writes the link register before reading rs1, so
    // `jalr t0, 0(t0)` jumps relative to the link (ckb-vm issue 92).
    const u64 link = simm(in[1].imm);
    const u64 base = (in->rd != 0 && in->rd == in->rs1) ? link : CKB_VM_RS1;
    x[in->rd == 0 ? SINK_REGISTER : in->rd] = link;
    CKB_VM_CHAIN_INDIRECT((base + CKB_VM_IMM) & ~u64{1}, in + 2)
  }
  CKB_VM_OP(JALR_V1) {
    const u64 target = (CKB_VM_RS1 + CKB_VM_IMM) & ~u64{1};
    CKB_VM_RD = simm(in[1].imm);
    CKB_VM_CHAIN_INDIRECT(target, in + 2)
  }
  CKB_VM_OP(FAR_JUMP_REL) {  // only when pc + imm did not fit 32 bits
    const u64 link = simm(in[1].imm);
    x[registers::RA] = link;
    CKB_VM_CHAIN((link - in->length + CKB_VM_IMM) & ~u64{1})
  }
  CKB_VM_OP(FAR_JUMP_ABS) {
    x[registers::RA] = simm(in[1].imm);
    CKB_VM_CHAIN_DIRECT(CKB_VM_IMM & ~u64{1}, in + 2, 0, chain_pc < simm(in[1].imm))
  }
  CKB_VM_OP(FENCE) CKB_VM_NEXT();
  CKB_VM_OP(FENCEI) CKB_VM_NEXT();

  // ecall / ebreak: the machine sees pc at the instruction and next_pc after
  // it, exactly as in ckb-vm; a handler may redirect next_pc.
  CKB_VM_OP(ECALL) {
    const u64 after = simm(in[1].imm);
    m.update_pc(after - in->length);
    m.commit_pc();
    m.update_pc(after);
    CKB_VM_COMMIT_CYCLES();  // host code may read or charge cycles
    auto r_ = m.ecall();
    pc_out = m.next_pc();
    if (!r_.ok()) [[unlikely]] {
      fault = r_.error();
      return in;
    }
    // Host code ran: leave the trace so the caller re-checks running,
    // reset and pause before going on.
    if constexpr (kLinked) next.left(in);
    return nullptr;
  }
  CKB_VM_OP(EBREAK) {
    const u64 after = simm(in[1].imm);
    m.update_pc(after - in->length);
    m.commit_pc();
    m.update_pc(after);
    CKB_VM_COMMIT_CYCLES();
    auto r_ = m.ebreak();
    pc_out = m.next_pc();
    if (!r_.ok()) [[unlikely]] {
      fault = r_.error();
      return in;
    }
    // Host code ran: leave the trace so the caller re-checks running,
    // reset and pause before going on.
    if constexpr (kLinked) next.left(in);
    return nullptr;
  }

  // ---- M
  CKB_VM_ALU(MUL, CKB_VM_RS1 * CKB_VM_RS2)
  CKB_VM_ALU(MULW, sext32(static_cast<u64>(static_cast<u32>(CKB_VM_RS1)) * static_cast<u32>(CKB_VM_RS2)))
  CKB_VM_ALU(MULH, mulh(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(MULHSU, mulhsu(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(MULHU, mulhu(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(DIV, div_s(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(DIVW, sext32(div_s(sext32(CKB_VM_RS1), sext32(CKB_VM_RS2))))
  CKB_VM_ALU(DIVU, div_u(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(DIVUW, sext32(div_u(static_cast<u32>(CKB_VM_RS1), static_cast<u32>(CKB_VM_RS2))))
  CKB_VM_ALU(REM, rem_s(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(REMW, sext32(rem_s(sext32(CKB_VM_RS1), sext32(CKB_VM_RS2))))
  CKB_VM_ALU(REMU, rem_u(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(REMUW, sext32(rem_u(static_cast<u32>(CKB_VM_RS1), static_cast<u32>(CKB_VM_RS2))))

  // ---- A. As in ckb-vm: SC always loads and stores back (a failed SC still
  // needs write permission and dirties the page), and AMOs write rd before
  // their store.
  CKB_VM_OP(LR_W) {
    const u64 addr = CKB_VM_RS1;
    auto v_ = mem.load32(addr);
    if (!v_.ok()) [[unlikely]] CKB_VM_FAIL(v_.error());
    CKB_VM_RD = sext32(*v_);
    mem.set_lr(addr);
    CKB_VM_NEXT();
  }
  CKB_VM_OP(LR_D) {
    const u64 addr = CKB_VM_RS1;
    auto v_ = mem.load64(addr);
    if (!v_.ok()) [[unlikely]] CKB_VM_FAIL(v_.error());
    CKB_VM_RD = *v_;
    mem.set_lr(addr);
    CKB_VM_NEXT();
  }
  CKB_VM_OP(SC_W) {
    const u64 addr = CKB_VM_RS1, value = CKB_VM_RS2;
    const bool hit = addr == mem.lr();
    auto old = mem.load32(addr);
    if (!old.ok()) [[unlikely]] CKB_VM_FAIL(old.error());
    CKB_VM_CHECK(mem.store32(addr, hit ? value : *old));
    CKB_VM_RD = hit ? 0 : 1;
    mem.set_lr(~u64{0});
    CKB_VM_NEXT();
  }
  CKB_VM_OP(SC_D) {
    const u64 addr = CKB_VM_RS1, value = CKB_VM_RS2;
    const bool hit = addr == mem.lr();
    auto old = mem.load64(addr);
    if (!old.ok()) [[unlikely]] CKB_VM_FAIL(old.error());
    CKB_VM_CHECK(mem.store64(addr, hit ? value : *old));
    CKB_VM_RD = hit ? 0 : 1;
    mem.set_lr(~u64{0});
    CKB_VM_NEXT();
  }
#define CKB_VM_AMO_W(name, expr)                        \
  CKB_VM_OP(name) {                                     \
    const u64 addr = CKB_VM_RS1, b = CKB_VM_RS2;        \
    auto v_ = mem.load32(addr);                         \
    if (!v_.ok()) [[unlikely]] CKB_VM_FAIL(v_.error()); \
    const u64 l = *v_; /* zero-extended */              \
    const u64 s = sext32(l);                            \
    CKB_VM_RD = s;                                      \
    CKB_VM_CHECK(mem.store32(addr, (expr)));            \
    CKB_VM_NEXT();                                      \
  }
  CKB_VM_AMO_W(AMOSWAP_W, b)
  CKB_VM_AMO_W(AMOADD_W, b + s)
  CKB_VM_AMO_W(AMOXOR_W, b ^ s)
  CKB_VM_AMO_W(AMOAND_W, b & s)
  CKB_VM_AMO_W(AMOOR_W, b | s)
  CKB_VM_AMO_W(AMOMIN_W, static_cast<i64>(sext32(b)) < static_cast<i64>(s) ? sext32(b) : s)
  CKB_VM_AMO_W(AMOMAX_W, static_cast<i64>(sext32(b)) >= static_cast<i64>(s) ? sext32(b) : s)
  CKB_VM_AMO_W(AMOMINU_W, static_cast<u32>(b) < l ? static_cast<u64>(static_cast<u32>(b)) : l)
  CKB_VM_AMO_W(AMOMAXU_W, static_cast<u32>(b) >= l ? static_cast<u64>(static_cast<u32>(b)) : l)
#define CKB_VM_AMO_D(name, expr)                        \
  CKB_VM_OP(name) {                                     \
    const u64 addr = CKB_VM_RS1, b = CKB_VM_RS2;        \
    auto v_ = mem.load64(addr);                         \
    if (!v_.ok()) [[unlikely]] CKB_VM_FAIL(v_.error()); \
    const u64 l = *v_;                                  \
    CKB_VM_RD = l;                                      \
    CKB_VM_CHECK(mem.store64(addr, (expr)));            \
    CKB_VM_NEXT();                                      \
  }
  CKB_VM_AMO_D(AMOSWAP_D, b)
  CKB_VM_AMO_D(AMOADD_D, b + l)
  CKB_VM_AMO_D(AMOXOR_D, b ^ l)
  CKB_VM_AMO_D(AMOAND_D, b & l)
  CKB_VM_AMO_D(AMOOR_D, b | l)
  CKB_VM_AMO_D(AMOMIN_D, static_cast<i64>(b) < static_cast<i64>(l) ? b : l)
  CKB_VM_AMO_D(AMOMAX_D, static_cast<i64>(b) >= static_cast<i64>(l) ? b : l)
  CKB_VM_AMO_D(AMOMINU_D, b < l ? b : l)
  CKB_VM_AMO_D(AMOMAXU_D, b >= l ? b : l)

  // ---- B
  CKB_VM_ALU(ADDUW, CKB_VM_RS2 + static_cast<u32>(CKB_VM_RS1))
  CKB_VM_ALU(SH1ADD, (CKB_VM_RS1 << 1) + CKB_VM_RS2)
  CKB_VM_ALU(SH2ADD, (CKB_VM_RS1 << 2) + CKB_VM_RS2)
  CKB_VM_ALU(SH3ADD, (CKB_VM_RS1 << 3) + CKB_VM_RS2)
  CKB_VM_ALU(SH1ADDUW, (static_cast<u64>(static_cast<u32>(CKB_VM_RS1)) << 1) + CKB_VM_RS2)
  CKB_VM_ALU(SH2ADDUW, (static_cast<u64>(static_cast<u32>(CKB_VM_RS1)) << 2) + CKB_VM_RS2)
  CKB_VM_ALU(SH3ADDUW, (static_cast<u64>(static_cast<u32>(CKB_VM_RS1)) << 3) + CKB_VM_RS2)
  CKB_VM_ALU(SLLIUW, static_cast<u64>(static_cast<u32>(CKB_VM_RS1)) << (in->imm & 63))
  CKB_VM_ALU(ANDN, CKB_VM_RS1 & ~CKB_VM_RS2)
  CKB_VM_ALU(ORN, CKB_VM_RS1 | ~CKB_VM_RS2)
  CKB_VM_ALU(XNOR, CKB_VM_RS1 ^ ~CKB_VM_RS2)
  CKB_VM_ALU(CLZ, static_cast<u64>(std::countl_zero(CKB_VM_RS1)))
  CKB_VM_ALU(CLZW, static_cast<u64>(std::countl_zero(static_cast<u32>(CKB_VM_RS1))))
  CKB_VM_ALU(CTZ, static_cast<u64>(std::countr_zero(CKB_VM_RS1)))
  CKB_VM_ALU(CTZW, static_cast<u64>(std::countr_zero(static_cast<u32>(CKB_VM_RS1))))
  CKB_VM_ALU(CPOP, static_cast<u64>(std::popcount(CKB_VM_RS1)))
  CKB_VM_ALU(CPOPW, static_cast<u64>(std::popcount(static_cast<u32>(CKB_VM_RS1))))
  CKB_VM_ALU(MAX, static_cast<i64>(CKB_VM_RS1) >= static_cast<i64>(CKB_VM_RS2) ? CKB_VM_RS1 : CKB_VM_RS2)
  CKB_VM_ALU(MAXU, CKB_VM_RS1 >= CKB_VM_RS2 ? CKB_VM_RS1 : CKB_VM_RS2)
  CKB_VM_ALU(MIN, static_cast<i64>(CKB_VM_RS1) < static_cast<i64>(CKB_VM_RS2) ? CKB_VM_RS1 : CKB_VM_RS2)
  CKB_VM_ALU(MINU, CKB_VM_RS1 < CKB_VM_RS2 ? CKB_VM_RS1 : CKB_VM_RS2)
  CKB_VM_ALU(SEXTB, sext8(CKB_VM_RS1))
  CKB_VM_ALU(SEXTH, sext16(CKB_VM_RS1))
  CKB_VM_ALU(ZEXTH, CKB_VM_RS1 & 0xffff)
  CKB_VM_ALU(ROL, std::rotl(CKB_VM_RS1, static_cast<int>(CKB_VM_RS2 & 63)))
  CKB_VM_ALU(ROR, std::rotr(CKB_VM_RS1, static_cast<int>(CKB_VM_RS2 & 63)))
  CKB_VM_ALU(RORI, std::rotr(CKB_VM_RS1, static_cast<int>(in->imm & 63)))
  CKB_VM_ALU(ROLW, rol32_sext(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(RORW, ror32_sext(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(RORIW, ror32_sext(CKB_VM_RS1, static_cast<u64>(in->imm)))
  CKB_VM_ALU(ORCB, orc_b(CKB_VM_RS1))
  CKB_VM_ALU(REV8, rev8(CKB_VM_RS1))
  CKB_VM_ALU(CLMUL, clmul(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(CLMULH, clmulh(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(CLMULR, clmulr(CKB_VM_RS1, CKB_VM_RS2))
  CKB_VM_ALU(BCLR, CKB_VM_RS1 & ~(u64{1} << (CKB_VM_RS2 & 63)))
  CKB_VM_ALU(BCLRI, CKB_VM_RS1 & ~(u64{1} << (in->imm & 63)))
  CKB_VM_ALU(BEXT, (CKB_VM_RS1 >> (CKB_VM_RS2 & 63)) & 1)
  CKB_VM_ALU(BEXTI, (CKB_VM_RS1 >> (in->imm & 63)) & 1)
  CKB_VM_ALU(BINV, CKB_VM_RS1 ^ (u64{1} << (CKB_VM_RS2 & 63)))
  CKB_VM_ALU(BINVI, CKB_VM_RS1 ^ (u64{1} << (in->imm & 63)))
  CKB_VM_ALU(BSET, CKB_VM_RS1 | (u64{1} << (CKB_VM_RS2 & 63)))
  CKB_VM_ALU(BSETI, CKB_VM_RS1 | (u64{1} << (in->imm & 63)))

  // ---- MOP fused ops, with the results ckb-vm's fused handlers compute.
#define CKB_VM_WIDE(name, hi, lo)             \
  CKB_VM_OP(name) {                           \
    const u64 a = CKB_VM_RS1, b = CKB_VM_RS2; \
    CKB_VM_RD = hi(a, b);                     \
    x[in->rs3] = lo;                          \
    CKB_VM_NEXT();                          \
  }
  CKB_VM_WIDE(WIDE_MUL, mulh, a * b)
  CKB_VM_WIDE(WIDE_MULU, mulhu, a * b)
  CKB_VM_WIDE(WIDE_MULSU, mulhsu, a * b)
  CKB_VM_WIDE(WIDE_DIV, div_s, rem_s(a, b))
  CKB_VM_WIDE(WIDE_DIVU, div_u, rem_u(a, b))
  CKB_VM_OP(ADC) {
    // rd += rs1; rs1 = rd < rs1; rd += rs2; rs2 = rd < rs2; rs1 |= rs2
    // (the fusion rule guarantees none of the three is x0)
    u64& d = x[in->rd];
    u64& r1 = x[in->rs1];
    u64& r2 = x[in->rs2];
    d += r1;
    r1 = d < r1;
    d += r2;
    r2 = d < r2;
    r1 |= r2;
    CKB_VM_NEXT();
  }
  CKB_VM_OP(SBB) {
    // rs1 = rd - rs1; rs3 = rd < rs1; rd = rs1 - rs2; rs2 = rs1 < rd; rs1 = rs2 | rs3
    u64& d = x[in->rd];
    u64& r1 = x[in->rs1];
    u64& r2 = x[in->rs2];
    u64& r3 = x[in->rs3];
    r1 = d - r1;
    r3 = d < r1;
    d = r1 - r2;
    r2 = r1 < d;
    r1 = r2 | r3;
    CKB_VM_NEXT();
  }
  CKB_VM_OP(ADCS) {
    const u64 a = CKB_VM_RS1, s = a + CKB_VM_RS2;
    CKB_VM_RD = s;
    x[in->rs3] = s < a;
    CKB_VM_NEXT();
  }
  CKB_VM_OP(SBBS) {
    const u64 a = CKB_VM_RS1, b = CKB_VM_RS2;
    CKB_VM_RD = a - b;
    x[in->rs3] = a < b;
    CKB_VM_NEXT();
  }
  CKB_VM_OP(ADD3A) {
    x[in->rd] = x[in->rd] + x[in->rs1];
    x[in->rs2] = x[in->rd] < x[in->rs1];
    x[in->rs3] = x[in->rs2] + x[in->rs4];
    CKB_VM_NEXT();
  }
  CKB_VM_OP(ADD3B) {
    x[in->rd] = x[in->rs1] + x[in->rs2];
    x[in->rs1] = x[in->rd] < x[in->rs1];
    x[in->rs3] = x[in->rs1] + x[in->rs4];
    CKB_VM_NEXT();
  }
  CKB_VM_OP(ADD3C) {
    x[in->rd] = x[in->rs1] + x[in->rs2];
    x[in->rs3] = static_cast<u64>(x[in->rd] < x[in->rs1]) + x[in->rs4];
    CKB_VM_NEXT();
  }

  // The link record follows TRACE_END; cell 1 is the fall-through block.
  CKB_VM_OP(TRACE_END) CKB_VM_CHAIN_DIRECT(CKB_VM_IMM, in + 1, 1, false)

  // A linked entry into a VERSION0/1 block (only link cells lead here).
  CKB_VM_OP(TRACE_SLOT) {
    if constexpr (kLinked) next.record_slot(stub_pc(in));
    in = stub_code(in);
    CKB_VM_DISPATCH();
  }

#if !CKB_VM_THREADED_DISPATCH
      case Opcode::COUNT_:
        break;
    }
    // Unknown opcode (corrupted record): never produced by the decoder.
    fault = Error(ErrorCode::InvalidOp);
    pc_out = pc_after(in);
    CKB_VM_COMMIT_CYCLES();
    return in;
  }
#endif

chain_exit:
  if constexpr (kLinked) next.left(in);
  pc_out = chain_pc;
  CKB_VM_COMMIT_CYCLES();
  return nullptr;

  // Every fault leaves here (one copy of the exit, not one per handler).
faulted:
  pc_out = pc_after(in);
  CKB_VM_COMMIT_CYCLES();
  return in;

#undef CKB_VM_RD
#undef CKB_VM_RS1
#undef CKB_VM_RS2
#undef CKB_VM_IMM
#undef CKB_VM_FAIL
#undef CKB_VM_CHECK
#undef CKB_VM_OP
#undef CKB_VM_DISPATCH
#undef CKB_VM_NEXT
#undef CKB_VM_CHAIN
#undef CKB_VM_CHAIN_DIRECT
#undef CKB_VM_CHAIN_INDIRECT
#undef CKB_VM_TRY_ENTER
#undef CKB_VM_ENTER_LINKED
#undef CKB_VM_COMMIT_CYCLES
#undef CKB_VM_ALU
#undef CKB_VM_LOAD
#undef CKB_VM_LOAD_V0
#undef CKB_VM_LOAD_AS
#undef CKB_VM_FAULTED
#undef CKB_VM_STORE
#undef CKB_VM_BRANCH
#undef CKB_VM_AMO_W
#undef CKB_VM_AMO_D
#undef CKB_VM_WIDE
}

}  // namespace detail
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm

#if CKB_VM_THREADED_DISPATCH
#if defined(__clang__)
#pragma clang diagnostic pop
#else
#pragma GCC diagnostic pop
#endif
#endif
