/* progress.h -- one line of progress with an ETA on stderr, for a long
 * simulation run from a terminal.
 *
 * Nothing is printed unless progress_begin() was called with on = 1 (the
 * caller passes isatty(2)), and nothing before 2 s of wall time: short
 * runs, pipes, files and every --format output stay untouched. The line is
 * rewritten in place ("\r") at most 4 times a second and erased by
 * progress_end().
 *
 * The run's work is split into `units` (progress_unit: unit i of n, e.g.
 * the gradient buckets whose all-reduce is simulated for the first time),
 * and a unit into a fraction (progress_sub, e.g. the fast mode's distinct
 * steps simulated so far of those it found). ETA = elapsed x (1 - f) / f
 * for the overall fraction f, counted from the first unit (the platform
 * load before it is shown as elapsed time only). Wall-clock figures are
 * never part of any output that tests compare.
 */
#ifndef DT_PROGRESS_H
#define DT_PROGRESS_H

void progress_begin(int on, const char *what);
/* Show the line from now on, before the 2 s have passed: for work known to
 * be long before it starts (a platform of tens of thousands of hosts loads
 * for tens of seconds in one call that cannot report). */
void progress_early(void);
/* What is being done now ("loading the platform: 131072 hosts"). */
void progress_stage(const char *stage);
void progress_unit(int i, int n);
void progress_sub(double f);
void progress_end(void);

#endif
