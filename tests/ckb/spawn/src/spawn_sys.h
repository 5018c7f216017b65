/*
 * spawn_sys.h - raw CKB syscalls used by the spawn/IPC test programs
 * (RFC 0050 numbering). Every call returns a0 as the node leaves it.
 */
#ifndef SPAWN_SYS_H
#define SPAWN_SYS_H
#include <stdint.h>

static inline uint64_t sys6(uint64_t n, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f) {
  register uint64_t a0 __asm__("a0") = a;
  register uint64_t a1 __asm__("a1") = b;
  register uint64_t a2 __asm__("a2") = c;
  register uint64_t a3 __asm__("a3") = d;
  register uint64_t a4 __asm__("a4") = e;
  register uint64_t a5 __asm__("a5") = f;
  register uint64_t a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
  return a0;
}

#define SRC_INPUT 1
#define SRC_CELL_DEP 3
#define PLACE_DATA 0
#define PLACE_WITNESS 1

typedef struct {
  uint64_t argc;
  const char **argv;
  uint64_t *process_id;
  const uint64_t *inherited_fds; /* 0-terminated, or null */
} spawn_args_t;

static inline uint64_t sys_spawn(uint64_t index, uint64_t source, uint64_t place, uint64_t bounds, spawn_args_t *a) {
  return sys6(2601, index, source, place, bounds, (uint64_t)a, 0);
}
static inline uint64_t sys_wait(uint64_t pid, int8_t *code) { return sys6(2602, pid, (uint64_t)code, 0, 0, 0, 0); }
static inline uint64_t sys_pid(void) { return sys6(2603, 0, 0, 0, 0, 0, 0); }
static inline uint64_t sys_pipe(uint64_t fds[2]) { return sys6(2604, (uint64_t)fds, 0, 0, 0, 0, 0); }
static inline uint64_t sys_write(uint64_t fd, const void *buf, uint64_t *len) {
  return sys6(2605, fd, (uint64_t)buf, (uint64_t)len, 0, 0, 0);
}
static inline uint64_t sys_read(uint64_t fd, void *buf, uint64_t *len) {
  return sys6(2606, fd, (uint64_t)buf, (uint64_t)len, 0, 0, 0);
}
static inline uint64_t sys_inherited(uint64_t *fds, uint64_t *len) {
  return sys6(2607, (uint64_t)fds, (uint64_t)len, 0, 0, 0, 0);
}
static inline uint64_t sys_close(uint64_t fd) { return sys6(2608, fd, 0, 0, 0, 0, 0); }
static inline uint64_t sys_current_cycles(void) { return sys6(2042, 0, 0, 0, 0, 0, 0); }
static inline uint64_t sys_exec(uint64_t index, uint64_t source, uint64_t place, uint64_t bounds, uint64_t argc,
                                const char **argv) {
  return sys6(2043, index, source, place, bounds, argc, (uint64_t)argv);
}
static inline uint64_t sys_load_script(void *buf, uint64_t *len, uint64_t offset) {
  return sys6(2052, (uint64_t)buf, (uint64_t)len, offset, 0, 0, 0);
}

/* Writes all of buf (the node's write returns only when everything went or
 * the reader closed). Returns the syscall's a0 or 100 on a short write. */
static inline uint64_t write_all(uint64_t fd, const void *buf, uint64_t n) {
  uint64_t len = n;
  uint64_t r = sys_write(fd, buf, &len);
  if (r != 0) return r;
  return len == n ? 0 : 100;
}

/* Reads exactly n bytes unless the writer closes first; *got receives the count. */
static inline uint64_t read_exact(uint64_t fd, void *buf, uint64_t n, uint64_t *got) {
  uint8_t *p = buf;
  *got = 0;
  while (*got < n) {
    uint64_t len = n - *got;
    uint64_t r = sys_read(fd, p + *got, &len);
    if (r != 0) return r;
    if (len == 0) break;
    *got += len;
  }
  return 0;
}
#endif
