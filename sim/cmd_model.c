/* dtsim model -- print a DNN's layer table and totals (models/dnn.h). */
#include "cmd.h"
#include "dnn.h"
#include "memory.h"
#include "strsim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: dtsim model NAME [--csv] [--summary] [--batch B] [--resolution R] [--seq S] [--precision P]\n"
    "                   [--layers L] [--hidden H] [--heads A] [--kv-heads K] [--ffn F] [--vocab V]\n"
    "       dtsim model --list\n"
    "\n"
    "Print the layer table of a DNN: one row per layer (index, name, kind,\n"
    "output shape, parameters, forward and backward GFLOP, output activation\n"
    "MB) and the totals. FLOPs = 2 x multiply-adds; backward = data gradient +\n"
    "weight gradient. FLOPs and activations are for the whole batch;\n"
    "1 MB = 10^6 bytes. Conventions: docs/models.md.\n"
    "\n"
    "Transformers (rows of configs/models/*.ini) also get their architecture,\n"
    "N (parameters in matrix multiplies, the LM head counted even when tied)\n"
    "and training FLOPs per token = 6N + attention (12 x layers x seq x\n"
    "hidden), beside the layer table's own total per token.\n"
    "\n"
    "options:\n"
    "  --csv             CSV with a header row, one row per layer, integer counts\n"
    "  --batch B         samples per batch (default 1); every count but params scales with it\n"
    "  --resolution R    input height and width in pixels, image models (default 224)\n"
    "  --seq S           sequence length in tokens, transformer models (default: see --list)\n"
    "  --precision P     activation element type: fp32 (default), fp16 or bf16\n"
    "  --summary         totals only, no layer table\n"
    "  --layers L        transformers: override the row's blocks (also --hidden, --heads,\n"
    "  --hidden H          --kv-heads, --ffn, --vocab; --seq sets the sequence length);\n"
    "  --heads A           heads also sets kv_heads on a row without grouped-query attention\n"
    "  --kv-heads K\n"
    "  --ffn F\n"
    "  --vocab V\n"
    "  --list            list the models\n";

/* 25557032 -> "25,557,032" */
static char *commas(long long v, char *buf, size_t len)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", v < 0 ? -v : v);
    size_t at = 0;
    if (v < 0 && at + 1 < len) buf[at++] = '-';
    for (int i = 0; i < n && at + 1 < len; i++) {
        buf[at++] = tmp[i];
        if ((n - i - 1) % 3 == 0 && i != n - 1 && at + 1 < len) buf[at++] = ',';
    }
    buf[at] = '\0';
    return buf;
}

static int parse_pos(const char *opt, const char *s, long max, long *out)
{
    if (!s) return cmd_fail("option %s needs a value", opt);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) return cmd_fail("option %s: '%s' is not a whole number", opt, s);
    if (v < 1 || v > max) return cmd_fail("option %s: %ld out of range (1..%ld)", opt, v, max);
    *out = v;
    return 0;
}

static int list_models(void)
{
    size_t n;
    const struct dnn_model *const *ms = dnn_models(&n);
    dt_err e;
    if (dnn_models_load(&e)) return cmd_fail("%s", e.msg);
    printf("%-12s %-10s %17s %17s %12s %12s  %s\n", "name", "input", "params", "N (matrix)", "fwd GFLOP",
           "GFLOP/token", "description");
    for (size_t i = 0; i < n; i++) {
        struct dnn_net net;
        if (dnn_build(ms[i], NULL, &net, &e)) return cmd_fail("%s", e.msg);
        char shape[32], p[32], nm[32] = "-", tok[32] = "-";
        dnn_shape_str(&net.input, shape, sizeof shape);
        if (ms[i]->input == DNN_IN_TOKENS) strcat(shape, " tok");
        struct dnn_xf a;
        if (dnn_xf_arch(ms[i], NULL, &a, NULL) == 0) {
            double six_n, attn;
            double f = dnn_xf_train_flops_per_token(&a, net.size, &six_n, &attn);
            commas((long long)(six_n / 6 + 0.5), nm, sizeof nm);
            snprintf(tok, sizeof tok, "%.3f", f / 1e9);
        }
        printf("%-12s %-10s %17s %17s %12.3f %12s  %s\n", ms[i]->name, shape, commas(net.params, p, sizeof p), nm,
               net.fwd_flops / 1e9, tok, ms[i]->summary);
        dnn_free(&net);
    }
    return DT_EXIT_OK;
}

static void print_csv(const struct dnn_net *net, long batch)
{
    printf("index,name,kind,input,output,params,macs,fwd_flops,bwd_data_flops,bwd_weight_flops,"
           "act_bytes,fwd_bytes,bwd_bytes\n");
    for (size_t i = 0; i < net->nlayers; i++) {
        const struct dnn_layer *l = &net->layers[i];
        char in[64], out[64];
        printf("%zu,%s,%s,%s,%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld\n", i, l->name, dnn_kind_name(l->kind),
               dnn_shape_str(&l->in, in, sizeof in), dnn_shape_str(&l->out, out, sizeof out), (long long)l->params,
               (long long)(l->macs * batch), (long long)(l->fwd_flops * batch),
               (long long)(l->bwd_data_flops * batch), (long long)(l->bwd_weight_flops * batch),
               (long long)(l->act_bytes * batch), (long long)dnn_layer_fwd_bytes(l, batch, net->elem_bytes),
               (long long)dnn_layer_bwd_bytes(l, batch, net->elem_bytes));
    }
}

/* A transformer's architecture and its FLOPs per token: 6N + attention
 * against the layer table's own total. */
static void print_xf(const struct dnn_net *net, const struct dnn_xf *a, int over)
{
    char p[32];
    printf("\ntransformer%s: %s, %lld layers, hidden %lld, %lld heads (%lld key/value), ffn %lld (%s), %s\n",
           over ? " (row overridden)" : "", a->kind == DNN_XF_ENCODER ? "encoder" : "decoder", (long long)a->layers, (long long)a->hidden,
           (long long)a->heads, (long long)a->kv_heads, (long long)a->ffn, a->ffn_kind == DNN_FFN_SWIGLU ? "swiglu" : "gelu",
           a->norm == DNN_NORM_RMSNORM ? "rmsnorm" : "layernorm");
    printf("  vocab %lld, seq %d, %s, %s, %s\n", (long long)a->vocab, net->size,
           a->positions ? "learned positions" : "rotary positions",
           a->kind == DNN_XF_ENCODER ? "no LM head" : a->tied ? "LM head tied" : "LM head untied",
           a->bias ? "biases" : "no biases");
    double six_n, attn;
    double f = dnn_xf_train_flops_per_token(a, net->size, &six_n, &attn);
    double table = (double)(net->fwd_flops + net->bwd_flops) / net->size;
    printf("  N            %s parameters in matrix multiplies (%s)\n", commas((long long)(six_n / 6 + 0.5), p, sizeof p),
           a->kind == DNN_XF_ENCODER ? "every linear layer and the pooler" : "every linear layer and the LM head, tied or not");
    printf("  FLOPs/token  %.3f GFLOP = 6N %.3f + attention %.3f (12 x layers x seq x hidden); training, no recompute\n",
           f / 1e9, six_n / 1e9, attn / 1e9);
    printf("  layer table  %.3f GFLOP per token (forward + backward), %+.2f%% from 6N + attention: elementwise layers, "
           "biases%s\n", table / 1e9, 100 * (table - f) / f,
           a->kind == DNN_XF_ENCODER ? ", embeddings, the pooler on one token" : " and embeddings");
}

static void print_table(const struct dnn_net *net, long batch, const char *prec, int rows)
{
    const struct dnn_model *m = net->model;
    int w = 4;
    for (size_t i = 0; i < net->nlayers; i++) {
        int len = (int)strlen(net->layers[i].name);
        if (len > w) w = len;
    }
    char s[64], p[32];
    printf("model %s: %s\n", m->name, m->summary);
    printf("input %s%s, batch %ld, activations %s (%d-byte elements)\n\n", dnn_shape_str(&net->input, s, sizeof s),
           m->input == DNN_IN_TOKENS ? " tokens" : "", batch, prec, net->elem_bytes);
    if (rows)
        printf("%4s  %-*s  %-9s  %-14s  %12s  %10s  %10s  %9s\n", "idx", w, "name", "kind", "output", "params",
               "fwd GFLOP", "bwd GFLOP", "act MB");
    for (size_t i = 0; rows && i < net->nlayers; i++) {
        const struct dnn_layer *l = &net->layers[i];
        printf("%4zu  %-*s  %-9s  %-14s  %12s  %10.4f  %10.4f  %9.2f\n", i, w, l->name, dnn_kind_name(l->kind),
               dnn_shape_str(&l->out, s, sizeof s), commas(l->params, p, sizeof p), (double)l->fwd_flops * batch / 1e9,
               (double)(l->bwd_data_flops + l->bwd_weight_flops) * batch / 1e9, (double)l->act_bytes * batch / 1e6);
    }
    printf("%stotal: %zu layers\n", rows ? "\n" : "", net->nlayers);
    printf("  parameters   %s (gradients %.2f MB fp32, %.2f MB fp16)\n", commas(net->params, p, sizeof p),
           net->params * 4 / 1e6, net->params * 2 / 1e6);
    printf("  forward      %.3f GFLOP (%.3f G multiply-adds)\n", (double)net->fwd_flops * batch / 1e9,
           (double)net->macs * batch / 1e9);
    printf("  backward     %.3f GFLOP (data gradient %.3f, weight gradient %.3f)\n", (double)net->bwd_flops * batch / 1e9,
           (double)net->bwd_data_flops * batch / 1e9, (double)net->bwd_weight_flops * batch / 1e9);
    printf("  activations  %.2f MB (sum of layer outputs)\n", (double)net->act_bytes * batch / 1e6);
    /* what backward keeps (models/memory.h): in-place ReLU outputs not counted, the input sample is */
    double kept = (double)mem_act_elems(net) * net->elem_bytes +
                  (m->input == DNN_IN_TOKENS ? 8.0 * (double)dnn_shape_elems(&net->input) : 0);
    printf("  kept for backward %.2f MB (every output but in-place ReLU's, and the input; dtsim run's memory)\n",
           kept * batch / 1e6);
}

static int cmd_model(int argc, char **argv)
{
    const char *name = NULL;
    int csv = 0, list = 0, summary = 0;
    long batch = 1, res = 0, seq = 0;
    long xv[6] = {0};
    static const char *const xopt[6] = {"--layers", "--hidden", "--heads", "--kv-heads", "--ffn", "--vocab"};
    int elem_bytes = 4;
    const char *prec = "fp32";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cmd_is_help(a)) {
            fputs(usage_text, stdout);
            return DT_EXIT_OK;
        } else if (strcmp(a, "--csv") == 0) {
            csv = 1;
        } else if (strcmp(a, "--list") == 0) {
            list = 1;
        } else if (strcmp(a, "--summary") == 0) {
            summary = 1;
        } else if (strcmp(a, "--batch") == 0) {
            if (parse_pos(a, i + 1 < argc ? argv[++i] : NULL, 65536, &batch)) return DT_EXIT_USAGE;
        } else if (strcmp(a, "--resolution") == 0) {
            if (parse_pos(a, i + 1 < argc ? argv[++i] : NULL, 1L << 20, &res)) return DT_EXIT_USAGE;
        } else if (strcmp(a, "--seq") == 0) {
            if (parse_pos(a, i + 1 < argc ? argv[++i] : NULL, 1L << 20, &seq)) return DT_EXIT_USAGE;
        } else if ((strcmp(a, xopt[0]) == 0 || strcmp(a, xopt[1]) == 0 || strcmp(a, xopt[2]) == 0 ||
                    strcmp(a, xopt[3]) == 0 || strcmp(a, xopt[4]) == 0 || strcmp(a, xopt[5]) == 0)) {
            int k = 0;
            while (strcmp(a, xopt[k]) != 0) k++;
            if (parse_pos(a, i + 1 < argc ? argv[++i] : NULL, 1L << 30, &xv[k])) return DT_EXIT_USAGE;
        } else if (strcmp(a, "--precision") == 0) {
            if (i + 1 >= argc) return cmd_fail("option --precision needs a value");
            const char *v = argv[++i];
            prec = v;
            if (strcmp(v, "fp32") == 0) elem_bytes = 4;
            else if (strcmp(v, "fp16") == 0 || strcmp(v, "bf16") == 0) elem_bytes = 2;
            else return cmd_fail("option --precision: unknown precision '%s' (valid: fp32, fp16, bf16)", v);
        } else if (a[0] == '-' && a[1]) {
            static const char *const opts[] = {"--csv",    "--list",   "--summary", "--batch",  "--resolution",
                                               "--seq",    "--precision", "--layers", "--hidden", "--heads",
                                               "--kv-heads", "--ffn",  "--vocab",   "--help"};
            const char *near = strsim_nearest(a, opts, sizeof opts / sizeof opts[0]);
            if (near) return cmd_fail("unknown option '%s' (did you mean '%s'?)", a, near);
            return cmd_fail("unknown option '%s' (see 'dtsim model --help')", a);
        } else if (!name) {
            name = a;
        } else {
            return cmd_fail("unexpected argument '%s' (one model name only)", a);
        }
    }
    if (list) return list_models();
    if (!name) return cmd_fail("no model named (see 'dtsim model --list')");
    dt_err e;
    const struct dnn_model *m = dnn_find(name, &e);
    if (!m) return cmd_fail("%s", e.msg);
    if (res && m->input != DNN_IN_IMAGE)
        return cmd_fail("option --resolution applies to image models; '%s' takes --seq", m->name);
    if (seq && m->input != DNN_IN_TOKENS)
        return cmd_fail("option --seq applies to transformer models; '%s' takes --resolution", m->name);
    struct dnn_xf_override ov = {xv[0], xv[1], xv[2], xv[3], xv[4], xv[5], 0};
    int over = xv[0] || xv[1] || xv[2] || xv[3] || xv[4] || xv[5];
    struct dnn_xf arch;
    int is_xf = dnn_xf_arch(m, over ? &ov : NULL, &arch, &e) == 0;
    if (over && !is_xf) return cmd_fail("%s", e.msg);
    struct dnn_opts o = {.size = (int)(res ? res : seq), .elem_bytes = elem_bytes, .xf = over ? &ov : NULL};
    struct dnn_net net;
    if (dnn_build(m, &o, &net, &e)) return cmd_fail("%s", e.msg);
    if (csv) {
        print_csv(&net, batch);
    } else {
        print_table(&net, batch, prec, !summary);
        if (is_xf) print_xf(&net, &arch, over);
    }
    dnn_free(&net);
    return DT_EXIT_OK;
}

const struct dtsim_cmd dtsim_cmd_model = {"model", "print a DNN's layer table: shapes, FLOPs, parameters", cmd_model};
