#include "strsim.h"

#include <CUnit/CUnit.h>
#include <string.h>

static void test_distance(void)
{
    CU_ASSERT_EQUAL(strsim_distance("kitten", "sitting"), 3);
    CU_ASSERT_EQUAL(strsim_distance("", "abc"), 3);
    CU_ASSERT_EQUAL(strsim_distance("GPU", "gpu"), 0);
}

static void test_nearest(void)
{
    const char *keys[] = {"gpu", "nodes", "gpus_per_node", "nic", NULL};
    CU_ASSERT_STRING_EQUAL(strsim_nearest0("gpus_per_nod", keys), "gpus_per_node");
    CU_ASSERT_STRING_EQUAL(strsim_nearest0("ndoes", keys), "nodes");
    CU_ASSERT_PTR_NULL(strsim_nearest0("completely_different", keys));
}

static void test_join(void)
{
    const char *k[] = {"a", "bb", "ccc"};
    char buf[64];
    CU_ASSERT_STRING_EQUAL(strsim_join(buf, sizeof buf, k, 3), "a, bb, ccc");
    CU_ASSERT_STRING_EQUAL(strsim_join(buf, 6, k, 3), "a, bb");
}

int test_strsim_register(void)
{
    CU_pSuite s = CU_add_suite("strsim", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "distance", test_distance) || !CU_add_test(s, "nearest", test_nearest) ||
        !CU_add_test(s, "join", test_join))
        return -1;
    return 0;
}
