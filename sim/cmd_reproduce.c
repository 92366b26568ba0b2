/* dtsim reproduce: rebuild Tables 1 and 2 of arXiv 1811.05233 by
 * simulation, side by side with the published figures (what `make run`
 * runs). The rows are data: configs/reproduce.ini. Each row is simulated at
 * its point and, over the [uncertain] ranges of its files, one range at a
 * time and in two combined runs, giving an interval (repro.h). Each
 * simulation runs in a child process (SimGrid runs one engine per
 * process), several at once. */
#include "cleanup.h"
#include "cmd.h"
#include "cmdutil.h"
#include "config.h"
#include "jobs.h"
#include "repro.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct config_key schema[] = {
    {"row", "table", CONFIG_INT, 1, 4, NULL, NULL,
     "1 (training time), 2 (scaling efficiency), 3 (images/s of one GPU: a check of a stack's fit) or 4 (seconds "
     "per iteration of a large model split by [parallel])"},
    {"row", "label", CONFIG_STRING, 0, 0, NULL, NULL, "the row's name in the paper"},
    {"row", "devices", CONFIG_STRING, 0, 0, NULL, NULL, "devices as the paper prints them"},
    {"row", "batch", CONFIG_STRING, 0, 0, NULL, "", "batch as the paper prints it"},
    {"row", "experiment", CONFIG_STRING, 0, 0, NULL, NULL, "experiment file, relative to the manifest"},
    {"row", "published", CONFIG_STRING, 0, 0, NULL, NULL, "a time (tables 1 and 4), a percentage (table 2), images/s (table 3)"},
    {"row", "tolerance", CONFIG_REAL, 0, 1000, NULL, NULL, "percent (tables 1, 3 and 4) or points (table 2)"},
    {"row", "scaling", CONFIG_BOOL, 0, 0, NULL, "no", "also simulate fewer nodes for the scaling plot"},
    {"row", "role", CONFIG_ENUM, 0, 0, "scored|calibration", "scored",
     "scored, or calibration: a calibration point of its stack, printed and not scored"},
    {"row", "source", CONFIG_STRING, 0, 0, NULL, NULL, "where the published figure comes from"},
    {"targets", "table1_median", CONFIG_REAL, 0, 1000, NULL, NULL,
     "the median |error| of the scored Table 1 rows aimed for, percent"},
};
#define NSCHEMA (sizeof schema / sizeof schema[0])

/* ---- the pool: jobs [first, first + n) of p ----------------------------- */

struct pool {
    struct repro *p;
    int *idx;            /* pool index -> job, biggest first */
    const char *what;    /* progress line: "simulations", "combined-range simulations" */
    int progress;        /* stderr is a terminal */
};

/* In the child: one experiment (jobs.h). */
static void job_child(void *ctx, int i, struct jobs_reply *rep)
{
    const struct pool *pl = ctx;
    const struct repro_job *j = &pl->p->jobs[pl->idx[i]];
    struct run_opts o;
    run_opts_default(&o);
    o.no_base = j->scaling && j->nodes == 1;
    jobs_simulate(j->exp, j->sets, j->nsets, &o, rep);
}

static void job_done(void *ctx, int i, const struct jobs_reply *rep, int done, int n)
{
    const struct pool *pl = ctx;
    struct repro_job *j = &pl->p->jobs[pl->idx[i]];
    j->rc = rep->rc;
    j->r = rep->r;
    if (rep->rc) snprintf(j->err, sizeof j->err, "%s", rep->err);
    if (pl->progress) fprintf(stderr, "\rdtsim reproduce: %d/%d %s done%s", done, n, pl->what, done == n ? "\n" : "");
}

/* Run the jobs added since `first`, the most GPUs first (the longest
 * simulations start early, so the last to finish is a short one); report
 * failures. */
static int run_pool(struct repro *p, int first, int par, const char *what)
{
    int n = p->njobs - first;
    if (n == 0) return DT_EXIT_OK;
    int *idx = malloc((size_t)n * sizeof *idx);
    if (!idx) return cmd_fail("out of memory");
    for (int i = 0; i < n; i++) { /* insertion sort: stable */
        int k = i;
        for (; k > 0 && p->jobs[idx[k - 1]].gpus < p->jobs[first + i].gpus; k--) idx[k] = idx[k - 1];
        idx[k] = first + i;
    }
    struct pool pl = {p, idx, what, isatty(2)};
    int r = jobs_run(n, par, job_child, job_done, &pl);
    free(idx);
    if (r != 0) {
        if (errno == EINTR) cleanup_exit_signal(jobs_stop_signal()); /* one line, 130/143, like run */
        return cmd_fail("reproduce: cannot start simulations: %s", strerror(errno));
    }
    int rc = DT_EXIT_OK;
    for (int j = first; j < p->njobs; j++)
        if (p->jobs[j].rc) {
            fprintf(stderr, "dtsim: error: %s%s%s: %s\n", p->jobs[j].exp, p->jobs[j].nsets ? " with --set " : "",
                    p->jobs[j].nsets ? p->jobs[j].sets[0] : "", p->jobs[j].err);
            rc = DT_EXIT_FAIL;
        }
    return rc;
}

/* ---- the manifest ------------------------------------------------------- */

static int parse_rows(const config *c, const char *dir, struct repro_row *rows, int *nrows, dt_err *e)
{
    char type[32];
    int n = 0, rc;
    for (size_t s = 0; s < config_nsections(c); s++) {
        const char *sec = config_section_at(c, s);
        config_section_type(type, sizeof type, sec);
        if (strcmp(type, "row") != 0) continue;
        if (n == REPRO_MAXROWS) return dt_errf(e, DT_ERANGE, "more than %d rows", REPRO_MAXROWS);
        struct repro_row *r = &rows[n];
        memset(r, 0, sizeof *r);
        r->id = config_section_name(sec);
        long long table;
        const char *exp, *pub, *role;
        if ((rc = config_get_int(c, sec, "table", NULL, 1, 4, &table, e)) ||
            (rc = config_get_str(c, sec, "label", NULL, &r->label, e)) ||
            (rc = config_get_str(c, sec, "devices", NULL, &r->devices, e)) ||
            (rc = config_get_str(c, sec, "experiment", NULL, &exp, e)) ||
            (rc = config_get_str(c, sec, "published", NULL, &pub, e)) ||
            (rc = config_get_real(c, sec, "tolerance", NULL, 0, 1000, &r->tolerance, e)) ||
            (rc = config_get_bool(c, sec, "scaling", "no", &r->scaling, e)) ||
            (rc = config_get_str(c, sec, "role", "scored", &role, e)) ||
            (rc = config_get_str(c, sec, "source", NULL, &r->source, e)))
            return rc;
        r->table = (int)table;
        r->calibration = strcmp(role, "calibration") == 0;
        const struct config_entry *be = config_find(c, sec, "batch");
        r->batch = be ? be->value : "";
        const struct config_entry *at = config_find(c, sec, "published");
        if (r->table == 1 || r->table == 4) rc = config_entry_units(at, UNITS_TIME, 1e-3, 1e9, &r->published, e);
        else if (r->table == 3) rc = config_entry_real(at, 1e-6, 1e12, &r->published, e);
        else rc = config_entry_real(at, 0, 100, &r->published, e);
        if (rc) return rc;
        int w = exp[0] == '/' ? snprintf(r->exp, sizeof r->exp, "%s", exp)
                              : snprintf(r->exp, sizeof r->exp, "%s/%s", dir, exp);
        if (w < 0 || (size_t)w >= sizeof r->exp)
            return config_errf(e, DT_ERANGE, config_find(c, sec, "experiment"), "path too long");
        n++;
    }
    if (n == 0) return dt_errf(e, DT_EINVAL, "%s: no [row] sections", config_path(c));
    *nrows = n;
    return 0;
}

/* Load each row's experiment once (with its ranges) and check every range
 * value as a whole experiment, before anything is simulated. */
static int load_experiments(struct repro *p)
{
    dt_err e = {0, ""};
    for (int i = 0; i < p->nrows; i++) {
        struct repro_row *r = &p->rows[i];
        int k = 0;
        while (k < p->nexps && strcmp(p->exps[k].path, r->exp) != 0) k++;
        r->e = k;
        if (k < p->nexps) continue;
        struct repro_exp *x = &p->exps[p->nexps];
        if (experiment_load_ex(&x->x, r->exp, NULL, 0, cmd_resolve, NULL, &e) ||
            cmd_check_ranges(&x->x, &e))
            return cmd_fail("row '%s': %s", r->id, e.msg);
        x->path = r->exp;
        p->nexps++;
    }
    return DT_EXIT_OK;
}

/* ---- the jobs ------------------------------------------------------------ */

/* Points, every range value (ranges != 0), then the scaling points. */
static int add_jobs(struct repro *p, int ranges)
{
    for (int k = 0; k < p->nexps; k++) {
        struct repro_exp *x = &p->exps[k];
        if ((x->point = repro_job(p, x->path, NULL, 0, 0)) < 0) return cmd_fail("out of memory");
        p->jobs[x->point].gpus = experiment_gpus(&x->x);
        for (int i = 0; ranges && i < x->x.unc.n; i++)
            for (int a = 0; a < x->x.unc.r[i].nalts; a++) {
                struct unc_pick pk = {i, a};
                x->alt[i][a] = x->x.unc.r[i].at_point[a] ? x->point : repro_job_at(p, k, &pk, 1);
                if (x->alt[i][a] < 0) return cmd_fail("%s: a range value too long or out of memory", x->path);
            }
    }
    for (int i = 0; i < p->nrows; i++) {
        struct repro_row *r = &p->rows[i];
        r->job = p->exps[r->e].point;
        if (r->table != 2 || !r->scaling) continue;
        const struct experiment *x = &p->exps[r->e].x;
        long long per_gpu = x->training.batch[0].global_batch / experiment_gpus(x);
        int G = x->cluster.gpus_per_node;
        for (int n = 1; n < x->cluster.nodes; n *= 2) {
            char s[3][64], *sets[3] = {s[0], s[1], s[2]};
            snprintf(s[0], sizeof s[0], "cluster.nodes=%d", n);
            snprintf(s[1], sizeof s[1], "training.batch=%lld", per_gpu * G * n);
            snprintf(s[2], sizeof s[2], "allreduce.grid=none");
            int j = repro_job(p, r->exp, sets, 3, 1);
            if (j < 0) return cmd_fail("out of memory");
            p->jobs[j].row = i;
            p->jobs[j].nodes = n;
            p->jobs[j].gpus = (long long)n * G;
        }
    }
    return DT_EXIT_OK;
}

/* The two combined runs of every row: each range at the value that moved
 * the row down (then up), checked as an experiment before it runs. */
static int add_combined(struct repro *p)
{
    dt_err e = {0, ""};
    for (int i = 0; i < p->nrows; i++) {
        struct repro_row *r = &p->rows[i];
        struct unc_pick picks[2][UNC_MAX_RANGES];
        int np[2];
        repro_ends(p, r, picks, np);
        for (int k = 0; k < 2; k++) {
            struct experiment y;
            if (experiment_at(&p->exps[r->e].x, picks[k], np[k], cmd_resolve, NULL, &y, &e))
                return cmd_fail("row '%s': every range at its value moving the row %s: %s", r->id, k ? "up" : "down",
                                e.msg);
            experiment_free(&y);
            if ((r->combined[k] = repro_job_at(p, r->e, picks[k], np[k])) < 0) return cmd_fail("out of memory");
        }
    }
    return DT_EXIT_OK;
}

/* ---- printing ------------------------------------------------------------ */

static void fmt_time(char *buf, size_t n, double s)
{
    if (s >= 3600) snprintf(buf, n, "%.1f h", s / 3600);
    else if (s >= 60) snprintf(buf, n, "%.1f min", s / 60);
    else snprintf(buf, n, "%.0f s", s);
}

/* "20.1-23.0 h", "1.4-2.4 min", "6.9-7.1 s" (the unit of the high end), or
 * "94.1-99.9" (percent). */
static void fmt_interval(char *buf, size_t n, const struct repro_row *r)
{
    if (!r->ranged) snprintf(buf, n, "-");
    else if (r->table == 2) snprintf(buf, n, "%.1f-%.1f", r->low, r->high);
    else if (r->table == 3) snprintf(buf, n, "%.0f-%.0f", r->low, r->high);
    else if (r->table == 4) snprintf(buf, n, "%.1f-%.1f s", r->low, r->high);
    else if (r->high >= 3600) snprintf(buf, n, "%.1f-%.1f h", r->low / 3600, r->high / 3600);
    else if (r->high >= 60) snprintf(buf, n, "%.1f-%.1f min", r->low / 60, r->high / 60);
    else snprintf(buf, n, "%.1f-%.1f s", r->low, r->high);
}

static const char *verdict(char *buf, size_t n, const struct repro_row *r)
{
    if (r->calibration) snprintf(buf, n, "calibration");
    else snprintf(buf, n, "%s%s", r->within ? "ok" : "MISS", !r->ranged ? "" : r->inside ? ", in" : ", out");
    return buf;
}

/* Two lines under a row: its first phase's step. */
static void breakdown(const struct run_result *r)
{
    const struct iter_result *s = &r->ph[0].r;
    printf("    step %.1f ms = compute %.1f + optimizer %.1f + host %.1f + exposed comm %.1f + input stall %.1f\n"
           "    %s; all-reduce %.1f ms in %d buckets; %.0f images/s per GPU\n",
           s->step_s * 1e3, (s->forward_s + s->backward_s) * 1e3, s->optimizer_s * 1e3, s->host_s * 1e3,
           s->exposed_comm_s * 1e3, s->input_stall_s * 1e3, r->stack, s->allreduce_s * 1e3, s->buckets,
           r->ph[0].images_per_s / r->gpus);
}

/* A figure of row r: "21.3 h" or "95.72%"; a change from the point:
 * "+12.3%" of the time, or "+1.23 pt". */
static void fmt_figure(char *buf, size_t n, const struct repro_row *r, double y)
{
    if (r->table == 1) fmt_time(buf, n, y);
    else if (r->table == 4) snprintf(buf, n, "%.1f s", y);
    else if (r->table == 3) snprintf(buf, n, "%.0f images/s", y);
    else snprintf(buf, n, "%.2f%%", y);
}

static void fmt_change(char *buf, size_t n, const struct repro_row *r, double y, double y0)
{
    if (r->table != 2) snprintf(buf, n, "%+.1f%%", 100 * (y / y0 - 1));
    else snprintf(buf, n, "%+.2f pt", y - y0);
}

/* Print text as lines of at most `width` columns, broken at blanks. */
static void print_wrapped(const char *text, int width)
{
    const char *p = text;
    while (*p) {
        const char *end = p, *brk = NULL;
        while (*end && end - p < width) {
            if (*end == ' ') brk = end;
            end++;
        }
        if (*end && brk) end = brk; /* else a word longer than the line: cut it */
        printf("%.*s\n", (int)(end - p), p);
        p = end;
        while (*p == ' ') p++;
    }
}

/* The tornado in words: per row, each range's value that moved the row
 * furthest down and up, widest swing first. */
static void print_tornado(const struct repro *p, const char *outdir)
{
    char head[600];
    snprintf(head, sizeof head, "Ranges one at a time (the tornado, %s/reproduce-tornado.png): for each range, the "
             "value that moved the row furthest down and furthest up, the others at their points; '-': none did.",
             outdir);
    printf("\n");
    print_wrapped(head, 100);
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        const struct unc_set *u = &p->exps[r->e].x.unc;
        if (r->table == 3 && !u->n) continue; /* a stack check without ranges */
        char a[32], c[32], iv[48];
        double y0 = repro_figure(p, r, r->job);
        fmt_figure(a, sizeof a, r, y0);
        fmt_figure(c, sizeof c, r, r->published);
        fmt_interval(iv, sizeof iv, r);
        printf("%s (Table %d%s): point %s, interval %s%s, published %s\n", r->label, r->table,
               r->calibration ? ", calibration" : "", a, iv, r->table == 2 ? "%" : "", c);
        if (!u->n) printf("    (no ranges)\n");
        /* per range and end: the value ("-": none) and the change */
        char v[UNC_MAX_RANGES][2][64], d[UNC_MAX_RANGES][2][32];
        int kw = 0, vw = 5, order[UNC_MAX_RANGES];
        for (int q = 0; q < u->n; q++) {
            int l = (int)strlen(u->r[q].at->key);
            kw = l > kw ? l : kw;
            for (int k = 0; k < 2; k++) {
                double y = repro_end(p, r, q, k, v[q][k], sizeof v[q][k]);
                if (v[q][k][0]) {
                    fmt_change(d[q][k], sizeof d[q][k], r, y, y0);
                } else {
                    snprintf(v[q][k], sizeof v[q][k], "-");
                    snprintf(d[q][k], sizeof d[q][k], "-");
                }
                vw = (int)strlen(v[q][k]) > vw ? (int)strlen(v[q][k]) : vw;
            }
        }
        repro_order(p, r, order);
        for (int k = 0; k < u->n; k++) {
            int q = order[k];
            printf("    %-*s  %-*s %8s   %-*s %8s\n", kw, u->r[q].at->key, vw, v[q][0], d[q][0], vw, v[q][1], d[q][1]);
        }
    }
}

/* "Table 1: within 15%, Smith et al. 25%; ": the tolerance most scored
 * rows of a table share, and the rows that differ; "" without scored rows. */
static void tolerance_text(char *buf, size_t n, const struct repro *p, int table, const char *unit)
{
    buf[0] = '\0';
    double common = -1;
    int best = 0;
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        if (r->table != table || r->calibration) continue;
        int same = 0;
        for (int k = 0; k < p->nrows; k++)
            same += p->rows[k].table == table && !p->rows[k].calibration && p->rows[k].tolerance == r->tolerance;
        if (same > best) best = same, common = r->tolerance;
    }
    if (!best) return;
    size_t u = (size_t)snprintf(buf, n, "Table %d: within %g%s", table, common, unit);
    for (int i = 0; i < p->nrows && u < n; i++) {
        const struct repro_row *r = &p->rows[i];
        if (r->table == table && !r->calibration && r->tolerance != common)
            u += (size_t)snprintf(buf + u, n - u, ", %s %g%s", r->label, r->tolerance, unit);
    }
    if (u < n) snprintf(buf + u, n - u, "; ");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Table 4: large models split by [parallel], seconds per iteration, with
 * the TFLOP/s per GPU the way the papers count it (recompute included). */
static void print_large(const struct repro *p, int *hits)
{
    char v[32], iv[48];
    printf("Large models split by tensor, pipeline and data parallelism: seconds per iteration\n");
    printf("%-22s %-18s %9s %9s %14s %7s %13s  %s\n", "row", "devices", "published", "simulated", "interval", "error",
           "TFLOP/s/GPU", "verdict");
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        if (r->table != 4) continue;
        const struct run_result *res = &p->jobs[r->job].r;
        const struct run_par *q = &res->par;
        *hits += r->within;
        fmt_interval(iv, sizeof iv, r);
        printf("%-22s %-18s %8.1fs %8.1fs %14s %+6.1f%% %13.1f  %s\n", r->label, r->devices, r->published, r->simulated,
               iv, r->error, q->hw_tflops_per_gpu, verdict(v, sizeof v, r));
        printf("    step %.2f s = compute %.2f + exposed TP %.2f + exposed DP %.2f + bubble %.2f + optimizer %.2f\n"
               "    TP %d x PP %d x DP %d, %d microbatches of %d, %s; MFU %.1f%%; %.1f GB per GPU\n",
               q->step_s, q->compute_s, q->tp_s, q->dp_exposed_s, q->bubble_s, q->optimizer_s, q->l.tp, q->l.pp,
               q->l.dp, q->l.microbatches, q->l.microbatch, res->stack, 100 * q->mfu, q->mem.total / 1e9);
    }
    printf("\n");
}

static void print_tables(const struct repro *p, double median_target, int ranges, const char *outdir)
{
    char a[32], b[32], iv[48], v[32];
    int n12 = 0, n4 = 0, hits4 = 0, n3 = 0, hits3 = 0;
    for (int i = 0; i < p->nrows; i++) {
        n12 += p->rows[i].table <= 2;
        n4 += p->rows[i].table == 4;
    }
    if (n4) print_large(p, &hits4);
    if (!n12) goto summary;
    printf("dtsim reproduce: arXiv 1811.05233 (ImageNet/ResNet-50 in 224 seconds), Tables 1 and 2\n\n");
    printf("Table 1: training time\n");
    printf("%-13s %-17s %-10s %9s %9s %14s %7s  %s\n", "row", "devices", "batch", "published", "simulated", "interval",
           "error", "verdict");
    double abs_err[REPRO_MAXROWS];
    int nscored = 0;
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        if (r->table != 1) continue;
        fmt_time(a, sizeof a, r->published);
        fmt_time(b, sizeof b, r->simulated);
        fmt_interval(iv, sizeof iv, r);
        printf("%-13s %-17s %-10s %9s %9s %14s %+6.1f%%  %s\n", r->label, r->devices, r->batch, a, b, iv, r->error,
               verdict(v, sizeof v, r));
        breakdown(&p->jobs[r->job].r);
        if (!r->calibration) abs_err[nscored++] = fabs(r->error);
    }
    if (nscored) {
        qsort(abs_err, (size_t)nscored, sizeof abs_err[0], cmp_double);
        double med = nscored % 2 ? abs_err[nscored / 2] : (abs_err[nscored / 2 - 1] + abs_err[nscored / 2]) / 2;
        printf("median |error| of the %d scored row%s: %.1f%%", nscored, nscored == 1 ? "" : "s", med);
        if (median_target >= 0) printf(" (target: at most %g%%, %s)", median_target, med <= median_target ? "met" : "missed");
        printf("\n");
    }
    printf("\nTable 2: GPU scaling efficiency in %% and error in points (base: one node, same per-GPU batch)\n");
    printf("%-13s %-36s %9s %9s %10s %7s  %s\n", "row", "devices", "published", "simulated", "interval", "error",
           "verdict");
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        if (r->table != 2) continue;
        fmt_interval(iv, sizeof iv, r);
        printf("%-13s %-36s %9.2f %9.2f %10s %+7.2f  %s\n", r->label, r->devices, r->published, r->simulated, iv,
               r->error, verdict(v, sizeof v, r));
        breakdown(&p->jobs[r->job].r);
    }
    for (int i = 0; i < p->nrows; i++) n3 += p->rows[i].table == 3;
    if (n3) {
        printf("\nStack check (not in the paper): ResNet-50 on one GPU under its stack, images/s (dtsim run);\n"
               "the stack's own fitting points, so a check of the fit in the simulator, not a prediction\n");
        printf("%-28s %-22s %9s %9s %7s  %s\n", "row", "stack", "published", "simulated", "error", "verdict");
        for (int i = 0; i < p->nrows; i++) {
            const struct repro_row *r = &p->rows[i];
            if (r->table != 3) continue;
            hits3 += r->within;
            printf("%-28s %-22s %9.0f %9.0f %+6.1f%%  %s\n", r->label, p->jobs[r->job].r.stack, r->published,
                   r->simulated, r->error, r->within ? "ok" : "MISS");
            breakdown(&p->jobs[r->job].r);
        }
    }
summary:;
    char t1[200], t2[200], note[1200];
    tolerance_text(t1, sizeof t1, p, n12 ? 1 : 4, "%");
    tolerance_text(t2, sizeof t2, p, 2, " pt");
    size_t tl = strlen(t2);
    if (tl >= 2) t2[tl - 2] = '\0'; /* the last "; " */
    else if ((tl = strlen(t1)) >= 2) t1[tl - 2] = '\0';
    else snprintf(t1, sizeof t1, "no scored rows");
    snprintf(note, sizeof note, "verdict: ok or MISS, the simulated point against the row's tolerance (%s%s)%s", t1,
             t2,
             ranges ? "; in or out, the published value inside or outside the interval. interval: the lowest and "
                      "highest figure of the point, each [uncertain] range at each of its values alone (below) and "
                      "two combined runs, every range at its value that moved the row down, then every range at its "
                      "value that moved it up."
                    : ". --no-ranges: no intervals.");
    printf("\n");
    print_wrapped(note, 100);
    if (ranges) print_tornado(p, outdir);
    int hits = 0, scored = 0, inside = 0;
    char cal[300] = "";
    size_t cu = 0;
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        if (r->table == 3) continue; /* counted on their own below */
        if (r->table == 4 && n12) continue; /* a manifest of both: counted on their own below */
        if (r->calibration) {
            cu += (size_t)snprintf(cal + cu, cu < sizeof cal ? sizeof cal - cu : 0, "%s%s (Table %d)", cu ? ", " : "",
                                   r->label, r->table);
            continue;
        }
        scored++;
        hits += r->within;
        inside += r->inside;
    }
    printf("\n%d of %d scored rows within their tolerance", hits, scored);
    if (ranges) printf(", %d of %d published values inside their intervals", inside, scored);
    printf(".\n");
    if (n3) printf("Stack check: %d of %d within their tolerance.\n", hits3, n3);
    if (n4 && n12) printf("Large-model runs: %d of %d within their tolerance.\n", hits4, n4);
    if (cal[0]) printf("Calibration points of their stacks (one node), printed, not scored: %s.\n", cal);
    printf("No per-row factor; compute and training stacks fitted on single-GPU and single-node figures\n"
           "only (configs/catalog/compute.ini, stacks.ini). Misses are explained in README.md.\n");
}

/* Pictures: plots/reproduce-*.gp, PNG and SVG (the tornado only when the
 * ranges ran). gnuplot missing or failing is reported, not fatal: the
 * tables and CSVs stand on their own. */
static void plots(const char *plotdir, const char *outdir, int ranges, int *made)
{
    static const char *const names[] = {"reproduce-times", "reproduce-scaling", "reproduce-breakdown",
                                        "reproduce-input", "reproduce-tornado"};
    static const char *const terms[] = {"png", "svg"};
    *made = 0;
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "dtsim reproduce: gnuplot not found; no pictures (install gnuplot-nox)\n");
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        for (int t = 0; t < 2; t++) {
            char cmd[9000], gp[4200];
            if (!ranges && strcmp(names[i], "reproduce-tornado") == 0) continue;
            int w = snprintf(gp, sizeof gp, "%s/%s.gp", plotdir, names[i]);
            if (w < 0 || (size_t)w >= sizeof gp || access(gp, R_OK) != 0) continue;
            w = snprintf(cmd, sizeof cmd, "gnuplot -e \"datadir='%s'; outdir='%s'; term='%s'\" '%s' 2>&1", outdir, outdir,
                         terms[t], gp);
            if (w < 0 || (size_t)w >= sizeof cmd) continue;
            if (system(cmd) != 0) fprintf(stderr, "dtsim reproduce: gnuplot failed on %s\n", gp);
            else (*made)++;
        }
}

static int usage(FILE *f)
{
    fprintf(f, "usage: dtsim reproduce [--manifest FILE] [--out DIR] [--jobs N] [--only ROW,...] [--no-ranges]\n"
               "                       [--no-plots]\n\n"
               "Rebuild Tables 1 and 2 of arXiv 1811.05233 (ResNet-50 on ImageNet, 8 to 2176 GPUs)\n"
               "by simulation, beside the published figures. Each row runs at its point and over\n"
               "the [uncertain] ranges of its experiment and cluster files: each range at each of\n"
               "its values alone (the tornado) and in two combined runs (every range at its value\n"
               "that moved the row down, then up), whose lowest and highest figures are the row's\n"
               "interval. Prints both tables with the error, interval and verdict of each row,\n"
               "its step breakdown and the tornado; writes DIR/reproduce.csv (with the interval),\n"
               "DIR/reproduce-tornado.csv, the CSVs behind the other pictures, and\n"
               "DIR/reproduce-*.png/svg with gnuplot.\n\n"
               "  --manifest FILE  the rows (default configs/reproduce.ini)\n"
               "  --out DIR        output directory (default out)\n"
               "  --jobs N         simulations at once (default: the number of CPUs)\n"
               "  --only ROWS      only these row ids (comma separated), e.g. t1-he,t2-mikami\n"
               "  --no-ranges      the points only: no intervals, no tornado (a quick run)\n"
               "  --no-plots       skip gnuplot\n"
               "Exit status: 0 when every row ran (misses included: they are results), 1 when a\n"
               "simulation failed, 2 on bad input (nothing is simulated).\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

static int wanted(const char *only, const char *id)
{
    if (!only) return 1;
    size_t n = strlen(id);
    for (const char *p = only; (p = strstr(p, id)); p += n)
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
    return 0;
}

/* Rows, experiments and jobs; freed by repro_free. */
static struct repro P;

static int reproduce(const config *c, const char *dir, const char *only, const char *outdir, const char *plotdir,
                     int par, int ranges, int noplots)
{
    static struct repro_row all[REPRO_MAXROWS];
    int nall = 0;
    dt_err e = {0, ""};
    if (parse_rows(c, dir, all, &nall, &e)) return cmd_fail("%s", e.msg);
    for (int i = 0; i < nall; i++)
        if (wanted(only, all[i].id)) P.rows[P.nrows++] = all[i];
    if (P.nrows == 0) {
        char ids[1024] = "";
        size_t used = 0;
        for (int i = 0; i < nall && used + 40 < sizeof ids; i++)
            used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", i ? ", " : "", all[i].id);
        return cmd_fail("reproduce: --only '%s' matches no row (rows: %s)", only, ids);
    }
    double median_target = -1;
    if (config_find(c, "targets", "table1_median") &&
        config_get_real(c, "targets", "table1_median", NULL, 0, 1000, &median_target, &e))
        return cmd_fail("%s", e.msg);
    int rc = load_experiments(&P);
    if (!rc) rc = add_jobs(&P, ranges);
    if (rc) return rc;
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) return cmd_fail("cannot create '%s': %s", outdir, strerror(errno));
    if ((rc = run_pool(&P, 0, par, "simulations"))) return rc;
    if (ranges) {
        int first = P.njobs;
        if ((rc = add_combined(&P)) || (rc = run_pool(&P, first, par, "combined-range simulations"))) return rc;
    }
    for (int i = 0; i < P.nrows; i++) {
        struct repro_row *r = &P.rows[i];
        r->simulated = repro_figure(&P, r, r->job);
        r->error = r->table != 2 ? 100 * (r->simulated / r->published - 1) : r->simulated - r->published;
        r->within = fabs(r->error) <= r->tolerance;
        if (ranges) repro_interval(&P, r);
    }
    print_tables(&P, median_target, ranges, outdir);
    if ((rc = repro_write_csvs(&P, outdir, ranges))) return rc;
    int made = 0;
    if (!noplots) plots(plotdir, outdir, ranges, &made);
    printf("wrote %s/reproduce.csv%s%s\n", outdir, ranges ? ", reproduce-tornado.csv" : "",
           made ? " and the pictures reproduce-*.png/svg" : "");
    return DT_EXIT_OK;
}

static int cmd_reproduce(int argc, char **argv)
{
    const char *manifest = NULL, *outdir = "out", *only = NULL;
    int par = (int)sysconf(_SC_NPROCESSORS_ONLN), noplots = 0, ranges = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cmd_is_help(a)) return usage(stdout);
        if (strcmp(a, "--no-plots") == 0) noplots = 1;
        else if (strcmp(a, "--no-ranges") == 0) ranges = 0;
        else if (i + 1 < argc && strcmp(a, "--manifest") == 0) manifest = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--out") == 0) outdir = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--only") == 0) only = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--jobs") == 0) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 256) return cmd_fail("reproduce: --jobs needs a whole number from 1 to 256");
            par = (int)v;
        } else {
            cmd_fail("reproduce: unknown or incomplete option '%s'", a);
            return usage(stderr);
        }
    }
    if (par < 1) par = 1;
    dt_err e = {0};
    char catdir[4096], mbuf[4200], dir[4200], plotdir[4200];
    if (catalog_dir(catdir, sizeof catdir, NULL, &e)) return cmd_fail("%s", e.msg);
    snprintf(plotdir, sizeof plotdir, "%s/../../plots", catdir);
    if (!manifest) {
        snprintf(mbuf, sizeof mbuf, "%s/../reproduce.ini", catdir);
        manifest = mbuf;
    }
    snprintf(dir, sizeof dir, "%s", manifest);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    config *c = NULL;
    int rc;
    if (config_load(&c, manifest, &e) || config_check(c, schema, NSCHEMA, NULL, &e)) rc = cmd_fail("%s", e.msg);
    else rc = reproduce(c, dir, only, outdir, plotdir, par, ranges, noplots);
    repro_free(&P);
    config_free(c);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_reproduce = {"reproduce", "rebuild Tables 1 and 2 of arXiv 1811.05233 (make run)",
                                              cmd_reproduce};
