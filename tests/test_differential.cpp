// Differential test: random RV64 programs (tests/support/rvgen.hpp) run
// through DefaultMachine::run(), a step() loop and an executable model of
// ckb-vm's TraceMachine (tests/support/trace_model.hpp), for each
// version/ISA combination CKB uses (VERSION0 IMC; VERSION1 and VERSION2
// IMC|B|MOP) and a few others (VERSION1/2 IMC, with A), under an ample cycle
// limit and tight ones (one below and exactly the cycles of the ample run,
// and a random cut). The rules checked are in tests/support/diff_harness.hpp.
//
// Environment (see docs/testing.md):
//   CKB_VM_DIFF_SEED=N       seed (default 1); program i uses rvgen::program_seed(N, i)
//   CKB_VM_DIFF_PROGRAMS=N   number of programs (default 2500; 60 under sanitizers, 150 in other unoptimised builds)
//   CKB_VM_DIFF_FIRST=N      index of the first program (to replay one)
//   CKB_VM_DIFF_VERBOSE=1    print a line per program
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/diff_harness.hpp"
#include "support/rvgen.hpp"
#include "support/test_budget.hpp"

#if !defined(NDEBUG) && !CKB_VM_TEST_SANITIZED
#define CKB_VM_DIFF_DEBUG_BUILD 1
#endif

namespace differential_tests {

namespace {

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == 0) return fallback;
  return std::strtoull(v, nullptr, 0);
}

std::uint64_t default_programs() {
#if CKB_VM_TEST_SANITIZED
  return 60;
#elif defined(CKB_VM_DIFF_DEBUG_BUILD)
  return 150;
#else
  return 2500;
#endif
}

struct Combo {
  std::uint8_t isa;
  std::uint32_t version;
};

constexpr std::uint8_t IMC = ckb_vm::ISA_IMC, B = ckb_vm::ISA_B, MOP = ckb_vm::ISA_MOP, A = ckb_vm::ISA_A;
// CKB's three, then the others.
constexpr Combo COMBOS[] = {
    {IMC, ckb_vm::VERSION0},           {IMC | B | MOP, ckb_vm::VERSION1}, {IMC | B | MOP, ckb_vm::VERSION2},
    {IMC, ckb_vm::VERSION2},           {IMC, ckb_vm::VERSION1},           {IMC | A | B | MOP, ckb_vm::VERSION2},
    {IMC | A | B | MOP, ckb_vm::VERSION1}, {IMC | A, ckb_vm::VERSION0},
};

constexpr std::uint64_t AMPLE_CYCLES = 150'000;

}  // namespace

TEST_CASE("differential: run() vs step() vs trace-machine model on random programs") {
  const std::uint64_t seed = env_u64("CKB_VM_DIFF_SEED", 1);
  const std::uint64_t count = env_u64("CKB_VM_DIFF_PROGRAMS", default_programs());
  const std::uint64_t first = env_u64("CKB_VM_DIFF_FIRST", 0);
  const bool verbose = env_u64("CKB_VM_DIFF_VERBOSE", 0) != 0;
  const auto start = std::chrono::steady_clock::now();

  std::uint64_t checked = 0, aliased_runs = 0, aliased_ok = 0, model_failures = 0, successes = 0, skipped = 0;
  std::uint64_t failures = 0;
  for (std::uint64_t i = first; i < first + count; ++i) {
    const std::uint64_t pseed = rvgen::program_seed(seed, i);
    rvgen::Options opt;
    opt.print_hash = (pseed & 3) == 0;
    const rvgen::Program prog = rvgen::generate(pseed, opt);
    if (prog.elf.empty()) {
      ++skipped;
      continue;
    }
    rvgen::Rng pick(pseed ^ 0x5eed);
    const bool estimate = !pick.chance(1, 4);
    for (const Combo& combo : COMBOS) {
      diff::Config cfg{combo.isa, combo.version, estimate, AMPLE_CYCLES};
      std::vector<std::uint64_t> limits{AMPLE_CYCLES};
      bool first_limit = true;
      for (std::size_t li = 0; li < limits.size(); ++li) {
        cfg.max_cycles = limits[li];
        const diff::Verdict v = diff::check(prog.elf, prog.pages, cfg);
        ++checked;
        if (v.model.stats.aliased_hits != 0) {
          ++aliased_runs;
          if (v.model.ok) ++aliased_ok;
        }
        if (!v.model.ok) ++model_failures;
        if (v.run.ok) ++successes;
        if (verbose)
          std::printf("program %llu seed %#llx %s: %s%s\n", static_cast<unsigned long long>(i),
                      static_cast<unsigned long long>(pseed), diff::describe(cfg).c_str(), v.run.summary().c_str(),
                      v.model.stats.aliased_hits ? " [aliased]" : "");
        if (!v.failure.empty()) {
          ++failures;
          if (failures <= 20) {
            MESSAGE("program " << i << " (CKB_VM_DIFF_SEED=" << seed << " CKB_VM_DIFF_FIRST=" << i
                               << " CKB_VM_DIFF_PROGRAMS=1, program seed " << pseed << ", features "
                               << prog.features << ") " << diff::describe(cfg) << ": " << v.failure << "\n"
                               << diff::report(v));
          }
        }
        if (first_limit) {
          first_limit = false;
          // Tight limits from the ample run's cycles: one short, exact, and a random cut.
          const std::uint64_t c = v.run.cycles;
          if (c > 1) {
            if (v.run.ok) limits.push_back(c);
            limits.push_back(c - 1);
            limits.push_back(1 + pick.below(c - 1));
          }
        }
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("differential: seed " << seed << ", " << count << " programs (" << skipped << " skipped), " << checked
                                << " machine configurations, " << successes << " successful runs, " << model_failures
                                << " failing, " << aliased_runs << " with aliased trace hits (" << aliased_ok
                                << " of them successful), " << seconds << " s");
  CHECK(failures == 0);
}

#undef CKB_VM_DIFF_DEBUG_BUILD

}  // namespace differential_tests
