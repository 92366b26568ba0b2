/* Transformer rows (configs/models/NAME.ini, models/dnn_zoo.c): published
 * parameter counts, N and FLOPs per token against the layer table, the
 * grouped-query and SwiGLU layers, block indices, overrides and bad rows. */
#include "dnn.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t params_of(const char *name, const struct dnn_xf_override *o)
{
    struct dnn_net n;
    dt_err e;
    struct dnn_opts opt = {0, 0, o};
    if (dnn_build_name(name, &opt, &n, &e)) return -1;
    int64_t p = n.params;
    dnn_free(&n);
    return p;
}

static const struct dnn_layer *layer(const struct dnn_net *n, const char *name)
{
    for (size_t i = 0; i < n->nlayers; i++)
        if (strcmp(n->layers[i].name, name) == 0) return &n->layers[i];
    return NULL;
}

/* Hugging Face counts (sum of p.numel()), each also worked by formula:
 * 2*V*h (embedding, untied head) + h (final norm) + L * (2h^2 + 2h*kv*d
 * + 3h*F + 2h), e.g. Llama-2-7b: 2*32000*4096 + 4096 + 32*202,383,360. */
static void test_llama_params(void)
{
    CU_ASSERT_EQUAL(params_of("llama2-7b", NULL), 6738415616LL);
    CU_ASSERT_EQUAL(params_of("llama2-13b", NULL), 13015864320LL);
    CU_ASSERT_EQUAL(params_of("llama2-70b", NULL), 68976648192LL);
    CU_ASSERT_EQUAL(params_of("llama3-8b", NULL), 8030261248LL);
    CU_ASSERT_EQUAL(params_of("llama3-70b", NULL), 70553706496LL);
    CU_ASSERT_EQUAL(params_of("llama3-405b", NULL), 405853388800LL);
}

/* The papers print rounded figures: 175B and 530B within 1%; the smaller
 * GPT-3 rows within half a unit of the last printed digit (1.3B: 1.25 to
 * 1.35), which is all a two-digit figure says. */
static void test_gpt3_mtnlg_params(void)
{
    CU_ASSERT(fabs(params_of("gpt3-175b", NULL) / 175e9 - 1) < 0.01);
    CU_ASSERT(fabs(params_of("mtnlg-530b", NULL) / 530e9 - 1) < 0.01);
    CU_ASSERT(fabs(params_of("gpt3-1.3b", NULL) - 1.3e9) <= 0.05e9);
    CU_ASSERT(fabs(params_of("gpt3-2.7b", NULL) - 2.7e9) <= 0.05e9);
    CU_ASSERT(fabs(params_of("gpt3-6.7b", NULL) - 6.7e9) <= 0.05e9);
    CU_ASSERT(fabs(params_of("gpt3-13b", NULL) - 13e9) <= 0.5e9);
    /* 12 h^2 + 13 h per layer, (V + 2048) h embeddings, 2h final LN */
    int64_t h = 12288;
    CU_ASSERT_EQUAL(params_of("gpt3-175b", NULL), 96 * (12 * h * h + 13 * h) + (50257 + 2048) * h + 2 * h);
}

/* For every transformer row at its default sequence: N read off the layer
 * table (each fc layer's din x dout, the LM head counted even when tied)
 * equals dnn_xf_train_flops_per_token's; the attention matmuls' FLOPs per
 * token equal its attention term; and the whole table is within 1% of
 * 6N + attention (the rest: elementwise layers, biases, embeddings). */
static void test_flops_per_token(void)
{
    size_t nm;
    const struct dnn_model *const *ms = dnn_models(&nm);
    int rows = 0;
    for (size_t i = 0; i < nm; i++) {
        struct dnn_xf a;
        if (dnn_xf_arch(ms[i], NULL, &a, NULL)) continue;
        rows++;
        struct dnn_net n;
        dt_err e;
        CU_ASSERT_EQUAL_FATAL(dnn_build(ms[i], NULL, &n, &e), 0);
        double six_n, attn;
        double f = dnn_xf_train_flops_per_token(&a, n.size, &six_n, &attn);
        CU_ASSERT_DOUBLE_EQUAL(f, six_n + attn, 1e-6 * f);
        double nmat = 0, mm = 0;
        for (size_t k = 0; k < n.nlayers; k++) {
            const struct dnn_layer *l = &n.layers[k];
            if (l->kind == DNN_FC) {
                int64_t dout = l->out.d[l->out.ndim - 1], rows_out = l->out_elems / dout;
                nmat += (double)(l->macs / rows_out);
            } else if (l->kind == DNN_MATMUL) {
                mm += (double)(l->fwd_flops + l->bwd_data_flops + l->bwd_weight_flops);
            }
        }
        CU_ASSERT_DOUBLE_EQUAL(6 * nmat, six_n, 1e-9 * six_n);
        CU_ASSERT_DOUBLE_EQUAL(mm / n.size, attn, 1e-9 * attn);
        double table = (double)(n.fwd_flops + n.bwd_flops) / n.size;
        if (fabs(table / f - 1) >= 0.01) printf("\n%s: table %.6g vs 6N + attention %.6g\n", ms[i]->name, table, f);
        CU_ASSERT(fabs(table / f - 1) < 0.01);
        dnn_free(&n);
    }
    CU_ASSERT_EQUAL(rows, 14); /* bert-large, gpt2, 5 GPT-3, MT-NLG, 3 Llama 2, 3 Llama 3 */
}

/* The usual 6 x params rule for GPT-3 175B: 6N is 6 x 174.56e9 (the
 * embedding tables' 0.04e9 left out); attention adds 12 x 96 x 2048 x 12288
 * = 28.99 GFLOP a token, 2.8% of 6N. */
static void test_six_n_rule(void)
{
    const struct dnn_model *m = dnn_find("gpt3-175b", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    struct dnn_xf a;
    CU_ASSERT_EQUAL_FATAL(dnn_xf_arch(m, NULL, &a, NULL), 0);
    double six_n, attn;
    dnn_xf_train_flops_per_token(&a, 2048, &six_n, &attn);
    CU_ASSERT_DOUBLE_EQUAL(attn, 12.0 * 96 * 2048 * 12288, 1);
    CU_ASSERT(fabs(six_n / (6 * (double)params_of("gpt3-175b", NULL)) - 1) < 0.001);
    /* 6N per token grows with seq only through the attention term */
    double six_n2, attn2;
    dnn_xf_train_flops_per_token(&a, 4096, &six_n2, &attn2);
    CU_ASSERT_DOUBLE_EQUAL(six_n2, six_n, 0);
    CU_ASSERT_DOUBLE_EQUAL(attn2, 2 * attn, 1);
}

/* Grouped-query attention, SwiGLU and RMSNorm layers of Llama 3 8B. */
static void test_llama_layers(void)
{
    struct dnn_net n;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("llama3-8b", NULL, &n, &e), 0);
    int64_t s = 8192, h = 4096, f = 14336;
    const struct dnn_layer *q = layer(&n, "model.layers.0.self_attn.q_proj");
    const struct dnn_layer *k = layer(&n, "model.layers.0.self_attn.k_proj");
    const struct dnn_layer *sc = layer(&n, "model.layers.31.self_attn.scores");
    const struct dnn_layer *act = layer(&n, "model.layers.3.mlp.act_fn");
    const struct dnn_layer *nrm = layer(&n, "model.layers.0.input_layernorm");
    const struct dnn_layer *head = layer(&n, "lm_head");
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(act);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nrm);
    CU_ASSERT_PTR_NOT_NULL_FATAL(head);
    CU_ASSERT_EQUAL(q->params, h * h);
    CU_ASSERT_EQUAL(k->params, h * 8 * 128); /* 8 KV heads of 128 */
    CU_ASSERT_EQUAL(sc->out.d[0], 32);
    CU_ASSERT_EQUAL(sc->macs, s * s * h);
    CU_ASSERT_EQUAL(act->kind, DNN_SWIGLU);
    CU_ASSERT_EQUAL(act->in_elems, 2 * s * f);
    CU_ASSERT_EQUAL(act->fwd_flops, 5 * s * f);
    CU_ASSERT_EQUAL(act->bwd_data_flops, 8 * s * f);
    CU_ASSERT_EQUAL(nrm->kind, DNN_RMSNORM);
    CU_ASSERT_EQUAL(nrm->params, h);
    CU_ASSERT_EQUAL(nrm->fwd_flops, 4 * s * h);
    CU_ASSERT_EQUAL(head->params, h * 128256); /* untied */
    CU_ASSERT_EQUAL(n.layers[0].kind, DNN_EMBEDDING);
    CU_ASSERT_EQUAL(n.layers[0].params, 128256 * h); /* one table: rotary */
    dnn_free(&n);
}

/* dnn_layer.block: transformer block i; -1 outside. ResNet bottlenecks in
 * order (16 in ResNet-50). */
static void test_blocks(void)
{
    struct dnn_net n;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("gpt2", NULL, &n, &e), 0);
    CU_ASSERT_EQUAL(n.layers[0].block, -1);
    CU_ASSERT_EQUAL(layer(&n, "transformer.h.0.ln_1")->block, 0);
    CU_ASSERT_EQUAL(layer(&n, "transformer.h.11.add2")->block, 11);
    CU_ASSERT_EQUAL(layer(&n, "transformer.ln_f")->block, -1);
    CU_ASSERT_EQUAL(layer(&n, "lm_head")->block, -1);
    dnn_free(&n);
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("bert-large", NULL, &n, &e), 0);
    CU_ASSERT_EQUAL(layer(&n, "embeddings.LayerNorm")->block, -1);
    CU_ASSERT_EQUAL(layer(&n, "encoder.layer.23.output.LayerNorm")->block, 23);
    CU_ASSERT_EQUAL(layer(&n, "pooler.dense")->block, -1);
    dnn_free(&n);
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("resnet50", NULL, &n, &e), 0);
    CU_ASSERT_EQUAL(layer(&n, "conv1")->block, -1);
    CU_ASSERT_EQUAL(layer(&n, "layer1.0.conv1")->block, 0);
    CU_ASSERT_EQUAL(layer(&n, "layer2.0.downsample.0")->block, 3);
    CU_ASSERT_EQUAL(layer(&n, "layer4.2.relu3")->block, 15);
    CU_ASSERT_EQUAL(layer(&n, "fc")->block, -1);
    dnn_free(&n);
}

static void test_overrides(void)
{
    /* 16 more Llama 3 70B layers of 855,654,400 parameters each */
    struct dnn_xf_override o = {.layers = 96};
    CU_ASSERT_EQUAL(params_of("llama3-70b", &o), 70553706496LL + 16 * 855654400LL);
    struct dnn_net n;
    dt_err e;
    struct dnn_opts opt = {0, 0, &o};
    o = (struct dnn_xf_override){.seq = 1024};
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("gpt3-175b", &opt, &n, &e), 0);
    CU_ASSERT_EQUAL(n.size, 1024);
    CU_ASSERT_STRING_EQUAL(n.model->name, "gpt3-175b"); /* the registry's row */
    dnn_free(&n);
    /* rotary: up to the row's context window (max_seq) */
    o = (struct dnn_xf_override){.seq = 32768};
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("llama3-405b", &opt, &n, &e), 0);
    CU_ASSERT_EQUAL(n.size, 32768);
    dnn_free(&n);
    CU_ASSERT_EQUAL(dnn_build_name("llama3-8b", &opt, &n, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "llama3-8b: seq 32768 exceeds the row's max_seq 8192"));

    struct dnn_xf a;
    const struct dnn_model *g = dnn_find("gpt3-175b", NULL), *l = dnn_find("llama3-70b", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    o = (struct dnn_xf_override){.heads = 64};
    CU_ASSERT_EQUAL(dnn_xf_arch(g, &o, &a, &e), 0);
    CU_ASSERT_EQUAL(a.kv_heads, 64); /* no GQA stays without */
    o = (struct dnn_xf_override){.heads = 32};
    CU_ASSERT_EQUAL(dnn_xf_arch(l, &o, &a, &e), 0);
    CU_ASSERT_EQUAL(a.kv_heads, 8);
    o = (struct dnn_xf_override){.heads = 60};
    CU_ASSERT_EQUAL(dnn_xf_arch(l, &o, &a, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "hidden 8192 is not divisible by 60 heads"));
    o = (struct dnn_xf_override){.kv_heads = 3};
    CU_ASSERT_EQUAL(dnn_xf_arch(l, &o, &a, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "64 heads are not divisible into 3 key/value heads"));
    o = (struct dnn_xf_override){.seq = 4096};
    CU_ASSERT_EQUAL(dnn_xf_arch(g, &o, &a, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "seq 4096 exceeds the 2048 learned positions"));
    o = (struct dnn_xf_override){.layers = 2};
    CU_ASSERT_EQUAL(dnn_xf_arch(dnn_find("resnet50", NULL), &o, &a, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a transformer"));
    opt.xf = &o;
    CU_ASSERT_EQUAL(dnn_build_name("resnet50", &opt, &n, &e), DT_EINVAL);
    o = (struct dnn_xf_override){0};
    CU_ASSERT_EQUAL(dnn_build_name("resnet50", &opt, &n, &e), 0); /* all zero: nothing overridden */
    dnn_free(&n);
    CU_ASSERT_EQUAL(dnn_model_vocab(l), 128256);
    CU_ASSERT_EQUAL(dnn_model_vocab(dnn_find("resnet50", NULL)), 0);
}

/* A models directory with one file; returns dnn_models_check's code. */
static int check_row(const char *text, dt_err *e)
{
    char dir[] = "/tmp/dtsim-xf-XXXXXX";
    if (!mkdtemp(dir)) return -1000;
    char path[64];
    snprintf(path, sizeof path, "%s/x.ini", dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1000;
    fputs(text, f);
    fclose(f);
    int rc = dnn_models_check(dir, e);
    unlink(path);
    rmdir(dir);
    return rc;
}

#define ROW_HEAD "[model t]\nsummary = test\nkind = decoder\nlayers = 2\n"
#define ROW_TAIL "ffn = 256\nffn_kind = gelu\nnorm = layernorm\nvocab = 100\nseq = 64\npositions = 64\n" \
                 "tied = yes\nbias = yes\nsource = none\n"

static void test_bad_rows(void)
{
    dt_err e;
    CU_ASSERT_EQUAL(check_row(ROW_HEAD "hidden = 64\nheads = 4\n" ROW_TAIL, &e), 0);
    CU_ASSERT_EQUAL(check_row(ROW_HEAD "hiden = 64\nheads = 4\n" ROW_TAIL, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x.ini:5:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did you mean 'hidden'"));
    CU_ASSERT(check_row(ROW_HEAD "heads = 4\n" ROW_TAIL, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x.ini:2: [model t] hidden: missing required key"));
    CU_ASSERT_EQUAL(check_row(ROW_HEAD "hidden = 64\nheads = 5\n" ROW_TAIL, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x.ini:6: [model t] heads: hidden 64 is not divisible by 5 heads"));
    CU_ASSERT_EQUAL(check_row(ROW_HEAD "hidden = 64\nheads = 4\nkv_heads = 3\n" ROW_TAIL, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x.ini:7: [model t] kv_heads:"));
    CU_ASSERT_EQUAL(check_row(ROW_HEAD "hidden = 64\nheads = 4\n" ROW_TAIL "max_seq = 128\n", &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "max_seq 128 exceeds the 64 learned positions"));
    CU_ASSERT(check_row(ROW_HEAD "hidden = 64\nheads = 4\nkind = sideways\n" ROW_TAIL, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x.ini:7:"));
    CU_ASSERT(check_row("[model resnet50]\nsummary = x\n", &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "built-in image model"));
    CU_ASSERT(check_row(ROW_HEAD "hidden = 64\nheads = 4\n" ROW_TAIL "[model t]\nlayers = 3\n", &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x.ini:17: [model t] layers: given twice in [model t] (first at"));
    CU_ASSERT(check_row("[modle t]\nlayers = 3\n", &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x.ini:1:"));
    /* rotary rows need max_seq */
    CU_ASSERT(check_row("[model r]\nsummary = r\nkind = decoder\nlayers = 2\nhidden = 64\nheads = 4\nffn = 256\n"
                        "ffn_kind = swiglu\nnorm = rmsnorm\nvocab = 100\nseq = 64\ntied = no\nbias = no\nsource = x\n",
                        &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "max_seq: missing required key"));
    /* the repository's rows are all good, and stay loaded */
    CU_ASSERT_EQUAL(dnn_models_load(&e), 0);
    CU_ASSERT_PTR_NOT_NULL(dnn_find("llama3-405b", NULL));
}

int test_xf_register(void)
{
    CU_pSuite s = CU_add_suite("xf", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "llama_params", test_llama_params) ||
        !CU_add_test(s, "gpt3_mtnlg_params", test_gpt3_mtnlg_params) ||
        !CU_add_test(s, "flops_per_token", test_flops_per_token) || !CU_add_test(s, "six_n_rule", test_six_n_rule) ||
        !CU_add_test(s, "llama_layers", test_llama_layers) || !CU_add_test(s, "blocks", test_blocks) ||
        !CU_add_test(s, "overrides", test_overrides) || !CU_add_test(s, "bad_rows", test_bad_rows))
        return -1;
    return 0;
}
