/*
 * unobserved_failure.c - `unobserved-failure`: the result that carries a
 * task's failure is ignored (RULES.md).
 *
 * A call whose rule has the must-observe role is reported when it is used
 * as a statement, or when its result pointer argument is NULL and the task
 * it waits for can fail. `(void)` covers both. Which task: the argument
 * the rule names is either the task's function (resolved through the
 * linked program) or a handle, traced back through copies to the calls in
 * this function that spawned it. A task can fail when some return of its
 * function is not the constant 0, or when its body is not visible; an
 * unknown task is assumed to. A forever join of a handle cancelled on
 * every path before it is stopping a task, whose failure is expected: not
 * reported. This check needs no loop context: it runs on every function.
 */
#include "check.h"

#include "../analysis/callsite.h"

#include <stdlib.h>
#include <string.h>

extern const ll_check ll_check_unobserved_failure;

/* Why a task can fail. */
struct failure {
    const char *task;    /* its function's name; NULL when the task is unknown */
    const ll_unit *unit; /* of the failing return; NULL when not visible */
    ll_location at;      /* a return of something other than the constant 0 */
};

/* The first (in source order) return of `task` that is not `return 0`. */
static bool returns_failure(const ll_function *task, ll_location *at)
{
    bool found = false;
    for (uint32_t b = 0; b < task->block_count; b++) {
        const ll_block *block = &task->blocks[b];
        if (block->terminator != LL_TERMINATOR_RETURN ||
            (block->returned.kind == LL_VALUE_CONSTANT && block->returned.constant == 0))
            continue;
        if (!found || block->location.line < at->line ||
            (block->location.line == at->line && block->location.column < at->column))
            *at = block->location;
        found = true;
    }
    return found;
}

/* The definition a function reference in `function` names: through the
 * linked program, else in the function's own unit. */
static const ll_function *definition(const ll_check_context *context, const ll_unit *unit,
                                     const ll_function *function, const char *usr,
                                     const ll_unit **definition_unit)
{
    *definition_unit = unit;
    if (!usr)
        return NULL;
    if (context->program) {
        uint32_t from = ll_program_function_id(context->program, function);
        uint32_t id = ll_program_resolve(context->program, from, usr);
        if (id != LL_NONE)
            return ll_program_function(context->program, id, definition_unit);
        if (from != LL_NONE)
            return NULL;
    }
    for (uint32_t f = 0; f < unit->function_count; f++)
        if (unit->functions[f].is_definition && unit->functions[f].usr &&
            strcmp(unit->functions[f].usr, usr) == 0)
            return &unit->functions[f];
    return NULL;
}

/* Whether the task function `reference` names can fail; fills *failure. */
static bool function_can_fail(const ll_check_context *context, const ll_unit *unit,
                              const ll_function *function, const ll_value *reference,
                              struct failure *failure)
{
    const ll_unit *task_unit;
    const ll_function *task = definition(context, unit, function, reference->usr, &task_unit);
    failure->task = reference->name ? reference->name : "";
    failure->unit = NULL;
    if (!task)
        return true;
    failure->task = task->name ? task->name : "";
    failure->unit = task_unit;
    return returns_failure(task, &failure->at);
}

/* Marks in `copies` every variable whose value may flow into `handle`
 * through plain copies (`h = t`, the temporary of a call included). */
static void mark_copies(const ll_function *function, ll_index handle, bool *copies)
{
    copies[handle] = true;
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t b = 0; b < function->block_count; b++) {
            const ll_block *block = &function->blocks[b];
            for (uint32_t o = 0; o < block->operation_count; o++) {
                const ll_operation *operation = &block->operations[o];
                ll_index source = operation->value.variable;
                if (operation->kind == LL_OPERATION_ASSIGN && operation->target != LL_NONE &&
                    copies[operation->target] && operation->value.kind == LL_VALUE_VARIABLE &&
                    source < function->variable_count && !copies[source]) {
                    copies[source] = true;
                    changed = true;
                }
            }
        }
    }
}

/* The task function a spawn call stores into a handle: the function
 * argument of the rule's task entry; NULL when there is none. */
static const ll_value *spawned_function(const ll_check_context *context, const ll_call *call)
{
    if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
        return NULL;
    const ll_function_rule *rule = ll_packs_lookup(context->packs, call->callee_name);
    for (uint32_t e = 0; rule && e < rule->entry_count; e++) {
        const ll_entry_rule *entry = &rule->entries[e];
        if (entry->kind == LL_ENTRY_TASK && entry->argument &&
            entry->argument <= call->argument_count &&
            call->arguments[entry->argument - 1].kind == LL_VALUE_FUNCTION)
            return &call->arguments[entry->argument - 1];
    }
    return NULL;
}

/* Whether the task behind handle variable `handle` can fail: any of the
 * tasks spawned into it in this function; unknown when none is found.
 * -1 when out of memory. */
static int handle_can_fail(const ll_check_context *context, const ll_unit *unit,
                           const ll_function *function, ll_index handle, struct failure *failure)
{
    bool *copies = calloc(function->variable_count, sizeof *copies);
    if (!copies)
        return -1;
    mark_copies(function, handle, copies);
    bool spawned = false;
    int result = 0;
    for (uint32_t b = 0; b < function->block_count && !result; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count && !result; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->kind != LL_OPERATION_CALL || operation->target == LL_NONE ||
                operation->target >= function->variable_count || !copies[operation->target] ||
                operation->call >= function->call_count)
                continue;
            const ll_value *task = spawned_function(context, &function->calls[operation->call]);
            if (!task)
                continue;
            spawned = true;
            result = function_can_fail(context, unit, function, task, failure);
        }
    }
    free(copies);
    if (!spawned) {
        failure->task = NULL;
        failure->unit = NULL;
        return 1;
    }
    return result;
}

/* Whether the task a must-observe call waits for can fail. 1, 0, -1. */
static int task_can_fail(const ll_check_context *context, const ll_unit *unit,
                         const ll_function *function, const ll_call *call,
                         const ll_function_rule *rule, struct failure *failure)
{
    *failure = (struct failure){NULL, NULL, {LL_NONE, 0, 0}};
    if (rule->task == 0 || rule->task > call->argument_count)
        return 1;
    const ll_value *task = &call->arguments[rule->task - 1];
    if (task->kind == LL_VALUE_FUNCTION)
        return function_can_fail(context, unit, function, task, failure);
    if (task->kind == LL_VALUE_VARIABLE && task->variable < function->variable_count)
        return handle_can_fail(context, unit, function, task->variable, failure);
    return 1;
}

static int report_discarded(const ll_unit *unit, const ll_function *function, const ll_call *call,
                            ll_findings *out)
{
    int length;
    const char *name = ll_call_written_name(call, &length);
    return ll_check_report(&ll_check_unobserved_failure, out, unit, function, call->location,
                           call->text,
                           "the result of '%.*s' is ignored: the task's failure is lost; check "
                           "it, or cast to (void) to ignore it deliberately",
                           length, name)
               ? 0
               : -1;
}

static int report_null_result(const ll_unit *unit, const ll_function *function, const ll_call *call,
                              const struct failure *failure, ll_findings *out)
{
    int length;
    const char *name = ll_call_written_name(call, &length);
    const char *hint = "its failure is lost; pass a result pointer, or cast the call to (void) "
                       "to ignore it deliberately";
    ll_finding *finding;
    if (!failure->task) {
        finding = ll_check_report(
            &ll_check_unobserved_failure, out, unit, function, call->location, call->text,
            "'%.*s' is given a NULL result pointer, but its task may fail: %s", length, name, hint);
    } else if (!failure->unit) {
        finding = ll_check_report(&ll_check_unobserved_failure, out, unit, function, call->location,
                                  call->text,
                                  "'%.*s' is given a NULL result pointer, but task '%s' can fail "
                                  "(its body is not visible): %s",
                                  length, name, failure->task, hint);
    } else {
        const char *path = ll_unit_file_path(failure->unit, failure->at);
        const char *slash = strrchr(path, '/');
        finding = ll_check_report(
            &ll_check_unobserved_failure, out, unit, function, call->location, call->text,
            "'%.*s' is given a NULL result pointer, but task '%s' can fail "
            "(returns non-zero at %s:%u): %s",
            length, name, failure->task, slash ? slash + 1 : path, failure->at.line, hint);
        if (finding && ll_check_note(finding, failure->unit, failure->at,
                                     "'%s' returns a non-zero value here", failure->task) < 0)
            return -1;
    }
    return finding ? 0 : -1;
}

/* Checks one must-observe call. 0 or -1. */
static int check_call(const ll_check_context *context, const ll_unit *unit,
                      const ll_function *function, ll_index index, const ll_function_rule *rule,
                      ll_cancelled **cancelled, ll_findings *out)
{
    const ll_call *call = &function->calls[index];
    if (call->result_use == LL_RESULT_VOID_CAST)
        return 0;
    bool discarded = call->result_use == LL_RESULT_DISCARDED;
    if (!discarded) {
        if (rule->result == 0 || rule->result > call->argument_count)
            return 0;
        const ll_value *result = &call->arguments[rule->result - 1];
        if (result->kind != LL_VALUE_NULL &&
            !(result->kind == LL_VALUE_CONSTANT && result->constant == 0))
            return 0;
    }
    int stops = ll_call_stops_task(function, index, rule, context->packs, cancelled);
    if (stops != 0)
        return stops < 0 ? -1 : 0;
    if (discarded)
        return report_discarded(unit, function, call, out);
    struct failure failure;
    int can_fail = task_can_fail(context, unit, function, call, rule, &failure);
    if (can_fail <= 0)
        return can_fail;
    return report_null_result(unit, function, call, &failure, out);
}

static int check_function(const ll_check_context *context, const ll_unit *unit,
                          const ll_function *function, ll_findings *out)
{
    if (!context->packs)
        return 0;
    ll_cancelled *cancelled = NULL;
    int result = 0;
    for (ll_index c = 0; c < function->call_count && result == 0; c++) {
        const ll_call *call = &function->calls[c];
        if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
            continue;
        const ll_function_rule *rule = ll_packs_lookup(context->packs, call->callee_name);
        if (rule && rule->roles & LL_ROLE_MUST_OBSERVE)
            result = check_call(context, unit, function, c, rule, &cancelled, out);
    }
    ll_cancelled_free(cancelled);
    return result;
}

const ll_check ll_check_unobserved_failure = {
    .id = "unobserved-failure",
    .severity = LL_SEVERITY_WARNING,
    .summary = "the result that carries a task's failure is ignored (or its result pointer is "
               "NULL while the task can fail)",
    .check_function = check_function,
    .check_program = NULL,
};
