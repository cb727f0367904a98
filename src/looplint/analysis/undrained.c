/*
 * undrained.c - queues closed while their consumers may still be at work
 * (undrained.h).
 *
 * Keys are the function's variables, then the expressions that the
 * effects name (by their tokens). States are bit sets over the keys, one
 * per block entry, joined by union; a worklist runs until nothing grows,
 * which ends because states only gain bits. The transfer of an operation
 * is written once, over a whole set (transfer()), and asked about one key
 * at a time when the witness path is searched (changes_key()), so that the
 * two cannot disagree.
 */
#include "undrained.h"

#include "callsite.h"

#include <stdlib.h>
#include <string.h>

/* ---- Keys ----------------------------------------------------------------------------- */

struct expression {
    const char *text; /* into a call's text */
    size_t length;
};

typedef struct analysis {
    const ll_function *function;
    const ll_queue_effect *effects;
    struct expression *expressions;
    uint32_t expression_count;
    uint32_t key_count;
    uint32_t *keys; /* by call: the key of its effect's handle, or LL_NONE */
    size_t words;   /* 64-bit words per state */
    uint64_t *states;
    bool *reached;
} analysis;

static bool names_handle(enum ll_queue_effect_kind kind)
{
    return kind == LL_QUEUE_EFFECT_STARTS || kind == LL_QUEUE_EFFECT_DRAINS ||
           kind == LL_QUEUE_EFFECT_CLOSES;
}

/* The key of a call's handle argument, adding an expression key the first
 * time one is seen; LL_NONE when it has none. 0, or -1 out of memory. */
static int key_of(analysis *a, ll_index c, uint32_t *key)
{
    const ll_call *call = &a->function->calls[c];
    uint32_t argument = a->effects[c].argument;
    *key = LL_NONE;
    if (argument == 0 || argument > call->argument_count)
        return 0;
    const ll_value *value = &call->arguments[argument - 1];
    if (value->kind == LL_VALUE_VARIABLE) {
        if (value->variable < a->function->variable_count)
            *key = value->variable;
        return 0;
    }
    const char *text;
    size_t length;
    if ((value->kind != LL_VALUE_OTHER && value->kind != LL_VALUE_GLOBAL) ||
        !ll_call_argument_text(call, argument, &text, &length) || length == 0)
        return 0;
    for (uint32_t e = 0; e < a->expression_count; e++)
        if (a->expressions[e].length == length &&
            memcmp(a->expressions[e].text, text, length) == 0) {
            *key = a->function->variable_count + e;
            return 0;
        }
    struct expression *grown =
        realloc(a->expressions, (a->expression_count + 1) * sizeof *a->expressions);
    if (!grown)
        return -1;
    a->expressions = grown;
    grown[a->expression_count] = (struct expression){text, length};
    *key = a->function->variable_count + a->expression_count++;
    return 0;
}

static int find_keys(analysis *a)
{
    const ll_function *function = a->function;
    a->keys = malloc((function->call_count ? function->call_count : 1) * sizeof *a->keys);
    if (!a->keys)
        return -1;
    for (ll_index c = 0; c < function->call_count; c++) {
        a->keys[c] = LL_NONE;
        if (names_handle(a->effects[c].kind) && key_of(a, c, &a->keys[c]) < 0)
            return -1;
    }
    a->key_count = function->variable_count + a->expression_count;
    a->words = a->key_count ? (a->key_count + 63) / 64 : 1;
    return 0;
}

/* ---- Sets ----------------------------------------------------------------------------- */

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

static uint64_t *state_of(const analysis *a, ll_index block)
{
    return &a->states[(size_t)block * a->words];
}

/* ---- Transfer ------------------------------------------------------------------------- */

/* Whether assigning variable `variable` forgets `key`: the variable
 * itself, or an expression that names it (`queues [ i ]` when i changes). */
static bool assignment_forgets(const analysis *a, ll_index variable, uint32_t key)
{
    const ll_function *function = a->function;
    if (key == variable)
        return true;
    if (key < function->variable_count)
        return false;
    const char *name = function->variables[variable].name;
    const struct expression *expression = &a->expressions[key - function->variable_count];
    return name && name[0] && ll_tokens_mention(expression->text, expression->length, name);
}

/* What call `c`'s effect does to one key, wherever it happens: +1 sets
 * it, -1 clears it, 0 nothing. */
static int effect_on_key(const analysis *a, ll_index c, uint32_t key)
{
    bool named = a->keys[c] == LL_NONE || a->keys[c] == key;
    switch (a->effects[c].kind) {
    case LL_QUEUE_EFFECT_STARTS:
        return named ? 1 : 0;
    case LL_QUEUE_EFFECT_STARTS_ANY:
        return 1;
    case LL_QUEUE_EFFECT_DRAINS:
        return named ? -1 : 0;
    case LL_QUEUE_EFFECT_DRAINS_ANY:
        return -1;
    case LL_QUEUE_EFFECT_CLOSES:
        return a->keys[c] == key ? -1 : 0;
    case LL_QUEUE_EFFECT_NONE:
        break;
    }
    return 0;
}

/* Whether call `c`'s effect happens on leaving its block by a side other
 * than its failure, rather than at the call. */
static bool on_success(const analysis *a, ll_index c)
{
    return a->effects[c].kind != LL_QUEUE_EFFECT_NONE &&
           a->effects[c].failure_successor != LL_QUEUE_EFFECT_AT_CALL;
}

/* What call `c` does to one key at the call. */
static int call_changes_key(const analysis *a, ll_index c, uint32_t key)
{
    return on_success(a, c) ? 0 : effect_on_key(a, c, key);
}

/* What an operation does to one key (see call_changes_key). */
static int changes_key(const analysis *a, const ll_operation *operation, uint32_t key)
{
    const ll_function *function = a->function;
    int change = 0;
    if (operation->kind == LL_OPERATION_CALL && operation->call < function->call_count)
        change = call_changes_key(a, operation->call, key);
    bool assigns = operation->kind == LL_OPERATION_CALL || operation->kind == LL_OPERATION_ASSIGN;
    if (assigns && operation->target < function->variable_count &&
        assignment_forgets(a, operation->target, key))
        change = -1;
    return change;
}

static void transfer(const analysis *a, const ll_operation *operation, uint64_t *state)
{
    const ll_function *function = a->function;
    bool calls = operation->kind == LL_OPERATION_CALL && operation->call < function->call_count &&
                 a->effects[operation->call].kind != LL_QUEUE_EFFECT_NONE;
    bool assigns =
        (operation->kind == LL_OPERATION_CALL || operation->kind == LL_OPERATION_ASSIGN) &&
        operation->target < function->variable_count;
    if (!calls && !assigns)
        return; /* the common case: nothing to change */
    for (uint32_t key = 0; key < a->key_count; key++) {
        int change = changes_key(a, operation, key);
        if (change)
            set_bit(state, key, change > 0);
    }
}

/* What leaving `block` by successor `successor` does to `key`: the
 * effect of a call whose failure test ends the block, on its other sides;
 * else clearing it on the side where a tested handle variable is NULL. */
static int edge_changes_key(const analysis *a, const ll_block *block, uint32_t successor,
                            uint32_t key)
{
    for (uint32_t o = 0; o < block->operation_count; o++) {
        const ll_operation *operation = &block->operations[o];
        ll_index c = operation->call;
        if (operation->kind == LL_OPERATION_CALL && c < a->function->call_count &&
            on_success(a, c) && a->effects[c].failure_successor != successor &&
            effect_on_key(a, c, key))
            return effect_on_key(a, c, key);
    }
    if (block->terminator != LL_TERMINATOR_BRANCH || block->test.variable != key ||
        block->test.constant != 0 || key >= a->function->variable_count ||
        !a->function->variables[key].is_pointer)
        return 0;
    bool null = (block->test.relation == LL_RELATION_EQUAL && successor == 0) ||
                (block->test.relation == LL_RELATION_NOT_EQUAL && successor == 1);
    return null ? -1 : 0;
}

/* ---- The fixpoint --------------------------------------------------------------------- */

/* Adds `state` to the entry of `block`; whether it grew. */
static bool merge(analysis *a, ll_index block, const uint64_t *state)
{
    uint64_t *entry = state_of(a, block);
    bool changed = !a->reached[block];
    a->reached[block] = true;
    for (size_t w = 0; w < a->words; w++) {
        uint64_t both = entry[w] | state[w];
        changed |= both != entry[w];
        entry[w] = both;
    }
    return changed;
}

static int solve(analysis *a)
{
    const ll_function *function = a->function;
    uint32_t count = function->block_count;
    uint64_t *state = calloc(a->words, sizeof *state);
    uint64_t *out = calloc(a->words, sizeof *out);
    ll_index *worklist = malloc(count * sizeof *worklist);
    bool *queued = calloc(count, sizeof *queued);
    int result = -1;
    if (!state || !out || !worklist || !queued)
        goto done;
    uint32_t pending = 0;
    merge(a, 0, state);
    worklist[pending++] = 0;
    queued[0] = true;
    while (pending) {
        ll_index b = worklist[--pending];
        queued[b] = false;
        const ll_block *block = &function->blocks[b];
        memcpy(state, state_of(a, b), a->words * sizeof *state);
        for (uint32_t o = 0; o < block->operation_count; o++)
            transfer(a, &block->operations[o], state);
        for (uint32_t s = 0; s < block->successor_count; s++) {
            ll_index successor = block->successors[s];
            if (successor >= count)
                continue;
            memcpy(out, state, a->words * sizeof *out);
            for (uint32_t key = 0; key < a->key_count; key++) {
                int change = edge_changes_key(a, block, s, key);
                if (change)
                    set_bit(out, key, change > 0);
            }
            if (merge(a, successor, out) && !queued[successor]) {
                worklist[pending++] = successor;
                queued[successor] = true;
            }
        }
    }
    result = 0;
done:
    free(state);
    free(out);
    free(worklist);
    free(queued);
    return result;
}

/* Whether `key` is set just before the operation of call `c`. */
static bool set_before_call(const analysis *a, ll_index c, uint32_t key)
{
    ll_index b = a->function->calls[c].block;
    if (b >= a->function->block_count || !a->reached[b])
        return false;
    const ll_block *block = &a->function->blocks[b];
    bool on = has_bit(state_of(a, b), key);
    for (uint32_t o = 0; o < block->operation_count; o++) {
        const ll_operation *operation = &block->operations[o];
        if (operation->kind == LL_OPERATION_CALL && operation->call == c)
            return on;
        int change = changes_key(a, operation, key);
        if (change)
            on = change > 0;
    }
    return false;
}

/* ---- Witness paths ---------------------------------------------------------------------- */

/* The position of call `c`'s operation in its block, or UINT32_MAX. */
static uint32_t operation_of(const ll_function *function, ll_index c)
{
    const ll_block *block = &function->blocks[function->calls[c].block];
    for (uint32_t o = 0; o < block->operation_count; o++)
        if (block->operations[o].kind == LL_OPERATION_CALL && block->operations[o].call == c)
            return o;
    return UINT32_MAX;
}

/* Scans block `b` from operation `from` for call `close` while `key`
 * stays set: 1 found, 0 the block ends with the key set, -1 it is cleared
 * on the way. */
static int scan_block(const analysis *a, ll_index b, uint32_t from, ll_index close, uint32_t key)
{
    const ll_block *block = &a->function->blocks[b];
    for (uint32_t o = from; o < block->operation_count; o++) {
        const ll_operation *operation = &block->operations[o];
        if (operation->kind == LL_OPERATION_CALL && operation->call == close)
            return 1;
        if (changes_key(a, operation, key) < 0)
            return -1;
    }
    return 0;
}

/* How the search first entered a block: from which block, by which
 * successor; `first` when that was leaving the start's block just after
 * the start (the start's block may be entered again, from its top, by a
 * loop). Every chain of parents leads back to such a first step. */
struct visit {
    ll_index parent;
    uint32_t successor;
    bool first;
};

static int record_path(const struct visit *visits, ll_index last, ll_undrained *found)
{
    uint32_t count = 1;
    for (ll_index at = last; !visits[at].first; at = visits[at].parent)
        count++;
    found->steps = malloc(count * sizeof *found->steps);
    if (!found->steps)
        return -1;
    found->step_count = count;
    ll_index at = last;
    for (uint32_t i = count; i-- > 0; at = visits[at].parent)
        found->steps[i] = (ll_path_step){visits[at].parent, visits[at].successor, false};
    return 0;
}

/* Whether some path from the start of block `from` drains `key` before it
 * reaches call `close`. `seen` is scratch, one flag per block. */
static bool leads_to_drain(const analysis *a, ll_index from, ll_index close, uint32_t key,
                           bool *seen, ll_index *stack)
{
    const ll_function *function = a->function;
    memset(seen, 0, function->block_count * sizeof *seen);
    uint32_t depth = 0;
    stack[depth++] = from;
    seen[from] = true;
    while (depth) {
        const ll_block *block = &function->blocks[stack[--depth]];
        bool stops = false;
        for (uint32_t o = 0; o < block->operation_count && !stops; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->kind != LL_OPERATION_CALL || operation->call >= function->call_count)
                continue;
            enum ll_queue_effect_kind kind = a->effects[operation->call].kind;
            bool drains = kind == LL_QUEUE_EFFECT_DRAINS || kind == LL_QUEUE_EFFECT_DRAINS_ANY;
            if (drains && effect_on_key(a, operation->call, key) < 0)
                return true;
            stops = operation->call == close;
        }
        for (uint32_t s = 0; s < block->successor_count && !stops; s++) {
            ll_index next = block->successors[s];
            if (next < function->block_count && !seen[next]) {
                seen[next] = true;
                stack[depth++] = next;
            }
        }
    }
    return false;
}

/* Marks the steps of a path where it goes around the drains: no drain is
 * ahead on the side it takes, one is on another side. The first step of
 * a start on success is the start's own success, not such a decision. */
static int mark_skipped_drains(const analysis *a, ll_index close, uint32_t key, ll_undrained *found)
{
    uint32_t count = a->function->block_count;
    bool *seen = malloc(count * sizeof *seen);
    ll_index *stack = malloc(count * sizeof *stack);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return -1;
    }
    for (uint32_t i = on_success(a, found->start) ? 1 : 0; i < found->step_count; i++) {
        ll_path_step *step = &found->steps[i];
        const ll_block *block = &a->function->blocks[step->block];
        ll_index taken = block->successors[step->successor];
        if (taken < count && leads_to_drain(a, taken, close, key, seen, stack))
            continue; /* not the decision yet: a drain is still ahead */
        for (uint32_t s = 0; s < block->successor_count && !step->skips_drain; s++)
            step->skips_drain = s != step->successor && block->successors[s] < count &&
                                leads_to_drain(a, block->successors[s], close, key, seen, stack);
    }
    free(seen);
    free(stack);
    return 0;
}

/* Breadth-first from just after call `start` to call `close` along which
 * `key` stays set. 1 found (path recorded), 0 none, -1 out of memory. */
static int search(const analysis *a, ll_index start, ll_index close, uint32_t key,
                  ll_undrained *found)
{
    const ll_function *function = a->function;
    ll_index start_block = function->calls[start].block;
    uint32_t position = operation_of(function, start);
    if (position == UINT32_MAX)
        return 0;
    bool deferred = on_success(a, start);
    int scanned = deferred ? 0 : scan_block(a, start_block, position + 1, close, key);
    if (scanned) /* the close follows in the same block, or the key is cleared first */
        return scanned > 0;
    uint32_t count = function->block_count;
    struct visit *visits = malloc(count * sizeof *visits);
    ll_index *queue = malloc(count * sizeof *queue);
    bool *seen = calloc(count, sizeof *seen);
    int result = -1;
    if (!visits || !queue || !seen)
        goto done;
    size_t head = 0;
    size_t tail = 0;
    ll_index from = start_block;
    /* Leaving the start's block the first time, its failure side started
       nothing. */
    uint32_t skipped = deferred ? a->effects[start].failure_successor : UINT32_MAX;
    bool first = true;
    result = 0;
    for (;;) {
        const ll_block *block = &function->blocks[from];
        for (uint32_t s = 0; s < block->successor_count && result == 0; s++) {
            ll_index next = block->successors[s];
            if (next >= count || seen[next] || s == skipped ||
                edge_changes_key(a, block, s, key) < 0)
                continue;
            seen[next] = true;
            visits[next] = (struct visit){from, s, first};
            int state = scan_block(a, next, 0, close, key);
            if (state > 0)
                result = record_path(visits, next, found) < 0 ? -1 : 1;
            else if (state == 0)
                queue[tail++] = next;
        }
        if (result != 0 || head == tail)
            break;
        from = queue[head++];
        skipped = UINT32_MAX;
        first = false;
    }
done:
    free(visits);
    free(queue);
    free(seen);
    return result;
}

/* The first start, in call order, from which a path reaches `close` with
 * `key` set. 0 (found->steps set when found), or -1 out of memory. */
static int witness(const analysis *a, ll_index close, uint32_t key, ll_undrained *found)
{
    const ll_function *function = a->function;
    for (ll_index c = 0; c < function->call_count; c++) {
        ll_index b = function->calls[c].block;
        if (b >= function->block_count || !a->reached[b] || effect_on_key(a, c, key) <= 0)
            continue;
        int result = search(a, c, close, key, found);
        if (result < 0)
            return -1;
        if (result > 0) {
            found->start = c;
            return mark_skipped_drains(a, close, key, found);
        }
    }
    return 0;
}

static int add_close(ll_undrained_result *result, const ll_undrained *close)
{
    ll_undrained *grown =
        realloc(result->closes, (result->close_count + 1) * sizeof *result->closes);
    if (!grown)
        return -1;
    result->closes = grown;
    grown[result->close_count++] = *close;
    return 0;
}

static int judge_closes(const analysis *a, ll_undrained_result *result)
{
    const ll_function *function = a->function;
    for (ll_index c = 0; c < function->call_count; c++) {
        if (a->effects[c].kind != LL_QUEUE_EFFECT_CLOSES)
            continue;
        uint32_t key = a->keys[c];
        if (key == LL_NONE) {
            result->unnamed++;
            continue;
        }
        if (!set_before_call(a, c, key))
            continue;
        ll_undrained found = {.close = c, .start = LL_NONE};
        if (witness(a, c, key, &found) < 0) {
            free(found.steps);
            return -1;
        }
        if (found.start == LL_NONE)
            continue;
        if (add_close(result, &found) < 0) {
            free(found.steps);
            return -1;
        }
    }
    return 0;
}

int ll_undrained_find(const ll_function *function, const ll_queue_effect *effects,
                      ll_undrained_result *result)
{
    memset(result, 0, sizeof *result);
    analysis a = {.function = function, .effects = effects};
    int status = -1;
    if (function->block_count == 0) {
        status = 0;
        goto done;
    }
    if (find_keys(&a) < 0)
        goto done;
    a.states = calloc((size_t)function->block_count * a.words, sizeof *a.states);
    a.reached = calloc(function->block_count, sizeof *a.reached);
    if (!a.states || !a.reached || solve(&a) < 0 || judge_closes(&a, result) < 0)
        goto done;
    status = 0;
done:
    free(a.expressions);
    free(a.keys);
    free(a.states);
    free(a.reached);
    if (status < 0)
        ll_undrained_result_free(result);
    return status;
}

void ll_undrained_result_free(ll_undrained_result *result)
{
    for (uint32_t i = 0; i < result->close_count; i++)
        free(result->closes[i].steps);
    free(result->closes);
    memset(result, 0, sizeof *result);
}
