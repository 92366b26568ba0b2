#include "cmd.h"

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1 && cmd_is_help(argv[1])) {
        printf("usage: dtsim version\n\nPrint the version of dtsim and of the SimGrid it links.\n");
        return DT_EXIT_OK;
    }
    printf("dtsim 0.1\n");
    return DT_EXIT_OK;
}

const struct dtsim_cmd dtsim_cmd_version = {"version", "print the version", cmd_version};
