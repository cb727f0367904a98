/*
 * missing_task_done.c - `missing-task-done`: an item got from a queue (an
 * acquire of kind queue-item in the packs: nest_queue_get) that reaches a
 * return, or the next get on the same queue, on some path where it was
 * not marked done (the item-done role: nest_queue_task_done) on that
 * queue - directly, or through a user function that marks it done on
 * every path (RULES.md).
 *
 * A queue counts the items put and not yet marked done; a join waits for
 * that count to reach zero. A worker that forgets one item (an early
 * return, a `continue` that skips the task_done) leaves the join waiting
 * forever, and the graceful shutdown with it. asyncio's answer is the
 * resilient worker: task_done in a `finally`. In C that is the task_done
 * at a `goto done` label, or at the end of every iteration.
 *
 * The path-sensitive work is the ownership engine's (analysis/ownership.h)
 * over queue items, which are released through their queue: the get's
 * queue argument, the same variable or the same tokens at the item-done
 * call. The get's failure branch (the queue was closed, the wait timed
 * out) got nothing to mark. Where the engine cannot tell (an item-done on
 * a queue that may be another, a callee that may mark some item done
 * only on some paths) it stops following the item, silently. Reported at
 * the get, with the path as notes.
 */
#include "check.h"

#include "../analysis/callsite.h"
#include "../analysis/locks.h"
#include "../analysis/ownership.h"
#include "../analysis/summary.h"

#include <stdio.h>

/* Defined at the end; reports name it. */
extern const ll_check ll_check_missing_task_done;

typedef struct run {
    const ll_check_context *context;
    ll_findings *out;
} run;

/* " from 'q'": the get's queue as written, or nothing when it cannot be
 * read. */
static void queue_words(const ll_function *function, const ll_call *call,
                        const ll_function_rule *rule, char *buffer, size_t size)
{
    const char *text = NULL;
    size_t length = 0;
    buffer[0] = '\0';
    uint32_t queue = rule ? ll_ownership_queue_argument(rule, call->argument_count) : 0;
    if (queue == 0)
        return;
    const ll_value *value = &call->arguments[queue - 1];
    const char *name = value->kind == LL_VALUE_VARIABLE
                           ? ll_ownership_variable_name(function, value->variable)
                           : NULL;
    if (name)
        snprintf(buffer, size, " from '%s'", name);
    else if (ll_call_argument_text(call, queue, &text, &length) && length < 100) {
        char tokens[100];
        char spelling[100];
        snprintf(tokens, sizeof tokens, "%.*s", (int)length, text);
        snprintf(buffer, size, " from '%s'", ll_lock_spelling(tokens, spelling, sizeof spelling));
    }
}

static int report(const run *checking, const ll_unit *unit, const ll_function *function,
                  const ll_ownership_defect *defect)
{
    const ll_call *call = &function->calls[defect->call];
    const ll_function_rule *rule =
        call->callee_name ? ll_packs_lookup(checking->context->packs, call->callee_name) : NULL;
    char get[128];
    char queue[128];
    char hint[160] = "";
    ll_ownership_call_name(call, get, sizeof get);
    queue_words(function, call, rule, queue, sizeof queue);
    const char *done = ll_packs_role_function(checking->context->packs, rule ? rule->pack : NULL,
                                              LL_ROLE_ITEM_DONE);
    if (done)
        snprintf(hint, sizeof hint, " (call '%s')", done);

    ll_finding *finding = NULL;
    switch (defect->kind) {
    case LL_OWNERSHIP_NEXT_GET:
        finding = ll_check_report(&ll_check_missing_task_done, checking->out, unit, function,
                                  call->location, call->text,
                                  "the item got by '%s'%s is not marked done before the next "
                                  "item is got%s: a join on the queue waits forever",
                                  get, queue, hint);
        break;
    case LL_OWNERSHIP_LEAK:
    case LL_OWNERSHIP_OVERWRITE: /* not for queue items */
    case LL_OWNERSHIP_DISCARD:
        finding = ll_check_report(&ll_check_missing_task_done, checking->out, unit, function,
                                  call->location, call->text,
                                  "the item got by '%s'%s is not marked done on every path%s: "
                                  "a join on the queue waits forever",
                                  get, queue, hint);
        break;
    }
    if (!finding)
        return -1;
    return ll_ownership_add_notes(finding, unit, function, defect);
}

static int visit(void *context, uint32_t id, const ll_unit *unit, const ll_function *function,
                 const ll_ownership_result *result)
{
    (void)id;
    for (uint32_t i = 0; i < result->defect_count; i++)
        if (report(context, unit, function, &result->defects[i]) < 0)
            return -1;
    return 0;
}

static int check_program(const ll_check_context *context, ll_findings *out)
{
    if (!context->program || !context->packs)
        return 0;
    ll_summaries *own;
    const ll_summaries *summaries =
        ll_summaries_use(context->summaries, context->program, context->packs, &own);
    if (!summaries)
        return -1;
    run checking = {context, out};
    int status = ll_ownership_each(context->program, context->packs, summaries, context->scope,
                                   LL_OWNERSHIP_KIND(LL_RESOURCE_QUEUE_ITEM), context->statistics,
                                   visit, &checking);
    ll_summaries_free(own);
    return status;
}

const ll_check ll_check_missing_task_done = {
    .id = "missing-task-done",
    .severity = LL_SEVERITY_ERROR,
    .summary = "a queue item got successfully that some path leaves without marking it done",
    .check_function = NULL,
    .check_program = check_program,
};
