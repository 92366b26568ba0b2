/* Tests for models/vary.c: lists, ranges, tuples, points; and the pure
 * parts of sim/sweep.c (CSV split, cost, bound). */
#include "catalog.h"
#include "sweep.h"
#include "vary.h"

#include <CUnit/CUnit.h>
#include <string.h>

static void test_list(void)
{
    struct vary v;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v, "allreduce.algorithm=ring, 2d-torus ,hierarchical", &e), 0);
    CU_ASSERT_EQUAL(v.nkeys, 1);
    CU_ASSERT_EQUAL(v.nvals, 3);
    CU_ASSERT_STRING_EQUAL(v.vals[1], "2d-torus");
    vary_free(&v);
    /* '|' separates values that hold commas */
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v, "training.batch=0:256, 1:512|4096", &e), 0);
    CU_ASSERT_EQUAL(v.nvals, 2);
    CU_ASSERT_STRING_EQUAL(v.vals[0], "0:256, 1:512");
    vary_free(&v);
}

static void test_ranges(void)
{
    struct vary v;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v, "cluster.nodes=1..64*2", &e), 0);
    CU_ASSERT_EQUAL(v.nvals, 7); /* 1 2 4 8 16 32 64 */
    CU_ASSERT_STRING_EQUAL(v.vals[6], "64");
    vary_free(&v);
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v, "cluster.nodes=2..10+4", &e), 0);
    CU_ASSERT_EQUAL(v.nvals, 3); /* 2 6 10 */
    CU_ASSERT_STRING_EQUAL(v.vals[2], "10");
    vary_free(&v);
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v, "allreduce.bucket=1MB..64MB*4", &e), 0);
    CU_ASSERT_EQUAL(v.nvals, 4); /* 1MB 4MB 16MB 64MB */
    CU_ASSERT_STRING_EQUAL(v.vals[3], "64MB");
    vary_free(&v);
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v, "training.epochs=0.5..1.5+0.5", &e), 0);
    CU_ASSERT_EQUAL(v.nvals, 3); /* 0.5 1 1.5 */
    CU_ASSERT_STRING_EQUAL(v.vals[1], "1");
    vary_free(&v);
    /* 3 is not reached by 1, 2: hi is a bound, not a member */
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v, "cluster.nodes=1..3*2", &e), 0);
    CU_ASSERT_EQUAL(v.nvals, 2);
    vary_free(&v);
}

static void test_bad(void)
{
    struct vary v;
    dt_err e;
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "cluster.nodse=1,2", &e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did you mean 'cluster.nodes'"));
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "cluster.nodes=8..1*2", &e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "empty range"));
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "cluster.nodes=1..8*1", &e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "empty range"));
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "cluster.nodes=1..8+0", &e), 0);
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "cluster.nodes=1..8", &e), 0);
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "cluster.nodes=", &e), 0);
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "cluster.nodes=1,,2", &e), 0);
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "allreduce.bucket=1MB..1GB*2", &e), 0); /* units differ */
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "nodes", &e), 0);
    CU_ASSERT_NOT_EQUAL(vary_parse(&v, "cluster.gpu+cluster.intra_link=A+B,C", &e), 0);
}

static void test_points(void)
{
    struct vary v[3];
    dt_err e;
    long long n;
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v[0], "cluster.gpu+cluster.intra_link=A+L1,B+L2", &e), 0);
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v[1], "cluster.nodes=1..4*2", &e), 0);
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v[2], "cluster.nic=x,y", &e), 0);
    CU_ASSERT_STRING_EQUAL(v[0].vals[3], "L2");
    CU_ASSERT_EQUAL(vary_points(v, 3, &n, &e), 0);
    CU_ASSERT_EQUAL(n, 12); /* 2 x 3 x 2 */
    /* point 7 = (1, 0, 1): B, nodes 1, y -- the last vary fastest */
    CU_ASSERT_EQUAL(vary_index(v, 3, 0, 7), 1);
    CU_ASSERT_EQUAL(vary_index(v, 3, 1, 7), 0);
    CU_ASSERT_EQUAL(vary_index(v, 3, 2, 7), 1);
    for (int i = 0; i < 3; i++) vary_free(&v[i]);
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v[0], "cluster.nodes=1,2", &e), 0);
    CU_ASSERT_EQUAL_FATAL(vary_parse(&v[1], "cluster.nic+cluster.nodes=a+1", &e), 0);
    CU_ASSERT_NOT_EQUAL(vary_points(v, 2, &n, &e), 0); /* nodes twice */
    vary_free(&v[0]);
    vary_free(&v[1]);
}

static void test_csv(void)
{
    char line[] = "3,\"a, \"\"b\"\"\",,x";
    char *f[8];
    CU_ASSERT_EQUAL(sweep_csv_split(line, f, 8), 4);
    CU_ASSERT_STRING_EQUAL(f[1], "a, \"b\"");
    CU_ASSERT_STRING_EQUAL(f[2], "");
    CU_ASSERT_STRING_EQUAL(f[3], "x");
}

static void test_cost(void)
{
    /* 2 nodes x 8 GPUs at 3 USD/GPU-h + 1 USD/node-h, 4 NICs each at
     * 0.5 USD/h, for 1800 s: 0.5 h x (48 + 2 + 4) = 27 USD */
    struct catalog_price p[2] = {{"G", 3, 1, 0, "", {"", 0}}, {"N", 0, 0, 0.5, "", {"", 0}}};
    struct catalog c;
    memset(&c, 0, sizeof c);
    c.prices = p;
    c.nprices = 2;
    CU_ASSERT_DOUBLE_EQUAL(sweep_cost(&c, "G", "N", 2, 8, 4, 1800), 27.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(sweep_cost(&c, "G", "other", 2, 8, 4, 1800), 25.0, 1e-9);
    CU_ASSERT(sweep_cost(&c, "nope", "N", 2, 8, 4, 1800) < 0);
}

static void test_bound(void)
{
    CU_ASSERT_STRING_EQUAL(sweep_bound(1.0, 0.05, 0.04, 0), "compute");
    CU_ASSERT_STRING_EQUAL(sweep_bound(1.0, 0.2, 0.0, 0), "network");
    CU_ASSERT_STRING_EQUAL(sweep_bound(1.0, 0.05, 0.3, 0), "input");
    /* a step the host cannot feed: most of it the GPU waiting for kernels */
    CU_ASSERT_STRING_EQUAL(sweep_bound(1.0, 0.05, 0.0, 0.6), "host");
    CU_ASSERT_STRING_EQUAL(sweep_bound(1.0, 0.03, 0.03, 0.03), "compute");
}

int test_vary_register(void)
{
    CU_pSuite s = CU_add_suite("vary", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "list", test_list) || !CU_add_test(s, "ranges", test_ranges) ||
        !CU_add_test(s, "bad", test_bad) || !CU_add_test(s, "points", test_points) ||
        !CU_add_test(s, "csv", test_csv) || !CU_add_test(s, "cost", test_cost) || !CU_add_test(s, "bound", test_bound))
        return -1;
    return 0;
}
