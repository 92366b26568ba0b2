/* dtsim -- discrete-event simulator of data-parallel DNN training.
 * Dispatches to one subcommand per file, sim/cmd_<name>.c. */
#include "cleanup.h"
#include "cmd.h"
#include "strsim.h"

#include <string.h>

static const struct dtsim_cmd *const commands[] = {
#define DTSIM_CMD(n) &dtsim_cmd_##n,
#include "cmds.h"
#undef DTSIM_CMD
};
#define NCMDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: dtsim <command> [options]   (dtsim <command> --help for details)\n\n"
               "Simulate data-parallel deep-learning training on a cluster.\n\ncommands:\n");
    for (size_t i = 0; i < NCMDS; i++)
        fprintf(f, "  %-18s %s\n", commands[i]->name, commands[i]->summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return DT_EXIT_USAGE;
    }
    if (cmd_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return DT_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dtsim 0.1\n");
        return DT_EXIT_OK;
    }
    const char *names[NCMDS + 1];
    for (size_t i = 0; i < NCMDS; i++) {
        names[i] = commands[i]->name;
        if (strcmp(argv[1], commands[i]->name) == 0) {
            cleanup_init(commands[i]->name); /* SIGINT/SIGTERM: one line, 130/143, temp files removed */
            return commands[i]->run(argc - 1, argv + 1);
        }
    }
    const char *near = strsim_nearest(argv[1], names, NCMDS);
    if (near)
        return cmd_fail("unknown command '%s' (did you mean '%s'?)", argv[1], near);
    return cmd_fail("unknown command '%s' (see 'dtsim --help')", argv[1]);
}
