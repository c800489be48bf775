/* http.h - the client side of the API (libcurl): the CLI's online
 * commands and the agent call the manager through it.
 *
 * One handle keeps its connection (and TLS session) open between calls.
 * Errors are sentences a person can act on: the manager unreachable, its
 * certificate not trusted, a timeout. */
#ifndef CD_HTTP_H
#define CD_HTTP_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

#include "base/util.h"

#define CD_HTTP_RESP_MAX (512u << 20)  /* the largest answer accepted */

struct cd_http {
	void *curl;             /* CURL * */
	char *base;             /* "https://127.0.0.1:4119" */
	char *auth;             /* "Authorization: Bearer ..." or NULL */
	bool insecure;
	char *cacert;
	struct cd_buf resp;
	const volatile sig_atomic_t *cancel;   /* or NULL; set: calls end */
};

int cd_http_init(struct cd_http *h, const char *base, const char *token,
		 bool insecure, const char *cacert);
void cd_http_free(struct cd_http *h);
void cd_http_set_token(struct cd_http *h, const char *token);
/* Calls end (-ECANCELED) within about a second of *flag turning nonzero
 * (a signal handler's flag: the agent stops without waiting out a
 * long-poll). */
void cd_http_set_cancel(struct cd_http *h, const volatile sig_atomic_t *flag);

/* Call METHOD base+path with body (may be NULL); on an answer returns 0
 * with *status and *out (the parsed JSON, or NULL when the answer is not
 * JSON; caller frees).  Without one: a negative code and err saying why. */
int cd_http_call(struct cd_http *h, const char *method, const char *path, json_t *body,
		 long timeout_ms, long *status, json_t **out, struct cd_buf *err);
/* A path segment or query value, percent-encoded (caller frees). */
char *cd_http_escape(const char *s);

#endif
