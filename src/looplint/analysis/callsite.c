/*
 * callsite.c - names, forever deadlines and cancelled handles at a call
 * site (callsite.h).
 *
 * The cancelled-handle analysis is a classic forward must-dataflow: one
 * bit per handle (each local variable, then each other expression some
 * call cancels, named by its tokens), a state per block entry, "unreached"
 * standing for the full set so that the intersection at a join only
 * counts the paths that exist. A worklist of blocks runs until no entry
 * state shrinks; states only ever lose bits, so it ends after at most
 * (handles x blocks) shrinks. Which calls cancel which handle is worked
 * out once per call before the iteration, so the packs are asked once per
 * call site.
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

/* ---- Handle expressions ----------------------------------------------------------- */

/* Whether the character at `at` closes the argument list or ends one
 * argument, at nesting depth `depth` (1: directly inside the call). */
static bool ends_argument(char at, int depth)
{
    return depth == 1 && (at == ',' || at == ')' || at == ']' || at == '}');
}

static void trim(const char **first, const char **last)
{
    while (*first < *last && **first == ' ')
        (*first)++;
    while (*last > *first && (*last)[-1] == ' ')
        (*last)--;
}

bool ll_call_argument_text(const ll_call *call, uint32_t argument, const char **text,
                           size_t *length)
{
    const char *open = call->text ? strchr(call->text, '(') : NULL;
    if (!open || argument == 0)
        return false;
    const char *start = open + 1;
    uint32_t count = 0;
    int depth = 0;
    char quote = 0;
    for (const char *at = open; *at; at++) {
        if (quote) {
            if (*at == '\\' && at[1])
                at++;
            else if (*at == quote)
                quote = 0;
            continue;
        }
        if (ends_argument(*at, depth)) {
            const char *first = start;
            const char *last = at;
            trim(&first, &last);
            bool empty_list = first == last && *at == ')' && count == 0;
            if (!empty_list && ++count == argument) {
                *text = first;
                *length = (size_t)(last - first);
            }
            start = at + 1;
        }
        if (*at == '"' || *at == '\'')
            quote = *at;
        else if (*at == '(' || *at == '[' || *at == '{')
            depth++;
        else if ((*at == ')' || *at == ']' || *at == '}') && --depth == 0)
            return count == call->argument_count && argument <= count;
    }
    return false;
}

bool ll_tokens_mention(const char *text, size_t length, const char *name)
{
    size_t name_length = name ? strlen(name) : 0;
    for (size_t at = 0; name_length && at + name_length <= length;) {
        size_t end = at;
        while (end < length && text[end] != ' ')
            end++;
        if (end - at == name_length && memcmp(text + at, name, name_length) == 0)
            return true;
        at = end + 1;
    }
    return false;
}

/* ---- Cancelled handles ------------------------------------------------------------ */

/* A handle that is not a local variable (a field, an array element, a
 * global), named by its tokens as written. */
struct expression {
    const char *text; /* into a call's text */
    size_t length;
};

/* Handles are keys: the function's variables first, then expressions. */
struct ll_cancelled {
    const ll_function *function;
    struct expression *expressions;
    uint32_t expression_count;
    size_t words;      /* 64-bit words per state */
    uint64_t *states;  /* the state at each block's entry */
    uint64_t *scratch; /* one state, for queries */
    bool *reached;
    ll_index *cancels; /* by call: the key it cancels, or LL_NONE */
};

static uint64_t *state_of(const ll_cancelled *cancelled, ll_index block)
{
    return &cancelled->states[(size_t)block * cancelled->words];
}

static void set_bit(uint64_t *state, uint32_t key, bool on)
{
    uint64_t mask = (uint64_t)1 << (key % 64);
    if (on)
        state[key / 64] |= mask;
    else
        state[key / 64] &= ~mask;
}

static bool has_bit(const uint64_t *state, uint32_t key)
{
    return (state[key / 64] >> (key % 64)) & 1;
}

/* The key of an expression already seen, or LL_NONE. */
static uint32_t expression_key(const ll_cancelled *cancelled, const char *text, size_t length)
{
    for (uint32_t e = 0; e < cancelled->expression_count; e++)
        if (cancelled->expressions[e].length == length &&
            memcmp(cancelled->expressions[e].text, text, length) == 0)
            return cancelled->function->variable_count + e;
    return LL_NONE;
}

/* Whether a call's `argument` can be a handle expression (a field, an
 * element, a global) and, if so, its text. */
static bool expression_argument(const ll_call *call, uint32_t argument, const char **text,
                                size_t *length)
{
    enum ll_value_kind kind = call->arguments[argument - 1].kind;
    return (kind == LL_VALUE_OTHER || kind == LL_VALUE_GLOBAL) &&
           ll_call_argument_text(call, argument, text, length);
}

/* The key of the handle a call passes as `argument`; LL_NONE when it is
 * neither a variable nor an expression some call cancels. */
static uint32_t handle_key(const ll_cancelled *cancelled, const ll_call *call, uint32_t argument)
{
    const ll_value *value = &call->arguments[argument - 1];
    if (value->kind == LL_VALUE_VARIABLE)
        return value->variable < cancelled->function->variable_count ? value->variable : LL_NONE;
    const char *text;
    size_t length;
    if (!expression_argument(call, argument, &text, &length))
        return LL_NONE;
    return expression_key(cancelled, text, length);
}

/* What one operation does to the set. A cancel comes first (a call's
 * arguments are evaluated before its result is stored); assigning a
 * variable forgets it and every expression naming it (`tasks [ i ]` when
 * i changes); a store may overwrite any field, element or global. */
static void transfer(const ll_cancelled *cancelled, const ll_operation *operation, uint64_t *state)
{
    const ll_function *function = cancelled->function;
    if (operation->kind == LL_OPERATION_CALL && operation->call < function->call_count &&
        cancelled->cancels[operation->call] != LL_NONE)
        set_bit(state, cancelled->cancels[operation->call], true);
    bool assigns = operation->kind == LL_OPERATION_CALL || operation->kind == LL_OPERATION_ASSIGN;
    if (assigns && operation->target < function->variable_count) {
        set_bit(state, operation->target, false);
        const char *name = function->variables[operation->target].name;
        for (uint32_t e = 0; name && e < cancelled->expression_count; e++)
            if (ll_tokens_mention(cancelled->expressions[e].text, cancelled->expressions[e].length,
                                  name))
                set_bit(state, function->variable_count + e, false);
    }
    if (operation->kind == LL_OPERATION_STORE)
        for (uint32_t e = 0; e < cancelled->expression_count; e++)
            set_bit(state, function->variable_count + e, false);
}

/* The handle each cancel-role call cancels, as a key; an expression gets
 * its key the first time it is cancelled. 0, or -1 when out of memory. */
static int find_cancels(ll_cancelled *cancelled, ll_packs *packs)
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
        uint32_t key = handle_key(cancelled, call, rule->handle);
        const char *text;
        size_t length;
        if (key == LL_NONE && expression_argument(call, rule->handle, &text, &length)) {
            struct expression *grown =
                realloc(cancelled->expressions,
                        (cancelled->expression_count + 1) * sizeof *cancelled->expressions);
            if (!grown)
                return -1;
            cancelled->expressions = grown;
            grown[cancelled->expression_count] = (struct expression){text, length};
            key = function->variable_count + cancelled->expression_count++;
        }
        cancelled->cancels[c] = key;
    }
    return 0;
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
    cancelled->cancels =
        malloc((function->call_count ? function->call_count : 1) * sizeof *cancelled->cancels);
    if (!cancelled->cancels || find_cancels(cancelled, packs) < 0)
        goto fail;
    size_t keys = (size_t)function->variable_count + cancelled->expression_count;
    cancelled->words = keys ? (keys + 63) / 64 : 1;
    size_t blocks = function->block_count ? function->block_count : 1;
    cancelled->states = calloc(blocks * cancelled->words, sizeof *cancelled->states);
    cancelled->scratch = calloc(cancelled->words, sizeof *cancelled->scratch);
    cancelled->reached = calloc(blocks, sizeof *cancelled->reached);
    if (!cancelled->states || !cancelled->scratch || !cancelled->reached)
        goto fail;
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
    free(cancelled->expressions);
    free(cancelled->states);
    free(cancelled->scratch);
    free(cancelled->reached);
    free(cancelled->cancels);
    free(cancelled);
}

bool ll_cancelled_before(ll_cancelled *cancelled, ll_index call, uint32_t argument)
{
    const ll_function *function = cancelled->function;
    if (call >= function->call_count || argument == 0 ||
        argument > function->calls[call].argument_count)
        return false;
    uint32_t key = handle_key(cancelled, &function->calls[call], argument);
    ll_index b = function->calls[call].block;
    if (key == LL_NONE || b >= function->block_count)
        return false;
    if (!cancelled->reached[b])
        return true;
    /* Replay the block up to the call. */
    const ll_block *block = &function->blocks[b];
    uint64_t *state = cancelled->scratch;
    memcpy(state, state_of(cancelled, b), cancelled->words * sizeof *state);
    for (uint32_t o = 0; o < block->operation_count; o++) {
        const ll_operation *operation = &block->operations[o];
        if (operation->kind == LL_OPERATION_CALL && operation->call == call)
            return has_bit(state, key);
        transfer(cancelled, operation, state);
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
    const ll_value *deadline = &call->arguments[rule->suspend->deadline - 1];
    if (!ll_deadline_is_forever(function, deadline, rule->suspend->forever))
        return 0;
    if (!*cancelled && !(*cancelled = ll_cancelled_new(function, packs)))
        return -1;
    return ll_cancelled_before(*cancelled, index, rule->handle);
}
