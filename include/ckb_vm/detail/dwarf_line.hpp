// Address -> source file:line from an ELF's DWARF line tables (.debug_line),
// for profiles and error reports.
//
// LineTable::from_elf reads every line-number program in .debug_line (DWARF
// versions 2 to 5; version 5 as GCC 12 emits it, with its directory and file
// tables in .debug_line_str / .debug_str), runs each program's state machine
// and keeps, per sequence, the address ranges between consecutive rows. A
// lookup finds the range containing an address: the row with the greatest
// address at or below it inside a sequence (several rows at one address: the
// last one, as addr2line). A file without .debug_line gives an empty table.
//
// File names: a file entry whose directory is the compilation directory
// (DWARF 5 directory 0; DWARF 2-4 directory 0 means the same) is shown as
// written in the table ("src/fib.c"); entries in other directories are joined
// to theirs ("/usr/include/stdio.h"); absolute names are kept as they are.
//
// Defensive: the input is untrusted. Every read is bounds checked, every
// count is checked against the bytes that would hold it before anything is
// allocated, and rows come from opcodes (at most one per input byte), so
// memory stays proportional to the section's size. Malformed input is an
// ElfParseError with a message, never a crash or undefined behaviour; a unit
// whose header is broken stops the parse (its length cannot be trusted), and
// a sequence left without DW_LNE_end_sequence is dropped.
#pragma once

#include "config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../elf.hpp"
#include "../error.hpp"
#include "byte_io.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

struct SourceLine {
  std::string_view file;  // a view into the LineTable
  std::uint32_t line = 0;
};

class LineTable {
 public:
  LineTable() = default;

  // One range: [begin, end) maps to files_[file], line.
  struct Range {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    std::uint32_t file = 0;  // index into files(); NO_FILE when the program named none that exists
    std::uint32_t line = 0;
  };
  static constexpr std::uint32_t NO_FILE = static_cast<std::uint32_t>(-1);

  static Result<LineTable> from_elf(std::span<const std::uint8_t> elf) {
    Result<ElfSections> sections = ElfSections::parse(elf);
    if (!sections.ok()) return sections.error();
    return from_sections(*sections);
  }
  static Result<LineTable> from_sections(const ElfSections& elf) {
    return parse(elf.contents(".debug_line"), elf.contents(".debug_line_str"), elf.contents(".debug_str"),
                 elf.little_endian());
  }
  // The contents of .debug_line and of the string sections its DWARF 5
  // headers may refer to (either may be empty).
  static Result<LineTable> parse(std::span<const std::uint8_t> debug_line, std::span<const std::uint8_t> line_str,
                                 std::span<const std::uint8_t> str, bool little_endian = true) {
    LineTable table;
    Parser p{table, line_str, str, little_endian, {}};
    detail::bytes::ByteReader units(debug_line, little_endian);
    while (!units.at_end()) {
      if (const auto error = p.unit(units)) return Error(ErrorCode::ElfParseError, error);
    }
    table.finish();
    return table;
  }

  bool empty() const noexcept { return ranges_.empty(); }
  std::span<const Range> ranges() const noexcept { return ranges_; }
  std::span<const std::string> files() const noexcept { return files_; }

  // The source line of the instruction at `address`, if a sequence covers it.
  std::optional<SourceLine> find(std::uint64_t address) const noexcept {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                               [](std::uint64_t a, const Range& r) { return a < r.begin; });
    if (it == ranges_.begin()) return std::nullopt;
    --it;
    if (address >= it->end) return std::nullopt;
    SourceLine out;
    out.line = it->line;
    out.file = it->file < files_.size() ? std::string_view(files_[it->file]) : std::string_view("??");
    return out;
  }
  // "file:line", or "" when no sequence covers the address.
  std::string describe(std::uint64_t address) const {
    const std::optional<SourceLine> s = find(address);
    if (!s) return {};
    return std::string(s->file) + ":" + std::to_string(s->line);
  }

 private:
  struct Row {
    std::uint64_t address;
    std::uint32_t file;
    std::uint32_t line;
  };

  struct Parser {
    LineTable& table;
    std::span<const std::uint8_t> line_str;
    std::span<const std::uint8_t> str;
    bool little;

    // Forms a DWARF 5 entry format may use.
    enum : std::uint64_t {
      FORM_block = 0x09, FORM_block1 = 0x0a, FORM_block2 = 0x03, FORM_block4 = 0x04, FORM_data1 = 0x0b,
      FORM_data2 = 0x05, FORM_data4 = 0x06, FORM_data8 = 0x07, FORM_data16 = 0x1e, FORM_string = 0x08,
      FORM_strp = 0x0e, FORM_line_strp = 0x1f, FORM_udata = 0x0f, FORM_sdata = 0x0d, FORM_strx = 0x1a,
      FORM_strx1 = 0x25, FORM_strx2 = 0x26, FORM_strx3 = 0x27, FORM_strx4 = 0x28,
    };
    enum : std::uint64_t { LNCT_path = 1, LNCT_directory_index = 2 };

    struct Value {
      std::uint64_t number = 0;
      std::string_view text;
      bool is_text = false;
    };

    // One attribute value; nullptr or an error message.
    const char* read_form(detail::bytes::ByteReader& r, std::uint64_t form, bool offset64, Value& v) const {
      switch (form) {
        case FORM_string: v.text = r.cstring(); v.is_text = true; break;
        case FORM_strp: case FORM_line_strp: {
          const std::uint64_t offset = offset64 ? r.u64() : r.u32();
          if (!r.ok()) break;
          const std::span<const std::uint8_t> section = form == FORM_strp ? str : line_str;
          const Result<std::string_view> s = ElfSections::string_at(section, offset);
          if (!s.ok()) return "DWARF line table: a file or directory name lies outside its string section";
          v.text = *s;
          v.is_text = true;
          break;
        }
        case FORM_udata: v.number = r.uleb128(); break;
        case FORM_sdata: v.number = static_cast<std::uint64_t>(r.sleb128()); break;
        case FORM_data1: case FORM_strx1: v.number = r.u8(); break;
        case FORM_data2: case FORM_strx2: v.number = r.u16(); break;
        case FORM_strx3: v.number = r.uint(3); break;
        case FORM_data4: case FORM_strx4: v.number = r.u32(); break;
        case FORM_data8: v.number = r.u64(); break;
        case FORM_data16: r.skip(16); break;
        case FORM_strx: v.number = r.uleb128(); break;  // needs .debug_str_offsets: no name
        case FORM_block: r.skip(r.uleb128()); break;
        case FORM_block1: r.skip(r.u8()); break;
        case FORM_block2: r.skip(r.u16()); break;
        case FORM_block4: r.skip(r.u32()); break;
        default: return "DWARF line table: unsupported form in a directory or file entry format";
      }
      return r.ok() ? nullptr : "DWARF line table: truncated directory or file entry";
    }

    // DWARF 5 directory or file table: (path, directory index) per entry.
    struct Entry {
      std::string_view path;
      std::uint64_t directory = 0;
    };
    const char* entry_table(detail::bytes::ByteReader& r, bool offset64, std::vector<Entry>& out) const {
      const std::uint8_t format_count = r.u8();
      std::vector<std::pair<std::uint64_t, std::uint64_t>> format;
      for (unsigned k = 0; k < format_count && r.ok(); ++k) {
        const std::uint64_t type = r.uleb128();
        const std::uint64_t form = r.uleb128();
        format.emplace_back(type, form);
      }
      const std::uint64_t count = r.uleb128();
      if (!r.ok()) return "DWARF line table: truncated entry format";
      // Every form takes at least one byte, except a zero-length block: an
      // entry takes at least one byte unless its format is empty.
      if (count > 0 && format.empty()) return "DWARF line table: entries without an entry format";
      if (count > r.remaining()) return "DWARF line table: more entries than bytes";
      out.reserve(static_cast<std::size_t>(count));
      for (std::uint64_t k = 0; k < count; ++k) {
        Entry e;
        for (const auto& [type, form] : format) {
          Value v;
          if (const char* error = read_form(r, form, offset64, v)) return error;
          if (type == LNCT_path && v.is_text) e.path = v.text;
          if (type == LNCT_directory_index && !v.is_text) e.directory = v.number;
        }
        out.push_back(e);
      }
      return nullptr;
    }

    static bool absolute(std::string_view path) noexcept { return !path.empty() && path[0] == '/'; }
    static std::string join(std::string_view directory, std::string_view name) {
      if (directory.empty() || absolute(name)) return std::string(name);
      std::string out(directory);
      if (out.back() != '/') out += '/';
      return out + std::string(name);
    }

    // One unit (header + program); the reader moves past it. nullptr or an error.
    const char* unit(detail::bytes::ByteReader& units) {
      std::uint64_t length = units.u32();
      bool offset64 = false;
      if (length == 0xffffffff) {
        length = units.u64();
        offset64 = true;
      } else if (length >= 0xfffffff0) {
        return "DWARF line table: reserved unit length";
      }
      if (!units.ok() || length > units.remaining()) return "DWARF line table: unit longer than .debug_line";
      detail::bytes::ByteReader r = units.sub(length);
      const std::uint16_t version = r.u16();
      if (!r.ok()) return "DWARF line table: truncated unit header";
      if (version < 2 || version > 5) return "DWARF line table: unsupported version";
      if (version >= 5) {
        const std::uint8_t address_size = r.u8();
        r.u8();  // segment selector size
        if (r.ok() && (address_size == 0 || address_size > 8)) return "DWARF line table: bad address size";
      }
      const std::uint64_t header_length = offset64 ? r.u64() : r.u32();
      if (!r.ok() || header_length > r.remaining()) return "DWARF line table: header longer than its unit";
      const std::size_t program_start = r.position() + static_cast<std::size_t>(header_length);
      const std::uint8_t min_inst_length = r.u8();
      if (version >= 4) r.u8();  // maximum operations per instruction (VLIW only)
      const bool default_is_stmt = r.u8() != 0;
      const auto line_base = static_cast<std::int8_t>(r.u8());
      const std::uint8_t line_range = r.u8();
      const std::uint8_t opcode_base = r.u8();
      if (!r.ok()) return "DWARF line table: truncated unit header";
      if (line_range == 0) return "DWARF line table: line_range is 0";
      if (opcode_base == 0) return "DWARF line table: opcode_base is 0";
      std::uint8_t standard_lengths[256] = {};
      for (unsigned k = 1; k < opcode_base; ++k) standard_lengths[k] = r.u8();
      if (!r.ok()) return "DWARF line table: truncated unit header";

      // Directories and files, as file-table indices into table.files_.
      const std::size_t file_base = table.files_.size();
      std::vector<std::string> directories;
      if (version >= 5) {
        std::vector<Entry> dirs, files;
        if (const char* e = entry_table(r, offset64, dirs)) return e;
        if (const char* e = entry_table(r, offset64, files)) return e;
        for (std::size_t k = 0; k < dirs.size(); ++k) directories.emplace_back(k == 0 ? std::string_view() : dirs[k].path);
        for (const Entry& f : files)
          table.files_.push_back(join(f.directory < directories.size() ? directories[f.directory] : "", f.path));
      } else {
        directories.emplace_back();  // 0: the compilation directory
        for (;;) {
          const std::string_view d = r.cstring();
          if (!r.ok()) return "DWARF line table: truncated include directories";
          if (d.empty()) break;
          directories.emplace_back(d);
        }
        table.files_.emplace_back();  // DWARF 2-4 files count from 1
        for (;;) {
          const std::string_view name = r.cstring();
          if (!r.ok()) return "DWARF line table: truncated file names";
          if (name.empty()) break;
          const std::uint64_t dir = r.uleb128();
          r.uleb128();  // modification time
          r.uleb128();  // length
          if (!r.ok()) return "DWARF line table: truncated file names";
          table.files_.push_back(join(dir < directories.size() ? directories[dir] : "", name));
        }
      }
      // Some producers pad the header: the program starts where header_length says.
      r.seek(program_start);
      if (!r.ok()) return "DWARF line table: header longer than its unit";
      return program(r, version, min_inst_length, default_is_stmt, line_base, line_range, opcode_base,
                     standard_lengths, file_base, directories);
    }

    const char* program(detail::bytes::ByteReader& r, std::uint16_t version, std::uint8_t min_inst_length,
                        bool default_is_stmt, std::int8_t line_base, std::uint8_t line_range, std::uint8_t opcode_base,
                        const std::uint8_t* standard_lengths, std::size_t file_base,
                        const std::vector<std::string>& directories) {
      // File register -> table.files_ index (DWARF 5 counts from 0, earlier from 1,
      // which file_base's placeholder entry absorbs).
      const auto file_index = [&](std::uint64_t file) -> std::uint32_t {
        if (file >= table.files_.size() - file_base) return NO_FILE;
        if (version < 5 && file == 0) return NO_FILE;
        return static_cast<std::uint32_t>(file_base + file);
      };
      struct State {
        std::uint64_t address = 0;
        std::uint64_t file = 1;
        std::uint64_t line = 1;
      };
      State s;
      (void)default_is_stmt;
      std::vector<Row>& rows = sequence_;
      rows.clear();
      const auto emit = [&] {
        rows.push_back(Row{s.address, file_index(s.file), static_cast<std::uint32_t>(s.line)});
      };
      const auto end_sequence = [&] {
        // Rows at one address: the last one describes it.
        for (std::size_t k = 0; k + 1 < rows.size(); ++k) {
          if (rows[k].address < rows[k + 1].address)
            table.ranges_.push_back(Range{rows[k].address, rows[k + 1].address, rows[k].file, rows[k].line});
        }
        rows.clear();
        s = State{};
      };
      while (!r.at_end()) {
        const std::uint8_t op = r.u8();
        if (op >= opcode_base) {
          const unsigned adjusted = op - opcode_base;
          s.address += std::uint64_t{min_inst_length} * (adjusted / line_range);
          s.line += static_cast<std::uint64_t>(static_cast<std::int64_t>(line_base) + adjusted % line_range);
          emit();
          continue;
        }
        switch (op) {
          case 0: {  // extended
            const std::uint64_t length = r.uleb128();
            if (!r.ok() || length == 0 || length > r.remaining()) return "DWARF line table: bad extended opcode";
            detail::bytes::ByteReader ext = r.sub(length);
            const std::uint8_t sub = ext.u8();
            if (sub == 1) {  // DW_LNE_end_sequence
              emit();
              end_sequence();
            } else if (sub == 2) {  // DW_LNE_set_address
              if (length - 1 > 8) return "DWARF line table: address wider than 8 bytes";
              s.address = ext.uint(static_cast<unsigned>(length - 1));
            } else if (sub == 3 && version <= 4) {  // DW_LNE_define_file
              const std::string_view name = ext.cstring();
              const std::uint64_t dir = ext.uleb128();
              if (!ext.ok()) return "DWARF line table: bad DW_LNE_define_file";
              table.files_.push_back(join(dir < directories.size() ? directories[dir] : "", name));
            }
            // DW_LNE_set_discriminator and vendor extensions: skipped.
            if (!ext.ok()) return "DWARF line table: bad extended opcode";
            break;
          }
          case 1: emit(); break;                                                   // copy
          case 2: s.address += min_inst_length * r.uleb128(); break;               // advance_pc
          case 3: s.line += static_cast<std::uint64_t>(r.sleb128()); break;        // advance_line
          case 4: s.file = r.uleb128(); break;                                     // set_file
          case 8: s.address += std::uint64_t{min_inst_length} * ((255u - opcode_base) / line_range); break;  // const_add_pc
          case 9: s.address += r.u16(); break;                                     // fixed_advance_pc
          default:  // set_column, negate_stmt, basic_block, prologue_end, ... and unknown: skip operands
            for (unsigned k = 0; k < standard_lengths[op]; ++k) r.uleb128();
            break;
        }
        if (!r.ok()) return "DWARF line table: truncated line-number program";
      }
      rows.clear();  // a sequence without DW_LNE_end_sequence is dropped
      return nullptr;
    }

    std::vector<Row> sequence_;
  };

  void finish() {
    std::stable_sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  }

  std::vector<Range> ranges_;
  std::vector<std::string> files_;
};

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
