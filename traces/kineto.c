/* kineto.c -- torch.profiler trace import (kineto.h). */
#include "kineto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- events ------------------------------------------------------------ */

enum { K_CPU_OP = 1, K_ANNOT, K_RUNTIME, K_KERNEL, K_FLOW };

struct kev {
    const char *name;  /* raw JSON string contents (escapes left as written) */
    int nlen;
    uint8_t kind;      /* K_* */
    char ph;
    int64_t pid, tid;
    double ts, dur;    /* microseconds */
    int64_t corr;      /* args.correlation; -1 absent */
    int64_t seq;       /* args."Sequence number"; -1 absent */
    int64_t id;        /* flow id; -1 absent */
    int64_t dim0;      /* first dimension of args."Input Dims"[0]; -1 absent */
    const char *ity;   /* args."Input type"[0] */
    int itylen;
};

struct jp {
    const char *s, *p, *end;
    const char *path;
    dt_err *e;
};

static int jfail(struct jp *j, const char *what)
{
    if (j->p >= j->end)
        return dt_errf(j->e, DT_EINVAL, "%s: truncated JSON: the file ends at byte %ld, before the trace does",
                       j->path, (long)(j->end - j->s));
    return dt_errf(j->e, DT_EINVAL, "%s: byte %ld: bad JSON: %s", j->path, (long)(j->p - j->s), what);
}

static void ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static int expect(struct jp *j, char c, const char *what)
{
    ws(j);
    if (j->p >= j->end || *j->p != c) return jfail(j, what);
    j->p++;
    return 0;
}

/* A string: s and n get its raw contents. */
static int jstring(struct jp *j, const char **s, int *n)
{
    ws(j);
    if (j->p >= j->end || *j->p != '"') return jfail(j, "a string expected");
    const char *b = ++j->p;
    for (;;) {
        const char *q = memchr(j->p, '"', (size_t)(j->end - j->p));
        const char *bs = memchr(j->p, '\\', (size_t)((q ? q : j->end) - j->p));
        if (!q) { j->p = j->end; return jfail(j, "a string"); }
        if (bs) {
            j->p = bs + 1;
            if (j->p >= j->end) return jfail(j, "a string");
            if (*j->p == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (j->p + k >= j->end || !strchr("0123456789abcdefABCDEF", j->p[k]) || !j->p[k])
                        return jfail(j, "a \\u escape");
                j->p += 5;
            } else if (strchr("\"\\/bfnrt", *j->p) && *j->p) j->p++;
            else return jfail(j, "a string escape");
            continue;
        }
        for (const char *c = j->p; c < q; c++)
            if ((unsigned char)*c < 0x20) { j->p = c; return jfail(j, "a control character in a string"); }
        j->p = q + 1;
        *s = b;
        *n = (int)(q - b);
        return 0;
    }
}

static int jnumber(struct jp *j, double *v)
{
    ws(j);
    const char *b = j->p;
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return jfail(j, "a number expected");
    if (*j->p == '0') j->p++;
    else while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return jfail(j, "a number");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return jfail(j, "a number");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if (j->p >= j->end) return jfail(j, "a number");
    if (v) {
        char buf[64];
        size_t n = (size_t)(j->p - b);
        if (n >= sizeof buf) return jfail(j, "a number too long");
        memcpy(buf, b, n);
        buf[n] = '\0';
        *v = strtod(buf, NULL);
    }
    return 0;
}

static int jskip(struct jp *j, int depth);

/* Walk an object or array: calls back per member with the key (objects). */
static int jskip_container(struct jp *j, char open, int depth)
{
    char close = open == '{' ? '}' : ']';
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == close) { j->p++; return 0; }
    for (;;) {
        if (open == '{') {
            const char *k;
            int kn, rc;
            if ((rc = jstring(j, &k, &kn)) || (rc = expect(j, ':', "':' expected after a key"))) return rc;
        }
        int rc = jskip(j, depth + 1);
        if (rc) return rc;
        ws(j);
        if (j->p >= j->end) return jfail(j, open == '{' ? "an object" : "an array");
        if (*j->p == ',') { j->p++; continue; }
        if (*j->p == close) { j->p++; return 0; }
        return jfail(j, open == '{' ? "',' or '}' expected" : "',' or ']' expected");
    }
}

static int jlit(struct jp *j, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0) return jfail(j, "a value expected");
    j->p += n;
    return 0;
}

static int jskip(struct jp *j, int depth)
{
    if (depth > 64) return jfail(j, "nested more than 64 deep");
    ws(j);
    if (j->p >= j->end) return jfail(j, "a value");
    const char *s;
    int n;
    switch (*j->p) {
    case '{': case '[': return jskip_container(j, *j->p, depth);
    case '"': return jstring(j, &s, &n);
    case 't': return jlit(j, "true");
    case 'f': return jlit(j, "false");
    case 'n': return jlit(j, "null");
    default: return jnumber(j, NULL);
    }
}

#define KEY(k, lit) (kn == (int)sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)

/* Members of an object one at a time: returns 1 with *k a key (positioned
 * at its value), 0 at the end, < 0 on error. *first starts at 1. */
static int jmember(struct jp *j, int *first, const char **k, int *kn)
{
    ws(j);
    if (*first) {
        *first = 0;
        if (j->p < j->end && *j->p == '}') { j->p++; return 0; }
    } else {
        if (j->p >= j->end) return jfail(j, "an object");
        if (*j->p == '}') { j->p++; return 0; }
        if (*j->p != ',') return jfail(j, "',' or '}' expected");
        j->p++;
    }
    int rc = jstring(j, k, kn);
    if (rc) return rc;
    if ((rc = expect(j, ':', "':' expected after a key"))) return rc;
    return 1;
}

/* Array elements: 1 positioned at an element, 0 at the end. */
static int jelem(struct jp *j, int *first)
{
    ws(j);
    if (j->p >= j->end) return jfail(j, "an array");
    if (*first) {
        *first = 0;
        if (*j->p == ']') { j->p++; return 0; }
        return 1;
    }
    if (*j->p == ']') { j->p++; return 0; }
    if (*j->p != ',') return jfail(j, "',' or ']' expected");
    j->p++;
    return 1;
}

static int jint(struct jp *j, int64_t *v)
{
    double d;
    int rc = jnumber(j, &d);
    if (rc) return rc;
    if (!(d > -9e18 && d < 9e18)) return jfail(j, "a whole number out of range");
    *v = (int64_t)d;
    return 0;
}

static uint64_t fnv1a(const char *s, int n)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* pid / tid: a number, or a string (hashed, kept apart from numbers). */
static int jid(struct jp *j, int64_t *v)
{
    ws(j);
    if (j->p < j->end && *j->p == '"') {
        const char *s;
        int n, rc = jstring(j, &s, &n);
        if (rc) return rc;
        *v = (int64_t)(fnv1a(s, n) | (1ull << 62)) | INT64_MIN;
        return 0;
    }
    return jint(j, v);
}

/* A flow id: a number, or a string (Hotline's flows): its digits, else a
 * positive hash kept apart from small numbers (a negative id means none). */
static int jflowid(struct jp *j, int64_t *v)
{
    ws(j);
    if (j->p >= j->end || *j->p != '"') return jint(j, v);
    const char *s;
    int n, rc = jstring(j, &s, &n);
    if (rc) return rc;
    int64_t d = 0;
    int digits = n > 0 && n <= 18;
    for (int q = 0; q < n && digits; q++) {
        if (s[q] < '0' || s[q] > '9') digits = 0;
        else d = d * 10 + (s[q] - '0');
    }
    *v = digits ? d : (int64_t)((fnv1a(s, n) & ~(3ull << 62)) | (1ull << 61));
    return 0;
}

static int parse_args(struct jp *j, struct kev *ev)
{
    ws(j);
    if (j->p >= j->end || *j->p != '{') return jskip(j, 2);
    j->p++;
    int first = 1, r;
    const char *k;
    int kn;
    while ((r = jmember(j, &first, &k, &kn)) == 1) {
        int rc;
        if (KEY(k, "correlation")) rc = jint(j, &ev->corr);
        else if (KEY(k, "Sequence number")) rc = jint(j, &ev->seq);
        else if (KEY(k, "Input Dims")) {
            /* [[64, 3, 224, 224], [...], ...]: the first dimension of the first input */
            ws(j);
            rc = 0;
            if (j->p < j->end && *j->p == '[' && j->p + 1 < j->end) {
                const char *save = j->p;
                j->p++;
                ws(j);
                if (j->p < j->end && *j->p == '[') {
                    j->p++;
                    ws(j);
                    if (j->p < j->end && *j->p != ']') rc = jint(j, &ev->dim0);
                }
                j->p = save;
            }
            if (!rc) rc = jskip(j, 2);
        } else if (KEY(k, "Input type")) {
            ws(j);
            rc = 0;
            if (j->p < j->end && *j->p == '[') {
                const char *save = j->p;
                j->p++;
                ws(j);
                if (j->p < j->end && *j->p == '"') rc = jstring(j, &ev->ity, &ev->itylen);
                j->p = save;
            }
            if (!rc) rc = jskip(j, 2);
        } else rc = jskip(j, 2);
        if (rc) return rc;
    }
    return r;
}

static int cat_kind(const char *c, int n)
{
#define IS(lit) (n == (int)sizeof(lit) - 1 && strncasecmp(c, lit, sizeof(lit) - 1) == 0)
    if (IS("cpu_op") || IS("operator")) return K_CPU_OP;
    if (IS("user_annotation")) return K_ANNOT;
    if (IS("cuda_runtime") || IS("runtime") || IS("cuda_driver")) return K_RUNTIME;
    if (IS("kernel") || IS("gpu_memcpy") || IS("gpu_memset") || IS("memcpy") || IS("memset")) return K_KERNEL;
    if (IS("ac2g") || IS("async_cpu_to_gpu")) return K_FLOW; /* the second: Hotline's flows */
    return 0;
#undef IS
}

static int legacy_span(const char *s, int n)
{
    static const char *const pre[] = {"ProfilerStep#", "Optimizer.", "module: ", "dtsim: ", "enumerate(DataLoader)#"};
    for (size_t i = 0; i < sizeof pre / sizeof *pre; i++) {
        size_t k = strlen(pre[i]);
        if ((size_t)n >= k && memcmp(s, pre[i], k) == 0) return 1;
    }
    return 0;
}

struct kdoc {
    struct kev *ev;
    size_t n, cap;
    long long nevents;
    int saw_events;
    int legacy;        /* a bare array: the legacy autograd profiler (when no event has a cat) */
    int any_cat;       /* some event has a cat (a bare array of Kineto events: Hotline's post-processed traces) */
    char device[160];
};

static int parse_event(struct jp *j, struct kdoc *d)
{
    if (expect(j, '{', "an event object expected")) return DT_EINVAL;
    struct kev ev;
    memset(&ev, 0, sizeof ev);
    ev.corr = ev.seq = ev.id = ev.dim0 = -1;
    ev.dur = 0;
    int first = 1, r, has_ts = 0, has_cat = 0;
    const char *k;
    int kn;
    while ((r = jmember(j, &first, &k, &kn)) == 1) {
        int rc;
        const char *s;
        int n;
        if (KEY(k, "ph")) {
            rc = jstring(j, &s, &n);
            if (!rc) ev.ph = n == 1 ? s[0] : '?';
        } else if (KEY(k, "cat")) {
            rc = jstring(j, &s, &n);
            if (!rc) ev.kind = (uint8_t)cat_kind(s, n);
            has_cat = 1;
        } else if (KEY(k, "name")) {
            ws(j);
            if (j->p < j->end && *j->p == '"') rc = jstring(j, &ev.name, &ev.nlen);
            else rc = jskip(j, 2);
        } else if (KEY(k, "ts")) {
            rc = jnumber(j, &ev.ts);
            has_ts = 1;
        } else if (KEY(k, "dur")) rc = jnumber(j, &ev.dur);
        else if (KEY(k, "pid")) rc = jid(j, &ev.pid);
        else if (KEY(k, "tid")) rc = jid(j, &ev.tid);
        else if (KEY(k, "id")) {
            rc = jflowid(j, &ev.id);        } else if (KEY(k, "args")) rc = parse_args(j, &ev);
        else rc = jskip(j, 2);
        if (rc) return rc;
    }
    if (r < 0) return r;
    d->nevents++;
    if (has_cat) d->any_cat = 1;
    /* the legacy autograd profiler (torch 1.13 without Kineto) writes no cat:
     * every event is a CPU op or a record_function span, told apart by name */
    if (!has_cat && ev.ph == 'X' && ev.name) ev.kind = legacy_span(ev.name, ev.nlen) ? K_ANNOT : K_CPU_OP;
    /* torch 1.8-1.9 write record_function spans (ProfilerStep#, Optimizer.step#) with cat "Operator" */
    if (ev.kind == K_CPU_OP && ev.name && legacy_span(ev.name, ev.nlen)) ev.kind = K_ANNOT;
    int keep = (ev.kind && ev.kind != K_FLOW && ev.ph == 'X') || (ev.kind == K_FLOW && (ev.ph == 's' || ev.ph == 'f'));
    if (!keep) return 0;
    if (!has_ts || !ev.name) {
        if (ev.kind == K_FLOW && has_ts) {} /* flows carry a name, but do not need one */
        else return dt_errf(j->e, DT_EINVAL, "%s: event %lld (byte %ld): no %s", j->path, d->nevents - 1,
                            (long)(j->p - j->s), has_ts ? "name" : "ts");
    }
    if (!(ev.ts > -1e300 && ev.ts < 1e300 && ev.dur < 1e300))
        return dt_errf(j->e, DT_EINVAL, "%s: event %lld: ts or dur out of range", j->path, d->nevents - 1);
    if (ev.dur < 0) return dt_errf(j->e, DT_EINVAL, "%s: event %lld: negative dur", j->path, d->nevents - 1);
    if (d->n == d->cap) {
        size_t nc = d->cap ? 2 * d->cap : 4096;
        struct kev *p = realloc(d->ev, nc * sizeof *p);
        if (!p) return dt_errf(j->e, DT_ENOMEM, "out of memory");
        d->ev = p;
        d->cap = nc;
    }
    d->ev[d->n++] = ev;
    return 0;
}

static int parse_devices(struct jp *j, struct kdoc *d)
{
    ws(j);
    if (j->p >= j->end || *j->p != '[') return jskip(j, 1);
    j->p++;
    int firstel = 1, r, idx = 0;
    while ((r = jelem(j, &firstel)) == 1) {
        ws(j);
        if (j->p >= j->end || *j->p != '{' || idx++ > 0) {
            int rc = jskip(j, 2);
            if (rc) return rc;
            continue;
        }
        j->p++;
        int first = 1, m;
        const char *k, *name = NULL;
        int kn, nlen = 0;
        int64_t major = -1, minor = -1, sms = -1;
        double mem = -1;
        while ((m = jmember(j, &first, &k, &kn)) == 1) {
            int rc;
            if (KEY(k, "name")) rc = jstring(j, &name, &nlen);
            else if (KEY(k, "computeMajor")) rc = jint(j, &major);
            else if (KEY(k, "computeMinor")) rc = jint(j, &minor);
            else if (KEY(k, "numSms")) rc = jint(j, &sms);
            else if (KEY(k, "totalGlobalMem")) rc = jnumber(j, &mem);
            else rc = jskip(j, 3);
            if (rc) return rc;
        }
        if (m < 0) return m;
        if (name) {
            int at = snprintf(d->device, sizeof d->device, "%.*s", nlen > 100 ? 100 : nlen, name);
            if (major >= 0 && minor >= 0)
                at += snprintf(d->device + at, sizeof d->device - (size_t)at, ", sm_%lld%lld", (long long)major,
                               (long long)minor);
            if (sms > 0) at += snprintf(d->device + at, sizeof d->device - (size_t)at, ", %lld SMs", (long long)sms);
            if (mem > 0) snprintf(d->device + at, sizeof d->device - (size_t)at, ", %.1f GiB", mem / 1073741824.0);
        }
    }
    return r;
}

static int parse_doc(struct jp *j, struct kdoc *d)
{
    ws(j);
    if (j->p >= j->end) return dt_errf(j->e, DT_EINVAL, "%s: empty file, not a torch.profiler trace", j->path);
    if (*j->p == '[') { /* the legacy autograd profiler: a bare array of events */
        j->p++;
        d->saw_events = d->legacy = 1;
        int fe = 1, m, rc;
        while ((m = jelem(j, &fe)) == 1)
            if ((rc = parse_event(j, d))) return rc;
        if (m < 0) return m;
        ws(j);
        if (j->p < j->end) return jfail(j, "trailing bytes after the trace array");
        return 0;
    }
    if (*j->p != '{')
        return dt_errf(j->e, DT_EINVAL,
                       "%s: byte %ld: not a torch.profiler trace (a JSON object or array expected, found '%c')",
                       j->path, (long)(j->p - j->s), *j->p);
    j->p++;
    int first = 1, r;
    const char *k;
    int kn;
    while ((r = jmember(j, &first, &k, &kn)) == 1) {
        int rc;
        if (KEY(k, "traceEvents")) {
            ws(j);
            if (j->p >= j->end || *j->p != '[') return jfail(j, "traceEvents: an array expected");
            j->p++;
            d->saw_events = 1;
            int fe = 1, m;
            while ((m = jelem(j, &fe)) == 1)
                if ((rc = parse_event(j, d))) return rc;
            if (m < 0) return m;
            continue;
        }
        if (KEY(k, "deviceProperties")) rc = parse_devices(j, d);
        else rc = jskip(j, 1);
        if (rc) return rc;
    }
    if (r < 0) return r;
    ws(j);
    if (j->p < j->end) return jfail(j, "trailing bytes after the trace object");
    if (!d->saw_events) return dt_errf(j->e, DT_EINVAL, "%s: not a Chrome trace (no traceEvents)", j->path);
    return 0;
}

/* ---- analysis ---------------------------------------------------------- */

static int nameis(const struct kev *v, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)v->nlen == n && memcmp(v->name, lit, n) == 0;
}

static int namepre(const struct kev *v, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)v->nlen >= n && memcmp(v->name, lit, n) == 0;
}

/* forward convolution / linear ops (the outermost of a nest counts) */
static int is_fwd_layer(const struct kev *v)
{
    static const char *const names[] = {"aten::conv1d", "aten::conv2d", "aten::conv3d", "aten::convolution",
                                        "aten::_convolution", "aten::cudnn_convolution", "aten::mkldnn_convolution",
                                        "aten::thnn_conv2d", "aten::_slow_conv2d_forward", "aten::linear",
                                        "aten::addmm"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (nameis(v, names[i])) return 1;
    return 0;
}

/* backward of a convolution / linear op */
static int is_bwd_layer(const struct kev *v)
{
    static const char *const nodes[] = {"ConvolutionBackward", "CudnnConvolutionBackward",
                                        "MkldnnConvolutionBackward", "ThnnConv2DBackward", "SlowConv2DBackward",
                                        "AddmmBackward", "LinearBackward"};
    const char *pre = "autograd::engine::evaluate_function: ";
    int at = namepre(v, pre) ? (int)strlen(pre) : 0;
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        size_t n = strlen(nodes[i]);
        if ((size_t)(v->nlen - at) >= n && memcmp(v->name + at, nodes[i], n) == 0) return 1;
    }
    return nameis(v, "aten::convolution_backward");
}

static int is_opt_span(const struct kev *v)
{
    return namepre(v, "Optimizer.step#") || namepre(v, "Optimizer.zero_grad#");
}

struct kmap { int64_t *key; double *gpu, *start, *end; int *cnt; unsigned char *pageable; size_t mask; };

static size_t hslot(const struct kmap *m, int64_t k)
{
    uint64_t h = (uint64_t)k * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 20) & m->mask;
    while (m->key[i] != -1 && m->key[i] != k) i = (i + 1) & m->mask;
    return i;
}

static const struct kev *g_ev; /* qsort context (one import at a time per process) */

static int by_thread_time(const void *a, const void *b)
{
    const struct kev *x = &g_ev[*(const size_t *)a], *y = &g_ev[*(const size_t *)b];
    if (x->tid != y->tid) return x->tid < y->tid ? -1 : 1;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    if (x->dur != y->dur) return x->dur > y->dur ? -1 : 1; /* the enclosing span first */
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    size_t i = *(const size_t *)a, k = *(const size_t *)b;
    return i < k ? -1 : i > k;
}

static int by_key_ts(const void *a, const void *b)
{
    const struct kev *x = &g_ev[*(const size_t *)a], *y = &g_ev[*(const size_t *)b];
    if (x->pid != y->pid) return x->pid < y->pid ? -1 : 1;
    if (x->tid != y->tid) return x->tid < y->tid ? -1 : 1;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return 0;
}

/* correlation of a kernel or launch without args.correlation, from the ac2g
 * flow event ('f' at the kernel, 's' at the launch) at the same pid, tid, ts */
static int64_t flow_corr(const struct kev *ev, const size_t *fl, size_t nfl, const struct kev *v, char ph)
{
    size_t lo = 0, hi = nfl;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct kev *f = &ev[fl[mid]];
        if (f->pid < v->pid || (f->pid == v->pid && (f->tid < v->tid || (f->tid == v->tid && f->ts < v->ts))))
            lo = mid + 1;
        else hi = mid;
    }
    for (; lo < nfl; lo++) {
        const struct kev *f = &ev[fl[lo]];
        if (f->pid != v->pid || f->tid != v->tid || f->ts != v->ts) break;
        if (f->ph == ph) return f->id;
    }
    return -1;
}

struct lop {       /* a layer op */
    size_t ev;
    int64_t seq;
    double gpu, host;
    int layer;     /* index into the model's conv/fc list */
};

/* per stack level; mod: a "module: " span; cls: the kind of the top-level op (kineto_op_kind, -1 none);
 * cast: inside a cast op within a forward layer op; input: inside a DataLoader span */
struct ctx { int lop; int bwd; int opt; int inop; long mod; int cls; int cast; int input; };

int kineto_op_kind(const char *name, int len)
{
    const char *pre = "autograd::engine::evaluate_function: ";
    size_t pl = strlen(pre);
    if (len >= (int)pl && memcmp(name, pre, pl) == 0) { name += pl; len -= (int)pl; }
    static const struct { const char *s; int kind; } m[] = {
        {"conv", DNN_CONV},           {"batch_norm", DNN_BN},        {"batchnorm", DNN_BN},
        {"layer_norm", DNN_LAYERNORM}, {"layernorm", DNN_LAYERNORM}, {"rms_norm", DNN_RMSNORM},
        {"rmsnorm", DNN_RMSNORM},     {"max_pool", DNN_MAXPOOL},     {"maxpool", DNN_MAXPOOL},
        {"avg_pool", DNN_AVGPOOL},    {"avgpool", DNN_AVGPOOL},      {"meanbackward", DNN_AVGPOOL},
        {"aten::mean", DNN_AVGPOOL},  {"relu", DNN_RELU},            {"threshold_backward", DNN_RELU},
        {"gelu", DNN_GELU},           {"tanh", DNN_TANH},            {"silu", DNN_SWIGLU},
        {"softmax", DNN_SOFTMAX},     {"cross_entropy", DNN_SOFTMAX}, {"nll_loss", DNN_SOFTMAX},
        {"nllloss", DNN_SOFTMAX},     {"embedding", DNN_EMBEDDING},  {"linear", DNN_FC},
        {"addmm", DNN_FC},            {"matmul", DNN_MATMUL},        {"bmm", DNN_MATMUL},
        {"aten::mm", DNN_MATMUL},     {"mmbackward", DNN_MATMUL},    {"scaled_dot_product", DNN_MATMUL},
        {"aten::add", DNN_ADD},       {"addbackward", DNN_ADD}};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        int k = (int)strlen(m[i].s);
        for (int at = 0; at + k <= len; at++)
            if (strncasecmp(name + at, m[i].s, (size_t)k) == 0) return m[i].kind;
    }
    return KINETO_OTHER;
}

static int is_cast(const struct kev *v)
{
    return nameis(v, "aten::to") || nameis(v, "aten::_to_copy") || nameis(v, "aten::copy_");
}

/* a runtime call in which the host waits for the GPU */
static int is_wait(const struct kev *v)
{
    return nameis(v, "cudaStreamSynchronize") || nameis(v, "cudaDeviceSynchronize") ||
           nameis(v, "cudaEventSynchronize") || nameis(v, "cudaMemcpy") || nameis(v, "cuStreamSynchronize") ||
           nameis(v, "cuCtxSynchronize");
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The conv/fc layer a "module: NAME" span names (a torchvision module path) */
static int module_layer(const struct kev *span, const struct dnn_net *net, const char *path, int *layer, dt_err *e)
{
    const char *name = span->name + 8;
    int n = span->nlen - 8;
    for (size_t i = 0; i < net->nlayers; i++)
        if ((int)strlen(net->layers[i].name) == n && memcmp(net->layers[i].name, name, (size_t)n) == 0 &&
            (net->layers[i].kind == DNN_CONV || net->layers[i].kind == DNN_FC)) {
            *layer = (int)i;
            return 0;
        }
    return dt_errf(e, DT_EINVAL, "%s: span 'module: %.*s' holds a convolution/linear op, but model '%s' has no conv or "
                   "fc layer '%.*s'", path, n > 100 ? 100 : n, name, net->model->name, n > 100 ? 100 : n, name);
}

static const char *dtype_of(const char *s, int n)
{
    if (n == 5 && memcmp(s, "float", 5) == 0) return "fp32";
    if (n == 9 && memcmp(s, "c10::Half", 9) == 0) return "fp16";
    if (n == 13 && memcmp(s, "c10::BFloat16", 13) == 0) return "bf16";
    if (n == 6 && memcmp(s, "double", 6) == 0) return "fp64";
    return "-";
}

static int by_ts(const void *a, const void *b)
{
    const struct kev *x = &g_ev[*(const size_t *)a], *y = &g_ev[*(const size_t *)b];
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    size_t i = *(const size_t *)a, k = *(const size_t *)b;
    return i < k ? -1 : i > k;
}

static int by_pair(const void *a, const void *b)
{
    const double *x = a, *y = b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Of the ProfilerStep#N spans, the one of median duration of those that
 * hold an Optimizer.step# span, else of those that hold a
 * convolution/linear op, else the last:
 * without a schedule, the span that the last prof.step() opens runs to
 * prof.stop() and holds no step. *step comes in as the last span. */
static int pick_step(const struct kev *ev, size_t n, const struct kev **step, struct kineto_info *info)
{
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if ((ev[i].kind == K_ANNOT || ev[i].kind == K_CPU_OP) && namepre(&ev[i], "ProfilerStep#")) ns++;
    size_t *sx = malloc(ns * sizeof *sx);
    unsigned char *has = calloc(ns, 1);
    if (!sx || !has) { free(sx); free(has); return -1; }
    ns = 0;
    for (size_t i = 0; i < n; i++)
        if ((ev[i].kind == K_ANNOT || ev[i].kind == K_CPU_OP) && namepre(&ev[i], "ProfilerStep#")) sx[ns++] = i;
    g_ev = ev;
    qsort(sx, ns, sizeof *sx, by_ts);
    for (size_t i = 0; i < n; i++) {
        const struct kev *v = &ev[i];
        int what = v->kind == K_ANNOT && namepre(v, "Optimizer.step#") ? 2 : v->kind == K_CPU_OP && is_fwd_layer(v) ? 1 : 0;
        if (!what) continue;
        size_t lo = 0, hi = ns; /* the last span starting at or before v */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (ev[sx[mid]].ts <= v->ts) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) continue;
        const struct kev *s = &ev[sx[lo - 1]];
        if (s->pid == v->pid && v->ts < s->ts + s->dur) has[lo - 1] |= (unsigned char)what;
    }
    const char *why = "the last, none holds an optimizer step or a convolution/linear op";
    size_t pick = ns - 1;
    int found = 0;
    for (int want = 2; want >= 1 && !found; want--) {
        /* of the spans holding what is wanted, the one of median duration (the lower of two; the later of
         * equal ones): a typical step, not one that a stall or the first step's warm-up lengthened */
        size_t nk = 0, *ks = malloc((ns ? ns : 1) * sizeof *ks);
        if (!ks) { free(sx); free(has); return -1; }
        for (size_t k = 0; k < ns; k++)
            if (has[k] & want) ks[nk++] = k;
        double *kd = malloc((nk ? nk : 1) * 2 * sizeof *kd); /* (duration, -index) pairs */
        if (!kd) { free(ks); free(sx); free(has); return -1; }
        for (size_t i = 0; i < nk; i++) {
            kd[2 * i] = ev[sx[ks[i]]].dur;
            kd[2 * i + 1] = -(double)ks[i];
        }
        qsort(kd, nk, 2 * sizeof *kd, by_pair); /* by duration, the later first among equals */
        for (size_t i = 0; i < nk; i++) ks[i] = (size_t)(-kd[2 * i + 1]);
        free(kd);
        if (nk) {
            pick = ks[(nk - 1) / 2];
            found = 1;
            why = want == 2 ? (nk == 1 ? "the one holding an optimizer step" : "the median of those holding an optimizer step")
                            : (nk == 1 ? "the one holding a convolution/linear op" : "the median of those holding a convolution/linear op");
        }
        free(ks);
    }
    *step = &ev[sx[pick]];
    snprintf(info->step_why, sizeof info->step_why, "%s; %zu ProfilerStep span%s", why, ns, ns == 1 ? "" : "s");
    free(sx);
    free(has);
    return 0;
}

static int analyse(struct kdoc *d, const char *path, const struct dnn_net *net, long long batch, struct trace *t,
                   struct kineto_info *info, dt_err *e)
{
    struct kev *ev = d->ev;
    /* the step: the last ProfilerStep#N span on the CPU side that holds a whole step (pick_step) */
    const struct kev *step = NULL;
    int rc0;
    size_t nkern = 0, nflow = 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct kev *v = &ev[i];
        if ((v->kind == K_ANNOT || v->kind == K_CPU_OP) && namepre(v, "ProfilerStep#") && (!step || v->ts > step->ts))
            step = v;
        if (v->kind == K_KERNEL) nkern++;
        if (v->kind == K_FLOW) nflow++;
    }
    if (d->n == 0) return dt_errf(e, DT_EINVAL, "%s: no CPU ops or kernels in traceEvents", path);
    if (step && (rc0 = pick_step(ev, d->n, &step, info)) != 0) return dt_errf(e, DT_ENOMEM, "out of memory");
    if (!step)
        return dt_errf(e, DT_EINVAL,
                       "%s: no ProfilerStep#N span (record with a torch.profiler schedule and call prof.step() "
                       "after each step)", path);
    snprintf(info->step, sizeof info->step, "%.*s", step->nlen > 40 ? 40 : step->nlen, step->name);
    double t0 = step->ts, t1 = step->ts + step->dur;

    /* flows, sorted for lookup */
    size_t *fl = malloc((nflow ? nflow : 1) * sizeof *fl);
    size_t *ix = malloc(d->n * sizeof *ix);
    struct kmap m = {0};
    size_t cap = 16;
    while (cap < 2 * nkern + 16) cap *= 2;
    m.key = malloc(cap * sizeof *m.key);
    m.gpu = calloc(cap, sizeof *m.gpu);
    m.cnt = calloc(cap, sizeof *m.cnt);
    m.end = calloc(cap, sizeof *m.end);
    m.start = calloc(cap, sizeof *m.start);
    m.pageable = calloc(cap, 1);
    /* per paired launch: lt ts, duration, pass and its kernels' end (4 doubles), le the ends, ls their start
     * and end */
    double *lt = malloc(4 * d->n * sizeof *lt), *le = malloc(d->n * sizeof *le), *ls = malloc(2 * d->n * sizeof *ls);

    double *wts = malloc(d->n * sizeof *wts);
    size_t nl_ = 0, nw = 0;
    struct lop *F = calloc(net->nlayers + 1, sizeof *F), *B = calloc(net->nlayers + 1, sizeof *B);
    struct ctx *st = malloc(d->n * sizeof *st);
    size_t *stk = malloc(d->n * sizeof *stk);
    size_t *top = malloc(d->n * sizeof *top);
    int rc = 0;
    if (!fl || !ix || !m.key || !m.gpu || !m.cnt || !m.end || !m.start || !m.pageable || !lt || !le || !ls || !wts || !F || !B || !st ||
        !stk || !top) {
        rc = dt_errf(e, DT_ENOMEM, "out of memory");
        goto out;
    }
    m.mask = cap - 1;
    memset(m.key, 0xff, cap * sizeof *m.key);
    g_ev = ev;
    nflow = 0;
    for (size_t i = 0; i < d->n; i++)
        if (ev[i].kind == K_FLOW && ev[i].id >= 0) fl[nflow++] = i;
    qsort(fl, nflow, sizeof *fl, by_key_ts);
    for (size_t i = 0; i < d->n; i++) {
        struct kev *v = &ev[i];
        if (v->kind != K_KERNEL) continue;
        if (v->corr < 0 && nflow) v->corr = flow_corr(ev, fl, nflow, v, 'f');
        if (v->corr < 0) continue;
        size_t s = hslot(&m, v->corr);
        m.key[s] = v->corr;
        m.gpu[s] += v->dur * 1e-6;
        if (v->ts + v->dur > m.end[s]) m.end[s] = v->ts + v->dur;
        if (m.cnt[s] == 0 || v->ts < m.start[s]) m.start[s] = v->ts;
        for (int q = 0; q + 8 <= v->nlen && !m.pageable[s]; q++)
            if (memcmp(v->name + q, "Pageable", 8) == 0) m.pageable[s] = 1;
        m.cnt[s]++;
    }

    /* the step's CPU-side events, per thread in time order */
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct kev *v = &ev[i];
        if ((v->kind == K_CPU_OP || v->kind == K_ANNOT || v->kind == K_RUNTIME) && v->pid == step->pid &&
            v->ts >= t0 && v->ts < t1 && v != step)
            ix[n++] = i;
    }
    qsort(ix, n, sizeof *ix, by_thread_time);
    int nf = 0, nb = 0, maxl = (int)net->nlayers;
    double opt_end = -1e300, bwd0 = 1e300, bwd1 = -1e300;
    double ospan[16][2];
    int nos = 0;
    int64_t cur_tid = 0;
    size_t sp = 0;
    size_t ntop = 0; /* top-level CPU ops of every thread */
    const char *dty = NULL;
    int dtylen = 0;
    for (size_t a = 0; a < n; a++) {
        struct kev *v = &ev[ix[a]];
        if (a == 0 || v->tid != cur_tid) { sp = 0; cur_tid = v->tid; }
        while (sp > 0 && v->ts >= ev[stk[sp - 1]].ts + ev[stk[sp - 1]].dur) sp--;
        struct ctx c = sp ? st[sp - 1] : (struct ctx){-1, v->tid != step->tid, 0, 0, -1, -1, 0, 0};
        int parent_op = c.inop; /* a CPU op encloses this event */
        int pass = c.opt ? 2 : c.bwd;
        if (v->kind == K_ANNOT) {
            if (is_opt_span(v)) {
                c.opt = 1;
                if (nos < 16) { ospan[nos][0] = v->ts; ospan[nos++][1] = v->ts + v->dur; }
                if (v->ts + v->dur > opt_end) opt_end = v->ts + v->dur;
            }
            if (namepre(v, "module: ")) c.mod = (long)ix[a];
            if (namepre(v, "enumerate(DataLoader)#") && !parent_op && !c.input) {
                c.input = 1;
                info->input_s += v->dur * 1e-6;
                top[ntop++] = ix[a];
            }
        } else if (c.input) {
            /* the data loader's own work: no pass */
        } else if (v->kind == K_CPU_OP) {
            info->ops++;
            if (c.lop >= 0 && c.lop < 1000000 && parent_op && is_cast(v)) c.cast = 1;
            if (namepre(v, "autograd::engine::evaluate_function")) c.bwd = 1;
            if (!parent_op) {
                top[ntop++] = ix[a];
                c.cls = kineto_op_kind(v->name, v->nlen);
                info->part[c.cls][c.opt ? 2 : c.bwd].ops++;
                info->part[c.cls][c.opt ? 2 : c.bwd].host_s += v->dur * 1e-6;
            }
            if (!parent_op && !c.opt && c.bwd) {
                if (v->ts < bwd0) bwd0 = v->ts;
                if (v->ts + v->dur > bwd1) bwd1 = v->ts + v->dur;
            }
            if (c.opt) {
                if (!parent_op) info->opt_host_s += v->dur * 1e-6;
            } else if (c.lop < 0 && !c.bwd && is_fwd_layer(v)) {
                if (nf >= maxl) { rc = dt_errf(e, DT_EINVAL, "%s: %s has more convolution/linear ops than model '%s' has layers", path, info->step, net->model->name); goto out; }
                F[nf] = (struct lop){ix[a], v->seq, 0, v->dur * 1e-6, -1};
                if (c.mod >= 0 && (rc = module_layer(&ev[c.mod], net, path, &F[nf].layer, e))) goto out;
                c.lop = nf++;
            } else if (c.lop < 0 && is_bwd_layer(v)) {
                if (nb >= maxl) { rc = dt_errf(e, DT_EINVAL, "%s: %s has more backward convolution/linear ops than model '%s' has layers", path, info->step, net->model->name); goto out; }
                B[nb] = (struct lop){ix[a], v->seq, 0, v->dur * 1e-6, -1};
                c.lop = 1000000 + nb++;
                c.bwd = 1;
            } else if (!parent_op && c.lop < 0) info->other_host_s[c.bwd] += v->dur * 1e-6;
            if (nf > 0 && c.lop == 0 && v->ity && is_fwd_layer(v)) { dty = v->ity; dtylen = v->itylen; }
            /* the autograd node of a layer op is made by its innermost conv/linear op (aten::linear's
             * aten::t makes a TBackward0 first; AddmmBackward0 has aten::addmm's sequence number) */
            if (c.lop >= 0 && c.lop < 1000000 && v->seq >= 0 && is_fwd_layer(v)) F[c.lop].seq = v->seq;
            c.inop = 1;
        } else { /* a runtime call: its kernels' GPU time goes where the call was made */
            if (is_wait(v)) {
                info->wait_s[pass] += v->dur * 1e-6;
                wts[nw++] = v->ts;
            }
            int64_t corr = v->corr;
            if (corr < 0 && nflow) corr = flow_corr(ev, fl, nflow, v, 's');
            if (corr >= 0) {
                size_t s = hslot(&m, corr);
                if (m.key[s] == corr) {
                    double g = m.gpu[s];
                    /* a copy to or from pageable memory ("Memcpy HtoD (Pageable -> Device)") runs once the stream
                     * has drained and holds the host until it is done: the host waited from the call's start to
                     * the copy's end (or the call's, whichever is first: two clocks). The copy's own time stays
                     * GPU time of the pass. */
                    if (!is_wait(v) && m.pageable[s] && m.start[s] > v->ts) {
                        double en = v->ts + v->dur < m.end[s] ? v->ts + v->dur : m.end[s];
                        info->wait_s[pass] += (en - v->ts) * 1e-6;
                        wts[nw++] = v->ts;
                    }
                    info->kernels += m.cnt[s];
                    struct kineto_part *pt = &info->part[c.cls >= 0 ? c.cls : KINETO_OTHER][pass];
                    pt->kernels += m.cnt[s];
                    pt->gpu_s += g;
                    if (c.cast) pt->casts += m.cnt[s];
                    lt[4 * nl_] = v->ts;
                    lt[4 * nl_ + 1] = v->dur;
                    lt[4 * nl_ + 2] = pass;
                    lt[4 * nl_ + 3] = m.end[s];
                    le[nl_] = m.end[s];
                    ls[2 * nl_] = m.start[s];
                    ls[2 * nl_ + 1] = m.end[s];
                    nl_++;
                    if (c.opt) info->opt_gpu_s += g;
                    else if (c.lop >= 1000000) B[c.lop - 1000000].gpu += g;
                    else if (c.lop >= 0) F[c.lop].gpu += g;
                    else info->other_gpu_s[c.bwd] += g;
                }
            }
        }
        if (v->kind == K_RUNTIME) continue; /* a runtime call holds no event: one that outlasts its op (clock
                                              * rounding) must not take the next op in */
        st[sp] = c;
        stk[sp++] = ix[a];
    }
    info->step_s = step->dur * 1e-6;
    info->step_ts_us = step->ts;
    /* the step's host time: the span less the union of the top-level ops of all its threads */
    qsort(top, ntop, sizeof *top, by_ts);
    double busy = 0, cur_end = t0;
    double f0 = nf > 0 ? ev[F[0].ev].ts : t1;
    int after_input = 0; /* cur_end is a DataLoader span's end */
    for (size_t k = 0; k <= ntop; k++) {
        /* the idle interval before this op (or before the step's end), put in a pass by its middle */
        double nx = k < ntop ? ev[top[k]].ts : t1;
        if (nx > t1) nx = t1;
        if (nx > cur_end) {
            double mid = (cur_end + nx) / 2;
            int where = 3;
            for (int q = 0; q < nos; q++)
                if (mid >= ospan[q][0] && mid < ospan[q][1]) where = 2;
            if (where == 3 && mid >= bwd0 && mid < bwd1) where = 1;
            else if (where == 3 && mid >= f0 && mid < bwd0) where = 0;
            if (after_input) where = 4;
            info->gap_s[where] += (nx - cur_end) * 1e-6;
        }
        if (k == ntop) break;
        const struct kev *v = &ev[top[k]];
        double b = v->ts > cur_end ? v->ts : cur_end, en = v->ts + v->dur;
        if (en > t1) en = t1;
        if (en > b) busy += en - b;
        if (en > cur_end) {
            cur_end = en;
            after_input = v->kind == K_ANNOT;
        }
    }
    info->step_host_s = info->step_s - busy * 1e-6;
    if (info->step_host_s < 0) info->step_host_s = 0;
    info->input_s += info->gap_s[4]; /* the loop handling the batch is input too */
    /* kernels in flight: +1 at each launch, -1 as its kernels end; fl_at: the count at each launch */
    qsort(lt, nl_, 4 * sizeof *lt, by_double); /* by ts: the comparator reads the record's first double */
    qsort(le, nl_, sizeof *le, by_double);
    double *fl_at = malloc((nl_ ? nl_ : 1) * sizeof *fl_at), *durs = malloc((nl_ ? nl_ : 1) * sizeof *durs);
    if (!fl_at || !durs) { free(fl_at); free(durs); rc = dt_errf(e, DT_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0, k = 0, fly = 0; i < nl_; i++) {
        while (k < nl_ && le[k] <= lt[4 * i]) { k++; fly--; }
        fly++;
        fl_at[i] = (double)fly;
        durs[i] = lt[4 * i + 1];
        if ((long long)fly > info->max_inflight) info->max_inflight = (long long)fly;
    }
    /* a full launch queue: ten or more launches made with the most kernels in flight, or one fewer (the
     * launch that a kernel's end unblocks is stamped as the slot frees): a plateau, not one peak. Such a
     * launch blocks until a kernel ends; its time beyond the median launch's is a wait */
    for (size_t i = 0; i < nl_; i++)
        if ((long long)fl_at[i] >= info->max_inflight - 1) info->queue_full++;
    if (info->queue_full >= 10) {
        qsort(durs, nl_, sizeof *durs, by_double);
        double med = durs[nl_ / 2];
        for (size_t i = 0; i < nl_; i++)
            if ((long long)fl_at[i] >= info->max_inflight - 1 && lt[4 * i + 1] > med) {
                double w = (lt[4 * i + 1] - med) * 1e-6;
                info->wait_s[(int)lt[4 * i + 2]] += w;
                info->queue_wait_s += w;
            }
    } else info->queue_full = 0;
    free(fl_at);
    free(durs);
    /* the GPU busy: union of the launches' kernel spans (ls holds start and end pairs) */
    qsort(ls, nl_, 2 * sizeof *ls, by_double); /* by start: the comparator reads the pair's first double */
    {
        double ce = -1e300;
        for (size_t i = 0; i < nl_; i++) {
            double b0 = ls[2 * i] > ce ? ls[2 * i] : ce, en = ls[2 * i + 1];
            if (en > b0) info->gpu_busy_s += (en - b0) * 1e-6;
            if (en > ce) ce = en;
        }
    }

    /* the model's conv / fc layers */
    int *L = malloc((net->nlayers + 1) * sizeof *L), nl = 0;
    if (!L) { rc = dt_errf(e, DT_ENOMEM, "out of memory"); goto out; }
    for (size_t i = 0; i < net->nlayers; i++)
        if (net->layers[i].kind == DNN_CONV || net->layers[i].kind == DNN_FC) L[nl++] = (int)i;
    if (nf == 0) {
        rc = dt_errf(e, DT_EINVAL, "%s: %s has no convolution or linear ops (aten::conv2d, aten::linear, ...): not a "
                     "profile of model '%s'", path, info->step, net->model->name);
        free(L);
        goto out;
    }
    /* layers by the "module: NAME" spans around the ops, or else by order */
    int named = 0;
    for (int k = 0; k < nf; k++) named += F[k].layer >= 0;
    if (named && named != nf) {
        rc = dt_errf(e, DT_EINVAL, "%s: %d of the %d convolution/linear ops of %s are inside 'module: NAME' spans, the "
                     "others not: cannot map them all by name", path, named, nf, info->step);
        free(L);
        goto out;
    }
    for (int k = 0; k < nf && named; k++)
        for (int k2 = 0; k2 < k; k2++)
            if (F[k2].layer == F[k].layer) {
                rc = dt_errf(e, DT_EINVAL, "%s: %s: 'module: %s' holds two convolution/linear ops", path, info->step,
                             net->layers[F[k].layer].name);
                free(L);
                goto out;
            }
    if (nf != nl) {
        rc = dt_errf(e, DT_EINVAL, "%s: %s has %d convolution/linear ops in its forward, model '%s' has %d conv/fc layers",
                     path, info->step, nf, net->model->name, nl);
        free(L);
        goto out;
    }
    for (int k = 0; k < nf && !named; k++) F[k].layer = L[k];
    info->named = named > 0;
    /* backward: by sequence number where every backward op finds its forward op */
    int byseq = nb > 0;
    for (int k = 0; k < nb && byseq; k++) {
        int hit = -1;
        for (int f = 0; f < nf && B[k].seq >= 0; f++)
            if (F[f].seq == B[k].seq) { hit = f; break; }
        B[k].layer = hit;
        if (hit < 0) byseq = 0;
    }
    if (!byseq) {
        if (nb != 0 && nb != nf) {
            rc = dt_errf(e, DT_EINVAL, "%s: %s has %d backward convolution/linear ops and %d forward ones, and no "
                         "sequence numbers to pair them", path, info->step, nb, nf);
            free(L);
            goto out;
        }
        for (int k = 0; k < nb; k++) B[k].layer = nf - 1 - k;
    }
    info->pairing = byseq;
    {   /* where the host waits: before the first forward layer op, in the model, after the last backward
         * layer op (up to the optimizer's end), after the optimizer */
        double f0 = ev[F[0].ev].ts, b1 = -1e300;
        for (int k = 0; k < nb; k++)
            if (ev[B[k].ev].ts + ev[B[k].ev].dur > b1) b1 = ev[B[k].ev].ts + ev[B[k].ev].dur;
        for (size_t k = 0; k < nw; k++) {
            double w = wts[k];
            int where = w < f0 ? KW_START : (opt_end > -1e300 && w >= opt_end) ? KW_END
                      : (nb > 0 && w >= b1) ? KW_PREOPT : KW_MODEL;
            info->waits[where]++;
        }
    }
    if (batch <= 0) batch = ev[F[0].ev].dim0;
    else if (ev[F[0].ev].dim0 > 0 && ev[F[0].ev].dim0 != batch) {
        rc = dt_errf(e, DT_EINVAL, "%s: batch %lld asked for, but the first convolution's input in the trace has batch %lld", path, batch,
                     (long long)ev[F[0].ev].dim0);
        free(L);
        goto out;
    }
    if (batch <= 0) {
        rc = dt_errf(e, DT_EINVAL, "%s: no batch size in the trace (record with record_shapes=True, or give --batch)", path);
        free(L);
        goto out;
    }
    if (nkern > 0 && info->kernels == 0) {
        rc = dt_errf(e, DT_EINVAL, "%s: %zu GPU kernels, none paired to a CPU op of %s (no correlation ids or ac2g "
                     "flows)", path, nkern, info->step);
        free(L);
        goto out;
    }
    int gpu = info->kernels > 0;
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%.511s", path);
    t->batch = batch;
    snprintf(info->dtype, sizeof info->dtype, "%s", dty ? dtype_of(dty, dtylen) : "-");
    snprintf(t->dtype, sizeof t->dtype, "%s", info->dtype);
    snprintf(t->gpu, sizeof t->gpu, "%s", d->device);
    snprintf(info->device, sizeof info->device, "%s", d->device);
    t->step_host_s = info->step_host_s;
    t->opt_gpu_s = gpu ? info->opt_gpu_s : -1;
    t->opt_host_s = info->opt_host_s;
    t->rows = calloc((size_t)nf, sizeof *t->rows);
    if (!t->rows) { rc = dt_errf(e, DT_ENOMEM, "out of memory"); free(L); goto out; }
    t->nrows = (size_t)nf;
    for (int i = 0; i < nf; i++) {
        struct trace_row *r = &t->rows[i];
        snprintf(r->layer, sizeof r->layer, "%s", net->layers[F[i].layer].name);
        r->fwd_s = gpu ? F[i].gpu : -1;
        r->fwd_host_s = F[i].host;
        r->bwd_data_s = r->bwd_filter_s = r->bwd_s = r->bwd_host_s = -1;
    }
    for (int k = 0; k < nb; k++) {
        struct trace_row *r = &t->rows[B[k].layer];
        r->bwd_s = gpu ? (r->bwd_s > 0 ? r->bwd_s : 0) + B[k].gpu : -1;
        r->bwd_host_s = (r->bwd_host_s > 0 ? r->bwd_host_s : 0) + B[k].host;
    }
    t->gpu_rows = gpu ? (size_t)(nf + nb) : 0; /* passes with a GPU time, as trace_load counts them */
    info->events = d->nevents;
    info->legacy = d->legacy && !d->any_cat;
    free(L);
out:
    free(fl);
    free(ix);
    free(m.key);
    free(m.gpu);
    free(m.cnt);
    free(m.end);
    free(m.start);
    free(m.pageable);
    free(lt);
    free(le);
    free(ls);
    free(wts);
    free(F);
    free(B);
    free(st);
    free(stk);
    free(top);
    return rc;
}

/* Inflate a gzip file (one or more members) into a new buffer. */
static int gunzip(const void *in, size_t n, char **out, size_t *outlen, const char *path, dt_err *e)
{
    const size_t limit = (size_t)16 << 30; /* 16 GiB of JSON: beyond any profile this import is for */
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return dt_errf(e, DT_ENOMEM, "out of memory");
    size_t cap = n * 8 + 4096, used = 0;
    char *buf = malloc(cap);
    if (!buf) { inflateEnd(&z); return dt_errf(e, DT_ENOMEM, "out of memory"); }
    z.next_in = (Bytef *)(uintptr_t)in;
    int rc = Z_OK;
    size_t left = n;
    for (;;) {
        if (used == cap) {
            if (cap >= limit) { rc = Z_MEM_ERROR; break; }
            char *p = realloc(buf, cap * 2);
            if (!p) { rc = Z_MEM_ERROR; break; }
            buf = p;
            cap *= 2;
        }
        uInt chunk = left > 1u << 30 ? 1u << 30 : (uInt)left;
        z.avail_in = chunk;
        size_t room = cap - used;
        z.avail_out = room > 1u << 30 ? 1u << 30 : (uInt)room;
        z.next_out = (Bytef *)buf + used;
        rc = inflate(&z, Z_NO_FLUSH);
        left -= chunk - z.avail_in;
        used = (size_t)((char *)z.next_out - buf);
        if (rc == Z_STREAM_END) {
            if (left == 0) break;
            if (inflateReset(&z) != Z_OK) { rc = Z_DATA_ERROR; break; } /* another member follows */
            continue;
        }
        if (rc == Z_BUF_ERROR && left == 0) break; /* input ends inside a member */
        if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    }
    const char *msg = z.msg;
    inflateEnd(&z);
    if (rc == Z_STREAM_END) {
        *out = buf;
        *outlen = used;
        return 0;
    }
    free(buf);
    if (rc == Z_MEM_ERROR) return dt_errf(e, DT_ENOMEM, "%s: out of memory inflating the gzip file", path);
    if (rc == Z_BUF_ERROR || rc == Z_OK)
        return dt_errf(e, DT_EINVAL, "%s: truncated gzip file: it ends before its compressed trace does", path);
    return dt_errf(e, DT_EINVAL, "%s: not a valid gzip file (%s)", path, msg ? msg : "corrupt data");
}

int kineto_is_json(const char *path, dt_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) return dt_errf(e, DT_ENOENT, "cannot open trace '%s': %s", path, strerror(errno));
    int c;
    while ((c = getc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t') {}
    int c2 = getc(f);
    fclose(f);
    return c == '{' || c == '[' || (c == 0x1f && c2 == 0x8b); /* JSON, or gzip-compressed (a trace) */
}

int kineto_import(const char *path, const char *model, long long batch, struct trace *t, struct kineto_info *info,
                  dt_err *e)
{
    memset(t, 0, sizeof *t);
    memset(info, 0, sizeof *info);
    struct dnn_net net;
    memset(&net, 0, sizeof net);
    if (!dnn_find(model, e)) return DT_ENOENT;
    int rc = dnn_build_name(model, NULL, &net, e);
    if (rc) return rc;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        dnn_free(&net);
        return dt_errf(e, DT_ENOENT, "cannot open trace '%s': %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        dnn_free(&net);
        return dt_errf(e, DT_EINVAL, "%s: not a regular file", path);
    }
    if (sb.st_size == 0) {
        close(fd);
        dnn_free(&net);
        return dt_errf(e, DT_EINVAL, "%s: empty file, not a torch.profiler trace", path);
    }
    void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        dnn_free(&net);
        return dt_errf(e, DT_EIO, "%s: cannot map: %s", path, strerror(errno));
    }
    madvise(map, (size_t)sb.st_size, MADV_SEQUENTIAL);
    char *gz = NULL;
    size_t len = (size_t)sb.st_size;
    const unsigned char *mb = map;
    if (len >= 2 && mb[0] == 0x1f && mb[1] == 0x8b) { /* gzip: the whole trace inflated in memory */
        rc = gunzip(map, (size_t)sb.st_size, &gz, &len, path, e);
        if (rc) {
            munmap(map, (size_t)sb.st_size);
            dnn_free(&net);
            return rc;
        }
    }
    const char *text = gz ? gz : map;
    struct jp j = {text, text, text + len, path, e};
    struct kdoc d;
    memset(&d, 0, sizeof d);
    rc = parse_doc(&j, &d);
    if (!rc) rc = analyse(&d, path, &net, batch, t, info, e);
    if (rc) trace_free(t);
    free(d.ev);
    free(gz);
    munmap(map, (size_t)sb.st_size);
    dnn_free(&net);
    return rc;
}

static void num(FILE *f, double v)
{
    if (v >= 0) fprintf(f, "%.6e", v);
    else fputs("-", f);
}

int kineto_write(FILE *f, const struct trace *t, const struct kineto_info *info, const char *model,
                 const char *command, dt_err *e)
{
    struct dnn_net net;
    int rc = dnn_build_name(model, NULL, &net, e);
    if (rc) return rc;
    int gpu = t->gpu_rows > 0;
    fprintf(f, "# dtbench compute trace v1\n");
    fprintf(f, "# command: %s\n", command);
    fprintf(f, "# source: torch.profiler (%s) trace %s: %s (%s) of %.6e s, %lld events, %lld CPU ops, %lld GPU "
               "kernels paired; layers by %s; backward paired %s\n",
            info->legacy ? "legacy autograd profiler" : "Kineto", t->path, info->step, info->step_why, info->step_s, info->events,
            info->ops, info->kernels, info->named ? "module name" : "order",
            info->pairing ? "by sequence number" : "in reverse order");
    if (gpu) fprintf(f, "# gpu: %s\n", info->device[0] ? info->device : "unknown (no deviceProperties)");
    else fprintf(f, "# gpu: none (CPU-only profile, no kernels: time_s is empty, host_s is the ops' CPU time)\n");
    fprintf(f, "# step_s: %.6e\n", info->step_s);
    fprintf(f, "# step_host_s: %.6e\n", info->step_host_s);
    fprintf(f, "# optimizer_s: gpu ");
    num(f, gpu ? info->opt_gpu_s : -1);
    fprintf(f, " host %.6e\n", info->opt_host_s);
    fprintf(f, "# other_s: fwd gpu ");
    num(f, gpu ? info->other_gpu_s[0] : -1);
    fprintf(f, " host %.6e bwd gpu ", info->other_host_s[0]);
    num(f, gpu ? info->other_gpu_s[1] : -1);
    fprintf(f, " host %.6e\n", info->other_host_s[1]);
    if (info->input_s > 0) fprintf(f, "# input_s: %.6e (DataLoader spans in the step and the host's idle time right after each)\n", info->input_s);
    if (gpu) {
        long long kp[3] = {0, 0, 0};
        for (int c = 0; c < KINETO_NCLS; c++)
            for (int p = 0; p < 3; p++) kp[p] += info->part[c][p].kernels;
        fprintf(f, "# kernels: fwd %lld bwd %lld optimizer %lld; at most %lld in flight; GPU busy %.6e s\n", kp[0], kp[1],
                kp[2], info->max_inflight, info->gpu_busy_s);
        fprintf(f, "# host_waits: %d at the start, %d in the model, %d before the optimizer, %d at the end; %.6e s\n",
                info->waits[KW_START], info->waits[KW_MODEL], info->waits[KW_PREOPT], info->waits[KW_END],
                info->wait_s[0] + info->wait_s[1] + info->wait_s[2]);
    }
    fprintf(f, "layer,kind,pass,batch,dtype,time_s,flops,host_s\n");
    double tot[2] = {0, 0}, host = 0;
    for (size_t k = 0; k < t->nrows; k++) {
        const struct trace_row *r = &t->rows[k];
        size_t i;
        for (i = 0; i < net.nlayers && strcmp(net.layers[i].name, r->layer) != 0; i++) {}
        if (i == net.nlayers) { dnn_free(&net); return dt_errf(e, DT_EINVAL, "layer '%s' not in model '%s'", r->layer, model); }
        const struct dnn_layer *l = &net.layers[i];
        for (int p = 0; p < 2; p++) {
            double g = p ? r->bwd_s : r->fwd_s, h = p ? r->bwd_host_s : r->fwd_host_s;
            if (g < 0 && h < 0) continue;
            double fl = (double)(p ? l->bwd_data_flops + l->bwd_weight_flops : l->fwd_flops) * (double)t->batch;
            fprintf(f, "%s,%s,%s,%lld,%s,", r->layer, dnn_kind_name(l->kind), p ? "bwd" : "fwd", t->batch, t->dtype);
            if (g >= 0) fprintf(f, "%.6e", g);
            fprintf(f, ",%.0f,%.6e\n", fl, h > 0 ? h : 0);
            if (g > 0) tot[p] += g;
            if (h > 0) host += h;
        }
    }
    if (gpu) fprintf(f, "# total_s: fwd %.6e bwd %.6e host %.6e\n", tot[0], tot[1], host);
    else fprintf(f, "# total_s: host %.6e\n", host);
    dnn_free(&net);
    return 0;
}
