/*
 * queue_not_drained.c - `queue-not-drained`: a queue closed on some path
 * without being drained first, while tasks that consume it were started
 * (RULES.md; the seed's graceful shutdown: `await queue.join()` before the
 * workers go, so that no accepted item is lost).
 *
 * What each function means comes from the packs: an item-get is a call
 * that acquires a `queue-item`, a drain has the `drain` role, a close the
 * `queue-close` role. Over the whole program (analysis/reach.h) the check
 * first works out
 *  - the consumers: functions that take items, themselves or through the
 *    functions they call in the same task (a shield's or timeout scope's
 *    body runs in the caller's task);
 *  - the starters: functions that start a consumer task, themselves or
 *    through their callees and the tasks they start;
 *  - the drainers: functions that drain, themselves or in the same task.
 * Then, in each function that closes a queue, every call gets an effect
 * (analysis/undrained.h): a spawn of a consumer starts consumers of the
 * queue it hands the task when the task takes items from its own argument
 * (`nest_spawn(worker, q)` with `worker` getting from `arg`), and of
 * unknown queues otherwise (the queue travels in a struct: "some task
 * started here consumes some queue"), unless the spawn failed; a call of
 * a starter starts unknown consumers; a drain, or a call of a drainer,
 * drains; a join of a consumer's handle that was not cancelled waits for
 * a consumer that ended by itself, which counts as a drain (nothing of it
 * is in flight). A close reached with consumers started and not drained
 * since is the finding, at the close, with the consumer task and the path
 * as notes. A close the analysis cannot name (neither a variable nor
 * readable tokens), or one inside a helper, is not judged.
 */
#include "check.h"

#include "../analysis/branch.h"
#include "../analysis/callsite.h"
#include "../analysis/ownership.h"
#include "../analysis/reach.h"
#include "../analysis/undrained.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defined at the end; reports name it. */
extern const ll_check ll_check_queue_not_drained;

/* What the check knows about every function of the program. */
typedef struct queues {
    const ll_program *program;
    ll_packs *packs;
    ll_reach *reach;
    uint32_t function_count;
    ll_reach_mark *consumes; /* takes items, itself or in its task's callees */
    ll_index *item_get;      /* ... itself: its first item-get call */
    ll_reach_mark *starts;   /* starts a consumer task, itself or further on */
    ll_reach_mark *drains;   /* drains a queue, itself or in its task's callees */
} queues;

static const ll_function_rule *rule_of(ll_packs *packs, const ll_call *call)
{
    if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
        return NULL;
    return ll_packs_lookup(packs, call->callee_name);
}

static const ll_function *function_of(const queues *q, uint32_t id, const ll_unit **unit)
{
    return ll_program_function(q->program, id, unit);
}

/* ---- The program: consumers, starters, drainers ------------------------------------------ */

static void mark_directly(queues *q)
{
    for (uint32_t id = 0; id < q->function_count; id++) {
        const ll_function *function = function_of(q, id, NULL);
        q->item_get[id] = LL_NONE;
        for (ll_index c = 0; c < function->call_count; c++) {
            const ll_function_rule *rule = rule_of(q->packs, &function->calls[c]);
            if (!rule)
                continue;
            if (rule->acquire && rule->acquire->kind == LL_RESOURCE_QUEUE_ITEM &&
                !q->consumes[id].marked) {
                q->consumes[id].marked = true;
                q->item_get[id] = c;
            }
            if (rule->roles & LL_ROLE_DRAIN)
                q->drains[id].marked = true;
        }
    }
}

/* A function that spawns a consumer task is a starter; the mark points
 * at the spawn. */
static void mark_spawners(queues *q)
{
    for (uint32_t id = 0; id < q->function_count; id++) {
        const ll_reach_edge *edges;
        uint32_t count = ll_reach_edges(q->reach, id, &edges);
        for (uint32_t e = 0; e < count && !q->starts[id].marked; e++)
            if (edges[e].entry && edges[e].kind == LL_ENTRY_TASK &&
                q->consumes[edges[e].function].marked)
                q->starts[id] = (ll_reach_mark){true, edges[e].function, &edges[e]};
    }
}

static int summarise(queues *q)
{
    size_t n = q->function_count ? q->function_count : 1;
    q->consumes = calloc(n, sizeof *q->consumes);
    q->starts = calloc(n, sizeof *q->starts);
    q->drains = calloc(n, sizeof *q->drains);
    q->item_get = malloc(n * sizeof *q->item_get);
    if (!q->consumes || !q->starts || !q->drains || !q->item_get)
        return -1;
    for (uint32_t id = 0; id < q->function_count; id++)
        q->consumes[id].from = q->starts[id].from = q->drains[id].from = LL_NONE;
    mark_directly(q);
    if (ll_reach_backward(q->reach, LL_REACH_SAME_TASK, q->consumes) < 0 ||
        ll_reach_backward(q->reach, LL_REACH_SAME_TASK, q->drains) < 0)
        return -1;
    mark_spawners(q);
    return ll_reach_backward(q->reach, LL_REACH_ENTRY(LL_ENTRY_TASK) | LL_REACH_SAME_TASK,
                             q->starts);
}

static void release(queues *q)
{
    ll_reach_free(q->reach);
    free(q->consumes);
    free(q->starts);
    free(q->drains);
    free(q->item_get);
}

/* ---- Which queue a consumer takes from -------------------------------------------------- */

/* Whether `variable` holds the task's argument: parameter 1, or a local
 * assigned nothing else. */
static bool holds_task_argument(const ll_function *function, ll_index variable)
{
    if (variable >= function->variable_count)
        return false;
    const ll_variable *v = &function->variables[variable];
    if (v->kind == LL_VARIABLE_PARAMETER)
        return v->parameter == 1;
    if (v->kind != LL_VARIABLE_LOCAL)
        return false;
    uint32_t copies = 0;
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            bool assigns =
                operation->kind == LL_OPERATION_CALL || operation->kind == LL_OPERATION_ASSIGN;
            if (!assigns || operation->target != variable)
                continue;
            const ll_value *value = &operation->value;
            if (operation->kind == LL_OPERATION_CALL || value->kind != LL_VALUE_VARIABLE ||
                value->variable >= function->variable_count ||
                function->variables[value->variable].kind != LL_VARIABLE_PARAMETER ||
                function->variables[value->variable].parameter != 1)
                return false;
            copies++;
        }
    }
    return copies > 0;
}

/* Whether consumer `id` takes items only from the queue it is given as
 * its argument: it gets items itself (not through callees), and every
 * item-get it makes is passed that argument. */
static bool consumes_own_argument(const queues *q, uint32_t id)
{
    if (q->item_get[id] == LL_NONE)
        return false;
    const ll_reach_edge *edges;
    uint32_t count = ll_reach_edges(q->reach, id, &edges);
    for (uint32_t e = 0; e < count; e++)
        if ((!edges[e].entry || LL_REACH_SAME_TASK & LL_REACH_ENTRY(edges[e].kind)) &&
            q->consumes[edges[e].function].marked)
            return false;
    const ll_function *function = function_of(q, id, NULL);
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_call *call = &function->calls[c];
        const ll_function_rule *rule = rule_of(q->packs, call);
        if (!rule || !rule->acquire || rule->acquire->kind != LL_RESOURCE_QUEUE_ITEM)
            continue;
        bool given = false;
        for (uint32_t a = 0; a < call->argument_count && !given; a++)
            given = call->arguments[a].kind == LL_VALUE_VARIABLE &&
                    holds_task_argument(function, call->arguments[a].variable);
        if (!given)
            return false;
    }
    return true;
}

/* ---- Effects of the calls of one function ------------------------------------------------- */

typedef struct effects {
    ll_queue_effect *items;        /* by call */
    const ll_reach_edge **reasons; /* by call: the edge a start comes from */
    bool *consumer_handles;        /* by variable: holds a consumer task's handle */
    ll_cancelled *cancelled;       /* computed on first need */
} effects;

static ll_queue_effect effect_at_call(enum ll_queue_effect_kind kind, uint32_t argument)
{
    return (ll_queue_effect){kind, argument, LL_QUEUE_EFFECT_AT_CALL};
}

/* The successor of the call's block that only its failure takes, when
 * the block ends in the call's own test (`if (t == NULL)`); else
 * LL_QUEUE_EFFECT_AT_CALL. */
static uint32_t failure_successor(const queues *q, const ll_function *function, ll_index call)
{
    const ll_block *block = &function->blocks[function->calls[call].block];
    const ll_function_rule *rule = rule_of(q->packs, &function->calls[call]);
    if (!rule || ll_branch_tested_call(function, block) != call)
        return LL_QUEUE_EFFECT_AT_CALL;
    for (uint32_t s = 0; s < block->successor_count; s++)
        if (ll_branch_only_on_failure(block, s, rule))
            return s;
    return LL_QUEUE_EFFECT_AT_CALL;
}

/* Adds a start to what edge `reason`'s call does: of the queue in
 * `argument`, or (0) of queues it cannot name. A failed spawn starts
 * nothing; a user function that fails may have started some consumers. */
static void add_start(const queues *q, const ll_function *function, effects *e,
                      const ll_reach_edge *reason, uint32_t argument)
{
    ll_index call = reason->call;
    ll_queue_effect *effect = &e->items[call];
    if (effect->kind == LL_QUEUE_EFFECT_DRAINS_ANY)
        return;
    uint32_t failure =
        reason->entry ? failure_successor(q, function, call) : LL_QUEUE_EFFECT_AT_CALL;
    if (!e->reasons[call])
        e->reasons[call] = reason;
    if (effect->kind == LL_QUEUE_EFFECT_NONE && argument) {
        *effect = (ll_queue_effect){LL_QUEUE_EFFECT_STARTS, argument, failure};
        return;
    }
    if (effect->kind == LL_QUEUE_EFFECT_STARTS && effect->argument == argument &&
        effect->failure_successor == failure)
        return;
    if (effect->kind != LL_QUEUE_EFFECT_NONE && effect->failure_successor != failure)
        failure = LL_QUEUE_EFFECT_AT_CALL;
    *effect = (ll_queue_effect){LL_QUEUE_EFFECT_STARTS_ANY, 0, failure};
}

/* The variables a call's result lands in: its target, and the locals a
 * temporary target is copied to. */
static void mark_result(const ll_function *function, ll_index call, bool *variables)
{
    ll_index target = LL_NONE;
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++)
            if (block->operations[o].kind == LL_OPERATION_CALL && block->operations[o].call == call)
                target = block->operations[o].target;
    }
    if (target >= function->variable_count)
        return;
    variables[target] = true;
    if (function->variables[target].kind != LL_VARIABLE_TEMPORARY)
        return;
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->kind == LL_OPERATION_ASSIGN &&
                operation->value.kind == LL_VALUE_VARIABLE && operation->value.variable == target &&
                operation->target < function->variable_count)
                variables[operation->target] = true;
        }
    }
}

/* What an edge of the function does to queues at its call. */
static void edge_effect(const queues *q, const ll_function *function, const ll_reach_edge *edge,
                        effects *e)
{
    uint32_t target = edge->function;
    bool same_task = !edge->entry || LL_REACH_SAME_TASK & LL_REACH_ENTRY(edge->kind);
    if (same_task && q->drains[target].marked) {
        e->items[edge->call] = effect_at_call(LL_QUEUE_EFFECT_DRAINS_ANY, 0);
        return;
    }
    if (edge->entry && edge->kind == LL_ENTRY_TASK && q->consumes[target].marked) {
        const ll_call *call = &function->calls[edge->call];
        const ll_function_rule *rule = rule_of(q->packs, call);
        uint32_t argument = 0;
        for (uint32_t i = 0; rule && i < rule->entry_count; i++)
            if (rule->entries[i].kind == LL_ENTRY_TASK)
                argument = rule->entries[i].argument + 1; /* (fn, arg), as C does */
        if (argument > call->argument_count || !consumes_own_argument(q, target))
            argument = 0;
        mark_result(function, edge->call, e->consumer_handles);
        add_start(q, function, e, edge, argument);
        return;
    }
    bool follows_tasks = same_task || edge->kind == LL_ENTRY_TASK;
    if (follows_tasks && q->starts[target].marked)
        add_start(q, function, e, edge, 0);
}

/* What a join does to queues: joining a consumer that was not cancelled
 * waits until it ended by itself, which leaves nothing in flight (a drain
 * of any queue) - at the call for a forever join, on its success side for
 * one with a deadline. 0, or -1 when out of memory. */
static int join_effect(const queues *q, const ll_function *function, ll_index c,
                       const ll_function_rule *rule, effects *e)
{
    const ll_call *call = &function->calls[c];
    if (!rule->suspend || rule->handle == 0 || rule->handle > call->argument_count ||
        rule->suspend->deadline == 0 || rule->suspend->deadline > call->argument_count)
        return 0;
    const ll_value *handle = &call->arguments[rule->handle - 1];
    if (handle->kind != LL_VALUE_VARIABLE || handle->variable >= function->variable_count ||
        !e->consumer_handles[handle->variable])
        return 0;
    if (!e->cancelled && !(e->cancelled = ll_cancelled_new(function, q->packs)))
        return -1;
    if (ll_cancelled_before(e->cancelled, c, rule->handle))
        return 0;
    ll_queue_effect ends = effect_at_call(LL_QUEUE_EFFECT_DRAINS_ANY, 0);
    if (!ll_deadline_is_forever(function, &call->arguments[rule->suspend->deadline - 1],
                                rule->suspend->forever)) {
        ends.failure_successor = failure_successor(q, function, c);
        if (ends.failure_successor == LL_QUEUE_EFFECT_AT_CALL)
            return 0; /* whether it ended is not tested where it is called */
    }
    e->items[c] = ends;
    return 0;
}

static int rule_effects(const queues *q, const ll_function *function, effects *e)
{
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_function_rule *rule = rule_of(q->packs, &function->calls[c]);
        if (!rule)
            continue;
        if (rule->roles & LL_ROLE_QUEUE_CLOSE && rule->handle)
            e->items[c] = effect_at_call(LL_QUEUE_EFFECT_CLOSES, rule->handle);
        else if (rule->roles & LL_ROLE_DRAIN && rule->handle)
            e->items[c] = effect_at_call(LL_QUEUE_EFFECT_DRAINS, rule->handle);
        else if (rule->roles & LL_ROLE_JOIN && join_effect(q, function, c, rule, e) < 0)
            return -1;
    }
    return 0;
}

static int find_effects(const queues *q, uint32_t id, const ll_function *function, effects *e)
{
    size_t calls = function->call_count ? function->call_count : 1;
    e->items = calloc(calls, sizeof *e->items);
    e->reasons = calloc(calls, sizeof *e->reasons);
    e->consumer_handles =
        calloc(function->variable_count ? function->variable_count : 1, sizeof(bool));
    if (!e->items || !e->reasons || !e->consumer_handles)
        return -1;
    const ll_reach_edge *edges;
    uint32_t count = ll_reach_edges(q->reach, id, &edges);
    for (uint32_t i = 0; i < count; i++)
        edge_effect(q, function, &edges[i], e);
    return rule_effects(q, function, e);
}

static void free_effects(effects *e)
{
    free(e->items);
    free(e->reasons);
    free(e->consumer_handles);
    ll_cancelled_free(e->cancelled);
}

/* ---- Words for the report ------------------------------------------------------------------ */

/* The handle argument as the user wrote it, spaces kept only between
 * words ("app->queue"). */
static void handle_name(const ll_function *function, const ll_call *call, uint32_t argument,
                        char *buffer, size_t size)
{
    const ll_value *value = &call->arguments[argument - 1];
    const char *name = value->kind == LL_VALUE_VARIABLE
                           ? ll_ownership_variable_name(function, value->variable)
                           : NULL;
    const char *text;
    size_t length;
    if (name) {
        snprintf(buffer, size, "%s", name);
        return;
    }
    if (!ll_call_argument_text(call, argument, &text, &length)) {
        snprintf(buffer, size, "the queue");
        return;
    }
    size_t out = 0;
    for (size_t i = 0; i < length && out + 1 < size; i++) {
        bool between_words = i > 0 && i + 1 < length && text[i] == ' ' &&
                             (isalnum((unsigned char)text[i - 1]) || text[i - 1] == '_') &&
                             (isalnum((unsigned char)text[i + 1]) || text[i + 1] == '_');
        if (text[i] != ' ' || between_words)
            buffer[out++] = text[i];
    }
    buffer[out] = '\0';
}

static const char *name_of(const queues *q, uint32_t id)
{
    const char *name = function_of(q, id, NULL)->name;
    return name ? name : "?";
}

/* The call whose result a temporary holds, or LL_NONE. */
static ll_index producing_call(const ll_function *function, ll_index variable)
{
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++)
            if (block->operations[o].kind == LL_OPERATION_CALL &&
                block->operations[o].target == variable)
                return block->operations[o].call;
    }
    return LL_NONE;
}

/* A note where the path goes around a drain: what the branch it takes
 * assumes, when the test can be put in words. */
static int branch_note(ll_finding *finding, const ll_unit *unit, const ll_function *function,
                       const ll_path_step *step)
{
    const ll_block *block = &function->blocks[step->block];
    ll_index variable = block->test.variable;
    enum ll_relation relation = ll_branch_relation(block, step->successor);
    const char *name = ll_ownership_variable_name(function, variable);
    ll_index call = LL_NONE;
    if (relation != LL_RELATION_UNKNOWN && variable < function->variable_count && !name)
        call = producing_call(function, variable);
    if (relation == LL_RELATION_UNKNOWN || variable >= function->variable_count ||
        (!name && call >= function->call_count))
        return ll_check_note(finding, unit, block->location, "the path goes around the drain here");
    char words[64];
    ll_relation_words(relation, block->test.constant, function->variables[variable].is_pointer,
                      words, sizeof words);
    if (name)
        return ll_check_note(finding, unit, block->location, "assuming '%s' %s", name, words);
    int length;
    const char *callee = ll_call_written_name(&function->calls[call], &length);
    return ll_check_note(finding, unit, block->location, "assuming the result of '%.*s' %s", length,
                         callee, words);
}

/* ---- Notes: the consumer, the start, the path ------------------------------------------------ */

/* From consumer `id` down to the call that takes an item. */
static int consumer_notes(const queues *q, uint32_t id, ll_finding *finding)
{
    const ll_unit *unit;
    for (;;) {
        const ll_function *function = function_of(q, id, &unit);
        const ll_reach_mark *mark = &q->consumes[id];
        if (mark->from == LL_NONE) {
            const ll_call *call = &function->calls[q->item_get[id]];
            int length;
            const char *callee = ll_call_written_name(call, &length);
            return ll_check_note(finding, unit, call->location,
                                 "'%s' takes items from a queue here ('%.*s')", name_of(q, id),
                                 length, callee);
        }
        if (ll_check_note(finding, unit, function->calls[mark->edge->call].location,
                          mark->edge->entry ? "'%s' runs '%s' here" : "'%s' calls '%s' here",
                          name_of(q, id), name_of(q, mark->from)) < 0)
            return -1;
        id = mark->from;
    }
}

/* The edge `edge` of function `id` starts a consumer task, or leads to a
 * starter: notes down to the consumer. */
static int start_notes(const queues *q, uint32_t id, const ll_reach_edge *edge, ll_finding *finding)
{
    const ll_unit *unit;
    for (;;) {
        const ll_function *function = function_of(q, id, &unit);
        ll_location location = function->calls[edge->call].location;
        uint32_t target = edge->function;
        if (edge->entry && edge->kind == LL_ENTRY_TASK && q->consumes[target].marked) {
            if (ll_check_note(finding, unit, location, "consumer task '%s' is started here",
                              name_of(q, target)) < 0)
                return -1;
            return consumer_notes(q, target, finding);
        }
        int noted =
            edge->entry && edge->kind == LL_ENTRY_TASK
                ? ll_check_note(finding, unit, location,
                                "task '%s' is started here; it starts consumer tasks",
                                name_of(q, target))
                : ll_check_note(finding, unit, location,
                                edge->entry ? "'%s' runs '%s' here" : "'%s' calls '%s' here",
                                name_of(q, id), name_of(q, target));
        if (noted < 0 || !q->starts[target].edge)
            return noted;
        id = target;
        edge = q->starts[target].edge;
    }
}

/* Whether argument `a` of call `c` and argument `b` of call `d` name the
 * same handle: one variable, or the same tokens. */
static bool same_handle(const ll_function *function, ll_index c, uint32_t a, ll_index d, uint32_t b)
{
    const ll_call *first = &function->calls[c];
    const ll_call *second = &function->calls[d];
    if (a == 0 || b == 0 || a > first->argument_count || b > second->argument_count)
        return false;
    const ll_value *one = &first->arguments[a - 1];
    const ll_value *other = &second->arguments[b - 1];
    if (one->kind == LL_VALUE_VARIABLE || other->kind == LL_VALUE_VARIABLE)
        return one->kind == other->kind && one->variable == other->variable;
    const char *text_one;
    const char *text_other;
    size_t length_one;
    size_t length_other;
    return ll_call_argument_text(first, a, &text_one, &length_one) &&
           ll_call_argument_text(second, b, &text_other, &length_other) &&
           length_one == length_other && memcmp(text_one, text_other, length_one) == 0;
}

/* A drain of the same queue elsewhere in the function, or LL_NONE. */
static ll_index drain_elsewhere(const ll_function *function, const effects *e, ll_index close)
{
    for (ll_index c = 0; c < function->call_count; c++)
        if (e->items[c].kind == LL_QUEUE_EFFECT_DRAINS &&
            same_handle(function, c, e->items[c].argument, close, e->items[close].argument))
            return c;
    return LL_NONE;
}

static int report(const queues *q, uint32_t id, const effects *e, const ll_undrained *found,
                  ll_findings *out)
{
    const ll_unit *unit;
    const ll_function *function = function_of(q, id, &unit);
    const ll_call *close = &function->calls[found->close];
    const ll_function_rule *rule = rule_of(q->packs, close);
    const char *drain = ll_packs_role_function(q->packs, rule ? rule->pack : NULL, LL_ROLE_DRAIN);
    char handle[128];
    char fix[192];
    int length;
    const char *callee = ll_call_written_name(close, &length);
    handle_name(function, close, e->items[found->close].argument, handle, sizeof handle);
    if (drain)
        snprintf(fix, sizeof fix, "call '%s' on it before closing it", drain);
    else
        snprintf(fix, sizeof fix, "drain it before closing it");
    ll_finding *finding = ll_check_report(
        &ll_check_queue_not_drained, out, unit, function, close->location, close->text,
        "'%.*s' closes '%s' while tasks consuming it may still be at work: on some path it is "
        "not drained first, and the items still in it are lost; %s",
        length, callee, handle, fix);
    if (!finding)
        return -1;
    const ll_reach_edge *reason = e->reasons[found->start];
    if (reason && start_notes(q, id, reason, finding) < 0)
        return -1;
    for (uint32_t s = 0; s < found->step_count; s++)
        if (found->steps[s].skips_drain &&
            branch_note(finding, unit, function, &found->steps[s]) < 0)
            return -1;
    ll_index elsewhere = drain_elsewhere(function, e, found->close);
    if (elsewhere == LL_NONE)
        return 0;
    const ll_call *drain_call = &function->calls[elsewhere];
    const char *drain_name = ll_call_written_name(drain_call, &length);
    return ll_check_note(finding, unit, drain_call->location,
                         "'%.*s' drains it here, but not on that path", length, drain_name);
}

/* ---- The check ------------------------------------------------------------------------------ */

static bool closes_a_queue(const queues *q, const ll_function *function)
{
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_function_rule *rule = rule_of(q->packs, &function->calls[c]);
        if (rule && rule->roles & LL_ROLE_QUEUE_CLOSE)
            return true;
    }
    return false;
}

static int check_function_closes(const queues *q, uint32_t id, ll_findings *out)
{
    const ll_function *function = function_of(q, id, NULL);
    effects e = {0};
    ll_undrained_result result = {0};
    int status = -1;
    if (find_effects(q, id, function, &e) < 0 || ll_undrained_find(function, e.items, &result) < 0)
        goto done;
    status = 0;
    for (uint32_t i = 0; i < result.close_count && status == 0; i++)
        status = report(q, id, &e, &result.closes[i], out);
done:
    ll_undrained_result_free(&result);
    free_effects(&e);
    return status;
}

static int check_program(const ll_check_context *context, ll_findings *out)
{
    if (!context->program || !context->packs)
        return 0;
    queues q = {
        .program = context->program,
        .packs = context->packs,
        .function_count = ll_program_function_count(context->program),
    };
    int status = -1;
    if (!(q.reach = ll_reach_new(q.program, q.packs)) || summarise(&q) < 0)
        goto done;
    status = 0;
    for (uint32_t id = 0; id < q.function_count && status == 0; id++)
        if (closes_a_queue(&q, function_of(&q, id, NULL)))
            status = check_function_closes(&q, id, out);
done:
    release(&q);
    return status;
}

const ll_check ll_check_queue_not_drained = {
    .id = "queue-not-drained",
    .severity = LL_SEVERITY_WARNING,
    .summary = "a queue closed on some path without a drain while tasks consuming it run",
    .check_function = NULL,
    .check_program = check_program,
};
