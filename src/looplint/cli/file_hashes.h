/*
 * file_hashes.h - the content hashes of files, each computed once per run.
 *
 * Checking a TU's cache key needs the hash of every file it read, and most
 * headers are read by most TUs: without a memo, a warm run over N TUs
 * that share H headers hashes N * H files instead of N + H. A memo lives
 * in one analysis run (files may change between runs) and is used by one
 * thread at a time.
 */
#ifndef LOOPLINT_FILE_HASHES_H
#define LOOPLINT_FILE_HASHES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ll_file_hash_entry ll_file_hash_entry;

typedef struct ll_file_hashes {
    ll_file_hash_entry *slots; /* open addressing, linear probing */
    size_t capacity;           /* a power of two, or 0 before the first insert */
    size_t count;              /* files hashed (each once) */
} ll_file_hashes;

void ll_file_hashes_init(ll_file_hashes *memo);
void ll_file_hashes_free(ll_file_hashes *memo);

/* The XXH3-64 of the content of the file at `path`, read the first time it
 * is asked for: 1 and *hash set, 0 when the file cannot be read (remembered
 * too: it is not retried in the same run), -1 when out of memory. */
int ll_file_hashes_get(ll_file_hashes *memo, const char *path, uint64_t *hash);

/* The XXH3-64 of a file's content, not remembered: false when it cannot
 * be read or is not a regular file. */
bool ll_file_hash_compute(const char *path, uint64_t *hash);

#endif
