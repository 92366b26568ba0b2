/* llmplan.h -- dtsim plan's layout search for a transformer on a given
 * number of GPUs (dtsim plan --tokens; docs/plan.md "Layouts").
 *
 * Candidates, for N GPUs of G per node, global batch B sequences:
 *   TP   the divisors of G that divide heads and kv_heads (or the --tensor list)
 *   PP   the divisors of layers with N / (TP x PP) whole (or --pipeline)
 *   DP   N / (TP x PP)
 *   mb   1, 2, 4, 8 (or --microbatch) dividing B / DP
 *   schedule 1f1b, one model chunk per GPU (and, with --interleaved V, the
 *        interleaved schedule with V chunks where PP > 1, layers % (PP x V)
 *        = 0 and PP divides the microbatches: its own dominance group)
 *   sequence parallel when TP > 1
 *        (the same bytes as TP's all-reduce, as a reduce-scatter plus an
 *        all-gather, and less activation memory: Korthikanti et al. 2022)
 *   (ZeRO, recompute) in the fixed order
 *        (0,none) < (1,none) < (1,selective) < (2,selective) < (1,full)
 *        < (2,full) < (3,full)
 * Dominance: for one (TP, PP, mb) only the first choice in that order that
 * fits in the GPU's memory (layout_mem against the gpu row's mem_size) is
 * simulated. The order is by cost: ZeRO-1 and 2 move the same bytes as an
 * all-reduce (a reduce-scatter and an all-gather; Rajbhandari et al. 2020)
 * but add a step, ZeRO-3 gathers the weights again, and recompute only
 * adds work; so a later choice is never faster on the same (TP, PP, mb),
 * only smaller. Later choices that fit are "dominated" rows; choices that
 * do not fit are "memory" rows with layout_mem_refusal's reason; ZeRO-3
 * without data parallelism is an "invalid" row.
 */
#ifndef DTSIM_LLMPLAN_H
#define DTSIM_LLMPLAN_H

#include "dnn.h"
#include "err.h"
#include "experiment.h"
#include "layout.h"

#include <stdio.h>

#define LLMPLAN_NCHOICE 7

enum llmplan_status { LLMPLAN_RUN = 0, LLMPLAN_DOMINATED, LLMPLAN_NOFIT, LLMPLAN_INVALID };

struct llmplan_opts {
    const struct dnn_xf *a;    /* the transformer (overrides applied) */
    int gpus, gpus_per_node;
    long long batch;           /* global batch, sequences */
    enum exp_precision prec;
    double mem_cap;            /* bytes per GPU; 0: no limit */
    const char *gpu_name;      /* for the memory reason (NULL: "the GPU") */
    const int *tp, *pp, *mb;   /* candidate lists; NULL: the defaults above */
    int ntp, npp, nmb;
    int vstages;               /* 0: 1f1b only; V >= 2: also the interleaved schedule with V chunks
                                * per GPU where layers % (PP x V) = 0 and PP divides the microbatches */
};

struct llmplan_cand {
    struct layout l;
    struct layout_mem m;
    enum llmplan_status st;
    int by;                    /* LLMPLAN_DOMINATED: the index of the candidate simulated instead */
    char why[256];             /* NOFIT / INVALID / DOMINATED: the reason */
};

/* The (zero, recompute) pair of choice k (0 <= k < LLMPLAN_NCHOICE), in
 * the dominance order above. */
void llmplan_choice(int k, int *zero, enum exp_recompute *rc);

/* Every candidate, in order TP, PP, mb, schedule, choice (each ascending), with its
 * status. *out malloc'd (free it); *n may be 0 (no (TP, PP, mb) is whole:
 * the caller says why). DT_EINVAL for an empty or bad list. */
int llmplan_enumerate(const struct llmplan_opts *o, struct llmplan_cand **out, int *n, dt_err *e);

const char *llmplan_status_name(enum llmplan_status s);

/* The usage of the layout search (dtsim plan --help prints it too). */
void llmplan_help(FILE *f);

/* The template a plan reads: `given` (--template), else NAME in
 * configs/plan beside the catalog directory catdir, written into buf (len
 * bytes). */
const char *plan_template(const char *given, const char *catdir, const char *name, char *buf, size_t len);

/* Both plans' output files: make DIR, name DIR/plan-template.ini (a copy
 * of tmpl, written here), DIR/csvname and DIR/plan-best.ini in tcopy, csv
 * and best (len bytes each). 0, or an error in e. */
int plan_files(const char *outdir, const char *tmpl, const char *csvname, char *tcopy, char *csv, char *best,
               size_t len, dt_err *e);

/* dtsim plan --tokens ... (called by dtsim plan). */
int llmplan_main(int argc, char **argv);

#endif
