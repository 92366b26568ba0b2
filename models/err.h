/* err.h -- error reporting for the dtsim library.
 *
 * Library functions never print and never exit. They return 0 on success
 * and a negative DT_E* code on failure, and fill a caller-provided dt_err
 * with one human sentence, lowercase, quoting the subject and naming
 * file:line where the input came from a file:
 *
 *     exp.ini:12: [cluster] gpu: unknown gpu 'V10O' (did you mean 'V100-SXM2-16GB'?)
 *
 * Only the command layer (sim/, real/) prints the message and exits.
 */
#ifndef DT_ERR_H
#define DT_ERR_H

#include <stddef.h>

/* X-macro: code, value, description. */
#define DT_ERRNO_MAP(X)                                   \
    X(OK, 0, "success")                                   \
    X(EINVAL, -1, "invalid input")                        \
    X(ENOENT, -2, "not found")                            \
    X(ERANGE, -3, "value out of range")                   \
    X(ENOMEM, -4, "out of memory")                        \
    X(EIO, -5, "input/output error")                      \
    X(ESCHED, -6, "schedule error")                       \
    X(ESKIP, -7, "skipped: resource not present")         \
    X(EINTR, -8, "interrupted by a signal")

enum {
#define DT_ERR_ENUM_(name, val, desc) DT_##name = val,
    DT_ERRNO_MAP(DT_ERR_ENUM_)
#undef DT_ERR_ENUM_
};

typedef struct dt_err {
    int code;        /* last DT_E* code */
    char msg[1024];  /* one sentence, no trailing newline */
} dt_err;

/* Format into e (may be NULL) and return code. Always returns `code`. */
int dt_errf(dt_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Name of a DT_E* code ("EINVAL"). */
const char *dt_strerror(int code);

#endif
