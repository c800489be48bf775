/* notify.h - notifications sent without holding anyone up: a thread of
 * their own posts each to its receiver, retried with a backoff, from a
 * bounded queue (the oldest dropped and counted when it is full).
 *  - Alertmanager (its API v2): POST BASE/api/v2/alerts with a list of
 *    alerts, as Prometheus sends them: raised ones without endsAt, sent
 *    again while they last, resolved ones with endsAt;
 *  - webhook: POST URL with a JSON object.
 * A 2xx answer is a delivery; 4xx but 408 and 429 drops the request (it
 * would be refused again); anything else is retried, 1 s doubling to 60 s,
 * for 10 minutes. */
#ifndef CD_NOTIFY_H
#define CD_NOTIFY_H

#include <jansson.h>
#include <stdint.h>

#define CD_NOTIFY_QUEUE 10000

struct cd_notify;

/* Start the thread; log gets a line per delivery given up. */
struct cd_notify *cd_notify_start(void (*log)(const char *line));
/* Stop it (what is queued is dropped). */
void cd_notify_stop(struct cd_notify *n);
/* Queue body (taken over) for Alertmanager at base (its URL, without
 * /api/v2) or for a webhook at url. */
void cd_notify_alertmanager(struct cd_notify *n, const char *base, json_t *alerts);
void cd_notify_webhook(struct cd_notify *n, const char *url, json_t *body);

struct cd_notify_stats {
	int64_t sent, failed, dropped, queued;
};
void cd_notify_stats(struct cd_notify *n, struct cd_notify_stats *out);

#endif
