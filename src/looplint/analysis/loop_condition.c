/*
 * loop_condition.c - whether a loop's condition can change, and whether
 * its bound is a constant (loop_condition.h says by which rules).
 *
 * Each question is a pass over the function's operations (per variable
 * asked about), and a constant bound at most a walk of the loop's blocks
 * per test of a counter: functions are small, and a loop is asked about
 * once per check.
 */
#include "loop_condition.h"

#include <stdlib.h>
#include <string.h>

void ll_loop_mark_blocks(const ll_function *function, const ll_loop *loop, bool *in_loop)
{
    memset(in_loop, 0, function->block_count * sizeof *in_loop);
    for (uint32_t i = 0; i < loop->body_block_count; i++)
        if (loop->body_blocks[i] < function->block_count)
            in_loop[loop->body_blocks[i]] = true;
}

static bool is_address_of(const ll_value *value, ll_index variable)
{
    return value->kind == LL_VALUE_ADDRESS && value->variable == variable;
}

bool ll_variable_address_taken(const ll_function *function, ll_index variable)
{
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++)
            if (is_address_of(&block->operations[o].value, variable))
                return true;
        if (is_address_of(&block->returned, variable))
            return true;
    }
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_call *call = &function->calls[c];
        for (uint32_t a = 0; a < call->argument_count; a++)
            if (is_address_of(&call->arguments[a], variable))
                return true;
    }
    return false;
}

/* Whether call `index` is of a function the packs give the loop-state
 * role (and that does not suspend: then it would be a way out). */
static bool is_loop_state(const ll_function *function, ll_index index, ll_packs *packs)
{
    const ll_call *call = &function->calls[index];
    if (!packs || call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
        return false;
    const ll_function_rule *rule = ll_packs_lookup(packs, call->callee_name);
    return rule && (rule->roles & LL_ROLE_LOOP_STATE) && !rule->suspend;
}

/* Whether an operation of the loop gives `variable` a new value: an
 * assignment, or the result of a call that is not a loop-state one. */
static bool assigned_in_loop(const ll_function *function, const bool *in_loop, ll_packs *packs,
                             ll_index variable)
{
    for (uint32_t b = 0; b < function->block_count; b++) {
        if (!in_loop[b])
            continue;
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->target != variable)
                continue;
            if (operation->kind == LL_OPERATION_ASSIGN ||
                (operation->kind == LL_OPERATION_CALL &&
                 (operation->call >= function->call_count ||
                  !is_loop_state(function, operation->call, packs))))
                return true;
        }
    }
    return false;
}

/* Whether the loop may write memory: it stores, or calls something that
 * is not a loop-state function. */
static bool writes_memory(const ll_function *function, const bool *in_loop, ll_packs *packs)
{
    for (uint32_t b = 0; b < function->block_count; b++) {
        if (!in_loop[b])
            continue;
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->kind == LL_OPERATION_STORE ||
                (operation->kind == LL_OPERATION_CALL && operation->call < function->call_count &&
                 !is_loop_state(function, operation->call, packs)))
                return true;
        }
    }
    return false;
}

enum ll_condition_change ll_loop_condition_change(const ll_function *function, const ll_loop *loop,
                                                  const bool *in_loop, ll_packs *packs,
                                                  ll_index *state_call)
{
    if (loop->condition_constant_true)
        return LL_CONDITION_CONSTANT;
    ll_index first_state = LL_NONE;
    for (uint32_t i = 0; i < loop->condition_call_count; i++) {
        ll_index call = loop->condition_first_call + i;
        if (call >= function->call_count || !is_loop_state(function, call, packs))
            return LL_CONDITION_CHANGES;
        if (first_state == LL_NONE)
            first_state = call;
    }
    for (uint32_t i = 0; i < loop->condition_variable_count; i++) {
        ll_index variable = loop->condition_variables[i];
        if (assigned_in_loop(function, in_loop, packs, variable) ||
            ll_variable_address_taken(function, variable))
            return LL_CONDITION_CHANGES;
    }
    if (loop->condition_reads_memory && writes_memory(function, in_loop, packs))
        return LL_CONDITION_CHANGES;
    if (first_state == LL_NONE)
        return LL_CONDITION_UNCHANGED;
    if (state_call)
        *state_call = first_state;
    return LL_CONDITION_LOOP_STATE;
}

bool ll_loop_test_can_change(const ll_function *function, const ll_loop *loop, const bool *in_loop,
                             ll_packs *packs, ll_index block)
{
    const ll_block *at = &function->blocks[block];
    if (at->terminator != LL_TERMINATOR_BRANCH)
        return at->successor_count > 1;
    ll_index variable = at->test.variable;
    if (at->test.relation == LL_RELATION_UNKNOWN || variable >= function->variable_count) {
        /* Without a condition (for (;;)), the header is the body's first
           block, and its test one of the body's. */
        if (block != loop->header || loop->condition_constant_true)
            return true;
        return ll_loop_condition_change(function, loop, in_loop, packs, NULL) ==
               LL_CONDITION_CHANGES;
    }
    return assigned_in_loop(function, in_loop, packs, variable) ||
           ll_variable_address_taken(function, variable);
}

/* ---- Constant bounds ------------------------------------------------------------ */

enum bound_role {
    BOUND_DATA = 0, /* its value comes from data */
    BOUND_FIXED,    /* assigned only constants, and not in the loop */
    BOUND_COUNTER,  /* ... before the loop, and only updated in it */
};

/* An update: ++, +=, or an assignment of arithmetic (facts.h: OTHER). */
static bool is_update(const ll_operation *operation)
{
    return operation->kind == LL_OPERATION_ASSIGN && operation->value.kind == LL_VALUE_OTHER &&
           !operation->value.name;
}

static enum bound_role bound_role(const ll_function *function, const bool *in_loop,
                                  ll_index variable)
{
    if (variable >= function->variable_count ||
        function->variables[variable].kind != LL_VARIABLE_LOCAL ||
        ll_variable_address_taken(function, variable))
        return BOUND_DATA;
    bool before = false;
    bool updated = false;
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->target != variable ||
                (operation->kind != LL_OPERATION_ASSIGN && operation->kind != LL_OPERATION_CALL))
                continue;
            if (in_loop[b] && is_update(operation)) {
                updated = true;
            } else if (!in_loop[b] && operation->kind == LL_OPERATION_ASSIGN &&
                       operation->value.kind == LL_VALUE_CONSTANT) {
                before = true;
            } else {
                return BOUND_DATA;
            }
        }
    }
    if (!before)
        return BOUND_DATA;
    return updated ? BOUND_COUNTER : BOUND_FIXED;
}

/* Whether every way from the header around to it passes `block`. */
static int on_every_way_around(const ll_function *function, const ll_loop *loop,
                               const bool *in_loop, ll_index block)
{
    if (block == loop->header)
        return 1;
    bool *seen = calloc((size_t)function->block_count + 1, sizeof *seen);
    ll_index *queue = malloc(((size_t)function->block_count + 1) * sizeof *queue);
    int result = -1;
    if (!seen || !queue)
        goto done;
    uint32_t head = 0;
    uint32_t tail = 0;
    queue[tail++] = loop->header;
    result = 1;
    while (head < tail && result == 1) {
        const ll_block *at = &function->blocks[queue[head++]];
        for (uint32_t s = 0; s < at->successor_count; s++) {
            ll_index next = at->successors[s];
            if (next >= function->block_count || !in_loop[next] || next == block || seen[next])
                continue;
            if (next == loop->header) {
                result = 0;
                break;
            }
            seen[next] = true;
            queue[tail++] = next;
        }
    }
done:
    free(seen);
    free(queue);
    return result;
}

/* Whether some way out of the loop tests a counter against a constant
 * (`i < 8`, the first part of `i < 8 && status == 0`) on every way
 * around: whatever else the loop tests, it runs at most that many times. */
static int counter_exit(const ll_function *function, const ll_loop *loop, const bool *in_loop)
{
    for (ll_index b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        if (!in_loop[b] || block->terminator != LL_TERMINATOR_BRANCH ||
            block->test.relation == LL_RELATION_UNKNOWN ||
            bound_role(function, in_loop, block->test.variable) != BOUND_COUNTER)
            continue;
        bool leaves = false;
        for (uint32_t s = 0; s < block->successor_count; s++)
            leaves |=
                block->successors[s] < function->block_count && !in_loop[block->successors[s]];
        if (!leaves)
            continue;
        int every = on_every_way_around(function, loop, in_loop, b);
        if (every != 0)
            return every;
    }
    return 0;
}

int ll_loop_bound_is_constant(const ll_function *function, const ll_loop *loop, const bool *in_loop)
{
    if (loop->condition_constant_true)
        return 0;
    if (loop->condition_call_count == 0 && !loop->condition_reads_memory) {
        bool counted = false;
        bool fixed = true;
        for (uint32_t i = 0; i < loop->condition_variable_count && fixed; i++) {
            enum bound_role role = bound_role(function, in_loop, loop->condition_variables[i]);
            fixed = role != BOUND_DATA;
            counted |= role == BOUND_COUNTER;
        }
        if (fixed && counted)
            return 1;
    }
    return counter_exit(function, loop, in_loop);
}

ll_index ll_loop_data_variable(const ll_function *function, const ll_loop *loop,
                               const bool *in_loop)
{
    for (uint32_t i = 0; i < loop->condition_variable_count; i++)
        if (bound_role(function, in_loop, loop->condition_variables[i]) == BOUND_DATA)
            return loop->condition_variables[i];
    return LL_NONE;
}
