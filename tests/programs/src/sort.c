/*
 * sort.c - quicksort and merge sort of 20000 pseudo-random u32 values
 * (self-checking).  Build: -march=rv64imc -O2, crt0.S + support.c.
 *
 * Input: x = 12345; repeat N times { x = x * 1103515245 + 12345 (mod 2^32);
 * emit x ^ (x >> 16) }.  Both sorted copies must be non-decreasing, keep the
 * sum of the input, and match the order-sensitive checksum
 * c = c * 31 + v (mod 2^64) over the sorted array that Python computed.
 *
 * Exit codes: 0 ok; 1 input sum wrong (generator broken);
 *   2 quicksort result not sorted; 3 quicksort sum changed;
 *   4 quicksort checksum mismatch; 5 merge sort not sorted;
 *   6 merge sort sum changed; 7 merge sort checksum mismatch;
 *   8 the two results differ.
 */
#include <stddef.h>
#include <stdint.h>

#define N 20000
#define EXPECT_SUM 0x27115eca58d2ULL
#define EXPECT_CHECKSUM 0xdd1f2e2e5eef4e02ULL

static uint32_t input[N];
static uint32_t qs[N];
static uint32_t ms[N];
static uint32_t tmp[N];

static void swap(uint32_t *a, uint32_t *b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

/* Hoare-partition quicksort, median of three, recursing on the smaller
 * side (stack depth O(log n)), insertion sort for short ranges. */
static void quicksort(uint32_t *a, long lo, long hi) {
  while (hi - lo > 16) {
    long mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo]) swap(&a[mid], &a[lo]);
    if (a[hi] < a[lo]) swap(&a[hi], &a[lo]);
    if (a[hi] < a[mid]) swap(&a[hi], &a[mid]);
    uint32_t pivot = a[mid];
    long i = lo - 1, j = hi + 1;
    for (;;) {
      do i++; while (a[i] < pivot);
      do j--; while (a[j] > pivot);
      if (i >= j) break;
      swap(&a[i], &a[j]);
    }
    if (j - lo < hi - j) {
      quicksort(a, lo, j);
      lo = j + 1;
    } else {
      quicksort(a, j + 1, hi);
      hi = j;
    }
  }
  for (long i = lo + 1; i <= hi; i++) {
    uint32_t v = a[i];
    long k = i - 1;
    while (k >= lo && a[k] > v) {
      a[k + 1] = a[k];
      k--;
    }
    a[k + 1] = v;
  }
}

/* Bottom-up merge sort using tmp[]. */
static void merge_sort(uint32_t *a, size_t n) {
  uint32_t *src = a, *dst = tmp;
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n;
      size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) dst[k++] = src[i] <= src[j] ? src[i++] : src[j++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    uint32_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) {
    for (size_t i = 0; i < n; i++) a[i] = src[i];
  }
}

static int is_sorted(const uint32_t *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    if (a[i - 1] > a[i]) return 0;
  }
  return 1;
}

static uint64_t sum(const uint32_t *a, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++) s += a[i];
  return s;
}

static uint64_t checksum(const uint32_t *a, size_t n) {
  uint64_t c = 0;
  for (size_t i = 0; i < n; i++) c = c * 31 + a[i];
  return c;
}

int main(void) {
  uint32_t x = 12345;
  for (size_t i = 0; i < N; i++) {
    x = x * 1103515245u + 12345u;
    input[i] = x ^ (x >> 16);
    qs[i] = input[i];
    ms[i] = input[i];
  }
  if (sum(input, N) != EXPECT_SUM) return 1;

  quicksort(qs, 0, N - 1);
  if (!is_sorted(qs, N)) return 2;
  if (sum(qs, N) != EXPECT_SUM) return 3;
  if (checksum(qs, N) != EXPECT_CHECKSUM) return 4;

  merge_sort(ms, N);
  if (!is_sorted(ms, N)) return 5;
  if (sum(ms, N) != EXPECT_SUM) return 6;
  if (checksum(ms, N) != EXPECT_CHECKSUM) return 7;

  for (size_t i = 0; i < N; i++) {
    if (qs[i] != ms[i]) return 8;
  }
  return 0;
}
