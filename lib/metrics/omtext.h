/* omtext.h - the OpenMetrics text format (and Prometheus's, its parent),
 * a line at a time: what `cordon metrics import` reads and GET /metrics
 * writes.
 *
 * A line is a sample (name{k="v",...} value [timestamp]), a descriptor
 * (# TYPE, # HELP, # UNIT), # EOF, or another comment.  The parser reads
 * a line in place and allocates nothing; it trusts nothing either: every
 * field is bounded, and a line that is not one says where and why. */
#ifndef CD_OMTEXT_H
#define CD_OMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

#define CD_OM_MAX_LINE 65536
#define CD_OM_MAX_LABELS 32
#define CD_OM_MAX_NAME 200         /* a metric's or label's name */
#define CD_OM_MAX_VALUE 1024       /* a label's value, escapes included */

enum cd_om_what { CD_OM_SAMPLE, CD_OM_TYPE, CD_OM_COMMENT, CD_OM_EOF };

struct cd_om_str {
	const char *p;
	size_t len;
};

struct cd_om_line {
	enum cd_om_what what;
	struct cd_om_str name;     /* the sample's metric, or the TYPE's family */
	struct cd_om_str type;     /* TYPE: counter, gauge, ... */
	struct cd_om_str key[CD_OM_MAX_LABELS], val[CD_OM_MAX_LABELS];   /* val as written */
	size_t nlabels;
	double v;
	bool has_t;
	int64_t t_ms;              /* the timestamp, seconds in the text, rounded to ms */
};

/* Parse one line (without its newline): 0, or -EINVAL with *col (1-based)
 * and *msg (a static text) saying what is wrong. */
int cd_om_parse(const char *line, size_t len, struct cd_om_line *out, size_t *col,
		const char **msg);

/* Whether s equals the NUL-terminated z. */
bool cd_om_eq(struct cd_om_str s, const char *z);

/* Append a label value to b, escaped as the format wants (\\, \", \n). */
void cd_om_escape(struct cd_buf *b, const char *s);
/* A double as the format writes it: the shortest text that reads back
 * the same, NaN, +Inf, -Inf. */
void cd_om_double(struct cd_buf *b, double v);

#endif
