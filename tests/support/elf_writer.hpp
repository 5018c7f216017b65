// The tests' one ELF writer (ELF64, RISC-V), in two layers:
//
//   * elfw::write(ElfSpec): every header and program-header field as given,
//     little- or big-endian, so tests can also write malformed files
//     (test_elf.cpp); the rest of the file is zero or a caller's fill pattern;
//   * elfw::build(Program): a loadable program from segments with contents,
//     placed at explicit file offsets or one after another at an alignment
//     (the snapshot tests, the parity pins, the random program generator).
//
// Both write the header the same way: ident 7f 'E' 'L' 'F', class, data,
// EV_CURRENT, OS ABI 0; e_shentsize 64, no section headers. Program headers
// are 56 bytes apart from e_phoff whatever e_phentsize says. Standard library only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace elfw {

inline constexpr std::uint32_t PT_LOAD = 1;
inline constexpr std::uint32_t PF_X = 1, PF_W = 2, PF_R = 4;
inline constexpr std::size_t EHDR_SIZE = 64, PHDR_SIZE = 56;

struct Phdr {
  std::uint32_t type = PT_LOAD;
  std::uint32_t flags = PF_R;
  std::uint64_t offset = 0;
  std::uint64_t vaddr = 0;
  std::uint64_t paddr = 0;
  std::uint64_t filesz = 0;
  std::uint64_t memsz = 0;
  std::uint64_t align = 0x1000;
};

struct ElfSpec {
  std::uint8_t elf_class = 2;   // ELFCLASS64
  std::uint8_t data = 1;        // ELFDATA2LSB (2: the fields are written big-endian)
  std::uint16_t e_type = 2;     // ET_EXEC
  std::uint16_t machine = 243;  // EM_RISCV
  std::uint32_t version = 1;
  std::uint64_t entry = 0x10000;
  std::uint64_t phoff = 64;
  std::uint64_t shoff = 0;
  std::uint32_t e_flags = 0;
  std::uint16_t ehsize = 64;
  std::uint16_t phentsize = 56;
  std::optional<std::uint16_t> phnum;  // default: phdrs.size()
  std::vector<Phdr> phdrs;
  std::size_t file_size = 0;  // grown to hold the header and, when e_phoff < 2^40, the table
};

// Byte `i` of the file where neither the header nor the table is written.
using Fill = std::uint8_t (*)(std::size_t i);

template <class T>
void put(std::vector<std::uint8_t>& out, std::size_t at, T v, bool little_endian = true) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    const std::size_t shift = little_endian ? i : sizeof(T) - 1 - i;
    out[at + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * shift));
  }
}

inline std::vector<std::uint8_t> write(const ElfSpec& s, Fill fill = nullptr) {
  std::size_t size = std::max<std::size_t>(s.file_size, EHDR_SIZE);
  const bool table_fits = s.phoff < (std::uint64_t{1} << 40);
  if (table_fits) size = std::max<std::size_t>(size, s.phoff + PHDR_SIZE * s.phdrs.size());
  std::vector<std::uint8_t> out(size, 0);
  if (fill != nullptr)
    for (std::size_t i = EHDR_SIZE; i < size; ++i) out[i] = fill(i);
  const bool le = s.data != 2;
  out[0] = 0x7f;
  out[1] = 'E';
  out[2] = 'L';
  out[3] = 'F';
  out[4] = s.elf_class;
  out[5] = s.data;
  out[6] = 1;  // EV_CURRENT
  put<std::uint16_t>(out, 16, s.e_type, le);
  put<std::uint16_t>(out, 18, s.machine, le);
  put<std::uint32_t>(out, 20, s.version, le);
  put<std::uint64_t>(out, 24, s.entry, le);
  put<std::uint64_t>(out, 32, s.phoff, le);
  put<std::uint64_t>(out, 40, s.shoff, le);
  put<std::uint32_t>(out, 48, s.e_flags, le);
  put<std::uint16_t>(out, 52, s.ehsize, le);
  put<std::uint16_t>(out, 54, s.phentsize, le);
  put<std::uint16_t>(out, 56, s.phnum.value_or(static_cast<std::uint16_t>(s.phdrs.size())), le);
  put<std::uint16_t>(out, 58, 64, le);  // e_shentsize
  if (table_fits) {
    for (std::size_t i = 0; i < s.phdrs.size(); ++i) {
      const Phdr& p = s.phdrs[i];
      const std::size_t at = static_cast<std::size_t>(s.phoff) + PHDR_SIZE * i;
      put<std::uint32_t>(out, at + 0, p.type, le);
      put<std::uint32_t>(out, at + 4, p.flags, le);
      put<std::uint64_t>(out, at + 8, p.offset, le);
      put<std::uint64_t>(out, at + 16, p.vaddr, le);
      put<std::uint64_t>(out, at + 24, p.paddr, le);
      put<std::uint64_t>(out, at + 32, p.filesz, le);
      put<std::uint64_t>(out, at + 40, p.memsz, le);
      put<std::uint64_t>(out, at + 48, p.align, le);
    }
  }
  return out;
}

// A PT_LOAD segment (p_paddr = p_vaddr, p_align 0x1000) and its file contents.
struct Segment {
  std::uint32_t flags = PF_R | PF_X;
  std::uint64_t vaddr = 0x10000;
  std::vector<std::uint8_t> bytes;      // p_filesz = bytes.size()
  std::optional<std::uint64_t> memsz;   // default: bytes.size()
  std::optional<std::uint64_t> offset;  // default: where the previous segment (or the table) ends,
                                        // rounded up to Program::alignment
};

struct Program {
  std::uint64_t entry = 0x10000;
  std::vector<Segment> segments;
  std::uint64_t alignment = 16;
};

// The file ends where its last segment's bytes end (or after the table).
inline std::vector<std::uint8_t> build(const Program& p) {
  ElfSpec spec;
  spec.entry = p.entry;
  std::uint64_t end = spec.phoff + PHDR_SIZE * p.segments.size();
  std::uint64_t file_size = end;
  for (const Segment& s : p.segments) {
    const std::uint64_t offset = s.offset.value_or((end + p.alignment - 1) / p.alignment * p.alignment);
    const std::uint64_t filesz = s.bytes.size();
    spec.phdrs.push_back(Phdr{PT_LOAD, s.flags, offset, s.vaddr, s.vaddr, filesz, s.memsz.value_or(filesz), 0x1000});
    end = offset + filesz;
    file_size = std::max(file_size, end);
  }
  spec.file_size = static_cast<std::size_t>(file_size);
  std::vector<std::uint8_t> out = write(spec);
  for (std::size_t k = 0; k < p.segments.size(); ++k)
    std::copy(p.segments[k].bytes.begin(), p.segments[k].bytes.end(),
              out.begin() + static_cast<std::ptrdiff_t>(spec.phdrs[k].offset));
  return out;
}

}  // namespace elfw
