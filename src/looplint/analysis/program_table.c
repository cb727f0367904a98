/*
 * program_table.c - the link step's string-keyed hash table (program_table.h).
 *
 * Each slot keeps the key's full 64-bit hash, so probing compares hashes
 * before bytes and growing never rehashes a key. The table is at most half
 * full, which keeps linear-probe chains short without tombstones (nothing
 * is ever removed).
 */
#include "program_table.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int ll_table_init(ll_table *table, size_t expected)
{
    size_t capacity = 16;
    while (capacity < expected * 2)
        capacity *= 2;
    table->slots = calloc(capacity, sizeof *table->slots);
    table->capacity = table->slots ? capacity : 0;
    table->count = 0;
    return table->slots ? 0 : -1;
}

void ll_table_free(ll_table *table)
{
    free(table->slots);
    table->slots = NULL;
    table->capacity = table->count = 0;
}

/* The slot holding the key, or the empty slot where it would go. */
static ll_table_slot *probe(ll_table_slot *slots, size_t capacity, const char *key, size_t length,
                            uint64_t hash)
{
    size_t mask = capacity - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        ll_table_slot *slot = &slots[i];
        if (!slot->key)
            return slot;
        if (slot->hash == hash && slot->length == length && memcmp(slot->key, key, length) == 0)
            return slot;
    }
}

static int grow(ll_table *table)
{
    size_t capacity = table->capacity * 2;
    ll_table_slot *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < table->capacity; i++) {
        const ll_table_slot *old = &table->slots[i];
        if (old->key)
            *probe(slots, capacity, old->key, old->length, old->hash) = *old;
    }
    free(table->slots);
    table->slots = slots;
    table->capacity = capacity;
    return 0;
}

uint32_t ll_table_find(const ll_table *table, const char *key, size_t length)
{
    uint64_t hash = XXH3_64bits(key, length);
    const ll_table_slot *slot = probe(table->slots, table->capacity, key, length, hash);
    return slot->key ? slot->value : LL_NONE;
}

uint32_t ll_table_intern(ll_table *table, const char *key, size_t length, uint32_t value,
                         bool *inserted)
{
    uint64_t hash = XXH3_64bits(key, length);
    ll_table_slot *slot = probe(table->slots, table->capacity, key, length, hash);
    *inserted = false;
    if (slot->key)
        return slot->value;
    if ((table->count + 1) * 2 > table->capacity) {
        if (grow(table) < 0)
            return LL_NONE;
        slot = probe(table->slots, table->capacity, key, length, hash);
    }
    slot->key = key;
    slot->length = length;
    slot->hash = hash;
    slot->value = value;
    table->count++;
    *inserted = true;
    return value;
}
