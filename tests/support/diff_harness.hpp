// Differential harness: runs one ELF through DefaultMachine::run(), a step()
// loop and the trace-machine model (trace_model.hpp) on identical machines,
// collecting everything comparable, and checks the rules that tie them:
//   1. the model saw no aliased hit  -> run() == step loop, every field
//      (exit or error incl. its details, cycles, pc, registers, memory);
//   2. the model succeeded           -> run() == model: exit, cycles, pc,
//      registers, memory, debug output;
//   3. the model failed              -> run() failed;
//   4. no aliased hit                -> model and step loop agree on
//      success, and on exit code and cycles when they succeed.
// Used by tests/test_differential.cpp and the ckb_vm_rvgen tool.
#pragma once

#include <ckb_vm/machine.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "trace_model.hpp"

namespace diff {

using Memory = ckb_vm::WXorXMemory<ckb_vm::SparseMemory>;
using Builder = ckb_vm::MachineBuilder<Memory>;
using Core = Builder::core_type;
using Machine = Builder::machine_type;

// CKB's debug syscall as ckb-vm-oracle implements it: print the
// NUL-terminated string at a0, charge ceil(len / 4) cycles unchecked.
class DebugSyscall final : public ckb_vm::Syscalls<Core> {
 public:
  explicit DebugSyscall(std::string* out) : out_(out) {}
  ckb_vm::Status initialize(Core&) override { return {}; }
  ckb_vm::Result<bool> ecall(Core& m) override {
    if (m.registers()[ckb_vm::registers::A7] != 2177) return false;
    std::uint64_t addr = m.registers()[ckb_vm::registers::A0];
    std::string s;
    for (;;) {
      auto b = m.memory().load8(addr);
      if (!b.ok()) return b.error();
      if (*b == 0) break;
      s.push_back(static_cast<char>(*b));
      ++addr;
    }
    CKB_VM_TRY(m.add_cycles_no_checking((s.size() + 3) / 4));
    *out_ += s;
    *out_ += '\n';
    return true;
  }

 private:
  std::string* out_;
};

enum class Engine { Run, Step, Model };
inline const char* engine_name(Engine e) {
  return e == Engine::Run ? "run" : e == Engine::Step ? "step" : "model";
}

struct Config {
  std::uint8_t isa = ckb_vm::ISA_IMC;
  std::uint32_t version = ckb_vm::VERSION2;
  bool estimate = true;  // estimate_cycles, else constant_cycles
  std::uint64_t max_cycles = 0;
};

inline std::string isa_name(std::uint8_t isa) {
  std::string s = "imc";
  if (isa & ckb_vm::ISA_A) s += "a";
  if (isa & ckb_vm::ISA_B) s += "b";
  if (isa & ckb_vm::ISA_MOP) s += "mop";
  return s;
}
inline std::string describe(const Config& c) {
  return "--isa " + isa_name(c.isa) + " --version " + std::to_string(c.version) + " --cost " +
         (c.estimate ? "estimate" : "constant") + " --max-cycles " + std::to_string(c.max_cycles);
}

struct Outcome {
  bool loaded = false;
  bool ok = false;
  std::int8_t exit = 0;
  ckb_vm::Error error{};
  std::uint64_t cycles = 0;
  std::uint64_t pc = 0;
  std::array<std::uint64_t, 32> regs{};
  std::uint64_t memory_hash = 0;
  std::string debug;
  trace_model::Stats stats;  // Model only

  std::string result_line() const {
    char buf[96];
    // A load error is reported as ckb-vm-oracle does: an error with 0 cycles.
    if (!loaded) return "error=" + std::string(error.name()) + " cycles=0";
    if (ok) std::snprintf(buf, sizeof buf, "exit=%d cycles=%llu", exit, static_cast<unsigned long long>(cycles));
    else
      std::snprintf(buf, sizeof buf, "error=%s cycles=%llu", std::string(error.name()).c_str(),
                    static_cast<unsigned long long>(cycles));
    return buf;
  }
  std::string summary() const {
    std::string s = result_line();
    char buf[96];
    std::snprintf(buf, sizeof buf, " pc=0x%llx mem=%016llx", static_cast<unsigned long long>(pc),
                  static_cast<unsigned long long>(memory_hash));
    s += buf;
    if (!ok && loaded) s += " (" + error.to_string() + ")";
    return s;
  }
};

inline std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

// argv = {argv0}: the stack contents (and so the registers of programs that
// read them) depend on it, so compare against other runners with the same.
inline Outcome run_one(const std::vector<std::uint8_t>& elf, const std::vector<std::uint64_t>& pages,
                       const Config& cfg, Engine engine, const std::string& argv0 = "prog") {
  using namespace ckb_vm;
  Outcome o;
  auto debug = std::make_unique<std::string>();
  Builder b;
  b.isa(cfg.isa)
      .version(cfg.version)
      .max_cycles(cfg.max_cycles)
      .instruction_cycle_func(cfg.estimate ? estimate_cycles : constant_cycles)
      .syscall(std::make_unique<DebugSyscall>(debug.get()));
  auto built = b.build();
  if (!built.ok()) {
    o.error = built.error();
    return o;
  }
  Machine& m = *built;
  auto loaded = m.load_program(Bytes(elf.data(), elf.size()), std::vector<std::string>{argv0});
  if (!loaded.ok()) {
    o.error = loaded.error();
    return o;
  }
  o.loaded = true;
  Result<std::int8_t> r = std::int8_t{0};
  trace_model::TraceModel model;
  switch (engine) {
    case Engine::Run:
      r = m.run();
      break;
    case Engine::Step:
      if ((cfg.isa & ISA_MOP) != 0 && cfg.version == VERSION0) {
        r = Error(ErrorCode::InvalidVersion);
        break;
      }
      m.set_running(true);
      while (m.running()) {
        auto s = m.step();
        if (!s.ok()) {
          r = s.error();
          break;
        }
      }
      if (r.ok()) r = m.exit_code();
      break;
    case Engine::Model:
      r = model.run(m);
      o.stats = model.stats;
      break;
  }
  o.ok = r.ok();
  if (o.ok) o.exit = *r;
  else o.error = r.error();
  o.cycles = m.cycles();
  o.pc = m.pc();
  for (std::size_t k = 0; k < 32; ++k) o.regs[k] = m.registers()[k];
  std::uint64_t h = 0;
  std::array<std::uint8_t, RISCV_PAGESIZE> page{};
  for (std::uint64_t p : pages) {
    if (!m.memory().load_bytes_into(p << RISCV_PAGE_SHIFTS, page).ok()) continue;
    h = mix(h, p);
    for (std::size_t k = 0; k < page.size(); k += 8) {
      std::uint64_t v = 0;
      for (int j = 0; j < 8; ++j) v |= static_cast<std::uint64_t>(page[k + j]) << (8 * j);
      h = mix(h, v);
    }
  }
  o.memory_hash = h;
  o.debug = *debug;
  return o;
}

// Field-by-field difference of two outcomes ("" when equal). `error_details`
// also compares the error's pc/bits/address; `pc` compares pc.
inline std::string difference(const Outcome& a, const Outcome& b, bool error_fields) {
  if (a.loaded != b.loaded) return "load";
  if (a.ok != b.ok) return "success";
  if (a.ok && a.exit != b.exit) return "exit code";
  if (!a.ok && error_fields && !(a.error == b.error)) return "error";
  if (a.cycles != b.cycles) return "cycles";
  if (a.pc != b.pc) return "pc";
  if (a.regs != b.regs) {
    for (std::size_t k = 0; k < 32; ++k)
      if (a.regs[k] != b.regs[k]) return "register x" + std::to_string(k);
  }
  if (a.memory_hash != b.memory_hash) return "memory";
  if (a.debug != b.debug) return "debug output";
  return "";
}

struct Verdict {
  std::string failure;  // "" when every rule holds
  Outcome run, step, model;
};

// Runs the three engines and checks the rules above.
inline Verdict check(const std::vector<std::uint8_t>& elf, const std::vector<std::uint64_t>& pages, const Config& cfg) {
  Verdict v;
  v.run = run_one(elf, pages, cfg, Engine::Run);
  v.step = run_one(elf, pages, cfg, Engine::Step);
  v.model = run_one(elf, pages, cfg, Engine::Model);
  const bool aliased = v.model.stats.aliased_hits != 0;
  if (!aliased) {
    const std::string d = difference(v.run, v.step, true);
    if (!d.empty()) {
      v.failure = "run() != step loop (" + d + ")";
      return v;
    }
    if (v.model.ok != v.step.ok || (v.model.ok && (v.model.exit != v.step.exit || v.model.cycles != v.step.cycles))) {
      v.failure = "model != step loop on success";
      return v;
    }
  }
  if (v.model.ok) {
    const std::string d = difference(v.run, v.model, false);
    if (!d.empty()) {
      v.failure = std::string("run() != trace model (") + d + (aliased ? ", aliased)" : ")");
      return v;
    }
  } else if (v.run.ok) {
    v.failure = std::string("trace model failed but run() succeeded") + (aliased ? " (aliased)" : "");
  }
  return v;
}

inline std::string report(const Verdict& v) {
  return "  run:   " + v.run.summary() + "\n  step:  " + v.step.summary() + "\n  model: " + v.model.summary() +
         " aliased_hits=" + std::to_string(v.model.stats.aliased_hits) + "\n";
}

}  // namespace diff
