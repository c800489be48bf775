/* realize.c - the vNICs a host cannot filter, as its agent reports them
 * (macvtap, an Open vSwitch port, a bridge without br_netfilter): taken
 * from the agent's heartbeat status ("unenforced": ["IFNAME: REASON"]),
 * an event when one appears or goes, and the facts `GET /agents`,
 * `GET /workloads`, explain and the vnic_not_enforced alert symptom read.
 * Never silently open: whatever cordon cannot enforce is said, where the
 * operator looks. */
#include "manager/mgr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/mgr_priv.h"
#include "base/util.h"

#define UNENF_MAX 4096   /* entries taken from one agent's status */
#define REASON_MAX 512   /* bytes of one reason */
#define IFNAME_MAX 15    /* IFNAMSIZ - 1 */
#define EVENTS_MAX 64    /* events one heartbeat may cause */

/* no control bytes: they would reach terminals and the log raw */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* {ifname: reason} from an agent's status.  The status is the agent's
 * word: what is malformed is left out, and there is a bound. */
json_t *cd_mgr_unenforced_parse(const json_t *status)
{
	json_t *out = json_object(), *e;
	size_t i;
	json_array_foreach(json_object_get(status, "unenforced"), i, e) {
		const char *s = json_string_value(e), *sep = s ? strstr(s, ": ") : NULL;
		if (i >= UNENF_MAX)
			break;
		if (!sep || sep == s || sep - s > IFNAME_MAX || strlen(sep + 2) > REASON_MAX ||
		    !printable(s))
			continue;
		char ifname[IFNAME_MAX + 1];
		memcpy(ifname, s, (size_t)(sep - s));
		ifname[sep - s] = 0;
		json_object_set_new(out, ifname, json_string(sep + 2));
	}
	return out;
}

/* {ifname: workload name} of HOST's vNICs, in one pass over the
 * inventory; NULL before there is a state (a manager starting). */
static json_t *host_vnics(const struct cd_mgr *m, const char *host)
{
	if (!m->st || !host)
		return NULL;
	json_t *out = json_object();
	const struct cd_inventory *inv = &m->st->inv;
	for (size_t i = 0; i < inv->n; i++) {
		const struct cd_workload *w = &inv->w[i];
		if (w->host && !strcasecmp(w->host, host))
			for (size_t j = 0; j < w->nvnics; j++)
				json_object_set_new(out, w->vnics[j].ifname, json_string(w->name));
	}
	return out;
}

/* The event of a vNIC of AG's host that became not enforced (why) or
 * enforced again (why NULL). */
static void say(struct cd_mgr *m, const struct cd_mgr_agent *ag, const json_t *mine,
		const char *ifname, const char *why)
{
	const char *w = json_string_value(json_object_get(mine, ifname));
	char *label = cd_asprintf("vNIC %s%s%s%s on host %s", ifname, w ? " (" : "", w ? w : "",
				  w ? ")" : "", ag->rec.host);
	if (why)
		cd_mgr_event(m, "vnic-not-enforced", w, ag->rec.host, NULL,
			     json_pack("{s:s, s:s}", "vnic", ifname, "reason", why),
			     "%s is NOT enforced: %s", label, why);
	else
		cd_mgr_event(m, "vnic-enforced", w, ag->rec.host, NULL, json_pack("{s:s}", "vnic", ifname),
			     "%s is enforced again", label);
	free(label);
}

void cd_mgr_unenforced_set(struct cd_mgr *m, struct cd_mgr_agent *ag, json_t *now, bool announce)
{
	const char *k;
	json_t *v;
	void *tmp;
	bool moved = false;
	int events = 0;
	/* a host's agent speaks for its own vNICs only: a workload's agent,
	 * or a name no workload of the host has, is not heard */
	json_t *mine = host_vnics(m, ag->rec.host);
	json_object_foreach_safe(now, tmp, k, v)
		if (!ag->rec.host || (mine && !json_object_get(mine, k)))
			json_object_del(now, k);
	json_t *old = ag->unenforced ? ag->unenforced : json_object();
	json_object_foreach(now, k, v) {
		const char *was = json_string_value(json_object_get(old, k));
		if (was && !strcmp(was, json_string_value(v)))
			continue;
		moved = true;
		if (announce && events++ < EVENTS_MAX)
			say(m, ag, mine, k, json_string_value(v));
	}
	json_object_foreach(old, k, v) {
		if (json_object_get(now, k))
			continue;
		moved = true;
		if (announce && events++ < EVENTS_MAX)
			say(m, ag, mine, k, NULL);
	}
	if (events > EVENTS_MAX)
		cd_mgr_event(m, "vnic-not-enforced", NULL, ag->rec.host, NULL, NULL,
			     "host %s: %d more vNICs changed between enforced and not; see GET /agents",
			     ag->rec.host, events - EVENTS_MAX);
	json_decref(mine);
	if (old != ag->unenforced)
		json_decref(old);
	json_decref(ag->unenforced);
	ag->unenforced = now;
	if (moved)
		m->pulse++;
}

const char *cd_mgr_vnic_unenforced(const struct cd_mgr *m, const char *host, const char *ifname)
{
	for (size_t i = 0; host && i < m->nagents; i++) {
		const struct cd_mgr_agent *a = &m->agents[i];
		const char *why = a->rec.host && !strcasecmp(a->rec.host, host) ?
				  json_string_value(json_object_get(a->unenforced, ifname)) : NULL;
		if (why)
			return why;
	}
	return NULL;
}

json_t *cd_mgr_unenforced_list(const struct cd_mgr *m, const struct cd_mgr_agent *ag)
{
	json_t *out = json_array(), *v;
	const char *k;
	json_t *mine = json_object_size(ag->unenforced) ? host_vnics(m, ag->rec.host) : NULL;
	json_object_foreach(ag->unenforced, k, v)
		json_array_append_new(out, json_pack("{s:s, s:s*, s:O}", "vnic", k, "workload",
						     json_string_value(json_object_get(mine, k)), "reason", v));
	json_decref(mine);
	return out;
}

json_t *cd_mgr_workload_unenforced(const struct cd_mgr *m, const struct cd_workload *w)
{
	json_t *out = NULL;
	for (size_t j = 0; j < w->nvnics; j++) {
		const char *why = cd_mgr_vnic_unenforced(m, w->host, w->vnics[j].ifname);
		if (!why)
			continue;
		if (!out)
			out = json_array();
		json_array_append_new(out, json_pack("{s:s, s:s}", "vnic", w->vnics[j].ifname,
						     "reason", why));
	}
	return out;
}
