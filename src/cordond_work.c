/* cordond_work.c - the workers of cordond_work.h: a fixed set of threads
 * and a ring of jobs, under a lock of their own (never the manager's). */
#include "cordond_work.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>

struct job {
	void (*fn)(void *arg);
	void *arg;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct job ring[CORDOND_WORK_QUEUE];
static int head, queued, running, started;
static bool stop;
static pthread_t th[CORDOND_WORKERS];

static void *worker(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (!queued && !stop)
			pthread_cond_wait(&cv, &mu);
		if (!queued)
			break;                  /* stopping, and nothing left */
		struct job j = ring[head];
		head = (head + 1) % CORDOND_WORK_QUEUE;
		queued--;
		running++;
		pthread_mutex_unlock(&mu);
		j.fn(j.arg);
		pthread_mutex_lock(&mu);
		running--;
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int cordond_work_start(void)
{
	/* the workers take no signal: the main thread reads them (signalfd) */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int r = 0;
	for (started = 0; started < CORDOND_WORKERS; started++)
		if ((r = pthread_create(&th[started], NULL, worker, NULL)) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -r;
}

bool cordond_work_push(void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&mu);
	bool ok = !stop && started > 0 && queued < CORDOND_WORK_QUEUE;
	if (ok) {
		ring[(head + queued) % CORDOND_WORK_QUEUE] = (struct job){ fn, arg };
		queued++;
		pthread_cond_signal(&cv);
	}
	pthread_mutex_unlock(&mu);
	return ok;
}

int cordond_work_pending(void)
{
	pthread_mutex_lock(&mu);
	int n = queued + running;
	pthread_mutex_unlock(&mu);
	return n;
}

void cordond_work_stop(void)
{
	pthread_mutex_lock(&mu);
	stop = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	started = 0;
}
