/* cordond_tls.c - the manager's certificate and key (see cordond_tls.h). */
#include "cordond_tls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/util.h"
#include "manager/cert.h"
#include "manager/tlscreds.h"

static char *crt, *key;
static void (*say)(const char *line);

int cordond_tls_start(const char *dir, const char *cert, const char *k, void (*log)(const char *line))
{
	say = log;
	crt = cert ? cd_strdup(cert) : cd_asprintf("%s/tls.crt", dir);
	key = k ? cd_strdup(k) : cd_asprintf("%s/tls.key", dir);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	char pin[CD_PIN_LEN];
	int r = 0;
	/* made only when neither is there: one that cannot be read (its
	 * owner, its mode) is said, never replaced by a new key, which pinned
	 * agents would refuse */
	bool has_crt = access(crt, F_OK) == 0, has_key = access(key, F_OK) == 0;
	if (!cert && !has_crt && !has_key) {
		r = cd_cert_make(crt, key, &err);
		if (r == 0 && cd_cert_pin(crt, pin, &err) == 0)
			cd_logf(say, "made a self-signed TLS certificate: %s; its key's fingerprint, for "
				"cordon-agent --fingerprint: %s", crt, pin);
	} else if (!cert && has_crt != has_key) {
		cd_buf_printf(&err, "%s is there but not %s: put the pair back (a new one would have "
			      "another pin)", has_crt ? crt : key, has_crt ? key : crt);
		r = -ENOENT;
	}
	bool changed;
	if (r == 0 && (r = cd_tlscreds_load(crt, key, pin, &changed, &err)) == 0 && cert)
		cd_logf(say, "TLS: %s (its key's pin %s)", crt, pin);
	if (r < 0)
		fprintf(stderr, "cordond: %s\n", err.data);
	cd_buf_free(&err);
	return r < 0 ? -1 : 0;
}

void cordond_tls_reload(void)
{
	char pin[CD_PIN_LEN];
	bool changed = false;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	if (cd_tlscreds_load(crt, key, pin, &changed, &err) < 0)
		cd_logf(say, "SIGHUP: the TLS certificate and key were not reloaded, the ones before "
			"stay: %s", err.data);
	else if (!changed)
		cd_logf(say, "SIGHUP: TLS certificate %s reloaded (its key's pin %s, as before)", crt, pin);
	else
		cd_logf(say, "SIGHUP: TLS certificate %s reloaded with a new key, pin %s: agents pinned "
			"to the key before refuse this manager now; on each, put the new pin in "
			"agent.conf (fingerprint = %s, or both pins joined by ';' while managers differ) "
			"and restart it (docs/operations.md, \"Certificates\")", crt, pin, pin);
	cd_buf_free(&err);
}

void cordond_tls_stop(void)
{
	cd_tlscreds_free();
	free(crt);
	free(key);
	crt = key = NULL;
}
