/* linkfit.h -- fit the software of a link class on measured 2-host
 * all-reduce times (dtbench allreduce --csv), for dtsim calibrate-link and
 * dtsim validate: the link stays what it physically is (its rate R, the
 * shaped rate on the testbed, and its wire latency L), and what TCP and
 * the harness add is a collective library row (models/commlib.h).
 *
 * Model. On two hosts every round of an all-reduce schedule (models/coll.h)
 * is one full-duplex exchange between them; the simulator (sim/collsim.h,
 * CM02, factors 1, no TCP window) with a library times a round as
 * L + step + m / (R x share), m the bytes a rank sends in it, and adds
 * `call` once per collective. Summed over the schedule:
 *
 *     t = call + steps (L + step) + sent / (R x share)             (1)
 *
 * with steps = coll_cost.steps and sent = the most bytes any rank sends
 * (both link classes: on the testbed an "intra-node" transfer crosses the
 * same shaped link and the same TCP stack, so step_intra = step_inter =
 * step). Reductions are folded in: dtbench sums as the bytes arrive
 * (cut-through), so they hide behind the wire.
 *
 * Fit. With y = 1/(R share) - 1/R (share <= 1 <=> y >= 0), (1) reads
 *
 *     t - steps L - sent / R = call + steps step + sent y
 *
 * linear in three non-negative unknowns. We minimise the squared
 * *relative* error, sum_i ((model_i - t_i) / t_i)^2 (weights 1/t_i^2), under
 * call, step, y >= 0: the least-squares solution on every subset of free
 * unknowns (the others held at 0; normal equations, Gaussian elimination;
 * singular subsets skipped) and the feasible one with the smallest
 * residual, which is the constrained optimum for three unknowns. An
 * unknown held at 0 is reported (`clamped`): at 1 MB and up a 2-host point
 * lasts milliseconds on a 1 Gbit link, and latencies of microseconds are
 * below the noise. Points of a single size cannot separate the per-step
 * terms from the bandwidth: two distinct sizes are required.
 *
 * No small-message protocol is fitted: dtbench's TCP transport has one
 * protocol, and below about 1 MB the testbed shaper's token bucket, not the
 * software, sets the time (docs/validate.md).
 *
 * Honesty rule (shared/DESIGN.md): only 2-host points are accepted here;
 * predictions for more hosts are the test, never an input.
 *
 * SimGrid's TCP effects (TCP-gamma window cap, LV08's latency factor) are
 * not fitted: on the testbed the round-trip time is tens of microseconds,
 * so a 4 MiB window caps a flow far above any shaped rate, and slow start
 * is part of the fitted per-step cost. docs/validate.md says more.
 */
#ifndef DT_LINKFIT_H
#define DT_LINKFIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "commlib.h"
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
    double rate_Bps;           /* R, bytes/s per direction: the link's physical (shaped) rate, given */
    double wire_lat_s;         /* L, seconds one way: the link's latency, given */
    double call_s;             /* fitted: software cost per collective call */
    double step_s;             /* fitted: software latency per round (intra = inter on the testbed) */
    double share;              /* fitted: fraction of R the messages reach, (0, 1] */
    double bw_Bps;             /* R x share */
    double rms_rel;            /* root mean square of (model - measured) / measured */
    double max_rel;            /* largest |model - measured| / measured */
    int npoints;               /* points fitted */
    int clamped;               /* LINKFIT_* bits: unknowns held at their bound */
};

enum { LINKFIT_CALL0 = 1, LINKFIT_STEP0 = 2, LINKFIT_SHARE1 = 4 };

/* Fill steps and sent_bytes of pt from the schedule's closed-form cost
 * (fp32 elements). DT_ENOENT for an unknown algorithm (with the list). */
int linkfit_features(struct linkfit_point *pt, dt_err *e);

/* Fit call, step and share on n points (features filled) for a link of
 * rate_Bps and wire latency wire_lat_s. Every point must have nranks == 2
 * (DT_EINVAL otherwise, naming it), time_s > 0, and at least two distinct
 * sizes must appear. */
int linkfit_fit(const struct linkfit_point *pts, size_t n, double rate_Bps, double wire_lat_s,
                struct linkfit_result *r, dt_err *e);

/* Model time (1) for a point with features filled. */
double linkfit_predict(const struct linkfit_point *pt, const struct linkfit_result *r);

/* The fit as a library row (models/commlib.h): step_intra = step_inter =
 * step, no small protocol, no chunking; name and source point into the
 * caller's strings. */
void linkfit_commlib(const struct linkfit_result *r, const char *name, int year, const char *source,
                     struct commlib *out);

/* Write the physical link as a catalog row: [link NAME] kind nic,
 * signalling = data_rate = the rate, encoding htb, latency = wire latency. */
int linkfit_write_link(FILE *f, const char *name, const struct linkfit_result *r, const char *source);

/* Write the fit as a [commlib NAME] catalog row (library dtbench, transport
 * TCP), preceded by comment lines with the fit's figures. */
int linkfit_write_commlib(FILE *f, const char *name, int year, const struct linkfit_result *r, const char *source);

/* Parse dtbench allreduce --csv output (header lines may repeat, as when
 * several runs are concatenated; '#' comments and blank lines are skipped).
 * Each data line gives one point of time = the smaller of its out-of-place
 * and in-place times (load on a shared machine only adds time); gpus_per_node is set to `gpus_per_node` for hierarchical
 * and 1 otherwise. `name` is for messages ("runs.csv:7: ..."). On success
 * *out is malloc'ed (free it) and *n set. */
int linkfit_parse_dtbench(const char *text, const char *name, int gpus_per_node, struct linkfit_point **out,
                          size_t *n, dt_err *e);

#endif
