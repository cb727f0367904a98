/*
 * list.h - a growable list of strings, as the subcommands collect them
 * from repeated options (--rules A --rules B, --enable a,b).
 *
 * `items` is NULL-terminated (or NULL while empty), so it can be handed
 * straight to interfaces that take `const char *const *`.
 */
#ifndef LOOPLINT_LIST_H
#define LOOPLINT_LIST_H

#include <stddef.h>

typedef struct ll_string_list {
    char **items;
    size_t count;
} ll_string_list;

/* Appends a copy of `text`. 0, or -1 when out of memory. */
int ll_string_list_add(ll_string_list *list, const char *text);
/* Appends every non-empty comma-separated part of `text` ("a,b"). */
int ll_string_list_add_ids(ll_string_list *list, const char *text);
/* Appends copies of every string of a NULL-terminated array (may be NULL). */
int ll_string_list_add_all(ll_string_list *list, const char *const *texts);
void ll_string_list_free(ll_string_list *list);

#endif
