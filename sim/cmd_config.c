/* dtsim config -- validate an experiment file and print every key with its
 * resolved value and where it came from. The output is itself a valid
 * config (origins are ';' comments), so it can be saved and re-run. */
#include "cmd.h"
#include "cmdutil.h"
#include "memory.h"
#include "experiment.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: dtsim config FILE [--set section.key=value ...]\n"
               "       dtsim config --keys\n\n"
               "Check an experiment file (and its includes) and print every key with its\n"
               "resolved value and origin: FILE:LINE, --set, or default. Unit values also\n"
               "show their normalised value; [uncertain] ranges follow with the point each\n"
               "holds. Every value of a range is checked as a whole experiment. Exit status 2\n"
               "with one error on bad input.\n\n"
               "  --set section.key=value   override a key (repeatable; last wins)\n"
               "  --keys                    print every key: type, range, default, meaning\n");
}

static enum units_kind kind_of(enum config_type t)
{
    switch (t) {
    case CONFIG_BANDWIDTH: return UNITS_BANDWIDTH;
    case CONFIG_TIME: return UNITS_TIME;
    case CONFIG_SIZE: return UNITS_SIZE;
    case CONFIG_FLOPS: return UNITS_FLOPS;
    default: return UNITS_NUMBER;
    }
}

static int is_unit(enum config_type t)
{
    return t == CONFIG_BANDWIDTH || t == CONFIG_TIME || t == CONFIG_SIZE || t == CONFIG_FLOPS;
}

/* "1 to 64", "" when unbounded. */
static void range_text(char *buf, size_t len, const struct config_key *k)
{
    buf[0] = '\0';
    if (k->type == CONFIG_ENUM) {
        if (strchr(k->choices, ',')) { /* choices with commas ("tp,pp,dp"): joined by "or" */
            size_t n = 0;
            for (const char *p = k->choices; *p && n + 5 < len; p++) {
                if (*p == '|') n += (size_t)snprintf(buf + n, len - n, " or ");
                else buf[n++] = *p;
            }
            buf[n] = '\0';
            return;
        }
        snprintf(buf, len, "%s", k->choices);
        for (char *p = buf; *p; p++)
            if (*p == '|') *p = ',';
        return;
    }
    if (k->min == 0 && k->max == 0) return;
    char lo[48], hi[48];
    units_format(lo, sizeof lo, k->min, kind_of(k->type));
    units_format(hi, sizeof hi, k->max, kind_of(k->type));
    snprintf(buf, len, "%s to %s", lo, hi);
}

static int print_keys(void)
{
    size_t n;
    const struct config_key *s = experiment_schema(&n);
    printf("| key | type | range | default | meaning |\n| --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        char r[256];
        range_text(r, sizeof r, &s[i]);
        printf("| `%s.%s` | %s | %s | %s | %s |\n", s[i].section, s[i].key, config_type_name(s[i].type), r,
               s[i].def ? s[i].def : "(required)", s[i].help);
    }
    return DT_EXIT_OK;
}

/* The [uncertain] section: each range as written (a valid config line),
 * then a comment with its origin, its point and, for a span of a unit
 * key, the normalised ends. */
static void print_ranges(const struct experiment *x)
{
    if (!x->unc.n) return;
    printf("\n[uncertain]\n; range, then ; origin; the point (origin) it holds\n");
    int runs = 0;
    for (int i = 0; i < x->unc.n; i++) {
        const struct unc_range *r = &x->unc.r[i];
        char o[300], po[UNC_MAX_KEYS * 310], pt[UNC_MAX_KEYS * (CONFIG_MAX_LINE + 2)], ends[120] = "";
        uncertain_point_text(r, pt, sizeof pt);
        uncertain_point_origin(r, po, sizeof po);
        enum units_kind k = kind_of(r->key[0]->type);
        if (r->span && is_unit(r->key[0]->type)) {
            char lo[48], hi[48];
            snprintf(ends, sizeof ends, " [%s .. %s]", units_format(lo, sizeof lo, r->lo, k),
                     units_format(hi, sizeof hi, r->hi, k));
        }
        for (int a = 0; a < r->nalts; a++) runs += !r->at_point[a];
        printf("%s = %s\n;   %s; point %s (%s)%s%s\n", r->at->key, r->at->value, config_origin(o, sizeof o, r->at), pt, po,
               ends,
               r->unchecked ? "; not checked: the point is a --set what-if outside the range" : "");
    }
    printf("; derived: %d range%s, %d value%s to simulate besides the point\n", x->unc.n, x->unc.n == 1 ? "" : "s",
           runs, runs == 1 ? "" : "s");
}

static void print_experiment(const struct experiment *x, const char *path)
{
    size_t n;
    const struct config_key *s = experiment_schema(&n);
    const config *c = x->cfg;
    printf("; dtsim config %s\n; value ; origin (FILE:LINE, --set, or default) [normalised value]\n", path);
    const char *sec = "";
    for (size_t i = 0; i < n; i++) {
        const struct config_key *k = &s[i];
        /* a data-parallel experiment prints as before: [parallel] and
         * training.tokens only when the file (or a --set) gives them */
        if (!x->parallel.present && (strcmp(k->section, "parallel") == 0 ||
                                     (strcmp(k->section, "training") == 0 && strcmp(k->key, "tokens") == 0 &&
                                      !config_find(c, k->section, k->key))))
            continue;
        if (strcmp(sec, k->section) != 0) {
            printf("%s[%s]\n", sec[0] ? "\n" : "", k->section);
            sec = k->section;
        }
        const struct config_entry *en = config_find(c, k->section, k->key);
        const char *val = en ? en->value : k->def;
        char origin[300];
        config_origin(origin, sizeof origin, en);
        char norm[64] = "";
        if (is_unit(k->type) && val[0] >= '0' && val[0] <= '9') {
            double v;
            if (config_value_parse(k, val, en, &v, NULL) == 0) {
                char f[48];
                snprintf(norm, sizeof norm, " [%s]", units_format(f, sizeof f, v, kind_of(k->type)));
            }
        }
        printf("%-18s = %-24s ; %s%s\n", k->key, val, origin, norm);
    }
    print_ranges(x);
    int gpus = experiment_gpus(x);
    printf("\n; derived: %d GPUs (%d nodes x %d), %d per leaf switch\n", gpus, x->cluster.nodes,
           x->cluster.gpus_per_node, x->cluster.nodes_per_leaf);
    if (x->parallel.present) {
        /* the layout (docs/parallel.md); its memory needs the model's
         * transformer row and is checked by run and plan */
        const struct exp_batch_phase *p = &x->training.batch[0];
        long long dp = x->parallel.data;
        printf("; derived: tensor %d x pipeline %d x data %lld = %d GPUs\n", x->parallel.tensor,
               x->parallel.pipeline, dp, gpus);
        for (int i = 0; i < x->training.nbatch; i++, p++)
            printf("; derived: from epoch %d: global batch %lld sequences, %lld per replica, %lld microbatches of %d\n",
                   p->epoch, p->global_batch, p->global_batch / dp, p->global_batch / dp / x->parallel.microbatch,
                   x->parallel.microbatch);
        return;
    }
    for (int i = 0; i < x->training.nbatch; i++) {
        const struct exp_batch_phase *p = &x->training.batch[i];
        double epochs;
        long long iters = experiment_phase_iterations(x, i, &epochs);
        printf("; derived: epochs %d to %g: global batch %lld, %lld per GPU, %lld iterations\n", p->epoch,
               p->epoch + epochs, p->global_batch, p->global_batch / gpus, iters);
    }
    struct mem_need m;
    double cap;
    if (cmd_catalog() && mem_experiment(x, cmd_catalog(), &m, &cap, NULL) == 0) {
        const double gib = 1024.0 * 1024 * 1024;
        printf("; derived: memory per GPU %.2f GiB of %.2f GiB at %lld per GPU (weights %.2f + gradients %.2f + "
               "optimizer %.2f [%s] + activations %.2f + workspace %.2f GiB)\n",
               m.total / gib, cap / gib, m.batch, m.weights / gib, m.gradients / gib, m.optimizer / gib,
               mem_optimizer_name(m.opt), m.activations / gib, m.workspace / gib);
    }
}

static int cmd_config(int argc, char **argv)
{
    struct cmd_sets sets = {0};
    const char *path = NULL;
    int keys = 0;
    for (int i = 1; i < argc; i++) {
        int t = cmd_sets_take(&sets, argc, argv, &i);
        if (t < 0) {
            cmd_sets_free(&sets);
            return DT_EXIT_USAGE;
        }
        if (t) continue;
        if (cmd_is_help(argv[i])) {
            cmd_sets_free(&sets);
            usage(stdout);
            return DT_EXIT_OK;
        }
        if (strcmp(argv[i], "--keys") == 0) keys = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            cmd_sets_free(&sets);
            return cmd_fail("config: unknown option '%s' (see 'dtsim config --help')", argv[i]);
        } else if (path) {
            cmd_sets_free(&sets);
            return cmd_fail("config: one file at a time ('%s' and '%s')", path, argv[i]);
        } else
            path = argv[i];
    }
    if (keys) {
        cmd_sets_free(&sets);
        return print_keys();
    }
    if (!path) {
        cmd_sets_free(&sets);
        usage(stderr);
        return DT_EXIT_USAGE;
    }
    struct experiment x;
    int rc = cmd_experiment_load(&x, path, &sets);
    cmd_sets_free(&sets);
    if (rc) return rc;
    dt_err e = {0, ""};
    if (cmd_check_ranges(&x, &e) < 0) {
        experiment_free(&x);
        return cmd_fail("%s", e.msg);
    }
    print_experiment(&x, path);
    experiment_free(&x);
    return DT_EXIT_OK;
}

const struct dtsim_cmd dtsim_cmd_config = {"config", "check an experiment file and print resolved values",
                                           cmd_config};
