/* keeper.c - the metrics store's upkeep thread (see keeper.h). */
#include "metrics/keeper.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "base/util.h"

#define MAINTAIN_S 3600

struct cd_keeper {
	struct cd_mstore *st;
	int checkpoint_s;
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
		if (shared && !cd_mstore_commit(k->st))
			cd_mstore_follow(k->st);
		if (now_ms() >= next_maintain) {
			cd_mstore_maintain(k->st, now_ms());
			next_maintain = now_ms() + MAINTAIN_S * 1000;
			next_checkpoint = now_ms() + k->checkpoint_s * 1000;
		} else if (now_ms() >= next_checkpoint) {
			cd_mstore_checkpoint(k->st);
			next_checkpoint = now_ms() + k->checkpoint_s * 1000;
		}
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

struct cd_keeper *cd_keeper_start(struct cd_mstore *st, int checkpoint_s)
{
	struct cd_keeper *k = cd_calloc(1, sizeof(*k));
	k->st = st;
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
