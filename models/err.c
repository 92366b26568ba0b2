#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int dt_errf(dt_err *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->code = code;
    }
    return code;
}

const char *dt_strerror(int code)
{
    switch (code) {
#define DT_ERR_STR_(name, val, desc) case val: return desc;
        DT_ERRNO_MAP(DT_ERR_STR_)
#undef DT_ERR_STR_
    }
    return "unknown error";
}
