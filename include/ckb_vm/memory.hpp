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
// Structure: FlatMemory and SparseMemory differ only in where page bytes live.
// Both derive from detail::PagedMemory<Storage>, which implements the whole
// interface once over detail::PageBook (flag bytes, dirty-page log, touched
// pages, lr) and a storage policy, detail::FlatPages or detail::SparsePages
// (detail/memory_support.hpp). WXorXMemory<M> reaches M through the Memory
// concept only, plus, for the built-in models, their public single-page hooks
// (page_slot / load_in_page / store_in_page) and engine fast paths.
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
// Not in ckb-vm; an index so snapshots need not visit every page. Each model
// logs a page when its FLAG_DIRTY bit goes from clear to set (by a store or by
// set_flag), each page at most once, in first-dirtied order. Invariant: every
// page whose FLAG_DIRTY bit is set is in the log. Entries may be stale (the
// bit cleared afterwards with clear_flag, as Snapshot2Context::track_pages
// does), so consumers re-check fetch_flag. clear_dirty_page_log() drops the
// stale entries and keeps every page that is still dirty: it never hides a
// page a snapshot has to save. reset() empties the log. The log is optional
// for other Memory models; see MemoryWithDirtyPageLog.
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
};

// The dirty-page log is optional: a Memory may offer it, and snapshots
// (make_snapshot of <ckb_vm/snapshot.hpp> and Snapshot2Context) use it when it
// is there and visit every page's flag otherwise, with the same result.
// Contract of a model that has it:
//   * dirty_page_log() lists, in any order and possibly with duplicates or
//     stale entries, at least every page whose FLAG_DIRTY bit is set now;
//   * clear_dirty_page_log() may drop entries of pages whose FLAG_DIRTY bit is
//     clear, never those of pages still dirty.
// All built-in models have it (see "Dirty-page log" above).
template <class M>
concept MemoryWithDirtyPageLog = Memory<M> && requires(M& m, const M& cm) {
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
  explicit ValueBytes(std::uint64_t value) noexcept { store_le(bytes, value); }
};

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

// ---------------------------------------------------------------------------
// detail::PagedMemory<Storage>: everything FlatMemory and SparseMemory share,
// i.e. the whole Memory interface plus the engine fast paths, written once
// over PageBook (flags, dirty-page log, lr) and a storage policy (where page
// bytes live; see detail/memory_support.hpp). The models below only add
// constructors and their own extras.
namespace detail {

template <class Storage>
class PagedMemory : public PageBook {
 public:
  using storage_type = Storage;

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
    if constexpr (Storage::kContiguous) {
      const std::uint8_t* p = storage_.bytes() + addr;
      return std::vector<std::uint8_t>(p, p + size);
    } else {
      std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
      copy_out(addr, out.data(), size);
      return out;
    }
  }
  Status load_bytes_into(std::uint64_t addr, std::span<std::uint8_t> out) const noexcept {
    if (out.empty()) return {};
    if (!in_bounds(addr, out.size())) return detail::out_of_bound(addr);
    copy_out(addr, out.data(), out.size());
    return {};
  }

  // Engine fast paths (used by the interpreter, not part of the Memory
  // concept). try_load reads sizeof(T) bytes zero-extended into `out` and
  // try_store writes the low sizeof(T) bytes of `value`; both return true when
  // the access was done, and false, having done nothing, when the access needs
  // the checked path (loadN / storeN), which then gives the exact result or
  // error. A store is only fast on a page that is already dirty (and backed),
  // and has none of the `Forbidden` flag bits (WXorXMemory passes
  // FLAG_EXECUTABLE).
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_load(std::uint64_t addr, std::uint64_t& out) const noexcept {
    if constexpr (Storage::kContiguous) {
      if (addr >= fast_limit_) [[unlikely]]
        return false;
      out = detail::load_le<T>(storage_.bytes() + addr);
    } else {
      if (addr >= fast_limit_ || (addr & kPageMask) > RISCV_PAGESIZE - sizeof(T)) [[unlikely]]
        return false;
      out = detail::load_le<T>(storage_.readable_page(addr >> RISCV_PAGE_SHIFTS) + (addr & kPageMask));
    }
    return true;
  }
  template <class T, std::uint8_t Forbidden = 0>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_store(std::uint64_t addr, std::uint64_t value) noexcept {
    if (addr >= fast_limit_ || (addr & kPageMask) > RISCV_PAGESIZE - sizeof(T)) [[unlikely]]
      return false;
    const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    if constexpr (Storage::kContiguous) {
      if ((flags_[page] & (FLAG_DIRTY | Forbidden)) != FLAG_DIRTY) [[unlikely]]
        return false;
      detail::store_le<T>(storage_.bytes() + addr, static_cast<T>(value));
    } else {
      const std::uint8_t* p = storage_.readable_page(page);
      if ((flags_[page] & (FLAG_DIRTY | Forbidden)) != FLAG_DIRTY || p == kZeroPage) [[unlikely]]
        return false;
      // Every page other than kZeroPage is a writable buffer (see the policy).
      detail::store_le<T>(const_cast<std::uint8_t*>(p) + (addr & kPageMask), static_cast<T>(value));
    }
    return true;
  }

  // Single-page access, for models wrapping this one (WXorXMemory): page_slot
  // says whether a sizeof(T) access at `addr` lies inside one in-range page
  // and, if so, fills `slot` with that page's index, the offset and the
  // current flag byte. load_in_page / store_in_page then do the access (the
  // store marks the page dirty; Unexpected only if the host is out of
  // memory). `slot` must come from page_slot<T> with no change since.
  struct PageSlot {
    std::uint64_t page;
    std::uint64_t offset;
    std::uint8_t flag;
  };
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool page_slot(std::uint64_t addr, PageSlot& slot) const noexcept {
    const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    const std::uint64_t offset = addr & kPageMask;
    if (offset > RISCV_PAGESIZE - sizeof(T) || page >= pages_) [[unlikely]]
      return false;
    slot = PageSlot{page, offset, flags_[page]};
    return true;
  }
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE T load_in_page(const PageSlot& slot) const noexcept {
    return detail::load_le<T>(storage_.readable_page(slot.page) + slot.offset);
  }
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE Status store_in_page(const PageSlot& slot, T value) noexcept {
    std::uint8_t* p = storage_.writable_page(slot.page);
    if constexpr (Storage::kMayBeUnbacked) {
      if (p == nullptr) [[unlikely]]
        return detail::host_out_of_memory();
    }
    detail::store_le<T>(p + slot.offset, value);
    mark_dirty(slot.page, slot.flag);
    return {};
  }

  // Zeroes the contents, clears every flag and the dirty log, and sets lr back
  // to UINT64_MAX. Costs time proportional to the pages written since
  // construction or the last reset (see the models for exceptions).
  void reset() noexcept {
    storage_.reset(touched_pages(), memory_size_);
    reset_book();
  }

  // The RISCV_PAGESIZE bytes of a page (SparseMemory: a shared zero page if
  // never written). Precondition: page < memory_pages().
  const std::uint8_t* page_data(std::uint64_t page) const noexcept { return storage_.readable_page(page); }

 protected:
  struct Unallocated {};

  // `memory_size` is clamped to RISCV_MAX_MEMORY and rounded down to a page
  // multiple. Throws std::bad_alloc if the host cannot allocate.
  explicit PagedMemory(std::uint64_t memory_size) {
    if (!allocate(detail::normalize_memory_size(memory_size))) detail::throw_bad_alloc();
  }
  explicit PagedMemory(Unallocated) noexcept {}
  PagedMemory(PagedMemory&&) noexcept = default;
  PagedMemory& operator=(PagedMemory&&) noexcept = default;
  ~PagedMemory() = default;

  // For create(): MemOutOfBound / MemPageUnalignedAccess for an invalid size,
  // Unexpected if the host cannot allocate.
  Status allocate_checked(std::uint64_t memory_size) noexcept {
    CKB_VM_TRY(detail::validate_memory_size(memory_size));
    if (!allocate(memory_size)) return detail::host_out_of_memory();
    return {};
  }

  Storage storage_;

 private:
  bool allocate(std::uint64_t memory_size) noexcept {
    return storage_.allocate(memory_size) && allocate_book(memory_size);
  }

  // [addr, addr + n) lies inside memory; n > 0.
  CKB_VM_DETAIL_ALWAYS_INLINE bool in_bounds(std::uint64_t addr, std::uint64_t n) const noexcept {
    return addr < memory_size_ && memory_size_ - addr >= n;
  }

  template <class T, class R>
  CKB_VM_DETAIL_ALWAYS_INLINE Result<R> load_as(std::uint64_t addr) const noexcept {
    if constexpr (Storage::kContiguous) {
      if (in_bounds(addr, sizeof(T))) [[likely]]
        return static_cast<R>(detail::load_le<T>(storage_.bytes() + addr));
      return detail::out_of_bound(addr);
    } else {
      PageSlot slot;
      if (page_slot<T>(addr, slot)) [[likely]]
        return static_cast<R>(load_in_page<T>(slot));
      const Result<std::uint64_t> r = load_straddling(addr, sizeof(T));
      if (!r.ok()) return r.error();
      return static_cast<R>(*r);
    }
  }

  // ckb-vm's sparse load: the first page, then (if the access straddles) the
  // second, each rejected if out of range. (The same outcome as the flat
  // model's single bounds check, since memory ends on a page boundary.)
  CKB_VM_DETAIL_NOINLINE Result<std::uint64_t> load_straddling(std::uint64_t addr, std::size_t width) const noexcept {
    const std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
    const std::uint64_t offset = addr & kPageMask;
    if (page >= pages_) return detail::out_of_bound(addr);
    const std::size_t in_first = static_cast<std::size_t>(std::min<std::uint64_t>(width, RISCV_PAGESIZE - offset));
    if (in_first < width && page + 1 >= pages_) return detail::out_of_bound(addr);
    std::uint8_t bytes[8] = {};
    std::memcpy(bytes, storage_.readable_page(page) + offset, in_first);
    if (in_first < width) std::memcpy(bytes + in_first, storage_.readable_page(page + 1), width - in_first);
    return detail::load_le<std::uint64_t>(bytes);  // bytes past `width` stay zero
  }

  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE Status store_as(std::uint64_t addr, std::uint64_t value) noexcept {
    PageSlot slot;
    if (page_slot<T>(addr, slot)) [[likely]]
      return store_in_page<T>(slot, static_cast<T>(value));
    return store_slow(addr, value, sizeof(T));
  }

  CKB_VM_DETAIL_NOINLINE Status store_slow(std::uint64_t addr, std::uint64_t value, std::size_t width) noexcept {
    const detail::ValueBytes v(value);
    return write_range(addr, v.bytes, width, 0);
  }

  // Copies from `source`, or fills with `fill` when source is null; size > 0.
  // Contiguous storage follows ckb-vm's flat store: page range check against
  // RISCV_MAX_MEMORY, dirty pages in order (failing on the first one out of
  // range), then write. Paged storage follows its sparse store_bytes /
  // store_byte: page by page, each checked, written and marked dirty before
  // moving on (so a store running off the end of memory keeps its in-range
  // part).
  CKB_VM_DETAIL_NOINLINE Status write_range(std::uint64_t addr, const std::uint8_t* source, std::uint64_t size,
                                            std::uint8_t fill) noexcept {
    if constexpr (Storage::kContiguous) {
      PageIndices pages;
      if (!detail::page_indices(addr, size, pages)) [[unlikely]]
        return detail::out_of_bound(addr);
      if (source == nullptr && fill == 0 && pages.last < pages_ && storage_.untouched_pages_are_zero()) {
        // Zero-filling (a loader clearing .bss): pages never touched already
        // hold zeros, so only the touched ones are written. The pages are
        // dirtied as any store dirties them; the untouched ones stay unmapped
        // by the host until the program uses them.
        for (std::uint64_t page = pages.first; page <= pages.last; ++page) {
          const bool had_data = touched(page);
          mark_dirty(page);
          if (!had_data) continue;
          const std::uint64_t from = std::max(addr, page << RISCV_PAGE_SHIFTS);
          const std::uint64_t to = std::min(addr + size, (page + 1) << RISCV_PAGE_SHIFTS);
          std::memset(storage_.bytes() + from, 0, static_cast<std::size_t>(to - from));
        }
        return {};
      }
      for (std::uint64_t page = pages.first; page <= pages.last; ++page) {
        if (page >= pages_) [[unlikely]]
          return detail::out_of_bound(addr);
        mark_dirty(page);
      }
      if (source != nullptr)
        std::memcpy(storage_.bytes() + addr, source, static_cast<std::size_t>(size));
      else
        std::memset(storage_.bytes() + addr, fill, static_cast<std::size_t>(size));
    } else {
      std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
      std::uint64_t offset = addr & kPageMask;
      while (size > 0) {
        if (page >= pages_) [[unlikely]]
          return detail::out_of_bound(addr);
        std::uint8_t* p = storage_.writable_page(page);
        if (p == nullptr) [[unlikely]]
          return detail::host_out_of_memory();
        const std::uint64_t n = std::min(RISCV_PAGESIZE - offset, size);
        if (source != nullptr) {
          std::memcpy(p + offset, source, static_cast<std::size_t>(n));
          source += n;
        } else {
          std::memset(p + offset, fill, static_cast<std::size_t>(n));
        }
        mark_dirty(page);
        size -= n;
        ++page;
        offset = 0;
      }
    }
    return {};
  }

  // Precondition: [addr, addr + size) inside memory.
  void copy_out(std::uint64_t addr, std::uint8_t* out, std::uint64_t size) const noexcept {
    if constexpr (Storage::kContiguous) {
      std::memcpy(out, storage_.bytes() + addr, static_cast<std::size_t>(size));
    } else {
      std::uint64_t page = addr >> RISCV_PAGE_SHIFTS;
      std::uint64_t offset = addr & kPageMask;
      while (size > 0) {
        const std::uint64_t n = std::min(RISCV_PAGESIZE - offset, size);
        std::memcpy(out, storage_.readable_page(page) + offset, static_cast<std::size_t>(n));
        out += n;
        size -= n;
        ++page;
        offset = 0;
      }
    }
  }
};

}  // namespace detail

// ---------------------------------------------------------------------------
// FlatMemory: one contiguous, lazily zeroed buffer of memory_size bytes.
class FlatMemory : public detail::PagedMemory<detail::FlatPages> {
 public:
  // RISCV_MAX_MEMORY bytes.
  FlatMemory() : FlatMemory(RISCV_MAX_MEMORY) {}
  // `memory_size` is clamped to RISCV_MAX_MEMORY and rounded down to a page
  // multiple (use create() to reject invalid sizes instead). Throws
  // std::bad_alloc if the host cannot allocate.
  explicit FlatMemory(std::uint64_t memory_size) : PagedMemory(memory_size) {}
  // MemOutOfBound if memory_size > RISCV_MAX_MEMORY, MemPageUnalignedAccess if
  // it is not a page multiple, Unexpected if the host cannot allocate.
  static Result<FlatMemory> create(std::uint64_t memory_size) noexcept {
    FlatMemory memory{Unallocated{}};
    CKB_VM_TRY(memory.allocate_checked(memory_size));
    return Result<FlatMemory>(std::move(memory));
  }

  // reset(): only the pages written since construction or the last reset are
  // zeroed, unless data()/flags() handed out a mutable pointer since, in which
  // case the whole buffer is.

  // Raw access for the engine: memory_size() bytes of guest memory and
  // memory_pages() flag bytes. Writes through these pointers bypass dirty
  // tracking (call set_flag(page, FLAG_DIRTY) to record them); reset() then
  // clears the whole buffer since it cannot know what was written.
  std::uint8_t* data() noexcept {
    storage_.mark_raw_exposed();
    return storage_.bytes();
  }
  const std::uint8_t* data() const noexcept { return storage_.bytes(); }
  std::uint8_t* flags() noexcept {
    storage_.mark_raw_exposed();
    return flags_.get();
  }
  const std::uint8_t* flags() const noexcept { return flags_.get(); }

 private:
  explicit FlatMemory(Unallocated u) noexcept : PagedMemory(u) {}
};

// ---------------------------------------------------------------------------
// SparseMemory: pages allocated on first write. reset() keeps the allocated
// pages for reuse (zeroed when reused); it costs time proportional to them.
class SparseMemory : public detail::PagedMemory<detail::SparsePages> {
 public:
  SparseMemory() : SparseMemory(RISCV_MAX_MEMORY) {}
  // `memory_size` is clamped to RISCV_MAX_MEMORY and rounded down to a page
  // multiple (use create() to reject invalid sizes instead). Throws
  // std::bad_alloc if the host cannot allocate.
  explicit SparseMemory(std::uint64_t memory_size) : PagedMemory(memory_size) {}
  // MemOutOfBound if memory_size > RISCV_MAX_MEMORY, MemPageUnalignedAccess if
  // it is not a page multiple, Unexpected if the host cannot allocate.
  static Result<SparseMemory> create(std::uint64_t memory_size) noexcept {
    SparseMemory memory{Unallocated{}};
    CKB_VM_TRY(memory.allocate_checked(memory_size));
    return Result<SparseMemory>(std::move(memory));
  }

  // Pages currently backed by host memory (written since construction/reset).
  std::size_t allocated_pages() const noexcept { return storage_.allocated_pages(); }

 private:
  explicit SparseMemory(Unallocated u) noexcept : PagedMemory(u) {}
};

namespace detail {
// Exactly the built-in models (not classes derived from them, which may
// override accesses): WXorXMemory uses their single-page hooks and engine fast
// paths, and reaches any other model only through the Memory concept.
template <class M>
concept PagedModel = std::same_as<M, FlatMemory> || std::same_as<M, SparseMemory>;
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

  // Engine fast paths (see detail::PagedMemory::try_load): loads have no W^X
  // check; a fast store also needs a non-executable page. Only the built-in
  // (paged) inner models have them.
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_load(std::uint64_t addr, std::uint64_t& out) const noexcept
    requires detail::PagedModel<M>
  {
    return inner_.template try_load<T>(addr, out);
  }
  template <class T>
  CKB_VM_DETAIL_ALWAYS_INLINE bool try_store(std::uint64_t addr, std::uint64_t value) noexcept
    requires detail::PagedModel<M>
  {
    return inner_.template try_store<T, FLAG_EXECUTABLE>(addr, value);
  }

  std::uint64_t lr() const { return inner_.lr(); }
  void set_lr(std::uint64_t value) { inner_.set_lr(value); }

  std::span<const std::uint32_t> dirty_page_log() const
    requires MemoryWithDirtyPageLog<M>
  {
    return inner_.dirty_page_log();
  }
  void clear_dirty_page_log()
    requires MemoryWithDirtyPageLog<M>
  {
    inner_.clear_dirty_page_log();
  }

  void reset()
    requires requires(M& m) { m.reset(); }
  {
    inner_.reset();
  }

 private:
  static constexpr bool kPaged = detail::PagedModel<M>;

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
      typename M::PageSlot slot;
      if (inner_.template page_slot<T>(addr, slot) && (slot.flag & FLAG_EXECUTABLE) == 0) [[likely]]
        return inner_.template store_in_page<T>(slot, static_cast<T>(value));
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
      typename M::PageSlot slot;
      if (inner_.template page_slot<T>(addr, slot) && (slot.flag & FLAG_EXECUTABLE) != 0) [[likely]]
        return inner_.template load_in_page<T>(slot);
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

static_assert(Memory<FlatMemory> && Memory<SparseMemory>);
static_assert(Memory<WXorXMemory<FlatMemory>> && Memory<WXorXMemory<SparseMemory>>);
static_assert(MemoryWithDirtyPageLog<FlatMemory>);
static_assert(MemoryWithDirtyPageLog<SparseMemory>);
static_assert(MemoryWithDirtyPageLog<WXorXMemory<FlatMemory>>);
static_assert(MemoryWithDirtyPageLog<WXorXMemory<SparseMemory>>);

}  // namespace CKB_VM_NAMESPACE
}  // namespace ckb_vm
