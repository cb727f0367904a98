/*
 * unbounded_spawn.c - `unbounded-spawn`: tasks spawned in a loop driven by
 * data, with nothing bounding how many run at once (RULES.md, "Precise
 * points").
 *
 * A loop that spawns one task per request, per line, per connection
 * starts as many tasks as the data says - and each of them may open a
 * connection, a file, a query. asyncio's answer ("TaskGroup or Semaphore
 * to prevent DDoSing backends") is nest's: take a permit of a semaphore
 * before spawning (or at the start of the task), or spawn a batch into a
 * group and wait for it before the next one.
 *
 * For every loop of a function in loop context whose bound is not a
 * constant (analysis/loop_condition.h: `for (;;)`, `while (has_more())`,
 * `for (i = 0; i < n; i++)` with a parameter `n`; not `for (i = 0; i < 8;
 * i++)`), unless the loop itself takes a permit (a call with the packs'
 * `limiter` role, or of a user function that reaches one - an accept loop
 * that takes a permit before each client), each spawn it reaches is
 * looked at:
 *  - a spawn in the loop itself (a call whose rule is an entry of kind
 *    task), and
 *  - a spawn in a function the loop calls, through any depth of calls (and
 *    the bodies of timeout scopes and shields, which run in the same
 *    task); one called by a task the loop spawns is that task's business.
 * A spawn is bounded when the loop waits for its task on a way around
 * (not on a way out: a wait before a `break` bounds nothing) - in every
 * iteration or a batch at a time: a join of its handle (the `join` role,
 * on the local that holds it; any join when the handle went elsewhere),
 * or a wait for its group (`drain`, or `must-observe` on a function that
 * runs no function of its own: nest_group_wait, on the same group
 * argument), or a call of a user function that joins or waits; for a
 * spawn in a helper, when the helper waits for it, or the loop waits for
 * anything on a way around. It is bounded too when every function it
 * may start takes a permit at its start: on every way from its entry, a
 * limiter call comes before any other suspension point (RULES.md: "spawn
 * loops bounded by a semaphore acquired in the spawned function").
 * When the spawned function cannot be resolved, the check stays silent.
 * Each spawn is reported once, at the spawn call, with notes: the loop
 * and why its bound is data, the calls from the loop down to the spawn,
 * and the chain from a loop root.
 */
#include "check.h"

#include "../analysis/callsite.h"
#include "../analysis/loop_condition.h"
#include "../analysis/reach.h"
#include "../analysis/suspend.h"
#include "../analysis/undrained.h"

#include <stdlib.h>
#include <string.h>

extern const ll_check ll_check_unbounded_spawn;

/* The functions a call through a pointer may reach, or a spawn may start,
 * that are looked at; past that the check stays on the silent side. */
enum { CALLEES_LOOKED_AT = 16 };

/* What the whole program's analysis keeps. */
typedef struct spawns {
    const ll_check_context *context;
    const ll_program *program;
    ll_packs *packs;
    uint32_t function_count;
    ll_reach *reach;
    ll_suspend *suspend;
    ll_reach_mark *limits;   /* by function: takes a permit, itself or below */
    ll_reach_mark *spawners; /* by function: spawns, itself or below */
    ll_reach_mark *waiters;  /* by function: joins or waits for tasks */
    ll_reach_mark *down;     /* a walk from one helper */
    signed char *starts;     /* by function: takes a permit first (1), not
                                (0), not known yet (-1) */
    struct reported {
        uint32_t function;
        ll_index call;
    } *reported;
    uint32_t reported_count;
} spawns;

/* What the walks over one function need, sized by its blocks. */
typedef struct walk_space {
    bool *in_loop;
    bool *goes_around; /* in the loop, and the header follows within it */
    bool *seen;
    ll_index *queue;
} walk_space;

static int walk_space_reserve(walk_space *space, uint32_t block_count)
{
    size_t n = (size_t)block_count + 1;
    space->in_loop = calloc(n, sizeof *space->in_loop);
    space->goes_around = calloc(n, sizeof *space->goes_around);
    space->seen = calloc(n, sizeof *space->seen);
    space->queue = calloc(n, sizeof *space->queue);
    return space->in_loop && space->goes_around && space->seen && space->queue ? 0 : -1;
}

static void walk_space_release(walk_space *space)
{
    free(space->in_loop);
    free(space->goes_around);
    free(space->seen);
    free(space->queue);
}

/* ---- What calls are ------------------------------------------------------------ */

static const ll_function_rule *rule_of(const spawns *s, const ll_call *call)
{
    if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
        return NULL;
    return ll_packs_lookup(s->packs, call->callee_name);
}

/* The task entry of a spawn call, or NULL. */
static const ll_entry_rule *spawn_entry(const ll_function_rule *rule)
{
    for (uint32_t e = 0; rule && e < rule->entry_count; e++)
        if (rule->entries[e].kind == LL_ENTRY_TASK)
            return &rule->entries[e];
    return NULL;
}

/* A join, a drain, or a wait that carries tasks' failure without running
 * a function of its own (a group wait). */
static bool is_wait(const ll_function_rule *rule)
{
    if (!rule)
        return false;
    if (rule->roles & (LL_ROLE_JOIN | LL_ROLE_DRAIN))
        return true;
    return (rule->roles & LL_ROLE_MUST_OBSERVE) && rule->entry_count == 0;
}

/* Whether some user function call `call` of `id` reaches is marked. A
 * call through a pointer that may reach more functions than are looked
 * at might reach a marked one: every mark here (takes a permit, waits,
 * spawns) leads to silence or to a closer look, so it counts as one. */
static bool reaches_marked(const spawns *s, uint32_t id, ll_index call, const ll_reach_mark *marks)
{
    uint32_t callees[CALLEES_LOOKED_AT];
    uint32_t count = ll_program_callees(s->program, id, call, callees, CALLEES_LOOKED_AT);
    if (count > CALLEES_LOOKED_AT)
        return true;
    for (uint32_t k = 0; k < count; k++)
        if (marks[callees[k]].marked)
            return true;
    return false;
}

/* A call that takes a permit: the limiter role, or a user function that
 * reaches one. */
static bool takes_permit(const spawns *s, uint32_t id, ll_index call)
{
    const ll_function *function = ll_program_function(s->program, id, NULL);
    const ll_function_rule *rule = rule_of(s, &function->calls[call]);
    if (rule)
        return (rule->roles & LL_ROLE_LIMITER) != 0;
    return reaches_marked(s, id, call, s->limits);
}

/* ---- Marks over the program ------------------------------------------------------ */

typedef bool (*call_test)(const spawns *s, const ll_call *call);

static bool calls_limiter(const spawns *s, const ll_call *call)
{
    const ll_function_rule *rule = rule_of(s, call);
    return rule && (rule->roles & LL_ROLE_LIMITER);
}

static bool calls_spawn(const spawns *s, const ll_call *call)
{
    return spawn_entry(rule_of(s, call)) != NULL;
}

static bool calls_wait(const spawns *s, const ll_call *call)
{
    return is_wait(rule_of(s, call));
}

/* Marks the functions with a call that `test` accepts, then every
 * function that reaches one in the same task. */
static int mark(const spawns *s, call_test test, ll_reach_mark *marks)
{
    for (uint32_t id = 0; id < s->function_count; id++) {
        const ll_function *function = ll_program_function(s->program, id, NULL);
        marks[id] = (ll_reach_mark){false, LL_NONE, NULL};
        for (ll_index c = 0; c < function->call_count && !marks[id].marked; c++)
            marks[id].marked = test(s, &function->calls[c]);
    }
    return ll_reach_backward(s->reach, LL_REACH_SAME_TASK, marks);
}

/* ---- A permit at the start of a task ---------------------------------------------- */

/* Whether call `call` of `id` suspends (or might: through a pointer that
 * resolves to nothing). */
static bool may_suspend(const spawns *s, uint32_t id, ll_index call)
{
    if (ll_suspend_call_suspends(s->suspend, id, call))
        return true;
    const ll_function *function = ll_program_function(s->program, id, NULL);
    const uint32_t *callees;
    return function->calls[call].callee_kind != LL_CALLEE_DIRECT &&
           ll_suspend_callees(s->suspend, id, call, &callees) == 0;
}

/* Whether, on every way from the entry of function `id`, a call that
 * takes a permit comes before any other that suspends - and one does. */
static bool permit_first(const spawns *s, uint32_t id, walk_space *scratch)
{
    const ll_function *function = ll_program_function(s->program, id, NULL);
    if (function->block_count == 0)
        return false;
    memset(scratch->seen, 0, function->block_count * sizeof *scratch->seen);
    bool permit = false;
    uint32_t head = 0;
    uint32_t tail = 0;
    scratch->queue[tail++] = 0;
    scratch->seen[0] = true;
    while (head < tail) {
        const ll_block *block = &function->blocks[scratch->queue[head++]];
        bool stopped = false;
        for (uint32_t o = 0; o < block->operation_count && !stopped; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->kind != LL_OPERATION_CALL || operation->call >= function->call_count)
                continue;
            if (takes_permit(s, id, operation->call))
                permit = stopped = true;
            else if (may_suspend(s, id, operation->call))
                return false;
        }
        for (uint32_t k = 0; k < block->successor_count && !stopped; k++) {
            ll_index next = block->successors[k];
            if (next < function->block_count && !scratch->seen[next]) {
                scratch->seen[next] = true;
                scratch->queue[tail++] = next;
            }
        }
    }
    return permit;
}

/* Whether every function spawn `call` of `id` may start takes a permit at
 * its start: 1 or 0 (-1 when out of memory); 1 too when none can be
 * resolved, or too many (silent: the check cannot decide). */
static int tasks_take_permits(spawns *s, uint32_t id, ll_index call, const ll_entry_rule *entry)
{
    uint32_t tasks[CALLEES_LOOKED_AT];
    uint32_t count =
        ll_reach_functions_of(s->program, id, call, entry->argument, tasks, CALLEES_LOOKED_AT);
    if (count > CALLEES_LOOKED_AT)
        return 1;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t task = tasks[k];
        if (s->starts[task] < 0) {
            const ll_function *function = ll_program_function(s->program, task, NULL);
            walk_space space;
            if (walk_space_reserve(&space, function->block_count) < 0) {
                walk_space_release(&space);
                return -1;
            }
            s->starts[task] = permit_first(s, task, &space) ? 1 : 0;
            walk_space_release(&space);
        }
        if (s->starts[task] == 0)
            return 0;
    }
    return 1;
}

/* ---- Waits before the next iteration ---------------------------------------------- */

/* Which calls wait for a spawn's task. */
typedef struct waiter {
    const spawns *s;
    uint32_t id;
    ll_index handle;   /* the local holding the task's handle, or LL_NONE */
    const char *group; /* the group argument's text, or NULL */
    size_t group_length;
    bool any; /* any wait will do */
} waiter;

static bool has_argument_text(const ll_call *call, const char *text, size_t length)
{
    for (uint32_t a = 1; a <= call->argument_count; a++) {
        const char *argument;
        size_t argument_length;
        if (ll_call_argument_text(call, a, &argument, &argument_length) &&
            argument_length == length && memcmp(argument, text, length) == 0)
            return true;
    }
    return false;
}

static bool waits_for(const waiter *w, const ll_function *function, ll_index index)
{
    const ll_call *call = &function->calls[index];
    const ll_function_rule *rule = rule_of(w->s, call);
    if (!rule)
        return reaches_marked(w->s, w->id, index, w->s->waiters);
    if (!is_wait(rule))
        return false;
    if (w->any)
        return true;
    if (rule->roles & LL_ROLE_JOIN) {
        if (w->handle == LL_NONE)
            return w->group == NULL;
        const ll_value *handle = rule->handle >= 1 && rule->handle <= call->argument_count
                                     ? &call->arguments[rule->handle - 1]
                                     : NULL;
        return handle && handle->kind == LL_VALUE_VARIABLE && handle->variable == w->handle;
    }
    return w->group && has_argument_text(call, w->group, w->group_length);
}

/* Whether block `block` holds a wait. */
static bool block_waits(const waiter *w, const ll_function *function, const ll_block *block)
{
    for (uint32_t o = 0; o < block->operation_count; o++) {
        const ll_operation *operation = &block->operations[o];
        if (operation->kind == LL_OPERATION_CALL && operation->call < function->call_count &&
            waits_for(w, function, operation->call))
            return true;
    }
    return false;
}

/* space->goes_around: the blocks of the loop from which the iteration can
 * come back to the header (not those of a way out: a wait before a break
 * bounds nothing). */
static void find_ways_around(const ll_function *function, const ll_loop *loop, walk_space *space)
{
    for (uint32_t b = 0; b < function->block_count; b++)
        space->goes_around[b] = b == loop->header;
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t b = function->block_count; b-- > 0;) {
            const ll_block *block = &function->blocks[b];
            if (!space->in_loop[b] || space->goes_around[b])
                continue;
            for (uint32_t k = 0; k < block->successor_count; k++) {
                ll_index next = block->successors[k];
                if (next < function->block_count && space->in_loop[next] &&
                    space->goes_around[next]) {
                    space->goes_around[b] = changed = true;
                    break;
                }
            }
        }
    }
}

/* Whether the loop waits, on a way around: every iteration, or a batch
 * at a time. */
static bool loop_waits(const waiter *w, const ll_function *function, const walk_space *space)
{
    for (uint32_t b = 0; b < function->block_count; b++)
        if (space->goes_around[b] && block_waits(w, function, &function->blocks[b]))
            return true;
    return false;
}

/* Whether a function waits anywhere (a helper that spawns and joins). */
static bool function_waits(const waiter *w, const ll_function *function)
{
    for (uint32_t b = 0; b < function->block_count; b++)
        if (block_waits(w, function, &function->blocks[b]))
            return true;
    return false;
}

/* Where call `call` of `function` is: its block, and its operation there. */
static uint32_t operation_of(const ll_function *function, ll_index call)
{
    const ll_block *block = &function->blocks[function->calls[call].block];
    for (uint32_t o = 0; o < block->operation_count; o++)
        if (block->operations[o].kind == LL_OPERATION_CALL && block->operations[o].call == call)
            return o;
    return block->operation_count;
}

/* The wait a spawn needs: of the local its handle goes to, or of the
 * group it is spawned into (an argument the spawn borrows). */
static waiter spawn_waiter(const spawns *s, uint32_t id, const ll_function *function, ll_index call,
                           const ll_function_rule *rule, const ll_entry_rule *entry)
{
    waiter w = {s, id, LL_NONE, NULL, 0, false};
    const ll_call *spawn = &function->calls[call];
    const ll_block *block = &function->blocks[spawn->block];
    uint32_t at = operation_of(function, call);
    if (at < block->operation_count) {
        ll_index target = block->operations[at].target;
        if (target < function->variable_count &&
            function->variables[target].kind != LL_VARIABLE_TEMPORARY)
            w.handle = target;
    }
    for (uint32_t a = 1; a <= spawn->argument_count && a <= 32; a++)
        if ((rule->borrows_mask & (1u << (a - 1))) && a != entry->argument &&
            ll_call_argument_text(spawn, a, &w.group, &w.group_length))
            break;
    return w;
}

/* ---- Notes ------------------------------------------------------------------------ */

static const char *function_name(const ll_function *function)
{
    return function->name ? function->name : "";
}

/* The loop, and why its bound is data. */
static int loop_note(const ll_function *function, const ll_unit *unit, const ll_loop *loop,
                     const bool *in_loop, ll_finding *finding)
{
    if (loop->condition_constant_true)
        return ll_check_note(finding, unit, loop->location,
                             "spawned in this loop, which only a break, a return or a goto ends");
    if (loop->condition_call_count > 0) {
        int length;
        const char *name =
            ll_call_written_name(&function->calls[loop->condition_first_call], &length);
        return ll_check_note(finding, unit, loop->location,
                             "spawned in this loop, whose condition calls '%.*s': how many times "
                             "it runs depends on data",
                             length, name);
    }
    ll_index data = ll_loop_data_variable(function, loop, in_loop);
    const char *name = data != LL_NONE ? function->variables[data].name : NULL;
    if (!loop->condition_reads_memory && name && name[0])
        return ll_check_note(finding, unit, loop->location,
                             "spawned in this loop, whose condition reads '%s': how many times "
                             "it runs depends on data",
                             name);
    return ll_check_note(finding, unit, loop->location,
                         "spawned in this loop, whose condition reads memory: how many times it "
                         "runs depends on data");
}

/* "'a' calls 'b' here" for each call from the loop's function down to
 * the helper `to` that spawns, along the walk from `helper`. */
static int call_notes(const spawns *s, uint32_t from, ll_index call, uint32_t helper, uint32_t to,
                      ll_finding *finding)
{
    const ll_unit *unit;
    const ll_function *caller = ll_program_function(s->program, from, &unit);
    const ll_function *callee = ll_program_function(s->program, helper, NULL);
    if (ll_check_note(finding, unit, caller->calls[call].location,
                      "'%s' calls '%s' here, on every iteration that gets there",
                      function_name(caller), function_name(callee)) < 0)
        return -1;
    /* The walk's marks lead back from `to` to `helper`: noted in reverse,
       collected first (their number is at most the functions'). */
    uint32_t count = 0;
    for (uint32_t at = to; at != helper && s->down[at].from != LL_NONE; at = s->down[at].from)
        count++;
    uint32_t *chain = malloc(((size_t)count + 1) * sizeof *chain);
    if (!chain)
        return -1;
    uint32_t n = 0;
    for (uint32_t at = to; at != helper && n < count; at = s->down[at].from)
        chain[n++] = at;
    int result = 0;
    while (result == 0 && n-- > 0) {
        uint32_t id = chain[n];
        const ll_reach_mark *mark = &s->down[id];
        const ll_unit *by_unit;
        const ll_function *by = ll_program_function(s->program, mark->from, &by_unit);
        const ll_function *reached = ll_program_function(s->program, id, NULL);
        result = ll_check_note(finding, by_unit, by->calls[mark->edge->call].location,
                               "'%s' calls '%s' here", function_name(by), function_name(reached));
    }
    free(chain);
    return result;
}

/* ---- Reporting -------------------------------------------------------------------- */

static bool already_reported(spawns *s, uint32_t id, ll_index call)
{
    for (uint32_t i = 0; i < s->reported_count; i++)
        if (s->reported[i].function == id && s->reported[i].call == call)
            return true;
    return false;
}

static int remember(spawns *s, uint32_t id, ll_index call)
{
    struct reported *grown =
        realloc(s->reported, ((size_t)s->reported_count + 1) * sizeof *s->reported);
    if (!grown)
        return -1;
    s->reported = grown;
    s->reported[s->reported_count++] = (struct reported){id, call};
    return 0;
}

/* The spawn `call` of function `at`, reached from call `via` of the loop's
 * function `id` through `helper` (LL_NONE: the spawn is in the loop). */
static int report(spawns *s, uint32_t id, const ll_loop *loop, const bool *in_loop, ll_index via,
                  uint32_t helper, uint32_t at, ll_index call, ll_findings *out)
{
    if (already_reported(s, at, call))
        return 0;
    if (remember(s, at, call) < 0)
        return -1;
    const ll_unit *unit;
    const ll_function *function = ll_program_function(s->program, at, &unit);
    const ll_call *spawn = &function->calls[call];
    const ll_function_rule *rule = rule_of(s, spawn);
    const char *limiter = ll_packs_role_function(s->packs, rule->pack, LL_ROLE_LIMITER);
    ll_finding *finding;
    if (limiter)
        finding = ll_check_report(&ll_check_unbounded_spawn, out, unit, function, spawn->location,
                                  spawn->text,
                                  "tasks are spawned in a loop driven by data with nothing "
                                  "bounding how many run at once: use a semaphore (%s) or a "
                                  "task group and wait per batch",
                                  limiter);
    else
        finding = ll_check_report(&ll_check_unbounded_spawn, out, unit, function, spawn->location,
                                  spawn->text,
                                  "tasks are spawned in a loop driven by data with nothing "
                                  "bounding how many run at once: use a semaphore or a task "
                                  "group and wait per batch");
    const ll_unit *loop_unit;
    const ll_function *looping = ll_program_function(s->program, id, &loop_unit);
    if (!finding || loop_note(looping, loop_unit, loop, in_loop, finding) < 0)
        return -1;
    if (helper != LL_NONE && call_notes(s, id, via, helper, at, finding) < 0)
        return -1;
    return ll_program_chain_notes(s->program, id, LL_CONTEXT_LOOP, finding);
}

/* ---- Loops ------------------------------------------------------------------------ */

/* A spawn in the loop itself. */
static int check_spawn_in_loop(spawns *s, uint32_t id, const ll_loop *loop, ll_index call,
                               const ll_function_rule *rule, walk_space *scratch, ll_findings *out)
{
    const ll_function *function = ll_program_function(s->program, id, NULL);
    const ll_entry_rule *entry = spawn_entry(rule);
    waiter w = spawn_waiter(s, id, function, call, rule, entry);
    if (loop_waits(&w, function, scratch))
        return 0;
    int permits = tasks_take_permits(s, id, call, entry);
    if (permits != 0)
        return permits < 0 ? -1 : 0;
    return report(s, id, loop, scratch->in_loop, LL_NONE, LL_NONE, id, call, out);
}

/* The spawns of helper `at`, reached from the loop's call `via` through
 * `helper`. */
static int check_helper_spawns(spawns *s, uint32_t id, const ll_loop *loop, ll_index via,
                               uint32_t helper, uint32_t at, walk_space *scratch, ll_findings *out)
{
    const ll_function *function = ll_program_function(s->program, at, NULL);
    const ll_function *looping = ll_program_function(s->program, id, NULL);
    waiter any = {s, id, LL_NONE, NULL, 0, true};
    if (loop_waits(&any, looping, scratch))
        return 0;
    int result = 0;
    for (ll_index c = 0; c < function->call_count && result == 0; c++) {
        const ll_function_rule *rule = rule_of(s, &function->calls[c]);
        const ll_entry_rule *entry = spawn_entry(rule);
        if (!entry)
            continue;
        waiter w = spawn_waiter(s, at, function, c, rule, entry);
        if (function_waits(&w, function))
            continue;
        result = tasks_take_permits(s, at, c, entry);
        if (result == 0)
            result = report(s, id, loop, scratch->in_loop, via, helper, at, c, out);
        else if (result > 0)
            result = 0;
    }
    return result;
}

/* The spawns below call `via` of the loop's function, through helpers. */
static int check_call_in_loop(spawns *s, uint32_t id, const ll_loop *loop, ll_index via,
                              walk_space *scratch, ll_findings *out)
{
    uint32_t helpers[CALLEES_LOOKED_AT];
    uint32_t count = ll_program_callees(s->program, id, via, helpers, CALLEES_LOOKED_AT);
    int result = 0;
    for (uint32_t k = 0; k < count && k < CALLEES_LOOKED_AT && result == 0; k++) {
        uint32_t helper = helpers[k];
        if (!s->spawners[helper].marked)
            continue;
        result = ll_reach_forward(s->reach, helper, LL_REACH_SAME_TASK, s->down);
        for (uint32_t at = 0; at < s->function_count && result == 0; at++)
            if (s->down[at].marked && s->spawners[at].marked)
                result = check_helper_spawns(s, id, loop, via, helper, at, scratch, out);
    }
    return result;
}

static int check_loop(spawns *s, uint32_t id, const ll_loop *loop, walk_space *scratch,
                      ll_findings *out)
{
    const ll_function *function = ll_program_function(s->program, id, NULL);
    ll_loop_mark_blocks(function, loop, scratch->in_loop);
    find_ways_around(function, loop, scratch);
    int bounded = ll_loop_bound_is_constant(function, loop, scratch->in_loop);
    if (bounded != 0)
        return bounded < 0 ? -1 : 0;
    for (ll_index c = 0; c < function->call_count; c++)
        if (scratch->in_loop[function->calls[c].block] && takes_permit(s, id, c))
            return 0;
    int result = 0;
    for (ll_index c = 0; c < function->call_count && result == 0; c++) {
        if (!scratch->in_loop[function->calls[c].block])
            continue;
        const ll_function_rule *rule = rule_of(s, &function->calls[c]);
        if (spawn_entry(rule))
            result = check_spawn_in_loop(s, id, loop, c, rule, scratch, out);
        else if (!rule && reaches_marked(s, id, c, s->spawners))
            result = check_call_in_loop(s, id, loop, c, scratch, out);
    }
    return result;
}

/* ---- The program ------------------------------------------------------------------ */

static void spawns_free(spawns *s)
{
    ll_reach_free(s->reach);
    ll_suspend_free(s->suspend);
    free(s->limits);
    free(s->spawners);
    free(s->waiters);
    free(s->down);
    free(s->starts);
    free(s->reported);
}

static int spawns_init(spawns *s, const ll_check_context *context)
{
    memset(s, 0, sizeof *s);
    s->context = context;
    s->program = context->program;
    s->packs = context->packs;
    s->function_count = ll_program_function_count(s->program);
    size_t n = (size_t)s->function_count + 1;
    s->reach = ll_reach_new(s->program, s->packs);
    s->suspend = ll_suspend_new(s->program, s->packs);
    s->limits = malloc(n * sizeof *s->limits);
    s->spawners = malloc(n * sizeof *s->spawners);
    s->waiters = malloc(n * sizeof *s->waiters);
    s->down = malloc(n * sizeof *s->down);
    s->starts = malloc(n * sizeof *s->starts);
    if (!s->reach || !s->suspend || !s->limits || !s->spawners || !s->waiters || !s->down ||
        !s->starts)
        return -1;
    memset(s->starts, -1, n * sizeof *s->starts);
    if (mark(s, calls_limiter, s->limits) < 0 || mark(s, calls_spawn, s->spawners) < 0 ||
        mark(s, calls_wait, s->waiters) < 0)
        return -1;
    return 0;
}

static int check_program(const ll_check_context *context, ll_findings *out)
{
    if (!context->program || !context->packs)
        return 0;
    spawns s;
    int result = spawns_init(&s, context);
    for (uint32_t id = 0; id < s.function_count && result == 0; id++) {
        const ll_function *function = ll_program_function(s.program, id, NULL);
        if (function->loop_count == 0 || !s.spawners[id].marked ||
            !(ll_program_context(s.program, id) & LL_CONTEXT_LOOP))
            continue;
        walk_space scratch;
        result = walk_space_reserve(&scratch, function->block_count);
        for (uint32_t l = 0; l < function->loop_count && result == 0; l++)
            result = check_loop(&s, id, &function->loops[l], &scratch, out);
        walk_space_release(&scratch);
    }
    spawns_free(&s);
    return result;
}

const ll_check ll_check_unbounded_spawn = {
    .id = "unbounded-spawn",
    .severity = LL_SEVERITY_WARNING,
    .summary = "tasks spawned in a loop driven by data with nothing bounding how many run at "
               "once (no semaphore, no wait per batch)",
    .check_function = NULL,
    .check_program = check_program,
};
