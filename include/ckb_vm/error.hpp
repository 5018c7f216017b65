// Errors as values. `ErrorCode` mirrors the variants of ckb-vm's `Error` enum
// one for one, so a host can compare outcomes with ckb-vm by kind; `Error`
// adds the details ckb-vm carries (pc and instruction bits, ecall number) plus
// an optional address and a static message. `Result<T>` carries either a value
// or an `Error`; nothing on the execution path throws, so hosts built with
// -fno-exceptions work.
#pragma once

#include "detail/config.hpp"
#include "detail/byte_io.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

// One row per ckb-vm Error variant, named as ckb-vm names it. The order is the
// numbering (append only: hosts may store the numbers).
#define CKB_VM_ERROR_CODES(X) \
  X(Asm) \
  X(CyclesExceeded) \
  X(CyclesOverflow) \
  X(ElfBits) \
  X(ElfParseError) \
  X(ElfSegmentUnreadable) \
  X(ElfSegmentWritableAndExecutable) \
  X(ElfSegmentAddrOrSizeError) \
  X(External) \
  X(InvalidEcall) \
  X(InvalidInstruction) \
  X(InvalidOp) \
  X(InvalidVersion) \
  X(IO) \
  X(MemOutOfBound) \
  X(MemOutOfStack) \
  X(MemPageUnalignedAccess) \
  X(MemWriteOnExecutablePage) \
  X(MemWriteOnFreezedPage) \
  X(Pause) \
  X(SnapshotDataLoadError) \
  X(Unexpected) \
  X(Unimplemented) \
  X(Yield)

enum class ErrorCode : std::uint8_t {
#define CKB_VM_ERROR_CODE_ENUM(name) name,
  CKB_VM_ERROR_CODES(CKB_VM_ERROR_CODE_ENUM)
#undef CKB_VM_ERROR_CODE_ENUM
};

inline constexpr std::size_t ERROR_CODE_COUNT = 0
#define CKB_VM_ERROR_CODE_COUNT(name) +1
    CKB_VM_ERROR_CODES(CKB_VM_ERROR_CODE_COUNT)
#undef CKB_VM_ERROR_CODE_COUNT
    ;

constexpr std::string_view error_code_name(ErrorCode code) noexcept {
  constexpr std::string_view names[] = {
#define CKB_VM_ERROR_CODE_NAME(name) #name,
      CKB_VM_ERROR_CODES(CKB_VM_ERROR_CODE_NAME)
#undef CKB_VM_ERROR_CODE_NAME
  };
  const auto i = static_cast<std::size_t>(code);
  return i < ERROR_CODE_COUNT ? names[i] : std::string_view("Unknown");
}

// Trivially copyable on purpose: it travels through the interpreter's hot
// path inside Result<T>. `message` must point at storage with static lifetime
// (a string literal); hosts wanting dynamic text keep it themselves.
struct Error {
  ErrorCode code = ErrorCode::Unexpected;
  // InvalidInstruction: pc of the instruction and its raw bits in `value`.
  // InvalidEcall: the syscall number in `value`. Memory errors: the faulting
  // address in `address` when known.
  std::uint64_t pc = 0;
  std::uint64_t value = 0;
  std::uint64_t address = 0;
  const char* message = nullptr;

  constexpr Error() = default;
  constexpr Error(ErrorCode c) noexcept : code(c) {}  // NOLINT: implicit by design
  constexpr Error(ErrorCode c, const char* msg) noexcept : code(c), message(msg) {}

  static constexpr Error invalid_instruction(std::uint64_t pc, std::uint32_t bits) noexcept {
    Error e(ErrorCode::InvalidInstruction);
    e.pc = pc;
    e.value = bits;
    return e;
  }
  static constexpr Error invalid_ecall(std::uint64_t number) noexcept {
    Error e(ErrorCode::InvalidEcall);
    e.value = number;
    return e;
  }
  static constexpr Error at_address(ErrorCode c, std::uint64_t addr) noexcept {
    Error e(c);
    e.address = addr;
    return e;
  }

  // Two errors are "the same outcome" when their kinds and ckb-vm-visible
  // details agree (ckb-vm compares InvalidInstruction{pc, instruction} and
  // InvalidEcall(n); other variants carry nothing).
  friend constexpr bool operator==(const Error& a, const Error& b) noexcept {
    if (a.code != b.code) return false;
    if (a.code == ErrorCode::InvalidInstruction) return a.pc == b.pc && a.value == b.value;
    if (a.code == ErrorCode::InvalidEcall || a.code == ErrorCode::Asm || a.code == ErrorCode::InvalidOp)
      return a.value == b.value;
    return true;
  }
  friend constexpr bool operator==(const Error& a, ErrorCode c) noexcept { return a.code == c; }

  std::string_view name() const noexcept { return error_code_name(code); }

  // Human-readable one-liner, e.g. "InvalidInstruction pc=0x100b0 instruction=0xffffffff".
  std::string to_string() const {
    std::string s(name());
    using detail::bytes::hex_u64;
    const auto hex = [](std::uint64_t v) { return hex_u64(v); };
    switch (code) {
      case ErrorCode::InvalidInstruction:
        s += " pc=" + hex(pc) + " instruction=" + hex(value);
        break;
      case ErrorCode::InvalidEcall:
        s += " number=" + std::to_string(value);
        break;
      case ErrorCode::Asm:
      case ErrorCode::InvalidOp:
        s += " code=" + std::to_string(value);
        break;
      default:
        if (address != 0) s += " address=" + hex(address);
        break;
    }
    if (message != nullptr) {
      s += ": ";
      s += message;
    }
    return s;
  }
};

static_assert(std::is_trivially_copyable_v<Error>);

// Result<T>: a value or an Error. Kept deliberately small; no exceptions.
template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(const T& v) : v_(std::in_place_index<0>, v) {}  // NOLINT
  Result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, e) {}  // NOLINT
  Result(ErrorCode c) : v_(std::in_place_index<1>, Error(c)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & noexcept { return *std::get_if<0>(&v_); }
  const T& value() const& noexcept { return *std::get_if<0>(&v_); }
  T&& value() && noexcept { return std::move(*std::get_if<0>(&v_)); }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T* operator->() noexcept { return std::get_if<0>(&v_); }
  const T* operator->() const noexcept { return std::get_if<0>(&v_); }

  // Precondition: !ok().
  const Error& error() const noexcept { return *std::get_if<1>(&v_); }

  template <class U>
  T value_or(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  constexpr Result() noexcept = default;
  constexpr Result(Error e) noexcept : err_(e), ok_(false) {}  // NOLINT
  constexpr Result(ErrorCode c) noexcept : err_(c), ok_(false) {}  // NOLINT

  constexpr bool ok() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }
  constexpr const Error& error() const noexcept { return err_; }

 private:
  Error err_{};
  bool ok_ = true;
};

using Status = Result<void>;

inline constexpr Status ok_status() noexcept { return Status{}; }

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm

// Propagate an error from an expression returning Result<...>/Status.
#define CKB_VM_TRY(expr)                      \
  do {                                        \
    auto&& ckb_vm_try_r_ = (expr);            \
    if (!ckb_vm_try_r_.ok()) [[unlikely]]     \
      return ckb_vm_try_r_.error();           \
  } while (0)

