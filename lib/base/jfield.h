/* jfield.h - the fields of a JSON document a user writes (a view, a
 * report): each error names the field it is about, as
 * "columns[2].unit: ...", in err, and the call returns -EINVAL. */
#ifndef CD_JFIELD_H
#define CD_JFIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* err gets fmt's text; returns -EINVAL. */
int cd_jerr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A name of 1 to max bytes of a-z, 0-9, '-', '_', '.', starting with a
 * letter or a digit (a view's, a report's). */
bool cd_jname_ok(const char *s, size_t max);
/* Every key of o is one of keys (NULL-ended): 0, or "WHEREkey: unknown
 * field (one of ...)". */
int cd_jkeys(const json_t *o, const char *where, const char *const *keys, char *err,
	     size_t errlen);
/* o[key], a string of at most max bytes without control characters: 0
 * with *out (NULL when absent and not required; a required one is not
 * empty either), or the error. */
int cd_jstring(const json_t *o, const char *key, const char *where, size_t max, bool required,
	       const char **out, char *err, size_t errlen);

#endif
