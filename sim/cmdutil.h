/* cmdutil.h -- helpers shared by dtsim commands that read an experiment.
 *
 * Every command that reads a config accepts `--set section.key=value`
 * (repeatable; `--set=section.key=value` too), applied after the file and
 * its includes, so the last --set wins. Typical use:
 *
 *     struct cmd_sets sets = {0};
 *     for (int i = 1; i < argc; i++) {
 *         int t = cmd_sets_take(&sets, argc, argv, &i);
 *         if (t < 0) { cmd_sets_free(&sets); return DT_EXIT_USAGE; }
 *         if (t) continue;
 *         ... other options ...
 *     }
 *     struct experiment x;
 *     int rc = cmd_experiment_load(&x, path, &sets);   // prints the error
 *     cmd_sets_free(&sets);
 *     if (rc) return rc;
 */
#ifndef DTSIM_CMDUTIL_H
#define DTSIM_CMDUTIL_H

#include "experiment.h"

struct cmd_sets {
    char **v;  /* "section.key=value", pointers into argv */
    int n, cap;
};

/* If argv[*i] is --set (value in argv[*i + 1]) or --set=VALUE, record it,
 * advance *i past what it used and return 1; return 0 when argv[*i] is
 * something else; -1 (after printing "dtsim: error: ...") when --set has
 * no value or memory runs out. */
int cmd_sets_take(struct cmd_sets *s, int argc, char **argv, int *i);
void cmd_sets_free(struct cmd_sets *s);

/* Load, override, check and resolve an experiment. Returns DT_EXIT_OK, or
 * prints "dtsim: error: FILE:LINE: [section] key: ..." and returns
 * DT_EXIT_USAGE. Names (gpu, links, ...) go through cmd_resolve. */
int cmd_experiment_load(struct experiment *x, const char *path, const struct cmd_sets *s);

/* experiment_check_ranges, then run_check (the stack, the precision, the
 * memory per GPU) on the point and on every value of every [uncertain]
 * range: what would fail a simulation is refused before any starts. */
int cmd_check_ranges(const struct experiment *x, dt_err *e);

/* The catalog cmd_resolve and cmd_experiment_load loaded (NULL before). */
struct catalog;
const struct catalog *cmd_catalog(void);

/* The catalog resolver used by cmd_experiment_load (experiment.h's
 * experiment_resolve_fn): gpu, link, storage, cpu and commlib names must be rows of
 * the catalog (models/catalog.h, loaded once from $DTSIM_CATALOG or the
 * repository's configs/catalog); other kinds are accepted here. */
int cmd_resolve(void *ctx, const char *kind, const char *name, const struct config_entry *where, dt_err *e);

/* This year (local time), for the year of a row fitted now. */
int cmd_year_now(void);

#endif
