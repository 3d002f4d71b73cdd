/*
 * input.c - load one matrix argument (see input.h): read a file or
 * standard input whole, pick the reader by content, or run a generator.
 */
#define _DEFAULT_SOURCE		/* Linux's MADV_HUGEPAGE, a hint */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "npy.h"
#include "text.h"

#define STDIN_NAME "<stdin>"
#ifdef MAP_NORESERVE	/* Linux: no swap reserved for a mapping (load()) */
#define MAP_FLAGS (MAP_PRIVATE | MAP_NORESERVE)
#else
#define MAP_FLAGS MAP_PRIVATE
#endif
#define NPY_SNIFF	16	/* "\x93NUMPY" and the version, as npy_like
				 * looks at them, and what container() does
				 * (no .npy is shorter: 64 bytes at least) */

/* The line that starts at b[at]: 1 + the line ends before it. */
static unsigned long
line_of(const char *b, size_t at)
{
	const char *p = b, *end = b + at;
	unsigned long line = 1;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

/*
 * Read fd into a malloc'd *buf of *len bytes: to its end, unless it
 * starts with the .npy magic, then no further than the end of the data
 * its header declares (or of a header that npy_read refuses, which it
 * then reports); and refuse text whose last line grows past
 * TEXT_LINE_MAX, so that an endless stream, such as /dev/zero, ends in
 * a message, not in exhausted memory.  Text stops at its first NUL
 * byte, which no text holds and the parser then reports at its line and
 * column (binary from a stream, /dev/urandom, has one within a few
 * hundred bytes; it was read until memory ran out).
 */
static int
slurp(int fd, const char *name, char **buf, size_t *len, struct err *e)
{
	struct stat st;
	size_t cap = 1 << 16, n = 0, want = SIZE_MAX, ls = 0, k, ncap;
	size_t nul = 0;		/* text before it has no NUL byte */
	int npy = -1;		/* not known before the magic's length */
	char *b, *nb, *z;
	ssize_t r;

	/* A regular file tells its size: one allocation, few reads. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uintmax_t)st.st_size >= SIZE_MAX / 2)
			return err_set(e, name, 0, 0, "file too large");
		cap = (size_t)st.st_size + 1;
	}
	if ((b = malloc(cap)) == NULL)
		return err_set(e, name, 0, 0, "cannot allocate %zu bytes: %s",
		    cap, strerror(ENOMEM));
	for (;;) {
		if (npy == 1 && npy_size((unsigned char *)b, n, &want) < 0)
			break;
		if (n >= want)
			break;
		if (n == cap) {
			/* double, but not past what a .npy declares, nor
			 * past one byte more than the longest line */
			ncap = cap * 2;
			if (ncap > want)
				ncap = want;
			if (npy != 1 && ncap - ls > TEXT_LINE_MAX + 1)
				ncap = ls + TEXT_LINE_MAX + 1;
			if (cap > SIZE_MAX / 2 || (nb = realloc(b, ncap)) ==
			    NULL) {
				free(b);
				return err_set(e, name, 0, 0, "cannot allocate "
				    "%zu bytes: %s", ncap, strerror(ENOMEM));
			}
			b = nb;
			cap = ncap;
		}
		k = want - n < cap - n ? want - n : cap - n;
		/* the magic's bytes first: a .npy on a stream is then read
		 * to the end of its data and not a byte further, leaving
		 * the rest to the stream's next reader */
		if (npy < 0 && k > NPY_SNIFF - n)
			k = NPY_SNIFF - n;
		r = read(fd, b + n, k);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err_set(e, name, 0, 0, "%s", strerror(errno));
			free(b);
			return -1;
		}
		/* ls: where the last line of text starts (memchr is the
		 * quicker on a long line, the loop after many short ones) */
		if (npy != 1 && memchr(b + n, '\n', (size_t)r) != NULL) {
			for (k = n + (size_t)r; b[k - 1] != '\n'; k--)
				;
			ls = k;
		}
		n += (size_t)r;
		if (npy < 0 && n >= NPY_SNIFF)
			npy = npy_like((unsigned char *)b, n);
		if (npy == 0 && (z = memchr(b + nul, '\0', n - nul)) != NULL) {
			/* (the first NPY_SNIFF bytes kept for container();
			 * the parser reports the NUL whatever follows it) */
			k = (size_t)(z - b) + 1;
			n = k > NPY_SNIFF || n < NPY_SNIFF ? k : NPY_SNIFF;
			break;
		}
		if (npy == 0)
			nul = n;
		if (npy != 1 && n - ls > TEXT_LINE_MAX) {
			text_line_long(e, name, line_of(b, ls));
			free(b);
			return -1;
		}
	}
	*buf = b;
	*len = n;
	return 0;
}

/* What binary container buf holds, with what to do, or NULL: the files
 * a model's tensors are often saved in, which are no matrix file. */
static const char *
container(const unsigned char *b, size_t n)
{
	uint64_t h = 0;
	int i;

	if (n >= 4 && memcmp(b, "PK\3\4", 4) == 0)
		return "a zip archive (np.savez's .npz, or torch.save's .pt)";
	if (n >= 8 && memcmp(b, "\x89HDF\r\n\x1a\n", 8) == 0)
		return "an HDF5 file";
	if (n >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5)
		return "a Python pickle (pickle.dump, or an old torch.save)";
	/* safetensors: the length of a JSON header, 8 bytes little-endian
	 * (at most 100 MB, the format says), then the header */
	for (i = 7; n >= 10 && i >= 0; i--)
		h = h << 8 | b[i];
	if (n >= 10 && h >= 2 && h <= 100000000 && b[8] == '{' &&
	    b[9] == '"')
		return "a safetensors file";
	return NULL;
}

int
input_is_generator(const char *spec)
{
	return strncmp(spec, "rand:", 5) == 0 ||
	    strncmp(spec, "randn:", 6) == 0;
}

/* Parse a decimal count >= 1 at s, set *v and *end; -1 if none. */
static int
count(const char *s, size_t *v, const char **end)
{
	size_t x = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		size_t d = (size_t)(*s - '0');

		if (x > (SIZE_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	if (x == 0)
		return -1;
	*v = x;
	*end = s;
	return 0;
}

int
input_generator(const char *spec, struct mat_shape *sh, struct err *e)
{
	int gauss = spec[4] == 'n';
	const char *p = spec + (gauss ? 6 : 5), *end = p;
	size_t rows = 0, cols = 0;

	if (count(p, &rows, &end) == 0 && *end == 'x') {
		if (count(end + 1, &cols, &end) != 0)
			end = p;
		mat_shape_2d(sh, rows, cols);
	} else {
		sh->ndim = 1;
		sh->dim[0] = rows;
	}
	if (end == p || *end != '\0')
		return err_set(e, NULL, 0, 0, "expected a generator "
		    "%s:ROWSxCOLS or %s:COUNT with counts from 1 to %zu, "
		    "found \"%s\"", gauss ? "randn" : "rand", gauss ? "randn" :
		    "rand", (size_t)SIZE_MAX, spec);
	return gauss ? 2 : 1;
}

/* R*C draws, row by row, as np.random.rand(R, C) and randn(R, C) take
 * them. */
static int
generate(const char *spec, struct rng *r, struct mat *m, struct mat_shape *sh,
    struct err *e)
{
	size_t i, n;
	int kind;

	if ((kind = input_generator(spec, sh, e)) < 0)
		return -1;
	if (mat_alloc(m, sh->ndim == 1 ? 1 : sh->dim[0],
	    sh->dim[sh->ndim - 1], spec, e) != 0)
		return -1;
	n = m->rows * m->cols;
	for (i = 0; i < n; i++)
		m->data[i] = kind == 2 ? rng_gauss(r) : rng_double(r);
	return 0;
}

#define KEEP_OPEN ((size_t)1 << 20)	/* bytes of a mapped file kept open */

/* input_load, or with shape_only, input_dry's shape; with bools, as
 * input_load_bools; *text (if not NULL) = the bytes of text read, 0 for
 * a .npy. */
static int
load(const char *spec, struct rng *r, struct par *pool, struct mat *m,
    struct mat_shape *sh, int shape_only, int bools, size_t *text,
    struct err *e)
{
	const char *name = spec, *kind;
	struct stat st;
	char *buf = NULL;
	void *map = MAP_FAILED;
	size_t len = 0;
	int fd, rc, npy, borrowed = 0;

	memset(m, 0, sizeof *m);
	if (input_is_generator(spec))
		return generate(spec, r, m, sh, e);	/* not shape_only */
	if (strcmp(spec, "-") == 0) {
		fd = STDIN_FILENO;
		name = STDIN_NAME;
	} else if ((fd = open(spec, O_RDONLY)) < 0)
		return err_set(e, name, 0, 0, "%s", strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, name, 0, 0, "%s", strerror(EISDIR));
	}
	/* A regular file is mapped: no copy through read(2).  A pipe, or
	 * a file that will not map, is read whole.  The mapping is private
	 * and writable: a matrix that lies in it may be changed in memory
	 * (--merge does), never the file.  With no swap reserved for it:
	 * Linux counts a private writable mapping as memory that may be
	 * needed, and refused one of a file larger than memory and swap
	 * (keys read by decoding, a few blocks at a time, from a file of 33
	 * GB on a machine of 24 GiB). */
	if (fd != STDIN_FILENO && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size <= SIZE_MAX && (map = mmap(NULL,
	    (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_FLAGS, fd,
	    0)) != MAP_FAILED) {
		buf = map;
		len = (size_t)st.st_size;
		rc = 0;
#ifdef MADV_HUGEPAGE
		/* What of the file is not yet in the page cache is then read
		 * into it in huge pages, which this and later mappings map
		 * whole: a first touch per 2 MiB, not per 4 KiB page (on some
		 * virtual machines, 1.5 us each or more: 8-16 ms for 16 MiB
		 * against 0.5).  A hint; cached pages stay as they are. */
		(void)madvise(map, len, MADV_HUGEPAGE);
#endif
	} else
		rc = slurp(fd, name, &buf, &len, e);
	if (fd != STDIN_FILENO && map == MAP_FAILED)
		close(fd);
	if (rc != 0)
		return -1;
	npy = npy_like((unsigned char *)buf, len);
	if (text != NULL)
		*text = npy ? 0 : len;
	if (shape_only && npy)
		rc = npy_shape((unsigned char *)buf, len, name, m, sh, e);
	else if (npy_is((unsigned char *)buf, len) && map != MAP_FAILED) {
		/* a mapped '<f8' file (or a mask's booleans) is used in
		 * place: the mapping is the matrix's, unmapped by mat_free */
		rc = (bools ? npy_read_bools : npy_read_view)((unsigned char *)
		    buf, len, name, m, sh, &borrowed, e);
		if (rc == 0 && borrowed) {
			/* a large file is kept open: decoding reads the
			 * key/value cache through it (run.c); a small one
			 * is closed, so that --merge of many shards does
			 * not run out of descriptors */
			m->map = map;
			m->maplen = len;
			m->fd = len >= KEEP_OPEN ? fd : (close(fd), -1);
			m->dev = st.st_dev;
			m->ino = st.st_ino;
			m->mtime = st.st_mtim;
			return 0;
		}
	} else if (npy)
		rc = bools ? npy_read_bools((unsigned char *)buf, len, name, m,
		    sh, NULL, e) : npy_read((unsigned char *)buf, len, name, m,
		    sh, e);
	else if ((kind = container((unsigned char *)buf, len)) != NULL)
		rc = err_set(e, name, 0, 0, "expected a .npy file or text, "
		    "found %s: save each array by itself with np.save", kind);
	else if ((rc = text_read(buf, len, name, pool, m, sh, e)) == 0 &&
	    shape_only) {
		size_t rows = m->rows, cols = m->cols;

		mat_free(m);
		m->rows = rows;
		m->cols = cols;
	}
	if (map != MAP_FAILED) {
		munmap(map, len);
		close(fd);
	} else
		free(buf);
	return rc;
}

int
input_load(const char *spec, struct rng *r, struct par *pool,
    struct mat *m, struct mat_shape *sh, struct err *e)
{
	return load(spec, r, pool, m, sh, 0, 0, NULL, e);
}

int
input_load_bools(const char *spec, struct rng *r, struct par *pool,
    struct mat *m, struct mat_shape *sh, struct err *e)
{
	return load(spec, r, pool, m, sh, 0, 1, NULL, e);
}

int
input_dry(const char *spec, struct rng *r, int how, struct mat *m,
    struct mat_shape *sh, size_t *text, struct err *e)
{
	*text = 0;
	if (how & INPUT_VALUES)
		return load(spec, r, NULL, m, sh, 0, (how & INPUT_BOOLS) != 0,
		    text, e);
	if (input_is_generator(spec)) {
		memset(m, 0, sizeof *m);
		if (input_generator(spec, sh, e) < 0)
			return -1;
		m->rows = sh->ndim == 1 ? 1 : sh->dim[0];
		m->cols = sh->dim[sh->ndim - 1];
		/* the checks of mat_alloc() when the run draws it */
		return mat_check(m->rows, m->cols, spec, e);
	}
	return load(spec, NULL, NULL, m, sh, 1, 0, text, e);
}

int
input_changed(const struct mat *m, const char *name, struct err *e)
{
	struct stat st;

	if (m->map == NULL || (m->fd >= 0 ? fstat(m->fd, &st) :
	    stat(name, &st)) != 0 || st.st_dev != m->dev ||
	    st.st_ino != m->ino)
		return 0;
	if ((uintmax_t)st.st_size < m->maplen)
		return err_set(e, name, 0, 0, "the file was cut short while "
		    "it was read");
	if ((uintmax_t)st.st_size != m->maplen || st.st_mtim.tv_sec !=
	    m->mtime.tv_sec || st.st_mtim.tv_nsec != m->mtime.tv_nsec)
		return err_set(e, name, 0, 0, "the file was written while it "
		    "was read: its numbers may not all be those it had when "
		    "the run began");
	return 0;
}
