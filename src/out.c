/*
 * out.c - the writers (see out.h): text (CSV, TSV, blank-separated) or
 * .npy '<f8' or '<f4', through one buffer, to standard output or to a temporary
 * file that out_commit() renames over the destination.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npy.h"
#include "num.h"
#include "out.h"

#define BUFSZ (1 << 20)
#define STDOUT_NAME "<stdout>"

static const char *
name_of(const struct out *o)
{
	return o->path ? o->path : STDOUT_NAME;
}

enum out_fmt
out_fmt_of(const char *path, enum out_fmt deflt)
{
	static const struct { const char *ext; enum out_fmt fmt; } ext[] = {
		{ ".csv", OUT_CSV }, { ".tsv", OUT_TSV },
		{ ".txt", OUT_TXT }, { ".npy", OUT_NPY },
	};
	size_t i, n, k;

	if (path == NULL || strcmp(path, "-") == 0)
		return deflt;
	n = strlen(path);
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		k = strlen(ext[i].ext);
		if (n > k && strcmp(path + n - k, ext[i].ext) == 0)
			return ext[i].fmt;
	}
	return deflt;
}

/* Write all of buf[0..len) to o->fd. */
static int
put(struct out *o, const char *buf, size_t len, struct err *e)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(o->fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, name_of(o), 0, 0, "write error: %s",
			    strerror(errno));
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
flush(struct out *o, struct err *e)
{
	int rc = put(o, o->buf, o->len, e);

	o->len = 0;
	return rc;
}

int
out_open(struct out *o, const char *path, enum out_fmt fmt,
    enum out_type type, int prec, struct err *e)
{
	struct stat st;
	const char *target = path;
	mode_t mask;
	size_t n;

	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->fmt = fmt;
	o->type = type;
	o->prec = prec;
	if ((o->buf = malloc(BUFSZ)) == NULL)
		return err_set(e, path, 0, 0, "%s", strerror(errno));
	o->cap = BUFSZ;
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	o->path = path;
	/* Through a symlink, replace the file it points to, not the link. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if ((o->real = realpath(path, NULL)) == NULL) {
			err_set(e, path, 0, 0, "%s", strerror(errno));
			out_abort(o);
			return -1;
		}
		target = o->real;
	}
	if (stat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device or a pipe (/dev/null, /dev/stdout, a FIFO) is
		 * written in place: renaming over it would replace it. */
		if (S_ISDIR(st.st_mode)) {
			out_abort(o);
			return err_set(e, path, 0, 0, "%s", strerror(EISDIR));
		}
		if ((o->fd = open(target, O_WRONLY)) < 0) {
			err_set(e, path, 0, 0, "%s", strerror(errno));
			out_abort(o);
			return -1;
		}
		return 0;
	}
	n = strlen(target) + sizeof ".selfattn-XXXXXX";
	if ((o->tmp = malloc(n)) == NULL) {
		out_abort(o);
		return err_set(e, path, 0, 0, "%s", strerror(ENOMEM));
	}
	snprintf(o->tmp, n, "%s.selfattn-XXXXXX", target);
	if ((o->fd = mkstemp(o->tmp)) < 0) {
		/* Report the destination, not our temporary name. */
		err_set(e, path, 0, 0, "%s", strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		out_abort(o);
		return -1;
	}
	/* mkstemp makes 0600; give the file the mode open(2) would. */
	mask = umask(0);
	umask(mask);
	fchmod(o->fd, 0666 & ~mask);
	return 0;
}

int
out_begin(struct out *o, const struct shape *sh, struct err *e)
{
	char hdr[256];
	size_t n;

	o->sh = *sh;
	o->done = 0;
	o->block = sh->ndim >= 3 ? sh->dim[sh->ndim - 2] : 0;
	if (o->fmt != OUT_NPY)
		return 0;
	if ((n = npy_header(hdr, sizeof hdr, o->type == OUT_F32 ? "<f4" :
	    "<f8", sh)) == 0)
		return err_set(e, name_of(o), 0, 0, "array shape too long "
		    "for a .npy header");
	memcpy(o->buf + o->len, hdr, n);
	o->len += n;
	return 0;
}

/* Store x as 8 little-endian bytes at p. */
static void
put_le64(char *p, double x)
{
	uint64_t u;
	int i;

	memcpy(&u, &x, 8);
	for (i = 0; i < 8; i++)
		p[i] = (char)(u >> (8 * i));
}

/* Store x, rounded to float, as 4 little-endian bytes at p. */
static void
put_le32(char *p, double x)
{
	float f = (float)x;
	uint32_t u;
	int i;

	memcpy(&u, &f, 4);
	for (i = 0; i < 4; i++)
		p[i] = (char)(u >> (8 * i));
}

/* The bytes of one .npy element. */
static size_t
esize(const struct out *o)
{
	return o->type == OUT_F32 ? 4 : 8;
}

static int
little_endian(void)
{
	const uint16_t one = 1;
	unsigned char b;

	memcpy(&b, &one, 1);
	return b == 1;
}

size_t
out_format_max(const struct out *o, size_t nrows)
{
	size_t cols = o->sh.dim[o->sh.ndim - 1];

	if (o->fmt == OUT_NPY)
		return nrows * cols * esize(o);
	/* each number, its separator or newline, and a blank line */
	return nrows * (cols * (NUM_MAXLEN + 1) + 2);
}

size_t
out_format(const struct out *o, const double *a, size_t nrows, size_t row0,
    char *buf)
{
	size_t cols = o->sh.dim[o->sh.ndim - 1], i, j, len = 0;
	char sep = o->fmt == OUT_CSV ? ',' : o->fmt == OUT_TSV ? '\t' : ' ';

	if (o->fmt == OUT_NPY && o->type == OUT_F32) {
		for (i = 0; i < nrows * cols; i++)
			put_le32(buf + 4 * i, a[i]);
		return nrows * cols * 4;
	}
	if (o->fmt == OUT_NPY) {
		if (little_endian())
			memcpy(buf, a, nrows * cols * 8);
		else
			for (i = 0; i < nrows * cols; i++)
				put_le64(buf + 8 * i, a[i]);
		return nrows * cols * 8;
	}
	for (i = 0; i < nrows; i++, a += cols) {
		if (o->block && row0 + i && (row0 + i) % o->block == 0)
			buf[len++] = '\n';
		for (j = 0; j < cols; j++) {
			if (j)
				buf[len++] = sep;
			len += num_format(buf + len, a[j], o->prec);
		}
		buf[len++] = '\n';
	}
	return len;
}

int
out_put(struct out *o, const char *buf, size_t len, size_t nrows,
    struct err *e)
{
	if (len >= o->cap - o->len) {
		if (flush(o, e) != 0)
			return -1;
		/* a large piece goes out as it is, without a copy */
		if (len >= o->cap / 4) {
			o->done += nrows;
			return put(o, buf, len, e);
		}
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
	o->done += nrows;
	return 0;
}

int
out_rows(struct out *o, const double *a, size_t nrows, struct err *e)
{
	size_t cols = o->sh.dim[o->sh.ndim - 1], k;
	size_t per = out_format_max(o, 1);

	/* in pieces that fit the buffer: at least one row at a time */
	while (nrows > 0) {
		k = (o->cap - o->len) / per;
		if (k == 0) {
			if (o->len > 0) {
				if (flush(o, e) != 0)
					return -1;
				continue;
			}
			k = 1;	/* a row longer than the buffer */
		}
		if (k > nrows)
			k = nrows;
		if (per * k > o->cap - o->len) {
			char *tmp = malloc(per);
			size_t n;
			int rc;

			if (tmp == NULL)
				return err_set(e, name_of(o), 0, 0, "%s",
				    strerror(ENOMEM));
			n = out_format(o, a, 1, o->done, tmp);
			rc = out_put(o, tmp, n, 1, e);
			free(tmp);
			if (rc != 0)
				return -1;
		} else {
			o->len += out_format(o, a, k, o->done, o->buf +
			    o->len);
			o->done += k;
		}
		a += k * cols;
		nrows -= k;
	}
	return 0;
}

int
out_commit(struct out *o, struct err *e)
{
	size_t want = 1;
	int i;

	for (i = 0; i < o->sh.ndim - 1; i++)
		want *= o->sh.dim[i];
	if (o->done != want)
		return err_set(e, name_of(o), 0, 0, "internal error: %zu of "
		    "%zu rows written", o->done, want);
	if (flush(o, e) != 0)
		return -1;
	free(o->buf);
	o->buf = NULL;
	if (o->fd == STDOUT_FILENO) {
		o->fd = -1;
		return 0;
	}
	if (close(o->fd) != 0) {
		o->fd = -1;
		return err_set(e, name_of(o), 0, 0, "write error: %s",
		    strerror(errno));
	}
	o->fd = -1;
	if (o->tmp != NULL) {
		if (rename(o->tmp, o->real ? o->real : o->path) != 0)
			return err_set(e, o->path, 0, 0, "%s", strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
	}
	return 0;
}

void
out_abort(struct out *o)
{
	if (o->fd >= 0 && o->fd != STDOUT_FILENO)
		close(o->fd);
	o->fd = -1;
	if (o->tmp != NULL) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	free(o->buf);
	o->buf = NULL;
	free(o->real);
	o->real = NULL;
}
