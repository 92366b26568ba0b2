/* Runs this machine cannot do are refused before anything starts
 * (run_machine_check, docs/sim.md "Scale"). */
#include "collsim.h"
#include "run.h"

#include <CUnit/CUnit.h>
#include <string.h>

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

int test_scale_register(void)
{
    CU_pSuite s = CU_add_suite("scale", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "machine_check", test_machine_check)) return -1;
    return 0;
}
