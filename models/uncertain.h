/* uncertain.h -- ranges for the values a paper leaves open: the
 * [uncertain] section of experiment and cluster files.
 *
 * A key's ordinary value is its POINT, the single guess the simulation
 * runs. A range names the other values the row's sources allow, chosen
 * before any comparison (DESIGN.md, honesty rules):
 *
 *   [uncertain]
 *   ; a span: one numeric key, "low .. high" in the key's units
 *   cluster.switch_latency = 100ns .. 150ns
 *   ; alternatives: any key, two or more values separated by '|'
 *   allreduce.grid = 32x68 | 64x34 | 68x32
 *   training.batch = 0:34816, 1:69632 | 0:34816, 30:69632
 *   ; keys joined by '+' move together: each alternative a '+'-joined tuple
 *   cluster.gpus_per_node+cluster.nodes = 8+256 | 4+512
 *
 * The section composes like any other: through `include`, and the last
 * entry of the same name wins, so a later file or
 * `--set uncertain.allreduce.grid=64x34|68x32` replaces a range.
 *
 * Checks, the first failure reported as "FILE:LINE: [uncertain] NAME: ...":
 *   - every key is "section.key" of the experiment schema (an unknown one
 *     gets the nearest name), none twice, none in two ranges;
 *   - a span has one numeric key (int, real or a unit type) and both ends;
 *     alternatives are at least two, none empty, none given twice, each
 *     with one part per key;
 *   - every value parses as its key's type, within the key's schema range;
 *   - low <= high;
 *   - the point lies in its range: low <= point <= high, or the point's
 *     value (tuple) is one of the alternatives. Values compare as numbers
 *     for numeric, enum and bool keys, as text with blanks ignored for
 *     strings and lists. Exception: a point set by --set, where the range
 *     is not, is a command-line what-if; that range is marked `unchecked`.
 * Relations between keys for each value (a grid's rank count, a batch the
 * GPUs divide) are the experiment's checks: experiment_check_ranges().
 */
#ifndef DT_UNCERTAIN_H
#define DT_UNCERTAIN_H

#include "config.h"
#include "err.h"

#define UNC_MAX_RANGES 32  /* ranges per experiment */
#define UNC_MAX_KEYS 4     /* keys joined by '+' in one range */
#define UNC_MAX_ALTS 24    /* alternatives in one range */

struct unc_range {
    const struct config_entry *at;              /* the [uncertain] entry: at->key is the name */
    int nkeys;                                  /* keys joined by '+' (1 for a span) */
    const struct config_key *key[UNC_MAX_KEYS]; /* schema rows, in the order written */
    int span;                                   /* 1: "low .. high"; 0: alternatives */
    int nalts;                                  /* values (a span: 2, low then high) */
    const char *val[UNC_MAX_ALTS][UNC_MAX_KEYS];/* value texts as written, trimmed */
    unsigned char at_point[UNC_MAX_ALTS];       /* 1: this value equals the point */
    double lo, hi;                              /* span: ends in the key's unit */
    const char *point[UNC_MAX_KEYS];            /* the point's value texts (entry or default) */
    const struct config_entry *point_at[UNC_MAX_KEYS]; /* their entries; NULL for a default */
    int unchecked;                              /* point from --set, range not: not checked */
    char *buf__;                                /* owned storage behind val */
};

struct unc_set {
    int n;
    struct unc_range *r;                        /* n ranges in reading order, owned */
};

/* Read and check the [uncertain] entries of c (see above) into *u
 * (zeroed first). The entries and the schema rows must outlive *u.
 * Returns 0 or a negative code with e filled. */
int uncertain_parse(const config *c, struct unc_set *u, dt_err *e);

void uncertain_free(struct unc_set *u);

/* "section.key=value" for key j of range r at value a, as --set takes it.
 * Returns 0, or -1 when it does not fit in len bytes. */
int uncertain_assignment(const struct unc_range *r, int a, int j, char *buf, size_t len);

/* Print value a of r as written ("8+256" for a tuple) into buf. Returns buf. */
char *uncertain_value_text(const struct unc_range *r, int a, char *buf, size_t len);

/* The point of r ("8+256"), and where each part comes from ("FILE:LINE",
 * "default" or "--set", joined by ", "). Each returns buf; a text longer
 * than len is cut. */
char *uncertain_point_text(const struct unc_range *r, char *buf, size_t len);
char *uncertain_point_origin(const struct unc_range *r, char *buf, size_t len);

/* The ends of a tornado bar. y[a] is the row's figure with the range at
 * value a and everything else at its point, y0 the point's figure. *down
 * is the value with the lowest y below y0, *up the one with the highest
 * above; -1 when no value moves the row that way (ties: the first). */
void uncertain_pick(const double *y, int n, double y0, int *down, int *up);

#endif
