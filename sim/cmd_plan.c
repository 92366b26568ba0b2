/* dtsim plan: which cluster trains a model by a deadline for the least
 * money? Searches GPU type x count x network x all-reduce algorithm on a
 * template cluster (configs/plan/template.ini) with the sweep engine
 * (sim/sweep.h), then ranks: the cheapest configurations that meet the
 * deadline (and budget), the Pareto front of time vs cost, and what binds
 * each (compute, host, network, input; sweep_bound). */
#include "cleanup.h"
#include "cmd.h"
#include "cmdutil.h"
#include "coll.h"
#include "dnn.h"
#include "jobs.h"
#include "llmplan.h"
#include "sweep.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NVARY 6

static int usage(FILE *f)
{
    fprintf(f,
            "usage: dtsim plan --deadline TIME [--model M] [--epochs E] [--gpu G1,G2,...]\n"
            "                  [--network N1,N2,...] [--algorithm A1,A2,...] [--gpus RANGE]\n"
            "                  [--per-gpu-batch B] [--budget USD] [--top K] [--template FILE]\n"
            "                  [--prices FILE] [--set S.K=V ...] [--jobs N] [--out DIR] [--resume]\n"
            "                  [--no-plots]\n\n"
            "Search GPU type x GPU count x network x all-reduce algorithm on a template\n"
            "cluster and print the cheapest configurations that train within the deadline,\n"
            "the Pareto front of time vs cost, and which resource binds each (compute;\n"
            "network: exposed communication dominates; input: the input pipeline stalls\n"
            "the GPUs; host: the GPUs wait for the host to issue kernels).\n"
            "Writes DIR/plan.csv (every configuration, as dtsim sweep) and DIR/plan-best.ini,\n"
            "the top answer as an experiment file for dtsim run, and pictures with gnuplot:\n"
            "DIR/sweep-time (time vs GPUs per network), sweep-scaling (efficiency per\n"
            "algorithm), sweep-pareto (cost vs time, the front, the deadline), PNG and SVG.\n\n"
            "  --deadline TIME   e.g. 10min, 2h, 600s (required)\n"
            "  --model M         DNN (default resnet50; dtsim model --list)\n"
            "  --epochs E        epochs to train (default 90)\n"
            "  --gpu LIST        catalog GPUs (default V100-SXM2-16GB,A100-SXM4-80GB,H100-SXM5)\n"
            "  --network LIST    catalog NICs (default IB-EDR,IB-HDR,IB-NDR)\n"
            "  --algorithm LIST  all-reduce algorithms (default ring,hierarchical,2d-torus)\n"
            "  --gpus RANGE      GPU counts, a list or range (default 8..4096*2; multiples of\n"
            "                    the template's gpus_per_node)\n"
            "  --per-gpu-batch B images (token models: sequences) per GPU per step (default 32);\n"
            "                    batch = B x GPUs\n"
            "  --budget USD      also require cost <= USD\n"
            "  --top K           configurations listed (default 5)\n"
            "  --template FILE   the template cluster (default configs/plan/template.ini)\n"
            "  --prices FILE     price rows (default: the catalog's prices.ini)\n"
            "  --set S.K=V       override a template value for every configuration (repeatable),\n"
            "                    e.g. --set input.decode=gpu\n"
            "  --jobs N          simulations at once (default: the number of CPUs)\n"
            "  --out DIR         output directory (default out)\n"
            "  --resume          keep DIR/plan.csv rows from an interrupted plan with the same options\n"
            "  --no-plots        skip gnuplot\n"
            "Exit status: 0 an answer, 1 no configuration meets the deadline (the closest are\n"
            "printed), 2 bad input.\n\n"
            "With --tokens, plan searches the layouts of a transformer on a given number of GPUs:\n\n");
    llmplan_help(f);
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

struct cand {
    long long point;
    char gpu[64], nic[64], algo[64], bound[16];
    int gpus, nodes;
    double t_s, cost, gpu_h, eff;
};

static void hms(char *buf, size_t n, double s)
{
    if (s >= 3600) snprintf(buf, n, "%.2f h", s / 3600);
    else if (s >= 60) snprintf(buf, n, "%.1f min", s / 60);
    else snprintf(buf, n, "%.1f s", s);
}

static void print_head(void)
{
    printf("  %-3s %-16s %5s %5s  %-8s %-14s %10s %11s %9s %8s  %s\n", "#", "gpu", "gpus", "nodes", "network",
           "algorithm", "time", "cost USD", "GPU-h", "scaling", "bound");
}

static void print_cand(int i, const struct cand *c)
{
    char t[32];
    hms(t, sizeof t, c->t_s);
    printf("  %-3d %-16s %5d %5d  %-8s %-14s %10s %11.2f %9.1f %7.1f%%  %s\n", i, c->gpu, c->gpus, c->nodes, c->nic,
           c->algo, t, c->cost, c->gpu_h, 100 * c->eff, c->bound);
}

static int by_cost(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->cost != y->cost) return x->cost < y->cost ? -1 : 1;
    if (x->t_s != y->t_s) return x->t_s < y->t_s ? -1 : 1;
    return x->point < y->point ? -1 : x->point > y->point;
}

static int by_time(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->t_s != y->t_s) return x->t_s < y->t_s ? -1 : 1;
    if (x->cost != y->cost) return x->cost < y->cost ? -1 : 1;
    return x->point < y->point ? -1 : x->point > y->point;
}

/* Read DIR/plan.csv back into candidates (rows without error and cost). */
static int read_cands(const char *path, struct cand **out, int *nout, int *nerr, int *nmem, dt_err *e)
{
    FILE *f = fopen(path, "r");
    if (!f) return dt_errf(e, DT_EIO, "cannot read '%s': %s", path, strerror(errno));
    static char line[16384];
    char *h[128], hb[16384];
    int nh = 0, cap = 0, n = 0;
    struct cand *c = NULL;
    *nerr = *nmem = 0;
    if (!fgets(hb, sizeof hb, f)) {
        fclose(f);
        return dt_errf(e, DT_EINVAL, "'%s' is empty", path);
    }
    hb[strcspn(hb, "\n")] = '\0';
    nh = sweep_csv_split(hb, h, 128);
    int col[11];
    static const char *const want[] = {"point", "cluster.gpu", "cluster.nic", "allreduce.algorithm", "gpus", "nodes",
                                       "time_to_train_s", "cost", "gpu_hours", "scaling_efficiency", "bound"};
    for (int k = 0; k < 11; k++) {
        col[k] = -1;
        for (int j = 0; j < nh; j++)
            if (strcmp(h[j], want[k]) == 0) col[k] = j;
        if (col[k] < 0) {
            fclose(f);
            return dt_errf(e, DT_EINVAL, "'%s' has no column '%s'", path, want[k]);
        }
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *v[128];
        int nv = sweep_csv_split(line, v, 128);
        if (nv != nh || v[nh - 1][0] || !v[col[7]][0]) {
            if (nv == nh && strcmp(v[col[10]], "memory") == 0) (*nmem)++; /* does not fit: never proposed */
            else (*nerr)++;
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            struct cand *g = realloc(c, (size_t)cap * sizeof *g);
            if (!g) {
                free(c);
                fclose(f);
                return dt_errf(e, DT_ENOMEM, "out of memory");
            }
            c = g;
        }
        struct cand *x = &c[n++];
        memset(x, 0, sizeof *x);
        x->point = atoll(v[col[0]]);
        snprintf(x->gpu, sizeof x->gpu, "%s", v[col[1]]);
        snprintf(x->nic, sizeof x->nic, "%s", v[col[2]]);
        snprintf(x->algo, sizeof x->algo, "%s", v[col[3]]);
        x->gpus = atoi(v[col[4]]);
        x->nodes = atoi(v[col[5]]);
        x->t_s = atof(v[col[6]]);
        x->cost = atof(v[col[7]]);
        x->gpu_h = atof(v[col[8]]);
        x->eff = atof(v[col[9]]);
        snprintf(x->bound, sizeof x->bound, "%s", v[col[10]]);
    }
    fclose(f);
    *out = c;
    *nout = n;
    return 0;
}

/* DIR/plan-best.ini: the template plus the candidate's sets. */
static int write_best(const char *path, const struct sweep *s, const struct cand *c, const char *deadline, dt_err *e)
{
    char **sets;
    int n, rc;
    if ((rc = sweep_point_sets(s, c->point, &sets, &n, e))) return rc;
    struct out_file of; /* written whole, then renamed (cleanup.h) */
    if ((rc = out_open(&of, path, e))) {
        sweep_sets_free(sets, n);
        return rc;
    }
    FILE *f = of.f;
    char t[32];
    hms(t, sizeof t, c->t_s);
    fprintf(f, "; dtsim plan: the cheapest configuration found that trains within %s:\n"
               "; %d x %s, %s, %s: %s, %.2f USD. Check it: dtsim run %s\n"
               "include = plan-template.ini\n",
            deadline, c->gpus, c->gpu, c->nic, c->algo, t, c->cost, path);
    static const char *const secs[] = {"cluster", "model", "training", "allreduce", "input"};
    for (int k = 0; k < 5; k++) {
        int any = 0;
        for (int i = 0; i < n; i++) {
            size_t l = strlen(secs[k]);
            if (strncmp(sets[i], secs[k], l) != 0 || sets[i][l] != '.') continue;
            if (!any++) fprintf(f, "\n[%s]\n", secs[k]);
            const char *eq = strchr(sets[i], '=');
            fprintf(f, "%.*s = %s\n", (int)(eq - sets[i] - l - 1), sets[i] + l + 1, eq + 1);
        }
    }
    sweep_sets_free(sets, n);
    return out_close(&of, e);
}

/* "a,b,c" checked item by item with `check`; copies into buf. */
static int check_list(const char *what, const char *list, int (*check)(const struct catalog *, const char *, dt_err *),
                      const struct catalog *cat, dt_err *e)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *p = strtok(buf, ","); p; p = strtok(NULL, ",")) {
        int rc = check(cat, p, e);
        if (rc) return rc;
    }
    if (!list[0]) return dt_errf(e, DT_EINVAL, "%s: an empty list", what);
    return 0;
}

static int check_gpu(const struct catalog *c, const char *n, dt_err *e)
{
    return catalog_gpu(c, n, e) ? 0 : DT_ENOENT;
}

static int check_nic(const struct catalog *c, const char *n, dt_err *e)
{
    const struct catalog_link *l = catalog_link(c, n, e);
    if (!l) return DT_ENOENT;
    if (l->kind != CATALOG_LINK_NIC) return dt_errf(e, DT_EINVAL, "--network: '%s' is not a NIC link (kind %s)", n, catalog_link_kind_name(l->kind));
    return 0;
}

static int check_algo(const struct catalog *c, const char *n, dt_err *e)
{
    (void)c;
    return coll_find_allreduce(n, e) ? 0 : e->code;
}

/* Pictures of plan.csv: plots/sweep-{time,scaling,pareto}.gp, PNG and SVG.
 * gnuplot missing or failing is reported, not fatal. Returns pictures made. */
static int plots(const char *catdir, const char *outdir, double deadline_s)
{
    static const char *const names[] = {"sweep-time", "sweep-scaling", "sweep-pareto"};
    static const char *const terms[] = {"png", "svg"};
    int made = 0;
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "dtsim plan: gnuplot not found; no pictures (install gnuplot-nox)\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        for (int t = 0; t < 2; t++) {
            char cmd[9000], gp[4200];
            int w = snprintf(gp, sizeof gp, "%s/../../plots/%s.gp", catdir, names[i]);
            if (w < 0 || (size_t)w >= sizeof gp || access(gp, R_OK) != 0) continue;
            w = snprintf(cmd, sizeof cmd,
                         "gnuplot -e \"datadir='%s'; outdir='%s'; csv='plan.csv'; deadline=%.3f; term='%s'\" '%s' 2>&1",
                         outdir, outdir, deadline_s, terms[t], gp);
            if (w < 0 || (size_t)w >= sizeof cmd) continue;
            if (system(cmd) != 0) fprintf(stderr, "dtsim plan: gnuplot failed on %s\n", gp);
            else made++;
        }
    return made;
}

static int cmd_plan(int argc, char **argv)
{
    const char *model = "resnet50", *epochs = "90", *deadline = NULL, *gpus = "V100-SXM2-16GB,A100-SXM4-80GB,H100-SXM5";
    const char *nets = "IB-EDR,IB-HDR,IB-NDR", *algos = "ring,hierarchical,2d-torus", *counts = "8..4096*2";
    const char *tmpl = NULL, *prices = NULL, *outdir = "out";
    long long pgb = 32;
    double budget = 0, deadline_s = 0;
    int top = 5, resume = 0, noplots = 0, par = (int)sysconf(_SC_NPROCESSORS_ONLN), rc = DT_EXIT_USAGE;
    dt_err e = {0, ""};
    struct cmd_sets sets = {0};
    for (int i = 1; i < argc; i++) /* the layout search (llmplan.h) */
        if (strcmp(argv[i], "--tokens") == 0) return llmplan_main(argc, argv);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *end;
        int t = cmd_sets_take(&sets, argc, argv, &i);
        if (t < 0) { cmd_sets_free(&sets); return DT_EXIT_USAGE; }
        if (t) continue;
        if (cmd_is_help(a)) { cmd_sets_free(&sets); return usage(stdout); }
        if (strcmp(a, "--resume") == 0) resume = 1;
        else if (strcmp(a, "--no-plots") == 0) noplots = 1;
        else if (i + 1 < argc && strcmp(a, "--model") == 0) model = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--epochs") == 0) epochs = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--deadline") == 0) deadline = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--gpu") == 0) gpus = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--network") == 0) nets = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--algorithm") == 0) algos = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--gpus") == 0) counts = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--template") == 0) tmpl = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--prices") == 0) prices = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--out") == 0) outdir = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--budget") == 0) {
            budget = strtod(argv[++i], &end);
            if (*end || !(budget > 0)) {
                cmd_sets_free(&sets);
                return cmd_fail("plan: --budget needs an amount of USD > 0 (got '%s')", argv[i]);
            }
        } else if (i + 1 < argc && (strcmp(a, "--per-gpu-batch") == 0 || strcmp(a, "--top") == 0 || strcmp(a, "--jobs") == 0)) {
            long long v = strtoll(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000000) {
                cmd_sets_free(&sets);
                return cmd_fail("plan: %s needs a whole number from 1 to 1000000", a);
            }
            if (a[2] == 'p') pgb = v;
            else if (a[2] == 't') top = (int)v;
            else par = (int)v;
        } else {
            cmd_sets_free(&sets);
            cmd_fail("plan: unknown or incomplete option '%s'", a);
            return usage(stderr);
        }
    }
    if (!deadline) {
        cmd_sets_free(&sets);
        const struct dnn_model *xm = dnn_find(model, &e);
        struct dnn_xf xa;
        if (xm && dnn_xf_arch(xm, NULL, &xa, &e) == 0) { /* a transformer row: the layout search? */
            cmd_fail("plan: --deadline is required (e.g. --deadline 10min); for the layout search of %s on N GPUs "
                     "give --tokens T and --gpus N", model);
            return usage(stderr);
        }
        cmd_fail("plan: --deadline is required (e.g. --deadline 10min)");
        return usage(stderr);
    }
    if (units_parse(deadline, UNITS_TIME, &deadline_s, &e) || deadline_s <= 0) {
        cmd_sets_free(&sets);
        return cmd_fail("plan: --deadline: %s", e.msg[0] ? e.msg : "must be > 0");
    }
    struct catalog *cat = NULL;
    char catdir[4096], tbuf[4200], path[4200], csv[4200], best[4200];
    if (catalog_load(&cat, NULL, &e) || (prices && catalog_prices_load(cat, prices, &e))) {
        cmd_sets_free(&sets);
        return cmd_fail("plan: %s", e.msg);
    }
    struct vary vary[NVARY];
    int nvary = 0;
    struct sweep s = {0};
    struct cand *c = NULL;
    int nc = 0, nerr = 0, nmem = 0;
    if (check_list("--gpu", gpus, check_gpu, cat, &e) || check_list("--network", nets, check_nic, cat, &e) ||
        check_list("--algorithm", algos, check_algo, cat, &e)) {
        cmd_fail("plan: %s", e.msg);
        goto out;
    }
    const struct dnn_model *dm = dnn_find(model, &e);
    if (!dm) {
        cmd_fail("plan: %s", e.msg);
        goto out;
    }
    catalog_dir(catdir, sizeof catdir, NULL, &e);
    tmpl = plan_template(tmpl, catdir, "template.ini", tbuf, sizeof tbuf);
    if (plan_files(outdir, tmpl, "plan.csv", path, csv, best, sizeof csv, &e)) {
        cmd_fail("plan: %s", e.msg);
        goto out;
    }
    /* The varies: gpu with its own link, nodes, network, algorithm; model
     * and epochs as one-value varies so plan.csv says what it holds. */
    {
        struct experiment x;
        if (experiment_load_ex(&x, path, sets.v, sets.n, cmd_resolve, NULL, &e)) {
            cmd_fail("plan: template: %s", e.msg);
            goto out;
        }
        int gpn = x.cluster.gpus_per_node;
        experiment_free(&x);
        static char text[NVARY][4096];
        size_t used = (size_t)snprintf(text[0], sizeof text[0], "cluster.gpu+cluster.intra_link=");
        char gb[1024];
        snprintf(gb, sizeof gb, "%s", gpus);
        for (char *p = strtok(gb, ","); p; p = strtok(NULL, ",")) {
            const struct catalog_gpu *g = catalog_gpu(cat, p, &e);
            if (!g->link[0]) {
                cmd_fail("plan: gpu '%s' names no GPU-GPU link in the catalog", g->name);
                goto out;
            }
            used += (size_t)snprintf(text[0] + used, sizeof text[0] - used, "%s%s+%s", used > 31 ? "," : "", g->name, g->link);
        }
        struct vary cv;
        char cb[1100];
        snprintf(cb, sizeof cb, "cluster.nodes=%s", counts);
        if (vary_parse(&cv, cb, &e)) {
            cmd_fail("plan: --gpus %s: %s", counts, e.msg);
            goto out;
        }
        used = (size_t)snprintf(text[1], sizeof text[1], "cluster.nodes=");
        for (int i = 0; i < cv.nvals; i++) {
            long long n = atoll(cv.vals[i]);
            if (n < gpn || n % gpn) {
                cmd_fail("plan: --gpus: %s GPUs is not a whole number of %d-GPU nodes (the template's gpus_per_node)",
                         cv.vals[i], gpn);
                vary_free(&cv);
                goto out;
            }
            used += (size_t)snprintf(text[1] + used, sizeof text[1] - used, "%s%lld", i ? "," : "", n / gpn);
        }
        vary_free(&cv);
        snprintf(text[2], sizeof text[2], "cluster.nic=%s", nets);
        snprintf(text[3], sizeof text[3], "allreduce.algorithm=%s", algos);
        snprintf(text[4], sizeof text[4], "model.name=%s", model);
        snprintf(text[5], sizeof text[5], "training.epochs=%s", epochs);
        for (nvary = 0; nvary < NVARY; nvary++)
            if (vary_parse(&vary[nvary], text[nvary], &e)) {
                cmd_fail("plan: %s", e.msg);
                goto out;
            }
    }
    s.exp = path;
    s.sets = sets.v;
    s.nsets = sets.n;
    s.vary = vary;
    s.nvary = nvary;
    s.per_gpu_batch = pgb;
    s.prices = cat;
    s.out = csv;
    s.jobs = par;
    s.only_point = -1;
    s.progress = isatty(2);
    if (!resume) unlink(csv);
    if (sweep_prepare(&s, &e) || sweep_run(&s, &e) || read_cands(csv, &c, &nc, &nerr, &nmem, &e)) {
        cmd_fail("plan: %s", e.msg);
        if (e.code == DT_EINTR) rc = 128 + jobs_stop_signal(); /* 130 or 143, as sweep */
        goto out;
    }
    char dl[32];
    hms(dl, sizeof dl, deadline_s);
    printf("dtsim plan: %s, %s epochs, %lld %s per GPU per step; deadline %s", model, epochs, pgb,
           dm->input == DNN_IN_TOKENS ? "sequences" : "images", dl);
    if (budget > 0) printf(", budget %.2f USD", budget);
    printf("\nsearched %lld configurations (%d GPU types x %d counts x %d networks x %d algorithms)\n"
           "on the template cluster %s\n",
           s.npoints, vary[0].nvals, vary[1].nvals, vary[2].nvals, vary[3].nvals, tmpl == tbuf ? "configs/plan/template.ini" : tmpl);
    for (int i = 0; i < sets.n; i++) printf("%s--set %s%s", i ? " " : "with ", sets.v[i], i + 1 < sets.n ? "" : "\n");
    if (nmem)
        printf("%d of them do not fit in GPU memory at %lld %s per GPU (bound 'memory' in %s): not proposed\n", nmem,
               pgb, dm->input == DNN_IN_TOKENS ? "sequences" : "images", csv);
    if (nerr) printf("%d of them did not run (see the error column of %s)\n", nerr, csv);
    if (nc) qsort(c, (size_t)nc, sizeof *c, by_cost);
    int nok = 0;
    for (int i = 0; i < nc; i++)
        if (c[i].t_s <= deadline_s && (budget <= 0 || c[i].cost <= budget)) c[nok++] = c[i]; /* keeps order */
    /* c[0..nok) are the feasible ones by cost; re-read for the front */
    struct cand *all = NULL;
    int nall = 0;
    if (read_cands(csv, &all, &nall, &nerr, &nmem, &e)) {
        cmd_fail("plan: %s", e.msg);
        goto out;
    }
    if (nok > 0) {
        printf("\n%d configurations meet the deadline%s; the cheapest:\n", nok, budget > 0 ? " and the budget" : "");
        print_head();
        for (int i = 0; i < nok && i < top; i++) print_cand(i + 1, &c[i]);
        rc = DT_EXIT_OK;
    } else {
        if (nall) qsort(all, (size_t)nall, sizeof *all, by_time);
        char t[32];
        hms(t, sizeof t, nall ? all[0].t_s : 0);
        printf("\nno configuration meets the deadline%s; the fastest takes %s. The closest:\n",
               budget > 0 ? " and the budget" : "", t);
        print_head();
        for (int i = 0; i < nall && i < top; i++) print_cand(i + 1, &all[i]);
        rc = DT_EXIT_FAIL;
    }
    /* Pareto front: by time, each cheaper than every faster one. */
    if (nall) qsort(all, (size_t)nall, sizeof *all, by_time);
    printf("\nPareto front, time vs cost (nothing is both faster and cheaper):\n");
    print_head();
    double best_cost = INFINITY;
    int k = 0;
    for (int i = 0; i < nall; i++)
        if (all[i].cost < best_cost) {
            best_cost = all[i].cost;
            print_cand(++k, &all[i]);
        }
    int nin = 0;
    for (int i = 0; i < nall; i++) nin += strcmp(all[i].bound, "input") == 0;
    if (nin > 0)
        printf("\n%d of the %d configurations are input-bound: the input pipeline, not the network or the\n"
               "algorithm, sets their time (the template's cpu, cores, storage and [input]; image models can\n"
               "decode on the GPU with --set input.decode=gpu where the gpu row has a jpeg_decode rate).\n",
               nin, nall);
    free(all);
    if (!noplots && plots(catdir, outdir, deadline_s) > 0)
        printf("\npictures: %s/sweep-time, sweep-scaling, sweep-pareto (.png, .svg)\n", outdir);
    if (rc == DT_EXIT_OK) {
        if (write_best(best, &s, &c[0], dl, &e)) {
            rc = cmd_fail("plan: %s", e.msg);
            goto out;
        }
        printf("\nbinds: compute = the GPUs; otherwise the largest of network = exposed all-reduce time,\n"
               "input = the GPUs stalled by the input pipeline, host = the GPUs waiting for the host to\n"
               "issue kernels (when together they are over 10%% of the step).\n"
               "wrote %s and %s (the top answer: dtsim run %s)\n"
               "top answer: time_to_train_s %.3f, cost %.2f USD\n", csv, best, best, c[0].t_s, c[0].cost);
    } else {
        fprintf(stderr, "dtsim: error: plan: no configuration trains %s in %s%s; try more GPUs (--gpus), faster ones or "
                        "a later deadline\n", model, dl, budget > 0 ? " within the budget" : "");
    }
out:
    cmd_sets_free(&sets);
    for (int j = 0; j < nvary; j++) vary_free(&vary[j]);
    free(c);
    catalog_free(cat);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_plan = {"plan", "cheapest GPUs x count x network x algorithm meeting a deadline",
                                         cmd_plan};
