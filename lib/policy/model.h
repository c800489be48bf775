/* model.h - the inventory and policy model (../shared/spec/policy.md §1).
 *
 * Documents are parsed into these structures (parse.c), their references
 * resolved to indexes (resolve.c), then used read-only by membership,
 * compilation, evaluation and rendering.  Strings are owned. */
#ifndef CD_MODEL_H
#define CD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/diag.h"
#include "base/util.h"

struct cd_sel;

struct cd_vnic {
	char *ifname;            /* host-side device name */
	char *mac;               /* optional, NULL when absent */
	struct cd_addr *ips;     /* host addresses (plen 32 or 128) */
	size_t nips;             /* entries in ips */
	size_t wl;               /* index of its workload */
	struct cd_loc loc;       /* where it is written */
};

struct cd_workload {
	char *name;              /* unique, case-insensitively */
	char *id;                /* stable id; the name when not given */
	char *host;              /* hypervisor host that enforces it */
	char *os;                /* optional, NULL when absent */
	char *source;            /* optional, NULL when absent */
	char **tags;             /* tags as written */
	size_t ntags;            /* entries in tags */
	char **ltags;            /* tags in lower case, for selectors */
	struct cd_vnic *vnics;   /* its vNICs */
	size_t nvnics;           /* entries in vnics */
	char *lname, *lhost, *los, *lsource; /* lower case, for selectors */
	struct cd_loc loc;       /* where it is written */
};

struct cd_inventory {
	struct cd_workload *w;   /* workloads in document order */
	size_t n;                /* how many */
	size_t cap;              /* allocated */
	struct cd_map by_name;   /* name -> index */
	const char *file;        /* the file it came from */
};

struct cd_ipset {
	char *name;
	struct cd_addr *addrs;   /* addresses and prefixes */
	size_t n;
	struct cd_loc loc;
};

enum cd_proto { CD_PROTO_ANY, CD_PROTO_TCP, CD_PROTO_UDP, CD_PROTO_ICMP };

/* One service entry: "any", "icmp", "tcp", "tcp/443", "udp/1000-2000".
 * lo == 0 && hi == 0 means every port of proto. */
struct cd_svc {
	enum cd_proto proto;
	uint16_t lo, hi;
};

struct cd_service {
	char *name;
	struct cd_svc *e;        /* entries */
	size_t n;
	struct cd_loc loc;
};

struct cd_group {
	char *name;
	struct cd_sel *match;    /* NULL when the group has no selector */
	char *match_text;        /* the selector as written, or NULL */
	char **include;          /* workload names */
	size_t ninclude;
	struct cd_loc *include_loc;
	char **exclude;
	size_t nexclude;
	struct cd_loc *exclude_loc;
	size_t *inc_idx;         /* resolved include workloads (valid ones) */
	size_t ninc_idx;
	size_t *exc_idx;         /* resolved exclude workloads */
	size_t nexc_idx;
	struct cd_loc loc;
};

/* CD_REF_HOST: the hypervisor host of the vNIC where the rule is checked
 * (its own addresses, whatever they are: the kernel's "fib ... type
 * local") */
enum cd_ref_kind {
	CD_REF_ANY, CD_REF_GROUP, CD_REF_WORKLOAD, CD_REF_IPSET, CD_REF_ADDR, CD_REF_HOST
};

/* An endpoint reference in source, destination or applied_to. */
struct cd_ref {
	enum cd_ref_kind kind;
	char *name;              /* group/workload/ipset name, else NULL */
	struct cd_addr addr;     /* CD_REF_ADDR: the address or prefix */
	size_t idx;              /* resolved index of the named object */
	struct cd_loc loc;
};

enum cd_category {
	CD_CAT_EMERGENCY, CD_CAT_INFRASTRUCTURE, CD_CAT_ENVIRONMENT,
	CD_CAT_APPLICATION, CD_CAT_COUNT
};
enum cd_action { CD_ALLOW, CD_DROP, CD_REJECT };
enum cd_dir { CD_DIR_IN = 1, CD_DIR_OUT = 2, CD_DIR_IN_OUT = 3 };

struct cd_rule {
	uint32_t id;             /* unique positive id */
	char *name;              /* optional */
	enum cd_category category;
	struct cd_ref *src;      /* never empty: [any] by default */
	size_t nsrc;
	struct cd_ref *dst;
	size_t ndst;
	char **svc_raw;          /* service list as written */
	struct cd_loc *svc_raw_loc;
	size_t nsvc_raw;
	struct cd_svc *svc;      /* flattened service entries */
	size_t nsvc;
	bool svc_any;            /* some entry is "any": no service match */
	struct cd_ref *applied;  /* applied_to */
	size_t napplied;
	enum cd_action action;
	enum cd_dir direction;
	bool disabled;
	bool log;
	bool staged;             /* mode: staged: compiled and counted, never */
				 /* deciding (the flow goes on to the next rule) */
	size_t order;            /* position in the document */
	struct cd_loc loc;
};

enum cd_am_action { CD_AM_QUARANTINE_FILE, CD_AM_DELETE, CD_AM_REPORT };
enum cd_am_delivery { CD_AM_IMMEDIATE, CD_AM_HEARTBEAT };
/* who may lift a quarantine: a clean full scan the manager asked for (and
 * an operator), or only an operator */
enum cd_am_release { CD_AM_RELEASE_SCAN, CD_AM_RELEASE_OPERATOR };

struct cd_antimalware {
	char *quarantine_tag;
	bool tag_only_if_remediation_fails;
	bool remove_tag_on_clean_full_scan;
	enum cd_am_action action;
	enum cd_am_delivery event_delivery;
	uint32_t heartbeat_seconds;
	uint32_t full_scan_interval_hours;   /* scheduled full scans; 0: none */
	enum cd_am_release release;
	char **exclude_paths;
	size_t nexclude_paths;
};

struct cd_policy {
	enum cd_action default_action;  /* CD_ALLOW or CD_DROP */
	struct cd_ipset *ipsets;
	size_t nipsets, ipsets_cap;
	struct cd_service *services;
	size_t nservices, services_cap;
	struct cd_group *groups;
	size_t ngroups, groups_cap;
	struct cd_rule *rules;          /* in evaluation order after resolve */
	size_t nrules, rules_cap;
	struct cd_antimalware am;
	struct cd_map ipset_by_name, service_by_name, group_by_name;
	size_t *group_order;            /* groups, each after those it names */
	const char *file;
};

void cd_inventory_init(struct cd_inventory *inv);
void cd_inventory_free(struct cd_inventory *inv);
void cd_policy_init(struct cd_policy *pol);
void cd_policy_free(struct cd_policy *pol);

const char *cd_action_name(enum cd_action a);
const char *cd_category_name(enum cd_category c);
const char *cd_proto_name(enum cd_proto p);

/* Find a workload by name (case-insensitive); -1 when unknown. */
long cd_inventory_find(const struct cd_inventory *inv, const char *name);
/* Whether workload w has tag (case-insensitive); false for a NULL tag. */
bool cd_workload_has_tag(const struct cd_workload *w, const char *tag);
long cd_policy_find_group(const struct cd_policy *pol, const char *name);

#endif
