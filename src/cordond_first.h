/* cordond_first.h - what a manager's first start makes: the admin API
 * token (DATA-DIR/admin.token) and the console's first user, admin, its
 * password in DATA-DIR/admin.password (both 0600).  Several managers
 * starting on one new database make the user once. */
#ifndef CORDOND_FIRST_H
#define CORDOND_FIRST_H

#include "manager/mgr.h"

/* 0, or -1 with the reason on stderr; log says where the files are. */
int cordond_first_start(struct cd_mgr *m, const char *dir, void (*log)(const char *line));

#endif
