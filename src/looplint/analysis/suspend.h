/*
 * suspend.h - which functions may suspend, and through which call
 * (RULES.md, "Terms": a suspension point is a call the packs mark
 * `suspend`, or of a function that transitively calls one).
 *
 * Several checks ask it: lock-across-suspend (a lock held at such a
 * call), busy-loop (an iteration that passes none). It is computed once
 * per check run over the linked program: every call is resolved to the
 * functions it reaches (ll_program_callees, through function pointers
 * too), and a backwards breadth-first search from the functions that call
 * a suspension point of the packs gives every function its distance, in
 * calls, down to one, and the first call (in source order) that starts a
 * shortest chain - whatever order the functions were found in, so notes
 * are the same for any -j.
 *
 * A call into a function annotated looplint:thread (it runs off the loop)
 * or looplint:blocking (the call is blocking-call's finding and its body
 * is not followed) does not carry that function's suspensions up to its
 * caller.
 */
#ifndef LOOPLINT_SUSPEND_H
#define LOOPLINT_SUSPEND_H

#include "../packs/pack.h"
#include "facts.h"
#include "program.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ll_suspend ll_suspend;

/* Resolves the program's calls and computes "may suspend" for every
 * function. NULL when out of memory. The program and packs must outlive
 * the result. */
ll_suspend *ll_suspend_new(const ll_program *program, ll_packs *packs);
void ll_suspend_free(ll_suspend *suspend);

/* The functions call `call` of function `id` reaches, as
 * ll_program_callees() gives them, resolved once: *callees points at
 * them (valid as long as `suspend`); returns how many. */
uint32_t ll_suspend_callees(const ll_suspend *suspend, uint32_t id, ll_index call,
                            const uint32_t **callees);

/* Whether a call of user function `id` can suspend its caller: it may
 * suspend and is not annotated looplint:thread or looplint:blocking. */
bool ll_suspend_function_suspends(const ll_suspend *suspend, uint32_t id);

/* The call of function `id` that begins its shortest chain to a
 * suspension point (ties: the first such call in source order): a
 * suspension point of the packs, or a call of a user function that may
 * suspend. LL_NONE when the function cannot suspend. */
ll_index ll_suspend_first_call(const ll_suspend *suspend, uint32_t id);
bool ll_suspend_may_suspend(const ll_suspend *suspend, uint32_t id);

/* Whether call `call` of function `id` suspends: a suspension point of
 * the packs, or a call of a user function that suspends its caller (see
 * ll_suspend_function_suspends). A call through a function pointer
 * suspends when any function it may reach does. */
bool ll_suspend_call_suspends(const ll_suspend *suspend, uint32_t id, ll_index call);

/* The user function through which call `call` of function `id` suspends:
 * of those it may reach, the nearest to a suspension point (the first in
 * ll_program_callees order among equals). LL_NONE for a suspension point
 * of the packs, and for a call that does not suspend. */
uint32_t ll_suspend_callee(const ll_suspend *suspend, uint32_t id, ll_index call);

#endif
