/*
 * blocking_call.c - `blocking-call`: a call that blocks the thread, made
 * in loop context (RULES.md).
 *
 * Per function in loop context, every direct call is looked up in the
 * packs: a blocking rule whose condition holds for the call's arguments
 * makes it a finding, at the call, with the chain from a loop root as
 * notes. Two categories are narrower: `console` output only when
 * enabled with --enable blocking-call:console, and raw fd I/O (`fd-io`)
 * only in the context of a strict-io pack's roots (where tasks must use
 * the runtime's I/O), so its chain is drawn from those roots. A call to
 * a user function annotated looplint:blocking is blocking as well; the
 * link step does not follow it, so its body is not reported again.
 */
#include "check.h"

#include "../analysis/callsite.h"

#include <string.h>

extern const ll_check ll_check_blocking_call;

/* Whether a blocking rule applies in a function of context `context`. */
static bool category_applies(const ll_check_context *context, const ll_blocking_rule *blocking,
                             uint32_t loop_context)
{
    const char *category = blocking->category ? blocking->category : "";
    if (strcmp(category, "console") == 0)
        return ll_check_option(context, "blocking-call:console");
    if (strcmp(category, "fd-io") == 0)
        return loop_context & LL_CONTEXT_STRICT_IO;
    return true;
}

static int report_rule(const ll_check_context *context, const ll_unit *unit,
                       const ll_function *function, uint32_t id, const ll_call *call,
                       const ll_blocking_rule *blocking, ll_findings *out)
{
    int length;
    const char *name = ll_call_written_name(call, &length);
    ll_finding *finding = ll_check_report(
        &ll_check_blocking_call, out, unit, function, call->location, call->text,
        "'%.*s' blocks the event loop%s%s%s%s", length, name, blocking->reason ? ": " : "",
        blocking->reason ? blocking->reason : "", blocking->replacement ? "; use " : "",
        blocking->replacement ? blocking->replacement : "");
    if (!finding)
        return -1;
    bool fd_io = blocking->category && strcmp(blocking->category, "fd-io") == 0;
    return ll_program_chain_notes(context->program, id,
                                  fd_io ? LL_CONTEXT_STRICT_IO : LL_CONTEXT_LOOP, finding);
}

/* Whether a call reaches a user function annotated looplint:blocking: its
 * definition, or a declaration of it (a library declared in a header). */
static bool annotated_blocking(const ll_program *program, uint32_t id, ll_index index,
                               const ll_call *call)
{
    uint32_t callee = ll_program_callee(program, id, index);
    uint32_t annotations = callee != LL_NONE
                               ? ll_program_annotations(program, callee)
                               : ll_program_usr_annotations(program, call->callee_usr);
    return annotations & LL_ANNOTATION_BLOCKING;
}

static int report_annotated(const ll_check_context *context, const ll_unit *unit,
                            const ll_function *function, uint32_t id, const ll_call *call,
                            ll_findings *out)
{
    int length;
    const char *name = ll_call_written_name(call, &length);
    ll_finding *finding = ll_check_report(
        &ll_check_blocking_call, out, unit, function, call->location, call->text,
        "'%.*s' blocks the event loop: it is annotated as blocking; call it off the loop", length,
        name);
    if (!finding)
        return -1;
    return ll_program_chain_notes(context->program, id, LL_CONTEXT_LOOP, finding);
}

static int check_function(const ll_check_context *context, const ll_unit *unit,
                          const ll_function *function, ll_findings *out)
{
    const ll_program *program = context->program;
    if (!program)
        return 0;
    uint32_t id = ll_program_function_id(program, function);
    uint32_t loop_context = ll_program_context(program, id);
    if (!(loop_context & LL_CONTEXT_LOOP))
        return 0;
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_call *call = &function->calls[c];
        if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
            continue;
        const ll_function_rule *rule =
            context->packs ? ll_packs_lookup(context->packs, call->callee_name) : NULL;
        if (rule) {
            const ll_blocking_rule *blocking = ll_function_rule_blocking(rule, call);
            if (blocking && category_applies(context, blocking, loop_context) &&
                report_rule(context, unit, function, id, call, blocking, out) < 0)
                return -1;
        } else if (annotated_blocking(program, id, c, call) &&
                   report_annotated(context, unit, function, id, call, out) < 0) {
            return -1;
        }
    }
    return 0;
}

const ll_check ll_check_blocking_call = {
    .id = "blocking-call",
    .severity = LL_SEVERITY_ERROR,
    .summary = "a call that blocks the thread, made in loop context (directly or through "
               "user functions)",
    .check_function = check_function,
    .check_program = NULL,
};
