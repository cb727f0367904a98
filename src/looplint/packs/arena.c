/*
 * arena.c - the memory of one pack.
 *
 * A pack's strings, condition values, type lists and lines live as long as
 * the pack and are freed together, so they come from a bump allocator over
 * a list of chunks. Parsing a pack that turns out to be malformed then
 * costs one ll_arena_free, with no per-field cleanup to get wrong.
 */
#include "internal.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_CHUNK_SIZE = 16384 };

struct ll_arena_chunk {
    ll_arena_chunk *next;
    size_t used;
    size_t size;
    alignas(max_align_t) unsigned char bytes[];
};

static size_t align_up(size_t size)
{
    size_t alignment = alignof(max_align_t);
    return (size + alignment - 1) & ~(alignment - 1);
}

static ll_arena_chunk *new_chunk(size_t size)
{
    ll_arena_chunk *chunk = malloc(sizeof *chunk + size);
    if (!chunk)
        return NULL;
    chunk->next = NULL;
    chunk->used = 0;
    chunk->size = size;
    return chunk;
}

void *ll_arena_alloc(ll_arena *arena, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size = align_up(size ? size : 1);
    ll_arena_chunk *chunk = arena->chunks;
    if (!chunk || chunk->size - chunk->used < size) {
        ll_arena_chunk *fresh = new_chunk(size > ARENA_CHUNK_SIZE / 4 ? size : ARENA_CHUNK_SIZE);
        if (!fresh)
            return NULL;
        if (chunk && size > ARENA_CHUNK_SIZE / 4) {
            /* A large request gets a chunk of its own, kept behind the
               current one so that the rest of that is not wasted. */
            fresh->next = chunk->next;
            chunk->next = fresh;
        } else {
            fresh->next = chunk;
            arena->chunks = fresh;
        }
        chunk = fresh;
    }
    void *memory = chunk->bytes + chunk->used;
    chunk->used += size;
    memset(memory, 0, size);
    return memory;
}

char *ll_arena_strndup(ll_arena *arena, const char *text, size_t length)
{
    if (length == SIZE_MAX)
        return NULL;
    char *copy = ll_arena_alloc(arena, length + 1);
    if (!copy)
        return NULL;
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

void ll_arena_free(ll_arena *arena)
{
    ll_arena_chunk *chunk = arena->chunks;
    while (chunk) {
        ll_arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    arena->chunks = NULL;
}
