# Table 2 of arXiv 1811.05233: scaling efficiency vs GPU count, per row.
#
#   gnuplot -e "datadir='out'; outdir='out'; term='png'" plots/reproduce-scaling.gp
#
# Reads   datadir/reproduce-scaling.csv            row,label,gpus,efficiency_pct
#           (simulated curve points, several per label)
#         datadir/reproduce-scaling-published.csv  row,label,gpus,published_pct,simulated_pct
#           (one line per Table 2 row; sets the rows, their order and colours)
# Writes  outdir/reproduce-scaling.png (term='png') or .svg (term='svg')
# One coloured line with points per row (the simulated curve, sorted by GPU
# count), the published efficiency as a large filled diamond in the same
# colour, joined to the simulated value at that GPU count by a dashed line.
# Same input, same bytes: no timestamps, gnuplot's default fonts.

# --- common set-up (the same in every plots/reproduce-*.gp) -----------------
name = 'reproduce-scaling'
if (!exists("datadir")) datadir = 'out'
if (!exists("outdir")) outdir = datadir
if (!exists("term")) term = 'png'
if (term ne 'png' && term ne 'svg') {
    print sprintf("%s: error: unknown term '%s' (expected 'png' or 'svg')", name, term)
    exit status 2
}
set datafile separator comma
set datafile columnheaders
set datafile missing ''
# ---------------------------------------------------------------------------

fc = datadir.'/reproduce-scaling.csv'
fp = datadir.'/reproduce-scaling-published.csv'
# Check each input before any output file is opened: `stats` only warns
# on a missing file, so test what it defined.
undefine STATS_*
stats fc using 3:4 nooutput
if (!exists("STATS_records") || STATS_records < 1) {
    print sprintf("%s: error: cannot read '%s' or it has no data rows", name, fc)
    exit status 1
}
gmin = STATS_min_x; gmax = STATS_max_x; emin = STATS_min_y; emax = STATS_max_y
undefine STATS_*
stats fp using 3:4 nooutput
if (!exists("STATS_records") || STATS_records < 1) {
    print sprintf("%s: error: cannot read '%s' or it has no data rows", name, fp)
    exit status 1
}
N = STATS_records
gmin = STATS_min_x < gmin ? STATS_min_x : gmin
gmax = STATS_max_x > gmax ? STATS_max_x : gmax
emin = STATS_min_y < emin ? STATS_min_y : emin
emax = STATS_max_y > emax ? STATS_max_y : emax
if (gmin <= 0) {
    print sprintf("%s: error: non-positive gpu count in '%s' or '%s' (log scale)", name, fc, fp)
    exit status 1
}

# The Table 2 rows, in file order.
array L[N]; array G[N]; array P[N]; array S[N]
n = 0
set table $null
plot fp using (n = n + 1, L[n] = strcol(2), G[n] = column(3), P[n] = column(4), \
    S[n] = column(5), 0):(0) with table
unset table
do for [i = 1:n] {
    emin = S[i] < emin ? S[i] : emin
    emax = S[i] > emax ? S[i] : emax
}

# Okabe-Ito colours (colour-blind safe), one per row.
array C[8] = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442']
col(i) = C[(i - 1) % 8 + 1]

# A one-record datablock (header + one line): each published point is
# plotted from it, its coordinates taken from the arrays.
$one << EOD
one
0
EOD

if (term eq 'png') {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size 1000,600 noenhanced
    } else {
        set terminal png size 1000,600 noenhanced
    }
} else {
    set terminal svg size 1000,600 dynamic noenhanced background rgb 'white'
}
set output outdir.'/'.name.'.'.term

set title "Table 2 (arXiv 1811.05233): GPU scaling efficiency, simulated curves and published points"
set xlabel "GPUs (log2 scale)"
set ylabel "scaling efficiency (%)"
set logscale x 2
set xrange [gmin / 1.5 : gmax * 1.5]
set xtics 2 format "%.0f" nomirror
set ytics nomirror
set border 3
# y from 5 below the lowest value (rounded down to 5) to just above 100.
ylo = 5 * floor((emin - 5) / 5.0)
yhi = emax > 100 ? 5 * ceil((emax + 2) / 5.0) : 102
set yrange [ylo : yhi]
set grid xtics ytics back lt 1 lc rgb '#e0e0e0' lw 1
set key bottom left reverse Left samplen 2.5 spacing 1.2 box lc rgb '#a0a0a0' opaque

plot for [i = 1:n] fc using 3:(strcol(2) eq L[i] ? column(4) : NaN) smooth unique \
        with linespoints lw 2 pt 7 ps 0.8 lc rgb col(i) \
        title sprintf("%s: %d GPUs, published %g%%, simulated %.1f%%", L[i], G[i], P[i], S[i]), \
     for [i = 1:n] $one using (G[i]):(P[i]):(0):(S[i] - P[i]) \
        with vectors nohead dt 2 lw 1.5 lc rgb col(i) notitle, \
     for [i = 1:n] $one using (G[i]):(P[i]) \
        with points pt 13 ps 2.6 lc rgb col(i) notitle, \
     for [i = 1:n] $one using (G[i]):(P[i]):(sprintf("%g%%", P[i])) \
        with labels left offset 1.6,0 font ',10' tc rgb col(i) notitle, \
     NaN with points pt 13 ps 2.0 lc rgb '#404040' title 'published (Table 2)'
