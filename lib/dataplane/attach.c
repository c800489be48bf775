/* attach.c - a host's vNICs prepared around its table (see attach.h). */
#include "dataplane/attach.h"

#include <stdlib.h>

#include "dataplane/routed.h"

int cd_attach_prepare(const struct cd_host *h, struct cd_port **out, struct cd_buf *log,
		      struct cd_buf *err)
{
	const char **names = cd_calloc(h->n + 1, sizeof(char *));
	struct cd_port *p = cd_calloc(h->n + 1, sizeof(*p));
	for (size_t k = 0; k < h->n; k++)
		names[k] = h->v[k].ifname;
	int r = cd_ports_prepare(names, h->n, p, log, err);
	free(names);
	*out = p;
	return r;
}

void cd_attach_route(const struct cd_host *h, const struct cd_state *st,
		     const struct cd_port *ports, struct cd_buf *log)
{
	struct cd_routed_vnic *rv = cd_calloc(h->n + 1, sizeof(*rv));
	size_t n = 0;
	for (size_t k = 0; k < h->n; k++) {
		if (ports[k].kind != CD_PORT_ROUTED)
			continue;
		const struct cd_vnic *v = &st->inv.w[h->v[k].wl].vnics[h->v[k].vnic];
		rv[n++] = (struct cd_routed_vnic){ v->ifname, v->ips, v->nips };
	}
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	if (cd_routed_plumb(rv, n, log, &err) < 0)
		cd_buf_printf(log, "the routed vNICs' routes could not be set: %s\n", err.data);
	cd_buf_free(&err);
	free(rv);
}
