// ckb-vm-run: runs a RISC-V ELF program on ckb-vm-cpp from the command line,
// the way a CKB node runs a script (VM version 2, IMC + B + MOP, CKB's cycle
// table, 70,000,000 cycles, by default), and prints how it ended:
//
//   ckb-vm-run [options] PROGRAM [ARGS...]      -> exit=<code> cycles=<n>
//
// `--help` lists everything; cli.hpp says which file does what. Built on the
// public API only.
#include <cstdio>
#include <exception>
#include <new>

#include "cli.hpp"

namespace ckb_vm_run {
namespace {

// The modes, tried in order; the first whose `selected` returns true runs.
struct Mode {
  const char* name;
  bool (*selected)(const Options&);
  int (*run)(const Options&);
};
constexpr Mode MODES[] = {
    {"tx-file", [](const Options& o) { return !o.tx_file.empty(); }, run_tx_file},
    {"program", [](const Options&) { return true; }, run_program},
};

int dispatch(const Options& o) {
  for (const Mode& m : MODES)
    if (m.selected(o)) return m.run(o);
  fail("no mode for this command line (see --help)");
}

}  // namespace
}  // namespace ckb_vm_run

int main(int argc, char** argv) {
  using namespace ckb_vm_run;
  try {
    const Options options = parse_command_line(argc, argv);
    if (options.help) {
      std::fputs(USAGE, stdout);
      return 0;
    }
    if (options.show_version) {
      std::printf("ckb-vm-run %s (ckb-vm-cpp, ckb-vm 0.24 semantics)\n", CKB_VM_RUN_VERSION);
      return 0;
    }
    const int status = dispatch(options);
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
