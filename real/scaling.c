/* scaling.c -- `dtbench scaling`: a data-parallel training step on 1..N
 * ranks, timed, in the layout of Table 2 of arXiv 1811.05233.
 *
 * One process per rank (dtbench launch -n N [--testbed], mpirun, ...). For
 * each rank count k in 1, 2, 4, ..., N (scaling_plan.h), ranks 0..k-1 run
 * `--warmup` + `--steps` steps; the others wait at the per-step barrier.
 * A step, as sim/iter.h simulates it:
 *
 *   main thread   forward (layers in order), backward (layers from the
 *                 last); after a layer's backward, a bucket that it closes
 *                 is posted to the comm thread; after the first layer,
 *                 wait for the last bucket (exposed communication)
 *   comm thread   all-reduces the posted buckets one after the other, in
 *                 place on the gradient buffer, through the transport and
 *                 schedule (`--transport`, `--algo`), as `dtbench allreduce`
 *
 *   |--fwd--|-----------bwd-----------|(exposed)|
 *                  [ar b0 ][ar b1  ][ar b2  ]
 *
 * Compute: with a GPU (CUDA build, a device, no --cpu), the model's real
 * convolutions through cuDNN (compute_cuda.h cc_plan: forward, backward
 * data, backward filter of every layer, batch --batch), synchronised
 * after each layer. Else the calibrated CPU kernel: 64^3 fp32 GEMM blocks,
 * counted so that a step's compute takes --compute-ms on rank 0 alone
 * (calibrated once at start: rank 0 times the kernel for 0.3 s while the
 * others wait; the block counts are broadcast, so every rank does the
 * same work), shared among layers by FLOPs.
 *
 * The gradient buffer holds the model's parameter count of --dtype
 * elements (ResNet-50: 25 557 032); its values are not the convolutions'
 * gradients (the all-reduce moves the right bytes; nothing is trained).
 * Batch norm, ReLU, pooling and the optimizer are not run.
 *
 * Reported per k: step time (max over ranks, mean over steps), its forward,
 * backward and exposed-communication parts, the all-reduce alone (the
 * same buckets without compute), images/s = k * batch / step, and scaling
 * efficiency = images/s(k) / (k * images/s(1)) (base: one rank).
 * Each k also writes OUT/scaling-k.ini ([cluster] [model] [training]
 * [allreduce] [input]) and OUT/scaling-trace.csv (the per-layer times of
 * the 1-rank run, docs/traces.md) so that
 *     dtsim run OUT/scaling-k.ini --trace-in OUT/scaling-trace.csv
 * predicts the same run.
 */
#include "dtbench.h"

#include "bench.h"
#include "cmdfail.h"
#include "counters.h"
#include "gpucompute.h"
#include "mesh.h"
#include "scaling_plan.h"
#include "transport.h"
#ifdef DT_HAVE_CUDA
#include "compute_cuda.h"
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_BUCKETS 256
#define MAX_K 32

struct opts {
    const char *model, *transport, *algo, *outdir, *sim_gpu, *cluster_ini;
    int batch, dtype, steps, warmup, cpu, overlap, no_counters, max_k;
    double compute_s;
    uint64_t bucket_bytes;
    struct mesh_opts mo;
};

static void help(void)
{
    printf("usage: dtbench scaling [--model resnet50] [--batch B] [--dtype fp32|fp16] [--steps N] [--warmup N]\n"
           "                       [--transport tcp|nccl] [--algo NAME] [--bucket SIZE] [--compute-ms MS] [--cpu]\n"
           "                       [--no-overlap] [--out DIR] [--sim-gpu NAME] [--cluster-ini FILE]\n\n"
           "A data-parallel training step on 1, 2, 4, ..., N ranks (N = the world size: run it under\n"
           "'dtbench launch -n N [--testbed] --'): compute, then the gradients' all-reduce in buckets\n"
           "overlapped with the backward pass (a communication thread, as dtsim assumes). Prints\n"
           "images/s and scaling efficiency per rank count (Table 2 of arXiv 1811.05233) and writes\n"
           "DIR/scaling-K.ini + DIR/scaling-trace.csv for 'dtsim run DIR/scaling-K.ini --trace-in ...'.\n\n"
           "  --model NAME       resnet50 (default; 25,557,032 parameters)\n"
           "  --batch B          images per rank per step (default 32)\n"
           "  --dtype fp32|fp16  gradient element type on the wire (default fp32)\n"
           "  --steps N          timed steps per rank count (default 5)\n"
           "  --warmup N         untimed steps before them (default 1)\n"
           "  --transport T      tcp (default) or nccl\n"
           "  --algo NAME        all-reduce schedule (default ring; nccl transport: nccl)\n"
           "  --bucket SIZE      gradient fusion bucket (default 25MB, as PyTorch DDP and dtsim)\n"
           "  --compute-ms MS    CPU kernel: compute time of one step on one rank (default 200)\n"
           "  --cpu              use the CPU kernel even where a GPU exists\n"
           "  --no-overlap       all-reduce after the whole backward pass\n"
           "  --max-ranks K      largest rank count swept (default: all)\n"
           "  --out DIR          where the .ini and trace files go (default out)\n"
           "  --sim-gpu NAME     [cluster] gpu written for the CPU kernel (default V100-SXM2-16GB)\n"
           "  --cluster-ini FILE include FILE (e.g. out/testbed.ini) in the written configs\n"
           "  --no-counters      software clocks only\n"
           "  --timeout S        no progress for S seconds is an error (default 10)\n"
           "  --rdv-timeout S    all ranks must meet within S seconds (default 30)\n\n"
           "Exit status: 0 ok, 1 a run broke, 2 bad input, 3 skipped.\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
    enum { O_MODEL = 256, O_BATCH, O_DTYPE, O_STEPS, O_WARMUP, O_TRANSPORT, O_ALGO, O_BUCKET, O_COMPUTE, O_CPU,
           O_NOOVERLAP, O_OUT, O_SIMGPU, O_CLUSTER, O_NOCTR, O_TIMEOUT, O_RDV, O_MAXK };
    static const struct option lo[] = {
        {"model", 1, 0, O_MODEL},         {"batch", 1, 0, O_BATCH},         {"dtype", 1, 0, O_DTYPE},
        {"steps", 1, 0, O_STEPS},         {"warmup", 1, 0, O_WARMUP},       {"transport", 1, 0, O_TRANSPORT},
        {"algo", 1, 0, O_ALGO},           {"bucket", 1, 0, O_BUCKET},       {"compute-ms", 1, 0, O_COMPUTE},
        {"cpu", 0, 0, O_CPU},             {"no-overlap", 0, 0, O_NOOVERLAP}, {"out", 1, 0, O_OUT},
        {"sim-gpu", 1, 0, O_SIMGPU},      {"cluster-ini", 1, 0, O_CLUSTER}, {"no-counters", 0, 0, O_NOCTR},
        {"timeout", 1, 0, O_TIMEOUT},     {"rdv-timeout", 1, 0, O_RDV},     {"max-ranks", 1, 0, O_MAXK},
        {"help", 0, 0, 'h'},              {0, 0, 0, 0}};
    *o = (struct opts){.model = "resnet50", .transport = "tcp", .algo = NULL, .outdir = "out",
                       .sim_gpu = "V100-SXM2-16GB", .batch = 32, .dtype = COLL_FP32, .steps = 5, .warmup = 1,
                       .overlap = 1, .compute_s = 0.2, .bucket_bytes = 25000000, .max_k = 1 << 20,
                       .mo = {.rdv_timeout_s = 30, .timeout_s = 10, .sockbuf_bytes = 4 << 20}};
    optind = 1;
    opterr = 0;
    int c, ms;
    dt_err e;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case O_MODEL: o->model = optarg; break;
        case O_BATCH:
            if (real_parse_int_range("batch", optarg, 1, 1 << 16, &o->batch)) return DT_EXIT_USAGE;
            break;
        case O_DTYPE:
            if (strcmp(optarg, "fp32") == 0)
                o->dtype = COLL_FP32;
            else if (strcmp(optarg, "fp16") == 0)
                o->dtype = COLL_FP16;
            else
                return cmd_fail("unknown dtype '%s' (valid: fp32, fp16)", optarg);
            break;
        case O_STEPS:
            if (real_parse_int_range("step count", optarg, 1, 100000, &o->steps)) return DT_EXIT_USAGE;
            break;
        case O_WARMUP:
            if (real_parse_int_range("warm-up count", optarg, 0, 100000, &o->warmup)) return DT_EXIT_USAGE;
            break;
        case O_TRANSPORT: o->transport = optarg; break;
        case O_ALGO: o->algo = optarg; break;
        case O_BUCKET:
            if (bench_parse_bytes(optarg, &o->bucket_bytes, &e) || o->bucket_bytes == 0)
                return cmd_fail("bad bucket size '%s' (e.g. 25MB)", optarg);
            break;
        case O_COMPUTE:
            if (real_parse_int_range("compute time (ms)", optarg, 0, 600000, &ms)) return DT_EXIT_USAGE;
            o->compute_s = ms / 1000.0;
            break;
        case O_CPU: o->cpu = 1; break;
        case O_NOOVERLAP: o->overlap = 0; break;
        case O_OUT: o->outdir = optarg; break;
        case O_SIMGPU: o->sim_gpu = optarg; break;
        case O_CLUSTER: o->cluster_ini = optarg; break;
        case O_NOCTR: o->no_counters = 1; break;
        case O_MAXK:
            if (real_parse_int_range("rank count", optarg, 1, 1 << 20, &o->max_k)) return DT_EXIT_USAGE;
            break;
        case O_TIMEOUT:
        case O_RDV: {
            double t;
            if (bench_parse_time(optarg, &t, &e) || t <= 0)
                return cmd_fail("bad %s '%s' (expected a duration such as 10 or 500ms)",
                                c == O_TIMEOUT ? "timeout" : "rendezvous timeout", optarg);
            if (c == O_TIMEOUT)
                o->mo.timeout_s = t;
            else
                o->mo.rdv_timeout_s = t;
            break;
        }
        case 'h': help(); return -1;
        default:
            return cmd_fail("scaling: unknown or incomplete option '%s' (see 'dtbench scaling --help')",
                            argv[optind - 1]);
        }
    }
    if (optind < argc) return cmd_fail("scaling: unexpected argument '%s'", argv[optind]);
    if (!o->algo) o->algo = strcmp(o->transport, "nccl") == 0 ? "nccl" : "ring";
    return 0;
}

/* --- the communication thread ---------------------------------------------- */

struct comm {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int posted, done, stop, rc;
    dt_err e;
    const struct transport *t;
    struct tport *tp;
    struct coll_params p;          /* prepared for the whole buffer; count set per bucket */
    char *buf;                     /* gradient buffer (transport memory) */
    size_t esz;
    const struct scaling_bucket *b;
    double busy_s;                 /* all-reduce time this step */
};

static void *comm_main(void *arg)
{
    struct comm *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->stop && c->done == c->posted) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop) break;
        int i = c->done;
        pthread_mutex_unlock(&c->mu);
        struct coll_params p = c->p;
        p.count = c->b[i].count;
        char *ptr = c->buf + c->b[i].offset * c->esz;
        dt_err e;
        double t0 = mesh_now();
        int rc = c->t->allreduce(c->tp, ptr, ptr, &p, &e);
        double dt = mesh_now() - t0;
        pthread_mutex_lock(&c->mu);
        c->busy_s += dt;
        c->done++;
        if (rc) {
            c->rc = rc;
            c->e = e;
            c->stop = 1;
        }
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static void comm_post(struct comm *c, int upto)
{
    pthread_mutex_lock(&c->mu);
    if (upto > c->posted) c->posted = upto;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* Wait until `n` buckets are done; the comm thread's error if it failed. */
static int comm_wait(struct comm *c, int n, dt_err *e)
{
    pthread_mutex_lock(&c->mu);
    while (c->done < n && !c->rc) pthread_cond_wait(&c->cv, &c->mu);
    int rc = c->rc;
    if (rc) *e = c->e;
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static int comm_failed(struct comm *c, dt_err *e)
{
    pthread_mutex_lock(&c->mu);
    int rc = c->rc;
    if (rc) *e = c->e;
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static void comm_reset(struct comm *c)
{
    pthread_mutex_lock(&c->mu);
    c->posted = c->done = 0;
    c->busy_s = 0;
    pthread_mutex_unlock(&c->mu);
}

/* --- compute engines ---------------------------------------------------------- */

struct engine {
    int gpu;                      /* 1: cuDNN layers */
    int n;                        /* layers */
    struct scaling_layer L[SCALING_MAX_LAYERS];
    long fwd_blocks[SCALING_MAX_LAYERS], bwd_blocks[SCALING_MAX_LAYERS];
    float *a, *b, *c;             /* CPU kernel blocks */
    double blocks_per_s;          /* rank 0's calibration */
    char what[512];               /* "cpu kernel: ..." / "NVIDIA H200, cudnn ..." */
    char gpu_row[64];             /* catalog row of the GPU, or "" */
#ifdef DT_HAVE_CUDA
    struct cc_plan *plan[SCALING_MAX_LAYERS];
#endif
};

static void cpu_blocks(struct engine *g, long n)
{
    for (long i = 0; i < n; i++) scaling_gemm_block(g->c, g->a, g->b);
}

/* Calibrate on rank 0, broadcast the rate. */
static int cpu_calibrate(struct engine *g, struct mesh *m, double compute_s, dt_err *e)
{
    size_t bb = SCALING_BLOCK * SCALING_BLOCK;
    g->a = malloc(bb * sizeof(float));
    g->b = malloc(bb * sizeof(float));
    g->c = calloc(bb, sizeof(float));
    if (!g->a || !g->b || !g->c) return dt_errf(e, DT_ENOMEM, "out of memory");
    for (size_t i = 0; i < bb; i++) {
        g->a[i] = (float)((i * 7) % 13) / 16.0f - 0.375f;
        g->b[i] = (float)((i * 5) % 11) / 16.0f - 0.3125f;
    }
    double rate = 0;
    if (m->rank == 0) {
        cpu_blocks(g, 64); /* warm */
        long n = 0, chunk = 64;
        double t0 = mesh_now(), t;
        while ((t = mesh_now() - t0) < 0.3) {
            cpu_blocks(g, chunk);
            n += chunk;
        }
        rate = n / t;
    }
    int rc = mesh_bcast(m, &rate, sizeof rate, e);
    if (rc) return rc;
    g->blocks_per_s = rate;
    scaling_blocks(g->L, g->n, compute_s * rate, g->fwd_blocks, g->bwd_blocks);
    snprintf(g->what, sizeof g->what,
             "cpu kernel: 64^3 fp32 GEMM blocks, %.0f blocks/s (%.2f GFLOP/s) on rank 0, %.0f blocks = %.0f ms "
             "per step",
             rate, rate * 2.0 * SCALING_BLOCK * SCALING_BLOCK * SCALING_BLOCK / 1e9, compute_s * rate,
             compute_s * 1e3);
    return 0;
}

#ifdef DT_HAVE_CUDA
static int gpu_open(struct engine *g, struct mesh *m, int batch, int dtype, dt_err *e)
{
    int nd;
    int rc = cc_device_count(&nd, e);
    if (rc) return rc;
    struct cc_info info;
    const char *lr = getenv("LOCAL_RANK");
    int dev = (lr ? atoi(lr) : m->rank) % nd;
    if ((rc = cc_open(dev, &info, e))) return rc;
    g->gpu = 1; /* from here engine_close closes the device */
    struct compute_layer cl[COMPUTE_MAX_LAYERS];
    int n = compute_layers("resnet50", cl, COMPUTE_MAX_LAYERS, e);
    if (n < 0) return n;
    enum cc_dtype dt = dtype == COLL_FP16 ? CC_FP16 : CC_FP32;
    enum cc_layout lay = dtype == COLL_FP16 ? CC_NHWC : CC_NCHW;
    for (int i = 0; i < n; i++) {
        struct cc_conv cv = {batch, cl[i].c, cl[i].h, cl[i].w, cl[i].k, cl[i].r, cl[i].stride, cl[i].pad};
        if ((rc = cc_plan_open(&cv, dt, lay, (size_t)1 << 30, &g->plan[i], e))) return rc;
    }
    snprintf(g->what, sizeof g->what, "gpu: %.200s (%d SMs), cudnn %zu, %s %s, every conv and fc, fwd + bwd data + bwd filter",
             info.name, info.sms, info.cudnn, dtype == COLL_FP16 ? "fp16" : "fp32 (no tf32)",
             dtype == COLL_FP16 ? "nhwc" : "nchw");
    if (strstr(info.name, "H200"))
        snprintf(g->gpu_row, sizeof g->gpu_row, "H200");
    else if (strstr(info.name, "H100"))
        snprintf(g->gpu_row, sizeof g->gpu_row, "H100-SXM5");
    else if (strstr(info.name, "A100"))
        snprintf(g->gpu_row, sizeof g->gpu_row, "%s", strstr(info.name, "80GB") ? "A100-SXM4-80GB" : "A100-SXM4-40GB");
    else if (strstr(info.name, "V100"))
        snprintf(g->gpu_row, sizeof g->gpu_row, "%s", strstr(info.name, "32GB") ? "V100-SXM2-32GB" : "V100-SXM2-16GB");
    return 0;
}
#endif

/* One layer's pass: 0 forward, 1 backward. */
static int engine_run(struct engine *g, int i, int bwd, dt_err *e)
{
#ifdef DT_HAVE_CUDA
    if (g->gpu) {
        int rc;
        if (!bwd) {
            rc = cc_plan_run(g->plan[i], CC_FWD, e);
        } else {
            rc = i > 0 ? cc_plan_run(g->plan[i], CC_BWD_DATA, e) : 0;
            if (!rc) rc = cc_plan_run(g->plan[i], CC_BWD_FILTER, e);
        }
        return rc ? rc : cc_sync(e);
    }
#endif
    (void)e;
    cpu_blocks(g, bwd ? g->bwd_blocks[i] : g->fwd_blocks[i]);
    return 0;
}

static void engine_close(struct engine *g)
{
#ifdef DT_HAVE_CUDA
    if (g->gpu) {
        for (int i = 0; i < g->n; i++) cc_plan_close(g->plan[i]);
        cc_close();
    }
#endif
    free(g->a);
    free(g->b);
    free(g->c);
}

/* --- one step ------------------------------------------------------------------ */

enum { T_STEP, T_FWD, T_BWD, T_EXPOSED, T_COMM, T_N };

struct run {
    const struct opts *o;
    struct mesh *m;
    struct engine *g;
    struct comm *c;
    struct scaling_bucket b[MAX_BUCKETS];
    int nb;
    double layer_fwd_s[SCALING_MAX_LAYERS], layer_bwd_s[SCALING_MAX_LAYERS]; /* sums over timed steps */
};

/* compute = 0: the all-reduce alone. record: add per-layer times. */
static int step(struct run *R, int compute, int record, double t[T_N], dt_err *e)
{
    struct engine *g = R->g;
    int rc = 0, nextb = 0;
    comm_reset(R->c);
    double t0 = mesh_now();
    for (int i = 0; compute && i < g->n && !rc; i++) {
        double a = mesh_now();
        rc = engine_run(g, i, 0, e);
        if (record) R->layer_fwd_s[i] += mesh_now() - a;
    }
    double t1 = mesh_now();
    for (int i = g->n - 1; i >= 0 && !rc; i--) {
        double a = mesh_now();
        if (compute) rc = engine_run(g, i, 1, e);
        if (record) R->layer_bwd_s[i] += mesh_now() - a;
        while (nextb < R->nb && R->b[nextb].close_layer == i) nextb++;
        if (R->o->overlap || !compute) comm_post(R->c, nextb);
        if (!rc) rc = comm_failed(R->c, e);
    }
    if (!rc && !(R->o->overlap || !compute)) comm_post(R->c, R->nb);
    double t2 = mesh_now();
    if (!rc) rc = comm_wait(R->c, R->nb, e);
    double t3 = mesh_now();
    t[T_STEP] = t3 - t0;
    t[T_FWD] = t1 - t0;
    t[T_BWD] = t2 - t1;
    t[T_EXPOSED] = t3 - t2;
    pthread_mutex_lock(&R->c->mu);
    t[T_COMM] = R->c->busy_s;
    pthread_mutex_unlock(&R->c->mu);
    return rc;
}

/* Every rank calls it; ranks >= k only take part in the barriers. Returns
 * the mean over the timed steps of the max over ranks. */
static int phase(struct run *R, int k, int compute, int nsteps, int warmup, double mean[T_N], dt_err *e)
{
    int me = R->m->rank < k;
    for (int j = 0; j < T_N; j++) mean[j] = 0;
    /* The schedule for k ranks (prepared for the whole buffer; buckets set count). */
    struct coll_params p = R->c->p;
    p.nranks = k;
    p.count = scaling_params(R->g->L, R->g->n);
    p.grid_x = p.grid_y = 0;
    if (!(R->c->t->native && strcmp(p.algo, R->c->t->native) == 0)) {
        int rc = coll_prepare(&p, e);
        if (rc) return rc;
    }
    R->c->p = p;
    for (int s = 0; s < warmup + nsteps; s++) {
        double t[T_N] = {0};
        int rc = mesh_barrier(R->m, e);
        if (!rc && me) rc = step(R, compute, compute && k == 1 && s >= warmup, t, e);
        if (rc) return rc;
        if ((rc = mesh_allreduce_f64(R->m, t, T_N, MESH_MAX, e))) return rc;
        if (s >= warmup)
            for (int j = 0; j < T_N; j++) mean[j] += t[j] / nsteps;
    }
    return 0;
}

/* --- outputs ------------------------------------------------------------------- */

static int write_trace(struct run *R, const char *path, int steps, dt_err *e)
{
    struct compute_layer cl[COMPUTE_MAX_LAYERS];
    int n = compute_layers(R->o->model, cl, COMPUTE_MAX_LAYERS, e);
    if (n < 0) return n;
    FILE *f = fopen(path, "w");
    if (!f) return dt_errf(e, DT_EIO, "cannot write '%s': %s", path, strerror(errno));
    const char *dt = R->o->dtype == COLL_FP16 ? "fp16" : "fp32";
    fprintf(f, "# dtbench compute trace v1\n# command: dtbench scaling (1-rank steps, per-layer wall time)\n");
    fprintf(f, "# gpu: %s\n", R->g->what);
    fprintf(f, "# scaling: each layer's backward was timed as one piece, split evenly between bwd_data and "
               "bwd_filter here (first layer: bwd_filter only); mean of %d steps\n",
            steps);
    fprintf(f, "layer,kind,pass,batch,dtype,time_s,flops,c,h,w,k,r,stride,pad,host_s,algo\n");
    for (int i = 0; i < n; i++) {
        const struct compute_layer *l = &cl[i];
        double fw = R->layer_fwd_s[i] / steps, bw = R->layer_bwd_s[i] / steps;
        double fl = compute_layer_flops(l, R->o->batch);
        const char *algo = R->g->gpu ? "cudnn_plan" : "cpu_gemm_blocks";
#define ROW(pass, time)                                                                                            \
    fprintf(f, "%s,%s,%s,%d,%s,%.6e,%.0f,%d,%d,%d,%d,%d,%d,%d,0,%s\n", l->name, l->kind, pass, R->o->batch, dt, time, \
            fl, l->c, l->h, l->w, l->k, l->r, l->stride, l->pad, algo)
        ROW("fwd", fw);
        if (!l->first) ROW("bwd_data", bw / 2);
        ROW("bwd_filter", l->first ? bw : bw / 2);
#undef ROW
    }
    if (fclose(f)) return dt_errf(e, DT_EIO, "cannot write '%s'", path);
    return 0;
}

static int write_ini(struct run *R, const char *path, int k, const double mean[T_N], const double alone[T_N],
                     double ips, double eff, dt_err *e)
{
    const struct opts *o = R->o;
    FILE *f = fopen(path, "w");
    if (!f) return dt_errf(e, DT_EIO, "cannot write '%s': %s", path, strerror(errno));
    double bytes = (double)scaling_params(R->g->L, R->g->n) * (double)coll_dtype_size(o->dtype);
    double busbw = alone[T_STEP] > 0 && k > 1 ? bytes * 2.0 * (k - 1) / k / alone[T_STEP] : 0;
    fprintf(f, "; written by dtbench scaling: %d ranks, %s over %s, %s\n", k, o->algo, o->transport,
            R->g->gpu ? "GPU compute" : "CPU kernel");
    fprintf(f, "; compute: %s\n", R->g->what);
    fprintf(f, "; measured: step %.6f s (fwd %.6f, bwd %.6f, exposed comm %.6f), all-reduce alone %.6f s, "
               "%.1f images/s, scaling efficiency %.4f\n",
            mean[T_STEP], mean[T_FWD], mean[T_BWD], mean[T_EXPOSED], alone[T_STEP], ips, eff);
    fprintf(f, "; predict: dtsim run %s --trace-in %s/scaling-trace.csv\n", path, o->outdir);
    if (!R->g->gpu)
        fprintf(f, "; gpu below is a stand-in (--sim-gpu): the compute was a CPU kernel; its per-layer times are\n"
                   "; in the trace, and batch norm, ReLU, pooling, optimizer (not run here) keep the model's times\n");
    if (o->cluster_ini) { /* include paths are relative to the including file: write it absolute */
        char *abs = realpath(o->cluster_ini, NULL);
        fprintf(f, "include = %s\n", abs ? abs : o->cluster_ini);
        free(abs);
    }
    fprintf(f, "[cluster]\ngpu = %s\nnodes = %d\ngpus_per_node = 1\n", R->g->gpu_row[0] ? R->g->gpu_row : o->sim_gpu,
            k);
    if (!o->cluster_ini) {
        fprintf(f, "nic = 100GbE\n");
        if (busbw > 0)
            fprintf(f, "; nic_bw: the bus bandwidth of the all-reduce alone measured here (%s, no shaping)\n"
                       "nic_bw = %.0fMBps\n",
                    R->m->size > 1 ? "loopback or the hosts' network" : "one rank", busbw / 1e6);
    }
    fprintf(f, "[model]\nname = %s\nprecision = %s\ngrad_precision = %s\n", o->model,
            o->dtype == COLL_FP16 ? "amp" : "fp32", o->dtype == COLL_FP16 ? "fp16" : "fp32");
    fprintf(f, "[training]\nbatch = %d\n", k * o->batch);
    fprintf(f, "[allreduce]\nalgorithm = %s\nbucket = %lluB\n", strcmp(o->algo, "nccl") == 0 ? "ring" : o->algo,
            (unsigned long long)o->bucket_bytes);
    fprintf(f, "[input]\nenabled = false\n");
    if (fclose(f)) return dt_errf(e, DT_EIO, "cannot write '%s'", path);
    return 0;
}

static void ctr_line(struct counters *ctr, struct counters_sample *s, const char *what)
{
    char buf[512];
    printf("# counters %-22s %s\n", what, counters_format(ctr, s, buf, sizeof buf));
}

/* --- the command ---------------------------------------------------------------- */

static int run_all(struct run *R, const struct transport *t, dt_err *e)
{
    const struct opts *o = R->o;
    struct mesh *m = R->m;
    int root = m->rank == 0;
    struct counters ctr;
    struct counters_sample cs;
    counters_open(&ctr, o->no_counters);
    int ks[MAX_K];
    int nk = scaling_rank_counts(m->size, ks, MAX_K);
    if (t->native && strcmp(o->algo, t->native) == 0) { /* a native communicator spans every rank */
        ks[0] = m->size;
        nk = 1;
    }
    int nkeep = 0;
    for (int i = 0; i < nk; i++)
        if (ks[i] <= o->max_k) ks[nkeep++] = ks[i];
    nk = nkeep;
    double bytes = (double)scaling_params(R->g->L, R->g->n) * (double)coll_dtype_size(o->dtype);
    if (root) {
        printf("# dtbench scaling  model: %s (%llu parameters, %s gradients: %.0f bytes in %d buckets of >= %llu)\n",
               o->model, (unsigned long long)scaling_params(R->g->L, R->g->n), o->dtype == COLL_FP16 ? "fp16" : "fp32",
               bytes, R->nb, (unsigned long long)o->bucket_bytes);
        printf("# batch %d per rank, %d warm-up + %d timed steps per rank count, transport %s, algo %s, %s\n",
               o->batch, o->warmup, o->steps, t->name, o->algo,
               o->overlap ? "all-reduce overlapped with backward (comm thread)" : "all-reduce after backward");
        printf("# compute: %s\n", R->g->what);
        if (!ctr.hw || ctr.why[0]) printf("# counters: %s\n", ctr.why[0] ? ctr.why : "hardware counters on");
        printf("#\n# %5s %10s %10s %10s %10s %10s %10s %10s %8s\n", "ranks", "step_s", "fwd_s", "bwd_s", "exposed_s",
               "comm_s", "alone_s", "images/s", "eff");
        fflush(stdout);
    }
    double ips[MAX_K], eff[MAX_K], mean[MAX_K][T_N], alone[MAX_K][T_N];
    double ips1 = 0;
    int rc = 0;
    for (int i = 0; i < nk && !rc; i++) {
        int k = ks[i];
        if (k == 1) memset(R->layer_fwd_s, 0, sizeof R->layer_fwd_s), memset(R->layer_bwd_s, 0, sizeof R->layer_bwd_s);
        char what[64];
        counters_start(&ctr);
        rc = phase(R, k, 1, o->steps, o->warmup, mean[i], e);
        counters_stop(&ctr, &cs);
        if (rc) break;
        if (root) {
            snprintf(what, sizeof what, "steps, k=%d:", k);
            ctr_line(&ctr, &cs, what);
        }
        counters_start(&ctr);
        rc = phase(R, k, 0, o->steps < 3 ? o->steps : 3, 0, alone[i], e);
        counters_stop(&ctr, &cs);
        if (rc) break;
        if (root) {
            snprintf(what, sizeof what, "all-reduce, k=%d:", k);
            ctr_line(&ctr, &cs, what);
        }
        ips[i] = mean[i][T_STEP] > 0 ? k * o->batch / mean[i][T_STEP] : 0;
        if (k == 1) ips1 = ips[i];
        eff[i] = scaling_efficiency(ips[i], k, ips1);
        if (root) {
            char effs[16] = "-";
            if (ips1 > 0) snprintf(effs, sizeof effs, "%.4f", eff[i]);
            printf("  %5d %10.4f %10.4f %10.4f %10.4f %10.4f %10.4f %10.1f %8s\n", k, mean[i][T_STEP], mean[i][T_FWD],
                   mean[i][T_BWD], mean[i][T_EXPOSED], mean[i][T_COMM], alone[i][T_STEP], ips[i], effs);
            fflush(stdout);
        }
    }
    counters_close(&ctr);
    if (rc || !root) return rc;
    /* Table 2 layout. */
    const char *dev = R->g->gpu ? R->g->gpu_row[0] ? R->g->gpu_row : "GPU" : "CPU-kernel";
    char net[128];
    char ip[INET_ADDRSTRLEN] = "127.0.0.1";
    if (m->size > 1) inet_ntop(AF_INET, &m->ip[m->size - 1], ip, sizeof ip);
    snprintf(net, sizeof net, "%s %s over %s", strncmp(ip, "198.18.0.", 9) == 0 ? "testbed" : "loopback", o->algo,
             t->name);
    printf("#\n# Table 2 layout (arXiv 1811.05233); scaling efficiency = images/s on k ranks / (k x images/s on 1 "
           "rank)\n");
    printf("| row | devices | interconnect | images/s | scaling efficiency |\n| --- | --- | --- | --- | --- |\n");
    for (int i = 0; i < nk; i++) {
        char effs[32] = "-";
        if (ips1 > 0) snprintf(effs, sizeof effs, "%.2f%%", 100 * eff[i]);
        printf("| dtbench scaling | %dx %s | %s | %.1f | %s |\n", ks[i], dev, net, ips[i], effs);
    }
    if (mkdir(o->outdir, 0777) && errno != EEXIST)
        return dt_errf(e, DT_EIO, "cannot create '%s': %s", o->outdir, strerror(errno));
    char path[1024];
    int wrote_trace = 0;
    for (int i = 0; i < nk; i++) {
        if (ks[i] == 1) {
            snprintf(path, sizeof path, "%s/scaling-trace.csv", o->outdir);
            if ((rc = write_trace(R, path, o->steps, e))) return rc;
            wrote_trace = 1;
        }
        snprintf(path, sizeof path, "%s/scaling-%d.ini", o->outdir, ks[i]);
        if ((rc = write_ini(R, path, ks[i], mean[i], alone[i], ips[i], eff[i], e))) return rc;
    }
    printf("# wrote %s/scaling-{%d..%d}.ini%s\n", o->outdir, ks[0], ks[nk - 1],
           wrote_trace ? " and scaling-trace.csv" : "");
    fflush(stdout);
    return 0;
}

int dtbench_scaling_main(int argc, char **argv)
{
    struct opts o;
    int rc = parse(argc, argv, &o);
    if (rc < 0) return DT_EXIT_OK;
    if (rc) return rc;
    dt_err e;
    struct bench_world w;
    if (bench_world_from_env(&w, real_getenv, NULL, &e)) return cmd_fail("%s", e.msg);
    struct engine *g = calloc(1, sizeof *g);
    struct run *R = calloc(1, sizeof *R);
    struct comm *c = calloc(1, sizeof *c);
    if (!g || !R || !c) {
        free(g), free(R), free(c);
        return dtbench_fail(DT_EXIT_FAIL, "out of memory");
    }
    R->o = &o;
    R->g = g;
    R->c = c;
    rc = DT_EXIT_OK;
    g->n = scaling_layers(o.model, g->L, SCALING_MAX_LAYERS, &e);
    const struct transport *t = NULL;
    if (g->n < 0) {
        rc = cmd_fail("%s", e.msg);
        goto out;
    }
    size_t esz = coll_dtype_size(o.dtype);
    R->nb = scaling_buckets(g->L, g->n, esz, (double)o.bucket_bytes, R->b, MAX_BUCKETS, &e);
    if (R->nb < 0) {
        rc = cmd_fail("%s (raise --bucket)", e.msg);
        goto out;
    }
    t = transport_find(o.transport, &e);
    if (!t) {
        if (e.code == DT_ESKIP) {
            if (w.rank == 0) printf("dtbench: skipped: %s\n", e.msg);
            rc = DT_EXIT_SKIP;
        } else {
            rc = cmd_fail("%s", e.msg);
        }
        goto out;
    }
    uint64_t count = scaling_params(g->L, g->n);
    c->p = (struct coll_params){.algo = o.algo, .nranks = w.size, .count = count, .dtype = o.dtype,
                                .gpus_per_node = 1};
    if (!(t->native && strcmp(o.algo, t->native) == 0)) {
        if (!t->schedules) {
            rc = cmd_fail("transport '%s' runs only --algo %s (schedules over it are not implemented)", t->name,
                          t->native ? t->native : "?");
            goto out;
        }
        const struct coll_algo *a = coll_find(o.algo, &e);
        if (!a) {
            rc = cmd_fail("%s", e.msg);
            goto out;
        }
        if (a->op != COLL_ALLREDUCE) {
            rc = cmd_fail("'%s' is not an all-reduce schedule", o.algo);
            goto out;
        }
        if (coll_prepare(&c->p, &e)) {
            rc = cmd_fail("%s", e.msg);
            goto out;
        }
    }
    struct mesh m;
    char who[32];
    snprintf(who, sizeof who, "rank %d", w.rank);
    if ((rc = mesh_open(&m, &w, &o.mo, &e))) {
        rc = dtbench_fail(dtbench_status(rc), "%s: %s", who, e.msg);
        goto out;
    }
    R->m = &m;
    rc = t->open(&c->tp, &m, &e);
    if (rc) {
        mesh_close(&m);
        if (rc == DT_ESKIP) {
            if (w.rank == 0) printf("dtbench: skipped: %s\n", e.msg);
            rc = DT_EXIT_SKIP;
        } else {
            rc = dtbench_fail(dtbench_status(rc), "%s: %s: %s", who, t->name, e.msg);
        }
        goto out;
    }
    c->t = t;
    c->esz = esz;
    c->b = R->b;
    c->buf = t->alloc(c->tp, count * esz);
    int started = 0;
    if (!c->buf) {
        rc = dt_errf(&e, DT_ENOMEM, "cannot allocate %llu bytes of gradients", (unsigned long long)(count * esz));
    } else {
        rc = 0;
#ifdef DT_HAVE_CUDA
        if (!o.cpu) {
            rc = gpu_open(g, &m, o.batch, o.dtype, &e);
            if (rc == DT_ESKIP) rc = 0; /* no GPU: the CPU kernel */
        }
#endif
        if (!rc && !g->gpu) rc = cpu_calibrate(g, &m, o.compute_s, &e);
        if (!rc && g->gpu) rc = mesh_barrier(&m, &e);
    }
    if (!rc) {
        pthread_mutex_init(&c->mu, NULL);
        pthread_cond_init(&c->cv, NULL);
        rc = pthread_create(&c->th, NULL, comm_main, c) ? dt_errf(&e, DT_EIO, "cannot start the comm thread") : 0;
        started = !rc;
    }
    if (!rc) rc = run_all(R, t, &e);
    if (started) {
        pthread_mutex_lock(&c->mu);
        c->stop = 1;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->th, NULL);
    }
    if (!rc) rc = mesh_barrier(&m, &e); /* nobody closes before everyone is done */
    if (c->buf) t->free(c->tp, c->buf);
    t->close(c->tp);
    mesh_close(&m);
    engine_close(g);
    if (rc) rc = dtbench_fail(dtbench_status(rc) == DT_EXIT_USAGE ? DT_EXIT_FAIL : dtbench_status(rc), "%s: %s", who,
                              e.msg);
out:
    free(g);
    free(R);
    free(c);
    return rc;
}
