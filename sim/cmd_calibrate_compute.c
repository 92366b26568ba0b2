/* dtsim calibrate-compute: fit the compute model per GPU architecture and
 * every training stack on their own single-GPU and single-node points
 * (configs/calibration/compute-points.ini), and write the catalog rows
 * configs/catalog/compute.ini and configs/catalog/stacks.ini.
 * See models/calib.h and models/stack.h; docs/calibrate.md. */
#include "calib.h"
#include "catalog.h"
#include "coll.h"
#include "cmd.h"
#include "config.h"
#include "strsim.h"
#include "units.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct config_key own_schema[] = {
    {"start", "eff_fp32", CONFIG_REAL, 1e-4, 1, NULL, NULL, "starting fp32 matrix efficiency"},
    {"start", "eff_fp16", CONFIG_REAL, 1e-4, 1, NULL, NULL, "starting fp16 matrix efficiency"},
    {"start", "ramp", CONFIG_TIME, 0, 1, NULL, NULL, "starting kernel ramp time"},
    {"start", "mem_eff", CONFIG_REAL, 1e-3, 100, NULL, NULL, "starting memory efficiency"},
    {"start", "bwd_eff", CONFIG_REAL, 1e-3, 1, NULL, NULL, "starting backward/forward efficiency ratio"},
    {"start", "launch", CONFIG_TIME, 0, 1, NULL, NULL, "per-kernel launch overhead"},
    {"point", "gpu", CONFIG_STRING, 0, 0, NULL, NULL, "a [gpu NAME] row"},
    {"point", "model", CONFIG_STRING, 0, 0, NULL, NULL, "dtsim model name"},
    {"point", "precision", CONFIG_ENUM, 0, 0, "fp32|amp|bf16", NULL, "arithmetic (amp: fp16 math; bf16: bfloat16 math)"},
    {"point", "batch", CONFIG_INT, 1, 1 << 20, NULL, NULL, "per-GPU batch"},
    {"point", "mode", CONFIG_ENUM, 0, 0, "train|inference|backward|matrix-fwd|matrix-bwd", NULL,
     "what was measured (matrix-*: GPU time of the conv/fc layers, from a dtbench compute trace)"},
    {"point", "value", CONFIG_STRING, 0, 0, NULL, NULL, "images/s (train: of the node), or a time for backward"},
    {"point", "stack", CONFIG_STRING, 0, 0, NULL, "none", "the [stack] of this file that ran it (none: kernels alone)"},
    {"point", "gpus", CONFIG_INT, 1, 64, NULL, "1", "GPUs in the node (train points of a whole node)"},
    {"point", "intra_link", CONFIG_STRING, 0, 0, NULL, "PCIe3-x16", "the node's GPU link (gpus > 1), a [link] row"},
    {"point", "algorithm", CONFIG_STRING, 0, 0, NULL, "ring", "the node's all-reduce (gpus > 1)"},
    {"point", "library", CONFIG_STRING, 0, 0, NULL, "none", "the node's collective library (gpus > 1), a [commlib] row"},
    {"point", "bucket", CONFIG_SIZE, 1, 1e12, NULL, "25MB", "gradient fusion bucket (gpus > 1)"},
    {"point", "grad_precision", CONFIG_ENUM, 0, 0, "auto|fp32|fp16", "auto", "gradients on the wire"},
    {"point", "data", CONFIG_ENUM, 0, 0, "synthetic|real", "synthetic", "real: JPEGs decoded on cpu_cores"},
    {"point", "cpu_cores", CONFIG_INT, 1, 4096, NULL, "40", "cores decoding for the node (data = real)"},
    {"point", "tf32", CONFIG_ENUM, 0, 0, "auto|on|off", "auto", "fp32 matrices on TF32 (auto: the stack's default)"},
    {"point", "source", CONFIG_STRING, 0, 0, NULL, NULL, "where the figure comes from"},
    {"arch", "fit", CONFIG_LIST, 0, 0, NULL, "", "parameters fitted on this arch's points (STACK:param fits a stack jointly)"},
    {"arch", "stacks", CONFIG_LIST, 0, 0, NULL, "", "stacks whose points on this arch fit it (reference stacks)"},
    {"arch", "from", CONFIG_STRING, 0, 0, NULL, NULL, "arch the other parameters are copied from, or start"},
    {"arch", "fp16_as_fp32", CONFIG_BOOL, 0, 0, NULL, "no", "eff_fp16 = eff_fp32 after the fit"},
    {"arch", "reason", CONFIG_STRING, 0, 0, NULL, NULL, "why, in one line"},
    {"stack", "fit", CONFIG_LIST, 0, 0, NULL, "", "stack parameters fitted on its own points"},
    {"stack", "reason", CONFIG_STRING, 0, 0, NULL, NULL, "what was assumed and why, in one line"},
};
#define NOWN (sizeof own_schema / sizeof own_schema[0])

static const char *const pnames[] = {"eff_fp32", "eff_fp16", "launch", "ramp", "mem_eff", "bwd_eff"};
#define NPNAMES 6
static const char *const snames[] = {"dispatch", "step_host", "eff", "eff_matrix", "eff_memory", "decode", "host_mem_bw"};
#define NSNAMES 7

#define MAXARCH 32
#define MAXSTACK 32
#define MAXPTS 256
#define MAXNETS 8

struct fitted {
    const char *arch;
    struct compute_params p;
    const char *from;
    const char *reason;
    char fitted[128];
    int npts;
    double rms;
    char points[2048];
};

/* A stack being fitted: the working row and what is free. */
struct sfit {
    struct stack s;
    const char *reason;
    char fitted[160];
    double base_dispatch[3], scale;   /* dispatch = base x scale */
    double shared[2];                 /* eff_matrix, eff_memory shared by every arch */
    int use_shared[2], tie_shared;    /* tie: one factor for both */
    double arch_eff[STACK_MAX_ARCH][2];
    int use_arch[STACK_MAX_ARCH][2], tie_arch[STACK_MAX_ARCH];
    struct stack_eff start[STACK_MAX_ARCH];
    int npts;
    double rms;
    char points[2048];
};

struct nets {
    const char *model[MAXNETS];
    int elem[MAXNETS];
    struct dnn_net net[MAXNETS];
    int n;
};

struct state {
    const config *c;
    const struct catalog *cat;
    struct compute_params start;
    struct fitted fits[MAXARCH];
    int nf;
    struct sfit stacks[MAXSTACK];
    int ns;
    struct calib_point pts[MAXPTS];
    int np;
    const struct compute_params *cp[MAXPTS];
    struct nets nets;
    int warnings;
    FILE *rep;
};

static const struct dnn_net *net_get(struct nets *ns, const char *model, int elem, dt_err *e)
{
    for (int i = 0; i < ns->n; i++)
        if (ns->elem[i] == elem && strcmp(ns->model[i], model) == 0) return &ns->net[i];
    if (ns->n == MAXNETS) { dt_errf(e, DT_ERANGE, "too many models"); return NULL; }
    struct dnn_opts o = {0, elem, NULL};
    if (dnn_build_name(model, &o, &ns->net[ns->n], e)) return NULL;
    ns->model[ns->n] = model;
    ns->elem[ns->n] = elem;
    return &ns->net[ns->n++];
}

static int get_str(const config *c, const char *sec, const char *key, const char **out, dt_err *e)
{
    return config_get_str(c, sec, key, NULL, out, e);
}

static int read_start(const config *c, struct compute_params *p, dt_err *e)
{
    int rc;
    memset(p, 0, sizeof *p);
    if ((rc = config_get_real(c, "start", "eff_fp32", NULL, 1e-4, 1, &p->eff_max[0], e)) ||
        (rc = config_get_real(c, "start", "eff_fp16", NULL, 1e-4, 1, &p->eff_max[1], e)) ||
        (rc = config_get_units(c, "start", "ramp", UNITS_TIME, NULL, 0, 1, &p->ramp_s, e)) ||
        (rc = config_get_real(c, "start", "mem_eff", NULL, 1e-3, 100, &p->mem_eff, e)) ||
        (rc = config_get_real(c, "start", "bwd_eff", NULL, 1e-3, 1, &p->bwd_eff, e)) ||
        (rc = config_get_units(c, "start", "launch", UNITS_TIME, NULL, 0, 1, &p->launch_s, e)))
        return rc;
    p->speed[0] = p->speed[1] = 1;
    return 0;
}

static struct sfit *stack_find(struct state *S, const char *name)
{
    for (int i = 0; i < S->ns; i++)
        if (strcasecmp(S->stacks[i].s.name, name) == 0) return &S->stacks[i];
    return NULL;
}

static struct fitted *arch_find(struct state *S, const char *name)
{
    for (int i = 0; i < S->nf; i++)
        if (strcasecmp(S->fits[i].arch, name) == 0) return &S->fits[i];
    return NULL;
}

/* Derived values of a stack after the fit's slots are set. */
static void sfit_apply(struct sfit *f)
{
    for (int p = 0; p < 3; p++) f->s.dispatch_s[p] = f->base_dispatch[p] * f->scale;
    if (f->tie_shared) f->shared[1] = f->shared[0];
    for (int i = 0; i < f->s.neff; i++) {
        if (f->tie_arch[i]) f->arch_eff[i][1] = f->arch_eff[i][0];
        for (int k = 0; k < 2; k++) {
            double start = k ? f->start[i].memory : f->start[i].matrix;
            double v = f->use_arch[i][k] ? f->arch_eff[i][k] : f->use_shared[k] ? f->shared[k] : start;
            if (k) f->s.eff[i].memory = v;
            else f->s.eff[i].matrix = v;
        }
    }
}

/* The apply hook of a problem: every stack with a free parameter. */
struct applyctx {
    struct sfit *f[MAXSTACK];
    int n;
};
static void apply_all(void *ctx)
{
    struct applyctx *a = ctx;
    for (int i = 0; i < a->n; i++) sfit_apply(a->f[i]);
}

static void add_param(struct calib_param *par, int *n, const char *name, double *slot, enum calib_xform x, double lo,
                      double hi)
{
    struct calib_param *p = &par[(*n)++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->slot = slot;
    p->x = x;
    p->lo = lo;
    p->hi = hi;
}

/* "name" of a stack parameter into the problem; "eff@Pascal" for one arch. */
static int stack_param(struct sfit *f, const char *tok, struct calib_param *par, int *n, const struct config_entry *at,
                       dt_err *e)
{
    char base[32], arch[STACK_ARCH_NAME] = "";
    const char *atsign = strchr(tok, '@');
    size_t bl = atsign ? (size_t)(atsign - tok) : strlen(tok);
    if (bl >= sizeof base) bl = sizeof base - 1;
    memcpy(base, tok, bl);
    base[bl] = '\0';
    if (atsign) snprintf(arch, sizeof arch, "%s", atsign + 1);
    int k = 0;
    while (k < NSNAMES && strcmp(snames[k], base) != 0) k++;
    if (k == NSNAMES) {
        const char *near = strsim_nearest(base, snames, NSNAMES);
        char all[160];
        return config_errf(e, DT_EINVAL, at, "unknown stack parameter '%s'%s%s%s (stack parameters: %s)", base,
                           near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "",
                           strsim_join(all, sizeof all, snames, NSNAMES));
    }
    if (arch[0] && k >= 2 && k <= 4) {
        int i = 0;
        while (i < f->s.neff && strcasecmp(f->s.eff[i].arch, arch) != 0) i++;
        if (i == f->s.neff)
            return config_errf(e, DT_EINVAL, at, "'%s': stack '%s' has no %s in its kernel_eff", tok, f->s.name, arch);
        if (k == 2) f->tie_arch[i] = 1;
        for (int m = 0; m < 2; m++)
            if (k == 2 || k - 3 == m) {
                f->use_arch[i][m] = 1;
                f->arch_eff[i][m] = m ? f->start[i].memory : f->start[i].matrix;
            }
        add_param(par, n, tok, &f->arch_eff[i][k == 4], CALIB_X_RANGE, 0, 3);
        return 0;
    }
    if (arch[0]) return config_errf(e, DT_EINVAL, at, "'%s': only eff, eff_matrix and eff_memory take @ARCH", tok);
    char full[64];
    snprintf(full, sizeof full, "%s:%s", f->s.name, tok);
    switch (k) {
    case 0: add_param(par, n, full, &f->scale, CALIB_X_RANGE, 0, 100); break;
    case 1: add_param(par, n, full, &f->s.step_host_s, CALIB_X_RANGE, 0, 0.5); break;
    case 2:
    case 3:
    case 4:
        if (k == 2) f->tie_shared = 1;
        for (int m = 0; m < 2; m++)
            if (k == 2 || k - 3 == m) {
                f->use_shared[m] = 1;
                f->shared[m] = m ? f->start[0].memory : f->start[0].matrix;
            }
        add_param(par, n, full, &f->shared[k == 4], CALIB_X_RANGE, 0, 3);
        break;
    case 5: add_param(par, n, full, &f->s.decode_per_core, CALIB_X_RANGE, 0, 5000); break;
    default: add_param(par, n, full, &f->s.host_mem_bw_Bps, CALIB_X_RANGE, 1e9, 500e9); break;
    }
    return 0;
}

static void note_fitted(char *buf, size_t len, const char *tok)
{
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s", used ? " " : "", tok);
}

static void add_point_name(char *buf, size_t len, const char *name)
{
    size_t used = strlen(buf);
    if (used + strlen(name) + 2 < len) snprintf(buf + used, len - used, "%s%s", used ? " " : "", name);
}

/* Warn about parameters whose optimum sits on a bound. */
static void warn_bounds(struct state *S, const char *what, const struct calib_param *par, int n)
{
    for (int j = 0; j < n; j++)
        if (par[j].at_bound) {
            double v = *par[j].slot, b = v - par[j].lo < par[j].hi - v ? par[j].lo : par[j].hi;
            fprintf(S->rep, "warning: %s: %s = %.4g sits on its bound (%g .. %g): its points would take it further "
                            "than the model allows (docs/calibrate.md says why for each shipped case)\n",
                    what, par[j].name, b, par[j].lo, par[j].hi);
            S->warnings++;
        }
}

static int read_stacks(struct state *S, dt_err *e)
{
    char type[32];
    for (size_t s = 0; s < config_nsections(S->c); s++) {
        const char *sec = config_section_at(S->c, s);
        config_section_type(type, sizeof type, sec);
        if (strcmp(type, "stack") != 0) continue;
        if (S->ns == MAXSTACK) return dt_errf(e, DT_ERANGE, "more than %d stacks", MAXSTACK);
        struct sfit *f = &S->stacks[S->ns];
        memset(f, 0, sizeof *f);
        int rc = catalog_read_stack(S->c, sec, &f->s, e);
        if (rc || (rc = get_str(S->c, sec, "reason", &f->reason, e))) return rc;
        if (strcmp(f->s.name, "none") == 0)
            return config_errf(e, DT_EINVAL, config_find(S->c, sec, "reason"), "'none' is the ideal stack's name");
        memcpy(f->base_dispatch, f->s.dispatch_s, sizeof f->base_dispatch);
        f->scale = 1;
        memcpy(f->start, f->s.eff, sizeof f->start);
        S->ns++;
    }
    return 0;
}

static int read_points(struct state *S, dt_err *e)
{
    char type[32];
    int rc;
    for (size_t s = 0; s < config_nsections(S->c); s++) {
        const char *sec = config_section_at(S->c, s);
        config_section_type(type, sizeof type, sec);
        if (strcmp(type, "point") != 0) continue;
        if (S->np == MAXPTS) return dt_errf(e, DT_ERANGE, "more than %d points", MAXPTS);
        struct calib_point *pt = &S->pts[S->np];
        memset(pt, 0, sizeof *pt);
        const char *gname, *model, *prec, *mode, *stack, *link, *algo, *lib;
        long long batch, gpus, cores;
        double bucket, gp, data, tf32;
        if ((rc = get_str(S->c, sec, "gpu", &gname, e)) || (rc = get_str(S->c, sec, "model", &model, e)) ||
            (rc = get_str(S->c, sec, "precision", &prec, e)) || (rc = get_str(S->c, sec, "mode", &mode, e)) ||
            (rc = config_get_int(S->c, sec, "batch", NULL, 1, 1 << 20, &batch, e)) ||
            (rc = config_get_str(S->c, sec, "stack", "none", &stack, e)) ||
            (rc = config_get_int(S->c, sec, "gpus", "1", 1, 64, &gpus, e)) ||
            (rc = config_get_str(S->c, sec, "intra_link", "PCIe3-x16", &link, e)) ||
            (rc = config_get_str(S->c, sec, "algorithm", "ring", &algo, e)) ||
            (rc = config_get_str(S->c, sec, "library", "none", &lib, e)) ||
            (rc = config_get_units(S->c, sec, "bucket", UNITS_SIZE, "25MB", 1, 1e12, &bucket, e)) ||
            (rc = config_get_int(S->c, sec, "cpu_cores", "40", 1, 4096, &cores, e)))
            return rc;
        static const struct config_key kgp = {"point", "grad_precision", CONFIG_ENUM, 0, 0, "auto|fp32|fp16", "auto", ""};
        static const struct config_key kdata = {"point", "data", CONFIG_ENUM, 0, 0, "synthetic|real", "synthetic", ""};
        static const struct config_key ktf = {"point", "tf32", CONFIG_ENUM, 0, 0, "auto|on|off", "auto", ""};
        const struct config_entry *en;
        gp = data = tf32 = 0;
        if (((en = config_find(S->c, sec, "grad_precision")) && (rc = config_value_parse(&kgp, en->value, en, &gp, e))) ||
            ((en = config_find(S->c, sec, "data")) && (rc = config_value_parse(&kdata, en->value, en, &data, e))) ||
            ((en = config_find(S->c, sec, "tf32")) && (rc = config_value_parse(&ktf, en->value, en, &tf32, e))))
            return rc;
        const struct catalog_gpu *g = catalog_gpu(S->cat, gname, e);
        if (!g) return config_errf(e, DT_ENOENT, config_find(S->c, sec, "gpu"), "%s", e->msg);
        dt_err ae;
        if (!coll_find_allreduce(algo, &ae))
            return config_errf(e, ae.code, config_find(S->c, sec, "algorithm"), "%s", ae.msg);
        pt->name = config_section_name(sec);
        pt->arch = g->arch;
        pt->prec = strcmp(prec, "fp32") == 0 ? COMPUTE_FP32 : COMPUTE_FP16; /* amp, bf16: the 16-bit class */
        pt->prec_name = prec;
        pt->batch = batch;
        pt->mode = strcmp(mode, "train") == 0       ? CALIB_TRAIN
                   : strcmp(mode, "inference") == 0 ? CALIB_INFERENCE
                   : strcmp(mode, "backward") == 0  ? CALIB_BACKWARD
                   : strcmp(mode, "matrix-fwd") == 0 ? CALIB_MATRIX_FWD
                                                    : CALIB_MATRIX_BWD;
        pt->gpu.fp32_flops = g->peak_flops[CATALOG_FP32];
        pt->gpu.tf32_flops = g->peak_flops[CATALOG_TF32];
        /* the rate of the point's own 16-bit format, as dtsim run takes it */
        int bf = strcmp(prec, "bf16") == 0;
        pt->gpu.fp16_flops = g->peak_flops[bf ? CATALOG_BF16 : CATALOG_FP16];
        if (pt->prec == COMPUTE_FP16 && pt->gpu.fp16_flops <= 0)
            return config_errf(e, DT_EINVAL, config_find(S->c, sec, "precision"),
                               "%s (%s) has no %s arithmetic (its catalog row has no %s rate)", g->name, g->arch,
                               bf ? "bf16" : "fp16", bf ? "bf16" : "fp16");
        pt->gpu.mem_bw_Bps = g->mem_bw_Bps;
        pt->tf32 = tf32 == 1 ? 1 : tf32 == 2 ? 0 : -1;
        pt->gpus = (int)gpus;
        pt->algorithm = algo;
        pt->bucket_bytes = bucket;
        pt->grad_elem = gp == 1 ? 4 : gp == 2 ? 2 : pt->prec == COMPUTE_FP16 ? 2 : 4;
        pt->cpu_cores = data == 1 ? (int)cores : 0;
        const struct config_entry *val = config_find(S->c, sec, "value");
        if (!val) return config_errf(e, DT_EINVAL, config_find(S->c, sec, "gpu"), "missing required key 'value'");
        rc = pt->mode >= CALIB_BACKWARD ? config_entry_units(val, UNITS_TIME, 1e-9, 1e6, &pt->value, e)
                                        : config_entry_real(val, 1e-6, 1e12, &pt->value, e);
        if (rc) return rc;
        if (!(pt->net = net_get(&S->nets, model, pt->prec == COMPUTE_FP16 ? 2 : 4, e)))
            return config_errf(e, DT_ENOENT, config_find(S->c, sec, "model"), "%s", e->msg);
        if (strcmp(stack, "none") != 0) {
            struct sfit *f = stack_find(S, stack);
            if (!f) {
                const char *names[MAXSTACK];
                for (int i = 0; i < S->ns; i++) names[i] = S->stacks[i].s.name;
                const char *near = strsim_nearest(stack, names, (size_t)S->ns);
                return config_errf(e, DT_ENOENT, config_find(S->c, sec, "stack"), "no [stack %s] in this file%s%s%s", stack,
                                   near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            }
            pt->stack = &f->s;
            double m, b;
            dt_err le;
            if (stack_eff_for(&f->s, g->arch, &m, &b, &le))
                return config_errf(e, DT_EINVAL, config_find(S->c, sec, "stack"), "%s: add %s to its kernel_eff",
                                   le.msg, g->arch);
            if (f->s.optimizer == STACK_OPT_CPU) {
                const struct catalog_link *hl = catalog_link(S->cat, f->s.host_link, e);
                if (!hl) return config_errf(e, DT_ENOENT, config_find(S->c, sec, "stack"), "%s", e->msg);
                pt->host_link_bw_Bps = hl->bw_Bps;
            }
            if (pt->cpu_cores > 0 && !(f->s.decode_per_core > 0))
                return config_errf(e, DT_EINVAL, config_find(S->c, sec, "data"),
                                   "real data needs the stack's decode_per_core (a start value to fit)");
        } else if (pt->mode < CALIB_MATRIX_FWD && (pt->gpus > 1 || pt->cpu_cores > 0)) {
            return config_errf(e, DT_EINVAL, config_find(S->c, sec, "mode"), "a node or real-data point needs its stack");
        }
        if (!commlib_is_none(lib) && !(pt->lib = catalog_commlib(S->cat, lib, e)))
            return config_errf(e, DT_ENOENT, config_find(S->c, sec, "library"), "%s", e->msg);
        if (pt->gpus > 1) {
            const struct catalog_link *l = catalog_link(S->cat, link, e);
            if (!l) return config_errf(e, DT_ENOENT, config_find(S->c, sec, "intra_link"), "%s", e->msg);
            pt->intra_bw_Bps = l->bw_Bps;
            pt->intra_lat_s = l->lat_s;
        }
        S->np++;
    }
    return 0;
}

/* The problem of one section: its points and free parameters. */
struct problem {
    struct calib_problem pb;
    struct calib_param par[16];
    struct calib_point pts[MAXPTS];
    const struct compute_params *cp[MAXPTS];
    struct applyctx ac;
};

static int solve(struct state *S, struct problem *P, const char *what, double *rms, dt_err *e)
{
    P->pb.pts = P->pts;
    P->pb.cp = P->cp;
    P->pb.par = P->par;
    P->pb.apply = apply_all;
    P->pb.ctx = &P->ac;
    int rc = calib_solve(&P->pb, rms, e);
    if (!rc) warn_bounds(S, what, P->par, P->pb.npar);
    return rc;
}

static int fit_arch(struct state *S, const char *sec, struct problem *P, dt_err *e)
{
    if (S->nf == MAXARCH) return dt_errf(e, DT_ERANGE, "more than %d architectures", MAXARCH);
    struct fitted *f = &S->fits[S->nf];
    memset(f, 0, sizeof *f);
    f->arch = config_section_name(sec);
    int rc, half;
    const char *stacks = "";
    const struct config_entry *sten = config_find(S->c, sec, "stacks");
    if (sten) stacks = sten->value;
    if ((rc = get_str(S->c, sec, "from", &f->from, e)) || (rc = get_str(S->c, sec, "reason", &f->reason, e)) ||
        (rc = config_get_bool(S->c, sec, "fp16_as_fp32", "no", &half, e)))
        return rc;
    if (strcmp(f->from, "start") == 0) f->p = S->start;
    else {
        struct fitted *src = arch_find(S, f->from);
        if (!src)
            return config_errf(e, DT_EINVAL, config_find(S->c, sec, "from"),
                               "'%s' is not an architecture fitted earlier in this file", f->from);
        f->p = src->p;
    }
    memset(P, 0, sizeof *P);
    const struct config_entry *fen = config_find(S->c, sec, "fit");
    char buf[256];
    snprintf(buf, sizeof buf, "%s", fen ? fen->value : "");
    double *aslot[NPNAMES] = {&f->p.eff_max[0], &f->p.eff_max[1], &f->p.launch_s, &f->p.ramp_s, &f->p.mem_eff, &f->p.bwd_eff};
    for (char *save, *tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
        char *colon = strchr(tok, ':');
        if (colon) { /* a stack's parameter fitted jointly */
            *colon = '\0';
            struct sfit *sf = stack_find(S, tok);
            if (!sf) return config_errf(e, DT_EINVAL, fen, "no [stack %s] before this section", tok);
            if ((rc = stack_param(sf, colon + 1, P->par, &P->pb.npar, fen, e))) return rc;
            if (P->ac.n == 0 || P->ac.f[P->ac.n - 1] != sf) P->ac.f[P->ac.n++] = sf;
            note_fitted(sf->fitted, sizeof sf->fitted, colon + 1);
            continue;
        }
        int k = 0;
        while (k < NPNAMES && strcmp(tok, pnames[k]) != 0) k++;
        if (k == NPNAMES) {
            const char *near = strsim_nearest(tok, pnames, NPNAMES);
            return config_errf(e, DT_EINVAL, fen, "unknown parameter '%s'%s%s%s", tok, near ? " (did you mean '" : "",
                               near ? near : "", near ? "'?)" : "");
        }
        if (k == 0 || k == 1 || k == 5) add_param(P->par, &P->pb.npar, pnames[k], aslot[k], CALIB_X_RANGE, 0, 1);
        else add_param(P->par, &P->pb.npar, pnames[k], aslot[k], CALIB_X_LOG, 0, 0);
        note_fitted(f->fitted, sizeof f->fitted, pnames[k]);
    }
    /* this arch's points: kernel-level ones, and those of its reference stacks */
    for (int i = 0; i < S->np; i++) {
        const struct calib_point *pt = &S->pts[i];
        if (strcasecmp(pt->arch, f->arch) != 0) continue;
        if (pt->stack) {
            char sl[256], *save;
            int hit = 0;
            snprintf(sl, sizeof sl, "%s", stacks);
            for (char *tok = strtok_r(sl, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save))
                hit |= strcasecmp(tok, pt->stack->name) == 0;
            if (!hit) continue;
        }
        P->pts[P->pb.n] = *pt;
        P->cp[P->pb.n++] = &f->p;
        add_point_name(f->points, sizeof f->points, pt->name);
    }
    f->npts = (int)P->pb.n;
    if (P->pb.npar && !P->pb.n)
        return config_errf(e, DT_EINVAL, fen, "no [point] on a %s gpu to fit on", f->arch);
    char what[64];
    snprintf(what, sizeof what, "[arch %s]", f->arch);
    if ((rc = solve(S, P, what, &f->rms, e))) return config_errf(e, rc, fen, "%s", e->msg);
    if (half) f->p.eff_max[COMPUTE_FP16] = f->p.eff_max[COMPUTE_FP32];
    S->nf++;
    return 0;
}

static int fit_stack(struct state *S, const char *sec, struct problem *P, dt_err *e)
{
    struct sfit *f = stack_find(S, config_section_name(sec));
    memset(P, 0, sizeof *P);
    const struct config_entry *fen = config_find(S->c, sec, "fit");
    char buf[256];
    snprintf(buf, sizeof buf, "%s", fen ? fen->value : "");
    int rc;
    for (char *save, *tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
        if ((rc = stack_param(f, tok, P->par, &P->pb.npar, fen, e))) return rc;
        note_fitted(f->fitted, sizeof f->fitted, tok);
    }
    if (!P->pb.npar) return 0; /* nothing of its own to fit here (a reference stack, or fixed) */
    P->ac.f[P->ac.n++] = f;
    for (int i = 0; i < S->np; i++) {
        const struct calib_point *pt = &S->pts[i];
        if (pt->stack != &f->s) continue;
        struct fitted *a = arch_find(S, pt->arch);
        if (!a)
            return config_errf(e, DT_EINVAL, config_find(S->c, sec, "reason"),
                               "point '%s' is on a %s gpu: fit [arch %s] before this stack", pt->name, pt->arch, pt->arch);
        P->pts[P->pb.n] = *pt;
        P->cp[P->pb.n++] = &a->p;
    }
    if (P->pb.npar && !P->pb.n) return config_errf(e, DT_EINVAL, fen, "no [point] with stack = %s to fit on", f->s.name);
    char what[64];
    snprintf(what, sizeof what, "[stack %s]", f->s.name);
    if ((rc = solve(S, P, what, &f->rms, e))) return config_errf(e, rc, fen, "%s", e->msg);
    sfit_apply(f);
    return 0;
}

static int calibrate(struct state *S, dt_err *e)
{
    int rc;
    if ((rc = read_start(S->c, &S->start, e)) || (rc = read_stacks(S, e)) || (rc = read_points(S, e))) return rc;
    static struct problem P;
    char type[32];
    for (size_t s = 0; s < config_nsections(S->c); s++) {
        const char *sec = config_section_at(S->c, s);
        config_section_type(type, sizeof type, sec);
        if (strcmp(type, "arch") == 0) rc = fit_arch(S, sec, &P, e);
        else if (strcmp(type, "stack") == 0) rc = fit_stack(S, sec, &P, e);
        if (rc) return rc;
    }
    for (int i = 0; i < S->np; i++) {
        struct fitted *a = arch_find(S, S->pts[i].arch);
        if (!a)
            return dt_errf(e, DT_EINVAL, "point '%s' is on a %s gpu, but no [arch %s] section fits it", S->pts[i].name,
                           S->pts[i].arch, S->pts[i].arch);
        S->cp[i] = &a->p;
    }
    for (int k = 0; k < S->ns; k++) { /* the fit quality of each stack over all its points */
        struct sfit *f = &S->stacks[k];
        double ss = 0;
        f->npts = 0;
        f->points[0] = '\0';
        for (int i = 0; i < S->np; i++) {
            if (S->pts[i].stack != &f->s) continue;
            double r = log(calib_predict(&S->pts[i], S->cp[i]) / S->pts[i].value);
            ss += r * r;
            f->npts++;
            add_point_name(f->points, sizeof f->points, S->pts[i].name);
        }
        f->rms = f->npts ? sqrt(ss / f->npts) : 0;
    }
    return 0;
}

/* "  # fitted on 4 points: a b c" wrapped under the 198-byte line limit */
static void write_points(FILE *f, int n, const char *points)
{
    fprintf(f, "# fitted on %d points:", n);
    int col = 80;
    char names[2048];
    snprintf(names, sizeof names, "%s", points);
    for (char *save, *tok = strtok_r(names, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (col + (int)strlen(tok) > 96) { fprintf(f, "\n#  "); col = 3; }
        col += fprintf(f, " %s", tok);
    }
    fprintf(f, "\n");
}

static void write_compute(FILE *f, const char *points_path, const struct state *S)
{
    fprintf(f, "# Compute-model parameters per GPU architecture (models/compute.h).\n"
               "# GENERATED by `dtsim calibrate-compute` from %s:\n"
               "# edit the points there and rerun; `make test` checks this file is current.\n",
            points_path);
    for (int i = 0; i < S->nf; i++) {
        const struct fitted *x = &S->fits[i];
        fprintf(f, "\n[compute %s]\n", x->arch);
        fprintf(f, "eff_fp32 = %.4f\n", x->p.eff_max[COMPUTE_FP32]);
        fprintf(f, "eff_fp16 = %.4f\n", x->p.eff_max[COMPUTE_FP16]);
        fprintf(f, "ramp     = %.3fus\n", x->p.ramp_s * 1e6);
        fprintf(f, "mem_eff  = %.4f\n", x->p.mem_eff);
        fprintf(f, "bwd_eff  = %.4f\n", x->p.bwd_eff);
        fprintf(f, "launch   = %.3fus\n", x->p.launch_s * 1e6);
        fprintf(f, "fitted   = %s\n", x->fitted[0] ? x->fitted : "none");
        fprintf(f, "from     = %s\n", x->from);
        if (x->npts) fprintf(f, "rms_log  = %.4f\n", x->rms);
        fprintf(f, "source   = %s\n", x->reason);
        if (x->npts) write_points(f, x->npts, x->points);
    }
}

static void write_stacks(FILE *f, const char *points_path, const struct state *S)
{
    fprintf(f, "# Training stacks (models/stack.h): host, kernels, queue and kernel speed per\n"
               "# architecture of each framework and year.\n"
               "# GENERATED by `dtsim calibrate-compute` from %s:\n"
               "# edit the points and fit plans there and rerun; `make test` checks this file is current.\n",
            points_path);
    for (int i = 0; i < S->ns; i++) {
        const struct sfit *x = &S->stacks[i];
        const struct stack *s = &x->s;
        fprintf(f, "\n");
        stack_write_keys(f, s);
        fprintf(f, "fitted       = %s\n", x->fitted[0] ? x->fitted : "none");
        if (x->npts) fprintf(f, "rms_log      = %.4f\n", x->rms);
        fprintf(f, "# %s\n", x->reason);
        fprintf(f, "source       = %s\n", s->source);
        if (x->npts) write_points(f, x->npts, x->points);
    }
}

static int usage(FILE *f)
{
    fprintf(f, "usage: dtsim calibrate-compute [--points FILE] [--out DIR|-] [--check] [--catalog DIR]\n\n"
               "Fit the compute model (per-architecture efficiencies, kernel ramp, memory and\n"
               "backward factors) and the training stacks (host dispatch, fixed host time per step,\n"
               "kernel speed per architecture, decode rate) on single-GPU and single-node points,\n"
               "and write the [compute ARCH] and [stack NAME] catalog rows. Prints every point,\n"
               "measured against the fitted model, and a warning for a value fitted onto its bound.\n\n"
               "  --points FILE  calibration points (default configs/calibration/compute-points.ini\n"
               "                 beside the catalog)\n"
               "  --out DIR      where to write compute.ini and stacks.ini (default the catalog;\n"
               "                 - = both to stdout)\n"
               "  --check        write nothing; exit 1 when the existing rows differ from a fresh fit\n"
               "  --catalog DIR  catalog directory (default $DTSIM_CATALOG or configs/catalog)\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

static void report(struct state *S)
{
    static const char *const mname[] = {"train", "inference", "backward", "matrix-fwd", "matrix-bwd"};
    fprintf(S->rep, "%-24s %-7s %-18s %-4s %5s %4s %-9s %10s %10s %7s\n", "point", "arch", "stack", "prec", "batch",
            "gpus", "mode", "measured", "model", "error");
    for (int i = 0; i < S->np; i++) {
        const struct calib_point *pt = &S->pts[i];
        double pred = calib_predict(pt, S->cp[i]);
        int bw = pt->mode >= CALIB_BACKWARD;
        fprintf(S->rep, "%-24s %-7s %-18s %-4s %5lld %4d %-9s %8.1f%s %8.1f%s %+6.1f%%\n", pt->name, pt->arch,
                pt->stack ? pt->stack->name : "-", pt->prec_name ? pt->prec_name : pt->prec == COMPUTE_FP16 ? "amp" : "fp32", (long long)pt->batch,
                pt->gpus, mname[pt->mode], bw ? pt->value * 1e3 : pt->value, bw ? "ms" : "/s", bw ? pred * 1e3 : pred,
                bw ? "ms" : "/s", 100 * (pred / pt->value - 1));
    }
}

/* Compare generated text with a file; 0 when equal. */
static int differs(const char *text, size_t len, const char *path)
{
    FILE *t = fopen(path, "r");
    if (!t) return 1;
    char *theirs = calloc(1, len + 2);
    size_t tl = theirs ? fread(theirs, 1, len + 1, t) : 0;
    fclose(t);
    int d = !theirs || tl != len || memcmp(text, theirs, len) != 0;
    free(theirs);
    return d;
}

static int cmd_calibrate_compute(int argc, char **argv)
{
    const char *points = NULL, *out = NULL, *catdir = NULL;
    int check = 0;
    for (int i = 1; i < argc; i++) {
        if (cmd_is_help(argv[i])) return usage(stdout);
        if (strcmp(argv[i], "--check") == 0) check = 1;
        else if (i + 1 < argc && strcmp(argv[i], "--points") == 0) points = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--out") == 0) out = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--catalog") == 0) catdir = argv[++i];
        else {
            cmd_fail("calibrate-compute: unknown or incomplete option '%s'", argv[i]);
            return usage(stderr);
        }
    }
    dt_err e = {0};
    char dir[4096], ppath[4200], cpath[4300], spath[4300];
    if (catalog_dir(dir, sizeof dir, catdir, &e)) return cmd_fail("%s", e.msg);
    if (!points) {
        snprintf(ppath, sizeof ppath, "%s/../calibration/compute-points.ini", dir);
        points = ppath;
    }
    if (!out) out = dir;
    snprintf(cpath, sizeof cpath, "%s/compute.ini", out);
    snprintf(spath, sizeof spath, "%s/stacks.ini", out);
    /* the file's schema: its own sections and the catalog's [stack] keys */
    static struct config_key schema[NOWN + 64];
    size_t ns = 0;
    for (size_t i = 0; i < NOWN; i++) schema[ns++] = own_schema[i];
    for (size_t i = 0; i < catalog_schema_len && ns < sizeof schema / sizeof schema[0]; i++)
        if (strcmp(catalog_schema[i].section, "stack") == 0) schema[ns++] = catalog_schema[i];
    config *c = NULL;
    struct catalog *cat = NULL;
    static struct state S;
    memset(&S, 0, sizeof S);
    int rc = DT_EXIT_OK;
    if (config_load(&c, points, &e) || config_check(c, schema, ns, NULL, &e) || catalog_load(&cat, dir, &e)) {
        rc = cmd_fail("%s", e.msg);
        goto out;
    }
    S.c = c;
    S.cat = cat;
    S.rep = strcmp(out, "-") == 0 ? stderr : stdout;
    if (calibrate(&S, &e)) {
        rc = cmd_fail("%s", e.msg);
        goto out;
    }
    report(&S);
    char *ctext = NULL, *stext = NULL;
    size_t cl = 0, sl = 0;
    FILE *m = open_memstream(&ctext, &cl);
    write_compute(m, "configs/calibration/compute-points.ini", &S);
    fclose(m);
    m = open_memstream(&stext, &sl);
    write_stacks(m, "configs/calibration/compute-points.ini", &S);
    fclose(m);
    if (check) {
        int dc = differs(ctext, cl, cpath), ds = differs(stext, sl, spath);
        if (dc || ds) {
            fprintf(stderr, "dtsim: calibrate-compute: %s is not what %s gives; run 'dtsim calibrate-compute'\n",
                    dc ? cpath : spath, points);
            rc = DT_EXIT_FAIL;
        } else {
            fprintf(S.rep, "compute and stack rows are current (%d architectures, %d stacks)\n", S.nf, S.ns);
        }
    } else if (strcmp(out, "-") == 0) {
        fputs(ctext, stdout);
        fputs("\n", stdout);
        fputs(stext, stdout);
    } else {
        FILE *fc = fopen(cpath, "w"), *fs = fc ? fopen(spath, "w") : NULL;
        if (!fc || !fs) {
            if (fc) fclose(fc);
            rc = cmd_fail("cannot write '%s'", fc ? spath : cpath);
        } else {
            fputs(ctext, fc);
            fputs(stext, fs);
            fclose(fc);
            fclose(fs);
            fprintf(S.rep, "wrote %d architectures to %s and %d stacks to %s\n", S.nf, cpath, S.ns, spath);
        }
    }
    if (S.warnings) fprintf(S.rep, "%d fitted value%s on a bound (see the warnings above)\n", S.warnings, S.warnings > 1 ? "s" : "");
    free(ctext);
    free(stext);
out:
    for (int i = 0; i < S.nets.n; i++) dnn_free(&S.nets.net[i]);
    catalog_free(cat);
    config_free(c);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_calibrate_compute = {"calibrate-compute",
                                                      "fit the compute model and training stacks on single-GPU/node figures",
                                                      cmd_calibrate_compute};
