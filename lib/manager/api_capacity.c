/* api_capacity.c - right-sizing and reclamation (docs/capacity.md):
 * GET /api/v1/rightsize and GET /api/v1/reclaim.  Both read the metrics
 * store without the server's lock; reclaim also asks every libvirt
 * source for its pools' volumes and its domains' disks, on connections
 * of its own (the sources' threads keep theirs), unlocked too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/api_priv.h"
#include "base/units.h"
#include "base/util.h"
#include "inventory/virtvol.h"
#include "metrics/reclaim.h"
#include "metrics/rightsize.h"

#define DAY_MS INT64_C(86400000)
#define MAX_DAYS 180                   /* the 5-minute tier's retention */

static struct cd_mstore *store_of(struct ctx *c)
{
	struct cd_mstore *st = cd_mgr_metrics(c->m);
	if (!st)
		cd_api_error(c, 503, NULL, "this manager keeps no metrics");
	return st;
}

/* A store's failure, answered. */
static void failed(struct ctx *c, int r)
{
	if (r == -ENOTCONN) {          /* on PostgreSQL, away for now */
		cd_api_error(c, 503, NULL, "the database cannot be reached; ask again later");
		c->out->retry_after = 5;
	} else {
		cd_api_error(c, 500, NULL, "the metrics store cannot be read");
	}
}

/* Whether the inventory has a workload of each finding's name. */
static void mark_inventory(struct ctx *c, json_t *findings)
{
	const struct cd_state *w = cd_mgr_state(c->m);
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
		json_object_set_new(f, "in_inventory", json_boolean(cd_inventory_find(&w->inv,
			json_string_value(json_object_get(f, "name"))) >= 0));
}

void cd_api_h_rightsize(struct ctx *c)
{
	struct cd_mstore *st = store_of(c);
	if (!st)
		return;
	const char *rs = cd_api_q(c, "range");
	int64_t range = 30 * DAY_MS;
	if (rs && (cd_duration_parse(rs, &range) || range < DAY_MS || range > MAX_DAYS * DAY_MS)) {
		cd_api_error(c, 400, "range", "range is a duration from 1d to %dd (30d, 4w, ...)",
			     MAX_DAYS);
		return;
	}
	json_t *out = NULL;
	cd_api_leave(c);
	int r = cd_rightsize_json(st, cd_mgr_now() / 1000, range, &cd_rs_default, &out);
	if (!cd_api_enter(c)) {        /* answered: its credential is gone */
		json_decref(out);
		return;
	}
	if (r) {
		failed(c, r);
		return;
	}
	mark_inventory(c, json_object_get(out, "vms"));
	cd_api_reply(c, 200, out);
}

/* Every libvirt source's volumes that no domain of any of them uses:
 * {"images": [...], "images_bytes", "sources": [{name, domains,
 * volumes, error}]}.  (One union of references: a pool shared by
 * several hosts is judged by all their domains.) */
static json_t *images(json_t *uris)
{
	json_t *refs = json_object(), *vols = json_array(), *srcs = json_array(), *u;
	size_t i;
	json_array_foreach(uris, i, u) {
		const char *name = json_string_value(json_object_get(u, "name"));
		json_t *mine = json_array(), *v;
		size_t doms = 0, k;
		struct cd_buf err;
		cd_buf_init(&err, 1024);
		int r = cd_virtvol_scan(json_string_value(json_object_get(u, "uri")), refs, mine, &doms,
					&err);
		json_array_foreach(mine, k, v)
			json_object_set_new(v, "source", json_string(name));
		json_t *src = json_pack("{s:s, s:I, s:I}", "name", name, "domains", (json_int_t)doms,
					"volumes", (json_int_t)json_array_size(mine));
		if (r)
			json_object_set_new(src, "error", json_string(err.data));
		json_array_append_new(srcs, src);
		json_array_extend(vols, mine);
		json_decref(mine);
		cd_buf_free(&err);
	}
	json_t *unused = cd_virtvol_unused(vols, refs), *v;
	json_int_t bytes = 0;
	json_array_foreach(unused, i, v) {
		bytes += json_integer_value(json_object_get(v, "allocation_bytes"));
		json_object_set_new(v, "evidence", json_pack("{s:s, s:s, s:s}", "metric",
			"libvirt storage volume allocation", "figure", "allocation_bytes",
			"checked", "the disk sources and backing chains of every domain, running and "
				   "defined, of the sources listed"));
	}
	json_decref(refs);
	json_decref(vols);
	return json_pack("{s:o, s:I, s:o}", "images", unused, "images_bytes", bytes, "sources", srcs);
}

void cd_api_h_reclaim(struct ctx *c)
{
	struct cd_mstore *st = store_of(c);
	if (!st)
		return;
	int64_t idle = 7, off = 7;
	if (!cd_api_q_int(c, "idle_days", 1, MAX_DAYS, &idle) ||
	    !cd_api_q_int(c, "off_days", 1, MAX_DAYS, &off))
		return;
	struct cd_rc_policy pol = cd_rc_default;
	pol.idle_ms = idle * DAY_MS;
	pol.off_ms = off * DAY_MS;
	json_t *uris = cd_mgr_libvirt_uris(c->m), *out = NULL, *img = NULL;
	cd_api_leave(c);
	int r = cd_reclaim_json(st, cd_mgr_now() / 1000, &pol, &out);
	if (!r)
		img = images(uris);
	json_decref(uris);
	if (!cd_api_enter(c)) {        /* answered: its credential is gone */
		json_decref(out);
		json_decref(img);
		return;
	}
	if (r) {
		failed(c, r);
		return;
	}
	mark_inventory(c, json_object_get(out, "idle"));
	mark_inventory(c, json_object_get(out, "powered_off"));
	json_object_update(out, img);
	json_decref(img);
	cd_api_reply(c, 200, out);
}
