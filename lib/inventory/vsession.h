/* vsession.h - the vSphere connector's session, shared by its files
 * (private to inventory/): vsphere.c (login, following changes),
 * vswrite.c (tags and quarantine written back) and vsmetrics.c (the
 * performance statistics). */
#ifndef CD_VSESSION_H
#define CD_VSESSION_H

#include <curl/curl.h>
#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"
#include "inventory/vsperf.h"

struct vs {
	CURL *soap, *rest;
	struct curl_slist *soap_hdr, *rest_hdr;
	struct cd_buf resp;
	char *url, *base, *user, *password, *qnet;
	char *pc;                  /* our property collector */
	char *version;
	json_t *objs;              /* moref -> object */
	bool tagging;              /* the server has the tagging service */
	json_t *vmtags;            /* moref -> ["category=tag", ...] */
	json_t *vmtag_ids;         /* moref -> [tag id, ...] */
	json_t *tagname;           /* tag id -> "category=tag" */
	json_t *catname;           /* category id -> name */
	int64_t tags_at;
	json_t *last;              /* the view last given */
	bool first;
	int ca_fd;                 /* the trusted CA (a memfd), or -1 */
	/* metrics (vsmetrics.c) */
	char *perfmgr;             /* the PerformanceManager */
	struct cd_vsp_ids perf;    /* the counters' ids, once read */
	bool perf_known;
	json_t *perf_mask;         /* moref -> counters it has (1 << k) */
	json_t *perf_last;         /* moref -> epoch ms of its last sample taken */
};

/* One SOAP call of method with body (the envelope's inside): *doc the
 * answer (caller frees); 0 or a negative code with err. */
int cd_vs_soap(struct vs *v, const char *method, const char *body, xmlDoc **doc,
		xmlNode **ret, struct cd_buf *err);
int cd_vs_soap_ref(struct vs *v, const char *method, const char *body, char **ref,
		    struct cd_buf *err);
int cd_vs_rest(struct vs *v, const char *method, const char *path, json_t *body, json_t **out,
		struct cd_buf *err);
/* Write tag (added or removed) and the quarantine state of workload id
 * back to the server (the connector's write operation). */
int cd_vs_write(void *h, const char *id, const char *tag, bool add, bool quarantined,
		struct cd_buf *err);
/* The metrics of the server's VMs, hosts and datastores since the last
 * call (the connector's metrics operation, vsmetrics.c). */
int cd_vs_metrics(void *h, int64_t now_ms, json_t *out, struct cd_buf *err);
void cd_vs_metrics_free(struct vs *v);

#endif
