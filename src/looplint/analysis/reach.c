/*
 * reach.c - the call graph with entry edges, walked forward and backward
 * (reach.h).
 *
 * The graph is stored twice, as compressed rows: each function's outgoing
 * edges in call order (a call through a function pointer gives an edge to
 * every function the link resolves it to; an entry call, one per function
 * its function argument names), and each function's incoming edges, in
 * caller order, pointing back into the first array. Walks are plain
 * breadth-first searches with one queue; a mark is set once, when a
 * function is first reached, so each walk is linear in the graph.
 */
#include "reach.h"

#include <stdlib.h>
#include <string.h>

/* An incoming edge: `edge` of function `caller`. */
struct incoming {
    uint32_t caller;
    const ll_reach_edge *edge;
};

struct ll_reach {
    const ll_program *program;
    uint32_t function_count;
    uint32_t *first; /* by id, function_count + 1 entries: into edges */
    ll_reach_edge *edges;
    size_t edge_count, edge_capacity;
    uint32_t *first_incoming; /* by id, function_count + 1 entries */
    struct incoming *incoming;
};

/* ---- References to functions --------------------------------------------------------- */

/* Adds `id` to ids[] unless it is there; the new count. */
static uint32_t add_unique(uint32_t *ids, uint32_t count, uint32_t capacity, uint32_t id)
{
    uint32_t stored = count < capacity ? count : capacity;
    for (uint32_t i = 0; i < stored; i++)
        if (ids[i] == id)
            return count;
    if (count < capacity)
        ids[count] = id;
    return count + 1;
}

static uint32_t add_reference(const ll_program *program, uint32_t caller, const ll_value *value,
                              uint32_t *ids, uint32_t count, uint32_t capacity)
{
    if (value->kind != LL_VALUE_FUNCTION || !value->usr)
        return count;
    uint32_t id = ll_program_resolve(program, caller, value->usr);
    return id == LL_NONE ? count : add_unique(ids, count, capacity, id);
}

uint32_t ll_reach_functions_of(const ll_program *program, uint32_t caller, ll_index call,
                               uint32_t argument, uint32_t *ids, uint32_t capacity)
{
    const ll_function *function = ll_program_function(program, caller, NULL);
    if (!function || call >= function->call_count || argument == 0 ||
        argument > function->calls[call].argument_count)
        return 0;
    const ll_value *value = &function->calls[call].arguments[argument - 1];
    if (value->kind == LL_VALUE_FUNCTION)
        return add_reference(program, caller, value, ids, 0, capacity);
    if (value->kind != LL_VALUE_VARIABLE)
        return 0;
    uint32_t count = 0;
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->kind == LL_OPERATION_ASSIGN && operation->target == value->variable)
                count = add_reference(program, caller, &operation->value, ids, count, capacity);
        }
    }
    return count;
}

/* ---- Building the graph ---------------------------------------------------------------- */

static int add_edge(ll_reach *reach, ll_reach_edge edge)
{
    if (reach->edge_count == reach->edge_capacity) {
        size_t capacity = reach->edge_capacity ? reach->edge_capacity * 2 : 256;
        ll_reach_edge *grown = realloc(reach->edges, capacity * sizeof *grown);
        if (!grown)
            return -1;
        reach->edges = grown;
        reach->edge_capacity = capacity;
    }
    reach->edges[reach->edge_count++] = edge;
    return 0;
}

/* The edges of an entry call: one per function its function argument
 * names, unless the packs describe that function (a leaf). */
static int add_entry_edges(ll_reach *reach, ll_packs *packs, uint32_t caller, ll_index call,
                           const ll_entry_rule *entry)
{
    uint32_t ids[16];
    uint32_t count = ll_reach_functions_of(reach->program, caller, call, entry->argument, ids,
                                           sizeof ids / sizeof ids[0]);
    if (count > sizeof ids / sizeof ids[0])
        count = sizeof ids / sizeof ids[0];
    for (uint32_t i = 0; i < count; i++) {
        const ll_function *target = ll_program_function(reach->program, ids[i], NULL);
        if (target->name && ll_packs_lookup(packs, target->name))
            continue;
        if (add_edge(reach, (ll_reach_edge){ids[i], call, true, entry->kind}) < 0)
            return -1;
    }
    return 0;
}

/* The edges of a call to the functions it reaches (several for a call
 * through a function pointer). */
static int add_call_edges(ll_reach *reach, uint32_t caller, ll_index call)
{
    uint32_t count = ll_program_callees(reach->program, caller, call, NULL, 0);
    if (count == 0)
        return 0;
    uint32_t *callees = malloc(count * sizeof *callees);
    if (!callees)
        return -1;
    ll_program_callees(reach->program, caller, call, callees, count);
    int result = 0;
    for (uint32_t i = 0; i < count && result == 0; i++)
        result = add_edge(reach, (ll_reach_edge){callees[i], call, false, 0});
    free(callees);
    return result;
}

static int add_edges(ll_reach *reach, ll_packs *packs, uint32_t id)
{
    const ll_function *function = ll_program_function(reach->program, id, NULL);
    for (ll_index c = 0; c < function->call_count; c++) {
        if (add_call_edges(reach, id, c) < 0)
            return -1;
        const ll_call *call = &function->calls[c];
        if (!packs || call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
            continue;
        const ll_function_rule *rule = ll_packs_lookup(packs, call->callee_name);
        for (uint32_t e = 0; rule && e < rule->entry_count; e++)
            if (add_entry_edges(reach, packs, id, c, &rule->entries[e]) < 0)
                return -1;
    }
    return 0;
}

/* The incoming rows: counted, then filled in caller order. */
static int index_incoming(ll_reach *reach)
{
    uint32_t n = reach->function_count;
    reach->first_incoming = calloc((size_t)n + 1, sizeof *reach->first_incoming);
    reach->incoming = malloc((reach->edge_count ? reach->edge_count : 1) * sizeof *reach->incoming);
    uint32_t *filled = calloc((size_t)n + 1, sizeof *filled);
    int result = -1;
    if (!reach->first_incoming || !reach->incoming || !filled)
        goto done;
    for (size_t e = 0; e < reach->edge_count; e++)
        reach->first_incoming[reach->edges[e].function + 1]++;
    for (uint32_t id = 0; id < n; id++)
        reach->first_incoming[id + 1] += reach->first_incoming[id];
    for (uint32_t caller = 0; caller < n; caller++) {
        for (uint32_t e = reach->first[caller]; e < reach->first[caller + 1]; e++) {
            uint32_t callee = reach->edges[e].function;
            size_t slot = reach->first_incoming[callee] + filled[callee]++;
            reach->incoming[slot] = (struct incoming){caller, &reach->edges[e]};
        }
    }
    result = 0;
done:
    free(filled);
    return result;
}

ll_reach *ll_reach_new(const ll_program *program, ll_packs *packs)
{
    ll_reach *reach = calloc(1, sizeof *reach);
    if (!reach)
        return NULL;
    reach->program = program;
    reach->function_count = ll_program_function_count(program);
    reach->first = malloc(((size_t)reach->function_count + 1) * sizeof *reach->first);
    if (!reach->first)
        goto fail;
    for (uint32_t id = 0; id < reach->function_count; id++) {
        reach->first[id] = (uint32_t)reach->edge_count;
        if (add_edges(reach, packs, id) < 0)
            goto fail;
    }
    if (reach->edge_count >= LL_NONE)
        goto fail;
    reach->first[reach->function_count] = (uint32_t)reach->edge_count;
    if (index_incoming(reach) < 0)
        goto fail;
    return reach;
fail:
    ll_reach_free(reach);
    return NULL;
}

void ll_reach_free(ll_reach *reach)
{
    if (!reach)
        return;
    free(reach->first);
    free(reach->edges);
    free(reach->first_incoming);
    free(reach->incoming);
    free(reach);
}

uint32_t ll_reach_edges(const ll_reach *reach, uint32_t id, const ll_reach_edge **edges)
{
    if (id >= reach->function_count) {
        *edges = NULL;
        return 0;
    }
    *edges = &reach->edges[reach->first[id]];
    return reach->first[id + 1] - reach->first[id];
}

/* ---- Walks --------------------------------------------------------------------------- */

static bool follows(const ll_reach_edge *edge, uint32_t entries)
{
    return !edge->entry || (entries & LL_REACH_ENTRY(edge->kind));
}

int ll_reach_forward(const ll_reach *reach, uint32_t start, uint32_t entries, ll_reach_mark *marks)
{
    uint32_t n = reach->function_count;
    for (uint32_t id = 0; id < n; id++)
        marks[id] = (ll_reach_mark){false, LL_NONE, NULL};
    if (start >= n)
        return 0;
    uint32_t *queue = malloc((size_t)n * sizeof *queue);
    if (!queue)
        return -1;
    size_t head = 0;
    size_t tail = 0;
    marks[start].marked = true;
    queue[tail++] = start;
    while (head < tail) {
        uint32_t caller = queue[head++];
        for (uint32_t e = reach->first[caller]; e < reach->first[caller + 1]; e++) {
            const ll_reach_edge *edge = &reach->edges[e];
            if (!follows(edge, entries) || marks[edge->function].marked)
                continue;
            marks[edge->function] = (ll_reach_mark){true, caller, edge};
            queue[tail++] = edge->function;
        }
    }
    free(queue);
    return 0;
}

int ll_reach_backward(const ll_reach *reach, uint32_t entries, ll_reach_mark *marks)
{
    uint32_t n = reach->function_count;
    uint32_t *queue = malloc(((size_t)n + 1) * sizeof *queue);
    if (!queue)
        return -1;
    size_t head = 0;
    size_t tail = 0;
    for (uint32_t id = 0; id < n; id++)
        if (marks[id].marked)
            queue[tail++] = id;
    while (head < tail) {
        uint32_t callee = queue[head++];
        for (uint32_t i = reach->first_incoming[callee]; i < reach->first_incoming[callee + 1];
             i++) {
            const struct incoming *in = &reach->incoming[i];
            if (!follows(in->edge, entries) || marks[in->caller].marked)
                continue;
            marks[in->caller] = (ll_reach_mark){true, callee, in->edge};
            queue[tail++] = in->caller;
        }
    }
    free(queue);
    return 0;
}
