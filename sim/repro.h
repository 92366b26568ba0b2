/* repro.h -- the data of `dtsim reproduce` (sim/cmd_reproduce.c): its
 * rows, the simulations behind them, and the interval each row's
 * [uncertain] ranges give (models/uncertain.h).
 *
 * For a row, over its experiment's ranges (the point being the value of
 * every key as written):
 *
 *   point          one run, every key at its point;
 *   tornado        each range at each of its values, the others at their
 *                  points: for a span its two ends, for alternatives each
 *                  one (a value equal to the point is the point's run);
 *   down, up       per range, the value whose run put the row's figure
 *                  lowest below the point, highest above it (none when no
 *                  value moved it that way; uncertain_pick);
 *   combined       two runs: every range at its down value, every range at
 *                  its up value (ranges that moved nothing stay at the point);
 *   interval       [low, high] = the lowest and highest figure of all those
 *                  runs: the point, the tornado and the two combined runs.
 *
 * The figure is the time to train (Table 1) or the scaling efficiency in
 * percent (Table 2). Identical simulations (same experiment file, same
 * overrides in the same order) run once: Table 1 and Table 2 rows share
 * experiments, and a combined run with one moving range is that range's
 * tornado run.
 *
 * The CSVs written (repro_write_csvs), in the output directory:
 *   reproduce.csv            table,row,devices,published,simulated,unit,error_pct,
 *                            interval_low,interval_high,inside,role
 *   reproduce-tornado.csv    table,row,label,key,down,up,point,published,unit,
 *                            value_down,value_up: per row a line with key
 *                            "interval" (down, up: the interval's ends), then
 *                            one per range, widest swing first: its figures
 *                            at the values that moved the row down and up
 *                            (the point's where none did; the value then
 *                            empty); absent with --no-ranges
 *   reproduce-breakdown.csv, reproduce-input.csv, reproduce-scaling.csv,
 *   reproduce-scaling-published.csv   as before (plots/reproduce-*.gp)
 */
#ifndef DTSIM_REPRO_H
#define DTSIM_REPRO_H

#include "experiment.h"
#include "run.h"

#define REPRO_MAXROWS 32

struct repro_job {
    const char *exp;         /* experiment file */
    char **sets;             /* nsets "section.key=value" overrides, owned */
    int nsets;
    int row;                 /* scaling point: its row */
    int nodes;               /* scaling point: nodes simulated */
    int scaling;             /* a scaling point, not a row's own run */
    long long gpus;          /* GPUs simulated, an estimate of the job's cost: biggest first */
    struct run_result r;
    int rc;
    char err[1024];
};

/* One distinct experiment file: loaded in the parent for its ranges. */
struct repro_exp {
    const char *path;
    struct experiment x;
    int point;                                   /* job of the point */
    int alt[UNC_MAX_RANGES][UNC_MAX_ALTS];       /* job of each range value */
};

struct repro_row {
    const char *id, *label, *devices, *batch, *source;
    char exp[4096];
    int table;               /* 1: time to train, 2: scaling efficiency, 3: images/s of one GPU (a stack's
                              * fit), 4: seconds per iteration of a [parallel] run (large models) */
    int calibration;         /* role = calibration: printed, not scored */
    double published;        /* s, or percent */
    double tolerance;        /* percent (table 1) or points (table 2) */
    int scaling;             /* also simulate fewer nodes for the scaling plot */
    int e;                   /* its experiment, an index of repro.exps */
    int job;                 /* the point's job */
    double simulated;        /* the point's figure: s, or percent */
    double error;            /* percent (table 1) or points (table 2) */
    int within;              /* |error| <= tolerance */
    int ranged;              /* the interval below was computed */
    int down[UNC_MAX_RANGES], up[UNC_MAX_RANGES]; /* per range: value moving the figure down, up; -1 none */
    int combined[2];         /* jobs: every range down, every range up */
    double low, high;        /* the interval */
    int inside;              /* low <= published <= high */
};

struct repro {
    struct repro_row rows[REPRO_MAXROWS];
    int nrows;
    struct repro_exp exps[REPRO_MAXROWS];
    int nexps;
    struct repro_job *jobs;
    int njobs, capjobs;
};

/* The job running `exp` with `sets` (copied), added unless an identical
 * one exists; a scaling point (scaling != 0) is always a job of its own.
 * Returns its index, or -1 when memory runs out. */
int repro_job(struct repro *p, const char *exp, char *const *sets, int nsets, int scaling);

/* The job of experiment e with ranges moved (picks: range, value), whose
 * overrides are the ranges' assignments in pick order. -1: out of memory
 * or an assignment too long. */
int repro_job_at(struct repro *p, int e, const struct unc_pick *picks, int n);

/* A row's figure in job j: time to train (s) or scaling efficiency (%). */
/* "s", "%", "images/s" or "s/iteration": the unit of a row's figure. */
const char *repro_unit(const struct repro_row *r);
double repro_figure(const struct repro *p, const struct repro_row *r, int j);

/* The figure of range i at value a for row r. */
double repro_alt_figure(const struct repro *p, const struct repro_row *r, int i, int a);

/* Fill r->down/up for every range, and the picks of the two combined runs
 * (npick[0] for down, npick[1] for up). */
void repro_ends(const struct repro *p, struct repro_row *r, struct unc_pick picks[2][UNC_MAX_RANGES], int npick[2]);

/* One end of range q's tornado bar for row r (up: 0 down, 1 up): the
 * figure at the value that moved the row that way, or the point's figure
 * where none did; text (may be NULL) gets that value ("" where none). */
double repro_end(const struct repro *p, const struct repro_row *r, int q, int up, char *text, size_t len);

/* r->low, r->high, r->inside from the point, the tornado and the combined runs. */
void repro_interval(const struct repro *p, struct repro_row *r);

/* The ranges of r's experiment ordered by swing (up - down), widest first. */
void repro_order(const struct repro *p, const struct repro_row *r, int *order);

/* Write the CSVs listed above into outdir; `ranged`: write the tornado CSV
 * (else remove a stale one). Returns 0 or prints an error and returns
 * DT_EXIT_USAGE. */
int repro_write_csvs(const struct repro *p, const char *outdir, int ranged);

void repro_free(struct repro *p);

#endif
