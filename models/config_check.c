/* config_check.c -- schema checks, typed getters and error prefixes for
 * configs (config.h). */
#include "config.h"
#include "config_int.h"
#include "strsim.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Largest integer a double holds exactly: INT values stay below it. */
#define INT_EXACT 9007199254740992.0

static const char *const type_names[] = {"string", "int", "real", "bandwidth", "time",
                                         "size", "flop rate", "enum", "bool", "list"};

const char *config_type_name(enum config_type t)
{
    return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "value";
}

/* "FILE:LINE: [section] key: " for an entry; "--set section.key=value: "
 * for a command-line override. */
static void prefix(char *buf, size_t len, const struct config_entry *at)
{
    if (strcmp(at->file, "--set") == 0) {
        snprintf(buf, len, "--set %s.%s=%s: ", at->section, at->key, at->value);
        return;
    }
    if (at->line > 0) snprintf(buf, len, "%s:%d: ", at->file, at->line);
    else snprintf(buf, len, "%s: ", at->file);
    size_t u = strlen(buf);
    if (at->section && at->section[0]) snprintf(buf + u, len - u, "[%s] ", at->section);
    u = strlen(buf);
    if (at->key && at->key[0]) snprintf(buf + u, len - u, "%s: ", at->key);
}

const char *config_origin(char *buf, size_t len, const struct config_entry *en)
{
    if (!en) snprintf(buf, len, "default");
    else if (strcmp(en->file, "--set") == 0) snprintf(buf, len, "--set");
    else snprintf(buf, len, "%s:%d", en->file, en->line);
    return buf;
}

int config_errf(dt_err *e, int code, const struct config_entry *at, const char *fmt, ...)
{
    if (!e) return code;
    char pre[512] = "";
    if (at) prefix(pre, sizeof pre, at);
    char msg[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dt_errf(e, code, "%s%s", pre, msg);
}

const struct config_key *config_schema_find(const struct config_key *schema, size_t n,
                                            const char *section_type, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(schema[i].section, section_type) == 0 && strcmp(schema[i].key, key) == 0)
            return &schema[i];
    return NULL;
}

static enum units_kind unit_kind(enum config_type t)
{
    switch (t) {
    case CONFIG_BANDWIDTH: return UNITS_BANDWIDTH;
    case CONFIG_TIME: return UNITS_TIME;
    case CONFIG_SIZE: return UNITS_SIZE;
    case CONFIG_FLOPS: return UNITS_FLOPS;
    default: return UNITS_NUMBER;
    }
}

/* Split "a|b|c" into words (pointers into buf). Returns the count. */
static size_t split_choices(const char *choices, char *buf, size_t len, const char **w, size_t max)
{
    snprintf(buf, len, "%s", choices ? choices : "");
    size_t n = 0;
    char *p = buf;
    while (*p && n < max) {
        w[n++] = p;
        char *bar = strchr(p, '|');
        if (!bar) break;
        *bar = '\0';
        p = bar + 1;
    }
    return n;
}

static int check_range(const struct config_key *k, double v, const char *value,
                       const struct config_entry *at, dt_err *e)
{
    if (k->min == 0 && k->max == 0) return 0;
    if (v >= k->min && v <= k->max) return 0;
    enum units_kind uk = unit_kind(k->type);
    char lo[48], hi[48];
    units_format(lo, sizeof lo, k->min, uk);
    units_format(hi, sizeof hi, k->max, uk);
    if (uk == UNITS_NUMBER)
        return config_errf(e, DT_ERANGE, at, "%s is out of range (%s to %s)", value, lo, hi);
    char got[48];
    units_format(got, sizeof got, v, uk);
    return config_errf(e, DT_ERANGE, at, "%s (%s) is out of range (%s to %s)", value, got, lo, hi);
}

int config_value_parse(const struct config_key *k, const char *value, const struct config_entry *at,
                       double *num, dt_err *e)
{
    double v = 0;
    dt_err sub;
    if (k->type != CONFIG_STRING && k->type != CONFIG_LIST && k->type != CONFIG_ENUM &&
        k->type != CONFIG_BOOL && k->def &&
        ((k->def[0] >= 'a' && k->def[0] <= 'z') || (k->def[0] >= 'A' && k->def[0] <= 'Z')) &&
        strcmp(value, k->def) == 0) {
        *num = 0; /* a keyword default ("catalog"): the user of the key decides */
        return 0;
    }
    switch (k->type) {
    case CONFIG_STRING:
    case CONFIG_LIST:
        if (!value[0]) return config_errf(e, DT_EINVAL, at, "missing value (%s)", k->help ? k->help : k->key);
        return 0;
    case CONFIG_ENUM: {
        char buf[512];
        const char *w[32];
        size_t n = split_choices(k->choices, buf, sizeof buf, w, 32);
        for (size_t i = 0; i < n; i++)
            if (strcmp(w[i], value) == 0) {
                *num = (double)i;
                return 0;
            }
        char all[512];
        strsim_join(all, sizeof all, w, n);
        const char *near = value[0] ? strsim_nearest(value, w, n) : NULL;
        if (near)
            return config_errf(e, DT_EINVAL, at, "unknown %s '%.64s' (did you mean '%s'?); one of: %s",
                               k->key, value, near, all);
        return config_errf(e, DT_EINVAL, at, "unknown %s '%.64s'; one of: %s", k->key, value, all);
    }
    case CONFIG_BOOL: {
        static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(value, yes[i]) == 0) return *num = 1, 0;
            if (strcasecmp(value, no[i]) == 0) return *num = 0, 0;
        }
        return config_errf(e, DT_EINVAL, at, "'%.64s' is not a boolean (true or false)", value);
    }
    case CONFIG_INT:
    case CONFIG_REAL:
        if (units_parse(value, UNITS_NUMBER, &v, &sub) < 0) {
            if (value[0] == '-' && (k->min != 0 || k->max != 0) && k->min < 0) {
                /* Negative allowed by the range: parse the magnitude. */
                if (units_parse(value + 1, UNITS_NUMBER, &v, &sub) < 0)
                    return config_errf(e, sub.code, at, "%s", sub.msg);
                v = -v;
            } else
                return config_errf(e, sub.code, at, "%s", sub.msg);
        }
        if (k->type == CONFIG_INT && (v != floor(v) || fabs(v) > INT_EXACT))
            return config_errf(e, DT_EINVAL, at, "'%.64s' is not a whole number", value);
        break;
    default:
        if (units_parse(value, unit_kind(k->type), &v, &sub) < 0)
            return config_errf(e, sub.code, at, "%s", sub.msg);
        break;
    }
    int rc = check_range(k, v, value, at, e);
    if (rc < 0) return rc;
    *num = v;
    return 0;
}

/* Nearest known section type, for "did you mean". */
static const char *near_section(const char *type, const struct config_key *schema, size_t n)
{
    const char **c = malloc((n ? n : 1) * sizeof *c);
    if (!c) return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < m && strcmp(c[j], schema[i].section) != 0) j++;
        if (j == m) c[m++] = schema[i].section;
    }
    const char *near = strsim_nearest(type, c, m);
    free(c);
    return near;
}

static int type_known(const char *type, const struct config_key *schema, size_t n,
                      const char *const *ignore)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(schema[i].section, type) == 0) return 1;
    for (; ignore && *ignore; ignore++)
        if (strcmp(*ignore, type) == 0) return 2;
    return 0;
}

static int unknown_section(const config *c, const char *section, const struct config_entry *en,
                           const struct config_key *schema, size_t n, dt_err *e)
{
    const struct config_section *s = config__section(c, section);
    char type[128];
    config_section_type(type, sizeof type, section);
    const char *near = near_section(type, schema, n);
    char where[512];
    if (!s) snprintf(where, sizeof where, "%s: ", config_path(c));
    else if (strcmp(s->file, "--set") == 0 && en)
        snprintf(where, sizeof where, "--set %.100s.%.100s=%.100s: ", en->section, en->key, en->value);
    else if (strcmp(s->file, "--set") == 0) snprintf(where, sizeof where, "--set: ");
    else snprintf(where, sizeof where, "%s:%d: ", s->file, s->line);
    if (near)
        return dt_errf(e, DT_EINVAL, "%sunknown section [%.100s] (did you mean [%s]?)", where, section, near);
    return dt_errf(e, DT_EINVAL, "%sunknown section [%.100s]", where, section);
}

static int unknown_key(const struct config_entry *en, const char *type, const struct config_key *schema,
                       size_t n, dt_err *e)
{
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys) return dt_errf(e, DT_ENOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(schema[i].section, type) == 0) keys[m++] = schema[i].key;
    const char *near = strsim_nearest(en->key, keys, m);
    int rc;
    if (near)
        rc = config_errf(e, DT_EINVAL, en, "unknown key '%.64s' in [%s] (did you mean '%s'?)", en->key,
                         type, near);
    else {
        char all[600];
        strsim_join(all, sizeof all, keys, m);
        rc = config_errf(e, DT_EINVAL, en, "unknown key '%.64s' in [%s]; valid keys: %s", en->key, type, all);
    }
    free(keys);
    return rc;
}

int config_check(const config *c, const struct config_key *schema, size_t n,
                 const char *const *ignore_types, dt_err *e)
{
    char type[128];
    for (size_t i = 0; i < c->n; i++) {
        const struct config_entry *en = &c->v[i];
        if (!en->section[0]) {
            /* Suggest the section that has this key. */
            for (size_t k = 0; k < n; k++)
                if (strcmp(schema[k].key, en->key) == 0)
                    return config_errf(e, DT_EINVAL, en, "key outside any section (put it under [%s])",
                                       schema[k].section);
            return config_errf(e, DT_EINVAL, en, "key outside any section");
        }
        config_section_type(type, sizeof type, en->section);
        int known = type_known(type, schema, n, ignore_types);
        if (!known) return unknown_section(c, en->section, en, schema, n, e);
        if (known == 2) continue;
        const struct config_key *k = config_schema_find(schema, n, type, en->key);
        if (!k) return unknown_key(en, type, schema, n, e);
        double v;
        int rc = config_value_parse(k, en->value, en, &v, e);
        if (rc < 0) return rc;
    }
    for (size_t i = 0; i < c->nsec; i++) { /* sections without keys */
        config_section_type(type, sizeof type, c->sec[i].name);
        if (!type_known(type, schema, n, ignore_types))
            return unknown_section(c, c->sec[i].name, NULL, schema, n, e);
    }
    return 0;
}

/* ---- getters ------------------------------------------------------------ */

/* The entry for (section, key), or a stand-in for the default. */
static int lookup(const config *c, const char *section, const char *key, const char *def,
                  struct config_entry *tmp, const struct config_entry **at, dt_err *e)
{
    *at = config_find(c, section, key);
    if (*at) return 0;
    if (!def)
        return dt_errf(e, DT_EINVAL, "%s: [%s] %s: missing required key (add '%s = ...' under [%s])",
                       config_path(c), section, key, key, section);
    tmp->section = section;
    tmp->key = key;
    tmp->value = def;
    tmp->file = "default";
    tmp->line = 0;
    *at = tmp;
    return 0;
}

int config_get_str(const config *c, const char *section, const char *key, const char *def,
                   const char **out, dt_err *e)
{
    struct config_entry tmp;
    const struct config_entry *at;
    int rc = lookup(c, section, key, def, &tmp, &at, e);
    if (rc < 0) return rc;
    if (!at->value[0]) return config_errf(e, DT_EINVAL, at, "missing value");
    *out = at->value;
    return 0;
}

int config_entry_int(const struct config_entry *en, long long min, long long max, long long *out, dt_err *e)
{
    struct config_key k = {en->section, en->key, CONFIG_INT, (double)min, (double)max, NULL, NULL, NULL};
    double v;
    int rc = config_value_parse(&k, en->value, en, &v, e);
    if (rc == 0) *out = (long long)v;
    return rc;
}

int config_entry_real(const struct config_entry *en, double min, double max, double *out, dt_err *e)
{
    struct config_key k = {en->section, en->key, CONFIG_REAL, min, max, NULL, NULL, NULL};
    return config_value_parse(&k, en->value, en, out, e);
}

int config_entry_units(const struct config_entry *en, enum units_kind kind, double min, double max,
                       double *out, dt_err *e)
{
    static const enum config_type t[] = {CONFIG_BANDWIDTH, CONFIG_TIME, CONFIG_SIZE, CONFIG_FLOPS,
                                         CONFIG_REAL};
    struct config_key k = {en->section, en->key, t[(unsigned)kind <= UNITS_NUMBER ? kind : UNITS_NUMBER],
                           min, max, NULL, NULL, NULL};
    return config_value_parse(&k, en->value, en, out, e);
}

int config_get_int(const config *c, const char *section, const char *key, const char *def,
                   long long min, long long max, long long *out, dt_err *e)
{
    struct config_entry tmp;
    const struct config_entry *at;
    int rc = lookup(c, section, key, def, &tmp, &at, e);
    return rc < 0 ? rc : config_entry_int(at, min, max, out, e);
}

int config_get_real(const config *c, const char *section, const char *key, const char *def,
                    double min, double max, double *out, dt_err *e)
{
    struct config_entry tmp;
    const struct config_entry *at;
    int rc = lookup(c, section, key, def, &tmp, &at, e);
    return rc < 0 ? rc : config_entry_real(at, min, max, out, e);
}

int config_get_units(const config *c, const char *section, const char *key, enum units_kind kind,
                     const char *def, double min, double max, double *out, dt_err *e)
{
    struct config_entry tmp;
    const struct config_entry *at;
    int rc = lookup(c, section, key, def, &tmp, &at, e);
    return rc < 0 ? rc : config_entry_units(at, kind, min, max, out, e);
}

int config_get_bool(const config *c, const char *section, const char *key, const char *def, int *out,
                    dt_err *e)
{
    struct config_entry tmp;
    const struct config_entry *at;
    int rc = lookup(c, section, key, def, &tmp, &at, e);
    if (rc < 0) return rc;
    struct config_key k = {section, key, CONFIG_BOOL, 0, 0, NULL, NULL, NULL};
    double v;
    rc = config_value_parse(&k, at->value, at, &v, e);
    if (rc == 0) *out = v != 0;
    return rc;
}
