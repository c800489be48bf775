/* online.h - what the online commands share (online.c): calls to the
 * manager and printing their answers. */
#ifndef CORDON_ONLINE_H
#define CORDON_ONLINE_H

#include <jansson.h>
#include <stdbool.h>

/* Call METHOD path on the manager with body (taken over; may be NULL):
 * EXIT_OK with *out the answer (caller frees), or an exit code after a
 * message naming cmd. */
int online_call(const char *cmd, const char *method, const char *path, json_t *body,
		json_t **out);
/* GET path, an answer that is not JSON (CSV): EXIT_OK with *text, *len
 * (valid until the next call), or an exit code after a message. */
int online_get_text(const char *cmd, const char *path, const char **text, size_t *len);
/* POST FILE's JSON (at most max bytes; a syntax error said as
 * FILE:LINE:COLUMN) to route, a named document's (a view, a report):
 * "WHAT NAME saved: revision N", or an exit code after a message. */
int online_push_file(const char *cmd, const char *what, const char *route, const char *file,
		     size_t max);
/* A named document's revisions as a table: REV, TIME, AUTHOR, WHAT. */
void online_print_revisions(json_t *revs);
void online_print_json(json_t *o);
/* A string field of o, or "-". */
const char *online_str(json_t *o, const char *k);
/* An array of strings as "a, b" (caller frees). */
char *online_list_str(json_t *a);
/* A read-only listing: --json (only), then GET path; *json: whether the
 * JSON was printed (else the caller prints a table). */
int online_get_list(const char *cmd, int argc, char **argv, const char *path,
		    json_t **out, bool *json);
/* {"document": FILE's text, "filename"}; NULL with *rc after a message. */
json_t *online_doc_body(const char *cmd, const char *file, int *rc);

#endif
