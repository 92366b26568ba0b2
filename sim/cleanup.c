/* cleanup.c -- temp files and children removed on SIGINT/SIGTERM (cleanup.h). */
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NPATHS 16
#define NKIDS 64

/* Slots are filled before they are marked used, and unmarked before they
 * are reused, so the handler never reads a half-written path. */
static char paths[NPATHS][CLEANUP_MAX_PATH];
static volatile sig_atomic_t path_used[NPATHS];
static volatile pid_t kids[NKIDS]; /* 0: free */
static char cmdname[64] = "dtsim";
static volatile sig_atomic_t quiet;
static char undo_buf[16][CLEANUP_MAX_PATH];
static char *undo_argv[17];
static volatile sig_atomic_t have_undo;
static int installed;

static void put(const char *s)
{
    size_t n = strlen(s); /* strlen is async-signal-safe since POSIX.1-2016 */
    while (n) {
        ssize_t k = write(2, s, n);
        if (k <= 0) {
            if (k < 0 && errno == EINTR) continue;
            return;
        }
        s += k;
        n -= (size_t)k;
    }
}

static void end_kids(void)
{
    int any = 0;
    for (int i = 0; i < NKIDS; i++)
        if (kids[i] > 0) {
            kill(-kids[i], SIGTERM); /* its group (a shell's command and what it started), if it leads one */
            kill(kids[i], SIGTERM);
            any = 1;
        }
    if (!any) return;
    /* their handlers remove their own temp files: wait for them, 2 s at most */
    struct timespec ts = {0, 10 * 1000 * 1000};
    for (int t = 0; t < 200; t++) {
        int left = 0;
        for (int i = 0; i < NKIDS; i++) {
            if (kids[i] <= 0) continue;
            pid_t w = waitpid(kids[i], NULL, WNOHANG);
            if (w == kids[i] || (w < 0 && errno == ECHILD)) kids[i] = 0;
            else left = 1;
        }
        if (!left) return;
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < NKIDS; i++)
        if (kids[i] > 0) {
            kill(-kids[i], SIGKILL);
            kill(kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
            kids[i] = 0;
        }
}

static void run_undo(void)
{
    if (!have_undo) return;
    have_undo = 0;
    pid_t p = fork();
    if (p == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(undo_argv[0], undo_argv);
        _exit(127);
    }
    if (p > 0)
        while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
            ;
}

void cleanup_exit_signal(int sig)
{
    int saved = errno;
    end_kids();
    run_undo();
    for (int i = 0; i < NPATHS; i++)
        if (path_used[i]) unlink(paths[i]);
    if (!quiet) {
        put(cmdname);
        put(": interrupted (");
        put(sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal");
        put(")\n");
    }
    errno = saved;
    _exit(128 + sig);
}

static void on_signal(int sig) { cleanup_exit_signal(sig); }

void cleanup_reinstall(void)
{
    if (!installed) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT); /* one handler at a time */
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void cleanup_init(const char *cmd)
{
    size_t n = strlen("dtsim ");
    memcpy(cmdname, "dtsim ", n);
    size_t l = strlen(cmd);
    if (l > sizeof cmdname - n - 1) l = sizeof cmdname - n - 1;
    memcpy(cmdname + n, cmd, l);
    cmdname[n + l] = '\0';
    installed = 1;
    cleanup_reinstall();
}

void cleanup_forked(void)
{
    for (int i = 0; i < NPATHS; i++) path_used[i] = 0;
    for (int i = 0; i < NKIDS; i++) kids[i] = 0;
    have_undo = 0;
    quiet = 1;
    if (installed) cleanup_reinstall(); /* not a handler the parent had set for a while */
    else {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
    }
}

pid_t cleanup_fork(void)
{
    pid_t p = fork();
    if (p == 0) cleanup_forked();
    else if (p > 0) {
        for (int i = 0; i < NKIDS; i++)
            if (kids[i] == 0) {
                kids[i] = p;
                break;
            }
    }
    return p;
}

void cleanup_reaped(pid_t pid)
{
    for (int i = 0; i < NKIDS; i++)
        if (kids[i] == pid) kids[i] = 0;
}

pid_t cleanup_sh(const char *cmd, int *out)
{
    int fds[2] = {-1, -1};
    if (out && pipe(fds)) return -1;
    fflush(NULL);
    pid_t p = cleanup_fork();
    if (p == 0) {
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        if (out) {
            close(fds[0]);
            if (fds[1] != 1) {
                dup2(fds[1], 1);
                close(fds[1]);
            }
        }
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    if (p > 0) setpgid(p, p); /* both sides: whichever runs first */
    if (out) {
        close(fds[1]);
        if (p < 0) close(fds[0]);
        else *out = fds[0];
    }
    return p;
}

int cleanup_wait(pid_t pid)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            st = -1;
            break;
        }
    cleanup_reaped(pid);
    return st;
}

int cleanup_system(const char *cmd)
{
    pid_t p = cleanup_sh(cmd, NULL);
    return p < 0 ? -1 : cleanup_wait(p);
}

void cleanup_undo(const char *const *argv)
{
    have_undo = 0;
    if (!argv) return;
    int n = 0;
    for (; argv[n] && n < 16; n++) {
        snprintf(undo_buf[n], sizeof undo_buf[n], "%s", argv[n]);
        undo_argv[n] = undo_buf[n];
    }
    undo_argv[n] = NULL;
    have_undo = 1;
}

int cleanup_add(const char *path)
{
    size_t l = strlen(path);
    if (l >= CLEANUP_MAX_PATH) return -1;
    for (int i = 0; i < NPATHS; i++)
        if (!path_used[i]) {
            memcpy(paths[i], path, l + 1);
            path_used[i] = 1;
            return 0;
        }
    return -1;
}

void cleanup_forget(const char *path)
{
    for (int i = 0; i < NPATHS; i++)
        if (path_used[i] && strcmp(paths[i], path) == 0) {
            path_used[i] = 0;
            return;
        }
}

void cleanup_remove(const char *path)
{
    unlink(path);
    cleanup_forget(path);
}

int cleanup_tmpfile(char *buf, size_t size, const char *stem, const char *suffix, dt_err *e)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    int n = snprintf(buf, size, "%s/%sXXXXXX%s", dir, stem, suffix);
    if (n < 0 || (size_t)n >= size || (size_t)n >= CLEANUP_MAX_PATH)
        return dt_errf(e, DT_EINVAL, "the temporary directory '%s' (TMPDIR) has too long a name", dir);
    /* registered before it exists: a signal in between finds nothing to remove */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int fd = mkstemps(buf, (int)strlen(suffix));
    int err = errno;
    if (fd >= 0 && cleanup_add(buf) != 0) {
        unlink(buf);
        close(fd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return dt_errf(e, DT_EIO, "too many temporary files at once");
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) return dt_errf(e, DT_EIO, "cannot create a temporary file in '%s' (TMPDIR): %s", dir, strerror(err));
    close(fd);
    return 0;
}

int out_open(struct out_file *o, const char *path, dt_err *e)
{
    memset(o, 0, sizeof *o);
    int n = snprintf(o->tmp, sizeof o->tmp, "%s.XXXXXX.tmp", path);
    if (n < 0 || (size_t)n >= sizeof o->tmp) return dt_errf(e, DT_EINVAL, "output path too long: '%s'", path);
    snprintf(o->path, sizeof o->path, "%s", path);
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int fd = mkstemps(o->tmp, 4);
    int err = errno;
    if (fd >= 0 && cleanup_add(o->tmp) != 0) {
        unlink(o->tmp);
        close(fd);
        fd = -1;
        err = EMFILE;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        o->tmp[0] = '\0';
        return dt_errf(e, DT_EIO, "cannot write '%s': %s", path, strerror(err));
    }
    /* the mode fopen(path, "w") would have given */
    mode_t m = umask(0);
    umask(m);
    fchmod(fd, 0666 & ~m);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        err = errno;
        close(fd);
        cleanup_remove(o->tmp);
        o->tmp[0] = '\0';
        return dt_errf(e, DT_EIO, "cannot write '%s': %s", path, strerror(err));
    }
    return 0;
}

int out_close(struct out_file *o, dt_err *e)
{
    if (!o->f) return 0;
    int bad = ferror(o->f);
    if (fclose(o->f) != 0) bad = 1;
    o->f = NULL;
    if (bad) {
        cleanup_remove(o->tmp);
        o->tmp[0] = '\0';
        return dt_errf(e, DT_EIO, "cannot write '%s' (disk full?)", o->path);
    }
    if (rename(o->tmp, o->path) != 0) {
        int err = errno;
        cleanup_remove(o->tmp);
        o->tmp[0] = '\0';
        return dt_errf(e, DT_EIO, "cannot rename the finished output to '%s': %s", o->path, strerror(err));
    }
    cleanup_forget(o->tmp);
    o->tmp[0] = '\0';
    return 0;
}

void out_abort(struct out_file *o)
{
    if (o->f) fclose(o->f);
    o->f = NULL;
    if (o->tmp[0]) cleanup_remove(o->tmp);
    o->tmp[0] = '\0';
}

int out_copy(const char *from, const char *to, dt_err *e)
{
    FILE *a = fopen(from, "rb");
    struct out_file of;
    if (!a) return dt_errf(e, DT_EIO, "cannot read '%s': %s", from, strerror(errno));
    if (out_open(&of, to, e)) {
        fclose(a);
        return e->code;
    }
    char buf[8192];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, a)) > 0) fwrite(buf, 1, k, of.f);
    fclose(a);
    return out_close(&of, e);
}
