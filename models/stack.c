/* stack.c -- training-stack rows: the ideal stack, parsing and printing
 * the per-kind kernel counts and per-architecture kernel speeds. */
#include "stack.h"

#include "strsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void stack_ideal(struct stack *s)
{
    memset(s, 0, sizeof *s);
    s->name = "none";
    s->framework = "ideal";
    s->version = "";
    s->queue = 1 << 20;
    s->overlap = 1;
    s->tf32 = 1;
    for (int k = 0; k < DNN_NKINDS; k++) s->kernels[k][0] = s->kernels[k][1] = 1;
    s->opt_kernels = 1;
    s->fitted = "";
    s->host_link = "PCIe3-x16";
    s->source = "what the silicon could do: no host cost, reference kernels";
    s->file = "";
}

int stack_eff_for(const struct stack *s, const char *arch, double *matrix, double *memory, dt_err *e)
{
    if (strcmp(s->name, "none") == 0) {
        *matrix = *memory = 1;
        return 0;
    }
    for (int i = 0; i < s->neff; i++)
        if (strcasecmp(s->eff[i].arch, arch) == 0) {
            *matrix = s->eff[i].matrix;
            *memory = s->eff[i].memory;
            return 0;
        }
    char has[256] = "";
    size_t used = 0;
    for (int i = 0; i < s->neff && used + STACK_ARCH_NAME + 2 < sizeof has; i++)
        used += (size_t)snprintf(has + used, sizeof has - used, "%s%s", i ? ", " : "", s->eff[i].arch);
    return dt_errf(e, DT_ENOENT, "stack '%s' has no fit for %s GPUs (it has: %s)", s->name, arch[0] ? arch : "this",
                   s->neff ? has : "none");
}

/* Next comma- or space-separated item of *p into buf; 0 at the end. */
static int next_item(const char **p, char *buf, size_t len)
{
    const char *s = *p;
    while (*s == ' ' || *s == ',' || *s == '\t') s++;
    if (!*s) return 0;
    size_t n = 0;
    while (s[n] && s[n] != ',' && s[n] != ' ' && s[n] != '\t') n++;
    if (n >= len) n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *p = s + n;
    while (**p && **p != ',' && **p != ' ' && **p != '\t') (*p)++;
    return 1;
}

/* "a/b" or "a" into two numbers parsed by conv; 0 on success. */
static int pair(const char *v, double *a, double *b)
{
    char *end;
    *a = strtod(v, &end);
    if (end == v) return -1;
    if (*end == '\0') {
        *b = *a;
        return 0;
    }
    if (*end != '/') return -1;
    const char *w = end + 1;
    *b = strtod(w, &end);
    return end == w || *end ? -1 : 0;
}

int stack_parse_kernels(const char *text, int kernels[DNN_NKINDS][2], dt_err *e)
{
    const char *p = text;
    char item[64];
    const char *names[DNN_NKINDS];
    for (int k = 0; k < DNN_NKINDS; k++) names[k] = dnn_kind_name((enum dnn_kind)k);
    while (next_item(&p, item, sizeof item)) {
        char *colon = strchr(item, ':');
        if (!colon) return dt_errf(e, DT_EINVAL, "'%s': expected kind:forward/backward, e.g. conv:1/2", item);
        *colon = '\0';
        int k = 0;
        while (k < DNN_NKINDS && strcmp(names[k], item) != 0) k++;
        if (k == DNN_NKINDS) {
            const char *near = strsim_nearest(item, names, DNN_NKINDS);
            char all[256];
            return dt_errf(e, DT_EINVAL, "unknown layer kind '%s'%s%s%s; kinds: %s", item, near ? " (did you mean '" : "",
                           near ? near : "", near ? "'?)" : "", strsim_join(all, sizeof all, names, DNN_NKINDS));
        }
        double f, b;
        if (pair(colon + 1, &f, &b) || f < 0 || b < 0 || f > 64 || b > 64 || f != (int)f || b != (int)b)
            return dt_errf(e, DT_EINVAL, "'%s:%s': kernel counts are whole numbers 0 to 64, forward/backward", item,
                           colon + 1);
        kernels[k][0] = (int)f;
        kernels[k][1] = (int)b;
    }
    return 0;
}

int stack_parse_eff(const char *text, struct stack_eff *eff, int max, int *n, dt_err *e)
{
    const char *p = text;
    char item[64];
    *n = 0;
    while (next_item(&p, item, sizeof item)) {
        char *colon = strchr(item, ':');
        if (!colon || colon == item) return dt_errf(e, DT_EINVAL, "'%s': expected ARCH:matrix/memory, e.g. Volta:0.8/0.9", item);
        *colon = '\0';
        if (strlen(item) >= STACK_ARCH_NAME) return dt_errf(e, DT_EINVAL, "architecture name '%s' too long", item);
        for (int i = 0; i < *n; i++)
            if (strcasecmp(eff[i].arch, item) == 0) return dt_errf(e, DT_EINVAL, "architecture '%s' given twice", item);
        if (*n == max) return dt_errf(e, DT_ERANGE, "more than %d architectures", max);
        double m, b;
        if (pair(colon + 1, &m, &b) || !(m > 0 && m <= 100) || !(b > 0 && b <= 100))
            return dt_errf(e, DT_EINVAL, "'%s:%s': kernel speed factors are numbers in (0, 100]", item, colon + 1);
        memcpy(eff[*n].arch, item, strlen(item) + 1); /* fits: checked above */
        eff[*n].matrix = m;
        eff[*n].memory = b;
        (*n)++;
    }
    return 0;
}

void stack_format_kernels(char *buf, size_t len, const int kernels[DNN_NKINDS][2])
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < DNN_NKINDS && used < len; k++) {
        int w = snprintf(buf + used, len - used, "%s%s:%d/%d", k ? ", " : "", dnn_kind_name((enum dnn_kind)k),
                         kernels[k][0], kernels[k][1]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

void stack_format_eff(char *buf, size_t len, const struct stack_eff *eff, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s:%.4g/%.4g", i ? ", " : "", eff[i].arch, eff[i].matrix,
                         eff[i].memory);
        if (w < 0) break;
        used += (size_t)w;
    }
}

const char *stack_sync_name(enum stack_sync s)
{
    static const char *const n[] = {"none", "optimizer", "step"};
    return (unsigned)s < 3 ? n[s] : "?";
}

const char *stack_optimizer_name(enum stack_optimizer o)
{
    return o == STACK_OPT_CPU ? "cpu" : "gpu";
}

void stack_write_keys(FILE *f, const struct stack *s)
{
    char kern[512], eff[512];
    stack_format_kernels(kern, sizeof kern, s->kernels);
    stack_format_eff(eff, sizeof eff, s->eff, s->neff);
    fprintf(f, "[stack %s]\n", s->name);
    fprintf(f, "framework    = %s\n", s->framework);
    fprintf(f, "version      = %s\n", s->version);
    fprintf(f, "year         = %d\n", s->year);
    fprintf(f, "dispatch_fwd = %.3fus\n", s->dispatch_s[STACK_FWD] * 1e6);
    fprintf(f, "dispatch_bwd = %.3fus\n", s->dispatch_s[STACK_BWD] * 1e6);
    fprintf(f, "dispatch_opt = %.3fus\n", s->dispatch_s[STACK_OPT] * 1e6);
    fprintf(f, "kernels      = %s\n", kern);
    fprintf(f, "kernels_amp  = %d\n", s->kernels_amp);
    fprintf(f, "opt_kernels  = %d\n", s->opt_kernels);
    fprintf(f, "opt_kernels_per_layer = %g\n", s->opt_kernels_per_layer);
    fprintf(f, "step_host    = %.3fms\n", s->step_host_s * 1e3);
    fprintf(f, "queue        = %d\n", s->queue);
    fprintf(f, "sync         = %s\n", stack_sync_name(s->sync));
    fprintf(f, "optimizer    = %s\n", stack_optimizer_name(s->optimizer));
    if (s->optimizer == STACK_OPT_CPU) {
        fprintf(f, "host_mem_bw  = %.3fGB/s\n", s->host_mem_bw_Bps / 1e9);
        fprintf(f, "host_link    = %s\n", s->host_link);
    }
    fprintf(f, "overlap      = %s\n", s->overlap ? "yes" : "no");
    fprintf(f, "tf32         = %s\n", s->tf32 ? "yes" : "no");
    fprintf(f, "decode_per_core = %.2f\n", s->decode_per_core);
    fprintf(f, "kernel_eff   = %s\n", eff);
}
