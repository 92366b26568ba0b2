/* Runs this machine cannot do are refused before anything starts
 * (run_machine_check, docs/sim.md "Scale"). */
#include "collsim.h"
#include "progress.h"
#include "run.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_machine_check(void)
{
    dt_err e = {0};
    CU_ASSERT(run_machine_check(8, COLLSIM_FAST, &e) == 0);
    CU_ASSERT(run_machine_check(16384, COLLSIM_EXACT, &e) == 0 || strstr(e.msg, "memory") != NULL);
    /* exact mode past its limit, whatever the memory */
    CU_ASSERT(run_machine_check(16385, COLLSIM_EXACT, &e) != 0);
    CU_ASSERT(strstr(e.msg, "--mode exact") != NULL && strstr(e.msg, "16384") != NULL);
    /* a billion GPUs need tens of terabytes: refused on any machine, with
     * the need and what is available */
    memset(&e, 0, sizeof e);
    CU_ASSERT(run_machine_check(1000000000LL, COLLSIM_FAST, &e) != 0);
    CU_ASSERT(strstr(e.msg, "needs about") != NULL && strstr(e.msg, "available") != NULL);
}

/* The progress line: nothing when off; when on (and early), the stage,
 * the fraction of units, and an erase at the end. */
static void capture(int on, char *buf, size_t n)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    CU_ASSERT_FATAL(tmp != NULL);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    progress_begin(on, "dtsim run");
    progress_early();
    progress_stage("loading");
    progress_unit(1, 2);
    usleep(300 * 1000); /* the line is rewritten at most 4 times a second */
    progress_sub(0.5);
    progress_end();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t got = fread(buf, 1, n - 1, tmp);
    buf[got] = '\0';
    fclose(tmp);
}

static void test_progress(void)
{
    char buf[1024];
    capture(0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "");
    capture(1, buf, sizeof buf);
    CU_ASSERT(strstr(buf, "\rdtsim run: loading") != NULL);
    CU_ASSERT(strstr(buf, " 75%") != NULL); /* unit 1 of 2, half of it done */
    size_t len = strlen(buf);
    CU_ASSERT(len >= 4 && strcmp(buf + len - 4, "\r\033[K") == 0); /* erased at the end */
}

int test_scale_register(void)
{
    CU_pSuite s = CU_add_suite("scale", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "machine_check", test_machine_check) || !CU_add_test(s, "progress", test_progress))
        return -1;
    return 0;
}
