/* http.h - the client side of the API (libcurl): the CLI's online
 * commands and the agent call the manager through it.
 *
 * One handle keeps its connection (and TLS session) open between calls.
 * Errors are sentences a person can act on: the manager unreachable, its
 * certificate not trusted, a timeout.
 *
 * Several managers (URL1,URL2,...: managers sharing one database): calls
 * go to one until it fails them, then to the next, which they stay with.
 * A call moves on when the manager could not be reached (it never had
 * the request), when it answers 503 (it made no change), and, for a GET
 * or on a handle whose calls may all be sent twice (the agent's), when
 * the connection broke or timed out. */
#ifndef CD_HTTP_H
#define CD_HTTP_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

#include "base/pin.h"
#include "base/util.h"

#define CD_HTTP_RESP_MAX (512u << 20)  /* the largest answer accepted */

struct cd_http {
	void *curl;             /* CURL * */
	char *base;             /* the manager called now: "https://127.0.0.1:4119" */
	char **bases;           /* every manager given, in order */
	size_t nbases, cur;     /* base is bases[cur] */
	bool resend;            /* calls may be sent twice: move on after any failure */
	size_t moves;           /* times the calls moved to another manager */
	char *auth;             /* "Authorization: Bearer ..." or NULL */
	bool insecure;
	char *cacert;
	struct cd_buf resp;
	const volatile sig_atomic_t *cancel;   /* or NULL; set: calls end */
	long connect_ms;        /* TCP and TLS handshakes' bound (5 s) */
};

/* A cacert that is a pin of the manager's key (cordond --fingerprint):
 * "sha256//" and 44 characters of base64; several joined by ';' (managers
 * on one database, each its own key). */
#define CD_HTTP_PIN_PREFIX "sha256//"
bool cd_http_pin_valid(const char *pin);
/* The pin of the key the manager at base (one URL) shows in a TLS
 * handshake, which is not checked: what a person is asked to trust on
 * first use (cordon-agent enroll).  Nothing is sent. */
int cd_http_peer_pin(const char *base, char out[CD_PIN_LEN], struct cd_buf *err);

/* The URLs of a list separated by commas, blanks and trailing '/'
 * trimmed, empty ones skipped (*out: n strings, cd_strv_free). */
void cd_http_urls(const char *list, char ***out, size_t *n);
/* base: one manager's URL, or several separated by commas.  cacert: the
 * file of the certificate to trust, or a pin of its key (above); NULL
 * with insecure: none.  -EINVAL when no URL is given. */
int cd_http_init(struct cd_http *h, const char *base, const char *token,
		 bool insecure, const char *cacert);
/* Whether every call of this handle may be sent twice (see above). */
void cd_http_set_resend(struct cd_http *h, bool resend);
void cd_http_free(struct cd_http *h);
void cd_http_set_token(struct cd_http *h, const char *token);
/* Calls end (-ECANCELED) within about a second of *flag turning nonzero
 * (a signal handler's flag: the agent stops without waiting out a
 * long-poll). */
void cd_http_set_cancel(struct cd_http *h, const volatile sig_atomic_t *flag);
/* The bound on a call's TCP and TLS handshakes, 5 s by default: an agent
 * moves to its next manager soon; a person's command may wait longer for
 * a busy one. */
void cd_http_set_connect_timeout(struct cd_http *h, long ms);

/* Call METHOD base+path with body (may be NULL); on an answer returns 0
 * with *status and *out (the parsed JSON, or NULL when the answer is not
 * JSON; caller frees).  Without one: a negative code and err saying why. */
int cd_http_call(struct cd_http *h, const char *method, const char *path, json_t *body,
		 long timeout_ms, long *status, json_t **out, struct cd_buf *err);
/* A path segment or query value, percent-encoded (caller frees). */
char *cd_http_escape(const char *s);

#endif
