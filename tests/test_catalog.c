/* Catalog: known values from the shipped rows, lookups with suggestions,
 * a user's extra row, and bad rows refused with file:line. */
#include "catalog.h"
#include "commlib.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CU_ASSERT_REL(a, b) CU_ASSERT(fabs((a) - (b)) <= 1e-9 * fabs(b))

static struct catalog *shipped; /* the repository's configs/catalog */

static int setup(void)
{
    dt_err e = {0};
    unsetenv("DTSIM_CATALOG"); /* the repository's catalog, whatever the user's setting */
    if (catalog_load(&shipped, NULL, &e) != 0) {
        fprintf(stderr, "catalog: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int teardown(void)
{
    catalog_free(shipped);
    return 0;
}

/* ---- temporary catalog directories ---------------------------------------- */

static char *tmpdir_new(char *buf, size_t len)
{
    snprintf(buf, len, "%s/dtsim-catalog-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(buf);
}

static void tmpdir_free(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[4096];
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

static void put(const char *dir, const char *name, const char *text)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static const char *link_row = "[link L1]\nkind = intra\nsignalling = 100Gbps\nencoding = none\n"
                              "data_rate = 100Gbps\nlatency = 1us\nsource = test\n";
static const char *gpu_row = "[gpu G1]\nfp32 = 10TFLOPS\nmem_bw = 1TB/s\nmem_size = 8GiB\nlink = L1\nsource = test\n";

/* Load a temporary catalog, through $DTSIM_CATALOG, holding links.ini
 * (link_row) and gpus.ini (`gpus`); expect an
 * error whose message starts with "<dir>/gpus.ini:<line>: " and contains
 * `want`. */
static void expect_bad(const char *gpus, int line, const char *want)
{
    char dir[256], prefix[320];
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmpdir_new(dir, sizeof dir));
    put(dir, "links.ini", link_row);
    put(dir, "gpus.ini", gpus);
    struct catalog *c = NULL;
    dt_err e = {0};
    setenv("DTSIM_CATALOG", dir, 1); /* found the way a user points dtsim at it */
    CU_ASSERT_NOT_EQUAL(catalog_load(&c, NULL, &e), 0);
    unsetenv("DTSIM_CATALOG");
    CU_ASSERT_PTR_NULL(c);
    snprintf(prefix, sizeof prefix, "%s/gpus.ini:%d: ", dir, line);
    CU_ASSERT_NSTRING_EQUAL(e.msg, prefix, strlen(prefix));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, want));
    if (strncmp(e.msg, prefix, strlen(prefix)) != 0 || !strstr(e.msg, want))
        fprintf(stderr, "\n  got: %s\n  want: %s...%s\n", e.msg, prefix, want);
    catalog_free(c);
    tmpdir_free(dir);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_known_values(void)
{
    dt_err e = {0};
    const struct catalog_gpu *v = catalog_gpu(shipped, "V100-SXM2-16GB", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_REL(v->peak_flops[CATALOG_FP32], 15.7e12);
    CU_ASSERT_REL(v->peak_flops[CATALOG_FP16], 125e12);
    CU_ASSERT_EQUAL(v->peak_flops[CATALOG_TF32], 0); /* Volta: no tf32 */
    CU_ASSERT_REL(v->mem_bw_Bps, 900e9);
    CU_ASSERT_REL(v->mem_bytes, 16.0 * 1024 * 1024 * 1024);
    CU_ASSERT_STRING_EQUAL(v->link, "NVLink2");

    const struct catalog_gpu *h = catalog_gpu(shipped, "H100-SXM5", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_REL(h->peak_flops[CATALOG_INT8], 1979e12); /* "1979TOPS" */
    CU_ASSERT_REL(h->mem_bw_Bps, 3350e9);

    const struct catalog_gpu *p40 = catalog_gpu(shipped, "P40", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p40);
    CU_ASSERT_REL(p40->peak_flops[CATALOG_FP16], 0.18e12); /* 1:64 of fp32 */

    /* EDR: 100 Gb/s effective = 12.5e9 B/s; 4 x 25.78125 Gbaud */
    const struct catalog_link *edr = catalog_link(shipped, "IB-EDR", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(edr);
    CU_ASSERT_REL(edr->bw_Bps, 12.5e9);
    CU_ASSERT_REL(edr->signal_Bps, 103.125e9 / 8);
    CU_ASSERT_EQUAL(edr->kind, CATALOG_LINK_NIC);
    CU_ASSERT_EQUAL(edr->lanes, 4);
    CU_ASSERT_STRING_EQUAL(edr->encoding, "64b/66b");

    /* FDR: 54.5 Gb/s = 6.8125e9 B/s */
    const struct catalog_link *fdr = catalog_link(shipped, "IB-FDR", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fdr);
    CU_ASSERT_REL(fdr->bw_Bps, 6.8125e9);
    CU_ASSERT_REL(fdr->lat_s, 1e-6);

    /* PCIe 3 x16: 16 x 8 GT/s x 128/130 = 126.03 Gb/s = 15.754 GB/s */
    const struct catalog_link *pcie = catalog_link(shipped, "PCIe3-x16", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pcie);
    CU_ASSERT(fabs(pcie->bw_Bps - 16 * 8e9 * 128 / 130 / 8) < 1e-4 * pcie->bw_Bps);

    /* NVLink2: 6 links x 25 GB/s per direction */
    const struct catalog_link *nv2 = catalog_link(shipped, "NVLink2", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nv2);
    CU_ASSERT_REL(nv2->bw_Bps, 150e9);
    CU_ASSERT_EQUAL(nv2->links, 6);

    const struct catalog_storage *hdfs = catalog_storage(shipped, "hdfs", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hdfs);
    CU_ASSERT_EQUAL(hdfs->kind, CATALOG_STORAGE_SHARED);
    CU_ASSERT_REL(hdfs->cluster_files_per_s, 75000.0);
    CU_ASSERT_EQUAL(hdfs->cluster_bw_Bps, 0); /* no cap */
    const struct catalog_storage *nvme = catalog_storage(shipped, "local-nvme", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nvme);
    CU_ASSERT_REL(nvme->req_lat_s, 100e-6);

    const struct catalog_cpu *cpu = catalog_cpu(shipped, "Xeon-Gold-6148", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cpu);
    CU_ASSERT_EQUAL(cpu->cores, 20);
    CU_ASSERT_REL(cpu->clock_hz, 2.4e9);

    /* every shipped row names its source; every gpu has a memory */
    for (size_t i = 0; i < shipped->ngpus; i++) {
        CU_ASSERT(shipped->gpus[i].source[0] != '\0');
        CU_ASSERT(shipped->gpus[i].mem_bytes > 0);
    }
    for (size_t i = 0; i < shipped->nlinks; i++) CU_ASSERT(shipped->links[i].source[0] != '\0');
    CU_ASSERT_EQUAL(shipped->ngpus, 13);
    CU_ASSERT_EQUAL(shipped->nlinks, 20);
}

static void test_lookup(void)
{
    dt_err e = {0};
    CU_ASSERT_PTR_NULL(catalog_gpu(shipped, "V10O", &e));
    CU_ASSERT_EQUAL(e.code, DT_ENOENT);
    CU_ASSERT_STRING_EQUAL(e.msg, "unknown gpu 'V10O' (did you mean 'V100-SXM2-16GB'?)");
    CU_ASSERT_PTR_NULL(catalog_link(shipped, "EDR", &e));
    CU_ASSERT_STRING_EQUAL(e.msg, "unknown link 'EDR' (did you mean 'IB-EDR'?)");
    CU_ASSERT_PTR_NULL(catalog_link(shipped, "NVLink5", &e));
    CU_ASSERT_STRING_EQUAL(e.msg, "unknown link 'NVLink5' (did you mean 'NVLink1'?)");
    CU_ASSERT_PTR_NULL(catalog_storage(shipped, "nvme", &e));
    CU_ASSERT_STRING_EQUAL(e.msg, "unknown storage 'nvme' (did you mean 'local-nvme'?)");
    CU_ASSERT_PTR_NULL(catalog_cpu(shipped, "qqqqqqqq", &e));
    CU_ASSERT_STRING_EQUAL(e.msg, "unknown cpu 'qqqqqqqq' (known: Xeon-E5-2698-v4, Xeon-Gold-6148, EPYC-7742, "
                                  "Xeon-Platinum-8480C)");
    /* case-insensitive */
    const struct catalog_gpu *g = catalog_gpu(shipped, "a100-sxm4-80gb", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_STRING_EQUAL(g->name, "A100-SXM4-80GB");

    enum catalog_prec p;
    CU_ASSERT_EQUAL(catalog_prec_parse("FP32", &p, &e), 0);
    CU_ASSERT_EQUAL(p, CATALOG_FP32);
    CU_ASSERT_STRING_EQUAL(catalog_prec_name(CATALOG_BF16), "bf16");
    CU_ASSERT_EQUAL(catalog_prec_parse("fp33", &p, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "unknown precision 'fp33' (did you mean 'fp32'?)");

    /* the experiment resolver: catalog kinds checked, others passed on */
    CU_ASSERT_EQUAL(catalog_resolve(shipped, "gpu", "V100-SXM2-16GB", NULL, &e), 0);
    CU_ASSERT_EQUAL(catalog_resolve(shipped, "cpu", "none", NULL, &e), 0);
    CU_ASSERT_EQUAL(catalog_resolve(shipped, "model", "resnet50", NULL, &e), 0);
    CU_ASSERT_EQUAL(catalog_resolve(shipped, "link", "EDR", NULL, &e), DT_ENOENT);
    CU_ASSERT_STRING_EQUAL(e.msg, "unknown link 'EDR' (did you mean 'IB-EDR'?)");
}

/* A user adds a GPU by adding a row: a copy of the shipped catalog plus one
 * file with a new row, found through $DTSIM_CATALOG. */
static void test_extra_row(void)
{
    char dir[256], buf[4096];
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmpdir_new(dir, sizeof dir));
    static const char *const files[] = {"gpus.ini", "links.ini", "storage.ini", "cpus.ini"};
    for (int i = 0; i < 4; i++) {
        char src[4096];
        snprintf(src, sizeof src, "%s/%s", shipped->dir, files[i]);
        FILE *f = fopen(src, "r");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        char *all = NULL;
        size_t len = 0;
        while (n > 0) {
            all = realloc(all, len + n + 1);
            memcpy(all + len, buf, n);
            len += n;
            n = fread(buf, 1, sizeof buf - 1, f);
        }
        fclose(f);
        all[len] = '\0';
        put(dir, files[i], all);
        free(all);
    }
    put(dir, "zz-mine.ini",
        "# my lab's GPU\n[gpu X1000]\nbf16 = 2PFLOPS\nfp32 = 80TFLOPS\nmem_bw = 8TB/s\nmem_size = 192GiB\n"
        "link = NVLink4\nsource = my measurements\n");

    char got[4096];
    dt_err e = {0};
    setenv("DTSIM_CATALOG", dir, 1);
    CU_ASSERT_EQUAL(catalog_dir(got, sizeof got, NULL, &e), 0);
    CU_ASSERT_STRING_EQUAL(got, dir);
    CU_ASSERT_EQUAL(catalog_dir(got, sizeof got, "elsewhere", &e), 0); /* --catalog beats the variable */
    CU_ASSERT_STRING_EQUAL(got, "elsewhere");
    struct catalog *c = NULL;
    CU_ASSERT_EQUAL(catalog_load(&c, NULL, &e), 0);
    unsetenv("DTSIM_CATALOG");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->ngpus, shipped->ngpus + 1);
    const struct catalog_gpu *x = catalog_gpu(c, "X1000", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_EQUAL(x, &c->gpus[c->ngpus - 1]); /* files in name order, rows in file order */
    CU_ASSERT_REL(x->peak_flops[CATALOG_BF16], 2e15);
    CU_ASSERT_REL(x->mem_bytes, 192.0 * 1024 * 1024 * 1024);
    CU_ASSERT_EQUAL(x->at.line, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(x->at.file, "zz-mine.ini"));
    catalog_free(c);

    /* the same name again in another file is refused */
    put(dir, "zz-twice.ini", "[gpu x1000]\nfp32 = 1TFLOPS\nmem_bw = 1TB/s\nmem_size = 1GiB\nsource = t\n");
    CU_ASSERT_NOT_EQUAL(catalog_load(&c, dir, &e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "zz-twice.ini:2: [gpu x1000] defined twice (first at "));
    tmpdir_free(dir);
}

static void test_bad_rows(void)
{
    /* unit-less bandwidth: file:line of the key */
    expect_bad("[gpu G1]\nfp32 = 10TFLOPS\nmem_bw = 900\nmem_size = 8GiB\nsource = t\n", 3,
               "[gpu G1] mem_bw: '900' needs a unit");
    /* misspelt key, with a suggestion */
    expect_bad("[gpu G1]\nfp32 = 10TFLOPS\nmem_bww = 900GB/s\nmem_size = 8GiB\nsource = t\n", 3, "'mem_bw'");
    /* required key missing: the row's first line */
    expect_bad("[gpu G1]\nfp32 = 10TFLOPS\nmem_bw = 900GB/s\nmem_size = 8GiB\n", 2,
               "[gpu G1] source: missing required key");
    /* no rate at all */
    expect_bad("[gpu G1]\nmem_bw = 900GB/s\nmem_size = 8GiB\nsource = t\n", 2, "no peak rate");
    /* out of range: MB/s written for GB/s */
    expect_bad("[gpu G1]\nfp32 = 10TFLOPS\nmem_bw = 900MB/s\nmem_size = 8GiB\nsource = t\n", 3, "mem_bw");
    /* a link that is not in the catalog */
    expect_bad("[gpu G1]\nfp32 = 10TFLOPS\nmem_bw = 900GB/s\nmem_size = 8GiB\nlink = L2\nsource = t\n", 5,
               "unknown link 'L2' (did you mean 'L1'?)");
    /* int8 without a unit */
    expect_bad("[gpu G1]\nint8 = 600\nmem_bw = 900GB/s\nmem_size = 8GiB\nsource = t\n", 2, "needs a unit");
    /* a row split in two blocks */
    expect_bad("[gpu G1]\nfp32 = 10TFLOPS\n[gpu G2]\nfp32 = 1TFLOPS\n[gpu G1]\nsource = t\n", 6, "appears twice");
    /* unknown section type */
    expect_bad("[gpus G1]\nfp32 = 10TFLOPS\n", 1, "unknown section [gpus G1] (did you mean [gpu]?)");
    /* a section without a name */
    expect_bad("[gpu]\nfp32 = 10TFLOPS\n", 2, "needs a name");
}

static void test_bad_links(void)
{
    char dir[256];
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmpdir_new(dir, sizeof dir));
    put(dir, "links.ini",
        "[link L1]\nkind = nic\nsignalling = 56.25Gbps\nencoding = 64b/66b\ndata_rate = 56Gbps\nlatency = 1us\n"
        "source = t\n");
    struct catalog *c = NULL;
    dt_err e = {0};
    CU_ASSERT_NOT_EQUAL(catalog_load(&c, dir, &e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "links.ini:5: [link L1] data_rate: data rate 7 GB/s disagrees with "
                                         "signalling x 64b/66b = "));
    put(dir, "links.ini",
        "[link L1]\nkind = nix\nsignalling = 56.25Gbps\nencoding = 64b/66b\ndata_rate = 54.5Gbps\nlatency = 1us\n"
        "source = t\n");
    CU_ASSERT_NOT_EQUAL(catalog_load(&c, dir, &e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "links.ini:2: [link L1] kind: "));
    put(dir, "links.ini", "[storage S]\nkind = node\nfiles_per_s = 10\nbw = 1GB/s\ncluster_bw = 1GB/s\n"
                          "request_lat = 1ms\nsource = t\n");
    CU_ASSERT_NOT_EQUAL(catalog_load(&c, dir, &e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "links.ini:5: [storage S] cluster_bw: a cluster-wide cap needs kind = shared"));
    put(dir, "links.ini", link_row);
    CU_ASSERT_EQUAL(catalog_load(&c, dir, &e), 0); /* links only: a valid catalog */
    CU_ASSERT_EQUAL(c->nlinks, 1);
    catalog_free(c);
    put(dir, "gpus.ini", gpu_row);
    CU_ASSERT_EQUAL(catalog_load(&c, dir, &e), 0);
    CU_ASSERT_EQUAL(c->ngpus, 1);
    CU_ASSERT_STRING_EQUAL(c->gpus[0].arch, ""); /* optional, absent */
    CU_ASSERT_EQUAL(c->gpus[0].tdp_w, 0);
    catalog_free(c);
    tmpdir_free(dir);

    CU_ASSERT_PTR_NOT_NULL_FATAL(tmpdir_new(dir, sizeof dir));
    CU_ASSERT_EQUAL(catalog_load(&c, dir, &e), DT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "has no *.ini files"));
    tmpdir_free(dir);
    CU_ASSERT_EQUAL(catalog_load(&c, dir, &e), DT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot open catalog directory"));
}

/* [commlib] rows: the shipped values as their sources give them, a layered
 * row merged with its base, lookups, and bad rows. */
static const char *lib_row = "[commlib B]\nlibrary = NCCL\nversion = 1\nyear = 2019\ncall = 8us\nstep_intra = 5us\n"
                             "step_inter = 6us\nbw_share = 0.9\nsource = t\n";

static void test_commlibs(void)
{
    dt_err e = {0};
    const struct commlib *n = catalog_commlib(shipped, "nccl-2.5", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_REL(n->call_s, 8.4e-6);       /* tuning.cc baseLat, ring Simple */
    CU_ASSERT_REL(n->step_inter_s, 6.6e-6); /* hwLat NET ring Simple */
    CU_ASSERT_REL(n->step_intra_s, 5.7e-6); /* hwLat NVLink/PCI ring Simple */
    CU_ASSERT_REL(n->small_step_inter_s, 0.9e-6);
    CU_ASSERT_REL(n->small_bytes, 32768.0);
    CU_ASSERT_REL(n->small_bw_share, 0.25);
    CU_ASSERT_REL(n->bw_share, 0.96);
    CU_ASSERT_EQUAL(n->year, 2019);
    const struct commlib *h = catalog_commlib(shipped, "horovod-0.13-nccl", &e), *b = catalog_commlib(shipped, "nccl-2018", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_STRING_EQUAL(h->library, "Horovod");
    CU_ASSERT_STRING_EQUAL(h->on, "nccl-2018");
    CU_ASSERT_REL(h->call_s, b->call_s + 100e-6);
    CU_ASSERT_REL(h->step_inter_s, b->step_inter_s);
    CU_ASSERT_REL(h->small_bytes, b->small_bytes);
    CU_ASSERT_REL(h->bw_share, b->bw_share);
    CU_ASSERT_PTR_NOT_NULL(catalog_commlib(shipped, "nccl-current", &e));
    CU_ASSERT_PTR_NOT_NULL(catalog_commlib(shipped, "dtbench-tcp", &e));
    for (size_t i = 0; i < shipped->ncommlibs; i++) CU_ASSERT_EQUAL(commlib_check(&shipped->commlibs[i], &e), 0);
    CU_ASSERT_PTR_NULL(catalog_commlib(shipped, "nccl-25", &e));
    CU_ASSERT_STRING_EQUAL(e.msg, "unknown commlib 'nccl-25' (did you mean 'nccl-2.5'?)");
    CU_ASSERT_EQUAL(catalog_resolve(shipped, "commlib", "none", NULL, &e), 0); /* the ideal library */
    CU_ASSERT_NOT_EQUAL(catalog_resolve(shipped, "commlib", "nccl-25", NULL, &e), 0);

    char buf[1024];
    /* a layered row may set call only */
    snprintf(buf, sizeof buf, "%s[commlib H]\nlibrary = Horovod\nversion = 1\nyear = 2018\non = B\nstep_inter = 1us\nsource = t\n",
             lib_row);
    expect_bad(buf, 15, "a layered row (on = B) takes its per-step values from [commlib B]; only call may be set");
    /* its base must exist (with a suggestion) and not be layered itself */
    snprintf(buf, sizeof buf, "%s[commlib H]\nlibrary = Horovod\nversion = 1\nyear = 2018\non = b2\nsource = t\n", lib_row);
    expect_bad(buf, 11, "[commlib H] on: unknown commlib 'b2' (did you mean 'B'?)");
    snprintf(buf, sizeof buf,
             "%s[commlib H]\nlibrary = Horovod\nversion = 1\nyear = 2018\non = B\nsource = t\n"
             "[commlib H2]\nlibrary = Horovod\nversion = 1\nyear = 2018\non = H\nsource = t\n", lib_row);
    expect_bad(buf, 17, "[commlib H2] on: 'H' is itself layered (on = B); name the base library");
    /* a base row needs its per-step values */
    expect_bad("[commlib X]\nlibrary = L\nversion = 1\nyear = 2019\nstep_intra = 1us\nbw_share = 1\nsource = t\n", 2,
               "[commlib X] step_inter: missing required key");
    /* a share is a fraction; a small protocol needs its latencies and its threshold */
    snprintf(buf, sizeof buf, "%s", lib_row);
    strstr(buf, "0.9")[0] = '2';
    expect_bad(buf, 8, "[commlib B] bw_share: 2.9 is out of range");
    snprintf(buf, sizeof buf, "%ssmall_bytes = 64KiB\nsmall_step_inter = 1us\n", lib_row);
    expect_bad(buf, 10, "a small-message protocol needs small_step_intra");
    snprintf(buf, sizeof buf, "%ssmall_step_inter = 1us\n", lib_row);
    expect_bad(buf, 10, "small_step_inter without small_bytes");
    snprintf(buf, sizeof buf, "%schunk_lat = 1us\n", lib_row);
    expect_bad(buf, 10, "chunk_lat needs chunk_bytes");
    /* "none" is the ideal library, not a row */
    expect_bad("[commlib none]\nlibrary = L\nversion = 1\nyear = 2019\nstep_intra = 1us\nstep_inter = 1us\n"
               "bw_share = 1\nsource = t\n", 2, "[commlib none] is reserved for the ideal library");
}

#define ROW(extra)                                                                                                   \
    "[stack s]\nframework = F\nversion = 1\nyear = 2017\ndispatch_fwd = 10us\ndispatch_bwd = 10us\n"                 \
    "dispatch_opt = 10us\nsync = step\noverlap = yes\nsource = test\n" extra

/* Stack rows (models/stack.h) refused with file:line. */
static void test_bad_stacks(void)
{
    expect_bad(ROW("queue = -1\nkernel_eff = Volta:1\n"), 11, "queue: '-1' is negative");
    expect_bad(ROW("queue = 4\nkernel_eff = Volta:0\n"), 12, "kernel speed factors");
    expect_bad(ROW("queue = 4\nkernel_eff = \n"), 12, "");
    expect_bad(ROW("queue = 4\nkernel_eff = Volta:1\nkernels = conv:1/2, bnn:1/1\n"), 13,
               "unknown layer kind 'bnn' (did you mean 'bn'?)");
    expect_bad(ROW("queue = 4\nkernel_eff = Volta:1\noptimizer = cpu\n"), 2, "needs the host memory bandwidth");
    expect_bad(ROW("queue = 4\nkernel_eff = Volta:1\nsync = sometimes\n"), 13, "sync");
    expect_bad(ROW("queue = 4\nkernel_eff = Volta:1\ndispatch_fwd = -3us\n"), 13, "dispatch_fwd");
    expect_bad(ROW("queue = 4\nkernel_eff = Volta:1\nqueu = 3\n"), 13, "did you mean 'queue'");
    expect_bad(ROW("queue = 4\nkernel_eff = Volta:1\n") "[stack S]\nframework = F\nversion = 1\nyear = 2017\n"
               "dispatch_fwd = 10us\ndispatch_bwd = 10us\ndispatch_opt = 10us\nsync = step\noverlap = yes\nsource = t\n"
               "queue = 4\nkernel_eff = Volta:1\n", 14, "defined twice");
}

int test_catalog_register(void)
{
    CU_pSuite s = CU_add_suite("catalog", setup, teardown);
    if (!s) return -1;
    if (!CU_add_test(s, "known values", test_known_values) || !CU_add_test(s, "lookup", test_lookup) ||
        !CU_add_test(s, "extra row", test_extra_row) || !CU_add_test(s, "bad rows", test_bad_rows) ||
        !CU_add_test(s, "bad links and dirs", test_bad_links) || !CU_add_test(s, "commlibs", test_commlibs) ||
        !CU_add_test(s, "bad stacks", test_bad_stacks))
        return -1;
    return 0;
}
