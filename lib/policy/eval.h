/* eval.h - the userspace evaluator behind `explain`.
 *
 * It runs the compiled programs of the source and destination vNICs, as
 * the kernel runs the rendered chains: first match wins, default_action
 * when nothing matches, and a flow passes only if both points allow it. */
#ifndef CD_EVAL_H
#define CD_EVAL_H

#include "policy/compile.h"

struct cd_flow {
	struct cd_addr src, dst;      /* host addresses, one family */
	bool src_host, dst_host;      /* that end is the other's hypervisor */
	enum cd_proto proto;          /* tcp, udp or icmp (echo) */
	uint16_t port;                /* destination port for tcp and udp */
};

struct cd_stage_result {
	bool checked;                 /* the endpoint is managed */
	size_t wl, vnic;              /* which vNIC checked it */
	enum cd_action verdict;       /* its verdict */
	const struct cd_rule *rule;   /* deciding rule, NULL for the default */
	/* the first staged rule that matched before the deciding one (NULL:
	 * none): the verdict were it enforced is its action */
	const struct cd_rule *staged;
};

struct cd_verdict {
	enum cd_action verdict;             /* the flow's fate */
	struct cd_stage_result stage[2];    /* CD_EGRESS, CD_INGRESS */
	/* a staged rule matched first at an end: the flow's fate were the
	 * staged rules enforced */
	bool staged;
	enum cd_action staged_verdict;
};

/* Run one program's stage on a flow. */
void cd_prog_eval(const struct cd_state *st, const struct cd_prog *p,
		  enum cd_stage s, const struct cd_flow *f,
		  struct cd_stage_result *out);
/* Explain a flow: compile the programs of its managed endpoints and run
 * them. */
void cd_explain(const struct cd_state *st, const struct cd_flow *f,
		struct cd_verdict *out);
/* Many flows explained over one state (an impact preview, a watcher):
 * each vNIC's program compiled once, at most 2 Mi rules' entries held (past
 * that each is compiled for its flow).  The state must outlive it. */
struct cd_explainer;
struct cd_explainer *cd_explainer_new(const struct cd_state *st);
void cd_explainer_run(struct cd_explainer *x, const struct cd_flow *f, struct cd_verdict *out);
void cd_explainer_free(struct cd_explainer *x);
/* A flow from the words the CLI and the API take: from and to are a
 * workload name (its first vNIC's first address of the family of the
 * other side, IPv4 preferred) or an address; proto tcp, udp or icmp (NULL:
 * tcp); port required for tcp and udp, refused for icmp.  On bad words
 * returns -EINVAL with *field the word at fault ("from", "to", "proto",
 * "port") and why saying what is wrong (naming it as prefix + field). */
int cd_flow_parse(const struct cd_state *st, const char *from, const char *to,
		  const char *proto, const char *port, const char *prefix,
		  struct cd_flow *f, const char **field, char *why, size_t whylen);
bool cd_svc_matches(const struct cd_rule *r, enum cd_proto proto,
		    uint16_t port);

#endif
