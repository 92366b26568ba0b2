/* counters.h -- hardware counters around a phase of a benchmark.
 *
 * Cycles, instructions and last-level-cache misses of this process,
 * counted in user mode through perf_event_open(2), with the events encoded
 * by libpfm4 (so a name like "LLC_MISSES" or "perf::PERF_COUNT_HW_CACHE_LL:
 * READ:MISS" becomes the right perf_event_attr for the running CPU):
 *
 *   counters_open   encode and open the three events (inherit = 1, so
 *                   threads created after this point are counted too,
 *                   once they have been joined)
 *   counters_start  reset + enable, read the software clocks
 *   counters_stop   disable, read, fill a sample
 *
 * Where there is no PMU (most virtual machines: perf_event_open fails with
 * ENOENT), where perf_event_paranoid forbids it (EACCES) or where libpfm4
 * cannot encode the events, the set runs on software clocks only: `hw` is
 * 0 and `why` says, in one line, what failed. That is never an error:
 * counters_open always returns 0.
 *
 * Software clocks (always): wall time from CLOCK_MONOTONIC, CPU time of
 * the whole process from CLOCK_PROCESS_CPUTIME_ID, page faults from
 * getrusage(RUSAGE_SELF).
 *
 *   IPC = instructions / cycles
 */
#ifndef DT_COUNTERS_H
#define DT_COUNTERS_H

#include <stddef.h>

enum { CTR_CYCLES, CTR_INSTRUCTIONS, CTR_LLC_MISSES, CTR_N };

struct counters {
    int fd[CTR_N];          /* perf event descriptors; -1 when not open */
    int hw;                 /* 1: cycles and instructions are counted */
    char llc_event[64];     /* the libpfm4 name used for LLC misses, "" if none */
    char why[256];          /* hw == 0 or no LLC event: the reason, one line */
    double t0_wall_s;       /* CLOCK_MONOTONIC at counters_start, s */
    double t0_cpu_s;        /* CLOCK_PROCESS_CPUTIME_ID at counters_start, s */
    long t0_minflt;         /* minor page faults at counters_start */
    long t0_majflt;         /* major page faults at counters_start */
};

struct counters_sample {
    int hw;                    /* 1 when cycles and instructions below are valid */
    int llc;                   /* 1 when llc_misses is valid */
    unsigned long long cycles; /* user-mode core cycles */
    unsigned long long instructions;
    unsigned long long llc_misses;
    double wall_s;             /* elapsed, s */
    double cpu_s;              /* process CPU time, all threads, s */
    long minflt, majflt;       /* page faults during the phase */
};

/* Never fails; see hw and why. `force_sw` skips the PMU altogether (tests
 * and --no-counters use it to take the fallback path on any machine). */
int counters_open(struct counters *c, int force_sw);
void counters_start(struct counters *c);
void counters_stop(struct counters *c, struct counters_sample *s);
void counters_close(struct counters *c);

/* One line without newline:
 *   "cycles 1.234e+09, instructions 2.468e+09 (IPC 2.00), LLC misses 1.2e+06; wall 0.512 s, cpu 0.890 s"
 *   "no hardware counters (<why>); software clocks: wall 0.512 s, cpu 0.890 s, page faults 12/0"
 * Returns buf. */
char *counters_format(const struct counters *c, const struct counters_sample *s, char *buf, size_t len);

#endif
