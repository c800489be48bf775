/* backup.h - a manager's data directory in one file, and back.
 *
 * A backup is an SQLite file of its own (PRAGMA application_id 'cdbk'),
 * with three tables:
 *   backup(key, value)             format (1), made (RFC 3339), cordon (its
 *                                  version), schema (cordon.db's), host;
 *   files(name, mode, size, sha256) each file of the directory it holds;
 *   parts(name, n, data)           a file's bytes, in pieces of at most
 *                                  16 MiB (n from 0; an SQLite value holds
 *                                  1 GB at most, a store may hold more).
 * It holds cordon.db and metrics.db, each copied with SQLite's online
 * backup API in one step while cordond runs (one snapshot each, taken back
 * to back before either is copied), and tls.crt, tls.key, admin.token and
 * admin.password as they are (those present): everything a manager on
 * SQLite needs to start again as it was, its certificate included (the
 * agents pinned to its key still trust it).  Not the -wal and -shm files
 * (the snapshot holds what they held), nor metrics.lock.  It holds the
 * TLS key and the admin token: it is written 0600, and is as secret as
 * the data directory.
 *
 * Why an SQLite file rather than a tar: SQLite writes and checks it
 * (PRAGMA integrity_check, then every file's size and SHA-256), nothing
 * here parses bytes by hand, and `sqlite3 FILE` shows what is in it.
 *
 * Functions return 0 or a negative errno code, with a message naming the
 * file and what is wrong in err: -EINVAL a file that is not a whole
 * backup of cordon's (nothing changed), -EPROTO a backup of a newer
 * cordon's schema, -EBUSY a process (cordond) holds the data directory,
 * -ENOENT a directory with no cordon.db; others: the system's. */
#ifndef CD_BACKUP_H
#define CD_BACKUP_H

#include <stdint.h>

#include "base/util.h"

struct cd_backup_info {
	char made[CD_TIME_STRLEN];     /* when, RFC 3339 UTC */
	char cordon[32];               /* the version of cordon that made it */
	char host[128];                /* the machine it was made on */
	int64_t schema;                /* cordon.db's schema version */
	uint64_t bytes;                /* the files' sizes summed */
	char files[128];               /* their names, ", " between */
};

/* The data directory dir (its cordond running or not) into file: written
 * to FILE.tmp (0600; the two snapshots beside it as FILE.tmp.cordon.db and
 * FILE.tmp.metrics.db, removed after), synced, renamed over file.  On
 * error nothing is left but what was at file before. */
int cd_backup_make(const char *dir, const char *file, struct cd_backup_info *info,
		   struct cd_buf *err);

/* Whether file is a whole backup this cordon can restore: an SQLite file
 * of cordon's backups, whole (integrity check), of a known format, its
 * files' names known and their parts in order and bounded, each file's
 * bytes of the size and SHA-256 its row says, cordon.db among them, of a
 * schema not newer than this cordon's.  Reads only.  (The databases it
 * holds are checked once restore has written them.) */
int cd_backup_check(const char *file, struct cd_backup_info *info, struct cd_buf *err);

/* file restored into dir (made 0700 when missing), no process holding it
 * (DIR/metrics.lock, which cordond holds while it runs, taken meanwhile):
 * checked (cd_backup_check), its files written into a directory beside
 * the others (DIR/.restore-XXXXXX), each checked against its size and
 * SHA-256, the databases against their integrity check and tables, all
 * synced; then the files they replace moved into DIR/before-restore-TIME
 * (*aside, caller frees; NULL when there were none) and the new ones
 * renamed into place.  On error, DIR is left as it was: the file is
 * checked whole before anything is made in DIR, and what the checks of
 * the databases written find wrong removes the directory they were
 * written in. */
int cd_backup_restore(const char *file, const char *dir, struct cd_backup_info *info,
		      char **aside, struct cd_buf *err);

/* The mark a restore leaves in the data directory while it swaps the
 * files: cordond does not start on a directory that has it. */
#define CD_BACKUP_PENDING ".restore-pending"

#endif
