#include "run.h"
#include "prun.h"
#include "progress.h"

#include "cleanup.h"
#include "collsim.h"
#include "commlib.h"
#include "compute.h"
#include "dnn.h"
#include "kstream.h"
#include "memory.h"
#include "platform.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void run_opts_default(struct run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = COLLSIM_FAST;
    o->warmup = 2;
    o->measured = 2;
}

/* Everything the driver actor needs, prepared before the engine starts. */
struct run_plan {
    const struct experiment *x;
    const struct run_opts *o;
    struct run_result *r;
    struct sim_cluster c;
    struct collsim_opts co;
    struct dnn_net net;
    struct compute_gpu g;
    struct compute_params cp;
    enum compute_prec prec;
    double *grad;                           /* bytes per layer */
    struct compute_times t[EXP_MAX_PHASES]; /* per phase (per-GPU batch) */
    struct kstream ks[EXP_MAX_PHASES];      /* per phase: the kernels the host issues */
    const struct stack *st;                 /* the training stack */
    double opt_cpu_s;                       /* host seconds of a CPU parameter-server update */
    struct coll_params coll;
    struct run_input in;                    /* what a sample is and where it is decoded */
    double node_rate;                       /* samples/s a node's input pipeline delivers, all nodes busy */
    double base_rate;                       /* the same for one node running alone (the base) */
    double cluster_files_cap;               /* files/s, whole cluster */
    dt_err *e;
    int rc;
};

/* Torus links: the NIC row's rate is per chip, over `links` links (TPU ICI). */
static int map_topology(const struct experiment *x, const struct catalog_link *nic, struct sim_cluster *c, dt_err *e)
{
    switch (x->cluster.topology) {
    case EXP_TOPO_SINGLE_SWITCH: c->topology = SIM_TOPO_SWITCH; return 0;
    case EXP_TOPO_FAT_TREE: c->topology = SIM_TOPO_FATTREE; return 0;
    case EXP_TOPO_TORUS:
        c->topology = SIM_TOPO_TORUS;
        c->torus_x = x->cluster.torus[0];
        c->torus_y = x->cluster.torus[1];
        c->torus_z = x->cluster.torus[2];
        c->torus_link_bw_Bps = c->nic_bw_Bps / (nic->links > 0 ? nic->links : 1);
        return 0;
    case EXP_TOPO_DRAGONFLY:
        /* router links as a leaf's uplink: nodes_per_leaf x NICs / oversubscription */
        c->topology = SIM_TOPO_DRAGONFLY;
        c->dfly_routers = x->cluster.dragonfly_routers;
        return 0;
    }
    return dt_errf(e, DT_EINVAL, "[cluster] unknown topology %d", (int)x->cluster.topology);
}

double run_input_rate(const struct catalog_storage *st, const struct run_input *in, int busy)
{
    double files = st->files_per_s, bytes = st->bw_Bps;
    if (st->kind == CATALOG_STORAGE_SHARED) {
        if (st->cluster_files_per_s > 0 && st->cluster_files_per_s / busy < files) files = st->cluster_files_per_s / busy;
        if (st->cluster_bw_Bps > 0 && st->cluster_bw_Bps / busy < bytes) bytes = st->cluster_bw_Bps / busy;
    }
    double rate = bytes / in->sample_bytes;
    if (!in->tokens) {
        if (in->decode_per_s < rate) rate = in->decode_per_s;
        if (files * in->samples_per_file < rate) rate = files * in->samples_per_file;
    }
    return rate;
}

const char *run_input_decoder_name(const struct run_input *in)
{
    if (in->tokens) return "tokens";
    return in->decode == EXP_DECODE_GPU ? "gpu" : "cpu";
}

int run_input_setup(const struct experiment *x, const struct catalog *cat, const struct stack *stk,
                    struct run_input *in, dt_err *e)
{
    memset(in, 0, sizeof *in);
    const struct dnn_model *m = dnn_find(x->model.name, e);
    if (!m) return DT_ENOENT;
    in->decode = x->input.decode;
    if (m->input == DNN_IN_TOKENS) {
        in->tokens = 1;
        in->seq_len = m->default_size;
        in->sample_bytes = (double)m->default_size * x->input.token_bytes;
        return 0;
    }
    in->sample_bytes = x->input.file_bytes;
    in->samples_per_file = x->input.images_per_file;
    if (x->input.decode == EXP_DECODE_GPU) {
        const struct catalog_gpu *gpu = catalog_gpu(cat, x->cluster.gpu, e);
        if (!gpu) return DT_ENOENT;
        /* the hardware decoder runs beside the SMs: no GPU time (docs/references.md part 3) */
        in->decode_per_s = (double)x->cluster.gpus_per_node * gpu->jpeg_decode_per_s;
        return 0;
    }
    double per_core = x->input.decode_per_core;
    if (strcmp(x->cluster.cpu, "none") != 0) {
        const struct catalog_cpu *cpu = catalog_cpu(cat, x->cluster.cpu, e);
        if (!cpu) return DT_ENOENT;
        per_core = cpu->jpeg_per_s_per_core;
    }
    if (stk && stk->decode_per_core > 0) per_core = stk->decode_per_core; /* the stack's own loader */
    in->decode_per_s = x->cluster.cpu_cores_per_node * per_core;
    return 0;
}

int run_platform(const struct experiment *x, const struct catalog *cat, struct sim_cluster *c, dt_err *e)
{
    const struct catalog_gpu *gpu = catalog_gpu(cat, x->cluster.gpu, e);
    if (!gpu) return DT_ENOENT;
    const struct catalog_link *intra = catalog_link(cat, x->cluster.intra_link, e);
    if (!intra) return DT_ENOENT;
    const struct catalog_link *nic = catalog_link(cat, x->cluster.nic, e);
    if (!nic) return DT_ENOENT;
    int rc;
    memset(c, 0, sizeof *c);
    c->nodes = x->cluster.nodes;
    c->gpus_per_node = x->cluster.gpus_per_node;
    c->gpu_flops = gpu->peak_flops[CATALOG_FP32];
    c->intra = SIM_INTRA_SWITCH;
    c->intra_bw_Bps = x->cluster.intra_bw_Bps > 0 ? x->cluster.intra_bw_Bps : intra->bw_Bps;
    c->intra_lat_s = intra->lat_s;
    c->nics_per_node = x->cluster.nics_per_node;
    c->nic_bw_Bps = x->cluster.nic_bw_Bps > 0 ? x->cluster.nic_bw_Bps : nic->bw_Bps;
    c->nic_lat_s = nic->lat_s;
    c->switch_lat_s = x->cluster.switch_lat_s;
    c->nodes_per_leaf = x->cluster.nodes_per_leaf > 0 ? x->cluster.nodes_per_leaf : x->cluster.nodes;
    c->oversubscription = x->cluster.oversubscription;
    c->torus_x = c->torus_y = c->torus_z = 1;
    if ((rc = map_topology(x, nic, c, e))) return rc;
    return platform_check(c, e);
}

/* A 16-bit precision needs its format's rate in the gpu row: fp16 and amp
 * the fp16 rate, bf16 the bf16 rate (Volta and Pascal have no bf16
 * arithmetic, TPUs no fp16). Refused, not replaced by another format. */
static int precision_check(const struct experiment *x, const struct catalog_gpu *gpu, dt_err *e)
{
    enum exp_precision p = x->model.precision;
    if (p == EXP_FP32) return 0;
    int bf = p == EXP_BF16;
    if (gpu->peak_flops[bf ? CATALOG_BF16 : CATALOG_FP16] > 0) return 0;
    struct config_entry tmp;
    const struct config_entry *at = config_find_or(x->cfg, "model", "precision", "", &tmp);
    int other = gpu->peak_flops[bf ? CATALOG_FP16 : CATALOG_BF16] > 0;
    return config_errf(e, DT_EINVAL, at,
                       "%s (%s) has no %s arithmetic (its catalog row has no %s rate); use %s", gpu->name, gpu->arch,
                       bf ? "bf16" : "fp16", bf ? "bf16" : "fp16",
                       other ? (bf ? "amp (fp16 math) or fp32" : "bf16 or fp32") : "fp32");
}

int run_check(const struct experiment *x, const struct catalog *cat, dt_err *e)
{
    int rc;
    const struct catalog_gpu *gpu = catalog_gpu(cat, x->cluster.gpu, e);
    if (!gpu) return DT_ENOENT;
    if (!gpu->arch[0])
        return dt_errf(e, DT_EINVAL, "%s:%d: [gpu %s] has no arch: add 'arch = ' naming a [compute ARCH] row "
                                     "(dtsim catalog compute), which times its kernels",
                       gpu->at.file, gpu->at.line, gpu->name);
    struct config_entry tmp;
    const struct config_entry *at = config_find_or(x->cfg, "model", "stack", x->model.stack, &tmp);
    dt_err le;
    const struct stack *st = catalog_stack(cat, x->model.stack, &le);
    if (!st) return config_errf(e, DT_ENOENT, at, "%s", le.msg);
    double m, b;
    if (stack_eff_for(st, gpu->arch, &m, &b, &le)) return config_errf(e, DT_EINVAL, at, "%s", le.msg);
    const struct dnn_model *dm = dnn_find(x->model.name, &le);
    if (x->input.enabled && x->input.decode == EXP_DECODE_GPU && dm && dm->input == DNN_IN_IMAGE &&
        !(gpu->jpeg_decode_per_s > 0)) {
        struct config_entry dt;
        const struct config_entry *d = config_find_or(x->cfg, "input", "decode", "gpu", &dt);
        char with[256] = "";
        size_t u = 0;
        for (size_t i = 0; i < cat->ngpus && u < sizeof with; i++)
            if (cat->gpus[i].jpeg_decode_per_s > 0)
                u += (size_t)snprintf(with + u, sizeof with - u, "%s%s", u ? ", " : "", cat->gpus[i].name);
        return config_errf(e, DT_EINVAL, d,
                           "decode = gpu, but the catalog has no hardware JPEG decode rate (jpeg_decode) for gpu '%s'; "
                           "rows with one: %s. Use decode = cpu, or add a measured jpeg_decode to the row",
                           gpu->name, u ? with : "none");
    }
    if (x->input.enabled && dm && dm->input == DNN_IN_TOKENS) {
        double ids = ldexp(1.0, 8 * x->input.token_bytes);
        if ((double)dnn_model_vocab(dm) > ids) {
            struct config_entry dt;
            const struct config_entry *d = config_find_or(x->cfg, "input", "token_size", "2", &dt);
            return config_errf(e, DT_EINVAL, d,
                               "%d-byte token ids hold %.0f ids, but %s has a vocabulary of %lld: use token_size = %d",
                               x->input.token_bytes, ids, dm->name, (long long)dnn_model_vocab(dm),
                               dnn_model_vocab(dm) > 65536 ? 4 : 2);
        }
    }
    if (st->optimizer == STACK_OPT_CPU) {
        if (x->cluster.nodes > 1)
            return config_errf(e, DT_EINVAL, at,
                               "stack '%s' updates on a CPU parameter server, which dtsim models inside one node "
                               "only (cluster.nodes = %d)",
                               st->name, x->cluster.nodes);
        if (!catalog_link(cat, st->host_link, &le))
            return dt_errf(e, DT_ENOENT, "%s:%d: [stack %s] host_link: %s", st->file, st->line, st->name, le.msg);
    }
    if ((rc = precision_check(x, gpu, e))) return rc;
    if (x->parallel.present) return prun_check(x, cat, e); /* layout and its memory (sim/prun.h) */
    return mem_check(x, cat, e); /* models/memory.h: refuse what does not fit */
}

/* A CPU parameter server's update per step, host seconds: every GPU's
 * gradients copied to the host and the weights back over its own host link
 * (in parallel), and the CPU summing G gradients and updating w and m
 * (read w, m; write w, m: 16 bytes a parameter) in host memory. */
static double opt_cpu_s(const struct stack *st, const struct catalog_link *hl, double params, int G)
{
    return 2 * 4 * params / hl->bw_Bps + ((double)G * 4 + 16) * params / st->host_mem_bw_Bps;
}

int run_compute_setup(const struct experiment *x, const struct catalog_gpu *gpu, const struct catalog_compute *cc,
                      const struct stack *st, enum compute_prec *prec, struct compute_gpu *g,
                      struct compute_params *cp, dt_err *e)
{
    *prec = x->model.precision == EXP_FP32 ? COMPUTE_FP32 : COMPUTE_FP16;
    memset(g, 0, sizeof *g);
    memset(cp, 0, sizeof *cp);
    g->fp32_flops = gpu->peak_flops[CATALOG_FP32];
    g->tf32_flops = gpu->peak_flops[CATALOG_TF32];
    /* the 16-bit matrix rate of the precision's own format (run_check made sure the row has it) */
    g->fp16_flops = gpu->peak_flops[x->model.precision == EXP_BF16 ? CATALOG_BF16 : CATALOG_FP16];
    g->mem_bw_Bps = gpu->mem_bw_Bps;
    cp->eff_max[COMPUTE_FP32] = cc->eff_max[COMPUTE_FP32];
    cp->eff_max[COMPUTE_FP16] = cc->eff_max[COMPUTE_FP16];
    cp->ramp_s = cc->ramp_s;
    cp->mem_eff = cc->mem_eff;
    cp->launch_s = cc->launch_s;
    cp->bwd_eff = cc->bwd_eff;
    int rc = stack_eff_for(st, gpu->arch, &cp->speed[0], &cp->speed[1], e);
    if (rc) return rc;
    if (!st->tf32) g->tf32_flops = 0; /* the stack keeps fp32 matrices off the TF32 cores */
    return 0;
}

static int prepare(struct run_plan *pl, const struct catalog *cat, dt_err *e)
{
    const struct experiment *x = pl->x;
    const struct catalog_gpu *gpu = catalog_gpu(cat, x->cluster.gpu, e);
    if (!gpu) return DT_ENOENT;
    const struct catalog_compute *cc = catalog_compute(cat, gpu->arch, e);
    if (!cc) return DT_ENOENT;
    int rc = run_check(x, cat, e);
    if (rc) return rc;
    pl->st = catalog_stack(cat, x->model.stack, e);

    if ((rc = run_compute_setup(x, gpu, cc, pl->st, &pl->prec, &pl->g, &pl->cp, e))) return rc;
    struct dnn_opts dopt = {0, pl->prec == COMPUTE_FP16 ? 2 : 4, &pl->x->model.xf};
    if ((rc = dnn_build_name(x->model.name, &dopt, &pl->net, e))) return rc;
    int gsz = x->model.grad_precision == EXP_FP32 ? 4 : 2;
    pl->grad = calloc(pl->net.nlayers, sizeof *pl->grad);
    if (!pl->grad) return dt_errf(e, DT_ENOMEM, "out of memory");
    for (size_t i = 0; i < pl->net.nlayers; i++) pl->grad[i] = (double)dnn_layer_grad_bytes(&pl->net.layers[i], gsz);
    int N = experiment_gpus(x), G = x->cluster.gpus_per_node;
    if (pl->st->optimizer == STACK_OPT_CPU) {
        const struct catalog_link *hl = catalog_link(cat, pl->st->host_link, e);
        if (!hl) return DT_ENOENT;
        pl->opt_cpu_s = opt_cpu_s(pl->st, hl, (double)pl->net.params, G);
    }
    for (int k = 0; k < x->training.nbatch; k++) {
        long long b = x->training.batch[k].global_batch / N;
        if ((rc = compute_net(&pl->net, b, pl->prec, &pl->g, &pl->cp, &pl->t[k], e))) return rc;
        if (pl->o->trace_in) {
            rc = trace_apply(pl->o->trace_in, &pl->net, b, &pl->t[k], e);
            if (rc < 0) return rc;
        }
        /* a CPU parameter server replaces the all-reduce inside the node */
        int ps = pl->st->optimizer == STACK_OPT_CPU;
        struct kstream_in in = {&pl->net, pl->t[k].fwd_s, pl->t[k].bwd_s, pl->t[k].optimizer_s, pl->opt_cpu_s,
                                ps ? NULL : pl->grad, x->allreduce.bucket_bytes, gsz, pl->prec == COMPUTE_FP16, pl->st};
        if ((rc = kstream_build(&in, &pl->ks[k], e))) return rc;
    }

    if ((rc = run_platform(x, cat, &pl->c, e))) return rc;
    struct sim_cluster *c = &pl->c;
    /* a reduction reads two operands and writes one: 3 elements of traffic */
    pl->co.reduce_elems_per_s = pl->g.mem_bw_Bps * pl->cp.mem_eff / (3.0 * gsz);

    /* the all-reduce */
    memset(&pl->coll, 0, sizeof pl->coll);
    pl->coll.algo = x->allreduce.algorithm;
    pl->coll.nranks = N;
    pl->coll.gpus_per_node = G;
    pl->coll.grid_x = x->allreduce.grid_x;
    pl->coll.grid_y = x->allreduce.grid_y;
    pl->coll.chunks = x->allreduce.chunks;
    pl->coll.inner = strcmp(x->allreduce.inner, "none") == 0 ? NULL : x->allreduce.inner;
    pl->coll.variant = strcmp(x->allreduce.variant, "reduce") == 0 ? 1 : 0;
    pl->coll.dtype = gsz == 2 ? COLL_FP16 : COLL_FP32;
    /* multi-rail: one channel per NIC, as NCCL (models/coll.h, Channels) */
    pl->coll.channels = c->nics_per_node < COLL_MAX_CHANNELS ? c->nics_per_node : COLL_MAX_CHANNELS;
    pl->coll.count = 1;
    struct coll_iter probe;
    if ((rc = coll_begin(&probe, &pl->coll, 0, e))) return rc;

    /* the collective library: its costs per call and per step (none: ideal) */
    pl->co.lib = NULL;
    if (!commlib_is_none(x->allreduce.library) && !(pl->co.lib = catalog_commlib(cat, x->allreduce.library, e)))
        return DT_ENOENT;

    /* input pipeline */
    pl->node_rate = 0;
    pl->cluster_files_cap = 0;
    if ((rc = run_input_setup(x, cat, pl->st, &pl->in, e))) return rc;
    if (x->input.enabled) {
        const struct catalog_storage *st = catalog_storage(cat, x->cluster.storage, e);
        if (!st) return DT_ENOENT;
        pl->node_rate = run_input_rate(st, &pl->in, c->nodes);
        pl->base_rate = run_input_rate(st, &pl->in, 1);
    }
    return 0;
}

const char *run_bound(double step_s, double exposed_comm_s, double input_stall_s, double host_s)
{
    if (exposed_comm_s + input_stall_s + host_s < 0.1 * step_s) return "compute";
    if (host_s > exposed_comm_s && host_s > input_stall_s) return "host";
    return exposed_comm_s >= input_stall_s ? "network" : "input";
}

static int phase_iterations(const struct experiment *x, int k, struct run_phase *ph)
{
    ph->epoch = x->training.batch[k].epoch;
    ph->global_batch = x->training.batch[k].global_batch;
    ph->batch_per_gpu = (int)(ph->global_batch / experiment_gpus(x));
    ph->iterations = experiment_phase_iterations(x, k, &ph->epochs);
    return 0;
}

static void fill_model(struct run_plan *pl, int k, int nranks, int warmup, int measured, struct iter_model *m)
{
    memset(m, 0, sizeof *m);
    m->ks = &pl->ks[k];
    m->coll = pl->coll;
    m->coll.nranks = nranks;
    if (nranks != pl->coll.nranks) m->coll.grid_x = m->coll.grid_y = 0; /* the base chooses its own grid */
    m->mode = pl->o->mode;
    m->prefetch = pl->x->input.prefetch > 0 ? pl->x->input.prefetch : 1;
    long long per_node = (long long)pl->r->ph[k].batch_per_gpu * pl->x->cluster.gpus_per_node;
    double rate = nranks == pl->coll.nranks ? pl->node_rate : pl->base_rate;
    m->input_s = rate > 0 ? (double)per_node / rate : 0;
    if (pl->x->input.prefetch == 0 && m->input_s > 0) m->prefetch = 1; /* at least the batch in flight */
    m->warmup = warmup;
    m->measured = measured;
}

static void driver(int argc, char **argv)
{
    (void)argc; (void)argv;
    struct run_plan *pl = sg_actor_self_get_data();
    struct run_result *r = pl->r;
    struct collsim *cs;
    if ((pl->rc = collsim_create(&cs, &pl->c, &pl->co, pl->e))) return;
    int N = r->gpus, G = r->gpus_per_node;
    for (int k = 0; k < r->nphases && !pl->rc; k++) {
        struct run_phase *ph = &r->ph[k];
        struct iter_model m;
        char stage[96];
        snprintf(stage, sizeof stage, "phase %d of %d: simulating %d GPUs", k + 1, r->nphases, N);
        progress_stage(stage);
        long long meas = pl->o->full ? ph->iterations : pl->o->measured;
        if (meas < 1) meas = 1;
        fill_model(pl, k, N, pl->o->full ? 0 : pl->o->warmup, (int)meas, &m);
        if (k == 0) m.trace = pl->o->trace;
        ph->input_s = m.input_s;
        if ((pl->rc = iter_run(cs, &m, &ph->r, pl->e))) break;
        /* steady steps, and the first ones as simulated (the input buffer and
         * the launch queue fill once per phase) */
        int w = pl->o->full ? 0 : pl->o->warmup;
        if (pl->o->full) ph->time_s = ph->r.step_s * (double)meas;
        else if (ph->iterations > w) ph->time_s = ph->r.warmup_s + ph->r.step_s * (double)(ph->iterations - w);
        else ph->time_s = ph->r.step_s * (double)ph->iterations;
        ph->images_per_s = (double)ph->global_batch / ph->r.step_s;
        if (!pl->o->no_base) {
            fill_model(pl, k, G, pl->o->warmup, pl->o->measured, &m);
            snprintf(stage, sizeof stage, "phase %d of %d: simulating the one-node base", k + 1, r->nphases);
            progress_stage(stage);
            if ((pl->rc = iter_run(cs, &m, &ph->base, pl->e))) break;
            ph->base_images_per_s = (double)ph->batch_per_gpu * G / ph->base.step_s;
            ph->scaling_efficiency = ph->images_per_s / ((double)N / G * ph->base_images_per_s);
        }
        if (!pl->in.tokens) {
            ph->files_per_s_needed = ph->images_per_s / pl->x->input.images_per_file;
            ph->files_per_s_available = pl->node_rate * r->nodes / pl->x->input.images_per_file;
        } else {
            ph->tokens_per_s = ph->images_per_s * pl->in.seq_len;
        }
        ph->samples_per_s_available = pl->node_rate * r->nodes;
        ph->bound = run_bound(ph->r.step_s, ph->r.exposed_comm_s, ph->r.input_stall_s, ph->r.host_s);
    }
    collsim_free(cs);
}

/* What simulating N GPUs takes on this machine (docs/sim.md, "Scale"):
 * memory grows as N (each GPU is a SimGrid host, its links and routes, and
 * in fast mode an actor with a 256 KiB stack of which a few pages are
 * touched); bench/iterspeed.sh measured 29-31 KiB a GPU from 16,384 to
 * 131,072 GPUs, and RUN_BYTES_PER_GPU keeps a margin over that. Exact mode
 * sends every message (2 (N-1) N for a ring): past RUN_EXACT_MAX GPUs it
 * would run for hours. */
#define RUN_BYTES_PER_GPU (48.0 * 1024)
#define RUN_BYTES_BASE (256.0 * 1024 * 1024)
#define RUN_EXACT_MAX 16384

static double mem_available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return -1;
    char line[128];
    double kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

int run_machine_check(long long gpus, int mode, dt_err *e)
{
    if (mode == COLLSIM_EXACT && gpus > RUN_EXACT_MAX)
        return dt_errf(e, DT_ERANGE,
                       "--mode exact simulates every message: %lld GPUs is past its limit of %d (use --mode fast)",
                       gpus, RUN_EXACT_MAX);
    double need = RUN_BYTES_BASE + RUN_BYTES_PER_GPU * (double)gpus, avail = mem_available_bytes();
    if (avail > 0 && need > avail)
        return dt_errf(e, DT_ENOMEM,
                       "simulating %lld GPUs needs about %.1f GiB of memory (%.0f KiB a GPU, docs/sim.md) and this "
                       "machine has %.1f GiB available: at most about %.0f GPUs here",
                       gpus, need / 1073741824.0, RUN_BYTES_PER_GPU / 1024, avail / 1073741824.0,
                       (avail - RUN_BYTES_BASE) / RUN_BYTES_PER_GPU);
    return 0;
}

int run_simulate(const struct experiment *x, const struct catalog *cat, const struct run_opts *o,
                 struct run_result *r, dt_err *e)
{
    struct timespec w0, w1;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    memset(r, 0, sizeof *r);
    struct run_plan pl;
    memset(&pl, 0, sizeof pl);
    pl.x = x;
    pl.o = o;
    pl.r = r;
    pl.e = e;
    if (o->measured < 1 || o->warmup < 0)
        return dt_errf(e, DT_EINVAL, "need at least one measured iteration and no negative warm-up");
    r->gpus = experiment_gpus(x);
    int rc0 = run_machine_check(r->gpus, o->mode, e);
    if (rc0) return rc0;
    if (x->parallel.present) { /* a model split by TP, PP and DP: sim/prun.h */
        rc0 = prun_simulate(x, cat, o, r, o->ptrace, e);
        clock_gettime(CLOCK_MONOTONIC, &w1);
        r->wall_s = (double)(w1.tv_sec - w0.tv_sec) + 1e-9 * (double)(w1.tv_nsec - w0.tv_nsec);
        return rc0;
    }
    r->nodes = x->cluster.nodes;
    r->gpus_per_node = x->cluster.gpus_per_node;
    r->nphases = x->training.nbatch;
    for (int k = 0; k < r->nphases; k++) phase_iterations(x, k, &r->ph[k]);
    int rc = prepare(&pl, cat, e);
    char tmp[CLEANUP_MAX_PATH];
    const char *xml = o->xml_path;
    if (!rc && !xml) {
        rc = cleanup_tmpfile(tmp, sizeof tmp, "dtsim-platform-", ".xml", e); /* in $TMPDIR */
        xml = tmp;
    }
    if (!rc) {
        char *av[] = {"dtsim", NULL};
        rc = platform_engine_init(1, av, e);
    }
    if (!rc) {
        char stage[96];
        snprintf(stage, sizeof stage, "loading the platform: %d hosts", r->gpus);
        if (r->gpus >= 16384) progress_early(); /* about 2 s a 16,384 hosts, more than linear (docs/sim.md) */
        progress_stage(stage);
        rc = platform_load(&pl.c, xml, e);
    }
    if (!o->xml_path && xml == tmp) cleanup_remove(tmp);
    if (!rc) {
        char name[32];
        sg_actor_t a = sg_actor_init("driver", sg_host_by_name(platform_host_name(0, name, sizeof name)));
        sg_actor_set_data(a, &pl);
        sg_actor_start(a, driver, 0, NULL);
        progress_stage("starting: SimGrid seals the platform"); /* seconds at 100,000 hosts (docs/sim.md) */
        simgrid_run();
        rc = pl.rc;
    }
    if (!rc) {
        r->startup_s = x->training.startup_s;
        r->time_to_train_s = r->startup_s;
        for (int k = 0; k < r->nphases; k++) {
            r->time_to_train_s += r->ph[k].time_s;
            r->iterations += (double)r->ph[k].iterations;
        }
        if (x->training.eval_images > 0) {
            /* forward only, at the first phase's per-GPU batch: the slower
             * of the GPU and the host dispatching the forward kernels */
            double fwd = pl.ks[0].gpu_s[STACK_FWD] > pl.ks[0].host_s[STACK_FWD] ? pl.ks[0].gpu_s[STACK_FWD]
                                                                                 : pl.ks[0].host_s[STACK_FWD];
            double per_img = fwd / r->ph[0].batch_per_gpu;
            r->eval_s = x->training.epochs * ((double)x->training.eval_images / r->gpus) * per_img;
            r->time_to_train_s += r->eval_s;
        }
        r->fwd_flops_per_image = (double)pl.net.fwd_flops;
        r->bwd_flops_per_image = (double)pl.net.bwd_flops;
        double g = 0;
        for (size_t i = 0; i < pl.net.nlayers; i++) g += pl.grad[i];
        r->grad_bytes = g;
        r->gpu_fp32_flops = pl.g.fp32_flops;
        r->gpu_matrix_flops = compute_matrix_peak(&pl.g, pl.prec);
        snprintf(r->stack, sizeof r->stack, "%s", pl.st->name);
        snprintf(r->framework, sizeof r->framework, "%s %s", pl.st->framework, pl.st->version);
        r->stack_year = pl.st->year;
        r->kernels = pl.ks[0].n;
        /* memory per GPU, each phase at its per-GPU batch (memory.h) */
        const struct catalog_gpu *gpu = catalog_gpu(cat, x->cluster.gpu, NULL);
        r->mem_capacity = gpu ? gpu->mem_bytes : 0;
        for (int k = 0; k < r->nphases; k++) {
            mem_need(&pl.net, r->ph[k].batch_per_gpu, x->model.precision, mem_optimizer_of(pl.net.model),
                     pl.st->optimizer != STACK_OPT_CPU, &r->ph[k].mem);
            if (r->ph[k].mem.total > r->ph[r->mem_phase].mem.total) r->mem_phase = k;
        }
        r->in = pl.in;
    }
    for (int k = 0; k < x->training.nbatch; k++) {
        compute_times_free(&pl.t[k]);
        kstream_free(&pl.ks[k]);
    }
    free(pl.grad);
    dnn_free(&pl.net);
    clock_gettime(CLOCK_MONOTONIC, &w1);
    r->wall_s = (double)(w1.tv_sec - w0.tv_sec) + 1e-9 * (double)(w1.tv_nsec - w0.tv_nsec);
    return rc;
}
