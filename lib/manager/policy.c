/* policy.c - policy revisions: pushed, rolled back (see mgr.h). */
#include "manager/mgr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "manager/mgr_priv.h"
#include "policy/docedit.h"
#include "base/util.h"

static int set_policy(struct cd_mgr *m, const char *name, const char *text, size_t len,
		      const char *comment, const struct cd_actor *a, struct cd_diags *d,
		      int64_t *rev)
{
	struct cd_state *st;
	int r = cd_mgr_build(&st, cd_mgr_inventory(m), name, text, len, d);
	if (r < 0) {
		cd_mgr_state_drop(st);
		return -EINVAL;
	}
	char *doc = cd_strndup(text, len);
	int64_t now = cd_mgr_now();
	r = cd_mgr_begin(m);
	if (r == 0)
		r = cd_store_rev_add(m->store, CD_DOC_POLICY, doc, a ? a->name : NULL, comment, now, rev);
	if (r == 0)
		r = cd_mgr_event(m, "policy", NULL, NULL, a, json_pack("{s:I}", "revision", (json_int_t)*rev),
				 "policy revision %lld: %s", (long long)*rev, comment);
	r = cd_mgr_finish(m, r);
	if (r < 0) {
		free(doc);
		cd_mgr_state_drop(st);
		return r;
	}
	cd_revision_free(&m->pol);
	m->pol = (struct cd_revision){ .rev = *rev, .time = now, .doc = doc,
				       .author = cd_strdup(a ? a->name : "-"),
				       .comment = cd_strdup(comment) };
	cd_mgr_install(m, st, cd_strdup(cd_mgr_inventory(m)));
	cd_mgr_reset_stream(m);
	return 0;
}

int cd_mgr_push_policy(struct cd_mgr *m, const char *name, const char *text,
		       size_t len, const struct cd_actor *a, struct cd_diags *d,
		       int64_t *rev)
{
	return set_policy(m, name, text, len, "pushed", a, d, rev);
}

int cd_mgr_check_policy(struct cd_mgr *m, const char *name, const char *text,
			size_t len, struct cd_diags *d)
{
	struct cd_state *st;
	int r = cd_mgr_build(&st, cd_mgr_inventory(m), name, text, len, d);
	cd_mgr_state_drop(st);
	return r < 0 ? -EINVAL : 0;
}

int cd_mgr_rollback(struct cd_mgr *m, int64_t rev, const struct cd_actor *a,
		    struct cd_diags *d, int64_t *newrev)
{
	struct cd_revision old = { 0 };
	int r = cd_store_rev_get(m->store, CD_DOC_POLICY, rev, &old);
	if (r < 0)
		return r;
	char comment[64], name[64];
	snprintf(comment, sizeof(comment), "rollback to revision %lld", (long long)rev);
	snprintf(name, sizeof(name), "revision %lld", (long long)rev);
	r = set_policy(m, name, old.doc, strlen(old.doc), comment, a, d, newrev);
	cd_revision_free(&old);
	return r;
}


int cd_mgr_promote(struct cd_mgr *m, const int64_t *ids, size_t n, const struct cd_actor *a,
		   struct cd_diags *d, int64_t *rev, size_t *changed)
{
	if (!m->pol.rev || !m->pol.doc) {
		cd_error(d, (struct cd_loc){ "policy", 0, 0 }, "no policy has been pushed yet");
		return -ENOENT;
	}
	const char *now = m->pol.doc;
	char *doc;
	int r = cd_doc_set_mode("policy", now, strlen(now), ids, n, "staged", "enforced", &doc,
				changed, d);
	if (r < 0)
		return r;
	char comment[96];
	snprintf(comment, sizeof(comment), "%zu staged rule%s promoted", *changed,
		 *changed == 1 ? "" : "s");
	if (*changed)
		r = set_policy(m, "policy", doc, strlen(doc), comment, a, d, rev);
	free(doc);
	return r;
}
