/*
 * forever_loop.h - loops that only cancellation or an error can end.
 *
 * A long-lived worker (RULES.md, `unhandled-shutdown`) is a task whose
 * loop never ends by itself: `for (;;)`, `while (1)`, or a loop whose only
 * ways out are the failure of a wait that lasts as long as it must -
 * `while (nest_sleep(ms) == 0)`, `while (nest_queue_get(q, &item,
 * NEST_FOREVER) == 0)`, `if (nest_accept(...) < 0) break;`. Such a wait
 * fails only when the task is cancelled or something broke. A read loop
 * that stops at end of file, a loop over a counter, a loop that drains a
 * queue with a deadline already past, or one that stops on a flag all end
 * by themselves.
 *
 * The waits are the packs' suspension points that are not `needs-timeout`
 * (forever by design: sleep, the next item, the next client...) and do not
 * run a function of their own (a timeout scope's result is its
 * function's), called with no deadline or the forever one. Their failure
 * is what RUNTIME.md says: a negative result, or NULL, for a call that
 * returns a handle (`acquire ... handle=return fail=negative|null`);
 * anything but 0 otherwise (0 / -1 with errno).
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
