/* agent_enroll.c - `cordon-agent enroll`: its command line, for
 * agent/enroll.h, which does the work. */
#define _GNU_SOURCE
#include "agent_enroll.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/enroll.h"
#include "agent/http.h"

static const char usage[] =
	"usage: cordon-agent enroll --server URL --token-file F [--fingerprint PIN |\n"
	"                    --cacert F | --trust-on-first-use] [--state-dir DIR]\n"
	"                    [--config FILE] [--host HOST ... | --workload NAME ...]\n"
	"(cordon-agent --help says more)\n";

int agent_enroll_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' }, { "token-file", required_argument, NULL, 't' },
		{ "state-dir", required_argument, NULL, 'd' }, { "config", required_argument, NULL, 'C' },
		{ "fingerprint", required_argument, NULL, 'P' }, { "cacert", required_argument, NULL, 'c' },
		{ "trust-on-first-use", no_argument, NULL, 'T' },
		/* kept in the file for the service */
		{ "host", required_argument, NULL, 'k' }, { "netns", required_argument, NULL, 'k' },
		{ "libvirt-uri", required_argument, NULL, 'k' }, { "no-flows", no_argument, NULL, 'k' },
		{ "workload", required_argument, NULL, 'k' }, { "scan-path", required_argument, NULL, 'k' },
		{ "signatures", required_argument, NULL, 'k' }, { 0 },
	};
	struct cd_enroll_opts o = { .state_dir = AGENT_DIR, .conf_path = AGENT_CONF, .out = stdout };
	const char *names[24], *values[24];
	int c, idx;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		switch (c) {
		case 's': o.server = optarg; break;
		case 't': o.token_file = optarg; break;
		case 'd': o.state_dir = optarg; break;
		case 'C': o.conf_path = optarg; break;
		case 'P': o.pin = optarg; break;
		case 'c': o.cacert = optarg; break;
		case 'T': o.tofu = true; break;
		case 'k':
			if (optarg && !*optarg) {
				fprintf(stderr, "cordon-agent enroll: --%s is empty\n", opts[idx].name);
				return 2;
			}
			if (o.n == CD_ARRAY_LEN(names)) {
				fprintf(stderr, "cordon-agent enroll: too many options to keep\n");
				return 2;
			}
			names[o.n] = opts[idx].name;
			values[o.n++] = optarg ? optarg : "";     /* "": a flag */
			break;
		default: fputs(usage, stderr); return 2;
		}
	}
	const char *bad = !o.server ? "--server is required" : !o.token_file ? "--token-file is required"
			: optind < argc ? "unexpected arguments"
			: !!o.pin + !!o.cacert + o.tofu > 1 ? "give one of --fingerprint, --cacert and "
							       "--trust-on-first-use"
			: o.pin && !cd_http_pin_valid(o.pin) ? "--fingerprint takes the pin cordond "
							       "--fingerprint prints (sha256//...)" : NULL;
	if (bad) {
		fprintf(stderr, "cordon-agent enroll: %s\n", bad);
		return 2;
	}
	o.names = names;
	o.values = values;
	o.ask = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? stdin : NULL;
	umask(077);
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	int r = cd_enroll(&o, &err);
	if (r < 0)
		fprintf(stderr, "cordon-agent enroll: %s\n", err.data);
	cd_buf_free(&err);
	return r == 0 ? 0 : r == -EPERM || r == -EEXIST || r == -EINVAL ? 2 : 1;
}
