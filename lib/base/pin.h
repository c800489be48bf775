/* pin.h - the pin of a certificate's public key, as curl's
 * PINNEDPUBLICKEY and cordon-agent --fingerprint take it: "sha256//" and
 * the base64 of the SHA-256 of its SubjectPublicKeyInfo (DER).  It stays
 * while the key does: a certificate made again for the same key keeps it.
 * The manager says its own (cordond --fingerprint); an enrolling agent
 * says the one a manager presents (cordon-agent enroll). */
#ifndef CD_PIN_H
#define CD_PIN_H

#include <stddef.h>

#include "base/util.h"

#define CD_PIN_LEN 64           /* "sha256//" + 44 + NUL, rounded up */

/* The pin of the first certificate in pem (PEM text, len bytes). */
int cd_pin_of_pem(const char *pem, size_t len, char out[CD_PIN_LEN], struct cd_buf *err);

#endif
