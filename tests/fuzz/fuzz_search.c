/* fuzz_search.c - libFuzzer harness for the event log's search words
 * (manager/search.h), as a user's ?q= gives them.  Properties: no
 * crash; SQLite's query is a row of FTS5 strings (a quote inside doubled),
 * each maybe followed by *; PostgreSQL's holds, outside quoted lexemes
 * of letters and digits (any byte of a UTF-8 sequence), nothing but
 * blanks and its operators ( ) & <-> :* ! - so no text of the user's is
 * tsquery syntax. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manager/search.h"

static void check_fts5(const char *q)
{
	const char *p = q;
	while (*p) {
		if (*p++ != '"')
			abort();
		for (;;) {
			if (!*p)
				abort();        /* a string never closed */
			if (*p == '"' && p[1] == '"')
				p += 2;
			else if (*p == '"')
				break;
			else
				p++;
		}
		p++;
		if (*p == '*')
			p++;
		if (*p == ' ')
			p++;
		else if (*p)
			abort();
	}
}

static bool word(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') || c >= 0x80;
}

/* Outside quotes: operators and blanks only; inside: word bytes only,
 * and every quote closed */
static void check_tsquery(const char *q)
{
	bool in = false;
	for (const unsigned char *p = (const unsigned char *)q; *p; p++) {
		unsigned char c = *p;
		if (c == '\'')
			in = !in;
		else if (in ? !word(c) : !strchr(" ()&<->:*!x", c))
			abort();
	}
	if (in)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	char *a = cd_search_query(CD_DB_SQLITE, text), *b = cd_search_query(CD_DB_PG, text);
	check_fts5(a);
	check_tsquery(b);
	free(a);
	free(b);
	free(text);
	return 0;
}
