/* dtsim simcoll -- time one all-reduce on a cluster given by numbers. */
#include "catalog.h"
#include "cleanup.h"
#include "cmd.h"
#include "collsim.h"
#include "commlib.h"
#include "simopt.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const topo_name[] = {"single-switch", "fat-tree", "torus", "dragonfly"};

static void print_cluster(const struct sim_cluster *c)
{
    printf("cluster: %d nodes x %d gpus, %s", c->nodes, c->gpus_per_node, topo_name[c->topology]);
    if (c->topology == SIM_TOPO_FATTREE) printf(" %d nodes/leaf %.3g:1", c->nodes_per_leaf, c->oversubscription);
    if (c->topology == SIM_TOPO_TORUS) printf(" %dx%dx%d", c->torus_x, c->torus_y, c->torus_z);
    if (c->topology == SIM_TOPO_DRAGONFLY) printf(" %d nodes/router %d routers/group", c->nodes_per_leaf, c->dfly_routers);
    printf(", %d x %.4g GB/s nic, intra %s %.4g GB/s\n", c->nics_per_node, c->nic_bw_Bps / 1e9,
           c->intra == SIM_INTRA_MESH ? "mesh" : "switch", c->intra_bw_Bps / 1e9);
}

/* Channels the job's algorithm runs (coll.h): prepare says. */
static int job_channels(const struct collsim_job *j)
{
    struct coll_params q = j->p;
    return coll_prepare(&q, NULL) ? 0 : q.channels;
}

static double algbw(const struct collsim_job *j, uint64_t bytes)
{
    return j->seconds > 0 ? (double)bytes / j->seconds / 1e9 : 0;
}

static const char *mode_name(const struct collsim_job *j)
{
    return j->mode == COLLSIM_EXACT ? "exact" : j->st.exact ? "fastx" : "fast";
}

/* nccl-tests columns: algbw = bytes / time; busbw = algbw * 2(N-1)/N. */
void simcoll_print_row(const struct collsim_job *j, uint64_t bytes)
{
    int n = j->p.nranks;
    double alg = algbw(j, bytes);
    printf("%-18s %6d %11llu %-5s %12.9f %10.3f %10.3f %10llu %7llu %7llu %3d\n", j->p.algo, n,
           (unsigned long long)bytes, mode_name(j), j->seconds, alg, alg * 2.0 * (n - 1) / n,
           (unsigned long long)j->st.messages, (unsigned long long)j->st.steps,
           (unsigned long long)j->st.steps_simulated, job_channels(j));
}

void simcoll_print_header(void)
{
    printf("%-18s %6s %11s %-5s %12s %10s %10s %10s %7s %7s %3s\n", "algo", "ranks", "bytes", "mode", "time_s",
           "algbw_GBps", "busbw_GBps", "messages", "steps", "simstep", "ch");
}

static const char csv_header[] =
    "algorithm,ranks,bytes,mode,time_s,algbw_GBps,busbw_GBps,messages,steps,steps_simulated,channels\n";

static void print_csv_row(const struct collsim_job *j, uint64_t bytes)
{
    int n = j->p.nranks;
    double alg = algbw(j, bytes);
    printf("%s,%d,%llu,%s,%.9f,%.6f,%.6f,%llu,%llu,%llu,%d\n", j->p.algo, n, (unsigned long long)bytes, mode_name(j),
           j->seconds, alg, alg * 2.0 * (n - 1) / n, (unsigned long long)j->st.messages,
           (unsigned long long)j->st.steps, (unsigned long long)j->st.steps_simulated, job_channels(j));
}

static void print_json(const struct sim_cluster *c, const struct collsim_job *jobs, const uint64_t *bytes, int n)
{
    printf("{\n  \"cluster\": {\"nodes\": %d, \"gpus_per_node\": %d, \"nics_per_node\": %d, \"topology\": \"%s\", "
           "\"nic_bw_Bps\": %.17g, \"intra\": \"%s\", \"intra_bw_Bps\": %.17g},\n  \"rows\": [",
           c->nodes, c->gpus_per_node, c->nics_per_node, topo_name[c->topology], c->nic_bw_Bps,
           c->intra == SIM_INTRA_MESH ? "mesh" : "switch", c->intra_bw_Bps);
    for (int i = 0; i < n; i++) {
        const struct collsim_job *j = &jobs[i];
        int r = j->p.nranks;
        double alg = algbw(j, bytes[i]);
        printf("%s\n    {\"algorithm\": \"%s\", \"ranks\": %d, \"bytes\": %llu, \"mode\": \"%s\", \"time_s\": %.9f, "
               "\"algbw_GBps\": %.6f, \"busbw_GBps\": %.6f, \"messages\": %llu, \"steps\": %llu, "
               "\"steps_simulated\": %llu, \"channels\": %d}",
               i ? "," : "", j->p.algo, r, (unsigned long long)bytes[i], mode_name(j), j->seconds, alg,
               alg * 2.0 * (r - 1) / r, (unsigned long long)j->st.messages, (unsigned long long)j->st.steps,
               (unsigned long long)j->st.steps_simulated, job_channels(j));
    }
    printf("\n  ]\n}\n");
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

enum { FMT_TEXT, FMT_CSV, FMT_JSON };

/* A size sweep as dtbench's: -b first, -e last, -f factor (0 0: --bytes). */
struct sweep {
    uint64_t minb, maxb;
    int factor, fmt;
};

static int simcoll_run(const struct simopt *op, const struct commlib *lib, const struct sweep *sw, char **argv);

static int cmd_simcoll(int argc, char **argv)
{
    struct simopt o;
    dt_err e = {0};
    const char *library = "none";
    struct sweep sw = {0, 0, 2, FMT_TEXT};
    int have_b = 0, have_e = 0, have_f = 0, have_bytes = 0;
    simopt_default(&o);
    for (int i = 1; i < argc; i++) {
        if (cmd_is_help(argv[i])) {
            printf("usage: dtsim simcoll [options]\n\nTime one all-reduce on a SimGrid platform built from "
                   "the numbers below; print\nthe simulated time (and, with --mode both, fast/exact).\n\n%s"
                   "library:\n"
                   "  --library NAME          collective library, a [commlib] row of the catalog (dtsim catalog\n"
                   "                          commlibs): its cost per call and per step; default none (ideal)\n"
                   "sizes and output:\n"
                   "  -b, --minbytes SIZE     sweep sizes from SIZE (with -e; instead of --bytes)\n"
                   "  -e, --maxbytes SIZE     ... up to SIZE\n"
                   "  -f, --stepfactor F      ... multiplying by F each step (2..1024, default 2)\n"
                   "  --format F              text (default), csv or json\n",
                   simopt_help);
            return DT_EXIT_OK;
        }
        const char *a = argv[i];
        int is_b = !strcmp(a, "-b") || !strcmp(a, "--minbytes"), is_e = !strcmp(a, "-e") || !strcmp(a, "--maxbytes");
        int is_f = !strcmp(a, "-f") || !strcmp(a, "--stepfactor");
        if (!strcmp(a, "--library") || !strcmp(a, "--format") || is_b || is_e || is_f) {
            if (++i == argc) return cmd_fail("%s: missing value", a);
            const char *v = argv[i];
            if (!strcmp(a, "--library")) {
                library = v;
            } else if (!strcmp(a, "--format")) {
                if (!strcmp(v, "text")) sw.fmt = FMT_TEXT;
                else if (!strcmp(v, "csv")) sw.fmt = FMT_CSV;
                else if (!strcmp(v, "json")) sw.fmt = FMT_JSON;
                else return cmd_fail("--format: unknown value '%s' (valid: text, csv, json)", v);
            } else if (is_f) {
                char *end;
                long f = strtol(v, &end, 10);
                if (end == v || *end || f < 2 || f > 1024)
                    return cmd_fail("%s: '%s' is not a whole step factor in 2..1024", a, v);
                sw.factor = (int)f;
                have_f = 1;
            } else {
                if (simopt_bytes(v, is_b ? &sw.minb : &sw.maxb, &e, a)) return cmd_fail("%s", e.msg);
                have_b |= is_b;
                have_e |= is_e;
            }
            continue;
        }
        have_bytes |= !strcmp(a, "--bytes");
        int rc = simopt_parse(&o, argc, argv, &i, &e);
        if (rc < 0) return cmd_fail("%s", e.msg);
        if (rc == 0) return cmd_fail("simcoll: unknown option '%s' (see 'dtsim simcoll --help')", argv[i]);
    }
    if (have_b != have_e) return cmd_fail("simcoll: a size sweep needs both -b (first size) and -e (last size)");
    if (have_f && !have_b) return cmd_fail("simcoll: -f needs a size sweep (-b and -e)");
    if (have_b && have_bytes) return cmd_fail("simcoll: --bytes and a size sweep (-b, -e) exclude each other");
    if (have_b && sw.minb > sw.maxb)
        return cmd_fail("simcoll: -b %llu is larger than -e %llu", (unsigned long long)sw.minb,
                        (unsigned long long)sw.maxb);
    if (have_b && sw.minb == 0) return cmd_fail("simcoll: -b 0: a sweep starts at one element at least");
    if (have_b) o.bytes = sw.minb;
    if (simopt_finish(&o, &e)) return cmd_fail("%s", e.msg);
    if (have_b) { /* every size of the sweep a whole number of elements */
        size_t ds = coll_dtype_size(o.p.dtype);
        for (uint64_t b = sw.minb; b <= sw.maxb; b *= (uint64_t)sw.factor)
            if (b % ds)
                return cmd_fail("simcoll: size %llu is not a whole number of %zu-byte elements",
                                (unsigned long long)b, ds);
    }
    struct catalog *cat = NULL;
    const struct commlib *lib = NULL;
    if (!commlib_is_none(library)) {
        if (catalog_load(&cat, NULL, &e)) return cmd_fail("%s", e.msg);
        if (!(lib = catalog_commlib(cat, library, &e))) {
            catalog_free(cat);
            return cmd_fail("--library: %s", e.msg);
        }
    }
    if (!have_b) sw.minb = sw.maxb = o.bytes;
    int rc = simcoll_run(&o, lib, &sw, argv);
    catalog_free(cat);
    return rc;
}

/* The rest of cmd_simcoll, with the library looked up (NULL: ideal). */
static int simcoll_run(const struct simopt *op, const struct commlib *lib, const struct sweep *sw, char **argv)
{
    struct simopt o = *op;
    dt_err e = {0};
    size_t ds = coll_dtype_size(o.p.dtype);
    int nsizes = 0, nmodes = (o.modes & 1) + (o.modes >> 1 & 1);
    for (uint64_t b = sw->minb; b <= sw->maxb; b *= (uint64_t)sw->factor) nsizes++;
    int n = 0;
    struct collsim_job *jobs = calloc((size_t)nsizes * (size_t)nmodes, sizeof *jobs);
    uint64_t *bytes = calloc((size_t)nsizes * (size_t)nmodes, sizeof *bytes);
    if (!jobs || !bytes) {
        free(jobs);
        free(bytes);
        return cmd_fail("out of memory");
    }
    for (uint64_t b = sw->minb; b <= sw->maxb; b *= (uint64_t)sw->factor)
        for (int m = COLLSIM_EXACT; m <= COLLSIM_FAST; m++)
            if (o.modes & (1 << m)) {
                jobs[n].p = o.p;
                jobs[n].p.count = b / ds;
                jobs[n].mode = m;
                bytes[n++] = b;
            }
    struct collsim_opts co = {.window_steps = o.window, .no_fallback = o.no_fallback, .reduce_elems_per_s = o.reduce_rate,
                              .lib = lib};
    int rc = 0;
    if (nmodes == 1) { /* one mode: the sizes run one after the other in this process */
        if (platform_engine_init(1, argv, &e) || simopt_load(&o, &e) || collsim_batch(&o.c, &co, jobs, n, &e))
            rc = cmd_fail("%s", e.msg);
    } else { /* each mode of each size starts at time 0 in its own child */
        for (int i = 0; i < n && !rc; i++)
            if (run_alone(&o, &co, &jobs[i], argv[0], &e)) rc = cmd_fail("%s", e.msg);
    }
    if (!rc) {
        if (sw->fmt == FMT_JSON) {
            print_json(&o.c, jobs, bytes, n);
        } else if (sw->fmt == FMT_CSV) {
            fputs(csv_header, stdout);
            for (int i = 0; i < n; i++) print_csv_row(&jobs[i], bytes[i]);
        } else {
            print_cluster(&o.c);
            simcoll_print_header();
            for (int i = 0; i < n; i++) simcoll_print_row(&jobs[i], bytes[i]);
            if (nmodes == 2)
                for (int i = 0; i + 1 < n; i += 2) {
                    printf("fast/exact: %.6f", jobs[i + 1].seconds / jobs[i].seconds);
                    if (nsizes > 1) printf(" at %llu bytes", (unsigned long long)bytes[i]);
                    printf("\n");
                }
        }
    }
    free(jobs);
    free(bytes);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_simcoll = {"simcoll", "time one all-reduce on a cluster given by numbers",
                                            cmd_simcoll};
