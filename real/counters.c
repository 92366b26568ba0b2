/* counters.c -- libpfm4 + perf_event_open around a phase (see counters.h). */
#include "counters.h"

#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Candidate libpfm4 names per counter, first that encodes and opens wins:
 * the architectural Intel event, then the generic perf cache events. */
static const char *const ev_names[CTR_N][4] = {
    {"cycles", NULL},
    {"instructions", NULL},
    {"LLC_MISSES", "perf::PERF_COUNT_HW_CACHE_LL:READ:MISS", "PERF_COUNT_HW_CACHE_MISSES", NULL},
};

static double now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Encode `name` for user mode and open it on this process; fd or -1 with
 * errno-style reason in `why`. */
static int open_event(const char *name, char *why, size_t len)
{
    struct perf_event_attr attr;
    pfm_perf_encode_arg_t arg;
    memset(&attr, 0, sizeof attr);
    memset(&arg, 0, sizeof arg);
    arg.attr = &attr;
    arg.size = sizeof arg;
    int r = pfm_get_os_event_encoding(name, PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
    if (r != PFM_SUCCESS) {
        snprintf(why, len, "libpfm4 cannot encode '%s': %s", name, pfm_strerror(r));
        return -1;
    }
    attr.size = sizeof attr;
    attr.disabled = 1;
    attr.inherit = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    int fd = perf_event_open(&attr, 0, -1, -1, 0);
    if (fd < 0) {
        int err = errno;
        snprintf(why, len, "perf_event_open '%s': %s%s", name, strerror(err),
                 err == ENOENT || err == EOPNOTSUPP ? "; no PMU, e.g. a virtual machine"
                 : err == EACCES || err == EPERM   ? "; see /proc/sys/kernel/perf_event_paranoid"
                                                   : "");
    }
    return fd;
}

int counters_open(struct counters *c, int force_sw)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < CTR_N; i++) c->fd[i] = -1;
    if (force_sw) {
        snprintf(c->why, sizeof c->why, "hardware counters not requested");
        return 0;
    }
    int r = pfm_initialize();
    if (r != PFM_SUCCESS) {
        snprintf(c->why, sizeof c->why, "libpfm4: %s", pfm_strerror(r));
        return 0;
    }
    for (int i = 0; i < CTR_N; i++) {
        char why[256] = "";
        for (int j = 0; ev_names[i][j] && c->fd[i] < 0; j++) {
            c->fd[i] = open_event(ev_names[i][j], why, sizeof why);
            if (c->fd[i] >= 0 && i == CTR_LLC_MISSES)
                snprintf(c->llc_event, sizeof c->llc_event, "%s", ev_names[i][j]);
        }
        if (c->fd[i] < 0 && i < CTR_LLC_MISSES) {
            snprintf(c->why, sizeof c->why, "%s", why);
            counters_close(c);
            return 0;
        }
        if (c->fd[i] < 0) snprintf(c->why, sizeof c->why, "no LLC miss event: %.200s", why);
    }
    c->hw = 1;
    return 0;
}

void counters_start(struct counters *c)
{
    struct rusage ru;
    for (int i = 0; i < CTR_N; i++)
        if (c->fd[i] >= 0) {
            ioctl(c->fd[i], PERF_EVENT_IOC_RESET, 0);
            ioctl(c->fd[i], PERF_EVENT_IOC_ENABLE, 0);
        }
    getrusage(RUSAGE_SELF, &ru);
    c->t0_minflt = ru.ru_minflt;
    c->t0_majflt = ru.ru_majflt;
    c->t0_cpu_s = now(CLOCK_PROCESS_CPUTIME_ID);
    c->t0_wall_s = now(CLOCK_MONOTONIC);
}

void counters_stop(struct counters *c, struct counters_sample *s)
{
    struct rusage ru;
    unsigned long long v[CTR_N] = {0, 0, 0};
    int ok[CTR_N] = {0, 0, 0};
    double wall = now(CLOCK_MONOTONIC), cpu = now(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < CTR_N; i++)
        if (c->fd[i] >= 0) {
            ioctl(c->fd[i], PERF_EVENT_IOC_DISABLE, 0);
            ok[i] = read(c->fd[i], &v[i], sizeof v[i]) == (ssize_t)sizeof v[i];
        }
    getrusage(RUSAGE_SELF, &ru);
    memset(s, 0, sizeof *s);
    s->hw = c->hw && ok[CTR_CYCLES] && ok[CTR_INSTRUCTIONS];
    s->llc = s->hw && ok[CTR_LLC_MISSES];
    s->cycles = v[CTR_CYCLES];
    s->instructions = v[CTR_INSTRUCTIONS];
    s->llc_misses = v[CTR_LLC_MISSES];
    s->wall_s = wall - c->t0_wall_s;
    s->cpu_s = cpu - c->t0_cpu_s;
    s->minflt = ru.ru_minflt - c->t0_minflt;
    s->majflt = ru.ru_majflt - c->t0_majflt;
}

void counters_close(struct counters *c)
{
    for (int i = 0; i < CTR_N; i++)
        if (c->fd[i] >= 0) {
            close(c->fd[i]);
            c->fd[i] = -1;
        }
}

char *counters_format(const struct counters *c, const struct counters_sample *s, char *buf, size_t len)
{
    if (!s->hw) {
        snprintf(buf, len, "no hardware counters (%s); software clocks: wall %.3f s, cpu %.3f s, page faults %ld/%ld",
                 c->why[0] ? c->why : "counters could not be read", s->wall_s, s->cpu_s, s->minflt, s->majflt);
        return buf;
    }
    char llc[96];
    if (s->llc) snprintf(llc, sizeof llc, "LLC misses %.3e", (double)s->llc_misses);
    else snprintf(llc, sizeof llc, "LLC misses n/a");
    snprintf(buf, len, "cycles %.3e, instructions %.3e (IPC %.2f), %s; wall %.3f s, cpu %.3f s",
             (double)s->cycles, (double)s->instructions,
             s->cycles ? (double)s->instructions / (double)s->cycles : 0.0, llc, s->wall_s, s->cpu_s);
    return buf;
}
