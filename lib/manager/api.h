/* api.h - the REST API (/api/v1), as a function from a request to a JSON
 * response, with no socket in sight: cordond's HTTP server feeds it, the
 * tests and the fuzzer call it directly.  docs/openapi.json describes it.
 *
 * Every request is authenticated (a bearer token, a console session's
 * cookie with, for a change, its X-CSRF-Token, or for enrollment the
 * one-time token in the body), checked against the route's roles, and its
 * body validated: an object with known fields of the right types, within
 * the route's size limit.  Errors are {"error": MESSAGE, "field": NAME}
 * (field when one is at fault) with a 4xx status for the client's
 * mistakes, or {"error", "errors": [{"file", "line", "column",
 * "message"}]} for a document that does not load. */
#ifndef CD_API_H
#define CD_API_H

#include <jansson.h>
#include <stdbool.h>

#include "manager/mgr.h"

#define CD_API_DOC_MAX   (33u << 20)  /* a policy or inventory push */
#define CD_API_BODY_MAX  (1u << 20)   /* any other body */
#define CD_API_WAIT_MAX  60           /* longest long-poll, seconds */
#define CD_API_EVENTS_PAGE 1000       /* most events in one answer */
#define CD_SESSION_COOKIE "cordon_session"

struct cd_api_req {
	const char *method;
	const char *path;          /* decoded, without the query */
	json_t *query;             /* {"key": "value"} (borrowed) */
	const char *auth;          /* the Authorization header, or NULL */
	const char *cookie;        /* the Cookie header (a console session), or NULL */
	const char *csrf;          /* the X-CSRF-Token header, or NULL */
	const char *content_type;  /* the Content-Type header, or NULL */
	const char *from;          /* the Origin header (a browser's page), or NULL */
	const char *host;          /* the Host header, or NULL */
	const char *origin;        /* the peer's address */
	const char *body;          /* NULL when none */
	size_t body_len;
};

struct cd_api_resp {
	int status;
	json_t *body;              /* owned */
	struct cd_blob *blob;      /* or this text as the body (a reference) */
	const char *content_type;  /* of the blob; NULL: application/json */
	/* a long-poll with nothing new yet: answer cd_api_changes(m, since)
	 * when the change number passes since, or after wait_ms */
	bool wait;
	int64_t since;
	int wait_ms;
	char *who;                 /* the authenticated token's name, for the log */
	char *workload;            /* changes for a scanning agent: its workload's */
	int retry_after;           /* a 429 or 503: seconds (Retry-After), 0: none */
	char *set_cookie;          /* a Set-Cookie header to send, or NULL */
	/* GET /stream, admitted: the server answers with its live stream
	 * (text/event-stream) instead of a body */
	bool stream;
};

/* The largest body a route takes, for the server to refuse earlier. */
size_t cd_api_body_limit(const char *method, const char *path);
/* The lock is the route table's to say.  Most routes are answered with
 * the server's lock held (the one given to the manager as its options'
 * lock) around cd_api_handle.  A route that may work for long (a metrics
 * query or export, a password's hash, a source's connection test) runs
 * unlocked: the server calls cd_api_handle for it without the lock, on
 * another thread than the agents' requests; cd_api_handle takes the lock
 * itself, and leaves it for the slow part. */
bool cd_api_unlocked(const char *method, const char *path);
void cd_api_handle(struct cd_mgr *m, const struct cd_api_req *r, struct cd_api_resp *out);
/* What the server asks from the headers alone, before it reads a byte of
 * the body: the token, the route's roles, and the declared length
 * (r->body_len, from Content-Length) against the route's limit.  true:
 * read the body, then cd_api_handle; false: answer out (401, 403, 404,
 * 405 or 413) and read nothing more. */
bool cd_api_admit(struct cd_mgr *m, const struct cd_api_req *r, struct cd_api_resp *out);
void cd_api_resp_free(struct cd_api_resp *r);
/* The answer to a long-poll for what came after since: out's body or
 * blob (out->workload set: a scanning agent's share of it). */
void cd_api_changes(struct cd_mgr *m, int64_t since, struct cd_api_resp *out);

#endif
