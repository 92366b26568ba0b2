/* progress.c -- see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static struct {
    int on, shown, early;
    char what[48], stage[96];
    double t0, tu0, last;     /* begin, first unit, last print */
    int unit, units;
    double sub;
} P;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void show(int force)
{
    if (!P.on) return;
    double t = now_s(), el = t - P.t0;
    if ((el < 2 && !P.early) || (!force && t - P.last < 0.25)) return;
    P.last = t;
    char eta[48] = "";
    if (P.units > 0) {
        double f = ((double)P.unit + P.sub) / P.units;
        if (f > 1) f = 1;
        double ue = t - P.tu0;
        if (f > 0.02 && ue > 0.5)
            snprintf(eta, sizeof eta, " %3.0f%% ETA %.0f s", 100 * f, ue * (1 - f) / f);
        else
            snprintf(eta, sizeof eta, " %3.0f%%", 100 * f);
    }
    fprintf(stderr, "\r%s: %s%s, %.0f s\033[K", P.what, P.stage, eta, el);
    fflush(stderr);
    P.shown = 1;
}

void progress_begin(int on, const char *what)
{
    memset(&P, 0, sizeof P);
    P.on = on;
    snprintf(P.what, sizeof P.what, "%s", what);
    P.t0 = now_s();
}

void progress_stage(const char *stage)
{
    snprintf(P.stage, sizeof P.stage, "%s", stage);
    show(1);
}

void progress_early(void)
{
    P.early = 1;
}

void progress_unit(int i, int n)
{
    if (P.units == 0 && n > 0) P.tu0 = now_s();
    P.unit = i;
    P.units = n;
    P.sub = 0;
    show(0);
}

void progress_sub(double f)
{
    P.sub = f < 0 ? 0 : f > 1 ? 1 : f;
    show(0);
}

void progress_end(void)
{
    if (P.on && P.shown) fprintf(stderr, "\r\033[K");
    P.on = P.shown = 0;
}
