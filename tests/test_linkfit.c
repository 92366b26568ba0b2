/* Tests for models/linkfit: features from the schedules' costs, the fit on
 * synthetic points with a known library (call, step, share), dtbench CSV
 * parsing. */
#include "linkfit.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct linkfit_point pt(const char *algo, int nranks, int G, uint64_t bytes)
{
    struct linkfit_point p;
    memset(&p, 0, sizeof p);
    snprintf(p.algo, sizeof p.algo, "%s", algo);
    p.nranks = nranks;
    p.gpus_per_node = G;
    p.bytes = bytes;
    return p;
}

/* Worked by hand: a 2-rank ring has 2 steps (reduce-scatter, all-gather),
 * each rank sends half its buffer in each: sent = S. 4-rank ring: 6 steps,
 * sent = 2 * 3/4 S. Hierarchical on 2 ranks of one node: the intra ring,
 * 2 steps, S sent. */
static void test_features(void)
{
    dt_err e = {0};
    struct linkfit_point p = pt("ring", 2, 1, 1 << 20);
    CU_ASSERT_EQUAL(linkfit_features(&p, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(p.steps, 2, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.sent_bytes, 1 << 20, 0);
    p = pt("ring", 4, 1, 1 << 20);
    CU_ASSERT_EQUAL(linkfit_features(&p, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(p.steps, 6, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.sent_bytes, 1.5 * (1 << 20), 0);
    p = pt("hierarchical", 2, 2, 1 << 20);
    CU_ASSERT_EQUAL(linkfit_features(&p, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(p.steps, 2, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.sent_bytes, 1 << 20, 0);
    p = pt("rign", 2, 1, 1 << 20);
    CU_ASSERT_EQUAL(linkfit_features(&p, &e), DT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ring"));
}

/* Synthetic points from call = 30 us, step = 40 us, share = 0.956 on a
 * 1 Gbit link (R = 125 MB/s) with a wire latency of 10 us:
 *   t = 30 us + steps x (10 + 40) us + sent / (125e6 x 0.956)
 * The fit gives them back (to rounding), with zero residual. */
static void test_fit_exact(void)
{
    const double call = 30e-6, step = 40e-6, share = 0.956, R = 125e6, L = 10e-6;
    const char *algos[] = {"ring", "halving-doubling", "double-binary-tree"};
    struct linkfit_point p[12];
    int n = 0;
    dt_err e = {0};
    for (int a = 0; a < 3; a++)
        for (uint64_t s = 64 << 10; s <= 16 << 20; s *= 8) {
            p[n] = pt(algos[a], 2, 1, s);
            CU_ASSERT_EQUAL_FATAL(linkfit_features(&p[n], &e), 0);
            p[n].time_s = call + p[n].steps * (L + step) + p[n].sent_bytes / (R * share);
            n++;
        }
    struct linkfit_result r;
    CU_ASSERT_EQUAL_FATAL(linkfit_fit(p, (size_t)n, R, L, &r, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(r.call_s, call, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.step_s, step, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.share, share, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(r.bw_Bps / (R * share), 1, 1e-9);
    CU_ASSERT(r.rms_rel < 1e-9);
    CU_ASSERT_EQUAL(r.npoints, n);
    CU_ASSERT_EQUAL(r.clamped, 0);
    CU_ASSERT_DOUBLE_EQUAL(linkfit_predict(&p[0], &r) / p[0].time_s, 1, 1e-9);
    /* the library row it makes: step on both link classes, no small protocol */
    struct commlib lib;
    linkfit_commlib(&r, "t", 2026, "test", &lib);
    CU_ASSERT_DOUBLE_EQUAL(lib.step_intra_s, step, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(lib.step_inter_s, step, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(lib.bw_share, share, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(lib.small_bytes, 0, 0);
    CU_ASSERT_EQUAL(commlib_check(&lib, &e), 0);
    /* +-2% alternating noise: still close, and the residual shows it */
    for (int i = 0; i < n; i++) p[i].time_s *= i % 2 ? 1.02 : 0.98;
    CU_ASSERT_EQUAL_FATAL(linkfit_fit(p, (size_t)n, R, L, &r, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(r.share / share, 1, 0.02);
    CU_ASSERT(r.rms_rel > 0.01 && r.rms_rel < 0.025);
}

/* Times below the bandwidth line at small sizes would need a negative
 * latency: call and step are held at 0 and the share fitted alone (t =
 * S / (0.9 R) exactly gives 0.9 back). Times above the link rate would need
 * a share above 1: it is held at 1. */
static void test_fit_clamp(void)
{
    struct linkfit_point p[3];
    dt_err e = {0};
    const double R = 125e6;
    for (int i = 0; i < 3; i++) {
        p[i] = pt("ring", 2, 1, (uint64_t)1 << (20 + 2 * i));
        CU_ASSERT_EQUAL_FATAL(linkfit_features(&p[i], &e), 0);
        p[i].time_s = p[i].sent_bytes / (0.9 * R) - (i == 0 ? 1e-4 : 0);
    }
    struct linkfit_result r;
    CU_ASSERT_EQUAL_FATAL(linkfit_fit(p, 3, R, 0, &r, &e), 0);
    CU_ASSERT_EQUAL(r.clamped, LINKFIT_CALL0 | LINKFIT_STEP0);
    CU_ASSERT_DOUBLE_EQUAL(r.call_s, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(r.step_s, 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(r.share / 0.9, 1, 0.01);
    for (int i = 0; i < 3; i++) p[i].time_s = 50e-6 + p[i].sent_bytes / (1.05 * R);
    CU_ASSERT_EQUAL_FATAL(linkfit_fit(p, 3, R, 0, &r, &e), 0);
    CU_ASSERT(r.clamped & LINKFIT_SHARE1);
    CU_ASSERT_DOUBLE_EQUAL(r.share, 1, 0);
}

static void test_fit_refuses(void)
{
    struct linkfit_point p[2];
    struct linkfit_result r;
    dt_err e = {0};
    p[0] = pt("ring", 2, 1, 1 << 20);
    p[1] = pt("ring", 4, 1, 1 << 22);
    CU_ASSERT_EQUAL_FATAL(linkfit_features(&p[0], &e) | linkfit_features(&p[1], &e), 0);
    p[0].time_s = p[1].time_s = 0.01;
    CU_ASSERT_EQUAL(linkfit_fit(p, 2, 125e6, 0, &r, &e), DT_EINVAL); /* 4 ranks: not a 2-host point */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "2-host points only"));
    p[1] = p[0];
    CU_ASSERT_EQUAL(linkfit_fit(p, 2, 125e6, 0, &r, &e), DT_EINVAL); /* one size only */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "same size"));
    CU_ASSERT_EQUAL(linkfit_fit(p, 0, 125e6, 0, &r, &e), DT_EINVAL);
    CU_ASSERT_EQUAL(linkfit_fit(p, 2, 0, 0, &r, &e), DT_EINVAL); /* no rate */
}

static void test_parse(void)
{
    const char *ok = "# comment\n"
                     "transport,algo,ranks,size,count,type,redop,root,oop_time_us,oop_algbw_GBps,oop_busbw_GBps,oop_wrong,"
                     "ip_time_us,ip_algbw_GBps,ip_busbw_GBps,ip_wrong\n"
                     "tcp,ring,2,1048576,262144,float,sum,-1,8000.0,0.13,0.13,0,9000.0,0.12,0.12,0\n"
                     "\n"
                     "transport,algo,ranks,size,count,type,redop,root,oop_time_us,oop_algbw_GBps,oop_busbw_GBps,oop_wrong,"
                     "ip_time_us,ip_algbw_GBps,ip_busbw_GBps,ip_wrong\n"
                     "tcp,hierarchical,4,4194304,1048576,float,sum,-1,40000,0.1,0.1,-1,40000,0.1,0.1,-1\n";
    struct linkfit_point *p = NULL;
    size_t n = 0;
    dt_err e = {0};
    CU_ASSERT_EQUAL_FATAL(linkfit_parse_dtbench(ok, "ok.csv", 2, &p, &n, &e), 0);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(p[0].algo, "ring");
    CU_ASSERT_EQUAL(p[0].nranks, 2);
    CU_ASSERT_EQUAL(p[0].gpus_per_node, 1);
    CU_ASSERT_DOUBLE_EQUAL(p[0].time_s, 8e-3, 1e-12); /* the smaller of 8000 and 9000 us */
    CU_ASSERT_EQUAL(p[1].gpus_per_node, 2);
    CU_ASSERT_EQUAL(p[1].bytes, 4194304);
    free(p);
    const char *bad[] = {
        "tcp,ring,2,1048576,262144,float,sum,-1,8000.0,0.13,0.13,0,9000.0,0.12,0.12,0\n", /* no header */
        "transport,algo,ranks,size,count,type,redop,root,oop_time_us,oop_algbw_GBps,oop_busbw_GBps,oop_wrong,ip_time_us,"
        "ip_algbw_GBps,ip_busbw_GBps,ip_wrong\ntcp,ring,2,1048576,262144\n", /* short line */
        "transport,algo,ranks,size,count,type,redop,root,oop_time_us,oop_algbw_GBps,oop_busbw_GBps,oop_wrong,ip_time_us,"
        "ip_algbw_GBps,ip_busbw_GBps,ip_wrong\ntcp,ring,2,1048576,262144,float,sum,-1,abc,0,0,0,9000,0,0,0\n", /* time */
        "transport,algo,ranks,size,count,type,redop,root,oop_time_us,oop_algbw_GBps,oop_busbw_GBps,oop_wrong,ip_time_us,"
        "ip_algbw_GBps,ip_busbw_GBps,ip_wrong\n", /* no data */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(linkfit_parse_dtbench(bad[i], "bad.csv", 1, &p, &n, &e), DT_EINVAL);
        CU_ASSERT_PTR_NULL(p);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "bad.csv"));
    }
}

int test_linkfit_register(void)
{
    CU_pSuite s = CU_add_suite("linkfit", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "features", test_features) || !CU_add_test(s, "fit_exact", test_fit_exact) ||
        !CU_add_test(s, "fit_clamp", test_fit_clamp) || !CU_add_test(s, "fit_refuses", test_fit_refuses) ||
        !CU_add_test(s, "parse", test_parse))
        return -1;
    return 0;
}
