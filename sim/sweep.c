/* sweep.c -- points, rows, resume and merge of a sweep (see sweep.h). */
#include "sweep.h"

#include "cleanup.h"
#include "cmdutil.h"
#include "csvrows.h"
#include "jobs.h"
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXCOLS 96

static const char *const metric_cols[] = {
    "gpus", "nodes", "global_batch", "step_s", "images_per_s", "images_per_s_per_gpu", "scaling_efficiency",
    "forward_s", "backward_s", "exposed_comm_s", "optimizer_s", "input_stall_s", "host_s", "allreduce_s",
    "time_to_train_s", "gpu_hours", "tokens_per_s"};
#define NMETRIC (sizeof metric_cols / sizeof metric_cols[0])

/* After tokens_per_s when the experiment has [parallel] (sweep.h). */
static const char *const par_cols[] = {"tensor",       "pipeline",     "data",
                                       "microbatches", "bubble_s",     "exposed_tp_s",
                                       "exposed_dp_s", "model_tflops_per_gpu", "mfu",
                                       "memory_gb"};
#define NPAR (sizeof par_cols / sizeof par_cols[0])

static int nkeys_total(const struct sweep *s)
{
    int n = 0;
    for (int j = 0; j < s->nvary; j++) n += s->vary[j].nkeys;
    return n;
}

/* The varied value of `key` at point p, or NULL. */
static const char *point_value(const struct sweep *s, long long p, const char *key)
{
    for (int j = 0; j < s->nvary; j++)
        for (int k = 0; k < s->vary[j].nkeys; k++)
            if (strcmp(s->vary[j].keys[k], key) == 0)
                return s->vary[j].vals[vary_index(s->vary, s->nvary, j, p) * s->vary[j].nkeys + k];
    return NULL;
}

int sweep_prepare(struct sweep *s, dt_err *e)
{
    int rc = vary_points(s->vary, s->nvary, &s->npoints, e);
    if (rc) return rc;
    if (s->only_point >= s->npoints)
        return dt_errf(e, DT_ERANGE, "--point %lld: the sweep has points 0 to %lld", s->only_point, s->npoints - 1);
    struct experiment x;
    if ((rc = experiment_load_ex(&x, s->exp, s->sets, s->nsets, cmd_resolve, NULL, e))) return rc;
    s->base_nodes = x.cluster.nodes;
    s->base_gpn = x.cluster.gpus_per_node;
    s->parallel = x.parallel.present;
    experiment_free(&x);
    if (s->per_gpu_batch > 0 && point_value(s, 0, "training.batch"))
        return dt_errf(e, DT_EINVAL, "--per-gpu-batch sets training.batch: do not --vary it too");
    return 0;
}

int sweep_header(const struct sweep *s, char *buf, size_t len)
{
    size_t used = 0;
    int w = snprintf(buf, len, "point");
    used = (size_t)w;
    for (int j = 0; j < s->nvary; j++)
        for (int k = 0; k < s->vary[j].nkeys && used < len; k++)
            used += (size_t)snprintf(buf + used, len - used, ",%s", s->vary[j].keys[k]);
    for (size_t m = 0; m < NMETRIC && used < len; m++) used += (size_t)snprintf(buf + used, len - used, ",%s", metric_cols[m]);
    for (size_t m = 0; s->parallel && m < NPAR && used < len; m++)
        used += (size_t)snprintf(buf + used, len - used, ",%s", par_cols[m]);
    if (used < len) used += (size_t)snprintf(buf + used, len - used, "%s,bound,error", s->prices ? ",cost" : "");
    return used < len ? 0 : -1;
}

void sweep_sets_free(char **sets, int n)
{
    for (int i = 0; i < n; i++) free(sets[i]);
    free(sets);
}

int sweep_point_sets(const struct sweep *s, long long p, char ***out, int *nout, dt_err *e)
{
    int n = 0, cap = s->nsets + nkeys_total(s) + 2;
    char **v = calloc((size_t)cap, sizeof *v);
    if (!v) return dt_errf(e, DT_ENOMEM, "out of memory");
    for (int i = 0; i < s->nsets; i++) v[n++] = strdup(s->sets[i]);
    if (s->parallel && !point_value(s, p, "parallel.data") &&
        (point_value(s, p, "cluster.nodes") || point_value(s, p, "cluster.gpus_per_node") ||
         point_value(s, p, "parallel.tensor") || point_value(s, p, "parallel.pipeline")))
        v[n++] = strdup("parallel.data=derived"); /* the point's GPUs / (tensor x pipeline) */
    for (int j = 0; j < s->nvary; j++) {
        int vi = vary_index(s->vary, s->nvary, j, p);
        for (int k = 0; k < s->vary[j].nkeys; k++) {
            const char *key = s->vary[j].keys[k], *val = s->vary[j].vals[vi * s->vary[j].nkeys + k];
            char *a = malloc(strlen(key) + strlen(val) + 2);
            if (a) sprintf(a, "%s=%s", key, val);
            v[n++] = a;
        }
    }
    if (s->per_gpu_batch > 0) {
        const char *nv = point_value(s, p, "cluster.nodes"), *gv = point_value(s, p, "cluster.gpus_per_node");
        long long nodes = nv ? atoll(nv) : s->base_nodes, gpn = gv ? atoll(gv) : s->base_gpn;
        char a[64];
        snprintf(a, sizeof a, "training.batch=%lld", s->per_gpu_batch * nodes * gpn);
        v[n++] = strdup(a);
    }
    for (int i = 0; i < n; i++)
        if (!v[i]) {
            sweep_sets_free(v, n);
            return dt_errf(e, DT_ENOMEM, "out of memory");
        }
    *out = v;
    *nout = n;
    return 0;
}

/* ---- CSV ------------------------------------------------------------------- */

int sweep_csv_split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max) return n;
        char *w = p;
        f[n++] = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) break;
                if (*p == '"' && p[1] == '"') *w++ = '"', p += 2;
                else if (*p == '"') { p++; break; }
                else *w++ = *p++;
            }
            while (*p && *p != ',') p++;
        } else {
            while (*p && *p != ',') w++, p++;
        }
        int more = *p == ',';
        *w = '\0';
        if (!more) return n;
        p++;
    }
}

double sweep_cost(const struct catalog *prices, const char *gpu, const char *nic, int nodes, int gpus_per_node,
                  int nics_per_node, double t_s)
{
    const struct catalog_price *g = catalog_price(prices, gpu), *n = catalog_price(prices, nic);
    if (!g) return -1;
    double per_h = (double)nodes * gpus_per_node * g->gpu_hour + nodes * g->node_hour;
    if (n) per_h += (double)nodes * nics_per_node * n->nic_hour;
    return t_s / 3600 * per_h;
}

const char *sweep_bound(double step_s, double exposed_comm_s, double input_stall_s, double host_s)
{
    return run_bound(step_s, exposed_comm_s, input_stall_s, host_s);
}

/* What the parent knows of a point before it runs. */
struct pt {
    long long p;
    char gpu[64], nic[64];
    int nodes, gpn, nics;
};

static void write_row(const struct sweep *s, FILE *f, const struct pt *pt, const struct jobs_reply *rep, const char *err)
{
    fprintf(f, "%lld", pt->p);
    for (int j = 0; j < s->nvary; j++) {
        int vi = vary_index(s->vary, s->nvary, j, pt->p);
        for (int k = 0; k < s->vary[j].nkeys; k++) {
            fputc(',', f);
            csvrows_put(f, s->vary[j].vals[vi * s->vary[j].nkeys + k]);
        }
    }
    if (err) {
        for (size_t m = 0; m < NMETRIC + (s->parallel ? NPAR : 0) + (s->prices ? 1 : 0); m++) fputc(',', f);
        /* bound "memory": the point does not fit in the GPU (models/memory.h,
         * or a [parallel] layout's layout_mem_refusal) */
        int mem = strstr(err, ": does not fit: ") || (strstr(err, ": needs ") && strstr(err, " GB per GPU (weights "));
        fprintf(f, ",%s,", mem ? "memory" : "");
        csvrows_put(f, err);
        fputc('\n', f);
        return;
    }
    const struct run_result *r = &rep->r;
    const struct run_phase *p0 = &r->ph[0];
    const struct iter_result *b = &p0->r;
    fprintf(f, ",%d,%d,%lld,%.9f,%.3f,%.3f,%.6f,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.3f,%.4f", r->gpus, r->nodes,
            p0->global_batch, b->step_s, p0->images_per_s, p0->images_per_s / r->gpus, p0->scaling_efficiency,
            b->forward_s, b->backward_s, b->exposed_comm_s, b->optimizer_s, b->input_stall_s, b->host_s, b->allreduce_s,
            r->time_to_train_s, r->gpus * r->time_to_train_s / 3600);
    if (r->par.present) fprintf(f, ",%.0f", r->par.tokens_per_s);
    else if (r->in.tokens) fprintf(f, ",%.0f", p0->tokens_per_s);
    else fputc(',', f);
    if (s->parallel && r->par.present) {
        const struct run_par *q = &r->par;
        fprintf(f, ",%d,%d,%d,%d,%.9f,%.9f,%.9f,%.3f,%.6f,%.3f", q->l.tp, q->l.pp, q->l.dp, q->l.microbatches,
                q->bubble_s, q->tp_s, q->dp_exposed_s, q->model_tflops_per_gpu, q->mfu, q->mem.total / 1e9);
    } else if (s->parallel)
        for (size_t m = 0; m < NPAR; m++) fputc(',', f);
    if (s->prices) {
        double c = sweep_cost(s->prices, pt->gpu, pt->nic, r->nodes, r->gpus_per_node, pt->nics, r->time_to_train_s);
        if (c >= 0) fprintf(f, ",%.4f", c);
        else fputc(',', f);
    }
    if (r->par.present && p0->bound) fprintf(f, ",%s,\n", p0->bound);
    else fprintf(f, ",%s,\n", sweep_bound(b->step_s, b->exposed_comm_s, b->input_stall_s, b->host_s));
}

/* Whole file into memory (NUL-terminated); NULL with errno when unreadable. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    while (b) {
        if (n + 1 >= cap) {
            char *g = realloc(b, cap *= 2);
            if (!g) { free(b); b = NULL; break; }
            b = g;
        }
        size_t k = fread(b + n, 1, cap - n - 1, f);
        if (k == 0) break;
        n += k;
    }
    fclose(f);
    if (b) b[n] = '\0';
    if (len) *len = n;
    return b;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The resume key of a row: its varied values joined by \x1f. */
static char *key_of(char **f, int nk)
{
    size_t n = 1;
    for (int i = 0; i < nk; i++) n += strlen(f[i]) + 1;
    char *k = malloc(n), *w = k;
    if (!k) return NULL;
    for (int i = 0; i < nk; i++) w += sprintf(w, "%s%s", i ? "\x1f" : "", f[i]);
    *w = '\0';
    return k;
}

static char *point_key(const struct sweep *s, long long p)
{
    char *f[MAXCOLS];
    int n = 0;
    for (int j = 0; j < s->nvary; j++) {
        int vi = vary_index(s->vary, s->nvary, j, p);
        for (int k = 0; k < s->vary[j].nkeys && n < MAXCOLS; k++) f[n++] = s->vary[j].vals[vi * s->vary[j].nkeys + k];
    }
    return key_of(f, n);
}

struct run_ctx {
    struct sweep *s;
    struct pt *pts;
    FILE *f;
};

static void child(void *ctx, int i, struct jobs_reply *rep)
{
    struct run_ctx *c = ctx;
    char **sets;
    int n;
    dt_err e = {0, ""};
    if (sweep_point_sets(c->s, c->pts[i].p, &sets, &n, &e)) {
        rep->rc = e.code;
        snprintf(rep->err, sizeof rep->err, "%s", e.msg);
        return;
    }
    jobs_simulate(c->s->exp, sets, n, NULL, rep);
    sweep_sets_free(sets, n);
}

static void done(void *ctx, int i, const struct jobs_reply *rep, int ndone, int n)
{
    struct run_ctx *c = ctx;
    if (rep->rc == -1 && strncmp(rep->err, "the simulation died", 19) == 0) {
        fprintf(stderr, "%sdtsim: error: point %lld: %s (no row written; rerun to retry)\n", c->s->progress ? "\n" : "",
                c->pts[i].p, rep->err);
        c->s->died++;
    } else {
        write_row(c->s, c->f, &c->pts[i], rep, rep->rc ? rep->err : NULL);
        fflush(c->f);
        c->s->errors += rep->rc != 0;
    }
    if (c->s->progress) fprintf(stderr, "\rdtsim sweep: %d/%d points simulated%s", ndone, n, ndone == n ? "\n" : "");
}

int sweep_run(struct sweep *s, dt_err *e)
{
    char header[8192];
    if (sweep_header(s, header, sizeof header)) return dt_errf(e, DT_ERANGE, "too many columns");
    int nk = nkeys_total(s);
    if (nk + 1 > MAXCOLS) return dt_errf(e, DT_ERANGE, "more than %d varied keys", MAXCOLS - 1);
    /* Rows already there. */
    char **keys = NULL;
    size_t nkeys = 0;
    size_t len = 0;
    char *old = slurp(s->out, &len);
    int fresh = old == NULL || len == 0;
    if (!old && errno != ENOENT) return dt_errf(e, DT_EIO, "cannot read '%s': %s", s->out, strerror(errno));
    if (old && len) {
        char *nl = strchr(old, '\n');
        if (!nl || (size_t)(nl - old) != strlen(header) || strncmp(old, header, strlen(header)) != 0) {
            free(old);
            return dt_errf(e, DT_EINVAL, "'%s' holds another sweep (its header differs from this one's); "
                                         "use another --out or remove it", s->out);
        }
        /* a torn last line (killed while writing): cut it off */
        if (old[len - 1] != '\n') {
            char *last = strrchr(old, '\n');
            len = (size_t)(last - old) + 1;
            if (truncate(s->out, (off_t)len) != 0) {
                free(old);
                return dt_errf(e, DT_EIO, "cannot truncate '%s': %s", s->out, strerror(errno));
            }
            old[len] = '\0';
        }
        size_t lines = 0;
        for (char *q = nl + 1; *q; q++) lines += *q == '\n';
        keys = calloc(lines + 1, sizeof *keys);
        char *line = nl + 1;
        while (keys && *line) {
            char *end = strchr(line, '\n');
            *end = '\0';
            char *f[MAXCOLS];
            if (sweep_csv_split(line, f, MAXCOLS) > nk) keys[nkeys++] = key_of(f + 1, nk);
            line = end + 1;
        }
        qsort(keys, nkeys, sizeof *keys, cmp_str);
    }
    free(old);
    /* Points to run. */
    struct pt *pts = calloc((size_t)(s->only_point >= 0 ? 1 : s->npoints), sizeof *pts);
    int npts = 0, rc = 0;
    FILE *f = NULL;
    if (!pts) {
        rc = dt_errf(e, DT_ENOMEM, "out of memory");
        goto out;
    }
    s->already = 0;
    for (long long p = 0; p < s->npoints; p++) {
        if (s->only_point >= 0 && p != s->only_point) continue;
        char *k = point_key(s, p);
        int have = k && nkeys && bsearch(&k, keys, nkeys, sizeof *keys, cmp_str) != NULL;
        free(k);
        if (have) {
            s->already++;
            continue;
        }
        pts[npts++].p = p;
    }
    if (s->dry_run) {
        for (int i = 0; i < npts; i++) {
            char **sets;
            int n;
            if ((rc = sweep_point_sets(s, pts[i].p, &sets, &n, e))) goto out;
            printf("point %lld:", pts[i].p);
            for (int k = s->nsets; k < n; k++) printf(" %s", sets[k]);
            printf("\n");
            sweep_sets_free(sets, n);
        }
        s->ran = npts;
        goto out;
    }
    if (!(f = fopen(s->out, "a"))) {
        rc = dt_errf(e, DT_EIO, "cannot write '%s': %s", s->out, strerror(errno));
        goto out;
    }
    if (fresh) fprintf(f, "%s\n", header);
    fflush(f);
    /* Load each point here: one that does not load is an error row now. */
    int nrun = 0;
    for (int i = 0; i < npts; i++) {
        char **sets;
        int n;
        if ((rc = sweep_point_sets(s, pts[i].p, &sets, &n, e))) goto out;
        struct experiment x;
        dt_err le = {0, ""};
        int lrc = experiment_load_ex(&x, s->exp, sets, n, cmd_resolve, NULL, &le);
        sweep_sets_free(sets, n);
        if (lrc) {
            write_row(s, f, &pts[i], NULL, le.msg);
            s->errors++;
            continue;
        }
        struct pt *q = &pts[nrun++];
        long long p = pts[i].p;
        memset(q, 0, sizeof *q);
        q->p = p;
        snprintf(q->gpu, sizeof q->gpu, "%s", x.cluster.gpu);
        snprintf(q->nic, sizeof q->nic, "%s", x.cluster.nic);
        q->nodes = x.cluster.nodes;
        q->gpn = x.cluster.gpus_per_node;
        q->nics = x.cluster.nics_per_node;
        experiment_free(&x);
    }
    fflush(f);
    s->ran = nrun;
    struct run_ctx c = {s, pts, f};
    if (nrun && jobs_run(nrun, s->jobs, child, done, &c) != 0) {
        if (errno == EINTR)
            rc = dt_errf(e, DT_EINTR, "interrupted: the finished points are in '%s'; run the same command "
                                      "again to simulate only the missing ones", s->out);
        else
            rc = dt_errf(e, DT_EIO, "cannot start simulations: %s", strerror(errno));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        rc = dt_errf(e, DT_EIO, "cannot write '%s': %s", s->out, strerror(errno));
        goto out;
    }
    f = NULL;
    char *one[1] = {(char *)s->out};
    rc = sweep_merge(s->out, one, 1, e);
out:
    if (f) fclose(f);
    for (size_t i = 0; i < nkeys; i++) free(keys[i]);
    free(keys);
    free(pts);
    return rc;
}

/* ---- merge ------------------------------------------------------------------- */

struct mrow {
    long long p;
    size_t order;
    char *line;
};

static int cmp_row(const void *a, const void *b)
{
    const struct mrow *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

int sweep_merge(const char *out, char *const *in, int nin, dt_err *e)
{
    char **texts = calloc((size_t)nin, sizeof *texts);
    struct mrow *rows = NULL;
    size_t nrows = 0, cap = 0;
    char *header = NULL;
    int rc = 0;
    if (nin < 1) return dt_errf(e, DT_EINVAL, "merge: no input files");
    if (!texts) return dt_errf(e, DT_ENOMEM, "out of memory");
    for (int i = 0; i < nin && !rc; i++) {
        size_t len;
        if (!(texts[i] = slurp(in[i], &len))) {
            rc = dt_errf(e, DT_EIO, "cannot read '%s': %s", in[i], strerror(errno));
            break;
        }
        char *nl = strchr(texts[i], '\n');
        if (!nl || strncmp(texts[i], "point,", 6) != 0) {
            rc = dt_errf(e, DT_EINVAL, "'%s' is not a dtsim sweep CSV (no 'point,...' header)", in[i]);
            break;
        }
        *nl = '\0';
        if (!header) header = texts[i];
        else if (strcmp(header, texts[i]) != 0) {
            rc = dt_errf(e, DT_EINVAL, "'%s' holds another sweep than '%s' (the headers differ)", in[i], in[0]);
            break;
        }
        for (char *line = nl + 1; *line;) {
            char *end = strchr(line, '\n');
            if (!end) break; /* torn last line */
            *end = '\0';
            char *stop;
            long long p = strtoll(line, &stop, 10);
            if (stop == line || *stop != ',') {
                rc = dt_errf(e, DT_EINVAL, "'%s': a row without a point number: '%.40s'", in[i], line);
                break;
            }
            if (nrows == cap) {
                cap = cap ? 2 * cap : 256;
                struct mrow *g = realloc(rows, cap * sizeof *g);
                if (!g) {
                    rc = dt_errf(e, DT_ENOMEM, "out of memory");
                    break;
                }
                rows = g;
            }
            rows[nrows] = (struct mrow){p, nrows, line};
            nrows++;
            line = end + 1;
        }
    }
    if (!rc && header) {
        if (nrows) qsort(rows, nrows, sizeof *rows, cmp_row);
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", out);
        FILE *f = fopen(tmp, "w");
        if (!f) rc = dt_errf(e, DT_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        else {
            cleanup_add(tmp); /* a signal now removes it (cleanup.h) */
            fprintf(f, "%s\n", header);
            for (size_t i = 0; i < nrows && !rc; i++) {
                if (i && rows[i].p == rows[i - 1].p) {
                    if (strcmp(rows[i].line, rows[i - 1].line) != 0)
                        rc = dt_errf(e, DT_EINVAL, "point %lld appears twice with different rows", rows[i].p);
                    continue;
                }
                fprintf(f, "%s\n", rows[i].line);
            }
            if (fclose(f) != 0 && !rc) rc = dt_errf(e, DT_EIO, "cannot write '%s'", tmp);
            if (!rc && rename(tmp, out) != 0) rc = dt_errf(e, DT_EIO, "cannot rename '%s': %s", tmp, strerror(errno));
            if (rc) unlink(tmp);
            cleanup_forget(tmp);
        }
    }
    for (int i = 0; i < nin; i++) free(texts[i]);
    free(texts);
    free(rows);
    return rc;
}
