/* dtsim calibrate-stack: a [stack NAME] row measured from a torch.profiler
 * trace of the user's own training step (models/stackfit.h), checked by
 * simulating that step, and the steps of other traces, with the row. */
#include "cleanup.h"
#include "cmd.h"
#include "kineto.h"
#include "stackfit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHECK 16

static int usage(FILE *f)
{
    fprintf(f, "usage: dtsim calibrate-stack --trace FILE.json --model NAME [--batch B] [--gpu NAME]\n"
               "                             [--precision fp32|amp|bf16] [--base STACK] [--name NAME]\n"
               "                             [--out FILE] [--check FILE.json ...] [--tolerance PCT]\n"
               "                             [--catalog DIR] [--format text|json]\n"
               "\n"
               "Measure a training stack from a torch.profiler trace of one GPU running the\n"
               "model (scripts/torch-profile.py): host dispatch per kernel and pass, the\n"
               "fixed host time per step, kernels per layer kind, the optimizer's kernels,\n"
               "the launch queue's depth (the most kernels in flight, or the base stack's\n"
               "queue when deeper), where the host waits for the GPU, and the kernels'\n"
               "speed against the GPU's [compute ARCH] reference, matrix layers and the\n"
               "rest. Writes the [stack NAME] row (to --out, else after the report), then\n"
               "simulates one step on one GPU with it: the traced step, and each --check\n"
               "trace's step (same model, GPU and precision; another batch size), with\n"
               "the error. Nothing is tuned to the step time: the check can miss.\n"
               "\n"
               "options:\n"
               "  --trace FILE     a torch.profiler trace recorded on a GPU (JSON, or .gz)\n"
               "  --model NAME     the dtsim model the trace is of (dtsim model --list)\n"
               "  --batch B        images per GPU (default: from the trace's input shapes)\n"
               "  --gpu NAME       the catalog GPU it ran on (default: the trace's device\n"
               "                   name, less 'NVIDIA '/'Tesla ', when it is a row)\n"
               "  --precision P    fp32, amp or bf16 (default: the first convolution's\n"
               "                   input type in the trace)\n"
               "  --base STACK     where the values a trace cannot give come from (optimizer\n"
               "                   placement, overlap, tf32, decode rate; default pytorch-2.11)\n"
               "  --name NAME      the row's name (default: trace- and the file's base name)\n"
               "  --out FILE       write the row there, a catalog file (docs/catalog.md)\n"
               "  --check FILE[@B] another trace of the same model to predict (repeatable);\n"
               "                   @B gives its batch where it recorded no input shapes (it is\n"
               "                   then taken at the fitted precision)\n"
               "  --tolerance PCT  exit 1 when a step misses its trace by more than PCT%%\n"
               "  --catalog DIR    the catalog to read (default: $DTSIM_CATALOG or configs/catalog)\n"
               "  --format F       text (default) or json (the report, the row's values and the checks;\n"
               "                   the row itself only goes to --out)\n"
               "\n"
               "Refused with one line and exit 2: a CPU-only trace (no kernels), a GPU that\n"
               "is no catalog row, a check trace of another model, GPU or precision.\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* a character of a row name */
static int row_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
}

/* "trace-" + the file name less .gz, .json and .pt.trace */
static void default_name(char *buf, size_t len, const char *path)
{
    char tmp[200];
    snprintf(tmp, sizeof tmp, "%s", base_name(path));
    static const char *const sfx[] = {".gz", ".json", ".trace", ".pt"};
    for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
        size_t n = strlen(tmp), k = strlen(sfx[i]);
        if (n > k && strcmp(tmp + n - k, sfx[i]) == 0) tmp[n - k] = 0;
    }
    for (char *c = tmp; *c; c++)
        if (!row_char(*c)) *c = '-';
    snprintf(buf, len, "trace-%.*s", (int)(len > 7 ? len - 7 : 0), tmp);
}

/* The trace's device name ("Tesla V100-DGXS-32GB, sm_70, ...") as a row name. */
static void device_row(char *buf, size_t len, const char *device)
{
    const char *d = device;
    if (strncasecmp(d, "NVIDIA ", 7) == 0) d += 7;
    if (strncasecmp(d, "Tesla ", 6) == 0) d += 6;
    size_t n = strcspn(d, ",");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), d);
}

struct traced {
    const char *path;
    struct trace t;
    struct kineto_info info;
    double step_s, sim_s;
};

static int precision_of(const char *dtype, const char *given, enum compute_prec *prec, int *bf16, const char *path)
{
    const char *p = given;
    const char *from_trace = strcmp(dtype, "fp32") == 0 ? "fp32" : strcmp(dtype, "fp16") == 0 ? "amp"
                           : strcmp(dtype, "bf16") == 0 ? "bf16" : NULL;
    if (p && from_trace && strcmp(p, from_trace) != 0)
        return cmd_fail("calibrate-stack: --precision %s, but %s's convolutions ran in %s", p, path, dtype);
    if (!p) p = from_trace;
    if (!p)
        return cmd_fail("calibrate-stack: %s records no input type for its convolutions (record with "
                        "record_shapes=True, or give --precision fp32|amp|bf16)", path);
    if (strcmp(p, "fp32") && strcmp(p, "amp") && strcmp(p, "bf16"))
        return cmd_fail("calibrate-stack: --precision '%s': expected fp32, amp or bf16", p);
    *prec = strcmp(p, "fp32") == 0 ? COMPUTE_FP32 : COMPUTE_FP16;
    *bf16 = strcmp(p, "bf16") == 0;
    return 0;
}

static void print_row(FILE *f, const struct stack *s, const char *why)
{
    stack_write_keys(f, s);
    fprintf(f, "fitted       = %s\n", s->fitted && s->fitted[0] ? s->fitted : "none");
    fprintf(f, "# %s\n", why);
    fprintf(f, "source       = %s\n", s->source);
}

static void report(const struct stackfit_out *o, const struct traced *T, const char *arch)
{
    static const char *const pn[3] = {"forward", "backward", "optimizer"};
    const struct kineto_info *I = &T->info;
    printf("trace: %s, %s (%s), %.3f ms; input (DataLoader spans and the idle time after each) %.3f ms, host outside ops %.3f ms\n", T->path, I->step,
           I->step_why, I->step_s * 1e3, I->input_s * 1e3, I->step_host_s * 1e3);
    printf("  GPU busy %.3f ms; at most %lld kernels in flight; host waits: %d at the start, %d in the model, "
           "%d before the optimizer, %d at the end\n",
           I->gpu_busy_s * 1e3, I->max_inflight, I->waits[KW_START], I->waits[KW_MODEL], I->waits[KW_PREOPT],
           I->waits[KW_END]);
    printf("\nhost per pass        host (ms)  waits (ms)  kernels traced  kernels in the row  dispatch (us)\n");
    for (int p = 0; p < 3; p++)
        printf("  %-18s %9.3f  %10.3f  %14lld  %18d  %13.3f\n", pn[p], (o->host_s[p] + I->wait_s[p]) * 1e3,
               I->wait_s[p] * 1e3, o->trace_kernels[p], o->model_kernels[p], o->s.dispatch_s[p] * 1e6);
    printf("\nkernels per kind     layers  kernels  traced GPU (ms)  reference (ms)  speed\n");
    for (int k = 0; k < KINETO_NCLS; k++) {
        int layers = k < DNN_NKINDS ? o->kind_layers[k] : 0;
        if (!o->kind_kernels[k] && !layers && !(o->kind_ref_s[k] > 0)) continue;
        const char *name = k < DNN_NKINDS ? dnn_kind_name((enum dnn_kind)k) : "no kind / optimizer";
        printf("  %-18s %6d  %7lld  %15.3f  %14.3f  ", name, layers, o->kind_kernels[k], o->kind_gpu_s[k] * 1e3,
               o->kind_ref_s[k] * 1e3);
        if (o->kind_gpu_s[k] > 0 && o->kind_ref_s[k] > 0) printf("%5.2f\n", o->kind_ref_s[k] / o->kind_gpu_s[k]);
        else printf("%5s\n", "-");
    }
    printf("  %-18s %6s  %7s  %15.3f  %14.3f  %5.2f  (kernel_eff %s, launch term out)\n", "matrix (conv, fc)", "", "",
           o->matrix_gpu_s * 1e3, o->matrix_ref_s * 1e3, o->s.eff[0].matrix, arch);
    printf("  %-18s %6s  %7s  %15.3f  %14.3f  %5.2f\n", "every other", "", "", o->other_gpu_s * 1e3,
           o->other_ref_s * 1e3, o->s.eff[0].memory);
}

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void print_json(const struct stackfit_out *o, const struct traced *T, int nt, const char *model,
                       const char *prec, const char *gpu, const char *arch, const char *base, double tol, int miss)
{
    static const char *const pn[3] = {"forward", "backward", "optimizer"};
    const struct stack *s = &o->s;
    const struct kineto_info *I = &T[0].info;
    char kern[512];
    stack_format_kernels(kern, sizeof kern, s->kernels);
    printf("{\n  \"stack\": ");
    jstr(stdout, s->name);
    printf(",\n  \"model\": \"%s\",\n  \"batch\": %lld,\n  \"precision\": \"%s\",\n  \"gpu\": \"%s\",\n"
           "  \"arch\": \"%s\",\n  \"base\": \"%s\",\n", model, T[0].t.batch, prec, gpu, arch, base);
    printf("  \"trace\": {\"path\": ");
    jstr(stdout, T[0].path);
    printf(", \"step\": \"%s\", \"device\": ", I->step);
    jstr(stdout, I->device);
    printf(", \"step_s\": %.9f, \"input_s\": %.9f, \"host_outside_ops_s\": %.9f, \"gpu_busy_s\": %.9f, "
           "\"max_inflight\": %lld, \"waits\": {\"start\": %d, \"model\": %d, \"before_optimizer\": %d, \"end\": %d}},\n",
           I->step_s, I->input_s, I->step_host_s, I->gpu_busy_s, I->max_inflight, I->waits[KW_START], I->waits[KW_MODEL],
           I->waits[KW_PREOPT], I->waits[KW_END]);
    printf("  \"passes\": [\n");
    for (int p = 0; p < 3; p++)
        printf("    {\"pass\": \"%s\", \"host_s\": %.9f, \"wait_s\": %.9f, \"kernels_traced\": %lld, "
               "\"kernels_row\": %d, \"dispatch_s\": %.9f}%s\n",
               pn[p], o->host_s[p] + I->wait_s[p], I->wait_s[p], o->trace_kernels[p], o->model_kernels[p],
               s->dispatch_s[p], p < 2 ? "," : "");
    printf("  ],\n  \"kinds\": [\n");
    int first = 1;
    for (int k = 0; k < KINETO_NCLS; k++) {
        int layers = k < DNN_NKINDS ? o->kind_layers[k] : 0;
        if (!o->kind_kernels[k] && !layers && !(o->kind_ref_s[k] > 0)) continue;
        printf("%s    {\"kind\": \"%s\", \"layers\": %d, \"kernels\": %lld, \"gpu_s\": %.9f, \"reference_s\": %.9f}",
               first ? "" : ",\n", k < DNN_NKINDS ? dnn_kind_name((enum dnn_kind)k) : "none", layers, o->kind_kernels[k],
               o->kind_gpu_s[k], o->kind_ref_s[k]);
        first = 0;
    }
    printf("\n  ],\n  \"row\": {\"dispatch_fwd_s\": %.9f, \"dispatch_bwd_s\": %.9f, \"dispatch_opt_s\": %.9f, "
           "\"kernels\": \"%s\", \"kernels_amp\": %d, \"opt_kernels\": %d, \"opt_kernels_per_layer\": %g, "
           "\"step_host_s\": %.9f, \"queue\": %d, \"sync\": \"%s\", \"kernel_eff\": {\"arch\": \"%s\", "
           "\"matrix\": %.6f, \"other\": %.6f}, \"year\": %d},\n",
           s->dispatch_s[0], s->dispatch_s[1], s->dispatch_s[2], kern, s->kernels_amp, s->opt_kernels,
           s->opt_kernels_per_layer, s->step_host_s, s->queue, stack_sync_name(s->sync), s->eff[0].arch,
           s->eff[0].matrix, s->eff[0].memory, s->year);
    printf("  \"checks\": [\n");
    for (int k = 0; k < nt; k++) {
        printf("    {\"trace\": ");
        jstr(stdout, T[k].path);
        printf(", \"batch\": %lld, \"traced_s\": %.9f, \"simulated_s\": %.9f, \"error\": %.6f, \"fitted\": %s}%s\n",
               T[k].t.batch, T[k].step_s, T[k].sim_s, T[k].sim_s / T[k].step_s - 1, k ? "false" : "true",
               k < nt - 1 ? "," : "");
    }
    printf("  ],\n");
    if (tol > 0) printf("  \"tolerance\": %g,\n  \"miss\": %s\n}\n", tol / 100, miss ? "true" : "false");
    else printf("  \"tolerance\": null,\n  \"miss\": false\n}\n");
}

static int cmd_calibrate_stack(int argc, char **argv)
{
    const char *trace = NULL, *model = NULL, *gpu_name = NULL, *precision = NULL, *base = "pytorch-2.11";
    const char *name = NULL, *out = NULL, *catdir = NULL;
    const char *checks[MAX_CHECK];
    static char cpath[MAX_CHECK][1024];
    int nchecks = 0;
    long long batch = 0;
    double tol = -1;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cmd_is_help(a)) return usage(stdout);
        int has = i + 1 < argc;
        if (has && strcmp(a, "--trace") == 0) trace = argv[++i];
        else if (has && strcmp(a, "--model") == 0) model = argv[++i];
        else if (has && strcmp(a, "--gpu") == 0) gpu_name = argv[++i];
        else if (has && strcmp(a, "--precision") == 0) precision = argv[++i];
        else if (has && strcmp(a, "--base") == 0) base = argv[++i];
        else if (has && strcmp(a, "--name") == 0) name = argv[++i];
        else if (has && strcmp(a, "--out") == 0) out = argv[++i];
        else if (has && strcmp(a, "--catalog") == 0) catdir = argv[++i];
        else if (has && strcmp(a, "--format") == 0) {
            const char *fm = argv[++i];
            if (strcmp(fm, "json") && strcmp(fm, "text"))
                return cmd_fail("calibrate-stack: --format '%s': expected text or json", fm);
            json = strcmp(fm, "json") == 0;
        }
        else if (has && strcmp(a, "--check") == 0) {
            if (nchecks == MAX_CHECK) return cmd_fail("calibrate-stack: at most %d --check traces", MAX_CHECK);
            checks[nchecks++] = argv[++i];
        } else if (has && strcmp(a, "--batch") == 0) {
            char *end;
            batch = strtoll(argv[++i], &end, 10);
            if (*end || batch < 1 || batch > 1000000)
                return cmd_fail("calibrate-stack: --batch needs a whole number from 1 to 1000000 (got '%s')", argv[i]);
        } else if (has && strcmp(a, "--tolerance") == 0) {
            char *end;
            tol = strtod(argv[++i], &end);
            if (*end || !(tol > 0) || tol > 1000)
                return cmd_fail("calibrate-stack: --tolerance needs a percentage above 0 (got '%s')", argv[i]);
        } else {
            cmd_fail("calibrate-stack: unknown or incomplete option '%s'", a);
            return usage(stderr);
        }
    }
    if (name) {
        size_t n = strlen(name), ok = n > 0 && n < 64;
        for (size_t i = 0; i < n && ok; i++) ok = row_char(name[i]);
        if (!ok)
            return cmd_fail("calibrate-stack: --name '%s': a row name is 1 to 63 letters, digits, '-', '_' or '.'", name);
    }
    if (!trace || !model) {
        cmd_fail("calibrate-stack: %s", !trace ? "--trace FILE is required" : "--model NAME is required");
        return usage(stderr);
    }
    dt_err e = {0, ""};
    struct catalog *cat = NULL;
    if (catalog_load(&cat, catdir, &e)) return cmd_fail("%s", e.msg);
    int rc = DT_EXIT_USAGE;
    struct dnn_net net;
    memset(&net, 0, sizeof net);
    struct traced T[1 + MAX_CHECK];
    memset(T, 0, sizeof T);
    int nt = 0;
    const struct stack *bs = catalog_stack(cat, base, &e);
    if (!bs) { cmd_fail("calibrate-stack: --base: %s", e.msg); goto out; }
    T[0].path = trace;
    if (kineto_import(trace, model, batch, &T[0].t, &T[0].info, &e)) { cmd_fail("%s", e.msg); goto out; }
    nt = 1;
    if (T[0].t.gpu_rows == 0) {
        cmd_fail("calibrate-stack: %s is a CPU-only profile (no GPU kernels): it has no kernel times or dispatch to fit "
                 "a stack on; record it on the GPU (scripts/torch-profile.py there)", trace);
        goto out;
    }
    char devrow[160];
    device_row(devrow, sizeof devrow, T[0].info.device);
    const struct catalog_gpu *g = NULL;
    if (gpu_name) {
        if (!(g = catalog_gpu(cat, gpu_name, &e))) { cmd_fail("calibrate-stack: --gpu: %s", e.msg); goto out; }
    } else if (!devrow[0] || !(g = catalog_gpu(cat, devrow, &e))) {
        cmd_fail("calibrate-stack: %s ran on '%s', which is no catalog GPU row; name the row with --gpu (%s)", trace,
                 devrow[0] ? devrow : "an unnamed device", devrow[0] ? e.msg : "dtsim catalog gpus lists them");
        goto out;
    }
    const struct catalog_compute *cc = catalog_compute(cat, g->arch, &e);
    if (!cc) { cmd_fail("calibrate-stack: %s", e.msg); goto out; }
    enum compute_prec prec = COMPUTE_FP32;
    int bf16 = 0;
    if ((rc = precision_of(T[0].t.dtype, precision, &prec, &bf16, trace))) goto out;
    rc = DT_EXIT_USAGE;
    struct stackfit_in in;
    memset(&in, 0, sizeof in);
    stackfit_gpu(&in, g, cc, prec, bf16);
    if (prec == COMPUTE_FP16 && !(in.gpu.fp16_flops > 0)) {
        cmd_fail("calibrate-stack: %s has no %s arithmetic", g->name, bf16 ? "bf16" : "fp16");
        goto out;
    }
    in.base = bs;
    struct dnn_opts dopt = {0, prec == COMPUTE_FP16 ? 2 : 4, NULL};
    if (dnn_build_name(model, &dopt, &net, &e)) { cmd_fail("%s", e.msg); goto out; }
    char nbuf[200], src[1024];
    if (!name) default_name(nbuf, sizeof nbuf, trace);
    in.name = name ? name : nbuf;
    snprintf(src, sizeof src, "torch.profiler trace %s (%s, %s; %s batch %lld %s on %s as %s)", base_name(trace),
             T[0].info.step, T[0].info.device[0] ? T[0].info.device : "no device name", model, T[0].t.batch,
             prec == COMPUTE_FP32 ? "fp32" : bf16 ? "bf16" : "amp", g->name, in.name);
    in.source = src;
    in.info = &T[0].info;
    in.t = &T[0].t;
    in.net = &net;
    struct stackfit_out o;
    if (stackfit(&in, &o, &e)) { cmd_fail("calibrate-stack: %s", e.msg); goto out; }
    o.s.framework = bs->framework;
    {   /* the year the trace was recorded, where its timestamps are wall-clock microseconds */
        time_t when = (time_t)(T[0].info.step_ts_us / 1e6);
        struct tm tmv;
        if (T[0].info.step_ts_us > 946684800e6 && T[0].info.step_ts_us < 4102444800e6 && gmtime_r(&when, &tmv))
            o.s.year = tmv.tm_year + 1900;
    }
    char ver[160];
    snprintf(ver, sizeof ver, "as traced (base %s)", bs->name);
    o.s.version = ver;

    /* the check traces: same model, GPU, precision */
    for (int k = 0; k < nchecks; k++) {
        struct traced *c = &T[nt];
        /* FILE@B: the batch of a trace that recorded no shapes */
        long long cb = 0;
        const char *at = strrchr(checks[k], '@');
        if (at && access(checks[k], F_OK) != 0) {
            char *end;
            cb = strtoll(at + 1, &end, 10);
            if (*end || cb < 1 || cb > 1000000) {
                cmd_fail("calibrate-stack: --check '%s': FILE@B needs a whole batch B from 1 to 1000000", checks[k]);
                goto out;
            }
            snprintf(cpath[k], sizeof cpath[k], "%.*s", (int)(at - checks[k]), checks[k]);
            c->path = cpath[k];
        } else {
            snprintf(cpath[k], sizeof cpath[k], "%s", checks[k]);
            c->path = cpath[k];
        }
        if (kineto_import(c->path, model, cb, &c->t, &c->info, &e)) { cmd_fail("calibrate-stack: --check: %s", e.msg); goto out; }
        nt++;
        if (c->t.gpu_rows == 0) { cmd_fail("calibrate-stack: --check %s is a CPU-only profile (no GPU kernels)", checks[k]); goto out; }
        if (strcmp(c->info.device, T[0].info.device) != 0) {
            cmd_fail("calibrate-stack: --check %s ran on '%s', the fitted trace on '%s'", checks[k], c->info.device,
                     T[0].info.device);
            goto out;
        }
        if (strcmp(c->t.dtype, "-") != 0 && strcmp(c->t.dtype, T[0].t.dtype) != 0) { /* "-": none recorded */
            cmd_fail("calibrate-stack: --check %s ran in %s, the fitted trace in %s", checks[k], c->t.dtype, T[0].t.dtype);
            goto out;
        }
    }
    struct compute_params cp = in.cp;
    int miss = 0;
    for (int k = 0; k < nt; k++) {
        T[k].step_s = T[k].info.step_s - T[k].info.input_s;
        T[k].sim_s = stackfit_step_s(&o.s, &net, T[k].t.batch, prec, &in.gpu, g->arch, &cp, &e);
        if (T[k].sim_s < 0) { cmd_fail("calibrate-stack: %s", e.msg); goto out; }
    }
    const char *pname = prec == COMPUTE_FP32 ? "fp32" : bf16 ? "bf16" : "amp";
    for (int k = 0; k < nt; k++) miss |= tol > 0 && fabs((T[k].sim_s / T[k].step_s - 1) * 100) > tol;
    char why[256];
    snprintf(why, sizeof why, "measured from one traced step by `dtsim calibrate-stack` (models/stackfit.h); "
             "optimizer placement, overlap, tf32 and decode from [stack %s]", bs->name);
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f) { cmd_fail("calibrate-stack: cannot write '%s'", out); goto out; }
        fprintf(f, "; GENERATED by `dtsim calibrate-stack --trace %s --model %s`\n", trace, model);
        print_row(f, &o.s, why);
        if (fclose(f)) { cmd_fail("calibrate-stack: cannot write '%s'", out); goto out; }
    }
    if (json) {
        print_json(&o, T, nt, model, pname, g->name, g->arch, bs->name, tol, miss);
    } else {
        printf("calibrate-stack: %s, %s batch %lld %s on %s (%s), base stack %s\n", in.name, model, T[0].t.batch,
               pname, g->name, g->arch, bs->name);
        report(&o, &T[0], g->arch);
        printf("\none GPU, synthetic input, the row below (the traced step less its input: DataLoader spans and the "
               "idle time after each):\n");
        printf("  %-40s %6s  %12s  %14s  %7s\n", "trace", "batch", "traced (ms)", "simulated (ms)", "error");
        for (int k = 0; k < nt; k++) {
            double err = (T[k].sim_s / T[k].step_s - 1) * 100;
            printf("  %-40.40s %6lld  %12.3f  %14.3f  %+6.1f%%%s%s\n", base_name(T[k].path), T[k].t.batch,
                   T[k].step_s * 1e3, T[k].sim_s * 1e3, err, k == 0 ? "  (fitted)" : "",
                   tol > 0 && fabs(err) > tol ? "  MISS" : "");
        }
        if (out) printf("\nwrote [stack %s] to %s\n", in.name, out);
        else {
            printf("\n");
            print_row(stdout, &o.s, why);
        }
        if (tol > 0) printf("%s: every step within %g%%\n", miss ? "MISS" : "ok", tol);
    }
    rc = miss ? DT_EXIT_FAIL : DT_EXIT_OK;
out:
    for (int k = 0; k < nt; k++) trace_free(&T[k].t);
    dnn_free(&net);
    catalog_free(cat);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_calibrate_stack = {"calibrate-stack",
                                                    "a training stack measured from a torch.profiler trace",
                                                    cmd_calibrate_stack};
