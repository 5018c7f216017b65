// Interpreter throughput: guest instructions per CPU second on the bundled
// CPU-heavy programs, and the same programs on peers measured in the same run.
// Times are CPU time (getrusage: ours in process around run(), a peer's as its
// child CPU time), because shared machines make wall time noisy. Rounds are
// interleaved (ours, then every peer, per round) and the median is reported.
// Never fails on timing.
//
//   bench_interpreter [--runs N] [--version 0|1|2] [--cost estimate|constant]
//                     [--program NAME]... [--peer NAME=COMMAND]...
//
// The machine is the one CKB runs: IMC|B|MOP (IMC|B for VERSION0), W^X flat
// memory, full cycle metering. "guest instructions" are RISC-V instructions
// retired (counted once per program with fusion off and one cycle each).
//
// A peer COMMAND is run as `COMMAND PROGRAM main` once per round; its child
// CPU time (process start-up and loading included) is measured.
// qemu-riscv64 is added automatically when found on PATH. Examples (neither
// is a dependency of this project):
//   --peer "ckb-vm-asm=/root/.cache/ckb-vm-oracle/bin/ckb-vm-oracle --machine asm --isa imcbmop --version 2 --cost estimate"
//   --peer "libriscv=/path/to/libriscv/emulator/build/rvlinux -s"
// (see bench/README.md for how those were built).
#include <ckb_vm/ckb_vm.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) * 1e-6 +
         static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) * 1e-6;
}

struct Peer {
  std::string name;
  std::vector<std::string> command;
};

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Runs a peer command and returns its CPU seconds (or a negative value).
double run_peer(const Peer& peer, const std::string& program) {
  std::fflush(stdout);  // the child must not inherit buffered output
  const double before = cpu_seconds(RUSAGE_CHILDREN);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : peer.command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(const_cast<char*>(program.c_str()));
    argv.push_back(const_cast<char*>("main"));
    argv.push_back(nullptr);
    if (std::freopen("/dev/null", "w", stdout) == nullptr) _exit(127);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return cpu_seconds(RUSAGE_CHILDREN) - before;
}

bool on_path(const char* exe) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (access((dir + "/" + exe).c_str(), X_OK) == 0) return true;
  return false;
}

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

using Machine = ckb_vm::MachineBuilder<>::machine_type;

// Builds and loads a machine; false on failure.
bool make_machine(const std::vector<std::uint8_t>& elf, std::uint8_t isa, std::uint32_t version,
                  ckb_vm::InstructionCycleFunc cost, ckb_vm::Result<Machine>& out) {
  out = ckb_vm::MachineBuilder<>{}.isa(isa).version(version).instruction_cycle_func(cost).build();
  const std::vector<std::string> args = {"main"};
  return out.ok() && out->load_program(elf, args).ok();
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::uint32_t version = ckb_vm::VERSION2;
  ckb_vm::InstructionCycleFunc cost = ckb_vm::estimate_cycles;
  const char* cost_name = "estimate";
  std::vector<std::string> names;
  std::vector<Peer> peers;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--version") == 0 && i + 1 < argc) {
      version = static_cast<std::uint32_t>(std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--cost") == 0 && i + 1 < argc) {
      const std::string c = argv[++i];
      if (c == "constant") {
        cost = ckb_vm::constant_cycles;
        cost_name = "constant";
      }
    } else if (std::strcmp(argv[i], "--program") == 0 && i + 1 < argc) {
      names.emplace_back(argv[++i]);
    } else if (std::strcmp(argv[i], "--peer") == 0 && i + 1 < argc) {
      std::string spec = argv[++i];
      const auto eq = spec.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "--peer wants NAME=COMMAND\n");
        return 2;
      }
      Peer p{spec.substr(0, eq), {}};
      std::stringstream ss(spec.substr(eq + 1));
      std::string word;
      while (ss >> word) p.command.push_back(word);
      peers.push_back(p);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--runs N] [--version V] [--cost estimate|constant] [--program NAME]... "
                   "[--peer NAME=COMMAND]...\n",
                   argv[0]);
      return 2;
    }
  }
  if (on_path("qemu-riscv64"))
    peers.push_back({"qemu-riscv64", {"qemu-riscv64", "-cpu", "rv64,zba=true,zbb=true,zbc=true,zbs=true"}});
  if (names.empty()) names = {"bench_sha256", "bench_sha256_b", "bignum", "sort", "sha256"};
  const std::uint8_t isa = static_cast<std::uint8_t>(ckb_vm::ISA_IMC | ckb_vm::ISA_B |
                                                     (version >= ckb_vm::VERSION1 ? ckb_vm::ISA_MOP : 0));

  std::printf("ckb-vm-cpp run(), VERSION%u, IMC|B%s, W^X flat memory, %s cycles; median of %d interleaved rounds, "
              "CPU time\n\n",
              version, version >= ckb_vm::VERSION1 ? "|MOP" : "", cost_name, runs);
  // Each peer's process start-up: median CPU time on a ~500-instruction program,
  // subtracted from its times below.
  std::vector<double> startup(peers.size(), 0);
  {
    const std::string tiny = std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/cycles_simple";
    for (std::size_t p = 0; p < peers.size(); ++p) {
      std::vector<double> t;
      for (int r = 0; r < std::max(runs, 5); ++r) {
        const double pt = run_peer(peers[p], tiny);
        if (pt >= 0) t.push_back(pt);
      }
      startup[p] = t.empty() ? 0 : median(t);
      std::printf("%s: %s; start-up %.4f s (subtracted)\n", peers[p].name.c_str(), [&] {
        std::string c;
        for (const auto& w : peers[p].command) c += (c.empty() ? "" : " ") + w;
        return c;
      }().c_str(), startup[p]);
    }
    if (!peers.empty()) std::printf("\n");
  }
  std::printf("| program | guest instructions | ckb-vm-cpp s | MIPS |");
  for (const auto& p : peers) std::printf(" %s s | %s MIPS | ratio |", p.name.c_str(), p.name.c_str());
  std::printf("\n|---|---:|---:|---:|");
  for (std::size_t i = 0; i < peers.size(); ++i) std::printf("---:|---:|---:|");
  std::printf("\n");

  for (const auto& name : names) {
    const std::string path = std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/" + name;
    const auto elf = read_file(path);
    if (elf.empty()) {
      std::printf("| %s | (missing %s) |\n", name.c_str(), path.c_str());
      continue;
    }
    // Guest instructions: fusion off, one cycle per instruction.
    std::uint64_t instructions = 0;
    {
      ckb_vm::Result<Machine> vm = ckb_vm::ErrorCode::Unexpected;
      if (!make_machine(elf, ckb_vm::ISA_IMC | ckb_vm::ISA_B, version, ckb_vm::constant_cycles, vm) ||
          !vm->run().ok()) {
        std::printf("| %s | failed to run |\n", name.c_str());
        continue;
      }
      instructions = vm->cycles();
    }
    std::vector<double> ours;
    std::vector<std::vector<double>> theirs(peers.size());
    std::vector<bool> peer_ok(peers.size(), true);
    bool ok = true;
    for (int r = 0; r < runs && ok; ++r) {
      ckb_vm::Result<Machine> vm = ckb_vm::ErrorCode::Unexpected;
      if (!make_machine(elf, isa, version, cost, vm)) {
        ok = false;
        break;
      }
      const double t0 = cpu_seconds(RUSAGE_SELF);
      auto result = vm->run();
      const double t = cpu_seconds(RUSAGE_SELF) - t0;
      if (!result.ok() || *result != 0) {
        ok = false;
        break;
      }
      ours.push_back(t);
      for (std::size_t p = 0; p < peers.size(); ++p) {
        if (!peer_ok[p]) continue;
        const double pt = run_peer(peers[p], path);
        if (pt < 0) peer_ok[p] = false;
        else theirs[p].push_back(pt);
      }
    }
    if (!ok) {
      std::printf("| %s | failed to run |\n", name.c_str());
      continue;
    }
    const double m = std::max(median(ours), 1e-6);
    std::printf("| %s | %llu | %.4f | %.0f |", name.c_str(), static_cast<unsigned long long>(instructions), m,
                static_cast<double>(instructions) / m / 1e6);
    for (std::size_t p = 0; p < peers.size(); ++p) {
      if (!peer_ok[p]) {
        std::printf(" failed | | |");
        continue;
      }
      const double pm = std::max(median(theirs[p]) - startup[p], 1e-6);
      std::printf(" %.4f | %.0f | %.2fx |", pm, static_cast<double>(instructions) / pm / 1e6, pm / m);
    }
    std::printf("\n");
  }
  std::printf("\nratio = peer CPU time / ckb-vm-cpp CPU time (> 1: ckb-vm-cpp is faster). Peer times are\n"
              "child-process CPU time minus the peer's start-up (loading included); ckb-vm-cpp's cover\n"
              "run() only. getrusage has ~1 ms resolution: programs under ~20 ms are indicative only.\n");
  return 0;
}
