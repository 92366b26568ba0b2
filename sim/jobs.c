/* jobs.c -- a fork/pipe pool of simulations (see jobs.h). */
#include "jobs.h"

#include "cleanup.h"
#include "cmdutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

void jobs_simulate(const char *path, char **sets, int nsets, const struct run_opts *o, struct jobs_reply *rep)
{
    struct experiment x;
    struct run_opts def;
    dt_err e = {0, ""};
    struct catalog *cat = NULL;
    if (!o) {
        run_opts_default(&def);
        o = &def;
    }
    rep->rc = experiment_load_ex(&x, path, sets, nsets, cmd_resolve, NULL, &e);
    if (!rep->rc) {
        rep->rc = catalog_load(&cat, NULL, &e);
        if (!rep->rc) {
            rep->rc = run_simulate(&x, cat, o, &rep->r, &e);
            catalog_free(cat);
        }
        experiment_free(&x);
    }
    if (rep->rc) snprintf(rep->err, sizeof rep->err, "%s", e.msg);
}

/* Set by SIGINT/SIGTERM while jobs_run() waits. */
static volatile sig_atomic_t stop_sig;

static void on_stop(int sig) { stop_sig = sig; }

static int last_sig;

int jobs_stop_signal(void) { return last_sig; }

static void child_main(jobs_child_fn child, void *ctx, int i, int fd)
{
    static struct jobs_reply rep;
    /* The parent alone answers ^C (it ends every child with SIGTERM): out
     * of the terminal's process group. The child ends quietly on a signal,
     * removing its temp files (cleanup.h). */
    setpgid(0, 0);
    cleanup_forked();
    memset(&rep, 0, sizeof rep);
    child(ctx, i, &rep);
    rep.r.compute_arch = NULL; /* pointers mean nothing in the parent */
    const char *p = (const char *)&rep;
    size_t left = sizeof rep;
    while (left) {
        ssize_t k = write(fd, p, left);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) _exit(3);
        p += k;
        left -= (size_t)k;
    }
    _exit(0);
}

struct slot {
    pid_t pid;
    int fd;
    int job;
};

/* Wait until a child's pipe has something (its reply, or EOF when it
 * died), read the whole reply, reap that child and report it. Reading
 * before waiting lets a reply be larger than the pipe buffer. */
static int reap(struct slot *s, int *running, jobs_done_fn done, void *ctx, int *ndone, int n)
{
    static struct jobs_reply rep;
    struct pollfd pf[*running];
    for (int k = 0; k < *running; k++) pf[k] = (struct pollfd){s[k].fd, POLLIN, 0};
    int r;
    while ((r = poll(pf, (nfds_t)*running, -1)) < 0 && errno == EINTR && !stop_sig)
        ;
    if (stop_sig) {
        errno = EINTR;
        return -1;
    }
    if (r < 0) return -1;
    int k = 0;
    while (k < *running && !pf[k].revents) k++;
    if (k == *running) return 0;
    size_t got = 0;
    while (got < sizeof rep) {
        ssize_t m = read(s[k].fd, (char *)&rep + got, sizeof rep - got);
        if (m < 0 && errno == EINTR) continue;
        if (m <= 0) break;
        got += (size_t)m;
    }
    close(s[k].fd);
    int status = 0;
    while (waitpid(s[k].pid, &status, 0) < 0 && errno == EINTR)
        ;
    int job = s[k].job;
    s[k] = s[--*running];
    if (got != sizeof rep || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        memset(&rep, 0, sizeof rep);
        rep.rc = -1;
        snprintf(rep.err, sizeof rep.err, "the simulation died (status %d)", status);
    }
    (*ndone)++;
    if (done) done(ctx, job, &rep, *ndone, n);
    return 0;
}

int jobs_run(int n, int par, jobs_child_fn child, jobs_done_fn done, void *ctx)
{
    if (par < 1) par = 1;
    if (par > n) par = n;
    struct slot *s = calloc((size_t)(par > 0 ? par : 1), sizeof *s);
    if (!s) return -1;
    int next = 0, ndone = 0, running = 0, rc = 0, saved = 0;
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    stop_sig = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    while (ndone < n) {
        while (!rc && !stop_sig && running < par && next < n) {
            int p[2];
            if (pipe(p)) {
                rc = -1;
                saved = errno;
                break;
            }
            fflush(NULL);
            pid_t c = fork();
            if (c < 0) {
                saved = errno;
                close(p[0]);
                close(p[1]);
                rc = -1;
                break;
            }
            if (c == 0) {
                close(p[0]);
                for (int k = 0; k < running; k++) close(s[k].fd);
                child_main(child, ctx, next, p[1]);
            }
            close(p[1]);
            s[running++] = (struct slot){c, p[0], next};
            next++;
        }
        if (running == 0 || stop_sig) break;
        if (reap(s, &running, done, ctx, &ndone, n)) {
            rc = -1;
            saved = errno;
            break;
        }
    }
    last_sig = stop_sig;
    if (stop_sig) { /* end the running children (they remove their temp files); their points are lost */
        for (int k = 0; k < running; k++) {
            kill(s[k].pid, SIGTERM);
            close(s[k].fd);
            while (waitpid(s[k].pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        rc = -1;
        saved = EINTR;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(s);
    if (rc) errno = saved;
    return rc;
}
