// testsupport::ForwardingMemory<M, WithLog>: a memory model of the tests' own
// that forwards the Memory concept to an inner model M. It is not one of the
// built-in models, so WXorXMemory<ForwardingMemory<M>> runs WXorXMemory's
// generic (not fast-path) code; WithLog = false leaves out the optional
// dirty-page log (MemoryWithDirtyPageLog), as a host's own model may.
#pragma once

#include <ckb_vm/error.hpp>
#include <ckb_vm/memory.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace testsupport {

template <class M, bool WithLog = true>
class ForwardingMemory {
 public:
  using Status = ckb_vm::Status;
  template <class T>
  using Result = ckb_vm::Result<T>;

  explicit ForwardingMemory(std::uint64_t size) : m_(size) {}
  Status init_pages(std::uint64_t a, std::uint64_t s, std::uint8_t f, std::span<const std::uint8_t> src,
                    std::uint64_t o) {
    return m_.init_pages(a, s, f, src, o);
  }
  Result<std::uint8_t> fetch_flag(std::uint64_t p) { return m_.fetch_flag(p); }
  Status set_flag(std::uint64_t p, std::uint8_t f) { return m_.set_flag(p, f); }
  Status clear_flag(std::uint64_t p, std::uint8_t f) { return m_.clear_flag(p, f); }
  std::uint64_t memory_size() const { return m_.memory_size(); }
  std::uint64_t memory_pages() const { return m_.memory_pages(); }
  Status store_byte(std::uint64_t a, std::uint64_t s, std::uint8_t v) { return m_.store_byte(a, s, v); }
  Status store_bytes(std::uint64_t a, std::span<const std::uint8_t> src) { return m_.store_bytes(a, src); }
  Result<std::vector<std::uint8_t>> load_bytes(std::uint64_t a, std::uint64_t s) { return m_.load_bytes(a, s); }
  Status load_bytes_into(std::uint64_t a, std::span<std::uint8_t> d) { return m_.load_bytes_into(a, d); }
  Result<std::uint16_t> execute_load16(std::uint64_t a) { return m_.execute_load16(a); }
  Result<std::uint32_t> execute_load32(std::uint64_t a) { return m_.execute_load32(a); }
  Result<std::uint64_t> load8(std::uint64_t a) { return m_.load8(a); }
  Result<std::uint64_t> load16(std::uint64_t a) { return m_.load16(a); }
  Result<std::uint64_t> load32(std::uint64_t a) { return m_.load32(a); }
  Result<std::uint64_t> load64(std::uint64_t a) { return m_.load64(a); }
  Status store8(std::uint64_t a, std::uint64_t v) { return m_.store8(a, v); }
  Status store16(std::uint64_t a, std::uint64_t v) { return m_.store16(a, v); }
  Status store32(std::uint64_t a, std::uint64_t v) { return m_.store32(a, v); }
  Status store64(std::uint64_t a, std::uint64_t v) { return m_.store64(a, v); }
  std::uint64_t lr() const { return m_.lr(); }
  void set_lr(std::uint64_t v) { m_.set_lr(v); }
  std::span<const std::uint32_t> dirty_page_log() const
    requires WithLog
  {
    return m_.dirty_page_log();
  }
  void clear_dirty_page_log()
    requires WithLog
  {
    m_.clear_dirty_page_log();
  }
  void reset() { m_.reset(); }

 private:
  M m_;
};

}  // namespace testsupport
