/*
 * branch.c - the relation on each side of a branch, words for it, and
 * whether a side is a call's failure (branch.h).
 */
#include "branch.h"

#include <inttypes.h>
#include <stdio.h>

enum ll_relation ll_branch_relation(const ll_block *block, uint32_t successor)
{
    if (block->terminator != LL_TERMINATOR_BRANCH || successor > 1 ||
        block->test.variable == LL_NONE)
        return LL_RELATION_UNKNOWN;
    return successor == 0 ? block->test.relation : ll_relation_negated(block->test.relation);
}

const char *ll_relation_words(enum ll_relation relation, int64_t constant, bool pointer,
                              char *buffer, size_t size)
{
    switch (relation) {
    case LL_RELATION_EQUAL:
        if (pointer && constant == 0)
            snprintf(buffer, size, "is NULL");
        else
            snprintf(buffer, size, "is %" PRId64, constant);
        break;
    case LL_RELATION_NOT_EQUAL:
        if (pointer && constant == 0)
            snprintf(buffer, size, "is not NULL");
        else
            snprintf(buffer, size, "is not %" PRId64, constant);
        break;
    case LL_RELATION_LESS:
        if (constant == 0)
            snprintf(buffer, size, "is negative");
        else
            snprintf(buffer, size, "is less than %" PRId64, constant);
        break;
    case LL_RELATION_LESS_EQUAL:
        if (constant == -1)
            snprintf(buffer, size, "is negative");
        else
            snprintf(buffer, size, "is at most %" PRId64, constant);
        break;
    case LL_RELATION_GREATER:
        if (constant == -1)
            snprintf(buffer, size, "is not negative");
        else
            snprintf(buffer, size, "is greater than %" PRId64, constant);
        break;
    case LL_RELATION_GREATER_EQUAL:
        if (constant == 0)
            snprintf(buffer, size, "is not negative");
        else
            snprintf(buffer, size, "is at least %" PRId64, constant);
        break;
    case LL_RELATION_UNKNOWN:
        snprintf(buffer, size, "holds");
        break;
    }
    return buffer;
}

/* ---- Tested calls ------------------------------------------------------------------------ */

ll_index ll_branch_tested_call(const ll_function *function, const ll_block *block)
{
    if (block->terminator != LL_TERMINATOR_BRANCH)
        return LL_NONE;
    ll_index variable = block->test.variable;
    for (uint32_t o = block->operation_count; o-- > 0;) {
        const ll_operation *operation = &block->operations[o];
        if (operation->target != variable)
            continue;
        if (operation->kind == LL_OPERATION_CALL)
            return operation->call < function->call_count ? operation->call : LL_NONE;
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
                return operation->call < function->call_count ? operation->call : LL_NONE;
        }
    return LL_NONE;
}

/* ---- Failure sides ----------------------------------------------------------------------- */

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

bool ll_branch_only_on_failure(const ll_block *block, uint32_t successor,
                               const ll_function_rule *rule)
{
    enum ll_relation taken = ll_branch_relation(block, successor);
    int64_t k = block->test.constant;
    const ll_acquire_rule *acquire = rule->acquire;
    if (taken == LL_RELATION_UNKNOWN)
        return false;
    if (acquire && acquire->place == LL_HANDLE_RETURN && acquire->failure == LL_FAILURE_NEGATIVE)
        return only_negative(taken, k);
    if (acquire && acquire->place == LL_HANDLE_RETURN && acquire->failure == LL_FAILURE_NULL)
        return taken == LL_RELATION_EQUAL && k == 0;
    return only_nonzero(taken, k);
}
