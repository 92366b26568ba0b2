/* Tests for the guards of issue 12: only all-reduces where training needs
 * one, memory per GPU (models/memory.h), bf16. */
#include "coll.h"

#include <CUnit/CUnit.h>
#include <string.h>

static void test_allreduce_only(void)
{
    dt_err e = {0, ""};
    /* every registered all-reduce is accepted, and only those */
    for (size_t i = 0; i < coll_count(); i++) {
        const struct coll_algo *a = coll_at(i);
        const struct coll_algo *b = coll_find_allreduce(a->name, &e);
        CU_ASSERT_EQUAL(b != NULL, a->op == COLL_ALLREDUCE);
    }
    CU_ASSERT_PTR_NULL(coll_find_allreduce("reduce-scatter", &e));
    CU_ASSERT_EQUAL(e.code, DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'reduce-scatter' is a reduce-scatter, not an all-reduce"));
    /* the list names the all-reduces and not the others */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ring, halving-doubling"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "2d-torus"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "all-gather"));
    CU_ASSERT_PTR_NULL(coll_find_allreduce("all-gather", &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "is an all-gather"));
    /* an unknown name is still "unknown", with its suggestion */
    CU_ASSERT_PTR_NULL(coll_find_allreduce("rign", &e));
    CU_ASSERT_EQUAL(e.code, DT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did you mean 'ring'"));
}

int test_guards_register(void)
{
    CU_pSuite s = CU_add_suite("guards", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "allreduce_only", test_allreduce_only)) return -1;
    return 0;
}
