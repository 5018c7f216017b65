// libFuzzer target for the mock transaction reader (include/ckb_vm/ckb/json.hpp,
// mock_tx.hpp) and, for inputs that get that far, script verification.
//
// The input is the text of a mock transaction file. It goes through the
// template expansion (with an in-memory file reader holding one small file
// "f" and the project's probe script "probe"), the JSON parser and the mock
// tx schema, then resolution. Accepted transactions must survive a molecule
// round trip, and every script group is verified with a small cycle limit.
// Errors must carry a message; crashes, UB and unbounded allocation are what
// this target looks for.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "fuzz_check.hpp"
#include "ckb_vm/ckb.hpp"

namespace {

using namespace ckb_vm::ckb;

using fuzz::fail;

const Bytes& probe_elf() {
  static const Bytes elf = [] {
    std::ifstream f(std::string(CKB_VM_SOURCE_DIR) + "/tests/ckb/bin/probe", std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }();
  return elf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto reader = [](const std::string& path) -> Expected<Bytes> {
    if (path == "dir/f") return Bytes{1, 2, 3, 4};
    if (path == "dir/probe") return probe_elf();
    return host_error("no file " + path);
  };
  auto expanded = apply_mock_templates(text, "dir", reader);
  if (!expanded.ok()) {
    if (expanded.error().message.empty()) fail("template error without a message");
    return 0;
  }
  JsonLimits limits;
  limits.max_input_bytes = std::size_t{1} << 20;
  limits.max_values = 100000;
  auto mt = parse_mock_tx(*expanded, limits);
  if (!mt.ok()) {
    if (mt.error().message.empty()) fail("mock tx error without a message");
    return 0;
  }
  const Bytes enc = molecule::encode(mt->tx);
  auto back = molecule::decode_transaction(enc);
  if (!back.ok() || !(*back == mt->tx)) fail("transaction molecule round trip");
  auto resolved = to_resolved(*mt);
  if (!resolved.ok()) {
    if (resolved.error().message.empty()) fail("resolution error without a message");
    return 0;
  }
  auto rtx = std::make_shared<ResolvedTransaction>(std::move(*resolved));
  VerifyOptions options;
  options.max_cycles = 2'000'000;
  const auto groups = script_groups(*rtx);
  for (std::size_t i = 0; i < groups.size() && i < 4; ++i) (void)verify_script_group(rtx, groups[i], options);
  return 0;
}
