/* vsmetrics.c - the vSphere connector's metrics (its metrics operation,
 * source.h): the PerformanceManager's realtime statistics of every VM
 * and host (QueryPerf, 20 s samples), and every datastore's capacity and
 * free space (properties the session already follows).
 *
 * Once a session: the counters' ids (PerformanceManager.perfCounter).
 * Once an object (again after 10 minutes when it had none, as a VM
 * powered off): which of them it has (QueryAvailablePerfMetric), so that
 * nothing is asked that the server has no data for.  Each call: QueryPerf
 * for the samples after the last one taken, 50 objects a call; after a
 * (re)connection, the last hour, which is what vCenter keeps at 20 s: a
 * manager down for less than that loses nothing (the manager drops what it
 * already holds).  The samples are made entries by vsperf.c. */
#include <errno.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/vsession.h"
#include "inventory/vsperf.h"
#include "inventory/vsxml.h"

#define BACKFILL_MS 3600000           /* vCenter keeps realtime samples an hour */
#define PERF_BATCH 50                 /* objects a QueryPerf */
#define QUERY_MAX (4u << 20)          /* its request: 50 objects' specs, a few KiB each */
#define AVAIL_PER_CALL 500            /* objects first asked about a call */
#define AVAIL_RETRY_MS 600000         /* an object that had no counter */

static int read_counters(struct vs *v, struct cd_buf *err)
{
	char *p = cd_vsx_esc(v->pc), *pm = cd_vsx_esc(v->perfmgr);
	char *body = cd_asprintf("<_this type=\"PropertyCollector\">%s</_this><specSet><propSet>"
		"<type>PerformanceManager</type><all>false</all><pathSet>perfCounter</pathSet></propSet>"
		"<objectSet><obj type=\"PerformanceManager\">%s</obj><skip>false</skip></objectSet>"
		"</specSet><options></options>", p, pm);
	xmlDoc *d;
	xmlNode *rv;
	int r = cd_vs_soap(v, "RetrievePropertiesEx", body, &d, &rv, err);
	if (r == 0)
		r = cd_vsp_counters(rv, &v->perf, err);
	xmlFreeDoc(d);
	free(p);
	free(pm);
	free(body);
	v->perf_known = r == 0;
	return r;
}

/* The counters ref has: 0 with *mask, or a negative code. */
static int available(struct vs *v, const char *ref, const char *type, uint32_t *mask,
		     struct cd_buf *err)
{
	char *pm = cd_vsx_esc(v->perfmgr), *re = cd_vsx_esc(ref), *te = cd_vsx_esc(type);
	char *body = cd_asprintf("<_this type=\"PerformanceManager\">%s</_this><entity type=\"%s\">%s"
				 "</entity><intervalId>%d</intervalId>", pm, te, re, CD_VSP_INTERVAL);
	xmlDoc *d;
	xmlNode *rv;
	int r = cd_vs_soap(v, "QueryAvailablePerfMetric", body, &d, &rv, err);
	if (r == 0)
		*mask = cd_vsp_available(rv, &v->perf);
	xmlFreeDoc(d);
	free(pm);
	free(re);
	free(te);
	free(body);
	return r;
}

/* QueryPerf for refs[0..n): their entries into out. */
static int query(struct vs *v, char **refs, size_t n, int64_t now, json_t *out, struct cd_buf *err)
{
	struct cd_buf b;
	cd_buf_init(&b, QUERY_MAX);
	char *pm = cd_vsx_esc(v->perfmgr);
	cd_buf_printf(&b, "<_this type=\"PerformanceManager\">%s</_this>", pm);
	free(pm);
	for (size_t i = 0; i < n; i++) {
		json_t *lt = json_object_get(v->perf_last, refs[i]);
		int64_t from = now - BACKFILL_MS;
		if (json_is_integer(lt) && json_integer_value(lt) > from)
			from = json_integer_value(lt);
		char ts[CD_TIME_STRLEN];
		char *re = cd_vsx_esc(refs[i]), *te = cd_vsx_esc(cd_vsx_prop(v->objs, refs[i], "type"));
		cd_buf_printf(&b, "<querySpec><entity type=\"%s\">%s</entity><startTime>%s</startTime>"
			      "<maxSample>%lld</maxSample>", te, re, cd_time_fmt(from * 1000, ts),
			      (long long)((now - from) / (CD_VSP_INTERVAL * 1000) + 1));
		free(re);
		free(te);
		uint32_t mask = (uint32_t)json_integer_value(json_object_get(
			json_object_get(v->perf_mask, refs[i]), "m"));
		for (int k = 0; k < CD_VSP_N; k++)
			if (mask & (1u << k))
				cd_buf_printf(&b, "<metricId><counterId>%d</counterId><instance>%s</instance>"
					      "</metricId>", (int)v->perf.id[k], cd_vsp_instance(k));
		cd_buf_printf(&b, "<intervalId>%d</intervalId></querySpec>", CD_VSP_INTERVAL);
	}
	if (b.full) {              /* (names of vCenter's past their own limits) */
		cd_buf_printf(err, "a QueryPerf request larger than %u MiB", QUERY_MAX >> 20);
		cd_buf_free(&b);
		return -E2BIG;
	}
	xmlDoc *d;
	xmlNode *rv;
	int r = cd_vs_soap(v, "QueryPerf", b.data, &d, &rv, err);
	if (r == 0)
		cd_vsp_samples(rv, &v->perf, v->objs, v->perf_last, out);
	xmlFreeDoc(d);
	cd_buf_free(&b);
	return r;
}

/* A batch; when the server refuses it (an object gone meanwhile fails
 * the whole call), each object alone, leaving out those refused. */
static int query_batch(struct vs *v, char **refs, size_t n, int64_t now, json_t *out,
		       struct cd_buf *err)
{
	int r = query(v, refs, n, now, out, err);
	if (r != -EIO)
		return r;
	cd_buf_reset(err);
	for (size_t i = 0; i < n && n > 1; i++) {
		r = query(v, refs + i, 1, now, out, err);
		if (r == -EIO) {
			cd_buf_reset(err);
			r = 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* A datastore's capacity and free space, now. */
static void datastore(struct vs *v, const char *ref, int64_t now, json_t *out)
{
	const char *name = cd_vsx_prop(v->objs, ref, "name");
	const char *cs = cd_vsx_prop(v->objs, ref, "summary.capacity");
	const char *fs = cd_vsx_prop(v->objs, ref, "summary.freeSpace");
	char *e1, *e2;
	long long cap = cs ? strtoll(cs, &e1, 10) : -1, fr = fs ? strtoll(fs, &e2, 10) : -1;
	if (!name || !*name || !cs || !fs || !*cs || !*fs || *e1 || *e2 || cap <= 0 || fr < 0 ||
	    fr > cap || cap >= (INT64_C(1) << 53))
		return;
	json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:{s:f, s:f, s:f}}", "kind", "datastore",
		"name", name, "t", (json_int_t)(now / 1000 * 1000), "metrics",
		"datastore_capacity_bytes", (double)cap, "datastore_free_bytes", (double)fr,
		"datastore_used_bytes", (double)(cap - fr)));
}

/* Forget the objects that are gone. */
static void prune(struct vs *v, json_t *map)
{
	const char *ref;
	json_t *o;
	void *tmp;
	json_object_foreach_safe(map, tmp, ref, o)
		if (!json_object_get(v->objs, ref))
			json_object_del(map, ref);
}

int cd_vs_metrics(void *h, int64_t now, json_t *out, struct cd_buf *err)
{
	struct vs *v = h;
	if (!v->perf_mask) {
		v->perf_mask = json_object();
		v->perf_last = json_object();
	}
	prune(v, v->perf_mask);
	prune(v, v->perf_last);
	int r = 0;
	if (v->perfmgr && *v->perfmgr && !v->perf_known)
		r = read_counters(v, err);
	size_t n = 0, budget = AVAIL_PER_CALL;
	char **batch = cd_calloc(PERF_BATCH, sizeof(*batch));
	const char *ref;
	json_t *o;
	json_object_foreach(v->objs, ref, o) {
		const char *type = json_string_value(json_object_get(o, "type"));
		if (r < 0)
			break;
		if (!strcmp(type, "Datastore")) {
			datastore(v, ref, now, out);
			continue;
		}
		if (!v->perf_known || (strcmp(type, "VirtualMachine") && strcmp(type, "HostSystem")))
			continue;
		json_t *m = json_object_get(v->perf_mask, ref);
		int64_t at = json_integer_value(json_object_get(m, "at"));
		uint32_t mask = (uint32_t)json_integer_value(json_object_get(m, "m"));
		if ((!m || (!mask && now - at > AVAIL_RETRY_MS)) && budget) {
			budget--;
			r = available(v, ref, type, &mask, err);
			if (r == -EIO) {         /* this object's fault (gone meanwhile): not the session's */
				cd_buf_reset(err);
				r = 0;
				mask = 0;
			}
			if (r < 0)
				break;
			json_object_set_new(v->perf_mask, ref, json_pack("{s:I, s:I}", "m", (json_int_t)mask,
									 "at", (json_int_t)now));
		}
		if (!mask)
			continue;
		batch[n++] = (char *)ref;
		if (n == PERF_BATCH) {
			r = query_batch(v, batch, n, now, out, err);
			n = 0;
		}
	}
	if (r == 0 && n)
		r = query_batch(v, batch, n, now, out, err);
	free(batch);
	return r;
}

void cd_vs_metrics_free(struct vs *v)
{
	free(v->perfmgr);
	json_decref(v->perf_mask);
	json_decref(v->perf_last);
}
