/*
 * spawn_cases.c - one program, many spawn/IPC scenarios.
 *
 * As the root VM (argc == 0) it runs the scenario named by the first byte of
 * its script's args and exits 0 when every syscall answered as RFC 0050 and
 * the CKB node say, or with a code naming the first check that failed.
 * Spawned copies of itself (cell dep 0) get a role in argv[0].
 * The scenarios that must fail (deadlocks, out of cycles, bad source) are
 * recognised by the test harness from the scheduler's error.
 */
#include <stdint.h>
#include "spawn_sys.h"

#define CHECK(cond, code) \
  do {                    \
    if (!(cond)) return (code); \
  } while (0)

static int streq(const char *a, const char *b) {
  while (*a && *a == *b) { a++; b++; }
  return *a == *b;
}

static uint64_t to_u64(const char *s) {
  uint64_t v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + (uint64_t)(*s++ - '0');
  return v;
}

static void from_u64(uint64_t v, char *out) {
  char tmp[24];
  int n = 0;
  do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = 0;
}

static uint8_t script_case(void) {
  uint8_t buf[256];
  uint64_t len = sizeof(buf);
  if (sys_load_script(buf, &len, 0) != 0 || len < 16 || len > sizeof(buf)) return 0;
  uint32_t args_at = (uint32_t)buf[12] | (uint32_t)buf[13] << 8 | (uint32_t)buf[14] << 16 | (uint32_t)buf[15] << 24;
  if (args_at + 5 > len) return 0;
  return buf[args_at + 4];
}

/* Spawns cell dep 0 with the given argv and fds (0-terminated or null). */
static uint64_t spawn_role(uint64_t argc, const char **argv, const uint64_t *fds, uint64_t *pid) {
  spawn_args_t a = {argc, argv, pid, fds};
  return sys_spawn(0, SRC_CELL_DEP, PLACE_DATA, 0, &a);
}

/* ---------------- children ---------------- */

static int child(int argc, char **argv) {
  const char *role = argv[0];
  if (streq(role, "echo")) { /* inherited: [in, out]; echo 11 bytes back */
    uint64_t fds[2], n = 2, got;
    uint8_t buf[16];
    CHECK(sys_inherited(fds, &n) == 0 && n == 2, 51);
    CHECK(read_exact(fds[0], buf, 11, &got) == 0 && got == 11, 52);
    CHECK(write_all(fds[1], buf, 11) == 0, 53);
    return 0;
  }
  if (streq(role, "write")) { /* writes to its inherited fd forever-blocking */
    uint64_t fds[1], n = 1;
    CHECK(sys_inherited(fds, &n) == 0, 54);
    return (int)write_all(fds[0], "x", 1);
  }
  if (streq(role, "wait_root")) {
    int8_t code;
    sys_wait(0, &code);
    return 0;
  }
  if (streq(role, "write_close")) { /* 100 bytes in 3 writes, then exit (closing the fd) */
    uint64_t fds[1], n = 1;
    uint8_t buf[100];
    for (int i = 0; i < 100; i++) buf[i] = (uint8_t)i;
    CHECK(sys_inherited(fds, &n) == 0 && n == 1, 55);
    CHECK(write_all(fds[0], buf, 30) == 0, 56);
    CHECK(write_all(fds[0], buf + 30, 30) == 0, 57);
    CHECK(write_all(fds[0], buf + 60, 40) == 0, 58);
    return 0;
  }
  if (streq(role, "exit")) return (int)to_u64(argv[1]);
  if (streq(role, "inherited")) { /* argv[1..]: the expected fds */
    uint64_t fds[8], n = 0;
    CHECK(sys_inherited(fds, &n) == 0, 60);
    CHECK(n == (uint64_t)(argc - 1), 61);
    n = 8;
    CHECK(sys_inherited(fds, &n) == 0 && n == (uint64_t)(argc - 1), 62);
    for (int i = 1; i < argc; i++) CHECK(fds[i - 1] == to_u64(argv[i]), 63);
    return 0;
  }
  if (streq(role, "pid")) { /* sends its pid through the inherited fd, exits with it */
    uint64_t fds[1], n = 1, pid = sys_pid();
    CHECK(sys_inherited(fds, &n) == 0 && n == 1, 64);
    CHECK(write_all(fds[0], &pid, 8) == 0, 65);
    return (int)pid;
  }
  if (streq(role, "cycles")) { /* sends current_cycles */
    uint64_t fds[1], n = 1, c = sys_current_cycles();
    CHECK(sys_inherited(fds, &n) == 0 && n == 1, 66);
    CHECK(write_all(fds[0], &c, 8) == 0, 67);
    return 0;
  }
  if (streq(role, "spin")) {
    volatile uint64_t x = 0;
    for (;;) x++;
  }
  if (streq(role, "exec")) { /* replaces itself with "exit 9" */
    const char *args[2] = {"exit", "9"};
    sys_exec(0, SRC_CELL_DEP, PLACE_DATA, 0, 2, args);
    return 66;
  }
  if (streq(role, "recurse")) { /* spawns the next level until the VM limit */
    uint64_t pid;
    const char *args[1] = {"recurse"};
    uint64_t r = spawn_role(1, args, 0, &pid);
    if (r == 8) return 0;
    CHECK(r == 0, 70);
    int8_t code = -1;
    CHECK(sys_wait(pid, &code) == 0, 71);
    return code + 1;
  }
  if (streq(role, "sink")) { /* reads everything until the writer closes, returns count/4096 */
    uint64_t fds[1], n = 1, total = 0;
    uint8_t buf[5000];
    CHECK(sys_inherited(fds, &n) == 0 && n == 1, 72);
    for (;;) {
      uint64_t len = sizeof(buf);
      uint64_t r = sys_read(fds[0], buf, &len);
      if (r == 7) break;
      CHECK(r == 0, 73);
      if (len == 0) break;
      total += len;
    }
    return (int)(total / 4096);
  }
  if (streq(role, "meepo")) { /* inherited [in, out]: read 8 bytes, send current_cycles back */
    uint64_t fds[2], n = 2, got, buf;
    CHECK(sys_inherited(fds, &n) == 0 && n == 2, 77);
    CHECK(read_exact(fds[0], &buf, 8, &got) == 0 && got == 8, 78);
    uint64_t c = sys_current_cycles();
    CHECK(write_all(fds[1], &c, 8) == 0, 79);
    return 0;
  }
  if (streq(role, "upper") || streq(role, "count")) {
    /* a pipeline stage: inherited [in, out]; copies in to out until the
     * writer is gone ("upper" upper-cases letters); exits with the byte count */
    uint64_t fds[2], n = 2, total = 0;
    uint8_t buf[32]; /* pipes have no buffer: a stage blocks in write until the next reads */
    int upper = streq(role, "upper");
    CHECK(sys_inherited(fds, &n) == 0 && n == 2, 74);
    for (;;) {
      uint64_t len = sizeof(buf);
      uint64_t r = sys_read(fds[0], buf, &len);
      if (r == 7 || (r == 0 && len == 0)) break;
      CHECK(r == 0, 75);
      if (upper)
        for (uint64_t i = 0; i < len; i++)
          if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (uint8_t)(buf[i] - 32);
      CHECK(write_all(fds[1], buf, len) == 0, 76);
      total += len;
    }
    return (int)total;
  }
  return 99;
}

/* ---------------- root scenarios ---------------- */

static int root(uint8_t c) {
  uint64_t p1[2], p2[2], pid = 0;
  int8_t code = -1;
  switch (c) {
    case 1: { /* simple read/write */
      CHECK(sys_pipe(p1) == 0 && sys_pipe(p2) == 0, 2);
      uint64_t fds[3] = {p1[0], p2[1], 0};
      const char *args[1] = {"echo"};
      CHECK(spawn_role(1, args, fds, &pid) == 0, 3);
      CHECK(pid == 1, 4);
      CHECK(write_all(p1[1], "hello spawn", 11) == 0, 5);
      uint8_t buf[11];
      uint64_t got;
      CHECK(read_exact(p2[0], buf, 11, &got) == 0 && got == 11, 6);
      for (int i = 0; i < 11; i++) CHECK(buf[i] == (uint8_t)"hello spawn"[i], 7);
      CHECK(sys_wait(pid, &code) == 0 && code == 0, 8);
      return 0;
    }
    case 2: { /* write deadlock: both ends write */
      CHECK(sys_pipe(p1) == 0 && sys_pipe(p2) == 0, 2);
      uint64_t fds[2] = {p2[1], 0};
      const char *args[1] = {"write"};
      CHECK(spawn_role(1, args, fds, &pid) == 0, 3);
      write_all(p1[1], "y", 1);
      return 10;
    }
    case 3: { /* invalid fds */
      uint64_t len = 1;
      uint8_t b = 0;
      CHECK(sys_read(3, &b, &len) == 6, 2);   /* odd fd: refused locally */
      CHECK(sys_write(2, &b, &len) == 6, 3);  /* even fd */
      CHECK(sys_read(20, &b, &len) == 6, 4);  /* unknown */
      CHECK(sys_write(21, &b, &len) == 6, 5);
      CHECK(sys_pipe(p1) == 0, 6);
      CHECK(sys_close(p1[0]) == 0, 7);
      CHECK(sys_write(p1[1], &b, &len) == 7, 8);  /* OTHER_END_CLOSED */
      CHECK(sys_read(p1[0], &b, &len) == 6, 9);   /* closed: not ours any more */
      return 0;
    }
    case 4: { /* wait deadlock */
      const char *args[1] = {"wait_root"};
      CHECK(spawn_role(1, args, 0, &pid) == 0, 2);
      sys_wait(pid, &code);
      return 10;
    }
    case 5: { /* read with close */
      CHECK(sys_pipe(p1) == 0, 2);
      uint64_t fds[2] = {p1[1], 0};
      const char *args[1] = {"write_close"};
      CHECK(spawn_role(1, args, fds, &pid) == 0, 3);
      uint8_t buf[200];
      uint64_t total = 0;
      for (;;) {
        uint64_t len = 64;
        uint64_t r = sys_read(p1[0], buf + total, &len);
        if (r == 7) break; /* writer gone before this read: OTHER_END_CLOSED */
        CHECK(r == 0, 4);
        if (len == 0) break; /* writer went while this read waited */
        total += len;
      }
      CHECK(total == 100, 5);
      for (int i = 0; i < 100; i++) CHECK(buf[i] == (uint8_t)i, 6);
      CHECK(sys_wait(pid, &code) == 0 && code == 0, 7);
      return 0;
    }
    case 6: { /* wait twice, wait unknown */
      const char *args[2] = {"exit", "7"};
      CHECK(spawn_role(2, args, 0, &pid) == 0, 2);
      CHECK(sys_wait(pid, &code) == 0 && code == 7, 3);
      CHECK(sys_wait(pid, &code) == 5, 4);
      CHECK(sys_wait(99, &code) == 5, 5);
      return 0;
    }
    case 7: { /* inherited fds */
      uint64_t fds[4], n = 4;
      CHECK(sys_inherited(fds, &n) == 0 && n == 0, 2);
      CHECK(sys_pipe(p1) == 0 && sys_pipe(p2) == 0, 3);
      uint64_t pass[4] = {p1[0], p2[1], p1[1], 0};
      char s0[24], s1[24], s2[24];
      from_u64(pass[0], s0);
      from_u64(pass[1], s1);
      from_u64(pass[2], s2);
      const char *args[4] = {"inherited", s0, s1, s2};
      CHECK(spawn_role(4, args, pass, &pid) == 0, 4);
      CHECK(sys_wait(pid, &code) == 0 && code == 0, 5);
      /* the fds went to the child and died with it */
      uint64_t len = 1;
      uint8_t b;
      CHECK(sys_read(p1[0], &b, &len) == 6, 6);
      return 0;
    }
    case 8: { /* passing an fd one does not own */
      uint64_t pass[2] = {40, 0};
      const char *args[2] = {"exit", "0"};
      CHECK(spawn_role(2, args, pass, &pid) == 6, 2);
      CHECK(sys_pipe(p1) == 0, 3);
      const char *args2[1] = {"write_close"};
      uint64_t pass2[2] = {p1[1], 0};
      CHECK(spawn_role(1, args2, pass2, &pid) == 0, 4);
      CHECK(spawn_role(1, args2, pass2, &pid) == 6, 5); /* already moved */
      uint8_t buf[128];
      uint64_t got;
      CHECK(read_exact(p1[0], buf, 100, &got) == 0 && got == 100, 6);
      return 0;
    }
    case 9: { /* max VMs: 16 children alive at once, the 17th refused */
      const char *args[1] = {"wait_root"};
      int n = 0;
      for (;;) {
        uint64_t r = spawn_role(1, args, 0, &pid);
        if (r == 8) break;
        CHECK(r == 0, 2);
        n++;
        CHECK(n <= 40, 3);
      }
      CHECK(n == 16, 4);
      return 0;
    }
    case 10: { /* max fds: 32 pipes */
      int n = 0;
      for (;;) {
        uint64_t r = sys_pipe(p1);
        if (r == 9) break;
        CHECK(r == 0, 2);
        n++;
        CHECK(n <= 100, 3);
      }
      CHECK(n == 32, 4);
      return 0;
    }
    case 11: { /* close */
      CHECK(sys_close(2) == 6, 2);
      CHECK(sys_pipe(p1) == 0, 3);
      CHECK(sys_close(p1[0]) == 0, 4);
      CHECK(sys_close(p1[0]) == 6, 5);
      CHECK(sys_close(p1[1]) == 0, 6);
      return 0;
    }
    case 12: { /* pid */
      CHECK(sys_pid() == 0, 2);
      CHECK(sys_pipe(p1) == 0, 3);
      uint64_t pass[2] = {p1[1], 0};
      const char *args[1] = {"pid"};
      CHECK(spawn_role(1, args, pass, &pid) == 0, 4);
      uint64_t child_pid = 0, got;
      CHECK(read_exact(p1[0], &child_pid, 8, &got) == 0 && got == 8, 5);
      CHECK(child_pid == pid, 6);
      CHECK(sys_wait(pid, &code) == 0 && (uint64_t)code == pid, 7);
      return 0;
    }
    case 13: { /* current cycles across VMs */
      uint64_t c0 = sys_current_cycles();
      CHECK(sys_pipe(p1) == 0, 2);
      uint64_t pass[2] = {p1[1], 0};
      const char *args[1] = {"cycles"};
      CHECK(spawn_role(1, args, pass, &pid) == 0, 3);
      uint64_t cc = 0, got;
      CHECK(read_exact(p1[0], &cc, 8, &got) == 0 && got == 8, 4);
      uint64_t c1 = sys_current_cycles();
      CHECK(cc > c0 + 100800, 5);
      CHECK(c1 > cc, 6);
      CHECK(sys_wait(pid, &code) == 0 && code == 0, 7);
      return 0;
    }
    case 14: { /* out of cycles in a child */
      const char *args[1] = {"spin"};
      CHECK(spawn_role(1, args, 0, &pid) == 0, 2);
      sys_wait(pid, &code);
      return 10;
    }
    case 15: { /* spawn argument checks */
      spawn_args_t a = {0, 0, &pid, 0};
      CHECK(sys_spawn(0, SRC_CELL_DEP, PLACE_DATA, (uint64_t)0xFFFFFF << 32, &a) == 3, 2); /* offset past the end */
      CHECK(sys_spawn(0, SRC_CELL_DEP, PLACE_DATA, 0xFFFFFF, &a) == 3, 3);                 /* length past the end */
      CHECK(sys_spawn(99, SRC_CELL_DEP, PLACE_DATA, 0, &a) == 1, 4);                      /* no such cell dep */
      CHECK(sys_spawn(0, SRC_CELL_DEP, 2, 0, &a) == 1, 5);                                /* no such place */
      CHECK(sys_spawn(0, 4, PLACE_DATA, 0, &a) == 1, 6);                                  /* header dep: no data */
      return 0;
    }
    case 16: { /* invalid source stops the VM */
      spawn_args_t a = {0, 0, &pid, 0};
      sys_spawn(0, 7, PLACE_DATA, 0, &a);
      return 10;
    }
    case 17: { /* exec inside a spawned VM */
      const char *args[1] = {"exec"};
      CHECK(spawn_role(1, args, 0, &pid) == 0, 2);
      CHECK(sys_wait(pid, &code) == 0 && code == 9, 3);
      return 0;
    }
    case 18: { /* recursion to the VM limit */
      const char *args[1] = {"recurse"};
      CHECK(spawn_role(1, args, 0, &pid) == 0, 2);
      CHECK(sys_wait(pid, &code) == 0, 3);
      return code == 15 ? 0 : 4;
    }
    case 19: { /* spawn from a witness: witness 0 = 16 bytes + this ELF */
      const char *args[2] = {"exit", "5"};
      spawn_args_t a = {2, args, &pid, 0};
      uint64_t bounds = (uint64_t)16 << 32; /* from byte 16 to the end */
      CHECK(sys_spawn(0, SRC_INPUT, PLACE_WITNESS, bounds, &a) == 0, 2);
      CHECK(sys_wait(pid, &code) == 0 && code == 5, 3);
      CHECK(sys_spawn(0, SRC_INPUT, PLACE_WITNESS, 0, &a) == 0, 4); /* from byte 0: not an ELF */
      return 10;
    }
    case 20: { /* bulk transfer: 64 KiB through a pipe */
      uint8_t big[65536]; /* on the stack: only pages actually used get dirty */
      for (uint64_t i = 0; i < sizeof(big); i++) big[i] = (uint8_t)(i * 7);
      CHECK(sys_pipe(p1) == 0, 2);
      uint64_t pass[2] = {p1[0], 0};
      const char *args[1] = {"sink"};
      CHECK(spawn_role(1, args, pass, &pid) == 0, 3);
      CHECK(write_all(p1[1], big, sizeof(big)) == 0, 4);
      CHECK(sys_close(p1[1]) == 0, 5);
      CHECK(sys_wait(pid, &code) == 0 && code == 16, 6);
      return 0;
    }
    case 21: { /* pipeline: root -> upper -> count -> root */
      uint64_t p3[2];
      CHECK(sys_pipe(p1) == 0 && sys_pipe(p2) == 0 && sys_pipe(p3) == 0, 2);
      uint64_t a_fds[3] = {p1[0], p2[1], 0}, b_fds[3] = {p2[0], p3[1], 0};
      const char *a_args[1] = {"upper"}, *b_args[1] = {"count"};
      uint64_t a = 0, b = 0;
      CHECK(spawn_role(1, a_args, a_fds, &a) == 0, 3);
      CHECK(spawn_role(1, b_args, b_fds, &b) == 0, 4);
      const char *text = "hello, spawned pipeline";
      CHECK(write_all(p1[1], text, 23) == 0, 5);
      CHECK(sys_close(p1[1]) == 0, 6);
      uint8_t out[32];
      uint64_t got;
      CHECK(read_exact(p3[0], out, 23, &got) == 0 && got == 23, 7);
      for (int i = 0; i < 23; i++) {
        uint8_t want = (uint8_t)text[i];
        if (want >= 'a' && want <= 'z') want = (uint8_t)(want - 32);
        CHECK(out[i] == want, 8);
      }
      CHECK(sys_wait(a, &code) == 0 && code == 23, 9);
      CHECK(sys_wait(b, &code) == 0 && code == 23, 10);
      return 0;
    }
    case 22: { /* a write matched with a suspended reader while 5 VMs exist:
                  the swap is charged to the next iteration (Meepo) */
      CHECK(sys_pipe(p1) == 0 && sys_pipe(p2) == 0, 2);
      uint64_t a_fds[3] = {p1[0], p2[1], 0};
      const char *a_args[1] = {"meepo"}, *w_args[1] = {"wait_root"};
      uint64_t a = 0;
      CHECK(spawn_role(1, a_args, a_fds, &a) == 0, 3);
      for (int i = 0; i < 4; i++) CHECK(spawn_role(1, w_args, 0, &pid) == 0, 4);
      uint64_t token = 42, got, c = 0;
      CHECK(write_all(p1[1], &token, 8) == 0, 5);
      CHECK(read_exact(p2[0], &c, 8, &got) == 0 && got == 8, 6);
      CHECK(c < sys_current_cycles(), 7);
      CHECK(sys_wait(a, &code) == 0 && code == 0, 8);
      return 0;
    }
    default: return 90;
  }
}

int main(int argc, char **argv) {
  if (argc > 0) return child(argc, argv);
  return root(script_case());
}
