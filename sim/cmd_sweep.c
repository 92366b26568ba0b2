/* dtsim sweep: the cross product of --vary values over an experiment, one
 * CSV row per point, run in parallel, resumable, with cost (sim/sweep.h). */
#include "cmd.h"
#include "cmdutil.h"
#include "jobs.h"
#include "sweep.h"

#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define MAXVARY 16

static int usage(FILE *f)
{
    fprintf(f,
            "usage: dtsim sweep EXPERIMENT.ini --vary KEY=VALUES [--vary ...] [--set S.K=V ...]\n"
            "                   [--per-gpu-batch B] [--jobs N] [--out FILE] [--prices FILE | --no-cost]\n"
            "                   [--point K] [--dry-run] [--fresh] [--emit slurm|list]\n"
            "       dtsim sweep --merge OUT.csv PART.csv...\n\n"
            "Simulate every point of the cross product of the --vary values (dtsim run each)\n"
            "and write one CSV row per point: point, the varied keys, gpus, nodes, global_batch,\n"
            "step_s, images_per_s, images_per_s_per_gpu, scaling_efficiency, the step breakdown,\n"
            "time_to_train_s, gpu_hours, cost, bound (compute|network|input) and error.\n"
            "An experiment with a [parallel] section adds tensor, pipeline, data, microbatches,\n"
            "bubble_s, exposed_tp_s, exposed_dp_s, model_tflops_per_gpu, mfu and memory_gb\n"
            "(per GPU), and derives parallel.data at each point unless it is varied.\n"
            "Rows are appended as points finish; rerunning with the same --out runs only the\n"
            "points missing from it. The finished file is in point order.\n\n"
            "  --vary KEY=VALUES  KEY is section.key (dtsim config --keys); VALUES a list a,b,c\n"
            "                     (or a|b|c), a range lo..hi*F (geometric) or lo..hi+K\n"
            "                     (arithmetic); k1+k2=a1+b1,a2+b2 varies two keys together\n"
            "  --set S.K=V        override a value of the experiment for every point\n"
            "  --per-gpu-batch B  training.batch = B x nodes x gpus_per_node at each point\n"
            "  --jobs N           simulations at once (default: the number of CPUs)\n"
            "  --out FILE         the CSV (default out/sweep.csv)\n"
            "  --prices FILE      price rows for the cost column (default: the catalog's,\n"
            "                     configs/catalog/prices.ini); --no-cost drops the column\n"
            "  --point K          run point K only (0-based), for job arrays\n"
            "  --dry-run          list the points that would run (missing from --out) and stop\n"
            "  --fresh            start over: remove --out first (default: resume from it)\n"
            "  --emit slurm|list  print a Slurm job-array script, or one command per point\n"
            "                     (GNU parallel, xargs), each writing OUT.part-K.csv; then\n"
            "  --merge OUT PART.. merge the parts (same sweep) into OUT, in point order\n"
            "Exit status: 0 every point has a row (error rows included), 1 a simulation died,\n"
            "2 bad input.\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

/* Single-quote for sh when needed. */
static void shq(FILE *f, const char *a)
{
    if (*a && !strpbrk(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!")) {
        fputs(a, f);
        return;
    }
    fputc('\'', f);
    for (; *a; a++) {
        if (*a == '\'') fputs("'\\''", f);
        else fputc(*a, f);
    }
    fputc('\'', f);
}

/* OUT without .csv + ".part-K.csv" (K, or the shell text given). */
static void part_name(char *buf, size_t n, const char *out, const char *k)
{
    size_t l = strlen(out);
    if (l > 4 && strcmp(out + l - 4, ".csv") == 0) l -= 4;
    snprintf(buf, n, "%.*s.part-%s.csv", (int)l, out, k);
}

/* The sweep's own arguments, for emitted jobs (without --out, --jobs,
 * --emit, --point, --dry-run). */
static void emit_args(FILE *f, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--dry-run") == 0 || strcmp(a, "--fresh") == 0) continue;
        if ((strcmp(a, "--out") == 0 || strcmp(a, "--jobs") == 0 || strcmp(a, "--emit") == 0 ||
             strcmp(a, "--point") == 0) && i + 1 < argc) {
            i++;
            continue;
        }
        fputc(' ', f);
        shq(f, a);
    }
}

static int emit(const char *how, const struct sweep *s, int argc, char **argv)
{
    char part[4200], glob[4200];
    part_name(glob, sizeof glob, s->out, "*");
    if (strcmp(how, "list") == 0) {
        for (long long p = 0; p < s->npoints; p++) {
            char k[32];
            snprintf(k, sizeof k, "%lld", p);
            part_name(part, sizeof part, s->out, k);
            printf("dtsim sweep");
            emit_args(stdout, argc, argv);
            printf(" --point %lld --out ", p);
            shq(stdout, part);
            printf("\n");
        }
        return DT_EXIT_OK;
    }
    part_name(part, sizeof part, s->out, "${SLURM_ARRAY_TASK_ID}");
    printf("#!/bin/sh\n"
           "# dtsim sweep: %lld points, one Slurm array task each. Submit from this directory:\n"
           "#   sbatch this-script.sh        (dtsim on PATH, or DTSIM=/path/to/dtsim sbatch ...)\n"
           "# then merge the parts:\n"
           "#   dtsim sweep --merge %s %s\n"
           "#SBATCH --job-name=dtsim-sweep\n"
           "#SBATCH --array=0-%lld\n"
           "#SBATCH --ntasks=1\n"
           "#SBATCH --cpus-per-task=1\n"
           "#SBATCH --output=dtsim-sweep-%%a.log\n"
           "set -eu\n"
           "\"${DTSIM:-dtsim}\" sweep",
           s->npoints, s->out, glob, s->npoints - 1);
    emit_args(stdout, argc, argv);
    printf(" --point \"${SLURM_ARRAY_TASK_ID}\" --out \"%s\"\n", part);
    return DT_EXIT_OK;
}

static int cmd_sweep(int argc, char **argv)
{
    struct cmd_sets sets = {0};
    struct vary vary[MAXVARY];
    int nvary = 0, rc = DT_EXIT_USAGE;
    struct sweep s = {0};
    s.out = "out/sweep.csv";
    s.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    s.only_point = -1;
    const char *prices = NULL, *how = NULL;
    int nocost = 0, fresh = 0;
    struct catalog *cat = NULL;
    dt_err e = {0, ""};
    if (argc > 1 && strcmp(argv[1], "--merge") == 0) {
        if (argc < 4) return cmd_fail("sweep: --merge needs OUT.csv and at least one PART.csv");
        if (sweep_merge(argv[2], argv + 3, argc - 3, &e)) return cmd_fail("sweep: %s", e.msg);
        printf("merged %d files into %s\n", argc - 3, argv[2]);
        return DT_EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        int t = cmd_sets_take(&sets, argc, argv, &i);
        if (t < 0) goto out;
        if (t) continue;
        const char *a = argv[i];
        char *end;
        if (cmd_is_help(a)) {
            rc = usage(stdout);
            goto out;
        }
        if (strcmp(a, "--dry-run") == 0) s.dry_run = 1;
        else if (strcmp(a, "--fresh") == 0) fresh = 1;
        else if (strcmp(a, "--no-cost") == 0) nocost = 1;
        else if (i + 1 < argc && strcmp(a, "--vary") == 0) {
            if (nvary == MAXVARY) { cmd_fail("sweep: at most %d --vary", MAXVARY); goto out; }
            if (vary_parse(&vary[nvary], argv[++i], &e)) { cmd_fail("sweep: %s", e.msg); goto out; }
            nvary++;
        } else if (i + 1 < argc && strcmp(a, "--out") == 0) s.out = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--prices") == 0) prices = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--emit") == 0) {
            how = argv[++i];
            if (strcmp(how, "slurm") && strcmp(how, "list")) { cmd_fail("sweep: --emit slurm or --emit list (got '%s')", how); goto out; }
        } else if (i + 1 < argc && strcmp(a, "--jobs") == 0) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1024) { cmd_fail("sweep: --jobs needs a whole number from 1 to 1024"); goto out; }
            s.jobs = (int)v;
        } else if (i + 1 < argc && strcmp(a, "--point") == 0) {
            long long v = strtoll(argv[++i], &end, 10);
            if (*end || v < 0 || end == argv[i]) { cmd_fail("sweep: --point needs a point number (0, 1, ...)"); goto out; }
            s.only_point = v;
        } else if (i + 1 < argc && strcmp(a, "--per-gpu-batch") == 0) {
            long long v = strtoll(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000000) { cmd_fail("sweep: --per-gpu-batch needs a whole number from 1 to 1000000"); goto out; }
            s.per_gpu_batch = v;
        } else if (a[0] == '-' && a[1]) {
            cmd_fail("sweep: unknown or incomplete option '%s'", a);
            usage(stderr);
            goto out;
        } else if (!s.exp) s.exp = a;
        else { cmd_fail("sweep: one experiment file only ('%s' and '%s')", s.exp, a); goto out; }
    }
    if (!s.exp) { cmd_fail("sweep: no experiment file"); usage(stderr); goto out; }
    if (nvary == 0) { cmd_fail("sweep: nothing to vary (--vary KEY=VALUES)"); goto out; }
    s.sets = sets.v;
    s.nsets = sets.n;
    s.vary = vary;
    s.nvary = nvary;
    if (!nocost) {
        if (catalog_load(&cat, NULL, &e) || (prices && catalog_prices_load(cat, prices, &e))) {
            cmd_fail("sweep: %s", e.msg);
            goto out;
        }
        s.prices = cat;
    }
    if (sweep_prepare(&s, &e)) { cmd_fail("sweep: %s", e.msg); goto out; }
    if (how) {
        rc = emit(how, &s, argc, argv);
        goto out;
    }
    s.progress = isatty(2) && !s.dry_run;
    if (fresh && !s.dry_run && unlink(s.out) != 0 && errno != ENOENT) {
        cmd_fail("sweep: cannot remove '%s': %s", s.out, strerror(errno));
        goto out;
    }
    if (sweep_run(&s, &e)) {
        cmd_fail("sweep: %s", e.msg);
        if (e.code == DT_EINTR) rc = 128 + jobs_stop_signal(); /* as a shell reports ^C (130) or SIGTERM (143) */
        goto out;
    }
    if (s.dry_run)
        printf("dtsim sweep: %lld points, %lld already in %s, %lld to run\n", s.npoints, s.already, s.out, s.ran);
    else
        printf("dtsim sweep: %lld points%s, %lld already in %s, %lld simulated now (%lld error rows%s); wrote %s\n",
               s.only_point >= 0 ? 1 : s.npoints, s.only_point >= 0 ? " (--point)" : "", s.already, s.out,
               s.ran, s.errors, s.died ? ", some died: rerun" : "", s.out);
    rc = s.died ? DT_EXIT_FAIL : DT_EXIT_OK;
out:
    for (int j = 0; j < nvary; j++) vary_free(&vary[j]);
    cmd_sets_free(&sets);
    catalog_free(cat);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_sweep = {"sweep", "simulate the cross product of config values; CSV, resumable, costed",
                                          cmd_sweep};
