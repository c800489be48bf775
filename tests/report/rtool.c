/* rtool.c - the report suite's driver (tests/report/run): a sample
 * report's PDF made by report/pdf.h, and files delivered by
 * report/deliver.h, so that the suite checks the C code with real tools
 * (poppler, an SMTP sink, an HTTP server).
 *
 *   rtool pdf OUT.pdf [ZONE]           the sample document (Europe/Paris)
 *   rtool dir DIR FILE...              files delivered to a directory
 *   rtool webhook URL TOKEN|- FILE...  to a webhook (TOKEN: a token's file)
 *   rtool smtp URL FROM TO[,TO...] SUBJECT [--tls] [--user U PWFILE] FILE...
 *
 * A file delivered is named as its last path part, typed by its ending
 * (.pdf, .csv, else application/octet-stream).  Exit 0, or 1 with the
 * error on stderr. */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/tz.h"
#include "base/util.h"
#include "report/deliver.h"
#include "report/pdf.h"

#define HOUR INT64_C(3600000)
#define DAY (24 * HOUR)

static int die(const char *what, int r)
{
	fprintf(stderr, "rtool: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return 1;
}

/* a repeatable noise in [-1, 1] */
static double noise(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(*s >> 11) / (double)(1ull << 53) * 2 - 1;
}

static int sample(const char *zone, struct cd_rdoc **out)
{
	struct cd_tz *tz;
	int r = cd_tz_open(zone, &tz);
	if (r < 0)
		return r;
	/* a week of the report's zone: Monday 30 November 2026 to Monday 7 December */
	struct tm b = { .tm_year = 126, .tm_mon = 10, .tm_mday = 30 }, e = b;
	e.tm_mday += 7;
	int64_t begin, end;
	cd_tz_mktime(tz, &b, &begin, NULL);
	cd_tz_mktime(tz, &e, &end, NULL);
	char fb[CD_TZ_FMT_LEN], fe[CD_TZ_FMT_LEN];
	cd_tz_fmt(tz, begin, fb, sizeof(fb));
	cd_tz_fmt(tz, end, fe, sizeof(fe));
	char *sub = cd_asprintf("%s to %s, times in %s", fb, fe, zone);
	struct cd_rdoc *d;
	r = cd_rdoc_new("Weekly capacity: lab cluster", sub, end + 6 * HOUR + 5 * 60000 + 17000, tz, &d);
	free(sub);
	if (r < 0) {
		cd_tz_free(tz);
		return r;
	}
	struct cd_rtable *t;
	const char *h1[] = { "Datastore", "Capacity", "Used", "Free", "Days left" };
	const bool r1[] = { false, true, true, true, true };
	cd_rdoc_table(d, "Datastores by days left", 5, h1, r1, &t);
	for (int i = 0; i < 12; i++) {
		char name[32], cap[16], used[16], free_[16], days[16];
		snprintf(name, sizeof(name), "pool-%02d%s", i + 1, i == 3 ? "-ssd" : "");
		double c = 500 + 250 * (i % 4), u = c * (0.35 + 0.05 * i);
		snprintf(cap, sizeof(cap), "%.0f GiB", c);
		snprintf(used, sizeof(used), "%.1f GiB", u);
		snprintf(free_, sizeof(free_), "%.1f GiB", c - u);
		snprintf(days, sizeof(days), i % 5 == 4 ? "never" : "%d", 12 + 17 * i);
		const char *row[] = { name, cap, used, free_, days };
		cd_rtable_row(t, row);
	}

	struct cd_rchart *ch;
	cd_rdoc_chart(d, "CPU usage of the hosts", "%", begin, end, 5 * 60000, tz, &ch);
	size_t n = (size_t)((end - begin) / (5 * 60000));
	int64_t *ts = cd_calloc(n, sizeof(*ts));
	double *v = cd_calloc(n, sizeof(*v)), *lo = cd_calloc(n, sizeof(*lo)), *hi = cd_calloc(n, sizeof(*hi));
	uint64_t seed = 31;
	for (int s = 0; s < 3; s++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			int64_t t0 = begin + (int64_t)i * 5 * 60000;
			/* hv2 sends nothing for 6 hours on the third day */
			if (s == 1 && t0 >= begin + 2 * DAY + 8 * HOUR && t0 < begin + 2 * DAY + 14 * HOUR)
				continue;
			double hour = (double)((t0 - begin) % DAY) / HOUR;
			double day = 30 + 25 * s + 22 * sin((hour - 8 - 2 * s) / 24 * 2 * M_PI);
			ts[m] = t0;
			v[m] = day + 4 * noise(&seed);
			if (s == 0) {
				lo[m] = day - 9;
				hi[m] = day + 9;
			}
			if (s == 0 && i == n / 2)
				v[m] = 97;   /* an excursion above its band */
			if (s == 2 && i >= 1500 && i < 1510)
				v[m] = NAN;  /* values not given */
			m++;
		}
		if (s == 0)
			cd_rchart_band(ch, "hv1 normal range (learned)", ts, lo, hi, m);
		const char *names[] = { "hv1", "hv2", "hv3" };
		cd_rchart_line(ch, names[s], ts, v, m);
	}

	const char *h2[] = { "VM", "Host", "vCPUs", "CPU p95", "Memory", "Recommended", "Evidence" };
	const bool r2[] = { false, false, true, true, true, false, false };
	cd_rdoc_table(d, "Virtual machines: right-sizing", 7, h2, r2, &t);
	for (int i = 0; i < 140; i++) {
		char name[64], host[16], vcpu[8], p95[16], mem[16], rec[32], ev[200];
		if (i == 7)
			snprintf(name, sizeof(name), "vm-é-ü-データ");
		else if (i == 8)
			snprintf(name, sizeof(name), "vm-bad-\xff\xfe-bytes");
		else
			snprintf(name, sizeof(name), "web-%03d.lab.example.org", i + 1);
		snprintf(host, sizeof(host), "hv%d", i % 3 + 1);
		snprintf(vcpu, sizeof(vcpu), "%d", 1 << (i % 4));
		snprintf(p95, sizeof(p95), "%.1f %%", fmod(i * 7.3, 100));
		snprintf(mem, sizeof(mem), "%d GiB", 2 << (i % 3));
		snprintf(rec, sizeof(rec), i % 4 == 3 ? "2 vCPUs" : "keep");
		snprintf(ev, sizeof(ev), "vm_cpu_usage_ratio p95 over 30 days (2026-11-07 to 2026-12-07), "
			 "samples every 20 s, %d gaps", i % 5);
		const char *row[] = { name, host, vcpu, p95, mem, rec, ev };
		cd_rtable_row(t, row);
	}
	cd_rdoc_note(d, "How to read this report: each datastore's days left is the forecast of the "
		     "time until it is full, from its growth over the report's range; \"never\" when it "
		     "does not grow. A VM is oversized when the 95th percentile of its CPU usage over 30 "
		     "days stays under a quarter of its vCPUs.\nTimes are in the report's time zone.");

	/* a chart across Paris's autumn change, and one with nothing in it */
	struct tm ab = { .tm_year = 126, .tm_mon = 9, .tm_mday = 24, .tm_hour = 18 }, ae = ab;
	ae.tm_hour += 18;
	int64_t a0, a1;
	cd_tz_mktime(tz, &ab, &a0, NULL);
	cd_tz_mktime(tz, &ae, &a1, NULL);
	cd_rdoc_chart(d, "Datastore latency across the clock change", "ms", a0, a1, 0, tz, &ch);
	size_t k = 0;
	for (int64_t t0 = a0; t0 < a1; t0 += 60000, k++) {
		ts[k] = t0;
		v[k] = 2.5 + sin((double)k / 40) + 0.3 * noise(&seed);
	}
	cd_rchart_line(ch, "pool-01 read", ts, v, k);
	cd_rdoc_chart(d, "Quarantines", "", begin, end, 0, tz, &ch);
	free(ts);
	free(v);
	free(lo);
	free(hi);
	cd_tz_free(tz);
	*out = d;
	return 0;
}

static int files_of(char **paths, int n, struct cd_rfile *f, char **data)
{
	for (int i = 0; i < n; i++) {
		size_t len;
		int r = cd_read_file(paths[i], 64 << 20, &data[i], &len);
		if (r < 0)
			return die(paths[i], r);
		const char *base = strrchr(paths[i], '/'), *dot = strrchr(paths[i], '.');
		f[i] = (struct cd_rfile){ .name = base ? base + 1 : paths[i], .data = data[i], .len = len };
		f[i].type = dot && !strcmp(dot, ".pdf")   ? "application/pdf"
			    : dot && !strcmp(dot, ".csv") ? "text/csv; charset=utf-8"
							  : "application/octet-stream";
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rtool pdf|dir|webhook|smtp ...\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = 0;
	char err[512] = "";
	if (!strcmp(argv[1], "pdf")) {
		struct cd_rdoc *d;
		int r = sample(argc > 3 ? argv[3] : "Europe/Paris", &d);
		if (r < 0)
			return die("sample", r);
		struct cd_buf b;
		cd_buf_init(&b, 64 << 20);
		r = cd_rdoc_pdf(d, &b);
		cd_rdoc_free(d);
		if (r < 0)
			return die("pdf", r);
		r = cd_write_file(argv[2], b.data, b.len, 0644);
		rc = r < 0 ? die(argv[2], r) : 0;
		cd_buf_free(&b);
		return rc;
	}
	int first = !strcmp(argv[1], "dir") ? 3 : !strcmp(argv[1], "webhook") ? 4 : 6;
	struct cd_smtp s = { 0 };
	const char *to[CD_DELIVER_RCPT_MAX];
	char *tos = NULL;
	if (!strcmp(argv[1], "smtp")) {
		if (argc < 6)
			return 2;
		s.url = argv[2];
		s.from = argv[3];
		tos = cd_strdup(argv[4]);
		for (char *p = strtok(tos, ","); p && s.nto < CD_DELIVER_RCPT_MAX; p = strtok(NULL, ","))
			to[s.nto++] = p;
		s.to = to;
		s.subject = argv[5];
		s.text = "The weekly capacity report of the lab cluster is attached.\n"
			 "Une ligne en français, accentuée.\n";
		s.timeout_s = 20;
		for (; first < argc && !strncmp(argv[first], "--", 2); first++) {
			if (!strcmp(argv[first], "--tls"))
				s.require_tls = true;
			else if (!strcmp(argv[first], "--user") && first + 2 < argc) {
				s.user = argv[++first];
				s.password_file = argv[++first];
			}
		}
	}
	int nf = argc > first ? argc - first : 0;
	struct cd_rfile *f = cd_calloc(nf ? (size_t)nf : 1, sizeof(*f));
	char **data = cd_calloc(nf ? (size_t)nf : 1, sizeof(*data));
	if ((rc = files_of(argv + first, nf, f, data)) == 0) {
		int r;
		if (!strcmp(argv[1], "dir")) {
			r = cd_deliver_dir(argv[2], f, (size_t)nf, err, sizeof(err));
		} else if (!strcmp(argv[1], "webhook")) {
			struct cd_tz *tz;
			cd_tz_open("Europe/Paris", &tz);
			struct cd_webhook w = { .url = argv[2], .token_file = strcmp(argv[3], "-") ? argv[3] : NULL,
						.timeout_s = 20 };
			struct cd_rmeta m = { "weekly-capacity", INT64_C(1795993200000), INT64_C(1796598000000), tz };
			r = cd_deliver_webhook(&w, &m, f, (size_t)nf, err, sizeof(err));
			cd_tz_free(tz);
		} else {
			r = cd_deliver_smtp(&s, f, (size_t)nf, err, sizeof(err));
		}
		if (r < 0) {
			fprintf(stderr, "rtool: %s (%d)\n", err, r);
			rc = 1;
		}
	}
	for (int i = 0; i < nf; i++)
		free(data[i]);
	free(data);
	free(f);
	free(tos);
	curl_global_cleanup();
	return rc;
}
