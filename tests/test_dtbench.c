/* Units of the dtbench harness that need no network: the bandwidth
 * formulas, the nccl-tests layout, unit parsing and rank discovery
 * (models/bench.c). The harness itself is tested by tests/dtbench.sh. */
#include "bench.h"
#include "coll.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

static void test_busbw(void)
{
    /* 2(n-1)/n: n=2 -> 1, n=4 -> 1.5, n=8 -> 1.75, n=1 -> 0. */
    CU_ASSERT_DOUBLE_EQUAL(bench_busbw_factor(2), 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(bench_busbw_factor(4), 1.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(bench_busbw_factor(8), 1.75, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(bench_busbw_factor(1), 0.0, 1e-12);
    /* 16 MiB in 0.1 s on 4 ranks: algbw = 16777216 / 0.1 / 1e9 = 0.16777216
     * GB/s, busbw = 1.5 x that = 0.25165824 GB/s. */
    struct bench_result r;
    bench_result_set(&r, 16777216, 4, 0.1, 0);
    CU_ASSERT_DOUBLE_EQUAL(r.time_us, 100000.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(r.algbw_GBps, 0.16777216, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.busbw_GBps, 0.25165824, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(bench_algbw_GBps(100, 0), 0.0, 0);
}

static void test_layout(void)
{
    char buf[1024];
    bench_fmt_header(buf, sizeof buf);
    /* The three header lines of all_reduce_perf, column for column. */
    const char *want =
        "#                                                              out-of-place                       in-place          \n"
        "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n"
        "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       \n";
    CU_ASSERT_STRING_EQUAL(buf, want);

    struct bench_result a, b;
    bench_result_set(&a, 1048576, 4, 1234.5e-6, 0);  /* 0.8494 / 1.2741 GB/s */
    bench_result_set(&b, 1048576, 4, 12345.6e-6, -1);
    bench_fmt_row(buf, sizeof buf, 1048576, 262144, bench_type_name(COLL_FP32), "sum", -1, &a, &b);
    CU_ASSERT_STRING_EQUAL(buf, "     1048576        262144     float     sum      -1   1234.5    0.85    1.27      0"
                                "    12346    0.08    0.13    N/A\n");
    bench_result_set(&a, 8, 2, 33.234e-6, 3);
    bench_fmt_row(buf, sizeof buf, 8, 4, bench_type_name(COLL_FP16), "sum", -1, &a, &a);
    CU_ASSERT_STRING_EQUAL(buf, "           8             4      half     sum      -1    33.23    0.00    0.00      3"
                                "    33.23    0.00    0.00      3\n");
    bench_fmt_footer(buf, sizeof buf, 0, 1.27405);
    CU_ASSERT_STRING_EQUAL(buf, "# Out of bounds values : 0 OK\n# Avg bus bandwidth    : 1.27405 \n#\n");
    bench_fmt_footer(buf, sizeof buf, 5, 0.5);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "5 FAILED"));

    bench_fmt_csv_header(buf, sizeof buf);
    CU_ASSERT_EQUAL(strncmp(buf, "transport,algo,ranks,size,count,type", 36), 0);
    bench_result_set(&a, 1000, 2, 1e-3, 0);
    bench_fmt_csv_row(buf, sizeof buf, "tcp", "ring", 2, 1000, 250, "float", "sum", -1, &a, &a);
    CU_ASSERT_STRING_EQUAL(buf, "tcp,ring,2,1000,250,float,sum,-1,1000.000,0.0010,0.0010,0,1000.000,0.0010,0.0010,0\n");
}

static void test_units(void)
{
    uint64_t b;
    dt_err e;
    CU_ASSERT_EQUAL(bench_parse_bytes("8", &b, &e), 0);
    CU_ASSERT_EQUAL(b, 8);
    CU_ASSERT_EQUAL(bench_parse_bytes("16M", &b, &e), 0);
    CU_ASSERT_EQUAL(b, 16777216);
    CU_ASSERT_EQUAL(bench_parse_bytes("1.5k", &b, &e), 0);
    CU_ASSERT_EQUAL(b, 1536);
    CU_ASSERT_EQUAL(bench_parse_bytes("1G", &b, &e), 0);
    CU_ASSERT_EQUAL(b, 1073741824);
    CU_ASSERT_EQUAL(bench_parse_bytes("3X", &b, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown unit 'X'"));
    CU_ASSERT_EQUAL(bench_parse_bytes("-1", &b, &e), DT_EINVAL);

    double r;
    CU_ASSERT_EQUAL(bench_parse_rate("1Gbit", &r, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(r, 125e6, 1e-3);
    CU_ASSERT_EQUAL(bench_parse_rate("100mbit", &r, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(r, 12.5e6, 1e-3);
    CU_ASSERT_EQUAL(bench_parse_rate("10Gbps", &r, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(r, 1.25e9, 1e-3);
    CU_ASSERT_EQUAL(bench_parse_rate("125MBps", &r, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(r, 125e6, 1e-3);
    CU_ASSERT_EQUAL(bench_parse_rate("0bit", &r, &e), DT_ERANGE);
    CU_ASSERT_EQUAL(bench_parse_rate("1Gbyte", &r, &e), DT_EINVAL);

    double t;
    CU_ASSERT_EQUAL(bench_parse_time("100us", &t, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(t, 100e-6, 1e-15);
    CU_ASSERT_EQUAL(bench_parse_time("1.5ms", &t, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(t, 1.5e-3, 1e-15);
    CU_ASSERT_EQUAL(bench_parse_time("2", &t, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(t, 2.0, 0);
    CU_ASSERT_EQUAL(bench_parse_time("1h", &t, &e), DT_EINVAL);

    char s[32];
    bench_fmt_rate_bit(s, sizeof s, 125e6);
    CU_ASSERT_STRING_EQUAL(s, "1Gbit");
    bench_fmt_rate_bit(s, sizeof s, 12.5e6);
    CU_ASSERT_STRING_EQUAL(s, "100Mbit");
    bench_fmt_rate_bit(s, sizeof s, 312.5e6);
    CU_ASSERT_STRING_EQUAL(s, "2500Mbit");
    bench_fmt_rate_bit(s, sizeof s, 1.0);
    CU_ASSERT_STRING_EQUAL(s, "8bit");
}

/* A fake environment: NULL-terminated name=value pairs. */
static const char *fake_get(const char *name, void *ctx)
{
    const char *const *kv = ctx;
    for (; kv[0]; kv += 2)
        if (strcmp(kv[0], name) == 0) return kv[1];
    return NULL;
}

static void test_world(void)
{
    struct bench_world w;
    dt_err e;
    const char *none[] = {NULL};
    CU_ASSERT_EQUAL(bench_world_from_env(&w, fake_get, (void *)none, &e), 0);
    CU_ASSERT_EQUAL(w.size, 1);
    CU_ASSERT_EQUAL(w.rank, 0);
    CU_ASSERT_STRING_EQUAL(w.source, "single");

    const char *torch[] = {"RANK", "2", "WORLD_SIZE", "4", "MASTER_ADDR", "198.18.0.1", "MASTER_PORT", "29600",
                           "OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_SIZE", "8", NULL};
    CU_ASSERT_EQUAL(bench_world_from_env(&w, fake_get, (void *)torch, &e), 0);
    CU_ASSERT_EQUAL(w.rank, 2);
    CU_ASSERT_EQUAL(w.size, 4);
    CU_ASSERT_STRING_EQUAL(w.master_addr, "198.18.0.1");
    CU_ASSERT_EQUAL(w.master_port, 29600);

    /* mpirun on one host: MASTER_ADDR defaults to loopback. */
    const char *ompi[] = {"OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_LOCAL_SIZE",
                          "2", NULL};
    CU_ASSERT_EQUAL(bench_world_from_env(&w, fake_get, (void *)ompi, &e), 0);
    CU_ASSERT_STRING_EQUAL(w.source, "mpirun");
    CU_ASSERT_STRING_EQUAL(w.master_addr, "127.0.0.1");
    CU_ASSERT_EQUAL(w.master_port, BENCH_DEFAULT_PORT);

    /* srun on two nodes without MASTER_ADDR: a clear error. */
    const char *srun[] = {"SLURM_PROCID", "3", "SLURM_NTASKS", "4", "SLURM_NNODES", "2", NULL};
    CU_ASSERT_EQUAL(bench_world_from_env(&w, fake_get, (void *)srun, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "MASTER_ADDR is not set"));

    const char *bad[] = {"RANK", "4", "WORLD_SIZE", "4", NULL};
    CU_ASSERT_EQUAL(bench_world_from_env(&w, fake_get, (void *)bad, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "RANK=4 is out of range for WORLD_SIZE=4 (ranks are 0..3)");
    const char *half[] = {"RANK", "0", NULL};
    CU_ASSERT_EQUAL(bench_world_from_env(&w, fake_get, (void *)half, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "RANK is set but WORLD_SIZE is not");
    const char *port[] = {"RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "70000", NULL};
    CU_ASSERT_EQUAL(bench_world_from_env(&w, fake_get, (void *)port, &e), DT_EINVAL);
}

int test_dtbench_register(void)
{
    CU_pSuite s = CU_add_suite("dtbench", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "busbw", test_busbw) || !CU_add_test(s, "layout", test_layout) ||
        !CU_add_test(s, "units", test_units) || !CU_add_test(s, "world", test_world))
        return -1;
    return 0;
}
