/* layout.h -- a model split over GPUs by tensor (TP), pipeline (PP) and
 * sharded data parallelism (DP, ZeRO), and the memory one GPU needs.
 *
 * Ranks: N = TP x PP x DP. With placement "tp,pp,dp" (the default) rank
 *     r = (d x PP + s) x TP + t        (TP innermost: a TP group shares a node)
 * and with "tp,dp,pp"
 *     r = (s x DP + d) x TP + t.
 * Global batch B sequences (training.batch); local batch B / DP; m =
 * B / (DP x microbatch) microbatches per step, each of `microbatch`
 * sequences.
 *
 * Stages: layers / (PP x v) transformer blocks per model chunk (v virtual
 * stages with the interleaved schedule, else 1); chunk c runs on stage
 * c mod PP. The embedding sits on stage 0, the final norm and LM head on
 * the last stage (a tied head keeps its own copy of the embedding there,
 * as Megatron-LM does).
 *
 * Memory per GPU (bytes), for the stage that needs the most, Psg the
 * parameters that GPU holds (its stage's share / TP):
 *   weights     2 Psg            (16-bit; fp32: 4 Psg)         / DP under ZeRO-3
 *   gradients   2 Psg            (fp32: 4 Psg)                  / DP under ZeRO >= 2
 *   optimizer   12 Psg           (fp32 master, Adam m and v)    / DP under ZeRO >= 1
 *               (mixed-precision Adam: 16 bytes a parameter in all, Rajbhandari
 *               et al. 2020, arXiv 1910.02054 section 3.1)
 *   activations per layer and microbatch of s x b (sequence x microbatch), h
 *               hidden, a heads, t = TP (Korthikanti et al. 2022, arXiv
 *               2205.05198, table 2):
 *                 no parallelism            s b h (34 + 5 a s / h)
 *                 TP                        s b h (10 + 24/t + 5 a s / (h t))
 *                 TP + sequence parallel    s b h (34/t + 5 a s / (h t))
 *                 selective recompute       drops the 5 a s / (h t) term
 *                 full recompute            2 s b h (the layer's input, 16-bit)
 *               times the layers of the stage, times the microbatches in flight
 *               on it: 1F1B stage s holds min(PP - s, m) of them (stage 0
 *               PP, the last stage 1); GPipe holds all m; interleaved holds
 *               (2 (PP - s - 1) + (v - 1) PP + 1) / v (Megatron-LM's warm-up
 *               chunks, each 1/v of the stage's layers; at most m), which
 *               for stage 0 is PP (1 + (PP - 1) / (PP v)) (ibid., section
 *               4.2.3). Per microbatch in flight, stage 0 adds the
 *               embedding output (s b h x 2 bytes, / t with SP); the last
 *               stage the logits (4 s b V / t, fp32 cross entropy) [U].
 *               The formula counts 16-bit activations whatever the
 *               precision, and full attention K, V (GQA stores less) [U].
 *   buffers     MEM_WORKSPACE_BYTES (memory.h) plus, when PP > 1, the two
 *               point-to-point receive buffers of the pipeline (2 x 2 s b
 *               h) and, when TP > 1, one TP communication buffer (2 s b h)
 *               [U].
 * The stage reported is the one whose total is largest (the first of equals).
 *
 * Parameters (layout_xf_params): per layer Q, out h x h; K, V h x (kv_heads
 * h / heads) each; FFN 2 h ffn (GELU) or 3 h ffn (SwiGLU); biases of all
 * these when the row has them; two norms (LayerNorm 2h, RMSNorm h). Plus the
 * token table vocab x h, positions x h, types x h, a final norm, and an LM
 * head h x vocab when untied. Under TP (Megatron-LM) the linear weights,
 * the biases of column-parallel linears (Q, K, V, the FFN's first) and the
 * token table (by vocabulary) are split over TP; norms, position and type
 * tables and the biases of row-parallel linears (attention out, the FFN's
 * last) are replicated.
 */
#ifndef DT_LAYOUT_H
#define DT_LAYOUT_H

#include "catalog.h"
#include "dnn.h"
#include "err.h"
#include "experiment.h"

enum layout_place { LAYOUT_TP_PP_DP = 0, LAYOUT_TP_DP_PP = 1 };

struct layout {
    int tp, pp, dp;           /* counts; tp x pp x dp = GPUs */
    int vstages;              /* model chunks per GPU (1 unless interleaved) */
    int microbatch;           /* sequences per microbatch */
    long long global_batch;   /* sequences per step, all replicas */
    int microbatches;         /* m: per replica per step */
    int zero;                 /* 0..3 */
    int sp;                   /* sequence parallel 0/1 */
    enum exp_schedule sched;
    enum exp_recompute rc;
    enum layout_place place;
    int seq;                  /* tokens per sequence */
};

/* Rank of (t, s, d) under l->place; and back. */
int layout_rank(const struct layout *l, int t, int s, int d);
void layout_coords(const struct layout *l, int rank, int *t, int *s, int *d);

/* The layout of an experiment with a [parallel] section, its transformer a
 * (dnn_xf_arch), at global batch `global_batch` sequences. Checks, each an
 * error with file:line of the key at fault (config_errf) and exit 2 at the
 * caller:
 *   - tensor x pipeline x data = GPUs ("tensor 8 x pipeline 35 x data 9 =
 *     2520, but the cluster has 2240 GPUs");
 *   - data derived when not given; not a whole number: error as above;
 *   - heads divisible by tensor (and kv_heads, and the FFN width), layers by pipeline x
 *     virtual_stages (says which);
 *   - microbatch divides global_batch / data;
 *   - interleaved needs virtual_stages >= 2 and microbatches a multiple of
 *     pipeline (Megatron-LM's rule), other schedules virtual_stages = 1;
 *   - zero = 3 with data = 1: refused (nothing to shard the weights over);
 *   - the model is a transformer. */
int layout_from_experiment(const struct experiment *x, const struct dnn_xf *a, long long global_batch,
                           struct layout *l, dt_err *e);

/* Parameters of transformer a in all (count), as the comment above. */
double layout_xf_params(const struct dnn_xf *a);

/* Parameters of transformer a held by one GPU of stage s (count), under
 * TP (no ZeRO division; that is applied by layout_mem). */
double layout_stage_params(const struct dnn_xf *a, const struct layout *l, int s);

struct layout_mem {
    double weights, gradients, optimizer, activations, buffers; /* bytes per GPU */
    double total;             /* bytes */
    int stage;                /* the stage these are for (the one that needs most) */
    double act_per_layer;     /* bytes, one layer and one microbatch, as the formula above */
    int in_flight;            /* microbatches whose activations that stage holds */
};

/* Memory per GPU at precision prec (amp/bf16/fp16: 16-bit weights and
 * mixed-precision Adam; fp32: 4-byte weights and gradients, Adam m, v). */
void layout_mem(const struct dnn_xf *a, const struct layout *l, enum exp_precision prec, struct layout_mem *m);

/* "needs 93.4 GB per GPU (weights 21.9, gradients 5.5, optimizer 43.8,
 * activations 27.7, buffers 1.3); H100-SXM5 has 80 GB" (GB = 1e9 bytes,
 * one decimal). Returns buf. */
char *layout_mem_refusal(const struct layout_mem *m, double cap, const char *gpu, char *buf, size_t len);

/* layout_from_experiment, then layout_mem at the experiment's precision,
 * refused (DT_ERANGE, layout_mem_refusal's line) when the total exceeds
 * cap bytes of GPU `gpu`; the error names the [parallel] key written last
 * in the file (or a --set), the one most likely just changed. */
int layout_check(const struct experiment *x, const struct dnn_xf *a, long long global_batch, double cap,
                 const char *gpu, struct layout *l, struct layout_mem *m, dt_err *e);

#endif
