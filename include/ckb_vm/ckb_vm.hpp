// Umbrella header: every public part of ckb-vm-cpp.
//
//   constants.hpp    page geometry, page flags, ISA bits, versions, registers
//   error.hpp        ErrorCode (ckb-vm's Error variants), Error, Result<T>
//   instruction.hpp  the decoded Instruction record and opcodes
//   decoder.hpp      bits -> Instruction per ISA/version, MOP fusion
//   cost_model.hpp   estimate_cycles / constant_cycles
//   memory.hpp       Memory concept: FlatMemory, SparseMemory, WXorXMemory
//   elf.hpp          parse_elf -> ProgramMetadata / LoadingAction, load_binary
//   machine.hpp      CoreMachine / Machine / SupportMachine concepts,
//                    DefaultCoreMachine, DefaultMachine, MachineBuilder
#pragma once

#include "detail/config.hpp"

#include "constants.hpp"
#include "cost_model.hpp"
#include "decoder.hpp"
#include "elf.hpp"
#include "error.hpp"
#include "instruction.hpp"
#include "machine.hpp"
#include "memory.hpp"
