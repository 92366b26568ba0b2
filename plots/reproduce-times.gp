# Table 1 of arXiv 1811.05233: published vs simulated time to train, per row.
#
#   gnuplot -e "datadir='out'; outdir='out'; term='png'" plots/reproduce-times.gp
#
# Reads   datadir/reproduce.csv
#           table,row,devices,published,simulated,unit,error_pct[,interval_low,
#           interval_high,...]
#         (only the rows with unit `s`, i.e. Table 1, times in seconds)
# Writes  outdir/reproduce-times.png (term='png') or .svg (term='svg')
# Grouped bars (published, simulated) on a log time axis labelled in
# minutes and hours; each bar carries its value, each group the error
# (simulated - published) / published in percent. A whisker on the
# simulated bar spans the row's interval over its [uncertain] ranges, when
# the CSV has one (none with dtsim reproduce --no-ranges).
# Same input, same bytes: no timestamps, gnuplot's default fonts.

# --- common set-up (the same in every plots/reproduce-*.gp) -----------------
name = 'reproduce-times'
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

# Check the input before any output file is opened (`stats` only warns on
# a missing file, so test what it defined), then read the Table 1 rows
# into arrays.
f = datadir.'/reproduce.csv'
undefine STATS_*
stats f using 0 nooutput
if (!exists("STATS_records") || STATS_records < 1) {
    print sprintf("%s: error: cannot read '%s' or it has no data rows", name, f)
    exit status 1
}
N = STATS_records
array Lab[N]; array Dev[N]; array Pub[N]; array Sim[N]; array Err[N]; array Lo[N]; array Hi[N]
n = 0
# the interval's ends, or NaN (no whisker) where the CSV has none
end(c) = c <= STATS_columns ? column(c) : NaN
undefine STATS_*
stats f using 0 nooutput
set table $null
plot f using (strcol(6) eq 's' ? (n = n + 1, Lab[n] = strcol(2), Dev[n] = strcol(3), \
    Pub[n] = column(4), Sim[n] = column(5), Err[n] = column(7), Lo[n] = end(8), Hi[n] = end(9), 0) : 0):(0) \
    with table
unset table
if (n == 0) {
    print sprintf("%s: error: no Table 1 rows (unit 's') in '%s'", name, f)
    exit status 1
}

# Tab-separated copy: one line per row, x = 1..n; the interval's ends are
# the simulated time, and column 9 is 0, where the CSV has no interval.
set print $D
do for [i = 1:n] {
    iv = Hi[i] == Hi[i]
    print sprintf("%d\t%s\t%s\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%d", i, Lab[i], Dev[i], Pub[i], Sim[i], Err[i], \
        iv ? Lo[i] : Sim[i], iv ? Hi[i] : Sim[i], iv)
}
unset print
set datafile separator tab
set datafile nocolumnheaders

tmin = 1e30; tmax = 0
do for [i = 1:n] {
    tmin = Pub[i] < tmin ? Pub[i] : tmin; tmin = Sim[i] < tmin ? Sim[i] : tmin
    tmax = Pub[i] > tmax ? Pub[i] : tmax; tmax = Sim[i] > tmax ? Sim[i] : tmax
    if (Hi[i] == Hi[i]) { tmax = Hi[i] > tmax ? Hi[i] : tmax; tmin = Lo[i] < tmin ? Lo[i] : tmin }
}
if (tmin <= 0) {
    print sprintf("%s: error: non-positive time in '%s' (log scale)", name, f)
    exit status 1
}

# Human-readable duration: seconds below 10 min, minutes below 1 h, hours.
dur(t) = t < 600 ? sprintf("%.0f s", t) : t < 3600 ? sprintf("%.1f min", t / 60.0) \
    : sprintf("%.1f h", t / 3600.0)

if (term eq 'png') {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size 1100,640 noenhanced
    } else {
        set terminal png size 1100,640 noenhanced
    }
} else {
    set terminal svg size 1100,640 dynamic noenhanced background rgb 'white'
}
set output outdir.'/'.name.'.'.term

set title "Table 1 (arXiv 1811.05233): ResNet-50 / ImageNet time to train, published vs simulated"
set ylabel "time to train (log scale)"
set logscale y
set yrange [tmin / 3.0 : tmax * 8.0]
set ytics ("10 s" 10, "30 s" 30, "1 min" 60, "2 min" 120, "5 min" 300, \
    "10 min" 600, "20 min" 1200, "30 min" 1800, "1 h" 3600, "2 h" 7200, \
    "5 h" 18000, "10 h" 36000, "20 h" 72000, "50 h" 180000, "100 h" 360000)
set mytics 1
set grid ytics back lt 1 lc rgb '#e0e0e0' lw 1
set xrange [0.4 : n + 0.6]
set xtics scale 0 nomirror font ',10'
set bmargin 4.5
set label 1 "above each pair: (simulated - published) / published" \
    at graph 0.02, graph 0.97 left font ',10' tc rgb '#404040'
set border 3
set ytics nomirror
set key top right reverse Left samplen 2 spacing 1.2 box lc rgb '#a0a0a0'
set style fill solid 0.85 border lc rgb '#404040'
set boxwidth 0.36

plot $D using ($1 - 0.19):4 with boxes lc rgb '#7f7f7f' title 'published (Table 1)', \
     '' using ($1 + 0.19):5 with boxes lc rgb '#0072b2' title 'simulated (dtsim)', \
     '' using ($1 + 0.19):($9 == 1 ? $7 : NaN):(0):($8 - $7) with vectors heads size screen 0.006,90 \
        lw 1.5 lc rgb '#202020' \
        title 'simulated interval ([uncertain] ranges)', \
     '' using ($1 - 0.19):4:(dur($4)) with labels center offset 0,0.6 font ',9' notitle, \
     '' using ($1 + 0.19):8:(dur($5)) with labels center offset 0,0.6 font ',9' notitle, \
     '' using 1:(($4 > $5 ? $4 : $5) * 2.2):(sprintf("%+.1f%%", $6)):xtic(stringcolumn(2)."\n".stringcolumn(3)) \
        with labels center font ',11' tc rgb '#202020' notitle
