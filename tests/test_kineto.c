/* Tests for traces/kineto: the JSON reader, pairing ops with kernels and
 * layers, and the refusals. Fixtures: tests/data/kineto/ (gen.py says what
 * numbers they hold). */
#include "kineto.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIR "tests/data/kineto/"

static char tmp[64];

static const char *write_tmp(const char *body)
{
    snprintf(tmp, sizeof tmp, "/tmp/dtsim-kineto-XXXXXX");
    int fd = mkstemp(tmp);
    FILE *f = fdopen(fd, "w");
    fputs(body, f);
    fclose(f);
    return tmp;
}

/* import, write as CSV, load back with trace_load */
static void roundtrip(const struct trace *t, const struct kineto_info *info, struct trace *back)
{
    dt_err e;
    snprintf(tmp, sizeof tmp, "/tmp/dtsim-kineto-XXXXXX");
    int fd = mkstemp(tmp);
    FILE *f = fdopen(fd, "w");
    CU_ASSERT_EQUAL(kineto_write(f, t, info, "vgg16", "test", &e), 0);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(trace_load(back, tmp, &e), 0);
    unlink(tmp);
}

static void test_gpu(void)
{
    struct trace t, b;
    struct kineto_info in;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(kineto_import(DIR "vgg16-gpu.json", "vgg16", 0, &t, &in, &e), 0);
    CU_ASSERT_EQUAL(t.batch, 8); /* from Input Dims */
    CU_ASSERT_STRING_EQUAL(in.step, "ProfilerStep#2");
    CU_ASSERT_STRING_EQUAL(in.device, "NVIDIA A100-SXM4-40GB, sm_80, 108 SMs, 39.6 GiB");
    CU_ASSERT_STRING_EQUAL(t.dtype, "fp32");
    CU_ASSERT_EQUAL(in.pairing, 1);
    CU_ASSERT_EQUAL(in.kernels, 104);
    CU_ASSERT_EQUAL_FATAL(t.nrows, 16);
    CU_ASSERT_EQUAL(t.gpu_rows, 32); /* fwd and bwd of 16 layers */
    CU_ASSERT_STRING_EQUAL(t.rows[0].layer, "features.0");
    CU_ASSERT_STRING_EQUAL(t.rows[13].layer, "classifier.0");
    for (int i = 0; i < 16; i++) {
        const struct trace_row *r = &t.rows[i];
        /* conv i: 100 + 10 i us + a 5 us bias kernel; layer 1 paired by flows only */
        CU_ASSERT_DOUBLE_EQUAL(r->fwd_s, (105 + 10 * i) * 1e-6, 1e-12);
        double bwd = (i ? 120 + 10 * i : 0) + 130 + 10 * i;
        CU_ASSERT_DOUBLE_EQUAL(r->bwd_s, bwd * 1e-6, 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(r->fwd_host_s, 40e-6, 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(r->bwd_host_s, (60 + i) * 1e-6, 1e-12);
    }
    CU_ASSERT_DOUBLE_EQUAL(in.opt_gpu_s, 50e-6, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(in.opt_host_s, 70e-6, 1e-12);
    CU_ASSERT(in.step_host_s > 0 && in.step_host_s < in.step_s);
    CU_ASSERT_EQUAL(trace_apply_check(&t, &e), 0);
    roundtrip(&t, &in, &b);
    CU_ASSERT_EQUAL(b.nrows, 16);
    CU_ASSERT_EQUAL(b.gpu_rows, 32);
    CU_ASSERT_EQUAL(b.batch, 8);
    CU_ASSERT_DOUBLE_EQUAL(b.rows[5].bwd_s, t.rows[5].bwd_s, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(b.rows[5].bwd_host_s, t.rows[5].bwd_host_s, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(b.opt_gpu_s, 50e-6, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(b.step_host_s, in.step_host_s, 1e-9);
    trace_free(&b);
    /* the batch given must be the trace's */
    CU_ASSERT_EQUAL(kineto_import(DIR "vgg16-gpu.json", "vgg16", 8, &b, &in, &e), 0);
    trace_free(&b);
    CU_ASSERT_EQUAL(kineto_import(DIR "vgg16-gpu.json", "vgg16", 16, &b, &in, &e), DT_EINVAL);
    CU_ASSERT(strstr(e.msg, "batch 16 asked for") != NULL);
    trace_free(&t);
}

static void test_cpu(void)
{
    struct trace t, b;
    struct kineto_info in;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(kineto_import(DIR "vgg16-cpu.json", "vgg16", 0, &t, &in, &e), 0);
    CU_ASSERT_EQUAL(in.kernels, 0);
    CU_ASSERT_EQUAL(in.pairing, 0); /* no sequence numbers: reverse order */
    CU_ASSERT_EQUAL(t.gpu_rows, 0);
    CU_ASSERT_EQUAL_FATAL(t.nrows, 16);
    for (int i = 0; i < 16; i++) {
        CU_ASSERT(t.rows[i].fwd_s < 0 && t.rows[i].bwd_s < 0);
        CU_ASSERT_DOUBLE_EQUAL(t.rows[i].bwd_host_s, (60 + i) * 1e-6, 1e-12);
    }
    CU_ASSERT_EQUAL(trace_apply_check(&t, &e), DT_EINVAL);
    CU_ASSERT(strstr(e.msg, "no GPU times") != NULL);
    roundtrip(&t, &in, &b);
    CU_ASSERT_EQUAL(b.gpu_rows, 0);
    CU_ASSERT_DOUBLE_EQUAL(b.rows[3].fwd_host_s, 40e-6, 1e-12);
    CU_ASSERT(b.rows[3].fwd_s < 0);
    CU_ASSERT(b.opt_gpu_s < 0);
    trace_free(&b);
    trace_free(&t);
}

/* A real profile: Debian's torch 1.13 on a CPU, the legacy autograd
 * profiler's bare array, module spans (traces/samples/README.md). Every
 * microsecond of the step span lands in exactly one part. */
static void expect_bad_b(const char *path, const char *model, long long batch, const char *want)
{
    struct trace t;
    struct kineto_info in;
    dt_err e = {0};
    CU_ASSERT(kineto_import(path, model, batch, &t, &in, &e) < 0);
    if (!strstr(e.msg, want)) fprintf(stderr, "\n  %s: got '%s', want '%s'\n", path, e.msg, want);
    CU_ASSERT(strstr(e.msg, want) != NULL);
}

static void test_real(void)
{
    struct trace t;
    struct kineto_info in;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(kineto_import("traces/samples/cpu-resnet50-b2.json", "resnet50", 2, &t, &in, &e), 0);
    CU_ASSERT_EQUAL(in.legacy, 1);
    CU_ASSERT_EQUAL(in.named, 1);
    CU_ASSERT_EQUAL(in.pairing, 0);
    CU_ASSERT_EQUAL(t.gpu_rows, 0);
    CU_ASSERT_EQUAL_FATAL(t.nrows, 54);
    CU_ASSERT_STRING_EQUAL(t.rows[11].layer, "layer2.0.conv1");
    CU_ASSERT_STRING_EQUAL(t.rows[53].layer, "fc");
    double sum = in.step_host_s + in.opt_host_s + in.other_host_s[0] + in.other_host_s[1];
    for (size_t i = 0; i < t.nrows; i++) {
        CU_ASSERT(t.rows[i].fwd_host_s > 0 && t.rows[i].bwd_host_s > 0);
        sum += t.rows[i].fwd_host_s + t.rows[i].bwd_host_s;
    }
    CU_ASSERT_DOUBLE_EQUAL(sum, in.step_s, 1e-6);
    trace_free(&t);
    /* the same run without module spans maps by order to the same layers */
    CU_ASSERT_EQUAL_FATAL(kineto_import("traces/samples/cpu-resnet50-b2-nospans.json", "resnet50", 2, &t, &in, &e), 0);
    CU_ASSERT_EQUAL(in.named, 0);
    CU_ASSERT_STRING_EQUAL(t.rows[11].layer, "layer2.0.conv1");
    trace_free(&t);
    expect_bad_b("traces/samples/cpu-resnet18-b2.json", "resnet50", 2, "has 21 convolution/linear ops");
    expect_bad_b(DIR "unknown-module.json", "vgg16", 8, "span 'module: features.1' holds a convolution/linear op");
}

static void expect_bad(const char *path, const char *model, const char *want)
{
    struct trace t;
    struct kineto_info in;
    dt_err e = {0};
    int rc = kineto_import(path, model, 0, &t, &in, &e);
    CU_ASSERT(rc < 0);
    if (!strstr(e.msg, want)) fprintf(stderr, "\n  %s: got '%s', want '%s'\n", path, e.msg, want);
    CU_ASSERT(strstr(e.msg, want) != NULL);
}

static void test_bad(void)
{
    expect_bad(DIR "truncated.json", "vgg16", "truncated JSON: the file ends at byte");
    expect_bad(DIR "not-trace.json", "vgg16", "byte 0: not a torch.profiler trace (a JSON object or array expected");
    expect_bad(DIR "no-events.json", "vgg16", "not a Chrome trace (no traceEvents)");
    expect_bad(DIR "no-step.json", "vgg16", "no ProfilerStep#N span");
    expect_bad(DIR "no-ops.json", "vgg16", "ProfilerStep#3 has no convolution or linear ops");
    expect_bad(DIR "bad-value.json", "vgg16", "bad-value.json: byte 237: bad JSON");
    expect_bad(DIR "vgg16-gpu.json", "resnet50", "16 convolution/linear ops in its forward, model 'resnet50' has 54");
    expect_bad(DIR "vgg16-gpu.json", "resnet5", "unknown model 'resnet5'");
    expect_bad("/nonexistent.json", "vgg16", "cannot open trace");
    /* the reader itself */
    expect_bad(write_tmp("{\"traceEvents\": [{\"name\": \"a\\q\"}]}"), "vgg16", "bad JSON: a string escape");
    unlink(tmp);
    expect_bad(write_tmp("{\"traceEvents\": [{\"ts\": 1.}]}"), "vgg16", "bad JSON: a number");
    unlink(tmp);
    expect_bad(write_tmp("{\"traceEvents\": [{\"args\": {\"correlation\": 1e999}}]}"), "vgg16", "out of range");
    unlink(tmp);
    expect_bad(write_tmp("{\"traceEvents\": [{\"ph\": \"X\", \"cat\": \"cpu_op\", \"name\": \"a\", \"ts\": 1e999}]}"),
               "vgg16", "event 0: ts or dur out of range");
    unlink(tmp);
    expect_bad(write_tmp("{\"traceEvents\": []} x"), "vgg16", "trailing bytes");
    unlink(tmp);
    expect_bad(write_tmp("{\"traceEvents\": []}"), "vgg16", "no CPU ops or kernels");
    unlink(tmp);
    char deep[400] = "{\"traceEvents\": [{\"args\": {\"x\": ";
    for (int i = 0; i < 70; i++) strcat(deep, "[");
    expect_bad(write_tmp(deep), "vgg16", "nested more than 64 deep");
    unlink(tmp);
    /* escapes, string ids, exponents are read; events of no interest are skipped */
    const char *ok = "{\"traceEvents\": [\n"
                     " {\"ph\": \"M\", \"name\": \"process_name\", \"pid\": \"Spans\", \"args\": {\"name\": \"\\u00e9\\\"x\"}},\n"
                     " {\"ph\": \"X\", \"cat\": \"user_annotation\", \"name\": \"ProfilerStep#0\", \"pid\": 1, \"tid\": \"t\", "
                     "\"ts\": 1e1, \"dur\": 1.5E+2},\n"
                     " {\"ph\": \"X\", \"cat\": \"cpu_op\", \"name\": \"aten::conv2d\", \"pid\": 1, \"tid\": \"t\", \"ts\": 20, "
                     "\"dur\": 5, \"args\": {\"Input Dims\": [[4, 3], []], \"Input type\": [\"c10::Half\"], \"x\": null, "
                     "\"y\": [true, false, -0.5e-3, {}]}}\n]}";
    struct trace t;
    struct kineto_info in;
    dt_err e;
    CU_ASSERT_EQUAL(kineto_import(write_tmp(ok), "vgg16", 0, &t, &in, &e), DT_EINVAL);
    CU_ASSERT(strstr(e.msg, "has 1 convolution/linear ops in its forward, model 'vgg16' has 16") != NULL);
    unlink(tmp);
}

/* A dtbench trace loads as before the extensions: no bwd pass, no
 * profile comments; its host_s column is read as host time. */
static void test_dtbench_trace(void)
{
    struct trace t;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(trace_load(&t, "traces/samples/h200-resnet50-b64-fp16.csv", &e), 0);
    CU_ASSERT_EQUAL(t.nrows, 54);
    CU_ASSERT_EQUAL(t.gpu_rows, 3 * 54 - 1); /* conv1 has no bwd_data row */
    CU_ASSERT(t.step_host_s < 0 && t.opt_gpu_s < 0 && t.opt_host_s < 0);
    CU_ASSERT_STRING_EQUAL(t.rows[0].layer, "conv1");
    CU_ASSERT_DOUBLE_EQUAL(t.rows[0].fwd_s, 1.595520e-04, 1e-15);
    CU_ASSERT(t.rows[0].bwd_data_s < 0);
    CU_ASSERT_DOUBLE_EQUAL(t.rows[0].bwd_filter_s, 1.729280e-04, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(t.rows[0].fwd_host_s, 5.015e-05, 1e-15);
    for (size_t i = 0; i < t.nrows; i++) CU_ASSERT(t.rows[i].bwd_s < 0);
    CU_ASSERT_EQUAL(trace_apply_check(&t, &e), 0);
    trace_free(&t);
}

static void test_is_json(void)
{
    dt_err e;
    CU_ASSERT_EQUAL(kineto_is_json(DIR "vgg16-gpu.json", &e), 1);
    CU_ASSERT_EQUAL(kineto_is_json("traces/samples/h200-resnet50-b64-fp16.csv", &e), 0);
    CU_ASSERT(kineto_is_json("/nonexistent", &e) < 0);
}

int test_kineto_register(void)
{
    CU_pSuite s = CU_add_suite("kineto", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "GPU profile: kernels to layers", test_gpu) ||
        !CU_add_test(s, "CPU-only profile: host times", test_cpu) || !CU_add_test(s, "malformed traces", test_bad) ||
        !CU_add_test(s, "JSON or CSV", test_is_json) || !CU_add_test(s, "real CPU profiles (torch 1.13)", test_real) ||
        !CU_add_test(s, "dtbench traces load as before", test_dtbench_trace))
        return -1;
    return 0;
}
