/* libFuzzer target for what dtbench reads from outside: its options and
 * environment, and the rendezvous messages a peer sends.
 *
 * The first byte picks the part, the rest is its input:
 *   0  `dtbench allreduce` options: NUL-separated arguments (at most 32)
 *      through the command's own parser (real/cmd_allreduce.c's parse());
 *   1  the rank environment: NUL-separated NAME=VALUE strings through
 *      bench_world_from_env; the first string also as a byte size, a rate
 *      and a duration (bench_parse_*);
 *   2  rendezvous: a world size (1 byte + 1), a hello (6 words) through
 *      mesh_hello_parse, an answer header (3 words) through
 *      mesh_reply_head and the rest as its body through mesh_reply_body
 *      (the table, or rank 0's text made printable).
 *
 *   make fuzz-dtbench FUZZ_SECONDS=60   (clang, -fsanitize=fuzzer,address,undefined)
 *
 * Any crash, sanitizer report or leak is a bug; errors are expected. */
#include "../real/cmd_allreduce.c"

#include <arpa/inet.h>
#include <stdarg.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* dtbench's main.c provides these; the fuzzer has its own main. */
int cmd_fail(const char *fmt, ...)
{
    (void)fmt;
    return DT_EXIT_USAGE;
}

int dtbench_fail(int status, const char *fmt, ...)
{
    (void)fmt;
    return status;
}

int dtbench_status(int code)
{
    return code == DT_OK ? DT_EXIT_OK : code == DT_ESKIP ? DT_EXIT_SKIP
         : code == DT_EINVAL || code == DT_ENOENT || code == DT_ERANGE ? DT_EXIT_USAGE : DT_EXIT_FAIL;
}

int cmd_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

enum { MAXARGS = 32 };

/* Cut [b, b+n) at NULs into at most MAXARGS strings (copies in buf). */
static int split(const uint8_t *b, size_t n, char *buf, char **v, int first)
{
    int k = first;
    memcpy(buf, b, n);
    buf[n] = '\0';
    size_t at = 0;
    while (at <= n && k < MAXARGS) {
        v[k++] = buf + at;
        at += strlen(buf + at) + 1;
    }
    v[k] = NULL;
    return k;
}

struct env {
    char **v;
    int n;
};

static const char *env_get(const char *name, void *ctx)
{
    const struct env *en = ctx;
    size_t l = strlen(name);
    for (int i = 0; i < en->n; i++)
        if (strncmp(en->v[i], name, l) == 0 && en->v[i][l] == '=') return en->v[i] + l + 1;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    int part = data[0] % 3;
    data++;
    size--;
    dt_err e = {0, ""};
    char *buf = malloc(size + 1), *v[MAXARGS + 1];
    if (!buf) abort();
    if (part == 0) {
        v[0] = "allreduce";
        int n = split(data, size, buf, v, 1);
        struct opts o;
        int listonly;
        int rc = parse(n, v, &o, &listonly);
        if (rc == 0) { /* what the run relies on */
            if (o.minb == 0 || o.minb > o.maxb || o.minb % coll_dtype_size(o.dtype)) abort();
            if (o.factor < 2 || o.iters < 1 || !o.algo || !o.transport) abort();
        }
    } else if (part == 1) {
        struct env en = {v, split(data, size, buf, v, 0)};
        struct bench_world w;
        if (bench_world_from_env(&w, env_get, &en, &e) == 0 && (w.size < 1 || w.rank < 0 || w.rank >= w.size)) abort();
        uint64_t b;
        double d;
        bench_parse_bytes(v[0], &b, &e);
        bench_parse_rate(v[0], &d, &e);
        bench_parse_time(v[0], &d, &e);
    } else if (size >= 1 + 4 * (MESH_HELLO_WORDS + MESH_REPLY_WORDS)) {
        int ws = data[0] + 1;
        const uint8_t *p = data + 1;
        uint32_t h[MESH_HELLO_WORDS], r[MESH_REPLY_WORDS];
        for (int i = 0; i < MESH_HELLO_WORDS; i++, p += 4) {
            memcpy(&h[i], p, 4);
            h[i] = ntohl(h[i]);
        }
        for (int i = 0; i < MESH_REPLY_WORDS; i++, p += 4) {
            memcpy(&r[i], p, 4);
            r[i] = ntohl(r[i]);
        }
        struct mesh_hello hi;
        if (mesh_hello_parse(h, ws, &hi, &e) == 0 && (hi.rank < 1 || hi.rank >= ws || hi.port == 0)) abort();
        size_t body, left = (size_t)(data + size - p);
        if (mesh_reply_head(r, ws, &body, &e) == 0) {
            uint32_t *ip = calloc((size_t)ws, sizeof *ip);
            uint16_t *port = calloc((size_t)ws, sizeof *port);
            if (!ip || !port) abort();
            /* the body as received: cut short when the input is */
            size_t n = left < body ? left : body;
            uint8_t *cp = malloc(n ? n : 1); /* exact size: ASan sees any overread */
            if (!cp) abort();
            memcpy(cp, p, n);
            if (mesh_reply_body(r, cp, n, ws, ip, port, &e) == 0)
                for (int i = 0; i < ws; i++)
                    if (port[i] == 0) abort();
            free(cp);
            free(ip);
            free(port);
        }
        /* every byte that reaches a message is printable */
        char out[64];
        size_t k = mesh_printable(out, sizeof out, p, left);
        for (size_t i = 0; i < k; i++)
            if (out[i] < 0x20 || out[i] > 0x7e) abort();
        for (size_t i = 0; e.msg[i]; i++)
            if ((unsigned char)e.msg[i] < 0x20 || (unsigned char)e.msg[i] == 0x7f) abort();
    }
    free(buf);
    return 0;
}
