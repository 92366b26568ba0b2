/* repro.c -- the jobs, intervals and CSVs of `dtsim reproduce` (repro.h). */
#include "repro.h"

#include "cleanup.h"
#include "cmd.h"
#include "csvrows.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int same_job(const struct repro_job *j, const char *exp, char *const *sets, int nsets)
{
    if (j->scaling || j->nsets != nsets || strcmp(j->exp, exp) != 0) return 0;
    for (int k = 0; k < nsets; k++)
        if (strcmp(j->sets[k], sets[k]) != 0) return 0;
    return 1;
}

int repro_job(struct repro *p, const char *exp, char *const *sets, int nsets, int scaling)
{
    for (int j = 0; !scaling && j < p->njobs; j++)
        if (same_job(&p->jobs[j], exp, sets, nsets)) return j;
    if (p->njobs == p->capjobs) {
        int cap = p->capjobs ? 2 * p->capjobs : 64;
        struct repro_job *v = realloc(p->jobs, (size_t)cap * sizeof *v);
        if (!v) return -1;
        p->jobs = v;
        p->capjobs = cap;
    }
    struct repro_job *j = &p->jobs[p->njobs];
    memset(j, 0, sizeof *j);
    j->exp = exp;
    j->scaling = scaling;
    if (nsets && !(j->sets = calloc((size_t)nsets, sizeof *j->sets))) return -1;
    for (int k = 0; k < nsets; k++) {
        if (!(j->sets[k] = strdup(sets[k]))) {
            while (k--) free(j->sets[k]);
            free(j->sets);
            return -1;
        }
        j->nsets++;
    }
    return p->njobs++;
}

int repro_job_at(struct repro *p, int e, const struct unc_pick *picks, int n)
{
    const struct unc_set *u = &p->exps[e].x.unc;
    char *sets[UNC_MAX_RANGES * UNC_MAX_KEYS];
    char buf[UNC_MAX_RANGES * UNC_MAX_KEYS][CONFIG_MAX_LINE + 80];
    int m = 0, rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const struct unc_range *r = &u->r[picks[i].range];
        for (int k = 0; k < r->nkeys && rc == 0; k++) {
            rc = uncertain_assignment(r, picks[i].alt, k, buf[m], sizeof buf[m]);
            sets[m] = buf[m];
            m++;
        }
    }
    int j = rc ? -1 : repro_job(p, p->exps[e].path, sets, m, 0);
    if (j >= 0) p->jobs[j].gpus = experiment_gpus(&p->exps[e].x);
    return j;
}

const char *repro_unit(const struct repro_row *r)
{
    return r->table == 1 ? "s" : r->table == 3 ? "images/s" : r->table == 4 ? "s/iteration" : "%";
}

double repro_figure(const struct repro *p, const struct repro_row *r, int j)
{
    const struct run_result *res = &p->jobs[j].r;
    if (r->table == 3) return res->ph[0].images_per_s / res->gpus;
    if (r->table == 4) return res->ph[0].r.step_s;
    return r->table == 1 ? res->time_to_train_s : 100 * res->ph[0].scaling_efficiency;
}

double repro_alt_figure(const struct repro *p, const struct repro_row *r, int i, int a)
{
    return repro_figure(p, r, p->exps[r->e].alt[i][a]);
}

void repro_ends(const struct repro *p, struct repro_row *r, struct unc_pick picks[2][UNC_MAX_RANGES], int npick[2])
{
    const struct unc_set *u = &p->exps[r->e].x.unc;
    double y0 = repro_figure(p, r, r->job);
    npick[0] = npick[1] = 0;
    for (int i = 0; i < u->n; i++) {
        double y[UNC_MAX_ALTS];
        for (int a = 0; a < u->r[i].nalts; a++) y[a] = repro_alt_figure(p, r, i, a);
        uncertain_pick(y, u->r[i].nalts, y0, &r->down[i], &r->up[i]);
        if (r->down[i] >= 0) picks[0][npick[0]++] = (struct unc_pick){i, r->down[i]};
        if (r->up[i] >= 0) picks[1][npick[1]++] = (struct unc_pick){i, r->up[i]};
    }
}

void repro_interval(const struct repro *p, struct repro_row *r)
{
    const struct unc_set *u = &p->exps[r->e].x.unc;
    r->low = r->high = repro_figure(p, r, r->job);
    for (int i = 0; i < u->n; i++)
        for (int a = 0; a < u->r[i].nalts; a++) {
            double y = repro_alt_figure(p, r, i, a);
            r->low = fmin(r->low, y);
            r->high = fmax(r->high, y);
        }
    for (int k = 0; k < 2; k++) {
        double y = repro_figure(p, r, r->combined[k]);
        r->low = fmin(r->low, y);
        r->high = fmax(r->high, y);
    }
    r->inside = r->published >= r->low && r->published <= r->high;
    r->ranged = 1;
}

double repro_end(const struct repro *p, const struct repro_row *r, int q, int up, char *text, size_t len)
{
    int a = up ? r->up[q] : r->down[q];
    if (text && len) text[0] = '\0';
    if (a < 0) return repro_figure(p, r, r->job);
    if (text) uncertain_value_text(&p->exps[r->e].x.unc.r[q], a, text, len);
    return repro_alt_figure(p, r, q, a);
}

/* A range's swing for row r: its up figure minus its down figure. */
static double swing(const struct repro *p, const struct repro_row *r, int i)
{
    return repro_end(p, r, i, 1, NULL, 0) - repro_end(p, r, i, 0, NULL, 0);
}

void repro_order(const struct repro *p, const struct repro_row *r, int *order)
{
    int n = p->exps[r->e].x.unc.n;
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++) /* insertion sort: stable, n <= 32 */
        for (int k = i; k > 0 && swing(p, r, order[k]) > swing(p, r, order[k - 1]); k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
}

static void write_tornado(FILE *f, const struct repro *p)
{
    fprintf(f, "table,row,label,key,down,up,point,published,unit,value_down,value_up\n");
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        const struct unc_set *u = &p->exps[r->e].x.unc;
        const char *unit = repro_unit(r);
        double y0 = repro_figure(p, r, r->job);
        fprintf(f, "%d,%s,%s,interval,%.6g,%.6g,%.6g,%.6g,%s,every range down,every range up\n", r->table, r->id,
                r->label, r->low, r->high, y0, r->published, unit);
        int order[UNC_MAX_RANGES];
        repro_order(p, r, order);
        for (int k = 0; k < u->n; k++) {
            int q = order[k];
            char vd[UNC_MAX_KEYS * (CONFIG_MAX_LINE + 2)], vu[sizeof vd];
            double yd = repro_end(p, r, q, 0, vd, sizeof vd), yu = repro_end(p, r, q, 1, vu, sizeof vu);
            fprintf(f, "%d,%s,%s,%s,%.6g,%.6g,%.6g,%.6g,%s,", r->table, r->id, r->label, u->r[q].at->key, yd, yu, y0,
                    r->published, unit);
            csvrows_put(f, vd);
            fputc(',', f);
            csvrows_put(f, vu);
            fputc('\n', f);
        }
    }
}

int repro_write_csvs(const struct repro *p, const char *outdir, int ranged)
{
    char path[4200];
    FILE *f;
    struct out_file of; /* written whole, then renamed: never a torn CSV (cleanup.h) */
    dt_err oe;
#define OPEN(name)                                                  \
    snprintf(path, sizeof path, "%s/%s", outdir, name);             \
    if (out_open(&of, path, &oe)) return cmd_fail("%s", oe.msg);    \
    f = of.f;
    OPEN("reproduce.csv");
    fprintf(f, "table,row,devices,published,simulated,unit,error_pct,interval_low,interval_high,inside,role\n");
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        double err = r->table != 2 ? r->error : 100 * (r->simulated / r->published - 1);
        fprintf(f, "%d,%s,\"%s\",%.6g,%.6g,%s,%.2f,", r->table, r->label, r->devices, r->published, r->simulated,
                repro_unit(r), err);
        if (r->ranged) fprintf(f, "%.6g,%.6g,%s,", r->low, r->high, r->inside ? "yes" : "no");
        else fprintf(f, ",,,");
        fprintf(f, "%s\n", r->calibration ? "calibration" : "scored");
    }
    if (out_close(&of, &oe)) return cmd_fail("%s", oe.msg);
    snprintf(path, sizeof path, "%s/reproduce-tornado.csv", outdir);
    if (!ranged) {
        if (unlink(path) != 0 && errno != ENOENT) return cmd_fail("cannot remove '%s': %s", path, strerror(errno));
    } else {
        OPEN("reproduce-tornado.csv");
        write_tornado(f, p);
        if (out_close(&of, &oe)) return cmd_fail("%s", oe.msg);
    }
    OPEN("reproduce-breakdown.csv");
    fprintf(f, "row,label,forward_s,backward_s,exposed_comm_s,optimizer_s,input_stall_s,host_s,step_s,iterations\n");
    for (int i = 0; i < p->nrows; i++) {
        if (p->rows[i].table != 1) continue;
        const struct run_result *rr = &p->jobs[p->rows[i].job].r;
        const struct iter_result *s = &rr->ph[0].r;
        fprintf(f, "%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.0f\n", p->rows[i].id, p->rows[i].label, s->forward_s,
                s->backward_s, s->exposed_comm_s, s->optimizer_s, s->input_stall_s, s->host_s, s->step_s,
                rr->iterations);
    }
    if (out_close(&of, &oe)) return cmd_fail("%s", oe.msg);
    OPEN("reproduce-input.csv");
    fprintf(f, "row,label,files_per_s_needed,files_per_s_available\n");
    for (int i = 0; i < p->nrows; i++) {
        if (p->rows[i].table != 1) continue;
        const struct run_phase *ph = &p->jobs[p->rows[i].job].r.ph[0];
        fprintf(f, "%s,%s,%.1f,%.1f\n", p->rows[i].id, p->rows[i].label, ph->files_per_s_needed,
                ph->files_per_s_available);
    }
    if (out_close(&of, &oe)) return cmd_fail("%s", oe.msg);
    OPEN("reproduce-scaling.csv");
    fprintf(f, "row,label,gpus,efficiency_pct\n");
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        if (r->table != 2 || !r->scaling) continue;
        for (int j = 0; j < p->njobs; j++) /* scaling points, in increasing node order, then the row's own run */
            if (p->jobs[j].row == i && p->jobs[j].scaling)
                fprintf(f, "%s,%s,%d,%.3f\n", r->id, r->label, p->jobs[j].r.gpus,
                        p->jobs[j].nodes == 1 ? 100.0 : 100 * p->jobs[j].r.ph[0].scaling_efficiency);
        const struct run_result *own = &p->jobs[r->job].r;
        fprintf(f, "%s,%s,%d,%.3f\n", r->id, r->label, own->gpus, 100 * own->ph[0].scaling_efficiency);
    }
    if (out_close(&of, &oe)) return cmd_fail("%s", oe.msg);
    OPEN("reproduce-scaling-published.csv");
    fprintf(f, "row,label,gpus,published_pct,simulated_pct\n");
    for (int i = 0; i < p->nrows; i++) {
        const struct repro_row *r = &p->rows[i];
        if (r->table != 2) continue;
        fprintf(f, "%s,%s,%d,%.3f,%.3f\n", r->id, r->label, p->jobs[r->job].r.gpus, r->published, r->simulated);
    }
    if (out_close(&of, &oe)) return cmd_fail("%s", oe.msg);
#undef OPEN
    return 0;
}

void repro_free(struct repro *p)
{
    for (int j = 0; j < p->njobs; j++) {
        for (int k = 0; k < p->jobs[j].nsets; k++) free(p->jobs[j].sets[k]);
        free(p->jobs[j].sets);
    }
    free(p->jobs);
    for (int e = 0; e < p->nexps; e++) experiment_free(&p->exps[e].x);
    p->jobs = NULL;
    p->njobs = p->capjobs = p->nexps = p->nrows = 0;
}
