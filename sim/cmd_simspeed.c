/* dtsim simspeed -- how fast the simulator times all-reduces at scale.
 *
 * For each GPU count, a child process loads the platform (SimGrid runs one
 * engine per process) and times every algorithm, exact where the rank count
 * allows, fast always. Wall times and memory are not deterministic: this
 * command has no golden output; bench/simspeed.sh keeps its figures. */
#include "cleanup.h"
#include "cmd.h"
#include "collsim.h"
#include "simopt.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXJ 32

struct speedrow {
    struct collsim_job j;
    int rc;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Child: load, run the jobs, send back load time and rows. */
static int child_run(const struct simopt *o, struct speedrow *rows, int n, int fd, char *argv0)
{
    dt_err e = {0};
    char *av[] = {argv0, NULL};
    double t0 = now_s();
    if (platform_engine_init(1, av, &e) || simopt_load(o, &e)) {
        fprintf(stderr, "dtsim: error: %s\n", e.msg);
        return 1;
    }
    double load_s = now_s() - t0;
    struct collsim_job jobs[MAXJ];
    for (int i = 0; i < n; i++) jobs[i] = rows[i].j;
    struct collsim_opts co = {.window_steps = o->window, .no_fallback = o->no_fallback, .reduce_elems_per_s = o->reduce_rate};
    int rc = collsim_batch(&o->c, &co, jobs, n, &e);
    if (rc) fprintf(stderr, "dtsim: error: %s\n", e.msg);
    for (int i = 0; i < n; i++) rows[i].j = jobs[i], rows[i].rc = rc;
    if (write(fd, &load_s, sizeof load_s) != (ssize_t)sizeof load_s) return 1;
    if (write(fd, rows, (size_t)n * sizeof *rows) != (ssize_t)((size_t)n * sizeof *rows)) return 1;
    return rc ? 1 : 0;
}

static int split(char *s, char **out, int max)
{
    int n = 0;
    for (char *t = strtok(s, ","); t && n < max; t = strtok(NULL, ",")) out[n++] = t;
    return n;
}

static int cmd_simspeed(int argc, char **argv)
{
    struct simopt o;
    dt_err e = {0};
    simopt_default(&o);
    char gpus_s[256] = "256,1088,2176,4352", algos_s[256] = "ring,hierarchical,2d-torus";
    int exact_max = 256;
    for (int i = 1; i < argc; i++) {
        if (cmd_is_help(argv[i])) {
            printf("usage: dtsim simspeed [--gpus N,N..] [--algos A,A..] [--exact-max N] [cluster options]\n\n"
                   "Wall seconds per simulated all-reduce (default 102 MB, ABCI-like fat-tree),\n"
                   "simulated messages per wall second and peak memory, for each GPU count\n"
                   "(default %s) and algorithm (default %s); message-exact\n"
                   "runs up to --exact-max GPUs (default 256) with fast/exact beside them.\n\n%s",
                   gpus_s, algos_s, simopt_help);
            return DT_EXIT_OK;
        }
        if (i + 1 < argc && strcmp(argv[i], "--gpus") == 0) {
            snprintf(gpus_s, sizeof gpus_s, "%s", argv[++i]);
            continue;
        }
        if (i + 1 < argc && strcmp(argv[i], "--algos") == 0) {
            snprintf(algos_s, sizeof algos_s, "%s", argv[++i]);
            continue;
        }
        if (i + 1 < argc && strcmp(argv[i], "--exact-max") == 0) {
            exact_max = atoi(argv[++i]);
            continue;
        }
        int rc = simopt_parse(&o, argc, argv, &i, &e);
        if (rc < 0) return cmd_fail("%s", e.msg);
        if (rc == 0) return cmd_fail("simspeed: unknown option '%s' (see 'dtsim simspeed --help')", argv[i]);
    }
    char *gl[16], *al[8];
    int ng = split(gpus_s, gl, 16), na = split(algos_s, al, 8);
    printf("%-6s %-14s %-5s %12s %9s %9s %10s %12s %7s %7s %7s %8s %10s\n", "gpus", "algo", "mode", "time_s", "wall_s",
           "again_s", "messages", "msgs_per_s", "steps", "simstep", "load_s", "rss_MB", "fast/exact");
    for (int g = 0; g < ng; g++) {
        int gpus = atoi(gl[g]);
        struct simopt oc = o;
        if (gpus < 1 || gpus % oc.c.gpus_per_node) return cmd_fail("--gpus: %s is not a multiple of %d", gl[g], oc.c.gpus_per_node);
        oc.c.nodes = gpus / oc.c.gpus_per_node;
        oc.ranks = 0;
        struct speedrow rows[MAXJ];
        int n = 0;
        for (int a = 0; a < na; a++) {
            oc.p.algo = al[a];
            struct simopt ot = oc;
            if (simopt_finish(&ot, &e)) {
                printf("%-6d %-14s skipped: %s\n", gpus, al[a], e.msg);
                continue;
            }
            for (int m = COLLSIM_EXACT; m <= COLLSIM_FAST && n + 1 < MAXJ; m++) {
                if (m == COLLSIM_EXACT && gpus > exact_max) continue;
                memset(&rows[n], 0, sizeof rows[n]);
                rows[n].j.p = ot.p;
                rows[n++].j.mode = m;
                if (m == COLLSIM_FAST) rows[n] = rows[n - 1], n++; /* the same again: its wall is "again_s" */
            }
        }
        if (n == 0) continue;
        struct simopt ol = oc;
        ol.p.nranks = gpus;
        fflush(stdout);
        int fds[2];
        if (pipe(fds)) return cmd_fail("cannot create a pipe");
        pid_t pid = cleanup_fork(); /* a signal ends it too */
        if (pid < 0) return cmd_fail("cannot fork");
        if (pid == 0) {
            close(fds[0]);
            _exit(child_run(&ol, rows, n, fds[1], argv[0]));
        }
        close(fds[1]);
        double load_s = -1;
        int ok = read(fds[0], &load_s, sizeof load_s) == (ssize_t)sizeof load_s;
        size_t want = (size_t)n * sizeof *rows, got = 0;
        while (ok && got < want) {
            ssize_t k = read(fds[0], (char *)rows + got, want - got);
            if (k <= 0) break;
            got += (size_t)k;
        }
        close(fds[0]);
        int status;
        struct rusage ru;
        wait4(pid, &status, 0, &ru);
        cleanup_reaped(pid);
        if (!ok || got != want || !WIFEXITED(status) || WEXITSTATUS(status)) {
            printf("%-6d failed (see stderr)\n", gpus);
            return DT_EXIT_FAIL;
        }
        for (int i = 0; i < n; i++) {
            const struct collsim_job *j = &rows[i].j;
            double ratio = 0, again = 0;
            if (j->mode == COLLSIM_FAST && i > 0 && rows[i - 1].j.mode == COLLSIM_EXACT &&
                strcmp(rows[i - 1].j.p.algo, j->p.algo) == 0)
                ratio = j->seconds / rows[i - 1].j.seconds;
            if (j->mode == COLLSIM_FAST) again = rows[i + 1].j.st.wall_s;
            printf("%-6d %-14s %-5s %12.9f %9.3f %9.6f %10llu %12.0f %7llu %7llu %7.2f %8.1f", gpus, j->p.algo,
                   j->mode == COLLSIM_EXACT ? "exact" : j->st.exact ? "fastx" : "fast", j->seconds, j->st.wall_s, again,
                   (unsigned long long)j->st.messages, j->st.wall_s > 0 ? (double)j->st.messages / j->st.wall_s : 0,
                   (unsigned long long)j->st.steps, (unsigned long long)j->st.steps_simulated, load_s,
                   (double)ru.ru_maxrss / 1024);
            if (ratio > 0) printf(" %10.6f", ratio);
            printf("\n");
            if (j->mode == COLLSIM_FAST) i++; /* skip the repeat */
        }
        fflush(stdout);
    }
    return DT_EXIT_OK;
}

const struct dtsim_cmd dtsim_cmd_simspeed = {"simspeed", "benchmark the simulator: wall time per all-reduce at scale",
                                             cmd_simspeed};
