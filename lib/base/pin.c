/* pin.c - a certificate's public key pin (GnuTLS). */
#include "base/pin.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>

int cd_pin_of_pem(const char *pem, size_t len, char out[CD_PIN_LEN], struct cd_buf *err)
{
	if (len > 1u << 20) {
		cd_buf_printf(err, "a certificate of %zu bytes", len);
		return -EINVAL;
	}
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t in = { (unsigned char *)pem, (unsigned)len }, der = { 0 }, b64 = { 0 };
	unsigned char digest[32];
	int g, r = 0;
	if ((g = gnutls_x509_crt_init(&crt)) < 0 || (g = gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM)) < 0 ||
	    (g = gnutls_pubkey_init(&pub)) < 0 || (g = gnutls_pubkey_import_x509(pub, crt, 0)) < 0 ||
	    (g = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der)) < 0 ||
	    (g = gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, digest)) < 0 ||
	    (g = gnutls_base64_encode2(&(gnutls_datum_t){ digest, sizeof(digest) }, &b64)) < 0) {
		cd_buf_printf(err, "%s", gnutls_strerror(g));
		r = -EINVAL;
	} else {
		snprintf(out, CD_PIN_LEN, "sha256//%.*s", (int)b64.size, (const char *)b64.data);
	}
	gnutls_free(der.data);
	gnutls_free(b64.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return r;
}
