# Step-time breakdown per Table 1 row of arXiv 1811.05233 (first batch phase).
#
#   gnuplot -e "datadir='out'; outdir='out'; term='png'" plots/reproduce-breakdown.gp
#
# Reads   datadir/reproduce-breakdown.csv
#           row,label,forward_s,backward_s,exposed_comm_s,optimizer_s,input_stall_s,host_s,step_s
# Writes  outdir/reproduce-breakdown.png (term='png') or .svg (term='svg')
# One stacked bar per row, in milliseconds: forward, backward, exposed
# (not overlapped) communication, optimizer, input stall, and the GPU
# waiting for the host to issue kernels. The number above each bar is
# step_s; the bar's height is the sum of the six parts.
# Same input, same bytes: no timestamps, gnuplot's default fonts.

# --- common set-up (the same in every plots/reproduce-*.gp) -----------------
name = 'reproduce-breakdown'
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

f = datadir.'/reproduce-breakdown.csv'
# Check each input before any output file is opened: `stats` only warns
# on a missing file, so test what it defined.
undefine STATS_*
stats f using 9 nooutput
if (!exists("STATS_records") || STATS_records < 1) {
    print sprintf("%s: error: cannot read '%s' or it has no data rows", name, f)
    exit status 1
}
n = STATS_records
ymax = 0
set table $null
plot f using (s = column(3) + column(4) + column(5) + column(6) + column(7) + column(8), \
    ymax = (s > ymax ? s : ymax), ymax = (column(9) > ymax ? column(9) : ymax), 0):(0) with table
unset table
ymax = ymax * 1000.0

if (term eq 'png') {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size 1100,600 noenhanced
    } else {
        set terminal png size 1100,600 noenhanced
    }
} else {
    set terminal svg size 1100,600 dynamic noenhanced background rgb 'white'
}
set output outdir.'/'.name.'.'.term

set title "Table 1 rows (arXiv 1811.05233): simulated step time per iteration, first batch phase"
set ylabel "step time (ms)"
set yrange [0 : ymax * 1.12]
set xrange [-0.6 : n - 0.4]
set style data histograms
set style histogram rowstacked gap 1
set style fill solid 0.9 border lc rgb '#404040'
set boxwidth 0.6
set xtics scale 0 nomirror font ',10'
set ytics nomirror
set border 3
set grid ytics back lt 1 lc rgb '#e0e0e0' lw 1
set key outside right top vertical reverse invert Left samplen 2 spacing 1.3 title "per iteration"

# Okabe-Ito colours: blue, sky blue, vermillion, green, yellow, reddish purple.
plot f using ($3 * 1000):xtic(2) lc rgb '#0072b2' title 'forward', \
     '' using ($4 * 1000) lc rgb '#56b4e9' title 'backward', \
     '' using ($5 * 1000) lc rgb '#d55e00' title 'exposed comm', \
     '' using ($6 * 1000) lc rgb '#009e73' title 'optimizer', \
     '' using ($7 * 1000) lc rgb '#f0e442' title 'input stall', \
     '' using ($8 * 1000) lc rgb '#cc79a7' title 'host', \
     '' using 0:(($3 + $4 + $5 + $6 + $7 + $8) * 1000):(sprintf("%.1f ms", $9 * 1000)) \
        with labels center offset 0,0.8 font ',10' notitle
