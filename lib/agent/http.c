/* http.c - the API client (see http.h). */
#include "agent/http.h"

#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct cd_buf *b = ctx;
	return cd_buf_add(b, p, size * n) < 0 ? 0 : size * n;
}

bool cd_http_pin_valid(const char *pin)
{
	/* one pin, or several joined by ';' (several managers, each its key) */
	size_t n = strlen(CD_HTTP_PIN_PREFIX);
	for (const char *p = pin;; p += n + 45) {
		if (strncmp(p, CD_HTTP_PIN_PREFIX, n) || strlen(p) < n + 44 || p[n + 43] != '=')
			return false;
		for (size_t i = n; i < n + 43; i++) {
			char ch = p[i];
			if (!(ch >= 'A' && ch <= 'Z') && !(ch >= 'a' && ch <= 'z') && !(ch >= '0' && ch <= '9') &&
			    ch != '+' && ch != '/')
				return false;
		}
		if (!p[n + 44])
			return true;
		if (p[n + 44] != ';')
			return false;
	}
}

void cd_http_urls(const char *list, char ***out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		while (l && (*p == ' ' || *p == '\t'))
			p++, l--;
		while (l && (p[l - 1] == '/' || p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		if (l)
			CD_PUSH(*out, *n, cap, cd_strndup(p, l));
		p += e ? (size_t)(e - p) + 1 : strlen(p);
	}
}

int cd_http_init(struct cd_http *h, const char *base, const char *token,
		 bool insecure, const char *cacert)
{
	static bool global;
	if (!global) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global = true;
	}
	memset(h, 0, sizeof(*h));
	h->curl = curl_easy_init();
	if (!h->curl)
		return -ENOMEM;
	cd_http_urls(base, &h->bases, &h->nbases);
	if (!h->nbases) {
		h->bases = cd_calloc(1, sizeof(*h->bases));
		h->bases[h->nbases++] = cd_strdup("");
	}
	h->base = h->bases[0];
	h->insecure = insecure;
	h->connect_ms = 5000;
	h->cacert = cacert ? cd_strdup(cacert) : NULL;
	cd_http_set_token(h, token);
	cd_buf_init(&h->resp, CD_HTTP_RESP_MAX);
	return 0;
}

void cd_http_set_token(struct cd_http *h, const char *token)
{
	free(h->auth);
	h->auth = token ? cd_asprintf("Authorization: Bearer %s", token) : NULL;
}

void cd_http_free(struct cd_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	for (size_t i = 0; i < h->nbases; i++)
		free(h->bases[i]);
	free(h->bases);
	free(h->auth);
	free(h->cacert);
	cd_buf_free(&h->resp);
	memset(h, 0, sizeof(*h));
}

char *cd_http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *r = cd_strdup(e ? e : "");
	curl_free(e);
	return r;
}

void cd_http_set_resend(struct cd_http *h, bool resend)
{
	h->resend = resend;
}

void cd_http_set_cancel(struct cd_http *h, const volatile sig_atomic_t *flag)
{
	h->cancel = flag;
}

void cd_http_set_connect_timeout(struct cd_http *h, long ms)
{
	h->connect_ms = ms;
}

static int on_xfer(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	const struct cd_http *h = ctx;
	return h->cancel && *h->cancel ? 1 : 0;
}

static int call_once(struct cd_http *h, const char *method, const char *path, json_t *body,
		     long timeout_ms, long *status, json_t **out, struct cd_buf *err)
{
	CURL *c = h->curl;
	char *url = cd_asprintf("%s%s", h->base, path);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	bool pinned = true;        /* false: a pin set and not taken */
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (text)
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (h->auth)
		hdr = curl_slist_append(hdr, h->auth);
	hdr = curl_slist_append(hdr, "Expect:");
	cd_buf_reset(&h->resp);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &h->resp);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	if (h->cancel) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	if (text) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	}
	/* a manager trusted by the certificate, CA or key given is never
	 * trusted by the system's store too, which is then not read (Debian's
	 * libcurl reads /etc/ssl/certs by default: every public CA, parsed
	 * at each connection); given none, the system's store is its trust */
	if (h->insecure || h->cacert) {
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
	}
	if (h->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (h->cacert && !strncmp(h->cacert, CD_HTTP_PIN_PREFIX, strlen(CD_HTTP_PIN_PREFIX))) {
		/* a pinned key (cordond --fingerprint): the certificate is the
		 * manager's own, self-signed; its key must be the pinned one,
		 * checked in the handshake before anything is sent */
		pinned = curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->cacert) == CURLE_OK;
		if (pinned) {              /* never the checks off without the pin on */
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	} else if (h->cacert) {
		curl_easy_setopt(c, CURLOPT_CAINFO, h->cacert);
	}
	/* (a pin this libcurl cannot check: nothing sent, the call refused) */
	CURLcode cc = pinned ? curl_easy_perform(c) : CURLE_SSL_PINNEDPUBKEYNOTMATCH;
	int r = 0;
	*out = NULL;
	switch (cc) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		cd_buf_printf(err, "cannot reach the manager at %s: %s", h->base, ebuf);
		r = -ECONNREFUSED;
		break;
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		cd_buf_printf(err, "the manager at %s has another key than the one pinned (--fingerprint): "
			      "not the manager, or its certificate's key was made again (cordond "
			      "--fingerprint says its pin)", h->base);
		r = -EPERM;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		cd_buf_printf(err, "the manager's certificate at %s is not trusted (%s); pass "
			      "--cacert with its certificate (DATA-DIR/tls.crt of cordond)", h->base, ebuf);
		r = -EPERM;
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		cd_buf_printf(err, "the call to %s was cancelled", h->base);
		r = -ECANCELED;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		cd_buf_printf(err, "the manager at %s did not answer in time: %s", h->base, ebuf);
		r = -ETIMEDOUT;
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		cd_buf_printf(err, "%s: the manager is reached over https only", url);
		r = -EINVAL;
		break;
	default:
		cd_buf_printf(err, "talking to the manager at %s: %s", h->base,
			      ebuf[0] ? ebuf : curl_easy_strerror(cc));
		r = -EIO;
	}
	if (r == 0) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		if (h->resp.len)
			*out = json_loadb(h->resp.data, h->resp.len, 0, NULL);
	}
	curl_slist_free_all(hdr);
	free(text);
	free(url);
	return r;
}

int cd_http_call(struct cd_http *h, const char *method, const char *path, json_t *body,
		 long timeout_ms, long *status, json_t **out, struct cd_buf *err)
{
	bool again = h->resend || !strcmp(method, "GET");
	int r = -EIO;
	for (size_t i = 0; i < h->nbases; i++) {
		if (i > 0) {            /* the next manager, which later calls stay with */
			h->cur = (h->cur + 1) % h->nbases;
			h->base = h->bases[h->cur];
			h->moves++;
			cd_buf_reset(err);
		}
		r = call_once(h, method, path, body, timeout_ms, status, out, err);
		bool moved = r == -ECONNREFUSED || (again && (r == -EIO || r == -ETIMEDOUT)) ||
			     (r == 0 && *status == 503);
		if (!moved || h->nbases == 1 || i + 1 == h->nbases)
			break;
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

int cd_http_peer_pin(const char *base, char out[CD_PIN_LEN], struct cd_buf *err)
{
	char *url = cd_strdup(base);
	char ebuf[CURL_ERROR_SIZE] = "";
	CURL *c = curl_easy_init();
	int r = -ENOMEM;
	if (!c)
		goto out;
	/* nothing is sent: the handshake only, whose certificate is not
	 * trusted yet (that is what the person is asked) */
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		cd_buf_printf(err, "cannot reach the manager at %s: %s", url,
			      ebuf[0] ? ebuf : curl_easy_strerror(cc));
		r = cc == CURLE_UNSUPPORTED_PROTOCOL ? -EINVAL : -ECONNREFUSED;
		goto out;
	}
	struct curl_certinfo *ci = NULL;
	r = -EPROTO;
	if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1) {
		cd_buf_printf(err, "the manager at %s showed no certificate", url);
		goto out;
	}
	for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
		if (!strncmp(s->data, "Cert:", 5)) {
			struct cd_buf e;
			cd_buf_init(&e, 512);
			r = cd_pin_of_pem(s->data + 5, strlen(s->data + 5), out, &e);
			if (r < 0)
				cd_buf_printf(err, "the manager's certificate at %s: %s", url, e.data);
			cd_buf_free(&e);
			goto out;
		}
	}
	cd_buf_printf(err, "the manager at %s showed no certificate", url);
out:
	if (c)
		curl_easy_cleanup(c);
	free(url);
	return r;
}
