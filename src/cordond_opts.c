/* cordond_opts.c - cordond's options: one table, read by getopt_long and
 * printed by --help.  Each entry has its name, its argument's name, its
 * help (lines after the first start with a newline) and its setter; a
 * whole number's range is in the entry, and the setter gets the number. */
#define _GNU_SOURCE
#include "cordond_opts.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/addr.h"
#include "base/conf.h"
#include "db/db.h"

/* The defaults of --max-connections, --max-connections-per-address and
 * --idle-timeout: room for the agents of a large site, a share of it per
 * address so that one client cannot lock the others out, and a short
 * deadline for a connection that is idle (a suspended long-poll is not
 * idle: libmicrohttpd does not time out suspended connections). */
#define CD_CONN_MAX 2000
#define CD_CONN_PER_ADDR 500
#define CD_CONN_IDLE_S 15

/* Where the option being read comes from ("FILE:LINE"), or NULL: the
 * command line; its errors are said with it. */
static const char *where;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", where ? where : "cordond");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

struct opt;
typedef int (*setter)(struct cordond_config *c, const struct opt *o, const char *arg, long long n);

struct opt {
	const char *name, *arg;   /* arg NULL: a flag */
	char letter;
	long long min, max;       /* a whole number from min to max (max 0: not a number) */
	setter set;
	const char *help;
};

static int set_dir(struct cordond_config *c, const struct opt *o, const char *arg, long long n)
{
	(void)o, (void)n;
	c->dir = arg;
	return 0;
}

static int set_listen(struct cordond_config *c, const struct opt *o, const char *arg, long long n)
{
	(void)o, (void)n;
	struct sockaddr_storage ss;
	if (cd_sockaddr_parse(arg, &ss) < 0) {
		say("--listen takes ADDR:PORT (127.0.0.1:4119, [::1]:4119), not '%s'\n", arg);
		return -EINVAL;
	}
	c->listen_at = arg;
	return 0;
}

static int set_store(struct cordond_config *c, const struct opt *o, const char *arg, long long n)
{
	(void)o, (void)n;
	char why[256];
	int has = cd_db_target_is_pg(arg) ? cd_db_target_has_password(arg, why, sizeof(why)) : -1;
	if (has != 0) {
		say("--store: %s\n", has < 0 && cd_db_target_is_pg(arg) ? why :
			has < 0 ? "a postgresql:// URI or a key=value string, as libpq takes"
				: "no password here (a process's arguments are anyone's to read): "
				  "put it in PGPASSFILE or ~/.pgpass");
		return -EINVAL;
	}
	c->target = arg;
	return 0;
}

static int set_console(struct cordond_config *c, const struct opt *o, const char *arg, long long n)
{
	(void)o, (void)n;
	c->console_dir = arg;
	return 0;
}

static int set_restore(struct cordond_config *c, const struct opt *o, const char *arg, long long n)
{
	(void)o, (void)n;
	c->restore = arg;
	return 0;
}

/* The limits, each a whole number already in its entry's range. */
#define LIMIT_SETTER(fn, stmt)                                                              \
	static int fn(struct cordond_config *c, const struct opt *o, const char *arg, long long n) \
	{                                                                                   \
		(void)o, (void)arg;                                                         \
		stmt;                                                                       \
		return 0;                                                                   \
	}
LIMIT_SETTER(set_keep_days, c->mopt.limits.events_keep_s = n * 24 * 3600)
LIMIT_SETTER(set_max_mb, c->mopt.limits.events_max_bytes = n << 20)
LIMIT_SETTER(set_events_rate, c->mopt.limits.agent_events_per_s = (double)n)
LIMIT_SETTER(set_kib_rate, c->mopt.limits.agent_bytes_per_s = (double)n * 1024)
LIMIT_SETTER(set_collect, c->mopt.limits.collect_s = (int)n)
LIMIT_SETTER(set_series, c->mopt.limits.series_per_host = n)
LIMIT_SETTER(set_flow_days, c->mopt.limits.flows_keep_days = n)
LIMIT_SETTER(set_flow_bytes, c->mopt.limits.flows_max_bytes = n)
LIMIT_SETTER(set_flow_totals, c->mopt.limits.flow_totals_max = n)
LIMIT_SETTER(set_flows_rate, c->mopt.limits.agent_flows_per_s = (double)n)
LIMIT_SETTER(set_conns, c->conn_max = (unsigned)n)
LIMIT_SETTER(set_conns_addr, c->conn_per_addr = (unsigned)n)
LIMIT_SETTER(set_idle, c->idle_s = (unsigned)n)

/* --retention, --remote-write and its token file: the metrics service's */
static int metrics_said(int r, const char *err)
{
	if (r < 0)
		say("%s\n", err);
	return r < 0 ? -EINVAL : 0;
}
#define METRICS_SETTER(fn, call)                                                            \
	static int fn(struct cordond_config *c, const struct opt *o, const char *arg, long long n) \
	{                                                                                   \
		(void)o, (void)n;                                                           \
		char err[512];                                                              \
		return metrics_said(call(&c->mso, arg, err, sizeof(err)), err);             \
	}
METRICS_SETTER(set_retention, cd_msvc_opt_retention)
METRICS_SETTER(set_remote_write, cd_msvc_opt_remote_write)
METRICS_SETTER(set_remote_token, cd_msvc_opt_remote_token)

static int set_tls_cert(struct cordond_config *c, const struct opt *o, const char *arg, long long n)
{
	(void)o, (void)n;
	c->tls_cert = arg;
	return 0;
}

static int set_tls_key(struct cordond_config *c, const struct opt *o, const char *arg, long long n)
{
	(void)o, (void)n;
	c->tls_key = arg;
	return 0;
}

#define MILLION 1000000
static const struct opt opts[] = {
	{ "data-dir", "DIR", 'd', 0, 0, set_dir,
	  "its state: the SQLite database, the TLS certificate\n"
	  "and key, admin.token; made (0700) at first start" },
	{ "store", "TARGET", 'S', 0, 0, set_store,
	  "keep the state, and the metrics, in PostgreSQL\n"
	  "instead: a libpq URI\n"
	  "(postgresql://USER@HOST:PORT/DB?sslmode=...) or\n"
	  "key=value string, with no password (it comes from\n"
	  "PGPASSFILE, ~/.pgpass or PGPASSWORD); several\n"
	  "managers on one database serve the same state" },
	{ "listen", "ADDR:PORT", 'l', 0, 0, set_listen,
	  "where to listen (default 127.0.0.1:4119; [::1]:PORT\n"
	  "for IPv6)" },
	{ "events-keep-days", "N", 'K', 1, MILLION, set_keep_days, "the event log keeps N days (default 90)..." },
	{ "events-max-mb", "N", 'M', 1, MILLION, set_max_mb, "...and at most N MiB (default 1024)" },
	{ "agent-events-rate", "N", 'R', 1, MILLION, set_events_rate, "an agent's events: N a second (default 50)..." },
	{ "agent-kib-rate", "N", 'B', 1, MILLION, set_kib_rate,
	  "...and N KiB a second (default 64), each with a\n"
	  "burst of 30 seconds' worth; the excess is refused\n"
	  "(429) and the agent sends it again later" },
	{ "max-connections", "N", 'C', 1, MILLION, set_conns, "at once, in all (default 2000)..." },
	{ "max-connections-per-address", "N", 'A', 1, MILLION, set_conns_addr,
	  "...and from one address (default 500)" },
	{ "idle-timeout", "S", 'i', 1, 3600, set_idle,
	  "close a connection idle or mid-request for S seconds\n"
	  "(1 to 3600, default 15)" },
	{ "collect-interval", "S", 'I', 1, 3600, set_collect,
	  "agents collect metrics every S seconds (1 to\n"
	  "3600, default 20)" },
	{ "series-per-host", "N", 'P', 1, MILLION, set_series,
	  "the metrics series a host's agent may make\n"
	  "(its VMs', its own, its pools'; default 20000)" },
	{ "flow-retention-days", "N", 'D', 1, MILLION, set_flow_days,
	  "flow records are kept N days (default 30)..." },
	{ "flow-retention-bytes", "N", 'E', 1, 1LL << 50, set_flow_bytes,
	  "...and at most N bytes (default: no limit)" },
	{ "agent-flows-rate", "N", 'L', 1, MILLION, set_flows_rate,
	  "a host's agent's flow records: N a second (default\n"
	  "2000, a burst of 30 seconds' worth; the excess is\n"
	  "refused (429) and the agent sends it again later)" },
	{ "flow-counters", "N", 'G', 1, MILLION, set_flow_totals,
	  "the flows' Prometheus counters kept apart, by rule\n"
	  "and verdict (default 20000; past them: rule \"other\")" },
	{ "retention", "SPEC", 'T', 0, 0, set_retention,
	  "how long metrics are kept: raw=7d,5m=180d,1h=730d\n"
	  "(the defaults; s, m, h, d, w, y), or for some\n"
	  "metrics METRIC-GLOB:raw=2d,...; repeatable" },
	{ "remote-write", "URL", 'W', 0, 0, set_remote_write,
	  "every sample also to URL by Prometheus remote\n"
	  "write 1.0 (up to 4 URLs)..." },
	{ "remote-write-token-file", "F", 'F', 0, 0, set_remote_token,
	  "...with the bearer token in F (for the\n"
	  "URL given before it)" },
	{ "tls-cert", "FILE", 'Y', 0, 0, set_tls_cert,
	  "an operator's certificate (PEM, the server's first,\n"
	  "then its chain) instead of the one made at first\n"
	  "start; read again on SIGHUP (systemctl reload)" },
	{ "tls-key", "FILE", 'Z', 0, 0, set_tls_key, "...and its key (PEM; both given, or neither)" },
	{ "console-dir", "DIR", 'c', 0, 0, set_console,
	  "the web console's files, served at / (default:\n" CD_CONSOLE_DIR ")" },
	{ "config", "FILE", 'f', 0, 0, NULL,
	  "options from FILE, one a line: NAME = VALUE, or\n"
	  "NAME alone for a flag (default " CORDOND_CONF ",\n"
	  "when it exists); the command line overrides it" },
	{ "check-config", NULL, 'x', 0, 0, NULL,
	  "check the configuration file and the options, and\n"
	  "exit (0: good; 2: the first error, FILE:LINE)" },
	{ "fingerprint", NULL, 'y', 0, 0, NULL,
	  "print the pin of the TLS certificate's key in the\n"
	  "data directory (sha256//BASE64, what cordon-agent\n"
	  "--fingerprint takes), and exit" },
	{ "restore", "FILE", 'r', 0, 0, set_restore,
	  "restore the data directory from FILE (made by\n"
	  "cordon backup) and exit, no cordond running on it;\n"
	  "the files it replaces go to DIR/before-restore-TIME" },
	{ "help", NULL, 'h', 0, 0, NULL, "this text" },
	{ "version", NULL, 'V', 0, 0, NULL, "cordond's version" },
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

void cordond_usage(FILE *f)
{
	fputs("usage: cordond --data-dir DIR [--store TARGET] [--listen ADDR:PORT] [LIMITS]\n"
	      "       cordond --data-dir DIR --restore FILE\n"
	      "\n"
	      "The cordon manager: inventory, tags, policy revisions, agents and the\n"
	      "event log, served as JSON over HTTPS under /api/v1.\n"
	      "\n", f);
	for (size_t i = 0; i < NOPTS; i++) {
		int w = fprintf(f, "  --%s%s%s", opts[i].name, opts[i].arg ? " " : "",
				opts[i].arg ? opts[i].arg : "");
		/* the help from column 26, or after two spaces when the
		 * option is longer; its further lines at column 26 */
		fprintf(f, "%*s", w < 24 ? 26 - w : 2, "");
		for (const char *h = opts[i].help; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "%26s", "");
		}
		fputc('\n', f);
	}
	fputs("\n"
	      "First start prints where the admin token is.  Then, for example:\n"
	      "  cordon --token-file DIR/admin.token --cacert DIR/tls.crt workloads\n", f);
}

/* A whole number from o's min to its max. */
static int number(const struct opt *o, const char *arg, long long *v)
{
	char *end;
	errno = 0;
	*v = strtoll(arg, &end, 10);
	if (!*arg || *end || errno || *v < o->min || *v > o->max) {
		say("--%s takes a whole number from %lld to %lld, not '%s'\n", o->name, o->min, o->max, arg);
		return -EINVAL;
	}
	return 0;
}

int cordond_config_read(int argc, char **argv, struct cordond_config *c)
{
	*c = (struct cordond_config){
		.listen_at = "127.0.0.1:4119", .console_dir = CD_CONSOLE_DIR, .conn_max = CD_CONN_MAX,
		.conn_per_addr = CD_CONN_PER_ADDR, .idle_s = CD_CONN_IDLE_S,
	};
	struct option lo[NOPTS + 1];
	char letters[2 * NOPTS + 1], *p = letters;
	for (size_t i = 0; i < NOPTS; i++) {
		lo[i] = (struct option){ opts[i].name, opts[i].arg ? required_argument : no_argument, NULL,
					 opts[i].letter };
		*p++ = opts[i].letter;
		if (opts[i].arg)
			*p++ = ':';
	}
	lo[NOPTS] = (struct option){ 0 };
	*p = '\0';
	/* the file's options, then the command line's: the values live as
	 * long as the process (the configuration points into them) */
	static struct cd_conf_args a;
	static const char *const refused[] = { "config", "check-config", "fingerprint", "restore", "help",
					       "version", NULL };
	const char *path;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	cd_conf_args_free(&a);
	int r = cd_conf_load(CORDOND_CONF, lo, refused, argc, argv, &a, &path, &c->conf, &err);
	if (r < 0)
		fprintf(stderr, "%s\n", err.data);    /* FILE[:LINE]: ... */
	cd_buf_free(&err);
	if (r < 0)
		return -EINVAL;
	int ch;
	optind = 1;
	for (;;) {
		int at = optind;
		if ((ch = getopt_long(a.argc, a.argv, letters, lo, NULL)) == -1)
			break;
		where = at < a.argc ? a.where[at] : NULL;
		const struct opt *o = opts;
		while (o < opts + NOPTS && o->letter != ch)
			o++;
		if (o == opts + NOPTS) {     /* getopt said why */
			cordond_usage(stderr);
			return -EINVAL;
		}
		if (ch == 'h') {
			cordond_usage(stdout);
			return 1;
		}
		if (ch == 'V') {
			printf("cordond %s\n", CD_VERSION);
			return 1;
		}
		if (ch == 'x' || ch == 'y') {
			*(ch == 'x' ? &c->check_only : &c->fingerprint_only) = true;
			continue;
		}
		if (ch == 'f') {
			/* the file read above is --config's spelled in full, the
			 * first: getopt also takes -f, --conf and a second one */
			if (!path || strcmp(optarg, path)) {
				say("give --config FILE in full, once (the file read is %s)\n",
				    path ? path : CORDOND_CONF);
				return -EINVAL;
			}
			continue;
		}
		long long n = 0;
		if (o->max && number(o, optarg, &n) < 0)
			return -EINVAL;
		if (o->set(c, o, optarg, n) < 0)
			return -EINVAL;
	}
	where = NULL;
	if (!c->dir || optind < a.argc) {
		say("%s\n", c->dir ? "unexpected arguments" : "--data-dir is required (or data-dir = DIR in its file)");
		cordond_usage(stderr);
		return -EINVAL;
	}
	if (!c->tls_cert != !c->tls_key) {
		say("--tls-cert and --tls-key go together (the certificate and its key)\n");
		return -EINVAL;
	}
	if (c->restore && (c->target || c->check_only || c->fingerprint_only)) {
		say("--restore restores a data directory's SQLite state, not with %s\n",
		    c->target ? "--store (on PostgreSQL: pg_restore, docs/operations.md)"
			      : c->check_only ? "--check-config" : "--fingerprint");
		return -EINVAL;
	}
	return 0;
}
