/* csvrows.h -- read a text of comma-separated lines into a growing array of
 * rows, one callback per line (dtbench --csv output in linkfit.h, the
 * measured-points file in sim/validate.h), and write a field of one.
 *
 * Like the rest of the library: never prints, never exits; errors go to a
 * dt_err as "name:line: ...".
 */
#ifndef DT_CSVROWS_H
#define DT_CSVROWS_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* Longest line csvrows_read accepts, without its '\n'. */
#define CSVROWS_LINE_MAX 511

/* Called for every line of the text (blank and comment lines included: the
 * callback decides); name and lineno (from 1) are for its messages. `line` is writable, without
 * its '\n' (a '\r' before it is kept). `row` is a zeroed row of the array's
 * element size. Return 1 to keep `row` as the next row, 0 to drop the line,
 * or a negative DT_E* code (with e filled) to stop. */
typedef int (*csvrows_line_fn)(void *ctx, const char *name, char *line, int lineno, void *row, dt_err *e);

struct csvrows {
    const char *name;      /* the text's name in messages */
    const char *too_long;  /* message for a line over CSVROWS_LINE_MAX: "name:line: <too_long>" */
    const char *empty;     /* message when no line gave a row: "name: <empty>" */
    size_t size;           /* bytes of one row */
    csvrows_line_fn line;
    void *ctx;             /* passed to line */
};

/* Read every line of text through r->line. On success *out is the
 * malloc'ed array of *n >= 1 rows (free it); on failure *out is NULL, *n 0
 * and the error code is returned. */
int csvrows_read(const char *text, const struct csvrows *r, void **out, size_t *n, dt_err *e);

/* Split line in place at its commas into f[0..]: returns the number of
 * fields, or max when there are max or more (the rest is not split). */
int csvrows_split(char *line, char **f, int max);

/* Write s as one CSV field: as it is, or double-quoted (quotes doubled, a
 * newline written as a blank) when it holds a comma, a quote, a '#' or a
 * newline, or starts or ends with a blank that a reader would trim.
 * (The metrics files, sweep CSVs and reproduce-tornado.csv.) */
void csvrows_put(FILE *f, const char *s);

#endif
