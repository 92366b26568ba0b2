#include "cmdfail.h"

#include "cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int real_fail(const char *who, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "dtbench %s: error: ", who);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

int real_is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

long long real_parse_bytes(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0) return -1;
    static const struct { const char *suf; double mul; } u[] = {
        {"", 1}, {"B", 1}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1024}, {"KiB", 1024},
        {"M", 1048576}, {"MiB", 1048576}, {"G", 1073741824.0}, {"GiB", 1073741824.0}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        if (strcasecmp(end, u[i].suf) == 0) return (long long)(v * u[i].mul + 0.5);
    return -1;
}

int real_parse_int(const char *who, const char *opt, const char *s, int lo, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > 1 << 30)
        return real_fail(who, "%s: expected an integer >= %d, got '%s'", opt, lo, s);
    *out = (int)v;
    return 0;
}

int real_parse_int_range(const char *what, const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        cmd_fail("bad %s '%s' (expected an integer %d..%d)", what, s, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

const char *real_getenv(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}
