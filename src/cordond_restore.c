/* cordond_restore.c - cordond --restore (cordond_restore.h). */
#include "cordond_restore.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manager/backup.h"
#include "manager/store.h"

int cordond_restore(const char *file, const char *dir)
{
	umask(077);     /* the database, the key, the token: the manager's alone */
	/* the files made are the running user's: the directory's owner's,
	 * or the service (User=cordon) could not read what root restored */
	struct stat sb;
	if (stat(dir, &sb) == 0 && sb.st_uid != geteuid()) {
		struct passwd *pw = getpwuid(sb.st_uid);
		fprintf(stderr, "cordond: %s belongs to %s: restore as that user (sudo -u %s cordond "
			"--restore ...), so that cordond can read what is restored; nothing restored\n", dir,
			pw ? pw->pw_name : "another user", pw ? pw->pw_name : "THE-OWNER");
		return 2;
	}
	struct cd_backup_info info;
	struct cd_buf err;
	char *aside;
	cd_buf_init(&err, 8192);
	int r = cd_backup_restore(file, dir, &info, &aside, &err);
	if (r < 0) {
		fprintf(stderr, "cordond: %s\ncordond: nothing restored, %s left as it was\n", err.data, dir);
		cd_buf_free(&err);
		return r == -EINVAL || r == -EPROTO ? 2 : 1;
	}
	cd_buf_free(&err);
	printf("cordond: restored %s into %s: %s (%llu bytes; made %s by cordon %s on %s, schema %lld; "
	       "this cordond's is %lld)\n", file, dir, info.files, (unsigned long long)info.bytes,
	       info.made, info.cordon, info.host, (long long)info.schema,
	       (long long)cd_store_schema_version());
	if (aside)
		printf("cordond: the files it replaced are in %s\n", aside);
	printf("cordond: start cordond on %s as before%s\n", dir,
	       info.schema < cd_store_schema_version() ? " (it brings the schema up to date)" : "");
	free(aside);
	return 0;
}
