/* restore.c - a backup put back into a data directory (see backup.h):
 * checked whole first (backup.c), written beside, the files it replaces
 * set aside, then renamed in; undone on an error. */
#define _GNU_SOURCE
#include "manager/backup.h"
#include "manager/backup_priv.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "manager/store.h"
#include "metrics/chunkdb.h"

/* ---- restoring one ---- */

/* One file of the backup written to path (0600, then its mode without
 * group or other write or execute), checked again as it is written,
 * synced: 0, -EINVAL or -errno. */
static int extract(struct cd_db *b, const char *file, const struct cd_bk_entry *e, const char *path,
		   struct cd_buf *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cd_bk_say(err, -errno, "%s: %s", path, strerror(errno));
	int r = cd_bk_stream(b, file, e, fd, path, err);
	if (r == 0 && (fchmod(fd, (mode_t)((e->mode & 0644) | 0600)) < 0 || fsync(fd) < 0))
		r = cd_bk_say(err, -errno, "%s: %s", path, strerror(errno));
	close(fd);
	return r;
}

/* The databases written checked by their owners: whole, with their
 * tables, cordon.db of the schema the backup says. */
static int check_dbs(const char *file, const char *stage, const struct cd_bk_entry e[CD_BK_NKNOWN],
		     const struct cd_backup_info *info, struct cd_buf *err)
{
	char why[512];
	char *p = cd_asprintf("%s/cordon.db", stage);
	int64_t v;
	int r = cd_store_file_check(p, true, &v, why, sizeof(why));
	free(p);
	if (r < 0)
		return cd_bk_say(err, r == -EPROTO ? -EPROTO : -EINVAL, "%s: its cordon.db: %s", file, why);
	if (v != info->schema)
		return cd_bk_say(err, -EINVAL, "%s: damaged: its cordon.db is of schema %lld, its table backup "
			   "says %lld", file, (long long)v, (long long)info->schema);
	if (!e[1].k)
		return 0;
	p = cd_asprintf("%s/metrics.db", stage);
	r = cd_chunkdb_file_check(p, true, why, sizeof(why));
	free(p);
	return r < 0 ? cd_bk_say(err, -EINVAL, "%s: its metrics.db: %s", file, why) : 0;
}

/* The renames made, to undo in reverse order. */
struct moves {
	char *from[CD_BK_NKNOWN * 5], *to[CD_BK_NKNOWN * 5];
	size_t n;
};

static int move(struct moves *m, char *from, char *to, struct cd_buf *err)
{
	if (rename(from, to) < 0) {
		int e = errno;
		cd_bk_say(err, -e, "cannot move %s to %s: %s", from, to, strerror(e));
		free(from);
		free(to);
		return -e;
	}
	m->from[m->n] = from;
	m->to[m->n++] = to;
	return 0;
}

/* Each rename undone (undo) or not, in reverse order; one that cannot
 * be undone is added to err's message. */
static void moves_free(struct moves *m, bool undo, struct cd_buf *err)
{
	while (m->n > 0) {
		m->n--;
		if (undo && rename(m->to[m->n], m->from[m->n]) < 0)
			cd_buf_printf(err, "; and %s could not be moved back to %s: %s", m->to[m->n],
				      m->from[m->n], strerror(errno));
		free(m->from[m->n]);
		free(m->to[m->n]);
	}
}

/* A new directory DIR/before-restore-TIME (-2, -3, ... when there is
 * one already), or NULL said. */
static char *make_aside(const char *dir, struct cd_buf *err)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	for (int k = 1; k < 100; k++) {
		char *a = k == 1 ? cd_asprintf("%s/before-restore-%s", dir, when)
				 : cd_asprintf("%s/before-restore-%s-%d", dir, when, k);
		if (mkdir(a, 0700) == 0)
			return a;
		int e = errno;
		if (e != EEXIST || k == 99)
			cd_bk_say(err, -e, "cannot make %s: %s", a, strerror(e));
		free(a);
		if (e != EEXIST)
			break;
	}
	return NULL;
}

/* The files of dir the restore replaces (those there) moved into a new
 * DIR/before-restore-TIME (*aside; none there: NULL), then the new ones
 * from stage into place. */
static int swap_in(const char *dir, const char *stage, const struct cd_bk_entry e[CD_BK_NKNOWN], char **aside,
		   struct moves *m, struct cd_buf *err)
{
	*aside = NULL;
	struct stat sb;
	/* while the names change, a mark: a restore cut here (a crash, a
	 * power cut) leaves some files old and some new, and cordond
	 * refuses to start on that until a restore ends */
	char *mark = cd_asprintf("%s/" CD_BACKUP_PENDING, dir);
	int r = cd_write_file(mark, "", 0, 0600);
	if (r == 0 && (r = cd_bk_sync_path(dir)) < 0)
		unlink(mark);
	if (r < 0) {
		cd_bk_say(err, r, "%s: %s", mark, strerror(-r));
		free(mark);
		return r;
	}
	for (size_t i = 0; r == 0 && i < CD_BK_NKNOWN; i++) {
		size_t nside = cd_bk_known[i].kind == K_SMALL ? 0 : CD_ARRAY_LEN(cd_bk_db_sides);
		for (size_t s = 0; r == 0 && s <= nside; s++) {
			const char *side = s ? cd_bk_db_sides[s - 1] : "";
			char *from = cd_asprintf("%s/%s%s", dir, cd_bk_known[i].name, side);
			if (lstat(from, &sb) < 0) {
				free(from);
				continue;
			}
			if (!*aside && !(*aside = make_aside(dir, err))) {
				free(from);
				return -EIO;
			}
			r = move(m, from, cd_asprintf("%s/%s%s", *aside, cd_bk_known[i].name, side), err);
		}
	}
	for (size_t i = 0; r == 0 && i < CD_BK_NKNOWN; i++)
		if (e[i].k)
			r = move(m, cd_asprintf("%s/%s", stage, cd_bk_known[i].name),
				 cd_asprintf("%s/%s", dir, cd_bk_known[i].name), err);
	if (r == 0 && (r = cd_bk_sync_path(dir)) < 0)
		cd_bk_say(err, r, "%s: %s", dir, strerror(-r));
	if (r == 0 && *aside && (r = cd_bk_sync_path(*aside)) < 0)
		cd_bk_say(err, r, "%s: %s", *aside, strerror(-r));
	/* (on an error the moves are undone by the caller, then the mark) */
	if (r == 0) {
		unlink(mark);
		cd_bk_sync_path(dir);
	}
	free(mark);
	return r;
}

int cd_backup_restore(const char *file, const char *dir, struct cd_backup_info *info,
		      char **aside, struct cd_buf *err)
{
	*aside = NULL;
	struct cd_db *b;
	struct cd_bk_entry e[CD_BK_NKNOWN];
	int r = cd_bk_check(file, &b, e, info, err);
	if (r < 0)
		return r;
	/* the directory, and its lock: no cordond on it meanwhile */
	bool dir_made = mkdir(dir, 0700) == 0;
	struct stat sb;
	int st = stat(dir, &sb);
	if (st < 0 || !S_ISDIR(sb.st_mode)) {
		int en = st < 0 ? errno : ENOTDIR;
		cd_db_close(b);
		return cd_bk_say(err, -en, "%s: %s", dir, strerror(en));
	}
	char *pend = cd_asprintf("%s/" CD_BACKUP_PENDING, dir);
	bool was_pending = access(pend, F_OK) == 0;     /* a restore cut before this one */
	free(pend);
	char *lockf = cd_asprintf("%s/metrics.lock", dir), *stage = NULL;
	char *dlockf = cd_asprintf("%s/cordond.lock", dir);
	bool lock_made = access(lockf, F_OK) < 0, dlock_made = access(dlockf, F_OK) < 0;
	int lock = -1, dlock = -1;
	char why[512];
	struct moves m = { .n = 0 };
	/* cordond's lock of the directory, taken first at its start, then the
	 * metrics' (a cordond of 0.1.0 held that one only) */
	r = cd_lock_path(dlockf, &dlock);
	if (r == -EBUSY) {
		cd_bk_say(err, r, "%s is in use: a cordond runs on it (it holds %s); stop it first", dir, dlockf);
		goto out;
	} else if (r < 0) {
		cd_bk_say(err, r, "%s: %s", dlockf, strerror(-r));
		goto out;
	}
	r = cd_chunkdb_lock(dir, &lock, why, sizeof(why));
	if (r == -EBUSY) {
		cd_bk_say(err, r, "%s is in use: a cordond runs on it (it holds %s); stop it first", dir, lockf);
		goto out;
	} else if (r < 0) {
		cd_bk_say(err, r, "%s", why);
		goto out;
	}
	/* the new files beside the others, each checked, all synced */
	stage = cd_asprintf("%s/.restore-XXXXXX", dir);
	if (!mkdtemp(stage)) {
		r = cd_bk_say(err, -errno, "%s: %s", stage, strerror(errno));
		free(stage);
		stage = NULL;
		goto out;
	}
	for (size_t i = 0; r == 0 && i < CD_BK_NKNOWN; i++) {
		if (!e[i].k)
			continue;
		char *p = cd_asprintf("%s/%s", stage, cd_bk_known[i].name);
		r = extract(b, file, &e[i], p, err);
		free(p);
	}
	if (r == 0)
		r = check_dbs(file, stage, e, info, err);
	if (r == 0 && (r = cd_bk_sync_path(stage)) < 0)
		cd_bk_say(err, r, "%s: %s", stage, strerror(-r));
	if (r == 0)
		r = swap_in(dir, stage, e, aside, &m, err);
out:
	cd_db_close(b);
	moves_free(&m, r < 0, err);
	if (r < 0 && !was_pending) {     /* undone: the directory as it was */
		char *mark = cd_asprintf("%s/" CD_BACKUP_PENDING, dir);
		unlink(mark);
		free(mark);
	}
	if (stage) {
		for (size_t i = 0; i < CD_BK_NKNOWN; i++) {
			char *p = cd_asprintf("%s/%s", stage, cd_bk_known[i].name);
			unlink(p);
			free(p);
		}
		rmdir(stage);
		free(stage);
	}
	if (r < 0 && *aside) {
		rmdir(*aside);      /* (emptied by the undo) */
		free(*aside);
		*aside = NULL;
	}
	if (r < 0 && lock_made)
		unlink(lockf);
	if (lock >= 0)
		close(lock);
	if (r < 0 && dlock_made)
		unlink(dlockf);
	if (dlock >= 0)
		close(dlock);
	if (r < 0 && dir_made)
		rmdir(dir);
	free(lockf);
	free(dlockf);
	return r;
}
