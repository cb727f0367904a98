/*
 * stores.h - the functions a unit stores into struct fields and tables
 * (front/ only; stores.c says how they are found).
 *
 * extract.c gives it the initialisers of globals, body.c and
 * body_expression.c those of static and local variables and compound
 * literals, and the assignments of a function to a field, an element or
 * a global. Calls through function pointers and the values read from
 * function-pointer fields are described with the two helpers at the end,
 * so that a call, a value and a store name a field the same way.
 */
#ifndef LOOPLINT_FRONT_STORES_H
#define LOOPLINT_FRONT_STORES_H

#include "internal.h"

#include <stdbool.h>

/* Records the functions that `initializer` (an expression, often an
 * initializer list) puts into fields or into `variable`: the global or
 * static VarDecl it initialises, or a null cursor (a local, a compound
 * literal). 0, or -1 when out of memory. */
int ll_front_initializer_stores(ll_front_unit *front, CXCursor initializer, CXCursor variable);

/* Records the functions `source` names (`f`, `&f`, a cast, either arm of
 * `?:`) as stored by `target = source`, into the field `target` writes
 * (`p->f`, `s.f`, `p->table[i]`) and into `variable` (the global or
 * static VarDecl `target` starts from, or a null cursor). Nothing when
 * `source` names no function or `target` is neither. 0 or -1. */
int ll_front_assignment_stores(ll_front_unit *front, CXCursor target, CXCursor source,
                               CXCursor variable);

/* The function-pointer field an expression reads or writes: `p->f`,
 * `s.f`, or an element of an array field (`p->handlers[i]`), whose type
 * is a function pointer. Sets *field (a FieldDecl) when there is one. */
bool ll_front_function_field(CXCursor expression, CXCursor *field);

/* The name of the struct a field belongs to as clang spells its type
 * ("struct sink_ops", or a typedef's name for an anonymous struct): the
 * nearest named record, since a field of an anonymous struct or union
 * member belongs to the record around it. malloc'd; NULL when out of
 * memory. */
char *ll_front_record_name(CXCursor field);

#endif
