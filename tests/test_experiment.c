/* experiment.h: the typed struct, defaults, relations between keys, the
 * resolver hook and the batch schedule. */
#include "experiment.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#define BASE "[cluster]\ngpu = V100-SXM2-16GB\nnodes = 544\ngpus_per_node = 4\n" \
             "[model]\nname = resnet50\n[training]\nbatch = 0:34816, 30:69632\n"

static int from(struct experiment *x, const char *text, experiment_resolve_fn r, dt_err *e)
{
    config *c = NULL;
    int rc = config_load_string(&c, "x.ini", text, e);
    if (rc < 0) return rc;
    return experiment_from_config(x, c, r, NULL, e);
}

static void test_defaults(void)
{
    struct experiment x;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL_FATAL(from(&x, BASE, NULL, &e), 0);
    CU_ASSERT_STRING_EQUAL(x.cluster.gpu, "V100-SXM2-16GB");
    CU_ASSERT_EQUAL(x.cluster.nodes, 544);
    CU_ASSERT_EQUAL(experiment_gpus(&x), 2176);
    CU_ASSERT_STRING_EQUAL(x.cluster.intra_link, "PCIe3-x16");
    CU_ASSERT_STRING_EQUAL(x.cluster.nic, "100GbE");
    CU_ASSERT_EQUAL(x.cluster.nic_bw_Bps, 0);
    CU_ASSERT_EQUAL(x.cluster.nics_per_node, 1);
    CU_ASSERT_EQUAL(x.cluster.topology, EXP_TOPO_SINGLE_SWITCH);
    CU_ASSERT_EQUAL(x.cluster.nodes_per_leaf, 544); /* 0 = all */
    CU_ASSERT_EQUAL(x.cluster.oversubscription, 1);
    CU_ASSERT_STRING_EQUAL(x.cluster.cpu, "none");
    CU_ASSERT_EQUAL(x.model.precision, EXP_FP32);
    CU_ASSERT_EQUAL(x.model.grad_precision, EXP_FP32);
    CU_ASSERT_EQUAL(x.training.dataset_images, 1281167);
    CU_ASSERT_EQUAL(x.training.epochs, 90);
    CU_ASSERT_EQUAL(x.training.nbatch, 2);
    CU_ASSERT_EQUAL(x.training.batch[1].epoch, 30);
    CU_ASSERT_EQUAL(x.training.batch[1].global_batch, 69632);
    CU_ASSERT_EQUAL(experiment_batch_at(&x, 0), 34816);
    CU_ASSERT_EQUAL(experiment_batch_at(&x, 29.9), 34816);
    CU_ASSERT_EQUAL(experiment_batch_at(&x, 30), 69632);
    CU_ASSERT_STRING_EQUAL(x.allreduce.algorithm, "ring");
    CU_ASSERT_EQUAL(x.allreduce.grid_x, 0);
    CU_ASSERT_EQUAL(x.allreduce.bucket_bytes, 25e6);
    CU_ASSERT_EQUAL(x.allreduce.chunks, 1);
    CU_ASSERT_EQUAL(x.input.enabled, 1);
    CU_ASSERT_EQUAL(x.input.decode_per_core, 150);
    CU_ASSERT_EQUAL(x.input.file_bytes, 110e3);
    CU_ASSERT_EQUAL(x.training.startup_s, 0);
    experiment_free(&x);
    CU_ASSERT_PTR_NULL(x.cfg);
}

static void test_values(void)
{
    struct experiment x;
    dt_err e = {0, ""};
    int rc = from(&x, BASE "[cluster]\nnic = IB-EDR\nnic_bw = 56Gbps\nnics_per_node = 2\ntopology = torus\n"
                           "nodes_per_leaf = 34\noversubscription = 3\n"
                           "[model]\nprecision = amp\n[training]\nstartup = 1.5min\nepochs = 90\n"
                           "[allreduce]\nalgorithm = 2d-torus\ngrid = 32x68\nbucket = 64MiB\n"
                           "[input]\nenabled = no\nfile_size = 0.11MB\n",
                  NULL, &e);
    if (rc) fprintf(stderr, "\n%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(x.cluster.nic_bw_Bps, 7e9);
    CU_ASSERT_EQUAL(x.cluster.nics_per_node, 2);
    CU_ASSERT_EQUAL(x.cluster.topology, EXP_TOPO_TORUS);
    CU_ASSERT_EQUAL(x.cluster.nodes_per_leaf, 34);
    CU_ASSERT_EQUAL(x.cluster.oversubscription, 3);
    CU_ASSERT_EQUAL(x.model.precision, EXP_AMP);
    CU_ASSERT_EQUAL(x.model.grad_precision, EXP_FP16); /* auto with amp */
    CU_ASSERT_EQUAL(x.training.startup_s, 90);
    CU_ASSERT_EQUAL(x.allreduce.grid_x, 32);
    CU_ASSERT_EQUAL(x.allreduce.grid_y, 68);
    CU_ASSERT_EQUAL(x.allreduce.bucket_bytes, 67108864.0);
    CU_ASSERT_EQUAL(x.input.enabled, 0);
    CU_ASSERT_EQUAL(x.input.file_bytes, 110e3);
    experiment_free(&x);
}

static void fails(const char *text, const char *want)
{
    struct experiment x;
    dt_err e = {0, ""};
    CU_ASSERT(from(&x, text, NULL, &e) < 0);
    CU_ASSERT_PTR_NULL(x.cfg);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, want));
    if (!strstr(e.msg, want)) fprintf(stderr, "\ngot '%s', want '%s'\n", e.msg, want);
}

static void test_refused(void)
{
    fails(BASE "[allreduce]\ngrid = 32x64\n",
          "x.ini:10: [allreduce] grid: grid 32x64 has 2048 ranks but the cluster has 2176 GPUs (544 nodes x 4 per node)");
    fails(BASE "[allreduce]\ngrid = 32by68\n", "bad grid '32by68'");
    fails(BASE "[allreduce]\ngrid = -32x68\n", "bad grid");
    fails(BASE "[cluster]\nnics_per_node = 5\n", "x.ini:10: [cluster] nics_per_node: 5 NICs per node but only 4 GPUs");
    fails(BASE "[training]\nbatch = 0:34800\n", "x.ini:10: [training] batch: global batch 34800 is not divisible by the 2176 GPUs");
    fails(BASE "[training]\nbatch = 10:34816\n", "the first batch phase must start at epoch 0, not 10");
    fails(BASE "[training]\nbatch = 0:34816, 30:69632, 20:2176\n", "batch phase epochs must increase (30 then 20)");
    fails(BASE "[training]\nbatch = 0:34816, 90:69632\n", "phase at epoch 90 starts after the last epoch");
    fails(BASE "[training]\nbatch = 0:34816,\n", "trailing comma");
    fails(BASE "[training]\nbatch = 0:-5\n", "bad batch phase");
    fails(BASE "[training]\nbatch = 0:0\n", "batch must be at least 1");
    fails(BASE "[training]\nbatch = 0:99999999999999999999999\n", "out of range");
    fails(BASE "[training]\nwarmup_epochs = 100\n", "warm-up of 100 epochs is longer than training (90 epochs)");
    fails(BASE "[cluster]\nnic_bw = 0Gbps\n", "x.ini:10: [cluster] nic_bw: 0Gbps (0 B/s) is out of range (1 kB/s to 10 TB/s)");
    fails(BASE "[cluster]\ntopology = fat_tree\n", "did you mean 'fat-tree'?");
    fails(BASE "[cluster]\nnodes = 0\n", "0 is out of range (1 to 1048576)");
    fails(BASE "[model]\nprecision = bf61\n", "unknown precision 'bf61' (did you mean 'bf16'?); one of: fp32, fp16, amp, bf16");
    fails("[cluster]\nnodes = 2\ngpus_per_node = 4\n[model]\nname = r\n[training]\nbatch = 8\n",
          "x.ini: [cluster] gpu: missing required key");
}

/* A resolver that knows one GPU, as the catalog will. */
static int resolve(void *ctx, const char *kind, const char *name, const struct config_entry *where, dt_err *e)
{
    (void)ctx;
    if (strcmp(kind, "gpu") == 0 && strcmp(name, "V100-SXM2-16GB") != 0)
        return config_errf(e, DT_ENOENT, where, "unknown gpu '%s' (did you mean 'V100-SXM2-16GB'?)", name);
    return 0;
}

static void test_resolve(void)
{
    struct experiment x;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL(from(&x, BASE, resolve, &e), 0);
    experiment_free(&x);
    CU_ASSERT_EQUAL(from(&x, BASE "[cluster]\ngpu = V10O\n", resolve, &e), DT_ENOENT);
    CU_ASSERT_STRING_EQUAL(e.msg, "x.ini:10: [cluster] gpu: unknown gpu 'V10O' (did you mean 'V100-SXM2-16GB'?)");
}

static void test_batch(void)
{
    struct exp_batch_phase p[4];
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL(experiment_parse_batch("8192", p, 4, &e), 1);
    CU_ASSERT_EQUAL(p[0].epoch, 0);
    CU_ASSERT_EQUAL(p[0].global_batch, 8192);
    CU_ASSERT_EQUAL(experiment_parse_batch(" 0 : 8192 ,15:16384", p, 4, &e), 2);
    CU_ASSERT_EQUAL(p[1].epoch, 15);
    CU_ASSERT_EQUAL(p[1].global_batch, 16384);
    CU_ASSERT(experiment_parse_batch("0:1,1:2,2:3,3:4,4:5", p, 4, &e) < 0);
    CU_ASSERT(experiment_parse_batch("8192, 16384", p, 4, &e) < 0);
    CU_ASSERT(experiment_parse_batch("", p, 4, &e) < 0);
    CU_ASSERT(experiment_parse_batch("0:8k", p, 4, &e) < 0);
}

static void test_schema(void)
{
    size_t n;
    const struct config_key *s = experiment_schema(&n);
    CU_ASSERT(n >= 30);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT(s[i].help && s[i].help[0]);
        if (!s[i].def) continue;
        /* every default parses and is in range */
        double v;
        dt_err e = {0, ""};
        struct config_entry at = {s[i].section, s[i].key, s[i].def, "default", 0};
        CU_ASSERT_EQUAL(config_value_parse(&s[i], s[i].def, &at, &v, &e), 0);
        if (e.msg[0]) fprintf(stderr, "\n%s\n", e.msg);
    }
}

int test_experiment_register(void)
{
    CU_pSuite s = CU_add_suite("experiment", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "defaults", test_defaults) || !CU_add_test(s, "values", test_values) ||
        !CU_add_test(s, "refused", test_refused) || !CU_add_test(s, "resolve", test_resolve) ||
        !CU_add_test(s, "batch", test_batch) || !CU_add_test(s, "schema", test_schema))
        return -1;
    return 0;
}
