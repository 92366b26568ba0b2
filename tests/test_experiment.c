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

/* MT-NLG's 2,240 A100 (Smith et al. 2022); [parallel] keys from line 10. */
#define PBASE "[cluster]\ngpu = A100-SXM4-80GB\nnodes = 280\ngpus_per_node = 8\n" \
              "[model]\nname = mt-nlg-530b\n[training]\nbatch = 1920\n[parallel]\n"

static void test_parallel(void)
{
    struct experiment x;
    dt_err e = {0, ""};
    /* no [parallel]: data parallel, as before */
    CU_ASSERT_EQUAL_FATAL(from(&x, BASE, NULL, &e), 0);
    CU_ASSERT_EQUAL(x.parallel.present, 0);
    CU_ASSERT_EQUAL(x.training.tokens, 0);
    CU_ASSERT_EQUAL(experiment_token_steps(&x, 2048), 0);
    experiment_free(&x);
    /* defaults; data derived */
    CU_ASSERT_EQUAL_FATAL(from(&x, PBASE "tensor = 8\npipeline = 35\n", NULL, &e), 0);
    CU_ASSERT_EQUAL(x.parallel.present, 1);
    CU_ASSERT_EQUAL(x.parallel.tensor, 8);
    CU_ASSERT_EQUAL(x.parallel.pipeline, 35);
    CU_ASSERT_EQUAL(x.parallel.data, 8); /* 2240 / 280 */
    CU_ASSERT_EQUAL(x.parallel.microbatch, 1);
    CU_ASSERT_EQUAL(x.parallel.schedule, EXP_SCHED_1F1B);
    CU_ASSERT_EQUAL(x.parallel.virtual_stages, 1);
    CU_ASSERT_EQUAL(x.parallel.zero, 0);
    CU_ASSERT_EQUAL(x.parallel.recompute, EXP_RC_NONE);
    CU_ASSERT_EQUAL(x.parallel.sequence_parallel, 0);
    CU_ASSERT_STRING_EQUAL(x.parallel.placement, "tp,pp,dp");
    experiment_free(&x);
    /* every key; tokens as a number with an exponent; batch 2240 sequences
     * (2240 / 8 / 2 = 140 microbatches, 4 x pipeline) */
    int rc = from(&x, PBASE "tensor = 8\npipeline = 35\ndata = 8\nmicrobatch = 2\nschedule = interleaved\n"
                            "virtual_stages = 3\nzero = 1\nrecompute = full\nsequence_parallel = yes\n"
                            "placement = tp,dp,pp\n[training]\ntokens = 270e9\nbatch = 2240\n",
                  NULL, &e);
    if (rc) fprintf(stderr, "\n%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(x.parallel.microbatch, 2);
    CU_ASSERT_EQUAL(x.parallel.schedule, EXP_SCHED_INTERLEAVED);
    CU_ASSERT_EQUAL(x.parallel.virtual_stages, 3);
    CU_ASSERT_EQUAL(x.parallel.zero, 1);
    CU_ASSERT_EQUAL(x.parallel.recompute, EXP_RC_FULL);
    CU_ASSERT_EQUAL(x.parallel.sequence_parallel, 1);
    CU_ASSERT_STRING_EQUAL(x.parallel.placement, "tp,dp,pp");
    CU_ASSERT_EQUAL(x.training.tokens, 270e9);
    /* 270e9 / (2240 x 2048) = 58,855.3: 58,856 steps */
    CU_ASSERT_EQUAL(experiment_token_steps(&x, 2048), 58856);
    experiment_free(&x);
    /* an empty [parallel] section is present (TP 1, PP 1: data 2240) */
    CU_ASSERT_EQUAL_FATAL(from(&x, PBASE "[training]\nbatch = 2240\n", NULL, &e), 0);
    CU_ASSERT_EQUAL(x.parallel.present, 1);
    CU_ASSERT_EQUAL(x.parallel.data, 2240);
    experiment_free(&x);
    /* a --set makes it present too */
    config *c = NULL;
    CU_ASSERT_EQUAL_FATAL(config_load_string(&c, "x.ini", BASE, &e), 0);
    CU_ASSERT_EQUAL_FATAL(config_set(c, "parallel.tensor=4", &e), 0);
    CU_ASSERT_EQUAL_FATAL(config_set(c, "training.batch=34816", &e), 0);
    CU_ASSERT_EQUAL_FATAL(experiment_from_config(&x, c, NULL, NULL, &e), 0);
    CU_ASSERT_EQUAL(x.parallel.present, 1);
    CU_ASSERT_EQUAL(x.parallel.data, 544);
    experiment_free(&x);

    /* refusals: file:line of the key at fault, and the numbers */
    fails(PBASE "tensor = 8\npipeline = 35\ndata = 9\n",
          "x.ini:12: [parallel] data: tensor 8 x pipeline 35 x data 9 = 2520, but the cluster has 2240 GPUs (280 nodes x 8)");
    fails(PBASE "tensor = 8\npipeline = 36\n",
          "x.ini:11: [parallel] pipeline: tensor 8 x pipeline 36 = 288 does not divide the 2240 GPUs (280 nodes x 8)");
    fails(PBASE "pipeline = 35\ntensor = 6\n",
          "x.ini:11: [parallel] tensor: tensor 6 x pipeline 35 = 210 does not divide the 2240 GPUs");
    fails(PBASE "tensor = 8\npipeline = 35\n[training]\nbatch = 1924\n",
          "x.ini:13: [training] batch: global batch 1924 sequences is not divisible by data 8 (240 per replica would not "
          "be whole)");
    fails(PBASE "tensor = 8\npipeline = 35\nmicrobatch = 7\n",
          "x.ini:12: [parallel] microbatch: microbatch 7 does not divide the local batch of 240 sequences (global batch "
          "1920 / data 8)");
    fails(PBASE "tensor = 8\npipeline = 280\nzero = 3\n",
          "x.ini:12: [parallel] zero: zero = 3 shards the weights over the data-parallel replicas, but data = 1 (tensor 8 "
          "x pipeline 280 use all 2240 GPUs): nothing to shard over");
    fails(PBASE "tensor = 8\npipeline = 35\nschedule = interleaved\n",
          "x.ini:12: [parallel] schedule: schedule = interleaved needs virtual_stages >= 2 (model chunks per GPU), not 1");
    fails(PBASE "tensor = 8\npipeline = 35\nvirtual_stages = 2\n",
          "x.ini:12: [parallel] virtual_stages: virtual_stages = 2 needs schedule = interleaved (schedule 1f1b runs one "
          "chunk per GPU)");
    fails(PBASE "tensor = 8\npipeline = 35\nschedule = interleaved\nvirtual_stages = 3\nmicrobatch = 2\n",
          "x.ini:12: [parallel] schedule: schedule = interleaved needs the microbatches per step (120 = global batch 1920 "
          "/ (data 8 x microbatch 2)) to be a multiple of pipeline 35");
    fails(PBASE "tensor = 2240\nschedule = interleaved\nvirtual_stages = 2\n",
          "x.ini:11: [parallel] schedule: schedule = interleaved needs pipeline >= 2, not 1");
    fails(PBASE "zero = 4\n", "x.ini:10: [parallel] zero: 4 is out of range (0 to 3)");
    fails(PBASE "placement = dp,tp,pp\n", "x.ini:10: [parallel] placement: unknown placement 'dp,tp,pp'");
    fails(PBASE "schedule = 1F1B\n", "x.ini:10: [parallel] schedule: unknown schedule '1F1B' (did you mean '1f1b'?)");
    fails(PBASE "recompute = partial\n", "x.ini:10: [parallel] recompute: unknown recompute 'partial'");
    fails(PBASE "[training]\ntokens = -1\n", "x.ini:11: [training] tokens:");
    fails(BASE "[training]\ntokens = 300e9\n",
          "x.ini:8: [training] batch: training.tokens needs one global batch (phases change by epoch; 2 given)");
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
        !CU_add_test(s, "batch", test_batch) || !CU_add_test(s, "schema", test_schema) ||
        !CU_add_test(s, "parallel", test_parallel))
        return -1;
    return 0;
}
