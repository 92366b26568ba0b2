/* dtsim version: dtsim's version and those of what it was built with:
 * SimGrid (the headers compiled against and the library linked), and the
 * CUDA runtime and NCCL of dtbench's GPU parts (the Makefile passes their
 * header versions when it builds them; dtsim itself runs on CPUs only). */
#include "cmd.h"

#include <simgrid/config.h> /* before version.h: its declaration macros */
#include <xbt/base.h>
#include <simgrid/version.h>

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1 && cmd_is_help(argv[1])) {
        printf("usage: dtsim version\n\nPrint the version of dtsim, of the SimGrid it links (and the headers it was\n"
               "compiled with), and the CUDA runtime and NCCL versions dtbench's GPU parts were\n"
               "built with, or that they were not built.\n");
        return DT_EXIT_OK;
    }
    if (argc > 1) return cmd_fail("version: takes no arguments (got '%s')", argv[1]);
    int maj = 0, min = 0, patch = 0;
    sg_version_get(&maj, &min, &patch);
    printf("dtsim 0.1\n");
    printf("SimGrid %d.%d.%d (headers %d.%d.%d)\n", maj, min, patch, SIMGRID_VERSION_MAJOR, SIMGRID_VERSION_MINOR,
           SIMGRID_VERSION_PATCH);
#if defined(DT_HAVE_CUDA) && defined(DT_CUDART_VERSION) && defined(DT_NCCL_VERSION_CODE)
    /* CUDART_VERSION is 1000 x major + 10 x minor; NCCL_VERSION_CODE from
     * 2.9 on is 10000 x major + 100 x minor + patch */
    printf("CUDA %d.%d (runtime headers of dtbench's GPU parts)\n", DT_CUDART_VERSION / 1000,
           DT_CUDART_VERSION % 1000 / 10);
    printf("NCCL %d.%d.%d\n", DT_NCCL_VERSION_CODE / 10000, DT_NCCL_VERSION_CODE % 10000 / 100,
           DT_NCCL_VERSION_CODE % 100);
#elif defined(DT_HAVE_CUDA)
    printf("CUDA built, version unknown (the Makefile found no CUDART_VERSION / NCCL_VERSION_CODE)\n");
    printf("NCCL built, version unknown\n");
#else
    printf("CUDA none (built without a whole CUDA install: dtbench has no GPU parts)\n");
    printf("NCCL none\n");
#endif
    return DT_EXIT_OK;
}

const struct dtsim_cmd dtsim_cmd_version = {"version", "print the versions of dtsim, SimGrid, CUDA and NCCL", cmd_version};
