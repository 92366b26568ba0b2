/* kstream.c -- a step's kernel stream and its plain-C simulation (see kstream.h). */
#include "kstream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int kstream_buckets(const double *grad_bytes, size_t nlayers, double bucket_bytes, size_t esz, uint64_t *counts,
                    size_t *close, size_t max)
{
    int n = 0;
    double acc = 0;
    if (!grad_bytes) return 0;
    for (size_t k = nlayers; k-- > 0;) {
        acc += grad_bytes[k];
        if (acc > 0 && (acc >= bucket_bytes || k == 0)) {
            if ((size_t)n < max) {
                if (counts) counts[n] = (uint64_t)(acc / (double)esz + 0.5);
                if (close) close[n] = k;
            }
            n++;
            acc = 0;
        }
    }
    return n;
}

void kstream_free(struct kstream *ks)
{
    free(ks->k);
    free(ks->bucket_count);
    memset(ks, 0, sizeof *ks);
}

/* Appends kernels; `pending` carries the time of fused (0-kernel) layers. */
struct emit {
    struct kstream *ks;
    double pending;
};

static void emit(struct emit *em, int pass, int nk, double gpu_s, double host_s)
{
    struct kstream *ks = em->ks;
    if (nk == 0) {
        em->pending += gpu_s;
        return;
    }
    for (int j = 0; j < nk; j++) {
        struct kstream_kernel *k = &ks->k[ks->n++];
        k->host_s = host_s;
        k->gpu_s = gpu_s / nk + (j == 0 ? em->pending : 0);
        k->pass = (int8_t)pass;
        k->sync = 0;
        k->bucket = -1;
        ks->host_s[pass] += host_s;
        ks->gpu_s[pass] += k->gpu_s;
    }
    em->pending = 0;
}

/* Fused time left at the end of a pass goes to its last kernel. */
static void flush(struct emit *em, int pass, int first)
{
    struct kstream *ks = em->ks;
    if (em->pending > 0 && ks->n > first) {
        ks->k[ks->n - 1].gpu_s += em->pending;
        ks->gpu_s[pass] += em->pending;
    } else if (em->pending > 0) { /* every layer fused: one kernel carries the pass */
        emit(em, pass, 1, 0, 0);
        return;
    }
    em->pending = 0;
}

static int nkernels_fwd(const struct stack *st, const struct dnn_layer *l, int amp)
{
    int matrix = l->kind == DNN_CONV || l->kind == DNN_FC || l->kind == DNN_MATMUL;
    return st->kernels[l->kind][0] + (amp && matrix && l->params > 0 ? st->kernels_amp : 0);
}

int kstream_build(const struct kstream_in *in, struct kstream *ks, dt_err *e)
{
    memset(ks, 0, sizeof *ks);
    const struct stack *st = in->stack;
    const struct dnn_net *net = in->net;
    if (!net->nlayers) return dt_errf(e, DT_EINVAL, "kernel stream: the model has no layers");
    if (in->grad_bytes && !(in->bucket_bytes > 0)) return dt_errf(e, DT_EINVAL, "kernel stream: bucket size must be positive");
    if (in->grad_elem_bytes < 1 && in->grad_bytes) return dt_errf(e, DT_EINVAL, "kernel stream: gradient element size");
    size_t esz = in->grad_elem_bytes > 0 ? (size_t)in->grad_elem_bytes : 4;
    int nb = kstream_buckets(in->grad_bytes, net->nlayers, in->bucket_bytes, esz, NULL, NULL, 0);
    size_t *close = calloc((size_t)nb + 1, sizeof *close);
    ks->bucket_count = calloc((size_t)nb + 1, sizeof *ks->bucket_count);
    int with_params = 0, cap = 4;
    for (size_t i = 0; i < net->nlayers; i++) {
        const struct dnn_layer *l = &net->layers[i];
        with_params += l->params > 0;
        cap += nkernels_fwd(st, l, in->amp) + st->kernels[l->kind][1] + 2;
    }
    int nopt = st->opt_kernels + (int)lround(st->opt_kernels_per_layer * with_params);
    if (nopt < 1) nopt = 1;
    cap += nopt;
    ks->k = calloc((size_t)cap, sizeof *ks->k);
    if (!close || !ks->bucket_count || !ks->k) {
        free(close);
        kstream_free(ks);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    kstream_buckets(in->grad_bytes, net->nlayers, in->bucket_bytes, esz, ks->bucket_count, close, (size_t)nb);
    ks->nbuckets = nb;
    struct emit em = {ks, 0};
    for (size_t i = 0; i < net->nlayers; i++)
        emit(&em, STACK_FWD, nkernels_fwd(st, &net->layers[i], in->amp), in->fwd_s[i], st->dispatch_s[STACK_FWD]);
    flush(&em, STACK_FWD, 0);
    ks->kernels_fwd = ks->n;
    int b = 0, first_bwd = ks->n;
    for (size_t i = net->nlayers; i-- > 0;) {
        const struct dnn_layer *l = &net->layers[i];
        emit(&em, STACK_BWD, st->kernels[l->kind][1], in->bwd_s[i], st->dispatch_s[STACK_BWD]);
        if (b < nb && close[b] == i) {
            if (em.pending > 0 || ks->n == first_bwd) emit(&em, STACK_BWD, 1, 0, 0); /* fused: closes with the time it carries */
            ks->k[ks->n - 1].bucket = (int16_t)b++;
        }
    }
    flush(&em, STACK_BWD, first_bwd);
    ks->last_bwd = ks->n - 1;
    ks->kernels_bwd = ks->n - first_bwd;
    ks->first_opt = ks->n;
    if (st->sync == STACK_SYNC_OPTIMIZER || st->optimizer == STACK_OPT_CPU) {
        emit(&em, STACK_OPT, 1, 0, 0); /* marker: finishes once the all-reduces have */
        ks->k[ks->n - 1].sync = 1;
    }
    int opt0 = ks->n;
    if (st->optimizer == STACK_OPT_CPU)
        emit(&em, STACK_OPT, 1, 0, in->optimizer_cpu_s); /* host work: copies and the CPU update */
    else
        emit(&em, STACK_OPT, nopt, in->optimizer_s, st->dispatch_s[STACK_OPT]);
    ks->kernels_opt = ks->n - opt0;
    if (st->sync == STACK_SYNC_STEP) ks->k[ks->n - 1].sync = 1;
    if (st->queue == 0)
        for (int i = 0; i < ks->n; i++) ks->k[i].sync = 1;
    ks->step_host_s = st->step_host_s;
    ks->queue = st->queue;
    ks->overlap = st->overlap;
    free(close);
    return 0;
}

int kstream_sim(const struct kstream *ks, const struct kstream_simopts *o, struct kstream_result *r, dt_err *e)
{
    memset(r, 0, sizeof *r);
    int steps = o->warmup + o->measured, n = ks->n, P = o->prefetch > 0 ? o->prefetch : 1;
    if (o->measured < 1 || o->warmup < 0) return dt_errf(e, DT_EINVAL, "kernel stream: need a measured step");
    if (ks->nbuckets > 0 && !o->bucket_s && ks->first_opt >= n)
        return dt_errf(e, DT_EINVAL, "kernel stream: no optimizer kernel to wait for the all-reduces");
    /* completion times of the last R kernels (the queue looks back `queue`) */
    long long total = (long long)steps * n;
    long long R = ks->queue > 0 && ks->queue < total ? ks->queue + 1 : 1;
    double *done = calloc((size_t)R, sizeof *done);
    double *ready = calloc((size_t)ks->nbuckets + 1, sizeof *ready);
    double *in_end = calloc((size_t)steps + 1, sizeof *in_end), *took = calloc((size_t)steps + 1, sizeof *took);
    if (!done || !ready || !in_end || !took) {
        free(done), free(ready), free(in_end), free(took);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    double h = 0, g = 0, prod_free = 0, comm_end = -1;
    for (int j = 0; j < steps; j++) {
        int meas = j >= o->warmup;
        double g0 = g, busy[3] = {0, 0, 0}, idle_issue = 0, exposed = 0, input_wait = 0, ar = 0, fwd_end = g;
        if (o->input_s > 0) {
            double slot = j >= P ? took[j - P] : 0;
            in_end[j] = (prod_free > slot ? prod_free : slot) + o->input_s;
            prod_free = in_end[j];
            if (in_end[j] > h) input_wait = in_end[j] - h, h = in_end[j];
            took[j] = h;
        }
        h += ks->step_host_s;
        for (int k = 0; k < n; k++) {
            const struct kstream_kernel *K = &ks->k[k];
            long long seq = (long long)j * n + k;
            h += K->host_s;
            if (ks->queue > 0 && seq >= ks->queue && R > 1) {
                double t = done[(seq - ks->queue) % R];
                if (t > h) h = t;
            }
            double issue = h, start = issue > g ? issue : g;
            if (issue > g) idle_issue += issue - g;
            if (k == ks->first_opt && ks->nbuckets > 0 && o->bucket_s) {
                double prev = comm_end;
                for (int b = 0; b < ks->nbuckets; b++) {
                    double s0 = ready[b] > prev ? ready[b] : prev;
                    prev = s0 + o->bucket_s[b];
                    ar += o->bucket_s[b];
                }
                comm_end = prev;
                if (comm_end > start) exposed = comm_end - start, start = comm_end;
            }
            double end = start + K->gpu_s;
            g = end;
            done[seq % R] = end;
            busy[K->pass] += K->gpu_s;
            if (K->pass == STACK_FWD) fwd_end = end;
            if (K->bucket >= 0 && ks->overlap) ready[K->bucket] = end;
            if (k == ks->last_bwd) {
                if (!ks->overlap)
                    for (int b = 0; b < ks->nbuckets; b++) ready[b] = end;
                if (meas) r->backward_wall_s += end - fwd_end;
            }
            if (K->sync && end > h) h = end;
        }
        if (!meas) continue;
        double stall = input_wait < idle_issue ? input_wait : idle_issue;
        r->step_s += g - g0;
        r->forward_s += busy[STACK_FWD];
        r->backward_s += busy[STACK_BWD];
        r->optimizer_s += busy[STACK_OPT];
        r->exposed_comm_s += exposed;
        r->input_stall_s += stall;
        r->host_s += idle_issue - stall;
        r->allreduce_s += ar;
    }
    double m = o->measured;
    r->step_s /= m, r->forward_s /= m, r->backward_s /= m, r->optimizer_s /= m;
    r->exposed_comm_s /= m, r->input_stall_s /= m, r->host_s /= m, r->allreduce_s /= m, r->backward_wall_s /= m;
    free(done), free(ready), free(in_end), free(took);
    return 0;
}
