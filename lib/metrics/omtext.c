/* omtext.c - OpenMetrics text, a line at a time (see omtext.h).
 *
 * Numbers are read on the fast path of Clinger's algorithm where it is
 * exact (at most 19 significant digits making an integer below 2^53,
 * at most 22 decimals: one correctly rounded division), else by strtod:
 * an import reads millions of them. */
#include "metrics/omtext.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double p10[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

bool cd_om_eq(struct cd_om_str s, const char *z)
{
	return strlen(z) == s.len && !memcmp(s.p, z, s.len);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool name_start(char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static bool name_char(char c, bool colon)
{
	return name_start(c, colon) || is_digit(c);
}

/* A name at p: its end, or NULL. */
static const char *name(const char *p, const char *end, bool colon, struct cd_om_str *out)
{
	const char *s = p;
	if (p == end || !name_start(*p, colon))
		return NULL;
	while (p < end && name_char(*p, colon))
		p++;
	if (p - s > CD_OM_MAX_NAME)
		return NULL;
	*out = (struct cd_om_str){ s, (size_t)(p - s) };
	return p;
}

static bool token_is(const char *p, const char *end, const char *z)
{
	size_t n = strlen(z);
	return (size_t)(end - p) >= n && !memcmp(p, z, n) && (p + n == end || p[n] == ' ');
}

/* A number ending at a space or the line's end: its end, or NULL. */
static const char *number(const char *p, const char *end, double *v)
{
	const char *s = p, *tok = p;
	while (tok < end && *tok != ' ')
		tok++;
	if (token_is(p, end, "NaN")) {
		*v = NAN;
		return p + 3;
	}
	if (token_is(p, end, "+Inf") || token_is(p, end, "-Inf")) {
		*v = *p == '-' ? -INFINITY : INFINITY;
		return p + 4;
	}
	if (token_is(p, end, "Inf")) {
		*v = INFINITY;
		return p + 3;
	}
	bool neg = false, dot = false, slow = false;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	uint64_t k = 0;
	int sig = 0, frac = 0, digits = 0;
	for (; p < end; p++) {
		if (is_digit(*p)) {
			digits++;
			if (k == 0 && *p == '0') {
				if (dot)
					frac++;
				continue;
			}
			if (sig == 19) {
				slow = true;
				continue;
			}
			k = k * 10 + (uint64_t)(*p - '0');
			sig++;
			if (dot)
				frac++;
		} else if (*p == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!digits)
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E'))
		slow = true;
	if (!slow && k < (UINT64_C(1) << 53) && frac <= 22) {
		double x = (double)k / p10[frac];
		*v = neg ? -x : x;
		return p;
	}
	/* strtod on a bounded copy of the token */
	char buf[64];
	size_t n = (size_t)(tok - s);
	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *e;
	errno = 0;
	double x = strtod(buf, &e);
	/* an underflow reads as the nearest denormal or 0: kept; an
	 * overflow is not a number of the format (it writes +Inf) */
	if (e != buf + n || (errno == ERANGE && isinf(x)))
		return NULL;
	*v = x;
	return tok;
}

/* A timestamp in seconds, to the millisecond, within 9e12 s of the epoch
 * (its microseconds fit 63 bits): its end, or NULL. */
static const char *timestamp(const char *p, const char *end, int64_t *ms)
{
	const char *s = p;
	bool neg = p < end && *p == '-';
	if (neg)
		p++;
	int64_t sec = 0, frac = 0;
	int nint = 0, nfrac = 0;
	bool round_up = false;
	while (p < end && is_digit(*p) && nint < 15)
		sec = sec * 10 + (*p++ - '0'), nint++;
	if (p < end && *p == '.') {
		for (p++; p < end && is_digit(*p); p++, nfrac++)
			if (nfrac < 3)
				frac = frac * 10 + (*p - '0');
			else if (nfrac == 3)
				round_up = *p >= '5';
	}
	if (nint && (p == end || *p == ' ') && sec <= 9000000000000) {
		for (int i = nfrac; i < 3; i++)
			frac *= 10;
		int64_t t = sec * 1000 + frac + round_up;
		*ms = neg ? -t : t;
		return p;
	}
	double x;                  /* 1.7645472e+09 and the like */
	const char *e = number(s, end, &x);
	if (!e || !isfinite(x) || fabs(x) > 9e12)
		return NULL;
	*ms = llround(x * 1000);
	return e;
}

static int bad(const char *line, const char *at, size_t *col, const char **msg, const char *m)
{
	*col = (size_t)(at - line) + 1;
	*msg = m;
	return -EINVAL;
}

/* The {k="v",...} block at p (after the '{'): its end after '}', or NULL
 * with the error set. */
static const char *labels(const char *line, const char *p, const char *end,
			  struct cd_om_line *out, size_t *col, const char **msg)
{
	while (p < end && *p != '}') {
		if (out->nlabels == CD_OM_MAX_LABELS) {
			bad(line, p, col, msg, "more than 32 labels");
			return NULL;
		}
		struct cd_om_str *k = &out->key[out->nlabels], *v = &out->val[out->nlabels];
		const char *q = name(p, end, false, k);
		if (!q) {
			bad(line, p, col, msg, "expected a label name");
			return NULL;
		}
		for (size_t i = 0; i < out->nlabels; i++)
			if (out->key[i].len == k->len && !memcmp(out->key[i].p, k->p, k->len)) {
				bad(line, p, col, msg, "a label given twice");
				return NULL;
			}
		p = q;
		if (p + 1 >= end || p[0] != '=' || p[1] != '"') {
			bad(line, p, col, msg, "expected =\" after the label name");
			return NULL;
		}
		p += 2;
		const char *vs = p;
		while (p < end && *p != '"') {
			if (*p == '\\') {
				if (p + 1 == end || (p[1] != '\\' && p[1] != '"' && p[1] != 'n')) {
					bad(line, p, col, msg, "a label value may escape only \\\\, \\\" and \\n");
					return NULL;
				}
				p++;
			}
			p++;
		}
		if (p == end) {
			bad(line, vs, col, msg, "a label value without its closing quote");
			return NULL;
		}
		if (p - vs > CD_OM_MAX_VALUE) {
			bad(line, vs, col, msg, "a label value over 1024 bytes");
			return NULL;
		}
		*v = (struct cd_om_str){ vs, (size_t)(p - vs) };
		out->nlabels++;
		p++;
		if (p < end && *p == ',')
			p++;
		else if (p < end && *p != '}') {
			bad(line, p, col, msg, "expected , or } after a label");
			return NULL;
		}
	}
	if (p == end) {
		bad(line, p, col, msg, "labels without their closing }");
		return NULL;
	}
	return p + 1;
}

static int descriptor(const char *line, const char *p, const char *end, struct cd_om_line *out,
		      size_t *col, const char **msg)
{
	if (token_is(p, end, "EOF")) {
		out->what = CD_OM_EOF;
		return 0;
	}
	if (!token_is(p, end, "TYPE"))
		return 0;          /* HELP, UNIT or a comment: nothing kept */
	if (p + 4 == end)
		return bad(line, end, col, msg, "expected a metric name and a type after # TYPE");
	p += 5;
	const char *q = name(p, end, true, &out->name);
	if (!q || q == end || *q != ' ')
		return bad(line, p, col, msg, "expected a metric name and a type after # TYPE");
	out->type = (struct cd_om_str){ q + 1, (size_t)(end - q - 1) };
	out->what = CD_OM_TYPE;
	return 0;
}

int cd_om_parse(const char *line, size_t len, struct cd_om_line *out, size_t *col,
		const char **msg)
{
	const char *p = line, *end = line + len;
	out->what = CD_OM_COMMENT;
	out->nlabels = 0;
	out->has_t = false;
	if (len > CD_OM_MAX_LINE)
		return bad(line, line, col, msg, "a line over 64 KiB");
	if (len && end[-1] == '\r')
		end--;
	if (p == end)
		return 0;
	if (*p == '#')
		return p + 1 < end && p[1] == ' ' ? descriptor(line, p + 2, end, out, col, msg) : 0;
	const char *q = name(p, end, true, &out->name);
	if (!q)
		return bad(line, p, col, msg, "expected a metric name");
	p = q;
	if (p < end && *p == '{' && !(p = labels(line, p + 1, end, out, col, msg)))
		return -EINVAL;
	if (p == end || *p != ' ')
		return bad(line, p, col, msg, "expected a space and a value");
	p++;
	if (!(q = number(p, end, &out->v)))
		return bad(line, p, col, msg, "expected a number");
	p = q;
	out->what = CD_OM_SAMPLE;
	if (p == end)
		return 0;
	if (*p != ' ')
		return bad(line, p, col, msg, "expected a space and a timestamp");
	p++;
	if (!(q = timestamp(p, end, &out->t_ms)))
		return bad(line, p, col, msg, "expected a timestamp (seconds since the epoch)");
	out->has_t = true;
	/* an exemplar (# {...} value) may follow; it is not kept */
	if (q != end && !(q[0] == ' ' && q + 1 < end && q[1] == '#'))
		return bad(line, q, col, msg, "unexpected text after the timestamp");
	return 0;
}

void cd_om_escape(struct cd_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			cd_buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			cd_buf_puts(b, "\\n");
		else if (cd_buf_add(b, s, 1) < 0)
			return;            /* full: the caller's limit */
	}
}

void cd_om_double(struct cd_buf *b, double v)
{
	if (isnan(v))
		cd_buf_puts(b, "NaN");
	else if (isinf(v))
		cd_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else {
		char s[32];
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(s, sizeof(s), "%.*g", prec, v);
			if (strtod(s, NULL) == v)
				break;
		}
		cd_buf_puts(b, s);
	}
}
