/* dtsim validate: measure all-reduces on the emulated cluster (dtbench
 * testbed + dtbench allreduce over TCP), fit the software (a collective
 * library row: TCP and dtbench) on the 2-host points
 * (models/linkfit.h), simulate every point on the same platform
 * (sim/validate.h) and compare. docs/validate.md. */
#include "catalog.h"
#include "cleanup.h"
#include "cmd.h"
#include "cmdutil.h"
#include "coll.h"
#include "commlib.h"
#include "linkfit.h"
#include "units.h"
#include "validate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXLIST 16

struct vopts {
    int hosts[MAXLIST], nhosts;
    char bw[MAXLIST][32];
    double rate_Bps[MAXLIST];
    int nbw;
    const char *algos[MAXLIST];
    int nalgos;
    uint64_t min_bytes, max_bytes;
    int factor, iters, warmup, repeat, rt, plots;
    const char *out, *measured, *prefix, *lat;
    double max_median_pct, max_error_pct;
    uint64_t score_bytes, fit_bytes;
};

static char *slurp(const char *path, dt_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) { dt_errf(e, DT_ENOENT, "cannot open '%s'", path); return NULL; }
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    for (size_t k; b && (k = fread(b + n, 1, cap - n - 1, f)) > 0;) {
        n += k;
        if (n + 1 == cap) b = realloc(b, cap *= 2);
    }
    fclose(f);
    if (!b) { dt_errf(e, DT_ENOMEM, "out of memory"); return NULL; }
    b[n] = '\0';
    if (strlen(b) != n) { free(b); dt_errf(e, DT_EINVAL, "'%s' is not a text file", path); return NULL; }
    return b;
}

/* "64K", "1M", "16MiB", "1048576": binary prefixes, as dtbench and nccl-tests. */
static int parse_size(const char *s, uint64_t *v)
{
    char *end;
    double x = strtod(s, &end);
    if (end == s || !(x > 0)) return -1;
    double m = 1;
    if (*end == 'K' || *end == 'k') m = 1024, end++;
    else if (*end == 'M') m = 1024.0 * 1024, end++;
    else if (*end == 'G') m = 1024.0 * 1024 * 1024, end++;
    if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0) end += strlen(end);
    if (*end || x * m > 1e12) return -1;
    *v = (uint64_t)(x * m);
    return 0;
}

static int split(char *s, char **v, int max)
{
    int n = 0;
    for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
        if (n == max) return -1;
        v[n++] = t;
    }
    return n;
}

static int usage(FILE *f)
{
    fprintf(f, "usage: dtsim validate [--quick] [--hosts 2,4,8] [--bw 500Mbit,1Gbit] [--algos A,B,...]\n"
               "                      [--sizes 64K..64M] [--factor 4] [--iters 3] [--warmup 1] [--repeat 2] [--lat 0]\n"
               "                      [--out out/validate.csv] [--measured FILE] [--prefix dtv] [--no-rt] [--no-plots]\n"
               "                      [--max-median PCT] [--max-error PCT] [--score-from SIZE]\n"
               "                      [--fit-from SIZE]\n\n"
               "Bring up the emulated cluster (dtbench testbed, root), run dtbench allreduce over TCP\n"
               "on it, fit what TCP and dtbench add to the shaped link (a collective library row:\n"
               "cost per call, per step, share of the rate) on the 2-host points only (as dtsim\n"
               "calibrate-link), simulate every point on the same platform with it and print\n"
               "measured vs simulated time and error.\n"
               "Exit 0 when the median |error| and the largest |error| over the points of\n"
               "--score-from and up are within the limits, 1 when not, 3 when skipped (not root,\n"
               "no network namespaces).\n\n"
               "  --quick          CI subset (under 2 minutes): 1Gbit, 2,4,8 hosts, every algorithm,\n"
               "                   1M..16M\n"
               "  --hosts LIST     testbed sizes; must include 2 (the fit) (default 2,4,8)\n"
               "  --bw LIST        shaped link rates (default 500Mbit,1Gbit)\n"
               "  --algos LIST     all-reduce schedules (default ring,halving-doubling,\n"
               "                   double-binary-tree,hierarchical; hierarchical runs 2 ranks per node)\n"
               "  --sizes MIN..MAX bytes per rank, K/M/G = 1024^n (default 64K..64M), times --factor\n"
               "  --iters N, --warmup N  dtbench -n and -w (default 3 and 1)\n"
               "  --repeat N       measure every schedule N times, the runs interleaved, and keep each\n"
               "                   point's smaller times (default 2; --quick: 1)\n"
               "  --lat LIST       one-way link latency; anything but 0 needs netem in the kernel,\n"
               "                   else that latency is skipped with a note (default 0)\n"
               "  --out FILE       comparison CSV (default out/validate.csv); beside it\n"
               "                   validate-measured.csv (raw times) and validate-link.ini (the fit:\n"
               "                   [link] and [commlib] rows)\n"
               "  --measured FILE  no testbed: take the points from a validate-measured.csv\n"
               "  --prefix P       testbed namespace prefix (default dtv)\n"
               "  --no-rt          do not run the ranks under SCHED_RR (launch --rt)\n"
               "  --no-plots       do not draw validate.png beside the CSV (plots/validate.gp, gnuplot)\n"
               "  --max-median PCT, --max-error PCT  limits (default 10 and 25)\n"
               "  --score-from S   smallest size scored (default 1M)\n"
               "  --fit-from S     smallest 2-host size the library is fitted on (default 1M: below it the\n"
               "                   shaper's 128 KB token bucket lets a transfer beat the link rate)\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

static int parse_args(struct vopts *o, int argc, char **argv, int *help)
{
    static char buf[4][512];
    const char *hosts = "2,4,8", *bw = "500Mbit,1Gbit", *algos = "ring,halving-doubling,double-binary-tree,hierarchical",
               *sizes = "64K..64M";
    int quick = 0;
    memset(o, 0, sizeof *o);
    o->factor = 4, o->iters = 3, o->warmup = 1, o->repeat = 0, o->rt = 1, o->plots = 1;
    o->out = "out/validate.csv", o->prefix = "dtv", o->lat = "0";
    o->max_median_pct = 10, o->max_error_pct = 25, o->score_bytes = 1 << 20, o->fit_bytes = 1 << 20;
    const char *h = NULL, *b = NULL, *s = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cmd_is_help(a)) { *help = 1; return 0; }
        if (strcmp(a, "--quick") == 0) { quick = 1; continue; }
        if (strcmp(a, "--no-rt") == 0) { o->rt = 0; continue; }
        if (strcmp(a, "--no-plots") == 0) { o->plots = 0; continue; }
        if (!v) return cmd_fail("validate: unknown or incomplete option '%s' (see 'dtsim validate --help')", a);
        i++;
        if (strcmp(a, "--hosts") == 0) h = v;
        else if (strcmp(a, "--bw") == 0) b = v;
        else if (strcmp(a, "--algos") == 0) algos = v;
        else if (strcmp(a, "--sizes") == 0) s = v;
        else if (strcmp(a, "--out") == 0) o->out = v;
        else if (strcmp(a, "--measured") == 0) o->measured = v;
        else if (strcmp(a, "--prefix") == 0) o->prefix = v;
        else if (strcmp(a, "--lat") == 0) o->lat = v;
        else if (strcmp(a, "--factor") == 0 || strcmp(a, "--iters") == 0 || strcmp(a, "--warmup") == 0 ||
                 strcmp(a, "--repeat") == 0) {
            char *end;
            long x = strtol(v, &end, 10);
            int lo = strcmp(a, "--factor") == 0 ? 2 : strcmp(a, "--warmup") == 0 ? 0 : 1;
            if (*end || x < lo || x > 1000) return cmd_fail("validate: %s '%s': expected an integer %d..1000", a, v, lo);
            *(strcmp(a, "--factor") == 0  ? &o->factor
              : strcmp(a, "--iters") == 0 ? &o->iters
              : strcmp(a, "--repeat") == 0 ? &o->repeat
                                           : &o->warmup) = (int)x;
        } else if (strcmp(a, "--max-median") == 0 || strcmp(a, "--max-error") == 0) {
            char *end;
            double x = strtod(v, &end);
            if (*end || !(x > 0) || x > 1000) return cmd_fail("validate: %s '%s': expected a percentage > 0", a, v);
            *(strcmp(a, "--max-median") == 0 ? &o->max_median_pct : &o->max_error_pct) = x;
        } else if (strcmp(a, "--score-from") == 0 || strcmp(a, "--fit-from") == 0) {
            if (parse_size(v, strcmp(a, "--fit-from") == 0 ? &o->fit_bytes : &o->score_bytes))
                return cmd_fail("validate: %s '%s': expected a size, e.g. 1M", a, v);
        } else {
            return cmd_fail("validate: unknown option '%s' (see 'dtsim validate --help')", a);
        }
    }
    if (quick) {
        hosts = "2,4,8", bw = "1Gbit", sizes = "1M..16M";
    }
    if (!o->repeat) o->repeat = quick ? 1 : 2;
    if (h) hosts = h;
    if (b) bw = b;
    if (s) sizes = s;
    char *v[MAXLIST + 1];
    snprintf(buf[0], sizeof buf[0], "%s", hosts);
    int n = split(buf[0], v, MAXLIST);
    if (n <= 0) return cmd_fail("validate: --hosts '%s': expected a list such as 2,4,8", hosts);
    for (int i = 0; i < n; i++) {
        char *end;
        long x = strtol(v[i], &end, 10);
        if (*end || x < 2 || x > 64) return cmd_fail("validate: --hosts: '%s' is not a host count 2..64", v[i]);
        o->hosts[o->nhosts++] = (int)x;
    }
    snprintf(buf[1], sizeof buf[1], "%s", bw);
    n = split(buf[1], v, MAXLIST);
    if (n <= 0) return cmd_fail("validate: --bw '%s': expected a list such as 500Mbit,1Gbit", bw);
    for (int i = 0; i < n; i++) {
        dt_err e = {0};
        char t[48];
        snprintf(t, sizeof t, "%s/s", v[i]);
        double r;
        if (strlen(v[i]) >= sizeof o->bw[0] || units_parse(t, UNITS_BANDWIDTH, &r, &e) || !(r >= 1e5 / 8))
            return cmd_fail("validate: --bw: '%s' is not a link rate such as 1Gbit or 500Mbit", v[i]);
        snprintf(o->bw[o->nbw], sizeof o->bw[0], "%s", v[i]);
        o->rate_Bps[o->nbw++] = r;
    }
    snprintf(buf[2], sizeof buf[2], "%s", algos);
    n = split(buf[2], v, MAXLIST);
    if (n <= 0) return cmd_fail("validate: --algos '%s': expected a list of schedules", algos);
    for (int i = 0; i < n; i++) {
        dt_err e = {0};
        const struct coll_algo *ca = coll_find(v[i], &e);
        if (!ca) return cmd_fail("validate: --algos: %s", e.msg);
        if (ca->op != COLL_ALLREDUCE) return cmd_fail("validate: --algos: '%s' is not an all-reduce", v[i]);
        o->algos[o->nalgos++] = v[i];
    }
    snprintf(buf[3], sizeof buf[3], "%s", sizes);
    char *dots = strstr(buf[3], "..");
    if (dots) *dots = '\0';
    if (!dots || parse_size(buf[3], &o->min_bytes) || parse_size(dots + 2, &o->max_bytes) || o->min_bytes < 8 ||
        o->max_bytes < o->min_bytes)
        return cmd_fail("validate: --sizes '%s': expected MIN..MAX, e.g. 64K..64M (MIN >= 8 bytes)", sizes);
    return 0;
}

/* --- measuring ------------------------------------------------------------- */

static int run_status(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Bring the testbed up; 0 ok, 3 when namespaces are not available. Sets *netem. */
static int testbed_up(const char *dtbench, const struct vopts *o, int hosts, const char *bw, const char *lat,
                      const char *ini, const char *log, int *netem)
{
    char cmd[12288];
    snprintf(cmd, sizeof cmd, "'%s' testbed up --hosts %d --bw %s --lat %s --prefix '%s' --ini '%s' >>'%s' 2>&1",
             dtbench, hosts, bw, lat, o->prefix, ini, log);
    /* a signal from here on ends dtbench and takes the testbed down (cleanup.h) */
    const char *down[] = {dtbench, "testbed", "down", "--prefix", o->prefix, NULL};
    cleanup_undo(down);
    int rc = run_status(cleanup_system(cmd));
    if (rc) return rc;
    dt_err e;
    char *t = slurp(ini, &e);
    *netem = t && !strstr(t, "latency NOT emulated");
    free(t);
    return 0;
}

static void testbed_down(const char *dtbench, const struct vopts *o, const char *log)
{
    char cmd[12288];
    snprintf(cmd, sizeof cmd, "'%s' testbed down --prefix '%s' >>'%s' 2>&1", dtbench, o->prefix, log);
    if (cleanup_system(cmd)) {}
    cleanup_undo(NULL);
}

/* Run one algorithm over all sizes; append its points. */
static int measure(const char *dtbench, const struct vopts *o, int hosts, double rate_Bps, const char *algo,
                   const char *log, struct validate_point **pts, size_t *n, size_t *cap)
{
    int G = strcmp(algo, "hierarchical") == 0 && hosts % 2 == 0 ? 2 : 1;
    char cmd[12288];
    snprintf(cmd, sizeof cmd,
             "'%s' launch --testbed --prefix '%s' %s --port 29611 -- allreduce --transport tcp --algo %s"
             " --gpus-per-node %d -b %llu -e %llu -f %d -n %d -w %d -c 0 --csv 2>>'%s'",
             dtbench, o->prefix, o->rt ? "--rt" : "", algo, G, (unsigned long long)o->min_bytes,
             (unsigned long long)o->max_bytes, o->factor, o->iters, o->warmup, log);
    int fd = -1;
    pid_t pid = cleanup_sh(cmd, &fd); /* popen, but a signal ends it */
    FILE *p = pid > 0 ? fdopen(fd, "r") : NULL;
    if (!p) {
        if (pid > 0) {
            close(fd);
            cleanup_wait(pid);
        }
        return cmd_fail("cannot run '%s'", dtbench);
    }
    size_t cap_t = 1 << 16, len = 0;
    char *text = malloc(cap_t);
    for (size_t k; text && (k = fread(text + len, 1, cap_t - len - 1, p)) > 0;) {
        len += k;
        if (len + 1 == cap_t) text = realloc(text, cap_t *= 2);
    }
    fclose(p);
    int st = cleanup_wait(pid);
    if (!text) return cmd_fail("out of memory");
    text[len] = '\0';
    if (run_status(st)) {
        free(text);
        return cmd_fail("dtbench allreduce --algo %s on %d hosts failed (exit %d); see %s", algo, hosts, run_status(st), log);
    }
    dt_err e = {0};
    struct linkfit_point *lp;
    size_t ln;
    if (linkfit_parse_dtbench(text, "dtbench output", G, &lp, &ln, &e)) {
        free(text);
        return cmd_fail("%s", e.msg);
    }
    free(text);
    for (size_t i = 0; i < ln; i++) {
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            *pts = realloc(*pts, *cap * sizeof **pts);
            if (!*pts) { free(lp); return cmd_fail("out of memory"); }
        }
        struct validate_point *v = &(*pts)[(*n)++];
        memset(v, 0, sizeof *v);
        v->rate_Bps = rate_Bps;
        v->hosts = hosts;
        v->gpus_per_node = G;
        snprintf(v->algo, sizeof v->algo, "%s", algo);
        v->bytes = lp[i].bytes;
        v->oop_s = lp[i].oop_s;
        v->ip_s = lp[i].ip_s;
    }
    free(lp);
    return 0;
}

/* Repeated measurements of a point (same rate, hosts, G, algorithm, size)
 * in pts[first, n) become one, with the smaller out-of-place and in-place
 * times: other work only ever adds time (see validate_real_s). Returns the
 * new n; order kept (first occurrence). */
static size_t merge_repeats(struct validate_point *pts, size_t first, size_t n)
{
    size_t k = first;
    for (size_t i = first; i < n; i++) {
        size_t j = first;
        while (j < k && !(pts[j].rate_Bps == pts[i].rate_Bps && pts[j].hosts == pts[i].hosts &&
                          pts[j].gpus_per_node == pts[i].gpus_per_node && pts[j].bytes == pts[i].bytes &&
                          strcmp(pts[j].algo, pts[i].algo) == 0))
            j++;
        if (j < k) {
            if (pts[i].oop_s < pts[j].oop_s) pts[j].oop_s = pts[i].oop_s;
            if (pts[i].ip_s < pts[j].ip_s) pts[j].ip_s = pts[i].ip_s;
        } else {
            pts[k++] = pts[i];
        }
    }
    return k;
}

/* --- comparing --------------------------------------------------------------- */

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_dbl);
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double err_pct(const struct validate_point *p)
{
    return 100 * (p->sim_s / validate_real_s(p) - 1);
}

static void rate_name(char *buf, size_t n, double Bps)
{
    snprintf(buf, n, "%gMbit", Bps * 8 / 1e6);
}

/* Median and max |error| over the scored points (hosts 0 = all). */
static size_t score(const struct validate_point *pts, size_t n, uint64_t from, int hosts, double *med, double *max,
                    size_t *worst)
{
    double *v = malloc((n + 1) * sizeof *v);
    size_t k = 0;
    *max = 0;
    *worst = 0;
    for (size_t i = 0; v && i < n; i++) {
        if (pts[i].bytes < from || (hosts && pts[i].hosts != hosts)) continue;
        double a = fabs(err_pct(&pts[i]));
        if (a >= *max) *max = a, *worst = i;
        v[k++] = a;
    }
    *med = v ? median(v, k) : 0;
    free(v);
    return k;
}

static int write_csv(const char *path, const struct validate_point *pts, size_t n, uint64_t fit_bytes)
{
    struct out_file of; /* written whole, then renamed (cleanup.h) */
    if (out_open(&of, path, NULL)) return -1;
    FILE *f = of.f;
    fprintf(f, "rate_bps,hosts,gpus_per_node,algo,bytes,real_s,sim_s,error_pct,real_busbw_GBps,sim_busbw_GBps,spread_pct,fitted\n");
    for (size_t i = 0; i < n; i++) {
        const struct validate_point *p = &pts[i];
        double r = validate_real_s(p);
        fprintf(f, "%.0f,%d,%d,%s,%llu,%.9f,%.9f,%.2f,%.4f,%.4f,%.2f,%d\n", p->rate_Bps * 8, p->hosts, p->gpus_per_node,
                p->algo, (unsigned long long)p->bytes, r, p->sim_s, err_pct(p), validate_busbw_GBps(p, r),
                validate_busbw_GBps(p, p->sim_s), 100 * fabs(p->oop_s - p->ip_s) / r, p->hosts == 2 && p->bytes >= fit_bytes);
    }
    return out_close(&of, NULL);
}

/* plots/validate.gp reads DIR/validate.csv: draw only for that name. */
static int is_validate_csv(const char *path)
{
    const char *b = strrchr(path, '/');
    return strcmp(b ? b + 1 : path, "validate.csv") == 0;
}

static void dirname_of(char *dir, size_t n, const char *path)
{
    snprintf(dir, n, "%s", path);
    char *s = strrchr(dir, '/');
    if (s) *s = '\0';
    else snprintf(dir, n, ".");
}

static int cmd_validate(int argc, char **argv)
{
    struct vopts o;
    int help = 0;
    int rc = parse_args(&o, argc, argv, &help);
    if (rc) return rc;
    if (help) return usage(stdout);
    char dir[2048], mpath[2300], lpath[2300], log[2300], ini[2300], root[4096];
    dirname_of(dir, sizeof dir, o.out);
    snprintf(mpath, sizeof mpath, "%s/validate-measured.csv", dir);
    snprintf(lpath, sizeof lpath, "%s/validate-link.ini", dir);
    snprintf(log, sizeof log, "%s/validate.log", dir);
    snprintf(ini, sizeof ini, "%s/validate-testbed.ini", dir);
    dt_err e = {0};
    if (catalog_dir(root, sizeof root, NULL, &e)) return cmd_fail("%s", e.msg);
    strcat(root, "/../.."); /* repository root: configs/catalog/../.. */
    struct validate_point *pts = NULL;
    size_t n = 0, cap = 0;
    if (o.measured) {
        char *t = slurp(o.measured, &e);
        if (!t || validate_read_measured(t, o.measured, &pts, &n, &e)) {
            free(t);
            return cmd_fail("%s", e.msg);
        }
        free(t);
    } else {
        int has2 = 0;
        for (int i = 0; i < o.nhosts; i++) has2 |= o.hosts[i] == 2;
        if (!has2) return cmd_fail("validate: --hosts must include 2: the library is fitted on the 2-host points only");
        if (geteuid() != 0) {
            fprintf(stderr, "dtsim: validate: skipped: the emulated cluster needs root (network namespaces, veth, tc);"
                            " run as root, or compare saved points with --measured FILE\n");
            return DT_EXIT_SKIP;
        }
        char dtbench[4200];
        const char *env = getenv("DTBENCH");
        if (env && *env) snprintf(dtbench, sizeof dtbench, "%s", env);
        else snprintf(dtbench, sizeof dtbench, "%s/bin/dtbench", root);
        if (access(dtbench, X_OK)) return cmd_fail("validate: cannot run '%s' (build it with make, or set DTBENCH)", dtbench);
        char mk[2200];
        snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
        if (system(mk)) return cmd_fail("validate: cannot create '%s'", dir);
        FILE *lf = fopen(log, "w");
        if (lf) fclose(lf);
        /* the latency axis needs netem; probe it once per asked latency */
        char latbuf[256], *lats[MAXLIST];
        snprintf(latbuf, sizeof latbuf, "%s", o.lat);
        int nl = split(latbuf, lats, MAXLIST), run0 = 0;
        for (int i = 0; i < nl; i++) {
            double x;
            if (units_parse(lats[i], UNITS_TIME, &x, &e) && strcmp(lats[i], "0") != 0)
                return cmd_fail("validate: --lat: '%s' is not a time such as 50us", lats[i]);
            if (strcmp(lats[i], "0") == 0 || x == 0) { run0 = 1; continue; }
            int netem = 0;
            int up = testbed_up(dtbench, &o, 2, o.bw[0], lats[i], ini, log, &netem);
            testbed_down(dtbench, &o, log);
            if (up) break; /* reported below, by the first real bring-up */
            fprintf(stderr, "dtsim: validate: note: latency %s skipped: %s\n", lats[i],
                    netem ? "emulated latency is not compared yet (docs/validate.md)"
                          : "this kernel has no netem qdisc, so the testbed cannot add latency");
        }
        if (!run0) return cmd_fail("validate: --lat must include 0 (the testbed without added latency)");
        for (int b = 0; b < o.nbw; b++)
            for (int h = 0; h < o.nhosts; h++) {
                int netem;
                int up = testbed_up(dtbench, &o, o.hosts[h], o.bw[b], "0", ini, log, &netem);
                if (up) {
                    testbed_down(dtbench, &o, log);
                    free(pts);
                    if (n == 0) {
                        fprintf(stderr, "dtsim: validate: skipped: 'dtbench testbed up' failed (exit %d): network"
                                        " namespaces unavailable? see %s\n", up, log);
                        return DT_EXIT_SKIP;
                    }
                    return cmd_fail("validate: 'dtbench testbed up --hosts %d --bw %s' failed; see %s", o.hosts[h],
                                    o.bw[b], log);
                }
                size_t first = n; /* this testbed's points: repeats are merged below */
                for (int r = 0; r < o.repeat; r++) { /* all schedules, then all again */
                    for (int a = 0; a < o.nalgos; a++) {
                        fprintf(stderr, "validate: %s %d hosts %s%s\n", o.bw[b], o.hosts[h], o.algos[a],
                                r ? " (again)" : "");
                        if ((rc = measure(dtbench, &o, o.hosts[h], o.rate_Bps[b], o.algos[a], log, &pts, &n, &cap))) {
                            testbed_down(dtbench, &o, log);
                            free(pts);
                            return rc;
                        }
                    }
                }
                n = merge_repeats(pts, first, n);
                testbed_down(dtbench, &o, log);
            }
        struct out_file mo = {0}; /* written whole, then renamed (cleanup.h) */
        FILE *mf = out_open(&mo, mpath, NULL) ? NULL : mo.f;
        if (!mf || validate_write_measured(mf, pts, n) || out_close(&mo, NULL)) {
            out_abort(&mo);
            free(pts);
            return cmd_fail("validate: cannot write '%s'", mpath);
        }
    }
    /* fit each rate's link on its 2-host points, then simulate */
    double rates[MAXLIST];
    struct linkfit_result fits[MAXLIST];
    struct commlib libs[MAXLIST];
    char libname[MAXLIST][48];
    int nr = 0;
    struct linkfit_point *lp = calloc(n, sizeof *lp);
    size_t *idx = calloc(n, sizeof *idx);
    char *done = calloc(n, 1);
    FILE *lf = NULL;
    if (!lp || !idx || !done) { rc = cmd_fail("out of memory"); goto out; }
    if (!o.measured || strcmp(o.out, "-") != 0) {
        char mk[2200];
        snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
        if (system(mk)) {}
        lf = fopen(lpath, "w");
    }
    if (lf) fprintf(lf, "; written by dtsim validate: the testbed's links, fitted on 2-host points only\n");
    for (size_t i = 0; i < n; i++) {
        int r;
        for (r = 0; r < nr && rates[r] != pts[i].rate_Bps; r++) {}
        if (r < nr) continue;
        if (nr == MAXLIST) { rc = cmd_fail("validate: more than %d link rates", MAXLIST); goto out; }
        size_t k = 0;
        for (size_t j = 0; j < n; j++) {
            if (pts[j].rate_Bps != pts[i].rate_Bps || pts[j].hosts != 2 || pts[j].bytes < o.fit_bytes) continue;
            struct linkfit_point *q = &lp[k++];
            memset(q, 0, sizeof *q);
            snprintf(q->algo, sizeof q->algo, "%s", pts[j].algo);
            q->nranks = 2;
            q->gpus_per_node = pts[j].gpus_per_node;
            q->bytes = pts[j].bytes;
            q->time_s = validate_real_s(&pts[j]);
            if (linkfit_features(q, &e)) { rc = cmd_fail("%s", e.msg); goto out; }
        }
        char rn[32];
        rate_name(rn, sizeof rn, pts[i].rate_Bps);
        if (k == 0) {
            rc = cmd_fail("validate: no 2-host points of %llu bytes and up at %s: the library is fitted on those only", (unsigned long long)o.fit_bytes, rn);
            goto out;
        }
        if (linkfit_fit(lp, k, pts[i].rate_Bps, 0, &fits[nr], &e)) { rc = cmd_fail("validate: %s: %s", rn, e.msg); goto out; }
        rates[nr] = pts[i].rate_Bps;
        snprintf(libname[nr], sizeof libname[nr], "dtbench-tcp-%s", rn);
        linkfit_commlib(&fits[nr], libname[nr], 0, "dtsim validate", &libs[nr]);
        printf("library %s: fitted on %d 2-host points: call %.1f us, step %.1f us, share %.4f of the shaped rate"
               " = %.4g MB/s (rms %.2f%%, max %.2f%%)\n", libname[nr], fits[nr].npoints, fits[nr].call_s * 1e6, fits[nr].step_s * 1e6,
               fits[nr].share, fits[nr].bw_Bps / 1e6, 100 * fits[nr].rms_rel, 100 * fits[nr].max_rel);
        if (lf) {
            char name[64], src[2600];
            snprintf(name, sizeof name, "testbed-%s", rn);
            snprintf(src, sizeof src, "dtsim validate on the dtbench testbed, %s", o.measured ? o.measured : mpath);
            fputc('\n', lf);
            linkfit_write_link(lf, name, &fits[nr], src);
            fputc('\n', lf);
            linkfit_write_commlib(lf, libname[nr], cmd_year_now(), &fits[nr], src);
        }
        nr++;
    }
    for (size_t i = 0; i < n; i++) {
        if (done[i]) continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            if (!done[j] && pts[j].rate_Bps == pts[i].rate_Bps && pts[j].hosts == pts[i].hosts &&
                pts[j].gpus_per_node == pts[i].gpus_per_node) {
                idx[k++] = j;
                done[j] = 1;
            }
        int r;
        for (r = 0; r < nr && rates[r] != pts[i].rate_Bps; r++) {}
        if (validate_simulate(pts, idx, k, rates[r], fits[r].wire_lat_s, &libs[r], &e)) { rc = cmd_fail("%s", e.msg); goto out; }
    }
    printf("%-9s %5s %2s %-18s %10s %10s %10s %7s %9s %9s %6s\n", "rate", "hosts", "G", "algo", "bytes", "real_ms",
           "sim_ms", "error", "real_bus", "sim_bus", "spread");
    for (size_t i = 0; i < n; i++) {
        const struct validate_point *p = &pts[i];
        char rn[32];
        rate_name(rn, sizeof rn, p->rate_Bps);
        double r = validate_real_s(p);
        printf("%-9s %5d %2d %-18s %10llu %10.3f %10.3f %+6.1f%% %9.4f %9.4f %5.1f%%%s\n", rn, p->hosts, p->gpus_per_node,
               p->algo, (unsigned long long)p->bytes, r * 1e3, p->sim_s * 1e3, err_pct(p), validate_busbw_GBps(p, r),
               validate_busbw_GBps(p, p->sim_s), 100 * fabs(p->oop_s - p->ip_s) / r, p->hosts == 2 && p->bytes >= o.fit_bytes ? "  fit" : "");
    }
    double med, max;
    size_t worst;
    char sz[32];
    units_format(sz, sizeof sz, (double)o.score_bytes, UNITS_SIZE);
    int seen[65] = {0};
    for (size_t i = 0; i < n; i++) {
        int h = pts[i].hosts;
        if (h > 64 || seen[h]) continue;
        seen[h] = 1;
        size_t k = score(pts, n, o.score_bytes, h, &med, &max, &worst);
        if (k) printf("%d hosts%s: %zu points of %s and up: median |error| %.1f%%, max %.1f%%\n", h,
                      h == 2 ? " (fitted)" : " (predicted)", k, sz, med, max);
    }
    size_t k = score(pts, n, o.score_bytes, 0, &med, &max, &worst);
    if (k == 0) { rc = cmd_fail("validate: no point of %s and up to score", sz); goto out; }
    int pass = med <= o.max_median_pct && max <= o.max_error_pct;
    printf("all: %zu points of %s and up: median |error| %.1f%% (limit %g%%), max %.1f%% (limit %g%%, %s %d hosts %llu"
           " bytes): %s\n", k, sz, med, o.max_median_pct, max, o.max_error_pct, pts[worst].algo, pts[worst].hosts,
           (unsigned long long)pts[worst].bytes, pass ? "PASS" : "FAIL");
    rc = pass ? DT_EXIT_OK : DT_EXIT_FAIL;
    if (strcmp(o.out, "-") != 0 && write_csv(o.out, pts, n, o.fit_bytes)) rc = cmd_fail("validate: cannot write '%s'", o.out);
    else if (strcmp(o.out, "-") != 0 && o.plots && is_validate_csv(o.out) &&
             system("command -v gnuplot >/dev/null 2>&1") == 0) {
        char cmd[12288];
        snprintf(cmd, sizeof cmd, "gnuplot -e \"datadir='%s'; outdir='%s'; term='png'\" '%s/plots/validate.gp'", dir, dir,
                 root);
        if (system(cmd)) fprintf(stderr, "dtsim: validate: warning: gnuplot failed on %s\n", o.out);
    }
out:
    if (lf) fclose(lf);
    free(lp);
    free(idx);
    free(done);
    free(pts);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_validate = {"validate", "compare simulated all-reduce times with the emulated cluster",
                                             cmd_validate};
