/*
 * ownership_summary.c - whether a function of the program only borrows a
 * handle given as one of its parameters (ownership.h).
 *
 * A caller that passes a handle to a user function stays responsible for
 * it when that function provably leaves it alone: nothing the function
 * does with the parameter, or with a local copy of it, stores it, returns
 * it, takes its address, or hands it to anything but a borrower - a pack
 * function that neither releases, joins nor takes that argument, or
 * another user function that borrows it in turn (across translation
 * units, through the linked call graph).
 *
 * The answer is deliberately one-sided: anything the facts do not show
 * (an indirect call, an unresolved callee, more functions than the search
 * budget) counts as "may keep it", and the caller then stops following
 * the handle silently, as for any unknown callee.
 */
#include "ownership.h"

#include <stdlib.h>

/* Functions looked at for one question; beyond, the answer is "may keep". */
#define SUMMARY_BUDGET 64

/* "Does function `id` only borrow its parameter `parameter`?" - the
 * question asked, and those it leads to. A question asked before is
 * assumed answered yes while the others are examined: a function that
 * passes the handle only to itself and to borrowers borrows it. */
typedef struct question {
    uint32_t id;
    uint32_t parameter;
} question;

typedef struct questions {
    question items[SUMMARY_BUDGET];
    uint32_t count;
} questions;

/* Adds a question unless it was asked; false when over the budget. */
static bool ask(questions *asked, uint32_t id, uint32_t parameter)
{
    for (uint32_t i = 0; i < asked->count; i++)
        if (asked->items[i].id == id && asked->items[i].parameter == parameter)
            return true;
    if (asked->count == SUMMARY_BUDGET)
        return false;
    asked->items[asked->count++] = (question){id, parameter};
    return true;
}

/* Whether the call `index` of function `caller` only borrows its argument
 * `position`, given as a variable (or as its address); a user callee
 * becomes a question of its own. */
static bool call_borrows(const ll_program *program, ll_packs *packs, uint32_t caller,
                         const ll_function *function, ll_index index, uint32_t position,
                         enum ll_value_kind kind, questions *asked)
{
    const ll_call *call = &function->calls[index];
    if (kind == LL_VALUE_ADDRESS || call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
        return false;
    const ll_function_rule *rule = ll_packs_lookup(packs, call->callee_name);
    if (rule) {
        bool taken = position <= 32 && (rule->takes_mask & (1u << (position - 1))) != 0;
        bool released = rule->release && rule->release->argument == position;
        bool joined = (rule->roles & LL_ROLE_JOIN) && rule->handle == position;
        return !taken && !released && !joined;
    }
    uint32_t callee = ll_program_callee(program, caller, index);
    return callee != LL_NONE && ask(asked, callee, position);
}

/* The variables that may hold the parameter's value: the parameter and,
 * flow-insensitively, every copy of a copy. NULL when out of memory. */
static bool *holders_of(const ll_function *function, ll_index parameter)
{
    bool *holds = calloc(function->variable_count, sizeof *holds);
    if (!holds)
        return NULL;
    holds[parameter] = true;
    bool changed = true;
    while (changed) {
        changed = false;
        for (uint32_t b = 0; b < function->block_count; b++) {
            const ll_block *block = &function->blocks[b];
            for (uint32_t o = 0; o < block->operation_count; o++) {
                const ll_operation *operation = &block->operations[o];
                if (operation->kind == LL_OPERATION_ASSIGN &&
                    operation->value.kind == LL_VALUE_VARIABLE &&
                    operation->value.variable < function->variable_count &&
                    holds[operation->value.variable] &&
                    operation->target < function->variable_count && !holds[operation->target]) {
                    holds[operation->target] = true;
                    changed = true;
                }
            }
        }
    }
    return holds;
}

static bool held(const ll_function *function, const bool *holds, const ll_value *value)
{
    return (value->kind == LL_VALUE_VARIABLE || value->kind == LL_VALUE_ADDRESS) &&
           value->variable < function->variable_count && holds[value->variable];
}

/* Whether the operations of `function` (number `id`) only borrow what the
 * variables of `holds` hold. */
static bool operations_borrow(const ll_program *program, ll_packs *packs, uint32_t id,
                              const ll_function *function, const bool *holds, questions *asked)
{
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        if (block->terminator == LL_TERMINATOR_RETURN && held(function, holds, &block->returned))
            return false;
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            switch (operation->kind) {
            case LL_OPERATION_STORE:
                if (held(function, holds, &operation->value))
                    return false;
                break;
            case LL_OPERATION_ASSIGN:
                if (operation->value.kind == LL_VALUE_ADDRESS &&
                    held(function, holds, &operation->value))
                    return false;
                break;
            case LL_OPERATION_CALL: {
                if (operation->call >= function->call_count)
                    return false;
                const ll_call *call = &function->calls[operation->call];
                for (uint32_t i = 0; i < call->argument_count; i++)
                    if (held(function, holds, &call->arguments[i]) &&
                        !call_borrows(program, packs, id, function, operation->call, i + 1,
                                      call->arguments[i].kind, asked))
                        return false;
                break;
            }
            case LL_OPERATION_USE:
                break;
            }
        }
    }
    return true;
}

/* Answers one question, asking the ones it leads to. */
static bool function_borrows(const ll_program *program, ll_packs *packs, question asking,
                             questions *asked)
{
    const ll_function *function = ll_program_function(program, asking.id, NULL);
    if (!function || !function->is_definition || function->block_count == 0 ||
        (asking.parameter <= 32 && (function->takes_mask & (1u << (asking.parameter - 1)))))
        return false;
    ll_index variable = LL_NONE;
    for (ll_index candidate = 0; candidate < function->variable_count; candidate++)
        if (function->variables[candidate].kind == LL_VARIABLE_PARAMETER &&
            function->variables[candidate].parameter == asking.parameter)
            variable = candidate;
    if (variable == LL_NONE)
        return false;
    bool *holds = holders_of(function, variable);
    if (!holds)
        return false; /* out of memory: "may keep it", which is silent */
    bool borrows = operations_borrow(program, packs, asking.id, function, holds, asked);
    free(holds);
    return borrows;
}

bool ll_ownership_borrows(const ll_program *program, ll_packs *packs, uint32_t id,
                          uint32_t parameter)
{
    questions asked = {.count = 0};
    if (parameter == 0 || !ask(&asked, id, parameter))
        return false;
    for (uint32_t next = 0; next < asked.count; next++)
        if (!function_borrows(program, packs, asked.items[next], &asked))
            return false;
    return true;
}
