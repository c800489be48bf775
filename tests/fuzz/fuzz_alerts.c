/* fuzz_alerts.c - libFuzzer harness for the alert definitions: the input
 * is a document of definitions; whatever parses is evaluated for three
 * cycles over a small world of the harness's own (every kind of object,
 * metrics, a series, states, learned bands: one ready, one learning, one
 * not read), so that any definition the parser takes is one the
 * evaluator can run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/adef.h"
#include "alerts/aeval.h"
#include "alerts/band.h"

static const char *const vms[] = { "v1", "v2", "v3" }, *const hosts[] = { "h1" },
		  *const dss[] = { "s/d1" }, *const srcs[] = { "s" };

static size_t objects(void *ctx, enum cd_akind k, const char *const **names)
{
	(void)ctx;
	*names = k == CD_AK_VM ? vms : k == CD_AK_HOST ? hosts : k == CD_AK_DATASTORE ? dss : srcs;
	return k == CD_AK_VM ? 3 : 1;
}

static size_t related(void *ctx, enum cd_akind k, const char *name, enum cd_akind rel,
		      const char *const **names)
{
	(void)ctx;
	(void)k;
	(void)name;
	*names = rel == CD_AK_VM ? vms : hosts;
	return rel == CD_AK_VM ? 3 : 1;
}

static bool metric(void *ctx, enum cd_akind k, const char *name, const char *m, double *v)
{
	(void)ctx;
	(void)k;
	*v = (double)(strlen(name) * 7 + strlen(m)) / 10;
	return name[1] != '3';
}

static size_t series(void *ctx, enum cd_akind k, const char *name, const char *m, int64_t from,
		     int64_t to, int64_t step, struct cd_apoint **out)
{
	(void)ctx;
	(void)k;
	(void)name;
	(void)m;
	(void)step;
	*out = malloc(3 * sizeof(**out));
	for (int i = 0; i < 3; i++)
		(*out)[i] = (struct cd_apoint){ from + (to - from) / 2 * i, 100.0 * i };
	return 3;
}

static bool state(void *ctx, enum cd_akind k, const char *name, enum cd_astate s, int64_t sec,
		  struct cd_buf *why)
{
	(void)ctx;
	(void)k;
	(void)sec;
	cd_buf_puts(why, "seen");
	return ((int)s + (int)strlen(name)) % 2;
}

static struct cd_band ready, young;

static const struct cd_band *band(void *ctx, enum cd_akind k, const char *name, const char *m)
{
	(void)ctx;
	(void)k;
	(void)m;
	return name[1] == '1' ? &ready : name[1] == '2' ? &young : NULL;
}

/* 8 days of 5-minute points, and one day of them */
static void learn(void)
{
	enum { N = 8 * 288 };
	static struct cd_point p[N];
	int64_t now = 1764547200000;
	for (int i = 0; i < N; i++)
		p[i] = (struct cd_point){ now - (int64_t)(N - i) * 300000, 10 + i % 7 };
	cd_band_learn(&ready, p, N, p, N, p, N, now, 0.5);
	cd_band_learn(&young, p + N - 288, 288, p + N - 288, 288, p + N - 288, 288, now, 0.5);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cd_diags d;
	cd_diags_init(&d);
	struct cd_adefs a;
	if (cd_adefs_parse("fuzz", (const char *)data, size, &a, &d) == 0) {
		if (!ready.learned)
			learn();
		struct cd_aworld w = { NULL, objects, related, metric, series, state, band };
		struct cd_aeval *e = cd_aeval_new();
		for (int i = 0; i < 3; i++) {
			struct cd_achange *c;
			size_t n;
			cd_aeval_cycle(e, &a, &w, 1764547200000 + i * 20000, 20000, &c, &n);
			cd_achanges_free(c, n);
		}
		cd_aeval_free(e);
		cd_adefs_free(&a);
	}
	cd_diags_free(&d);
	return 0;
}
