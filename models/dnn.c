/* dnn.c -- the layer builder and the per-kind cost formulas (see dnn.h). */
#include "dnn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
#define DNN_KIND_STR_(k, s) s,
    DNN_KIND_MAP(DNN_KIND_STR_)
#undef DNN_KIND_STR_
};

const char *dnn_kind_name(enum dnn_kind k)
{
    return (unsigned)k < DNN_NKINDS ? kind_names[k] : "?";
}

int64_t dnn_shape_elems(const struct dnn_shape *s)
{
    int64_t n = 1;
    for (int i = 0; i < s->ndim; i++)
        n *= s->d[i];
    return n;
}

char *dnn_shape_str(const struct dnn_shape *s, char *buf, size_t len)
{
    size_t at = 0;
    if (len) buf[0] = '\0';
    for (int i = 0; i < s->ndim && at < len; i++) {
        int w = snprintf(buf + at, len - at, "%s%lld", i ? "x" : "", (long long)s->d[i]);
        if (w < 0) break;
        at += (size_t)w;
    }
    return buf;
}

static struct dnn_shape shape1(int64_t a) { return (struct dnn_shape){1, {a, 0, 0}}; }
static struct dnn_shape shape2(int64_t a, int64_t b) { return (struct dnn_shape){2, {a, b, 0}}; }
static struct dnn_shape shape3(int64_t a, int64_t b, int64_t c) { return (struct dnn_shape){3, {a, b, c}}; }

static int shape_eq(const struct dnn_shape *a, const struct dnn_shape *b)
{
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->d[i] != b->d[i]) return 0;
    return 1;
}

/* --- builder core --------------------------------------------------------- */

static int fail(struct dnn_builder *b, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct dnn_builder *b, int code, const char *fmt, ...)
{
    if (b->err) return b->err;
    char msg[sizeof b->e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    b->err = code;
    const struct dnn_model *m = b->net->model;
    if (!m) return dt_errf(b->e, code, "%s", msg);
    return dt_errf(b->e, code, "%s at %s %d: %s", m->name, m->input == DNN_IN_IMAGE ? "resolution" : "sequence length",
                   b->net->size, msg);
}

void dnn_scope(struct dnn_builder *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->scope, sizeof b->scope, fmt, ap);
    va_end(ap);
}

/* Append a layer of `kind` reading b->cur; the caller fills the costs. */
static struct dnn_layer *push(struct dnn_builder *b, const char *name, enum dnn_kind kind)
{
    if (b->err) return NULL;
    struct dnn_net *n = b->net;
    if (n->nlayers == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        struct dnn_layer *l = realloc(n->layers, cap * sizeof *l);
        if (!l) {
            fail(b, DT_ENOMEM, "out of memory for %zu layers", cap);
            return NULL;
        }
        n->layers = l;
        b->cap = cap;
    }
    char full[2 * DNN_NAME_MAX + 2];
    int len = snprintf(full, sizeof full, "%s%s%s", b->scope, b->scope[0] ? "." : "", name);
    if (len < 0 || len >= DNN_NAME_MAX) {
        fail(b, DT_EINVAL, "layer name '%s' longer than %d bytes", full, DNN_NAME_MAX - 1);
        return NULL;
    }
    struct dnn_layer *l = &n->layers[n->nlayers++];
    memset(l, 0, sizeof *l);
    memcpy(l->name, full, (size_t)len + 1);
    l->kind = kind;
    l->block = -1; /* the architecture's builder marks its blocks */
    l->in = b->cur;
    l->in_elems = dnn_shape_elems(&b->cur);
    return l;
}

/* Set the output shape and move the cursor. */
static void finish(struct dnn_builder *b, struct dnn_layer *l, struct dnn_shape out)
{
    l->out = out;
    l->out_elems = dnn_shape_elems(&out);
    b->cur = out;
}

/* Elementwise layer with per-element costs fwd/bwd-data/bwd-weight and
 * `params` parameters; output shape = input shape. */
static void eltwise(struct dnn_builder *b, const char *name, enum dnn_kind kind, int f, int bd, int bw, int64_t params)
{
    struct dnn_layer *l = push(b, name, kind);
    if (!l) return;
    int64_t n = l->in_elems;
    l->fwd_flops = f * n;
    l->bwd_data_flops = bd * n;
    l->bwd_weight_flops = bw * n;
    l->params = params;
    finish(b, l, b->cur);
}

/* Channels normalised: C of C x H x W, D (last dim) of S x D. */
static int64_t norm_channels(const struct dnn_shape *s)
{
    return s->ndim == 3 ? s->d[0] : s->d[s->ndim - 1];
}

void dnn_bn(struct dnn_builder *b, const char *name)
{
    if (!b->err && b->cur.ndim != 3) {
        fail(b, DT_EINVAL, "layer '%s' (bn) needs a C x H x W input", name);
        return;
    }
    eltwise(b, name, DNN_BN, 5, 5, 3, 2 * norm_channels(&b->cur));
}

void dnn_layernorm(struct dnn_builder *b, const char *name)
{
    eltwise(b, name, DNN_LAYERNORM, 5, 5, 3, 2 * norm_channels(&b->cur));
}

void dnn_rmsnorm(struct dnn_builder *b, const char *name)
{
    eltwise(b, name, DNN_RMSNORM, 4, 4, 2, norm_channels(&b->cur));
}

void dnn_swiglu(struct dnn_builder *b, const char *name, const struct dnn_shape *other)
{
    if (b->err) return;
    if (!shape_eq(&b->cur, other)) {
        char x[64], y[64];
        fail(b, DT_EINVAL, "layer '%s' (swiglu): gate and up shapes %s and %s differ", name,
             dnn_shape_str(&b->cur, x, sizeof x), dnn_shape_str(other, y, sizeof y));
        return;
    }
    eltwise(b, name, DNN_SWIGLU, 5, 8, 0, 0);
    if (!b->err) b->net->layers[b->net->nlayers - 1].in_elems *= 2; /* gate and up */
}

void dnn_relu(struct dnn_builder *b, const char *name) { eltwise(b, name, DNN_RELU, 1, 1, 0, 0); }
void dnn_gelu(struct dnn_builder *b, const char *name) { eltwise(b, name, DNN_GELU, 8, 8, 0, 0); }
void dnn_tanh(struct dnn_builder *b, const char *name) { eltwise(b, name, DNN_TANH, 8, 8, 0, 0); }
void dnn_softmax(struct dnn_builder *b, const char *name) { eltwise(b, name, DNN_SOFTMAX, 5, 4, 0, 0); }

/* Spatial output size; 0 when the window does not fit. */
static int64_t out_dim(int64_t in, int k, int stride, int pad)
{
    if (in + 2 * pad < k) return 0;
    return (in + 2 * pad - k) / stride + 1;
}

static int check_window(struct dnn_builder *b, const char *name, int k, int stride, int pad)
{
    if (b->err) return b->err;
    if (b->cur.ndim != 3)
        return fail(b, DT_EINVAL, "layer '%s' needs a C x H x W input", name);
    if (k < 1 || stride < 1 || pad < 0)
        return fail(b, DT_EINVAL, "layer '%s': bad window k=%d stride=%d pad=%d", name, k, stride, pad);
    if (out_dim(b->cur.d[1], k, stride, pad) < 1 || out_dim(b->cur.d[2], k, stride, pad) < 1)
        return fail(b, DT_ERANGE, "layer '%s' gets a %lldx%lld input, smaller than its %dx%d window (padding %d)",
                    name, (long long)b->cur.d[1], (long long)b->cur.d[2], k, k, pad);
    return 0;
}

void dnn_conv(struct dnn_builder *b, const char *name, int64_t cout, int k, int stride, int pad, int groups, int bias)
{
    if (check_window(b, name, k, stride, pad)) return;
    int64_t cin = b->cur.d[0];
    if (groups < 1 || cin % groups || cout % groups) {
        fail(b, DT_EINVAL, "layer '%s': %lld -> %lld channels not divisible into %d groups", name,
             (long long)cin, (long long)cout, groups);
        return;
    }
    int64_t ho = out_dim(b->cur.d[1], k, stride, pad), wo = out_dim(b->cur.d[2], k, stride, pad);
    struct dnn_layer *l = push(b, name, DNN_CONV);
    if (!l) return;
    int64_t w = (int64_t)k * k * (cin / groups) * cout;
    int64_t n = cout * ho * wo;
    l->params = w + (bias ? cout : 0);
    l->macs = w * ho * wo;
    l->fwd_flops = 2 * l->macs + (bias ? n : 0);
    l->bwd_data_flops = 2 * l->macs;
    l->bwd_weight_flops = 2 * l->macs + (bias ? n : 0);
    finish(b, l, shape3(cout, ho, wo));
}

void dnn_maxpool(struct dnn_builder *b, const char *name, int k, int stride, int pad)
{
    if (check_window(b, name, k, stride, pad)) return;
    int64_t c = b->cur.d[0];
    int64_t ho = out_dim(b->cur.d[1], k, stride, pad), wo = out_dim(b->cur.d[2], k, stride, pad);
    struct dnn_layer *l = push(b, name, DNN_MAXPOOL);
    if (!l) return;
    int64_t n = c * ho * wo;
    l->fwd_flops = (int64_t)k * k * n;
    l->bwd_data_flops = n;
    finish(b, l, shape3(c, ho, wo));
}

void dnn_avgpool(struct dnn_builder *b, const char *name, int oh, int ow)
{
    if (b->err) return;
    if (b->cur.ndim != 3 || oh < 1 || ow < 1) {
        fail(b, DT_EINVAL, "layer '%s' (avgpool) needs a C x H x W input and a positive output size", name);
        return;
    }
    int64_t c = b->cur.d[0];
    struct dnn_layer *l = push(b, name, DNN_AVGPOOL);
    if (!l) return;
    int64_t n = c * oh * ow;
    /* Adaptive pooling: each output averages its window (non-overlapping
     * when the input is a multiple of the output): one add per input, one
     * divide per output; backward spreads each output gradient. */
    l->fwd_flops = l->in_elems + n;
    l->bwd_data_flops = l->in_elems;
    finish(b, l, shape3(c, oh, ow));
}

void dnn_fc(struct dnn_builder *b, const char *name, int64_t dout, int bias, int tied)
{
    if (b->err) return;
    if (dout < 1) {
        fail(b, DT_EINVAL, "layer '%s' (fc): output size must be positive", name);
        return;
    }
    struct dnn_shape in = b->cur;
    if (in.ndim == 3) in = shape1(dnn_shape_elems(&in)); /* flatten C x H x W */
    int64_t din = in.d[in.ndim - 1];
    int64_t rows = dnn_shape_elems(&in) / din;
    struct dnn_layer *l = push(b, name, DNN_FC);
    if (!l) return;
    int64_t n = rows * dout;
    l->params = tied ? 0 : din * dout + (bias ? dout : 0);
    l->macs = rows * din * dout;
    l->fwd_flops = 2 * l->macs + (bias ? n : 0);
    l->bwd_data_flops = 2 * l->macs;
    l->bwd_weight_flops = 2 * l->macs + (bias ? n : 0);
    struct dnn_shape out = in;
    out.d[out.ndim - 1] = dout;
    finish(b, l, out);
}

void dnn_add(struct dnn_builder *b, const char *name, const struct dnn_shape *other)
{
    if (b->err) return;
    if (!shape_eq(&b->cur, other)) {
        char x[64], y[64];
        fail(b, DT_EINVAL, "layer '%s' (add): shapes %s and %s differ", name,
             dnn_shape_str(&b->cur, x, sizeof x), dnn_shape_str(other, y, sizeof y));
        return;
    }
    struct dnn_layer *l = push(b, name, DNN_ADD);
    if (!l) return;
    l->in_elems *= 2;
    l->fwd_flops = dnn_shape_elems(other);
    finish(b, l, b->cur);
}

void dnn_embedding(struct dnn_builder *b, const char *name, const int64_t *rows, int ntables, int64_t dim)
{
    if (b->err) return;
    if (b->cur.ndim != 1 || ntables < 1 || dim < 1) {
        fail(b, DT_EINVAL, "layer '%s' (embedding) needs a 1-D input of token ids", name);
        return;
    }
    int64_t s = b->cur.d[0];
    struct dnn_layer *l = push(b, name, DNN_EMBEDDING);
    if (!l) return;
    int64_t n = s * dim;
    for (int t = 0; t < ntables; t++)
        l->params += rows[t] * dim;
    l->in_elems = ntables * n; /* rows gathered; see dnn_layer_fwd_bytes */
    l->fwd_flops = (ntables - 1) * n;
    l->bwd_weight_flops = ntables * n;
    finish(b, l, shape2(s, dim));
}

void dnn_attn_scores(struct dnn_builder *b, const char *name, int64_t heads)
{
    if (b->err) return;
    if (b->cur.ndim != 2 || heads < 1 || b->cur.d[1] % heads) {
        fail(b, DT_EINVAL, "layer '%s' (attention scores) needs S x D with D divisible by %lld heads", name,
             (long long)heads);
        return;
    }
    int64_t s = b->cur.d[0], d = b->cur.d[1];
    struct dnn_layer *l = push(b, name, DNN_MATMUL);
    if (!l) return;
    l->in_elems = 2 * s * d;            /* Q and K */
    l->macs = heads * s * s * (d / heads); /* = S*S*D */
    l->fwd_flops = 2 * l->macs;
    l->bwd_data_flops = 4 * l->macs;   /* dQ = dS K, dK = dS^T Q */
    finish(b, l, shape3(heads, s, s));
}

void dnn_attn_context(struct dnn_builder *b, const char *name, int64_t dim)
{
    if (b->err) return;
    if (b->cur.ndim != 3 || b->cur.d[1] != b->cur.d[2] || dim % b->cur.d[0]) {
        fail(b, DT_EINVAL, "layer '%s' (attention context) needs heads x S x S scores", name);
        return;
    }
    int64_t h = b->cur.d[0], s = b->cur.d[1];
    struct dnn_layer *l = push(b, name, DNN_MATMUL);
    if (!l) return;
    l->in_elems += s * dim;            /* P and V */
    l->macs = h * s * s * (dim / h);
    l->fwd_flops = 2 * l->macs;
    l->bwd_data_flops = 4 * l->macs;   /* dP = dO V^T, dV = P^T dO */
    finish(b, l, shape2(s, dim));
}

void dnn_take_rows(struct dnn_builder *b, int64_t rows)
{
    if (b->err) return;
    if (b->cur.ndim != 2 || rows < 1 || rows > b->cur.d[0]) {
        fail(b, DT_EINVAL, "cannot take %lld rows of the current tensor", (long long)rows);
        return;
    }
    b->cur.d[0] = rows;
}

/* --- nets ----------------------------------------------------------------- */

void dnn_free(struct dnn_net *net)
{
    if (!net) return;
    free(net->layers);
    memset(net, 0, sizeof *net);
}

int dnn_build(const struct dnn_model *m, const struct dnn_opts *o, struct dnn_net *net, dt_err *e)
{
    memset(net, 0, sizeof *net);
    if (!m || !m->build) return dt_errf(e, DT_EINVAL, "no model given");
    /* transformer overrides: build a copy of the row with them applied
     * (net->model stays the registry's row) */
    const struct dnn_model *reg = m;
    struct dnn_model over;
    struct dnn_xf arch;
    if (o && o->xf) {
        const struct dnn_xf_override *x = o->xf;
        if (x->layers || x->hidden || x->heads || x->kv_heads || x->ffn || x->vocab || x->seq) {
            int rc = dnn_xf_arch(m, x, &arch, e);
            if (rc) return rc;
            over = *m;
            over.arch = &arch;
            over.default_size = (int)arch.seq; /* within max_size: dnn_xf_arch */
            m = &over;
        }
    }
    int size = o && o->size ? o->size : m->default_size;
    int eb = o && o->elem_bytes ? o->elem_bytes : 4;
    const char *what = m->input == DNN_IN_IMAGE ? "resolution" : "sequence length";
    if (size < 1 || size > m->max_size)
        return dt_errf(e, DT_ERANGE, "%s: %s %d out of range (1..%d)", m->name, what, size, m->max_size);
    if (eb < 1 || eb > 8)
        return dt_errf(e, DT_ERANGE, "%s: element size %d bytes out of range (1..8)", m->name, eb);
    net->model = reg;
    net->size = size;
    net->elem_bytes = eb;
    net->input = m->input == DNN_IN_IMAGE ? shape3(3, size, size) : shape1(size);
    struct dnn_builder b = {.net = net, .cur = net->input, .e = e};
    int rc = m->build(&b, m, size);
    if (!rc) rc = b.err;
    if (rc) {
        dnn_free(net);
        return rc;
    }
    for (size_t i = 0; i < net->nlayers; i++) {
        struct dnn_layer *l = &net->layers[i];
        if (i == 0) l->bwd_data_flops = 0; /* nothing upstream needs it */
        l->act_bytes = l->out_elems * eb;
        net->params += l->params;
        net->macs += l->macs;
        net->fwd_flops += l->fwd_flops;
        net->bwd_data_flops += l->bwd_data_flops;
        net->bwd_weight_flops += l->bwd_weight_flops;
        net->act_bytes += l->act_bytes;
    }
    net->bwd_flops = net->bwd_data_flops + net->bwd_weight_flops;
    return 0;
}

int dnn_build_name(const char *name, const struct dnn_opts *o, struct dnn_net *net, dt_err *e)
{
    memset(net, 0, sizeof *net);
    const struct dnn_model *m = dnn_find(name, e);
    if (!m) return e ? e->code : DT_ENOENT;
    return dnn_build(m, o, net, e);
}

int64_t dnn_layer_grad_bytes(const struct dnn_layer *l, int elem_bytes)
{
    return l->params * elem_bytes;
}

/* Weights a pass reads: all of them, except an embedding's gathered rows,
 * which are already counted in in_elems. */
static int64_t weights_read(const struct dnn_layer *l)
{
    return l->kind == DNN_EMBEDDING ? 0 : l->params;
}

int64_t dnn_layer_fwd_bytes(const struct dnn_layer *l, int64_t batch, int elem_bytes)
{
    return elem_bytes * (weights_read(l) + batch * (l->in_elems + l->out_elems));
}

int64_t dnn_layer_bwd_bytes(const struct dnn_layer *l, int64_t batch, int elem_bytes)
{
    return elem_bytes * (2 * weights_read(l) + batch * (2 * l->in_elems + l->out_elems));
}
