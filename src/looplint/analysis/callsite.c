/*
 * callsite.c - names, forever deadlines and cancelled handles at a call
 * site (callsite.h).
 *
 * The cancelled-handle analysis is a classic forward must-dataflow: one
 * bit per variable, a state per block entry, "unreached" standing for the
 * full set so that the intersection at a join only counts the paths that
 * exist. A worklist of blocks runs until no entry state shrinks; states
 * only ever lose bits, so it ends after at most (variables x blocks)
 * shrinks. Which calls cancel which variable is worked out once per call
 * before the iteration, so the packs are asked once per call site.
 */
#include "callsite.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- Names ------------------------------------------------------------------------ */

const char *ll_call_written_name(const ll_call *call, int *length)
{
    const char *text = call->text;
    if (text && (isalpha((unsigned char)text[0]) || text[0] == '_')) {
        size_t end = 1;
        while (isalnum((unsigned char)text[end]) || text[end] == '_')
            end++;
        if (text[end] == '\0' || text[end] == ' ') {
            *length = (int)end;
            return text;
        }
    }
    const char *name = call->callee_name ? call->callee_name : "";
    *length = (int)strlen(name);
    return name;
}

/* ---- Forever deadlines ------------------------------------------------------------ */

static bool is_address_of(const ll_value *value, ll_index variable)
{
    return value->kind == LL_VALUE_ADDRESS && value->variable == variable;
}

/* Whether the address of `variable` is taken anywhere in `function`: then
 * it may be written through a pointer, and its assignments say nothing. */
static bool address_taken(const ll_function *function, ll_index variable)
{
    for (uint32_t c = 0; c < function->call_count; c++)
        for (uint32_t a = 0; a < function->calls[c].argument_count; a++)
            if (is_address_of(&function->calls[c].arguments[a], variable))
                return true;
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        if (block->terminator == LL_TERMINATOR_RETURN && is_address_of(&block->returned, variable))
            return true;
        for (uint32_t o = 0; o < block->operation_count; o++)
            if (is_address_of(&block->operations[o].value, variable))
                return true;
    }
    return false;
}

bool ll_deadline_is_forever(const ll_function *function, const ll_value *value, int64_t forever)
{
    if (value->kind == LL_VALUE_CONSTANT)
        return value->constant == forever;
    if (value->kind != LL_VALUE_VARIABLE || value->variable >= function->variable_count ||
        function->variables[value->variable].kind != LL_VARIABLE_LOCAL)
        return false;
    uint32_t assignments = 0;
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->target != value->variable ||
                (operation->kind != LL_OPERATION_ASSIGN && operation->kind != LL_OPERATION_CALL))
                continue;
            if (operation->kind == LL_OPERATION_CALL ||
                operation->value.kind != LL_VALUE_CONSTANT || operation->value.constant != forever)
                return false;
            assignments++;
        }
    }
    return assignments > 0 && !address_taken(function, value->variable);
}

/* ---- Cancelled handles ------------------------------------------------------------ */

struct ll_cancelled {
    const ll_function *function;
    size_t words;     /* 64-bit words per state */
    uint64_t *states; /* the state at each block's entry */
    bool *reached;
    ll_index *cancels; /* by call: the variable it cancels, or LL_NONE */
};

static uint64_t *state_of(const ll_cancelled *cancelled, ll_index block)
{
    return &cancelled->states[(size_t)block * cancelled->words];
}

static void set_bit(uint64_t *state, ll_index variable, bool on)
{
    uint64_t mask = (uint64_t)1 << (variable % 64);
    if (on)
        state[variable / 64] |= mask;
    else
        state[variable / 64] &= ~mask;
}

/* What one operation does to the set: the variable it cancels and the one
 * it assigns (LL_NONE: none). The cancel comes first: a call's arguments
 * are evaluated before its result is stored. */
static void effect(const ll_cancelled *cancelled, const ll_operation *operation, ll_index *cancels,
                   ll_index *assigns)
{
    const ll_function *function = cancelled->function;
    *cancels = *assigns = LL_NONE;
    if (operation->kind == LL_OPERATION_CALL && operation->call < function->call_count)
        *cancels = cancelled->cancels[operation->call];
    if ((operation->kind == LL_OPERATION_CALL || operation->kind == LL_OPERATION_ASSIGN) &&
        operation->target < function->variable_count)
        *assigns = operation->target;
}

static void transfer(const ll_cancelled *cancelled, const ll_operation *operation, uint64_t *state)
{
    ll_index cancels;
    ll_index assigns;
    effect(cancelled, operation, &cancels, &assigns);
    if (cancels != LL_NONE)
        set_bit(state, cancels, true);
    if (assigns != LL_NONE)
        set_bit(state, assigns, false);
}

/* The variable each cancel-role call cancels. */
static void find_cancels(ll_cancelled *cancelled, ll_packs *packs)
{
    const ll_function *function = cancelled->function;
    for (uint32_t c = 0; c < function->call_count; c++) {
        const ll_call *call = &function->calls[c];
        cancelled->cancels[c] = LL_NONE;
        if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name || !packs)
            continue;
        const ll_function_rule *rule = ll_packs_lookup(packs, call->callee_name);
        if (!rule || !(rule->roles & LL_ROLE_CANCEL) || rule->handle == 0 ||
            rule->handle > call->argument_count)
            continue;
        const ll_value *handle = &call->arguments[rule->handle - 1];
        if (handle->kind == LL_VALUE_VARIABLE && handle->variable < function->variable_count)
            cancelled->cancels[c] = handle->variable;
    }
}

/* Merges `state` into the entry of `block`; whether the entry changed. */
static bool merge(ll_cancelled *cancelled, ll_index block, const uint64_t *state)
{
    uint64_t *entry = state_of(cancelled, block);
    if (!cancelled->reached[block]) {
        cancelled->reached[block] = true;
        memcpy(entry, state, cancelled->words * sizeof *entry);
        return true;
    }
    bool changed = false;
    for (size_t w = 0; w < cancelled->words; w++) {
        uint64_t both = entry[w] & state[w];
        changed |= both != entry[w];
        entry[w] = both;
    }
    return changed;
}

static int solve(ll_cancelled *cancelled)
{
    const ll_function *function = cancelled->function;
    uint32_t count = function->block_count;
    uint64_t *state = calloc(cancelled->words, sizeof *state);
    ll_index *worklist = malloc(count * sizeof *worklist);
    bool *queued = calloc(count, sizeof *queued);
    int result = -1;
    if (!state || !worklist || !queued)
        goto done;
    uint32_t pending = 0;
    merge(cancelled, 0, state); /* nothing is cancelled at the entry */
    worklist[pending++] = 0;
    queued[0] = true;
    while (pending) {
        ll_index b = worklist[--pending];
        queued[b] = false;
        const ll_block *block = &function->blocks[b];
        memcpy(state, state_of(cancelled, b), cancelled->words * sizeof *state);
        for (uint32_t o = 0; o < block->operation_count; o++)
            transfer(cancelled, &block->operations[o], state);
        for (uint32_t s = 0; s < block->successor_count; s++) {
            ll_index successor = block->successors[s];
            if (successor < count && merge(cancelled, successor, state) && !queued[successor]) {
                worklist[pending++] = successor;
                queued[successor] = true;
            }
        }
    }
    result = 0;
done:
    free(state);
    free(worklist);
    free(queued);
    return result;
}

ll_cancelled *ll_cancelled_new(const ll_function *function, ll_packs *packs)
{
    ll_cancelled *cancelled = calloc(1, sizeof *cancelled);
    if (!cancelled)
        return NULL;
    cancelled->function = function;
    cancelled->words = (function->variable_count + 63) / 64;
    if (cancelled->words == 0)
        cancelled->words = 1;
    size_t blocks = function->block_count ? function->block_count : 1;
    cancelled->states = calloc(blocks * cancelled->words, sizeof *cancelled->states);
    cancelled->reached = calloc(blocks, sizeof *cancelled->reached);
    cancelled->cancels =
        malloc((function->call_count ? function->call_count : 1) * sizeof *cancelled->cancels);
    if (!cancelled->states || !cancelled->reached || !cancelled->cancels)
        goto fail;
    find_cancels(cancelled, packs);
    if (function->block_count && solve(cancelled) < 0)
        goto fail;
    return cancelled;
fail:
    ll_cancelled_free(cancelled);
    return NULL;
}

void ll_cancelled_free(ll_cancelled *cancelled)
{
    if (!cancelled)
        return;
    free(cancelled->states);
    free(cancelled->reached);
    free(cancelled->cancels);
    free(cancelled);
}

bool ll_cancelled_before(const ll_cancelled *cancelled, ll_index call, ll_index variable)
{
    const ll_function *function = cancelled->function;
    if (call >= function->call_count || variable >= function->variable_count)
        return false;
    ll_index b = function->calls[call].block;
    if (b >= function->block_count)
        return false;
    if (!cancelled->reached[b])
        return true;
    const ll_block *block = &function->blocks[b];
    /* Replay the block up to the call, for the one bit asked for. */
    const uint64_t *entry = state_of(cancelled, b);
    bool on = (entry[variable / 64] >> (variable % 64)) & 1;
    for (uint32_t o = 0; o < block->operation_count; o++) {
        const ll_operation *operation = &block->operations[o];
        if (operation->kind == LL_OPERATION_CALL && operation->call == call)
            return on;
        ll_index cancels;
        ll_index assigns;
        effect(cancelled, operation, &cancels, &assigns);
        on = (on || cancels == variable) && assigns != variable;
    }
    return false; /* the call is not in its block: nothing is known */
}

int ll_call_stops_task(const ll_function *function, ll_index index, const ll_function_rule *rule,
                       ll_packs *packs, ll_cancelled **cancelled)
{
    const ll_call *call = &function->calls[index];
    if (!(rule->roles & LL_ROLE_JOIN) || !rule->suspend || rule->handle == 0 ||
        rule->handle > call->argument_count || rule->suspend->deadline == 0 ||
        rule->suspend->deadline > call->argument_count)
        return 0;
    const ll_value *handle = &call->arguments[rule->handle - 1];
    const ll_value *deadline = &call->arguments[rule->suspend->deadline - 1];
    if (handle->kind != LL_VALUE_VARIABLE ||
        !ll_deadline_is_forever(function, deadline, rule->suspend->forever))
        return 0;
    if (!*cancelled && !(*cancelled = ll_cancelled_new(function, packs)))
        return -1;
    return ll_cancelled_before(*cancelled, index, handle->variable);
}
