/* io.c -- synthetic JPEG dataset and threaded reader (see io.h). The
 * command layer (dtbench_io_main) is in io_cmd.c. */
#define _GNU_SOURCE /* O_DIRECT, syncfs */
#include "io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <turbojpeg.h>
#include <unistd.h>

#define IO_ALIGN 4096
#define IO_QUALITY 90

/* ---- image generation --------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Smooth pattern (three gradients and a few soft blobs, chosen by the seed)
 * plus uniform noise in [-amp, amp] per channel. */
static void gen_image(unsigned char *rgb, int w, int h, double amp, uint64_t seed)
{
    uint64_t s = seed;
    double g[3][3], cx[4], cy[4], cr[4], cc[4][3];
    for (int c = 0; c < 3; c++)
        for (int j = 0; j < 3; j++) g[c][j] = (double)(splitmix(&s) % 1000) / 1000.0;
    for (int b = 0; b < 4; b++) {
        cx[b] = (double)(splitmix(&s) % (unsigned)w);
        cy[b] = (double)(splitmix(&s) % (unsigned)h);
        cr[b] = 20.0 + (double)(splitmix(&s) % 100);
        for (int c = 0; c < 3; c++) cc[b][c] = (double)(splitmix(&s) % 160) - 80.0;
    }
    int ia = (int)(amp + 0.5);
    uint64_t ns = splitmix(&s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double fx = (double)x / w, fy = (double)y / h, v[3];
            for (int c = 0; c < 3; c++) v[c] = 40.0 + 170.0 * (g[c][0] * fx + g[c][1] * fy) * 0.5 + 60.0 * g[c][2];
            for (int b = 0; b < 4; b++) {
                double dx = x - cx[b], dy = y - cy[b], d2 = (dx * dx + dy * dy) / (cr[b] * cr[b]);
                if (d2 < 4.0) {
                    double k = 1.0 - d2 / 4.0;
                    for (int c = 0; c < 3; c++) v[c] += cc[b][c] * k;
                }
            }
            unsigned char *p = rgb + 3 * ((size_t)y * w + x);
            for (int c = 0; c < 3; c++) {
                int n = 0;
                if (ia > 0) {
                    ns ^= ns << 13, ns ^= ns >> 7, ns ^= ns << 17; /* xorshift64 */
                    n = (int)(ns % (uint64_t)(2 * ia + 1)) - ia;
                }
                int q = (int)v[c] + n;
                p[c] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q);
            }
        }
}

/* Compressed size of one image at noise amplitude `amp`. */
static long encode(tjhandle tj, unsigned char *rgb, int w, int h, double amp, uint64_t seed,
                   unsigned char **jpeg, unsigned long *jsize, dt_err *e)
{
    gen_image(rgb, w, h, amp, seed);
    if (tjCompress2(tj, rgb, w, 0, h, TJPF_RGB, jpeg, jsize, TJSAMP_420, IO_QUALITY, 0) != 0)
        return dt_errf(e, DT_EIO, "tjCompress2: %s", tjGetErrorStr2(tj));
    return (long)*jsize;
}

struct make_job {
    const char *dir;
    int nfiles, classes, w, h;
    double amp;
    unsigned seed;
    atomic_int next;
    atomic_llong bytes;
    atomic_int failed;
    pthread_mutex_t lock;
    dt_err err;
};

static void *make_worker(void *arg)
{
    struct make_job *j = arg;
    tjhandle tj = tjInitCompress();
    unsigned char *rgb = malloc((size_t)j->w * j->h * 3), *jpeg = NULL;
    unsigned long jsize = 0;
    dt_err e;
    char path[4096];
    if (!tj || !rgb) {
        pthread_mutex_lock(&j->lock);
        dt_errf(&j->err, DT_ENOMEM, "out of memory (turbojpeg or image buffer)");
        pthread_mutex_unlock(&j->lock);
        atomic_store(&j->failed, 1);
    }
    for (int i; tj && rgb && !atomic_load(&j->failed) && (i = atomic_fetch_add(&j->next, 1)) < j->nfiles;) {
        uint64_t s = ((uint64_t)j->seed << 32) ^ (uint64_t)i;
        double u = (double)(splitmix(&s) % 1000000) / 1e6;
        int cls = i % j->classes;
        if (encode(tj, rgb, j->w, j->h, j->amp * (0.8 + 0.4 * u), s, &jpeg, &jsize, &e) < 0) goto fail;
        snprintf(path, sizeof path, "%s/n%08d/n%08d_%08d.JPEG", j->dir, cls, cls, i);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(jpeg, 1, jsize, f) != jsize || fclose(f) != 0) {
            dt_errf(&e, DT_EIO, "cannot write '%s': %s", path, strerror(errno));
            if (f) fclose(f);
            goto fail;
        }
        atomic_fetch_add(&j->bytes, (long long)jsize);
        continue;
    fail:
        pthread_mutex_lock(&j->lock);
        if (!atomic_load(&j->failed)) j->err = e;
        atomic_store(&j->failed, 1);
        pthread_mutex_unlock(&j->lock);
    }
    if (tj) tjDestroy(tj);
    tjFree(jpeg);
    free(rgb);
    return NULL;
}

int io_make(const char *dir, int nfiles, long long target_bytes, int classes, int threads,
            unsigned seed, struct io_make_result *r, dt_err *e)
{
    char path[4096];
    memset(r, 0, sizeof *r);
    if (nfiles < 1 || classes < 1 || threads < 1 || target_bytes < 1000)
        return dt_errf(e, DT_EINVAL, "io make: files, classes and threads must be positive and the size at least 1000 bytes");
    if (classes > nfiles) classes = nfiles;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return dt_errf(e, DT_EIO, "cannot create '%s': %s", dir, strerror(errno));
    for (int c = 0; c < classes; c++) {
        snprintf(path, sizeof path, "%s/n%08d", dir, c);
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return dt_errf(e, DT_EIO, "cannot create '%s': %s", path, strerror(errno));
    }
    /* Calibrate on image 0: scale the picture until the target lies between
     * no noise and full noise, then bisect the amplitude. */
    int w = 500, h = 375;
    tjhandle tj = tjInitCompress();
    unsigned char *rgb = NULL, *jpeg = NULL;
    unsigned long jsize = 0;
    double lo = 0, hi = 255;
    int rc = 0;
    if (!tj) return dt_errf(e, DT_ENOMEM, "tjInitCompress: %s", tjGetErrorStr2(NULL));
    for (int tries = 0; tries < 12; tries++) {
        free(rgb);
        if (!(rgb = malloc((size_t)w * h * 3))) {
            rc = dt_errf(e, DT_ENOMEM, "out of memory");
            goto out;
        }
        long smin = encode(tj, rgb, w, h, 0, seed, &jpeg, &jsize, e);
        long smax = smin < 0 ? smin : encode(tj, rgb, w, h, 255, seed, &jpeg, &jsize, e);
        if (smax < 0) {
            rc = (int)smax;
            goto out;
        }
        double f = 0;
        if (smin > target_bytes && w > 16) f = 0.7071;
        else if (smax < target_bytes && w < 8000) f = 1.4142;
        if (f == 0) break;
        w = (int)(w * f) & ~1;
        h = (int)(h * f) & ~1;
    }
    for (int it = 0; it < 14; it++) {
        double mid = 0.5 * (lo + hi);
        long sz = encode(tj, rgb, w, h, mid, seed, &jpeg, &jsize, e);
        if (sz < 0) {
            rc = (int)sz;
            goto out;
        }
        if (sz < target_bytes) lo = mid;
        else hi = mid;
    }
    struct make_job j = {.dir = dir, .nfiles = nfiles, .classes = classes, .w = w, .h = h,
                         .amp = 0.5 * (lo + hi), .seed = seed};
    pthread_mutex_init(&j.lock, NULL);
    pthread_t tid[256];
    int nt = threads > 256 ? 256 : threads, started = 0;
    for (; started < nt; started++)
        if (pthread_create(&tid[started], NULL, make_worker, &j) != 0) break;
    if (started == 0) make_worker(&j);
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&j.lock);
    if (atomic_load(&j.failed)) {
        *e = j.err;
        rc = j.err.code;
        goto out;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        syncfs(dfd); /* dirty pages cannot be dropped: a cold read needs them on disk */
        close(dfd);
    }
    r->files = nfiles;
    r->bytes = atomic_load(&j.bytes);
    r->width = w;
    r->height = h;
    r->amplitude = j.amp;
out:
    tjDestroy(tj);
    tjFree(jpeg);
    free(rgb);
    return rc;
}

/* ---- listing ------------------------------------------------------------ */

static int is_jpeg(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".jpeg") == 0 || strcasecmp(dot, ".jpg") == 0);
}

static int list_dir(const char *dir, struct io_set *s, int *cap, int depth, dt_err *e)
{
    if (depth > 16) return dt_errf(e, DT_EINVAL, "'%s': directories nested too deep", dir);
    DIR *d = opendir(dir);
    if (!d) return dt_errf(e, DT_ENOENT, "cannot open directory '%s': %s", dir, strerror(errno));
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        char *p = malloc(len);
        struct stat st;
        if (!p) {
            rc = dt_errf(e, DT_ENOMEM, "out of memory");
            break;
        }
        snprintf(p, len, "%s/%s", dir, de->d_name);
        if (stat(p, &st) != 0) {
            free(p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = list_dir(p, s, cap, depth + 1, e);
            free(p);
        } else if (S_ISREG(st.st_mode) && is_jpeg(de->d_name)) {
            if (s->n == *cap) {
                int nc = *cap ? 2 * *cap : 1024;
                struct io_file *nf = realloc(s->f, (size_t)nc * sizeof *nf);
                if (!nf) {
                    free(p);
                    rc = dt_errf(e, DT_ENOMEM, "out of memory");
                    break;
                }
                s->f = nf;
                *cap = nc;
            }
            s->f[s->n].path = p;
            s->f[s->n++].bytes = st.st_size;
            s->bytes += st.st_size;
            if (st.st_size > s->max_bytes) s->max_bytes = st.st_size;
        } else {
            free(p);
        }
    }
    closedir(d);
    return rc;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(((const struct io_file *)a)->path, ((const struct io_file *)b)->path);
}

int io_list(const char *dir, struct io_set *s, dt_err *e)
{
    int cap = 0;
    memset(s, 0, sizeof *s);
    int rc = list_dir(dir, s, &cap, 0, e);
    if (rc) {
        io_set_free(s);
        return rc;
    }
    if (s->n == 0) return dt_errf(e, DT_ENOENT, "no JPEG files under '%s' (make some with 'dtbench io make')", dir);
    qsort(s->f, (size_t)s->n, sizeof *s->f, cmp_path);
    return 0;
}

void io_set_free(struct io_set *s)
{
    for (int i = 0; i < s->n; i++) free(s->f[i].path);
    free(s->f);
    memset(s, 0, sizeof *s);
}

void io_set_truncate(struct io_set *s, int max)
{
    if (max <= 0 || max >= s->n) return;
    for (int i = max; i < s->n; i++) {
        s->bytes -= s->f[i].bytes;
        free(s->f[i].path);
    }
    s->n = max;
    s->max_bytes = 0;
    for (int i = 0; i < s->n; i++)
        if (s->f[i].bytes > s->max_bytes) s->max_bytes = s->f[i].bytes;
}

/* ---- resize ------------------------------------------------------------- */

void io_resize_rgb(const unsigned char *src, int sw, int sh, unsigned char *dst, int dw, int dh)
{
    for (int y = 0; y < dh; y++) {
        double fy = (y + 0.5) * sh / dh - 0.5;
        if (fy < 0) fy = 0;
        if (fy > sh - 1) fy = sh - 1;
        int y0 = (int)fy, y1 = y0 + 1 < sh ? y0 + 1 : y0;
        double wy = fy - y0;
        for (int x = 0; x < dw; x++) {
            double fx = (x + 0.5) * sw / dw - 0.5;
            if (fx < 0) fx = 0;
            if (fx > sw - 1) fx = sw - 1;
            int x0 = (int)fx, x1 = x0 + 1 < sw ? x0 + 1 : x0;
            double wx = fx - x0;
            const unsigned char *a = src + 3 * ((size_t)y0 * sw + x0), *b = src + 3 * ((size_t)y0 * sw + x1);
            const unsigned char *c = src + 3 * ((size_t)y1 * sw + x0), *d = src + 3 * ((size_t)y1 * sw + x1);
            unsigned char *o = dst + 3 * ((size_t)y * dw + x);
            for (int k = 0; k < 3; k++) {
                double top = a[k] + (b[k] - a[k]) * wx, bot = c[k] + (d[k] - c[k]) * wx;
                o[k] = (unsigned char)(top + (bot - top) * wy + 0.5);
            }
        }
    }
}

/* ---- reading ------------------------------------------------------------ */

struct read_job {
    const struct io_set *s;
    const struct io_read_opts *o;
    int timed;                 /* 0: the untimed warm-up pass */
    atomic_int next;
    atomic_int files, images, failed;
    atomic_llong bytes;
    atomic_ullong checksum;
    pthread_mutex_t lock;
    dt_err err;
};

static void job_fail(struct read_job *j, const dt_err *e)
{
    pthread_mutex_lock(&j->lock);
    if (!atomic_load(&j->failed)) j->err = *e;
    atomic_store(&j->failed, 1);
    pthread_mutex_unlock(&j->lock);
}

static void *read_worker(void *arg)
{
    struct read_job *j = arg;
    const struct io_read_opts *o = j->o;
    size_t cap = ((size_t)j->s->max_bytes + 2 * IO_ALIGN) & ~(size_t)(IO_ALIGN - 1);
    unsigned char *buf = NULL, *rgb = NULL, *out = NULL;
    size_t rgb_cap = 0;
    int side = o->out_side > 0 ? o->out_side : 224, direct = o->mode == IO_DIRECT && j->timed;
    tjhandle tj = NULL;
    dt_err e;
    unsigned long long sum = 0;
    if (posix_memalign((void **)&buf, IO_ALIGN, cap) != 0) buf = NULL;
    if (o->decode && j->timed) {
        tj = tjInitDecompress();
        out = malloc((size_t)side * side * 3);
    }
    if (!buf || (o->decode && j->timed && (!tj || !out))) {
        dt_errf(&e, DT_ENOMEM, "out of memory (read buffer or decoder)");
        job_fail(j, &e);
    }
    for (int i; !atomic_load(&j->failed) && (i = atomic_fetch_add(&j->next, 1)) < j->s->n;) {
        const char *path = j->s->f[i].path;
        int fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
        if (fd < 0) {
            dt_errf(&e, DT_EIO, "cannot open '%s'%s: %s", path, direct ? " with O_DIRECT" : "", strerror(errno));
            job_fail(j, &e);
            break;
        }
        if (o->mode == IO_COLD && j->timed) posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        size_t got = 0;
        for (;;) {
            ssize_t n = read(fd, buf + got, cap - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                dt_errf(&e, DT_EIO, "cannot read '%s': %s", path, strerror(errno));
                job_fail(j, &e);
                break;
            }
            if (n == 0) break;
            got += (size_t)n;
            if (got + IO_ALIGN > cap) break; /* grew while we read: take what fits */
        }
        close(fd);
        if (atomic_load(&j->failed)) break;
        atomic_fetch_add(&j->files, 1);
        atomic_fetch_add(&j->bytes, (long long)got);
        if (!tj) {
            sum += got ? buf[got / 2] : 0;
            continue;
        }
        int w, h, sub, cs;
        if (tjDecompressHeader3(tj, buf, (unsigned long)got, &w, &h, &sub, &cs) != 0) {
            dt_errf(&e, DT_EIO, "'%s': not a JPEG (%s)", path, tjGetErrorStr2(tj));
            job_fail(j, &e);
            break;
        }
        if ((size_t)w * h * 3 > rgb_cap) {
            free(rgb);
            rgb_cap = (size_t)w * h * 3;
            if (!(rgb = malloc(rgb_cap))) {
                dt_errf(&e, DT_ENOMEM, "out of memory (%dx%d image)", w, h);
                job_fail(j, &e);
                break;
            }
        }
        if (tjDecompress2(tj, buf, (unsigned long)got, rgb, w, 0, h, TJPF_RGB, 0) != 0) {
            dt_errf(&e, DT_EIO, "'%s': cannot decode (%s)", path, tjGetErrorStr2(tj));
            job_fail(j, &e);
            break;
        }
        io_resize_rgb(rgb, w, h, out, side, side);
        for (size_t k = 0; k < (size_t)side * side * 3; k += 97) sum += out[k];
        atomic_fetch_add(&j->images, 1);
    }
    atomic_fetch_add(&j->checksum, sum);
    if (tj) tjDestroy(tj);
    free(buf);
    free(rgb);
    free(out);
    return NULL;
}

static int run_pass(const struct io_set *s, const struct io_read_opts *o, int timed,
                    struct io_read_result *r, dt_err *e)
{
    struct read_job j = {.s = s, .o = o, .timed = timed};
    pthread_t tid[1024];
    int nt = o->threads > 1024 ? 1024 : o->threads, started = 0;
    pthread_mutex_init(&j.lock, NULL);
    if (timed) counters_start(&r->ctr);
    for (; started < nt; started++)
        if (pthread_create(&tid[started], NULL, read_worker, &j) != 0) break;
    if (started == 0) read_worker(&j);
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
    if (timed) counters_stop(&r->ctr, &r->sample);
    pthread_mutex_destroy(&j.lock);
    if (atomic_load(&j.failed)) {
        *e = j.err;
        return j.err.code;
    }
    if (timed) {
        r->files = atomic_load(&j.files);
        r->bytes = atomic_load(&j.bytes);
        r->images = atomic_load(&j.images);
        r->checksum = atomic_load(&j.checksum);
        r->wall_s = r->sample.wall_s;
    }
    return 0;
}

int io_read(const struct io_set *s, const struct io_read_opts *o, struct io_read_result *r, dt_err *e)
{
    memset(r, 0, sizeof *r);
    if (o->threads < 1) return dt_errf(e, DT_EINVAL, "io read: threads must be at least 1");
    if (s->n < 1) return dt_errf(e, DT_EINVAL, "io read: no files");
    counters_open(&r->ctr, o->no_counters);
    int rc = 0;
    if (o->mode == IO_WARM) rc = run_pass(s, o, 0, r, e); /* fill the page cache */
    if (!rc) rc = run_pass(s, o, 1, r, e);
    counters_close(&r->ctr);
    return rc;
}
