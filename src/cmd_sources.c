/* cmd_sources.c - sources: list, add (libvirt, vSphere), remove. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "online.h"
#include "agent/http.h"
#include "policy/report.h"
#include "base/token.h"
#include "base/util.h"

const char help_sources[] =
	"usage: cordon [ONLINE OPTIONS] sources [--json]\n"
	"       cordon [ONLINE OPTIONS] source add libvirt NAME --uri URI\n"
	"       cordon [ONLINE OPTIONS] source add vsphere NAME --url https://HOST/sdk --user U\n"
	"              --password-file F [--insecure | --cacert F] [--quarantine-network PG]\n"
	"       cordon [ONLINE OPTIONS] source rm NAME [--json]\n"
	"\n"
	"sources lists the inventory sources: kind, endpoint, state (in sync,\n"
	"connecting, disconnected, error), workloads, last sync, last error.\n"
	"\n"
	"'source add' makes the manager connect to a libvirt host or a vSphere\n"
	"server and follow its workloads as they change.  The manager tests the\n"
	"source first (reachable, credentials, permissions) and refuses it with\n"
	"what is wrong.  The password is read from a file and sent to the\n"
	"manager, which keeps it in its 0600 store and never shows it.  After\n"
	"the source's --insecure or --cacert (the vSphere server's certificate),\n"
	"--quarantine-network names the port group a quarantined VM's vNICs move\n"
	"to.  'source rm' removes a source with its workloads (refused while the\n"
	"policy names one of them).  Static sources are made by 'inventory push'.\n"
	"\n"
	"Examples:\n"
	"  cordon source add libvirt hv1 --uri qemu+ssh://root@hv1/system\n"
	"  cordon source add vsphere vc1 --url https://vc1/sdk --user cordon@vsphere.local \\\n"
	"         --password-file vc1.pw --cacert vc1.pem --quarantine-network Quarantine\n";

/* `source add KIND NAME ...`: the body of POST /api/v1/sources. */
static int source_add(int argc, char **argv)
{
	const char *pos[3] = { NULL }, *uri = NULL, *url = NULL, *user = NULL, *pwf = NULL,
		   *insecure = NULL, *cacert = NULL, *qnet = NULL, *json = NULL;
	const struct cli_opt o[] = {
		{ "uri", 0, true, &uri }, { "url", 0, true, &url }, { "user", 0, true, &user },
		{ "password-file", 0, true, &pwf }, { "insecure", 0, false, &insecure },
		{ "cacert", 0, true, &cacert }, { "quarantine-network", 0, true, &qnet },
		{ "json", 0, false, &json },
	};
	int r = cli_parse("source", argc, argv, o, CD_ARRAY_LEN(o), 3, 3, pos);
	if (r != EXIT_OK)
		return r;
	json_t *body = json_pack("{s:s, s:s}", "name", pos[2], "kind", pos[1]);
	if (!strcmp(pos[1], "libvirt")) {
		if (!uri || url || user || pwf || insecure || cacert || qnet) {
			json_decref(body);
			return usage_error("source", "a libvirt source takes --uri URI (only)");
		}
		json_object_set_new(body, "uri", json_string(uri));
	} else if (!strcmp(pos[1], "vsphere")) {
		if (!url || !user || !pwf || uri || (insecure && cacert)) {
			json_decref(body);
			return usage_error("source", "a vsphere source takes --url, --user, --password-file "
					   "and --insecure or --cacert");
		}
		char *pw = NULL, *pem = NULL;
		size_t n;
		r = cd_read_file(pwf, 4096, &pw, &n);
		if (r == 0 && cacert)
			r = cd_read_file(cacert, 1u << 20, &pem, &n);
		if (r < 0) {
			fprintf(stderr, "cordon source: cannot read %s: %s\n",
				pw ? cacert : pwf, strerror(-r));
			free(pw);
			json_decref(body);
			return EXIT_BADINPUT;
		}
		pw[strcspn(pw, "\r\n")] = 0;     /* the first line */
		json_object_set_new(body, "url", json_string(url));
		json_object_set_new(body, "user", json_string(user));
		json_object_set_new(body, "password", json_string(pw));
		json_object_set_new(body, "insecure", json_boolean(insecure != NULL));
		if (pem)
			json_object_set_new(body, "cacert", json_string(pem));
		if (qnet)
			json_object_set_new(body, "quarantine_network", json_string(qnet));
		explicit_bzero(pw, strlen(pw));
		free(pw);
		free(pem);
	} else {
		json_decref(body);
		return usage_error("source", "unknown source kind '%s' (libvirt or vsphere)", pos[1]);
	}
	json_t *out;
	r = online_call("source", "POST", "/api/v1/sources", body, &out);
	if (r == EXIT_OK) {
		if (json)
			online_print_json(out);
		else
			printf("source %s added (%s); its workloads follow in a few seconds: "
			       "see 'cordon sources'\n", pos[2], pos[1]);
	}
	json_decref(out);
	return r;
}

int cmd_sources(int argc, char **argv)
{
	json_t *out;
	bool json;
	int r = online_get_list("sources", argc, argv, "/api/v1/sources", &out, &json);
	if (r != EXIT_OK)
		return r;
	if (!json) {
		printf("%-16s %-8s %-12s %-9s %-24s %s\n", "SOURCE", "KIND", "STATE", "WORKLOADS",
		       "LAST SYNC", "ENDPOINT / LAST ERROR");
		size_t i;
		json_t *v;
		json_array_foreach(out, i, v) {
			printf("%-16s %-8s %-12s %-9lld %-24s %s\n", online_str(v, "name"), online_str(v, "kind"),
			       online_str(v, "state"), (long long)json_integer_value(json_object_get(v, "workloads")),
			       online_str(v, "last_sync"), online_str(v, "endpoint"));
			if (json_string_value(json_object_get(v, "last_error")))
				printf("%-16s last error: %s\n", "", online_str(v, "last_error"));
		}
	}
	json_decref(out);
	return EXIT_OK;
}

int cmd_source(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "add"))
		return source_add(argc, argv);
	const char *pos[2] = { NULL }, *json = NULL;
	const struct cli_opt o[] = { { "json", 0, false, &json } };
	int r = cli_parse("source", argc, argv, o, 1, 2, 2, pos);
	if (r != EXIT_OK)
		return r;
	if (strcmp(pos[0], "rm"))
		return usage_error("source", "unknown subcommand '%s' (add or rm; static sources come "
				   "from 'inventory push')", pos[0]);
	char *n = cd_http_escape(pos[1]), *path = cd_asprintf("/api/v1/sources/%s", n);
	json_t *out;
	r = online_call("source", "DELETE", path, NULL, &out);
	free(n);
	free(path);
	if (r == EXIT_OK) {
		if (json)
			online_print_json(out);
		else
			printf("source %s removed\n", pos[1]);
	}
	json_decref(out);
	return r;
}

