// Helpers shared by the snapshot tests (tests/test_snapshot*.cpp): a small
// label assembler (encoding with support/rv_asm.hpp) and the layout of guest
// programs made in the tests (written with support/elf_writer.hpp), a data
// source, the CKB-like syscalls that load data and code through a
// Snapshot2Context, machine factories, suspend/resume drivers and comparisons.
#pragma once

#include <doctest/doctest.h>

#include <ckb_vm/constants.hpp>
#include <ckb_vm/cost_model.hpp>
#include <ckb_vm/elf.hpp>
#include <ckb_vm/error.hpp>
#include <ckb_vm/machine.hpp>
#include <ckb_vm/memory.hpp>
#include <ckb_vm/snapshot.hpp>
#include <ckb_vm/snapshot2.hpp>
#include <ckb_vm/snapshot_codec.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/elf_writer.hpp"
#include "support/rv_asm.hpp"

namespace snaptest {

using namespace ckb_vm;
using u8 = std::uint8_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using ByteVec = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------
// Assembler: RV64I/M/A words with label fixups.

namespace reg {
inline constexpr unsigned zero = 0, ra = 1, sp = 2, t0 = 5, t1 = 6, t2 = 7, s0 = 8, s1 = 9, a0 = 10, a1 = 11,
                          a2 = 12, a3 = 13, a4 = 14, a5 = 15, a6 = 16, a7 = 17, s2 = 18, s3 = 19, s4 = 20,
                          s5 = 21, t3 = 28, t4 = 29;
}

class Asm {
 public:
  void addi(unsigned rd, unsigned rs, std::int32_t imm) { emit(rv::addi(rd, rs, imm)); }
  void andi(unsigned rd, unsigned rs, std::int32_t imm) { emit(rv::andi(rd, rs, imm)); }
  void slli(unsigned rd, unsigned rs, unsigned sh) { emit(rv::slli(rd, rs, sh)); }
  void srli(unsigned rd, unsigned rs, unsigned sh) { emit(rv::srli(rd, rs, sh)); }
  void mv(unsigned rd, unsigned rs) { addi(rd, rs, 0); }
  void nop() { addi(0, 0, 0); }
  void add(unsigned rd, unsigned a, unsigned b) { emit(rv::add(rd, a, b)); }
  void sub(unsigned rd, unsigned a, unsigned b) { emit(rv::sub(rd, a, b)); }
  void xor_(unsigned rd, unsigned a, unsigned b) { emit(rv::xor_(rd, a, b)); }
  void mul(unsigned rd, unsigned a, unsigned b) { emit(rv::mul(rd, a, b)); }
  void lui(unsigned rd, std::int32_t imm20) { emit(rv::lui(rd, imm20)); }
  // rd = v for 0 <= v < 0x7ffff800.
  void li(unsigned rd, std::int64_t v) {
    if (v >= -2048 && v < 2048) {
      addi(rd, 0, static_cast<std::int32_t>(v));
      return;
    }
    const std::int64_t hi = (v + 0x800) >> 12;
    const std::int64_t lo = v - (hi << 12);
    lui(rd, static_cast<std::int32_t>(hi));
    if (lo != 0) addi(rd, rd, static_cast<std::int32_t>(lo));
  }
  void ld(unsigned rd, unsigned rs, std::int32_t imm) { emit(rv::ld(rd, rs, imm)); }
  void lbu(unsigned rd, unsigned rs, std::int32_t imm) { emit(rv::lbu(rd, rs, imm)); }
  void sd(unsigned rs2, unsigned rs1, std::int32_t imm) { emit(rv::sd(rs2, rs1, imm)); }
  void sb(unsigned rs2, unsigned rs1, std::int32_t imm) { emit(rv::sb(rs2, rs1, imm)); }
  void lr_d(unsigned rd, unsigned rs1) { emit(rv::lr_d(rd, rs1)); }
  void sc_d(unsigned rd, unsigned rs1, unsigned rs2) { emit(rv::sc_d(rd, rs1, rs2)); }
  void jalr(unsigned rd, unsigned rs1, std::int32_t imm) { emit(rv::jalr(rd, rs1, imm)); }
  void ret() { jalr(0, reg::ra, 0); }
  void ecall() { emit(rv::ecall()); }
  void exit_with_a0() {
    li(reg::a7, 93);
    ecall();
  }

  void label(const std::string& name) { labels_[name] = words_.size(); }
  void beq(unsigned a, unsigned b, const std::string& l) { branch(0, a, b, l); }
  void bne(unsigned a, unsigned b, const std::string& l) { branch(1, a, b, l); }
  void bltu(unsigned a, unsigned b, const std::string& l) { branch(6, a, b, l); }
  void jal(unsigned rd, const std::string& l) {
    fixups_.push_back({words_.size(), l, true, 0, 0, 0, rd});
    emit(0);
  }

  std::size_t size_bytes() const { return words_.size() * 4; }
  std::size_t offset_of(const std::string& l) const { return labels_.at(l) * 4; }

  ByteVec bytes() const {
    std::vector<u32> w = words_;
    for (const Fixup& f : fixups_) {
      const auto off = static_cast<std::int32_t>((static_cast<std::int64_t>(labels_.at(f.label)) -
                                                 static_cast<std::int64_t>(f.at)) * 4);
      w[f.at] = f.jump ? rv::j(off, f.rd) : rv::b(off, f.rs2, f.rs1, f.f3);
    }
    return rv::bytes(w);
  }

  void emit(u32 w) { words_.push_back(w); }

 private:
  struct Fixup {
    std::size_t at;
    std::string label;
    bool jump;
    u32 f3, rs1, rs2, rd;
  };
  void branch(u32 f3, unsigned a, unsigned b, const std::string& l) {
    fixups_.push_back({words_.size(), l, false, f3, a, b, 0});
    emit(0);
  }
  std::vector<u32> words_;
  std::map<std::string, std::size_t> labels_;
  std::vector<Fixup> fixups_;
};

// ---------------------------------------------------------------------------
// Program layout: one R+X segment holding `code` at `text_addr` (file offset
// 0x1000), optionally one R+W segment holding `data` at `data_addr` (next
// page-aligned file offset) with `bss` extra zero bytes. With pad_pages each
// segment's file size is rounded up to whole pages, so that every loaded page
// is a copy of the file.
struct ElfImage {
  ByteVec code;
  u64 text_addr = 0x10000;
  ByteVec data;
  u64 data_addr = 0;
  u64 bss = 0;
  bool pad_pages = true;
};

inline ByteVec build_elf(const ElfImage& img) {
  auto padded = [&](ByteVec bytes) {
    if (img.pad_pages) bytes.resize(round_page_up(bytes.size()), 0);
    return bytes;
  };
  elfw::Program p;
  p.entry = img.text_addr;
  p.alignment = RISCV_PAGESIZE;
  elfw::Segment text;
  text.flags = elfw::PF_R | elfw::PF_X;
  text.vaddr = img.text_addr;
  text.bytes = padded(img.code);
  text.offset = 0x1000;
  p.segments.push_back(std::move(text));
  if (!img.data.empty() || img.bss != 0) {
    elfw::Segment data;
    data.flags = elfw::PF_R | elfw::PF_W;
    data.vaddr = img.data_addr;
    data.bytes = padded(img.data);
    data.memsz = data.bytes.size() + img.bss;
    p.segments.push_back(std::move(data));
  }
  return elfw::build(p);
}

// ---------------------------------------------------------------------------
// Data source ids and the test data source.

inline constexpr u64 PROGRAM_ID = 0x1234;
inline constexpr u64 DATA_ID = 0x2000;
inline constexpr u64 CODE_ID = 0x3000;
inline constexpr u64 MISSING_ID = 0x9999;

using Source = InMemoryDataSource<u64>;
using Context = Snapshot2Context<u64, Source>;

inline ByteVec pattern_data(std::size_t n, u64 seed = 0) {
  ByteVec d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<u8>((i * 7 + (i >> 8) * 13 + seed) & 0xff);
  return d;
}

// Called code: `words` nops (4 bytes each), then a0 = 42 + a0, ret.
inline ByteVec called_code(std::size_t nops) {
  Asm a;
  for (std::size_t i = 0; i < nops; ++i) a.nop();
  a.addi(reg::a0, reg::a0, 42);
  a.ret();
  return a.bytes();
}

inline Source make_source(const ByteVec& program) {
  Source s;
  s.insert(PROGRAM_ID, program);
  s.insert(DATA_ID, pattern_data(16 * RISCV_PAGESIZE + 100));
  s.insert(CODE_ID, called_code(1024));  // one full page of nops, then 8 bytes
  return s;
}

// ---------------------------------------------------------------------------
// Syscalls in the style of the CKB node's, through a shared Snapshot2Context.
//   1111 load data (like load_cell_data): a0 = addr, a1 = size_addr,
//        a2 = offset, a3 = length, a4 = id; a0 <- 0, or 1 for an unknown id.
//        Charges ceil(bytes / 4) cycles like the node.
//   2222 load code (like load_cell_data_as_code): a0 = addr, a1 = memory size,
//        a2 = offset, a3 = length, a4 = id: init_pages(addr, size,
//        FLAG_EXECUTABLE | FLAG_FREEZED, data), then track_pages (skipped
//        when the handler has no context); a0 <- 0.
inline constexpr u64 SYS_LOAD_DATA = 1111;
inline constexpr u64 SYS_LOAD_CODE = 2222;

template <class Core>
class DataSyscalls : public Syscalls<Core> {
 public:
  DataSyscalls(std::shared_ptr<Context> ctx, Source source) : ctx_(std::move(ctx)), source_(std::move(source)) {}

  Status initialize(Core&) override { return {}; }

  Result<bool> ecall(Core& m) override {
    const auto& regs = m.registers();
    const u64 code = regs[registers::A7];
    if (code != SYS_LOAD_DATA && code != SYS_LOAD_CODE) return false;
    const u64 addr = regs[registers::A0];
    const u64 arg1 = regs[registers::A1];
    const u64 offset = regs[registers::A2];
    const u64 length = regs[registers::A3];
    const u64 id = regs[registers::A4];
    if (code == SYS_LOAD_DATA) {
      if (ctx_) {
        auto r = ctx_->store_bytes(m, addr, id, offset, length, arg1);
        if (!r.ok()) {
          if (r.error().code != ErrorCode::SnapshotDataLoadError) return r.error();
          m.set_register(registers::A0, 1);
          return true;
        }
        CKB_VM_TRY(m.add_cycles_no_checking((r->first + 3) / 4));
      } else {
        auto d = source_.load_data(id, offset, length);
        if (!d) {
          m.set_register(registers::A0, 1);
          return true;
        }
        CKB_VM_TRY(m.memory().store64(arg1, d->second));
        CKB_VM_TRY(m.memory().store_bytes(addr, d->first));
        CKB_VM_TRY(m.add_cycles_no_checking((d->first.size() + 3) / 4));
      }
    } else {
      auto d = ctx_ ? ctx_->load_data(id, offset, length)
                    : Result<DataSlice>(source_.load_data(id, offset, length).value_or(DataSlice{}));
      if (!d.ok()) return d.error();
      CKB_VM_TRY(m.memory().init_pages(addr, arg1, FLAG_EXECUTABLE | FLAG_FREEZED, d->first, 0));
      if (ctx_) CKB_VM_TRY(ctx_->track_pages(m, addr, d->first.size(), id, offset));
      CKB_VM_TRY(m.add_cycles_no_checking((d->first.size() + 3) / 4));
    }
    m.set_register(registers::A0, 0);
    return true;
  }

 private:
  std::shared_ptr<Context> ctx_;
  Source source_;
};

// ---------------------------------------------------------------------------
// Machines.

using Core = DefaultCoreMachine<>;
using Machine = DefaultMachine<Core>;

struct VmConfig {
  u8 isa = ISA_IMC;
  u32 version = VERSION2;
  InstructionCycleFunc cost = estimate_cycles;
  bool track = true;  // syscalls go through the Snapshot2Context
};

inline std::string describe(const VmConfig& c) {
  std::string s = "v" + std::to_string(c.version) + " isa=";
  s += (c.isa & ISA_B) ? "B" : "";
  s += (c.isa & ISA_MOP) ? "MOP" : "";
  s += (c.isa & ISA_A) ? "A" : "";
  if ((c.isa & (ISA_B | ISA_MOP | ISA_A)) == 0) s += "IMC";
  return s;
}

template <class CoreT = Core>
struct VmT {
  std::shared_ptr<Context> ctx;
  std::unique_ptr<DefaultMachine<CoreT>> machine;
};
using Vm = VmT<Core>;

// `extra` handlers come after the data syscalls.
template <class CoreT = Core>
VmT<CoreT> make_vm(const VmConfig& cfg, const Source& src, u64 max_cycles,
                   std::vector<std::unique_ptr<Syscalls<CoreT>>> extra = {}) {
  VmT<CoreT> vm;
  vm.ctx = std::make_shared<Context>(src);
  std::vector<std::unique_ptr<Syscalls<CoreT>>> sys;
  sys.push_back(std::make_unique<DataSyscalls<CoreT>>(cfg.track ? vm.ctx : nullptr, src));
  for (auto& s : extra) sys.push_back(std::move(s));
  vm.machine = std::make_unique<DefaultMachine<CoreT>>(CoreT(cfg.isa, cfg.version, max_cycles), cfg.cost,
                                                      std::move(sys));
  return vm;
}

// Loads the program as the CKB node does: parse, load with metadata, mark.
template <class CoreT>
void load(VmT<CoreT>& vm, const ByteVec& program, bool mark = true) {
  auto md = parse_elf(program, vm.machine->version());
  REQUIRE_MESSAGE(md.ok(), md.error().to_string());
  const Bytes args[] = {as_bytes("prog")};
  auto loaded = vm.machine->load_program_with_metadata(program, *md, std::span<const Bytes>(args));
  REQUIRE_MESSAGE(loaded.ok(), loaded.error().to_string());
  if (mark) {
    auto marked = vm.ctx->mark_program(*vm.machine, *md, PROGRAM_ID, 0);
    REQUIRE_MESSAGE(marked.ok(), marked.error().to_string());
  }
}

enum class Engine { run, step };

template <class M>
Result<std::int8_t> drive(M& m, Engine engine) {
  if (engine == Engine::run) return m.run();
  m.set_running(true);
  while (m.running()) {
    auto s = m.step();
    if (!s.ok()) return s.error();
  }
  return m.exit_code();
}

// ---------------------------------------------------------------------------
// Comparing machines.

template <class A, class B>
void check_same_memory(A& a, B& b) {
  REQUIRE(a.memory().memory_pages() == b.memory().memory_pages());
  std::vector<u8> pa(RISCV_PAGESIZE), pb(RISCV_PAGESIZE);
  std::size_t content_diffs = 0, flag_diffs = 0;
  u64 first_diff = ~u64{0};
  for (u64 page = 0; page < a.memory().memory_pages(); ++page) {
    REQUIRE(a.memory().load_bytes_into(page * RISCV_PAGESIZE, pa).ok());
    REQUIRE(b.memory().load_bytes_into(page * RISCV_PAGESIZE, pb).ok());
    if (pa != pb) {
      ++content_diffs;
      if (first_diff == ~u64{0}) first_diff = page;
    }
    if (*a.memory().fetch_flag(page) != *b.memory().fetch_flag(page)) {
      ++flag_diffs;
      if (first_diff == ~u64{0}) first_diff = page;
    }
  }
  INFO("first differing page: " << first_diff);
  CHECK(content_diffs == 0);
  CHECK(flag_diffs == 0);
  CHECK(a.memory().lr() == b.memory().lr());
}

template <class A, class B>
void check_same_cpu(const A& a, const B& b) {
  const auto& ra = a.registers();
  const auto& rb = b.registers();
  for (std::size_t i = 0; i < 32; ++i) {
    INFO("register x" << i);
    CHECK(ra[i] == rb[i]);
  }
  CHECK(a.pc() == b.pc());
  CHECK(a.cycles() == b.cycles());
}

struct Outcome {
  bool ok = false;
  std::int8_t exit_code = 0;
  ErrorCode error = ErrorCode::Unexpected;
  u64 cycles = 0;
};

inline Outcome outcome_of(const Result<std::int8_t>& r, u64 cycles) {
  Outcome o;
  o.ok = r.ok();
  if (r.ok())
    o.exit_code = *r;
  else
    o.error = r.error().code;
  o.cycles = cycles;
  return o;
}

// ---------------------------------------------------------------------------
// Suspend / resume driver.

struct ChainResult {
  Outcome outcome;
  std::size_t suspensions = 0;
  Vm vm;  // the last machine
};

// Runs `program` with a cycle budget that grows by `step` at each suspension:
// every CyclesExceeded turns into make_snapshot -> encode -> decode -> resume
// into a fresh machine. Checks at each suspension that the resumed machine
// equals the suspended one and that re-snapshotting gives the same snapshot.
inline ChainResult run_suspended(const VmConfig& cfg, const Source& src, const ByteVec& program, u64 step,
                                 Engine engine, bool check_memory_each_time = true) {
  ChainResult out;
  u64 limit = step;
  Vm vm = make_vm(cfg, src, limit);
  load(vm, program);
  for (;;) {
    auto r = drive(*vm.machine, engine);
    if (r.ok() || r.error().code != ErrorCode::CyclesExceeded) {
      out.outcome = outcome_of(r, vm.machine->cycles());
      break;
    }
    auto snap = vm.ctx->make_snapshot(*vm.machine);
    REQUIRE_MESSAGE(snap.ok(), snap.error().to_string());
    auto full = vm.ctx->make_snapshot(*vm.machine, SnapshotScan::all_pages);
    REQUIRE(full.ok());
    CHECK(*full == *snap);
    auto bytes = encode_snapshot2(*snap);
    REQUIRE_MESSAGE(bytes.ok(), bytes.error().to_string());
    auto decoded = decode_snapshot2<u64>(*bytes);
    REQUIRE_MESSAGE(decoded.ok(), decoded.error().to_string());
    CHECK(*decoded == *snap);

    Vm next = make_vm(cfg, src, 0);
    auto resumed = next.ctx->resume(*next.machine, *decoded);
    REQUIRE_MESSAGE(resumed.ok(), resumed.error().to_string());
    check_same_cpu(*vm.machine, *next.machine);
    CHECK(next.machine->max_cycles() == vm.machine->max_cycles());
    if (check_memory_each_time) check_same_memory(*vm.machine, *next.machine);
    auto again = next.ctx->make_snapshot(*next.machine);
    REQUIRE(again.ok());
    CHECK(*again == *snap);

    ++out.suspensions;
    limit = std::max(limit, snap->cycles) + step;
    next.machine->set_max_cycles(limit);
    vm = std::move(next);
  }
  out.vm = std::move(vm);
  return out;
}

// ---------------------------------------------------------------------------
// Guest programs made here.

inline constexpr u64 SCRATCH = 0x200000;  // writable memory outside every segment

// Writes `pages` pages at `base` `rounds` times (every 8-byte word), then
// exits with a checksum of them. Writes nothing else. With `round_syscall`,
// makes that syscall (a7 = round_syscall, s3 = rounds done) after every round.
inline ByteVec page_writer_program(u64 base, u64 pages, u64 rounds, u64 round_syscall = 0) {
  using namespace reg;
  Asm a;
  a.li(s0, static_cast<std::int64_t>(base));
  a.li(s1, static_cast<std::int64_t>(pages * RISCV_PAGESIZE));
  a.add(s1, s1, s0);  // end
  a.li(s2, static_cast<std::int64_t>(rounds));
  a.li(s3, 0);
  a.li(s4, 31);
  a.label("round");
  a.mv(t0, s0);
  a.label("inner");
  a.ld(t2, t0, 0);
  a.mul(t2, t2, s4);
  a.add(t2, t2, t0);
  a.add(t2, t2, s3);
  a.sd(t2, t0, 0);
  a.addi(t0, t0, 8);
  a.bltu(t0, s1, "inner");
  a.addi(s3, s3, 1);
  if (round_syscall != 0) {
    a.li(a7, static_cast<std::int64_t>(round_syscall));
    a.ecall();
  }
  a.bltu(s3, s2, "round");
  a.li(a0, 0);
  a.li(s5, 33);
  a.mv(t0, s0);
  a.label("sum");
  a.ld(t2, t0, 0);
  a.mul(a0, a0, s5);
  a.xor_(a0, a0, t2);
  a.addi(t0, t0, 8);
  a.bltu(t0, s1, "sum");
  a.srli(t1, a0, 32);
  a.xor_(a0, a0, t1);
  a.andi(a0, a0, 0x7f);
  a.exit_with_a0();
  return build_elf({a.bytes(), 0x10000, {}, 0, 0, true});
}

// Loads DATA_ID[offset, offset + length) to `dest` through syscall 1111 (the
// full length to `size_addr`), spins `spin` iterations, checksums the loaded
// bytes, writes one byte at dest + write_at (unless write_at < 0), spins
// again, and exits with a checksum of the bytes and the size word.
inline ByteVec load_data_program(u64 dest, u64 size_addr, u64 offset, u64 length, u64 spin,
                                 std::int64_t write_at, Asm* out_asm = nullptr) {
  using namespace reg;
  Asm a;
  a.li(s0, static_cast<std::int64_t>(dest));
  a.li(s1, static_cast<std::int64_t>(size_addr));
  a.mv(a0, s0);
  a.mv(a1, s1);
  a.li(a2, static_cast<std::int64_t>(offset));
  a.li(a3, static_cast<std::int64_t>(length));
  a.li(a4, static_cast<std::int64_t>(DATA_ID));
  a.li(a7, static_cast<std::int64_t>(SYS_LOAD_DATA));
  a.label("syscall");
  a.ecall();
  a.mv(s2, a0);  // syscall status
  a.li(t0, static_cast<std::int64_t>(spin));
  a.label("spin1");
  a.addi(t0, t0, -1);
  a.bne(t0, zero, "spin1");
  a.ld(s3, s1, 0);  // full length written by the syscall
  a.li(a0, 0);
  a.li(s5, 33);
  a.mv(t0, s0);
  a.add(t1, s0, s3);
  a.label("sum");
  a.beq(t0, t1, "sum_done");
  a.lbu(t2, t0, 0);
  a.mul(a0, a0, s5);
  a.add(a0, a0, t2);
  a.addi(t0, t0, 1);
  a.jal(zero, "sum");
  a.label("sum_done");
  if (write_at >= 0) {
    a.li(t0, static_cast<std::int64_t>(dest + static_cast<u64>(write_at)));
    a.label("write");
    a.sb(a0, t0, 0);
  }
  a.label("after_write");
  a.li(t0, static_cast<std::int64_t>(spin));
  a.label("spin2");
  a.addi(t0, t0, -1);
  a.bne(t0, zero, "spin2");
  a.add(a0, a0, s3);
  a.slli(s2, s2, 6);
  a.add(a0, a0, s2);
  a.srli(t1, a0, 16);
  a.xor_(a0, a0, t1);
  a.andi(a0, a0, 0x7f);
  a.exit_with_a0();
  if (out_asm) *out_asm = a;
  return build_elf({a.bytes(), 0x10000, {}, 0, 0, true});
}

// lr.d at SCRATCH, a spin loop of `spin` iterations, sc.d; exits with
// 16 * sc_result + the final value (8 when the sc succeeded, 23 when not).
inline ByteVec lr_sc_program(u64 spin) {
  using namespace reg;
  Asm a;
  a.li(s0, static_cast<std::int64_t>(SCRATCH));
  a.li(t0, 7);
  a.sd(t0, s0, 0);
  a.lr_d(t1, s0);
  a.li(t2, static_cast<std::int64_t>(spin));
  a.label("spin");
  a.addi(t2, t2, -1);
  a.bne(t2, zero, "spin");
  a.addi(t1, t1, 1);
  a.sc_d(a0, s0, t1);
  a.ld(t3, s0, 0);
  a.slli(a0, a0, 4);
  a.add(a0, a0, t3);
  a.exit_with_a0();
  return build_elf({a.bytes(), 0x10000, {}, 0, 0, true});
}

// Loads CODE_ID as code at `code_addr` (two pages) through syscall 2222, spins,
// calls it (a0 = 0 -> 42), spins again, exits with a0.
inline ByteVec load_code_program(u64 code_addr, u64 spin) {
  using namespace reg;
  Asm a;
  a.li(a0, static_cast<std::int64_t>(code_addr));
  a.li(a1, static_cast<std::int64_t>(2 * RISCV_PAGESIZE));
  a.li(a2, 0);
  a.li(a3, 0);
  a.li(a4, static_cast<std::int64_t>(CODE_ID));
  a.li(a7, static_cast<std::int64_t>(SYS_LOAD_CODE));
  a.ecall();
  a.li(t0, static_cast<std::int64_t>(spin));
  a.label("spin1");
  a.addi(t0, t0, -1);
  a.bne(t0, zero, "spin1");
  a.li(t1, static_cast<std::int64_t>(code_addr));
  a.li(a0, 0);
  a.jalr(ra, t1, 0);
  a.mv(s1, a0);
  a.li(t0, static_cast<std::int64_t>(spin));
  a.label("spin2");
  a.addi(t0, t0, -1);
  a.bne(t0, zero, "spin2");
  a.mv(a0, s1);
  a.exit_with_a0();
  return build_elf({a.bytes(), 0x10000, {}, 0, 0, true});
}

// ---------------------------------------------------------------------------
// Test programs from tests/programs/bin (built by the programs' build script).

inline std::filesystem::path programs_dir() {
  if (const char* env = std::getenv("CKB_VM_TEST_PROGRAMS_DIR")) return env;
#ifdef CKB_VM_TEST_PROGRAMS_DIR
  return CKB_VM_TEST_PROGRAMS_DIR;
#else
  return "tests/programs/bin";
#endif
}

inline std::optional<ByteVec> read_program(const std::string& name) {
  std::ifstream f(programs_dir() / name, std::ios::binary);
  if (!f) return std::nullopt;
  return ByteVec(std::istreambuf_iterator<char>(f), {});
}

}  // namespace snaptest
