/* keeper.c - the metrics store's upkeep thread (see keeper.h). */
#include "metrics/keeper.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

#define MAINTAIN_S 3600

struct cd_keeper {
	struct cd_mstore *st;
	void (*log)(const char *line);
	int checkpoint_s;
	const char *failing;       /* the upkeep failing since, or NULL */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What an upkeep step returned: said when it starts failing and when it
 * works again. */
static void outcome(struct cd_keeper *k, const char *what, int r)
{
	if (r < 0 && !k->failing) {
		cd_logf(k->log, "metrics upkeep: %s failed (%d); the store is looked after again "
			"each second", what, r);
		k->failing = what;
	} else if (r >= 0 && k->failing && !strcmp(k->failing, what)) {
		cd_logf(k->log, "metrics upkeep: %s works again", what);
		k->failing = NULL;
	}
}

static void *run(void *arg)
{
	struct cd_keeper *k = arg;
	/* the first upkeep soon after start: days may have ended meanwhile */
	int64_t next_maintain = now_ms() + 60000;
	int64_t next_checkpoint = now_ms() + k->checkpoint_s * 1000;
	/* shared: what the other managers wrote, taken up each second */
	bool shared = cd_mstore_shared(k->st);
	pthread_mutex_lock(&k->mu);
	while (!k->stop) {
		struct timespec until = cd_deadline(shared ? 1000 : k->checkpoint_s * 1000);
		pthread_cond_timedwait(&k->cv, &k->mu, &until);
		if (k->stop)
			break;
		pthread_mutex_unlock(&k->mu);
		/* shared: samples a failed commit kept (the database away) written
		 * as soon as it is back, so that the other managers read them */
		if (shared) {
			int r = cd_mstore_commit(k->st);
			outcome(k, "writing what was kept", r);
			if (!r)
				outcome(k, "following the other managers", cd_mstore_follow(k->st));
		}
		if (now_ms() >= next_maintain) {
			int r = cd_mstore_maintain(k->st, now_ms());
			outcome(k, "the rollups and retention", r);
			/* failed: again in a minute, not an hour */
			next_maintain = now_ms() + (r < 0 ? 60 : MAINTAIN_S) * 1000;
			next_checkpoint = now_ms() + k->checkpoint_s * 1000;
		} else if (now_ms() >= next_checkpoint) {
			int r = cd_mstore_checkpoint(k->st);
			outcome(k, "the checkpoint", r);
			next_checkpoint = now_ms() + (r < 0 ? 10 : k->checkpoint_s) * 1000;
		}
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

struct cd_keeper *cd_keeper_start(struct cd_mstore *st, int checkpoint_s,
				  void (*log)(const char *line))
{
	struct cd_keeper *k = cd_calloc(1, sizeof(*k));
	k->st = st;
	k->log = log;
	k->checkpoint_s = checkpoint_s > 0 ? checkpoint_s : 300;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->th, NULL, run, k)) {
		pthread_mutex_destroy(&k->mu);
		pthread_cond_destroy(&k->cv);
		free(k);
		return NULL;
	}
	return k;
}

void cd_keeper_stop(struct cd_keeper *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->th, NULL);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k);
}
