/* backup_priv.h - what backup.c (making and checking a backup) and
 * restore.c (putting one back) share; nothing else includes it. */
#ifndef CD_BACKUP_PRIV_H
#define CD_BACKUP_PRIV_H

#include <stdint.h>

#include "db/db.h"
#include "manager/backup.h"

enum cd_bk_kind { K_STORE, K_METRICS, K_SMALL };

/* The files a backup may hold, in the order they are written. */
struct cd_bk_known {
	const char *name;
	enum cd_bk_kind kind;
};
extern const struct cd_bk_known cd_bk_known[];
#define CD_BK_NKNOWN 6
/* what else a directory holds of a database (moved aside with it) */
extern const char *const cd_bk_db_sides[3];

/* A file of a backup, as its row says (and its parts, counted). */
struct cd_bk_entry {
	const struct cd_bk_known *k;
	int64_t mode, size;
	char sha[65];
	int64_t parts, got;       /* counted in the parts' table */
};

/* err said (replacing what it held): r */
int cd_bk_say(struct cd_buf *err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* fsync of a file or directory: 0 or -errno */
int cd_bk_sync_path(const char *path);
/* The backup at file opened and checked whole (tables, files, every
 * byte against its SHA-256): *b open (closed on error), e per known
 * file (k NULL: not in it). */
int cd_bk_check(const char *file, struct cd_db **b, struct cd_bk_entry e[CD_BK_NKNOWN],
		struct cd_backup_info *info, struct cd_buf *err);
/* A file's parts into fd (checked as they are read): 0, -EINVAL, -errno. */
int cd_bk_stream(struct cd_db *b, const char *file, const struct cd_bk_entry *e, int fd,
		 const char *path, struct cd_buf *err);

#endif
