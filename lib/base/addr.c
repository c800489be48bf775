/* addr.c - parsing, formatting and containment of IP addresses. */
#include "base/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cd_addr_parse(const char *s, bool allow_prefix, struct cd_addr *a,
		  const char **why)
{
	char tmp[64];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(tmp)) {
		*why = n ? "address too long" : "empty address";
		return -EINVAL;
	}
	memcpy(tmp, s, n + 1);
	char *slash = strchr(tmp, '/');
	if (slash)
		*slash = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, tmp, a->b) == 1) {
		a->family = 4;
	} else if (inet_pton(AF_INET6, tmp, a->b) == 1) {
		a->family = 6;
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	a->plen = cd_addr_maxlen(a);
	if (!slash)
		return 0;
	if (!allow_prefix) {
		*why = "a prefix length is not allowed here";
		return -EINVAL;
	}
	const char *p = slash + 1;
	if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 3) {
		*why = "prefix length is not a number";
		return -EINVAL;
	}
	int len = atoi(p);
	if (len > cd_addr_maxlen(a)) {
		*why = a->family == 4 ? "IPv4 prefix length is more than 32"
				      : "IPv6 prefix length is more than 128";
		return -EINVAL;
	}
	a->plen = (uint8_t)len;
	for (int bit = len; bit < cd_addr_maxlen(a); bit++) {
		if (a->b[bit / 8] & (0x80 >> (bit % 8))) {
			*why = "address has bits set beyond its prefix length";
			return -EINVAL;
		}
	}
	return 0;
}

bool cd_addr_in(const struct cd_addr *a, const struct cd_addr *net)
{
	if (a->family != net->family || a->plen < net->plen)
		return false;
	int full = net->plen / 8, rest = net->plen % 8;
	if (memcmp(a->b, net->b, (size_t)full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a->b[full] & mask) != (net->b[full] & mask))
			return false;
	}
	return true;
}

bool cd_addr_eq(const struct cd_addr *a, const struct cd_addr *b)
{
	return cd_addr_cmp(a, b) == 0;
}

int cd_addr_cmp(const struct cd_addr *a, const struct cd_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int r = memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
	if (r)
		return r;
	return (int)a->plen - (int)b->plen;
}

char *cd_addr_fmt(const struct cd_addr *a, char buf[CD_ADDR_STRLEN])
{
	char t[INET6_ADDRSTRLEN];
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, t, sizeof(t));
	if (cd_addr_is_host(a))
		snprintf(buf, CD_ADDR_STRLEN, "%s", t);
	else
		snprintf(buf, CD_ADDR_STRLEN, "%s/%u", t, a->plen);
	return buf;
}

/* A listening address: IPV4:PORT, [IPV6]:PORT or localhost:PORT. */
int cd_sockaddr_parse(const char *s, struct sockaddr_storage *ss)
{
	char host[256];
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	size_t hl = strlen(host);
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) != 1)
			return -EINVAL;
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &v4->sin_addr) != 1)
		return -EINVAL;
	v4->sin_family = AF_INET;
	v4->sin_port = htons((uint16_t)port);
	return 0;
}
