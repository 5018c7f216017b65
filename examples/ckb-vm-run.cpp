// ckb-vm-run: runs a RISC-V ELF program on ckb-vm-cpp from the command line,
// the way a CKB node runs a script (VM version 2, IMC + B + MOP, CKB's cycle
// table, by default), and prints how it ended:
//
//   ckb-vm-run [options] PROGRAM [ARGS...]      -> exit=<code> cycles=<n>
//
// It also suspends a run into a Snapshot2 file and resumes it, traces every
// executed instruction, and writes a cycle profile by function. `--help`
// lists everything. Built on the public API only: MachineBuilder and
// DefaultMachine, a Syscalls handler (CKB's debug syscall), Snapshot2Context
// with an in-memory DataSource, the snapshot codec, the disassembler and the
// call-stack profiler.
#include <ckb_vm/ckb_vm.hpp>
#include <ckb_vm/disassembler.hpp>
#include <ckb_vm/profiler.hpp>
#include <ckb_vm/snapshot2.hpp>
#include <ckb_vm/snapshot_codec.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace ckb_vm;

constexpr const char* USAGE = R"(usage: ckb-vm-run [options] PROGRAM [ARGS...]
       ckb-vm-run --resume SNAPSHOT [options] PROGRAM

Runs the RISC-V ELF file PROGRAM with argv = PROGRAM ARGS... (options end at
PROGRAM or at --) and prints
  exit=<code> cycles=<n>                      when the program exits, or
  error=<Name> [details] pc=0x.. cycles=<n>   when the VM stops with an error
(pc: where the machine stopped; ckb-vm leaves it after a faulting instruction).
The CKB debug syscall (a7 = 2177) prints the NUL-terminated string at a0 to stderr.

Machine:
  --version 0|1|2          VM version (default 2)
  --isa ISA                imc followed by any of a, b, mop: imc, imcb, imca, imcbmop,
                           imcabmop, ... (default: imc for version 0, imcbmop otherwise,
                           as CKB uses them)
  --cost estimate|constant|none
                           cycle table: CKB's (default), 1 per instruction, or free
  --max-cycles N           stop with CyclesExceeded beyond N cycles (default: no limit)
  --memory BYTES           guest memory, a multiple of 4096 up to 4194304 (default)

Suspend and resume (Snapshot2):
  --suspend-at N --snapshot FILE
                           stop once the next instruction would take the run past N
                           cycles and write the machine to FILE; prints
                           suspended cycles=<n> snapshot=FILE
  --resume FILE            continue a run suspended into FILE; PROGRAM must be the
                           same file. Version, ISA, cost, memory and the remaining
                           --max-cycles come from FILE (giving different ones is an
                           error, except --max-cycles). A resumed run may suspend again.

Inspection (these run one instruction at a time, like DefaultMachine::step):
  --trace                  print every executed instruction:
                           <pc>  <disassembly>  cycles=<total after it>
  --pprof FILE             write a cycle profile as folded stacks (func;callee;... cycles),
                           functions from PROGRAM's symbol table, calls and returns seen
                           through jal/jalr with ra (a resumed run starts with no frames)

Exit status: the program's exit code (mod 256) when it exits; 0 when suspended;
254 when the VM stops with an error; 2 for a bad command line or an unreadable or
invalid input file (one line on stderr).
)";

constexpr int STATUS_INPUT = 2;
constexpr int STATUS_VM_ERROR = 254;
constexpr std::uint64_t DEBUG_SYSCALL = 2177;
constexpr std::size_t MAX_INPUT_BYTES = 64u << 20;

// A command-line or input problem: one line on stderr, then exit.
struct Failure {
  std::string message;
  int status = STATUS_INPUT;
};
[[noreturn]] void fail(std::string message) { throw Failure{std::move(message)}; }

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// ---------------------------------------------------------------------------
// SHA-256 (FIPS 180-4): names the program inside snapshot files and checks
// their integrity.
using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  void update(std::span<const std::uint8_t> data) {
    for (std::uint8_t byte : data) {
      block_[fill_++] = byte;
      if (fill_ == 64) {
        compress();
        fill_ = 0;
      }
    }
    bits_ += 8 * static_cast<std::uint64_t>(data.size());
  }
  Digest finish() {
    const std::uint64_t bits = bits_;
    const std::uint8_t one = 0x80, zero = 0;
    update({&one, 1});
    while (fill_ != 56) update({&zero, 1});
    std::uint8_t length[8];
    for (int k = 0; k < 8; ++k) length[k] = static_cast<std::uint8_t>(bits >> (56 - 8 * k));
    update(length);
    Digest out{};
    for (int k = 0; k < 32; ++k) out[k] = static_cast<std::uint8_t>(h_[k / 4] >> (24 - 8 * (k % 4)));
    return out;
  }
  static Digest of(std::span<const std::uint8_t> data) {
    Sha256 s;
    s.update(data);
    return s.finish();
  }

 private:
  static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void compress() {
    static constexpr std::uint32_t K[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    std::uint32_t w[64];
    for (int t = 0; t < 16; ++t)
      w[t] = std::uint32_t{block_[4 * t]} << 24 | std::uint32_t{block_[4 * t + 1]} << 16 |
             std::uint32_t{block_[4 * t + 2]} << 8 | block_[4 * t + 3];
    for (int t = 16; t < 64; ++t) {
      const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int t = 0; t < 64; ++t) {
      const std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
      const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    const std::uint32_t add[8] = {a, b, c, d, e, f, g, h};
    for (int k = 0; k < 8; ++k) h_[k] += add[k];
  }

  std::uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::uint8_t block_[64] = {};
  std::size_t fill_ = 0;
  std::uint64_t bits_ = 0;
};

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 0xf];
  }
  return s;
}

// ---------------------------------------------------------------------------
// Files

std::vector<std::uint8_t> read_file(const std::string& path, const char* what) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) fail(std::string("cannot open ") + what + " " + path + ": " + std::strerror(errno));
  std::vector<std::uint8_t> bytes;
  std::uint8_t buf[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    bytes.insert(bytes.end(), buf, buf + n);
    if (bytes.size() > MAX_INPUT_BYTES) {
      std::fclose(f);
      fail(std::string(what) + " " + path + " is larger than 64 MiB");
    }
    if (n < sizeof buf) break;
  }
  const bool bad = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (bad) fail(std::string("cannot read ") + what + " " + path + ": " + std::strerror(err));
  return bytes;
}

// Writes through a temporary file and a rename, so FILE is never half-written.
void write_file(const std::string& path, std::span<const std::uint8_t> bytes, const char* what) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) fail(std::string("cannot write ") + what + " " + path + ": " + std::strerror(errno));
  const bool written = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    fail(std::string("cannot write ") + what + " " + path + ": " + std::strerror(err));
  }
}

// ---------------------------------------------------------------------------
// Command line

enum class Cost : std::uint8_t { none = 0, estimate = 1, constant = 2 };

constexpr const char* cost_name(Cost c) {
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

struct Options {
  std::optional<std::uint8_t> isa;
  std::optional<std::uint32_t> version;
  std::optional<Cost> cost;
  std::optional<std::uint64_t> max_cycles;
  std::optional<std::uint64_t> memory;
  std::optional<std::uint64_t> suspend_at;
  std::string snapshot;
  std::string resume;
  bool trace = false;
  std::string pprof;
  std::string program;
  std::vector<std::string> args;
};

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

// Returns nullopt for --help.
std::optional<Options> parse_command_line(int argc, char** argv) {
  Options o;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (!arg.starts_with("-") || arg == "-") break;  // PROGRAM
    if (arg == "-h" || arg == "--help") return std::nullopt;
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    if (name == "--trace") {
      if (inline_value) fail("--trace takes no value");
      o.trace = true;
      continue;
    }
    static constexpr std::string_view WITH_VALUE[] = {"--isa",    "--version",    "--max-cycles", "--cost",
                                                      "--memory", "--suspend-at", "--snapshot",   "--resume",
                                                      "--pprof"};
    if (std::find(std::begin(WITH_VALUE), std::end(WITH_VALUE), name) == std::end(WITH_VALUE))
      fail("unknown option " + std::string(name) + " (see --help)");
    std::string_view value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      fail(std::string(name) + " needs a value (see --help)");
    }
    if (name == "--isa") {
      o.isa = parse_isa(value);
    } else if (name == "--version") {
      if (value != "0" && value != "1" && value != "2") fail("--version must be 0, 1 or 2, not '" + std::string(value) + "'");
      o.version = static_cast<std::uint32_t>(value[0] - '0');
    } else if (name == "--max-cycles") {
      o.max_cycles = parse_number(name, value);
    } else if (name == "--cost") {
      if (value == "none") o.cost = Cost::none;
      else if (value == "estimate") o.cost = Cost::estimate;
      else if (value == "constant") o.cost = Cost::constant;
      else fail("--cost must be none, estimate or constant, not '" + std::string(value) + "'");
    } else if (name == "--memory") {
      const std::uint64_t m = parse_number(name, value);
      if (m == 0 || m % RISCV_PAGESIZE != 0 || m > RISCV_MAX_MEMORY)
        fail("--memory must be a multiple of 4096 from 4096 to 4194304, not " + std::string(value));
      o.memory = m;
    } else if (name == "--suspend-at") {
      o.suspend_at = parse_number(name, value);
    } else if (value.empty()) {
      fail(std::string(name) + " needs a file name");
    } else if (name == "--snapshot") {
      o.snapshot = value;
    } else if (name == "--resume") {
      o.resume = value;
    } else {
      o.pprof = value;
    }
  }
  if (i >= argc) fail("no PROGRAM given (see --help)");
  o.program = argv[i++];
  for (; i < argc; ++i) o.args.emplace_back(argv[i]);

  if (o.suspend_at && o.snapshot.empty()) fail("--suspend-at needs --snapshot FILE");
  if (!o.snapshot.empty() && !o.suspend_at) fail("--snapshot needs --suspend-at CYCLES");
  if (!o.resume.empty() && !o.args.empty())
    fail("ARGS cannot be given with --resume: the program's arguments are part of the snapshot");
  return o;
}

// What a machine is made of; stored in snapshot files.
struct Config {
  std::uint8_t isa = ISA_IMC;
  std::uint32_t version = VERSION2;
  Cost cost = Cost::estimate;
  std::uint64_t memory = RISCV_MAX_MEMORY;
  std::uint64_t max_cycles = UINT64_MAX;
};

// ---------------------------------------------------------------------------
// Snapshot files: the program is referenced by its SHA-256, not copied.
//
//   8   magic "CKBVMRUN"             1   ISA flags
//   4   file format version (1)      1   cost (0 none, 1 estimate, 2 constant)
//   32  SHA-256 of the program ELF   4   VM version
//   8   memory size                  8   max cycles for the rest of the run
//   8   length L of the Snapshot2    L   Snapshot2 (snapshot_codec.hpp; Id = the
//                                        program's SHA-256, as 32 bytes)
//   32  SHA-256 of everything above
// Integers are little-endian.

using ProgramId = Digest;
using ProgramSource = InMemoryDataSource<ProgramId>;
constexpr std::array<std::uint8_t, 8> FILE_MAGIC = {'C', 'K', 'B', 'V', 'M', 'R', 'U', 'N'};
constexpr std::uint32_t FILE_FORMAT = 1;
constexpr std::size_t FILE_HEADER = 8 + 4 + 32 + 1 + 1 + 4 + 8 + 8 + 8;

struct SnapshotFile {
  Config config;
  ProgramId program{};
  Snapshot2<ProgramId> snapshot;
};

std::vector<std::uint8_t> encode_file(const Config& c, const ProgramId& program,
                                      const Snapshot2<ProgramId>& snapshot) {
  Result<std::vector<std::uint8_t>> body = encode_snapshot2(snapshot);
  if (!body.ok()) fail("cannot encode the snapshot: " + body.error().to_string());
  std::vector<std::uint8_t> out;
  SnapshotWriter w(out);
  w.bytes(FILE_MAGIC);
  w.u32(FILE_FORMAT);
  w.bytes(program);
  w.u8(c.isa);
  w.u8(static_cast<std::uint8_t>(c.cost));
  w.u32(c.version);
  w.u64(c.memory);
  w.u64(c.max_cycles);
  w.u64(body->size());
  w.bytes(*body);
  w.bytes(Sha256::of(out));
  return out;
}

SnapshotFile decode_file(std::span<const std::uint8_t> in, const std::string& path) {
  const auto bad = [&](const std::string& why) { fail("snapshot " + path + " " + why); };
  if (in.size() < FILE_MAGIC.size() || !std::equal(FILE_MAGIC.begin(), FILE_MAGIC.end(), in.begin()))
    bad("is not a ckb-vm-run snapshot file");
  if (in.size() < FILE_HEADER + 32) bad("is truncated");
  const std::span<const std::uint8_t> covered = in.first(in.size() - 32);
  const Digest sum = Sha256::of(covered);
  if (!std::equal(sum.begin(), sum.end(), in.end() - 32)) bad("is corrupt or truncated (checksum mismatch)");
  SnapshotReader r(covered);
  const auto take = [&](auto result) {
    if (!result.ok()) bad("is truncated");
    return *result;
  };
  (void)take(r.bytes(8));
  if (const std::uint32_t format = take(r.u32()); format != FILE_FORMAT)
    bad("has unsupported format version " + std::to_string(format));
  SnapshotFile f;
  const std::span<const std::uint8_t> id = take(r.bytes(32));
  std::copy(id.begin(), id.end(), f.program.begin());
  f.config.isa = take(r.u8());
  const std::uint8_t cost = take(r.u8());
  f.config.version = take(r.u32());
  f.config.memory = take(r.u64());
  f.config.max_cycles = take(r.u64());
  const std::uint64_t length = take(r.u64());
  if ((f.config.isa & ~(ISA_B | ISA_MOP | ISA_A)) != 0 || cost > 2 || f.config.version > VERSION2 ||
      f.config.memory == 0 || f.config.memory % RISCV_PAGESIZE != 0 || f.config.memory > RISCV_MAX_MEMORY)
    bad("has an invalid header");
  f.config.cost = static_cast<Cost>(cost);
  if (length != r.remaining()) bad("is truncated");
  Result<Snapshot2<ProgramId>> s = decode_snapshot2<ProgramId>(take(r.bytes(static_cast<std::size_t>(length))));
  if (!s.ok()) bad("is invalid: " + s.error().to_string());
  f.snapshot = std::move(s).value();
  if (f.snapshot.version != f.config.version) bad("is invalid: its VM version disagrees with its header");
  return f;
}

// ---------------------------------------------------------------------------
// The machine

using Core = DefaultCoreMachine<>;
using Machine = DefaultMachine<Core>;

// CKB's debug syscall: a7 = 2177, a0 = address of a NUL-terminated string,
// printed to stderr. Reading stops at the end of memory (MemOutOfBound).
class DebugSyscall final : public Syscalls<Core> {
 public:
  Status initialize(Core&) override { return {}; }
  Result<bool> ecall(Core& machine) override {
    if (machine.registers()[registers::A7] != DEBUG_SYSCALL) return false;
    auto& memory = machine.memory();
    std::uint64_t address = machine.registers()[registers::A0];
    std::string text;
    std::uint8_t chunk[RISCV_PAGESIZE];
    for (;;) {
      if (address >= memory.memory_size()) {
        Error e = Error::at_address(ErrorCode::MemOutOfBound, address);
        e.message = "debug syscall: the string does not end inside memory";
        return e;
      }
      // Up to the end of this page (and of memory).
      const std::uint64_t n = std::min(RISCV_PAGESIZE - address % RISCV_PAGESIZE, memory.memory_size() - address);
      const std::span<std::uint8_t> view(chunk, static_cast<std::size_t>(n));
      CKB_VM_TRY(memory.load_bytes_into(address, view));
      const auto nul = std::find(view.begin(), view.end(), std::uint8_t{0});
      text.append(view.begin(), nul);
      if (nul != view.end()) break;
      address += n;
    }
    std::fflush(stdout);  // keep order with --trace output on a terminal
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), stderr);
    return true;
  }
};

Machine build_machine(const Config& c, std::uint64_t max_cycles) {
  MachineBuilder<> builder;
  builder.isa(c.isa)
      .version(c.version)
      .max_cycles(max_cycles)
      .memory_size(c.memory)
      .instruction_cycle_func(cost_function(c.cost))
      .syscall(std::make_unique<DebugSyscall>());
  Result<Machine> machine = builder.build();
  if (!machine.ok()) fail("cannot build the machine: " + machine.error().to_string());
  return std::move(machine).value();
}

// --trace / --pprof: one DefaultMachine::step() at a time, decoding each
// instruction again (with fusion, as step() sees it) to show or attribute it.
Result<std::int8_t> run_stepping(Machine& m, const Config& c, bool trace, CallStackProfiler* profiler) {
  if ((c.isa & ISA_MOP) != 0 && c.version == VERSION0) return ErrorCode::InvalidVersion;
  Decoder decoder(c.isa, c.version, cost_function(c.cost));
  m.set_running(true);
  while (m.running()) {
    const std::uint64_t pc = m.pc();
    const std::uint64_t before = m.cycles();
    const Result<Instruction> inst = decoder.decode(m.memory(), pc);
    const Status s = m.step();
    if (!inst.ok()) return s.ok() ? inst.error() : s.error();  // step() reports the same decode error
    if (!s.ok() && s.error().code == ErrorCode::CyclesExceeded && m.cycles() == before)
      return s.error();  // not executed
    if (profiler != nullptr) profiler->record(pc, *inst, m.cycles() - before);
    if (trace) {
      const std::string text = disassemble(*inst, pc);
      std::printf("0x%08llx  %-34s cycles=%llu%s%s\n", static_cast<unsigned long long>(pc), text.c_str(),
                  static_cast<unsigned long long>(m.cycles()), s.ok() ? "" : "  <- ",
                  s.ok() ? "" : std::string(s.error().name()).c_str());
    }
    if (!s.ok()) return s.error();
  }
  return m.exit_code();
}

std::string describe_error(const Error& e, const Machine& m) {
  std::string s = "error=" + std::string(e.name());
  switch (e.code) {
    case ErrorCode::InvalidInstruction:
      s += " pc=" + hex(e.pc) + " instruction=" + hex(e.value);
      break;
    case ErrorCode::InvalidEcall:
      s += " number=" + std::to_string(e.value) + " pc=" + hex(m.pc());
      break;
    default:
      if (e.address != 0) s += " address=" + hex(e.address);
      s += " pc=" + hex(m.pc());
      break;
  }
  s += " cycles=" + std::to_string(m.cycles());
  if (e.message != nullptr) s += std::string(" (") + e.message + ")";
  return s;
}

int run_cli(const Options& o) {
  const std::vector<std::uint8_t> program = read_file(o.program, "PROGRAM");
  const ProgramId program_id = Sha256::of(program);

  // Configuration: from the options, or from the snapshot being resumed.
  Config config;
  std::optional<SnapshotFile> resumed;
  if (!o.resume.empty()) {
    resumed = decode_file(read_file(o.resume, "snapshot"), o.resume);
    const Config& saved = resumed->config;
    if (resumed->program != program_id)
      fail("snapshot " + o.resume + " was taken from another program (SHA-256 " + to_hex(resumed->program).substr(0, 16) +
           "..., " + o.program + " is " + to_hex(program_id).substr(0, 16) + "...)");
    const auto mismatch = [&](const char* option, const std::string& theirs, const std::string& ours) {
      fail("snapshot " + o.resume + " was taken with " + option + " " + theirs + "; it cannot resume with " + option +
           " " + ours);
    };
    if (o.version && *o.version != saved.version)
      mismatch("--version", std::to_string(saved.version), std::to_string(*o.version));
    if (o.isa && *o.isa != saved.isa) mismatch("--isa", isa_name(saved.isa), isa_name(*o.isa));
    if (o.cost && *o.cost != saved.cost) mismatch("--cost", cost_name(saved.cost), cost_name(*o.cost));
    if (o.memory && *o.memory != saved.memory)
      mismatch("--memory", std::to_string(saved.memory), std::to_string(*o.memory));
    config = saved;
    if (o.max_cycles) config.max_cycles = *o.max_cycles;
  } else {
    config.version = o.version.value_or(VERSION2);
    config.isa = o.isa.value_or(config.version == VERSION0 ? ISA_IMC : ISA_IMC | ISA_B | ISA_MOP);
    config.cost = o.cost.value_or(Cost::estimate);
    config.memory = o.memory.value_or(RISCV_MAX_MEMORY);
    config.max_cycles = o.max_cycles.value_or(UINT64_MAX);
  }
  if ((config.isa & ISA_MOP) != 0 && config.version == VERSION0)
    fail("--isa " + isa_name(config.isa) + " needs --version 1 or 2 (ckb-vm refuses MOP on version 0)");
  if (o.suspend_at && config.cost == Cost::none) fail("--suspend-at needs a cost model that charges cycles");

  const Result<ProgramMetadata> metadata = parse_elf(program, config.version);
  if (!metadata.ok()) fail(o.program + " is not a valid RISC-V ELF program: " + metadata.error().to_string());

  std::optional<CallStackProfiler> profiler;
  if (!o.pprof.empty()) {
    Result<SymbolTable> symbols = SymbolTable::from_elf(program);
    if (!symbols.ok()) fail("cannot read the symbol table of " + o.program + ": " + symbols.error().to_string());
    if (symbols->empty()) fail(o.program + " has no function symbols (stripped?); --pprof needs them");
    profiler.emplace(std::move(symbols).value());
    write_file(o.pprof, {}, "profile");  // fail now, not after the run, if it cannot be written
  }

  // Suspending stops at the smaller of the two limits.
  const bool suspending = o.suspend_at.has_value() && *o.suspend_at <= config.max_cycles;
  const std::uint64_t budget = suspending ? *o.suspend_at : config.max_cycles;
  Machine machine = build_machine(config, budget);

  ProgramSource source;
  source.insert(program_id, program);
  Snapshot2Context<ProgramId, ProgramSource> context(source);
  if (resumed) {
    if (const Status s = context.resume(machine, resumed->snapshot); !s.ok())
      fail("cannot resume from " + o.resume + ": " + s.error().to_string());
    machine.set_max_cycles(budget);
  } else {
    std::vector<std::string> argv;
    argv.push_back(o.program);
    argv.insert(argv.end(), o.args.begin(), o.args.end());
    std::vector<Bytes> views;
    for (const std::string& a : argv) views.push_back(as_bytes(a));
    const Result<std::uint64_t> loaded = machine.load_program_with_metadata(program, *metadata, views);
    if (!loaded.ok())
      fail("cannot load " + o.program + " into " + std::to_string(config.memory) +
           " bytes of memory: " + loaded.error().to_string());
    if (suspending) {
      if (const Status s = context.mark_program(machine, *metadata, program_id, 0); !s.ok())
        fail("cannot track the program's pages: " + s.error().to_string());
    }
  }

  if (o.trace) std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  const Result<std::int8_t> result = (o.trace || profiler)
                                         ? run_stepping(machine, config, o.trace, profiler ? &*profiler : nullptr)
                                         : machine.run();

  if (profiler) {
    const std::string folded = profiler->folded();
    write_file(o.pprof, std::span(reinterpret_cast<const std::uint8_t*>(folded.data()), folded.size()), "profile");
  }

  if (result.ok()) {
    if (o.suspend_at)
      std::fprintf(stderr, "ckb-vm-run: the program exited before --suspend-at %llu; no snapshot written\n",
                   static_cast<unsigned long long>(*o.suspend_at));
    std::printf("exit=%d cycles=%llu\n", static_cast<int>(*result), static_cast<unsigned long long>(machine.cycles()));
    return static_cast<std::uint8_t>(*result);
  }
  if (suspending && result.error().code == ErrorCode::CyclesExceeded) {
    Result<Snapshot2<ProgramId>> snapshot = context.make_snapshot(machine);
    if (!snapshot.ok()) fail("cannot make a snapshot: " + snapshot.error().to_string());
    write_file(o.snapshot, encode_file(config, program_id, *snapshot), "snapshot");
    std::printf("suspended cycles=%llu snapshot=%s\n", static_cast<unsigned long long>(machine.cycles()),
                o.snapshot.c_str());
    return 0;
  }
  std::printf("%s\n", describe_error(result.error(), machine).c_str());
  return STATUS_VM_ERROR;
}

// One line: control characters in file names or messages are escaped.
std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::optional<Options> options = parse_command_line(argc, argv);
    if (!options) {
      std::fputs(USAGE, stdout);
      return 0;
    }
    const int status = run_cli(*options);
    std::fflush(stdout);
    return status;
  } catch (const Failure& f) {
    std::fflush(stdout);
    std::fprintf(stderr, "ckb-vm-run: %s\n", one_line(f.message).c_str());
    return f.status;
  } catch (const std::bad_alloc&) {
    std::fflush(stdout);
    std::fputs("ckb-vm-run: out of memory\n", stderr);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "ckb-vm-run: %s\n", one_line(e.what()).c_str());
  }
  return STATUS_INPUT;
}
