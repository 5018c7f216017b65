// Hex encoding and decoding of byte strings (lower case out, either case in).
#pragma once

#include "../detail/config.hpp"
#include "../detail/byte_io.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

inline std::string to_hex(std::span<const std::uint8_t> bytes, bool prefix = false) {
  return ckb_vm::detail::bytes::hex_bytes(bytes, prefix);
}

using ckb_vm::detail::bytes::hex_digit_value;

// Decodes an even number of hex digits (no prefix); nullopt on an odd length
// or a non-hex character.
inline std::optional<std::vector<std::uint8_t>> from_hex(std::string_view s) {
  return ckb_vm::detail::bytes::parse_hex(s);
}

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
