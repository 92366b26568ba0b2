/* catalog.c -- load, check and look up catalog rows (see catalog.h). */
#include "catalog.h"

#include "commlib.h"
#include "config.h"
#include "strsim.h"
#include "units.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- schema ---------------------------------------------------------------
 * Ranges are sanity bounds that catch a wrong prefix (GB/s for Gb/s is only
 * 8x, but MB/s for GB/s is 1000x), not physical limits. */
#define RATE(key, what) \
    {"gpu", key, CONFIG_FLOPS, 1e9, 1e18, NULL, "", "peak " what " rate, dense, e.g. 15.7TFLOPS"}

const struct config_key catalog_schema[] = {
    {"gpu", "arch", CONFIG_STRING, 0, 0, NULL, "", "micro-architecture, e.g. Volta"},
    {"gpu", "form", CONFIG_STRING, 0, 0, NULL, "", "form factor: SXM2, PCIe, board"},
    RATE("fp64", "fp64"),
    RATE("fp32", "fp32"),
    RATE("tf32", "tf32 tensor-core"),
    RATE("fp16", "fp16 (tensor-core where present)"),
    RATE("bf16", "bf16 (tensor-core / MXU)"),
    RATE("fp8", "fp8 tensor-core"),
    /* ops, not flops: a string here, parsed by parse_ops() */
    {"gpu", "int8", CONFIG_STRING, 0, 0, NULL, "", "peak int8 rate, dense, e.g. 624TOPS"},
    {"gpu", "mem_bw", CONFIG_BANDWIDTH, 1e9, 1e15, NULL, NULL, "device memory bandwidth, e.g. 900GB/s"},
    {"gpu", "mem_size", CONFIG_SIZE, 1e6, 1e15, NULL, NULL, "device memory, e.g. 16GiB"},
    {"gpu", "tdp_w", CONFIG_REAL, 1, 1e5, NULL, "", "board power, watts"},
    {"gpu", "jpeg_decode", CONFIG_REAL, 1, 1e7, NULL, "",
     "images/s the GPU's hardware JPEG decoder (NVJPG) delivers, ImageNet-like JPEGs; absent = no figure"},
    {"gpu", "link", CONFIG_STRING, 0, 0, NULL, "", "GPU-to-GPU link: a [link] row"},
    {"gpu", "source", CONFIG_STRING, 0, 0, NULL, NULL, "data sheet or paper the numbers come from"},

    {"link", "kind", CONFIG_ENUM, 0, 0, "intra|nic|torus", NULL, "intra (in a node), nic, torus (TPU ICI)"},
    {"link", "lanes", CONFIG_INT, 1, 1024, NULL, "", "serial lanes per direction"},
    {"link", "links", CONFIG_INT, 1, 1024, NULL, "1", "links per GPU (NVLink, ICI)"},
    {"link", "signalling", CONFIG_BANDWIDTH, 1e5, 1e14, NULL, NULL, "raw line rate per direction, e.g. 103.125Gbps"},
    {"link", "encoding", CONFIG_STRING, 0, 0, NULL, NULL, "line code, e.g. 64b/66b"},
    {"link", "data_rate", CONFIG_BANDWIDTH, 1e5, 1e14, NULL, NULL, "effective rate per direction, e.g. 100Gbps"},
    {"link", "latency", CONFIG_TIME, 0, 1, NULL, NULL, "small-message latency, one way, e.g. 1us"},
    {"link", "source", CONFIG_STRING, 0, 0, NULL, NULL, "standard, data sheet or paper"},

    {"storage", "kind", CONFIG_ENUM, 0, 0, "node|shared", NULL, "node (one per node) or shared (one per cluster)"},
    {"storage", "files_per_s", CONFIG_REAL, 1e-3, 1e12, NULL, NULL, "files/s per node"},
    {"storage", "bw", CONFIG_BANDWIDTH, 1e3, 1e15, NULL, NULL, "read bandwidth per node, e.g. 3.2GB/s"},
    {"storage", "cluster_files_per_s", CONFIG_REAL, 1e-3, 1e12, NULL, "", "files/s cap for the whole cluster"},
    {"storage", "cluster_bw", CONFIG_BANDWIDTH, 1e3, 1e16, NULL, "", "bandwidth cap for the whole cluster"},
    {"storage", "request_lat", CONFIG_TIME, 0, 3600, NULL, NULL, "latency of one request, e.g. 30ms"},
    {"storage", "source", CONFIG_STRING, 0, 0, NULL, NULL, "source or assumption"},

    {"cpu", "cores", CONFIG_INT, 1, 4096, NULL, NULL, "physical cores per socket"},
    {"cpu", "clock_ghz", CONFIG_REAL, 0.1, 10, NULL, "", "base clock, GHz"},
    {"cpu", "jpeg_per_core", CONFIG_REAL, 1e-3, 1e6, NULL, NULL, "JPEG decode + crop, images/s per core"},
    {"cpu", "source", CONFIG_STRING, 0, 0, NULL, NULL, "data sheet; assumption for jpeg_per_core"},

    {"compute", "eff_fp32", CONFIG_REAL, 1e-4, 1, NULL, NULL, "fraction of the fp32 (tf32) matrix peak reached"},
    {"compute", "eff_fp16", CONFIG_REAL, 1e-4, 1, NULL, NULL, "fraction of the fp16 matrix peak reached"},
    {"compute", "ramp", CONFIG_TIME, 0, 1, NULL, NULL, "kernel fill/drain time"},
    {"compute", "mem_eff", CONFIG_REAL, 1e-3, 100, NULL, NULL, "memory bandwidth reached on counted bytes"},
    {"compute", "bwd_eff", CONFIG_REAL, 1e-3, 1, NULL, NULL, "backward/forward matrix efficiency"},
    {"compute", "launch", CONFIG_TIME, 0, 1, NULL, NULL, "per-kernel launch overhead"},
    {"compute", "fitted", CONFIG_STRING, 0, 0, NULL, NULL, "parameters fitted on this arch's points"},
    {"compute", "from", CONFIG_STRING, 0, 0, NULL, NULL, "arch the other parameters come from"},
    {"compute", "rms_log", CONFIG_REAL, 0, 100, NULL, "", "fit quality: rms of log(model/measured)"},
    {"compute", "source", CONFIG_STRING, 0, 0, NULL, NULL, "what it was fitted on"},

    {"stack", "framework", CONFIG_STRING, 0, 0, NULL, NULL, "framework: PyTorch, TensorFlow, Caffe2, ..."},
    {"stack", "version", CONFIG_STRING, 0, 0, NULL, NULL, "version as its authors number it"},
    {"stack", "year", CONFIG_INT, 1990, 2100, NULL, NULL, "year of the release"},
    {"stack", "dispatch_fwd", CONFIG_TIME, 0, 1, NULL, NULL, "host time to issue one forward kernel"},
    {"stack", "dispatch_bwd", CONFIG_TIME, 0, 1, NULL, NULL, "host time to issue one backward kernel"},
    {"stack", "dispatch_opt", CONFIG_TIME, 0, 1, NULL, NULL, "host time to issue one optimizer kernel"},
    {"stack", "kernels", CONFIG_LIST, 0, 0, NULL, "", "kernels per layer kind, forward/backward: conv:1/2, bn:1/1 (others 1/1)"},
    {"stack", "kernels_amp", CONFIG_INT, 0, 64, NULL, "0", "extra forward kernels of a matrix layer under amp (weight casts)"},
    {"stack", "opt_kernels", CONFIG_INT, 0, 100000, NULL, "1", "optimizer kernels per step, fixed part"},
    {"stack", "opt_kernels_per_layer", CONFIG_REAL, 0, 64, NULL, "0", "optimizer kernels per layer with parameters"},
    {"stack", "step_host", CONFIG_TIME, 0, 100, NULL, "0s", "fixed host time per step, before its first kernel"},
    {"stack", "queue", CONFIG_INT, 0, 1048576, NULL, NULL, "launch-queue depth in kernels (0 = synchronous)"},
    {"stack", "sync", CONFIG_ENUM, 0, 0, "none|optimizer|step", NULL, "where the host waits for the GPU"},
    {"stack", "optimizer", CONFIG_ENUM, 0, 0, "gpu|cpu", "gpu", "where the update runs (cpu: parameter server over PCIe)"},
    {"stack", "host_mem_bw", CONFIG_BANDWIDTH, 1e6, 1e13, NULL, "", "host memory bandwidth of the CPU update (optimizer = cpu)"},
    {"stack", "host_link", CONFIG_STRING, 0, 0, NULL, "PCIe3-x16", "link of the parameter-server copies (optimizer = cpu)"},
    {"stack", "overlap", CONFIG_BOOL, 0, 0, NULL, NULL, "all-reduce overlapped with backward"},
    {"stack", "tf32", CONFIG_BOOL, 0, 0, NULL, "yes", "fp32 matrices on TF32 tensor cores where the chip has them"},
    {"stack", "decode_per_core", CONFIG_REAL, 0, 1e6, NULL, "0", "images/s per CPU core of the input pipeline (0 = the cpu row)"},
    {"stack", "kernel_eff", CONFIG_LIST, 0, 0, NULL, NULL, "kernel speed per architecture, matrix/other: Volta:0.8/0.9"},
    {"stack", "fitted", CONFIG_STRING, 0, 0, NULL, "", "parameters fitted by calibrate-compute"},
    {"stack", "rms_log", CONFIG_REAL, 0, 100, NULL, "", "fit quality: rms of log(model/measured)"},
    {"stack", "source", CONFIG_STRING, 0, 0, NULL, NULL, "points it was fitted on, and the reasons of what was assumed"},
    {"commlib", "library", CONFIG_STRING, 0, 0, NULL, NULL, "library: NCCL, Gloo, Open MPI, Horovod ..."},
    {"commlib", "version", CONFIG_STRING, 0, 0, NULL, NULL, "version the numbers are for, e.g. 2.4.2"},
    {"commlib", "year", CONFIG_INT, 1980, 2100, NULL, NULL, "release year"},
    {"commlib", "transport", CONFIG_STRING, 0, 0, NULL, "", "informational: IB verbs, TCP, NVLink/PCIe"},
    {"commlib", "on", CONFIG_STRING, 0, 0, NULL, "", "layered on this [commlib] row (Horovod on NCCL): its per-step values, call added"},
    {"commlib", "call", CONFIG_TIME, 0, 1, NULL, "", "software cost per collective call (one bucket); absent = 0"},
    {"commlib", "step_intra", CONFIG_TIME, 0, 1, NULL, "", "latency added to each step inside a node (required unless on)"},
    {"commlib", "step_inter", CONFIG_TIME, 0, 1, NULL, "", "latency added to each step crossing nodes (required unless on)"},
    {"commlib", "small_bytes", CONFIG_SIZE, 1, 1e12, NULL, "", "messages up to this size use the small protocol; absent = none"},
    {"commlib", "small_step_intra", CONFIG_TIME, 0, 1, NULL, "", "small protocol: step latency inside a node"},
    {"commlib", "small_step_inter", CONFIG_TIME, 0, 1, NULL, "", "small protocol: step latency crossing nodes"},
    {"commlib", "bw_share", CONFIG_REAL, 1e-3, 1, NULL, "", "fraction of the link rate large messages reach (required unless on)"},
    {"commlib", "small_bw_share", CONFIG_REAL, 1e-3, 1, NULL, "", "same for the small protocol; absent = bw_share"},
    {"commlib", "chunk_bytes", CONFIG_SIZE, 1, 1e12, NULL, "", "messages go in pieces of at most this; absent = whole"},
    {"commlib", "chunk_lat", CONFIG_TIME, 0, 1, NULL, "", "extra cost of each piece after the first"},
    {"commlib", "source", CONFIG_STRING, 0, 0, NULL, NULL, "source code, paper or fit the numbers come from"},

    {"price", "gpu_hour", CONFIG_REAL, 0, 1e6, NULL, "", "price of one GPU for one hour (gpu rows), USD"},
    {"price", "node_hour", CONFIG_REAL, 0, 1e6, NULL, "", "price of one node's host for one hour (gpu rows), USD"},
    {"price", "nic_hour", CONFIG_REAL, 0, 1e6, NULL, "", "price of one NIC port for one hour (link rows), USD"},
    {"price", "source", CONFIG_STRING, 0, 0, NULL, NULL, "list price or the arithmetic behind the number"},
};
const size_t catalog_schema_len = sizeof catalog_schema / sizeof catalog_schema[0];

static const char *const prec_names[] = {
#define CATALOG_PREC_NAME_(id, name) name,
    CATALOG_PREC_MAP(CATALOG_PREC_NAME_)
#undef CATALOG_PREC_NAME_
};

/* Owned by a catalog: the loaded configs (rows point into their strings). */
struct priv {
    config **cfgs;
    size_t ncfgs;
    char *dir;
};

/* One row being read: its config, full section name, first entry. */
struct row {
    const config *c;
    const char *section;
    const char *type;
    const struct config_entry *first;
};

/* ---- reading one row ------------------------------------------------------ */

static const struct config_key *skey(const char *type, const char *key)
{
    return config_schema_find(catalog_schema, catalog_schema_len, type, key);
}

/* "missing required key", at the row's first line. */
static int row_missing(const struct row *r, const char *key, dt_err *e)
{
    struct config_entry at = *r->first;
    at.key = key;
    return config_errf(e, DT_EINVAL, &at, "missing required key (%s)", skey(r->type, key)->help);
}

/* The entry for `key` in the row, or NULL (then *k has the schema key).
 * A missing required key is an error at the row's first line. */
static int row_entry(const struct row *r, const char *key, const struct config_key **k,
                     const struct config_entry **en, dt_err *e)
{
    *k = skey(r->type, key);
    *en = config_find(r->c, r->section, key);
    if (!*en && !(*k)->def) return row_missing(r, key, e);
    return 0;
}

/* Numeric key (units, int, real, enum index); absent optional key -> its
 * default, or 0 for "". */
static int row_num(const struct row *r, const char *key, double *out, dt_err *e)
{
    const struct config_key *k;
    const struct config_entry *en;
    int rc = row_entry(r, key, &k, &en, e);
    if (rc) return rc;
    *out = 0;
    if (en) return config_value_parse(k, en->value, en, out, e);
    if (k->def && k->def[0]) return config_value_parse(k, k->def, NULL, out, e);
    return 0;
}

static int row_str(const struct row *r, const char *key, const char **out, dt_err *e)
{
    const struct config_key *k;
    const struct config_entry *en;
    int rc = row_entry(r, key, &k, &en, e);
    if (rc) return rc;
    *out = en ? en->value : k->def;
    return 0;
}

/* "624TOPS" / "624 TOP/s" -> 6.24e14 op/s, through the FLOPS parser. */
static int parse_ops(const struct config_entry *en, double *out, dt_err *e)
{
    static const struct config_key k = {"gpu", "int8", CONFIG_FLOPS, 1e9, 1e18, NULL, "", ""};
    char buf[96];
    size_t n = strlen(en->value);
    if (n + 3 > sizeof buf)
        return config_errf(e, DT_EINVAL, en, "value too long");
    memcpy(buf, en->value, n + 1);
    char *p = strstr(buf, "OP");
    if (p && (p == buf || p[-1] != 'L')) {
        memmove(p + 2, p, strlen(p) + 1);
        memcpy(p, "FL", 2);
    } else if (!p || p == buf) {
        return config_errf(e, DT_EINVAL, en, "'%s' needs a unit, e.g. 624TOPS", en->value);
    }
    return config_value_parse(&k, buf, en, out, e);
}

/* True when `enc` is exactly "<n>b/<m>b"; fills the ratio n/m. */
static int encoding_ratio(const char *enc, double *ratio)
{
    char *end;
    unsigned long n = strtoul(enc, &end, 10);
    if (end == enc || *end != 'b' || end[1] != '/') return 0;
    const char *m0 = end + 2;
    unsigned long m = strtoul(m0, &end, 10);
    if (end == m0 || *end != 'b' || end[1] != '\0' || n == 0 || m == 0 || n > m) return 0;
    *ratio = (double)n / (double)m;
    return 1;
}

/* ---- growing arrays ------------------------------------------------------- */

static void *grow(void *arr, size_t n, size_t size)
{
    if (n == 0) return realloc(arr, 4 * size);
    if (n < 4 || (n & (n - 1))) return arr; /* capacity: 4, then doubles at powers of two */
    return realloc(arr, 2 * n * size);
}

#define PUSH(c, arr, count, out)                                      \
    do {                                                              \
        void *g_ = grow((c)->arr, (c)->count, sizeof *(c)->arr);      \
        if (!g_) return dt_errf(e, DT_ENOMEM, "out of memory");       \
        (c)->arr = g_;                                                \
        (out) = &(c)->arr[(c)->count++];                              \
        memset((out), 0, sizeof *(out));                              \
    } while (0)

/* ---- one row per type ------------------------------------------------------ */

static int read_gpu(struct catalog *c, const struct row *r, const char *name, dt_err *e)
{
    struct catalog_gpu *g;
    PUSH(c, gpus, ngpus, g);
    g->name = name;
    g->at = (struct catalog_origin){r->first->file, r->first->line};
    int rc, any = 0;
    if ((rc = row_str(r, "arch", &g->arch, e)) || (rc = row_str(r, "form", &g->form, e))) return rc;
    for (int p = 0; p < CATALOG_NPREC; p++) {
        if (p == CATALOG_INT8) {
            const struct config_entry *en = config_find(r->c, r->section, "int8");
            if (en && (rc = parse_ops(en, &g->peak_flops[p], e))) return rc;
        } else if ((rc = row_num(r, prec_names[p], &g->peak_flops[p], e))) {
            return rc;
        }
        any |= g->peak_flops[p] > 0;
    }
    if (!any) {
        struct config_entry at = *r->first;
        at.key = "fp32";
        return config_errf(e, DT_EINVAL, &at, "no peak rate: give at least one of fp64, fp32, tf32, fp16, bf16, fp8, int8");
    }
    if ((rc = row_num(r, "mem_bw", &g->mem_bw_Bps, e)) || (rc = row_num(r, "mem_size", &g->mem_bytes, e)) ||
        (rc = row_num(r, "tdp_w", &g->tdp_w, e)) || (rc = row_num(r, "jpeg_decode", &g->jpeg_decode_per_s, e)) ||
        (rc = row_str(r, "link", &g->link, e)) ||
        (rc = row_str(r, "source", &g->source, e)))
        return rc;
    return 0;
}

static int read_link(struct catalog *c, const struct row *r, const char *name, dt_err *e)
{
    struct catalog_link *l;
    PUSH(c, links, nlinks, l);
    l->name = name;
    l->at = (struct catalog_origin){r->first->file, r->first->line};
    double kind, lanes, links;
    int rc;
    if ((rc = row_num(r, "kind", &kind, e)) || (rc = row_num(r, "lanes", &lanes, e)) ||
        (rc = row_num(r, "links", &links, e)) || (rc = row_num(r, "signalling", &l->signal_Bps, e)) ||
        (rc = row_str(r, "encoding", &l->encoding, e)) || (rc = row_num(r, "data_rate", &l->bw_Bps, e)) ||
        (rc = row_num(r, "latency", &l->lat_s, e)) || (rc = row_str(r, "source", &l->source, e)))
        return rc;
    l->kind = (enum catalog_link_kind)kind;
    l->lanes = (int)lanes;
    l->links = (int)links;
    const struct config_entry *at = config_find(r->c, r->section, "data_rate");
    char a[32], b[32];
    if (l->bw_Bps > l->signal_Bps * 1.000001)
        return config_errf(e, DT_EINVAL, at, "data rate %s is above the signalling rate %s",
                           units_format(a, sizeof a, l->bw_Bps, UNITS_BANDWIDTH),
                           units_format(b, sizeof b, l->signal_Bps, UNITS_BANDWIDTH));
    double ratio;
    if (encoding_ratio(l->encoding, &ratio)) {
        double want = l->signal_Bps * ratio;
        if (fabs(l->bw_Bps - want) > 0.005 * want)
            return config_errf(e, DT_EINVAL, at, "data rate %s disagrees with signalling x %s = %s (more than 0.5%%)",
                               units_format(a, sizeof a, l->bw_Bps, UNITS_BANDWIDTH), l->encoding,
                               units_format(b, sizeof b, want, UNITS_BANDWIDTH));
    }
    return 0;
}

static int read_storage(struct catalog *c, const struct row *r, const char *name, dt_err *e)
{
    struct catalog_storage *s;
    PUSH(c, storage, nstorage, s);
    s->name = name;
    s->at = (struct catalog_origin){r->first->file, r->first->line};
    double kind;
    int rc;
    if ((rc = row_num(r, "kind", &kind, e)) || (rc = row_num(r, "files_per_s", &s->files_per_s, e)) ||
        (rc = row_num(r, "bw", &s->bw_Bps, e)) ||
        (rc = row_num(r, "cluster_files_per_s", &s->cluster_files_per_s, e)) ||
        (rc = row_num(r, "cluster_bw", &s->cluster_bw_Bps, e)) ||
        (rc = row_num(r, "request_lat", &s->req_lat_s, e)) || (rc = row_str(r, "source", &s->source, e)))
        return rc;
    s->kind = (enum catalog_storage_kind)kind;
    if (s->kind == CATALOG_STORAGE_NODE) {
        static const char *const caps[] = {"cluster_files_per_s", "cluster_bw"};
        for (int i = 0; i < 2; i++) {
            const struct config_entry *en = config_find(r->c, r->section, caps[i]);
            if (en)
                return config_errf(e, DT_EINVAL, en, "a cluster-wide cap needs kind = shared (kind = node scales with the nodes)");
        }
    }
    return 0;
}

static int read_cpu(struct catalog *c, const struct row *r, const char *name, dt_err *e)
{
    struct catalog_cpu *p;
    PUSH(c, cpus, ncpus, p);
    p->name = name;
    p->at = (struct catalog_origin){r->first->file, r->first->line};
    double cores, ghz;
    int rc;
    if ((rc = row_num(r, "cores", &cores, e)) || (rc = row_num(r, "clock_ghz", &ghz, e)) ||
        (rc = row_num(r, "jpeg_per_core", &p->jpeg_per_s_per_core, e)) || (rc = row_str(r, "source", &p->source, e)))
        return rc;
    p->cores = (int)cores;
    p->clock_hz = ghz * 1e9;
    return 0;
}

static int read_compute(struct catalog *c, const struct row *r, const char *name, dt_err *e)
{
    struct catalog_compute *p;
    PUSH(c, compute, ncompute, p);
    p->name = name;
    p->at = (struct catalog_origin){r->first->file, r->first->line};
    int rc;
    if ((rc = row_num(r, "eff_fp32", &p->eff_max[0], e)) || (rc = row_num(r, "eff_fp16", &p->eff_max[1], e)) ||
        (rc = row_num(r, "ramp", &p->ramp_s, e)) || (rc = row_num(r, "mem_eff", &p->mem_eff, e)) ||
        (rc = row_num(r, "bwd_eff", &p->bwd_eff, e)) || (rc = row_num(r, "launch", &p->launch_s, e)) ||
        (rc = row_str(r, "fitted", &p->fitted, e)) || (rc = row_str(r, "from", &p->from, e)) ||
        (rc = row_str(r, "source", &p->source, e)))
        return rc;
    return 0;
}

static int read_price(struct catalog *c, const struct row *r, const char *name, dt_err *e)
{
    struct catalog_price *p;
    PUSH(c, prices, nprices, p);
    p->name = name;
    p->at = (struct catalog_origin){r->first->file, r->first->line};
    int rc;
    if ((rc = row_num(r, "gpu_hour", &p->gpu_hour, e)) || (rc = row_num(r, "node_hour", &p->node_hour, e)) ||
        (rc = row_num(r, "nic_hour", &p->nic_hour, e)) || (rc = row_str(r, "source", &p->source, e)))
        return rc;
    return 0;
}

/* A stack row from any config section with the [stack] keys. */
static int stack_from_row(const struct row *r, const char *name, struct stack *s, dt_err *e)
{
    stack_ideal(s);
    s->name = name;
    s->file = r->first->file;
    s->line = r->first->line;
    double year, kamp, ok, okpl, queue, sync, opt, overlap, tf32;
    const char *kernels, *eff;
    int rc;
    if ((rc = row_str(r, "framework", &s->framework, e)) || (rc = row_str(r, "version", &s->version, e)) ||
        (rc = row_num(r, "year", &year, e)) || (rc = row_num(r, "dispatch_fwd", &s->dispatch_s[STACK_FWD], e)) ||
        (rc = row_num(r, "dispatch_bwd", &s->dispatch_s[STACK_BWD], e)) ||
        (rc = row_num(r, "dispatch_opt", &s->dispatch_s[STACK_OPT], e)) || (rc = row_str(r, "kernels", &kernels, e)) ||
        (rc = row_num(r, "kernels_amp", &kamp, e)) || (rc = row_num(r, "opt_kernels", &ok, e)) ||
        (rc = row_num(r, "opt_kernels_per_layer", &okpl, e)) || (rc = row_num(r, "step_host", &s->step_host_s, e)) ||
        (rc = row_num(r, "queue", &queue, e)) || (rc = row_num(r, "sync", &sync, e)) ||
        (rc = row_num(r, "optimizer", &opt, e)) || (rc = row_num(r, "host_mem_bw", &s->host_mem_bw_Bps, e)) ||
        (rc = row_str(r, "host_link", &s->host_link, e)) ||
        (rc = row_num(r, "overlap", &overlap, e)) || (rc = row_num(r, "tf32", &tf32, e)) ||
        (rc = row_num(r, "decode_per_core", &s->decode_per_core, e)) || (rc = row_str(r, "kernel_eff", &eff, e)) ||
        (rc = row_str(r, "fitted", &s->fitted, e)) || (rc = row_str(r, "source", &s->source, e)))
        return rc;
    s->year = (int)year;
    s->kernels_amp = (int)kamp;
    s->opt_kernels = (int)ok;
    s->opt_kernels_per_layer = okpl;
    s->queue = (int)queue;
    s->sync = (enum stack_sync)sync;
    s->optimizer = (enum stack_optimizer)opt;
    s->overlap = (int)overlap;
    s->tf32 = (int)tf32;
    dt_err le;
    if (kernels[0] && stack_parse_kernels(kernels, s->kernels, &le))
        return config_errf(e, DT_EINVAL, config_find(r->c, r->section, "kernels"), "%s", le.msg);
    if (stack_parse_eff(eff, s->eff, STACK_MAX_ARCH, &s->neff, &le))
        return config_errf(e, DT_EINVAL, config_find(r->c, r->section, "kernel_eff"), "%s", le.msg);
    if (s->neff == 0)
        return config_errf(e, DT_EINVAL, config_find(r->c, r->section, "kernel_eff"),
                           "no architecture: give at least one, e.g. Volta:1");
    if (s->optimizer == STACK_OPT_CPU && !(s->host_mem_bw_Bps > 0)) {
        struct config_entry at = *r->first;
        at.key = "host_mem_bw";
        return config_errf(e, DT_EINVAL, &at, "optimizer = cpu needs the host memory bandwidth of the update");
    }
    return 0;
}

static int read_stack(struct catalog *c, const struct row *r, const char *name, dt_err *e)
{
    struct stack *s;
    PUSH(c, stacks, nstacks, s);
    return stack_from_row(r, name, s, e);
}

int catalog_read_stack(const config *c, const char *section, struct stack *out, dt_err *e)
{
    struct row r = {c, section, "stack", NULL};
    for (size_t i = 0; i < config_count(c) && !r.first; i++)
        if (strcmp(config_at(c, i)->section, section) == 0) r.first = config_at(c, i);
    if (!r.first) return dt_errf(e, DT_ENOENT, "no [%s] section", section);
    return stack_from_row(&r, config_section_name(section), out, e);
}

/* Keys a layered row ([commlib X] with on = BASE) may not set: they are BASE's. */
static const char *const commlib_base_keys[] = {"step_intra",       "step_inter", "small_bytes",    "small_step_intra",
                                                "small_step_inter", "bw_share",   "small_bw_share", "chunk_bytes",
                                                "chunk_lat"};

static int read_commlib(struct catalog *c, const struct row *r, const char *name, dt_err *e)
{
    struct commlib *l;
    PUSH(c, commlibs, ncommlibs, l);
    l->name = name;
    l->at = (struct catalog_origin){r->first->file, r->first->line};
    double year;
    int rc;
    if ((rc = row_str(r, "library", &l->library, e)) || (rc = row_str(r, "version", &l->version, e)) ||
        (rc = row_num(r, "year", &year, e)) || (rc = row_str(r, "transport", &l->transport, e)) ||
        (rc = row_str(r, "on", &l->on, e)) || (rc = row_num(r, "call", &l->call_s, e)) ||
        (rc = row_str(r, "source", &l->source, e)))
        return rc;
    l->year = (int)year;
    if (l->on[0]) {
        for (size_t i = 0; i < sizeof commlib_base_keys / sizeof *commlib_base_keys; i++) {
            const struct config_entry *en = config_find(r->c, r->section, commlib_base_keys[i]);
            if (en)
                return config_errf(e, DT_EINVAL, en, "a layered row (on = %s) takes its per-step values from [commlib %s]; only call may be set",
                                   l->on, l->on);
        }
        return 0; /* merged with its base once every file is read (check_commlibs) */
    }
    static const char *const need[] = {"step_intra", "step_inter", "bw_share"};
    for (size_t i = 0; i < 3; i++)
        if (!config_find(r->c, r->section, need[i])) return row_missing(r, need[i], e);
    if ((rc = row_num(r, "step_intra", &l->step_intra_s, e)) || (rc = row_num(r, "step_inter", &l->step_inter_s, e)) ||
        (rc = row_num(r, "small_bytes", &l->small_bytes, e)) ||
        (rc = row_num(r, "small_step_intra", &l->small_step_intra_s, e)) ||
        (rc = row_num(r, "small_step_inter", &l->small_step_inter_s, e)) ||
        (rc = row_num(r, "bw_share", &l->bw_share, e)) || (rc = row_num(r, "small_bw_share", &l->small_bw_share, e)) ||
        (rc = row_num(r, "chunk_bytes", &l->chunk_bytes, e)) || (rc = row_num(r, "chunk_lat", &l->chunk_lat_s, e)))
        return rc;
    if (!config_find(r->c, r->section, "small_bw_share")) l->small_bw_share = l->bw_share;
    if (l->small_bytes > 0) {
        static const char *const small[] = {"small_step_intra", "small_step_inter"};
        for (size_t i = 0; i < 2; i++)
            if (!config_find(r->c, r->section, small[i])) {
                const struct config_entry *at = config_find(r->c, r->section, "small_bytes");
                return config_errf(e, DT_EINVAL, at, "a small-message protocol needs %s (%s)", small[i],
                                   skey("commlib", small[i])->help);
            }
    } else {
        static const char *const small[] = {"small_step_intra", "small_step_inter", "small_bw_share"};
        for (size_t i = 0; i < 3; i++) {
            const struct config_entry *en = config_find(r->c, r->section, small[i]);
            if (en) return config_errf(e, DT_EINVAL, en, "%s without small_bytes (the small protocol's threshold)", small[i]);
        }
    }
    if (l->chunk_lat_s > 0 && l->chunk_bytes == 0)
        return config_errf(e, DT_EINVAL, config_find(r->c, r->section, "chunk_lat"),
                           "chunk_lat needs chunk_bytes (the size of a piece)");
    return 0;
}

static const struct {
    const char *type;
    int (*read)(struct catalog *, const struct row *, const char *, dt_err *);
} readers[] = {{"gpu", read_gpu}, {"link", read_link}, {"storage", read_storage}, {"cpu", read_cpu},
               {"compute", read_compute}, {"price", read_price}, {"stack", read_stack},
               {"commlib", read_commlib}};

/* ---- one file --------------------------------------------------------------- */

/* A section that appears in two separate blocks of one file would merge
 * silently (last key wins): refuse it. */
static int check_blocks(const config *cfg, dt_err *e)
{
    size_t n = config_count(cfg);
    for (size_t i = 1; i < n; i++) {
        const struct config_entry *en = config_at(cfg, i);
        if (strcmp(en->section, config_at(cfg, i - 1)->section) == 0) continue;
        for (size_t j = 0; j + 1 < i; j++) {
            const struct config_entry *old = config_at(cfg, j);
            if (strcmp(old->section, en->section) == 0 && strcmp(old->file, en->file) == 0)
                return config_errf(e, DT_EINVAL, en, "[%s] appears twice (first at line %d)", en->section, old->line);
        }
    }
    return 0;
}

static int load_file(struct catalog *c, struct priv *pv, const char *path, dt_err *e)
{
    config *cfg;
    int rc = config_load(&cfg, path, e);
    if (rc) return rc;
    config **g = realloc(pv->cfgs, (pv->ncfgs + 1) * sizeof *g);
    if (!g) {
        config_free(cfg);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    pv->cfgs = g;
    pv->cfgs[pv->ncfgs++] = cfg;
    if ((rc = config_check(cfg, catalog_schema, catalog_schema_len, NULL, e)) || (rc = check_blocks(cfg, e)))
        return rc;
    for (size_t s = 0; s < config_nsections(cfg); s++) {
        struct row r = {cfg, config_section_at(cfg, s), NULL, NULL};
        for (size_t i = 0; i < config_count(cfg) && !r.first; i++)
            if (strcmp(config_at(cfg, i)->section, r.section) == 0) r.first = config_at(cfg, i);
        if (!r.first) continue;
        char type[32];
        config_section_type(type, sizeof type, r.section);
        const char *name = config_section_name(r.section);
        size_t t = 0;
        while (t < sizeof readers / sizeof readers[0] && strcmp(readers[t].type, type) != 0) t++;
        if (t == sizeof readers / sizeof readers[0]) {
            if (strcmp(r.first->key, "include") == 0 && !r.section[0]) continue;
            return config_errf(e, DT_EINVAL, r.first, "a catalog row needs a section, e.g. [gpu NAME]");
        }
        r.type = readers[t].type;
        if (!name[0]) return config_errf(e, DT_EINVAL, r.first, "[%s] needs a name, e.g. [%s NAME]", type, type);
        if ((rc = readers[t].read(c, &r, name, e))) return rc;
    }
    return 0;
}

/* ---- directory --------------------------------------------------------------- */

int dt_config_dir(const char *explicit_dir, const char *env, const char *sub, const char *what, const char *hint,
                  char *buf, size_t len, dt_err *e)
{
    const char *d = explicit_dir && explicit_dir[0] ? explicit_dir : getenv(env);
    if (d && d[0]) {
        if (strlen(d) + 1 > len) return dt_errf(e, DT_ERANGE, "%s path '%s' is too long", what, d);
        memcpy(buf, d, strlen(d) + 1);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return dt_errf(e, DT_ENOENT, "cannot find %s (no /proc/self/exe); set %s%s", sub, env, hint);
    exe[n] = '\0';
    char *slash;
    while ((slash = strrchr(exe, '/'))) {
        *slash = '\0';
        char cand[PATH_MAX + 32];
        struct stat st;
        snprintf(cand, sizeof cand, "%s/%s", exe, sub);
        if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (strlen(cand) + 1 > len) return dt_errf(e, DT_ERANGE, "%s path '%s' is too long", what, cand);
            memcpy(buf, cand, strlen(cand) + 1);
            return 0;
        }
    }
    return dt_errf(e, DT_ENOENT, "cannot find %s above the dtsim executable; set %s%s", sub, env, hint);
}

int catalog_dir(char *buf, size_t len, const char *explicit_dir, dt_err *e)
{
    return dt_config_dir(explicit_dir, "DTSIM_CATALOG", "configs/catalog", "catalog", " or pass --catalog", buf, len, e);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted "*.ini" names in dir (regular files, not hidden). */
static int list_ini(const char *dir, char ***names, size_t *n, dt_err *e)
{
    DIR *d = opendir(dir);
    if (!d) return dt_errf(e, DT_ENOENT, "cannot open catalog directory '%s': %s", dir, strerror(errno));
    *names = NULL;
    *n = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".ini") != 0) continue;
        char *full = malloc(strlen(dir) + l + 2);
        char **g = realloc(*names, (*n + 1) * sizeof *g);
        if (!full || !g) {
            free(full);
            if (g) *names = g;
            rc = dt_errf(e, DT_ENOMEM, "out of memory");
            break;
        }
        *names = g;
        sprintf(full, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(full);
            continue;
        }
        (*names)[(*n)++] = full;
    }
    closedir(d);
    if (!rc && *n == 0) rc = dt_errf(e, DT_ENOENT, "catalog directory '%s' has no *.ini files", dir);
    if (*n) qsort(*names, *n, sizeof **names, cmp_str);
    return rc;
}

/* ---- checks across rows ----------------------------------------------------- */

/* Rows of every type start with `const char *name` and carry `at`; these
 * helpers see a table as (base, count, stride, offset of at). */
_Static_assert(offsetof(struct catalog_gpu, name) == 0, "name first");
_Static_assert(offsetof(struct catalog_link, name) == 0, "name first");
_Static_assert(offsetof(struct catalog_storage, name) == 0, "name first");
_Static_assert(offsetof(struct catalog_cpu, name) == 0, "name first");
_Static_assert(offsetof(struct catalog_compute, name) == 0, "name first");
_Static_assert(offsetof(struct catalog_price, name) == 0, "name first");
_Static_assert(offsetof(struct stack, name) == 0, "name first");
_Static_assert(offsetof(struct stack, line) - offsetof(struct stack, file) ==
                   offsetof(struct catalog_origin, line) - offsetof(struct catalog_origin, file),
               "a stack's file and line are laid out as a catalog_origin");
_Static_assert(offsetof(struct commlib, name) == 0, "name first");
#define ROW_NAME(base, stride, i) (*(const char *const *)((const char *)(base) + (i) * (stride)))
#define ROW_AT(base, stride, off, i) ((const struct catalog_origin *)((const char *)(base) + (i) * (stride) + (off)))

static int check_dups(const void *base, size_t n, size_t stride, size_t off_at, const char *type, dt_err *e)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(ROW_NAME(base, stride, i), ROW_NAME(base, stride, j)) == 0) {
                const struct catalog_origin *a = ROW_AT(base, stride, off_at, i), *b = ROW_AT(base, stride, off_at, j);
                return dt_errf(e, DT_EINVAL, "%s:%d: [%s %s] defined twice (first at %s:%d)", a->file, a->line, type,
                               ROW_NAME(base, stride, i), b->file, b->line);
            }
    return 0;
}

#define DUPS(c, arr, count, T, type) check_dups((c)->arr, (c)->count, sizeof(T), offsetof(T, at), type, e)

/* Price rows: no duplicates, each names a gpu or a link row, and carries
 * the keys that fit what it names (gpu_hour/node_hour on a gpu, nic_hour
 * on a link). */
static int check_prices(const struct catalog *c, dt_err *e)
{
    int rc = DUPS(c, prices, nprices, struct catalog_price, "price");
    for (size_t i = 0; !rc && i < c->nprices; i++) {
        const struct catalog_price *p = &c->prices[i];
        dt_err le;
        int gpu = catalog_gpu(c, p->name, &le) != NULL, link = !gpu && catalog_link(c, p->name, &le);
        if (!gpu && !link) {
            dt_err lg; /* the gpu table's suggestion when it has one, else the link table's */
            catalog_gpu(c, p->name, &lg);
            if (strstr(lg.msg, "did you mean")) le = lg;
            return dt_errf(e, DT_ENOENT, "%s:%d: [price %s] names no gpu or link row: %s", p->at.file, p->at.line,
                           p->name, le.msg);
        }
        if (gpu && p->nic_hour > 0)
            return dt_errf(e, DT_EINVAL, "%s:%d: [price %s] is a gpu: nic_hour belongs on a link's price row",
                           p->at.file, p->at.line, p->name);
        if (link && (p->gpu_hour > 0 || p->node_hour > 0))
            return dt_errf(e, DT_EINVAL, "%s:%d: [price %s] is a link: gpu_hour and node_hour belong on a gpu's row",
                           p->at.file, p->at.line, p->name);
    }
    return rc;
}

/* Layered commlib rows: the base must exist and not be layered itself;
 * then each is replaced by its merge with the base. Every row is checked. */
static int check_commlibs(struct catalog *c, dt_err *e)
{
    int rc = DUPS(c, commlibs, ncommlibs, struct commlib, "commlib");
    for (size_t i = 0; !rc && i < c->ncommlibs; i++) {
        struct commlib *l = &c->commlibs[i];
        if (commlib_is_none(l->name))
            return dt_errf(e, DT_EINVAL, "%s:%d: [commlib none] is reserved for the ideal library (no software cost)",
                           l->at.file, l->at.line);
        if (!l->on[0]) continue;
        dt_err le;
        const struct commlib *b = catalog_commlib(c, l->on, &le);
        if (!b)
            return dt_errf(e, DT_ENOENT, "%s:%d: [commlib %s] on: %s", l->at.file, l->at.line, l->name, le.msg);
        if (b->on[0])
            return dt_errf(e, DT_EINVAL, "%s:%d: [commlib %s] on: '%s' is itself layered (on = %s); name the base library",
                           l->at.file, l->at.line, l->name, b->name, b->on);
    }
    /* merge once every base is known to be a base */
    for (size_t i = 0; !rc && i < c->ncommlibs; i++) {
        struct commlib *l = &c->commlibs[i];
        if (!l->on[0]) continue;
        const struct commlib *b = catalog_commlib(c, l->on, NULL);
        commlib_layer(l, b, l);
    }
    for (size_t i = 0; !rc && i < c->ncommlibs; i++) {
        dt_err le;
        if (commlib_check(&c->commlibs[i], &le))
            return dt_errf(e, DT_EINVAL, "%s:%d: %s", c->commlibs[i].at.file, c->commlibs[i].at.line, le.msg);
    }
    return rc;
}

static int check_rows(struct catalog *c, dt_err *e)
{
    int rc;
    if ((rc = DUPS(c, gpus, ngpus, struct catalog_gpu, "gpu")) ||
        (rc = DUPS(c, links, nlinks, struct catalog_link, "link")) ||
        (rc = DUPS(c, storage, nstorage, struct catalog_storage, "storage")) ||
        (rc = DUPS(c, cpus, ncpus, struct catalog_cpu, "cpu")) ||
        (rc = DUPS(c, compute, ncompute, struct catalog_compute, "compute")) ||
        (rc = check_dups(c->stacks, c->nstacks, sizeof *c->stacks, offsetof(struct stack, file), "stack", e)) ||
        (rc = check_prices(c, e)) || (rc = check_commlibs(c, e)))
        return rc;
    /* a gpu's link must be a link row (any file): checked on the entry */
    const struct priv *pv = c->priv__;
    for (size_t f = 0; f < pv->ncfgs; f++)
        for (size_t i = 0; i < config_count(pv->cfgs[f]); i++) {
            const struct config_entry *en = config_at(pv->cfgs[f], i);
            char type[32];
            config_section_type(type, sizeof type, en->section);
            dt_err le;
            if (strcmp(type, "gpu") == 0 && strcmp(en->key, "link") == 0 && !catalog_link(c, en->value, &le))
                return config_errf(e, DT_ENOENT, en, "%s", le.msg);
        }
    return 0;
}

/* ---- public ------------------------------------------------------------------ */

int catalog_load(struct catalog **out, const char *dir, dt_err *e)
{
    *out = NULL;
    char dbuf[PATH_MAX];
    int rc = catalog_dir(dbuf, sizeof dbuf, dir, e);
    if (rc) return rc;
    struct catalog *c = calloc(1, sizeof *c);
    struct priv *pv = calloc(1, sizeof *pv);
    char **files = NULL;
    size_t nfiles = 0;
    if (!c || !pv || !(pv->dir = strdup(dbuf))) {
        rc = dt_errf(e, DT_ENOMEM, "out of memory");
        goto err;
    }
    c->priv__ = pv;
    c->dir = pv->dir;
    if ((rc = list_ini(dbuf, &files, &nfiles, e))) goto err;
    for (size_t i = 0; i < nfiles && !rc; i++) rc = load_file(c, pv, files[i], e);
    if (rc || (rc = check_rows(c, e))) goto err;
    for (size_t i = 0; i < nfiles; i++) free(files[i]);
    free(files);
    *out = c;
    return 0;
err:
    for (size_t i = 0; i < nfiles; i++) free(files[i]);
    free(files);
    if (c) {
        c->priv__ = pv;
        catalog_free(c);
    } else {
        free(pv);
    }
    return rc;
}

void catalog_free(struct catalog *c)
{
    if (!c) return;
    struct priv *pv = c->priv__;
    if (pv) {
        for (size_t i = 0; i < pv->ncfgs; i++) config_free(pv->cfgs[i]);
        free(pv->cfgs);
        free(pv->dir);
        free(pv);
    }
    free(c->gpus);
    free(c->links);
    free(c->storage);
    free(c->cpus);
    free(c->compute);
    free(c->prices);
    free(c->stacks);
    free(c->commlibs);
    free(c);
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return 1;
    return 0;
}

/* Nearest name for a suggestion: the whole name, or its first strlen(word)
 * characters (so 'V10O' finds 'V100-SXM2-16GB'), or a name containing the
 * word ('EDR' finds 'IB-EDR'). Ties go to the earlier row. */
static const char *nearest(const char *word, const void *base, size_t n, size_t stride)
{
    const char *best = NULL;
    int bestd = 1 << 30;
    size_t wl = strlen(word);
    for (size_t i = 0; i < n; i++) {
        const char *cand = ROW_NAME(base, stride, i);
        int d = strsim_distance(word, cand);
        if (wl >= 2 && wl < strlen(cand)) {
            char pre[256];
            size_t pl = wl < sizeof pre - 1 ? wl : sizeof pre - 1;
            memcpy(pre, cand, pl);
            pre[pl] = '\0';
            int dp = strsim_distance(word, pre) + 1;
            if (dp < d) d = dp;
            if (wl >= 3 && d > 1 && contains_ci(cand, word)) d = 1;
        }
        if (d < bestd) {
            bestd = d;
            best = cand;
        }
    }
    int limit = (int)(wl / 2);
    if (limit < 2) limit = 2;
    return bestd <= limit ? best : NULL;
}

static const void *lookup(const void *base, size_t n, size_t stride, const char *type, const char *name, dt_err *e)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(ROW_NAME(base, stride, i), name) == 0) return (const char *)base + i * stride;
    const char *near = nearest(name, base, n, stride);
    if (near) {
        dt_errf(e, DT_ENOENT, "unknown %s '%s' (did you mean '%s'?)", type, name, near);
        return NULL;
    }
    char list[768];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", ROW_NAME(base, stride, i));
        if (w < 0 || (size_t)w >= sizeof list - used) break;
        used += (size_t)w;
    }
    dt_errf(e, DT_ENOENT, "unknown %s '%s' (known: %s)", type, name, n ? list : "none");
    return NULL;
}

const struct catalog_gpu *catalog_gpu(const struct catalog *c, const char *name, dt_err *e)
{
    return lookup(c->gpus, c->ngpus, sizeof *c->gpus, "gpu", name, e);
}

const struct catalog_link *catalog_link(const struct catalog *c, const char *name, dt_err *e)
{
    return lookup(c->links, c->nlinks, sizeof *c->links, "link", name, e);
}

const struct catalog_storage *catalog_storage(const struct catalog *c, const char *name, dt_err *e)
{
    return lookup(c->storage, c->nstorage, sizeof *c->storage, "storage", name, e);
}

const struct catalog_cpu *catalog_cpu(const struct catalog *c, const char *name, dt_err *e)
{
    return lookup(c->cpus, c->ncpus, sizeof *c->cpus, "cpu", name, e);
}

const struct commlib *catalog_commlib(const struct catalog *c, const char *name, dt_err *e)
{
    return lookup(c->commlibs, c->ncommlibs, sizeof *c->commlibs, "commlib", name, e);
}

const struct catalog_compute *catalog_compute(const struct catalog *c, const char *arch, dt_err *e)
{
    for (size_t i = 0; i < c->ncompute; i++)
        if (strcasecmp(c->compute[i].name, arch) == 0) return &c->compute[i];
    dt_errf(e, DT_ENOENT, "no [compute %s] row in the catalog: gpu architecture '%s' has no fitted compute model "
                          "(add it to configs/calibration/compute-points.ini and run 'dtsim calibrate-compute')",
            arch, arch);
    return NULL;
}

const struct stack *catalog_stack(const struct catalog *c, const char *name, dt_err *e)
{
    static struct stack ideal;
    if (strcasecmp(name, "none") == 0) {
        stack_ideal(&ideal);
        return &ideal;
    }
    return lookup(c->stacks, c->nstacks, sizeof *c->stacks, "stack", name, e);
}

const struct catalog_price *catalog_price(const struct catalog *c, const char *name)
{
    for (size_t i = 0; i < c->nprices; i++)
        if (strcasecmp(c->prices[i].name, name) == 0) return &c->prices[i];
    return NULL;
}

int catalog_prices_load(struct catalog *c, const char *path, dt_err *e)
{
    struct priv *pv = c->priv__;
    size_t before[7] = {c->ngpus, c->nlinks, c->nstorage, c->ncpus, c->ncompute, c->nstacks, c->ncommlibs};
    size_t old = c->nprices;
    c->nprices = 0;
    int rc = load_file(c, pv, path, e);
    size_t after[7] = {c->ngpus, c->nlinks, c->nstorage, c->ncpus, c->ncompute, c->nstacks, c->ncommlibs};
    if (!rc && memcmp(before, after, sizeof before) != 0)
        rc = dt_errf(e, DT_EINVAL, "%s: a price file holds [price NAME] rows only", path);
    if (!rc && c->nprices == 0) rc = dt_errf(e, DT_EINVAL, "%s: no [price NAME] rows", path);
    if (!rc) rc = check_prices(c, e);
    if (rc) { /* leave the catalog as it was */
        c->ngpus = before[0], c->nlinks = before[1], c->nstorage = before[2], c->ncpus = before[3];
        c->ncompute = before[4], c->nstacks = before[5], c->ncommlibs = before[6];
        c->nprices = 0;
        (void)old;
    }
    return rc;
}

int catalog_resolve(void *ctx, const char *kind, const char *name, const struct config_entry *where, dt_err *e)
{
    const struct catalog *c = ctx;
    dt_err le;
    const void *found = (const void *)1;
    if (strcmp(kind, "gpu") == 0) found = catalog_gpu(c, name, &le);
    else if (strcmp(kind, "link") == 0) found = catalog_link(c, name, &le);
    else if (strcmp(kind, "storage") == 0) found = catalog_storage(c, name, &le);
    else if (strcmp(kind, "cpu") == 0 && strcmp(name, "none") != 0) found = catalog_cpu(c, name, &le);
    else if (strcmp(kind, "stack") == 0) found = catalog_stack(c, name, &le);
    else if (strcmp(kind, "commlib") == 0 && !commlib_is_none(name)) found = catalog_commlib(c, name, &le);
    if (found) return 0;
    return where ? config_errf(e, DT_ENOENT, where, "%s", le.msg) : dt_errf(e, DT_ENOENT, "%s", le.msg);
}

const char *catalog_prec_name(enum catalog_prec p)
{
    return (unsigned)p < CATALOG_NPREC ? prec_names[p] : NULL;
}

int catalog_prec_parse(const char *name, enum catalog_prec *out, dt_err *e)
{
    for (int p = 0; p < CATALOG_NPREC; p++)
        if (strcasecmp(name, prec_names[p]) == 0) {
            *out = (enum catalog_prec)p;
            return 0;
        }
    const char *near = strsim_nearest(name, prec_names, CATALOG_NPREC);
    if (near) return dt_errf(e, DT_EINVAL, "unknown precision '%s' (did you mean '%s'?)", name, near);
    char list[128];
    return dt_errf(e, DT_EINVAL, "unknown precision '%s' (known: %s)", name,
                   strsim_join(list, sizeof list, prec_names, CATALOG_NPREC));
}

const char *catalog_link_kind_name(enum catalog_link_kind k)
{
    static const char *const n[] = {"intra", "nic", "torus"};
    return (unsigned)k < 3 ? n[k] : "?";
}

const char *catalog_storage_kind_name(enum catalog_storage_kind k)
{
    static const char *const n[] = {"node", "shared"};
    return (unsigned)k < 2 ? n[k] : "?";
}
