// Suspend a running RISC-V program to a file and resume it in another process.
//
//   snapshot_suspend_resume run     PROGRAM [ARGS...]
//   snapshot_suspend_resume suspend PROGRAM CYCLES FILE [ARGS...]
//   snapshot_suspend_resume resume  PROGRAM FILE
//
// `run` runs PROGRAM to the end. `suspend` runs it with a budget of CYCLES
// cycles; when the budget runs out it writes a Snapshot2 of the machine to
// FILE. `resume` starts a fresh machine, restores FILE into it and runs the
// program to the end. `run` and `resume` print the same line, e.g.
//
//   exit=0 cycles=1234567
//
// for the same program, whatever CYCLES was. The machine is the one CKB runs
// for new scripts: VERSION2, RV64IMC + B + MOP, estimate_cycles.
//
// The snapshot does not contain the program: its pages are referred to by an
// id, here a 64-bit FNV-1a hash of the program file, and read again from
// PROGRAM on resume (only pages the file fills completely are referred to;
// small programs have none, and their code travels in the snapshot's dirty
// pages). A snapshot that refers to program pages fails to resume with
// another program file (SnapshotDataLoadError) instead of running wrong code.
#include <ckb_vm/cost_model.hpp>
#include <ckb_vm/elf.hpp>
#include <ckb_vm/machine.hpp>
#include <ckb_vm/snapshot2.hpp>
#include <ckb_vm/snapshot_codec.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace ckb_vm;
using ProgramId = std::uint64_t;
using Source = InMemoryDataSource<ProgramId>;
using Context = Snapshot2Context<ProgramId, Source>;
using Core = DefaultCoreMachine<>;
using VmMachine = DefaultMachine<Core>;

constexpr std::uint8_t kIsa = ISA_IMC | ISA_B | ISA_MOP;
constexpr std::uint32_t kVersion = VERSION2;

std::optional<std::vector<std::uint8_t>> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), {});
}

bool write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(f);
}

ProgramId fnv1a(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ULL;
  return h;
}

// Syscall 2177: print the NUL-terminated string at a0 to stderr (debug output).
class DebugSyscall : public Syscalls<Core> {
 public:
  Status initialize(Core&) override { return {}; }
  Result<bool> ecall(Core& m) override {
    if (m.registers()[registers::A7] != 2177) return false;
    std::string text;
    for (std::uint64_t addr = m.registers()[registers::A0];; ++addr) {
      auto byte = m.memory().load8(addr);
      if (!byte.ok()) return byte.error();
      if (*byte == 0) break;
      text.push_back(static_cast<char>(*byte));
    }
    std::cerr << text << '\n';
    return true;
  }
};

VmMachine make_machine(std::uint64_t max_cycles) {
  std::vector<std::unique_ptr<Syscalls<Core>>> syscalls;
  syscalls.push_back(std::make_unique<DebugSyscall>());
  return VmMachine(Core(kIsa, kVersion, max_cycles), estimate_cycles, std::move(syscalls));
}

int fail(const std::string& what, const Error& e) {
  std::cerr << what << ": " << e.to_string() << '\n';
  return 2;
}

int print_result(const Result<std::int8_t>& r, const VmMachine& m) {
  if (!r.ok()) {
    std::cout << "error=" << r.error().name() << " cycles=" << m.cycles() << '\n';
    return 1;
  }
  std::cout << "exit=" << static_cast<int>(*r) << " cycles=" << m.cycles() << '\n';
  return 0;
}

// Loads the program as the CKB node does and tells the context that its pages
// are copies of the program file.
Status load(VmMachine& m, Context& ctx, const std::vector<std::uint8_t>& program, ProgramId id,
            const std::vector<std::string>& args) {
  auto md = parse_elf(program, m.version());
  if (!md.ok()) return md.error();
  std::vector<Bytes> views;
  for (const auto& a : args) views.push_back(as_bytes(a));
  auto loaded = m.load_program_with_metadata(program, *md, views);
  if (!loaded.ok()) return loaded.error();
  return ctx.mark_program(m, *md, id, 0);
}

int usage() {
  std::cerr << "usage: snapshot_suspend_resume run PROGRAM [ARGS...]\n"
               "       snapshot_suspend_resume suspend PROGRAM CYCLES FILE [ARGS...]\n"
               "       snapshot_suspend_resume resume PROGRAM FILE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string mode = argv[1];
  const std::string program_path = argv[2];
  auto program = read_file(program_path);
  if (!program) {
    std::cerr << "cannot read " << program_path << '\n';
    return 2;
  }
  const ProgramId id = fnv1a(*program);
  Source source;
  source.insert(id, *program);
  Context ctx(source);

  auto args_from = [&](int first) {
    std::vector<std::string> args = {program_path};
    for (int i = first; i < argc; ++i) args.emplace_back(argv[i]);
    return args;
  };

  if (mode == "run") {
    VmMachine m = make_machine(~std::uint64_t{0});
    if (auto s = load(m, ctx, *program, id, args_from(3)); !s.ok()) return fail("load", s.error());
    return print_result(m.run(), m);
  }

  if (mode == "suspend") {
    if (argc < 5) return usage();
    char* end = nullptr;
    const std::uint64_t budget = std::strtoull(argv[3], &end, 10);
    if (end == argv[3] || *end != '\0') return usage();
    const std::string file = argv[4];
    VmMachine m = make_machine(budget);
    if (auto s = load(m, ctx, *program, id, args_from(5)); !s.ok()) return fail("load", s.error());
    auto r = m.run();
    if (r.ok() || r.error().code != ErrorCode::CyclesExceeded) {
      std::cout << "not suspended: ";
      print_result(r, m);
      return 1;
    }
    auto snapshot = ctx.make_snapshot(m);
    if (!snapshot.ok()) return fail("make_snapshot", snapshot.error());
    auto bytes = encode_snapshot2(*snapshot);
    if (!bytes.ok()) return fail("encode", bytes.error());
    if (!write_file(file, *bytes)) {
      std::cerr << "cannot write " << file << '\n';
      return 2;
    }
    std::size_t source_pages = 0, dirty_pages = 0;
    for (const auto& run : snapshot->pages_from_source) source_pages += run.length / RISCV_PAGESIZE;
    for (const auto& run : snapshot->dirty_pages) dirty_pages += run.content.size() / RISCV_PAGESIZE;
    std::cout << "suspended at cycles=" << snapshot->cycles << " pc=0x" << std::hex << snapshot->pc << std::dec
              << ": " << bytes->size() << " bytes, " << dirty_pages << " dirty pages, " << source_pages
              << " pages referenced from the program\n";
    return 0;
  }

  if (mode == "resume") {
    if (argc != 4) return usage();
    auto bytes = read_file(argv[3]);
    if (!bytes) {
      std::cerr << "cannot read " << argv[3] << '\n';
      return 2;
    }
    auto snapshot = decode_snapshot2<ProgramId>(*bytes);
    if (!snapshot.ok()) return fail("decode", snapshot.error());
    VmMachine m = make_machine(0);
    if (auto s = ctx.resume(m, *snapshot); !s.ok()) return fail("resume", s.error());
    m.set_max_cycles(~std::uint64_t{0});
    return print_result(m.run(), m);
  }
  return usage();
}
