// Interpreter throughput: guest instructions per second on the bundled
// CPU-heavy programs, and the same programs on peers measured in the same
// run. Times are process CPU time (getrusage), because shared machines make
// wall time noisy; each figure is the best of N runs. Never fails on timing.
//
//   bench_interpreter [--runs N] [--peer NAME=COMMAND]...
//
// A peer COMMAND is run as `COMMAND PROGRAM argv0` once per program; its
// child CPU time is measured. qemu-riscv64 is added automatically when found
// on PATH. Example for a local ckb-vm build (not part of this project):
//   --peer "ckb-vm-asm=/path/to/ckb-vm-ref --mode asm --isa imcb --version 2 --cost constant"
#include <ckb_vm/ckb_vm.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

struct Program {
  const char* name;
  std::uint8_t isa;
};

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

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::vector<Peer> peers;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
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
      std::fprintf(stderr, "usage: %s [--runs N] [--peer NAME=COMMAND]...\n", argv[0]);
      return 2;
    }
  }
  if (on_path("qemu-riscv64")) peers.push_back({"qemu-riscv64", {"qemu-riscv64", "-cpu", "rv64,zba=true,zbb=true,zbc=true,zbs=true"}});

  const Program programs[] = {
      {"bench_sha256", ckb_vm::ISA_IMC | ckb_vm::ISA_B | ckb_vm::ISA_MOP},
      {"bench_sha256_b", ckb_vm::ISA_IMC | ckb_vm::ISA_B | ckb_vm::ISA_MOP},
      {"bignum", ckb_vm::ISA_IMC | ckb_vm::ISA_B | ckb_vm::ISA_MOP},
      {"sort", ckb_vm::ISA_IMC | ckb_vm::ISA_B | ckb_vm::ISA_MOP},
  };
  std::printf("ckb-vm-cpp interpreter, VERSION2, constant_cycles (cycles = instructions), best of %d, CPU time\n\n",
              runs);
  std::printf("%-16s %14s %10s %10s", "program", "instructions", "seconds", "MIPS");
  for (const auto& p : peers) std::printf(" %14s", (p.name + " x").c_str());
  std::printf("\n");
  for (const auto& prog : programs) {
    const std::string path = std::string(CKB_VM_TEST_PROGRAMS_DIR) + "/" + prog.name;
    const auto elf = read_file(path);
    if (elf.empty()) {
      std::printf("%-16s (missing %s)\n", prog.name, path.c_str());
      continue;
    }
    double best = 1e30;
    std::uint64_t instructions = 0;
    bool ok = true;
    for (int r = 0; r < runs; ++r) {
      auto vm = ckb_vm::MachineBuilder<>{}
                    .isa(prog.isa)
                    .version(ckb_vm::VERSION2)
                    .instruction_cycle_func(ckb_vm::constant_cycles)
                    .build();
      const std::vector<std::string> args = {"main"};
      if (!vm.ok() || !vm->load_program(elf, args).ok()) {
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
      instructions = vm->cycles();
      best = std::min(best, t);
    }
    if (!ok) {
      std::printf("%-16s failed to run\n", prog.name);
      continue;
    }
    std::printf("%-16s %14llu %10.3f %10.1f", prog.name, static_cast<unsigned long long>(instructions), best,
                static_cast<double>(instructions) / best / 1e6);
    for (const auto& peer : peers) {
      double peer_best = 1e30;
      for (int r = 0; r < runs; ++r) {
        const double t = run_peer(peer, path);
        if (t < 0) {
          peer_best = -1;
          break;
        }
        peer_best = std::min(peer_best, t);
      }
      // Ratio: how many times longer the peer took than this library.
      if (peer_best < 0) std::printf(" %14s", "failed");
      else std::printf(" %13.2fx", peer_best / best);
    }
    std::printf("\n");
  }
  std::printf("\nPeer columns: peer CPU time / ckb-vm-cpp CPU time (> 1 means ckb-vm-cpp is faster).\n"
              "Peer times include process start-up and program loading; ours cover run() only.\n");
  return 0;
}
