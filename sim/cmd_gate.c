/* dtsim gate -- fail a build when a metric regressed past its tolerance.
 *
 * Reads two metric CSVs (format and rules in models/gate.h), prints one
 * aligned row per metric and a last line with the verdict. Exit 0: no
 * metric worse; 1: one or more WORSE, CHANGED or MISSING; 2: a baseline or
 * current file missing or malformed (never a pass). --update rewrites the
 * baseline from current, on purpose, and says so. */
#include "cmd.h"
#include "gate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dtsim gate --baseline FILE --current FILE [--tolerance PCT] [--update]\n\n"
    "Compare the metrics in FILE (current) with a committed baseline and fail (exit 1)\n"
    "when any metric got worse beyond its tolerance or is missing; print a table of\n"
    "what moved. A metrics CSV has the header\n\n"
    "    metric,value,unit,better,tolerance\n\n"
    "better: lower, higher or equal (a predicted figure: a change either way beyond\n"
    "tolerance fails); tolerance: `2%` of the baseline, or an absolute amount in the\n"
    "metric's unit; empty: --tolerance (default 5%). A metric only in current is\n"
    "reported as NEW and does not fail. A missing or malformed file is an error (2).\n\n"
    "  --baseline FILE    the committed metrics (bench/baselines/NAME.csv)\n"
    "  --current FILE     the metrics of this build (dtsim metrics ... writes them)\n"
    "  --tolerance PCT    default tolerance for metrics that name none (default 5%)\n"
    "  --update           rewrite the baseline from current (after showing the table);\n"
    "                     a tolerance the baseline set and current leaves empty is kept\n";

static void fmt_value(char *buf, size_t n, const struct gate_metric *m)
{
    if (!m) snprintf(buf, n, "-");
    else snprintf(buf, n, "%.10g%s%s", m->value, *m->unit ? " " : "", m->unit);
}

static void fmt_change(char *buf, size_t n, const struct gate_row *r)
{
    if (!r->base || !r->cur) snprintf(buf, n, "-");
    else if (isinf(r->change_pct)) snprintf(buf, n, "%s", r->change_pct > 0 ? "+inf%" : "-inf%");
    else if (fabs(r->change_pct) < 0.005) snprintf(buf, n, "0.00%%");
    else snprintf(buf, n, "%+.2f%%", r->change_pct);
}

/* The table; returns the number of failing rows and fills why (the list
 * of failing metrics, cut short when long). */
static int print_table(const struct gate_row *r, int n, char *why, size_t whyn)
{
    int w = 6;
    for (int i = 0; i < n; i++) {
        const char *name = r[i].base ? r[i].base->name : r[i].cur->name;
        int l = (int)strlen(name);
        if (l > w) w = l < 48 ? l : 48;
    }
    printf("%-*s %16s %16s %9s %12s  %s\n", w, "metric", "baseline", "current", "change", "tolerance", "verdict");
    int fails = 0;
    size_t used = 0;
    why[0] = 0;
    for (int i = 0; i < n; i++) {
        const struct gate_metric *m = r[i].base ? r[i].base : r[i].cur;
        char b[64], c[64], ch[32], tol[64];
        fmt_value(b, sizeof b, r[i].base);
        fmt_value(c, sizeof c, r[i].cur);
        fmt_change(ch, sizeof ch, &r[i]);
        gate_tol_format(&r[i].tol, m->unit, tol, sizeof tol);
        printf("%-*s %16s %16s %9s %12s  %s\n", w, m->name, b, c, ch, tol, gate_verdict_name(r[i].verdict));
        if (!gate_verdict_fails(r[i].verdict)) continue;
        fails++;
        if (used + 1 >= whyn) continue;
        int k;
        if (r[i].verdict == GATE_MISSING)
            k = snprintf(why + used, whyn - used, "%s'%s' missing from current", fails > 1 ? ", " : "", m->name);
        else
            k = snprintf(why + used, whyn - used, "%s'%s' %s %s (tolerance %s)", fails > 1 ? ", " : "", m->name,
                         r[i].verdict == GATE_CHANGED ? "changed" : "worse", ch, tol);
        used += k > 0 ? (size_t)k : 0;
        if (used >= whyn) used = whyn - 1;
    }
    if (used >= whyn - 1 && whyn > 4) strcpy(why + whyn - 5, "...");
    return fails;
}

static int load(struct gate_set *s, const char *role, const char *path, int quiet_missing)
{
    dt_err e = {0};
    int rc = gate_load(s, path, &e);
    if (!rc) return 0;
    if (!quiet_missing) {
        if (rc == DT_ENOENT || rc == DT_EIO) cmd_fail("%s: %s", role, e.msg);
        else cmd_fail("%s", e.msg);
    }
    return rc;
}

static int update(const char *bpath, const char *cpath, const struct gate_tol *deflt)
{
    struct gate_set b = {0}, c = {0};
    if (load(&c, "current", cpath, 0)) return DT_EXIT_USAGE;
    dt_err e = {0};
    int have = gate_load(&b, bpath, &e) == 0;
    if (have) {
        struct gate_row *r;
        int n;
        if (gate_compare(&b, &c, deflt, &r, &n, &e) >= 0) {
            char why[512];
            print_table(r, n, why, sizeof why);
            free(r);
        }
        for (int i = 0; i < c.n; i++)
            for (int j = 0; j < b.n; j++)
                if (c.m[i].tol.kind == GATE_TOL_NONE && strcmp(c.m[i].name, b.m[j].name) == 0) c.m[i].tol = b.m[j].tol;
    } else {
        printf("gate: no usable baseline (%s); writing a new one\n", e.msg);
    }
    int rc = gate_save(&c, bpath, &e);
    if (rc) cmd_fail("%s", e.msg);
    else printf("gate: updated %s from %s (%d metrics) on purpose; review and commit it\n", bpath, cpath, c.n);
    gate_free(&b);
    gate_free(&c);
    return rc ? DT_EXIT_USAGE : DT_EXIT_OK;
}

static int cmd_gate(int argc, char **argv)
{
    const char *bpath = NULL, *cpath = NULL, *tols = "5%";
    int upd = 0;
    for (int i = 1; i < argc; i++) {
        if (cmd_is_help(argv[i])) {
            fputs(usage, stdout);
            return DT_EXIT_OK;
        }
        if (strcmp(argv[i], "--update") == 0) {
            upd = 1;
            continue;
        }
        const char **dst = strcmp(argv[i], "--baseline") == 0    ? &bpath
                           : strcmp(argv[i], "--current") == 0   ? &cpath
                           : strcmp(argv[i], "--tolerance") == 0 ? &tols
                                                                 : NULL;
        if (!dst) return cmd_fail("gate: unknown option '%s' (see 'dtsim gate --help')", argv[i]);
        if (i + 1 >= argc) return cmd_fail("gate: %s needs a value", argv[i]);
        *dst = argv[++i];
    }
    if (!bpath || !cpath) return cmd_fail("gate: --baseline and --current are both required (see 'dtsim gate --help')");
    struct gate_tol deflt;
    dt_err e = {0};
    if (gate_tol_parse(tols, NULL, &deflt, &e)) return cmd_fail("--tolerance: %s", e.msg);
    if (upd) return update(bpath, cpath, &deflt);

    struct gate_set b = {0}, c = {0};
    if (load(&b, "baseline", bpath, 0)) return DT_EXIT_USAGE;
    if (load(&c, "current", cpath, 0)) {
        gate_free(&b);
        return DT_EXIT_USAGE;
    }
    struct gate_row *r;
    int n;
    int fails = gate_compare(&b, &c, &deflt, &r, &n, &e);
    if (fails < 0) {
        gate_free(&b), gate_free(&c);
        return cmd_fail("%s (update the baseline on purpose: dtsim gate --update ...)", e.msg);
    }
    char dt[64];
    printf("gate: %s against baseline %s (default tolerance %s)\n", cpath, bpath, gate_tol_format(&deflt, NULL, dt, sizeof dt));
    char why[1024];
    print_table(r, n, why, sizeof why);
    int better = 0, fresh = 0;
    for (int i = 0; i < n; i++) better += r[i].verdict == GATE_BETTER, fresh += r[i].verdict == GATE_NEW;
    if (fails)
        printf("gate: FAILED: %d of %d metrics regressed: %s\n", fails, b.n, why);
    else
        printf("gate: passed: none of %d metrics regressed (%d better, %d new)\n", b.n, better, fresh);
    free(r);
    gate_free(&b);
    gate_free(&c);
    return fails ? DT_EXIT_FAIL : DT_EXIT_OK;
}

const struct dtsim_cmd dtsim_cmd_gate = {"gate", "compare metrics with a baseline; fail past tolerance", cmd_gate};
