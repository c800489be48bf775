/* assets.h - the web console's files, served by cordond from a directory
 * (its pages and modules are public code; every call they make to the API
 * authenticates): a URL's path to one regular file under the directory,
 * never outside it, with its content type, and the headers every answer
 * carries (a strict Content-Security-Policy: no inline script, no eval, no
 * other origin). */
#ifndef CD_CONSOLE_ASSETS_H
#define CD_CONSOLE_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

#define CD_ASSET_MAX (8u << 20)       /* the largest file served */

#define CD_CONSOLE_CSP                                                          \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "      \
	"frame-ancestors 'none'"

/* Whether a path is the console's (not the API's nor /metrics). */
bool cd_console_path(const char *path);
/* The file for path ("/" is index.html): 0 with *data (the caller frees),
 * *len and *ctype; -ENOENT when there is none; -EINVAL for a path with an
 * empty, "." or ".."-led segment, a backslash or a control byte; -EFBIG
 * past CD_ASSET_MAX. */
int cd_console_asset(const char *dir, const char *path, char **data, size_t *len, const char **ctype);

#endif
