// Property tests of the spawn scheduler over random spawn/pipe programs
// (tests/ckb/spawn/src/spawn_random.c, one seed per run): at every iteration
// at most 4 VMs are instantiated, at most 17 exist, at most 64 fds are open,
// and every VM is either instantiated or suspended; a finished run leaves only
// the root; a run cut every k cycles and resumed (in process and through
// bytes) ends exactly as the uninterrupted run (same exit code or error, same
// cycles); a suspended VM costs its dirty pages plus a small fixed overhead.
#include <doctest/doctest.h>

#include <ckb_vm/ckb/scheduler.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/test_budget.hpp"

namespace ckb_spawn_property_tests {

using ckb_vm::ErrorCode;
using namespace ckb_vm::ckb;

namespace {

struct RandomTx {
  std::shared_ptr<const ResolvedTransaction> rtx;
  ScriptGroup group;
};

RandomTx random_tx(std::uint64_t seed) {
  static const Bytes program = [] {
    std::ifstream f(std::string(CKB_VM_SOURCE_DIR) + "/tests/ckb/spawn/bin/spawn_random", std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }();
  REQUIRE(!program.empty());
  auto r = std::make_shared<ResolvedTransaction>();
  Bytes args(8);
  for (int i = 0; i < 8; ++i) args[i] = static_cast<std::uint8_t>(seed >> (8 * i));
  OutPoint dep{};
  dep.tx_hash.fill(0x31);
  r->tx.raw.cell_deps.push_back(CellDep{dep, 0});
  r->resolved_cell_deps.push_back(make_cell_meta(dep, CellOutput{}, program));
  OutPoint in{};
  in.tx_hash.fill(0x32);
  r->tx.raw.inputs.push_back(CellInput{0, in});
  r->resolved_inputs.push_back(make_cell_meta(
      in, CellOutput{0, Script{blake2b_256(program), static_cast<std::uint8_t>(ScriptHashType::Data2), args}, std::nullopt},
      {}));
  r->hash = molecule::tx_hash(r->tx);
  return RandomTx{r, script_groups(*r).at(0)};
}

// "exit N cycles C" or "error NAME"
std::string outcome(const ckb_vm::Result<RunStatus>& r) {
  if (!r.ok()) return "error " + std::string(r.error().name());
  return "exit " + std::to_string(int(r->exit_code)) + " cycles " + std::to_string(r->cycles);
}

void check_invariants(const Scheduler<>& s) {
  REQUIRE(s.instantiated_count() <= MAX_INSTANTIATED_VMS);
  REQUIRE(s.vm_count() <= MAX_VMS_COUNT + 1);
  REQUIRE(s.fd_count() <= MAX_FDS);
  if (!s.terminated()) REQUIRE(s.instantiated_count() + s.suspended_count() == s.vm_count());
}

constexpr std::uint64_t kMaxCycles = 20'000'000;

// Random transactions (seeds 1..kSeeds): 120, or the first 30 under sanitizers.
constexpr std::uint64_t kSeeds = testbudget::scaled<std::uint64_t>(120, 30);

}  // namespace

TEST_CASE("spawn property: random spawn/pipe programs keep the scheduler's invariants and cut exactly") {
  int finished = 0, failed = 0, max_vms = 0;
  std::uint64_t max_swaps = 0;
  std::size_t largest_state = 0, largest_vm_overhead = 0;
  std::map<std::string, int> errors;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    CAPTURE(seed);
    RandomTx t = random_tx(seed * 0x9E3779B97F4A7C15ull);
    SchedulerOptions o;
    o.max_cycles = kMaxCycles;
    auto s = Scheduler<>::create(t.rtx, t.group, o);
    REQUIRE(s.ok());
    ckb_vm::Result<RunStatus> once = RunStatus{};
    for (;;) {
      auto step = s->iterate();
      check_invariants(*s);
      max_vms = std::max(max_vms, static_cast<int>(s->vm_count()));
      if (!step.ok()) {
        once = step.error();
        break;
      }
      if (s->terminated()) {
        once = RunStatus{true, 0, s->consumed_cycles()};
        auto again = s->run();  // a finished scheduler just reports
        REQUIRE(again.ok());
        once = again;
        CHECK(s->instantiated_count() == 1);
        CHECK(s->suspended_count() == 0);
        CHECK(s->vm_count() == 1);
        break;
      }
    }
    max_swaps = std::max(max_swaps, s->stats().suspends + s->stats().resumes);
    if (once.ok()) ++finished;
    else {
      ++failed;
      ++errors[std::string(once.error().name()) + (once.error().message ? std::string(": ") + once.error().message : "")];
    }

    for (std::uint64_t k : {3'001ull, 65'537ull}) {
      for (bool through_bytes : {false, true}) {
        CAPTURE(k);
        CAPTURE(through_bytes);
        auto first = Scheduler<>::create(t.rtx, t.group, o);
        REQUIRE(first.ok());
        std::optional<Scheduler<>> c(std::move(*first));
        ckb_vm::Result<RunStatus> end = RunStatus{};
        for (int chunk = 0;; ++chunk) {
          REQUIRE(chunk < 100000);
          auto r = c->run(k);
          check_invariants(*c);
          if (!r.ok() || r->terminated) {
            end = r;
            break;
          }
          auto st = c->state();
          REQUIRE(st.ok());
          for (const SuspendedVm& vm : st->vms) {
            std::size_t dirty = 0;
            for (const auto& d : vm.snapshot.dirty_pages) dirty += d.content.size();
            auto blob = ckb_vm::encode_snapshot2(vm.snapshot);
            REQUIRE(blob.ok());
            // fixed part + per-run descriptors; everything else is dirty pages
            const std::size_t overhead = blob->size() - dirty;
            CHECK(overhead <= 400 + 30 * (vm.snapshot.pages_from_source.size() + vm.snapshot.dirty_pages.size()));
            largest_vm_overhead = std::max(largest_vm_overhead, overhead);
          }
          if (through_bytes) {
            auto bytes = encode_scheduler_state(*st);
            REQUIRE(bytes.ok());
            largest_state = std::max(largest_state, bytes->size());
            auto back = decode_scheduler_state(*bytes);
            REQUIRE(back.ok());
            auto resumed = Scheduler<>::resume(t.rtx, t.group, o, *back);
            REQUIRE(resumed.ok());
            c.emplace(std::move(*resumed));
          }
        }
        CHECK(outcome(end) == outcome(once));
      }
    }
  }
  MESSAGE(finished << " runs finished, " << failed << " failed; up to " << max_vms << " VMs alive, " << max_swaps
                   << " suspends+resumes in one run; largest state " << largest_state
                   << " bytes; largest per-VM snapshot overhead beyond dirty pages " << largest_vm_overhead << " bytes");
  for (const auto& [e, n] : errors) MESSAGE("  " << n << " x " << e);
  CHECK(finished > 0);
}

}  // namespace ckb_spawn_property_tests
