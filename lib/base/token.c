/* token.c - API secrets (see token.h). */
#include "base/token.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *cd_token_new(char kind)
{
	unsigned char r[32];
	if (gnutls_rnd(GNUTLS_RND_KEY, r, sizeof(r)) < 0)
		abort();
	char *s = cd_malloc(4 + 43 + 1), *p = s;
	*p++ = 'c';
	*p++ = 'd';
	*p++ = kind;
	*p++ = '_';
	/* 256 bits as 43 six-bit digits (the last one holds 4 bits) */
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < sizeof(r); i++) {
		acc = (acc << 8) | r[i];
		bits += 8;
		while (bits >= 6) {
			*p++ = b64url[(acc >> (bits - 6)) & 63];
			bits -= 6;
		}
	}
	if (bits)
		*p++ = b64url[(acc << (6 - bits)) & 63];
	*p = 0;
	return s;
}

void cd_token_hash(const char *secret, char out[CD_HASH_HEX])
{
	unsigned char d[32];
	gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int cd_token_write(const char *path, const char *secret)
{
	char *line = cd_asprintf("%s\n", secret);
	int r = cd_write_file(path, line, strlen(line), 0600);
	free(line);
	return r;
}

int cd_token_read(const char *path, char **out)
{
	char *text;
	size_t len;
	int r = cd_read_file(path, 4096, &text, &len);
	if (r < 0)
		return r;
	size_t n = strcspn(text, "\r\n");
	while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	size_t start = strspn(text, " \t");
	if (n <= start || n - start > CD_TOKEN_MAX) {
		free(text);
		return -EINVAL;
	}
	for (size_t i = start; i < n; i++)
		if ((unsigned char)text[i] <= ' ' || (unsigned char)text[i] >= 127) {
			free(text);
			return -EINVAL;
		}
	*out = cd_strndup(text + start, n - start);
	free(text);
	return 0;
}

bool cd_token_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b))
		return false;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}
