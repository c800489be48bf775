/* search.c - the event log's search words as a query (see search.h).
 *
 * SQLite: each word an FTS5 string ("" for a quote inside), followed by *
 * for a prefix.  PostgreSQL: each word's runs of letters and digits (and
 * any non-ASCII character), each quoted, in a row (<->), ANDed, :* for a
 * prefix; the documents are split the same way
 * (CD_STORE_PG_TEXT), as FTS5's unicode61 tokenizer splits them. */
#include "manager/search.h"

#include <stdbool.h>
#include <string.h>

#include "base/util.h"

/* A byte of a word: a letter or digit, or part of a UTF-8 sequence. */
static bool word_byte(char c)
{
	unsigned char u = (unsigned char)c;
	return (u >= '0' && u <= '9') || ((u | 32) >= 'a' && (u | 32) <= 'z') || u >= 0x80;
}

static void fts5_word(struct cd_buf *b, const char *w, size_t n, bool prefix, bool first)
{
	cd_buf_puts(b, first ? "\"" : " \"");
	for (size_t i = 0; i < n; i++)
		cd_buf_puts(b, w[i] == '"' ? "\"\"" : (char[]){ w[i], 0 });
	cd_buf_puts(b, prefix ? "\"*" : "\"");
}

/* The word's letters and digits: false when it has none. */
static bool tsquery_word(struct cd_buf *b, const char *w, size_t n, bool prefix, bool first)
{
	int parts = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && !word_byte(w[i]))
			i++;
		size_t j = i;
		while (j < n && word_byte(w[j]))
			j++;
		if (j > i) {
			/* quoted: what PostgreSQL's parser takes for a separator
			 * inside it (U+2028, U+3000: bytes of a word here) makes a
			 * phrase, not a syntax error */
			cd_buf_puts(b, parts++ ? " <-> '" : first ? "('" : " & ('");
			if (cd_buf_add(b, w + i, j - i) < 0)
				return false;      /* (cannot: b holds 8 times the text) */
			cd_buf_puts(b, "'");
		}
		i = j;
	}
	if (parts)
		cd_buf_puts(b, prefix ? ":*)" : ")");
	return parts > 0;
}

char *cd_search_query(enum cd_db_kind kind, const char *text)
{
	struct cd_buf b;
	cd_buf_init(&b, 8 * strlen(text) + 64);
	int words = 0;
	for (const char *p = text; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t n = (size_t)(p - w);
		bool prefix = n > 1 && w[n - 1] == '*';
		if (prefix)
			n--;
		if (kind == CD_DB_PG) {
			words += tsquery_word(&b, w, n, prefix, words == 0);
		} else {
			fts5_word(&b, w, n, prefix, words == 0);
			words++;
		}
	}
	if (!words) {
		cd_buf_free(&b);
		return cd_strdup(kind == CD_DB_PG ? "(!x & x)" : "\"\"");     /* nothing matches */
	}
	return cd_buf_steal(&b);
}
