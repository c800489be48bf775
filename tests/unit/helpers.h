/* helpers.h - building worlds from strings in unit tests. */
#ifndef CD_TEST_HELPERS_H
#define CD_TEST_HELPERS_H

#include "policy/state.h"

/* Load inv and pol (YAML text).  Returns 0 or -EINVAL; the errors, one
 * per line as the CLI prints them, are left in *errors (caller frees). */
int load_world(struct cd_state *st, const char *inv, const char *pol,
	       char **errors);
/* Like load_world but fails the test on any error. */
void must_load(struct cd_state *st, const char *inv, const char *pol);
/* Errors of a policy alone, checked against a fixed small inventory. */
char *policy_errors(const char *pol);
char *inventory_errors(const char *inv);

#endif
