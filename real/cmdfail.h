/* cmdfail.h -- error line and --help test for dtbench subcommand modules.
 * (These modules also link into the unit tests, which have no main.c and
 * so no cmd_fail/cmd_is_help of their own.) */
#ifndef DT_REAL_CMDFAIL_H
#define DT_REAL_CMDFAIL_H

/* Print "dtbench WHO: error: <msg>\n" to stderr; returns 2 (usage). */
int real_fail(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when a is -h or --help. */
int real_is_help(const char *a);

#endif
