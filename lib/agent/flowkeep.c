/* flowkeep.c - the flow keeper (see flowkeep.h). */
#define _GNU_SOURCE
#include "agent/flowkeep.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/self.h"

#define HELLO "cordon-flowkeep 1 "
#define BUSY "busy"
#define BYE "bye"

static int sock_path(const char *dir, struct sockaddr_un *a, struct cd_buf *err)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if ((size_t)snprintf(a->sun_path, sizeof(a->sun_path), "%s/keeper.sock", dir) >= sizeof(a->sun_path)) {
		cd_buf_printf(err, "%s/keeper.sock: the path is too long for a Unix socket", dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int wait_in(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int n;
	while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return n < 0 ? -errno : n == 0 ? -ETIMEDOUT : 0;
}

int cd_flowkeep_hello(const char *msg, size_t len, int nfds, unsigned *mask)
{
	size_t h = strlen(HELLO);
	if (len == strlen(BUSY) && !memcmp(msg, BUSY, len))
		return -EBUSY;
	if (len <= h || len > h + 1 || memcmp(msg, HELLO, h) || msg[h] < '0' || msg[h] > '7')
		return -EPROTO;
	*mask = (unsigned)(msg[h] - '0');
	int have = 0;
	for (int i = 0; i < CD_FK_N; i++)
		have += (int)(*mask >> i & 1);
	return have == nfds && *mask >> CD_FK_RING & 1 ? 0 : -EPROTO;
}

int cd_flowkeep_claim(const char *dir, int fds[CD_FK_N], int *conn, struct cd_buf *err)
{
	struct sockaddr_un a;
	for (int i = 0; i < CD_FK_N; i++)
		fds[i] = -1;
	int r = sock_path(dir, &a, err);
	if (r < 0)
		return r;
	int c = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
		r = -errno;
		if (c >= 0)
			close(c);
		return r;
	}
	char buf[64];
	union {
		char b[CMSG_SPACE(sizeof(int) * CD_FK_N)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	ssize_t n = -1;
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	if ((r = wait_in(c, 5000)) == 0 && (n = recvmsg(c, &m, MSG_CMSG_CLOEXEC)) < 0)
		r = -errno;
	/* a keeper of this agent's own user only */
	if (r == 0 && (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0 || cr.uid != geteuid()))
		r = -EPROTO;
	/* the descriptors, whatever the words say (none left open) */
	int got[CD_FK_N], ngot = 0;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); n >= 0 && h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
				if (ngot < CD_FK_N)
					got[ngot++] = fd;
				else
					close(fd);
			}
	unsigned mask = 0;
	if (r == 0)
		r = n > 0 ? cd_flowkeep_hello(buf, (size_t)n, ngot, &mask) : -EPROTO;
	if (r == -EPROTO)
		cd_buf_printf(err, "the flow keeper at %s answers what this agent does not read", a.sun_path);
	else if (r < 0 && r != -EBUSY)
		cd_buf_printf(err, "the flow keeper at %s does not answer: %s", a.sun_path, strerror(-r));
	if (r < 0) {
		for (int i = 0; i < ngot; i++)
			close(got[i]);
		close(c);
		return r;
	}
	for (int i = 0, k = 0; i < CD_FK_N; i++)
		fds[i] = mask >> i & 1 ? got[k++] : -1;
	*conn = c;
	return 0;
}

/* In the child, before exec: async-signal-safe calls only. */
static void child(const char *exe, char *const argv[], int listen_fd, const int fds[CD_FK_N])
{
	int high[CD_FK_N + 1], null = open("/dev/null", O_RDWR | O_CLOEXEC);
	high[0] = fcntl(listen_fd, F_DUPFD, 100);
	for (int i = 0; i < CD_FK_N; i++)
		high[i + 1] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD, 100) : -1;
	if (high[0] < 0 || null < 0)
		_exit(127);
	for (int i = 0; i <= CD_FK_N; i++) {
		if (i && fds[i - 1] >= 0 && high[i] < 0)
			_exit(127);
		if (high[i] >= 0 ? dup2(high[i], 3 + i) < 0 : close(3 + i) < 0 && errno != EBADF)
			_exit(127);
	}
	/* no terminal, no pipe of the agent's kept open */
	for (int i = 0; i < 3; i++)
		if (dup2(null, i) < 0)
			_exit(127);
	cd_close_from(3 + CD_FK_N + 1);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setsid();
	execv(exe, argv);
	_exit(127);
}

void cd_flowkeep_end(const char *dir)
{
	char *p = cd_asprintf("%s/keeper.pid", dir), *text = NULL, *cmd = NULL;
	size_t len;
	long pid = cd_read_file(p, 64, &text, &len) == 0 ? atol(text) : 0;
	free(text);
	free(p);
	if (pid <= 1)
		return;
	/* that process is a keeper of this directory (not a number reused) */
	p = cd_asprintf("/proc/%ld/cmdline", pid);
	bool ours = cd_read_file(p, 8192, &cmd, &len) == 0 && memmem(cmd, len, "--flow-keeper", 14) &&
		    memmem(cmd, len, dir, strlen(dir));
	free(p);
	free(cmd);
	if (!ours || kill((pid_t)pid, SIGTERM) < 0)
		return;
	for (int i = 0; i < 200 && kill((pid_t)pid, 0) == 0; i++)
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
}

int cd_flowkeep_spawn(const char *exe, const char *dir, const int fds[CD_FK_N], int *conn,
		      struct cd_buf *err)
{
	struct sockaddr_un a;
	int r = sock_path(dir, &a, err);
	if (r < 0)
		return r;
	unlink(a.sun_path);          /* a keeper gone (none answered there) */
	int l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 4) < 0) {
		r = -errno;
		cd_buf_printf(err, "cannot listen on %s: %s", a.sun_path, strerror(errno));
		if (l >= 0)
			close(l);
		return r;
	}
	char mask[8], *d = cd_strdup(dir);
	unsigned m = 0;
	for (int i = 0; i < CD_FK_N; i++)
		m |= fds[i] >= 0 ? 1u << i : 0;
	snprintf(mask, sizeof(mask), "%u", m);
	char *argv[] = { "cordon-agent", "--flow-keeper", d, mask, NULL };
	/* the program's own path read here, not in the child */
	char self[4096];
	if (!strcmp(exe, "/proc/self/exe"))
		exe = cd_self_exe(self, sizeof(self));
	/* twice: the keeper is no child of the agent's (none to reap it) */
	pid_t p = fork();
	if (p == 0) {
		if (_Fork() == 0)
			child(exe, argv, l, fds);
		_exit(0);
	}
	free(d);
	close(l);
	if (p < 0) {
		r = -errno;
		cd_buf_printf(err, "cannot start the flow keeper: %s", strerror(errno));
		return r;
	}
	int st;
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	/* the connection is what tells the keeper an agent has them; the
	 * copies it gives back are not needed (the caller has them) */
	int back[CD_FK_N];
	r = cd_flowkeep_claim(dir, back, conn, err);
	if (r < 0) {
		if (!err->len)
			cd_buf_printf(err, "the flow keeper started does not answer: %s", strerror(-r));
		cd_flowkeep_end(dir);   /* not left holding the sockets */
	}
	for (int i = 0; r == 0 && i < CD_FK_N; i++)
		if (back[i] >= 0)
			close(back[i]);
	return r;
}

void cd_flowkeep_release(int conn)
{
	if (conn < 0)
		return;
	ssize_t n = send(conn, BYE, strlen(BYE), MSG_NOSIGNAL);
	/* its end: the keeper has closed the descriptors (the kernel lets
	 * the log's group go), so an agent started next binds it again */
	if (n > 0)
		wait_in(conn, 2000);
	close(conn);
}

/* ---- the keeper ---- */

static int64_t now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

static void give(int c, unsigned mask)
{
	char msg[32];
	int n = snprintf(msg, sizeof(msg), HELLO "%u", mask), fds[CD_FK_N], k = 0;
	for (int i = 0; i < CD_FK_N; i++)
		if (mask >> i & 1)
			fds[k++] = 4 + i;
	union {
		char b[CMSG_SPACE(sizeof(int) * CD_FK_N)];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = { msg, (size_t)n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)k) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)k);
	memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)k);
	sendmsg(c, &m, MSG_NOSIGNAL);
}

int cd_flowkeep_serve(int argc, char **argv)
{
	char *e;
	unsigned long mask = argc == 2 ? strtoul(argv[1], &e, 10) : 0;
	if (argc != 2 || *e || !(mask >> CD_FK_RING & 1) || mask >= 1u << CD_FK_N ||
	    fcntl(3, F_GETFD) < 0) {
		fprintf(stderr, "cordon-agent --flow-keeper: the agent starts it (DIR MASK, descriptors 3 to 6)\n");
		return 2;
	}
	for (int i = 0; i < CD_FK_N; i++)
		if (mask >> i & 1 && fcntl(4 + i, F_GETFD) < 0) {
			fprintf(stderr, "cordon-agent --flow-keeper: descriptor %d is not open\n", 4 + i);
			return 2;
		}
	signal(SIGPIPE, SIG_IGN);
	char pid[32], *pid_path = cd_asprintf("%s/keeper.pid", argv[0]);
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (cd_write_file(pid_path, pid, (size_t)n, 0600) < 0) {
		free(pid_path);
		return 1;              /* the agent's claim fails, and it ends this one */
	}
	uid_t me = geteuid();
	int agent = -1;
	int64_t deadline = now_s() + CD_FLOWKEEP_WAIT_S;
	int status = 0;
	for (;;) {
		struct pollfd p[2] = { { 3, POLLIN, 0 }, { agent, POLLIN, 0 } };
		int left = agent >= 0 ? -1 : (int)(deadline - now_s()) * 1000;
		if (agent < 0 && left <= 0)
			break;                 /* no agent came back */
		int k = poll(p, 2, left);
		if (k < 0 && errno != EINTR) {
			status = 1;
			break;
		}
		if (k <= 0)
			continue;
		if (p[1].revents) {
			char b[8];
			ssize_t r = recv(agent, b, sizeof(b), MSG_DONTWAIT);
			if (r == (ssize_t)strlen(BYE) && !memcmp(b, BYE, strlen(BYE)))
				break;         /* stopped on purpose */
			if (r <= 0 && !(r < 0 && (errno == EAGAIN || errno == EINTR))) {
				close(agent);  /* gone: wait for the next */
				agent = -1;
				deadline = now_s() + CD_FLOWKEEP_WAIT_S;
			}
		}
		if (p[0].revents) {
			int c = accept4(3, NULL, NULL, SOCK_CLOEXEC);
			struct ucred cr;
			socklen_t len = sizeof(cr);
			if (c < 0)
				continue;
			if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != me) {
				close(c);
			} else if (agent >= 0) {
				send(c, BUSY, strlen(BUSY), MSG_NOSIGNAL);
				close(c);
			} else {
				give(c, (unsigned)mask);
				agent = c;
			}
		}
	}
	char *sock = cd_asprintf("%s/keeper.sock", argv[0]);
	unlink(sock);
	unlink(pid_path);
	free(sock);
	free(pid_path);
	for (int i = 0; i < CD_FK_N; i++)
		if (mask >> i & 1)
			close(4 + i);
	if (agent >= 0)
		close(agent);              /* after the descriptors: the agent waits for it */
	return status;
}
