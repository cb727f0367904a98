/*
 * list.c - a growable list of strings (list.h).
 */
#include "list.h"

#include <stdlib.h>
#include <string.h>

int ll_string_list_add(ll_string_list *list, const char *text)
{
    char **bigger = realloc(list->items, (list->count + 2) * sizeof *bigger);
    if (!bigger)
        return -1;
    list->items = bigger;
    if (!(list->items[list->count] = strdup(text)))
        return -1;
    list->items[++list->count] = NULL;
    return 0;
}

int ll_string_list_add_ids(ll_string_list *list, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        return -1;
    int result = 0;
    char *rest = copy;
    for (char *id = strsep(&rest, ","); id && result == 0; id = strsep(&rest, ","))
        if (*id)
            result = ll_string_list_add(list, id);
    free(copy);
    return result;
}

int ll_string_list_add_all(ll_string_list *list, const char *const *texts)
{
    for (const char *const *text = texts; text && *text; text++) {
        if (ll_string_list_add(list, *text) < 0)
            return -1;
    }
    return 0;
}

void ll_string_list_free(ll_string_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
