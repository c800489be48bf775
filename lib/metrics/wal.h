/* wal.h - the byte format of the samples a metrics store writes ahead:
 * the one owner of its encoding, decoding, split and count.
 *
 * A batch is entries back to back, each a sample: the series' number as
 * a varint, then its time (ms) and its value's bits, 8 bytes each, little
 * endian.  A batch cut short ends at its last whole entry. */
#ifndef CD_METRICS_WAL_H
#define CD_METRICS_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/varint.h"

#define CD_WAL_ENTRY_MAX (CD_VARINT_MAX + 16)

/* One sample's entry written at e (CD_WAL_ENTRY_MAX bytes of room): its
 * length. */
size_t cd_wal_put(uint8_t *e, uint64_t id, int64_t t, double v);

/* The entry at p, up to end: what follows it, or NULL when no whole entry
 * is there. */
const uint8_t *cd_wal_get(const uint8_t *p, const uint8_t *end, uint64_t *id, int64_t *t,
			  double *v);

/* fn(arg, series, t, v) for each sample of a batch (data may be NULL when
 * len is 0: an empty row). */
void cd_wal_each(const void *data, size_t len,
		 void (*fn)(void *arg, int64_t id, int64_t t, double v), void *arg);

/* The samples of a batch. */
uint64_t cd_wal_count(const void *data, size_t len);

/* A batch split in parts: part_of(arg, series) names each sample's part
 * (SIZE_MAX: none, the sample left out); emit(arg, part, t0, data, len)
 * is called once a part, in the parts' order, with its samples in the
 * batch's order and t0 the earliest of their times.  0, or emit's
 * negative code (the parts after it not emitted). */
int cd_wal_split(const void *data, size_t len, size_t (*part_of)(void *arg, uint64_t id),
		 int (*emit)(void *arg, size_t part, int64_t t0, const void *data, size_t len),
		 void *arg);

#endif
