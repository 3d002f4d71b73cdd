#!/bin/sh
# tests/bench/run.sh - the selfattn benchmark (`make bench`; never part of
# `make test`).
#
# What it measures.  First the machine's ceiling, in the same run:
# tests/tools/peak measures the fp64 and fp32 FMA peak (GFLOP/s, 2 flops
# per FMA lane) at the ISA level selfattn uses, on 1 thread and on all
# threads, and the memory bandwidth STREAM-style on 3 arrays of 256 MiB
# (or twice the last-level cache the system reports, if that is more):
# "read" (a sum of one array) and "triad" (a[i] = b[i] + s*c[i], counted
# as 3 arrays x 8 bytes an element), GB/s = 1e9 bytes/s, best of 5.  The
# ISA level is the one selfattn would choose: peak is linked with
# selfattn's gemm.c and asks gemm_isa_choose(), the best the CPU has
# (avx512, avx2 = AVX2+FMA, generic = plain C, for which peak times
# 128-bit vector multiply + add), capped by SELFATTN_ISA as for selfattn
# itself
# (so `SELFATTN_ISA=avx2 make bench` measures both at that level);
# "threads" is selfattn's default -j ($SELFATTN_THREADS or the online
# processors).
#
# Then each case runs selfattn BENCH_REPS times (default 3) under
# tests/tools/runstat (fork/exec + wait4: wall-clock seconds and peak
# RSS) and, when $BENCH_PYTHON has NumPy, the same computation in NumPy
# float64 (tests/bench/numpy_attn.py) on the same input files,
# interleaved with the selfattn runs.  Times are whole processes: start,
# reading the inputs, computing, writing the outputs.  Each run writes
# files that do not exist yet: the previous run's outputs are deleted,
# untimed, before it (see run1).
#
#   (a) self-attention, n=4096, d_model=512, 8 heads (dk=dv=64), W^O
#       512x512, .npy in and out
#   (b) the same with CSV in and out
#   (c) n=65536, d=64, 1 head, .npy, -o only.  NumPy cannot hold the
#       32 GiB score matrix: selfattn alone, with a memory budget of
#       inputs + output + 64 MiB; NumPy spot-checks a few output rows.
#   (d) (a) with --dtype f32, speed-up over (a)
#   (e) (a) with -j 1 against the default number of threads
#   (f) (a) with -a weights.npy and with -a weights.csv (n*n*H numbers);
#       the CSV is 2-3 GB of text, written to the work folder and deleted
#       after each run; skipped if the disk has less than ~10 GB free.
#   (g) decoding: given Q (n x 1024), K and V (m x 256) as f64 .npy,
#       n = 1 and n = 16 queries, m = 2^20 keys, -H 8 --kv-heads 2 (8
#       query heads sharing 2 key/value heads, dk = dv = 128), with
#       --dtype f64 and f32, -j 1 and the default threads.  K and V are
#       2 GiB each, written once by tests/tools/npygen (uniform numbers
#       of variance 1, fixed seeds) and kept; skipped, with a line
#       saying so, if the disk has less than ~5 GiB free.  Its own
#       table: seconds; GB/s of K and V (their file sizes / time) and
#       that as % of the read bandwidth above (of 1 thread for -j 1, of
#       all threads else); "x cat", the time over that of reading the
#       same files with `cat K.npy V.npy > /dev/null`, warm (dropped
#       from the page cache, then read once untimed, so from the page
#       cache when they fit, as a first read from disk leaves them: the
#       header says how much of it is in huge folios); peak RSS
#       and "RSS-in", the peak RSS minus the input files' size (MiB:
#       the .npy files are mapped, and count in the RSS where touched;
#       decoding reads K and V with pread, so it is negative: the
#       targets say "N MiB under"); and the
#       -j all / -j 1 speed-up.  Checked: n = 1 against NumPy (else,
#       and n = 16, against selfattn with SELFATTN_ISA=generic, the plain
#       C kernels), f32 to 1e-4, and -j all identical to -j 1; and n = 1
#       in f64, selfattn's and NumPy's, against NumPy in np.longdouble
#       (numpy_attn.py exact, about 30 s): which of the two is nearer.
#   (h) (a) with -c, causal attention as a decoder computes it; NumPy
#       masks the full scores with -inf above the diagonal, as a NumPy
#       or PyTorch user's code does.  Its FLOPs are those of the
#       n(n+1)/2 query-key pairs a causal mask leaves (as FlashAttention
#       counts them), so that its % of peak compares with (a)'s.
#   Cases whose option `selfattn --help` does not list print
#   "n/a (option not available)".
#
# How to read the table.  "s" is the median wall-clock time of the runs,
# "RSS" the largest peak resident set of the runs (MiB, NumPy's includes
# the interpreter, ~30 MiB).  GFLOP/s counts only the arithmetic of the
# attention itself, the same for both programs:
#
#   flops = 2*n*d*(H*dk + H*dk + H*dv)      projections X*WQ, X*WK, X*WV
#         + 2*n*m*dk*H                      scores Q_h*K_h^T
#         + 2*n*m*dv*H                      weights*V_h
#         + 2*n*(H*dv)*d_out                output projection (with W^O)
#
# (m = n keys, and n*m becomes n(n+1)/2 for (h); softmax exp/max/sum and
# the scaling are not counted).
# "%peak" is that GFLOP/s over the measured peak of the same kind: fp64
# on all threads, fp32 on all threads for --dtype f32 (d), the 1-thread
# fp64 peak for -j 1 (e); each peak, and each memory bandwidth, is
# measured before the cases and again after them, and the larger is the
# ceiling (a measurement that fell in a slow spell of the machine would
# flatter every %).  The peak is what FMA units can do with every
# operand in registers; whole-process times include I/O and the softmax,
# so 100% is out of reach, and the % says how much of the machine a case
# uses, independently of the machine.  "NumPy/sa" is NumPy's seconds
# over selfattn's: above 1, selfattn is faster.  Below the tables: the
# error of each output relative to its reference (max|got-ref| /
# max|ref|), so that a fast but wrong kernel does not pass unnoticed,
# and the ratios of cases (c)-(f).  The header names the BLAS NumPy
# really loaded: Debian's python3-numpy uses the reference BLAS
# (libblas3, unoptimised) unless OpenBLAS is installed, which makes
# NumPy a weak baseline.
#
# Targets, at the end: each stated as a ratio within this one run
# (medians), so that the machine cancels out, and marked "met", "not
# met" or "not measured (why)": (a) >= 70% of fp64 peak and >= 2.5x
# NumPy+OpenBLAS; (b) >= 4.5x NumPy+OpenBLAS; (c) >= 75% of fp64 peak,
# peak RSS <= inputs + output + 64 MiB; (d) >= 65% of fp32 peak; (f)
# >= 2.5x NumPy (whatever its BLAS, named); (g), judged on n = 1 (a
# decoding step; n = 16 is shown for information), every dtype with the
# default threads: >= 60% of the read bandwidth, within 3x of cat's time,
# >= 1.8x -j 1; and peak RSS <= inputs + 128 MiB (every run, n = 1 and
# 16).  A NumPy ratio against another BLAS than OpenBLAS is "not
# measured" for (a) and (b), with the ratio shown.  With BENCH_SMALL the
# verdicts are printed but the sizes are not the targets'.
#
# Environment:
#   BENCH_REPS=3         runs per measurement (the median is shown)
#   BENCH_CASES="a b c d e f g h"   the cases to run
#   BENCH_SMALL=1        shrink every size (n/8, d/4; (c) n/32; (g)
#                        m = 2^16; peak's arrays 64 MiB, best of 3, which
#                        may fit in a large cache: the bandwidths are then
#                        too high) so the whole run takes a few minutes:
#                        a smoke test
#   BENCH_OPENBLAS=1     insist on a strong NumPy baseline: stop, unless
#                        NumPy uses OpenBLAS, with the command to install
#                        it (apt-get install libopenblas0-pthread)
#   BENCH_TIMEOUT=3600   seconds after which one run is killed
#   BENCH_PYTHON=/usr/bin/python3    the Python with NumPy
#   BENCH_WORK=tests/bench/work      generated inputs and outputs
#                        (git-ignored); inputs are kept for the next run
#   SELFATTN=./selfattn  the binary to measure
#   BENCH_TOOLS=tests/tools          where runstat, catmat, cmpmat, peak,
#                        npygen are
#   SELFATTN_ISA, SELFATTN_THREADS   as for selfattn: they set the level
#                        and the threads of selfattn and of peak alike
#
# Needs selfattn and tests/tools/runstat, catmat (CSV inputs), cmpmat
# (checks without NumPy), peak and npygen (inputs without NumPy, and
# always (g)'s): `make bench` builds them.  Without NumPy, the inputs of
# (a)-(f) are written by npygen (uniform, the same mean and variance as
# NumPy's randn) and the checks compare with selfattn's own (a).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
SELFATTN=${SELFATTN:-$top/selfattn}
TOOLS=${BENCH_TOOLS:-$top/tests/tools}
RUNSTAT=$TOOLS/runstat
CATMAT=$TOOLS/catmat
CMPMAT=$TOOLS/cmpmat
PEAK=$TOOLS/peak
NPYGEN=$TOOLS/npygen
NPA=$top/tests/bench/numpy_attn.py
PY=${BENCH_PYTHON:-/usr/bin/python3}
REPS=${BENCH_REPS:-3}
CASES=${BENCH_CASES:-a b c d e f g h}
SMALL=${BENCH_SMALL:-0}
TIMEOUT=${BENCH_TIMEOUT:-3600}
WORK=${BENCH_WORK:-$top/tests/bench/work}
SEED=1

if [ "$SMALL" = 1 ]; then
	A_N=512 A_D=128 A_H=8 C_N=2048 C_D=64 G_M=65536
	PEAK_OPT="-m 64 -r 3"
else
	A_N=4096 A_D=512 A_H=8 C_N=65536 C_D=64 G_M=1048576
	PEAK_OPT="-r 5"		# arrays: peak's default size
fi
# (g): H query heads sharing G_G key/value heads, dk = dv = G_DK.
G_H=8 G_G=2 G_DK=128

log() { printf '%s\n' "bench: $*" >&2; }
die() { log "$*"; exit 1; }

for f in "$SELFATTN" "$RUNSTAT" "$CATMAT"; do
	[ -x "$f" ] || die "$f is missing: run 'make bench' (or make it first)"
done
case $REPS in ''|*[!0-9]*|0) die "BENCH_REPS must be a positive integer" ;; esac
for c in $CASES; do
	case $c in
	a|b|c|d|e|f|g|h) ;;
	*) die "unknown case '$c' in BENCH_CASES (a b c d e f g h)" ;;
	esac
done

RES=$WORK/results.$$
OUT=$WORK/out.$$
mkdir -p "$RES" "$OUT" || die "cannot create $WORK"
trap 'rm -rf "$RES" "$OUT"' EXIT
trap 'exit 130' INT TERM

# Use copies: a rebuild (or make clean) during the bench must not mix two
# binaries in one median, nor pull the tools away.
for f in "$SELFATTN" "$RUNSTAT" "$CATMAT" "$CMPMAT" "$PEAK" "$NPYGEN"; do
	[ -x "$f" ] || continue
	cp "$f" "$RES/" || die "cannot copy $f to $RES"
done
SELFATTN_SRC=$SELFATTN
SELFATTN=$RES/$(basename "$SELFATTN")
RUNSTAT=$RES/runstat CATMAT=$RES/catmat CMPMAT=$RES/cmpmat
PEAK=$RES/peak NPYGEN=$RES/npygen

# --- what is available --------------------------------------------------

HAVE_NUMPY=0
if [ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then
	HAVE_NUMPY=1
	"$PY" "$NPA" info > "$RES/npinfo" 2>/dev/null || HAVE_NUMPY=0
fi
help=$("$SELFATTN" --help 2>&1)
HAS_J=0 HAS_F32=0
case $help in *--threads*) HAS_J=1 ;; esac
case $help in *--dtype*) HAS_F32=1 ;; esac
HAS_KVH=0
case $help in *--kv-heads*) HAS_KVH=1 ;; esac

# A memory cap so that a run that overcommits fails cleanly rather than
# bringing in the OOM killer: 90% of the memory available now.
avail=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null)
MEMCAP_KIB=$(( ${avail:-0} * 9 / 10 ))

# --- header ------------------------------------------------------------

cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)
# family and model: a virtual machine's model name may not tell the
# generation ("AMD EPYC": family 25 is Zen 3 or 4, 26 Zen 5)
fam=$(awk -F': *' '/^cpu family/ {f = $2} /^model\t/ {m = $2}
    /^stepping/ {printf "family %s, model %s, stepping %s", f, m, $2;
    exit}' /proc/cpuinfo 2>/dev/null)
[ -n "$fam" ] && cpu="${cpu:-unknown CPU} ($fam)"
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)
mem=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
cc_ver=$(${CC:-cc} --version 2>/dev/null | head -n 1)
cflags=$(sed -n 's/^CFLAGS *= *//p' "$top/Makefile" 2>/dev/null)
rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)

echo "selfattn benchmark  $(date '+%Y-%m-%d %H:%M:%S %Z')"
echo "selfattn:  $("$SELFATTN" --version 2>&1 | head -n 1) (git $rev)," \
    "$SELFATTN_SRC"
echo "machine:   ${cpu:-unknown CPU}, $cores cores, $mem RAM, $(uname -srm)"
echo "compiler:  ${cc_ver:-unknown} (${CC:-cc}, Makefile CFLAGS = $cflags)"

# The ceiling, measured now by tests/tools/peak: it links selfattn's
# gemm.c and reports gemm_isa_choose(), so its level is selfattn's (the
# best the CPU has, capped by SELFATTN_ISA); its threads are selfattn's
# default -j.
THREADS=${SELFATTN_THREADS:-$cores}
PEAKF=$RES/peak.out
: > "$PEAKF"
if [ -x "$PEAK" ]; then
	log "measuring the peaks and bandwidths (tests/tools/peak $PEAK_OPT)"
	# shellcheck disable=SC2086
	"$PEAK" -j "$THREADS" $PEAK_OPT > "$PEAKF" 2> "$RES/peak.err" ||
	    log "peak failed: $(head -n 1 "$RES/peak.err")"
fi
pk() { awk -v k="$1" '$1 == k { print $2 }' "$PEAKF"; }
ISA=$(pk isa) VBITS=$(pk vector_bits)
F64_1=$(pk fp64_peak_1t) F64_N=$(pk fp64_peak_all)
F32_1=$(pk fp32_peak_1t) F32_N=$(pk fp32_peak_all)
RD_1=$(pk read_bw_1t) RD_N=$(pk read_bw_all)
TR_1=$(pk triad_bw_1t) TR_N=$(pk triad_bw_all)
echo "isa:       ${ISA:-unknown} (${VBITS:-?}-bit vectors;" \
    "SELFATTN_ISA=${SELFATTN_ISA:-unset}), threads: $THREADS" \
    "(selfattn's default -j)"
if [ -n "$F64_N" ]; then
	echo "peak:      fp64 $F64_1 GFLOP/s on 1 thread, $F64_N on $THREADS;" \
	    "fp32 $F32_1, $F32_N (FMA chains, 2 flops per lane)"
	echo "memory:    read $RD_1 GB/s on 1 thread, $RD_N on $THREADS;" \
	    "triad $TR_1, $TR_N (3 arrays x 8 bytes an element;" \
	    "3 x $(pk array_mib) MiB, last-level cache $(pk llc_mib) MiB)"
else
	echo "peak:      not measured (tests/tools/peak missing or failed):" \
	    "no % of peak"
fi
blas=""
if [ "$HAVE_NUMPY" = 1 ]; then
	blas=$(sed -n 's/^blas //p' "$RES/npinfo")
	libs=$(sed -n 's/^lib //p' "$RES/npinfo" | tr '\n' ' ')
	pkgs=""
	for l in $libs; do
		p=$(dpkg -S "$l" 2>/dev/null | cut -d: -f1 | head -n 1)
		[ -n "$p" ] && pkgs="$pkgs $p"
	done
	echo "NumPy:     $(sed -n 's/^numpy //p' "$RES/npinfo") ($PY), BLAS: $blas"
	echo "           loaded: $libs${pkgs:+(packages:$pkgs)}"
	case $blas in
	OpenBLAS*) ;;
	*)
		if [ "${BENCH_OPENBLAS:-0}" = 1 ]; then
			log "BENCH_OPENBLAS=1 but NumPy uses $blas."
			log "For a strong NumPy baseline install OpenBLAS (as root):"
			log "    apt-get install libopenblas0-pthread"
			log "(it becomes the libblas.so.3 alternative), then rerun."
			exit 1
		fi
		echo "           (a weak baseline: BENCH_OPENBLAS=1 says how to" \
		    "get OpenBLAS)" ;;
	esac
else
	echo "NumPy:     not available ($PY): selfattn alone"
fi
small=""
[ "$SMALL" = 1 ] && small=" (BENCH_SMALL sizes)"
echo "runs:      $REPS per measurement (median shown), cases: $CASES$small"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) at start" \
    "(other work on the machine makes the times noisy)"

# --- inputs ------------------------------------------------------------

# gen_inputs DIR N D CSV: X (N x D) and Wq, Wk, Wv, Wo (D x D), as .npy
# (by NumPy: X ~ randn, weights randn/sqrt(D); without NumPy by npygen:
# uniform numbers of the same mean and variance) and, if CSV is 1, as CSV
# (the same numbers exactly, printed by catmat).
gen_inputs() {
	g_dir=$1 g_n=$2 g_d=$3 g_csv=$4
	[ -f "$g_dir/.done" ] && return 0
	log "generating inputs in $g_dir"
	rm -rf "$g_dir" && mkdir -p "$g_dir" || return 1
	if [ "$HAVE_NUMPY" = 1 ]; then
		"$PY" "$NPA" gen "$g_dir" "$g_n" "$g_d" 1 "$SEED" || return 1
	else
		[ -x "$NPYGEN" ] || { log "no NumPy and no npygen"; return 1; }
		"$NPYGEN" -s "$SEED" "$g_n" "$g_d" "$g_dir/X.npy" || return 1
		g_k=$(awk -v d="$g_d" 'BEGIN { printf "%.17g", 1 / sqrt(d) }')
		g_s=$SEED
		for g_f in Wq Wk Wv Wo; do
			g_s=$((g_s + 1))
			"$NPYGEN" -s "$g_s" -k "$g_k" "$g_d" "$g_d" \
			    "$g_dir/$g_f.npy" || return 1
		done
	fi
	if [ "$g_csv" = 1 ]; then
		for g_f in X Wq Wk Wv Wo; do
			"$CATMAT" "$g_dir/$g_f.npy" > "$g_dir/$g_f.csv" ||
			    return 1
		done
	fi
	: > "$g_dir/.done"
}

# Kept between runs; the name says how they were made.
gen=npygen-seed$SEED
[ "$HAVE_NUMPY" = 1 ] && gen=numpy-seed$SEED
INA=$WORK/in-n$A_N-d$A_D-$gen
INC=$WORK/in-n$C_N-d$C_D-$gen

# --- measuring ---------------------------------------------------------

# run1 LABEL CMD...: one measured run; appends "seconds rss_kib status
# user sys" to $RES/LABEL, keeps stderr in $RES/LABEL.err.
run1() {
	r_label=$1
	shift
	rm -f "$RES/stat"
	# Every run writes new files: the files the last run wrote (-o, -a)
	# are deleted first, untimed.  A file replaced instead (selfattn
	# renames over it, NumPy truncates it) would make the run wait for
	# the disk: ext4 first writes the new file's delayed blocks, and
	# dropping the old file waits for its own write-back, which for
	# the 1 GiB of (f) was still going on from the run before.
	r_prev=
	for r_arg in "$@"; do
		case $r_prev in -o | -a) rm -f "$r_arg" ;; esac
		r_prev=$r_arg
	done
	# ulimit -v is not POSIX but dash and bash have it; else no cap.
	# shellcheck disable=SC3045
	( ulimit -v "$MEMCAP_KIB" 2>/dev/null
	  exec "$RUNSTAT" -o "$RES/stat" -t "$TIMEOUT" "$@" ) \
	    > /dev/null 2> "$RES/$r_label.err"
	[ -s "$RES/stat" ] || echo "0 0 127 0 0" > "$RES/stat"
	cat "$RES/stat" >> "$RES/$r_label"
	read -r r_s r_kib r_st _ < "$RES/stat"
	log "  $r_label: ${r_s}s, $((r_kib / 1024)) MiB, exit $r_st"
	return "$r_st"
}

# ok LABEL: true unless a run of LABEL already failed.
ok() {
	[ ! -f "$RES/$1" ] || awk '$3 != 0 { bad = 1 } END { exit bad }' "$RES/$1"
}

# repeat NAME TOOL_LABEL TOOL_FN [NP_LABEL NP_FN]: BENCH_REPS rounds of
# TOOL_FN then NP_FN (each calls run1 with its label).
repeat() {
	p_i=1
	while [ "$p_i" -le "$REPS" ]; do
		log "$1: round $p_i of $REPS"
		ok "$2" && "$3"
		[ $# -ge 5 ] && [ "$HAVE_NUMPY" = 1 ] && ok "$4" && "$5"
		p_i=$((p_i + 1))
	done
	return 0
}

# stat_of LABEL: set T (median seconds of the successful runs, empty if
# none), RSS (largest peak, MiB), ST (last failing status, 0), CPU
# (median (user+sys)/wall: cores kept busy).
stat_of() {
	T='' RSS='' ST='' CPU=''
	[ -f "$RES/$1" ] || return 1
	ST=$(awk '$3 != 0 { s = $3 } END { print s + 0 }' "$RES/$1")
	RSS=$(awk '$2 > m { m = $2 } END { printf "%.0f", m / 1024 }' \
	    "$RES/$1")
	T=$(awk '$3 == 0 { print $1 }' "$RES/$1" | sort -n | median)
	CPU=$(awk '$3 == 0 && $1 > 0 { printf "%.2f\n", ($4 + $5) / $1 }' \
	    "$RES/$1" | sort -n | median)
	return 0
}

median() {
	awk '{ v[NR] = $1 }
	END {	if (NR == 0) exit
		if (NR % 2) printf "%.6g\n", v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# flops N D H DK DV DOUT (DOUT 0: no W^O) - the formula of the header.
flops() {
	awk -v n="$1" -v d="$2" -v h="$3" -v dk="$4" -v dv="$5" -v o="$6" \
	    -v c="${7:-0}" 'BEGIN { nm = c ? n * (n + 1) / 2 : n * n
		printf "%.0f", 2*n*d*(2*h*dk + h*dv) + 2*nm*dk*h + 2*nm*dv*h \
		    + 2*n*(h*dv)*o }'
}

# --- table -------------------------------------------------------------

NOTES=$RES/notes
: > "$NOTES"
note() { printf '%s\n' "$*" >> "$NOTES"; }

rows_header() {
	printf '%-4s %-30s %10s %8s %6s %8s | %9s %8s %9s\n' case what \
	    "selfattn s" GFLOP/s "%peak" "RSS MiB" "NumPy s" "RSS MiB" \
	    "NumPy/sa"
	echo "---- ------------------------------ ---------- -------- ------" \
	    "-------- + --------- -------- ---------"
}

# row ID WHAT TOOL_LABEL NP_LABEL FLOPS PEAK: NP_LABEL "-" when NumPy
# cannot do the case, "" when it is not measured for this row; PEAK the
# name of the relevant peak (F64_N, F64_1, F32_N).  The % is left as a
# mark, "@pk GFLOP/s NAME@", that ceiling() replaces once the peaks are
# measured again after the cases.
row() {
	w_id=$1 w_what=$2 w_np=$4 w_fl=$5 w_pk=$6
	if ! stat_of "$3"; then
		printf '%-4s %-30s %s\n' "$w_id" "$w_what" "not run"
		return
	fi
	if [ "$ST" != 0 ]; then
		w_msg=$(grep -v '^$' "$RES/$3.err" 2>/dev/null | head -n 1 |
		    sed 's/^selfattn: //' | cut -c 1-72)
		[ "$ST" = 137 ] &&
		    w_msg="killed (timeout ${TIMEOUT}s or memory) $w_msg"
		printf '%-4s %-30s %s\n' "$w_id" "$w_what" \
		    "FAILED (exit $ST) $w_msg"
		return
	fi
	w_t=$T w_rss=$RSS
	w_gf=$(awk -v f="$w_fl" -v t="$w_t" \
	    'BEGIN { printf "%.2f", f / t / 1e9 }')
	w_pc="@pk $(awk -v f="$w_fl" -v t="$w_t" \
	    'BEGIN { print f / t / 1e9 }') $w_pk@"
	w_nt="" w_nrss="" w_ratio=""
	if [ "$w_np" = - ]; then
		w_nt="—" w_nrss="—" w_ratio="—"
	elif [ -z "$w_np" ] || [ "$HAVE_NUMPY" = 0 ]; then
		w_nt="n/a" w_nrss="n/a" w_ratio="n/a"
	elif stat_of "$w_np"; then
		if [ "$ST" != 0 ]; then
			w_nt="failed" w_nrss="$RSS" w_ratio="exit $ST"
		else
			w_nt=$(printf '%.3f' "$T") w_nrss=$RSS
			w_ratio=$(awk -v a="$T" -v b="$w_t" \
			    'BEGIN { printf "%.2f", a / b }')
		fi
	fi
	# "—" is 3 bytes but one column: widen its fields by 2.
	if [ "$w_np" = - ]; then
		printf '%-4s %-30s %10.3f %8s %6s %8s | %11s %10s %11s\n' \
		    "$w_id" "$w_what" "$w_t" "$w_gf" "$w_pc" "$w_rss" \
		    "$w_nt" "$w_nrss" "$w_ratio"
	else
		printf '%-4s %-30s %10.3f %8s %6s %8s | %9s %8s %9s\n' \
		    "$w_id" "$w_what" "$w_t" "$w_gf" "$w_pc" "$w_rss" \
		    "$w_nt" "$w_nrss" "$w_ratio"
	fi
}

# row_na ID WHAT WHY...: a row without measurements.
row_na() {
	w_id=$1 w_what=$2
	shift 2
	printf '%-4s %-30s %s\n' "$w_id" "$w_what" "$*"
}
TABLE=$RES/table
: > "$TABLE"

# check ID GOT REF [TOL]: note the error of GOT relative to REF.
check() {
	[ -f "$2" ] && [ -f "$3" ] || return 0
	c_tol=${4:-1e-10}
	if [ "$HAVE_NUMPY" = 1 ]; then
		c_e=$("$PY" "$NPA" cmp "$2" "$3" 2>&1 | tail -n 1)
		c_v=$(awk -v e="$c_e" -v t="$c_tol" 'BEGIN {
		    if (e + 0 == e && e <= t) print "ok"; else print "CHECK" }')
		note "($1) max rel error vs $5: $c_e ($c_v, tolerance $c_tol)"
	elif [ -x "$CMPMAT" ]; then
		if c_m=$("$CMPMAT" -r "$c_tol" -a 1e-300 "$2" "$3" 2>&1); then
			note "($1) agrees with $5 to $c_tol (cmpmat)"
		else
			note "($1) DIFFERS from $5: $c_m"
		fi
	fi
}

# --- the cases ---------------------------------------------------------

# with_in DIR EXT HEADS WO CMD...: run CMD... plus the input options.
with_in() {
	i_d=$1 i_e=$2 i_h=$3 i_wo=$4
	shift 4
	if [ "$i_wo" = 1 ]; then
		"$@" -x "$i_d/X.$i_e" -q "$i_d/Wq.$i_e" -k "$i_d/Wk.$i_e" \
		    -v "$i_d/Wv.$i_e" -w "$i_d/Wo.$i_e" -H "$i_h"
	else
		"$@" -x "$i_d/X.$i_e" -q "$i_d/Wq.$i_e" -k "$i_d/Wk.$i_e" \
		    -v "$i_d/Wv.$i_e" -H "$i_h"
	fi
}

# The reference output of (a): NumPy's, else selfattn's own (a).
if [ "$HAVE_NUMPY" = 1 ]; then
	REF=$OUT/ref.npy REFNAME=NumPy
else
	REF=$OUT/a.npy REFNAME="selfattn (a)"
fi

A_DK=$((A_D / A_H))
A_FLOPS=$(flops "$A_N" "$A_D" "$A_H" "$A_DK" "$A_DK" "$A_D")
C_FLOPS=$(flops "$C_N" "$C_D" 1 "$C_D" "$C_D" 0)
H_FLOPS=$(flops "$A_N" "$A_D" "$A_H" "$A_DK" "$A_DK" "$A_D" 1)
A_WHAT="n=$A_N d=$A_D H=$A_H WO"
have_npy() { [ -f "$1/X.npy" ]; }
NO_NPY="n/a (no .npy inputs: needs NumPy or npygen)"
NO_OPT="n/a (option not available)"

a_tool() {
	with_in "$INA" npy "$A_H" 1 run1 a.sa "$SELFATTN" -o "$OUT/a.npy"
}
a_np() {
	with_in "$INA" npy "$A_H" 1 run1 a.np "$PY" "$NPA" run \
	    -o "$OUT/ref.npy"
}

# need_a: case (a) measured in this run (the baseline of (d) and (e)),
# and NumPy's output of (a) as the reference of (d), (e), (f).
need_a() {
	[ -f "$RES/a.sa" ] || repeat "(a)" a.sa a_tool a.np a_np
}

case_a() {
	have_npy "$INA" || { row_na a "npy $A_WHAT" "$NO_NPY"; return; }
	need_a
	row a "npy $A_WHAT" a.sa a.np "$A_FLOPS" F64_N
	check a "$OUT/a.npy" "$OUT/ref.npy" 1e-10 NumPy
}

b_tool() {
	with_in "$INA" csv "$A_H" 1 run1 b.sa "$SELFATTN" -o "$OUT/b.csv"
}
b_np() {
	with_in "$INA" csv "$A_H" 1 run1 b.np "$PY" "$NPA" run \
	    -o "$OUT/b.np.csv"
}
case_b() {
	repeat "(b)" b.sa b_tool b.np b_np
	row b "csv $A_WHAT" b.sa b.np "$A_FLOPS" F64_N
	check b "$OUT/b.csv" "$OUT/b.np.csv" 1e-10 NumPy
	# The CSV inputs hold the .npy numbers exactly: same output as (a).
	check b "$OUT/b.csv" "$OUT/a.npy" 0 "(a) (should be identical)"
}

c_tool() {
	with_in "$INC" npy 1 0 run1 c.sa "$SELFATTN" -o "$OUT/c.npy"
}
case_c() {
	c_what="npy n=$C_N d=$C_D H=1"
	have_npy "$INC" || { row_na c "$c_what" "$NO_NPY"; return; }
	repeat "(c)" c.sa c_tool
	row c "$c_what" c.sa - "$C_FLOPS" F64_N
	stat_of c.sa
	if [ -n "$T" ]; then
		# In memory as doubles: X, WQ, WK, WV, the output, + 64 MiB.
		awk -v n="$C_N" -v d="$C_D" -v r="$RSS" 'BEGIN {
		    in_ = (n * d + 3 * d * d) * 8 / 1048576
		    out = n * d * 8 / 1048576; b = in_ + out + 64
		    printf "(c) memory budget: inputs %.1f + output %.1f" \
			" + 64 MiB = %.1f MiB; peak RSS %d MiB: %s\n", in_, \
			out, b, r, (r <= b ? "within budget" : "OVER BUDGET")
		}' >> "$NOTES"
		if [ "$HAVE_NUMPY" = 1 ]; then
			c_e=$(with_in "$INC" npy 1 0 "$PY" "$NPA" check \
			    "$OUT/c.npy" 64 2>&1 | tail -n 1)
			c_v=$(awk -v e="$c_e" 'BEGIN {
			    print (e + 0 == e && e <= 1e-10) ? "ok" : "CHECK" }')
			note "(c) max rel error vs NumPy on 64 sampled rows:" \
			    "$c_e ($c_v, tolerance 1e-10)"
		fi
	else
		note "(c) memory budget: not measured (no successful run)"
	fi
	rm -f "$OUT/c.npy"
}

d_tool() {
	with_in "$INA" npy "$A_H" 1 run1 d.sa "$SELFATTN" --dtype f32 \
	    -o "$OUT/d.npy"
}
case_d() {
	[ "$HAS_F32" = 1 ] || { row_na d "(a) --dtype f32" "$NO_OPT"; return; }
	have_npy "$INA" || { row_na d "(a) --dtype f32" "$NO_NPY"; return; }
	need_a
	repeat "(d)" d.sa d_tool
	row d "(a) --dtype f32" d.sa - "$A_FLOPS" F32_N
	stat_of a.sa; d_a=$T
	stat_of d.sa; d_d=$T
	[ -n "$d_a" ] && [ -n "$d_d" ] && note "(d) f32 speed-up over f64" \
	    "(a): $(awk -v a="$d_a" -v d="$d_d" 'BEGIN { printf "%.2f", a / d }')x"
	check d "$OUT/d.npy" "$REF" 1e-4 "$REFNAME f64"
}

e_tool() {
	with_in "$INA" npy "$A_H" 1 run1 e.sa "$SELFATTN" -j 1 \
	    -o "$OUT/e.npy"
}
case_e() {
	[ "$HAS_J" = 1 ] || { row_na e "(a) -j 1" "$NO_OPT"; return; }
	have_npy "$INA" || { row_na e "(a) -j 1" "$NO_NPY"; return; }
	need_a
	repeat "(e)" e.sa e_tool
	row e "(a) -j 1" e.sa - "$A_FLOPS" F64_1
	row e "(a) default threads" a.sa - "$A_FLOPS" F64_N
	stat_of e.sa; e_1=$T e_c1=$CPU
	stat_of a.sa; e_n=$T e_cn=$CPU
	[ -n "$e_1" ] && [ -n "$e_n" ] && note "(e) time -j 1 / default" \
	    "threads: $(awk -v a="$e_1" -v b="$e_n" \
	    'BEGIN { printf "%.2f", a / b }')x ($cores cores; CPU busy:" \
	    "$e_c1 vs $e_cn cores)"
	check e "$OUT/e.npy" "$REF" 1e-10 "$REFNAME"
}

f_npy_tool() {
	with_in "$INA" npy "$A_H" 1 run1 fn.sa "$SELFATTN" -o "$OUT/f.npy" \
	    -a "$OUT/w.npy"
}
f_npy_np() {
	with_in "$INA" npy "$A_H" 1 run1 fn.np "$PY" "$NPA" run \
	    -o "$OUT/f.np.npy" -a "$OUT/w.np.npy"
}
# The CSV is deleted right after each run (its size kept).
f_csv_tool() {
	rm -f "$OUT/w.csv"
	with_in "$INA" npy "$A_H" 1 run1 fc.sa "$SELFATTN" \
	    -o "$OUT/fc.npy" -a "$OUT/w.csv"
	[ -f "$OUT/w.csv" ] && wc -c < "$OUT/w.csv" > "$RES/fc.sa.size"
	rm -f "$OUT/w.csv"
}
f_csv_np() {
	rm -f "$OUT/w.np.csv"
	with_in "$INA" npy "$A_H" 1 run1 fc.np "$PY" "$NPA" run \
	    -o "$OUT/fc.np.npy" -a "$OUT/w.np.csv"
	[ -f "$OUT/w.np.csv" ] && wc -c < "$OUT/w.np.csv" > "$RES/fc.np.size"
	rm -f "$OUT/w.np.csv"
}
case_f() {
	have_npy "$INA" || { row_na f "(a) -a weights.npy" "$NO_NPY"; return; }
	repeat "(f) npy" fn.sa f_npy_tool fn.np f_npy_np
	row f "(a) -a weights.npy" fn.sa fn.np "$A_FLOPS" F64_N
	check f "$OUT/w.npy" "$OUT/w.np.npy" 1e-10 "NumPy (weights.npy)"
	if [ -f "$OUT/f.np.npy" ]; then
		check f "$OUT/f.npy" "$OUT/f.np.npy" 1e-10 "NumPy (output)"
	else
		check f "$OUT/f.npy" "$REF" 1e-10 "$REFNAME (output)"
	fi
	rm -f "$OUT/w.npy" "$OUT/w.np.npy"
	# About 25 bytes a number; room for one file being written plus slack.
	f_need=$(awk -v n="$A_N" -v h="$A_H" \
	    'BEGIN { printf "%.0f", n * n * h * 75 / 1024 }')
	f_free=$(df -Pk "$OUT" | awk 'NR == 2 { print $4 }')
	if [ "${f_free:-0}" -lt "$f_need" ]; then
		row_na f "(a) -a weights.csv" "skipped: only" \
		    "$((f_free / 1048576)) GiB free in $WORK," \
		    "need $((f_need / 1048576 + 1)) GiB"
		return
	fi
	repeat "(f) csv" fc.sa f_csv_tool fc.np f_csv_np
	row f "(a) -a weights.csv" fc.sa fc.np "$A_FLOPS" F64_N
	for f_who in sa np; do
		[ -f "$RES/fc.$f_who.size" ] || continue
		stat_of "fc.$f_who"; f_t=$T
		stat_of a.$f_who 2>/dev/null; f_ta=$T
		[ "$f_who" = sa ] && f_name=selfattn || f_name=NumPy
		awk -v s="$(cat "$RES/fc.$f_who.size")" -v t="$f_t" \
		    -v ta="$f_ta" -v w="$f_name" 'BEGIN {
			printf "(f) %s weights.csv: %.0f MB in %.2f s:" \
			    " %.1f MB/s", w, s / 1e6, t, s / 1e6 / t
			if (ta != "" && t > ta)
				printf " (%.1f MB/s over the %.2f s more" \
				    " than (a))", s / 1e6 / (t - ta), t - ta
			printf "\n" }' >> "$NOTES"
	done
}

# --- (g) decoding ------------------------------------------------------

IND=$WORK/in-dec-m$G_M-npygen
GTABLE=$RES/gtable
: > "$GTABLE"

# gen_dec: Q1 (1 x H*dk), Q16 (16 x H*dk), K and V (m x G*dk), '<f8'
# .npy of uniform numbers of variance 1, by npygen (fixed seeds).
gen_dec() {
	[ -f "$IND/.done" ] && return 0
	log "generating the decoding inputs in $IND"
	rm -rf "$IND" && mkdir -p "$IND" || return 1
	"$NPYGEN" -s 11 1 $((G_H * G_DK)) "$IND/Q1.npy" &&
	    "$NPYGEN" -s 12 16 $((G_H * G_DK)) "$IND/Q16.npy" &&
	    "$NPYGEN" -s 13 "$G_M" $((G_G * G_DK)) "$IND/K.npy" &&
	    "$NPYGEN" -s 14 "$G_M" $((G_G * G_DK)) "$IND/V.npy" || return 1
	: > "$IND/.done"
}

# huge_mib: the page cache's huge folios, MiB (? where not told).
huge_mib() {
	awk '$1 == "FileHugePages:" { printf "%d", $2 / 1024; f = 1 }
	    END { if (!f) printf "?" }' /proc/meminfo 2>/dev/null || echo "?"
}

# g_args N: the options of a decoding run with N queries (no -o).
g_args() {
	echo "-Q $IND/Q$1.npy -K $IND/K.npy -V $IND/V.npy -H $G_H" \
	    "--kv-heads $G_G"
}
# g_tool: one run of the configuration G_N (queries), G_T (f64|f32),
# G_J (1|all: the default number of threads).
g_tool() {
	g_l=g.n$G_N.$G_T.j$G_J g_j=""
	[ "$G_J" = 1 ] && g_j="-j 1"
	# shellcheck disable=SC2046,SC2086
	run1 "$g_l" "$SELFATTN" $(g_args "$G_N") --dtype "$G_T" $g_j \
	    -o "$OUT/$g_l.npy"
}
g_cat() { run1 g.cat cat "$IND/K.npy" "$IND/V.npy"; }

# gm LABEL N: the figures of one decoding configuration: M_T (median s),
# M_GBS (GB/s of K and V), M_PCT (% of the read bandwidth of as many
# threads), M_XCAT (time / time of cat), M_RSS (MiB), M_OVER (MiB above
# the inputs Q, K, V); M_T empty if not measured.
gm() {
	M_T='' M_GBS='' M_PCT='' M_XCAT='' M_RSS='' M_OVER=''
	stat_of "$1" && [ -n "$T" ] || return 1
	M_T=$T M_RSS=$RSS
	case $1 in *.j1) m_bw=$RD_1 ;; *) m_bw=$RD_N ;; esac
	stat_of g.cat
	m_cat=$T
	m_in=$(( G_KV_BYTES + $(wc -c < "$IND/Q$2.npy") ))
	eval "$(awk -v t="$M_T" -v b="$G_KV_BYTES" -v bw="$m_bw" \
	    -v c="$m_cat" -v r="$M_RSS" -v in_="$m_in" 'BEGIN {
		g = b / t / 1e9
		printf "M_GBS=%.2f M_OVER=%.0f", g, r - in_ / 1048576
		if (bw + 0 > 0) printf " M_PCT=%.1f", 100 * g / bw
		if (c + 0 > 0) printf " M_XCAT=%.2f", t / c }')"
}

# g_row: the table row of G_N, G_T, G_J.
g_row() {
	r_l=g.n$G_N.$G_T.j$G_J r_w="n=$G_N $G_T -j $G_J" r_su=""
	if ! gm "$r_l" "$G_N"; then
		printf '%-22s %s\n' "$r_w" "not measured (failed or not run)"
		return
	fi
	if [ "$G_J" = all ]; then
		r_ta=$M_T
		gm "g.n$G_N.$G_T.j1" "$G_N" && r_su=$(awk -v a="$M_T" \
		    -v b="$r_ta" 'BEGIN { printf "%.2fx", a / b }')
		gm "$r_l" "$G_N"
	fi
	printf '%-22s %9.3f %7s %6s %6s %8s %7s %8s\n' "$r_w" "$M_T" \
	    "$M_GBS" "${M_PCT:-n/a}" "${M_XCAT:-n/a}" "$M_RSS" "$M_OVER" \
	    "${r_su:-—}"
}

case_g() {
	g_what="decoding m=$G_M H=$G_H kv=$G_G"
	[ "$HAS_KVH" = 1 ] || { row_na g "$g_what" "$NO_OPT"; return; }
	if [ ! -f "$IND/.done" ]; then
		# K and V, plus a quarter for the outputs and slack (KiB).
		g_need=$(( 2 * G_M * G_G * G_DK * 8 * 5 / 4 / 1024 ))
		g_free=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
		if [ "${g_free:-0}" -lt "$g_need" ]; then
			row_na g "$g_what" "skipped: only" \
			    "$((g_free / 1024)) MiB free in $WORK," \
			    "need $((g_need / 1024)) MiB"
			return
		fi
		gen_dec || {
			row_na g "$g_what" "cannot write the inputs"
			return
		}
	fi
	G_KV_BYTES=$(( $(wc -c < "$IND/K.npy") + $(wc -c < "$IND/V.npy") ))
	# Warm, the same way whatever the runs before left: K and V dropped
	# from the page cache (GNU dd's nocache), then read once, untimed,
	# as a first sequential read from disk leaves them; the timed reads
	# and runs then read the page cache.  How it holds a file counts:
	# in folios of 2 MiB (readahead makes them where free memory
	# allows), the copy of pread is much faster than in pages of 4 KiB
	# (Zen 5 guest, HISTORY.md: n = 1 f64 on two threads 0.133 s against
	# 0.189).  G_CACHE says what was done and how much of the page cache
	# is in huge folios (FileHugePages) before and after.
	g_h0=$(huge_mib)
	g_drop="dropped from the page cache and read once"
	for g_f in K V; do
		dd if="$IND/$g_f.npy" iflag=nocache count=0 status=none \
		    2>/dev/null || g_drop="read once (dd cannot drop a file)"
	done
	cat "$IND/K.npy" "$IND/V.npy" > /dev/null
	G_CACHE="$g_drop; FileHugePages $g_h0 MiB before, $(huge_mib) after"
	repeat "(g) cat" g.cat g_cat
	g_types=f64
	[ "$HAS_F32" = 1 ] && g_types="f64 f32"
	g_js=all
	[ "$HAS_J" = 1 ] && g_js="1 all"
	for G_N in 1 16; do
		for G_T in $g_types; do
			for G_J in $g_js; do
				repeat "(g) n=$G_N $G_T -j $G_J" \
				    "g.n$G_N.$G_T.j$G_J" g_tool
			done
		done
	done
	row_na g "$g_what" "(decoding: its own table below)"

	# Checks: n = 1 against NumPy, else against selfattn with the plain
	# C kernels (SELFATTN_ISA=generic), so that a wrong SIMD kernel shows.
	for G_N in 1 16; do
		g_ref=$OUT/g.ref$G_N.npy g_rn=""
		# shellcheck disable=SC2046
		if [ "$HAVE_NUMPY" = 1 ] && [ "$G_N" = 1 ]; then
			log "(g) n=$G_N: NumPy's reference"
			"$PY" "$NPA" decode $(g_args "$G_N" |
			    sed 's/--kv-heads/-G/') -o "$g_ref" \
			    2> "$RES/g.ref.err" && g_rn=NumPy
		fi
		if [ -z "$g_rn" ]; then
			log "(g) n=$G_N: reference by SELFATTN_ISA=generic"
			# shellcheck disable=SC2046
			SELFATTN_ISA=generic "$SELFATTN" $(g_args "$G_N") \
			    -o "$g_ref" 2> "$RES/g.ref.err" &&
			    g_rn="selfattn SELFATTN_ISA=generic"
		fi
		for G_T in $g_types; do
			g_tol=1e-10
			[ "$G_T" = f32 ] && g_tol=1e-4
			for G_J in $g_js; do
				check "g n=$G_N $G_T -j $G_J" \
				    "$OUT/g.n$G_N.$G_T.j$G_J.npy" "$g_ref" \
				    "$g_tol" "$g_rn"
			done
		done
		check "g n=$G_N f64 -j all" "$OUT/g.n$G_N.f64.jall.npy" \
		    "$OUT/g.n$G_N.f64.j1.npy" 0 "-j 1 (should be identical)"
		# n = 1: which float64 result is nearer the exact one, where
		# the two differ by more than a few ulps (sums of 2^20 terms)
		if [ "$G_N" = 1 ] && [ "$g_rn" = NumPy ]; then
			log "(g) n=1: a reference in extended precision"
			# shellcheck disable=SC2046
			"$PY" "$NPA" exact $(g_args 1 | sed 's/--kv-heads/-G/') \
			    -o "$g_ref.x" 2> "$RES/g.exact.err" && {
				check "g n=1 f64 -j all" \
				    "$OUT/g.n1.f64.jall.npy" "$g_ref.x" 1e-10 \
				    "np.longdouble"
				check "g n=1 NumPy" "$g_ref" "$g_ref.x" 1e-10 \
				    "np.longdouble"
			}
			rm -f "$g_ref.x"
		fi
		rm -f "$g_ref" "$OUT"/g.n"$G_N".*.npy
	done
}

# g_table: (g)'s table, into GTABLE, once the ceiling is final (its %
# are of the read bandwidth); nothing if case (g) did not run.
g_table() {
	[ -n "${g_js:-}" ] || return 0
	{
		printf '%-22s %9s %7s %6s %6s %8s %7s %8s\n' "(g) run" s \
		    "GB/s" "%read" "x cat" "RSS MiB" "RSS-in" "speed-up"
		echo "---------------------- --------- ------- ------ ------" \
		    "-------- ------- --------"
		stat_of g.cat
		[ -n "$T" ] && awk -v t="$T" -v b="$G_KV_BYTES" -v bw="$RD_1" \
		    -v r="$RSS" 'BEGIN { g = b / t / 1e9
		    printf "%-22s %9.3f %7.2f %6s %6s %8s %7s %8s\n",
			"cat K.npy V.npy", t, g,
			(bw + 0 > 0 ? sprintf("%.1f", 100 * g / bw) : "n/a"),
			"1", r, "—", "—" }'
		for G_N in 1 16; do
			for G_T in $g_types; do
				for G_J in $g_js; do
					g_row
				done
			done
		done
	} > "$GTABLE"
}

# --- the ceiling, again ------------------------------------------------

# ceiling FILE: the FMA peaks and the memory bandwidths measured again,
# after the cases (all printed), and each of F64_1 F64_N F32_1 F32_N
# RD_1 RD_N (what the % are of; the triad is shown only) raised to that
# if it is higher: a peak is the best the machine does, and on a shared
# or virtual machine one measurement may fall in a slow spell, which
# would flatter every %.  Then FILE's "@pk GFLOP/s NAME@" marks become
# the % of that ceiling.
ceiling() {
	c_f=$RES/peak.after
	: > "$c_f"
	if [ -x "$PEAK" ] && [ -n "$F64_N" ]; then
		log "measuring the peaks and bandwidths again"
		# shellcheck disable=SC2086
		"$PEAK" -j "$THREADS" $PEAK_OPT > "$c_f" 2>/dev/null ||
		    log "peak failed"
	fi
	ca() { awk -v k="$1" '$1 == k { print $2 }' "$c_f"; }
	c_64_1=$(ca fp64_peak_1t) c_64_n=$(ca fp64_peak_all)
	c_32_1=$(ca fp32_peak_1t) c_32_n=$(ca fp32_peak_all)
	c_rd_1=$(ca read_bw_1t) c_rd_n=$(ca read_bw_all)
	c_tr_1=$(ca triad_bw_1t) c_tr_n=$(ca triad_bw_all)
	if [ -n "$c_64_n" ]; then
		echo "peak:      after the cases fp64 $c_64_1 GFLOP/s on 1" \
		    "thread, $c_64_n on $THREADS; fp32 $c_32_1, $c_32_n"
		echo "memory:    after the cases read $c_rd_1 GB/s on 1" \
		    "thread, $c_rd_n on $THREADS; triad $c_tr_1, $c_tr_n"
		hi() { awk -v a="$1" -v b="$2" \
		    'BEGIN { print (b + 0 > a + 0) ? b : a }'; }
		F64_1=$(hi "$F64_1" "$c_64_1") F64_N=$(hi "$F64_N" "$c_64_n")
		F32_1=$(hi "$F32_1" "$c_32_1") F32_N=$(hi "$F32_N" "$c_32_n")
		RD_1=$(hi "$RD_1" "$c_rd_1") RD_N=$(hi "$RD_N" "$c_rd_n")
		echo "ceiling:   the larger of each: fp64 $F64_1 on 1 thread," \
		    "$F64_N on $THREADS; fp32 $F32_1, $F32_N; read" \
		    "$RD_1 GB/s, $RD_N (the % below)"
	fi
	awk -v F64_1="$F64_1" -v F64_N="$F64_N" -v F32_1="$F32_1" \
	    -v F32_N="$F32_N" '{
		while (match($0, /@pk [^ @]* [A-Z0-9_]*@/)) {
			split(substr($0, RSTART + 1, RLENGTH - 2), w, " ")
			p = w[3] == "F64_1" ? F64_1 : w[3] == "F64_N" ? F64_N : \
			    w[3] == "F32_1" ? F32_1 : F32_N
			v = (p + 0 > 0) ? sprintf("%.1f%%", 100 * w[2] / p) : "n/a"
			$0 = substr($0, 1, RSTART - 1) sprintf("%6s", v) \
			    substr($0, RSTART + RLENGTH)
		}
		print }' "$1" > "$1.pct" && mv "$1.pct" "$1"
}

h_tool() {
	with_in "$INA" npy "$A_H" 1 run1 h.sa "$SELFATTN" -c -o "$OUT/h.npy"
}
h_np() {
	with_in "$INA" npy "$A_H" 1 run1 h.np "$PY" "$NPA" run -c \
	    -o "$OUT/h.np.npy"
}
case_h() {
	have_npy "$INA" || { row_na h "(a) -c (causal)" "$NO_NPY"; return; }
	need_a
	repeat "(h)" h.sa h_tool h.np h_np
	row h "(a) -c (causal)" h.sa h.np "$H_FLOPS" F64_N
	stat_of a.sa; h_a=$T
	stat_of h.sa; h_c=$T
	[ -n "$h_a" ] && [ -n "$h_c" ] && note "(h) time -c / (a):" \
	    "$(awk -v a="$h_a" -v c="$h_c" 'BEGIN { printf "%.2f", c / a }')" \
	    "(the pairs computed: $(awk -v n="$A_N" \
	    'BEGIN { printf "%.3f", (n + 1) / (2 * n) }') of (a)'s)"
	check h "$OUT/h.npy" "$OUT/h.np.npy" 1e-10 NumPy
	rm -f "$OUT/h.npy" "$OUT/h.np.npy"
}

# --- targets -----------------------------------------------------------

# goal TEXT VALUE OP LIMIT SHOWN WHY: one line of the targets block:
# "met" or "not met" (with SHOWN) as VALUE OP LIMIT (OP: ge or le), or
# "not measured (WHY)" when VALUE is empty.
goal() {
	if [ -z "$2" ]; then
		printf '  %-48s not measured (%s)\n' "$1" "$6"
		return
	fi
	awk -v v="$2" -v op="$3" -v l="$4" -v t="$1" -v sh="$5" 'BEGIN {
	    m = (op == "ge") ? (v + 0 >= l + 0) : (v + 0 <= l + 0)
	    printf "  %-48s %s (%s)\n", t, (m ? "met" : "not met"), sh }'
}

# meas CASE LABEL: V_T (median s) and V_RSS of LABEL's runs; else
# V_T empty and WHY says why.
meas() {
	V_T='' V_RSS='' WHY=''
	case " $CASES " in
	*" $1 "*) ;;
	*) WHY="case ($1) not in BENCH_CASES"; return 1 ;;
	esac
	stat_of "$2" || { WHY="case ($1) not run"; return 1; }
	[ -n "$T" ] || { WHY="case ($1) failed"; return 1; }
	V_T=$T V_RSS=$RSS
}

# of_peak CASE LABEL FLOPS PEAK: V = % of PEAK, or empty and WHY.
of_peak() {
	V=''
	meas "$1" "$2" || return 1
	[ -n "$4" ] || { WHY="no peak measured"; return 1; }
	V=$(awk -v f="$3" -v t="$V_T" -v p="$4" \
	    'BEGIN { printf "%.1f", 100 * f / t / 1e9 / p }')
}

# vs_numpy CASE SA_LABEL NP_LABEL OPENBLAS: V = NumPy's time over
# selfattn's (OPENBLAS 1: only against NumPy with OpenBLAS), or empty
# and WHY.
vs_numpy() {
	V=''
	[ "$HAVE_NUMPY" = 1 ] || { WHY="no NumPy"; return 1; }
	meas "$1" "$2" || return 1
	v_sa=$V_T
	meas "$1" "$3" || { WHY="NumPy's run of ($1) failed"; return 1; }
	v_r=$(awk -v a="$V_T" -v b="$v_sa" 'BEGIN { printf "%.2f", a / b }')
	case $blas in
	OpenBLAS*) ;;
	*)	if [ "$4" = 1 ]; then
			WHY="NumPy uses $blas, not OpenBLAS; against it ${v_r}x"
			return 1
		fi ;;
	esac
	V=$v_r
}

# g_goal TEXT FIELD OP LIMIT N LABELS...: a (g) goal over several runs:
# FIELD (M_PCT, M_XCAT, M_OVER or SU, the -j all / -j 1 speed-up) of each
# run LABEL, the worst judged.
g_goal() {
	gg_text=$1 gg_f=$2 gg_op=$3 gg_lim=$4 gg_n=$5
	shift 5
	gg_all='' gg_shown='' gg_why=''
	case $gg_f in
	M_PCT) gg_u=% ;;
	M_XCAT) gg_u="x cat" ;;
	M_OVER) gg_u=" MiB over" ;;
	*) gg_u=x ;;
	esac
	case " $CASES " in
	*" g "*) ;;
	*) goal "$gg_text" "" "" "" "" "case (g) not in BENCH_CASES"
	   return ;;
	esac
	for gg_l in "$@"; do
		if ! gm "$gg_l" "$gg_n"; then
			gg_why="${gg_l#g.} not measured"
			continue
		fi
		if [ "$gg_f" = SU ]; then
			gg_ta=$M_T
			if ! gm "${gg_l%.jall}.j1" "$gg_n"; then
				gg_why="${gg_l#g.} -j 1 not measured"
				continue
			fi
			gg_v=$(awk -v a="$M_T" -v b="$gg_ta" \
			    'BEGIN { printf "%.2f", a / b }')
		else
			eval "gg_v=\$$gg_f"
		fi
		if [ -z "$gg_v" ]; then
			gg_why="no read bandwidth measured"
			continue
		fi
		gg_all="$gg_all $gg_v"
		case $gg_f$gg_v in
		M_OVER-*) gg_s="${gg_v#-} MiB under" ;;	# files read, not mapped
		*) gg_s=$gg_v$gg_u ;;
		esac
		gg_shown="$gg_shown${gg_shown:+, }${gg_l#g.} $gg_s"
	done
	if [ -n "$gg_why" ] || [ -z "$gg_all" ]; then
		goal "$gg_text" "" "" "" "" "${gg_why:-not run}"
		return
	fi
	gg_worst=$(echo "$gg_all" | tr ' ' '\n' | grep . | sort -g |
	    if [ "$gg_op" = ge ]; then head -n 1; else tail -n 1; fi)
	goal "$gg_text" "$gg_worst" "$gg_op" "$gg_lim" "$gg_shown"
}

targets() {
	echo "targets (ratios within this run, medians of $REPS runs;" \
	    "% of the ceiling above):"
	[ "$SMALL" = 1 ] &&
	    echo "  (BENCH_SMALL sizes: not the sizes the targets are set for)"
	of_peak a a.sa "$A_FLOPS" "$F64_N"
	goal "(a) >= 70% of fp64 peak" "$V" ge 70 "$V%" "$WHY"
	vs_numpy a a.sa a.np 1
	goal "(a) >= 2.5x NumPy+OpenBLAS" "$V" ge 2.5 "${V}x" "$WHY"
	vs_numpy b b.sa b.np 1
	goal "(b) >= 4.5x NumPy+OpenBLAS" "$V" ge 4.5 "${V}x" "$WHY"
	of_peak c c.sa "$C_FLOPS" "$F64_N"
	goal "(c) >= 75% of fp64 peak" "$V" ge 75 "$V%" "$WHY"
	V=''
	c_lim=$(awk -v n="$C_N" -v d="$C_D" 'BEGIN {
	    printf "%.1f", (n * d + 3 * d * d + n * d) * 8 / 1048576 + 64 }')
	meas c c.sa && V=$V_RSS
	goal "(c) peak RSS <= inputs + output + 64 MiB" "$V" le "$c_lim" \
	    "$V MiB, limit $c_lim MiB" "$WHY"
	of_peak d d.sa "$A_FLOPS" "$F32_N"
	goal "(d) >= 65% of fp32 peak" "$V" ge 65 "$V%" "$WHY"
	vs_numpy f fn.sa fn.np 0
	goal "(f) -a weights.npy >= 2.5x NumPy" "$V" ge 2.5 \
	    "${V}x, NumPy with $blas" "$WHY"
	vs_numpy f fc.sa fc.np 0
	goal "(f) -a weights.csv >= 2.5x NumPy" "$V" ge 2.5 \
	    "${V}x, NumPy with $blas" "$WHY"
	g_t="g.n1.f64.jall" g_r1="g.n1.f64.j1 g.n1.f64.jall"
	g_r16="g.n16.f64.j1 g.n16.f64.jall"
	if [ "$HAS_F32" = 1 ]; then
		g_t="$g_t g.n1.f32.jall" g_r1="$g_r1 g.n1.f32.j1 g.n1.f32.jall"
		g_r16="$g_r16 g.n16.f32.j1 g.n16.f32.jall"
	fi
	# shellcheck disable=SC2086
	{
	g_goal "(g) n=1 -j all >= 60% of read bandwidth" M_PCT ge 60 1 $g_t
	g_goal "(g) n=1 -j all within 3x of cat's time" M_XCAT le 3 1 $g_t
	g_goal "(g) n=1 -j all >= 1.8x -j 1" SU ge 1.8 1 $g_t
	g_goal "(g) n=1 peak RSS <= inputs + 128 MiB" M_OVER le 128 1 $g_r1
	g_goal "(g) n=16 peak RSS <= inputs + 128 MiB" M_OVER le 128 16 \
	    $g_r16
	}
}

# --- run ---------------------------------------------------------------

for c in $CASES; do
	case $c in
	c) gen_inputs "$INC" "$C_N" "$C_D" 0 ;;
	g) ;;		# by case_g, after a look at the free space
	*) gen_inputs "$INA" "$A_N" "$A_D" 1 ;;
	esac || die "cannot generate the inputs"
done

# The table is printed at the end, the progress (stderr) not mixed in.
for c in $CASES; do
	"case_$c" >> "$TABLE"
done

echo "load:      $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) at the end"
ceiling "$TABLE"
g_table
echo
rows_header
cat "$TABLE"
if [ -s "$GTABLE" ]; then
	echo
	g_mib=$(awk -v b="$G_KV_BYTES" 'BEGIN { printf "%.0f", b / 1048576 }')
	echo "(g) decoding: Q n x $((G_H * G_DK)) ($G_H heads), K and V" \
	    "$G_M x $((G_G * G_DK)) ($G_G kv heads, dk = dv = $G_DK)," \
	    "f64 .npy, $g_mib MiB of K and V, read warm (page cache)"
	echo "(g) K and V $G_CACHE"
	cat "$GTABLE"
fi
echo
cat "$NOTES"
[ "$HAVE_NUMPY" = 1 ] ||
    echo "(no NumPy: the checks compare with selfattn's own (a), by cmpmat)"
echo
targets
