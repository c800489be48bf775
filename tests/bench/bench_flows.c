/* bench_flows.c - what flow records cost the manager's store, and what
 * an impact preview over 7 days of them costs, in a 10,000-workload
 * world:
 *
 *   bench-flows DIR [KEYS_A_MINUTE [DISTINCT]]
 *
 * DIR holds the generated world (gen-inventory) and gets the store
 * (DIR/flows.db, SQLite).  7 days of records are written as agents' batches
 * are (cd_store_flow_batch, 1,000 records a transaction): KEYS_A_MINUTE
 * records a minute (default 100), their keys taken in turn from DISTINCT
 * (default 20,000) pairs of the world's workloads and ports, each with its
 * ends' tags as an agent sends them.  Then:
 *   - the store's bytes a record (the database file over the rows) and
 *     what 30 days hold at 10, 100 and 1,000 keys a minute on one host;
 *   - POST /policy/impact's work (cd_mgr_policy_impact) for a draft that
 *     drops the world's first allow rule, over the 7 days: the median of
 *     5 runs (goal: under 2 s).
 * Figures only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "base/util.h"
#include "manager/impact.h"
#include "manager/mgr.h"
#include "manager/store.h"

#define DAYS 7
#define BATCH 1000
#define SEP "\x1f"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(b);
		return NULL;
	}
	fclose(f);
	b[n] = 0;
	*len = (size_t)n;
	return b;
}

/* a workload's tags as a record holds them: SEP a SEP b SEP */
static char *tags_of(const struct cd_workload *w)
{
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	for (size_t t = 0; t < w->ntags; t++)
		cd_buf_printf(&b, "%s%s", t ? "" : SEP, w->tags[t]), cd_buf_puts(&b, SEP);
	return b.data ? cd_buf_steal(&b) : cd_strdup("");
}

static int count_key(void *ctx, const struct cd_flow_key *k)
{
	(void)k;
	++*(size_t *)ctx;
	return 0;
}

static off_t fsize(const char *p)
{
	struct stat s;
	return stat(p, &s) == 0 ? s.st_size : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-flows DIR [KEYS_A_MINUTE [DISTINCT]]\n");
		return 2;
	}
	const char *dir = argv[1];
	int per_min = argc > 2 ? atoi(argv[2]) : 100, distinct = argc > 3 ? atoi(argv[3]) : 20000;
	struct cd_state st;
	if (bench_load(dir, &st) < 0)
		return 1;
	char path[4096], inv_p[4096], pol_p[4096];
	snprintf(path, sizeof(path), "%s/flows.db", dir);
	snprintf(inv_p, sizeof(inv_p), "%s/inventory.yaml", dir);
	snprintf(pol_p, sizeof(pol_p), "%s/policy.yaml", dir);
	/* CD_BENCH_REUSE=1: the store of the run before (the impact alone) */
	bool reuse = getenv("CD_BENCH_REUSE") && fsize(path) > 0;
	if (!reuse)
		remove(path);
	size_t ilen, plen;
	char *inv = slurp(inv_p, &ilen), *pol = slurp(pol_p, &plen);
	struct cd_store *s;
	struct cd_mgr *m;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	struct cd_mgr_options o = { 0 };
	if (!inv || !pol || cd_store_open(path, &s) < 0 || cd_mgr_open(&m, s, &o, &err) < 0) {
		fprintf(stderr, "bench-flows: cannot open the store: %s\n", err.data ? err.data : "");
		return 1;
	}
	struct cd_actor self = { .name = "bench", .origin = "local" };
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t rev;
	size_t n;
	if (cd_mgr_push_inventory(m, "bench", "inventory.yaml", inv, ilen, &self, &d, &n) < 0 ||
	    cd_mgr_push_policy(m, "policy.yaml", pol, plen, &self, &d, &rev) < 0) {
		cd_diags_print(&d, stderr);
		return 1;
	}
	/* the keys: pairs of workloads (their first addresses) and ports */
	size_t nw = st.inv.n;
	char **ip = calloc(nw, sizeof(*ip)), **tags = calloc(nw, sizeof(*tags));
	for (size_t w = 0; w < nw; w++) {
		char a[CD_ADDR_STRLEN];
		ip[w] = cd_strdup(st.inv.w[w].nvnics && st.inv.w[w].vnics[0].nips
					  ? cd_addr_fmt(&st.inv.w[w].vnics[0].ips[0], a) : "192.0.2.1");
		tags[w] = tags_of(&st.inv.w[w]);
	}
	int64_t now = cd_wall_ms() / 60000 * 60000, first = now - (int64_t)DAYS * 1440 * 60000;
	struct cd_flow_rec *v = calloc(BATCH, sizeof(*v));
	size_t nv = 0, rows = 0, key = 0;
	int64_t seq = 0;
	double t0 = now_ms();
	for (int64_t min = reuse ? now : first; min < now; min += 60000)
		for (int k = 0; k < per_min; k++, key = (key + 1) % (size_t)distinct) {
			size_t a = (key * 7919) % nw, b = (key * 104729 + 1) % nw;
			v[nv++] = (struct cd_flow_rec){
				.minute = min, .host = st.inv.w[a].host, .vnic = "vnet0", .seen_at = "source",
				.src_wl = st.inv.w[a].name, .dst_wl = st.inv.w[b].name, .src_ip = ip[a],
				.dst_ip = ip[b], .proto = 6, .port = 1000 + (int)(key % 50),
				.verdict = "allowed", .connections = 1 + (int64_t)(key % 20),
				.bytes_out = 4000, .bytes_in = 90000, .packets_out = 12, .packets_in = 70,
				.src_tags = tags[a], .dst_tags = tags[b], .src_groups = "", .dst_groups = "" };
			if (nv == BATCH) {
				if (cd_store_flow_batch(s, "bench", ++seq, now, v, nv, 20000) < 0) {
					fprintf(stderr, "bench-flows: a batch was not stored\n");
					return 1;
				}
				rows += nv;
				nv = 0;
			}
		}
	if (nv && cd_store_flow_batch(s, "bench", ++seq, now, v, nv, 20000) >= 0)
		rows += nv;
	double t1 = now_ms();
	char wal[4200];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	double bytes = (double)(fsize(path) + fsize(wal));
	double per = bytes / (double)rows;
	printf("records: %zu (%d days, %d a minute, %d distinct keys), written in %.1f s "
	       "(%.0f records/s, %d a transaction)\n", rows, DAYS, per_min, distinct, (t1 - t0) / 1e3,
	       (double)rows / ((t1 - t0) / 1e3), BATCH);
	printf("store: %.0f MiB, %.0f bytes a record (the SQLite file, its indexes and write-ahead log "
	       "over the rows)\n", bytes / 1048576, per);
	for (int kpm = 10; kpm <= 1000; kpm *= 10)
		printf("  30 days at %4d keys a minute on one host: %8.0f records, %6.0f MiB\n", kpm,
		       30.0 * 1440 * kpm, 30.0 * 1440 * kpm * per / 1048576);
	/* the draft: the policy without its first allow rule's line "action: allow" made "drop" */
	char *draft = cd_strdup(pol), *p = strstr(draft, "action: allow");
	if (p)
		memcpy(p, "action: drop ", 13);
	double t[5];
	json_int_t changed = 0, unchanged = 0;
	for (int i = 0; i < 5; i++) {
		json_t *out = NULL;
		double a = now_ms();
		int r = cd_mgr_policy_impact(m, "draft", draft, strlen(draft), first, now, &out, &d);
		t[i] = now_ms() - a;
		if (r < 0) {
			cd_diags_print(&d, stderr);
			fprintf(stderr, "bench-flows: impact failed: %d\n", r);
			return 1;
		}
		changed = (json_int_t)json_array_size(json_object_get(out, "changed"));
		unchanged = json_integer_value(json_object_get(out, "unchanged"));
		json_decref(out);
	}
	qsort(t, 5, sizeof(*t), cmp_double);
	/* of which the store's query of the keys (deduplicated, summed) */
	double q[5];
	size_t nk = 0;
	for (int i = 0; i < 5; i++) {
		struct cd_flow_filter f = { .since = first, .until = now, .proto = -1, .rule = -1,
					    .dedupe = true };
		double a = now_ms();
		nk = 0;
		cd_store_flow_keys(s, &f, count_key, &nk);
		q[i] = now_ms() - a;
	}
	qsort(q, 5, sizeof(*q), cmp_double);
	printf("the store's query of the %zu keys alone: median %.0f ms\n", nk, q[2]);
	printf("impact of a draft over the 7 days (%lld keys changed, %lld unchanged): median %.0f ms "
	       "of 5 (%.0f to %.0f)   (goal: under 2 s)\n", (long long)changed, (long long)unchanged,
	       t[2], t[0], t[4]);
	for (size_t w = 0; w < nw; w++) {
		free(ip[w]);
		free(tags[w]);
	}
	free(ip);
	free(tags);
	free(v);
	free(draft);
	free(inv);
	free(pol);
	cd_diags_free(&d);
	cd_buf_free(&err);
	cd_mgr_close(m);
	cd_store_close(s);
	cd_state_free(&st);
	return 0;
}
