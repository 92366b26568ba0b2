#include "bench.h"

#include "coll.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double bench_algbw_GBps(uint64_t bytes, double time_s)
{
    return time_s > 0 ? (double)bytes / time_s / 1e9 : 0.0;
}

double bench_busbw_factor(int nranks)
{
    return nranks > 1 ? 2.0 * (nranks - 1) / nranks : 0.0;
}

void bench_result_set(struct bench_result *r, uint64_t bytes, int nranks, double time_s, int64_t wrong)
{
    r->time_us = time_s * 1e6;
    r->algbw_GBps = bench_algbw_GBps(bytes, time_s);
    r->busbw_GBps = r->algbw_GBps * bench_busbw_factor(nranks);
    r->wrong = wrong;
}

const char *bench_type_name(int dtype)
{
    return dtype == COLL_FP16 ? "half" : "float";
}

size_t bench_fmt_header(char *buf, size_t n)
{
    return (size_t)snprintf(buf, n,
        "# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place          \n"
        "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s %6s  %7s  %6s  %6s %6s\n"
        "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %5s  %7s  %6s  %6s  %5s\n",
        "", "", "", "", "",
        "size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "time",
        "algbw", "busbw", "#wrong",
        "(B)", "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "");
}

/* nccl-tests: 2 decimals below 100 us, 1 below 10 ms, none above. */
static void fmt_time(char *t, size_t n, double us)
{
    if (us >= 10000.0)
        snprintf(t, n, "%7.0f", us);
    else if (us >= 100.0)
        snprintf(t, n, "%7.1f", us);
    else
        snprintf(t, n, "%7.2f", us);
}

static void fmt_wrong(char *w, size_t n, int64_t wrong)
{
    if (wrong < 0)
        snprintf(w, n, "%5s", "N/A");
    else
        snprintf(w, n, "%5lld", (long long)wrong);
}

size_t bench_fmt_row(char *buf, size_t n, uint64_t bytes, uint64_t count, const char *type,
                     const char *redop, int root, const struct bench_result *oop,
                     const struct bench_result *ip)
{
    char t0[32], t1[32], w0[32], w1[32];
    fmt_time(t0, sizeof t0, oop->time_us);
    fmt_time(t1, sizeof t1, ip->time_us);
    fmt_wrong(w0, sizeof w0, oop->wrong);
    fmt_wrong(w1, sizeof w1, ip->wrong);
    return (size_t)snprintf(buf, n, "%12llu  %12llu  %8s  %6s  %6d  %7s  %6.2f  %6.2f  %5s  %7s  %6.2f  %6.2f  %5s\n",
                            (unsigned long long)bytes, (unsigned long long)count, type, redop, root, t0,
                            oop->algbw_GBps, oop->busbw_GBps, w0, t1, ip->algbw_GBps, ip->busbw_GBps, w1);
}

size_t bench_fmt_footer(char *buf, size_t n, int64_t wrong_total, double avg_busbw_GBps)
{
    return (size_t)snprintf(buf, n, "# Out of bounds values : %lld %s\n# Avg bus bandwidth    : %g \n#\n",
                            (long long)wrong_total, wrong_total ? "FAILED" : "OK", avg_busbw_GBps);
}

size_t bench_fmt_csv_header(char *buf, size_t n)
{
    return (size_t)snprintf(buf, n,
                            "transport,algo,ranks,size,count,type,redop,root,"
                            "oop_time_us,oop_algbw_GBps,oop_busbw_GBps,oop_wrong,"
                            "ip_time_us,ip_algbw_GBps,ip_busbw_GBps,ip_wrong\n");
}

size_t bench_fmt_csv_row(char *buf, size_t n, const char *transport, const char *algo, int nranks,
                         uint64_t bytes, uint64_t count, const char *type, const char *redop,
                         int root, const struct bench_result *oop, const struct bench_result *ip)
{
    return (size_t)snprintf(buf, n, "%s,%s,%d,%llu,%llu,%s,%s,%d,%.3f,%.4f,%.4f,%lld,%.3f,%.4f,%.4f,%lld\n",
                            transport, algo, nranks, (unsigned long long)bytes, (unsigned long long)count,
                            type, redop, root, oop->time_us, oop->algbw_GBps, oop->busbw_GBps,
                            (long long)oop->wrong, ip->time_us, ip->algbw_GBps, ip->busbw_GBps,
                            (long long)ip->wrong);
}

/* Number then unit suffix; the suffix must be one of `units` (exact
 * match), whose scales are in `scale`. Empty suffix -> scale_bare. */
static int parse_unit(const char *what, const char *s, const char *const *units, const double *scale,
                      size_t nunits, double scale_bare, double *out, dt_err *e)
{
    if (!s || !*s) return dt_errf(e, DT_EINVAL, "empty %s", what);
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return dt_errf(e, DT_EINVAL, "bad %s '%s' (expected a number with a unit)", what, s);
    while (*end == ' ') end++;
    if (!*end) {
        *out = v * scale_bare;
        return 0;
    }
    for (size_t i = 0; i < nunits; i++)
        if (strcmp(end, units[i]) == 0) {
            *out = v * scale[i];
            return 0;
        }
    char list[256];
    size_t k = 0;
    list[0] = 0;
    for (size_t i = 0; i < nunits && k + 1 < sizeof list; i++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", units[i]);
    return dt_errf(e, DT_EINVAL, "bad %s '%s': unknown unit '%s' (one of: %s)", what, s, end, list);
}

int bench_parse_bytes(const char *s, uint64_t *bytes, dt_err *e)
{
    static const char *const u[] = {"K", "k", "M", "m", "G", "g", "B"};
    static const double sc[] = {1024.0, 1024.0, 1048576.0, 1048576.0, 1073741824.0, 1073741824.0, 1.0};
    double v;
    int rc = parse_unit("size", s, u, sc, sizeof u / sizeof u[0], 1.0, &v, e);
    if (rc) return rc;
    if (v > 1e18) return dt_errf(e, DT_ERANGE, "size '%s' too large", s);
    *bytes = (uint64_t)v;
    return 0;
}

int bench_parse_rate(const char *s, double *bw_Bps, dt_err *e)
{
    /* bits per second, SI prefixes (tc and SimGrid "bps"); B = bytes. */
    static const char *const u[] = {"bit", "Kbit", "kbit", "Mbit", "mbit", "Gbit", "gbit",
                                    "bps", "Kbps", "kbps", "Mbps", "Gbps",
                                    "Bps", "KBps", "kBps", "MBps", "GBps"};
    static const double sc[] = {1 / 8.0, 1e3 / 8, 1e3 / 8, 1e6 / 8, 1e6 / 8, 1e9 / 8, 1e9 / 8,
                                1 / 8.0, 1e3 / 8, 1e3 / 8, 1e6 / 8, 1e9 / 8,
                                1, 1e3, 1e3, 1e6, 1e9};
    double v;
    int rc = parse_unit("rate", s, u, sc, sizeof u / sizeof u[0], 1 / 8.0, &v, e);
    if (rc) return rc;
    if (v <= 0) return dt_errf(e, DT_ERANGE, "rate '%s' must be positive", s);
    *bw_Bps = v;
    return 0;
}

int bench_parse_time(const char *s, double *t_s, dt_err *e)
{
    static const char *const u[] = {"ns", "us", "ms", "s"};
    static const double sc[] = {1e-9, 1e-6, 1e-3, 1};
    return parse_unit("time", s, u, sc, sizeof u / sizeof u[0], 1, t_s, e);
}

size_t bench_fmt_rate_bit(char *buf, size_t n, double bw_Bps)
{
    double bits = bw_Bps * 8;
    static const char *const u[] = {"Gbit", "Mbit", "Kbit"};
    static const double sc[] = {1e9, 1e6, 1e3};
    for (int i = 0; i < 3; i++) {
        double q = bits / sc[i];
        if (q >= 1 && fabs(q - llround(q)) < 1e-9 * q)
            return (size_t)snprintf(buf, n, "%lld%s", llround(q), u[i]);
    }
    return (size_t)snprintf(buf, n, "%.0fbit", bits);
}

static int env_int(bench_getenv_fn get, void *ctx, const char *name, int lo, int *out, dt_err *e)
{
    const char *v = get(name, ctx);
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > 1000000)
        return dt_errf(e, DT_EINVAL, "bad %s='%s' (expected an integer >= %d)", name, v, lo);
    *out = (int)x;
    return 0;
}

int bench_world_from_env(struct bench_world *w, bench_getenv_fn get, void *ctx, dt_err *e)
{
    static const struct {
        const char *rank, *size, *source;
    } src[] = {
        {"RANK", "WORLD_SIZE", "torchrun/launch"},
        {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "mpirun"},
        {"PMI_RANK", "PMI_SIZE", "mpich"},
        {"SLURM_PROCID", "SLURM_NTASKS", "srun"},
    };
    memset(w, 0, sizeof *w);
    w->size = 1;
    w->source = "single";
    w->master_port = BENCH_DEFAULT_PORT;
    int local = 0; /* every rank known to be on this host */
    size_t i;
    for (i = 0; i < sizeof src / sizeof src[0]; i++) {
        const char *r = get(src[i].rank, ctx), *s = get(src[i].size, ctx);
        if (!r && !s) continue;
        if (!r || !s)
            return dt_errf(e, DT_EINVAL, "%s is set but %s is not", r ? src[i].rank : src[i].size,
                           r ? src[i].size : src[i].rank);
        int rc = env_int(get, ctx, src[i].rank, 0, &w->rank, e);
        if (!rc) rc = env_int(get, ctx, src[i].size, 1, &w->size, e);
        if (rc) return rc;
        if (w->rank >= w->size)
            return dt_errf(e, DT_EINVAL, "%s=%d is out of range for %s=%d (ranks are 0..%d)", src[i].rank,
                           w->rank, src[i].size, w->size, w->size - 1);
        w->source = src[i].source;
        break;
    }
    if (i == 1) {
        const char *ls = get("OMPI_COMM_WORLD_LOCAL_SIZE", ctx);
        local = ls && atoi(ls) == w->size;
    } else if (i == 3) {
        const char *nn = get("SLURM_NNODES", ctx);
        local = nn && strcmp(nn, "1") == 0;
    }
    if (w->size == 1) return 0;
    const char *a = get("MASTER_ADDR", ctx), *p = get("MASTER_PORT", ctx);
    if (a && *a) {
        if (strlen(a) >= sizeof w->master_addr) return dt_errf(e, DT_EINVAL, "MASTER_ADDR too long");
        strcpy(w->master_addr, a);
    } else if (local) {
        strcpy(w->master_addr, "127.0.0.1");
    } else {
        return dt_errf(e, DT_EINVAL,
                       "MASTER_ADDR is not set (%d ranks from %s): export MASTER_ADDR=<address of rank 0> "
                       "and optionally MASTER_PORT (default %d)",
                       w->size, w->source, BENCH_DEFAULT_PORT);
    }
    if (p && *p) {
        int rc = env_int(get, ctx, "MASTER_PORT", 1, &w->master_port, e);
        if (rc) return rc;
        if (w->master_port > 65535)
            return dt_errf(e, DT_EINVAL, "bad MASTER_PORT='%s' (expected 1..65535)", p);
    }
    return 0;
}
