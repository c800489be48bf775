/* agent.c - the enforcing agent's engine (see agent.h). */
#define _GNU_SOURCE
#include "agent/agent.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/counters.h"
#include "dataplane/ct.h"
#include "dataplane/nft.h"
#include "dataplane/nltable.h"
#include "dataplane/attach.h"
#include "policy/guard.h"
#include "agent/queue.h"
#include "agent/saved.h"
#include "agent/flowwatch.h"
#include "agent/spoofwatch.h"
#include "agent/uninstall.h"
#include "base/util.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int enter(struct cd_agent *a)
{
	if (a->ns_fd >= 0 && setns(a->ns_fd, CLONE_NEWNET) < 0)
		return -errno;
	return 0;
}

static void leave(struct cd_agent *a)
{
	if (a->ns_fd >= 0 && setns(a->home_fd, CLONE_NEWNET) < 0)
		abort();   /* the agent's sockets would land in the wrong place */
}

int cd_agent_init(struct cd_agent *a, const char *host, const char *netns,
		  const char *dir, struct cd_buf *err)
{
	memset(a, 0, sizeof(*a));
	a->ns_fd = a->home_fd = -1;
	cd_buf_init(&a->portlog, 1 << 16);
	a->host = cd_strdup(host);
	a->dir = cd_strdup(dir);
	if (netns) {
		char *p = strchr(netns, '/') ? cd_strdup(netns) : cd_asprintf("/run/netns/%s", netns);
		a->ns_fd = open(p, O_RDONLY | O_CLOEXEC);
		a->home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (a->ns_fd < 0 || a->home_fd < 0) {
			cd_buf_printf(err, "cannot open the network namespace %s: %s", p, strerror(errno));
			free(p);
			return -errno;
		}
		free(p);
	}
	/* the settings it may change, as they were before its first start */
	if (enter(a) == 0) {
		cd_uninstall_note(dir);
		leave(a);
	}
	return 0;
}

static void drop_state(struct cd_agent *a)
{
	if (a->st) {
		cd_host_free(&a->h);
		cd_state_free(a->st);
		free(a->st);
	}
	a->st = NULL;
	a->have = false;
}

void cd_agent_hand_over(struct cd_agent *a)
{
	cd_flowwatch_hand_over(a->flows);
}

void cd_agent_free(struct cd_agent *a)
{
	cd_spoofwatch_stop(a->spoof);   /* what it counted goes out first */
	cd_flowwatch_stop(a->flows);
	drop_state(a);
	if (a->journal)
		fclose(a->journal);
	if (a->ns_fd >= 0)
		close(a->ns_fd);
	if (a->home_fd >= 0)
		close(a->home_fd);
	free(a->host);
	free(a->dir);
	free(a->policy);
	free(a->inventory);
	cd_buf_free(&a->portlog);
	for (size_t i = 0; i < a->nunenforced; i++)
		free(a->unenforced[i]);
	free(a->unenforced);
	memset(a, 0, sizeof(*a));
}

/* A world from the documents (NULL and err on failure). */
static struct cd_state *load(const char *inv, const char *pol, struct cd_buf *err)
{
	struct cd_state *st = cd_calloc(1, sizeof(*st));
	struct cd_diags d;
	cd_diags_init(&d);
	if (cd_state_parse(st, "inventory", inv, strlen(inv), "policy", pol, strlen(pol), &d) < 0) {
		cd_buf_printf(err, "the manager's state does not load: %s",
			      d.n ? d.v[0].msg : "unknown error");
		cd_diags_free(&d);
		cd_state_free(st);
		free(st);
		return NULL;
	}
	cd_diags_free(&d);
	return st;
}

/* After a commit that returned r: on success the agent holds st and h
 * (the kernel has them), else h goes. */
static int adopt(struct cd_agent *a, int r, struct cd_state *st, struct cd_host *h)
{
	if (r < 0) {
		cd_host_free(h);
		return r;
	}
	drop_state(a);
	a->st = st;
	a->h = *h;
	a->have = true;
	cd_spoofwatch_vnics(a->spoof, &a->h, a->st);
	return 0;
}

int cd_agent_watch_flows(struct cd_agent *a, const struct cd_flowwatch_opts *base, struct cd_buf *err)
{
	struct cd_flowwatch_opts o = *base;
	o.ns_fd = a->ns_fd;
	o.host = a->host;
	o.st = &a->st;
	o.have = &a->have;
	return cd_flowwatch_start(&a->flows, &o, err);
}

int cd_agent_watch_spoofs(struct cd_agent *a, void (*emit)(void *ctx, json_t *event), void *ctx,
			  struct cd_buf *err)
{
	int r = cd_spoofwatch_start(&a->spoof, a->ns_fd, emit, ctx, err);
	if (r == 0 && a->have)
		cd_spoofwatch_vnics(a->spoof, &a->h, a->st);
	return r;
}

/* Inside the namespace, before the table: how h's vNICs are attached;
 * bridges holding one made to pass their traffic through netfilter
 * (dataplane/attach.h).  The vNICs it cannot filter are kept for the
 * status, and logged when they change.  Returns the attachments, for
 * route_ports() once the table holds. */
static struct cd_port *prepare_ports(struct cd_agent *a, const struct cd_host *h)
{
	struct cd_port *p;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	if (cd_attach_prepare(h, &p, &a->portlog, &err) < 0) {
		cd_buf_printf(&a->portlog, "cannot read the vNICs' attachments: %s\n", err.data);
	} else {
		char **v = NULL;
		size_t n = 0, cap = 0;
		for (size_t k = 0; k < h->n; k++) {
			if (p[k].kind != CD_PORT_UNFILTERED)
				continue;
			char *line = cd_asprintf("%s: %s", h->v[k].ifname, p[k].reason);
			bool known = false;
			for (size_t i = 0; i < a->nunenforced && !known; i++)
				known = strcmp(a->unenforced[i], line) == 0;
			if (!known)
				cd_buf_printf(&a->portlog, "vNIC %s is NOT enforced\n", line);
			CD_PUSH(v, n, cap, line);
		}
		for (size_t i = 0; i < a->nunenforced; i++)
			free(a->unenforced[i]);
		free(a->unenforced);
		a->unenforced = v;
		a->nunenforced = n;
	}
	cd_buf_free(&err);
	return p;
}

/* Inside the namespace, the table loaded: routed vNICs given their routes,
 * gateway and proxy ARP.  Takes p over. */
static void route_ports(struct cd_agent *a, const struct cd_host *h, const struct cd_state *st,
			struct cd_port *p)
{
	cd_attach_route(h, st, p, &a->portlog);
	free(p);
}

char *cd_agent_take_log(struct cd_agent *a)
{
	if (!a->portlog.len)
		return NULL;
	char *s = cd_strdup(a->portlog.data);
	cd_buf_reset(&a->portlog);
	return s;
}

/* Replace the table with st's, in one transaction; then cut what it
 * forbids.  On success the agent holds st. */
static int full_apply(struct cd_agent *a, struct cd_state *st, size_t *cut, struct cd_buf *err)
{
	struct cd_host h;
	int r = cd_host_build(&h, st, a->host, NULL);
	if (r < 0) {
		cd_buf_printf(err, "building the table: %s", strerror(-r));
		return r;
	}
	if ((r = enter(a)) < 0) {
		cd_host_free(&h);
		cd_buf_printf(err, "entering the network namespace: %s", strerror(-r));
		return r;
	}
	struct cd_port *ports = prepare_ports(a, &h);
	r = cd_nft_replace_host(&h, st, err);
	if (r == -ENOTSUP) {
		struct cd_buf text;
		cd_buf_init(&text, CD_RENDER_MAX);
		cd_buf_reset(err);
		r = cd_host_render(&h, st, &text);
		if (r == 0)
			r = cd_nft_replace(text.data, false, err);
		cd_buf_free(&text);
	}
	if (r == 0) {
		cd_ct_cut(st, &h, NULL, 0, cut);
		route_ports(a, &h, st, ports);
	} else {
		free(ports);
	}
	leave(a);
	return adopt(a, r, st, &h);
}

/* The inventory's difference, same policy: one transaction. */
static int diff_apply(struct cd_agent *a, struct cd_state *st, size_t *cut, struct cd_buf *err)
{
	struct cd_host h;
	int r = cd_host_build(&h, st, a->host, NULL);
	if (r < 0)
		return r;
	struct cd_buf script;
	cd_buf_init(&script, CD_RENDER_MAX);
	r = cd_host_diff(&a->h, a->st, &h, st, &script);
	if (r == 0 && script.len) {
		if ((r = enter(a)) == 0) {
			struct cd_port *ports = prepare_ports(a, &h);
			r = cd_nft_run(script.data, err);
			if (r == 0) {
				cd_ct_cut(st, &h, NULL, 0, cut);
				route_ports(a, &h, st, ports);
			} else {
				free(ports);
			}
			leave(a);
		}
	}
	cd_buf_free(&script);
	return adopt(a, r, st, &h);
}

/* ---- what the agent saves ---- */

static int save_snapshot(struct cd_agent *a)
{
	char *path = cd_asprintf("%s/snapshot.json", a->dir);
	json_t *o = json_pack("{s:I, s:I, s:s, s:s}", "seq", (json_int_t)a->seq, "revision",
			      (json_int_t)a->rev, "policy", a->policy, "inventory", a->inventory);
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	int r = text ? cd_write_file(path, text, strlen(text), 0600) : -ENOMEM;
	free(text);
	if (a->journal)
		fclose(a->journal);
	char *jp = cd_asprintf("%s/journal.jsonl", a->dir);
	a->journal = fopen(jp, "w");
	free(jp);
	free(path);
	return r;
}

static void journal(struct cd_agent *a, json_t *change)
{
	if (!a->journal)
		return;
	char *t = json_dumps(change, JSON_COMPACT);
	fprintf(a->journal, "%s\n", t);
	fflush(a->journal);
	free(t);
}

/* ---- tag changes ---- */

static int apply_tags(struct cd_agent *a, json_t *c, size_t *cut, bool *touched,
		      struct cd_buf *err)
{
	const char *name = json_string_value(json_object_get(c, "workload"));
	json_t *jt = json_object_get(c, "tags");
	long w = name ? cd_inventory_find(&a->st->inv, name) : -1;
	if (w < 0 || !json_is_array(jt)) {
		cd_buf_printf(err, "a tag change for %s, which this agent does not know",
			      name ? name : "(no workload)");
		return -EINVAL;
	}
	size_t n = json_array_size(jt);
	const char **tags = cd_calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		tags[i] = json_string_value(json_array_get(jt, i));
		if (!tags[i]) {
			free(tags);
			cd_buf_printf(err, "a tag change with a tag that is not a string");
			return -EINVAL;
		}
	}
	struct cd_delta delta = { 0 };
	const struct cd_workload *before = &a->st->inv.w[w];
	bool had_dhcp = cd_workload_has_tag(before, CD_TAG_DHCP_SERVER);
	bool had_router = cd_workload_has_tag(before, CD_TAG_ROUTER);
	cd_members_set_tags(&a->st->mem, (size_t)w, tags, n, &delta);
	free(tags);
	/* SpoofGuard's exceptions by tag: set elements of the guard's tables */
	struct cd_buf guard;
	cd_buf_init(&guard, 1 << 16);
	int r = cd_guard_retag(&a->h, a->st, (size_t)w, had_dhcp, had_router, &guard);
	struct cd_update u;
	cd_update_init(&u);
	if (r == 0)
		r = cd_host_retag(&a->h, a->st, (size_t)w, &delta, &u);
	*touched = false;
	/* the guard's elements first: if they fail nothing has changed; if
	 * the update after them fails, the agent asks for a snapshot */
	if (r == 0 && guard.len) {
		*touched = true;
		if ((r = enter(a)) == 0) {
			r = cd_nft_run(guard.data, err);
			leave(a);
		}
	}
	cd_buf_free(&guard);
	if (r == 0 && !cd_update_empty(&u)) {
		*touched = true;
		if ((r = enter(a)) == 0) {
			r = cd_nft_commit(&u, err);
			/* only a change that can deny needs the conntrack scan */
			if (r == 0 && cd_delta_can_deny(&a->st->pol, &delta)) {
				const struct cd_workload *wl = &a->st->inv.w[w];
				size_t na = 0, cap = 0;
				struct cd_addr *addrs = NULL;
				for (size_t v = 0; v < wl->nvnics; v++)
					for (size_t k = 0; k < wl->vnics[v].nips; k++)
						CD_PUSH(addrs, na, cap, wl->vnics[v].ips[k]);
				if (na)
					cd_ct_cut(a->st, &a->h, addrs, na, cut);
				free(addrs);
			}
			leave(a);
		}
	}
	cd_update_free(&u);
	cd_delta_free(&delta);
	return r;
}


static int apply(struct cd_agent *a, json_t *answer, json_t *events, struct cd_buf *err)
{
	json_t *seqj = json_object_get(answer, "seq");
	if (!json_is_integer(seqj)) {
		cd_buf_printf(err, "the manager's answer has no change number");
		return -EINVAL;
	}
	int64_t seq = json_integer_value(seqj);
	json_t *snap = json_object_get(answer, "snapshot");
	double t0 = now_ms();
	if (snap) {
		const char *pol = json_string_value(json_object_get(snap, "policy"));
		const char *inv = json_string_value(json_object_get(snap, "inventory"));
		json_int_t rev = json_integer_value(json_object_get(snap, "revision"));
		if (!pol || !inv) {
			cd_buf_printf(err, "the manager's snapshot lacks the policy or the inventory");
			return -EINVAL;
		}
		struct cd_state *st = load(inv, pol, err);
		if (!st)
			return -EINVAL;
		size_t cut = 0;
		bool same = a->have && rev == a->rev && a->policy && !strcmp(pol, a->policy);
		int r = same ? diff_apply(a, st, &cut, err) : full_apply(a, st, &cut, err);
		if (r < 0) {
			cd_state_free(st);
			free(st);
			return r;
		}
		double ms = now_ms() - t0;
		free(a->policy);
		free(a->inventory);
		a->policy = cd_strdup(pol);
		a->inventory = cd_strdup(inv);
		bool newrev = rev != a->rev;
		a->rev = rev;
		a->seq = seq;
		save_snapshot(a);
		json_array_append_new(events, cd_event_make(newrev ? "enforced" : "inventory-enforced", NULL,
			json_pack("{s:I, s:I, s:f, s:I, s:I}", "revision", rev, "seq", (json_int_t)seq,
				  "ms", ms, "vnics", (json_int_t)a->h.n, "cut", (json_int_t)cut),
			"host %s enforces policy revision %lld (change %lld): %zu vNICs, %s in %.1f ms, "
			"%zu connections cut", a->host, (long long)rev, (long long)seq, a->h.n,
			same ? "inventory difference" : "whole table", ms, cut));
		return 0;
	}
	json_t *changes = json_object_get(answer, "changes"), *c;
	if (!json_is_array(changes)) {
		cd_buf_printf(err, "the manager's answer has neither a snapshot nor changes");
		return -EINVAL;
	}
	if (!a->have && json_array_size(changes)) {
		cd_buf_printf(err, "tag changes came before any snapshot");
		return -EINVAL;
	}
	size_t i;
	json_array_foreach(changes, i, c) {
		int64_t cs = json_integer_value(json_object_get(c, "seq"));
		if (cs <= a->seq)
			continue;
		const char *kind = json_string_value(json_object_get(c, "kind"));
		if (kind && strcmp(kind, "tags")) {     /* a scan request: not the table's */
			a->seq = cs;
			continue;
		}
		size_t cut = 0;
		bool touched;
		double t1 = now_ms();
		const char *wname = json_string_value(json_object_get(c, "workload"));
		long wi = wname ? cd_inventory_find(&a->st->inv, wname) : -1;
		const char *qtag = a->st->pol.am.quarantine_tag;
		bool was_q = wi >= 0 && cd_workload_has_tag(&a->st->inv.w[wi], qtag);
		int r = apply_tags(a, c, &cut, &touched, err);
		if (r < 0) {
			/* the model may be ahead of the kernel now: the next
			 * snapshot replaces the whole table */
			a->have = false;
			return r;
		}
		a->seq = cs;
		journal(a, c);
		bool is_q = wi >= 0 && cd_workload_has_tag(&a->st->inv.w[wi], qtag);
		/* an event names a workload only when it lives here (the manager
		 * takes events of a host's own workloads only) */
		bool local = wi >= 0 && !strcasecmp(a->st->inv.w[wi].host, a->host);
		if (touched && was_q != is_q)
			json_array_append_new(events, cd_event_make(is_q ? "quarantine-enforced" : "release-enforced",
				local ? wname : NULL,
				json_pack("{s:I, s:f, s:I, s:s, s:s}", "seq", (json_int_t)cs, "ms", now_ms() - t1,
					  "cut", (json_int_t)cut, "host", a->host, "workload", wname),
				"%s of %s enforced on host %s in %.1f ms (%zu connections cut)",
				is_q ? "quarantine" : "release", wname, a->host, now_ms() - t1, cut));
		else if (cut)
			json_array_append_new(events, cd_event_make("connections-cut", local ? wname : NULL,
				json_pack("{s:I, s:I, s:f}", "seq", (json_int_t)cs, "cut", (json_int_t)cut,
					  "ms", now_ms() - t1),
				"host %s cut %zu established connections of %s after change %lld",
				a->host, cut, json_string_value(json_object_get(c, "workload")), (long long)cs));
	}
	if (seq > a->seq)
		a->seq = seq;
	return 0;
}

int cd_agent_apply(struct cd_agent *a, json_t *answer, json_t *events, struct cd_buf *err)
{
	/* the flow watcher reads the state: not while it changes */
	cd_flowwatch_lock(a->flows);
	int r = apply(a, answer, events, err);
	cd_flowwatch_unlock(a->flows);
	return r;
}

/* ---- start ---- */

static bool table_exists(struct cd_agent *a)
{
	struct cd_counter *v = NULL;
	size_t n = 0;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	if (enter(a) < 0) {
		cd_buf_free(&err);
		return false;
	}
	int r = cd_counters_read(&v, &n, &err);
	leave(a);
	cd_counters_free(v, n);
	cd_buf_free(&err);
	return r == 0;
}

int cd_agent_start(struct cd_agent *a, char *what, size_t whatlen, struct cd_buf *err)
{
	if (table_exists(a)) {
		snprintf(what, whatlen, "kept the table an earlier run left, until the manager's state replaces it");
		return 0;
	}
	struct cd_saved sv;
	int r;
	size_t cut = 0;
	if (cd_saved_read(a->dir, &sv, err) == 1) {
		a->seq = sv.seq;
		a->rev = sv.rev;
		r = full_apply(a, sv.st, &cut, err);
		if (r == 0) {
			sv.st = NULL;      /* the agent's now */
			/* the tag changes applied after that snapshot */
			size_t i, n = 0;
			json_t *c;
			json_array_foreach(sv.changes, i, c) {
				bool touched;
				if (apply_tags(a, c, &cut, &touched, err) == 0) {
					a->seq = json_integer_value(json_object_get(c, "seq"));
					n++;
				}
			}
			a->policy = sv.policy;
			a->inventory = sv.inventory;
			sv.policy = sv.inventory = NULL;
			snprintf(what, whatlen, "no table in the kernel: applied the saved state "
				 "(revision %lld, change %lld, %zu tag changes%s)", (long long)a->rev,
				 (long long)a->seq, n, sv.damaged ? "; damaged journal lines set aside" : "");
			save_snapshot(a);
		}
		cd_saved_free(&sv);
		return r;
	}
	/* a saved state damaged: said, as none */
	char why[512] = "";
	if (err->len)
		snprintf(why, sizeof(why), " (%.*s)", (int)(err->len > 400 ? 400 : err->len), err->data);
	cd_buf_reset(err);
	/* nothing known: close every vNIC until the manager answers */
	struct cd_state *st = load("{\"workloads\": []}", "{}", err);
	if (!st)
		return -EINVAL;
	r = full_apply(a, st, &cut, err);
	if (r < 0) {
		cd_state_free(st);
		free(st);
		return r;
	}
	a->have = false;     /* not the manager's: the first snapshot replaces it whole */
	snprintf(what, whatlen, "no table and no saved state%s: applied a closed table "
		 "(unknown vNICs dropped) until the manager answers", why);
	return 0;
}

json_t *cd_agent_status(struct cd_agent *a)
{
	json_t *o = json_pack("{s:s, s:I, s:I}", "host", a->host, "vnics", (json_int_t)(a->st ? a->h.n : 0),
			      "revision", (json_int_t)a->rev);
	if (a->flows)   /* what the flow records lost: overruns, keys past the bound */
		json_object_set_new(o, "flows", cd_flowwatch_status(a->flows));
	struct cd_counter *v = NULL;
	size_t n = 0;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	if (enter(a) == 0) {
		int r = cd_counters_read(&v, &n, &err);
		if (a->st)   /* a bridge made again, a VM started on one */
			route_ports(a, &a->h, a->st, prepare_ports(a, &a->h));
		leave(a);
		json_t *un = json_array();
		for (size_t i = 0; i < a->nunenforced; i++)
			json_array_append_new(un, json_string(a->unenforced[i]));
		json_object_set_new(o, "unenforced", un);
		json_object_set_new(o, "table", json_string(r == 0 ? "present" : "missing"));
		json_t *c = json_object();
		for (size_t i = 0; i < n; i++)
			if (v[i].packets)
				json_object_set_new(c, v[i].name, json_pack("{s:I, s:I}",
					"packets", (json_int_t)v[i].packets, "bytes", (json_int_t)v[i].bytes));
		json_object_set_new(o, "counters", c);
		cd_counters_free(v, n);
	}
	cd_buf_free(&err);
	return o;
}
