/* vary.c -- parse --vary lists and ranges; enumerate points (see vary.h). */
#include "vary.h"

#include "experiment.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Trimmed copy of [s, s+n). */
static char *dup_trim(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return dupn(s, n);
}

static int push(struct vary *v, char *s, dt_err *e)
{
    if (!s) return dt_errf(e, DT_ENOMEM, "out of memory");
    size_t n = (size_t)v->nstrs__;
    if (n % 64 == 0) {
        char **g = realloc(v->vals, (n + 64) * sizeof *g);
        if (!g) {
            free(s);
            return dt_errf(e, DT_ENOMEM, "out of memory");
        }
        v->vals = g;
    }
    v->vals[n] = s;
    v->nstrs__++;
    return 0;
}

/* Check "section.key" against the experiment schema. */
static int check_key(const char *key, const struct config_key **out, dt_err *e)
{
    char near[80];
    if (experiment_key_find(key, out, near, sizeof near) == 0) return 0;
    if (near[0]) return dt_errf(e, DT_EINVAL, "--vary: unknown key '%s' (did you mean '%s'?)", key, near);
    return dt_errf(e, DT_EINVAL, "--vary: unknown key '%s' (keys are section.key, see dtsim config --keys)", key);
}

/* "64MB" -> 64, suffix "MB". Returns 0 when a number starts the text. */
static int num_suffix(const char *s, double *x, const char **suffix)
{
    char *end;
    while (isspace((unsigned char)*s)) s++;
    *x = strtod(s, &end);
    if (end == s || !isfinite(*x)) return -1;
    *suffix = end;
    return 0;
}

static int is_int(double x) { return fabs(x - nearbyint(x)) < 1e-9 * (fabs(x) > 1 ? fabs(x) : 1); }

static int parse_range(struct vary *v, const char *text, const char *spec, const struct config_key *k, dt_err *e)
{
    const char *dots = strstr(spec, "..");
    const char *rhs = dots + 2;
    const char *op = strrchr(rhs, '*');
    const char *plus = strrchr(rhs, '+');
    if (!op || (plus && plus > op)) op = plus;
    if (!op)
        return dt_errf(e, DT_EINVAL, "--vary %s: a range needs a step: lo..hi*F (geometric) or lo..hi+K (arithmetic)", text);
    char *lo_s = dup_trim(spec, (size_t)(dots - spec)), *hi_s = dup_trim(rhs, (size_t)(op - rhs));
    char *st_s = dup_trim(op + 1, strlen(op + 1));
    int rc = 0;
    double lo, hi, st;
    const char *slo, *shi, *sst;
    if (!lo_s || !hi_s || !st_s) {
        rc = dt_errf(e, DT_ENOMEM, "out of memory");
        goto out;
    }
    if (num_suffix(lo_s, &lo, &slo) || num_suffix(hi_s, &hi, &shi) || num_suffix(st_s, &st, &sst) || *sst) {
        rc = dt_errf(e, DT_EINVAL, "--vary %s: malformed range (expected numbers: lo..hi*F or lo..hi+K)", text);
        goto out;
    }
    if (strcmp(slo, shi) != 0) {
        rc = dt_errf(e, DT_EINVAL, "--vary %s: the two ends of a range need the same unit ('%s' and '%s')", text, slo, shi);
        goto out;
    }
    int geo = *op == '*';
    if (lo > hi) {
        rc = dt_errf(e, DT_EINVAL, "--vary %s: empty range (lo %g > hi %g)", text, lo, hi);
        goto out;
    }
    if (geo && (st <= 1 || lo <= 0)) {
        rc = dt_errf(e, DT_EINVAL, "--vary %s: empty range (a geometric range needs lo > 0 and a factor > 1)", text);
        goto out;
    }
    if (!geo && st <= 0) {
        rc = dt_errf(e, DT_EINVAL, "--vary %s: empty range (an arithmetic range needs a step > 0)", text);
        goto out;
    }
    int ints = is_int(lo) && is_int(st);
    double slack = 1e-9 * fabs(hi);
    int i = 0;
    for (double x = lo; x <= hi + slack; x = geo ? lo * pow(st, ++i) : lo + st * ++i) {
        if (v->nvals == VARY_MAXVALUES) {
            rc = dt_errf(e, DT_ERANGE, "--vary %s: more than %d values", text, VARY_MAXVALUES);
            goto out;
        }
        if (geo && ints) x = nearbyint(x);
        if (k->type == CONFIG_INT && !is_int(x)) {
            rc = dt_errf(e, DT_EINVAL, "--vary %s: %s is an integer key but the range gives %.10g", text, v->keys[0], x);
            goto out;
        }
        char buf[128];
        if (ints) snprintf(buf, sizeof buf, "%.0f%s", x, slo);
        else snprintf(buf, sizeof buf, "%.10g%s", x, slo);
        if ((rc = push(v, strdup(buf), e))) goto out;
        v->nvals++;
    }
out:
    free(lo_s);
    free(hi_s);
    free(st_s);
    return rc;
}

int vary_parse(struct vary *v, const char *text, dt_err *e)
{
    memset(v, 0, sizeof *v);
    const char *eq = strchr(text, '=');
    if (!eq || eq == text) return dt_errf(e, DT_EINVAL, "--vary '%s': expected KEY=VALUES (e.g. cluster.nodes=1,2,4)", text);
    const struct config_key *k0 = NULL;
    int rc;
    for (const char *p = text; p < eq;) {
        const char *q = p;
        while (q < eq && *q != '+') q++;
        if (v->nkeys == VARY_MAXKEYS) return vary_free(v), dt_errf(e, DT_ERANGE, "--vary '%s': more than %d keys", text, VARY_MAXKEYS);
        char *key = dup_trim(p, (size_t)(q - p));
        if (!key) return vary_free(v), dt_errf(e, DT_ENOMEM, "out of memory");
        v->keys[v->nkeys++] = key;
        const struct config_key *k;
        if ((rc = check_key(key, &k, e))) return vary_free(v), rc;
        if (!k0) k0 = k;
        p = q < eq ? q + 1 : q;
    }
    const char *spec = eq + 1;
    while (isspace((unsigned char)*spec)) spec++;
    if (!*spec) return vary_free(v), dt_errf(e, DT_EINVAL, "--vary %s: no values (empty list)", text);
    if (v->nkeys == 1 && strstr(spec, "..") && !strchr(spec, ',') && !strchr(spec, '|')) {
        if ((rc = parse_range(v, text, spec, k0, e))) return vary_free(v), rc;
        return 0;
    }
    char sep = strchr(spec, '|') ? '|' : ',';
    for (const char *p = spec;;) {
        const char *q = strchr(p, sep);
        if (!q) q = p + strlen(p);
        const char *t = p;
        for (int j = 0; j < v->nkeys; j++) {
            const char *u = t;
            if (j + 1 < v->nkeys) {
                while (u < q && *u != '+') u++;
                if (u == q) {
                    vary_free(v);
                    return dt_errf(e, DT_EINVAL, "--vary %s: each value needs %d parts joined by '+'", text, v->nkeys);
                }
            } else {
                u = q;
                for (const char *w = t; w < q; w++)
                    if (*w == '+' && v->nkeys > 1) {
                        vary_free(v);
                        return dt_errf(e, DT_EINVAL, "--vary %s: each value needs %d parts joined by '+'", text, v->nkeys);
                    }
            }
            char *val = dup_trim(t, (size_t)(u - t));
            if (val && !*val) {
                free(val);
                vary_free(v);
                return dt_errf(e, DT_EINVAL, "--vary %s: an empty value", text);
            }
            if ((rc = push(v, val, e))) return vary_free(v), rc;
            t = u + 1;
        }
        v->nvals++;
        if (v->nvals > VARY_MAXVALUES) return vary_free(v), dt_errf(e, DT_ERANGE, "--vary %s: more than %d values", text, VARY_MAXVALUES);
        if (!*q) break;
        p = q + 1;
    }
    return 0;
}

void vary_free(struct vary *v)
{
    for (int j = 0; j < v->nkeys; j++) free(v->keys[j]);
    for (int i = 0; i < v->nstrs__; i++) free(v->vals[i]);
    free(v->vals);
    memset(v, 0, sizeof *v);
}

int vary_points(const struct vary *v, int n, long long *points, dt_err *e)
{
    long long p = 1;
    for (int j = 0; j < n; j++) {
        for (int k = 0; k < v[j].nkeys; k++)
            for (int i = 0; i < j; i++)
                for (int m = 0; m < v[i].nkeys; m++)
                    if (strcmp(v[i].keys[m], v[j].keys[k]) == 0)
                        return dt_errf(e, DT_EINVAL, "--vary: key '%s' varied twice", v[j].keys[k]);
        p *= v[j].nvals;
        if (p > VARY_MAXPOINTS) return dt_errf(e, DT_ERANGE, "--vary: more than %d points", VARY_MAXPOINTS);
    }
    *points = p;
    return 0;
}

int vary_index(const struct vary *v, int n, int j, long long p)
{
    long long stride = 1;
    for (int k = j + 1; k < n; k++) stride *= v[k].nvals;
    return (int)((p / stride) % v[j].nvals);
}
