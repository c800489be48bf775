/* ratelimit.c - the token bucket of ratelimit.h. */
#include "base/ratelimit.h"

static void refill(struct cd_bucket *b, double rate, double burst, int64_t now)
{
	if (b->at == 0) {
		b->level = burst;
	} else if (now > b->at) {
		b->level += rate * (double)(now - b->at) / 1e6;
		if (b->level > burst)
			b->level = burst;
	}
	b->at = now;
}

double cd_bucket_wait(struct cd_bucket *b, double rate, double burst, double n, int64_t now)
{
	refill(b, rate, burst, now);
	double need = n < burst ? n : burst;
	if (b->level >= need)
		return 0;
	return rate > 0 ? (need - b->level) / rate : 1e9;
}

void cd_bucket_take(struct cd_bucket *b, double n)
{
	b->level -= n;
}
