/* flows.c - flow records (flows.h): an agent's call checked whole, field
 * by field, before anything of it is stored; its batches stored once per
 * credential and seq; records and sums as the API answers them; the
 * retention; the counters for Prometheus.
 *
 * A list (tags, groups) is stored as SEP a SEP b SEP ("" when empty),
 * SEP the unit separator 0x1f, which no entry may hold: an entry is
 * found with LIKE '%SEP entry SEP%'. */
#include "manager/flows.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/util.h"
#include "manager/mgr_priv.h"

#define SEP '\x1f'

static const char *const verdicts[] = { "allowed", "dropped", "rejected", "would-drop",
					"would-reject" };
static const char *const seen_ats[] = { "source", "destination", "both" };
static const char *const categories[] = { "emergency", "infrastructure", "environment",
					  "application" };
static const struct { const char *name; int n; } protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "icmpv6", 58 },
};

/* The index of s in the n words v, or -1. */
static int word(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, v[i]))
			return (int)i;
	return -1;
}

int cd_flows_proto(const char *s)
{
	for (size_t i = 0; i < CD_ARRAY_LEN(protos); i++)
		if (!strcmp(s, protos[i].name))
			return protos[i].n;
	char *end;
	long n = strtol(s, &end, 10);
	return *s >= '0' && *s <= '9' && !*end && n <= 255 && strlen(s) <= 3 ? (int)n : -1;
}

/* ---- an agent's call, checked ---- */

struct parse {
	struct cd_flows_call *c;
	char path[64];          /* "batches[1].records[2]" */
	char *field, *why;
	size_t field_len, why_len;
};

/* Refuse: the field is path + "." + sub (sub NULL: path). */
static int bad(struct parse *p, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct parse *p, const char *sub, const char *fmt, ...)
{
	snprintf(p->field, p->field_len, "%s%s%.64s", p->path, p->path[0] && sub ? "." : "", sub ? sub : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->why, p->why_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *own(struct parse *p, char *s)
{
	CD_PUSH(p->c->owned, p->c->nowned, p->c->owned_cap, s);
	return s;
}

/* A string of 1 to max bytes, without NUL (nor any control character
 * when plain): NULL with the reason in *why. */
static const char *text(json_t *v, size_t max, bool plain, const char **why)
{
	if (!json_is_string(v)) {
		*why = "must be a string";
		return NULL;
	}
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	*why = n == 0 ? "must not be empty" : n > max ? "is too long" :
	       strlen(s) != n ? "holds a NUL byte" : NULL;
	for (size_t i = 0; plain && !*why && i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			*why = "holds a control character";
	return *why ? NULL : s;
}

/* Only the keys of `keys` (NULL-ended) in object o; sub names o. */
static int only(struct parse *p, json_t *o, const char *sub, const char *const *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		size_t i;
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (!keys[i]) {
			char f[80];
			snprintf(f, sizeof(f), "%s%s%.40s", sub ? sub : "", sub ? "." : "", k);
			return bad(p, f, "unknown field");
		}
	}
	return 0;
}

/* {"workload": NAME or null, "ip": ADDRESS}: the name and the address
 * as cd_addr_fmt writes it. */
static int endpoint(struct parse *p, json_t *o, const char *sub, const char **wl, const char **ip)
{
	static const char *const keys[] = { "workload", "ip", NULL };
	char f[40];
	if (!json_is_object(o))
		return bad(p, sub, "must be an object {\"workload\", \"ip\"}");
	if (only(p, o, sub, keys) < 0)
		return -EINVAL;
	json_t *w = json_object_get(o, "workload");
	const char *why;
	*wl = NULL;
	if (w && !json_is_null(w) && !(*wl = text(w, CD_FLOWS_STR_MAX, true, &why))) {
		snprintf(f, sizeof(f), "%s.workload", sub);
		return bad(p, f, "%s (a workload's name, or null)", why);
	}
	snprintf(f, sizeof(f), "%s.ip", sub);
	const char *s = text(json_object_get(o, "ip"), 64, true, &why);
	struct cd_addr a;
	if (!s)
		return bad(p, f, "%s (an IPv4 or IPv6 address)", json_object_get(o, "ip") ? why : "is required");
	if (cd_addr_parse(s, false, &a, &why) < 0)
		return bad(p, f, "'%.64s' is not an IPv4 or IPv6 address: %s", s, why);
	char buf[CD_ADDR_STRLEN];
	*ip = own(p, cd_strdup(cd_addr_fmt(&a, buf)));
	return 0;
}

/* A rule {"id", "name", "category"} or null (id 0). */
static int rule(struct parse *p, json_t *o, const char *sub, int64_t *id, const char **name,
		const char **cat)
{
	static const char *const keys[] = { "id", "name", "category", NULL };
	*id = 0;
	*name = *cat = NULL;
	if (!o || json_is_null(o))
		return 0;
	char f[40];
	if (!json_is_object(o))
		return bad(p, sub, "must be an object {\"id\", \"name\", \"category\"} or null");
	if (only(p, o, sub, keys) < 0)
		return -EINVAL;
	json_t *v = json_object_get(o, "id");
	snprintf(f, sizeof(f), "%s.id", sub);
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > UINT32_MAX)
		return bad(p, f, "must be a rule's id, a whole number from 1 to %" PRIu32, UINT32_MAX);
	*id = json_integer_value(v);
	const char *why;
	v = json_object_get(o, "name");
	snprintf(f, sizeof(f), "%s.name", sub);
	if (v && !json_is_null(v) && !(*name = text(v, CD_FLOWS_STR_MAX, true, &why)))
		return bad(p, f, "%s (the rule's name, or null)", why);
	snprintf(f, sizeof(f), "%s.category", sub);
	/* null: a rule the agent's state no longer had when it logged (a
	 * drop read after a new policy removed its rule) */
	v = json_object_get(o, "category");
	*cat = json_string_value(v);
	if ((v && !json_is_null(v) && !*cat) ||
	    (*cat && word(*cat, categories, CD_ARRAY_LEN(categories)) < 0))
		return bad(p, f, "must be emergency, infrastructure, environment, application or null");
	return 0;
}

/* A count: absent (0) or a whole number from 0 to CD_FLOWS_COUNT_MAX. */
static int count(struct parse *p, json_t *r, const char *key, int64_t *out)
{
	json_t *v = json_object_get(r, key);
	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > CD_FLOWS_COUNT_MAX)
		return bad(p, key, "must be a whole number from 0 to %" PRId64, CD_FLOWS_COUNT_MAX);
	*out = json_integer_value(v);
	return 0;
}

/* A list of tags or groups: absent or [] (""), else SEP a SEP b SEP. */
static int list(struct parse *p, json_t *r, const char *key, const char **out)
{
	json_t *a = json_object_get(r, key), *v;
	*out = "";
	if (!a || !json_array_size(a)) {
		if (a && !json_is_array(a))
			return bad(p, key, "must be an array of strings");
		return 0;
	}
	if (json_array_size(a) > CD_FLOWS_LIST_MAX)
		return bad(p, key, "holds more than %d entries", CD_FLOWS_LIST_MAX);
	struct cd_buf b;
	cd_buf_init(&b, (CD_FLOWS_STR_MAX + 1) * CD_FLOWS_LIST_MAX + 2);
	int r2 = cd_buf_add(&b, (char[]){ SEP }, 1);
	size_t i;
	json_array_foreach(a, i, v) {
		const char *why, *s = text(v, CD_FLOWS_STR_MAX, true, &why);
		if (!s) {
			cd_buf_free(&b);
			char f[64];
			snprintf(f, sizeof(f), "%s[%zu]", key, i);
			return bad(p, f, "%s", why);
		}
		if (r2 == 0)
			r2 = cd_buf_add(&b, s, strlen(s));
		if (r2 == 0)
			r2 = cd_buf_add(&b, (char[]){ SEP }, 1);
	}
	if (r2 < 0) {           /* cannot be: the buffer holds the largest list */
		cd_buf_free(&b);
		return bad(p, key, "is too large");
	}
	*out = own(p, cd_buf_steal(&b));
	return 0;
}

static int record(struct parse *p, json_t *r, int64_t now_ms, struct cd_flow_rec *f)
{
	static const char *const keys[] = {
		"minute", "vnic", "seen_at", "source", "destination", "protocol", "port", "verdict",
		"rule", "staged_rule", "connections", "bytes_out", "bytes_in", "packets_out",
		"packets_in", "source_tags", "destination_tags", "source_groups",
		"destination_groups", NULL,
	};
	if (!json_is_object(r))
		return bad(p, NULL, "each record must be an object");
	if (only(p, r, NULL, keys) < 0)
		return -EINVAL;
	json_t *v = json_object_get(r, "minute");
	if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) % 60000)
		return bad(p, "minute", "must be the minute's start in ms since the epoch (a multiple "
			   "of 60000)");
	f->minute = json_integer_value(v);
	if (f->minute > now_ms + CD_FLOWS_AHEAD_MS)
		return bad(p, "minute", "is more than a day ahead of the manager's clock");
	const char *why;
	v = json_object_get(r, "vnic");
	if (!(f->vnic = text(v, CD_FLOWS_VNIC_MAX, true, &why)))
		return bad(p, "vnic", "%s (the vNIC's name, at most %d bytes)", v ? why : "is required",
			   CD_FLOWS_VNIC_MAX);
	f->seen_at = json_string_value(json_object_get(r, "seen_at"));
	if (word(f->seen_at, seen_ats, CD_ARRAY_LEN(seen_ats)) < 0)
		return bad(p, "seen_at", "must be source, destination or both");
	if (endpoint(p, json_object_get(r, "source"), "source", &f->src_wl, &f->src_ip) < 0 ||
	    endpoint(p, json_object_get(r, "destination"), "destination", &f->dst_wl, &f->dst_ip) < 0)
		return -EINVAL;
	v = json_object_get(r, "protocol");
	f->proto = json_is_string(v) ? cd_flows_proto(json_string_value(v)) : -1;
	if (json_is_string(v) && (json_string_value(v)[0] >= '0' && json_string_value(v)[0] <= '9'))
		f->proto = -1;          /* a number is given as one */
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255)
		f->proto = (int)json_integer_value(v);
	if (f->proto < 0)
		return bad(p, "protocol", "must be tcp, udp, icmp, icmpv6 or a number from 0 to 255");
	v = json_object_get(r, "port");
	bool icmp = f->proto == 1 || f->proto == 58, ported = f->proto == 6 || f->proto == 17;
	f->port = 0;
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535)
			return bad(p, "port", "must be a port from 1 to 65535, or null");
		if (icmp)
			return bad(p, "port", "must be null for ICMP");
		f->port = (int)json_integer_value(v);
	} else if (ported) {
		return bad(p, "port", "is required for tcp and udp (the destination port)");
	}
	f->verdict = json_string_value(json_object_get(r, "verdict"));
	int vd = word(f->verdict, verdicts, CD_ARRAY_LEN(verdicts));
	if (vd < 0)
		return bad(p, "verdict", "must be allowed, dropped, rejected, would-drop or would-reject");
	if (rule(p, json_object_get(r, "rule"), "rule", &f->rule_id, &f->rule_name, &f->rule_cat) < 0 ||
	    rule(p, json_object_get(r, "staged_rule"), "staged_rule", &f->staged_id, &f->staged_name,
		 &f->staged_cat) < 0)
		return -EINVAL;
	if (vd >= 3 && !f->staged_id)
		return bad(p, "staged_rule", "is required for %s (the staged rule that would decide)",
			   f->verdict);
	if (count(p, r, "connections", &f->connections) < 0 || count(p, r, "bytes_out", &f->bytes_out) < 0 ||
	    count(p, r, "bytes_in", &f->bytes_in) < 0 || count(p, r, "packets_out", &f->packets_out) < 0 ||
	    count(p, r, "packets_in", &f->packets_in) < 0)
		return -EINVAL;
	if ((vd == 1 || vd == 2) && (f->bytes_out || f->bytes_in || f->packets_out || f->packets_in))
		return bad(p, f->bytes_out || f->bytes_in ? (f->bytes_out ? "bytes_out" : "bytes_in") :
			   f->packets_out ? "packets_out" : "packets_in", "must be 0 for a %s flow", f->verdict);
	if (list(p, r, "source_tags", &f->src_tags) < 0 || list(p, r, "destination_tags", &f->dst_tags) < 0 ||
	    list(p, r, "source_groups", &f->src_groups) < 0 ||
	    list(p, r, "destination_groups", &f->dst_groups) < 0)
		return -EINVAL;
	return 0;
}

static int batch(struct parse *p, json_t *o, size_t i, int64_t now_ms, struct cd_flows_batch *b)
{
	static const char *const keys[] = { "seq", "records", NULL };
	snprintf(p->path, sizeof(p->path), "batches[%zu]", i);
	if (!json_is_object(o))
		return bad(p, NULL, "each batch must be an object {\"seq\", \"records\"}");
	if (only(p, o, NULL, keys) < 0)
		return -EINVAL;
	json_t *v = json_object_get(o, "seq");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return bad(p, "seq", "must be a whole number above 0");
	b->seq = json_integer_value(v);
	json_t *recs = json_object_get(o, "records");
	if (!json_is_array(recs))
		return bad(p, "records", "must be an array of records");
	if (json_array_size(recs) > CD_FLOWS_RECORDS_MAX)
		return bad(p, "records", "at most %d records a batch", CD_FLOWS_RECORDS_MAX);
	b->n = json_array_size(recs);
	b->v = b->n ? cd_calloc(b->n, sizeof(*b->v)) : NULL;
	for (size_t k = 0; k < b->n; k++) {
		snprintf(p->path, sizeof(p->path), "batches[%zu].records[%zu]", i, k);
		if (record(p, json_array_get(recs, k), now_ms, &b->v[k]) < 0)
			return -EINVAL;
	}
	return 0;
}

int cd_flows_parse(json_t *body, int64_t now_ms, struct cd_flows_call *out, char *field,
		   size_t field_len, char *why, size_t why_len)
{
	static const char *const keys[] = { "batches", NULL };
	memset(out, 0, sizeof(*out));
	struct parse p = { .c = out, .field = field, .why = why, .field_len = field_len,
			   .why_len = why_len };
	if (!json_is_object(body))
		return bad(&p, NULL, "the body must be an object {\"batches\": [...]}");
	if (only(&p, body, NULL, keys) < 0)
		return -EINVAL;
	json_t *a = json_object_get(body, "batches");
	if (!json_is_array(a))
		return bad(&p, "batches", "must be an array of batches");
	if (json_array_size(a) > CD_FLOWS_BATCHES_MAX)
		return bad(&p, "batches", "at most %d batches a call", CD_FLOWS_BATCHES_MAX);
	out->nb = json_array_size(a);
	out->b = out->nb ? cd_calloc(out->nb, sizeof(*out->b)) : NULL;
	for (size_t i = 0; i < out->nb; i++)
		if (batch(&p, json_array_get(a, i), i, now_ms, &out->b[i]) < 0) {
			cd_flows_call_free(out);
			return -EINVAL;
		}
	return 0;
}

void cd_flows_call_free(struct cd_flows_call *c)
{
	for (size_t i = 0; i < c->nb; i++)
		free(c->b[i].v);
	free(c->b);
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	memset(c, 0, sizeof(*c));
}

int cd_mgr_flows_ingest(struct cd_mgr *m, const char *host, const char *cred,
			struct cd_flows_call *c, int64_t *acked, int64_t *stored)
{
	*acked = *stored = 0;
	int64_t now = cd_mgr_now();
	for (size_t i = 0; i < c->nb; i++) {
		struct cd_flows_batch *b = &c->b[i];
		for (size_t k = 0; k < b->n; k++)
			b->v[k].host = host;
		int r = cd_store_flow_batch(m->store, cred, b->seq, now, b->v, b->n,
					    m->limits.flow_totals_max);
		if (r < 0)
			return r;
		if (r == 1)
			*stored += (int64_t)b->n;
		if (b->seq > *acked)
			*acked = b->seq;
	}
	return 0;
}

/* ---- answers ---- */

char *cd_flows_like(const char *value)
{
	size_t n = strlen(value);
	char *s = cd_malloc(2 * n + 5), *q = s;
	*q++ = '%';
	*q++ = SEP;
	for (const char *v = value; *v; v++) {
		if (*v == '%' || *v == '_' || *v == '\\')
			*q++ = '\\';
		*q++ = *v;
	}
	*q++ = SEP;
	*q++ = '%';
	*q = 0;
	return s;
}

static json_t *list_json(const char *s)
{
	json_t *a = json_array();
	if (!s || *s != SEP)
		return a;
	for (const char *p = s + 1; *p;) {
		const char *e = strchr(p, SEP);
		if (!e)
			break;
		json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
		p = e + 1;
	}
	return a;
}

static json_t *proto_json(int proto)
{
	for (size_t i = 0; i < CD_ARRAY_LEN(protos); i++)
		if (protos[i].n == proto)
			return json_string(protos[i].name);
	return json_integer(proto);
}

static json_t *rule_json(int64_t id, const char *name, const char *cat)
{
	if (!id)
		return json_null();
	return json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)id, "name", name, "category", cat);
}

static json_t *end_json(const char *wl, const char *ip)
{
	json_t *o = json_pack("{s:s?, s:s}", "workload", wl, "ip", ip ? ip : "");
	if (o && !json_object_get(o, "workload"))
		json_object_set_new(o, "workload", json_null());
	return o;
}

json_t *cd_flows_rec_json(const struct cd_flow_rec *f)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:I, s:I, s:I, "
			      "s:I, s:I, s:o, s:o, s:o, s:o}",
			      "minute", (json_int_t)f->minute, "host", f->host ? f->host : "",
			      "vnic", f->vnic ? f->vnic : "", "seen_at", f->seen_at ? f->seen_at : "",
			      "source", end_json(f->src_wl, f->src_ip),
			      "destination", end_json(f->dst_wl, f->dst_ip),
			      "protocol", proto_json(f->proto),
			      "port", f->port ? json_integer(f->port) : json_null(),
			      "verdict", f->verdict ? f->verdict : "",
			      "rule", rule_json(f->rule_id, f->rule_name, f->rule_cat),
			      "staged_rule", rule_json(f->staged_id, f->staged_name, f->staged_cat),
			      "connections", (json_int_t)f->connections,
			      "bytes_out", (json_int_t)f->bytes_out, "bytes_in", (json_int_t)f->bytes_in,
			      "packets_out", (json_int_t)f->packets_out,
			      "packets_in", (json_int_t)f->packets_in,
			      "source_tags", list_json(f->src_tags),
			      "destination_tags", list_json(f->dst_tags),
			      "source_groups", list_json(f->src_groups),
			      "destination_groups", list_json(f->dst_groups));
	return o;
}

/* A sum as a whole number (exact up to 2^53; larger ones about). */
static json_t *sum_json(double d)
{
	return json_integer(d <= 0 ? 0 : d >= 9.2e18 ? INT64_MAX : (json_int_t)d);
}

json_t *cd_flows_sum_json(enum cd_flow_by by, const struct cd_flow_sum *x)
{
	json_t *o = json_object();
	switch (by) {
	case CD_FLOW_BY_PAIR:
		json_object_set_new(o, "source", json_string(x->a ? x->a : ""));
		json_object_set_new(o, "destination", json_string(x->b ? x->b : ""));
		break;
	case CD_FLOW_BY_PORT:
		json_object_set_new(o, "protocol", proto_json(x->proto));
		json_object_set_new(o, "port", x->port ? json_integer(x->port) : json_null());
		break;
	case CD_FLOW_BY_RULE:
		json_object_set_new(o, "rule", rule_json(x->rule_id, x->rule_name, x->rule_cat));
		break;
	case CD_FLOW_BY_WORKLOAD:
		json_object_set_new(o, "workload", json_string(x->a ? x->a : ""));
		break;
	}
	json_object_set_new(o, "connections", sum_json(x->connections));
	json_object_set_new(o, "bytes_out", sum_json(x->bytes_out));
	json_object_set_new(o, "bytes_in", sum_json(x->bytes_in));
	json_object_set_new(o, "packets_out", sum_json(x->packets_out));
	json_object_set_new(o, "packets_in", sum_json(x->packets_in));
	return o;
}

struct page { json_t *out; int64_t n, minute, id; };

static int page_row(void *ctx, const struct cd_flow_rec *f)
{
	struct page *p = ctx;
	json_t *o = cd_flows_rec_json(f);
	if (!o)
		return -EILSEQ;         /* text that is not UTF-8 (cannot be: checked when taken) */
	json_array_append_new(p->out, o);
	p->n++;
	p->minute = f->minute;
	p->id = f->id;
	return 0;
}

int cd_mgr_flows(struct cd_mgr *m, const struct cd_flow_filter *f, json_t *out, char **next)
{
	struct page p = { .out = out };
	*next = NULL;
	int r = cd_store_flow_each(m->store, f, page_row, &p);
	if (r == 0 && f->limit > 0 && p.n == f->limit) {
		char b[64];
		snprintf(b, sizeof(b), "%" PRId64 "-%" PRId64, p.minute, p.id);
		*next = cd_strdup(b);
	}
	return r;
}

struct top { enum cd_flow_by by; json_t *out; };

static int top_row(void *ctx, const struct cd_flow_sum *x)
{
	struct top *t = ctx;
	json_array_append_new(t->out, cd_flows_sum_json(t->by, x));
	return 0;
}

int cd_mgr_flows_top(struct cd_mgr *m, const struct cd_flow_filter *f, enum cd_flow_by by,
		     int64_t n, json_t *out)
{
	struct top t = { by, out };
	return cd_store_flow_top(m->store, f, by, n, top_row, &t);
}

/* ---- the retention, and Prometheus ---- */

int cd_mgr_flows_prune(struct cd_mgr *m)
{
	const struct cd_mgr_limits *l = &m->limits;
	int64_t removed = 0, now = cd_mgr_now(), keep_us = l->flows_keep_days * 24 * 3600 * 1000000LL;
	int r = cd_store_flow_prune(m->store, (now - keep_us) / 1000, now - keep_us,
				    l->flows_max_bytes, &removed);
	if (r < 0)
		cd_mgr_logf(m, "flow records: the retention failed: %s", cd_store_error(m->store));
	else if (removed > 0)
		cd_mgr_logf(m, "flow records: %lld removed (kept: %lld days%s)", (long long)removed,
			    (long long)l->flows_keep_days, l->flows_max_bytes ? " and a size" : "");
	return r;
}

#define EXPORT_SERIES_MAX 10000     /* (rule, verdict) pairs exported */

struct om { struct cd_buf *b; size_t n; };

static int om_row(void *ctx, int64_t rule, const char *verdict, int64_t n)
{
	struct om *o = ctx;
	if (o->n++ >= EXPORT_SERIES_MAX)
		return 0;
	char id[24];
	snprintf(id, sizeof(id), "%" PRId64, rule);
	/* verdicts are the contract's words: nothing to escape */
	return cd_buf_printf(o->b, "cordon_flow_connections_total{rule=\"%s\",verdict=\"%s\"} %" PRId64 "\n",
			     rule < 0 ? "other" : rule ? id : "default", verdict, n) < 0 ? -E2BIG : 0;
}

int cd_mgr_flows_openmetrics(struct cd_mgr *m, struct cd_buf *b)
{
	cd_buf_puts(b, "# TYPE cordon_flow_connections counter\n"
		       "# HELP cordon_flow_connections connections in the flow records agents sent, "
		       "by the deciding rule and the verdict\n");
	struct om o = { b, 0 };
	return cd_store_flow_totals(m->store, om_row, &o);
}
