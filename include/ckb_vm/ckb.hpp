// The CKB host layer: everything needed to run the scripts of a real CKB
// transaction with the cycles a CKB node charges.
//
//   ckb/blake2b.hpp      BLAKE2b and CKB's blake2b-256 ("ckb-default-hash")
//   ckb/types.hpp        Script, CellOutput, Transaction, Header, ...
//   ckb/molecule.hpp     molecule encoding/decoding, tx/script/header hashes
//   ckb/script_group.hpp resolved transactions, script groups, code lookup
//   ckb/syscalls.hpp     the CKB syscalls as a Syscalls<Core> handler
//   ckb/verifier.hpp     running one group / a whole transaction
//   ckb/json.hpp         a small, bounded JSON parser
//   ckb/mock_tx.hpp      ckb-cli / ckb-debugger mock transaction files
//   ckb/spawn.hpp        spawn, pipes and the other RFC 0050 syscalls
//   ckb/scheduler.hpp    the node's spawn scheduler (suspends VMs with Snapshot2)
#pragma once

#include "detail/config.hpp"

#include "ckb/blake2b.hpp"
#include "ckb/expected.hpp"
#include "ckb/hex.hpp"
#include "ckb/json.hpp"
#include "ckb/mock_tx.hpp"
#include "ckb/molecule.hpp"
#include "ckb/scheduler.hpp"
#include "ckb/script_group.hpp"
#include "ckb/spawn.hpp"
#include "ckb/syscalls.hpp"
#include "ckb/types.hpp"
#include "ckb/verifier.hpp"
