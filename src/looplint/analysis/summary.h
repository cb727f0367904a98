/*
 * summary.h - what each function of the linked program does with the
 * handles it is given and with what it returns: the function summaries
 * the ownership engine (ownership.h) uses at call sites.
 *
 * Per function:
 *  - per parameter n, what becomes of a handle the caller passes there:
 *    released on every path (`conn_free(c)` calling `nest_pool_close(c)`),
 *    taken (stored, handed to a function that takes it, or released, on
 *    every path; and LOOPLINT_TAKES(n) on any declaration), only borrowed
 *    (used, left to the caller), or unknown (it depends on the path, or
 *    the function cannot be seen);
 *  - whether it returns an owned resource, and as which acquisition its
 *    callers see it: every return returns either the handle of an acquire
 *    (of the packs, or of a function that itself returns an owned
 *    resource) or that acquire's failure value (`make_conn()` returning
 *    `nest_pool_open(...)`, or NULL);
 *  - whether it marks an item of the queue given as parameter n done, on
 *    every path or only on some; and whether it may mark any item done
 *    (itself or through its callees);
 *  - whether it returns at all (a function that always exits or loops
 *    forever ends its callers' paths).
 *
 * They are computed once, bottom-up over the call graph in the order of
 * its strongly connected components (callees first). Inside a component
 * (recursion) the functions are analysed again until nothing changes:
 * what is known only grows (a set of fates per parameter, what the
 * returns return, "returns at all"), starting from "returns nothing", so
 * a recursive call contributes only once some path of its function
 * returns. Each function is analysed once outside recursion, so the work
 * is linear in the program. Everything is decided by function number and
 * call order: the same for any -j.
 *
 * The summaries are plain data once computed, read by several checks.
 */
#ifndef LOOPLINT_SUMMARY_H
#define LOOPLINT_SUMMARY_H

#include "../packs/pack.h"
#include "facts.h"
#include "program.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ll_summaries ll_summaries;

/* What a function does with a handle given as one of its parameters. */
enum ll_parameter_effect {
    LL_PARAMETER_BORROWS = 0, /* uses it, leaves it to the caller */
    LL_PARAMETER_RELEASES,    /* releases it on every path */
    LL_PARAMETER_TAKES,       /* keeps it (or releases it) on every path */
    LL_PARAMETER_UNKNOWN,     /* depends on the path, or cannot be seen */
};

/* Whether a function marks an item of the queue given as a parameter
 * done (the item-done role). */
enum ll_done_effect {
    LL_DONE_NEVER = 0,
    LL_DONE_ALWAYS,    /* on every path */
    LL_DONE_SOMETIMES, /* on some paths, or cannot be seen */
};

/* Summarises every function of the program. NULL when out of memory.
 * The program and packs must outlive the summaries. */
ll_summaries *ll_summaries_new(const ll_program *program, ll_packs *packs);
/* Summarises only what the functions flagged in `roots` (indexed by
 * function id) can consult: their own summaries and those of every
 * function they reach through calls. A partial run checks only some
 * functions, and summarising the whole program was most of its time. The
 * other functions answer every question as "unknown", so that nothing is
 * concluded from them. roots NULL: every function. */
ll_summaries *ll_summaries_new_within(const ll_program *program, ll_packs *packs,
                                      const bool *roots);
void ll_summaries_free(ll_summaries *summaries);
/* The summaries to use: `shared` when there are some, else new ones put
 * in *own (free them with ll_summaries_free); NULL when out of memory. */
const ll_summaries *ll_summaries_use(const ll_summaries *shared, const ll_program *program,
                                     ll_packs *packs, ll_summaries **own);

/* What function `id` does with a handle passed as its parameter
 * `parameter` (from 1). Unknown for an argument past its parameters. */
enum ll_parameter_effect ll_summary_parameter(const ll_summaries *summaries, uint32_t id,
                                              uint32_t parameter);

/* The acquisition a call of function `id` makes when it returns an owned
 * resource (kind, type and failure value as its callers see it), or
 * NULL. *origin (may be NULL) is set to the call in `id` whose handle it
 * returns: an acquire of the packs, or another such function. */
const ll_acquire_rule *ll_summary_acquires(const ll_summaries *summaries, uint32_t id,
                                           ll_index *origin);

/* Whether function `id` marks an item of the queue passed as its
 * parameter `parameter` done. */
enum ll_done_effect ll_summary_item_done(const ll_summaries *summaries, uint32_t id,
                                         uint32_t parameter);

/* Whether function `id`, or a function it calls, may mark an item of
 * some queue done. */
bool ll_summary_may_item_done(const ll_summaries *summaries, uint32_t id);

/* Whether function `id` may return (false: every path exits, or loops
 * forever). */
bool ll_summary_returns(const ll_summaries *summaries, uint32_t id);

/* LOOPLINT_TAKES of the function with this USR, from its definition and
 * every declaration in the program (bit n-1: argument n); 0 for NULL. */
uint32_t ll_summaries_takes(const ll_summaries *summaries, const char *usr);

/* How many times functions were analysed: the number of functions with a
 * body, plus the extra rounds that recursion needed. */
uint64_t ll_summaries_analyses(const ll_summaries *summaries);

#endif
