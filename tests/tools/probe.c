/* probe.c - a traffic probe for the network-namespace tests.
 *
 *   probe serve PORT...          TCP and UDP echo servers on [::] (and so
 *                                on IPv4 too) on each PORT, until killed
 *   probe tcp ADDR PORT [MS]     connect; prints connected|refused|timeout
 *   probe udp ADDR PORT [MS]     send and await the echo; prints
 *                                reply|refused|timeout
 *   probe hold ADDR PORT         hold a TCP connection open, sending a
 *                                byte every 100 ms; prints "connected",
 *                                then "broken" when no echo comes back
 *                                within a second, and exits
 *
 * Exit status: 0 connected/reply, 1 refused, 2 timeout, 3 usage or error.
 * Written in C so the tests need no netcat or Python on the host. */
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
	       e == EACCES || e == EPERM || e == ECONNRESET;
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
		printf("%s\n", is_refusal(e) ? "refused" : strerror(e));
		return is_refusal(e) ? 1 : 3;
	}
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	if (type == SOCK_DGRAM) {
		if (send(fd, "ping", 4, 0) < 0 && is_refusal(errno)) {
			close(fd);
			printf("refused\n");
			return 1;
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
		printf("%s\n", is_refusal(err) ? "refused" : strerror(err));
		return is_refusal(err) ? 1 : 3;
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
				socklen_t fl = sizeof(from);
				ssize_t k = recvfrom(p[i].fd, buf, sizeof(buf), 0,
						     (struct sockaddr *)&from, &fl);
				if (k > 0)
					sendto(p[i].fd, buf, (size_t)k, 0,
					       (struct sockaddr *)&from, fl);
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

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(argv[2], atoi(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argc - 2, argv + 2);
	if (argc >= 4 && (!strcmp(argv[1], "tcp") || !strcmp(argv[1], "udp")))
		return client(!strcmp(argv[1], "tcp") ? SOCK_STREAM : SOCK_DGRAM,
			      argv[2], atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 1000);
	fprintf(stderr, "usage: probe serve PORT... | probe tcp|udp ADDR PORT [MS] | probe hold ADDR PORT\n");
	return 3;
}
