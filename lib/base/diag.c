/* diag.c - collection and printing of located diagnostics. */
#include "base/diag.h"

#include <stdarg.h>
#include <stdlib.h>

#include "base/util.h"

void cd_diags_init(struct cd_diags *d)
{
	d->v = NULL;
	d->n = d->cap = d->dropped = 0;
	d->max = 1000;
}

void cd_diags_free(struct cd_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	cd_diags_init(d);
}

void cd_error(struct cd_diags *d, struct cd_loc loc, const char *fmt, ...)
{
	if (d->n >= d->max) {
		d->dropped++;
		return;
	}
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	va_list ap;
	va_start(ap, fmt);
	if (cd_buf_vprintf(&b, fmt, ap) < 0)
		cd_buf_puts(&b, "(message too long)");
	va_end(ap);
	struct cd_diag x = { .loc = loc, .msg = cd_buf_steal(&b) };
	CD_PUSH(d->v, d->n, d->cap, x);
}

void cd_diags_print(const struct cd_diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct cd_diag *x = &d->v[i];
		if (x->loc.file)
			fprintf(f, "%s:%d:%d: error: %s\n", x->loc.file,
				x->loc.line, x->loc.col, x->msg);
		else
			fprintf(f, "cordon: error: %s\n", x->msg);
	}
	if (d->dropped)
		fprintf(f, "cordon: error: %zu more errors not shown\n",
			d->dropped);
}
