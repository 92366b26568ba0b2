/* platform.c -- struct sim_cluster -> SimGrid platform XML. See platform.h. */
#include "platform.h"

#include "cleanup.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <sys/resource.h>
#include <simgrid/engine.h>
#include <stdlib.h>
#include <string.h>

void platform_abci(struct sim_cluster *c, int nodes)
{
    memset(c, 0, sizeof *c);
    c->nodes = nodes;
    c->gpus_per_node = 4;
    c->gpu_flops = 15.7e12;       /* V100-SXM2 fp32 peak */
    c->intra = SIM_INTRA_MESH;    /* 4 V100: 2 NVLink2 bricks per pair */
    c->intra_bw_Bps = 150e9;      /* 6 x 25 GB/s per GPU per direction */
    c->intra_lat_s = 1e-6;
    c->nics_per_node = 2;         /* 2 x InfiniBand EDR */
    c->nic_bw_Bps = 12.5e9;       /* 100 Gb/s */
    c->nic_lat_s = 1e-6;
    c->switch_lat_s = 1e-7;
    c->topology = SIM_TOPO_FATTREE;
    c->nodes_per_leaf = 34;
    c->oversubscription = 3.0;
}

static int positive(double v) { return isfinite(v) && v > 0; }
static int nonneg(double v) { return isfinite(v) && v >= 0; }

int platform_check(const struct sim_cluster *c, dt_err *e)
{
    if (c->nodes < 1) return dt_errf(e, DT_EINVAL, "nodes: %d, expected >= 1", c->nodes);
    if (c->gpus_per_node < 1)
        return dt_errf(e, DT_EINVAL, "gpus_per_node: %d, expected >= 1", c->gpus_per_node);
    if ((long long)c->nodes * c->gpus_per_node > 1 << 20)
        return dt_errf(e, DT_ERANGE, "%d nodes x %d gpus: more than 1048576 gpus", c->nodes,
                       c->gpus_per_node);
    if (c->nics_per_node < 1 || c->nics_per_node > c->gpus_per_node)
        return dt_errf(e, DT_EINVAL, "nics_per_node: %d, expected 1..%d (one per gpu at most)",
                       c->nics_per_node, c->gpus_per_node);
    if (!positive(c->gpu_flops)) return dt_errf(e, DT_EINVAL, "gpu_flops: %g, expected > 0", c->gpu_flops);
    if (c->gpus_per_node > 1 && !positive(c->intra_bw_Bps))
        return dt_errf(e, DT_EINVAL, "intra_bw_Bps: %g, expected > 0", c->intra_bw_Bps);
    if (c->intra != SIM_INTRA_SWITCH && c->intra != SIM_INTRA_MESH)
        return dt_errf(e, DT_EINVAL, "intra: unknown node fabric %d", c->intra);
    if (c->nodes > 1 && !positive(c->nic_bw_Bps))
        return dt_errf(e, DT_EINVAL, "nic_bw_Bps: %g, expected > 0", c->nic_bw_Bps);
    if (!nonneg(c->intra_lat_s) || !nonneg(c->nic_lat_s) || !nonneg(c->switch_lat_s))
        return dt_errf(e, DT_EINVAL, "latencies must be >= 0 (intra %g, nic %g, switch %g)", c->intra_lat_s,
                       c->nic_lat_s, c->switch_lat_s);
    switch (c->topology) {
    case SIM_TOPO_SWITCH:
        break;
    case SIM_TOPO_FATTREE:
        if (c->nodes_per_leaf < 1)
            return dt_errf(e, DT_EINVAL, "nodes_per_leaf: %d, expected >= 1", c->nodes_per_leaf);
        if (!(isfinite(c->oversubscription) && c->oversubscription >= 1))
            return dt_errf(e, DT_EINVAL, "oversubscription: %g, expected >= 1", c->oversubscription);
        break;
    case SIM_TOPO_TORUS: {
        long long n = (long long)c->torus_x * c->torus_y * c->torus_z;
        if (c->torus_x < 1 || c->torus_y < 1 || c->torus_z < 1 || n != c->nodes)
            return dt_errf(e, DT_EINVAL, "torus %dx%dx%d does not match %d nodes", c->torus_x, c->torus_y,
                           c->torus_z, c->nodes);
        if (!nonneg(c->torus_link_bw_Bps))
            return dt_errf(e, DT_EINVAL, "torus_link_bw_Bps: %g, expected >= 0", c->torus_link_bw_Bps);
        break;
    }
    case SIM_TOPO_DRAGONFLY: {
        if (c->nodes_per_leaf < 1 || c->dfly_routers < 1)
            return dt_errf(e, DT_EINVAL, "dragonfly: nodes_per_leaf %d and dfly_routers %d, expected >= 1",
                           c->nodes_per_leaf, c->dfly_routers);
        if (!nonneg(c->dfly_local_bw_Bps) || !nonneg(c->dfly_global_bw_Bps))
            return dt_errf(e, DT_EINVAL, "dragonfly bandwidths must be >= 0");
        if (!(isfinite(c->oversubscription) && c->oversubscription >= 1))
            return dt_errf(e, DT_EINVAL, "oversubscription: %g, expected >= 1", c->oversubscription);
        break;
    }
    default:
        return dt_errf(e, DT_EINVAL, "topology: unknown topology %d", c->topology);
    }
    return 0;
}

const char *platform_host_name(int rank, char *buf, size_t n)
{
    snprintf(buf, n, "g%d", rank);
    return buf;
}

/* Nodes per leaf zone. A single switch is cut into zones of SWITCH_GROUP
 * nodes joined by zero-latency FATPIPE links (a non-blocking crossbar):
 * SimGrid's per-source route cache grows as the zone squared. */
#define SWITCH_GROUP 32
static int leaf_size(const struct sim_cluster *c)
{
    return c->topology == SIM_TOPO_SWITCH ? SWITCH_GROUP : c->nodes_per_leaf;
}

static int leaf_count(const struct sim_cluster *c)
{
    if (c->topology == SIM_TOPO_TORUS) return 0;
    return (c->nodes + leaf_size(c) - 1) / leaf_size(c);
}

static int leaf_nodes(const struct sim_cluster *c, int leaf)
{
    int first = leaf * leaf_size(c), n = c->nodes - first;
    return n < leaf_size(c) ? n : leaf_size(c);
}

double platform_uplink_Bps(const struct sim_cluster *c, int leaf)
{
    double over = c->oversubscription >= 1 ? c->oversubscription : 1;
    return leaf_nodes(c, leaf) * c->nics_per_node * c->nic_bw_Bps / over;
}

/* <link> with SPLITDUPLEX sharing; %.17g keeps every bit of the numbers. */
static void xml_link(FILE *f, const char *ind, const char *id, double bw, double lat)
{
    fprintf(f, "%s<link id=\"%s\" bandwidth=\"%.17gBps\" latency=\"%.17gs\" sharing_policy=\"SPLITDUPLEX\"/>\n",
            ind, id, bw, lat);
}

/* A node's hosts and gateway router (XML_HOSTS), links (XML_LINKS) or
 * routes (XML_ROUTES). */
enum { XML_HOSTS = 0, XML_ROUTES = 1, XML_LINKS = 2 };
static void xml_node(FILE *f, const struct sim_cluster *c, int node, const char *ind, int pass)
{
    int G = c->gpus_per_node, base = node * G;
    char id[64];
    if (pass == XML_HOSTS) {
        for (int j = 0; j < G; j++)
            fprintf(f, "%s<host id=\"g%d\" speed=\"%.17gf\"/>\n", ind, base + j, c->gpu_flops);
        fprintf(f, "%s<router id=\"n%dgw\"/>\n", ind, node);
        return;
    }
    if (pass == XML_LINKS) {
        for (int k = 0; k < c->nics_per_node; k++) {
            snprintf(id, sizeof id, "n%dnic%d", node, k);
            xml_link(f, ind, id, c->nic_bw_Bps > 0 ? c->nic_bw_Bps : 1e9, c->nic_lat_s / 2);
        }
        if (G > 1 && c->intra == SIM_INTRA_SWITCH)
            for (int j = 0; j < G; j++) {
                snprintf(id, sizeof id, "g%dp", base + j);
                xml_link(f, ind, id, c->intra_bw_Bps, c->intra_lat_s / 2);
            }
        else if (G > 1)
            for (int a = 0; a < G; a++)
                for (int b = a + 1; b < G; b++) {
                    snprintf(id, sizeof id, "g%d-%d", base + a, base + b);
                    xml_link(f, ind, id, c->intra_bw_Bps / (G - 1), c->intra_lat_s);
                }
        return;
    }
    for (int a = 0; a < G; a++)
        for (int b = a + 1; b < G; b++) {
            if (c->intra == SIM_INTRA_SWITCH)
                fprintf(f,
                        "%s<route src=\"g%d\" dst=\"g%d\"><link_ctn id=\"g%dp\" direction=\"UP\"/>"
                        "<link_ctn id=\"g%dp\" direction=\"DOWN\"/></route>\n",
                        ind, base + a, base + b, base + a, base + b);
            else
                fprintf(f, "%s<route src=\"g%d\" dst=\"g%d\"><link_ctn id=\"g%d-%d\" direction=\"UP\"/></route>\n",
                        ind, base + a, base + b, base + a, base + b);
        }
    for (int j = 0; j < G; j++) {
        int k = (int)((long long)j * c->nics_per_node / G);
        fprintf(f, "%s<route src=\"g%d\" dst=\"n%dgw\"><link_ctn id=\"n%dnic%d\" direction=\"UP\"/></route>\n", ind,
                base + j, node, node, k);
    }
}

/* A node as a zone of its own (torus: nodes are the vertices of the top zone). */
static void xml_node_zone(FILE *f, const struct sim_cluster *c, int node)
{
    fprintf(f, " <zone id=\"n%d\" routing=\"Full\">\n", node);
    xml_node(f, c, node, "  ", XML_HOSTS);
    xml_node(f, c, node, "  ", XML_ROUTES);
    fprintf(f, " </zone>\n");
}

/* A leaf's links: its nodes' NICs and ports, and each node's link to the
 * switch, a latency-only link (FATPIPE, never a bottleneck) of half a
 * switch hop: SimGrid forbids empty routes. */
static void xml_leaf_links(FILE *f, const struct sim_cluster *c, int leaf, const char *ind)
{
    int first = leaf * leaf_size(c), n = leaf_nodes(c, leaf);
    for (int i = first; i < first + n; i++) xml_node(f, c, i, ind, XML_LINKS);
    for (int i = first; i < first + n; i++)
        fprintf(f, "%s<link id=\"n%dsw\" bandwidth=\"1e15Bps\" latency=\"%.17gs\" sharing_policy=\"FATPIPE\"/>\n", ind, i,
                c->switch_lat_s / 2);
}

/* A leaf: one switch router and the nodes under it, in one flat zone (a
 * zone per node would make SimGrid's name checks quadratic at load).
 * Unless `links`, its links are declared in the top zone's first child,
 * zone "lk" (xml_links_open), where SimGrid finds them first: it looks a
 * link up by name from the top zone down through every child zone in
 * order, so links declared inside the leaves made loading quadratic in the
 * number of leaves (8 s for 32,768 GPUs, most of the load). */
static void xml_leaf(FILE *f, const struct sim_cluster *c, int leaf, const char *ind, int links)
{
    int first = leaf * leaf_size(c), n = leaf_nodes(c, leaf);
    char ind1[64];
    snprintf(ind1, sizeof ind1, "%s ", ind);
    fprintf(f, "%s<zone id=\"l%d\" routing=\"DijkstraCache\">\n", ind, leaf);
    for (int i = first; i < first + n; i++) xml_node(f, c, i, ind1, XML_HOSTS);
    fprintf(f, "%s <router id=\"l%dsw\"/>\n", ind, leaf);
    if (links) xml_leaf_links(f, c, leaf, ind1);
    for (int i = first; i < first + n; i++) xml_node(f, c, i, ind1, XML_ROUTES);
    for (int i = first; i < first + n; i++)
        fprintf(f, "%s <route src=\"n%dgw\" dst=\"l%dsw\"><link_ctn id=\"n%dsw\"/></route>\n", ind, i, leaf, i);
    fprintf(f, "%s</zone>\n", ind);
}

/* The zone that holds the links of the zones after it (see xml_leaf): no
 * netpoints, no routing, just the first place SimGrid looks. */
static void xml_links_open(FILE *f) { fprintf(f, " <zone id=\"lk\" routing=\"None\">\n"); }
static void xml_links_close(FILE *f) { fprintf(f, " </zone>\n"); }

static void xml_edge(FILE *f, const char *src, const char *gsrc, const char *dst, const char *gdst,
                     const char *link)
{
    int split = link[0] != 'x'; /* "x..." links are FATPIPE: no direction */
    fprintf(f, " <zoneRoute src=\"%s\" dst=\"%s\" gw_src=\"%s\" gw_dst=\"%s\"><link_ctn id=\"%s\"%s/></zoneRoute>\n", src,
            dst, gsrc, gdst, link, split ? " direction=\"UP\"" : "");
}

static void xml_fattree(FILE *f, const struct sim_cluster *c)
{
    int L = leaf_count(c);
    if (L == 1) {
        xml_leaf(f, c, 0, "", 1);
        return;
    }
    char id[32], src[32], gsrc[32];
    fprintf(f, "<zone id=\"top\" routing=\"DijkstraCache\">\n");
    xml_links_open(f);
    for (int l = 0; l < L; l++) xml_leaf_links(f, c, l, "  ");
    xml_links_close(f);
    fprintf(f, " <zone id=\"sp\" routing=\"Full\"><router id=\"spine\"/></zone>\n");
    for (int l = 0; l < L; l++) xml_leaf(f, c, l, " ", 0);
    for (int l = 0; l < L; l++) {
        snprintf(id, sizeof id, "%sl%dup", c->topology == SIM_TOPO_SWITCH ? "x" : "", l);
        if (c->topology == SIM_TOPO_SWITCH)
            fprintf(f, " <link id=\"%s\" bandwidth=\"1e15Bps\" latency=\"0s\" sharing_policy=\"FATPIPE\"/>\n", id);
        else
            xml_link(f, " ", id, platform_uplink_Bps(c, l), c->switch_lat_s);
    }
    for (int l = 0; l < L; l++) {
        snprintf(id, sizeof id, "%sl%dup", c->topology == SIM_TOPO_SWITCH ? "x" : "", l);
        snprintf(src, sizeof src, "l%d", l);
        snprintf(gsrc, sizeof gsrc, "l%dsw", l);
        xml_edge(f, src, gsrc, "sp", "spine", id);
    }
    fprintf(f, "</zone>\n");
}

static int torus_index(const struct sim_cluster *c, int x, int y, int z)
{
    x = (x + c->torus_x) % c->torus_x;
    y = (y + c->torus_y) % c->torus_y;
    z = (z + c->torus_z) % c->torus_z;
    return (z * c->torus_y + y) * c->torus_x + x;
}

/* Internal zones list every link before the first zoneRoute (simgrid.dtd),
 * hence two passes over the edges: links, then routes. */
static void xml_edge_or_link(FILE *f, int pass, const char *id, double bw, double lat, const char *a, const char *ga,
                             const char *b, const char *gb)
{
    if (pass == 0)
        xml_link(f, " ", id, bw, lat);
    else
        xml_edge(f, a, ga, b, gb, id);
}

static void xml_torus(FILE *f, const struct sim_cluster *c)
{
    double bw = c->torus_link_bw_Bps > 0 ? c->torus_link_bw_Bps : c->nic_bw_Bps;
    int dims[3] = {c->torus_x, c->torus_y, c->torus_z};
    char id[48], a[32], ga[32], b[32], gb[32];
    fprintf(f, "<zone id=\"top\" routing=\"DijkstraCache\">\n");
    xml_links_open(f); /* see xml_leaf */
    for (int i = 0; i < c->nodes; i++) xml_node(f, c, i, "  ", XML_LINKS);
    xml_links_close(f);
    for (int i = 0; i < c->nodes; i++) xml_node_zone(f, c, i);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < c->nodes; i++) {
            int x = i % c->torus_x, y = (i / c->torus_x) % c->torus_y, z = i / (c->torus_x * c->torus_y);
            int at[3] = {x, y, z};
            for (int d = 0; d < 3; d++) {
                /* one link to the +1 neighbour; a ring of 2 has one link, of 1 none */
                if (dims[d] == 1 || (dims[d] == 2 && at[d] == 1)) continue;
                int j = torus_index(c, x + (d == 0), y + (d == 1), z + (d == 2));
                snprintf(id, sizeof id, "t%d.%d", i, d);
                snprintf(a, sizeof a, "n%d", i);
                snprintf(ga, sizeof ga, "n%dgw", i);
                snprintf(b, sizeof b, "n%d", j);
                snprintf(gb, sizeof gb, "n%dgw", j);
                xml_edge_or_link(f, pass, id, bw, c->switch_lat_s, a, ga, b, gb);
            }
        }
    }
    fprintf(f, "</zone>\n");
}

static void xml_dragonfly(FILE *f, const struct sim_cluster *c)
{
    int L = leaf_count(c), R = c->dfly_routers, groups = (L + R - 1) / R;
    double local = c->dfly_local_bw_Bps > 0 ? c->dfly_local_bw_Bps : platform_uplink_Bps(c, 0);
    double global = c->dfly_global_bw_Bps > 0 ? c->dfly_global_bw_Bps : local;
    char id[48], a[32], ga[32], b[32], gb[32];
    fprintf(f, "<zone id=\"top\" routing=\"DijkstraCache\">\n");
    xml_links_open(f); /* see xml_leaf */
    for (int l = 0; l < L; l++) xml_leaf_links(f, c, l, "  ");
    xml_links_close(f);
    for (int l = 0; l < L; l++) xml_leaf(f, c, l, " ", 0);
    for (int pass = 0; pass < 2; pass++) {
        for (int l = 0; l < L; l++)
            for (int m = l + 1; m < L && m / R == l / R; m++) { /* local all-to-all */
                snprintf(id, sizeof id, "d%d-%d", l, m);
                snprintf(a, sizeof a, "l%d", l);
                snprintf(ga, sizeof ga, "l%dsw", l);
                snprintf(b, sizeof b, "l%d", m);
                snprintf(gb, sizeof gb, "l%dsw", m);
                xml_edge_or_link(f, pass, id, local, c->switch_lat_s, a, ga, b, gb);
            }
        for (int g = 0; g < groups; g++)
            for (int h = g + 1; h < groups; h++) { /* one global link per group pair */
                int l = g * R + h % R, m = h * R + g % R;
                if (l >= L) l = g * R;
                if (m >= L) m = h * R;
                snprintf(id, sizeof id, "G%d-%d", g, h);
                snprintf(a, sizeof a, "l%d", l);
                snprintf(ga, sizeof ga, "l%dsw", l);
                snprintf(b, sizeof b, "l%d", m);
                snprintf(gb, sizeof gb, "l%dsw", m);
                xml_edge_or_link(f, pass, id, global, c->switch_lat_s, a, ga, b, gb);
            }
    }
    fprintf(f, "</zone>\n");
}

int platform_write_xml(const struct sim_cluster *c, FILE *f, dt_err *e)
{
    int rc = platform_check(c, e);
    if (rc) return rc;
    fprintf(f, "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
               "<platform version=\"4.1\">\n");
    switch (c->topology) {
    case SIM_TOPO_SWITCH: /* fall through: groups under one crossbar */
    case SIM_TOPO_FATTREE: xml_fattree(f, c); break;
    case SIM_TOPO_TORUS: xml_torus(f, c); break;
    case SIM_TOPO_DRAGONFLY: xml_dragonfly(f, c); break;
    }
    fprintf(f, "</platform>\n");
    if (ferror(f)) return dt_errf(e, DT_EIO, "cannot write platform xml: %s", strerror(errno));
    return 0;
}

/* Network model: CM02 is SimGrid's plain max-min sharing; the factors are
 * set explicitly to 1 and TCP effects off (why: docs/sim.md, "network model"). */
static const char *const engine_cfg[] = {
    "--cfg=network/model:CM02",
    "--cfg=network/latency-factor:1",
    "--cfg=network/bandwidth-factor:1",
    "--cfg=network/weight-S:0",
    "--cfg=network/crosstraffic:0",
    "--cfg=network/TCP-gamma:0",
    "--cfg=contexts/stack-size:256",
    /* no guard page under each actor's stack: a guarded stack is two
     * memory mappings, and vm.max_map_count (65530 by default) would cap
     * a run near 32,000 actors; unguarded stacks are plain mmaps that the
     * kernel merges (see platform_engine_init) */
    "--cfg=contexts/guard-size:0",
#if defined(__SANITIZE_ADDRESS__)
    /* ASan cannot follow SimGrid's hand-made stack switches (it warns, and
     * may report false positives); system threads keep it exact */
    "--cfg=contexts/factory:thread",
#endif
    "--log=root.thres:warning",
    "--log=xbt_cfg.thres:warning",
};
#define NENGINE_CFG (sizeof engine_cfg / sizeof engine_cfg[0])

int platform_engine_init(int argc, char **argv, dt_err *e)
{
    static int started;
    if (started) return dt_errf(e, DT_EINVAL, "simgrid engine already started in this process");
    int n = 1 + (int)NENGINE_CFG + (argc > 1 ? argc - 1 : 0);
    char **av = calloc((size_t)n + 1, sizeof *av);
    if (!av) return dt_errf(e, DT_ENOMEM, "out of memory");
    av[0] = argc > 0 ? argv[0] : "dtsim";
    for (size_t i = 0; i < NENGINE_CFG; i++) av[1 + i] = (char *)engine_cfg[i];
    for (int i = 1; i < argc; i++) av[NENGINE_CFG + (size_t)i] = argv[i];
    int ac = n;
    /* Unguarded stacks are calloc'ed, 256 KiB each: at this threshold
     * calloc maps fresh zero pages (touched only as the stack grows; the
     * kernel merges neighbouring maps into one), where heap memory would
     * be cleared byte by byte. A fixed threshold also stops glibc from
     * raising it after a large free and moving later stacks to the heap;
     * it is no lower than the stacks, so that SimGrid's smaller buffers
     * stay in the heap instead of being mapped and unmapped each step. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    /* and lift glibc's cap of 65,536 mmapped chunks: past it every stack
     * came from the heap and was cleared byte by byte (256 KiB each: 16 GB
     * more at 131,072 GPUs) */
    mallopt(M_MMAP_MAX, 1 << 30);
    /* SimGrid's max-min solver walks the links and flows that share with a
     * changed flow recursively, on the main thread's stack: at 131,072 GPUs
     * a step's chain of shared constraints went past the usual 8 MiB and
     * crashed. The kernel keeps at least 128 MiB below the stack for it to
     * grow into, so raising the soft limit to 120 MiB (within the hard
     * limit) lets it grow there. */
    struct rlimit rl;
    const rlim_t want = (rlim_t)120 << 20;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        setrlimit(RLIMIT_STACK, &rl);
    }
    simgrid_init(&ac, av);
    cleanup_reinstall(); /* SimGrid took SIGINT (a backtrace, exit 1); ours ends every command alike */
    free(av);
    started = 1;
    return 0;
}

int platform_load(const struct sim_cluster *c, const char *path, dt_err *e)
{
    FILE *f = fopen(path, "w");
    if (!f) return dt_errf(e, DT_EIO, "cannot write '%s': %s", path, strerror(errno));
    int rc = platform_write_xml(c, f, e);
    if (fclose(f) != 0 && rc == 0) rc = dt_errf(e, DT_EIO, "cannot write '%s': %s", path, strerror(errno));
    if (rc) return rc;
    simgrid_load_platform(path);
    return 0;
}
