/*
 * spawn_random.c - a VM that does random spawn/IPC things, for property tests.
 *
 * The root takes a 64-bit seed from its script's args (bytes 0..7); spawned
 * copies get "<seed> <depth>" in argv. Each VM runs a handful of random
 * steps: pipe, spawn (passing some of its fds), write, read, close, wait,
 * process_id, current_cycles, touching stack pages on the way. Anything may
 * happen, including deadlocks and errors: the tests check the scheduler's
 * invariants and that cut-and-resumed runs end exactly like uninterrupted
 * ones, not a particular outcome.
 */
#include <stdint.h>
#include "spawn_sys.h"

static uint64_t state;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
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

int main(int argc, char **argv) {
  uint64_t depth = 0;
  if (argc >= 2) {
    state = to_u64(argv[0]);
    depth = to_u64(argv[1]);
  } else {
    uint8_t buf[128];
    uint64_t len = sizeof(buf);
    state = 88172645463325252ull;
    if (sys_load_script(buf, &len, 0) == 0 && len >= 16 && len <= sizeof(buf)) {
      uint32_t at = (uint32_t)buf[12] | (uint32_t)buf[13] << 8 | (uint32_t)buf[14] << 16 | (uint32_t)buf[15] << 24;
      for (uint32_t i = 0; i < 8 && at + 4 + i < len; i++) state ^= (uint64_t)buf[at + 4 + i] << (8 * i);
    }
  }
  if (state == 0) state = 1;
  for (int i = 0; i < 3; i++) next();

  uint64_t fds[16];
  int nfds = 0;
  uint64_t kids[8];
  int nkids = 0;
  uint8_t scratch[3000];
  uint64_t steps = 3 + next() % 10;
  for (uint64_t s = 0; s < steps; s++) {
    switch (next() % 9) {
      case 0:
      case 1: {
        uint64_t p[2];
        if (nfds <= 14 && sys_pipe(p) == 0) {
          fds[nfds++] = p[0];
          fds[nfds++] = p[1];
        }
        break;
      }
      case 2: {
        if (depth >= 3 || nkids >= 8) break;
        uint64_t pass[5];
        int npass = 0;
        for (int i = 0; i < nfds && npass < 4; i++)
          if (next() % 2) pass[npass++] = fds[i];
        pass[npass] = 0;
        char seed[24], d[24];
        from_u64(next(), seed);
        from_u64(depth + 1, d);
        const char *args[2] = {seed, d};
        uint64_t pid = 0;
        spawn_args_t a = {2, args, &pid, pass};
        if (sys_spawn(0, SRC_CELL_DEP, PLACE_DATA, 0, &a) == 0) {
          kids[nkids++] = pid;
          for (int k = 0; k < npass; k++)
            for (int i = 0; i < nfds; i++)
              if (fds[i] == pass[k]) { fds[i] = fds[--nfds]; break; }
        }
        break;
      }
      case 3: {
        if (nfds == 0) break;
        uint64_t fd = fds[next() % (uint64_t)nfds] | 1;
        uint64_t len = 1 + next() % sizeof(scratch);
        for (uint64_t i = 0; i < len; i++) scratch[i] = (uint8_t)next();
        sys_write(fd, scratch, &len);
        break;
      }
      case 4: {
        if (nfds == 0) break;
        uint64_t fd = fds[next() % (uint64_t)nfds] & ~(uint64_t)1;
        uint64_t len = 1 + next() % sizeof(scratch);
        sys_read(fd, scratch, &len);
        break;
      }
      case 5: {
        if (nfds == 0) break;
        int i = (int)(next() % (uint64_t)nfds);
        sys_close(fds[i]);
        fds[i] = fds[--nfds];
        break;
      }
      case 6: {
        if (nkids == 0) break;
        int8_t code;
        sys_wait(kids[next() % (uint64_t)nkids], &code);
        break;
      }
      case 7: {
        uint64_t inh[8], n = 8;
        sys_inherited(inh, &n);
        break;
      }
      default:
        scratch[next() % sizeof(scratch)] = (uint8_t)(sys_pid() + sys_current_cycles());
        break;
    }
  }
  return (int)(next() % 3);
}
