/* token.h - API secrets: made from the system's random source, stored only
 * as their SHA-256, compared in constant time.
 *
 * A secret is "cd" + a role letter + "_" + 43 base64url characters (256
 * random bits), so a leaked one is recognisable in logs and files. */
#ifndef CD_TOKEN_H
#define CD_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define CD_TOKEN_MAX 128          /* longest secret accepted from outside */
#define CD_HASH_HEX 65            /* hex SHA-256 and its NUL */

/* A new secret with the given one-letter kind ('a' API, 'e' enrollment,
 * 'g' agent); returns a new string.  Aborts when no randomness. */
char *cd_token_new(char kind);
/* Hex SHA-256 of a secret. */
void cd_token_hash(const char *secret, char out[CD_HASH_HEX]);
/* Two strings of one length equal, in a time that does not depend on
 * where they differ. */
bool cd_token_equal(const char *a, const char *b);
/* Read a secret from a file: its first line, trimmed; -EINVAL when it is
 * empty, too long or holds odd bytes. */
int cd_token_read(const char *path, char **out);
/* Keep secret in path (0600, replaced whole: cd_write_file), as
 * cd_token_read reads it back. */
int cd_token_write(const char *path, const char *secret);

#endif
