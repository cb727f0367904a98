/*
 * explain.h - the pages that `looplint explain ID` prints.
 *
 * The table is generated at build time from docs/checks/ID.md
 * (pages.cmake), so the command and the documentation cannot drift apart.
 */
#ifndef LOOPLINT_EXPLAIN_H
#define LOOPLINT_EXPLAIN_H

#include <stddef.h>

typedef struct ll_explain_page {
    const char *id;   /* the check id: the page's file name without .md */
    const char *text; /* the Markdown, byte for byte */
    size_t length;
} ll_explain_page;

/* Sorted by id; ends with an entry whose id is NULL. */
extern const ll_explain_page ll_explain_pages[];

/* The page of `id`, or NULL when the build has none. */
const ll_explain_page *ll_explain_page_find(const char *id);

#endif
