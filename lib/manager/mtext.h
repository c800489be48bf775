/* mtext.h - a metrics query's answer as JSON text ({"series": [...]}),
 * the series given in order as the store answers them.
 *
 * Large answers are written by a second thread while the store is read
 * for the next series: the text of 144,000 points (their shortest
 * decimals, their times) costs about as much as reading and rolling up
 * their samples, and the two overlap on a machine's other core.  The
 * series wait in a queue of a few dozen, in order. */
#ifndef CD_MTEXT_H
#define CD_MTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"
#include "metrics/mquery.h"

struct cd_mtext;

/* An answer begun in b (its limit the answer's), written by a thread of
 * its own when threaded (else, or when that thread cannot start, by the
 * caller's as each series is given). */
struct cd_mtext *cd_mtext_start(struct cd_buf *b, bool threaded);
/* The next series: head the text of its JSON object without the closing
 * brace ({"kind": ..., "unit": ...), then its points, both taken (freed
 * once written); points that are not finite are left out.  0, or the
 * first error of the writing (-E2BIG: b is full), after which the rest is
 * dropped. */
int cd_mtext_series(struct cd_mtext *w, char *head, struct cd_point *p, size_t n);
/* The answer ended (its thread joined, w freed): 0, or the first error. */
int cd_mtext_end(struct cd_mtext *w);

#endif
