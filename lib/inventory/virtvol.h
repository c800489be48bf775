/* virtvol.h - disk images in a libvirt host's storage pools that no
 * domain references, with the bytes each would free (reclamation,
 * docs/capacity.md).
 *
 * What a domain references, running or defined (its live definition and
 * its persistent one): every <disk>'s sources, <source file|dev> and
 * <source pool volume> (type 'volume'), with the <backingStore> chain
 * libvirt writes into a running domain's definition and a block job's
 * <mirror>; and its <os> <kernel>, <initrd>, <loader>, <nvram> files.
 * A volume is used when a domain references its path, or its pool and
 * name, or when it backs a used volume (its own definition's
 * <backingStore><path>, which libvirt reads from the image's header),
 * transitively.  Paths are compared as written, "//" made "/": a
 * symbolic link to an image is not followed (the host may be remote).
 *
 * The pools: every active one, refreshed first (as `virsh pool-refresh`:
 * files put there outside libvirt count); their volumes of type file and
 * block (a directory pool's subdirectories and network pools' images are
 * not covered).  What a volume would free is its allocation (the bytes
 * it takes in the pool), its capacity beside it. */
#ifndef CD_VIRTVOL_H
#define CD_VIRTVOL_H

#include <jansson.h>
#include <stddef.h>

#include "base/util.h"

#define CD_VIRTVOL_MAX_DOMAINS 20000   /* domains read of one connection */
#define CD_VIRTVOL_MAX_VOLUMES 200000  /* volumes read of one connection */

/* The references of one domain's XML added to refs (an object used as a
 * set: keys are paths, and "pool:POOL/VOLUME"): 0, or -EINVAL with err
 * when it is not a domain's XML. */
int cd_virtvol_domain_refs(const char *xml, size_t len, json_t *refs, struct cd_buf *err);

/* The volumes ({"pool", "name", "path", "backing", ...}) that neither
 * refs nor a used volume's backing chain references: a new array of
 * them (the objects shared with volumes). */
json_t *cd_virtvol_unused(const json_t *volumes, const json_t *refs);

/* One libvirt host (uri): its domains' references added to refs, its
 * active pools' volumes appended to volumes ({"pool", "name", "path",
 * "type": "file"|"block", "format", "allocation_bytes",
 * "capacity_bytes", "backing"}), *domains how many domains it has: 0,
 * or a negative code with err (nothing usable read). */
int cd_virtvol_scan(const char *uri, json_t *refs, json_t *volumes, size_t *domains,
		    struct cd_buf *err);

#endif
