// Output: the one-line result for VM errors, the developer's error report on
// stderr (pc with function, registers, call stack) and register dumps.
#include <cstdio>

#include "cli.hpp"

namespace ckb_vm_run {

std::string hex(std::uint64_t v) { return detail::bytes::hex_u64(v); }

std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      out += "\\x";
      out += detail::bytes::HEX_DIGITS[static_cast<unsigned char>(c) >> 4];
      out += detail::bytes::HEX_DIGITS[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  return out;
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

std::string format_registers(const Machine& m) {
  std::string out;
  char line[64];
  std::snprintf(line, sizeof line, "pc       0x%016llx\n", static_cast<unsigned long long>(m.pc()));
  out += line;
  const auto regs = m.registers();
  for (std::size_t k = 0; k < 32; ++k) {
    std::snprintf(line, sizeof line, "%-4s x%-2zu 0x%016llx%s", std::string(registers::ABI_NAMES[k]).c_str(), k,
                  static_cast<unsigned long long>(regs[k]), k % 4 == 3 ? "\n" : "   ");
    out += line;
  }
  return out;
}

namespace {
// "name+0x12 (file.c:12)" for an address inside a known function, else "".
std::string where(std::uint64_t address, const DebugInfo* debug) {
  if (debug == nullptr) return "";
  const std::size_t k = debug->symbols.find(address);
  std::string out;
  if (k != SymbolTable::npos) {
    const FunctionSymbol& f = debug->symbols.symbols()[k];
    // A symbol without a size (an assembly label) claims everything up to the next one:
    // trust it only nearby.
    if (f.size == 0 && address - f.address >= 0x10000) return "";
    out = debug->symbols.display_name(k) + "+" + hex(address - f.address);
  }
  if (const std::string line = debug->lines.describe(address); !line.empty())
    out += out.empty() ? line : " (" + line + ")";
  return out;
}
}  // namespace

void report_error(const Error& e, const Machine& m, const DebugInfo* debug, const CallStackProfiler* profiler) {
  // ckb-vm reports InvalidInstruction at the instruction; other errors leave pc after it.
  const std::uint64_t pc = e.code == ErrorCode::InvalidInstruction ? e.pc : m.pc();
  std::string text = "ckb-vm-run: " + one_line(e.to_string()) + "\n  at pc " + hex(pc);
  if (const std::string w = where(pc, debug); !w.empty()) text += " in " + w;
  text += "\n";
  const std::uint64_t ra = m.registers()[registers::RA];
  if (const std::string w = where(ra, debug); !w.empty()) text += "  ra " + hex(ra) + " in " + w + "\n";
  if (profiler != nullptr) {
    text += "  call stack: " + profiler->call_stack(pc) + "\n";
    // Innermost first, as debuggers print backtraces: where it stopped, then each call site.
    const std::vector<std::uint64_t> sites = profiler->call_sites();
    text += "    #0 " + hex(pc) + " " + where(pc, debug) + "\n";
    for (std::size_t k = sites.size(), n = 1; k-- > 0; ++n)
      text += "    #" + std::to_string(n) + " " + hex(sites[k]) + " " + where(sites[k], debug) + "\n";
  } else if (debug != nullptr && !debug->symbols.empty()) {
    text += "  (run with --pprof FILE to also see the call stack)\n";
  }
  text += "registers:\n" + format_registers(m);
  std::fflush(stdout);
  std::fputs(text.c_str(), stderr);
}

}  // namespace ckb_vm_run
