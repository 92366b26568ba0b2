/* cmdfail.h -- helpers shared by the dtbench subcommand modules: the error
 * line, the --help test, option values and the environment lookup.
 * (These modules also link into the unit tests, which have no main.c and
 * so no cmd_fail/cmd_is_help of their own.) */
#ifndef DT_REAL_CMDFAIL_H
#define DT_REAL_CMDFAIL_H

/* Print "dtbench WHO: error: <msg>\n" to stderr; returns 2 (usage). */
int real_fail(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when a is -h or --help. */
int real_is_help(const char *a);

/* "1GiB", "512MiB", "110KB", "4096": bytes; -1 when malformed. */
long long real_parse_bytes(const char *s);

/* An integer >= lo (and <= 2^30) into *out, 0; else the error line
 * "dtbench WHO: error: OPT: expected an integer >= LO, got 'S'", 2. */
int real_parse_int(const char *who, const char *opt, const char *s, int lo, int *out);

/* An integer in lo..hi into *out, 0; else cmd_fail's line
 * "bad WHAT 'S' (expected an integer LO..HI)", -1. */
int real_parse_int_range(const char *what, const char *s, int lo, int hi, int *out);

/* getenv as a bench_getenv_fn (models/bench.h); ctx unused. */
const char *real_getenv(const char *name, void *ctx);

#endif
