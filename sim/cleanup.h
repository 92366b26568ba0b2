/* cleanup.h -- temp files, child processes and output files that a signal
 * must not leave behind.
 *
 * dtsim's main() calls cleanup_init("run") before it runs a command. From
 * then on SIGINT and SIGTERM end the process the same way in every command:
 *
 *     dtsim run: interrupted (SIGINT)          one line on stderr
 *     exit 130 (SIGINT) or 143 (SIGTERM)       as a shell reports them
 *
 * after removing the registered temp files and ending (SIGTERM, then
 * SIGKILL after 2 s) and reaping the registered child processes. The
 * handler uses only async-signal-safe calls (unlink, kill, waitpid,
 * nanosleep, write, _exit): no SimGrid backtrace, no atexit handlers.
 *
 * SimGrid installs its own SIGINT handler when its engine starts (it prints
 * every actor's state and exits 1); platform_engine_init() calls
 * cleanup_reinstall() right after, so this one stays in charge.
 *
 * A forked child calls cleanup_forked() (cleanup_fork() does it): it forgets
 * its parent's registrations and ends quietly on a signal (its parent
 * speaks), still removing its own temp files.
 *
 * Temp files go to $TMPDIR, else /tmp (cleanup_tmpfile). Output files are
 * written to a temp file in the same directory and renamed into place when
 * complete (out_open / out_close), so an interrupted run never leaves a torn
 * file: either the old file or the whole new one.
 */
#ifndef DTSIM_CLEANUP_H
#define DTSIM_CLEANUP_H

#include "err.h"

#include <stdio.h>
#include <sys/types.h>

#define CLEANUP_MAX_PATH 4096

/* Install the SIGINT/SIGTERM handler; `cmd` names the command in the
 * message ("run" -> "dtsim run: interrupted (SIGINT)"). */
void cleanup_init(const char *cmd);

/* Install the handler again (after a library replaced it). */
void cleanup_reinstall(void);

/* In a forked child: drop the parent's registrations, end quietly (the
 * handler, or SIG_DFL where cleanup_init never ran, e.g. in unit tests). */
void cleanup_forked(void);

/* fork(); in the parent the child is registered (cleanup_reaped when it has
 * been waited for), in the child cleanup_forked() has run. A registered
 * child and its process group get SIGTERM on a signal. */
pid_t cleanup_fork(void);
void cleanup_reaped(pid_t pid);

/* system() and popen() for commands a signal must end too: /bin/sh -c CMD
 * in its own process group, registered; unlike system(), the caller keeps
 * taking SIGINT. cleanup_sh returns the pid (-1: fork failed) and, when
 * out is not NULL, the read end of the command's stdout in *out;
 * cleanup_wait waits for it, forgets it and returns the wait status. */
pid_t cleanup_sh(const char *cmd, int *out);
int cleanup_wait(pid_t pid);
int cleanup_system(const char *cmd);

/* A command to run (argv[0] a path, at most 15 arguments) after the
 * children have ended on a signal, e.g. taking a testbed down; NULL: none. */
void cleanup_undo(const char *const *argv);

/* Register / forget a path to unlink on a signal. cleanup_add returns 0, or
 * -1 when all slots are taken or the path is too long. */
int cleanup_add(const char *path);
void cleanup_forget(const char *path);

/* Create an empty temp file $TMPDIR/<stem>XXXXXX<suffix> (TMPDIR unset or
 * empty: /tmp), registered for removal; its path goes to buf. */
int cleanup_tmpfile(char *buf, size_t size, const char *stem, const char *suffix, dt_err *e);

/* Unlink a registered temp file and forget it. */
void cleanup_remove(const char *path);

/* The signal's exit: what the handler does, called from normal code (e.g.
 * after a child pool noticed the signal). Does not return. */
void cleanup_exit_signal(int sig) __attribute__((noreturn));

/* An output file written atomically: out_open creates PATH.XXXXXX.tmp in
 * PATH's directory (registered), out_close flushes, closes and renames it
 * to PATH; out_abort removes it. out_close and out_abort are no-ops on a
 * zeroed struct. */
struct out_file {
    FILE *f;
    char path[CLEANUP_MAX_PATH];
    char tmp[CLEANUP_MAX_PATH];
};
int out_open(struct out_file *o, const char *path, dt_err *e);
int out_close(struct out_file *o, dt_err *e);

/* Copy file `from` to `to` through out_open/out_close (written whole, then
 * renamed). 0, or DT_EIO with e filled. */
int out_copy(const char *from, const char *to, dt_err *e);
void out_abort(struct out_file *o);

#endif
