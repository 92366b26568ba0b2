/* dtsim collective -- inspect, verify and benchmark a collective schedule.
 *
 *   dtsim collective NAME --ranks N --bytes S [--gpus-per-node G] [--grid XxY]
 *                   [--chunks C] [--channels K] [--inner ALG] [--variant rs|reduce]
 *                   [--dtype fp32|fp16] [--verify] [--check] [--walk] [--dump]
 *   dtsim collective --list
 *
 * Prints the schedule's steps, per-rank rounds, bytes sent and received per
 * link class and reduced elements (min / max / total over ranks, and every
 * rank when N <= 16), and the alpha-beta-gamma closed form of the busiest
 * rank. --verify runs models/coll_exec on real buffers, --check runs the
 * schedule checker on all ranks without data, --walk generates every rank's
 * whole schedule and compares it with the closed form (the benchmark).
 */
#include "cmd.h"
#include "coll.h"
#include "coll_exec.h"
#include "strsim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_RANKS 8    /* --dump shows the first ranks ... */
#define DUMP_ROUNDS 64  /* ... and their first rounds */
#define TABLE_RANKS 16  /* per-rank table up to this many ranks */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: dtsim collective NAME --ranks N --bytes S [options]\n"
            "       dtsim collective --list\n\n"
            "Generate collective NAME's schedule for N ranks of S bytes each; print its\n"
            "steps, bytes per rank per link class (intra/inter-node) and closed-form cost.\n\n"
            "options:\n"
            "  --ranks N             number of ranks (GPUs), at least 1\n"
            "  --bytes S             buffer per rank: 4096, 100MB, 64MiB, 1.5GB\n"
            "                        (k M G T = 1000^n, Ki Mi Gi Ti = 1024^n, B optional)\n"
            "  --gpus-per-node G     ranks per node (default 1); sets the link class\n"
            "  --grid XxY            2d-torus grid (default: chosen); for hierarchical,\n"
            "                        the inner 2d-torus over nodes\n"
            "  --chunks C            pipelining chunks (ring, 2d-torus: 1; double-binary-tree: 8)\n"
            "  --channels K          multi-rail: K channels, one per NIC of a node (default 1;\n"
            "                        ring and 2d-torus rows across nodes, docs/collectives.md)\n"
            "  --inner ALG           hierarchical: inter-node algorithm (default ring)\n"
            "  --variant rs|reduce   hierarchical: reduce-scatter/all-gather (default) or\n"
            "                        reduce/broadcast inside nodes\n"
            "  --dtype fp32|fp16     element type (default fp32)\n"
            "  --verify              run on real buffers, check every rank holds the sum\n"
            "                        and the executor's counts equal the closed form (exit 1 if not)\n"
            "  --check               run the schedule checker on all ranks (no data)\n"
            "  --walk                generate every rank's schedule, compare with the closed form\n"
            "  --dump                list the rounds (first %d rounds of the first %d ranks)\n"
            "  --list                list the algorithms\n",
            DUMP_ROUNDS, DUMP_RANKS);
}

/* Size with units. Decimal k M G T = 1000^n, binary Ki Mi Gi Ti = 1024^n,
 * optional trailing B; a fraction must give whole bytes. (A shared units
 * module will replace this.) */
static int parse_bytes(const char *s, uint64_t *out)
{
    static const struct { const char *u; double m; } units[] = {
        {"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
        {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
    };
    const char *p = s;
    uint64_t whole = 0, frac = 0, fden = 1;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (whole > (UINT64_MAX - 9) / 10) return -4;
        whole = whole * 10 + (uint64_t)(*p++ - '0');
        digits++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (fden < 1000000000000ull) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                fden *= 10;
            }
            p++;
            digits++;
        }
    }
    if (!digits) return -1;
    size_t ul = strlen(p);
    if (ul && p[ul - 1] == 'B') ul--;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strlen(units[i].u) != ul || strncmp(units[i].u, p, ul) != 0) continue;
        long double v = ((long double)whole + (long double)frac / fden) * units[i].m;
        if (v > 1.8e19L) return -4;
        uint64_t b = (uint64_t)(v + 0.5L);
        if (fabsl(v - (long double)b) > 1e-6L * (v > 1 ? v : 1)) return -2;
        *out = b;
        return 0;
    }
    return -1;
}

static int parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < -2147483647L || v > 2147483647L) return -1;
    *out = (int)v;
    return 0;
}

static void list(void)
{
    for (size_t i = 0; i < coll_count(); i++) printf("%-20s %s\n", coll_at(i)->name, coll_at(i)->summary);
}

static void dump(const struct coll_params *p)
{
    int nr = p->nranks < DUMP_RANKS ? p->nranks : DUMP_RANKS;
    static const char *kinds[] = {"send to", "reduce from", "copy from"};
    for (int r = 0; r < nr; r++) {
        struct coll_iter it;
        struct coll_round rd;
        dt_err e;
        if (coll_begin(&it, p, r, &e)) return;
        printf("rank %d:\n", r);
        uint64_t n = 0;
        while (coll_next(&it, &rd) == 1) {
            if (n++ >= DUMP_ROUNDS) continue;
            printf("  step %u phase %u:", rd.step, rd.phase);
            for (int i = 0; i < rd.nops; i++)
                printf("%s %s %d [%llu, %llu)", i ? "," : "", kinds[rd.ops[i].kind], rd.ops[i].peer,
                       (unsigned long long)rd.ops[i].off, (unsigned long long)(rd.ops[i].off + rd.ops[i].count));
            printf("\n");
        }
        if (n > DUMP_ROUNDS) printf("  ... %llu more rounds\n", (unsigned long long)(n - DUMP_ROUNDS));
    }
    if (p->nranks > nr) printf("... %d more ranks\n", p->nranks - nr);
}

/* min / max / total of one cost field over ranks */
struct agg { uint64_t min, max, tot; };
#define NF 7
static const char *fnames[NF] = {"rounds", "sent intra B", "sent inter B", "recv intra B", "recv inter B",
                                 "reduce elems", "sent+recv B"};
static uint64_t field(const struct coll_cost *c, int f)
{
    switch (f) {
    case 0: return c->rounds;
    case 1: return c->bytes_sent[0];
    case 2: return c->bytes_sent[1];
    case 3: return c->bytes_recv[0];
    case 4: return c->bytes_recv[1];
    case 5: return c->reduce_elems;
    }
    return c->bytes_sent[0] + c->bytes_sent[1] + c->bytes_recv[0] + c->bytes_recv[1];
}

static int report(const struct coll_params *p)
{
    struct agg a[NF];
    struct coll_cost c, busiest = {0};
    int brank = 0;
    dt_err e;
    for (int f = 0; f < NF; f++) a[f] = (struct agg){UINT64_MAX, 0, 0};
    int table = p->nranks <= TABLE_RANKS;
    if (table)
        printf("%5s %8s %14s %14s %14s %14s %14s\n", "rank", "rounds", "sent intra B", "sent inter B",
               "recv intra B", "recv inter B", "reduce elems");
    for (int r = 0; r < p->nranks; r++) {
        if (coll_rank_cost(p, r, &c, &e)) return cmd_fail("%s", e.msg);
        for (int f = 0; f < NF; f++) {
            uint64_t v = field(&c, f);
            if (v < a[f].min) a[f].min = v;
            if (v > a[f].max) a[f].max = v;
            a[f].tot += v;
        }
        if (r == 0 || field(&c, 6) > field(&busiest, 6)) {
            busiest = c;
            brank = r;
        }
        if (table)
            printf("%5d %8llu %14llu %14llu %14llu %14llu %14llu\n", r, (unsigned long long)c.rounds,
                   (unsigned long long)c.bytes_sent[0], (unsigned long long)c.bytes_sent[1],
                   (unsigned long long)c.bytes_recv[0], (unsigned long long)c.bytes_recv[1],
                   (unsigned long long)c.reduce_elems);
    }
    if (table) printf("\n");
    printf("%-14s %16s %16s %20s\n", "per rank", "min", "max", "total");
    for (int f = 0; f < NF - 1; f++)
        printf("%-14s %16llu %16llu %20llu\n", fnames[f], (unsigned long long)a[f].min, (unsigned long long)a[f].max,
               (unsigned long long)a[f].tot);
    printf("\nclosed form, busiest rank %d (alpha-beta-gamma):\n", brank);
    printf("  T = %llu*a + %llu*b_intra + %llu*b_inter + %llu*g\n", (unsigned long long)busiest.rounds,
           (unsigned long long)(busiest.bytes_sent[0] > busiest.bytes_recv[0] ? busiest.bytes_sent[0]
                                                                              : busiest.bytes_recv[0]),
           (unsigned long long)(busiest.bytes_sent[1] > busiest.bytes_recv[1] ? busiest.bytes_sent[1]
                                                                              : busiest.bytes_recv[1]),
           (unsigned long long)busiest.reduce_elems);
    printf("  a: latency per round (s), b: time per byte on the link class, full duplex\n"
           "  (max of bytes sent and received), g: time per reduced element\n");
    return 0;
}

static int verify(const struct coll_params *p, int data)
{
    dt_err e;
    const struct coll_algo *a = coll_find(p->algo, &e);
    struct coll_exec_result res;
    struct coll_cost *got = calloc((size_t)p->nranks, sizeof *got);
    if (!got) return cmd_fail("out of memory for %d ranks", p->nranks);
    int rc = coll_exec_run(a, p, data, got, &res, &e);
    if (rc) {
        free(got);
        if (rc == DT_ESCHED) {
            printf("%s: FAILED: %s\n", data ? "verify" : "check", e.msg);
            return DT_EXIT_FAIL;
        }
        return cmd_fail("%s", e.msg);
    }
    int bad = -1;
    struct coll_cost want;
    for (int r = 0; r < p->nranks && bad < 0; r++) {
        if (coll_rank_cost(p, r, &want, &e)) {
            free(got);
            return cmd_fail("%s", e.msg);
        }
        if (p->count == 0) want.steps = got[r].steps;
        if (memcmp(&want, &got[r], sizeof want)) bad = r;
    }
    free(got);
    const char *what = data ? "verify" : "check";
    if (bad >= 0) {
        printf("%s: FAILED: rank %d: the executor's counts differ from the closed form\n", what, bad);
        return DT_EXIT_FAIL;
    }
    if (data && res.wrong) {
        printf("verify: FAILED: %llu of %llu elements wrong; rank %d element %llu = %.9g, want %.9g\n",
               (unsigned long long)res.wrong, (unsigned long long)res.checked, res.wrong_rank,
               (unsigned long long)res.wrong_index, res.wrong_got, res.wrong_want);
        return DT_EXIT_FAIL;
    }
    printf("%s: ok: %llu rounds in %llu steps matched%s; executor counts == closed form on every rank\n", what,
           (unsigned long long)res.rounds, (unsigned long long)res.steps,
           data ? "" : " (no data)");
    if (data)
        printf("verify: ok: %llu elements hold the exact sum (max error %.3g)\n", (unsigned long long)res.checked,
               res.max_err);
    return 0;
}

/* Generate each rank's whole schedule in turn (one iterator alive at a
 * time) and compare its counts with the closed form. */
static int walk(const struct coll_params *p)
{
    uint64_t rounds = 0, bytes = 0;
    size_t sz = coll_dtype_size(p->dtype);
    int G = p->gpus_per_node;
    for (int r = 0; r < p->nranks; r++) {
        int lo = r - r % G; /* node of r is [lo, lo+G): no division per op */
        struct coll_iter it;
        struct coll_round rd;
        struct coll_cost got = {0}, want;
        dt_err e;
        if (coll_begin(&it, p, r, &e) || coll_rank_cost(p, r, &want, &e)) return cmd_fail("%s", e.msg);
        int rc;
        while ((rc = coll_next(&it, &rd)) == 1) {
            got.rounds++;
            for (int i = 0; i < rd.nops; i++) {
                const struct coll_op *o = &rd.ops[i];
                int lc = o->peer >= lo && o->peer < lo + G ? COLL_INTRA : COLL_INTER;
                if (o->kind == COLL_SEND) got.bytes_sent[lc] += o->count * sz;
                else got.bytes_recv[lc] += o->count * sz;
                if (o->kind == COLL_RECV_REDUCE) got.reduce_elems += o->count;
            }
        }
        if (rc < 0) {
            printf("walk: FAILED: rank %d: generator error %s\n", r, dt_strerror(rc));
            return DT_EXIT_FAIL;
        }
        got.steps = want.steps;
        if (memcmp(&got, &want, sizeof got)) {
            printf("walk: FAILED: rank %d: generated schedule differs from the closed form\n", r);
            return DT_EXIT_FAIL;
        }
        rounds += got.rounds;
        bytes += got.bytes_sent[0] + got.bytes_sent[1];
    }
    printf("walk: ok: %d ranks, %llu rounds, %llu bytes sent in all; every rank matches the closed form\n",
           p->nranks, (unsigned long long)rounds, (unsigned long long)bytes);
    return 0;
}

static int cmd_collective(int argc, char **argv)
{
    static const char *opts[] = {"--ranks", "--bytes", "--gpus-per-node", "--grid", "--chunks", "--inner",
                                 "--variant", "--dtype", "--verify", "--check", "--walk", "--dump", "--list",
                                 "--help", "--channels"};
    struct coll_params p = {.gpus_per_node = 1};
    const char *name = NULL, *ranks_s = NULL, *bytes_s = NULL;
    int do_verify = 0, do_check = 0, do_walk = 0, do_dump = 0, do_list = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cmd_is_help(a)) {
            usage(stdout);
            return DT_EXIT_OK;
        }
        if (a[0] != '-' || a[1] != '-') {
            if (a[0] == '-' && a[1]) return cmd_fail("unknown option '%s' (see 'dtsim collective --help')", a);
            if (name) return cmd_fail("collective: one algorithm at a time ('%s' and '%s')", name, a);
            name = a;
            continue;
        }
        char key[32];
        const char *val = NULL, *eq = strchr(a, '=');
        size_t kl = eq ? (size_t)(eq - a) : strlen(a);
        if (kl >= sizeof key) kl = sizeof key - 1;
        memcpy(key, a, kl);
        key[kl] = '\0';
        int flag = !strcmp(key, "--verify") || !strcmp(key, "--check") || !strcmp(key, "--walk") ||
                   !strcmp(key, "--dump") || !strcmp(key, "--list");
        size_t k;
        for (k = 0; k < sizeof opts / sizeof opts[0]; k++)
            if (!strcmp(key, opts[k])) break;
        if (k == sizeof opts / sizeof opts[0]) {
            const char *near = strsim_nearest(key, opts, sizeof opts / sizeof opts[0]);
            if (near) return cmd_fail("unknown option '%s' (did you mean '%s'?)", key, near);
            return cmd_fail("unknown option '%s' (see 'dtsim collective --help')", key);
        }
        if (flag) {
            if (eq) return cmd_fail("option '%s' takes no value", key);
        } else {
            val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val) return cmd_fail("option '%s' needs a value", key);
        }
        if (!strcmp(key, "--verify")) do_verify = 1;
        else if (!strcmp(key, "--check")) do_check = 1;
        else if (!strcmp(key, "--walk")) do_walk = 1;
        else if (!strcmp(key, "--dump")) do_dump = 1;
        else if (!strcmp(key, "--list")) do_list = 1;
        else if (!strcmp(key, "--ranks")) ranks_s = val;
        else if (!strcmp(key, "--bytes")) bytes_s = val;
        else if (!strcmp(key, "--inner")) p.inner = val;
        else if (!strcmp(key, "--gpus-per-node")) {
            if (parse_int(val, &p.gpus_per_node) || p.gpus_per_node < 1)
                return cmd_fail("--gpus-per-node: '%s' is not a whole number of at least 1", val);
        } else if (!strcmp(key, "--chunks")) {
            if (parse_int(val, &p.chunks) || p.chunks < 1)
                return cmd_fail("--chunks: '%s' is not a whole number of at least 1", val);
        } else if (!strcmp(key, "--channels")) {
            if (parse_int(val, &p.channels) || p.channels < 1)
                return cmd_fail("--channels: '%s' is not a whole number of at least 1", val);
        } else if (!strcmp(key, "--grid")) {
            char *x;
            long gx = strtol(val, &x, 10), gy;
            char *y = NULL;
            if (x != val && (*x == 'x' || *x == 'X')) gy = strtol(x + 1, &y, 10);
            if (!y || y == x + 1 || *y || gx < 1 || gy < 1 || gx > 1 << 24 || gy > 1 << 24)
                return cmd_fail("--grid: '%s' is not XxY with X, Y >= 1 (e.g. 64x64)", val);
            p.grid_x = (int)gx;
            p.grid_y = (int)gy;
        } else if (!strcmp(key, "--variant")) {
            if (!strcmp(val, "rs")) p.variant = 0;
            else if (!strcmp(val, "reduce")) p.variant = 1;
            else return cmd_fail("--variant: unknown variant '%s' (valid: rs, reduce)", val);
        } else if (!strcmp(key, "--dtype")) {
            if (!strcmp(val, "fp32")) p.dtype = COLL_FP32;
            else if (!strcmp(val, "fp16")) p.dtype = COLL_FP16;
            else return cmd_fail("--dtype: unknown type '%s' (valid: fp32, fp16)", val);
        }
    }
    if (do_list) {
        list();
        return DT_EXIT_OK;
    }
    dt_err e;
    if (!name) {
        coll_find(NULL, &e);
        return cmd_fail("%s", e.msg);
    }
    if (!coll_find(name, &e)) return cmd_fail("%s", e.msg);
    if (!ranks_s) return cmd_fail("missing --ranks N");
    if (!bytes_s) return cmd_fail("missing --bytes S");
    if (parse_int(ranks_s, &p.nranks)) return cmd_fail("--ranks: '%s' is not a whole number", ranks_s);
    uint64_t bytes;
    int brc = bytes_s[0] == '-' ? -3 : parse_bytes(bytes_s, &bytes);
    if (brc == -3) return cmd_fail("--bytes: '%s' is negative", bytes_s);
    if (brc == -4) return cmd_fail("--bytes: '%s' is too large", bytes_s);
    if (brc == -2) return cmd_fail("--bytes: '%s' is not a whole number of bytes", bytes_s);
    if (brc) return cmd_fail("--bytes: bad size '%s' (e.g. 4096, 100MB, 64MiB)", bytes_s);
    size_t sz = coll_dtype_size(p.dtype);
    if (bytes % sz)
        return cmd_fail("--bytes: %llu bytes is not a whole number of %s elements (%zu bytes each)",
                        (unsigned long long)bytes, p.dtype ? "fp16" : "fp32", sz);
    p.count = bytes / sz;
    p.algo = name;
    if (coll_prepare(&p, &e)) return cmd_fail("%s", e.msg);
    if (do_verify && p.count > COLL_EXEC_MAX_BYTES / sz / (uint64_t)p.nranks)
        return cmd_fail("--verify: %d ranks x %llu bytes is more than the executor's %llu MiB of buffers", p.nranks,
                        (unsigned long long)bytes, (unsigned long long)(COLL_EXEC_MAX_BYTES >> 20));

    int G = p.gpus_per_node;
    printf("collective %s: %d ranks, %d per node (%d node%s), %llu bytes %s per rank (%llu elements)\n", p.algo,
           p.nranks, G, (p.nranks + G - 1) / G, (p.nranks + G - 1) / G == 1 ? "" : "s", (unsigned long long)bytes,
           p.dtype ? "fp16" : "fp32", (unsigned long long)p.count);
    if (!strcmp(p.algo, "2d-torus")) printf("grid: %dx%d\n", p.grid_x, p.grid_y);
    if (!strcmp(p.algo, "hierarchical")) {
        printf("hierarchical: variant %s, inner %s over %d nodes", p.variant ? "reduce" : "rs", p.inner,
               p.nranks / G);
        if (!strcmp(p.inner, "2d-torus")) printf(", grid %dx%d", p.grid_x, p.grid_y);
        printf("\n");
    }
    if (p.chunks > 1) printf("chunks: %d\n", p.chunks);
    if (p.channels > 1) printf("channels: %d (one per NIC)\n", p.channels);
    struct coll_cost c0;
    if (coll_rank_cost(&p, 0, &c0, &e)) return cmd_fail("%s", e.msg);
    printf("steps: %llu\n\n", (unsigned long long)c0.steps);
    int rc = report(&p);
    if (rc) return rc;
    if (do_dump) {
        printf("\n");
        dump(&p);
    }
    if (do_walk || do_check || do_verify) printf("\n");
    if (do_walk && (rc = walk(&p))) return rc;
    if (do_check && (rc = verify(&p, COLL_DATA_NONE))) return rc;
    if (do_verify && (rc = verify(&p, COLL_DATA_INT))) return rc;
    return DT_EXIT_OK;
}

const struct dtsim_cmd dtsim_cmd_collective = {"collective", "inspect, verify and benchmark a collective schedule",
                                               cmd_collective};
