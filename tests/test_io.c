/* Tests for real/io.[ch]: a few real JPEGs made in a temporary directory,
 * listed, read back cold and warm with several threads, and decoded; the
 * bilinear resize on values worked by hand. */
#define _GNU_SOURCE /* nftw's FTW_DEPTH / FTW_PHYS */
#include "io.h"

#include <CUnit/CUnit.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int suite_init(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/dtbench-io-test-XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int suite_clean(void) { return nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static unsigned char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    rewind(f);
    unsigned char *b = malloc((size_t)*len);
    if (b && fread(b, 1, (size_t)*len, f) != (size_t)*len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void test_make_list_read(void)
{
    char dir[128];
    struct io_make_result mr;
    struct io_set s;
    dt_err e;
    snprintf(dir, sizeof dir, "%s/a", tmp);
    CU_ASSERT_EQUAL_FATAL(io_make(dir, 6, 20000, 2, 2, 7, &mr, &e), 0);
    CU_ASSERT_EQUAL(mr.files, 6);
    /* The bisection hits 20 kB on image 0; the others spread with a x (0.8 + 0.4 u). */
    CU_ASSERT(mr.bytes > 6 * 10000 && mr.bytes < 6 * 30000);
    CU_ASSERT_EQUAL_FATAL(io_list(dir, &s, &e), 0);
    CU_ASSERT_EQUAL_FATAL(s.n, 6);
    CU_ASSERT_EQUAL(s.bytes, mr.bytes);
    char want[256];
    snprintf(want, sizeof want, "%s/n00000000/n00000000_00000000.JPEG", dir);
    CU_ASSERT_STRING_EQUAL(s.f[0].path, want);
    snprintf(want, sizeof want, "%s/n00000001/n00000001_00000005.JPEG", dir);
    CU_ASSERT_STRING_EQUAL(s.f[5].path, want);
    long len = 0;
    unsigned char *b = slurp(s.f[0].path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(len, s.f[0].bytes);
    CU_ASSERT(b[0] == 0xFF && b[1] == 0xD8 && b[len - 2] == 0xFF && b[len - 1] == 0xD9); /* SOI, EOI */
    free(b);

    struct io_read_result r;
    struct io_read_opts o = {3, IO_COLD, 0, 224, 1};
    CU_ASSERT_EQUAL(io_read(&s, &o, &r, &e), 0);
    CU_ASSERT_EQUAL(r.files, 6);
    CU_ASSERT_EQUAL(r.bytes, s.bytes);
    CU_ASSERT_EQUAL(r.images, 0);
    CU_ASSERT(r.wall_s > 0);
    o.mode = IO_WARM;
    o.decode = 1;
    o.out_side = 32;
    CU_ASSERT_EQUAL(io_read(&s, &o, &r, &e), 0);
    CU_ASSERT_EQUAL(r.files, 6);
    CU_ASSERT_EQUAL(r.images, 6);
    unsigned long long sum1 = r.checksum;
    o.threads = 1; /* the same pixels whatever the thread count */
    CU_ASSERT_EQUAL(io_read(&s, &o, &r, &e), 0);
    CU_ASSERT_EQUAL(r.checksum, sum1);
    io_set_truncate(&s, 2);
    CU_ASSERT_EQUAL(s.n, 2);
    CU_ASSERT_EQUAL(s.bytes, s.f[0].bytes + s.f[1].bytes);
    io_set_free(&s);
}

static void test_deterministic(void)
{
    char a[128], b[128];
    struct io_make_result r1, r2;
    dt_err e;
    snprintf(a, sizeof a, "%s/d1", tmp);
    snprintf(b, sizeof b, "%s/d2", tmp);
    CU_ASSERT_EQUAL_FATAL(io_make(a, 3, 15000, 1, 1, 3, &r1, &e), 0);
    CU_ASSERT_EQUAL_FATAL(io_make(b, 3, 15000, 1, 3, 3, &r2, &e), 0);
    CU_ASSERT_EQUAL(r1.bytes, r2.bytes);
    char p1[256], p2[256];
    long l1 = 0, l2 = 0;
    snprintf(p1, sizeof p1, "%s/n00000000/n00000000_00000002.JPEG", a);
    snprintf(p2, sizeof p2, "%s/n00000000/n00000000_00000002.JPEG", b);
    unsigned char *x = slurp(p1, &l1), *y = slurp(p2, &l2);
    CU_ASSERT_FATAL(x && y);
    CU_ASSERT(l1 == l2 && memcmp(x, y, (size_t)l1) == 0);
    free(x);
    free(y);
}

static void test_errors(void)
{
    struct io_set s;
    struct io_make_result mr;
    dt_err e;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/missing", tmp);
    CU_ASSERT_EQUAL(io_list(dir, &s, &e), DT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot open directory"));
    snprintf(dir, sizeof dir, "%s/empty", tmp);
    CU_ASSERT_EQUAL(io_make(dir, 0, 20000, 1, 1, 1, &mr, &e), DT_EINVAL);
}

/* x_src = (x + 0.5) * 2 / 4 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamped 0, 0.25,
 * 0.75, 1 -> 0, 63.75, 191.25, 255 -> rounded 0, 64, 191, 255. */
static void test_resize(void)
{
    const unsigned char src[6] = {0, 10, 20, 255, 110, 220};
    unsigned char dst[12];
    io_resize_rgb(src, 2, 1, dst, 4, 1);
    CU_ASSERT_EQUAL(dst[0], 0);
    CU_ASSERT_EQUAL(dst[3], 64);
    CU_ASSERT_EQUAL(dst[6], 191);
    CU_ASSERT_EQUAL(dst[9], 255);
    CU_ASSERT_EQUAL(dst[4], 35); /* 10 + 100 x 0.25 */
    CU_ASSERT_EQUAL(dst[11], 220);
    unsigned char flat[3 * 9], out[3 * 4];
    memset(flat, 77, sizeof flat);
    io_resize_rgb(flat, 3, 3, out, 2, 2);
    for (int i = 0; i < 12; i++) CU_ASSERT_EQUAL(out[i], 77);
}

int test_io_register(void)
{
    CU_pSuite s = CU_add_suite("io", suite_init, suite_clean);
    if (!s) return -1;
    if (!CU_add_test(s, "make_list_read", test_make_list_read) ||
        !CU_add_test(s, "deterministic", test_deterministic) || !CU_add_test(s, "errors", test_errors) ||
        !CU_add_test(s, "resize", test_resize))
        return -1;
    return 0;
}
