/* report.h - what the commands print: group lists and explain answers,
 * as text for people and as the JSON of the contract (policy.md §4).
 * Shared by the CLI and, later, the manager's API. */
#ifndef CD_REPORT_H
#define CD_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "policy/eval.h"

/* {"GROUP": ["member", ...], ...}: every group, members sorted. */
json_t *cd_groups_json(const struct cd_state *st);
void cd_groups_text(const struct cd_state *st, FILE *f);

/* The current policy as tables: {"default_action", "groups": [{"name",
 * "match", "include", "exclude", "members", "line"}], "rules": [{"id",
 * "name", "category", "action", "direction", "source", "destination",
 * "services", "applied_to", "disabled", "log", "line"}]}, the rules in
 * evaluation order, endpoints as written ("group:NAME", "any", ...). */
json_t *cd_policy_json(const struct cd_state *st);

/* {"verdict": ..., "egress": STAGE|null, "ingress": STAGE|null} */
json_t *cd_verdict_json(const struct cd_verdict *v);
void cd_verdict_text(const struct cd_state *st, const struct cd_flow *f,
		     const struct cd_verdict *v, FILE *out);

#endif
