/* cert.c - the self-signed certificate (GnuTLS, as libmicrohttpd uses). */
#include "manager/cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int write_file(const char *path, const gnutls_datum_t *d, mode_t mode)
{
	return cd_write_file(path, d->data, d->size, mode);
}

int cd_cert_make(const char *cert_path, const char *key_path, struct cd_buf *err)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kpem = { 0 }, cpem = { 0 };
	int g, r = -EIO;
	const char *what = "key";
	if ((g = gnutls_x509_privkey_init(&key)) < 0 ||
	    (g = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0)
		goto out;
	what = "certificate";
	unsigned char serial[16];
	if ((g = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
		goto out;
	serial[0] &= 0x7f;
	time_t now = time(NULL);
	char host[256] = "localhost";
	gethostname(host, sizeof(host) - 1);
	unsigned char v4[4], v6[16];
	inet_pton(AF_INET, "127.0.0.1", v4);
	inet_pton(AF_INET6, "::1", v6);
	if ((g = gnutls_x509_crt_init(&crt)) < 0 ||
	    (g = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (g = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (g = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (g = gnutls_x509_crt_set_expiration_time(crt, now + 10L * 366 * 86400)) < 0 ||
	    (g = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					       "cordond", 7)) < 0 ||
	    (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost",
						      9, GNUTLS_FSAN_APPEND)) < 0 ||
	    (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host,
						      (unsigned)strlen(host), GNUTLS_FSAN_APPEND)) < 0 ||
	    (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v4, 4,
						      GNUTLS_FSAN_APPEND)) < 0 ||
	    (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v6, 16,
						      GNUTLS_FSAN_APPEND)) < 0 ||
	    /* a CA of itself, so that --cacert accepts it */
	    (g = gnutls_x509_crt_set_basic_constraints(crt, 1, -1)) < 0 ||
	    (g = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
					       GNUTLS_KEY_KEY_CERT_SIGN)) < 0 ||
	    (g = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (g = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (g = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
		goto out;
	what = "PEM export";
	if ((g = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem)) < 0 ||
	    (g = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem)) < 0)
		goto out;
	g = 0;
	if ((r = write_file(key_path, &kpem, 0600)) < 0) {
		cd_buf_printf(err, "%s: %s", key_path, strerror(-r));
		goto out;
	}
	if ((r = write_file(cert_path, &cpem, 0644)) < 0)
		cd_buf_printf(err, "%s: %s", cert_path, strerror(-r));
out:
	if (g < 0)
		cd_buf_printf(err, "making the TLS %s: %s", what, gnutls_strerror(g));
	gnutls_free(kpem.data);
	gnutls_free(cpem.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return g < 0 ? -EIO : r;
}

int cd_cert_pin(const char *cert_path, char out[CD_CERT_PIN_LEN], struct cd_buf *err)
{
	char *pem = NULL;
	size_t len = 0;
	int r = cd_read_file(cert_path, 1 << 16, &pem, &len);
	if (r < 0) {
		cd_buf_printf(err, "%s: %s", cert_path, strerror(-r));
		return r;
	}
	struct cd_buf e;
	cd_buf_init(&e, 512);
	r = cd_pin_of_pem(pem, len, out, &e);
	if (r < 0)
		cd_buf_printf(err, "%s: %s", cert_path, e.data);
	cd_buf_free(&e);
	free(pem);
	return r;
}
