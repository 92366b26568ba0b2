/* calib.c -- predictions of calibration points and the Nelder-Mead fit
 * (see calib.h). */
#include "calib.h"

#include "coll.h"
#include "kstream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_matrix(enum dnn_kind k)
{
    return k == DNN_CONV || k == DNN_FC || k == DNN_MATMUL;
}

/* A dtbench trace's GPU time of the matrix layers: no launch overhead. */
static double matrix_time(const struct calib_point *pt, const struct compute_params *p)
{
    struct compute_params q = *p;
    q.launch_s = 0;
    int b = pt->mode == CALIB_MATRIX_BWD;
    double t = 0;
    for (size_t i = 0; i < pt->net->nlayers; i++) {
        const struct dnn_layer *l = &pt->net->layers[i];
        if (is_matrix(l->kind)) t += compute_layer_s(l, b, pt->batch, pt->prec, &pt->gpu, &q);
    }
    return t;
}

/* One bucket all-reduced inside the node, closed form (an uncontended
 * node: every GPU on its own port of the node's switch): the library's
 * cost per call + rounds x (link latency + the library's step latency at
 * the mean message size) + bytes sent / (bandwidth x the library's share)
 * + the reductions at the memory rate. */
static double node_bucket_s(const struct calib_point *pt, const struct compute_params *p, uint64_t count)
{
    struct coll_params cp;
    memset(&cp, 0, sizeof cp);
    cp.algo = pt->algorithm ? pt->algorithm : "ring";
    cp.nranks = pt->gpus;
    cp.gpus_per_node = pt->gpus;
    cp.count = count;
    cp.dtype = pt->grad_elem == 2 ? COLL_FP16 : COLL_FP32;
    struct coll_cost c;
    if (coll_rank_cost(&cp, 0, &c, NULL)) return NAN;
    double sent = (double)(c.bytes_sent[COLL_INTRA] + c.bytes_sent[COLL_INTER]);
    double reduce_rate = pt->gpu.mem_bw_Bps * p->mem_eff / (3.0 * pt->grad_elem);
    double msg = c.rounds ? sent / (double)c.rounds : 0;
    return commlib_call_s(pt->lib) + (double)c.rounds * (pt->intra_lat_s + commlib_round_lat_s(pt->lib, 0, msg)) +
           sent / (pt->intra_bw_Bps * commlib_share(pt->lib, msg)) + (double)c.reduce_elems / reduce_rate;
}

double calib_predict(const struct calib_point *pt, const struct compute_params *p)
{
    if (pt->mode == CALIB_MATRIX_FWD || pt->mode == CALIB_MATRIX_BWD) return matrix_time(pt, p);
    struct stack ideal, inf;
    const struct stack *st = pt->stack;
    if (!st) {
        stack_ideal(&ideal);
        st = &ideal;
    }
    struct compute_params q = *p;
    if (stack_eff_for(st, pt->arch, &q.speed[0], &q.speed[1], NULL)) return NAN;
    struct compute_gpu g = pt->gpu;
    if (!(pt->tf32 >= 0 ? pt->tf32 : st->tf32)) g.tf32_flops = 0;
    struct compute_times t;
    if (compute_net(pt->net, pt->batch, pt->prec, &g, &q, &t, NULL)) return NAN;
    size_t nl = pt->net->nlayers;
    double *grad = NULL, *zero = NULL, *bucket_s = NULL, res = NAN;
    int gpus = pt->gpus > 0 ? pt->gpus : 1;
    struct kstream ks;
    memset(&ks, 0, sizeof ks);
    struct kstream_in in = {pt->net, t.fwd_s, t.bwd_s, t.optimizer_s, 0, NULL, pt->bucket_bytes > 0 ? pt->bucket_bytes : 25e6,
                            pt->grad_elem > 0 ? pt->grad_elem : 4, pt->prec == COMPUTE_FP16, st};
    if (pt->mode == CALIB_INFERENCE) { /* forward only; the benchmark waits for every batch */
        inf = *st;
        for (int k = 0; k < DNN_NKINDS; k++) inf.kernels[k][1] = 0;
        inf.opt_kernels = 1;
        inf.opt_kernels_per_layer = 0;
        inf.dispatch_s[STACK_OPT] = 0;
        inf.step_host_s = 0;
        inf.sync = STACK_SYNC_STEP;
        inf.optimizer = STACK_OPT_GPU;
        if (!(zero = calloc(nl, sizeof *zero))) goto out;
        in.bwd_s = zero;
        in.optimizer_s = 0;
        in.stack = &inf;
        gpus = 1;
    } else {
        double params = (double)pt->net->params;
        if (st->optimizer == STACK_OPT_CPU)
            in.optimizer_cpu_s = 2 * 4 * params / pt->host_link_bw_Bps +
                                 ((double)gpus * 4 + 16) * params / st->host_mem_bw_Bps;
        else if (gpus > 1) {
            if (!(grad = calloc(nl, sizeof *grad))) goto out;
            for (size_t i = 0; i < nl; i++) grad[i] = (double)dnn_layer_grad_bytes(&pt->net->layers[i], in.grad_elem_bytes);
            in.grad_bytes = grad;
        }
    }
    if (kstream_build(&in, &ks, NULL)) goto out;
    struct kstream_simopts so = {NULL, 0, 2, 2, 2};
    if (ks.nbuckets > 0) {
        if (!(bucket_s = calloc((size_t)ks.nbuckets, sizeof *bucket_s))) goto out;
        for (int b = 0; b < ks.nbuckets; b++) bucket_s[b] = node_bucket_s(pt, &q, ks.bucket_count[b]);
        so.bucket_s = bucket_s;
    }
    if (pt->cpu_cores > 0 && pt->mode != CALIB_INFERENCE) { /* real data, decoded on the node's cores */
        if (!(st->decode_per_core > 0)) goto out;
        so.input_s = (double)gpus * (double)pt->batch / (pt->cpu_cores * st->decode_per_core);
    }
    struct kstream_result r;
    if (kstream_sim(&ks, &so, &r, NULL) || !(r.step_s > 0)) goto out;
    switch (pt->mode) {
    case CALIB_TRAIN: res = (double)gpus * (double)pt->batch / r.step_s; break;
    case CALIB_INFERENCE: res = (double)pt->batch / r.step_s; break;
    case CALIB_BACKWARD: res = r.backward_wall_s; break;
    default: break;
    }
out:
    kstream_free(&ks);
    compute_times_free(&t);
    free(grad);
    free(zero);
    free(bucket_s);
    return res;
}

/* ---- the fit -------------------------------------------------------------- */

static double to_u(const struct calib_param *pr, double v)
{
    if (pr->x == CALIB_X_RANGE) {
        double f = (v - pr->lo) / (pr->hi - pr->lo);
        if (f < 1e-9) f = 1e-9;
        if (f > 1 - 1e-9) f = 1 - 1e-9;
        return log(f / (1 - f));
    }
    return log(v > 1e-12 ? v : 1e-12);
}

static double from_u(const struct calib_param *pr, double u)
{
    if (pr->x == CALIB_X_RANGE) return pr->lo + (pr->hi - pr->lo) / (1 + exp(-u));
    return exp(u);
}

static void set_slots(struct calib_problem *pb, const double *u)
{
    for (int j = 0; j < pb->npar; j++) *pb->par[j].slot = from_u(&pb->par[j], u[j]);
    if (pb->apply) pb->apply(pb->ctx);
}

static double sumsq(const struct calib_problem *pb)
{
    double s = 0;
    for (size_t i = 0; i < pb->n; i++) {
        double pred = calib_predict(&pb->pts[i], pb->cp[i]);
        double r = pred > 0 ? log(pred / pb->pts[i].value) : 50; /* a failed prediction: far off */
        s += r * r;
    }
    return s;
}

static double objective(struct calib_problem *pb, const double *u)
{
    set_slots(pb, u);
    return sumsq(pb);
}

#define CALIB_MAXPAR 16

/* Plain Nelder-Mead (reflection 1, expansion 2, contraction 1/2, shrink
 * 1/2) with a fixed iteration budget: deterministic. */
static void nelder_mead(struct calib_problem *pb, double *x0)
{
    int d = pb->npar;
    double s[CALIB_MAXPAR + 1][CALIB_MAXPAR], f[CALIB_MAXPAR + 1];
    for (int i = 0; i <= d; i++) {
        memcpy(s[i], x0, sizeof(double) * (size_t)d);
        if (i > 0) s[i][i - 1] += 0.5;
        f[i] = objective(pb, s[i]);
    }
    for (int it = 0; it < 4000; it++) {
        /* order: best first (insertion sort, stable) */
        for (int i = 1; i <= d; i++)
            for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
                double tf = f[j]; f[j] = f[j - 1]; f[j - 1] = tf;
                for (int k = 0; k < d; k++) { double t = s[j][k]; s[j][k] = s[j - 1][k]; s[j - 1][k] = t; }
            }
        if (f[d] - f[0] < 1e-14) break;
        double cen[CALIB_MAXPAR] = {0}, xr[CALIB_MAXPAR], xe[CALIB_MAXPAR], xc[CALIB_MAXPAR];
        for (int i = 0; i < d; i++)
            for (int k = 0; k < d; k++) cen[k] += s[i][k] / d;
        for (int k = 0; k < d; k++) xr[k] = cen[k] + (cen[k] - s[d][k]);
        double fr = objective(pb, xr);
        if (fr < f[0]) {
            for (int k = 0; k < d; k++) xe[k] = cen[k] + 2 * (cen[k] - s[d][k]);
            double fe = objective(pb, xe);
            if (fe < fr) { memcpy(s[d], xe, sizeof xe[0] * (size_t)d); f[d] = fe; }
            else { memcpy(s[d], xr, sizeof xr[0] * (size_t)d); f[d] = fr; }
        } else if (fr < f[d - 1]) {
            memcpy(s[d], xr, sizeof xr[0] * (size_t)d);
            f[d] = fr;
        } else {
            for (int k = 0; k < d; k++) xc[k] = cen[k] + 0.5 * (s[d][k] - cen[k]);
            double fc = objective(pb, xc);
            if (fc < f[d]) { memcpy(s[d], xc, sizeof xc[0] * (size_t)d); f[d] = fc; }
            else {
                for (int i = 1; i <= d; i++) {
                    for (int k = 0; k < d; k++) s[i][k] = s[0][k] + 0.5 * (s[i][k] - s[0][k]);
                    f[i] = objective(pb, s[i]);
                }
            }
        }
    }
    int best = 0;
    for (int i = 1; i <= d; i++) if (f[i] < f[best]) best = i;
    memcpy(x0, s[best], sizeof(double) * (size_t)d);
}

double calib_rms(const struct calib_problem *pb)
{
    return pb->n ? sqrt(sumsq(pb) / (double)pb->n) : 0;
}

int calib_solve(struct calib_problem *pb, double *rms_log, dt_err *e)
{
    if (pb->npar > CALIB_MAXPAR) return dt_errf(e, DT_ERANGE, "more than %d free parameters", CALIB_MAXPAR);
    if (pb->n == 0 && pb->npar > 0) return dt_errf(e, DT_EINVAL, "nothing to fit: no calibration points");
    if ((size_t)pb->npar > pb->n)
        return dt_errf(e, DT_EINVAL, "%d free parameters but only %zu calibration points", pb->npar, pb->n);
    double u[CALIB_MAXPAR];
    for (int j = 0; j < pb->npar; j++) u[j] = to_u(&pb->par[j], *pb->par[j].slot);
    if (pb->npar > 0) nelder_mead(pb, u);
    set_slots(pb, u);
    for (int j = 0; j < pb->npar; j++) {
        const struct calib_param *pr = &pb->par[j];
        double v = *pr->slot;
        pb->par[j].at_bound = pr->x == CALIB_X_RANGE &&
                              (v - pr->lo < 1e-3 * (pr->hi - pr->lo) || pr->hi - v < 1e-3 * (pr->hi - pr->lo));
    }
    if (rms_log) *rms_log = calib_rms(pb);
    return 0;
}
