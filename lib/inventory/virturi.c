/* virturi.c - libvirt URIs a source may use (see virturi.h).  Parsed with
 * libxml2's RFC 3986 parser, as libvirt parses them. */
#include "inventory/virturi.h"

#include <errno.h>
#include <libxml/uri.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool in(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncmp(s, *list, n))
			return true;
	return false;
}

int cd_virt_uri_check(const char *uri, struct cd_buf *why)
{
	static const char *const drivers[] = { "qemu", "lxc", "xen", "libxl", "bhyve", "ch", "vz",
					       "test", NULL };
	static const char *const transports[] = { "unix", "tls", "tcp", "ssh", "libssh", "libssh2",
						  NULL };
	static const char *const params[] = { "socket", "mode", "proxy", "no_verify", "no_tty",
					      "pkipath", "keyfile", "known_hosts",
					      "known_hosts_verify", "sshauth", NULL };
	for (const unsigned char *p = (const unsigned char *)uri; *p; p++)
		if (*p <= ' ' || *p == 127) {
			cd_buf_printf(why, "a libvirt URI holds no spaces or control characters");
			return -EINVAL;
		}
	xmlURIPtr u = xmlParseURI(uri);
	int r = -EINVAL;
	if (!u || !u->scheme) {
		cd_buf_printf(why, "not a libvirt URI (qemu:///system, qemu+ssh://HOST/system, ...)");
		goto out;
	}
	const char *plus = strchr(u->scheme, '+');
	size_t dn = plus ? (size_t)(plus - u->scheme) : strlen(u->scheme);
	if (!in(u->scheme, dn, drivers)) {
		cd_buf_printf(why, "driver '%.*s' is not one cordon follows (qemu, lxc, xen, libxl, "
			      "bhyve, ch, vz, test)", (int)(dn > 32 ? 32 : dn), u->scheme);
		goto out;
	}
	if (plus && !in(plus + 1, strlen(plus + 1), transports)) {
		cd_buf_printf(why, "transport '%.32s' is refused (it can run programs, or is "
			      "unknown): unix, tls, tcp, ssh, libssh or libssh2", plus + 1);
		goto out;
	}
	if (u->user && strchr(u->user, ':')) {
		cd_buf_printf(why, "a libvirt URI holds no password (it would be shown as the "
			      "source's endpoint)");
		goto out;
	}
	/* the query: k=v&k=v, each k known */
	const char *q = u->query_raw ? u->query_raw : u->query;
	while (q && *q) {
		size_t n = strcspn(q, "&");
		size_t k = strcspn(q, "=");
		if (k > n)
			k = n;
		if (!in(q, k, params)) {
			cd_buf_printf(why, "parameter '%.*s' is refused: only socket, mode, proxy, "
				      "no_verify, no_tty, pkipath, keyfile, known_hosts, "
				      "known_hosts_verify and sshauth", (int)(k > 32 ? 32 : k), q);
			goto out;
		}
		q += n + (q[n] == '&');
	}
	r = 0;
out:
	xmlFreeURI(u);
	return r;
}

char *cd_virt_uri_public(const char *uri)
{
	xmlURIPtr u = uri ? xmlParseURI(uri) : NULL;
	if (!u)
		return NULL;
	xmlFree(u->user);
	u->user = NULL;
	xmlFree(u->query);
	u->query = NULL;
	xmlFree(u->query_raw);
	u->query_raw = NULL;
	xmlFree(u->fragment);
	u->fragment = NULL;
	xmlChar *t = xmlSaveUri(u);
	xmlFreeURI(u);
	char *out = t ? cd_strdup((const char *)t) : NULL;
	xmlFree(t);
	return out;
}
