# dtsim sweep / plan: cost vs time to train, and the Pareto front.
#
#   gnuplot -e "datadir='out/plan'; csv='plan.csv'; term='png'" plots/sweep-pareto.gp
#   gnuplot -e "datadir='out/plan'; csv='plan.csv'; deadline=600; term='svg'" plots/sweep-pareto.gp
#
# Reads   datadir/csv (default sweep.csv), a dtsim sweep CSV with the columns
#           gpus, time_to_train_s, cost and the label column `label`
#           (default cluster.gpu); rows without a cost are skipped
# Writes  outdir/sweep-pareto.png (term='png') or .svg (term='svg')
# Every configuration is a grey dot (time on a log x axis, cost in USD on a
# log y axis). The Pareto front -- the points that no other point beats on
# both time and cost -- is drawn in blue, joined left to right, each labelled
# "LABEL xGPUS". With `deadline` (seconds) a dashed red line marks it: the
# cheapest point left of the line is what dtsim plan answers.
# Same input, same bytes: no timestamps, gnuplot's default fonts.

# --- common set-up (the same in every plots/sweep-*.gp) ---------------------
name = 'sweep-pareto'
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
if (!exists("label")) label = 'cluster.gpu'

f = datadir.'/'.csv
undefine STATS_*
stats f using 0 nooutput
if (!exists("STATS_records") || STATS_records < 1) {
    print sprintf("%s: error: cannot read '%s' or it has no data rows", name, f)
    exit status 1
}
N = STATS_records
array L[N]; array T[N]; array C[N]
n = 0
set table $null
plot f using (strcol('cost') ne '' && strcol('time_to_train_s') ne '' ? (n = n + 1, \
    L[n] = sprintf("%s x%d", strcol(label), column('gpus')), T[n] = column('time_to_train_s'), \
    C[n] = column('cost'), 0) : 0):(0) with table
unset table
if (n == 0) {
    print sprintf("%s: error: no rows with a cost in '%s' (run the sweep with prices)", name, f)
    exit status 1
}
tmin = 1e300; cmin = 1e300
do for [i = 1:n] { tmin = T[i] < tmin ? T[i] : tmin; cmin = C[i] < cmin ? C[i] : cmin }
if (tmin <= 0 || cmin <= 0) {
    print sprintf("%s: error: non-positive time or cost in '%s' (log scale)", name, f)
    exit status 1
}
# front: no other point at most as slow and as dear, and better in one
set print $F
do for [i = 1:n] {
    dom = 0
    do for [j = 1:n] {
        if (j != i && T[j] <= T[i] && C[j] <= C[i] && (T[j] < T[i] || C[j] < C[i] || j < i)) { dom = 1 }
    }
    if (!dom) { print sprintf("%.6g\t%.6g\t%s", T[i], C[i], L[i]) }
}
unset print
set print $P
do for [i = 1:n] { print sprintf("%.6g\t%.6g", T[i], C[i]) }
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
set title "Cost vs time to train: every configuration, and the Pareto front"
set xlabel "time to train (log scale)"
set ylabel "cost, USD (log scale)"
set logscale x
set logscale y
set xtics ("10 s" 10, "1 min" 60, "5 min" 300, "10 min" 600, "30 min" 1800, "1 h" 3600, \
    "2 h" 7200, "5 h" 18000, "10 h" 36000, "1 d" 86400, "3 d" 259200, "10 d" 864000)
set grid xtics ytics back lt 1 lc rgb '#e0e0e0' lw 1
set key top right box lc rgb '#a0a0a0'
set border 3
set xtics nomirror
set ytics nomirror
if (exists("deadline") && deadline > 0) {
    set arrow 1 from deadline, graph 0 to deadline, graph 1 nohead dt 2 lw 2 lc rgb '#d55e00'
    set label 1 "deadline" at deadline, graph 0.97 left offset 0.5,0 tc rgb '#d55e00'
}
plot $P using 1:2 with points pt 7 ps 0.5 lc rgb '#b0b0b0' title 'configurations', \
     $F using 1:2 smooth unique with linespoints lw 2 pt 7 ps 0.9 lc rgb '#0072b2' title 'Pareto front', \
     $F using 1:2:3 with labels left rotate by 30 offset 0.6,0.5 font ',8' tc rgb '#0072b2' notitle
