/* dnn_zoo.c -- architecture descriptions and the model registry (dnn.h).
 *
 * Each family is one build function reading a description; a model is a
 * registry row naming the function and the description. The image models
 * (ResNet, VGG) are described here in C; the transformers are rows of
 * configs/models/NAME.ini (struct dnn_xf), read at run time (xf_load below).
 * Layer names follow the module paths of the reference implementations
 * (torchvision for the CNNs, Hugging Face transformers for BERT, GPT-2 and
 * Llama) so that a measured per-layer trace can be matched by name.
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
#include "config.h"
#include "catalog.h"
#include "dnn.h"
#include "strsim.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Mark layers [from, end) as repeated block `idx` (dnn_layer.block). */
static void mark_block(struct dnn_builder *b, size_t from, int idx)
{
    if (b->err) return;
    for (size_t k = from; k < b->net->nlayers; k++) b->net->layers[k].block = idx;
}

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
    int blk = 0;
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < a->blocks[s]; i++) {
            size_t from = b->net->nlayers;
            bottleneck(b, s + 1, i, (int64_t)64 << s, (s > 0 && i == 0) ? 2 : 1);
            mark_block(b, from, blk++);
        }
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

/* --- Transformers (rows of configs/models/NAME.ini) ----------------------------
 *
 * Three layouts, chosen by the row (names are Hugging Face module paths):
 *   kind = encoder                    BERT (BertModel): post-LN, embeddings
 *                                     + LayerNorm, 24 x (self-attention,
 *                                     add, LN, FFN, add, LN), pooler on [CLS]
 *   kind = decoder, norm = layernorm  GPT-2 names (GPT2LMHeadModel): pre-LN,
 *                                     fused QKV "attn.c_attn", GELU MLP
 *   kind = decoder, norm = rmsnorm    Llama names (LlamaForCausalLM):
 *                                     pre-RMSNorm, q/k/v/o_proj, SwiGLU
 *                                     (gate_proj, up_proj, down_proj) or GELU
 * Grouped-query attention: k and v project to kv_heads x head_dim each; for
 * the score and context products K and V are expanded to every head (as
 * HF's repeat_kv does), so those matmuls cost as with heads = kv_heads.
 * Rotary position embeddings (positions = 0): no table; their elementwise
 * cost (a few FLOPs per q and k element) is left out. */

static void bert_layer(struct dnn_builder *b, const struct dnn_xf *a, int i)
{
    struct dnn_shape x = b->cur;
    dnn_scope(b, "encoder.layer.%d.attention.self", i);
    dnn_fc(b, "query", a->hidden, a->bias, 0);
    b->cur = x;
    dnn_fc(b, "key", a->hidden, a->bias, 0);
    b->cur = x;
    dnn_fc(b, "value", a->hidden, a->bias, 0);
    b->cur = x;
    dnn_attn_scores(b, "scores", a->heads);
    dnn_softmax(b, "softmax");
    dnn_attn_context(b, "context", a->hidden);
    dnn_scope(b, "encoder.layer.%d.attention.output", i);
    dnn_fc(b, "dense", a->hidden, a->bias, 0);
    dnn_add(b, "add", &x);
    dnn_layernorm(b, "LayerNorm");
    struct dnn_shape y = b->cur;
    dnn_scope(b, "encoder.layer.%d.intermediate", i);
    dnn_fc(b, "dense", a->ffn, a->bias, 0);
    dnn_gelu(b, "gelu");
    dnn_scope(b, "encoder.layer.%d.output", i);
    dnn_fc(b, "dense", a->hidden, a->bias, 0);
    dnn_add(b, "add", &y);
    dnn_layernorm(b, "LayerNorm");
}

/* K and V width: kv_heads x head_dim. */
static int64_t kv_width(const struct dnn_xf *a)
{
    return a->kv_heads * (a->hidden / a->heads);
}

/* GPT-2 block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
static void gpt2_block(struct dnn_builder *b, const struct dnn_xf *a, int i)
{
    struct dnn_shape x = b->cur;
    dnn_scope(b, "transformer.h.%d", i);
    dnn_layernorm(b, "ln_1");
    dnn_fc(b, "attn.c_attn", a->hidden + 2 * kv_width(a), a->bias, 0);
    b->cur = x; /* Q is the first S x D of c_attn's output */
    dnn_attn_scores(b, "attn.scores", a->heads);
    dnn_softmax(b, "attn.softmax");
    dnn_attn_context(b, "attn.context", a->hidden);
    dnn_fc(b, "attn.c_proj", a->hidden, a->bias, 0);
    dnn_add(b, "add1", &x);
    struct dnn_shape y = b->cur;
    dnn_layernorm(b, "ln_2");
    dnn_fc(b, "mlp.c_fc", a->ffn, a->bias, 0);
    dnn_gelu(b, "mlp.gelu");
    dnn_fc(b, "mlp.c_proj", a->hidden, a->bias, 0);
    dnn_add(b, "add2", &y);
}

/* Llama decoder layer: x + o_proj(attn(input_layernorm(x))), then
 * x + mlp(post_attention_layernorm(x)). */
static void llama_layer(struct dnn_builder *b, const struct dnn_xf *a, int i)
{
    struct dnn_shape x = b->cur;
    dnn_scope(b, "model.layers.%d", i);
    dnn_rmsnorm(b, "input_layernorm");
    struct dnn_shape n1 = b->cur;
    dnn_fc(b, "self_attn.q_proj", a->hidden, a->bias, 0);
    struct dnn_shape q = b->cur;
    b->cur = n1;
    dnn_fc(b, "self_attn.k_proj", kv_width(a), a->bias, 0);
    b->cur = n1;
    dnn_fc(b, "self_attn.v_proj", kv_width(a), a->bias, 0);
    b->cur = q;
    dnn_attn_scores(b, "self_attn.scores", a->heads);
    dnn_softmax(b, "self_attn.softmax");
    dnn_attn_context(b, "self_attn.context", a->hidden);
    dnn_fc(b, "self_attn.o_proj", a->hidden, a->bias, 0);
    dnn_add(b, "add1", &x);
    struct dnn_shape y = b->cur;
    dnn_rmsnorm(b, "post_attention_layernorm");
    if (a->ffn_kind == DNN_FFN_SWIGLU) {
        /* down_proj(act_fn(gate_proj(x)) * up_proj(x)) */
        struct dnn_shape n2 = b->cur;
        dnn_fc(b, "mlp.gate_proj", a->ffn, a->bias, 0);
        struct dnn_shape gate = b->cur;
        b->cur = n2;
        dnn_fc(b, "mlp.up_proj", a->ffn, a->bias, 0);
        dnn_swiglu(b, "mlp.act_fn", &gate);
    } else {
        dnn_fc(b, "mlp.up_proj", a->ffn, a->bias, 0);
        dnn_gelu(b, "mlp.act_fn");
    }
    dnn_fc(b, "mlp.down_proj", a->hidden, a->bias, 0);
    dnn_add(b, "add2", &y);
}

static int build_transformer(struct dnn_builder *b, const struct dnn_model *m, int size)
{
    (void)size;
    const struct dnn_xf *a = m->arch;
    int64_t rows[3];
    int ntables = 0;
    rows[ntables++] = a->vocab;
    if (a->positions) rows[ntables++] = a->positions;
    if (a->types) rows[ntables++] = a->types;
    if (a->kind == DNN_XF_ENCODER) {
        dnn_embedding(b, "embeddings", rows, ntables, a->hidden);
        dnn_layernorm(b, "embeddings.LayerNorm");
        for (int i = 0; i < a->layers; i++) {
            size_t from = b->net->nlayers;
            bert_layer(b, a, i);
            mark_block(b, from, i);
        }
        /* pooler: dense + tanh on the first ([CLS]) token */
        dnn_scope(b, "pooler");
        dnn_take_rows(b, 1);
        dnn_fc(b, "dense", a->hidden, a->bias, 0);
        dnn_tanh(b, "tanh");
    } else if (a->norm == DNN_NORM_LAYERNORM) {
        dnn_embedding(b, a->positions ? "transformer.wte+wpe" : "transformer.wte", rows, ntables, a->hidden);
        for (int i = 0; i < a->layers; i++) {
            size_t from = b->net->nlayers;
            gpt2_block(b, a, i);
            mark_block(b, from, i);
        }
        dnn_scope(b, "%s", "");
        dnn_layernorm(b, "transformer.ln_f");
        dnn_fc(b, "lm_head", a->vocab, 0, a->tied);
    } else {
        dnn_embedding(b, a->positions ? "model.embed_tokens+embed_positions" : "model.embed_tokens", rows, ntables,
                      a->hidden);
        for (int i = 0; i < a->layers; i++) {
            size_t from = b->net->nlayers;
            llama_layer(b, a, i);
            mark_block(b, from, i);
        }
        dnn_scope(b, "%s", "");
        dnn_rmsnorm(b, "model.norm");
        dnn_fc(b, "lm_head", a->vocab, 0, a->tied);
    }
    return 0;
}

/* N: parameters in matrix multiplies -- every linear layer's weight matrix
 * (Q, K, V, output projection, FFN matrices, BERT's pooler, and the LM head
 * even when it is tied to the token embedding, since it is still a matmul
 * per token); not the embedding tables, norms or biases. */
static double xf_matrix_params(const struct dnn_xf *a)
{
    double h = (double)a->hidden, kv = (double)kv_width(a), f = (double)a->ffn;
    double per = 2 * h * h + 2 * h * kv + (a->ffn_kind == DNN_FFN_SWIGLU ? 3 : 2) * h * f;
    double n = (double)a->layers * per;
    if (a->kind == DNN_XF_ENCODER) n += h * h; /* pooler */
    else n += h * (double)a->vocab;           /* LM head */
    return n;
}

double dnn_xf_train_flops_per_token(const struct dnn_xf *a, int64_t seq, double *six_n, double *attn)
{
    double s6 = 6 * xf_matrix_params(a);
    double at = 6.0 * 2.0 * (double)a->layers * (double)seq * (double)a->hidden;
    if (six_n) *six_n = s6;
    if (attn) *attn = at;
    return s6 + at;
}

/* --- image models and the registry ------------------------------------------ */

/* Images: 224 default; up to 4096 pixels. */
static const struct dnn_model image_models[] = {
    {"resnet50", "ResNet-50 v1.5, torchvision layout, 1000 classes", DNN_IN_IMAGE, 224, 4096, build_resnet, &resnet50},
    {"resnet101", "ResNet-101 v1.5, torchvision layout, 1000 classes", DNN_IN_IMAGE, 224, 4096, build_resnet, &resnet101},
    {"resnet152", "ResNet-152 v1.5, torchvision layout, 1000 classes", DNN_IN_IMAGE, 224, 4096, build_resnet, &resnet152},
    {"vgg16", "VGG-16 (configuration D), torchvision layout, 1000 classes", DNN_IN_IMAGE, 224, 4096, build_vgg, &vgg16},
};
#define NIMAGE (sizeof image_models / sizeof image_models[0])

/* A transformer row: the model, its architecture, and the strings. */
struct xf_row {
    struct dnn_model m;
    struct dnn_xf a;
    char *name, *summary, *source;
};

static struct {
    int loaded;                       /* 1: tried */
    int rc;                           /* the load's result */
    char msg[sizeof(((dt_err *)0)->msg)];
    struct xf_row *rows;
    size_t nrows;
    const struct dnn_model **all;     /* image models, then rows */
    size_t nall;
} zoo;

/* Keys of a [model NAME] row. Counts: 1..2^31-1 ("heads"/"positions":
 * words that parse as 0 and mean "as the row says"). */
static const struct config_key row_schema[] = {
    {"model", "summary", CONFIG_STRING, 0, 0, NULL, NULL, "one line: family, variant, source"},
    {"model", "kind", CONFIG_ENUM, 0, 0, "encoder|decoder", NULL, "encoder (BERT, post-LN) or decoder (pre-norm)"},
    {"model", "layers", CONFIG_INT, 1, 1e6, NULL, NULL, "transformer blocks"},
    {"model", "hidden", CONFIG_INT, 1, 1e7, NULL, NULL, "hidden size h"},
    {"model", "heads", CONFIG_INT, 1, 1e5, NULL, NULL, "attention heads"},
    {"model", "kv_heads", CONFIG_INT, 1, 1e5, NULL, "heads", "key/value heads (grouped-query attention)"},
    {"model", "ffn", CONFIG_INT, 1, 1e8, NULL, NULL, "feed-forward width"},
    {"model", "ffn_kind", CONFIG_ENUM, 0, 0, "gelu|swiglu", NULL, "feed-forward: gelu (2 matrices) or swiglu (3)"},
    {"model", "norm", CONFIG_ENUM, 0, 0, "layernorm|rmsnorm", NULL, "normalisation"},
    {"model", "vocab", CONFIG_INT, 1, 1e8, NULL, NULL, "vocabulary (token ids)"},
    {"model", "seq", CONFIG_INT, 1, 1 << 24, NULL, NULL, "default sequence length (tokens)"},
    {"model", "max_seq", CONFIG_INT, 1, 1 << 24, NULL, "positions", "longest sequence accepted (tokens)"},
    {"model", "positions", CONFIG_INT, 0, 1 << 24, NULL, "0", "learned position table rows; 0: rotary"},
    {"model", "types", CONFIG_INT, 0, 1e6, NULL, "0", "token-type table rows (BERT: 2)"},
    {"model", "tied", CONFIG_BOOL, 0, 0, NULL, NULL, "LM head shares the token embedding"},
    {"model", "bias", CONFIG_BOOL, 0, 0, NULL, NULL, "linear layers have biases"},
    {"model", "source", CONFIG_STRING, 0, 0, NULL, NULL, "where the numbers come from (docs/references.md)"},
};
#define NROW_SCHEMA (sizeof row_schema / sizeof row_schema[0])

/* The models directory: $DTSIM_MODELS, else configs/models in the first
 * directory above the executable that has one (as catalog_dir). */
static int models_dir(char *buf, size_t len, dt_err *e)
{
    return dt_config_dir(NULL, "DTSIM_MODELS", "configs/models", "models", "", buf, len, e);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* One value of row `sec`: its entry (NULL: absent, default used) and its
 * number; *text the value as written. */
static int row_get(const config *c, const char *sec, const struct config_entry *first, const char *key,
                   const char **text, const struct config_entry **at, double *num, dt_err *e)
{
    const struct config_key *k = config_schema_find(row_schema, NROW_SCHEMA, "model", key);
    const struct config_entry *en = config_find(c, sec, key);
    *at = en;
    if (!en && !k->def)
        return dt_errf(e, DT_EINVAL, "%s:%d: [%s] %s: missing required key (%s)", first->file, first->line, sec, key,
                       k->help);
    *text = en ? en->value : k->def;
    double v = 0;
    if (en) {
        int rc = config_value_parse(k, en->value, en, &v, e);
        if (rc) return rc;
    }
    *num = v;
    return 0;
}

static char *dup_or_null(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Fill row r from section sec of c (entries checked by config_check). */
static int row_fill(const config *c, const char *sec, const struct config_entry *first, struct xf_row *r, dt_err *e)
{
    const char *t;
    const struct config_entry *at[NROW_SCHEMA];
    double v[NROW_SCHEMA];
    for (size_t i = 0; i < NROW_SCHEMA; i++) {
        int rc = row_get(c, sec, first, row_schema[i].key, &t, &at[i], &v[i], e);
        if (rc) return rc;
    }
#define K(name) (config_schema_find(row_schema, NROW_SCHEMA, "model", name) - row_schema)
    struct dnn_xf *a = &r->a;
    a->kind = (enum dnn_xf_kind)(int)v[K("kind")];
    a->layers = (int64_t)v[K("layers")];
    a->hidden = (int64_t)v[K("hidden")];
    a->heads = (int64_t)v[K("heads")];
    a->kv_heads = at[K("kv_heads")] ? (int64_t)v[K("kv_heads")] : a->heads;
    a->ffn = (int64_t)v[K("ffn")];
    a->ffn_kind = (enum dnn_ffn_kind)(int)v[K("ffn_kind")];
    a->norm = (enum dnn_norm_kind)(int)v[K("norm")];
    a->vocab = (int64_t)v[K("vocab")];
    a->seq = (int64_t)v[K("seq")];
    a->positions = (int64_t)v[K("positions")];
    a->types = (int64_t)v[K("types")];
    a->tied = v[K("tied")] != 0;
    a->bias = v[K("bias")] != 0;
    const struct config_entry *heads = at[K("heads")], *kv = at[K("kv_heads")], *seq = at[K("seq")];
    const struct config_entry *maxs = at[K("max_seq")], *ffk = at[K("ffn_kind")], *nrm = at[K("norm")];
    int64_t max_seq = maxs ? (int64_t)v[K("max_seq")] : a->positions;
    if (a->hidden % a->heads)
        return config_errf(e, DT_EINVAL, heads, "hidden %lld is not divisible by %lld heads", (long long)a->hidden,
                           (long long)a->heads);
    if (kv && (a->kv_heads > a->heads || a->heads % a->kv_heads))
        return config_errf(e, DT_EINVAL, kv, "%lld heads are not divisible into %lld key/value heads",
                           (long long)a->heads, (long long)a->kv_heads);
    if (!maxs && !a->positions)
        return dt_errf(e, DT_EINVAL, "%s:%d: [%s] max_seq: missing required key (rotary positions: the longest "
                       "sequence accepted)", first->file, first->line, sec);
    if (a->positions && max_seq > a->positions)
        return config_errf(e, DT_EINVAL, maxs, "max_seq %lld exceeds the %lld learned positions", (long long)max_seq,
                           (long long)a->positions);
    if (a->seq > max_seq)
        return config_errf(e, DT_EINVAL, seq, "seq %lld exceeds max_seq %lld", (long long)a->seq, (long long)max_seq);
    if (a->kind == DNN_XF_ENCODER && (a->ffn_kind != DNN_FFN_GELU || a->norm != DNN_NORM_LAYERNORM))
        return config_errf(e, DT_EINVAL, a->ffn_kind != DNN_FFN_GELU ? ffk : nrm,
                           "an encoder (BERT layout) takes ffn_kind = gelu and norm = layernorm");
    if (a->kind == DNN_XF_DECODER && a->norm == DNN_NORM_LAYERNORM && a->ffn_kind != DNN_FFN_GELU)
        return config_errf(e, DT_EINVAL, ffk,
                           "a layernorm decoder (GPT-2 layout) takes ffn_kind = gelu; swiglu comes with norm = rmsnorm");
    if (a->kind == DNN_XF_ENCODER && a->tied)
        return config_errf(e, DT_EINVAL, at[K("tied")], "an encoder (BERT layout) has no LM head to tie: tied = no");
#undef K
    const char *sum, *src;
    const struct config_entry *dummy;
    double d;
    row_get(c, sec, first, "summary", &sum, &dummy, &d, e);
    row_get(c, sec, first, "source", &src, &dummy, &d, e);
    r->name = dup_or_null(config_section_name(sec));
    r->summary = dup_or_null(sum);
    r->source = dup_or_null(src);
    if (!r->name || !r->summary || !r->source) return dt_errf(e, DT_ENOMEM, "out of memory");
    if (a->seq > INT_MAX || max_seq > INT_MAX)
        return dt_errf(e, DT_ERANGE, "%s:%d: [%s] seq too long", first->file, first->line, sec);
    r->m = (struct dnn_model){r->name, r->summary, DNN_IN_TOKENS, (int)a->seq, (int)max_seq, build_transformer, NULL};
    return 0;
}

/* Read one file's rows onto zoo.rows. */
static int load_file(const char *path, dt_err *e)
{
    config *c;
    int rc = config_load(&c, path, e);
    if (rc) return rc;
    if ((rc = config_check(c, row_schema, NROW_SCHEMA, NULL, e))) goto out;
    /* a key given twice in a row (or in a repeated [model NAME]) would be
     * read as the last one: refused */
    for (size_t i = 1; i < config_count(c); i++)
        for (size_t j = 0; j < i; j++) {
            const struct config_entry *x = config_at(c, i), *y = config_at(c, j);
            if (strcmp(x->section, y->section) == 0 && strcmp(x->key, y->key) == 0) {
                rc = config_errf(e, DT_EINVAL, x, "given twice in [%s] (first at %s:%d)", x->section, y->file, y->line);
                goto out;
            }
        }
    for (size_t i = 0; i < config_nsections(c); i++) {
        const char *sec = config_section_at(c, i);
        const struct config_entry *first = NULL;
        for (size_t k = 0; k < config_count(c) && !first; k++)
            if (strcmp(config_at(c, k)->section, sec) == 0) first = config_at(c, k);
        if (!first) continue;
        const char *name = config_section_name(sec);
        if (!name[0]) {
            rc = dt_errf(e, DT_EINVAL, "%s:%d: [%s]: a row needs a name, [model NAME]", first->file, first->line, sec);
            goto out;
        }
        for (size_t k = 0; k < NIMAGE; k++)
            if (strcmp(name, image_models[k].name) == 0) {
                rc = dt_errf(e, DT_EINVAL, "%s:%d: [%s]: '%s' is a built-in image model", first->file, first->line,
                             sec, name);
                goto out;
            }
        for (size_t k = 0; k < zoo.nrows; k++)
            if (strcmp(name, zoo.rows[k].name) == 0) {
                rc = dt_errf(e, DT_EINVAL, "%s:%d: [%s] defined twice", first->file, first->line, sec);
                goto out;
            }
        struct xf_row *g = realloc(zoo.rows, (zoo.nrows + 1) * sizeof *g);
        if (!g) {
            rc = dt_errf(e, DT_ENOMEM, "out of memory");
            goto out;
        }
        zoo.rows = g;
        memset(&zoo.rows[zoo.nrows], 0, sizeof *g);
        rc = row_fill(c, sec, first, &zoo.rows[zoo.nrows], e);
        zoo.nrows++; /* strings freed with the rest on error */
        if (rc) goto out;
    }
out:
    config_free(c);
    return rc;
}

static void free_rows(void)
{
    for (size_t i = 0; i < zoo.nrows; i++) {
        free(zoo.rows[i].name);
        free(zoo.rows[i].summary);
        free(zoo.rows[i].source);
    }
    free(zoo.rows);
    zoo.rows = NULL;
    zoo.nrows = 0;
}

/* Read every *.ini of dir, by name, onto zoo.rows. */
static int xf_load_dir(const char *dir, dt_err *e)
{
    int rc = 0;
    DIR *d = opendir(dir);
    if (!d) return dt_errf(e, DT_ENOENT, "cannot open models directory '%s': %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".ini") != 0) continue;
        char *full = malloc(strlen(dir) + l + 2);
        char **g = full ? realloc(names, (n + 1) * sizeof *g) : NULL;
        if (!g) {
            free(full);
            rc = dt_errf(e, DT_ENOMEM, "out of memory");
            break;
        }
        names = g;
        sprintf(full, "%s/%s", dir, de->d_name);
        names[n++] = full;
    }
    closedir(d);
    if (!rc && !n) rc = dt_errf(e, DT_ENOENT, "models directory '%s' has no *.ini files", dir);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && !rc; i++) rc = load_file(names[i], e);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

static int xf_load(dt_err *e)
{
    char dir[PATH_MAX];
    int rc = models_dir(dir, sizeof dir, e);
    return rc ? rc : xf_load_dir(dir, e);
}

int dnn_models_check(const char *dir, dt_err *e)
{
    struct xf_row *rows = zoo.rows;
    size_t nrows = zoo.nrows;
    zoo.rows = NULL;
    zoo.nrows = 0;
    int rc = xf_load_dir(dir, e);
    free_rows();
    zoo.rows = rows;
    zoo.nrows = nrows;
    return rc;
}

int dnn_models_load(dt_err *e)
{
    if (!zoo.loaded) {
        zoo.loaded = 1;
        dt_err le;
        zoo.rc = xf_load(&le);
        if (zoo.rc) {
            snprintf(zoo.msg, sizeof zoo.msg, "%s", le.msg);
            free_rows();
        }
        for (size_t i = 0; i < zoo.nrows; i++) zoo.rows[i].m.arch = &zoo.rows[i].a; /* rows no longer move */
        zoo.all = malloc((NIMAGE + zoo.nrows) * sizeof *zoo.all);
        if (!zoo.all) {
            zoo.rc = DT_ENOMEM;
            snprintf(zoo.msg, sizeof zoo.msg, "out of memory");
        } else {
            for (size_t i = 0; i < NIMAGE; i++) zoo.all[zoo.nall++] = &image_models[i];
            for (size_t i = 0; i < zoo.nrows; i++) zoo.all[zoo.nall++] = &zoo.rows[i].m;
        }
    }
    if (zoo.rc) return dt_errf(e, zoo.rc, "%s", zoo.msg);
    return 0;
}

int64_t dnn_model_vocab(const struct dnn_model *m)
{
    if (m->input != DNN_IN_TOKENS || m->build != build_transformer) return 0;
    return ((const struct dnn_xf *)m->arch)->vocab;
}

const struct dnn_model *const *dnn_models(size_t *n)
{
    dnn_models_load(NULL);
    if (!zoo.all) {
        static const struct dnn_model *const images[] = {&image_models[0], &image_models[1], &image_models[2],
                                                         &image_models[3]};
        _Static_assert(sizeof images / sizeof images[0] == NIMAGE, "images lists every image model");
        *n = NIMAGE;
        return images;
    }
    *n = zoo.nall;
    return zoo.all;
}

const struct dnn_model *dnn_find(const char *name, dt_err *e)
{
    if (dnn_models_load(e)) return NULL;
    size_t n;
    const struct dnn_model *const *ms = dnn_models(&n);
    const char **names = malloc(n * sizeof *names);
    if (!names) {
        dt_errf(e, DT_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        names[i] = ms[i]->name;
        if (name && strcmp(name, ms[i]->name) == 0) {
            free(names);
            return ms[i];
        }
    }
    if (!name) name = "";
    char list[768];
    strsim_join(list, sizeof list, names, n);
    const char *near = strsim_nearest(name, names, n);
    if (near)
        dt_errf(e, DT_ENOENT, "unknown model '%s' (did you mean '%s'?); valid: %s", name, near, list);
    else
        dt_errf(e, DT_ENOENT, "unknown model '%s'; valid: %s", name, list);
    free(names);
    return NULL;
}

int dnn_xf_arch(const struct dnn_model *m, const struct dnn_xf_override *o, struct dnn_xf *out, dt_err *e)
{
    if (!m || m->build != build_transformer)
        return dt_errf(e, DT_EINVAL, "model '%s' is not a transformer: layers, hidden, heads, kv_heads, ffn, vocab "
                       "and seq apply to transformer rows only", m ? m->name : "");
    const struct dnn_xf *a = m->arch;
    *out = *a;
    if (!o) return 0;
    const int64_t f[7] = {o->layers, o->hidden, o->heads, o->kv_heads, o->ffn, o->vocab, o->seq};
    static const char *const fn[7] = {"layers", "hidden", "heads", "kv_heads", "ffn", "vocab", "seq"};
    for (int i = 0; i < 7; i++)
        if (f[i] < 0 || f[i] > (int64_t)INT_MAX)
            return dt_errf(e, DT_ERANGE, "%s: %s %lld out of range (1..%d)", m->name, fn[i], (long long)f[i], INT_MAX);
    if (o->layers) out->layers = o->layers;
    if (o->hidden) out->hidden = o->hidden;
    if (o->heads) {
        out->heads = o->heads;
        if (a->kv_heads == a->heads && !o->kv_heads) out->kv_heads = o->heads; /* no GQA: stays without */
    }
    if (o->kv_heads) out->kv_heads = o->kv_heads;
    if (o->ffn) out->ffn = o->ffn;
    if (o->vocab) out->vocab = o->vocab;
    if (o->seq) out->seq = o->seq;
    if (out->hidden % out->heads)
        return dt_errf(e, DT_EINVAL, "%s: hidden %lld is not divisible by %lld heads", m->name, (long long)out->hidden,
                       (long long)out->heads);
    if (out->kv_heads > out->heads || out->heads % out->kv_heads)
        return dt_errf(e, DT_EINVAL, "%s: %lld heads are not divisible into %lld key/value heads", m->name,
                       (long long)out->heads, (long long)out->kv_heads);
    if (out->positions && out->seq > out->positions)
        return dt_errf(e, DT_EINVAL, "%s: seq %lld exceeds the %lld learned positions", m->name, (long long)out->seq,
                       (long long)out->positions);
    if (out->seq > m->max_size)
        return dt_errf(e, DT_EINVAL, "%s: seq %lld exceeds the row's max_seq %d (its context window)", m->name,
                       (long long)out->seq, m->max_size);
    return 0;
}
