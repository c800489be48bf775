/* self.c - the program's own binary and a clean descriptor table
 * (self.h). */
#define _GNU_SOURCE
#include "base/self.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define DELETED " (deleted)"

const char *cd_self_exe(char *buf, size_t n)
{
	ssize_t l = n > 1 ? readlink("/proc/self/exe", buf, n - 1) : -1;
	if (l <= 0 || (size_t)l >= n - 1)
		return "/proc/self/exe";
	buf[l] = 0;
	size_t d = strlen(DELETED);
	if ((size_t)l > d && !strcmp(buf + l - d, DELETED)) {
		buf[l - d] = 0;         /* replaced: the one now there; removed: the old */
		if (access(buf, X_OK) < 0)
			return "/proc/self/exe";
	}
	return buf;
}

void cd_close_from(int fd)
{
	if (close_range((unsigned)fd, ~0U, 0) == 0)
		return;
	struct rlimit r;
	rlim_t end = getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < (1u << 20) ? r.rlim_cur : 1u << 20;
	for (rlim_t i = (rlim_t)fd; i < end; i++)
		close((int)i);
}
