/* bench.h -- the pure parts of the dtbench harness: bandwidth formulas,
 * the nccl-tests output layout, unit parsing and rank discovery.
 *
 * Bandwidths, as nccl-tests defines them (doc/PERFORMANCE.md there):
 *
 *     algbw = S / t                  S bytes per rank buffer, t seconds
 *     busbw = algbw * 2 (n-1) / n    all-reduce, n ranks
 *
 * busbw is the rate each rank's link must sustain for a bandwidth-optimal
 * all-reduce (ring: 2(n-1) steps of S/n bytes), so it is comparable with
 * the line rate whatever n is. GB/s here is 1e9 bytes per second.
 *
 * Output layout (stdout, nccl-tests all_reduce_perf since 2.13):
 *
 *  #                                                              out-of-place                       in-place
 *  #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
 *  #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
 *       1048576        262144     float     sum      -1   1234.5    0.85    1.27      0   1230.1    0.85    1.28      0
 *  # Out of bounds values : 0 OK
 *  # Avg bus bandwidth    : 1.2745
 *
 * Times in microseconds with 2, 1 or 0 decimals (< 100, < 10000, else);
 * #wrong is N/A when results were not checked.
 *
 * Rank discovery (bench_world_from_env), first match wins:
 *     RANK, WORLD_SIZE                           torchrun, dtbench launch
 *     OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE  Open MPI mpirun
 *     PMI_RANK, PMI_SIZE                          MPICH / Intel MPI hydra
 *     SLURM_PROCID, SLURM_NTASKS                  srun
 *     nothing                                     one rank alone
 * MASTER_ADDR / MASTER_PORT name rank 0's rendezvous; MASTER_ADDR defaults
 * to 127.0.0.1 only when every rank is known to be on this host (launch,
 * OMPI_COMM_WORLD_LOCAL_SIZE == size, SLURM_NNODES == 1); port 29500.
 */
#ifndef DT_BENCH_H
#define DT_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define BENCH_DEFAULT_PORT 29500

/* One half (out-of-place or in-place) of a result row. */
struct bench_result {
    double time_us;     /* us per all-reduce, averaged over ranks */
    double algbw_GBps;  /* 1e9 B/s */
    double busbw_GBps;  /* 1e9 B/s */
    int64_t wrong;      /* wrong elements summed over ranks; -1 = not checked */
};

/* algbw in 1e9 B/s for `bytes` in `time_s`; 0 when time_s <= 0. */
double bench_algbw_GBps(uint64_t bytes, double time_s);
/* All-reduce bus-bandwidth factor 2(n-1)/n (0 for n <= 1). */
double bench_busbw_factor(int nranks);
/* Fill r from bytes, ranks and time. */
void bench_result_set(struct bench_result *r, uint64_t bytes, int nranks, double time_s, int64_t wrong);

/* nccl-tests type name of an enum coll_dtype: "float", "half". */
const char *bench_type_name(int dtype);

/* Each writes into buf (always NUL-terminated) and returns the length it
 * needed, like snprintf. Lines end with '\n'. */
size_t bench_fmt_header(char *buf, size_t n);
size_t bench_fmt_row(char *buf, size_t n, uint64_t bytes, uint64_t count, const char *type,
                     const char *redop, int root, const struct bench_result *oop,
                     const struct bench_result *ip);
size_t bench_fmt_footer(char *buf, size_t n, int64_t wrong_total, double avg_busbw_GBps);
/* CSV: one header line, then one line per size (same columns as the table
 * plus transport, algo and ranks so sim and real curves overlay). */
size_t bench_fmt_csv_header(char *buf, size_t n);
size_t bench_fmt_csv_row(char *buf, size_t n, const char *transport, const char *algo, int nranks,
                         uint64_t bytes, uint64_t count, const char *type, const char *redop,
                         int root, const struct bench_result *oop, const struct bench_result *ip);

/* Sizes as nccl-tests reads them: "8", "64K", "16M", "1G" (powers of 1024,
 * either case, decimals allowed: "1.5M"). */
int bench_parse_bytes(const char *s, uint64_t *bytes, dt_err *e);
/* Rates: "1Gbit", "100mbit", "10Gbps" (bits/s, SI) or "125MBps" (bytes/s,
 * capital B), a bare number = bits/s. Result in bytes per second. */
int bench_parse_rate(const char *s, double *bw_Bps, dt_err *e);
/* Durations: "100us", "1.5ms", "2s", "500ns"; a bare number = seconds. */
int bench_parse_time(const char *s, double *t_s, dt_err *e);
/* A rate in bits/s as tc reads it, the largest exact unit:
 * 125e6 B/s -> "1Gbit", 12.5e6 -> "100Mbit", 1000.125 -> "8001bit". */
size_t bench_fmt_rate_bit(char *buf, size_t n, double bw_Bps);

/* Where this rank is and how to meet the others. */
struct bench_world {
    int rank;                 /* 0..size-1 */
    int size;                 /* ranks >= 1 */
    char master_addr[256];    /* host or IPv4 of rank 0; "" when size == 1 */
    int master_port;          /* TCP port of rank 0's rendezvous */
    const char *source;       /* "torchrun/launch", "mpirun", "mpich", "srun", "single" */
};

/* Read the world from an environment lookup (getenv-like: NULL = unset). */
typedef const char *(*bench_getenv_fn)(const char *name, void *ctx);
int bench_world_from_env(struct bench_world *w, bench_getenv_fn get, void *ctx, dt_err *e);

#endif
