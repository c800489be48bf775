/* tlscreds.c - the listener's certificate and key, reloadable (see
 * tlscreds.h). */
#include "manager/tlscreds.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

#define CHAIN_MAX 8
#define PEM_MAX (1u << 20)

struct pair {
	gnutls_pcert_st certs[CHAIN_MAX];
	unsigned ncerts;
	gnutls_privkey_t key;
	char pin[CD_PIN_LEN];
	struct pair *older;         /* the pairs replaced, kept (see tlscreds.h) */
};

static _Atomic(struct pair *) current;
static pthread_mutex_t loading = PTHREAD_MUTEX_INITIALIZER;

static void pair_free(struct pair *p)
{
	for (unsigned i = 0; i < p->ncerts; i++)
		gnutls_pcert_deinit(&p->certs[i]);
	if (p->key)
		gnutls_privkey_deinit(p->key);
	free(p);
}

/* The DER of a public key, for comparing the key's with the certificate's. */
static int spki(gnutls_pubkey_t pub, gnutls_datum_t *out)
{
	return gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, out);
}

static int load(struct pair *p, const char *cert_path, const char *key_path, struct cd_buf *err)
{
	char *cpem = NULL, *kpem = NULL;
	size_t clen = 0, klen = 0;
	int r = cd_read_file(cert_path, PEM_MAX, &cpem, &clen);
	if (r < 0) {
		cd_buf_printf(err, "%s: %s", cert_path, strerror(-r));
		goto out;
	}
	if ((r = cd_read_file(key_path, PEM_MAX, &kpem, &klen)) < 0) {
		cd_buf_printf(err, "%s: %s", key_path, strerror(-r));
		goto out;
	}
	gnutls_datum_t c = { (unsigned char *)cpem, (unsigned)clen }, k = { (unsigned char *)kpem, (unsigned)klen };
	unsigned n = CHAIN_MAX;
	int g = gnutls_pcert_list_import_x509_raw(p->certs, &n, &c, GNUTLS_X509_FMT_PEM, 0);
	if (g >= 0)
		p->ncerts = n;     /* (GnuTLS frees what it imported when it fails) */
	if (g < 0 || n == 0) {
		cd_buf_printf(err, "%s: %s", cert_path, g < 0 ? gnutls_strerror(g) : "no certificate");
		r = -EINVAL;
		goto out;
	}
	if ((g = gnutls_privkey_init(&p->key)) < 0 ||
	    (g = gnutls_privkey_import_x509_raw(p->key, &k, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		cd_buf_printf(err, "%s: %s", key_path, gnutls_strerror(g));
		r = -EINVAL;
		goto out;
	}
	/* the key must be the first certificate's */
	gnutls_pubkey_t kp = NULL;
	gnutls_datum_t a = { 0 }, b = { 0 };
	g = gnutls_pubkey_init(&kp);
	if (g >= 0)
		g = gnutls_pubkey_import_privkey(kp, p->key, 0, 0);
	if (g >= 0)
		g = spki(kp, &a);
	if (g >= 0)
		g = spki(p->certs[0].pubkey, &b);
	if (g < 0 || a.size != b.size || memcmp(a.data, b.data, a.size)) {
		cd_buf_printf(err, "%s is not the key of %s's first certificate", key_path, cert_path);
		r = -EINVAL;
	} else {
		struct cd_buf e;
		cd_buf_init(&e, 512);
		r = cd_pin_of_pem(cpem, clen, p->pin, &e);
		if (r < 0)
			cd_buf_printf(err, "%s: %s", cert_path, e.data);
		cd_buf_free(&e);
	}
	gnutls_free(a.data);
	gnutls_free(b.data);
	if (kp)
		gnutls_pubkey_deinit(kp);
out:
	if (kpem) {
		gnutls_memset(kpem, 0, klen);  /* the key's text: not left in freed memory */
		free(kpem);
	}
	free(cpem);
	return r;
}

int cd_tlscreds_load(const char *cert_path, const char *key_path, char pin[CD_PIN_LEN], bool *changed,
		     struct cd_buf *err)
{
	struct pair *p = cd_calloc(1, sizeof(*p));
	int r = load(p, cert_path, key_path, err);
	if (r < 0) {
		pair_free(p);
		return r;
	}
	pthread_mutex_lock(&loading);
	struct pair *old = atomic_load(&current);
	*changed = old && strcmp(old->pin, p->pin) != 0;
	p->older = old;
	atomic_store(&current, p);
	pthread_mutex_unlock(&loading);
	memcpy(pin, p->pin, CD_PIN_LEN);
	return 0;
}

int cd_tlscreds_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
			 const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
			 unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
	(void)session, (void)req_ca_dn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
	struct pair *p = atomic_load(&current);
	if (!p)
		return -1;
	*pcert = p->certs;
	*pcert_length = p->ncerts;
	*pkey = p->key;
	return 0;
}

void cd_tlscreds_free(void)
{
	pthread_mutex_lock(&loading);
	struct pair *p = atomic_exchange(&current, NULL);
	pthread_mutex_unlock(&loading);
	while (p) {
		struct pair *o = p->older;
		pair_free(p);
		p = o;
	}
}
