/* Tests for real/counters.[ch]: the software-clock fallback always works;
 * hardware counters are either counted or reported off with a reason. */
#include "counters.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

static volatile double sink;

static void spin(void)
{
    double x = 0;
    for (int i = 0; i < 2000000; i++) x += i * 0.5;
    sink = x;
}

static void test_fallback(void)
{
    struct counters c;
    struct counters_sample s;
    char line[512];
    CU_ASSERT_EQUAL(counters_open(&c, 1), 0);
    CU_ASSERT_EQUAL(c.hw, 0);
    CU_ASSERT_STRING_EQUAL(c.why, "hardware counters not requested");
    for (int i = 0; i < CTR_N; i++) CU_ASSERT_EQUAL(c.fd[i], -1);
    counters_start(&c);
    spin();
    counters_stop(&c, &s);
    CU_ASSERT_EQUAL(s.hw, 0);
    CU_ASSERT_EQUAL(s.llc, 0);
    CU_ASSERT(s.wall_s > 0);
    CU_ASSERT(s.cpu_s > 0);
    counters_format(&c, &s, line, sizeof line);
    CU_ASSERT_NSTRING_EQUAL(line, "no hardware counters (hardware counters not requested); software clocks: wall ",
                            strlen("no hardware counters (hardware counters not requested); software clocks: wall "));
    counters_close(&c);
}

/* Where the PMU exists the counts are positive; where it does not, the
 * set says why and still gives the software clocks. Either is fine. */
static void test_pmu_or_reason(void)
{
    struct counters c;
    struct counters_sample s;
    char line[512];
    CU_ASSERT_EQUAL(counters_open(&c, 0), 0);
    counters_start(&c);
    spin();
    counters_stop(&c, &s);
    counters_format(&c, &s, line, sizeof line);
    if (c.hw) {
        CU_ASSERT_EQUAL(s.hw, 1);
        CU_ASSERT(s.cycles > 0);
        CU_ASSERT(s.instructions > 0);
        CU_ASSERT_NSTRING_EQUAL(line, "cycles ", 7);
    } else {
        printf("\n  counters: %s\n", c.why);
        CU_ASSERT(c.why[0] != '\0');
        CU_ASSERT_EQUAL(s.hw, 0);
        CU_ASSERT(s.wall_s > 0);
        CU_ASSERT_NSTRING_EQUAL(line, "no hardware counters (", 22);
    }
    counters_close(&c);
    for (int i = 0; i < CTR_N; i++) CU_ASSERT_EQUAL(c.fd[i], -1);
}

int test_counters_register(void)
{
    CU_pSuite s = CU_add_suite("counters", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "fallback", test_fallback) || !CU_add_test(s, "pmu_or_reason", test_pmu_or_reason))
        return -1;
    return 0;
}
