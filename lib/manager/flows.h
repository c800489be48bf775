/* flows.h - flow records on the manager's side (../shared/spec/flows.md
 * and docs/flows.md): an agent's batches checked field by field and
 * stored once per credential and seq, read back with filters, pages and
 * sums, kept within a retention, and counted for Prometheus.
 *
 * A record aggregates one minute of connections of one key as the agent
 * of one host saw them at one vNIC.  The store (store.h, store_flows.c)
 * keeps them; this file owns their shapes: the agent's JSON, the API's
 * JSON, and the lists (tags, groups) as stored. */
#ifndef CD_FLOWS_H
#define CD_FLOWS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "manager/mgr.h"
#include "manager/store.h"

#define CD_FLOWS_BATCHES_MAX 100     /* batches in one call */
#define CD_FLOWS_RECORDS_MAX 5000    /* records in one batch */
#define CD_FLOWS_LIST_MAX 256        /* entries of a tags or groups list */
#define CD_FLOWS_STR_MAX 256         /* bytes of a name, a tag, a group */
#define CD_FLOWS_VNIC_MAX 64         /* bytes of a vNIC's name */
#define CD_FLOWS_COUNT_MAX (INT64_C(1) << 48)   /* a count in one minute */
#define CD_FLOWS_AHEAD_MS (INT64_C(24) * 3600 * 1000)   /* a minute at most this ahead */
#define CD_FLOWS_PAGE 1000           /* records in one answer, and top N */

/* An agent's call, checked: its batches, each with its records; the
 * strings are the body's or the call's own (freed with it). */
struct cd_flows_batch {
	int64_t seq;
	struct cd_flow_rec *v;
	size_t n;
};
struct cd_flows_call {
	struct cd_flows_batch *b;
	size_t nb;
	char **owned;           /* strings made here (lists, addresses) */
	size_t nowned, owned_cap;
};
/* Check an agent's body ({"batches": [...]}, already parsed) whole, as
 * the contract says, before anything is stored: 0 with *out, or -EINVAL
 * with the faulty field ("batches[0].records[3].port") and why.  now_ms:
 * the manager's clock (a minute at most a day ahead of it).  Records'
 * host is left NULL (the credential's).  body must outlive *out. */
int cd_flows_parse(json_t *body, int64_t now_ms, struct cd_flows_call *out, char *field,
		   size_t field_len, char *why, size_t why_len);
void cd_flows_call_free(struct cd_flows_call *c);

/* Store a checked call for the agent of host with credential cred (its
 * hash), each batch in one transaction, once per (cred, seq): *acked the
 * highest seq taken, *stored the records newly stored.  0 or a store
 * error (the batches before it are stored). */
int cd_mgr_flows_ingest(struct cd_mgr *m, const char *host, const char *cred,
			struct cd_flows_call *c, int64_t *acked, int64_t *stored);

/* A protocol's number from "tcp", "udp", "icmp", "icmpv6" or "0".."255":
 * 0..255, or -1. */
int cd_flows_proto(const char *s);
/* The LIKE pattern that finds value in a stored list (caller frees). */
char *cd_flows_like(const char *value);
/* A record as the API answers it (a new object). */
json_t *cd_flows_rec_json(const struct cd_flow_rec *f);
/* A sum of top=N by `by` as the API answers it (a new object). */
json_t *cd_flows_sum_json(enum cd_flow_by by, const struct cd_flow_sum *x);

/* The records the filter takes, newest first: their JSON appended to
 * out; *next the paging value of the last when the page is full (caller
 * frees; NULL: no more).  0 or a store error. */
int cd_mgr_flows(struct cd_mgr *m, const struct cd_flow_filter *f, json_t *out, char **next);
/* The sums by `by`, n at most, appended to out. */
int cd_mgr_flows_top(struct cd_mgr *m, const struct cd_flow_filter *f, enum cd_flow_by by,
		     int64_t n, json_t *out);
/* The retention (cd_mgr_tick): the limits' days and bytes. */
int cd_mgr_flows_prune(struct cd_mgr *m);
/* cordon_flow_connections_total{rule, verdict} in OpenMetrics text. */
int cd_mgr_flows_openmetrics(struct cd_mgr *m, struct cd_buf *b);

#endif
