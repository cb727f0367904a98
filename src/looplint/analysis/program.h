/*
 * program.h - the whole program: units linked into one call graph.
 *
 * ll_program_link() takes the facts of every TU, resolves each call by USR
 * (ARCHITECTURE.md, "Many programs in one database": the definition in the
 * caller's own TU, else the only one, else the one in the same directory,
 * then the same top-level folder; still ambiguous: dropped and counted),
 * resolves each call through a function pointer to every function the
 * pointer can hold (RULES.md, "Terms": the functions stored into the
 * field of that struct type, or into that global table; program.c says
 * how; none: counted as unresolved), finds the loop-context roots from
 * the packs' entry rules and the annotations, and propagates loop context
 * in one pass over the graph.
 * Checks then ask it which functions run on the loop, under which roots,
 * and for the shortest chain from a root (ties broken by function name,
 * so output is the same for any -j).
 *
 * Functions are numbered 0..n-1 in unit order, then definition order.
 *
 * Propagation stops at functions annotated looplint:thread (never in loop
 * context) and at functions annotated looplint:blocking (the call to one
 * is the finding; its body is not followed, so one defect is one
 * finding). Roots are ordered by (function name, unit path, location of
 * the function, then of the entry call); each context is then a
 * breadth-first search from its roots in that order, following each
 * function's calls in source order, first visit wins. So the chain of a
 * function is a shortest one, and among those the first in that order:
 * the same for any unit order and any -j.
 */
#ifndef LOOPLINT_PROGRAM_H
#define LOOPLINT_PROGRAM_H

#include "error.h"
#include "facts.h"
#include "finding.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ll_packs;
typedef struct ll_program ll_program;

/* Counters reported by --stats. Atomic: checks may bump them from
 * several threads. */
typedef struct ll_statistics {
    atomic_size_t units;                 /* TUs in the run */
    atomic_size_t units_parsed;          /* ... parsed this run */
    atomic_size_t units_cached;          /* ... whose facts were reused */
    atomic_size_t units_failed;          /* ... with clang errors */
    atomic_size_t commands_duplicate;    /* identical compile commands skipped */
    atomic_size_t commands_other_config; /* same file, other flags, skipped */
    atomic_size_t functions;
    atomic_size_t calls;
    atomic_size_t roots;
    atomic_size_t indirect_unresolved; /* calls through a function pointer
                                          that can hold no known function */
    atomic_size_t ambiguous_calls;     /* several definitions, dropped */
    atomic_size_t ownership_unknown;   /* a handle passed to an unknown callee:
                                          ownership analysis stayed silent */
    atomic_size_t ownership_gave_up;   /* path-state limit reached */
    double seconds_plan, seconds_extract, seconds_link, seconds_check, seconds_store;
} ll_statistics;

/* Links the units (which must outlive the program). NULL and error on
 * failure (out of memory). */
ll_program *ll_program_link(ll_unit *const *units, size_t unit_count, struct ll_packs *packs,
                            ll_statistics *statistics, ll_error *error);
void ll_program_free(ll_program *program);

uint32_t ll_program_function_count(const ll_program *program);
/* The function numbered `id`, and (if unit is not NULL) its unit. */
const ll_function *ll_program_function(const ll_program *program, uint32_t id,
                                       const ll_unit **unit);
/* The number of `function`, or LL_NONE when it is not a definition of a
 * linked unit. */
uint32_t ll_program_function_id(const ll_program *program, const ll_function *function);

/* Annotations of function `id` (LL_ANNOTATION_*), merged with those of
 * every declaration with the same USR. */
uint32_t ll_program_annotations(const ll_program *program, uint32_t id);
/* Annotations of any declaration or definition with this USR (a library
 * function declared LOOPLINT_BLOCKING in a header); 0 when none. */
uint32_t ll_program_usr_annotations(const ll_program *program, const char *usr);

/* The definition that a reference to `usr` made in function `from` (a
 * call, or a function passed as an argument) resolves to, by the rules
 * above; LL_NONE when there is none or it is ambiguous. */
uint32_t ll_program_resolve(const ll_program *program, uint32_t from, const char *usr);

/* The function a direct call of function `caller` resolves to, or LL_NONE
 * (library function, ambiguous, or a call through a function pointer,
 * which may reach several). */
uint32_t ll_program_callee(const ll_program *program, uint32_t caller, ll_index call);

/* Every function call `call` of function `caller` reaches: the callee of
 * a direct call, or each function a call through a function pointer
 * resolves to, in a fixed order (that of the chains). Returns how many;
 * the first `max` of them go to `callees` (which may be NULL). */
uint32_t ll_program_callees(const ll_program *program, uint32_t caller, ll_index call,
                            uint32_t *callees, uint32_t max);

/* Loop context of a function (bits). */
enum {
    LL_CONTEXT_LOOP = 1u << 0,      /* reachable from some loop root */
    LL_CONTEXT_STRICT_IO = 1u << 1, /* ... from a root of a strict-io pack */
    LL_CONTEXT_UNBOUNDED = 1u << 2, /* ... from a root other than a timeout
                                       scope, without passing through one */
};
uint32_t ll_program_context(const ll_program *program, uint32_t id);

/* Appends to `finding` the notes of the shortest chain from a root whose
 * context includes `context` (one LL_CONTEXT_* bit) to function `id`:
 * "task 'handle' spawned here", "calls 'load'", "calls 'append' through
 * field 'emit' of 'struct sink_ops'"... 0, or -1 when out of memory or
 * the function has no such root. */
int ll_program_chain_notes(const ll_program *program, uint32_t id, uint32_t context,
                           ll_finding *finding);

#endif
