#include "calib.h"

#include <math.h>
#include <string.h>

double calib_predict(const struct calib_point *pt, const struct compute_params *p)
{
    double fwd = 0, bwd = 0;
    if (pt->mode == CALIB_MATRIX_FWD || pt->mode == CALIB_MATRIX_BWD) {
        struct compute_params q = *p;
        q.launch_s = 0; /* a trace's GPU time has no launch overhead */
        int b = pt->mode == CALIB_MATRIX_BWD;
        double t = 0;
        for (size_t i = 0; i < pt->net->nlayers; i++) {
            const struct dnn_layer *l = &pt->net->layers[i];
            if (l->kind == DNN_CONV || l->kind == DNN_FC || l->kind == DNN_MATMUL)
                t += compute_layer_s(l, b, pt->batch, pt->prec, &pt->gpu, &q);
        }
        return t;
    }
    for (size_t i = 0; i < pt->net->nlayers; i++) {
        fwd += compute_layer_s(&pt->net->layers[i], 0, pt->batch, pt->prec, &pt->gpu, p);
        if (pt->mode != CALIB_INFERENCE) bwd += compute_layer_s(&pt->net->layers[i], 1, pt->batch, pt->prec, &pt->gpu, p);
    }
    switch (pt->mode) {
    case CALIB_INFERENCE: return (double)pt->batch / fwd;
    case CALIB_BACKWARD: return bwd;
    case CALIB_MATRIX_FWD: /* handled above */
    case CALIB_MATRIX_BWD: return 0;
    case CALIB_TRAIN: break;
    }
    double bytes_per_param = pt->prec == COMPUTE_FP16 ? 22.0 : 20.0;
    double opt = (double)pt->net->params * bytes_per_param / (pt->gpu.mem_bw_Bps * p->mem_eff) + p->launch_s;
    return (double)pt->batch / (fwd + bwd + opt);
}

/* Unbounded coordinates <-> parameters. */
static double *slot(struct compute_params *p, int k)
{
    switch (k) {
    case CALIB_EFF_FP32: return &p->eff_max[COMPUTE_FP32];
    case CALIB_EFF_FP16: return &p->eff_max[COMPUTE_FP16];
    case CALIB_LAUNCH: return &p->launch_s;
    case CALIB_RAMP: return &p->ramp_s;
    case CALIB_MEM: return &p->mem_eff;
    default: return &p->bwd_eff;
    }
}
static double to_u(int k, double v)
{
    if (k <= CALIB_EFF_FP16 || k == CALIB_BWD) return log(v / (1 - v));
    return log(v > 1e-12 ? v : 1e-12);
}
static double from_u(int k, double u)
{
    if (k <= CALIB_EFF_FP16 || k == CALIB_BWD) return 1 / (1 + exp(-u));
    return exp(u);
}

struct fitctx {
    const struct calib_point *pts;
    size_t n;
    int idx[CALIB_NPARAM];
    int nfree;
    struct compute_params base;
};

static double objective(const struct fitctx *c, const double *u)
{
    struct compute_params p = c->base;
    for (int j = 0; j < c->nfree; j++) *slot(&p, c->idx[j]) = from_u(c->idx[j], u[j]);
    double s = 0;
    for (size_t i = 0; i < c->n; i++) {
        double r = log(calib_predict(&c->pts[i], &p) / c->pts[i].value);
        s += r * r;
    }
    return s;
}

/* Plain Nelder-Mead (reflection 1, expansion 2, contraction 1/2, shrink
 * 1/2) with a fixed iteration budget: deterministic. */
static void nelder_mead(const struct fitctx *c, double *x0)
{
    int d = c->nfree;
    double s[CALIB_NPARAM + 1][CALIB_NPARAM], f[CALIB_NPARAM + 1];
    for (int i = 0; i <= d; i++) {
        memcpy(s[i], x0, sizeof(double) * (size_t)d);
        if (i > 0) s[i][i - 1] += 0.5;
        f[i] = objective(c, s[i]);
    }
    for (int it = 0; it < 4000; it++) {
        /* order: best first (insertion sort, stable) */
        for (int i = 1; i <= d; i++)
            for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
                double tf = f[j]; f[j] = f[j - 1]; f[j - 1] = tf;
                for (int k = 0; k < d; k++) { double t = s[j][k]; s[j][k] = s[j - 1][k]; s[j - 1][k] = t; }
            }
        if (f[d] - f[0] < 1e-14) break;
        double cen[CALIB_NPARAM] = {0}, xr[CALIB_NPARAM], xe[CALIB_NPARAM], xc[CALIB_NPARAM];
        for (int i = 0; i < d; i++)
            for (int k = 0; k < d; k++) cen[k] += s[i][k] / d;
        for (int k = 0; k < d; k++) xr[k] = cen[k] + (cen[k] - s[d][k]);
        double fr = objective(c, xr);
        if (fr < f[0]) {
            for (int k = 0; k < d; k++) xe[k] = cen[k] + 2 * (cen[k] - s[d][k]);
            double fe = objective(c, xe);
            if (fe < fr) { memcpy(s[d], xe, sizeof xe[0] * (size_t)d); f[d] = fe; }
            else { memcpy(s[d], xr, sizeof xr[0] * (size_t)d); f[d] = fr; }
        } else if (fr < f[d - 1]) {
            memcpy(s[d], xr, sizeof xr[0] * (size_t)d);
            f[d] = fr;
        } else {
            for (int k = 0; k < d; k++) xc[k] = cen[k] + 0.5 * (s[d][k] - cen[k]);
            double fc = objective(c, xc);
            if (fc < f[d]) { memcpy(s[d], xc, sizeof xc[0] * (size_t)d); f[d] = fc; }
            else {
                for (int i = 1; i <= d; i++) {
                    for (int k = 0; k < d; k++) s[i][k] = s[0][k] + 0.5 * (s[i][k] - s[0][k]);
                    f[i] = objective(c, s[i]);
                }
            }
        }
    }
    int best = 0;
    for (int i = 1; i <= d; i++) if (f[i] < f[best]) best = i;
    memcpy(x0, s[best], sizeof(double) * (size_t)d);
}

int calib_fit(const struct calib_point *pts, size_t n, unsigned free_mask, struct compute_params *p,
              double *rms_log, dt_err *e)
{
    struct fitctx c;
    memset(&c, 0, sizeof c);
    c.pts = pts;
    c.n = n;
    c.base = *p;
    for (int k = 0; k < CALIB_NPARAM; k++)
        if (free_mask & CALIB_FREE(k)) c.idx[c.nfree++] = k;
    if (n == 0 && c.nfree > 0) return dt_errf(e, DT_EINVAL, "nothing to fit: no calibration points");
    if ((size_t)c.nfree > n)
        return dt_errf(e, DT_EINVAL, "%d free parameters but only %zu calibration points", c.nfree, n);
    double u[CALIB_NPARAM];
    for (int j = 0; j < c.nfree; j++) u[j] = to_u(c.idx[j], *slot(p, c.idx[j]));
    if (c.nfree > 0) nelder_mead(&c, u);
    for (int j = 0; j < c.nfree; j++) *slot(p, c.idx[j]) = from_u(c.idx[j], u[j]);
    c.base = *p;
    if (rms_log) *rms_log = n ? sqrt(objective(&c, u) / (double)n) : 0;
    return 0;
}
