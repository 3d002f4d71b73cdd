/*
 * selfattn - compute attention on matrix files.
 *
 * main() reads the options, loads the inputs in a fixed order (so that
 * generators draw as NumPy would), lets plan.c check and compute, and
 * hands the results to the writers.  It alone prints diagnostics and
 * chooses the exit status: 0 success, 1 bad data or I/O, 2 bad usage.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complete.h"
#include "explain.h"
#include "gemm.h"
#include "heat.h"
#include "input.h"
#include "label.h"
#include "merge.h"
#include "num.h"
#include "out.h"
#include "plan.h"
#include "progress.h"
#include "run.h"

#define VERSION "1.0.0"
#define EXIT_DATA 1
#define EXIT_USAGE 2
#define MAX_THREADS 1024
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_THREADS_STR "1024"

static const char usage_text[] =
"usage: selfattn -x X -q WQ -k WK -v WV [-w WO] [options]\n"
"       selfattn -Q Q -K K -V V [-w WO] [options]\n"
"       selfattn --merge [-o Y] [--lse LSE] Y1 LSE1 Y2 LSE2 ...\n";

static const char help_text[] =
"Compute scaled dot-product attention on matrix files.\n"
"\n"
"  Y = Concat(head_1..head_H)·WO,  head_h = softmax(Q_h·K_hᵀ·scale)·V_h\n"
"  with Q = X·WQ, K = X·WK, V = X·WV (or Q, K, V given directly).\n"
"\n"
"Inputs (FILE: CSV, TSV, blank-separated text or .npy; '-' is stdin;\n"
"or a generator rand:RxC / randn:RxC (or :N) drawn as NumPy's legacy\n"
"stream; a text file's blank lines separate the matrices of a 3-D one):\n"
"  -x, --input FILE      input embeddings X (n x d)\n"
"  -q, --wq FILE         query weights WQ (d x H*dk)\n"
"  -k, --wk FILE         key weights WK (d x H*dk)\n"
"  -v, --wv FILE         value weights WV (d x H*dv)\n"
"  -w, --wo FILE         output projection WO (H*dv x d_out), optional\n"
"  -Q, --queries FILE    queries Q (n x H*dk), instead of -x -q -k -v\n"
"  -K, --keys FILE       keys K (m x H*dk)\n"
"  -V, --values FILE     values V (m x H*dv); -Q/-K/-V may also be\n"
"                        (H, n, dk) or (B, H, n, dk) per-head tensors\n"
"  -m, --memory FILE     project K and V from this sequence, not X\n"
"      --memory-keys FILE --memory-values FILE  project K and V from two\n"
"                        sequences (PyTorch's key and value, kdim, vdim)\n"
"      --bq, --bk, --bv, --bo FILE  biases added after each projection\n"
"                        (--bo: after -w, which it needs)\n"
"      --layout row|torch  weights are in x out (row, default) or\n"
"                        PyTorch's out x in (y = x·Wᵀ + b)\n"
"      --in-proj FILE    PyTorch's in_proj_weight (3E x E), for -q -k -v\n"
"      --in-proj-bias FILE  PyTorch's in_proj_bias (3E): bq, bk, bv in one\n"
"A 3-D X, memory (or Q, K, V with -H) is a batch of sequences.\n"
"\n"
"Attention:\n"
"  -H, --heads N         split Q, K, V columns into N heads (default 1)\n"
"      --kv-heads G      G key/value heads shared by the H query heads (G\n"
"                        divides H)\n"
"  -s, --scale F|none    multiply scores by F (default 1/sqrt(dk), or 1\n"
"                        for general and additive scores); none is 1\n"
"      --score dot|general|additive  q·kᵀ (default), q·Wa·kᵀ (--wa),\n"
"                        or vaᵀ·tanh(q·Wa + k·Ua) (--wa, --ua, --va)\n"
"      --wa, --ua, --va FILE  the score function's matrices\n"
"  -c, --causal[=top-left|bottom-right]  query i sees keys j <= i\n"
"                        (bottom-right: j <= i + m - n); -cbottom-right\n"
"      --mask FILE       n x m of 0/1: 1 = may attend, 0 hides;\n"
"                        (H, n, m) or (B, H, n, m) per head; an axis of\n"
"                        1 is broadcast (1 x m: every query, n x 1:\n"
"                        every key)\n"
"      --bias FILE       n x m added to the scores (-inf hides); shapes\n"
"                        as --mask\n"
"      --key-padding FILE  m values, 1 = padding key (or B x m)\n"
"      --query-padding FILE  n values, 1 = padding query: its output 0\n"
"                        (or B x n; left padding)\n"
"      --key-lengths, --query-lengths FILE  B values: the valid keys or\n"
"                        queries of each sequence (later queries give 0)\n"
"      --window W|L,R    query i sees keys i-L <= j <= i+R only (W: L = R\n"
"                        = W; with -c, R is 0)\n"
"      --softcap C       scores = C·tanh(scores/C) after the scale (C > 0)\n"
"      --alibi[=@FILE]   add -slope_h·|i - j| (ALiBi slopes, or H from FILE)\n"
"      --sinks FILE      H sink logits: softmax over [scores, sink_h]\n"
"      --pos sinusoidal  add the sinusoidal position encoding to X\n"
"      --rope[=BASE|=@FILE]  rotary position embedding (base > 1, default\n"
"                        10000; or the inverse frequencies from FILE,\n"
"                        rotating the first 2x as many components)\n"
"      --qk-norm[=EPS]   RMSNorm of each head's queries and keys, before\n"
"                        RoPE (eps >= 0, default 1e-6); --q-norm, --k-norm\n"
"                        FILE: weights\n"
"      --seed S          seed for rand:/randn: inputs (default 0)\n"
"      --query-range A:B compute query rows A..B-1 only (global positions)\n"
"      --key-range A:B   attend to keys A..B-1 only: a shard, for --merge\n"
"\n";

/* The help goes on in more literals: one may hold only 4095 bytes. */
static const char help_text2[] =
"Output:\n"
"  -o, --output FILE     write Y to FILE (default: standard output)\n"
"  -a, --weights FILE    write the attention weights (H x n x m) to FILE\n"
"      --average-weights with -a, --heatmap, --show: the mean over heads\n"
"      --lse FILE        write each query row's log-sum-exp of its scores\n"
"                        (n, or H x n; B x H x n for a batch)\n"
"      --merge           combine key shards: read pairs of Y and LSE files\n"
"                        (operands) and write the exact whole Y and LSE\n"
"  -f, --format FMT      csv, tsv, txt or npy: of standard output and of\n"
"                        files not named .csv .tsv .txt .npy (default csv;\n"
"                        needed for another extension, as in y.dat)\n"
"  -p, --precision N     N significant digits in text outputs (1-17;\n"
"                        default: shortest text that reads back to the\n"
"                        same double; .npy is not rounded)\n";

static const char help_text3[] =
"\n"
"Labels and pictures:\n"
"      --labels WORDS|@FILE  name the query tokens (words split on blanks,\n"
"                        or one per line of FILE; @- standard input):\n"
"                        text weights get a header row of key labels and\n"
"                        a column of query labels\n"
"      --key-labels WORDS|@FILE  name the keys (default: the query labels\n"
"                        when there are as many keys as queries)\n"
"      --label-output    Y in text gets the query labels as first column\n"
"      --heatmap FILE.svg|FILE.html|-  draw the weights: a heatmap per\n"
"                        head and their mean, labelled, with a legend and\n"
"                        tooltips; .html: a page with a head view too;\n"
"                        -: the SVG on standard output (Y needs -o),\n"
"                        as on /dev/stderr or /dev/fd/N\n"
"      --show            draw the heatmap on standard output (colours on a\n"
"                        terminal, else shading characters); Y needs -o\n"
"      --batch-index B   draw sequence B of a batch only (default: all)\n"
"      --heat-max W      the top of the colour scale (W > 0; 1: colour\n"
"                        reads as weight; default: the largest drawn)\n"
"\n"
"Computation:\n"
"  -j, --threads N       up to N worker threads (default: $SELFATTN_THREADS,\n"
"                        or the number of online processors); results do\n"
"                        not depend on N\n"
"      --dtype f64|f32   compute in double (default) or single precision\n"
"      --dry-run         check the outputs and the inputs' shapes and print\n"
"                        each stage with its shape and cost, the memory,\n"
"                        the threads and the scheduler; compute and write\n"
"                        nothing\n"
"      --quiet           no progress bar, no warnings (the bar is drawn on\n"
"                        standard error, when a terminal, for long runs)\n"
"      --completion bash|zsh  print the shell's completion script\n"
"\n"
"  -h, --help            print this help and exit\n"
"      --version         print the version and exit\n"
"\n"
"Exit status: 0 success, 1 bad data or I/O error, 2 bad usage.\n"
"See selfattn(1).\n";

enum {
	OPT_SEED = 256, OPT_VERSION, OPT_DTYPE, OPT_WINDOW, OPT_LAYOUT,
	OPT_KVHEADS, OPT_AVERAGE, OPT_POS, OPT_ROPE, OPT_SCORE,
	OPT_LSE, OPT_MERGE, OPT_QRANGE, OPT_KRANGE,
	OPT_LABELS, OPT_KEYLABELS, OPT_LABELOUT, OPT_HEATMAP, OPT_SHOW,
	OPT_BATCHINDEX, OPT_HEATMAX, OPT_SOFTCAP, OPT_ALIBI, OPT_QKNORM,
	OPT_DRYRUN, OPT_COMPLETION, OPT_QUIET,
	OPT_ROLE	/* OPT_ROLE + r: the long-only matrix option of role r */
};

/* The short options, for getopt_long (':' first: a missing argument
 * is told apart from an unknown option). */
static const char shortopts[] = ":x:q:k:v:w:Q:K:V:m:H:s:o:a:f:p:j:c::h";

static const struct option longopts[] = {
	{ "input", required_argument, NULL, 'x' },
	{ "wq", required_argument, NULL, 'q' },
	{ "wk", required_argument, NULL, 'k' },
	{ "wv", required_argument, NULL, 'v' },
	{ "wo", required_argument, NULL, 'w' },
	{ "queries", required_argument, NULL, 'Q' },
	{ "keys", required_argument, NULL, 'K' },
	{ "values", required_argument, NULL, 'V' },
	{ "heads", required_argument, NULL, 'H' },
	{ "scale", required_argument, NULL, 's' },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "output", required_argument, NULL, 'o' },
	{ "weights", required_argument, NULL, 'a' },
	{ "format", required_argument, NULL, 'f' },
	{ "precision", required_argument, NULL, 'p' },
	{ "memory", required_argument, NULL, 'm' },
	{ "bq", required_argument, NULL, OPT_ROLE + IN_BQ },
	{ "bk", required_argument, NULL, OPT_ROLE + IN_BK },
	{ "bv", required_argument, NULL, OPT_ROLE + IN_BV },
	{ "bo", required_argument, NULL, OPT_ROLE + IN_BO },
	{ "in-proj", required_argument, NULL, OPT_ROLE + IN_INPROJ },
	{ "in-proj-bias", required_argument, NULL, OPT_ROLE + IN_INPROJB },
	{ "mask", required_argument, NULL, OPT_ROLE + IN_MASK },
	{ "bias", required_argument, NULL, OPT_ROLE + IN_BIAS },
	{ "key-padding", required_argument, NULL, OPT_ROLE + IN_KPAD },
	{ "wa", required_argument, NULL, OPT_ROLE + IN_WA },
	{ "ua", required_argument, NULL, OPT_ROLE + IN_UA },
	{ "va", required_argument, NULL, OPT_ROLE + IN_VA },
	{ "causal", optional_argument, NULL, 'c' },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "softcap", required_argument, NULL, OPT_SOFTCAP },
	{ "alibi", optional_argument, NULL, OPT_ALIBI },
	{ "sinks", required_argument, NULL, OPT_ROLE + IN_SINKS },
	{ "qk-norm", optional_argument, NULL, OPT_QKNORM },
	{ "q-norm", required_argument, NULL, OPT_ROLE + IN_QNORM },
	{ "k-norm", required_argument, NULL, OPT_ROLE + IN_KNORM },
	{ "key-lengths", required_argument, NULL, OPT_ROLE + IN_KLEN },
	{ "memory-keys", required_argument, NULL, OPT_ROLE + IN_MEMK },
	{ "memory-values", required_argument, NULL, OPT_ROLE + IN_MEMV },
	{ "query-lengths", required_argument, NULL, OPT_ROLE + IN_QLEN },
	{ "query-padding", required_argument, NULL, OPT_ROLE + IN_QPAD },
	{ "layout", required_argument, NULL, OPT_LAYOUT },
	{ "kv-heads", required_argument, NULL, OPT_KVHEADS },
	{ "average-weights", no_argument, NULL, OPT_AVERAGE },
	{ "pos", required_argument, NULL, OPT_POS },
	{ "rope", optional_argument, NULL, OPT_ROPE },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "lse", required_argument, NULL, OPT_LSE },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "query-range", required_argument, NULL, OPT_QRANGE },
	{ "key-range", required_argument, NULL, OPT_KRANGE },
	{ "labels", required_argument, NULL, OPT_LABELS },
	{ "key-labels", required_argument, NULL, OPT_KEYLABELS },
	{ "label-output", no_argument, NULL, OPT_LABELOUT },
	{ "heatmap", required_argument, NULL, OPT_HEATMAP },
	{ "show", no_argument, NULL, OPT_SHOW },
	{ "batch-index", required_argument, NULL, OPT_BATCHINDEX },
	{ "heat-max", required_argument, NULL, OPT_HEATMAX },
	{ "threads", required_argument, NULL, 'j' },
	{ "dtype", required_argument, NULL, OPT_DTYPE },
	{ "dry-run", no_argument, NULL, OPT_DRYRUN },
	{ "completion", required_argument, NULL, OPT_COMPLETION },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* What the argument of a long option completes to (--completion): the
 * keywords, or FILE; the matrix options (role_opt) are files too, and
 * any other argument (a number) completes to nothing. */
static const struct {
	const char *name, *words;
} optwords[] = {
	{ "causal", "top-left bottom-right" }, { "layout", "row torch" },
	{ "score", "dot general additive" }, { "dtype", "f64 f32" },
	{ "format", "csv tsv txt npy" }, { "pos", "sinusoidal" },
	{ "completion", "bash zsh" }, { "output", "FILE" },
	{ "weights", "FILE" }, { "lse", "FILE" }, { "heatmap", "FILE" },
	{ "labels", "@FILE" }, { "key-labels", "@FILE" },
	{ "alibi", "@FILE" }, { "rope", "@FILE" }, { "scale", "none" },
};

/* The option of each matrix role, as getopt_long returns it and as
 * messages name it. */
static const struct {
	int c;
	const char *name;
} role_opt[IN_NROLES] = {
	[IN_X] = { 'x', "-x" }, [IN_WQ] = { 'q', "-q" },
	[IN_WK] = { 'k', "-k" }, [IN_WV] = { 'v', "-v" },
	[IN_WO] = { 'w', "-w" }, [IN_Q] = { 'Q', "-Q" },
	[IN_K] = { 'K', "-K" }, [IN_V] = { 'V', "-V" },
	[IN_MEM] = { 'm', "--memory" },
	[IN_BQ] = { OPT_ROLE + IN_BQ, "--bq" },
	[IN_BK] = { OPT_ROLE + IN_BK, "--bk" },
	[IN_BV] = { OPT_ROLE + IN_BV, "--bv" },
	[IN_BO] = { OPT_ROLE + IN_BO, "--bo" },
	[IN_INPROJ] = { OPT_ROLE + IN_INPROJ, "--in-proj" },
	[IN_INPROJB] = { OPT_ROLE + IN_INPROJB, "--in-proj-bias" },
	[IN_MASK] = { OPT_ROLE + IN_MASK, "--mask" },
	[IN_KPAD] = { OPT_ROLE + IN_KPAD, "--key-padding" },
	[IN_WA] = { OPT_ROLE + IN_WA, "--wa" },
	[IN_UA] = { OPT_ROLE + IN_UA, "--ua" },
	[IN_VA] = { OPT_ROLE + IN_VA, "--va" },
	[IN_BIAS] = { OPT_ROLE + IN_BIAS, "--bias" },
	[IN_SINKS] = { OPT_ROLE + IN_SINKS, "--sinks" },
	[IN_ALIBI] = { -1, "--alibi=@" },	/* --alibi=@FILE */
	[IN_ROPE] = { -1, "--rope=@" },	/* --rope=@FILE */
	[IN_QNORM] = { OPT_ROLE + IN_QNORM, "--q-norm" },
	[IN_KNORM] = { OPT_ROLE + IN_KNORM, "--k-norm" },
	[IN_KLEN] = { OPT_ROLE + IN_KLEN, "--key-lengths" },
	[IN_QLEN] = { OPT_ROLE + IN_QLEN, "--query-lengths" },
	[IN_MEMK] = { OPT_ROLE + IN_MEMK, "--memory-keys" },
	[IN_MEMV] = { OPT_ROLE + IN_MEMV, "--memory-values" },
	[IN_QPAD] = { OPT_ROLE + IN_QPAD, "--query-padding" },
};

struct opts {
	const char *spec[IN_NROLES];	/* matrix arguments as given */
	struct plan_opts po;
	uint32_t seed;
	const char *output, *weights, *lse;
	const char *labels, *key_labels, *heatmap;
	int label_output, show, has_batch;
	size_t batch;
	double heat_max;	/* --heat-max, 0 if not given */
	const char *scale_arg, *softcap_arg;	/* -s, --softcap as given */
	const char *scale_opt;	/* "-s" or "--scale", as it was written */
	int merge;		/* --merge: operands are Y, LSE pairs */
	const char *attn_opt;	/* the first option only attention reads,
				 * as given (--merge refuses it) */
	char **operands;
	size_t noperands;
	enum out_fmt fmt;
	int prec;
	int threads;
	enum attn_dtype dtype;
	enum gemm_isa isa;	/* SELFATTN_ISA's, or the CPU's best */
	int dry_run, quiet;
};

/* The outputs by role.  Static, for the signal handler: everything
 * it reads is set before the handlers are installed or, for the
 * temporary file names, before out_open marks them live. */
static struct out outs[PLAN_NOUT];

/* The signals that end the run (every one whose default action ends a
 * process, but those of a fault, SIGXFSZ and SIGKILL; and the real-time
 * signals, SIGRTMIN to SIGRTMAX): the temporary files are removed, then
 * the signal is raised again with its default action, so the exit
 * status tells it (SIGPIPE: 141 in the shell, as for any filter;
 * SIGQUIT still dumps core where the limit allows).  SIGSYS, SIGTRAP
 * and SIGABRT come of a fault, a debugger or a crash. */
static const int fatal_sig[] = { SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGQUIT,
	SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGVTALRM, SIGPROF,
#ifdef SIGPOLL
	SIGPOLL,		/* SIGIO on Linux */
#endif
#ifdef SIGPWR
	SIGPWR,			/* Linux: a power failure, a shutdown */
#endif
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
};

static void
on_signal(int sig)
{
	struct sigaction sa;
	int i;

	for (i = 0; i < PLAN_NOUT; i++)
		out_unlink_tmp(&outs[i]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	raise(sig);	/* delivered when the handler returns */
}

/* The regular files the run reads, with their sizes when it began, for
 * on_bus(); static, as outs. */
static struct watched {
	const char *name;
	off_t size;
} *watch;
static size_t nwatch;

/* s to standard error, from a signal handler (write(2) is safe there;
 * stdio is not). */
static void
say(const char *s)
{
	ssize_t k;

	while (*s != '\0' && (k = write(STDERR_FILENO, s, strlen(s))) > 0)
		s += k;
}

/* say() of a name, escaped (err_escape()). */
static void
say_name(const char *s)
{
	char b[256 + ERR_ESC_MAX + 1];
	size_t n = 0, k;

	for (; *s != '\0'; s += k) {
		n += err_escape(s, &k, b + n);
		if (n >= 256) {
			b[n] = '\0';
			say(b);
			n = 0;
		}
	}
	b[n] = '\0';
	say(b);
}

/* SIGBUS: a file read through a mapping (a .npy used in place, a text
 * file as it is parsed) was cut short while the run read it: truncated,
 * or rewritten as np.save() does, which truncates first; reading past
 * its new end faults.  A data error: the temporary files are removed
 * and the run ends with exit status 1, naming the file now shorter than
 * it was (only async-signal-safe calls: stat, write, unlink, _exit).
 * A SIGBUS sent by a process (kill -BUS: si_code <= 0) ends the run as
 * the other signals do. */
static void
on_bus(int sig, siginfo_t *si, void *ctx)
{
	struct stat st;
	const char *name = NULL;
	size_t i;

	(void)ctx;
	if (si == NULL || si->si_code <= 0) {
		on_signal(sig);
		return;
	}
	for (i = 0; i < PLAN_NOUT; i++)
		out_unlink_tmp(&outs[i]);
	for (i = 0; i < nwatch && name == NULL; i++)
		if (stat(watch[i].name, &st) != 0 || st.st_size < watch[i].size)
			name = watch[i].name;
	say("selfattn: ");
	if (name != NULL) {
		say_name(name);
		say(": the file was cut short while it was read\n");
	} else
		say("an input file could not be read where it was mapped "
		    "(SIGBUS)\n");
	_exit(EXIT_DATA);
}

/* Note for on_bus() the regular files among specs (NULL, '-' and
 * generators skipped) with their sizes.  Returns 0, or -1 with e set. */
static int
watch_inputs(const char *const *specs, size_t n, struct err *e)
{
	struct stat st;
	size_t i;

	if ((watch = mat_buf(n, sizeof *watch, "the input names", e)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (specs[i] != NULL && strcmp(specs[i], "-") != 0 &&
		    !input_is_generator(specs[i]) && stat(specs[i], &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			watch[nwatch].name = specs[i];
			watch[nwatch++].size = st.st_size;
		}
	return 0;
}

/* Install sa for sig if sig has its default action (catch_signals). */
static void
catch_default(int sig, const struct sigaction *sa)
{
	struct sigaction old;

	if (sigaction(sig, NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
	    old.sa_handler == SIG_DFL)
		sigaction(sig, sa, NULL);
}

/* Install on_signal for fatal_sig and the real-time signals where the
 * signal has its default action: one ignored on entry (SIGHUP under
 * nohup, SIGINT in a background job) stays ignored, and an ignored
 * SIGPIPE makes a write fail with EPIPE, a write error; one with a
 * handler (a program that calls this main as a function: the fuzzer's
 * SIGALRM timer) keeps it.  So is on_bus for SIGBUS.  SIGXFSZ is
 * ignored, so that writing past the file size limit (ulimit -f) fails
 * with EFBIG: a write error too. */
static void
catch_signals(void)
{
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NELEM(fatal_sig); i++)
		sigaddset(&sa.sa_mask, fatal_sig[i]);
#ifdef SIGRTMIN
	for (i = SIGRTMIN; i <= SIGRTMAX; i++)
		sigaddset(&sa.sa_mask, i);
#endif
	sa.sa_handler = on_signal;
	for (i = 0; i < NELEM(fatal_sig); i++)
		catch_default(fatal_sig[i], &sa);
#ifdef SIGRTMIN
	for (i = SIGRTMIN; i <= SIGRTMAX; i++)
		catch_default(i, &sa);
#endif
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	catch_default(SIGBUS, &sa);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGXFSZ, &sa, NULL);
}

/* Standard input was closed on entry: an output to descriptor 0
 * (-a /dev/stdin) would go to /dev/null, opened for writing below. */
static int stdin_closed;

/* Give a closed descriptor 0, 1 or 2 /dev/null, so that no file we open
 * takes its number (and, say, Y's temporary file becomes "standard
 * output").  Opened for the other direction, it still fails when used
 * as the closed one would: writing Y to a closed standard output is
 * "write error: Bad file descriptor", reading a closed stdin too. */
static int
keep_std_fds(struct err *e)
{
	int fd;

	/* open(2) takes the lowest free number: fd itself */
	stdin_closed = 0;
	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			if (open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) < 0)
				return err_set(e, "/dev/null", 0, 0, "%s",
				    strerror(errno));
			stdin_closed |= fd == 0;
		}
	return 0;
}

/* "selfattn: " and s on one line of standard error: a control
 * character, which only a name given on the command line or in a file
 * can bring (a file "a\nb.csv"), is written as an escape
 * (err_escape()).  In one write(2) up to 4 KiB with the newline
 * (standard error has no buffer: a write a character let runs that
 * share it, as in xargs -P, mix their lines; a pipe keeps a write of up
 * to PIPE_BUF whole). */
static void
put_line(const char *s)
{
	char b[4096], c[ERR_ESC_MAX];
	size_t n, k, w;

	memcpy(b, "selfattn: ", n = 10);
	for (; *s != '\0'; s += k) {
		w = err_escape(s, &k, c);
		if (n + w >= sizeof b) {	/* (room for the newline) */
			fwrite(b, 1, n, stderr);
			n = 0;
		}
		memcpy(b + n, c, w);
		n += w;
	}
	b[n++] = '\n';
	fwrite(b, 1, n, stderr);
}

/* The one place a diagnostic is printed. */
static void
diag(const struct err *e)
{
	char buf[ERR_LINE];

	put_line(err_format(e, buf, sizeof buf));
}

static int usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static int
usage_error(const char *fmt, ...)
{
	va_list ap;
	char buf[ERR_LINE];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	put_line(buf);
	fprintf(stderr, "%sTry 'selfattn --help' for more information.\n",
	    usage_text);
	return EXIT_USAGE;
}

/* An empty file name (an unset variable in "-o $OUT"; @ alone for a
 * labels file): a usage error naming the option, not "No such file or
 * directory" of no file.  Returns EXIT_USAGE. */
static int
empty_name(const char *opt, const char *arg)
{
	return usage_error("%s expects a file name, found \"%s\"", opt, arg);
}

/* *slot = optarg for an option that names a file or labels; given
 * twice, a usage error (the last would win and the first output never
 * be written).  Returns 0, or EXIT_USAGE with the message printed. */
static int
set_once(const char **slot, const char *name)
{
	if (*slot != NULL)
		return usage_error("option %s given twice", name);
	if (optarg[0] == '\0' || strcmp(optarg, "@") == 0)
		return empty_name(name, optarg);
	*slot = optarg;
	return 0;
}

/* set_once() for an output file, which may not be named as an option
 * is, with its argument attached or not ("-a -o y.csv" or "-a -oy.csv"
 * forgot the weights' file: it would write them to a file "-o" and Y
 * to standard output, and exit 0). */
static int
set_out(const char **slot, const char *name)
{
	const char *a = optarg;
	size_t len, i;

	if (set_once(slot, name))
		return EXIT_USAGE;
	if (a[0] != '-' || a[1] == '\0')
		return 0;
	if (a[1] != '-' && (a[1] == ':' || strchr(shortopts, a[1]) == NULL))
		return 0;
	len = a[1] == '-' ? strcspn(a + 2, "=") : 0;
	for (i = 0; a[1] == '-' && longopts[i].name != NULL; i++)
		if (len > 0 && strncmp(longopts[i].name, a + 2, len) == 0)
			break;
	if (a[1] == '-' && longopts[i].name == NULL)
		return 0;
	return usage_error("%s expects a file name, found \"%s\", an option:"
	    " for a file of that name, write ./%s", name, a, a);
}

/* Parse an unsigned decimal in [lo, hi]; -1 if it is not one, -2 if it
 * is one above hi. */
static int
parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
    unsigned long long *v)
{
	unsigned long long x = 0;
	int big = 0;

	if (*s == '\0' || s[strspn(s, "0123456789")] != '\0')
		return -1;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		/* x * 10 + d would pass ULLONG_MAX */
		big |= x > (ULLONG_MAX - d) / 10;
		x = x * 10 + d;
	}
	if (big || x > hi)
		return -2;
	if (x < lo)
		return -1;
	*v = x;
	return 0;
}

/* The usage error of a number option whose argument parse_uint (or
 * parse_range, parse_window) refused with rc: -2, too large (then the
 * largest it takes is the news), else what it takes. */
static int
bad_number(int rc, const char *opt, unsigned long long hi, const char *takes,
    const char *arg)
{
	if (rc == -2)
		return usage_error("%s expects at most %llu, found \"%s\"", opt,
		    hi, arg);
	return usage_error("%s expects %s, found \"%s\"", opt, takes, arg);
}

/* Split "A<sep>B" at its first sep: A into buf (32 bytes, NUL
 * terminated), and B's start returned; NULL when s has no sep or A does
 * not fit. */
static const char *
split_at(const char *s, int sep, char buf[32])
{
	const char *p = strchr(s, sep);
	size_t n;

	if (p == NULL || (n = (size_t)(p - s)) >= 32)
		return NULL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return p + 1;
}

/* Parse "A:B" with 0 <= A < B; -1 if it is not that, -2 if a number
 * is beyond SIZE_MAX. */
static int
parse_range(const char *s, size_t ab[2])
{
	unsigned long long a, b;
	const char *rest;
	char buf[32];
	int rc;

	if ((rest = split_at(s, ':', buf)) == NULL)
		return -1;
	if ((rc = parse_uint(buf, 0, SIZE_MAX, &a)) != 0 ||
	    (rc = parse_uint(rest, 1, SIZE_MAX, &b)) != 0)
		return rc;
	if (a >= b)
		return -1;
	ab[0] = (size_t)a;
	ab[1] = (size_t)b;
	return 0;
}

/* Parse "W" (L = R = W) or "L,R", distances >= 0; -1 if it is not, -2
 * if a distance is beyond LLONG_MAX. */
static int
parse_window(const char *s, long long *l, long long *r)
{
	unsigned long long a, b;
	const char *rest;
	char buf[32];
	int rc;

	if (strchr(s, ',') == NULL) {
		if ((rc = parse_uint(s, 0, LLONG_MAX, &a)) != 0)
			return rc;
		*l = *r = (long long)a;
		return 0;
	}
	if ((rest = split_at(s, ',', buf)) == NULL)
		return -1;
	if ((rc = parse_uint(buf, 0, LLONG_MAX, &a)) != 0 ||
	    (rc = parse_uint(rest, 0, LLONG_MAX, &b)) != 0)
		return rc;
	*l = (long long)a;
	*r = (long long)b;
	return 0;
}

/* A usage error if output path (of option opt) has an extension that
 * names no format and -f is not given: "y.xlsx" would be CSV.  No
 * extension, standard output, devices and FIFOs take -f or csv. */
static int
check_ext(const char *opt, const char *path, int fmt_given)
{
	struct stat st;
	const char *dot;

	if (path == NULL || fmt_given || strcmp(path, "-") == 0 ||
	    out_fmt_of(path, OUT_CSV) == out_fmt_of(path, OUT_TSV))
		return 0;
	if ((dot = out_ext(path)) == NULL ||
	    (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
		return 0;
	return usage_error("%s %s: unknown extension \"%s\": use .csv, .tsv,"
	    " .txt or .npy, or give -f", opt, path, dot);
}

/* A usage error if -f was given and no output takes it: each is named
 * with an extension of another format, which wins (-f tsv -o y.csv
 * would write CSV).  An output of -f's own format, by name, agrees:
 * out_fmt_of gives -f's format for either. */
static int
check_fmt_used(const struct opts *o, int fmt_given)
{
	const char *path[3], *opt[3] = { "-o", "-a", "--lse" };
	int i, n = 0;

	if (!fmt_given)
		return 0;
	path[0] = o->output ? o->output : "-";
	path[1] = o->weights;
	path[2] = o->lse;
	for (i = 0; i < 3; i++)
		if (path[i] != NULL && out_fmt_of(path[i], o->fmt) == o->fmt)
			return 0;
	for (i = 0; i < 3; i++)
		if (path[i] != NULL)
			n = i;
	return usage_error("-f %s applies to no output: %s %s is %s by its "
	    "name; drop -f, or rename the file", out_fmt_name(o->fmt), opt[n],
	    path[n], out_fmt_name(out_fmt_of(path[n], OUT_CSV)));
}

/* Is the device st the terminal open on descriptor fd? */
static int
same_tty(const struct stat *st, int fd)
{
	struct stat fs;

	return isatty(fd) && fstat(fd, &fs) == 0 && S_ISCHR(fs.st_mode) &&
	    fs.st_rdev == st->st_rdev;
}

/* A usage error if output path (of option opt; NULL for -o: standard
 * output) is .npy on a terminal, where its bytes would garble the
 * screen (as gzip refuses to). */
static int
check_tty(const char *opt, const char *path, const struct opts *o)
{
	int fd = path != NULL || strcmp(opt, "-o") == 0 ? out_fd_of(path) :
	    -1, tty;
	struct stat st;

	if (out_fmt_of(path ? path : "-", o->fmt) != OUT_NPY)
		return 0;
	if (fd >= 0)
		tty = isatty(fd);
	else if (path == NULL || stat(path, &st) != 0 || !S_ISCHR(st.st_mode))
		return 0;
	else		/* the terminal by its name, not opened (a serial
			 * port resets its device): /dev/tty, or the one
			 * a standard descriptor is ($(tty)) */
		tty = strcmp(path, "/dev/tty") == 0 || same_tty(&st, 0) ||
		    same_tty(&st, 1) || same_tty(&st, 2);
	if (!tty)
		return 0;
	if (path == NULL)
		return usage_error("%s", "-f npy: .npy is binary, and standard "
		    "output is a terminal: redirect it, or give -o FILE.npy");
	return usage_error("%s %s: .npy is binary, and it is a terminal: "
	    "redirect it, or give %s FILE.npy", opt, path, opt);
}

/* The role whose option getopt_long returned as c, or -1. */
static int
role_of(int c)
{
	int r;

	for (r = 0; r < IN_NROLES; r++)
		if (role_opt[r].c == c)
			return r;
	return -1;
}

/* A usage error if options a and b (roles) are both given; why, if
 * not "", after the message in parentheses. */
static int
conflict(const struct opts *o, int a, int b, const char *why)
{
	if (o->spec[a] == NULL || o->spec[b] == NULL)
		return 0;
	return usage_error("%s conflicts with %s: give one or the other%s%s%s",
	    role_opt[a].name, role_opt[b].name, *why ? " (" : "", why,
	    *why ? ")" : "");
}

/* Check which options go together; returns 0 or EXIT_USAGE. */
static int
check_combination(const struct opts *o)
{
	static const int direct[] = { IN_Q, IN_K, IN_V };
	static const int self_only[] = { IN_X, IN_WQ, IN_WK, IN_WV, IN_MEM,
	    IN_BQ, IN_BK, IN_BV, IN_INPROJ, IN_INPROJB, IN_MEMK, IN_MEMV };
	static const int proj[] = { IN_WQ, IN_WK, IN_WV };
	static const int bias[] = { IN_BQ, IN_BK, IN_BV };
	int i, j, rc, self, any;
	char num[NUM_MAXLEN + 1], tiny[NUM_MAXLEN + 1];

	self = o->spec[IN_X] || o->spec[IN_WQ] || o->spec[IN_WK] ||
	    o->spec[IN_WV] || o->spec[IN_INPROJ];
	for (i = 0; i < NELEM(direct); i++)
		for (j = 0; j < NELEM(self_only); j++)
			if ((rc = conflict(o, self_only[j], direct[i], "-x, "
			    "-q, -k, -v: X and the weights WQ, WK, WV; -Q, "
			    "-K, -V: the queries, keys and values "
			    "themselves")) != 0)
				return rc;
	if ((rc = conflict(o, IN_MEM, IN_MEMK, "")) != 0 ||
	    (rc = conflict(o, IN_MEM, IN_MEMV, "")) != 0)
		return rc;
	if ((o->spec[IN_MEMK] == NULL) != (o->spec[IN_MEMV] == NULL))
		return usage_error("%s needs %s: keys and values come from "
		    "their own sequences", o->spec[IN_MEMK] ? "--memory-keys" :
		    "--memory-values", o->spec[IN_MEMK] ? "--memory-values" :
		    "--memory-keys");
	for (i = 0; i < NELEM(proj); i++)
		if ((rc = conflict(o, IN_INPROJ, proj[i], "")) != 0 ||
		    (rc = conflict(o, IN_INPROJB, bias[i], "")) != 0)
			return rc;
	if (self) {
		if (o->spec[IN_X] == NULL)
			return usage_error("missing -x: self-attention needs "
			    "-x, -q, -k and -v%s", o->spec[IN_WQ] ||
			    o->spec[IN_WK] || o->spec[IN_WV] ? " (-q, -k and "
			    "-v are the weights WQ, WK and WV: queries, keys "
			    "and values themselves are -Q, -K and -V)" : "");
		for (i = 0; i < NELEM(proj) && o->spec[IN_INPROJ] == NULL; i++)
			if (o->spec[proj[i]] == NULL)
				return usage_error("missing %s: self-attention"
				    " needs -x, -q, -k and -v (or --in-proj)",
				    role_opt[proj[i]].name);
	} else {
		any = o->spec[IN_Q] || o->spec[IN_K] || o->spec[IN_V];
		if (!any)
			return usage_error("%s", "no input: give -x, -q, -k, "
			    "-v or -Q, -K, -V");
		for (i = 0; i < NELEM(direct); i++)
			if (o->spec[direct[i]] == NULL)
				return usage_error("missing %s: attention on "
				    "given queries needs -Q, -K and -V",
				    role_opt[direct[i]].name);
		if (o->po.pos)
			return usage_error("%s", "--pos conflicts with -Q: the "
			    "position encoding is added to -x");
	}
	/* -H given, or 1 with -x: no input can change it */
	if (o->po.kv_heads != 0 && (o->po.heads != 0 || o->spec[IN_X]) &&
	    (o->po.heads ? o->po.heads : 1) % o->po.kv_heads != 0)
		return usage_error("--kv-heads %zu does not divide %s%zu%s: "
		    "each key/value head serves as many query heads",
		    o->po.kv_heads, o->po.heads ? "-H " : "the ", o->po.heads ?
		    o->po.heads : 1, o->po.heads ? "" : " query head (no -H)");
	/* (per-head inputs, whose H is read, meet plan.c's check) */
	if (o->po.has_krange && o->po.lse && o->spec[IN_WO] != NULL &&
	    o->po.heads > 1)
		return usage_error(PLAN_SHARD_WO, o->po.heads);
	if (o->spec[IN_INPROJ] && o->po.kv_heads != 0 && o->po.kv_heads !=
	    (o->po.heads ? o->po.heads : 1))
		return usage_error("%s", "--kv-heads conflicts with --in-proj: "
		    "its keys and values have as many heads as its queries");
	if (o->spec[IN_INPROJ] && !o->po.torch)
		return usage_error("%s", "--in-proj takes PyTorch's "
		    "in_proj_weight (3E x E): give --layout torch too");
	for (i = IN_QNORM; i <= IN_KNORM; i++)
		if (o->spec[i] != NULL && !o->po.qknorm)
			return usage_error("%s needs --qk-norm: its weights "
			    "scale the normalised %s", role_opt[i].name, i ==
			    IN_QNORM ? "queries" : "keys");
	/* (general scores take Wa, dq x dk, in either layout) */
	if (o->po.torch && !o->spec[IN_WQ] && !o->spec[IN_WK] &&
	    !o->spec[IN_WV] && !o->spec[IN_INPROJ] && !o->spec[IN_WO] &&
	    !(o->po.score == SCORE_ADDITIVE && (o->spec[IN_WA] ||
	    o->spec[IN_UA])))
		return usage_error("%s", "--layout torch needs a weight file "
		    "(-q, -k, -v, -w, --in-proj, or --wa and --ua of additive "
		    "scores): it says how they are stored");
	/* in float these would be inf (or 0), and every score NaN; the
	 * limits in the digits that tell them from the value given */
	num[num_format(num, FLT_MAX, 0)] = '\0';
	tiny[num_format(tiny, FLT_TRUE_MIN, 0)] = '\0';
	if (o->dtype == ATTN_F32 && o->po.has_scale &&
	    isinf((float)o->po.scale))
		return usage_error("%s expects a number in the range of float, "
		    "which --dtype f32 computes in (%s at most in magnitude), "
		    "found \"%s\"", o->scale_opt, num, o->scale_arg);
	if (o->dtype == ATTN_F32 && o->po.softcap > 0 &&
	    (isinf((float)o->po.softcap) || (float)o->po.softcap == 0))
		return usage_error("--softcap expects a number in the range of "
		    "float, which --dtype f32 computes in (%s to %s), found "
		    "\"%s\"", tiny, num, o->softcap_arg);
	if (o->spec[IN_BO] && !o->spec[IN_WO])
		return usage_error("%s", "--bo needs -w: it is the output "
		    "projection's bias (out_proj.bias)");
	if (o->po.average && o->weights == NULL && o->heatmap == NULL &&
	    !o->show)
		return usage_error("%s", "--average-weights needs -a, --heatmap"
		    " or --show: it averages the weights written or drawn");
	if (o->po.score == SCORE_GENERAL && o->spec[IN_WA] == NULL)
		return usage_error("%s", "--score general needs --wa");
	if (o->po.score == SCORE_ADDITIVE) {
		for (i = IN_WA; i <= IN_VA; i++)
			if (o->spec[i] == NULL)
				return usage_error("--score additive needs "
				    "--wa, --ua and --va: %s is missing",
				    role_opt[i].name);
	} else
		for (i = IN_WA; i <= IN_VA; i++)
			if (o->spec[i] != NULL && (i != IN_WA ||
			    o->po.score != SCORE_GENERAL))
				return usage_error("%s goes with --score %s",
				    role_opt[i].name, i == IN_WA ?
				    "general or additive" : "additive");
	return 0;
}

/* The outputs' options and paths (NULL: not given; Y's is standard
 * output then). */
static void
outputs(const struct opts *o, const char *opt[PLAN_NOUT],
    const char *path[PLAN_NOUT])
{
	opt[PLAN_Y] = "-o";
	opt[PLAN_W] = "-a";
	opt[PLAN_LSE] = "--lse";
	opt[PLAN_PIC] = "";
	opt[PLAN_HEAT] = "--heatmap";
	opt[PLAN_SHOW] = "--show";
	path[PLAN_Y] = o->output ? o->output : "-";
	path[PLAN_W] = o->weights;
	path[PLAN_LSE] = o->lse;
	path[PLAN_PIC] = NULL;	/* the pictures' sink, not a file */
	path[PLAN_HEAT] = o->heatmap;
	path[PLAN_SHOW] = o->show ? "-" : NULL;
}

/* The usage error for output opt path, which names the file open on
 * descriptor fd, while output sopt spath writes to that descriptor
 * (dflt: Y on standard output, -o not given). */
static int
on_fd(const char *opt, const char *path, int fd, const char *sopt,
    const char *spath, int dflt)
{
	char w[64], d[48];

	if (dflt)
		snprintf(w, sizeof w, "%s", "Y goes (no -o)");
	else if (strcmp(sopt, "--show") == 0)
		snprintf(w, sizeof w, "%s", "--show draws");
	else
		snprintf(w, sizeof w, "%s %.40s writes", sopt, spath);
	if (fd <= 2)
		snprintf(d, sizeof d, "%s", fd == 0 ? "standard input" : fd ==
		    1 ? "standard output" : "standard error");
	else
		snprintf(d, sizeof d, "descriptor %d", fd);
	return usage_error("%s %s is %s's file, where %s: give one of them "
	    "another file", opt, path, d, w);
}

/* Does name stand for a descriptor an output writes to: '-', or
 * /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N (N >= 1), not a
 * file's own name? */
static int
names_fd(const char *name)
{
	return strcmp(name, "-") == 0 || ((strncmp(name, "/dev/", 5) == 0 ||
	    strncmp(name, "/proc/self/fd/", 14) == 0) && out_fd_of(name) >= 1);
}

/* No two outputs on one descriptor (standard output, /dev/fd/N) or
 * one file. */
static int
check_outputs(const struct opts *o)
{
	const char *opt[PLAN_NOUT], *path[PLAN_NOUT], *kind;
	int i, j, fi, fj;

	outputs(o, opt, path);
	for (i = 0; i < PLAN_NOUT; i++)
		for (j = i + 1; j < PLAN_NOUT; j++) {
			if (path[i] == NULL || path[j] == NULL)
				continue;
			fi = out_fd_of(path[i]);
			fj = out_fd_of(path[j]);
			/* a name given, of standard output's file: both */
			if (fi == 1 && fj == 1 && j == PLAN_SHOW)
				return strcmp(path[i], "-") != 0 ?
				    usage_error("%s %s and --show both write to "
				    "standard output: give %s another file",
				    opt[i], path[i], opt[i]) :
				    usage_error("--show draws on standard output: "
				    "give %s a file%s", opt[i], i == PLAN_Y ?
				    " (-o /dev/null to draw only)" : "");
			if (fi == 1 && fj == 1 && i == PLAN_Y &&
			    o->output == NULL)
				return usage_error("%s %s writes the %s to "
				    "standard output: give the output a file with "
				    "-o", opt[j], path[j], j == PLAN_W ?
				    "weights" : j == PLAN_LSE ? "log-sum-exp" :
				    "heatmap");
			/* "-a w.csv > w.csv": Y would go to the old file,
			 * which w.csv's new one then replaces (the same
			 * through /dev/stderr or /dev/fd/N) */
			if ((fi >= 0 && fj < 0 && out_on_fd(path[j], fi)) ||
			    (fj >= 0 && fi < 0 && out_on_fd(path[i], fj)))
				return fi >= 0 ? on_fd(opt[j], path[j], fi,
				    opt[i], path[i], i == PLAN_Y &&
				    o->output == NULL) :
				    on_fd(opt[i], path[i], fj, opt[j], path[j],
				    0);
			if (fi >= 0 && fi == fj)
				return usage_error("%s %s and %s %s both write to"
				    " %s: give one a file", opt[i], path[i],
				    opt[j], path[j], fi == 1 ? "standard output" :
				    "one descriptor");
			/* two descriptors on one file, pipe or socket
			 * ("-o /dev/stdout -a /dev/stderr 2>&1") */
			if (fi >= 0 && fj >= 0 && (kind = out_fds_shared(fi,
			    fj)) != NULL)
				return usage_error("%s %s and %s %s both write to"
				    " one %s: give one a file of its own", opt[i],
				    path[i], opt[j], path[j], kind);
			/* (by two names: both said, as a hard link's) */
			if (fi < 0 && fj < 0 && out_same(path[i], path[j]))
				return strcmp(path[i], path[j]) == 0 ?
				    usage_error("%s and %s name the same file "
				    "\"%s\"", opt[i], opt[j], path[i]) :
				    usage_error("%s %s and %s %s name the same "
				    "file", opt[i], path[i], opt[j], path[j]);
		}
	return 0;
}

/* Does file name f read standard input: '-', or another name of the
 * stream on descriptor 0 (/dev/stdin, /dev/fd/0, a FIFO's name), which
 * a second reader would find drained?  (A regular file on it may be
 * read twice.) */
static int
is_stdin(const char *f)
{
	struct stat a, b;

	return strcmp(f, "-") == 0 || (stat(f, &a) == 0 &&
	    fstat(STDIN_FILENO, &b) == 0 && !S_ISREG(a.st_mode) &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

/* The file of input i (an input, then --labels and --key-labels), or
 * NULL: none, words, a generator. */
static const char *
input_file(const struct opts *o, int i)
{
	const char *f = i < IN_NROLES ? o->spec[i] : i == IN_NROLES ?
	    o->labels : o->key_labels;

	if (f == NULL || (i >= IN_NROLES && *f++ != '@') ||
	    (i < IN_NROLES && input_is_generator(f)))
		return NULL;
	return f;
}

/* Input i's option as it names a file, before the name: "-x " (in b,
 * of 32 bytes), "--labels @", "--alibi=@", "--rope=@". */
static const char *
input_opt(int i, char *b)
{
	if (i >= IN_NROLES)
		return i == IN_NROLES ? "--labels @" : "--key-labels @";
	snprintf(b, 32, "%s%s", role_opt[i].name, plan_gap(role_opt[i].name));
	return b;
}

/* Do files f and g, both there, name one file? */
static int
one_file(const char *f, const char *g)
{
	struct stat a, b;

	return stat(f, &a) == 0 && stat(g, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
}

/* Does file f name a pipe or socket (a FIFO, /dev/fd/N of a pipe)?
 * Its status in *st. */
static int
stream_at(const char *f, struct stat *st)
{
	return strcmp(f, "-") != 0 && stat(f, st) == 0 &&
	    (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode));
}

/* Do files f and g name one pipe or socket (a FIFO, /dev/fd/N of a
 * pipe), which the first reader would drain (or whose open the second
 * would wait on forever)? */
static int
one_pipe(const char *f, const char *g)
{
	struct stat a;

	return stream_at(f, &a) && one_file(f, g);
}

/* Two inputs on one stream, or an input and an output (which would
 * wait forever to open its FIFO for writing, the run its reader): a
 * usage error, else 0. */
static int
same_stream(const struct opts *o)
{
	const char *f, *g, *opt[PLAN_NOUT], *path[PLAN_NOUT];
	char bi[32], bj[32];
	int i, j;

	outputs(o, opt, path);
	for (i = 0; i < IN_NROLES + 2; i++)
		for (j = 0; (f = input_file(o, i)) != NULL && j < PLAN_NOUT;
		    j++)
			if (path[j] != NULL && strcmp(path[j], "-") != 0 &&
			    one_pipe(f, path[j]))
				return usage_error("%s%s and %s %s are one "
				    "stream: a run cannot read and write it",
				    input_opt(i, bi), f, opt[j], path[j]);

	for (i = 0; i < IN_NROLES + 2; i++)
		for (j = i + 1; (f = input_file(o, i)) != NULL &&
		    j < IN_NROLES + 2; j++)
			if ((g = input_file(o, j)) != NULL && one_pipe(f, g))
				return usage_error("%s%s and %s%s are one "
				    "stream: it can be read by one option "
				    "only", input_opt(i, bi), f, input_opt(j,
				    bj), g);
	return 0;
}

/* An operand of --merge, by its file. */
struct opfile {
	dev_t dev;
	ino_t ino;
	int stream;		/* a FIFO or a socket */
	int i;			/* its place among the operands */
};

/* qsort order of struct opfile: by file, then place. */
static int
by_file(const void *a, const void *b)
{
	const struct opfile *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* --merge takes pairs of files and outputs; no attention options.
 * Returns 0, EXIT_USAGE (the message printed), or EXIT_DATA when
 * memory runs out. */
static int
check_merge(const struct opts *o, int nops, char *const ops[])
{
	const char *opt[PLAN_NOUT], *path[PLAN_NOUT];
	struct opfile *f;
	struct stat st;
	int i, j, n, k;

	for (i = 0; i < IN_NROLES; i++)
		if (o->spec[i] != NULL)	/* (--rope=@FILE: the option) */
			return usage_error("--merge conflicts with %.*s: it "
			    "combines outputs already computed",
			    (int)strcspn(role_opt[i].name, "="),
			    role_opt[i].name);
	if (o->weights != NULL || o->heatmap != NULL || o->show)
		return usage_error("--merge conflicts with %s: merged shards "
		    "have no weights", o->weights != NULL ? "-a" :
		    o->heatmap != NULL ? "--heatmap" : "--show");
	if (o->dry_run)
		return usage_error("%s", "--merge conflicts with --dry-run: it "
		    "has no stages to show");
	if (o->attn_opt != NULL)
		return usage_error("--merge conflicts with %.*s: it combines "
		    "outputs already computed", (int)strcspn(o->attn_opt,
		    "="), o->attn_opt);
	if (o->po.has_qrange || o->po.has_krange)
		return usage_error("--merge conflicts with %s: it combines "
		    "outputs already computed", o->po.has_qrange ?
		    "--query-range" : "--key-range");
	if (nops == 0 || nops % 2 != 0)
		return usage_error("--merge takes pairs of files Y LSE, found "
		    "%d file%s", nops, nops == 1 ? "" : "s");
	for (i = 0; i < nops; i++)
		if (ops[i][0] == '\0')
			return empty_name("--merge", ops[i]);
	for (i = 0, n = -1; i < nops; i++)
		if (is_stdin(ops[i])) {
			if (n >= 0)
				return usage_error("operands %d (%s) and %d "
				    "(%s) both read standard input: it can be "
				    "read by one operand only", n + 1, ops[n],
				    i + 1, ops[i]);
			n = i;
		}
	/* a stream an output names too */
	outputs(o, opt, path);
	for (i = 0; i < nops; i++)
		for (n = 0; n < PLAN_NOUT; n++)
			if (path[n] != NULL && strcmp(path[n], "-") != 0 &&
			    one_pipe(ops[i], path[n]))
				return usage_error("operand %d, %s, and %s %s "
				    "are one stream: a run cannot read and write "
				    "it", i + 1, ops[i], opt[n], path[n]);
	/* one stream twice, drained by its first reader, or one pair of
	 * files twice, a shard merged twice that would count its keys
	 * twice (one file in two pairs may be meant: an LSE made up for
	 * two shards).  Each operand looked at once, sorted by file (a
	 * pair at a time, 1600 operands took 1.3 million stat()s); the
	 * LSEs of two pairs only when their Y files are one */
	if ((f = malloc((size_t)nops * sizeof *f)) == NULL) {
		/* no fault of the command line's: exit 1, no usage */
		char m[128];

		snprintf(m, sizeof m, "the operands: cannot allocate %zu "
		    "bytes: %s", (size_t)nops * sizeof *f, strerror(ENOMEM));
		put_line(m);
		return EXIT_DATA;
	}
	for (i = 0, k = 0; i < nops; i++)
		if (strcmp(ops[i], "-") != 0 && stat(ops[i], &st) == 0) {
			f[k].dev = st.st_dev;
			f[k].ino = st.st_ino;
			f[k].stream = S_ISFIFO(st.st_mode) ||
			    S_ISSOCK(st.st_mode);
			f[k++].i = i;
		}
	qsort(f, (size_t)k, sizeof *f, by_file);
	for (n = 1; n < k; n++)
		for (j = n - 1; j >= 0 && f[j].dev == f[n].dev &&
		    f[j].ino == f[n].ino; j--) {
			int a = f[j].i, b = f[n].i, stream = f[n].stream;

			if (!stream && (a % 2 || b % 2 ||
			    !one_file(ops[a + 1], ops[b + 1])))
				continue;
			free(f);
			return stream ? usage_error("operands %d and %d, %s and "
			    "%s, are one stream: it can be read by one operand "
			    "only", a + 1, b + 1, ops[a], ops[b]) :
			    usage_error("pairs %d and %d, %s %s and %s %s, are "
			    "one shard: merged twice, its keys would count "
			    "twice", a / 2 + 1, b / 2 + 1, ops[a], ops[a + 1],
			    ops[b], ops[b + 1]);
		}
	free(f);
	return 0;
}

/* The long name of short option c, or NULL. */
static const char *
long_name(int c)
{
	int i;

	for (i = 0; longopts[i].name != NULL; i++)
		if (longopts[i].val == c)
			return longopts[i].name;
	return NULL;
}

/* Option c as the element s that gave it names it: "--heads" for
 * "--heads=0" or "--he 0", "-H" for "-H0".  In buf. */
static const char *
as_given(char *buf, size_t cap, const char *s, int c)
{
	if (s[0] == '-' && s[1] == '-' && long_name(c) != NULL)
		snprintf(buf, cap, "--%s", long_name(c));
	else
		snprintf(buf, cap, "-%c", c);
	return buf;
}

/* The index of the element getopt_long takes its next option from,
 * given optind before the call: it skips (and later moves to the end)
 * the operands before it. */
static int
option_at(int argc, char *argv[], int i)
{
	while (i < argc && (argv[i][0] != '-' || argv[i][1] == '\0'))
		i++;
	return i < argc ? i : argc - 1;
}

/* Copy long option element s up to any "=" ("--NAME") into b. */
static const char *
long_given(char *b, size_t cap, const char *s)
{
	snprintf(b, cap, "%.*s", (int)strcspn(s, "="), s);
	return b;
}

/* The long option that w names whole ("heads", "seed=3"), or -1. */
static int
long_of(const char *w)
{
	size_t len = strcspn(w, "=");
	int i;

	for (i = 0; longopts[i].name != NULL; i++)
		if (strlen(longopts[i].name) == len &&
		    strncmp(longopts[i].name, w, len) == 0)
			return i;
	return -1;
}

/* The edit distance between a (la bytes) and b: insertions, deletions,
 * substitutions and swaps of two neighbours, one each (capped at 8). */
static size_t
distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), d[3][40], i, j, c, *r, *p, *q;

	if (la > 32 || lb > 32)
		return 8;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		r = d[i % 3], p = d[(i + 2) % 3], q = d[(i + 1) % 3];
		r[0] = i;
		for (j = 1; j <= lb; j++) {
			c = p[j - 1] + (a[i - 1] != b[j - 1]);
			c = p[j] + 1 < c ? p[j] + 1 : c;
			c = r[j - 1] + 1 < c ? r[j - 1] + 1 : c;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && q[j - 2] + 1 < c)
				c = q[j - 2] + 1;
			r[j] = c;
		}
	}
	return d[la % 3][lb] < 8 ? d[la % 3][lb] : 8;
}

/* The long option that name (len bytes) most likely meant, or -1: its
 * plural ("query": queries, "key": keys), else the one nearest, when
 * one alone is at most 2 edits away (1 for names of 4 or fewer). */
static int
meant(const char *name, size_t len)
{
	int i, best = -1, tie = 0;
	size_t d, bd = len <= 4 ? 2 : 3;
	const char *o;

	for (i = 0; (o = longopts[i].name) != NULL; i++)
		if (strlen(o) == len + 1 && strncmp(o, name, len) == 0 &&
		    o[len] == 's')
			return i;
		else if (len > 1 && name[len - 1] == 'y' && strlen(o) == len +
		    2 && strncmp(o, name, len - 1) == 0 && strcmp(o + len - 1,
		    "ies") == 0)
			return i;
	for (i = 0; (o = longopts[i].name) != NULL; i++) {
		if ((d = distance(name, len, o)) < bd) {
			bd = d;
			best = i;
			tie = 0;
		} else if (d == bd) {
			tie = 1;
		}
	}
	return tie ? -1 : best;
}

/* Element s, whose first letter getopt_long took as option c: a long
 * option written with one dash, as "-heads 2", is -h -e -a ..., and -h
 * would print the help and exit 0, ignoring the rest.  A usage error
 * naming the fix, else 0: for a letter that takes a file, also when its
 * attached argument is one (-wo: WO from the file o, which exists). */
static int
one_dash(const char *s, int c)
{
	int takes = optarg == s + 2, file = takes && strchr("xqkvwQKVmoa", c);

	if (s[2] == '\0' || long_of(s + 1) < 0 || strcmp(s + 1, "help") == 0 ||
	    (takes && access(optarg, F_OK) == 0))
		return 0;
	if (file)
		return usage_error("%s: long options start with two dashes: "
		    "write -%s (or -%c %s)", s, s, c, optarg);
	return usage_error("%s: long options start with two dashes: write "
	    "-%s", s, s);
}

/* The usage error for what getopt_long refused (c is '?' or ':') in
 * element s: name the option as given and say what to write. */
static int
bad_option(int c, const char *s)
{
	char given[128], alts[512];
	const char *name = s + 2;
	size_t len = strcspn(name, "="), used = 0;
	int i, n = 0, last = -1;

	if (s[1] != '-') {
		/* A short option: optopt is the letter. */
		if (c == ':')
			return usage_error("option -%c needs an argument",
			    optopt);
		if (s[2] != '\0' && long_of(s + 1) >= 0)
			return usage_error("unknown option -%c in %s: long "
			    "options start with two dashes: write -%s", optopt,
			    s, s);
		if (s[2] != '\0')
			return usage_error("unknown option -%c in %s", optopt,
			    s);
		return usage_error("unknown option -%c", optopt);
	}
	long_given(given, sizeof given, s);
	if (c == ':')
		return usage_error("option %s needs an argument", given);
	if (optopt != 0)	/* a known option that takes no argument */
		return usage_error("option %s takes no argument, found \"%s\"",
		    given, s + strlen(given));
	if (len == 0)
		return usage_error("unknown option %s: a long option has a "
		    "name after --", s);
	alts[0] = '\0';
	for (i = 0; longopts[i].name != NULL; i++) {
		if (strncmp(longopts[i].name, name, len) != 0)
			continue;
		if (n++ > 0 && used < sizeof alts)
			used += (size_t)snprintf(alts + used, sizeof alts -
			    used, ", --%s", longopts[last].name);
		last = i;
	}
	i = meant(name, len);
	if (n > 1 && i >= 0 && strncmp(longopts[i].name, name, len) == 0)
		i = -1;		/* listed already */
	if (n > 1)
		return usage_error("ambiguous option %s: could be %s or --%s%s%s"
		    "%s", given, alts + 2, longopts[last].name, i >= 0 ?
		    " (or did you mean --" : "", i >= 0 ? longopts[i].name : "",
		    i >= 0 ? "?)" : "");
	if (i >= 0)
		return usage_error("unknown option %s: did you mean --%s?",
		    given, longopts[i].name);
	return usage_error("unknown option %s", given);
}

/* Print the completion script for shell ("bash" or "zsh") from
 * longopts, optwords and role_opt. */
static void
completion(const char *shell)
{
	struct complete_opt co[NELEM(longopts)];
	size_t n = 0;
	int i, k;

	for (i = 0; longopts[i].name != NULL; i++, n++) {
		co[n].name = longopts[i].name;
		co[n].has_arg = longopts[i].has_arg;
		co[n].letter = longopts[i].val < 256 ? longopts[i].val : 0;
		co[n].arg = role_of(longopts[i].val) >= 0 ? "FILE" : NULL;
		for (k = 0; k < NELEM(optwords); k++)
			if (strcmp(optwords[k].name, co[n].name) == 0)
				co[n].arg = optwords[k].words;
	}
	complete_print(stdout, shell, co, n);
}

/* Is c an option that only the attention itself reads (so that --merge,
 * which combines finished shards, has no use for it)? */
static int
attention_only(int c)
{
	switch (c) {
	case 'H': case 's': case 'c': case OPT_WINDOW: case OPT_SOFTCAP:
	case OPT_ALIBI: case OPT_QKNORM: case OPT_LAYOUT: case OPT_KVHEADS:
	case OPT_AVERAGE: case OPT_POS: case OPT_ROPE: case OPT_SCORE:
	case OPT_LABELS: case OPT_KEYLABELS: case OPT_LABELOUT:
	case OPT_BATCHINDEX: case OPT_HEATMAX:
		return 1;
	}
	return 0;
}

/* Fill o from argv; returns 0, -1 after --help or --version, or the
 * exit status of a usage error. */
static int
parse_opts(int argc, char *argv[], struct opts *o)
{
	unsigned long long u;
	struct mat_shape sh;
	struct err e;
	const char *p;
	const char *s, *kw = NULL, *kwopt = NULL;
	const char *after_lab = NULL, *lab = NULL, *labopt = NULL;
	char given[32];
	int c, i, r, rc, at, before, nstdin = 0, first = 0, fmt_given = 0;

	memset(o, 0, sizeof *o);
	o->po.window = o->po.window_r = -1;
	o->fmt = OUT_CSV;
	opterr = 0;
	for (;;) {
		before = optind;
		if ((c = getopt_long(argc, argv, shortopts, longopts,
		    NULL)) == -1)
			break;
		s = argv[at = option_at(argc, argv, before)];
		if (c == '?' || c == ':')
			return bad_option(c, s);
		if (s[0] == '-' && s[1] == c && (rc = one_dash(s, c)) != 0)
			return rc;
		if (o->attn_opt == NULL && attention_only(c))
			o->attn_opt = s;
		/* "-H=2": a long option's "=" after a short option. */
		if (s[1] != '-' && optarg != NULL && optarg == s + 2 &&
		    optarg[0] == '=')
			return c == 'c' ? usage_error("%s: a short option "
			    "takes its optional argument attached, without "
			    "\"=\": write -c%s or --causal%s", s, optarg + 1,
			    optarg) : usage_error("%s: a short option takes "
			    "its argument without \"=\": write -%c %s or "
			    "--%s%s", s, c, optarg + 1, long_name(c), optarg);
		/* "--causal bottom-right": remember the word after an option
		 * whose argument is optional; it would be an operand. */
		if ((c == 'c' || c == OPT_ROPE || c == OPT_ALIBI ||
		    c == OPT_QKNORM) &&
		    optarg == NULL && at + 1 < argc && optind == at + 1) {
			const char *nx = argv[at + 1];
			double d;

			if (c == 'c' ? strcmp(nx, "top-left") == 0 ||
			    strcmp(nx, "bottom-right") == 0 : c == OPT_ALIBI ?
			    nx[0] == '@' : num_parse(nx, strlen(nx), &d) == 0) {
				kw = nx;
				kwopt = s;
			}
		}
		if ((r = role_of(c)) >= 0) {
			if (o->spec[r] != NULL)
				return usage_error("option %s given twice",
				    role_opt[r].name);
			if (optarg[0] == '\0')
				return empty_name(role_opt[r].name, optarg);
			o->spec[r] = optarg;
			continue;
		}
		switch (c) {
		case 'H':
			if ((rc = parse_uint(optarg, 1, SIZE_MAX, &u)) != 0)
				return bad_number(rc, as_given(given, sizeof
				    given, s, c), SIZE_MAX, "a number of heads "
				    ">= 1", optarg);
			o->po.heads = (size_t)u;
			break;
		case OPT_KVHEADS:
			if ((rc = parse_uint(optarg, 1, SIZE_MAX, &u)) != 0)
				return bad_number(rc, "--kv-heads", SIZE_MAX,
				    "a number of heads >= 1", optarg);
			o->po.kv_heads = (size_t)u;
			break;
		case 's':
			if (strcmp(optarg, "none") == 0)
				o->po.scale = 1;
			else if (num_parse(optarg, strlen(optarg),
			    &o->po.scale) != 0 || !isfinite(o->po.scale))
				return usage_error("%s expects a finite number "
				    "or \"none\", found \"%s\"", as_given(given,
				    sizeof given, s, c), optarg);
			o->po.has_scale = 1;
			o->scale_arg = optarg;
			o->scale_opt = s[0] == '-' && s[1] == '-' ? "--scale" :
			    "-s";
			break;
		case 'c':
			if (optarg == NULL || strcmp(optarg, "top-left") == 0)
				o->po.causal = 1;
			else if (strcmp(optarg, "bottom-right") == 0)
				o->po.causal = 2;
			else if (s[1] != '-') {
				/* -cH2: -c took H2 as its argument */
				int two = isalpha((unsigned char)optarg[0]) &&
				    strchr(shortopts, optarg[0]) != NULL;

				return usage_error("-c expects top-left or "
				    "bottom-right attached, found \"%s\"%s%s",
				    optarg, two ? ": for -c and another option "
				    "write -c -" : "", two ? optarg : "");
			} else
				return usage_error("--causal expects top-left "
				    "or bottom-right, found \"%s\"", optarg);
			break;
		case OPT_WINDOW:
			if ((rc = parse_window(optarg, &o->po.window,
			    &o->po.window_r)) != 0)
				return bad_number(rc, "--window", LLONG_MAX,
				    "W or L,R, distances >= 0", optarg);
			break;
		case OPT_SOFTCAP:
			if (num_parse(optarg, strlen(optarg), &o->po.softcap) !=
			    0 || !isfinite(o->po.softcap) || o->po.softcap <= 0)
				return usage_error("--softcap expects a number > "
				    "0, found \"%s\"", optarg);
			o->softcap_arg = optarg;
			break;
		case OPT_ALIBI:
			/* @FILE names a file: once (see set_once) */
			if (o->spec[IN_ALIBI] != NULL ||
			    (optarg != NULL && o->po.alibi))
				return usage_error("%s", "option --alibi given "
				    "twice");
			o->po.alibi = 1;
			if (optarg == NULL)
				break;
			if (optarg[0] != '@' || optarg[1] == '\0')
				return usage_error("--alibi takes slopes from a "
				    "file as --alibi=@FILE, found \"%s\"",
				    optarg);
			o->spec[IN_ALIBI] = optarg + 1;
			break;
		case OPT_QKNORM:
			/* repeated, the last counts: bare, the default */
			o->po.qknorm = 1;
			o->po.qknorm_eps = 1e-6;
			if (optarg != NULL && (num_parse(optarg,
			    strlen(optarg), &o->po.qknorm_eps) != 0 ||
			    !isfinite(o->po.qknorm_eps) ||
			    o->po.qknorm_eps < 0))
				return usage_error("--qk-norm expects an epsilon "
				    ">= 0, found \"%s\"", optarg);
			break;
		case OPT_LAYOUT:
			/* repeated, the last counts */
			if (strcmp(optarg, "torch") == 0 || strcmp(optarg,
			    "row") == 0)
				o->po.torch = optarg[0] == 't';
			else
				return usage_error("--layout expects row or "
				    "torch, found \"%s\"", optarg);
			break;
		case OPT_AVERAGE:
			o->po.average = 1;
			break;
		case OPT_POS:
			if (strcmp(optarg, "sinusoidal") != 0)
				return usage_error("--pos expects sinusoidal, "
				    "found \"%s\"", optarg);
			o->po.pos = 1;
			break;
		case OPT_ROPE:
			/* @FILE names a file: once (see set_once) */
			if (o->spec[IN_ROPE] != NULL || (optarg != NULL &&
			    optarg[0] == '@' && o->po.rope))
				return usage_error("%s", "option --rope given "
				    "twice");
			o->po.rope = 1;
			o->po.rope_base = 10000;
			if (optarg != NULL && optarg[0] == '@' &&
			    optarg[1] != '\0')
				o->spec[IN_ROPE] = optarg + 1;
			else if (optarg != NULL && (num_parse(optarg,
			    strlen(optarg), &o->po.rope_base) != 0 ||
			    !isfinite(o->po.rope_base) ||
			    o->po.rope_base <= 1))
				return usage_error("--rope expects a base > 1 or "
				    "@FILE, found \"%s\"", optarg);
			break;
		case OPT_SCORE:
			if (strcmp(optarg, "dot") == 0)
				o->po.score = SCORE_DOT;
			else if (strcmp(optarg, "general") == 0)
				o->po.score = SCORE_GENERAL;
			else if (strcmp(optarg, "additive") == 0)
				o->po.score = SCORE_ADDITIVE;
			else
				return usage_error("--score expects dot, general"
				    " or additive, found \"%s\"", optarg);
			break;
		case OPT_SEED:
			if (parse_uint(optarg, 0, UINT32_MAX, &u) != 0)
				return usage_error("--seed expects an integer "
				    "from 0 to 4294967295, found \"%s\"",
				    optarg);
			o->seed = (uint32_t)u;
			break;
		case 'o':
			if (set_out(&o->output, "-o"))
				return EXIT_USAGE;
			break;
		case OPT_LSE:
			if (set_out(&o->lse, "--lse"))
				return EXIT_USAGE;
			o->po.lse = 1;
			break;
		case OPT_MERGE:
			o->merge = 1;
			break;
		case OPT_QRANGE:
		case OPT_KRANGE:
			if ((rc = parse_range(optarg, c == OPT_QRANGE ?
			    o->po.qrange : o->po.krange)) != 0)
				return bad_number(rc, c == OPT_QRANGE ?
				    "--query-range" : "--key-range", SIZE_MAX,
				    "A:B with 0 <= A < B", optarg);
			if (c == OPT_QRANGE)
				o->po.has_qrange = 1;
			else
				o->po.has_krange = 1;
			break;
		case 'a':
			if (set_out(&o->weights, "-a"))
				return EXIT_USAGE;
			break;
		case OPT_LABELS:
		case OPT_KEYLABELS:
			if (optarg[0] != '@' && optarg[strspn(optarg,
			    " \t\n")] == '\0')
				return usage_error("%s expects words or @FILE, "
				    "found \"%s\"", c == OPT_LABELS ?
				    "--labels" : "--key-labels", optarg);
			if (set_once(c == OPT_LABELS ? &o->labels :
			    &o->key_labels, c == OPT_LABELS ? "--labels" :
			    "--key-labels"))
				return EXIT_USAGE;
			/* the word after it, an operand if the labels were
			 * not quoted (--labels The cat sat) */
			lab = optarg;
			labopt = c == OPT_LABELS ? "--labels" : "--key-labels";
			after_lab = optind < argc ? argv[optind] : NULL;
			break;
		case OPT_LABELOUT:
			o->label_output = 1;
			break;
		case OPT_HEATMAP:
			if (set_out(&o->heatmap, "--heatmap"))
				return EXIT_USAGE;
			break;
		case OPT_SHOW:
			o->show = 1;
			break;
		case OPT_BATCHINDEX:
			if ((rc = parse_uint(optarg, 0, SIZE_MAX, &u)) != 0)
				return bad_number(rc, "--batch-index", SIZE_MAX,
				    "a sequence number from 0", optarg);
			o->batch = (size_t)u;
			o->has_batch = 1;
			break;
		case OPT_HEATMAX:
			if (num_parse(optarg, strlen(optarg), &o->heat_max) !=
			    0 || !isfinite(o->heat_max) || o->heat_max <= 0)
				return usage_error("--heat-max expects a finite "
				    "weight > 0 (the top of the colour scale), "
				    "found \"%s\"", optarg);
			break;
		case 'f':
			fmt_given = 1;
			if (strcmp(optarg, "csv") == 0)
				o->fmt = OUT_CSV;
			else if (strcmp(optarg, "tsv") == 0)
				o->fmt = OUT_TSV;
			else if (strcmp(optarg, "txt") == 0)
				o->fmt = OUT_TXT;
			else if (strcmp(optarg, "npy") == 0)
				o->fmt = OUT_NPY;
			else
				return usage_error("%s expects csv, tsv, txt "
				    "or npy, found \"%s\"", as_given(given,
				    sizeof given, s, c), optarg);
			break;
		case 'p':
			if (parse_uint(optarg, 1, 17, &u) != 0)
				return usage_error("%s expects a number of "
				    "digits from 1 to 17, found \"%s\"",
				    as_given(given, sizeof given, s, c), optarg);
			o->prec = (int)u;
			break;
		case 'j':
			if (parse_uint(optarg, 1, MAX_THREADS, &u) != 0)
				return usage_error("%s expects a number of "
				    "threads from 1 to " MAX_THREADS_STR
				    ", found \"%s\"", as_given(given, sizeof
				    given, s, c), optarg);
			o->threads = (int)u;
			break;
		case OPT_DTYPE:
			if (strcmp(optarg, "f64") == 0)
				o->dtype = ATTN_F64;
			else if (strcmp(optarg, "f32") == 0)
				o->dtype = ATTN_F32;
			else
				return usage_error("--dtype expects f64 or f32, "
				    "found \"%s\"", optarg);
			break;
		case OPT_DRYRUN:
			o->dry_run = 1;
			break;
		case OPT_QUIET:
			o->quiet = 1;
			break;
		case OPT_COMPLETION:
			if (strcmp(optarg, "bash") != 0 &&
			    strcmp(optarg, "zsh") != 0)
				return usage_error("--completion expects bash or "
				    "zsh, found \"%s\"", optarg);
			completion(optarg);
			return -1;
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			fputs(help_text2, stdout);
			fputs(help_text3, stdout);
			return -1;
		case OPT_VERSION:
			printf("selfattn %s\n", VERSION);
			return -1;
		}
	}
	for (i = optind; kw != NULL && i < argc; i++)
		if (argv[i] == kw)
			return kwopt[1] == '-' ? usage_error("unexpected "
			    "argument \"%s\": write %s=%s", kw, kwopt, kw) :
			    usage_error("unexpected argument \"%s\": write "
			    "-c%s or --causal=%s", kw, kw, kw);
	if (o->merge) {
		if ((rc = check_merge(o, argc - optind, argv + optind)) != 0)
			return rc;
		o->operands = argv + optind;
		o->noperands = (size_t)(argc - optind);
	} else if (optind < argc && argv[optind] == after_lab &&
	    strpbrk(lab, " \t") == NULL)
		return usage_error("unexpected argument \"%s\": %s takes its "
		    "words as one argument, in quotes (%s \"%s %s ...\")",
		    argv[optind], labopt, labopt, lab, argv[optind]);
	else if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	else if ((rc = check_combination(o)) != 0)
		return rc;
	/* empty: as if unset (the shell's VAR= in a script) */
	if ((p = getenv("SELFATTN_ISA")) != NULL && *p != '\0' &&
	    gemm_isa_parse(p) < 0)
		return usage_error("SELFATTN_ISA expects generic, avx2 or "
		    "avx512, found \"%s\"", p);
	o->isa = gemm_isa_choose(p);
	if (o->threads == 0 && (p = getenv("SELFATTN_THREADS")) != NULL &&
	    *p != '\0') {
		if (parse_uint(p, 1, MAX_THREADS, &u) != 0)
			return usage_error("SELFATTN_THREADS expects a number of "
			    "threads from 1 to " MAX_THREADS_STR ", found \"%s\"",
			    p);
		o->threads = (int)u;
	}
	if (o->threads == 0) {
#ifdef _SC_NPROCESSORS_ONLN	/* (not POSIX: glibc, musl; hidden by
				 * _XOPEN_SOURCE on FreeBSD and macOS) */
		long np = sysconf(_SC_NPROCESSORS_ONLN);
#else
		long np = 1;
#endif

		o->threads = np < 1 ? 1 : np > MAX_THREADS ? MAX_THREADS :
		    (int)np;
	}
	/* standard input: '-' of an input, @- of the labels, or another
	 * name of a stream on it; once */
	for (i = 0; i < IN_NROLES + 2; i++) {
		const char *f = input_file(o, i);
		char bi[32], bj[32];

		if (f == NULL || !is_stdin(f))
			continue;
		if (nstdin++ > 0)
			return usage_error("%s%s and %s%s both read standard "
			    "input: it can be read by one option only",
			    input_opt(first, bi),
			    input_file(o, first), input_opt(i, bj), f);
		first = i;
	}
	if ((i = same_stream(o)) != 0)
		return i;
	for (i = 0; i < IN_NROLES; i++)
		if (o->spec[i] != NULL && input_is_generator(o->spec[i]) &&
		    input_generator(o->spec[i], &sh, &e) < 0)
			return usage_error("%s: %s", role_opt[i].name, e.msg);
	if (o->label_output && o->labels == NULL)
		return usage_error("%s", "--label-output needs --labels: the "
		    "labels of Y's rows");
	if (o->label_output && out_fmt_of(o->output ? o->output : "-",
	    o->fmt) == OUT_NPY)
		return usage_error("--label-output labels Y in text, and Y "
		    "goes to %s as .npy, which has no labels", o->output ?
		    o->output : "standard output (-f npy)");
	if (o->has_batch && o->heatmap == NULL && !o->show)
		return usage_error("%s", "--batch-index needs --heatmap or "
		    "--show: it picks the sequence drawn");
	if (o->heat_max > 0 && o->heatmap == NULL && !o->show)
		return usage_error("%s", "--heat-max needs --heatmap or --show:"
		    " it sets the top of their colour scale");
	/* '-', /dev/stdout, /dev/fd/N...: the SVG on that descriptor */
	if (o->heatmap != NULL && !out_has_ext(o->heatmap, ".svg") &&
	    !out_has_ext(o->heatmap, ".html") && !names_fd(o->heatmap))
		return usage_error("--heatmap %s: name the picture NAME.svg or "
		    "NAME.html, or give - for the SVG on standard output",
		    o->heatmap);
	if ((rc = check_outputs(o)) != 0)
		return rc;
	if ((rc = check_ext("-o", o->output, fmt_given)) != 0 ||
	    (rc = check_ext("-a", o->weights, fmt_given)) != 0 ||
	    (rc = check_ext("--lse", o->lse, fmt_given)) != 0 ||
	    (rc = check_fmt_used(o, fmt_given)) != 0 ||
	    (rc = check_tty("-o", o->output, o)) != 0 ||
	    (rc = check_tty("-a", o->weights, o)) != 0 ||
	    (rc = check_tty("--lse", o->lse, o)) != 0)
		return rc;
	return 0;
}

/* The labels of the queries and keys (*qp, *kp; NULL: none): --labels
 * for the queries, --key-labels for the keys, else the query labels
 * when there are as many keys as queries, else key numbers when the
 * queries are labelled.  A count that is not n (m) is a data error. */
static int
labels_for(const struct plan *p, const struct opts *o, struct labels *ql,
    struct labels *kl, struct labels **qp, struct labels **kp, struct err *e)
{
	*qp = *kp = NULL;
	if (o->labels != NULL) {
		if (label_check(ql, o->labels, "--labels", p->n, 0, e) != 0)
			return -1;
		*qp = ql;
	}
	if (o->key_labels != NULL) {
		if (label_check(kl, o->key_labels, "--key-labels", p->m, 1,
		    e) != 0)
			return -1;
		*kp = kl;
	} else if (o->labels != NULL && p->m == p->n) {
		*kp = ql;
	} else if (o->labels != NULL) {
		if (label_count(kl, p->m, e) != 0)
			return -1;
		*kp = kl;
	}
	return 0;
}

/* Is descriptor n, that an input names (/dev/fd/N, /dev/stdin), not
 * the caller's?  A closed standard input is keep_std_fds()'s /dev/null
 * now (an input read empty), and from 3 on a descriptor closed now
 * would be one of the run's own once the outputs are open. */
static int
fd_gone(int n)
{
	return (n == 0 && stdin_closed) || (n >= 3 && fcntl(n, F_GETFD) < 0);
}

/* An input or output that names a descriptor the caller did not give
 * (fd_gone(); an output: a closed standard input): EBADF, as for "-"
 * of a closed standard input.  Before any output is opened. */
static int
fds_given(const struct opts *o, const char *path[PLAN_NOUT],
    struct err *e)
{
	const char *f;
	int i;

	for (i = 0; stdin_closed && i < PLAN_NOUT; i++)
		if (path[i] != NULL && out_fd_of(path[i]) == 0)
			return err_set(e, path[i], 0, 0, "write error: %s",
			    strerror(EBADF));
	for (i = 0; i < IN_NROLES + 2; i++)
		if ((f = input_file(o, i)) != NULL && fd_gone(out_fd_of(f)))
			return err_set(e, f, 0, 0, "%s", strerror(EBADF));
	for (i = 0; o->merge && (size_t)i < o->noperands; i++)
		if (fd_gone(out_fd_of(o->operands[i])))
			return err_set(e, o->operands[i], 0, 0, "%s",
			    strerror(EBADF));
	return 0;
}

/* Open the outputs path[] (NULL: not given) into outs[], as a run does
 * before any work: descriptors (/dev/fd/N) before files, whose
 * temporary files could take their numbers.  With dry (--dry-run),
 * check each instead (out_check: nothing left open or made).  Returns
 * 0, or -1 with e set. */
static int
open_outputs(const struct opts *o, const char *path[PLAN_NOUT],
    enum out_type type, int dry, struct err *e)
{
	int i, pass;

	if (fds_given(o, path, e) != 0)
		return -1;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < PLAN_NOUT; i++)
			if (path[i] != NULL && (out_fd_of(path[i]) >= 0) ==
			    !pass && (dry ? out_check(&outs[i], path[i], e) :
			    out_open(&outs[i], path[i], i >= PLAN_HEAT ?
			    OUT_RAW : out_fmt_of(path[i], o->fmt), type,
			    o->prec, e)))
				return -1;
	return 0;
}

/* --dry-run: the stages, their shapes and costs; no output opened,
 * but each checked as the run would (open_outputs).  The outputs and
 * the labels are checked, as the run reads them, before the inputs. */
static int
dry_run(const struct opts *o)
{
	struct explain_cfg c;
	struct labels ql, kl;
	struct err e;
	int i, rc = 0;

	memset(&c, 0, sizeof c);
	memset(&ql, 0, sizeof ql);
	memset(&kl, 0, sizeof kl);
	/* each output as the run checks it before any work */
	outputs(o, c.optname, c.path);
	catch_signals();
	if (open_outputs(o, c.path, OUT_F64, 1, &e) != 0) {
		rc = -1;
		goto done;
	}
	if ((o->labels != NULL && label_load(&ql, o->labels, "--labels",
	    &e) != 0) || (o->key_labels != NULL && label_load(&kl,
	    o->key_labels, "--key-labels", &e) != 0)) {
		rc = -1;
		goto done;
	}
	c.ql = o->labels != NULL ? &ql : NULL;
	c.kl = o->key_labels != NULL ? &kl : NULL;
	c.qspec = o->labels;
	c.kspec = o->key_labels;
	for (i = 0; i < IN_NROLES; i++) {
		c.spec[i] = o->spec[i];
		c.opt[i] = role_opt[i].name;
	}
	c.seed = o->seed;
	c.po = o->po;
	for (i = 0; i < PLAN_NOUT; i++)
		c.fmt[i] = out_fmt_of(c.path[i], o->fmt);
	c.html = o->heatmap != NULL && out_has_ext(o->heatmap, ".html");
	c.threads = o->threads;
	c.dtype = o->dtype;
	c.isa = o->isa;
	rc = explain_write(&c, stdout, &e);
done:
	label_free(&ql);
	label_free(&kl);
	if (rc != 0) {
		diag(&e);
		return EXIT_DATA;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct opts o;
	struct rng rng;
	struct plan_in in[IN_NROLES];
	struct plan p;
	struct out *out[PLAN_NOUT];
	const char *opt[PLAN_NOUT], *path[PLAN_NOUT];
	struct par *pool = NULL;
	struct labels ql, kl, *qlp = NULL, *klp = NULL;
	struct heat heat;
	struct heat_opts ho;
	struct progress bar;
	int draw, few;
	struct err e, fe;
	size_t dead = 0;
	enum out_type type;
	int rc, i, planned = 0, status = EXIT_DATA;

	if (keep_std_fds(&e) != 0) {
		diag(&e);
		return EXIT_DATA;
	}
	for (i = 0; i < PLAN_NOUT; i++)
		out_init(&outs[i]);
	if ((rc = parse_opts(argc, argv, &o)) != 0) {
		if (rc > 0)
			return rc;
		/* --help, --version: a filter checks its own output. */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			err_set(&e, "<stdout>", 0, 0, "write error: %s",
			    strerror(errno));
			diag(&e);
			return EXIT_DATA;
		}
		return 0;
	}
	if (o.dry_run)
		return dry_run(&o);
	type = o.dtype == ATTN_F32 ? OUT_F32 : OUT_F64;
	memset(in, 0, sizeof in);
	memset(&ql, 0, sizeof ql);
	memset(&kl, 0, sizeof kl);
	memset(&heat, 0, sizeof heat);
	draw = o.heatmap != NULL || o.show;
	outputs(&o, opt, path);

	/* Outputs first: a folder we cannot write to fails before any
	 * work is done.  Nothing appears under their names until the end.
	 * Descriptors (/dev/fd/N) before files, whose temporary files
	 * could take their numbers. */
	catch_signals();
	for (i = 0; i < PLAN_NOUT; i++)
		out[i] = path[i] != NULL ? &outs[i] : NULL;
	if (open_outputs(&o, path, type, 0, &e) != 0)
		goto fail;
	if (draw) {
		out_open_sink(&outs[PLAN_PIC], heat_sink, &heat);
		out[PLAN_PIC] = &outs[PLAN_PIC];
	}
	if ((o.labels != NULL && label_load(&ql, o.labels, "--labels",
	    &e) != 0) || (o.key_labels != NULL && label_load(&kl,
	    o.key_labels, "--key-labels", &e) != 0))
		goto fail;

	if ((o.merge ? watch_inputs((const char *const *)o.operands,
	    o.noperands, &e) : watch_inputs(o.spec, IN_NROLES, &e)) != 0)
		goto fail;
	if ((pool = par_start(o.threads, &e)) == NULL)
		goto fail;

	progress_init(&bar, !o.quiet && isatty(STDERR_FILENO));
	if (o.merge) {
		if (merge_run((const char *const *)o.operands, o.noperands / 2,
		    pool, out[PLAN_Y], out[PLAN_LSE], &dead, &e))
			goto fail;
	} else {
		rng_seed(&rng, o.seed);
		for (i = 0; i < IN_NROLES; i++) {
			if (o.spec[i] == NULL)
				continue;
			in[i].name = strcmp(o.spec[i], "-") == 0 ? "<stdin>" :
			    o.spec[i];
			in[i].opt = role_opt[i].name;
			/* a mask of booleans as bytes, not doubles */
			if ((i == IN_MASK ? input_load_bools : input_load)(
			    o.spec[i], &rng, pool, &in[i].m, &in[i].sh, &e) != 0)
				goto fail;
		}
		planned = 1;	/* plan_make sets p up first, plan_free undoes it */
		if (plan_make(&p, in, &o.po, &e) != 0 ||
		    (o.dtype == ATTN_F32 && plan_float(&p, in, &e) != 0) ||
		    labels_for(&p, &o, &ql, &kl, &qlp, &klp, &e) != 0)
			goto fail;
		/* a mask of numbers (text, a generator), now the plan's
		 * bytes: its 8 bytes an element go before the run takes its
		 * buffers (a .npy of 0s and 1s is bytes already) */
		if (p.allow_buf != NULL)
			mat_free(&in[IN_MASK].m);
		if (out[PLAN_W] != NULL && (qlp != NULL || klp != NULL))
			out_labels(out[PLAN_W], qlp ? (const char *const *)
			    qlp->s : NULL, p.n, p.q0, klp ? (const char *const *)
			    klp->s : NULL, p.m, (p.H > 1 || p.perhead) &&
			    !p.o.average ? OUT_HEADS : p.B > 1 ? OUT_SEQS : 0);
		if (o.label_output)
			out_labels(out[PLAN_Y], (const char *const *)qlp->s, p.n,
			    p.q0, NULL, 0, p.perhead && p.wo == NULL ?
			    OUT_HEADS : p.B > 1 ? OUT_SEQS : 0);
		if (draw) {
			memset(&ho, 0, sizeof ho);
			ho.svg = out[PLAN_HEAT];
			ho.html = o.heatmap != NULL && out_has_ext(o.heatmap,
			    ".html");
			ho.show = out[PLAN_SHOW];
			ho.has_batch = o.has_batch;
			ho.batch = o.batch;
			ho.vmax = o.heat_max;
			ho.f32 = o.dtype == ATTN_F32;
			if (o.show)
				heat_term(1, &ho.color, &ho.width);
			if (heat_start(&heat, &p, qlp, klp, &ho, &e) != 0)
				goto fail;
		}
		if (run_plan(&p, pool, o.dtype, o.isa, out, &bar, &dead, &e) != 0 ||
		    (draw && heat_end(&heat, &e) != 0))
			goto fail;
	}
	/* fewer threads than asked (a ulimit): the same numbers */
	few = par_short(pool, &fe) != 0;
	/* All outputs or none: the workers are stopped first, so that the
	 * signals out_commit_all holds are held in every thread. */
	par_stop(pool);
	pool = NULL;
	/* an input read in place, cut or written meanwhile: no output */
	for (i = 0; !o.merge && i < IN_NROLES; i++)
		if (input_changed(&in[i].m, in[i].name, &e) != 0)
			goto fail;
	if (out_commit_all(outs, PLAN_NOUT, &e))
		goto fail;
	/* a shard's rows may see no key in its range: its LSE says so */
	/* counted in each head: a row hidden in two heads is two
	 * (--merge: each LSE value, a row of a head; padding queries of
	 * --query-lengths too, which a merge cannot tell from these) */
	if (dead > 0 && o.merge && !o.quiet)
		fprintf(stderr, "selfattn: warning: %zu log-sum-exp value%s "
		    "-inf in every shard (no key seen): %s output%s the first "
		    "shard's (0, or bo with -w --bo)\n", dead, dead == 1 ?
		    " is" : "s are", dead == 1 ? "its" : "their", dead == 1 ?
		    " is" : "s are");
	else if (dead > 0 && !o.po.has_krange && !o.quiet)
		/* 0 before WO: Y is bo there with one head; with more, the
		 * head's part of the row is 0 (the row may be hidden in
		 * some heads only, and WO mixes the heads) */
		fprintf(stderr, "selfattn: warning: %zu query row%s%s %s every "
		    "key masked: %s\n", dead, dead == 1 ? "" : "s", p.H > 1 ?
		    ", counted in each head," : "", dead == 1 ? "has" : "have",
		    p.H > 1 ? (dead == 1 ? "its weights and its head's output "
		    "are 0" : "their weights and their heads' outputs are 0") :
		    p.bo == NULL ? (dead == 1 ? "its output and weights are 0" :
		    "their output and weights are 0") : dead == 1 ?
		    "its output is bo and its weights are 0" :
		    "their output is bo and their weights are 0");
	if (few && !o.quiet)
		fprintf(stderr, "selfattn: warning: the run took %s, with the "
		    "same results\n", fe.msg);
	status = 0;
	goto done;
fail:
	/* no worker may run the signal handler while the table changes */
	par_stop(pool);
	pool = NULL;
	diag(&e);
	for (i = 0; i < PLAN_NOUT; i++)
		out_abort(&outs[i]);
done:
	par_stop(pool);
	nwatch = 0;
	free(watch);
	watch = NULL;
	if (planned)
		plan_free(&p);
	heat_free(&heat);
	label_free(&ql);
	label_free(&kl);
	for (i = 0; i < IN_NROLES; i++)
		mat_free(&in[i].m);
	return status;
}
