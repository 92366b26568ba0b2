# dtsim validate: measured vs simulated all-reduce bus bandwidth on the
# emulated cluster.
#
#   gnuplot -e "datadir='out'; outdir='out'; term='png'" plots/validate.gp
#
# Reads   datadir/validate.csv   rate_bps,hosts,gpus_per_node,algo,bytes,real_s,sim_s,
#                                error_pct,real_busbw_GBps,sim_busbw_GBps,spread_pct,fitted
# Writes  outdir/validate.png (term='png') or .svg (term='svg')
# One panel per (link rate, hosts), rates in rows and host counts in
# columns, in file order. In each panel, per algorithm (one colour each):
# measured busbw as points, simulated busbw as a line, against the size per
# rank on a log2 axis. The 2-host panels are the ones the link was fitted on.
# Same input, same bytes: no timestamps, gnuplot's default fonts.

# --- common set-up (the same in every plots/reproduce-*.gp) -----------------
name = 'validate'
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

fc = datadir.'/validate.csv'
undefine STATS_*
stats fc using 5:9 nooutput
if (!exists("STATS_records") || STATS_records < 1) {
    print sprintf("%s: error: cannot read '%s' or it has no data rows", name, fc)
    exit status 1
}
N = STATS_records
if (STATS_min_x <= 0) {
    print sprintf("%s: error: non-positive size in '%s' (log scale)", name, fc)
    exit status 1
}
xmin = STATS_min_x; xmax = STATS_max_x; ymax = STATS_max_y
undefine STATS_*
stats fc using 5:10 nooutput
ymax = STATS_max_y > ymax ? STATS_max_y : ymax

# Distinct rates, host counts and algorithms, in file order (8 of each at most).
array R[N]; array H[N]; array A[N]
n = 0
set table $null
plot fc using (n = n + 1, R[n] = column(1), H[n] = column(2), A[n] = strcol(4), 0):(0) with table
unset table
array UR[8]; array UH[8]; array UA[8]
nr = 0; nh = 0; na = 0
do for [i = 1:n] {
    f = 0
    do for [j = 1:nr] { if (UR[j] == R[i]) { f = 1 } }
    if (!f && nr < 8) { nr = nr + 1; UR[nr] = R[i] }
    f = 0
    do for [j = 1:nh] { if (UH[j] == H[i]) { f = 1 } }
    if (!f && nh < 8) { nh = nh + 1; UH[nh] = H[i] }
    f = 0
    do for [j = 1:na] { if (UA[j] eq A[i]) { f = 1 } }
    if (!f && na < 8) { na = na + 1; UA[na] = A[i] }
}

# Okabe-Ito colours (colour-blind safe), one per algorithm.
array C[8] = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442']

if (term eq 'png') {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size (420 * nh + 80),(320 * nr + 80) noenhanced
    } else {
        set terminal png size (420 * nh + 80),(320 * nr + 80) noenhanced
    }
} else {
    set terminal svg size (420 * nh + 80),(320 * nr + 80) dynamic noenhanced background rgb 'white'
}
set output outdir.'/'.name.'.'.term

set logscale x 2
set xrange [xmin / 1.5 : xmax * 1.5]
set yrange [0 : ymax * 1.15]
set format x "%.0b%B"
set xtics nomirror
set ytics nomirror
set border 3
set grid xtics ytics back lt 1 lc rgb '#e0e0e0' lw 1
set key bottom right samplen 2 spacing 1.0 font ',8'
set xlabel "bytes per rank"
set ylabel "busbw (GB/s)"
set multiplot layout nr,nh title "dtsim validate: measured (points) vs simulated (lines) all-reduce busbw; link fitted on 2 hosts"
do for [r = 1:nr] {
    do for [h = 1:nh] {
        set title sprintf("%g Mbit/s, %d hosts%s", UR[r] / 1e6, UH[h], UH[h] == 2 ? " (fit)" : "")
        plot for [a = 1:na] fc using 5:((column(1) == UR[r] && column(2) == UH[h] && strcol(4) eq UA[a]) ? column(9) : NaN) \
                with points pt 7 ps 0.9 lc rgb C[a] title UA[a], \
             for [a = 1:na] fc using 5:((column(1) == UR[r] && column(2) == UH[h] && strcol(4) eq UA[a]) ? column(10) : NaN) \
                smooth unique with lines lw 2 lc rgb C[a] notitle
    }
}
unset multiplot
