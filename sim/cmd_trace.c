/* dtsim trace import: a torch.profiler (Kineto) trace to dtsim's per-layer
 * trace format (traces/kineto.h, docs/traces.md). */
#include "cleanup.h"
#include "cmd.h"
#include "kineto.h"

#include <stdlib.h>
#include <string.h>

static int usage(FILE *f)
{
    fprintf(f, "usage: dtsim trace import FILE.json --model NAME [--batch B] [--out FILE.csv]\n"
               "\n"
               "Read a torch.profiler trace (the Chrome trace JSON that Kineto writes:\n"
               "export_chrome_trace or tensorboard_trace_handler) and write dtsim's\n"
               "per-layer trace format (docs/traces.md): for each convolution and fully\n"
               "connected layer of the model, the GPU time of the kernels its forward and\n"
               "backward ops launched (time_s) and the ops' time on the CPU thread\n"
               "(host_s, dispatch), plus comment lines with the step, the optimizer, the\n"
               "other ops per pass and the step's host time outside any op.\n"
               "\n"
               "The step is the last ProfilerStep#N span. The k-th outermost convolution\n"
               "or linear op of its forward is the k-th conv/fc layer of the model (the\n"
               "counts must match); backward ops are paired with their forward op by\n"
               "sequence number, or in reverse order. A CPU-only profile (no kernels)\n"
               "gives host times only, with time_s empty; dtsim run --trace-in refuses it.\n"
               "Malformed traces get one line naming the file, exit 2.\n"
               "\n"
               "options:\n"
               "  --model NAME   the dtsim model the trace is of (dtsim model --list)\n"
               "  --batch B      images per GPU; default: the first convolution's input\n"
               "                 (recorded with record_shapes=True); both: must agree\n"
               "  --out FILE     write the trace there (default: standard output)\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

static int cmd_trace(int argc, char **argv)
{
    if (argc < 2) { cmd_fail("trace: no subcommand"); return usage(stderr); }
    if (cmd_is_help(argv[1])) return usage(stdout);
    if (strcmp(argv[1], "import") != 0) {
        cmd_fail("trace: unknown subcommand '%s' (import)", argv[1]);
        return usage(stderr);
    }
    const char *path = NULL, *model = NULL, *out = NULL;
    long long batch = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (cmd_is_help(a)) return usage(stdout);
        if (i + 1 < argc && strcmp(a, "--model") == 0) model = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--out") == 0) out = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--batch") == 0) {
            char *end;
            batch = strtoll(argv[++i], &end, 10);
            if (*end || batch < 1 || batch > 1000000)
                return cmd_fail("trace import: --batch needs a whole number from 1 to 1000000 (got '%s')", argv[i]);
        } else if (a[0] == '-' && a[1]) {
            cmd_fail("trace import: unknown or incomplete option '%s'", a);
            return usage(stderr);
        } else if (!path) path = a;
        else return cmd_fail("trace import: one trace file only ('%s' and '%s')", path, a);
    }
    if (!path) { cmd_fail("trace import: no trace file"); return usage(stderr); }
    if (!model) return cmd_fail("trace import: no --model (the dtsim model the trace is of; dtsim model --list)");
    struct trace t;
    struct kineto_info info;
    dt_err e = {0};
    if (kineto_import(path, model, batch, &t, &info, &e)) return cmd_fail("%s", e.msg);
    char command[1024];
    int at = snprintf(command, sizeof command, "dtsim trace import %s --model %s", path, model);
    if (batch) at += snprintf(command + at, sizeof command - (size_t)at, " --batch %lld", batch);
    if (out && at > 0 && (size_t)at < sizeof command) snprintf(command + at, sizeof command - (size_t)at, " --out %s", out);
    int rc = 0;
    if (!out || strcmp(out, "-") == 0) {
        if (kineto_write(stdout, &t, &info, model, command, &e)) rc = cmd_fail("%s", e.msg);
    } else {
        struct out_file of = {0};
        if (out_open(&of, out, &e)) rc = cmd_fail("%s", e.msg);
        else if (kineto_write(of.f, &t, &info, model, command, &e)) {
            out_abort(&of);
            rc = cmd_fail("%s", e.msg);
        } else if (out_close(&of, &e)) rc = cmd_fail("%s", e.msg);
    }
    trace_free(&t);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_trace = {"trace", "import a torch.profiler (Kineto) trace as per-layer times", cmd_trace};
