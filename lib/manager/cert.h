/* cert.h - the manager's self-signed TLS certificate, made at first start.
 *
 * An ECDSA P-256 key (written 0600) and a certificate valid ten years for
 * localhost, 127.0.0.1, ::1 and the machine's host name, so that a client
 * can pin it with --cacert FILE. */
#ifndef CD_CERT_H
#define CD_CERT_H

#include "base/util.h"

/* Write key_path and cert_path; the error text goes to err. */
int cd_cert_make(const char *cert_path, const char *key_path, struct cd_buf *err);

#endif
