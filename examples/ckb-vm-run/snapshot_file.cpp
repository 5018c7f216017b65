// Snapshot files: the program is referenced by its SHA-256, not copied.
//
//   8   magic "CKBVMRUN"             1   ISA flags
//   4   file format version (2)      1   cost (0 none, 1 estimate, 2 constant)
//   32  SHA-256 of the program ELF   4   VM version
//   8   memory size                  8   max cycles for the rest of the run
//   8   length L of the Snapshot2    L   Snapshot2 (snapshot_codec.hpp; Id = the
//                                        program's SHA-256, as 32 bytes)
//   4   number N of ARGS (format 2)  N x (8 length, bytes): argv[1..] of the run
//   32  SHA-256 of everything above
// Integers are little-endian. Format 1 files (no ARGS) are still read.
#include <ckb_vm/snapshot2.hpp>
#include <ckb_vm/snapshot_codec.hpp>

#include <algorithm>

#include "cli.hpp"
#include "sha256.hpp"

namespace ckb_vm_run {

namespace {
constexpr std::array<std::uint8_t, 8> FILE_MAGIC = {'C', 'K', 'B', 'V', 'M', 'R', 'U', 'N'};
constexpr std::uint32_t FILE_FORMAT = 2;
constexpr std::size_t FILE_HEADER = 8 + 4 + 32 + 1 + 1 + 4 + 8 + 8 + 8;
}  // namespace

std::vector<std::uint8_t> encode_snapshot_file(const Config& c, const ProgramId& program,
                                               const std::vector<std::string>& args,
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
  w.u32(static_cast<std::uint32_t>(args.size()));
  for (const std::string& a : args) {
    w.u64(a.size());
    w.bytes(std::span(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()));
  }
  w.bytes(Sha256::of(out));
  return out;
}

SnapshotFile decode_snapshot_file(std::span<const std::uint8_t> in, const std::string& path) {
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
  const std::uint32_t format = take(r.u32());
  if (format != 1 && format != 2) bad("has unsupported format version " + std::to_string(format));
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
  if (length > r.remaining()) bad("is truncated");
  Result<Snapshot2<ProgramId>> s = decode_snapshot2<ProgramId>(take(r.bytes(static_cast<std::size_t>(length))));
  if (!s.ok()) bad("is invalid: " + s.error().to_string());
  f.snapshot = std::move(s).value();
  if (f.snapshot.version != f.config.version) bad("is invalid: its VM version disagrees with its header");
  if (format >= 2) {
    const std::uint32_t count = take(r.u32());
    std::vector<std::string> args;
    for (std::uint32_t k = 0; k < count; ++k) {
      const std::uint64_t n = take(r.u64());
      if (n > r.remaining()) bad("is truncated");
      const std::span<const std::uint8_t> a = take(r.bytes(static_cast<std::size_t>(n)));
      args.emplace_back(a.begin(), a.end());
    }
    f.args = std::move(args);
  }
  if (r.remaining() != 0) bad("is corrupt (bytes after the end)");
  return f;
}

}  // namespace ckb_vm_run
