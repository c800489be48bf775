/* cordond_tls.h - the manager's certificate and key: its own (made at
 * the first start, DATA-DIR/tls.crt and tls.key) or an operator's
 * (--tls-cert, --tls-key), handed to libmicrohttpd at each handshake
 * (manager/tlscreds.h) and read again on SIGHUP. */
#ifndef CORDOND_TLS_H
#define CORDOND_TLS_H

/* Make the pair if it is the manager's own and missing, and load it.
 * cert and key: the operator's, or NULL.  0, or -1 said on stderr. */
int cordond_tls_start(const char *dir, const char *cert, const char *key,
		      void (*log)(const char *line));
/* SIGHUP: read again, used from the next handshake on (a pair that does
 * not load is not used, and said). */
void cordond_tls_reload(void);
void cordond_tls_stop(void);

#endif
