/*
 * fuzz_cli - libFuzzer target for the whole command line: src/main.c's
 * parse_opts and check_combination, then input loading, plan_make,
 * plan_run and the writers, on small inputs.
 *
 * main.c is compiled a second time with -Dmain=selfattn_main, and the
 * fuzz input is decoded into an argv from the option table below (not
 * raw bytes: getopt would just reject most of those).  Every matrix
 * argument is small -- a generator rand:/randn: of at most 8x8, or one
 * of the fixture files written at start-up into in/ (3-D and 4-D .npy
 * tensors, masks, a text batch, broken files, and some options' own:
 * query padding, query lengths, RoPE inverse frequencies, valid and
 * not) -- so no run computes a large output.  Labels come from fixture
 * files of hard cases (wide, combining, joined and right-to-left
 * characters, control bytes, bad UTF-8, a long line) or raw bytes;
 * pictures go to .svg, .html or --show.  A few arguments are raw
 * bytes of the input (numbers, option names), filtered so that they can
 * name no other file and no large generator.  Outputs go to the current
 * folder, a fresh temporary folder, to /dev/null, a symlink or a
 * folder.
 *
 * Checked: the exit status is 0, 1 or 2; no temporary file
 * (*.selfattn-*) is left behind; when the first byte is odd and the run
 * succeeded with its outputs in files, runs with -j 1 and -j 3 write
 * byte-identical files.  ASan/UBSan/LeakSanitizer check the rest.
 * With FUZZ_CLI_SHOW set, each command line and its exit status are
 * printed (to turn a crash file into a selfattn command).
 */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/common_interface_defs.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mat.h"
#include "npyw.h"

int selfattn_main(int argc, char *argv[]);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

extern int optind;

#define MAXARG 64

/* MAT: a matrix argument (see matrix()); ATMAT: one attached as
 * "--opt=@FILE" (--rope's inverse frequencies). */
enum kind { MAT, ATMAT, NUM, WORD, FLAG, OPTWORD, OUT, RAW, LABELS, PIC };

static const char *const causal_w[] = { "top-left", "bottom-right", "x" };
static const char *const layout_w[] = { "row", "torch", "col" };
static const char *const pos_w[] = { "sinusoidal", "learned" };
static const char *const score_w[] = { "dot", "general", "additive", "" };
static const char *const dtype_w[] = { "f64", "f32", "f16" };
static const char *const fmt_w[] = { "csv", "tsv", "txt", "npy", "json" };
static const char *const rope_w[] = { "10000", "500000", "1", "2.5", "nan",
    "inf", "1e400", "-3", "" };

/* An option's own fixtures (files written at start-up), which matrix()
 * draws besides the shared ones: right for the common n = 3, B = 2,
 * dk = 4 of the other fixtures and of the seeds, or wrong in one way. */
static const char *const qpad_f[] = {
	"in/qpad.csv",		/* (3) 0 1 0: a padding query inside */
	"in/qpadl.csv",		/* (2, 3): left padding of a batch */
	"in/qpadall.csv",	/* (3) all padding */
	"in/qpadcol.csv",	/* 3x1: a column */
	"in/qpad5.npy",		/* (2, 5) 0/1, for n = 5 */
	"in/qpad3d.npy",	/* (2, 1, 3): too many dimensions */
	"in/qpadbad.csv",	/* (3) with a 2 */
	"in/qpadnan.csv",	/* (3) nan, 0, -0 */
};
static const char *const qlen_f[] = {
	"in/qlen.csv",		/* (2) 3 1 */
	"in/qlen0.csv",		/* (2) 0 2: a sequence of padding only */
	"in/qlen1.csv",		/* (1) 2 */
	"in/qlen.npy",		/* (2) 1 3 */
	"in/qlenbad.csv",	/* (2) 1.5 -1: not whole numbers >= 0 */
	"in/qlenbig.csv",	/* (2) 4 1e300: longer than n */
	"in/qlennan.csv",	/* (2) nan inf */
	"in/qlen2d.csv",	/* 2x2: not a vector */
};
static const char *const rope_f[] = {
	"in/rope1.csv",		/* (1): partial rotation */
	"in/rope2.csv",		/* a column of 2: whole heads of dk = 4 */
	"in/rope2.npy",		/* (2) 1 1/101 */
	"in/rope4.csv",		/* (4): whole heads of 8, too many for 4 */
	"in/ropebig.csv",	/* 1e308 -1e308: finite, angles overflow */
	"in/ropenan.csv",	/* 1 nan */
	"in/ropeeps.csv",	/* 0 -1: zero and negative */
	"in/rope2x2.csv",	/* 2x2: not a vector */
	"",			/* "--rope=@": no file name */
};

static const struct optdef {
	const char *name;
	enum kind kind;
	const char *const *words;	/* WORD, OPTWORD: the words; MAT,
					 * ATMAT: the option's own fixtures */
	int nwords;
} opts[] = {
	{ "-x", MAT, NULL, 0 }, { "-q", MAT, NULL, 0 },
	{ "-k", MAT, NULL, 0 }, { "-v", MAT, NULL, 0 },
	{ "-w", MAT, NULL, 0 }, { "-Q", MAT, NULL, 0 },
	{ "-K", MAT, NULL, 0 }, { "-V", MAT, NULL, 0 },
	{ "--memory", MAT, NULL, 0 }, { "--bq", MAT, NULL, 0 },
	{ "--bk", MAT, NULL, 0 }, { "--bv", MAT, NULL, 0 },
	{ "--bo", MAT, NULL, 0 }, { "--in-proj", MAT, NULL, 0 },
	{ "--in-proj-bias", MAT, NULL, 0 }, { "--mask", MAT, NULL, 0 },
	{ "--key-padding", MAT, NULL, 0 }, { "--wa", MAT, NULL, 0 },
	{ "--ua", MAT, NULL, 0 }, { "--va", MAT, NULL, 0 },
	{ "-H", NUM, NULL, 0 }, { "--kv-heads", NUM, NULL, 0 },
	{ "-s", NUM, NULL, 0 }, { "--window", NUM, NULL, 0 },
	{ "--seed", NUM, NULL, 0 }, { "-p", NUM, NULL, 0 },
	{ "-j", NUM, NULL, 0 },
	{ "--causal", OPTWORD, causal_w, 3 },
	{ "--rope", OPTWORD, rope_w, 9 },
	{ "--layout", WORD, layout_w, 3 }, { "--pos", WORD, pos_w, 2 },
	{ "--score", WORD, score_w, 4 }, { "--dtype", WORD, dtype_w, 3 },
	{ "-f", WORD, fmt_w, 5 },
	{ "--average-weights", FLAG, NULL, 0 }, { "-c", FLAG, NULL, 0 },
	{ "--help", FLAG, NULL, 0 }, { "--version", FLAG, NULL, 0 },
	{ "-o", OUT, NULL, 0 }, { "-a", OUT, NULL, 0 },
	{ "--labels", LABELS, NULL, 0 }, { "--key-labels", LABELS, NULL, 0 },
	{ "--heatmap", PIC, NULL, 0 }, { "--show", FLAG, NULL, 0 },
	{ "--batch-index", NUM, NULL, 0 },
	{ "--query-padding", MAT, qpad_f, 8 },
	{ "--query-lengths", MAT, qlen_f, 8 },
	{ "--rope", ATMAT, rope_f, 9 },
	{ NULL, RAW, NULL, 0 },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

/* Matrix arguments besides the generators: files written at start-up,
 * and specs that must be rejected. */
static const char *const fixtures[] = {
	"in/x3.npy",	/* (2, 3, 4) batch of X */
	"in/q3.npy",	/* (2, 3, 4) H=2 heads, n=3, dk=4 */
	"in/k3.npy",	/* (2, 5, 4) */
	"in/v3.npy",	/* (2, 5, 3) */
	"in/q4.npy",	/* (2, 2, 3, 4) B=2, H=2 */
	"in/k4.npy",	/* (2, 2, 5, 4) */
	"in/v4.npy",	/* (2, 2, 5, 3) */
	"in/kg4.npy",	/* (2, 1, 5, 4) one kv head */
	"in/vg4.npy",	/* (2, 1, 5, 3) */
	"in/mask3.npy",	/* (2, 3, 5) 0/1 */
	"in/mask4.npy",	/* (2, 1, 3, 5) with -inf */
	"in/kpad.npy",	/* (2, 3) 0/1 */
	"in/kpad5.npy",	/* (2, 5) 0/1 */
	"in/vec.npy",	/* (4) */
	"in/zero.npy",	/* (0, 4) */
	"in/x.csv",	/* 2 blocks of 3x4 */
	"in/mask.csv",	/* 3x5 0/1 */
	"in/bad.csv",	/* not numbers */
	"in/empty.csv",	/* nothing */
	"in/nan.csv",	/* 3x4 with nan and inf */
	"in/nope.csv",	/* does not exist */
	"in",		/* a folder */
	"rand:0x3", "rand:3x", "randn:", "rand:2x2x2", "randn:x4",
	"rand:99999999999999999999x1", "rand:18446744073709551615",
};
#define NFIX ((int)(sizeof fixtures / sizeof fixtures[0]))

static const char *const outs[] = {
	"y.csv", "y.npy", "y.txt", "y.tsv", "y", "w.csv", "w.npy",
	"/dev/null", "-", "link.csv", "in", "no/such/dir/y.csv", "y.csv",
	"w.npy",
};
#define NOUTS ((int)(sizeof outs / sizeof outs[0]))

/* Labels: fixture files of hard cases (wide, combining, joined and
 * right-to-left characters, control bytes, bad UTF-8, a long line),
 * else raw bytes as words. */
static const char *const labfiles[] = {
	"@in/lab3.txt", "@in/lab5.txt", "@in/labx.txt", "@in/nope.txt",
};
#define NLAB ((int)(sizeof labfiles / sizeof labfiles[0]))

static const char *const pics[] = {
	"h.svg", "h.html", "H.SVG", "h.png", "-", "no/such/dir/h.svg",
};
#define NPICS ((int)(sizeof pics / sizeof pics[0]))

static const char *const nums[] = {
	"18446744073709551615", "18446744073709551616", "-1", "1e3", "",
	"0x10", " 3", "9999999999", "4294967296", "4294967295", "1025",
	"1024", "17", "18", "none", "nan", "inf", "-inf", "1e-320", "-0",
	"0.5", "1e308", "9223372036854775807", "9223372036854775808",
};
#define NNUMS ((int)(sizeof nums / sizeof nums[0]))

static const uint8_t *in;
static size_t inlen, at;
static int saved_err = -1, devnull = -1, home = -1, show;
static char dir[] = "/tmp/fuzz_cli.XXXXXX";

static unsigned
next(void)
{
	return at < inlen ? in[at++] : 0;
}

/* Strings live in one arena per input. */
static char arena[8192];
static size_t arena_at;

static char *
keep(const char *s, size_t n)
{
	char *p;

	if (arena_at + n + 1 > sizeof arena)
		return NULL;
	p = arena + arena_at;
	memcpy(p, s, n);
	p[n] = '\0';
	arena_at += n + 1;
	return p;
}

/* Up to 15 raw bytes of the input, or NULL if they could name a file
 * other than ours or a generator: no '/', no "rand", not "-". */
static char *
raw(void)
{
	size_t n = next() % 16, i;
	char s[16];

	for (i = 0; i < n; i++) {
		s[i] = (char)next();
		if (s[i] == '\0' || s[i] == '/')
			return NULL;
	}
	if (n == 1 && s[0] == '-')
		return NULL;
	for (i = 0; i + 3 < n; i++)
		if (strncmp(s + i, "rand", 4) == 0)
			return NULL;
	return keep(s, n);
}

/* A matrix argument for option o: a generator of at most 8x8, one of
 * the shared fixtures, or (bit 7 of the first byte set) one of o's own
 * fixtures if it has any. */
static char *
matrix(const struct optdef *o)
{
	unsigned c = next(), r = next() % 8 + 1, k = next() % 8 + 1;
	const char *f;
	char s[32];

	switch (c % 4) {
	case 0:
	case 1:
		snprintf(s, sizeof s, "%s:%ux%u", c & 4 ? "randn" : "rand", r,
		    k);
		break;
	case 2:
		snprintf(s, sizeof s, "%s:%u", c & 4 ? "randn" : "rand", r);
		break;
	default:
		if (o->nwords > 0 && (c & 128))
			f = o->words[(c & 127) / 4 % (unsigned)o->nwords];
		else
			f = fixtures[(c / 4) % NFIX];
		return keep(f, strlen(f));
	}
	return keep(s, strlen(s));
}

static char *
number(void)
{
	unsigned c = next();
	char s[16];

	if (c < 200) {
		snprintf(s, sizeof s, "%u", c % 10);
		return keep(s, strlen(s));
	}
	if (c < 240)
		return keep(nums[(c - 200) % NNUMS], strlen(nums[(c - 200) %
		    NNUMS]));
	return raw();
}

/* Decode the input into argv; returns argc. */
static int
decode(char **argv)
{
	int argc = 1, form;
	const struct optdef *o;
	char *a, *v;
	char s[64];

	argv[0] = keep("selfattn", 8);
	while (at < inlen && argc < MAXARG - 4) {
		o = &opts[next() % NOPTS];
		form = (int)next() % 4;	/* 3: the "--opt=value" form */
		v = NULL;
		switch (o->kind) {
		case MAT:
			v = matrix(o);
			break;
		case ATMAT:
			/* attached, as an optional argument must be */
			if ((v = matrix(o)) == NULL)
				continue;
			snprintf(s, sizeof s, "%s=@%s", o->name, v);
			if ((a = keep(s, strlen(s))) != NULL)
				argv[argc++] = a;
			continue;
		case NUM:
			v = number();
			break;
		case WORD:
			v = keep(o->words[form % o->nwords],
			    strlen(o->words[form % o->nwords]));
			break;
		case OPTWORD:
			if (form == 3) {
				snprintf(s, sizeof s, "%s=%s", o->name,
				    o->words[next() % o->nwords]);
				argv[argc++] = keep(s, strlen(s));
			} else
				argv[argc++] = keep(o->name, strlen(o->name));
			continue;
		case FLAG:
			argv[argc++] = keep(o->name, strlen(o->name));
			continue;
		case OUT:
			v = (char *)outs[next() % NOUTS];
			v = keep(v, strlen(v));
			break;
		case LABELS:
			if (form < 2) {
				v = (char *)labfiles[next() % NLAB];
				v = keep(v, strlen(v));
			} else
				v = raw();
			break;
		case PIC:
			v = (char *)pics[next() % NPICS];
			v = keep(v, strlen(v));
			break;
		case RAW:
			if ((a = raw()) != NULL)
				argv[argc++] = a;
			continue;
		}
		if (v == NULL)
			continue;
		if (form == 3 && o->name[1] == '-') {
			snprintf(s, sizeof s, "%s=%s", o->name, v);
			if ((a = keep(s, strlen(s))) != NULL)
				argv[argc++] = a;
		} else {
			argv[argc++] = keep(o->name, strlen(o->name));
			argv[argc++] = v;
		}
	}
	argv[argc] = NULL;
	return argc;
}

static void
check(int ok, const char *what, char **argv)
{
	int i;

	if (ok)
		return;
	fprintf(stderr, "fuzz_cli: %s:", what);
	for (i = 0; argv[i] != NULL; i++)
		fprintf(stderr, " '%s'", argv[i]);
	fprintf(stderr, "\n");
	abort();
}

/* selfattn's main catches signals (to remove its temporary files)
 * where they have their default action, leaving libFuzzer's handlers
 * (SIGALRM for its -timeout, SIGINT, SIGTERM, SIGUSR1/2...) alone.
 * Every signal's action is put back after each run, so that every run
 * starts alike (those that cannot be changed, SIGKILL, SIGSTOP and
 * libc's own, are refused harmlessly). */
#ifndef NSIG		/* not POSIX: glibc defines it with _DEFAULT_SOURCE */
#define NSIG 65
#endif

static int
run(int argc, char **argv)
{
	struct sigaction old[NSIG];
	int rc, i;

	memset(old, 0, sizeof old);
	for (i = 1; i < NSIG; i++)
		sigaction(i, NULL, &old[i]);
	fflush(stdout);
	dup2(devnull, 2);
	optind = 0;		/* glibc: start getopt afresh */
	rc = selfattn_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_err, 2);
	for (i = 1; i < NSIG; i++)
		sigaction(i, &old[i], NULL);
	return rc;
}

/* Is there a *.selfattn-* file here?  Remove every file but in/ (and
 * make link.csv a symlink to an empty target.csv again) when clean. */
static int
sweep(int clean)
{
	DIR *d = opendir(".");
	struct dirent *de;
	int tmp = 0;

	if (d == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "in") == 0)
			continue;
		if (strstr(de->d_name, ".selfattn-") != NULL)
			tmp = 1;
		if (clean)
			unlink(de->d_name);
	}
	closedir(d);
	if (clean && (symlink("target.csv", "link.csv") != 0 ||
	    close(open("target.csv", O_WRONLY | O_CREAT, 0644)) != 0))
		abort();
	return tmp;
}

static int
slurp(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, r;
	char *b = malloc(cap);

	if (f == NULL || b == NULL) {
		if (f)
			fclose(f);
		free(b);
		return -1;
	}
	while ((r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(b, cap *= 2);

			if (nb == NULL) {
				free(b);
				fclose(f);
				return -1;
			}
			b = nb;
		}
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

/* The output files of a run: plain names in this folder. */
static int
outputs(char **argv, const char **names)
{
	int i, k = 0;

	for (i = 1; argv[i] != NULL; i++) {
		const char *v = NULL;

		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "-a") == 0)
		    && argv[i + 1] != NULL)
			v = argv[++i];
		else if (strncmp(argv[i], "-o", 2) == 0 ||
		    strncmp(argv[i], "-a", 2) == 0)
			return -1;	/* -oFILE from raw bytes: skip */
		if (v != NULL && k < 8)
			names[k++] = strcmp(v, "link.csv") == 0 ?
			    "target.csv" : v;
	}
	return k;
}

/* Run again with -j T appended; the files must be the same bytes. */
static void
same_with_threads(int argc, char **argv, char **ref, size_t *reflen,
    const char **names, int k, const char *t)
{
	char *av[MAXARG + 3];
	char *b;
	size_t n;
	int i, rc;

	memcpy(av, argv, (size_t)argc * sizeof *av);
	av[argc] = (char *)"-j";
	av[argc + 1] = (char *)t;
	av[argc + 2] = NULL;
	rc = run(argc + 2, av);
	check(rc == 0, "fails with another -j", av);
	for (i = 0; i < k; i++) {
		if (ref[i] == NULL)
			continue;
		check(slurp(names[i], &b, &n) == 0, "output missing", av);
		check(n == reflen[i] && memcmp(b, ref[i], n) == 0,
		    "output differs with another -j", av);
		free(b);
	}
}

static void one(const uint8_t *data, size_t size);

/* Runs happen in the working folder; libFuzzer's paths are relative to
 * where it started. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (chdir(dir) != 0)
		abort();
	one(data, size);
	if (fchdir(home) != 0)
		abort();
	return 0;
}

static void
one(const uint8_t *data, size_t size)
{
	char *argv[MAXARG + 1];
	char *ref[8];
	size_t reflen[8];
	const char *names[8];
	int argc, rc, i, k;

	in = data;
	inlen = size;
	at = 1;
	arena_at = 0;
	argc = decode(argv);
	for (i = 1; i < argc; i++)
		if (argv[i] == NULL)
			return;		/* arena full */
	if (show) {
		for (i = 0; i < argc; i++)
			dprintf(saved_err, "%s'%s'", i ? " " : "", argv[i]);
		dprintf(saved_err, "\n");
	}
	sweep(1);
	rc = run(argc, argv);
	if (show)
		dprintf(saved_err, "exit %d\n", rc);
	check(rc == 0 || rc == 1 || rc == 2, "exit status not 0, 1 or 2",
	    argv);
	check(!sweep(0), "a temporary file is left", argv);
	if (rc == 0 && size > 0 && (data[0] & 1) &&
	    (k = outputs(argv, names)) > 0) {
		for (i = 0; i < k; i++) {
			ref[i] = NULL;
			if (strcmp(names[i], "/dev/null") != 0 &&
			    strcmp(names[i], "-") != 0 &&
			    slurp(names[i], &ref[i], &reflen[i]) != 0)
				ref[i] = NULL;
		}
		same_with_threads(argc, argv, ref, reflen, names, k, "1");
		same_with_threads(argc, argv, ref, reflen, names, k, "3");
		for (i = 0; i < k; i++)
			free(ref[i]);
		check(!sweep(0), "a temporary file is left", argv);
	}
}

static void
put_npy(const char *path, const struct mat_shape *sh, double (*f)(size_t))
{
	unsigned char hdr[256];
	size_t n = 1, i, hl;
	int d;
	FILE *fp;

	for (d = 0; d < sh->ndim; d++)
		n *= sh->dim[d];
	hl = npyw_header(hdr, sizeof hdr, sh);
	if (hl == 0 || (fp = fopen(path, "wb")) == NULL)
		abort();
	fwrite(hdr, 1, hl, fp);
	for (i = 0; i < n; i++) {
		double x = f(i);

		fwrite(&x, sizeof x, 1, fp);
	}
	fclose(fp);
}

static double
val(size_t i)
{
	return (double)((i * 7919) % 23) / 11.0 - 1.0;
}

static double
bit(size_t i)
{
	return (double)((i * 5 + 1) % 3 != 0);
}

static double
ninf(size_t i)
{
	return i % 4 == 1 ? -INFINITY : val(i);
}

/* 1, 3, 1, 3...: query lengths for n = 3 */
static double
whole(size_t i)
{
	return (double)(i % 2 * 2 + 1);
}

/* 1, 1/101, 1/201...: inverse frequencies */
static double
invf(size_t i)
{
	return 1.0 / (double)(1 + 100 * i);
}

static void
put_text(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		abort();
	fputs(s, fp);
	fclose(fp);
}

static struct mat_shape
shp(int nd, size_t a, size_t b, size_t c, size_t d)
{
	struct mat_shape s;

	memset(&s, 0, sizeof s);
	s.ndim = nd;
	s.dim[0] = a;
	s.dim[1] = b;
	s.dim[2] = c;
	s.dim[3] = d;
	return s;
}

/* At exit, remove the working folder. */
static void
cleanup(void)
{
	DIR *d;
	struct dirent *de;
	char p[64];

	if (chdir(dir) != 0)
		return;
	sweep(1);		/* which makes link.csv and target.csv again */
	unlink("link.csv");
	unlink("target.csv");
	if ((d = opendir("in")) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.' && strlen(de->d_name) < 32) {
				snprintf(p, sizeof p, "in/%s", de->d_name);
				unlink(p);
			}
		closedir(d);
	}
	rmdir("in");
	if (chdir("/") == 0)
		rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct mat_shape s;

	(void)argc;
	(void)argv;
	if ((home = open(".", O_RDONLY | O_DIRECTORY)) < 0 ||
	    mkdtemp(dir) == NULL || chdir(dir) != 0 || mkdir("in", 0755) != 0)
		abort();
	atexit(cleanup);
	show = getenv("FUZZ_CLI_SHOW") != NULL;
	setenv("SELFATTN_THREADS", "2", 1);
	s = shp(3, 2, 3, 4, 0); put_npy("in/x3.npy", &s, val);
	s = shp(3, 2, 3, 4, 0); put_npy("in/q3.npy", &s, val);
	s = shp(3, 2, 5, 4, 0); put_npy("in/k3.npy", &s, val);
	s = shp(3, 2, 5, 3, 0); put_npy("in/v3.npy", &s, val);
	s = shp(4, 2, 2, 3, 4); put_npy("in/q4.npy", &s, val);
	s = shp(4, 2, 2, 5, 4); put_npy("in/k4.npy", &s, val);
	s = shp(4, 2, 2, 5, 3); put_npy("in/v4.npy", &s, val);
	s = shp(4, 2, 1, 5, 4); put_npy("in/kg4.npy", &s, val);
	s = shp(4, 2, 1, 5, 3); put_npy("in/vg4.npy", &s, val);
	s = shp(3, 2, 3, 5, 0); put_npy("in/mask3.npy", &s, bit);
	s = shp(4, 2, 1, 3, 5); put_npy("in/mask4.npy", &s, ninf);
	s = shp(2, 2, 3, 0, 0); put_npy("in/kpad.npy", &s, bit);
	s = shp(2, 2, 5, 0, 0); put_npy("in/kpad5.npy", &s, bit);
	s = shp(1, 4, 0, 0, 0); put_npy("in/vec.npy", &s, val);
	s = shp(2, 0, 4, 0, 0); put_npy("in/zero.npy", &s, val);
	put_text("in/x.csv", "1,2,3,4\n5,6,7,8\n9,0,1,2\n\n"
	    "3,4,5,6\n7,8,9,0\n1,2,3,4\n");
	put_text("in/mask.csv", "1,0,1,1,0\n1,1,1,1,1\n0,0,0,0,0\n");
	put_text("in/bad.csv", "a,b\nc,d\n");
	put_text("in/lab3.txt", "\xe7\x8c\xab\xe3\x81\x8c\n"
	    "e\xcc\x81\xcc\x81\xe2\x80\x8d\n\xf0\x9f\x87\xab\xf0\x9f\x87"
	    "\xb7\xd9\x85\xd8\xb1\n");
	put_text("in/lab5.txt", "\x1b[2J\n\xff\xfe\xe2\x80\n<svg onload=x>"
	    "\n&amp;\"'\n\r\n");
	{
		/* one long label of mixed widths, and 2 more */
		char lx[3000];
		size_t i;

		for (i = 0; i + 8 < sizeof lx - 16; i += 8)
			memcpy(lx + i, "W\xe6\x9d\xb1" "a\xcc\x81\xe2", 8);
		memcpy(lx + i, "\x8d\n-\n\n", 6);
		put_text("in/labx.txt", lx);
	}
	put_text("in/empty.csv", "");
	put_text("in/nan.csv", "nan,1,2,3\ninf,-inf,0,1\n1,2,3,4\n");
	/* --query-padding, --query-lengths, --rope=@ (see qpad_f...) */
	put_text("in/qpad.csv", "0,1,0\n");
	put_text("in/qpadl.csv", "1,1,0\n0,0,0\n");
	put_text("in/qpadall.csv", "1,1,1\n");
	put_text("in/qpadcol.csv", "0\n0\n1\n");
	s = shp(2, 2, 5, 0, 0); put_npy("in/qpad5.npy", &s, bit);
	s = shp(3, 2, 1, 3, 0); put_npy("in/qpad3d.npy", &s, bit);
	put_text("in/qpadbad.csv", "0,2,1\n");
	put_text("in/qpadnan.csv", "nan,0,-0\n");
	put_text("in/qlen.csv", "3\n1\n");
	put_text("in/qlen0.csv", "0\n2\n");
	put_text("in/qlen1.csv", "2\n");
	s = shp(1, 2, 0, 0, 0); put_npy("in/qlen.npy", &s, whole);
	put_text("in/qlenbad.csv", "1.5,-1\n");
	put_text("in/qlenbig.csv", "4,1e300\n");
	put_text("in/qlennan.csv", "nan,inf\n");
	put_text("in/qlen2d.csv", "1,2\n3,0\n");
	put_text("in/rope1.csv", "0.5\n");
	put_text("in/rope2.csv", "1\n0.01\n");
	s = shp(1, 2, 0, 0, 0); put_npy("in/rope2.npy", &s, invf);
	put_text("in/rope4.csv", "1,0.5,0.25,0.125\n");
	put_text("in/ropebig.csv", "1e308,-1e308\n");
	put_text("in/ropenan.csv", "1,nan\n");
	put_text("in/ropeeps.csv", "0,-1\n");
	put_text("in/rope2x2.csv", "1,2\n3,4\n");
	/* Standard input is empty: "-x -" (or "-x-" from raw bytes) must
	 * not wait for a terminal. */
	if ((devnull = open("/dev/null", O_RDWR)) < 0 ||
	    (saved_err = dup(2)) < 0 || dup2(devnull, 1) < 0 ||
	    dup2(devnull, 0) < 0)
		abort();
	/* Sanitizer reports go to the real stderr, which runs hide. */
	__sanitizer_set_report_fd((void *)(intptr_t)saved_err);
	if (fchdir(home) != 0)
		abort();
	return 0;
}
