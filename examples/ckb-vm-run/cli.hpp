// ckb-vm-run: declarations shared by its source files. Each file does one thing:
//
//   main.cpp           picks the mode for the command line and reports failures
//   options.cpp        the command line: --help text, option table, parsing, checks
//   files.cpp          bounded reading of input files, atomic writing of output files
//   sha256.hpp/.cpp    SHA-256 (program ids and snapshot-file checksums)
//   snapshot_file.cpp  the snapshot file format (header + Snapshot2 + recorded ARGS)
//   machine.cpp        the machine: builder settings, CKB's debug syscall, the stepping loop
//                      (--trace) and the profiled block-engine run (--pprof)
//   run_program.cpp    the default mode: run, suspend or resume PROGRAM ARGS...
//   report.cpp         output: the one-line result, the error report, register dumps
//
// Adding a mode (e.g. --tx-file): give its options an entry in the table in
// options.cpp (and a field in Options), write examples/ckb-vm-run/<mode>.cpp with an
// `int run_<mode>(const Options&)`, declare it below and add a line to MODES in
// main.cpp. CMake picks up every .cpp in this directory.
#pragma once

#include <ckb_vm/ckb_vm.hpp>
#include <ckb_vm/detail/byte_io.hpp>
#include <ckb_vm/profiler.hpp>
#include <ckb_vm/snapshot2.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ckb_vm_run {

using namespace ckb_vm;
using ckb_vm::detail::bytes::hex_bytes;

#ifndef CKB_VM_RUN_VERSION
#define CKB_VM_RUN_VERSION "unknown"
#endif

constexpr int STATUS_INPUT = 2;       // bad command line or input file
constexpr int STATUS_VM_ERROR = 254;  // the VM stopped with an error
constexpr std::uint64_t DEBUG_SYSCALL = 2177;
constexpr std::uint64_t DEFAULT_MAX_CYCLES = 70'000'000;  // as CKB's tools
constexpr std::size_t MAX_INPUT_BYTES = 64u << 20;        // any input file

// A command-line or input problem: one line on stderr, then exit with `status`.
struct Failure {
  std::string message;
  int status = STATUS_INPUT;
};
[[noreturn]] void fail(std::string message);

// ---------------------------------------------------------------------------
// options.cpp
enum class Cost : std::uint8_t { none = 0, estimate = 1, constant = 2 };
const char* cost_name(Cost c);
InstructionCycleFunc cost_function(Cost c);
std::string isa_name(std::uint8_t isa);

struct Options {
  bool help = false;
  bool show_version = false;
  std::optional<std::uint8_t> isa;
  std::optional<std::uint32_t> vm_version;
  std::optional<Cost> cost;
  std::optional<std::uint64_t> max_cycles;
  std::optional<std::uint64_t> memory;
  std::optional<std::uint64_t> suspend_at;
  std::string snapshot;
  std::string resume;
  bool trace = false;
  bool dump_registers = false;
  std::string pprof;
  std::string program;
  std::vector<std::string> args;
  // --tx-file mode (tx_file.cpp)
  std::string tx_file;
  std::string script_group_type;
  std::string cell_type;
  std::optional<std::uint64_t> cell_index;
  std::string bin;
  std::optional<std::uint64_t> pid;  // the VM --trace/--pprof follow
};

extern const char* const USAGE;
Options parse_command_line(int argc, char** argv);

// What a machine is made of; stored in snapshot files.
struct Config {
  std::uint8_t isa = ISA_IMC;
  std::uint32_t version = VERSION2;
  Cost cost = Cost::estimate;
  std::uint64_t memory = RISCV_MAX_MEMORY;
  std::uint64_t max_cycles = DEFAULT_MAX_CYCLES;
};

// ---------------------------------------------------------------------------
// files.cpp
// The whole file; fails (without buffering more than `limit` bytes) when larger.
std::vector<std::uint8_t> read_file(const std::string& path, const char* what, std::size_t limit = MAX_INPUT_BYTES);
// Through a temporary file and a rename, so `path` is never half-written.
void write_file(const std::string& path, std::span<const std::uint8_t> bytes, const char* what);

// ---------------------------------------------------------------------------
// snapshot_file.cpp
using Digest = std::array<std::uint8_t, 32>;
using ProgramId = Digest;

struct SnapshotFile {
  Config config;
  ProgramId program{};
  std::optional<std::vector<std::string>> args;  // argv[1..] of the suspended run (format 2)
  Snapshot2<ProgramId> snapshot;
};
std::vector<std::uint8_t> encode_snapshot_file(const Config& c, const ProgramId& program,
                                               const std::vector<std::string>& args,
                                               const Snapshot2<ProgramId>& snapshot);
SnapshotFile decode_snapshot_file(std::span<const std::uint8_t> in, const std::string& path);

// ---------------------------------------------------------------------------
// machine.cpp
using Core = DefaultCoreMachine<>;
using Machine = DefaultMachine<Core>;
Machine build_machine(const Config& c, std::uint64_t max_cycles);
// One DefaultMachine::step() at a time, decoding each instruction again to trace
// it (--trace, and --pprof with it).
Result<std::int8_t> run_stepping(Machine& m, const Config& c, bool trace, CallStackProfiler* profiler);
// --pprof without --trace: the block engine with a ProfileObserver (the same
// profile as run_stepping's, at a fraction of its cost).
Result<std::int8_t> run_profiled(Machine& m, const Config& c, CallStackProfiler& profiler);

// Function names and source lines of the program, for --pprof and error reports.
struct DebugInfo {
  SymbolTable symbols;
  LineTable lines;
};

// ---------------------------------------------------------------------------
// report.cpp
std::string hex(std::uint64_t v);
std::string one_line(const std::string& s);
// `error=<Name> [details] pc=0x.. cycles=<n> [(message)]`
std::string describe_error(const Error& e, const Machine& m);
// pc with its function and source line, registers, and the call stack when a
// profiler tracked it: stderr.
void report_error(const Error& e, const Machine& m, const DebugInfo* debug, const CallStackProfiler* profiler);
// `x<n>/<abi> = 0x...` lines, four per row.
std::string format_registers(const Machine& m);

// ---------------------------------------------------------------------------
// Modes
int run_program(const Options& o);  // run_program.cpp: PROGRAM ARGS..., --suspend-at, --resume
int run_tx_file(const Options& o);  // tx_file.cpp: --tx-file F, a script of a mock transaction

}  // namespace ckb_vm_run
