# Input pipeline per Table 1 row of arXiv 1811.05233: files/s needed vs available.
#
#   gnuplot -e "datadir='out'; outdir='out'; term='png'" plots/reproduce-input.gp
#
# Reads   datadir/reproduce-input.csv
#           row,label,files_per_s_needed,files_per_s_available
# Writes  outdir/reproduce-input.png (term='png') or .svg (term='svg')
# Grouped bars on a log axis: the image files per second the GPUs consume at
# the simulated step rate (needed) and what the storage and decode pipeline
# delivers (available). Above each pair: available / needed, in red with
# "input-bound" where it is below 1.
# Same input, same bytes: no timestamps, gnuplot's default fonts.

# --- common set-up (the same in every plots/reproduce-*.gp) -----------------
name = 'reproduce-input'
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

f = datadir.'/reproduce-input.csv'
# Check each input before any output file is opened: `stats` only warns
# on a missing file, so test what it defined.
undefine STATS_*
stats f using 3:4 nooutput
if (!exists("STATS_records") || STATS_records < 1) {
    print sprintf("%s: error: cannot read '%s' or it has no data rows", name, f)
    exit status 1
}
n = STATS_records
vmin = STATS_min_x < STATS_min_y ? STATS_min_x : STATS_min_y
vmax = STATS_max_x > STATS_max_y ? STATS_max_x : STATS_max_y
if (vmin <= 0) {
    print sprintf("%s: error: non-positive files/s in '%s' (log scale)", name, f)
    exit status 1
}

# Compact rate: 2.6k, 45.3k, 1.20M.
rate(v) = v < 1e3 ? sprintf("%.0f", v) : v < 1e6 ? sprintf("%.3gk", v / 1e3) \
    : sprintf("%.3gM", v / 1e6)

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

set title "Table 1 rows (arXiv 1811.05233): input pipeline, image files per second needed vs available"
set ylabel "files per second (log scale)"
set logscale y
set yrange [vmin / 3.0 : vmax * 8.0]
set format y "%.0s%c"
set xrange [-0.6 : n - 0.4]
set xtics scale 0 nomirror font ',10'
set ytics nomirror
set mytics 10
set border 3
set grid ytics back lt 1 lc rgb '#e0e0e0' lw 1
set label 1 "above each pair: available / needed" \
    at graph 0.99, graph 0.97 right font ',10' tc rgb '#404040'
set key top left reverse Left samplen 2 spacing 1.2 box lc rgb '#a0a0a0'
set style fill solid 0.85 border lc rgb '#404040'
set boxwidth 0.36

plot f using ($0 - 0.19):3 with boxes lc rgb '#0072b2' title 'needed (GPUs at the simulated step rate)', \
     '' using ($0 + 0.19):4 with boxes lc rgb '#009e73' title 'available (storage + decode)', \
     '' using ($0 - 0.19):3:(rate($3)) with labels center offset 0,0.6 font ',9' notitle, \
     '' using ($0 + 0.19):4:(rate($4)) with labels center offset 0,0.6 font ',9' notitle, \
     '' using 0:(($3 > $4 ? $3 : $4) * 2.2):($4 >= $3 ? sprintf("x%.2f", $4 / $3) : ""):xtic(2) \
        with labels center font ',11' tc rgb '#202020' notitle, \
     '' using 0:(($3 > $4 ? $3 : $4) * 2.2):($4 < $3 ? sprintf("x%.2f input-bound", $4 / $3) : "") \
        with labels center font ',11' tc rgb '#c00000' notitle
