/* netns.c - the root tests run in a network namespace of their own.
 *
 * Before the first test the process leaves the machine's namespace
 * (unshare(CLONE_NEWNET)); every table, set and conntrack entry the tests
 * make lives and dies with it, and the machine's own ruleset is never seen. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor(101))) static void private_netns(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test-root: needs root (CAP_NET_ADMIN)\n");
		exit(77);
	}
	if (unshare(CLONE_NEWNET) < 0) {
		perror("test-root: unshare(CLONE_NEWNET)");
		exit(1);
	}
	/* lo up, for tests that send traffic to 127.0.0.1 */
	if (system("ip link set lo up") != 0)
		fprintf(stderr, "test-root: could not bring lo up\n");
}
