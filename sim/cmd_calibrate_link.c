/* dtsim calibrate-link: fit the software on a link (a [commlib NAME] row:
 * cost per call, per step, share of the link rate) on 2-host dtbench
 * allreduce --csv runs, and write it with the physical [link NAME] row.
 * The model and the fit: models/linkfit.h; docs/validate.md. */
#include "cmd.h"
#include "cmdutil.h"
#include "linkfit.h"
#include "units.h"

#include <stdlib.h>
#include <string.h>

static int usage(FILE *f)
{
    fprintf(f, "usage: dtsim calibrate-link --rate RATE [--wire-lat TIME] [--commlib NAME] [--link NAME]\n"
               "                            [--year Y] [--gpus-per-node G] [--min-bytes N] [--out FILE|-] CSV...\n\n"
               "Fit what the software adds to a link on 2-host all-reduce times (dtbench allreduce --csv\n"
               "output, several runs may be concatenated): a collective library row with a cost per call,\n"
               "a latency per step and the share of the link rate that messages reach, from the model\n"
               "t = call + steps x (L + step) + sent / (R x share) of each schedule (models/linkfit.h).\n"
               "The link itself stays what it physically is: rate R, wire latency L. Writes the\n"
               "[link NAME] and [commlib NAME] catalog rows. Lines with more than 2 ranks are left out:\n"
               "the fit takes 2-host points only, so that larger runs can test its predictions.\n\n"
               "  --rate RATE        the link's physical (shaped) rate, e.g. 1Gbit: R\n"
               "  --wire-lat TIME    the link's one-way latency, e.g. 50us (default 0: the testbed\n"
               "                     without netem adds none)\n"
               "  --commlib NAME     library row name (default dtbench-tcp)\n"
               "  --link NAME        link row name (default testbed-<rate in Mbit>)\n"
               "  --year Y           the library row's year (default: this year)\n"
               "  --gpus-per-node G  ranks per node of the hierarchical lines (dtbench --gpus-per-node; default 1)\n"
               "  --min-bytes N      leave out smaller sizes (default 1Mi = 1048576): below about 1 MB a\n"
               "                     tc htb shaper's token bucket lets a transfer beat the link rate\n"
               "  --out FILE         where to write the rows (default -: stdout)\n");
    return f == stdout ? DT_EXIT_OK : DT_EXIT_USAGE;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    for (size_t k; b && (k = fread(b + n, 1, cap - n - 1, f)) > 0;) {
        n += k;
        if (n + 1 == cap) b = realloc(b, cap *= 2);
    }
    fclose(f);
    if (b) b[n] = '\0';
    if (b && strlen(b) != n) b[0] = '\0'; /* binary: parsed as empty, reported as no data */
    return b;
}

static int cmd_calibrate_link(int argc, char **argv)
{
    const char *rate_s = NULL, *name = NULL, *lib = "dtbench-tcp", *out = "-";
    const char *files[64];
    int nfiles = 0, G = 1, year = 0;
    double wire = 0;
    uint64_t min_bytes = 1 << 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cmd_is_help(a)) return usage(stdout);
        if (i + 1 < argc && strcmp(a, "--rate") == 0) rate_s = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--link") == 0) name = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--commlib") == 0) lib = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--wire-lat") == 0) {
            dt_err we;
            if (units_parse(argv[++i], UNITS_TIME, &wire, &we) || !(wire >= 0) || wire > 1)
                return cmd_fail("calibrate-link: --wire-lat '%s': expected a time such as 50us", argv[i]);
        } else if (i + 1 < argc && strcmp(a, "--year") == 0) {
            char *end;
            long y = strtol(argv[++i], &end, 10);
            if (*end || y < 1980 || y > 2100) return cmd_fail("calibrate-link: --year '%s': expected 1980..2100", argv[i]);
            year = (int)y;
        }
        else if (i + 1 < argc && strcmp(a, "--out") == 0) out = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--gpus-per-node") == 0) {
            char *end;
            long g = strtol(argv[++i], &end, 10);
            if (*end || g < 1 || g > 64) return cmd_fail("calibrate-link: --gpus-per-node '%s': expected 1..64", argv[i]);
            G = (int)g;
        } else if (i + 1 < argc && strcmp(a, "--min-bytes") == 0) {
            double m;
            dt_err me;
            if (units_parse(argv[++i], UNITS_NUMBER, &m, &me) || m < 1 || m > 1e12)
                return cmd_fail("calibrate-link: --min-bytes '%s': expected a byte count such as 1Mi", argv[i]);
            min_bytes = (uint64_t)m;
        } else if (a[0] == '-' && a[1]) {
            cmd_fail("calibrate-link: unknown or incomplete option '%s'", a);
            return usage(stderr);
        } else if (nfiles < 64) files[nfiles++] = a;
        else return cmd_fail("calibrate-link: more than 64 files");
    }
    if (!rate_s || nfiles == 0) {
        cmd_fail("calibrate-link: %s", !rate_s ? "--rate is required" : "no CSV file given");
        return usage(stderr);
    }
    dt_err e = {0};
    double rate;
    char t[64];
    snprintf(t, sizeof t, "%s/s", rate_s);
    if (strlen(rate_s) > 40 || units_parse(t, UNITS_BANDWIDTH, &rate, &e) || !(rate > 0))
        return cmd_fail("calibrate-link: --rate '%s' is not a link rate such as 1Gbit", rate_s);
    struct linkfit_point *all = NULL;
    size_t n = 0, skipped = 0, small = 0;
    int rc = DT_EXIT_OK;
    for (int f = 0; f < nfiles; f++) {
        char *text = slurp(files[f]);
        if (!text) { rc = cmd_fail("calibrate-link: cannot open '%s'", files[f]); goto out; }
        struct linkfit_point *p;
        size_t k;
        int prc = linkfit_parse_dtbench(text, files[f], G, &p, &k, &e);
        free(text);
        if (prc) { rc = cmd_fail("%s", e.msg); goto out; }
        struct linkfit_point *na = realloc(all, (n + k) * sizeof *all);
        if (!na) { free(p); rc = cmd_fail("out of memory"); goto out; }
        all = na;
        for (size_t i = 0; i < k; i++) {
            if (p[i].nranks != 2) { skipped++; continue; }
            if (p[i].bytes < min_bytes) { small++; continue; }
            all[n] = p[i];
            if (linkfit_features(&all[n], &e)) { free(p); rc = cmd_fail("%s", e.msg); goto out; }
            n++;
        }
        free(p);
    }
    if (skipped) fprintf(stderr, "calibrate-link: left out %zu lines with more than 2 ranks (the fit takes 2-host points only)\n", skipped);
    if (small)
        fprintf(stderr, "calibrate-link: left out %zu lines under %llu bytes (--min-bytes: the shaper's burst, not the link)\n",
                small, (unsigned long long)min_bytes);
    struct linkfit_result r;
    if (linkfit_fit(all, n, rate, wire, &r, &e)) { rc = cmd_fail("calibrate-link: %s", e.msg); goto out; }
    FILE *rep = strcmp(out, "-") == 0 ? stderr : stdout;
    fprintf(rep, "%-18s %11s %6s %12s %12s %7s\n", "algo", "bytes", "steps", "measured_us", "model_us", "error");
    for (size_t i = 0; i < n; i++)
        fprintf(rep, "%-18s %11llu %6.0f %12.1f %12.1f %+6.2f%%\n", all[i].algo, (unsigned long long)all[i].bytes,
                all[i].steps, all[i].time_s * 1e6, linkfit_predict(&all[i], &r) * 1e6,
                100 * (linkfit_predict(&all[i], &r) / all[i].time_s - 1));
    fprintf(rep, "call %.3f us, step %.3f us, share %.4f of %s = %.6g MB/s (rms %.2f%%, max %.2f%%, %d points)\n",
            r.call_s * 1e6, r.step_s * 1e6, r.share, rate_s, r.bw_Bps / 1e6, 100 * r.rms_rel, 100 * r.max_rel, r.npoints);
    char nm[64], src[600];
    if (!name) {
        snprintf(nm, sizeof nm, "testbed-%gMbit", rate * 8 / 1e6);
        name = nm;
    }
    if (!year) year = cmd_year_now();
    int w = snprintf(src, sizeof src, "dtsim calibrate-link on %s", files[0]);
    if (nfiles > 1 && w > 0 && (size_t)w < sizeof src) snprintf(src + w, sizeof src - (size_t)w, " and %d more", nfiles - 1);
    FILE *f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
    if (!f) { rc = cmd_fail("calibrate-link: cannot write '%s'", out); goto out; }
    linkfit_write_link(f, name, &r, src);
    fputc('\n', f);
    linkfit_write_commlib(f, lib, year, &r, src);
    if (f != stdout && fclose(f)) rc = cmd_fail("calibrate-link: cannot write '%s'", out);
    else if (f != stdout) fprintf(rep, "wrote [link %s] and [commlib %s] to %s\n", name, lib, out);
out:
    free(all);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_calibrate_link = {"calibrate-link", "fit a link's software costs (a [commlib] row) on 2-host dtbench runs",
                                                   cmd_calibrate_link};
