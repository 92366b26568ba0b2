/* simopt.h -- command-line options shared by `dtsim simcoll` and
 * `dtsim simspeed`: a cluster and a collective described by numbers.
 * (The experiment-file path goes through the config layer instead.)
 *
 * Names are the experiment file's keys with '-' for '_', values take the
 * config's units (models/units.h):
 *   --preset abci            platform_abci() (the default, the only preset)
 *   --nodes N  --gpus-per-node G  --nics-per-node K
 *   --intra-bw BW  --intra mesh|switch  --intra-latency T
 *   --nic-bw BW  --nic-latency T  --switch-latency T
 *   --topology single-switch|fat-tree|torus|dragonfly  --nodes-per-leaf N
 *   --oversubscription X  --torus XxYxZ  --dragonfly-routers R
 *   --algorithm NAME  --bytes SIZE  --grad-precision fp32|fp16  --chunks C
 *   --grid XxY  --inner NAME  --variant default|reduce  --ranks N (default: every GPU)
 * The old names (--nics, --nic-GBps, --algo ...) are refused with the new one.
 *   --mode exact|fast|both  --reduce-rate ELEMS_PER_S  --window W
 *   --no-fallback
 */
#ifndef DT_SIMOPT_H
#define DT_SIMOPT_H

#include "coll.h"
#include "collsim.h"
#include "platform.h"

struct simopt {
    struct sim_cluster c;
    struct coll_params p;
    uint64_t bytes;        /* buffer per rank */
    int ranks;             /* 0 = every GPU */
    int modes;             /* bit 1 << COLLSIM_EXACT, 1 << COLLSIM_FAST */
    double reduce_rate;    /* elements/s, 0 = host flops */
    int window;            /* fast mode window in steps, 0 = default */
    int no_fallback;       /* fast mode never falls back to exact */
    const char *xml;       /* --xml PATH: also keep the platform here */
};

/* Defaults: ABCI-like 2 nodes, ring, 102 MB fp32, fast. */
void simopt_default(struct simopt *o);

/* Parse one option at argv[*i] (advancing *i past its value). Returns 1 when
 * taken, 0 when not an option of this set, <0 on a bad value (e filled). */
int simopt_parse(struct simopt *o, int argc, char **argv, int *i, dt_err *e);

/* Fill derived fields (ranks, count, gpus_per_node) and check. */
int simopt_finish(struct simopt *o, dt_err *e);

/* Write the platform to a temp file (or --xml), load it, remove the temp. */
int simopt_load(const struct simopt *o, dt_err *e);

extern const char simopt_help[];

/* A size with the config's units ("100MB", "64MiB") as whole bytes, <= 1PB;
 * errors name `opt`. */
int simopt_bytes(const char *s, uint64_t *out, dt_err *e, const char *opt);

/* The simcoll table (nccl-tests columns plus steps), shared with simspeed. */
void simcoll_print_header(void);
void simcoll_print_row(const struct collsim_job *j, uint64_t bytes);

#endif
