#include "compute.h"

#include <stdlib.h>

double compute_matrix_peak(const struct compute_gpu *g, enum compute_prec prec)
{
    if (prec == COMPUTE_FP16 && g->fp16_flops > g->fp32_flops) return g->fp16_flops;
    return g->tf32_flops > g->fp32_flops ? g->tf32_flops : g->fp32_flops;
}

static int is_matrix(enum dnn_kind k)
{
    return k == DNN_CONV || k == DNN_FC || k == DNN_MATMUL;
}

double compute_layer_s(const struct dnn_layer *l, int bwd, int64_t batch, enum compute_prec prec,
                       const struct compute_gpu *g, const struct compute_params *p)
{
    int elem = prec == COMPUTE_FP16 ? 2 : 4;
    double per = bwd ? (double)(l->bwd_data_flops + l->bwd_weight_flops) : (double)l->fwd_flops;
    double flops = per * (double)batch;
    double bytes = (double)(bwd ? dnn_layer_bwd_bytes(l, batch, elem) : dnn_layer_fwd_bytes(l, batch, elem));
    int kernels = 1;
    if (bwd) {
        kernels = (l->bwd_data_flops > 0) + (l->bwd_weight_flops > 0);
        if (kernels == 0) kernels = 1;
    }
    double t_math = 0;
    if (flops > 0) {
        double peak = is_matrix(l->kind) ? compute_matrix_peak(g, prec) : g->fp32_flops;
        /* matrix layers reach the fitted fraction of the matrix peak;
         * elementwise layers run on the ALUs, whose rate is not what the
         * matrix fit measures (on Ampere eff_fp32 is a TF32 tensor-core
         * figure): full ALU rate, so their time is the memory term and the
         * per-kernel ramp */
        double eff = is_matrix(l->kind) ? p->eff_max[prec] : 1.0;
        if (bwd && is_matrix(l->kind)) eff *= p->bwd_eff;
        eff *= flops / (flops + peak * p->ramp_s);
        t_math = flops / (peak * eff);
    }
    double t_mem = bytes / (g->mem_bw_Bps * p->mem_eff);
    double speed = p->speed[is_matrix(l->kind) ? 0 : 1];
    if (!(speed > 0)) speed = 1;
    return (t_math > t_mem ? t_math : t_mem) / speed + kernels * p->launch_s;
}

int compute_net(const struct dnn_net *net, int64_t batch, enum compute_prec prec,
                const struct compute_gpu *g, const struct compute_params *p,
                struct compute_times *t, dt_err *e)
{
    t->fwd_s = t->bwd_s = NULL;
    t->fwd_total_s = t->bwd_total_s = t->optimizer_s = 0;
    if (batch < 1) return dt_errf(e, DT_EINVAL, "per-GPU batch must be at least 1 (got %lld)", (long long)batch);
    if (!(g->fp32_flops > 0) || !(g->mem_bw_Bps > 0))
        return dt_errf(e, DT_EINVAL, "gpu needs a positive fp32 rate and memory bandwidth");
    if (!(p->eff_max[0] > 0 && p->eff_max[0] <= 1) || !(p->eff_max[1] > 0 && p->eff_max[1] <= 1) ||
        !(p->mem_eff > 0 && p->mem_eff <= 100) || !(p->ramp_s >= 0) || !(p->launch_s >= 0) ||
        !(p->bwd_eff > 0 && p->bwd_eff <= 1) || !(p->speed[0] >= 0) || !(p->speed[1] >= 0))
        return dt_errf(e, DT_EINVAL, "compute parameters out of range (efficiencies in (0, 1], memory factor in (0, 100], times >= 0)");
    size_t n = net->nlayers ? net->nlayers : 1;
    t->fwd_s = calloc(n, sizeof *t->fwd_s);
    t->bwd_s = calloc(n, sizeof *t->bwd_s);
    if (!t->fwd_s || !t->bwd_s) {
        compute_times_free(t);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < net->nlayers; i++) {
        t->fwd_s[i] = compute_layer_s(&net->layers[i], 0, batch, prec, g, p);
        t->bwd_s[i] = compute_layer_s(&net->layers[i], 1, batch, prec, g, p);
        t->fwd_total_s += t->fwd_s[i];
        t->bwd_total_s += t->bwd_s[i];
    }
    double bytes_per_param = prec == COMPUTE_FP16 ? 22.0 : 20.0;
    double speed = p->speed[1] > 0 ? p->speed[1] : 1;
    t->optimizer_s = (double)net->params * bytes_per_param / (g->mem_bw_Bps * p->mem_eff) / speed + p->launch_s;
    return 0;
}

void compute_times_free(struct compute_times *t)
{
    free(t->fwd_s);
    free(t->bwd_s);
    t->fwd_s = t->bwd_s = NULL;
}

double compute_throughput(const struct compute_times *t, int64_t batch)
{
    double step = t->fwd_total_s + t->bwd_total_s + t->optimizer_s;
    return step > 0 ? (double)batch / step : 0;
}
