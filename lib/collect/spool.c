/* spool.c - collections waiting on disk (see spool.h). */
#include "collect/spool.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *path_of(const struct cd_spool *s, const struct cd_spool_file *f)
{
	return cd_asprintf("%s/%013" PRId64 "-%zu.json", s->dir, f->t, f->n);
}

static int by_time(const void *a, const void *b)
{
	const struct cd_spool_file *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

static void drop_oldest(struct cd_spool *s, size_t k, bool counted)
{
	for (size_t i = 0; i < k && i < s->nv; i++) {
		char *p = path_of(s, &s->v[i]);
		unlink(p);
		free(p);
		s->bytes -= s->v[i].bytes;
		if (counted)
			s->dropped += s->v[i].n;
	}
	k = k < s->nv ? k : s->nv;
	if (!k)
		return;
	memmove(s->v, s->v + k, (s->nv - k) * sizeof(*s->v));
	s->nv -= k;
}

int cd_spool_open(struct cd_spool *s, const char *dir, size_t max_bytes, struct cd_buf *err)
{
	memset(s, 0, sizeof(*s));
	s->dir = cd_strdup(dir);
	s->max_bytes = max_bytes;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		cd_buf_printf(err, "cannot make %s: %s", dir, strerror(e));
		return -e;
	}
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		cd_buf_printf(err, "cannot read %s: %s", dir, strerror(e));
		return -e;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		int64_t t;
		size_t n;
		int used = 0;
		size_t nl = strlen(de->d_name);
		if (nl > 4 && !strcmp(de->d_name + nl - 4, ".tmp")) {
			char *p = cd_asprintf("%s/%s", dir, de->d_name);
			unlink(p);         /* a collection a crash cut short */
			free(p);
			continue;
		}
		if (sscanf(de->d_name, "%" SCNd64 "-%zu.json%n", &t, &n, &used) != 2 ||
		    de->d_name[used] || t < 0)
			continue;          /* not one of the spool's */
		struct cd_spool_file f = { .t = t, .n = n };
		char *p = path_of(s, &f);
		struct stat sb;
		if (!stat(p, &sb) && S_ISREG(sb.st_mode) && !strcmp(strrchr(p, '/') + 1, de->d_name)) {
			f.bytes = (size_t)sb.st_size;
			CD_PUSH(s->v, s->nv, s->cap, f);
			s->bytes += f.bytes;
		}
		free(p);
	}
	closedir(d);
	if (s->nv)
		qsort(s->v, s->nv, sizeof(*s->v), by_time);
	return 0;
}

void cd_spool_close(struct cd_spool *s)
{
	free(s->dir);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int cd_spool_put(struct cd_spool *s, int64_t t, json_t *entries)
{
	char *text = json_dumps(entries, JSON_COMPACT);
	if (!text)
		return -EINVAL;
	struct cd_spool_file f = { .t = t, .n = json_array_size(entries), .bytes = strlen(text) };
	/* room first: the oldest go */
	size_t k = 0, bytes = s->bytes;
	while (k < s->nv && bytes + f.bytes > s->max_bytes)
		bytes -= s->v[k++].bytes;
	drop_oldest(s, k, true);
	if (f.bytes > s->max_bytes || (s->nv && s->v[s->nv - 1].t >= t)) {
		s->dropped += f.n;         /* larger than the spool, or not after the last */
		free(text);
		return -ENOSPC;
	}
	char *p = path_of(s, &f);
	int r = cd_write_file(p, text, f.bytes, 0600);
	free(p);
	free(text);
	if (r)
		return r;
	CD_PUSH(s->v, s->nv, s->cap, f);
	s->bytes += f.bytes;
	return 0;
}

json_t *cd_spool_peek(struct cd_spool *s, size_t max_entries, size_t max_bytes, size_t *nfiles)
{
	json_t *all = json_array();
	size_t k = 0, entries = 0, bytes = 0;
	while (k < s->nv) {
		const struct cd_spool_file *f = &s->v[k];
		if (k && (entries + f->n > max_entries || bytes + f->bytes > max_bytes))
			break;
		char *p = path_of(s, f);
		json_error_t je;
		json_t *a = json_load_file(p, 0, &je);
		free(p);
		if (!json_is_array(a)) {   /* unreadable: dropped, counted */
			json_decref(a);
			if (k == 0) {
				drop_oldest(s, 1, true);
				continue;
			}
			break;
		}
		json_array_extend(all, a);
		json_decref(a);
		entries += f->n;
		bytes += f->bytes;
		k++;
	}
	*nfiles = k;
	if (!k) {
		json_decref(all);
		return NULL;
	}
	return all;
}

void cd_spool_ack(struct cd_spool *s, size_t nfiles)
{
	drop_oldest(s, nfiles, false);
}
