#include "gate.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDR "metric,value,unit,better,tolerance\n"

static void test_parse(void)
{
    struct gate_set s = {0};
    dt_err e = {0};
    const char *t = "# made by hand\n" HDR "\n"
                    "t1.Mikami et al.,102.287,s,equal,1%\r\n"
                    "\"a,b\"\"c\", -2.5e1 , ms ,lower,0.5ms\n"
                    "speed,100,instr,higher,\n"
                    "four,1,,lower\n";
    CU_ASSERT_EQUAL_FATAL(gate_parse(&s, t, "x.csv", &e), 0);
    CU_ASSERT_EQUAL_FATAL(s.n, 4);
    CU_ASSERT_STRING_EQUAL(s.m[0].name, "t1.Mikami et al.");
    CU_ASSERT_DOUBLE_EQUAL(s.m[0].value, 102.287, 1e-12);
    CU_ASSERT_EQUAL(s.m[0].better, GATE_EQUAL);
    CU_ASSERT_EQUAL(s.m[0].tol.kind, GATE_TOL_PCT);
    CU_ASSERT_DOUBLE_EQUAL(s.m[0].tol.value, 1, 0);
    CU_ASSERT_EQUAL(s.m[0].line, 4);
    CU_ASSERT_STRING_EQUAL(s.m[1].name, "a,b\"c");
    CU_ASSERT_DOUBLE_EQUAL(s.m[1].value, -25, 0);
    CU_ASSERT_STRING_EQUAL(s.m[1].unit, "ms");
    CU_ASSERT_EQUAL(s.m[1].tol.kind, GATE_TOL_ABS);
    CU_ASSERT_DOUBLE_EQUAL(s.m[1].tol.value, 0.5, 0);
    CU_ASSERT_EQUAL(s.m[2].better, GATE_HIGHER);
    CU_ASSERT_EQUAL(s.m[2].tol.kind, GATE_TOL_NONE);
    CU_ASSERT_STRING_EQUAL(s.m[3].unit, "");
    gate_free(&s);
}

/* Each bad input is an error naming file:line, never an empty set. */
static void test_parse_bad(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", "b.csv: empty file"},
        {"# only a comment\n\n", "b.csv: empty file"},
        {"metric,value,unit\n", "b.csv:1: bad header"},
        {HDR, "b.csv:1: no metrics after the header"},
        {HDR "x,abc,s,lower,\n", "b.csv:2: metric 'x': value 'abc' is not a finite number"},
        {HDR "x,nan,s,lower,\n", "b.csv:2: metric 'x': value 'nan'"},
        {HDR "x,0x10,s,lower,\n", "b.csv:2: metric 'x': value '0x10'"},
        {HDR "x,1e999,s,lower,\n", "b.csv:2: metric 'x': value '1e999'"},
        {HDR "x,,s,lower,\n", "b.csv:2: metric 'x': value ''"},
        {HDR "x,1,s,smaller,\n", "b.csv:2: metric 'x': better 'smaller' is not lower, higher or equal"},
        {HDR "x,1,s,lower,-1%\n", "b.csv:2: metric 'x': tolerance '-1%'"},
        {HDR "x,1,s,lower,2ms\n", "b.csv:2: metric 'x': tolerance '2ms': unit 'ms' is not the metric's unit 's'"},
        {HDR "x,1,s,lower,\ny,2,s,lower,\nx,3,s,lower,\n", "b.csv:4: duplicate metric 'x' (first on line 2)"},
        {HDR ",1,s,lower,\n", "b.csv:2: empty metric name"},
        {HDR "x,1,s\n", "b.csv:2: 3 fields, expected 5"},
        {HDR "x,1,s,lower,1%,extra\n", "b.csv:2: 6 fields, expected 5"},
        {HDR "\"x,1,s,lower,\n", "b.csv:2: unterminated quote"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gate_set s = {0};
        dt_err e = {0};
        int rc = gate_parse(&s, cases[i].text, "b.csv", &e);
        CU_ASSERT_EQUAL(rc, DT_EINVAL);
        CU_ASSERT_EQUAL(s.n, 0);
        if (strncmp(e.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
            fprintf(stderr, "\ncase %zu: got '%s', want '%s'\n", i, e.msg, cases[i].msg);
        CU_ASSERT_EQUAL(strncmp(e.msg, cases[i].msg, strlen(cases[i].msg)), 0);
    }
    struct gate_set s = {0};
    dt_err e = {0};
    CU_ASSERT_EQUAL(gate_load(&s, "/nonexistent/base.csv", &e), DT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot read '/nonexistent/base.csv'"));
}

static void test_tol(void)
{
    struct gate_tol t;
    dt_err e = {0};
    CU_ASSERT_EQUAL(gate_tol_parse("5%", NULL, &t, &e), 0);
    CU_ASSERT_EQUAL(t.kind, GATE_TOL_PCT);
    CU_ASSERT_DOUBLE_EQUAL(t.value, 5, 0);
    CU_ASSERT_EQUAL(gate_tol_parse(" 0.5 % ", NULL, &t, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(t.value, 0.5, 0);
    CU_ASSERT_EQUAL(gate_tol_parse("5", NULL, &t, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "tolerance '5' must be a percentage (e.g. 5%)");
    CU_ASSERT_EQUAL(gate_tol_parse("0.25 s", "s", &t, &e), 0);
    CU_ASSERT_EQUAL(t.kind, GATE_TOL_ABS);
    CU_ASSERT_DOUBLE_EQUAL(t.value, 0.25, 0);
    CU_ASSERT_EQUAL(gate_tol_parse("3", "events", &t, &e), 0);
    CU_ASSERT_EQUAL(gate_tol_parse("3events", "events", &t, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(t.value, 3, 0);
    CU_ASSERT_EQUAL(gate_tol_parse("inf%", NULL, &t, &e), DT_EINVAL);
    CU_ASSERT_EQUAL(gate_tol_parse("%", NULL, &t, &e), DT_EINVAL);
    char buf[32];
    t.kind = GATE_TOL_ABS, t.value = 0.5;
    CU_ASSERT_STRING_EQUAL(gate_tol_format(&t, "s", buf, sizeof buf), "0.5 s");
    t.kind = GATE_TOL_PCT, t.value = 2;
    CU_ASSERT_STRING_EQUAL(gate_tol_format(&t, "s", buf, sizeof buf), "2%");
}

/* Worked by hand: baseline 100 with 5% allows [95, 105]. */
static void test_compare(void)
{
    struct gate_set b = {0}, c = {0};
    dt_err e = {0};
    CU_ASSERT_EQUAL_FATAL(gate_parse(&b, HDR "lo,100,s,lower,\n"      /* 106: +6% > 5%: WORSE */
                                         "lo2,100,s,lower,\n"         /* 105: +5%, at the edge: OK */
                                         "hi,100,GBps,higher,\n"      /* 94: -6%: WORSE */
                                         "hi2,100,GBps,higher,\n"     /* 110: BETTER */
                                         "eq,224,s,equal,1%\n"        /* 221: -1.34% > 1%: CHANGED */
                                         "eq2,224,s,equal,4\n"        /* 221: |3| <= 4 s: OK */
                                         "lo3,10,s,lower,2%\n"        /* 9: -10%: BETTER */
                                         "zero,0,n,lower,\n"          /* 1: +inf%: WORSE */
                                         "gone,1,s,lower,\n",         /* absent: MISSING */
                                     "b.csv", &e),
                          0);
    CU_ASSERT_EQUAL_FATAL(gate_parse(&c, HDR "lo,106,s,lower,\nlo2,105,s,lower,\nhi,94,GBps,higher,\n"
                                         "hi2,110,GBps,higher,\neq,221,s,equal,\neq2,221,s,equal,\n"
                                         "lo3,9,s,lower,\nzero,1,n,lower,\nfresh,7,s,lower,\n",
                                     "c.csv", &e),
                          0);
    struct gate_tol d = {GATE_TOL_PCT, 5};
    struct gate_row *r;
    int n;
    int fails = gate_compare(&b, &c, &d, &r, &n, &e);
    CU_ASSERT_EQUAL(fails, 5);
    CU_ASSERT_EQUAL_FATAL(n, 10);
    static const enum gate_verdict want[] = {GATE_WORSE, GATE_OK,     GATE_WORSE, GATE_BETTER,  GATE_CHANGED,
                                             GATE_OK,    GATE_BETTER, GATE_WORSE, GATE_MISSING, GATE_NEW};
    for (int i = 0; i < n; i++) CU_ASSERT_EQUAL(r[i].verdict, want[i]);
    CU_ASSERT_DOUBLE_EQUAL(r[0].change_pct, 6, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(r[0].allowed, 5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(r[4].change_pct, -300.0 / 224, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(r[4].allowed, 2.24, 1e-9);
    CU_ASSERT_EQUAL(r[5].tol.kind, GATE_TOL_ABS);
    CU_ASSERT(isinf(r[7].change_pct) && r[7].change_pct > 0);
    CU_ASSERT_PTR_NULL(r[8].cur);
    CU_ASSERT_PTR_NULL(r[9].base);
    CU_ASSERT_STRING_EQUAL(r[9].cur->name, "fresh");
    free(r);
    gate_free(&c);
    /* a unit that changed is not comparable */
    CU_ASSERT_EQUAL_FATAL(gate_parse(&c, HDR "lo,0.106,ms,lower,\n", "c.csv", &e), 0);
    CU_ASSERT_EQUAL(gate_compare(&b, &c, &d, &r, &n, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "metric 'lo': unit 's' in baseline, 'ms' in current");
    gate_free(&b);
    gate_free(&c);
}

static void test_save_roundtrip(void)
{
    struct gate_set s = {0}, t = {0};
    dt_err e = {0};
    CU_ASSERT_EQUAL_FATAL(gate_parse(&s, HDR "\"a,b\",102.287,s,equal,1%\n#c,1,s,lower,\nx,228741872,instr,lower,0.5\n",
                                     "s.csv", &e),
                          0);
    char path[] = "/tmp/dtsim-test-gate-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    CU_ASSERT_EQUAL(gate_save(&s, path, &e), 0);
    CU_ASSERT_EQUAL_FATAL(gate_load(&t, path, &e), 0);
    CU_ASSERT_EQUAL_FATAL(t.n, 2);
    CU_ASSERT_STRING_EQUAL(t.m[0].name, "a,b");
    CU_ASSERT_DOUBLE_EQUAL(t.m[0].value, 102.287, 0);
    CU_ASSERT_EQUAL(t.m[1].tol.kind, GATE_TOL_ABS);
    CU_ASSERT_DOUBLE_EQUAL(t.m[1].value, 228741872, 0);
    remove(path);
    gate_free(&s);
    gate_free(&t);
}

int test_gate_register(void)
{
    CU_pSuite s = CU_add_suite("gate", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "parse", test_parse) || !CU_add_test(s, "parse_bad", test_parse_bad) ||
        !CU_add_test(s, "tolerance", test_tol) || !CU_add_test(s, "compare", test_compare) ||
        !CU_add_test(s, "save_roundtrip", test_save_roundtrip))
        return -1;
    return 0;
}
