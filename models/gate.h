/* gate.h -- performance regression gates: compare two metric CSVs.
 *
 * A metrics CSV (bench/baselines/X.csv, out/X.csv) is
 *
 *     metric,value,unit,better,tolerance
 *     t1.Mikami et al.,102.287,s,equal,1%
 *     simcoll.ring-256.fast.Ir,228741872,instr,lower,
 *
 * one metric a line; `#` lines and blank lines are ignored; fields may be
 * "quoted" ("" inside is a quote); the tolerance column may be left out
 * (header of four columns) or empty. Fields:
 *
 *   metric     unique name, not empty
 *   value      a finite decimal number
 *   unit       free text (s, %, instr, GBps); may be empty; must be the same
 *              in baseline and current (else the values are not comparable)
 *   better     lower | higher | equal (equal: a predicted figure; any
 *              change beyond tolerance, either way, is a regression)
 *   tolerance  `2%` (of the baseline's magnitude) or an absolute amount in
 *              the metric's unit (`0.5` or `0.5s` for unit s); empty: the
 *              command line's default
 *
 * Comparison (baseline b, current c, allowed a = |b| * pct / 100 or abs):
 *
 *   d = c - b              change_pct = 100 * d / |b|   (0 when b = c = 0)
 *   lower:   d >  a WORSE,  d < -a BETTER, else OK
 *   higher:  d < -a WORSE,  d >  a BETTER, else OK
 *   equal:   |d| > a CHANGED (a failure), else OK
 *   in baseline only: MISSING (a failure); in current only: NEW (not one)
 *
 * The baseline is the contract: its better and tolerance columns decide;
 * current's are only copied by --update. Rows come out in baseline order,
 * then the new metrics in current order. Errors name file:line.
 */
#ifndef DT_GATE_H
#define DT_GATE_H

#include "err.h"

#include <stdio.h>

enum gate_better { GATE_LOWER, GATE_HIGHER, GATE_EQUAL };
enum gate_tol_kind { GATE_TOL_NONE, GATE_TOL_PCT, GATE_TOL_ABS };
enum gate_verdict { GATE_OK, GATE_WORSE, GATE_BETTER, GATE_CHANGED, GATE_MISSING, GATE_NEW };

struct gate_tol {
    enum gate_tol_kind kind;
    double value;            /* percent, or an amount in the metric's unit */
};

struct gate_metric {
    char *name;
    double value;            /* in `unit` */
    char *unit;
    enum gate_better better;
    struct gate_tol tol;     /* GATE_TOL_NONE: use the default */
    int line;                /* 1-based line in its file */
};

struct gate_set {
    struct gate_metric *m;
    int n, cap;
};

struct gate_row {
    const struct gate_metric *base;  /* NULL for NEW */
    const struct gate_metric *cur;   /* NULL for MISSING */
    struct gate_tol tol;             /* the tolerance applied */
    double allowed;                  /* the tolerance in the metric's unit */
    double change_pct;               /* 100 (c - b) / |b|; 0 if b = c = 0; HUGE_VAL if b = 0 != c */
    enum gate_verdict verdict;
};

/* Parse CSV text (NUL-terminated) into *s (zeroed by the caller, freed by
 * gate_free). `path` only names the file in messages. Returns 0, or
 * DT_EINVAL with "PATH:LINE: ..." in e: bad header, wrong field count, a
 * non-numeric or non-finite value, unknown better, bad tolerance, an empty
 * or duplicate metric name, no metrics at all. */
int gate_parse(struct gate_set *s, const char *text, const char *path, dt_err *e);

/* gate_parse on a file's contents; DT_ENOENT/DT_EIO when it cannot be read. */
int gate_load(struct gate_set *s, const char *path, dt_err *e);

/* Write s as a metrics CSV to path (through PATH.tmp and rename), or to
 * an open stream. Values print with %.15g (round-trips what was read). */
int gate_save(const struct gate_set *s, const char *path, dt_err *e);
void gate_write(const struct gate_set *s, FILE *f);

/* Append a metric (strings copied). Returns 0, DT_EINVAL on a duplicate
 * name, DT_ENOMEM. */
int gate_add(struct gate_set *s, const char *name, double value, const char *unit, enum gate_better better,
             struct gate_tol tol, dt_err *e);

void gate_free(struct gate_set *s);

/* Split one CSV line (modified in place; no newline) into at most max
 * fields, spaces around unquoted fields trimmed; "quoted" fields may hold
 * commas and "" for a quote. Returns the field count, or -1 with *why set
 * ("unterminated quote", "too many fields", ...). */
int gate_csv_split(char *line, char **f, int max, const char **why);

/* Parse a tolerance: "5%" (percent) or "0.5", "0.5s", "0.5 s" (absolute;
 * a unit, if written, must equal `unit`). unit NULL: percent only. */
int gate_tol_parse(const char *text, const char *unit, struct gate_tol *t, dt_err *e);

/* Format a tolerance ("5%", "0.5 s", "" for none) into buf. */
const char *gate_tol_format(const struct gate_tol *t, const char *unit, char *buf, int size);

const char *gate_better_name(enum gate_better b);
const char *gate_verdict_name(enum gate_verdict v);
/* 1 for the verdicts that fail a gate (WORSE, CHANGED, MISSING). */
int gate_verdict_fails(enum gate_verdict v);

/* Compare: *rows (malloc'd, caller frees) gets one row per metric of
 * either set. deflt must be a percent or absolute tolerance. Returns the
 * number of failing rows (>= 0), or DT_EINVAL when a metric's unit differs
 * between the sets ("metric 'x': unit 's' in baseline, 'ms' in current"),
 * DT_ENOMEM. */
int gate_compare(const struct gate_set *base, const struct gate_set *cur, const struct gate_tol *deflt,
                 struct gate_row **rows, int *nrows, dt_err *e);

#endif
