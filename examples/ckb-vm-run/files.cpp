// Input files are read whole but never beyond a limit (a 1 GiB file or /dev/zero is
// refused after at most `limit` bytes); output files are written atomically.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli.hpp"

namespace ckb_vm_run {

namespace {
std::string too_large(const char* what, const std::string& path, std::size_t limit) {
  return std::string(what) + " " + path + " is larger than " + std::to_string(limit >> 20) + " MiB";
}
}  // namespace

std::vector<std::uint8_t> read_file(const std::string& path, const char* what, std::size_t limit) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) fail(std::string("cannot open ") + what + " " + path + ": " + std::strerror(errno));
  const auto close_and_fail = [&](std::string message) {
    std::fclose(f);
    fail(std::move(message));
  };
  std::vector<std::uint8_t> bytes;
  // A regular file says its size up front: refuse a large one without reading it.
  struct stat st {};
  if (::fstat(::fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
    if (static_cast<std::uint64_t>(st.st_size) > limit) close_and_fail(too_large(what, path, limit));
    bytes.reserve(static_cast<std::size_t>(st.st_size));
  }
  // Anything else (pipes, devices, files growing meanwhile): read at most `limit`
  // bytes, then one more to tell "exactly limit" from "more".
  std::uint8_t buf[1 << 16];
  for (;;) {
    if (bytes.size() == limit) {
      if (std::fgetc(f) != EOF) close_and_fail(too_large(what, path, limit));
      break;
    }
    const std::size_t want = std::min(sizeof buf, limit - bytes.size());
    const std::size_t n = std::fread(buf, 1, want, f);
    if (bytes.capacity() < bytes.size() + n)  // grow geometrically, but never past the limit
      bytes.reserve(std::min(limit, std::max(bytes.size() + n, 2 * bytes.capacity())));
    bytes.insert(bytes.end(), buf, buf + n);
    if (n < want) break;
  }
  const bool bad = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (bad) fail(std::string("cannot read ") + what + " " + path + ": " + std::strerror(err));
  return bytes;
}

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

}  // namespace ckb_vm_run
