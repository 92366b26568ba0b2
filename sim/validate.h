/* validate.h -- simulation against measurement on the emulated cluster
 * (dtsim validate; docs/validate.md).
 *
 * A point is one all-reduce measured on the dtbench testbed: hosts network
 * namespaces on one bridge, each host link shaped to rate_Bps both ways
 * (tc htb), one rank per host. The simulator sees the same platform:
 *
 *   testbed                          sim_cluster
 *   hosts, one rank each             nodes = hosts / G, G gpus per node,
 *                                    one NIC per gpu (nics_per_node = G)
 *   bridge (non-blocking)            topology switch, switch_lat 0
 *   shaped link, both ways           nic_bw = R (the shaped rate), nic_lat = L
 *                                    (the wire latency: 0 without netem),
 *                                    intra switch port: same R and L (on the
 *                                    testbed an intra-node hop crosses the
 *                                    same shaped link)
 *   TCP stack and dtbench            a collective library (models/commlib.h)
 *                                    fitted on the 2-host points: call, step,
 *                                    share of R (models/linkfit.h)
 *   reductions on the CPU            negligible (folded into the fitted library)
 *
 * G is 1, except for hierarchical (G = 2 when hosts is even): it then runs
 * as on nodes of two GPUs, so its intra and inter stages both show.
 *
 * SimGrid runs one engine per process, so each (rate, hosts, G) platform is
 * simulated in a forked child (validate_simulate).
 */
#ifndef DT_VALIDATE_H
#define DT_VALIDATE_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "linkfit.h"

struct validate_point {
    double rate_Bps;           /* shaped link rate, bytes/s per direction */
    int hosts;                 /* testbed hosts = ranks */
    int gpus_per_node;         /* G (hierarchical: 2, else 1) */
    char algo[32];             /* registry name */
    uint64_t bytes;            /* buffer per rank */
    double oop_s;              /* measured, out-of-place, seconds per all-reduce */
    double ip_s;               /* measured, in-place */
    double sim_s;              /* simulated (0 until simulated) */
};

/* Measured time: the faster of out-of-place and in-place (each a mean over
 * dtbench's -n iterations). Other work on a shared machine only ever adds
 * time, so the smaller of two repeated measurements is the better estimate
 * of the undisturbed time that the simulator models; the spread between
 * them is reported beside every point. */
double validate_real_s(const struct validate_point *p);

/* busbw in GB/s (1e9 B/s) for a time: bytes / t * 2(n-1)/n. */
double validate_busbw_GBps(const struct validate_point *p, double t_s);

/* The measured-points file (out/validate-measured.csv):
 *   rate_bps,hosts,gpus_per_node,algo,bytes,oop_us,ip_us
 * write: header + one line per point; read: checks every field and every
 * algorithm name. *out is malloc'ed. */
int validate_write_measured(FILE *f, const struct validate_point *pts, size_t n);
int validate_read_measured(const char *text, const char *name, struct validate_point **out, size_t *n, dt_err *e);

/* Simulate every point whose rate, hosts and G match pts[0]'s group, on the
 * platform above with links of rate_Bps and wire latency lat_s, and the
 * library lib (NULL: ideal); fills sim_s of each point in idx[0..n). Runs
 * SimGrid in a forked child. */
struct commlib;
int validate_simulate(struct validate_point *pts, const size_t *idx, size_t n, double rate_Bps, double lat_s,
                      const struct commlib *lib, dt_err *e);

/* Build the cluster for a group (exposed for tests). */
struct sim_cluster;
void validate_cluster(struct sim_cluster *c, int hosts, int gpus_per_node, double lat_s, double bw_Bps);

#endif
