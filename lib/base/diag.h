/* diag.h - located diagnostics, collected on a list and printed once.
 *
 * Every stage (load, parse, resolve) appends to one cd_diags; nothing is
 * applied when it holds an error.  Messages are printed as
 *   FILE:LINE:COLUMN: error: MESSAGE
 * (as compilers and nft do), in the order they were found. */
#ifndef CD_DIAG_H
#define CD_DIAG_H

#include <stdio.h>
#include <stddef.h>

/* A position in an input file; line and col are 1-based, 0 when unknown. */
struct cd_loc {
	const char *file;   /* borrowed; the name the user gave */
	int line;           /* 1-based line */
	int col;            /* 1-based column, in bytes */
};

struct cd_diag {
	struct cd_loc loc;  /* where; file NULL for errors of no file */
	char *msg;          /* owned message, no trailing newline */
};

struct cd_diags {
	struct cd_diag *v;  /* diagnostics in the order found */
	size_t n;           /* how many */
	size_t cap;         /* allocated */
	size_t max;         /* stop storing past this many (a flood guard) */
	size_t dropped;     /* errors past max, counted only */
};

void cd_diags_init(struct cd_diags *d);
void cd_diags_free(struct cd_diags *d);
void cd_error(struct cd_diags *d, struct cd_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline size_t cd_nerrors(const struct cd_diags *d)
{
	return d->n + d->dropped;
}
/* Print every diagnostic to f, one per line. */
void cd_diags_print(const struct cd_diags *d, FILE *f);

#endif
