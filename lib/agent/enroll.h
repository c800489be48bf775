/* enroll.h - `cordon-agent enroll`: an agent's first contact with its
 * manager, and what it is told to trust.
 *
 * The manager's certificate is its own, self-signed (or an operator's).
 * Before the token is sent, the key each manager shows in its handshake
 * is said as its pin (sha256//..., what cordond --fingerprint prints on
 * the manager) and must be trusted one of three ways: it equals the pin
 * given (--fingerprint), the person says yes at a terminal, or
 * --trust-on-first-use takes it as shown.  With --cacert the certificate
 * is checked against that file instead.  Then the one-time token is
 * exchanged for the agent's credential (DIR/credential, 0600), and the
 * server, the trust and the options given are written to the agent's
 * configuration file, so that the service starts with no flag: from then
 * on every handshake must show the pinned key. */
#ifndef CD_ENROLL_H
#define CD_ENROLL_H

#include <stdbool.h>
#include <stdio.h>

#include "base/util.h"

struct cd_enroll_opts {
	const char *server;      /* URL[,URL...] */
	const char *token_file;  /* the one-time token */
	const char *state_dir;   /* where the credential goes */
	const char *conf_path;   /* the configuration file written */
	const char *pin;         /* --fingerprint: the pin(s) expected, or NULL */
	const char *cacert;      /* --cacert FILE, or NULL */
	bool tofu;               /* --trust-on-first-use */
	const char *const *names;   /* further options kept in the file (--host...) */
	const char *const *values;
	size_t n;
	FILE *ask;               /* a terminal to ask on, or NULL: never ask */
	FILE *out;               /* what is said: pins, the outcome */
};

/* 0 enrolled and configured; -EEXIST already enrolled (DIR/credential);
 * -EPERM the key not trusted (nothing sent); -EACCES the token refused;
 * else -errno; err says which, and nothing is written but on success
 * (the credential, then the file). */
int cd_enroll(const struct cd_enroll_opts *o, struct cd_buf *err);

#endif
