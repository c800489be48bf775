/* nft.c - one-transaction commits through libnftables. */
#include "nft.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

/* Run cmd in one batch; with out, keep what nft printed. */
static int run(const char *cmd, bool dry_run, bool json, struct cd_buf *out,
	       struct cd_buf *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return -ENOMEM;
	nft_ctx_buffer_error(nft);
	nft_ctx_buffer_output(nft);
	nft_ctx_set_dry_run(nft, dry_run);
	if (json)
		nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	int r = 0;
	if (nft_run_cmd_from_buffer(nft, cmd) != 0) {
		const char *e = nft_ctx_get_error_buffer(nft);
		if (err && e)
			cd_buf_puts(err, e);
		r = !e ? -EINVAL :
		    strstr(e, "Operation not permitted") ? -EPERM :
		    strstr(e, "No such file or directory") ? -ENOENT : -EINVAL;
	} else if (out) {
		const char *o = nft_ctx_get_output_buffer(nft);
		if (o && cd_buf_puts(out, o) < 0)
			r = -E2BIG;
	}
	nft_ctx_free(nft);
	return r;
}

int cd_nft_replace(const char *ruleset, bool dry_run, struct cd_buf *err)
{
	struct cd_buf cmd;
	cd_buf_init(&cmd, (size_t)CD_RENDER_MAX + 4096);
	int r = cd_buf_printf(&cmd, "table inet %s\ndelete table inet %s\n%s",
			      CD_TABLE, CD_TABLE, ruleset);
	if (r == 0)
		r = run(cmd.data, dry_run, false, NULL, err);
	cd_buf_free(&cmd);
	return r;
}

int cd_nft_run(const char *script, struct cd_buf *err)
{
	return run(script, false, false, NULL, err);
}

int cd_nft_list(bool json, struct cd_buf *out, struct cd_buf *err)
{
	return run("list table inet " CD_TABLE, false, json, out, err);
}
