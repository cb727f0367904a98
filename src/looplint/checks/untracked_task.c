/*
 * untracked_task.c - `untracked-task`: a spawned task whose handle is
 * dropped - discarded at the spawn, overwritten while the task runs, or
 * reaching a function exit on some path without a join (a cancel is not a
 * join) and without escaping (returned, stored outside the locals, given
 * to a function that takes it).
 *
 * The path-sensitive work is the ownership engine's (analysis/ownership.h)
 * over the acquiring calls whose kind is `task`, with the program's
 * summaries (analysis/summary.h); what releases a task is the packs'
 * `join` role, and a join with a finite deadline only where its result
 * says it succeeded. A helper that joins the handle it is given on every
 * path joins it; one that keeps it takes it; a function that returns a
 * task it spawned spawns one where it is called. Reported at the spawn
 * call (or the call of such a function), with the path.
 */
#include "ownership_report.h"

#include <stdio.h>

/* Defined at the end; reports name it. */
extern const ll_check ll_check_untracked_task;

static ll_finding *report(const ll_check_context *context, ll_findings *out, const ll_unit *unit,
                          const ll_function *function, const ll_ownership_defect *defect)
{
    (void)context;
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
    case LL_OWNERSHIP_NEXT_GET: /* queue items are not followed here */
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
    return finding;
}

static int check_program(const ll_check_context *context, ll_findings *out)
{
    return ll_check_ownership_defects(context, out, LL_OWNERSHIP_KIND(LL_RESOURCE_TASK), report);
}

const ll_check ll_check_untracked_task = {
    .id = "untracked-task",
    .severity = LL_SEVERITY_ERROR,
    .summary = "a spawned task whose handle is dropped without a join",
    .check_function = NULL,
    .check_program = check_program,
};
