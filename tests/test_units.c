/* Known values for units.h: each number below is worked by hand from the
 * prefix rule (SI decimal, Ki/Mi/Gi binary, b = bit, B = byte). */
#include "units.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

static double parse(const char *t, enum units_kind k)
{
    double v = -1;
    dt_err e = {0, ""};
    int rc = units_parse(t, k, &v, &e);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) fprintf(stderr, "\nunits_parse('%s'): %s\n", t, e.msg);
    return v;
}

/* Relative comparison: decimal inputs are not exact in binary. */
#define NEAR(a, b) CU_ASSERT(fabs((a) - (b)) <= 1e-12 * fabs(b))

static void test_bandwidth(void)
{
    NEAR(parse("100Gbps", UNITS_BANDWIDTH), 12.5e9);    /* 100e9 bits / 8 */
    NEAR(parse("100Gbit/s", UNITS_BANDWIDTH), 12.5e9);
    NEAR(parse("100 Gb/s", UNITS_BANDWIDTH), 12.5e9);
    NEAR(parse("12.5GB/s", UNITS_BANDWIDTH), 12.5e9);
    NEAR(parse("12.5GBps", UNITS_BANDWIDTH), 12.5e9);
    NEAR(parse("56Gbps", UNITS_BANDWIDTH), 7e9);
    NEAR(parse("1MiB/s", UNITS_BANDWIDTH), 1048576.0);
    NEAR(parse("10Mbps", UNITS_BANDWIDTH), 1.25e6);     /* small b: bits */
    NEAR(parse("10MBps", UNITS_BANDWIDTH), 1e7);        /* capital B: bytes */
    NEAR(parse("1e2Gbps", UNITS_BANDWIDTH), 12.5e9);
    NEAR(parse(" 900 GB/s ", UNITS_BANDWIDTH), 9e11);
}

static void test_time_size_flops(void)
{
    NEAR(parse("1.5us", UNITS_TIME), 1.5e-6);
    NEAR(parse("250ns", UNITS_TIME), 2.5e-7);
    NEAR(parse("2ms", UNITS_TIME), 2e-3);
    NEAR(parse("224s", UNITS_TIME), 224.0);
    NEAR(parse("15min", UNITS_TIME), 900.0);
    NEAR(parse("29h", UNITS_TIME), 104400.0);
    NEAR(parse("25MB", UNITS_SIZE), 25e6);
    NEAR(parse("64MiB", UNITS_SIZE), 67108864.0);
    NEAR(parse("16GiB", UNITS_SIZE), 17179869184.0);
    NEAR(parse("110KB", UNITS_SIZE), 110e3);            /* K = k, decimal */
    NEAR(parse("110kB", UNITS_SIZE), 110e3);
    NEAR(parse("8Gbit", UNITS_SIZE), 1e9);
    NEAR(parse("15.7TFLOPS", UNITS_FLOPS), 1.57e13);
    NEAR(parse("125TFLOP/s", UNITS_FLOPS), 1.25e14);
    NEAR(parse("1.28M", UNITS_NUMBER), 1.28e6);
    NEAR(parse("64Ki", UNITS_NUMBER), 65536.0);
    NEAR(parse("1281167", UNITS_NUMBER), 1281167.0);
    NEAR(parse("0Gbps", UNITS_BANDWIDTH), 0.0 + 0.0);
}

static void expect_error(const char *t, enum units_kind k, const char *msg)
{
    double v = 42;
    dt_err e = {0, ""};
    CU_ASSERT(units_parse(t, k, &v, &e) < 0);
    CU_ASSERT_EQUAL(v, 42); /* untouched on error */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, msg));
    if (!strstr(e.msg, msg)) fprintf(stderr, "\n'%s': got '%s', want '%s'\n", t, e.msg, msg);
}

static void test_errors(void)
{
    expect_error("100", UNITS_BANDWIDTH, "'100' needs a unit, e.g. 100Gbps");
    expect_error("1.5", UNITS_TIME, "'1.5' needs a unit, e.g. 1.5us");
    expect_error("-100Gbps", UNITS_BANDWIDTH, "negative");
    expect_error("nan", UNITS_BANDWIDTH, "not a bandwidth");
    expect_error("inf", UNITS_NUMBER, "not a number");
    expect_error("1e999Gbps", UNITS_BANDWIDTH, "too large");
    expect_error("100Gbs", UNITS_BANDWIDTH, "did you mean 'Gbps'?");
    expect_error("100GbE", UNITS_BANDWIDTH, "unknown bandwidth unit 'GbE'");
    expect_error("100Gbps extra", UNITS_BANDWIDTH, "unknown bandwidth unit");
    expect_error("", UNITS_SIZE, "empty value");
    expect_error("12abc", UNITS_NUMBER, "not a number");
    expect_error("0x10", UNITS_NUMBER, "not a number");
    expect_error("100Gbps", UNITS_TIME, "unknown time unit");
    expect_error(".", UNITS_NUMBER, "not a number");
    expect_error("1 2", UNITS_NUMBER, "not a number");
}

static void test_format(void)
{
    char b[64];
    CU_ASSERT_STRING_EQUAL(units_format(b, sizeof b, 12.5e9, UNITS_BANDWIDTH), "12.5 GB/s");
    CU_ASSERT_STRING_EQUAL(units_format(b, sizeof b, 1.5e-6, UNITS_TIME), "1.5 us");
    CU_ASSERT_STRING_EQUAL(units_format(b, sizeof b, 224, UNITS_TIME), "224 s");
    CU_ASSERT_STRING_EQUAL(units_format(b, sizeof b, 900, UNITS_TIME), "15 min");
    CU_ASSERT_STRING_EQUAL(units_format(b, sizeof b, 25e6, UNITS_SIZE), "25 MB");
    CU_ASSERT_STRING_EQUAL(units_format(b, sizeof b, 67108864, UNITS_SIZE), "64 MiB");
    CU_ASSERT_STRING_EQUAL(units_format(b, sizeof b, 1.57e13, UNITS_FLOPS), "15.7 TFLOP/s");
    CU_ASSERT_STRING_EQUAL(units_format(b, sizeof b, 1281167, UNITS_NUMBER), "1281167");
    CU_ASSERT_STRING_EQUAL(units_format(b, sizeof b, 0, UNITS_BANDWIDTH), "0 B/s");
    CU_ASSERT_STRING_EQUAL(units_format(b, 4, 12.5e9, UNITS_BANDWIDTH), "12.");
}

static void test_roundtrip(void)
{
    /* format then parse gives the value back to the 4 digits printed */
    const double v[] = {12.5e9, 7e9, 1.5e-6, 25e6, 1.57e13};
    const enum units_kind k[] = {UNITS_BANDWIDTH, UNITS_BANDWIDTH, UNITS_TIME, UNITS_SIZE, UNITS_FLOPS};
    for (int i = 0; i < 5; i++) {
        char b[64];
        units_format(b, sizeof b, v[i], k[i]);
        char *sp = strchr(b, ' ');
        if (sp) memmove(sp, sp + 1, strlen(sp));
        NEAR(parse(b, k[i]), v[i]);
    }
}

int test_units_register(void)
{
    CU_pSuite s = CU_add_suite("units", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "bandwidth", test_bandwidth) || !CU_add_test(s, "time_size_flops", test_time_size_flops) ||
        !CU_add_test(s, "errors", test_errors) || !CU_add_test(s, "format", test_format) ||
        !CU_add_test(s, "roundtrip", test_roundtrip))
        return -1;
    return 0;
}
