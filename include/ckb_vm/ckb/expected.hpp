// Errors of the CKB host layer. The VM's own `ckb_vm::Error` carries only a
// static message; parsing a transaction, a molecule buffer or a mock-tx file
// needs to say *which* field is wrong, so host-side operations return
// `Expected<T>`: a value or a `HostError` with a readable message. Nothing
// here throws.
#pragma once

#include "../detail/config.hpp"

#include <string>
#include <utility>
#include <variant>

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace ckb {

struct HostError {
  std::string message;
};

inline HostError host_error(std::string message) { return HostError{std::move(message)}; }

template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(const T& v) : v_(std::in_place_index<0>, v) {}         // NOLINT
  Expected(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT
  Expected(HostError e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

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
  const HostError& error() const noexcept { return *std::get_if<1>(&v_); }

 private:
  std::variant<T, HostError> v_;
};

struct Unit {};
using HostStatus = Expected<Unit>;
inline HostStatus host_ok() { return Unit{}; }

}  // namespace ckb
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm

// Propagate a HostError from an Expected<...>.
#define CKB_HOST_TRY(expr)                  \
  do {                                      \
    auto&& ckb_host_try_r_ = (expr);        \
    if (!ckb_host_try_r_.ok()) [[unlikely]] \
      return ckb_host_try_r_.error();       \
  } while (0)
