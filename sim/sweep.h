/* sweep.h -- run the cross product of --vary values over an experiment and
 * keep one CSV row per point (dtsim sweep, dtsim plan).
 *
 *   points   vary.h: the cross product, the last --vary fastest; point p's
 *            sets are the --set list, then "key=value" per varied key, then
 *            training.batch = per_gpu_batch x nodes x gpus_per_node when
 *            per_gpu_batch > 0 (nodes, gpus_per_node: the point's varied
 *            values, else the experiment's)
 *   rows     point, the varied keys, then the metrics of `dtsim run`'s JSON
 *            (phase 0 for the step figures), gpu_hours, cost (with prices),
 *            bound and error -- see sweep_header()
 *   resume   rows already in the CSV (same header, matched on the varied
 *            values) are not run again; a torn last line is cut off; the
 *            finished file is rewritten in point order, so a sweep run in
 *            one go, resumed, or run as --point jobs and merged gives the
 *            same bytes
 *   errors   a point whose experiment does not load (batch not divisible,
 *            grid mismatch, ...) or whose simulation fails is a row with the
 *            message in `error`; a child that dies (signal) writes no row and
 *            is run again next time
 *
 * cost = time_to_train_s / 3600 x (gpus x gpu_hour[gpu] + nodes x node_hour[gpu]
 *        + nodes x nics_per_node x nic_hour[nic])   (catalog.h [price] rows;
 *        empty when the GPU has no price row)
 * tokens_per_s = token models' throughput (images_per_s counts their
 *         sequences); empty for image models
 * bound = run_bound (run.h): compute when exposed comm + input stall + host
 *         wait < 10% of the step, else the largest: network, input or host.
 *
 * An experiment with a [parallel] section (models/layout.h) adds, after
 * tokens_per_s, the columns tensor, pipeline, data, microbatches, bubble_s,
 * exposed_tp_s, exposed_dp_s, model_tflops_per_gpu, mfu, memory_gb (per
 * GPU, 1e9 bytes) from run_result.par; its bound is the [parallel] run's
 * (compute, tensor-parallel comm, data-parallel comm or pipeline bubble).
 * parallel.data is derived again at each point (parallel.data=derived)
 * when nodes, gpus_per_node, tensor or pipeline vary and data does not.
 * A data-parallel experiment's rows are unchanged.
 */
#ifndef DTSIM_SWEEP_H
#define DTSIM_SWEEP_H

#include "catalog.h"
#include "vary.h"

#include <stdio.h>

struct sweep {
    /* set by the caller */
    const char *exp;              /* experiment file */
    char **sets;                  /* --set "section.key=value", applied first */
    int nsets;
    struct vary *vary;            /* nvary of them */
    int nvary;
    long long per_gpu_batch;      /* images per GPU per step; 0: keep training.batch */
    const struct catalog *prices; /* NULL: no cost column */
    const char *out;              /* the CSV */
    int jobs;                     /* simulations at once (>= 1) */
    int progress;                 /* a \r progress line on stderr */
    long long only_point;         /* -1: every point; else this one (--point) */
    int dry_run;                  /* print the points that would run, run none */
    /* filled by sweep_prepare / sweep_run */
    long long npoints;            /* points of the cross product */
    int parallel;                 /* the experiment has a [parallel] section: the parallel columns */
    int base_nodes, base_gpn;     /* from the experiment (with --set) */
    long long already;            /* points found in the CSV */
    long long ran;                /* points simulated (or listed, dry run) */
    long long errors;             /* rows with an error (this run) */
    long long died;               /* simulations that died (no row written) */
};

/* Check the varies and the experiment (with --set), count the points. */
int sweep_prepare(struct sweep *s, dt_err *e);

/* The CSV header line (no newline) into buf. */
int sweep_header(const struct sweep *s, char *buf, size_t len);

/* Point p's sets (the --set list, varied keys, batch), malloc'd: free with
 * sweep_sets_free. */
int sweep_point_sets(const struct sweep *s, long long p, char ***sets, int *n, dt_err *e);
void sweep_sets_free(char **sets, int n);

/* Run the missing points (or list them: dry_run), appending rows to s->out
 * as they finish, then rewrite it in point order. */
int sweep_run(struct sweep *s, dt_err *e);

/* Merge CSVs of the same sweep (same header) into `out`, in point order;
 * a point twice must have the same row. `out` may be one of the inputs. */
int sweep_merge(const char *out, char *const *in, int nin, dt_err *e);

/* Split a CSV line in place into at most max fields ("" quoting); returns
 * the number of fields. */
int sweep_csv_split(char *line, char **f, int max);

/* Cost of t seconds (see above); -1 when the GPU has no price row. */
double sweep_cost(const struct catalog *prices, const char *gpu, const char *nic, int nodes, int gpus_per_node,
                  int nics_per_node, double t_s);

/* "compute", "network", "input" or "host" from a step breakdown (run_bound). */
const char *sweep_bound(double step_s, double exposed_comm_s, double input_stall_s, double host_s);

#endif
