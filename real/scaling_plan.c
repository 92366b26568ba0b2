#include "scaling_plan.h"

#include "gpucompute.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int scaling_layers(const char *model, struct scaling_layer *out, int max, dt_err *e)
{
    struct compute_layer cl[COMPUTE_MAX_LAYERS];
    int n = compute_layers(model, cl, COMPUTE_MAX_LAYERS, e);
    if (n < 0) return n;
    if (n > max) return dt_errf(e, DT_ERANGE, "model '%s' has %d layers, room for %d", model, n, max);
    for (int i = 0; i < n; i++) {
        struct scaling_layer *s = &out[i];
        memset(s, 0, sizeof *s);
        memcpy(s->name, cl[i].name, sizeof s->name);
        s->name[sizeof s->name - 1] = 0;
        s->conv = i;
        s->fwd_flops = compute_layer_flops(&cl[i], 1);
        s->bwd_flops = (cl[i].first ? 1 : 2) * s->fwd_flops;
        uint64_t w = (uint64_t)compute_layer_weights(&cl[i]);
        int fc = strcmp(cl[i].kind, "fc") == 0;
        s->params = w + (fc ? (uint64_t)cl[i].k : 2 * (uint64_t)cl[i].k);
    }
    return n;
}

uint64_t scaling_params(const struct scaling_layer *l, int n)
{
    uint64_t p = 0;
    for (int i = 0; i < n; i++) p += l[i].params;
    return p;
}

int scaling_buckets(const struct scaling_layer *l, int n, size_t esz, double bucket_bytes, struct scaling_bucket *out,
                    int max, dt_err *e)
{
    int nb = 0;
    uint64_t off = 0, acc = 0;
    for (int i = n - 1; i >= 0; i--) {
        acc += l[i].params;
        if ((double)(acc * esz) >= bucket_bytes || i == 0) {
            if (acc == 0) continue;
            if (nb == max) return dt_errf(e, DT_ERANGE, "more than %d buckets", max);
            out[nb++] = (struct scaling_bucket){.offset = off, .count = acc, .close_layer = i};
            off += acc;
            acc = 0;
        }
    }
    return nb;
}

void scaling_blocks(const struct scaling_layer *l, int n, double total_blocks, long *fwd, long *bwd)
{
    double step = 0;
    for (int i = 0; i < n; i++) step += l[i].fwd_flops + l[i].bwd_flops;
    for (int i = 0; i < n; i++) {
        fwd[i] = step > 0 ? lround(total_blocks * l[i].fwd_flops / step) : 0;
        bwd[i] = step > 0 ? lround(total_blocks * l[i].bwd_flops / step) : 0;
    }
}

int scaling_rank_counts(int n, int *out, int max)
{
    int k = 0;
    for (int r = 1; r < n && k < max; r *= 2) out[k++] = r;
    if (k < max && n >= 1) out[k++] = n;
    return k;
}

double scaling_efficiency(double ips, int k, double ips1)
{
    return k > 0 && ips1 > 0 ? ips / (k * ips1) : 0;
}

void scaling_gemm_block(float *restrict c, const float *restrict a, const float *restrict b)
{
    enum { B = SCALING_BLOCK };
    for (int i = 0; i < B; i++)
        for (int k = 0; k < B; k++) {
            float x = a[i * B + k];
            for (int j = 0; j < B; j++) c[i * B + j] += x * b[k * B + j];
        }
}
