#include "cmdutil.h"

#include "coll.h"
#include "dnn.h"

#include "catalog.h"
#include "cmd.h"
#include "run.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cmd_sets_take(struct cmd_sets *s, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    char *val;
    if (strcmp(a, "--set") == 0) {
        if (*i + 1 >= argc) {
            cmd_fail("--set needs an argument: --set section.key=value");
            return -1;
        }
        val = argv[++*i];
    } else if (strncmp(a, "--set=", 6) == 0)
        val = argv[*i] + 6;
    else
        return 0;
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 8;
        char **v = realloc(s->v, (size_t)cap * sizeof *v);
        if (!v) {
            cmd_fail("out of memory");
            return -1;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = val;
    return 1;
}

void cmd_sets_free(struct cmd_sets *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* The catalog, loaded on the first name to check ($DTSIM_CATALOG or the
 * repository's configs/catalog) and kept for the process. */
static struct catalog *cmd_catalog_cache;

int cmd_resolve(void *ctx, const char *kind, const char *name, const struct config_entry *where, dt_err *e)
{
    (void)ctx;
    dt_err le;
    if (strcmp(kind, "model") == 0) {
        if (dnn_find(name, &le)) return 0;
        return config_errf(e, DT_ENOENT, where, "%s", le.msg);
    }
    if (strcmp(kind, "algorithm") == 0) { /* allreduce.algorithm, allreduce.inner: all-reduces only */
        if (coll_find_allreduce(name, &le)) return 0;
        return config_errf(e, le.code, where, "%s", le.msg);
    }
    if (strcmp(kind, "gpu") && strcmp(kind, "link") && strcmp(kind, "storage") && strcmp(kind, "cpu") &&
        strcmp(kind, "stack") && strcmp(kind, "commlib"))
        return 0;
    if (!cmd_catalog_cache) {
        int rc = catalog_load(&cmd_catalog_cache, NULL, e);
        if (rc) return rc;
    }
    return catalog_resolve(cmd_catalog_cache, kind, name, where, e);
}

const struct catalog *cmd_catalog(void)
{
    return cmd_catalog_cache;
}

int cmd_experiment_load(struct experiment *x, const char *path, const struct cmd_sets *s)
{
    dt_err e = {0, ""};
    if (experiment_load_ex(x, path, s ? s->v : NULL, s ? s->n : 0, cmd_resolve, NULL, &e) < 0)
        return cmd_fail("%s", e.msg);
    if (!cmd_catalog_cache && catalog_load(&cmd_catalog_cache, NULL, &e)) {
        experiment_free(x);
        return cmd_fail("%s", e.msg);
    }
    if (run_check(x, cmd_catalog_cache, &e)) {
        experiment_free(x);
        return cmd_fail("%s", e.msg);
    }
    return DT_EXIT_OK;
}

static int check_run(const struct experiment *y, void *cat, dt_err *e)
{
    return run_check(y, cat, e);
}

int cmd_check_ranges(const struct experiment *x, dt_err *e)
{
    int rc = experiment_check_ranges(x, cmd_resolve, NULL, e);
    if (rc < 0) return rc;
    if (!cmd_catalog_cache && (rc = catalog_load(&cmd_catalog_cache, NULL, e))) return rc;
    if ((rc = run_check(x, cmd_catalog_cache, e))) return rc;
    /* each range value as a whole experiment: a batch that does not fit, a
     * precision the GPU lacks (run_check), before anything is simulated */
    return experiment_check_ranges_with(x, cmd_resolve, NULL, check_run, cmd_catalog_cache, e);
}

int cmd_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("dtsim: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return DT_EXIT_USAGE;
}

int cmd_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cmd_year_now(void)
{
    time_t now = time(NULL);
    struct tm tm;
    return localtime_r(&now, &tm) ? tm.tm_year + 1900 : 2026;
}
