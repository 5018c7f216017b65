// Compatibility: the block cache is now part of the engine's one code cache.
#pragma once

#include "code_cache.hpp"
