/*
 * rawsend - sends one Ethernet frame, given in hex, on an interface:
 * the test guests' way to forge what a hostile guest would (another VM's
 * source, a foreign MAC, a gratuitous ARP, a router advertisement).
 * Built static into the guests' initramfs (busybox cannot send raw
 * frames).  Usage: rawsend IFNAME HEX
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned char frame[1514];
	size_t n = 0, len;
	struct sockaddr_ll sa = { .sll_family = AF_PACKET };
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: rawsend IFNAME HEX\n");
		return 2;
	}
	len = strlen(argv[2]);
	if (len % 2 || len / 2 > sizeof(frame) || len < 28) {
		fprintf(stderr, "rawsend: a frame is 14 to 1514 bytes, in hex\n");
		return 2;
	}
	for (; n < len / 2; n++) {
		unsigned v;
		if (sscanf(argv[2] + 2 * n, "%2x", &v) != 1) {
			fprintf(stderr, "rawsend: not hex at %zu\n", 2 * n);
			return 2;
		}
		frame[n] = (unsigned char)v;
	}
	sa.sll_ifindex = (int)if_nametoindex(argv[1]);
	sa.sll_halen = 6;
	memcpy(sa.sll_addr, frame, 6);
	if (!sa.sll_ifindex) {
		perror(argv[1]);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 || sendto(fd, frame, n, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)n) {
		perror("rawsend");
		return 1;
	}
	close(fd);
	return 0;
}
