/*
 * out.c - the writers (see out.h): text (CSV, TSV, blank-separated) or
 * .npy '<f8' or '<f4', through one buffer, to a stream written in place
 * or to a temporary file that out_commit() renames over the destination.
 */
#define _GNU_SOURCE	/* statx() and STATX_ATTR_MOUNT_ROOT, where glibc has them */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "label.h"
#include "npy.h"
#include "num.h"
#include "out.h"

#ifndef NSIG
#define NSIG 65		/* signals 1 .. 64, Linux's */
#endif
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
	size_t i;

	if (path == NULL || strcmp(path, "-") == 0)
		return deflt;
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (out_has_ext(path, ext[i].ext))
			return ext[i].fmt;
	return deflt;
}

const char *
out_fmt_name(enum out_fmt f)
{
	static const char *const name[] = { "csv", "tsv", "txt", "npy",
	    "raw" };

	return name[f];
}

const char *
out_ext(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	return dot != NULL && dot != base ? dot : NULL;
}

int
out_has_ext(const char *path, const char *ext)
{
	const char *x = out_ext(path);

	return x != NULL && strcasecmp(x, ext) == 0;
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

void
out_init(struct out *o)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->dir = -1;
}

/* The folder of o->dest, dirlen bytes of it ("." for none), opened for
 * the *at() calls (O_PATH where there is one: a folder that may be
 * written but not read still opens), or -1. */
static int
open_dir(const struct out *o, size_t dirlen)
{
#ifdef O_PATH
	const int how = O_PATH | O_DIRECTORY | O_CLOEXEC;
#else
	const int how = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif
	char *d;
	int fd;

	if (dirlen == 0)
		return open(".", how);
	if ((d = malloc(dirlen + 1)) == NULL)
		return -1;
	memcpy(d, o->dest, dirlen);
	d[dirlen] = '\0';
	fd = open(d, how);
	free(d);
	return fd;
}

/*
 * The signals that may end the run while a temporary file is being
 * made or renamed: all but those a fault raises on the spot (blocking
 * those is undefined).  Held so that a handler removing the temporary
 * files sees each of them either not yet made or already renamed.
 */
static void
hold_signals(sigset_t *old)
{
	sigset_t set;

	sigfillset(&set);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	sigdelset(&set, SIGTRAP);
	sigdelset(&set, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void
release_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* The signals held by hold_signals() and pending that would end the
 * run, into q: those caught (the handler that removes the temporary
 * files) or whose default action ends the process.  Returns how many. */
static int
fatal_pending(sigset_t *q)
{
	sigset_t p;
	struct sigaction sa;
	int s, k = 0;

	sigemptyset(q);
	if (sigpending(&p) != 0)
		return 0;
	for (s = 1; s < NSIG; s++)
		if (sigismember(&p, s) == 1 && sigaction(s, NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_IGN && !(sa.sa_handler == SIG_DFL &&
		    (s == SIGCHLD || s == SIGCONT || s == SIGURG ||
		    s == SIGWINCH || s == SIGTSTP || s == SIGTTIN ||
		    s == SIGTTOU))) {
			sigaddset(q, s);
			k++;
		}
	return k;
}

int
out_fd_of(const char *path)
{
	static const struct { const char *name; int fd; } dev[] = {
		{ "-", 1 }, { "/dev/stdin", 0 }, { "/dev/stdout", 1 },
		{ "/dev/stderr", 2 },
	};
	const char *p = NULL;
	long n = 0;
	size_t i;

	if (path == NULL)
		return 1;
	for (i = 0; i < sizeof dev / sizeof dev[0]; i++)
		if (strcmp(path, dev[i].name) == 0)
			return dev[i].fd;
	/* /proc/self/fd/N is /dev/fd/N's target on Linux */
	if (strncmp(path, "/dev/fd/", 8) == 0)
		p = path + 8;
	else if (strncmp(path, "/proc/self/fd/", 14) == 0)
		p = path + 14;
	if (p == NULL || *p == '\0') {
		/* Another name of the regular file open for appending on
		 * standard output or error (//dev/stdout, or the file's own
		 * name): its descriptor too, so that "-o log >> log"
		 * appends, where replacing the file would lose what log
		 * held.  Open otherwise (">", "<>"), the file is replaced,
		 * as any: writing at the descriptor's offset could keep an
		 * old tail after Y. */
		struct stat st, fs;

		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			return -1;
		for (n = 1; n <= 2; n++)
			if (fstat((int)n, &fs) == 0 && S_ISREG(fs.st_mode) &&
			    fs.st_dev == st.st_dev && fs.st_ino == st.st_ino &&
			    (fcntl((int)n, F_GETFL) & (O_ACCMODE | O_APPEND)) ==
			    (O_WRONLY | O_APPEND))
				return (int)n;
		return -1;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || n > (INT_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return (int)n;
}

/* The name path leads to once the symlinks of its last component are
 * followed, as open(2) would follow them (malloc'd); it may not exist.
 * NULL with errno set on failure (ELOOP, ENOMEM). */
static char *
resolve(const char *path)
{
	struct stat st;
	char *cur, *link, *next, *slash;
	size_t cap, dirlen;
	ssize_t n;
	int hops;

	if ((cur = strdup(path)) == NULL)
		return NULL;
	for (hops = 0; lstat(cur, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
		if (hops == 40) {
			free(cur);
			errno = ELOOP;
			return NULL;
		}
		/* st_size is the target's length (0 for some /proc links) */
		cap = st.st_size > 0 ? (size_t)st.st_size + 1 : PATH_MAX;
		if ((link = malloc(cap)) == NULL ||
		    (n = readlink(cur, link, cap)) < 0 || (size_t)n >= cap) {
			if (link != NULL && n >= 0)
				errno = ENAMETOOLONG;
			free(link);
			free(cur);
			return NULL;
		}
		link[n] = '\0';
		/* a relative target is relative to the link's directory */
		slash = strrchr(cur, '/');
		dirlen = link[0] == '/' || slash == NULL ? 0 :
		    (size_t)(slash - cur) + 1;
		if ((next = malloc(dirlen + (size_t)n + 1)) == NULL) {
			free(link);
			free(cur);
			return NULL;
		}
		memcpy(next, cur, dirlen);
		memcpy(next + dirlen, link, (size_t)n + 1);
		free(link);
		free(cur);
		cur = next;
	}
	return cur;
}

/* Split path into its directory (".", when it has no slash) in dir
 * (cap bytes) and return its last component; NULL if dir is too small. */
static const char *
split(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 0 : (size_t)(slash - path) + 1;

	if (n + 2 > cap)
		return NULL;
	if (n == 0)
		strcpy(dir, ".");
	else {
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	return path + n;
}

/* Are sa and sb one regular file or FIFO (with sock, or socket), where
 * two outputs' streams would mix?  Its kind ("file", "pipe", "socket"),
 * else NULL: two files, or a device, which outputs may share. */
static const char *
one_stream(const struct stat *sa, const struct stat *sb, int sock)
{
	if (sa->st_dev != sb->st_dev || sa->st_ino != sb->st_ino)
		return NULL;
	return S_ISREG(sa->st_mode) ? "file" : S_ISFIFO(sa->st_mode) ? "pipe" :
	    sock && S_ISSOCK(sa->st_mode) ? "socket" : NULL;
}

const char *
out_fds_shared(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) != 0 || fstat(b, &sb) != 0)
		return NULL;
	return one_stream(&sa, &sb, 1);
}

int
out_on_fd(const char *path, int fd)
{
	struct stat st, fs;

	return stat(path, &st) == 0 && fstat(fd, &fs) == 0 &&
	    one_stream(&st, &fs, 0) != NULL;
}

int
out_same(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ra, *rb, da[PATH_MAX], db[PATH_MAX];
	const char *ba, *bb;
	int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0, same;

	if (ea || eb)
		return ea && eb && one_stream(&sa, &sb, 0) != NULL;
	/* Neither exists: the same name in the same directory. */
	ra = resolve(a);
	rb = resolve(b);
	if (ra == NULL || rb == NULL)
		same = strcmp(a, b) == 0;
	else if ((ba = split(ra, da, sizeof da)) == NULL ||
	    (bb = split(rb, db, sizeof db)) == NULL ||
	    stat(da, &sa) != 0 || stat(db, &sb) != 0)
		same = strcmp(ra, rb) == 0;
	else
		same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino &&
		    strcmp(ba, bb) == 0;
	free(ra);
	free(rb);
	return same;
}

/* A stream must be open for writing: standard output may be /dev/null
 * opened read-only by main() for a closed descriptor, so that writing
 * to it fails as writing to the closed one would. */
static int
check_writable(struct out *o, struct err *e)
{
	int fl = fcntl(o->fd, F_GETFL);

	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		err_set(e, name_of(o), 0, 0, "write error: %s",
		    strerror(EBADF));
		out_abort(o);
		return -1;
	}
	return 0;
}

/* Is path a mount point (a file bind-mounted on its own, as docker's
 * "-v FILE:FILE" does)?  Renaming over one fails (EBUSY), and only at
 * the end, after other outputs were replaced.  Only statx() tells
 * (Linux 5.8): a device number other than the folder's does not, as
 * overlayfs gives files the device of the layer they come from. */
static int
mount_root(const char *path)
{
#if defined(STATX_ATTR_MOUNT_ROOT)
	struct statx sx;

	return statx(AT_FDCWD, path, 0, 0, &sx) == 0 &&
	    (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
#else
	(void)path;
	return 0;
#endif
}

/* Is path append-only or immutable (chattr +a, +i)?  Nothing can be
 * renamed over such a file, nor into or out of such a folder (the
 * temporary file would stay), and the rename at the end would fail
 * after other outputs were replaced.  statx() tells (Linux 4.11). */
static int
unchangeable(const char *path)
{
#if defined(STATX_ATTR_APPEND) && defined(STATX_ATTR_IMMUTABLE)
	const unsigned long long a = STATX_ATTR_APPEND | STATX_ATTR_IMMUTABLE;
	struct statx sx;

	return statx(AT_FDCWD, path, 0, 0, &sx) == 0 &&
	    (sx.stx_attributes_mask & a) && (sx.stx_attributes & a);
#else
	(void)path;
	return 0;
#endif
}

#define TMP_SUFFIX ".selfattn-XXXXXX"

/* Set e to say that no file can be made beside o->dest (errno err),
 * which replaces a file of status st (or NULL: a new name).  The
 * destination is named, not a temporary name; for a file that may be
 * written, in a folder that may not, why. */
static int
tmp_error(const struct out *o, const struct stat *st, int err,
    struct err *e)
{
	if (st != NULL && (err == EACCES || err == EPERM) &&
	    strcmp(o->path, o->dest) != 0)
		return err_set(e, o->path, 0, 0, "%s: the folder of %s, which "
		    "it leads to, must be writable too, as that file is "
		    "replaced by a new one written beside it", strerror(err),
		    o->dest);
	if (st != NULL && (err == EACCES || err == EPERM))
		return err_set(e, o->path, 0, 0, "%s: its folder must be "
		    "writable too, as the file is replaced by a new one "
		    "written beside it", strerror(err));
	if (st != NULL)		/* /proc/version: ENOENT */
		return err_set(e, o->path, 0, 0, "cannot create the new file "
		    "that would replace it, beside it: %s", strerror(err));
	return err_set(e, o->path, 0, 0, "%s", strerror(err));
}

/* Create o->tmp next to o->dest; st is the file it replaces, or NULL. */
static int
make_tmp(struct out *o, const struct stat *st, struct err *e)
{
	const char *slash = strrchr(o->dest, '/'), *base;
	size_t dirlen = slash == NULL ? 0 : (size_t)(slash - o->dest) + 1;
	size_t keep, suffix = sizeof TMP_SUFFIX - 1;
	long namemax;
	sigset_t old;
	mode_t mask;
	int fd;

	base = o->dest + dirlen;
	/* NAME.selfattn-XXXXXX must fit the directory's NAME_MAX: shorten
	 * NAME, not inside a UTF-8 character. */
	if ((o->tmp = malloc(dirlen + strlen(base) + suffix + 2)) == NULL)
		return err_set(e, o->path, 0, 0, "%s", strerror(ENOMEM));
	memcpy(o->tmp, o->dest, dirlen);
	strcpy(o->tmp + dirlen, ".");
	namemax = pathconf(dirlen ? o->tmp : ".", _PC_NAME_MAX);
	o->tmp[dirlen] = '\0';
	if (namemax <= 0)
		namemax = 255;
	keep = strlen(base);
	if (keep + suffix > (size_t)namemax) {
		keep = (size_t)namemax > suffix ? (size_t)namemax - suffix : 0;
		while (keep > 0 && ((unsigned char)base[keep] & 0xc0) == 0x80)
			keep--;
	}
	memcpy(o->tmp + dirlen, base, keep);
	strcpy(o->tmp + dirlen + keep, TMP_SUFFIX);
	o->base = dirlen;
	o->dir = open_dir(o, dirlen);
	hold_signals(&old);
	if ((fd = mkstemp(o->tmp)) >= 0) {
		o->fd = fd;
		atomic_signal_fence(memory_order_seq_cst);
		o->live = 1;
	}
	release_signals(&old);
	if (fd < 0) {
		tmp_error(o, st, errno, e);
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	o->own = 1;
	if (st != NULL) {
		/* Keep the replaced file's owner and group where we may
		 * (the group alone if not the owner), then its mode. */
		if (fchown(fd, st->st_uid, st->st_gid) != 0 &&
		    fchown(fd, (uid_t)-1, st->st_gid) != 0) {
			/* neither: the file keeps ours, as a new one */
		}
		fchmod(fd, st->st_mode & 0777);
	} else {
		/* mkstemp makes 0600; give the mode open(2) would. */
		mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	return 0;
}

/* Is the last component of path longer than its folder allows
 * (NAME_MAX, 255 bytes on Linux)? */
static int
name_too_long(const char *path)
{
	char dir[PATH_MAX];
	const char *base = split(path, dir, sizeof dir);
	long max;

	if (base == NULL)
		return 0;
	max = pathconf(dir, _PC_NAME_MAX);
	return max > 0 && strlen(base) > (size_t)max;
}

/* Would renaming over dest, a file of status st, fail because its
 * folder is sticky (S_ISVTX, as /tmp) and neither the file nor the
 * folder is ours?  Found at the end, it would fail the run after other
 * outputs were renamed into place; known now, before any work.  (Root,
 * or anyone with CAP_FOWNER, may: not told apart from root here.) */
static int
sticky_other(const char *dest, const struct stat *st)
{
	struct stat ds;
	uid_t me = geteuid();
	char dir[PATH_MAX];

	return me != 0 && me != st->st_uid && split(dest, dir, sizeof dir) &&
	    stat(dir, &ds) == 0 && (ds.st_mode & S_ISVTX) && ds.st_uid != me;
}

/* out_open, or with dry for out_check: a device, FIFO or socket is
 * not opened (a FIFO would wait for its reader), but asked whether it
 * could be. */
static int
open_(struct out *o, const char *path, enum out_fmt fmt, enum out_type type,
    int prec, int dry, struct err *e)
{
	struct stat st;
	char dir[PATH_MAX];
	int fd, exists, fixed;

	out_init(o);
	o->fmt = fmt;
	o->type = type;
	o->prec = prec;
	if (path != NULL && strcmp(path, "-") != 0)
		o->path = path;
	if ((o->buf = malloc(BUFSZ)) == NULL)
		return err_set(e, name_of(o), 0, 0, "%s", strerror(errno));
	o->cap = BUFSZ;
	if ((fd = out_fd_of(path)) >= 0) {
		/* The descriptor itself: "-o /dev/stdout >> log" appends. */
		o->fd = fd;
		o->stream = 1;
		return check_writable(o, e);
	}
	if (path[0] == '\0') {
		/* as open("") fails: no temporary file in "." for it */
		out_abort(o);
		return err_set(e, path, 0, 0, "%s", strerror(ENOENT));
	}
	exists = stat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		out_abort(o);
		return err_set(e, path, 0, 0, "%s", strerror(EISDIR));
	}
	if (exists && !S_ISREG(st.st_mode)) {
		/* A device, a FIFO or a socket is written in place:
		 * renaming over it would replace it. */
		/* dry: a device opened and closed (/dev/tty without a
		 * terminal: ENXIO), a FIFO only asked (it would wait for
		 * its reader), a socket ENXIO, as open(2) says of one */
		if (dry && S_ISCHR(st.st_mode) && (fd = open(path, O_WRONLY |
		    O_NOCTTY | O_NONBLOCK)) >= 0)
			close(fd);
		else if (dry && (S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode) ||
		    access(path, W_OK) != 0)) {
			err_set(e, path, 0, 0, "%s", strerror(S_ISSOCK(
			    st.st_mode) ? ENXIO : errno));
			out_abort(o);
			return -1;
		}
		if (dry)
			return 0;
		if ((o->fd = open(path, O_WRONLY | O_NOCTTY)) < 0) {
			err_set(e, path, 0, 0, "%s", strerror(errno));
			out_abort(o);
			return -1;
		}
		o->own = 1;
		o->stream = 1;
		return 0;
	}
	/* A file the shell's ">" could not write is not replaced either
	 * (renaming over it needs only the directory's permission). */
	if (exists && access(path, W_OK) != 0) {
		err_set(e, path, 0, 0, "%s", strerror(errno));
		out_abort(o);
		return -1;
	}
	/* Through symlinks, replace the file they lead to, not a link. */
	if ((o->dest = resolve(path)) == NULL) {
		err_set(e, path, 0, 0, "%s", strerror(errno));
		out_abort(o);
		return -1;
	}
	/* A name too long for its folder: the temporary file, shortened,
	 * could be made, and only the rename at the end would fail, after
	 * the other outputs were renamed into place. */
	if (!exists && name_too_long(o->dest)) {
		err_set(e, path, 0, 0, "%s", strerror(ENAMETOOLONG));
		out_abort(o);
		return -1;
	}
	if (exists && mount_root(o->dest)) {
		err_set(e, path, 0, 0, "%s: a file mounted on its own (as by "
		    "docker run -v) cannot be replaced; give - and redirect "
		    "standard output to it", strerror(EBUSY));
		out_abort(o);
		return -1;
	}
	if (exists && sticky_other(o->dest, &st)) {
		err_set(e, path, 0, 0, "%s: another user's file in a sticky "
		    "folder (as /tmp) cannot be replaced", strerror(EPERM));
		out_abort(o);
		return -1;
	}
	if ((fixed = exists && unchangeable(o->dest)) || (split(o->dest, dir,
	    sizeof dir) != NULL && unchangeable(dir))) {
		err_set(e, path, 0, 0, "%s: an append-only or immutable %s "
		    "(chattr +a, +i) cannot be replaced", strerror(EPERM),
		    fixed ? "file" : "folder");
		out_abort(o);
		return -1;
	}
	if (make_tmp(o, exists ? &st : NULL, e) != 0) {
		out_abort(o);
		return -1;
	}
	return 0;
}

int
out_open(struct out *o, const char *path, enum out_fmt fmt,
    enum out_type type, int prec, struct err *e)
{
	return open_(o, path, fmt, type, prec, 0, e);
}

int
out_check(struct out *o, const char *path, struct err *e)
{
	int rc = open_(o, path, OUT_CSV, OUT_F64, 0, 1, e);

	out_abort(o);
	return rc;
}

void
out_open_sink(struct out *o, out_sink sink, void *arg)
{
	out_init(o);
	o->fmt = OUT_RAW;
	o->sink = sink;
	o->sink_arg = arg;
}

void
out_labels(struct out *o, const char *const *rlab, size_t nr, size_t r0,
    const char *const *clab, size_t nc, int blocks)
{
	size_t i, k;

	if (o->fmt == OUT_NPY || o->fmt == OUT_RAW)
		return;
	o->rlab = rlab;
	o->nrlab = nr;
	o->rlab0 = r0;
	o->clab = clab;
	o->nclab = nc;
	o->blocks = blocks;
	o->lablen = o->hdrlen = o->labtot = 0;
	for (i = 0; rlab && i < nr; i++) {
		k = label_quoted_max(rlab[i]);
		o->lablen = k > o->lablen ? k : o->lablen;
		o->labtot += k;
	}
	for (i = 0; clab && i < nc; i++)
		o->hdrlen += label_quoted_max(clab[i]) + 1;
	if (clab)
		o->hdrlen += o->lablen + 2;
}

int
out_begin(struct out *o, const struct mat_shape *sh, struct err *e)
{
	char hdr[256];
	size_t n;

	o->sh = *sh;
	o->done = 0;
	o->block = sh->ndim >= 3 ? sh->dim[sh->ndim - 2] : 0;
	o->seqrows = sh->ndim == 4 ? sh->dim[1] * sh->dim[2] : 0;
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

/* The row labels of nrows consecutive rows: each at most the longest,
 * and, as the rows of a block take consecutive labels, no more than
 * all of them once for each block the rows reach (a run's buffers hold
 * this for every slot: one label of 1 MB among 3 rows asked for 1.2 GB
 * when each row was counted at the longest's size). */
static size_t
labels_max(const struct out *o, size_t nrows)
{
	size_t all = nrows * o->lablen, reach;

	if (o->nrlab <= 1)	/* one label on every row */
		return all;
	reach = o->block ? nrows / o->block + 2 : 1;
	return o->labtot == 0 || reach > all / o->labtot ? all : reach *
	    o->labtot;
}

size_t
out_format_max(const struct out *o, size_t nrows)
{
	size_t cols = o->sh.dim[o->sh.ndim - 1];

	if (o->fmt == OUT_NPY)
		return nrows * cols * esize(o);
	if (o->fmt == OUT_RAW)
		return nrows * cols * sizeof(double);
	/* each number, its separator or newline, and a blank line; a
	 * row label, a header and a "# sequence b" line */
	return nrows * (cols * (NUM_MAXLEN + 1) + 2 + 1 + 48) +
	    labels_max(o, nrows) +
	    (o->clab ? (nrows / (o->block ? o->block : nrows) + 2) *
	    o->hdrlen : 0);
}

size_t
out_format(const struct out *o, const double *a, size_t nrows, size_t row0,
    char *buf)
{
	size_t cols = o->sh.dim[o->sh.ndim - 1], i, j, len = 0;
	char sep = o->fmt == OUT_CSV ? ',' : o->fmt == OUT_TSV ? '\t' : ' ';

	if (o->fmt == OUT_NPY && o->type == OUT_F32) {
		float *restrict f = (float *)(void *)buf;
		const double *restrict x = a;
		size_t n = nrows * cols;

		if (npy_host_little() && (uintptr_t)buf % sizeof *f == 0) {
			/* four at a time, which GCC's -O2 makes vector
			 * conversions of (the bytes one by one made 2% of
			 * case (d) of the bench) */
			for (i = 0; i + 4 <= n; i += 4) {
				f[i] = (float)x[i];
				f[i + 1] = (float)x[i + 1];
				f[i + 2] = (float)x[i + 2];
				f[i + 3] = (float)x[i + 3];
			}
			for (; i < n; i++)
				f[i] = (float)x[i];
		} else
			for (i = 0; i < n; i++)
				put_le32(buf + 4 * i, a[i]);
		return n * 4;
	}
	if (o->fmt == OUT_NPY) {
		if (npy_host_little())
			memcpy(buf, a, nrows * cols * 8);
		else
			for (i = 0; i < nrows * cols; i++)
				put_le64(buf + 8 * i, a[i]);
		return nrows * cols * 8;
	}
	if (o->fmt == OUT_RAW) {
		memcpy(buf, a, nrows * cols * sizeof(double));
		return nrows * cols * sizeof(double);
	}
	for (i = 0; i < nrows; i++, a += cols) {
		size_t r = row0 + i, rb = o->block ? r % o->block : r;

		if (o->block && r && rb == 0)
			buf[len++] = '\n';
		if (o->seqrows && r % o->seqrows == 0)
			len += (size_t)sprintf(buf + len, "# sequence %zu\n",
			    r / o->seqrows);
		if (o->blocks && o->block && rb == 0)
			len += (size_t)sprintf(buf + len, "# %s %zu\n",
			    o->blocks == OUT_HEADS ? "head" : "sequence",
			    (o->seqrows ? r % o->seqrows : r) / o->block);
		if (o->clab && rb == 0) {
			if (o->rlab) {
				/* the corner, an empty field: "" when
				 * blank-separated, where it would vanish */
				if (sep == ' ')
					len += label_quote(buf + len, "", sep);
				buf[len++] = sep;
			}
			for (j = 0; j < o->nclab; j++) {
				if (j)
					buf[len++] = sep;
				len += label_quote(buf + len, o->clab[j], sep);
			}
			buf[len++] = '\n';
		}
		if (o->rlab) {
			/* one query (1-D: its weights a row per head) labels
			 * every row */
			size_t li = o->nrlab == 1 ? 0 : rb + o->rlab0;

			len += label_quote(buf + len, li < o->nrlab ?
			    o->rlab[li] : "", sep);
			buf[len++] = sep;
		}
		/* in float (--dtype f32) a value is written as the
		 * float a .npy of '<f4' holds: a mean of heads, an LSE, a
		 * merge are made in double and rounded here */
		for (j = 0; j < cols; j++) {
			if (j)
				buf[len++] = sep;
			len += num_format(buf + len, o->type == OUT_F32 ?
			    (double)(float)a[j] : a[j], o->prec);
		}
		buf[len++] = '\n';
	}
	return len;
}

int
out_verbatim(const struct out *o)
{
	return (o->fmt == OUT_NPY && npy_host_little()) || (o->fmt == OUT_RAW &&
	    o->type == OUT_F64);
}

size_t
out_format_float(const struct out *o, const float *a, size_t nrows,
    size_t row0, char *buf, double *tmp)
{
	size_t i, n = nrows * o->sh.dim[o->sh.ndim - 1];

	for (i = 0; i < n; i++)
		tmp[i] = a[i];
	return out_format(o, tmp, nrows, row0, buf);
}

int
out_put(struct out *o, const char *buf, size_t len, size_t nrows,
    struct err *e)
{
	if (o->sink != NULL) {
		o->done += nrows;
		return o->sink(o->sink_arg, (const double *)(const void *)buf,
		    nrows, e);
	}
	/* a large piece goes out as it is, without a copy (nor the first
	 * touch of the buffer's pages, a fault each on some virtual
	 * machines); a small one fits once the buffer is flushed */
	if (len >= o->cap / 4) {
		if (flush(o, e) != 0)
			return -1;
		o->done += nrows;
		return put(o, buf, len, e);
	}
	if (len >= o->cap - o->len && flush(o, e) != 0)
		return -1;
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
out_finish(struct out *o, struct err *e)
{
	size_t want = 1;
	int i, rc;

	for (i = 0; i < o->sh.ndim - 1; i++)
		want *= o->sh.dim[i];
	if (o->fmt != OUT_RAW && o->done != want)
		return err_set(e, name_of(o), 0, 0, "internal error: %zu of "
		    "%zu rows written", o->done, want);
	if (flush(o, e) != 0)
		return -1;
	free(o->buf);
	o->buf = NULL;
	rc = o->own ? close(o->fd) : 0;
	o->fd = -1;
	if (rc != 0)
		return err_set(e, name_of(o), 0, 0, "write error: %s",
		    strerror(errno));
	return 0;
}

/*
 * Put o->tmp in o->dest's place: 0, or -1 with errno set, nothing
 * replaced.  Where a file is there (Linux), the two are exchanged
 * (renameat2 RENAME_EXCHANGE) and the old one, now under the temporary
 * name, is removed.  rename(2) over an existing file makes ext4 start
 * writing the new one to the disk at once (its auto_da_alloc, for files
 * replaced by a rename): 6.1 ms of a run's own time for a 16 MiB
 * output, where the exchange and the removal take 3.5 (the old file's
 * pages let go) and the write-back comes later, as for any new file.
 * If the old entry will not go (a directory made there during the run:
 * an exchange swaps a file with a directory too), the exchange is undone
 * and rename(2) decides, as where no exchange can be made.
 */
static int
replace(const struct out *o)
{
	const int d = o->dir >= 0 ? o->dir : AT_FDCWD;
	const char *t = o->dir >= 0 ? o->tmp + o->base : o->tmp;
	const char *f = o->dir >= 0 ? o->dest + o->base : o->dest;

#ifdef RENAME_EXCHANGE
	if (renameat2(d, t, d, f, RENAME_EXCHANGE) == 0) {
		if (unlinkat(d, t, 0) == 0)
			return 0;
		/* undone; should even that fail, the new file is in place
		 * and the old entry stays under the temporary name */
		if (renameat2(d, t, d, f, RENAME_EXCHANGE) != 0)
			return 0;
	}
#endif
	return renameat(d, t, d, f);
}

int
out_commit(struct out *o, struct err *e)
{
	if (o->tmp == NULL)
		return 0;
	if (replace(o) != 0)
		return err_set(e, o->path, 0, 0, "%s", strerror(errno));
	o->live = 0;
	atomic_signal_fence(memory_order_seq_cst);
	free(o->tmp);
	o->tmp = NULL;
	free(o->dest);
	o->dest = NULL;
	if (o->dir >= 0)
		close(o->dir);
	o->dir = -1;
	return 0;
}

/* Remove o->tmp, in its folder.  Async-signal-safe. */
static void
unlink_tmp(const struct out *o)
{
	if (o->dir >= 0)
		unlinkat(o->dir, o->tmp + o->base, 0);
	else
		unlink(o->tmp);
}

int
out_commit_all(struct out o[], size_t n, struct err *e)
{
	const struct timespec now = { 0, 0 };
	struct stat st;
	sigset_t old, late;
	size_t i;
	int pass, rc = 0;

	/* Files first: a stream's last buffer is written only if every
	 * file was written whole. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if (o[i].buf != NULL && o[i].stream == pass &&
			    out_finish(&o[i], e) != 0)
				return -1;
	hold_signals(&old);
	/* What would make a rename fail before any is done: a directory
	 * made under a file's name during the run, or its folder removed
	 * (moved, it is still where the file goes: o->dir) */
	for (i = 0; i < n && rc == 0; i++)
		if (o[i].tmp == NULL)
			continue;
		else if (o[i].dir >= 0 && fstat(o[i].dir, &st) == 0 &&
		    st.st_nlink == 0)
			rc = err_set(e, o[i].path, 0, 0, "its folder was "
			    "removed during the run");
		else if ((o[i].dir >= 0 ? fstatat(o[i].dir, o[i].dest +
		    o[i].base, &st, 0) : stat(o[i].dest, &st)) == 0 &&
		    S_ISDIR(st.st_mode))
			rc = err_set(e, o[i].path, 0, 0, "%s",
			    strerror(EISDIR));
		else if (o[i].dir >= 0 && faccessat(o[i].dir, ".", W_OK |
		    X_OK, AT_EACCESS) != 0)
			rc = err_set(e, o[i].path, 0, 0, "its folder: %s",
			    strerror(errno));
	/* A signal that came before now ends the run with nothing
	 * replaced (delivered as they are released, below); one that comes
	 * while the files are renamed is too late to stop it: taken, so
	 * that the run ends as it did, every file replaced, exit 0 */
	if (rc == 0 && fatal_pending(&late) > 0)
		rc = err_set(e, NULL, 0, 0, "interrupted");
	for (i = 0; i < n && rc == 0; i++)
		rc = out_commit(&o[i], e);
	if (rc == 0)
		while (fatal_pending(&late) > 0 && sigtimedwait(&late, NULL,
		    &now) > 0)
			;
	release_signals(&old);
	return rc;
}

void
out_abort(struct out *o)
{
	if (o->fd >= 0 && o->own)
		close(o->fd);
	o->fd = -1;
	if (o->tmp != NULL) {
		/* unlink first: a handler skips it once live is 0 */
		unlink_tmp(o);
		o->live = 0;
		atomic_signal_fence(memory_order_seq_cst);
		free(o->tmp);
		o->tmp = NULL;
	}
	if (o->dir >= 0)
		close(o->dir);
	o->dir = -1;
	free(o->buf);
	o->buf = NULL;
	free(o->dest);
	o->dest = NULL;
}

void
out_unlink_tmp(const struct out *o)
{
	if (o->live)
		unlink_tmp(o);
}
