/* tlscreds.h - the manager's TLS certificate and key as its listener
 * uses them, read again on SIGHUP.
 *
 * The pair is its own (made at first start, cert.h) or an operator's
 * (--tls-cert, --tls-key: a chain in PEM, the server's certificate
 * first, and its key).  libmicrohttpd asks for it at each handshake
 * (cd_tlscreds_retrieve, GnuTLS's certificate callback), so a reload
 * takes effect at the next handshake with no connection dropped.  A new
 * pair is checked whole before it is used (both files read, the key the
 * certificate's): one that is not stays unused, and the old goes on.
 * Pairs replaced are kept until the process ends: a handshake under way
 * may still hold one (a reload is an operator's act, rare). */
#ifndef CD_TLSCREDS_H
#define CD_TLSCREDS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>

#include "base/pin.h"
#include "base/util.h"

/* Read cert_path and key_path and make them the pair handshakes use
 * (the first call, or a reload).  0, with pin the pair's key's pin and
 * *changed whether it differs from the pair used before (false at the
 * first call); else -errno with err said and the pair before kept. */
int cd_tlscreds_load(const char *cert_path, const char *key_path, char pin[CD_PIN_LEN], bool *changed,
		     struct cd_buf *err);
/* GnuTLS's gnutls_certificate_retrieve_function2, for libmicrohttpd's
 * MHD_OPTION_HTTPS_CERT_CALLBACK: the current pair. */
int cd_tlscreds_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
			 const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
			 unsigned int *pcert_length, gnutls_privkey_t *pkey);
/* Every pair loaded, freed (at exit, once the listener is stopped). */
void cd_tlscreds_free(void);

#endif
