/* assets.c - the web console's files (assets.h). */
#include "console/assets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

bool cd_console_path(const char *path)
{
	return strncmp(path, "/api/", 5) && strcmp(path, "/api") && strcmp(path, "/metrics");
}

static const char *type_of(const char *path)
{
	static const struct { const char *ext, *type; } t[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" }, { ".png", "image/png" }, { ".json", "application/json" },
		{ ".map", "application/json" }, { ".woff2", "font/woff2" }, { ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < CD_ARRAY_LEN(t); i++)
		if (!strcmp(dot, t[i].ext))
			return t[i].type;
	return NULL;
}

int cd_console_asset(const char *dir, const char *path, char **data, size_t *len, const char **ctype)
{
	if (path[0] != '/' || strlen(path) > 256)
		return -EINVAL;
	const char *rel = path[1] ? path + 1 : "index.html";
	/* each segment plain: not empty, not led by '.', no '\' nor control bytes */
	for (const char *s = rel; *s;) {
		size_t n = strcspn(s, "/");
		if (n == 0 || s[0] == '.')
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\')
				return -EINVAL;
		s += n;
		if (*s == '/' && !*++s)
			return -EINVAL;         /* a trailing '/' */
	}
	const char *type = type_of(rel);
	if (!type)
		return -ENOENT;
	char *full = cd_asprintf("%s/%s", dir, rel);
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(full);
	if (fd < 0)
		return -ENOENT;
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		r = -ENOENT;
	else if ((uint64_t)st.st_size > CD_ASSET_MAX)
		r = -EFBIG;
	char *buf = r ? NULL : cd_malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (!r && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			r = -EIO;
		else
			got += (size_t)n;
	}
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	*data = buf;
	*len = got;
	*ctype = type;
	return 0;
}
