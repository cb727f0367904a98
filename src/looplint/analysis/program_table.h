/*
 * program_table.h - a string-keyed hash table for the link step.
 *
 * The link step maps USRs, directories and top-level folders to small
 * integers (indices into its own arrays). Keys are borrowed (the units own
 * the strings and outlive the table) and given with a length, so a prefix
 * of a path can be a key without copying it. Open addressing with linear
 * probing, XXH3 hashes kept in the slots, growth at half load: lookups and
 * inserts are O(1) on average, so linking stays linear in the program.
 */
#ifndef LOOPLINT_PROGRAM_TABLE_H
#define LOOPLINT_PROGRAM_TABLE_H

#include "facts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ll_table_slot {
    const char *key; /* NULL: empty slot */
    size_t length;
    uint64_t hash;
    uint32_t value;
} ll_table_slot;

typedef struct ll_table {
    ll_table_slot *slots;
    size_t capacity; /* a power of two */
    size_t count;
} ll_table;

/* An empty table sized for about `expected` keys; 0 or -1 (out of memory). */
int ll_table_init(ll_table *table, size_t expected);
void ll_table_free(ll_table *table);

/* The value stored under the key, or LL_NONE. */
uint32_t ll_table_find(const ll_table *table, const char *key, size_t length);

/* The value stored under the key; when absent, stores `value` first and
 * sets *inserted. LL_NONE when out of memory. */
uint32_t ll_table_intern(ll_table *table, const char *key, size_t length, uint32_t value,
                         bool *inserted);

#endif
