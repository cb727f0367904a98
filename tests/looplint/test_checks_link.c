/*
 * test_checks_link.c - the checks that stand on the linked program:
 * blocking-call, missing-timeout and unobserved-failure, over facts built
 * by hand (CFGs included) and small test packs. Each scenario is a tiny
 * program whose lines are numbered so that a test can say exactly which
 * calls must be reported and which must not.
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
#include "analysis/program.h"
#include "checks/check.h"
#include "packs/pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ll_check ll_check_blocking_call;
extern const ll_check ll_check_missing_timeout;
extern const ll_check ll_check_unobserved_failure;

static const char nest_pack[] = "pack nest\n"
                                "strict-io\n"
                                "entry nest_run kind=main arg=1\n"
                                "entry nest_spawn kind=task arg=1\n"
                                "entry nest_wait_for kind=timeout-scope arg=1\n"
                                "entry nest_shield kind=shield arg=1\n"
                                "entry nest_to_thread kind=off-loop arg=1\n"
                                "suspend nest_read deadline=4 forever=-1 needs-timeout\n"
                                "suspend nest_queue_get deadline=3 forever=-1\n"
                                "suspend nest_join deadline=2 forever=-1 needs-timeout\n"
                                "join nest_join handle=1\n"
                                "cancel nest_cancel handle=1\n"
                                "must-observe nest_join result=3 task=1\n"
                                "must-observe nest_wait_for result=4 task=1\n"
                                "suspend nest_to_thread deadline=3 forever=-1 needs-timeout\n"
                                "must-observe nest_to_thread result=4 task=1\n";

static const char posix_pack[] =
    "pack posix\n"
    "blocking sleep category=sleep reason=\"sleeps the whole thread\" replace=nest_sleep\n"
    "blocking printf category=console reason=\"writes to the terminal\"\n"
    "blocking read category=fd-io reason=\"reads without the loop\" replace=nest_read\n"
    "blocking poll category=poll reason=\"waits for descriptors\" when=arg3!=0\n";

static const char uv_pack[] = "pack uv\n"
                              "entry uv_timer_start kind=callback arg=2\n";

#define FACTS_BUILDER_UNITS_ONLY
#include "facts_builder.h"

/* ---- Building facts ------------------------------------------------------------- */

/* Defines `name` at `line` with an entry block 0 that returns; the index. */
static uint32_t define(ll_unit *unit, const char *name, uint32_t line)
{
    ll_function *function = define_returning(unit, name, line);
    function->blocks[0].location = (ll_location){0, line + 1, 5};
    return unit->function_count - 1;
}

static void declare(ll_unit *unit, const char *name, uint32_t annotations)
{
    char *usr = usr_of(name);
    ll_function *function = ll_unit_add_function(unit, name, usr);
    free(usr);
    assert_non_null(function);
    function->annotations = annotations;
}

static ll_function *function_of(ll_unit *unit, uint32_t function)
{
    return &unit->functions[function];
}

static ll_index variable(ll_unit *unit, uint32_t function, const char *name,
                         enum ll_variable_kind kind)
{
    ll_index index = ll_function_add_variable(function_of(unit, function), name, kind);
    assert_int_not_equal(index, LL_NONE);
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

/* An unknown test: either way. */
static void branch(ll_unit *unit, uint32_t function, ll_index from, ll_index then,
                   ll_index otherwise)
{
    ll_block *at = &function_of(unit, function)->blocks[from];
    ll_index successors[2] = {then, otherwise};
    at->terminator = LL_TERMINATOR_BRANCH;
    assert_int_equal(ll_block_set_successors(at, successors, 2), 0);
}

static void return_constant(ll_unit *unit, uint32_t function, ll_index at, int64_t value,
                            uint32_t line)
{
    ll_block *returning = &function_of(unit, function)->blocks[at];
    returning->terminator = LL_TERMINATOR_RETURN;
    returning->returned.kind = LL_VALUE_CONSTANT;
    returning->returned.constant = value;
    returning->location = (ll_location){0, line, 5};
}

/* A direct call in block `at` at `line`: the text is `written ( )` (a
 * macro's name when it differs from the callee), the result goes to
 * `target` (LL_NONE: nowhere). Arguments are added by the arg_* helpers. */
static ll_index call_written(ll_unit *unit, uint32_t function, ll_index at, const char *callee,
                             const char *written, uint32_t line, enum ll_result_use use,
                             ll_index target)
{
    ll_function *caller = function_of(unit, function);
    ll_index index = ll_function_add_call(caller, callee);
    assert_int_not_equal(index, LL_NONE);
    ll_call *site = &caller->calls[index];
    site->callee_usr = usr_of(callee);
    site->location = (ll_location){0, line, 5};
    assert_true(asprintf(&site->text, "%s ( )", written) > 0);
    site->result_use = use;
    site->block = at;
    ll_operation *operation = ll_block_add_operation(&caller->blocks[at], LL_OPERATION_CALL);
    assert_non_null(operation);
    operation->call = index;
    operation->target = target;
    operation->location = site->location;
    return index;
}

/* A direct call whose text is given whole ("nest_cancel ( s -> task )"). */
static ll_index call_text(ll_unit *unit, uint32_t function, ll_index at, const char *callee,
                          const char *text, uint32_t line, enum ll_result_use use)
{
    ll_index index = call_written(unit, function, at, callee, callee, line, use, LL_NONE);
    ll_call *site = &function_of(unit, function)->calls[index];
    free(site->text);
    site->text = strdup(text);
    return index;
}

static ll_index call(ll_unit *unit, uint32_t function, ll_index at, const char *callee,
                     uint32_t line, enum ll_result_use use, ll_index target)
{
    return call_written(unit, function, at, callee, callee, line, use, target);
}

static ll_value *argument(ll_unit *unit, uint32_t function, ll_index index, enum ll_value_kind kind)
{
    return add_argument(function_of(unit, function), index, kind);
}

static void arg_other(ll_unit *unit, uint32_t function, ll_index index)
{
    argument(unit, function, index, LL_VALUE_OTHER);
}

static void arg_null(ll_unit *unit, uint32_t function, ll_index index)
{
    argument(unit, function, index, LL_VALUE_NULL);
}

static void arg_constant(ll_unit *unit, uint32_t function, ll_index index, int64_t constant)
{
    argument(unit, function, index, LL_VALUE_CONSTANT)->constant = constant;
}

static void arg_variable(ll_unit *unit, uint32_t function, ll_index index, ll_index variable)
{
    argument(unit, function, index, LL_VALUE_VARIABLE)->variable = variable;
}

static void arg_address(ll_unit *unit, uint32_t function, ll_index index, ll_index variable)
{
    argument(unit, function, index, LL_VALUE_ADDRESS)->variable = variable;
}

static void arg_function(ll_unit *unit, uint32_t function, ll_index index, const char *name)
{
    ll_value *value = argument(unit, function, index, LL_VALUE_FUNCTION);
    value->name = strdup(name);
    value->usr = usr_of(name);
}

static void assign(ll_unit *unit, uint32_t function, ll_index at, ll_index target, ll_value value)
{
    ll_operation *operation =
        ll_block_add_operation(&function_of(unit, function)->blocks[at], LL_OPERATION_ASSIGN);
    assert_non_null(operation);
    operation->target = target;
    operation->value = value;
}

static void assign_constant(ll_unit *unit, uint32_t function, ll_index at, ll_index target,
                            int64_t constant)
{
    assign(unit, function, at, target,
           (ll_value){.kind = LL_VALUE_CONSTANT, .variable = LL_NONE, .constant = constant});
}

/* `spawn(task, NULL)` into `target`. */
static void spawn(ll_unit *unit, uint32_t function, ll_index at, const char *task, uint32_t line,
                  ll_index target)
{
    ll_index index = call(unit, function, at, "nest_spawn", line,
                          target == LL_NONE ? LL_RESULT_DISCARDED : LL_RESULT_USED, target);
    arg_function(unit, function, index, task);
    arg_null(unit, function, index);
}

/* ---- Running checks ------------------------------------------------------------------ */

typedef struct scenario {
    ll_unit *units[4];
    size_t unit_count;
    ll_packs *packs;
    ll_program *program;
    ll_statistics statistics;
    ll_findings findings;
} scenario;

static void scenario_link(scenario *s)
{
    s->packs = ll_packs_new();
    assert_non_null(s->packs);
    ll_error error;
    if (ll_packs_load_text(s->packs, "nest.rules", nest_pack, &error) < 0 ||
        ll_packs_load_text(s->packs, "posix.rules", posix_pack, &error) < 0 ||
        ll_packs_load_text(s->packs, "uv.rules", uv_pack, &error) < 0)
        fail_msg("%s", error.message);
    memset(&s->statistics, 0, sizeof s->statistics);
    s->program = ll_program_link(s->units, s->unit_count, s->packs, &s->statistics, &error);
    if (!s->program)
        fail_msg("%s", error.message);
    ll_findings_init(&s->findings);
}

/* Runs `check` over every definition, with the given --enable options. */
static void scenario_run(scenario *s, const ll_check *check, const char *const *options)
{
    ll_findings_free(&s->findings);
    ll_findings_init(&s->findings);
    ll_check_context context = {.program = s->program, .packs = s->packs, .options = options, .statistics = &s->statistics};
    for (size_t u = 0; u < s->unit_count; u++)
        for (uint32_t f = 0; f < s->units[u]->function_count; f++)
            if (s->units[u]->functions[f].is_definition)
                assert_int_equal(check->check_function(&context, s->units[u],
                                                       &s->units[u]->functions[f], &s->findings),
                                 0);
    ll_findings_sort(&s->findings);
}

static void scenario_free(scenario *s)
{
    ll_findings_free(&s->findings);
    ll_program_free(s->program);
    ll_packs_free(s->packs);
    for (size_t u = 0; u < s->unit_count; u++)
        ll_unit_free(s->units[u]);
}

/* The lines reported, as "12 14 30" (findings are sorted by file, line). */
static char *reported_lines(const scenario *s)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    for (size_t i = 0; i < s->findings.count; i++)
        fprintf(out, "%s%u", i ? " " : "", s->findings.items[i].place.line);
    fclose(out);
    return text;
}

static void assert_lines(const scenario *s, const char *expected)
{
    char *lines = reported_lines(s);
    if (strcmp(lines, expected) != 0) {
        for (size_t i = 0; i < s->findings.count; i++)
            print_message("%s:%u: %s\n", s->findings.items[i].place.file,
                          s->findings.items[i].place.line, s->findings.items[i].message);
        fail_msg("reported lines \"%s\", expected \"%s\"", lines, expected);
    }
    free(lines);
}

static const ll_finding *finding_at(const scenario *s, uint32_t line)
{
    for (size_t i = 0; i < s->findings.count; i++)
        if (s->findings.items[i].place.line == line)
            return &s->findings.items[i];
    fail_msg("no finding at line %u", line);
    return NULL;
}

/* ---- blocking-call ---------------------------------------------------------------- */

/* main.c: start runs main_fn, which spawns worker (worker.c); uv.c
 * registers a libuv-style callback (a pack that is not strict-io). */
static void build_blocking(scenario *s)
{
    ll_unit *main_unit = s->units[0] = new_unit("/s/main.c");
    ll_unit *worker_unit = s->units[1] = new_unit("/s/worker.c");
    ll_unit *uv_unit = s->units[2] = new_unit("/s/uv.c");
    s->unit_count = 3;

    uint32_t start = define(main_unit, "start", 1);
    arg_function(main_unit, start,
                 call(main_unit, start, 0, "nest_run", 2, LL_RESULT_USED, LL_NONE), "main_fn");
    uint32_t main_fn = define(main_unit, "main_fn", 10);
    spawn(main_unit, main_fn, 0, "worker", 11, LL_NONE);
    declare(main_unit, "slow_query", LL_ANNOTATION_BLOCKING);

    ll_unit *w = worker_unit;
    uint32_t worker = define(w, "worker", 20);
    call(w, worker, 0, "load", 21, LL_RESULT_DISCARDED, LL_NONE);
    arg_other(w, worker, call(w, worker, 0, "printf", 22, LL_RESULT_DISCARDED, LL_NONE));
    ll_index read = call(w, worker, 0, "read", 23, LL_RESULT_USED, LL_NONE);
    arg_other(w, worker, read);
    ll_index poll_now = call(w, worker, 0, "poll", 24, LL_RESULT_USED, LL_NONE);
    arg_other(w, worker, poll_now);
    arg_constant(w, worker, poll_now, 1);
    arg_constant(w, worker, poll_now, 0);
    ll_index poll_wait = call(w, worker, 0, "poll", 25, LL_RESULT_USED, LL_NONE);
    arg_other(w, worker, poll_wait);
    arg_constant(w, worker, poll_wait, 1);
    arg_constant(w, worker, poll_wait, 1000);
    call(w, worker, 0, "slow_query", 26, LL_RESULT_DISCARDED, LL_NONE);
    call(w, worker, 0, "crunch", 27, LL_RESULT_DISCARDED, LL_NONE);
    call_written(w, worker, 0, "sleep", "SLEEP_A_BIT", 28, LL_RESULT_DISCARDED, LL_NONE);
    ll_index offload = call(w, worker, 0, "nest_to_thread", 29, LL_RESULT_VOID_CAST, LL_NONE);
    arg_function(w, worker, offload, "offloaded");
    uint32_t load = define(w, "load", 30);
    arg_constant(w, load, call(w, load, 0, "sleep", 31, LL_RESULT_DISCARDED, LL_NONE), 1);
    uint32_t crunch = define(w, "crunch", 40);
    function_of(w, crunch)->annotations = LL_ANNOTATION_BLOCKING;
    call(w, crunch, 0, "sleep", 41, LL_RESULT_DISCARDED, LL_NONE);
    uint32_t offloaded = define(w, "offloaded", 50);
    call(w, offloaded, 0, "sleep", 51, LL_RESULT_DISCARDED, LL_NONE);

    uint32_t setup = define(uv_unit, "setup", 60);
    ll_index registration = call(uv_unit, setup, 0, "uv_timer_start", 61, LL_RESULT_USED, LL_NONE);
    arg_other(uv_unit, setup, registration);
    arg_function(uv_unit, setup, registration, "on_timer");
    uint32_t on_timer = define(uv_unit, "on_timer", 70);
    call(uv_unit, on_timer, 0, "read", 71, LL_RESULT_USED, LL_NONE);
    call(uv_unit, on_timer, 0, "sleep", 72, LL_RESULT_DISCARDED, LL_NONE);
    scenario_link(s);
}

/* Blocking calls in loop context, directly and through a helper in
 * another unit; console only on request; fd-io only under strict-io
 * roots; poll only with a non-zero timeout; annotated functions; the
 * macro's name in the message; nothing off the loop. */
static void test_blocking_call(void **state)
{
    (void)state;
    scenario s = {0};
    build_blocking(&s);
    scenario_run(&s, &ll_check_blocking_call, NULL);
    assert_lines(&s, "72 23 25 26 27 28 31");

    const ll_finding *sleep = finding_at(&s, 31);
    assert_string_equal(sleep->rule, "blocking-call");
    assert_int_equal(sleep->severity, LL_SEVERITY_ERROR);
    assert_string_equal(sleep->place.file, "/s/worker.c");
    assert_int_equal(sleep->place.column, 5);
    assert_string_equal(sleep->function, "load");
    assert_string_equal(sleep->message,
                        "'sleep' blocks the event loop: sleeps the whole thread; use nest_sleep");
    assert_int_equal(sleep->note_count, 2);
    assert_string_equal(sleep->notes[0].message, "task 'worker' spawned here");
    assert_string_equal(sleep->notes[0].place.file, "/s/main.c");
    assert_int_equal(sleep->notes[0].place.line, 11);
    assert_string_equal(sleep->notes[1].message, "'worker' calls 'load' here");
    assert_int_equal(sleep->notes[1].place.line, 21);

    const ll_finding *read = finding_at(&s, 23);
    assert_string_equal(read->message,
                        "'read' blocks the event loop: reads without the loop; use nest_read");
    assert_string_equal(read->notes[0].message, "task 'worker' spawned here");
    assert_string_equal(finding_at(&s, 25)->message,
                        "'poll' blocks the event loop: waits for descriptors");
    assert_string_equal(finding_at(&s, 26)->message,
                        "'slow_query' blocks the event loop: it is annotated as blocking; call "
                        "it off the loop");
    assert_true(strncmp(finding_at(&s, 27)->message, "'crunch' blocks", 15) == 0);
    assert_true(strncmp(finding_at(&s, 28)->message, "'SLEEP_A_BIT' blocks", 20) == 0);
    const ll_finding *callback = finding_at(&s, 72);
    assert_int_equal(callback->note_count, 1);
    assert_string_equal(callback->notes[0].message,
                        "'on_timer' runs on the loop: callback registered here");

    const char *const console[] = {"blocking-call:console", NULL};
    scenario_run(&s, &ll_check_blocking_call, console);
    assert_lines(&s, "72 22 23 25 26 27 28 31");
    assert_string_equal(finding_at(&s, 22)->message,
                        "'printf' blocks the event loop: writes to the terminal");
    scenario_free(&s);
}

/* ---- missing-timeout -------------------------------------------------------------- */

/* `nest_read(fd, buf, n, deadline)` with the deadline given by `add`. */
static ll_index nest_read_call(ll_unit *unit, uint32_t function, ll_index at, uint32_t line)
{
    ll_index index = call(unit, function, at, "nest_read", line, LL_RESULT_USED, LL_NONE);
    for (int i = 0; i < 3; i++)
        arg_other(unit, function, index);
    return index;
}

/* `nest_join(h, deadline, &result)` as a statement. */
static ll_index join_call(ll_unit *unit, uint32_t function, ll_index at, uint32_t line,
                          ll_index handle, int64_t deadline, ll_index result)
{
    ll_index index = call(unit, function, at, "nest_join", line, LL_RESULT_USED, LL_NONE);
    arg_variable(unit, function, index, handle);
    arg_constant(unit, function, index, deadline);
    arg_address(unit, function, index, result);
    return index;
}

static void cancel_call(ll_unit *unit, uint32_t function, ll_index at, uint32_t line,
                        ll_index handle)
{
    arg_variable(unit, function,
                 call(unit, function, at, "nest_cancel", line, LL_RESULT_DISCARDED, LL_NONE),
                 handle);
}

/* `nest_cancel(EXPRESSION)` at `cancel_line` and `nest_join(EXPRESSION,
 * NEST_FOREVER, NULL)` at `join_line` (0: leave that call out). */
static void stop_expression(ll_unit *unit, uint32_t function, const char *expression,
                            enum ll_value_kind kind, uint32_t cancel_line, uint32_t join_line)
{
    char *text;
    if (cancel_line) {
        assert_true(asprintf(&text, "nest_cancel ( %s )", expression) > 0);
        argument(
            unit, function,
            call_text(unit, function, 0, "nest_cancel", text, cancel_line, LL_RESULT_DISCARDED),
            kind);
        free(text);
    }
    if (join_line) {
        assert_true(asprintf(&text, "nest_join ( %s , NEST_FOREVER , NULL )", expression) > 0);
        ll_index join =
            call_text(unit, function, 0, "nest_join", text, join_line, LL_RESULT_VOID_CAST);
        free(text);
        argument(unit, function, join, kind);
        arg_constant(unit, function, join, -1);
        arg_null(unit, function, join);
    }
}

static void build_timeouts(scenario *s)
{
    ll_unit *u = s->units[0] = new_unit("/m/main.c");
    s->unit_count = 1;
    uint32_t start = define(u, "start", 1);
    arg_function(u, start, call(u, start, 0, "nest_run", 2, LL_RESULT_USED, LL_NONE), "main_fn");

    uint32_t main_fn = define(u, "main_fn", 10);
    ll_index r = variable(u, main_fn, "r", LL_VARIABLE_LOCAL);
    ll_index wait_for = call(u, main_fn, 0, "nest_wait_for", 11, LL_RESULT_USED, LL_NONE);
    arg_function(u, main_fn, wait_for, "scoped");
    arg_null(u, main_fn, wait_for);
    arg_constant(u, main_fn, wait_for, 1000);
    arg_address(u, main_fn, wait_for, r);
    ll_index shield = call(u, main_fn, 0, "nest_shield", 12, LL_RESULT_USED, LL_NONE);
    arg_function(u, main_fn, shield, "shielded");
    spawn(u, main_fn, 0, "task", 13, LL_NONE);
    call(u, main_fn, 0, "helper", 14, LL_RESULT_DISCARDED, LL_NONE);
    spawn(u, main_fn, 0, "joiner", 15, LL_NONE);
    spawn(u, main_fn, 0, "joiner_both", 16, LL_NONE);

    uint32_t scoped = define(u, "scoped", 20);
    arg_constant(u, scoped, nest_read_call(u, scoped, 0, 21), -1);
    call(u, scoped, 0, "only_scoped", 22, LL_RESULT_DISCARDED, LL_NONE);
    uint32_t only_scoped = define(u, "only_scoped", 25);
    arg_constant(u, only_scoped, nest_read_call(u, only_scoped, 0, 26), -1);

    uint32_t shielded = define(u, "shielded", 30);
    arg_constant(u, shielded, nest_read_call(u, shielded, 0, 31), -1);

    uint32_t helper = define(u, "helper", 40);
    arg_constant(u, helper, nest_read_call(u, helper, 0, 41), -1);

    uint32_t task = define(u, "task", 50);
    ll_index forever = variable(u, task, "forever", LL_VARIABLE_LOCAL);
    ll_index mixed = variable(u, task, "mixed", LL_VARIABLE_LOCAL);
    ll_index taken = variable(u, task, "taken", LL_VARIABLE_LOCAL);
    ll_index parameter = variable(u, task, "d", LL_VARIABLE_PARAMETER);
    assign_constant(u, task, 0, forever, -1);
    assign_constant(u, task, 0, mixed, -1);
    assign_constant(u, task, 0, mixed, 500);
    assign_constant(u, task, 0, taken, -1);
    arg_constant(u, task, nest_read_call(u, task, 0, 51), 1000);
    arg_variable(u, task, nest_read_call(u, task, 0, 52), forever);
    arg_variable(u, task, nest_read_call(u, task, 0, 53), mixed);
    arg_address(u, task, call(u, task, 0, "set_deadline", 54, LL_RESULT_DISCARDED, LL_NONE), taken);
    arg_variable(u, task, nest_read_call(u, task, 0, 55), taken);
    arg_variable(u, task, nest_read_call(u, task, 0, 56), parameter);
    ll_index get = call(u, task, 0, "nest_queue_get", 57, LL_RESULT_USED, LL_NONE);
    arg_other(u, task, get);
    arg_other(u, task, get);
    arg_constant(u, task, get, -1);

    /* joiner: cancel then join; a join without cancel; a cancel on one
       branch only; a cancelled handle reassigned before the join */
    uint32_t joiner = define(u, "joiner", 60);
    ll_index h = variable(u, joiner, "h", LL_VARIABLE_LOCAL);
    ll_index h2 = variable(u, joiner, "h2", LL_VARIABLE_LOCAL);
    ll_index h3 = variable(u, joiner, "h3", LL_VARIABLE_LOCAL);
    ll_index h4 = variable(u, joiner, "h4", LL_VARIABLE_LOCAL);
    ll_index result = variable(u, joiner, "result", LL_VARIABLE_LOCAL);
    spawn(u, joiner, 0, "child", 61, h);
    cancel_call(u, joiner, 0, 62, h);
    join_call(u, joiner, 0, 63, h, -1, result);
    spawn(u, joiner, 0, "child", 64, h2);
    join_call(u, joiner, 0, 65, h2, -1, result);
    spawn(u, joiner, 0, "child", 66, h3);
    ll_index cancel_branch = block(u, joiner), skip = block(u, joiner), after = block(u, joiner);
    branch(u, joiner, 0, cancel_branch, skip);
    cancel_call(u, joiner, cancel_branch, 67, h3);
    jump(u, joiner, cancel_branch, after);
    jump(u, joiner, skip, after);
    join_call(u, joiner, after, 68, h3, -1, result);
    spawn(u, joiner, after, "child", 69, h4);
    cancel_call(u, joiner, after, 70, h4);
    spawn(u, joiner, after, "child", 71, h4);
    join_call(u, joiner, after, 72, h4, -1, result);
    join_call(u, joiner, after, 73, h, 100, result);

    /* joiner_both: cancelled on both branches, joined after a loop */
    uint32_t both = define(u, "joiner_both", 80);
    ll_index handle = variable(u, both, "h", LL_VARIABLE_LOCAL);
    ll_index out = variable(u, both, "result", LL_VARIABLE_LOCAL);
    spawn(u, both, 0, "child", 81, handle);
    ll_index left = block(u, both), right = block(u, both), join = block(u, both);
    ll_index loop = block(u, both), exit = block(u, both);
    branch(u, both, 0, left, right);
    cancel_call(u, both, left, 82, handle);
    jump(u, both, left, join);
    cancel_call(u, both, right, 83, handle);
    jump(u, both, right, join);
    jump(u, both, join, loop);
    call(u, both, loop, "nest_yield", 84, LL_RESULT_DISCARDED, LL_NONE);
    branch(u, both, loop, loop, exit);
    join_call(u, both, exit, 85, handle, -1, out);

    /* stopper: handles that are not locals, matched by their tokens */
    spawn(u, main_fn, 0, "stopper", 17, LL_NONE);
    uint32_t stopper = define(u, "stopper", 100);
    ll_index i = variable(u, stopper, "i", LL_VARIABLE_LOCAL);
    stop_expression(u, stopper, "server -> janitor", LL_VALUE_OTHER, 101, 102);
    stop_expression(u, stopper, "flusher", LL_VALUE_GLOBAL, 103, 0);
    ll_operation *store =
        ll_block_add_operation(&function_of(u, stopper)->blocks[0], LL_OPERATION_STORE);
    assert_non_null(store);
    stop_expression(u, stopper, "flusher", LL_VALUE_GLOBAL, 0, 104);
    stop_expression(u, stopper, "tasks [ i ]", LL_VALUE_OTHER, 105, 0);
    assign_constant(u, stopper, 0, i, 1);
    stop_expression(u, stopper, "tasks [ i ]", LL_VALUE_OTHER, 0, 106);
    stop_expression(u, stopper, "tasks [ i ]", LL_VALUE_OTHER, 107, 108);
    stop_expression(u, stopper, "other -> task", LL_VALUE_OTHER, 0, 109);
    /* cancelled at 101, but the store since may have replaced it */
    stop_expression(u, stopper, "server -> janitor", LL_VALUE_OTHER, 0, 110);
    ll_index macro = call_text(u, stopper, 0, "nest_join", "JOIN_ALL ( server -> janitor )", 111,
                               LL_RESULT_USED);
    arg_other(u, stopper, macro);
    arg_constant(u, stopper, macro, -1);
    arg_null(u, stopper, macro);

    define(u, "child", 90);
    uint32_t offline = define(u, "offline", 95);
    arg_constant(u, offline, nest_read_call(u, offline, 0, 96), -1);
    scenario_link(s);
}

/* Forever deadlines (the constant, or a local only ever assigned it) on
 * needs-timeout waits in unbounded context; timeout scopes cover, shields
 * do not; forever-by-design waits, finite, mixed, address-taken and
 * parameter deadlines are silent; a cancelled join is bounded, whether its
 * handle is a local or an expression (a field, an element, a global) that
 * no store or assignment of a variable it names changed in between. */
static void test_missing_timeout(void **state)
{
    (void)state;
    scenario s = {0};
    build_timeouts(&s);
    scenario_run(&s, &ll_check_missing_timeout, NULL);
    assert_lines(&s, "31 41 52 65 68 72 104 106 109 110 111");

    const ll_finding *helper = finding_at(&s, 41);
    assert_string_equal(helper->rule, "missing-timeout");
    assert_int_equal(helper->severity, LL_SEVERITY_WARNING);
    assert_true(strncmp(helper->message, "'nest_read' can wait forever", 28) == 0);
    assert_int_equal(helper->note_count, 2);
    assert_string_equal(helper->notes[0].message,
                        "'main_fn' runs on the loop: passed to 'nest_run' here");
    assert_int_equal(helper->notes[0].place.line, 2);
    assert_string_equal(helper->notes[1].message, "'main_fn' calls 'helper' here");
    const ll_finding *shielded = finding_at(&s, 31);
    assert_string_equal(shielded->notes[0].message,
                        "'shielded' runs on the loop, shielded from timeouts: passed to "
                        "'nest_shield' here");
    scenario_free(&s);
}

/* ---- unobserved-failure ----------------------------------------------------------- */

static ll_index join_null(ll_unit *unit, uint32_t function, ll_index at, uint32_t line,
                          ll_index handle, int64_t deadline, enum ll_result_use use)
{
    ll_index index = call(unit, function, at, "nest_join", line, use, LL_NONE);
    arg_variable(unit, function, index, handle);
    arg_constant(unit, function, index, deadline);
    arg_null(unit, function, index);
    return index;
}

static void wait_for_null(ll_unit *unit, uint32_t function, uint32_t line, const char *task)
{
    ll_index index = call(unit, function, 0, "nest_wait_for", line, LL_RESULT_USED, LL_NONE);
    arg_function(unit, function, index, task);
    arg_null(unit, function, index);
    arg_constant(unit, function, index, 100);
    arg_constant(unit, function, index, 0);
}

static void build_failures(scenario *s)
{
    ll_unit *u = s->units[0] = new_unit("/u/a.c");
    ll_unit *b = s->units[1] = new_unit("/u/b.c");
    s->unit_count = 2;

    uint32_t ok_task = define(u, "ok_task", 1);
    return_constant(u, ok_task, 0, 0, 2);
    uint32_t bad_task = define(u, "bad_task", 10);
    ll_index ok_path = block(u, bad_task), fail_path = block(u, bad_task);
    branch(u, bad_task, 0, ok_path, fail_path);
    return_constant(u, bad_task, ok_path, 0, 12);
    return_constant(u, bad_task, fail_path, -1, 13);

    uint32_t waiter = define(u, "waiter", 20);
    ll_index h = variable(u, waiter, "h", LL_VARIABLE_LOCAL);
    ll_index g = variable(u, waiter, "g", LL_VARIABLE_LOCAL);
    ll_index k = variable(u, waiter, "k", LL_VARIABLE_LOCAL);
    ll_index r = variable(u, waiter, "r", LL_VARIABLE_LOCAL);
    ll_index temporary = variable(u, waiter, "", LL_VARIABLE_TEMPORARY);
    ll_index copy = variable(u, waiter, "copy", LL_VARIABLE_LOCAL);
    ll_index parameter = variable(u, waiter, "p", LL_VARIABLE_PARAMETER);
    spawn(u, waiter, 0, "bad_task", 21, h);
    ll_index discarded = call(u, waiter, 0, "nest_join", 22, LL_RESULT_DISCARDED, LL_NONE);
    arg_variable(u, waiter, discarded, h);
    arg_constant(u, waiter, discarded, 1000);
    arg_address(u, waiter, discarded, r);
    join_null(u, waiter, 0, 23, h, 1000, LL_RESULT_VOID_CAST);
    join_null(u, waiter, 0, 24, h, 1000, LL_RESULT_USED);
    spawn(u, waiter, 0, "ok_task", 25, g);
    join_null(u, waiter, 0, 26, g, 1000, LL_RESULT_USED);
    join_call(u, waiter, 0, 27, h, 1000, r);
    wait_for_null(u, waiter, 28, "bad_task");
    wait_for_null(u, waiter, 29, "ok_task");
    wait_for_null(u, waiter, 30, "extern_task");
    join_null(u, waiter, 0, 31, parameter, 1000, LL_RESULT_USED);
    spawn(u, waiter, 0, "bad_task", 32, k);
    cancel_call(u, waiter, 0, 33, k);
    join_null(u, waiter, 0, 34, k, -1, LL_RESULT_DISCARDED);
    join_null(u, waiter, 0, 35, k, 1000, LL_RESULT_DISCARDED);
    spawn(u, waiter, 0, "bad_task", 36, temporary);
    assign(u, waiter, 0, copy, (ll_value){.kind = LL_VALUE_VARIABLE, .variable = temporary});
    join_null(u, waiter, 0, 37, copy, 1000, LL_RESULT_USED);
    wait_for_null(u, waiter, 38, "bad_elsewhere");
    arg_other(u, waiter,
              call_text(u, waiter, 0, "nest_cancel", "nest_cancel ( s -> task )", 40,
                        LL_RESULT_DISCARDED));
    ll_index stop =
        call_text(u, waiter, 0, "nest_join", "nest_join ( s -> task , NEST_FOREVER , NULL )", 41,
                  LL_RESULT_DISCARDED);
    arg_other(u, waiter, stop);
    arg_constant(u, waiter, stop, -1);
    arg_null(u, waiter, stop);
    ll_index unstopped =
        call_text(u, waiter, 0, "nest_join", "nest_join ( s -> other , NEST_FOREVER , NULL )", 42,
                  LL_RESULT_DISCARDED);
    arg_other(u, waiter, unstopped);
    arg_constant(u, waiter, unstopped, -1);
    arg_null(u, waiter, unstopped);

    uint32_t elsewhere = define(b, "bad_elsewhere", 5);
    ll_index rc = variable(b, elsewhere, "rc", LL_VARIABLE_LOCAL);
    function_of(b, elsewhere)->blocks[0].returned =
        (ll_value){.kind = LL_VALUE_VARIABLE, .variable = rc};
    function_of(b, elsewhere)->blocks[0].location = (ll_location){0, 7, 5};
    scenario_link(s);
}

/* Discarded results, NULL result pointers of tasks that can fail (traced
 * through the handle to its spawn, through copies, by function, across
 * units, or unknown), and what stays silent: (void), a stored result, a
 * task that only returns 0, a forever join of a cancelled handle. */
static void test_unobserved_failure(void **state)
{
    (void)state;
    scenario s = {0};
    build_failures(&s);
    scenario_run(&s, &ll_check_unobserved_failure, NULL);
    assert_lines(&s, "22 24 28 30 31 35 37 38 42");

    const ll_finding *discarded = finding_at(&s, 22);
    assert_string_equal(discarded->rule, "unobserved-failure");
    assert_int_equal(discarded->severity, LL_SEVERITY_WARNING);
    assert_string_equal(discarded->message,
                        "the result of 'nest_join' is ignored: the task's failure is lost; "
                        "check it, or cast to (void) to ignore it deliberately");
    const ll_finding *null_result = finding_at(&s, 24);
    assert_true(strstr(null_result->message, "'nest_join' is given a NULL result pointer, but "
                                             "task 'bad_task' can fail (returns non-zero at "
                                             "a.c:13)"));
    assert_int_equal(null_result->note_count, 1);
    assert_string_equal(null_result->notes[0].message, "'bad_task' returns a non-zero value here");
    assert_string_equal(null_result->notes[0].place.file, "/u/a.c");
    assert_int_equal(null_result->notes[0].place.line, 13);
    assert_true(strstr(finding_at(&s, 30)->message, "task 'extern_task' can fail (its body is "
                                                    "not visible)"));
    assert_true(strstr(finding_at(&s, 31)->message, "but its task may fail"));
    assert_true(strstr(finding_at(&s, 37)->message, "task 'bad_task'"));
    const ll_finding *other_unit = finding_at(&s, 38);
    assert_true(strstr(other_unit->message, "task 'bad_elsewhere' can fail (returns non-zero at "
                                            "b.c:7)"));
    assert_string_equal(other_unit->notes[0].place.file, "/u/b.c");
    scenario_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocking_call),
        cmocka_unit_test(test_missing_timeout),
        cmocka_unit_test(test_unobserved_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
