/* Tests for traces/trace: loading the dtbench compute format and putting
 * measured times in place of the model's. */
#include "trace.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void write_trace(const char *body)
{
    snprintf(path, sizeof path, "/tmp/dtsim-trace-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(body, f);
    fclose(f);
}

#define HEAD "# dtbench compute trace v1\n# gpu: test\nlayer,kind,pass,batch,dtype,time_s,flops\n"

static void test_apply(void)
{
    write_trace(HEAD "conv1,conv,fwd,8,fp16,1.0e-03,1\n"
                     "conv1,conv,bwd_filter,8,fp16,2.0e-03,1\n"
                     "fc,fc,fwd,8,fp16,3.0e-04,1\n"
                     "fc,fc,bwd_data,8,fp16,1.0e-04,1\n"
                     "fc,fc,bwd_filter,8,fp16,2.0e-04,1\n");
    struct trace t;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(trace_load(&t, path, &e), 0);
    CU_ASSERT_EQUAL(t.batch, 8);
    CU_ASSERT_STRING_EQUAL(t.dtype, "fp16");
    CU_ASSERT_STRING_EQUAL(t.gpu, "test");
    CU_ASSERT_EQUAL(t.nrows, 2);
    struct dnn_net net;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("resnet50", NULL, &net, &e), 0);
    struct compute_gpu g = {15.7e12, 0, 125e12, 900e9};
    struct compute_params p = {{0.8, 0.5}, 10e-6, 0.7, 1.0, 0, {1, 1}};
    struct compute_times ct;
    CU_ASSERT_EQUAL_FATAL(compute_net(&net, 8, COMPUTE_FP16, &g, &p, &ct, &e), 0);
    double f0 = ct.fwd_total_s, b0 = ct.bwd_total_s;
    double old_fwd = ct.fwd_s[0] + ct.fwd_s[net.nlayers - 1], old_bwd = ct.bwd_s[0] + ct.bwd_s[net.nlayers - 1];
    CU_ASSERT_EQUAL(trace_apply(&t, &net, 8, &ct, &e), 2);
    /* conv1 is layer 0 and fc the last: their times are the trace's, the
     * totals move by the difference */
    CU_ASSERT_DOUBLE_EQUAL(ct.fwd_s[0], 1.0e-3, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ct.bwd_s[0], 2.0e-3, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ct.fwd_s[net.nlayers - 1], 3.0e-4, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ct.bwd_s[net.nlayers - 1], 3.0e-4, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ct.fwd_total_s, f0 - old_fwd + 1.3e-3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ct.bwd_total_s, b0 - old_bwd + 2.3e-3, 1e-12);
    /* another batch is refused */
    CU_ASSERT(trace_apply(&t, &net, 16, &ct, &e) < 0);
    CU_ASSERT(strstr(e.msg, "measured at 8 images per GPU") != NULL);
    compute_times_free(&ct);
    dnn_free(&net);
    trace_free(&t);
    unlink(path);
}

static void test_bad(void)
{
    struct trace t;
    dt_err e;
    write_trace("layer,pass\n");
    CU_ASSERT(trace_load(&t, path, &e) < 0);
    CU_ASSERT(strstr(e.msg, "not a dtbench compute trace") != NULL);
    unlink(path);
    write_trace(HEAD "conv1,conv,sideways,8,fp16,1e-3,1\n");
    CU_ASSERT(trace_load(&t, path, &e) < 0);
    CU_ASSERT(strstr(e.msg, ":4: unknown pass 'sideways'") != NULL);
    unlink(path);
    write_trace(HEAD "conv1,conv,fwd,8,fp16,1e-3,1\nfc,fc,fwd,16,fp16,1e-3,1\n");
    CU_ASSERT(trace_load(&t, path, &e) < 0);
    CU_ASSERT(strstr(e.msg, "batch 16, but the trace began at batch 8") != NULL);
    unlink(path);
    write_trace(HEAD "conv1,conv,fwd,8,fp16,-1,1\n");
    CU_ASSERT(trace_load(&t, path, &e) < 0);
    CU_ASSERT(strstr(e.msg, "bad time_s") != NULL);
    unlink(path);
    CU_ASSERT_EQUAL(trace_load(&t, "/nonexistent/trace.csv", &e), DT_ENOENT);
}

int test_trace_register(void)
{
    CU_pSuite s = CU_add_suite("trace", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "apply measured times", test_apply) || !CU_add_test(s, "bad traces", test_bad)) return -1;
    return 0;
}
