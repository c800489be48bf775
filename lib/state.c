/* state.c - loading a world and indexing its addresses. */
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"

int cd_state_load(struct cd_state *st, const char *inv_file,
		  const char *pol_file, struct cd_diags *d)
{
	memset(st, 0, sizeof(*st));
	cd_inventory_init(&st->inv);
	cd_policy_init(&st->pol);
	cd_map_init(&st->by_addr);
	if (cd_load_documents(inv_file, pol_file, &st->inv, &st->pol, d) < 0)
		return -EINVAL;
	cd_members_init(&st->mem, &st->inv, &st->pol);
	size_t cap = 0;
	for (size_t w = 0; w < st->inv.n; w++) {
		const struct cd_workload *wl = &st->inv.w[w];
		for (size_t v = 0; v < wl->nvnics; v++) {
			for (size_t a = 0; a < wl->vnics[v].nips; a++) {
				char buf[CD_ADDR_STRLEN];
				char *k = cd_strdup(cd_addr_fmt(&wl->vnics[v].ips[a], buf));
				CD_PUSH(st->addr_keys, st->naddr_keys, cap, k);
				cd_map_put(&st->by_addr, k, (w << 16) | v, NULL);
			}
		}
	}
	st->loaded = true;
	return 0;
}

void cd_state_free(struct cd_state *st)
{
	if (st->loaded)
		cd_members_free(&st->mem);
	for (size_t i = 0; i < st->naddr_keys; i++)
		free(st->addr_keys[i]);
	free(st->addr_keys);
	cd_map_free(&st->by_addr);
	cd_policy_free(&st->pol);
	cd_inventory_free(&st->inv);
	memset(st, 0, sizeof(*st));
}

bool cd_state_owner(const struct cd_state *st, const struct cd_addr *a,
		    size_t *wl, size_t *vnic)
{
	if (!cd_addr_is_host(a))
		return false;
	char buf[CD_ADDR_STRLEN];
	size_t v;
	if (!cd_map_get(&st->by_addr, cd_addr_fmt(a, buf), &v))
		return false;
	*wl = v >> 16;
	*vnic = v & 0xffff;
	return true;
}
