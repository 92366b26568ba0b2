/* layout.c -- ranks, stages and memory per GPU of a transformer split by
 * tensor, pipeline and sharded data parallelism. See layout.h (the
 * formulas) and docs/parallel.md (their sources). */
#include "layout.h"
#include "memory.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int layout_rank(const struct layout *l, int t, int s, int d)
{
    if (l->place == LAYOUT_TP_DP_PP) return (s * l->dp + d) * l->tp + t;
    return (d * l->pp + s) * l->tp + t;
}

void layout_coords(const struct layout *l, int rank, int *t, int *s, int *d)
{
    *t = rank % l->tp;
    int r = rank / l->tp;
    if (l->place == LAYOUT_TP_DP_PP) {
        *d = r % l->dp;
        *s = r / l->dp;
    } else {
        *s = r % l->pp;
        *d = r / l->pp;
    }
}

/* ---- parameters ---------------------------------------------------------- */

/* One norm's parameters: LayerNorm gamma and beta, RMSNorm gamma. */
static double norm_params(const struct dnn_xf *a)
{
    return a->norm == DNN_NORM_RMSNORM ? (double)a->hidden : 2.0 * (double)a->hidden;
}

/* One transformer block on one GPU of a TP group of t. Megatron-LM's split:
 * column-parallel linears (Q, K, V; the FFN's first one or two) split their
 * weights and biases over t; row-parallel ones (attention output, the FFN's
 * last) split their weights, their biases are replicated; norms are
 * replicated. */
static double block_params(const struct dnn_xf *a, int t)
{
    double h = (double)a->hidden, f = (double)a->ffn;
    double kv = h * (double)a->kv_heads / (double)a->heads; /* K (and V) width */
    double col_w = h * h + 2 * h * kv, row_w = h * h;       /* attention */
    double col_b = h + 2 * kv, row_b = h;
    int up = a->ffn_kind == DNN_FFN_SWIGLU ? 2 : 1;          /* gate and up, or up */
    col_w += up * h * f;
    row_w += f * h;
    col_b += up * f;
    row_b += h;
    double p = (col_w + row_w) / t + 2 * norm_params(a);
    if (a->bias) p += col_b / t + row_b;
    return p;
}

/* Embedding tables on one GPU: the token table split over t by vocabulary
 * (vocab-parallel), positions and token types replicated. */
static double embed_params(const struct dnn_xf *a, int t)
{
    double h = (double)a->hidden;
    return (double)a->vocab * h / t + (double)a->positions * h + (double)a->types * h;
}

double layout_xf_params(const struct dnn_xf *a)
{
    double p = embed_params(a, 1) + (double)a->layers * block_params(a, 1) + norm_params(a);
    if (!a->tied) p += (double)a->hidden * (double)a->vocab;
    return p;
}

double layout_stage_params(const struct dnn_xf *a, const struct layout *l, int s)
{
    int t = l->tp;
    double p = (double)(a->layers / l->pp) * block_params(a, t);
    if (s == 0) p += embed_params(a, t);
    if (s == l->pp - 1) {
        p += norm_params(a);
        /* the LM head: its own matrix, or (tied) the embedding's; on one
         * stage that is the table stage 0 already holds */
        if (!a->tied || l->pp > 1) p += (double)a->hidden * (double)a->vocab / t;
    }
    return p;
}

/* ---- memory -------------------------------------------------------------- */

/* Bytes of activations one layer keeps for one microbatch (layout.h). */
static double act_per_layer(const struct dnn_xf *a, const struct layout *l)
{
    double s = (double)l->seq, b = (double)l->microbatch, h = (double)a->hidden, heads = (double)a->heads;
    double t = (double)l->tp;
    if (l->rc == EXP_RC_FULL) return 2 * s * b * h;
    double attn = l->rc == EXP_RC_SELECTIVE ? 0 : 5 * heads * s / (h * t);
    return l->sp ? s * b * h * (34 / t + attn) : s * b * h * (10 + 24 / t + attn);
}

/* Microbatch activations stage s holds at its peak, in units of one
 * microbatch through all the stage's layers (a fraction with interleaving). */
static double in_flight(const struct layout *l, int s)
{
    double m = (double)l->microbatches, p = (double)l->pp;
    switch (l->sched) {
    case EXP_SCHED_GPIPE:
        return m;
    case EXP_SCHED_INTERLEAVED: {
        /* Megatron-LM's warm-up: 2 (p - s - 1) + (v - 1) p forward chunks,
         * plus the one in progress, each 1/v of the stage's layers; for
         * stage 0 this is p (1 + (p - 1) / (p v)) (Korthikanti et al.,
         * section 4.2.3) */
        double v = (double)l->vstages;
        double chunks = 2 * (p - s - 1) + (v - 1) * p + 1;
        if (chunks > m * v) chunks = m * v;
        return chunks / v;
    }
    default: /* 1F1B: stage s runs p - s warm-up forwards before its first backward */
        return fmin(p - s, m);
    }
}

static void stage_mem(const struct dnn_xf *a, const struct layout *l, enum exp_precision prec, int s,
                      struct layout_mem *m)
{
    double psg = layout_stage_params(a, l, s);
    double dp = (double)l->dp;
    int fp32 = prec == EXP_FP32;
    m->weights = (fp32 ? 4 : 2) * psg / (l->zero >= 3 ? dp : 1);
    m->gradients = (fp32 ? 4 : 2) * psg / (l->zero >= 2 ? dp : 1);
    m->optimizer = (fp32 ? 8 : 12) * psg / (l->zero >= 1 ? dp : 1);

    double sbh = (double)l->seq * l->microbatch * (double)a->hidden;
    double t = (double)l->tp;
    m->act_per_layer = act_per_layer(a, l);
    double per_mb = (double)(a->layers / l->pp) * m->act_per_layer;
    if (s == 0) per_mb += 2 * sbh / (l->sp ? t : 1);                                        /* embedding output */
    if (s == l->pp - 1) per_mb += 4.0 * l->seq * l->microbatch * (double)a->vocab / t;      /* fp32 logits */
    double f = in_flight(l, s);
    m->activations = per_mb * f;
    m->in_flight = (int)ceil(f);

    m->buffers = MEM_WORKSPACE_BYTES;
    if (l->pp > 1) m->buffers += 2 * 2 * sbh; /* pipeline receive buffers */
    if (l->tp > 1) m->buffers += 2 * sbh;     /* TP communication buffer */
    m->total = m->weights + m->gradients + m->optimizer + m->activations + m->buffers;
    m->stage = s;
}

void layout_mem(const struct dnn_xf *a, const struct layout *l, enum exp_precision prec, struct layout_mem *m)
{
    memset(m, 0, sizeof *m);
    m->total = -1;
    for (int s = 0; s < l->pp; s++) {
        struct layout_mem c;
        stage_mem(a, l, prec, s, &c);
        if (c.total > m->total) *m = c;
    }
}

static void gb_text(char *buf, size_t len, double bytes)
{
    double g = bytes / 1e9;
    if (fabs(g - floor(g + 0.5)) < 0.05) snprintf(buf, len, "%.0f", floor(g + 0.5));
    else snprintf(buf, len, "%.1f", g);
}

char *layout_mem_refusal(const struct layout_mem *m, double cap, const char *gpu, char *buf, size_t len)
{
    char c[32];
    gb_text(c, sizeof c, cap);
    snprintf(buf, len,
             "needs %.1f GB per GPU (weights %.1f, gradients %.1f, optimizer %.1f, activations %.1f, buffers %.1f); "
             "%s has %s GB",
             m->total / 1e9, m->weights / 1e9, m->gradients / 1e9, m->optimizer / 1e9, m->activations / 1e9,
             m->buffers / 1e9, gpu, c);
    return buf;
}

/* ---- the layout of an experiment ------------------------------------------- */

int layout_from_experiment(const struct experiment *x, const struct dnn_xf *a, long long global_batch,
                           struct layout *l, dt_err *e)
{
    struct config_entry tmp, tmp2;
    const config *c = x->cfg;
    memset(l, 0, sizeof *l);
    if (!a)
        return config_errf(e, DT_EINVAL, config_find_or(c, "model", "name", x->model.name, &tmp),
                           "model '%s' is not a transformer: [parallel] splits transformer layers", x->model.name);
    long long gpus = (long long)x->cluster.nodes * x->cluster.gpus_per_node;
    long long tp = x->parallel.tensor, pp = x->parallel.pipeline, tpp = tp * pp;
    long long dp = x->parallel.data;
    const struct config_entry *ten = config_find_or(c, "parallel", "tensor", "1", &tmp);
    if (tp < 1 || pp < 1 || x->parallel.microbatch < 1 || global_batch < 1)
        return config_errf(e, DT_EINVAL, ten, "tensor, pipeline, microbatch and the batch must be at least 1");
    if (dp == 0) {
        if (gpus % tpp != 0)
            return config_errf(e, DT_EINVAL, ten,
                               "tensor %lld x pipeline %lld = %lld does not divide the %lld GPUs (%d nodes x %d)", tp,
                               pp, tpp, gpus, x->cluster.nodes, x->cluster.gpus_per_node);
        dp = gpus / tpp;
    } else if (tpp * dp != gpus)
        return config_errf(e, DT_EINVAL, config_find_or(c, "parallel", "data", "derived", &tmp2),
                           "tensor %lld x pipeline %lld x data %lld = %lld, but the cluster has %lld GPUs (%d nodes x %d)",
                           tp, pp, dp, tpp * dp, gpus, x->cluster.nodes, x->cluster.gpus_per_node);
    if (a->heads % tp != 0)
        return config_errf(e, DT_EINVAL, ten, "the model's %lld attention heads are not divisible by tensor %lld",
                           (long long)a->heads, tp);
    if (a->kv_heads % tp != 0)
        return config_errf(e, DT_EINVAL, ten, "the model's %lld key/value heads are not divisible by tensor %lld",
                           (long long)a->kv_heads, tp);
    if (a->ffn % tp != 0)
        return config_errf(e, DT_EINVAL, ten, "the model's FFN width %lld is not divisible by tensor %lld",
                           (long long)a->ffn, tp);
    long long vs = x->parallel.virtual_stages < 1 ? 1 : x->parallel.virtual_stages;
    int inter = x->parallel.schedule == EXP_SCHED_INTERLEAVED;
    const struct config_entry *vse = config_find_or(c, "parallel", "virtual_stages", "1", &tmp2);
    if (inter && vs < 2)
        return config_errf(e, DT_EINVAL, vse,
                           "schedule = interleaved needs virtual_stages >= 2 (model chunks per GPU), not %lld", vs);
    if (!inter && vs != 1)
        return config_errf(e, DT_EINVAL, vse, "virtual_stages = %lld needs schedule = interleaved", vs);
    if (a->layers % (pp * vs) != 0) {
        if (vs > 1)
            return config_errf(e, DT_EINVAL, vse,
                               "the model's %lld layers are not divisible by pipeline %lld x virtual_stages %lld = %lld",
                               (long long)a->layers, pp, vs, pp * vs);
        return config_errf(e, DT_EINVAL, config_find_or(c, "parallel", "pipeline", "1", &tmp),
                           "the model's %lld layers are not divisible by pipeline %lld", (long long)a->layers, pp);
    }
    long long mb = x->parallel.microbatch;
    if (global_batch % dp != 0)
        return config_errf(e, DT_EINVAL, config_find_or(c, "training", "batch", "", &tmp),
                           "global batch %lld sequences is not divisible by data %lld", global_batch, dp);
    if ((global_batch / dp) % mb != 0)
        return config_errf(e, DT_EINVAL, config_find_or(c, "parallel", "microbatch", "1", &tmp),
                           "microbatch %lld does not divide the local batch of %lld sequences (global batch %lld / "
                           "data %lld)",
                           mb, global_batch / dp, global_batch, dp);
    long long m = global_batch / dp / mb;
    if (inter && m % pp != 0)
        return config_errf(e, DT_EINVAL, config_find_or(c, "parallel", "schedule", "1f1b", &tmp),
                           "schedule = interleaved needs the %lld microbatches per step to be a multiple of pipeline "
                           "%lld",
                           m, pp);
    if (x->parallel.zero == 3 && dp == 1)
        return config_errf(e, DT_EINVAL, config_find_or(c, "parallel", "zero", "0", &tmp),
                           "zero = 3 shards the weights over the data-parallel replicas, but data = 1: nothing to "
                           "shard over");
    if (m > 1 << 30)
        return config_errf(e, DT_ERANGE, config_find_or(c, "training", "batch", "", &tmp),
                           "%lld microbatches per step is too many", m);
    l->tp = (int)tp;
    l->pp = (int)pp;
    l->dp = (int)dp;
    l->vstages = (int)vs;
    l->microbatch = (int)mb;
    l->global_batch = global_batch;
    l->microbatches = (int)m;
    l->zero = x->parallel.zero;
    l->sp = x->parallel.sequence_parallel;
    l->sched = x->parallel.schedule;
    l->rc = x->parallel.recompute;
    l->place = x->parallel.placement && strcmp(x->parallel.placement, "tp,dp,pp") == 0 ? LAYOUT_TP_DP_PP
                                                                                       : LAYOUT_TP_PP_DP;
    l->seq = (int)a->seq;
    return 0;
}

int layout_check(const struct experiment *x, const struct dnn_xf *a, long long global_batch, double cap,
                 const char *gpu, struct layout *l, struct layout_mem *m, dt_err *e)
{
    int rc = layout_from_experiment(x, a, global_batch, l, e);
    if (rc) return rc;
    layout_mem(a, l, x->model.precision, m);
    if (m->total <= cap) return 0;
    const struct config_entry *at = NULL;
    for (size_t i = 0; i < config_count(x->cfg); i++) {
        const struct config_entry *en = config_at(x->cfg, i);
        if (strcmp(en->section, "parallel") == 0) at = en;
    }
    struct config_entry tmp;
    if (!at) at = config_find_or(x->cfg, "parallel", "microbatch", "1", &tmp);
    char msg[400];
    return config_errf(e, DT_ERANGE, at, "%s", layout_mem_refusal(m, cap, gpu, msg, sizeof msg));
}
