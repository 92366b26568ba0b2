/* validate.c -- see validate.h. */
#include "validate.h"

#include "cleanup.h"
#include "coll.h"
#include "collsim.h"
#include "commlib.h"
#include "csvrows.h"
#include "platform.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

double validate_real_s(const struct validate_point *p)
{
    return p->oop_s < p->ip_s ? p->oop_s : p->ip_s;
}

double validate_busbw_GBps(const struct validate_point *p, double t_s)
{
    int n = p->hosts;
    return t_s > 0 ? (double)p->bytes / t_s / 1e9 * 2.0 * (n - 1) / n : 0;
}

int validate_write_measured(FILE *f, const struct validate_point *pts, size_t n)
{
    fprintf(f, "rate_bps,hosts,gpus_per_node,algo,bytes,oop_us,ip_us\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.0f,%d,%d,%s,%llu,%.3f,%.3f\n", pts[i].rate_Bps * 8, pts[i].hosts, pts[i].gpus_per_node, pts[i].algo,
                (unsigned long long)pts[i].bytes, pts[i].oop_s * 1e6, pts[i].ip_s * 1e6);
    return ferror(f) ? -1 : 0;
}

static int num(const char *s, double lo, double hi, double *v)
{
    char *end;
    if (!*s) return -1;
    errno = 0;
    double x = strtod(s, &end);
    if (*end || errno || !isfinite(x) || x < lo || x > hi) return -1;
    *v = x;
    return 0;
}

static int measured_line(void *ctx, const char *name, char *line, int lineno, void *row, dt_err *e)
{
    static const char header[] = "rate_bps,hosts,gpus_per_node,algo,bytes,oop_us,ip_us";
    (void)ctx;
    struct validate_point *pt = row;
    if (lineno == 1) {
        if (strcmp(line, header) != 0) return dt_errf(e, DT_EINVAL, "%s:1: expected the header '%s'", name, header);
        return 0;
    }
    if (!line[0] || line[0] == '#') return 0;
    char *f[8];
    int nf = csvrows_split(line, f, 8);
    if (nf != 7) return dt_errf(e, DT_EINVAL, "%s:%d: %d fields, expected 7 (%s)", name, lineno, nf, header);
    double rate, hosts, g, bytes, oop, ip;
    if (num(f[0], 1e3, 1e13, &rate) || num(f[1], 1, 4096, &hosts) || num(f[2], 1, 64, &g) ||
        num(f[4], 4, 1e12, &bytes) || num(f[5], 1e-3, 1e12, &oop) || num(f[6], 1e-3, 1e12, &ip) ||
        hosts != floor(hosts) || g != floor(g) || bytes != floor(bytes))
        return dt_errf(e, DT_EINVAL, "%s:%d: a field is not a number in range (rate_bps 1e3..1e13, hosts 1..4096, gpus_per_node 1..64, bytes >= 4, times > 0)",
                       name, lineno);
    dt_err ae;
    if (strlen(f[3]) >= sizeof pt->algo || !coll_find(f[3], &ae))
        return dt_errf(e, DT_ENOENT, "%s:%d: %s", name, lineno, strlen(f[3]) >= sizeof pt->algo ? "algorithm name too long" : ae.msg);
    if ((int)hosts % (int)g)
        return dt_errf(e, DT_EINVAL, "%s:%d: %d hosts do not fill nodes of %d", name, lineno, (int)hosts, (int)g);
    strcpy(pt->algo, f[3]);
    pt->rate_Bps = rate / 8;
    pt->hosts = (int)hosts;
    pt->gpus_per_node = (int)g;
    pt->bytes = (uint64_t)bytes;
    pt->oop_s = oop * 1e-6;
    pt->ip_s = ip * 1e-6;
    return 1;
}

int validate_read_measured(const char *text, const char *name, struct validate_point **out, size_t *n, dt_err *e)
{
    struct csvrows r = {.name = name, .too_long = "line too long", .empty = "no points", .size = sizeof **out,
                        .line = measured_line};
    void *v;
    int rc = csvrows_read(text, &r, &v, n, e);
    *out = v;
    return rc;
}

void validate_cluster(struct sim_cluster *c, int hosts, int G, double lat_s, double bw_Bps)
{
    memset(c, 0, sizeof *c);
    c->nodes = hosts / G;
    c->gpus_per_node = G;
    c->gpu_flops = 1e12;
    c->intra = SIM_INTRA_SWITCH;
    c->intra_bw_Bps = bw_Bps;
    c->intra_lat_s = lat_s;
    c->nics_per_node = G;
    c->nic_bw_Bps = bw_Bps;
    c->nic_lat_s = lat_s;
    c->switch_lat_s = 0;
    c->topology = SIM_TOPO_SWITCH;
    c->nodes_per_leaf = c->nodes;
    c->oversubscription = 1;
    c->torus_x = c->torus_y = c->torus_z = 1;
}

/* The child: load the platform, run the batch, write the seconds. */
static int child(const struct sim_cluster *c, const struct commlib *lib, struct collsim_job *jobs, int n, int fd)
{
    dt_err e = {0};
    char *argv[] = {"dtsim", NULL};
    char path[CLEANUP_MAX_PATH];
    if (cleanup_tmpfile(path, sizeof path, "dtsim-validate-", ".xml", &e)) return 1;
    int rc = platform_engine_init(1, argv, &e) || platform_load(c, path, &e);
    cleanup_remove(path);
    /* reductions cost nothing: the fit folds them into the library's costs */
    struct collsim_opts o = {.reduce_elems_per_s = 1e18, .lib = lib};
    if (!rc) rc = collsim_batch(c, &o, jobs, n, &e);
    double *secs = calloc((size_t)n + 1, sizeof *secs);
    if (!secs) return 1;
    for (int i = 0; i < n; i++) secs[i] = rc ? -1 : jobs[i].seconds;
    size_t left = (size_t)n * sizeof *secs;
    const char *b = (const char *)secs;
    while (left) {
        ssize_t k = write(fd, b, left);
        if (k <= 0) return 1;
        b += k;
        left -= (size_t)k;
    }
    return rc ? 1 : 0;
}

int validate_simulate(struct validate_point *pts, const size_t *idx, size_t n, double rate_Bps, double lat_s,
                      const struct commlib *lib, dt_err *e)
{
    if (n == 0) return 0;
    const struct validate_point *p0 = &pts[idx[0]];
    struct sim_cluster c;
    validate_cluster(&c, p0->hosts, p0->gpus_per_node, lat_s, rate_Bps);
    int rc = platform_check(&c, e);
    if (rc) return rc;
    struct collsim_job *jobs = calloc(n, sizeof *jobs);
    double *secs = calloc(n, sizeof *secs);
    if (!jobs || !secs) {
        free(jobs);
        free(secs);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const struct validate_point *p = &pts[idx[i]];
        jobs[i].p = (struct coll_params){.algo = p->algo, .nranks = p->hosts, .count = p->bytes / 4, .dtype = COLL_FP32,
                                         .gpus_per_node = p->gpus_per_node};
        jobs[i].mode = COLLSIM_FAST;
        if ((rc = coll_prepare(&jobs[i].p, e))) goto out;
    }
    int fds[2];
    if (pipe(fds)) {
        rc = dt_errf(e, DT_EIO, "pipe: %s", strerror(errno));
        goto out;
    }
    fflush(NULL);
    pid_t pid = cleanup_fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        rc = dt_errf(e, DT_EIO, "fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        close(fds[0]);
        _exit(child(&c, lib, jobs, (int)n, fds[1]));
    }
    close(fds[1]);
    size_t got = 0, want = n * sizeof *secs;
    while (got < want) {
        ssize_t k = read(fds[0], (char *)secs + got, want - got);
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    cleanup_reaped(pid);
    if (got != want || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        rc = dt_errf(e, DT_EIO, "the simulation of %d hosts (%d per node) failed", p0->hosts, p0->gpus_per_node);
        goto out;
    }
    for (size_t i = 0; i < n; i++) pts[idx[i]].sim_s = secs[i];
out:
    free(jobs);
    free(secs);
    return rc;
}
