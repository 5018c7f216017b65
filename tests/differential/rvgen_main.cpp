// ckb_vm_rvgen: writes random RV64 test programs (tests/support/rvgen.hpp) as
// ELF files, and runs one ELF through this library's engines and the
// trace-machine model for tests/differential/oracle_compare.sh.
//
//   ckb_vm_rvgen gen --seed S --count N [--first I] [--print-hash never|always|auto]
//                    [--no-b] [--no-a] --out DIR
//       writes DIR/p<I>.elf for programs I .. I+N-1 of seed S and appends
//       "<file>\t<program seed>\t<features>" lines to DIR/manifest.tsv.
//       --print-hash: programs print their hash with CKB's debug syscall 2177
//       before exiting (default never; auto = as tests/test_differential.cpp
//       does, so program I is exactly the test's program I)
//   ckb_vm_rvgen model [--isa ISA] [--version V] [--cost estimate|constant] [--max-cycles N] ELF
//       prints, like ckb-vm-run and ckb-vm-oracle, a first line
//       "exit=<code> cycles=<n>" or "error=<Kind> cycles=<n>" for the trace
//       model, then "aliased_hits=<n> max_trace_bytes=<n> run=<line> step=<line>"
//       and "rules=ok" or "rules=<broken rule>" (diff_harness.hpp); argv[0]
//       is ELF exactly as given, as the other runners pass it.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "../support/diff_harness.hpp"
#include "../support/rvgen.hpp"

namespace {

[[noreturn]] void usage(const std::string& msg) {
  std::fprintf(stderr,
               "ckb_vm_rvgen: %s\n"
               "usage: ckb_vm_rvgen gen --seed S --count N [--first I] [--print-hash never|always|auto] [--no-b] [--no-a] "
               "--out DIR\n"
               "       ckb_vm_rvgen model [--isa ISA] [--version 0|1|2] [--cost estimate|constant] "
               "[--max-cycles N] ELF\n",
               msg.c_str());
  std::exit(2);
}

std::uint64_t number(const std::string& s) {
  char* end = nullptr;
  const std::uint64_t v = std::strtoull(s.c_str(), &end, 0);
  if (s.empty() || *end != 0) usage("bad number '" + s + "'");
  return v;
}

std::uint8_t parse_isa(std::string s) {
  if (s.rfind("imc", 0) != 0) usage("bad --isa " + s);
  std::string_view rest(s);
  rest.remove_prefix(3);
  std::uint8_t isa = ckb_vm::ISA_IMC;
  while (!rest.empty()) {
    if (rest.substr(0, 3) == "mop") {
      isa |= ckb_vm::ISA_MOP;
      rest.remove_prefix(3);
    } else if (rest[0] == 'a') {
      isa |= ckb_vm::ISA_A;
      rest.remove_prefix(1);
    } else if (rest[0] == 'b') {
      isa |= ckb_vm::ISA_B;
      rest.remove_prefix(1);
    } else {
      usage("bad --isa " + s);
    }
  }
  return isa;
}

int gen(int argc, char** argv) {
  std::uint64_t seed = 1, count = 0, first = 0;
  bool have_seed = false, have_count = false;
  std::string out, print = "never";
  rvgen::Options opt;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--seed") seed = number(value()), have_seed = true;
    else if (a == "--count") count = number(value()), have_count = true;
    else if (a == "--first") first = number(value());
    else if (a == "--out") out = value();
    else if (a == "--print-hash") {
      print = value();
      if (print != "never" && print != "always" && print != "auto") usage("--print-hash must be never, always or auto");
    }
    else if (a == "--no-b") opt.use_b = false;
    else if (a == "--no-a") opt.use_a = false;
    else usage("unknown option " + a);
  }
  if (!have_seed || !have_count || out.empty()) usage("gen needs --seed, --count and --out");
  std::filesystem::create_directories(out);
  std::ofstream manifest(out + "/manifest.tsv", std::ios::app);
  std::uint64_t written = 0;
  for (std::uint64_t i = first; i < first + count; ++i) {
    const std::uint64_t pseed = rvgen::program_seed(seed, i);
    // auto: the rule of tests/test_differential.cpp, so program i is the test's program i.
    opt.print_hash = print == "always" || (print == "auto" && (pseed & 3) == 0);
    const rvgen::Program p = rvgen::generate(pseed, opt);
    if (p.elf.empty()) continue;
    const std::string name = "p" + std::to_string(i) + ".elf";
    std::ofstream f(out + "/" + name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(p.elf.data()), static_cast<std::streamsize>(p.elf.size()));
    if (!f) usage("cannot write " + out + "/" + name);
    manifest << name << '\t' << pseed << '\t' << p.features << '\n';
    ++written;
  }
  std::printf("wrote %llu programs to %s\n", static_cast<unsigned long long>(written), out.c_str());
  return 0;
}

int model(int argc, char** argv) {
  diff::Config cfg;
  cfg.isa = ckb_vm::ISA_IMC | ckb_vm::ISA_B | ckb_vm::ISA_MOP;
  cfg.version = ckb_vm::VERSION2;
  cfg.estimate = true;
  cfg.max_cycles = UINT64_MAX;
  std::string path;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--isa") cfg.isa = parse_isa(value());
    else if (a == "--version" || a == "--vm-version") {
      const std::string v = value();
      if (v != "0" && v != "1" && v != "2") usage("bad --version " + v);
      cfg.version = static_cast<std::uint32_t>(v[0] - '0');
    } else if (a == "--cost") {
      const std::string v = value();
      if (v == "estimate") cfg.estimate = true;
      else if (v == "constant") cfg.estimate = false;
      else usage("--cost must be estimate or constant (a zero cost never ends a loop)");
    } else if (a == "--max-cycles") cfg.max_cycles = number(value());
    else if (!a.empty() && a[0] == '-') usage("unknown option " + a);
    else path = a;
  }
  if (path.empty()) usage("model needs an ELF");
  std::ifstream f(path, std::ios::binary);
  if (!f) usage("cannot read " + path);
  const std::vector<std::uint8_t> elf((std::istreambuf_iterator<char>(f)), {});
  const std::vector<std::uint64_t> pages;  // memory is compared by the runners' own hashes
  diff::Verdict v;
  v.run = diff::run_one(elf, pages, cfg, diff::Engine::Run, path);
  v.step = diff::run_one(elf, pages, cfg, diff::Engine::Step, path);
  v.model = diff::run_one(elf, pages, cfg, diff::Engine::Model, path);
  std::printf("%s\n", v.model.result_line().c_str());
  std::printf("aliased_hits=%llu max_trace_bytes=%llu run=%s step=%s\n",
              static_cast<unsigned long long>(v.model.stats.aliased_hits),
              static_cast<unsigned long long>(v.model.stats.max_trace_bytes_run), v.run.result_line().c_str(),
              v.step.result_line().c_str());
  // The same rules as the test (run_one with argv0 = path for all three).
  const diff::Verdict checked = [&] {
    diff::Verdict c = v;
    const bool aliased = c.model.stats.aliased_hits != 0;
    if (!aliased && !diff::difference(c.run, c.step, true).empty()) c.failure = "run!=step";
    else if (c.model.ok && !diff::difference(c.run, c.model, false).empty()) c.failure = "run!=model";
    else if (!c.model.ok && c.run.ok) c.failure = "model-failed-run-ok";
    return c;
  }();
  std::printf("rules=%s\n", checked.failure.empty() ? "ok" : checked.failure.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage("missing command");
  const std::string cmd = argv[1];
  if (cmd == "gen") return gen(argc, argv);
  if (cmd == "model") return model(argc, argv);
  if (cmd == "--help" || cmd == "-h") usage("help");
  usage("unknown command " + cmd);
}
