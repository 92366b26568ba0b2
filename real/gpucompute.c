/* compute.c -- `dtbench compute`: the command layer over compute_cuda.cu,
 * the ResNet-50 layer table and the per-layer trace writer (see gpucompute.h
 * for the table, docs/traces.md for the trace, docs/dtbench-compute.md for
 * the command). Built with or without CUDA: without it (no DT_HAVE_CUDA)
 * every probe reports a skip, exit 3; `conv --list` works either way.
 */
#include "cmdfail.h"
#include "gpucompute.h"

#include "cmd.h"
#include "strsim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef DT_HAVE_CUDA
#include "compute_cuda.h"
#endif

/* ---- the layer table ---------------------------------------------------- */

static const char *const models[] = {"resnet50"};

static int add(struct compute_layer *out, int *n, int max, const char *kind, int c, int h, int k,
               int r, int stride, int pad, dt_err *e, const char *fmt, ...)
    __attribute__((format(printf, 12, 13)));

static int add(struct compute_layer *out, int *n, int max, const char *kind, int c, int h, int k,
               int r, int stride, int pad, dt_err *e, const char *fmt, ...)
{
    if (*n >= max) return dt_errf(e, DT_ERANGE, "layer table needs more than %d rows", max);
    struct compute_layer *l = &out[(*n)++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->name, sizeof l->name, fmt, ap);
    va_end(ap);
    l->kind = kind;
    l->c = c;
    l->h = l->w = h;
    l->k = k;
    l->r = r;
    l->stride = stride;
    l->pad = pad;
    l->first = *n == 1;
    return 0;
}

int compute_layers(const char *model, struct compute_layer *out, int max, dt_err *e)
{
    if (strcmp(model, "resnet50") != 0) {
        const char *near = strsim_nearest(model, models, 1);
        if (near) return dt_errf(e, DT_EINVAL, "unknown model '%s' (did you mean '%s'?)", model, near);
        return dt_errf(e, DT_EINVAL, "unknown model '%s' (known: resnet50)", model);
    }
    static const int blocks[4] = {3, 4, 6, 3};
    int n = 0, in = 64, h = 56;
    if (add(out, &n, max, "conv", 3, 224, 64, 7, 2, 3, e, "conv1")) return e->code;
    for (int s = 0; s < 4; s++) {
        int width = 64 << s;
        for (int b = 0; b < blocks[s]; b++) {
            int st = s > 0 && b == 0 ? 2 : 1, h2 = (h - 1) / st + 1;
            if (add(out, &n, max, "conv", in, h, width, 1, 1, 0, e, "layer%d.%d.conv1", s + 1, b) ||
                add(out, &n, max, "conv", width, h, width, 3, st, 1, e, "layer%d.%d.conv2", s + 1, b) ||
                add(out, &n, max, "conv", width, h2, 4 * width, 1, 1, 0, e, "layer%d.%d.conv3", s + 1, b))
                return e->code;
            if (b == 0 && add(out, &n, max, "conv", in, h, 4 * width, 1, st, 0, e,
                              "layer%d.0.downsample.0", s + 1))
                return e->code;
            in = 4 * width;
            h = h2;
        }
    }
    if (add(out, &n, max, "fc", 2048, 1, 1000, 1, 1, 0, e, "fc")) return e->code;
    return n;
}

int compute_out_hw(const struct compute_layer *l) { return (l->h + 2 * l->pad - l->r) / l->stride + 1; }

double compute_layer_flops(const struct compute_layer *l, int n)
{
    double p = compute_out_hw(l);
    return 2.0 * n * l->k * p * p * l->c * l->r * l->r;
}

double compute_layer_weights(const struct compute_layer *l) { return (double)l->k * l->c * l->r * l->r; }

/* ---- options ------------------------------------------------------------ */

/* Error lines say "dtbench compute: error: ...". */
#define fail(...) real_fail("compute", __VA_ARGS__)
#define is_help real_is_help
#define parse_int(...) real_parse_int("compute", __VA_ARGS__)

static const char *const dtype_names[] = {"fp32", "tf32", "fp16", "bf16"};

static int parse_dtype(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, dtype_names[i]) == 0) return i;
    const char *near = strsim_nearest(s, dtype_names, 4);
    if (near) fail("unknown dtype '%s' (did you mean '%s'?)", s, near);
    else fail("unknown dtype '%s' (known: fp32, tf32, fp16, bf16)", s);
    return -1;
}

struct opts {
    const char *what;   /* gemm, membw, conv, all */
    int device;
    int dtypes[4], ndtypes;
    int sizes[16], nsizes;
    int batch;
    int nhwc;
    const char *trace;
    const char *model;
    int warmup, reps, ntry;
    long long ws_limit, mem_bytes;
    int list;
    int dtype_given;
    char cmdline[512];
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: dtbench compute [gemm|membw|conv|all] [options]\n\n"
        "GPU compute probes; each needs a CUDA device and otherwise exits 3 (skipped).\n\n"
        "  gemm   cuBLAS GEMM sweep, m=n=k, achieved TFLOP/s\n"
        "  membw  device memory bandwidth: copy kernel and cudaMemcpy, GB/s (read+write)\n"
        "  conv   every ResNet-50 v1.5 convolution and fc through cuDNN/cuBLAS:\n"
        "         forward, backward data, backward filter; per-layer trace with --trace\n"
        "  all    gemm, membw, then conv (the default)\n\n"
        "options:\n"
        "  --device N          GPU index (default 0)\n"
        "  --dtype LIST        fp32, tf32, fp16, bf16; gemm takes a list (default all),\n"
        "                      conv the first (default fp16)\n"
        "  --sizes LIST        gemm m=n=k values (default 1024,2048,4096,8192,16384)\n"
        "  --model NAME        conv: network (default resnet50)\n"
        "  --batch N           conv: images per GPU (default 64)\n"
        "  --layout L          conv: nhwc or nchw (default nhwc)\n"
        "  --trace FILE        conv: write the per-layer trace (CSV, docs/traces.md)\n"
        "  --warmup N          untimed runs first (default 3)\n"
        "  --reps N            timed runs; the median is reported (default 10; membw 20)\n"
        "  --try N             conv: cuDNN heuristic candidates timed per pass (default 3)\n"
        "  --workspace BYTES   conv: cuDNN workspace limit (default 1GiB)\n"
        "  --mem-bytes BYTES   membw: bytes copied per run (default 1GiB)\n"
        "  --list              conv: print the layer table and exit (no GPU needed)\n");
}

static int parse_list(const char *opt, char *s, int *out, int max, int is_dtype)
{
    int n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        if (n >= max) return fail("%s: at most %d values", opt, max);
        if (is_dtype) {
            int d = parse_dtype(tok);
            if (d < 0) return DT_EXIT_USAGE;
            out[n++] = d;
        } else if (parse_int(opt, tok, 1, &out[n++])) {
            return DT_EXIT_USAGE;
        }
    }
    if (n == 0) return fail("%s: empty list", opt);
    return -n;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const char *const whats[] = {"gemm", "membw", "conv", "all"};
    memset(o, 0, sizeof *o);
    o->what = "all";
    o->batch = 64;
    o->nhwc = 1;
    o->model = "resnet50";
    o->warmup = 3;
    o->reps = -1;
    o->ntry = 3;
    o->ws_limit = 1LL << 30;
    o->mem_bytes = 1LL << 30;
    size_t off = (size_t)snprintf(o->cmdline, sizeof o->cmdline, "dtbench");
    for (int i = 0; i < argc && off < sizeof o->cmdline; i++)
        off += (size_t)snprintf(o->cmdline + off, sizeof o->cmdline - off, " %s", argv[i]);
    int i = 1;
    if (i < argc && argv[i][0] != '-') {
        int ok = 0;
        for (int j = 0; j < 4; j++) ok |= strcmp(argv[i], whats[j]) == 0;
        if (!ok) {
            const char *near = strsim_nearest(argv[i], whats, 4);
            if (near) return fail("unknown probe '%s' (did you mean '%s'?)", argv[i], near);
            return fail("unknown probe '%s' (known: gemm, membw, conv, all)", argv[i]);
        }
        o->what = argv[i++];
    }
    static const char *const names[] = {"--device", "--dtype", "--sizes", "--model", "--batch",
                                        "--layout", "--trace", "--warmup", "--reps", "--try",
                                        "--workspace", "--mem-bytes", "--list", "--help"};
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            usage(stdout);
            return -1;
        }
        if (strcmp(a, "--list") == 0) {
            o->list = 1;
            continue;
        }
        int known = 0;
        for (size_t j = 0; j < sizeof names / sizeof names[0]; j++) known |= strcmp(a, names[j]) == 0;
        if (!known) {
            const char *near = strsim_nearest(a, names, sizeof names / sizeof names[0]);
            if (near) return fail("unknown option '%s' (did you mean '%s'?)", a, near);
            return fail("unknown option '%s' (see 'dtbench compute --help')", a);
        }
        if (i + 1 >= argc) return fail("%s needs a value", a);
        char *v = argv[++i];
        int rc = 0;
        if (strcmp(a, "--device") == 0) rc = parse_int(a, v, 0, &o->device);
        else if (strcmp(a, "--batch") == 0) rc = parse_int(a, v, 1, &o->batch);
        else if (strcmp(a, "--warmup") == 0) rc = parse_int(a, v, 0, &o->warmup);
        else if (strcmp(a, "--reps") == 0) rc = parse_int(a, v, 1, &o->reps);
        else if (strcmp(a, "--try") == 0) rc = parse_int(a, v, 1, &o->ntry);
        else if (strcmp(a, "--model") == 0) o->model = v;
        else if (strcmp(a, "--trace") == 0) o->trace = v;
        else if (strcmp(a, "--layout") == 0) {
            if (strcmp(v, "nhwc") && strcmp(v, "nchw")) return fail("--layout: expected nhwc or nchw, got '%s'", v);
            o->nhwc = strcmp(v, "nhwc") == 0;
        } else if (strcmp(a, "--workspace") == 0 || strcmp(a, "--mem-bytes") == 0) {
            long long b = real_parse_bytes(v);
            if (b < 16) return fail("%s: expected a size such as 1GiB or 512MB, got '%s'", a, v);
            *(strcmp(a, "--workspace") == 0 ? &o->ws_limit : &o->mem_bytes) = b;
        } else if (strcmp(a, "--dtype") == 0) {
            rc = parse_list(a, v, o->dtypes, 4, 1);
            if (rc < 0) o->ndtypes = -rc, o->dtype_given = 1, rc = 0;
        } else if (strcmp(a, "--sizes") == 0) {
            rc = parse_list(a, v, o->sizes, 16, 0);
            if (rc < 0) o->nsizes = -rc, rc = 0;
        }
        if (rc) return rc;
    }
    if (o->ndtypes == 0) {
        if (strcmp(o->what, "conv") == 0) o->dtypes[o->ndtypes++] = 2;
        else for (int d = 0; d < 4; d++) o->dtypes[o->ndtypes++] = d;
    }
    if (o->nsizes == 0) {
        static const int def[] = {1024, 2048, 4096, 8192, 16384};
        for (int j = 0; j < 5; j++) o->sizes[o->nsizes++] = def[j];
    }
    return 0;
}

static int list_layers(const struct opts *o)
{
    struct compute_layer L[COMPUTE_MAX_LAYERS];
    dt_err e;
    int n = compute_layers(o->model, L, COMPUTE_MAX_LAYERS, &e);
    if (n < 0) return fail("%s", e.msg);
    double flops = 0, weights = 0;
    printf("# %s: %d layers, batch %d; GFLOP = one pass (forward, backward data or backward filter)\n",
           o->model, n, o->batch);
    printf("%-22s %-4s %5s %4s %5s %2s %6s %3s %5s %10s\n", "layer", "kind", "c", "h", "k", "r",
           "stride", "pad", "out", "GFLOP");
    for (int i = 0; i < n; i++) {
        double f = compute_layer_flops(&L[i], o->batch);
        flops += f;
        weights += compute_layer_weights(&L[i]);
        printf("%-22s %-4s %5d %4d %5d %2d %6d %3d %5d %10.3f\n", L[i].name, L[i].kind, L[i].c,
               L[i].h, L[i].k, L[i].r, L[i].stride, L[i].pad, compute_out_hw(&L[i]), f * 1e-9);
    }
    printf("# total forward: %.3f GFLOP at batch %d (%.0f multiply-adds per image), %.0f weights\n",
           flops * 1e-9, o->batch, flops / 2 / o->batch, weights);
    return DT_EXIT_OK;
}

#ifdef DT_HAVE_CUDA
static const char *const pass_names[] = {"fwd", "bwd_data", "bwd_filter"};

static int cuda_fail(const dt_err *e)
{
    fprintf(stderr, "dtbench compute: error: %s\n", e->msg);
    return DT_EXIT_FAIL;
}

/* The kernel driver's version ("580.159.04") from /proc, or "" when absent:
 * the first token of its first line that starts with a digit and has a dot. */
static void driver_version(char *buf, size_t len)
{
    char line[512];
    buf[0] = '\0';
    FILE *f = fopen("/proc/driver/nvidia/version", "r");
    if (!f) return;
    if (fgets(line, sizeof line, f)) {
        for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
            if (tok[0] >= '0' && tok[0] <= '9' && strchr(tok, '.')) {
                snprintf(buf, len, "%s", tok);
                break;
            }
    }
    fclose(f);
}

static void print_header(FILE *f, const struct cc_info *in)
{
    char drv[64];
    driver_version(drv, sizeof drv);
    fprintf(f, "# gpu: %s, sm_%d%d, %d SMs, %.1f GiB, %d MHz, pci %s\n", in->name, in->cc_major,
            in->cc_minor, in->sms, in->mem_bytes / 1073741824.0, in->clock_khz / 1000, in->pci);
    fprintf(f, "# driver: %s (cuda driver api %d.%d); runtime: cuda %d.%d; cublas %d.%d.%d; cudnn %zu.%zu.%zu\n",
            drv[0] ? drv : "unknown", in->driver_api / 1000, in->driver_api % 1000 / 10,
            in->runtime / 1000, in->runtime % 1000 / 10, in->cublas / 10000, in->cublas % 10000 / 100,
            in->cublas % 100, in->cudnn / 10000, in->cudnn % 10000 / 100, in->cudnn % 100);
}

static int run_gemm(const struct opts *o)
{
    int reps = o->reps > 0 ? o->reps : 10;
    dt_err e;
    printf("# gemm: cublasGemmEx NN, m=n=k, fp16/bf16 accumulate in fp32, fp32 without TF32;"
           " median of %d runs after %d warm-ups;\n# GPU time between CUDA events, runs queued behind a hold kernel; host_us = host time to enqueue one\n", reps, o->warmup);
    printf("%-6s %7s %11s %9s %9s %9s\n", "dtype", "m=n=k", "time_ms", "TFLOP/s", "best", "host_us");
    for (int d = 0; d < o->ndtypes; d++)
        for (int i = 0; i < o->nsizes; i++) {
            struct cc_time t;
            int m = o->sizes[i];
            if (cc_gemm((enum cc_dtype)o->dtypes[d], m, m, m, 0, 0, o->warmup, reps, &t, &e))
                return cuda_fail(&e);
            double fl = 2.0 * m * m * (double)m;
            printf("%-6s %7d %11.4f %9.2f %9.2f %9.1f%s\n", dtype_names[o->dtypes[d]], m, t.med_s * 1e3,
                   fl / t.med_s * 1e-12, fl / t.min_s * 1e-12, t.host_s * 1e6, t.held ? "" : " (not held)");
            fflush(stdout);
        }
    return 0;
}

static int run_membw(const struct opts *o, const struct cc_info *in)
{
    int reps = o->reps > 0 ? o->reps : 20;
    struct cc_time k, m;
    dt_err e;
    if (cc_membw((size_t)o->mem_bytes, o->warmup, reps, &k, &m, &e)) return cuda_fail(&e);
    printf("# membw: %lld bytes per copy, GB/s = 2 x bytes / time (read + write); median of %d runs"
           " after %d warm-ups\n", o->mem_bytes, reps, o->warmup);
    if (in->mem_clock_khz > 0 && in->bus_bits > 0)
        printf("# peak from clocks: %.1f GB/s (2 x %d MHz x %d bits / 8)\n",
               2.0 * in->mem_clock_khz * 1e3 * in->bus_bits / 8 * 1e-9, in->mem_clock_khz / 1000,
               in->bus_bits);
    printf("%-12s %11s %9s %9s\n", "method", "time_ms", "GB/s", "best");
    if (!k.held || !m.held) printf("# (not held: the host enqueued the runs while the GPU ran them)\n");
    double b2 = 2.0 * (double)(o->mem_bytes & ~15LL);
    printf("%-12s %11.4f %9.1f %9.1f\n", "copy_kernel", k.med_s * 1e3, b2 / k.med_s * 1e-9, b2 / k.min_s * 1e-9);
    printf("%-12s %11.4f %9.1f %9.1f\n", "cudaMemcpy", m.med_s * 1e3, b2 / m.med_s * 1e-9, b2 / m.min_s * 1e-9);
    fflush(stdout);
    return 0;
}

struct memo {
    const struct compute_layer *l;
    int pass;
    struct cc_conv_result r;
};

static int same_shape(const struct compute_layer *a, const struct compute_layer *b)
{
    return strcmp(a->kind, b->kind) == 0 && a->c == b->c && a->h == b->h && a->w == b->w &&
           a->k == b->k && a->r == b->r && a->stride == b->stride && a->pad == b->pad;
}

/* One pass of one layer, measured once per distinct shape. */
static int layer_pass(const struct opts *o, int dt, const struct compute_layer *l, int pass,
                      struct memo *memo, int *nmemo, struct cc_conv_result *r, dt_err *e)
{
    for (int i = 0; i < *nmemo; i++)
        if (memo[i].pass == pass && same_shape(memo[i].l, l)) {
            *r = memo[i].r;
            return 0;
        }
    int reps = o->reps > 0 ? o->reps : 10;
    memset(r, 0, sizeof *r);
    if (strcmp(l->kind, "fc") == 0) {
        /* Column-major views of y = x W^T (W is [k][c] row-major). */
        int n = o->batch, m_[3] = {l->k, l->c, l->c}, n_[3] = {n, n, l->k}, k_[3] = {l->c, l->k, n};
        int ta[3] = {1, 0, 0}, tb[3] = {0, 0, 1};
        if (cc_gemm((enum cc_dtype)dt, m_[pass], n_[pass], k_[pass], ta[pass], tb[pass], o->warmup,
                    reps, &r->t, e))
            return e->code;
        snprintf(r->algo, sizeof r->algo, "cublas_gemm");
    } else {
        struct cc_conv cv = {o->batch, l->c, l->h, l->w, l->k, l->r, l->stride, l->pad};
        if (cc_conv_time(&cv, (enum cc_dtype)dt, o->nhwc ? CC_NHWC : CC_NCHW, (enum cc_pass)pass,
                         o->warmup, reps, o->ntry, (size_t)o->ws_limit, r, e))
            return e->code;
    }
    memo[*nmemo].l = l;
    memo[*nmemo].pass = pass;
    memo[(*nmemo)++].r = *r;
    return 0;
}

static int run_conv(const struct opts *o, const struct cc_info *in, int dt)
{
    static struct compute_layer L[COMPUTE_MAX_LAYERS];
    static struct memo memo[3 * COMPUTE_MAX_LAYERS];
    int nmemo = 0, reps = o->reps > 0 ? o->reps : 10;
    dt_err e;
    int n = compute_layers(o->model, L, COMPUTE_MAX_LAYERS, &e);
    if (n < 0) return fail("%s", e.msg);
    FILE *tf = NULL;
    if (o->trace && !(tf = fopen(o->trace, "w")))
        return fail("cannot write trace '%s': %s", o->trace, strerror(errno));
    char desc[512];
    snprintf(desc, sizeof desc, "# conv: %s batch %d %s %s; median of %d runs after %d warm-ups, CUDA events;"
             " runs queued behind a hold kernel (GPU time);"
             " algorithm: fastest of cuDNN's first %d heuristic candidates, workspace <= %lld bytes\n",
             o->model, o->batch, dtype_names[dt], o->nhwc ? "nhwc" : "nchw", reps, o->warmup, o->ntry,
             o->ws_limit);
    if (tf) {
        fprintf(tf, "# dtbench compute trace v1\n# command: %s\n", o->cmdline);
        print_header(tf, in);
        fputs(desc, tf);
        fprintf(tf, "layer,kind,pass,batch,dtype,time_s,flops,c,h,w,k,r,stride,pad,host_s,algo\n");
    }
    fputs(desc, stdout);
    printf("%-22s %5s %4s %5s %2s %2s %9s %9s %9s %7s %7s %7s\n", "layer", "c", "h", "k", "r", "s",
           "fwd_ms", "bwdd_ms", "bwdf_ms", "fwd_TF", "bwdd_TF", "bwdf_TF");
    double tot[3] = {0, 0, 0}, flops = 0, host = 0;
    int rc = 0, held = 1;
    for (int i = 0; i < n && !rc; i++) {
        const struct compute_layer *l = &L[i];
        double fl = compute_layer_flops(l, o->batch), ms[3] = {-1, -1, -1};
        for (int p = 0; p < 3; p++) {
            struct cc_conv_result r;
            if (p == CC_BWD_DATA && l->first) continue; /* the input image needs no gradient */
            if (layer_pass(o, dt, l, p, memo, &nmemo, &r, &e)) {
                rc = cuda_fail(&e);
                break;
            }
            ms[p] = r.t.med_s * 1e3;
            tot[p] += r.t.med_s;
            host += r.t.host_s;
            held &= r.t.held;
            flops += fl;
            if (tf)
                fprintf(tf, "%s,%s,%s,%d,%s,%.6e,%.0f,%d,%d,%d,%d,%d,%d,%d,%.3e,%s\n", l->name, l->kind,
                        pass_names[p], o->batch, dtype_names[dt], r.t.med_s, fl, l->c, l->h, l->w,
                        l->k, l->r, l->stride, l->pad, r.t.host_s, r.algo);
        }
        if (rc) break;
        printf("%-22s %5d %4d %5d %2d %2d", l->name, l->c, l->h, l->k, l->r, l->stride);
        for (int p = 0; p < 3; p++)
            if (ms[p] < 0) printf(" %9s", "-");
            else printf(" %9.4f", ms[p]);
        for (int p = 0; p < 3; p++)
            if (ms[p] < 0) printf(" %7s", "-");
            else printf(" %7.1f", fl / (ms[p] * 1e-3) * 1e-12);
        printf("\n");
        fflush(stdout);
    }
    if (!rc) {
        double step = tot[0] + tot[1] + tot[2];
        printf("# total: fwd %.3f ms, bwd %.3f ms (data %.3f, filter %.3f), fwd+bwd %.3f ms"
               " = %.0f images/s for these layers alone, %.1f TFLOP/s\n",
               tot[0] * 1e3, (tot[1] + tot[2]) * 1e3, tot[1] * 1e3, tot[2] * 1e3, step * 1e3,
               o->batch / step, flops / step * 1e-12);
        printf("# host: %.3f ms to enqueue the calls of one step (not in the GPU times above)%s\n",
               host * 1e3, held ? "" : "; some runs not held: GPU times may include host gaps");
        if (tf) fprintf(tf, "# total_s: fwd %.6e bwd_data %.6e bwd_filter %.6e host %.6e\n", tot[0], tot[1], tot[2], host);
    }
    if (tf && fclose(tf) != 0 && !rc) rc = fail("cannot write trace '%s': %s", o->trace, strerror(errno));
    return rc;
}

static int run_probes(const struct opts *o)
{
    int ndev = 0, rc = 0;
    dt_err e;
    int what_all = strcmp(o->what, "all") == 0;
    int r = cc_device_count(&ndev, &e);
    if (r == DT_ESKIP) {
        printf("dtbench compute: skipped: %s\n", e.msg);
        return DT_EXIT_SKIP;
    }
    if (r) return cuda_fail(&e);
    if (o->device >= ndev) return fail("--device %d: only %d cuda device(s) present", o->device, ndev);
    struct cc_info info;
    if (cc_open(o->device, &info, &e)) {
        cc_close();
        return cuda_fail(&e);
    }
    print_header(stdout, &info);
    if (what_all || strcmp(o->what, "gemm") == 0) rc = run_gemm(o);
    if (!rc && (what_all || strcmp(o->what, "membw") == 0)) rc = run_membw(o, &info);
    if (!rc && (what_all || strcmp(o->what, "conv") == 0))
        rc = run_conv(o, &info, what_all && !o->dtype_given ? 2 : o->dtypes[0]);
    cc_close();
    return rc;
}
#else
static int run_probes(const struct opts *o)
{
    (void)o;
    printf("dtbench compute: skipped: built without CUDA (no whole CUDA install was found at build time; see make's cuda: line)\n");
    return DT_EXIT_SKIP;
}
#endif

int dtbench_compute_main(int argc, char **argv)
{
    struct opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc < 0) return DT_EXIT_OK; /* --help */
    if (rc) return rc;
    if (o.list) return list_layers(&o);
    return run_probes(&o);
}
