/* cmd_catalog.c -- `dtsim catalog [gpus|links|storage|cpus|compute|stacks|prices|commlibs] [--csv] [--catalog DIR]`
 *
 * Lists catalog rows as aligned tables in people's units (TFLOP/s, GB/s,
 * us), each row's source below its table; --csv prints one table in SI
 * base units with unit-suffixed column names, for scripts and gnuplot.
 */
#include "catalog.h"
#include "cmd.h"
#include "commlib.h"
#include "strsim.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small aligned table ------------------------------------------------- */

#define TAB_MAXCOL 16

struct table {
    size_t ncol, ncell;
    char **cells;           /* row-major, ncol per row */
    int right[TAB_MAXCOL];  /* right-align this column (numbers) */
    int oom;
};

static void tab_add(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tab_add(struct table *t, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **g = realloc(t->cells, (t->ncell + 1) * sizeof *g);
    char *s = strdup(buf);
    if (!g || !s) {
        free(s);
        if (g) t->cells = g;
        t->oom = 1;
        return;
    }
    t->cells = g;
    t->cells[t->ncell++] = s;
}

/* A number scaled for people ("%.*g"), or "-" when zero (absent). */
static void tab_num(struct table *t, double v, double scale, int digits)
{
    if (v == 0) tab_add(t, "-");
    else tab_add(t, "%.*g", digits, v / scale);
}

static void tab_print(const struct table *t, FILE *f)
{
    size_t w[TAB_MAXCOL] = {0};
    for (size_t i = 0; i < t->ncell; i++) {
        size_t l = strlen(t->cells[i]);
        if (l > w[i % t->ncol]) w[i % t->ncol] = l;
    }
    char line[2048];
    size_t used = 0;
    for (size_t i = 0; i < t->ncell; i++) {
        size_t c = i % t->ncol;
        int n = snprintf(line + used, sizeof line - used, t->right[c] ? "%*s  " : "%-*s  ", (int)w[c], t->cells[i]);
        if (n > 0) used += (size_t)n < sizeof line - used ? (size_t)n : sizeof line - used - 1;
        if (c + 1 == t->ncol) { /* end of row: no trailing blanks */
            while (used > 0 && line[used - 1] == ' ') used--;
            line[used] = '\0';
            fprintf(f, "%s\n", line);
            used = 0;
        }
    }
}

static void tab_free(struct table *t)
{
    for (size_t i = 0; i < t->ncell; i++) free(t->cells[i]);
    free(t->cells);
}

/* CSV field: quoted when it holds a comma or a quote. */
static void csv_str(const char *s, int last)
{
    if (strpbrk(s, ",\"\n")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"') putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else {
        fputs(s, stdout);
    }
    putchar(last ? '\n' : ',');
}

static void csv_num(double v)
{
    if (v != 0) printf("%.15g", v);
    putchar(',');
}

static void sources(const char *const *names, const char *const *src, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) > w) w = strlen(names[i]);
    printf("\nsources:\n");
    for (size_t i = 0; i < n; i++) printf("  %-*s  %s\n", (int)w, names[i], src[i]);
}

/* ---- one listing per table ------------------------------------------------- */

/* Print a finished table and its sources; frees the table. */
static int tab_finish(struct table *t, const char *const *names, const char *const *src, size_t n)
{
    if (t->oom) {
        tab_free(t);
        return cmd_fail("out of memory");
    }
    tab_print(t, stdout);
    tab_free(t);
    sources(names, src, n);
    return DT_EXIT_OK;
}

static int list_gpus(const struct catalog *c, int csv)
{
    if (csv) {
        printf("name,arch,form");
        for (int p = 0; p < CATALOG_NPREC; p++)
            printf(",%s_%s", catalog_prec_name(p), p == CATALOG_INT8 ? "ops" : "flops");
        printf(",mem_bw_Bps,mem_bytes,tdp_w,link,source\n");
        for (size_t i = 0; i < c->ngpus; i++) {
            const struct catalog_gpu *g = &c->gpus[i];
            csv_str(g->name, 0);
            csv_str(g->arch, 0);
            csv_str(g->form, 0);
            for (int p = 0; p < CATALOG_NPREC; p++) csv_num(g->peak_flops[p]);
            csv_num(g->mem_bw_Bps);
            csv_num(g->mem_bytes);
            csv_num(g->tdp_w);
            csv_str(g->link, 0);
            csv_str(g->source, 1);
        }
        return DT_EXIT_OK;
    }
    struct table t = {.ncol = 7 + CATALOG_NPREC};
    static const char *const head[] = {"name", "arch", "form", "mem_bw", "mem_size", "tdp", "link"};
    for (int i = 0; i < 3; i++) tab_add(&t, "%s", head[i]);
    for (int p = 0; p < CATALOG_NPREC; p++) tab_add(&t, "%s", catalog_prec_name(p));
    for (int i = 3; i < 7; i++) tab_add(&t, "%s", head[i]);
    for (int i = 0; i < 3; i++) tab_add(&t, "%s", "");
    for (int p = 0; p < CATALOG_NPREC; p++) tab_add(&t, "%s", p == CATALOG_INT8 ? "TOP/s" : "TFLOP/s");
    tab_add(&t, "GB/s");
    tab_add(&t, "GiB");
    tab_add(&t, "W");
    tab_add(&t, "%s", "");
    for (size_t i = 3; i < 6 + CATALOG_NPREC; i++) t.right[i] = 1;
    const char *names[c->ngpus + 1], *src[c->ngpus + 1];
    for (size_t i = 0; i < c->ngpus; i++) {
        const struct catalog_gpu *g = &c->gpus[i];
        tab_add(&t, "%s", g->name);
        tab_add(&t, "%s", g->arch[0] ? g->arch : "-");
        tab_add(&t, "%s", g->form[0] ? g->form : "-");
        for (int p = 0; p < CATALOG_NPREC; p++) tab_num(&t, g->peak_flops[p], 1e12, 4);
        tab_num(&t, g->mem_bw_Bps, 1e9, 4);
        tab_num(&t, g->mem_bytes, 1024.0 * 1024 * 1024, 4);
        tab_num(&t, g->tdp_w, 1, 4);
        tab_add(&t, "%s", g->link[0] ? g->link : "-");
        names[i] = g->name;
        src[i] = g->source;
    }
    return tab_finish(&t, names, src, c->ngpus);
}

static int list_links(const struct catalog *c, int csv)
{
    if (csv) {
        printf("name,kind,lanes,links,signal_Bps,encoding,bw_Bps,lat_s,source\n");
        for (size_t i = 0; i < c->nlinks; i++) {
            const struct catalog_link *l = &c->links[i];
            csv_str(l->name, 0);
            csv_str(catalog_link_kind_name(l->kind), 0);
            csv_num(l->lanes);
            csv_num(l->links);
            csv_num(l->signal_Bps);
            csv_str(l->encoding, 0);
            csv_num(l->bw_Bps);
            printf("%.15g,", l->lat_s);
            csv_str(l->source, 1);
        }
        return DT_EXIT_OK;
    }
    struct table t = {.ncol = 9};
    static const char *const head[] = {"name", "kind", "lanes", "links", "signalling", "encoding",
                                       "data_rate", "data_rate", "latency",
                                       "", "", "", "", "Gb/s", "", "Gb/s", "GB/s", "us"};
    for (int i = 0; i < 18; i++) tab_add(&t, "%s", head[i]);
    t.right[2] = t.right[3] = t.right[4] = t.right[6] = t.right[7] = t.right[8] = 1;
    const char *names[c->nlinks + 1], *src[c->nlinks + 1];
    for (size_t i = 0; i < c->nlinks; i++) {
        const struct catalog_link *l = &c->links[i];
        tab_add(&t, "%s", l->name);
        tab_add(&t, "%s", catalog_link_kind_name(l->kind));
        tab_num(&t, l->lanes, 1, 4);
        tab_num(&t, l->links, 1, 4);
        tab_num(&t, l->signal_Bps * 8, 1e9, 7);
        tab_add(&t, "%s", l->encoding);
        tab_num(&t, l->bw_Bps * 8, 1e9, 6);
        tab_num(&t, l->bw_Bps, 1e9, 4);
        tab_add(&t, "%.4g", l->lat_s / 1e-6);
        names[i] = l->name;
        src[i] = l->source;
    }
    return tab_finish(&t, names, src, c->nlinks);
}

static int list_storage(const struct catalog *c, int csv)
{
    if (csv) {
        printf("name,kind,files_per_s,bw_Bps,cluster_files_per_s,cluster_bw_Bps,req_lat_s,source\n");
        for (size_t i = 0; i < c->nstorage; i++) {
            const struct catalog_storage *s = &c->storage[i];
            csv_str(s->name, 0);
            csv_str(catalog_storage_kind_name(s->kind), 0);
            csv_num(s->files_per_s);
            csv_num(s->bw_Bps);
            csv_num(s->cluster_files_per_s);
            csv_num(s->cluster_bw_Bps);
            printf("%.15g,", s->req_lat_s);
            csv_str(s->source, 1);
        }
        return DT_EXIT_OK;
    }
    struct table t = {.ncol = 7};
    static const char *const head[] = {"name", "kind", "files_per_s", "bw", "cluster_files_per_s", "cluster_bw",
                                       "request_lat", "", "", "files/s", "MB/s", "files/s", "GB/s", "ms"};
    for (int i = 0; i < 14; i++) tab_add(&t, "%s", head[i]);
    for (int i = 2; i < 7; i++) t.right[i] = 1;
    const char *names[c->nstorage + 1], *src[c->nstorage + 1];
    for (size_t i = 0; i < c->nstorage; i++) {
        const struct catalog_storage *s = &c->storage[i];
        tab_add(&t, "%s", s->name);
        tab_add(&t, "%s", catalog_storage_kind_name(s->kind));
        tab_num(&t, s->files_per_s, 1, 7);
        tab_num(&t, s->bw_Bps, 1e6, 6);
        tab_num(&t, s->cluster_files_per_s, 1, 7);
        tab_num(&t, s->cluster_bw_Bps, 1e9, 6);
        tab_add(&t, "%.4g", s->req_lat_s / 1e-3);
        names[i] = s->name;
        src[i] = s->source;
    }
    return tab_finish(&t, names, src, c->nstorage);
}

static int list_cpus(const struct catalog *c, int csv)
{
    if (csv) {
        printf("name,cores,clock_hz,jpeg_per_s_per_core,source\n");
        for (size_t i = 0; i < c->ncpus; i++) {
            const struct catalog_cpu *p = &c->cpus[i];
            csv_str(p->name, 0);
            csv_num(p->cores);
            csv_num(p->clock_hz);
            csv_num(p->jpeg_per_s_per_core);
            csv_str(p->source, 1);
        }
        return DT_EXIT_OK;
    }
    struct table t = {.ncol = 4};
    static const char *const head[] = {"name", "cores", "clock", "jpeg_per_core", "", "", "GHz", "images/s"};
    for (int i = 0; i < 8; i++) tab_add(&t, "%s", head[i]);
    t.right[1] = t.right[2] = t.right[3] = 1;
    const char *names[c->ncpus + 1], *src[c->ncpus + 1];
    for (size_t i = 0; i < c->ncpus; i++) {
        const struct catalog_cpu *p = &c->cpus[i];
        tab_add(&t, "%s", p->name);
        tab_num(&t, p->cores, 1, 6);
        tab_num(&t, p->clock_hz, 1e9, 4);
        tab_num(&t, p->jpeg_per_s_per_core, 1, 6);
        names[i] = p->name;
        src[i] = p->source;
    }
    return tab_finish(&t, names, src, c->ncpus);
}

static int list_compute(const struct catalog *c, int csv)
{
    if (csv) {
        printf("arch,eff_fp32,eff_fp16,ramp_s,mem_eff,bwd_eff,launch_s,fitted,from,source\n");
        for (size_t i = 0; i < c->ncompute; i++) {
            const struct catalog_compute *p = &c->compute[i];
            csv_str(p->name, 0);
            csv_num(p->eff_max[0]);
            csv_num(p->eff_max[1]);
            csv_num(p->ramp_s);
            csv_num(p->mem_eff);
            csv_num(p->bwd_eff);
            csv_num(p->launch_s);
            csv_str(p->fitted, 0);
            csv_str(p->from, 0);
            csv_str(p->source, 1);
        }
        return DT_EXIT_OK;
    }
    struct table t = {.ncol = 8};
    static const char *const head[] = {"arch", "eff_fp32", "eff_fp16", "ramp", "mem_eff", "bwd_eff", "launch", "from",
                                       "", "", "", "us", "", "", "us", ""};
    for (int i = 0; i < 16; i++) tab_add(&t, "%s", head[i]);
    for (int k = 1; k < 7; k++) t.right[k] = 1;
    const char *names[c->ncompute + 1], *src[c->ncompute + 1];
    for (size_t i = 0; i < c->ncompute; i++) {
        const struct catalog_compute *p = &c->compute[i];
        tab_add(&t, "%s", p->name);
        tab_num(&t, p->eff_max[0], 1, 4);
        tab_num(&t, p->eff_max[1], 1, 4);
        tab_num(&t, p->ramp_s, 1e-6, 4);
        tab_num(&t, p->mem_eff, 1, 4);
        tab_num(&t, p->bwd_eff, 1, 4);
        tab_num(&t, p->launch_s, 1e-6, 4);
        tab_add(&t, "%s", p->from);
        names[i] = p->name;
        src[i] = p->source;
    }
    return tab_finish(&t, names, src, c->ncompute);
}

static int list_prices(const struct catalog *c, int csv)
{
    if (csv) {
        printf("name,gpu_hour,node_hour,nic_hour,source\n");
        for (size_t i = 0; i < c->nprices; i++) {
            const struct catalog_price *p = &c->prices[i];
            csv_str(p->name, 0);
            csv_num(p->gpu_hour);
            csv_num(p->node_hour);
            csv_num(p->nic_hour);
            csv_str(p->source, 1);
        }
        return DT_EXIT_OK;
    }
    struct table t = {.ncol = 4};
    static const char *const head[] = {"name", "gpu_hour", "node_hour", "nic_hour", "", "USD", "USD", "USD"};
    for (int i = 0; i < 8; i++) tab_add(&t, "%s", head[i]);
    t.right[1] = t.right[2] = t.right[3] = 1;
    const char *names[c->nprices + 1], *src[c->nprices + 1];
    for (size_t i = 0; i < c->nprices; i++) {
        const struct catalog_price *p = &c->prices[i];
        tab_add(&t, "%s", p->name);
        tab_num(&t, p->gpu_hour, 1, 4);
        tab_num(&t, p->node_hour, 1, 4);
        tab_num(&t, p->nic_hour, 1, 4);
        names[i] = p->name;
        src[i] = p->source;
    }
    return tab_finish(&t, names, src, c->nprices);
}

static int list_stacks(const struct catalog *c, int csv)
{
    char eff[512];
    if (csv) {
        printf("name,framework,version,year,dispatch_fwd_s,dispatch_bwd_s,dispatch_opt_s,step_host_s,queue,sync,"
               "optimizer,overlap,tf32,decode_per_core,kernel_eff,fitted,source\n");
        for (size_t i = 0; i < c->nstacks; i++) {
            const struct stack *s = &c->stacks[i];
            csv_str(s->name, 0);
            csv_str(s->framework, 0);
            csv_str(s->version, 0);
            printf("%d,%.9g,%.9g,%.9g,%.9g,%d,%s,%s,%s,%s,", s->year, s->dispatch_s[STACK_FWD],
                   s->dispatch_s[STACK_BWD], s->dispatch_s[STACK_OPT], s->step_host_s, s->queue, stack_sync_name(s->sync),
                   stack_optimizer_name(s->optimizer), s->overlap ? "yes" : "no", s->tf32 ? "yes" : "no");
            csv_num(s->decode_per_core);
            stack_format_eff(eff, sizeof eff, s->eff, s->neff);
            csv_str(eff, 0);
            csv_str(s->fitted, 0);
            csv_str(s->source, 1);
        }
        return DT_EXIT_OK;
    }
    struct table t = {.ncol = 11};
    static const char *const head[] = {"name", "framework", "year", "dispatch", "step_host", "queue", "sync", "optimizer",
                                       "overlap", "kernel_eff", "fitted", "", "", "", "us f/b/o", "ms", "", "", "", "",
                                       "matrix/other", ""};
    for (int i = 0; i < 22; i++) tab_add(&t, "%s", head[i]);
    t.right[2] = t.right[3] = t.right[4] = t.right[5] = 1;
    const char *names[c->nstacks + 1], *src[c->nstacks + 1];
    for (size_t i = 0; i < c->nstacks; i++) {
        const struct stack *s = &c->stacks[i];
        tab_add(&t, "%s", s->name);
        tab_add(&t, "%s %s", s->framework, s->version);
        tab_add(&t, "%d", s->year);
        tab_add(&t, "%.3g/%.3g/%.3g", s->dispatch_s[STACK_FWD] * 1e6, s->dispatch_s[STACK_BWD] * 1e6,
                s->dispatch_s[STACK_OPT] * 1e6);
        tab_add(&t, "%.3g", s->step_host_s * 1e3);
        tab_add(&t, "%d", s->queue);
        tab_add(&t, "%s", stack_sync_name(s->sync));
        tab_add(&t, "%s", stack_optimizer_name(s->optimizer));
        tab_add(&t, "%s", s->overlap ? "yes" : "no");
        stack_format_eff(eff, sizeof eff, s->eff, s->neff);
        tab_add(&t, "%s", eff);
        tab_add(&t, "%s", s->fitted[0] ? s->fitted : "-");
        names[i] = s->name;
        src[i] = s->source;
    }
    return tab_finish(&t, names, src, c->nstacks);
}

static int list_commlibs(const struct catalog *c, int csv)
{
    if (csv) {
        printf("name,library,version,year,transport,on,call_s,step_intra_s,step_inter_s,small_bytes,"
               "small_step_intra_s,small_step_inter_s,bw_share,small_bw_share,chunk_bytes,chunk_lat_s,source\n");
        for (size_t i = 0; i < c->ncommlibs; i++) {
            const struct commlib *l = &c->commlibs[i];
            csv_str(l->name, 0);
            csv_str(l->library, 0);
            csv_str(l->version, 0);
            printf("%d,", l->year);
            csv_str(l->transport, 0);
            csv_str(l->on, 0);
            const double v[] = {l->call_s, l->step_intra_s, l->step_inter_s, l->small_bytes, l->small_step_intra_s,
                                l->small_step_inter_s, l->bw_share, l->small_bw_share, l->chunk_bytes, l->chunk_lat_s};
            for (size_t k = 0; k < sizeof v / sizeof *v; k++) printf("%.15g,", v[k]);
            csv_str(l->source, 1);
        }
        return DT_EXIT_OK;
    }
    struct table t = {.ncol = 15};
    static const char *const head[] = {"name", "library", "version", "year", "on", "call", "step_intra",
                                       "step_inter", "small", "small_intra", "small_inter", "bw_share",
                                       "small_share", "chunk", "chunk_lat",
                                       "", "", "", "", "", "us", "us", "us", "KiB", "us", "us", "", "", "MiB", "us"};
    for (int i = 0; i < 30; i++) tab_add(&t, "%s", head[i]);
    for (int k = 3; k < 15; k++) t.right[k] = k != 4;
    const char *names[c->ncommlibs + 1], *src[c->ncommlibs + 1];
    for (size_t i = 0; i < c->ncommlibs; i++) {
        const struct commlib *l = &c->commlibs[i];
        tab_add(&t, "%s", l->name);
        tab_add(&t, "%s", l->library);
        tab_add(&t, "%s", l->version);
        tab_add(&t, "%d", l->year);
        tab_add(&t, "%s", l->on[0] ? l->on : "-");
        tab_num(&t, l->call_s, 1e-6, 4);
        tab_num(&t, l->step_intra_s, 1e-6, 4);
        tab_num(&t, l->step_inter_s, 1e-6, 4);
        tab_num(&t, l->small_bytes, 1024, 4);
        tab_num(&t, l->small_bytes > 0 ? l->small_step_intra_s : 0, 1e-6, 4);
        tab_num(&t, l->small_bytes > 0 ? l->small_step_inter_s : 0, 1e-6, 4);
        tab_num(&t, l->bw_share, 1, 4);
        tab_num(&t, l->small_bytes > 0 ? l->small_bw_share : 0, 1, 4);
        tab_num(&t, l->chunk_bytes, 1024.0 * 1024, 4);
        tab_num(&t, l->chunk_lat_s, 1e-6, 4);
        names[i] = l->name;
        src[i] = l->source;
    }
    return tab_finish(&t, names, src, c->ncommlibs);
}

static const struct {
    const char *name;
    int (*list)(const struct catalog *, int csv);
} tables[] = {{"gpus", list_gpus}, {"links", list_links}, {"storage", list_storage}, {"cpus", list_cpus},
               {"compute", list_compute}, {"stacks", list_stacks}, {"prices", list_prices},
               {"commlibs", list_commlibs}};
#define NTABLES (sizeof tables / sizeof tables[0])

static void help(void)
{
    printf("usage: dtsim catalog [gpus|links|storage|cpus|compute|stacks|prices|commlibs] [--csv] [--catalog DIR]\n\n"
           "List the hardware catalog: GPUs, links, storage classes, host CPUs, the\n"
           "compute model fitted per GPU architecture and the training stacks (host dispatch,\n"
           "fixed host time, launch queue, kernel speed per architecture; dtsim calibrate-compute),\n"
           "the prices per GPU-, node- and NIC-hour that dtsim sweep and dtsim plan cost runs with,\n"
           "and the collective libraries' software costs per call and per step (models/commlib.h).\n"
           "Rows live in configs/catalog/*.ini (docs/catalog.md); add a row to add hardware.\n\n"
           "  TABLE           one table (default: all, in aligned text)\n"
           "  --csv           one table as CSV in SI base units (flop/s, bytes/s, bytes, s)\n"
           "  --catalog DIR   read the catalog from DIR (default: $DTSIM_CATALOG, else\n"
           "                  configs/catalog of the repository holding this dtsim)\n");
}

static int cmd_catalog(int argc, char **argv)
{
    const char *table = NULL, *dir = NULL;
    int csv = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cmd_is_help(a)) {
            help();
            return DT_EXIT_OK;
        } else if (strcmp(a, "--csv") == 0) {
            csv = 1;
        } else if (strcmp(a, "--catalog") == 0) {
            if (++i == argc) return cmd_fail("--catalog needs a directory");
            dir = argv[i];
        } else if (strncmp(a, "--catalog=", 10) == 0) {
            dir = a + 10;
        } else if (a[0] == '-') {
            static const char *const opts[] = {"--csv", "--catalog", "--help"};
            const char *near = strsim_nearest(a, opts, 3);
            if (near) return cmd_fail("unknown option '%s' (did you mean '%s'?)", a, near);
            return cmd_fail("unknown option '%s' (see 'dtsim catalog --help')", a);
        } else if (table) {
            return cmd_fail("one table at a time: '%s' and '%s'", table, a);
        } else {
            table = a;
        }
    }
    const char *names[NTABLES];
    size_t which = NTABLES;
    for (size_t i = 0; i < NTABLES; i++) {
        names[i] = tables[i].name;
        if (table && strcmp(table, tables[i].name) == 0) which = i;
    }
    if (table && which == NTABLES) {
        const char *near = strsim_nearest(table, names, NTABLES);
        char list[128];
        if (near) return cmd_fail("unknown catalog table '%s' (did you mean '%s'?)", table, near);
        return cmd_fail("unknown catalog table '%s' (known: %s)", table, strsim_join(list, sizeof list, names, NTABLES));
    }
    if (csv && !table) return cmd_fail("--csv lists one table: gpus, links, storage, cpus, compute, stacks, prices or commlibs");

    struct catalog *c;
    dt_err e = {0};
    if (catalog_load(&c, dir, &e)) return cmd_fail("%s", e.msg);
    int rc = DT_EXIT_OK;
    for (size_t i = 0; i < NTABLES && rc == DT_EXIT_OK; i++) {
        if (table && i != which) continue;
        if (!table) printf("%s== %s\n", i ? "\n" : "", tables[i].name);
        rc = tables[i].list(c, csv);
    }
    catalog_free(c);
    return rc;
}

const struct dtsim_cmd dtsim_cmd_catalog = {"catalog", "list the hardware catalog (GPUs, links, storage, CPUs)",
                                            cmd_catalog};
