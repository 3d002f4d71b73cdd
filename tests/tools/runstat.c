/*
 * runstat - benchmark tool: run a command, then report its wall-clock
 * time, peak resident memory and exit status (no GNU time needed).
 *
 * usage: runstat [-o FILE] [-t SECONDS] [--] COMMAND [ARG...]
 *
 * Prints one line, to FILE (-o, truncated) or else to standard error:
 *
 *	seconds maxrss_kib exit_status user_seconds sys_seconds
 *
 * seconds is wall-clock time from fork to reaping the child
 * (CLOCK_MONOTONIC); maxrss_kib, user and sys come from the child's
 * rusage (wait4), so they cover the command and the descendants it
 * waited for (for maxrss: the largest of them).  exit_status is the
 * child's exit status, or 128+N when it was killed by signal N, 127
 * when the command cannot be run.  -t kills the command (SIGKILL) after
 * SECONDS of wall-clock time.  runstat exits with the same exit_status
 * (2 on its own misuse).
 */
#define _DEFAULT_SOURCE		/* wait4, struct rusage.ru_maxrss */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void
on_alarm(int sig)
{
	(void)sig;
	if (child_pid > 0)
		kill((pid_t)child_pid, SIGKILL);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
tv_sec(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int
usage(void)
{
	fprintf(stderr, "usage: runstat [-o FILE] [-t SECONDS] [--] "
	    "COMMAND [ARG...]\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	const char *outpath = NULL;
	unsigned timeout = 0;
	struct rusage ru;
	struct sigaction sa;
	double t0, t1;
	pid_t pid, r;
	int i, status, code;
	FILE *f;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			outpath = argv[++i];
		} else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || v > 86400UL * 365)
				return usage();
			timeout = (unsigned)v;
		} else {
			return usage();
		}
	}
	if (i >= argc)
		return usage();

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	fflush(NULL);
	t0 = now();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		execvp(argv[i], argv + i);
		fprintf(stderr, "runstat: %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	if (timeout > 0)
		alarm(timeout);
	do
		r = wait4(pid, &status, 0, &ru);
	while (r < 0 && errno == EINTR);
	t1 = now();
	alarm(0);
	if (r < 0) {
		fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
		return 127;
	}
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		code = 128 + WTERMSIG(status);
	else
		code = 127;

	f = stderr;
	if (outpath != NULL && (f = fopen(outpath, "w")) == NULL) {
		fprintf(stderr, "runstat: %s: %s\n", outpath, strerror(errno));
		return code ? code : 1;
	}
	/* Linux reports ru_maxrss in KiB. */
	fprintf(f, "%.6f %ld %d %.3f %.3f\n", t1 - t0, (long)ru.ru_maxrss,
	    code, tv_sec(ru.ru_utime), tv_sec(ru.ru_stime));
	if (f != stderr && fclose(f) != 0) {
		fprintf(stderr, "runstat: %s: %s\n", outpath, strerror(errno));
		return code ? code : 1;
	}
	return code;
}
