/*
 * suspend.c - "may suspend" over the linked program (suspend.h).
 *
 * The calls of the program are resolved once into edges: those of
 * function `id`, from edge_first[id] to edge_first[id + 1], are the
 * functions its calls reach, in call order (a call through a function
 * pointer may reach several). Functions that call a suspension point of
 * the packs are at distance 0; a backwards breadth-first search over the
 * edges that carry a suspension gives every other function its distance,
 * one layer at a time, and its first call (in source order) into the
 * layer below: the start of a shortest chain.
 */
#include "suspend.h"

#include <stdlib.h>
#include <string.h>

struct ll_suspend {
    const ll_program *program;
    ll_packs *packs;
    uint32_t function_count;
    uint32_t *edge_first;  /* by id, and one past the last */
    ll_index *edge_call;   /* by edge: the call */
    uint32_t *edge_callee; /* by edge: the function it reaches */
    uint32_t *distance;    /* by id: calls down to a suspension point */
    ll_index *first_call;  /* by id: the call that starts a shortest chain */
};

/* What the packs say about a direct call; NULL for anything else. */
static const ll_function_rule *call_rule(ll_packs *packs, const ll_call *call)
{
    if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name || !packs)
        return NULL;
    return ll_packs_lookup(packs, call->callee_name);
}

static int link_edges(ll_suspend *suspend)
{
    const ll_program *program = suspend->program;
    uint32_t n = suspend->function_count;
    size_t total = 0;
    suspend->edge_first = malloc(((size_t)n + 1) * sizeof *suspend->edge_first);
    if (!suspend->edge_first)
        return -1;
    for (uint32_t id = 0; id < n; id++) {
        const ll_function *function = ll_program_function(program, id, NULL);
        suspend->edge_first[id] = (uint32_t)total;
        for (ll_index c = 0; c < function->call_count; c++)
            total += ll_program_callees(program, id, c, NULL, 0);
        if (total >= LL_NONE)
            return -1;
    }
    suspend->edge_first[n] = (uint32_t)total;
    suspend->edge_call = malloc((total + 1) * sizeof *suspend->edge_call);
    suspend->edge_callee = malloc((total + 1) * sizeof *suspend->edge_callee);
    if (!suspend->edge_call || !suspend->edge_callee)
        return -1;
    size_t at = 0;
    for (uint32_t id = 0; id < n; id++) {
        const ll_function *function = ll_program_function(program, id, NULL);
        for (ll_index c = 0; c < function->call_count; c++) {
            uint32_t count = ll_program_callees(program, id, c, suspend->edge_callee + at,
                                                (uint32_t)(total - at));
            for (uint32_t k = 0; k < count; k++)
                suspend->edge_call[at + k] = c;
            at += count;
        }
    }
    return 0;
}

/* The edges of call `call` of function `id`: [*first, *end). */
static void call_edges(const ll_suspend *suspend, uint32_t id, ll_index call, uint32_t *first,
                       uint32_t *end)
{
    uint32_t low = suspend->edge_first[id];
    uint32_t high = suspend->edge_first[id + 1];
    while (low < high) { /* the first edge of a call >= `call` */
        uint32_t middle = low + (high - low) / 2;
        if (suspend->edge_call[middle] < call)
            low = middle + 1;
        else
            high = middle;
    }
    *first = low;
    while (low < suspend->edge_first[id + 1] && suspend->edge_call[low] == call)
        low++;
    *end = low;
}

uint32_t ll_suspend_callees(const ll_suspend *suspend, uint32_t id, ll_index call,
                            const uint32_t **callees)
{
    if (id >= suspend->function_count) {
        *callees = NULL;
        return 0;
    }
    uint32_t first;
    uint32_t end;
    call_edges(suspend, id, call, &first, &end);
    *callees = suspend->edge_callee + first;
    return end - first;
}

/* Whether a call into `callee` carries what it does up to its caller:
 * not into a function annotated to run off the loop, or to block (the
 * call is blocking-call's business and its body is not followed). */
static bool carries(const ll_suspend *suspend, uint32_t callee)
{
    uint32_t annotations = ll_program_annotations(suspend->program, callee);
    return !(annotations & (LL_ANNOTATION_THREAD | LL_ANNOTATION_BLOCKING));
}

bool ll_suspend_function_suspends(const ll_suspend *suspend, uint32_t id)
{
    return id < suspend->function_count && suspend->first_call[id] != LL_NONE &&
           carries(suspend, id);
}

uint32_t ll_suspend_callee(const ll_suspend *suspend, uint32_t id, ll_index call)
{
    const uint32_t *callees;
    uint32_t count = ll_suspend_callees(suspend, id, call, &callees);
    uint32_t nearest = LL_NONE;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t callee = callees[k];
        if (ll_suspend_function_suspends(suspend, callee) &&
            (nearest == LL_NONE || suspend->distance[callee] < suspend->distance[nearest]))
            nearest = callee;
    }
    return nearest;
}

bool ll_suspend_call_suspends(const ll_suspend *suspend, uint32_t id, ll_index call)
{
    const ll_function *function = ll_program_function(suspend->program, id, NULL);
    if (!function || call >= function->call_count)
        return false;
    const ll_function_rule *rule = call_rule(suspend->packs, &function->calls[call]);
    if (rule)
        return rule->suspend != NULL;
    return ll_suspend_callee(suspend, id, call) != LL_NONE;
}

ll_index ll_suspend_first_call(const ll_suspend *suspend, uint32_t id)
{
    return id < suspend->function_count ? suspend->first_call[id] : LL_NONE;
}

bool ll_suspend_may_suspend(const ll_suspend *suspend, uint32_t id)
{
    return ll_suspend_first_call(suspend, id) != LL_NONE;
}

/* ---- The search ------------------------------------------------------------------- */

/* The callers of each function along the edges that carry a suspension
 * (with repeats), as one array indexed by `first` (function_count + 1
 * offsets). 0, or -1 when out of memory. */
static int reverse_edges(const ll_suspend *suspend, uint32_t **first, uint32_t **callers)
{
    uint32_t n = suspend->function_count;
    *first = calloc((size_t)n + 2, sizeof **first);
    if (!*first)
        return -1;
    for (uint32_t e = 0; e < suspend->edge_first[n]; e++)
        if (carries(suspend, suspend->edge_callee[e]))
            (*first)[suspend->edge_callee[e] + 2]++;
    for (uint32_t id = 0; id < n; id++)
        (*first)[id + 2] += (*first)[id + 1];
    *callers = malloc(((size_t)(*first)[n + 1] + 1) * sizeof **callers);
    if (!*callers)
        return -1;
    /* (*first)[callee + 1] is the write position of callee's callers;
       once every caller is placed it is their end, as wanted. */
    for (uint32_t id = 0; id < n; id++)
        for (uint32_t e = suspend->edge_first[id]; e < suspend->edge_first[id + 1]; e++)
            if (carries(suspend, suspend->edge_callee[e]))
                (*callers)[(*first)[suspend->edge_callee[e] + 1]++] = id;
    return 0;
}

/* The first call of `id` into a function at `distance`; LL_NONE. */
static ll_index first_call_at(const ll_suspend *suspend, uint32_t id, uint32_t distance)
{
    for (uint32_t e = suspend->edge_first[id]; e < suspend->edge_first[id + 1]; e++) {
        uint32_t callee = suspend->edge_callee[e];
        if (carries(suspend, callee) && suspend->distance[callee] == distance)
            return suspend->edge_call[e];
    }
    return LL_NONE;
}

static int find_suspensions(ll_suspend *suspend)
{
    uint32_t n = suspend->function_count;
    uint32_t *first = NULL;
    uint32_t *callers = NULL;
    uint32_t *distance = suspend->distance;
    uint32_t *layer = malloc(((size_t)n + 1) * sizeof *layer); /* this one, then the next */
    int result = -1;
    if (!layer || reverse_edges(suspend, &first, &callers) < 0)
        goto done;
    uint32_t count = 0;
    for (uint32_t id = 0; id < n; id++) {
        const ll_function *function = ll_program_function(suspend->program, id, NULL);
        distance[id] = LL_NONE;
        suspend->first_call[id] = LL_NONE;
        for (ll_index c = 0; c < function->call_count; c++) {
            const ll_function_rule *rule = call_rule(suspend->packs, &function->calls[c]);
            if (rule && rule->suspend) {
                suspend->first_call[id] = c;
                distance[id] = 0;
                layer[count++] = id;
                break;
            }
        }
    }
    /* Layer by layer: `layer[0..count)` is at distance `d`; the callers
       not seen yet are appended after it, then become the layer. Each
       function's first call into the layer below is looked for in its own
       calls, so the order they were found in does not matter. */
    for (uint32_t d = 0; count > 0; d++) {
        uint32_t next = count;
        for (uint32_t i = 0; i < count; i++)
            for (uint32_t e = first[layer[i]]; e < first[layer[i] + 1]; e++) {
                uint32_t caller = callers[e];
                if (distance[caller] == LL_NONE) {
                    distance[caller] = LL_NONE - 1; /* queued */
                    layer[next++] = caller;
                }
            }
        for (uint32_t i = count; i < next; i++)
            suspend->first_call[layer[i]] = first_call_at(suspend, layer[i], d);
        for (uint32_t i = count; i < next; i++)
            distance[layer[i]] = d + 1;
        memmove(layer, layer + count, (next - count) * sizeof *layer);
        count = next - count;
    }
    result = 0;
done:
    free(first);
    free(callers);
    free(layer);
    return result;
}

ll_suspend *ll_suspend_new(const ll_program *program, ll_packs *packs)
{
    ll_suspend *suspend = calloc(1, sizeof *suspend);
    if (!suspend)
        return NULL;
    suspend->program = program;
    suspend->packs = packs;
    suspend->function_count = ll_program_function_count(program);
    size_t n = (size_t)suspend->function_count + 1;
    suspend->distance = malloc(n * sizeof *suspend->distance);
    suspend->first_call = malloc(n * sizeof *suspend->first_call);
    if (!suspend->distance || !suspend->first_call || link_edges(suspend) < 0 ||
        find_suspensions(suspend) < 0) {
        ll_suspend_free(suspend);
        return NULL;
    }
    return suspend;
}

void ll_suspend_free(ll_suspend *suspend)
{
    if (!suspend)
        return;
    free(suspend->first_call);
    free(suspend->distance);
    free(suspend->edge_first);
    free(suspend->edge_call);
    free(suspend->edge_callee);
    free(suspend);
}
