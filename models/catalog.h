/* catalog.h -- the hardware catalog: GPUs, links, storage classes, CPUs as
 * rows in INI files, looked up by name.
 *
 * Data, not code branches (DESIGN.md idea 3): every number the simulator
 * uses about hardware is a row under configs/catalog/, with its source. A
 * user adds a GPU by adding a row; nothing is recompiled.
 *
 *   configs/catalog/gpus.ini      [gpu V100-SXM2-16GB]    fp32 = 15.7TFLOPS ...
 *   configs/catalog/links.ini     [link IB-EDR]           data_rate = 100Gbps ...
 *   configs/catalog/storage.ini   [storage local-nvme]    files_per_s = 50000 ...
 *   configs/catalog/cpus.ini      [cpu Xeon-Gold-6148]    cores = 20 ...
 *   configs/catalog/compute.ini   [compute Volta]         eff_fp16 = ... (generated
 *                                 by `dtsim calibrate-compute`; see models/compute.h)
 *   configs/catalog/stacks.ini    [stack caffe2-2017]     dispatch_fwd = ... (generated
 *                                 by `dtsim calibrate-compute`; see models/stack.h)
 *   configs/catalog/commlibs.ini  [commlib nccl-2.4]      step_inter = 6us ... (collective
 *                                 libraries' software costs: models/commlib.h)
 *   configs/catalog/prices.ini    [price H100-SXM5]       gpu_hour = 12.29 ...
 *                                 (USD; gpu rows: per GPU-hour and per node-hour
 *                                 of the host; link rows: per NIC-port-hour)
 *
 * Loading (catalog_load): every *.ini file directly in the directory, in
 * byte order of file name; rows keep file order. The section type (the first
 * word of `[gpu NAME]`) picks the table, so a row may live in any file.
 * Every row is checked against its schema (docs/catalog.md lists the keys):
 * typed units, ranges, required keys, unknown keys with a suggestion.
 * Errors name file:line:
 *
 *   links.ini:12: [link IB-EDR] data_rate: '100' needs a unit, e.g. 100Gbps
 *
 * and, across rows: a name defined twice (case-insensitively), a GPU whose
 * `link` names no link row, a link whose data_rate disagrees by more than
 * 0.5% with signalling x N/M for an `Nb/Mb` encoding.
 *
 * Which directory (catalog_dir): an explicit one (--catalog), else
 * $DTSIM_CATALOG, else the first ancestor of the running executable's
 * directory (/proc/self/exe) that holds configs/catalog -- so bin/dtsim and
 * out/asan/dtsim both find the repository's catalog from any working
 * directory.
 *
 * Numbers are SI base units (flop/s, bytes/s, bytes, seconds), converted
 * once at load; names carry the unit. A rate that a row omits is 0 and means
 * "not supported" (peak_flops) or "no cap" (cluster caps).
 */
#ifndef DT_CATALOG_H
#define DT_CATALOG_H

#include "config.h"
#include "err.h"
#include "stack.h"

#include <stddef.h>

struct commlib; /* models/commlib.h */

/* Precisions with a peak-rate key in a [gpu] row; the key is the name. */
#define CATALOG_PREC_MAP(X) \
    X(FP64, "fp64")         \
    X(FP32, "fp32")         \
    X(TF32, "tf32")         \
    X(FP16, "fp16")         \
    X(BF16, "bf16")         \
    X(FP8, "fp8")           \
    X(INT8, "int8")

enum catalog_prec {
#define CATALOG_PREC_ENUM_(id, name) CATALOG_##id,
    CATALOG_PREC_MAP(CATALOG_PREC_ENUM_)
#undef CATALOG_PREC_ENUM_
    CATALOG_NPREC
};

/* Where a row came from, for messages. */
struct catalog_origin {
    const char *file;  /* path as opened */
    int line;          /* line of the [type NAME] header */
};

struct catalog_gpu {
    const char *name;                      /* "V100-SXM2-16GB" */
    const char *arch;                      /* "Volta"; "" if not given */
    const char *form;                      /* "SXM2", "PCIe"; "" if not given */
    double peak_flops[CATALOG_NPREC];      /* flop/s (int8: op/s), dense; 0 = not supported */
    double mem_bw_Bps;                     /* bytes/s, device memory */
    double mem_bytes;                      /* bytes, device memory */
    double tdp_w;                          /* watts; 0 = not given */
    double jpeg_decode_per_s;              /* images/s of the hardware JPEG decoder (NVJPG); 0 = no figure */
    const char *link;                      /* GPU-GPU link row name; "" = none */
    const char *source;                    /* data sheet / paper */
    struct catalog_origin at;
};

enum catalog_link_kind { CATALOG_LINK_INTRA, CATALOG_LINK_NIC, CATALOG_LINK_TORUS };

struct catalog_link {
    const char *name;                      /* "IB-EDR" */
    enum catalog_link_kind kind;           /* intra | nic | torus */
    int lanes;                             /* serial lanes per direction; 0 = not given */
    int links;                             /* links per GPU (NVLink, ICI); 1 otherwise */
    double signal_Bps;                     /* bytes/s, raw line rate per direction */
    double bw_Bps;                         /* bytes/s, effective data rate per direction */
    double lat_s;                          /* seconds, small message end to end, one way */
    const char *encoding;                  /* "64b/66b", "unpublished" */
    const char *source;
    struct catalog_origin at;
};

enum catalog_storage_kind { CATALOG_STORAGE_NODE, CATALOG_STORAGE_SHARED };

/* Compute-model parameters of one GPU architecture (models/compute.h),
 * fitted by `dtsim calibrate-compute` on single-GPU figures. */
struct catalog_compute {
    const char *name;                      /* architecture: "Volta" (a gpu row's arch) */
    double eff_max[2];                     /* fraction of peak, fp32 and fp16 matrix kernels */
    double ramp_s;                         /* seconds, kernel fill/drain */
    double mem_eff;                        /* fraction of memory bandwidth on counted bytes */
    double bwd_eff;                        /* backward/forward matrix efficiency */
    double launch_s;                       /* seconds per kernel */
    const char *fitted;                    /* parameters fitted on this arch's own points */
    const char *from;                      /* arch the others come from */
    const char *source;
    struct catalog_origin at;
};

struct catalog_storage {
    const char *name;                      /* "local-nvme" */
    enum catalog_storage_kind kind;        /* node-local or shared by the cluster */
    double files_per_s;                    /* files/s per node */
    double bw_Bps;                         /* bytes/s per node */
    double cluster_files_per_s;            /* files/s, whole cluster; 0 = no cap */
    double cluster_bw_Bps;                 /* bytes/s, whole cluster; 0 = no cap */
    double req_lat_s;                      /* seconds per request (first byte) */
    const char *source;
    struct catalog_origin at;
};

struct catalog_cpu {
    const char *name;                      /* "Xeon-Gold-6148" */
    int cores;                             /* physical cores per socket */
    double clock_hz;                       /* Hz, base clock */
    double jpeg_per_s_per_core;            /* images/s per core, decode + crop */
    const char *source;
    struct catalog_origin at;
};

/* What an hour of hardware costs (dtsim sweep, dtsim plan), USD. A row is
 * named after a gpu row or a link row. Cost of a run of t seconds on n
 * nodes of g GPUs with k NICs each:
 *   t/3600 x (n g gpu_hour[gpu] + n node_hour[gpu] + n k nic_hour[nic]) */
struct catalog_price {
    const char *name;                      /* a gpu or link row's name */
    double gpu_hour;                       /* USD per GPU per hour; 0 = not given */
    double node_hour;                      /* USD per node (host) per hour; 0 = not given */
    double nic_hour;                       /* USD per NIC port per hour; 0 = not given */
    const char *source;
    struct catalog_origin at;
};

/* A loaded catalog. Read-only for users; iterate the arrays to list. */
struct catalog {
    const char *dir;                       /* directory it was loaded from */
    struct catalog_gpu *gpus;
    size_t ngpus;
    struct catalog_link *links;
    size_t nlinks;
    struct catalog_storage *storage;
    size_t nstorage;
    struct catalog_cpu *cpus;
    size_t ncpus;
    struct catalog_compute *compute;
    size_t ncompute;
    struct catalog_price *prices;
    size_t nprices;
    struct stack *stacks;                  /* training stacks (models/stack.h) */
    size_t nstacks;
    struct commlib *commlibs;              /* models/commlib.h; layered rows merged with their base */
    size_t ncommlibs;
    void *priv__;                          /* owned strings, configs */
};

/* The catalog directory: `explicit_dir` when non-NULL and non-empty, else
 * $DTSIM_CATALOG when set and non-empty, else the first ancestor of the
 * executable's directory holding configs/catalog. Writes it into buf.
 * Returns 0, or DT_ENOENT ("cannot find the catalog ...; set DTSIM_CATALOG
 * or pass --catalog"), or DT_ERANGE when buf is too small. */
/* A configuration directory: explicit_dir when given, else $env, else
 * `sub` (e.g. "configs/catalog") in the first directory above the running
 * executable that has it. `what` names it in the too-long error, `hint`
 * ends the not-found error (" or pass --catalog"). */
int dt_config_dir(const char *explicit_dir, const char *env, const char *sub, const char *what, const char *hint,
                  char *buf, size_t len, dt_err *e);
int catalog_dir(char *buf, size_t len, const char *explicit_dir, dt_err *e);

/* Load and check every *.ini in `dir` (NULL: catalog_dir(NULL)). On success
 * *out owns everything; free it with catalog_free. On failure *out is NULL
 * and e says file:line. An empty directory is an error (no rows). */
int catalog_load(struct catalog **out, const char *dir, dt_err *e);

void catalog_free(struct catalog *c);

/* Look a row up by name (case-insensitive). NULL with DT_ENOENT in e when
 * absent: "unknown gpu 'V10O' (did you mean 'V100-SXM2-16GB'?)", or, with
 * no near name, "unknown gpu 'X' (known: P100-SXM2, ...)". */
const struct catalog_gpu *catalog_gpu(const struct catalog *c, const char *name, dt_err *e);
const struct catalog_link *catalog_link(const struct catalog *c, const char *name, dt_err *e);
const struct catalog_storage *catalog_storage(const struct catalog *c, const char *name, dt_err *e);
const struct catalog_cpu *catalog_cpu(const struct catalog *c, const char *name, dt_err *e);
/* A collective library (models/commlib.h), layered rows already merged
 * with their base. "none" is not a row: callers map it to NULL (ideal). */
const struct commlib *catalog_commlib(const struct catalog *c, const char *name, dt_err *e);
/* By architecture name; unknown: "no [compute X] row (run 'dtsim calibrate-compute'...)". */
const struct catalog_compute *catalog_compute(const struct catalog *c, const char *arch, dt_err *e);

/* A training stack by name (case-insensitive); `none` is the ideal stack
 * (stack_ideal). Unknown: did-you-mean, like every other row. */
const struct stack *catalog_stack(const struct catalog *c, const char *name, dt_err *e);

/* Read a [stack NAME] section of any config with the catalog's stack keys
 * and defaults (calibrate-compute reads its fit plans with it). Strings
 * point into c. Keys outside the stack schema are not checked here. */
int catalog_read_stack(const config *c, const char *section, struct stack *out, dt_err *e);

/* The price row named `name` (case-insensitive), or NULL. */
const struct catalog_price *catalog_price(const struct catalog *c, const char *name);

/* Replace the catalog's price rows by those of the file at `path`, which
 * must hold [price NAME] rows only (names checked against c). On error the
 * catalog has no price rows. */
int catalog_prices_load(struct catalog *c, const char *path, dt_err *e);

/* The row schema (section types gpu, link, storage, cpu) for config_check
 * and for documentation. `def` is NULL for a required key, "" for an
 * optional key without a default (absent = 0 / ""). */
extern const struct config_key catalog_schema[];
extern const size_t catalog_schema_len;

/* Name resolver for experiment_load_ex (experiment.h), ctx = the catalog:
 * checks kinds "gpu", "link", "storage", "cpu", "stack" and "commlib" ("none"
 * is a valid cpu, stack and commlib),
 * returns 0 for any other kind (chain a resolver for models, algorithms).
 * Errors are prefixed with `where`'s file:line when given. */
int catalog_resolve(void *ctx, const char *kind, const char *name, const struct config_entry *where, dt_err *e);

/* "fp32" for CATALOG_FP32; NULL out of range. */
const char *catalog_prec_name(enum catalog_prec p);

/* Parse "fp32" (case-insensitive) into *out. DT_EINVAL with a suggestion
 * ("unknown precision 'fp23' (did you mean 'fp32'?)") otherwise. */
int catalog_prec_parse(const char *name, enum catalog_prec *out, dt_err *e);

/* "intra", "nic", "torus"; "node", "shared". */
const char *catalog_link_kind_name(enum catalog_link_kind k);
const char *catalog_storage_kind_name(enum catalog_storage_kind k);

#endif
