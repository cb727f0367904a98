/*
 * session_per_request.c - `session-per-request`: a session (what the packs
 * acquire with kind `session`: nest_pool_open) opened and closed again
 * within one loop iteration, or within one activation of a function that
 * runs once per item: spawned, or called, from inside a loop (RULES.md,
 * "Precise points").
 *
 * A session is meant to live long: a connection pool keeps connections
 * open so that requests reuse them. One opened per request connects,
 * handshakes and tears down every time, and under load it opens as many
 * connections to the backend as there are requests in flight. asyncio's
 * rule is the same for aiohttp's ClientSession: create it once (a
 * singleton, or the application's lifespan) and pass it down.
 *
 * The ownership engine (analysis/ownership.h) says what becomes of each
 * session on all paths: it is reported only when every path on which
 * the open succeeded releases it (itself, or through a helper whose
 * summary releases it) and no path keeps it - stored in a struct or an
 * array (one pool per backend kept for the program's life), returned,
 * handed to a function that takes it, still open when its loop iteration
 * ends, or given to code the analysis cannot see. A function that runs
 * once per item is found over the call graph: a function called, or
 * passed to an entry point (spawned, run under a timeout), from a call
 * inside a loop, and everything such a function calls. Reported at the
 * acquiring call, with the loop (or the chain of calls from it) and the
 * close as notes.
 */
#include "check.h"

#include "../analysis/ownership.h"
#include "../analysis/summary.h"

#include <stdio.h>
#include <stdlib.h>

/* Defined at the end; reports name it. */
extern const ll_check ll_check_session_per_request;

/* Why a function runs once per item: call `call` of function `from`
 * reaches it (called, or passed to an entry point), from inside a loop
 * of `from` when `in_loop`, else because `from` runs once per item. */
typedef struct per_item {
    bool marked;
    const char *how; /* "called", "started" (a task), "run" (a timeout scope...) */
    bool in_loop;
    uint32_t from;
    ll_index call;
} per_item;

typedef struct run {
    const ll_check_context *context;
    const ll_summaries *summaries;
    per_item *items; /* per function */
    ll_findings *out;
} run;

/* ---- Functions that run once per item ----------------------------------------------- */

/* Whether `block` of `function` is inside one of its loops. */
static bool in_a_loop(const ll_function *function, ll_index block)
{
    for (ll_index l = 0; l < function->loop_count; l++)
        for (uint32_t i = 0; i < function->loops[l].body_block_count; i++)
            if (function->loops[l].body_blocks[i] == block)
                return true;
    return false;
}

/* Marks `target` as reached by call `call` of `from`; appends it to the
 * queue of the search when it is new. */
static void reach(per_item *items, uint32_t *queue, uint32_t *tail, uint32_t target, uint32_t from,
                  ll_index call, const char *how, bool in_loop)
{
    if (target == LL_NONE || items[target].marked)
        return;
    items[target] = (per_item){true, how, in_loop, from, call};
    queue[(*tail)++] = target;
}

/* The functions call `index` of function `id` runs: its callees, and the
 * functions it passes to the packs' entry points. `all`: every call of
 * the function counts (it runs once per item); else only calls inside a
 * loop. */
static void follow_calls(const run *checking, uint32_t id, bool all, uint32_t *queue,
                         uint32_t *tail)
{
    const ll_program *program = checking->context->program;
    const ll_function *function = ll_program_function(program, id, NULL);
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_call *call = &function->calls[c];
        bool looped = in_a_loop(function, call->block);
        if (!all && !looped)
            continue;
        uint32_t callees[8];
        uint32_t count = ll_program_callees(program, id, c, callees, 8);
        for (uint32_t i = 0; i < count && i < 8; i++)
            reach(checking->items, queue, tail, callees[i], id, c, "called", looped);
        const ll_function_rule *rule =
            call->callee_kind == LL_CALLEE_DIRECT && call->callee_name
                ? ll_packs_lookup(checking->context->packs, call->callee_name)
                : NULL;
        for (uint32_t e = 0; rule && e < rule->entry_count; e++) {
            uint32_t argument = rule->entries[e].argument;
            if (argument == 0 || argument > call->argument_count ||
                call->arguments[argument - 1].kind != LL_VALUE_FUNCTION)
                continue;
            uint32_t target = ll_program_resolve(program, id, call->arguments[argument - 1].usr);
            const char *how = rule->entries[e].kind == LL_ENTRY_TASK ? "started" : "run";
            reach(checking->items, queue, tail, target, id, c, how, looped);
        }
    }
}

/* A breadth-first search: first from the calls inside loops (functions
 * in order), then from everything those functions call. */
static int find_per_item(run *checking)
{
    uint32_t count = ll_program_function_count(checking->context->program);
    checking->items = calloc((size_t)count + 1, sizeof *checking->items);
    uint32_t *queue = malloc(((size_t)count + 1) * sizeof *queue);
    if (!checking->items || !queue) {
        free(queue);
        return -1;
    }
    uint32_t tail = 0;
    for (uint32_t id = 0; id < count; id++)
        follow_calls(checking, id, false, queue, &tail);
    for (uint32_t head = 0; head < tail; head++)
        follow_calls(checking, queue[head], true, queue, &tail);
    free(queue);
    return 0;
}

/* ---- Reports --------------------------------------------------------------------------- */

/* One note per step from function `id` up to the loop that runs it. */
static int chain_notes(const run *checking, uint32_t id, ll_finding *finding)
{
    const ll_program *program = checking->context->program;
    uint32_t count = ll_program_function_count(program);
    for (uint32_t depth = 0; depth < count && checking->items[id].marked; depth++) {
        const per_item *why = &checking->items[id];
        const ll_unit *unit;
        const ll_function *from = ll_program_function(program, why->from, &unit);
        const ll_function *function = ll_program_function(program, id, NULL);
        const char *how = why->how;
        int status;
        if (why->in_loop)
            status = ll_check_note(finding, unit, from->calls[why->call].location,
                                   "'%s' is %s in a loop here, in '%s': once per item",
                                   function->name, how, from->name);
        else
            status = ll_check_note(finding, unit, from->calls[why->call].location,
                                   "'%s' is %s here, by '%s'", function->name, how, from->name);
        if (status < 0)
            return -1;
        if (why->in_loop)
            return 0;
        id = why->from;
    }
    return 0;
}

static int report(const run *checking, uint32_t id, const ll_unit *unit,
                  const ll_function *function, const ll_ownership_handle *handle)
{
    const ll_call *call = &function->calls[handle->call];
    char open[128];
    char close[128] = "";
    ll_ownership_call_name(call, open, sizeof open);
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_location *at = &function->calls[c].location;
        if (at->line == handle->released.line && at->column == handle->released.column)
            ll_ownership_call_name(&function->calls[c], close, sizeof close);
    }
    ll_finding *finding;
    if (handle->loop != LL_NONE)
        finding = ll_check_report(&ll_check_session_per_request, checking->out, unit, function,
                                  call->location, call->text,
                                  "a session is opened by '%s' and closed again in every "
                                  "iteration of a loop: open it once, before the loop, and "
                                  "reuse it",
                                  open);
    else
        finding = ll_check_report(&ll_check_session_per_request, checking->out, unit, function,
                                  call->location, call->text,
                                  "a session is opened by '%s' and closed again in every call of "
                                  "'%s', which runs once per item: open it once at start-up and "
                                  "pass it down",
                                  open, function->name);
    if (!finding || ll_ownership_add_origin_notes(finding, checking->context->program,
                                                  checking->summaries, id, handle->call) < 0)
        return -1;
    if (handle->loop != LL_NONE &&
        ll_check_note(finding, unit, function->loops[handle->loop].location,
                      "each iteration of this loop opens one") < 0)
        return -1;
    if (handle->loop == LL_NONE && chain_notes(checking, id, finding) < 0)
        return -1;
    return ll_check_note(finding, unit, handle->released, "'%s' closes it here",
                         close[0] ? close : "the call");
}

static int visit(void *context, uint32_t id, const ll_unit *unit, const ll_function *function,
                 const ll_ownership_result *result)
{
    const run *checking = context;
    if (result->gave_up)
        return 0;
    for (uint32_t h = 0; h < result->handle_count; h++) {
        const ll_ownership_handle *handle = &result->handles[h];
        /* Released on every path where the open succeeded, and nothing else. */
        if (handle->call == LL_NONE || handle->acquire->kind != LL_RESOURCE_SESSION ||
            handle->fates != LL_FATE_RELEASED)
            continue;
        if (handle->loop == LL_NONE && !checking->items[id].marked)
            continue;
        if (report(checking, id, unit, function, handle) < 0)
            return -1;
    }
    return 0;
}

static int check_program(const ll_check_context *context, ll_findings *out)
{
    if (!context->program || !context->packs)
        return 0;
    ll_summaries *own;
    const ll_summaries *summaries =
        ll_summaries_use(context->summaries, context->program, context->packs, &own);
    run checking = {context, summaries, NULL, out};
    int status = -1;
    /* No counters: unclosed-resource follows the same sessions and counts
       what they lose to unknown callees. */
    if (summaries && find_per_item(&checking) == 0)
        status = ll_ownership_each(context->program, context->packs, summaries, context->scope,
                                   LL_OWNERSHIP_KIND(LL_RESOURCE_SESSION), NULL, visit, &checking);
    free(checking.items);
    ll_summaries_free(own);
    return status;
}

const ll_check ll_check_session_per_request = {
    .id = "session-per-request",
    .severity = LL_SEVERITY_WARNING,
    .summary = "a session (a connection pool) opened and closed again for every item of a loop",
    .check_function = NULL,
    .check_program = check_program,
};
