/* models/layout.h: ranks, parameter counts (published ones), memory per GPU
 * against the formulas of layout.h worked by hand on three layouts, and
 * every refusal of layout_from_experiment. The architectures are built by
 * hand here (not from configs/models rows), so these tests do not depend on
 * dnn_xf_arch. */
#include "layout.h"
#include "memory.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define GIB (1024.0 * 1024 * 1024)
#define NEAR(got, want) CU_ASSERT(fabs((got) - (want)) <= 0.01 * fabs(want)) /* within 1% */

/* GPT-2 small (Radford et al. 2019; Hugging Face gpt2: 124,439,808). */
static const struct dnn_xf gpt2 = {DNN_XF_DECODER, 12, 768, 12, 12, 3072, DNN_FFN_GELU, DNN_NORM_LAYERNORM,
                                   50257, 1024, 1024, 0, 1, 1};
/* Llama 2 7B (Touvron et al. 2023; Hugging Face Llama-2-7b-hf: 6,738,415,616). */
static const struct dnn_xf llama7 = {DNN_XF_DECODER, 32, 4096, 32, 32, 11008, DNN_FFN_SWIGLU, DNN_NORM_RMSNORM,
                                     32000, 4096, 0, 0, 0, 0};
/* GPT-3 175B (Brown et al. 2020, table 2.1): 96 layers, h 12288, 96 heads, 2048 tokens. */
static const struct dnn_xf gpt3 = {DNN_XF_DECODER, 96, 12288, 96, 96, 49152, DNN_FFN_GELU, DNN_NORM_LAYERNORM,
                                   50257, 2048, 2048, 0, 1, 1};
/* MT-NLG 530B (Smith et al. 2022): 105 layers, h 20480, 128 heads, 2048 tokens. */
static const struct dnn_xf mtnlg = {DNN_XF_DECODER, 105, 20480, 128, 128, 81920, DNN_FFN_GELU, DNN_NORM_LAYERNORM,
                                    50257, 2048, 2048, 0, 1, 1};

static void test_params(void)
{
    CU_ASSERT_EQUAL(layout_xf_params(&gpt2), 124439808.0);
    CU_ASSERT_EQUAL(layout_xf_params(&llama7), 6738415616.0);
    /* GPT-3 "175.0B" (Brown et al. table 2.1) */
    CU_ASSERT(fabs(layout_xf_params(&gpt3) - 175e9) < 0.005 * 175e9);
    /* one GPU holds it all: stage 0 = the whole model */
    struct layout l = {.tp = 1, .pp = 1, .dp = 1, .vstages = 1};
    CU_ASSERT_EQUAL(layout_stage_params(&gpt2, &l, 0), 124439808.0);
    CU_ASSERT_EQUAL(layout_stage_params(&llama7, &l, 0), 6738415616.0);
    /* untied, no TP: the stages add up to the model */
    l.pp = 4;
    double sum = 0;
    for (int s = 0; s < 4; s++) sum += layout_stage_params(&llama7, &l, s);
    CU_ASSERT_EQUAL(sum, 6738415616.0);
    /* tied over PP 2: the last stage holds its own copy of the embedding */
    l.pp = 2;
    CU_ASSERT_EQUAL(layout_stage_params(&gpt2, &l, 0) + layout_stage_params(&gpt2, &l, 1),
                    124439808.0 + 50257.0 * 768);
    /* TP 2 on Llama (no biases): everything but the norms is split.
     * Norms: 2 x 32 x 4096 + 4096 = 266,240 replicated. */
    l.pp = 1;
    l.tp = 2;
    CU_ASSERT_EQUAL(layout_stage_params(&llama7, &l, 0), (6738415616.0 - 266240) / 2 + 266240);
}

static void test_ranks(void)
{
    struct layout l = {.tp = 8, .pp = 4, .dp = 4, .place = LAYOUT_TP_PP_DP};
    CU_ASSERT_EQUAL(layout_rank(&l, 1, 2, 3), (3 * 4 + 2) * 8 + 1); /* 113 */
    l.place = LAYOUT_TP_DP_PP;
    CU_ASSERT_EQUAL(layout_rank(&l, 1, 2, 3), (2 * 4 + 3) * 8 + 1); /* 89 */
    for (int p = 0; p < 2; p++) {
        l.place = (enum layout_place)p;
        int seen[128] = {0}, ok = 1;
        for (int d = 0; d < 4; d++)
            for (int s = 0; s < 4; s++)
                for (int t = 0; t < 8; t++) {
                    int r = layout_rank(&l, t, s, d), t2, s2, d2;
                    if (r < 0 || r >= 128 || seen[r]++) ok = 0;
                    layout_coords(&l, r, &t2, &s2, &d2);
                    if (t2 != t || s2 != s || d2 != d) ok = 0;
                }
        CU_ASSERT(ok);
    }
}

/* GPT-3 175B, TP 8, PP 8, DP 16 (1,024 GPUs), 1F1B, microbatch 1, global
 * batch 1536 (m = 1536 / 16 = 96), seq 2048, selective recompute with
 * sequence parallelism, ZeRO-1, bf16. By hand (h = 12288, f = 4h, t = 8):
 *   one block on one GPU: linear weights (4h^2 + 2hf) / 8 = 226,492,416;
 *   column biases (3h + f) / 8 = 10,752; row biases 2h = 24,576;
 *   two LayerNorms 4h = 49,152; in all 226,576,896. 96 / 8 = 12 blocks:
 *   2,718,922,752.
 *   stage 0 adds the token table 50257 h / 8 = 77,194,752 and positions
 *   2048 h = 25,165,824: Psg = 2,821,283,328.
 *   weights 2 Psg = 5,642,566,656; gradients the same; optimizer 12 Psg /
 *   16 = 2,115,962,496.
 *   activations: s b h = 25,165,824; per layer s b h x 34 / 8 = 106,954,752
 *   (selective drops 5as/(ht)); 12 layers 1,283,457,024, plus the embedding
 *   output 2 s b h / 8 = 6,291,456: 1,289,748,480 per microbatch, x 8 in
 *   flight (1F1B stage 0 holds PP) = 10,317,987,840.
 *   buffers 1 GiB + 4 s b h + 2 s b h = 1,224,736,768.
 *   total 24,943,820,416 (the last stage: 15,841,331,840). */
static void test_mem_gpt3(void)
{
    struct layout l = {.tp = 8, .pp = 8, .dp = 16, .vstages = 1, .microbatch = 1, .global_batch = 1536,
                       .microbatches = 96, .zero = 1, .sp = 1, .sched = EXP_SCHED_1F1B, .rc = EXP_RC_SELECTIVE,
                       .seq = 2048};
    CU_ASSERT_EQUAL(layout_stage_params(&gpt3, &l, 0), 2821283328.0);
    CU_ASSERT_EQUAL(layout_stage_params(&gpt3, &l, 7), 2796142080.0);
    struct layout_mem m;
    layout_mem(&gpt3, &l, EXP_BF16, &m);
    CU_ASSERT_EQUAL(m.stage, 0);
    CU_ASSERT_EQUAL(m.in_flight, 8);
    NEAR(m.act_per_layer, 106954752.0);
    NEAR(m.weights, 5642566656.0);
    NEAR(m.gradients, 5642566656.0);
    NEAR(m.optimizer, 2115962496.0);
    NEAR(m.activations, 10317987840.0);
    NEAR(m.buffers, 1224736768.0);
    NEAR(m.total, 24943820416.0);
    CU_ASSERT(fabs(m.total - (m.weights + m.gradients + m.optimizer + m.activations + m.buffers)) < 1);

    /* the same without SP and selective: per layer s b h (10 + 24/8 + 5 x
     * 96 x 2048 / (12288 x 8)) = s b h x 23 = 578,813,952 */
    l.sp = 0;
    l.rc = EXP_RC_NONE;
    layout_mem(&gpt3, &l, EXP_BF16, &m);
    NEAR(m.act_per_layer, 578813952.0);
    /* GPipe holds all 96 microbatches */
    l.sched = EXP_SCHED_GPIPE;
    layout_mem(&gpt3, &l, EXP_BF16, &m);
    CU_ASSERT_EQUAL(m.in_flight, 96);
    /* interleaved, v = 2 (6 blocks a chunk): stage 0 holds PP (1 + (PP -
     * 1) / (PP v)) = 8 x (1 + 7/16) = 11.5 microbatches' worth */
    struct layout li = l;
    li.sched = EXP_SCHED_1F1B;
    struct layout_mem m1;
    layout_mem(&gpt3, &li, EXP_BF16, &m1);
    li.sched = EXP_SCHED_INTERLEAVED;
    li.vstages = 2;
    layout_mem(&gpt3, &li, EXP_BF16, &m);
    CU_ASSERT_EQUAL(m.stage, 0);
    NEAR(m.activations, m1.activations * 11.5 / 8);
}

/* MT-NLG 530B, TP 8, PP 35, DP 8 (2,240 GPUs), 1F1B, microbatch 1, batch
 * 1920 (m = 240), seq 2048, full recompute, no SP, ZeRO-0, bf16. By hand
 * (h = 20480, f = 4h):
 *   one block: (4h^2 + 2hf) / 8 = 629,145,600 + (3h + f) / 8 = 17,920 +
 *   2h = 40,960 + 4h = 81,920: 629,286,400; 105 / 35 = 3 blocks:
 *   1,887,859,200; stage 0 adds 50257 h / 8 = 128,657,920 + 2048 h =
 *   41,943,040: Psg = 2,058,460,160.
 *   weights 2 Psg = 4,116,920,320; gradients the same; optimizer 12 Psg =
 *   24,701,521,920.
 *   activations: full recompute keeps 2 s b h = 83,886,080 a layer; 3
 *   layers + the embedding output 2 s b h = 335,544,320 per microbatch, x
 *   35 in flight = 11,744,051,200.
 *   buffers 1 GiB + 6 s b h = 1,325,400,064.
 *   total 46,004,813,824. */
static void test_mem_mtnlg(void)
{
    struct layout l = {.tp = 8, .pp = 35, .dp = 8, .vstages = 1, .microbatch = 1, .global_batch = 1920,
                       .microbatches = 240, .zero = 0, .sp = 0, .sched = EXP_SCHED_1F1B, .rc = EXP_RC_FULL,
                       .seq = 2048};
    struct layout_mem m;
    layout_mem(&mtnlg, &l, EXP_BF16, &m);
    CU_ASSERT_EQUAL(m.stage, 0);
    CU_ASSERT_EQUAL(m.in_flight, 35);
    NEAR(m.act_per_layer, 83886080.0);
    NEAR(m.weights, 4116920320.0);
    NEAR(m.gradients, 4116920320.0);
    NEAR(m.optimizer, 24701521920.0);
    NEAR(m.activations, 11744051200.0);
    NEAR(m.buffers, 1325400064.0);
    NEAR(m.total, 46004813824.0);
}

/* Llama 2 7B, TP 1, PP 1, DP 8, microbatch 1, batch 64 (m = 8), seq 4096,
 * no recompute, ZeRO-3, bf16. By hand (h = 4096, a = 32):
 *   Psg = P = 6,738,415,616; ZeRO-3 divides all 16 bytes by 8: weights
 *   2P/8 = 1,684,603,904, gradients the same, optimizer 12P/8 =
 *   10,107,623,424.
 *   activations: s b h = 16,777,216; per layer s b h (34 + 5 a s / h) = s b h
 *   x 194 = 3,254,779,904; 32 layers 104,152,956,928, plus the embedding
 *   output 2 s b h = 33,554,432 and the fp32 logits 4 s b V = 524,288,000;
 *   one microbatch in flight (PP 1): 104,710,799,360.
 *   buffers 1 GiB (no PP, no TP).
 *   total 119,261,372,416: it does not fit an 80 GB GPU. */
static void test_mem_llama(void)
{
    struct layout l = {.tp = 1, .pp = 1, .dp = 8, .vstages = 1, .microbatch = 1, .global_batch = 64,
                       .microbatches = 8, .zero = 3, .sp = 0, .sched = EXP_SCHED_1F1B, .rc = EXP_RC_NONE,
                       .seq = 4096};
    struct layout_mem m;
    layout_mem(&llama7, &l, EXP_BF16, &m);
    CU_ASSERT_EQUAL(m.in_flight, 1);
    NEAR(m.act_per_layer, 3254779904.0);
    NEAR(m.weights, 1684603904.0);
    NEAR(m.gradients, 1684603904.0);
    NEAR(m.optimizer, 10107623424.0);
    NEAR(m.activations, 104710799360.0);
    NEAR(m.buffers, GIB);
    NEAR(m.total, 119261372416.0);
    char buf[256];
    layout_mem_refusal(&m, 80e9, "H100-SXM5", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "needs 119.3 GB per GPU (weights 1.7, gradients 1.7, optimizer 10.1, activations "
                                "104.7, buffers 1.1); H100-SXM5 has 80 GB");
    /* fp32: 4 + 4 + 8 bytes a parameter, still / 8 */
    layout_mem(&llama7, &l, EXP_FP32, &m);
    NEAR(m.weights, 4 * 6738415616.0 / 8);
    NEAR(m.optimizer, 8 * 6738415616.0 / 8);
    /* ZeRO-2 keeps whole weights, ZeRO-1 whole gradients too, ZeRO-0 all */
    l.zero = 2;
    layout_mem(&llama7, &l, EXP_BF16, &m);
    NEAR(m.weights, 2 * 6738415616.0);
    NEAR(m.gradients, 2 * 6738415616.0 / 8);
    l.zero = 0;
    layout_mem(&llama7, &l, EXP_BF16, &m);
    NEAR(m.optimizer, 12 * 6738415616.0);
}

/* ---- layout_from_experiment ---------------------------------------------- */

#define BASE "[cluster]\ngpu = A100-SXM4-80GB\nnodes = 4\ngpus_per_node = 8\n" \
             "[model]\nname = gpt3-175b\nprecision = bf16\n[training]\nbatch = 64\n[parallel]\n"
/* BASE ends at line 10; the keys below are on lines 11, 12, ... */

static int load(struct experiment *x, const char *text, dt_err *e)
{
    config *c = NULL;
    int rc = config_load_string(&c, "x.ini", text, e);
    if (rc < 0) return rc;
    return experiment_from_config(x, c, NULL, NULL, e);
}

/* Loads (must succeed), then lays out arch a (may be NULL); returns the
 * code and the message in msg. */
static int lay(const char *text, const struct dnn_xf *a, struct layout *l, char *msg, size_t len)
{
    struct experiment x;
    dt_err e = {0, ""};
    int rc = load(&x, text, &e);
    if (rc) fprintf(stderr, "\n%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    rc = layout_from_experiment(&x, a, experiment_batch_at(&x, 0), l, &e);
    snprintf(msg, len, "%s", e.msg);
    experiment_free(&x);
    return rc;
}

static void refused(const char *text, const struct dnn_xf *a, const char *want)
{
    struct layout l;
    char msg[512];
    int rc = lay(text, a, &l, msg, sizeof msg);
    CU_ASSERT_EQUAL(rc, DT_EINVAL);
    if (!strstr(msg, want)) fprintf(stderr, "\nwant: %s\n got: %s\n", want, msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, want));
}

static void test_from_experiment(void)
{
    struct layout l;
    char msg[512];
    CU_ASSERT_EQUAL(lay(BASE "tensor = 8\npipeline = 2\nmicrobatch = 2\nplacement = tp,dp,pp\nzero = 1\n"
                             "recompute = selective\nsequence_parallel = true\n",
                        &gpt3, &l, msg, sizeof msg),
                    0);
    CU_ASSERT_EQUAL(l.tp, 8);
    CU_ASSERT_EQUAL(l.pp, 2);
    CU_ASSERT_EQUAL(l.dp, 2); /* derived: 32 / 16 */
    CU_ASSERT_EQUAL(l.microbatch, 2);
    CU_ASSERT_EQUAL(l.microbatches, 16); /* 64 / (2 x 2) */
    CU_ASSERT_EQUAL(l.global_batch, 64);
    CU_ASSERT_EQUAL(l.vstages, 1);
    CU_ASSERT_EQUAL(l.zero, 1);
    CU_ASSERT_EQUAL(l.sp, 1);
    CU_ASSERT_EQUAL(l.rc, EXP_RC_SELECTIVE);
    CU_ASSERT_EQUAL(l.sched, EXP_SCHED_1F1B);
    CU_ASSERT_EQUAL(l.place, LAYOUT_TP_DP_PP);
    CU_ASSERT_EQUAL(l.seq, 2048);
    CU_ASSERT_EQUAL(lay(BASE "tensor = 8\npipeline = 4\nschedule = interleaved\nvirtual_stages = 3\n", &gpt3, &l, msg,
                        sizeof msg),
                    0);
    CU_ASSERT_EQUAL(l.vstages, 3);
    CU_ASSERT_EQUAL(l.sched, EXP_SCHED_INTERLEAVED);
    CU_ASSERT_EQUAL(l.place, LAYOUT_TP_PP_DP);

    /* the checks only the model can make */
    refused(BASE "tensor = 8\n", &gpt2, "x.ini:11: [parallel] tensor: the model's 12 attention heads are not "
                                        "divisible by tensor 8");
    struct dnn_xf gqa = llama7;
    gqa.heads = 64;
    gqa.kv_heads = 8;
    refused(BASE "tensor = 16\n", &gqa, "x.ini:11: [parallel] tensor: the model's 8 key/value heads are not "
                                        "divisible by tensor 16");
    struct dnn_xf odd = gpt2;
    odd.ffn = 3074; /* 2 x 29 x 53 */
    refused(BASE "tensor = 4\n", &odd, "x.ini:11: [parallel] tensor: the model's FFN width 3074 is not divisible by "
                                       "tensor 4");
    refused(BASE "tensor = 2\npipeline = 16\n", &mtnlg,
            "x.ini:12: [parallel] pipeline: the model's 105 layers are not divisible by pipeline 16");
    refused(BASE "tensor = 4\npipeline = 4\nschedule = interleaved\nvirtual_stages = 5\n", &gpt3,
            "x.ini:14: [parallel] virtual_stages: the model's 96 layers are not divisible by pipeline 4 x "
            "virtual_stages 5 = 20");
    refused(BASE "tensor = 8\n", NULL, "x.ini:6: [model] name: model 'gpt3-175b' is not a transformer");
}

/* The checks the loader makes first, made again on an experiment changed
 * after loading (as a caller building one by hand might). */
static void test_from_experiment_again(void)
{
    struct experiment x;
    struct layout l;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(load(&x, BASE "tensor = 8\npipeline = 2\ndata = 2\n", &e), 0);
    x.parallel.data = 3;
    CU_ASSERT_EQUAL(layout_from_experiment(&x, &gpt3, 64, &l, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "x.ini:13: [parallel] data: tensor 8 x pipeline 2 x data 3 = 48, but the cluster "
                                  "has 32 GPUs (4 nodes x 8)");
    x.parallel.data = 0; /* derived */
    x.parallel.tensor = 3;
    CU_ASSERT_EQUAL(layout_from_experiment(&x, &gpt3, 64, &l, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "x.ini:11: [parallel] tensor: tensor 3 x pipeline 2 = 6 does not divide the 32 GPUs "
                                  "(4 nodes x 8)");
    x.parallel.tensor = 8;
    CU_ASSERT_EQUAL(layout_from_experiment(&x, &gpt3, 65, &l, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "x.ini:9: [training] batch: global batch 65 sequences is not divisible by data 2");
    x.parallel.microbatch = 5;
    CU_ASSERT_EQUAL(layout_from_experiment(&x, &gpt3, 64, &l, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "x.ini: [parallel] microbatch: microbatch 5 does not divide the local batch of 32 "
                                  "sequences (global batch 64 / data 2)");
    x.parallel.microbatch = 1;
    x.parallel.zero = 3;
    x.parallel.data = 1;
    x.parallel.pipeline = 4;
    CU_ASSERT_EQUAL(layout_from_experiment(&x, &gpt3, 64, &l, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x.ini: [parallel] zero: zero = 3 shards the weights over the data-parallel "
                                         "replicas, but data = 1"));
    x.parallel.zero = 0;
    x.parallel.schedule = EXP_SCHED_INTERLEAVED;
    CU_ASSERT_EQUAL(layout_from_experiment(&x, &gpt3, 64, &l, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "schedule = interleaved needs virtual_stages >= 2"));
    x.parallel.virtual_stages = 2;
    CU_ASSERT_EQUAL(layout_from_experiment(&x, &gpt3, 6, &l, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "schedule = interleaved needs the 6 microbatches per step to be a multiple "
                                         "of pipeline 4"));
    x.parallel.schedule = EXP_SCHED_GPIPE;
    CU_ASSERT_EQUAL(layout_from_experiment(&x, &gpt3, 64, &l, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "virtual_stages = 2 needs schedule = interleaved"));
    x.parallel.virtual_stages = 1;
    CU_ASSERT_EQUAL(layout_from_experiment(&x, &gpt3, 64, &l, &e), 0);
    CU_ASSERT_EQUAL(l.dp, 1);
    CU_ASSERT_EQUAL(l.microbatches, 64);
    experiment_free(&x);
}

/* The refusal of a layout that does not fit, at the [parallel] key written
 * last: Llama 2 7B on 32 GPUs, DP 32, ZeRO-3, 4,096 tokens, no recompute
 * needs 6,738,415,616 x 16 / 32 + 104,710,799,360 + 1 GiB = 109.15 GB
 * (test_mem_llama's activations, ZeRO-3 over 32); with recompute = full:
 * 32 x 2 s b h = 1,073,741,824 plus the embedding output and logits
 * 557,842,432, 1.6 GB of activations. */
static void test_check(void)
{
    struct experiment x;
    struct layout l;
    struct layout_mem m;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(load(&x, BASE "zero = 3\nmicrobatch = 1\n", &e), 0);
    x.model.precision = EXP_BF16;
    CU_ASSERT_EQUAL(layout_check(&x, &llama7, 64, 80e9, "H100-SXM5", &l, &m, &e), DT_ERANGE);
    CU_ASSERT_STRING_EQUAL(e.msg, "x.ini:12: [parallel] microbatch: needs 109.2 GB per GPU (weights 0.4, gradients 0.4, "
                                  "optimizer 2.5, activations 104.7, buffers 1.1); H100-SXM5 has 80 GB");
    x.parallel.recompute = EXP_RC_FULL;
    CU_ASSERT_EQUAL(layout_check(&x, &llama7, 64, 80e9, "H100-SXM5", &l, &m, &e), 0);
    NEAR(m.activations, 1073741824.0 + 557842432.0);
    CU_ASSERT(m.total < 80e9);
    x.parallel.tensor = 5; /* the layout's own refusals come first */
    CU_ASSERT_EQUAL(layout_check(&x, &llama7, 64, 80e9, "H100-SXM5", &l, &m, &e), DT_EINVAL);
    experiment_free(&x);
}

int test_layout_register(void)
{
    CU_pSuite s = CU_add_suite("layout", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "params", test_params) || !CU_add_test(s, "ranks", test_ranks) ||
        !CU_add_test(s, "mem_gpt3", test_mem_gpt3) || !CU_add_test(s, "mem_mtnlg", test_mem_mtnlg) ||
        !CU_add_test(s, "mem_llama", test_mem_llama) || !CU_add_test(s, "from_experiment", test_from_experiment) ||
        !CU_add_test(s, "from_experiment_again", test_from_experiment_again) ||
        !CU_add_test(s, "check", test_check))
        return -1;
    return 0;
}
