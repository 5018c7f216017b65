// Interpreter throughput and latency: guest instructions per CPU second on the
// bundled CPU-heavy programs and the secp256k1 verification guest, and the same
// programs on peers measured in the same rounds. Times are CPU time (ours in
// process, a peer's as its child CPU time), because shared machines make wall
// time noisy. Rounds are interleaved (ours, then every peer, per round) and the
// median is reported. Never fails on timing: the exit status is non-zero only
// when a program or a peer fails to run (or exits non-zero).
//
//   bench_interpreter [--runs N] [--version 0|1|2] [--cost estimate|constant]
//                     [--program NAME]... [--peer NAME=COMMAND]...
//                     [--libriscv DIR] [--no-native]
//
// The machine is the one CKB runs: IMC|B|MOP (IMC|B for VERSION0), W^X flat
// memory, full cycle metering. "guest instructions" are RISC-V instructions
// retired (counted once per program with fusion off and one cycle each).
// Our time is a whole in-process run: build the machine, load the ELF, run(),
// destroy it (what a node does per script); build and load are also reported
// on their own.
//
// A peer COMMAND is run as `COMMAND PROGRAM main` once per round; its child
// CPU time minus its start-up (its median on the ~500-instruction
// cycles_simple) is measured, so its loading is included as ours is.
// qemu-riscv64 is added automatically when found on PATH, and "native" (the
// C program compiled for the host with -O2, start-up measured on an empty
// program) when the build made it. --libriscv DIR builds libriscv's
// Linux-userspace emulator (rvlinux) from the source tree DIR into
// <build>/bench/libriscv (CMake Release, binary translation off) and adds it.
// Example peer (not a dependency of this project):
//   --peer "ckb-vm-asm=/root/.cache/ckb-vm-oracle/bin/ckb-vm-oracle --machine asm --isa imcbmop --version 2 --cost estimate"
// (see bench/README.md).
#include <ckb_vm/ckb_vm.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#ifndef CKB_VM_BENCH_GUEST_DIR
#define CKB_VM_BENCH_GUEST_DIR CKB_VM_SOURCE_DIR "/bench/guest/bin"
#endif
#ifndef CKB_VM_BENCH_BINARY_DIR
#define CKB_VM_BENCH_BINARY_DIR "."
#endif
#ifndef CKB_VM_BENCH_CMAKE
#define CKB_VM_BENCH_CMAKE "cmake"
#endif

namespace {

// CPU seconds of this process (nanosecond clock) or of its waited-for children.
double cpu_seconds_self() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double cpu_seconds_children() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) * 1e-6 +
         static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) * 1e-6;
}

struct Peer {
  std::string name;
  std::vector<std::string> command;  // run as COMMAND PROGRAM main
  bool native = false;               // run the program's host build instead
};

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

bool is_executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// Runs argv as a child (stdout to /dev/null) and returns its CPU seconds, or a
// negative value when it cannot start, is killed or exits non-zero.
double run_child(const std::vector<std::string>& args) {
  std::fflush(stdout);  // the child must not inherit buffered output
  const double before = cpu_seconds_children();
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (std::freopen("/dev/null", "w", stdout) == nullptr) _exit(127);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return cpu_seconds_children() - before;
}

#ifdef CKB_VM_BENCH_NATIVE_DIR
std::string native_exe(const std::string& program) {
  // bench_sha256_b is bench_sha256.c built with the B extensions: one host build.
  const std::string base = program == "bench_sha256_b" ? "bench_sha256" : program;
  return std::string(CKB_VM_BENCH_NATIVE_DIR) + "/native_" + base;
}
#endif

// The command line a peer runs for a guest program (NAME and its ELF path);
// empty when the peer has nothing to run for it.
std::vector<std::string> peer_args(const Peer& peer, [[maybe_unused]] const std::string& name, const std::string& path) {
  if (peer.native) {
#ifdef CKB_VM_BENCH_NATIVE_DIR
    const std::string exe = native_exe(name);
    if (is_executable(exe)) return {exe};
#endif
    return {};
  }
  std::vector<std::string> args = peer.command;
  args.push_back(path);
  args.emplace_back("main");
  return args;
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

// A guest program: bench/guest/bin first, then tests/programs/bin.
std::string program_path(const std::string& name) {
  const std::string guest = std::string(CKB_VM_BENCH_GUEST_DIR) + "/" + name;
  if (access(guest.c_str(), R_OK) == 0) return guest;
  return std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/" + name;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Configures and builds libriscv's rvlinux from the source tree DIR; returns
// the executable's path, or an empty string (the log's tail is printed).
std::string build_libriscv(const std::string& dir) {
  const std::string build = std::string(CKB_VM_BENCH_BINARY_DIR) + "/libriscv";
  const std::string log = build + ".log";
  const char* jobs_env = std::getenv("CMAKE_BUILD_PARALLEL_LEVEL");
  const std::string jobs = jobs_env != nullptr && *jobs_env != '\0' ? jobs_env : "2";
  const std::string cmake = shell_quote(CKB_VM_BENCH_CMAKE);
  const std::string cmd = cmake + " -S " + shell_quote(dir + "/emulator") + " -B " + shell_quote(build) +
                          " -DCMAKE_BUILD_TYPE=Release -DRISCV_BINARY_TRANSLATION=OFF > " + shell_quote(log) +
                          " 2>&1 && " + cmake + " --build " + shell_quote(build) + " --target rvlinux -j " +
                          shell_quote(jobs) + " >> " + shell_quote(log) + " 2>&1";
  std::printf("libriscv: building rvlinux from %s into %s (log: %s)\n", dir.c_str(), build.c_str(), log.c_str());
  std::fflush(stdout);
  if (std::system(cmd.c_str()) != 0 || !is_executable(build + "/rvlinux")) {
    std::fprintf(stderr, "bench_interpreter: building libriscv failed; the end of %s:\n", log.c_str());
    std::system(("tail -n 30 " + shell_quote(log) + " >&2").c_str());
    return {};
  }
  return build + "/rvlinux";
}

using Machine = ckb_vm::MachineBuilder<>::machine_type;

struct Times {
  double build = 0, load = 0, total = 0;
};

// One in-process run: build + load + run() + destroy, each timed. False when
// the program does not load or does not exit 0.
bool run_ours(const std::vector<std::uint8_t>& elf, std::uint8_t isa, std::uint32_t version,
              ckb_vm::InstructionCycleFunc cost, Times& t) {
  const std::vector<std::string> args = {"main"};
  bool ok = false;
  const double t0 = cpu_seconds_self();
  double t1 = t0, t2 = t0;
  {
    std::optional<ckb_vm::Result<Machine>> vm;
    vm.emplace(ckb_vm::MachineBuilder<>{}.isa(isa).version(version).instruction_cycle_func(cost).build());
    t1 = cpu_seconds_self();
    if (vm->ok() && (*vm)->load_program(elf, args).ok()) {
      t2 = cpu_seconds_self();
      auto result = (*vm)->run();
      ok = result.ok() && *result == 0;
    }
  }  // the machine is destroyed here, inside the timed span
  const double t3 = cpu_seconds_self();
  t.build = t1 - t0;
  t.load = t2 - t1;
  t.total = t3 - t0;
  return ok;
}

// Guest instructions: fusion off, one cycle per instruction; 0 on failure.
std::uint64_t count_instructions(const std::vector<std::uint8_t>& elf, std::uint32_t version) {
  auto vm = ckb_vm::MachineBuilder<>{}
                .isa(ckb_vm::ISA_IMC | ckb_vm::ISA_B)
                .version(version)
                .instruction_cycle_func(ckb_vm::constant_cycles)
                .build();
  const std::vector<std::string> args = {"main"};
  if (!vm.ok() || !vm->load_program(elf, args).ok()) return 0;
  auto result = vm->run();
  if (!result.ok() || *result != 0) return 0;
  return vm->cycles();
}

std::string join(const std::vector<std::string>& words) {
  std::string c;
  for (const auto& w : words) c += (c.empty() ? "" : " ") + w;
  return c;
}

// Seconds as milliseconds, "12.345".
std::string ms(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", seconds * 1e3);
  return buf;
}

constexpr std::uint64_t kShortProgram = 20'000'000;  // fewer instructions: 5x the rounds

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::uint32_t version = ckb_vm::VERSION2;
  ckb_vm::InstructionCycleFunc cost = ckb_vm::estimate_cycles;
  const char* cost_name = "estimate";
  bool native = true;
  std::string libriscv_dir;
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
    } else if (std::strcmp(argv[i], "--libriscv") == 0 && i + 1 < argc) {
      libriscv_dir = argv[++i];
    } else if (std::strcmp(argv[i], "--no-native") == 0) {
      native = false;
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
      if (p.command.empty()) {
        std::fprintf(stderr, "--peer %s: empty command\n", p.name.c_str());
        return 2;
      }
      peers.push_back(p);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--runs N] [--version V] [--cost estimate|constant] [--program NAME]... "
                   "[--peer NAME=COMMAND]... [--libriscv DIR] [--no-native]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!libriscv_dir.empty()) {
    const std::string rvlinux = build_libriscv(libriscv_dir);
    if (rvlinux.empty()) return 2;
    peers.push_back({"libriscv", {rvlinux, "-s"}});
  }
  if (on_path("qemu-riscv64"))
    peers.push_back({"qemu", {"qemu-riscv64", "-cpu", "rv64,zba=true,zbb=true,zbc=true,zbs=true"}});
#ifdef CKB_VM_BENCH_NATIVE_DIR
  if (native && is_executable(native_exe("empty"))) peers.push_back({"native", {}, true});
#else
  (void)native;
#endif
  if (names.empty()) names = {"bench_sha256", "bench_sha256_b", "bignum", "sort", "sha256", "secp256k1_verify"};
  const std::uint8_t isa = static_cast<std::uint8_t>(ckb_vm::ISA_IMC | ckb_vm::ISA_B |
                                                     (version >= ckb_vm::VERSION1 ? ckb_vm::ISA_MOP : 0));

  std::printf("ckb-vm-cpp run(), VERSION%u, IMC|B%s, W^X flat memory, %s cycles; CPU-time medians of %d "
              "interleaved rounds (%d for programs under %llu M instructions)\n\n",
              version, version >= ckb_vm::VERSION1 ? "|MOP" : "", cost_name, runs, 5 * runs,
              static_cast<unsigned long long>(kShortProgram / 1'000'000));
  bool failed = false;
  // Each peer's process start-up: median CPU time on a ~500-instruction program
  // (native: an empty program), subtracted from its times below.
  std::vector<double> startup(peers.size(), 0);
  {
    const std::string tiny = std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/cycles_simple";
    for (std::size_t p = 0; p < peers.size(); ++p) {
      std::vector<std::string> args = peer_args(peers[p], "cycles_simple", tiny);
#ifdef CKB_VM_BENCH_NATIVE_DIR
      if (peers[p].native) args = {native_exe("empty")};
#endif
      std::vector<double> t;
      for (int r = 0; r < std::max(2 * runs, 11); ++r) {
        const double pt = run_child(args);
        if (pt >= 0) t.push_back(pt);
      }
      startup[p] = t.empty() ? 0 : median(t);
      std::printf("%s: %s; start-up %.3f ms (subtracted)%s\n", peers[p].name.c_str(),
                  peers[p].native ? "the C program built for the host with -O2" : join(peers[p].command).c_str(),
                  startup[p] * 1e3, t.empty() ? " -- FAILED on cycles_simple" : "");
      if (t.empty()) failed = true;
    }
    if (!peers.empty()) std::printf("\n");
  }
  std::printf("| program | guest instructions | build µs | load µs | ckb-vm-cpp ms | MIPS |");
  for (const auto& p : peers) std::printf(" %s ms | ratio |", p.name.c_str());
  std::printf("\n|---|---:|---:|---:|---:|---:|");
  for (std::size_t i = 0; i < peers.size(); ++i) std::printf("---:|---:|");
  std::printf("\n");

  for (const auto& name : names) {
    const std::string path = program_path(name);
    const auto elf = read_file(path);
    if (elf.empty()) {
      std::printf("| %s | (missing %s) |\n", name.c_str(), path.c_str());
      failed = true;
      continue;
    }
    const std::uint64_t instructions = count_instructions(elf, version);
    if (instructions == 0) {
      std::printf("| %s | failed to run (or exit code not 0) |\n", name.c_str());
      failed = true;
      continue;
    }
    const int rounds = instructions < kShortProgram ? 5 * runs : runs;
    std::vector<double> build, load, ours;
    std::vector<std::vector<double>> theirs(peers.size());
    std::vector<int> peer_state(peers.size(), 1);  // 1 ok, 0 failed, -1 nothing to run
    std::vector<std::vector<std::string>> args(peers.size());
    for (std::size_t p = 0; p < peers.size(); ++p) {
      args[p] = peer_args(peers[p], name, path);
      if (args[p].empty()) peer_state[p] = -1;
    }
    bool ok = true;
    for (int r = 0; r < rounds && ok; ++r) {
      Times t;
      if (!run_ours(elf, isa, version, cost, t)) {
        ok = false;
        break;
      }
      build.push_back(t.build);
      load.push_back(t.load);
      ours.push_back(t.total);
      for (std::size_t p = 0; p < peers.size(); ++p) {
        if (peer_state[p] != 1) continue;
        const double pt = run_child(args[p]);
        if (pt < 0) peer_state[p] = 0;
        else theirs[p].push_back(pt);
      }
    }
    if (!ok) {
      std::printf("| %s | failed to run |\n", name.c_str());
      failed = true;
      continue;
    }
    const double m = std::max(median(ours), 1e-9);
    const double mb = median(build), ml = median(load);
    std::printf("| %s | %llu | %.0f (%.1f%%) | %.0f (%.1f%%) | %s | %.0f |", name.c_str(),
                static_cast<unsigned long long>(instructions), mb * 1e6, 100 * mb / m, ml * 1e6, 100 * ml / m,
                ms(m).c_str(), static_cast<double>(instructions) / m / 1e6);
    for (std::size_t p = 0; p < peers.size(); ++p) {
      if (peer_state[p] == -1) {
        std::printf(" n/a | |");
        continue;
      }
      if (peer_state[p] == 0) {
        std::printf(" FAILED | |");
        failed = true;
        continue;
      }
      const double pm = median(theirs[p]) - startup[p];
      if (pm <= 0) std::printf(" ~0 | |");  // within start-up noise
      else std::printf(" %s | %.2fx |", ms(pm).c_str(), pm / m);
    }
    std::printf("\n");
  }
  std::printf("\nckb-vm-cpp ms: build + load + run() + destroy in process (build and load also on their own,\n"
              "with their share of it). A peer's ms: child-process CPU time minus its start-up (its loading\n"
              "included). ratio = peer time / ckb-vm-cpp time (> 1: ckb-vm-cpp is faster). Child times have\n"
              "~1 ms granularity on some kernels: figures under a few ms are indicative only.\n");
  if (failed) std::printf("\nSome program or peer failed to run (see above).\n");
  return failed ? 1 : 0;
}
