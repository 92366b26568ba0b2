# The [uncertain] ranges of each row of arXiv 1811.05233, one at a time
# (a tornado), with the row's interval and the published value.
#
#   gnuplot -e "datadir='out'; outdir='out'; term='png'" plots/reproduce-tornado.gp
#
# Reads   datadir/reproduce-tornado.csv
#           table,row,label,key,down,up,point,published,unit,value_down,value_up
#         (per row: a line with key "interval", down and up its ends, then a
#         line per range with the row's figure at the range's values that
#         moved it down and up; only columns 1-8 are used)
# Writes  outdir/reproduce-tornado.png (term='png') or .svg (term='svg')
# Two panels, Table 1 (change of the time to train from the point, percent)
# and Table 2 (change of the scaling efficiency, points). Per row: a grey
# bar for the interval, then one bar per range, blue where a value moved
# the row down, vermillion where one moved it up; a black diamond marks
# the published value on the interval's line.
# Same input, same bytes: no timestamps, gnuplot's default fonts.

# --- common set-up (the same in every plots/reproduce-*.gp) -----------------
name = 'reproduce-tornado'
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

f = datadir.'/reproduce-tornado.csv'
# Check the input before any output file is opened: `stats` only warns on
# a missing file, so test what it defined.
undefine STATS_*
stats f using 5 nooutput
if (!exists("STATS_records") || STATS_records < 1) {
    print sprintf("%s: error: cannot read '%s' or it has no data rows", name, f)
    exit status 1
}
N = STATS_records
array T[N]; array Lab[N]; array Key[N]; array Lo[N]; array Hi[N]; array Pt[N]; array Pub[N]
n = 0
set table $null
plot f using (n = n + 1, T[n] = column(1), Lab[n] = strcol(3), Key[n] = strcol(4), Lo[n] = column(5), \
    Hi[n] = column(6), Pt[n] = column(7), Pub[n] = column(8), 0):(0) with table
unset table

# Change from the point: percent of the time (Table 1), points (Table 2).
delta(t, v, p) = t == 1 ? 100.0 * (v / p - 1) : v - p

# Per panel, one line per CSV line from the top, a blank line between rows:
# y, the two ends, the published value (interval lines only), the tic.
array Y[N]; array XL[N]; array XH[N]; array XP[N]
array ylen[2]; array xmin[2]; array xmax[2]
do for [t = 1:2] {
    y = 0; xmin[t] = 0; xmax[t] = 0
    do for [i = 1:n] {
        if (T[i] == t) {
            if (Key[i] eq 'interval' && y > 0) { y = y + 0.6 }
            y = y + 1
            Y[i] = y
            XL[i] = delta(t, Lo[i], Pt[i]); XH[i] = delta(t, Hi[i], Pt[i])
            XP[i] = delta(t, Pub[i], Pt[i])
            xmin[t] = XL[i] < xmin[t] ? XL[i] : xmin[t]; xmax[t] = XH[i] > xmax[t] ? XH[i] : xmax[t]
            if (Key[i] eq 'interval') {
                xmin[t] = XP[i] < xmin[t] ? XP[i] : xmin[t]; xmax[t] = XP[i] > xmax[t] ? XP[i] : xmax[t]
            }
        }
    }
    ylen[t] = y
}
if (ylen[1] + ylen[2] < 1) {
    print sprintf("%s: error: no rows of table 1 or 2 in '%s'", name, f)
    exit status 1
}

# Tab-separated copies for plotting, one per panel ($T1, $T2): panel, y,
# low, high, published (the low end where none), tic, 1 on an interval line.
set print $T1
do for [i = 1:n] {
    if (T[i] == 1) {
        iv = Key[i] eq 'interval'
        print sprintf("%d\t%g\t%.6g\t%.6g\t%.6g\t%s\t%d", T[i], Y[i], XL[i], XH[i], iv ? XP[i] : XL[i], \
            iv ? Lab[i].': interval' : Key[i], iv)
    }
}
unset print
set print $T2
do for [i = 1:n] {
    if (T[i] == 2) {
        iv = Key[i] eq 'interval'
        print sprintf("%d\t%g\t%.6g\t%.6g\t%.6g\t%s\t%d", T[i], Y[i], XL[i], XH[i], iv ? XP[i] : XL[i], \
            iv ? Lab[i].': interval' : Key[i], iv)
    }
}
unset print
set datafile separator tab
set datafile nocolumnheaders

if (term eq 'png') {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size 1500,900 noenhanced
    } else {
        set terminal png size 1500,900 noenhanced
    }
} else {
    set terminal svg size 1500,900 dynamic noenhanced background rgb 'white'
}
set output outdir.'/'.name.'.'.term

set multiplot layout 1,2 title "arXiv 1811.05233 rows: each [uncertain] range one at a time (bars), the interval (grey) and the published value (diamond)"
set style fill solid 0.85 border lc rgb '#404040'
set border 3
set xtics nomirror
set ytics nomirror scale 0 font ',9'
set grid xtics back lt 1 lc rgb '#e0e0e0' lw 1
set lmargin 34
h = 0.36
do for [t = 1:2] {
    if (ylen[t] < 1) {
        unset xtics; unset ytics; unset border; unset key
        set title sprintf("Table %d: no rows", t)
        plot [0:1][0:1] NaN notitle
        set xtics nomirror; set ytics nomirror scale 0 font ',9'; set border 3
    } else {
        pad = (xmax[t] - xmin[t]) * 0.06 + (t == 1 ? 1 : 0.2)
        set xrange [xmin[t] - pad : xmax[t] + 2 * pad]   # room for the published labels
        # room below the last row for the key (drawn on the first panel)
        set yrange [ylen[t] + 4.6 : 0.2]
        if (t == 1) {
            set key bottom right samplen 1.5 spacing 1.1 box lc rgb '#a0a0a0' font ',9'
        } else {
            unset key
        }
        set arrow 1 from 0, graph 0 to 0, graph 1 nohead lc rgb '#404040' lw 1 back
        if (t == 1) {
            set title "Table 1: time to train"
            set xlabel "change from the point (% of the simulated time)"
        } else {
            set title "Table 2: scaling efficiency"
            set xlabel "change from the point (points of efficiency)"
        }
        blk = t == 1 ? '$T1' : '$T2'
        plot blk using ($3 < 0 ? $3 / 2 : 0):2:($3 < 0 ? -$3 / 2 : 0):(h):ytic(6) \
                with boxxyerror lc rgb '#0072b2' title 'a value moved the row down', \
             '' using ($4 > 0 ? $4 / 2 : 0):2:($4 > 0 ? $4 / 2 : 0):(h) \
                with boxxyerror lc rgb '#d55e00' title 'a value moved the row up', \
             '' using ($7 == 1 ? ($3 + $4) / 2 : NaN):2:(($4 - $3) / 2):(h) \
                with boxxyerror lc rgb '#9a9a9a' title 'interval (all runs)', \
             '' using ($7 == 1 ? $5 : NaN):2 with points pt 13 ps 1.8 lc rgb '#000000' title 'published', \
             '' using ($7 == 1 ? $5 : NaN):2:(t == 1 ? sprintf("%+.0f%%", $5) : sprintf("%+.1f pt", $5)) \
                with labels left offset 1.2,0 font ',9' notitle
    }
}
unset multiplot
