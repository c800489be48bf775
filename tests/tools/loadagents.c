/* loadagents.c - N simulated agents following the managers while tags
 * change R times a second; every agent must converge.
 *
 *   loadagents URL[,URL...] ADMIN-TOKEN-FILE CACERT AGENTS RATE SECONDS PID[,PID...] [WORKLOAD...]
 *
 * Each simulated agent enrolls with its own one-time token (host sim-K),
 * then long-polls GET /api/v1/agent/changes?since=S&wait=20 as the real
 * agent does, taking snapshots and tag changes (it checks that the change
 * numbers it is given only grow, without gaps).  With several managers
 * (managers on one database), agent K starts with manager K mod M and
 * moves to the next when a call fails or is answered 503, as the real
 * agent does.  Meanwhile a driver per manager adds and removes tags of
 * the given workloads, RATE per second in all (0: each as fast as its
 * manager answers), for SECONDS.  Then it waits up to 20 s for every
 * agent to reach the last change number.
 *
 * Prints the changes made and acknowledged, how many agents converged and
 * how long after the last change, and the managers' (PIDs) CPU use during
 * the run and peak memory.  Exit 0 when every agent converged.
 *
 * With SECONDS 0 it makes no change: it follows until its standard input
 * ends, and prints "converged SEQ EPOCH-SECONDS" each time every agent
 * has reached a new highest change (a failover benchmark's clock). */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_MGRS 8

struct sim {
	CURL *h;
	struct curl_slist *hdr;
	char *buf;
	size_t len, cap;
	long long seq;
	bool busy, snap;
	int gaps;
	int cur;                   /* the manager it talks to */
	bool driver;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double wall(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t on_data(char *p, size_t s, size_t n, void *ctx)
{
	struct sim *a = ctx;
	size_t k = s * n;
	if (a->len + k + 1 > a->cap) {
		a->cap = (a->len + k + 1) * 2;
		a->buf = realloc(a->buf, a->cap);
	}
	memcpy(a->buf + a->len, p, k);
	a->len += k;
	a->buf[a->len] = 0;
	return k;
}

static char *urls[MAX_MGRS];
static int nurls;
static const char *cacert;

static int split(char *s, char **out, int max)
{
	int n = 0;
	for (char *t = strtok(s, ","); t && n < max; t = strtok(NULL, ","))
		out[n++] = t;
	return n;
}

static void setup(CURL *h, int mgr, const char *path, struct curl_slist *hdr, struct sim *sink)
{
	char u[512];
	snprintf(u, sizeof(u), "%s%s", urls[mgr], path);
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, u);
	curl_easy_setopt(h, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(h, CURLOPT_PRIVATE, sink);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	sink->len = 0;
}

/* One blocking call with its own handle (to the first manager that
 * answers); returns the parsed answer. */
static json_t *call(const char *method, const char *path, struct curl_slist *hdr, const char *body)
{
	for (int m = 0; m < nurls; m++) {
		struct sim s = { 0 };
		CURL *h = curl_easy_init();
		setup(h, m, path, hdr, &s);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		if (body)
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		CURLcode c = curl_easy_perform(h);
		long status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(h);
		json_t *o = c == CURLE_OK && (status == 200 || status == 201) && s.buf
			? json_loads(s.buf, 0, NULL) : NULL;
		free(s.buf);
		if (o || (c == CURLE_OK && status != 503))
			return o;
	}
	return NULL;
}

static void poll_changes(CURLM *multi, struct sim *a)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/agent/changes?since=%lld&wait=20%s", a->seq,
		 a->snap ? "" : "&snapshot=1");
	setup(a->h, a->cur, path, a->hdr, a);
	curl_multi_add_handle(multi, a->h);
	a->busy = true;
}

static void cpu_of(char **pids, int npids, double *cpu_s, long *hwm_kb)
{
	*cpu_s = 0;
	*hwm_kb = 0;
	for (int i = 0; i < npids; i++) {
		char p[64], line[1024];
		snprintf(p, sizeof(p), "/proc/%s/stat", pids[i]);
		FILE *f = fopen(p, "r");
		if (f && fgets(line, sizeof(line), f)) {
			char *c = strrchr(line, ')');
			unsigned long ut = 0, st = 0;
			if (c && sscanf(c + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
				*cpu_s += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
		}
		if (f)
			fclose(f);
		snprintf(p, sizeof(p), "/proc/%s/status", pids[i]);
		f = fopen(p, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "VmHWM:", 6) && atol(line + 6) > *hwm_kb)
				*hwm_kb = atol(line + 6);
		if (f)
			fclose(f);
	}
}

int main(int argc, char **argv)
{
	if (argc < 8 || (atof(argv[6]) > 0 && argc < 9)) {
		fprintf(stderr, "usage: loadagents URL[,URL...] ADMIN-TOKEN-FILE CACERT AGENTS RATE SECONDS "
			"PID[,PID...] WORKLOAD...\n");
		return 2;
	}
	nurls = split(argv[1], urls, MAX_MGRS);
	cacert = argv[3];
	char *pids[MAX_MGRS];
	int n = atoi(argv[4]), npids = split(argv[7], pids, MAX_MGRS);
	double rate = atof(argv[5]), secs = atof(argv[6]);
	bool watch = secs <= 0;
	char **wls = argv + 8;
	int nwl = argc - 8;
	char tok[256] = "";
	FILE *tf = fopen(argv[2], "r");
	if (!tf || !fgets(tok, sizeof(tok), tf)) {
		fprintf(stderr, "loadagents: cannot read %s\n", argv[2]);
		return 2;
	}
	fclose(tf);
	tok[strcspn(tok, "\r\n")] = 0;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	char ah[300];
	snprintf(ah, sizeof(ah), "Authorization: Bearer %s", tok);
	struct curl_slist *admin = curl_slist_append(NULL, ah);
	admin = curl_slist_append(admin, "Content-Type: application/json");

	double t_enroll = now();
	/* enroll N agents */
	struct sim *a = calloc((size_t)n, sizeof(*a));
	for (int i = 0; i < n; i++) {
		char body[128];
		snprintf(body, sizeof(body), "{\"host\": \"sim-%d\"}", i);
		json_t *t = call("POST", "/api/v1/agent-tokens", admin, body);
		snprintf(body, sizeof(body), "{\"token\": \"%s\"}", json_string_value(json_object_get(t, "token")));
		json_decref(t);
		struct curl_slist *plain = curl_slist_append(NULL, "Content-Type: application/json");
		json_t *c = call("POST", "/api/v1/enroll", plain, body);
		curl_slist_free_all(plain);
		const char *cred = json_string_value(json_object_get(c, "credential"));
		if (!cred) {
			fprintf(stderr, "loadagents: enrollment %d failed\n", i);
			return 1;
		}
		snprintf(ah, sizeof(ah), "Authorization: Bearer %s", cred);
		a[i].hdr = curl_slist_append(NULL, ah);
		a[i].h = curl_easy_init();
		a[i].cur = i % nurls;
		json_decref(c);
	}
	CURLM *multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n + 4);
	for (int i = 0; i < n; i++)
		poll_changes(multi, &a[i]);
	/* a driver per manager, in the same loop */
	struct sim drv[MAX_MGRS] = { 0 };
	for (int k = 0; k < nurls; k++) {
		drv[k].h = curl_easy_init();
		drv[k].cur = k;
		drv[k].driver = true;
	}
	long long made = 0, acked = 0, last_seq = 0, said = 0;
	double t0 = now(), next = t0, end = t0 + secs;
	double cpu0;
	long hwm;
	cpu_of(pids, npids, &cpu0, &hwm);
	double converge_start = 0, last_change_at = t0;
	bool done = false, started = false;
	int running = 1;
	while (!done) {
		double t = now();
		if (!started) {
			/* the clock starts once every agent has its snapshot */
			int snapped = 0;
			for (int i = 0; i < n; i++)
				snapped += a[i].snap;
			if (snapped == n) {
				started = true;
				t0 = next = t;
				end = t0 + secs;
				cpu_of(pids, npids, &cpu0, &hwm);
				printf("%d agents connected and following %d manager%s (%.1f s to enroll and connect)\n",
				       n, nurls, nurls == 1 ? "" : "s", t - t_enroll);
				fflush(stdout);
			}
		}
		for (int k = 0; !watch && k < nurls; k++) {
			if (!started || drv[k].busy || t >= end || (rate > 0 && t < next))
				continue;
			const char *w = wls[made % nwl];
			bool add = (made / nwl) % 2 == 0;
			char path[256], body[128];
			if (add) {
				snprintf(path, sizeof(path), "/api/v1/workloads/%s/tags", w);
				snprintf(body, sizeof(body), "{\"tag\": \"load\"}");
			} else {
				snprintf(path, sizeof(path), "/api/v1/workloads/%s/tags?tag=load", w);
			}
			setup(drv[k].h, k, path, admin, &drv[k]);
			curl_easy_setopt(drv[k].h, CURLOPT_CUSTOMREQUEST, add ? "POST" : "DELETE");
			if (add)
				curl_easy_setopt(drv[k].h, CURLOPT_COPYPOSTFIELDS, body);
			curl_multi_add_handle(multi, drv[k].h);
			drv[k].busy = true;
			made++;
			if (rate > 0)
				next += 1.0 / rate;
		}
		bool drivers_idle = true;
		for (int k = 0; k < nurls; k++)
			drivers_idle &= !drv[k].busy;
		if (started && !watch && t >= end && drivers_idle && !converge_start)
			converge_start = t;
		curl_multi_perform(multi, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct sim *s;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			long status = 0;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			curl_multi_remove_handle(multi, msg->easy_handle);
			s->busy = false;
			json_t *o = msg->data.result == CURLE_OK && status == 200 && s->buf
				? json_loadb(s->buf, s->len, 0, NULL) : NULL;
			if (s->driver) {
				if (o && json_is_integer(json_object_get(o, "seq"))) {
					acked++;
					long long q = json_integer_value(json_object_get(o, "seq"));
					if (q > last_seq)
						last_seq = q;
					last_change_at = now();
				}
			} else if (o) {
				long long seq = json_integer_value(json_object_get(o, "seq"));
				json_t *ch = json_object_get(o, "changes"), *c;
				size_t k;
				if (json_object_get(o, "snapshot"))
					s->snap = true;
				json_array_foreach(ch, k, c) {
					long long cs = json_integer_value(json_object_get(c, "seq"));
					if (cs != s->seq + 1 && s->seq)
						s->gaps++;
					s->seq = cs;
				}
				if (seq > s->seq)
					s->seq = seq;
				poll_changes(multi, s);
			} else {
				/* no answer, or 503: the next manager, as the agent does */
				if (msg->data.result != CURLE_OK || status == 503)
					s->cur = (s->cur + 1) % nurls;
				poll_changes(multi, s);
			}
			json_decref(o);
		}
		if (watch && started) {
			long long low = -1;
			for (int i = 0; i < n; i++)
				if (low < 0 || a[i].seq < low)
					low = a[i].seq;
			if (low > said) {
				said = low;
				printf("converged %lld %.3f\n", low, wall());
				fflush(stdout);
			}
			struct pollfd p = { 0, POLLIN, 0 };
			char b[64];
			if (poll(&p, 1, 0) > 0 && read(0, b, sizeof(b)) <= 0)
				done = true;
		}
		if (converge_start) {
			int conv = 0;
			for (int i = 0; i < n; i++)
				conv += a[i].seq >= last_seq;
			if (conv == n || now() - converge_start > 20)
				done = true;
		}
		curl_multi_poll(multi, NULL, 0, 5, NULL);
	}
	double t1 = now(), cpu1;
	cpu_of(pids, npids, &cpu1, &hwm);
	int conv = 0, gaps = 0;
	for (int i = 0; i < n; i++) {
		conv += a[i].seq >= last_seq;
		gaps += a[i].gaps;
	}
	if (!watch) {
		printf("%d agents; %lld tag changes made in %.1f s (%.0f/s), %lld acknowledged; "
		       "%d of %d agents converged to change %lld, %.2f s after the last change; %d gaps\n",
		       n, made, secs, (double)made / secs, acked, conv, n, last_seq, t1 - last_change_at, gaps);
		printf("manager%s, while tags changed and agents followed: %.2f CPU seconds over %.1f s wall "
		       "(%.0f%% of one core); peak RSS %ld MiB\n", npids > 1 ? "s" : "",
		       cpu1 - cpu0, t1 - t0, 100 * (cpu1 - cpu0) / (t1 - t0), hwm / 1024);
	}
	for (int i = 0; i < n; i++) {
		curl_multi_remove_handle(multi, a[i].h);
		curl_easy_cleanup(a[i].h);
		curl_slist_free_all(a[i].hdr);
		free(a[i].buf);
	}
	for (int k = 0; k < nurls; k++) {
		curl_multi_remove_handle(multi, drv[k].h);
		curl_easy_cleanup(drv[k].h);
		free(drv[k].buf);
	}
	curl_multi_cleanup(multi);
	curl_slist_free_all(admin);
	free(a);
	return watch || (conv == n && gaps == 0 && acked == made) ? 0 : 1;
}
