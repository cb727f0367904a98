/*
 * loop_condition.h - what a loop's condition says about how the loop can
 * end: whether anything in the loop can change it (busy-loop), and
 * whether its bound is a constant (unbounded-spawn). RULES.md, "The
 * checks" and "Precise points".
 *
 * Both read the facts the front keeps about the condition (facts.h,
 * ll_loop: the locals and parameters it names, its calls, whether it
 * reads memory) against what the loop's blocks do.
 *
 * Can the condition change? A constant-true condition cannot. Otherwise
 * it can when it calls anything but a function the packs give the
 * `loop-state` role (`nest_cancelled()`: only the loop changes what it
 * reports, while the task is suspended, so a loop that never suspends
 * never sees it change); when the loop assigns a local it names (an
 * assignment, a call's result, ++) or that local's address is taken
 * anywhere in the function (it may be written through the pointer); and,
 * when it reads memory (a global, a field, an element, through a
 * pointer), when the loop stores anything or calls anything but a
 * `loop-state` function. Each rule errs on the side of "it can change":
 * a loop that might end is never called endless.
 *
 * Is the bound a constant? A counter is a local assigned only constants
 * before the loop and only updated (++, +=, i = i * 2) in it. The bound
 * is a constant when the condition has no call and reads no memory, and
 * every local it names is a counter or a local assigned only constants
 * and not in the loop, one of them at least a counter; or when, on every
 * way around, the loop passes a test of a counter against a constant
 * that leaves it (`i < 8 && status == 0`, `while (n < MAX && spawn(...)
 * == 0) n++;`), whatever else it tests. `for (i = 0; i < 8; i++)` is
 * bounded; a parameter, a call's result, a field, or a flag the loop sets
 * to a constant make the loop driven by data. An update by a value that
 * is not a constant (`i += step`) reads as one by a constant: the facts
 * do not tell them apart.
 */
#ifndef LOOPLINT_LOOP_CONDITION_H
#define LOOPLINT_LOOP_CONDITION_H

#include "../packs/pack.h"
#include "facts.h"

#include <stdbool.h>

/* Sets in_loop[b] (one element per block of `function`) to whether block
 * b is one of `loop`'s. */
void ll_loop_mark_blocks(const ll_function *function, const ll_loop *loop, bool *in_loop);

/* Whether the address of `variable` is taken anywhere in `function` (an
 * operation's value, or a call's argument, is &variable). */
bool ll_variable_address_taken(const ll_function *function, ll_index variable);

enum ll_condition_change {
    LL_CONDITION_CHANGES = 0, /* something in the loop can change it */
    LL_CONDITION_CONSTANT,    /* it is always true (or absent) */
    LL_CONDITION_UNCHANGED,   /* nothing in the loop changes what it reads */
    LL_CONDITION_LOOP_STATE,  /* ... but for loop-state calls, which do not
                                 change while the loop does not suspend */
};

/* Whether anything in `loop` can change its condition (see the top of
 * the file); `in_loop` as ll_loop_mark_blocks() sets it. For
 * LL_CONDITION_LOOP_STATE, *state_call (when not NULL) is the first
 * loop-state call of the condition. */
enum ll_condition_change ll_loop_condition_change(const ll_function *function, const ll_loop *loop,
                                                  const bool *in_loop, ll_packs *packs,
                                                  ll_index *state_call);

/* Whether the test that ends block `block` of `loop` (a branch, or a
 * switch) can go another way on a later iteration: a switch, or a test
 * that is not `variable RELATION constant`, can (the condition's, in the
 * header, is judged by ll_loop_condition_change() instead); a test of a variable can when the
 * loop assigns it - by anything but a loop-state call - or its address is
 * taken. */
bool ll_loop_test_can_change(const ll_function *function, const ll_loop *loop, const bool *in_loop,
                             ll_packs *packs, ll_index block);

/* Whether `loop` runs a number of times fixed by constants (see the top
 * of the file): 1 or 0, or -1 when out of memory. */
int ll_loop_bound_is_constant(const ll_function *function, const ll_loop *loop,
                              const bool *in_loop);

/* The first local the condition names whose value comes from data (not
 * a counter, nor a local assigned only constants), for messages; LL_NONE
 * when there is none. */
ll_index ll_loop_data_variable(const ll_function *function, const ll_loop *loop,
                               const bool *in_loop);

#endif
