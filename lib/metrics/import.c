/* import.c - an OpenMetrics text file into the metrics store (see
 * import.h).  The file is read a megabyte at a time and parsed in place;
 * each series is found by its text (name and labels in order) in a map,
 * so a sample costs a parse, a lookup and an append. */
#include "metrics/import.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/omtext.h"

/* a series' key and labels, made from one line (CD_OM_MAX_LINE) */
#define IMPORT_KEY_MAX (2 * CD_OM_MAX_LINE)
#define READ_SIZE (1 << 20)
#define MAX_FAMILIES 100000
#define COMMIT_EVERY 65536

enum type { T_GAUGE, T_COUNTER, T_HISTOGRAM, T_SUMMARY, T_SKIP };

struct importer {
	struct cd_mstore *st;
	struct cd_map families, series;   /* name -> type; key -> id */
	char **names;                      /* the maps' keys, owned */
	size_t nnames, capnames;
	int *types;
	size_t ntypes, captypes;
	int64_t *ids;
	size_t nids, capids;
	struct cd_buf key, labels;
};

static char *own(struct importer *im, const char *p, size_t n)
{
	char *s = cd_strndup(p, n);
	CD_PUSH(im->names, im->nnames, im->capnames, s);
	return s;
}

static int family_type(struct cd_om_str t)
{
	if (cd_om_eq(t, "counter"))
		return T_COUNTER;
	if (cd_om_eq(t, "histogram"))
		return T_HISTOGRAM;
	if (cd_om_eq(t, "summary"))
		return T_SUMMARY;
	return T_GAUGE;            /* gauge, untyped, unknown, info, stateset, gaugehistogram */
}

static bool type_of(struct importer *im, const char *name, size_t len, int *type)
{
	char buf[CD_OM_MAX_NAME + 1];
	memcpy(buf, name, len);
	buf[len] = 0;
	size_t i;
	if (cd_map_get(&im->families, buf, &i)) {
		/* Prometheus's text names a counter's samples as its family;
		 * a summary's bare name is its quantiles */
		*type = im->types[i] == T_COUNTER ? T_COUNTER : T_GAUGE;
		return true;
	}
	static const struct { const char *suffix; int of, is; } parts[] = {
		{ "_total", T_COUNTER, T_COUNTER }, { "_created", -1, T_SKIP },
		{ "_bucket", T_HISTOGRAM, T_COUNTER }, { "_count", -1, T_COUNTER },
		{ "_sum", -1, T_COUNTER },
	};
	for (size_t k = 0; k < CD_ARRAY_LEN(parts); k++) {
		size_t sl = strlen(parts[k].suffix);
		if (len <= sl || memcmp(name + len - sl, parts[k].suffix, sl))
			continue;
		buf[len - sl] = 0;
		if (cd_map_get(&im->families, buf, &i) &&
		    (parts[k].of < 0 ? im->types[i] != T_GAUGE : im->types[i] == parts[k].of)) {
			*type = parts[k].is;
			return true;
		}
		buf[len - sl] = parts[k].suffix[0];
	}
	*type = T_GAUGE;
	return false;
}

/* A label value, its escapes undone, into out (CD_OM_MAX_VALUE + 1). */
static void unescape(struct cd_om_str v, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.p[i];
		if (c == '\\' && i + 1 < v.len) {
			c = v.p[++i];
			if (c == 'n')
				c = '\n';
		}
		out[k++] = c;
	}
	out[k] = 0;
}

/* The series of a sample line, added when new: 0 or a negative code. */
static int series_of(struct importer *im, const struct cd_om_line *l, bool counter, int64_t *id)
{
	/* labels sorted by name: the same series whatever their order */
	size_t ord[CD_OM_MAX_LABELS];
	for (size_t i = 0; i < l->nlabels; i++) {
		size_t j = i;
		for (; j > 0; j--) {
			struct cd_om_str a = l->key[ord[j - 1]], b = l->key[i];
			int c = memcmp(a.p, b.p, a.len < b.len ? a.len : b.len);
			if (c < 0 || (c == 0 && a.len < b.len))
				break;
			ord[j] = ord[j - 1];
		}
		ord[j] = i;
	}
	/* (a line's parts, within the line's limit: the buffers' limit is
	 * past it, so they fail only if that changes) */
	cd_buf_reset(&im->labels);
	int r = 0;
	for (size_t i = 0; !r && i < l->nlabels; i++) {
		const struct cd_om_str *k = &l->key[ord[i]], *v = &l->val[ord[i]];
		r = i ? cd_buf_add(&im->labels, ",", 1) : 0;
		r = r ? r : cd_buf_add(&im->labels, k->p, k->len);
		r = r ? r : cd_buf_add(&im->labels, "=\"", 2);
		r = r ? r : cd_buf_add(&im->labels, v->p, v->len);
		r = r ? r : cd_buf_add(&im->labels, "\"", 1);
	}
	cd_buf_reset(&im->key);
	r = r ? r : cd_buf_add(&im->key, l->name.p, l->name.len);
	r = r ? r : cd_buf_add(&im->key, "{", 1);
	if (!r && im->labels.len)
		r = cd_buf_add(&im->key, im->labels.data, im->labels.len);
	r = r ? r : cd_buf_add(&im->key, "}", 1);
	if (r)
		return r;
	size_t i;
	if (cd_map_get(&im->series, im->key.data, &i)) {
		*id = im->ids[i];
		return 0;
	}
	char val[3][CD_OM_MAX_VALUE + 1];
	static const char *const obj[] = { "vm", "datastore", "host" };
	const char *kind = "";
	val[0][0] = val[1][0] = val[2][0] = 0;
	for (size_t o = 0; o < 3; o++)
		for (size_t k = 0; k < l->nlabels; k++)
			if (cd_om_eq(l->key[k], obj[o]) && !*kind) {
				kind = obj[o];
				unescape(l->val[k], val[0]);
			}
	for (size_t k = 0; k < l->nlabels; k++) {
		if (cd_om_eq(l->key[k], "host"))
			unescape(l->val[k], val[1]);
		if (cd_om_eq(l->key[k], "source"))
			unescape(l->val[k], val[2]);
	}
	char *metric = cd_strndup(l->name.p, l->name.len);
	struct cd_series_desc d = { .metric = metric, .labels = im->labels.data ? im->labels.data : "",
				    .kind = kind, .name = val[0], .host = val[1],
				    .source = val[2], .counter = counter };
	r = cd_mstore_series(im->st, &d, id);
	free(metric);
	if (r)
		return r;
	cd_map_put(&im->series, own(im, im->key.data, im->key.len), im->nids, NULL);
	CD_PUSH(im->ids, im->nids, im->capids, *id);
	return 0;
}

static int line(struct importer *im, const char *p, size_t len, struct cd_loc loc,
		struct cd_diags *d, struct cd_import_stats *stats, bool *eof)
{
	struct cd_om_line l;
	size_t col;
	const char *msg;
	if (*eof) {
		if (len) {
			cd_error(d, loc, "text after # EOF");
			return -EINVAL;
		}
		return 0;
	}
	if (cd_om_parse(p, len, &l, &col, &msg)) {
		loc.col = (int)col;
		cd_error(d, loc, "%s", msg);
		return -EINVAL;
	}
	if (l.what == CD_OM_EOF)
		*eof = true;
	if (l.what == CD_OM_TYPE) {
		if (im->ntypes == MAX_FAMILIES) {
			cd_error(d, loc, "more than %d metric families", MAX_FAMILIES);
			return -E2BIG;
		}
		char *name = own(im, l.name.p, l.name.len);
		if (!cd_map_put(&im->families, name, im->ntypes, NULL)) {
			cd_error(d, loc, "a second # TYPE for %s", name);
			return -EINVAL;
		}
		CD_PUSH(im->types, im->ntypes, im->captypes, family_type(l.type));
	}
	if (l.what != CD_OM_SAMPLE)
		return 0;
	if (!l.has_t) {
		loc.col = (int)len + 1;
		cd_error(d, loc, "a sample without a timestamp");
		return -EINVAL;
	}
	int type;
	type_of(im, l.name.p, l.name.len, &type);
	if (type == T_SKIP)
		return 0;
	int64_t id;
	int r = series_of(im, &l, type == T_COUNTER, &id);
	if (r) {
		cd_error(d, loc, "%s", r == -EEXIST ? "a series both counter and gauge"
				       : r == -ENOSPC ? "too many series for the store"
				       : r == -E2BIG ? "the series' name and labels are too long"
				       : "the store cannot take the series");
		return r;
	}
	r = cd_mstore_append(im->st, id, l.t_ms, l.v);
	if (r) {
		char t[CD_TIME_STRLEN];
		cd_error(d, loc, "a sample not after its series' previous one (%s)",
			 cd_time_fmt(l.t_ms * 1000, t));
		return r;
	}
	if (++stats->samples % COMMIT_EVERY == 0 && (r = cd_mstore_commit(im->st))) {
		cd_error(d, loc, "the store cannot be written");
		return r;
	}
	return 0;
}

int cd_metrics_import(struct cd_mstore *st, FILE *f, const char *file, struct cd_diags *d,
		      struct cd_import_stats *stats)
{
	struct importer im = { .st = st };
	cd_map_init_exact(&im.families);
	cd_map_init_exact(&im.series);
	cd_buf_init(&im.key, IMPORT_KEY_MAX);
	cd_buf_init(&im.labels, IMPORT_KEY_MAX);
	memset(stats, 0, sizeof(*stats));
	size_t cap = READ_SIZE + CD_OM_MAX_LINE + 2, have = 0;
	char *buf = cd_malloc(cap);
	bool eof = false, end = false;
	int r = 0, first = 0;
	struct cd_loc loc = { .file = file, .line = 0, .col = 1 };
	while (!end && cd_nerrors(d) < d->max) {
		size_t got = fread(buf + have, 1, cap - have - 1, f);
		if (got == 0) {
			if (ferror(f)) {
				r = -EIO;
				cd_error(d, (struct cd_loc){ .file = file }, "cannot be read");
				break;
			}
			end = true;
			if (have && buf[have - 1] != '\n')
				buf[have++] = '\n';   /* the last line without its newline */
		}
		have += got;
		size_t start = 0;
		for (;;) {
			char *nl = memchr(buf + start, '\n', have - start);
			if (!nl)
				break;
			loc.line++;
			loc.col = 1;
			stats->lines++;
			int e = line(&im, buf + start, (size_t)(nl - (buf + start)), loc, d, stats, &eof);
			if (e && !first)
				first = e;
			start = (size_t)(nl - buf) + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have > CD_OM_MAX_LINE) {
			loc.line++;
			loc.col = CD_OM_MAX_LINE + 1;
			cd_error(d, loc, "a line over 64 KiB");
			first = first ? first : -EINVAL;
			break;
		}
	}
	if (!r)
		r = first;
	if (!r)
		r = cd_mstore_commit(st);
	stats->series = im.nids;
	for (size_t i = 0; i < im.nnames; i++)
		free(im.names[i]);
	free(im.names);
	free(im.types);
	free(im.ids);
	cd_map_free(&im.families);
	cd_map_free(&im.series);
	cd_buf_free(&im.key);
	cd_buf_free(&im.labels);
	free(buf);
	return r;
}
