/* cmd_backup.c - `cordon backup`: a manager's data directory in one
 * file, while it runs (manager/backup.h); cordond --restore puts it
 * back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "base/util.h"
#include "db/db.h"
#include "manager/backup.h"

const char help_backup[] =
	"usage: cordon backup --data-dir DIR FILE\n"
	"\n"
	"An online, consistent backup of the manager whose data directory is DIR\n"
	"(cordond --data-dir), into one file, while cordond runs or not: its\n"
	"SQLite databases (cordon.db, the state; metrics.db, the metrics), each\n"
	"copied with SQLite's backup API as one snapshot each, taken back to back, and its\n"
	"TLS certificate and key, admin.token and admin.password.  Run it as the\n"
	"manager's user.  FILE is written as FILE.tmp (mode 0600), synced, then\n"
	"renamed over FILE.  It holds the TLS key and the admin token: keep it as\n"
	"secret as DIR.  Restore it with cordond --restore FILE --data-dir DIR,\n"
	"cordond stopped.\n"
	"\n"
	"A manager on PostgreSQL (cordond --store) is backed up with pg_dump:\n"
	"'cordon backup --store TARGET' says how (docs/operations.md).\n"
	"\n"
	"Exit status: 0 done, 2 bad input (DIR not a manager's on SQLite, a\n"
	"PostgreSQL store), 1 another failure (nothing is left at FILE.tmp).\n"
	"\n"
	"examples:\n"
	"  sudo -u cordon cordon backup --data-dir /var/lib/cordon /var/backups/cordon-$(date +%F).backup\n"
	"  cordon backup --store 'postgresql://cordon@db.example/cordon'\n";

/* The state in PostgreSQL: what to run instead (exit 2). */
static int on_postgresql(const char *target)
{
	char why[256];
	/* the target written back only when it holds no password */
	bool show = target && cd_db_target_is_pg(target) &&
		    cd_db_target_has_password(target, why, sizeof(why)) == 0;
	fprintf(stderr,
		"cordon backup: the manager's state is in PostgreSQL: back it up with pg_dump, as\n"
		"  pg_dump --format=custom --file=cordon.pgdump '%s'\n"
		"and each manager's data directory (tls.crt, tls.key, admin.token, metrics.writer):\n"
		"  (umask 077; tar -C DIR -cf DIR.tar --exclude=metrics.lock --exclude=cordond.lock .)\n"
		"(restore: pg_restore; see docs/operations.md, \"Backup and restore\")\n",
		show ? target : "postgresql://USER@HOST:PORT/DB");
	return EXIT_BADINPUT;
}

int cmd_backup(int argc, char **argv)
{
	const char *dir = NULL, *store = NULL, *pos[1] = { NULL };
	const struct cli_opt o[] = { { "data-dir", 0, true, &dir }, { "store", 0, true, &store } };
	int r = cli_parse("backup", argc, argv, o, CD_ARRAY_LEN(o), 0, 1, pos);
	if (r != EXIT_OK)
		return r;
	if (store)
		return on_postgresql(store);
	if (!dir || !pos[0])
		return usage_error("backup", "give --data-dir DIR and the FILE to write");
	/* a data directory of a manager on PostgreSQL: its writer's number,
	 * no cordon.db */
	char *db = cd_asprintf("%s/cordon.db", dir), *writer = cd_asprintf("%s/metrics.writer", dir);
	bool pg = access(db, F_OK) < 0 && access(writer, F_OK) == 0;
	free(db);
	free(writer);
	if (pg)
		return on_postgresql(NULL);
	struct cd_backup_info info;
	struct cd_buf err;
	cd_buf_init(&err, 4096);
	r = cd_backup_make(dir, pos[0], &info, &err);
	if (r < 0) {
		fprintf(stderr, "cordon backup: %s\ncordon backup: no backup made\n", err.data);
		cd_buf_free(&err);
		return r == -ENOENT || r == -EINVAL ? EXIT_BADINPUT : EXIT_FAIL;
	}
	cd_buf_free(&err);
	printf("%s: a backup of %s (schema %lld), %llu bytes: %s\n", pos[0], dir,
	       (long long)info.schema, (unsigned long long)info.bytes, info.files);
	if (strstr(info.files, "tls.key") || strstr(info.files, "admin.token"))
		printf("%s holds secrets (the TLS key, the admin token): it is 0600, keep it so\n", pos[0]);
	return EXIT_OK;
}
