/* llmplan.c -- dtsim plan --tokens: the layout search (see llmplan.h). */
#include "llmplan.h"

#include "cleanup.h"
#include "cmd.h"
#include "cmdutil.h"
#include "csvrows.h"
#include "jobs.h"
#include "sweep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GB 1e9
#define MAXLIST 64

void llmplan_choice(int k, int *zero, enum exp_recompute *rc)
{
    static const int z[LLMPLAN_NCHOICE] = {0, 1, 1, 2, 1, 2, 3};
    static const enum exp_recompute r[LLMPLAN_NCHOICE] = {EXP_RC_NONE,      EXP_RC_NONE, EXP_RC_SELECTIVE,
                                                          EXP_RC_SELECTIVE, EXP_RC_FULL, EXP_RC_FULL, EXP_RC_FULL};
    *zero = z[k];
    *rc = r[k];
}

const char *llmplan_status_name(enum llmplan_status s)
{
    static const char *const n[] = {"simulated", "dominated", "memory", "invalid"};
    return n[s];
}

int llmplan_enumerate(const struct llmplan_opts *o, struct llmplan_cand **out, int *nout, dt_err *e)
{
    const struct dnn_xf *a = o->a;
    int tp[MAXLIST], pp[MAXLIST], mb[MAXLIST], ntp = 0, npp = 0, nmb = 0;
    *out = NULL;
    *nout = 0;
    if (o->gpus < 1 || o->gpus_per_node < 1 || o->batch < 1) return dt_errf(e, DT_EINVAL, "gpus and batch must be >= 1");
    if (o->tp) {
        if (o->ntp < 1 || o->ntp > MAXLIST) return dt_errf(e, DT_EINVAL, "--tensor: 1 to %d values", MAXLIST);
        for (int i = 0; i < o->ntp; i++) tp[ntp++] = o->tp[i];
    } else
        for (int t = 1; t <= o->gpus_per_node && ntp < MAXLIST; t++)
            if (o->gpus_per_node % t == 0 && a->heads % t == 0 && a->kv_heads % t == 0) tp[ntp++] = t;
    if (o->pp) {
        if (o->npp < 1 || o->npp > MAXLIST) return dt_errf(e, DT_EINVAL, "--pipeline: 1 to %d values", MAXLIST);
        for (int i = 0; i < o->npp; i++) pp[npp++] = o->pp[i];
    } else
        for (int p = 1; p <= a->layers && npp < MAXLIST; p++)
            if (a->layers % p == 0) pp[npp++] = p;
    if (o->mb) {
        if (o->nmb < 1 || o->nmb > MAXLIST) return dt_errf(e, DT_EINVAL, "--microbatch: 1 to %d values", MAXLIST);
        for (int i = 0; i < o->nmb; i++) mb[nmb++] = o->mb[i];
    } else
        for (int b = 1; b <= 8; b *= 2) mb[nmb++] = b;
    for (int i = 0; i < ntp; i++)
        if (tp[i] < 1) return dt_errf(e, DT_EINVAL, "--tensor: %d is not a count >= 1", tp[i]);
    for (int i = 0; i < npp; i++)
        if (pp[i] < 1) return dt_errf(e, DT_EINVAL, "--pipeline: %d is not a count >= 1", pp[i]);
    for (int i = 0; i < nmb; i++)
        if (mb[i] < 1) return dt_errf(e, DT_EINVAL, "--microbatch: %d is not a count >= 1", mb[i]);
    if (o->vstages < 0 || o->vstages == 1 || o->vstages > 64)
        return dt_errf(e, DT_EINVAL, "--interleaved: virtual stages from 2 to 64 (got %d)", o->vstages);
    size_t cap = (size_t)ntp * npp * nmb * LLMPLAN_NCHOICE * (o->vstages ? 2 : 1);
    struct llmplan_cand *c = calloc(cap ? cap : 1, sizeof *c);
    if (!c) return dt_errf(e, DT_ENOMEM, "out of memory");
    int n = 0;
    for (int i = 0; i < ntp; i++)
        for (int j = 0; j < npp; j++) {
            long long t = tp[i], p = pp[j];
            /* whole layouts only: TP a divisor of the node (a TP group in
             * one NVLink domain), heads and KV heads split evenly, whole
             * blocks per stage, whole replicas */
            if (o->gpus_per_node % t || a->heads % t || a->kv_heads % t || a->layers % p || o->gpus % (t * p)) continue;
            long long d = o->gpus / (t * p);
            for (int k = 0; k < nmb; k++)
              for (int iv = 0; iv < (o->vstages ? 2 : 1); iv++) {
                if (o->batch % (d * mb[k])) continue;
                int v = iv ? o->vstages : 1, m = (int)(o->batch / (d * mb[k]));
                /* interleaved: whole blocks per chunk, microbatches a multiple of PP (Megatron-LM) */
                if (iv && (p == 1 || a->layers % (p * v) || m % p)) continue;
                int first = -1;
                for (int ch = 0; ch < LLMPLAN_NCHOICE; ch++) {
                    struct llmplan_cand *x = &c[n];
                    memset(x, 0, sizeof *x);
                    x->l.tp = (int)t;
                    x->l.pp = (int)p;
                    x->l.dp = (int)d;
                    x->l.vstages = v;
                    x->l.microbatch = mb[k];
                    x->l.global_batch = o->batch;
                    x->l.microbatches = (int)(o->batch / (d * mb[k]));
                    llmplan_choice(ch, &x->l.zero, &x->l.rc);
                    x->l.sp = t > 1;
                    x->l.sched = v > 1 ? EXP_SCHED_INTERLEAVED : EXP_SCHED_1F1B;
                    x->l.place = LAYOUT_TP_PP_DP;
                    x->l.seq = (int)a->seq;
                    x->by = -1;
                    layout_mem(a, &x->l, o->prec, &x->m);
                    if (x->l.zero == 3 && d == 1) {
                        x->st = LLMPLAN_INVALID;
                        snprintf(x->why, sizeof x->why, "ZeRO-3 needs data parallelism (data = 1: nothing to shard over)");
                    } else if (o->mem_cap > 0 && x->m.total > o->mem_cap) {
                        x->st = LLMPLAN_NOFIT;
                        layout_mem_refusal(&x->m, o->mem_cap, o->gpu_name ? o->gpu_name : "the GPU", x->why, sizeof x->why);
                    } else if (first >= 0) {
                        x->st = LLMPLAN_DOMINATED;
                        x->by = first;
                        snprintf(x->why, sizeof x->why, "ZeRO-%d recompute %s fits and is not slower",
                                 c[first].l.zero, exp_recompute_name(c[first].l.rc));
                    } else {
                        x->st = LLMPLAN_RUN;
                        first = n;
                    }
                    n++;
                }
            }
        }
    *out = c;
    *nout = n;
    return 0;
}

/* ---- the command ----------------------------------------------------------- */

void llmplan_help(FILE *f)
{
    fprintf(f,
            "usage: dtsim plan --tokens T --model M --gpus N [--gpu G] [--network NIC] [--batch B]\n"
            "                  [--tensor LIST] [--pipeline LIST] [--microbatch LIST] [--interleaved V]\n"
            "                  [--top K]\n"
            "                  [--template FILE] [--prices FILE] [--set S.K=V ...] [--jobs N] [--out DIR]\n\n"
            "The layout search for a transformer (a configs/models row) on N GPUs: tensor x\n"
            "pipeline x data parallelism x microbatch x ZeRO stage x activation recompute\n"
            "(1f1b schedule; sequence parallelism with tensor > 1). Layouts that do not fit in\n"
            "the GPU's memory are skipped without simulation; for one tensor x pipeline x\n"
            "microbatch only the cheapest ZeRO/recompute choice that fits is simulated\n"
            "(docs/plan.md). Prints the fastest layouts with tokens/s, MFU, days and cost to\n"
            "train T tokens, memory per GPU and what binds each. Writes DIR/plan-llm.csv\n"
            "(every candidate, with the reason for those not simulated) and DIR/plan-best.ini\n"
            "(the fastest layout, for dtsim run).\n\n"
            "  --tokens T        tokens to train, e.g. 300e9 (required)\n"
            "  --model M         a transformer row (required; dtsim model --list)\n"
            "  --gpus N          GPUs, a multiple of the template's gpus_per_node (required)\n"
            "  --gpu G           catalog GPU, with its own GPU-GPU link row (default: the template's)\n"
            "  --network NIC     catalog NIC (default: the template's)\n"
            "  --batch B         global batch in sequences (default 1536, GPT-3 175B's batch in\n"
            "                    Narayanan et al. 2021)\n"
            "  --tensor LIST     tensor-parallel sizes (default: divisors of gpus_per_node that\n"
            "                    divide heads and kv_heads)\n"
            "  --pipeline LIST   pipeline stages (default: divisors of layers)\n"
            "  --microbatch LIST sequences per microbatch (default 1,2,4,8)\n"
            "  --interleaved V   also the interleaved schedule with V model chunks per GPU\n"
            "                    (pipeline > 1, layers a multiple of pipeline x V; default: 1f1b only)\n"
            "  --top K           layouts listed (default 5)\n"
            "  --template FILE   the template cluster (default configs/plan/llm-template.ini)\n"
            "  --prices FILE     price rows (default: the catalog's prices.ini)\n"
            "  --set S.K=V       override a template value for every layout (repeatable),\n"
            "                    e.g. --set model.layers=96\n"
            "  --jobs N          simulations at once (default: the number of CPUs)\n"
            "  --out DIR         output directory (default out)\n"
            "Exit status: 0 an answer, 2 bad input or no layout fits.\n");
}

static int usage(FILE *f)
{
    llmplan_help(f);
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

/* "1,2,4" into v (at most MAXLIST whole numbers >= 1). */
static int parse_list(const char *what, const char *s, int *v, int *n)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", s);
    *n = 0;
    for (char *p = strtok(buf, ","); p; p = strtok(NULL, ",")) {
        char *end;
        long x = strtol(p, &end, 10);
        if (*end || x < 1 || x > 1000000 || *n == MAXLIST) {
            cmd_fail("plan: %s needs a list of up to %d whole numbers >= 1 (got '%s')", what, MAXLIST, s);
            return -1;
        }
        v[(*n)++] = (int)x;
    }
    if (*n == 0) {
        cmd_fail("plan: %s: an empty list", what);
        return -1;
    }
    return 0;
}

struct res {
    int rc;
    double step_s, tokens_per_s, tflops, mfu, bubble_s, tp_s, dp_s, ttt_s, cost;
    char bound[40], err[1024];
};

struct plan_ctx {
    const char *tmpl;
    char **base;               /* sets every layout gets */
    int nbase;
    struct llmplan_cand *c;
    int *run;                  /* candidate index of job i */
    struct res *res;           /* per candidate */
    const struct catalog *cat;
    const char *gpu, *nic;
    int nodes, gpn, nics;
    int progress;
};

static int layout_sets(const struct plan_ctx *p, const struct llmplan_cand *x, char ***out, int *n)
{
    char **v = calloc((size_t)p->nbase + 9, sizeof *v);
    if (!v) return -1;
    int k = 0;
    for (int i = 0; i < p->nbase; i++) v[k++] = strdup(p->base[i]);
    char b[9][64];
    snprintf(b[0], 64, "parallel.tensor=%d", x->l.tp);
    snprintf(b[1], 64, "parallel.pipeline=%d", x->l.pp);
    snprintf(b[2], 64, "parallel.data=%d", x->l.dp);
    snprintf(b[3], 64, "parallel.microbatch=%d", x->l.microbatch);
    snprintf(b[4], 64, "parallel.schedule=%s", x->l.vstages > 1 ? "interleaved" : "1f1b");
    snprintf(b[5], 64, "parallel.virtual_stages=%d", x->l.vstages);
    snprintf(b[6], 64, "parallel.zero=%d", x->l.zero);
    snprintf(b[7], 64, "parallel.recompute=%s", exp_recompute_name(x->l.rc));
    snprintf(b[8], 64, "parallel.sequence_parallel=%s", x->l.sp ? "true" : "false");
    for (int i = 0; i < 9; i++) v[k++] = strdup(b[i]);
    for (int i = 0; i < k; i++)
        if (!v[i]) {
            sweep_sets_free(v, k);
            return -1;
        }
    *out = v;
    *n = k;
    return 0;
}

static void child(void *ctx, int i, struct jobs_reply *rep)
{
    struct plan_ctx *p = ctx;
    char **sets;
    int n;
    if (layout_sets(p, &p->c[p->run[i]], &sets, &n)) {
        rep->rc = DT_ENOMEM;
        snprintf(rep->err, sizeof rep->err, "out of memory");
        return;
    }
    jobs_simulate(p->tmpl, sets, n, NULL, rep);
    sweep_sets_free(sets, n);
}

static void done(void *ctx, int i, const struct jobs_reply *rep, int ndone, int n)
{
    struct plan_ctx *p = ctx;
    struct res *r = &p->res[p->run[i]];
    r->rc = rep->rc ? rep->rc : 0;
    if (rep->rc) {
        snprintf(r->err, sizeof r->err, "%s", rep->err);
        if (!r->rc) r->rc = -1;
    } else {
        const struct run_result *q = &rep->r;
        r->step_s = q->par.step_s;
        r->tokens_per_s = q->par.tokens_per_s;
        r->tflops = q->par.model_tflops_per_gpu;
        r->mfu = q->par.mfu;
        r->bubble_s = q->par.bubble_s;
        r->tp_s = q->par.tp_s;
        r->dp_s = q->par.dp_exposed_s;
        r->ttt_s = q->time_to_train_s;
        r->cost = sweep_cost(p->cat, p->gpu, p->nic, p->nodes, p->gpn, p->nics, r->ttt_s);
        snprintf(r->bound, sizeof r->bound, "%s", q->ph[0].bound ? q->ph[0].bound : "");
    }
    if (p->progress) fprintf(stderr, "\rdtsim plan: %d/%d layouts simulated%s", ndone, n, ndone == n ? "\n" : "");
}

static void put_num(FILE *f, const char *fmt, double v, int ok)
{
    fputc(',', f);
    if (ok) fprintf(f, fmt, v);
}

static int write_csv(const char *path, const struct plan_ctx *p, int n, dt_err *e)
{
    struct out_file of;
    if (out_open(&of, path, e)) return e->code;
    FILE *f = of.f;
    fprintf(f, "tensor,pipeline,data,microbatch,microbatches,zero,recompute,sequence_parallel,schedule,virtual_stages,"
               "status,"
               "mem_per_gpu_gb,weights_gb,gradients_gb,optimizer_gb,activations_gb,buffers_gb,step_s,tokens_per_s,"
               "model_tflops_per_gpu,mfu,bubble_s,tp_exposed_s,dp_exposed_s,time_to_train_s,days,cost,bound,reason\n");
    for (int i = 0; i < n; i++) {
        const struct llmplan_cand *x = &p->c[i];
        const struct res *r = &p->res[i];
        int sim = x->st == LLMPLAN_RUN && r->rc == 0;
        fprintf(f, "%d,%d,%d,%d,%d,%d,%s,%d,%s,%d,%s", x->l.tp, x->l.pp, x->l.dp, x->l.microbatch, x->l.microbatches,
                x->l.zero, exp_recompute_name(x->l.rc), x->l.sp, x->l.vstages > 1 ? "interleaved" : "1f1b",
                x->l.vstages,
                x->st == LLMPLAN_RUN && r->rc ? "error" : llmplan_status_name(x->st));
        fprintf(f, ",%.3f,%.3f,%.3f,%.3f,%.3f,%.3f", x->m.total / GB, x->m.weights / GB, x->m.gradients / GB,
                x->m.optimizer / GB, x->m.activations / GB, x->m.buffers / GB);
        put_num(f, "%.6f", r->step_s, sim);
        put_num(f, "%.0f", r->tokens_per_s, sim);
        put_num(f, "%.2f", r->tflops, sim);
        put_num(f, "%.4f", r->mfu, sim);
        put_num(f, "%.6f", r->bubble_s, sim);
        put_num(f, "%.6f", r->tp_s, sim);
        put_num(f, "%.6f", r->dp_s, sim);
        put_num(f, "%.1f", r->ttt_s, sim);
        put_num(f, "%.3f", r->ttt_s / 86400, sim);
        put_num(f, "%.2f", r->cost, sim && r->cost >= 0);
        fputc(',', f);
        if (sim) csvrows_put(f, r->bound);
        fputc(',', f);
        if (x->st == LLMPLAN_RUN && r->rc) csvrows_put(f, r->err);
        else if (x->st != LLMPLAN_RUN) csvrows_put(f, x->why);
        fputc('\n', f);
    }
    return out_close(&of, e);
}

static const struct plan_ctx *sort_ctx;

static int by_time(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    const struct res *x = &sort_ctx->res[i], *y = &sort_ctx->res[j];
    if (x->ttt_s != y->ttt_s) return x->ttt_s < y->ttt_s ? -1 : 1;
    double mx = sort_ctx->c[i].m.total, my = sort_ctx->c[j].m.total;
    if (mx != my) return mx < my ? -1 : 1;
    return i < j ? -1 : i > j;
}

static int write_best(const char *path, const struct plan_ctx *p, int i, const char *model, const char *tokens, dt_err *e)
{
    char **sets;
    int n;
    if (layout_sets(p, &p->c[i], &sets, &n)) return dt_errf(e, DT_ENOMEM, "out of memory");
    struct out_file of;
    if (out_open(&of, path, e)) {
        sweep_sets_free(sets, n);
        return e->code;
    }
    FILE *f = of.f;
    const struct res *r = &p->res[i];
    fprintf(f, "; dtsim plan: the fastest layout found for %s, %s tokens on %d x %s:\n"
               "; %.0f tokens/s, MFU %.1f%%, %.2f days. Check it: dtsim run %s\n"
               "include = plan-template.ini\n",
            model, tokens, p->nodes * p->gpn, p->gpu, r->tokens_per_s, 100 * r->mfu, r->ttt_s / 86400, path);
    static const char *const secs[] = {"cluster", "model", "training", "allreduce", "input", "parallel"};
    for (int k = 0; k < 6; k++) {
        int any = 0;
        size_t l = strlen(secs[k]);
        for (int j = 0; j < n; j++) {
            if (strncmp(sets[j], secs[k], l) != 0 || sets[j][l] != '.') continue;
            /* a key set twice (a --set, then the layout's): the last wins */
            const char *eq = strchr(sets[j], '=');
            int later = 0;
            for (int q = j + 1; q < n; q++)
                if (strncmp(sets[q], sets[j], (size_t)(eq - sets[j]) + 1) == 0) later = 1;
            if (later) continue;
            if (!any++) fprintf(f, "\n[%s]\n", secs[k]);
            fprintf(f, "%.*s = %s\n", (int)(eq - sets[j] - l - 1), sets[j] + l + 1, eq + 1);
        }
    }
    sweep_sets_free(sets, n);
    return out_close(&of, e);
}

static void days_str(char *b, size_t n, double s)
{
    if (s >= 86400) snprintf(b, n, "%.1f d", s / 86400);
    else snprintf(b, n, "%.1f h", s / 3600);
}

const char *plan_template(const char *given, const char *catdir, const char *name, char *buf, size_t len)
{
    if (given) return given;
    snprintf(buf, len, "%s/../plan/%s", catdir, name);
    return buf;
}

int plan_files(const char *outdir, const char *tmpl, const char *csvname, char *tcopy, char *csv, char *best,
               size_t len, dt_err *e)
{
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST)
        return dt_errf(e, DT_EIO, "cannot create '%s': %s", outdir, strerror(errno));
    snprintf(tcopy, len, "%s/plan-template.ini", outdir);
    snprintf(csv, len, "%s/%s", outdir, csvname);
    snprintf(best, len, "%s/plan-best.ini", outdir);
    return out_copy(tmpl, tcopy, e);
}

int llmplan_main(int argc, char **argv)
{
    const char *model = NULL, *gpu = NULL, *net = NULL, *tmpl = NULL, *prices = NULL, *outdir = "out";
    const char *ltp = NULL, *lpp = NULL, *lmb = NULL, *tktext = NULL;
    long long ngpus = 0, batch = 1536;
    double tokens = 0;
    int top = 5, par = (int)sysconf(_SC_NPROCESSORS_ONLN), rc = DT_EXIT_USAGE, inter = 0;
    dt_err e = {0, ""};
    struct cmd_sets sets = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *end;
        int t = cmd_sets_take(&sets, argc, argv, &i);
        if (t < 0) { cmd_sets_free(&sets); return DT_EXIT_USAGE; }
        if (t) continue;
        if (cmd_is_help(a)) { cmd_sets_free(&sets); return usage(stdout); }
        if (i + 1 < argc && strcmp(a, "--interleaved") == 0) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 2 || v > 64) {
                cmd_sets_free(&sets);
                return cmd_fail("plan: --interleaved needs virtual stages from 2 to 64 (got '%s')", argv[i]);
            }
            inter = (int)v;
        } else if (i + 1 < argc && strcmp(a, "--model") == 0) model = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--gpu") == 0) gpu = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--network") == 0) net = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--template") == 0) tmpl = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--prices") == 0) prices = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--out") == 0) outdir = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--tensor") == 0) ltp = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--pipeline") == 0) lpp = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--microbatch") == 0) lmb = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--tokens") == 0) {
            tokens = strtod(tktext = argv[++i], &end);
            if (*end || !(tokens >= 1) || !isfinite(tokens)) {
                cmd_sets_free(&sets);
                return cmd_fail("plan: --tokens needs a number of tokens >= 1, e.g. 300e9 (got '%s')", argv[i]);
            }
        } else if (i + 1 < argc && (strcmp(a, "--gpus") == 0 || strcmp(a, "--batch") == 0 || strcmp(a, "--top") == 0 ||
                                    strcmp(a, "--jobs") == 0)) {
            long long v = strtoll(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000000) {
                cmd_sets_free(&sets);
                return cmd_fail("plan: %s needs a whole number from 1 to 1000000 (got '%s')", a, argv[i]);
            }
            if (a[2] == 'g') ngpus = v;
            else if (a[2] == 'b') batch = v;
            else if (a[2] == 't') top = (int)v;
            else par = (int)v;
        } else {
            cmd_sets_free(&sets);
            cmd_fail("plan: unknown or incomplete option '%s' (the layout search, --tokens)", a);
            return usage(stderr);
        }
    }
    if (!model || !ngpus || !(tokens > 0)) {
        cmd_sets_free(&sets);
        cmd_fail("plan: the layout search needs --tokens, --model and --gpus (one count), e.g. "
                 "--model gpt3-175b --gpus 1024 --tokens 300e9");
        return usage(stderr);
    }
    int vtp[MAXLIST], vpp[MAXLIST], vmb[MAXLIST], ntp = 0, npp = 0, nmb = 0;
    if ((ltp && parse_list("--tensor", ltp, vtp, &ntp)) || (lpp && parse_list("--pipeline", lpp, vpp, &npp)) ||
        (lmb && parse_list("--microbatch", lmb, vmb, &nmb))) {
        cmd_sets_free(&sets);
        return DT_EXIT_USAGE;
    }
    struct catalog *cat = NULL;
    struct llmplan_cand *c = NULL;
    struct res *res = NULL;
    int *run = NULL, *order = NULL, nc = 0, xok = 0;
    struct experiment x;
    char **base = NULL;
    int nbase = 0;
    char catdir[4096], tbuf[4200], tcopy[4200], csv[4200], best[4200];
    if (catalog_load(&cat, NULL, &e) || (prices && catalog_prices_load(cat, prices, &e))) {
        cmd_sets_free(&sets);
        return cmd_fail("plan: %s", e.msg);
    }
    const struct dnn_model *dm = dnn_find(model, &e);
    if (!dm) {
        cmd_fail("plan: --model: %s", e.msg);
        goto out;
    }
    catalog_dir(catdir, sizeof catdir, NULL, &e);
    tmpl = plan_template(tmpl, catdir, "llm-template.ini", tbuf, sizeof tbuf);
    /* The template with the user's sets and the model: the node, the
     * precision, the model overrides, the default GPU and NIC. */
    {
        char mset[256];
        snprintf(mset, sizeof mset, "model.name=%s", model);
        char **v = calloc((size_t)sets.n + 1, sizeof *v);
        if (!v) {
            cmd_fail("plan: out of memory");
            goto out;
        }
        for (int i = 0; i < sets.n; i++) v[i] = sets.v[i];
        v[sets.n] = mset;
        int lrc = experiment_load_ex(&x, tmpl, v, sets.n + 1, cmd_resolve, NULL, &e);
        free(v);
        if (lrc) {
            cmd_fail("plan: template: %s", e.msg);
            goto out;
        }
        xok = 1;
    }
    struct dnn_xf a;
    if (dnn_xf_arch(dm, &x.model.xf, &a, &e)) {
        cmd_fail("plan: --model: %s", e.msg);
        goto out;
    }
    int gpn = x.cluster.gpus_per_node;
    if (ngpus % gpn) {
        cmd_fail("plan: --gpus: %lld GPUs is not a whole number of %d-GPU nodes (the template's gpus_per_node)", ngpus, gpn);
        goto out;
    }
    const struct catalog_gpu *g = catalog_gpu(cat, gpu ? gpu : x.cluster.gpu, &e);
    if (!g) {
        cmd_fail("plan: --gpu: %s", e.msg);
        goto out;
    }
    if (gpu && !g->link[0]) {
        cmd_fail("plan: gpu '%s' names no GPU-GPU link in the catalog", g->name);
        goto out;
    }
    if (net) {
        const struct catalog_link *l = catalog_link(cat, net, &e);
        if (!l) {
            cmd_fail("plan: --network: %s", e.msg);
            goto out;
        }
        if (l->kind != CATALOG_LINK_NIC) {
            cmd_fail("plan: --network: '%s' is not a NIC link (kind %s)", net, catalog_link_kind_name(l->kind));
            goto out;
        }
    }
    struct llmplan_opts o = {&a, (int)ngpus, gpn, batch, x.model.precision, g->mem_bytes, g->name,
                             ltp ? vtp : NULL, lpp ? vpp : NULL, lmb ? vmb : NULL, ntp, npp, nmb, inter};
    if (llmplan_enumerate(&o, &c, &nc, &e)) {
        cmd_fail("plan: %s", e.msg);
        goto out;
    }
    if (nc == 0) {
        cmd_fail("plan: no layout of %s on %lld GPUs at batch %lld: none of the tensor x pipeline sizes splits "
                 "heads %lld, layers %lld and %lld GPUs evenly with the global batch a multiple of data x microbatch",
                 model, ngpus, batch, (long long)a.heads, (long long)a.layers, ngpus);
        goto out;
    }
    if (plan_files(outdir, tmpl, "plan-llm.csv", tcopy, csv, best, sizeof csv, &e)) {
        cmd_fail("plan: %s", e.msg);
        goto out;
    }
    /* The sets of every layout: the user's, then the cluster, model and training. */
    const char *gname = g->name, *nname = net ? net : x.cluster.nic;
    int nodes = (int)(ngpus / gpn);
    base = calloc((size_t)sets.n + 6, sizeof *base);
    res = calloc((size_t)nc, sizeof *res);
    run = calloc((size_t)nc, sizeof *run);
    order = calloc((size_t)nc, sizeof *order);
    if (!base || !res || !run || !order) {
        cmd_fail("plan: out of memory");
        goto out;
    }
    {
        char b[6][320];
        int k = 0;
        snprintf(b[k++], 320, "model.name=%s", model);
        snprintf(b[k++], 320, "cluster.nodes=%d", nodes);
        if (gpu) {
            snprintf(b[k++], 320, "cluster.gpu=%s", g->name);
            snprintf(b[k++], 320, "cluster.intra_link=%s", g->link);
        }
        if (net) snprintf(b[k++], 320, "cluster.nic=%s", net);
        snprintf(b[k++], 320, "training.batch=%lld", batch);
        /* training.tokens last: %.17g keeps every digit */
        for (int i = 0; i < sets.n; i++) base[nbase++] = strdup(sets.v[i]);
        for (int i = 0; i < k; i++) base[nbase++] = strdup(b[i]);
        char tk[64];
        snprintf(tk, sizeof tk, "training.tokens=%.17g", tokens);
        base[nbase++] = strdup(tk);
        for (int i = 0; i < nbase; i++)
            if (!base[i]) {
                cmd_fail("plan: out of memory");
                goto out;
            }
    }
    int nrun = 0, ndom = 0, nmem = 0, ninv = 0;
    for (int i = 0; i < nc; i++) {
        if (c[i].st == LLMPLAN_RUN) run[nrun++] = i;
        ndom += c[i].st == LLMPLAN_DOMINATED;
        nmem += c[i].st == LLMPLAN_NOFIT;
        ninv += c[i].st == LLMPLAN_INVALID;
    }
    struct plan_ctx p = {tcopy, base, nbase, c, run, res, cat, gname, nname, nodes, gpn, x.cluster.nics_per_node, isatty(2)};
    /* The first layout to simulate, loaded and checked here as dtsim run
     * checks it: what is wrong with the template, the model or the
     * catalog rows is one error now, not an error row per layout. */
    if (nrun) {
        char **ls;
        int nls;
        struct experiment y;
        if (layout_sets(&p, &c[run[0]], &ls, &nls)) {
            cmd_fail("plan: out of memory");
            goto out;
        }
        int lrc = experiment_load_ex(&y, tcopy, ls, nls, cmd_resolve, NULL, &e);
        sweep_sets_free(ls, nls);
        if (!lrc) {
            lrc = run_check(&y, cat, &e);
            experiment_free(&y);
        }
        if (lrc) {
            cmd_fail("plan: %s", e.msg);
            goto out;
        }
    }
    if (nrun && jobs_run(nrun, par, child, done, &p) != 0) {
        if (errno == EINTR) rc = 128 + jobs_stop_signal();
        else cmd_fail("plan: cannot start simulations: %s", strerror(errno));
        goto out;
    }
    if (write_csv(csv, &p, nc, &e)) {
        cmd_fail("plan: %s", e.msg);
        goto out;
    }
    int nok = 0, nerr = 0;
    for (int j = 0; j < nrun; j++) {
        if (res[run[j]].rc == 0) order[nok++] = run[j];
        else nerr++;
    }
    const char *tk = tktext;
    printf("dtsim plan: %s (%lld layers, hidden %lld, %lld heads), %s tokens, global batch %lld sequences of %lld tokens\n"
           "on %lld x %s (%d node%s of %d, %s, %s), template %s\n",
           model, (long long)a.layers, (long long)a.hidden, (long long)a.heads, tk, batch, (long long)a.seq, ngpus,
           gname, nodes, nodes == 1 ? "" : "s", gpn, gpu ? g->link : x.cluster.intra_link, nname,
           tmpl == tbuf ? "configs/plan/llm-template.ini" : tmpl);
    for (int i = 0; i < sets.n; i++) printf("%s--set %s%s", i ? " " : "with ", sets.v[i], i + 1 < sets.n ? "" : "\n");
    if (inter) printf("with the interleaved schedule (%d chunks per GPU) beside 1f1b\n", inter);
    printf("%d candidate layouts (tensor x pipeline x microbatch x %d ZeRO/recompute choices; 1f1b, sequence\n"
           "parallel with tensor > 1): %d simulated, %d dominated by a cheaper choice that fits, %d do not fit\n"
           "in %.1f GB, %d invalid (ZeRO-3 with data 1)\n",
           nc, LLMPLAN_NCHOICE, nrun, ndom, nmem, g->mem_bytes / GB, ninv);
    if (nerr) printf("%d simulations failed (see the reason column of %s)\n", nerr, csv);
    if (nok == 0) {
        if (nrun == 0) {
            int k = -1;
            for (int i = 0; i < nc; i++)
                if (c[i].st == LLMPLAN_NOFIT && (k < 0 || c[i].m.total < c[k].m.total)) k = i;
            char why[256];
            if (k >= 0) layout_mem_refusal(&c[k].m, g->mem_bytes, gname, why, sizeof why);
            else snprintf(why, sizeof why, "none is valid");
            cmd_fail("plan: no layout of %s on %lld x %s fits in memory; the smallest (tensor %d, pipeline %d, "
                     "microbatch %d, ZeRO-%d, recompute %s) %s; try more GPUs or a smaller --batch or microbatch "
                     "(%s has every layout)",
                     model, ngpus, gname, k >= 0 ? c[k].l.tp : 0, k >= 0 ? c[k].l.pp : 0, k >= 0 ? c[k].l.microbatch : 0,
                     k >= 0 ? c[k].l.zero : 0, k >= 0 ? exp_recompute_name(c[k].l.rc) : "", why, csv);
        } else {
            cmd_fail("plan: every simulation failed (see %s)", csv);
        }
        rc = DT_EXIT_USAGE;
        goto out;
    }
    sort_ctx = &p;
    qsort(order, (size_t)nok, sizeof *order, by_time);
    printf("\nthe fastest layouts:\n");
    printf("  %-3s %3s %3s %5s %3s %4s %-9s %9s %10s %8s %6s %8s %8s %11s  %s\n", "#", "TP", "PP", "DP", "mb", "ZeRO",
           "recompute", "step", "tokens/s", "TFLOP/s", "MFU", "mem GB", "time", "cost USD", "bound");
    for (int j = 0; j < nok && j < top; j++) {
        const struct llmplan_cand *q = &c[order[j]];
        const struct res *r = &res[order[j]];
        char t[32], cost[32];
        days_str(t, sizeof t, r->ttt_s);
        if (r->cost >= 0) snprintf(cost, sizeof cost, "%.0f", r->cost);
        else snprintf(cost, sizeof cost, "-");
        char pp[16];
        snprintf(pp, sizeof pp, q->l.vstages > 1 ? "%dx%d" : "%d", q->l.pp, q->l.vstages);
        printf("  %-3d %3d %3s %5d %3d %4d %-9s %7.3f s %10.0f %8.1f %5.1f%% %8.1f %8s %11s  %s\n", j + 1, q->l.tp, pp,
               q->l.dp, q->l.microbatch, q->l.zero, exp_recompute_name(q->l.rc), r->step_s, r->tokens_per_s,
               r->tflops, 100 * r->mfu, q->m.total / GB, t, cost, r->bound);
    }
    if (write_best(best, &p, order[0], model, tktext, &e)) {
        cmd_fail("plan: %s", e.msg);
        goto out;
    }
    if (inter) printf("\nPP PxV: pipeline P, the interleaved schedule with V model chunks per GPU.");
    printf("\nTFLOP/s: model FLOPs (6N + attention, no recompute) per GPU; MFU against the GPU's dense 16-bit peak;\n"
           "bound: the largest part of the critical stage's step (compute, tensor-parallel comm, data-parallel\n"
           "comm, pipeline bubble). Cost: the catalog's prices x the time.\n"
           "wrote %s and %s (the fastest: dtsim run %s)\n",
           csv, best, best);
    rc = DT_EXIT_OK;
out:
    if (xok) experiment_free(&x);
    cmd_sets_free(&sets);
    if (base) sweep_sets_free(base, nbase);
    free(c);
    free(res);
    free(run);
    free(order);
    catalog_free(cat);
    return rc;
}
