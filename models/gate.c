/* gate.c -- metric CSVs and their comparison; the format is in gate.h. */
#include "gate.h"

#include "csvrows.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GATE_HEADER "metric,value,unit,better,tolerance"
#define MAXF 8

static const char *better_names[] = {"lower", "higher", "equal"};

const char *gate_better_name(enum gate_better b)
{
    return (unsigned)b < 3 ? better_names[b] : "?";
}

const char *gate_verdict_name(enum gate_verdict v)
{
    static const char *n[] = {"OK", "WORSE", "BETTER", "CHANGED", "MISSING", "NEW"};
    return (unsigned)v < 6 ? n[v] : "?";
}

int gate_verdict_fails(enum gate_verdict v)
{
    return v == GATE_WORSE || v == GATE_CHANGED || v == GATE_MISSING;
}

void gate_free(struct gate_set *s)
{
    for (int i = 0; i < s->n; i++) free(s->m[i].name), free(s->m[i].unit);
    free(s->m);
    memset(s, 0, sizeof *s);
}

static char *trim(char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    char *q = p + strlen(p);
    while (q > p && (q[-1] == ' ' || q[-1] == '\t')) *--q = 0;
    return p;
}

/* A plain decimal number (no hex, inf or nan) filling all of p. */
static int parse_num(const char *p, double *out)
{
    if (!*p || strspn(p, "0123456789+-.eE") != strlen(p)) return -1;
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (*end || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int gate_csv_split(char *line, char **f, int max, const char **why)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max) {
            *why = "too many fields";
            return -1;
        }
        while (*p == ' ' || *p == '\t') p++;
        int quoted = *p == '"';
        if (quoted) {
            char *w = ++p;
            f[n++] = w;
            while (*p != '"' || p[1] == '"') {
                if (!*p) {
                    *why = "unterminated quote";
                    return -1;
                }
                if (*p == '"') p++;
                *w++ = *p++;
            }
            p++;
            *w = 0;
            while (*p == ' ' || *p == '\t') p++;
            if (*p && *p != ',') {
                *why = "text after a closing quote";
                return -1;
            }
        } else {
            f[n++] = p;
            p += strcspn(p, ",");
        }
        int more = *p == ',';
        *p = 0;
        if (!quoted) f[n - 1] = trim(f[n - 1]);
        if (!more) return n;
        p++;
    }
}

int gate_tol_parse(const char *text, const char *unit, struct gate_tol *t, dt_err *e)
{
    char buf[128];
    if (strlen(text) >= sizeof buf) return dt_errf(e, DT_EINVAL, "tolerance '%.40s...' is too long", text);
    snprintf(buf, sizeof buf, "%s", text);
    char *p = trim(buf);
    char *end;
    strtod(p, &end);
    char rest[128];
    snprintf(rest, sizeof rest, "%s", end);
    *end = 0;
    double v = -1;
    char *u = trim(rest);
    if (parse_num(p, &v) || v < 0)
        return dt_errf(e, DT_EINVAL, "tolerance '%s' is not a non-negative number or percentage (e.g. 5%% or 0.5%s)",
                       text, unit ? unit : "%");
    if (strcmp(u, "%") == 0) {
        t->kind = GATE_TOL_PCT, t->value = v;
        return 0;
    }
    if (!unit)
        return dt_errf(e, DT_EINVAL, "tolerance '%s' must be a percentage (e.g. 5%%)", text);
    if (*u && strcmp(u, unit) != 0)
        return dt_errf(e, DT_EINVAL, "tolerance '%s': unit '%s' is not the metric's unit '%s'", text, u, unit);
    t->kind = GATE_TOL_ABS, t->value = v;
    return 0;
}

const char *gate_tol_format(const struct gate_tol *t, const char *unit, char *buf, int size)
{
    if (t->kind == GATE_TOL_PCT) snprintf(buf, (size_t)size, "%.6g%%", t->value);
    else if (t->kind == GATE_TOL_ABS) snprintf(buf, (size_t)size, "%.6g%s%s", t->value, unit && *unit ? " " : "", unit ? unit : "");
    else snprintf(buf, (size_t)size, "%s", "");
    return buf;
}

static int find(const struct gate_set *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->m[i].name, name) == 0) return i;
    return -1;
}

int gate_add(struct gate_set *s, const char *name, double value, const char *unit, enum gate_better better,
             struct gate_tol tol, dt_err *e)
{
    if (find(s, name) >= 0) return dt_errf(e, DT_EINVAL, "duplicate metric '%s'", name);
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        struct gate_metric *m = realloc(s->m, (size_t)cap * sizeof *m);
        if (!m) return dt_errf(e, DT_ENOMEM, "out of memory");
        s->m = m, s->cap = cap;
    }
    struct gate_metric *m = &s->m[s->n];
    memset(m, 0, sizeof *m);
    m->name = strdup(name);
    m->unit = strdup(unit ? unit : "");
    if (!m->name || !m->unit) {
        free(m->name), free(m->unit);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    m->value = value, m->better = better, m->tol = tol;
    s->n++;
    return 0;
}

static int parse_line(struct gate_set *s, char *line, int ln, int ncol, const char *path, dt_err *e)
{
    char *f[MAXF];
    const char *why = "";
    int n = gate_csv_split(line, f, MAXF, &why);
    if (n < 0) return dt_errf(e, DT_EINVAL, "%s:%d: %s", path, ln, why);
    if (n != ncol && !(ncol == 5 && n == 4))
        return dt_errf(e, DT_EINVAL, "%s:%d: %d fields, expected %d (%s)", path, ln, n, ncol,
                       ncol == 5 ? GATE_HEADER : "metric,value,unit,better");
    if (!*f[0]) return dt_errf(e, DT_EINVAL, "%s:%d: empty metric name", path, ln);
    double v;
    if (parse_num(f[1], &v))
        return dt_errf(e, DT_EINVAL, "%s:%d: metric '%s': value '%s' is not a finite number", path, ln, f[0], f[1]);
    int b = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(f[3], better_names[i]) == 0) b = i;
    if (b < 0)
        return dt_errf(e, DT_EINVAL, "%s:%d: metric '%s': better '%s' is not lower, higher or equal", path, ln, f[0],
                       f[3]);
    struct gate_tol t = {GATE_TOL_NONE, 0};
    if (n == 5 && *f[4]) {
        dt_err te = {0};
        if (gate_tol_parse(f[4], f[2], &t, &te))
            return dt_errf(e, DT_EINVAL, "%s:%d: metric '%s': %s", path, ln, f[0], te.msg);
    }
    int i = find(s, f[0]);
    if (i >= 0)
        return dt_errf(e, DT_EINVAL, "%s:%d: duplicate metric '%s' (first on line %d)", path, ln, f[0], s->m[i].line);
    int rc = gate_add(s, f[0], v, f[2], (enum gate_better)b, t, e);
    if (rc) return rc;
    s->m[s->n - 1].line = ln;
    return 0;
}

int gate_parse(struct gate_set *s, const char *text, const char *path, dt_err *e)
{
    char *buf = strdup(text);
    if (!buf) return dt_errf(e, DT_ENOMEM, "out of memory");
    int rc = 0, ln = 0, ncol = 0;
    char *p = buf;
    while (*p && !rc) {
        char *line = p;
        p += strcspn(p, "\n");
        if (*p) *p++ = 0;
        ln++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r') line[len - 1] = 0;
        char *t = trim(line);
        if (!*t || *t == '#') continue;
        if (!ncol) {
            char h[64];
            snprintf(h, sizeof h, "%s", t);
            for (char *c = h; *c; c++)
                if (*c == ' ' || *c == '\t') memmove(c, c + 1, strlen(c)), c--;
            if (strcmp(h, GATE_HEADER) == 0) ncol = 5;
            else if (strcmp(h, "metric,value,unit,better") == 0) ncol = 4;
            else rc = dt_errf(e, DT_EINVAL, "%s:%d: bad header '%.60s' (expected '%s')", path, ln, t, GATE_HEADER);
            continue;
        }
        rc = parse_line(s, t, ln, ncol, path, e);
    }
    if (!rc && !ncol) rc = dt_errf(e, DT_EINVAL, "%s: empty file (expected the header '%s')", path, GATE_HEADER);
    else if (!rc && s->n == 0) rc = dt_errf(e, DT_EINVAL, "%s:%d: no metrics after the header", path, ln);
    free(buf);
    if (rc) gate_free(s);
    return rc;
}

int gate_load(struct gate_set *s, const char *path, dt_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) return dt_errf(e, errno == ENOENT ? DT_ENOENT : DT_EIO, "cannot read '%s': %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (n < cap - 1) break;
        char *b = realloc(buf, cap * 2);
        if (!b) free(buf);
        buf = b, cap *= 2;
    }
    if (!buf) rc = dt_errf(e, DT_ENOMEM, "out of memory");
    else if (ferror(f)) rc = dt_errf(e, DT_EIO, "cannot read '%s': %s", path, strerror(errno));
    else if (memchr(buf, 0, n)) rc = dt_errf(e, DT_EINVAL, "%s: not a text file (it holds a NUL byte)", path);
    fclose(f);
    if (!rc) {
        buf[n] = 0;
        rc = gate_parse(s, buf, path, e);
    }
    free(buf);
    return rc;
}

void gate_write(const struct gate_set *s, FILE *f)
{
    fprintf(f, "%s\n", GATE_HEADER);
    for (int i = 0; i < s->n; i++) {
        const struct gate_metric *m = &s->m[i];
        csvrows_put(f, m->name);
        fprintf(f, ",%.15g,", m->value);
        csvrows_put(f, m->unit);
        fprintf(f, ",%s,", gate_better_name(m->better));
        if (m->tol.kind == GATE_TOL_PCT) fprintf(f, "%.15g%%", m->tol.value);
        else if (m->tol.kind == GATE_TOL_ABS) fprintf(f, "%.15g", m->tol.value);
        fputc('\n', f);
    }
}

int gate_save(const struct gate_set *s, const char *path, dt_err *e)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return dt_errf(e, DT_EINVAL, "path too long");
    FILE *f = fopen(tmp, "w");
    if (!f) return dt_errf(e, DT_EIO, "cannot write '%s': %s", tmp, strerror(errno));
    gate_write(s, f);
    int bad = ferror(f);
    if (fclose(f) || bad) {
        remove(tmp);
        return dt_errf(e, DT_EIO, "cannot write '%s'", tmp);
    }
    if (rename(tmp, path)) {
        int err = errno;
        remove(tmp);
        return dt_errf(e, DT_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(err));
    }
    return 0;
}

static void judge(struct gate_row *r, const struct gate_tol *deflt)
{
    const struct gate_metric *b = r->base, *c = r->cur;
    r->tol = b->tol.kind != GATE_TOL_NONE ? b->tol : *deflt;
    double d = c->value - b->value, mag = fabs(b->value);
    r->allowed = r->tol.kind == GATE_TOL_PCT ? mag * r->tol.value / 100 : r->tol.value;
    r->change_pct = d == 0 ? 0 : mag > 0 ? 100 * d / mag : (d > 0 ? HUGE_VAL : -HUGE_VAL);
    r->verdict = GATE_OK;
    switch (b->better) {
    case GATE_LOWER:
        r->verdict = d > r->allowed ? GATE_WORSE : d < -r->allowed ? GATE_BETTER : GATE_OK;
        break;
    case GATE_HIGHER:
        r->verdict = d < -r->allowed ? GATE_WORSE : d > r->allowed ? GATE_BETTER : GATE_OK;
        break;
    case GATE_EQUAL:
        r->verdict = fabs(d) > r->allowed ? GATE_CHANGED : GATE_OK;
        break;
    }
}

int gate_compare(const struct gate_set *base, const struct gate_set *cur, const struct gate_tol *deflt,
                 struct gate_row **rows, int *nrows, dt_err *e)
{
    *rows = NULL, *nrows = 0;
    if (deflt->kind == GATE_TOL_NONE) return dt_errf(e, DT_EINVAL, "no default tolerance");
    struct gate_row *r = calloc((size_t)(base->n + cur->n) + 1, sizeof *r);
    if (!r) return dt_errf(e, DT_ENOMEM, "out of memory");
    int n = 0, fails = 0;
    for (int i = 0; i < base->n; i++) {
        const struct gate_metric *b = &base->m[i];
        int j = find(cur, b->name);
        r[n].base = b;
        if (j < 0) {
            r[n].verdict = GATE_MISSING;
            r[n].tol = b->tol.kind != GATE_TOL_NONE ? b->tol : *deflt;
        } else {
            if (strcmp(b->unit, cur->m[j].unit) != 0) {
                free(r);
                return dt_errf(e, DT_EINVAL, "metric '%s': unit '%s' in baseline, '%s' in current", b->name, b->unit,
                               cur->m[j].unit);
            }
            r[n].cur = &cur->m[j];
            judge(&r[n], deflt);
        }
        fails += gate_verdict_fails(r[n++].verdict);
    }
    for (int j = 0; j < cur->n; j++)
        if (find(base, cur->m[j].name) < 0) {
            r[n].cur = &cur->m[j];
            r[n].tol = cur->m[j].tol.kind != GATE_TOL_NONE ? cur->m[j].tol : *deflt;
            r[n++].verdict = GATE_NEW;
        }
    *rows = r, *nrows = n;
    return fails;
}
