/* dtbench -- the real micro-benchmark harness that checks dtsim.
 * Dispatches to one subcommand per row of the table below. */
#include "dtbench.h"
#include "strsim.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>

/* Parts built by other modules (CUDA, io, scaling): weak, NULL if absent. */
int dtbench_compute_main(int argc, char **argv) __attribute__((weak));
int dtbench_io_main(int argc, char **argv) __attribute__((weak));
int dtbench_scaling_main(int argc, char **argv) __attribute__((weak));

static const struct dtsim_cmd optional[] = {
    {"compute", "GPU compute probes: GEMM sweep, memory bandwidth, ResNet-50 convolutions", NULL},
    {"io", "files per second and JPEG decode on a synthetic ImageNet-like tree", NULL},
    {"scaling", "data-parallel step on 1..N ranks: images/s and scaling efficiency", NULL},
};

static int (*optional_run(size_t i))(int, char **)
{
    switch (i) {
    case 0: return dtbench_compute_main;
    case 1: return dtbench_io_main;
    case 2: return dtbench_scaling_main;
    }
    return NULL;
}

static const struct dtsim_cmd *const commands[] = {
    &dtbench_cmd_allreduce,
    &dtbench_cmd_launch,
    &dtbench_cmd_testbed,
};
#define NCMDS (sizeof commands / sizeof commands[0])
#define NOPT (sizeof optional / sizeof optional[0])

static void vfail(const char *fmt, va_list ap)
{
    fputs("dtbench: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cmd_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(fmt, ap);
    va_end(ap);
    return DT_EXIT_USAGE;
}

int dtbench_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(fmt, ap);
    va_end(ap);
    return status;
}

int dtbench_status(int code)
{
    switch (code) {
    case DT_OK: return DT_EXIT_OK;
    case DT_ESKIP: return DT_EXIT_SKIP;
    case DT_EINVAL:
    case DT_ENOENT:
    case DT_ERANGE: return DT_EXIT_USAGE;
    }
    return DT_EXIT_FAIL;
}

int cmd_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: dtbench <command> [options]   (dtbench <command> --help for details)\n\n"
               "Measure on real hardware what dtsim predicts.\n\ncommands:\n");
    for (size_t i = 0; i < NCMDS; i++) fprintf(f, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    for (size_t i = 0; i < NOPT; i++)
        fprintf(f, "  %-12s %s%s\n", optional[i].name, optional[i].summary,
                optional_run(i) ? "" : " (not in this build)");
    fprintf(f, "\nexit status: 0 ok, 1 a check failed or a run broke, 2 bad input, 3 skipped\n");
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a dead peer is an error return, not a signal */
    if (argc < 2) {
        usage(stderr);
        return DT_EXIT_USAGE;
    }
    if (cmd_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return DT_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dtbench 0.1\n");
        return DT_EXIT_OK;
    }
    const char *names[NCMDS + NOPT];
    for (size_t i = 0; i < NCMDS; i++) {
        names[i] = commands[i]->name;
        if (strcmp(argv[1], commands[i]->name) == 0) return commands[i]->run(argc - 1, argv + 1);
    }
    for (size_t i = 0; i < NOPT; i++) {
        names[NCMDS + i] = optional[i].name;
        if (strcmp(argv[1], optional[i].name) != 0) continue;
        if (optional_run(i)) return optional_run(i)(argc - 1, argv + 1);
        if (argc > 2 && cmd_is_help(argv[2])) {
            printf("usage: dtbench %s ...\n\n%s.\nNot part of this build.\n", optional[i].name, optional[i].summary);
            return DT_EXIT_OK;
        }
        printf("dtbench: skipped: '%s' is not part of this build\n", optional[i].name);
        return DT_EXIT_SKIP;
    }
    const char *near = strsim_nearest(argv[1], names, NCMDS + NOPT);
    if (near) return cmd_fail("unknown command '%s' (did you mean '%s'?)", argv[1], near);
    return cmd_fail("unknown command '%s' (see 'dtbench --help')", argv[1]);
}
