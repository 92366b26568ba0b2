/* dtsim metrics -- turn a result file into a metrics CSV for `dtsim gate`.
 *
 *   dtsim metrics reproduce out/reproduce.csv
 *       t1.<row>  the predicted training time (s), t2.<row> the predicted
 *       scaling efficiency (%), and where the file has the interval
 *       columns and the row an interval, "t1.<row> (low)" and "(high)", its ends:
 *       better = equal, since the gate guards the model's output, and a
 *       move either way is a change to explain.
 *   dtsim metrics callgrind NAME=callgrind.out ...
 *       NAME: the instructions (Ir) callgrind counted for a whole run, a
 *       deterministic measure of simulator speed (better = lower).
 *
 * Output: stdout, or --out FILE. Malformed input: exit 2 with file:line. */
#include "cmd.h"
#include "gate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define REPRO_HEADER "table,row,devices,published,simulated,unit,error_pct"
/* The same with the interval (dtsim reproduce since the [uncertain] ranges). */
#define REPRO_HEADER_INTERVAL REPRO_HEADER ",interval_low,interval_high,inside,role"

static const char usage[] =
    "usage: dtsim metrics reproduce FILE [--tolerance T] [--out FILE]\n"
    "       dtsim metrics callgrind NAME=FILE [NAME=FILE ...] [--tolerance T] [--out FILE]\n\n"
    "Write a metrics CSV (metric,value,unit,better,tolerance) for 'dtsim gate'.\n\n"
    "  reproduce    from dtsim reproduce's reproduce.csv: t1.ROW, the predicted\n"
    "               training time (s), and t2.ROW, the predicted scaling efficiency\n"
    "               (%); \"ROW (low)\" and \"ROW (high)\", the ends of the row's\n"
    "               interval, where the file has one; each better=equal: any\n"
    "               change beyond tolerance fails (default tolerance 1%)\n"
    "  callgrind    from valgrind --tool=callgrind output files: NAME, the\n"
    "               instructions (Ir) of the whole run, better=lower (default 2%)\n"
    "  --tolerance  the tolerance written for every metric (e.g. 0.5%)\n"
    "  --out FILE   write FILE instead of stdout\n";

/* Read a text file's lines; calls fn(ctx, line, lineno) with the newline
 * (and a CR) removed. Returns 0, the first nonzero fn result, or -1 when
 * the file cannot be read (message printed). */
static int each_line(const char *path, int (*fn)(void *, char *, int), void *ctx)
{
    FILE *f = fopen(path, "r");
    if (!f) return cmd_fail("cannot read '%s': %s", path, strerror(errno)), -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int ln = 0, rc = 0;
    while (!rc && (len = getline(&line, &cap, f)) >= 0) {
        ln++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        rc = fn(ctx, line, ln);
    }
    free(line);
    fclose(f);
    return rc;
}

struct repro {
    const char *path;
    struct gate_set *s;
    struct gate_tol tol;
    int header;
    int fields;       /* 7, or 11 with the interval columns */
};

static int repro_line(void *ctx, char *line, int ln)
{
    struct repro *r = ctx;
    if (!r->header) {
        if (strcmp(line, REPRO_HEADER) == 0) r->fields = 7;
        else if (strcmp(line, REPRO_HEADER_INTERVAL) == 0) r->fields = 11;
        else
            return cmd_fail("%s:%d: not a reproduce.csv header '%.60s' (expected '%s')", r->path, ln, line,
                            REPRO_HEADER_INTERVAL);
        r->header = 1;
        return 0;
    }
    if (!*line) return 0;
    char *f[12];
    const char *why = "";
    int n = gate_csv_split(line, f, 12, &why);
    if (n < 0) return cmd_fail("%s:%d: %s", r->path, ln, why);
    if (n != r->fields)
        return cmd_fail("%s:%d: %d fields, expected %d (%s)", r->path, ln, n, r->fields,
                        r->fields == 7 ? REPRO_HEADER : REPRO_HEADER_INTERVAL);
    if (strcmp(f[0], "1") && strcmp(f[0], "2") && strcmp(f[0], "3"))
        return cmd_fail("%s:%d: table '%s' is not 1, 2 or 3", r->path, ln, f[0]);
    char *end;
    double v = strtod(f[4], &end);
    if (!*f[4] || *end) return cmd_fail("%s:%d: simulated '%s' is not a number", r->path, ln, f[4]);
    char name[512];
    snprintf(name, sizeof name, "t%s.%s", f[0], f[1]);
    dt_err e = {0};
    if (gate_add(r->s, name, v, f[5], GATE_EQUAL, r->tol, &e)) return cmd_fail("%s:%d: %s", r->path, ln, e.msg);
    for (int k = 7; r->fields == 11 && k < 9; k++) { /* the interval's ends, when the row has them */
        if (!*f[k]) continue;
        v = strtod(f[k], &end);
        if (*end) return cmd_fail("%s:%d: interval end '%s' is not a number", r->path, ln, f[k]);
        snprintf(name, sizeof name, "t%s.%s (%s)", f[0], f[1], k == 7 ? "low" : "high");
        if (gate_add(r->s, name, v, f[5], GATE_EQUAL, r->tol, &e)) return cmd_fail("%s:%d: %s", r->path, ln, e.msg);
    }
    return 0;
}

struct cg {
    const char *path;
    double ir;
    int have_events, have;
};

static int cg_line(void *ctx, char *line, int ln)
{
    struct cg *c = ctx;
    if (ln == 1 && strncmp(line, "# callgrind format", 18) != 0 && strncmp(line, "version:", 8) != 0)
        return cmd_fail("%s:1: not a callgrind output file", c->path);
    if (strncmp(line, "events:", 7) == 0) {
        char *p = line + 7;
        while (*p == ' ') p++;
        if (strncmp(p, "Ir", 2) != 0 || (p[2] && p[2] != ' '))
            return cmd_fail("%s:%d: the first event is not Ir ('%s')", c->path, ln, p);
        c->have_events = 1;
    } else if (!c->have && (strncmp(line, "summary:", 8) == 0 || strncmp(line, "totals:", 7) == 0)) {
        char *p = strchr(line, ':') + 1, *end;
        c->ir = strtod(p, &end);
        if (end == p || c->ir < 0) return cmd_fail("%s:%d: no instruction count in '%s'", c->path, ln, line);
        c->have = 1;
    }
    return 0;
}

static int cmd_metrics(int argc, char **argv)
{
    if (argc < 2 || cmd_is_help(argv[1])) {
        fputs(usage, stdout);
        return argc < 2 ? DT_EXIT_USAGE : DT_EXIT_OK;
    }
    const char *kind = argv[1], *out = NULL, *tols = NULL;
    int repro = strcmp(kind, "reproduce") == 0;
    if (!repro && strcmp(kind, "callgrind") != 0)
        return cmd_fail("metrics: unknown source '%s' (reproduce or callgrind)", kind);
    char *inputs[64];
    int nin = 0;
    for (int i = 2; i < argc; i++) {
        if (cmd_is_help(argv[i])) {
            fputs(usage, stdout);
            return DT_EXIT_OK;
        }
        if (strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "--tolerance") == 0) {
            if (i + 1 >= argc) return cmd_fail("metrics: %s needs a value", argv[i]);
            *(argv[i][2] == 'o' ? &out : &tols) = argv[i + 1];
            i++;
            continue;
        }
        if (argv[i][0] == '-') return cmd_fail("metrics: unknown option '%s' (see 'dtsim metrics --help')", argv[i]);
        if (nin == 64) return cmd_fail("metrics: more than 64 inputs");
        inputs[nin++] = argv[i];
    }
    if (nin == 0) return cmd_fail("metrics %s: no input file (see 'dtsim metrics --help')", kind);
    if (repro && nin > 1) return cmd_fail("metrics reproduce: one reproduce.csv, got %d files", nin);
    struct gate_tol tol;
    dt_err e = {0};
    if (gate_tol_parse(tols ? tols : repro ? "1%" : "2%", NULL, &tol, &e)) return cmd_fail("--tolerance: %s", e.msg);

    struct gate_set s = {0};
    int rc = 0;
    if (repro) {
        struct repro r = {inputs[0], &s, tol, 0, 0};
        rc = each_line(inputs[0], repro_line, &r);
        if (!rc && !r.header) rc = cmd_fail("%s: empty file (expected '%s')", inputs[0], REPRO_HEADER_INTERVAL);
        else if (!rc && s.n == 0) rc = cmd_fail("%s: no rows after the header", inputs[0]);
    }
    for (int i = 0; !repro && !rc && i < nin; i++) {
        char *eq = strchr(inputs[i], '=');
        if (!eq || eq == inputs[i] || !eq[1]) {
            rc = cmd_fail("metrics callgrind: '%s' is not NAME=FILE", inputs[i]);
            break;
        }
        *eq = 0;
        struct cg c = {eq + 1, 0, 0, 0};
        rc = each_line(c.path, cg_line, &c);
        if (!rc && (!c.have_events || !c.have))
            rc = cmd_fail("%s: no 'events: Ir' and 'summary:' lines (not a callgrind output file?)", c.path);
        if (!rc && gate_add(&s, inputs[i], c.ir, "instr", GATE_LOWER, tol, &e)) rc = cmd_fail("%s", e.msg);
    }
    if (!rc) {
        if (out) {
            if (gate_save(&s, out, &e)) rc = cmd_fail("%s", e.msg);
        } else {
            gate_write(&s, stdout);
        }
    }
    gate_free(&s);
    return rc ? DT_EXIT_USAGE : DT_EXIT_OK;
}

const struct dtsim_cmd dtsim_cmd_metrics = {"metrics", "write a metrics CSV for 'dtsim gate' (reproduce, callgrind)",
                                            cmd_metrics};
