/* spoofwatch.c - SpoofGuard events (see spoofwatch.h). */
#define _GNU_SOURCE
#include "agent/spoofwatch.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/queue.h"
#include "dataplane/spooflog.h"

#define MAX_VNICS 65536   /* what one host's watcher keeps count of */

/* What one vNIC spoofed since its last event. */
struct vstat {
	char ifname[IF_NAMESIZE];
	int64_t last;                  /* its last event (monotonic us), 0: none */
	uint64_t frames[CD_SPOOF_KINDS], pending;
	uint8_t macs[CD_SPOOF_CLAIMS][6];
	size_t nmacs;
	struct cd_addr addrs[CD_SPOOF_CLAIMS];
	size_t naddrs;
};

struct cd_spoofwatch {
	pthread_t thread;
	int ns_fd, wake;
	struct cd_spooflog *log;
	void (*emit)(void *, json_t *);
	void *ctx;
	/* the start's outcome, for the caller */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int started;                   /* 0 waiting, 1 ok, <0 failed */
	struct cd_buf why;
	/* the vNICs applied and their workloads (under lock) */
	char (*names)[IF_NAMESIZE];
	char **workloads;
	size_t nnames;
	/* the watcher thread's own */
	struct vstat *v;
	size_t nv, cap;
	uint64_t lost;
};

static int64_t mono_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static struct vstat *vstat_of(struct cd_spoofwatch *w, const char *ifname)
{
	for (size_t i = 0; i < w->nv; i++)
		if (!strcmp(w->v[i].ifname, ifname))
			return &w->v[i];
	if (w->nv == MAX_VNICS)
		return NULL;
	struct vstat s = { 0 };
	snprintf(s.ifname, sizeof(s.ifname), "%s", ifname);
	CD_PUSH(w->v, w->nv, w->cap, s);
	return &w->v[w->nv - 1];
}

static void on_seen(void *ctx, const struct cd_spoof_seen *s)
{
	struct cd_spoofwatch *w = ctx;
	char name[IF_NAMESIZE];
	if (!s->ifindex || !if_indextoname(s->ifindex, name))
		return;                /* the device is gone: nothing to name */
	struct vstat *v = vstat_of(w, name);
	if (!v)
		return;
	v->frames[s->kind]++;
	v->pending++;
	bool seen = false;
	for (size_t i = 0; s->has_mac && i < v->nmacs && !seen; i++)
		seen = !memcmp(v->macs[i], s->mac, 6);
	if (s->has_mac && !seen && v->nmacs < CD_SPOOF_CLAIMS)
		memcpy(v->macs[v->nmacs++], s->mac, 6);
	seen = false;
	for (size_t i = 0; s->has_addr && i < v->naddrs && !seen; i++)
		seen = !memcmp(&v->addrs[i], &s->addr, sizeof(s->addr));
	if (s->has_addr && !seen && v->naddrs < CD_SPOOF_CLAIMS)
		v->addrs[v->naddrs++] = s->addr;
}

/* The workload of vNIC ifname, copied (NULL: none known). */
static char *workload_of(struct cd_spoofwatch *w, const char *ifname)
{
	char *r = NULL;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nnames && !r; i++)
		if (!strcmp(w->names[i], ifname))
			r = cd_strdup(w->workloads[i]);
	pthread_mutex_unlock(&w->lock);
	return r;
}

static void send_event(struct cd_spoofwatch *w, struct vstat *v, int64_t now)
{
	json_t *frames = json_object(), *macs = json_array(), *addrs = json_array();
	char text[512] = "", *p = text;
	for (int k = 0; k < CD_SPOOF_KINDS; k++) {
		if (!v->frames[k])
			continue;
		json_object_set_new(frames, cd_spoof_names[k], json_integer((json_int_t)v->frames[k]));
		p += snprintf(p, (size_t)(text + sizeof(text) - p), "%s%llu %s", p == text ? "" : ", ",
			      (unsigned long long)v->frames[k], cd_spoof_names[k]);
	}
	for (size_t i = 0; i < v->nmacs; i++) {
		char m[18];
		snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", v->macs[i][0], v->macs[i][1],
			 v->macs[i][2], v->macs[i][3], v->macs[i][4], v->macs[i][5]);
		json_array_append_new(macs, json_string(m));
	}
	for (size_t i = 0; i < v->naddrs; i++) {
		char a[CD_ADDR_STRLEN];
		json_array_append_new(addrs, json_string(cd_addr_fmt(&v->addrs[i], a)));
	}
	char *wl = workload_of(w, v->ifname);
	json_t *data = json_pack("{s:s, s:o, s:o, s:o, s:I}", "vnic", v->ifname, "frames", frames,
				 "macs", macs, "addresses", addrs, "lost", (json_int_t)w->lost);
	json_t *e = cd_event_make("spoof", wl, data,
				  "SpoofGuard dropped frames vNIC %s%s%s sent as another: %s", v->ifname,
				  wl ? " of " : "", wl ? wl : "", text);
	free(wl);
	w->lost = 0;
	memset(v->frames, 0, sizeof(v->frames));
	v->pending = v->nmacs = v->naddrs = 0;
	v->last = now;
	w->emit(w->ctx, e);
}

/* Events for the vNICs whose turn it is (all that have any with force). */
static void flush(struct cd_spoofwatch *w, bool force)
{
	int64_t now = mono_us();
	for (size_t i = 0; i < w->nv; i++) {
		struct vstat *v = &w->v[i];
		if (v->pending && (force || !v->last || now - v->last >= CD_SPOOF_EVENT_SECONDS * 1000000LL))
			send_event(w, v, now);
	}
}

static void started(struct cd_spoofwatch *w, int r)
{
	pthread_mutex_lock(&w->lock);
	w->started = r < 0 ? r : 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void *watch(void *arg)
{
	struct cd_spoofwatch *w = arg;
	/* this thread lives in the host's namespace: its log socket and the
	 * names of its devices are there */
	int r = w->ns_fd >= 0 && setns(w->ns_fd, CLONE_NEWNET) < 0 ? -errno : 0;
	if (r < 0)
		cd_buf_printf(&w->why, "cannot enter the host's network namespace: %s", strerror(-r));
	else
		r = cd_spooflog_open(&w->log, CD_NFLOG_GROUP, &w->why);
	started(w, r);
	if (r < 0)
		return NULL;
	struct pollfd p[2] = { { cd_spooflog_fd(w->log), POLLIN, 0 }, { w->wake, POLLIN, 0 } };
	for (;;) {
		int n = poll(p, 2, 1000);
		if (n > 0 && p[1].revents)
			break;
		/* a failed read is tried again at the next turn: the watcher
		 * stops only when told to */
		if (n > 0 && p[0].revents && cd_spooflog_read(w->log, on_seen, w, &w->lost) < 0)
			poll(NULL, 0, 1000);
		flush(w, false);
	}
	flush(w, true);
	return NULL;
}

int cd_spoofwatch_start(struct cd_spoofwatch **out, int ns_fd,
			void (*emit)(void *ctx, json_t *event), void *ctx, struct cd_buf *err)
{
	struct cd_spoofwatch *w = cd_calloc(1, sizeof(*w));
	w->ns_fd = ns_fd;
	w->emit = emit;
	w->ctx = ctx;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	cd_buf_init(&w->why, 1024);
	w->wake = eventfd(0, EFD_CLOEXEC);
	int r = w->wake < 0 ? -errno : -pthread_create(&w->thread, NULL, watch, w);
	if (r == 0) {
		pthread_mutex_lock(&w->lock);
		while (!w->started)
			pthread_cond_wait(&w->cond, &w->lock);
		pthread_mutex_unlock(&w->lock);
		if (w->started < 0) {
			r = w->started;
			pthread_join(w->thread, NULL);
		}
	} else {
		cd_buf_printf(&w->why, "cannot start the SpoofGuard watcher: %s", strerror(-r));
	}
	if (r < 0) {
		cd_buf_puts(err, w->why.data ? w->why.data : "");
		w->started = 0;
		cd_spoofwatch_stop(w);
		return r;
	}
	*out = w;
	return 0;
}

void cd_spoofwatch_vnics(struct cd_spoofwatch *w, const struct cd_host *h,
			 const struct cd_state *st)
{
	if (!w)
		return;
	char(*names)[IF_NAMESIZE] = cd_calloc(h->n + 1, IF_NAMESIZE);
	char **wls = cd_calloc(h->n + 1, sizeof(char *));
	for (size_t k = 0; k < h->n; k++) {
		snprintf(names[k], IF_NAMESIZE, "%s", h->v[k].ifname);
		wls[k] = cd_strdup(st->inv.w[h->v[k].wl].name);
	}
	pthread_mutex_lock(&w->lock);
	char(*on)[IF_NAMESIZE] = w->names;
	char **ow = w->workloads;
	size_t onn = w->nnames;
	w->names = names;
	w->workloads = wls;
	w->nnames = h->n;
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < onn; i++)
		free(ow[i]);
	free(ow);
	free(on);
}

void cd_spoofwatch_stop(struct cd_spoofwatch *w)
{
	if (!w)
		return;
	if (w->started > 0) {
		uint64_t one = 1;
		if (write(w->wake, &one, sizeof(one)) == sizeof(one))
			pthread_join(w->thread, NULL);
	}
	cd_spooflog_close(w->log);
	if (w->wake >= 0)
		close(w->wake);
	for (size_t i = 0; i < w->nnames; i++)
		free(w->workloads[i]);
	free(w->workloads);
	free(w->names);
	free(w->v);
	cd_buf_free(&w->why);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}
