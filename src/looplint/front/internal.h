/*
 * internal.h - what the front end's files share (never included outside
 * front/).
 *
 * extract.c parses a TU, records its files and diagnostics and finds the
 * function definitions; for each definition it calls ll_front_function_body()
 * (body.c), which lowers the body into variables, call sites, a CFG and
 * loops. Both map clang's locations through ll_front_location(), which
 * uses the file location (a token made by a macro's body is placed at the
 * macro's name where it was expanded, so a call made by `nest_spawn(...)`
 * is reported at `nest_spawn`; a token written as a macro's argument stays
 * where it was written) and the unit's file table.
 */
#ifndef LOOPLINT_FRONT_INTERNAL_H
#define LOOPLINT_FRONT_INTERNAL_H

#include "../analysis/facts.h"

#include <clang-c/Index.h>

typedef struct ll_front_unit ll_front_unit; /* extract.c: one TU being walked */

/* The unit being filled. */
ll_unit *ll_front_unit_facts(ll_front_unit *front);
CXTranslationUnit ll_front_unit_translation_unit(ll_front_unit *front);

/* A clang location as a facts location (file location, see above; the
 * file is added to the unit's file table on first sight). {LL_NONE, 0, 0}
 * for a location in no file (the command line, a driver error). */
ll_location ll_front_location(ll_front_unit *front, CXSourceLocation location);

/* The tokens of a range joined by single spaces, comments left out
 * (malloc'd; "" when empty; NULL when out of memory). Both ends are mapped
 * as above, so the range of a call made by a macro is the macro's
 * invocation: "nest_spawn ( worker , a )". */
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
