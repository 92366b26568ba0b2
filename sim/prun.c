/* prun.c -- dtsim run of a [parallel] experiment (prun.h). */
#include "prun.h"
#include "cleanup.h"
#include "commlib.h"
#include "compute.h"
#include "progress.h"
#include "stack.h"

#include <math.h>
#include <simgrid/engine.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GB 1e9

/* Memory traffic of one mixed-precision Adam update, bytes a parameter
 * (prun.h) [U]. */
#define ADAM_BYTES 28.0

/* The transformer of x (overrides applied). */
static int xf_of(const struct experiment *x, struct dnn_xf *a, dt_err *e)
{
    dt_err le;
    const struct dnn_model *m = dnn_find(x->model.name, &le);
    struct config_entry tmp;
    const struct config_entry *at = config_find_or(x->cfg, "model", "name", x->model.name, &tmp);
    if (!m) return config_errf(e, DT_ENOENT, at, "%s", le.msg);
    if (dnn_xf_arch(m, &x->model.xf, a, &le)) return config_errf(e, DT_EINVAL, at, "[parallel] needs a transformer: %s", le.msg);
    return 0;
}

static int layout_of(const struct experiment *x, const struct dnn_xf *a, struct layout *l, dt_err *e)
{
    if (x->training.nbatch != 1) {
        struct config_entry tmp;
        const struct config_entry *at = config_find_or(x->cfg, "training", "batch", "", &tmp);
        return config_errf(e, DT_EINVAL, at,
                           "a [parallel] run takes one global batch (in sequences), not a schedule of %d phases",
                           x->training.nbatch);
    }
    return layout_from_experiment(x, a, x->training.batch[0].global_batch, l, e);
}

/* The transformer, layout and GPU row of x: what every entry point needs. */
static int setup(const struct experiment *x, const struct catalog *cat, struct dnn_xf *a, struct layout *l,
                 const struct catalog_gpu **gpu, dt_err *e)
{
    int rc;
    if ((rc = xf_of(x, a, e)) || (rc = layout_of(x, a, l, e))) return rc;
    *gpu = catalog_gpu(cat, x->cluster.gpu, e);
    return *gpu ? 0 : DT_ENOENT;
}

int prun_check(const struct experiment *x, const struct catalog *cat, dt_err *e)
{
    struct dnn_xf a;
    struct layout l;
    struct layout_mem m;
    const struct catalog_gpu *gpu;
    int rc = setup(x, cat, &a, &l, &gpu, e);
    return rc ? rc : layout_check(x, &a, l.global_batch, gpu->mem_bytes, gpu->name, &l, &m, e);
}

int prun_memory(const struct experiment *x, const struct catalog *cat, struct layout *l, struct layout_mem *m,
                double *cap, dt_err *e)
{
    struct dnn_xf a;
    const struct catalog_gpu *gpu;
    int rc = setup(x, cat, &a, l, &gpu, e);
    if (rc) return rc;
    layout_mem(&a, l, x->model.precision, m);
    *cap = gpu->mem_bytes;
    return 0;
}

/* --- op lists ---------------------------------------------------------- */

/* Norms and residual adds run whole on every TP GPU unless sequence
 * parallelism splits them (prun.h). */
static int tp_replicated(const struct dnn_layer *l)
{
    return l->kind == DNN_LAYERNORM || l->kind == DNN_RMSNORM || l->kind == DNN_ADD;
}

/* A layer's share on one TP GPU. Sequence parallelism splits a norm's work
 * over the sequence, but every TP GPU still holds its whole weights. */
static void tp_split(const struct dnn_layer *src, int tp, int sp, struct dnn_layer *d)
{
    *d = *src;
    int repl = tp_replicated(src);
    if (tp <= 1 || (repl && !sp)) return;
    if (!repl) d->params /= tp;
    d->macs /= tp;
    d->fwd_flops /= tp;
    d->bwd_data_flops /= tp;
    d->bwd_weight_flops /= tp;
    d->in_elems /= tp;
    d->out_elems /= tp;
    d->act_bytes /= tp;
}

static int is_attn_core(const struct dnn_layer *l)
{
    return l->kind == DNN_MATMUL || l->kind == DNN_SOFTMAX;
}

/* GPU and host seconds of one pass of a layer range [i0, i1) at the microbatch. */
struct pass_cost {
    double gpu, host;
};


static int push(struct prun_plan *p, int kind, double sec, double bytes, dt_err *e)
{
    if (kind == PIPE_COMPUTE && p->nops > p->floor) {
        struct pipe_op *last = &p->ops[p->nops - 1];
        if (last->kind == PIPE_COMPUTE) { /* merge consecutive compute */
            last->seconds += sec;
            return 0;
        }
    }
    if (p->nops == p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 1024;
        struct pipe_op *n = realloc(p->ops, nc * sizeof *n);
        if (!n) return dt_errf(e, DT_ENOMEM, "out of memory");
        p->ops = n;
        p->cap = nc;
    }
    p->ops[p->nops++] = (struct pipe_op){kind, sec, bytes};
    return 0;
}

static void cost_add(const struct prun_plan *p, const struct dnn_layer *src, int bwd, struct pass_cost *c)
{
    struct dnn_layer d;
    tp_split(src, p->l.tp, p->l.sp, &d);
    c->gpu += compute_layer_s(&d, bwd, p->l.microbatch, p->prec, &p->g, &p->cp);
    int pass = bwd ? STACK_BWD : STACK_FWD;
    int k = p->st->kernels[src->kind][pass];
    if (!bwd && p->prec == COMPUTE_FP16 && src->params > 0 &&
        (src->kind == DNN_FC || src->kind == DNN_CONV || src->kind == DNN_MATMUL))
        k += p->st->kernels_amp;
    c->host += k * p->st->dispatch_s[pass];
}

/* Seconds of a pass: the GPU's, or the host's when it issues the kernels
 * slower than the GPU runs them (a deep launch queue: max of the two). */
static double pass_s(const struct pass_cost *c)
{
    return c->gpu > c->host ? c->gpu : c->host;
}

/* Layers [i0, i1) of the table: forward (bwd 0) or backward (1) costs,
 * `core_only`: only the attention core (selective recompute). */
static double range_s(const struct prun_plan *p, size_t i0, size_t i1, int bwd, int core_only)
{
    struct pass_cost c = {0, 0};
    for (size_t i = i0; i < i1; i++)
        if (!core_only || is_attn_core(&p->net.layers[i])) cost_add(p, &p->net.layers[i], bwd, &c);
    return pass_s(&c);
}

/* The TP collectives around a part: without SP one all-reduce after it
 * (forward) / before the previous part (backward); with SP an all-gather
 * before and a reduce-scatter after. */
static int part_ops(struct prun_plan *p, double sec, dt_err *e)
{
    double bytes = (double)p->l.seq * p->l.microbatch * (double)p->a.hidden * p->esz;
    int tp = p->l.tp > 1, rc;
    if (tp && p->l.sp && (rc = push(p, PIPE_TP_ALLGATHER, 0, bytes, e))) return rc;
    if ((rc = push(p, PIPE_COMPUTE, sec, 0, e))) return rc;
    if (tp && (rc = push(p, p->l.sp ? PIPE_TP_REDUCE_SCATTER : PIPE_TP_ALLREDUCE, 0, bytes, e))) return rc;
    return 0;
}

/* Layer index ranges of block b: [b0, mid) the attention part (to the first
 * residual add, inclusive), [mid, b1) the MLP part. */
struct block_span {
    size_t b0, mid, b1;
};

/* A block's forward: its two parts, each with its TP collectives (run
 * again before the backward under full recompute). */
static int block_fwd(struct prun_plan *p, const struct block_span *b, dt_err *e)
{
    int rc = part_ops(p, range_s(p, b->b0, b->mid, 0, 0), e);
    return rc ? rc : part_ops(p, range_s(p, b->mid, b->b1, 0, 0), e);
}

/* Parameters one TP GPU holds of layers [i0, i1). */
static double range_params(const struct prun_plan *p, size_t i0, size_t i1)
{
    double par = 0;
    for (size_t i = i0; i < i1; i++) {
        struct dnn_layer d;
        tp_split(&p->net.layers[i], p->l.tp, p->l.sp, &d);
        par += (double)d.params;
    }
    return par;
}

static int build_ops(struct prun_plan *p, dt_err *e)
{
    const struct dnn_net *n = &p->net;
    int L = (int)p->a.layers, nch = p->l.pp * p->l.vstages, per = L / nch, rc;
    struct block_span *bs = calloc((size_t)L, sizeof *bs);
    p->chunks = calloc((size_t)nch, sizeof *p->chunks);
    p->fwd_at = calloc((size_t)nch * 2 + 2, sizeof *p->fwd_at);
    if (!bs || !p->chunks || !p->fwd_at) {
        free(bs);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    p->bwd_at = p->fwd_at + nch + 1;
    /* [0, pre_end): embedding; [post_begin, n): final norm and head */
    size_t pre_end = n->nlayers, post_begin = 0;
    for (int b = 0; b < L; b++) bs[b].b0 = bs[b].mid = bs[b].b1 = (size_t)-1;
    for (size_t i = 0; i < n->nlayers; i++) {
        int b = n->layers[i].block;
        if (b < 0 || b >= L) continue;
        if (i < pre_end) pre_end = i;
        post_begin = i + 1;
        if (bs[b].b0 == (size_t)-1) bs[b].b0 = i;
        bs[b].b1 = i + 1;
        if (bs[b].mid == (size_t)-1 && n->layers[i].kind == DNN_ADD) bs[b].mid = i + 1;
    }
    for (int b = 0; b < L; b++) {
        if (bs[b].b0 == (size_t)-1) {
            free(bs);
            return dt_errf(e, DT_EINVAL, "model %s: the layer table has no layer of block %d", n->model->name, b);
        }
        if (bs[b].mid == (size_t)-1) bs[b].mid = bs[b].b1;
    }
    int full = p->l.rc == EXP_RC_FULL, sel = p->l.rc == EXP_RC_SELECTIVE;
    for (int c = 0; c < nch; c++) {
        int first = c * per, last = first + per; /* blocks [first, last) */
        /* forward */
        p->fwd_at[c] = p->floor = p->nops;
        double pre = c == 0 ? range_s(p, 0, pre_end, 0, 0) : 0;
        if (pre > 0 && (rc = push(p, PIPE_COMPUTE, pre, 0, e))) goto out;
        for (int b = first; b < last; b++)
            if ((rc = block_fwd(p, &bs[b], e))) goto out;
        if (c == nch - 1 && (rc = push(p, PIPE_COMPUTE, range_s(p, post_begin, n->nlayers, 0, 0), 0, e))) goto out;
        /* backward */
        p->bwd_at[c] = p->floor = p->nops;
        if (c == nch - 1 && (rc = push(p, PIPE_COMPUTE, range_s(p, post_begin, n->nlayers, 1, 0), 0, e))) goto out;
        for (int b = last - 1; b >= first; b--) {
            if (full && (rc = block_fwd(p, &bs[b], e))) goto out;
            if (sel && (rc = push(p, PIPE_COMPUTE, range_s(p, bs[b].b0, bs[b].mid, 0, 1), 0, e))) goto out;
            if ((rc = part_ops(p, range_s(p, bs[b].mid, bs[b].b1, 1, 0), e))) goto out;
            if ((rc = part_ops(p, range_s(p, bs[b].b0, bs[b].mid, 1, 0), e))) goto out;
        }
        if (c == 0 && pre_end > 0 && (rc = push(p, PIPE_COMPUTE, range_s(p, 0, pre_end, 1, 0), 0, e))) goto out;
        p->fwd_at[c + 1] = p->nops; /* end marker of this chunk's ops */
        /* gradients of the chunk, per GPU */
        double par = range_params(p, bs[first].b0, bs[last - 1].b1);
        if (c == 0) par += range_params(p, 0, pre_end);
        if (c == nch - 1) par += range_params(p, post_begin, n->nlayers);
        p->chunks[c].grad_bytes = par * p->gsz;
    }
    rc = 0;
out:
    free(bs);
    if (rc) return rc;
    /* pointers, now that the op array no longer moves; the backward of
     * chunk c runs from bwd_at[c] to the next chunk's fwd_at */
    for (int c = 0; c < nch; c++) {
        size_t f0 = p->fwd_at[c], b0 = p->bwd_at[c], end = (c + 1 < nch) ? p->fwd_at[c + 1] : p->nops;
        p->chunks[c].fwd = p->ops + f0;
        p->chunks[c].nfwd = (int)(b0 - f0);
        p->chunks[c].bwd = p->ops + b0;
        p->chunks[c].nbwd = (int)(end - b0);
    }
    return 0;
}

void prun_plan_free(struct prun_plan *p)
{
    dnn_free(&p->net);
    free(p->ops);
    free(p->chunks);
    free(p->fwd_at);
}

/* The steps to train: training.tokens, else epochs of dataset_images sequences. */
static double steps_of(const struct experiment *x, const struct layout *l)
{
    if (x->training.tokens > 0) return (double)experiment_token_steps(x, l->seq);
    return (double)experiment_iterations(x->training.dataset_images, l->global_batch, x->training.epochs);
}

static const char *par_bound(const struct run_par *q)
{
    const char *name[4] = {"compute", "tensor-parallel comm", "data-parallel comm", "pipeline bubble"};
    double v[4] = {q->compute_s, q->tp_s, q->dp_exposed_s, q->bubble_s};
    int k = 0;
    for (int i = 1; i < 4; i++)
        if (v[i] > v[k]) k = i;
    return name[k];
}

int prun_prepare(const struct experiment *x, const struct catalog *cat, struct prun_plan *p, dt_err *e)
{
    memset(p, 0, sizeof *p);
    p->x = x;
    int rc;
    if ((rc = run_check(x, cat, e))) return rc;
    const struct catalog_gpu *gpu;
    if ((rc = setup(x, cat, &p->a, &p->l, &gpu, e))) return rc;
    const struct catalog_compute *cc = catalog_compute(cat, gpu->arch, e);
    if (!cc) return DT_ENOENT;
    p->st = catalog_stack(cat, x->model.stack, e);
    if (!p->st) return DT_ENOENT;
    if ((rc = run_compute_setup(x, gpu, cc, p->st, &p->prec, &p->g, &p->cp, e))) return rc;
    p->esz = p->prec == COMPUTE_FP16 ? 2 : 4;
    p->gsz = x->model.grad_precision == EXP_FP32 ? 4 : 2;
    if (!commlib_is_none(x->allreduce.library) && !(p->lib = catalog_commlib(cat, x->allreduce.library, e)))
        return DT_ENOENT;
    struct dnn_opts dopt = {p->l.seq, p->esz, &x->model.xf};
    if ((rc = dnn_build_name(x->model.name, &dopt, &p->net, e))) return rc;
    if ((rc = build_ops(p, e))) {
        prun_plan_free(p);
        return rc;
    }
    /* optimizer: the stage holding the most parameters */
    double pmax = 0;
    for (int s = 0; s < p->l.pp; s++) {
        double q = layout_stage_params(&p->a, &p->l, s);
        if (q > pmax) pmax = q;
    }
    double opt_s = pmax * ADAM_BYTES / (p->g.mem_bw_Bps * p->cp.mem_eff) / (p->cp.speed[1] > 0 ? p->cp.speed[1] : 1);
    if (p->l.zero >= 1) opt_s /= p->l.dp;
    opt_s += p->st->step_host_s;
    struct pipe_model *pm = &p->pm;
    pm->l = p->l;
    pm->chunks = p->chunks;
    pm->act_bytes = (double)p->l.seq * p->l.microbatch * (double)p->a.hidden * p->esz;
    pm->bucket_bytes = x->allreduce.bucket_bytes > 0 ? x->allreduce.bucket_bytes : 1;
    pm->optimizer_s = opt_s;
    pm->lib = p->lib;
    return 0;
}

int prun_simulate(const struct experiment *x, const struct catalog *cat, const struct run_opts *o,
                  struct run_result *r, struct pipe_trace *tr, dt_err *e)
{
    struct prun_plan pl;
    if (o->trace_in)
        return dt_errf(e, DT_EINVAL,
                       "--trace-in replaces the compute model of a data-parallel step; a [parallel] run times its "
                       "TP-split layers with the compute model only (docs/parallel.md)");
    progress_stage("building the pipeline's passes");
    int rc = prun_prepare(x, cat, &pl, e);
    if (rc) return rc;
    const struct catalog_gpu *gpu = catalog_gpu(cat, x->cluster.gpu, e);
    struct sim_cluster c;
    if ((rc = run_platform(x, cat, &c, e))) goto out;
    char tmp[CLEANUP_MAX_PATH];
    const char *xml = o->xml_path;
    if (!xml) {
        if ((rc = cleanup_tmpfile(tmp, sizeof tmp, "dtsim-platform-", ".xml", e))) goto out;
        xml = tmp;
    }
    char *av[] = {"dtsim", NULL};
    rc = platform_engine_init(1, av, e);
    if (!rc) {
        char stage[96];
        snprintf(stage, sizeof stage, "loading the platform: %d hosts", experiment_gpus(x));
        progress_stage(stage);
        rc = platform_load(&c, xml, e);
    }
    if (!o->xml_path) cleanup_remove(tmp);
    if (rc) goto out;
    progress_stage("simulating the step");
    struct pipe_result pr;
    memset(&pr, 0, sizeof pr);
    if ((rc = pipesim_run(&c, &pl.pm, &pr, tr, e))) goto out;

    /* results */
    r->gpus = experiment_gpus(x);
    r->nodes = x->cluster.nodes;
    r->gpus_per_node = x->cluster.gpus_per_node;
    r->nphases = 1;
    struct run_par *q = &r->par;
    q->present = 1;
    q->l = pl.l;
    q->step_s = pr.step_s;
    q->compute_s = pr.compute_s;
    q->tp_s = pr.tp_s;
    q->dp_exposed_s = pr.dp_exposed_s;
    q->bubble_s = pr.bubble_s;
    q->optimizer_s = pr.optimizer_s;
    q->dp_busy_s = pr.dp_busy_s;
    q->critical = pr.critical;
    q->flows = pr.flows;
    double tokens_step = (double)pl.l.global_batch * pl.l.seq;
    q->tokens_per_s = tokens_step / pr.step_s;
    double six_n = 0, attn = 0;
    q->flops_per_token = dnn_xf_train_flops_per_token(&pl.a, pl.l.seq, &six_n, &attn);
    q->model_tflops_per_gpu = q->tokens_per_s * q->flops_per_token / r->gpus / 1e12;
    /* recompute's extra forward: full the whole forward (a third of the
     * training FLOPs), selective the attention core's forward */
    double extra = pl.l.rc == EXP_RC_FULL ? q->flops_per_token / 3 : pl.l.rc == EXP_RC_SELECTIVE ? attn / 3 : 0;
    q->hw_tflops_per_gpu = q->tokens_per_s * (q->flops_per_token + extra) / r->gpus / 1e12;
    double peak = compute_matrix_peak(&pl.g, pl.prec);
    q->mfu = q->model_tflops_per_gpu * 1e12 / peak;
    q->params = (double)pl.net.params;
    q->steps = steps_of(x, &pl.l);
    layout_mem(&pl.a, &pl.l, x->model.precision, &q->mem);

    struct run_phase *ph = &r->ph[0];
    ph->epoch = 0;
    ph->epochs = x->training.epochs;
    ph->global_batch = pl.l.global_batch;
    ph->batch_per_gpu = (int)(pl.l.global_batch / pl.l.dp);
    ph->iterations = (long long)q->steps;
    ph->r.step_s = pr.step_s;
    ph->r.forward_s = pr.compute_s; /* the critical stage's compute (forward and backward together) */
    ph->r.exposed_comm_s = pr.tp_s + pr.dp_exposed_s;
    ph->r.optimizer_s = pr.optimizer_s;
    ph->r.allreduce_s = pr.dp_busy_s;
    ph->images_per_s = (double)pl.l.global_batch / pr.step_s;
    ph->tokens_per_s = q->tokens_per_s;
    ph->time_s = q->steps * pr.step_s;
    ph->bound = par_bound(q);
    r->startup_s = x->training.startup_s;
    r->time_to_train_s = r->startup_s + ph->time_s;
    r->iterations = q->steps;
    r->fwd_flops_per_image = (double)pl.net.fwd_flops;
    r->bwd_flops_per_image = (double)pl.net.bwd_flops;
    r->gpu_fp32_flops = pl.g.fp32_flops;
    r->gpu_matrix_flops = peak;
    r->mem_capacity = gpu->mem_bytes;
    snprintf(r->stack, sizeof r->stack, "%s", pl.st->name);
    snprintf(r->framework, sizeof r->framework, "%s %s", pl.st->framework, pl.st->version);
    r->stack_year = pl.st->year;
    r->in.tokens = 1;
    r->in.seq_len = pl.l.seq;
    pipe_result_free(&pr);
out:
    prun_plan_free(&pl);
    return rc;
}


/* --- outputs ------------------------------------------------------------ */

static void days(char *buf, size_t n, double s)
{
    if (s >= 2 * 86400) snprintf(buf, n, "%.1f days", s / 86400);
    else if (s >= 3600) snprintf(buf, n, "%.1f h", s / 3600);
    else snprintf(buf, n, "%.0f s", s);
}

void prun_print_text(FILE *f, const struct experiment *x, const struct run_result *r)
{
    const struct run_par *q = &r->par;
    const struct layout *l = &q->l;
    char t[32];
    fprintf(f, "%s: %d x %s (%d nodes x %d), %s %s, %.1fB parameters\n", config_path(x->cfg), r->gpus, x->cluster.gpu,
            r->nodes, r->gpus_per_node, x->model.name, exp_precision_name(x->model.precision), q->params / 1e9);
    fprintf(f, "layout: tensor %d x pipeline %d x data %d, %s", l->tp, l->pp, l->dp, exp_schedule_name(l->sched));
    if (l->vstages > 1) fprintf(f, " (%d virtual stages)", l->vstages);
    fprintf(f, ", microbatch %d x %d microbatches, ZeRO-%d, recompute %s%s\n", l->microbatch, l->microbatches, l->zero,
            exp_recompute_name(l->rc), l->sp ? ", sequence parallel" : "");
    if (strcmp(r->stack, "none") == 0) fprintf(f, "stack none (ideal: no host cost, reference kernels)\n");
    else fprintf(f, "stack %s (%s, %d)\n", r->stack, r->framework, r->stack_year);
    fprintf(f, "batch %lld sequences of %d tokens (%.2fM tokens a step)\n", l->global_batch, l->seq,
            (double)l->global_batch * l->seq / 1e6);
    fprintf(f, "step %.3f s = compute %.3f + exposed TP %.3f + exposed DP %.3f + pipeline bubble %.3f + optimizer %.3f"
               " (stage %d, the last to finish)\n",
            q->step_s, q->compute_s, q->tp_s, q->dp_exposed_s, q->bubble_s, q->optimizer_s, q->critical);
    fprintf(f, "  %.0f tokens/s (%.1f per GPU); model %.1f TFLOP/s per GPU (%.1f with recompute), MFU %.1f%%\n",
            q->tokens_per_s, q->tokens_per_s / r->gpus, q->model_tflops_per_gpu, q->hw_tflops_per_gpu, 100 * q->mfu);
    fprintf(f, "  DP reduction busy %.3f s of the step; bound: %s\n", q->dp_busy_s, r->ph[0].bound);
    days(t, sizeof t, r->time_to_train_s);
    if (x->training.tokens > 0)
        fprintf(f, "time to train: %s (%.0f steps for %.4g tokens; %.1f s)\n", t, q->steps, x->training.tokens,
                r->time_to_train_s);
    else
        fprintf(f, "time to train: %s (%.0f steps; %.1f s)\n", t, q->steps, r->time_to_train_s);
    const struct layout_mem *m = &q->mem;
    fprintf(f, "memory per GPU: %.1f GB of %.1f GB, stage %d (weights %.1f + gradients %.1f + optimizer %.1f + "
               "activations %.1f [%d microbatches in flight] + buffers %.1f GB)\n",
            m->total / GB, r->mem_capacity / GB, m->stage, m->weights / GB, m->gradients / GB, m->optimizer / GB,
            m->activations / GB, m->in_flight, m->buffers / GB);
}

void prun_print_json(FILE *f, const struct experiment *x, const struct run_result *r)
{
    const struct run_par *q = &r->par;
    const struct layout *l = &q->l;
    const struct layout_mem *m = &q->mem;
    fprintf(f, "{\n");
    fprintf(f, "  \"gpus\": %d,\n  \"nodes\": %d,\n  \"gpus_per_node\": %d,\n", r->gpus, r->nodes, r->gpus_per_node);
    fprintf(f, "  \"gpu\": \"%s\",\n  \"model\": \"%s\",\n  \"parameters\": %.0f,\n  \"stack\": \"%s\",\n",
            x->cluster.gpu, x->model.name, q->params, r->stack);
    fprintf(f, "  \"layout\": {\"tensor\": %d, \"pipeline\": %d, \"data\": %d, \"schedule\": \"%s\", "
               "\"virtual_stages\": %d, \"microbatch\": %d, \"microbatches\": %d, \"zero\": %d, \"recompute\": \"%s\", "
               "\"sequence_parallel\": %d},\n",
            l->tp, l->pp, l->dp, exp_schedule_name(l->sched), l->vstages, l->microbatch, l->microbatches, l->zero,
            exp_recompute_name(l->rc), l->sp);
    fprintf(f, "  \"global_batch\": %lld,\n  \"seq\": %d,\n", l->global_batch, l->seq);
    fprintf(f, "  \"step_s\": %.9f,\n", q->step_s);
    fprintf(f, "  \"bound\": \"%s\",\n", r->ph[0].bound);
    fprintf(f, "  \"breakdown\": {\"compute_s\": %.9f, \"exposed_tp_s\": %.9f, \"exposed_dp_s\": %.9f, "
               "\"bubble_s\": %.9f, \"optimizer_s\": %.9f, \"critical_stage\": %d, \"dp_busy_s\": %.9f},\n",
            q->compute_s, q->tp_s, q->dp_exposed_s, q->bubble_s, q->optimizer_s, q->critical, q->dp_busy_s);
    fprintf(f, "  \"tokens_per_s\": %.3f,\n  \"tokens_per_s_per_gpu\": %.3f,\n", q->tokens_per_s,
            q->tokens_per_s / r->gpus);
    fprintf(f, "  \"flops_per_token\": %.6e,\n  \"model_tflops_per_gpu\": %.3f,\n  \"hw_tflops_per_gpu\": %.3f,\n"
               "  \"mfu\": %.6f,\n",
            q->flops_per_token, q->model_tflops_per_gpu, q->hw_tflops_per_gpu, q->mfu);
    fprintf(f, "  \"memory_per_gpu\": {\"bytes\": %.0f, \"capacity_bytes\": %.0f, \"stage\": %d, \"weights\": %.0f, "
               "\"gradients\": %.0f, \"optimizer\": %.0f, \"activations\": %.0f, \"in_flight\": %d, \"buffers\": %.0f},\n",
            m->total, r->mem_capacity, m->stage, m->weights, m->gradients, m->optimizer, m->activations, m->in_flight,
            m->buffers);
    fprintf(f, "  \"iterations\": %.0f,\n  \"startup_s\": %.3f,\n  \"time_to_train_s\": %.3f\n}\n", q->steps,
            r->startup_s, r->time_to_train_s);
}

void prun_print_csv(FILE *f, const struct run_result *r)
{
    const struct run_par *q = &r->par;
    const struct layout *l = &q->l;
    fprintf(f, "tensor,pipeline,data,schedule,virtual_stages,microbatch,microbatches,zero,recompute,sequence_parallel,"
               "global_batch,step_s,compute_s,exposed_tp_s,exposed_dp_s,bubble_s,optimizer_s,tokens_per_s,"
               "model_tflops_per_gpu,hw_tflops_per_gpu,mfu,memory_bytes,memory_capacity_bytes,iterations,"
               "time_to_train_s,bound\n");
    fprintf(f, "%d,%d,%d,%s,%d,%d,%d,%d,%s,%d,%lld,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.3f,%.3f,%.3f,%.6f,%.0f,%.0f,%.0f,"
               "%.3f,%s\n",
            l->tp, l->pp, l->dp, exp_schedule_name(l->sched), l->vstages, l->microbatch, l->microbatches, l->zero,
            exp_recompute_name(l->rc), l->sp, l->global_batch, q->step_s, q->compute_s, q->tp_s, q->dp_exposed_s, q->bubble_s,
            q->optimizer_s, q->tokens_per_s, q->model_tflops_per_gpu, q->hw_tflops_per_gpu, q->mfu, q->mem.total,
            r->mem_capacity, q->steps, r->time_to_train_s, r->ph[0].bound);
}

int prun_write_trace(FILE *f, const struct experiment *x, const struct run_result *r, const struct pipe_trace *tr)
{
    fprintf(f, "{\"displayTimeUnit\": \"ms\", \"otherData\": {\"experiment\": \"%s\", \"model\": \"%s\", "
               "\"step_s\": %.9f},\n\"traceEvents\": [\n",
            config_path(x->cfg), x->model.name, r->par.step_s);
    for (int s = 0; s < r->par.l.pp; s++)
        fprintf(f, "{\"ph\": \"M\", \"pid\": 0, \"tid\": %d, \"name\": \"thread_name\", \"args\": {\"name\": "
                   "\"stage %d\"}},\n",
                s, s);
    for (int i = 0; tr && i < tr->n; i++) {
        const struct pipe_event *ev = &tr->ev[i];
        fprintf(f, "{\"ph\": \"X\", \"pid\": 0, \"tid\": %d, \"name\": \"%s\", \"ts\": %.3f, \"dur\": %.3f},\n",
                ev->stage, ev->name, ev->t0_s * 1e6, (ev->t1_s - ev->t0_s) * 1e6);
    }
    fprintf(f, "{\"ph\": \"M\", \"pid\": 0, \"name\": \"process_name\", \"args\": {\"name\": \"pipeline (replica 0)\"}}"
               "\n]}\n");
    return ferror(f) ? -1 : 0;
}
