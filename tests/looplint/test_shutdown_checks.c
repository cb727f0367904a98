/*
 * test_shutdown_checks.c - queue-not-drained and unhandled-shutdown, and
 * the analyses under them: the program graph walks (analysis/reach), the
 * undrained-close dataflow (analysis/undrained), loops that only a failure
 * ends (analysis/forever_loop) and branch sides (analysis/branch).
 *
 * Facts are built by hand, CFGs included. The pack describes a runtime
 * with other names than nest's (rt_go spawns, rt_take gets an item,
 * rt_chan_close closes a queue...), so the tests also show that the
 * checks know functions only through the packs' roles.
 */
#define _GNU_SOURCE
/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "analysis/branch.h"
#include "analysis/callsite.h"
#include "analysis/facts.h"
#include "analysis/finding.h"
#include "analysis/forever_loop.h"
#include "analysis/program.h"
#include "analysis/reach.h"
#include "analysis/undrained.h"
#include "checks/check.h"
#include "packs/pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char runtime_pack[] = "pack rt\n"
                                   "entry rt_main kind=main arg=1\n"
                                   "entry rt_go kind=task arg=1\n"
                                   "entry rt_guard kind=shield arg=1\n"
                                   "acquire rt_go kind=task handle=return fail=null type=rt-task\n"
                                   "suspend rt_nap\n"
                                   "suspend rt_take deadline=3 forever=-1\n"
                                   "suspend rt_recv deadline=2 forever=-1 needs-timeout\n"
                                   "suspend rt_await deadline=2 forever=-1 needs-timeout\n"
                                   "acquire rt_take kind=queue-item handle=out2 fail=nonzero "
                                   "type=rt-item\n"
                                   "acquire rt_chan_open kind=resource handle=return fail=null "
                                   "type=rt-chan\n"
                                   "release rt_chan_close handle=1 type=rt-chan\n"
                                   "queue-close rt_chan_close handle=1\n"
                                   "drain rt_flush handle=1\n"
                                   "join rt_await handle=1\n"
                                   "cancel rt_stop handle=1\n"
                                   "shutdown-wait rt_until_signal\n";

#define FACTS_BUILDER_UNITS_ONLY
#include "facts_builder.h"

/* ---- Building facts ------------------------------------------------------------------- */

/* Defines `name` at `line`: an entry block 0 that returns. */
static ll_function *define(ll_unit *unit, const char *name, uint32_t line)
{
    return define_returning(unit, name, line);
}

static ll_index variable(ll_function *function, const char *name, enum ll_variable_kind kind)
{
    ll_index index = ll_function_add_variable(function, name, kind);
    assert_int_not_equal(index, LL_NONE);
    function->variables[index].is_pointer = true;
    if (kind == LL_VARIABLE_PARAMETER)
        function->variables[index].parameter = ++function->parameter_count;
    return index;
}

/* A new block that returns; its index. */
static ll_index block(ll_function *function, uint32_t line)
{
    ll_index index = ll_function_add_block(function);
    assert_int_not_equal(index, LL_NONE);
    function->blocks[index].terminator = LL_TERMINATOR_RETURN;
    function->blocks[index].location = (ll_location){0, line, 5};
    return index;
}

static void jump(ll_function *function, ll_index from, ll_index to)
{
    function->blocks[from].terminator = LL_TERMINATOR_JUMP;
    assert_int_equal(ll_block_set_successors(&function->blocks[from], &to, 1), 0);
}

/* `if (variable RELATION constant)`: then, else; an unknown test when
 * variable is LL_NONE. */
static void branch(ll_function *function, ll_index from, ll_index variable,
                   enum ll_relation relation, int64_t constant, ll_index then, ll_index otherwise)
{
    ll_block *at = &function->blocks[from];
    ll_index successors[2] = {then, otherwise};
    at->terminator = LL_TERMINATOR_BRANCH;
    at->test = (ll_test){variable == LL_NONE ? LL_RELATION_UNKNOWN : relation, variable, constant};
    assert_int_equal(ll_block_set_successors(at, successors, 2), 0);
}

/* A direct call in block `at` written `text`, its result into `target`. */
static ll_index call(ll_function *function, ll_index at, const char *callee, const char *text,
                     uint32_t line, ll_index target)
{
    ll_index index = ll_function_add_call(function, callee);
    assert_int_not_equal(index, LL_NONE);
    ll_call *site = &function->calls[index];
    site->callee_usr = usr_of(callee);
    site->location = (ll_location){0, line, 5};
    site->text = strdup(text);
    site->result_use = target == LL_NONE ? LL_RESULT_DISCARDED : LL_RESULT_USED;
    site->block = at;
    ll_operation *operation = ll_block_add_operation(&function->blocks[at], LL_OPERATION_CALL);
    assert_non_null(operation);
    operation->call = index;
    operation->target = target;
    operation->location = site->location;
    return index;
}

static ll_value *argument(ll_function *function, ll_index index, enum ll_value_kind kind)
{
    return add_argument(function, index, kind);
}

static void arg_constant(ll_function *function, ll_index index, int64_t constant)
{
    argument(function, index, LL_VALUE_CONSTANT)->constant = constant;
}

static void arg_variable(ll_function *function, ll_index index, ll_index variable)
{
    argument(function, index, LL_VALUE_VARIABLE)->variable = variable;
}

static void arg_address(ll_function *function, ll_index index, ll_index variable)
{
    argument(function, index, LL_VALUE_ADDRESS)->variable = variable;
}

static void arg_function(ll_function *function, ll_index index, const char *name)
{
    ll_value *value = argument(function, index, LL_VALUE_FUNCTION);
    value->name = strdup(name);
    value->usr = usr_of(name);
}

static void arg_other(ll_function *function, ll_index index)
{
    argument(function, index, LL_VALUE_OTHER);
}

static void assign(ll_function *function, ll_index at, ll_index target, ll_index from)
{
    ll_operation *operation = ll_block_add_operation(&function->blocks[at], LL_OPERATION_ASSIGN);
    assert_non_null(operation);
    operation->target = target;
    operation->value = (ll_value){.kind = LL_VALUE_VARIABLE, .variable = from};
}

static ll_loop *loop(ll_function *function, ll_index header, const ll_index *blocks, uint32_t count,
                     bool constant_true)
{
    ll_loop *made = ll_function_add_loop(function);
    assert_non_null(made);
    made->header = header;
    made->location = (ll_location){0, 1, 5};
    made->condition_constant_true = constant_true;
    for (uint32_t i = 0; i < count; i++)
        assert_int_equal(ll_loop_add_block(made, blocks[i]), 0);
    return made;
}

static ll_packs *runtime_packs(void)
{
    ll_packs *packs = ll_packs_new();
    assert_non_null(packs);
    ll_error error;
    if (ll_packs_load_text(packs, "rt.rules", runtime_pack, &error) < 0)
        fail_msg("%s", error.message);
    return packs;
}

/* ---- branch ------------------------------------------------------------------------------- */

static void test_branch_sides(void **state)
{
    (void)state;
    ll_packs *packs = runtime_packs();
    ll_unit *unit = new_unit("/src/branch.c");
    ll_function *function = define(unit, "f", 1);
    ll_index result = variable(function, "", LL_VARIABLE_TEMPORARY);
    ll_index copy = variable(function, "rc", LL_VARIABLE_LOCAL);
    ll_index then = block(function, 3);
    ll_index otherwise = block(function, 4);
    ll_index nap = call(function, 0, "rt_nap", "rt_nap ( )", 2, result);
    assign(function, 0, copy, result);
    branch(function, 0, copy, LL_RELATION_LESS, 0, then, otherwise);
    const ll_block *tested = &function->blocks[0];

    assert_int_equal(ll_branch_relation(tested, 0), LL_RELATION_LESS);
    assert_int_equal(ll_branch_relation(tested, 1), LL_RELATION_GREATER_EQUAL);
    assert_int_equal(ll_branch_relation(&function->blocks[then], 0), LL_RELATION_UNKNOWN);
    assert_int_equal(ll_branch_tested_call(function, tested), nap);

    const ll_function_rule *sleep_rule = ll_packs_lookup(packs, "rt_nap");
    assert_true(ll_branch_only_on_failure(tested, 0, sleep_rule));
    assert_false(ll_branch_only_on_failure(tested, 1, sleep_rule));
    /* A handle-returning call fails with NULL only: `< 0` says nothing. */
    const ll_function_rule *spawn_rule = ll_packs_lookup(packs, "rt_go");
    assert_false(ll_branch_only_on_failure(tested, 0, spawn_rule));

    char words[64];
    assert_string_equal(ll_relation_words(LL_RELATION_EQUAL, 0, true, words, sizeof words),
                        "is NULL");
    assert_string_equal(ll_relation_words(LL_RELATION_GREATER, -1, false, words, sizeof words),
                        "is not negative");
    assert_string_equal(ll_relation_words(LL_RELATION_LESS_EQUAL, 3, false, words, sizeof words),
                        "is at most 3");
    ll_unit_free(unit);
    ll_packs_free(packs);
}

/* ---- undrained ---------------------------------------------------------------------------- */

/* The effect of one call. */
static ll_queue_effect effect(enum ll_queue_effect_kind kind, uint32_t argument)
{
    return (ll_queue_effect){kind, argument, LL_QUEUE_EFFECT_AT_CALL};
}

/* Runs the dataflow; the closes found, as call indices "3 7". */
static char *undrained_closes(const ll_function *function, const ll_queue_effect *effects,
                              ll_undrained_result *result)
{
    assert_int_equal(ll_undrained_find(function, effects, result), 0);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    for (uint32_t i = 0; i < result->close_count; i++)
        fprintf(out, "%s%u", i ? " " : "", result->closes[i].close);
    fclose(out);
    return text;
}

static void assert_closes(const ll_function *function, const ll_queue_effect *effects,
                          const char *expected)
{
    ll_undrained_result result;
    char *closes = undrained_closes(function, effects, &result);
    assert_string_equal(closes, expected);
    free(closes);
    ll_undrained_result_free(&result);
}

/* start(q); close(q): undrained - unless a drain of q, of anything, or of
 * nothing nameable comes between, or the start is of another queue. */
static void test_undrained_straight_line(void **state)
{
    (void)state;
    ll_unit *unit = new_unit("/src/line.c");
    ll_function *function = define(unit, "f", 1);
    ll_index queue = variable(function, "q", LL_VARIABLE_LOCAL);
    ll_index other = variable(function, "other", LL_VARIABLE_LOCAL);
    ll_index start = call(function, 0, "spawn", "spawn ( w , q )", 2, LL_NONE);
    arg_function(function, start, "w");
    arg_variable(function, start, queue);
    ll_index drain = call(function, 0, "flush", "flush ( other )", 3, LL_NONE);
    arg_variable(function, drain, other);
    ll_index close = call(function, 0, "close", "close ( q )", 4, LL_NONE);
    arg_variable(function, close, queue);

    ll_queue_effect effects[3] = {effect(LL_QUEUE_EFFECT_STARTS, 2),
                                  effect(LL_QUEUE_EFFECT_DRAINS, 1),
                                  effect(LL_QUEUE_EFFECT_CLOSES, 1)};
    ll_undrained_result result;
    char *closes = undrained_closes(function, effects, &result);
    assert_string_equal(closes, "2");
    assert_int_equal(result.closes[0].start, start);
    assert_int_equal(result.closes[0].step_count, 0);
    free(closes);
    ll_undrained_result_free(&result);

    effects[1] = effect(LL_QUEUE_EFFECT_DRAINS_ANY, 0);
    assert_closes(function, effects, "");
    effects[1] = effect(LL_QUEUE_EFFECT_NONE, 0);
    effects[0] = effect(LL_QUEUE_EFFECT_STARTS_ANY, 0);
    assert_closes(function, effects, "2");
    /* Consumers of `other` only: closing q loses nothing. */
    function->calls[start].arguments[1].variable = other;
    effects[0] = effect(LL_QUEUE_EFFECT_STARTS, 2);
    assert_closes(function, effects, "");
    /* A drain whose queue cannot be named may be q's. */
    function->calls[start].arguments[1].variable = queue;
    function->calls[drain].arguments[0].kind = LL_VALUE_OTHER;
    free(function->calls[drain].text);
    function->calls[drain].text = strdup("flush ( )");
    effects[1] = effect(LL_QUEUE_EFFECT_DRAINS, 1);
    assert_closes(function, effects, "");
    ll_unit_free(unit);
}

/* t = spawn(...); if (t == NULL) { close(q); return; } flush(q); close(q):
 * the early close follows a spawn that failed, which started nothing. */
static void test_undrained_failed_start(void **state)
{
    (void)state;
    ll_unit *unit = new_unit("/src/failed.c");
    ll_function *function = define(unit, "f", 1);
    ll_index queue = variable(function, "q", LL_VARIABLE_LOCAL);
    ll_index task = variable(function, "t", LL_VARIABLE_LOCAL);
    ll_index failed = block(function, 3);
    ll_index running = block(function, 5);
    ll_index start = call(function, 0, "spawn", "spawn ( w , q )", 2, task);
    arg_function(function, start, "w");
    arg_variable(function, start, queue);
    branch(function, 0, task, LL_RELATION_EQUAL, 0, failed, running);
    ll_index early = call(function, failed, "close", "close ( q )", 3, LL_NONE);
    arg_variable(function, early, queue);
    ll_index drain = call(function, running, "flush", "flush ( q )", 5, LL_NONE);
    arg_variable(function, drain, queue);
    ll_index late = call(function, running, "close", "close ( q )", 6, LL_NONE);
    arg_variable(function, late, queue);

    ll_queue_effect effects[4] = {
        {LL_QUEUE_EFFECT_STARTS, 2, 0}, /* starts unless successor 0 (t == NULL) is taken */
        effect(LL_QUEUE_EFFECT_CLOSES, 1),
        effect(LL_QUEUE_EFFECT_DRAINS, 1),
        effect(LL_QUEUE_EFFECT_CLOSES, 1),
    };
    assert_closes(function, effects, "");
    /* Started at the call: the failure branch closes with it running. */
    effects[0].failure_successor = LL_QUEUE_EFFECT_AT_CALL;
    assert_closes(function, effects, "1");
    ll_unit_free(unit);
}

/* q = open(); if (q == NULL) goto out; start; if (flag) flush(q);
 * out: if (q != NULL) close(q). The path that skips the flush is
 * reported, and its branch is the one marked as going around the drain;
 * the branch on q at `out` is not. */
static void test_undrained_paths(void **state)
{
    (void)state;
    ll_unit *unit = new_unit("/src/paths.c");
    ll_function *function = define(unit, "f", 1);
    ll_index queue = variable(function, "q", LL_VARIABLE_LOCAL);
    ll_index started = block(function, 4);
    ll_index draining = block(function, 6);
    ll_index out = block(function, 8);
    ll_index closing = block(function, 9);
    ll_index done = block(function, 10);
    ll_index open = call(function, 0, "open", "open ( )", 2, queue);
    branch(function, 0, queue, LL_RELATION_EQUAL, 0, out, started);
    ll_index start = call(function, started, "spawn", "spawn ( w , q )", 4, LL_NONE);
    arg_function(function, start, "w");
    arg_variable(function, start, queue);
    branch(function, started, LL_NONE, LL_RELATION_UNKNOWN, 0, draining, out);
    ll_index drain = call(function, draining, "flush", "flush ( q )", 6, LL_NONE);
    arg_variable(function, drain, queue);
    jump(function, draining, out);
    branch(function, out, queue, LL_RELATION_NOT_EQUAL, 0, closing, done);
    ll_index close = call(function, closing, "close", "close ( q )", 9, LL_NONE);
    arg_variable(function, close, queue);
    jump(function, closing, done);

    ll_queue_effect effects[4] = {
        effect(LL_QUEUE_EFFECT_NONE, 0),
        effect(LL_QUEUE_EFFECT_STARTS, 2),
        effect(LL_QUEUE_EFFECT_DRAINS, 1),
        effect(LL_QUEUE_EFFECT_CLOSES, 1),
    };
    (void)open;
    ll_undrained_result result;
    char *closes = undrained_closes(function, effects, &result);
    assert_string_equal(closes, "3");
    const ll_undrained *found = &result.closes[0];
    assert_int_equal(found->start, start);
    assert_int_equal(found->step_count, 2);
    assert_int_equal(found->steps[0].block, started);
    assert_int_equal(found->steps[0].successor, 1);
    assert_true(found->steps[0].skips_drain);
    assert_int_equal(found->steps[1].block, out);
    assert_false(found->steps[1].skips_drain);
    free(closes);
    ll_undrained_result_free(&result);

    /* The drain on both sides: nothing to report. */
    function->blocks[started].successors[1] = draining;
    assert_closes(function, effects, "");
    ll_unit_free(unit);
}

/* start; if (q != NULL) flush(q); if (q != NULL) close(q): the path that
 * skips the flush has q NULL, which the branch says - it never reaches
 * the close with consumers of q started (examples/worker_pool.c). */
static void test_undrained_null_branch(void **state)
{
    (void)state;
    ll_unit *unit = new_unit("/src/null.c");
    ll_function *function = define(unit, "f", 1);
    ll_index queue = variable(function, "q", LL_VARIABLE_LOCAL);
    ll_index draining = block(function, 4);
    ll_index tested = block(function, 5);
    ll_index closing = block(function, 6);
    ll_index done = block(function, 7);
    ll_index start = call(function, 0, "spawn", "spawn ( w , pool )", 2, LL_NONE);
    arg_function(function, start, "w");
    arg_other(function, start);
    branch(function, 0, queue, LL_RELATION_NOT_EQUAL, 0, draining, tested);
    ll_index drain = call(function, draining, "flush", "flush ( q )", 4, LL_NONE);
    arg_variable(function, drain, queue);
    jump(function, draining, tested);
    branch(function, tested, queue, LL_RELATION_NOT_EQUAL, 0, closing, done);
    ll_index close = call(function, closing, "close", "close ( q )", 6, LL_NONE);
    arg_variable(function, close, queue);
    jump(function, closing, done);

    ll_queue_effect effects[3] = {effect(LL_QUEUE_EFFECT_STARTS_ANY, 0),
                                  effect(LL_QUEUE_EFFECT_DRAINS, 1),
                                  effect(LL_QUEUE_EFFECT_CLOSES, 1)};
    assert_closes(function, effects, "");
    /* Tested on something else, the skipping path is real. */
    ll_index other = variable(function, "other", LL_VARIABLE_LOCAL);
    function->blocks[0].test.variable = other;
    assert_closes(function, effects, "2");
    ll_unit_free(unit);
}

/* Expressions are compared by their tokens; assigning a variable they
 * name forgets them. */
static void test_undrained_expressions(void **state)
{
    (void)state;
    ll_unit *unit = new_unit("/src/tokens.c");
    ll_function *function = define(unit, "f", 1);
    ll_index app = variable(function, "app", LL_VARIABLE_LOCAL);
    ll_index start = call(function, 0, "spawn", "spawn ( w , app )", 2, LL_NONE);
    arg_function(function, start, "w");
    arg_variable(function, start, app);
    ll_index drain = call(function, 0, "flush", "flush ( app -> other )", 3, LL_NONE);
    arg_other(function, drain);
    ll_index close = call(function, 0, "close", "close ( app -> queue )", 4, LL_NONE);
    arg_other(function, close);

    ll_queue_effect effects[3] = {effect(LL_QUEUE_EFFECT_STARTS_ANY, 0),
                                  effect(LL_QUEUE_EFFECT_DRAINS, 1),
                                  effect(LL_QUEUE_EFFECT_CLOSES, 1)};
    assert_closes(function, effects, "2");
    free(function->calls[drain].text);
    function->calls[drain].text = strdup("flush ( app -> queue )");
    assert_closes(function, effects, "");

    const char *text;
    size_t length;
    assert_true(ll_call_argument_text(&function->calls[close], 1, &text, &length));
    assert_int_equal(length, strlen("app -> queue"));
    assert_memory_equal(text, "app -> queue", length);

    /* `app` assigned between: app->queue is another queue now. */
    free(function->calls[drain].text);
    function->calls[drain].text = strdup("flush ( app -> other )");
    ll_index fresh = variable(function, "", LL_VARIABLE_TEMPORARY);
    ll_block *entry = &function->blocks[0];
    entry->operations[1] = (ll_operation){.kind = LL_OPERATION_ASSIGN,
                                          .call = LL_NONE,
                                          .target = app,
                                          .value = {.kind = LL_VALUE_VARIABLE, .variable = fresh}};
    assert_closes(function, effects, "");
    ll_unit_free(unit);
}

/* ---- forever_loop ----------------------------------------------------------------------- */

/* A loop `header -> body -> header` whose header calls `callee` (text
 * `text`, a deadline argument `deadline` when not LL_NONE... ) and leaves
 * the loop when the result RELATION constant holds (then) or not. The
 * function's block 0 jumps to the header; the exit returns. */
typedef struct loop_shape {
    const char *callee;
    int64_t deadline; /* the deadline argument (3rd), or 0 for none */
    enum ll_relation relation;
    int64_t constant;
    bool exit_when_holds; /* leave on the side where the test holds */
} loop_shape;

static int runs_until_failure(ll_packs *packs, loop_shape shape)
{
    ll_unit *unit = new_unit("/src/loop.c");
    ll_function *function = define(unit, "worker", 1);
    ll_index item = variable(function, "item", LL_VARIABLE_LOCAL);
    ll_index result = variable(function, "", LL_VARIABLE_TEMPORARY);
    ll_index header = block(function, 2);
    ll_index body = block(function, 3);
    ll_index exit = block(function, 4);
    jump(function, 0, header);
    ll_index wait = call(function, header, shape.callee, "wait ( )", 2, result);
    if (shape.deadline) {
        arg_other(function, wait);
        arg_address(function, wait, item);
        arg_constant(function, wait, shape.deadline);
    }
    if (shape.exit_when_holds)
        branch(function, header, result, shape.relation, shape.constant, exit, body);
    else
        branch(function, header, result, shape.relation, shape.constant, body, exit);
    jump(function, body, header);
    ll_index blocks[2] = {header, body};
    loop(function, header, blocks, 2, false);
    int forever = ll_loop_runs_until_failure(function, &function->loops[0], packs);
    ll_unit_free(unit);
    return forever;
}

static void test_forever_loops(void **state)
{
    (void)state;
    ll_packs *packs = runtime_packs();
    /* while (rt_nap() == 0) / if (rt_nap() < 0) break; */
    assert_int_equal(
        runs_until_failure(packs, (loop_shape){"rt_nap", 0, LL_RELATION_EQUAL, 0, false}), 1);
    assert_int_equal(
        runs_until_failure(packs, (loop_shape){"rt_nap", 0, LL_RELATION_LESS, 0, true}), 1);
    /* while (rt_take(q, &item, FOREVER) == 0); with a deadline it ends
       when the queue is idle. */
    assert_int_equal(
        runs_until_failure(packs, (loop_shape){"rt_take", -1, LL_RELATION_EQUAL, 0, false}), 1);
    assert_int_equal(
        runs_until_failure(packs, (loop_shape){"rt_take", 100, LL_RELATION_EQUAL, 0, false}), 0);
    /* I/O that needs a timeout: its failure is an error, whatever the
       deadline; but `n <= 0` is end of file too. */
    assert_int_equal(
        runs_until_failure(packs, (loop_shape){"rt_recv", 100, LL_RELATION_LESS, 0, true}), 1);
    assert_int_equal(
        runs_until_failure(packs, (loop_shape){"rt_recv", 100, LL_RELATION_GREATER, 0, false}), 0);
    /* A user function's result, or a flag: it may end by itself. */
    assert_int_equal(
        runs_until_failure(packs, (loop_shape){"next_job", 0, LL_RELATION_EQUAL, 0, false}), 0);

    /* for (;;) { rt_nap(); if (done) return 0; } - a return is a way out. */
    ll_unit *unit = new_unit("/src/flag.c");
    ll_function *function = define(unit, "poll", 1);
    ll_index done = variable(function, "done", LL_VARIABLE_LOCAL);
    ll_index body = block(function, 2);
    ll_index leave = block(function, 3);
    jump(function, 0, body);
    call(function, body, "rt_nap", "rt_nap ( )", 2, LL_NONE);
    branch(function, body, done, LL_RELATION_NOT_EQUAL, 0, leave, body);
    ll_index blocks[2] = {body, leave};
    loop(function, body, blocks, 2, true);
    assert_int_equal(ll_loop_runs_until_failure(function, &function->loops[0], packs), 0);
    /* ... and without the flag, nothing ends it. */
    branch(function, body, LL_NONE, LL_RELATION_UNKNOWN, 0, body, body);
    assert_int_equal(ll_loop_runs_until_failure(function, &function->loops[0], packs), 1);
    ll_unit_free(unit);
    ll_packs_free(packs);
}

/* ---- reach and the checks over a program ------------------------------------------------ */

typedef struct program {
    ll_unit *units[2];
    size_t unit_count;
    ll_packs *packs;
    ll_program *linked;
    ll_statistics statistics;
    ll_findings findings;
} program;

static void program_link(program *p)
{
    p->packs = runtime_packs();
    ll_error error;
    memset(&p->statistics, 0, sizeof p->statistics);
    p->linked = ll_program_link(p->units, p->unit_count, p->packs, &p->statistics, &error);
    if (!p->linked)
        fail_msg("%s", error.message);
    ll_findings_init(&p->findings);
}

static void program_check(program *p, const char *id)
{
    const ll_check *check = ll_check_find(id);
    assert_non_null(check);
    assert_non_null(check->check_program);
    ll_findings_free(&p->findings);
    ll_findings_init(&p->findings);
    ll_check_context context = {.program = p->linked, .packs = p->packs, .statistics = &p->statistics};
    assert_int_equal(check->check_program(&context, &p->findings), 0);
    ll_findings_sort(&p->findings);
}

static void program_free(program *p)
{
    ll_findings_free(&p->findings);
    ll_program_free(p->linked);
    ll_packs_free(p->packs);
    for (size_t u = 0; u < p->unit_count; u++)
        ll_unit_free(p->units[u]);
}

static bool has_note(const ll_finding *finding, const char *text)
{
    for (uint32_t n = 0; n < finding->note_count; n++)
        if (strstr(finding->notes[n].message, text))
            return true;
    return false;
}

/* worker(arg): while (rt_take(arg, &item, -1) == 0) ; - a consumer of its
 * argument that only a failure stops. */
static void define_worker(ll_unit *unit, const char *name, uint32_t line)
{
    ll_function *worker = define(unit, name, line);
    ll_index argument = variable(worker, "arg", LL_VARIABLE_PARAMETER);
    ll_index item = variable(worker, "item", LL_VARIABLE_LOCAL);
    ll_index result = variable(worker, "", LL_VARIABLE_TEMPORARY);
    ll_index header = block(worker, line + 2);
    ll_index body = block(worker, line + 3);
    ll_index exit = block(worker, line + 4);
    jump(worker, 0, header);
    ll_index take =
        call(worker, header, "rt_take", "rt_take ( arg , & item , - 1 )", line + 2, result);
    arg_variable(worker, take, argument);
    arg_address(worker, take, item);
    arg_constant(worker, take, -1);
    branch(worker, header, result, LL_RELATION_EQUAL, 0, body, exit);
    jump(worker, body, header);
    ll_index blocks[2] = {header, body};
    loop(worker, header, blocks, 2, false);
}

/* run(arg): q = rt_chan_open(); t = rt_go(worker, q); [waits];
 * [rt_flush(q)]; rt_chan_close(q) at line + 6; and main() calling
 * rt_main(run, 0) at main_line. */
static void define_program(ll_unit *unit, const char *run_name, const char *worker, uint32_t line,
                           bool waits, bool drains, const char *main_name, uint32_t main_line)
{
    ll_function *run = define(unit, run_name, line);
    ll_index queue = variable(run, "q", LL_VARIABLE_LOCAL);
    ll_index task = variable(run, "t", LL_VARIABLE_LOCAL);
    call(run, 0, "rt_chan_open", "rt_chan_open ( )", line + 1, queue);
    ll_index spawn = call(run, 0, "rt_go", "rt_go ( worker , q )", line + 2, task);
    arg_function(run, spawn, worker);
    arg_variable(run, spawn, queue);
    if (waits)
        call(run, 0, "rt_until_signal", "rt_until_signal ( )", line + 3, LL_NONE);
    if (drains) {
        ll_index flush = call(run, 0, "rt_flush", "rt_flush ( q )", line + 4, LL_NONE);
        arg_variable(run, flush, queue);
    }
    ll_index close = call(run, 0, "rt_chan_close", "rt_chan_close ( q )", line + 6, LL_NONE);
    arg_variable(run, close, queue);

    ll_function *main_function = define(unit, main_name, main_line);
    ll_index start =
        call(main_function, 0, "rt_main", "rt_main ( run , 0 )", main_line + 1, LL_NONE);
    arg_function(main_function, start, run_name);
    arg_constant(main_function, start, 0);
}

static void test_reach_walks(void **state)
{
    (void)state;
    program p = {.unit_count = 1};
    p.units[0] = new_unit("/src/app/main.c");
    define_worker(p.units[0], "worker", 1);
    define_program(p.units[0], "run", "worker", 20, false, false, "main", 40);
    program_link(&p);
    uint32_t count = ll_program_function_count(p.linked);
    assert_int_equal(count, 3); /* worker, run, main */
    ll_reach *reach = ll_reach_new(p.linked, p.packs);
    assert_non_null(reach);

    const ll_reach_edge *edges;
    assert_int_equal(ll_reach_edges(reach, 2, &edges), 1); /* main -> run, as main */
    assert_true(edges[0].entry);
    assert_int_equal(edges[0].kind, LL_ENTRY_MAIN);
    assert_int_equal(edges[0].function, 1);

    ll_reach_mark marks[3];
    assert_int_equal(ll_reach_forward(reach, 2, LL_REACH_ENTRY(LL_ENTRY_MAIN), marks), 0);
    assert_true(marks[1].marked);
    assert_false(marks[0].marked); /* not through tasks */
    assert_int_equal(ll_reach_forward(reach, 2,
                                      LL_REACH_ENTRY(LL_ENTRY_MAIN) | LL_REACH_ENTRY(LL_ENTRY_TASK),
                                      marks),
                     0);
    assert_true(marks[0].marked);
    assert_int_equal(marks[0].from, 1);
    assert_int_equal(marks[0].edge->kind, LL_ENTRY_TASK);

    for (uint32_t id = 0; id < count; id++)
        marks[id] = (ll_reach_mark){id == 0, LL_NONE, NULL};
    assert_int_equal(ll_reach_backward(reach, LL_REACH_SAME_TASK, marks), 0);
    assert_false(marks[1].marked);
    assert_int_equal(ll_reach_backward(reach, LL_REACH_ENTRY(LL_ENTRY_TASK), marks), 0);
    assert_true(marks[1].marked);
    assert_int_equal(marks[1].from, 0);
    assert_false(marks[2].marked);

    uint32_t ids[2];
    assert_int_equal(ll_reach_functions_of(p.linked, 1, 1, 1, ids, 2), 1);
    assert_int_equal(ids[0], 0);
    assert_int_equal(ll_reach_functions_of(p.linked, 1, 1, 2, ids, 2), 0); /* q */
    ll_reach_free(reach);
    program_free(&p);
}

static void test_queue_not_drained_program(void **state)
{
    (void)state;
    for (int drains = 0; drains < 2; drains++) {
        program p = {.unit_count = 1};
        p.units[0] = new_unit("/src/app/main.c");
        define_worker(p.units[0], "worker", 1);
        define_program(p.units[0], "run", "worker", 20, true, drains, "main", 40);
        program_link(&p);
        program_check(&p, "queue-not-drained");
        if (drains) {
            assert_int_equal(p.findings.count, 0);
        } else {
            assert_int_equal(p.findings.count, 1);
            const ll_finding *finding = &p.findings.items[0];
            assert_int_equal(finding->place.line, 26);
            assert_string_equal(finding->rule, "queue-not-drained");
            assert_non_null(strstr(finding->message, "'rt_chan_close' closes 'q'"));
            assert_non_null(strstr(finding->message, "call 'rt_flush'"));
            assert_true(has_note(finding, "consumer task 'worker' is started here"));
            assert_true(has_note(finding, "'worker' takes items from a queue here ('rt_take')"));
        }
        program_free(&p);
    }
}

static void test_unhandled_shutdown_program(void **state)
{
    (void)state;
    program p = {.unit_count = 1};
    p.units[0] = new_unit("/src/app/main.c");
    define_worker(p.units[0], "worker", 1);
    define_program(p.units[0], "run", "worker", 20, false, true, "main", 40);
    program_link(&p);
    program_check(&p, "unhandled-shutdown");
    assert_int_equal(p.findings.count, 1);
    const ll_finding *finding = &p.findings.items[0];
    assert_int_equal(finding->place.line, 41);
    assert_int_equal(finding->severity, LL_SEVERITY_NOTE);
    assert_non_null(strstr(finding->message, "the program started at 'run' runs long-lived "
                                             "workers ('worker' spawned at main.c:22)"));
    assert_non_null(strstr(finding->message, "call 'rt_until_signal'"));
    assert_true(has_note(finding, "task 'worker' is started here"));
    assert_true(has_note(finding, "'worker' loops here until it is cancelled or fails"));
    program_free(&p);
}

/* Two programs in one database, each judged by what its own main
 * reaches: only the one that never waits is reported. */
static void test_unhandled_shutdown_per_program(void **state)
{
    (void)state;
    program p = {.unit_count = 2};
    p.units[0] = new_unit("/src/server/main.c");
    define_worker(p.units[0], "serve", 1);
    define_program(p.units[0], "run_server", "serve", 20, true, true, "server_main", 40);
    p.units[1] = new_unit("/src/poller/main.c");
    define_worker(p.units[1], "poll", 1);
    define_program(p.units[1], "run_poller", "poll", 20, false, true, "poller_main", 40);
    program_link(&p);
    program_check(&p, "unhandled-shutdown");
    assert_int_equal(p.findings.count, 1);
    assert_string_equal(p.findings.items[0].place.file, "/src/poller/main.c");
    assert_non_null(strstr(p.findings.items[0].message, "'run_poller'"));
    program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_branch_sides),
        cmocka_unit_test(test_undrained_straight_line),
        cmocka_unit_test(test_undrained_failed_start),
        cmocka_unit_test(test_undrained_paths),
        cmocka_unit_test(test_undrained_null_branch),
        cmocka_unit_test(test_undrained_expressions),
        cmocka_unit_test(test_forever_loops),
        cmocka_unit_test(test_reach_walks),
        cmocka_unit_test(test_queue_not_drained_program),
        cmocka_unit_test(test_unhandled_shutdown_program),
        cmocka_unit_test(test_unhandled_shutdown_per_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
