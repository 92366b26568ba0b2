/* cmd.h -- the dtsim subcommand table (git's builtin/ pattern).
 *
 * Each subcommand lives in sim/cmd_<name>.c and defines
 *
 *     const struct dtsim_cmd dtsim_cmd_<name> = {
 *         "name", "one-line summary", cmd_<name>
 *     };
 *
 * The build generates the table from the file names (scripts/gen-tables.sh),
 * so adding a file is all it takes. A command returns the process exit
 * status: 0 success, 1 a result that failed a check (e.g. --verify found a
 * wrong element, a gate tripped), 2 bad input or usage, 3 skipped.
 * `argv[0]` is the command name; options follow.
 */
#ifndef DTSIM_CMD_H
#define DTSIM_CMD_H

#include <stdio.h>

struct dtsim_cmd {
    const char *name;      /* as typed: "calibrate-compute" */
    const char *summary;   /* one line for `dtsim --help` */
    int (*run)(int argc, char **argv);
};

enum { DT_EXIT_OK = 0, DT_EXIT_FAIL = 1, DT_EXIT_USAGE = 2, DT_EXIT_SKIP = 3 };

#define DTSIM_CMD(n) extern const struct dtsim_cmd dtsim_cmd_##n;
#include "cmds.h"
#undef DTSIM_CMD

/* Print "dtsim: error: <msg>\n" to stderr. Returns DT_EXIT_USAGE. */
int cmd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when argv[i] is -h or --help. */
int cmd_is_help(const char *arg);

#endif
