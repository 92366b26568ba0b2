/* simopt.c -- cluster and collective from command-line numbers. See simopt.h. */
#include "simopt.h"
#include "cleanup.h"
#include "strsim.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char simopt_help[] =
    "Option names are the experiment file's keys (docs/config.md) with '-' for '_';\n"
    "sizes, bandwidths and times take the same units (100MB, 25GB/s, 200Gbps, 1.5us).\n"
    "cluster (defaults: ABCI-like, 4 V100 per node, NVLink2 mesh 150 GB/s per GPU,\n"
    "2 x EDR 12.5 GB/s NICs, fat-tree of 34 nodes per leaf, 3:1):\n"
    "  --preset abci           the ABCI-like numbers above (the only preset; every\n"
    "                          number below overrides it)\n"
    "  --nodes N               nodes (default 2)\n"
    "  --gpus-per-node G       GPUs per node\n"
    "  --nics-per-node K       NICs per node, 1..G (GPU j uses NIC j*K/G); the\n"
    "                          collective runs one channel per NIC (docs/collectives.md)\n"
    "  --intra-bw BW           per-GPU node-fabric bandwidth per direction, e.g. 150GB/s\n"
    "  --intra mesh|switch     node fabric: a link per GPU pair, or a port per GPU\n"
    "  --intra-latency T       GPU-to-GPU latency in a node, e.g. 1us\n"
    "  --nic-bw BW             NIC bandwidth per direction, e.g. 100Gbps\n"
    "  --nic-latency T         NIC-to-NIC latency, switches excluded\n"
    "  --switch-latency T      latency per switch\n"
    "  --topology T            single-switch, fat-tree, torus or dragonfly\n"
    "  --nodes-per-leaf N      fat-tree leaf size / dragonfly nodes per router\n"
    "  --oversubscription X    fat-tree leaf oversubscription (down:up)\n"
    "  --torus XxYxZ           torus shape in nodes\n"
    "  --dragonfly-routers R   dragonfly routers per group\n"
    "collective:\n"
    "  --algorithm NAME        all-reduce algorithm (default ring; dtsim collective --list)\n"
    "  --bytes SIZE            bytes per rank, e.g. 100MB, 64MiB (default 102MB)\n"
    "  --grad-precision P      fp32, fp16 or bf16 elements (bf16 as fp16: 2 bytes; default fp32)\n"
    "  --ranks N               ranks (default: every GPU)\n"
    "  --chunks C  --grid XxY  --inner NAME  --variant default|reduce   algorithm options\n"
    "simulation:\n"
    "  --mode exact|fast|both  message-exact, memoised lock-step, or both (default fast)\n"
    "  --reduce-rate R         elements/s reduced by a GPU (default: one flop per element)\n"
    "  --window W              fast mode: steps per memoised window (default 1 = lock-step)\n"
    "  --no-fallback           fast mode: never fall back to exact when reuse is low\n"
    "  --xml PATH              also write the platform XML to PATH\n";

void simopt_default(struct simopt *o)
{
    memset(o, 0, sizeof *o);
    platform_abci(&o->c, 2);
    o->p.algo = "ring";
    o->p.dtype = COLL_FP32;
    o->bytes = 102000000; /* 102MB */
    o->modes = 1 << COLLSIM_FAST;
}

static int num(const char *s, double *v, dt_err *e, const char *opt)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(*v))
        return dt_errf(e, DT_EINVAL, "%s: '%s' is not a number", opt, s);
    return 0;
}

static int inum(const char *s, int *v, dt_err *e, const char *opt)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < 0 || x > 1 << 24)
        return dt_errf(e, DT_EINVAL, "%s: '%s' is not a count", opt, s);
    *v = (int)x;
    return 0;
}

static int dims(const char *s, int *d, int n, dt_err *e, const char *opt)
{
    for (int i = 0; i < n; i++) d[i] = 1;
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        long x = strtol(p, &end, 10);
        if (end == p || x < 1 || x > 1 << 20) return dt_errf(e, DT_EINVAL, "%s: bad shape '%s'", opt, s);
        d[i] = (int)x;
        if (!*end) return 0;
        if (*end != 'x' || i == n - 1) return dt_errf(e, DT_EINVAL, "%s: bad shape '%s'", opt, s);
        p = end + 1;
    }
    return 0;
}

static int pick(const char *s, const char *const *names, int n, dt_err *e, const char *opt)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    char list[256];
    strsim_join(list, sizeof list, names, (size_t)n);
    const char *near = strsim_nearest(s, names, (size_t)n);
    if (near) return dt_errf(e, DT_EINVAL, "%s: unknown value '%s' (did you mean '%s'?)", opt, s, near);
    return dt_errf(e, DT_EINVAL, "%s: unknown value '%s' (valid: %s)", opt, s, list);
}

/* Names before the options took the config keys: refused with the new one. */
static const char *const renamed[][2] = {
    {"--nics", "--nics-per-node K"},          {"--intra-GBps", "--intra-bw BW (with a unit, e.g. 150GB/s)"},
    {"--intra-lat-us", "--intra-latency T (with a unit, e.g. 1us)"},
    {"--nic-GBps", "--nic-bw BW (with a unit, e.g. 12.5GB/s)"},
    {"--nic-lat-us", "--nic-latency T (with a unit, e.g. 1us)"},
    {"--switch-lat-us", "--switch-latency T (with a unit, e.g. 100ns)"},
    {"--oversub", "--oversubscription X"},    {"--dfly-routers", "--dragonfly-routers R"},
    {"--algo", "--algorithm NAME"},           {"--fp16", "--grad-precision fp16"},
};

static int unit(const char *s, enum units_kind kind, double *v, dt_err *e, const char *opt)
{
    dt_err ue;
    if (units_parse(s, kind, v, &ue)) return dt_errf(e, DT_EINVAL, "%s: %s", opt, ue.msg);
    return 0;
}

int simopt_bytes(const char *s, uint64_t *out, dt_err *e, const char *opt)
{
    double b;
    int rc = unit(s, UNITS_SIZE, &b, e, opt);
    if (rc) return rc;
    if (!(b >= 0) || b > 1e15 || b != floor(b))
        return dt_errf(e, DT_EINVAL, "%s: '%s' is not a whole byte count of at most 1PB", opt, s);
    *out = (uint64_t)b;
    return 0;
}

int simopt_parse(struct simopt *o, int argc, char **argv, int *i, dt_err *e)
{
    const char *opt = argv[*i];
    if (strcmp(opt, "--no-fallback") == 0) {
        o->no_fallback = 1;
        return 1;
    }
    for (size_t j = 0; j < sizeof renamed / sizeof *renamed; j++)
        if (strcmp(opt, renamed[j][0]) == 0)
            return dt_errf(e, DT_EINVAL, "%s: renamed after the experiment file's keys: use %s", opt, renamed[j][1]);
    static const char *const valued[] = {
        "--preset", "--nodes", "--gpus-per-node", "--nics-per-node", "--intra-bw", "--intra", "--intra-latency",
        "--nic-bw", "--nic-latency", "--switch-latency", "--topology", "--nodes-per-leaf", "--oversubscription",
        "--torus", "--dragonfly-routers", "--algorithm", "--bytes", "--ranks", "--chunks", "--grid", "--inner",
        "--variant", "--mode", "--reduce-rate", "--xml", "--window", "--grad-precision"};
    int k = -1;
    for (int j = 0; j < (int)(sizeof valued / sizeof *valued); j++)
        if (strcmp(opt, valued[j]) == 0) k = j;
    if (k < 0) return 0;
    if (*i + 1 >= argc) return dt_errf(e, DT_EINVAL, "%s: missing value", opt);
    const char *v = argv[++*i];
    struct sim_cluster *c = &o->c;
    double x;
    int rc = 0, d[3];
    switch (k) {
    case 0: {
        static const char *const presets[] = {"abci"};
        int nodes = c->nodes;
        if ((rc = pick(v, presets, 1, e, opt)) < 0) return rc;
        platform_abci(c, nodes);
        return 1;
    }
    case 1: rc = inum(v, &c->nodes, e, opt); break;
    case 2: rc = inum(v, &c->gpus_per_node, e, opt); break;
    case 3: rc = inum(v, &c->nics_per_node, e, opt); break;
    case 4: if (!(rc = unit(v, UNITS_BANDWIDTH, &x, e, opt))) c->intra_bw_Bps = x; break;
    case 5: {
        static const char *const intra[] = {"switch", "mesh"};
        if ((rc = pick(v, intra, 2, e, opt)) >= 0) c->intra = rc, rc = 0;
        break;
    }
    case 6: if (!(rc = unit(v, UNITS_TIME, &x, e, opt))) c->intra_lat_s = x; break;
    case 7: if (!(rc = unit(v, UNITS_BANDWIDTH, &x, e, opt))) c->nic_bw_Bps = x; break;
    case 8: if (!(rc = unit(v, UNITS_TIME, &x, e, opt))) c->nic_lat_s = x; break;
    case 9: if (!(rc = unit(v, UNITS_TIME, &x, e, opt))) c->switch_lat_s = x; break;
    case 10: {
        static const char *const topo[] = {"single-switch", "fat-tree", "torus", "dragonfly"};
        if ((rc = pick(v, topo, 4, e, opt)) >= 0) c->topology = rc, rc = 0;
        break;
    }
    case 11: rc = inum(v, &c->nodes_per_leaf, e, opt); break;
    case 12: rc = num(v, &c->oversubscription, e, opt); break;
    case 13:
        if (!(rc = dims(v, d, 3, e, opt))) c->torus_x = d[0], c->torus_y = d[1], c->torus_z = d[2];
        break;
    case 14: rc = inum(v, &c->dfly_routers, e, opt); break;
    case 15: o->p.algo = v; break;
    case 16: rc = simopt_bytes(v, &o->bytes, e, opt); break;
    case 17: rc = inum(v, &o->ranks, e, opt); break;
    case 18: rc = inum(v, &o->p.chunks, e, opt); break;
    case 19:
        if (!(rc = dims(v, d, 2, e, opt))) o->p.grid_x = d[0], o->p.grid_y = d[1];
        break;
    case 20: o->p.inner = v; break;
    case 21: {
        static const char *const variants[] = {"default", "reduce"};
        if ((rc = pick(v, variants, 2, e, opt)) >= 0) o->p.variant = rc, rc = 0;
        break;
    }
    case 22: {
        static const char *const modes[] = {"exact", "fast", "both"};
        if ((rc = pick(v, modes, 3, e, opt)) >= 0) o->modes = rc == 2 ? 3 : 1 << rc, rc = 0;
        break;
    }
    case 23: rc = num(v, &o->reduce_rate, e, opt); break;
    case 24: o->xml = v; break;
    case 25: rc = inum(v, &o->window, e, opt); break;
    case 26: {
        /* bf16 has fp16's wire size: 2-byte elements (docs/config.md, Precisions) */
        static const char *const prec[] = {"fp32", "fp16", "bf16"};
        if ((rc = pick(v, prec, 3, e, opt)) >= 0) o->p.dtype = rc >= 1 ? COLL_FP16 : COLL_FP32, rc = 0;
        break;
    }
    }
    return rc < 0 ? rc : 1;
}

int simopt_finish(struct simopt *o, dt_err *e)
{
    int rc = platform_check(&o->c, e);
    if (rc) return rc;
    int gpus = o->c.nodes * o->c.gpus_per_node;
    if (o->ranks == 0) o->ranks = gpus;
    if (o->ranks > gpus) return dt_errf(e, DT_EINVAL, "--ranks %d: the cluster has %d gpus", o->ranks, gpus);
    if (!(o->reduce_rate >= 0)) return dt_errf(e, DT_EINVAL, "--reduce-rate %g, expected >= 0", o->reduce_rate);
    o->p.nranks = o->ranks;
    o->p.gpus_per_node = o->c.gpus_per_node;
    /* multi-rail: one channel per NIC, as NCCL (models/coll.h, Channels) */
    o->p.channels = o->c.nics_per_node < COLL_MAX_CHANNELS ? o->c.nics_per_node : COLL_MAX_CHANNELS;
    o->p.count = o->bytes / coll_dtype_size(o->p.dtype);
    struct coll_iter probe;
    return coll_begin(&probe, &o->p, 0, e);
}

int simopt_load(const struct simopt *o, dt_err *e)
{
    if (o->xml) return platform_load(&o->c, o->xml, e);
    char path[CLEANUP_MAX_PATH];
    int rc = cleanup_tmpfile(path, sizeof path, "dtsim-platform-", ".xml", e);
    if (rc) return rc;
    rc = platform_load(&o->c, path, e);
    cleanup_remove(path);
    return rc;
}
