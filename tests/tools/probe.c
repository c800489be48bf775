/* probe.c - a traffic probe for the network-namespace tests.
 *
 *   probe serve PORT...          TCP and UDP echo servers on [::] (and so
 *                                on IPv4 too) on each PORT, until killed
 *   probe tcp ADDR PORT [MS]     connect; prints connected|refused|timeout
 *   probe udp ADDR PORT [MS]     send and await the echo; prints
 *                                reply|refused|timeout
 *   probe batch MS               read lines "tcp|udp ADDR PORT" and
 *                                "icmp ADDR" from stdin, try them all at
 *                                once, and after at most MS print one line
 *                                per input: allow (connected, echoed),
 *                                reject (refused, unreachable) or drop
 *                                (no answer; or, sent by the machine
 *                                itself, EPERM: its own netfilter dropped
 *                                it on the way out)
 *   probe sink PORT              accept TCP connections on [::]:PORT and
 *                                close them at once, as fast as it can
 *   probe rate ADDR PORT MS CONC open and reset TCP connections, CONC at a
 *                                time, for MS milliseconds; prints the
 *                                number of connections per second
 *   probe hold ADDR PORT         hold a TCP connection open, sending a
 *                                byte every 100 ms; prints "connected",
 *                                then "broken" when no echo comes back
 *                                within a second, and exits
 *
 * Exit status: 0 connected/reply, 1 refused, 2 timeout (or EPERM: a drop
 * on the machine's own way out), 3 usage or error.
 * Written in C so the tests need no netcat or Python on the host. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int to_sockaddr(const char *addr, int port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return AF_INET6;
	}
	return -1;
}

static int is_refusal(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EACCES || e == ECONNRESET;
}

/* What a packet of the machine's own dropped by netfilter on its way out
 * gives its sender (a drop seen from the inside, not a refusal) */
static int is_local_drop(int e)
{
	return e == EPERM;
}

/* a batch job's verdict from an error */
static const char *verdict_of(int e)
{
	return is_refusal(e) ? "reject" : is_local_drop(e) ? "drop" : "error";
}

static int client(int type, const char *addr, int port, int ms)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fam = to_sockaddr(addr, port, &ss, &len);
	if (fam < 0) {
		fprintf(stderr, "probe: bad address %s\n", addr);
		return 3;
	}
	int fd = socket(fam, type | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 3;
	int r = connect(fd, (struct sockaddr *)&ss, len);
	if (r < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		printf("%s\n", is_refusal(e) ? "refused" : is_local_drop(e) ? "timeout" : strerror(e));
		return is_refusal(e) ? 1 : is_local_drop(e) ? 2 : 3;
	}
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	if (type == SOCK_DGRAM) {
		if (send(fd, "ping", 4, 0) < 0 && (is_refusal(errno) || is_local_drop(errno))) {
			int e = errno;
			close(fd);
			printf(is_refusal(e) ? "refused\n" : "timeout\n");
			return is_refusal(e) ? 1 : 2;
		}
		p.events = POLLIN;
	}
	r = poll(&p, 1, ms);
	if (r == 0) {
		close(fd);
		printf("timeout\n");
		return 2;
	}
	int err = 0;
	socklen_t el = sizeof(err);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (!err && type == SOCK_DGRAM) {
		char buf[16];
		if (recv(fd, buf, sizeof(buf), 0) < 0)
			err = errno;
	}
	close(fd);
	if (err) {
		printf("%s\n", is_refusal(err) ? "refused" : is_local_drop(err) ? "timeout" : strerror(err));
		return is_refusal(err) ? 1 : is_local_drop(err) ? 2 : 3;
	}
	printf("%s\n", type == SOCK_STREAM ? "connected" : "reply");
	return 0;
}

static int serve(int nports, char **ports)
{
	struct pollfd p[256];
	bool listener[256] = { false };
	int n = 0;
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < nports && n + 2 <= 64; i++) {
		int port = atoi(ports[i]);
		for (int t = 0; t < 2; t++) {
			int fd = socket(AF_INET6, t ? SOCK_DGRAM : SOCK_STREAM, 0);
			int zero = 0, one = 1;
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			/* a UDP answer leaves from the address asked (a host has
			 * many: its answer must come from the one its client sent to) */
			if (t)
				setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
			struct sockaddr_in6 a = { .sin6_family = AF_INET6,
						  .sin6_port = htons((uint16_t)port),
						  .sin6_addr = IN6ADDR_ANY_INIT };
			if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
			    (!t && listen(fd, 128) < 0)) {
				perror("probe: bind");
				return 3;
			}
			p[n].fd = fd;
			p[n].events = POLLIN;
			listener[n] = true;
			n++;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			return 3;
		for (int i = 0; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			int type;
			socklen_t tl = sizeof(type);
			getsockopt(p[i].fd, SOL_SOCKET, SO_TYPE, &type, &tl);
			char buf[512];
			if (listener[i] && type == SOCK_STREAM) {
				int c = accept(p[i].fd, NULL, NULL);
				if (c < 0)
					continue;
				if (n == 256) {      /* full: a plain accept-and-close */
					close(c);
					continue;
				}
				p[n].fd = c;
				p[n].events = POLLIN;
				p[n].revents = 0;
				listener[n] = false;
				n++;
			} else if (listener[i]) {
				struct sockaddr_storage from;
				char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
				struct iovec iov = { buf, sizeof(buf) };
				struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from),
						    .msg_iov = &iov, .msg_iovlen = 1,
						    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
				ssize_t k = recvmsg(p[i].fd, &m, 0);
				if (k <= 0)
					continue;
				iov.iov_len = (size_t)k;
				/* the same pktinfo back: source = the address asked */
				struct cmsghdr *c = CMSG_FIRSTHDR(&m);
				if (c && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
					((struct in6_pktinfo *)(void *)CMSG_DATA(c))->ipi6_ifindex = 0;
					m.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
				} else {
					m.msg_control = NULL;
					m.msg_controllen = 0;
				}
				sendmsg(p[i].fd, &m, 0);
			} else {
				ssize_t k = recv(p[i].fd, buf, sizeof(buf), 0);
				if (k > 0 && send(p[i].fd, buf, (size_t)k, 0) == k)
					continue;
				close(p[i].fd);     /* EOF or error: drop it */
				p[i] = p[n - 1];
				listener[i] = listener[n - 1];
				n--;
				i--;
			}
		}
	}
}

static int hold(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fam = to_sockaddr(addr, port, &ss, &len);
	if (fam < 0)
		return 3;
	int fd = socket(fam, SOCK_STREAM, 0);
	struct timeval tv = { .tv_sec = 1 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		printf("refused\n");
		return 1;
	}
	printf("connected\n");
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		char c = 'x';
		if (send(fd, &c, 1, 0) != 1 || recv(fd, &c, 1, 0) != 1) {
			printf("broken\n");
			fflush(stdout);
			close(fd);
			return 1;
		}
		usleep(100 * 1000);
	}
}

/* --- batch: many probes at once ---------------------------------------- */

struct job {
	int type;            /* SOCK_STREAM, SOCK_DGRAM, or 0 for icmp */
	int fam;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;
	const char *result;  /* NULL while pending */
};

static uint16_t csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)(b[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* An echo request, id and seq in network order. */
static void send_echo(int fd, struct job *j, uint16_t id, uint16_t seq)
{
	uint8_t pkt[16] = { j->fam == AF_INET ? 8 : 128, 0, 0, 0 };
	memcpy(pkt + 4, &id, 2);
	memcpy(pkt + 6, &seq, 2);
	memcpy(pkt + 8, "cordon!!", 8);
	if (j->fam == AF_INET) {
		uint16_t c = csum(pkt, sizeof(pkt));
		memcpy(pkt + 2, &c, 2);
	}
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&j->ss, j->len) < 0)
		j->result = is_refusal(errno) ? "reject" : "drop";
}

/* Read one ICMP message from a raw socket and settle the job it answers. */
static void icmp_answer(int fd, int fam, struct job *jobs, int n, uint16_t id)
{
	uint8_t buf[1500];
	ssize_t k = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (k <= 0)
		return;
	size_t off = 0;
	if (fam == AF_INET)
		off = (size_t)(buf[0] & 0x0f) * 4;   /* raw v4 sockets see the IP header */
	if ((size_t)k < off + 8)
		return;
	uint8_t type = buf[off];
	const uint8_t *echo = buf + off;
	bool reply = fam == AF_INET ? type == 0 : type == 129;
	bool unreach = fam == AF_INET ? type == 3 : type == 1;
	if (unreach) {   /* the offending packet follows: its header, then our echo */
		size_t inner = fam == AF_INET ? off + 8 + (size_t)(buf[off + 8] & 0x0f) * 4
					      : off + 8 + 40;
		if ((size_t)k < inner + 8)
			return;
		echo = buf + inner;
		if (echo[0] != (fam == AF_INET ? 8 : 128))
			return;      /* an error about something else */
	} else if (!reply) {
		return;
	}
	uint16_t eid, seq;
	memcpy(&eid, echo + 4, 2);
	memcpy(&seq, echo + 6, 2);
	seq = ntohs(seq);
	if (eid != id || seq >= n || jobs[seq].type != 0 || jobs[seq].fam != fam ||
	    jobs[seq].result)
		return;
	jobs[seq].result = reply ? "allow" : "reject";
}

static int batch(int ms)
{
	struct job jobs[1024];
	int n = 0;
	char line[256];
	uint16_t id = htons((uint16_t)getpid());
	int raw4 = -1, raw6 = -1;
	while (n < 1024 && fgets(line, sizeof(line), stdin)) {
		char proto[8], addr[64];
		int port = 0;
		if (sscanf(line, "%7s %63s %d", proto, addr, &port) < 2)
			continue;
		struct job *j = &jobs[n++];
		memset(j, 0, sizeof(*j));
		j->fd = -1;
		j->type = !strcmp(proto, "tcp") ? SOCK_STREAM : !strcmp(proto, "udp") ? SOCK_DGRAM : 0;
		j->fam = to_sockaddr(addr, port, &j->ss, &j->len);
		if (j->fam < 0) {
			j->result = "error";
			continue;
		}
		if (j->type == 0) {
			int *raw = j->fam == AF_INET ? &raw4 : &raw6;
			if (*raw < 0)
				*raw = socket(j->fam, SOCK_RAW,
					      j->fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
			if (*raw < 0) {
				j->result = "error";
				continue;
			}
			send_echo(*raw, j, id, htons((uint16_t)(n - 1)));
			continue;
		}
		j->fd = socket(j->fam, j->type | SOCK_NONBLOCK, 0);
		if (connect(j->fd, (struct sockaddr *)&j->ss, j->len) < 0 && errno != EINPROGRESS)
			j->result = verdict_of(errno);
		else if (j->type == SOCK_DGRAM && send(j->fd, "ping", 4, 0) < 0)
			j->result = verdict_of(errno);
	}
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p[1026];
		int map[1026], np = 0;
		for (int i = 0; i < n; i++) {
			if (jobs[i].result || jobs[i].fd < 0)
				continue;
			p[np].fd = jobs[i].fd;
			p[np].events = jobs[i].type == SOCK_STREAM ? POLLOUT : POLLIN;
			map[np++] = i;
		}
		if (raw4 >= 0) {
			p[np].fd = raw4;
			p[np].events = POLLIN;
			map[np++] = -4;
		}
		if (raw6 >= 0) {
			p[np].fd = raw6;
			p[np].events = POLLIN;
			map[np++] = -6;
		}
		bool pending = false;
		for (int i = 0; i < n; i++)
			pending |= !jobs[i].result;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (!pending || left <= 0)
			break;
		if (poll(p, (nfds_t)np, (int)left) <= 0)
			continue;
		for (int k = 0; k < np; k++) {
			if (!p[k].revents)
				continue;
			if (map[k] < 0) {
				icmp_answer(p[k].fd, map[k] == -4 ? AF_INET : AF_INET6, jobs, n, id);
				continue;
			}
			struct job *j = &jobs[map[k]];
			int err = 0;
			socklen_t el = sizeof(err);
			getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &err, &el);
			if (!err && j->type == SOCK_DGRAM) {
				char b[16];
				if (recv(j->fd, b, sizeof(b), 0) < 0)
					err = errno;
			}
			j->result = !err ? "allow" : verdict_of(err);
		}
	}
	for (int i = 0; i < n; i++) {
		printf("%s\n", jobs[i].result ? jobs[i].result : "drop");
		if (jobs[i].fd >= 0)
			close(jobs[i].fd);
	}
	return 0;
}

/* --- rate: new connections per second ----------------------------------- */

static int start_conn(const struct sockaddr_storage *ss, socklen_t len, int fam)
{
	int fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };   /* close = RST: no TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int sink(int port)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	int zero = 0, one = 1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0) {
		perror("probe: sink");
		return 3;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

static int rate(const char *addr, int port, int ms, int conc)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fam = to_sockaddr(addr, port, &ss, &len);
	if (fam < 0 || conc < 1 || conc > 256)
		return 3;
	struct pollfd p[256];
	for (int i = 0; i < conc; i++) {
		p[i].fd = start_conn(&ss, len, fam);
		p[i].events = POLLOUT;
	}
	long done = 0, failed = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= ms)
			break;
		if (poll(p, (nfds_t)conc, (int)(ms - el)) <= 0)
			continue;
		for (int i = 0; i < conc; i++) {
			if (p[i].fd >= 0 && !p[i].revents)
				continue;
			int err = 0;
			socklen_t el2 = sizeof(err);
			if (p[i].fd >= 0) {
				getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &el2);
				close(p[i].fd);
				if (err)
					failed++;
				else
					done++;
			}
			p[i].fd = start_conn(&ss, len, fam);
		}
	}
	for (int i = 0; i < conc; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	printf("%.0f %ld\n", (double)done * 1000.0 / ms, failed);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sink"))
		return sink(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "rate"))
		return rate(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "batch"))
		return batch(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(argv[2], atoi(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argc - 2, argv + 2);
	if (argc >= 4 && (!strcmp(argv[1], "tcp") || !strcmp(argv[1], "udp")))
		return client(!strcmp(argv[1], "tcp") ? SOCK_STREAM : SOCK_DGRAM,
			      argv[2], atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 1000);
	fprintf(stderr, "usage: probe serve PORT... | probe tcp|udp ADDR PORT [MS] | probe hold ADDR PORT | probe batch MS\n"
		"       probe rate ADDR PORT MS CONC | probe sink PORT\n");
	return 3;
}
