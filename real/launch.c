/* launch.c -- `dtbench launch -n N [--testbed] -- COMMAND ...`: start N
 * local ranks of a dtbench command, the way torchrun would.
 *
 * Rank i is this binary re-executed with COMMAND's arguments and
 *   RANK=i WORLD_SIZE=N LOCAL_RANK=i LOCAL_WORLD_SIZE=N
 *   MASTER_ADDR=127.0.0.1 (198.18.0.1 with --testbed) MASTER_PORT=port
 * With --testbed, rank i first joins network namespace <prefix>i (setns),
 * so its traffic crosses the emulated links of `dtbench testbed up`.
 *
 * Supervision: children die with the launcher (PR_SET_PDEATHSIG). When a
 * rank fails, the others get `--grace` seconds to notice and exit on their
 * own (they do, within their --timeout), then SIGTERM, then SIGKILL. Every
 * abnormal exit is reported on stderr. Exit status: 0 all ranks 0; 3 all
 * 0 or skipped; else the first failing rank's status (1 for a signal).
 */
#define _GNU_SOURCE /* setns */
#include "dtbench.h"

#include "bench.h"
#include "mesh.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void help(void)
{
    printf("usage: dtbench launch [-n RANKS] [--port PORT] [--testbed] [--prefix P] [--grace S] -- COMMAND [ARGS]\n\n"
           "Start RANKS local processes of 'dtbench COMMAND ARGS' with RANK, WORLD_SIZE, MASTER_ADDR and\n"
           "MASTER_PORT set (as torchrun does), wait for them, and report how each ended.\n\n"
           "  -n, --nranks N   ranks to start (default 2; with --testbed: one per testbed host)\n"
           "  --port PORT      MASTER_PORT (default $MASTER_PORT or %d)\n"
           "  --testbed        run rank i inside network namespace <prefix>i of 'dtbench testbed up',\n"
           "                   MASTER_ADDR=" TESTBED_NET ".1 (needs root)\n"
           "  --prefix P       testbed namespace prefix (default " TESTBED_DEFAULT_PREFIX ")\n"
           "  --grace S        after a rank fails, seconds the others get to exit on their own (default 15)\n\n"
           "example: dtbench launch -n 4 -- allreduce -b 1M -e 64M\n",
           BENCH_DEFAULT_PORT);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int s)
{
    got_signal = s;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int cmd_launch(int argc, char **argv)
{
    static const struct option lo[] = {{"nranks", 1, 0, 'n'}, {"port", 1, 0, 'p'},  {"testbed", 0, 0, 't'},
                                       {"prefix", 1, 0, 'P'}, {"grace", 1, 0, 'g'}, {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
    int n = 0, port = BENCH_DEFAULT_PORT, testbed = 0, c;
    double grace = 15;
    const char *prefix = TESTBED_DEFAULT_PREFIX;
    const char *ep = getenv("MASTER_PORT");
    if (ep && *ep) port = atoi(ep);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+n:h", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'n':
            n = (int)strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 4096) return cmd_fail("launch: bad rank count '%s' (1..4096)", optarg);
            break;
        case 'p':
            port = (int)strtol(optarg, &end, 10);
            if (*end || port < 1 || port > 65535) return cmd_fail("launch: bad port '%s' (1..65535)", optarg);
            break;
        case 't': testbed = 1; break;
        case 'P': prefix = optarg; break;
        case 'g': {
            dt_err e;
            if (bench_parse_time(optarg, &grace, &e)) return cmd_fail("launch: %s", e.msg);
            break;
        }
        case 'h': help(); return DT_EXIT_OK;
        default: return cmd_fail("launch: unknown or incomplete option '%s' (see 'dtbench launch --help')",
                                 argv[optind - 1]);
        }
    }
    if (optind < argc && strcmp(argv[optind - 1], "--") != 0 && strcmp(argv[optind], "--") == 0) optind++;
    if (optind >= argc) return cmd_fail("launch: no command given (e.g. 'dtbench launch -n 4 -- allreduce')");
    if (strcmp(argv[optind], "launch") == 0) return cmd_fail("launch: cannot launch 'launch'");
    int hosts = 0;
    if (testbed) {
        dt_err e;
        hosts = testbed_hosts(prefix, &e);
        if (hosts < 0) return dtbench_fail(dtbench_status(hosts), "launch: %s", e.msg);
        if (n == 0) n = hosts;
        if (n > hosts)
            return cmd_fail("launch: %d ranks but testbed '%s' has %d hosts (run 'dtbench testbed up --hosts %d')", n,
                            prefix, hosts, n);
        if (geteuid() != 0) return cmd_fail("launch: --testbed needs root (to enter the network namespaces)");
    }
    if (n == 0) n = 2;

    char nbuf[16], pbuf[16];
    snprintf(nbuf, sizeof nbuf, "%d", n);
    snprintf(pbuf, sizeof pbuf, "%d", port);
    setenv("WORLD_SIZE", nbuf, 1);
    setenv("LOCAL_WORLD_SIZE", nbuf, 1);
    setenv("MASTER_ADDR", testbed ? TESTBED_NET ".1" : "127.0.0.1", 1);
    setenv("MASTER_PORT", pbuf, 1);

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    pid_t *pid = calloc((size_t)n, sizeof *pid);
    int *status = calloc((size_t)n, sizeof *status);
    if (!pid || !status) return dtbench_fail(DT_EXIT_FAIL, "launch: out of memory");
    pid_t parent = getpid();
    fflush(NULL);
    for (int r = 0; r < n; r++) {
        pid[r] = fork();
        if (pid[r] < 0) {
            for (int k = 0; k < r; k++) kill(pid[k], SIGKILL);
            return dtbench_fail(DT_EXIT_FAIL, "launch: fork: %s", strerror(errno));
        }
        if (pid[r] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(1);
            char rb[16];
            snprintf(rb, sizeof rb, "%d", r);
            setenv("RANK", rb, 1);
            setenv("LOCAL_RANK", rb, 1);
            if (testbed) {
                char path[256];
                snprintf(path, sizeof path, "/run/netns/%s%d", prefix, r);
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
                    fprintf(stderr, "dtbench: error: launch: rank %d cannot enter %s: %s\n", r, path, strerror(errno));
                    _exit(DT_EXIT_FAIL);
                }
                close(fd);
            }
            char **av = calloc((size_t)(argc - optind + 2), sizeof *av);
            av[0] = "dtbench";
            for (int k = optind; k < argc; k++) av[k - optind + 1] = argv[k];
            execv("/proc/self/exe", av);
            fprintf(stderr, "dtbench: error: launch: exec: %s\n", strerror(errno));
            _exit(DT_EXIT_FAIL);
        }
    }
    int alive = n, first = -1, sent = 0;
    double t_fail = 0;
    while (alive) {
        int st;
        pid_t w = waitpid(-1, &st, WNOHANG);
        if (w > 0) {
            int r = 0;
            while (r < n && pid[r] != w) r++;
            if (r == n) continue;
            alive--;
            status[r] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            if (WIFSIGNALED(st))
                fprintf(stderr, "dtbench: launch: rank %d (pid %d) was killed by signal %d (%s)\n", r, (int)w,
                        WTERMSIG(st), strsignal(WTERMSIG(st)));
            else if (status[r] != 0 && status[r] != DT_EXIT_SKIP)
                fprintf(stderr, "dtbench: launch: rank %d (pid %d) exited with status %d\n", r, (int)w, status[r]);
            if (status[r] != 0 && status[r] != DT_EXIT_SKIP && first < 0) {
                first = r;
                t_fail = mesh_now();
            }
            continue;
        }
        if (got_signal && sent == 0) {
            for (int r = 0; r < n; r++) kill(pid[r], got_signal);
            sent = 1;
            t_fail = mesh_now();
            if (first < 0) first = -2;
        }
        if ((first >= 0 || first == -2) && sent < 2 && mesh_now() > t_fail + grace) {
            fprintf(stderr, "dtbench: launch: %d rank(s) still running %g s after a failure; terminating them\n",
                    alive, grace);
            for (int r = 0; r < n; r++) kill(pid[r], SIGTERM);
            sent = 2;
        }
        if (sent == 2 && mesh_now() > t_fail + grace + 2) {
            for (int r = 0; r < n; r++) kill(pid[r], SIGKILL);
            sent = 3;
        }
        sleep_ms(10);
    }
    int rc = DT_EXIT_OK;
    if (first >= 0)
        rc = status[first] >= 128 ? DT_EXIT_FAIL : status[first];
    else if (first == -2)
        rc = DT_EXIT_FAIL;
    else
        for (int r = 0; r < n; r++)
            if (status[r] == DT_EXIT_SKIP) rc = DT_EXIT_SKIP;
    free(pid);
    free(status);
    return rc;
}

const struct dtsim_cmd dtbench_cmd_launch = {"launch", "start N local ranks of a command (torchrun-style), "
                                             "optionally one per testbed namespace", cmd_launch};
