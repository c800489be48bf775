/* scan.c - files scanned with libclamav (see scan.h). */
#define _GNU_SOURCE
#include "scan.h"

#include <clamav.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cd_scanner {
	pthread_mutex_t lock;
	struct cl_engine *engine;      /* the one new scans take */
	char *db;
	struct cd_scan_limits lim;
	unsigned sigs;
	int64_t stamp;                 /* the database's newest mtime, and size */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static cl_error_t init_rc;

/* libclamav's own messages: its first two errors are kept for ours (the
 * second names the file at fault); nothing is printed. */
static __thread char last_msg[256];

static void on_msg(enum cl_msg severity, const char *fullmsg, const char *msg, void *ctx)
{
	(void)fullmsg;
	(void)ctx;
	if (severity != CL_MSG_ERROR)
		return;
	/* the first two errors: what is wrong, and in which file */
	size_t n = strlen(last_msg);
	if (n && strchr(last_msg, ';'))
		return;
	snprintf(last_msg + n, sizeof(last_msg) - n, "%s%s", n ? "; " : "", msg);
	last_msg[strcspn(last_msg, "\n")] = 0;
}

static void init(void)
{
	cl_set_clcb_msg(on_msg);
	init_rc = cl_init(CL_INIT_DEFAULT);
}

/* The newest modification time (ns) and total size over the database's
 * files: a change of either is a new database. */
static int64_t stamp_of(const char *db)
{
	struct stat st;
	if (stat(db, &st) < 0)
		return -1;
	int64_t s = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec + st.st_size;
	if (!S_ISDIR(st.st_mode))
		return s;
	DIR *d = opendir(db);
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat fs;
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &fs, 0) < 0)
			continue;
		s += (int64_t)fs.st_mtim.tv_sec * 1000000000 + fs.st_mtim.tv_nsec + fs.st_size;
	}
	closedir(d);
	return s;
}

static struct cl_engine *build(const char *db, const struct cd_scan_limits *lim,
			       unsigned *sigs, struct cd_buf *err)
{
	struct cl_engine *e = cl_engine_new();
	if (!e) {
		cd_buf_printf(err, "libclamav could not make an engine");
		return NULL;
	}
	cl_engine_set_num(e, CL_ENGINE_MAX_FILESIZE, (long long)lim->max_filesize);
	cl_engine_set_num(e, CL_ENGINE_MAX_SCANSIZE, (long long)lim->max_scansize);
	cl_engine_set_num(e, CL_ENGINE_MAX_RECURSION, lim->max_recursion);
	cl_engine_set_num(e, CL_ENGINE_MAX_FILES, lim->max_files);
	cl_engine_set_num(e, CL_ENGINE_MAX_SCANTIME, lim->max_scantime_ms);
	*sigs = 0;
	last_msg[0] = 0;
	cl_error_t rc = cl_load(db, e, sigs, CL_DB_STDOPT);
	if (rc == CL_SUCCESS && *sigs == 0)
		rc = CL_EMALFDB;
	if (rc == CL_SUCCESS)
		rc = cl_engine_compile(e);
	if (rc != CL_SUCCESS) {
		cd_buf_printf(err, "loading the signatures from %s: %s", db,
			      last_msg[0] ? last_msg : *sigs == 0 && rc == CL_EMALFDB
			      ? "no signatures there" : cl_strerror(rc));
		cl_engine_free(e);
		return NULL;
	}
	return e;
}

int cd_scanner_open(struct cd_scanner **out, const char *db,
		    const struct cd_scan_limits *lim, struct cd_buf *err)
{
	*out = NULL;
	pthread_once(&init_once, init);
	if (init_rc != CL_SUCCESS) {
		cd_buf_printf(err, "libclamav does not start: %s", cl_strerror(init_rc));
		return -EIO;
	}
	struct cd_scanner *s = cd_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->db = cd_strdup(db);
	s->lim = *lim;
	s->stamp = stamp_of(db);
	s->engine = build(db, lim, &s->sigs, err);
	if (!s->engine) {
		cd_scanner_close(s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

void cd_scanner_close(struct cd_scanner *s)
{
	if (!s)
		return;
	if (s->engine)
		cl_engine_free(s->engine);
	pthread_mutex_destroy(&s->lock);
	free(s->db);
	free(s);
}

unsigned cd_scanner_signatures(struct cd_scanner *s)
{
	pthread_mutex_lock(&s->lock);
	unsigned n = s->sigs;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int cd_scanner_reload(struct cd_scanner *s, bool *reloaded, struct cd_buf *err)
{
	*reloaded = false;
	int64_t st = stamp_of(s->db);
	pthread_mutex_lock(&s->lock);
	bool same = st == s->stamp;
	pthread_mutex_unlock(&s->lock);
	if (same)
		return 0;
	unsigned sigs;
	/* built beside the engine in use: scans go on meanwhile */
	struct cl_engine *e = build(s->db, &s->lim, &sigs, err);
	if (!e)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	struct cl_engine *old = s->engine;
	s->engine = e;
	s->sigs = sigs;
	s->stamp = st;
	pthread_mutex_unlock(&s->lock);
	cl_engine_free(old);     /* drops our reference; scans hold theirs */
	*reloaded = true;
	return 0;
}

const char *cd_scan_verdict_name(enum cd_scan_verdict v)
{
	static const char *const n[] = { "clean", "infected", "skipped", "error" };
	return n[v];
}

void cd_scan_fd(struct cd_scanner *s, int fd, const char *name, struct cd_scan_result *r)
{
	memset(r, 0, sizeof(*r));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		r->verdict = CD_SCAN_ERROR;
		snprintf(r->why, sizeof(r->why), "cannot stat: %s", strerror(errno));
		return;
	}
	r->size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode)) {
		r->verdict = CD_SCAN_SKIPPED;
		snprintf(r->why, sizeof(r->why), "not a regular file");
		return;
	}
	if ((uint64_t)st.st_size > s->lim.max_filesize) {
		r->verdict = CD_SCAN_SKIPPED;
		snprintf(r->why, sizeof(r->why), "larger than the %llu-byte limit",
			 (unsigned long long)s->lim.max_filesize);
		return;
	}
	pthread_mutex_lock(&s->lock);
	struct cl_engine *e = s->engine;
	cl_engine_addref(e);
	pthread_mutex_unlock(&s->lock);
	struct cl_scan_options o = {
		.parse = ~0u,         /* every format libclamav knows */
	};
	const char *vir = NULL;
	unsigned long scanned = 0;
	cl_error_t rc = cl_scandesc(fd, name, &vir, &scanned, e, &o);
	if (rc == CL_VIRUS) {
		r->verdict = CD_SCAN_INFECTED;
		snprintf(r->signature, sizeof(r->signature), "%s", vir ? vir : "unknown");
	} else if (rc == CL_CLEAN) {
		r->verdict = CD_SCAN_CLEAN;
	} else {
		r->verdict = CD_SCAN_ERROR;
		snprintf(r->why, sizeof(r->why), "the engine failed: %s", cl_strerror(rc));
	}
	cl_engine_free(e);
}

void cd_scan_file(struct cd_scanner *s, const char *path, struct cd_scan_result *r)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		memset(r, 0, sizeof(*r));
		int e = errno;
		r->verdict = e == ELOOP ? CD_SCAN_SKIPPED : CD_SCAN_ERROR;
		snprintf(r->why, sizeof(r->why), "%s",
			 e == ELOOP ? "a symbolic link: not followed"
			 : e == ENOENT ? "it vanished before it could be scanned"
			 : strerror(e));
		return;
	}
	cd_scan_fd(s, fd, path, r);
	close(fd);
}
