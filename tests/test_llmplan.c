/* sim/llmplan.h: the layout search's enumeration (against a brute-force
 * count of whole layouts) and its dominance pruning (first fitting
 * (ZeRO, recompute) choice simulated, the rest dominated, memory against
 * layout_mem). Architectures built by hand, as tests/test_layout.c. */
#include "llmplan.h"

#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

/* GPT-3 1.3B (Brown et al. 2020, table 2.1): 24 layers, h 2048, 16 heads. */
static const struct dnn_xf g13 = {DNN_XF_DECODER, 24, 2048, 16, 16, 8192, DNN_FFN_GELU, DNN_NORM_LAYERNORM,
                                  50257, 2048, 2048, 0, 1, 1};
/* GPT-3 175B: 96 layers, h 12288, 96 heads. */
static const struct dnn_xf g175 = {DNN_XF_DECODER, 96, 12288, 96, 96, 49152, DNN_FFN_GELU, DNN_NORM_LAYERNORM,
                                   50257, 2048, 2048, 0, 1, 1};

static void test_choices(void)
{
    static const int z[] = {0, 1, 1, 2, 1, 2, 3};
    static const enum exp_recompute r[] = {EXP_RC_NONE,      EXP_RC_NONE, EXP_RC_SELECTIVE, EXP_RC_SELECTIVE,
                                           EXP_RC_FULL, EXP_RC_FULL, EXP_RC_FULL};
    for (int k = 0; k < LLMPLAN_NCHOICE; k++) {
        int zero;
        enum exp_recompute rc;
        llmplan_choice(k, &zero, &rc);
        CU_ASSERT_EQUAL(zero, z[k]);
        CU_ASSERT_EQUAL(rc, r[k]);
    }
}

/* Whole (TP, PP, mb) triples counted by brute force over every size. */
static int brute(const struct dnn_xf *a, int gpus, int gpn, long long batch, const int *mb, int nmb, int *dp1)
{
    int n = 0;
    *dp1 = 0;
    for (int t = 1; t <= gpus; t++)
        for (int p = 1; p <= gpus; p++) {
            if ((long long)t * p > gpus || gpus % (t * p) || gpn % t || a->heads % t || a->kv_heads % t ||
                a->layers % p)
                continue;
            int d = gpus / (t * p);
            for (int k = 0; k < nmb; k++)
                if (batch % ((long long)d * mb[k]) == 0) {
                    n++;
                    *dp1 += d == 1;
                }
        }
    return n;
}

static void test_enumerate(void)
{
    struct llmplan_opts o = {&g13, 16, 8, 512, EXP_BF16, 0, NULL, NULL, NULL, NULL, 0, 0, 0, 0};
    struct llmplan_cand *c;
    int n;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(llmplan_enumerate(&o, &c, &n, &e), 0);
    static const int mb[] = {1, 2, 4, 8};
    int dp1, triples = brute(&g13, 16, 8, 512, mb, 4, &dp1);
    CU_ASSERT(triples > 10);
    CU_ASSERT_EQUAL(n, triples * LLMPLAN_NCHOICE);
    int run = 0, inv = 0, dom = 0, nofit = 0;
    for (int i = 0; i < n; i++) {
        const struct layout *l = &c[i].l;
        CU_ASSERT_EQUAL(l->tp * l->pp * l->dp, 16);
        CU_ASSERT_EQUAL((long long)l->microbatches * l->dp * l->microbatch, 512);
        CU_ASSERT_EQUAL(l->sp, l->tp > 1);
        CU_ASSERT_EQUAL(l->sched, EXP_SCHED_1F1B);
        CU_ASSERT_EQUAL(l->seq, 2048);
        run += c[i].st == LLMPLAN_RUN;
        inv += c[i].st == LLMPLAN_INVALID;
        dom += c[i].st == LLMPLAN_DOMINATED;
        nofit += c[i].st == LLMPLAN_NOFIT;
        if (c[i].st == LLMPLAN_INVALID) {
            CU_ASSERT(l->zero == 3 && l->dp == 1);
        }
    }
    /* no memory limit: (0, none) runs for every triple; ZeRO-3 with data 1 is invalid */
    CU_ASSERT_EQUAL(run, triples);
    CU_ASSERT_EQUAL(inv, dp1);
    CU_ASSERT_EQUAL(nofit, 0);
    CU_ASSERT_EQUAL(dom, n - run - inv);
    free(c);
    /* lists: TP 3 splits no 8-GPU node: no candidate; TP 0 is refused */
    int t3[] = {3}, t0[] = {0};
    o.tp = t3;
    o.ntp = 1;
    CU_ASSERT_EQUAL(llmplan_enumerate(&o, &c, &n, &e), 0);
    CU_ASSERT_EQUAL(n, 0);
    free(c);
    o.tp = t0;
    CU_ASSERT_EQUAL(llmplan_enumerate(&o, &c, &n, &e), DT_EINVAL);
}

/* --interleaved 2: a second dominance group where PP > 1, layers divide
 * into PP x 2 chunks and PP divides the microbatches; 1f1b unchanged. */
static void test_interleaved(void)
{
    struct llmplan_opts o = {&g13, 16, 8, 512, EXP_BF16, 0, NULL, NULL, NULL, NULL, 0, 0, 0, 2};
    struct llmplan_cand *c;
    int n, want = 0, n1 = 0;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(llmplan_enumerate(&o, &c, &n, &e), 0);
    static const int mb[] = {1, 2, 4, 8};
    int dp1, triples = brute(&g13, 16, 8, 512, mb, 4, &dp1);
    for (int t = 1; t <= 8; t *= 2)
        for (int p = 2; p <= 16; p++) {
            if (16 % (t * p) || 24 % (p * 2)) continue;
            for (int k = 0; k < 4; k++) {
                int d = 16 / (t * p);
                want += 512 % (d * mb[k]) == 0 && (512 / (d * mb[k])) % p == 0;
            }
        }
    CU_ASSERT(want > 0);
    for (int i = 0; i < n; i++) {
        const struct layout *l = &c[i].l;
        if (l->vstages == 1) {
            CU_ASSERT_EQUAL(l->sched, EXP_SCHED_1F1B);
            n1++;
            continue;
        }
        CU_ASSERT_EQUAL(l->vstages, 2);
        CU_ASSERT_EQUAL(l->sched, EXP_SCHED_INTERLEAVED);
        CU_ASSERT(l->pp > 1 && 24 % (l->pp * 2) == 0 && l->microbatches % l->pp == 0);
    }
    CU_ASSERT_EQUAL(n1, triples * LLMPLAN_NCHOICE);
    CU_ASSERT_EQUAL(n - n1, want * LLMPLAN_NCHOICE);
    free(c);
    o.vstages = 1; /* one chunk is not interleaving */
    CU_ASSERT_EQUAL(llmplan_enumerate(&o, &c, &n, &e), DT_EINVAL);
}

static void test_dominance(void)
{
    /* GPT-3 175B on 64 GPUs of 80 GiB: some choices fit, some do not */
    double cap = 80.0 * 1024 * 1024 * 1024;
    struct llmplan_opts o = {&g175, 64, 8, 512, EXP_BF16, cap, "H100", NULL, NULL, NULL, 0, 0, 0, 0};
    struct llmplan_cand *c;
    int n;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(llmplan_enumerate(&o, &c, &n, &e), 0);
    CU_ASSERT_FATAL(n > 0 && n % LLMPLAN_NCHOICE == 0);
    int run = 0, nofit = 0, dom = 0, late = 0;
    for (int i = 0; i < n; i += LLMPLAN_NCHOICE) {
        int first = -1;
        for (int k = 0; k < LLMPLAN_NCHOICE; k++) {
            const struct llmplan_cand *x = &c[i + k];
            int fits = x->m.total <= cap, valid = !(x->l.zero == 3 && x->l.dp == 1);
            /* the same (TP, PP, mb) across the group */
            CU_ASSERT(x->l.tp == c[i].l.tp && x->l.pp == c[i].l.pp && x->l.microbatch == c[i].l.microbatch);
            if (!valid) {
                CU_ASSERT_EQUAL(x->st, LLMPLAN_INVALID);
            } else if (!fits) {
                CU_ASSERT_EQUAL(x->st, LLMPLAN_NOFIT);
            } else if (first < 0) {
                CU_ASSERT_EQUAL(x->st, LLMPLAN_RUN); /* the first that fits */
                first = i + k;
                late += k > 0;
            } else {
                CU_ASSERT_EQUAL(x->st, LLMPLAN_DOMINATED);
                CU_ASSERT_EQUAL(x->by, first);
            }
            run += x->st == LLMPLAN_RUN;
            nofit += x->st == LLMPLAN_NOFIT;
            dom += x->st == LLMPLAN_DOMINATED;
            if (x->st == LLMPLAN_NOFIT) {
                CU_ASSERT(strstr(x->why, "GB per GPU") && strstr(x->why, "H100"));
            }
        }
    }
    /* not vacuous: layouts that do not fit, and groups where a later choice runs */
    CU_ASSERT(run > 0);
    CU_ASSERT(nofit > 0);
    CU_ASSERT(dom > 0);
    CU_ASSERT(late > 0);
    free(c);
}

int test_llmplan_register(void)
{
    CU_pSuite s = CU_add_suite("llmplan", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "choices", test_choices) || !CU_add_test(s, "enumerate", test_enumerate) ||
        !CU_add_test(s, "dominance", test_dominance) || !CU_add_test(s, "interleaved", test_interleaved))
        return -1;
    return 0;
}
