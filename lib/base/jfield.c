/* jfield.c - a user's JSON document's fields, checked (see jfield.h). */
#include "base/jfield.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cd_jerr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool cd_jname_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

int cd_jkeys(const json_t *o, const char *where, const char *const *keys, char *err,
	     size_t errlen)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], k))
			i++;
		if (!keys[i]) {
			char list[240] = "";
			for (i = 0; keys[i]; i++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
					 i ? ", " : "", keys[i]);
			return cd_jerr(err, errlen, "%s%.64s: unknown field (one of %s)", where, k, list);
		}
	}
	return 0;
}

int cd_jstring(const json_t *o, const char *key, const char *where, size_t max, bool required,
	       const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v)
		return required ? cd_jerr(err, errlen, "%s%s: missing", where, key) : 0;
	if (!json_is_string(v))
		return cd_jerr(err, errlen, "%s%s: not a string", where, key);
	size_t n = json_string_length(v);
	if (n > max || (required && n == 0))
		return cd_jerr(err, errlen, "%s%s: %zu bytes (%d to %zu)", where, key, n,
			       required ? 1 : 0, max);
	const char *s = json_string_value(v);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 127)
			return cd_jerr(err, errlen, "%s%s: holds a control character", where, key);
	*out = s;
	return 0;
}
