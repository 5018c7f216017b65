// Umbrella header: includes every public part of ckb-vm-cpp.
#pragma once

#include "constants.hpp"
#include "error.hpp"
