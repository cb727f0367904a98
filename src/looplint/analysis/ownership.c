/*
 * ownership.c - the path-sensitive ownership dataflow (ownership.h).
 *
 * The analysis explores pairs (block, abstract state) breadth first from
 * the entry. A state says, for every handle the function follows (a
 * "site": an acquiring call, or a parameter when summarising), where the
 * handle last stands on this path:
 *
 *   NONE      not ours: never acquired on this path, failed, released,
 *             escaped or already reported (which of these makes no
 *             difference to what follows, and telling them apart would
 *             multiply the states by two per site)
 *   MAYBE     acquired, but its failure is not excluded yet
 *   OWNED     acquired, and ours to release
 *   JOINING   a join with a finite deadline ran; its result decides
 *
 * with the set of variables holding the handle (its aliases) and the set
 * of variables whose test decides a MAYBE or JOINING handle (the handle
 * itself for a NULL or negative failure, the call's result for an out-
 * parameter or a join). Beside the sites, the state keeps what branch
 * tests established about variables (a small set of intervals each), so
 * that a second `if (c)` follows the first, and the failure branch of a
 * handle's own check ends its ownership.
 *
 * What happens to a site's handle on the way (released, stored, returned,
 * still held at a return...) is also gathered, over all paths, into its
 * fates: a state is explored once, so each event seen is one some path
 * has, and every path's events are seen. The summaries (summary.c) are
 * made of the fates of the parameters and of what the returns return.
 *
 * A queue item's site is keyed: it is released by the item-done role on
 * the queue named by the get's queue argument (a variable, or tokens
 * compared as written), which the site keeps beside its aliases; the
 * aliases (the item) only say where the item goes.
 *
 * States are flat byte strings compared exactly; a block keeps at most
 * `state_limit` of them, beyond which the analysis gives up on the
 * function (and reports nothing). Facts about variables that no later
 * test reads are forgotten at block entry (a liveness pass), so flags that
 * are tested once do not multiply the states. Every explored pair keeps
 * the pair it came from; a defect's path is read back through those links.
 */
#include "ownership.h"

#include "callsite.h"
#include "summary.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- Sets of integer values ------------------------------------------------ */

/* What the tests on a path established about a variable: sorted, disjoint
 * closed intervals. Unused slots stay zero, because states are compared
 * bytewise. A set with more intervals than fit is widened (never
 * narrowed), so a branch is never wrongly thought infeasible. */
#define SET_CAPACITY 4

typedef struct value_set {
    uint32_t count;
    uint32_t padding;
    int64_t low[SET_CAPACITY];
    int64_t high[SET_CAPACITY];
} value_set;

static void set_clear(value_set *set)
{
    memset(set, 0, sizeof *set);
}

static void set_add(value_set *set, int64_t low, int64_t high)
{
    set->low[set->count] = low;
    set->high[set->count] = high;
    set->count++;
}

static void set_universe(value_set *set)
{
    set_clear(set);
    set_add(set, INT64_MIN, INT64_MAX);
}

/* The values x for which `x relation constant` holds. */
static void set_of_relation(value_set *set, enum ll_relation relation, int64_t constant)
{
    set_clear(set);
    switch (relation) {
    case LL_RELATION_EQUAL:
        set_add(set, constant, constant);
        break;
    case LL_RELATION_NOT_EQUAL:
        if (constant > INT64_MIN)
            set_add(set, INT64_MIN, constant - 1);
        if (constant < INT64_MAX)
            set_add(set, constant + 1, INT64_MAX);
        break;
    case LL_RELATION_LESS:
        if (constant > INT64_MIN)
            set_add(set, INT64_MIN, constant - 1);
        break;
    case LL_RELATION_LESS_EQUAL:
        set_add(set, INT64_MIN, constant);
        break;
    case LL_RELATION_GREATER:
        if (constant < INT64_MAX)
            set_add(set, constant + 1, INT64_MAX);
        break;
    case LL_RELATION_GREATER_EQUAL:
        set_add(set, constant, INT64_MAX);
        break;
    case LL_RELATION_UNKNOWN:
        set_add(set, INT64_MIN, INT64_MAX);
        break;
    }
}

static void set_intersect(value_set *out, const value_set *left, const value_set *right)
{
    /* Two sorted lists of n and m intervals meet in at most n + m - 1. */
    int64_t low[2 * SET_CAPACITY];
    int64_t high[2 * SET_CAPACITY];
    uint32_t count = 0;
    uint32_t i = 0;
    uint32_t j = 0;
    while (i < left->count && j < right->count) {
        int64_t from = left->low[i] > right->low[j] ? left->low[i] : right->low[j];
        int64_t to = left->high[i] < right->high[j] ? left->high[i] : right->high[j];
        if (from <= to) {
            low[count] = from;
            high[count] = to;
            count++;
        }
        if (left->high[i] < right->high[j])
            i++;
        else
            j++;
    }
    while (count > SET_CAPACITY) {
        /* Widen: bridge the narrowest gap. */
        uint32_t narrowest = 0;
        uint64_t gap = UINT64_MAX;
        for (uint32_t k = 0; k + 1 < count; k++) {
            uint64_t width = (uint64_t)low[k + 1] - (uint64_t)high[k];
            if (width < gap) {
                gap = width;
                narrowest = k;
            }
        }
        high[narrowest] = high[narrowest + 1];
        for (uint32_t k = narrowest + 1; k + 1 < count; k++) {
            low[k] = low[k + 1];
            high[k] = high[k + 1];
        }
        count--;
    }
    set_clear(out);
    for (uint32_t k = 0; k < count; k++)
        set_add(out, low[k], high[k]);
}

/* Whether every value of `set` satisfies `x relation constant`. */
static bool set_within(const value_set *set, enum ll_relation relation, int64_t constant)
{
    value_set outside;
    value_set meet;
    set_of_relation(&outside, ll_relation_negated(relation), constant);
    set_intersect(&meet, set, &outside);
    return meet.count == 0;
}

/* ---- The analysis ------------------------------------------------------------ */

enum site_status {
    STATUS_NONE = 0,
    STATUS_MAYBE,
    STATUS_OWNED,
    STATUS_JOINING,
};

/* How a queue item's site names its queue: the get's queue argument. */
enum key_kind {
    KEY_NONE = 0, /* not readable: any queue */
    KEY_VARIABLE, /* a local or parameter */
    KEY_TEXT,     /* any other expression, by its tokens as written */
};

typedef struct queue_key {
    enum key_kind kind;
    ll_index variable; /* VARIABLE */
    const char *text;  /* TEXT: the tokens ("app -> queue"), in the call's text */
    size_t length;
    bool global; /* TEXT: a global's name alone */
} queue_key;

/* Whether two keys name the same queue. */
enum sameness {
    SAME_NO = 0,
    SAME_YES,
    SAME_MAYBE,
};

/* How an argument of a call relates to a site's queue. */
enum carriage {
    CARRIES_NOTHING = 0,
    CARRIES_QUEUE, /* the queue itself */
    CARRIES_PART,  /* a variable its tokens name (`app` of `app -> queue`) */
};

/* A handle the analysis follows (a "site"): an acquiring call's, or a
 * parameter's. */
typedef struct acquisition {
    ll_index call; /* LL_NONE for a parameter */
    ll_index block;
    uint32_t operation;
    const ll_acquire_rule *acquire;
    uint32_t parameter; /* from 1, or 0 */
    ll_index variable;  /* the parameter's variable */
    bool keyed;         /* released through its queue (queue items, queue parameters) */
    queue_key key;
    ll_index loop; /* innermost loop holding the call, or LL_NONE */
} acquisition;

/* What a parameter followed as a handle fails as, should the function test
 * it again: a pointer as NULL, an integer as a negative fd. A queue given
 * as a parameter is simply there. */
static const ll_acquire_rule parameter_pointer = {LL_RESOURCE, LL_HANDLE_NONE, 0, LL_FAILURE_NULL,
                                                  NULL};
static const ll_acquire_rule parameter_integer = {LL_RESOURCE, LL_HANDLE_NONE, 0,
                                                  LL_FAILURE_NEGATIVE, NULL};
static const ll_acquire_rule parameter_queue = {LL_RESOURCE_QUEUE_ITEM, LL_HANDLE_NONE, 0,
                                                LL_FAILURE_NONE, NULL};

/* One explored (block, state) pair; its state is in analysis.states. */
typedef struct node {
    ll_index block;
    uint32_t parent; /* the pair it was reached from; NO_NODE for the entry */
    uint32_t edge;   /* which successor of the parent's block */
} node;

#define NO_NODE UINT32_MAX

/* Where the transfer function is: for recording a defect's path. */
typedef struct cursor {
    uint32_t node;
    uint32_t operation; /* index in the block; operation_count for the
                           terminator */
} cursor;

/* What transfer_operation says about the rest of the path. */
enum {
    PATH_GOES_ON = 0,
    PATH_ENDS = 1, /* a call of a function that never returns */
};

typedef struct ownership_run {
    const ll_function *function;
    uint32_t kinds;
    uint32_t state_limit;
    ll_packs *packs;
    const ll_program *program;     /* NULL when not linked */
    const ll_summaries *summaries; /* NULL: user functions are unknown */
    uint32_t id;                   /* the function's number in the program, or LL_NONE */
    uint32_t parameters, queue_parameters;

    const ll_function_rule **rules; /* per call; NULL when undescribed */
    ll_index *site_of_call;         /* per call; LL_NONE when not followed */
    acquisition *sites;
    uint32_t site_count;
    bool *address_taken; /* per variable */
    ll_index *fact_slot; /* per variable; LL_NONE when no fact is kept */
    uint32_t fact_count;
    uint32_t words;        /* 64-bit words in a set of variables */
    uint64_t *live;        /* per block: variables some later test reads */
    uint32_t block_words;  /* 64-bit words in a set of blocks */
    uint64_t *loop_blocks; /* per site: the blocks of its loop */

    /* State layout: site statuses (bytes), then per site its aliases and
       its deciders (sets of variables), then the facts. */
    size_t alias_offset, decider_offset, fact_offset, state_size;

    node *nodes;
    unsigned char *states; /* node_count states of state_size bytes */
    uint32_t node_count, node_capacity;
    uint32_t *block_nodes; /* per block: up to state_limit node numbers */
    uint64_t *block_hashes; /* ... and the hash of each one's state */
    uint32_t *block_node_count;
    bool gave_up;

    bool *joined;                 /* per site: joined by the current call, finitely */
    ll_ownership_defect *defects; /* per site */
    bool *found;                  /* per site: a defect is recorded */
    uint32_t *fates;              /* per site: LL_FATE_* seen */
    ll_location *released;        /* per site: the first release seen */
    bool *unknown_call;           /* per call: given a handle, undescribed */
    uint32_t returns;             /* LL_RETURNS_* seen */
} ownership_run;

/* ---- Sets of variables ----------------------------------------------------- */

static bool bit_test(const uint64_t *bits, ll_index index)
{
    return (bits[index / 64] >> (index % 64)) & 1u;
}

static void bit_assign(uint64_t *bits, ll_index index, bool value)
{
    uint64_t mask = (uint64_t)1 << (index % 64);
    if (value)
        bits[index / 64] |= mask;
    else
        bits[index / 64] &= ~mask;
}

/* Whether `index` is the only member of the set. */
static bool bit_alone(const uint64_t *bits, uint32_t words, ll_index index)
{
    for (uint32_t w = 0; w < words; w++) {
        uint64_t expected = w == index / 64 ? (uint64_t)1 << (index % 64) : 0;
        if (bits[w] != expected)
            return false;
    }
    return true;
}

static bool is_variable(const ownership_run *run, ll_index variable)
{
    return variable < run->function->variable_count;
}

/* ---- State access ----------------------------------------------------------- */

static uint64_t *aliases_of(const ownership_run *run, unsigned char *state, uint32_t site)
{
    return (uint64_t *)(state + run->alias_offset) + (size_t)site * run->words;
}

static uint64_t *deciders_of(const ownership_run *run, unsigned char *state, uint32_t site)
{
    return (uint64_t *)(state + run->decider_offset) + (size_t)site * run->words;
}

/* The fact kept about a variable, or NULL when none is kept. */
static value_set *fact_of(const ownership_run *run, unsigned char *state, ll_index variable)
{
    if (variable == LL_NONE || run->fact_slot[variable] == LL_NONE)
        return NULL;
    return (value_set *)(state + run->fact_offset) + run->fact_slot[variable];
}

static bool is_held(unsigned char status)
{
    return status == STATUS_MAYBE || status == STATUS_OWNED || status == STATUS_JOINING;
}

/* The handle of `site` is no longer ours (see STATUS_NONE); `fate` says
 * why (0: its acquisition failed). */
static void let_go(ownership_run *run, unsigned char *state, uint32_t site, uint32_t fate)
{
    run->fates[site] |= fate;
    state[site] = STATUS_NONE;
    memset(aliases_of(run, state, site), 0, run->words * sizeof(uint64_t));
    memset(deciders_of(run, state, site), 0, run->words * sizeof(uint64_t));
}

static void release(ownership_run *run, unsigned char *state, uint32_t site, ll_location where)
{
    if (!(run->fates[site] & LL_FATE_RELEASED))
        run->released[site] = where;
    let_go(run, state, site, LL_FATE_RELEASED);
}

/* A branch decided a MAYBE or JOINING handle: no test decides it again.
 * A join that succeeded released it. */
static void settle(ownership_run *run, unsigned char *state, uint32_t site, enum site_status status,
                   ll_location where)
{
    if (status == STATUS_NONE) {
        if (state[site] == STATUS_JOINING)
            release(run, state, site, where);
        else
            let_go(run, state, site, 0);
        return;
    }
    state[site] = (unsigned char)status;
    memset(deciders_of(run, state, site), 0, run->words * sizeof(uint64_t));
}

/* Forgets what tests said about a variable. */
static void forget_fact(const ownership_run *run, unsigned char *state, ll_index variable)
{
    value_set *fact = fact_of(run, state, variable);
    if (fact)
        set_universe(fact);
}

/* An alias to name in a message: a named variable if one holds it. */
static ll_index best_alias(const ownership_run *run, unsigned char *state, uint32_t site)
{
    const uint64_t *aliases = aliases_of(run, state, site);
    ll_index any = LL_NONE;
    for (ll_index variable = 0; variable < run->function->variable_count; variable++) {
        if (!bit_test(aliases, variable))
            continue;
        if (run->function->variables[variable].kind != LL_VARIABLE_TEMPORARY)
            return variable;
        if (any == LL_NONE)
            any = variable;
    }
    return any;
}

/* ---- Queues ------------------------------------------------------------------- */

/* The queue argument `position` of a call names. */
static queue_key key_of_argument(const ownership_run *run, const ll_call *call, uint32_t position)
{
    queue_key key = {KEY_NONE, LL_NONE, NULL, 0, false};
    if (position == 0 || position > call->argument_count)
        return key;
    const ll_value *value = &call->arguments[position - 1];
    if (value->kind == LL_VALUE_VARIABLE && is_variable(run, value->variable)) {
        key.kind = KEY_VARIABLE;
        key.variable = value->variable;
        return key;
    }
    const char *text = NULL;
    size_t length = 0;
    if (value->kind == LL_VALUE_CONSTANT || value->kind == LL_VALUE_NULL ||
        value->kind == LL_VALUE_STRING || !ll_call_argument_text(call, position, &text, &length) ||
        length == 0)
        return key;
    key.kind = KEY_TEXT;
    key.text = text;
    key.length = length;
    key.global = value->kind == LL_VALUE_GLOBAL && !memchr(text, ' ', length);
    return key;
}

/* Two variables are two queues as far as the analysis can tell, and so
 * are two globals; an expression may name the queue a variable holds. */
static enum sameness same_queue(const queue_key *left, const queue_key *right)
{
    if (left->kind == KEY_NONE || right->kind == KEY_NONE)
        return SAME_MAYBE;
    if (left->kind == KEY_VARIABLE && right->kind == KEY_VARIABLE)
        return left->variable == right->variable ? SAME_YES : SAME_NO;
    if (left->kind != KEY_TEXT || right->kind != KEY_TEXT)
        return SAME_MAYBE;
    if (left->length == right->length && memcmp(left->text, right->text, left->length) == 0)
        return SAME_YES;
    return left->global && right->global ? SAME_NO : SAME_MAYBE;
}

/* Whether assigning `variable` may change which queue the key names. */
static bool key_names(const ownership_run *run, const queue_key *key, ll_index variable)
{
    if (key->kind == KEY_VARIABLE)
        return key->variable == variable;
    return key->kind == KEY_TEXT && is_variable(run, variable) &&
           ll_tokens_mention(key->text, key->length, run->function->variables[variable].name);
}

static enum carriage carries(const ownership_run *run, const acquisition *site, const ll_call *call,
                             uint32_t position)
{
    queue_key argument = key_of_argument(run, call, position);
    if (argument.kind != KEY_NONE && same_queue(&argument, &site->key) == SAME_YES)
        return CARRIES_QUEUE;
    const ll_value *value = &call->arguments[position - 1];
    if ((value->kind == LL_VALUE_VARIABLE || value->kind == LL_VALUE_ADDRESS) &&
        key_names(run, &site->key, value->variable))
        return CARRIES_PART;
    return CARRIES_NOTHING;
}

uint32_t ll_ownership_queue_argument(const ll_function_rule *rule, uint32_t argument_count)
{
    const ll_acquire_rule *acquire = rule->acquire;
    uint32_t handle = acquire && acquire->place != LL_HANDLE_RETURN ? acquire->argument : 0;
    uint32_t deadline = rule->suspend ? rule->suspend->deadline : 0;
    uint32_t last = argument_count < 32 ? argument_count : 32;
    for (uint32_t position = 1; position <= last; position++)
        if ((rule->borrows_mask >> (position - 1) & 1u) && position != handle &&
            position != deadline)
            return position;
    for (uint32_t position = 1; position <= last; position++)
        if (position != handle && position != deadline)
            return position;
    return 0;
}

/* ---- Defects ------------------------------------------------------------------ */

/* The branch decision of the edge into `child`, if its parent branched. */
static bool edge_step(const ownership_run *run, uint32_t child, ll_ownership_step *step)
{
    const node *entered = &run->nodes[child];
    const ll_block *block = &run->function->blocks[run->nodes[entered->parent].block];
    if (block->terminator != LL_TERMINATOR_BRANCH || block->successor_count != 2)
        return false;
    bool known = block->test.relation != LL_RELATION_UNKNOWN && block->test.variable != LL_NONE;
    step->location = block->location;
    step->taken = entered->edge == 0;
    step->variable = LL_NONE;
    step->relation = LL_RELATION_UNKNOWN;
    if (known) {
        step->variable = block->test.variable;
        step->relation =
            step->taken ? block->test.relation : ll_relation_negated(block->test.relation);
    }
    step->constant = block->test.constant;
    return true;
}

/* The node on the path to `at` where the site's latest acquisition ran. */
static uint32_t acquisition_node(const ownership_run *run, uint32_t site, cursor at)
{
    const acquisition *where = &run->sites[site];
    if (run->nodes[at.node].block == where->block && where->operation < at.operation)
        return at.node;
    uint32_t n = run->nodes[at.node].parent;
    while (n != NO_NODE && run->nodes[n].block != where->block)
        n = run->nodes[n].parent;
    return n == NO_NODE ? 0 : n;
}

/* Fills the defect's steps: the branch decisions from the acquisition to
 * `at`, keeping the first and the last ones when there are many. */
static int trace_steps(const ownership_run *run, uint32_t site, cursor at,
                       ll_ownership_defect *defect)
{
    uint32_t start = acquisition_node(run, site, at);
    uint32_t length = 0;
    for (uint32_t n = at.node; n != start && run->nodes[n].parent != NO_NODE;
         n = run->nodes[n].parent)
        length++;
    if (length == 0)
        return 0;
    ll_ownership_step *steps = malloc(length * sizeof *steps);
    if (!steps)
        return -1;
    /* The links run backwards: fill from the end. */
    uint32_t first = length;
    for (uint32_t n = at.node; n != start && run->nodes[n].parent != NO_NODE;
         n = run->nodes[n].parent) {
        ll_ownership_step step;
        if (edge_step(run, n, &step))
            steps[--first] = step;
    }
    uint32_t count = length - first;
    memmove(steps, steps + first, count * sizeof *steps);
    if (count > LL_OWNERSHIP_STEP_LIMIT) {
        uint32_t tail = LL_OWNERSHIP_STEP_LIMIT - 1;
        memmove(&steps[1], &steps[count - tail], tail * sizeof *steps);
        defect->steps_omitted = count - LL_OWNERSHIP_STEP_LIMIT;
        count = LL_OWNERSHIP_STEP_LIMIT;
    }
    if (count == 0) {
        free(steps);
        return 0;
    }
    defect->steps = steps;
    defect->step_count = count;
    return 0;
}

/* Records the first defect of an acquiring call's site; later ones, and
 * those of parameters (the caller's business), are ignored. `next` is the
 * get of a NEXT_GET. */
static int record_defect(ownership_run *run, uint32_t site, enum ll_ownership_defect_kind kind,
                         ll_index variable, ll_location location, ll_index next, cursor at)
{
    if (run->found[site] || run->sites[site].call == LL_NONE)
        return 0;
    run->found[site] = true;
    ll_ownership_defect *defect = &run->defects[site];
    memset(defect, 0, sizeof *defect);
    defect->kind = kind;
    defect->call = run->sites[site].call;
    defect->acquire = run->sites[site].acquire;
    defect->variable = variable;
    defect->location = location;
    defect->next_call = next;
    if (kind == LL_OWNERSHIP_DISCARD)
        return 0;
    return trace_steps(run, site, at, defect);
}

/* ---- What callees do ----------------------------------------------------------- */

/* The program's function that direct call `index` reaches, or LL_NONE. */
static uint32_t callee_of(const ownership_run *run, ll_index index)
{
    if (run->id == LL_NONE || run->function->calls[index].callee_kind != LL_CALLEE_DIRECT)
        return LL_NONE;
    return ll_program_callee(run->program, run->id, index);
}

/* What a call of a function the packs do not describe does with the
 * handle passed as its argument `position`, as a variable or (`kind`) as
 * its address: LOOPLINT_TAKES, else the callee's summary; unknown when
 * there is none, or when it is given the variable's address. */
static enum ll_parameter_effect user_effect(const ownership_run *run, ll_index index,
                                            uint32_t position, enum ll_value_kind kind)
{
    const ll_call *call = &run->function->calls[index];
    if (!run->summaries || call->callee_kind != LL_CALLEE_DIRECT)
        return LL_PARAMETER_UNKNOWN;
    if (position <= 32 &&
        (ll_summaries_takes(run->summaries, call->callee_usr) >> (position - 1) & 1u))
        return LL_PARAMETER_TAKES;
    uint32_t callee = callee_of(run, index);
    if (kind != LL_VALUE_VARIABLE || callee == LL_NONE)
        return LL_PARAMETER_UNKNOWN;
    return ll_summary_parameter(run->summaries, callee, position);
}

/* The summary acquisition a call makes: a user function that returns an
 * owned resource; NULL when it makes none. */
static const ll_acquire_rule *summary_acquire(const ownership_run *run, ll_index index)
{
    if (!run->summaries || run->rules[index])
        return NULL;
    uint32_t callee = callee_of(run, index);
    return callee == LL_NONE ? NULL : ll_summary_acquires(run->summaries, callee, NULL);
}

/* Whether the call never returns: a user function none of whose paths
 * reaches a return (it exits, or loops forever). */
static bool never_returns(const ownership_run *run, ll_index index)
{
    if (!run->summaries || run->rules[index])
        return false;
    uint32_t callee = callee_of(run, index);
    return callee != LL_NONE && !ll_summary_returns(run->summaries, callee);
}

/* Whether a call may mark items of some queue done: a user function whose
 * summary says so, or a call through a pointer that may reach one. */
static bool may_mark_done(const ownership_run *run, ll_index index)
{
    if (!run->summaries || run->id == LL_NONE)
        return false;
    uint32_t callees[16];
    uint32_t count = ll_program_callees(run->program, run->id, index, callees, 16);
    if (count > 16)
        return true; /* many targets: not worth telling apart */
    for (uint32_t i = 0; i < count; i++)
        if (ll_summary_may_item_done(run->summaries, callees[i]))
            return true;
    return false;
}

/* ---- Transfer ------------------------------------------------------------------ */

/* `variable` receives a new value, copied from `source` (LL_NONE when it
 * is not a copy). A handle it alone held is lost: an overwrite - but a
 * queue item is still to be marked done whatever the variable that held
 * it now holds, and an item whose queue's name changes is followed no
 * further. */
static int assign_variable(ownership_run *run, unsigned char *state, ll_index variable,
                           ll_index source, ll_location location, cursor at)
{
    bool copy = source != LL_NONE && is_variable(run, source);
    for (uint32_t site = 0; site < run->site_count; site++) {
        if (!is_held(state[site]))
            continue;
        const acquisition *where = &run->sites[site];
        if (where->keyed && key_names(run, &where->key, variable)) {
            let_go(run, state, site, LL_FATE_UNKNOWN);
            continue;
        }
        uint64_t *aliases = aliases_of(run, state, site);
        uint64_t *deciders = deciders_of(run, state, site);
        bool copies = copy && bit_test(aliases, source);
        if (!copies && !where->keyed && bit_test(aliases, variable) &&
            bit_alone(aliases, run->words, variable)) {
            if (record_defect(run, site, LL_OWNERSHIP_OVERWRITE, variable, location, LL_NONE, at) <
                0)
                return -1;
            let_go(run, state, site, LL_FATE_OVERWRITTEN); /* reported: followed no further */
            continue;
        }
        bit_assign(aliases, variable, copies);
        bit_assign(deciders, variable, copy && bit_test(deciders, source));
    }
    value_set *fact = fact_of(run, state, variable);
    if (fact) {
        const value_set *copied = copy ? fact_of(run, state, source) : NULL;
        if (copied)
            *fact = *copied;
        else
            set_universe(fact);
    }
    return 0;
}

/* Every handle `variable` holds is no longer ours to follow; so is a queue
 * item whose queue's variable may now change behind our back (`address`:
 * the variable's address was taken). */
static void escape_variable(ownership_run *run, unsigned char *state, ll_index variable,
                            uint32_t fate, bool address)
{
    for (uint32_t site = 0; site < run->site_count; site++) {
        if (!is_held(state[site]))
            continue;
        if (bit_test(aliases_of(run, state, site), variable))
            let_go(run, state, site, fate);
        else if (address && run->sites[site].keyed &&
                 key_names(run, &run->sites[site].key, variable))
            let_go(run, state, site, LL_FATE_UNKNOWN);
    }
}

static bool releases_type(const ll_release_rule *release, const ll_acquire_rule *acquire)
{
    if (release->type_count == 0 || !acquire->type)
        return true;
    for (uint32_t i = 0; i < release->type_count; i++)
        if (release->types[i] && strcmp(release->types[i], acquire->type) == 0)
            return true;
    return false;
}

/* Whether a local is only ever assigned `constant` (a deadline variable
 * holding the forever value). Parameters are not traced. */
static bool always_assigned(const ownership_run *run, ll_index variable, int64_t constant)
{
    const ll_function *function = run->function;
    if (!is_variable(run, variable) ||
        function->variables[variable].kind == LL_VARIABLE_PARAMETER || run->address_taken[variable])
        return false;
    bool assigned = false;
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->target != variable)
                continue;
            if (operation->kind == LL_OPERATION_ASSIGN &&
                operation->value.kind == LL_VALUE_CONSTANT && operation->value.constant == constant)
                assigned = true;
            else if (operation->kind == LL_OPERATION_ASSIGN || operation->kind == LL_OPERATION_CALL)
                return false;
        }
    }
    return assigned;
}

/* Whether a join waits without a deadline: then it releases on every path
 * (a join that has no deadline argument waits until the task ends). */
static bool joins_forever(const ownership_run *run, const ll_call *call,
                          const ll_function_rule *rule)
{
    const ll_suspend_rule *suspend = rule->suspend;
    if (!suspend || suspend->deadline == 0)
        return true;
    if (suspend->deadline > call->argument_count)
        return false;
    const ll_value *deadline = &call->arguments[suspend->deadline - 1];
    if (deadline->kind == LL_VALUE_CONSTANT)
        return deadline->constant == suspend->forever;
    if (deadline->kind == LL_VALUE_VARIABLE)
        return always_assigned(run, deadline->variable, suspend->forever);
    return false;
}

/* The handle of `site` is argument `position` (counting from 1) of the
 * call of `operation`, as a variable or as its address: the callee
 * releases it (a release, a forever join, a function that releases it),
 * takes it, may do either (not known), or borrows it. */
static void pass_handle(ownership_run *run, unsigned char *state, uint32_t site,
                        const ll_operation *operation, uint32_t position, enum ll_value_kind kind)
{
    const ll_call *call = &run->function->calls[operation->call];
    const ll_function_rule *rule = run->rules[operation->call];
    uint32_t bit = position <= 32 ? 1u << (position - 1) : 0;
    if (!rule) {
        switch (user_effect(run, operation->call, position, kind)) {
        case LL_PARAMETER_BORROWS:
            return;
        case LL_PARAMETER_RELEASES:
            release(run, state, site, call->location);
            return;
        case LL_PARAMETER_TAKES:
            let_go(run, state, site, LL_FATE_ESCAPED);
            return;
        case LL_PARAMETER_UNKNOWN:
            break;
        }
        run->unknown_call[operation->call] = true;
        let_go(run, state, site, LL_FATE_UNKNOWN);
        return;
    }
    if ((rule->roles & LL_ROLE_JOIN) && rule->handle == position) {
        if (joins_forever(run, call, rule))
            release(run, state, site, call->location); /* joined on every path */
        else if (operation->target != LL_NONE)
            run->joined[site] = true; /* its result decides, once assigned */
        return;
    }
    bool released = rule->release && rule->release->argument == position &&
                    releases_type(rule->release, run->sites[site].acquire);
    if (released)
        release(run, state, site, call->location);
    else if (rule->takes_mask & bit)
        let_go(run, state, site, LL_FATE_ESCAPED);
    else if (kind == LL_VALUE_ADDRESS) /* a described function given &handle may change it */
        let_go(run, state, site, LL_FATE_UNKNOWN);
    /* Otherwise the function borrows the handle. */
}

/* A queue item is argument `position`: using it leaves it to be marked
 * done; a function that keeps it (takes it) is handed the obligation. */
static void pass_item(ownership_run *run, unsigned char *state, uint32_t site,
                      const ll_operation *operation, uint32_t position, enum ll_value_kind kind)
{
    const ll_function_rule *rule = run->rules[operation->call];
    bool taken = rule ? position <= 32 && (rule->takes_mask >> (position - 1) & 1u)
                      : user_effect(run, operation->call, position, kind) == LL_PARAMETER_TAKES;
    if (taken)
        let_go(run, state, site, LL_FATE_ESCAPED);
}

/* Gives up on a queue item at a call that may mark it done: which queue it
 * marks is not known. */
static void unknown_done(ownership_run *run, unsigned char *state, uint32_t site, ll_index index)
{
    run->unknown_call[index] = true;
    let_go(run, state, site, LL_FATE_UNKNOWN);
}

/* What the call of `operation` does to the queue of the keyed site: the
 * item-done role on the same queue releases the item, a user function
 * that marks the item of a queue it is given done on every path does too;
 * any other call that may mark some item done (a user function that may,
 * one not known that is given the queue or what holds it, a function
 * that takes the queue) leaves the analysis unsure, so it stops. */
static void queue_call(ownership_run *run, unsigned char *state, uint32_t site,
                       const ll_operation *operation)
{
    const ll_call *call = &run->function->calls[operation->call];
    const ll_function_rule *rule = run->rules[operation->call];
    const acquisition *where = &run->sites[site];
    if (rule) {
        if ((rule->roles & LL_ROLE_ITEM_DONE) && rule->handle) {
            queue_key done = key_of_argument(run, call, rule->handle);
            enum sameness same = same_queue(&done, &where->key);
            if (same == SAME_YES)
                release(run, state, site, call->location);
            else if (same == SAME_MAYBE)
                unknown_done(run, state, site, operation->call);
            return;
        }
        for (uint32_t position = 1; position <= call->argument_count && position <= 32; position++)
            if ((rule->takes_mask >> (position - 1) & 1u) &&
                carries(run, where, call, position) != CARRIES_NOTHING) {
                unknown_done(run, state, site, operation->call);
                return;
            }
        return;
    }
    uint32_t callee = callee_of(run, operation->call);
    if (callee != LL_NONE && run->summaries) {
        if (!ll_summary_may_item_done(run->summaries, callee))
            return;
        for (uint32_t position = 1; position <= call->argument_count; position++)
            if (carries(run, where, call, position) == CARRIES_QUEUE &&
                ll_summary_item_done(run->summaries, callee, position) == LL_DONE_ALWAYS) {
                release(run, state, site, call->location);
                return;
            }
        unknown_done(run, state, site, operation->call);
        return;
    }
    if (may_mark_done(run, operation->call)) {
        unknown_done(run, state, site, operation->call);
        return;
    }
    for (uint32_t position = 1; position <= call->argument_count; position++)
        if (carries(run, where, call, position) != CARRIES_NOTHING) {
            unknown_done(run, state, site, operation->call);
            return;
        }
}

/* A queue item is got (the acquisition of `site`) while the item of
 * `held`, from the same queue, is not done yet: that item is the defect. */
static int next_get(ownership_run *run, unsigned char *state, uint32_t held, uint32_t site,
                    const ll_operation *operation, cursor at)
{
    const ll_call *call = &run->function->calls[operation->call];
    if (same_queue(&run->sites[held].key, &run->sites[site].key) != SAME_YES)
        return 0;
    if (record_defect(run, held, LL_OWNERSHIP_NEXT_GET, best_alias(run, state, held),
                      call->location, operation->call, at) < 0)
        return -1;
    let_go(run, state, held, LL_FATE_NEXT_GET);
    return 0;
}

/* The acquiring call of `site` ran: a new handle, held by its target or
 * by the variable whose address it was given. */
static int acquire_handle(ownership_run *run, unsigned char *state, uint32_t site,
                          const ll_operation *operation, cursor at)
{
    const ll_call *call = &run->function->calls[operation->call];
    const acquisition *where = &run->sites[site];
    const ll_acquire_rule *acquire = where->acquire;
    ll_index holder = LL_NONE;
    ll_index decider = LL_NONE;
    if (where->keyed)
        for (uint32_t held = 0; held < run->site_count; held++)
            if (is_held(state[held]) && run->sites[held].keyed &&
                next_get(run, state, held, site, operation, at) < 0)
                return -1;
    if (acquire->place == LL_HANDLE_RETURN) {
        if (operation->target == LL_NONE) {
            if (call->result_use == LL_RESULT_USED)
                return 0; /* used in a way the CFG does not show */
            run->fates[site] |= LL_FATE_DISCARDED;
            return record_defect(run, site, LL_OWNERSHIP_DISCARD, LL_NONE, call->location, LL_NONE,
                                 at);
        }
        holder = operation->target;
    } else {
        /* OUT: written through &local (any other pointer puts the handle
           out of our sight). ARGUMENT: the argument becomes the handle. */
        if (acquire->argument == 0 || acquire->argument > call->argument_count)
            return 0;
        const ll_value *argument = &call->arguments[acquire->argument - 1];
        bool through = argument->kind == LL_VALUE_ADDRESS;
        if (!is_variable(run, argument->variable) ||
            !(through ||
              (acquire->place == LL_HANDLE_ARGUMENT && argument->kind == LL_VALUE_VARIABLE)))
            return 0;
        holder = argument->variable;
        if (acquire->place == LL_HANDLE_OUT &&
            assign_variable(run, state, holder, LL_NONE, operation->location, at) < 0)
            return -1;
    }
    if (!is_variable(run, holder))
        return 0;
    if (acquire->failure == LL_FAILURE_NULL || acquire->failure == LL_FAILURE_NEGATIVE)
        decider = holder;
    else if (acquire->failure == LL_FAILURE_NONZERO_RETURN)
        decider = operation->target;
    /* An earlier handle of this site still held by other variables (a
       previous iteration's) outlived its iteration, and is no longer
       followed: one slot per site. */
    if (is_held(state[site]))
        let_go(run, state, site, LL_FATE_LEFT_LOOP);
    state[site] = acquire->failure == LL_FAILURE_NONE ? STATUS_OWNED : STATUS_MAYBE;
    bit_assign(aliases_of(run, state, site), holder, true);
    if (is_variable(run, decider))
        bit_assign(deciders_of(run, state, site), decider, true);
    return 0;
}

static int transfer_call(ownership_run *run, unsigned char *state, const ll_operation *operation,
                         cursor at)
{
    const ll_call *call = &run->function->calls[operation->call];
    ll_index acquiring = run->site_of_call[operation->call];
    const ll_acquire_rule *acquire = acquiring != LL_NONE ? run->sites[acquiring].acquire : NULL;

    memset(run->joined, 0, run->site_count * sizeof *run->joined);
    for (uint32_t i = 0; i < call->argument_count; i++) {
        const ll_value *argument = &call->arguments[i];
        if ((argument->kind != LL_VALUE_VARIABLE && argument->kind != LL_VALUE_ADDRESS) ||
            !is_variable(run, argument->variable))
            continue;
        if (argument->kind == LL_VALUE_ADDRESS)
            forget_fact(run, state, argument->variable); /* the callee may write it */
        if (acquire && acquire->place != LL_HANDLE_RETURN && acquire->argument == i + 1)
            continue; /* the handle being acquired */
        for (uint32_t site = 0; site < run->site_count; site++) {
            if (!is_held(state[site]) ||
                !bit_test(aliases_of(run, state, site), argument->variable))
                continue;
            if (run->sites[site].keyed)
                pass_item(run, state, site, operation, i + 1, argument->kind);
            else
                pass_handle(run, state, site, operation, i + 1, argument->kind);
        }
    }
    for (uint32_t site = 0; site < run->site_count; site++)
        if (is_held(state[site]) && run->sites[site].keyed && acquiring != site)
            queue_call(run, state, site, operation);
    if (operation->target != LL_NONE && is_variable(run, operation->target)) {
        if (assign_variable(run, state, operation->target, LL_NONE, operation->location, at) < 0)
            return -1;
        for (uint32_t site = 0; site < run->site_count; site++) {
            if (!run->joined[site] || !is_held(state[site]))
                continue;
            state[site] = STATUS_JOINING;
            memset(deciders_of(run, state, site), 0, run->words * sizeof(uint64_t));
            bit_assign(deciders_of(run, state, site), operation->target, true);
        }
    }
    if (acquire && acquire_handle(run, state, acquiring, operation, at) < 0)
        return -1;
    return never_returns(run, operation->call) ? PATH_ENDS : PATH_GOES_ON;
}

/* PATH_GOES_ON, PATH_ENDS, or -1 when out of memory. */
static int transfer_operation(ownership_run *run, unsigned char *state,
                              const ll_operation *operation, cursor at)
{
    const ll_value *value = &operation->value;
    bool named = (value->kind == LL_VALUE_VARIABLE || value->kind == LL_VALUE_ADDRESS) &&
                 is_variable(run, value->variable);
    switch (operation->kind) {
    case LL_OPERATION_CALL:
        if (operation->call >= run->function->call_count)
            return PATH_GOES_ON;
        return transfer_call(run, state, operation, at);
    case LL_OPERATION_ASSIGN: {
        if (named && value->kind == LL_VALUE_ADDRESS) {
            /* A pointer to the handle's variable: it can change behind us. */
            escape_variable(run, state, value->variable, LL_FATE_UNKNOWN, true);
            forget_fact(run, state, value->variable);
        }
        if (!is_variable(run, operation->target))
            return PATH_GOES_ON;
        ll_index source = named && value->kind == LL_VALUE_VARIABLE ? value->variable : LL_NONE;
        if (assign_variable(run, state, operation->target, source, operation->location, at) < 0)
            return -1;
        value_set *fact = fact_of(run, state, operation->target);
        if (fact && (value->kind == LL_VALUE_CONSTANT || value->kind == LL_VALUE_NULL)) {
            int64_t constant = value->kind == LL_VALUE_CONSTANT ? value->constant : 0;
            set_clear(fact);
            set_add(fact, constant, constant);
        }
        return PATH_GOES_ON;
    }
    case LL_OPERATION_STORE:
        if (named) {
            escape_variable(run, state, value->variable, LL_FATE_ESCAPED,
                            value->kind == LL_VALUE_ADDRESS);
            if (value->kind == LL_VALUE_ADDRESS)
                forget_fact(run, state, value->variable);
        }
        return PATH_GOES_ON;
    case LL_OPERATION_USE:
        if (named && value->kind == LL_VALUE_ADDRESS)
            forget_fact(run, state, value->variable);
        return PATH_GOES_ON;
    }
    return PATH_GOES_ON;
}

/* How a test of a deciding variable settles a pending handle: the side
 * failed when every value it allows satisfies `failed`, and succeeded when
 * every value satisfies `succeeded`; otherwise it stays pending. */
typedef struct verdict {
    enum ll_relation failed;
    int64_t failed_constant;
    enum ll_relation succeeded;
    int64_t succeeded_constant;
} verdict;

/* The verdict for a MAYBE or JOINING handle; false when none applies. */
static bool verdict_of(unsigned char status, const ll_acquire_rule *acquire, verdict *how)
{
    static const verdict join = {LL_RELATION_NOT_EQUAL, 0, LL_RELATION_NOT_EQUAL, -1};
    static const verdict null = {LL_RELATION_EQUAL, 0, LL_RELATION_NOT_EQUAL, 0};
    static const verdict negative = {LL_RELATION_LESS, 0, LL_RELATION_GREATER_EQUAL, 0};
    static const verdict nonzero = {LL_RELATION_NOT_EQUAL, 0, LL_RELATION_EQUAL, 0};
    if (status == STATUS_JOINING) {
        /* Joins return 0 when the task finished, and -1 (or an error
           number) when they did not: a side without 0 failed, a side
           without -1 joined - `r != 0`, `r < 0` and `r == -1` all read. */
        *how = join;
        return true;
    }
    if (status != STATUS_MAYBE)
        return false;
    switch (acquire->failure) {
    case LL_FAILURE_NULL:
        *how = null;
        return true;
    case LL_FAILURE_NEGATIVE:
        *how = negative;
        return true;
    case LL_FAILURE_NONZERO_RETURN:
        *how = nonzero;
        return true;
    case LL_FAILURE_NONE:
        break;
    }
    return false;
}

/* Whether `known`, the values an alias of an owned handle can have on a
 * path, contradicts owning it (it is NULL, or a failed fd). A queue item
 * may be anything, NULL included. */
static bool contradicts_owned(const ownership_run *run, const acquisition *site, ll_index variable,
                              const value_set *known)
{
    enum ll_relation relation = LL_RELATION_EQUAL;
    int64_t constant = 0;
    if (site->keyed)
        return false;
    if (site->acquire->failure == LL_FAILURE_NEGATIVE)
        relation = LL_RELATION_LESS;
    else if (site->acquire->failure != LL_FAILURE_NULL &&
             !run->function->variables[variable].is_pointer)
        return false;
    return set_within(known, relation, constant);
}

/* Applies `variable relation constant` (what holds on one side of the
 * branch at `where`) to a state: resolves the handles it decides and
 * narrows what is known about the variable. False when the side cannot be
 * taken. */
static bool decide(ownership_run *run, unsigned char *state, ll_index variable,
                   enum ll_relation relation, int64_t constant, ll_location where)
{
    value_set holds;
    value_set known;
    set_of_relation(&holds, relation, constant);
    value_set *fact = fact_of(run, state, variable);
    if (fact)
        set_intersect(&known, fact, &holds);
    else
        known = holds;
    if (known.count == 0)
        return false;
    for (uint32_t site = 0; site < run->site_count; site++)
        if (state[site] == STATUS_OWNED && bit_test(aliases_of(run, state, site), variable) &&
            contradicts_owned(run, &run->sites[site], variable, &known))
            return false;
    for (uint32_t site = 0; site < run->site_count; site++) {
        if (!is_held(state[site]) || !bit_test(deciders_of(run, state, site), variable))
            continue;
        bool maybe = state[site] == STATUS_MAYBE;
        verdict how;
        if (!verdict_of(state[site], run->sites[site].acquire, &how))
            continue;
        /* A failed acquisition is not ours; a failed join leaves it ours. */
        if (set_within(&known, how.failed, how.failed_constant))
            settle(run, state, site, maybe ? STATUS_NONE : STATUS_OWNED, where);
        else if (set_within(&known, how.succeeded, how.succeeded_constant))
            settle(run, state, site, maybe ? STATUS_OWNED : STATUS_NONE, where);
    }
    if (fact)
        *fact = known;
    return true;
}

/* ---- Exploration ----------------------------------------------------------------- */

static unsigned char *state_of_node(const ownership_run *run, uint32_t n)
{
    return run->states + (size_t)n * run->state_size;
}

/* Forgets, at the entry of `block`, what no later test can read: facts and
 * deciders of variables assigned before any test of them. Fewer distinct
 * states, same answers. */
static void prune(const ownership_run *run, unsigned char *state, ll_index block)
{
    const uint64_t *live = run->live + (size_t)block * run->words;
    for (ll_index variable = 0; variable < run->function->variable_count; variable++) {
        if (!bit_test(live, variable))
            forget_fact(run, state, variable);
    }
    /* A word at a time: this runs on every push, and a bit at a time per
       variable and site was most of the engine's time. */
    for (uint32_t site = 0; site < run->site_count; site++) {
        uint64_t *deciders = deciders_of(run, state, site);
        for (uint32_t w = 0; w < run->words; w++)
            deciders[w] &= live[w];
    }
    for (uint32_t site = 0; site < run->site_count; site++) {
        if (state[site] != STATUS_JOINING)
            continue;
        const uint64_t *deciders = deciders_of(run, state, site);
        bool undecided = true;
        for (uint32_t w = 0; w < run->words; w++)
            undecided = undecided && deciders[w] == 0;
        if (undecided)
            state[site] = STATUS_OWNED; /* nothing will test the join's result */
    }
}

/* A handle still held on the edge from `from` to `to` outlives its loop
 * iteration when the edge leaves the loop. (The back edge is seen when
 * the acquisition runs again.) */
static void leave_loops(ownership_run *run, const unsigned char *state, ll_index from, ll_index to)
{
    for (uint32_t site = 0; site < run->site_count; site++) {
        if (run->sites[site].loop == LL_NONE || !is_held(state[site]))
            continue;
        const uint64_t *blocks = run->loop_blocks + (size_t)site * run->block_words;
        if (bit_test(blocks, from) && !bit_test(blocks, to))
            run->fates[site] |= LL_FATE_LEFT_LOOP;
    }
}

static int grow_nodes(ownership_run *run)
{
    uint32_t capacity = run->node_capacity ? run->node_capacity * 2 : 64;
    node *nodes = realloc(run->nodes, capacity * sizeof *nodes);
    if (!nodes)
        return -1;
    run->nodes = nodes;
    unsigned char *states = realloc(run->states, (size_t)capacity * run->state_size);
    if (!states)
        return -1;
    run->states = states;
    run->node_capacity = capacity;
    return 0;
}

/* Adds the pair (block, state) reached from node `parent` through its
 * successor `edge`, unless it was seen. */
static int push(ownership_run *run, unsigned char *state, uint32_t parent, uint32_t edge,
                ll_index block)
{
    if (block >= run->function->block_count)
        return 0;
    if (parent != NO_NODE)
        leave_loops(run, state, run->nodes[parent].block, block);
    prune(run, state, block);
    uint32_t *seen = run->block_nodes + (size_t)block * run->state_limit;
    uint64_t *hashes = run->block_hashes + (size_t)block * run->state_limit;
    uint32_t count = run->block_node_count[block];
    /* States are compared by hash first: most pushes meet states that
       differ, and a full comparison of each was most of the engine's time. */
    uint64_t hash = XXH3_64bits(state, run->state_size);
    for (uint32_t i = 0; i < count; i++)
        if (hashes[i] == hash && memcmp(state_of_node(run, seen[i]), state, run->state_size) == 0)
            return 0;
    if (count == run->state_limit) {
        run->gave_up = true;
        return 0;
    }
    if (run->node_count == run->node_capacity && grow_nodes(run) < 0)
        return -1;
    uint32_t n = run->node_count++;
    run->nodes[n] = (node){block, parent, edge};
    memcpy(state_of_node(run, n), state, run->state_size);
    seen[count] = n;
    hashes[count] = hash;
    run->block_node_count[block] = count + 1;
    return 0;
}

/* What a returned value is, when it is not a handle held. */
static uint32_t returned_kind(const ownership_run *run, unsigned char *state, const ll_value *value)
{
    int64_t constant;
    switch (value->kind) {
    case LL_VALUE_NULL:
        return LL_RETURNS_ZERO;
    case LL_VALUE_CONSTANT:
        constant = value->constant;
        break;
    case LL_VALUE_VARIABLE: {
        value_set *fact = fact_of(run, state, value->variable);
        if (!fact)
            return LL_RETURNS_OTHER;
        if (set_within(fact, LL_RELATION_EQUAL, 0))
            return LL_RETURNS_ZERO;
        if (set_within(fact, LL_RELATION_LESS, 0))
            return LL_RETURNS_NEGATIVE;
        if (set_within(fact, LL_RELATION_GREATER, 0))
            return LL_RETURNS_POSITIVE;
        return LL_RETURNS_OTHER;
    }
    default:
        return LL_RETURNS_OTHER;
    }
    if (constant == 0)
        return LL_RETURNS_ZERO;
    return constant < 0 ? LL_RETURNS_NEGATIVE : LL_RETURNS_POSITIVE;
}

/* A `return`: handles still held and not returned are leaked. */
static int transfer_return(ownership_run *run, unsigned char *state, const ll_block *block,
                           cursor at)
{
    const ll_value *returned = &block->returned;
    bool named = (returned->kind == LL_VALUE_VARIABLE || returned->kind == LL_VALUE_ADDRESS) &&
                 is_variable(run, returned->variable);
    bool handle = false;
    for (uint32_t site = 0; site < run->site_count; site++) {
        if (!is_held(state[site]))
            continue;
        if (named && bit_test(aliases_of(run, state, site), returned->variable)) {
            run->fates[site] |= LL_FATE_RETURNED; /* the caller owns it now */
            handle = true;
            continue;
        }
        run->fates[site] |= LL_FATE_HELD;
        if (record_defect(run, site, LL_OWNERSHIP_LEAK, best_alias(run, state, site),
                          block->location, LL_NONE, at) < 0)
            return -1;
    }
    run->returns |= handle ? LL_RETURNS_HANDLE : returned_kind(run, state, returned);
    return 0;
}

static int transfer_branch(ownership_run *run, const unsigned char *state, unsigned char *side,
                           uint32_t parent, const ll_block *block)
{
    const ll_test *test = &block->test;
    bool known = test->relation != LL_RELATION_UNKNOWN && is_variable(run, test->variable);
    for (uint32_t edge = 0; edge < 2; edge++) {
        memcpy(side, state, run->state_size);
        if (known) {
            enum ll_relation relation =
                edge == 0 ? test->relation : ll_relation_negated(test->relation);
            if (!decide(run, side, test->variable, relation, test->constant, block->location))
                continue; /* contradicts an earlier test on this path */
        }
        if (push(run, side, parent, edge, block->successors[edge]) < 0)
            return -1;
    }
    return 0;
}

/* Runs node `n`'s block from its state; `current` and `side` are scratch
 * states. */
static int process(ownership_run *run, uint32_t n, unsigned char *current, unsigned char *side)
{
    const ll_block *block = &run->function->blocks[run->nodes[n].block];
    memcpy(current, state_of_node(run, n), run->state_size);
    cursor at = {n, 0};
    for (; at.operation < block->operation_count; at.operation++) {
        int path = transfer_operation(run, current, &block->operations[at.operation], at);
        if (path < 0)
            return -1;
        if (path == PATH_ENDS)
            return 0; /* a call that never returns: nothing after it runs */
    }
    switch (block->terminator) {
    case LL_TERMINATOR_NORETURN:
        return 0; /* exit(), abort(): the program ends, nothing leaks */
    case LL_TERMINATOR_RETURN:
        return transfer_return(run, current, block, at);
    case LL_TERMINATOR_BRANCH:
        if (block->successor_count == 2)
            return transfer_branch(run, current, side, n, block);
        break;
    case LL_TERMINATOR_JUMP:
    case LL_TERMINATOR_SWITCH:
        break;
    }
    if (block->successor_count == 0) /* falls off the end of the function */
        return transfer_return(run, current, block, at);
    for (uint32_t edge = 0; edge < block->successor_count; edge++) {
        memcpy(side, current, run->state_size);
        if (push(run, side, n, edge, block->successors[edge]) < 0)
            return -1;
    }
    return 0;
}

/* The entry state: every parameter followed is held by its variable. */
static void enter(const ownership_run *run, unsigned char *state)
{
    memset(state, 0, run->state_size);
    for (uint32_t slot = 0; slot < run->fact_count; slot++)
        set_universe((value_set *)(state + run->fact_offset) + slot);
    for (uint32_t site = 0; site < run->site_count; site++) {
        const acquisition *parameter = &run->sites[site];
        if (parameter->call != LL_NONE)
            continue;
        if (parameter->keyed) {
            state[site] = STATUS_OWNED;
            continue;
        }
        state[site] = STATUS_MAYBE;
        bit_assign(aliases_of(run, state, site), parameter->variable, true);
        bit_assign(deciders_of(run, state, site), parameter->variable, true);
    }
}

static int explore(ownership_run *run)
{
    int status = -1;
    unsigned char *current = malloc(run->state_size);
    unsigned char *side = malloc(run->state_size);
    if (!current || !side)
        goto done;
    enter(run, current);
    if (push(run, current, NO_NODE, 0, 0) < 0)
        goto done;
    /* Breadth first: the first defect found for a site has a short path. */
    for (uint32_t n = 0; n < run->node_count && !run->gave_up; n++)
        if (process(run, n, current, side) < 0)
            goto done;
    status = 0;
done:
    free(current);
    free(side);
    return status;
}

/* ---- Preparation ------------------------------------------------------------------ */

static void mark_address(ownership_run *run, const ll_value *value)
{
    if (value->kind == LL_VALUE_ADDRESS && is_variable(run, value->variable))
        run->address_taken[value->variable] = true;
}

static int add_site(ownership_run *run, const acquisition *site)
{
    acquisition *grown = realloc(run->sites, (run->site_count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    run->sites = grown;
    run->sites[run->site_count++] = *site;
    return 0;
}

/* The innermost loop holding `block` (the one with fewest blocks). */
static ll_index innermost_loop(const ll_function *function, ll_index block)
{
    ll_index innermost = LL_NONE;
    for (ll_index l = 0; l < function->loop_count; l++) {
        const ll_loop *loop = &function->loops[l];
        bool inside = false;
        for (uint32_t i = 0; i < loop->body_block_count && !inside; i++)
            inside = loop->body_blocks[i] == block;
        if (inside && (innermost == LL_NONE ||
                       loop->body_block_count < function->loops[innermost].body_block_count))
            innermost = l;
    }
    return innermost;
}

/* The site of an acquiring call, if the analysis follows it: an acquire
 * of the packs or of a summary, of a kind asked for; a queue item only
 * when its queue can be named. */
static int call_site(ownership_run *run, ll_index block, uint32_t index,
                     const ll_operation *operation)
{
    const ll_function_rule *rule = run->rules[operation->call];
    const ll_acquire_rule *acquire = rule ? rule->acquire : summary_acquire(run, operation->call);
    if (!acquire || acquire->place == LL_HANDLE_NONE || acquire->kind >= 32 ||
        !(run->kinds & LL_OWNERSHIP_KIND(acquire->kind)))
        return 0;
    acquisition site = {operation->call,
                        block,
                        index,
                        acquire,
                        0,
                        LL_NONE,
                        false,
                        {KEY_NONE, LL_NONE, NULL, 0, false},
                        LL_NONE};
    if (acquire->kind == LL_RESOURCE_QUEUE_ITEM) {
        const ll_call *call = &run->function->calls[operation->call];
        uint32_t queue = rule ? ll_ownership_queue_argument(rule, call->argument_count) : 0;
        site.key = key_of_argument(run, call, queue);
        if (site.key.kind == KEY_NONE)
            return 0;
        site.keyed = true;
    }
    site.loop = innermost_loop(run->function, block);
    run->site_of_call[operation->call] = run->site_count;
    return add_site(run, &site);
}

/* The parameters followed for a summary: as handles (`parameters`), and
 * as queues (`queue_parameters`). */
static int parameter_sites(ownership_run *run)
{
    const ll_function *function = run->function;
    for (uint32_t pass = 0; pass < 2; pass++) {
        uint32_t mask = pass == 0 ? run->parameters : run->queue_parameters;
        for (ll_index v = 0; mask && v < function->variable_count; v++) {
            const ll_variable *variable = &function->variables[v];
            if (variable->kind != LL_VARIABLE_PARAMETER || variable->parameter == 0 ||
                variable->parameter > 32 || !(mask >> (variable->parameter - 1) & 1u))
                continue;
            acquisition site = {LL_NONE,
                                0,
                                0,
                                NULL,
                                variable->parameter,
                                v,
                                pass == 1,
                                {KEY_NONE, LL_NONE, NULL, 0, false},
                                LL_NONE};
            if (pass == 1) {
                site.acquire = &parameter_queue;
                site.key.kind = KEY_VARIABLE;
                site.key.variable = v;
            } else {
                site.acquire = variable->is_pointer ? &parameter_pointer : &parameter_integer;
            }
            if (add_site(run, &site) < 0)
                return -1;
        }
    }
    return 0;
}

/* The rule of every call, the followed sites, and the variables whose
 * address is taken (they can change behind the analysis's back). */
static int find_sites(ownership_run *run, ll_packs *packs)
{
    const ll_function *function = run->function;
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_call *call = &function->calls[c];
        run->site_of_call[c] = LL_NONE;
        if (call->callee_kind == LL_CALLEE_DIRECT && call->callee_name)
            run->rules[c] = ll_packs_lookup(packs, call->callee_name);
        for (uint32_t i = 0; i < call->argument_count; i++)
            mark_address(run, &call->arguments[i]);
    }
    for (ll_index b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        mark_address(run, &block->returned);
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            mark_address(run, &operation->value);
            if (operation->kind == LL_OPERATION_CALL && operation->call < function->call_count &&
                run->site_of_call[operation->call] == LL_NONE &&
                call_site(run, b, o, operation) < 0)
                return -1;
        }
    }
    return parameter_sites(run);
}

/* Which variables some test may read later, at each block's entry (a
 * backward liveness over tests; a copy passes it on to its source). */
static int compute_liveness(ownership_run *run)
{
    const ll_function *function = run->function;
    size_t bytes = run->words * sizeof(uint64_t);
    uint64_t *live = malloc(bytes);
    if (!live)
        return -1;
    bool changed = true;
    while (changed) {
        changed = false;
        for (ll_index b = function->block_count; b-- > 0;) {
            const ll_block *block = &function->blocks[b];
            memset(live, 0, bytes);
            for (uint32_t i = 0; i < block->successor_count; i++) {
                if (block->successors[i] >= function->block_count)
                    continue;
                const uint64_t *after = run->live + (size_t)block->successors[i] * run->words;
                for (uint32_t w = 0; w < run->words; w++)
                    live[w] |= after[w];
            }
            if (block->terminator == LL_TERMINATOR_BRANCH &&
                block->test.relation != LL_RELATION_UNKNOWN &&
                is_variable(run, block->test.variable))
                bit_assign(live, block->test.variable, true);
            for (uint32_t o = block->operation_count; o-- > 0;) {
                const ll_operation *operation = &block->operations[o];
                if ((operation->kind != LL_OPERATION_CALL &&
                     operation->kind != LL_OPERATION_ASSIGN) ||
                    !is_variable(run, operation->target))
                    continue;
                bool read = bit_test(live, operation->target);
                bit_assign(live, operation->target, false);
                if (read && operation->kind == LL_OPERATION_ASSIGN &&
                    operation->value.kind == LL_VALUE_VARIABLE &&
                    is_variable(run, operation->value.variable))
                    bit_assign(live, operation->value.variable, true);
            }
            uint64_t *before = run->live + (size_t)b * run->words;
            if (memcmp(before, live, bytes) != 0) {
                memcpy(before, live, bytes);
                changed = true;
            }
        }
    }
    free(live);
    return 0;
}

/* Facts are kept for variables some branch tests and whose address is
 * not taken. */
static void assign_fact_slots(ownership_run *run)
{
    const ll_function *function = run->function;
    for (ll_index variable = 0; variable < function->variable_count; variable++)
        run->fact_slot[variable] = LL_NONE;
    for (ll_index b = 0; b < function->block_count; b++) {
        const ll_test *test = &function->blocks[b].test;
        if (function->blocks[b].terminator != LL_TERMINATOR_BRANCH ||
            test->relation == LL_RELATION_UNKNOWN || !is_variable(run, test->variable) ||
            run->address_taken[test->variable] || run->fact_slot[test->variable] != LL_NONE)
            continue;
        run->fact_slot[test->variable] = run->fact_count++;
    }
}

/* The blocks of each site's loop, as sets. */
static int mark_loops(ownership_run *run)
{
    const ll_function *function = run->function;
    run->block_words = (function->block_count + 63) / 64;
    run->loop_blocks =
        calloc((size_t)run->site_count * run->block_words + 1, sizeof *run->loop_blocks);
    if (!run->loop_blocks)
        return -1;
    for (uint32_t site = 0; site < run->site_count; site++) {
        if (run->sites[site].loop == LL_NONE)
            continue;
        const ll_loop *loop = &function->loops[run->sites[site].loop];
        uint64_t *blocks = run->loop_blocks + (size_t)site * run->block_words;
        for (uint32_t i = 0; i < loop->body_block_count; i++)
            if (loop->body_blocks[i] < function->block_count)
                bit_assign(blocks, loop->body_blocks[i], true);
    }
    return 0;
}

static int prepare(ownership_run *run, ll_packs *packs)
{
    const ll_function *function = run->function;
    size_t calls = function->call_count ? function->call_count : 1;
    size_t variables = function->variable_count ? function->variable_count : 1;
    run->rules = calloc(calls, sizeof *run->rules);
    run->site_of_call = calloc(calls, sizeof *run->site_of_call);
    run->unknown_call = calloc(calls, sizeof *run->unknown_call);
    run->address_taken = calloc(variables, sizeof *run->address_taken);
    run->fact_slot = calloc(variables, sizeof *run->fact_slot);
    if (!run->rules || !run->site_of_call || !run->unknown_call || !run->address_taken ||
        !run->fact_slot)
        return -1;
    if (find_sites(run, packs) < 0)
        return -1;
    if (run->site_count == 0)
        return 0; /* nothing to follow */

    run->words = (function->variable_count + 63) / 64;
    if (run->words == 0)
        run->words = 1;
    run->live = calloc((size_t)function->block_count * run->words, sizeof *run->live);
    if (!run->live || compute_liveness(run) < 0 || mark_loops(run) < 0)
        return -1;
    assign_fact_slots(run);

    size_t set_bytes = (size_t)run->site_count * run->words * sizeof(uint64_t);
    run->alias_offset = ((size_t)run->site_count + 7) / 8 * 8; /* aligns the sets */
    run->decider_offset = run->alias_offset + set_bytes;
    run->fact_offset = run->decider_offset + set_bytes;
    run->state_size = run->fact_offset + (size_t)run->fact_count * sizeof(value_set);

    run->joined = calloc(run->site_count, sizeof *run->joined);
    run->found = calloc(run->site_count, sizeof *run->found);
    run->defects = calloc(run->site_count, sizeof *run->defects);
    run->fates = calloc(run->site_count, sizeof *run->fates);
    run->released = calloc(run->site_count, sizeof *run->released);
    run->block_nodes = malloc((size_t)function->block_count * run->state_limit * sizeof(uint32_t));
    run->block_hashes = malloc((size_t)function->block_count * run->state_limit * sizeof(uint64_t));
    run->block_node_count = calloc(function->block_count, sizeof *run->block_node_count);
    if (!run->joined || !run->found || !run->defects || !run->fates || !run->released ||
        !run->block_nodes || !run->block_hashes || !run->block_node_count)
        return -1;
    return 0;
}

static void analysis_free(ownership_run *run)
{
    for (uint32_t site = 0; run->found && site < run->site_count; site++)
        if (run->found[site])
            free(run->defects[site].steps);
    free(run->rules);
    free(run->site_of_call);
    free(run->unknown_call);
    free(run->address_taken);
    free(run->fact_slot);
    free(run->sites);
    free(run->live);
    free(run->loop_blocks);
    free(run->joined);
    free(run->found);
    free(run->defects);
    free(run->fates);
    free(run->released);
    free(run->block_nodes);
    free(run->block_hashes);
    free(run->block_node_count);
    free(run->nodes);
    free(run->states);
}

/* What became of each site's handle. */
static int collect_handles(const ownership_run *run, ll_ownership_result *result)
{
    if (run->site_count == 0)
        return 0;
    result->handles = calloc(run->site_count, sizeof *result->handles);
    if (!result->handles)
        return -1;
    for (uint32_t site = 0; site < run->site_count; site++) {
        const acquisition *where = &run->sites[site];
        ll_ownership_handle *handle = &result->handles[result->handle_count++];
        handle->call = where->call;
        handle->parameter = where->parameter;
        handle->queue = where->call == LL_NONE && where->keyed;
        handle->acquire = where->acquire;
        handle->loop = where->loop;
        handle->fates = run->fates[site];
        handle->released = run->released[site];
    }
    return 0;
}

/* Moves the defects (in the order of the sites) and the fates into the
 * result; no defects when the analysis gave up: a partial exploration
 * would report paths it did not check. */
static int collect(ownership_run *run, ll_ownership_result *result)
{
    for (ll_index c = 0; c < run->function->call_count; c++)
        if (run->unknown_call && run->unknown_call[c])
            result->unknown_calls++;
    result->gave_up = run->gave_up;
    result->returns = run->returns;
    if (collect_handles(run, result) < 0)
        return -1;
    if (run->gave_up || run->site_count == 0)
        return 0;
    uint32_t count = 0;
    for (uint32_t site = 0; site < run->site_count; site++)
        count += run->found[site];
    if (count == 0)
        return 0;
    result->defects = calloc(count, sizeof *result->defects);
    if (!result->defects)
        return -1;
    for (uint32_t site = 0; site < run->site_count; site++) {
        if (!run->found[site])
            continue;
        result->defects[result->defect_count++] = run->defects[site];
        run->found[site] = false; /* the result owns its steps now */
    }
    return 0;
}

/* When nothing is followed, only the returns are wanted: a function with
 * no site still has returns that a summary reads. They are those of the
 * return blocks, read without paths. */
static void plain_returns(ownership_run *run)
{
    const ll_function *function = run->function;
    for (ll_index b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        if (block->terminator == LL_TERMINATOR_RETURN)
            run->returns |= block->returned.kind == LL_VALUE_VARIABLE
                                ? LL_RETURNS_OTHER
                                : returned_kind(run, NULL, &block->returned);
        else if (block->terminator != LL_TERMINATOR_NORETURN && block->successor_count == 0)
            run->returns |= LL_RETURNS_OTHER;
    }
}

int ll_ownership_analyze(const ll_function *function, ll_packs *packs,
                         const ll_ownership_options *options, ll_ownership_result *result)
{
    memset(result, 0, sizeof *result);
    if (function->block_count == 0)
        return 0;
    ownership_run run;
    memset(&run, 0, sizeof run);
    run.function = function;
    run.kinds = options->kinds;
    run.state_limit = options->state_limit ? options->state_limit : LL_OWNERSHIP_STATE_LIMIT;
    run.packs = packs;
    run.program = options->program;
    run.summaries = options->program ? options->summaries : NULL;
    run.id = run.program ? ll_program_function_id(run.program, function) : LL_NONE;
    run.parameters = options->parameters;
    run.queue_parameters = options->queue_parameters;
    if (prepare(&run, packs) < 0)
        goto fail;
    if (run.site_count > 0 && explore(&run) < 0)
        goto fail;
    if (run.site_count == 0)
        plain_returns(&run);
    if (collect(&run, result) < 0)
        goto fail;
    analysis_free(&run);
    return 0;
fail:
    analysis_free(&run);
    ll_ownership_result_free(result);
    return -1;
}

void ll_ownership_result_free(ll_ownership_result *result)
{
    for (uint32_t i = 0; i < result->defect_count; i++)
        free(result->defects[i].steps);
    free(result->defects);
    free(result->handles);
    memset(result, 0, sizeof *result);
}

void ll_ownership_account(const ll_ownership_result *result, ll_statistics *statistics)
{
    if (!statistics)
        return;
    statistics->ownership_unknown += result->unknown_calls;
    if (result->gave_up)
        statistics->ownership_gave_up++;
}
