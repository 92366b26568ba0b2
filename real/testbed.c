/* testbed.c -- `dtbench testbed up|down|status`: an emulated cluster of
 * network namespaces on one Linux box.
 *
 *        dtb0            dtb1                dtbN-1        host namespaces
 *     eth0 198.18.0.1  eth0 198.18.0.2 ...  eth0 198.18.0.N   (/24, no default route)
 *        |                |                    |             veth pairs
 *     p0 -+----------- p1 -+-------- ... ---- pN-1            \
 *                   br0 (bridge)                               } dtb-sw: the switch,
 *                                                             /  a namespace of its own
 * Each link is shaped both ways, like a NIC on a full-bisection switch:
 * egress of the host's eth0 (its send side) and egress of the switch's
 * port p<i> (its receive side) each get
 *     htb rate BW ceil BW  (burst max(128 KB, BW x 1 ms))
 *     + netem delay LAT   when the kernel has sch_netem
 * so one-way host-to-host latency is 2 x LAT (two links, as in a SimGrid
 * cluster where a route crosses the sender's and the receiver's private
 * link) and each host sends and receives at most BW at once.
 *
 * TCP's congestion control is pinned on every host (--cc, default cubic:
 * Linux's default, what Gloo and MPI over TCP ran on) through the subnet
 * route's congctl attribute: otherwise the hosts inherit whatever the
 * machine's default is (bbr on the build machine), and BBR's bandwidth
 * estimate, learnt while two flows share a link, then holds a flow that is
 * alone at half the rate (measured in docs/validate.md). The per-namespace
 * sysctl cannot do it: a namespace may only pick a congestion control of
 * net.ipv4.tcp_allowed_congestion_control, a setting of the root namespace.
 *
 * `up` writes the [cluster] description dtsim reads (default
 * out/testbed.ini): nodes, gpus_per_node = 1, nic_bw (the config schema's
 * NIC rate override). The schema has no latency override, so the link
 * latency is written as a comment.
 *
 * Nothing touches the root namespace: the veth pairs are created inside
 * the switch namespace with their peer end moved straight into the host's.
 */
#include "dtbench.h"

#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int verbose;

/* Run argv (no shell). quiet: stdout and stderr to /dev/null. Returns the
 * exit status, or -1 when it could not run. */
static int run(const char *const *argv, int quiet)
{
    if (verbose) {
        fprintf(stderr, "+");
        for (int i = 0; argv[i]; i++) fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, "\n");
    }
    fflush(NULL);
    pid_t p = fork();
    if (p < 0) return -1;
    if (p == 0) {
        if (quiet) {
            int fd = open("/dev/null", O_WRONLY);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    while (waitpid(p, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define RUN(q, ...) run((const char *const[]){__VA_ARGS__, NULL}, q)

static int ns_exists(const char *name)
{
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "/run/netns/%s", name);
    return stat(path, &st) == 0;
}

int testbed_hosts(const char *prefix, dt_err *e)
{
    char name[128];
    int n = 0;
    while (n < TESTBED_MAX_HOSTS) {
        snprintf(name, sizeof name, "%s%d", prefix, n);
        if (!ns_exists(name)) break;
        n++;
    }
    if (n == 0)
        return dt_errf(e, DT_ENOENT, "no testbed '%s' is up (run 'dtbench testbed up --hosts N' as root)", prefix);
    return n;
}

static void help(void)
{
    printf("usage: dtbench testbed up [--hosts N] [--bw RATE] [--lat TIME] [--cc NAME] [--prefix P] [--ini FILE]\n"
           "       dtbench testbed down [--prefix P]\n"
           "       dtbench testbed status [--prefix P]\n\n"
           "An emulated cluster in network namespaces (needs root): hosts <prefix>0..N-1 with eth0 at\n"
           TESTBED_NET ".1..N/24, joined by a bridge in namespace <prefix>-sw. Each host link is shaped to\n"
           "RATE both ways (tc htb) with LAT one-way per link (netem, when the kernel has it).\n"
           "Run ranks on it with 'dtbench launch --testbed -- allreduce ...'.\n\n"
           "  --hosts N     hosts (default 4, at most %d)\n"
           "  --bw RATE     link rate: 1Gbit, 100Mbit, 10Gbps, 125MBps (default 1Gbit)\n"
           "  --lat TIME    one-way latency of each link: 100us, 1ms (default 100us; 0 = none)\n"
           "  --cc NAME     TCP congestion control of every host (the route's congctl), so that\n"
           "                results do not follow the machine's default: cubic (default, Linux's own\n"
           "                default), reno, bbr ..., or default (whatever the kernel picks)\n"
           "  --prefix P    namespace prefix (default " TESTBED_DEFAULT_PREFIX ")\n"
           "  --ini FILE    where to write the [cluster] description (default out/testbed.ini)\n"
           "  -v            print every ip/tc command\n",
           TESTBED_MAX_HOSTS);
}

static int down(const char *prefix, int quiet_none)
{
    char name[128];
    int removed = 0;
    for (int i = 0; i < TESTBED_MAX_HOSTS; i++) {
        snprintf(name, sizeof name, "%s%d", prefix, i);
        if (!ns_exists(name)) continue;
        if (RUN(0, "ip", "netns", "del", name) == 0) removed++;
    }
    snprintf(name, sizeof name, "%s-sw", prefix);
    if (ns_exists(name) && RUN(0, "ip", "netns", "del", name) == 0) removed++;
    if (!quiet_none) {
        if (removed)
            printf("testbed %s: removed %d namespaces\n", prefix, removed);
        else
            printf("testbed %s: nothing to remove\n", prefix);
    }
    return removed;
}

/* Shape egress of dev in namespace ns. netem: 1 use, 0 skip. */
static int shape(const char *ns, const char *dev, const char *rate, const char *burst, const char *lat, int netem)
{
    if (RUN(0, "tc", "-n", ns, "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "1")) return -1;
    if (RUN(0, "tc", "-n", ns, "class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb", "rate", rate,
            "ceil", rate, "burst", burst, "cburst", burst, "quantum", "60000"))
        return -1;
    if (netem && RUN(0, "tc", "-n", ns, "qdisc", "add", "dev", dev, "parent", "1:1", "handle", "10:", "netem",
                     "delay", lat, "limit", "100000"))
        return -1;
    return 0;
}

static int up(int hosts, double bw_Bps, double lat_s, const char *cc, const char *prefix, const char *ini)
{
    char sw[128], name[128], peer[32], addr[32], rate[32], burst[32], lat[32];
    snprintf(sw, sizeof sw, "%s-sw", prefix);
    dt_err e;
    if (testbed_hosts(prefix, &e) > 0 || ns_exists(sw))
        return cmd_fail("testbed '%s' is already up ('dtbench testbed down --prefix %s' first)", prefix, prefix);
    bench_fmt_rate_bit(rate, sizeof rate, bw_Bps);
    double b = bw_Bps * 1e-3;
    snprintf(burst, sizeof burst, "%.0f", b > 131072 ? b : 131072);
    snprintf(lat, sizeof lat, "%.0fus", lat_s * 1e6);

    /* Is netem there? Try it on a throwaway namespace's loopback. */
    int netem = 0;
    if (lat_s > 0) {
        char probe[140];
        snprintf(probe, sizeof probe, "%s-probe", prefix);
        if (RUN(1, "ip", "netns", "add", probe) == 0) {
            netem = RUN(1, "tc", "-n", probe, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1us") == 0;
            RUN(1, "ip", "netns", "del", probe);
        }
        if (!netem)
            fprintf(stderr, "dtbench: warning: testbed: this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM): "
                            "latency %s is NOT emulated, links are rate-shaped only\n",
                    lat);
    }
    if (RUN(0, "ip", "netns", "add", sw) || RUN(0, "ip", "-n", sw, "link", "set", "lo", "up") ||
        RUN(0, "ip", "-n", sw, "link", "add", "br0", "type", "bridge") ||
        RUN(0, "ip", "-n", sw, "link", "set", "br0", "up"))
        goto fail;
    for (int i = 0; i < hosts; i++) {
        snprintf(name, sizeof name, "%s%d", prefix, i);
        snprintf(peer, sizeof peer, "p%d", i);
        snprintf(addr, sizeof addr, TESTBED_NET ".%d/24", i + 1);
        if (RUN(0, "ip", "netns", "add", name) || RUN(0, "ip", "-n", name, "link", "set", "lo", "up") ||
            RUN(0, "ip", "-n", sw, "link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", name) ||
            RUN(0, "ip", "-n", sw, "link", "set", peer, "master", "br0") ||
            RUN(0, "ip", "-n", sw, "link", "set", peer, "up") ||
            RUN(0, "ip", "-n", name, "addr", "add", addr, "dev", "eth0") ||
            RUN(0, "ip", "-n", name, "link", "set", "eth0", "up") ||
            shape(name, "eth0", rate, burst, lat, netem) || shape(sw, peer, rate, burst, lat, netem))
            goto fail;
        if (strcmp(cc, "default") != 0) { /* the subnet route carries the congestion control */
            char src[32];
            snprintf(src, sizeof src, TESTBED_NET ".%d", i + 1);
            if (RUN(0, "ip", "-n", name, "route", "replace", TESTBED_NET ".0/24", "dev", "eth0", "proto", "kernel",
                    "scope", "link", "src", src, "congctl", cc)) {
                fprintf(stderr, "dtbench: error: testbed: cannot set TCP congestion control '%s' on the hosts' route "
                                "(is it in /proc/sys/net/ipv4/tcp_available_congestion_control? --cc default keeps "
                                "the kernel's)\n", cc);
                goto fail;
            }
        }
    }
    FILE *f = fopen(ini, "w");
    if (!f) {
        fprintf(stderr, "dtbench: error: testbed: cannot write '%s': %s (the testbed is up)\n", ini, strerror(errno));
        return DT_EXIT_FAIL;
    }
    char bwn[32];
    bench_fmt_rate_bit(bwn, sizeof bwn, bw_Bps);
    /* SimGrid spells bits/s "bps": 1Gbit -> 1Gbps. */
    char *u = strstr(bwn, "bit");
    if (u) strcpy(u, "bps");
    fprintf(f, "; written by dtbench testbed up: %d network namespaces %s0..%s%d on a bridge in %s,\n"
               "; each host link shaped to %s both ways (tc htb)%s;\n"
               "; TCP congestion control %s%s.\n"
               "; Include it in an experiment (include = testbed.ini) that names the gpu.\n"
               "[cluster]\nnodes = %d\ngpus_per_node = 1\nnic_bw = %s\n",
            hosts, prefix, prefix, hosts - 1, sw, rate,
            netem ? ", one-way latency per link by netem" : "; latency NOT emulated (kernel lacks netem)",
            cc, strcmp(cc, "default") == 0 ? " (the kernel's)" : " (route congctl)", hosts, bwn);
    /* [cluster] has no latency override (the NIC row's latency applies):
     * say what the links have, as a comment. */
    if (netem)
        fprintf(f, "; link latency: %s one way per link (2 x %s host to host); no [cluster] key for it yet\n", lat,
                lat);
    else
        fprintf(f, "; link latency: none added (veth + bridge only, a few us); %s was requested\n", lat);
    fclose(f);
    printf("testbed %s: %d hosts %s0..%s%d (" TESTBED_NET ".1..%d), %s per link%s%s; wrote %s\n", prefix, hosts, prefix,
           prefix, hosts - 1, hosts, rate, netem ? ", latency " : "", netem ? lat : " (no latency: no netem)", ini);
    return DT_EXIT_OK;
fail:
    fprintf(stderr, "dtbench: error: testbed: setting up '%s' failed (command above); removing what was made\n",
            prefix);
    down(prefix, 1);
    return DT_EXIT_FAIL;
}

static int status(const char *prefix)
{
    dt_err e;
    int n = testbed_hosts(prefix, &e);
    if (n < 0) {
        printf("testbed %s: down\n", prefix);
        return DT_EXIT_OK;
    }
    printf("testbed %s: %d hosts, switch namespace %s-sw\n", prefix, n, prefix);
    for (int i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%d", prefix, i);
        printf("%s:\n", name);
        fflush(stdout);
        RUN(0, "ip", "-n", name, "-4", "-br", "addr", "show", "dev", "eth0");
        RUN(0, "tc", "-n", name, "class", "show", "dev", "eth0");
        RUN(0, "tc", "-n", name, "qdisc", "show", "dev", "eth0");
    }
    return DT_EXIT_OK;
}

static int cmd_testbed(int argc, char **argv)
{
    if (argc < 2 || cmd_is_help(argv[1])) {
        help();
        return argc < 2 ? DT_EXIT_USAGE : DT_EXIT_OK;
    }
    const char *verb = argv[1];
    static const struct option lo[] = {{"hosts", 1, 0, 'n'}, {"bw", 1, 0, 'b'},  {"lat", 1, 0, 'l'},
                                       {"prefix", 1, 0, 'p'}, {"ini", 1, 0, 'i'}, {"help", 0, 0, 'h'},
                                       {"cc", 1, 0, 'c'},     {0, 0, 0, 0}};
    int hosts = 4, c;
    double bw = 125e6, lat = 100e-6;
    const char *prefix = TESTBED_DEFAULT_PREFIX, *ini = "out/testbed.ini", *cc = "cubic";
    dt_err e;
    optind = 2;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'n':
            hosts = (int)strtol(optarg, &end, 10);
            if (*end || hosts < 1 || hosts > TESTBED_MAX_HOSTS)
                return cmd_fail("testbed: bad host count '%s' (1..%d)", optarg, TESTBED_MAX_HOSTS);
            break;
        case 'b':
            if (bench_parse_rate(optarg, &bw, &e)) return cmd_fail("testbed: %s", e.msg);
            break;
        case 'l':
            if (bench_parse_time(optarg, &lat, &e)) return cmd_fail("testbed: %s", e.msg);
            break;
        case 'p':
            if (!*optarg || strlen(optarg) > 12 || strpbrk(optarg, "/ ."))
                return cmd_fail("testbed: bad prefix '%s' (1..12 characters, no '/', '.' or space)", optarg);
            prefix = optarg;
            break;
        case 'i': ini = optarg; break;
        case 'c':
            if (!*optarg || strlen(optarg) > 15 || strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(optarg))
                return cmd_fail("testbed: bad congestion control '%s' (a name such as cubic, reno, bbr, or default)", optarg);
            cc = optarg;
            break;
        case 'v': verbose = 1; break;
        case 'h': help(); return DT_EXIT_OK;
        default: return cmd_fail("testbed: unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cmd_fail("testbed: unexpected argument '%s'", argv[optind]);
    if (strcmp(verb, "status") == 0) return status(prefix);
    if (strcmp(verb, "up") != 0 && strcmp(verb, "down") != 0)
        return cmd_fail("testbed: unknown action '%s' (valid: up, down, status)", verb);
    if (geteuid() != 0)
        return cmd_fail("testbed %s needs root (network namespaces, veth and tc need CAP_SYS_ADMIN and "
                        "CAP_NET_ADMIN): run it with sudo",
                        verb);
    if (RUN(1, "ip", "-V") != 0 || RUN(1, "tc", "-V") != 0)
        return dtbench_fail(DT_EXIT_FAIL, "testbed: the 'ip' and 'tc' commands (iproute2) are needed");
    if (strcmp(verb, "down") == 0) {
        down(prefix, 0);
        return DT_EXIT_OK;
    }
    return up(hosts, bw, lat, cc, prefix, ini);
}

const struct dtsim_cmd dtbench_cmd_testbed = {"testbed", "emulated cluster: network namespaces on a shaped "
                                              "bridge (up, down, status)", cmd_testbed};
