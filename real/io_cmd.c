/* io_cmd.c -- `dtbench io make|read`: the command layer over io.c (see io.h
 * for what is measured and docs/dtbench-io.md for use and the fio check). */
#include "cmdfail.h"
#include "io.h"

#include "cmd.h"
#include "strsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Error lines say "dtbench io: error: ...". */
#define fail(...) real_fail("io", __VA_ARGS__)
#define is_help real_is_help
#define parse_int(...) real_parse_int("io", __VA_ARGS__)

static void usage(FILE *f)
{
    fprintf(f,
        "usage: dtbench io make --dir DIR [--files N] [--size BYTES] [--classes C] [--threads T] [--seed S]\n"
        "       dtbench io read --dir DIR [--threads T] [--cold|--warm|--direct] [--decode] [--side PX]\n"
        "                       [--max-files N] [--no-counters]\n\n"
        "make  write N real JPEGs of about --size bytes (default 1000 files, 110KB, 100 classes)\n"
        "      in an ImageNet-like class tree DIR/nXXXXXXXX/*.JPEG\n"
        "read  read every JPEG under DIR with T threads (default 1) and report files/s and MB/s:\n"
        "        --cold    posix_fadvise(DONTNEED) on each file before reading it (default)\n"
        "        --warm    an untimed pass first, so the page cache holds the files\n"
        "        --direct  O_DIRECT, no page cache\n"
        "        --decode  also decompress and resize to 224x224 (--side), report images/s per core\n"
        "        --max-files N  only the first N files (sorted by path)\n"
        "      hardware counters (libpfm4) around the read, software clocks where there is no PMU\n");
}

static int ncores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static const char *const mode_desc[] = {
    "warm (page cache filled by an untimed pass)",
    "cold (posix_fadvise DONTNEED per file before reading)",
    "direct (O_DIRECT)"};

int dtbench_io_main(int argc, char **argv)
{
    static const char *const verbs[] = {"make", "read"};
    static const char *const opts[] = {"--dir", "--files", "--size", "--classes", "--threads", "--seed",
                                       "--cold", "--warm", "--direct", "--decode", "--side",
                                       "--no-counters", "--max-files", "--help"};
    if (argc < 2 || is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? DT_EXIT_USAGE : DT_EXIT_OK;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "make") && strcmp(verb, "read")) {
        const char *near = strsim_nearest(verb, verbs, 2);
        if (near) return fail("unknown action '%s' (did you mean '%s'?)", verb, near);
        return fail("unknown action '%s' (known: make, read)", verb);
    }
    const char *dir = NULL;
    int files = 1000, classes = 100, threads = -1, seed = 1, side = 224, decode = 0, nocnt = 0, maxf = 0;
    long long size = 110000;
    enum io_mode mode = IO_COLD;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            usage(stdout);
            return DT_EXIT_OK;
        }
        if (!strcmp(a, "--cold")) mode = IO_COLD;
        else if (!strcmp(a, "--warm")) mode = IO_WARM;
        else if (!strcmp(a, "--direct")) mode = IO_DIRECT;
        else if (!strcmp(a, "--decode")) decode = 1;
        else if (!strcmp(a, "--no-counters")) nocnt = 1;
        else {
            int known = 0, rc = 0;
            for (size_t j = 0; j < sizeof opts / sizeof opts[0]; j++) known |= !strcmp(a, opts[j]);
            if (!known) {
                const char *near = strsim_nearest(a, opts, sizeof opts / sizeof opts[0]);
                if (near) return fail("unknown option '%s' (did you mean '%s'?)", a, near);
                return fail("unknown option '%s' (see 'dtbench io --help')", a);
            }
            if (i + 1 >= argc) return fail("%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--dir")) dir = v;
            else if (!strcmp(a, "--files")) rc = parse_int(a, v, 1, &files);
            else if (!strcmp(a, "--classes")) rc = parse_int(a, v, 1, &classes);
            else if (!strcmp(a, "--threads")) rc = parse_int(a, v, 1, &threads);
            else if (!strcmp(a, "--seed")) rc = parse_int(a, v, 0, &seed);
            else if (!strcmp(a, "--side")) rc = parse_int(a, v, 1, &side);
            else if (!strcmp(a, "--max-files")) rc = parse_int(a, v, 1, &maxf);
            else if (!strcmp(a, "--size") && (size = real_parse_bytes(v)) < 1000)
                return fail("--size: expected a size of at least 1000 bytes such as 110KB, got '%s'", v);
            if (rc) return rc;
        }
    }
    if (!dir) return fail("%s needs --dir DIR", verb);
    dt_err e;
    if (!strcmp(verb, "make")) {
        struct io_make_result r;
        if (threads < 0) threads = ncores();
        if (io_make(dir, files, size, classes, threads, (unsigned)seed, &r, &e))
            return fail("%s", e.msg);
        printf("dtbench io make: %d files, %.1f MB (mean %.1f KB), %dx%d pixels, quality 90,"
               " noise amplitude %.1f, %d classes under %s\n", r.files, r.bytes * 1e-6,
               r.bytes * 1e-3 / r.files, r.width, r.height, r.amplitude, classes < files ? classes : files, dir);
        return DT_EXIT_OK;
    }
    struct io_set s;
    if (io_list(dir, &s, &e)) return fail("%s", e.msg);
    io_set_truncate(&s, maxf);
    struct io_read_opts o = {threads < 0 ? 1 : threads, mode, decode, side, nocnt};
    struct io_read_result r;
    int rc = io_read(&s, &o, &r, &e);
    if (rc) {
        fprintf(stderr, "dtbench io: error: %s\n", e.msg);
        io_set_free(&s);
        return DT_EXIT_FAIL;
    }
    printf("# dtbench io read: %d files, %.1f MB under %s; %d threads, %s\n", s.n, s.bytes * 1e-6, dir,
           o.threads, mode_desc[mode]);
    printf("%8s %12s %9s %10s %9s\n", "files", "bytes", "wall_s", "files/s", "MB/s");
    printf("%8d %12lld %9.3f %10.1f %9.1f\n", r.files, r.bytes, r.wall_s, r.files / r.wall_s,
           r.bytes / r.wall_s * 1e-6);
    if (decode)
        printf("# decode: %d images to %dx%d: %.1f images/s, %.1f images/s per core (cpu %.3f s)\n",
               r.images, side, side, r.images / r.wall_s,
               r.sample.cpu_s > 0 ? r.images / r.sample.cpu_s : 0.0, r.sample.cpu_s);
    char line[512];
    printf("# counters: %s\n", counters_format(&r.ctr, &r.sample, line, sizeof line));
    int all = r.files == s.n;
    io_set_free(&s);
    return all ? DT_EXIT_OK : DT_EXIT_FAIL;
}
