/* enroll.c - cordon-agent enroll (see enroll.h). */
#include "agent/enroll.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/client.h"
#include "base/conf.h"
#include "base/token.h"

#define MAX_SERVERS 8

/* Whether pin is one of list's (';' between). */
static bool pin_listed(const char *list, const char *pin)
{
	size_t n = strlen(pin);
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ";");
		if (l == n && !memcmp(p, pin, n))
			return true;
		p += l + (p[l] == ';');
	}
	return false;
}

static bool ask_yes(FILE *in, FILE *out)
{
	fputs("Trust this manager and pin its key? [y/N] ", out);
	fflush(out);
	char line[16];
	return fgets(line, sizeof(line), in) && (line[0] == 'y' || line[0] == 'Y');
}

/* What the agent will trust, into trust: the pins the managers show,
 * ';' between, each checked against o->pin (which, given, is what is
 * trusted: a manager not reachable now is checked against it at its
 * first call), or trusted by o->tofu or by the person. */
static int trust_pins(const struct cd_enroll_opts *o, struct cd_buf *trust, struct cd_buf *err)
{
	char **urls;
	size_t n;
	cd_http_urls(o->server, &urls, &n);
	int r = n == 0 ? -EINVAL : n > MAX_SERVERS ? -E2BIG : 0;
	if (r < 0)
		cd_buf_printf(err, r == -EINVAL ? "--server: no URL" : "--server: at most %d managers",
			      MAX_SERVERS);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char pin[CD_PIN_LEN];
		struct cd_buf e;
		cd_buf_init(&e, 1024);
		r = cd_http_peer_pin(urls[i], pin, &e);
		if (r == -ECONNREFUSED && o->pin) {
			fprintf(o->out, "cordon-agent: %s; its key will be checked against the pins given "
				"at its first call\n", e.data);
			r = 0;
		} else if (r < 0) {
			cd_buf_printf(err, "%s", e.data);
		} else if (o->pin && !pin_listed(o->pin, pin)) {
			cd_buf_printf(err, "the manager at %s shows the key %s, not the one given "
				      "(--fingerprint %s): not trusted, nothing sent", urls[i], pin, o->pin);
			r = -EPERM;
		} else if (!o->pin) {
			fprintf(o->out, "The manager at %s shows the key\n  %s\nCompare it with what "
				"`cordond --fingerprint` prints on the manager.\n", urls[i], pin);
			if ((trust->len && cd_buf_add(trust, ";", 1) < 0) || cd_buf_puts(trust, pin) < 0)
				r = -ENOMEM;
		}
		cd_buf_free(&e);
	}
	cd_strv_free(urls, n);
	if (r < 0)
		return r;
	if (o->pin)
		return cd_buf_puts(trust, o->pin) < 0 ? -ENOMEM : 0;
	if (o->tofu || (o->ask && ask_yes(o->ask, o->out)))
		return 0;
	cd_buf_printf(err, "not trusted: give --fingerprint with the pin cordond --fingerprint "
		      "prints on the manager, --cacert FILE, or --trust-on-first-use");
	return -EPERM;
}

static void say_line(const char *line)
{
	fprintf(stderr, "cordon-agent: %s\n", line);
}

int cd_enroll(const struct cd_enroll_opts *o, struct cd_buf *err)
{
	char *cred = cd_asprintf("%s/credential", o->state_dir);
	int r = access(cred, F_OK) == 0 ? -EEXIST : 0;
	if (r < 0)
		cd_buf_printf(err, "already enrolled: %s exists (remove it, with the agent stopped, to "
			      "enroll again)", cred);
	free(cred);
	if (r < 0)
		return r;
	/* a one-time token (cde_...), not a credential, which would leave no
	 * DIR/credential for the service to start with */
	char *tok = NULL;
	r = cd_token_read(o->token_file, &tok);
	if (r < 0 || strncmp(tok, "cde_", 4))
		cd_buf_printf(err, "%s: %s", o->token_file, r < 0 ? (r == -EINVAL ? "it holds no token"
				: strerror(-r)) : "not an enrollment token (cordon agent-token create)");
	r = r < 0 ? r : strncmp(tok, "cde_", 4) ? -EINVAL : 0;
	free(tok);
	if (r < 0)
		return r;
	struct cd_buf trust;
	cd_buf_init(&trust, 4096);
	if (o->cacert) {
		/* the service runs from /: the file by its full name */
		char *full = realpath(o->cacert, NULL);
		if (!full)
			cd_buf_printf(err, "--cacert %s: %s", o->cacert, strerror(errno));
		r = full ? cd_buf_puts(&trust, full) : -ENOENT;
		free(full);
	} else {
		r = trust_pins(o, &trust, err);
	}
	if (r == 0 && mkdir(o->state_dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		cd_buf_printf(err, "cannot make %s: %s", o->state_dir, strerror(errno));
	}
	struct cd_client cl;
	bool inited = false;
	if (r == 0) {
		inited = true;
		r = cd_client_init(&cl, o->server, false, trust.data, o->state_dir, o->token_file,
				   say_line);
		if (r == 0) {
			cd_http_set_resend(&cl.http, false);
			int e = cd_client_enroll(&cl);
			r = e == 0 ? 0 : e == -2 ? -EACCES : -EIO;
			if (r < 0)
				cd_buf_printf(err, "%s", r == -EACCES ? "the token was refused or could not "
					      "be read (a new one: cordon agent-token create)"
					      : "the manager did not enroll the agent (said above)");
		}
	}
	if (r == 0) {       /* what the service starts with */
		const char *names[32] = { "server", o->cacert ? "cacert" : "fingerprint",
					  o->cacert ? "fingerprint" : "cacert", "insecure", "token-file",
					  "state-dir" };
		const char *values[32] = { o->server, trust.data, NULL, NULL, NULL, o->state_dir };
		size_t n = 6;
		bool role = false;
		for (size_t i = 0; i < o->n && n < 31; i++, n++) {
			names[n] = o->names[i], values[n] = o->values[i];
			role |= !strcmp(names[n], "host") || !strcmp(names[n], "workload");
		}
		/* a host's token: the agent is that host's (its name says so) */
		if (!role && cl.name && !strncmp(cl.name, "host:", 5))
			names[n] = "host", values[n++] = cl.name + 5;
		r = cd_conf_set(o->conf_path, names, values, n, err);
		if (r < 0)
			cd_buf_printf(err, " (enrolled: the credential is kept; write the file by hand)");
		else
			fprintf(o->out, "Enrolled.  The manager, its key and the options are in %s; "
				"start the agent: systemctl enable --now cordon-agent\n", o->conf_path);
	}
	if (inited)
		cd_client_free(&cl);
	cd_buf_free(&trust);
	return r;
}
