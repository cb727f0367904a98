/*
 * summary.c - the function summaries (summary.h), computed bottom-up over
 * the strongly connected components of the call graph.
 *
 * A function is summarised by one run of the ownership engine over its
 * CFG (ownership.h) that follows, besides its own acquisitions, each of
 * its parameters as a handle the caller owns (and, when the function may
 * mark queue items done, each pointer parameter as a queue whose item
 * the caller holds). What the run says is kept as it is, not judged:
 *  - per parameter, its fates over all paths (released, escaped,
 *    returned, unknown, still held...);
 *  - what the returns return, and which acquisitions' handles they
 *    return (the first, by call number, and whether two differ);
 *  - whether any return is reachable.
 * The questions of summary.h are answered from these when asked. All of
 * them only grow when a callee's summary grows, which is what makes the
 * rounds over a component end: a round that adds nothing is the last.
 *
 * The components come from Tarjan's algorithm, run without recursion
 * (call chains can be deep), which emits each component after every
 * component it calls: callees are summarised first. The edges are every
 * call the link resolved, through function pointers too, so that "may
 * mark an item done" sees through them; the engine itself reads the
 * summaries of direct calls only.
 */
#include "summary.h"

#include "ownership.h"

#include <stdlib.h>
#include <string.h>

/* Parameters followed per function (as far as masks go). */
#define SUMMARY_PARAMETERS 32

typedef struct summary {
    uint32_t first;                       /* its parameters' fates: fates[first...] */
    uint32_t parameter_count;             /* followed */
    uint32_t takes;                       /* LOOPLINT_TAKES, bit n-1 */
    uint32_t returns;                     /* LL_RETURNS_* of every round */
    const ll_acquire_rule *returned_from; /* the first acquisition returned */
    ll_index origin;                      /* ... its call */
    bool returned_mixed;                  /* handles of different acquisitions returned */
    bool may_item_done;
    bool analysed;
    bool unknown; /* no CFG, or the engine gave up: nothing is known */
    bool acquires;
    ll_acquire_rule acquired; /* valid when `acquires` */
} summary;

/* A LOOPLINT_TAKES mask, by USR. */
typedef struct taking {
    const char *usr;
    uint32_t mask;
} taking;

struct ll_summaries {
    const ll_program *program;
    ll_packs *packs;
    uint32_t count;
    summary *functions;
    uint16_t *handle_fates; /* per followed parameter */
    uint16_t *queue_fates;  /* ... followed as a queue */
    taking *takings;        /* sorted by USR */
    uint32_t taking_count;
    uint64_t analyses;
};

/* The call graph: callees of function i are callees[first[i] .. first[i+1]). */
typedef struct graph {
    uint32_t *first;
    uint32_t *callees;
} graph;

/* ---- LOOPLINT_TAKES ---------------------------------------------------------------- */

static int compare_takings(const void *left, const void *right)
{
    return strcmp(((const taking *)left)->usr, ((const taking *)right)->usr);
}

/* Every declaration and definition that carries LOOPLINT_TAKES, in every
 * unit holding a definition (the units calls are made from). Units come
 * in order with the function numbers. */
static int gather_takings(ll_summaries *summaries)
{
    const ll_unit *previous = NULL;
    for (uint32_t id = 0; id < summaries->count; id++) {
        const ll_unit *unit;
        ll_program_function(summaries->program, id, &unit);
        if (!unit || unit == previous)
            continue;
        previous = unit;
        for (uint32_t f = 0; f < unit->function_count; f++) {
            const ll_function *function = &unit->functions[f];
            if (!function->takes_mask || !function->usr)
                continue;
            taking *grown = realloc(summaries->takings,
                                    (summaries->taking_count + 1) * sizeof *summaries->takings);
            if (!grown)
                return -1;
            summaries->takings = grown;
            summaries->takings[summaries->taking_count++] =
                (taking){function->usr, function->takes_mask};
        }
    }
    if (summaries->taking_count == 0)
        return 0;
    qsort(summaries->takings, summaries->taking_count, sizeof *summaries->takings, compare_takings);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < summaries->taking_count; i++) {
        if (kept > 0 && strcmp(summaries->takings[kept - 1].usr, summaries->takings[i].usr) == 0)
            summaries->takings[kept - 1].mask |= summaries->takings[i].mask;
        else
            summaries->takings[kept++] = summaries->takings[i];
    }
    summaries->taking_count = kept;
    return 0;
}

uint32_t ll_summaries_takes(const ll_summaries *summaries, const char *usr)
{
    if (!summaries || !usr)
        return 0;
    uint32_t low = 0;
    uint32_t high = summaries->taking_count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        int order = strcmp(summaries->takings[middle].usr, usr);
        if (order == 0)
            return summaries->takings[middle].mask;
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return 0;
}

/* ---- The call graph ------------------------------------------------------------------ */

static void graph_free(graph *calls)
{
    free(calls->first);
    free(calls->callees);
}

/* Two passes over the calls: count, then fill. */
static int graph_build(const ll_program *program, uint32_t count, graph *calls)
{
    calls->first = calloc((size_t)count + 1, sizeof *calls->first);
    calls->callees = NULL;
    if (!calls->first)
        return -1;
    for (uint32_t pass = 0; pass < 2; pass++) {
        uint32_t edges = 0;
        for (uint32_t id = 0; id < count; id++) {
            const ll_function *function = ll_program_function(program, id, NULL);
            calls->first[id] = edges;
            for (ll_index c = 0; c < function->call_count; c++) {
                uint32_t *into = pass == 0 ? NULL : calls->callees + edges;
                uint32_t room = pass == 0 ? 0 : UINT32_MAX;
                edges += ll_program_callees(program, id, c, into, room);
            }
        }
        calls->first[count] = edges;
        if (pass == 0) {
            calls->callees = malloc(((size_t)edges + 1) * sizeof *calls->callees);
            if (!calls->callees)
                return -1;
        }
    }
    return 0;
}

/* ---- One function --------------------------------------------------------------------- */

static bool same_acquisition(const ll_acquire_rule *left, const ll_acquire_rule *right)
{
    if (left == right)
        return true;
    if (left->kind != right->kind || left->failure != right->failure)
        return false;
    if (!left->type || !right->type)
        return left->type == right->type;
    return strcmp(left->type, right->type) == 0;
}

/* Whether some parameter of the function is returned: then what it
 * returns is not always its own. */
static bool returns_parameter(const ll_summaries *summaries, const summary *function)
{
    for (uint32_t p = 0; p < function->parameter_count; p++)
        if (summaries->handle_fates[function->first + p] & LL_FATE_RETURNED)
            return true;
    return false;
}

/* Whether, from what it returns, the function returns an owned resource
 * to its callers, and as which acquisition: that of the handles it
 * returns, failing with their failure value - or, for one that cannot
 * fail, with the one constant it returns besides them. */
static void derive_acquisition(const ll_summaries *summaries, summary *function)
{
    function->acquires = false;
    const ll_acquire_rule *from = function->returned_from;
    if (function->unknown || !from || function->returned_mixed ||
        (function->returns & (LL_RETURNS_OTHER | LL_RETURNS_POSITIVE)) ||
        from->place != LL_HANDLE_RETURN || from->kind == LL_RESOURCE_QUEUE_ITEM ||
        from->kind == LL_RESOURCE_LOCK || returns_parameter(summaries, function))
        return;
    bool zero = function->returns & LL_RETURNS_ZERO;
    bool negative = function->returns & LL_RETURNS_NEGATIVE;
    enum ll_failure failure = from->failure;
    switch (failure) {
    case LL_FAILURE_NULL:
        if (negative)
            return;
        break;
    case LL_FAILURE_NEGATIVE:
        if (zero)
            return;
        break;
    case LL_FAILURE_NONE:
    case LL_FAILURE_NONZERO_RETURN:
        if (zero && negative)
            return;
        if (zero)
            failure = LL_FAILURE_NULL;
        else if (negative)
            failure = LL_FAILURE_NEGATIVE;
        else
            failure = LL_FAILURE_NONE;
        break;
    }
    function->acquired = (ll_acquire_rule){from->kind, LL_HANDLE_RETURN, 0, failure, from->type};
    function->acquires = true;
}

static void mark_unknown(const ll_summaries *summaries, summary *function)
{
    function->unknown = true;
    derive_acquisition(summaries, function);
}

/* Adds what one run of the engine saw to the function's summary. */
static void merge(ll_summaries *summaries, summary *function, const ll_ownership_result *result)
{
    function->returns |= result->returns;
    for (uint32_t h = 0; h < result->handle_count; h++) {
        const ll_ownership_handle *handle = &result->handles[h];
        if (handle->parameter > 0 && handle->parameter <= function->parameter_count) {
            uint16_t *fates = handle->queue ? summaries->queue_fates : summaries->handle_fates;
            fates[function->first + handle->parameter - 1] |= (uint16_t)handle->fates;
            continue;
        }
        if (handle->call == LL_NONE || !(handle->fates & LL_FATE_RETURNED))
            continue;
        if (!function->returned_from) {
            function->returned_from = handle->acquire;
            function->origin = handle->call;
        } else if (!same_acquisition(function->returned_from, handle->acquire)) {
            function->returned_mixed = true;
        } else if (handle->call < function->origin) {
            function->origin = handle->call;
        }
    }
    derive_acquisition(summaries, function);
}

/* What a round could change, to tell whether another round is needed. */
typedef struct snapshot {
    uint32_t returns;
    const ll_acquire_rule *returned_from;
    bool returned_mixed, unknown, acquires;
    enum ll_failure failure; /* of the acquisition callers see */
    uint64_t fates;          /* a digest of the parameters' fates */
} snapshot;

static snapshot take_snapshot(const ll_summaries *summaries, const summary *function)
{
    snapshot taken = {function->returns,
                      function->returned_from,
                      function->returned_mixed,
                      function->unknown,
                      function->acquires,
                      function->acquired.failure,
                      0};
    for (uint32_t p = 0; p < function->parameter_count; p++)
        taken.fates += (uint64_t)summaries->handle_fates[function->first + p] +
                       summaries->queue_fates[function->first + p];
    return taken;
}

/* Fates only gain bits, so their sum grows with any of them. */
static bool same_snapshot(const snapshot *left, const snapshot *right)
{
    return left->returns == right->returns && left->returned_from == right->returned_from &&
           left->returned_mixed == right->returned_mixed && left->unknown == right->unknown &&
           left->acquires == right->acquires && left->failure == right->failure &&
           left->fates == right->fates;
}

/* Runs the engine over function `id` with the summaries as they stand.
 * 1 when its summary changed, 0 when not, -1 when out of memory. */
static int analyse(ll_summaries *summaries, uint32_t id)
{
    summary *function = &summaries->functions[id];
    const ll_function *definition = ll_program_function(summaries->program, id, NULL);
    snapshot before = take_snapshot(summaries, function);
    function->analysed = true;
    if (function->unknown)
        return 0;
    if (definition->block_count == 0) {
        mark_unknown(summaries, function);
        return 1;
    }
    uint32_t all =
        function->parameter_count == 32 ? UINT32_MAX : (1u << function->parameter_count) - 1;
    uint32_t pointers = 0;
    for (ll_index v = 0; function->may_item_done && v < definition->variable_count; v++) {
        const ll_variable *variable = &definition->variables[v];
        if (variable->kind == LL_VARIABLE_PARAMETER && variable->is_pointer &&
            variable->parameter >= 1 && variable->parameter <= function->parameter_count)
            pointers |= 1u << (variable->parameter - 1);
    }
    ll_ownership_options options = {
        .kinds = LL_OWNERSHIP_KIND(LL_RESOURCE) | LL_OWNERSHIP_KIND(LL_RESOURCE_TASK) |
                 LL_OWNERSHIP_KIND(LL_RESOURCE_SESSION),
        .program = summaries->program,
        .summaries = summaries,
        .parameters = all,
        .queue_parameters = pointers,
    };
    ll_ownership_result result;
    if (ll_ownership_analyze(definition, summaries->packs, &options, &result) < 0)
        return -1;
    summaries->analyses++;
    if (result.gave_up)
        mark_unknown(summaries, function);
    else
        merge(summaries, function, &result);
    ll_ownership_result_free(&result);
    snapshot after = take_snapshot(summaries, function);
    return same_snapshot(&before, &after) ? 0 : 1;
}

/* ---- Components ------------------------------------------------------------------------ */

/* Whether function `id` calls an item-done function of the packs. */
static bool calls_item_done(const ll_summaries *summaries, uint32_t id)
{
    const ll_function *function = ll_program_function(summaries->program, id, NULL);
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_call *call = &function->calls[c];
        if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
            continue;
        const ll_function_rule *rule = ll_packs_lookup(summaries->packs, call->callee_name);
        if (rule && (rule->roles & LL_ROLE_ITEM_DONE))
            return true;
    }
    return false;
}

static int compare_ids(const void *left, const void *right)
{
    uint32_t a = *(const uint32_t *)left;
    uint32_t b = *(const uint32_t *)right;
    return (a > b) - (a < b);
}

/* The position of function `id` among a component's members (sorted), or
 * count when it is not one of them. */
static uint32_t member_index(const uint32_t *members, uint32_t count, uint32_t id)
{
    const uint32_t *found = bsearch(&id, members, count, sizeof *members, compare_ids);
    return found ? (uint32_t)(found - members) : count;
}

/* The callers of each member inside the component, by member index:
 * callers[first[i] .. first[i + 1]). Two passes: count, then fill. */
typedef struct inside_callers {
    uint32_t *first;
    uint32_t *callers;
} inside_callers;

static int inside_callers_build(inside_callers *inside, const graph *calls, const uint32_t *members,
                                uint32_t count)
{
    inside->first = calloc((size_t)count + 1, sizeof *inside->first);
    inside->callers = NULL;
    if (!inside->first)
        return -1;
    for (uint32_t m = 0; m < count; m++)
        for (uint32_t e = calls->first[members[m]]; e < calls->first[members[m] + 1]; e++) {
            uint32_t callee = member_index(members, count, calls->callees[e]);
            if (callee < count)
                inside->first[callee + 1]++;
        }
    for (uint32_t m = 0; m < count; m++)
        inside->first[m + 1] += inside->first[m];
    inside->callers = malloc(((size_t)inside->first[count] + 1) * sizeof *inside->callers);
    uint32_t *filled = calloc((size_t)count + 1, sizeof *filled);
    if (!inside->callers || !filled) {
        free(filled);
        return -1;
    }
    for (uint32_t m = 0; m < count; m++)
        for (uint32_t e = calls->first[members[m]]; e < calls->first[members[m] + 1]; e++) {
            uint32_t callee = member_index(members, count, calls->callees[e]);
            if (callee < count)
                inside->callers[inside->first[callee] + filled[callee]++] = m;
        }
    free(filled);
    return 0;
}

static void inside_callers_free(inside_callers *inside)
{
    free(inside->first);
    free(inside->callers);
}

/* The fixpoint of a recursive component. Every member is analysed once in
 * function order; after that a member is analysed again only when a
 * callee's summary inside the component changed since (a FIFO worklist).
 * Re-running every member each round, as this once did, analysed the
 * members of a large component nine times over. */
static int summarise_recursive(ll_summaries *summaries, const graph *calls, const uint32_t *members,
                               uint32_t count)
{
    inside_callers inside;
    uint32_t *queue = malloc(((size_t)count + 1) * sizeof *queue);
    bool *queued = malloc(((size_t)count + 1) * sizeof *queued);
    int status = -1;
    if (inside_callers_build(&inside, calls, members, count) < 0 || !queue || !queued)
        goto done;
    /* A ring of at most `count` members: each is queued at most once. */
    for (uint32_t m = 0; m < count; m++) {
        queue[m] = m;
        queued[m] = true;
    }
    uint32_t head = 0;
    for (uint32_t waiting = count; waiting > 0; waiting--) {
        uint32_t m = queue[head];
        head = (head + 1) % count;
        queued[m] = false;
        int changed = analyse(summaries, members[m]);
        if (changed < 0)
            goto done;
        for (uint32_t c = inside.first[m]; changed && c < inside.first[m + 1]; c++) {
            uint32_t caller = inside.callers[c];
            if (!queued[caller]) {
                queued[caller] = true;
                queue[(head + waiting - 1) % count] = caller;
                waiting++;
            }
        }
    }
    status = 0;
done:
    inside_callers_free(&inside);
    free(queue);
    free(queued);
    return status;
}

/* Summarises one component (its members in increasing order): everything
 * it calls outside itself is summarised already. */
static int summarise_component(ll_summaries *summaries, const graph *calls, const uint32_t *members,
                               uint32_t count)
{
    bool may_item_done = false;
    bool recursive = count > 1;
    for (uint32_t m = 0; m < count; m++) {
        uint32_t id = members[m];
        may_item_done = may_item_done || calls_item_done(summaries, id);
        for (uint32_t e = calls->first[id]; e < calls->first[id + 1]; e++) {
            uint32_t callee = calls->callees[e];
            recursive = recursive || callee == id;
            may_item_done = may_item_done || summaries->functions[callee].may_item_done;
        }
    }
    for (uint32_t m = 0; m < count; m++)
        summaries->functions[members[m]].may_item_done = may_item_done;
    if (recursive)
        return summarise_recursive(summaries, calls, members, count);
    return analyse(summaries, members[0]) < 0 ? -1 : 0;
}

/* Tarjan's strongly connected components, with an explicit stack of
 * (function, next edge) frames instead of recursion. */
typedef struct tarjan {
    uint32_t *order;  /* per function: visit number + 1; 0 unvisited */
    uint32_t *low;    /* per function: lowest visit number reachable */
    bool *on_stack;   /* per function */
    uint32_t *stack;  /* the functions of open components */
    uint32_t depth;   /* ... how many */
    uint32_t *frames; /* the DFS path: functions */
    uint32_t *edges;  /* ... and the next edge of each */
    uint32_t counter;
} tarjan;

static void tarjan_free(tarjan *walk)
{
    free(walk->order);
    free(walk->low);
    free(walk->on_stack);
    free(walk->stack);
    free(walk->frames);
    free(walk->edges);
}

static int tarjan_init(tarjan *walk, uint32_t count)
{
    size_t n = (size_t)count + 1;
    memset(walk, 0, sizeof *walk);
    walk->order = calloc(n, sizeof *walk->order);
    walk->low = calloc(n, sizeof *walk->low);
    walk->on_stack = calloc(n, sizeof *walk->on_stack);
    walk->stack = malloc(n * sizeof *walk->stack);
    walk->frames = malloc(n * sizeof *walk->frames);
    walk->edges = malloc(n * sizeof *walk->edges);
    if (!walk->order || !walk->low || !walk->on_stack || !walk->stack || !walk->frames ||
        !walk->edges)
        return -1;
    return 0;
}

static void tarjan_open(tarjan *walk, uint32_t id, uint32_t *top, const graph *calls)
{
    walk->order[id] = walk->low[id] = ++walk->counter;
    walk->stack[walk->depth++] = id;
    walk->on_stack[id] = true;
    walk->frames[*top] = id;
    walk->edges[*top] = calls->first[id];
    (*top)++;
}

/* Closes the component rooted at `id`: its members leave the stack (and
 * are sorted, so that rounds go in function order) and are summarised. */
static int tarjan_close(ll_summaries *summaries, tarjan *walk, uint32_t id, const graph *calls)
{
    uint32_t start = walk->depth;
    do
        walk->on_stack[walk->stack[--start]] = false;
    while (walk->stack[start] != id);
    uint32_t *members = walk->stack + start;
    uint32_t count = walk->depth - start;
    qsort(members, count, sizeof *members, compare_ids);
    walk->depth = start;
    return summarise_component(summaries, calls, members, count);
}

static int summarise_from(ll_summaries *summaries, tarjan *walk, uint32_t root, const graph *calls)
{
    uint32_t top = 0;
    tarjan_open(walk, root, &top, calls);
    while (top > 0) {
        uint32_t id = walk->frames[top - 1];
        uint32_t *edge = &walk->edges[top - 1];
        if (*edge < calls->first[id + 1]) {
            uint32_t callee = calls->callees[(*edge)++];
            if (walk->order[callee] == 0)
                tarjan_open(walk, callee, &top, calls);
            else if (walk->on_stack[callee] && walk->order[callee] < walk->low[id])
                walk->low[id] = walk->order[callee];
            continue;
        }
        top--;
        if (top > 0 && walk->low[id] < walk->low[walk->frames[top - 1]])
            walk->low[walk->frames[top - 1]] = walk->low[id];
        if (walk->low[id] == walk->order[id] && tarjan_close(summaries, walk, id, calls) < 0)
            return -1;
    }
    return 0;
}

static int summarise(ll_summaries *summaries, const graph *calls, const bool *roots)
{
    tarjan walk;
    int status = -1;
    if (tarjan_init(&walk, summaries->count) < 0)
        goto done;
    for (uint32_t id = 0; id < summaries->count; id++)
        if ((!roots || roots[id]) && walk.order[id] == 0 &&
            summarise_from(summaries, &walk, id, calls) < 0)
            goto done;
    /* Out of reach of the roots: never analysed, so claim nothing. */
    for (uint32_t id = 0; id < summaries->count; id++) {
        if (walk.order[id] == 0) {
            summaries->functions[id].may_item_done = true;
            mark_unknown(summaries, &summaries->functions[id]);
        }
    }
    status = 0;
done:
    tarjan_free(&walk);
    return status;
}

/* ---- The summaries ------------------------------------------------------------------------ */

static int lay_out(ll_summaries *summaries)
{
    uint32_t slots = 0;
    for (uint32_t id = 0; id < summaries->count; id++) {
        const ll_function *definition = ll_program_function(summaries->program, id, NULL);
        summary *function = &summaries->functions[id];
        function->first = slots;
        function->parameter_count = definition->parameter_count < SUMMARY_PARAMETERS
                                        ? definition->parameter_count
                                        : SUMMARY_PARAMETERS;
        function->takes = definition->takes_mask | ll_summaries_takes(summaries, definition->usr);
        function->origin = LL_NONE;
        slots += function->parameter_count;
    }
    summaries->handle_fates = calloc((size_t)slots + 1, sizeof *summaries->handle_fates);
    summaries->queue_fates = calloc((size_t)slots + 1, sizeof *summaries->queue_fates);
    return summaries->handle_fates && summaries->queue_fates ? 0 : -1;
}

ll_summaries *ll_summaries_new(const ll_program *program, ll_packs *packs)
{
    return ll_summaries_new_within(program, packs, NULL);
}

ll_summaries *ll_summaries_new_within(const ll_program *program, ll_packs *packs, const bool *roots)
{
    graph calls = {NULL, NULL};
    ll_summaries *summaries = calloc(1, sizeof *summaries);
    if (!summaries)
        return NULL;
    summaries->program = program;
    summaries->packs = packs;
    summaries->count = ll_program_function_count(program);
    summaries->functions = calloc((size_t)summaries->count + 1, sizeof *summaries->functions);
    if (!summaries->functions || gather_takings(summaries) < 0 || lay_out(summaries) < 0 ||
        graph_build(program, summaries->count, &calls) < 0 ||
        summarise(summaries, &calls, roots) < 0)
        goto fail;
    graph_free(&calls);
    return summaries;
fail:
    graph_free(&calls);
    ll_summaries_free(summaries);
    return NULL;
}

void ll_summaries_free(ll_summaries *summaries)
{
    if (!summaries)
        return;
    free(summaries->functions);
    free(summaries->handle_fates);
    free(summaries->queue_fates);
    free(summaries->takings);
    free(summaries);
}

/* ---- Questions ------------------------------------------------------------------------------ */

static const summary *summary_of(const ll_summaries *summaries, uint32_t id)
{
    return summaries && id < summaries->count ? &summaries->functions[id] : NULL;
}

enum ll_parameter_effect ll_summary_parameter(const ll_summaries *summaries, uint32_t id,
                                              uint32_t parameter)
{
    const summary *function = summary_of(summaries, id);
    if (!function || parameter == 0)
        return LL_PARAMETER_UNKNOWN;
    if (parameter <= 32 && (function->takes >> (parameter - 1) & 1u))
        return LL_PARAMETER_TAKES;
    if (function->unknown || parameter > function->parameter_count)
        return LL_PARAMETER_UNKNOWN;
    uint32_t fates = summaries->handle_fates[function->first + parameter - 1];
    bool held = fates & (LL_FATE_HELD | LL_FATE_OVERWRITTEN);
    bool kept = fates & LL_FATE_ESCAPED;
    bool released = fates & LL_FATE_RELEASED;
    if (fates & (LL_FATE_UNKNOWN | LL_FATE_RETURNED))
        return LL_PARAMETER_UNKNOWN;
    if (held)
        return kept || released ? LL_PARAMETER_UNKNOWN : LL_PARAMETER_BORROWS;
    if (kept)
        return LL_PARAMETER_TAKES;
    return released ? LL_PARAMETER_RELEASES : LL_PARAMETER_BORROWS;
}

const ll_acquire_rule *ll_summary_acquires(const ll_summaries *summaries, uint32_t id,
                                           ll_index *origin)
{
    const summary *function = summary_of(summaries, id);
    if (!function || !function->acquires)
        return NULL;
    if (origin)
        *origin = function->origin;
    return &function->acquired;
}

enum ll_done_effect ll_summary_item_done(const ll_summaries *summaries, uint32_t id,
                                         uint32_t parameter)
{
    const summary *function = summary_of(summaries, id);
    if (function && !function->may_item_done)
        return LL_DONE_NEVER;
    if (!function || function->unknown || parameter == 0 || parameter > function->parameter_count)
        return LL_DONE_SOMETIMES;
    uint32_t fates = summaries->queue_fates[function->first + parameter - 1];
    if (fates == LL_FATE_RELEASED)
        return LL_DONE_ALWAYS;
    if ((fates & ~(uint32_t)(LL_FATE_HELD | LL_FATE_OVERWRITTEN)) == 0)
        return LL_DONE_NEVER;
    return LL_DONE_SOMETIMES;
}

bool ll_summary_may_item_done(const ll_summaries *summaries, uint32_t id)
{
    const summary *function = summary_of(summaries, id);
    return function && function->may_item_done;
}

bool ll_summary_returns(const ll_summaries *summaries, uint32_t id)
{
    const summary *function = summary_of(summaries, id);
    /* Not analysed yet: a function of the component being summarised,
       which returns nothing until a round shows a path that returns. */
    return !function || function->unknown || (function->analysed && function->returns != 0);
}

uint64_t ll_summaries_analyses(const ll_summaries *summaries)
{
    return summaries ? summaries->analyses : 0;
}

const ll_summaries *ll_summaries_use(const ll_summaries *shared, const ll_program *program,
                                     ll_packs *packs, ll_summaries **own)
{
    *own = NULL;
    if (shared)
        return shared;
    *own = ll_summaries_new(program, packs);
    return *own;
}
