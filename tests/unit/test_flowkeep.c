/* test_flowkeep.c - the flow keeper, run as this program is
 * (/proc/self/exe --flow-keeper): it gives the descriptors it holds to one
 * agent at a time (another is told it is busy), holds them when its agent
 * dies and gives the same ones to the next, and ends when its agent stops
 * on purpose. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "agent/flowkeep.h"
#include "test.h"

static long keeper_pid(const char *dir)
{
	char *p = cd_asprintf("%s/keeper.pid", dir), *text = NULL;
	size_t len;
	long pid = cd_read_file(p, 64, &text, &len) == 0 ? atol(text) : 0;
	free(text);
	free(p);
	return pid;
}

static void nap_ms(long ms)
{
	nanosleep(&(struct timespec){ ms / 1000, ms % 1000 * 1000000 }, NULL);
}

TEST(flowkeep_holds_for_the_next_agent)
{
	char t[] = "/tmp/cordon-keep.XXXXXX";
	ASSERT(mkdtemp(t));
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	int pipe_fd[2], ring = memfd_create("ring", MFD_CLOEXEC);
	ASSERT_EQ(pipe2(pipe_fd, O_CLOEXEC), 0);
	ASSERT_EQ(pwrite(ring, "abc", 3, 0), 3);
	int mine[CD_FK_N] = { pipe_fd[0], -1, ring }, conn, fds[CD_FK_N], other;
	ASSERT_EQ(cd_flowkeep_spawn("/proc/self/exe", t, mine, &conn, &err), 0);
	long pid = keeper_pid(t);
	ASSERT(pid > 0 && kill((pid_t)pid, 0) == 0);
	/* one agent at a time */
	ASSERT_EQ(cd_flowkeep_claim(t, fds, &other, &err), -EBUSY);
	/* the agent dies: the next takes the same descriptors (the keeper
	 * sees the end of the first connection, then answers) */
	close(conn);
	int r = -EBUSY;
	for (int i = 0; i < 500 && r == -EBUSY; i++) {
		r = cd_flowkeep_claim(t, fds, &conn, &err);
		if (r == -EBUSY)
			nap_ms(10);
	}
	ASSERT_EQ(r, 0);
	ASSERT_EQ(fds[CD_FK_LOG], -1);
	char b[4] = { 0 };
	ASSERT_EQ(write(pipe_fd[1], "x", 1), 1);
	ASSERT_EQ(read(fds[CD_FK_CT], b, 1), 1);
	ASSERT_EQ(b[0], 'x');
	ASSERT_EQ(pread(fds[CD_FK_RING], b, 3, 0), 3);
	ASSERT_STR_EQ(b, "abc");
	close(fds[CD_FK_CT]);
	close(fds[CD_FK_RING]);
	/* stopped on purpose: the keeper ends, its socket gone */
	cd_flowkeep_release(conn);
	ASSERT_EQ(cd_flowkeep_claim(t, fds, &other, &err), -ENOENT);
	for (int i = 0; i < 500 && kill((pid_t)pid, 0) == 0; i++)
		nap_ms(10);
	ASSERT(kill((pid_t)pid, 0) < 0 && errno == ESRCH);
	ASSERT_EQ(keeper_pid(t), 0);
	close(pipe_fd[0]);
	close(pipe_fd[1]);
	close(ring);
	cd_buf_free(&err);
	rmdir(t);
}
