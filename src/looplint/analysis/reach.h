/*
 * reach.h - what a function does through the functions it calls and the
 * functions it hands to entry points, over the whole linked program.
 *
 * Some checks ask questions about a program rather than a function: does
 * anything a `nest_run` main reaches wait for shutdown, does this call
 * start a task that (itself or through its callees) takes items from a
 * queue. They need the call graph of the link step (program.h) plus the
 * edges it does not keep: from an entry call (`nest_spawn(worker, q)`,
 * `nest_shield(body, arg)`) to the function it runs, with the entry's kind.
 * An ll_reach is that graph, built once per check run; its questions are
 * answered with two walks:
 *  - reaching forward from one function (what a main reaches), and
 *  - marking backward: given the functions a check marks because of what
 *    they do themselves, every function that reaches one of them.
 * Both record, per function, the edge that marked it first, so that the
 * notes of a finding can retrace the chain. Walks are breadth-first in
 * function and call order, so chains are the same for any -j.
 *
 * A reference to a function is what program.c turns into a root: the
 * function itself (f, &f, a cast), or a local variable holding one (every
 * function assigned to it). Functions the packs describe are leaves.
 */
#ifndef LOOPLINT_REACH_H
#define LOOPLINT_REACH_H

#include "../packs/pack.h"
#include "program.h"

#include <stdbool.h>
#include <stdint.h>

/* Entry kinds as a mask: LL_REACH_ENTRY(LL_ENTRY_TASK) | ... */
#define LL_REACH_ENTRY(kind) (1u << (kind))
/* Entries that run their function in the calling task (it waits for it). */
#define LL_REACH_SAME_TASK                                                                         \
    (LL_REACH_ENTRY(LL_ENTRY_TIMEOUT_SCOPE) | LL_REACH_ENTRY(LL_ENTRY_SHIELD))

/* One edge: call `call` of a function reaches `function`, by calling it
 * (`entry` false) or by handing it to an entry point of kind `kind`. */
typedef struct ll_reach_edge {
    uint32_t function;
    ll_index call;
    bool entry;
    enum ll_entry_kind kind; /* when entry */
} ll_reach_edge;

/* How a walk reached a function: `marked`, and through which edge. For
 * a forward walk, `from` is the caller and `edge` the edge of the caller
 * that led here; for marking backward, `from` is the callee that was
 * marked before and `edge` the edge of this function that leads there.
 * `from` is LL_NONE for where the walk started (and `edge` is then NULL). */
typedef struct ll_reach_mark {
    bool marked;
    uint32_t from;
    const ll_reach_edge *edge;
} ll_reach_mark;

typedef struct ll_reach ll_reach;

/* Builds the graph of `program`: calls as the link resolved them (through
 * function pointers too), and the function references of entry calls
 * whose rules `packs` gives. NULL when out of memory. */
ll_reach *ll_reach_new(const ll_program *program, ll_packs *packs);
void ll_reach_free(ll_reach *reach);

/* The edges of function `id`, in call order; their count. */
uint32_t ll_reach_edges(const ll_reach *reach, uint32_t id, const ll_reach_edge **edges);

/* The definitions a call's argument `argument` (1-based) names: a
 * function, or every function assigned to the local variable passed
 * there. Stores up to `capacity` ids; returns how many it found (more
 * than `capacity` when some did not fit). */
uint32_t ll_reach_functions_of(const ll_program *program, uint32_t caller, ll_index call,
                               uint32_t argument, uint32_t *ids, uint32_t capacity);

/* Marks every function reachable from `start` through calls and through
 * entries whose kind is in `entries` (a mask). `marks` has one element per
 * function and is overwritten. 0, or -1 when out of memory. */
int ll_reach_forward(const ll_reach *reach, uint32_t start, uint32_t entries, ll_reach_mark *marks);

/* Extends the marks the caller set (marked, from LL_NONE) to every
 * function that reaches a marked one through calls and entries whose kind
 * is in `entries`. 0, or -1 when out of memory. */
int ll_reach_backward(const ll_reach *reach, uint32_t entries, ll_reach_mark *marks);

#endif
