/* test_robust.c -- sim/cleanup.h (temp files, atomic outputs, the signal
 * exit in a child) and real/mesh.h's rendezvous message checks. */
#include "cleanup.h"
#include "mesh.h"

#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* A private TMPDIR for one test; returns its path in dir. */
static void private_tmpdir(char *dir, size_t n)
{
    snprintf(dir, n, "out/test-robust-XXXXXX");
    mkdir("out", 0755);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static int empty_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
    return system(cmd) == 0;
}

static void test_tmpfile(void)
{
    char dir[64], path[CLEANUP_MAX_PATH];
    private_tmpdir(dir, sizeof dir);
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", dir, 1);
    dt_err e;
    CU_ASSERT_EQUAL(cleanup_tmpfile(path, sizeof path, "dtsim-platform-", ".xml", &e), 0);
    CU_ASSERT_EQUAL(strncmp(path, dir, strlen(dir)), 0); /* follows TMPDIR */
    CU_ASSERT_PTR_NOT_NULL(strstr(path, "/dtsim-platform-"));
    CU_ASSERT_EQUAL(strcmp(path + strlen(path) - 4, ".xml"), 0);
    CU_ASSERT(exists(path));
    cleanup_remove(path);
    CU_ASSERT(!exists(path));
    /* a TMPDIR that does not exist: a sentence naming it */
    setenv("TMPDIR", "/nonexistent/dtsim-test", 1);
    CU_ASSERT_EQUAL(cleanup_tmpfile(path, sizeof path, "x-", ".xml", &e), DT_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/dtsim-test"));
    if (saved) setenv("TMPDIR", saved, 1);
    else unsetenv("TMPDIR");
    free(saved);
    CU_ASSERT(empty_dir(dir));
    rmdir(dir);
}

static void test_out_file(void)
{
    char dir[64], path[128], buf[64];
    private_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/result.csv", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("old\n", f);
    fclose(f);
    struct out_file o;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(out_open(&o, path, &e), 0);
    fputs("new, half", o.f);
    fflush(o.f);
    /* while it is written the old file is whole, the new one beside it */
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, f));
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "old\n");
    CU_ASSERT(exists(o.tmp));
    CU_ASSERT_EQUAL(strncmp(o.tmp, path, strlen(path)), 0);
    fputs(" and the rest\n", o.f);
    char tmp[CLEANUP_MAX_PATH];
    snprintf(tmp, sizeof tmp, "%s", o.tmp);
    CU_ASSERT_EQUAL(out_close(&o, &e), 0);
    CU_ASSERT(!exists(tmp));
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, f));
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "new, half and the rest\n");
    /* abandoned: the old file stays, the temp file goes */
    CU_ASSERT_EQUAL_FATAL(out_open(&o, path, &e), 0);
    fputs("torn", o.f);
    out_abort(&o);
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, f));
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "new, half and the rest\n");
    unlink(path);
    CU_ASSERT(empty_dir(dir));
    /* a directory that does not exist */
    snprintf(path, sizeof path, "%s/no/such/dir.csv", dir);
    CU_ASSERT_EQUAL(out_open(&o, path, &e), DT_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot write"));
    rmdir(dir);
}

/* A child with cleanup_init: SIGTERM mid-write removes its temp file and
 * its unfinished output, and exits 143; the message goes to its stderr. */
static void test_signal_exit(void)
{
    char dir[64], out[128];
    private_tmpdir(dir, sizeof dir);
    snprintf(out, sizeof out, "%s/out.csv", dir);
    int ready[2];
    CU_ASSERT_EQUAL_FATAL(pipe(ready), 0);
    pid_t p = fork();
    CU_ASSERT_FATAL(p >= 0);
    if (p == 0) {
        close(ready[0]);
        if (!freopen("/dev/null", "w", stderr)) _exit(9);
        setenv("TMPDIR", dir, 1);
        cleanup_init("test");
        char path[CLEANUP_MAX_PATH];
        struct out_file o;
        if (cleanup_tmpfile(path, sizeof path, "dtsim-platform-", ".xml", NULL) || out_open(&o, out, NULL)) _exit(9);
        fputs("half a row", o.f);
        fflush(o.f);
        if (write(ready[1], "x", 1) != 1) _exit(9);
        for (;;) pause();
    }
    close(ready[1]);
    char c;
    CU_ASSERT_EQUAL(read(ready[0], &c, 1), 1);
    close(ready[0]);
    kill(p, SIGTERM);
    int st = 0;
    waitpid(p, &st, 0);
    CU_ASSERT(WIFEXITED(st));
    CU_ASSERT_EQUAL(WEXITSTATUS(st), 128 + SIGTERM);
    CU_ASSERT(!exists(out));
    CU_ASSERT(empty_dir(dir)); /* neither the temp file nor out.csv.XXXXXX.tmp */
    rmdir(dir);
}

static uint32_t be(uint32_t x) { return htonl(x); }

static void test_rendezvous(void)
{
    dt_err e;
    struct mesh_hello h;
    uint32_t hello[MESH_HELLO_WORDS] = {0x44544231u, 1, 4, 0x7f000001u, 40000, 77};
    CU_ASSERT_EQUAL(mesh_hello_parse(hello, 4, &h, &e), 0);
    CU_ASSERT_EQUAL(h.rank, 1);
    CU_ASSERT_EQUAL(h.port, 40000);
    hello[4] = 0xffffffffu; /* was used as 65535 */
    CU_ASSERT_EQUAL(mesh_hello_parse(hello, 4, &h, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "rank 1 (pid 77) sent data port 4294967295, outside 1..65535");
    hello[4] = 0;
    CU_ASSERT_EQUAL(mesh_hello_parse(hello, 4, &h, &e), DT_EINVAL);
    hello[4] = 40000;
    hello[1] = 4;
    CU_ASSERT_EQUAL(mesh_hello_parse(hello, 4, &h, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "outside 1..3"));
    hello[0] = 0x1b5b3331u; /* "\e[31" */
    CU_ASSERT_EQUAL(mesh_hello_parse(hello, 4, &h, &e), DT_ENOENT);

    uint32_t head[MESH_REPLY_WORDS] = {0x1b5b3331u, 0, 2};
    size_t body;
    CU_ASSERT_EQUAL(mesh_reply_head(head, 2, &body, &e), DT_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not from dtbench (magic 0x1b5b3331)"));
    head[0] = 0x44544232u;
    head[2] = 3;
    CU_ASSERT_EQUAL(mesh_reply_head(head, 2, &body, &e), DT_EIO); /* table of 3 for 2 ranks */
    head[2] = 2;
    CU_ASSERT_EQUAL(mesh_reply_head(head, 2, &body, &e), 0);
    CU_ASSERT_EQUAL(body, 16);
    uint32_t table[4] = {be(0x7f000001u), be(40000), be(0x7f000001u), be(0xffffffffu)}, ip[2];
    uint16_t port[2];
    CU_ASSERT_EQUAL(mesh_reply_body(head, table, sizeof table, 2, ip, port, &e), DT_EIO);
    CU_ASSERT_STRING_EQUAL(e.msg, "rendezvous: rank 0's table gives rank 1 data port 4294967295, outside 1..65535");
    table[3] = be(40001);
    CU_ASSERT_EQUAL(mesh_reply_body(head, table, sizeof table, 2, ip, port, &e), 0);
    CU_ASSERT_EQUAL(port[1], 40001);
    CU_ASSERT_EQUAL(ip[0], htonl(0x7f000001u));
    CU_ASSERT_EQUAL(mesh_reply_body(head, table, 12, 2, ip, port, &e), DT_EIO); /* cut short */

    /* rank 0's text: printable only */
    const char text[] = "\033[2Jbad\\\a";
    head[1] = 1;
    head[2] = sizeof text - 1;
    CU_ASSERT_EQUAL(mesh_reply_head(head, 2, &body, &e), 0);
    CU_ASSERT_EQUAL(body, sizeof text - 1);
    CU_ASSERT_EQUAL(mesh_reply_body(head, text, body, 2, ip, port, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "rendezvous failed: \\x1b[2Jbad\\x5c\\x07");
    head[2] = 0xffffffffu; /* a length that cannot be: at most MESH_REPLY_TEXT read */
    CU_ASSERT_EQUAL(mesh_reply_head(head, 2, &body, &e), 0);
    CU_ASSERT_EQUAL(body, MESH_REPLY_TEXT);

    char small[8];
    CU_ASSERT_EQUAL(mesh_printable(small, sizeof small, "ab\033cdef", 7), 7); /* "ab\\x1b" + "c", cut to fit */
    CU_ASSERT_STRING_EQUAL(small, "ab\\x1bc");
}

int test_robust_register(void)
{
    CU_pSuite s = CU_add_suite("robust", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "tmpfile", test_tmpfile) || !CU_add_test(s, "out_file", test_out_file) ||
        !CU_add_test(s, "signal_exit", test_signal_exit) || !CU_add_test(s, "rendezvous", test_rendezvous))
        return -1;
    return 0;
}
