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
    return r->call_s + pt->steps * (r->wire_lat_s + r->step_s) + pt->sent_bytes / r->bw_Bps;
}

/* Least squares on the free unknowns of `mask` (bit j: unknown j free):
 * minimise |A z - b|^2 over rows a_i = (1, steps_i, sent_i) / t_i. Fills z
 * (held unknowns 0) and the residual; 0 when solved, -1 when singular. */
static int lsq_subset(const struct linkfit_point *pts, size_t n, const double *target, int mask, double z[3],
                      double *resid)
{
    int idx[3], k = 0;
    for (int j = 0; j < 3; j++)
        if (mask >> j & 1) idx[k++] = j;
    double m[3][4] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const double a[3] = {1 / pts[i].time_s, pts[i].steps / pts[i].time_s, pts[i].sent_bytes / pts[i].time_s};
        double b = target[i] / pts[i].time_s;
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) m[r][c] += a[idx[r]] * a[idx[c]];
            m[r][k] += a[idx[r]] * b;
        }
    }
    double scale[3];
    for (int r = 0; r < k; r++) scale[r] = m[r][r];
    for (int c = 0; c < k; c++) { /* Gauss-Jordan with partial pivoting */
        int piv = c;
        for (int r = c + 1; r < k; r++)
            if (fabs(m[r][c]) > fabs(m[piv][c])) piv = r;
        if (!(fabs(m[piv][c]) > 1e-12 * scale[c])) return -1;
        for (int j = 0; j <= k; j++) {
            double t = m[c][j];
            m[c][j] = m[piv][j];
            m[piv][j] = t;
        }
        for (int r = 0; r < k; r++) {
            if (r == c) continue;
            double f = m[r][c] / m[c][c];
            for (int j = c; j <= k; j++) m[r][j] -= f * m[c][j];
        }
    }
    z[0] = z[1] = z[2] = 0;
    for (int r = 0; r < k; r++) z[idx[r]] = m[r][k] / m[r][r];
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (z[0] + z[1] * pts[i].steps + z[2] * pts[i].sent_bytes - target[i]) / pts[i].time_s;
        ss += d * d;
    }
    *resid = ss;
    return 0;
}

int linkfit_fit(const struct linkfit_point *pts, size_t n, double rate_Bps, double wire_lat_s,
                struct linkfit_result *r, dt_err *e)
{
    memset(r, 0, sizeof *r);
    if (!(rate_Bps > 0)) return dt_errf(e, DT_EINVAL, "link rate %g B/s, expected > 0", rate_Bps);
    if (!(wire_lat_s >= 0)) return dt_errf(e, DT_EINVAL, "wire latency %g s, expected >= 0", wire_lat_s);
    if (n == 0) return dt_errf(e, DT_EINVAL, "no 2-host points to fit on");
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
    }
    if (sizes < 2) return dt_errf(e, DT_EINVAL, "all %zu points have the same size: need two sizes at least to separate latency from bandwidth", n);
    double *target = malloc(n * sizeof *target);
    if (!target) return dt_errf(e, DT_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) target[i] = pts[i].time_s - pts[i].steps * wire_lat_s - pts[i].sent_bytes / rate_Bps;
    double best[3] = {0, 0, 0}, best_ss = -1;
    for (int mask = 0; mask < 8; mask++) { /* every subset of free unknowns; keep the best feasible one */
        double z[3], ss;
        if (mask == 0) {
            z[0] = z[1] = z[2] = 0;
            ss = 0;
            for (size_t i = 0; i < n; i++) ss += target[i] * target[i] / (pts[i].time_s * pts[i].time_s);
        } else if (lsq_subset(pts, n, target, mask, z, &ss)) {
            continue;
        }
        if (z[0] < 0 || z[1] < 0 || z[2] < 0) continue;
        if (best_ss < 0 || ss < best_ss * (1 - 1e-12)) {
            best_ss = ss;
            memcpy(best, z, sizeof best);
        }
    }
    free(target);
    r->rate_Bps = rate_Bps;
    r->wire_lat_s = wire_lat_s;
    r->call_s = best[0];
    r->step_s = best[1];
    r->share = 1 / (1 + best[2] * rate_Bps); /* 1/(R share) = 1/R + y */
    r->bw_Bps = rate_Bps * r->share;
    r->clamped = (best[0] == 0 ? LINKFIT_CALL0 : 0) | (best[1] == 0 ? LINKFIT_STEP0 : 0) | (best[2] == 0 ? LINKFIT_SHARE1 : 0);
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

void linkfit_commlib(const struct linkfit_result *r, const char *name, int year, const char *source,
                     struct commlib *out)
{
    *out = commlib_none;
    out->name = name;
    out->library = "dtbench";
    out->version = "tcp";
    out->year = year;
    out->transport = "TCP";
    out->call_s = r->call_s;
    out->step_intra_s = out->step_inter_s = r->step_s;
    out->bw_share = out->small_bw_share = r->share;
    out->source = source;
}

int linkfit_write_link(FILE *f, const char *name, const struct linkfit_result *r, const char *source)
{
    fprintf(f, "[link %s]\n", name);
    fprintf(f, "kind       = nic\n");
    fprintf(f, "signalling = %.6gMbps\n", r->rate_Bps * 8 / 1e6);
    fprintf(f, "encoding   = htb\n");
    fprintf(f, "data_rate  = %.6gMbps\n", r->rate_Bps * 8 / 1e6);
    fprintf(f, "latency    = %.3fus\n", r->wire_lat_s * 1e6);
    fprintf(f, "source     = %s\n", source);
    return ferror(f) ? DT_EIO : 0;
}

int linkfit_write_commlib(FILE *f, const char *name, int year, const struct linkfit_result *r, const char *source)
{
    fprintf(f, "; fitted: t = call + steps x (L + step) + sent / (R x share) on %d 2-host points (models/linkfit.h),\n",
            r->npoints);
    fprintf(f, "; R = %.6g Mbit/s, L = %.3f us; rms error %.2f%%, max %.2f%%", r->rate_Bps * 8 / 1e6, r->wire_lat_s * 1e6,
            100 * r->rms_rel, 100 * r->max_rel);
    if (r->clamped) {
        const char *held[3] = {"call = 0", "step = 0", "share = 1"}, *sep = "; held at their bound (the data ask for less): ";
        for (int j = 0; j < 3; j++)
            if (r->clamped >> j & 1) {
                fprintf(f, "%s%s", sep, held[j]);
                sep = ", ";
            }
    }
    fprintf(f, "\n[commlib %s]\n", name);
    fprintf(f, "library    = dtbench\n");
    fprintf(f, "version    = tcp\n");
    fprintf(f, "year       = %d\n", year);
    fprintf(f, "transport  = TCP\n");
    fprintf(f, "call       = %.3fus\n", r->call_s * 1e6);
    fprintf(f, "step_intra = %.3fus\n", r->step_s * 1e6);
    fprintf(f, "step_inter = %.3fus\n", r->step_s * 1e6);
    fprintf(f, "bw_share   = %.4f\n", r->share);
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
