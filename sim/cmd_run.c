/* dtsim run: simulate an experiment file and report the step and the
 * time-to-train (text, JSON or CSV). See sim/run.h. */
#include "cleanup.h"
#include "cmd.h"
#include "prun.h"
#include "cmdutil.h"
#include "kineto.h"
#include "progress.h"
#include "run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(FILE *f)
{
    fprintf(f, "usage: dtsim run EXPERIMENT.ini [--format text|json|csv] [--set section.key=value ...]\n"
               "                 [--full] [--mode fast|exact] [--warmup N] [--measured N] [--no-base]\n"
               "                 [--platform-xml FILE] [--trace FILE] [--trace-in FILE]\n\n"
               "Simulate one data-parallel training step per batch phase on the experiment's\n"
               "cluster (SimGrid: every GPU's all-reduce traffic shares the network), and the\n"
               "time to train, and the memory one GPU needs (weights, gradients, optimizer state,\n"
               "activations, workspace). Refused before simulating (exit 2): a run that does not\n"
               "fit in its GPU's memory, an allreduce.algorithm that is not an all-reduce, a\n"
               "precision the GPU has no arithmetic for (bf16 on Pascal/Volta, fp16 on TPUs).\n\n"
               "With a [parallel] section (docs/parallel.md): a transformer split by tensor,\n"
               "pipeline and data parallelism; one step of one replica's pipeline is simulated\n"
               "(stage actors, TP collectives on the node's links, activations between stages\n"
               "and every replica's DP reduction as flows on the NICs) and reported as compute,\n"
               "exposed TP, exposed DP, pipeline bubble and optimizer, with tokens/s, TFLOP/s\n"
               "per GPU, MFU, memory per GPU and time to train; --trace gives a lane per stage.\n"
               "A layout that does not fit, or does not divide the model or the batch, is refused.\n\n"
               "  --format F        text (default), json, or csv (one row per phase)\n"
               "  --set S.K=V       override a config value (repeatable)\n"
               "  --full            simulate every iteration instead of extrapolating steady steps\n"
               "  --mode M          all-reduce simulation: fast (default; memoised lock-step patterns)\n"
               "                    or exact (every message; slow beyond a few hundred GPUs)\n"
               "  --warmup N        iterations before measuring (default 2)\n"
               "  --measured N      measured iterations per phase (default 2)\n"
               "  --no-base         skip the one-node base run (no scaling efficiency)\n"
               "  --platform-xml F  keep the generated SimGrid platform in F\n"
               "  --trace FILE      write one steady step as a Chrome trace (JSON; open in Perfetto)\n"
               "  --trace-in FILE   measured per-layer times replace the compute model for the layers\n"
               "                    they cover: a dtbench compute trace or a torch.profiler trace (JSON,\n"
               "                    imported for the run's model and per-GPU batch); docs/traces.md\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

static void json_breakdown(FILE *f, const struct iter_result *r, const char *ind)
{
    fprintf(f, "%s\"breakdown\": {\"forward_s\": %.9f, \"backward_s\": %.9f, \"exposed_comm_s\": %.9f, "
               "\"optimizer_s\": %.9f, \"input_stall_s\": %.9f, \"host_s\": %.9f, \"allreduce_s\": %.9f}",
            ind, r->forward_s, r->backward_s, r->exposed_comm_s, r->optimizer_s, r->input_stall_s, r->host_s,
            r->allreduce_s);
}

static void print_json(FILE *f, const struct experiment *x, const struct run_result *r)
{
    const struct run_phase *p0 = &r->ph[0];
    fprintf(f, "{\n");
    fprintf(f, "  \"gpus\": %d,\n  \"nodes\": %d,\n  \"gpus_per_node\": %d,\n", r->gpus, r->nodes, r->gpus_per_node);
    fprintf(f, "  \"gpu\": \"%s\",\n  \"model\": \"%s\",\n  \"algorithm\": \"%s\",\n", x->cluster.gpu, x->model.name,
            x->allreduce.algorithm);
    fprintf(f, "  \"stack\": \"%s\",\n  \"kernels_per_step\": %d,\n", r->stack, r->kernels);
    fprintf(f, "  \"step_s\": %.9f,\n", p0->r.step_s);
    fprintf(f, "  \"bound\": \"%s\",\n", p0->bound);
    fprintf(f, "  \"input\": {\"kind\": \"%s\", \"decode\": \"%s\", \"sample_bytes\": %.0f, "
               "\"samples_per_s_available\": %.3f},\n",
            r->in.tokens ? "tokens" : "images", r->in.tokens ? "none" : run_input_decoder_name(&r->in), r->in.sample_bytes,
            p0->samples_per_s_available);
    if (r->in.tokens) {
        fprintf(f, "  \"tokens_per_s\": %.3f,\n", p0->tokens_per_s);
        fprintf(f, "  \"tokens_per_s_per_gpu\": %.3f,\n", p0->tokens_per_s / r->gpus);
        fprintf(f, "  \"sequences_per_s\": %.3f,\n", p0->images_per_s);
    } else {
        fprintf(f, "  \"images_per_s\": %.3f,\n", p0->images_per_s);
        fprintf(f, "  \"images_per_s_per_gpu\": %.3f,\n", p0->images_per_s / r->gpus);
    }
    fprintf(f, "  \"scaling_efficiency\": %.6f,\n", p0->scaling_efficiency);
    fprintf(f, "  \"scaling_base\": {\"gpus\": %d, \"step_s\": %.9f, \"%s\": %.3f},\n", r->gpus_per_node,
            p0->base.step_s, r->in.tokens ? "sequences_per_s" : "images_per_s", p0->base_images_per_s);
    json_breakdown(f, &p0->r, "  ");
    fprintf(f, ",\n  \"buckets\": %d,\n", p0->r.buckets);
    fprintf(f, "  \"gradient_bytes\": %.0f,\n", r->grad_bytes);
    const struct mem_need *m = &r->ph[r->mem_phase].mem;
    fprintf(f, "  \"memory_per_gpu\": {\"bytes\": %.0f, \"capacity_bytes\": %.0f, \"batch_per_gpu\": %lld, "
               "\"weights\": %.0f, \"gradients\": %.0f, \"optimizer\": %.0f, \"optimizer_kind\": \"%s\", "
               "\"activations\": %.0f, \"workspace\": %.0f},\n",
            m->total, r->mem_capacity, m->batch, m->weights, m->gradients, m->optimizer, mem_optimizer_name(m->opt),
            m->activations, m->workspace);
    fprintf(f, "  \"time_to_train_s\": %.3f,\n", r->time_to_train_s);
    fprintf(f, "  \"startup_s\": %.3f,\n  \"eval_s\": %.3f,\n  \"iterations\": %.0f,\n", r->startup_s, r->eval_s,
            r->iterations);
    fprintf(f, "  \"phases\": [\n");
    for (int k = 0; k < r->nphases; k++) {
        const struct run_phase *p = &r->ph[k];
        fprintf(f, "    {\"epoch\": %d, \"epochs\": %.6g, \"global_batch\": %lld, \"batch_per_gpu\": %d, "
                   "\"iterations\": %lld, \"step_s\": %.9f, \"%s\": %.3f, \"scaling_efficiency\": %.6f, "
                   "\"time_s\": %.3f, \"input_s\": %.9f, \"files_per_s_needed\": %.1f, \"files_per_s_available\": %.1f, "
                   "\"memory_bytes\": %.0f, \"bound\": \"%s\",\n",
                p->epoch, p->epochs, p->global_batch, p->batch_per_gpu, p->iterations, p->r.step_s,
                r->in.tokens ? "sequences_per_s" : "images_per_s", p->images_per_s, p->scaling_efficiency, p->time_s,
                p->input_s, p->files_per_s_needed, p->files_per_s_available, p->mem.total, p->bound);
        json_breakdown(f, &p->r, "     ");
        fprintf(f, "}%s\n", k + 1 < r->nphases ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
}

static void print_csv(FILE *f, const struct run_result *r)
{
    fprintf(f, "phase,epoch,epochs,global_batch,batch_per_gpu,iterations,step_s,forward_s,backward_s,exposed_comm_s,"
               "optimizer_s,input_stall_s,host_s,allreduce_s,images_per_s,scaling_efficiency,time_s,memory_bytes,"
               "memory_capacity_bytes,tokens_per_s,bound\n");
    for (int k = 0; k < r->nphases; k++) {
        const struct run_phase *p = &r->ph[k];
        fprintf(f, "%d,%d,%.6g,%lld,%d,%lld,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.3f,%.6f,%.3f,%.0f,%.0f,", k,
                p->epoch, p->epochs, p->global_batch, p->batch_per_gpu, p->iterations, p->r.step_s, p->r.forward_s,
                p->r.backward_s, p->r.exposed_comm_s, p->r.optimizer_s, p->r.input_stall_s, p->r.host_s,
                p->r.allreduce_s, p->images_per_s, p->scaling_efficiency, p->time_s, p->mem.total, r->mem_capacity);
        if (r->in.tokens) fprintf(f, "%.3f", p->tokens_per_s);
        fprintf(f, ",%s\n", p->bound);
    }
}

/* Chrome trace (JSON array format with metadata; opens in Perfetto and
 * chrome://tracing): one process per sampled GPU, lanes input / host / GPU /
 * all-reduce (the GPU lane shows forward, backward by bucket and the
 * optimizer as spans, gaps where the GPU waited inside them included). In this model every GPU runs the same step (one compute
 * actor stands for all), so the sampled GPUs' lanes coincide. */
static int write_trace(const char *path, const struct experiment *x, const struct run_result *r,
                       const struct iter_trace *tr)
{
    struct out_file of; /* written whole, then renamed (cleanup.h) */
    if (out_open(&of, path, NULL)) return cmd_fail("cannot write trace '%s'", path);
    FILE *f = of.f;
    int N = r->gpus, G = r->gpus_per_node;
    int cand[5] = {0, G < N ? G : 0, N / 2, N - 1, 1 < N ? 1 : 0}, ranks[5], nr = 0;
    for (int i = 0; i < 5; i++) {
        int dup = 0;
        for (int j = 0; j < nr; j++) dup |= ranks[j] == cand[i];
        if (!dup) ranks[nr++] = cand[i];
    }
    static const char *const lanes[ITER_NLANES] = {"input (node)", "host", "GPU", "all-reduce"};
    fprintf(f, "{\"displayTimeUnit\": \"ms\", \"otherData\": {\"experiment\": \"%s\", \"gpus\": %d, "
               "\"note\": \"one steady step of phase 0; every GPU runs the same step in this model\"},\n"
               "\"traceEvents\": [\n",
            config_path(x->cfg), N);
    int first = 1;
    for (int i = 0; i < nr; i++) {
        fprintf(f, "%s{\"ph\": \"M\", \"name\": \"process_name\", \"pid\": %d, \"args\": {\"name\": \"GPU %d (node %d)\"}}",
                first ? "" : ",\n", ranks[i], ranks[i], ranks[i] / G);
        first = 0;
        for (int l = 0; l < ITER_NLANES; l++)
            fprintf(f, ",\n{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %d, \"tid\": %d, \"args\": {\"name\": \"%s\"}}",
                    ranks[i], l, lanes[l]);
        for (int k = 0; k < tr->n; k++) {
            const struct iter_event *ev = &tr->ev[k];
            fprintf(f, ",\n{\"ph\": \"X\", \"name\": \"%s\", \"pid\": %d, \"tid\": %d, \"ts\": %.3f, \"dur\": %.3f",
                    ev->name, ranks[i], ev->lane, ev->t0_s * 1e6, (ev->t1_s - ev->t0_s) * 1e6);
            if (ev->bytes > 0) fprintf(f, ", \"args\": {\"bytes\": %.0f, \"algorithm\": \"%s\"}", ev->bytes, x->allreduce.algorithm);
            fprintf(f, "}");
        }
    }
    fprintf(f, "\n]}\n");
    if (out_close(&of, NULL) != 0) return cmd_fail("cannot write trace '%s'", path);
    return 0;
}

static int write_pipe_trace(const char *path, const struct experiment *x, const struct run_result *r,
                            const struct pipe_trace *tr)
{
    struct out_file of; /* written whole, then renamed (cleanup.h) */
    if (out_open(&of, path, NULL)) return cmd_fail("cannot write trace '%s'", path);
    prun_write_trace(of.f, x, r, tr);
    if (out_close(&of, NULL) != 0) return cmd_fail("cannot write trace '%s'", path);
    return 0;
}

static void hms(char *buf, size_t n, double s)
{
    if (s >= 3600) snprintf(buf, n, "%.2f h", s / 3600);
    else if (s >= 120) snprintf(buf, n, "%.1f min", s / 60);
    else snprintf(buf, n, "%.1f s", s);
}

/* Where a node's input comes from and what limits it, for the report. */
static void input_desc(char *buf, size_t n, const struct experiment *x, const struct run_result *r,
                       const struct run_phase *p)
{
    double node = p->samples_per_s_available / r->nodes;
    if (r->in.tokens)
        snprintf(buf, n, "pre-tokenised shards read from storage %s, %.0f bytes a sequence, no decode: %.0f sequences/s "
                         "per node", x->cluster.storage, r->in.sample_bytes, node);
    else if (node < r->in.decode_per_s * (1 - 1e-9))
        snprintf(buf, n, "storage %s delivers %.0f images/s per node (%s JPEG decode could do %.0f)", x->cluster.storage,
                 node, r->in.decode == EXP_DECODE_GPU ? "GPU" : "CPU", r->in.decode_per_s);
    else if (r->in.decode == EXP_DECODE_GPU)
        snprintf(buf, n, "GPU JPEG decode (hardware decoder) delivers %.0f images/s per node (%.0f per GPU)", node,
                 node / r->gpus_per_node);
    else
        snprintf(buf, n, "CPU JPEG decode delivers %.0f images/s per node (%d cores, %.0f per GPU)", node,
                 x->cluster.cpu_cores_per_node, node / r->gpus_per_node);
}

static void print_text(FILE *f, const struct experiment *x, const struct run_result *r)
{
    char t[32], in[256];
    fprintf(f, "%s: %d x %s (%d nodes x %d), %s %s, all-reduce %s\n", config_path(x->cfg), r->gpus, x->cluster.gpu,
            r->nodes, r->gpus_per_node, x->model.name, exp_precision_name(x->model.precision), x->allreduce.algorithm);
    for (int k = 0; k < r->nphases; k++) {
        const struct run_phase *p = &r->ph[k];
        if (strcmp(p->bound, "input") != 0) continue;
        input_desc(in, sizeof in, x, r, p);
        fprintf(f, "input binds (phase %d): the GPUs wait %.2f ms of each %.2f ms step for their input; %s\n", k,
                p->r.input_stall_s * 1e3, p->r.step_s * 1e3, in);
    }
    if (strcmp(r->stack, "none") == 0)
        fprintf(f, "stack none (ideal: no host cost, reference kernels): %d kernels a step\n", r->kernels);
    else
        fprintf(f, "stack %s (%s, %d): %d kernels a step\n", r->stack, r->framework, r->stack_year, r->kernels);
    for (int k = 0; k < r->nphases; k++) {
        const struct run_phase *p = &r->ph[k];
        const struct iter_result *s = &p->r;
        fprintf(f, "phase %d: epochs %d-%g, batch %lld (%d per GPU), %lld iterations\n", k, p->epoch,
                p->epoch + p->epochs, p->global_batch, p->batch_per_gpu, p->iterations);
        fprintf(f, "  step %.2f ms = forward %.2f + backward %.2f + optimizer %.2f + host %.2f + exposed comm %.2f"
                   " + input stall %.2f\n",
                s->step_s * 1e3, s->forward_s * 1e3, s->backward_s * 1e3, s->optimizer_s * 1e3, s->host_s * 1e3,
                s->exposed_comm_s * 1e3, s->input_stall_s * 1e3);
        if (r->in.tokens)
            fprintf(f, "  all-reduce %.2f ms in %d buckets; %.0f tokens/s (%.0f per GPU, %.0f sequences/s)",
                    s->allreduce_s * 1e3, s->buckets, p->tokens_per_s, p->tokens_per_s / r->gpus, p->images_per_s);
        else
            fprintf(f, "  all-reduce %.2f ms in %d buckets; %.0f images/s (%.1f per GPU)", s->allreduce_s * 1e3,
                    s->buckets, p->images_per_s, p->images_per_s / r->gpus);
        if (p->base.step_s > 0)
            fprintf(f, "; scaling efficiency %.2f%% (base: one node, %d GPUs, %.0f %s/s)", 100 * p->scaling_efficiency,
                    r->gpus_per_node, r->in.tokens ? p->base_images_per_s * r->in.seq_len : p->base_images_per_s,
                    r->in.tokens ? "tokens" : "images");
        fprintf(f, "\n");
        if (r->in.tokens && p->samples_per_s_available > 0)
            fprintf(f, "  input: token shards, %.0f bytes a sequence: %.0f sequences/s needed, %.0f available\n",
                    r->in.sample_bytes, p->images_per_s, p->samples_per_s_available);
        else if (p->files_per_s_available > 0)
            fprintf(f, "  input: %s JPEG decode; %.0f files/s needed, %.0f available\n",
                    r->in.decode == EXP_DECODE_GPU ? "GPU" : "CPU", p->files_per_s_needed, p->files_per_s_available);
        fprintf(f, "  bound: %s\n", p->bound);
        hms(t, sizeof t, p->time_s);
        fprintf(f, "  phase time %s\n", t);
    }
    hms(t, sizeof t, r->time_to_train_s);
    fprintf(f, "time to train: %s (%.1f s: startup %.1f, evaluation %.1f)\n", t, r->time_to_train_s, r->startup_s,
            r->eval_s);
    const struct mem_need *m = &r->ph[r->mem_phase].mem;
    const double gib = 1024.0 * 1024 * 1024;
    fprintf(f, "memory per GPU: %.2f GiB of %.2f GiB at %lld per GPU (weights %.2f + gradients %.2f + optimizer %.2f "
               "[%s] + activations %.2f + workspace %.2f GiB)\n",
            m->total / gib, r->mem_capacity / gib, m->batch, m->weights / gib, m->gradients / gib, m->optimizer / gib,
            mem_optimizer_name(m->opt), m->activations / gib, m->workspace / gib);
}

static int cmd_run(int argc, char **argv)
{
    struct cmd_sets sets = {0};
    struct run_opts o;
    run_opts_default(&o);
    const char *path = NULL, *format = "text", *trace = NULL, *trace_in = NULL;
    int rc;
    for (int i = 1; i < argc; i++) {
        int t = cmd_sets_take(&sets, argc, argv, &i);
        if (t < 0) { cmd_sets_free(&sets); return DT_EXIT_USAGE; }
        if (t) continue;
        const char *a = argv[i];
        if (cmd_is_help(a)) { cmd_sets_free(&sets); return usage(stdout); }
        if (strcmp(a, "--full") == 0) o.full = 1;
        else if (strcmp(a, "--no-base") == 0) o.no_base = 1;
        else if (i + 1 < argc && strcmp(a, "--format") == 0) format = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--platform-xml") == 0) o.xml_path = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--trace") == 0) trace = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--trace-in") == 0) trace_in = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--mode") == 0) {
            const char *m = argv[++i];
            if (strcmp(m, "fast") == 0) o.mode = COLLSIM_FAST;
            else if (strcmp(m, "exact") == 0) o.mode = COLLSIM_EXACT;
            else { cmd_sets_free(&sets); return cmd_fail("run: unknown mode '%s' (fast or exact)", m); }
        } else if (i + 1 < argc && (strcmp(a, "--warmup") == 0 || strcmp(a, "--measured") == 0)) {
            char *end;
            long v = strtol(argv[i + 1], &end, 10);
            if (*end || v < (a[2] == 'w' ? 0 : 1) || v > 1000) {
                cmd_sets_free(&sets);
                return cmd_fail("run: %s needs a whole number from %d to 1000 (got '%s')", a, a[2] == 'w' ? 0 : 1, argv[i + 1]);
            }
            if (a[2] == 'w') o.warmup = (int)v; else o.measured = (int)v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            cmd_sets_free(&sets);
            cmd_fail("run: unknown or incomplete option '%s'", a);
            return usage(stderr);
        } else if (!path) path = a;
        else { cmd_sets_free(&sets); return cmd_fail("run: one experiment file only ('%s' and '%s')", path, a); }
    }
    if (!path) { cmd_sets_free(&sets); cmd_fail("run: no experiment file"); return usage(stderr); }
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "csv")) {
        cmd_sets_free(&sets);
        return cmd_fail("run: unknown format '%s' (text, json or csv)", format);
    }
    struct experiment x;
    rc = cmd_experiment_load(&x, path, &sets);
    cmd_sets_free(&sets);
    if (rc) return rc;
    struct catalog *cat = NULL;
    dt_err e = {0};
    if (catalog_load(&cat, NULL, &e)) {
        experiment_free(&x);
        return cmd_fail("%s", e.msg);
    }
    struct run_result r;
    static struct iter_trace tr;
    struct pipe_trace ptr = {0, 0, NULL};
    struct trace tin;
    if (trace) {
        o.trace = &tr;
        if (x.parallel.present) {
            ptr.cap = 1 << 18; /* events of the step: 2 x microbatches x chunks, DP buckets, optimizer */
            ptr.ev = calloc((size_t)ptr.cap, sizeof *ptr.ev);
            if (!ptr.ev) {
                catalog_free(cat);
                experiment_free(&x);
                return cmd_fail("out of memory");
            }
            o.ptrace = &ptr;
        }
    }
    if (trace_in) {
        /* a torch.profiler trace (JSON) is imported with the run's model and per-GPU batch */
        int js = kineto_is_json(trace_in, &e);
        struct kineto_info ki;
        if (js < 0 || (js ? (kineto_import(trace_in, x.model.name, x.training.batch[0].global_batch / experiment_gpus(&x),
                                           &tin, &ki, &e) ||
                             trace_apply_check(&tin, &e))
                          : trace_load(&tin, trace_in, &e))) {
            if (js > 0) trace_free(&tin);
            catalog_free(cat);
            experiment_free(&x);
            return cmd_fail("%s", e.msg);
        }
        o.trace_in = &tin;
    }
    progress_begin(isatty(2), "dtsim run");
    rc = run_simulate(&x, cat, &o, &r, &e);
    progress_end();
    if (trace_in) trace_free(&tin);
    if (rc) {
        rc = cmd_fail("%s", e.msg);
    } else {
        int par = r.par.present;
        if (strcmp(format, "json") == 0) (par ? prun_print_json : print_json)(stdout, &x, &r);
        else if (strcmp(format, "csv") == 0) (par ? prun_print_csv : print_csv)(stdout, &r);
        else (par ? prun_print_text : print_text)(stdout, &x, &r);
        if (isatty(2)) fprintf(stderr, "dtsim: simulated in %.2f s wall\n", r.wall_s);
        if (trace && par) rc = write_pipe_trace(trace, &x, &r, &ptr);
        else if (trace) rc = write_trace(trace, &x, &r, &tr);
    }
    free(ptr.ev);
    catalog_free(cat);
    experiment_free(&x);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_run = {"run", "simulate an experiment: step time, breakdown, time to train", cmd_run};
