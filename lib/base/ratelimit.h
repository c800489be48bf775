/* ratelimit.h - a token bucket: a steady rate, and a burst of it saved up
 * while the client was quiet.  Time is the caller's (microseconds), so
 * that the bucket is a pure function of what it was told. */
#ifndef CD_RATELIMIT_H
#define CD_RATELIMIT_H

#include <stdint.h>

struct cd_bucket {
	double level;      /* what may be taken now */
	int64_t at;        /* when level was computed; 0: never (full) */
};

/* Seconds until n can be taken from b (0: now).  An n larger than the
 * burst can be taken when the bucket is full, and leaves it in debt. */
double cd_bucket_wait(struct cd_bucket *b, double rate, double burst, double n, int64_t now);
/* Take n (after cd_bucket_wait said 0). */
void cd_bucket_take(struct cd_bucket *b, double n);

#endif
