/* run.h -- an experiment file in, predicted training step and
 * time-to-train out. What `dtsim run` and `dtsim reproduce` call.
 *
 *   experiment (config.h) + catalog rows (gpu, links, cpu, storage, compute, stack)
 *     -> per-layer times (compute.h) and gradient bytes (dnn.h)
 *     -> the kernels the host issues, per phase (kstream.h, the stack)
 *     -> SimGrid platform (platform.h) and all-reduce (collsim.h)
 *     -> one steady step per batch phase, and the one-node base (iter.h)
 *     -> time-to-train = startup + sum over phases (iterations x step)
 *                        + epochs x evaluation
 *
 * Per phase with global batch Bg on N GPUs (G per node):
 *   per-GPU batch      b = Bg / N                (the config checks divisibility)
 *   iterations/epoch   ceil(dataset_images / Bg)  (the last, partial batch
 *                      of an epoch is a full step: frameworks keep it)
 *   iterations         ceil(epochs_in_phase x iterations/epoch)
 *                      (experiment_phase_iterations, shared with `config`)
 *   scaling efficiency throughput(N) / (N/G x throughput(G)), where the base
 *                      is one node (G GPUs, same per-GPU batch) simulated in
 *                      the same run on the same platform
 * Evaluation after every epoch: eval_images / N images per GPU, forward
 * only at the training per-GPU batch (no all-reduce).
 *
 * Input pipeline, per node, for G x b samples per step. Image models read
 * JPEG files; the rate is the slowest of
 *   decode   input.decode = cpu: cpu_cores_per_node x decode rate per core
 *            (the stack's own loader, else the cpu row, else
 *            input.decode_per_core); input.decode = gpu: G x the gpu row's
 *            jpeg_decode, the hardware decoder beside the SMs (no GPU time;
 *            refused where the row has no figure)
 *   storage  per-node files/s x images_per_file, and bytes/s / file_size.
 * Token models (BERT, GPT-2) read pre-tokenised shards: no decode, no
 * per-file cost, seq_len x input.token_size bytes a sequence at the storage
 * bandwidth. Shared storage: the cluster caps divided by the nodes reading
 * at once (all of them; 1 for the base run). This gives input_s = G x b /
 * rate; the pipeline prefetches input.prefetch batches, so it stalls a step
 * only by max(0, input_s - step).
 *
 * What binds a step (run_bound): compute when exposed comm + input stall +
 * host wait < 10% of the step, else the largest of them: network, input or
 * host.
 *
 * One SimGrid engine per process: run_simulate() initialises it, so call
 * it once per process (dtsim reproduce forks a child per experiment).
 */
#ifndef DT_RUN_H
#define DT_RUN_H

#include "catalog.h"
#include "experiment.h"
#include "compute.h"
#include "iter.h"
#include "stack.h"
#include "layout.h"
#include "pipesim.h"
#include "memory.h"
#include "trace.h"
#include "platform.h"

struct run_opts {
    int mode;                /* enum collsim_mode (fast by default) */
    int warmup;              /* iterations before measuring (>= 0) */
    int measured;            /* measured iterations (>= 1) */
    int full;                /* simulate every iteration of every phase */
    int no_base;             /* skip the one-node base (efficiency reported as 0) */
    const char *xml_path;    /* platform XML written here (NULL: a temp file, removed) */
    struct iter_trace *trace;/* when not NULL: the timeline of phase 0's last step */
    const struct trace *trace_in; /* measured per-layer times replacing the model (traces/trace.h) */
    struct pipe_trace *ptrace;/* [parallel] runs: when not NULL, the step's pipeline timeline (sim/pipesim.h) */
};

/* What one sample is and how a node gets it (run_input_setup). */
struct run_input {
    int tokens;              /* 1: token model, pre-tokenised shards (no decode) */
    int seq_len;             /* tokens per sequence (token models) */
    enum exp_decode decode;  /* image models: cpu or gpu */
    double decode_per_s;     /* images/s a node decodes (image models) */
    double sample_bytes;     /* bytes read per sample: file_size, or seq_len x token_size */
    int samples_per_file;    /* images per file read (image models) */
};

struct run_phase {
    int epoch;               /* first epoch */
    double epochs;           /* epochs in the phase */
    long long global_batch;  /* images per step, all GPUs */
    int batch_per_gpu;       /* images per step per GPU */
    long long iterations;    /* steps in the phase */
    struct iter_result r;    /* steady step on N GPUs */
    struct iter_result base; /* steady step on one node */
    double images_per_s;     /* all GPUs */
    double base_images_per_s;/* one node */
    double scaling_efficiency; /* 0..1 (0 when no base) */
    double time_s;           /* iterations x step (or summed, --full) */
    double input_s;          /* s for a node to read + decode one step's images */
    double files_per_s_needed;    /* cluster-wide, at the simulated step rate */
    double files_per_s_available; /* cluster-wide, from storage and decode */
    struct mem_need mem;     /* device memory per GPU at this phase's batch (memory.h) */
    double samples_per_s_available; /* cluster-wide input rate (images or sequences/s), 0 = input off */
    double tokens_per_s;     /* token models: images_per_s x seq_len; else 0 */
    const char *bound;       /* run_bound of the steady step */
};

/* A run with a [parallel] section (models/layout.h, sim/pipesim.h): the
 * layout and the step's breakdown (phase 0's step; one phase only). */
struct run_par {
    int present;             /* 1 when the experiment has a [parallel] section */
    struct layout l;         /* tp, pp, dp, microbatches ... */
    double step_s;           /* s, one step (= ph[0].r.step_s) */
    double compute_s, tp_s, dp_exposed_s, bubble_s, optimizer_s; /* s, the critical stage's breakdown */
    double dp_busy_s;        /* s, DP reduction busy time of the critical stage */
    int critical;            /* the stage that ends last */
    double tokens_per_s;     /* all GPUs */
    double flops_per_token;  /* model FLOPs per token (6N + attention, no recompute) */
    double model_tflops_per_gpu; /* tokens_per_s x flops_per_token / GPUs, TFLOP/s */
    double hw_tflops_per_gpu;/* the same counting recompute's extra forward (Megatron's "per GPU" figure) */
    double mfu;              /* model_tflops_per_gpu / the GPU's dense 16-bit (or fp32) peak */
    double params;           /* model parameters (count) */
    double steps;            /* steps to train (training.tokens or epochs) */
    struct layout_mem mem;   /* per GPU, the stage that needs the most */
    long long flows;         /* SimGrid flows simulated */
};

struct run_result {
    int gpus, nodes, gpus_per_node;
    int nphases;
    struct run_phase ph[EXP_MAX_PHASES];
    double eval_s;           /* all epochs' evaluation, s */
    double startup_s;        /* s */
    double time_to_train_s;  /* s */
    double iterations;       /* all phases */
    double fwd_flops_per_image, bwd_flops_per_image; /* model, per image */
    double grad_bytes;       /* gradient bytes all-reduced per step */
    double gpu_fp32_flops, gpu_matrix_flops; /* flop/s, peaks used */
    const char *compute_arch;/* calibration row used */
    char stack[48];          /* training stack row used */
    char framework[64];      /* its framework and version */
    int stack_year;
    int kernels;             /* kernels the host issues per step (phase 0) */
    double mem_capacity;     /* bytes of device memory per GPU (the gpu row's mem_size) */
    int mem_phase;           /* the phase that needs the most memory */
    struct run_input in;     /* the input model used */
    double wall_s;           /* wall-clock seconds (not deterministic: never in golden output) */
    struct run_par par;      /* [parallel] runs only (par.present) */
};

void run_opts_default(struct run_opts *o);

/* The compute model's inputs for experiment x on gpu (its [compute] row cc)
 * under stack st: precision class, peaks, fitted parameters and the
 * stack's kernel speed. Shared by data-parallel and [parallel] runs. */
int run_compute_setup(const struct experiment *x, const struct catalog_gpu *gpu, const struct catalog_compute *cc,
                      const struct stack *st, enum compute_prec *prec, struct compute_gpu *g,
                      struct compute_params *cp, dt_err *e);

/* The SimGrid cluster of an experiment (numbers from the catalog rows,
 * overrides from the experiment), checked. */
int run_platform(const struct experiment *x, const struct catalog *cat, struct sim_cluster *c, dt_err *e);

/* Checks across the experiment and the catalog that its loader cannot make
 * (errors with file:line): the stack is a row, has a fit for the GPU's
 * architecture, and a CPU parameter server runs inside one node. */
int run_check(const struct experiment *x, const struct catalog *cat, dt_err *e);

/* The input of experiment x: a token model's sequence bytes, or an image
 * model's decode rate per node from input.decode (the cpu or gpu row).
 * stk: the training stack (its own loader's rate per core), or NULL. */
int run_input_setup(const struct experiment *x, const struct catalog *cat, const struct stack *stk,
                    struct run_input *in, dt_err *e);

/* Samples/s one node's pipeline delivers when `busy` nodes read at once
 * from st: image models the slowest of decode, files/s x samples per file
 * and bytes/s / sample_bytes; token models bytes/s / sample_bytes. */
double run_input_rate(const struct catalog_storage *st, const struct run_input *in, int busy);

/* "cpu", "gpu" or "tokens". */
const char *run_input_decoder_name(const struct run_input *in);

/* "compute", "network", "input" or "host" (see the top of this file). */
const char *run_bound(double step_s, double exposed_comm_s, double input_stall_s, double host_s);

/* Refuse, before anything starts, a run this machine cannot do: more
 * memory than it has available (a measured cost per GPU, docs/sim.md), or
 * exact mode past its limit. */
int run_machine_check(long long gpus, int mode, dt_err *e);

/* Simulate experiment x (run_machine_check first). Initialises SimGrid:
 * once per process. */
int run_simulate(const struct experiment *x, const struct catalog *cat, const struct run_opts *o,
                 struct run_result *r, dt_err *e);

#endif
