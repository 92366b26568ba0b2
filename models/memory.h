/* memory.h -- device memory one GPU needs to train a model (data parallel).
 *
 * Per GPU, in bytes, for P parameters, per-GPU batch b, precision p:
 *
 *   part         fp32     amp, bf16 (16-bit math,     fp16 (16-bit
 *                         fp32 master weights)        everything)
 *   weights      4P       2P                          2P
 *   gradients    4P       2P                          2P
 *   optimizer    4P k     4P + 4P k                   2P k
 *   activations  b x A x E, E = 4 (fp32) or 2 (the others)
 *   workspace    MEM_WORKSPACE_BYTES, a fixed reserve
 *
 * k is the optimizer's state per parameter: 1 for SGD with momentum (the
 * momentum buffer), 2 for Adam (first and second moments). Mixed
 * precision keeps an fp32 master copy of the weights beside the fp32
 * states: ZeRO's accounting (Rajbhandari et al. 2020, arXiv 1910.02054,
 * section 3.1: "2P + 2P + 12P" for mixed-precision Adam), after
 * Micikevicius et al. 2018 (arXiv 1710.03740); docs/references.md. A
 * stack that updates on a CPU parameter server (stack optimizer = cpu)
 * keeps the optimizer state in host memory: 0 on the GPU.
 *
 * The optimizer is the model's: SGD with momentum for the image models
 * (ResNet: He et al. 2015, Goyal et al. 2017; VGG), Adam for the token
 * models (BERT: Devlin et al. 2018, GPT-2: Radford et al. 2019, both
 * trained with Adam).
 *
 * A, activations kept for backward per sample (elements): every layer's
 * output except ReLU's, plus the input sample. ReLU runs in place
 * (torchvision builds ResNet and VGG with ReLU(inplace=True)), so its
 * output overwrites its input and is one tensor, not two; every other
 * output is kept for a backward formula (a conv or fc keeps its input for
 * the weight gradient, a BN or LayerNorm its input, softmax and GELU
 * theirs). An approximation, stated: frameworks free some of these early
 * (attention scores after softmax) and keep small extras (BN's per-channel
 * statistics, dropout masks), both ignored here. Token ids count 8 bytes
 * each (int64).
 *
 * Workspace: the CUDA context, the cuDNN/cuBLAS handles and their
 * workspaces, and the caching allocator's slack, as one fixed reserve of
 * 1 GiB [U] (docs/references.md, "Device memory").
 */
#ifndef DT_MEMORY_H
#define DT_MEMORY_H

#include "catalog.h"
#include "dnn.h"
#include "experiment.h"

#define MEM_WORKSPACE_BYTES (1024.0 * 1024 * 1024)

enum mem_optimizer { MEM_SGD_MOMENTUM = 0, MEM_ADAM = 1 };

struct mem_need {
    double weights, gradients, optimizer, activations, workspace; /* bytes per GPU */
    double total;               /* bytes: the sum of the five */
    long long batch;            /* per-GPU batch the activations are for */
    enum mem_optimizer opt;
    enum exp_precision prec;
};

/* The optimizer a model trains with (above). */
enum mem_optimizer mem_optimizer_of(const struct dnn_model *m);
/* "SGD with momentum", "Adam". */
const char *mem_optimizer_name(enum mem_optimizer o);

/* Activation elements kept for backward per sample (A above, elements;
 * token ids counted apart, see mem_need). */
int64_t mem_act_elems(const struct dnn_net *net);

/* Memory per GPU of net (built at any element size) at per-GPU batch
 * `batch` and precision `prec`; `opt_on_gpu` 0 when the optimizer state
 * lives on the host. */
void mem_need(const struct dnn_net *net, long long batch, enum exp_precision prec, enum mem_optimizer opt,
              int opt_on_gpu, struct mem_need *m);

/* The experiment's need at its largest per-GPU batch (all phases) on its
 * GPU row: fills *m and *cap (the row's mem_size, bytes). 0, or an error
 * (unknown model or gpu) in e. */
int mem_experiment(const struct experiment *x, const struct catalog *cat, struct mem_need *m, double *cap, dt_err *e);

/* The one-line refusal when m->total > cap: "does not fit: 81.3 GB per GPU
 * needed (weights 0.10 + ...) > 16.0 GB on V100-SXM2-16GB (...)". Writes
 * into buf, returns buf. */
char *mem_refusal(const struct mem_need *m, double cap, const char *gpu, char *buf, size_t len);

/* run_check's part: refuse, with file:line of model.name (or training.batch), an
 * experiment that does not fit. */
int mem_check(const struct experiment *x, const struct catalog *cat, dt_err *e);

#endif
