/*
 * branch.c - the relation on each side of a branch, and words for it
 * (branch.h).
 */
#include "branch.h"

#include <inttypes.h>
#include <stdio.h>

static enum ll_relation negated(enum ll_relation relation)
{
    switch (relation) {
    case LL_RELATION_EQUAL:
        return LL_RELATION_NOT_EQUAL;
    case LL_RELATION_NOT_EQUAL:
        return LL_RELATION_EQUAL;
    case LL_RELATION_LESS:
        return LL_RELATION_GREATER_EQUAL;
    case LL_RELATION_LESS_EQUAL:
        return LL_RELATION_GREATER;
    case LL_RELATION_GREATER:
        return LL_RELATION_LESS_EQUAL;
    case LL_RELATION_GREATER_EQUAL:
        return LL_RELATION_LESS;
    case LL_RELATION_UNKNOWN:
        break;
    }
    return LL_RELATION_UNKNOWN;
}

enum ll_relation ll_branch_relation(const ll_block *block, uint32_t successor)
{
    if (block->terminator != LL_TERMINATOR_BRANCH || successor > 1 ||
        block->test.variable == LL_NONE)
        return LL_RELATION_UNKNOWN;
    return successor == 0 ? block->test.relation : negated(block->test.relation);
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
