/* dtsim simcoll -- time one all-reduce on a cluster given by numbers. */
#include "catalog.h"
#include "cleanup.h"
#include "cmd.h"
#include "collsim.h"
#include "commlib.h"
#include "simopt.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const topo_name[] = {"switch", "fat-tree", "torus", "dragonfly"};

static void print_cluster(const struct sim_cluster *c)
{
    printf("cluster: %d nodes x %d gpus, %s", c->nodes, c->gpus_per_node, topo_name[c->topology]);
    if (c->topology == SIM_TOPO_FATTREE) printf(" %d nodes/leaf %.3g:1", c->nodes_per_leaf, c->oversubscription);
    if (c->topology == SIM_TOPO_TORUS) printf(" %dx%dx%d", c->torus_x, c->torus_y, c->torus_z);
    if (c->topology == SIM_TOPO_DRAGONFLY) printf(" %d nodes/router %d routers/group", c->nodes_per_leaf, c->dfly_routers);
    printf(", %d x %.4g GB/s nic, intra %s %.4g GB/s\n", c->nics_per_node, c->nic_bw_Bps / 1e9,
           c->intra == SIM_INTRA_MESH ? "mesh" : "switch", c->intra_bw_Bps / 1e9);
}

/* nccl-tests columns: algbw = bytes / time; busbw = algbw * 2(N-1)/N. */
void simcoll_print_row(const struct collsim_job *j, uint64_t bytes)
{
    int n = j->p.nranks;
    double alg = j->seconds > 0 ? (double)bytes / j->seconds / 1e9 : 0;
    printf("%-18s %6d %11llu %-5s %12.9f %10.3f %10.3f %10llu %7llu %7llu\n", j->p.algo, n,
           (unsigned long long)bytes, j->mode == COLLSIM_EXACT ? "exact" : j->st.exact ? "fastx" : "fast", j->seconds, alg,
           alg * 2.0 * (n - 1) / n, (unsigned long long)j->st.messages, (unsigned long long)j->st.steps,
           (unsigned long long)j->st.steps_simulated);
}

void simcoll_print_header(void)
{
    printf("%-18s %6s %11s %-5s %12s %10s %10s %10s %7s %7s\n", "algo", "ranks", "bytes", "mode", "time_s",
           "algbw_GBps", "busbw_GBps", "messages", "steps", "simstep");
}

/* With --mode both: run one job in a forked child with its own SimGrid
 * engine, so that both modes start at simulated time 0. A second run in
 * the same engine starts later, and where flows tie (many equal-share
 * flows) the different rounding of event times alone can move the result
 * by a few percent. */
static int run_alone(const struct simopt *o, const struct collsim_opts *co, struct collsim_job *j, char *argv0,
                     dt_err *e)
{
    int fds[2];
    if (pipe(fds)) return dt_errf(e, DT_EIO, "simcoll: cannot create a pipe");
    fflush(stdout);
    pid_t pid = cleanup_fork(); /* a signal ends it too */
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return dt_errf(e, DT_EIO, "simcoll: cannot fork");
    }
    if (pid == 0) {
        close(fds[0]);
        char *av[] = {argv0, NULL};
        int rc = platform_engine_init(1, av, e) || simopt_load(o, e) || collsim_batch(&o->c, co, j, 1, e);
        if (rc) fprintf(stderr, "dtsim: error: %s\n", e->msg);
        else if (write(fds[1], j, sizeof *j) != (ssize_t)sizeof *j) rc = 1;
        _exit(rc ? 1 : 0);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t k;
    while (got < sizeof *j && (k = read(fds[0], (char *)j + got, sizeof *j - got)) > 0) got += (size_t)k;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    cleanup_reaped(pid);
    if (got != sizeof *j || !WIFEXITED(status) || WEXITSTATUS(status))
        return dt_errf(e, DT_ESCHED, "simcoll: the %s simulation failed (see above)",
                       j->mode == COLLSIM_EXACT ? "exact" : "fast");
    j->p.algo = o->p.algo; /* pointers from the child's copy are not ours */
    j->p.inner = o->p.inner;
    return 0;
}

static int simcoll_run(const struct simopt *op, const struct commlib *lib, char **argv);

static int cmd_simcoll(int argc, char **argv)
{
    struct simopt o;
    dt_err e = {0};
    const char *library = "none";
    simopt_default(&o);
    for (int i = 1; i < argc; i++) {
        if (cmd_is_help(argv[i])) {
            printf("usage: dtsim simcoll [options]\n\nTime one all-reduce on a SimGrid platform built from "
                   "the numbers below; print\nthe simulated time (and, with --mode both, fast/exact).\n\n%s"
                   "library:\n"
                   "  --library NAME          collective library, a [commlib] row of the catalog (dtsim catalog\n"
                   "                          commlibs): its cost per call and per step; default none (ideal)\n",
                   simopt_help);
            return DT_EXIT_OK;
        }
        if (strcmp(argv[i], "--library") == 0) {
            if (++i == argc) return cmd_fail("--library: missing value");
            library = argv[i];
            continue;
        }
        int rc = simopt_parse(&o, argc, argv, &i, &e);
        if (rc < 0) return cmd_fail("%s", e.msg);
        if (rc == 0) return cmd_fail("simcoll: unknown option '%s' (see 'dtsim simcoll --help')", argv[i]);
    }
    if (simopt_finish(&o, &e)) return cmd_fail("%s", e.msg);
    struct catalog *cat = NULL;
    const struct commlib *lib = NULL;
    if (!commlib_is_none(library)) {
        if (catalog_load(&cat, NULL, &e)) return cmd_fail("%s", e.msg);
        if (!(lib = catalog_commlib(cat, library, &e))) {
            catalog_free(cat);
            return cmd_fail("--library: %s", e.msg);
        }
    }
    int rc = simcoll_run(&o, lib, argv);
    catalog_free(cat);
    return rc;
}

/* The rest of cmd_simcoll, with the library looked up (NULL: ideal). */
static int simcoll_run(const struct simopt *op, const struct commlib *lib, char **argv)
{
    struct simopt o = *op;
    dt_err e = {0};
    struct collsim_job jobs[2];
    int n = 0;
    for (int m = COLLSIM_EXACT; m <= COLLSIM_FAST; m++)
        if (o.modes & (1 << m)) {
            memset(&jobs[n], 0, sizeof jobs[n]);
            jobs[n].p = o.p;
            jobs[n++].mode = m;
        }
    struct collsim_opts co = {.window_steps = o.window, .no_fallback = o.no_fallback, .reduce_elems_per_s = o.reduce_rate,
                              .lib = lib};
    if (n == 1) { /* one mode: it starts at time 0 in this process */
        if (platform_engine_init(1, argv, &e) || simopt_load(&o, &e) || collsim_batch(&o.c, &co, jobs, 1, &e))
            return cmd_fail("%s", e.msg);
    } else {
        for (int i = 0; i < n; i++)
            if (run_alone(&o, &co, &jobs[i], argv[0], &e)) return cmd_fail("%s", e.msg);
    }
    print_cluster(&o.c);
    simcoll_print_header();
    for (int i = 0; i < n; i++) simcoll_print_row(&jobs[i], o.bytes);
    if (n == 2) printf("fast/exact: %.6f\n", jobs[1].seconds / jobs[0].seconds);
    return DT_EXIT_OK;
}

const struct dtsim_cmd dtsim_cmd_simcoll = {"simcoll", "time one all-reduce on a cluster given by numbers",
                                            cmd_simcoll};
