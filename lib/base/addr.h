/* addr.h - IPv4 and IPv6 addresses and prefixes. */
#ifndef CD_ADDR_H
#define CD_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#define CD_ADDR_STRLEN 50   /* "ffff:...:ffff/128" and a NUL */

struct cd_addr {
	uint8_t family;     /* 4 or 6 */
	uint8_t plen;       /* prefix length: 32 or 128 for a single address */
	uint8_t b[16];      /* network byte order; v4 uses b[0..3] */
};

/* Parse "10.0.0.1", "fd00::1", and with allow_prefix also "10.0.0.0/8".
 * Returns 0, or -EINVAL with *why set to a static explanation.  A prefix
 * with host bits set is refused (it is almost always a typo). */
int cd_addr_parse(const char *s, bool allow_prefix, struct cd_addr *a,
		  const char **why);
/* True when a (an address or prefix) lies entirely inside net. */
bool cd_addr_in(const struct cd_addr *a, const struct cd_addr *net);
bool cd_addr_eq(const struct cd_addr *a, const struct cd_addr *b);
int cd_addr_cmp(const struct cd_addr *a, const struct cd_addr *b);
/* Format as text; single addresses have no "/len". Returns buf. */
char *cd_addr_fmt(const struct cd_addr *a, char buf[CD_ADDR_STRLEN]);
static inline uint8_t cd_addr_maxlen(const struct cd_addr *a)
{
	return a->family == 4 ? 32 : 128;
}
static inline bool cd_addr_is_host(const struct cd_addr *a)
{
	return a->plen == cd_addr_maxlen(a);
}

/* ADDR:PORT as a socket address: 192.0.2.1:4119, [::1]:4119 or
 * localhost:4119 (127.0.0.1).  -EINVAL when it is none of them. */
struct sockaddr_storage;
int cd_sockaddr_parse(const char *s, struct sockaddr_storage *ss);

#endif
