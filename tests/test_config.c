/* config.h: loading, includes, --set, limits, schema checks, getters. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static config *load(const char *text)
{
    config *c = NULL;
    dt_err e = {0, ""};
    int rc = config_load_string(&c, "t.ini", text, &e);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) fprintf(stderr, "\nload: %s\n", e.msg);
    return c;
}

/* Load must fail with a message containing `want`. */
static void load_fails(const char *text, size_t len, const char *want)
{
    config *c = (config *)1;
    dt_err e = {0, ""};
    CU_ASSERT(config_load_bytes(&c, "t.ini", text, len, 0, &e) < 0);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, want));
    if (!strstr(e.msg, want)) fprintf(stderr, "\ngot '%s', want '%s'\n", e.msg, want);
}

static void test_entries(void)
{
    config *c = load("; comment\n# comment\n[cluster]\ngpu = V100 ; inline\nnodes=2\n"
                     "[gpu   V100-SXM2-16GB  ]\nfp16 = 125TFLOPS\n[cluster]\nnodes = 4\n");
    if (!c) return;
    CU_ASSERT_EQUAL(config_count(c), 4);
    const struct config_entry *en = config_at(c, 0);
    CU_ASSERT_STRING_EQUAL(en->section, "cluster");
    CU_ASSERT_STRING_EQUAL(en->key, "gpu");
    CU_ASSERT_STRING_EQUAL(en->value, "V100");
    CU_ASSERT_STRING_EQUAL(en->file, "t.ini");
    CU_ASSERT_EQUAL(en->line, 4);
    en = config_find(c, "cluster", "nodes"); /* last wins */
    CU_ASSERT_STRING_EQUAL(en->value, "4");
    CU_ASSERT_EQUAL(en->line, 9);
    en = config_find(c, "gpu V100-SXM2-16GB", "fp16"); /* name normalised */
    CU_ASSERT_PTR_NOT_NULL(en);
    CU_ASSERT_PTR_NULL(config_find(c, "cluster", "nic"));
    CU_ASSERT_EQUAL(config_nsections(c), 2);
    char t[32];
    CU_ASSERT_STRING_EQUAL(config_section_type(t, sizeof t, "gpu V100-SXM2-16GB"), "gpu");
    CU_ASSERT_STRING_EQUAL(config_section_name("gpu V100-SXM2-16GB"), "V100-SXM2-16GB");
    CU_ASSERT_STRING_EQUAL(config_section_name("cluster"), "");
    config_free(c);
}

static void test_inih_quirks(void)
{
    /* A section name past inih's 50-byte limit is kept whole. */
    const char *longsec = "[gpu A-very-long-accelerator-name-that-goes-past-fifty-bytes]\nx = 1\n";
    config *c = load(longsec);
    if (c) {
        CU_ASSERT_STRING_EQUAL(config_at(c, 0)->section, "gpu A-very-long-accelerator-name-that-goes-past-fifty-bytes");
        config_free(c);
    }
    /* Indented lines are keys, not continuations; CRLF and a BOM are fine. */
    c = load("\xef\xbb\xbf[a]\r\nk = 1\r\n   j = 2\r\n");
    if (c) {
        CU_ASSERT_EQUAL(config_count(c), 2);
        CU_ASSERT_STRING_EQUAL(config_find(c, "a", "k")->value, "1");
        CU_ASSERT_STRING_EQUAL(config_find(c, "a", "j")->value, "2");
        CU_ASSERT_STRING_EQUAL(config_at(c, 0)->section, "a");
        config_free(c);
    }
}

static void test_limits(void)
{
    load_fails("", 0, "t.ini:1: empty config");
    load_fails("; only a comment\n\n", 18, "t.ini:1: empty config");
    load_fails("[a]\nk = v\0w\n", 11, "t.ini:2: binary data (byte 0x00 in column 6)");
    char bin[256];
    for (int i = 0; i < 256; i++) bin[i] = (char)i;
    load_fails(bin, sizeof bin, "t.ini:1: binary data (byte 0x00");
    load_fails("[a]\nk = \xff\n", 9, "not UTF-8");
    load_fails("[a]\nk v\n", 8, "t.ini:2: syntax error");
    load_fails("[a\nk = v\n", 9, "t.ini:1: syntax error");
    load_fails("[]\nk = v\n", 8, "t.ini:1: empty section name");
    load_fails("[a]\n= v\n", 7, "t.ini:2: missing key");

    /* A 10 MB line, in memory: refused with its line number, not split. */
    size_t n = 10u << 20;
    char *big = malloc(n + 32);
    if (!big) return;
    memcpy(big, "[a]\nk = ", 8);
    memset(big + 8, 'a', n);
    memcpy(big + 8 + n, "\nj = 1\n", 8);
    load_fails(big, 8 + n + 7, "t.ini:2: line too long (10485764 bytes; at most 198 per line)");
    /* The longest accepted line: 198 bytes. */
    memcpy(big, "[a]\nk = ", 8);
    memset(big + 8, 'b', 194);
    memcpy(big + 202, "\n", 2);
    config *c = NULL;
    dt_err e = {0, ""};
    CU_ASSERT_EQUAL(config_load_bytes(&c, "t.ini", big, 203, 0, &e), 0);
    if (c) CU_ASSERT_EQUAL(strlen(config_at(c, 0)->value), 194);
    config_free(c);
    big[202] = 'b';
    big[203] = '\n';
    load_fails(big, 204, "t.ini:2: line too long (199 bytes");
    free(big);
}

/* Write `text` to dir/name. */
static void put(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void test_includes(void)
{
    char dir[] = "/tmp/dtsim-config-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    put(dir, "base.ini", "[cluster]\nnodes = 2\ngpu = P100\n");
    put(dir, "exp.ini", "include = base.ini\n[cluster]\nnodes = 8\n");
    put(dir, "a.ini", "include = b.ini\n");
    put(dir, "b.ini", "[x]\nk = 1\ninclude = a.ini\n");
    put(dir, "miss.ini", "[x]\nk = 1\ninclude = nope.ini\n");
    /* d0.ini includes d1.ini ... d17.ini: too deep */
    for (int i = 0; i <= 17; i++) {
        char name[32], text[64];
        snprintf(name, sizeof name, "d%d.ini", i);
        snprintf(text, sizeof text, "[x]\nk%d = 1\ninclude = d%d.ini\n", i, i + 1);
        put(dir, name, i < 17 ? text : "[x]\nlast = 1\n");
    }
    char p[600];
    config *c = NULL;
    dt_err e = {0, ""};
    snprintf(p, sizeof p, "%s/exp.ini", dir);
    CU_ASSERT_EQUAL(config_load(&c, p, &e), 0);
    if (c) {
        const struct config_entry *en = config_find(c, "cluster", "nodes");
        CU_ASSERT_STRING_EQUAL(en->value, "8");
        CU_ASSERT_STRING_EQUAL(en->file, p);
        en = config_find(c, "cluster", "gpu");
        CU_ASSERT_STRING_EQUAL(en->value, "P100");
        CU_ASSERT_EQUAL(en->line, 3);
        CU_ASSERT_PTR_NOT_NULL(strstr(en->file, "/base.ini"));
        /* --set comes last and wins */
        CU_ASSERT_EQUAL(config_set(c, "cluster.nodes = 16", &e), 0);
        en = config_find(c, "cluster", "nodes");
        CU_ASSERT_STRING_EQUAL(en->value, "16");
        CU_ASSERT_STRING_EQUAL(en->file, "--set");
        CU_ASSERT_EQUAL(en->line, 1);
        /* a one-word section type ends at the first '.': keys may hold dots */
        CU_ASSERT_EQUAL(config_set(c, "uncertain.cluster.nodes = 8 | 16", &e), 0);
        en = config_find(c, "uncertain", "cluster.nodes");
        CU_ASSERT_PTR_NOT_NULL(en);
        if (en) CU_ASSERT_STRING_EQUAL(en->value, "8 | 16");
        /* a named section ("TYPE NAME", the name may hold dots) ends at the last '.' */
        CU_ASSERT_EQUAL(config_set(c, "gpu V100.x.fp16=1TFLOPS", &e), 0);
        en = config_find(c, "gpu V100.x", "fp16");
        CU_ASSERT_PTR_NOT_NULL(en);
        CU_ASSERT(config_set(c, "nodes=16", &e) < 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "expected section.key=value"));
        CU_ASSERT(config_set(c, "cluster.nodes", &e) < 0);
        config_free(c);
    }
    snprintf(p, sizeof p, "%s/a.ini", dir);
    CU_ASSERT(config_load(&c, p, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "b.ini:3: include: cycle: "));
    snprintf(p, sizeof p, "%s/miss.ini", dir);
    CU_ASSERT(config_load(&c, p, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "miss.ini:3: include: cannot open"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "nope.ini"));
    snprintf(p, sizeof p, "%s/d0.ini", dir);
    CU_ASSERT(config_load(&c, p, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "d15.ini:3: include: includes nested deeper than 16"));
    snprintf(p, sizeof p, "%s/d2.ini", dir); /* 16 files deep: fine */
    CU_ASSERT_EQUAL(config_load(&c, p, &e), 0);
    config_free(c);
    CU_ASSERT(config_load_bytes(&c, "t.ini", "include = a.ini\n", 16, CONFIG_NOINCLUDE, &e) < 0);
    /* a directory is not a config */
    CU_ASSERT(config_load(&c, dir, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a regular file"));

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static const struct config_key schema[] = {
    {"cluster", "gpu", CONFIG_STRING, 0, 0, NULL, NULL, "gpu"},
    {"cluster", "nodes", CONFIG_INT, 1, 1024, NULL, "1", "nodes"},
    {"cluster", "gpus_per_node", CONFIG_INT, 1, 64, NULL, "1", "gpus"},
    {"cluster", "nic_bw", CONFIG_BANDWIDTH, 1e3, 1e13, NULL, "catalog", "nic"},
    {"cluster", "topology", CONFIG_ENUM, 0, 0, "single-switch|fat-tree", "single-switch", "topo"},
    {"cluster", "pipe", CONFIG_BOOL, 0, 0, NULL, "true", "pipe"},
    {"gpu", "fp16", CONFIG_FLOPS, 0, 0, NULL, NULL, "rate"},
};
#define NS (sizeof schema / sizeof schema[0])

static void check_fails(const char *text, const char *want)
{
    config *c = load(text);
    if (!c) return;
    dt_err e = {0, ""};
    CU_ASSERT(config_check(c, schema, NS, NULL, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, want));
    if (!strstr(e.msg, want)) fprintf(stderr, "\ngot '%s', want '%s'\n", e.msg, want);
    config_free(c);
}

static void test_check(void)
{
    config *c = load("[cluster]\ngpu = V100\nnodes = 1Ki\nnic_bw = 100Gbps\ntopology = fat-tree\npipe = off\n"
                     "[gpu V100]\nfp16 = 125TFLOPS\n[later]\nk = 1\n");
    dt_err e = {0, ""};
    const char *ign[] = {"later", NULL};
    CU_ASSERT_EQUAL(config_check(c, schema, NS, ign, &e), 0);
    long long n;
    CU_ASSERT_EQUAL(config_get_int(c, "cluster", "nodes", NULL, 1, 2048, &n, &e), 0);
    CU_ASSERT_EQUAL(n, 1024);
    CU_ASSERT_EQUAL(config_get_int(c, "cluster", "gpus_per_node", "4", 1, 64, &n, &e), 0);
    CU_ASSERT_EQUAL(n, 4);
    double v;
    CU_ASSERT_EQUAL(config_get_units(c, "cluster", "nic_bw", UNITS_BANDWIDTH, NULL, 0, 0, &v, &e), 0);
    CU_ASSERT_EQUAL(v, 12.5e9);
    CU_ASSERT_EQUAL(config_get_units(c, "gpu V100", "fp16", UNITS_FLOPS, NULL, 0, 0, &v, &e), 0);
    CU_ASSERT_EQUAL(v, 125e12);
    int b = 1;
    CU_ASSERT_EQUAL(config_get_bool(c, "cluster", "pipe", "true", &b, &e), 0);
    CU_ASSERT_EQUAL(b, 0);
    const char *s;
    CU_ASSERT_EQUAL(config_get_str(c, "cluster", "gpu", NULL, &s, &e), 0);
    CU_ASSERT_STRING_EQUAL(s, "V100");
    CU_ASSERT(config_get_str(c, "cluster", "nic", NULL, &s, &e) < 0);
    CU_ASSERT_STRING_EQUAL(e.msg, "t.ini: [cluster] nic: missing required key (add 'nic = ...' under [cluster])");
    CU_ASSERT(config_get_int(c, "cluster", "nodes", NULL, 1, 512, &n, &e) < 0);
    CU_ASSERT_STRING_EQUAL(e.msg, "t.ini:3: [cluster] nodes: 1Ki is out of range (1 to 512)");
    config_free(c);

    check_fails("[cluster]\ngpus_per_nod = 4\n",
                "t.ini:2: [cluster] gpus_per_nod: unknown key 'gpus_per_nod' in [cluster] (did you mean 'gpus_per_node'?)");
    check_fails("[cluster]\nzzzzzzzz = 4\n", "unknown key 'zzzzzzzz' in [cluster]; valid keys: gpu, nodes, gpus_per_node");
    check_fails("[cluster]\nnodes = 2\n[clutser]\nnodes = 4\n", "t.ini:3: unknown section [clutser] (did you mean [cluster]?)");
    check_fails("[cluster]\nnodes = 2\n[zzz]\n", "t.ini:3: unknown section [zzz]");
    check_fails("nodes = 2\n", "t.ini:1: nodes: key outside any section (put it under [cluster])");
    check_fails("[cluster]\nnodes = 0\n", "t.ini:2: [cluster] nodes: 0 is out of range (1 to 1024)");
    check_fails("[cluster]\nnodes = 2.5\n", "'2.5' is not a whole number");
    check_fails("[cluster]\nnic_bw = 100\n", "t.ini:2: [cluster] nic_bw: '100' needs a unit, e.g. 100Gbps");
    check_fails("[cluster]\nnic_bw = -1Gbps\n", "negative");
    check_fails("[cluster]\nnic_bw = 0Gbps\n", "0Gbps (0 B/s) is out of range (1 kB/s to 10 TB/s)");
    check_fails("[cluster]\ntopology = fat_tree\n", "unknown topology 'fat_tree' (did you mean 'fat-tree'?); one of: single-switch, fat-tree");
    check_fails("[cluster]\npipe = maybe\n", "'maybe' is not a boolean");
    check_fails("[cluster]\ngpu =\n", "t.ini:2: [cluster] gpu: missing value");
    check_fails("[gpu V100]\nfp16 = 125\n", "t.ini:2: [gpu V100] fp16: '125' needs a unit, e.g. 15.7TFLOPS");
}

int test_config_register(void)
{
    CU_pSuite s = CU_add_suite("config", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "entries", test_entries) || !CU_add_test(s, "inih_quirks", test_inih_quirks) ||
        !CU_add_test(s, "limits", test_limits) || !CU_add_test(s, "includes", test_includes) ||
        !CU_add_test(s, "check", test_check))
        return -1;
    return 0;
}
