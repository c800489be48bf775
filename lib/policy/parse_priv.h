/* parse_priv.h - what the document parsers share (parse.c): located
 * errors, and the readers of yaml/read.h.  Not for anything outside
 * parse*.c. */
#ifndef CD_PARSE_PRIV_H
#define CD_PARSE_PRIV_H

#include "yaml/node.h"
#include "yaml/read.h"
#include "policy/parse.h"

#define ERR(p, node, ...) cd_error((p)->d, (node)->loc, __VA_ARGS__)

#endif
