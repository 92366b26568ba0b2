/* libFuzzer target for the config language, in two passes per input:
 *
 *  1. bytes -> config_load_bytes (includes refused) -> config_check against
 *     the experiment schema -> experiment_from_config; units_parse of every
 *     kind and config_set on the first line;
 *  2. the same bytes cut at lines "%%%" into main.ini, a.ini and sub/b.ini
 *     in a private directory ($TMPDIR/dtsim-fuzz-XXXXXX), then config_load of
 *     main.ini with its includes (relative paths, cycles, depth, missing
 *     files and their near names, non-regular files such as /dev/zero), and
 *     experiment_from_config with catalog lookups: every gpu, link, storage,
 *     cpu, stack and commlib name goes through catalog_resolve (the
 *     catalog of $DTSIM_CATALOG, else configs/catalog), models through
 *     dnn_find and algorithms through coll_find, as dtsim resolves them;
 *     the first line is also looked up as every kind of catalog row.
 *
 *   make fuzz FUZZ_SECONDS=60      (clang, -fsanitize=fuzzer,address,undefined)
 *
 * Any crash, sanitizer report or leak is a bug; errors are expected. */
#include "catalog.h"
#include "coll.h"
#include "config.h"
#include "dnn.h"
#include "experiment.h"
#include "units.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct catalog *cat;
static char dir[512];
static const char *const names[3] = {"main.ini", "a.ini", "sub/b.ini"};

/* At exit: the private directory goes. */
static void remove_dir(void)
{
    char p[600];
    for (int f = 0; f < 3; f++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[f]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/sub", dir);
    rmdir(p);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    dt_err e = {0, ""};
    const char *cd = getenv("DTSIM_CATALOG");
    if (catalog_load(&cat, cd && *cd ? cd : "configs/catalog", &e)) {
        fprintf(stderr, "fuzz_config: cannot load the catalog: %s\n", e.msg);
        exit(1);
    }
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/dtsim-fuzz-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_config: mkdtemp");
        exit(1);
    }
    char p[600];
    snprintf(p, sizeof p, "%s/sub", dir);
    mkdir(p, 0700);
    atexit(remove_dir);
    return 0;
}

static int resolve(void *ctx, const char *kind, const char *name, const struct config_entry *where, dt_err *e)
{
    dt_err le;
    if (strcmp(kind, "model") == 0) return dnn_find(name, &le) ? 0 : config_errf(e, DT_ENOENT, where, "%s", le.msg);
    if (strcmp(kind, "algorithm") == 0)
        return coll_find(name, &le) ? 0 : config_errf(e, DT_ENOENT, where, "%s", le.msg);
    if (strcmp(kind, "gpu") && strcmp(kind, "link") && strcmp(kind, "storage") && strcmp(kind, "cpu") &&
        strcmp(kind, "stack") && strcmp(kind, "commlib"))
        return 0;
    return catalog_resolve(ctx, kind, name, where, e);
}

/* Check and use c; experiment_from_config takes it (frees it). */
static void use_config(config *c, const char *line, experiment_resolve_fn rf)
{
    dt_err e = {0, ""};
    config_set(c, line, &e);
    size_t n;
    const struct config_key *schema = experiment_schema(&n);
    config_check(c, schema, n, NULL, &e);
    for (size_t i = 0; i < config_count(c); i++) {
        const struct config_entry *en = config_at(c, i);
        if (!en || !en->section || !en->key || !en->value || !en->file) abort();
        double v;
        config_entry_units(en, UNITS_BANDWIDTH, 0, 0, &v, &e);
        long long ll;
        config_entry_int(en, -1000, 1000, &ll, &e);
    }
    struct experiment x;
    if (experiment_from_config(&x, c, rf, rf ? cat : NULL, &e) == 0) {
        experiment_batch_at(&x, 1.5);
        experiment_free(&x);
    }
}

/* Write [b, b+n) to dir/name; n == SIZE_MAX: remove the file. */
static void put(const char *name, const uint8_t *b, size_t n)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (n == SIZE_MAX) {
        unlink(p);
        return;
    }
    FILE *f = fopen(p, "wb");
    if (!f) abort();
    if (n && fwrite(b, 1, n, f) != n) abort();
    if (fclose(f)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dt_err e = {0, ""};

    /* First line as a unit value, a --set assignment and a catalog name. */
    size_t l = 0;
    while (l < size && l < 256 && data[l] != '\n' && data[l] != '\0') l++;
    char line[257];
    memcpy(line, data, l);
    line[l] = '\0';
    for (int k = UNITS_BANDWIDTH; k <= UNITS_NUMBER; k++) {
        double v;
        if (units_parse(line, (enum units_kind)k, &v, &e) == 0) {
            char buf[64];
            units_format(buf, sizeof buf, v, (enum units_kind)k);
        }
    }
    catalog_gpu(cat, line, &e);
    catalog_link(cat, line, &e);
    catalog_storage(cat, line, &e);
    catalog_cpu(cat, line, &e);
    catalog_commlib(cat, line, &e);
    catalog_compute(cat, line, &e);
    catalog_stack(cat, line, &e);
    catalog_price(cat, line);

    /* 1. in memory, no includes */
    config *c = NULL;
    if (config_load_bytes(&c, "fuzz.ini", (const char *)data, size, CONFIG_NOINCLUDE, &e) < 0) {
        if (c) abort(); /* must be NULL on error */
    } else {
        use_config(c, line, NULL); /* takes c */
    }

    /* 2. as files with includes, names resolved in the catalog */
    const uint8_t *p = data, *end = data + size;
    for (int f = 0; f < 3; f++) {
        if (p > end) {
            put(names[f], NULL, SIZE_MAX);
            continue;
        }
        const uint8_t *cut = NULL;
        for (const uint8_t *q = p; f < 2 && q + 4 <= end; q++)
            if (memcmp(q, "%%%\n", 4) == 0 && (q == data || q[-1] == '\n')) {
                cut = q;
                break;
            }
        put(names[f], p, (size_t)((cut ? cut : end) - p));
        p = cut ? cut + 4 : end + 1;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/main.ini", dir);
    c = NULL;
    if (config_load(&c, path, &e) < 0) {
        if (c) abort();
        return 0;
    }
    use_config(c, line, resolve);
    return 0;
}
