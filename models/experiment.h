/* experiment.h -- the typed experiment every dtsim command reads.
 *
 * An experiment file is a config (config.h) with these sections; every key,
 * its type, range, default and meaning is in experiment_schema() and
 * docs/config.md (generated from the same table by `dtsim config --keys`).
 *
 *   [cluster]   gpu nodes gpus_per_node intra_link nic intra_bw nic_bw
 *               nics_per_node topology nodes_per_leaf oversubscription cpu cpu_cores_per_node storage
 *   [model]     name precision grad_precision stack
 *   [training]  dataset_images epochs batch warmup_epochs eval_images startup
 *   [allreduce] algorithm grid bucket inner variant chunks library
 *   [input]     enabled decode decode_per_core prefetch file_size images_per_file token_size
 *   [parallel]  tensor pipeline data microbatch schedule virtual_stages zero recompute
 *               sequence_parallel placement (docs/parallel.md)
 *
 * The batch schedule is "epoch:global_batch, ..." with epochs strictly
 * increasing and the first at 0 ("0:34816, 30:69632"); a bare number
 * ("8192") is one phase from epoch 0. Phase i runs from its epoch to the
 * next phase's epoch (the last to training.epochs).
 *
 * Checks made before anything runs (each error names file:line and key):
 *   - every section/key known, every value parses and is in range;
 *   - nics_per_node <= gpus_per_node;
 *   - grid X x Y == nodes x gpus_per_node (when grid is set);
 *   - every global batch divisible by nodes x gpus_per_node; with a
 *     [parallel] section (batch in sequences) instead: tensor x pipeline x
 *     data = GPUs (data derived when not given, the division whole), the
 *     batch divisible by data and the local batch by microbatch,
 *     virtual_stages >= 2 exactly with interleaved (and the microbatches a
 *     multiple of pipeline), zero = 3 only with data > 1;
 *   - training.tokens with a single batch phase;
 *   - batch epochs < training.epochs, warmup_epochs <= epochs;
 *   - nodes_per_leaf <= nodes (fat-tree);
 *   - names (gpu, links, cpu, storage, model, algorithm) accepted by the
 *     caller's resolver when one is given (the catalog provides it);
 *   - the [uncertain] ranges (uncertain.h) are well formed and hold their
 *     points; experiment_check_ranges() checks each of their values.
 *
 * Strings in struct experiment point into the config and live until
 * experiment_free.
 */
#ifndef DT_EXPERIMENT_H
#define DT_EXPERIMENT_H

#include "config.h"
#include "dnn.h"
#include "err.h"
#include "uncertain.h"

#include <stddef.h>

enum exp_topology { EXP_TOPO_SINGLE_SWITCH, EXP_TOPO_FAT_TREE, EXP_TOPO_TORUS, EXP_TOPO_DRAGONFLY };
/* fp16: 16-bit everything; amp: fp16 math, fp32 master weights; bf16:
 * bfloat16 math, fp32 master weights (needs a bf16 rate in the gpu row). */
enum exp_precision { EXP_FP32, EXP_FP16, EXP_AMP, EXP_BF16 };
enum exp_decode { EXP_DECODE_CPU, EXP_DECODE_GPU };
/* Pipeline schedules: GPipe (all forwards, then all backwards), 1F1B
 * (PipeDream-Flush: warm-up forwards, then one forward one backward),
 * interleaved 1F1B (Narayanan et al. 2021: virtual_stages model chunks per
 * GPU). */
enum exp_schedule { EXP_SCHED_GPIPE = 0, EXP_SCHED_1F1B = 1, EXP_SCHED_INTERLEAVED = 2 };
/* Activation recompute: none; selective (attention's softmax and dropout
 * part, Korthikanti et al. 2022); full (each layer's input kept, the layer
 * run forward again before its backward). */
enum exp_recompute { EXP_RC_NONE = 0, EXP_RC_SELECTIVE = 1, EXP_RC_FULL = 2 };

struct exp_batch_phase {
    int epoch;               /* first epoch of the phase (0-based) */
    long long global_batch;  /* images per iteration, all GPUs */
};

#define EXP_MAX_PHASES 32

struct experiment {
    config *cfg;                    /* owned; origins of every value */
    struct {
        const char *gpu;            /* catalog [gpu NAME] */
        int nodes;                  /* count */
        int gpus_per_node;          /* count */
        const char *intra_link;     /* catalog [link NAME], GPU-GPU inside a node */
        const char *nic;            /* catalog [link NAME], node to network */
        double intra_bw_Bps;        /* bytes/s override of intra_link, 0 = catalog */
        double nic_bw_Bps;          /* bytes/s override of nic, 0 = catalog */
        int nics_per_node;          /* count */
        enum exp_topology topology;
        int nodes_per_leaf;         /* nodes under one leaf switch (fat-tree) or router (dragonfly); = nodes when 0 given */
        int dragonfly_routers;      /* dragonfly: routers per group (0 = not given) */
        double oversubscription;    /* leaf down/up bandwidth ratio, >= 1 */
        double switch_lat_s;        /* seconds added per switch crossed */
        int torus[3];               /* torus topology: nodes per dimension (1 = unused) */
        const char *cpu;            /* catalog [cpu NAME], or "none" */
        int cpu_cores_per_node;     /* cores for the input pipeline */
        const char *storage;        /* catalog [storage NAME] */
    } cluster;
    struct {
        const char *name;           /* DNN name ("resnet50") */
        enum exp_precision precision;
        enum exp_precision grad_precision; /* gradients on the wire: fp32, or fp16 / bf16 (2 bytes) */
        const char *stack;          /* catalog [stack NAME] (training framework), or "none" */
        struct dnn_xf_override xf;  /* model.layers, .hidden, .heads, .kv_heads, .ffn, .vocab, .seq; 0 = the row's */
    } model;
    struct {
        long long dataset_images;   /* images per epoch */
        double epochs;              /* epochs to train */
        struct exp_batch_phase batch[EXP_MAX_PHASES];
        int nbatch;                 /* phases in batch[] (>= 1) */
        double warmup_epochs;       /* learning-rate warm-up, epochs (informational) */
        long long eval_images;      /* images evaluated after each epoch, 0 = none */
        double startup_s;           /* fixed cost before the first iteration, seconds */
        double tokens;              /* token models: tokens to train (training.tokens); 0 = by epochs */
    } training;
    struct {
        int present;                /* 1 when a [parallel] section (or a parallel.* --set) is given */
        int tensor;                 /* TP: GPUs splitting each layer (count, >= 1) */
        int pipeline;               /* PP: pipeline stages (count, >= 1) */
        int data;                   /* DP: replicas; derived as gpus / (tensor x pipeline) when not given */
        int microbatch;             /* sequences per microbatch (>= 1) */
        enum exp_schedule schedule;
        int virtual_stages;         /* model chunks per GPU: >= 2 with interleaved, else 1 */
        int zero;                   /* ZeRO stage 0..3: 1 shards optimizer state over DP, 2 + gradients, 3 + weights */
        enum exp_recompute recompute;
        int sequence_parallel;      /* 0/1: LayerNorm and dropout split over TP; TP all-reduce becomes
                                     * reduce-scatter + all-gather */
        const char *placement;      /* rank order from innermost: "tp,pp,dp" (default: TP inside a node) or "tp,dp,pp" */
    } parallel;
    struct {
        const char *algorithm;      /* collective registry name ("ring") */
        int grid_x, grid_y;         /* 2D grid of ranks; 0 x 0 when not set */
        double bucket_bytes;        /* gradient fusion bucket, bytes */
        const char *inner;          /* inter-node algorithm of hierarchical ones, or "none" (ring) */
        const char *variant;        /* algorithm variant, "default" */
        int chunks;                 /* pipeline chunks per message */
        const char *library;        /* catalog [commlib NAME] (models/commlib.h), or "none" (ideal) */
    } allreduce;
    struct {
        int enabled;                /* model the input pipeline (0/1) */
        enum exp_decode decode;     /* image models: JPEGs decoded on CPU cores or the GPU's decoder */
        double decode_per_core;     /* images/s decoded per CPU core */
        int prefetch;               /* batches prefetched ahead */
        double file_bytes;          /* bytes of one image's JPEG */
        int images_per_file;        /* images per file read (shards hold many) */
        int token_bytes;            /* token models: bytes per token id in the pre-tokenised shards */
    } input;
    struct unc_set unc;             /* [uncertain] ranges (uncertain.h); the fields above are the point */
};

/* Name resolver for catalog lookups. `kind` is "gpu", "link", "cpu",
 * "storage", "commlib", "model" or "algorithm"; `where` is the entry that named it
 * (or NULL when the name is a default). Return 0 when known, else a
 * negative code with e filled, ideally through config_errf(e, code, where,
 * "unknown gpu 'V10O' (did you mean 'V100-SXM2-16GB'?)"). */
typedef int (*experiment_resolve_fn)(void *ctx, const char *kind, const char *name,
                                     const struct config_entry *where, dt_err *e);

/* Load `path` (with includes), apply `sets` ("section.key=value", nsets of
 * them), check against the schema, fill *x. No name resolution. */
int experiment_load(struct experiment *x, const char *path, char **sets, int nsets, dt_err *e);

/* Same with a resolver (may be NULL). */
int experiment_load_ex(struct experiment *x, const char *path, char **sets, int nsets,
                       experiment_resolve_fn resolve, void *ctx, dt_err *e);

/* Fill *x from an already loaded config, taking ownership of c (freed on
 * error too). */
int experiment_from_config(struct experiment *x, config *c, experiment_resolve_fn resolve,
                           void *ctx, dt_err *e);

void experiment_free(struct experiment *x);

/* One value of one range: x->unc.r[range] at its value alt. */
struct unc_pick {
    int range, alt;
};

/* The experiment x with n ranges moved to the given values (each
 * written after every other entry, with its range's FILE:LINE as origin,
 * so the experiment's own checks name that line). Fills *y, to be freed
 * with experiment_free. */
int experiment_at(const struct experiment *x, const struct unc_pick *picks, int n, experiment_resolve_fn resolve,
                  void *ctx, struct experiment *y, dt_err *e);

/* Check every value of every range as a whole experiment (the others at
 * their points): a grid's rank count, a batch the GPUs divide, catalog
 * names. The first failure is reported. */
int experiment_check_ranges(const struct experiment *x, experiment_resolve_fn resolve, void *ctx, dt_err *e);
/* The same, and `check` (when not NULL) on each value's experiment: a
 * check the loader cannot make (dtsim's run_check: memory, precision). */
typedef int (*experiment_check_fn)(const struct experiment *y, void *arg, dt_err *e);
int experiment_check_ranges_with(const struct experiment *x, experiment_resolve_fn resolve, void *ctx,
                                 experiment_check_fn check, void *carg, dt_err *e);

/* The schema table (every section and key, with defaults and help). */
const struct config_key *experiment_schema(size_t *n);

/* The schema row of a dotted name "section.key" ("cluster.nodes") in *k.
 * Returns 0, or DT_EINVAL when no key has that name; then `near` (len
 * bytes, may be NULL) holds the nearest known "section.key" or "" when
 * none is close, for "did you mean" messages. */
int experiment_key_find(const char *name, const struct config_key **k, char *near, size_t len);

/* Total GPUs: nodes x gpus_per_node. */
int experiment_gpus(const struct experiment *x);

/* Global batch at `epoch` (the phase containing it). */
long long experiment_batch_at(const struct experiment *x, double epoch);

/* Steps of `epochs` epochs at one global batch: ceil(epochs x
 * ceil(dataset_images / global_batch)) -- the last, partial batch of an
 * epoch is a full step (frameworks keep it). The one count of iterations:
 * `dtsim config`, `run`, `reproduce`, `sweep` and `plan` all use it. */
long long experiment_iterations(long long dataset_images, long long global_batch, double epochs);

/* Steps to train training.tokens at sequences of `seq` tokens: ceil(tokens
 * / (global batch x seq)), the global batch in sequences (one phase: the
 * loader refuses phases with tokens). 0 when training is by epochs. */
long long experiment_token_steps(const struct experiment *x, int seq);

/* Batch phase k (0 <= k < nbatch): its epochs (to the next phase's first,
 * the last to training.epochs) in *epochs (may be NULL), and its steps. */
long long experiment_phase_iterations(const struct experiment *x, int k, double *epochs);

/* Parse a batch schedule "0:34816, 30:69632" (no divisibility checks).
 * Returns the number of phases or a negative code. */
int experiment_parse_batch(const char *text, struct exp_batch_phase *out, int max, dt_err *e);

const char *exp_topology_name(enum exp_topology t);
const char *exp_precision_name(enum exp_precision p);
/* "gpipe", "1f1b", "interleaved"; "none", "selective", "full" (the config's words). */
const char *exp_schedule_name(enum exp_schedule s);
const char *exp_recompute_name(enum exp_recompute r);

#endif
