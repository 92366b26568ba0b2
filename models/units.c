/* units.c -- see units.h for the grammar and the prefix rule. */
#include "units.h"
#include "strsim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest unit text we look at; longer tails are garbage. */
#define UNIT_MAX 32

static const char *const kind_names[] = {"bandwidth", "time", "size", "flop rate", "number"};
static const char *const examples[] = {"100Gbps", "1.5us", "25MB", "15.7TFLOPS", "42"};

const char *units_kind_name(enum units_kind kind)
{
    return (unsigned)kind < 5 ? kind_names[kind] : "value";
}

const char *units_example(enum units_kind kind)
{
    return (unsigned)kind < 5 ? examples[kind] : "42";
}

/* Prefixes, binary first so "Ki" is not read as "K" + "i...". */
static const struct { const char *p; double mult; } prefixes[] = {
    {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0},
    {"Ti", 1099511627776.0}, {"Pi", 1125899906842624.0},
    {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15},
};

/* Consume an optional prefix at the start of u; returns its multiplier. */
static double take_prefix(const char **u)
{
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t l = strlen(prefixes[i].p);
        if (strncmp(*u, prefixes[i].p, l) == 0) {
            *u += l;
            return prefixes[i].mult;
        }
    }
    return 1.0;
}

/* Base units per kind: spelling and the factor to the SI base unit. The
 * bandwidth and size tables are case-sensitive (b is a bit, B a byte). */
struct base { const char *s; double f; };
static const struct base bw_units[] = {
    {"bps", 0.125}, {"bit/s", 0.125}, {"b/s", 0.125}, {"Bps", 1}, {"B/s", 1}, {NULL, 0}};
static const struct base size_units[] = {
    {"B", 1}, {"byte", 1}, {"bytes", 1}, {"b", 0.125}, {"bit", 0.125}, {"bits", 0.125}, {NULL, 0}};
static const struct base flops_units[] = {
    {"FLOPS", 1}, {"FLOP/s", 1}, {"flops", 1}, {"flop/s", 1}, {"FLOPs", 1}, {NULL, 0}};
static const struct base time_units[] = {
    {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"sec", 1}, {"min", 60}, {"h", 3600}, {NULL, 0}};

/* Suggestions offered for a bad unit, per kind. */
static const char *const bw_sugg[] = {"bps", "kbps", "Mbps", "Gbps", "Tbps", "Gbit/s", "Gb/s",
                                      "B/s", "kB/s", "MB/s", "GB/s", "TB/s", "MiB/s", "GiB/s",
                                      "Bps", "MBps", "GBps", NULL};
static const char *const time_sugg[] = {"ns", "us", "ms", "s", "min", "h", NULL};
static const char *const size_sugg[] = {"B", "kB", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB",
                                        "bit", "Mbit", "Gbit", NULL};
static const char *const flops_sugg[] = {"FLOPS", "GFLOPS", "TFLOPS", "PFLOPS", "TFLOP/s", NULL};
static const char *const number_sugg[] = {"k", "M", "G", "T", "P", "Ki", "Mi", "Gi", "Ti", NULL};

static int match_base(const char *u, const struct base *t, double *f)
{
    for (; t->s; t++)
        if (strcmp(u, t->s) == 0) {
            *f = t->f;
            return 1;
        }
    return 0;
}

/* Multiplier for unit text u (already trimmed), or 0 when unknown. */
static double unit_factor(const char *u, enum units_kind kind)
{
    double f;
    if (kind == UNITS_TIME) {
        if (strcmp(u, "\xc2\xb5s") == 0) return 1e-6; /* "µs" */
        return match_base(u, time_units, &f) ? f : 0;
    }
    const char *rest = u;
    double p = take_prefix(&rest);
    switch (kind) {
    case UNITS_BANDWIDTH: return match_base(rest, bw_units, &f) ? p * f : 0;
    case UNITS_SIZE: return match_base(rest, size_units, &f) ? p * f : 0;
    case UNITS_FLOPS: return match_base(rest, flops_units, &f) ? p * f : 0;
    case UNITS_NUMBER: return *rest == '\0' && p != 1.0 ? p : 0;
    default: return 0;
    }
}

static const char *const *suggestions(enum units_kind kind)
{
    switch (kind) {
    case UNITS_BANDWIDTH: return bw_sugg;
    case UNITS_TIME: return time_sugg;
    case UNITS_SIZE: return size_sugg;
    case UNITS_FLOPS: return flops_sugg;
    default: return number_sugg;
    }
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

int units_parse(const char *text, enum units_kind kind, double *out, dt_err *e)
{
    if (!text) return dt_errf(e, DT_EINVAL, "missing value");
    if ((unsigned)kind > UNITS_NUMBER) return dt_errf(e, DT_EINVAL, "bad unit kind %d", (int)kind);
    const char *s = text;
    while (is_space(*s)) s++;
    if (*s == '\0') return dt_errf(e, DT_EINVAL, "empty value, expected a %s such as %s",
                                   kind_names[kind], examples[kind]);
    if (*s == '-') return dt_errf(e, DT_EINVAL, "'%.64s' is negative; a %s cannot be",
                                  text, kind_names[kind]);
    if (*s == '+') s++;
    /* The number: digits [. digits] [e [+-] digits]; no hex, inf or nan. */
    const char *n0 = s;
    size_t digits = 0;
    while (*s >= '0' && *s <= '9') s++, digits++;
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') s++, digits++;
    }
    if (digits == 0)
        return dt_errf(e, DT_EINVAL, "'%.64s' is not a %s (expected a number such as %s)", text,
                       kind_names[kind], examples[kind]);
    if ((*s == 'e' || *s == 'E') &&
        ((s[1] >= '0' && s[1] <= '9') ||
         ((s[1] == '+' || s[1] == '-') && s[2] >= '0' && s[2] <= '9'))) {
        s += 2;
        while (*s >= '0' && *s <= '9') s++;
    }
    char num[80];
    size_t nl = (size_t)(s - n0);
    if (nl >= sizeof num)
        return dt_errf(e, DT_EINVAL, "'%.64s...' is too long for a number", text);
    memcpy(num, n0, nl);
    num[nl] = '\0';
    double v = strtod(num, NULL);

    /* The unit: the rest, trimmed. */
    while (is_space(*s)) s++;
    const char *u0 = s;
    size_t ul = strlen(u0);
    while (ul > 0 && is_space(u0[ul - 1])) ul--;
    if (ul >= UNIT_MAX)
        return dt_errf(e, DT_EINVAL, "'%.64s' is not a %s (unexpected '%.32s...')", text,
                       kind_names[kind], u0);
    char unit[UNIT_MAX];
    memcpy(unit, u0, ul);
    unit[ul] = '\0';

    double f = 1.0;
    if (ul == 0) {
        if (kind != UNITS_NUMBER)
            return dt_errf(e, DT_EINVAL, "'%s' needs a unit, e.g. %s", num, examples[kind]);
    } else {
        f = unit_factor(unit, kind);
        if (f == 0) {
            const char *near = strsim_nearest0(unit, suggestions(kind));
            if (kind == UNITS_NUMBER)
                return dt_errf(e, DT_EINVAL, "'%.64s' is not a number (unexpected '%s')", text, unit);
            if (near)
                return dt_errf(e, DT_EINVAL, "unknown %s unit '%s' in '%.64s' (did you mean '%s'?)",
                               kind_names[kind], unit, text, near);
            return dt_errf(e, DT_EINVAL, "unknown %s unit '%s' in '%.64s' (e.g. %s)",
                           kind_names[kind], unit, text, examples[kind]);
        }
    }
    v *= f;
    if (!isfinite(v))
        return dt_errf(e, DT_ERANGE, "'%.64s' is too large", text);
    *out = v;
    return 0;
}

/* ---- formatting -------------------------------------------------------- */

/* "%.4g" of v, written to buf. */
static void fmt4(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.4g", v);
}

static char *fmt_decimal(char *buf, size_t len, double v, const char *unit)
{
    static const char *const pre[] = {"", "k", "M", "G", "T", "P", "E"};
    int i = 0;
    double a = fabs(v);
    while (i < 6 && a >= 1000.0) {
        a /= 1000.0;
        v /= 1000.0;
        i++;
    }
    char n[48];
    fmt4(n, sizeof n, v);
    snprintf(buf, len, "%s %s%s", n, pre[i], unit);
    return buf;
}

/* Largest n (<= 5) such that v is an exact multiple of base^n and >= base^n. */
static int exact_power(double v, double base)
{
    int n = 0;
    double p = base;
    while (n < 5 && v >= p && fmod(v, p) == 0.0) {
        n++;
        p *= base;
    }
    return n;
}

char *units_format(char *buf, size_t len, double v, enum units_kind kind)
{
    if (!buf || len == 0) return buf;
    if (!isfinite(v)) {
        snprintf(buf, len, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return buf;
    }
    switch (kind) {
    case UNITS_BANDWIDTH: return fmt_decimal(buf, len, v, "B/s");
    case UNITS_FLOPS: return fmt_decimal(buf, len, v, "FLOP/s");
    case UNITS_SIZE: {
        int nb = exact_power(v, 1024.0), nd = exact_power(v, 1000.0);
        if (nb > nd) {
            static const char *const bp[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
            char n[48];
            fmt4(n, sizeof n, v / pow(1024.0, nb));
            snprintf(buf, len, "%s %sB", n, bp[nb]);
            return buf;
        }
        return fmt_decimal(buf, len, v, "B");
    }
    case UNITS_TIME: {
        static const struct { double f; const char *u; } t[] = {
            {3600, "h"}, {60, "min"}, {1, "s"}, {1e-3, "ms"}, {1e-6, "us"}, {1e-9, "ns"}};
        double a = fabs(v);
        size_t i = 2; /* seconds up to an hour; min/h only for whole ones */
        if (a >= 3600 && fmod(a, 3600) == 0) i = 0;
        else if (a >= 60 && a < 3600 && fmod(a, 60) == 0) i = 1;
        else if (a != 0 && a < 1) {
            i = 3;
            while (i < 5 && a < t[i].f) i++;
        }
        char n[48];
        fmt4(n, sizeof n, v / t[i].f);
        snprintf(buf, len, "%s %s", n, t[i].u);
        return buf;
    }
    default:
        if (v == floor(v) && fabs(v) < 1e15) snprintf(buf, len, "%.0f", v);
        else snprintf(buf, len, "%.6g", v);
        return buf;
    }
}
