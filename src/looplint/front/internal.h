/*
 * internal.h - what the front end's files share (never included outside
 * front/).
 *
 * extract.c parses a TU, records its files and diagnostics and finds the
 * function definitions; for each definition it calls ll_front_function_body()
 * (body.c), which lowers the body into variables, call sites, a CFG and
 * loops. Both map clang's locations through ll_front_location(), which
 * uses the expansion location (where a macro was written, so a call made
 * by `nest_spawn(...)` is reported at `nest_spawn`) and the unit's file
 * table.
 */
#ifndef LOOPLINT_FRONT_INTERNAL_H
#define LOOPLINT_FRONT_INTERNAL_H

#include "../analysis/facts.h"

#include <clang-c/Index.h>

typedef struct ll_front_unit ll_front_unit; /* extract.c: one TU being walked */

/* The unit being filled. */
ll_unit *ll_front_unit_facts(ll_front_unit *front);
CXTranslationUnit ll_front_unit_translation_unit(ll_front_unit *front);

/* A clang location as a facts location (expansion location; the file is
 * added to the unit's file table on first sight). */
ll_location ll_front_location(ll_front_unit *front, CXSourceLocation location);

/* The tokens of a range joined by single spaces (malloc'd; "" when empty). */
char *ll_front_range_text(ll_front_unit *front, CXSourceRange range);

/* Fills `function` (already added to the unit, name/usr/location set) from
 * the body of the definition `cursor`: parameters and locals, calls with
 * their arguments, blocks, successors and loops. Returns 0, or -1 when out
 * of memory. */
int ll_front_function_body(ll_front_unit *front, CXCursor cursor, ll_function *function);

/* path.c: `path` made absolute against `directory` and normalised
 * (realpath() when the file exists, else "." and ".." removed lexically);
 * malloc'd, NULL when out of memory. */
char *ll_front_absolute_path(const char *directory, const char *path);

#endif
