/* cordond_opts.h - cordond's command line: one table of its options
 * (name, argument, help, setter), read into a configuration; --help is
 * printed from the same table. */
#ifndef CORDOND_OPTS_H
#define CORDOND_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "manager/mgr.h"
#include "metrics/service.h"

struct cordond_config {
	const char *dir;              /* --data-dir */
	const char *listen_at;        /* --listen, ADDR:PORT */
	const char *target;           /* --store: PostgreSQL, or NULL: SQLite in dir */
	const char *console_dir;
	const char *tls_cert, *tls_key; /* --tls-cert, --tls-key: an operator's pair (NULL: DIR's own) */
	unsigned conn_max, conn_per_addr, idle_s;
	struct cd_mgr_options mopt;   /* the manager's limits */
	struct cd_msvc_opts mso;      /* the metrics': retention, remote write */
	const char *conf;             /* the file read (NULL: none) */
	bool check_only;              /* --check-config */
	bool fingerprint_only;        /* --fingerprint */
	const char *restore;          /* --restore FILE: restore the data directory, and exit */
};

#define CORDOND_CONF "/etc/cordon/cordond.conf"

/* Reads the configuration file (--config FILE, else CORDOND_CONF when it
 * exists) and then argv into cfg (its defaults first).  Returns 0 to run, 1 when
 * --help or --version printed what they print (exit 0), -EINVAL when an
 * argument is wrong: the message said on stderr (exit 2). */
int cordond_config_read(int argc, char **argv, struct cordond_config *cfg);

/* --help, from the table. */
void cordond_usage(FILE *f);

#endif
