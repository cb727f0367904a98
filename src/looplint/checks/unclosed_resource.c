/*
 * unclosed_resource.c - `unclosed-resource`: a resource (a file, an fd, a
 * pool, a connection: whatever the packs say an acquiring call returns
 * with kind `resource` or `session`) that some path of the function
 * leaves open.
 *
 * The path-sensitive work is the ownership engine's (analysis/ownership.h),
 * run over every function with the program's summaries (analysis/
 * summary.h): a helper that closes what it is given closes it
 * (`conn_free(c)`), one that keeps it takes it, and a function that
 * returns an owned resource (`make_conn()`) acquires one where it is
 * called. This check picks the kinds, words the message and reports at
 * the acquiring call, with the path as notes (and, for such a function,
 * where the resource it returns comes from). When the function itself
 * closes the same type elsewhere, the message names that function as
 * the fix.
 */
#include "ownership_report.h"

#include <stdio.h>
#include <string.h>

/* Defined at the end; reports name it. */
extern const ll_check ll_check_unclosed_resource;

/* The name of a call in this function that releases handles of the
 * acquired type (written into `buffer`), or NULL when there is none. */
static const char *release_hint(const ll_check_context *context, const ll_function *function,
                                const ll_acquire_rule *acquire, char *buffer, size_t size)
{
    if (!acquire->type)
        return NULL;
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_call *call = &function->calls[c];
        if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
            continue;
        const ll_function_rule *rule = ll_packs_lookup(context->packs, call->callee_name);
        if (!rule || !rule->release)
            continue;
        for (uint32_t t = 0; t < rule->release->type_count; t++)
            if (rule->release->types[t] && strcmp(rule->release->types[t], acquire->type) == 0)
                return ll_ownership_call_name(call, buffer, size);
    }
    return NULL;
}

static ll_finding *report(const ll_check_context *context, ll_findings *out, const ll_unit *unit,
                          const ll_function *function, const ll_ownership_defect *defect)
{
    const ll_call *call = &function->calls[defect->call];
    char callee[128];
    char release[128];
    char hint[160] = "";
    char holder[160];
    ll_ownership_call_name(call, callee, sizeof callee);
    if (release_hint(context, function, defect->acquire, release, sizeof release))
        snprintf(hint, sizeof hint, " (use '%s')", release);
    const char *name = ll_ownership_variable_name(function, defect->variable);
    if (name)
        snprintf(holder, sizeof holder, "'%s'", name);
    else
        snprintf(holder, sizeof holder, "the resource");

    ll_finding *finding = NULL;
    switch (defect->kind) {
    case LL_OWNERSHIP_LEAK:
    case LL_OWNERSHIP_NEXT_GET: /* queue items are not followed here */
        finding = ll_check_report(&ll_check_unclosed_resource, out, unit, function, call->location,
                                  call->text, "%s opened by '%s' is not closed on every path%s",
                                  holder, callee, hint);
        break;
    case LL_OWNERSHIP_OVERWRITE:
        finding = ll_check_report(
            &ll_check_unclosed_resource, out, unit, function, call->location, call->text,
            "%s opened by '%s' is overwritten before it is closed%s", holder, callee, hint);
        break;
    case LL_OWNERSHIP_DISCARD:
        finding = ll_check_report(&ll_check_unclosed_resource, out, unit, function, call->location,
                                  call->text,
                                  "the resource opened by '%s' is discarded: it can never be "
                                  "closed",
                                  callee);
        break;
    }
    return finding;
}

static int check_program(const ll_check_context *context, ll_findings *out)
{
    return ll_check_ownership_defects(
        context, out, LL_OWNERSHIP_KIND(LL_RESOURCE) | LL_OWNERSHIP_KIND(LL_RESOURCE_SESSION),
        report);
}

const ll_check ll_check_unclosed_resource = {
    .id = "unclosed-resource",
    .severity = LL_SEVERITY_ERROR,
    .summary = "a resource that some path leaves open",
    .check_function = NULL,
    .check_program = check_program,
};
