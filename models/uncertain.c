/* uncertain.c -- parse and check [uncertain] ranges (see uncertain.h). */
#include "uncertain.h"

#include "experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_numeric(enum config_type t)
{
    return t == CONFIG_INT || t == CONFIG_REAL || t == CONFIG_BANDWIDTH || t == CONFIG_TIME || t == CONFIG_SIZE ||
           t == CONFIG_FLOPS;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

/* Equal as text, blanks ignored ("0:256, 1:512" = "0:256,1:512"). */
static int same_text(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '\t') a++;
        while (*b == ' ' || *b == '\t') b++;
        if (*a != *b) return 0;
        if (!*a) return 1;
        a++, b++;
    }
}

/* Equal as values of key k: numbers (enum index, bool) when both parse,
 * else text. */
static int same_value(const struct config_key *k, const char *a, const char *b)
{
    double x, y;
    if (k->type != CONFIG_STRING && k->type != CONFIG_LIST && config_value_parse(k, a, NULL, &x, NULL) == 0 &&
        config_value_parse(k, b, NULL, &y, NULL) == 0)
        return x == y || fabs(x - y) <= 1e-12 * fmax(fabs(x), fabs(y));
    return same_text(a, b);
}

/* Split s in place at each `sep` into at most max trimmed parts. Returns
 * the count, or max + 1 when there are more. */
static int split(char *s, char sep, char **part, int max)
{
    int n = 0;
    for (;;) {
        char *q = strchr(s, sep);
        if (q) *q = '\0';
        if (n == max) return max + 1;
        part[n++] = trim(s);
        if (!q) return n;
        s = q + 1;
    }
}

/* The keys of a range name "a.b+c.d": schema rows, each once, none
 * already in an earlier range. */
static int parse_keys(const struct unc_set *u, struct unc_range *r, dt_err *e)
{
    const struct config_entry *en = r->at;
    char name[CONFIG_MAX_LINE + 1], *part[UNC_MAX_KEYS];
    snprintf(name, sizeof name, "%s", en->key);
    int n = split(name, '+', part, UNC_MAX_KEYS);
    if (n > UNC_MAX_KEYS)
        return config_errf(e, DT_EINVAL, en, "more than %d keys joined by '+'", UNC_MAX_KEYS);
    for (int j = 0; j < n; j++) {
        char near[80];
        if (!part[j][0]) return config_errf(e, DT_EINVAL, en, "empty key name (keys are joined by '+')");
        if (experiment_key_find(part[j], &r->key[j], near, sizeof near) < 0) {
            if (near[0])
                return config_errf(e, DT_EINVAL, en, "unknown key '%.64s' (did you mean '%s'?)", part[j], near);
            return config_errf(e, DT_EINVAL, en, "unknown key '%.64s' (keys are section.key, see dtsim config --keys)",
                               part[j]);
        }
        for (int i = 0; i < j; i++)
            if (r->key[i] == r->key[j]) return config_errf(e, DT_EINVAL, en, "key '%s' joined twice", part[j]);
        for (int q = 0; q < u->n; q++)
            for (int i = 0; i < u->r[q].nkeys; i++)
                if (u->r[q].key[i] == r->key[j])
                    return config_errf(e, DT_EINVAL, en, "key '%s' already has a range (%s:%d)", part[j],
                                       u->r[q].at->file, u->r[q].at->line);
    }
    r->nkeys = n;
    return 0;
}

/* "low .. high" of one numeric key. */
static int parse_span(struct unc_range *r, char *text, dt_err *e)
{
    const struct config_entry *en = r->at;
    const struct config_key *k = r->key[0];
    if (r->nkeys != 1)
        return config_errf(e, DT_EINVAL, en, "a span 'low .. high' takes one key, not %d joined by '+'", r->nkeys);
    if (!is_numeric(k->type))
        return config_errf(e, DT_EINVAL, en, "%s.%s is a %s: a span 'low .. high' needs a number; give "
                           "alternatives 'a | b'", k->section, k->key, config_type_name(k->type));
    char *dots = strstr(text, "..");
    *dots = '\0';
    r->val[0][0] = trim(text);
    r->val[1][0] = trim(dots + 2);
    double v[2];
    for (int a = 0; a < 2; a++) {
        const char *t = r->val[a][0];
        if (!t[0]) return config_errf(e, DT_EINVAL, en, "a span needs both ends: 'low .. high'");
        if (!(t[0] >= '0' && t[0] <= '9') && t[0] != '.')
            return config_errf(e, DT_EINVAL, en, "the %s end '%.40s' is not a number", a ? "high" : "low", t);
        int rc = config_value_parse(k, t, en, &v[a], e);
        if (rc < 0) return rc;
    }
    if (v[0] > v[1])
        return config_errf(e, DT_EINVAL, en, "the low end %s is above the high end %s", r->val[0][0], r->val[1][0]);
    r->span = 1;
    r->nalts = 2;
    r->lo = v[0];
    r->hi = v[1];
    return 0;
}

/* "a | b | c", each a '+'-joined tuple when keys are joined. */
static int parse_alts(struct unc_range *r, char **alt, int n, dt_err *e)
{
    const struct config_entry *en = r->at;
    if (n > UNC_MAX_ALTS) return config_errf(e, DT_EINVAL, en, "more than %d alternatives", UNC_MAX_ALTS);
    for (int a = 0; a < n; a++) {
        if (!alt[a][0])
            return config_errf(e, DT_EINVAL, en, "empty alternative (nothing between two '|' or at an end)");
        char *part[UNC_MAX_KEYS];
        char whole[CONFIG_MAX_LINE + 1];
        snprintf(whole, sizeof whole, "%s", alt[a]);
        int m = r->nkeys > 1 ? split(alt[a], '+', part, UNC_MAX_KEYS) : 1;
        if (r->nkeys == 1) part[0] = alt[a];
        if (m != r->nkeys)
            return config_errf(e, DT_EINVAL, en, "alternative '%.60s' has %d parts for %d keys joined by '+'", whole,
                               m, r->nkeys);
        for (int j = 0; j < m; j++) {
            const struct config_key *k = r->key[j];
            if (!part[j][0]) return config_errf(e, DT_EINVAL, en, "alternative '%.60s' has an empty part", whole);
            if (is_numeric(k->type) && strstr(part[j], ".."))
                return config_errf(e, DT_EINVAL, en, "a span 'low .. high' cannot be one of several alternatives");
            double v;
            int rc = config_value_parse(k, part[j], en, &v, e);
            if (rc < 0) return rc;
            r->val[a][j] = part[j];
        }
        for (int b = 0; b < a; b++) {
            int same = 1;
            for (int j = 0; j < r->nkeys; j++) same &= same_value(r->key[j], r->val[a][j], r->val[b][j]);
            if (same) return config_errf(e, DT_EINVAL, en, "alternative '%.60s' is given twice", whole);
        }
    }
    r->nalts = n;
    return 0;
}

/* The point of each key, and whether it lies in the range. */
static int check_point(const config *c, struct unc_range *r, dt_err *e)
{
    const struct config_entry *en = r->at;
    for (int j = 0; j < r->nkeys; j++) {
        const struct config_key *k = r->key[j];
        const struct config_entry *pe = config_find(c, k->section, k->key);
        r->point_at[j] = pe;
        r->point[j] = pe ? pe->value : k->def;
        if (!r->point[j]) return config_errf(e, DT_EINVAL, en, "%s.%s has no value to range over", k->section, k->key);
        if (pe && strcmp(pe->file, "--set") == 0 && strcmp(en->file, "--set") != 0) r->unchecked = 1;
    }
    int inside = 0;
    for (int a = 0; a < r->nalts; a++) {
        int same = 1;
        for (int j = 0; j < r->nkeys; j++) same &= same_value(r->key[j], r->val[a][j], r->point[j]);
        r->at_point[a] = (unsigned char)same;
        inside |= same;
    }
    if (r->span) {
        double p;
        inside = config_value_parse(r->key[0], r->point[0], NULL, &p, NULL) == 0 && p >= r->lo && p <= r->hi;
    }
    if (inside || r->unchecked) return 0;
    char pt[UNC_MAX_KEYS * (CONFIG_MAX_LINE + 2)], where[UNC_MAX_KEYS * 310];
    uncertain_point_text(r, pt, sizeof pt);
    uncertain_point_origin(r, where, sizeof where);
    if (r->span)
        return config_errf(e, DT_EINVAL, en, "the point %.60s (%.200s) is outside the range %s .. %s", pt, where,
                           r->val[0][0], r->val[1][0]);
    return config_errf(e, DT_EINVAL, en, "the point %.60s (%.200s) is not one of the alternatives", pt, where);
}

static int parse_range(const config *c, const struct unc_set *u, struct unc_range *r, dt_err *e)
{
    int rc = parse_keys(u, r, e);
    if (rc < 0) return rc;
    r->buf__ = malloc(strlen(r->at->value) + 1);
    if (!r->buf__) return dt_errf(e, DT_ENOMEM, "out of memory");
    strcpy(r->buf__, r->at->value);
    char *alt[UNC_MAX_ALTS];
    int n = split(r->buf__, '|', alt, UNC_MAX_ALTS);
    if (n == 1 && strstr(alt[0], "..")) rc = parse_span(r, alt[0], e);
    else if (n == 1 && !alt[0][0]) rc = config_errf(e, DT_EINVAL, r->at, "empty range (e.g. 'low .. high' or 'a | b')");
    else if (n == 1)
        rc = config_errf(e, DT_EINVAL, r->at, "one value is no range: give 'low .. high' or two or more "
                         "alternatives 'a | b'");
    else rc = parse_alts(r, alt, n, e);
    return rc < 0 ? rc : check_point(c, r, e);
}

int uncertain_parse(const config *c, struct unc_set *u, dt_err *e)
{
    memset(u, 0, sizeof *u);
    char type[32];
    for (size_t i = 0; i < config_count(c); i++) {
        const struct config_entry *en = config_at(c, i);
        config_section_type(type, sizeof type, en->section);
        if (strcmp(type, "uncertain") != 0) continue;
        int rc = 0;
        if (config_section_name(en->section)[0])
            rc = config_errf(e, DT_EINVAL, en, "a range goes under [uncertain], which takes no name");
        else if (config_find(c, en->section, en->key) != en)
            continue; /* a later entry of the same name wins */
        else if (u->n == UNC_MAX_RANGES)
            rc = config_errf(e, DT_EINVAL, en, "more than %d ranges", UNC_MAX_RANGES);
        else if (!u->r && !(u->r = calloc(UNC_MAX_RANGES, sizeof *u->r)))
            rc = dt_errf(e, DT_ENOMEM, "out of memory");
        if (rc == 0) {
            u->r[u->n].at = en;
            rc = parse_range(c, u, &u->r[u->n], e);
            u->n++; /* kept even on error, so uncertain_free frees its buffer */
        }
        if (rc < 0) {
            uncertain_free(u);
            return rc;
        }
    }
    return 0;
}

void uncertain_free(struct unc_set *u)
{
    for (int i = 0; u->r && i < u->n; i++) free(u->r[i].buf__);
    free(u->r);
    memset(u, 0, sizeof *u);
}

int uncertain_assignment(const struct unc_range *r, int a, int j, char *buf, size_t len)
{
    int w = snprintf(buf, len, "%s.%s=%s", r->key[j]->section, r->key[j]->key, r->val[a][j]);
    return w >= 0 && (size_t)w < len ? 0 : -1;
}

/* Join n texts with sep into buf (cut at len). */
static char *join(char *buf, size_t len, const char *const *v, int n, const char *sep)
{
    size_t u = 0;
    if (len) buf[0] = '\0';
    for (int j = 0; j < n && u < len; j++)
        u += (size_t)snprintf(buf + u, len - u, "%s%s", j ? sep : "", v[j]);
    return buf;
}

char *uncertain_value_text(const struct unc_range *r, int a, char *buf, size_t len)
{
    return join(buf, len, r->val[a], r->nkeys, "+");
}

char *uncertain_point_text(const struct unc_range *r, char *buf, size_t len)
{
    return join(buf, len, r->point, r->nkeys, "+");
}

char *uncertain_point_origin(const struct unc_range *r, char *buf, size_t len)
{
    char o[UNC_MAX_KEYS][300];
    const char *v[UNC_MAX_KEYS];
    for (int j = 0; j < r->nkeys; j++) v[j] = config_origin(o[j], sizeof o[j], r->point_at[j]);
    return join(buf, len, v, r->nkeys, ", ");
}

void uncertain_pick(const double *y, int n, double y0, int *down, int *up)
{
    *down = *up = -1;
    for (int a = 0; a < n; a++) {
        if (y[a] < y0 && (*down < 0 || y[a] < y[*down])) *down = a;
        if (y[a] > y0 && (*up < 0 || y[a] > y[*up])) *up = a;
    }
}
