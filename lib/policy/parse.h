/* parse.h - from YAML node trees to the inventory and policy model.
 *
 * Stage 1 of the pipeline (parse -> resolve -> members -> compile ->
 * render -> commit).  Checks syntax and types of every field, refuses
 * unknown keys, and reports every error found, located.  Names that refer
 * to other objects are checked later, by cd_resolve(). */
#ifndef CD_PARSE_H
#define CD_PARSE_H

#include "base/diag.h"
#include "yaml/read.h"
#include "policy/model.h"

#define CD_DOC_MAX_BYTES (32u << 20)  /* largest document file read */
#define CD_STR_MAX CD_YAML_STR_MAX    /* longest string field (yaml/read.h) */

/* Parse an inventory document from buf.  Returns 0 or -EINVAL (errors in
 * d); on error inv holds whatever parsed and must still be freed. */
int cd_parse_inventory(const char *file, const char *buf, size_t len,
		       struct cd_inventory *inv, struct cd_diags *d);
int cd_parse_policy(const char *file, const char *buf, size_t len,
		    struct cd_policy *pol, struct cd_diags *d);

/* Read a file (at most CD_DOC_MAX_BYTES) and parse it. */
int cd_load_inventory(const char *file, struct cd_inventory *inv,
		      struct cd_diags *d);
int cd_load_policy(const char *file, struct cd_policy *pol,
		   struct cd_diags *d);

/* Parse one service entry ("tcp/443", "udp/1-2", "icmp", "any"). */
int cd_parse_svc(const char *s, struct cd_svc *out, const char **why);
/* Parse an endpoint reference; allow_addr false for applied_to. */
int cd_parse_ref(const char *s, bool applied_to, struct cd_ref *out,
		 const char **why);

#endif
