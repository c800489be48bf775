/* vault.h - where an infected file goes (antimalware.action:
 * quarantine_file): out of the workload's reach, restorable.
 *
 * The vault is a directory (0700).  A file put there becomes ID.bin (0600,
 * the bytes as they were) and ID.json (0600: the original path, owner,
 * group, mode, size, SHA-256, signature, time); the original is removed.
 * ID is the time and the first 16 hex digits of the SHA-256.  Restoring
 * writes the bytes back to the original path with the original owner and
 * mode (refusing to overwrite a file that is there now) and empties the
 * entry. */
#ifndef CD_VAULT_H
#define CD_VAULT_H

#include "util.h"

#define CD_VAULT_ID_MAX 64

/* Move path into the vault; *id names the entry. */
int cd_vault_put(const char *vault, const char *path, const char *signature,
		 char id[CD_VAULT_ID_MAX], struct cd_buf *err);
int cd_vault_restore(const char *vault, const char *id, struct cd_buf *err);
/* Delete the file (antimalware.action: delete). */
int cd_vault_delete(const char *path, struct cd_buf *err);

#endif
