// Cycle profiling by function, in the "folded stacks" format flame graph tools
// read: one line per distinct call stack, `outer;inner;leaf cycles`.
//
// Two parts, usable separately:
//   SymbolTable      the function symbols of an ELF64 file (.symtab with its
//                    string table), parsed defensively: any malformed header,
//                    table or name is an ElfParseError, never a crash.
//   CallStackProfiler  fed one executed instruction at a time (its pc, the
//                    decoded Instruction and the cycles it cost), it follows
//                    calls and returns the way the RISC-V calling convention
//                    makes them: jal/jalr with rd == ra (and the fused
//                    far_jump_rel/far_jump_abs, which link ra) push a frame;
//                    jalr zero, 0(ra) (also c.jr ra) pops one. A frame's name
//                    is the function containing the call site; the leaf is
//                    the function containing the instruction's pc, so tail
//                    calls (plain jumps into another function) show up as the
//                    new function.
//
// Drive it with DefaultMachine::step() (one instruction per call) and decode
// the same instruction with a Decoder of the machine's ISA and version; see
// examples/ckb-vm-run/ (--pprof). A profile only sees instructions fed to
// it: a run resumed from a snapshot starts with an empty call stack.
#pragma once

#include "detail/config.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "constants.hpp"
#include "error.hpp"
#include "instruction.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

struct FunctionSymbol {
  std::uint64_t address = 0;
  std::uint64_t size = 0;  // 0: unknown (extends to the next symbol)
  std::string name;
};

class SymbolTable {
 public:
  SymbolTable() = default;
  // A table of the given functions (any order; one kept per address).
  explicit SymbolTable(std::vector<FunctionSymbol> symbols) : symbols_(std::move(symbols)) { normalize(); }

  // Function symbols of an ELF64 little-endian file: STT_FUNC symbols, and
  // STT_NOTYPE symbols defined in executable sections (assembly labels such as
  // _start), excluding local labels (".L...") and mapping symbols ("$x").
  // A file without a .symtab (stripped) gives an empty table.
  static Result<SymbolTable> from_elf(std::span<const std::uint8_t> elf) {
    const auto fail = [](const char* message) { return Error(ErrorCode::ElfParseError, message); };
    const auto u16 = [&](std::uint64_t at) { return static_cast<std::uint16_t>(read_le(elf, at, 2)); };
    const auto u32 = [&](std::uint64_t at) { return static_cast<std::uint32_t>(read_le(elf, at, 4)); };
    const auto u64 = [&](std::uint64_t at) { return read_le(elf, at, 8); };
    const std::uint64_t file_size = elf.size();
    // Range [offset, offset + size) lies inside the file.
    const auto inside = [&](std::uint64_t offset, std::uint64_t size) {
      return offset <= file_size && size <= file_size - offset;
    };

    if (file_size < 64 || std::memcmp(elf.data(), "\x7f" "ELF", 4) != 0) return fail("not an ELF file");
    if (elf[4] != 2) return fail("not a 64-bit ELF file");
    if (elf[5] != 1) return fail("not a little-endian ELF file");
    const std::uint64_t shoff = u64(0x28);
    const std::uint16_t shentsize = u16(0x3a);
    std::uint64_t shnum = u16(0x3c);
    if (shoff == 0) return SymbolTable{};  // no section headers: nothing to read
    if (shentsize < 64) return fail("ELF section header entries are too small");
    if (!inside(shoff, shentsize)) return fail("ELF section header table lies outside the file");
    if (shnum == 0) shnum = u64(shoff + 0x20);  // extended numbering: count in section 0's sh_size
    if (shnum > (file_size - shoff) / shentsize) return fail("ELF section header table lies outside the file");

    struct Section {
      std::uint32_t type;
      std::uint64_t flags, offset, size, entsize;
      std::uint32_t link;
    };
    std::vector<Section> sections(static_cast<std::size_t>(shnum));
    for (std::uint64_t k = 0; k < shnum; ++k) {
      const std::uint64_t h = shoff + k * shentsize;
      sections[k] = Section{u32(h + 0x04), u64(h + 0x08), u64(h + 0x18), u64(h + 0x20), u64(h + 0x38), u32(h + 0x28)};
    }

    SymbolTable table;
    constexpr std::uint32_t SHT_SYMTAB = 2, SHT_NOBITS = 8;
    constexpr std::uint64_t SHF_EXECINSTR = 0x4;
    for (const Section& symtab : sections) {
      if (symtab.type != SHT_SYMTAB) continue;
      if (symtab.entsize != 24) return fail("ELF symbol table entries are not 24 bytes");
      if (!inside(symtab.offset, symtab.size)) return fail("ELF symbol table lies outside the file");
      if (symtab.link >= shnum) return fail("ELF symbol table names a string table that does not exist");
      const Section& strtab = sections[symtab.link];
      if (strtab.type == SHT_NOBITS || !inside(strtab.offset, strtab.size))
        return fail("ELF string table lies outside the file");
      for (std::uint64_t e = symtab.offset; e + 24 <= symtab.offset + symtab.size; e += 24) {
        const std::uint32_t name = u32(e);
        const std::uint8_t info = elf[e + 4];
        const std::uint16_t shndx = u16(e + 6);
        const std::uint64_t value = u64(e + 8);
        const std::uint64_t size = u64(e + 16);
        const unsigned type = info & 0xf;
        if (type != 0 /* NOTYPE */ && type != 2 /* FUNC */) continue;
        if (shndx == 0 || shndx >= 0xff00 || shndx >= shnum) continue;  // undefined, absolute, common...
        if (type == 0 && (sections[shndx].flags & SHF_EXECINSTR) == 0) continue;
        if (name >= strtab.size) return fail("ELF symbol name lies outside its string table");
        const char* begin = reinterpret_cast<const char*>(elf.data() + strtab.offset + name);
        const std::size_t room = static_cast<std::size_t>(strtab.size - name);
        const void* nul = std::memchr(begin, 0, room);
        if (nul == nullptr) return fail("ELF symbol name is not NUL-terminated");
        const auto length = static_cast<std::size_t>(static_cast<const char*>(nul) - begin);
        const std::string_view text(begin, length);
        if (text.empty() || text.starts_with(".L") || text.starts_with("$")) continue;
        table.symbols_.push_back(FunctionSymbol{value, size, std::string(text)});
      }
    }
    table.normalize();
    return table;
  }

  std::span<const FunctionSymbol> symbols() const noexcept { return symbols_; }
  bool empty() const noexcept { return symbols_.empty(); }

  // Index of the function containing `pc`, or npos: the last symbol at or
  // below pc, unless it has a size and pc lies beyond it.
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t find(std::uint64_t pc) const noexcept {
    auto it = std::upper_bound(symbols_.begin(), symbols_.end(), pc,
                               [](std::uint64_t v, const FunctionSymbol& s) { return v < s.address; });
    if (it == symbols_.begin()) return npos;
    --it;
    if (it->size != 0 && pc - it->address >= it->size) return npos;
    return static_cast<std::size_t>(it - symbols_.begin());
  }

 private:
  // By address; among symbols at the same address the sized one, else the first by name.
  void normalize() {
    std::sort(symbols_.begin(), symbols_.end(), [](const FunctionSymbol& a, const FunctionSymbol& b) {
      if (a.address != b.address) return a.address < b.address;
      if ((a.size != 0) != (b.size != 0)) return a.size != 0;
      return a.name < b.name;
    });
    symbols_.erase(std::unique(symbols_.begin(), symbols_.end(),
                               [](const FunctionSymbol& a, const FunctionSymbol& b) { return a.address == b.address; }),
                   symbols_.end());
  }

  static std::uint64_t read_le(std::span<const std::uint8_t> b, std::uint64_t at, unsigned n) noexcept {
    std::uint64_t v = 0;
    if (at > b.size() || n > b.size() - at) return 0;  // callers check ranges first; never read outside
    for (unsigned k = 0; k < n; ++k) v |= static_cast<std::uint64_t>(b[at + k]) << (8 * k);
    return v;
  }

  std::vector<FunctionSymbol> symbols_;
};

class CallStackProfiler {
 public:
  // Deeper call stacks are cut (calls beyond it are counted, not recorded).
  static constexpr std::size_t MAX_DEPTH = 4096;

  explicit CallStackProfiler(SymbolTable symbols) : symbols_(std::move(symbols)) {
    nodes_.push_back(Node{});  // root: the empty stack
  }

  const SymbolTable& symbols() const noexcept { return symbols_; }

  // One executed instruction: where it ran, what it was and the cycles it
  // cost. Call in execution order.
  void record(std::uint64_t pc, const Instruction& in, std::uint64_t cycles) {
    if (pending_return_) unwind(pc);
    const std::size_t function = symbols_.find(pc);
    const std::size_t leaf = child(stack_.empty() ? 0 : stack_.back().node, function);
    nodes_[leaf].cycles += cycles;
    total_ += cycles;
    if (is_call(in)) {
      if (stack_.size() < MAX_DEPTH)
        stack_.push_back(Frame{leaf, pc + in.length});
      else
        ++cut_frames_;
    } else if (is_return(in)) {
      pending_return_ = true;
    }
  }

  std::uint64_t total_cycles() const noexcept { return total_; }

  // The call stack as recorded so far, outermost first, ending with the function
  // containing `pc` (where execution stopped): "main;foo;bar".
  std::string call_stack(std::uint64_t pc) const {
    std::string out = stack_.empty() ? std::string() : path(stack_.back().node);
    if (!out.empty()) out += ';';
    return out + function_name(symbols_.find(pc));
  }

  // Folded stacks, sorted, one "a;b;c cycles\n" line per stack with cycles.
  std::string folded() const {
    std::vector<std::string> lines;
    for (std::size_t k = 1; k < nodes_.size(); ++k) {
      if (nodes_[k].cycles == 0) continue;
      lines.push_back(path(k) + " " + std::to_string(nodes_[k].cycles));
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const std::string& l : lines) {
      out += l;
      out += '\n';
    }
    return out;
  }

  // Cycles spent in each function itself (leaf of the stack), largest first.
  std::vector<std::pair<std::string, std::uint64_t>> self_cycles() const {
    std::vector<std::pair<std::string, std::uint64_t>> by_name;
    for (std::size_t k = 1; k < nodes_.size(); ++k) {
      if (nodes_[k].cycles == 0) continue;
      const std::string name = function_name(nodes_[k].function);
      auto it = std::find_if(by_name.begin(), by_name.end(), [&](const auto& p) { return p.first == name; });
      if (it == by_name.end())
        by_name.emplace_back(name, nodes_[k].cycles);
      else
        it->second += nodes_[k].cycles;
    }
    std::sort(by_name.begin(), by_name.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return by_name;
  }

  // Name used for code outside every known function.
  static constexpr std::string_view UNKNOWN = "[unknown]";

 private:
  struct Node {
    std::size_t parent = 0;
    std::size_t function = SymbolTable::npos;
    std::uint64_t cycles = 0;
    std::vector<std::pair<std::size_t, std::size_t>> children;  // (function, node)
  };
  struct Frame {
    std::size_t node;             // stack node of the caller at the call site
    std::uint64_t return_address;
  };

  static bool is_call(const Instruction& in) noexcept {
    switch (in.op) {
      case Opcode::JAL: case Opcode::JALR_V0: case Opcode::JALR_V1:
        return in.rd == registers::RA;
      case Opcode::FAR_JUMP_REL: case Opcode::FAR_JUMP_ABS:
        return true;
      default:
        return false;
    }
  }
  static bool is_return(const Instruction& in) noexcept {
    return (in.op == Opcode::JALR_V0 || in.op == Opcode::JALR_V1) && in.rd == registers::ZERO &&
           in.rs1 == registers::RA;
  }

  // After a return, drop frames up to the one whose return address is where
  // execution continued (normally the top one); if none matches, drop one.
  void unwind(std::uint64_t pc) {
    pending_return_ = false;
    if (cut_frames_ > 0) {
      --cut_frames_;
      return;
    }
    for (std::size_t k = stack_.size(); k-- > 0;) {
      if (stack_[k].return_address == pc) {
        stack_.resize(k);
        return;
      }
    }
    if (!stack_.empty()) stack_.pop_back();
  }

  std::size_t child(std::size_t parent, std::size_t function) {
    for (const auto& [f, node] : nodes_[parent].children)
      if (f == function) return node;
    const std::size_t node = nodes_.size();
    nodes_.push_back(Node{parent, function, 0, {}});
    nodes_[parent].children.emplace_back(function, node);
    return node;
  }

  std::string function_name(std::size_t function) const {
    if (function == SymbolTable::npos) return std::string(UNKNOWN);
    std::string name = symbols_.symbols()[function].name;
    // Separators of the folded format cannot appear inside a frame name.
    for (char& c : name)
      if (c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r') c = '_';
    return name;
  }

  std::string path(std::size_t node) const {
    std::vector<std::size_t> chain;
    for (std::size_t k = node; k != 0; k = nodes_[k].parent) chain.push_back(k);
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (!out.empty()) out += ';';
      out += function_name(nodes_[*it].function);
    }
    return out;
  }

  SymbolTable symbols_;
  std::vector<Node> nodes_;
  std::vector<Frame> stack_;
  std::size_t cut_frames_ = 0;
  bool pending_return_ = false;
  std::uint64_t total_ = 0;
};

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
