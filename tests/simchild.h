/* simchild.h -- run a SimGrid simulation in a forked child (tests only).
 *
 * SimGrid runs one engine per process, so each test simulation forks: the
 * child calls fn(arg, out), and the `outlen` bytes of out come back
 * through a pipe. Returns fn's status (0 ok), or -1 when the child died. */
#ifndef DT_TESTS_SIMCHILD_H
#define DT_TESTS_SIMCHILD_H

#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static inline int simchild_run(int (*fn)(void *arg, void *out), void *arg, void *out, size_t outlen)
{
    int fds[2];
    if (pipe(fds)) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(fds[0]);
        int rc = fn(arg, out);
        size_t done = 0;
        while (done < outlen) {
            ssize_t k = write(fds[1], (char *)out + done, outlen - done);
            if (k <= 0) _exit(3);
            done += (size_t)k;
        }
        _exit(rc ? 1 : 0);
    }
    close(fds[1]);
    size_t got = 0;
    while (got < outlen) {
        ssize_t k = read(fds[0], (char *)out + got, outlen - got);
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fds[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0) return -1;
    if (got != outlen || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status) ? 1 : 0;
}

#endif
