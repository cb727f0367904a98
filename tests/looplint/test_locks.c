/*
 * test_locks.c - "may suspend", lock summaries and the held-locks
 * dataflow (analysis/locks.c), and the lock-across-suspend check on top
 * of them, over facts built by hand: each scenario is a small program
 * whose CFGs spell out the control flow under test (branches on a
 * trylock's result, loops, gotos, helpers), with numbered lines so that
 * a test can say exactly which call must be reported.
 */
#define _GNU_SOURCE
/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "analysis/facts.h"
#include "analysis/finding.h"
#include "analysis/locks.h"
#include "analysis/program.h"
#include "checks/check.h"
#include "packs/pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ll_check ll_check_lock_across_suspend;

static const char nest_pack[] = "pack nest\n"
                                "entry nest_run kind=main arg=1\n"
                                "entry nest_to_thread kind=off-loop arg=1\n"
                                "suspend nest_sleep\n"
                                "suspend nest_read deadline=4 forever=-1\n";

static const char posix_pack[] =
    "pack posix\n"
    "acquire pthread_mutex_lock kind=lock handle=out1 fail=nonzero type=mutex\n"
    "acquire pthread_mutex_trylock kind=lock handle=out1 fail=nonzero type=mutex\n"
    "release pthread_mutex_unlock handle=1 type=mutex\n"
    "acquire pthread_spin_lock kind=lock handle=out1 fail=nonzero type=spinlock\n"
    "release pthread_spin_unlock handle=1 type=spinlock\n";

#define FACTS_BUILDER_UNITS_ONLY
#include "facts_builder.h"

/* ---- Building facts ------------------------------------------------------------- */

/* Defines `name` at `line`, with an entry block 0 that returns; its index. */
static uint32_t define(ll_unit *unit, const char *name, uint32_t line)
{
    define_returning(unit, name, line);
    return unit->function_count - 1;
}

static ll_function *function_of(ll_unit *unit, uint32_t function)
{
    return &unit->functions[function];
}

static ll_index variable(ll_unit *unit, uint32_t function, const char *name,
                         enum ll_variable_kind kind)
{
    ll_function *defined = function_of(unit, function);
    ll_index index = ll_function_add_variable(defined, name, kind);
    assert_int_not_equal(index, LL_NONE);
    if (kind == LL_VARIABLE_PARAMETER)
        defined->variables[index].parameter = ++defined->parameter_count;
    return index;
}

static ll_index block(ll_unit *unit, uint32_t function)
{
    ll_index index = ll_function_add_block(function_of(unit, function));
    assert_int_not_equal(index, LL_NONE);
    function_of(unit, function)->blocks[index].terminator = LL_TERMINATOR_RETURN;
    return index;
}

static void jump(ll_unit *unit, uint32_t function, ll_index from, ll_index to)
{
    ll_block *at = &function_of(unit, function)->blocks[from];
    at->terminator = LL_TERMINATOR_JUMP;
    assert_int_equal(ll_block_set_successors(at, &to, 1), 0);
}

/* `if (variable RELATION constant)`; an unknown test when variable is LL_NONE. */
static void branch(ll_unit *unit, uint32_t function, ll_index from, ll_index then,
                   ll_index otherwise, ll_index tested, enum ll_relation relation, int64_t constant)
{
    ll_block *at = &function_of(unit, function)->blocks[from];
    ll_index successors[2] = {then, otherwise};
    at->terminator = LL_TERMINATOR_BRANCH;
    at->test = (ll_test){tested == LL_NONE ? LL_RELATION_UNKNOWN : relation, tested, constant};
    assert_int_equal(ll_block_set_successors(at, successors, 2), 0);
}

static void return_variable(ll_unit *unit, uint32_t function, ll_index at, ll_index returned)
{
    ll_block *returning = &function_of(unit, function)->blocks[at];
    returning->terminator = LL_TERMINATOR_RETURN;
    returning->returned = (ll_value){.kind = LL_VALUE_VARIABLE, .variable = returned};
}

/* A direct call in block `at` at `line`, written `text` ("pthread_mutex_lock
 * ( & c -> lock )"), with `arguments` opaque arguments; its result goes to
 * `target` (LL_NONE: discarded). */
static ll_index call(ll_unit *unit, uint32_t function, ll_index at, const char *callee,
                     const char *text, uint32_t arguments, uint32_t line, ll_index target)
{
    ll_function *caller = function_of(unit, function);
    ll_index index = ll_function_add_call(caller, callee);
    assert_int_not_equal(index, LL_NONE);
    ll_call *site = &caller->calls[index];
    site->callee_usr = usr_of(callee);
    site->location = (ll_location){0, line, 5};
    site->text = strdup(text);
    site->result_use = target == LL_NONE ? LL_RESULT_DISCARDED : LL_RESULT_USED;
    site->block = at;
    for (uint32_t a = 0; a < arguments; a++)
        assert_non_null(ll_call_add_argument(site));
    ll_operation *operation = ll_block_add_operation(&caller->blocks[at], LL_OPERATION_CALL);
    assert_non_null(operation);
    operation->call = index;
    operation->target = target;
    operation->location = site->location;
    return index;
}

static ll_index sleep_call(ll_unit *unit, uint32_t function, ll_index at, uint32_t line)
{
    return call(unit, function, at, "nest_sleep", "nest_sleep ( 10 )", 1, line, LL_NONE);
}

static void assign_other(ll_unit *unit, uint32_t function, ll_index at, ll_index target)
{
    ll_operation *operation =
        ll_block_add_operation(&function_of(unit, function)->blocks[at], LL_OPERATION_ASSIGN);
    assert_non_null(operation);
    operation->target = target;
    operation->value = (ll_value){.kind = LL_VALUE_OTHER, .variable = LL_NONE};
}

/* `nest_run(name, NULL)` in a `main` defined at `line`: `name` is a root. */
static void run_root(ll_unit *unit, const char *name, uint32_t line)
{
    uint32_t main_function = define(unit, "main", line);
    char *text;
    assert_true(asprintf(&text, "nest_run ( %s , NULL )", name) > 0);
    ll_index index = call(unit, main_function, 0, "nest_run", text, 0, line + 1, LL_NONE);
    free(text);
    ll_call *site = &function_of(unit, main_function)->calls[index];
    ll_value *root = ll_call_add_argument(site);
    root->kind = LL_VALUE_FUNCTION;
    root->name = strdup(name);
    root->usr = usr_of(name);
    ll_value *argument = ll_call_add_argument(site);
    argument->kind = LL_VALUE_NULL;
}

/* ---- Linking and analysing --------------------------------------------------------- */

typedef struct scenario {
    ll_unit *unit;
    ll_packs *packs;
    ll_program *program;
    ll_locks *locks;
    ll_lock_flow flow;
    ll_findings findings;
} scenario;

static void scenario_link(scenario *s)
{
    ll_error error;
    s->packs = ll_packs_new();
    assert_non_null(s->packs);
    if (ll_packs_load_text(s->packs, "nest.rules", nest_pack, &error) < 0 ||
        ll_packs_load_text(s->packs, "posix.rules", posix_pack, &error) < 0)
        fail_msg("%s", error.message);
    s->program = ll_program_link(&s->unit, 1, s->packs, NULL, &error);
    if (!s->program)
        fail_msg("%s", error.message);
    s->locks = ll_locks_new(s->program, s->packs);
    assert_non_null(s->locks);
    ll_findings_init(&s->findings);
}

static uint32_t id_of(const scenario *s, uint32_t function)
{
    uint32_t id = ll_program_function_id(s->program, &s->unit->functions[function]);
    assert_int_not_equal(id, LL_NONE);
    return id;
}

/* Runs the dataflow over `function`: the lines of its suspending calls
 * reached with a lock held, as "12 14". */
static char *suspended_lines(scenario *s, uint32_t function)
{
    ll_lock_flow_free(&s->flow);
    assert_int_equal(ll_locks_analyze(s->locks, id_of(s, function), &s->flow), 0);
    const ll_function *analysed = function_of(s->unit, function);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    for (uint32_t i = 0; i < s->flow.suspension_count; i++)
        fprintf(out, "%s%u", i ? " " : "",
                analysed->calls[s->flow.suspensions[i].call].location.line);
    fclose(out);
    return text;
}

static void assert_suspended(scenario *s, uint32_t function, const char *expected)
{
    char *lines = suspended_lines(s, function);
    if (strcmp(lines, expected) != 0)
        fail_msg("suspended with a lock held at \"%s\", expected \"%s\"", lines, expected);
    free(lines);
}

/* The name of the first lock held at suspension `i` of the last flow. */
static const char *held_name(const scenario *s, uint32_t i)
{
    assert_true(i < s->flow.suspension_count);
    assert_true(s->flow.suspensions[i].held_count > 0);
    return s->flow.locks[s->flow.suspensions[i].held[0]].name;
}

static void scenario_free(scenario *s)
{
    ll_lock_flow_free(&s->flow);
    ll_findings_free(&s->findings);
    ll_locks_free(s->locks);
    ll_program_free(s->program);
    ll_packs_free(s->packs);
    ll_unit_free(s->unit);
}

/* ---- May suspend ------------------------------------------------------------------- */

static void test_may_suspend_is_transitive(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/chain.c")};
    uint32_t leaf = define(s.unit, "leaf", 1);
    sleep_call(s.unit, leaf, 0, 2);
    uint32_t quiet = define(s.unit, "quiet", 4);
    uint32_t middle = define(s.unit, "middle", 6);
    call(s.unit, middle, 0, "quiet", "quiet ( )", 0, 7, LL_NONE);
    call(s.unit, middle, 0, "leaf", "leaf ( )", 0, 8, LL_NONE);
    uint32_t far = define(s.unit, "far", 10);
    call(s.unit, far, 0, "middle", "middle ( )", 0, 11, LL_NONE);
    /* top reaches a suspension through far (3 calls down) and leaf (1):
       the chain starts with the shorter. */
    uint32_t top = define(s.unit, "top", 13);
    call(s.unit, top, 0, "far", "far ( )", 0, 14, LL_NONE);
    call(s.unit, top, 0, "leaf", "leaf ( )", 0, 15, LL_NONE);
    /* Recursion that never reaches a suspension point. */
    uint32_t spin = define(s.unit, "spin", 17);
    call(s.unit, spin, 0, "spin", "spin ( )", 0, 18, LL_NONE);
    scenario_link(&s);

    assert_int_equal(ll_locks_suspension(s.locks, id_of(&s, leaf)), 0);
    assert_false(ll_locks_may_suspend(s.locks, id_of(&s, quiet)));
    assert_int_equal(ll_locks_suspension(s.locks, id_of(&s, middle)), 1);
    assert_int_equal(ll_locks_suspension(s.locks, id_of(&s, far)), 0);
    assert_int_equal(ll_locks_suspension(s.locks, id_of(&s, top)), 1);
    assert_false(ll_locks_may_suspend(s.locks, id_of(&s, spin)));
    assert_true(ll_locks_call_suspends(s.locks, id_of(&s, top), 0));
    assert_true(ll_locks_call_suspends(s.locks, id_of(&s, top), 1));
    assert_false(ll_locks_call_suspends(s.locks, id_of(&s, middle), 0));
    assert_int_equal(ll_locks_suspending_callee(s.locks, id_of(&s, top), 1), id_of(&s, leaf));
    assert_int_equal(ll_locks_suspending_callee(s.locks, id_of(&s, leaf), 0), LL_NONE);
    scenario_free(&s);
}

static void test_thread_annotation_stops_may_suspend(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/thread.c")};
    uint32_t worker = define(s.unit, "worker", 1);
    sleep_call(s.unit, worker, 0, 2);
    function_of(s.unit, worker)->annotations = LL_ANNOTATION_THREAD;
    uint32_t caller = define(s.unit, "caller", 4);
    call(s.unit, caller, 0, "worker", "worker ( )", 0, 5, LL_NONE);
    scenario_link(&s);

    assert_true(ll_locks_may_suspend(s.locks, id_of(&s, worker)));
    assert_false(ll_locks_may_suspend(s.locks, id_of(&s, caller)));
    assert_false(ll_locks_call_suspends(s.locks, id_of(&s, caller), 0));
    scenario_free(&s);
}

/* ---- The dataflow ----------------------------------------------------------------- */

static void test_held_across_suspension(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/held.c")};
    uint32_t f = define(s.unit, "f", 1);
    variable(s.unit, f, "c", LL_VARIABLE_PARAMETER);
    call(s.unit, f, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & c -> lock )", 1, 2, LL_NONE);
    sleep_call(s.unit, f, 0, 3);
    call(s.unit, f, 0, "pthread_mutex_unlock", "pthread_mutex_unlock ( & c -> lock )", 1, 4,
         LL_NONE);
    sleep_call(s.unit, f, 0, 5);
    scenario_link(&s);

    assert_suspended(&s, f, "3");
    assert_string_equal(held_name(&s, 0), "c -> lock");
    assert_int_equal(s.flow.locks[0].call, 0);
    assert_int_equal(s.flow.locks[0].callee, LL_NONE);
    assert_false(s.flow.locks[0].on_success);
    char spelling[32];
    assert_string_equal(ll_lock_spelling("c -> lock", spelling, sizeof spelling), "c->lock");
    assert_string_equal(ll_lock_spelling("( * p ) . m [ i ]", spelling, sizeof spelling),
                        "(*p).m[i]");
    scenario_free(&s);
}

static void test_released_before_suspension(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/released.c")};
    uint32_t f = define(s.unit, "f", 1);
    call(s.unit, f, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & mutex )", 1, 2, LL_NONE);
    call(s.unit, f, 0, "pthread_mutex_unlock", "pthread_mutex_unlock ( & mutex )", 1, 3, LL_NONE);
    sleep_call(s.unit, f, 0, 4);
    /* An unlock that names no lock held releases every lock of its type
       (an alias the analysis cannot see through)... */
    uint32_t g = define(s.unit, "g", 6);
    call(s.unit, g, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & s -> lock )", 1, 7, LL_NONE);
    call(s.unit, g, 0, "pthread_mutex_unlock", "pthread_mutex_unlock ( guard )", 1, 8, LL_NONE);
    sleep_call(s.unit, g, 0, 9);
    /* ...but not of another type. */
    uint32_t h = define(s.unit, "h", 11);
    call(s.unit, h, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & s -> lock )", 1, 12, LL_NONE);
    call(s.unit, h, 0, "pthread_spin_unlock", "pthread_spin_unlock ( & s -> lock )", 1, 13,
         LL_NONE);
    sleep_call(s.unit, h, 0, 14);
    /* Of two locks, the unlock of one leaves the other held. */
    uint32_t k = define(s.unit, "k", 16);
    call(s.unit, k, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & a )", 1, 17, LL_NONE);
    call(s.unit, k, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & b )", 1, 18, LL_NONE);
    call(s.unit, k, 0, "pthread_mutex_unlock", "pthread_mutex_unlock ( & b )", 1, 19, LL_NONE);
    sleep_call(s.unit, k, 0, 20);
    scenario_link(&s);

    assert_suspended(&s, f, "");
    assert_suspended(&s, g, "");
    assert_suspended(&s, h, "14");
    assert_suspended(&s, k, "20");
    assert_int_equal(s.flow.suspensions[0].held_count, 1);
    assert_string_equal(held_name(&s, 0), "a");
    scenario_free(&s);
}

/* t = trylock(&m); if (t RELATION constant) { sleep (then_line) } else
 * { sleep (else_line) }; unlock(&m). */
static uint32_t trylock_branches(ll_unit *unit, const char *name, uint32_t line,
                                 enum ll_relation relation, int64_t constant)
{
    uint32_t f = define(unit, name, line);
    ll_index result = variable(unit, f, "", LL_VARIABLE_TEMPORARY);
    ll_index then = block(unit, f);
    ll_index otherwise = block(unit, f);
    ll_index after = block(unit, f);
    call(unit, f, 0, "pthread_mutex_trylock", "pthread_mutex_trylock ( & m )", 1, line + 1, result);
    branch(unit, f, 0, then, otherwise, result, relation, constant);
    sleep_call(unit, f, then, line + 2);
    jump(unit, f, then, after);
    sleep_call(unit, f, otherwise, line + 3);
    jump(unit, f, otherwise, after);
    call(unit, f, after, "pthread_mutex_unlock", "pthread_mutex_unlock ( & m )", 1, line + 4,
         LL_NONE);
    return f;
}

static void test_trylock_held_on_success_only(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/trylock.c")};
    uint32_t equal = trylock_branches(s.unit, "equal", 10, LL_RELATION_EQUAL, 0);
    uint32_t not_equal = trylock_branches(s.unit, "not_equal", 20, LL_RELATION_NOT_EQUAL, 0);
    uint32_t busy = trylock_branches(s.unit, "busy", 30, LL_RELATION_EQUAL, 16);
    uint32_t negative = trylock_branches(s.unit, "negative", 40, LL_RELATION_LESS, 0);
    /* The result thrown away: the lock may be held. */
    uint32_t discarded = define(s.unit, "discarded", 50);
    call(s.unit, discarded, 0, "pthread_mutex_trylock", "pthread_mutex_trylock ( & m )", 1, 51,
         LL_NONE);
    sleep_call(s.unit, discarded, 0, 52);
    /* The result kept but overwritten before it is tested. */
    uint32_t overwritten = define(s.unit, "overwritten", 60);
    ll_index result = variable(s.unit, overwritten, "rc", LL_VARIABLE_LOCAL);
    ll_index then = block(s.unit, overwritten);
    call(s.unit, overwritten, 0, "pthread_mutex_trylock", "pthread_mutex_trylock ( & m )", 1, 61,
         result);
    assign_other(s.unit, overwritten, 0, result);
    branch(s.unit, overwritten, 0, then, then, result, LL_RELATION_NOT_EQUAL, 0);
    sleep_call(s.unit, overwritten, then, 62);
    scenario_link(&s);

    assert_suspended(&s, equal, "12");
    assert_true(s.flow.locks[0].on_success);
    assert_suspended(&s, not_equal, "23");
    assert_suspended(&s, busy, "33");
    /* A negative result is a failure: the lock is held on the false side. */
    assert_suspended(&s, negative, "43");
    assert_suspended(&s, discarded, "52");
    assert_false(s.flow.locks[0].on_success);
    assert_suspended(&s, overwritten, "62");
    scenario_free(&s);
}

static void test_lock_taken_in_a_loop(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/loop.c")};
    /* while (more) { sleep; lock(&m); }  unlock(&m): the sleep of the
       second iteration runs with the first one's lock. */
    uint32_t f = define(s.unit, "f", 1);
    ll_index header = block(s.unit, f);
    ll_index body = block(s.unit, f);
    ll_index exit = block(s.unit, f);
    jump(s.unit, f, 0, header);
    branch(s.unit, f, header, body, exit, LL_NONE, LL_RELATION_UNKNOWN, 0);
    sleep_call(s.unit, f, body, 3);
    call(s.unit, f, body, "pthread_mutex_lock", "pthread_mutex_lock ( & m )", 1, 4, LL_NONE);
    jump(s.unit, f, body, header);
    call(s.unit, f, exit, "pthread_mutex_unlock", "pthread_mutex_unlock ( & m )", 1, 6, LL_NONE);
    /* while (more) { lock(&m); unlock(&m); sleep; } */
    uint32_t g = define(s.unit, "g", 10);
    header = block(s.unit, g);
    body = block(s.unit, g);
    exit = block(s.unit, g);
    jump(s.unit, g, 0, header);
    branch(s.unit, g, header, body, exit, LL_NONE, LL_RELATION_UNKNOWN, 0);
    call(s.unit, g, body, "pthread_mutex_lock", "pthread_mutex_lock ( & m )", 1, 12, LL_NONE);
    call(s.unit, g, body, "pthread_mutex_unlock", "pthread_mutex_unlock ( & m )", 1, 13, LL_NONE);
    sleep_call(s.unit, g, body, 14);
    jump(s.unit, g, body, header);
    sleep_call(s.unit, g, exit, 16);
    scenario_link(&s);

    assert_suspended(&s, f, "3");
    assert_suspended(&s, g, "");
    scenario_free(&s);
}

static void test_goto_cleanup(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/goto.c")};
    /* lock; if (error) goto out; ...; out: unlock; sleep. */
    uint32_t good = define(s.unit, "good", 1);
    ll_index error = block(s.unit, good);
    ll_index work = block(s.unit, good);
    ll_index out = block(s.unit, good);
    call(s.unit, good, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & m )", 1, 2, LL_NONE);
    branch(s.unit, good, 0, error, work, LL_NONE, LL_RELATION_UNKNOWN, 0);
    jump(s.unit, good, error, out);
    jump(s.unit, good, work, out);
    call(s.unit, good, out, "pthread_mutex_unlock", "pthread_mutex_unlock ( & m )", 1, 5, LL_NONE);
    sleep_call(s.unit, good, out, 6);
    /* The error path jumps past the unlock, to a label that suspends. */
    uint32_t bad = define(s.unit, "bad", 10);
    error = block(s.unit, bad);
    work = block(s.unit, bad);
    out = block(s.unit, bad);
    ll_index retry = block(s.unit, bad);
    call(s.unit, bad, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & m )", 1, 11, LL_NONE);
    branch(s.unit, bad, 0, error, work, LL_NONE, LL_RELATION_UNKNOWN, 0);
    jump(s.unit, bad, error, retry);
    jump(s.unit, bad, work, out);
    call(s.unit, bad, out, "pthread_mutex_unlock", "pthread_mutex_unlock ( & m )", 1, 14, LL_NONE);
    sleep_call(s.unit, bad, retry, 16);
    scenario_link(&s);

    assert_suspended(&s, good, "");
    assert_suspended(&s, bad, "16");
    scenario_free(&s);
}

static void test_assignment_forgets_the_lock(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/assign.c")};
    uint32_t f = define(s.unit, "f", 1);
    ll_index c = variable(s.unit, f, "c", LL_VARIABLE_PARAMETER);
    ll_index lock = variable(s.unit, f, "lock", LL_VARIABLE_LOCAL);
    call(s.unit, f, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & c -> lock )", 1, 2, LL_NONE);
    /* `lock` names the field, not the local: still held. */
    assign_other(s.unit, f, 0, lock);
    sleep_call(s.unit, f, 0, 4);
    /* `c = c->next`: "c -> lock" is another lock from here on. */
    assign_other(s.unit, f, 0, c);
    sleep_call(s.unit, f, 0, 6);
    scenario_link(&s);

    assert_suspended(&s, f, "4");
    scenario_free(&s);
}

/* ---- Summaries ---------------------------------------------------------------------- */

static void test_summaries_in_the_callers_terms(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/helpers.c")};
    uint32_t lock_helper = define(s.unit, "session_lock", 1);
    variable(s.unit, lock_helper, "s", LL_VARIABLE_PARAMETER);
    call(s.unit, lock_helper, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & s -> lock )", 1, 2,
         LL_NONE);
    uint32_t unlock_helper = define(s.unit, "session_unlock", 4);
    variable(s.unit, unlock_helper, "s", LL_VARIABLE_PARAMETER);
    call(s.unit, unlock_helper, 0, "pthread_mutex_unlock", "pthread_mutex_unlock ( & s -> lock )",
         1, 5, LL_NONE);
    uint32_t try_helper = define(s.unit, "session_try", 7);
    variable(s.unit, try_helper, "s", LL_VARIABLE_PARAMETER);
    ll_index result = variable(s.unit, try_helper, "", LL_VARIABLE_TEMPORARY);
    call(s.unit, try_helper, 0, "pthread_mutex_trylock", "pthread_mutex_trylock ( & s -> lock )", 1,
         8, result);
    return_variable(s.unit, try_helper, 0, result);
    /* Takes and releases its own lock: nothing to summarise. */
    uint32_t balanced = define(s.unit, "balanced", 10);
    call(s.unit, balanced, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & g )", 1, 11, LL_NONE);
    call(s.unit, balanced, 0, "pthread_mutex_unlock", "pthread_mutex_unlock ( & g )", 1, 12,
         LL_NONE);

    uint32_t user = define(s.unit, "user", 20);
    variable(s.unit, user, "session", LL_VARIABLE_PARAMETER);
    ll_index tried = variable(s.unit, user, "", LL_VARIABLE_TEMPORARY);
    ll_index locked = block(s.unit, user);
    ll_index busy = block(s.unit, user);
    call(s.unit, user, 0, "session_lock", "session_lock ( session )", 1, 21, LL_NONE);
    sleep_call(s.unit, user, 0, 22);
    call(s.unit, user, 0, "session_unlock", "session_unlock ( session )", 1, 23, LL_NONE);
    sleep_call(s.unit, user, 0, 24);
    call(s.unit, user, 0, "balanced", "balanced ( )", 0, 25, LL_NONE);
    sleep_call(s.unit, user, 0, 26);
    call(s.unit, user, 0, "session_try", "session_try ( session )", 1, 27, tried);
    branch(s.unit, user, 0, locked, busy, tried, LL_RELATION_EQUAL, 0);
    sleep_call(s.unit, user, locked, 28);
    sleep_call(s.unit, user, busy, 29);

    /* A local passed by address: "& conn" into "s -> lock" is "conn . lock". */
    uint32_t local = define(s.unit, "local", 40);
    variable(s.unit, local, "conn", LL_VARIABLE_LOCAL);
    call(s.unit, local, 0, "session_lock", "session_lock ( & conn )", 1, 41, LL_NONE);
    call(s.unit, local, 0, "pthread_mutex_unlock", "pthread_mutex_unlock ( & conn . lock )", 1, 42,
         LL_NONE);
    sleep_call(s.unit, local, 0, 43);
    call(s.unit, local, 0, "session_lock", "session_lock ( & conn )", 1, 44, LL_NONE);
    sleep_call(s.unit, local, 0, 45);
    scenario_link(&s);

    uint32_t count;
    const ll_lock *returned = ll_locks_returned(s.locks, id_of(&s, lock_helper), &count);
    assert_int_equal(count, 1);
    assert_string_equal(returned[0].name, "s -> lock");
    assert_false(returned[0].on_success);
    returned = ll_locks_returned(s.locks, id_of(&s, try_helper), &count);
    assert_int_equal(count, 1);
    assert_true(returned[0].on_success);
    ll_locks_returned(s.locks, id_of(&s, unlock_helper), &count);
    assert_int_equal(count, 0);
    ll_locks_returned(s.locks, id_of(&s, balanced), &count);
    assert_int_equal(count, 0);

    assert_suspended(&s, user, "22 28");
    assert_string_equal(held_name(&s, 0), "session -> lock");
    const ll_lock *held = &s.flow.locks[s.flow.suspensions[0].held[0]];
    assert_int_equal(held->callee, id_of(&s, lock_helper));
    assert_int_equal(held->callee_lock, 0);
    assert_suspended(&s, local, "45");
    assert_string_equal(held_name(&s, 0), "conn . lock");
    scenario_free(&s);
}

static void test_unlock_suspend_relock_helper(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/relock.c")};
    /* wait_turn(s): unlock(&s->lock); sleep; lock(&s->lock). */
    uint32_t wait_turn = define(s.unit, "wait_turn", 1);
    variable(s.unit, wait_turn, "s", LL_VARIABLE_PARAMETER);
    call(s.unit, wait_turn, 0, "pthread_mutex_unlock", "pthread_mutex_unlock ( & s -> lock )", 1, 2,
         LL_NONE);
    sleep_call(s.unit, wait_turn, 0, 3);
    call(s.unit, wait_turn, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & s -> lock )", 1, 4,
         LL_NONE);
    uint32_t user = define(s.unit, "user", 10);
    variable(s.unit, user, "c", LL_VARIABLE_PARAMETER);
    call(s.unit, user, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & c -> lock )", 1, 11,
         LL_NONE);
    call(s.unit, user, 0, "wait_turn", "wait_turn ( c )", 1, 12, LL_NONE);
    sleep_call(s.unit, user, 0, 13);
    scenario_link(&s);

    /* Not during the helper's suspension, but held again after it. */
    assert_suspended(&s, user, "13");
    assert_int_equal(s.flow.locks[s.flow.suspensions[0].held[0]].callee, id_of(&s, wait_turn));
    assert_suspended(&s, wait_turn, "");
    scenario_free(&s);
}

/* ---- The check ------------------------------------------------------------------------ */

static void test_check_reports_in_loop_context(void **state)
{
    (void)state;
    scenario s = {.unit = new_unit("/p/check.c")};
    uint32_t leaf = define(s.unit, "backoff", 1);
    sleep_call(s.unit, leaf, 0, 2);
    uint32_t task = define(s.unit, "task", 10);
    variable(s.unit, task, "c", LL_VARIABLE_PARAMETER);
    call(s.unit, task, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & c -> lock )", 1, 11,
         LL_NONE);
    call(s.unit, task, 0, "backoff", "backoff ( )", 0, 12, LL_NONE);
    call(s.unit, task, 0, "pthread_mutex_unlock", "pthread_mutex_unlock ( & c -> lock )", 1, 13,
         LL_NONE);
    /* The same code in a function no root reaches: not loop context. */
    uint32_t unused = define(s.unit, "unused", 20);
    call(s.unit, unused, 0, "pthread_mutex_lock", "pthread_mutex_lock ( & m )", 1, 21, LL_NONE);
    call(s.unit, unused, 0, "backoff", "backoff ( )", 0, 22, LL_NONE);
    run_root(s.unit, "task", 30);
    scenario_link(&s);

    ll_check_context context = {.program = s.program, .packs = s.packs};
    assert_int_equal(ll_check_lock_across_suspend.check_program(&context, &s.findings), 0);
    assert_int_equal(s.findings.count, 1);
    const ll_finding *finding = &s.findings.items[0];
    assert_string_equal(finding->rule, "lock-across-suspend");
    assert_int_equal(finding->place.line, 12);
    assert_string_equal(finding->function, "task");
    assert_non_null(strstr(finding->message,
                           "'backoff' may suspend while 'c->lock' is held (locked at line 11)"));
    assert_int_equal(finding->note_count, 3);
    assert_int_equal(finding->notes[0].place.line, 11);
    assert_non_null(strstr(finding->notes[0].message, "'c->lock' is locked here"));
    assert_int_equal(finding->notes[1].place.line, 2);
    assert_non_null(strstr(finding->notes[1].message, "'nest_sleep' suspends here, in 'backoff'"));
    assert_non_null(strstr(finding->notes[2].message, "'task' runs on the loop"));
    scenario_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_may_suspend_is_transitive),
        cmocka_unit_test(test_thread_annotation_stops_may_suspend),
        cmocka_unit_test(test_held_across_suspension),
        cmocka_unit_test(test_released_before_suspension),
        cmocka_unit_test(test_trylock_held_on_success_only),
        cmocka_unit_test(test_lock_taken_in_a_loop),
        cmocka_unit_test(test_goto_cleanup),
        cmocka_unit_test(test_assignment_forgets_the_lock),
        cmocka_unit_test(test_summaries_in_the_callers_terms),
        cmocka_unit_test(test_unlock_suspend_relock_helper),
        cmocka_unit_test(test_check_reports_in_loop_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
