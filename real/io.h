/* io.h -- `dtbench io`: an ImageNet-like dataset of real JPEGs, and the
 * files-per-second and decode rates of reading it.
 *
 * Dataset (io_make): N JPEGs (libjpeg-turbo, quality 90, 4:2:0, 500x375
 * pixels as a typical ImageNet photo) in a class tree
 *
 *     DIR/n00000000/n00000000_00000000.JPEG     file i in class i mod C
 *
 * Each image is a smooth colour pattern plus uniform noise of amplitude a;
 * a JPEG's size grows with a, so a is found by bisection on the first
 * image to hit the target size, and image i uses a x (0.8 + 0.4 u_i), u_i
 * uniform in [0, 1): sizes spread around the target like a real dataset.
 * The content of file i depends only on (seed, i). The files are synced
 * (syncfs) at the end so that a cold read can drop them from the cache.
 *
 * Reading (io_read): T threads take files from a shared counter; each
 * opens, reads the whole file with one read(2) per call until EOF, closes.
 *   warm    the page cache holds the files: an untimed pass reads them all
 *           first
 *   cold    posix_fadvise(POSIX_FADV_DONTNEED) on each file right after it
 *           is opened, so its pages come from storage (fio does the same
 *           with invalidate=1, its default)
 *   direct  O_DIRECT: no page cache at all; 4096-aligned buffer and length
 * With decode, each file is also decompressed to RGB (tjDecompress2,
 * accurate DCT) and resized to 224x224 by bilinear interpolation with
 * pixel centres aligned:  x_src = (x_dst + 0.5) w_src / w_dst - 0.5,
 * clamped to [0, w_src - 1] (likewise y).
 *
 *   files/s = files / wall_s      MB/s = bytes / wall_s / 1e6
 *   images/s per core = images / cpu_s   (process CPU time of the phase)
 */
#ifndef DT_IO_H
#define DT_IO_H

#include <stddef.h>

#include "counters.h"
#include "err.h"

struct io_make_result {
    int files;          /* written */
    long long bytes;    /* total JPEG bytes */
    int width, height;  /* pixels per image */
    double amplitude;   /* calibrated noise amplitude, 0..255 */
};

struct io_file {
    char *path;         /* malloc'd */
    long long bytes;
};

struct io_set {
    struct io_file *f;  /* sorted by path */
    int n;
    long long bytes;     /* sum */
    long long max_bytes; /* largest file */
};

enum io_mode { IO_WARM, IO_COLD, IO_DIRECT };

struct io_read_opts {
    int threads;        /* >= 1 */
    enum io_mode mode;
    int decode;         /* 1: decompress and resize each file */
    int out_side;       /* resize target, pixels (224) */
    int no_counters;    /* 1: software clocks only */
};

struct io_read_result {
    int files;                      /* read */
    long long bytes;                /* read */
    int images;                     /* decoded (decode only) */
    double wall_s;                  /* timed phase, s */
    unsigned long long checksum;    /* sum of resized pixels, or of bytes read */
    struct counters ctr;            /* why hardware counters are off, if so */
    struct counters_sample sample;  /* counters of the timed phase */
};

/* Write `nfiles` JPEGs of about `target_bytes` each in `classes` class
 * directories under `dir` (created if missing), with `threads` threads. */
int io_make(const char *dir, int nfiles, long long target_bytes, int classes, int threads,
            unsigned seed, struct io_make_result *r, dt_err *e);

/* All *.JPEG / *.jpg / *.jpeg files under `dir`, recursively, sorted. */
int io_list(const char *dir, struct io_set *s, dt_err *e);
void io_set_free(struct io_set *s);

/* Keep the first `max` files (no-op when max <= 0 or max >= s->n). */
void io_set_truncate(struct io_set *s, int max);

int io_read(const struct io_set *s, const struct io_read_opts *o, struct io_read_result *r, dt_err *e);

/* Bilinear resize of packed RGB (3 bytes per pixel), centres aligned. */
void io_resize_rgb(const unsigned char *src, int sw, int sh, unsigned char *dst, int dw, int dh);

/* `dtbench io make|read ...`: argv[0] is "io". Exit status 0 ok, 1 a read
 * or decode failed, 2 bad usage. */
int dtbench_io_main(int argc, char **argv);

#endif
