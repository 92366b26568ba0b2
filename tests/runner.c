/* CUnit runner: one suite per module, each in tests/test_<module>.c,
 * exporting `int test_<module>_register(void)` which adds its suite and
 * returns 0 (or -1 on a CUnit registry error). The table is generated from
 * the file names. Exit status is non-zero when any assertion fails.
 *
 *   dtsim-tests [SUITE...]     run all suites, or only the named ones
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#define DT_SUITE(n) int test_##n##_register(void);
#include "suites.h"
#undef DT_SUITE

static const struct {
    const char *name;
    int (*reg)(void);
} suites[] = {
#define DT_SUITE(n) {#n, test_##n##_register},
#include "suites.h"
#undef DT_SUITE
};

static int wanted(const char *name, int argc, char **argv)
{
    if (argc < 2) return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (!wanted(suites[i].name, argc, argv)) continue;
        if (suites[i].reg() != 0) {
            fprintf(stderr, "dtsim-tests: cannot register suite %s: %s\n", suites[i].name, CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (run == 0) {
        fprintf(stderr, "dtsim-tests: no test ran\n");
        return 1;
    }
    return failed ? 1 : 0;
}
