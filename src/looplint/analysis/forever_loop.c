/*
 * forever_loop.c - loops that only cancellation or an error can end
 * (forever_loop.h).
 *
 * A branch is a failure branch when its test reads the result of a wait
 * whose failure is an error (found in the branch's own block, through
 * copies between variables, or anywhere for a temporary, which is
 * assigned once) and every value the taken side admits is a failure value
 * of that wait (branch.h). The walk is a depth-first search over the
 * body's blocks with an explicit stack; each block is visited once.
 */
#include "forever_loop.h"

#include "branch.h"
#include "callsite.h"

#include <stdlib.h>

/* ---- Waits whose failure is an error ------------------------------------------------- */

/* The rule of call `c` when it is a wait whose failure is an error or a
 * cancellation: a suspension point running no function of its own that
 * is either I/O that needs a timeout (its timing out is an error too), or
 * a wait forever by design given no deadline or the forever one. A wait
 * forever by design given a deadline fails when there is nothing to wait
 * for - the loop around it ends by itself (a queue drained until empty).
 * NULL otherwise. */
static const ll_function_rule *failing_wait(const ll_function *function, ll_index c,
                                            ll_packs *packs)
{
    const ll_call *call = &function->calls[c];
    if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
        return NULL;
    const ll_function_rule *rule = ll_packs_lookup(packs, call->callee_name);
    if (!rule || !rule->suspend || rule->entry_count)
        return NULL;
    uint32_t deadline = rule->suspend->deadline;
    if (rule->suspend->needs_timeout || deadline == 0)
        return rule;
    if (deadline > call->argument_count ||
        !ll_deadline_is_forever(function, &call->arguments[deadline - 1], rule->suspend->forever))
        return NULL;
    return rule;
}

/* Whether leaving `block` by successor `successor` is taken only when a
 * wait failed with an error (or was cancelled). */
static bool failure_edge(const ll_function *function, const ll_block *block, uint32_t successor,
                         ll_packs *packs)
{
    ll_index call = ll_branch_tested_call(function, block);
    if (call == LL_NONE)
        return false;
    const ll_function_rule *rule = failing_wait(function, call, packs);
    return rule && ll_branch_only_on_failure(block, successor, rule);
}

/* ---- The walk ------------------------------------------------------------------------- */

int ll_loop_runs_until_failure(const ll_function *function, const ll_loop *loop, ll_packs *packs)
{
    uint32_t count = function->block_count;
    if (loop->header >= count)
        return 0;
    bool *in_body = calloc(count, sizeof *in_body);
    bool *seen = calloc(count, sizeof *seen);
    ll_index *stack = malloc(count * sizeof *stack);
    int result = -1;
    if (!in_body || !seen || !stack)
        goto done;
    for (uint32_t i = 0; i < loop->body_block_count; i++)
        if (loop->body_blocks[i] < count)
            in_body[loop->body_blocks[i]] = true;
    in_body[loop->header] = true;
    uint32_t depth = 0;
    stack[depth++] = loop->header;
    seen[loop->header] = true;
    result = 1;
    while (depth && result) {
        const ll_block *block = &function->blocks[stack[--depth]];
        if (block->terminator == LL_TERMINATOR_RETURN ||
            block->terminator == LL_TERMINATOR_NORETURN)
            result = 0;
        for (uint32_t s = 0; s < block->successor_count && result; s++) {
            ll_index next = block->successors[s];
            if (next >= count || failure_edge(function, block, s, packs))
                continue;
            if (!in_body[next])
                result = 0;
            else if (!seen[next]) {
                seen[next] = true;
                stack[depth++] = next;
            }
        }
    }
done:
    free(in_body);
    free(seen);
    free(stack);
    return result;
}
