/* stackfit.c -- a stack row from a torch.profiler trace (stackfit.h). */
#include "stackfit.h"

#include "calib.h"
#include "kstream.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int is_matrix(int k)
{
    return k == DNN_CONV || k == DNN_FC || k == DNN_MATMUL;
}

double stackfit_step_s(const struct stack *s, const struct dnn_net *net, long long batch, enum compute_prec prec,
                       const struct compute_gpu *gpu, const char *arch, const struct compute_params *cp, dt_err *e)
{
    struct calib_point pt;
    memset(&pt, 0, sizeof pt);
    pt.name = s->name;
    pt.net = net;
    pt.gpu = *gpu;
    pt.arch = arch;
    pt.prec = prec;
    pt.batch = batch;
    pt.mode = CALIB_TRAIN;
    pt.stack = s;
    pt.tf32 = -1;
    pt.gpus = 1;
    pt.bucket_bytes = 25e6;
    pt.grad_elem = 4;
    struct compute_params q = *cp;
    q.speed[0] = q.speed[1] = 1; /* the stack's kernel speed multiplies in (calib_predict) */
    double v = calib_predict(&pt, &q);
    if (!(v > 0)) {
        dt_errf(e, DT_EINVAL, "stack '%s': no step for %s at batch %lld on %s", s->name, net->model->name, batch, arch);
        return -1;
    }
    return (double)batch / v;
}

void stackfit_gpu(struct stackfit_in *in, const struct catalog_gpu *g, const struct catalog_compute *cc,
                  enum compute_prec prec, int bf16)
{
    memset(&in->gpu, 0, sizeof in->gpu);
    in->gpu.fp32_flops = g->peak_flops[CATALOG_FP32];
    in->gpu.tf32_flops = g->peak_flops[CATALOG_TF32];
    in->gpu.fp16_flops = g->peak_flops[bf16 ? CATALOG_BF16 : CATALOG_FP16];
    in->gpu.mem_bw_Bps = g->mem_bw_Bps;
    in->arch = g->arch;
    memset(&in->cp, 0, sizeof in->cp);
    in->cp.eff_max[0] = cc->eff_max[0];
    in->cp.eff_max[1] = cc->eff_max[1];
    in->cp.ramp_s = cc->ramp_s;
    in->cp.mem_eff = cc->mem_eff;
    in->cp.bwd_eff = cc->bwd_eff;
    in->cp.launch_s = cc->launch_s;
    in->prec = prec;
}

/* Reference GPU time of every layer (fwd + bwd) and the optimizer with the
 * launch term or without it (launch 0), speed 1. */
static int reference(const struct stackfit_in *in, int launch, struct compute_times *t, dt_err *e)
{
    struct compute_params q = in->cp;
    q.speed[0] = q.speed[1] = 1;
    if (!launch) q.launch_s = 0;
    struct compute_gpu g = in->gpu;
    if (!in->base->tf32) g.tf32_flops = 0;
    return compute_net(in->net, in->t->batch, in->prec, &g, &q, t, e);
}

int stackfit(const struct stackfit_in *in, struct stackfit_out *o, dt_err *e)
{
    const struct kineto_info *I = in->info;
    const struct dnn_net *net = in->net;
    memset(o, 0, sizeof *o);
    if (in->t->gpu_rows == 0 || I->kernels == 0)
        return dt_errf(e, DT_EINVAL, "%s: a CPU-only profile (no GPU kernels): it has no kernel times or dispatch to fit "
                       "a stack on; record it on the GPU (scripts/torch-profile.py there)", in->t->path);
    struct stack *s = &o->s;
    *s = *in->base;
    s->name = in->name;
    s->source = in->source;
    s->file = NULL;
    s->line = 0;
    s->fitted = o->fitted;
    snprintf(o->fitted, sizeof o->fitted, "trace: dispatch step_host kernels queue sync eff");

    /* the model's layers per kind, and layers with parameters */
    int with_params = 0, matrix_w = 0;
    for (size_t i = 0; i < net->nlayers; i++) {
        const struct dnn_layer *l = &net->layers[i];
        o->kind_layers[l->kind]++;
        if (l->params > 0) {
            with_params++;
            if (is_matrix((int)l->kind)) matrix_w++;
        }
    }
    /* kernels per layer of each kind in the model; kinds it lacks keep the base's count */
    long long casts = 0;
    for (int k = 0; k < KINETO_NCLS; k++)
        for (int p = 0; p < 3; p++) {
            o->trace_kernels[p] += I->part[k][p].kernels;
            o->kind_kernels[k] += I->part[k][p].kernels;
            o->kind_gpu_s[k] += I->part[k][p].gpu_s;
            if (p == 0 && k < DNN_NKINDS && is_matrix(k)) casts += I->part[k][p].casts;
        }
    for (int k = 0; k < DNN_NKINDS; k++) {
        if (!o->kind_layers[k]) continue;
        double n = o->kind_layers[k];
        s->kernels[k][0] = (int)lround((double)(I->part[k][0].kernels - (is_matrix(k) ? I->part[k][0].casts : 0)) / n);
        s->kernels[k][1] = (int)lround((double)I->part[k][1].kernels / n);
    }
    s->kernels_amp = in->prec == COMPUTE_FP16 && matrix_w ? (int)lround((double)casts / matrix_w) : 0;
    long long nopt = o->trace_kernels[2];
    if (with_params && nopt >= with_params) {
        s->opt_kernels = 0;
        s->opt_kernels_per_layer = round((double)nopt / with_params * 100) / 100;
    } else {
        s->opt_kernels = (int)nopt;
        s->opt_kernels_per_layer = 0;
    }
    s->optimizer = STACK_OPT_GPU;
    s->step_host_s = I->gap_s[3];
    s->queue = in->base->queue > I->max_inflight ? in->base->queue : (int)I->max_inflight;
    s->sync = (I->waits[KW_START] || I->waits[KW_END] || I->waits[KW_MODEL]) ? STACK_SYNC_STEP
              : I->waits[KW_PREOPT] ? STACK_SYNC_OPTIMIZER : STACK_SYNC_NONE;

    /* kernel speed against the reference kernels, matrix layers and the rest */
    struct compute_times r1, r0;
    memset(&r1, 0, sizeof r1);
    memset(&r0, 0, sizeof r0);
    int rc = reference(in, 1, &r1, e);
    if (!rc) rc = reference(in, 0, &r0, e);
    if (rc) {
        compute_times_free(&r1);
        compute_times_free(&r0);
        return rc;
    }
    double am = 0, cm = 0, ao = r0.optimizer_s, co = r1.optimizer_s - r0.optimizer_s;
    for (size_t i = 0; i < net->nlayers; i++) {
        double a = r0.fwd_s[i] + r0.bwd_s[i], c = r1.fwd_s[i] + r1.bwd_s[i] - a;
        o->kind_ref_s[net->layers[i].kind] += a + c;
        if (is_matrix((int)net->layers[i].kind)) { am += a; cm += c; }
        else { ao += a; co += c; }
    }
    o->kind_ref_s[KINETO_OTHER] = r1.optimizer_s;
    /* the kernels the row gives this model per pass (the counts do not depend on the times) */
    struct kstream ks;
    memset(&ks, 0, sizeof ks);
    struct kstream_in ki = {net, r1.fwd_s, r1.bwd_s, r1.optimizer_s, 0, NULL, 25e6, 4, in->prec == COMPUTE_FP16, s};
    rc = kstream_build(&ki, &ks, e);
    compute_times_free(&r1);
    compute_times_free(&r0);
    if (rc) return rc;
    o->model_kernels[0] = ks.kernels_fwd;
    o->model_kernels[1] = ks.kernels_bwd;
    o->model_kernels[2] = ks.kernels_opt;
    kstream_free(&ks);
    double gm = o->kind_gpu_s[DNN_CONV] + o->kind_gpu_s[DNN_FC] + o->kind_gpu_s[DNN_MATMUL], gall = 0;
    for (int k = 0; k < KINETO_NCLS; k++) gall += o->kind_gpu_s[k];
    o->matrix_ref_s = am + cm;
    o->other_ref_s = ao + co;
    o->matrix_gpu_s = gm;
    o->other_gpu_s = gall - gm;
    if (!(gm - cm > 0) || !(gall - gm - co > 0))
        return dt_errf(e, DT_EINVAL, "%s: the traced GPU time of %s (matrix %.3g s, other %.3g s) is below the "
                       "reference's launch term alone: not a training step of this model", in->t->path,
                       !(gm - cm > 0) ? "the matrix ops" : "the other ops", gm, gall - gm);
    s->neff = 1;
    memset(s->eff, 0, sizeof s->eff);
    snprintf(s->eff[0].arch, sizeof s->eff[0].arch, "%s", in->arch);
    s->eff[0].matrix = am / (gm - cm);
    s->eff[0].memory = ao / (gall - gm - co);

    /* dispatch: each pass's host time over the kernels the row gives this model */
    for (int p = 0; p < 3; p++) {
        for (int k = 0; k < KINETO_NCLS; k++) o->host_s[p] += I->part[k][p].host_s;
        o->host_s[p] += I->gap_s[p] - I->wait_s[p];
        if (o->host_s[p] < 0) o->host_s[p] = 0;
    }
    for (int p = 0; p < 3; p++)
        s->dispatch_s[p] = o->model_kernels[p] > 0 ? o->host_s[p] / o->model_kernels[p] : 0;
    o->step_s = I->step_s - I->input_s;
    return 0;
}
