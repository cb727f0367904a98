/*
 * table.c - a hash table from function names to pointers.
 *
 * Two tables use it: the index of the packs' exact names (name -> its first
 * line) and the lookup cache (name -> merged rule). Both are read far more
 * than written and hold at most a few thousand names, so the table is the
 * simplest fast one: open addressing with linear probing over a
 * power-of-two array kept at most half full, XXH3 for the hash, and the
 * full hash stored per slot so that probing compares strings only on a
 * likely match. Nothing is ever removed one at a time, so there are no
 * tombstones.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

enum { TABLE_MINIMUM_CAPACITY = 16 };

uint64_t ll_name_hash(const char *key)
{
    return XXH3_64bits(key, strlen(key));
}

/* The slot holding `key`, or the empty slot where it would go. */
static ll_name_slot *probe(ll_name_slot *slots, uint32_t capacity, const char *key, uint64_t hash)
{
    uint32_t mask = capacity - 1;
    for (uint32_t i = (uint32_t)hash & mask;; i = (i + 1) & mask) {
        ll_name_slot *slot = &slots[i];
        if (!slot->key || (slot->hash == hash && strcmp(slot->key, key) == 0))
            return slot;
    }
}

void *ll_name_table_find(const ll_name_table *table, const char *key, uint64_t hash)
{
    if (table->count == 0)
        return NULL;
    ll_name_slot *slot = probe(table->slots, table->capacity, key, hash);
    return slot->key ? slot->value : NULL;
}

int ll_name_table_reserve(ll_name_table *table, uint32_t count)
{
    if (count > UINT32_MAX / 4)
        return -1;
    if (table->capacity >= count * 2)
        return 0;
    uint32_t capacity = TABLE_MINIMUM_CAPACITY;
    while (capacity < count * 2)
        capacity *= 2;
    ll_name_slot *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return -1;
    for (uint32_t i = 0; i < table->capacity; i++) {
        ll_name_slot *old = &table->slots[i];
        if (old->key)
            *probe(slots, capacity, old->key, old->hash) = *old;
    }
    free(table->slots);
    table->slots = slots;
    table->capacity = capacity;
    return 0;
}

int ll_name_table_insert(ll_name_table *table, const char *key, uint64_t hash, void *value)
{
    if (table->count == UINT32_MAX || ll_name_table_reserve(table, table->count + 1) < 0)
        return -1;
    ll_name_slot *slot = probe(table->slots, table->capacity, key, hash);
    slot->key = key;
    slot->hash = hash;
    slot->value = value;
    table->count++;
    return 0;
}

void ll_name_table_clear(ll_name_table *table)
{
    if (table->slots)
        memset(table->slots, 0, (size_t)table->capacity * sizeof *table->slots);
    table->count = 0;
}

void ll_name_table_free(ll_name_table *table)
{
    free(table->slots);
    memset(table, 0, sizeof *table);
}
