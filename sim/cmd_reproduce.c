/* dtsim reproduce: rebuild Tables 1 and 2 of arXiv 1811.05233 by
 * simulation, side by side with the published figures (what `make run`
 * runs). The rows are data: configs/reproduce.ini. Each experiment runs in
 * a child process (SimGrid runs one engine per process), several at once. */
#include "cmd.h"
#include "cmdutil.h"
#include "config.h"
#include "jobs.h"
#include "run.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXROWS 32
#define MAXJOBS 256
#define MAXSETS 4

static const struct config_key schema[] = {
    {"row", "table", CONFIG_INT, 1, 2, NULL, NULL, "1 (training time) or 2 (scaling efficiency)"},
    {"row", "label", CONFIG_STRING, 0, 0, NULL, NULL, "the row's name in the paper"},
    {"row", "devices", CONFIG_STRING, 0, 0, NULL, NULL, "devices as the paper prints them"},
    {"row", "batch", CONFIG_STRING, 0, 0, NULL, "", "batch as the paper prints it"},
    {"row", "experiment", CONFIG_STRING, 0, 0, NULL, NULL, "experiment file, relative to the manifest"},
    {"row", "published", CONFIG_STRING, 0, 0, NULL, NULL, "a time (table 1) or a percentage (table 2)"},
    {"row", "tolerance", CONFIG_REAL, 0, 1000, NULL, NULL, "percent (table 1) or points (table 2)"},
    {"row", "scaling", CONFIG_BOOL, 0, 0, NULL, "no", "also simulate fewer nodes for the scaling plot"},
    {"row", "source", CONFIG_STRING, 0, 0, NULL, NULL, "where the published figure comes from"},
};
#define NSCHEMA (sizeof schema / sizeof schema[0])

struct row {
    const char *id, *label, *devices, *batch, *source;
    char exp[4096];
    int table;
    double published;   /* seconds, or percent */
    double tolerance;
    int scaling;
    int job;            /* index of its full run */
    double simulated;
    double error;       /* percent (table 1) or points (table 2) */
    int within;
};

struct job {
    const char *exp;
    char sets[MAXSETS][128];
    int nsets;
    int row;            /* row it belongs to */
    int nodes;          /* nodes simulated (scaling points) */
    int scaling;        /* a scaling point, not the row's own run */
    struct run_result r;
    int rc;
    char err[1024];
};

/* In the child: one experiment (jobs.h). */
static void job_child(void *ctx, int i, struct jobs_reply *rep)
{
    const struct job *j = &((const struct job *)ctx)[i];
    char *sets[MAXSETS];
    for (int k = 0; k < j->nsets; k++) sets[k] = (char *)j->sets[k];
    struct run_opts o;
    run_opts_default(&o);
    o.no_base = j->scaling && j->nodes == 1;
    jobs_simulate(j->exp, sets, j->nsets, &o, rep);
}

static int progress;

static void job_done(void *ctx, int i, const struct jobs_reply *rep, int done, int n)
{
    struct job *j = &((struct job *)ctx)[i];
    j->rc = rep->rc;
    j->r = rep->r;
    if (rep->rc) snprintf(j->err, sizeof j->err, "%s", rep->err);
    if (progress) fprintf(stderr, "\rdtsim reproduce: %d/%d simulations done%s", done, n, done == n ? "\n" : "");
}

static int parse_rows(const config *c, const char *dir, struct row *rows, int *nrows, dt_err *e)
{
    char type[32];
    int n = 0, rc;
    for (size_t s = 0; s < config_nsections(c); s++) {
        const char *sec = config_section_at(c, s);
        config_section_type(type, sizeof type, sec);
        if (strcmp(type, "row") != 0) continue;
        if (n == MAXROWS) return dt_errf(e, DT_ERANGE, "more than %d rows", MAXROWS);
        struct row *r = &rows[n];
        memset(r, 0, sizeof *r);
        r->id = config_section_name(sec);
        long long table;
        const char *exp, *pub;
        if ((rc = config_get_int(c, sec, "table", NULL, 1, 2, &table, e)) ||
            (rc = config_get_str(c, sec, "label", NULL, &r->label, e)) ||
            (rc = config_get_str(c, sec, "devices", NULL, &r->devices, e)) ||
            (rc = config_get_str(c, sec, "experiment", NULL, &exp, e)) ||
            (rc = config_get_str(c, sec, "published", NULL, &pub, e)) ||
            (rc = config_get_real(c, sec, "tolerance", NULL, 0, 1000, &r->tolerance, e)) ||
            (rc = config_get_bool(c, sec, "scaling", "no", &r->scaling, e)) ||
            (rc = config_get_str(c, sec, "source", NULL, &r->source, e)))
            return rc;
        r->table = (int)table;
        const struct config_entry *be = config_find(c, sec, "batch");
        r->batch = be ? be->value : "";
        const struct config_entry *at = config_find(c, sec, "published");
        if (r->table == 1) rc = config_entry_units(at, UNITS_TIME, 1e-3, 1e9, &r->published, e);
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

static void fmt_time(char *buf, size_t n, double s)
{
    if (s >= 3600) snprintf(buf, n, "%.1f h", s / 3600);
    else if (s >= 60) snprintf(buf, n, "%.1f min", s / 60);
    else snprintf(buf, n, "%.0f s", s);
}

/* Breakdown line under a row: its first phase's step. */
static void breakdown(FILE *f, const struct run_result *r)
{
    const struct iter_result *s = &r->ph[0].r;
    fprintf(f, "    step %.1f ms = compute %.1f + exposed comm %.1f + input stall %.1f + optimizer %.1f  "
               "(all-reduce %.1f ms, %d buckets; %.0f images/s per GPU)\n",
            s->step_s * 1e3, (s->forward_s + s->backward_s) * 1e3, s->exposed_comm_s * 1e3, s->input_stall_s * 1e3,
            s->optimizer_s * 1e3, s->allreduce_s * 1e3, s->buckets, r->ph[0].images_per_s / r->gpus);
}

static int write_csvs(const char *outdir, const struct row *rows, int nrows, const struct job *jobs, int njobs)
{
    char p[4200];
    FILE *f;
#define OPEN(name)                                                  \
    snprintf(p, sizeof p, "%s/%s", outdir, name);                   \
    if (!(f = fopen(p, "w"))) return cmd_fail("cannot write '%s': %s", p, strerror(errno));
    OPEN("reproduce.csv");
    fprintf(f, "table,row,devices,published,simulated,unit,error_pct\n");
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        double err = r->table == 1 ? r->error : 100 * (r->simulated / r->published - 1);
        fprintf(f, "%d,%s,\"%s\",%.6g,%.6g,%s,%.2f\n", r->table, r->label, r->devices, r->published, r->simulated,
                r->table == 1 ? "s" : "%", err);
    }
    fclose(f);
    OPEN("reproduce-breakdown.csv");
    fprintf(f, "row,label,forward_s,backward_s,exposed_comm_s,optimizer_s,input_stall_s,step_s\n");
    for (int i = 0; i < nrows; i++) {
        if (rows[i].table != 1) continue;
        const struct iter_result *s = &jobs[rows[i].job].r.ph[0].r;
        fprintf(f, "%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", rows[i].id, rows[i].label, s->forward_s, s->backward_s,
                s->exposed_comm_s, s->optimizer_s, s->input_stall_s, s->step_s);
    }
    fclose(f);
    OPEN("reproduce-input.csv");
    fprintf(f, "row,label,files_per_s_needed,files_per_s_available\n");
    for (int i = 0; i < nrows; i++) {
        if (rows[i].table != 1) continue;
        const struct run_phase *ph = &jobs[rows[i].job].r.ph[0];
        fprintf(f, "%s,%s,%.1f,%.1f\n", rows[i].id, rows[i].label, ph->files_per_s_needed, ph->files_per_s_available);
    }
    fclose(f);
    OPEN("reproduce-scaling.csv");
    fprintf(f, "row,label,gpus,efficiency_pct\n");
    for (int i = 0; i < nrows; i++) {
        if (rows[i].table != 2 || !rows[i].scaling) continue;
        for (int j = 0; j < njobs; j++) /* scaling points, in increasing node order, then the row's own run */
            if (jobs[j].row == i && jobs[j].scaling)
                fprintf(f, "%s,%s,%d,%.3f\n", rows[i].id, rows[i].label, jobs[j].r.gpus,
                        jobs[j].nodes == 1 ? 100.0 : 100 * jobs[j].r.ph[0].scaling_efficiency);
        const struct run_result *own = &jobs[rows[i].job].r;
        fprintf(f, "%s,%s,%d,%.3f\n", rows[i].id, rows[i].label, own->gpus, 100 * own->ph[0].scaling_efficiency);
    }
    fclose(f);
    OPEN("reproduce-scaling-published.csv");
    fprintf(f, "row,label,gpus,published_pct,simulated_pct\n");
    for (int i = 0; i < nrows; i++) {
        if (rows[i].table != 2) continue;
        fprintf(f, "%s,%s,%d,%.3f,%.3f\n", rows[i].id, rows[i].label, jobs[rows[i].job].r.gpus, rows[i].published,
                rows[i].simulated);
    }
    fclose(f);
#undef OPEN
    return 0;
}

/* Pictures: every plots/reproduce-*.gp, PNG and SVG. gnuplot missing or
 * failing is reported, not fatal: the tables and CSVs stand on their own. */
static void plots(const char *plotdir, const char *outdir, int *made)
{
    static const char *const names[] = {"reproduce-times", "reproduce-scaling", "reproduce-breakdown", "reproduce-input"};
    static const char *const terms[] = {"png", "svg"};
    *made = 0;
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "dtsim reproduce: gnuplot not found; no pictures (install gnuplot-nox)\n");
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        for (int t = 0; t < 2; t++) {
            char cmd[9000], gp[4200];
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
    fprintf(f, "usage: dtsim reproduce [--manifest FILE] [--out DIR] [--jobs N] [--only ROW,...] [--no-plots]\n\n"
               "Rebuild Tables 1 and 2 of arXiv 1811.05233 (ResNet-50 on ImageNet, 8 to 2176 GPUs)\n"
               "by simulation, beside the published figures. Prints both tables with the error of\n"
               "each row and its step breakdown, writes DIR/reproduce.csv (and the CSVs behind the\n"
               "pictures) and DIR/reproduce-*.png/svg with gnuplot.\n\n"
               "  --manifest FILE  the rows (default configs/reproduce.ini)\n"
               "  --out DIR        output directory (default out)\n"
               "  --jobs N         simulations at once (default: the number of CPUs)\n"
               "  --only ROWS      only these row ids (comma separated), e.g. t1-he,t2-mikami\n"
               "  --no-plots       skip gnuplot\n"
               "Exit status: 0 when every row ran (misses included: they are results), 2 on bad input.\n");
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

static int cmd_reproduce(int argc, char **argv)
{
    const char *manifest = NULL, *outdir = "out", *only = NULL;
    int par = (int)sysconf(_SC_NPROCESSORS_ONLN), noplots = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cmd_is_help(a)) return usage(stdout);
        if (strcmp(a, "--no-plots") == 0) noplots = 1;
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
    static struct row all[MAXROWS], rows[MAXROWS];
    int nall = 0, nrows = 0;
    if (config_load(&c, manifest, &e) || config_check(c, schema, NSCHEMA, NULL, &e) ||
        parse_rows(c, dir, all, &nall, &e)) {
        config_free(c);
        return cmd_fail("%s", e.msg);
    }
    for (int i = 0; i < nall; i++)
        if (wanted(only, all[i].id)) rows[nrows++] = all[i];
    if (nrows == 0) {
        char ids[1024] = "";
        size_t used = 0;
        for (int i = 0; i < nall && used + 40 < sizeof ids; i++)
            used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", i ? ", " : "", all[i].id);
        config_free(c);
        return cmd_fail("reproduce: --only '%s' matches no row (rows: %s)", only, ids);
    }
    /* Check every experiment (and the catalog) before any simulation. */
    for (int i = 0; i < nrows; i++) {
        struct experiment x;
        if (experiment_load_ex(&x, rows[i].exp, NULL, 0, cmd_resolve, NULL, &e)) {
            config_free(c);
            return cmd_fail("row '%s': %s", rows[i].id, e.msg);
        }
        experiment_free(&x);
    }
    /* Jobs: one full run per distinct experiment, then scaling points. */
    static struct job jobs[MAXJOBS];
    int njobs = 0;
    for (int i = 0; i < nrows; i++) {
        int j;
        for (j = 0; j < njobs; j++)
            if (!jobs[j].scaling && strcmp(jobs[j].exp, rows[i].exp) == 0) break;
        if (j == njobs) {
            memset(&jobs[njobs], 0, sizeof jobs[njobs]);
            jobs[njobs].exp = rows[i].exp;
            jobs[njobs].row = i;
            njobs++;
        }
        rows[i].job = j;
    }
    for (int i = 0; i < nrows; i++) {
        if (rows[i].table != 2 || !rows[i].scaling) continue;
        struct experiment x;
        if (experiment_load_ex(&x, rows[i].exp, NULL, 0, cmd_resolve, NULL, &e)) {
            config_free(c);
            return cmd_fail("row '%s': %s", rows[i].id, e.msg);
        }
        long long per_gpu = x.training.batch[0].global_batch / experiment_gpus(&x);
        int G = x.cluster.gpus_per_node;
        for (int n = 1; n < x.cluster.nodes && njobs < MAXJOBS; n *= 2) {
            struct job *jb = &jobs[njobs++];
            memset(jb, 0, sizeof *jb);
            jb->exp = rows[i].exp;
            jb->row = i;
            jb->scaling = 1;
            jb->nodes = n;
            snprintf(jb->sets[0], sizeof jb->sets[0], "cluster.nodes=%d", n);
            snprintf(jb->sets[1], sizeof jb->sets[1], "training.batch=%lld", per_gpu * G * n);
            snprintf(jb->sets[2], sizeof jb->sets[2], "allreduce.grid=none");
            jb->nsets = 3;
        }
        experiment_free(&x);
    }
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        config_free(c);
        return cmd_fail("cannot create '%s': %s", outdir, strerror(errno));
    }
    progress = isatty(2);
    if (jobs_run(njobs, par, job_child, job_done, jobs) != 0) {
        config_free(c);
        if (errno == EINTR) return cmd_fail("reproduce: interrupted");
        return cmd_fail("reproduce: cannot start simulations: %s", strerror(errno));
    }
    int rc = DT_EXIT_OK;
    for (int j = 0; j < njobs; j++)
        if (jobs[j].rc) {
            fprintf(stderr, "dtsim: error: %s%s%s: %s\n", jobs[j].exp, jobs[j].nsets ? " with --set " : "",
                    jobs[j].nsets ? jobs[j].sets[0] : "", jobs[j].err);
            rc = DT_EXIT_FAIL;
        }
    if (rc) {
        config_free(c);
        return rc;
    }
    int hits = 0;
    for (int i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        const struct run_result *res = &jobs[r->job].r;
        if (r->table == 1) {
            r->simulated = res->time_to_train_s;
            r->error = 100 * (r->simulated / r->published - 1);
        } else {
            r->simulated = 100 * res->ph[0].scaling_efficiency;
            r->error = r->simulated - r->published;
        }
        r->within = fabs(r->error) <= r->tolerance;
        hits += r->within;
    }
    printf("dtsim reproduce: arXiv 1811.05233 (ImageNet/ResNet-50 in 224 seconds), Tables 1 and 2\n\n");
    printf("Table 1: training time\n");
    printf("%-14s %-17s %-11s %10s %10s %8s  %s\n", "row", "devices", "batch", "published", "simulated", "error", "verdict");
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        if (r->table != 1) continue;
        char a[32], b[32], v[48];
        fmt_time(a, sizeof a, r->published);
        fmt_time(b, sizeof b, r->simulated);
        snprintf(v, sizeof v, r->within ? "within %g%%" : "MISS (> %g%%)", r->tolerance);
        printf("%-14s %-17s %-11s %10s %10s %+7.1f%%  %s\n", r->label, r->devices, r->batch, a, b, r->error, v);
        breakdown(stdout, &jobs[r->job].r);
    }
    printf("\nTable 2: GPU scaling efficiency (base: one node of the same cluster, same per-GPU batch)\n");
    printf("%-14s %-38s %10s %10s %9s  %s\n", "row", "devices", "published", "simulated", "error", "verdict");
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        if (r->table != 2) continue;
        char v[48];
        snprintf(v, sizeof v, r->within ? "within %g pt" : "MISS (> %g pt)", r->tolerance);
        printf("%-14s %-38s %9.2f%% %9.2f%% %+6.2f pt  %s\n", r->label, r->devices, r->published, r->simulated,
               r->error, v);
        breakdown(stdout, &jobs[r->job].r);
    }
    printf("\n%d of %d rows within their tolerance; no per-row factor, compute fitted on single-GPU\n"
           "figures only (configs/catalog/compute.ini). Misses are explained in README.md.\n",
           hits, nrows);
    rc = write_csvs(outdir, rows, nrows, jobs, njobs);
    if (!rc) {
        int made = 0;
        if (!noplots) plots(plotdir, outdir, &made);
        printf("wrote %s/reproduce.csv%s\n", outdir, made ? " and the pictures reproduce-*.png/svg" : "");
    }
    config_free(c);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_reproduce = {"reproduce", "rebuild Tables 1 and 2 of arXiv 1811.05233 (make run)",
                                              cmd_reproduce};
