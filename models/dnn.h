/* dnn.h -- DNN layer tables: shapes, FLOPs, parameters and bytes per layer.
 *
 * A network is not a hand-typed table: each model is a short architecture
 * description (ResNet bottleneck stages, VGG blocks, transformer encoder or
 * decoder blocks) run through a small builder that appends one layer at a
 * time and carries the shape flowing between them. The result is a flat
 * array of layers in forward execution order:
 *
 *     dnn_find("resnet50")  -> const struct dnn_model  (registry, dnn_zoo.c)
 *     dnn_build(model, opts) -> struct dnn_net { layers[], totals }
 *     dnn_free(net)
 *
 * Every count is PER SAMPLE (one image, or one sequence of seq_len tokens);
 * multiply by the per-GPU batch. Parameters and weight bytes do not scale.
 *
 * Shapes: images are C x H x W; token tensors are S x D (sequence x hidden);
 * attention scores are heads x S x S; a fully connected layer after a CNN
 * flattens C x H x W to one dimension. Spatial output size is
 *     Hout = floor((H + 2*pad - k) / stride) + 1
 *
 * Conventions (FLOPs = 2 x multiply-adds; one add, multiply, compare, exp
 * or tanh counts as 1 FLOP). n = output elements, m = MACs:
 *
 *   kind       MACs m                       fwd      bwd data   bwd weight  params
 *   conv       K*K*Cin/groups*Cout*Ho*Wo    2m (+n)  2m [1]     2m (+n)     K*K*Cin/g*Cout (+Cout)
 *   fc         rows*Din*Dout                2m (+n)  2m [1]     2m (+n)     Din*Dout (+Dout)
 *   matmul     batch*M*N*K (two activations) 2m      4m [2]     0           0
 *   bn, ln     -                            5n       5n         3n          2*C (gamma, beta)
 *   relu       -                            n        n          0           0
 *   rmsnorm    -                            4n       4n         2n          C (gamma)
 *   gelu, tanh -                            8n       8n         0           0
 *   swiglu     -                            5n       8n         0           0
 *   softmax    -                            5n       4n         0           0
 *   maxpool    -                            K*K*n    n          0           0
 *   avgpool    -                            in+n     in         0           0
 *   add        -                            n        0 [3]      0           0
 *   embedding  -                            (T-1)*n  0          T*n         sum(rows)*D
 *
 *   (+n)/(+Cout): only when the layer has a bias (bias add in forward,
 *   bias-gradient reduction in backward).
 *   [1] The first layer of a network computes no data gradient (its input
 *       is the data itself): bwd data = 0 there.
 *   [2] Both operands are activations (Q K^T, P V), so both get gradients.
 *   [3] The gradient of a sum passes unchanged to both branches.
 *   bn/ln forward: sum x, sum x^2 (3), y = x*s + t (2); backward weight:
 *   dgamma = sum(dy*xhat), dbeta = sum(dy) (3); backward data:
 *   dx = s*(dy - mean(dy) - xhat*mean(dy*xhat)) (5). softmax: max, sub,
 *   exp, sum, div forward; dx = y*(dy - sum(dy*y)) backward. gelu: tanh
 *   approximation. rmsnorm: layernorm without the mean: sum x^2 (2),
 *   y = x*r*g (2) forward; dgamma = sum(dy*xhat) (2); dx (4).
 *   swiglu: silu(gate) * up, gate and up both S x F inputs (n = S*F
 *   outputs): sigmoid (3), x*sigmoid (1), *up (1) forward; backward
 *   d_up = dy*silu (1), d_gate = dy*up*silu' with silu' = s(1 + g(1-s))
 *   (7). embedding: T tables (word, position, type) gathered and
 *   summed; the weight gradient scatter-adds into each table.
 *   Dropout is not a layer here (cheap, and fused in practice).
 *   Elementwise counts are order-of-magnitude: those layers are memory
 *   bound, and their time comes from the bytes term below.
 *
 * Bytes moved, for a roofline memory term (element size E, batch B):
 *   forward   E * (W + B*(in + out))
 *   backward  E * (2*W + B*(2*in + out))  read W and x and dy, write dx, dW
 * where in counts every input (both operands of add/matmul) and W = params,
 * except an embedding, which reads only the rows it gathers (counted in
 * `in`), so W = 0 there.
 *
 * Activation bytes: each layer's output, E * out elements per sample, as if
 * no op ran in place (an upper bound on what backward keeps).
 *
 * Gradient bytes of a layer (what data parallelism all-reduces):
 *   params * E_grad (fp32 4, fp16 2).
 * A layer whose weights are tied to an earlier one (GPT-2's LM head uses
 * the token embedding) has params 0: the gradient is counted once, at the
 * layer that owns the weights.
 */
#ifndef DT_DNN_H
#define DT_DNN_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define DNN_KIND_MAP(X)                                      \
    X(CONV, "conv")                                          \
    X(BN, "bn")                                              \
    X(RELU, "relu")                                          \
    X(MAXPOOL, "maxpool")                                    \
    X(AVGPOOL, "avgpool")                                    \
    X(FC, "fc")                                              \
    X(ADD, "add")                                            \
    X(EMBEDDING, "embedding")                                \
    X(MATMUL, "matmul")                                      \
    X(SOFTMAX, "softmax")                                    \
    X(LAYERNORM, "layernorm")                                \
    X(GELU, "gelu")                                          \
    X(TANH, "tanh")                                          \
    X(RMSNORM, "rmsnorm")                                    \
    X(SWIGLU, "swiglu")

enum dnn_kind {
#define DNN_KIND_ENUM_(k, s) DNN_##k,
    DNN_KIND_MAP(DNN_KIND_ENUM_)
#undef DNN_KIND_ENUM_
    DNN_NKINDS
};

/* "conv", "bn", ... */
const char *dnn_kind_name(enum dnn_kind k);

#define DNN_MAXDIM 3
struct dnn_shape {
    int ndim;                 /* 1..3 */
    int64_t d[DNN_MAXDIM];    /* elements per dimension: C,H,W or S,D or heads,S,S */
};

/* Number of elements (product of dims). */
int64_t dnn_shape_elems(const struct dnn_shape *s);
/* "64x112x112"; returns buf. */
char *dnn_shape_str(const struct dnn_shape *s, char *buf, size_t len);

#define DNN_NAME_MAX 64
struct dnn_layer {
    char name[DNN_NAME_MAX];   /* torchvision / Hugging Face module path: "layer1.0.conv2" */
    enum dnn_kind kind;
    struct dnn_shape in;       /* main input (elements) */
    struct dnn_shape out;      /* output (elements) */
    int64_t params;            /* trainable parameters (count); gradient bytes = params * E */
    int64_t macs;              /* multiply-adds per sample (conv, fc, matmul; else 0) */
    int64_t fwd_flops;         /* forward FLOPs per sample */
    int64_t bwd_data_flops;    /* FLOPs per sample for the input gradient */
    int64_t bwd_weight_flops;  /* FLOPs per sample for the weight gradient */
    int64_t in_elems;          /* every input read, per sample (elements) */
    int64_t out_elems;         /* output per sample (elements) */
    int64_t act_bytes;         /* out_elems * elem_bytes: output activation per sample (bytes) */
    int block;                 /* repeated block (transformer layer i, ResNet bottleneck i in order); -1 outside
                                * (embedding, stem, final norm, head) */
};

/* Input kind of a model: what `size` means in dnn_opts. */
enum dnn_input { DNN_IN_IMAGE, DNN_IN_TOKENS };

struct dnn_builder;

struct dnn_model {
    const char *name;          /* registry key: "resnet50" */
    const char *summary;       /* one line: family, variant, source */
    enum dnn_input input;      /* image (size = resolution) or tokens (size = seq_len) */
    int default_size;          /* pixels (square input) or tokens */
    int max_size;              /* largest accepted size (pixels or tokens) */
    int (*build)(struct dnn_builder *b, const struct dnn_model *m, int size);
    const void *arch;          /* architecture description read by build */
};

/* A transformer architecture (a row of a configs/models file, after any
 * override). Every count is the model's, not one GPU's. */
enum dnn_xf_kind { DNN_XF_ENCODER = 0 /* BERT: post-LN */, DNN_XF_DECODER = 1 /* GPT, Llama: pre-LN */ };
enum dnn_ffn_kind { DNN_FFN_GELU = 0 /* 2 matrices h->ffn->h */, DNN_FFN_SWIGLU = 1 /* 3 matrices */ };
enum dnn_norm_kind { DNN_NORM_LAYERNORM = 0, DNN_NORM_RMSNORM = 1 };
struct dnn_xf {
    enum dnn_xf_kind kind;
    int64_t layers;            /* transformer blocks */
    int64_t hidden;            /* h */
    int64_t heads;             /* attention heads a */
    int64_t kv_heads;          /* key/value heads (grouped-query attention); = heads without GQA */
    int64_t ffn;               /* feed-forward width */
    enum dnn_ffn_kind ffn_kind;
    enum dnn_norm_kind norm;
    int64_t vocab;             /* token ids */
    int64_t seq;               /* default sequence length (tokens) */
    int64_t positions;         /* learned position table rows; 0: rotary (no table) */
    int64_t types;             /* token-type table rows (BERT: 2); 0: none */
    int tied;                  /* LM head shares the token embedding */
    int bias;                  /* linear layers have biases */
};

/* Overrides of a transformer row's fields (experiment model.layers ...,
 * or `--set`); 0 keeps the row's value. */
struct dnn_xf_override {
    int64_t layers, hidden, heads, kv_heads, ffn, vocab, seq;
};

struct dnn_opts {
    int size;                  /* resolution in pixels or sequence length in tokens; 0: model default */
    int elem_bytes;            /* activation element size (bytes); 0: 4 (fp32) */
    const struct dnn_xf_override *xf; /* transformer models: field overrides; NULL: none */
};

/* The architecture of a transformer model with overrides o (may be NULL)
 * applied and checked (hidden divisible by heads, heads by kv_heads, every
 * count >= 1). 0, DT_EINVAL for a model that is not a transformer
 * (message says so) or an override that does not make sense. */
int dnn_xf_arch(const struct dnn_model *m, const struct dnn_xf_override *o, struct dnn_xf *out, dt_err *e);

/* Training FLOPs per token of a transformer at sequence length seq
 * (forward + backward, no recompute): the 6N rule's 6 x params-in-matrices
 * plus the attention term 6 x 2 x layers x seq x hidden (Q K^T and P V,
 * forward 2 x 2 x s x h per token per layer, backward twice that; Kaplan
 * et al. 2020 table 1; Narayanan et al. 2021 eq. 3). Fills the two parts. */
double dnn_xf_train_flops_per_token(const struct dnn_xf *a, int64_t seq, double *six_n, double *attn);

struct dnn_net {
    const struct dnn_model *model;
    struct dnn_shape input;    /* per sample: 3xRxR, or S (token ids) */
    int size;                  /* resolution (pixels) or sequence length (tokens) */
    int elem_bytes;            /* element size used for act_bytes (bytes) */
    size_t nlayers;
    struct dnn_layer *layers;  /* forward order */
    /* totals per sample */
    int64_t params;            /* count */
    int64_t macs;              /* multiply-adds (conv, fc, matmul) */
    int64_t fwd_flops;         /* FLOPs */
    int64_t bwd_data_flops;    /* FLOPs */
    int64_t bwd_weight_flops;  /* FLOPs */
    int64_t bwd_flops;         /* bwd_data_flops + bwd_weight_flops */
    int64_t act_bytes;         /* sum of layer outputs (bytes) */
};

/* --- registry (dnn_zoo.c) ------------------------------------------------ */

/* The model named `name` (exact, case-sensitive). Unknown: NULL, e filled
 * with "unknown model 'x' (did you mean 'y'?); valid: a, b, c". */
const struct dnn_model *dnn_find(const char *name, dt_err *e);
/* Token models: the vocabulary (distinct token ids); 0 for image models. */
int64_t dnn_model_vocab(const struct dnn_model *m);
/* Read the transformer rows (configs/models/NAME.ini, or $DTSIM_MODELS) now;
 * dnn_find and dnn_models do it on first use. 0, or the first bad row's
 * error ("FILE:LINE: [model x] key: ..."), returned again on every call. */
int dnn_models_load(dt_err *e);
/* Read every row of the *.ini files in dir as the load does, and keep none:
 * 0 or the first bad row's error (tests; checking a models directory). */
int dnn_models_check(const char *dir, dt_err *e);
/* All models, in registry order (image models, then the rows by file name
 * and order in the file); *n set to their count. Rows that failed to load
 * (dnn_models_load) are absent. */
const struct dnn_model *const *dnn_models(size_t *n);

/* --- building ---------------------------------------------------------- */

/* Build the layer table of `m` with options `o` (NULL: defaults) into *net.
 * Returns 0, or DT_ERANGE (size out of range, input too small for a layer),
 * DT_ENOMEM; on error *net is left empty (safe to dnn_free). */
int dnn_build(const struct dnn_model *m, const struct dnn_opts *o, struct dnn_net *net, dt_err *e);
/* dnn_find + dnn_build. */
int dnn_build_name(const char *name, const struct dnn_opts *o, struct dnn_net *net, dt_err *e);
void dnn_free(struct dnn_net *net);

/* Gradient bytes of a layer at element size elem_bytes (params * E). */
int64_t dnn_layer_grad_bytes(const struct dnn_layer *l, int elem_bytes);
/* Bytes moved by forward / backward of a batch (see the formulas above). */
int64_t dnn_layer_fwd_bytes(const struct dnn_layer *l, int64_t batch, int elem_bytes);
int64_t dnn_layer_bwd_bytes(const struct dnn_layer *l, int64_t batch, int elem_bytes);

/* --- builder (used by the architecture descriptions) ---------------------
 * Each call appends one layer fed by the current shape `b->cur` and moves
 * `cur` to its output. The first error sticks: later calls do nothing and
 * dnn_build returns it. Names are "<scope>.<name>" (scope from
 * dnn_scope, empty at the top level). */
struct dnn_builder {
    struct dnn_net *net;
    size_t cap;                /* allocated layers */
    struct dnn_shape cur;      /* shape flowing into the next layer */
    char scope[DNN_NAME_MAX];  /* name prefix */
    int err;                   /* first error (0: none) */
    dt_err *e;
};

void dnn_scope(struct dnn_builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Conv k x k, stride, padding, groups; bias when `bias`. */
void dnn_conv(struct dnn_builder *b, const char *name, int64_t cout, int k, int stride, int pad, int groups, int bias);
void dnn_bn(struct dnn_builder *b, const char *name);
void dnn_relu(struct dnn_builder *b, const char *name);
void dnn_gelu(struct dnn_builder *b, const char *name);
void dnn_tanh(struct dnn_builder *b, const char *name);
void dnn_maxpool(struct dnn_builder *b, const char *name, int k, int stride, int pad);
/* Adaptive average pool to oh x ow (1x1: global average pool). */
void dnn_avgpool(struct dnn_builder *b, const char *name, int oh, int ow);
/* Fully connected over the last dimension (C x H x W is flattened first).
 * `tied`: weights owned by an earlier layer (params 0, FLOPs counted). */
void dnn_fc(struct dnn_builder *b, const char *name, int64_t dout, int bias, int tied);
/* Residual sum of `cur` and `other` (same shape). */
void dnn_add(struct dnn_builder *b, const char *name, const struct dnn_shape *other);
/* Token + position + type embeddings summed: cur must be 1-D (S token ids);
 * rows[] the table sizes (vocab, positions, types), ntables of them. */
void dnn_embedding(struct dnn_builder *b, const char *name, const int64_t *rows, int ntables, int64_t dim);
void dnn_layernorm(struct dnn_builder *b, const char *name);
/* RMSNorm over the last dimension (Llama): C weights, no bias, no mean. */
void dnn_rmsnorm(struct dnn_builder *b, const char *name);
/* SwiGLU: silu(gate) * up, one of them `cur`, the other `other`, both
 * S x F (same shape); reads both. */
void dnn_swiglu(struct dnn_builder *b, const char *name, const struct dnn_shape *other);
void dnn_softmax(struct dnn_builder *b, const char *name);
/* Attention scores Q K^T: cur = S x D -> heads x S x S (Q and K both S x D). */
void dnn_attn_scores(struct dnn_builder *b, const char *name, int64_t heads);
/* Attention context P V: cur = heads x S x S, V = S x D -> S x D. */
void dnn_attn_context(struct dnn_builder *b, const char *name, int64_t dim);
/* Keep only the first `rows` of an S x D tensor (BERT pooler: first token).
 * No layer is added; the next layer reads fewer elements. */
void dnn_take_rows(struct dnn_builder *b, int64_t rows);

#endif
