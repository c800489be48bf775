/* reload.c - the agent's reload: the configuration checked by a child of
 * the program's own binary, then the program executed again (reload.h). */
#define _GNU_SOURCE
#include "agent/reload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/self.h"

#define SAID_MAX 4096

int cd_reload_check(char *const argv[], struct cd_buf *err)
{
	size_t n = 0;
	while (argv[n])
		n++;
	/* argv[0], --check-config, the rest, NULL */
	char **cargv = cd_calloc(n + 2, sizeof(*cargv));
	cargv[0] = argv[0];
	cargv[1] = (char *)"--check-config";
	for (size_t i = 1; i < n; i++)
		cargv[i + 1] = argv[i];
	char buf[4096];
	const char *self = cd_self_exe(buf, sizeof(buf));
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;
		free(cargv);
		return -e;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(p[1], STDERR_FILENO) < 0)
			_exit(127);
		execv(self, cargv);
		_exit(127);
	}
	int e = errno;
	free(cargv);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -e;
	}
	/* what the check says: kept up to SAID_MAX, the rest read and dropped */
	char b[512];
	ssize_t r;
	size_t said = 0;
	while ((r = read(p[0], b, sizeof(b))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		size_t k = (size_t)r < SAID_MAX - said ? (size_t)r : SAID_MAX - said;
		if (k && cd_buf_add(err, b, k) == 0)
			said += k;
	}
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		cd_buf_reset(err);      /* "the configuration is good" went to stdout */
		return 0;
	}
	/* its first line: the reason (FILE:LINE: ...); a usage may follow */
	char *nl = err->len ? memchr(err->data, '\n', err->len) : NULL;
	if (nl) {
		*nl = '\0';
		err->len = (size_t)(nl - err->data);
	}
	if (!err->len)
		cd_buf_printf(err, "the check (%s --check-config) %s %d", self,
			      WIFEXITED(st) ? "exited" : "ended by signal",
			      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 127 ? -ENOEXEC : -EINVAL;
}

int cd_reload_exec(char *const argv[])
{
	char buf[4096];
	const char *self = cd_self_exe(buf, sizeof(buf));
	cd_close_from(3);   /* nothing of this run passes to the next but stdio */
	execv(self, argv);
	return -errno;
}
