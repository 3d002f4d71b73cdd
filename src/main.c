/*
 * selfattn - compute attention on matrix files.
 *
 * main() reads the options, loads the inputs in a fixed order (so that
 * generators draw as NumPy would), lets plan.c check and compute, and
 * hands the results to the writers.  It alone prints diagnostics and
 * chooses the exit status: 0 success, 1 bad data or I/O, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "num.h"
#include "out.h"
#include "plan.h"

#define VERSION "1.0.0"
#define EXIT_DATA 1
#define EXIT_USAGE 2
#define MAX_THREADS 1024
#define MAX_THREADS_STR "1024"

static const char usage_text[] =
"usage: selfattn -x X -q WQ -k WK -v WV [-w WO] [options]\n"
"       selfattn -Q Q -K K -V V [-w WO] [options]\n";

static const char help_text[] =
"Compute scaled dot-product attention on matrix files.\n"
"\n"
"  Y = Concat(head_1..head_H)·WO,  head_h = softmax(Q_h·K_hᵀ·scale)·V_h\n"
"  with Q = X·WQ, K = X·WK, V = X·WV (or Q, K, V given directly).\n"
"\n"
"Inputs (FILE: CSV, TSV, blank-separated text or .npy; '-' is stdin;\n"
"or a generator rand:RxC / randn:RxC drawn as NumPy's legacy stream):\n"
"  -x, --input FILE      input embeddings X (n x d)\n"
"  -q, --wq FILE         query weights WQ (d x H*dk)\n"
"  -k, --wk FILE         key weights WK (d x H*dk)\n"
"  -v, --wv FILE         value weights WV (d x H*dv)\n"
"  -w, --wo FILE         output projection WO (H*dv x d_out), optional\n"
"  -Q, --queries FILE    queries Q (n x H*dk), instead of -x -q -k -v\n"
"  -K, --keys FILE       keys K (m x H*dk)\n"
"  -V, --values FILE     values V (m x H*dv)\n"
"\n"
"Attention:\n"
"  -H, --heads N         split Q, K, V columns into N heads (default 1)\n"
"  -s, --scale X|none    multiply scores by X (default 1/sqrt(dk));\n"
"                        none is 1, the lessons' unscaled softmax\n"
"      --seed S          seed for rand:/randn: inputs (default 0)\n"
"\n"
"Output:\n"
"  -o, --output FILE     write Y to FILE (default: standard output)\n"
"  -a, --weights FILE    write the attention weights (H x n x m) to FILE\n"
"  -f, --format FMT      csv, tsv, txt or npy for standard output and\n"
"                        for files without a known extension (default csv)\n"
"  -p, --precision N     N significant digits (1-17; default: shortest\n"
"                        text that reads back to the same double)\n"
"\n"
"Computation:\n"
"  -j, --threads N       worker threads (default: $SELFATTN_THREADS, or the\n"
"                        number of online processors); results do not\n"
"                        depend on N\n"
"      --dtype f64|f32   compute in double (default) or single precision\n"
"\n"
"  -h, --help            print this help and exit\n"
"      --version         print the version and exit\n"
"\n"
"Exit status: 0 success, 1 bad data or I/O error, 2 bad usage.\n"
"See selfattn(1).\n";

enum { OPT_SEED = 256, OPT_VERSION, OPT_DTYPE };

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
	{ "threads", required_argument, NULL, 'j' },
	{ "dtype", required_argument, NULL, OPT_DTYPE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* The option letter of each matrix role, in enum plan_role order. */
static const char role_opt[IN_NROLES + 1] = "xqkvwQKV";

struct opts {
	const char *spec[IN_NROLES];	/* matrix arguments as given */
	size_t heads;
	int has_scale;
	double scale;
	uint32_t seed;
	const char *output, *weights;
	enum out_fmt fmt;
	int prec;
	int threads;
	enum attn_dtype dtype;
};

/* Temporary output files, removed if a signal ends the run. */
static struct out *live_out[2];

static void
on_signal(int sig)
{
	int i;

	for (i = 0; i < 2; i++)
		if (live_out[i] != NULL && live_out[i]->tmp != NULL)
			unlink(live_out[i]->tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The one place a diagnostic is printed. */
static void
diag(const struct err *e)
{
	char buf[1024];

	fprintf(stderr, "selfattn: %s\n", err_format(e, buf, sizeof buf));
}

static int
usage_error(const char *fmt, const char *arg)
{
	fputs("selfattn: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%sTry 'selfattn --help' for more information.\n",
	    usage_text);
	return EXIT_USAGE;
}

/* Parse an unsigned decimal in [lo, hi]; -1 if it is not one. */
static int
parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
    unsigned long long *v)
{
	unsigned long long x = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (ULLONG_MAX - 9) / 10)
			return -1;
		x = x * 10 + (unsigned long long)(*s - '0');
	}
	if (x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

/* Do paths a and b name one regular file (or one future file)?  Two
 * outputs may share a device such as /dev/null. */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return strcmp(a, b) == 0;
	return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino;
}

/* Fill o from argv; returns 0 or the exit status of a usage error. */
static int
parse_opts(int argc, char *argv[], struct opts *o)
{
	unsigned long long u;
	struct shape sh;
	struct err e;
	const char *p;
	int c, i, nstdin = 0;

	memset(o, 0, sizeof *o);
	o->heads = 1;
	o->fmt = OUT_CSV;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":x:q:k:v:w:Q:K:V:H:s:o:a:f:p:j:h",
	    longopts, NULL)) != -1) {
		if (c > 0 && c < CHAR_MAX && (p = strchr(role_opt, c)) != NULL) {
			if (o->spec[p - role_opt] != NULL)
				return usage_error("option -%s given twice",
				    (char[]){ (char)c, '\0' });
			o->spec[p - role_opt] = optarg;
			continue;
		}
		switch (c) {
		case 'H':
			if (parse_uint(optarg, 1, SIZE_MAX, &u) != 0)
				return usage_error("-H expects a number of "
				    "heads >= 1, found \"%s\"", optarg);
			o->heads = (size_t)u;
			break;
		case 's':
			if (strcmp(optarg, "none") == 0)
				o->scale = 1;
			else if (num_parse(optarg, strlen(optarg), &o->scale)
			    != 0 || o->scale != o->scale ||
			    o->scale - o->scale != 0)
				return usage_error("-s expects a finite number "
				    "or \"none\", found \"%s\"", optarg);
			o->has_scale = 1;
			break;
		case OPT_SEED:
			if (parse_uint(optarg, 0, UINT32_MAX, &u) != 0)
				return usage_error("--seed expects an integer "
				    "from 0 to 4294967295, found \"%s\"",
				    optarg);
			o->seed = (uint32_t)u;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'a':
			o->weights = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				o->fmt = OUT_CSV;
			else if (strcmp(optarg, "tsv") == 0)
				o->fmt = OUT_TSV;
			else if (strcmp(optarg, "txt") == 0)
				o->fmt = OUT_TXT;
			else if (strcmp(optarg, "npy") == 0)
				o->fmt = OUT_NPY;
			else
				return usage_error("-f expects csv, tsv, txt "
				    "or npy, found \"%s\"", optarg);
			break;
		case 'p':
			if (parse_uint(optarg, 1, 17, &u) != 0)
				return usage_error("-p expects a number of "
				    "digits from 1 to 17, found \"%s\"", optarg);
			o->prec = (int)u;
			break;
		case 'j':
			if (parse_uint(optarg, 1, MAX_THREADS, &u) != 0)
				return usage_error("-j expects a number of "
				    "threads from 1 to " MAX_THREADS_STR
				    ", found \"%s\"", optarg);
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
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			return -1;
		case OPT_VERSION:
			printf("selfattn %s\n", VERSION);
			return -1;
		case ':':
			return usage_error("option %s needs an argument",
			    argv[optind - 1]);
		default:
			return usage_error("unknown option %s",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (o->threads == 0 && (p = getenv("SELFATTN_THREADS")) != NULL) {
		if (parse_uint(p, 1, MAX_THREADS, &u) != 0)
			return usage_error("SELFATTN_THREADS expects a number of "
			    "threads from 1 to " MAX_THREADS_STR ", found \"%s\"",
			    p);
		o->threads = (int)u;
	}
	if (o->threads == 0) {
		long np = sysconf(_SC_NPROCESSORS_ONLN);

		o->threads = np < 1 ? 1 : np > MAX_THREADS ? MAX_THREADS :
		    (int)np;
	}
	if (o->spec[IN_X] || o->spec[IN_WQ] || o->spec[IN_WK] ||
	    o->spec[IN_WV]) {
		static const char *const need[] = { "-x", "-q", "-k", "-v" };

		for (i = IN_Q; i <= IN_V; i++)
			if (o->spec[i] != NULL)
				return usage_error("-%s cannot be combined "
				    "with -x, -q, -k, -v", (char[]){ role_opt[i],
				    '\0' });
		for (i = IN_X; i <= IN_WV; i++)
			if (o->spec[i] == NULL)
				return usage_error("missing %s: self-attention"
				    " needs -x, -q, -k and -v", need[i]);
	} else if (o->spec[IN_Q] || o->spec[IN_K] || o->spec[IN_V]) {
		static const char *const need[] = { "-Q", "-K", "-V" };

		for (i = IN_Q; i <= IN_V; i++)
			if (o->spec[i] == NULL)
				return usage_error("missing %s: attention on "
				    "given queries needs -Q, -K and -V",
				    need[i - IN_Q]);
	} else
		return usage_error("%s", "no input: give -x, -q, -k, -v or "
		    "-Q, -K, -V");
	for (i = 0; i < IN_NROLES; i++) {
		if (o->spec[i] == NULL)
			continue;
		if (strcmp(o->spec[i], "-") == 0 && nstdin++)
			return usage_error("%s", "standard input ('-') can "
			    "be read by one option only");
		if (input_is_generator(o->spec[i]) &&
		    input_generator(o->spec[i], &sh, &e) < 0)
			return usage_error("%s", e.msg);
	}
	if (o->weights != NULL) {
		int wstd = strcmp(o->weights, "-") == 0;
		int ostd = o->output == NULL || strcmp(o->output, "-") == 0;

		if (wstd && ostd)
			return usage_error("%s", "-a - writes the weights to "
			    "standard output: give the output a file with -o");
		if (!wstd && !ostd && same_file(o->weights, o->output))
			return usage_error("-o and -a name the same file "
			    "\"%s\"", o->output);
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
	struct out out, wout;
	struct err e;
	size_t dead = 0;
	int rc, i, status = EXIT_DATA;

	if ((rc = parse_opts(argc, argv, &o)) != 0) {
		if (rc > 0)
			return rc;
		/* --help, --version: a filter checks its own output. */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "selfattn: <stdout>: write error: "
			    "%s\n", strerror(errno));
			return EXIT_DATA;
		}
		return 0;
	}
	memset(in, 0, sizeof in);
	memset(&out, 0, sizeof out);
	memset(&wout, 0, sizeof wout);
	out.fd = wout.fd = -1;

	/* Outputs first: a folder we cannot write to fails before any
	 * work is done.  Nothing appears under their names until the end. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (out_open(&out, o.output, out_fmt_of(o.output, o.fmt), o.prec, &e))
		goto fail;
	live_out[0] = &out;
	if (o.weights != NULL) {
		if (out_open(&wout, o.weights, out_fmt_of(o.weights, o.fmt),
		    o.prec, &e))
			goto fail;
		live_out[1] = &wout;
	}

	rng_seed(&rng, o.seed);
	for (i = 0; i < IN_NROLES; i++) {
		if (o.spec[i] == NULL)
			continue;
		in[i].name = strcmp(o.spec[i], "-") == 0 ? "<stdin>" :
		    o.spec[i];
		if (input_load(o.spec[i], &rng, &in[i].m, &in[i].sh, &e) != 0)
			goto fail;
	}
	if (plan_make(&p, in, o.heads, o.has_scale ? &o.scale : NULL, &e) ||
	    plan_run(&p, in, o.threads, o.dtype, &out, o.weights ? &wout :
	    NULL, &dead, &e) || out_commit(&out, &e) ||
	    (o.weights && out_commit(&wout, &e)))
		goto fail;
	status = 0;
	goto done;
fail:
	diag(&e);
	out_abort(&out);
	out_abort(&wout);
done:
	for (i = 0; i < IN_NROLES; i++)
		mat_free(&in[i].m);
	return status;
}
