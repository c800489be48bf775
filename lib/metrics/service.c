/* service.c - the manager's metrics: store, upkeep, remote write (see
 * service.h). */
#include "metrics/service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "metrics/keeper.h"
#include "metrics/rwrite.h"

struct cd_msvc {
	struct cd_mstore *st;
	struct cd_keeper *keeper;
	void (*log)(const char *line);
	struct cd_rw *rw[4];
	size_t nrw;
};

int cd_msvc_opt_retention(struct cd_msvc_opts *o, const char *arg, char *err, size_t errlen)
{
	struct cd_retention r = { NULL, { 0 } };
	if (o->nretention == CD_ARRAY_LEN(o->retention)) {
		snprintf(err, errlen, "--retention: at most %zu", CD_ARRAY_LEN(o->retention));
		return -EINVAL;
	}
	if (cd_retention_parse(arg, &r, err, errlen))
		return -EINVAL;
	free((char *)r.pattern);
	o->retention[o->nretention++] = arg;
	return 0;
}

int cd_msvc_opt_remote_write(struct cd_msvc_opts *o, const char *arg, char *err, size_t errlen)
{
	if (o->nrw == CD_ARRAY_LEN(o->rw_url) || (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))) {
		snprintf(err, errlen, "--remote-write takes an http:// or https:// URL, at most 4 times");
		return -EINVAL;
	}
	o->rw_url[o->nrw++] = arg;
	return 0;
}

int cd_msvc_opt_remote_token(struct cd_msvc_opts *o, const char *arg, char *err, size_t errlen)
{
	if (!o->nrw || o->rw_token[o->nrw - 1]) {
		snprintf(err, errlen, "--remote-write-token-file follows the --remote-write URL it is for");
		return -EINVAL;
	}
	o->rw_token[o->nrw - 1] = arg;
	return 0;
}

int cd_msvc_start(const char *dir, const struct cd_msvc_opts *o, struct cd_msvc **out,
		  char *err, size_t errlen)
{
	/* the retentions in order, each from the defaults as they are so far */
	struct cd_retention ret[CD_ARRAY_LEN(o->retention) + 1];
	struct cd_retention dflt = { NULL, { 7 * 86400000LL, 180 * 86400000LL, 730 * 86400000LL } };
	size_t n = 0;
	for (size_t i = 0; i < o->nretention; i++) {
		struct cd_retention r = dflt;
		cd_retention_parse(o->retention[i], &r, err, errlen);   /* checked by cd_msvc_opt_retention */
		if (r.pattern)
			ret[n++] = r;
		else
			dflt = r;
	}
	ret[n++] = dflt;
	struct cd_msvc *s = cd_calloc(1, sizeof(*s));
	s->log = o->log;
	struct cd_mstore_opts mo = { .retention = ret, .nretention = n, .log = o->log,
				     .shared = o->shared };
	int r = cd_mstore_open(dir, &mo, &s->st, err, errlen);
	for (size_t i = 0; i + 1 < n; i++)
		free((char *)ret[i].pattern);
	for (size_t i = 0; !r && i < o->nrw; i++) {
		struct cd_buf e;
		cd_buf_init(&e, 1024);
		struct cd_rw_opts ro = { .url = o->rw_url[i], .token_file = o->rw_token[i],
					 .log = o->log };
		if (!(s->rw[i] = cd_rw_start(s->st, &ro, &e))) {
			snprintf(err, errlen, "--remote-write %s: %s", o->rw_url[i], e.data);
			r = -EINVAL;
		} else {
			s->nrw++;
			cd_logf(o->log, "every sample also goes to %s (Prometheus remote write 1.0)",
				o->rw_url[i]);
		}
		cd_buf_free(&e);
	}
	if (r) {
		cd_msvc_stop(s);
		return r;
	}
	*out = s;
	return 0;
}

void cd_msvc_keep(struct cd_msvc *s)
{
	if (s && !s->keeper)
		s->keeper = cd_keeper_start(s->st, 0, s->log);
}

struct cd_mstore *cd_msvc_store(struct cd_msvc *s)
{
	return s ? s->st : NULL;
}

void cd_msvc_stop(struct cd_msvc *s)
{
	if (!s)
		return;
	cd_keeper_stop(s->keeper);
	for (size_t i = 0; i < s->nrw; i++)
		cd_rw_stop(s->rw[i]);
	if (s->st)
		cd_mstore_close(s->st);
	free(s);
}
