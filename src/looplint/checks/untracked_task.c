/*
 * untracked_task.c - `untracked-task`: a spawned task whose handle is
 * dropped - discarded at the spawn, overwritten while the task runs, or
 * reaching a function exit on some path without a join (a cancel is not a
 * join) and without escaping (returned, stored outside the locals, given
 * to a function that takes it).
 *
 * The path-sensitive work is the ownership engine's (analysis/ownership.h)
 * over the acquiring calls whose kind is `task`; what releases a task is
 * the packs' `join` role, and a join with a finite deadline only where its
 * result says it succeeded. Reported at the spawn call, with the path.
 */
#include "check.h"

#include "../analysis/ownership.h"

#include <stdio.h>

/* Defined at the end; reports name it. */
extern const ll_check ll_check_untracked_task;

static int report(const ll_unit *unit, const ll_function *function,
                  const ll_ownership_defect *defect, ll_findings *out)
{
    const ll_call *call = &function->calls[defect->call];
    char spawn[128];
    char holder[160];
    ll_ownership_call_name(call, spawn, sizeof spawn);
    const char *name = ll_ownership_variable_name(function, defect->variable);
    if (name)
        snprintf(holder, sizeof holder, "task handle '%s'", name);
    else
        snprintf(holder, sizeof holder, "the task handle");

    ll_finding *finding = NULL;
    switch (defect->kind) {
    case LL_OWNERSHIP_LEAK:
        finding =
            ll_check_report(&ll_check_untracked_task, out, unit, function, call->location,
                            call->text, "%s from '%s' is not joined on every path", holder, spawn);
        break;
    case LL_OWNERSHIP_OVERWRITE:
        finding = ll_check_report(
            &ll_check_untracked_task, out, unit, function, call->location, call->text,
            "%s from '%s' is overwritten while its task is still running", holder, spawn);
        break;
    case LL_OWNERSHIP_DISCARD:
        finding = ll_check_report(&ll_check_untracked_task, out, unit, function, call->location,
                                  call->text,
                                  "the task handle returned by '%s' is discarded: the task can "
                                  "never be joined",
                                  spawn);
        break;
    }
    if (!finding)
        return -1;
    return ll_ownership_add_notes(finding, unit, function, defect);
}

static int check_function(const ll_check_context *context, const ll_unit *unit,
                          const ll_function *function, ll_findings *out)
{
    if (!function->is_definition || !context->packs)
        return 0;
    ll_ownership_options options = {
        .kinds = LL_OWNERSHIP_KIND(LL_RESOURCE_TASK),
        .program = context->program,
    };
    ll_ownership_result result;
    if (ll_ownership_analyze(function, context->packs, &options, &result) < 0)
        return -1;
    ll_ownership_account(&result, context->statistics);
    int status = 0;
    for (uint32_t i = 0; i < result.defect_count && status == 0; i++)
        status = report(unit, function, &result.defects[i], out);
    ll_ownership_result_free(&result);
    return status;
}

const ll_check ll_check_untracked_task = {
    .id = "untracked-task",
    .severity = LL_SEVERITY_ERROR,
    .summary = "a spawned task whose handle is dropped without a join",
    .check_function = check_function,
    .check_program = NULL,
};
