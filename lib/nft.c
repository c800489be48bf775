/* nft.c - one-transaction commits through libnftables. */
#include "nft.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

int cd_nft_replace(const char *ruleset, bool dry_run, struct cd_buf *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return -ENOMEM;
	nft_ctx_buffer_error(nft);
	nft_ctx_buffer_output(nft);
	nft_ctx_set_dry_run(nft, dry_run);

	struct cd_buf cmd;
	cd_buf_init(&cmd, (size_t)CD_RENDER_MAX + 4096);
	int r = cd_buf_printf(&cmd, "table inet %s\ndelete table inet %s\n%s",
			      CD_TABLE, CD_TABLE, ruleset);
	if (r == 0 && nft_run_cmd_from_buffer(nft, cmd.data) != 0) {
		const char *e = nft_ctx_get_error_buffer(nft);
		if (err && e)
			cd_buf_puts(err, e);
		r = (e && strstr(e, "Operation not permitted")) ? -EPERM : -EINVAL;
	}
	cd_buf_free(&cmd);
	nft_ctx_free(nft);
	return r;
}
