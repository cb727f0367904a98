/*
 * missing_timeout.c - `missing-timeout`: a wait the pack marks
 * needs-timeout, given the forever deadline, on a path from a loop root
 * that no timeout scope covers (RULES.md).
 *
 * The link step marks UNBOUNDED every function reachable from a root
 * other than a timeout scope's body without passing through one (a
 * shield's body counts as unbounded: the shield defers the timeout).
 * Here, in such a function, a call whose suspend rule needs a timeout is
 * reported when its deadline argument is forever: the pack's constant,
 * or a local only ever assigned it (ll_deadline_is_forever). A forever
 * join of a handle cancelled on every path before it is bounded: the
 * cancelled task ends at its next suspension.
 */
#include "check.h"

#include "../analysis/callsite.h"

extern const ll_check ll_check_missing_timeout;

/* Whether call `index` waits forever where a deadline is needed. 1, 0, or
 * -1 when out of memory. */
static int waits_forever(const ll_check_context *context, const ll_function *function,
                         ll_index index, ll_cancelled **cancelled)
{
    const ll_call *call = &function->calls[index];
    if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name || !context->packs)
        return 0;
    const ll_function_rule *rule = ll_packs_lookup(context->packs, call->callee_name);
    if (!rule || !rule->suspend || !rule->suspend->needs_timeout || rule->suspend->deadline == 0 ||
        rule->suspend->deadline > call->argument_count)
        return 0;
    const ll_value *deadline = &call->arguments[rule->suspend->deadline - 1];
    if (!ll_deadline_is_forever(function, deadline, rule->suspend->forever))
        return 0;
    int stops = ll_call_stops_task(function, index, rule, context->packs, cancelled);
    return stops < 0 ? -1 : !stops;
}

static int report(const ll_check_context *context, const ll_unit *unit, const ll_function *function,
                  uint32_t id, const ll_call *call, ll_findings *out)
{
    int length;
    const char *name = ll_call_written_name(call, &length);
    ll_finding *finding = ll_check_report(
        &ll_check_missing_timeout, out, unit, function, call->location, call->text,
        "'%.*s' can wait forever: its deadline is forever and no timeout scope covers it on some "
        "path from a loop root; pass a finite deadline, or call it under a timeout scope",
        length, name);
    if (!finding)
        return -1;
    return ll_program_chain_notes(context->program, id, LL_CONTEXT_UNBOUNDED, finding);
}

static int check_function(const ll_check_context *context, const ll_unit *unit,
                          const ll_function *function, ll_findings *out)
{
    const ll_program *program = context->program;
    if (!program)
        return 0;
    uint32_t id = ll_program_function_id(program, function);
    if (!(ll_program_context(program, id) & LL_CONTEXT_UNBOUNDED))
        return 0;
    ll_cancelled *cancelled = NULL;
    int result = 0;
    for (ll_index c = 0; c < function->call_count && result == 0; c++) {
        int forever = waits_forever(context, function, c, &cancelled);
        if (forever < 0 ||
            (forever && report(context, unit, function, id, &function->calls[c], out) < 0))
            result = -1;
    }
    ll_cancelled_free(cancelled);
    return result;
}

const ll_check ll_check_missing_timeout = {
    .id = "missing-timeout",
    .severity = LL_SEVERITY_WARNING,
    .summary = "a wait that needs a timeout, with no deadline and no timeout scope around it on "
               "some path from a loop root",
    .check_function = check_function,
    .check_program = NULL,
};
