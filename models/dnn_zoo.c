/* dnn_zoo.c -- architecture descriptions and the model registry (dnn.h).
 *
 * Each family is one build function reading a const description; a model
 * is a registry row naming the function and the description. Layer names
 * follow the module paths of the reference implementations (torchvision
 * for the CNNs, Hugging Face transformers for BERT and GPT-2) so that a
 * measured per-layer trace can be matched by name.
 *
 * Parameter counts these descriptions give (checked in tests/test_dnn.c):
 *   resnet50    25,557,032   torchvision resnet50 (v1.5)
 *   resnet101   44,549,160   torchvision resnet101
 *   resnet152   60,192,808   torchvision resnet152
 *   vgg16      138,357,544   torchvision vgg16 (no BN)
 *   bert-large 335,141,888   HF BertModel bert-large-uncased (embeddings,
 *                            24 encoder layers, pooler; no pre-training heads)
 *   gpt2       124,439,808   HF GPT2LMHeadModel "gpt2" (LM head tied to wte)
 */
#include "dnn.h"
#include "strsim.h"

#include <stdio.h>
#include <string.h>

/* --- ResNet (He et al. 2015; torchvision v1.5: stride in the 3x3) ---------- */

struct resnet_arch {
    int blocks[4];   /* bottleneck blocks per stage (layer1..layer4) */
    int classes;
};

/* One bottleneck: 1x1 (width) -> 3x3 (width, stride) -> 1x1 (4*width),
 * projection shortcut (1x1, stride, + BN) on the first block of a stage. */
static void bottleneck(struct dnn_builder *b, int stage, int idx, int64_t width, int stride)
{
    struct dnn_shape x = b->cur;
    int64_t cout = 4 * width;
    dnn_scope(b, "layer%d.%d", stage, idx);
    dnn_conv(b, "conv1", width, 1, 1, 0, 1, 0);
    dnn_bn(b, "bn1");
    dnn_relu(b, "relu1");
    dnn_conv(b, "conv2", width, 3, stride, 1, 1, 0);
    dnn_bn(b, "bn2");
    dnn_relu(b, "relu2");
    dnn_conv(b, "conv3", cout, 1, 1, 0, 1, 0);
    dnn_bn(b, "bn3");
    struct dnn_shape main = b->cur;
    if (stride != 1 || x.d[0] != cout) {
        b->cur = x;
        dnn_conv(b, "downsample.0", cout, 1, stride, 0, 1, 0);
        dnn_bn(b, "downsample.1");
    }
    dnn_add(b, "add", &main);
    dnn_relu(b, "relu3");
}

static int build_resnet(struct dnn_builder *b, const struct dnn_model *m, int size)
{
    (void)size;
    const struct resnet_arch *a = m->arch;
    dnn_conv(b, "conv1", 64, 7, 2, 3, 1, 0);
    dnn_bn(b, "bn1");
    dnn_relu(b, "relu");
    dnn_maxpool(b, "maxpool", 3, 2, 1);
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < a->blocks[s]; i++)
            bottleneck(b, s + 1, i, (int64_t)64 << s, (s > 0 && i == 0) ? 2 : 1);
    dnn_scope(b, "%s", "");
    dnn_avgpool(b, "avgpool", 1, 1);
    dnn_fc(b, "fc", a->classes, 1, 0);
    return 0;
}

static const struct resnet_arch resnet50 = {{3, 4, 6, 3}, 1000};
static const struct resnet_arch resnet101 = {{3, 4, 23, 3}, 1000};
static const struct resnet_arch resnet152 = {{3, 8, 36, 3}, 1000};

/* --- VGG (Simonyan & Zisserman 2014; torchvision, configuration D) -------- */

struct vgg_arch {
    int cfg[24];     /* output channels of each 3x3 conv; 0 = 2x2 max pool; -1 ends */
    int hidden;      /* classifier width */
    int classes;
};

/* torchvision numbering: features.N counts conv, relu and pool modules;
 * classifier is fc, relu, dropout, fc, relu, dropout, fc (dropout skipped
 * here, its index kept). */
static int build_vgg(struct dnn_builder *b, const struct dnn_model *m, int size)
{
    (void)size;
    const struct vgg_arch *a = m->arch;
    char name[32];
    int idx = 0;
    for (int i = 0; a->cfg[i] >= 0; i++) {
        if (a->cfg[i] == 0) {
            snprintf(name, sizeof name, "features.%d", idx++);
            dnn_maxpool(b, name, 2, 2, 0);
            continue;
        }
        snprintf(name, sizeof name, "features.%d", idx++);
        dnn_conv(b, name, a->cfg[i], 3, 1, 1, 1, 1);
        snprintf(name, sizeof name, "features.%d", idx++);
        dnn_relu(b, name);
    }
    dnn_avgpool(b, "avgpool", 7, 7);
    dnn_fc(b, "classifier.0", a->hidden, 1, 0);
    dnn_relu(b, "classifier.1");
    dnn_fc(b, "classifier.3", a->hidden, 1, 0);
    dnn_relu(b, "classifier.4");
    dnn_fc(b, "classifier.6", a->classes, 1, 0);
    return 0;
}

static const struct vgg_arch vgg16 = {
    {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0, -1},
    4096, 1000};

/* --- Transformers (BERT: post-LN encoder; GPT-2: pre-LN decoder) ---------- */

struct xf_arch {
    int64_t vocab, positions, types; /* embedding table rows (types 0: none) */
    int64_t hidden, heads, ffn;      /* D, attention heads, feed-forward width */
    int layers;
    int pre_ln;      /* 0: BERT (LayerNorm after each residual add); 1: GPT-2 */
};

/* BERT encoder layer, Hugging Face module names. */
static void bert_layer(struct dnn_builder *b, const struct xf_arch *a, int i)
{
    struct dnn_shape x = b->cur;
    dnn_scope(b, "encoder.layer.%d.attention.self", i);
    dnn_fc(b, "query", a->hidden, 1, 0);
    b->cur = x;
    dnn_fc(b, "key", a->hidden, 1, 0);
    b->cur = x;
    dnn_fc(b, "value", a->hidden, 1, 0);
    b->cur = x;
    dnn_attn_scores(b, "scores", a->heads);
    dnn_softmax(b, "softmax");
    dnn_attn_context(b, "context", a->hidden);
    dnn_scope(b, "encoder.layer.%d.attention.output", i);
    dnn_fc(b, "dense", a->hidden, 1, 0);
    dnn_add(b, "add", &x);
    dnn_layernorm(b, "LayerNorm");
    struct dnn_shape y = b->cur;
    dnn_scope(b, "encoder.layer.%d.intermediate", i);
    dnn_fc(b, "dense", a->ffn, 1, 0);
    dnn_gelu(b, "gelu");
    dnn_scope(b, "encoder.layer.%d.output", i);
    dnn_fc(b, "dense", a->hidden, 1, 0);
    dnn_add(b, "add", &y);
    dnn_layernorm(b, "LayerNorm");
}

/* GPT-2 block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
static void gpt2_block(struct dnn_builder *b, const struct xf_arch *a, int i)
{
    struct dnn_shape x = b->cur;
    dnn_scope(b, "transformer.h.%d", i);
    dnn_layernorm(b, "ln_1");
    dnn_fc(b, "attn.c_attn", 3 * a->hidden, 1, 0);
    b->cur = x; /* Q, K, V are thirds of c_attn's output, each S x D */
    dnn_attn_scores(b, "attn.scores", a->heads);
    dnn_softmax(b, "attn.softmax");
    dnn_attn_context(b, "attn.context", a->hidden);
    dnn_fc(b, "attn.c_proj", a->hidden, 1, 0);
    dnn_add(b, "add1", &x);
    struct dnn_shape y = b->cur;
    dnn_layernorm(b, "ln_2");
    dnn_fc(b, "mlp.c_fc", a->ffn, 1, 0);
    dnn_gelu(b, "mlp.gelu");
    dnn_fc(b, "mlp.c_proj", a->hidden, 1, 0);
    dnn_add(b, "add2", &y);
}

static int build_transformer(struct dnn_builder *b, const struct dnn_model *m, int size)
{
    (void)size;
    const struct xf_arch *a = m->arch;
    int64_t rows[3] = {a->vocab, a->positions, a->types};
    int ntables = a->types ? 3 : 2;
    if (!a->pre_ln) {
        dnn_embedding(b, "embeddings", rows, ntables, a->hidden);
        dnn_layernorm(b, "embeddings.LayerNorm");
        for (int i = 0; i < a->layers; i++)
            bert_layer(b, a, i);
        /* pooler: dense + tanh on the first ([CLS]) token */
        dnn_scope(b, "pooler");
        dnn_take_rows(b, 1);
        dnn_fc(b, "dense", a->hidden, 1, 0);
        dnn_tanh(b, "tanh");
    } else {
        dnn_embedding(b, "transformer.wte+wpe", rows, ntables, a->hidden);
        for (int i = 0; i < a->layers; i++)
            gpt2_block(b, a, i);
        dnn_scope(b, "%s", "");
        dnn_layernorm(b, "transformer.ln_f");
        dnn_fc(b, "lm_head", a->vocab, 0, 1); /* tied to wte */
    }
    return 0;
}

/* bert-large-uncased: vocab 30522, 512 positions, 2 token types, 24 layers
 * of D=1024, 16 heads, FFN 4096 (Devlin et al. 2018, HF config.json). */
static const struct xf_arch bert_large = {30522, 512, 2, 1024, 16, 4096, 24, 0};
/* gpt2 (small): vocab 50257, 1024 positions, 12 layers of D=768, 12 heads,
 * FFN 3072 (Radford et al. 2019, HF config.json). */
static const struct xf_arch gpt2 = {50257, 1024, 0, 768, 12, 3072, 12, 1};

/* --- registry --------------------------------------------------------------- */

/* Images: 224 default; up to 4096 pixels. Tokens: up to the position table. */
static const struct dnn_model models[] = {
    {"resnet50", "ResNet-50 v1.5, torchvision layout, 1000 classes", DNN_IN_IMAGE, 224, 4096, build_resnet, &resnet50},
    {"resnet101", "ResNet-101 v1.5, torchvision layout, 1000 classes", DNN_IN_IMAGE, 224, 4096, build_resnet, &resnet101},
    {"resnet152", "ResNet-152 v1.5, torchvision layout, 1000 classes", DNN_IN_IMAGE, 224, 4096, build_resnet, &resnet152},
    {"vgg16", "VGG-16 (configuration D), torchvision layout, 1000 classes", DNN_IN_IMAGE, 224, 4096, build_vgg, &vgg16},
    {"bert-large", "BERT-large uncased encoder + pooler (Hugging Face BertModel), seq 128", DNN_IN_TOKENS, 128, 512,
     build_transformer, &bert_large},
    {"gpt2", "GPT-2 small with tied LM head (Hugging Face GPT2LMHeadModel), seq 1024", DNN_IN_TOKENS, 1024, 1024,
     build_transformer, &gpt2},
};
#define NMODELS (sizeof models / sizeof models[0])

int64_t dnn_model_vocab(const struct dnn_model *m)
{
    if (m->input != DNN_IN_TOKENS || m->build != build_transformer) return 0;
    return ((const struct xf_arch *)m->arch)->vocab;
}

static const struct dnn_model *const model_ptrs[] = {&models[0], &models[1], &models[2],
                                                     &models[3], &models[4], &models[5]};
_Static_assert(sizeof model_ptrs / sizeof model_ptrs[0] == NMODELS, "model_ptrs lists every model");

const struct dnn_model *const *dnn_models(size_t *n)
{
    *n = NMODELS;
    return model_ptrs;
}

const struct dnn_model *dnn_find(const char *name, dt_err *e)
{
    const char *names[NMODELS];
    for (size_t i = 0; i < NMODELS; i++) {
        names[i] = models[i].name;
        if (name && strcmp(name, models[i].name) == 0) return &models[i];
    }
    if (!name) name = "";
    char list[256];
    strsim_join(list, sizeof list, names, NMODELS);
    const char *near = strsim_nearest(name, names, NMODELS);
    if (near)
        dt_errf(e, DT_ENOENT, "unknown model '%s' (did you mean '%s'?); valid: %s", name, near, list);
    else
        dt_errf(e, DT_ENOENT, "unknown model '%s'; valid: %s", name, list);
    return NULL;
}
