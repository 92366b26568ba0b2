/* vary.h -- the values a sweep gives to config keys (dtsim sweep --vary).
 *
 * One --vary is "KEYS=VALUES":
 *
 *   cluster.nodes=1,2,4            a list (comma separated)
 *   training.batch=0:256, 1:512|4096   a list separated by '|' when any '|'
 *                                  is present (values that hold commas)
 *   cluster.nodes=1..64*2          geometric: 1 2 4 8 16 32 64
 *   cluster.nodes=2..10+4          arithmetic: 2 6 10
 *   allreduce.bucket=1MB..64MB*4   a unit suffix, the same on both ends:
 *                                  1MB 4MB 16MB 64MB
 *   cluster.gpu+cluster.intra_link=V100-SXM2-16GB+NVLink2,H100-SXM5+NVLink4
 *                                  keys joined by '+' vary together: each
 *                                  value is a '+'-joined tuple (no ranges)
 *
 * Range values: lo, lo*F, lo*F^2, ... (or lo + iK) while <= hi (with a
 * relative slack of 1e-9); F > 1, K > 0, lo <= hi, else "empty range".
 * Integral lo and F (K) print as integers, others with %.10g.
 *
 * Keys are "section.key" of the experiment schema (experiment.h); an
 * unknown one is refused with the nearest known key. A range on an integer
 * key must give integers.
 *
 * Points: the cross product of every vary, the last vary changing fastest;
 * point p's value index in vary j is (p / prod_{k>j} n_k) mod n_j.
 */
#ifndef DT_VARY_H
#define DT_VARY_H

#include "err.h"

#define VARY_MAXKEYS 8
#define VARY_MAXVALUES 10000
#define VARY_MAXPOINTS 1000000

struct vary {
    int nkeys;                 /* keys varied together (1 unless '+') */
    char *keys[VARY_MAXKEYS];  /* "section.key", owned */
    int nvals;                 /* values (tuples) */
    char **vals;               /* nvals x nkeys strings, owned: vals[i * nkeys + k] */
    int nstrs__;               /* strings held in vals (nvals x nkeys once parsed) */
};

/* Parse one --vary argument into *v (zeroed first). Errors:
 *   "--vary 'x': expected KEY=VALUES"
 *   "unknown key 'cluster.nodse' (did you mean 'cluster.nodes'?)"
 *   "--vary cluster.nodes=64..8*2: empty range (lo 64 > hi 8)"  */
int vary_parse(struct vary *v, const char *text, dt_err *e);

void vary_free(struct vary *v);

/* Points of the cross product of n varies; DT_ERANGE beyond VARY_MAXPOINTS
 * and DT_EINVAL when a key is varied twice. */
int vary_points(const struct vary *v, int n, long long *points, dt_err *e);

/* Index of vary j's value (tuple) at point p. */
int vary_index(const struct vary *v, int n, int j, long long p);

#endif
