/* dtsim calibrate-compute: fit the compute model per GPU architecture on
 * single-GPU points (configs/calibration/compute-points.ini) and write the
 * catalog rows configs/catalog/compute.ini. See models/calib.h. */
#include "calib.h"
#include "catalog.h"
#include "cmd.h"
#include "config.h"
#include "strsim.h"
#include "units.h"

#include <stdlib.h>
#include <string.h>

static const struct config_key schema[] = {
    {"start", "eff_fp32", CONFIG_REAL, 1e-4, 1, NULL, NULL, "starting fp32 matrix efficiency"},
    {"start", "eff_fp16", CONFIG_REAL, 1e-4, 1, NULL, NULL, "starting fp16 matrix efficiency"},
    {"start", "ramp", CONFIG_TIME, 0, 1, NULL, NULL, "starting kernel ramp time"},
    {"start", "mem_eff", CONFIG_REAL, 1e-3, 100, NULL, NULL, "starting memory efficiency"},
    {"start", "bwd_eff", CONFIG_REAL, 1e-3, 1, NULL, NULL, "starting backward/forward efficiency ratio"},
    {"start", "launch", CONFIG_TIME, 0, 1, NULL, NULL, "per-kernel launch overhead"},
    {"point", "gpu", CONFIG_STRING, 0, 0, NULL, NULL, "a [gpu NAME] row"},
    {"point", "model", CONFIG_STRING, 0, 0, NULL, NULL, "dtsim model name"},
    {"point", "precision", CONFIG_ENUM, 0, 0, "fp32|amp", NULL, "arithmetic"},
    {"point", "batch", CONFIG_INT, 1, 1 << 20, NULL, NULL, "per-GPU batch"},
    {"point", "mode", CONFIG_ENUM, 0, 0, "train|inference|backward|matrix-fwd|matrix-bwd", NULL,
     "what was measured (matrix-*: GPU time of the conv/fc layers, from a dtbench compute trace)"},
    {"point", "value", CONFIG_STRING, 0, 0, NULL, NULL, "images/s, or a time for backward"},
    {"point", "source", CONFIG_STRING, 0, 0, NULL, NULL, "where the figure comes from"},
    {"arch", "fit", CONFIG_LIST, 0, 0, NULL, "", "parameters fitted on this arch's points"},
    {"arch", "from", CONFIG_STRING, 0, 0, NULL, NULL, "arch the other parameters are copied from, or start"},
    {"arch", "fp16_as_fp32", CONFIG_BOOL, 0, 0, NULL, "no", "eff_fp16 = eff_fp32 after the fit"},
    {"arch", "reason", CONFIG_STRING, 0, 0, NULL, NULL, "why, in one line"},
};
#define NSCHEMA (sizeof schema / sizeof schema[0])

static const char *const pnames[CALIB_NPARAM] = {"eff_fp32", "eff_fp16", "launch", "ramp", "mem_eff", "bwd_eff"};

#define MAXARCH 32
#define MAXPTS 256
#define MAXNETS 8

struct fitted {
    const char *arch;
    struct compute_params p;
    unsigned mask;
    const char *from;
    const char *reason;
    int fp16_as_fp32;
    int npts;
    double rms;
    char points[1024];
};

struct nets {
    const char *model[MAXNETS];
    int elem[MAXNETS];
    struct dnn_net net[MAXNETS];
    int n;
};

static const struct dnn_net *net_get(struct nets *ns, const char *model, int elem, dt_err *e)
{
    for (int i = 0; i < ns->n; i++)
        if (ns->elem[i] == elem && strcmp(ns->model[i], model) == 0) return &ns->net[i];
    if (ns->n == MAXNETS) { dt_errf(e, DT_ERANGE, "too many models"); return NULL; }
    struct dnn_opts o = {0, elem};
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
    if ((rc = config_get_real(c, "start", "eff_fp32", NULL, 1e-4, 1, &p->eff_max[0], e)) ||
        (rc = config_get_real(c, "start", "eff_fp16", NULL, 1e-4, 1, &p->eff_max[1], e)) ||
        (rc = config_get_units(c, "start", "ramp", UNITS_TIME, NULL, 0, 1, &p->ramp_s, e)) ||
        (rc = config_get_real(c, "start", "mem_eff", NULL, 1e-3, 100, &p->mem_eff, e)) ||
        (rc = config_get_real(c, "start", "bwd_eff", NULL, 1e-3, 1, &p->bwd_eff, e)) ||
        (rc = config_get_units(c, "start", "launch", UNITS_TIME, NULL, 0, 1, &p->launch_s, e)))
        return rc;
    return 0;
}

static int parse_fit(const config *c, const char *sec, unsigned *mask, dt_err *e)
{
    const struct config_entry *en = config_find(c, sec, "fit");
    *mask = 0;
    if (!en) return 0; /* nothing fitted: every parameter comes from `from` */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", en->value);
    for (char *tok = strtok(buf, " ,"); tok; tok = strtok(NULL, " ,")) {
        int k = -1;
        for (int j = 0; j < CALIB_NPARAM; j++)
            if (strcmp(tok, pnames[j]) == 0) k = j;
        if (k < 0) {
            const char *near = strsim_nearest(tok, pnames, CALIB_NPARAM);
            return config_errf(e, DT_EINVAL, config_find(c, sec, "fit"), "unknown parameter '%s'%s%s%s", tok,
                               near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        }
        *mask |= CALIB_FREE(k);
    }
    return 0;
}

/* Load points, fit every [arch], fill fits[]. Returns count or <0. */
static int calibrate(const config *c, const struct catalog *cat, struct fitted *fits, struct calib_point *pts,
                     int *npts, struct nets *ns, const char **pt_arch, dt_err *e)
{
    struct compute_params start;
    int rc = read_start(c, &start, e);
    if (rc) return rc;
    int np = 0, nf = 0;
    char type[32];
    for (size_t s = 0; s < config_nsections(c); s++) {
        const char *sec = config_section_at(c, s);
        config_section_type(type, sizeof type, sec);
        if (strcmp(type, "point") != 0) continue;
        if (np == MAXPTS) return dt_errf(e, DT_ERANGE, "more than %d points", MAXPTS);
        struct calib_point *pt = &pts[np];
        const char *gname, *model, *prec, *mode, *value;
        long long batch;
        if ((rc = get_str(c, sec, "gpu", &gname, e)) || (rc = get_str(c, sec, "model", &model, e)) ||
            (rc = get_str(c, sec, "precision", &prec, e)) || (rc = get_str(c, sec, "mode", &mode, e)) ||
            (rc = get_str(c, sec, "value", &value, e)) ||
            (rc = config_get_int(c, sec, "batch", NULL, 1, 1 << 20, &batch, e)))
            return rc;
        const struct catalog_gpu *g = catalog_gpu(cat, gname, e);
        if (!g) return config_errf(e, DT_ENOENT, config_find(c, sec, "gpu"), "%s", e->msg);
        pt->name = config_section_name(sec);
        pt->prec = strcmp(prec, "amp") == 0 ? COMPUTE_FP16 : COMPUTE_FP32;
        pt->batch = batch;
        pt->mode = strcmp(mode, "train") == 0       ? CALIB_TRAIN
                   : strcmp(mode, "inference") == 0 ? CALIB_INFERENCE
                   : strcmp(mode, "backward") == 0  ? CALIB_BACKWARD
                   : strcmp(mode, "matrix-fwd") == 0 ? CALIB_MATRIX_FWD
                                                    : CALIB_MATRIX_BWD;
        pt->gpu.fp32_flops = g->peak_flops[CATALOG_FP32];
        pt->gpu.tf32_flops = g->peak_flops[CATALOG_TF32];
        pt->gpu.fp16_flops = g->peak_flops[CATALOG_FP16] > g->peak_flops[CATALOG_BF16] ? g->peak_flops[CATALOG_FP16]
                                                                                       : g->peak_flops[CATALOG_BF16];
        pt->gpu.mem_bw_Bps = g->mem_bw_Bps;
        rc = pt->mode >= CALIB_BACKWARD ? config_entry_units(config_find(c, sec, "value"), UNITS_TIME, 1e-9, 1e6, &pt->value, e)
                                        : config_entry_real(config_find(c, sec, "value"), 1e-6, 1e12, &pt->value, e);
        if (rc) return rc;
        if (!(pt->net = net_get(ns, model, pt->prec == COMPUTE_FP16 ? 2 : 4, e)))
            return config_errf(e, DT_ENOENT, config_find(c, sec, "model"), "%s", e->msg);
        pt_arch[np] = g->arch;
        np++;
    }
    *npts = np;
    for (size_t s = 0; s < config_nsections(c); s++) {
        const char *sec = config_section_at(c, s);
        config_section_type(type, sizeof type, sec);
        if (strcmp(type, "arch") != 0) continue;
        if (nf == MAXARCH) return dt_errf(e, DT_ERANGE, "more than %d architectures", MAXARCH);
        struct fitted *f = &fits[nf];
        memset(f, 0, sizeof *f);
        f->arch = config_section_name(sec);
        if ((rc = get_str(c, sec, "from", &f->from, e)) || (rc = get_str(c, sec, "reason", &f->reason, e)) ||
            (rc = parse_fit(c, sec, &f->mask, e)) ||
            (rc = config_get_bool(c, sec, "fp16_as_fp32", "no", &f->fp16_as_fp32, e)))
            return rc;
        if (strcmp(f->from, "start") == 0) f->p = start;
        else {
            int j;
            for (j = 0; j < nf && strcmp(fits[j].arch, f->from) != 0; j++) {}
            if (j == nf)
                return config_errf(e, DT_EINVAL, config_find(c, sec, "from"),
                                   "'%s' is not an architecture fitted earlier in this file", f->from);
            f->p = fits[j].p;
        }
        /* this arch's points, gathered in a scratch copy */
        struct calib_point sel[MAXPTS];
        int ns_ = 0;
        size_t used = 0;
        f->points[0] = '\0';
        for (int i = 0; i < np; i++) {
            if (strcmp(pt_arch[i], f->arch) != 0) continue;
            sel[ns_++] = pts[i];
            int w = snprintf(f->points + used, sizeof f->points - used, "%s%s", used ? " " : "", pts[i].name);
            if (w > 0 && used + (size_t)w < sizeof f->points) used += (size_t)w;
        }
        f->npts = ns_;
        if (f->mask && ns_ == 0)
            return config_errf(e, DT_EINVAL, config_find(c, sec, "fit"), "no [point] on a %s gpu to fit on", f->arch);
        if ((rc = calib_fit(sel, (size_t)ns_, f->mask, &f->p, &f->rms, e)))
            return config_errf(e, rc, config_find(c, sec, "fit"), "%s", e->msg);
        if (f->fp16_as_fp32) f->p.eff_max[COMPUTE_FP16] = f->p.eff_max[COMPUTE_FP32];
        nf++;
    }
    for (int i = 0; i < np; i++) {
        int j;
        for (j = 0; j < nf && strcmp(fits[j].arch, pt_arch[i]) != 0; j++) {}
        if (j == nf)
            return dt_errf(e, DT_EINVAL, "point '%s' is on a %s gpu, but no [arch %s] section fits it", pts[i].name,
                           pt_arch[i], pt_arch[i]);
    }
    return nf;
}

static void write_rows(FILE *f, const char *points_path, const struct fitted *fits, int nf)
{
    fprintf(f, "# Compute-model parameters per GPU architecture (models/compute.h).\n"
               "# GENERATED by `dtsim calibrate-compute` from %s:\n"
               "# edit the points there and rerun; `make test` checks this file is current.\n",
            points_path);
    for (int i = 0; i < nf; i++) {
        const struct fitted *x = &fits[i];
        char fit[128] = "";
        for (int k = 0; k < CALIB_NPARAM; k++)
            if (x->mask & CALIB_FREE(k)) {
                strcat(fit, fit[0] ? " " : "");
                strcat(fit, pnames[k]);
            }
        fprintf(f, "\n[compute %s]\n", x->arch);
        fprintf(f, "eff_fp32 = %.4f\n", x->p.eff_max[COMPUTE_FP32]);
        fprintf(f, "eff_fp16 = %.4f\n", x->p.eff_max[COMPUTE_FP16]);
        fprintf(f, "ramp     = %.3fus\n", x->p.ramp_s * 1e6);
        fprintf(f, "mem_eff  = %.4f\n", x->p.mem_eff);
        fprintf(f, "bwd_eff  = %.4f\n", x->p.bwd_eff);
        fprintf(f, "launch   = %.3fus\n", x->p.launch_s * 1e6);
        fprintf(f, "fitted   = %s\n", fit[0] ? fit : "none");
        fprintf(f, "from     = %s\n", x->from);
        if (x->npts) fprintf(f, "rms_log  = %.4f\n", x->rms);
        fprintf(f, "source   = %s\n", x->reason);
        if (x->npts) { /* the point names, wrapped under the 198-byte line limit */
            fprintf(f, "# fitted on %d points:", x->npts);
            int col = 80;
            char names[sizeof x->points];
            memcpy(names, x->points, sizeof names);
            for (char *tok = strtok(names, " "); tok; tok = strtok(NULL, " ")) {
                if (col + (int)strlen(tok) > 96) { fprintf(f, "\n#  "); col = 3; }
                col += fprintf(f, " %s", tok);
            }
            fprintf(f, "\n");
        }
    }
}

static int usage(FILE *f)
{
    fprintf(f, "usage: dtsim calibrate-compute [--points FILE] [--out FILE|-] [--check] [--catalog DIR]\n\n"
               "Fit the compute model (per-architecture efficiencies, kernel ramp, memory and\n"
               "backward factors) on single-GPU points and write the [compute ARCH] catalog rows.\n\n"
               "  --points FILE  calibration points (default configs/calibration/compute-points.ini\n"
               "                 beside the catalog)\n"
               "  --out FILE     where to write the rows (default <catalog>/compute.ini; - = stdout)\n"
               "  --check        write nothing; exit 1 when the existing rows differ from a fresh fit\n"
               "  --catalog DIR  catalog directory (default $DTSIM_CATALOG or configs/catalog)\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
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
    char dir[4096], ppath[4200], opath[4200];
    if (catalog_dir(dir, sizeof dir, catdir, &e)) return cmd_fail("%s", e.msg);
    if (!points) {
        snprintf(ppath, sizeof ppath, "%s/../calibration/compute-points.ini", dir);
        points = ppath;
    }
    if (!out) {
        snprintf(opath, sizeof opath, "%s/compute.ini", dir);
        out = opath;
    }
    config *c = NULL;
    struct catalog *cat = NULL;
    struct nets ns = {0};
    static struct fitted fits[MAXARCH];
    static struct calib_point pts[MAXPTS];
    static const char *pt_arch[MAXPTS];
    int npts = 0, nf = -1, rc = DT_EXIT_OK;
    if (config_load(&c, points, &e) || config_check(c, schema, NSCHEMA, NULL, &e) || catalog_load(&cat, dir, &e)) {
        rc = cmd_fail("%s", e.msg);
        goto out;
    }
    nf = calibrate(c, cat, fits, pts, &npts, &ns, pt_arch, &e);
    if (nf < 0) {
        rc = cmd_fail("%s", e.msg);
        goto out;
    }
    /* the report: every point, measured against the fitted model */
    FILE *rep = strcmp(out, "-") == 0 ? stderr : stdout;
    fprintf(rep, "%-22s %-16s %-4s %5s %-9s %10s %10s %7s\n", "point", "gpu", "prec", "batch", "mode", "measured",
            "model", "error");
    for (int i = 0; i < npts; i++) {
        int j;
        for (j = 0; j < nf && strcmp(fits[j].arch, pt_arch[i]) != 0; j++) {}
        double pred = calib_predict(&pts[i], &fits[j].p);
        int bw = pts[i].mode >= CALIB_BACKWARD;
        static const char *const mname[] = {"train", "inference", "backward", "matrix-fwd", "matrix-bwd"};
        fprintf(rep, "%-22s %-16s %-4s %5lld %-9s %8.1f%s %8.1f%s %+6.1f%%\n", pts[i].name, pt_arch[i],
                pts[i].prec == COMPUTE_FP16 ? "amp" : "fp32", (long long)pts[i].batch,
                 mname[pts[i].mode], bw ? pts[i].value * 1e3 : pts[i].value,
                bw ? "ms" : "/s", bw ? pred * 1e3 : pred, bw ? "ms" : "/s", 100 * (pred / pts[i].value - 1));
    }
    if (check) {
        char *mine = NULL, *theirs = NULL;
        size_t ml = 0;
        FILE *m = open_memstream(&mine, &ml);
        write_rows(m, "configs/calibration/compute-points.ini", fits, nf);
        fclose(m);
        FILE *t = fopen(out, "r");
        size_t tl = 0;
        if (t) {
            theirs = calloc(1, ml + 2);
            tl = fread(theirs, 1, ml + 1, t);
            fclose(t);
        }
        if (!theirs || tl != ml || memcmp(mine, theirs, ml) != 0) {
            fprintf(stderr, "dtsim: calibrate-compute: %s is not what %s gives; run 'dtsim calibrate-compute'\n", out,
                    points);
            rc = DT_EXIT_FAIL;
        } else {
            fprintf(rep, "compute rows are current (%d architectures)\n", nf);
        }
        free(mine);
        free(theirs);
        goto out;
    }
    FILE *f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
    if (!f) {
        rc = cmd_fail("cannot write '%s'", out);
        goto out;
    }
    write_rows(f, "configs/calibration/compute-points.ini", fits, nf);
    if (f != stdout) {
        fclose(f);
        fprintf(rep, "wrote %d architectures\n", nf);
    }
out:
    for (int i = 0; i < ns.n; i++) dnn_free(&ns.net[i]);
    catalog_free(cat);
    config_free(c);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_calibrate_compute = {"calibrate-compute",
                                                      "fit the compute model on single-GPU figures", cmd_calibrate_compute};
