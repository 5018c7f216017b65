// Guest memory: the `Memory` concept and its three models, behaving like
// ckb-vm 0.24's src/memory/{mod,flat,sparse,wxorx}.rs down to error kinds,
// the order in which checks fire and what a failed operation leaves behind.
//
//   FlatMemory      one contiguous buffer, lazily zeroed by the OS (calloc);
//                   no permission checks.
//   SparseMemory    4 KiB pages allocated on first write (reads of untouched
//                   pages see zeros without allocating); no permission checks.
//   WXorXMemory<M>  wraps any Memory and adds the W^X / freeze rules.
//
// Addresses, sizes and register values are 64-bit (RV64). Nothing here throws
// except constructors and load_bytes (host allocation failure, std::bad_alloc).
//
// Facts reproduced from ckb-vm
// ----------------------------
// * get_page_indices(addr, size): addr + size overflowing, or ending beyond
//   the RISCV_MAX_MEMORY *constant* (not the instance's memory_size) ->
//   MemOutOfBound. Pages at or beyond memory_pages() are then rejected by
//   fetch_flag / set_flag (MemOutOfBound) as they are visited in order.
// * check_permission visits every page of a range in ascending order; the first
//   failing page decides: MemOutOfBound if it is out of range, else
//   MemWriteOnExecutablePage if its FLAG_EXECUTABLE bit differs from the
//   requested one. Stores request "writable" (bit clear) and instruction
//   fetches request "executable" (bit set), so fetching from a non-executable
//   page is also reported as MemWriteOnExecutablePage.
// * Every store sets FLAG_DIRTY on each page it writes, including the stores
//   init_pages performs. Nothing in the memory layer clears it; in ckb-vm
//   program pages therefore stay dirty after loading (only Snapshot2Context's
//   track_pages / mark_program clears the bit, for pages whose whole content
//   comes from a DataSource; that belongs to the snapshot layer).
// * Zero-length store_bytes / store_byte succeed without any check; a
//   zero-length load_bytes returns an empty buffer without any check.
// * FlatMemory loads: addr + width overflowing or exceeding memory_size ->
//   MemOutOfBound. Flat stores: get_page_indices, then pages are marked dirty
//   one by one (a page beyond memory_pages() -> MemOutOfBound, leaving the
//   earlier pages of the range dirty), then the bytes are written.
// * SparseMemory works page by page: a load fails if either page it touches is
//   out of range; a store writes (and dirties) the in-range leading pages
//   before failing on the first out-of-range page. So a bare Sparse store
//   straddling the end of memory is partially applied, while a bare Flat one
//   only dirties pages. (Through WXorXMemory both fail before any effect,
//   because the permission check visits every page first.)
// * init_pages of the bare models ignores `flags` and performs no checks; it
//   only fills the range: offset_from_addr zero bytes, then as much of
//   `source` as fits, then zeros up to `size`.
// * WXorXMemory::init_pages: addr or size not page aligned ->
//   MemPageUnalignedAccess; addr, size or addr + size beyond memory_size, or
//   offset_from_addr > size -> MemOutOfBound; then per page in ascending
//   order: FLAG_FREEZED set -> MemWriteOnFreezedPage, else OR `flags` in (so
//   pages before a freezed one keep their new flags, and previously set bits
//   are never removed); finally the inner memory fills the range.
// * The load reservation address starts at UINT64_MAX; the memory only stores
//   it.
//
// Differences from ckb-vm, none visible in results or error kinds:
// * Invalid sizes never abort. `create(size)` reports size > RISCV_MAX_MEMORY
//   as MemOutOfBound and a size that is not a page multiple as
//   MemPageUnalignedAccess (checked in that order). The constructors clamp to
//   RISCV_MAX_MEMORY and round down to a page multiple.
// * SparseMemory does not allocate a page on loads.
// * Host out-of-memory while allocating a SparseMemory page is returned as
//   ErrorCode::Unexpected instead of aborting.
// * Memory errors carry the faulting access address in Error::address.
//
// Dirty-page log
// --------------
// Each model records the pages whose FLAG_DIRTY bit went from clear to set
// (by a store or by set_flag) since construction, reset() or the last
// clear_dirty_page_log(), each page at most once, in first-dirtied order. A
// snapshot can thus visit only dirty pages. Entries may be stale (the bit
// cleared afterwards with clear_flag), so consumers re-check fetch_flag.
// Clearing the log does not clear any flag: a page that stays dirty across
// clear_dirty_page_log() is not logged again until its bit is cleared and set
// anew.
#pragma once

#include "detail/config.hpp"

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "constants.hpp"
#include "detail/memory_support.hpp"
#include "error.hpp"

namespace ckb_vm {
inline namespace CKB_VM_NAMESPACE {

template <class M>
concept Memory = requires(M& m, const M& cm, std::uint64_t a, std::uint8_t f, std::span<const std::uint8_t> src,
                          std::span<std::uint8_t> dst) {
  // init_pages(addr, size, flags, source (may be empty), offset_from_addr)
  { m.init_pages(a, a, f, src, a) } -> std::same_as<Status>;
  { m.fetch_flag(a) } -> std::same_as<Result<std::uint8_t>>;  // by page index
  { m.set_flag(a, f) } -> std::same_as<Status>;                // ORs bits in
  { m.clear_flag(a, f) } -> std::same_as<Status>;              // clears bits
  { cm.memory_size() } -> std::same_as<std::uint64_t>;
  { cm.memory_pages() } -> std::same_as<std::uint64_t>;
  { m.store_byte(a, a, f) } -> std::same_as<Status>;  // memset(addr, value, size)
  { m.store_bytes(a, src) } -> std::same_as<Status>;
  { m.load_bytes(a, a) } -> std::same_as<Result<std::vector<std::uint8_t>>>;
  { m.load_bytes_into(a, dst) } -> std::same_as<Status>;  // load_bytes(addr, dst.size()) into dst
  { m.execute_load16(a) } -> std::same_as<Result<std::uint16_t>>;
  { m.execute_load32(a) } -> std::same_as<Result<std::uint32_t>>;
  { m.load8(a) } -> std::same_as<Result<std::uint64_t>>;  // zero-extended
  { m.load16(a) } -> std::same_as<Result<std::uint64_t>>;
  { m.load32(a) } -> std::same_as<Result<std::uint64_t>>;
  { m.load64(a) } -> std::same_as<Result<std::uint64_t>>;
  { m.store8(a, a) } -> std::same_as<Status>;  // low bits of the value are stored
  { m.store16(a, a) } -> std::same_as<Status>;
  { m.store32(a, a) } -> std::same_as<Status>;
  { m.store64(a, a) } -> std::same_as<Status>;
  { cm.lr() } -> std::same_as<std::uint64_t>;
  { m.set_lr(a) };
  { cm.dirty_page_log() } -> std::same_as<std::span<const std::uint32_t>>;
  { m.clear_dirty_page_log() };
};

// Inclusive range of page indices covered by an access.
struct PageIndices {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  friend constexpr bool operator==(const PageIndices&, const PageIndices&) = default;
};

namespace detail {

// ckb-vm's get_page_indices without the Result wrapper. `size` must be > 0.
CKB_VM_DETAIL_ALWAYS_INLINE bool page_indices(std::uint64_t addr, std::uint64_t size, PageIndices& out) noexcept {
  const std::uint64_t end = addr + size;
  if (end < addr || end > RISCV_MAX_MEMORY) return false;
  out = {addr >> RISCV_PAGE_SHIFTS, (end - 1) >> RISCV_PAGE_SHIFTS};
  return true;
}

template <class M>
Status check_permission_at(M& memory, PageIndices pages, std::uint8_t flag, std::uint64_t addr) {
  for (std::uint64_t page = pages.first; page <= pages.last; ++page) {
    const Result<std::uint8_t> page_flag = memory.fetch_flag(page);
    if (!page_flag.ok()) [[unlikely]]
      return Error::at_address(page_flag.error().code, addr);
    if (((*page_flag ^ flag) & FLAG_WXORX_BIT) != 0) [[unlikely]]
      return Error::at_address(ErrorCode::MemWriteOnExecutablePage, addr);
  }
  return {};
}

template <class M>
Status fill_page_data(M& memory, std::uint64_t addr, std::uint64_t size, std::span<const std::uint8_t> source,
                      std::uint64_t offset_from_addr) {
  std::uint64_t written = 0;
  if (offset_from_addr > 0) {
    written = std::min(size, offset_from_addr);
    CKB_VM_TRY(memory.store_byte(addr, written, 0));
  }
  const std::uint64_t copied = std::min<std::uint64_t>(size - written, source.size());
  if (copied > 0) {
    CKB_VM_TRY(memory.store_bytes(addr + written, source.first(static_cast<std::size_t>(copied))));
    written += copied;
  }
  if (written < size) CKB_VM_TRY(memory.store_byte(addr + written, size - written, 0));
  return {};
}

// Little-endian bytes of the low `width` bytes of `value`.
struct ValueBytes {
  std::uint8_t bytes[8];
  explicit ValueBytes(std::uint64_t value) noexcept {
    for (std::size_t i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
};

// Models with raw page access that WXorXMemory can use for its fast paths.
template <class M>
inline constexpr bool is_paged_model_v = false;

}  // namespace detail

// Pages covered by [addr, addr + size); `size` must be non-zero.
// MemOutOfBound if the range overflows or ends beyond RISCV_MAX_MEMORY.
inline Result<PageIndices> get_page_indices(std::uint64_t addr, std::uint64_t size) noexcept {
  PageIndices out;
  if (!detail::page_indices(addr, size, out)) return Error::at_address(ErrorCode::MemOutOfBound, addr);
  return out;
}

// Checks that every page in `pages` has the W^X bit of `flag`: FLAG_WRITABLE
// for writes, FLAG_EXECUTABLE for instruction fetches.
template <Memory M>
Status check_permission(M& memory, PageIndices pages, std::uint8_t flag) {
  return detail::check_permission_at(memory, pages, flag, pages.first << RISCV_PAGE_SHIFTS);
}

// Writes offset_from_addr zeros at addr, then the part of `source` that fits
// in `size`, then zeros up to addr + size, using the memory's own stores.
template <Memory M>
Status fill_page_data(M& memory, std::uint64_t addr, std::uint64_t size, std::span<const std::uint8_t> source,
                      std::uint64_t offset_from_addr) {
  return detail::fill_page_data(memory, addr, size, source, offset_from_addr);
}

template <Memory M>
class WXorXMemory;

// ---------------------------------------------------------------------------
// FlatMemory: one contiguous, lazily zeroed buffer of memory_size bytes.
class FlatMemory : public detail::PageBook {
 public:
  // RISCV_MAX_MEMORY bytes.
  FlatMemory() : FlatMemory(RISCV_MAX_MEMORY) {}
  // `memory_size` is clamped to RISCV_MAX_MEMORY and rounded down to a page
  // multiple (use create() to reject invalid sizes instead). Throws
  // std::bad_alloc if the host cannot allocate.
  explicit FlatMemory(std::uint64_t memory_size) {
    if (!allocate(detail::normalize_memory_size(memory_size))) detail::throw_bad_alloc();
  }
  // MemOutOfBound if memory_size > RISCV_MAX_MEMORY, MemPageUnalignedAccess if
  // it is not a page multiple, Unexpected if the host cannot allocate.
  static Result<FlatMemory> create(std::uint64_t memory_size) noexcept {
    CKB_VM_TRY(detail::validate_memory_size(memory_size));
    FlatMemory memory{Unallocated{}};
    if (!memory.allocate(memory_size)) return detail::host_out_of_memory();
    return Result<FlatMemory>(std::move(memory));
  }

  FlatMemory(FlatMemory&&) noexcept = default;
  FlatMemory& operator=(FlatMemory&&) noexcept = default;
  FlatMemory(const FlatMemory&) = delete;
  FlatMemory& operator=(const FlatMemory&) = delete;
  ~FlatMemory() = default;

  // Fills the range like ckb-vm's fill_page_data; `flags` is ignored and no
  // checks are made beyond those of the stores.
  Status init_pages(std::uint64_t addr, std::uint64_t size, std::uint8_t /*flags*/,
                    std::span<const std::uint8_t> source, std::uint64_t offset_from_addr) {
    return detail::fill_page_data(*this, addr, size, source, offset_from_addr);
  }

  Result<std::uint64_t> load8(std::uint64_t addr) const noexcept { return load_as<std::uint8_t, std::uint64_t>(addr); }
  Result<std::uint64_t> load16(std::uint64_t addr) const noexcept { return load_as<std::uint16_t, std::uint64_t>(addr); }
  Result<std::uint64_t> load32(std::uint64_t addr) const noexcept { return load_as<std::uint32_t, std::uint64_t>(addr); }
  Result<std::uint64_t> load64(std::uint64_t addr) const noexcept { return load_as<std::uint64_t, std::uint64_t>(addr); }
  Result<std::uint16_t> execute_load16(std::uint64_t addr) const noexcept { return load_as<std::uint16_t, std::uint16_t>(addr); }
  Result<std::uint32_t> execute_load32(std::uint64_t addr) const noexcept { return load_as<std::uint32_t, std::uint32_t>(addr); }

  Status store8(std::uint64_t addr, std::uint64_t value) noexcept { return store_as<std::uint8_t>(addr, value); }
  Status store16(std::uint64_t addr, std::uint64_t value) noexcept { return store_as<std::uint16_t>(addr, value); }
  Status store32(std::uint64_t addr, std::uint64_t value) noexcept { return store_as<std::uint32_t>(addr, value); }
  Status store64(std::uint64_t addr, std::uint64_t value) noexcept { return store_as<std::uint64_t>(addr, value); }

  Status store_bytes(std::uint64_t addr, std::span<const std::uint8_t> source) noexcept {
    if (source.empty()) return {};
    return write_range(addr, source.data(), source.size(), 0);
  }
  Status store_byte(std::uint64_t addr, std::uint64_t size, std::uint8_t value) noexcept {
    if (size == 0) return {};
    return write_range(addr, nullptr, size, value);
  }

  Result<std::vector<std::uint8_t>> load_bytes(std::uint64_t addr, std::uint64_t size) const {
    if (size == 0) return std::vector<std::uint8_t>{};
    if (!in_bounds(addr, size)) return detail::out_of_bound(addr);
    const std::uint8_t* p = data_.get() + addr;
    return std::vector<std::uint8_t>(p, p + size);
  }
  Status load_bytes_into(std::uint64_t addr, std::span<std::uint8_t> out) const noexcept {
    if (out.empty()) return {};
    if (!in_bounds(addr, out.size())) return detail::out_of_bound(addr);
    std::memcpy(out.data(), data_.get() + addr, out.size());
    return {};
  }

  // Engine fast paths (used by the interpreter, not part of the Memory
  // concept). try_load reads sizeof(T) bytes zero-extended into `out` and
  // try_store writes the low sizeof(T) bytes of `value`; both return true when
  // the access was done, and false, having done nothing, when the access needs
  // the checked path (loadN / storeN), which then gives the exact result or
  // error. A store is only fast on a page that is already dirty.
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_load(std::uint64_t addr, std::uint64_t& out) const noexcept {
    if (addr >= fast_limit_) [[unlikely]]
      return false;
    out = detail::load_le<T>(data_.get() + addr);
    return true;
  }
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_store(std::uint64_t addr, std::uint64_t value) noexcept {
    return try_store_if<T, 0>(addr, value);
  }

  // Zeroes the contents (only the pages written since construction or the last
  // reset, unless data()/flags() handed out a mutable pointer since, in which
  // case everything), clears every flag and the dirty log, and sets lr back to
  // UINT64_MAX.
  void reset() noexcept {
    if (raw_exposed_) {
      if (memory_size_ != 0) std::memset(data_.get(), 0, memory_size_);
      raw_exposed_ = false;
    } else {
      for (const std::uint32_t page : touched_pages())
        std::memset(data_.get() + (std::uint64_t{page} << RISCV_PAGE_SHIFTS), 0, RISCV_PAGESIZE);
    }
    reset_book();
  }

  // Raw access for the engine: memory_size() bytes of guest memory and
  // memory_pages() flag bytes. Writes through these pointers bypass dirty
  // tracking (call set_flag(page, FLAG_DIRTY) to record them); reset() then
  // clears the whole buffer since it cannot know what was written.
  std::uint8_t* data() noexcept {
    raw_exposed_ = true;
    return data_.get();
  }
  const std::uint8_t* data() const noexcept { return data_.get(); }
  std::uint8_t* flags() noexcept {
    raw_exposed_ = true;
    return flags_.get();
  }
  const std::uint8_t* flags() const noexcept { return flags_.get(); }
  // The RISCV_PAGESIZE bytes of a page. Precondition: page < memory_pages().
  const std::uint8_t* page_data(std::uint64_t page) const noexcept { return readable_page(page); }

 private:
  template <Memory>
  friend class WXorXMemory;

  struct Unallocated {};

  explicit FlatMemory(Unallocated) noexcept {}

  bool allocate(std::uint64_t memory_size) noexcept {
    // Fresh zero pages from the OS: nothing is touched here.
    return data_.allocate(memory_size) && allocate_book(memory_size);
  }

  // [addr, addr + n) lies inside memory; n > 0.
  CKB_VM_DETAIL_ALWAYS_INLINE bool in_bounds(std::uint64_t addr, std::uint64_t n) const noexcept {
    return addr < memory_size_ && memory_size_ - addr >= n;
  }

  template <class T, class R>
  CKB_VM_DETAIL_ALWAYS_INLINE Result<R> load_as(std::uint64_t addr) const noexcept {
    if (in_bounds(addr, sizeof(T))) [[likely]]
      return static_cast<R>(detail::load_le<T>(data_.get() + addr));
    return detail::out_of_bound(addr);
  }

  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE Status store_as(std::uint64_t addr, std::uint64_t value) noexcept {
    const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    const std::uint64_t offset = addr & detail::kPageMask;
    if (offset <= RISCV_PAGESIZE - sizeof(T) && page < pages_) [[likely]]
      return store_in_page<T>(page, offset, static_cast<T>(value), flags_[page]);
    return store_slow(addr, value, sizeof(T));
  }

  // Fast store when the access lies in one page below fast_limit_ whose flags
  // have FLAG_DIRTY and none of the `forbidden` bits.
  template <class T, std::uint8_t forbidden>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_store_if(std::uint64_t addr, std::uint64_t value) noexcept {
    if (addr >= fast_limit_ || (addr & detail::kPageMask) > RISCV_PAGESIZE - sizeof(T)) [[unlikely]]
      return false;
    if ((flags_[addr >> RISCV_PAGE_SHIFTS] & (FLAG_DIRTY | forbidden)) != FLAG_DIRTY) [[unlikely]]
      return false;
    detail::store_le<T>(data_.get() + addr, static_cast<T>(value));
    return true;
  }

  // --- hooks for WXorXMemory (preconditions: page < pages_, the access fits
  // in the page, `flag` == flags_[page]) ---
  const std::uint8_t* readable_page(std::uint64_t page) const noexcept {
    return data_.get() + (page << RISCV_PAGE_SHIFTS);
  }
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE Status store_in_page(std::uint64_t page, std::uint64_t offset, T value,
                                                   std::uint8_t flag) noexcept {
    mark_dirty(page, flag);
    detail::store_le<T>(data_.get() + (page << RISCV_PAGE_SHIFTS) + offset, value);
    return {};
  }

  CKB_VM_DETAIL_NOINLINE Status store_slow(std::uint64_t addr, std::uint64_t value, std::size_t width) noexcept {
    const detail::ValueBytes v(value);
    return write_range(addr, v.bytes, width, 0);
  }

  // ckb-vm's flat store: page range check against RISCV_MAX_MEMORY, dirty
  // pages in order (failing on the first one out of range), then write.
  // Copies from `source`, or fills with `fill` when source is null. size > 0.
  CKB_VM_DETAIL_NOINLINE Status write_range(std::uint64_t addr, const std::uint8_t* source, std::uint64_t size,
                                            std::uint8_t fill) noexcept {
    PageIndices pages;
    if (!detail::page_indices(addr, size, pages)) [[unlikely]]
      return detail::out_of_bound(addr);
    for (std::uint64_t page = pages.first; page <= pages.last; ++page) {
      if (page >= pages_) [[unlikely]]
        return detail::out_of_bound(addr);
      mark_dirty(page);
    }
    if (source != nullptr)
      std::memcpy(data_.get() + addr, source, size);
    else
      std::memset(data_.get() + addr, fill, size);
    return {};
  }

  detail::ZeroedBuffer data_;
  bool raw_exposed_ = false;
};

// ---------------------------------------------------------------------------
// SparseMemory: pages allocated on first write.
class SparseMemory : public detail::PageBook {
 public:
  SparseMemory() : SparseMemory(RISCV_MAX_MEMORY) {}
  // `memory_size` is clamped to RISCV_MAX_MEMORY and rounded down to a page
  // multiple (use create() to reject invalid sizes instead). Throws
  // std::bad_alloc if the host cannot allocate.
  explicit SparseMemory(std::uint64_t memory_size) {
    if (!allocate(detail::normalize_memory_size(memory_size))) detail::throw_bad_alloc();
  }
  // MemOutOfBound if memory_size > RISCV_MAX_MEMORY, MemPageUnalignedAccess if
  // it is not a page multiple, Unexpected if the host cannot allocate.
  static Result<SparseMemory> create(std::uint64_t memory_size) noexcept {
    CKB_VM_TRY(detail::validate_memory_size(memory_size));
    SparseMemory memory{Unallocated{}};
    if (!memory.allocate(memory_size)) return detail::host_out_of_memory();
    return Result<SparseMemory>(std::move(memory));
  }

  SparseMemory(SparseMemory&& o) noexcept : detail::PageBook(std::move(o)) { take(o); }
  SparseMemory& operator=(SparseMemory&& o) noexcept {
    if (this != &o) {
      detail::PageBook::operator=(std::move(o));
      take(o);
    }
    return *this;
  }
  SparseMemory(const SparseMemory&) = delete;
  SparseMemory& operator=(const SparseMemory&) = delete;
  ~SparseMemory() = default;

  // Fills the range like ckb-vm's fill_page_data; `flags` is ignored and no
  // checks are made beyond those of the stores.
  Status init_pages(std::uint64_t addr, std::uint64_t size, std::uint8_t /*flags*/,
                    std::span<const std::uint8_t> source, std::uint64_t offset_from_addr) {
    return detail::fill_page_data(*this, addr, size, source, offset_from_addr);
  }

  Result<std::uint64_t> load8(std::uint64_t addr) const noexcept { return load_as<std::uint8_t, std::uint64_t>(addr); }
  Result<std::uint64_t> load16(std::uint64_t addr) const noexcept { return load_as<std::uint16_t, std::uint64_t>(addr); }
  Result<std::uint64_t> load32(std::uint64_t addr) const noexcept { return load_as<std::uint32_t, std::uint64_t>(addr); }
  Result<std::uint64_t> load64(std::uint64_t addr) const noexcept { return load_as<std::uint64_t, std::uint64_t>(addr); }
  Result<std::uint16_t> execute_load16(std::uint64_t addr) const noexcept { return load_as<std::uint16_t, std::uint16_t>(addr); }
  Result<std::uint32_t> execute_load32(std::uint64_t addr) const noexcept { return load_as<std::uint32_t, std::uint32_t>(addr); }

  Status store8(std::uint64_t addr, std::uint64_t value) noexcept { return store_as<std::uint8_t>(addr, value); }
  Status store16(std::uint64_t addr, std::uint64_t value) noexcept { return store_as<std::uint16_t>(addr, value); }
  Status store32(std::uint64_t addr, std::uint64_t value) noexcept { return store_as<std::uint32_t>(addr, value); }
  Status store64(std::uint64_t addr, std::uint64_t value) noexcept { return store_as<std::uint64_t>(addr, value); }

  Status store_bytes(std::uint64_t addr, std::span<const std::uint8_t> source) noexcept {
    return write_pages(addr, source.data(), source.size(), 0);
  }
  Status store_byte(std::uint64_t addr, std::uint64_t size, std::uint8_t value) noexcept {
    return write_pages(addr, nullptr, size, value);
  }

  Result<std::vector<std::uint8_t>> load_bytes(std::uint64_t addr, std::uint64_t size) const {
    if (size == 0) return std::vector<std::uint8_t>{};
    if (!in_bounds(addr, size)) return detail::out_of_bound(addr);
    std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
    copy_out(addr, out.data(), size);
    return out;
  }
  Status load_bytes_into(std::uint64_t addr, std::span<std::uint8_t> out) const noexcept {
    if (out.empty()) return {};
    if (!in_bounds(addr, out.size())) return detail::out_of_bound(addr);
    copy_out(addr, out.data(), out.size());
    return {};
  }

  // Engine fast paths, as FlatMemory's: true when done, false when nothing
  // happened and loadN / storeN must run. Stores are fast on allocated dirty
  // pages only.
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_load(std::uint64_t addr, std::uint64_t& out) const noexcept {
    if (addr >= fast_limit_ || (addr & detail::kPageMask) > RISCV_PAGESIZE - sizeof(T)) [[unlikely]]
      return false;
    out = detail::load_le<T>(table_[addr >> RISCV_PAGE_SHIFTS] + (addr & detail::kPageMask));
    return true;
  }
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_store(std::uint64_t addr, std::uint64_t value) noexcept {
    return try_store_if<T, 0>(addr, value);
  }

  // Zeroes the contents (the allocated pages are kept for reuse and zeroed when
  // reused), clears every flag and the dirty log, and sets lr back to
  // UINT64_MAX. Cost proportional to the number of allocated pages.
  void reset() noexcept {
    for (std::size_t i = 0; i < pool_used_; ++i) table_[page_of_slot_[i]] = detail::kZeroPage;
    pool_used_ = 0;
    reset_book();
  }

  // Pages currently backed by host memory (written since construction/reset).
  std::size_t allocated_pages() const noexcept { return pool_used_; }
  // The RISCV_PAGESIZE bytes of a page (a shared zero page if never written).
  // Precondition: page < memory_pages().
  const std::uint8_t* page_data(std::uint64_t page) const noexcept { return readable_page(page); }

 private:
  template <Memory>
  friend class WXorXMemory;

  struct Unallocated {};
  struct alignas(64) PageBuffer {
    std::uint8_t bytes[RISCV_PAGESIZE];
  };

  explicit SparseMemory(Unallocated) noexcept {}

  bool allocate(std::uint64_t memory_size) noexcept {
    const std::uint64_t pages = memory_size >> RISCV_PAGE_SHIFTS;
    table_ = detail::alloc_array<const std::uint8_t*>(pages);
    pool_ = detail::alloc_array<std::unique_ptr<PageBuffer>>(pages);
    page_of_slot_ = detail::alloc_array<std::uint32_t>(pages);
    if (!table_ || !pool_ || !page_of_slot_) return false;
    std::fill_n(table_.get(), pages, detail::kZeroPage);
    return allocate_book(memory_size);
  }

  void take(SparseMemory& o) noexcept {
    table_ = std::move(o.table_);
    pool_ = std::move(o.pool_);
    page_of_slot_ = std::move(o.page_of_slot_);
    pool_size_ = std::exchange(o.pool_size_, 0);
    pool_used_ = std::exchange(o.pool_used_, 0);
  }

  CKB_VM_DETAIL_ALWAYS_INLINE bool in_bounds(std::uint64_t addr, std::uint64_t n) const noexcept {
    return addr < memory_size_ && memory_size_ - addr >= n;
  }

  template <class T, class R>
  CKB_VM_DETAIL_ALWAYS_INLINE Result<R> load_as(std::uint64_t addr) const noexcept {
    const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    const std::uint64_t offset = addr & detail::kPageMask;
    if (offset <= RISCV_PAGESIZE - sizeof(T) && page < pages_) [[likely]]
      return static_cast<R>(detail::load_le<T>(table_[page] + offset));
    const Result<std::uint64_t> r = load_slow(addr, sizeof(T));
    if (!r.ok()) return r.error();
    return static_cast<R>(*r);
  }

  // ckb-vm's sparse load: the first page, then (if the access straddles) the
  // second, each rejected if out of range.
  CKB_VM_DETAIL_NOINLINE Result<std::uint64_t> load_slow(std::uint64_t addr, std::size_t width) const noexcept {
    const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    const std::uint64_t offset = addr & detail::kPageMask;
    if (page >= pages_) return detail::out_of_bound(addr);
    const std::size_t in_first = static_cast<std::size_t>(std::min<std::uint64_t>(width, RISCV_PAGESIZE - offset));
    if (in_first < width && page + 1 >= pages_) return detail::out_of_bound(addr);
    std::uint8_t bytes[8] = {};
    std::memcpy(bytes, table_[page] + offset, in_first);
    if (in_first < width) std::memcpy(bytes + in_first, table_[page + 1], width - in_first);
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value |= std::uint64_t{bytes[i]} << (8 * i);
    return value;
  }

  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE Status store_as(std::uint64_t addr, std::uint64_t value) noexcept {
    const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    const std::uint64_t offset = addr & detail::kPageMask;
    if (offset <= RISCV_PAGESIZE - sizeof(T) && page < pages_) [[likely]]
      return store_in_page<T>(page, offset, static_cast<T>(value), flags_[page]);
    return store_slow(addr, value, sizeof(T));
  }

  CKB_VM_DETAIL_NOINLINE Status store_slow(std::uint64_t addr, std::uint64_t value, std::size_t width) noexcept {
    const detail::ValueBytes v(value);
    return write_pages(addr, v.bytes, width, 0);
  }

  template <class T, std::uint8_t forbidden>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_store_if(std::uint64_t addr, std::uint64_t value) noexcept {
    if (addr >= fast_limit_ || (addr & detail::kPageMask) > RISCV_PAGESIZE - sizeof(T)) [[unlikely]]
      return false;
    const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    const std::uint8_t* p = table_[page];
    if ((flags_[page] & (FLAG_DIRTY | forbidden)) != FLAG_DIRTY || p == detail::kZeroPage) [[unlikely]]
      return false;
    // Every entry other than kZeroPage points into a (non-const) PageBuffer.
    detail::store_le<T>(const_cast<std::uint8_t*>(p) + (addr & detail::kPageMask), static_cast<T>(value));
    return true;
  }

  // --- hooks for WXorXMemory (preconditions: page < pages_, the access fits
  // in the page, `flag` == flags_[page]) ---
  const std::uint8_t* readable_page(std::uint64_t page) const noexcept { return table_[page]; }
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE Status store_in_page(std::uint64_t page, std::uint64_t offset, T value,
                                                   std::uint8_t flag) noexcept {
    std::uint8_t* p = writable_page(page);
    if (p == nullptr) [[unlikely]]
      return detail::host_out_of_memory();
    detail::store_le<T>(p + offset, value);
    mark_dirty(page, flag);
    return {};
  }

  // Precondition: page < pages_. Null only if the host is out of memory.
  CKB_VM_DETAIL_ALWAYS_INLINE std::uint8_t* writable_page(std::uint64_t page) noexcept {
    const std::uint8_t* p = table_[page];
    if (p == detail::kZeroPage) [[unlikely]]
      return allocate_page(page);
    // Every entry other than kZeroPage points into a (non-const) PageBuffer.
    return const_cast<std::uint8_t*>(p);
  }

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

  // ckb-vm's sparse store_bytes / store_byte: page by page, each page checked,
  // written and marked dirty before moving on (so a store running off the end
  // of memory keeps its in-range part). Copies from `source`, or fills with
  // `fill` when source is null. size == 0 succeeds without checks.
  CKB_VM_DETAIL_NOINLINE Status write_pages(std::uint64_t addr, const std::uint8_t* source, std::uint64_t size,
                                            std::uint8_t fill) noexcept {
    std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    std::uint64_t offset = addr & detail::kPageMask;
    while (size > 0) {
      if (page >= pages_) [[unlikely]]
        return detail::out_of_bound(addr);
      std::uint8_t* p = writable_page(page);
      if (p == nullptr) [[unlikely]]
        return detail::host_out_of_memory();
      const std::uint64_t n = std::min(RISCV_PAGESIZE - offset, size);
      if (source != nullptr) {
        std::memcpy(p + offset, source, n);
        source += n;
      } else {
        std::memset(p + offset, fill, n);
      }
      mark_dirty(page);
      size -= n;
      ++page;
      offset = 0;
    }
    return {};
  }

  // Precondition: [addr, addr + size) inside memory.
  void copy_out(std::uint64_t addr, std::uint8_t* out, std::uint64_t size) const noexcept {
    std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    std::uint64_t offset = addr & detail::kPageMask;
    while (size > 0) {
      const std::uint64_t n = std::min(RISCV_PAGESIZE - offset, size);
      std::memcpy(out, table_[page] + offset, n);
      out += n;
      size -= n;
      ++page;
      offset = 0;
    }
  }

  std::unique_ptr<const std::uint8_t*[]> table_;            // page -> bytes (kZeroPage if untouched)
  std::unique_ptr<std::unique_ptr<PageBuffer>[]> pool_;     // every buffer ever allocated
  std::unique_ptr<std::uint32_t[]> page_of_slot_;           // pool slot -> page, for slots < pool_used_
  std::size_t pool_size_ = 0;                                // buffers in pool_
  std::size_t pool_used_ = 0;                                // buffers mapped in table_
};

namespace detail {
template <>
inline constexpr bool is_paged_model_v<FlatMemory> = true;
template <>
inline constexpr bool is_paged_model_v<SparseMemory> = true;
}  // namespace detail

// ---------------------------------------------------------------------------
// WXorXMemory<M>: W^X and freeze enforcement on top of any Memory.
template <Memory M>
class WXorXMemory {
 public:
  using inner_type = M;

  WXorXMemory() = default;
  explicit WXorXMemory(std::uint64_t memory_size)
    requires std::constructible_from<M, std::uint64_t>
      : inner_(memory_size) {}
  explicit WXorXMemory(M inner) noexcept(std::is_nothrow_move_constructible_v<M>) : inner_(std::move(inner)) {}

  // Same errors as M::create.
  static Result<WXorXMemory> create(std::uint64_t memory_size)
    requires requires(std::uint64_t s) {
      { M::create(s) } -> std::same_as<Result<M>>;
    }
  {
    Result<M> inner = M::create(memory_size);
    if (!inner.ok()) return inner.error();
    return Result<WXorXMemory>(WXorXMemory(std::move(inner).value()));
  }

  M& inner() noexcept { return inner_; }
  const M& inner() const noexcept { return inner_; }

  Status init_pages(std::uint64_t addr, std::uint64_t size, std::uint8_t flags, std::span<const std::uint8_t> source,
                    std::uint64_t offset_from_addr) {
    if (round_page_down(addr) != addr || round_page_up(size) != size)
      return Error::at_address(ErrorCode::MemPageUnalignedAccess, addr);
    const std::uint64_t limit = inner_.memory_size();
    if (addr > limit || size > limit || addr + size > limit || offset_from_addr > size)
      return Error::at_address(ErrorCode::MemOutOfBound, addr);
    for (std::uint64_t page_addr = addr; page_addr < addr + size; page_addr += RISCV_PAGESIZE) {
      const std::uint64_t page = page_addr >> RISCV_PAGE_SHIFTS;
      const Result<std::uint8_t> flag = inner_.fetch_flag(page);
      if (!flag.ok()) return flag.error();
      if ((*flag & FLAG_FREEZED) != 0) return Error::at_address(ErrorCode::MemWriteOnFreezedPage, page_addr);
      CKB_VM_TRY(inner_.set_flag(page, flags));
    }
    return inner_.init_pages(addr, size, flags, source, offset_from_addr);
  }

  Result<std::uint8_t> fetch_flag(std::uint64_t page) { return inner_.fetch_flag(page); }
  Status set_flag(std::uint64_t page, std::uint8_t flag) { return inner_.set_flag(page, flag); }
  Status clear_flag(std::uint64_t page, std::uint8_t flag) { return inner_.clear_flag(page, flag); }
  std::uint64_t memory_size() const { return inner_.memory_size(); }
  std::uint64_t memory_pages() const { return inner_.memory_pages(); }

  Result<std::uint16_t> execute_load16(std::uint64_t addr) { return fetch_as<std::uint16_t>(addr); }
  Result<std::uint32_t> execute_load32(std::uint64_t addr) { return fetch_as<std::uint32_t>(addr); }

  Result<std::uint64_t> load8(std::uint64_t addr) { return inner_.load8(addr); }
  Result<std::uint64_t> load16(std::uint64_t addr) { return inner_.load16(addr); }
  Result<std::uint64_t> load32(std::uint64_t addr) { return inner_.load32(addr); }
  Result<std::uint64_t> load64(std::uint64_t addr) { return inner_.load64(addr); }

  Status store8(std::uint64_t addr, std::uint64_t value) { return store_as<std::uint8_t>(addr, value); }
  Status store16(std::uint64_t addr, std::uint64_t value) { return store_as<std::uint16_t>(addr, value); }
  Status store32(std::uint64_t addr, std::uint64_t value) { return store_as<std::uint32_t>(addr, value); }
  Status store64(std::uint64_t addr, std::uint64_t value) { return store_as<std::uint64_t>(addr, value); }

  Status store_bytes(std::uint64_t addr, std::span<const std::uint8_t> source) {
    if (source.empty()) return {};
    CKB_VM_TRY(require(addr, source.size(), FLAG_WRITABLE));
    return inner_.store_bytes(addr, source);
  }
  Status store_byte(std::uint64_t addr, std::uint64_t size, std::uint8_t value) {
    if (size == 0) return {};
    CKB_VM_TRY(require(addr, size, FLAG_WRITABLE));
    return inner_.store_byte(addr, size, value);
  }

  Result<std::vector<std::uint8_t>> load_bytes(std::uint64_t addr, std::uint64_t size) {
    return inner_.load_bytes(addr, size);
  }
  Status load_bytes_into(std::uint64_t addr, std::span<std::uint8_t> out) { return inner_.load_bytes_into(addr, out); }

  // Engine fast paths (see FlatMemory::try_load): loads have no W^X check;
  // a fast store also needs a non-executable page. Only paged inner models
  // have them.
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_load(std::uint64_t addr, std::uint64_t& out) const noexcept
    requires detail::is_paged_model_v<M>
  {
    return inner_.template try_load<T>(addr, out);
  }
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_store(std::uint64_t addr, std::uint64_t value) noexcept
    requires detail::is_paged_model_v<M>
  {
    return inner_.template try_store_if<T, FLAG_EXECUTABLE>(addr, value);
  }

  std::uint64_t lr() const { return inner_.lr(); }
  void set_lr(std::uint64_t value) { inner_.set_lr(value); }

  std::span<const std::uint32_t> dirty_page_log() const { return inner_.dirty_page_log(); }
  void clear_dirty_page_log() { inner_.clear_dirty_page_log(); }

  void reset()
    requires requires(M& m) { m.reset(); }
  {
    inner_.reset();
  }

 private:
  static constexpr bool kPaged = detail::is_paged_model_v<M>;

  // get_page_indices + check_permission.
  Status require(std::uint64_t addr, std::uint64_t size, std::uint8_t flag) {
    PageIndices pages;
    if (!detail::page_indices(addr, size, pages)) [[unlikely]]
      return detail::out_of_bound(addr);
    return detail::check_permission_at(inner_, pages, flag, addr);
  }

  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE Status store_as(std::uint64_t addr, std::uint64_t value) {
    if constexpr (kPaged) {
      const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
      const std::uint64_t offset = addr & detail::kPageMask;
      if (offset <= RISCV_PAGESIZE - sizeof(T) && page < inner_.pages_) [[likely]] {
        const std::uint8_t flag = inner_.flags_[page];
        if ((flag & FLAG_EXECUTABLE) == 0) [[likely]]
          return inner_.template store_in_page<T>(page, offset, static_cast<T>(value), flag);
      }
    }
    return store_checked(addr, value, sizeof(T));
  }

  CKB_VM_DETAIL_NOINLINE Status store_checked(std::uint64_t addr, std::uint64_t value, std::size_t width) {
    CKB_VM_TRY(require(addr, width, FLAG_WRITABLE));
    switch (width) {
      case 1: return inner_.store8(addr, value);
      case 2: return inner_.store16(addr, value);
      case 4: return inner_.store32(addr, value);
      default: return inner_.store64(addr, value);
    }
  }

  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE Result<T> fetch_as(std::uint64_t addr) {
    if constexpr (kPaged) {
      const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
      const std::uint64_t offset = addr & detail::kPageMask;
      if (offset <= RISCV_PAGESIZE - sizeof(T) && page < inner_.pages_ &&
          (inner_.flags_[page] & FLAG_EXECUTABLE) != 0) [[likely]]
        return detail::load_le<T>(inner_.readable_page(page) + offset);
    }
    return fetch_checked<T>(addr);
  }

  template <class T>
  CKB_VM_DETAIL_NOINLINE Result<T> fetch_checked(std::uint64_t addr) {
    CKB_VM_TRY(require(addr, sizeof(T), FLAG_EXECUTABLE));
    if constexpr (sizeof(T) == 2)
      return inner_.execute_load16(addr);
    else
      return inner_.execute_load32(addr);
  }

  M inner_;
};

static_assert(Memory<FlatMemory>);
static_assert(Memory<SparseMemory>);
static_assert(Memory<WXorXMemory<FlatMemory>>);
static_assert(Memory<WXorXMemory<SparseMemory>>);

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
