/*
 * file_hashes.c - the per-run memo of file content hashes (file_hashes.h).
 *
 * A plain open-addressing table keyed by path (XXH3 of the path picks the
 * slot, linear probing resolves collisions), kept at most half full so that
 * probes stay short; it only grows, as a run only adds files. Paths are
 * copied: the caller's strings may be freed before the memo is.
 */
#define _GNU_SOURCE /* strdup */
#include "file_hashes.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

struct ll_file_hash_entry {
    char *path; /* NULL: an empty slot */
    uint64_t path_hash;
    uint64_t content_hash;
    bool readable;
};

enum { INITIAL_CAPACITY = 256 };

bool ll_file_hash_compute(const char *path, uint64_t *hash)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat status;
    bool ok = false;
    if (fstat(fd, &status) == 0 && S_ISREG(status.st_mode)) {
        if (status.st_size == 0) {
            *hash = XXH3_64bits("", 0);
            ok = true;
        } else {
            void *data = mmap(NULL, (size_t)status.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (data != MAP_FAILED) {
                *hash = XXH3_64bits(data, (size_t)status.st_size);
                munmap(data, (size_t)status.st_size);
                ok = true;
            }
        }
    }
    close(fd);
    return ok;
}

void ll_file_hashes_init(ll_file_hashes *memo)
{
    memset(memo, 0, sizeof *memo);
}

void ll_file_hashes_free(ll_file_hashes *memo)
{
    for (size_t i = 0; i < memo->capacity; i++)
        free(memo->slots[i].path);
    free(memo->slots);
    ll_file_hashes_init(memo);
}

/* The slot that holds `path`, or the empty slot where it belongs. */
static ll_file_hash_entry *find_slot(ll_file_hash_entry *slots, size_t capacity, const char *path,
                                     uint64_t path_hash)
{
    size_t mask = capacity - 1;
    for (size_t at = (size_t)path_hash & mask;; at = (at + 1) & mask) {
        ll_file_hash_entry *slot = &slots[at];
        if (!slot->path || (slot->path_hash == path_hash && strcmp(slot->path, path) == 0))
            return slot;
    }
}

static int grow(ll_file_hashes *memo)
{
    size_t capacity = memo->capacity ? 2 * memo->capacity : INITIAL_CAPACITY;
    ll_file_hash_entry *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < memo->capacity; i++) {
        const ll_file_hash_entry *old = &memo->slots[i];
        if (old->path)
            *find_slot(slots, capacity, old->path, old->path_hash) = *old;
    }
    free(memo->slots);
    memo->slots = slots;
    memo->capacity = capacity;
    return 0;
}

int ll_file_hashes_get(ll_file_hashes *memo, const char *path, uint64_t *hash)
{
    if (2 * (memo->count + 1) > memo->capacity && grow(memo) < 0)
        return -1;
    uint64_t path_hash = XXH3_64bits(path, strlen(path));
    ll_file_hash_entry *slot = find_slot(memo->slots, memo->capacity, path, path_hash);
    if (!slot->path) {
        if (!(slot->path = strdup(path)))
            return -1;
        slot->path_hash = path_hash;
        slot->readable = ll_file_hash_compute(path, &slot->content_hash);
        memo->count++;
    }
    *hash = slot->content_hash;
    return slot->readable ? 1 : 0;
}
