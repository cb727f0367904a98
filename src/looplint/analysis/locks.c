/*
 * locks.c - lock summaries and the held-locks dataflow (locks.h). Which
 * functions may suspend, and the program's calls resolved once, come
 * from suspend.h.
 *
 * The dataflow: every call is planned once - the releases it performs,
 * whether it suspends, the locks it takes (its "sites") - from the packs,
 * or from the summary of the user function it calls. A state is two bit
 * sets over the sites: held, and pending (a trylock whose result has not
 * been tested yet: the branch on that result decides, holding the lock on
 * the side where the result is 0). A worklist runs to the fixpoint (the
 * union at joins; sets only grow, so it ends), then every reached block
 * is replayed once more to record what the checks and the summaries need:
 * the locks held at each suspending call, the locks held at each return,
 * and the releases that found nothing of the function's own to release.
 *
 * Summaries are made bottom-up (an iterative depth-first search gives the
 * callees first), so that a caller sees what each callee returns holding
 * and what it releases of its caller's.
 */
#include "locks.h"

#include "callsite.h"
#include "suspend.h"

#include <stdlib.h>
#include <string.h>

/* ---- Tokens ---------------------------------------------------------------------- */

/* Names are tokens joined by single spaces, as in ll_call.text. */

static bool identifier_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool identifier_char(char c)
{
    return identifier_start(c) || (c >= '0' && c <= '9');
}

/* The token starting at text[at], as its length (0 at the end). */
static size_t token_length(const char *text, size_t at)
{
    size_t end = at;
    while (text[end] && text[end] != ' ')
        end++;
    return end - at;
}

static bool token_is(const char *token, size_t length, const char *word)
{
    return strlen(word) == length && memcmp(token, word, length) == 0;
}

/* Whether a token that follows `previous` names a variable: an identifier
 * not read as a member (`c -> lock`: c may, lock may not). */
static bool names_variable(const char *previous, size_t previous_length, const char *token,
                           size_t length)
{
    if (length == 0 || !identifier_start(token[0]))
        return false;
    return !previous ||
           !(token_is(previous, previous_length, "->") || token_is(previous, previous_length, "."));
}

/* Whether the name of a lock mentions variable `variable`. */
static bool mentions(const char *name, const char *variable)
{
    const char *previous = NULL;
    size_t previous_length = 0;
    for (size_t at = 0; name[at];) {
        size_t length = token_length(name, at);
        if (names_variable(previous, previous_length, name + at, length) &&
            token_is(name + at, length, variable))
            return true;
        previous = name + at;
        previous_length = length;
        at += length;
        while (name[at] == ' ')
            at++;
    }
    return false;
}

/* The tokens of argument `position` (from 1) of a call, split off its
 * text ("pthread_mutex_lock ( & c -> lock )" gives "& c -> lock"): a
 * malloc'd string, or NULL when the argument is empty, when the text does
 * not split into as many arguments as the call has (a macro with other
 * parameters), or out of memory. */
static char *argument_tokens(const ll_call *call, uint32_t position)
{
    const char *text;
    size_t length;
    if (!ll_call_argument_text(call, position, &text, &length) || length == 0)
        return NULL;
    char *copy = malloc(length + 1);
    if (copy) {
        memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

/* Drops a leading "& " in place: a lock is named by what it is, and
 * `&m` and a pointer `m` are both "the lock m" to their readers. */
static char *without_address(char *tokens)
{
    if (tokens && tokens[0] == '&' && tokens[1] == ' ')
        memmove(tokens, tokens + 2, strlen(tokens + 2) + 1);
    return tokens;
}

const char *ll_lock_spelling(const char *name, char *buffer, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return buffer;
    for (size_t at = 0; name[at] && used + 1 < size; at++) {
        bool keep = name[at] != ' ' ||
                    (at > 0 && identifier_char(name[at - 1]) && identifier_char(name[at + 1]));
        if (keep)
            buffer[used++] = name[at];
    }
    buffer[used] = '\0';
    return buffer;
}

/* A growing string. */
typedef struct text {
    char *data;
    size_t length, capacity;
    bool failed;
} text;

static void text_append(text *text, const char *data, size_t length)
{
    if (text->failed)
        return;
    if (!text->data || text->length + length + 2 > text->capacity) {
        size_t capacity = (text->length + length + 2) * 2;
        char *grown = realloc(text->data, capacity);
        if (!grown) {
            text->failed = true;
            return;
        }
        text->data = grown;
        text->capacity = capacity;
    }
    if (text->length)
        text->data[text->length++] = ' ';
    memcpy(text->data + text->length, data, length);
    text->length += length;
    text->data[text->length] = '\0';
}

/* The variable of `function` spelled `token`, or LL_NONE. */
static ll_index variable_named(const ll_function *function, const char *token, size_t length)
{
    for (ll_index v = 0; v < function->variable_count; v++) {
        const char *name = function->variables[v].name;
        if (name && token_is(token, length, name))
            return v;
    }
    return LL_NONE;
}

/* Puts in `argument` for the parameter just read, as a caller would
 * write the result: `&x` dereferenced by `->` is `x .`, and an
 * expression of several tokens gets parentheses before a member access
 * or an index. Whether the token after it (`next`) was used up. */
static bool append_argument(text *out, const char *argument, const char *next, size_t next_length)
{
    bool member = next && token_is(next, next_length, "->");
    if (member && argument[0] == '&' && argument[1] == ' ') {
        text_append(out, argument + 2, strlen(argument + 2));
        text_append(out, ".", 1);
        return true;
    }
    bool postfix =
        next && (member || token_is(next, next_length, ".") || token_is(next, next_length, "["));
    if (postfix && strchr(argument, ' ')) {
        text_append(out, "(", 1);
        text_append(out, argument, strlen(argument));
        text_append(out, ")", 1);
    } else {
        text_append(out, argument, strlen(argument));
    }
    return false;
}

/* A name of `callee`'s spelled in its caller's terms at `call`: each of
 * the callee's parameters replaced by the argument passed for it. *name
 * is NULL when that cannot be done (the name mentions one of the callee's
 * locals, or an argument cannot be read). 0, or -1 when out of memory. */
static int translate(const ll_function *callee, const char *name, const ll_call *call,
                     char **translated)
{
    text out = {NULL, 0, 0, false};
    const char *previous = NULL;
    size_t previous_length = 0;
    *translated = NULL;
    for (size_t at = 0; name[at];) {
        size_t length = token_length(name, at);
        const char *token = name + at;
        size_t next_at = at + length;
        while (name[next_at] == ' ')
            next_at++;
        const char *next = name[next_at] ? name + next_at : NULL;
        size_t next_length = next ? token_length(name, next_at) : 0;
        ll_index variable = names_variable(previous, previous_length, token, length)
                                ? variable_named(callee, token, length)
                                : LL_NONE;
        if (variable == LL_NONE) {
            text_append(&out, token, length);
        } else {
            const ll_variable *parameter = &callee->variables[variable];
            char *argument = parameter->kind == LL_VARIABLE_PARAMETER
                                 ? argument_tokens(call, parameter->parameter)
                                 : NULL;
            if (!argument) {
                free(out.data);
                return 0; /* a local of the callee, or an unreadable argument */
            }
            if (append_argument(&out, argument, next, next_length)) {
                next_at += next_length; /* `->` became `.` */
                while (name[next_at] == ' ')
                    next_at++;
            }
            free(argument);
        }
        previous = token;
        previous_length = length;
        at = next_at;
    }
    if (out.failed) {
        free(out.data);
        return -1;
    }
    *translated = without_address(out.data);
    return 0;
}

/* ---- The summaries ------------------------------------------------------------------ */

/* A release a call performs: of the lock `key` (a name, NULL when it
 * cannot be read: then of every lock of its types). */
struct release {
    char *key;
    const char *const *types;
    uint32_t type_count;
};

struct summary {
    ll_lock *returned; /* the locks it may return holding */
    uint32_t returned_count;
    struct release *releases; /* releases of locks it did not take */
    uint32_t release_count;
};

/* The suspensions of the program (suspend.h), which also resolved its
 * calls, and a summary per function. */
struct ll_locks {
    const ll_program *program;
    ll_packs *packs;
    uint32_t function_count;
    ll_suspend *suspend;
    struct summary *summaries; /* by id */
};

static void release_clear(struct release *release)
{
    free(release->key);
    release->key = NULL;
}

static void summary_clear(struct summary *summary)
{
    for (uint32_t l = 0; l < summary->returned_count; l++)
        free(summary->returned[l].name);
    free(summary->returned);
    for (uint32_t r = 0; r < summary->release_count; r++)
        release_clear(&summary->releases[r]);
    free(summary->releases);
    memset(summary, 0, sizeof *summary);
}

/* What the packs say about a direct call; NULL for anything else. */
static const ll_function_rule *call_rule(ll_packs *packs, const ll_call *call)
{
    if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name || !packs)
        return NULL;
    return ll_packs_lookup(packs, call->callee_name);
}

/* Whether a call of user function `callee` can suspend the caller. */
static bool callee_suspends(const ll_locks *locks, uint32_t callee)
{
    return ll_suspend_function_suspends(locks->suspend, callee);
}

uint32_t ll_locks_suspending_callee(const ll_locks *locks, uint32_t id, ll_index call)
{
    return ll_suspend_callee(locks->suspend, id, call);
}

bool ll_locks_call_suspends(const ll_locks *locks, uint32_t id, ll_index call)
{
    return ll_suspend_call_suspends(locks->suspend, id, call);
}

ll_index ll_locks_suspension(const ll_locks *locks, uint32_t id)
{
    return ll_suspend_first_call(locks->suspend, id);
}

bool ll_locks_may_suspend(const ll_locks *locks, uint32_t id)
{
    return ll_suspend_may_suspend(locks->suspend, id);
}

const ll_lock *ll_locks_returned(const ll_locks *locks, uint32_t id, uint32_t *count)
{
    if (id >= locks->function_count) {
        *count = 0;
        return NULL;
    }
    *count = locks->summaries[id].returned_count;
    return locks->summaries[id].returned;
}

/* ---- The dataflow ------------------------------------------------------------------ */

/* What one call does, worked out before the iteration. */
struct plan {
    uint32_t first_site, site_count;       /* the locks it takes */
    uint32_t first_release, release_count; /* what it releases (first) */
    bool suspends;
};

typedef struct analysis {
    const ll_locks *locks;
    uint32_t id;
    const ll_function *function;
    ll_index *targets;  /* by call: where its result goes */
    struct plan *plans; /* by call */

    ll_lock *sites;     /* the locks the function may take */
    ll_index *deciders; /* by site: the variable whose test says whether
                           it was taken (a trylock's result); LL_NONE */
    uint32_t site_count, site_capacity;
    struct release *releases;
    uint32_t release_count, release_capacity;

    size_t words;      /* 64-bit words per set; a state is two sets */
    uint64_t *entries; /* by block: the state at its entry */
    bool *reached;

    /* Recorded by the last pass. */
    bool recording;
    bool failed;         /* out of memory while recording */
    bool *unmatched;     /* by release: found none of the function's locks */
    bool *at_return;     /* by site: may be held at a return */
    bool *unconditional; /* by site: ... at a return not saying "0: held" */
    ll_lock_suspension *suspensions;
    uint32_t suspension_count, suspension_capacity;
} analysis;

/* Makes room for one more element of `size` in *items. */
static int reserve(void **items, size_t size, uint32_t count, uint32_t *capacity)
{
    if (count < *capacity)
        return 0;
    uint32_t bigger = *capacity ? *capacity * 2 : 8;
    void *grown = realloc(*items, (size_t)bigger * size);
    if (!grown)
        return -1;
    *items = grown;
    *capacity = bigger;
    return 0;
}

/* Adds a lock taken by a call; the site owns `name` (freed on failure). */
static int add_site(analysis *analysis, const ll_lock *lock, char *name, ll_index decider)
{
    if (reserve((void **)&analysis->sites, sizeof *analysis->sites, analysis->site_count,
                &analysis->site_capacity) < 0) {
        free(name);
        return -1;
    }
    uint32_t capacity = analysis->site_capacity;
    ll_index *grown = realloc(analysis->deciders, (size_t)capacity * sizeof *grown);
    if (!grown) {
        free(name);
        return -1;
    }
    analysis->deciders = grown;
    analysis->sites[analysis->site_count] = *lock;
    analysis->sites[analysis->site_count].name = name;
    analysis->deciders[analysis->site_count] = decider;
    analysis->site_count++;
    return 0;
}

static int add_release(analysis *analysis, char *key, const char *const *types, uint32_t type_count)
{
    if (reserve((void **)&analysis->releases, sizeof *analysis->releases, analysis->release_count,
                &analysis->release_capacity) < 0) {
        free(key);
        return -1;
    }
    analysis->releases[analysis->release_count++] = (struct release){key, types, type_count};
    return 0;
}

/* A call of a function the packs describe: a release, a suspension, a
 * lock taken (kind=lock, designated by an argument). */
static int plan_rule(analysis *analysis, ll_index index, const ll_function_rule *rule,
                     struct plan *plan)
{
    const ll_call *call = &analysis->function->calls[index];
    plan->suspends = rule->suspend != NULL;
    const ll_release_rule *release = rule->release;
    if (release && release->argument >= 1 && release->argument <= call->argument_count) {
        char *key = without_address(argument_tokens(call, release->argument));
        if (add_release(analysis, key, release->types, release->type_count) < 0)
            return -1;
    }
    const ll_acquire_rule *acquire = rule->acquire;
    if (!acquire || acquire->kind != LL_RESOURCE_LOCK ||
        (acquire->place != LL_HANDLE_OUT && acquire->place != LL_HANDLE_ARGUMENT) ||
        acquire->argument == 0 || acquire->argument > call->argument_count)
        return 0;
    char *name = without_address(argument_tokens(call, acquire->argument));
    if (!name)
        return 0; /* a lock it cannot name: nothing could release it */
    /* A lock whose result nobody tests is simply held (pthread_mutex_lock
       fails only on misuse, and its result is rarely looked at). */
    bool on_success =
        acquire->failure == LL_FAILURE_NONZERO_RETURN && analysis->targets[index] != LL_NONE;
    ll_lock lock = {
        .named = true,
        .type = acquire->type ? acquire->type : "",
        .call = index,
        .callee = LL_NONE,
        .callee_lock = LL_NONE,
        .on_success = on_success,
    };
    return add_site(analysis, &lock, name, on_success ? analysis->targets[index] : LL_NONE);
}

/* What the summary of user function `callee`, called by call `index`,
 * says in this function's terms. */
static int plan_summary(analysis *analysis, ll_index index, uint32_t callee)
{
    const ll_locks *locks = analysis->locks;
    const ll_call *call = &analysis->function->calls[index];
    const ll_function *definition = ll_program_function(locks->program, callee, NULL);
    const struct summary *summary = &locks->summaries[callee];
    for (uint32_t r = 0; r < summary->release_count; r++) {
        const struct release *release = &summary->releases[r];
        char *key = NULL;
        if (release->key && translate(definition, release->key, call, &key) < 0)
            return -1;
        if (add_release(analysis, key, release->types, release->type_count) < 0)
            return -1;
    }
    for (uint32_t l = 0; l < summary->returned_count; l++) {
        const ll_lock *returned = &summary->returned[l];
        char *name = NULL;
        if (returned->named && translate(definition, returned->name, call, &name) < 0)
            return -1;
        ll_lock lock = {
            .named = name != NULL,
            .type = returned->type,
            .call = index,
            .callee = callee,
            .callee_lock = l,
            .on_success = returned->on_success && analysis->targets[index] != LL_NONE,
        };
        if (!name && !(name = strdup(returned->name)))
            return -1;
        ll_index decider = lock.on_success ? analysis->targets[index] : LL_NONE;
        if (add_site(analysis, &lock, name, decider) < 0)
            return -1;
    }
    return 0;
}

/* A call of user functions (several through a function pointer): what
 * their summaries say, in this function's terms - any of them may be the
 * one called. */
static int plan_callees(analysis *analysis, ll_index index, struct plan *plan)
{
    const uint32_t *callees;
    uint32_t count = ll_suspend_callees(analysis->locks->suspend, analysis->id, index, &callees);
    for (uint32_t k = 0; k < count; k++) {
        plan->suspends |= callee_suspends(analysis->locks, callees[k]);
        if (plan_summary(analysis, index, callees[k]) < 0)
            return -1;
    }
    return 0;
}

static int plan_calls(analysis *analysis)
{
    const ll_function *function = analysis->function;
    const ll_locks *locks = analysis->locks;
    for (ll_index c = 0; c < function->call_count; c++)
        analysis->targets[c] = LL_NONE;
    for (uint32_t b = 0; b < function->block_count; b++)
        for (uint32_t o = 0; o < function->blocks[b].operation_count; o++) {
            const ll_operation *operation = &function->blocks[b].operations[o];
            if (operation->kind == LL_OPERATION_CALL && operation->call < function->call_count)
                analysis->targets[operation->call] = operation->target;
        }
    for (ll_index c = 0; c < function->call_count; c++) {
        struct plan *plan = &analysis->plans[c];
        *plan = (struct plan){analysis->site_count, 0, analysis->release_count, 0, false};
        const ll_function_rule *rule = call_rule(locks->packs, &function->calls[c]);
        int planned = rule ? plan_rule(analysis, c, rule, plan) : plan_callees(analysis, c, plan);
        if (planned < 0)
            return -1;
        plan->site_count = analysis->site_count - plan->first_site;
        plan->release_count = analysis->release_count - plan->first_release;
    }
    return 0;
}

/* ---- States ------------------------------------------------------------------------ */

static bool bit(const uint64_t *set, uint32_t index)
{
    return (set[index / 64] >> (index % 64)) & 1;
}

static void set_bit(uint64_t *set, uint32_t index, bool on)
{
    uint64_t mask = (uint64_t)1 << (index % 64);
    if (on)
        set[index / 64] |= mask;
    else
        set[index / 64] &= ~mask;
}

/* A state is the held set followed by the pending set. */
static uint64_t *pending_of(const analysis *analysis, uint64_t *state)
{
    return state + analysis->words;
}

/* Whether site `site` may be held (taken, or maybe taken) in `state`. */
static bool may_hold(const analysis *analysis, uint64_t *state, uint32_t site)
{
    return bit(state, site) || bit(pending_of(analysis, state), site);
}

static void drop(const analysis *analysis, uint64_t *state, uint32_t site)
{
    set_bit(state, site, false);
    set_bit(pending_of(analysis, state), site, false);
}

static bool has_type(const struct release *release, const char *type)
{
    for (uint32_t t = 0; t < release->type_count; t++)
        if (release->types[t] && strcmp(release->types[t], type) == 0)
            return true;
    return false;
}

/* A release frees the locks it names; one that names none of those held
 * (or cannot be read) frees every lock of its types, and is remembered:
 * it may release a lock the caller holds. */
static void apply_release(analysis *analysis, uint32_t index, uint64_t *state)
{
    const struct release *release = &analysis->releases[index];
    bool matched = false;
    for (uint32_t s = 0; release->key && s < analysis->site_count; s++) {
        const ll_lock *site = &analysis->sites[s];
        if (site->named && may_hold(analysis, state, s) && has_type(release, site->type) &&
            strcmp(site->name, release->key) == 0) {
            drop(analysis, state, s);
            matched = true;
        }
    }
    if (matched)
        return;
    for (uint32_t s = 0; s < analysis->site_count; s++)
        if (has_type(release, analysis->sites[s].type))
            drop(analysis, state, s);
    if (analysis->recording)
        analysis->unmatched[index] = true;
}

/* Variable `target` is assigned: a pending trylock it decided is now
 * simply maybe held (the test that could tell is lost), and a lock whose
 * name mentions it is another lock from here on. */
static void assign(analysis *analysis, ll_index target, uint64_t *state)
{
    const ll_function *function = analysis->function;
    if (target >= function->variable_count)
        return;
    const char *name = function->variables[target].name;
    for (uint32_t s = 0; s < analysis->site_count; s++) {
        if (analysis->deciders[s] == target && bit(pending_of(analysis, state), s)) {
            set_bit(pending_of(analysis, state), s, false);
            set_bit(state, s, true);
        }
        const ll_lock *site = &analysis->sites[s];
        if (name && name[0] && site->named && mentions(site->name, name))
            drop(analysis, state, s);
    }
}

static void record_suspension(analysis *analysis, ll_index call, uint64_t *state)
{
    uint32_t held = 0;
    for (uint32_t s = 0; s < analysis->site_count; s++)
        held += may_hold(analysis, state, s);
    if (held == 0 || analysis->failed)
        return;
    uint32_t *sites = malloc(held * sizeof *sites);
    if (!sites || reserve((void **)&analysis->suspensions, sizeof *analysis->suspensions,
                          analysis->suspension_count, &analysis->suspension_capacity) < 0) {
        free(sites);
        analysis->failed = true;
        return;
    }
    held = 0;
    for (uint32_t s = 0; s < analysis->site_count; s++)
        if (may_hold(analysis, state, s))
            sites[held++] = s;
    analysis->suspensions[analysis->suspension_count++] = (ll_lock_suspension){call, sites, held};
}

static void transfer(analysis *analysis, const ll_operation *operation, uint64_t *state)
{
    if (operation->kind == LL_OPERATION_ASSIGN) {
        assign(analysis, operation->target, state);
        return;
    }
    if (operation->kind != LL_OPERATION_CALL || operation->call >= analysis->function->call_count)
        return;
    /* Releases first, then the suspension, then what the call takes: an
       unlock helper has let go before, a lock helper takes it after. */
    const struct plan *plan = &analysis->plans[operation->call];
    for (uint32_t r = 0; r < plan->release_count; r++)
        apply_release(analysis, plan->first_release + r, state);
    if (plan->suspends && analysis->recording)
        record_suspension(analysis, operation->call, state);
    assign(analysis, operation->target, state);
    for (uint32_t s = plan->first_site; s < plan->first_site + plan->site_count; s++) {
        bool pending = analysis->deciders[s] != LL_NONE;
        set_bit(pending ? pending_of(analysis, state) : state, s, true);
    }
}

/* Whether `0 RELATION constant` holds: a trylock's result is 0 when it
 * took the lock. */
static bool zero_satisfies(enum ll_relation relation, int64_t constant)
{
    switch (relation) {
    case LL_RELATION_EQUAL:
        return constant == 0;
    case LL_RELATION_NOT_EQUAL:
        return constant != 0;
    case LL_RELATION_LESS:
        return 0 < constant;
    case LL_RELATION_LESS_EQUAL:
        return 0 <= constant;
    case LL_RELATION_GREATER:
        return 0 > constant;
    case LL_RELATION_GREATER_EQUAL:
        return 0 >= constant;
    case LL_RELATION_UNKNOWN:
        break;
    }
    return true;
}

/* The state along successor `which` of a block ending in `state`: a
 * branch on a trylock's result decides whether it took the lock. */
static void follow_edge(analysis *analysis, const ll_block *block, uint32_t which, uint64_t *state)
{
    const ll_test *test = &block->test;
    if (block->terminator != LL_TERMINATOR_BRANCH || which > 1 ||
        test->relation == LL_RELATION_UNKNOWN || test->variable == LL_NONE)
        return;
    bool zero = zero_satisfies(test->relation, test->constant);
    bool taken = which == 0 ? zero : !zero;
    for (uint32_t s = 0; s < analysis->site_count; s++) {
        if (analysis->deciders[s] != test->variable || !bit(pending_of(analysis, state), s))
            continue;
        set_bit(pending_of(analysis, state), s, false);
        if (taken)
            set_bit(state, s, true);
    }
}

/* A `return` with locks held: the function returns holding them. The
 * caller may count on "held only when it returns 0" when every return
 * that may hold the lock returns the constant 0, or the undecided result
 * of the trylock that took it. */
static void record_return(analysis *analysis, const ll_block *block, uint64_t *state)
{
    const ll_value *returned = &block->returned;
    for (uint32_t s = 0; s < analysis->site_count; s++) {
        if (!may_hold(analysis, state, s))
            continue;
        analysis->at_return[s] = true;
        bool zero = returned->kind == LL_VALUE_CONSTANT && returned->constant == 0;
        bool deciding = returned->kind == LL_VALUE_VARIABLE && !bit(state, s) &&
                        analysis->deciders[s] == returned->variable;
        if (!zero && !deciding)
            analysis->unconditional[s] = true;
    }
}

static uint64_t *entry_of(const analysis *analysis, ll_index block)
{
    return &analysis->entries[(size_t)block * 2 * analysis->words];
}

/* Unions `state` into the entry of `block`; whether it grew. */
static bool merge(analysis *analysis, ll_index block, const uint64_t *state)
{
    uint64_t *entry = entry_of(analysis, block);
    bool grew = !analysis->reached[block];
    analysis->reached[block] = true;
    for (size_t w = 0; w < 2 * analysis->words; w++) {
        uint64_t both = entry[w] | state[w];
        grew |= both != entry[w];
        entry[w] = both;
    }
    return grew;
}

/* Runs the operations of block `b` from its entry over `state`, and
 * merges into the successors (queueing those that grew when `worklist`
 * is not NULL). */
static void run_block(analysis *analysis, ll_index b, uint64_t *state, uint64_t *edge,
                      ll_index *worklist, uint32_t *pending, bool *queued)
{
    const ll_function *function = analysis->function;
    const ll_block *block = &function->blocks[b];
    size_t bytes = 2 * analysis->words * sizeof *state;
    memcpy(state, entry_of(analysis, b), bytes);
    for (uint32_t o = 0; o < block->operation_count; o++)
        transfer(analysis, &block->operations[o], state);
    if (analysis->recording && block->terminator == LL_TERMINATOR_RETURN)
        record_return(analysis, block, state);
    for (uint32_t s = 0; s < block->successor_count; s++) {
        ll_index successor = block->successors[s];
        if (successor >= function->block_count)
            continue;
        memcpy(edge, state, bytes);
        follow_edge(analysis, block, s, edge);
        if (merge(analysis, successor, edge) && worklist && !queued[successor]) {
            queued[successor] = true;
            worklist[(*pending)++] = successor;
        }
    }
}

static int solve(analysis *analysis)
{
    uint32_t count = analysis->function->block_count;
    uint64_t *state = calloc(4 * analysis->words, sizeof *state);
    ll_index *worklist = malloc(((size_t)count + 1) * sizeof *worklist);
    bool *queued = calloc((size_t)count + 1, sizeof *queued);
    int result = -1;
    if (!state || !worklist || !queued)
        goto done;
    uint64_t *edge = state + 2 * analysis->words;
    uint32_t pending = 0;
    merge(analysis, 0, edge); /* nothing is held at the entry */
    worklist[pending++] = 0;
    queued[0] = true;
    while (pending) {
        ll_index b = worklist[--pending];
        queued[b] = false;
        run_block(analysis, b, state, edge, worklist, &pending, queued);
    }
    /* The fixpoint holds: one more pass records what happens there. */
    analysis->recording = true;
    for (ll_index b = 0; b < count; b++)
        if (analysis->reached[b])
            run_block(analysis, b, state, edge, NULL, NULL, NULL);
    result = analysis->failed ? -1 : 0;
done:
    free(state);
    free(worklist);
    free(queued);
    return result;
}

static void analysis_free(analysis *analysis)
{
    free(analysis->targets);
    free(analysis->plans);
    for (uint32_t s = 0; s < analysis->site_count; s++)
        free(analysis->sites[s].name);
    free(analysis->sites);
    free(analysis->deciders);
    for (uint32_t r = 0; r < analysis->release_count; r++)
        release_clear(&analysis->releases[r]);
    free(analysis->releases);
    free(analysis->entries);
    free(analysis->reached);
    free(analysis->unmatched);
    free(analysis->at_return);
    free(analysis->unconditional);
    for (uint32_t s = 0; s < analysis->suspension_count; s++)
        free(analysis->suspensions[s].held);
    free(analysis->suspensions);
}

/* Plans the calls of function `id` and, when it takes or releases any
 * lock, runs the dataflow. 0, or -1 when out of memory (the analysis is
 * to be freed either way). */
static int analyze(const ll_locks *locks, uint32_t id, analysis *analysis)
{
    memset(analysis, 0, sizeof *analysis);
    analysis->locks = locks;
    analysis->id = id;
    analysis->function = ll_program_function(locks->program, id, NULL);
    const ll_function *function = analysis->function;
    if (!function)
        return 0;
    size_t calls = (size_t)function->call_count + 1;
    analysis->targets = malloc(calls * sizeof *analysis->targets);
    analysis->plans = malloc(calls * sizeof *analysis->plans);
    if (!analysis->targets || !analysis->plans || plan_calls(analysis) < 0)
        return -1;
    if ((analysis->site_count == 0 && analysis->release_count == 0) || function->block_count == 0)
        return 0;
    size_t blocks = function->block_count;
    analysis->words = (analysis->site_count + 63) / 64 + 1;
    analysis->entries = calloc(blocks * 2 * analysis->words, sizeof *analysis->entries);
    analysis->reached = calloc(blocks, sizeof *analysis->reached);
    analysis->unmatched = calloc((size_t)analysis->release_count + 1, sizeof *analysis->unmatched);
    analysis->at_return = calloc((size_t)analysis->site_count + 1, sizeof *analysis->at_return);
    analysis->unconditional =
        calloc((size_t)analysis->site_count + 1, sizeof *analysis->unconditional);
    if (!analysis->entries || !analysis->reached || !analysis->unmatched || !analysis->at_return ||
        !analysis->unconditional)
        return -1;
    return solve(analysis);
}

static int compare_suspensions(const void *a, const void *b)
{
    ll_index left = ((const ll_lock_suspension *)a)->call;
    ll_index right = ((const ll_lock_suspension *)b)->call;
    return (left > right) - (left < right);
}

int ll_locks_analyze(const ll_locks *locks, uint32_t id, ll_lock_flow *flow)
{
    analysis analysis;
    memset(flow, 0, sizeof *flow);
    if (analyze(locks, id, &analysis) < 0)
        goto fail;
    /* The flow takes the sites and the suspensions over. */
    flow->locks = analysis.sites;
    flow->lock_count = analysis.site_count;
    flow->suspensions = analysis.suspensions;
    flow->suspension_count = analysis.suspension_count;
    analysis.sites = NULL;
    analysis.site_count = 0;
    analysis.suspensions = NULL;
    analysis.suspension_count = 0;
    if (flow->suspension_count > 1)
        qsort(flow->suspensions, flow->suspension_count, sizeof *flow->suspensions,
              compare_suspensions);
    analysis_free(&analysis);
    return 0;
fail:
    analysis_free(&analysis);
    return -1;
}

void ll_lock_flow_free(ll_lock_flow *flow)
{
    for (uint32_t l = 0; l < flow->lock_count; l++)
        free(flow->locks[l].name);
    free(flow->locks);
    for (uint32_t s = 0; s < flow->suspension_count; s++)
        free(flow->suspensions[s].held);
    free(flow->suspensions);
    memset(flow, 0, sizeof *flow);
}

/* ---- Summaries, bottom-up ----------------------------------------------------------- */

static bool same_release(const struct release *a, const struct release *b)
{
    bool same_key = a->key && b->key ? strcmp(a->key, b->key) == 0 : a->key == b->key;
    return same_key && a->types == b->types && a->type_count == b->type_count;
}

/* Moves what the analysis of function `id` recorded into its summary:
 * the locks held at some return, and the releases that found none of
 * its own locks (without repeats). */
static int summarize(ll_locks *locks, uint32_t id, analysis *analysis)
{
    struct summary *summary = &locks->summaries[id];
    uint32_t returned = 0;
    uint32_t releases = 0;
    for (uint32_t s = 0; s < analysis->site_count; s++)
        returned += analysis->at_return[s];
    for (uint32_t r = 0; r < analysis->release_count; r++)
        releases += analysis->unmatched[r];
    summary->returned = returned ? malloc(returned * sizeof *summary->returned) : NULL;
    summary->releases = releases ? malloc(releases * sizeof *summary->releases) : NULL;
    if ((returned && !summary->returned) || (releases && !summary->releases))
        return -1;
    for (uint32_t s = 0; s < analysis->site_count; s++) {
        if (!analysis->at_return[s])
            continue;
        ll_lock *lock = &summary->returned[summary->returned_count++];
        *lock = analysis->sites[s];
        lock->on_success = !analysis->unconditional[s];
        analysis->sites[s].name = NULL; /* moved */
    }
    for (uint32_t r = 0; r < analysis->release_count; r++) {
        struct release *release = &analysis->releases[r];
        bool seen = false;
        for (uint32_t k = 0; k < summary->release_count && !seen; k++)
            seen = same_release(&summary->releases[k], release);
        if (!analysis->unmatched[r] || seen)
            continue;
        summary->releases[summary->release_count++] = *release;
        release->key = NULL; /* moved */
    }
    return 0;
}

/* The next function that call `*call` of function `id` reaches, from its
 * `*next`-th callee on (both advance); LL_NONE after the last call. */
static uint32_t next_callee(const ll_locks *locks, uint32_t id, ll_index *call, uint32_t *next)
{
    const ll_function *function = ll_program_function(locks->program, id, NULL);
    for (; *call < function->call_count; (*call)++, *next = 0) {
        const uint32_t *callees;
        uint32_t count = ll_suspend_callees(locks->suspend, id, *call, &callees);
        if (*next < count)
            return callees[(*next)++];
    }
    return LL_NONE;
}

/* Summaries in depth-first post-order over the resolved calls: callees
 * before their callers (a call back into a function still on the stack
 * sees its empty summary). */
static int summarize_all(ll_locks *locks)
{
    uint32_t n = locks->function_count;
    struct frame {
        uint32_t id;
        ll_index call; /* the call being followed */
        uint32_t next; /* ... and its next callee */
    } *stack = malloc(((size_t)n + 1) * sizeof *stack);
    unsigned char *seen = calloc((size_t)n + 1, 1);
    int result = -1;
    if (!stack || !seen)
        goto done;
    for (uint32_t root = 0; root < n; root++) {
        if (seen[root])
            continue;
        uint32_t depth = 0;
        stack[depth++] = (struct frame){root, 0, 0};
        seen[root] = 1;
        while (depth) {
            struct frame *top = &stack[depth - 1];
            uint32_t callee = next_callee(locks, top->id, &top->call, &top->next);
            if (callee != LL_NONE) {
                if (!seen[callee]) {
                    seen[callee] = 1;
                    stack[depth++] = (struct frame){callee, 0, 0};
                }
                continue;
            }
            analysis analysis;
            int summarized = analyze(locks, top->id, &analysis);
            if (summarized == 0 && analysis.entries)
                summarized = summarize(locks, top->id, &analysis);
            analysis_free(&analysis);
            if (summarized < 0)
                goto done;
            depth--;
        }
    }
    result = 0;
done:
    free(stack);
    free(seen);
    return result;
}

ll_locks *ll_locks_new(const ll_program *program, ll_packs *packs)
{
    ll_locks *locks = calloc(1, sizeof *locks);
    if (!locks)
        return NULL;
    locks->program = program;
    locks->packs = packs;
    locks->function_count = ll_program_function_count(program);
    locks->summaries = calloc((size_t)locks->function_count + 1, sizeof *locks->summaries);
    locks->suspend = ll_suspend_new(program, packs);
    if (!locks->summaries || !locks->suspend || summarize_all(locks) < 0) {
        ll_locks_free(locks);
        return NULL;
    }
    return locks;
}

void ll_locks_free(ll_locks *locks)
{
    if (!locks)
        return;
    for (uint32_t id = 0; locks->summaries && id < locks->function_count; id++)
        summary_clear(&locks->summaries[id]);
    free(locks->summaries);
    ll_suspend_free(locks->suspend);
    free(locks);
}
