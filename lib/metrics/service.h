/* service.h - the manager's metrics, as cordond runs them: the store in
 * its data directory with the retentions asked, its upkeep thread
 * (keeper.h), and the remote-write senders (rwrite.h). */
#ifndef CD_SERVICE_H
#define CD_SERVICE_H

#include <stddef.h>

#include "metrics/mstore.h"

struct cd_msvc_opts {
	const char *retention[16];     /* cordond --retention, in order */
	size_t nretention;
	const char *rw_url[4], *rw_token[4];   /* --remote-write [--remote-write-token-file] */
	size_t nrw;
	const char *shared;            /* cordond --store: a PostgreSQL server, or NULL */
	void (*log)(const char *line);
};

/* cordond's options: --retention SPEC, --remote-write URL,
 * --remote-write-token-file F (for the URL before it).  0, or -EINVAL
 * with a message. */
int cd_msvc_opt_retention(struct cd_msvc_opts *o, const char *arg, char *err, size_t errlen);
int cd_msvc_opt_remote_write(struct cd_msvc_opts *o, const char *arg, char *err, size_t errlen);
int cd_msvc_opt_remote_token(struct cd_msvc_opts *o, const char *arg, char *err, size_t errlen);

struct cd_msvc;

/* Open the store in dir and start the remote writers: 0, or a negative
 * code with a message. */
int cd_msvc_start(const char *dir, const struct cd_msvc_opts *o, struct cd_msvc **out,
		  char *err, size_t errlen);
/* Start the upkeep thread (once the process's signals are blocked). */
void cd_msvc_keep(struct cd_msvc *s);
struct cd_mstore *cd_msvc_store(struct cd_msvc *s);
/* Stop everything and close the store (nothing appends any more). */
void cd_msvc_stop(struct cd_msvc *s);

#endif
