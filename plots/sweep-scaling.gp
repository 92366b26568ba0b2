# dtsim sweep / plan: scaling efficiency vs GPU count, one curve per algorithm.
#
#   gnuplot -e "datadir='out'; outdir='out'; term='png'" plots/sweep-scaling.gp
#   gnuplot -e "datadir='out/plan'; csv='plan.csv'; term='svg'" plots/sweep-scaling.gp
#
# Reads   datadir/csv (default sweep.csv), a dtsim sweep CSV with the columns
#           gpus, scaling_efficiency and the series column `by`
#           (default allreduce.algorithm); rows with an error are skipped
# Writes  outdir/sweep-scaling.png (term='png') or .svg (term='svg')
# Every point is a small dot; each series' curve joins, at each GPU count,
# the most efficient point of that series (the best choice of the other
# varied keys, e.g. GPU type and network). Efficiency in percent: the
# throughput on N GPUs over N/G times that of one node (G GPUs), as dtsim run.
# Same input, same bytes: no timestamps, gnuplot's default fonts.

# --- common set-up (the same in every plots/sweep-*.gp) ---------------------
name = 'sweep-scaling'
if (!exists("datadir")) datadir = 'out'
if (!exists("outdir")) outdir = datadir
if (!exists("term")) term = 'png'
if (!exists("csv")) csv = 'sweep.csv'
if (term ne 'png' && term ne 'svg') {
    print sprintf("%s: error: unknown term '%s' (expected 'png' or 'svg')", name, term)
    exit status 2
}
set datafile separator comma
set datafile columnheaders
set datafile missing ''
# ---------------------------------------------------------------------------
if (!exists("by")) by = 'allreduce.algorithm'
ycol = 'scaling_efficiency'

f = datadir.'/'.csv
undefine STATS_*
stats f using 0 nooutput
if (!exists("STATS_records") || STATS_records < 1) {
    print sprintf("%s: error: cannot read '%s' or it has no data rows", name, f)
    exit status 1
}
N = STATS_records
array S[N]; array X[N]; array Y[N]
n = 0
set table $null
plot f using (strcol(ycol) ne '' ? (n = n + 1, S[n] = strcol(by), X[n] = column('gpus'), Y[n] = 100 * column(ycol), 0) : 0):(0) with table
unset table
if (n == 0) {
    print sprintf("%s: error: no rows with a %s in '%s'", name, ycol, f)
    exit status 1
}
# distinct series, in order of appearance
array Ser[n]; ns = 0
do for [i = 1:n] {
    new = 1
    do for [k = 1:ns] { if (Ser[k] eq S[i]) { new = 0 } }
    if (new) { ns = ns + 1; Ser[ns] = S[i] }
}
# distinct GPU counts, ascending
array G[n]; ng = 0
do for [i = 1:n] {
    new = 1
    do for [k = 1:ng] { if (G[k] == X[i]) { new = 0 } }
    if (new) { ng = ng + 1; G[ng] = X[i] }
}
do for [a = 1:ng] { do for [b = a + 1:ng] { if (G[b] < G[a]) { t = G[a]; G[a] = G[b]; G[b] = t } } }
# the most efficient point per (series, count): one block per series
set print $D
do for [k = 1:ns] {
    do for [a = 1:ng] {
        best = -1
        do for [i = 1:n] { if (S[i] eq Ser[k] && X[i] == G[a] && (best < 0 || Y[i] > best)) { best = Y[i] } }
        if (best >= 0) { print sprintf("%g\t%.6g", G[a], best) }
    }
    print ""; print ""
}
unset print
set print $P
do for [i = 1:n] { print sprintf("%g\t%.6g", X[i], Y[i]) }
unset print
set datafile separator tab
set datafile nocolumnheaders

if (term eq 'png') {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size 1000,640 noenhanced
    } else {
        set terminal png size 1000,640 noenhanced
    }
} else {
    set terminal svg size 1000,640 dynamic noenhanced background rgb 'white'
}
set output outdir.'/'.name.'.'.term
set title sprintf("Scaling efficiency vs GPU count, per %s (best choice of the other keys)", by)
set xlabel "GPUs (log scale)"
set ylabel "scaling efficiency (%)"
set logscale x 2
set yrange [0:105]
set grid xtics ytics back lt 1 lc rgb '#e0e0e0' lw 1
set key bottom left box lc rgb '#a0a0a0'
set border 3
set xtics nomirror
set ytics nomirror
plot $P using 1:2 with points pt 7 ps 0.4 lc rgb '#c0c0c0' title 'every point', \
     for [k = 1:ns] $D index (k - 1) using 1:2 with linespoints lw 2 pt 7 ps 0.8 title Ser[k]
