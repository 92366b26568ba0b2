/* experiment.c -- the experiment schema and its typed, checked struct.
 * See experiment.h; every default below is listed in docs/config.md and
 * printed by `dtsim config` with the origin "default". */
#include "experiment.h"
#include "strsim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 1048576.0 /* nodes, images per batch: generous bounds */

/* The schema. Ranges are inclusive; min == max == 0 means unbounded.
 * Sources of defaults: ImageNet-1k train set 1,281,167 images, 90 epochs,
 * 25 MB buckets (PyTorch DDP's default bucket_cap_mb), ~110 KB average JPEG
 * (docs/references.md, [U]). */
static const struct config_key schema[] = {
    /* [cluster] */
    {"cluster", "gpu", CONFIG_STRING, 0, 0, NULL, NULL, "GPU model, a [gpu NAME] row of the catalog"},
    {"cluster", "nodes", CONFIG_INT, 1, MAXN, NULL, NULL, "number of nodes"},
    {"cluster", "gpus_per_node", CONFIG_INT, 1, 64, NULL, NULL, "GPUs in each node"},
    {"cluster", "intra_link", CONFIG_STRING, 0, 0, NULL, "PCIe3-x16",
     "GPU-to-GPU link inside a node, a [link NAME] row of the catalog"},
    {"cluster", "nic", CONFIG_STRING, 0, 0, NULL, "100GbE", "network interface of a node, a [link NAME] row"},
    {"cluster", "intra_bw", CONFIG_BANDWIDTH, 1e3, 1e13, NULL, "catalog",
     "override the intra_link data rate per direction (what-if); catalog = the row's data_rate"},
    {"cluster", "nic_bw", CONFIG_BANDWIDTH, 1e3, 1e13, NULL, "catalog",
     "override the NIC data rate per direction (what-if); catalog = the row's data_rate"},
    {"cluster", "nics_per_node", CONFIG_INT, 1, 64, NULL, "1", "NICs (ports) per node, at most gpus_per_node; the all-reduce runs one channel per NIC (up to 8)"},
    {"cluster", "topology", CONFIG_ENUM, 0, 0, "single-switch|fat-tree|torus|dragonfly", "single-switch",
     "network topology between nodes"},
    {"cluster", "nodes_per_leaf", CONFIG_INT, 0, MAXN, NULL, "0",
     "nodes under one leaf switch (fat-tree) or one router (dragonfly); 0 = all nodes on one leaf"},
    {"cluster", "oversubscription", CONFIG_REAL, 1, 64, NULL, "1",
     "leaf switch down/up bandwidth ratio (1 = full bisection, 3 = 3:1)"},
    {"cluster", "dragonfly_routers", CONFIG_INT, 0, MAXN, NULL, "0",
     "routers per dragonfly group (all-to-all inside a group, one global link per group pair); required by "
     "topology = dragonfly"},
    {"cluster", "torus", CONFIG_STRING, 0, 0, NULL, "none",
     "node grid of a torus topology, XxY or XxYxZ (X*Y*Z = nodes), or none"},
    {"cluster", "switch_latency", CONFIG_TIME, 0, 1e-3, NULL, "100ns",
     "latency added by each switch a message crosses (InfiniBand: 100-150 ns [U])"},
    {"cluster", "cpu", CONFIG_STRING, 0, 0, NULL, "none",
     "host CPU, a [cpu NAME] row of the catalog, or none (use input.decode_per_core)"},
    {"cluster", "cpu_cores_per_node", CONFIG_INT, 1, 4096, NULL, "40", "CPU cores per node for the input pipeline"},
    {"cluster", "storage", CONFIG_STRING, 0, 0, NULL, "local-nvme", "where the dataset is read from, a [storage NAME] row"},
    /* [model] */
    {"model", "name", CONFIG_STRING, 0, 0, NULL, NULL, "DNN to train (dtsim model --list), e.g. resnet50"},
    {"model", "precision", CONFIG_ENUM, 0, 0, "fp32|fp16|amp|bf16", "fp32",
     "arithmetic: fp32, fp16, amp (fp16 math, fp32 master weights) or bf16 (bfloat16 math, fp32 master weights; "
     "GPUs with a bf16 rate only)"},
    {"model", "grad_precision", CONFIG_ENUM, 0, 0, "auto|fp32|fp16|bf16", "auto",
     "gradients on the wire (fp16 and bf16: 2 bytes); auto = bf16 when precision is bf16, fp16 when fp16 or amp, "
     "else fp32"},
    {"model", "stack", CONFIG_STRING, 0, 0, NULL, "pytorch-2.11",
     "training stack (framework and year), a [stack NAME] row (dtsim catalog stacks); none = ideal"},
    {"model", "layers", CONFIG_INT, 1, 1e6, NULL, "row",
     "transformer rows: blocks, overriding the row's (row = the row's value; dtsim model NAME --summary)"},
    {"model", "hidden", CONFIG_INT, 1, 1e7, NULL, "row", "transformer rows: hidden size (row = the row's value)"},
    {"model", "heads", CONFIG_INT, 1, 1e5, NULL, "row",
     "transformer rows: attention heads (row = the row's value; a row without grouped-query attention keeps "
     "kv_heads = heads)"},
    {"model", "kv_heads", CONFIG_INT, 1, 1e5, NULL, "row",
     "transformer rows: key/value heads, grouped-query attention (row = the row's value)"},
    {"model", "ffn", CONFIG_INT, 1, 1e8, NULL, "row", "transformer rows: feed-forward width (row = the row's value)"},
    {"model", "vocab", CONFIG_INT, 1, 1e8, NULL, "row", "transformer rows: vocabulary (row = the row's value)"},
    {"model", "seq", CONFIG_INT, 1, 1 << 24, NULL, "row",
     "transformer rows: sequence length in tokens (row = the row's seq; at most its max_seq)"},
    /* [training] */
    {"training", "dataset_images", CONFIG_INT, 1, 1e12, NULL, "1281167", "training images per epoch (ImageNet-1k)"},
    {"training", "epochs", CONFIG_REAL, 0.001, 10000, NULL, "90", "epochs to train"},
    {"training", "batch", CONFIG_LIST, 0, 0, NULL, NULL,
     "global batch schedule 'epoch:batch, ...' from epoch 0, e.g. 0:34816, 30:69632; or one number"},
    {"training", "warmup_epochs", CONFIG_REAL, 0, 10000, NULL, "0", "learning-rate warm-up epochs (informational)"},
    {"training", "eval_images", CONFIG_INT, 0, 1e12, NULL, "0", "images evaluated after each epoch (0 = none)"},
    {"training", "startup", CONFIG_TIME, 0, 864000, NULL, "0s", "fixed time before the first iteration"},
    {"training", "tokens", CONFIG_REAL, 0, 1e16, NULL, "none",
     "token models: tokens to train, e.g. 300e9 (steps = tokens / (batch x seq)); none or 0 = train by epochs"},
    /* [parallel] (docs/parallel.md): a transformer split over GPUs */
    {"parallel", "tensor", CONFIG_INT, 1, 4096, NULL, "1", "tensor-parallel GPUs splitting each layer (TP)"},
    {"parallel", "pipeline", CONFIG_INT, 1, 4096, NULL, "1", "pipeline stages (PP)"},
    {"parallel", "data", CONFIG_INT, 1, MAXN * 64, NULL, "derived",
     "data-parallel replicas (DP); derived = GPUs / (tensor x pipeline)"},
    {"parallel", "microbatch", CONFIG_INT, 1, MAXN, NULL, "1",
     "sequences per microbatch; divides the local batch (training.batch / data)"},
    {"parallel", "schedule", CONFIG_ENUM, 0, 0, "gpipe|1f1b|interleaved", "1f1b",
     "pipeline schedule: gpipe (all forwards, then all backwards), 1f1b, interleaved (virtual_stages chunks)"},
    {"parallel", "virtual_stages", CONFIG_INT, 1, 1024, NULL, "1",
     "model chunks per GPU: >= 2 with schedule = interleaved, else 1"},
    {"parallel", "zero", CONFIG_INT, 0, 3, NULL, "0",
     "ZeRO stage: 1 shards optimizer state over data, 2 also gradients, 3 also weights"},
    {"parallel", "recompute", CONFIG_ENUM, 0, 0, "none|selective|full", "none",
     "activation recompute: none, selective (attention scores), full (each layer's input kept)"},
    {"parallel", "sequence_parallel", CONFIG_BOOL, 0, 0, NULL, "false",
     "split LayerNorm and dropout over tensor (TP all-reduce becomes reduce-scatter + all-gather)"},
    {"parallel", "placement", CONFIG_ENUM, 0, 0, "tp,pp,dp|tp,dp,pp", "tp,pp,dp",
     "rank order from innermost: tp,pp,dp puts a TP group inside a node, then stages, then replicas"},
    /* [allreduce] */
    {"allreduce", "algorithm", CONFIG_STRING, 0, 0, NULL, "ring", "all-reduce algorithm (dtsim coll --list)"},
    {"allreduce", "grid", CONFIG_STRING, 0, 0, NULL, "none",
     "2D rank grid XxY for 2D algorithms (X*Y = nodes*gpus_per_node), or none"},
    {"allreduce", "bucket", CONFIG_SIZE, 1, 1e12, NULL, "25MB", "gradient fusion bucket size"},
    {"allreduce", "inner", CONFIG_STRING, 0, 0, NULL, "none", "inter-node algorithm run among nodes by hierarchical all-reduces (none = ring)"},
    {"allreduce", "variant", CONFIG_STRING, 0, 0, NULL, "default", "algorithm variant"},
    {"allreduce", "chunks", CONFIG_INT, 1, 4096, NULL, "1", "pipeline chunks per message"},
    {"allreduce", "library", CONFIG_STRING, 0, 0, NULL, "nccl-current",
     "collective library, a [commlib NAME] row of the catalog: its software cost per call and per step; none = ideal"},
    /* [input] */
    {"input", "enabled", CONFIG_BOOL, 0, 0, NULL, "true", "model the input pipeline (read + decode)"},
    {"input", "decode", CONFIG_ENUM, 0, 0, "cpu|gpu", "cpu",
     "image models: JPEGs decoded on the CPU cores (cpu) or by the GPU's hardware JPEG decoder (gpu: the gpu row's "
     "jpeg_decode, refused where the catalog has none); token models read pre-tokenised shards, no decode"},
    {"input", "decode_per_core", CONFIG_REAL, 0.001, 1e9, NULL, "150",
     "images decoded per second per CPU core [U: measure with dtbench decode]"},
    {"input", "prefetch", CONFIG_INT, 0, 1024, NULL, "2", "batches prefetched ahead of the GPU"},
    {"input", "file_size", CONFIG_SIZE, 1, 1e12, NULL, "110KB", "average size of one image's JPEG"},
    {"input", "images_per_file", CONFIG_INT, 1, 1000000, NULL, "1",
     "images per file read (1: one JPEG per file; TFRecord/RecordIO shards hold many)"},
    {"input", "token_size", CONFIG_INT, 1, 8, NULL, "2",
     "token models: bytes per token id in the pre-tokenised shards (2 = uint16, vocabularies up to 65,536)"},
};
#define NSCHEMA (sizeof schema / sizeof schema[0])

const struct config_key *experiment_schema(size_t *n)
{
    if (n) *n = NSCHEMA;
    return schema;
}

int experiment_key_find(const char *name, const struct config_key **k, char *near, size_t len)
{
    char names[NSCHEMA][64];
    const char *cands[NSCHEMA];
    const char *dot = strchr(name, '.');
    for (size_t i = 0; i < NSCHEMA; i++) {
        size_t sl = strlen(schema[i].section);
        if (dot && (size_t)(dot - name) == sl && strncmp(name, schema[i].section, sl) == 0 &&
            strcmp(dot + 1, schema[i].key) == 0) {
            *k = &schema[i];
            return 0;
        }
        snprintf(names[i], sizeof names[i], "%s.%s", schema[i].section, schema[i].key);
        cands[i] = names[i];
    }
    *k = NULL;
    if (near && len) {
        const char *n = strsim_nearest(name, cands, NSCHEMA);
        snprintf(near, len, "%s", n ? n : "");
    }
    return DT_EINVAL;
}

static const char *const topo_names[] = {"single-switch", "fat-tree", "torus", "dragonfly"};
static const char *const prec_names[] = {"fp32", "fp16", "amp", "bf16"};

const char *exp_topology_name(enum exp_topology t) { return (unsigned)t < 4 ? topo_names[t] : "?"; }
const char *exp_precision_name(enum exp_precision p) { return (unsigned)p < 4 ? prec_names[p] : "?"; }

static const char *const sched_names[] = {"gpipe", "1f1b", "interleaved"};
static const char *const rc_names[] = {"none", "selective", "full"};

const char *exp_schedule_name(enum exp_schedule s) { return (unsigned)s < 3 ? sched_names[s] : "?"; }
const char *exp_recompute_name(enum exp_recompute r) { return (unsigned)r < 3 ? rc_names[r] : "?"; }

int experiment_gpus(const struct experiment *x) { return x->cluster.nodes * x->cluster.gpus_per_node; }

long long experiment_batch_at(const struct experiment *x, double epoch)
{
    long long b = x->training.nbatch ? x->training.batch[0].global_batch : 0;
    for (int i = 0; i < x->training.nbatch; i++)
        if (epoch >= x->training.batch[i].epoch) b = x->training.batch[i].global_batch;
    return b;
}

long long experiment_iterations(long long dataset_images, long long global_batch, double epochs)
{
    long long ipe = (dataset_images + global_batch - 1) / global_batch;
    return (long long)ceil(epochs * (double)ipe - 1e-9);
}

long long experiment_phase_iterations(const struct experiment *x, int k, double *epochs)
{
    double end = k + 1 < x->training.nbatch ? x->training.batch[k + 1].epoch : x->training.epochs;
    double n = end - x->training.batch[k].epoch;
    if (epochs) *epochs = n;
    return experiment_iterations(x->training.dataset_images, x->training.batch[k].global_batch, n);
}

/* ---- getters through the schema ---------------------------------------- */

struct ctx {
    const config *c;
    experiment_resolve_fn resolve;
    void *rctx;
    dt_err *e;
};

/* Value (entry or default) for section.key, its entry (NULL for a default)
 * and parsed number. */
static int get(struct ctx *cx, const char *section, const char *key, const char **text,
               const struct config_entry **at, double *num)
{
    const struct config_key *k = config_schema_find(schema, NSCHEMA, section, key);
    if (!k) return dt_errf(cx->e, DT_EINVAL, "internal: no schema key %s.%s", section, key);
    const struct config_entry *en = config_find(cx->c, section, key);
    if (!en && !k->def)
        return dt_errf(cx->e, DT_EINVAL, "%s: [%s] %s: missing required key (%s); add '%s = ...' under [%s]",
                       config_path(cx->c), section, key, k->help, key, section);
    struct config_entry tmp = {section, key, k->def, "default", 0};
    *text = en ? en->value : k->def;
    if (at) *at = en;
    double v = 0;
    int rc = config_value_parse(k, *text, en ? en : &tmp, &v, cx->e);
    if (num) *num = v;
    return rc;
}

static int get_int(struct ctx *cx, const char *s, const char *k, int *out)
{
    const char *t;
    double v;
    int rc = get(cx, s, k, &t, NULL, &v);
    if (rc == 0) *out = (int)v;
    return rc;
}

static int get_ll(struct ctx *cx, const char *s, const char *k, long long *out)
{
    const char *t;
    double v;
    int rc = get(cx, s, k, &t, NULL, &v);
    if (rc == 0) *out = (long long)v;
    return rc;
}

static int get_num(struct ctx *cx, const char *s, const char *k, double *out)
{
    const char *t;
    return get(cx, s, k, &t, NULL, out);
}

/* A bandwidth, or "catalog" (0: take it from the catalog row). */
static int get_bw(struct ctx *cx, const char *s, const char *k, double *out)
{
    const struct config_entry *en = config_find(cx->c, s, k);
    if (!en || strcmp(en->value, "catalog") == 0) {
        *out = 0;
        return 0;
    }
    return get_num(cx, s, k, out);
}

/* A string naming a catalog row; checked by the resolver unless "none"
 * is allowed and given. */
static int get_name(struct ctx *cx, const char *s, const char *k, const char *kind, int none_ok,
                    const char **out)
{
    const struct config_entry *at;
    double v;
    int rc = get(cx, s, k, out, &at, &v);
    if (rc < 0) return rc;
    if (none_ok && strcmp(*out, "none") == 0) return 0;
    if (!cx->resolve || !kind) return 0;
    rc = cx->resolve(cx->rctx, kind, *out, at, cx->e);
    if (rc < 0 && !at) { /* a default: say which key it is the default of */
        char msg[sizeof cx->e->msg];
        snprintf(msg, sizeof msg, "%s", cx->e->msg);
        return dt_errf(cx->e, rc, "%s: [%s] %s: the default '%s': %s", config_path(cx->c), s, k, *out, msg);
    }
    return rc;
}

/* model.layers ... model.seq: transformer overrides ("row": 0, the row's
 * value). Given for a model that is not a transformer row, or making no
 * sense together (hidden not divisible by heads ...): an error at the last
 * of them given (in the order above). */
static int get_xf(struct ctx *cx, struct experiment *x)
{
    static const char *const keys[7] = {"layers", "hidden", "heads", "kv_heads", "ffn", "vocab", "seq"};
    int64_t *f[7] = {&x->model.xf.layers, &x->model.xf.hidden, &x->model.xf.heads, &x->model.xf.kv_heads,
                     &x->model.xf.ffn,    &x->model.xf.vocab,  &x->model.xf.seq};
    const struct config_entry *last = NULL;
    for (int i = 0; i < 7; i++) {
        const char *t;
        const struct config_entry *at;
        double v;
        int rc = get(cx, "model", keys[i], &t, &at, &v);
        if (rc < 0) return rc;
        if (at && strcmp(at->value, "row") == 0) v = 0;
        *f[i] = (int64_t)v;
        if (at && v > 0) last = at;
    }
    if (!last) return 0;
    dt_err le;
    const struct dnn_model *m = dnn_find(x->model.name, &le);
    if (!m) return 0; /* model.name's own check reports it */
    struct dnn_xf a;
    if (dnn_xf_arch(m, &x->model.xf, &a, &le)) return config_errf(cx->e, le.code, last, "%s", le.msg);
    return 0;
}

/* The entry for section.key, or a stand-in naming the top file, for errors
 * about relations between keys. */
static const struct config_entry *where(struct ctx *cx, const char *s, const char *k,
                                        struct config_entry *tmp)
{
    const struct config_entry *en = config_find(cx->c, s, k);
    if (en) return en;
    *tmp = (struct config_entry){s, k, "", config_path(cx->c), 0};
    return tmp;
}

/* ---- batch schedule ---------------------------------------------------- */

int experiment_parse_batch(const char *text, struct exp_batch_phase *out, int max, dt_err *e)
{
    const char *p = text;
    int n = 0;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) return dt_errf(e, DT_EINVAL, "empty batch schedule (e.g. 0:34816, 30:69632)");
    while (*p) {
        if (n == max) return dt_errf(e, DT_EINVAL, "more than %d batch phases", max);
        char *end;
        const char *q = p;
        while (*q == ' ' || *q == '\t') q++;
        if (*q < '0' || *q > '9')
            return dt_errf(e, DT_EINVAL, "bad batch phase '%.40s' (expected epoch:global_batch, e.g. 0:34816)", p);
        long long a = strtoll(q, &end, 10);
        while (*end == ' ' || *end == '\t') end++;
        long long epoch = 0, batch;
        if (*end == ':') {
            q = end + 1;
            while (*q == ' ' || *q == '\t') q++;
            if (*q < '0' || *q > '9')
                return dt_errf(e, DT_EINVAL, "bad batch phase '%.40s' (expected epoch:global_batch, e.g. 0:34816)", p);
            epoch = a;
            batch = strtoll(q, &end, 10);
            while (*end == ' ' || *end == '\t') end++;
        } else if (n == 0 && *end == '\0') {
            batch = a; /* one number: a constant batch */
        } else
            return dt_errf(e, DT_EINVAL, "bad batch phase '%.40s' (expected epoch:global_batch, e.g. 0:34816)", p);
        if (*end != ',' && *end != '\0')
            return dt_errf(e, DT_EINVAL, "bad batch phase '%.40s' (phases are separated by commas)", p);
        if (epoch > 1000000 || batch > (long long)MAXN * 64)
            return dt_errf(e, DT_ERANGE, "batch phase '%.40s' out of range", p);
        if (batch < 1) return dt_errf(e, DT_EINVAL, "batch phase '%.40s': batch must be at least 1", p);
        if (n == 0 && epoch != 0)
            return dt_errf(e, DT_EINVAL, "the first batch phase must start at epoch 0, not %lld", epoch);
        if (n > 0 && epoch <= out[n - 1].epoch)
            return dt_errf(e, DT_EINVAL, "batch phase epochs must increase (%d then %lld)", out[n - 1].epoch, epoch);
        out[n].epoch = (int)epoch;
        out[n].global_batch = batch;
        n++;
        p = *end == ',' ? end + 1 : end;
        if (*end == ',') {
            while (*p == ' ' || *p == '\t') p++;
            if (!*p) return dt_errf(e, DT_EINVAL, "trailing comma in batch schedule");
        }
    }
    return n;
}

/* ---- [parallel] and training.tokens ------------------------------------- */

static int has_parallel(const config *c)
{
    for (size_t i = 0; i < config_nsections(c); i++)
        if (strcmp(config_section_at(c, i), "parallel") == 0) return 1;
    return 0;
}

static const char *const place_names[] = {"tp,pp,dp", "tp,dp,pp"};

/* Of two keys of a section, the entry written last (a later line, an
 * including file's override, a --set), or a stand-in when neither is. */
static const struct config_entry *latest(struct ctx *cx, const char *s, const char *k1, const char *k2,
                                         struct config_entry *tmp)
{
    const struct config_entry *best = NULL;
    for (size_t i = 0; i < config_count(cx->c); i++) {
        const struct config_entry *en = config_at(cx->c, i);
        if (strcmp(en->section, s) == 0 && (strcmp(en->key, k1) == 0 || strcmp(en->key, k2) == 0)) best = en;
    }
    return best ? best : where(cx, s, k1, tmp);
}

/* The [parallel] section, read and checked against the cluster and the
 * batch (bat: the training.batch entry). Called after every other key. */
static int fill_parallel(struct experiment *x, struct ctx *cx, const struct config_entry *bat)
{
    int rc;
    double v;
    const char *t;
    struct config_entry tmp;
#define TRY(expr) do { if ((rc = (expr)) < 0) return rc; } while (0)
    x->parallel.present = has_parallel(cx->c);
    TRY(get_int(cx, "parallel", "tensor", &x->parallel.tensor));
    TRY(get_int(cx, "parallel", "pipeline", &x->parallel.pipeline));
    TRY(get_int(cx, "parallel", "data", &x->parallel.data)); /* 0: derived */
    TRY(get_int(cx, "parallel", "microbatch", &x->parallel.microbatch));
    TRY(get(cx, "parallel", "schedule", &t, NULL, &v));
    x->parallel.schedule = (enum exp_schedule)(int)v;
    TRY(get_int(cx, "parallel", "virtual_stages", &x->parallel.virtual_stages));
    TRY(get_int(cx, "parallel", "zero", &x->parallel.zero));
    TRY(get(cx, "parallel", "recompute", &t, NULL, &v));
    x->parallel.recompute = (enum exp_recompute)(int)v;
    TRY(get(cx, "parallel", "sequence_parallel", &t, NULL, &v));
    x->parallel.sequence_parallel = v != 0;
    TRY(get(cx, "parallel", "placement", &t, NULL, &v));
    x->parallel.placement = place_names[(int)v];
#undef TRY
    if (!x->parallel.present) return 0;

    long long gpus = (long long)x->cluster.nodes * x->cluster.gpus_per_node;
    long long tp = x->parallel.tensor, pp = x->parallel.pipeline, tpp = tp * pp;
    const struct config_entry *dat = config_find(cx->c, "parallel", "data");
    if (x->parallel.data == 0) { /* derived */
        if (gpus % tpp != 0) {
            return config_errf(cx->e, DT_EINVAL, latest(cx, "parallel", "tensor", "pipeline", &tmp),
                               "tensor %lld x pipeline %lld = %lld does not divide the %lld GPUs (%d nodes x %d)", tp,
                               pp, tpp, gpus, x->cluster.nodes, x->cluster.gpus_per_node);
        }
        x->parallel.data = (int)(gpus / tpp);
    } else if (tpp * x->parallel.data != gpus)
        return config_errf(cx->e, DT_EINVAL, dat,
                           "tensor %lld x pipeline %lld x data %d = %lld, but the cluster has %lld GPUs (%d nodes x %d)",
                           tp, pp, x->parallel.data, tpp * x->parallel.data, gpus, x->cluster.nodes,
                           x->cluster.gpus_per_node);
    long long dp = x->parallel.data, mb = x->parallel.microbatch;
    int vs = x->parallel.virtual_stages;
    const struct config_entry *sched = where(cx, "parallel", "schedule", &tmp);
    if (x->parallel.schedule == EXP_SCHED_INTERLEAVED && vs < 2)
        return config_errf(cx->e, DT_EINVAL, latest(cx, "parallel", "schedule", "virtual_stages", &tmp),
                           "schedule = interleaved needs virtual_stages >= 2 (model chunks per GPU), not %d", vs);
    if (x->parallel.schedule != EXP_SCHED_INTERLEAVED && vs != 1)
        return config_errf(cx->e, DT_EINVAL, where(cx, "parallel", "virtual_stages", &tmp),
                           "virtual_stages = %d needs schedule = interleaved (schedule %s runs one chunk per GPU)", vs,
                           exp_schedule_name(x->parallel.schedule));
    if (x->parallel.schedule == EXP_SCHED_INTERLEAVED && pp < 2)
        return config_errf(cx->e, DT_EINVAL, sched, "schedule = interleaved needs pipeline >= 2, not %lld", pp);
    if (x->parallel.zero == 3 && dp == 1)
        return config_errf(cx->e, DT_EINVAL, where(cx, "parallel", "zero", &tmp),
                           "zero = 3 shards the weights over the data-parallel replicas, but data = 1 (tensor %lld x "
                           "pipeline %lld use all %lld GPUs): nothing to shard over",
                           tp, pp, gpus);
    for (int i = 0; i < x->training.nbatch; i++) {
        long long b = x->training.batch[i].global_batch;
        if (b % dp != 0)
            return config_errf(cx->e, DT_EINVAL, bat,
                               "global batch %lld sequences is not divisible by data %lld (%lld per replica would not "
                               "be whole)",
                               b, dp, b / dp);
        if ((b / dp) % mb != 0)
            return config_errf(cx->e, DT_EINVAL, where(cx, "parallel", "microbatch", &tmp),
                               "microbatch %lld does not divide the local batch of %lld sequences (global batch %lld / "
                               "data %lld)",
                               mb, b / dp, b, dp);
        long long m = b / dp / mb;
        if (x->parallel.schedule == EXP_SCHED_INTERLEAVED && m % pp != 0)
            return config_errf(cx->e, DT_EINVAL, sched,
                               "schedule = interleaved needs the microbatches per step (%lld = global batch %lld / "
                               "(data %lld x microbatch %lld)) to be a multiple of pipeline %lld",
                               m, b, dp, mb, pp);
    }
    return 0;
}

long long experiment_token_steps(const struct experiment *x, int seq)
{
    if (x->training.tokens <= 0 || seq < 1 || !x->training.nbatch) return 0;
    double per = (double)x->training.batch[0].global_batch * seq;
    return (long long)ceil(x->training.tokens / per);
}

/* ---- the experiment ----------------------------------------------------- */

static int fill(struct experiment *x, struct ctx *cx)
{
    const config *c = cx->c;
    double v;
    const char *t;
    int rc;
#define TRY(expr) do { if ((rc = (expr)) < 0) return rc; } while (0)
    TRY(get_name(cx, "cluster", "gpu", "gpu", 0, &x->cluster.gpu));
    TRY(get_int(cx, "cluster", "nodes", &x->cluster.nodes));
    TRY(get_int(cx, "cluster", "gpus_per_node", &x->cluster.gpus_per_node));
    TRY(get_name(cx, "cluster", "intra_link", "link", 0, &x->cluster.intra_link));
    TRY(get_name(cx, "cluster", "nic", "link", 0, &x->cluster.nic));
    TRY(get_bw(cx, "cluster", "intra_bw", &x->cluster.intra_bw_Bps));
    TRY(get_bw(cx, "cluster", "nic_bw", &x->cluster.nic_bw_Bps));
    TRY(get_int(cx, "cluster", "nics_per_node", &x->cluster.nics_per_node));
    const struct config_entry *topo;
    TRY(get(cx, "cluster", "topology", &t, &topo, &v));
    x->cluster.topology = (enum exp_topology)(int)v;
    TRY(get_int(cx, "cluster", "dragonfly_routers", &x->cluster.dragonfly_routers));
    if (x->cluster.topology == EXP_TOPO_DRAGONFLY && x->cluster.dragonfly_routers < 1)
        return config_errf(cx->e, DT_EINVAL, topo,
                           "topology = dragonfly needs cluster.dragonfly_routers (routers per group, >= 1)");
    TRY(get_int(cx, "cluster", "nodes_per_leaf", &x->cluster.nodes_per_leaf));
    TRY(get_num(cx, "cluster", "oversubscription", &x->cluster.oversubscription));
    TRY(get_num(cx, "cluster", "switch_latency", &x->cluster.switch_lat_s));
    const struct config_entry *torus;
    TRY(get(cx, "cluster", "torus", &t, &torus, NULL));
    x->cluster.torus[0] = x->cluster.torus[1] = x->cluster.torus[2] = 1;
    if (strcmp(t, "none") != 0) {
        unsigned d[3] = {1, 1, 1};
        char tail;
        int k = sscanf(t, "%u x %u x %u %c", &d[0], &d[1], &d[2], &tail);
        if (k < 2 || k > 3 || !d[0] || !d[1] || !d[2] || d[0] > MAXN || d[1] > MAXN || d[2] > MAXN)
            return config_errf(cx->e, DT_EINVAL, torus, "bad torus '%.40s' (expected XxY or XxYxZ, e.g. 16x16)", t);
        if ((long long)d[0] * d[1] * d[2] != x->cluster.nodes)
            return config_errf(cx->e, DT_EINVAL, torus, "torus %ux%ux%u has %lld nodes but the cluster has %d", d[0], d[1],
                               d[2], (long long)d[0] * d[1] * d[2], x->cluster.nodes);
        for (int i = 0; i < 3; i++) x->cluster.torus[i] = (int)d[i];
    } else if (x->cluster.topology == EXP_TOPO_TORUS) {
        x->cluster.torus[0] = x->cluster.nodes; /* a ring of nodes */
    }
    TRY(get_name(cx, "cluster", "cpu", "cpu", 1, &x->cluster.cpu));
    TRY(get_int(cx, "cluster", "cpu_cores_per_node", &x->cluster.cpu_cores_per_node));
    TRY(get_name(cx, "cluster", "storage", "storage", 0, &x->cluster.storage));

    TRY(get_name(cx, "model", "name", "model", 0, &x->model.name));
    TRY(get(cx, "model", "precision", &t, NULL, &v));
    x->model.precision = (enum exp_precision)(int)v;
    TRY(get(cx, "model", "grad_precision", &t, NULL, &v));
    x->model.grad_precision = v == 1                             ? EXP_FP32
                              : v == 2                           ? EXP_FP16
                              : v == 3                           ? EXP_BF16
                              : x->model.precision == EXP_FP32   ? EXP_FP32
                              : x->model.precision == EXP_BF16   ? EXP_BF16
                                                                 : EXP_FP16;
    TRY(get_name(cx, "model", "stack", "stack", 0, &x->model.stack));
    TRY(get_xf(cx, x));

    TRY(get_ll(cx, "training", "dataset_images", &x->training.dataset_images));
    TRY(get_num(cx, "training", "epochs", &x->training.epochs));
    const struct config_entry *bat;
    TRY(get(cx, "training", "batch", &t, &bat, NULL));
    dt_err sub;
    int n = experiment_parse_batch(t, x->training.batch, EXP_MAX_PHASES, &sub);
    if (n < 0) return config_errf(cx->e, n, bat, "%s", sub.msg);
    x->training.nbatch = n;
    TRY(get_num(cx, "training", "warmup_epochs", &x->training.warmup_epochs));
    TRY(get_ll(cx, "training", "eval_images", &x->training.eval_images));
    TRY(get_num(cx, "training", "startup", &x->training.startup_s));
    TRY(get_num(cx, "training", "tokens", &x->training.tokens));

    TRY(get_name(cx, "allreduce", "algorithm", "algorithm", 0, &x->allreduce.algorithm));
    const struct config_entry *grid;
    TRY(get(cx, "allreduce", "grid", &t, &grid, NULL));
    if (strcmp(t, "none") != 0) {
        unsigned gx, gy;
        char tail;
        if (sscanf(t, "%u x %u %c", &gx, &gy, &tail) != 2 || gx < 1 || gy < 1 || gx > MAXN * 64 || gy > MAXN * 64)
            return config_errf(cx->e, DT_EINVAL, grid, "bad grid '%.40s' (expected XxY, e.g. 32x68, or none)", t);
        x->allreduce.grid_x = (int)gx;
        x->allreduce.grid_y = (int)gy;
    }
    TRY(get_num(cx, "allreduce", "bucket", &x->allreduce.bucket_bytes));
    TRY(get_name(cx, "allreduce", "inner", "algorithm", 1, &x->allreduce.inner));
    TRY(get(cx, "allreduce", "variant", &x->allreduce.variant, NULL, NULL));
    TRY(get_int(cx, "allreduce", "chunks", &x->allreduce.chunks));
    TRY(get_name(cx, "allreduce", "library", "commlib", 1, &x->allreduce.library));

    TRY(get(cx, "input", "enabled", &t, NULL, &v));
    x->input.enabled = v != 0;
    TRY(get(cx, "input", "decode", &t, NULL, &v));
    x->input.decode = (enum exp_decode)(int)v;
    TRY(get_num(cx, "input", "decode_per_core", &x->input.decode_per_core));
    TRY(get_int(cx, "input", "prefetch", &x->input.prefetch));
    TRY(get_num(cx, "input", "file_size", &x->input.file_bytes));
    TRY(get_int(cx, "input", "images_per_file", &x->input.images_per_file));
    TRY(get_int(cx, "input", "token_size", &x->input.token_bytes));
#undef TRY

    /* Relations between keys. */
    struct config_entry tmp;
    long long gpus = (long long)x->cluster.nodes * x->cluster.gpus_per_node;
    if (x->cluster.nics_per_node > x->cluster.gpus_per_node)
        return config_errf(cx->e, DT_EINVAL, where(cx, "cluster", "nics_per_node", &tmp),
                           "%d NICs per node but only %d GPUs per node (at most one NIC per GPU)",
                           x->cluster.nics_per_node, x->cluster.gpus_per_node);
    /* a leaf larger than the cluster is a partly filled leaf: all nodes on it
     * (a cluster file describes the switch; an experiment may use fewer nodes) */
    if (x->cluster.nodes_per_leaf == 0 || x->cluster.nodes_per_leaf > x->cluster.nodes)
        x->cluster.nodes_per_leaf = x->cluster.nodes;
    if (gpus > 64 * MAXN)
        return config_errf(cx->e, DT_ERANGE, where(cx, "cluster", "nodes", &tmp), "%lld GPUs in all is too many", gpus);
    if (x->allreduce.grid_x && (long long)x->allreduce.grid_x * x->allreduce.grid_y != gpus)
        return config_errf(cx->e, DT_EINVAL, grid,
                           "grid %dx%d has %lld ranks but the cluster has %lld GPUs (%d nodes x %d per node)",
                           x->allreduce.grid_x, x->allreduce.grid_y,
                           (long long)x->allreduce.grid_x * x->allreduce.grid_y, gpus, x->cluster.nodes,
                           x->cluster.gpus_per_node);
    if (x->training.tokens > 0 && x->training.nbatch > 1)
        return config_errf(cx->e, DT_EINVAL, bat,
                           "training.tokens needs one global batch (phases change by epoch; %d given)",
                           x->training.nbatch);
    rc = fill_parallel(x, cx, bat);
    if (rc < 0) return rc;
    for (int i = 0; i < x->training.nbatch; i++) {
        long long b = x->training.batch[i].global_batch;
        if (!x->parallel.present && b % gpus != 0)
            return config_errf(cx->e, DT_EINVAL, bat,
                               "global batch %lld is not divisible by the %lld GPUs (%lld per GPU would not be whole)",
                               b, gpus, b / gpus);
        if (i > 0 && x->training.batch[i].epoch >= x->training.epochs)
            return config_errf(cx->e, DT_EINVAL, bat, "phase at epoch %d starts after the last epoch (epochs = %g)",
                               x->training.batch[i].epoch, x->training.epochs);
    }
    if (x->training.warmup_epochs > x->training.epochs)
        return config_errf(cx->e, DT_EINVAL, where(cx, "training", "warmup_epochs", &tmp),
                           "warm-up of %g epochs is longer than training (%g epochs)", x->training.warmup_epochs,
                           x->training.epochs);
    (void)c;
    return 0;
}

int experiment_from_config(struct experiment *x, config *c, experiment_resolve_fn resolve, void *rctx,
                           dt_err *e)
{
    static const char *const ranges[] = {"uncertain", NULL}; /* checked by uncertain_parse */
    memset(x, 0, sizeof *x);
    x->cfg = c;
    int rc = config_check(c, schema, NSCHEMA, ranges, e);
    if (rc == 0) {
        struct ctx cx = {c, resolve, rctx, e};
        rc = fill(x, &cx);
    }
    if (rc == 0) rc = uncertain_parse(c, &x->unc, e);
    if (rc < 0) experiment_free(x);
    return rc;
}

int experiment_at(const struct experiment *x, const struct unc_pick *picks, int n, experiment_resolve_fn resolve,
                  void *ctx, struct experiment *y, dt_err *e)
{
    memset(y, 0, sizeof *y);
    config *c = config_copy(x->cfg);
    if (!c) return dt_errf(e, DT_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        const struct unc_range *r = &x->unc.r[picks[i].range];
        for (int j = 0; j < r->nkeys; j++) {
            int rc = config_add(c, r->key[j]->section, r->key[j]->key, r->val[picks[i].alt][j], r->at->file,
                                r->at->line, e);
            if (rc < 0) {
                config_free(c);
                return rc;
            }
        }
    }
    return experiment_from_config(y, c, resolve, ctx, e);
}

int experiment_check_ranges(const struct experiment *x, experiment_resolve_fn resolve, void *ctx, dt_err *e)
{
    return experiment_check_ranges_with(x, resolve, ctx, NULL, NULL, e);
}

int experiment_check_ranges_with(const struct experiment *x, experiment_resolve_fn resolve, void *ctx,
                                 experiment_check_fn check, void *carg, dt_err *e)
{
    for (int i = 0; i < x->unc.n; i++) {
        const struct unc_range *r = &x->unc.r[i];
        for (int a = 0; a < r->nalts; a++) {
            if (r->at_point[a]) continue;
            struct experiment y;
            struct unc_pick p = {i, a};
            dt_err sub = {0, ""};
            int rc = experiment_at(x, &p, 1, resolve, ctx, &y, &sub);
            if (rc == 0) {
                rc = check ? check(&y, carg, &sub) : 0;
                experiment_free(&y);
                if (rc == 0) continue;
                char val[UNC_MAX_KEYS * (CONFIG_MAX_LINE + 2)];
                uncertain_value_text(r, a, val, sizeof val);
                return dt_errf(e, rc, "%s (with the range value %s = %s of %s:%d)", sub.msg, r->at->key, val,
                               r->at->file, r->at->line);
            }
            /* An error on a ranged key's stand-in entry is told as the
             * range's; one on another line (a batch the new node count does
             * not divide) says which range value caused it. */
            char val[UNC_MAX_KEYS * (CONFIG_MAX_LINE + 2)];
            uncertain_value_text(r, a, val, sizeof val);
            for (int j = 0; j < r->nkeys; j++) {
                char self[600];
                int n = snprintf(self, sizeof self, "%s:%d: [%s] %s: ", r->at->file, r->at->line, r->key[j]->section,
                                 r->key[j]->key);
                if (n > 0 && strncmp(sub.msg, self, (size_t)n) == 0)
                    return config_errf(e, rc, r->at, "at %s: %s", val, sub.msg + n);
            }
            return dt_errf(e, rc, "%s (with the range value %s = %s of %s:%d)", sub.msg, r->at->key, val, r->at->file,
                           r->at->line);
        }
    }
    return 0;
}

int experiment_load_ex(struct experiment *x, const char *path, char **sets, int nsets,
                       experiment_resolve_fn resolve, void *rctx, dt_err *e)
{
    memset(x, 0, sizeof *x);
    config *c;
    int rc = config_load(&c, path, e);
    if (rc < 0) return rc;
    for (int i = 0; i < nsets; i++)
        if ((rc = config_set(c, sets[i], e)) < 0) {
            config_free(c);
            return rc;
        }
    return experiment_from_config(x, c, resolve, rctx, e);
}

int experiment_load(struct experiment *x, const char *path, char **sets, int nsets, dt_err *e)
{
    return experiment_load_ex(x, path, sets, nsets, NULL, NULL, e);
}

void experiment_free(struct experiment *x)
{
    if (!x) return;
    uncertain_free(&x->unc);
    config_free(x->cfg);
    memset(x, 0, sizeof *x);
}
