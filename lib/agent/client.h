/* client.h - the agent's side of the protocol (docs/api.md): enrollment
 * (a one-time token exchanged for a credential kept 0600), calls whose
 * failures are logged once (the manager unreachable, then back), and
 * delivering the event queue a batch at a time.  cordon-agent drives it;
 * the unit tests run it against a manager over TLS. */
#ifndef CD_CLIENT_H
#define CD_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/http.h"

struct cd_client {
	struct cd_http http;
	char *cred_path;           /* DIR/credential */
	char *token_file;          /* the enrollment token (or a credential) */
	char *cred;                /* once enrolled */
	char *name;                /* the name the manager gave at enrollment ("host:hv1") */
	bool reachable;
	void (*log)(const char *line);   /* or NULL */
};

int cd_client_init(struct cd_client *c, const char *server, bool insecure, const char *cacert,
		   const char *state_dir, const char *token_file, void (*log)(const char *line));
void cd_client_free(struct cd_client *c);
/* Enroll once: the credential kept in DIR/credential is used when there
 * is one; else the token file's token is exchanged for one.  0 enrolled,
 * -1 try again later, -2 a fresh token is needed. */
int cd_client_enroll(struct cd_client *c);
/* Call the manager (body taken over).  0 with *out (2xx); the HTTP
 * status after logging the manager's message; -1 when it did not answer
 * (logged once, until it answers again). */
int cd_client_call(struct cd_client *c, const char *method, const char *path, json_t *body,
		   long timeout_ms, json_t **out);
/* Deliver one batch of queued events over h (a connection of the
 * sender's own): the highest seq the manager took, or the batch's last
 * when the manager refuses it for good (a 4xx other than 401 and 429:
 * logged, and dropped rather than block every later event); 0 when the
 * batch stays queued (unreachable, 401, 429, 5xx). */
int64_t cd_client_deliver(struct cd_http *h, json_t *evs, void (*log)(const char *line));

#endif
