/*
 * callsite.h - what the checks read off one call site beyond its facts:
 * the callee's name as written, the tokens of an argument, whether a
 * deadline argument means "no deadline", and whether a task handle was
 * cancelled on every path to it.
 *
 * These are shared by missing-timeout and unobserved-failure, which must
 * agree on what a forever wait is and on which joins only stop a task
 * (RULES.md, "Precise points": a forever join of a handle cancelled on
 * every path before it is bounded, and its failure is expected).
 */
#ifndef LOOPLINT_CALLSITE_H
#define LOOPLINT_CALLSITE_H

#include "../packs/pack.h"
#include "facts.h"

#include <stdbool.h>
#include <stdint.h>

/* The callee's name as the user wrote it: the first token of the call's
 * text when it is an identifier (a macro wrapping the call), else the
 * callee's name. For "%.*s": the length is stored in *length. */
const char *ll_call_written_name(const ll_call *call, int *length);

/* Whether `value`, passed as a deadline, means "no deadline": the constant
 * `forever`, or a local (not a parameter or a temporary) of `function`
 * that is assigned at least once, only ever that constant, and whose
 * address is never taken. */
bool ll_deadline_is_forever(const ll_function *function, const ll_value *value, int64_t forever);

/* The task handles a function has cancelled on every path to each point:
 * a forward must-dataflow over its CFG (the intersection at joins) where
 * a call with the cancel role adds its handle and an assignment removes
 * it. A handle is a local variable, or an expression that is not one (a
 * field, an array element, a global: `server->janitor`, `tasks[i]`)
 * compared by its tokens as written; such an expression is forgotten at
 * any store (which may overwrite it) and when a variable it names is
 * assigned. */
typedef struct ll_cancelled ll_cancelled;

ll_cancelled *ll_cancelled_new(const ll_function *function, ll_packs *packs);
void ll_cancelled_free(ll_cancelled *cancelled);
/* Whether the handle that call `call` passes as argument `argument` was
 * cancelled on every path to the call (calls in unreachable code count as
 * cancelled: nothing reaches them). Not thread-safe: a query uses the
 * analysis' scratch space. */
bool ll_cancelled_before(ll_cancelled *cancelled, ll_index call, uint32_t argument);

/* Whether call `index` of `function` (whose rule is `rule`) only stops a
 * task: it has the join role and a forever deadline, and its handle was
 * cancelled on every path to it. *cancelled caches the dataflow for the
 * function (computed on first need; NULL at first, the caller frees it).
 * 1 yes, 0 no, -1 out of memory. */
int ll_call_stops_task(const ll_function *function, ll_index index, const ll_function_rule *rule,
                       ll_packs *packs, ll_cancelled **cancelled);

/* The tokens of argument `argument` (1-based) as the call is written:
 * "app -> queue" in "nest_queue_close ( app -> queue )", the spaces
 * around it dropped (its length may be 0). False when the written call
 * does not split into the call's arguments (a macro with other
 * parameters). */
bool ll_call_argument_text(const ll_call *call, uint32_t argument, const char **text,
                           size_t *length);

/* Whether `name` is one of the space-separated tokens of `text` (of
 * `length` bytes), as in an argument's tokens: "app" in "app -> queue".
 * False for a NULL or empty name. */
bool ll_tokens_mention(const char *text, size_t length, const char *name);

#endif
