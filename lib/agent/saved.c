/* saved.c - the manager's state an agent saved, read back at its start
 * (see saved.h).  Only reads: the agent applies what it returns. */
#include "agent/saved.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"

/* A tag change as the journal holds it: one of the world's workloads,
 * its tags strings, a change number after the snapshot's and the last. */
static bool change_ok(const struct cd_saved *s, json_t *c, int64_t after)
{
	json_t *seq = json_object_get(c, "seq"), *tags = json_object_get(c, "tags"), *t;
	const char *name = json_string_value(json_object_get(c, "workload"));
	if (!json_is_integer(seq) || json_integer_value(seq) <= after || !json_is_array(tags) ||
	    !name || cd_inventory_find(&s->st->inv, name) < 0)
		return false;
	size_t i;
	json_array_foreach(tags, i, t)
		if (!json_is_string(t))
			return false;
	return true;
}

static void read_journal(const char *dir, struct cd_saved *s)
{
	char *path = cd_asprintf("%s/journal.jsonl", dir);
	FILE *f = fopen(path, "r");
	free(path);
	s->changes = json_array();
	if (!f)
		return;
	char *line = cd_malloc(CD_SAVED_LINE_MAX);
	int64_t last = s->seq;
	bool cut = false;              /* the rest of a line too long */
	while (fgets(line, CD_SAVED_LINE_MAX, f)) {
		size_t len = strlen(line);
		bool whole = len && line[len - 1] == '\n';
		if (cut) {             /* counted once, at its start */
			cut = !whole;
			continue;
		}
		/* a line longer than the buffer (not one a NUL made short) */
		cut = !whole && len == CD_SAVED_LINE_MAX - 1 && !feof(f);
		json_t *c = cut ? NULL : json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
		if (json_is_object(c) && change_ok(s, c, last)) {
			last = json_integer_value(json_object_get(c, "seq"));
			json_array_append(s->changes, c);
		} else if (len > 1 || cut) {
			s->damaged++;
		}
		json_decref(c);
	}
	free(line);
	fclose(f);
}

int cd_saved_read(const char *dir, struct cd_saved *s, struct cd_buf *err)
{
	memset(s, 0, sizeof(*s));
	char *path = cd_asprintf("%s/snapshot.json", dir), *text = NULL;
	size_t len;
	int r = cd_read_file(path, CD_SAVED_SNAPSHOT_MAX, &text, &len);
	json_t *snap = r ? NULL : json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	const char *pol = json_string_value(json_object_get(snap, "policy"));
	const char *inv = json_string_value(json_object_get(snap, "inventory"));
	json_t *seq = json_object_get(snap, "seq"), *rev = json_object_get(snap, "revision");
	if (r == -ENOENT) {
		free(path);
		return 0;
	}
	if (!pol || !inv || !json_is_integer(seq) || !json_is_integer(rev) ||
	    json_integer_value(seq) < 0 || json_integer_value(rev) < 0) {
		cd_buf_printf(err, "%s: %s: set aside", path, r ? strerror(-r) : "damaged");
		json_decref(snap);
		free(path);
		return 0;
	}
	s->st = cd_calloc(1, sizeof(*s->st));
	struct cd_diags d;
	cd_diags_init(&d);
	if (cd_state_parse(s->st, "inventory", inv, strlen(inv), "policy", pol, strlen(pol), &d) < 0) {
		cd_buf_printf(err, "%s: the state saved does not load (%s): set aside", path,
			      d.n ? d.v[0].msg : "unknown error");
		cd_diags_free(&d);
		cd_state_free(s->st);
		free(s->st);
		s->st = NULL;
		json_decref(snap);
		free(path);
		return 0;
	}
	cd_diags_free(&d);
	s->seq = json_integer_value(seq);
	s->rev = json_integer_value(rev);
	s->policy = cd_strdup(pol);
	s->inventory = cd_strdup(inv);
	json_decref(snap);
	free(path);
	read_journal(dir, s);
	return 1;
}

void cd_saved_free(struct cd_saved *s)
{
	if (s->st) {
		cd_state_free(s->st);
		free(s->st);
	}
	free(s->policy);
	free(s->inventory);
	json_decref(s->changes);
	memset(s, 0, sizeof(*s));
}
