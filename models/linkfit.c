/* linkfit.c -- see linkfit.h. */
#include "linkfit.h"

#include "coll.h"
#include "csvrows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int linkfit_features(struct linkfit_point *pt, dt_err *e)
{
    struct coll_params p = {.algo = pt->algo, .nranks = pt->nranks, .count = pt->bytes / 4, .dtype = COLL_FP32,
                            .gpus_per_node = pt->gpus_per_node > 0 ? pt->gpus_per_node : 1};
    int rc = coll_prepare(&p, e);
    if (rc) return rc;
    double sent = 0, steps = 0;
    for (int r = 0; r < p.nranks; r++) {
        struct coll_cost c;
        if ((rc = coll_rank_cost(&p, r, &c, e))) return rc;
        double s = (double)(c.bytes_sent[COLL_INTRA] + c.bytes_sent[COLL_INTER]);
        if (s > sent) sent = s;
        steps = (double)c.steps;
    }
    pt->steps = steps;
    pt->sent_bytes = sent;
    return 0;
}

double linkfit_predict(const struct linkfit_point *pt, const struct linkfit_result *r)
{
    return pt->steps * r->lat_s + pt->sent_bytes / r->bw_Bps;
}

int linkfit_fit(const struct linkfit_point *pts, size_t n, struct linkfit_result *r, dt_err *e)
{
    memset(r, 0, sizeof *r);
    if (n == 0) return dt_errf(e, DT_EINVAL, "no 2-host points to fit on");
    double saa = 0, sab = 0, sbb = 0, sa = 0, sb = 0;
    uint64_t size0 = pts[0].bytes;
    int sizes = 1;
    for (size_t i = 0; i < n; i++) {
        const struct linkfit_point *p = &pts[i];
        if (p->nranks != 2)
            return dt_errf(e, DT_EINVAL, "point %zu ('%s', %llu bytes) has %d ranks: the link fit takes 2-host points only", i + 1,
                           p->algo, (unsigned long long)p->bytes, p->nranks);
        if (!(p->time_s > 0) || !(p->sent_bytes > 0))
            return dt_errf(e, DT_EINVAL, "point %zu ('%s', %llu bytes): time and bytes must be positive", i + 1, p->algo,
                           (unsigned long long)p->bytes);
        if (p->bytes != size0) sizes = 2;
        double a = p->steps / p->time_s, b = p->sent_bytes / p->time_s;
        saa += a * a;
        sab += a * b;
        sbb += b * b;
        sa += a;
        sb += b;
    }
    if (sizes < 2) return dt_errf(e, DT_EINVAL, "all %zu points have the same size: need two sizes at least to separate latency from bandwidth", n);
    double det = saa * sbb - sab * sab;
    double L, x;
    if (fabs(det) <= 1e-12 * saa * sbb) {
        L = -1; /* degenerate: fall back to bandwidth alone */
        x = 0;
    } else {
        L = (sa * sbb - sb * sab) / det;
        x = (saa * sb - sab * sa) / det;
    }
    if (L < 0) {
        L = 0;
        x = sb / sbb;
        r->lat_clamped = 1;
    }
    if (!(x > 0)) return dt_errf(e, DT_EINVAL, "the fit gives a non-positive time per byte: are the times increasing with size?");
    r->lat_s = L;
    r->bw_Bps = 1 / x;
    r->npoints = (int)n;
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double rel = (linkfit_predict(&pts[i], r) - pts[i].time_s) / pts[i].time_s;
        ss += rel * rel;
        if (fabs(rel) > r->max_rel) r->max_rel = fabs(rel);
    }
    r->rms_rel = sqrt(ss / (double)n);
    return 0;
}

int linkfit_write_row(FILE *f, const char *name, double rate_Bps, const struct linkfit_result *r, const char *source)
{
    fprintf(f, "; fitted: t = steps x L + sent / B on %d 2-host points (models/linkfit.h)\n", r->npoints);
    fprintf(f, "; B = %.4f of the shaped rate; rms error %.2f%%, max %.2f%%%s\n", r->bw_Bps / rate_Bps, 100 * r->rms_rel,
            100 * r->max_rel, r->lat_clamped ? "; L fitted below 0, set to 0" : "");
    fprintf(f, "[link %s]\n", name);
    fprintf(f, "kind       = nic\n");
    fprintf(f, "signalling = %.6gMbps\n", rate_Bps * 8 / 1e6);
    fprintf(f, "encoding   = htb+TCP/IP\n");
    fprintf(f, "data_rate  = %.6gMbps\n", r->bw_Bps * 8 / 1e6);
    fprintf(f, "latency    = %.3fus\n", r->lat_s * 1e6);
    fprintf(f, "source     = %s\n", source);
    return ferror(f) ? DT_EIO : 0;
}

/* --- dtbench --csv ---------------------------------------------------------- */

enum { F_ALGO = 1, F_RANKS = 2, F_SIZE = 3, F_OOP = 8, F_IP = 12, NFIELDS = 16 };

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!*s || *s == '-') return -1;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end) return -1;
    *v = x;
    return 0;
}

static int parse_pos(const char *s, double *v)
{
    char *end;
    if (!*s) return -1;
    double x = strtod(s, &end);
    if (*end || !(x > 0) || !isfinite(x)) return -1;
    *v = x;
    return 0;
}

struct dtbench_ctx {
    int gpus_per_node;
    int header;                /* seen the header line */
};

static int dtbench_line(void *vctx, const char *name, char *line, int lineno, void *row, dt_err *e)
{
    struct dtbench_ctx *x = vctx;
    struct linkfit_point *pt = row;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r') line[len - 1] = '\0';
    if (line[0] == '\0' || line[0] == '#') return 0;
    if (strncmp(line, "transport,", 10) == 0) {
        if (strncmp(line, "transport,algo,ranks,size,", 26) != 0)
            return dt_errf(e, DT_EINVAL, "%s:%d: not a dtbench allreduce --csv header", name, lineno);
        x->header = 1;
        return 0;
    }
    if (!x->header)
        return dt_errf(e, DT_EINVAL, "%s:%d: data before the header line 'transport,algo,ranks,size,...' (is it dtbench allreduce --csv output?)", name, lineno);
    char *f[NFIELDS + 1];
    int nf = csvrows_split(line, f, NFIELDS + 1);
    if (nf != NFIELDS)
        return dt_errf(e, DT_EINVAL, "%s:%d: %d fields, expected %d (transport,algo,ranks,size,...,ip_wrong)", name, lineno,
                       nf, NFIELDS);
    uint64_t ranks;
    if (strlen(f[F_ALGO]) >= sizeof pt->algo || !f[F_ALGO][0])
        return dt_errf(e, DT_EINVAL, "%s:%d: bad algorithm name '%s'", name, lineno, f[F_ALGO]);
    strcpy(pt->algo, f[F_ALGO]);
    double oop, ip;
    if (parse_u64(f[F_RANKS], &ranks) || ranks < 1 || ranks > 1 << 20)
        return dt_errf(e, DT_EINVAL, "%s:%d: ranks '%s' is not a positive integer", name, lineno, f[F_RANKS]);
    if (parse_u64(f[F_SIZE], &pt->bytes) || pt->bytes == 0)
        return dt_errf(e, DT_EINVAL, "%s:%d: size '%s' is not a positive integer", name, lineno, f[F_SIZE]);
    if (parse_pos(f[F_OOP], &oop) || parse_pos(f[F_IP], &ip))
        return dt_errf(e, DT_EINVAL, "%s:%d: times '%s' and '%s' (us) must be positive numbers", name, lineno, f[F_OOP],
                       f[F_IP]);
    pt->nranks = (int)ranks;
    pt->gpus_per_node = strcmp(pt->algo, "hierarchical") == 0 ? x->gpus_per_node : 1;
    pt->oop_s = oop * 1e-6;
    pt->ip_s = ip * 1e-6;
    pt->time_s = pt->oop_s < pt->ip_s ? pt->oop_s : pt->ip_s;
    return 1;
}

int linkfit_parse_dtbench(const char *text, const char *name, int gpus_per_node, struct linkfit_point **out,
                          size_t *n, dt_err *e)
{
    struct dtbench_ctx x = {.gpus_per_node = gpus_per_node};
    struct csvrows r = {.name = name, .too_long = "line too long for a dtbench CSV line",
                        .empty = "no dtbench allreduce data lines", .size = sizeof **out, .line = dtbench_line, .ctx = &x};
    void *v;
    int rc = csvrows_read(text, &r, &v, n, e);
    *out = v;
    return rc;
}
