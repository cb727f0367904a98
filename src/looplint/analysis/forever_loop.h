/*
 * forever_loop.h - loops that only cancellation or an error can end.
 *
 * A long-lived worker (RULES.md, `unhandled-shutdown`) is a task whose
 * loop never ends by itself: `for (;;)`, `while (1)`, or a loop whose only
 * ways out are failures - `while (nest_sleep(ms) == 0)`,
 * `while (nest_queue_get(q, &item, NEST_FOREVER) == 0)`,
 * `if (nest_accept(...) < 0) break;`, `if (nest_write(...) < 0) return -1;`.
 * A read loop that stops at end of file, a loop over a counter, a loop
 * that drains a queue with a deadline already past, or one that stops on
 * a flag or a sentinel item all end by themselves.
 *
 * Failures are those of the packs' suspension points that run no function
 * of their own (a timeout scope's result is its function's): I/O that
 * needs a timeout (its timing out is an error too), and waits forever by
 * design (sleep, the next item, the next client...) given no deadline or
 * the forever one - cancellation or an error is then the only way they
 * fail. A wait forever by design given a deadline fails when there is
 * nothing to wait for: a normal end. What a failure looks like is
 * RUNTIME.md's (branch.h): a negative result, or NULL, for a call that
 * returns a handle; anything but 0 otherwise.
 *
 * The test: walk the loop's body from its header without taking a branch
 * that only such a failure takes; if no way out of the loop (an edge to a
 * block outside the body, a return, a call that does not return) is
 * reached, only a failure can end it.
 */
#ifndef LOOPLINT_FOREVER_LOOP_H
#define LOOPLINT_FOREVER_LOOP_H

#include "../packs/pack.h"
#include "facts.h"

#include <stdbool.h>

/* Whether loop `loop` of `function` ends only by cancellation or an
 * error. -1 when out of memory, else 1 or 0. */
int ll_loop_runs_until_failure(const ll_function *function, const ll_loop *loop, ll_packs *packs);

#endif
