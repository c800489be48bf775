/* cert.h - the manager's self-signed TLS certificate, made at first start.
 *
 * An ECDSA P-256 key (written 0600) and a certificate valid ten years for
 * localhost, 127.0.0.1, ::1 and the machine's host name, so that a client
 * can trust it with --cacert FILE, or pin its key (cd_cert_pin). */
#ifndef CD_CERT_H
#define CD_CERT_H

#include "base/pin.h"
#include "base/util.h"

/* Write key_path and cert_path; the error text goes to err. */
int cd_cert_make(const char *cert_path, const char *key_path, struct cd_buf *err);
/* The pin of cert_path's public key (base/pin.h). */
#define CD_CERT_PIN_LEN CD_PIN_LEN
int cd_cert_pin(const char *cert_path, char out[CD_CERT_PIN_LEN], struct cd_buf *err);

#endif
