// Regression driver for the libFuzzer targets tests/fuzz/fuzz_*.cpp.
//
// Linked with one fuzz_*.cpp into <name>_regress, it calls LLVMFuzzerTestOneInput on
//   1. every regular file under each directory named on the command line (or each
//      file named), in sorted order; a missing directory is reported and skipped;
//   2. --generated N deterministic inputs: a few fixed shapes, seeded pseudo-random
//      bytes, and mutations (bit flips, byte writes, interesting integers, inserted,
//      erased, duplicated and spliced chunks, truncation) of the files from step 1.
// A crash, a sanitizer report or a return value other than 0 or -1 fails the run.
// When an input kills the process, it is first written to
// <name>-crash-<index>.bin in the working directory, so `<exe> that-file` replays it.
//
// Usage: <exe> [--name NAME] [--generated N] [--seed S] [--max-len BYTES] [path...]

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <csignal>
#include <fcntl.h>
#include <unistd.h>
#define CKB_VM_REGRESS_POSIX 1
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

#if defined(__GNUC__) || defined(__clang__)
// Optional hooks: a fuzz target may define LLVMFuzzerInitialize; sanitizer
// runtimes, when linked, provide the death callback.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));
#define CKB_VM_REGRESS_WEAK 1
#endif

namespace {

namespace fs = std::filesystem;

struct Rng {
  std::uint64_t state;
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
};

using Bytes = std::vector<std::uint8_t>;

// The input being run, kept where the crash hooks can reach it.
const std::uint8_t* g_data = nullptr;
std::size_t g_size = 0;
char g_crash_path[512] = {0};
char g_crash_note[768] = {0};

void save_current_input() {
#ifdef CKB_VM_REGRESS_POSIX
  if (g_crash_path[0] == '\0') return;
  int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    std::size_t done = 0;
    while (done < g_size) {
      ssize_t n = ::write(fd, g_data + done, g_size - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  }
  ssize_t ignored = ::write(2, g_crash_note, std::strlen(g_crash_note));
  (void)ignored;
  g_crash_path[0] = '\0';
#endif
}

#ifdef CKB_VM_REGRESS_POSIX
extern "C" void on_fatal_signal(int sig) {
  save_current_input();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}
#endif

void install_crash_hooks() {
#ifdef CKB_VM_REGRESS_WEAK
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(save_current_input);
#endif
#ifdef CKB_VM_REGRESS_POSIX
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(sig, on_fatal_signal);
#endif
}

bool run_one(const std::string& name, std::size_t index, const std::string& what, const Bytes& input) {
  // Exact-size heap copy so sanitizers see reads past the end.
  auto* buf = new std::uint8_t[input.size() + (input.empty() ? 1 : 0)];
  std::copy(input.begin(), input.end(), buf);
  std::snprintf(g_crash_path, sizeof g_crash_path, "%s-crash-%zu.bin", name.c_str(), index);
  std::snprintf(g_crash_note, sizeof g_crash_note,
                "\n%s: input #%zu (%s, %zu bytes) killed the process; saved to %s\n", name.c_str(), index,
                what.c_str(), input.size(), g_crash_path);
  g_data = buf;
  g_size = input.size();
  int rc = LLVMFuzzerTestOneInput(buf, input.size());
  g_crash_path[0] = '\0';
  delete[] buf;
  if (rc != 0 && rc != -1) {
    std::fprintf(stderr, "%s: input #%zu (%s) returned %d; libFuzzer allows only 0 and -1\n", name.c_str(),
                 index, what.c_str(), rc);
    return false;
  }
  return true;
}

bool read_file(const fs::path& p, Bytes& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

void collect(const fs::path& p, std::vector<fs::path>& files, const std::string& name) {
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) {
    files.push_back(p);
  } else if (fs::is_directory(p, ec)) {
    std::vector<fs::path> found;
    for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec)) found.push_back(it->path());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  } else {
    std::printf("%s: no corpus at %s (only generated inputs for it)\n", name.c_str(), p.string().c_str());
  }
}

Bytes random_bytes(Rng& rng, std::size_t max_len) {
  // Mostly short inputs, sometimes long ones.
  std::size_t cap = std::min<std::size_t>(max_len, std::size_t{1} << rng.below(17));
  Bytes b(rng.below(cap + 1));
  for (auto& x : b) x = static_cast<std::uint8_t>(rng.next());
  return b;
}

void put_int(Bytes& b, std::size_t pos, std::uint64_t v, std::size_t width) {
  for (std::size_t i = 0; i < width && pos + i < b.size(); ++i) b[pos + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

Bytes mutate(Rng& rng, const Bytes& seed, const std::vector<Bytes>& corpus, std::size_t max_len) {
  static constexpr std::uint64_t interesting[] = {0,          1,          0x7f,       0x80,
                                                  0xff,       0x7fff,     0x8000,     0xffff,
                                                  0x7fffffff, 0x80000000, 0xffffffff, 0x1000,
                                                  0x400000,   0xffffffffffffffffULL};
  Bytes b = seed;
  std::size_t rounds = 1 + rng.below(8);
  for (std::size_t r = 0; r < rounds; ++r) {
    switch (rng.below(8)) {
      case 0:  // flip one bit
        if (!b.empty()) b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
        break;
      case 1:  // set one byte
        if (!b.empty()) b[rng.below(b.size())] = static_cast<std::uint8_t>(rng.next());
        break;
      case 2: {  // write an interesting integer, little endian
        if (b.empty()) break;
        std::size_t widths[] = {1, 2, 4, 8};
        put_int(b, rng.below(b.size()), interesting[rng.below(std::size(interesting))], widths[rng.below(4)]);
        break;
      }
      case 3: {  // insert random bytes
        std::size_t pos = rng.below(b.size() + 1);
        Bytes chunk(1 + rng.below(64));
        for (auto& x : chunk) x = static_cast<std::uint8_t>(rng.next());
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), chunk.begin(), chunk.end());
        break;
      }
      case 4: {  // erase a chunk
        if (b.empty()) break;
        std::size_t pos = rng.below(b.size());
        std::size_t len = 1 + rng.below(std::min<std::size_t>(b.size() - pos, 256));
        b.erase(b.begin() + static_cast<std::ptrdiff_t>(pos), b.begin() + static_cast<std::ptrdiff_t>(pos + len));
        break;
      }
      case 5: {  // duplicate a chunk in place
        if (b.empty()) break;
        std::size_t pos = rng.below(b.size());
        std::size_t len = 1 + rng.below(std::min<std::size_t>(b.size() - pos, 256));
        Bytes chunk(b.begin() + static_cast<std::ptrdiff_t>(pos), b.begin() + static_cast<std::ptrdiff_t>(pos + len));
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng.below(b.size() + 1)), chunk.begin(), chunk.end());
        break;
      }
      case 6:  // truncate
        if (!b.empty()) b.resize(rng.below(b.size()));
        break;
      case 7: {  // splice: head of this input, tail of another corpus input
        const Bytes& other = corpus[rng.below(corpus.size())];
        std::size_t cut = rng.below(b.size() + 1);
        std::size_t from = rng.below(other.size() + 1);
        b.resize(cut);
        b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
    }
  }
  if (b.size() > std::max(max_len, seed.size())) b.resize(std::max(max_len, seed.size()));
  return b;
}

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--name NAME] [--generated N] [--seed S] [--max-len BYTES] [path...]\n", argv0);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
#ifdef CKB_VM_REGRESS_WEAK
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
#endif
  std::string name = fs::path(argv[0]).filename().string();
  std::size_t generated = 400;
  std::uint64_t seed = 0x636b622d766dULL;  // "ckb-vm"
  std::size_t max_len = 64 * 1024;
  std::vector<fs::path> files;

  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    if (arg == "--name") {
      name = value();
    } else if (arg == "--generated") {
      generated = std::strtoull(value().c_str(), nullptr, 0);
    } else if (arg == "--seed") {
      seed = std::strtoull(value().c_str(), nullptr, 0);
    } else if (arg == "--max-len") {
      max_len = std::strtoull(value().c_str(), nullptr, 0);
    } else if (arg.rfind("--", 0) == 0) {
      usage(argv[0]);
    } else {
      collect(arg, files, name);
    }
  }

  install_crash_hooks();

  std::size_t index = 0;
  std::size_t failures = 0;
  std::vector<Bytes> corpus;
  std::vector<std::string> corpus_names;
  for (const auto& f : files) {
    Bytes b;
    if (!read_file(f, b)) {
      std::fprintf(stderr, "%s: cannot read %s\n", name.c_str(), f.string().c_str());
      ++failures;
      continue;
    }
    if (!run_one(name, index++, f.string(), b)) ++failures;
    corpus.push_back(std::move(b));
    corpus_names.push_back(f.filename().string());
  }

  Rng rng{seed};
  const Bytes fixed[] = {Bytes{}, Bytes(1, 0), Bytes(64, 0), Bytes(4096, 0), Bytes(4096, 0xff)};
  for (std::size_t g = 0; g < generated; ++g) {
    Bytes input;
    std::string what;
    if (g < std::size(fixed)) {
      input = fixed[g];
      what = "fixed shape " + std::to_string(g);
    } else if (!corpus.empty() && rng.below(3) != 0) {
      std::size_t k = rng.below(corpus.size());
      input = mutate(rng, corpus[k], corpus, max_len);
      what = "mutation of " + corpus_names[k] + ", generated #" + std::to_string(g);
    } else {
      input = random_bytes(rng, max_len);
      what = "random bytes, generated #" + std::to_string(g);
    }
    if (!run_one(name, index++, what, input)) ++failures;
  }

  std::printf("%s: %zu corpus inputs, %zu generated inputs (seed 0x%llx), %zu failed\n", name.c_str(), corpus.size(),
              generated, static_cast<unsigned long long>(seed), failures);
  return failures == 0 ? 0 : 1;
}
