/* cmd_allreduce.c -- `dtbench allreduce`: nccl-tests' all_reduce_perf over
 * the transports of transport.h, on the schedules of models/coll.h.
 *
 * Per size S (from -b to -e, times -f): for out-of-place then in-place,
 *   -w warm-up all-reduces, barrier, -n timed ones; time = elapsed / n,
 *   averaged over ranks (nccl-tests' default -a 1); then, with -c 1, one
 *   more all-reduce on fresh data, every element compared with the exact
 *   sum; #wrong is summed over ranks.
 *
 * Data: element i of rank r for seed k is g + s h with
 *   g = ((7 i + k) mod 17) - 8,  h = ((3 i + k) mod 5) - 2,  s = (r mod 3) - 1,
 * small integers, so every partial sum of up to 204 ranks is exact in fp16
 * and fp32 whatever the order: the check is exact, no tolerance.
 */
#include "dtbench.h"

#include "bench.h"
#include "cmdfail.h"
#include "mesh.h"
#include "coll_exec.h"
#include "sched_exec.h"
#include "transport.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct opts {
    const char *transport, *algo;
    uint64_t minb, maxb;
    int factor, iters, warmup, check, dtype, csv, gpn, chunks, gx, gy;
    struct mesh_opts mo;
};

static void help(void)
{
    printf("usage: dtbench allreduce [--transport tcp|verbs|nccl] [--algo NAME] [-b MIN] [-e MAX] [-f FACTOR]\n"
           "                         [-n ITERS] [-w WARMUP] [-c 0|1] [--dtype fp32|fp16] [--csv]\n\n"
           "All-reduce benchmark in the nccl-tests layout (size count type redop root, then time algbw\n"
           "busbw #wrong out-of-place and in-place; busbw = algbw x 2(n-1)/n). One process per rank:\n"
           "run it under 'dtbench launch -n N --', mpirun, srun or torchrun, or alone (1 rank).\n\n"
           "  --transport T      tcp (default), verbs, nccl\n"
           "  --algo NAME        all-reduce schedule from the collectives registry (default ring; nccl\n"
           "                     transport: nccl);\n"
           "                     'nccl' = ncclAllReduce itself (nccl transport); --list shows them\n"
           "  -b, --minbytes S   smallest size per rank, e.g. 8, 64K, 16M (default 8)\n"
           "  -e, --maxbytes S   largest size (default 128M)\n"
           "  -f, --stepfactor F multiply the size by F each step (default 2)\n"
           "  -n, --iters N      timed all-reduces per size (default 20)\n"
           "  -w, --warmup_iters N  untimed ones before them, per size (default 5)\n"
           "  -c, --check 0|1    verify every element against the exact sum (default 1)\n"
           "  --dtype fp32|fp16  element type; fp16 sums in fp32 (default fp32)\n"
           "  --csv              CSV lines instead of the table\n"
           "  --gpus-per-node G  ranks per node for hierarchical schedules (default 1)\n"
           "  --chunks K         ring pipelining chunks (default 1)\n"
           "  --grid XxY         2d-torus grid (default: chosen by the schedule)\n"
           "  --timeout S        a wait with no progress for S seconds is an error (default 10)\n"
           "  --rdv-timeout S    all ranks must meet within S seconds (default 30)\n"
"  --sockbuf BYTES    fixed socket buffers if the kernel allows (default 4M; 0 = autotune)\n"
           "  --early WHICH      next-round sends that may start before the round ends, as their data\n"
           "                     becomes final (tcp, verbs): peer = only to a peer this round already\n"
           "                     sends to (default), all = to any peer, none = no early sends\n"
           "  --list             list schedules and transports, then exit\n\n"
           "Environment: RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT (torchrun, dtbench launch),\n"
           "OMPI_COMM_WORLD_RANK/SIZE (mpirun), PMI_RANK/SIZE, SLURM_PROCID/NTASKS (srun).\n"
           "Exit status: 0 ok, 1 wrong results or a broken run, 2 bad input, 3 skipped.\n");
}

static void list(void)
{
    printf("schedules (--algo):\n");
    for (size_t i = 0; i < coll_count(); i++) {
        const struct coll_algo *a = coll_at(i);
        if (a->op == COLL_ALLREDUCE) printf("  %-18s %s\n", a->name, a->summary);
    }
    printf("transports (--transport):\n");
    const char *tn[] = {"tcp", "verbs", "nccl"};
    for (int i = 0; i < 3; i++) {
        dt_err e;
        const struct transport *t = transport_find(tn[i], &e);
        printf("  %-18s %s\n", tn[i], t ? t->summary : e.msg);
    }
}

static int parse_secs(const char *what, const char *s, double *out)
{
    dt_err e;
    if (bench_parse_time(s, out, &e) || *out <= 0) {
        cmd_fail("bad %s '%s' (expected a duration such as 10 or 500ms)", what, s);
        return -1;
    }
    return 0;
}

static int parse(int argc, char **argv, struct opts *o, int *listonly)
{
    enum { O_TRANSPORT = 256, O_ALGO, O_DTYPE, O_CSV, O_GPN, O_CHUNKS, O_GRID, O_TIMEOUT, O_RDV, O_SOCKBUF, O_EARLY, O_LIST };
    static const struct option lo[] = {
        {"transport", 1, 0, O_TRANSPORT}, {"algo", 1, 0, O_ALGO},       {"minbytes", 1, 0, 'b'},
        {"maxbytes", 1, 0, 'e'},          {"stepfactor", 1, 0, 'f'},    {"iters", 1, 0, 'n'},
        {"warmup_iters", 1, 0, 'w'},      {"check", 1, 0, 'c'},         {"dtype", 1, 0, O_DTYPE},
        {"csv", 0, 0, O_CSV},             {"gpus-per-node", 1, 0, O_GPN}, {"chunks", 1, 0, O_CHUNKS},
        {"grid", 1, 0, O_GRID},           {"timeout", 1, 0, O_TIMEOUT}, {"rdv-timeout", 1, 0, O_RDV},
        {"sockbuf", 1, 0, O_SOCKBUF},     {"list", 0, 0, O_LIST},       {"help", 0, 0, 'h'},
        {"early", 1, 0, O_EARLY},         {0, 0, 0, 0}};
    *o = (struct opts){.transport = "tcp", .algo = NULL, .minb = 8, .maxb = 128 << 20, .factor = 2,
                       .iters = 20, .warmup = 5, .check = 1, .dtype = COLL_FP32, .gpn = 1,
                       .mo = {.rdv_timeout_s = 30, .timeout_s = 10, .sockbuf_bytes = 4 << 20}};
    *listonly = 0;
    optind = 0; /* 0, not 1: glibc's full reset (no position kept in an earlier argv, e.g. -hX left at -h) */
    opterr = 0;
    int c;
    dt_err e;
    while ((c = getopt_long(argc, argv, "+b:e:f:n:w:c:h", lo, NULL)) != -1) {
        switch (c) {
        case O_TRANSPORT: o->transport = optarg; break;
        case O_ALGO: o->algo = optarg; break;
        case 'b':
        case 'e':
            if (bench_parse_bytes(optarg, c == 'b' ? &o->minb : &o->maxb, &e)) return cmd_fail("%s", e.msg);
            break;
        case 'f':
            if (real_parse_int_range("step factor", optarg, 2, 1024, &o->factor)) return DT_EXIT_USAGE;
            break;
        case 'n':
            if (real_parse_int_range("iteration count", optarg, 1, 1000000, &o->iters)) return DT_EXIT_USAGE;
            break;
        case 'w':
            if (real_parse_int_range("warm-up count", optarg, 0, 1000000, &o->warmup)) return DT_EXIT_USAGE;
            break;
        case 'c':
            if (real_parse_int_range("check", optarg, 0, 1, &o->check)) return DT_EXIT_USAGE;
            break;
        case O_DTYPE:
            if (strcmp(optarg, "fp32") == 0 || strcmp(optarg, "float") == 0)
                o->dtype = COLL_FP32;
            else if (strcmp(optarg, "fp16") == 0 || strcmp(optarg, "half") == 0)
                o->dtype = COLL_FP16;
            else
                return cmd_fail("unknown dtype '%s' (valid: fp32, fp16)", optarg);
            break;
        case O_CSV: o->csv = 1; break;
        case O_GPN:
            if (real_parse_int_range("gpus per node", optarg, 1, 1 << 20, &o->gpn)) return DT_EXIT_USAGE;
            break;
        case O_CHUNKS:
            if (real_parse_int_range("chunks", optarg, 1, 1 << 16, &o->chunks)) return DT_EXIT_USAGE;
            break;
        case O_GRID:
            if (sscanf(optarg, "%dx%d", &o->gx, &o->gy) != 2 || o->gx < 1 || o->gy < 1)
                return cmd_fail("bad grid '%s' (expected XxY, e.g. 2x4)", optarg);
            break;
        case O_TIMEOUT:
            if (parse_secs("timeout", optarg, &o->mo.timeout_s)) return DT_EXIT_USAGE;
            break;
        case O_RDV:
            if (parse_secs("rendezvous timeout", optarg, &o->mo.rdv_timeout_s)) return DT_EXIT_USAGE;
            break;
        case O_SOCKBUF: {
            uint64_t b;
            if (bench_parse_bytes(optarg, &b, &e) || b > (1u << 30)) return cmd_fail("bad --sockbuf '%s'", optarg);
            o->mo.sockbuf_bytes = (int)b;
            break;
        }
        case O_EARLY:
            if ((o->mo.early = sched_early_parse(optarg)) < 0)
                return cmd_fail("allreduce: --early '%s': expected peer, all or none", optarg);
            break;
        case O_LIST: *listonly = 1; break;
        case 'h': help(); return -1;
        default:
            if (optopt && optopt < 256) return cmd_fail("allreduce: bad or incomplete option '-%c'", optopt);
            return cmd_fail("allreduce: unknown option '%s' (see 'dtbench allreduce --help')", argv[optind - 1]);
        }
    }
    if (optind < argc) return cmd_fail("allreduce: unexpected argument '%s'", argv[optind]);
    if (!o->algo) o->algo = strcmp(o->transport, "nccl") == 0 ? "nccl" : "ring";
    if (o->minb > o->maxb)
        return cmd_fail("minimum size %llu is above maximum size %llu", (unsigned long long)o->minb,
                        (unsigned long long)o->maxb);
    size_t esz = coll_dtype_size(o->dtype);
    const char *ty = o->dtype == COLL_FP16 ? "fp16" : "fp32"; /* as --dtype names them */
    if (o->minb == 0)
        return cmd_fail("allreduce: -b 0: the smallest size must be at least one element (%zu bytes for %s)", esz, ty);
    if (o->minb % esz || o->maxb % esz)
        return cmd_fail("allreduce: %s %llu is not a whole number of %s elements (%zu bytes each)",
                        o->minb % esz ? "-b" : "-e", (unsigned long long)(o->minb % esz ? o->minb : o->maxb), ty, esz);
    return 0;
}

/* --- data ------------------------------------------------------------------ */

static int sign_of(int r)
{
    return r % 3 - 1;
}

static float value(uint64_t i, int k, int s)
{
    int g = (int)((7 * i + (uint64_t)k) % 17) - 8, h = (int)((3 * i + (uint64_t)k) % 5) - 2;
    return (float)(g + s * h);
}

static void fill(void *buf, int dtype, uint64_t n, int rank, int k)
{
    int s = sign_of(rank);
    if (dtype == COLL_FP16) {
        uint16_t *b = buf;
        for (uint64_t i = 0; i < n; i++) b[i] = coll_float_to_half(value(i, k, s));
    } else {
        float *b = buf;
        for (uint64_t i = 0; i < n; i++) b[i] = value(i, k, s);
    }
}

static int64_t count_wrong(const void *buf, int dtype, uint64_t n, int nranks, int k)
{
    int ssum = 0;
    for (int r = 0; r < nranks; r++) ssum += sign_of(r);
    int64_t wrong = 0;
    for (uint64_t i = 0; i < n; i++) {
        int g = (int)((7 * i + (uint64_t)k) % 17) - 8, h = (int)((3 * i + (uint64_t)k) % 5) - 2;
        float want = (float)(nranks * g + ssum * h);
        float got = dtype == COLL_FP16 ? coll_half_to_float(((const uint16_t *)buf)[i]) : ((const float *)buf)[i];
        wrong += got != want;
    }
    return wrong;
}

/* --- the run ---------------------------------------------------------------- */

struct run {
    const struct opts *o;
    const struct transport *t;
    struct tport *tp;
    struct mesh *m;
    struct coll_params p;
    size_t esz;
    void *sbuf, *rbuf, *host; /* transport buffers; host staging for checks */
};

static int put(struct run *R, void *dst, const void *host, size_t bytes, dt_err *e)
{
    if (R->t->upload) return R->t->upload(R->tp, dst, host, bytes, e);
    memcpy(dst, host, bytes);
    return 0;
}

static int get(struct run *R, void *host, const void *src, size_t bytes, dt_err *e)
{
    if (R->t->download) return R->t->download(R->tp, host, src, bytes, e);
    memcpy(host, src, bytes);
    return 0;
}

/* One half of a row: in place or not. */
static int measure(struct run *R, uint64_t count, int inplace, int seed, struct bench_result *res, dt_err *e)
{
    const struct opts *o = R->o;
    R->p.count = count;
    const void *src = inplace ? R->rbuf : R->sbuf;
    int rc = 0;
    for (int i = 0; i < o->warmup && !rc; i++) rc = R->t->allreduce(R->tp, src, R->rbuf, &R->p, e);
    if (!rc) rc = mesh_barrier(R->m, e);
    double t0 = mesh_now();
    for (int i = 0; i < o->iters && !rc; i++) rc = R->t->allreduce(R->tp, src, R->rbuf, &R->p, e);
    double dt = (mesh_now() - t0) / o->iters;
    if (rc) return rc;
    rc = mesh_allreduce_f64(R->m, &dt, 1, MESH_SUM, e);
    if (rc) return rc;
    dt /= R->m->size;
    int64_t wrong = -1;
    if (o->check) {
        size_t bytes = (size_t)count * R->esz;
        fill(R->host, o->dtype, count, R->m->rank, seed);
        rc = put(R, inplace ? R->rbuf : R->sbuf, R->host, bytes, e);
        if (!rc && !inplace) { /* poison dst: an element never written shows */
            memset(R->host, 0xff, bytes);
            rc = put(R, R->rbuf, R->host, bytes, e);
        }
        if (!rc) rc = R->t->allreduce(R->tp, src, R->rbuf, &R->p, e);
        if (!rc) rc = get(R, R->host, R->rbuf, bytes, e);
        if (rc) return rc;
        double w = (double)count_wrong(R->host, o->dtype, count, R->m->size, seed);
        rc = mesh_allreduce_f64(R->m, &w, 1, MESH_SUM, e);
        if (rc) return rc;
        wrong = (int64_t)w;
    }
    bench_result_set(res, count * R->esz, R->m->size, dt, wrong);
    return 0;
}

static void print_preamble(struct run *R)
{
    const struct opts *o = R->o;
    printf("# dtbench allreduce  transport: %s  algo: %s  ranks: %d  dtype: %s\n", R->t->name, R->p.algo,
           R->m->size, o->dtype == COLL_FP16 ? "fp16" : "fp32");
    printf("# nThread 1 nGpus 1 minBytes %llu maxBytes %llu step: %d(factor) warmup iters: %d iters: %d "
           "agg iters: 1 validation: %d graph: 0\n#\n# Using ranks\n",
           (unsigned long long)o->minb, (unsigned long long)o->maxb, o->factor, o->warmup, o->iters, o->check);
    for (int r = 0; r < R->m->size; r++) {
        char ip[INET_ADDRSTRLEN] = "-";
        if (R->m->size > 1) inet_ntop(AF_INET, &R->m->ip[r], ip, sizeof ip);
        printf("#  Rank %3d on %15s port %5u\n", r, ip, R->m->size > 1 ? R->m->port[r] : 0);
    }
    printf("#\n");
}

static int run_sizes(struct run *R, dt_err *e)
{
    const struct opts *o = R->o;
    char line[512];
    int root = R->m->rank == 0;
    if (root) {
        if (o->csv) {
            bench_fmt_csv_header(line, sizeof line);
        } else {
            print_preamble(R);
            bench_fmt_header(line, sizeof line);
        }
        fputs(line, stdout);
        fflush(stdout);
    }
    int64_t wrong_total = 0;
    double bw_sum = 0;
    int bw_n = 0, seed = 0;
    for (uint64_t size = o->minb; size <= o->maxb; size *= (uint64_t)o->factor) {
        uint64_t count = size / R->esz;
        struct bench_result oop, ip;
        int rc = measure(R, count, 0, ++seed, &oop, e);
        if (!rc) rc = measure(R, count, 1, ++seed, &ip, e);
        if (rc) return rc;
        wrong_total += (oop.wrong > 0 ? oop.wrong : 0) + (ip.wrong > 0 ? ip.wrong : 0);
        bw_sum += oop.busbw_GBps + ip.busbw_GBps;
        bw_n += 2;
        if (root) {
            const char *ty = bench_type_name(o->dtype);
            if (o->csv)
                bench_fmt_csv_row(line, sizeof line, R->t->name, R->p.algo, R->m->size, count * R->esz, count, ty,
                                  "sum", -1, &oop, &ip);
            else
                bench_fmt_row(line, sizeof line, count * R->esz, count, ty, "sum", -1, &oop, &ip);
            fputs(line, stdout);
            fflush(stdout);
        }
        if (size == 0) break;
    }
    if (root && !o->csv) {
        bench_fmt_footer(line, sizeof line, wrong_total, bw_n ? bw_sum / bw_n : 0);
        fputs(line, stdout);
        fflush(stdout);
    }
    return wrong_total ? 1 : 0;
}

static int cmd_allreduce(int argc, char **argv)
{
    struct opts o;
    int listonly, rc = parse(argc, argv, &o, &listonly);
    if (rc < 0) return DT_EXIT_OK; /* --help */
    if (rc) return rc;
    if (listonly) {
        list();
        return DT_EXIT_OK;
    }
    dt_err e;
    struct bench_world w;
    if (bench_world_from_env(&w, real_getenv, NULL, &e)) return cmd_fail("%s", e.msg);
    const struct transport *t = transport_find(o.transport, &e);
    if (!t) {
        if (e.code == DT_ESKIP) {
            if (w.rank == 0) printf("dtbench: skipped: %s\n", e.msg);
            return DT_EXIT_SKIP;
        }
        return cmd_fail("%s", e.msg);
    }
    /* Check the schedule before meeting anyone: every rank fails alike. */
    struct run R = {.o = &o, .t = t, .esz = coll_dtype_size(o.dtype)};
    R.p = (struct coll_params){.algo = o.algo, .nranks = w.size, .count = o.maxb / R.esz, .dtype = o.dtype,
                               .gpus_per_node = o.gpn, .grid_x = o.gx, .grid_y = o.gy, .chunks = o.chunks};
    if (!(t->native && strcmp(o.algo, t->native) == 0)) {
        if (!t->schedules)
            return cmd_fail("transport '%s' runs only --algo %s (schedules over it are not implemented)", t->name,
                            t->native ? t->native : "?");
        const struct coll_algo *a = coll_find(o.algo, &e);
        if (!a) return cmd_fail("%s", e.msg);
        if (a->op != COLL_ALLREDUCE) return cmd_fail("'%s' is not an all-reduce schedule (see --list)", o.algo);
        if (coll_prepare(&R.p, &e)) return cmd_fail("%s", e.msg);
    }
    struct mesh m;
    char who[32];
    snprintf(who, sizeof who, "rank %d", w.rank);
    if ((rc = mesh_open(&m, &w, &o.mo, &e)))
        return dtbench_fail(dtbench_status(rc), "%s: %s", who, e.msg);
    R.m = &m;
    rc = t->open(&R.tp, &m, &e);
    if (rc == DT_ESKIP) {
        if (w.rank == 0) printf("dtbench: skipped: %s\n", e.msg);
        mesh_close(&m);
        return DT_EXIT_SKIP;
    }
    if (rc) {
        mesh_close(&m);
        return dtbench_fail(dtbench_status(rc), "%s: %s: %s", who, t->name, e.msg);
    }
    size_t bytes = (size_t)(o.maxb / R.esz) * R.esz;
    R.sbuf = t->alloc(R.tp, bytes);
    R.rbuf = t->alloc(R.tp, bytes);
    R.host = o.check ? malloc(bytes ? bytes : 1) : NULL;
    if (!R.sbuf || !R.rbuf || (o.check && !R.host)) {
        rc = dt_errf(&e, DT_ENOMEM, "cannot allocate 2 x %zu bytes", bytes);
    } else {
        /* Timed runs use a fixed pattern; checks refill. */
        void *h = R.host ? R.host : malloc(bytes ? bytes : 1);
        if (h) {
            fill(h, o.dtype, bytes / R.esz, w.rank, 0);
            rc = put(&R, R.sbuf, h, bytes, &e);
            if (!rc) rc = put(&R, R.rbuf, h, bytes, &e);
            if (h != R.host) free(h);
        }
        if (!rc) rc = mesh_barrier(&m, &e);
        if (!rc) rc = run_sizes(&R, &e);
        if (rc == 0 || rc == 1) {
            /* Nobody closes before everyone is done. */
            int wr = rc;
            rc = mesh_barrier(&m, &e);
            if (!rc) rc = wr ? -1000 : 0;
        }
    }
    if (R.sbuf) t->free(R.tp, R.sbuf);
    if (R.rbuf) t->free(R.tp, R.rbuf);
    free(R.host);
    t->close(R.tp);
    mesh_close(&m);
    if (rc == -1000) return dtbench_fail(DT_EXIT_FAIL, "%s: wrong results (see #wrong)", who);
    if (rc) return dtbench_fail(DT_EXIT_FAIL, "%s: %s", who, e.msg);
    return DT_EXIT_OK;
}

const struct dtsim_cmd dtbench_cmd_allreduce = {"allreduce", "all-reduce bandwidth in the nccl-tests layout "
                                                "(tcp, verbs, nccl)", cmd_allreduce};
