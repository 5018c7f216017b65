// Internals of <ckb_vm/memory.hpp>: inlining attributes, little-endian
// load/store helpers, and the two parts a paged memory model is built from:
//   * PageBook: the per-page bookkeeping every model shares (flag bytes,
//     dirty-page log, touched-page list, load reservation);
//   * a storage policy, FlatPages or SparsePages: where the bytes of a page
//     live. It is the only thing FlatMemory and SparseMemory differ in;
//     detail::PagedMemory<Storage> (in memory.hpp) builds every access path
//     once on top of PageBook + Storage.
// Nothing here is part of the public API; include <ckb_vm/memory.hpp> instead.
#pragma once

#include "config.hpp"
#include "byte_io.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#include "../constants.hpp"
#include "../error.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define CKB_VM_DETAIL_HAVE_MMAP 1
#else
#define CKB_VM_DETAIL_HAVE_MMAP 0
#endif

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {
namespace detail {

inline constexpr std::uint64_t kPageMask = RISCV_PAGESIZE - 1;

// RISC-V memory is little-endian: guest loads and stores use the library's one
// byte reader (byte_io.hpp), a single unaligned move at run time.
using bytes::load_le;
using bytes::store_le;

// What loads of untouched SparseMemory pages read from. Never written.
alignas(64) inline constexpr std::uint8_t kZeroPage[RISCV_PAGESIZE] = {};

[[noreturn]] inline void throw_bad_alloc() {
#if defined(__cpp_exceptions) || defined(_CPPUNWIND)
  throw std::bad_alloc();
#else
  std::abort();
#endif
}

inline Error host_out_of_memory() noexcept {
  return Error(ErrorCode::Unexpected, "host allocation failed");
}

CKB_VM_DETAIL_COLD inline Error out_of_bound(std::uint64_t addr) noexcept {
  return Error::at_address(ErrorCode::MemOutOfBound, addr);
}

// A requested memory size is valid when it is at most RISCV_MAX_MEMORY and a
// multiple of the page size (checked in that order, matching the order of
// ckb-vm's assertions).
inline Status validate_memory_size(std::uint64_t size) noexcept {
  if (size > RISCV_MAX_MEMORY) return Error(ErrorCode::MemOutOfBound, "memory size exceeds RISCV_MAX_MEMORY");
  if ((size & kPageMask) != 0)
    return Error(ErrorCode::MemPageUnalignedAccess, "memory size is not a multiple of the page size");
  return {};
}

// What constructors do with an invalid size instead of aborting: clamp to
// RISCV_MAX_MEMORY, then round down to a page multiple.
constexpr std::uint64_t normalize_memory_size(std::uint64_t size) noexcept {
  return round_page_down(size < RISCV_MAX_MEMORY ? size : RISCV_MAX_MEMORY);
}

// A zero-filled host buffer of `size` bytes. Large buffers are mapped fresh
// from the OS (POSIX mmap), so the zeroing costs nothing until a page is
// touched, however many machines a process builds: calloc would clear the
// whole buffer again each time the allocator reuses a freed block.
class ZeroedBuffer {
 public:
  ZeroedBuffer() noexcept = default;
  ZeroedBuffer(ZeroedBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), mapped_(o.mapped_) {}
  ZeroedBuffer& operator=(ZeroedBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      mapped_ = o.mapped_;
    }
    return *this;
  }
  ZeroedBuffer(const ZeroedBuffer&) = delete;
  ZeroedBuffer& operator=(const ZeroedBuffer&) = delete;
  ~ZeroedBuffer() { release(); }

  // false if the host cannot allocate (the buffer is then empty).
  bool allocate(std::uint64_t size) noexcept {
    release();
    if (size == 0) size = 1;
#if CKB_VM_DETAIL_HAVE_MMAP
    if (size >= kMapThreshold) {
      void* p = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<std::uint8_t*>(p);
        size_ = size;
        mapped_ = true;
        return true;
      }
    }
#endif
    data_ = static_cast<std::uint8_t*>(std::calloc(static_cast<std::size_t>(size), 1));
    size_ = data_ != nullptr ? size : 0;
    mapped_ = false;
    return data_ != nullptr;
  }

  std::uint8_t* get() const noexcept { return data_; }
  explicit operator bool() const noexcept { return data_ != nullptr; }

 private:
  static constexpr std::uint64_t kMapThreshold = std::uint64_t{256} << 10;

  void release() noexcept {
    if (data_ == nullptr) return;
#if CKB_VM_DETAIL_HAVE_MMAP
    if (mapped_) {
      ::munmap(data_, static_cast<std::size_t>(size_));
      data_ = nullptr;
      return;
    }
#endif
    std::free(data_);
    data_ = nullptr;
  }

  std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
  bool mapped_ = false;
};

template <class T>
std::unique_ptr<T[]> alloc_array(std::uint64_t n) noexcept {
  // Never allocate zero elements so a live object always has non-null arrays.
  return std::unique_ptr<T[]>(new (std::nothrow) T[n == 0 ? 1 : n]());
}

// --- Storage policies -------------------------------------------------------
// A storage policy owns the bytes of guest memory and answers, for a page
// index below memory_pages() (every member's precondition):
//   readable_page(page)   its RISCV_PAGESIZE bytes, for reading;
//   writable_page(page)   the same, for writing (backing it first if needed;
//                         null only if the host is out of memory);
//   reset(touched, size)  zero every page written since allocation/reset
//                         (`touched` lists them);
// and declares two constants that select code paths in PagedMemory:
//   kContiguous     all memory is one buffer, bytes(): accesses may straddle
//                   pages without being split, and bulk stores follow
//                   ckb-vm's FlatMemory (check and dirty every page, then
//                   write); otherwise they follow its SparseMemory (page by
//                   page, each written and dirtied before the next).
//   kMayBeUnbacked  readable_page() may return the shared kZeroPage, so a
//                   store must go through writable_page() (which may fail);
//                   any other page pointer it returns is writable.

// One contiguous, lazily zeroed buffer.
class FlatPages {
 public:
  static constexpr bool kContiguous = true;
  static constexpr bool kMayBeUnbacked = false;

  bool allocate(std::uint64_t memory_size) noexcept { return data_.allocate(memory_size); }

  std::uint8_t* bytes() const noexcept { return data_.get(); }
  const std::uint8_t* readable_page(std::uint64_t page) const noexcept { return page_bytes(page); }
  std::uint8_t* writable_page(std::uint64_t page) noexcept { return page_bytes(page); }

  // After raw pointers were handed out (FlatMemory::data()/flags()), reset
  // cannot know what was written and clears everything.
  void mark_raw_exposed() noexcept { raw_exposed_ = true; }
  // Untouched pages hold zeros (the buffer starts zeroed and reset zeroes the
  // touched ones), unless a host wrote through a raw pointer.
  bool untouched_pages_are_zero() const noexcept { return !raw_exposed_; }

  void reset(std::span<const std::uint32_t> touched, std::uint64_t memory_size) noexcept {
    if (raw_exposed_) {
      if (memory_size != 0) std::memset(data_.get(), 0, static_cast<std::size_t>(memory_size));
      raw_exposed_ = false;
      return;
    }
    for (const std::uint32_t page : touched) std::memset(page_bytes(page), 0, RISCV_PAGESIZE);
  }

 private:
  std::uint8_t* page_bytes(std::uint64_t page) const noexcept { return data_.get() + (page << RISCV_PAGE_SHIFTS); }

  ZeroedBuffer data_;
  bool raw_exposed_ = false;
};

// 4 KiB pages allocated on first write; untouched pages read as kZeroPage.
// Buffers are pooled: reset() unmaps them and later writes reuse them.
class SparsePages {
 public:
  static constexpr bool kContiguous = false;
  static constexpr bool kMayBeUnbacked = true;

  SparsePages() noexcept = default;
  SparsePages(SparsePages&& o) noexcept { *this = std::move(o); }
  SparsePages& operator=(SparsePages&& o) noexcept {
    if (this != &o) {
      table_ = std::move(o.table_);
      pool_ = std::move(o.pool_);
      page_of_slot_ = std::move(o.page_of_slot_);
      pool_size_ = std::exchange(o.pool_size_, 0);
      pool_used_ = std::exchange(o.pool_used_, 0);
    }
    return *this;
  }
  ~SparsePages() = default;

  bool allocate(std::uint64_t memory_size) noexcept {
    const std::uint64_t pages = memory_size >> RISCV_PAGE_SHIFTS;
    table_ = alloc_array<const std::uint8_t*>(pages);
    pool_ = alloc_array<std::unique_ptr<PageBuffer>>(pages);
    page_of_slot_ = alloc_array<std::uint32_t>(pages);
    if (!table_ || !pool_ || !page_of_slot_) return false;
    std::fill_n(table_.get(), pages, kZeroPage);
    return true;
  }

  const std::uint8_t* readable_page(std::uint64_t page) const noexcept { return table_[page]; }
  CKB_VM_DETAIL_ALWAYS_INLINE std::uint8_t* writable_page(std::uint64_t page) noexcept {
    const std::uint8_t* p = table_[page];
    if (p == kZeroPage) [[unlikely]]
      return allocate_page(page);
    return const_cast<std::uint8_t*>(p);
  }

  void reset(std::span<const std::uint32_t> /*touched*/, std::uint64_t /*memory_size*/) noexcept {
    for (std::size_t i = 0; i < pool_used_; ++i) table_[page_of_slot_[i]] = kZeroPage;
    pool_used_ = 0;
  }

  std::size_t allocated_pages() const noexcept { return pool_used_; }

 private:
  struct alignas(64) PageBuffer {
    std::uint8_t bytes[RISCV_PAGESIZE];
  };

  CKB_VM_DETAIL_NOINLINE std::uint8_t* allocate_page(std::uint64_t page) noexcept {
    PageBuffer* buffer;
    if (pool_used_ < pool_size_) {
      buffer = pool_[pool_used_].get();
      std::memset(buffer->bytes, 0, RISCV_PAGESIZE);
    } else {
      buffer = new (std::nothrow) PageBuffer();  // value-initialized: zeros
      if (buffer == nullptr) return nullptr;
      pool_[pool_size_++].reset(buffer);
    }
    page_of_slot_[pool_used_++] = static_cast<std::uint32_t>(page);
    table_[page] = buffer->bytes;
    return buffer->bytes;
  }

  std::unique_ptr<const std::uint8_t*[]> table_;         // page -> bytes (kZeroPage if untouched)
  std::unique_ptr<std::unique_ptr<PageBuffer>[]> pool_;  // every buffer ever allocated
  std::unique_ptr<std::uint32_t[]> page_of_slot_;        // pool slot -> page, for slots < pool_used_
  std::size_t pool_size_ = 0;                             // buffers in pool_
  std::size_t pool_used_ = 0;                             // buffers mapped in table_
};

// Per-page state common to FlatMemory and SparseMemory.
//
// Besides the consensus-visible flag byte per page, two side lists are kept,
// both fed only when a page's FLAG_DIRTY bit goes from clear to set (so the
// store fast path pays one test of a flag byte it has loaded anyway):
//   * the dirty-page log, for snapshots. Invariant: every page whose
//     FLAG_DIRTY bit is set is in the log. A page appears at most once (a
//     per-page "logged" bit deduplicates), so the log never exceeds
//     memory_pages() entries and never reallocates. Entries may be stale
//     (FLAG_DIRTY cleared later with clear_flag); consumers re-check
//     fetch_flag, and clear_dirty_page_log() drops them.
//   * the touched-page list: every page that became dirty since construction
//     or reset(). Every write marks its pages dirty, so this is a superset of
//     the pages holding non-zero bytes; reset() zeroes just those.
class PageBook {
 public:
  Result<std::uint8_t> fetch_flag(std::uint64_t page) const noexcept {
    if (page < pages_) [[likely]]
      return flags_[page];
    return Error(ErrorCode::MemOutOfBound);
  }
  // ORs `flag` into the page's flags.
  Status set_flag(std::uint64_t page, std::uint8_t flag) noexcept {
    if (page >= pages_) [[unlikely]]
      return Error(ErrorCode::MemOutOfBound);
    if ((flag & FLAG_DIRTY) != 0) mark_dirty(page);
    flags_[page] = static_cast<std::uint8_t>(flags_[page] | flag);
    return {};
  }
  // Clears the bits of `flag` in the page's flags.
  Status clear_flag(std::uint64_t page, std::uint8_t flag) noexcept {
    if (page >= pages_) [[unlikely]]
      return Error(ErrorCode::MemOutOfBound);
    flags_[page] = static_cast<std::uint8_t>(flags_[page] & ~flag);
    return {};
  }

  std::uint64_t memory_size() const noexcept { return memory_size_; }
  std::uint64_t memory_pages() const noexcept { return pages_; }

  std::uint64_t lr() const noexcept { return lr_; }
  void set_lr(std::uint64_t value) noexcept { lr_ = value; }

  std::span<const std::uint32_t> dirty_page_log() const noexcept { return {dirty_log_.get(), dirty_count_}; }
  // Drops the stale entries: pages whose FLAG_DIRTY bit is clear leave the
  // log (and are logged again when the bit is next set); pages still dirty
  // stay, in their order, since a snapshot must still find them. Afterwards
  // the log is exactly the dirty pages. O(log length).
  void clear_dirty_page_log() noexcept {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < dirty_count_; ++i) {
      const std::uint32_t page = dirty_log_[i];
      if ((flags_[page] & FLAG_DIRTY) != 0)
        dirty_log_[kept++] = page;
      else
        page_state_[page] &= static_cast<std::uint8_t>(~kLogged);
    }
    dirty_count_ = kept;
  }

 protected:
  static constexpr std::uint8_t kLogged = 1;
  static constexpr std::uint8_t kTouched = 2;

  PageBook() noexcept = default;
  PageBook(PageBook&& o) noexcept { *this = std::move(o); }
  PageBook& operator=(PageBook&& o) noexcept {
    if (this != &o) {
      // The moved-from object is left with zero pages, so every access to it
      // fails with MemOutOfBound instead of touching freed arrays.
      memory_size_ = std::exchange(o.memory_size_, 0);
      pages_ = std::exchange(o.pages_, 0);
      fast_limit_ = std::exchange(o.fast_limit_, 0);
      flags_ = std::move(o.flags_);
      page_state_ = std::move(o.page_state_);
      dirty_log_ = std::move(o.dirty_log_);
      touched_ = std::move(o.touched_);
      dirty_count_ = std::exchange(o.dirty_count_, 0);
      touched_count_ = std::exchange(o.touched_count_, 0);
      lr_ = std::exchange(o.lr_, ~std::uint64_t{0});
    }
    return *this;
  }
  ~PageBook() = default;

  // `memory_size` must already be valid. Returns false if allocation failed.
  bool allocate_book(std::uint64_t memory_size) noexcept {
    const std::uint64_t pages = memory_size >> RISCV_PAGE_SHIFTS;
    flags_ = alloc_array<std::uint8_t>(pages);
    page_state_ = alloc_array<std::uint8_t>(pages);
    dirty_log_ = alloc_array<std::uint32_t>(pages);
    touched_ = alloc_array<std::uint32_t>(pages);
    if (!flags_ || !page_state_ || !dirty_log_ || !touched_) return false;
    memory_size_ = memory_size;
    pages_ = pages;
    fast_limit_ = memory_size > kFastSlack ? memory_size - kFastSlack : 0;
    return true;
  }

  // Flags, logs and lr back to their initial state (touched list included;
  // the caller zeroes the touched pages' contents first).
  void reset_book() noexcept {
    if (pages_ != 0) {
      std::memset(flags_.get(), 0, pages_);
      std::memset(page_state_.get(), 0, pages_);
    }
    dirty_count_ = 0;
    touched_count_ = 0;
    lr_ = ~std::uint64_t{0};
  }

  std::span<const std::uint32_t> touched_pages() const noexcept { return {touched_.get(), touched_count_}; }
  // Whether the page became dirty since construction or reset (only such a
  // page can hold non-zero bytes). Precondition: page < pages_.
  bool touched(std::uint64_t page) const noexcept { return (page_state_[page] & kTouched) != 0; }

  // Precondition for both: page < pages_. `flag` is the page's current flag
  // byte when the caller has it at hand.
  CKB_VM_DETAIL_ALWAYS_INLINE void mark_dirty(std::uint64_t page, std::uint8_t flag) noexcept {
    if ((flag & FLAG_DIRTY) == 0) [[unlikely]]
      became_dirty(page);
  }
  CKB_VM_DETAIL_ALWAYS_INLINE void mark_dirty(std::uint64_t page) noexcept { mark_dirty(page, flags_[page]); }

  CKB_VM_DETAIL_COLD void became_dirty(std::uint64_t page) noexcept {
    flags_[page] = static_cast<std::uint8_t>(flags_[page] | FLAG_DIRTY);
    std::uint8_t& state = page_state_[page];
    if ((state & kLogged) == 0) {
      dirty_log_[dirty_count_++] = static_cast<std::uint32_t>(page);
      state = static_cast<std::uint8_t>(state | kLogged);
    }
    if ((state & kTouched) == 0) {
      touched_[touched_count_++] = static_cast<std::uint32_t>(page);
      state = static_cast<std::uint8_t>(state | kTouched);
    }
  }

  // Engine fast paths (try_load / try_store) take any access starting below
  // fast_limit_: it then ends at least one byte before the end of memory, so
  // VERSION0's "never touch the last byte" rule and every bounds check hold.
  static constexpr std::uint64_t kFastSlack = 8;
  std::uint64_t memory_size_ = 0;
  std::uint64_t pages_ = 0;
  std::uint64_t fast_limit_ = 0;  // memory_size_ - kFastSlack, or 0
  std::unique_ptr<std::uint8_t[]> flags_;
  std::unique_ptr<std::uint8_t[]> page_state_;  // kLogged | kTouched per page
  std::unique_ptr<std::uint32_t[]> dirty_log_;   // capacity pages_
  std::unique_ptr<std::uint32_t[]> touched_;     // capacity pages_
  std::size_t dirty_count_ = 0;
  std::size_t touched_count_ = 0;
  std::uint64_t lr_ = ~std::uint64_t{0};
};

}  // namespace detail
}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
