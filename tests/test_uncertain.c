/* uncertain.h: [uncertain] ranges -- spans, alternatives, joined keys,
 * the point check, every bad-input case, and the tornado's ends. */
#include "experiment.h"
#include "uncertain.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

/* 544 nodes x 4 = 2176 GPUs; explicit points for the ranged keys. */
#define BASE "[cluster]\ngpu = V100-SXM2-16GB\nnodes = 544\ngpus_per_node = 4\nswitch_latency = 100ns\n" \
             "[model]\nname = resnet50\n[training]\nbatch = 0:34816, 30:69632\n"                          \
             "[allreduce]\ngrid = 64x34\n"

/* Load BASE + more (+ one --set when set is not NULL) as an experiment. */
static int load(struct experiment *x, const char *more, const char *set, dt_err *e)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", BASE, more);
    config *c = NULL;
    int rc = config_load_string(&c, "x.ini", text, e);
    if (rc < 0) return rc;
    if (set && (rc = config_set(c, set, e)) < 0) {
        config_free(c);
        return rc;
    }
    return experiment_from_config(x, c, NULL, NULL, e);
}

/* The error of BASE + more, or "" when it loads. */
static const char *error_of(const char *more, const char *set)
{
    static dt_err e;
    struct experiment x;
    memset(&e, 0, sizeof e);
    if (load(&x, more, set, &e) == 0) {
        experiment_free(&x);
        return "";
    }
    return e.msg;
}

static void test_span(void)
{
    struct experiment x;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(load(&x, "[uncertain]\ncluster.switch_latency = 100ns .. 1us\n", NULL, &e), 0);
    CU_ASSERT_EQUAL(x.unc.n, 1);
    const struct unc_range *r = &x.unc.r[0];
    CU_ASSERT_TRUE(r->span);
    CU_ASSERT_EQUAL(r->nalts, 2);
    CU_ASSERT_EQUAL(r->nkeys, 1);
    CU_ASSERT_STRING_EQUAL(r->key[0]->key, "switch_latency");
    CU_ASSERT_STRING_EQUAL(r->val[0][0], "100ns");
    CU_ASSERT_STRING_EQUAL(r->val[1][0], "1us");
    CU_ASSERT_DOUBLE_EQUAL(r->lo, 100e-9, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(r->hi, 1e-6, 1e-15);
    CU_ASSERT_EQUAL(r->at_point[0], 1); /* the low end is the point: nothing to run there */
    CU_ASSERT_EQUAL(r->at_point[1], 0);
    CU_ASSERT_STRING_EQUAL(r->point[0], "100ns");
    CU_ASSERT_EQUAL(r->at->line, 13);
    CU_ASSERT_FALSE(r->unchecked);
    char buf[128];
    CU_ASSERT_EQUAL(uncertain_assignment(r, 1, 0, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "cluster.switch_latency=1us");
    CU_ASSERT_EQUAL(uncertain_assignment(r, 1, 0, buf, 10), -1);
    /* the point (100 ns, written 0.1us) is equal to the low end as a time */
    experiment_free(&x);
    CU_ASSERT_EQUAL_FATAL(load(&x, "[uncertain]\ncluster.switch_latency = 0.1us .. 150ns\n", NULL, &e), 0);
    CU_ASSERT_EQUAL(x.unc.r[0].at_point[0], 1);
    experiment_free(&x);
    /* an int span, the point strictly inside */
    CU_ASSERT_EQUAL_FATAL(load(&x, "[uncertain]\ncluster.nodes = 272 .. 1088\n", NULL, &e), 0);
    CU_ASSERT_EQUAL(x.unc.r[0].at_point[0] + x.unc.r[0].at_point[1], 0);
    experiment_free(&x);
}

static void test_alternatives(void)
{
    struct experiment x;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(load(&x,
                               "[uncertain]\nallreduce.grid = 32x68 | 64 x 34 | 68x32\n"
                               "training.batch = 0:34816, 1:69632 | 0:34816,30:69632 | 0:34816, 89:69632\n"
                               "model.precision = fp32 | amp\ntraining.eval_images = 0 | 50000\n",
                               NULL, &e),
                          0);
    CU_ASSERT_EQUAL_FATAL(x.unc.n, 4);
    const struct unc_range *g = &x.unc.r[0], *b = &x.unc.r[1], *p = &x.unc.r[2], *v = &x.unc.r[3];
    CU_ASSERT_FALSE(g->span);
    CU_ASSERT_EQUAL(g->nalts, 3);
    CU_ASSERT_STRING_EQUAL(g->val[1][0], "64 x 34");
    /* strings compare with blanks ignored, lists too */
    CU_ASSERT_EQUAL(g->at_point[1], 1);
    CU_ASSERT_EQUAL(g->at_point[0] + g->at_point[2], 0);
    CU_ASSERT_EQUAL(b->at_point[1], 1);
    CU_ASSERT_STRING_EQUAL(b->val[2][0], "0:34816, 89:69632");
    /* precision defaults to fp32: the default is a point too */
    CU_ASSERT_EQUAL(p->at_point[0], 1);
    CU_ASSERT_PTR_NULL(p->point_at[0]);
    CU_ASSERT_STRING_EQUAL(p->point[0], "fp32");
    CU_ASSERT_EQUAL(v->at_point[0], 1);
    char buf[200];
    CU_ASSERT_EQUAL(uncertain_assignment(b, 0, 0, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "training.batch=0:34816, 1:69632");
    experiment_free(&x);
}

static void test_joined(void)
{
    struct experiment x;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(load(&x, "[uncertain]\ncluster.gpus_per_node+cluster.nodes = 8+272 | 4+544\n"
                                   "allreduce.grid = 64x34 | 68x32\n", NULL, &e), 0);
    const struct unc_range *r = &x.unc.r[0];
    CU_ASSERT_EQUAL(r->nkeys, 2);
    CU_ASSERT_EQUAL(r->nalts, 2);
    CU_ASSERT_STRING_EQUAL(r->key[1]->key, "nodes");
    CU_ASSERT_STRING_EQUAL(r->val[0][1], "272");
    CU_ASSERT_EQUAL(r->at_point[1], 1);
    char buf[64];
    CU_ASSERT_STRING_EQUAL(uncertain_value_text(r, 0, buf, sizeof buf), "8+272");
    CU_ASSERT_EQUAL(uncertain_assignment(r, 0, 0, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "cluster.gpus_per_node=8");
    /* the experiment at 8+272 has the same GPUs; its own checks pass */
    struct experiment y;
    struct unc_pick pk = {0, 0};
    CU_ASSERT_EQUAL_FATAL(experiment_at(&x, &pk, 1, NULL, NULL, &y, &e), 0);
    CU_ASSERT_EQUAL(y.cluster.nodes, 272);
    CU_ASSERT_EQUAL(y.cluster.gpus_per_node, 8);
    CU_ASSERT_EQUAL(experiment_gpus(&y), 2176);
    experiment_free(&y);
    /* two ranges at once */
    struct unc_pick two[2] = {{0, 0}, {1, 1}};
    CU_ASSERT_EQUAL_FATAL(experiment_at(&x, two, 2, NULL, NULL, &y, &e), 0);
    CU_ASSERT_EQUAL(y.allreduce.grid_x, 68);
    CU_ASSERT_EQUAL(y.cluster.nodes, 272);
    experiment_free(&y);
    CU_ASSERT_EQUAL(experiment_check_ranges(&x, NULL, NULL, &e), 0);
    experiment_free(&x);
}

/* Composition: a later entry (file or --set) replaces a range; a --set
 * point outside a file's range is a what-if, not an error. */
static void test_override(void)
{
    struct experiment x;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(load(&x, "[uncertain]\nallreduce.grid = 64x34 | 68x32\nallreduce.grid = 32x68 | 64x34\n",
                               "uncertain.cluster.switch_latency = 50ns .. 100ns", &e),
                          0);
    CU_ASSERT_EQUAL_FATAL(x.unc.n, 2);
    CU_ASSERT_STRING_EQUAL(x.unc.r[0].val[0][0], "32x68");
    CU_ASSERT_EQUAL(x.unc.r[0].at->line, 14);
    CU_ASSERT_STRING_EQUAL(x.unc.r[1].at->file, "--set");
    CU_ASSERT_EQUAL(x.unc.r[1].at_point[1], 1);
    experiment_free(&x);
    /* --set moves the point out of a file's range: kept, marked unchecked */
    CU_ASSERT_EQUAL_FATAL(load(&x, "[uncertain]\nallreduce.grid = 64x34 | 68x32\n", "allreduce.grid=none", &e), 0);
    CU_ASSERT_TRUE(x.unc.r[0].unchecked);
    CU_ASSERT_EQUAL(x.unc.r[0].at_point[0] + x.unc.r[0].at_point[1], 0);
    experiment_free(&x);
    /* ... but a --set range is checked against a --set point */
    CU_ASSERT_PTR_NOT_NULL(strstr(error_of("[cluster]\n", "uncertain.cluster.nodes = 1 .. 2"),
                                  "the point 544 (x.ini:3) is outside the range 1 .. 2"));
}

static void test_bad(void)
{
    static const struct {
        const char *more, *want;
    } cases[] = {
        {"[uncertain]\ncluster.switch_latncy = 100ns .. 1us\n",
         "x.ini:13: [uncertain] cluster.switch_latncy: unknown key 'cluster.switch_latncy' (did you mean "
         "'cluster.switch_latency'?)"},
        {"[uncertain]\ncluster.node = 1 .. 2\n", "unknown key 'cluster.node' (did you mean 'cluster.nodes'?)"},
        {"[uncertain]\nnodes = 1 .. 2\n", "unknown key 'nodes' (keys are section.key, see dtsim config --keys)"},
        {"[uncertain]\ncluster.switch_latency = 100 .. 1us\n",
         "x.ini:13: [uncertain] cluster.switch_latency: '100' needs a unit"},
        {"[uncertain]\nmodel.precision = fp32 | fp64\n", "unknown precision 'fp64'"},
        {"[uncertain]\ncluster.nodes = 1 .. 2.5\n", "'2.5' is not a whole number"},
        {"[uncertain]\ncluster.nodes = 0 .. 544\n", "0 is out of range (1 to 1048576)"},
        {"[uncertain]\ncluster.switch_latency = 1us .. 100ns\n",
         "x.ini:13: [uncertain] cluster.switch_latency: the low end 1us is above the high end 100ns"},
        {"[uncertain]\ncluster.switch_latency = 150ns .. 1us\n",
         "x.ini:13: [uncertain] cluster.switch_latency: the point 100ns (x.ini:5) is outside the range 150ns .. 1us"},
        {"[uncertain]\nallreduce.grid = 32x68 | 68x32\n",
         "x.ini:13: [uncertain] allreduce.grid: the point 64x34 (x.ini:11) is not one of the alternatives"},
        {"[uncertain]\nmodel.precision = amp | fp16\n", "the point fp32 (default) is not one of the alternatives"},
        {"[uncertain]\nallreduce.grid = 64x34 | | 68x32\n",
         "x.ini:13: [uncertain] allreduce.grid: empty alternative (nothing between two '|' or at an end)"},
        {"[uncertain]\nallreduce.grid = 64x34 |\n", "empty alternative"},
        {"[uncertain]\nallreduce.grid = 64x34\n", "one value is no range"},
        {"[uncertain]\nallreduce.grid =\n", "empty range"},
        {"[uncertain]\nallreduce.grid = 1x1 .. 2x2\n", "allreduce.grid is a string: a span 'low .. high' needs a number"},
        {"[uncertain]\ncluster.nodes = 272 .. 544 | 1088\n", "a span 'low .. high' cannot be one of several"},
        {"[uncertain]\ncluster.nodes = 544 .. \n", "a span needs both ends"},
        {"[uncertain]\ncluster.nic_bw = catalog .. 100Gbps\n", "the low end 'catalog' is not a number"},
        {"[uncertain]\nallreduce.grid = 64x34 | 64 x 34\n", "alternative '64 x 34' is given twice"},
        {"[uncertain]\ncluster.gpus_per_node+cluster.nodes = 4+544 | 8\n",
         "alternative '8' has 1 parts for 2 keys joined by '+'"},
        {"[uncertain]\ncluster.gpus_per_node+cluster.nodes = 4+544 | 8+\n", "alternative '8+' has an empty part"},
        {"[uncertain]\ncluster.nodes+cluster.nodes = 1+1 | 2+2\n", "key 'cluster.nodes' joined twice"},
        {"[uncertain]\ncluster.nodes = 544 | 272\ncluster.gpus_per_node+cluster.nodes = 4+544 | 8+272\n",
         "x.ini:14: [uncertain] cluster.gpus_per_node+cluster.nodes: key 'cluster.nodes' already has a range (x.ini:13)"},
        {"[uncertain]\ncluster.gpus_per_node+ = 4 | 8\n", "empty key name"},
        {"[uncertain]\ncluster.nodes+cluster.nodes_per_leaf = 1..2\n", "a span 'low .. high' takes one key"},
        {"[uncertain x]\ncluster.nodes = 544 | 272\n", "a range goes under [uncertain], which takes no name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = error_of(cases[i].more, NULL);
        if (!strstr(got, cases[i].want)) {
            fprintf(stderr, "\ncase %zu: got '%s'\n  want '%s'\n", i, got, cases[i].want);
            CU_FAIL("wrong error");
        }
    }
}

/* Each value as a whole experiment: a grid whose ranks do not match is
 * refused, naming the range's line; an error elsewhere names the value. */
static void test_check_values(void)
{
    struct experiment x;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(load(&x, "[uncertain]\nallreduce.grid = 64x34 | 68x31\n", NULL, &e), 0);
    CU_ASSERT(experiment_check_ranges(&x, NULL, NULL, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "x.ini:13: [uncertain] allreduce.grid: at 68x31: grid 68x31 has 2108 ranks "
                                         "but the cluster has 2176 GPUs"));
    experiment_free(&x);
    CU_ASSERT_EQUAL_FATAL(load(&x, "[uncertain]\ncluster.nodes = 544 | 545\n", NULL, &e), 0);
    CU_ASSERT(experiment_check_ranges(&x, NULL, NULL, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "(with the range value cluster.nodes = 545 of x.ini:13)"));
    experiment_free(&x);
}

static void test_pick(void)
{
    const double y[] = {10, 12, 7, 7, 15, 15};
    int down, up;
    uncertain_pick(y, 6, 10, &down, &up);
    CU_ASSERT_EQUAL(down, 2); /* ties: the first */
    CU_ASSERT_EQUAL(up, 4);
    uncertain_pick(y, 2, 10, &down, &up); /* nothing below the point */
    CU_ASSERT_EQUAL(down, -1);
    CU_ASSERT_EQUAL(up, 1);
    uncertain_pick(y, 1, 10, &down, &up); /* only the point itself */
    CU_ASSERT_EQUAL(down, -1);
    CU_ASSERT_EQUAL(up, -1);
}

int test_uncertain_register(void)
{
    CU_pSuite s = CU_add_suite("uncertain", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "span", test_span) || !CU_add_test(s, "alternatives", test_alternatives) ||
        !CU_add_test(s, "joined", test_joined) || !CU_add_test(s, "override", test_override) ||
        !CU_add_test(s, "bad", test_bad) || !CU_add_test(s, "check_values", test_check_values) ||
        !CU_add_test(s, "pick", test_pick))
        return -1;
    return 0;
}
