/* dtsim platform: an experiment's cluster as SimGrid platform XML. */
#include "cleanup.h"
#include "cmd.h"
#include "cmdutil.h"
#include "run.h"

#include <string.h>

static int usage(FILE *f)
{
    fprintf(f, "usage: dtsim platform EXPERIMENT.ini [-o FILE] [--set section.key=value ...]\n\n"
               "Write the SimGrid platform XML that `dtsim run` simulates for the experiment's\n"
               "[cluster]: a host per GPU, the node fabric, NICs, switches and the topology\n"
               "(see docs/sim.md). Standard output unless -o is given.\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

static int cmd_platform(int argc, char **argv)
{
    struct cmd_sets sets = {0};
    const char *path = NULL, *outp = NULL;
    for (int i = 1; i < argc; i++) {
        int t = cmd_sets_take(&sets, argc, argv, &i);
        if (t < 0) { cmd_sets_free(&sets); return DT_EXIT_USAGE; }
        if (t) continue;
        if (cmd_is_help(argv[i])) { cmd_sets_free(&sets); return usage(stdout); }
        if (i + 1 < argc && strcmp(argv[i], "-o") == 0) outp = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) {
            cmd_sets_free(&sets);
            cmd_fail("platform: unknown or incomplete option '%s'", argv[i]);
            return usage(stderr);
        } else if (!path) path = argv[i];
        else { cmd_sets_free(&sets); return cmd_fail("platform: one experiment file only"); }
    }
    if (!path) { cmd_sets_free(&sets); cmd_fail("platform: no experiment file"); return usage(stderr); }
    struct experiment x;
    int rc = cmd_experiment_load(&x, path, &sets);
    cmd_sets_free(&sets);
    if (rc) return rc;
    struct catalog *cat = NULL;
    struct sim_cluster c;
    dt_err e = {0};
    if (catalog_load(&cat, NULL, &e) || run_platform(&x, cat, &c, &e)) {
        rc = cmd_fail("%s", e.msg);
    } else {
        struct out_file of = {0}; /* written whole, then renamed (cleanup.h) */
        FILE *f = outp ? (out_open(&of, outp, NULL) ? NULL : of.f) : stdout;
        if (!f) rc = cmd_fail("cannot write '%s'", outp);
        else {
            if (platform_write_xml(&c, f, &e)) rc = cmd_fail("%s", e.msg);
            if (outp && rc) out_abort(&of);
            else if (outp && out_close(&of, NULL) != 0) rc = cmd_fail("cannot write '%s'", outp);
        }
    }
    catalog_free(cat);
    experiment_free(&x);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_platform = {"platform", "write an experiment's SimGrid platform XML", cmd_platform};
