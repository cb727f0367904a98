/*
 * forever_loop.c - loops that only cancellation or an error can end
 * (forever_loop.h).
 *
 * A branch is a failure branch when its test reads the result of a
 * forever wait (found in the branch's own block, through copies between
 * variables, or anywhere for a temporary, which is assigned once) and
 * every value the taken side admits is a failure value of that wait. The
 * walk is a depth-first search over the body's blocks with an explicit
 * stack; each block is visited once.
 */
#include "forever_loop.h"

#include "branch.h"
#include "callsite.h"

#include <stdlib.h>

/* ---- Forever waits ------------------------------------------------------------------- */

/* The rule of call `c` when it is a wait that can only end in failure:
 * a suspension point without needs-timeout, running no function of its
 * own, with no deadline or the forever one. NULL otherwise. */
static const ll_function_rule *forever_wait(const ll_function *function, ll_index c,
                                            ll_packs *packs)
{
    const ll_call *call = &function->calls[c];
    if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
        return NULL;
    const ll_function_rule *rule = ll_packs_lookup(packs, call->callee_name);
    if (!rule || !rule->suspend || rule->suspend->needs_timeout || rule->entry_count)
        return NULL;
    uint32_t deadline = rule->suspend->deadline;
    if (deadline == 0)
        return rule;
    if (deadline > call->argument_count ||
        !ll_deadline_is_forever(function, &call->arguments[deadline - 1], rule->suspend->forever))
        return NULL;
    return rule;
}

/* The call whose result `variable` holds when `block` ends: the last
 * assignment in the block, through copies; for a temporary assigned
 * nowhere in the block, its one producing call. LL_NONE if unknown. */
static ll_index result_of(const ll_function *function, const ll_block *block, ll_index variable)
{
    for (uint32_t o = block->operation_count; o-- > 0;) {
        const ll_operation *operation = &block->operations[o];
        if (operation->target != variable)
            continue;
        if (operation->kind == LL_OPERATION_CALL)
            return operation->call;
        if (operation->kind != LL_OPERATION_ASSIGN || operation->value.kind != LL_VALUE_VARIABLE)
            return LL_NONE;
        variable = operation->value.variable;
    }
    if (variable >= function->variable_count ||
        function->variables[variable].kind != LL_VARIABLE_TEMPORARY)
        return LL_NONE;
    for (uint32_t b = 0; b < function->block_count; b++)
        for (uint32_t o = 0; o < function->blocks[b].operation_count; o++) {
            const ll_operation *operation = &function->blocks[b].operations[o];
            if (operation->kind == LL_OPERATION_CALL && operation->target == variable)
                return operation->call;
        }
    return LL_NONE;
}

/* ---- Failure values --------------------------------------------------------------------- */

enum failure_values { FAILS_NEGATIVE, FAILS_ZERO, FAILS_NONZERO };

static enum failure_values failure_values(const ll_function_rule *rule)
{
    const ll_acquire_rule *acquire = rule->acquire;
    if (acquire && acquire->place == LL_HANDLE_RETURN && acquire->failure == LL_FAILURE_NEGATIVE)
        return FAILS_NEGATIVE;
    if (acquire && acquire->place == LL_HANDLE_RETURN && acquire->failure == LL_FAILURE_NULL)
        return FAILS_ZERO;
    return FAILS_NONZERO;
}

/* Whether every x with `x RELATION k` is negative. */
static bool only_negative(enum ll_relation relation, int64_t k)
{
    return (relation == LL_RELATION_LESS && k <= 0) ||
           (relation == LL_RELATION_LESS_EQUAL && k < 0) ||
           (relation == LL_RELATION_EQUAL && k < 0);
}

/* Whether every x with `x RELATION k` is non-zero. */
static bool only_nonzero(enum ll_relation relation, int64_t k)
{
    return only_negative(relation, k) || (relation == LL_RELATION_NOT_EQUAL && k == 0) ||
           (relation == LL_RELATION_EQUAL && k != 0) ||
           (relation == LL_RELATION_GREATER && k >= 0) ||
           (relation == LL_RELATION_GREATER_EQUAL && k > 0);
}

/* Whether leaving `block` by successor `successor` is taken only when a
 * forever wait failed. */
static bool failure_edge(const ll_function *function, const ll_block *block, uint32_t successor,
                         ll_packs *packs)
{
    const ll_test *test = &block->test;
    enum ll_relation taken = ll_branch_relation(block, successor);
    if (taken == LL_RELATION_UNKNOWN || test->variable >= function->variable_count)
        return false;
    ll_index call = result_of(function, block, test->variable);
    if (call >= function->call_count)
        return false;
    const ll_function_rule *rule = forever_wait(function, call, packs);
    if (!rule)
        return false;
    switch (failure_values(rule)) {
    case FAILS_NEGATIVE:
        return only_negative(taken, test->constant);
    case FAILS_ZERO:
        return taken == LL_RELATION_EQUAL && test->constant == 0;
    case FAILS_NONZERO:
        return only_nonzero(taken, test->constant);
    }
    return false;
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
