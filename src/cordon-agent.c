/* cordon-agent.c - the agent: for a hypervisor host it follows the
 * manager's changes and enforces them in the host's kernel (lib/agent/agent.c);
 * for a workload it scans (lib/antimalware/guard.c): real time, on demand, and acts on
 * findings.  Either role or both.  It sends heartbeats and delivers its
 * events from a durable queue (lib/agent/queue.c).
 *
 * The main thread long-polls for changes (the call returns at once when
 * there is one, else when the next heartbeat is due) and applies them.
 * A sender thread, with its own connection, delivers queued events the
 * moment they are queued (antimalware.event_delivery: immediate) or at the
 * heartbeat.  When the manager cannot be reached the table stays as it is
 * (fail static) and the agent retries with a growing pause (0.2 s to 5 s). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <clamav.h>
#include <pthread.h>

#include "agent/agent.h"
#include "antimalware/guard.h"
#include "antimalware/vault.h"
#include "policy/state.h"
#include "agent/client.h"
#include "agent/reload.h"
#include "agent/uninstall.h"
#include "agent/flowkeep.h"
#include "base/conf.h"
#include "base/notify.h"
#include "agent/flowsend.h"
#include "agent/http.h"
#include "agent/mcollect.h"
#include "agent/queue.h"
#include "base/token.h"
#include "base/util.h"
#include "agent_enroll.h"


static const char usage[] =
	"usage: cordon-agent --server URL --token-file F --state-dir DIR\n"
	"                    [--insecure | --cacert F | --fingerprint PIN]\n"
	"                    [--host HOST [--netns NAME]] [--config FILE]\n"
	"                    [--libvirt-uri URI]\n"
	"                    [--workload NAME --scan-path DIR ... [--signatures PATH]]\n"
	"\n"
	"With --host: enforces the manager's policy for the vNICs of HOST's\n"
	"workloads in this network namespace (or /run/netns/NAME), and keeps it\n"
	"current by small updates as tags, inventory and policy change.\n"
	"With --workload: scans the paths given for the workload NAME with\n"
	"ClamAV's engine, in real time (files closed after writing) and on demand\n"
	"(cordon scan), and acts per the policy's antimalware.action.\n"
	"\n"
	"  --server URL[,URL...]  the manager (https://HOST:4119), or several on one\n"
	"                    database: the agent moves to the next when one fails\n"
	"  --token-file F    a one-time enrollment token (cordon agent-token create\n"
	"                    --host HOST), exchanged at first start for the agent's\n"
	"                    own credential (kept in DIR/credential, 0600); not\n"
	"                    needed once that is there\n"
	"  --state-dir DIR   the credential, the event queue, the last state applied\n"
	"  --cacert F        trust the manager's certificate in F; --insecure: do not\n"
	"                    check it (tests only)\n"
	"  --fingerprint PIN trust the manager whose key has this pin (sha256//...,\n"
	"                    what cordond --fingerprint prints and its first start\n"
	"                    logs), checked in every TLS handshake\n"
	"  --host HOST       the host whose workloads this agent enforces\n"
	"  --netns NAME      apply in network namespace NAME instead of this one\n"
	"  --libvirt-uri URI with --host: collect the metrics of the host's domains,\n"
	"                    node and storage pools from this libvirt (qemu:///system);\n"
	"                    without it, the host's own from /proc only\n"
	"  --no-flows        with --host: no flow records (the connections the vNICs\n"
	"                    make and receive, from conntrack and the kernel's log)\n"
	"  --config FILE     options from FILE, one a line: NAME = VALUE, or NAME\n"
	"                    alone for a flag (default " AGENT_CONF ", when it\n"
	"                    exists); the command line overrides it\n"
	"  --check-config    check the file and the options, and exit (0: good;\n"
	"                    2: the first error, FILE:LINE)\n"
	"  --workload NAME   the workload whose files this agent scans\n"
	"  --scan-path DIR   a directory to watch and scan (repeatable)\n"
	"  --signatures PATH a ClamAV database file or directory (default: ClamAV's\n"
	"                    own, /var/lib/clamav)\n"
	"\n"
	"cordon-agent enroll --server URL --token-file F [--fingerprint PIN |\n"
	"                    --cacert F | --trust-on-first-use] [--state-dir DIR]\n"
	"                    [--config FILE] [--host HOST ... | --workload NAME ...]\n"
	"enrolls: says the pin of the key each manager shows (compare it with what\n"
	"cordond --fingerprint prints), trusts it if it is the one given, if the\n"
	"person says so at a terminal, or with --trust-on-first-use, exchanges the\n"
	"token for the agent's credential (DIR/credential) and writes the server,\n"
	"the pin and the options given to FILE (default " AGENT_CONF "), so that\n"
	"the service starts with no flag and every later handshake must show the\n"
	"pinned key.\n"
	"\n"
	"cordon-agent --uninstall [--state-dir DIR] [--netns NAME] ends the flow\n"
	"keeper, deletes the agent's nftables tables and puts back the kernel\n"
	"settings it changed (the package's removal runs it; a stop leaves the\n"
	"tables: fail static).\n"
	"\n"
	"cordon-agent --state-dir DIR --restore ID puts a file from the vault\n"
	"(DIR/scan/vault/ID.json names it) back where it was, with its owner and\n"
	"mode, and exits.\n"
	"\n"
	"When the manager cannot be reached, what is enforced stays (fail static).\n"
	"Events wait in DIR/events.q, a host's flow records in DIR/flows/ (64 MiB at\n"
	"most, the newest lost past it), and its metrics in DIR/metrics/ (64 MiB at\n"
	"most, the oldest dropped first), until the manager has them.  A host's\n"
	"agent starts a flow keeper (cordon-agent --flow-keeper DIR/flows MASK)\n"
	"that holds the flow sockets while no agent runs: an agent killed and\n"
	"started again loses no flow (docs/flows.md).\n";

/* term: SIGTERM or SIGINT, the agent ends; stop: the threads end (every
 * thread reads it: term, or a reload); hup: a reload asked; wake: any of
 * them, for the main thread's long-poll and naps */
static volatile sig_atomic_t term, stop, hup, wake;

static void on_signal(int s)
{
	if (s == SIGHUP)
		hup = 1;
	else
		term = stop = 1;
	wake = 1;
}

/* The signals above held (SIG_BLOCK) across a reload's exec, pending
 * until the next run's handlers are in place (SIG_UNBLOCK). */
static void hold_signals(int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGHUP);
	sigprocmask(how, &s, NULL);
}

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	char t[CD_TIME_STRLEN];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%s cordon-agent: ", cd_time_fmt((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, t));
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	cd_fput_escaped(stderr, line);    /* file names come from the guest's users */
	fputc('\n', stderr);
}

static void log_str(const char *line)
{
	log_line("%s", line);
}

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void nap(double s)
{
	struct timespec t = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (!wake && nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* SIGHUP: true when the configuration is good now (the agent is to start
 * again with it); a bad one is said and the agent goes on as it was. */
static bool reload_wanted(char **argv, struct cd_buf *err)
{
	hup = wake = 0;
	if (stop)                /* a SIGTERM meanwhile: its wake stays */
		wake = 1;
	cd_buf_reset(err);
	int r = cd_reload_check(argv, err);
	if (r < 0)
		log_line("SIGHUP: the configuration is not taken, the agent goes on as it was: %s",
			 err->len ? err->data : strerror(-r));
	cd_buf_reset(err);
	return r == 0 && !term;
}

struct agent_main {
	struct cd_client cl;        /* enrollment and calls (agent/client.h) */
	struct cd_agent a;
	struct cd_queue q;
	bool enrolled, want_snapshot;
	double backoff;
	bool enforce;               /* the host role */
	struct cd_guard g;          /* the scanning role */
	bool scanning;
	const char *workload;
	int64_t seq;                /* the change applied (scanning alone) */
	int hb_s;                   /* the policy's heartbeat interval */
	struct cd_mcollect *metrics;   /* the host role's metrics thread */
	struct cd_flowsend *flows;     /* the host role's flow records, or NULL */
	/* the sender thread */
	pthread_mutex_t qlock;
	pthread_cond_t qwake;
	pthread_t sender;
	bool sending, immediate, hb_due, stopping;
	const char *server, *cacert;
	bool insecure;
};

static void queue_event(struct agent_main *m, json_t *e)
{
	pthread_mutex_lock(&m->qlock);
	int r = cd_queue_push(&m->q, e);
	pthread_cond_broadcast(&m->qwake);
	pthread_mutex_unlock(&m->qlock);
	if (r < 0)
		log_line("event dropped (queue full or disk failing): %s",
			 json_string_value(json_object_get(e, "message")));
}

static void guard_emit(void *ctx, json_t *e)
{
	struct agent_main *m = ctx;
	log_line("%s", json_string_value(json_object_get(e, "message")));
	queue_event(m, e);
	json_decref(e);
}

/* The sender thread: events go out as soon as they are queued (or at the
 * heartbeat), over a connection of its own. */
static void *sender(void *arg)
{
	struct agent_main *m = arg;
	struct cd_http h;
	cd_http_init(&h, m->server, m->cl.cred, m->insecure, m->cacert);
	cd_http_set_resend(&h, true);   /* events are taken once per seq */
	cd_http_set_cancel(&h, &stop);
	double pause = 0.2;
	pthread_mutex_lock(&m->qlock);
	while (!m->stopping) {
		if (!m->q.n || (!m->immediate && !m->hb_due)) {
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += 1;
			pthread_cond_timedwait(&m->qwake, &m->qlock, &t);
			continue;
		}
		json_t *evs = cd_queue_peek(&m->q, 200);
		pthread_mutex_unlock(&m->qlock);
		int64_t acked = cd_client_deliver(&h, evs, log_str);
		json_decref(evs);
		pthread_mutex_lock(&m->qlock);
		if (acked > 0) {
			cd_queue_ack(&m->q, acked);
			if (!m->q.n)
				m->hb_due = false;
			pause = 0.2;
		} else {
			/* the events stay queued: try again after a pause, which
			 * a stop ends (a signal wakes the main thread only) */
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			long ns = t.tv_nsec + (long)(pause * 1e9);
			t.tv_sec += ns / 1000000000;
			t.tv_nsec = ns % 1000000000;
			while (!m->stopping && pthread_cond_timedwait(&m->qwake, &m->qlock, &t) == 0)
				;
			pause = pause * 2 > 5 ? 5 : pause * 2;
		}
	}
	pthread_mutex_unlock(&m->qlock);
	cd_http_free(&h);
	return NULL;
}

/* The scanning role's part of an answer: settings and scan requests. */
static void scan_answer(struct agent_main *m, json_t *ans)
{
	json_t *snap = json_object_get(ans, "snapshot");
	if (snap) {
		const struct cd_antimalware *am = NULL;
		struct cd_state st;
		memset(&st, 0, sizeof(st));
		struct cd_diags d;
		cd_diags_init(&d);
		if (m->enforce && m->a.st) {
			am = &m->a.st->pol.am;
		} else {
			const char *pol = json_string_value(json_object_get(snap, "policy"));
			const char *inv = json_string_value(json_object_get(snap, "inventory"));
			if (pol && inv && cd_state_parse(&st, "inventory", inv, strlen(inv), "policy", pol,
							 strlen(pol), &d) == 0)
				am = &st.pol.am;
		}
		if (am) {
			cd_guard_settings(&m->g, am);
			pthread_mutex_lock(&m->qlock);
			m->immediate = am->event_delivery == CD_AM_IMMEDIATE;
			pthread_mutex_unlock(&m->qlock);
		}
		cd_state_free(&st);
		cd_diags_free(&d);
	}
	json_t *scans = json_object_get(ans, "scans"), *c;
	size_t i;
	json_array_foreach(scans, i, c)
		if (!strcasecmp(json_string_value(json_object_get(c, "workload")) ?: "", m->workload))
			cd_guard_request(&m->g, json_integer_value(json_object_get(c, "id")),
					 strcmp(json_string_value(json_object_get(c, "kind")) ?: "", "quick"));
	json_array_foreach(json_object_get(ans, "changes"), i, c) {
		json_t *q = json_object_get(c, "scan");
		if (q && !strcasecmp(json_string_value(json_object_get(q, "workload")) ?: "", m->workload))
			cd_guard_request(&m->g, json_integer_value(json_object_get(q, "id")),
					 strcmp(json_string_value(json_object_get(q, "kind")) ?: "", "quick"));
	}
}

/* What the agent did to the host besides its tables, a line each. */
static void log_host(struct agent_main *m)
{
	char *l = m->enforce ? cd_agent_take_log(&m->a) : NULL;
	for (char *c = l, *nl; c && *c; c = nl + 1) {
		nl = strchr(c, '\n');
		if (!nl)
			break;
		*nl = 0;
		log_line("host %s: %s", m->a.host, c);
	}
	free(l);
}

static int heartbeat(struct agent_main *m)
{
	json_t *status = m->enforce ? cd_agent_status(&m->a) : json_object();
	log_host(m);
	if (m->scanning)
		json_object_set_new(status, "signatures", json_integer(cd_scanner_signatures(m->g.scanner)));
	json_t *body = json_pack("{s:I, s:I, s:o}", "applied_revision", (json_int_t)m->a.rev,
				 "applied_seq", (json_int_t)(m->enforce ? m->a.seq : m->seq), "status", status);
	if (m->metrics)
		json_object_set_new(status, "metrics", cd_mcollect_status(m->metrics));
	json_t *out = NULL;
	int r = cd_client_call(&m->cl, "POST", "/api/v1/agent/heartbeat", body, 30000, &out);
	if (r == 0)
		cd_mcollect_interval(m->metrics,
				     (int)json_integer_value(json_object_get(out, "collect_seconds")));
	json_decref(out);
	return r;
}

int main(int argc, char **argv)
{
	/* the flow keeper the agent starts (agent/flowkeep.h) */
	if (argc >= 2 && !strcmp(argv[1], "--flow-keeper"))
		return cd_flowkeep_serve(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "enroll"))
		return agent_enroll_main(argc - 1, argv + 1);
	char **argv0 = argv;            /* as given: what a reload executes again */
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' }, { "token-file", required_argument, NULL, 't' },
		{ "state-dir", required_argument, NULL, 'd' }, { "insecure", no_argument, NULL, 'k' },
		{ "cacert", required_argument, NULL, 'c' }, { "host", required_argument, NULL, 'H' },
		{ "netns", required_argument, NULL, 'n' }, { "workload", required_argument, NULL, 'w' },
		{ "scan-path", required_argument, NULL, 'p' }, { "signatures", required_argument, NULL, 'g' },
		{ "restore", required_argument, NULL, 'r' },
		{ "libvirt-uri", required_argument, NULL, 'u' }, { "no-flows", no_argument, NULL, 'F' },
		{ "fingerprint", required_argument, NULL, 'P' }, { "uninstall", no_argument, NULL, 'U' },
		{ "config", required_argument, NULL, 'C' }, { "check-config", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { 0 },
	};
	/* the file's options (--config FILE, else AGENT_CONF when it exists),
	 * then the command line's, which override them */
	static const char *const refused[] = { "config", "check-config", "help", "version", "restore",
					       "insecure", "uninstall", NULL };
	static struct cd_conf_args ca;
	const char *cpath, *conf;
	struct cd_buf cerr;
	cd_buf_init(&cerr, 4096);
	int cr = cd_conf_load(AGENT_CONF, opts, refused, argc, argv, &ca, &cpath, &conf, &cerr);
	if (cr < 0)
		fprintf(stderr, "%s\n", cerr.data);    /* FILE[:LINE]: ... */
	cd_buf_free(&cerr);
	if (cr < 0)
		return 2;
	argc = ca.argc;
	argv = ca.argv;
	bool check_only = false, uninstall = false;
	const char *pin = NULL;
	const char *server = NULL, *tokf = NULL, *dir = NULL, *cacert = NULL, *host = NULL, *netns = NULL;
	const char *workload = NULL, *sigs = NULL, *restore = NULL, *vuri = NULL;
	char *paths[64];
	size_t npaths = 0;
	bool insecure = false, flows = true;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		case 't': tokf = optarg; break;
		case 'd': dir = optarg; break;
		case 'k': insecure = true; break;
		case 'c': cacert = optarg; break;
		case 'H': host = optarg; break;
		case 'n': netns = optarg; break;
		case 'w': workload = optarg; break;
		case 'p':
			if (npaths == CD_ARRAY_LEN(paths)) {
				fprintf(stderr, "cordon-agent: at most %zu --scan-path\n", CD_ARRAY_LEN(paths));
				return 2;
			}
			paths[npaths++] = optarg;
			break;
		case 'g': sigs = optarg; break;
		case 'r': restore = optarg; break;
		case 'u': vuri = optarg; break;
		case 'F': flows = false; break;
		case 'P': pin = optarg; break;
		case 'C':              /* read above: --config in full, the first */
			if (!cpath || strcmp(optarg, cpath)) {
				fprintf(stderr, "cordon-agent: give --config FILE in full, once (the file "
					"read is %s)\n", cpath ? cpath : AGENT_CONF);
				return 2;
			}
			break;
		case 'X': check_only = true; break;
		case 'U': uninstall = true; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': printf("cordon-agent %s\n", CD_VERSION); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (restore && check_only) {
		fprintf(stderr, "cordon-agent: --check-config does not go with --restore\n");
		return 2;
	}
	if (restore) {         /* a vault entry back where it was, and done */
		if (!dir) {
			fprintf(stderr, "cordon-agent: --restore needs --state-dir\n");
			return 2;
		}
		struct cd_buf e;
		cd_buf_init(&e, 4096);
		char *vault = cd_asprintf("%s/scan/vault", dir);
		int r = cd_vault_restore(vault, restore, &e);
		if (r < 0)
			fprintf(stderr, "cordon-agent: %s\n", e.data);
		else
			printf("restored %s\n", restore);
		free(vault);
		cd_buf_free(&e);
		return r < 0 ? 1 : 0;
	}
	if (uninstall) {       /* the package's removal: the kernel as it was */
		struct cd_buf e;
		cd_buf_init(&e, 1 << 16);
		int r = check_only ? -EINVAL : cd_uninstall(dir ? dir : AGENT_DIR, netns, &e);
		if (r < 0)
			fprintf(stderr, "cordon-agent: %s\n", check_only ? "--check-config does not go "
				"with --uninstall" : e.data);
		cd_buf_free(&e);
		return r < 0 ? 1 : 0;
	}
	/* enrolled (DIR/credential): no token is needed any more */
	char *credp = dir ? cd_asprintf("%s/credential", dir) : NULL;
	bool enrolled = credp && access(credp, F_OK) == 0;
	free(credp);
	const char *missing = !server ? "--server" : !tokf && !enrolled ? "--token-file"
			    : !dir ? "--state-dir"
			    : !host && !workload ? "--host or --workload"
			    : workload && !npaths ? "--scan-path (with --workload)" : NULL;
	if (missing || optind < argc || ((netns || vuri) && !host) || (npaths && !workload)) {
		fprintf(stderr, "cordon-agent: %s\n%s", missing ? cd_asprintf("%s is required", missing)
			: optind < argc ? "unexpected arguments" : netns ? "--netns goes with --host"
			: vuri ? "--libvirt-uri goes with --host" : "--scan-path goes with --workload", usage);
		return 2;
	}
	if (insecure + !!cacert + !!pin > 1) {
		fprintf(stderr, "cordon-agent: give one of --insecure, --cacert and --fingerprint\n");
		return 2;
	}
	if (pin && !cd_http_pin_valid(pin)) {
		fprintf(stderr, "cordon-agent: --fingerprint takes the pin cordond --fingerprint prints "
			"(sha256// and 44 characters of base64), not '%s'\n", pin);
		return 2;
	}
	/* the files named are there to be read (a reload checks this too) */
	const char *files[CD_ARRAY_LEN(paths) + 3][2] = {
		{ "--cacert", cacert }, { "--token-file", enrolled ? NULL : tokf }, { "--signatures", sigs },
	};
	for (size_t i = 0; i < npaths; i++)
		files[3 + i][0] = "--scan-path", files[3 + i][1] = paths[i];
	for (size_t i = 0; i < 3 + npaths; i++)
		if (files[i][1] && access(files[i][1], R_OK) < 0) {
			fprintf(stderr, "cordon-agent: %s %s: %s\n", files[i][0], files[i][1], strerror(errno));
			return 2;
		}
	if (pin)
		cacert = pin;          /* the http layer tells a pin from a file */
	if (check_only) {
		printf("cordon-agent: the configuration is good (%s and the command line)\n",
		       conf ? conf : "no file");
		return 0;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "cordon-agent: cannot make %s: %s\n", dir, strerror(errno));
		return 1;
	}
	umask(077);          /* its credential, queue and saved state are its alone */
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);      /* a reload: see the main loop */
	signal(SIGPIPE, SIG_IGN);
	hold_signals(SIG_UNBLOCK);         /* held by the run before a reload */

	struct agent_main m = { .want_snapshot = true, .backoff = 0.2,
				.enforce = host != NULL, .workload = workload, .immediate = true,
				.server = server, .cacert = cacert, .insecure = insecure, .hb_s = 60 };
	pthread_mutex_init(&m.qlock, NULL);
	pthread_cond_init(&m.qwake, NULL);
	struct cd_buf err;
	cd_buf_init(&err, 1 << 16);
	int rc = 1;
	bool again = false;          /* a reload: this program executed again */
	if (cd_client_init(&m.cl, server, insecure, cacert, dir, tokf, log_str) < 0 ||
	    cd_queue_open(&m.q, dir, 4u << 20, &err) < 0 ||
	    (host && cd_agent_init(&m.a, host, netns, dir, &err) < 0)) {
		fprintf(stderr, "cordon-agent: %s\n", err.len ? err.data : "cannot start");
		goto out;
	}
	if (m.q.damaged_spans) {      /* said here and to the manager */
		log_line("%s/events.q: %zu damaged records skipped (%zu bytes), the others kept; "
			 "numbering goes on at %lld", dir, m.q.damaged_spans, m.q.damaged_bytes,
			 (long long)m.q.next_seq);
		json_t *e = cd_event_make("queue-damaged", workload,
					  json_pack("{s:I, s:I}", "records", (json_int_t)m.q.damaged_spans,
						    "bytes", (json_int_t)m.q.damaged_bytes),
					  "the agent's event queue had %zu damaged records (%zu bytes): "
					  "skipped, the events in them lost", m.q.damaged_spans,
					  m.q.damaged_bytes);
		cd_queue_push(&m.q, e);
		json_decref(e);
	}
	cd_http_set_cancel(&m.cl.http, &stop);   /* SIGTERM ends a call */
	char what[512] = "";
	if (host) {
		if (cd_agent_start(&m.a, what, sizeof(what), &err) < 0) {
			/* the table, if any, stays; the manager's snapshot is next */
			log_line("could not take up a table at start: %s", err.data);
			snprintf(what, sizeof(what), "could not take up a table at start: %.400s", err.data);
			cd_buf_reset(&err);
		} else {
			log_line("host %s: %s", host, what);
			log_host(&m);
		}
		if (cd_agent_watch_spoofs(&m.a, guard_emit, &m, &err) < 0) {
			log_line("SpoofGuard drops are counted but not reported as events: %s", err.data);
			cd_buf_reset(&err);
		}
		char *fd = flows ? cd_asprintf("%s/flows", dir) : NULL;
		if (fd && (mkdir(fd, 0700) < 0 && errno != EEXIST ? -errno
			   : cd_flowsend_open(&m.flows, fd, 64u << 20, log_str, &err)) < 0) {
			log_line("no flow records: their queue %s cannot be opened: %s", fd, err.data);
			cd_buf_reset(&err);
		} else if (fd) {
			char mark[CD_QUEUE_MARK_MAX];
			cd_flowsend_mark(m.flows, mark);
			struct cd_flowwatch_opts fo = { .emit = cd_flowsend_push, .ctx = m.flows,
							.keep_dir = fd, .keeper_exe = "/proc/self/exe",
							.mark = mark, .log = log_str };
			int r = cd_agent_watch_flows(&m.a, &fo, &err);
			if (r < 0 || err.len)
				log_line("flow records%s: %s", r < 0 ? " are not kept" : "", err.data);
			cd_buf_reset(&err);
		}
		free(fd);
	}
	if (workload) {
		char *sdir = cd_asprintf("%s/scan", dir);
		mkdir(sdir, 0700);
		int r = cd_guard_start(&m.g, workload, paths, npaths, sigs ? sigs : cl_retdbdir(), sdir,
				       guard_emit, &m, &err);
		free(sdir);
		m.scanning = r == 0;
		if (r < 0) {
			fprintf(stderr, "cordon-agent: %s\n", err.data);
			if (m.g.dir)
				cd_guard_stop(&m.g);
			goto out;
		}
		size_t n = strlen(what);
		snprintf(what + n, sizeof(what) - n, "%sscanning %zu path(s) of %s with %u signatures", n ? "; " : "",
			 npaths, workload, cd_scanner_signatures(m.g.scanner));
		log_line("%s", what);
	}
	json_t *e = cd_event_make("agent-started", NULL, NULL, "%s", what);
	if (workload)
		json_object_set_new(e, "workload", json_string(workload));
	queue_event(&m, e);
	json_decref(e);

	/* a Type=notify unit's start ends here: a table is taken up (the saved
	 * state's, or a closed one), whether or not the manager answers */
	cd_notify(m.enforce ? "READY=1\nSTATUS=enforcing (fail static until the manager answers)"
			    : "READY=1\nSTATUS=scanning");
	double next_hb = 0, next_reload = mono() + 30;
	while (!stop) {
		if (hup && reload_wanted(argv0, &err)) {
			again = true;
			break;
		}
		if (!m.enrolled) {
			int r = cd_client_enroll(&m.cl);
			if (r == -2) {
				log_line("cannot enroll: give a fresh token (cordon agent-token create %s %s)",
					 host ? "--host" : "--workload", host ? host : workload);
				nap(5);
				continue;
			}
			if (r < 0) {
				nap(m.backoff);
				m.backoff = m.backoff * 2 > 5 ? 5 : m.backoff * 2;
				continue;
			}
			m.enrolled = true;
			if (pthread_create(&m.sender, NULL, sender, &m) == 0)
				m.sending = true;
			if (host) {
				char *sd = cd_asprintf("%s/metrics", dir);
				struct cd_mcollect_opts mo = {
					.server = server, .credential = m.cl.cred, .cacert = cacert,
					.insecure = insecure, .host = host, .libvirt_uri = vuri,
					.spool_dir = sd, .cancel = &stop, .log = log_str,
				};
				cd_buf_reset(&err);
				m.metrics = cd_mcollect_start(&mo, &err);
				if (!m.metrics)
					log_line("metrics are not collected: %s", err.data);
				free(sd);
				struct cd_flowsend_opts fo = {
					.server = server, .credential = m.cl.cred, .cacert = cacert,
					.insecure = insecure, .cancel = &stop, .log = log_str,
				};
				if (m.flows && cd_flowsend_start(m.flows, &fo) < 0)
					log_line("flow records are kept but not sent: no thread");
			}
		}
		if (mono() >= next_hb) {
			int r = heartbeat(&m);
			if (r == 401) {
				log_line("the manager refuses this agent's credential; enforcement stays");
				nap(5);
				continue;
			}
			if (r == 0) {
				next_hb = mono() + m.hb_s;
				pthread_mutex_lock(&m.qlock);
				m.hb_due = true;          /* events held for the heartbeat go now */
				pthread_cond_broadcast(&m.qwake);
				pthread_mutex_unlock(&m.qlock);
			}
		}
		if (m.scanning && mono() >= next_reload) {
			cd_guard_reload(&m.g);
			next_reload = mono() + 30;
		}
		double wait = next_hb - mono();
		int w = wait < 1 ? 1 : wait > 25 ? 25 : (int)wait;
		if (m.scanning && w > 30)
			w = 30;
		char path[200];
		int64_t since = m.enforce ? m.a.seq : m.seq;
		/* since and revision also tell the manager what is realized */
		snprintf(path, sizeof(path), "/api/v1/agent/changes?since=%lld&revision=%lld&wait=%d%s",
			 (long long)since, (long long)m.a.rev, w, m.want_snapshot ? "&snapshot=1" : "");
		json_t *ans;
		cd_http_set_cancel(&m.cl.http, &wake);   /* a SIGHUP ends a long-poll too */
		int r = cd_client_call(&m.cl, "GET", path, NULL, (long)(w + 15) * 1000, &ans);
		cd_http_set_cancel(&m.cl.http, &stop);
		if (r != 0) {
			nap(m.backoff);
			m.backoff = m.backoff * 2 > 5 ? 5 : m.backoff * 2;
			continue;
		}
		m.backoff = 0.2;
		json_t *events = json_array();
		cd_buf_reset(&err);
		if (m.enforce && cd_agent_apply(&m.a, ans, events, &err) < 0) {
			log_line("applying the manager's change failed: %s; asking for a snapshot", err.data);
			json_t *f = cd_event_make("apply-failed", NULL, NULL, "%s", err.data);
			json_array_append_new(events, f);
			m.want_snapshot = true;
		} else if (json_object_get(ans, "snapshot")) {
			m.want_snapshot = false;
		}
		log_host(&m);
		if (m.scanning)
			scan_answer(&m, ans);
		cd_mcollect_interval(m.metrics,
				     (int)json_integer_value(json_object_get(ans, "collect_seconds")));
		json_int_t hb = json_integer_value(json_object_get(ans, "heartbeat_seconds"));
		if (hb > 0 && hb != m.hb_s) {
			m.hb_s = (int)hb;
			next_hb = mono() + m.hb_s;
		}
		json_int_t seq = json_integer_value(json_object_get(ans, "seq"));
		if (seq > m.seq)
			m.seq = seq;
		size_t i;
		json_t *ev;
		json_array_foreach(events, i, ev) {
			log_line("%s", json_string_value(json_object_get(ev, "message")));
			queue_event(&m, ev);
		}
		json_decref(events);
		json_decref(ans);
	}
	again = again && !term;          /* a SIGTERM since: a stop */
	if (again) {
		cd_notify("RELOADING=1");
		log_line("SIGHUP: the configuration is good: the agent starts again with it (%s)",
			 m.enforce ? "the table stays, the flow keeper holds the flows" : "scans resume");
		stop = 1;                     /* the threads end; the flow keeper stays */
		if (host)
			cd_agent_hand_over(&m.a);
	} else {
		cd_notify("STOPPING=1");
		log_line("stopping; %s", m.enforce ? "the table stays as it is" : "scans end");
	}
	rc = 0;
out:
	cd_mcollect_stop(m.metrics);
	if (m.scanning)
		cd_guard_stop(&m.g);
	if (m.sending) {
		pthread_mutex_lock(&m.qlock);
		m.stopping = true;
		pthread_cond_broadcast(&m.qwake);
		pthread_mutex_unlock(&m.qlock);
		pthread_join(m.sender, NULL);
	}
	if (host)
		cd_agent_free(&m.a);           /* the flow watcher's last records queued */
	cd_flowsend_close(m.flows);
	cd_queue_close(&m.q);
	cd_client_free(&m.cl);
	cd_buf_free(&err);
	pthread_mutex_destroy(&m.qlock);
	pthread_cond_destroy(&m.qwake);
	hold_signals(SIG_BLOCK);       /* a SIGTERM from here on: the next run's */
	if (again && !term) {
		int r = cd_reload_exec(argv0);
		log_line("SIGHUP: the agent could not start again (%s): it stops; the table stays",
			 strerror(-r));
		rc = 1;
	} else if (again) {
		cd_notify("STOPPING=1");
		log_line("stopping, asked while it reloaded; the table stays as it is");
	}
	return rc;
}
