/* Known values for models/dnn.h: published parameter counts, ResNet-50's
 * 4.09 G multiply-adds, and layer costs worked by hand. */
#include "dnn.h"

#include <CUnit/CUnit.h>
#include <string.h>

static int64_t build_params(const char *name)
{
    struct dnn_net n;
    dt_err e;
    if (dnn_build_name(name, NULL, &n, &e)) return -1;
    int64_t p = n.params, sum = 0;
    for (size_t i = 0; i < n.nlayers; i++)
        sum += n.layers[i].params;
    dnn_free(&n);
    return p == sum ? p : -2;
}

/* torchvision model docs (num_params); Hugging Face for the transformers
 * (sum of p.numel() over BertModel / GPT2LMHeadModel with tied LM head). */
static void test_params(void)
{
    CU_ASSERT_EQUAL(build_params("resnet50"), 25557032);
    CU_ASSERT_EQUAL(build_params("resnet101"), 44549160);
    CU_ASSERT_EQUAL(build_params("resnet152"), 60192808);
    CU_ASSERT_EQUAL(build_params("vgg16"), 138357544);
    /* (30522+512+2)*1024 + 2048 (embeddings) + 24 * 12,596,224 (layer)
     * + 1,049,600 (pooler) */
    CU_ASSERT_EQUAL(build_params("bert-large"), 335141888);
    /* (50257+1024)*768 + 12 * 7,087,872 + 1536 (ln_f) */
    CU_ASSERT_EQUAL(build_params("gpt2"), 124439808);
}

static int64_t sum_macs(const struct dnn_net *n, enum dnn_kind k)
{
    int64_t s = 0;
    for (size_t i = 0; i < n->nlayers; i++)
        if (n->layers[i].kind == k) s += n->layers[i].macs;
    return s;
}

static size_t count_kind(const struct dnn_net *n, enum dnn_kind k)
{
    size_t c = 0;
    for (size_t i = 0; i < n->nlayers; i++)
        c += n->layers[i].kind == k;
    return c;
}

static const struct dnn_layer *find_layer(const struct dnn_net *n, const char *name)
{
    for (size_t i = 0; i < n->nlayers; i++)
        if (strcmp(n->layers[i].name, name) == 0) return &n->layers[i];
    return NULL;
}

static void test_resnet50_macs(void)
{
    struct dnn_net n;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("resnet50", NULL, &n, &e), 0);
    int64_t macs = sum_macs(&n, DNN_CONV) + sum_macs(&n, DNN_FC);
    CU_ASSERT_EQUAL(macs, n.macs);
    CU_ASSERT(macs > 4.09e9 * 0.99 && macs < 4.09e9 * 1.01);
    CU_ASSERT_EQUAL(sum_macs(&n, DNN_FC), 2048 * 1000);
    /* 1 stem + 16 blocks x 3 + 4 projection shortcuts */
    CU_ASSERT_EQUAL(count_kind(&n, DNN_CONV), 53);
    CU_ASSERT_EQUAL(count_kind(&n, DNN_BN), 53);
    CU_ASSERT_EQUAL(count_kind(&n, DNN_ADD), 16);
    /* stem: 7*7*3*64 weights on a 112x112 output */
    const struct dnn_layer *l = &n.layers[0];
    CU_ASSERT_STRING_EQUAL(l->name, "conv1");
    CU_ASSERT_EQUAL(l->params, 9408);
    CU_ASSERT_EQUAL(l->macs, 9408LL * 112 * 112);
    CU_ASSERT_EQUAL(l->out.d[0], 64);
    CU_ASSERT_EQUAL(l->out.d[1], 112);
    /* v1.5: the stride sits in the 3x3 conv of a stage's first block */
    l = find_layer(&n, "layer2.0.conv1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    CU_ASSERT_EQUAL(l->out.d[1], 56);
    l = find_layer(&n, "layer2.0.conv2");
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    CU_ASSERT_EQUAL(l->out.d[1], 28);
    CU_ASSERT_EQUAL(l->params, 3 * 3 * 128 * 128);
    CU_ASSERT_EQUAL(l->macs, 3LL * 3 * 128 * 128 * 28 * 28);
    l = find_layer(&n, "layer4.2.relu3");
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    CU_ASSERT_EQUAL(l->out.d[0], 2048);
    CU_ASSERT_EQUAL(l->out.d[1], 7);
    dnn_free(&n);

    CU_ASSERT_EQUAL_FATAL(dnn_build_name("resnet152", NULL, &n, &e), 0);
    CU_ASSERT_EQUAL(count_kind(&n, DNN_CONV), 1 + 50 * 3 + 4);
    dnn_free(&n);
}

/* Conv layers have no bias in ResNet: backward = data + weight = 2 x
 * forward exactly, except the stem, which computes no data gradient. */
static void test_backward_twice_forward(void)
{
    struct dnn_net n;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("resnet101", NULL, &n, &e), 0);
    int bad = 0;
    int64_t fwd = 0, bwd = 0;
    for (size_t i = 0; i < n.nlayers; i++) {
        const struct dnn_layer *l = &n.layers[i];
        if (l->kind != DNN_CONV) continue;
        if (i == 0) {
            bad += l->bwd_data_flops != 0 || l->bwd_weight_flops != l->fwd_flops;
            continue;
        }
        bad += l->bwd_data_flops != l->fwd_flops || l->bwd_weight_flops != l->fwd_flops;
        fwd += l->fwd_flops;
        bwd += l->bwd_data_flops + l->bwd_weight_flops;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(bwd, 2 * fwd);
    CU_ASSERT(fwd > 0);
    CU_ASSERT_EQUAL(n.bwd_flops, n.bwd_data_flops + n.bwd_weight_flops);
    dnn_free(&n);
}

/* A hand-built net: 3x32x32 -> conv 3x3/1 16ch bias -> conv 3x3/2 32ch
 * -> depthwise 3x3 (32 groups) -> bn -> relu -> fc 10 (bias). */
static int build_tiny(struct dnn_builder *b, const struct dnn_model *m, int size)
{
    (void)m;
    (void)size;
    dnn_conv(b, "c1", 16, 3, 1, 1, 1, 1);
    dnn_scope(b, "blk");
    dnn_conv(b, "c2", 32, 3, 2, 1, 1, 0);
    dnn_conv(b, "dw", 32, 3, 1, 1, 32, 0);
    dnn_bn(b, "bn");
    dnn_relu(b, "relu");
    dnn_scope(b, "%s", "");
    dnn_fc(b, "fc", 10, 1, 0);
    return 0;
}

static const struct dnn_model tiny = {"tiny", "test", DNN_IN_IMAGE, 32, 64, build_tiny, NULL};

static void test_hand_worked(void)
{
    struct dnn_net n;
    dt_err e;
    struct dnn_opts o = {.size = 0, .elem_bytes = 2};
    CU_ASSERT_EQUAL_FATAL(dnn_build(&tiny, &o, &n, &e), 0);
    CU_ASSERT_EQUAL_FATAL(n.nlayers, 6);
    const struct dnn_layer *c1 = &n.layers[0], *c2 = &n.layers[1], *dw = &n.layers[2];
    const struct dnn_layer *bn = &n.layers[3], *fc = &n.layers[5];
    /* c1: 3*3*3*16 + 16 = 448 params; 432 * 32*32 = 442,368 MACs;
     * fwd 2*442,368 + 16*32*32 (bias) = 901,120; no data gradient (first). */
    CU_ASSERT_EQUAL(c1->params, 448);
    CU_ASSERT_EQUAL(c1->macs, 442368);
    CU_ASSERT_EQUAL(c1->fwd_flops, 901120);
    CU_ASSERT_EQUAL(c1->bwd_data_flops, 0);
    CU_ASSERT_EQUAL(c1->bwd_weight_flops, 901120);
    CU_ASSERT_EQUAL(c1->act_bytes, 16 * 32 * 32 * 2);
    /* c2: (32 + 2 - 3)/2 + 1 = 16; 3*3*16*32 = 4608 params; x 256 outputs */
    CU_ASSERT_STRING_EQUAL(c2->name, "blk.c2");
    CU_ASSERT_EQUAL(c2->out.d[1], 16);
    CU_ASSERT_EQUAL(c2->params, 4608);
    CU_ASSERT_EQUAL(c2->macs, 1179648);
    CU_ASSERT_EQUAL(c2->bwd_data_flops, 2359296);
    /* depthwise: 3*3*(32/32)*32 = 288 params, x 256 */
    CU_ASSERT_EQUAL(dw->params, 288);
    CU_ASSERT_EQUAL(dw->macs, 288 * 256);
    /* bn over 32x16x16 = 8192 elements: gamma+beta 64; 5/5/3 per element */
    CU_ASSERT_EQUAL(bn->params, 64);
    CU_ASSERT_EQUAL(bn->fwd_flops, 5 * 8192);
    CU_ASSERT_EQUAL(bn->bwd_weight_flops, 3 * 8192);
    /* fc: flattens 8192 -> 10: 81,920 + 10 params; fwd 2*81,920 + 10 */
    CU_ASSERT_STRING_EQUAL(fc->name, "fc");
    CU_ASSERT_EQUAL(fc->params, 81930);
    CU_ASSERT_EQUAL(fc->macs, 81920);
    CU_ASSERT_EQUAL(fc->fwd_flops, 163850);
    CU_ASSERT_EQUAL(fc->bwd_data_flops, 163840);
    CU_ASSERT_EQUAL(fc->bwd_weight_flops, 163850);
    CU_ASSERT_EQUAL(fc->out.ndim, 1);
    CU_ASSERT_EQUAL(n.params, 448 + 4608 + 288 + 64 + 81930);
    /* bytes moved, batch 4, fp16: 2*(448 + 4*(3072 + 16384)) */
    CU_ASSERT_EQUAL(dnn_layer_fwd_bytes(c1, 4, 2), 2 * (448 + 4 * (3072 + 16384)));
    CU_ASSERT_EQUAL(dnn_layer_bwd_bytes(c1, 4, 2), 2 * (2 * 448 + 4 * (2 * 3072 + 16384)));
    CU_ASSERT_EQUAL(dnn_layer_grad_bytes(fc, 4), 4 * 81930);
    dnn_free(&n);
}

static void test_vgg16_layers(void)
{
    struct dnn_net n;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("vgg16", NULL, &n, &e), 0);
    CU_ASSERT_EQUAL(count_kind(&n, DNN_CONV), 13);
    CU_ASSERT_EQUAL(count_kind(&n, DNN_FC), 3);
    const struct dnn_layer *l = find_layer(&n, "classifier.0");
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    /* 512*7*7 = 25,088 inputs: 25,088*4096 + 4096 params */
    CU_ASSERT_EQUAL(l->params, 102764544);
    CU_ASSERT_EQUAL(l->fwd_flops, 2LL * 25088 * 4096 + 4096);
    l = find_layer(&n, "features.2");
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    /* 3*3*64*64 + 64 params; 36,864 * 224*224 MACs */
    CU_ASSERT_EQUAL(l->params, 36928);
    CU_ASSERT_EQUAL(l->macs, 36864LL * 224 * 224);
    dnn_free(&n);
}

/* Doubling the resolution multiplies every conv's work by 4 exactly for
 * ResNet (all maps stay even down to 7x7 -> 14x14); parameters unchanged. */
static void test_resolution(void)
{
    struct dnn_net a, b;
    dt_err e;
    struct dnn_opts o = {.size = 448};
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("resnet50", NULL, &a, &e), 0);
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("resnet50", &o, &b, &e), 0);
    CU_ASSERT_EQUAL(b.size, 448);
    CU_ASSERT_EQUAL(b.params, a.params);
    CU_ASSERT_EQUAL(sum_macs(&b, DNN_CONV), 4 * sum_macs(&a, DNN_CONV));
    CU_ASSERT_EQUAL(sum_macs(&b, DNN_FC), sum_macs(&a, DNN_FC));
    dnn_free(&a);
    dnn_free(&b);
    /* too small for VGG's fifth pool; out of range sizes */
    o.size = 16;
    CU_ASSERT_EQUAL(dnn_build_name("vgg16", &o, &a, &e), DT_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "smaller than its 2x2 window"));
    CU_ASSERT_EQUAL(a.nlayers, 0);
    o.size = 513;
    CU_ASSERT_EQUAL(dnn_build_name("bert-large", &o, &a, &e), DT_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "1..512"));
}

static void test_transformer(void)
{
    struct dnn_net n;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("bert-large", NULL, &n, &e), 0);
    CU_ASSERT_EQUAL(n.size, 128);
    const struct dnn_layer *q = find_layer(&n, "encoder.layer.0.attention.self.query");
    const struct dnn_layer *s = find_layer(&n, "encoder.layer.23.attention.self.scores");
    const struct dnn_layer *p = find_layer(&n, "pooler.dense");
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(q->macs, 128LL * 1024 * 1024);
    /* Q K^T over 16 heads of 64: 16 * 128*128 * 64 = 128*128*1024 */
    CU_ASSERT_EQUAL(s->macs, 128LL * 128 * 1024);
    CU_ASSERT_EQUAL(s->out.d[0], 16);
    CU_ASSERT_EQUAL(s->bwd_data_flops, 2 * s->fwd_flops);
    CU_ASSERT_EQUAL(s->params, 0);
    CU_ASSERT_EQUAL(p->macs, 1024 * 1024); /* first token only */
    CU_ASSERT_EQUAL(count_kind(&n, DNN_LAYERNORM), 1 + 2 * 24);
    CU_ASSERT_EQUAL(n.layers[0].kind, DNN_EMBEDDING);
    CU_ASSERT_EQUAL(dnn_layer_fwd_bytes(&n.layers[0], 1, 4), 4 * (3 + 1) * 128 * 1024);
    dnn_free(&n);

    CU_ASSERT_EQUAL_FATAL(dnn_build_name("gpt2", NULL, &n, &e), 0);
    const struct dnn_layer *h = find_layer(&n, "lm_head");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(h->params, 0); /* tied to wte */
    CU_ASSERT_EQUAL(h->macs, 1024LL * 768 * 50257);
    dnn_free(&n);
}

static void test_find(void)
{
    dt_err e;
    CU_ASSERT_PTR_NOT_NULL(dnn_find("resnet50", &e));
    CU_ASSERT_PTR_NULL(dnn_find("resnt50", &e));
    CU_ASSERT_EQUAL(e.code, DT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown model 'resnt50' (did you mean 'resnet50'?)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "vgg16"));
    CU_ASSERT_PTR_NULL(dnn_find(NULL, NULL));
    size_t nm;
    const struct dnn_model *const *ms = dnn_models(&nm);
    CU_ASSERT(nm >= 5);
    for (size_t i = 0; i < nm; i++)
        CU_ASSERT_PTR_EQUAL(dnn_find(ms[i]->name, NULL), ms[i]);
    CU_ASSERT_STRING_EQUAL(dnn_kind_name(DNN_LAYERNORM), "layernorm");
    char buf[32];
    struct dnn_shape sh = {3, {64, 112, 112}};
    CU_ASSERT_STRING_EQUAL(dnn_shape_str(&sh, buf, sizeof buf), "64x112x112");
}

int test_dnn_register(void)
{
    CU_pSuite s = CU_add_suite("dnn", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "params", test_params) || !CU_add_test(s, "resnet50_macs", test_resnet50_macs) ||
        !CU_add_test(s, "backward_twice_forward", test_backward_twice_forward) ||
        !CU_add_test(s, "hand_worked", test_hand_worked) || !CU_add_test(s, "vgg16_layers", test_vgg16_layers) ||
        !CU_add_test(s, "resolution", test_resolution) || !CU_add_test(s, "transformer", test_transformer) ||
        !CU_add_test(s, "find", test_find))
        return -1;
    return 0;
}
