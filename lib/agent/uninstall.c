/* uninstall.c - undoing what the agent did to the kernel (see uninstall.h). */
#define _GNU_SOURCE
#include "agent/uninstall.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/flowkeep.h"
#include "dataplane/nft.h"

#define ACCT "/proc/sys/net/netfilter/nf_conntrack_acct"
#define ACCT_NAME "nf_conntrack_acct"

void cd_uninstall_note(const char *dir)
{
	char *path = cd_asprintf("%s/sysctl.orig", dir), *v = NULL, *snap = cd_asprintf("%s/snapshot.json", dir);
	size_t len = 0;
	int rr = access(path, F_OK) < 0 ? cd_read_file(ACCT, 64, &v, &len) : -EEXIST;
	if (rr == -ENOENT || (rr == 0 && len && v[0] >= '0' && v[0] <= '9')) {
		/* conntrack not loaded yet (the agent loads it): off, as it
		 * comes; an agent that ran here before without noting (release
		 * 0.1.0) turned accounting on, so what it found is not known:
		 * the kernel's default, off, is what removal puts back */
		char was = rr == -ENOENT || access(snap, F_OK) == 0 ? '0' : v[0];
		char line[64];
		int n = snprintf(line, sizeof(line), ACCT_NAME "=%c\n", was);
		cd_write_file(path, line, (size_t)n, 0600);
	}
	free(v);
	free(snap);
	free(path);
}

static int put_back(const char *dir, struct cd_buf *err)
{
	char *path = cd_asprintf("%s/sysctl.orig", dir), *v = NULL;
	size_t len = 0;
	int r = cd_read_file(path, 4096, &v, &len);
	if (r == -ENOENT) {          /* never changed here */
		free(path);
		return 0;
	}
	const char *val = NULL;
	if (r == 0 && len >= sizeof(ACCT_NAME) + 1 && !memcmp(v, ACCT_NAME "=", sizeof(ACCT_NAME)) &&
	    (v[sizeof(ACCT_NAME)] == '0' || v[sizeof(ACCT_NAME)] == '1'))
		val = v + sizeof(ACCT_NAME);
	if (r == 0 && !val)
		r = -EINVAL;
	if (r == 0) {
		int fd = open(ACCT, O_WRONLY | O_CLOEXEC);
		r = fd < 0 ? -errno : write(fd, val, 1) == 1 ? 0 : -errno;
		if (fd >= 0)
			close(fd);
		if (r == -ENOENT)    /* conntrack not loaded any more: nothing to put back */
			r = 0;
	}
	if (r < 0)
		cd_buf_printf(err, "%s: %s", path, r == -EINVAL ? "not what the agent wrote" : strerror(-r));
	else
		unlink(path);
	free(v);
	free(path);
	return r;
}

int cd_uninstall(const char *dir, const char *netns, struct cd_buf *err)
{
	char *fdir = cd_asprintf("%s/flows", dir);
	cd_flowkeep_end(fdir);
	free(fdir);
	int home = -1, ns = -1, r = 0;
	if (netns) {
		char *p = strchr(netns, '/') ? cd_strdup(netns) : cd_asprintf("/run/netns/%s", netns);
		ns = open(p, O_RDONLY | O_CLOEXEC);
		home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (ns < 0 || home < 0 || setns(ns, CLONE_NEWNET) < 0) {
			r = -errno;
			cd_buf_printf(err, "the network namespace %s: %s", p, strerror(-r));
		}
		free(p);
	}
	if (r == 0) {
		struct cd_buf e;
		cd_buf_init(&e, 1 << 16);
		r = cd_nft_replace("", false, &e);     /* the three tables, and nothing else */
		if (r < 0)
			cd_buf_printf(err, "deleting the tables: %s", e.data);
		cd_buf_free(&e);
		int p = put_back(dir, err);
		r = r < 0 ? r : p;
		if (netns && setns(home, CLONE_NEWNET) < 0)
			r = r < 0 ? r : -errno;
	}
	if (ns >= 0)
		close(ns);
	if (home >= 0)
		close(home);
	return r;
}
