/* diff.h - a longest common subsequence of two sequences, and a line diff
 * of two texts built on it.
 *
 * The nft chain rewrite keeps the rules of an LCS of the old and new
 * chains; `policy diff` shows revisions as a unified diff.  O(n*m) time
 * and memory (a table of n*m counters): callers bound the sizes. */
#ifndef CD_DIFF_H
#define CD_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#define CD_LCS_MAX_CELLS (1u << 22)

/* Mark in keep_a[i] / keep_b[j] the items of one longest common
 * subsequence of a[0..na) and b[0..nb), compared with eq.  Returns
 * -E2BIG (marking nothing) when (na + 1) * (nb + 1) > CD_LCS_MAX_CELLS. */
int cd_lcs(size_t na, size_t nb, bool (*eq)(void *ctx, size_t i, size_t j), void *ctx,
	   bool *keep_a, bool *keep_b);

/* A unified diff (three lines of context) from text a to text b, with
 * the labels on its "---" and "+++" lines; "" when they are equal.  Texts
 * too large to compare give a one-line note.  Caller frees. */
char *cd_diff_text(const char *label_a, const char *a, const char *label_b, const char *b);

#endif
