/*
 * locks.h - which functions may suspend, and which locks a function may
 * hold at each of its suspension points (lock-across-suspend, RULES.md).
 *
 * A task that suspends while it holds a thread lock (a pthread mutex, a
 * rwlock, a spinlock) leaves the lock taken while other tasks run on the
 * same thread; the first of them that takes it blocks the whole loop, and
 * the holder never runs again to release it. Finding that takes three
 * pieces, all computed from the packs (what a callee means) and the
 * linked program (who calls whom):
 *
 *  - "may suspend", per function (suspend.h, which other checks share):
 *    it calls a suspension point of the packs, or a user function that
 *    may suspend - directly or through a function pointer the link
 *    resolved;
 *  - per function, a summary of what it does to locks its caller can
 *    see: the locks it may return holding (a lock helper, a trylock
 *    wrapper whose result says whether it took it), and the locks it
 *    releases that it did not take (an unlock helper);
 *  - per function, a forward may-dataflow over its CFG: the set of locks
 *    it may hold at each point (the union at joins).
 *
 * A lock is named by the tokens of the argument that designates it, a
 * leading `&` dropped ("& c -> lock" is "c -> lock"), so that the unlock
 * of the same expression releases it; assigning a variable that the name
 * mentions forgets the lock (`c = c->next` makes "c -> lock" another
 * lock). A release whose argument names no lock held frees every lock of
 * its types: the analysis cannot tell which one it is (an alias), and
 * staying silent is the safe side. Locks returned by a user function are
 * renamed into the caller's terms by putting the call's arguments in
 * place of the callee's parameters.
 */
#ifndef LOOPLINT_LOCKS_H
#define LOOPLINT_LOCKS_H

#include "../packs/pack.h"
#include "facts.h"
#include "program.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ll_locks ll_locks;

/* A lock a function may take: by an acquire of the packs (kind=lock), or
 * by calling a user function that returns holding it. */
typedef struct ll_lock {
    char *name;           /* its tokens without a leading `&`: "c -> lock" */
    bool named;           /* false: `name` is how the callee that returned it spells
                             it, which means nothing here: only a release of every
                             lock of its type frees it */
    const char *type;     /* the pack's type ("mutex"), owned by the packs */
    ll_index call;        /* the call that takes it */
    uint32_t callee;      /* LL_NONE: `call` is an acquire of the packs; else
                             the user function that returns holding it */
    uint32_t callee_lock; /* ... as its lock number in ll_locks_returned() */
    bool on_success;      /* held only when the call returns 0: a trylock,
                             or a function returning a trylock's result */
} ll_lock;

/* A suspending call reached while locks may be held. */
typedef struct ll_lock_suspension {
    ll_index call;
    uint32_t *held; /* indices into ll_lock_flow.locks, increasing */
    uint32_t held_count;
} ll_lock_suspension;

/* What the dataflow found in one function. */
typedef struct ll_lock_flow {
    ll_lock *locks; /* in call order */
    uint32_t lock_count;
    ll_lock_suspension *suspensions; /* in call order */
    uint32_t suspension_count;
} ll_lock_flow;

/* Computes "may suspend" and the lock summaries of every function of the
 * program: summaries bottom-up over the call graph (callees first; in a
 * cycle of calls, the call that closes it sees an empty summary). NULL
 * when out of memory. The program and packs must outlive the result. */
ll_locks *ll_locks_new(const ll_program *program, ll_packs *packs);
void ll_locks_free(ll_locks *locks);

/* "May suspend" as suspend.h computes it, for the check's notes (see
 * ll_suspend_first_call and the functions after it there).
 *
 * The call of function `id` that begins its shortest chain to a
 * suspension point (ties: the first such call in source order): a
 * suspension point of the packs, or a call of a user function that may
 * suspend. LL_NONE when the function cannot suspend. */
ll_index ll_locks_suspension(const ll_locks *locks, uint32_t id);
bool ll_locks_may_suspend(const ll_locks *locks, uint32_t id);

/* Whether call `call` of function `id` suspends: a suspension point of
 * the packs, or a call of a user function that may suspend and is not
 * annotated looplint:thread or looplint:blocking (those do not run on
 * the loop, or are the blocking-call check's business). A call through a
 * function pointer suspends when any function it may reach does. */
bool ll_locks_call_suspends(const ll_locks *locks, uint32_t id, ll_index call);

/* The user function through which call `call` of function `id` suspends:
 * of those it may reach, the nearest to a suspension point (the first in
 * ll_program_callees order among equals). LL_NONE for a suspension point
 * of the packs, and for a call that does not suspend. */
uint32_t ll_locks_suspending_callee(const ll_locks *locks, uint32_t id, ll_index call);

/* The locks function `id` may return holding that it took (itself, or
 * through its callees), spelled in its own terms; *count is set. */
const ll_lock *ll_locks_returned(const ll_locks *locks, uint32_t id, uint32_t *count);

/* Runs the dataflow over function `id` of the program: 0 with *flow
 * filled (free it with ll_lock_flow_free), or -1 when out of memory. */
int ll_locks_analyze(const ll_locks *locks, uint32_t id, ll_lock_flow *flow);
void ll_lock_flow_free(ll_lock_flow *flow);

/* A lock's tokens as C is usually written ("c -> lock" is "c->lock"),
 * into `buffer` (truncated to fit); returns buffer. */
const char *ll_lock_spelling(const char *name, char *buffer, size_t size);

#endif
