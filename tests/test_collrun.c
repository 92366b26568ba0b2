/* Runs of congruent steps (coll_algo.run_end) and coll_seek: the fast
 * simulator times a run as its first step times its length, so every claim
 * is checked here against the rounds themselves, on every algorithm that
 * makes one, for awkward rank counts, chunks, grids and inner algorithms. */
#include "coll.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* All rounds of all ranks, indexed [step][rank]; has[step][rank] = 0 when
 * the rank sits the step out. */
struct table {
    int N;
    uint32_t steps;
    struct coll_round *r;
    char *has;
};

static int table_fill(struct table *t, const struct coll_params *p)
{
    dt_err e = {0};
    struct coll_iter it;
    uint32_t max = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass) {
            t->steps = max;
            t->r = calloc((size_t)max * (size_t)p->nranks + 1, sizeof *t->r);
            t->has = calloc((size_t)max * (size_t)p->nranks + 1, 1);
            if (!t->r || !t->has) return -1;
        }
        for (int q = 0; q < p->nranks; q++) {
            if (coll_begin(&it, p, q, &e)) return -1;
            struct coll_round r;
            int rc;
            while ((rc = coll_next(&it, &r)) == 1) {
                if (!pass) {
                    if (r.step + 1 > max) max = r.step + 1;
                    continue;
                }
                t->r[(size_t)r.step * (size_t)p->nranks + (size_t)q] = r;
                t->has[(size_t)r.step * (size_t)p->nranks + (size_t)q] = 1;
            }
            if (rc < 0) return -1;
        }
    }
    t->N = p->nranks;
    return 0;
}

static void table_free(struct table *t)
{
    free(t->r);
    free(t->has);
}

static const char *what(const struct coll_params *p)
{
    static char buf[160];
    snprintf(buf, sizeof buf, "%s N=%d count=%llu G=%d chunks=%d grid=%dx%d inner=%s variant=%d", p->algo,
             p->nranks, (unsigned long long)p->count, p->gpus_per_node, p->chunks, p->grid_x, p->grid_y,
             p->inner ? p->inner : "-", p->variant);
    return buf;
}

/* Step t congruent with step s: same ranks, same ops, counts within 2. */
static int congruent(const struct table *T, uint32_t s, uint32_t t, int *rank)
{
    for (int q = 0; q < T->N; q++) {
        size_t a = (size_t)s * (size_t)T->N + (size_t)q, b = (size_t)t * (size_t)T->N + (size_t)q;
        *rank = q;
        if (T->has[a] != T->has[b]) return 0;
        if (!T->has[a]) continue;
        const struct coll_round *x = &T->r[a], *y = &T->r[b];
        if (x->nops != y->nops) return 0;
        for (int k = 0; k < x->nops; k++) {
            const struct coll_op *o = &x->ops[k], *u = &y->ops[k];
            uint64_t d = o->count > u->count ? o->count - u->count : u->count - o->count;
            if (o->kind != u->kind || o->peer != u->peer || d > 2) return 0;
        }
    }
    return 1;
}

static int same_ops(const struct coll_round *a, const struct coll_round *b)
{
    if (a->step != b->step || a->nops != b->nops) return 0;
    for (int k = 0; k < a->nops; k++) /* field by field: the structs have padding */
        if (a->ops[k].kind != b->ops[k].kind || a->ops[k].peer != b->ops[k].peer || a->ops[k].off != b->ops[k].off ||
            a->ops[k].count != b->ops[k].count)
            return 0;
    return 1;
}

/* Check every claim, and that seeking to each run's end gives the rounds
 * that stepping gives. Returns the number of steps covered by runs longer
 * than one (so that a test can insist that claims are made). */
static uint64_t check(const struct coll_params *p)
{
    struct table T = {0};
    CU_ASSERT_FATAL(table_fill(&T, p) == 0);
    dt_err e = {0};
    struct coll_iter it;
    CU_ASSERT_FATAL(coll_begin(&it, p, 0, &e) == 0);
    uint64_t covered = 0;
    for (uint32_t s = 0; s < T.steps;) {
        uint32_t end = coll_run_end(&it, s);
        CU_ASSERT(end > s);
        if (end > T.steps) {
            printf("\n  %s: run from step %u claims to end at %u, past the last step %u\n", what(p), s, end,
                   T.steps);
            CU_FAIL("run past the end");
            break;
        }
        for (uint32_t t = s + 1; t < end; t++) {
            int q;
            if (!congruent(&T, s, t, &q)) {
                printf("\n  %s: step %u is claimed congruent with step %u but differs on rank %d\n", what(p), t,
                       s, q);
                CU_FAIL("claim does not hold");
                table_free(&T);
                return covered;
            }
        }
        if (end - s > 1) covered += end - s;
        /* seek each rank to `end`: its next round is its first at or after it */
        if (end < T.steps && end - s > 1)
            for (int q = 0; q < p->nranks; q++) {
                struct coll_iter j;
                CU_ASSERT_FATAL(coll_begin(&j, p, q, &e) == 0);
                coll_seek(&j, end);
                struct coll_round r;
                int rc = coll_next(&j, &r);
                uint32_t want = end;
                while (want < T.steps && !T.has[(size_t)want * (size_t)T.N + (size_t)q]) want++;
                if (want == T.steps) {
                    CU_ASSERT(rc == 0);
                    continue;
                }
                const struct coll_round *w = &T.r[(size_t)want * (size_t)T.N + (size_t)q];
                if (rc != 1 || !same_ops(&r, w)) {
                    printf("\n  %s: rank %d seeked to step %u gives step %u, stepping gives %u\n", what(p), q, end,
                           rc == 1 ? r.step : 0, w->step);
                    CU_FAIL("seek differs from stepping");
                    table_free(&T);
                    return covered;
                }
            }
        s = end;
    }
    table_free(&T);
    return covered;
}

static void test_claims(void)
{
    static const int ranks[] = {2, 3, 5, 8, 12, 16, 24};
    static const uint64_t counts[] = {1, 7, 100, 1001};
    const char *algos[] = {"ring", "reduce-scatter", "all-gather", "2d-torus", "hierarchical"};
    uint64_t covered = 0;
    for (size_t a = 0; a < sizeof algos / sizeof algos[0]; a++)
        for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
                for (int chunks = 1; chunks <= 3; chunks += 2)
                    for (int G = 1; G <= 4; G *= 2)
                    for (int ch = 1; ch <= G && ch <= 2; ch *= 2) { /* channels: multi-rail (coll.h) */
                        if (ranks[i] % G) continue;
                        struct coll_params p = {.algo = algos[a], .nranks = ranks[i], .count = counts[c],
                                                .gpus_per_node = G, .chunks = chunks, .channels = ch};
                        dt_err pe;
                        struct coll_params q = p;
                        if (coll_prepare(&q, &pe)) continue; /* a channel count the algorithm refuses */
                        covered += check(&p);
                        if (strcmp(algos[a], "hierarchical") == 0 && ranks[i] / G >= 2) {
                            p.inner = "2d-torus";
                            q = p;
                            if (coll_prepare(&q, &pe) == 0) covered += check(&p);
                            p.inner = "ring";
                            p.variant = 1;
                            q = p;
                            if (coll_prepare(&q, &pe) == 0) covered += check(&p);
                            p.inner = "halving-doubling";
                            p.variant = 0;
                            q = p;
                            if (coll_prepare(&q, &pe) == 0) covered += check(&p);
                        }
                    }
    CU_ASSERT(covered > 1000); /* the claims are made, not just harmless */
}

/* Algorithms that make no claim: every step is its own run. */
static void test_no_claim(void)
{
    struct coll_params p = {.algo = "halving-doubling", .nranks = 8, .count = 64, .gpus_per_node = 1};
    dt_err e;
    struct coll_iter it;
    CU_ASSERT_FATAL(coll_begin(&it, &p, 0, &e) == 0);
    CU_ASSERT(coll_run_end(&it, 0) == 1);
    CU_ASSERT(coll_run_end(&it, 3) == 4);
    CU_ASSERT(check(&p) == 0);
}

/* Worked by hand: a ring of 5 with 2 chunks has runs [0, 8) and [8, 16);
 * a 2d-torus 4x3 has [0, 3) [3, 5) [5, 7) [7, 10). */
static void test_known_runs(void)
{
    dt_err e;
    struct coll_iter it;
    struct coll_params p = {.algo = "ring", .nranks = 5, .count = 100, .gpus_per_node = 1, .chunks = 2};
    CU_ASSERT_FATAL(coll_begin(&it, &p, 0, &e) == 0);
    CU_ASSERT(coll_run_end(&it, 0) == 8);
    CU_ASSERT(coll_run_end(&it, 7) == 8);
    CU_ASSERT(coll_run_end(&it, 8) == 16);
    struct coll_params q = {.algo = "2d-torus", .nranks = 12, .count = 100, .gpus_per_node = 1,
                            .grid_x = 4, .grid_y = 3};
    CU_ASSERT_FATAL(coll_begin(&it, &q, 0, &e) == 0);
    CU_ASSERT(coll_run_end(&it, 0) == 3);
    CU_ASSERT(coll_run_end(&it, 3) == 5);
    CU_ASSERT(coll_run_end(&it, 5) == 7);
    CU_ASSERT(coll_run_end(&it, 7) == 10);
}

int test_collrun_register(void)
{
    CU_pSuite s = CU_add_suite("collrun", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "claims", test_claims) || !CU_add_test(s, "no_claim", test_no_claim) ||
        !CU_add_test(s, "known_runs", test_known_runs))
        return -1;
    return 0;
}
