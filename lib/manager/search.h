/* search.h - the words a user searches the event log for, as the query
 * of the store's full-text search: SQLite's FTS5 or PostgreSQL's
 * tsquery.  Each word must be there (as a prefix of one when it ends in
 * '*'); nothing of the user's text is the search's own syntax. */
#ifndef CD_SEARCH_H
#define CD_SEARCH_H

#include "db/db.h"

/* A new string (caller frees); text without a word gives a query that
 * matches nothing. */
char *cd_search_query(enum cd_db_kind kind, const char *text);

#endif
