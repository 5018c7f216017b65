// Output: the one-line result for VM errors, the developer's error report on
// stderr (pc with function, registers, call stack) and register dumps.
#include <cstdio>

#include "cli.hpp"

namespace ckb_vm_run {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

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
// "name+0x12" for an address inside a known function, else "".
std::string where(std::uint64_t address, const SymbolTable* symbols) {
  if (symbols == nullptr) return "";
  const std::size_t k = symbols->find(address);
  if (k == SymbolTable::npos) return "";
  const FunctionSymbol& f = symbols->symbols()[k];
  // A symbol without a size (an assembly label) claims everything up to the next one:
  // trust it only nearby.
  if (f.size == 0 && address - f.address >= 0x10000) return "";
  return f.name + "+" + hex(address - f.address);
}
}  // namespace

void report_error(const Error& e, const Machine& m, const SymbolTable* symbols, const CallStackProfiler* profiler) {
  // ckb-vm reports InvalidInstruction at the instruction; other errors leave pc after it.
  const std::uint64_t pc = e.code == ErrorCode::InvalidInstruction ? e.pc : m.pc();
  std::string text = "ckb-vm-run: " + one_line(e.to_string()) + "\n  at pc " + hex(pc);
  if (const std::string w = where(pc, symbols); !w.empty()) text += " in " + w;
  text += "\n";
  const std::uint64_t ra = m.registers()[registers::RA];
  if (const std::string w = where(ra, symbols); !w.empty()) text += "  ra " + hex(ra) + " in " + w + "\n";
  if (profiler != nullptr) text += "  call stack: " + profiler->call_stack(pc) + "\n";
  else if (symbols != nullptr && !symbols->empty())
    text += "  (run with --pprof FILE to also see the call stack)\n";
  text += "registers:\n" + format_registers(m);
  std::fflush(stdout);
  std::fputs(text.c_str(), stderr);
}

}  // namespace ckb_vm_run
