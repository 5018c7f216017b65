// Verifying every script of a CKB transaction, as a CKB node does.
//
// Shows: reading a mock transaction file (the JSON `ckb-cli mock-tx dump`
// writes, templates included), resolving it, running each script group with
// CKB's syscalls and cycle rules, and printing each group's result and
// cycles, then the total.
//
//   verify_transaction tests/ckb/mock_probe.json [MAX_CYCLES]
#include <ckb_vm/ckb.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

using namespace ckb_vm::ckb;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MOCK_TX_JSON [MAX_CYCLES]\n", argv[0]);
    return 2;
  }
  auto mock = load_mock_tx_file(argv[1]);
  if (!mock.ok()) {
    std::fprintf(stderr, "%s\n", mock.error().message.c_str());
    return 2;
  }
  auto resolved = to_resolved(*mock);
  if (!resolved.ok()) {
    std::fprintf(stderr, "%s\n", resolved.error().message.c_str());
    return 2;
  }
  auto rtx = std::make_shared<const ResolvedTransaction>(std::move(*resolved));

  VerifyOptions options;
  if (argc > 2) options.max_cycles = std::strtoull(argv[2], nullptr, 10);
  options.debug_printer = [](const Byte32& script_hash, std::string_view message) {
    std::printf("  debug %s: %.*s\n", to_hex(script_hash).substr(0, 8).c_str(), static_cast<int>(message.size()),
                message.data());
  };

  std::printf("transaction %s\n", to_hex(rtx->hash, true).c_str());
  const TransactionOutcome result = verify_transaction(rtx, options);
  for (const GroupOutcome& g : result.groups) {
    const ScriptOutcome& o = g.outcome;
    std::printf("%s script %s (VM version %u, inputs %zu, outputs %zu): %s, cycles %llu (transfer %llu, running %llu)\n",
                std::string(script_group_type_name(g.group.group_type)).c_str(),
                to_hex(g.group.script_hash, true).c_str(), o.vm_version, g.group.input_indices.size(),
                g.group.output_indices.size(), o.describe().c_str(), static_cast<unsigned long long>(o.total_cycles),
                static_cast<unsigned long long>(o.transfer_cycles), static_cast<unsigned long long>(o.running_cycles));
  }
  if (!result.ok()) {
    std::printf("verification failed\n");
    return 1;
  }
  std::printf("all %zu script groups passed, total cycles %llu\n", result.groups.size(),
              static_cast<unsigned long long>(result.total_cycles));
  return 0;
}
