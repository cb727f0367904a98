/*
 * codec.h - the binary form of an ll_unit, private to the store.
 *
 * The store keeps each TU's facts as one BLOB: that is what a cached run
 * reads back, so it must be compact and fast to decode, and it must never
 * be trusted. The layout (codec.c) is a magic, LL_FACTS_VERSION and the
 * codec's own revision, then every field of the unit as little-endian
 * base-128 varints and length-prefixed strings, then an XXH3-64 checksum
 * of all that precedes it.
 */
#ifndef LOOPLINT_STORE_CODEC_H
#define LOOPLINT_STORE_CODEC_H

#include "../analysis/error.h"
#include "../analysis/facts.h"

#include <stddef.h>

/* Encodes `unit` into a malloc'd buffer. 0, or -1 when out of memory. */
int ll_codec_encode(const ll_unit *unit, unsigned char **data, size_t *size);

/* Decodes what ll_codec_encode wrote into a new unit (freed with
 * ll_unit_free). 1 and *unit set; 0 when the data is of another facts
 * version or codec revision (a cache miss, not an error); -1 with an error
 * when it is truncated, corrupt or inconsistent: every length, index and
 * enumeration is checked before use, and nothing is read past `size`. */
int ll_codec_decode(const unsigned char *data, size_t size, ll_unit **unit, ll_error *error);

#endif
