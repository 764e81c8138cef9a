# benchmarks/plot.gp — seconds per N for bare dgetrf, the explicit inverse and
# each solver's whole run, from latest.csv (run in benchmarks/results/).
# One line per (measurement, OpenBLAS kernel) present in the file.
set datafile separator ","
set terminal svg size 900,560 dynamic font "sans,12"
set output "latest.svg"
set title "embodied accounts vs bare LAPACK dgetrf (best of repeats)"
set xlabel "N (industries)"
set ylabel "seconds"
set logscale xy
set key left top
set grid
series = system("awk -F, 'NR>1 && ($1==\"dgetrf\" || $1 ~ /:total$/) {print $1\"|\"$6}' latest.csv | sort -u | tr '\\n' ' '")
plot for [s in series] \
     sprintf("< awk -F, -v w='%s' -v c='%s' '$1==w && $6==c {print $4\",\"$7}' latest.csv | sort -t, -k1,1n", \
             s[1:strstrt(s,"|")-1], s[strstrt(s,"|")+1:]) \
     using 1:2 with linespoints title s
