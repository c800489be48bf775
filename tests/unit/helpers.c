/* helpers.c - building worlds from strings in unit tests. */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

#include "test.h"

int load_world(struct cd_state *st, const char *inv, const char *pol,
	       char **errors)
{
	struct cd_diags d;
	cd_diags_init(&d);
	int r = cd_state_parse(st, "inv.yaml", inv, strlen(inv), "pol.yaml", pol,
			       strlen(pol), &d);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cd_diags_print(&d, f);
	fclose(f);
	cd_diags_free(&d);
	if (errors)
		*errors = buf;
	else
		free(buf);
	return r;
}

void must_load(struct cd_state *st, const char *inv, const char *pol)
{
	char *e;
	if (load_world(st, inv, pol, &e) < 0)
		test_fail(__FILE__, __LINE__, "documents did not load:\n%s", e);
	free(e);
}

static const char small_inv[] =
	"workloads:\n"
	"  - {name: web-1, host: hv1, tags: [app=web], vnics: [{ifname: t1, ips: [10.0.0.1]}]}\n"
	"  - {name: db-1, host: hv2, tags: [app=db], vnics: [{ifname: t2, ips: [10.0.0.2]}]}\n";

char *policy_errors(const char *pol)
{
	struct cd_state st;
	char *e;
	load_world(&st, small_inv, pol, &e);
	cd_state_free(&st);
	return e;
}

char *inventory_errors(const char *inv)
{
	struct cd_state st;
	char *e;
	load_world(&st, inv, "rules: []\n", &e);
	cd_state_free(&st);
	return e;
}
