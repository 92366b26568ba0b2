#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_LAYER, COL_PASS, COL_BATCH, COL_DTYPE, COL_TIME, NCOLS };
static const char *const colname[NCOLS] = {"layer", "pass", "batch", "dtype", "time_s"};

/* Split a CSV line in place on commas (the format has no quoted fields). */
static int split(char *s, char **f, int max)
{
    int n = 0;
    f[n++] = s;
    for (char *p = s; *p; p++)
        if (*p == ',') {
            *p = '\0';
            if (n == max) return -1;
            f[n++] = p + 1;
        }
    return n;
}

static struct trace_row *row_for(struct trace *t, const char *layer, dt_err *e)
{
    for (size_t i = 0; i < t->nrows; i++)
        if (strcmp(t->rows[i].layer, layer) == 0) return &t->rows[i];
    struct trace_row *r = realloc(t->rows, (t->nrows + 1) * sizeof *r);
    if (!r) { dt_errf(e, DT_ENOMEM, "out of memory"); return NULL; }
    t->rows = r;
    r = &t->rows[t->nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->layer, sizeof r->layer, "%.63s", layer);
    r->fwd_s = r->bwd_data_s = r->bwd_filter_s = r->bwd_s = r->fwd_host_s = r->bwd_host_s = -1;
    return r;
}

/* "# optimizer_s: gpu 1.0e-03 host 2.0e-03" (gpu may be "-") */
static int parse_opt(const char *s, double *gpu, double *host)
{
    char g[32];
    if (sscanf(s, "gpu %31s host %lf", g, host) != 2) return -1;
    if (strcmp(g, "-") == 0) *gpu = -1;
    else {
        char *end;
        *gpu = strtod(g, &end);
        if (*end) return -1;
    }
    return 0;
}

int trace_load(struct trace *t, const char *path, dt_err *e)
{
    memset(t, 0, sizeof *t);
    t->step_host_s = t->opt_gpu_s = t->opt_host_s = -1;
    snprintf(t->path, sizeof t->path, "%.511s", path);
    FILE *f = fopen(path, "r");
    if (!f) return dt_errf(e, DT_ENOENT, "cannot open trace '%s': %s", path, strerror(errno));
    char line[4096];
    int ln = 0, rc = 0, col[NCOLS], col_host = -1, header = 0, magic = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = '\0';
        else if (!feof(f)) { rc = dt_errf(e, DT_EINVAL, "%s:%d: line too long", path, ln); break; }
        if (line[0] == '#') {
            if (ln == 1 && strcmp(line, "# dtbench compute trace v1") == 0) magic = 1;
            if (strncmp(line, "# gpu: ", 7) == 0) snprintf(t->gpu, sizeof t->gpu, "%.159s", line + 7);
            if (strncmp(line, "# step_host_s: ", 15) == 0) {
                char *end;
                t->step_host_s = strtod(line + 15, &end);
                if (end == line + 15 || *end || t->step_host_s < 0) {
                    rc = dt_errf(e, DT_EINVAL, "%s:%d: bad step_host_s '%s'", path, ln, line + 15);
                    break;
                }
            }
            if (strncmp(line, "# optimizer_s: ", 15) == 0 && parse_opt(line + 15, &t->opt_gpu_s, &t->opt_host_s)) {
                rc = dt_errf(e, DT_EINVAL, "%s:%d: bad optimizer_s '%s' (want 'gpu SECONDS|- host SECONDS')", path, ln,
                             line + 15);
                break;
            }
            continue;
        }
        if (!magic) { rc = dt_errf(e, DT_EINVAL, "%s:1: not a dtbench compute trace (no '# dtbench compute trace v1' line)", path); break; }
        if (n == 0) continue;
        char *f_[32];
        int nf = split(line, f_, 32);
        if (nf < 0) { rc = dt_errf(e, DT_EINVAL, "%s:%d: too many columns", path, ln); break; }
        if (!header) {
            for (int c = 0; c < NCOLS; c++) {
                col[c] = -1;
                for (int i = 0; i < nf; i++)
                    if (strcmp(f_[i], colname[c]) == 0) col[c] = i;
                if (col[c] < 0) { rc = dt_errf(e, DT_EINVAL, "%s:%d: header has no '%s' column", path, ln, colname[c]); break; }
            }
            if (rc) break;
            col_host = -1;
            for (int i = 0; i < nf; i++)
                if (strcmp(f_[i], "host_s") == 0) col_host = i;
            header = 1;
            continue;
        }
        for (int c = 0; c < NCOLS; c++)
            if (col[c] >= nf) { rc = dt_errf(e, DT_EINVAL, "%s:%d: %d columns, the header has more", path, ln, nf); break; }
        if (rc) break;
        char *end;
        long long batch = strtoll(f_[col[COL_BATCH]], &end, 10);
        if (*end || batch < 1) { rc = dt_errf(e, DT_EINVAL, "%s:%d: bad batch '%s'", path, ln, f_[col[COL_BATCH]]); break; }
        /* time_s may be empty (no GPU time: a CPU-only profile) only where a host_s is given */
        double ts = -1, hs = -1;
        if (col_host >= 0 && col_host < nf && f_[col_host][0]) {
            hs = strtod(f_[col_host], &end);
            if (*end || !(hs >= 0) || hs > 1e3) { rc = dt_errf(e, DT_EINVAL, "%s:%d: bad host_s '%s'", path, ln, f_[col_host]); break; }
        }
        if (f_[col[COL_TIME]][0] || hs < 0) {
            ts = strtod(f_[col[COL_TIME]], &end);
            if (*end || !(ts >= 0) || ts > 1e3) { rc = dt_errf(e, DT_EINVAL, "%s:%d: bad time_s '%s'", path, ln, f_[col[COL_TIME]]); break; }
            t->gpu_rows++;
        }
        if (t->batch == 0) {
            t->batch = batch;
            snprintf(t->dtype, sizeof t->dtype, "%.15s", f_[col[COL_DTYPE]]);
        } else if (batch != t->batch) {
            rc = dt_errf(e, DT_EINVAL, "%s:%d: batch %lld, but the trace began at batch %lld", path, ln, batch, t->batch);
            break;
        }
        struct trace_row *r = row_for(t, f_[col[COL_LAYER]], e);
        if (!r) { rc = DT_ENOMEM; break; }
        const char *pass = f_[col[COL_PASS]];
        if (strcmp(pass, "fwd") == 0) {
            r->fwd_s = ts;
            r->fwd_host_s = hs;
        } else if (strcmp(pass, "bwd_data") == 0 || strcmp(pass, "bwd_filter") == 0 || strcmp(pass, "bwd") == 0) {
            if (pass[3] == '\0') r->bwd_s = ts;
            else if (pass[4] == 'd') r->bwd_data_s = ts;
            else r->bwd_filter_s = ts;
            if (hs >= 0) r->bwd_host_s = (r->bwd_host_s > 0 ? r->bwd_host_s : 0) + hs;
        } else { rc = dt_errf(e, DT_EINVAL, "%s:%d: unknown pass '%s' (fwd, bwd_data, bwd_filter, bwd)", path, ln, pass); break; }
    }
    fclose(f);
    if (!rc && (!magic || !header || t->nrows == 0))
        rc = dt_errf(e, DT_EINVAL, "%s: no trace rows", path);
    if (rc) trace_free(t);
    return rc;
}

void trace_free(struct trace *t)
{
    free(t->rows);
    t->rows = NULL;
    t->nrows = 0;
}

int trace_apply_check(const struct trace *t, dt_err *e)
{
    if (t->gpu_rows == 0)
        return dt_errf(e, DT_EINVAL,
                       "trace '%s' has no GPU times (a CPU-only profile: host times only), nothing to replace the "
                       "model's GPU times with", t->path);
    return 0;
}

int trace_apply(const struct trace *t, const struct dnn_net *net, long long batch, struct compute_times *ct,
                dt_err *e)
{
    if (batch != t->batch)
        return dt_errf(e, DT_EINVAL, "trace '%s' was measured at %lld images per GPU, the experiment runs %lld",
                       t->path, t->batch, batch);
    int rc = trace_apply_check(t, e);
    if (rc) return rc;
    int replaced = 0;
    for (size_t k = 0; k < t->nrows; k++) {
        const struct trace_row *r = &t->rows[k];
        size_t i;
        for (i = 0; i < net->nlayers && strcmp(net->layers[i].name, r->layer) != 0; i++) {}
        if (i == net->nlayers)
            return dt_errf(e, DT_EINVAL, "trace '%s' has layer '%s', which model '%s' does not", t->path, r->layer,
                           net->model->name);
        if (r->fwd_s >= 0) {
            ct->fwd_total_s += r->fwd_s - ct->fwd_s[i];
            ct->fwd_s[i] = r->fwd_s;
        }
        if (r->bwd_data_s >= 0 || r->bwd_filter_s >= 0 || r->bwd_s >= 0) {
            double b = (r->bwd_data_s > 0 ? r->bwd_data_s : 0) + (r->bwd_filter_s > 0 ? r->bwd_filter_s : 0) +
                       (r->bwd_s > 0 ? r->bwd_s : 0);
            ct->bwd_total_s += b - ct->bwd_s[i];
            ct->bwd_s[i] = b;
        }
        replaced++;
    }
    return replaced;
}
