/*
 * args.c - exits with argc.
 * Build: -march=rv64imc -O2, crt0.S + support.c.
 *
 * A runner that passes argv = {name, a1, ..., aN} gets exit code N + 1,
 * which shows that argc reached main.  (Exit codes are 8-bit: keep argc
 * below 128.)
 */
int main(int argc, char **argv) {
  (void)argv;
  return argc;
}
