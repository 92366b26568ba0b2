#include "cmdfail.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
