// rvgen: a seeded generator of random RV64 programs, emitted as whole ELF
// files, for differential testing of run() against step(), a model of
// ckb-vm's trace machine (trace_model.hpp) and ckb-vm itself (through the
// ckb_vm_rvgen tool and tests/differential/oracle_compare.sh).
//
// A program is structured so that it ends: straight-line code, forward
// branches, counted loops (counters in registers no other instruction
// writes), out-of-line gadgets entered with a return address in a reserved
// register, then an epilogue that hashes every register and a window of the
// scratch memory, optionally prints the hash with CKB's debug syscall (2177)
// and exits (ecall 93) with the hash folded to 8 bits. Deliberate hazards end
// it early: invalid or random encodings, accesses at page boundaries, at the
// end of memory and out of bounds, stores to code or frozen pages, unknown
// ecalls, and far jumps above 2^32 that land on (or next to) an address whose
// low 32 bits start a trace ckb-vm has cached, which VERSION0/1 trace caches
// run and VERSION2 rejects.
//
// The same (seed, options) always gives the same bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "elf_writer.hpp"
#include "rv_asm.hpp"

namespace rvgen {

// ---------------------------------------------------------------------------
// Random numbers: splitmix64 (small, fast, good enough, fully specified).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Uniform in [lo, hi].
  std::int64_t range(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  // True with probability num/den.
  bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& a) {
    return a[below(N)];
  }

 private:
  std::uint64_t s_;
};

// Seed of program `index` in a run seeded with `seed` (so program i can be
// regenerated alone).
inline std::uint64_t program_seed(std::uint64_t seed, std::uint64_t index) {
  Rng r(seed ^ (index * 0xd1342543de82ef95ULL));
  r.next();
  return r.next();
}


// Register numbers.
enum : unsigned {
  ZERO = 0, RA = 1, SP = 2, T0 = 5, T1 = 6, A0 = 10, A7 = 17,
  S8 = 24,   // return address of gadgets
  S9 = 25,   // outer loop counter
  S10 = 26,  // inner loop counter
  T3 = 28, T4 = 29, T5 = 30, T6 = 31,
};
// Never written by random instructions.
inline bool reserved(unsigned r) { return r == SP || r == S8 || r == S9 || r == S10; }

// ---------------------------------------------------------------------------
// Memory layout of generated programs (4 MiB guest memory).
struct Layout {
  static constexpr std::uint64_t MEMORY = 4ull << 20;
  static constexpr std::uint64_t CODE = 0x10000;       // R+X, the main code segment
  static constexpr std::uint64_t RO = 0x80000;         // R, random bytes
  static constexpr std::uint64_t DATA = 0x100000;      // R+W segment (frozen in VERSION0)
  static constexpr std::uint64_t DATA_SIZE = 0x2000;
  static constexpr std::uint64_t SCRATCH = 0x200000;   // not in the ELF: writable zero pages
  static constexpr std::uint64_t SCRATCH_SIZE = 0x3000;
  static constexpr std::uint64_t HASHED = 0x400;       // epilogue hashes SCRATCH..+HASHED
};

// Options; a generated program may use any subset.
struct Options {
  bool use_b = true;       // Zba/Zbb/Zbc/Zbs instructions
  bool use_a = true;       // LR/SC/AMO
  bool print_hash = false; // print the 64-bit hash with ecall 2177 before exiting
};

struct Program {
  std::vector<std::uint8_t> elf;
  std::uint64_t seed = 0;
  std::string features;  // comma-separated generator choices, for reports
  // Pages worth hashing after a run (data, scratch, stack top, end of memory).
  std::vector<std::uint64_t> pages;
};

// ---------------------------------------------------------------------------
// Assembler for one code segment; labels are shared by all segments (their
// addresses are known when bound, since segment bases are fixed up front).
struct Label {
  int id = -1;
};

class Assembler {
 public:
  static constexpr std::uint64_t UNBOUND = ~std::uint64_t{0};
  enum class Kind { Branch, Jal, HiLo, PcHiLo };
  struct Fixup {
    Kind kind;
    std::size_t at;  // offset in this segment
    int label;
    std::int64_t addend;
  };

  Assembler(std::uint64_t base, std::vector<std::uint64_t>* labels) : base_(base), labels_(labels) {}

  std::uint64_t base() const { return base_; }
  std::uint64_t here() const { return base_ + code_.size(); }
  std::size_t size() const { return code_.size(); }
  std::vector<std::uint8_t>& bytes() { return code_; }
  const std::vector<Fixup>& fixups() const { return fix_; }

  void w32(std::uint32_t w) {
    for (int k = 0; k < 4; ++k) code_.push_back(static_cast<std::uint8_t>(w >> (8 * k)));
  }
  void w16(std::uint16_t h) {
    code_.push_back(static_cast<std::uint8_t>(h));
    code_.push_back(static_cast<std::uint8_t>(h >> 8));
  }
  void pad_to(std::uint64_t address) {
    while (here() < address) code_.push_back(0);
  }

  Label label() {
    labels_->push_back(UNBOUND);
    return Label{static_cast<int>(labels_->size() - 1)};
  }
  void bind(Label l) { (*labels_)[l.id] = here(); }

  void branch(std::uint32_t f3, unsigned a, unsigned b, Label l) {
    fix_.push_back({Kind::Branch, code_.size(), l.id, 0});
    w32(rv::b(0, b, a, f3));
  }
  void jal(unsigned rd, Label l) {
    fix_.push_back({Kind::Jal, code_.size(), l.id, 0});
    w32(rv::j(0, rd));
  }
  // lui rd, hi ; addi rd, rd, lo  ->  rd = address(l) + addend (below 2^31)
  void la(unsigned rd, Label l, std::int64_t addend = 0) {
    fix_.push_back({Kind::HiLo, code_.size(), l.id, addend});
    w32(rv::lui(rd, 0));
    w32(rv::addi(rd, rd, 0));
  }
  // auipc rd, hi ; jalr link, lo(rd)  -> jump to l (pc-relative)
  void auipc_jalr(unsigned rd, unsigned link, Label l) {
    fix_.push_back({Kind::PcHiLo, code_.size(), l.id, 0});
    w32(rv::auipc(rd, 0));
    w32(rv::jalr(link, rd, 0));
  }
  // lui rd, hi ; jalr link, lo(rd)  -> jump to l (absolute)
  void lui_jalr(unsigned rd, unsigned link, Label l) {
    fix_.push_back({Kind::HiLo, code_.size(), l.id, 0});
    w32(rv::lui(rd, 0));
    w32(rv::jalr(link, rd, 0));
  }

  // Patches every fixup; false if a target is unbound or out of range.
  bool link(const std::vector<std::uint64_t>& labels);

 private:
  std::uint64_t base_;
  std::vector<std::uint64_t>* labels_;
  std::vector<std::uint8_t> code_;
  std::vector<Fixup> fix_;
};

// hi/lo split so that (hi << 12) + sext(lo) == v for v < 2^31.
inline std::pair<std::uint32_t, std::int32_t> hi_lo(std::uint64_t v) {
  const std::int32_t lo = static_cast<std::int32_t>(static_cast<std::uint32_t>(v & 0xfff) << 20) >> 20;
  const std::uint32_t hi = static_cast<std::uint32_t>((v - static_cast<std::uint64_t>(static_cast<std::int64_t>(lo))) >> 12);
  return {hi & 0xfffff, lo};
}

// ---------------------------------------------------------------------------
// The generator.
class Generator {
 public:
  Generator(std::uint64_t seed, Options opt)
      : rng_(seed), opt_(opt), seed_(seed), main_(std::make_unique<Assembler>(Layout::CODE, &labels_)) {}

  Program generate();

 private:
  Rng rng_;
  Options opt_;
  std::uint64_t seed_;
  std::vector<std::uint64_t> labels_;
  std::unique_ptr<Assembler> main_;
  std::unique_ptr<Assembler> extra_;  // a second code segment, sometimes
  Assembler* cur_ = nullptr;
  std::vector<std::string> feats_;
  int budget_ = 0;  // static instructions left
  int depth_ = 0;   // block nesting
  int loop_depth_ = 0;
  bool in_gadget_ = false;
  bool b_ = false, a_ = false, mop_patterns_ = false, raw_ = false;
  int page_cross_left_ = 0;
  int hazards_ = 0;      // program-ending hazards still allowed
  int alias_left_ = 0;   // jumps above 2^32 still allowed
  bool hazard() {
    if (hazards_ <= 0) return false;
    --hazards_;
    return true;
  }
  // Gadgets: out-of-line code entered with S8 = return address, emitted
  // after the epilogue (or into the extra segment).
  struct Gadget {
    Label entry;
    bool extra;
    int size;
    int twin_of = -1;  // a main-segment gadget whose trace slot this one shares
  };
  std::vector<Gadget> gadgets_;

  void feat(const char* f) {
    if (std::find(feats_.begin(), feats_.end(), f) == feats_.end()) feats_.emplace_back(f);
  }

  // A random register, never a reserved one.
  unsigned rd() {
    for (;;) {
      unsigned r = static_cast<unsigned>(rng_.below(32));
      if (!reserved(r)) return r;
    }
  }
  // Any register as a source.
  unsigned rs() { return static_cast<unsigned>(rng_.below(32)); }

  // Interesting 64-bit values.
  std::uint64_t value() {
    static constexpr std::array<std::uint64_t, 16> special = {
        0, 1, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull, 0x80000000ull, 0xffffffffull,
        0x7fffffffull, 0xffffffff80000000ull, 2, 63, 64, 0x100000000ull, 0xff, 0x8000, 0x5555555555555555ull};
    switch (rng_.below(4)) {
      case 0: return rng_.pick(special);
      case 1: return rng_.next() & 0xfff;
      case 2: return rng_.pick(special) + static_cast<std::uint64_t>(rng_.range(-2, 2));
      default: return rng_.next();
    }
  }

  void w(std::uint32_t x) {
    cur_->w32(x);
    --budget_;
  }
  void h(std::uint16_t x) {
    cur_->w16(x);
    --budget_;
  }

  // r = sign-extended 32-bit v (addi when small, else lui+addiw).
  void li32(unsigned r, std::int32_t v) {
    if (v >= -2048 && v < 2048) {
      w(rv::addi(r, ZERO, v));
      return;
    }
    auto [hi, lo] = hi_lo(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)) & 0xffffffffull);
    // lui+addiw is itself a MOP pattern (CUSTOM_LOAD_IMM) in every MOP version.
    w(rv::lui(r, hi));
    w(rv::addiw(r, r, lo));
  }
  // r = v (any 64-bit value); clobbers tmp.
  void li64(unsigned r, unsigned tmp, std::uint64_t v) {
    const auto s = static_cast<std::int64_t>(v);
    if (s == static_cast<std::int32_t>(s)) {
      li32(r, static_cast<std::int32_t>(s));
      return;
    }
    li32(r, static_cast<std::int32_t>(v >> 32));
    w(rv::slli(r, r, 32));
    li32(tmp, static_cast<std::int32_t>(v));
    w(rv::slli(tmp, tmp, 32));
    w(rv::srli(tmp, tmp, 32));
    w(rv::or_(r, r, tmp));
  }

  // ---- instruction classes
  void alu(bool single = false);
  void alu_b();
  void rvc();
  void fusion();
  void long_fused_trace();
  void memory_op();
  void amo();
  void raw_word();
  void branch_block();
  void loop_block();
  void jalr_same_reg();
  void far_jump();
  void call_gadget(bool alias);
  void misc();
  void page_cross();
  void block(int items);
  void item();
  void emit_gadget(const Gadget& g);
  void epilogue();
  std::vector<std::uint8_t> elf(const std::vector<std::uint8_t>& ro, const std::vector<std::uint8_t>& data);
};

inline void Generator::alu(bool single) {
  const unsigned d = rd(), a = rs(), b = rs();
  switch (rng_.below(single ? 7 : 8)) {
    case 0: {  // R-type base
      static constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 10> ops = {
          {{0, 0}, {0x20, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}, {0x20, 5}, {0, 6}, {0, 7}}};
      auto [f7, f3] = rng_.pick(ops);
      w(rv::rr(f7, f3, 0x33, d, a, b));
      break;
    }
    case 1: {  // R-type W
      static constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 5> ops = {
          {{0, 0}, {0x20, 0}, {0, 1}, {0, 5}, {0x20, 5}}};
      auto [f7, f3] = rng_.pick(ops);
      w(rv::rr(f7, f3, 0x3b, d, a, b));
      break;
    }
    case 2:  // M
      w(rv::rr(1, static_cast<std::uint32_t>(rng_.below(8)), 0x33, d, a, b));
      break;
    case 3: {  // M W
      static constexpr std::array<std::uint32_t, 5> f3s = {0, 4, 5, 6, 7};
      w(rv::rr(1, rng_.pick(f3s), 0x3b, d, a, b));
      break;
    }
    case 4: {  // I-type
      const std::uint32_t f3 = static_cast<std::uint32_t>(rng_.below(8));
      std::int32_t imm = static_cast<std::int32_t>(rng_.range(-2048, 2047));
      if (f3 == 1) imm = static_cast<std::int32_t>(rng_.below(64));
      if (f3 == 5) imm = static_cast<std::int32_t>(rng_.below(64)) | (rng_.chance(1, 2) ? 0x400 : 0);
      w(rv::i(imm, a, f3, d, 0x13));
      break;
    }
    case 5: {  // I-type W
      static constexpr std::array<std::uint32_t, 3> f3s = {0, 1, 5};
      const std::uint32_t f3 = rng_.pick(f3s);
      std::int32_t imm = static_cast<std::int32_t>(rng_.range(-2048, 2047));
      if (f3 != 0) imm = static_cast<std::int32_t>(rng_.below(32)) | (f3 == 5 && rng_.chance(1, 2) ? 0x400 : 0);
      w(rv::i(imm, a, f3, d, 0x1b));
      break;
    }
    case 6:  // lui / auipc (AUIPC ends a ckb-vm trace)
      w(rng_.chance(1, 2) ? rv::lui(d, static_cast<std::uint32_t>(rng_.next())) : rv::auipc(d, static_cast<std::uint32_t>(rng_.next())));
      break;
    default:  // load a constant
      if (single) {
        w(rv::addi(d, a, static_cast<std::int32_t>(rng_.range(-2048, 2047))));
        break;
      }
      li64(d, T6 == d ? T5 : T6, value());
      break;
  }
}

inline void Generator::alu_b() {
  feat("b");
  const unsigned d = rd(), a = rs(), b = rs();
  switch (rng_.below(4)) {
    case 0: {  // R-type 0x33
      static constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 19> ops = {
          {{0x20, 7}, {0x20, 6}, {0x20, 4}, {0x30, 1}, {0x30, 5}, {0x34, 1}, {0x14, 1}, {0x24, 1}, {0x24, 5},
           {0x10, 2}, {0x10, 4}, {0x10, 6}, {0x05, 1}, {0x05, 3}, {0x05, 2}, {0x05, 4}, {0x05, 5}, {0x05, 6},
           {0x05, 7}}};
      auto [f7, f3] = rng_.pick(ops);
      w(rv::rr(f7, f3, 0x33, d, a, b));
      break;
    }
    case 1: {  // R-type 0x3b
      static constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 7> ops = {
          {{0x04, 0}, {0x30, 1}, {0x10, 2}, {0x04, 4}, {0x10, 4}, {0x30, 5}, {0x10, 6}}};
      auto [f7, f3] = rng_.pick(ops);
      // zext.h needs rs2 == 0 (otherwise invalid: keep it rare).
      const unsigned src2 = (f7 == 0x04 && f3 == 4 && !rng_.chance(1, 10)) ? 0 : b;
      w(rv::rr(f7, f3, 0x3b, d, a, src2));
      break;
    }
    case 2: {  // I-type 0x13
      const unsigned sh = static_cast<unsigned>(rng_.below(64));
      static constexpr std::array<std::pair<std::uint32_t, std::int32_t>, 11> ops = {
          {{1, 0x600}, {1, 0x601}, {1, 0x602}, {1, 0x604}, {1, 0x605}, {5, 0x287}, {5, 0x6b8}, {5, -1}, {1, -2},
           {1, -3}, {5, -4}}};
      auto [f3, imm] = rng_.pick(ops);
      if (imm == -1) imm = 0x600 | static_cast<std::int32_t>(sh);        // rori
      else if (imm == -2) imm = (rng_.chance(1, 2) ? 0x480 : 0x280) | static_cast<std::int32_t>(sh);  // bclri/bseti
      else if (imm == -3) imm = 0x680 | static_cast<std::int32_t>(sh);   // binvi
      else if (imm == -4) imm = 0x480 | static_cast<std::int32_t>(sh);   // bexti
      w(rv::i(imm, a, f3, d, 0x13));
      break;
    }
    default: {  // I-type 0x1b
      const unsigned sh = static_cast<unsigned>(rng_.below(64));
      switch (rng_.below(3)) {
        case 0: w(rv::i(0x600 | static_cast<std::int32_t>(rng_.below(3)), a, 1, d, 0x1b)); break;  // clzw/ctzw/cpopw
        case 1: w(rv::i(0x600 | static_cast<std::int32_t>(sh & 31), a, 5, d, 0x1b)); break;       // roriw
        default: w(rv::i(0x080 | static_cast<std::int32_t>(sh), a, 1, d, 0x1b)); break;           // slli.uw
      }
      break;
    }
  }
}

// A compressed instruction: a valid form with random operands, or (as a
// hazard) a random 16-bit encoding: valid, hint (invalid in VERSION0) or
// invalid; never a control transfer, a write to a reserved register or
// memory access through a random base.
inline void Generator::rvc() {
  feat("rvc");
  auto rd_nz = [&] {
    for (;;) {
      unsigned r = rd();
      if (r != 0) return r;
    }
  };
  auto imm6 = [&](bool nonzero) {
    for (;;) {
      std::uint32_t v = static_cast<std::uint32_t>(rng_.below(64));
      if (!nonzero || v != 0) return v;
    }
  };
  auto ci = [&](std::uint32_t f3, unsigned r, std::uint32_t v, std::uint32_t q) {
    return static_cast<std::uint16_t>(f3 << 13 | ((v >> 5) & 1) << 12 | r << 7 | (v & 31) << 2 | q);
  };
  const unsigned c1 = 8 + static_cast<unsigned>(rng_.below(8)), c2 = 8 + static_cast<unsigned>(rng_.below(8));
  if (!rng_.chance(1, 4) || !hazard()) {
    switch (rng_.below(12)) {
      case 0: h(ci(0, rd_nz(), imm6(true), 1)); break;                       // c.addi
      case 1: h(ci(2, rd_nz(), imm6(false), 1)); break;                      // c.li
      case 2: h(ci(3, rd_nz(), imm6(true), 1)); break;                       // c.lui
      case 3: h(ci(1, rd_nz(), imm6(false), 1)); break;                      // c.addiw
      case 4: h(ci(0, rd_nz(), imm6(true), 2)); break;                       // c.slli
      case 5: h(static_cast<std::uint16_t>(0x8002 | rd_nz() << 7 | rd_nz() << 2)); break;  // c.mv
      case 6: h(static_cast<std::uint16_t>(0x9002 | rd_nz() << 7 | rd_nz() << 2)); break;  // c.add
      case 7: {  // c.sub/xor/or/and/subw/addw
        const std::uint32_t f = static_cast<std::uint32_t>(rng_.below(6));
        h(static_cast<std::uint16_t>(0x8c01 | (f >= 4 ? 1u : 0u) << 12 | (c1 - 8) << 7 | (f & 3) << 5 | (c2 - 8) << 2));
        break;
      }
      case 8: {  // c.srli / c.srai / c.andi
        const std::uint32_t f = static_cast<std::uint32_t>(rng_.below(3));
        const std::uint32_t v = imm6(f != 2);
        h(static_cast<std::uint16_t>(0x8001 | ((v >> 5) & 1) << 12 | f << 10 | (c1 - 8) << 7 | (v & 31) << 2));
        break;
      }
      case 9: {  // c.addi4spn
        const std::uint32_t nz = 1 + static_cast<std::uint32_t>(rng_.below(255));
        h(static_cast<std::uint16_t>(((nz >> 2) & 0xf) << 7 | ((nz >> 6) & 3) << 11 | (nz & 1) << 6 | ((nz >> 1) & 1) << 5 |
                                     (c1 - 8) << 2));
        break;
      }
      case 10: {  // c.ldsp / c.lwsp (sp-relative, below the initial sp is fine)
        const bool d = rng_.chance(1, 2);
        const std::uint32_t v = static_cast<std::uint32_t>(rng_.below(8));
        h(static_cast<std::uint16_t>((d ? 3u : 2u) << 13 | rd_nz() << 7 | (d ? (v & 3) << 5 : (v & 7) << 4) | 2));
        break;
      }
      default: {  // c.sdsp / c.swsp
        const bool d = rng_.chance(1, 2);
        h(static_cast<std::uint16_t>((d ? 7u : 6u) << 13 | static_cast<std::uint32_t>(rng_.below(4)) << 10 | rs() << 2 | 2));
        break;
      }
    }
    return;
  }
  feat("rvc_random");
  for (;;) {
    std::uint16_t x = static_cast<std::uint16_t>(rng_.next());
    const unsigned q = x & 3, f3 = x >> 13, r = (x >> 7) & 31;
    if (q == 3) continue;
    if (q == 0 && f3 != 0 && f3 != 4) continue;                         // c.lw/c.ld/c.sw/c.sd via random base
    if (q == 1 && f3 >= 5) continue;                                    // c.j, c.beqz, c.bnez
    if (q == 1 && f3 == 3 && r == SP) continue;                         // c.addi16sp
    if (q == 2 && f3 == 4 && ((x >> 2) & 31) == 0 && r != 0) continue;  // c.jr / c.jalr
    if ((q == 1 && f3 <= 3) || (q == 2 && f3 <= 4)) {
      if (reserved(r)) continue;
    }
    h(x);
    return;
  }
}

// MOP fusion patterns, satisfied or narrowly violated (one register or one
// opcode changed), sometimes with compressed members.
inline void Generator::fusion() {
  feat("mop");
  const bool violate = rng_.chance(1, 3);
  auto distinct = [&](std::vector<unsigned> avoid) {
    for (;;) {
      unsigned r = rd();
      if (r != 0 && std::find(avoid.begin(), avoid.end(), r) == avoid.end()) return r;
    }
  };
  auto maybe = [&](unsigned r) { return violate && rng_.chance(1, 3) ? rd() : r; };
  switch (rng_.below(10)) {
    case 0: {  // ADC
      feat("adc");
      unsigned r0 = distinct({}), r1 = distinct({r0}), r2 = distinct({r0, r1});
      w(rv::add(r0, r0, maybe(r1)));
      w(rv::sltu(r1, r0, maybe(r1)));
      w(rv::add(r0, maybe(r0), r2));
      w(violate && rng_.chance(1, 4) ? rv::slt(r2, r0, r2) : rv::sltu(r2, r0, r2));
      w(rv::or_(r1, r1, maybe(r2)));
      break;
    }
    case 1: {  // SBB (the sltu's second source is unconstrained in 0.24)
      feat("sbb");
      unsigned A = distinct({}), B = distinct({A}), D = distinct({A, B}), C = distinct({A, B, D});
      w(rv::sub(A, B, maybe(A)));
      w(rv::sltu(D, B, rs()));
      w(rv::sub(B, A, maybe(C)));
      w(rv::sltu(C, A, maybe(B)));
      w(rv::or_(maybe(A), C, D));
      break;
    }
    case 2: {  // ADD3A/B/C
      feat("add3");
      unsigned r0 = distinct({}), r1 = distinct({r0}), r2 = distinct({r0, r1}), r4 = distinct({r0, r1, r2});
      unsigned r3 = rd();
      switch (rng_.below(3)) {
        case 0:
          w(rv::add(r0, r1, maybe(r0)));
          w(rv::sltu(r2, r0, maybe(r1)));
          w(rv::add(r3, r2, maybe(r4)));
          break;
        case 1:
          w(rv::add(r0, r1, r2));
          w(rv::sltu(r1, maybe(r0), r1));
          w(rv::add(r3, maybe(r1), r4));
          break;
        default: {
          unsigned c3 = distinct({r0, r4});
          w(rv::add(r0, r1, r2));
          w(rv::sltu(c3, r0, maybe(r1)));
          w(rv::add(c3, maybe(c3), r4));
          break;
        }
      }
      break;
    }
    case 3: {  // ADCS (either operand order), sometimes compressed add
      feat("adcs");
      unsigned r0 = distinct({}), r1 = distinct({r0}), r2 = rd(), r3 = rd();
      if (rng_.chance(1, 3)) {
        h(static_cast<std::uint16_t>(0x9002 | r0 << 7 | r1 << 2));  // c.add r0, r1 == add r0, r0, r1
        w(rv::sltu(r3, r0, maybe(r1)));
      } else {
        w(rng_.chance(1, 2) ? rv::add(r0, r1, r2) : rv::add(r0, r2, r1));
        w(rv::sltu(r3, maybe(r0), r1));
      }
      break;
    }
    case 4: {  // SBBS
      feat("sbbs");
      unsigned r0 = distinct({}), r1 = distinct({r0}), r2 = distinct({r0}), r3 = rd();
      w(rv::sub(r0, r1, r2));
      w(rv::sltu(r3, maybe(r1), r2));
      break;
    }
    case 5: {  // WIDE_MUL/MULU/MULSU/DIV/DIVU
      feat("wide");
      static constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 5> pairs = {
          {{1, 0}, {3, 0}, {2, 0}, {4, 6}, {5, 7}}};
      auto [f_hi, f_lo] = rng_.pick(pairs);
      unsigned r1 = rd(), r2 = rd(), r0 = distinct({r1, r2}), r3 = distinct({r0});
      w(rv::rr(1, f_hi, 0x33, r0, r1, r2));
      w(rv::rr(1, violate && rng_.chance(1, 4) ? (f_lo ^ 1) : f_lo, 0x33, maybe(r3), maybe(r1), r2));
      break;
    }
    case 6: {  // LUI + ADDIW (CUSTOM_LOAD_IMM), sometimes c.lui / c.addiw
      feat("lui_addiw");
      unsigned r = distinct({});
      const std::uint32_t hi = static_cast<std::uint32_t>(rng_.next());
      const std::int32_t lo = static_cast<std::int32_t>(rng_.range(-2048, 2047));
      if (rng_.chance(1, 4) && r != SP) {
        std::uint32_t nz = 1 + static_cast<std::uint32_t>(rng_.below(63));  // 6-bit nonzero
        h(static_cast<std::uint16_t>(0x6001 | ((nz >> 5) & 1) << 12 | r << 7 | (nz & 31) << 2));  // c.lui
      } else {
        w(rv::lui(r, hi));
      }
      if (rng_.chance(1, 4)) {
        std::int32_t imm6 = static_cast<std::int32_t>(rng_.range(-32, 31));
        h(static_cast<std::uint16_t>(0x2001 | ((imm6 >> 5) & 1) << 12 | maybe(r) << 7 | (imm6 & 31) << 2));  // c.addiw
      } else {
        w(violate && rng_.chance(1, 3) ? rv::addi(r, r, lo) : rv::addiw(maybe(r), r, lo));
      }
      break;
    }
    case 7: {  // AUIPC + ADDI (CUSTOM_LOAD_IMM in VERSION2)
      feat("auipc_addi");
      unsigned r = distinct({});
      const std::uint32_t hi = rng_.chance(1, 3) ? static_cast<std::uint32_t>(rng_.next()) : static_cast<std::uint32_t>(rng_.range(0, 15));
      w(rv::auipc(r, hi));
      w(violate && rng_.chance(1, 3) ? rv::addiw(r, r, 5) : rv::addi(maybe(r), r, static_cast<std::int32_t>(rng_.range(-2048, 2047))));
      break;
    }
    default:  // far jumps have their own generator
      far_jump();
      break;
  }
}

// Address materialised in T6 (or a random register as base), then an access.
inline void Generator::memory_op() {
  feat("mem");
  unsigned base = T6;
  std::uint64_t addr = 0;
  bool store = rng_.chance(1, 2);
  bool risky = false;  // may end the program (in some versions)
  const char* tag = nullptr;
  switch (rng_.below(14)) {
    case 0: case 1: case 2: case 3: case 4:
      addr = Layout::SCRATCH + 16 + rng_.below(Layout::SCRATCH_SIZE - 32);
      break;
    case 5:  // page boundaries inside scratch
      addr = Layout::SCRATCH + 0x1000 * (1 + rng_.below(2)) - rng_.below(9);
      feat("page_cross");
      break;
    case 6:  // stack, below sp
      base = SP;
      break;
    case 7:
      addr = Layout::MEMORY - 0x100 - rng_.below(0x800);
      break;
    case 8:  // data segment (frozen in VERSION0, so stores are risky)
      addr = Layout::DATA + rng_.below(Layout::DATA_SIZE - 16);
      risky = store;
      tag = "data_seg";
      break;
    case 9:  // read-only segment / code (stores fail)
      addr = rng_.chance(1, 2) ? Layout::RO + rng_.below(64) : Layout::CODE + rng_.below(256);
      risky = store;
      tag = "ro_or_code";
      break;
    case 10:  // end of the data segment: into unmapped (writable) memory
      addr = Layout::DATA + Layout::DATA_SIZE - rng_.below(9);
      risky = store;
      tag = "data_end";
      break;
    case 11:  // end of memory (VERSION0 cannot read the last bytes)
      addr = Layout::MEMORY - 1 - rng_.below(16);
      risky = true;
      tag = "mem_end";
      break;
    case 12:
      base = rs();
      risky = true;
      tag = "random_base";
      break;
    default:
      addr = rng_.chance(1, 2) ? Layout::MEMORY + rng_.below(64) : rng_.next();
      risky = true;
      tag = "oob";
      break;
  }
  if (risky && !hazard()) {
    base = T6;
    addr = Layout::SCRATCH + 16 + rng_.below(Layout::SCRATCH_SIZE - 32);
    tag = nullptr;
  }
  if (tag != nullptr) feat(tag);
  std::int32_t off = static_cast<std::int32_t>(rng_.range(-16, 16));
  if (base == SP) off = -static_cast<std::int32_t>(rng_.range(8, 2040));
  if (base == T6) li64(T6, T5, addr - static_cast<std::uint64_t>(static_cast<std::int64_t>(off)));
  if (a_ && rng_.chance(1, 4)) {
    // A extension: the address is exact (no offset field).
    if (base == T6) w(rv::addi(T6, T6, off));
    else w(rv::addi(T6, base, off));
    amo();
    return;
  }
  const unsigned d = rd();
  if (!store) {
    static constexpr std::array<std::uint32_t, 7> loads = {0, 1, 2, 3, 4, 5, 6};
    w(rv::i(off, base, rng_.pick(loads), d, 0x03));
  } else {
    w(rv::s(off, rs(), base, static_cast<std::uint32_t>(rng_.below(4)), 0x23));
  }
}

inline void Generator::amo() {
  feat("amo");
  const std::uint32_t width = rng_.chance(1, 2) ? 2 : 3;
  const unsigned d = rd();
  const std::uint32_t aqrl = static_cast<std::uint32_t>(rng_.below(4));
  switch (rng_.below(4)) {
    case 0:  // lr then sc (sometimes another address for the sc)
      w(rv::r(0x08 << 2 | aqrl, 0, T6, width, d, 0x2f));
      if (rng_.chance(1, 4)) w(rv::addi(T6, T6, 8));
      w(rv::r(0x0c << 2 | aqrl, rs(), T6, width, rd(), 0x2f));
      break;
    case 1:  // lone sc
      w(rv::r(0x0c << 2 | aqrl, rs(), T6, width, d, 0x2f));
      break;
    default: {
      static constexpr std::array<std::uint32_t, 9> f5 = {0x01, 0x00, 0x04, 0x0c, 0x08, 0x10, 0x14, 0x18, 0x1c};
      w(rv::r(rng_.pick(f5) << 2 | aqrl, rs(), T6, width, d, 0x2f));
      break;
    }
  }
}

// A random 32-bit word: random funct fields in a real major opcode (valid or
// invalid), rarely a fully random word (which may jump anywhere).
inline void Generator::raw_word() {
  if (!hazard()) return;
  feat("raw");
  for (;;) {
    std::uint32_t x = static_cast<std::uint32_t>(rng_.next());
    if (!rng_.chance(1, 6)) {
      static constexpr std::array<std::uint32_t, 9> majors = {0x13, 0x1b, 0x33, 0x3b, 0x0f, 0x73, 0x2f, 0x37, 0x17};
      x = (x & ~0x7fu) | rng_.pick(majors);
    } else {
      feat("random_word");
    }
    if ((x & 3) == 3 && reserved((x >> 7) & 31)) continue;
    if ((x & 3) != 3) {
      x |= 3;  // keep it a 32-bit word
      if (reserved((x >> 7) & 31)) continue;
    }
    w(x);
    return;
  }
}

inline void Generator::branch_block() {
  feat("branch");
  auto skip = cur_->label();
  const std::uint32_t f3 = std::array<std::uint32_t, 6>{0, 1, 4, 5, 6, 7}[rng_.below(6)];
  cur_->branch(f3, rs(), rs(), skip);
  --budget_;
  if (rng_.chance(1, 3)) {  // if / else
    auto end = cur_->label();
    block(static_cast<int>(rng_.range(1, 5)));
    cur_->jal(ZERO, end);
    --budget_;
    cur_->bind(skip);
    block(static_cast<int>(rng_.range(1, 5)));
    cur_->bind(end);
  } else {
    block(static_cast<int>(rng_.range(0, 6)));
    cur_->bind(skip);
  }
}

inline void Generator::loop_block() {
  feat("loop");
  const unsigned counter = loop_depth_ == 0 ? S9 : S10;
  ++loop_depth_;
  w(rv::addi(counter, ZERO, static_cast<std::int32_t>(rng_.range(1, 12))));
  auto top = cur_->label();
  cur_->bind(top);
  block(static_cast<int>(rng_.range(2, 10)));
  w(rv::addi(counter, counter, -1));
  cur_->branch(1, counter, ZERO, top);  // bne counter, zero, top
  --budget_;
  --loop_depth_;
}

// jalr rd, imm(rs1) with rd == rs1 after an auipc: VERSION0 computes the
// target from the new link (8 bytes further), later versions from the old
// value; with rd == ra and MOP the pair is a far jump instead.
inline void Generator::jalr_same_reg() {
  feat("jalr_rd_rs1");
  const unsigned r = rng_.chance(1, 2) ? RA : rd();
  if (r == ZERO) return;
  w(rv::auipc(r, 0));
  w(rv::jalr(r, r, 12));
  // auipc+12 (VERSION1/2) and auipc+20 (VERSION0) both start instructions.
  for (int k = 0; k < 4; ++k) alu(true);
}

// Far jumps forward over a block: lui/auipc + jalr, fused (FAR_JUMP_ABS/REL)
// or narrowly not (link or base register not ra), rarely ones whose
// immediates wrap (they end the program out of bounds).
inline void Generator::far_jump() {
  feat("far_jump");
  Label skip = cur_->label();
  const unsigned base = rng_.chance(2, 3) ? RA : rd();
  const unsigned link = rng_.chance(3, 4) ? RA : rd();
  switch (rng_.below(9)) {
    case 0: case 1: case 2: case 3:
      // lui+jalr with rd == rs1 goes somewhere else entirely in VERSION0.
      cur_->lui_jalr(base == link && rng_.chance(2, 3) ? T0 : base, link, skip);
      break;
    case 4: case 5: case 6: case 7:
      cur_->auipc_jalr(base, link, skip);
      break;
    default:  // wrapping immediates
      if (!hazard()) {
        cur_->lui_jalr(base, link, skip);
        break;
      }
      feat("far_jump_wrap");
      w(rng_.chance(1, 2) ? rv::lui(base, 0x80000 - static_cast<std::uint32_t>(rng_.below(2)))
                          : rv::auipc(base, 0x80000 - static_cast<std::uint32_t>(rng_.below(2))));
      w(rv::jalr(link, base, rng_.chance(1, 2) ? -1 : 2047));
      budget_ += 2;
      break;
  }
  budget_ -= 2;
  block(static_cast<int>(rng_.range(0, 3)));
  cur_->bind(skip);
  // VERSION0 computes jalr's target from the new link when rd == rs1
  // (auipc form: 8 bytes past the label): give it a landing place.
  if (base == link) {
    alu(true);
    alu(true);
  }
}

// Calls a gadget with S8 = return address. With `alias`, jumps to the
// gadget's address + k * 2^32 (rarely + 2, + 4 or further into its trace): ckb-vm's VERSION0/1
// trace caches run the trace cached for the low address there; VERSION2
// and an empty or replaced slot give MemOutOfBound.
inline void Generator::call_gadget(bool alias) {
  feat(alias ? "alias_jump" : "gadget_call");
  if (gadgets_.empty() || (gadgets_.size() < 4 && rng_.chance(1, 3))) {
    Gadget g{cur_->label(), extra_ != nullptr && rng_.chance(1, 2), static_cast<int>(rng_.range(1, 20))};
    gadgets_.push_back(g);
    // A twin in the extra segment at the same address mod 32 KiB: calling it
    // replaces the first one's trace in ckb-vm's slot (the alias then misses).
    if (!g.extra && extra_ != nullptr && (extra_->base() - Layout::CODE) % 0x8000 == 0 && rng_.chance(1, 2)) {
      feat("twin_gadget");
      Gadget t{cur_->label(), true, static_cast<int>(rng_.range(1, 20)), static_cast<int>(gadgets_.size() - 1)};
      gadgets_.push_back(t);
    }
  }
  const Gadget& g = gadgets_[rng_.below(gadgets_.size())];
  Label ret = cur_->label();
  cur_->la(S8, ret);
  budget_ -= 2;
  if (!alias) {
    if (rng_.chance(1, 2)) {
      cur_->jal(ZERO, g.entry);
      --budget_;
    } else {
      cur_->la(T1, g.entry);
      w(rv::jalr(ZERO, T1, 0));
      budget_ -= 2;
    }
  } else {
    std::int64_t addend = 0;
    if (rng_.chance(1, 10)) addend = rng_.chance(1, 2) ? 2 : 4;
    // Into the middle of the gadget's trace: ckb-vm misses there unless a
    // trace also starts at that address.
    else if (rng_.chance(1, 10)) addend = 4 * rng_.range(1, 8);
    cur_->la(T1, g.entry, addend);
    budget_ -= 2;
    std::uint32_t k;
    switch (rng_.below(5)) {
      case 0: k = 1; break;
      case 1: k = 2; break;
      case 2: k = 0xffffffffu; break;
      case 3: k = 0x80000000u; break;
      default: k = static_cast<std::uint32_t>(rng_.next()) | 1; break;
    }
    li32(T5, static_cast<std::int32_t>(k));
    w(rv::slli(T5, T5, 32));
    w(rv::add(T1, T1, T5));
    w(rv::jalr(rng_.chance(1, 4) ? RA : ZERO, T1, 0));
  }
  cur_->bind(ret);
}

inline void Generator::emit_gadget(const Gadget& g) {
  Assembler* saved = cur_;
  cur_ = g.extra ? extra_.get() : main_.get();
  cur_->bind(g.entry);
  in_gadget_ = true;
  const int saved_budget = budget_;
  budget_ = g.size;
  block(std::max(1, g.size / 2));
  if (rng_.chance(1, 3)) w(rv::auipc(rd(), static_cast<std::uint32_t>(rng_.below(4))));  // pc-dependent result
  w(rv::jalr(ZERO, S8, 0));
  budget_ = saved_budget;
  in_gadget_ = false;
  cur_ = saved;
}

inline void Generator::misc() {
  switch (rng_.below(7)) {
    case 0: w(0x0ff0000f); feat("fence"); break;                 // fence iorw, iorw
    case 1: w(0x0000100f); feat("fence_i"); break;               // fence.i
    case 2: w(0x00100073); feat("ebreak"); break;                // ebreak (no debugger: nothing)
    case 3: {                                                     // jal ra forward
      feat("jal_link");
      Label l = cur_->label();
      cur_->jal(rng_.chance(1, 2) ? RA : rd(), l);
      --budget_;
      block(static_cast<int>(rng_.range(0, 2)));
      cur_->bind(l);
      break;
    }
    case 4:                                                       // unknown ecall: InvalidEcall
      if (!in_gadget_ && hazard()) {
        feat("bad_ecall");
        li32(A7, static_cast<std::int32_t>(rng_.chance(1, 2) ? rng_.range(0, 200) : static_cast<std::int64_t>(rng_.next() >> 40)));
        w(rv::ecall());
      }
      break;
    case 5: w(rv::addi(ZERO, ZERO, 0)); break;                  // nop
    default: h(0x0001); break;                                   // c.nop
  }
}

// Pads so that the next 32-bit instruction straddles a page boundary (the
// pad is jumped over and never decoded).
inline void Generator::page_cross() {
  feat("code_page_cross");
  const std::uint64_t page_end = (cur_->here() | 0xfff) + 1;
  if (page_end - cur_->here() < 16) return;
  Label l = cur_->label();
  cur_->jal(ZERO, l);
  --budget_;
  cur_->pad_to(page_end - 2);
  cur_->bind(l);
  alu(true);
  alu(true);
}

// Sixteen satisfied ADC patterns in a row: one ckb-vm trace of 16 fused ops
// spanning 320 bytes (0.24.12's assembly engine keeps 8 bits of length).
inline void Generator::long_fused_trace() {
  feat("long_fused_trace");
  for (int k = 0; k < 16; ++k) {
    unsigned r0 = 10 + static_cast<unsigned>(k % 3), r1 = 13 + static_cast<unsigned>(k % 2), r2 = 15;
    w(rv::add(r0, r0, r1));
    w(rv::sltu(r1, r0, r1));
    w(rv::add(r0, r0, r2));
    w(rv::sltu(r2, r0, r2));
    w(rv::or_(r1, r1, r2));
  }
}

inline void Generator::block(int items) {
  ++depth_;
  for (int k = 0; k < items && budget_ > 0; ++k) item();
  --depth_;
}

inline void Generator::item() {
  const bool nest = depth_ < 4;
  for (;;) {
    switch (rng_.below(100)) {
      case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9:
      case 10: case 11: case 12: case 13: case 14: case 15: case 16: case 17: case 18: case 19:
      case 20: case 21: case 22: case 23: case 24: case 25: case 26: case 27:
        alu();
        return;
      case 28: case 29: case 30: case 31: case 32: case 33: case 34: case 35: case 36: case 37:
        if (!b_) break;
        alu_b();
        return;
      case 38: case 39: case 40: case 41: case 42: case 43:
        rvc();
        return;
      case 44: case 45: case 46: case 47: case 48: case 49: case 50: case 51: case 52: case 53:
        if (!mop_patterns_) break;
        fusion();
        return;
      case 54: case 55: case 56: case 57: case 58: case 59: case 60: case 61: case 62: case 63:
        memory_op();
        return;
      case 64: case 65: case 66: case 67: case 68: case 69: case 70:
        if (!nest) break;
        branch_block();
        return;
      case 71: case 72: case 73:
        if (!nest || loop_depth_ >= 2 || in_gadget_) break;
        loop_block();
        return;
      case 74: case 75:
        jalr_same_reg();
        return;
      case 76: case 77: case 78:
        if (!nest) break;
        far_jump();
        return;
      case 79: case 80: case 81:
        if (in_gadget_) break;
        call_gadget(false);
        return;
      case 82: case 83: case 84:
        if (in_gadget_ || alias_left_ <= 0) break;
        --alias_left_;
        call_gadget(true);
        return;
      case 85: case 86: case 87: case 88:
        misc();
        return;
      case 89: case 90:
        if (!raw_ || hazards_ <= 0) break;
        raw_word();
        return;
      case 91:
        if (page_cross_left_ == 0 || depth_ > 0 || in_gadget_) break;
        --page_cross_left_;
        page_cross();
        return;
      default:
        alu();
        return;
    }
  }
}

// Hash x1..x30 into T6 (which starts with its own value), then
// Layout::HASHED bytes of scratch memory; print it (2177) if asked; exit
// with the hash folded to 8 bits.
inline void Generator::epilogue() {
  for (unsigned r = 1; r <= 30; ++r) {
    w(rv::add(T6, T6, r));
    w(rv::slli(T5, T6, 13));
    w(rv::xor_(T6, T6, T5));
    w(rv::srli(T5, T6, 7));
    w(rv::xor_(T6, T6, T5));
  }
  li64(T4, T5, Layout::SCRATCH);
  w(rv::addi(S9, ZERO, static_cast<std::int32_t>(Layout::HASHED / 8)));
  Label top = cur_->label();
  cur_->bind(top);
  w(rv::ld(T3, T4, 0));
  w(rv::add(T6, T6, T3));
  w(rv::slli(T5, T6, 13));
  w(rv::xor_(T6, T6, T5));
  w(rv::srli(T5, T6, 7));
  w(rv::xor_(T6, T6, T5));
  w(rv::addi(T4, T4, 8));
  w(rv::addi(S9, S9, -1));
  cur_->branch(1, S9, ZERO, top);
  if (opt_.print_hash) {
    w(rv::addi(T4, SP, -64));
    w(rv::addi(T3, T6, 0));
    for (int k = 0; k < 16; ++k) {
      w(rv::andi(T5, T3, 15));
      w(rv::addi(T5, T5, 'a'));
      w(rv::sb(T5, T4, k));
      w(rv::srli(T3, T3, 4));
    }
    w(rv::sb(ZERO, T4, 16));
    w(rv::addi(A0, T4, 0));
    li32(A7, 2177);
    w(rv::ecall());
  }
  for (unsigned sh : {32u, 16u, 8u}) {
    w(rv::srli(T5, T6, sh));
    w(rv::xor_(T6, T6, T5));
  }
  w(rv::andi(A0, T6, 255));
  li32(A7, 93);
  w(rv::ecall());
}

inline bool Assembler::link(const std::vector<std::uint64_t>& labels) {
  auto get = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(code_[at + k]) << (8 * k);
    return v;
  };
  auto put = [&](std::size_t at, std::uint32_t v) {
    for (int k = 0; k < 4; ++k) code_[at + k] = static_cast<std::uint8_t>(v >> (8 * k));
  };
  for (const Fixup& f : fix_) {
    const std::uint64_t target = labels[f.label];
    if (target == UNBOUND) return false;
    const std::uint64_t pc = base_ + f.at;
    const std::int64_t off = static_cast<std::int64_t>(target - pc);
    const std::uint32_t old = get(f.at);
    switch (f.kind) {
      case Kind::Branch:
        if (off < -4096 || off > 4094) return false;
        put(f.at, rv::b(static_cast<std::int32_t>(off), (old >> 20) & 31, (old >> 15) & 31, (old >> 12) & 7));
        break;
      case Kind::Jal:
        if (off < -(1 << 20) || off >= (1 << 20)) return false;
        put(f.at, rv::j(static_cast<std::int32_t>(off), (old >> 7) & 31));
        break;
      case Kind::HiLo:
      case Kind::PcHiLo: {
        const std::uint64_t v =
            f.kind == Kind::HiLo ? target + static_cast<std::uint64_t>(f.addend) : static_cast<std::uint64_t>(off);
        auto [hi, lo] = hi_lo(v);
        put(f.at, (old & 0xfff) | hi << 12);
        const std::uint32_t second = get(f.at + 4);
        put(f.at + 4, (second & 0xfffff) | (static_cast<std::uint32_t>(lo) & 0xfff) << 20);
        break;
      }
    }
  }
  return true;
}

// ELF64 with the given PT_LOAD segments: code (R+X), extra code (R+X), RO
// (R), data (R+W, zero-filled up to DATA_SIZE).
inline std::vector<std::uint8_t> Generator::elf(const std::vector<std::uint8_t>& ro,
                                                const std::vector<std::uint8_t>& data) {
  // Offsets: 16-byte aligned, one segment after another from the end of the table.
  elfw::Program p;
  p.entry = Layout::CODE;
  p.alignment = 16;
  const auto segment = [](std::uint32_t flags, std::uint64_t vaddr, const std::vector<std::uint8_t>& bytes,
                          std::uint64_t memsz) {
    elfw::Segment s;
    s.flags = flags;
    s.vaddr = vaddr;
    s.bytes = bytes;
    s.memsz = memsz;
    return s;
  };
  p.segments.push_back(segment(elfw::PF_R | elfw::PF_X, main_->base(), main_->bytes(), main_->size()));
  if (extra_ && extra_->size() > 0)
    p.segments.push_back(segment(elfw::PF_R | elfw::PF_X, extra_->base(), extra_->bytes(), extra_->size()));
  if (!ro.empty()) p.segments.push_back(segment(elfw::PF_R, Layout::RO, ro, ro.size()));
  p.segments.push_back(segment(elfw::PF_R | elfw::PF_W, Layout::DATA, data, Layout::DATA_SIZE));
  return elfw::build(p);
}

inline Program Generator::generate() {
  // Per-program choices.
  // ISA profile: IMC only, IMC+B, or IMC+A+B (so IMC machines run many to the end).
  const std::uint64_t profile = rng_.below(20);
  b_ = opt_.use_b && profile >= 10;
  hazards_ = rng_.chance(3, 5) ? 0 : static_cast<int>(rng_.range(1, 3));
  alias_left_ = rng_.chance(2, 3) ? 0 : static_cast<int>(rng_.range(1, 3));
  a_ = opt_.use_a && profile >= 15;
  mop_patterns_ = rng_.chance(3, 4);
  raw_ = rng_.chance(1, 4);
  page_cross_left_ = rng_.chance(1, 5) ? 2 : 0;
  if (rng_.chance(1, 4)) {
    feat("extra_segment");
    // Sometimes 32 KiB apart from the main segment: ckb-vm trace slots repeat
    // every 32 KiB of pc, so its gadgets can evict the main segment's traces.
    const std::uint64_t base = rng_.chance(1, 2) ? Layout::CODE + 0x8000 * static_cast<std::uint64_t>(rng_.range(1, 6))
                                                 : 0x40000 + 0x1000 * rng_.below(48);
    extra_ = std::make_unique<Assembler>(base, &labels_);
  }
  cur_ = main_.get();
  budget_ = static_cast<int>(rng_.range(10, 400));

  // Prologue: random register values.
  const int inits = static_cast<int>(rng_.range(3, 14));
  for (int k = 0; k < inits; ++k) {
    const unsigned r = rd();
    li64(r, r == T6 ? T5 : T6, value());
  }
  if (mop_patterns_ && rng_.chance(1, 30)) long_fused_trace();
  while (budget_ > 0) item();
  epilogue();

  for (const Gadget& g : gadgets_)
    if (!g.extra) emit_gadget(g);
  for (const Gadget& g : gadgets_) {
    if (!g.extra) continue;
    if (g.twin_of >= 0) {
      const std::uint64_t target = extra_->base() + (labels_[gadgets_[g.twin_of].entry.id] - Layout::CODE);
      if (extra_->here() <= target) extra_->pad_to(target);
    } else if (rng_.chance(1, 3)) {
      extra_->pad_to(extra_->here() + 2 * rng_.below(8));
    }
    emit_gadget(g);
  }
  if (extra_) {
    // Keep the extra segment clear of the main one and of RO/DATA.
    if (extra_->size() == 0) extra_->w32(rv::addi(ZERO, ZERO, 0));
  }

  // Segments must not overlap; re-generate gadgets-free if they would.
  bool ok = main_->link(labels_) && (!extra_ || extra_->link(labels_));
  if (extra_ && main_->base() + main_->size() > extra_->base()) ok = false;
  if (main_->base() + main_->size() > Layout::RO) ok = false;
  if (extra_ && extra_->base() + extra_->size() > Layout::RO) ok = false;

  std::vector<std::uint8_t> ro, data;
  if (rng_.chance(1, 2)) {
    ro.resize(64 + rng_.below(4000));
    for (auto& b : ro) b = static_cast<std::uint8_t>(rng_.next());
  }
  data.resize(rng_.below(Layout::DATA_SIZE));
  for (auto& b : data) b = static_cast<std::uint8_t>(rng_.next());

  Program p;
  p.seed = seed_;
  if (!ok) return p;  // empty elf: caller skips (rare)
  p.elf = elf(ro, data);
  for (std::size_t k = 0; k < feats_.size(); ++k) p.features += (k ? "," : "") + feats_[k];
  for (std::uint64_t a = Layout::SCRATCH; a < Layout::SCRATCH + Layout::SCRATCH_SIZE; a += 0x1000) p.pages.push_back(a >> 12);
  for (std::uint64_t a = Layout::DATA; a < Layout::DATA + Layout::DATA_SIZE; a += 0x1000) p.pages.push_back(a >> 12);
  for (std::uint64_t a = Layout::MEMORY - 0x2000; a < Layout::MEMORY; a += 0x1000) p.pages.push_back(a >> 12);
  return p;
}

// One program from a seed.
inline Program generate(std::uint64_t seed, Options opt = {}) { return Generator(seed, opt).generate(); }

}  // namespace rvgen
