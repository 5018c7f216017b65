// The command line: --help text, the option table and its parsing.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <system_error>

#include "cli.hpp"

namespace ckb_vm_run {

const char* const USAGE = R"(usage: ckb-vm-run [options] PROGRAM [ARGS...]
       ckb-vm-run --resume SNAPSHOT [options] PROGRAM [ARGS...]
       ckb-vm-run --version | --help

Runs the RISC-V ELF file PROGRAM with argv = PROGRAM ARGS... (options end at
PROGRAM or at --) and prints, as the first line on stdout,
  exit=<code> cycles=<n>                      when the program exits, or
  error=<Name> [details] pc=0x.. cycles=<n>   when the VM stops with an error
(pc: where the machine stopped; ckb-vm leaves it after a faulting instruction).
On an error, stderr gets the pc's function, the registers and (with --pprof or
--trace) the call stack. The CKB debug syscall (a7 = 2177) prints the
NUL-terminated string at a0 to stderr.

Machine:
  --vm-version 0|1|2       VM version (default 2). The old spelling `--version N`
                           still works and prints a deprecation line on stderr.
  --isa ISA                imc followed by any of a, b, mop: imc, imcb, imca, imcbmop,
                           imcabmop, ... (default: imc for version 0, imcbmop otherwise,
                           as CKB uses them)
  --cost estimate|constant|none
                           cycle table: CKB's (default), 1 per instruction, or free
  --max-cycles N           stop with CyclesExceeded beyond N cycles (default 70000000,
                           as CKB's tools)
  --memory BYTES           guest memory, a multiple of 4096 up to 4194304 (default)

Suspend and resume (Snapshot2):
  --suspend-at N --snapshot FILE
                           stop once the next instruction would take the run past N
                           cycles and write the machine to FILE; prints
                           suspended cycles=<n> snapshot=FILE
  --resume FILE            continue a run suspended into FILE; PROGRAM must be the
                           same file, and ARGS, if given, the suspended run's ARGS
                           (repeat the original command with --resume FILE added).
                           Version, ISA, cost, memory and the remaining --max-cycles
                           come from FILE (giving different ones is an error, except
                           --max-cycles). A resumed run may suspend again.

Inspection (--trace and --pprof run one instruction at a time, like DefaultMachine::step):
  --trace                  print every executed instruction before the result line:
                           <pc>  <disassembly>  cycles=<total after it>
  --pprof FILE             write a cycle profile as folded stacks (func;callee;... cycles),
                           functions from PROGRAM's symbol table, calls and returns seen
                           through jal/jalr with ra (a resumed run starts with no frames)
  --dump-registers         after the result line, print pc and the 32 registers

A script of a CKB transaction (a mock transaction file, as ckb-cli mock-tx dump
writes it and ckb-debugger reads it, {{ data/hash/def_type/ref_type }} templates
included), run as the node runs it; prints Run result / Total cycles consumed /
Transfer cycles, running cycles, like ckb-debugger (--trace and --pprof work):
  --tx-file FILE           the mock transaction (no PROGRAM then)
  --script-group-type lock|type   (default lock)
  --cell-type input|output        (default input for lock scripts)
  --cell-index N                  (default 0)
  --bin ELF                run ELF instead of the selected script's code
  --pid N                  the VM that --trace/--pprof follow: 0 (default) is the
                           script, 1, 2, ... the VMs it spawns, in spawn order
  (--vm-version forces the VM version instead of the script's hash type;
   --max-cycles defaults to 70000000)

  --version                print the version of ckb-vm-run and exit
  --help                   print this and exit

Input files (PROGRAM, snapshots) larger than 64 MiB are refused.
Exit status: the program's exit code (mod 256) when it exits; 0 when suspended;
254 when the VM stops with an error; 2 for a bad command line or an unreadable or
invalid input file (one line on stderr).
)";

void fail(std::string message) { throw Failure{std::move(message)}; }

const char* cost_name(Cost c) {
  switch (c) {
    case Cost::none: return "none";
    case Cost::estimate: return "estimate";
    case Cost::constant: return "constant";
  }
  return "?";
}

InstructionCycleFunc cost_function(Cost c) {
  switch (c) {
    case Cost::none: return zero_cycles;
    case Cost::constant: return constant_cycles;
    case Cost::estimate: break;
  }
  return estimate_cycles;
}

std::string isa_name(std::uint8_t isa) {
  std::string s = "imc";
  if (isa & ISA_A) s += "a";
  if (isa & ISA_B) s += "b";
  if (isa & ISA_MOP) s += "mop";
  return s;
}

namespace {

std::uint64_t parse_number(std::string_view option, std::string_view text) {
  int base = 10;
  std::string_view digits = text;
  if (digits.starts_with("0x") || digits.starts_with("0X")) {
    base = 16;
    digits.remove_prefix(2);
  }
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
    fail(std::string(option) + " needs a non-negative integer, not '" + std::string(text) + "'");
  return v;
}

std::uint8_t parse_isa(std::string_view text) {
  const auto bad = [&] {
    fail("unknown --isa '" + std::string(text) + "': expected imc followed by any of a, b, mop (e.g. imcbmop)");
  };
  if (!text.starts_with("imc")) bad();
  std::string_view rest = text.substr(3);
  std::uint8_t isa = ISA_IMC;
  while (!rest.empty()) {
    std::uint8_t bit = 0;
    if (rest.starts_with("mop")) {
      bit = ISA_MOP;
      rest.remove_prefix(3);
    } else if (rest.starts_with("a")) {
      bit = ISA_A;
      rest.remove_prefix(1);
    } else if (rest.starts_with("b")) {
      bit = ISA_B;
      rest.remove_prefix(1);
    } else {
      bad();
    }
    if (isa & bit) bad();
    isa |= bit;
  }
  return isa;
}

std::uint32_t parse_vm_version(std::string_view option, std::string_view value) {
  if (value != "0" && value != "1" && value != "2")
    fail(std::string(option) + " must be 0, 1 or 2, not '" + std::string(value) + "'");
  return static_cast<std::uint32_t>(value[0] - '0');
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One entry per option. A new option is one line here (plus a field in Options).
struct OptionSpec {
  std::string_view name;
  bool takes_value;
  void (*apply)(Options&, std::string_view name, std::string_view value);
};

void need_file(std::string_view name, std::string_view value) {
  if (value.empty()) fail(std::string(name) + " needs a file name");
}

constexpr OptionSpec OPTIONS[] = {
    {"--vm-version", true, [](Options& o, auto n, auto v) { o.vm_version = parse_vm_version(n, v); }},
    {"--isa", true, [](Options& o, auto, auto v) { o.isa = parse_isa(v); }},
    {"--cost", true,
     [](Options& o, auto, auto v) {
       if (v == "none") o.cost = Cost::none;
       else if (v == "estimate") o.cost = Cost::estimate;
       else if (v == "constant") o.cost = Cost::constant;
       else fail("--cost must be none, estimate or constant, not '" + std::string(v) + "'");
     }},
    {"--max-cycles", true, [](Options& o, auto n, auto v) { o.max_cycles = parse_number(n, v); }},
    {"--memory", true,
     [](Options& o, auto n, auto v) {
       const std::uint64_t m = parse_number(n, v);
       if (m == 0 || m % RISCV_PAGESIZE != 0 || m > RISCV_MAX_MEMORY)
         fail("--memory must be a multiple of 4096 from 4096 to 4194304, not " + std::string(v));
       o.memory = m;
     }},
    {"--suspend-at", true, [](Options& o, auto n, auto v) { o.suspend_at = parse_number(n, v); }},
    {"--snapshot", true, [](Options& o, auto n, auto v) { need_file(n, v), o.snapshot = v; }},
    {"--resume", true, [](Options& o, auto n, auto v) { need_file(n, v), o.resume = v; }},
    {"--pprof", true, [](Options& o, auto n, auto v) { need_file(n, v), o.pprof = v; }},
    {"--trace", false, [](Options& o, auto, auto) { o.trace = true; }},
    {"--dump-registers", false, [](Options& o, auto, auto) { o.dump_registers = true; }},
    {"--tx-file", true, [](Options& o, auto n, auto v) { need_file(n, v), o.tx_file = v; }},
    {"--script-group-type", true, [](Options& o, auto, auto v) { o.script_group_type = v; }},
    {"--cell-type", true, [](Options& o, auto, auto v) { o.cell_type = v; }},
    {"--cell-index", true, [](Options& o, auto n, auto v) { o.cell_index = parse_number(n, v); }},
    {"--bin", true, [](Options& o, auto n, auto v) { need_file(n, v), o.bin = v; }},
    {"--pid", true, [](Options& o, auto n, auto v) { o.pid = parse_number(n, v); }},
};

}  // namespace

Options parse_command_line(int argc, char** argv) {
  Options o;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (!arg.starts_with("-") || arg == "-") break;  // PROGRAM
    if (arg == "-h" || arg == "--help") {
      o.help = true;
      return o;
    }
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    if (name == "--version") {
      // `--version N` (a number) is the old spelling of --vm-version N.
      std::optional<std::string_view> number = inline_value;
      if (!number && i + 1 < argc && all_digits(argv[i + 1])) number = argv[++i];
      if (!number) {
        o.show_version = true;
        return o;
      }
      o.vm_version = parse_vm_version("--version", *number);
      std::fprintf(stderr, "ckb-vm-run: --version N is deprecated, use --vm-version N\n");
      continue;
    }
    const auto spec = std::find_if(std::begin(OPTIONS), std::end(OPTIONS),
                                   [&](const OptionSpec& s) { return s.name == name; });
    if (spec == std::end(OPTIONS)) fail("unknown option " + std::string(name) + " (see --help)");
    std::string_view value;
    if (!spec->takes_value) {
      if (inline_value) fail(std::string(name) + " takes no value");
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      fail(std::string(name) + " needs a value (see --help)");
    }
    spec->apply(o, name, value);
  }
  if (i >= argc && o.tx_file.empty()) fail("no PROGRAM given (see --help)");
  if (i < argc) o.program = argv[i++];
  for (; i < argc; ++i) o.args.emplace_back(argv[i]);

  if (o.suspend_at && o.snapshot.empty()) fail("--suspend-at needs --snapshot FILE");
  if (!o.snapshot.empty() && !o.suspend_at) fail("--snapshot needs --suspend-at CYCLES");
  if (o.pid && o.tx_file.empty()) fail("--pid needs --tx-file (it selects a spawned VM)");
  return o;
}

}  // namespace ckb_vm_run
