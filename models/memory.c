/* memory.c -- device memory per GPU (memory.h). */
#include "memory.h"

#include "stack.h"

#include <stdio.h>
#include <string.h>

enum mem_optimizer mem_optimizer_of(const struct dnn_model *m)
{
    return m->input == DNN_IN_TOKENS ? MEM_ADAM : MEM_SGD_MOMENTUM;
}

const char *mem_optimizer_name(enum mem_optimizer o)
{
    return o == MEM_ADAM ? "Adam" : "SGD with momentum";
}

int64_t mem_act_elems(const struct dnn_net *net)
{
    int64_t a = net->model && net->model->input == DNN_IN_IMAGE ? dnn_shape_elems(&net->input) : 0;
    for (size_t i = 0; i < net->nlayers; i++)
        if (net->layers[i].kind != DNN_RELU) a += net->layers[i].out_elems;
    return a;
}

void mem_need(const struct dnn_net *net, long long batch, enum exp_precision prec, enum mem_optimizer opt,
              int opt_on_gpu, struct mem_need *m)
{
    memset(m, 0, sizeof *m);
    double P = (double)net->params;
    double k = opt == MEM_ADAM ? 2 : 1;
    double E = prec == EXP_FP32 ? 4 : 2;
    m->weights = E * P;
    m->gradients = E * P;
    switch (prec) {
    case EXP_FP32: m->optimizer = 4 * P * k; break;
    case EXP_FP16: m->optimizer = 2 * P * k; break;
    default: m->optimizer = 4 * P + 4 * P * k; break; /* amp, bf16: fp32 master + fp32 states */
    }
    if (!opt_on_gpu) m->optimizer = 0;
    double tokens = net->model && net->model->input == DNN_IN_TOKENS ? 8.0 * (double)dnn_shape_elems(&net->input) : 0;
    m->activations = (double)batch * (E * (double)mem_act_elems(net) + tokens);
    m->workspace = MEM_WORKSPACE_BYTES;
    m->total = m->weights + m->gradients + m->optimizer + m->activations + m->workspace;
    m->batch = batch;
    m->opt = opt;
    m->prec = prec;
}

int mem_experiment(const struct experiment *x, const struct catalog *cat, struct mem_need *m, double *cap, dt_err *e)
{
    const struct catalog_gpu *g = catalog_gpu(cat, x->cluster.gpu, e);
    if (!g) return DT_ENOENT;
    struct dnn_net net;
    int rc = dnn_build_name(x->model.name, NULL, &net, e);
    if (rc) return rc;
    long long b = 0;
    int gpus = experiment_gpus(x);
    for (int k = 0; k < x->training.nbatch; k++)
        if (x->training.batch[k].global_batch / gpus > b) b = x->training.batch[k].global_batch / gpus;
    int on_gpu = 1;
    dt_err le;
    const struct stack *st = catalog_stack(cat, x->model.stack, &le);
    if (st && st->optimizer == STACK_OPT_CPU) on_gpu = 0;
    mem_need(&net, b, x->model.precision, mem_optimizer_of(net.model), on_gpu, m);
    dnn_free(&net);
    *cap = g->mem_bytes;
    return 0;
}

#define GIB (1024.0 * 1024 * 1024)

char *mem_refusal(const struct mem_need *m, double cap, const char *gpu, char *buf, size_t len)
{
    snprintf(buf, len,
             "does not fit: %.2f GiB per GPU needed at %lld per GPU (weights %.2f + gradients %.2f + optimizer %.2f "
             "[%s] + activations %.2f + workspace %.2f GiB) > %.2f GiB on %s; use a smaller per-GPU batch (more "
             "GPUs or a smaller global batch)%s or a GPU with more memory",
             m->total / GIB, m->batch, m->weights / GIB, m->gradients / GIB, m->optimizer / GIB,
             mem_optimizer_name(m->opt), m->activations / GIB, m->workspace / GIB, cap / GIB, gpu,
             m->prec == EXP_FP32 ? ", 16-bit precision (amp)," : ",");
    return buf;
}

int mem_check(const struct experiment *x, const struct catalog *cat, dt_err *e)
{
    struct mem_need m;
    double cap;
    int rc = mem_experiment(x, cat, &m, &cap, e);
    if (rc) return rc;
    if (m.total <= cap) return 0;
    char msg[600];
    mem_refusal(&m, cap, x->cluster.gpu, msg, sizeof msg);
    struct config_entry tmp;
    return config_errf(e, DT_ERANGE, config_find_or(x->cfg, "training", "batch", "", &tmp), "%s", msg);
}
