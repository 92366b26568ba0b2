/* dtbench.h -- the dtbench command layer: the subcommand table (the same
 * `struct dtsim_cmd` rows as dtsim, defined in real/main.c), exit codes and
 * message helpers.
 *
 * A subcommand is `int run(int argc, char **argv)` with argv[0] its name;
 * it answers --help with exit 0 and returns DT_EXIT_OK (0), DT_EXIT_FAIL
 * (1: a check failed or a run broke), DT_EXIT_USAGE (2: bad input) or
 * DT_EXIT_SKIP (3: the hardware or the build is absent).
 *
 * The other dtbench parts (compute, io, scaling) plug in by defining
 * `int dtbench_<name>_main(int argc, char **argv)`; main.c references them
 * weakly, so a build without them still links and says so.
 */
#ifndef DT_DTBENCH_H
#define DT_DTBENCH_H

#include "cmd.h"
#include "err.h"

extern const struct dtsim_cmd dtbench_cmd_allreduce;
extern const struct dtsim_cmd dtbench_cmd_launch;
extern const struct dtsim_cmd dtbench_cmd_testbed;

/* "dtbench: error: <msg>" on stderr (cmd_fail, from cmd.h, does the same
 * and returns DT_EXIT_USAGE). Returns `status`. */
int dtbench_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Exit status for a library error code: ESKIP -> 3, EINVAL/ENOENT/ERANGE -> 2, else 1. */
int dtbench_status(int dt_code);

/* Testbed layout shared by `testbed` and `launch --testbed`. */
#define TESTBED_DEFAULT_PREFIX "dtb"
#define TESTBED_NET "198.18.0"      /* host i is 198.18.0.(i+1)/24 */
#define TESTBED_MAX_HOSTS 64
/* Hosts of an existing testbed (namespaces <prefix>0..), or a negative
 * DT_E code. */
int testbed_hosts(const char *prefix, dt_err *e);

#endif
