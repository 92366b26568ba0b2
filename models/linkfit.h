/* linkfit.h -- fit a link class (latency, effective bandwidth) on measured
 * 2-host all-reduce times (dtbench allreduce --csv), for dtsim calibrate-link
 * and dtsim validate.
 *
 * Model. On two hosts every round of an all-reduce schedule (models/coll.h)
 * is one full-duplex exchange between them; the simulator (sim/collsim.h,
 * CM02, factors 1, no TCP window) times a round as L + m / B, where m is the
 * bytes a rank sends in it, L the one-way host-to-host latency (NIC +
 * switch) and B the per-direction bandwidth. Summed over the schedule:
 *
 *     t = steps * L + sent / B                                   (1)
 *
 * with steps = coll_cost.steps and sent = the most bytes any rank sends
 * (both link classes: on the testbed an "intra-node" transfer crosses the
 * same shaped link). Reductions are folded into L and B: dtbench sums as the
 * bytes arrive (cut-through), so they hide behind the wire.
 *
 * Fit. (1) is linear in (L, x = 1/B). We minimise the squared *relative*
 * error, sum_i ((steps_i L + sent_i x - t_i) / t_i)^2, i.e. weighted least
 * squares with weights 1/t_i^2: the 2x2 normal equations
 *
 *     [ sum a_i^2   sum a_i b_i ] [L]   [ sum a_i ]      a_i = steps_i / t_i
 *     [ sum a_i b_i sum b_i^2   ] [x] = [ sum b_i ]      b_i = sent_i / t_i
 *
 * solved by Cramer's rule. A negative L (latency below the noise) is set to
 * 0 and x refitted alone (x = sum b_i / sum b_i^2). Points with a single
 * size cannot separate L from B: at least two distinct sizes are required.
 *
 * Honesty rule (shared/DESIGN.md): only 2-host points are accepted here;
 * predictions for more hosts are the test, never an input.
 *
 * SimGrid's TCP effects (TCP-gamma window cap, LV08's latency factor) are
 * not fitted: on the testbed the round-trip time is tens of microseconds,
 * so a 4 MiB window caps a flow far above any shaped rate, and slow start
 * is part of the fitted L. docs/validate.md says more.
 */
#ifndef DT_LINKFIT_H
#define DT_LINKFIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* One measured all-reduce (a dtbench CSV line, or a validate point). */
struct linkfit_point {
    char algo[32];             /* registry name */
    int nranks;                /* ranks (hosts x gpus_per_node on the testbed) */
    int gpus_per_node;         /* hierarchical's G; 1 otherwise */
    uint64_t bytes;            /* buffer per rank */
    double time_s;             /* measured seconds per all-reduce (the smaller of the two below) */
    double oop_s, ip_s;        /* dtbench's out-of-place and in-place times, seconds */
    double steps;              /* filled by linkfit_features: rounds on the critical path */
    double sent_bytes;         /* filled by linkfit_features: most bytes any rank sends */
};

struct linkfit_result {
    double lat_s;              /* L, seconds one way per round */
    double bw_Bps;             /* B, bytes/s per direction */
    double rms_rel;            /* root mean square of (model - measured) / measured */
    double max_rel;            /* largest |model - measured| / measured */
    int npoints;               /* points fitted */
    int lat_clamped;           /* 1 when L came out negative and was set to 0 */
};

/* Fill steps and sent_bytes of pt from the schedule's closed-form cost
 * (fp32 elements). DT_ENOENT for an unknown algorithm (with the list). */
int linkfit_features(struct linkfit_point *pt, dt_err *e);

/* Fit L and B on n points (features filled). Every point must have
 * nranks == 2 (DT_EINVAL otherwise, naming it), time_s > 0, and at least
 * two distinct sizes must appear. */
int linkfit_fit(const struct linkfit_point *pts, size_t n, struct linkfit_result *r, dt_err *e);

/* Model time (1) for a point with features filled. */
double linkfit_predict(const struct linkfit_point *pt, const struct linkfit_result *r);

/* Write the fit as a catalog row (models/catalog.h schema):
 *   [link NAME]  kind nic, signalling = rate_Bps (the shaped rate),
 *   encoding htb+TCP/IP, data_rate = B, latency = L, source = `source`,
 * preceded by comment lines with the fit's figures. */
int linkfit_write_row(FILE *f, const char *name, double rate_Bps, const struct linkfit_result *r, const char *source);

/* Parse dtbench allreduce --csv output (header lines may repeat, as when
 * several runs are concatenated; '#' comments and blank lines are skipped).
 * Each data line gives one point of time = the smaller of its out-of-place
 * and in-place times (load on a shared machine only adds time); gpus_per_node is set to `gpus_per_node` for hierarchical
 * and 1 otherwise. `name` is for messages ("runs.csv:7: ..."). On success
 * *out is malloc'ed (free it) and *n set. */
int linkfit_parse_dtbench(const char *text, const char *name, int gpus_per_node, struct linkfit_point **out,
                          size_t *n, dt_err *e);

#endif
