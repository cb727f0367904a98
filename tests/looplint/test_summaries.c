/*
 * test_summaries.c - the function summaries (analysis/summary.h), the
 * ownership engine's use of them at call sites, and the two checks built
 * on queue items and sessions (missing-task-done, session-per-request),
 * over programs built by hand (no libclang).
 *
 * Each test writes the C it models in a comment and builds it with the
 * small builder below: functions are added one after the other to a unit
 * (their USR is "c:@F@" and the name, and every call names its callee's
 * USR the same way, so the link resolves calls by name); each call,
 * operation and terminator gets the next line. The packs are a small test
 * pack, loaded once for the group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/facts.h"
#include "analysis/finding.h"
#include "analysis/ownership.h"
#include "analysis/program.h"
#include "analysis/summary.h"
#include "checks/check.h"
#include "packs/pack.h"

#include "facts_builder.h"

extern const ll_check ll_check_missing_task_done;
extern const ll_check ll_check_session_per_request;
extern const ll_check ll_check_unclosed_resource;

static const char test_pack[] =
    "pack test\n"
    "acquire fopen kind=resource handle=return fail=null type=FILE\n"
    "release fclose handle=1 type=FILE\n"
    "acquire open kind=resource handle=return fail=negative type=fd\n"
    "release close handle=1 type=fd\n"
    "acquire pool_open kind=session handle=return fail=null type=pool\n"
    "release pool_close handle=1 type=pool\n"
    "acquire queue_get kind=queue-item handle=out2 fail=nonzero type=item\n"
    "suspend queue_get deadline=3 forever=-1\n"
    "borrows queue_get args=1\n"
    "item-done queue_done handle=1\n"
    "borrows queue_done args=1\n"
    "entry spawn kind=task arg=1\n"
    "takes spawn args=2\n"
    "takes adopt args=1\n"
    "borrows inspect args=1\n";

/* ---- The builder (facts_builder.h): functions one after the other ------------------- */

static builder *build(const char *path)
{
    builder *b = builder_open(path);
    b->name_callees = true;
    return b;
}

static ll_function *current(builder *b)
{
    return b->function;
}

/* Starts defining `name` (or declaring it, when `definition` is false). */
static void begin(builder *b, const char *name, bool definition)
{
    char *usr = usr_of(name);
    ll_function *function = ll_unit_add_function(b->unit, name, usr);
    free(usr);
    assert_non_null(function);
    function->is_definition = definition;
    function->location = (ll_location){0, b->line++, 5};
    b->function = &b->unit->functions[b->unit->function_count - 1];
}

static ll_index parameter(builder *b, const char *name, bool pointer)
{
    return variable(b, name, LL_VARIABLE_PARAMETER, pointer);
}

static ll_index local(builder *b, const char *name, bool pointer)
{
    return variable(b, name, LL_VARIABLE_LOCAL, pointer);
}

/* A loop whose header is `first` and whose blocks are first..last. */
static void loop(builder *b, ll_index first, ll_index last)
{
    ll_loop *added = ll_function_add_loop(current(b));
    assert_non_null(added);
    added->kind = LL_LOOP_WHILE;
    added->location = current(b)->blocks[first].location;
    added->header = first;
    for (ll_index block = first; block <= last; block++)
        assert_int_equal(ll_loop_add_block(added, block), 0);
}

/* ---- Linking ------------------------------------------------------------------------ */

typedef struct linked {
    ll_program *program;
    ll_summaries *summaries;
} linked;

static linked link_units(ll_packs *packs, ll_unit **units, size_t count)
{
    ll_error error;
    linked result;
    result.program = ll_program_link(units, count, packs, NULL, &error);
    assert_non_null(result.program);
    result.summaries = ll_summaries_new(result.program, packs);
    assert_non_null(result.summaries);
    return result;
}

static void unlink_units(linked *result)
{
    ll_summaries_free(result->summaries);
    ll_program_free(result->program);
}

/* The number of the function called `name`. */
static uint32_t id_of(const linked *result, const char *name)
{
    uint32_t count = ll_program_function_count(result->program);
    for (uint32_t id = 0; id < count; id++)
        if (strcmp(ll_program_function(result->program, id, NULL)->name, name) == 0)
            return id;
    fail_msg("no function %s", name);
    return LL_NONE;
}

static enum ll_parameter_effect effect(const linked *result, const char *name, uint32_t parameter)
{
    return ll_summary_parameter(result->summaries, id_of(result, name), parameter);
}

/* The engine over function `name`, with the summaries. */
static ll_ownership_result analyze(ll_packs *packs, const linked *result, const char *name,
                                   uint32_t kinds)
{
    ll_ownership_options options = {
        .kinds = kinds, .program = result->program, .summaries = result->summaries};
    ll_ownership_result out;
    const ll_function *function = ll_program_function(result->program, id_of(result, name), NULL);
    assert_int_equal(ll_ownership_analyze(function, packs, &options, &out), 0);
    return out;
}

/* Runs a check over the builder's unit, linked. */
static void run_check(const ll_check *check, ll_packs *packs, builder *b, ll_findings *out)
{
    ll_error error;
    ll_program *program = ll_program_link(&b->unit, 1, packs, NULL, &error);
    assert_non_null(program);
    ll_check_context context = {.program = program, .packs = packs};
    ll_findings_init(out);
    assert_int_equal(check->check_program(&context, out), 0);
    ll_findings_sort(out);
    ll_program_free(program);
}

static int setup(void **state)
{
    ll_packs *packs = ll_packs_new();
    ll_error error = {{0}};
    if (!packs || ll_packs_load_text(packs, "test.rules", test_pack, &error) < 0) {
        fprintf(stderr, "%s\n", error.message);
        ll_packs_free(packs);
        return -1;
    }
    *state = packs;
    return 0;
}

static int teardown(void **state)
{
    ll_packs_free(*state);
    return 0;
}

#define RESOURCES (LL_OWNERSHIP_KIND(LL_RESOURCE) | LL_OWNERSHIP_KIND(LL_RESOURCE_SESSION))

/* ---- What functions do with their parameters --------------------------------------- */

/* void NAME(FILE *f) { CALLEE(f); }  (CALLEE NULL: a function that does nothing) */
static void one_call(builder *b, const char *name, const char *callee)
{
    begin(b, name, true);
    ll_index f = parameter(b, "f", true);
    blocks(b, 1);
    if (callee)
        CALL(b, 0, LL_NONE, callee, V(f));
    ret(b, 0, OTHER);
}

static void test_parameter_effects(void **state)
{
    builder *b = build("/src/a.c");
    one_call(b, "closes", "fclose");
    one_call(b, "adopts", "adopt");
    one_call(b, "looks", "inspect");
    one_call(b, "nothing", NULL);
    one_call(b, "hands_over", "mystery"); /* not defined anywhere */
    one_call(b, "forwards", "closes");
    one_call(b, "forwards_look", "looks");

    /* void closes_checked(FILE *f) { if (!f) return; fclose(f); } */
    begin(b, "closes_checked", true);
    ll_index f = parameter(b, "f", true);
    blocks(b, 3);
    branch(b, 0, f, EQ, 0, 1, 2);
    ret(b, 1, OTHER);
    CALL(b, 2, LL_NONE, "fclose", V(f));
    ret(b, 2, OTHER);

    /* void keeps(FILE *f) { FILE *copy = f; table[0] = copy; } */
    begin(b, "keeps", true);
    f = parameter(b, "f", true);
    ll_index copy = local(b, "copy", true);
    blocks(b, 1);
    assign(b, 0, copy, V(f));
    store(b, 0, V(copy));
    ret(b, 0, OTHER);

    /* void sometimes(FILE *f, int c) { if (c) fclose(f); } */
    begin(b, "sometimes", true);
    f = parameter(b, "f", true);
    ll_index c = parameter(b, "c", false);
    blocks(b, 3);
    branch(b, 0, c, NE, 0, 1, 2);
    CALL(b, 1, LL_NONE, "fclose", V(f));
    jump(b, 1, 2);
    ret(b, 2, OTHER);

    /* FILE *passes_back(FILE *f) { return f; } */
    begin(b, "passes_back", true);
    f = parameter(b, "f", true);
    blocks(b, 1);
    ret(b, 0, V(f));

    /* void stores_or_closes(FILE *f, int c) { if (c) { fclose(f); return; } table[0] = f; } */
    begin(b, "stores_or_closes", true);
    f = parameter(b, "f", true);
    c = parameter(b, "c", false);
    blocks(b, 3);
    branch(b, 0, c, NE, 0, 1, 2);
    CALL(b, 1, LL_NONE, "fclose", V(f));
    ret(b, 1, OTHER);
    store(b, 2, V(f));
    ret(b, 2, OTHER);

    linked result = link_units(*state, &b->unit, 1);
    assert_int_equal(effect(&result, "closes", 1), LL_PARAMETER_RELEASES);
    assert_int_equal(effect(&result, "closes_checked", 1), LL_PARAMETER_RELEASES);
    assert_int_equal(effect(&result, "forwards", 1), LL_PARAMETER_RELEASES);
    assert_int_equal(effect(&result, "adopts", 1), LL_PARAMETER_TAKES);
    assert_int_equal(effect(&result, "keeps", 1), LL_PARAMETER_TAKES);
    assert_int_equal(effect(&result, "stores_or_closes", 1), LL_PARAMETER_TAKES);
    assert_int_equal(effect(&result, "looks", 1), LL_PARAMETER_BORROWS);
    assert_int_equal(effect(&result, "nothing", 1), LL_PARAMETER_BORROWS);
    assert_int_equal(effect(&result, "forwards_look", 1), LL_PARAMETER_BORROWS);
    assert_int_equal(effect(&result, "hands_over", 1), LL_PARAMETER_UNKNOWN);
    assert_int_equal(effect(&result, "sometimes", 1), LL_PARAMETER_UNKNOWN);
    assert_int_equal(effect(&result, "passes_back", 1), LL_PARAMETER_UNKNOWN);
    assert_int_equal(effect(&result, "sometimes", 2), LL_PARAMETER_BORROWS);
    assert_int_equal(effect(&result, "closes", 2), LL_PARAMETER_UNKNOWN); /* past its parameters */
    assert_int_equal(effect(&result, "closes", 0), LL_PARAMETER_UNKNOWN);
    unlink_units(&result);
    unbuild(b);
}

/* ---- What functions return ------------------------------------------------------------- */

static void test_returns_owned(void **state)
{
    builder *b = build("/src/a.c");

    /* FILE *make(void) { return fopen(...); } */
    begin(b, "make", true);
    ll_index t = temporary(b, true);
    blocks(b, 1);
    CALL(b, 0, t, "fopen", STR, STR);
    ret(b, 0, V(t));

    /* FILE *make_checked(void) { FILE *f = fopen(); if (!f) return NULL; return f; } */
    begin(b, "make_checked", true);
    ll_index f = local(b, "f", true);
    blocks(b, 3);
    CALL(b, 0, f, "fopen", STR, STR);
    branch(b, 0, f, EQ, 0, 1, 2);
    ret(b, 1, NUL);
    ret(b, 2, V(f));

    /* int dial(void) { int fd = open(); if (fd < 0) return -1; return fd; } */
    begin(b, "dial", true);
    ll_index fd = local(b, "fd", false);
    blocks(b, 3);
    CALL(b, 0, fd, "open", STR);
    branch(b, 0, fd, LT, 0, 1, 2);
    ret(b, 1, K(-1));
    ret(b, 2, V(fd));

    /* int dial_zero(void) { int fd = open(); if (fd < 0) return 0; return fd; }: 0 is an fd */
    begin(b, "dial_zero", true);
    fd = local(b, "fd", false);
    blocks(b, 3);
    CALL(b, 0, fd, "open", STR);
    branch(b, 0, fd, LT, 0, 1, 2);
    ret(b, 1, K(0));
    ret(b, 2, V(fd));

    /* FILE *cached(int c) { if (c) return cache; return fopen(); } */
    begin(b, "cached", true);
    ll_index c = parameter(b, "c", false);
    t = temporary(b, true);
    blocks(b, 3);
    branch(b, 0, c, NE, 0, 1, 2);
    ret(b, 1, OTHER);
    CALL(b, 2, t, "fopen", STR, STR);
    ret(b, 2, V(t));

    /* void *mixed(int c) { if (c) return fopen(); return pool_open(); } */
    begin(b, "mixed", true);
    c = parameter(b, "c", false);
    t = temporary(b, true);
    ll_index u = temporary(b, true);
    blocks(b, 3);
    branch(b, 0, c, NE, 0, 1, 2);
    CALL(b, 1, t, "fopen", STR, STR);
    ret(b, 1, V(t));
    CALL(b, 2, u, "pool_open", STR);
    ret(b, 2, V(u));

    /* FILE *closed_first(void) { FILE *f = fopen(); fclose(f); return f; } */
    begin(b, "closed_first", true);
    f = local(b, "f", true);
    blocks(b, 1);
    CALL(b, 0, f, "fopen", STR, STR);
    CALL(b, 0, LL_NONE, "fclose", V(f));
    ret(b, 0, V(f));

    /* FILE *make_again(void) { return make(); } */
    begin(b, "make_again", true);
    t = temporary(b, true);
    blocks(b, 1);
    ll_index inner = CALL0(b, 0, t, "make");
    ret(b, 0, V(t));

    linked result = link_units(*state, &b->unit, 1);
    ll_index origin = LL_NONE;
    const ll_acquire_rule *rule =
        ll_summary_acquires(result.summaries, id_of(&result, "make"), &origin);
    assert_non_null(rule);
    assert_int_equal(rule->kind, LL_RESOURCE);
    assert_int_equal(rule->place, LL_HANDLE_RETURN);
    assert_int_equal(rule->failure, LL_FAILURE_NULL);
    assert_string_equal(rule->type, "FILE");
    assert_int_equal(origin, 0);
    assert_non_null(ll_summary_acquires(result.summaries, id_of(&result, "make_checked"), NULL));
    rule = ll_summary_acquires(result.summaries, id_of(&result, "dial"), NULL);
    assert_non_null(rule);
    assert_int_equal(rule->failure, LL_FAILURE_NEGATIVE);
    assert_string_equal(rule->type, "fd");
    assert_null(ll_summary_acquires(result.summaries, id_of(&result, "dial_zero"), NULL));
    assert_null(ll_summary_acquires(result.summaries, id_of(&result, "cached"), NULL));
    assert_null(ll_summary_acquires(result.summaries, id_of(&result, "mixed"), NULL));
    assert_null(ll_summary_acquires(result.summaries, id_of(&result, "closed_first"), NULL));
    rule = ll_summary_acquires(result.summaries, id_of(&result, "make_again"), &origin);
    assert_non_null(rule);
    assert_string_equal(rule->type, "FILE");
    assert_int_equal(origin, inner);
    for (uint32_t id = 0; id < ll_program_function_count(result.program); id++)
        assert_true(ll_summary_returns(result.summaries, id));
    unlink_units(&result);
    unbuild(b);
}

/* A caller of a wrapper owns what it returns: `FILE *f = make_again();
 * return 0;` leaks, reported at the wrapper's call with a note per
 * function down to fopen. */
static void test_wrapper_acquires_at_its_call(void **state)
{
    builder *b = build("/src/a.c");
    begin(b, "make", true);
    ll_index t = temporary(b, true);
    blocks(b, 1);
    CALL(b, 0, t, "fopen", STR, STR);
    ret(b, 0, V(t));
    begin(b, "make_again", true);
    t = temporary(b, true);
    blocks(b, 1);
    CALL0(b, 0, t, "make");
    ret(b, 0, V(t));
    begin(b, "user", true);
    ll_index f = local(b, "f", true);
    blocks(b, 3);
    ll_index acquiring = CALL0(b, 0, f, "make_again");
    branch(b, 0, f, EQ, 0, 1, 2);
    ret(b, 1, K(-1));
    ret(b, 2, K(0));
    uint32_t leak_line = b->line - 1;

    linked result = link_units(*state, &b->unit, 1);
    ll_ownership_result out = analyze(*state, &result, "user", RESOURCES);
    assert_int_equal(out.defect_count, 1);
    assert_int_equal(out.defects[0].kind, LL_OWNERSHIP_LEAK);
    assert_int_equal(out.defects[0].call, acquiring);
    assert_int_equal(out.defects[0].location.line, leak_line);
    ll_ownership_result_free(&out);
    unlink_units(&result);

    ll_findings findings;
    run_check(&ll_check_unclosed_resource, *state, b, &findings);
    assert_int_equal(findings.count, 1);
    const ll_finding *finding = &findings.items[0];
    assert_string_equal(finding->message, "'f' opened by 'make_again' is not closed on every path");
    assert_true(finding->note_count >= 3);
    assert_string_equal(finding->notes[0].message,
                        "'make_again' returns the handle from 'make' here");
    assert_string_equal(finding->notes[1].message, "'make' returns the handle from 'fopen' here");
    ll_findings_free(&findings);
    unbuild(b);
}

/* ---- Recursion --------------------------------------------------------------------------- */

/* void drain(FILE *f, int n) { if (n <= 0) { fclose(f); return; } drain(f, n - 1); } */
static void add_drain(builder *b, const char *name, const char *recursive)
{
    begin(b, name, true);
    ll_index f = parameter(b, "f", true);
    ll_index n = parameter(b, "n", false);
    blocks(b, 3);
    branch(b, 0, n, LE, 0, 1, 2);
    CALL(b, 1, LL_NONE, "fclose", V(f));
    ret(b, 1, OTHER);
    CALL(b, 2, LL_NONE, recursive, V(f), OTHER);
    ret(b, 2, OTHER);
}

static void test_recursion_reaches_a_fixpoint(void **state)
{
    builder *b = build("/src/a.c");
    add_drain(b, "drain", "drain");

    /* Mutual: ping releases in its base case and calls pong, which calls ping. */
    add_drain(b, "ping", "pong");
    begin(b, "pong", true);
    ll_index f = parameter(b, "f", true);
    blocks(b, 1);
    CALL(b, 0, LL_NONE, "ping", V(f), OTHER);
    ret(b, 0, OTHER);

    /* void spin(FILE *f) { spin(f); }: never returns */
    begin(b, "spin", true);
    f = parameter(b, "f", true);
    blocks(b, 1);
    CALL(b, 0, LL_NONE, "spin", V(f));
    ret(b, 0, OTHER);

    /* FILE *make_rec(int n) { if (n <= 0) return fopen(); return make_rec(n - 1); } */
    begin(b, "make_rec", true);
    ll_index n = parameter(b, "n", false);
    ll_index t = temporary(b, true);
    ll_index u = temporary(b, true);
    blocks(b, 3);
    branch(b, 0, n, LE, 0, 1, 2);
    CALL(b, 1, t, "fopen", STR, STR);
    ret(b, 1, V(t));
    CALL(b, 2, u, "make_rec", OTHER);
    ret(b, 2, V(u));

    /* void tangle(FILE *f, int n) { if (n <= 0) return; tangle(f, n - 1); }:
       passes f only to itself, and borrows it. */
    begin(b, "tangle", true);
    f = parameter(b, "f", true);
    n = parameter(b, "n", false);
    blocks(b, 3);
    branch(b, 0, n, LE, 0, 1, 2);
    ret(b, 1, OTHER);
    CALL(b, 2, LL_NONE, "tangle", V(f), OTHER);
    ret(b, 2, OTHER);

    linked result = link_units(*state, &b->unit, 1);
    assert_int_equal(effect(&result, "drain", 1), LL_PARAMETER_RELEASES);
    assert_int_equal(effect(&result, "ping", 1), LL_PARAMETER_RELEASES);
    assert_int_equal(effect(&result, "pong", 1), LL_PARAMETER_RELEASES);
    assert_int_equal(effect(&result, "tangle", 1), LL_PARAMETER_BORROWS);
    assert_false(ll_summary_returns(result.summaries, id_of(&result, "spin")));
    assert_true(ll_summary_returns(result.summaries, id_of(&result, "drain")));
    assert_int_equal(effect(&result, "spin", 1), LL_PARAMETER_BORROWS);
    const ll_acquire_rule *rule =
        ll_summary_acquires(result.summaries, id_of(&result, "make_rec"), NULL);
    assert_non_null(rule);
    assert_string_equal(rule->type, "FILE");
    /* Each recursive component needed more than one round. */
    assert_true(ll_summaries_analyses(result.summaries) >
                ll_program_function_count(result.program));
    unlink_units(&result);
    unbuild(b);
}

/* In a recursive component a member is analysed again only when a callee
 * inside it changed: a ring r0 -> r1 -> ... -> r7 -> r0 passing f along,
 * r7 closing it. Each member is analysed twice: once in function order,
 * once more after its callee's summary changed. Rounds over the whole ring
 * took nine passes (72 analyses). */
static void test_worklist_in_a_large_component(void **state)
{
    builder *b = build("/src/a.c");
    enum { RING = 8 };
    for (int k = 0; k < RING; k++) {
        char name[8], next[8];
        snprintf(name, sizeof name, "r%d", k);
        snprintf(next, sizeof next, "r%d", (k + 1) % RING);
        begin(b, name, true);
        ll_index f = parameter(b, "f", true);
        ll_index n = parameter(b, "n", false);
        blocks(b, 3);
        branch(b, 0, n, LE, 0, 1, 2);
        if (k == RING - 1)
            CALL(b, 1, LL_NONE, "fclose", V(f));
        else
            CALL(b, 1, LL_NONE, next, V(f), OTHER);
        ret(b, 1, OTHER);
        CALL(b, 2, LL_NONE, next, V(f), OTHER);
        ret(b, 2, OTHER);
    }
    linked result = link_units(*state, &b->unit, 1);
    for (int k = 0; k < RING; k++) {
        char name[8];
        snprintf(name, sizeof name, "r%d", k);
        assert_int_equal(effect(&result, name, 1), LL_PARAMETER_RELEASES);
    }
    assert_int_equal(ll_summaries_analyses(result.summaries), 2 * RING);
    unlink_units(&result);
    unbuild(b);
}

/* Without recursion, each function is analysed once: callees first. */
static void test_each_function_analysed_once(void **state)
{
    builder *b = build("/src/a.c");
    one_call(b, "top", "middle");
    one_call(b, "middle", "bottom");
    one_call(b, "bottom", "fclose");
    one_call(b, "side", "bottom");
    linked result = link_units(*state, &b->unit, 1);
    assert_int_equal(ll_summaries_analyses(result.summaries), 4);
    assert_int_equal(effect(&result, "top", 1), LL_PARAMETER_RELEASES);
    assert_int_equal(effect(&result, "side", 1), LL_PARAMETER_RELEASES);
    unlink_units(&result);
    unbuild(b);
}

/* A partial run summarises what its functions reach, and no more: `top`
 * in scope reaches `middle` and `bottom`; `side` and `lonely` are never
 * analysed and answer "unknown", so nothing is concluded from them. */
static void test_summaries_within_a_scope(void **state)
{
    builder *b = build("/src/a.c");
    one_call(b, "top", "middle");
    one_call(b, "middle", "bottom");
    one_call(b, "bottom", "fclose");
    one_call(b, "side", "bottom");
    one_call(b, "lonely", "fclose");
    linked result = link_units(*state, &b->unit, 1);
    ll_summaries_free(result.summaries);
    bool scope[5] = {false};
    assert_int_equal(ll_program_function_count(result.program), 5);
    scope[id_of(&result, "top")] = true;
    result.summaries = ll_summaries_new_within(result.program, *state, scope);
    assert_non_null(result.summaries);
    assert_int_equal(ll_summaries_analyses(result.summaries), 3);
    assert_int_equal(effect(&result, "top", 1), LL_PARAMETER_RELEASES);
    assert_int_equal(effect(&result, "bottom", 1), LL_PARAMETER_RELEASES);
    assert_int_equal(effect(&result, "side", 1), LL_PARAMETER_UNKNOWN);
    assert_int_equal(effect(&result, "lonely", 1), LL_PARAMETER_UNKNOWN);
    assert_int_equal(ll_summary_item_done(result.summaries, id_of(&result, "lonely"), 1),
                     LL_DONE_SOMETIMES);
    unlink_units(&result);
    unbuild(b);
}

/* A call of a function that never returns ends the path:
 * FILE *f = fopen(); if (!f) return; if (c) { fatal(); return; } fclose(f); */
static void test_never_returning_callee_ends_the_path(void **state)
{
    builder *b = build("/src/a.c");
    begin(b, "fatal", true);
    blocks(b, 1);
    noreturn(b, 0);
    begin(b, "user", true);
    ll_index c = parameter(b, "c", false);
    ll_index f = local(b, "f", true);
    blocks(b, 5);
    CALL(b, 0, f, "fopen", STR, STR);
    branch(b, 0, f, EQ, 0, 1, 2);
    ret(b, 1, OTHER);
    branch(b, 2, c, NE, 0, 3, 4);
    CALL0(b, 3, LL_NONE, "fatal");
    ret(b, 3, OTHER);
    CALL(b, 4, LL_NONE, "fclose", V(f));
    ret(b, 4, OTHER);

    linked result = link_units(*state, &b->unit, 1);
    assert_false(ll_summary_returns(result.summaries, id_of(&result, "fatal")));
    ll_ownership_result out = analyze(*state, &result, "user", RESOURCES);
    assert_int_equal(out.defect_count, 0);
    ll_ownership_result_free(&out);
    unlink_units(&result);
    unbuild(b);
}

/* ---- Annotations --------------------------------------------------------------------------- */

/* a.c: `LOOPLINT_TAKES(1) void keep(FILE *f);` (a declaration) and
 * `int user(void) { FILE *f = fopen(); if (!f) return -1; keep(f); return 0; }`;
 * b.c defines keep, which only looks at f. The annotation wins. */
static void test_takes_on_a_declaration(void **state)
{
    for (int annotated = 0; annotated < 2; annotated++) {
        builder *a = build("/src/a.c");
        begin(a, "keep", false);
        current(a)->takes_mask = annotated ? 1u : 0u;
        current(a)->parameter_count = 1;
        begin(a, "user", true);
        ll_index f = local(a, "f", true);
        blocks(a, 3);
        CALL(a, 0, f, "fopen", STR, STR);
        branch(a, 0, f, EQ, 0, 1, 2);
        ret(a, 1, K(-1));
        CALL(a, 2, LL_NONE, "keep", V(f));
        ret(a, 2, K(0));
        builder *b = build("/src/b.c");
        one_call(b, "keep", "inspect");

        ll_unit *units[2] = {a->unit, b->unit};
        linked result = link_units(*state, units, 2);
        assert_int_equal(ll_summaries_takes(result.summaries, "c:@F@keep"), annotated ? 1u : 0u);
        assert_int_equal(effect(&result, "keep", 1),
                         annotated ? LL_PARAMETER_TAKES : LL_PARAMETER_BORROWS);
        ll_ownership_result out = analyze(*state, &result, "user", RESOURCES);
        assert_int_equal(out.defect_count, annotated ? 0 : 1);
        assert_int_equal(out.unknown_calls, 0);
        ll_ownership_result_free(&out);
        unlink_units(&result);
        unbuild(a);
        unbuild(b);
    }
}

/* ---- Queue items ---------------------------------------------------------------------------- */

/* void NAME(queue *q, int c) { [if (c)] queue_done(q); } */
static void add_done(builder *b, const char *name, bool sometimes)
{
    begin(b, name, true);
    ll_index q = parameter(b, "q", true);
    ll_index c = parameter(b, "c", false);
    blocks(b, 3);
    if (sometimes)
        branch(b, 0, c, NE, 0, 1, 2);
    else
        jump(b, 0, 1);
    CALL(b, 1, LL_NONE, "queue_done", V(q));
    jump(b, 1, 2);
    ret(b, 2, OTHER);
}

static void test_item_done_summaries(void **state)
{
    builder *b = build("/src/a.c");
    add_done(b, "finish", false);
    add_done(b, "finish_if", true);
    /* void outer(queue *q) { finish(q, 0); } */
    begin(b, "outer", true);
    ll_index q = parameter(b, "q", true);
    blocks(b, 1);
    CALL(b, 0, LL_NONE, "finish", V(q), K(0));
    ret(b, 0, OTHER);
    /* void other(queue *q, queue *r) { queue_done(r); } */
    begin(b, "other", true);
    (void)parameter(b, "q", true);
    ll_index r = parameter(b, "r", true);
    blocks(b, 1);
    CALL(b, 0, LL_NONE, "queue_done", V(r));
    ret(b, 0, OTHER);
    /* void unrelated(queue *q) { inspect(q); } */
    one_call(b, "unrelated", "inspect");
    /* void maybe(queue *q) { finish_if(q, 1); } */
    begin(b, "maybe", true);
    q = parameter(b, "q", true);
    blocks(b, 1);
    CALL(b, 0, LL_NONE, "finish_if", V(q), K(1));
    ret(b, 0, OTHER);

    linked result = link_units(*state, &b->unit, 1);
    const ll_summaries *summaries = result.summaries;
    assert_int_equal(ll_summary_item_done(summaries, id_of(&result, "finish"), 1), LL_DONE_ALWAYS);
    assert_int_equal(ll_summary_item_done(summaries, id_of(&result, "finish_if"), 1),
                     LL_DONE_SOMETIMES);
    assert_int_equal(ll_summary_item_done(summaries, id_of(&result, "outer"), 1), LL_DONE_ALWAYS);
    assert_int_equal(ll_summary_item_done(summaries, id_of(&result, "other"), 1), LL_DONE_NEVER);
    assert_int_equal(ll_summary_item_done(summaries, id_of(&result, "other"), 2), LL_DONE_ALWAYS);
    assert_int_equal(ll_summary_item_done(summaries, id_of(&result, "maybe"), 1),
                     LL_DONE_SOMETIMES);
    assert_int_equal(ll_summary_item_done(summaries, id_of(&result, "unrelated"), 1),
                     LL_DONE_NEVER);
    assert_true(ll_summary_may_item_done(summaries, id_of(&result, "outer")));
    assert_false(ll_summary_may_item_done(summaries, id_of(&result, "unrelated")));
    unlink_units(&result);
    unbuild(b);
}

/* The worker:
 *   B0: jump B1
 *   B1: t = queue_get(q, &item, -1); if (t != 0) goto B5;
 *   B2: if (?) goto B3 (skip) else B4
 *   B3: [DONE_BEFORE_CONTINUE: queue_done(q);] goto B1    -- continue
 *   B4: FINISH(q); goto B1
 *   B5: return 0
 * FINISH is queue_done, or a helper. */
static builder *worker(const char *finish, bool done_before_continue, ll_index *get)
{
    builder *b = build("/src/w.c");
    if (strcmp(finish, "queue_done") != 0)
        add_done(b, finish, strcmp(finish, "finish_if") == 0);
    begin(b, "work", true);
    ll_index q = parameter(b, "q", true);
    ll_index item = local(b, "item", true);
    ll_index t = temporary(b, false);
    blocks(b, 6);
    jump(b, 0, 1);
    *get = CALL(b, 1, t, "queue_get", V(q), ADDR(item), K(-1));
    branch(b, 1, t, NE, 0, 5, 2);
    branch_unknown(b, 2, 3, 4);
    if (done_before_continue)
        CALL(b, 3, LL_NONE, "queue_done", V(q));
    jump(b, 3, 1);
    if (strcmp(finish, "queue_done") == 0)
        CALL(b, 4, LL_NONE, finish, V(q));
    else
        CALL(b, 4, LL_NONE, finish, V(q), K(0));
    jump(b, 4, 1);
    ret(b, 5, K(0));
    loop(b, 1, 4);
    return b;
}

static void test_missing_task_done(void **state)
{
    ll_index get;
    builder *b = worker("queue_done", false, &get);
    ll_findings findings;
    run_check(&ll_check_missing_task_done, *state, b, &findings);
    assert_int_equal(findings.count, 1);
    const ll_finding *finding = &findings.items[0];
    assert_string_equal(finding->rule, "missing-task-done");
    assert_int_equal(finding->severity, LL_SEVERITY_ERROR);
    assert_int_equal(finding->place.line, current(b)->calls[get].location.line);
    assert_string_equal(finding->message,
                        "the item got by 'queue_get' from 'q' is not marked done before the next "
                        "item is got (call 'queue_done'): a join on the queue waits forever");
    assert_string_equal(finding->notes[finding->note_count - 1].message,
                        "'item' is not marked done when 'queue_get' gets the next item of its "
                        "queue here");
    ll_findings_free(&findings);
    unbuild(b);

    /* Marked done before the `continue`, directly or through helpers. */
    const char *const finishers[] = {"queue_done", "finish"};
    for (size_t i = 0; i < 2; i++) {
        b = worker(finishers[i], true, &get);
        run_check(&ll_check_missing_task_done, *state, b, &findings);
        assert_int_equal(findings.count, 0);
        ll_findings_free(&findings);
        unbuild(b);
    }

    /* A helper that marks it done only sometimes: the analysis cannot
       tell, so it stays silent. */
    b = worker("finish_if", true, &get);
    run_check(&ll_check_missing_task_done, *state, b, &findings);
    assert_int_equal(findings.count, 0);
    ll_findings_free(&findings);
    unbuild(b);
}

/* int take(struct w *w, queue *other) {
 *     if (queue_get(w->queue, &item, -1) != 0) return -1;
 *     DONE;  return 0; }
 * where DONE names the queue as `w -> queue` (the same), `w -> backlog`
 * (maybe the same: silent), `other` (maybe: silent), or nothing (a leak). */
static void test_queue_named_by_tokens(void **state)
{
    const char *const dones[] = {"w -> queue", "w -> backlog", "other", NULL};
    const size_t expected[] = {0, 0, 0, 1};
    for (size_t i = 0; i < 4; i++) {
        builder *b = build("/src/t.c");
        begin(b, "take", true);
        ll_index w = parameter(b, "w", true);
        ll_index other = parameter(b, "other", true);
        ll_index item = local(b, "item", true);
        ll_index t = temporary(b, false);
        blocks(b, 3);
        CALL_AS(b, 0, t, "queue_get", "queue_get ( w -> queue , & item , -1 )", OTHER, ADDR(item),
                K(-1));
        branch(b, 0, t, NE, 0, 1, 2);
        ret(b, 1, K(-1));
        if (dones[i] && strcmp(dones[i], "other") == 0) {
            CALL_AS(b, 2, LL_NONE, "queue_done", "queue_done ( other )", V(other));
        } else if (dones[i]) {
            char text[64];
            snprintf(text, sizeof text, "queue_done ( %s )", dones[i]);
            CALL_AS(b, 2, LL_NONE, "queue_done", text, OTHER);
        }
        ret(b, 2, K(0));
        (void)w;
        ll_findings findings;
        run_check(&ll_check_missing_task_done, *state, b, &findings);
        assert_int_equal(findings.count, expected[i]);
        if (expected[i])
            assert_string_equal(findings.items[0].message,
                                "the item got by 'queue_get' from 'w->queue' is not marked done "
                                "on every path (call 'queue_done'): a join on the queue waits "
                                "forever");
        ll_findings_free(&findings);
        unbuild(b);
    }
}

/* Two queues in variables: queue_done(out) does not mark an item of `in`. */
static void test_done_on_another_variable(void **state)
{
    builder *b = build("/src/t.c");
    begin(b, "stage", true);
    ll_index in = parameter(b, "in", true);
    ll_index out = parameter(b, "out", true);
    ll_index item = local(b, "item", true);
    ll_index t = temporary(b, false);
    blocks(b, 3);
    CALL(b, 0, t, "queue_get", V(in), ADDR(item), K(-1));
    branch(b, 0, t, NE, 0, 1, 2);
    ret(b, 1, K(-1));
    CALL(b, 2, LL_NONE, "queue_done", V(out));
    ret(b, 2, K(0));
    linked result = link_units(*state, &b->unit, 1);
    ll_ownership_result found =
        analyze(*state, &result, "stage", LL_OWNERSHIP_KIND(LL_RESOURCE_QUEUE_ITEM));
    assert_int_equal(found.defect_count, 1);
    assert_int_equal(found.defects[0].kind, LL_OWNERSHIP_LEAK);
    assert_int_equal(found.handle_count, 1);
    assert_int_equal(found.handles[0].fates, LL_FATE_HELD);
    ll_ownership_result_free(&found);
    unlink_units(&result);
    unbuild(b);
}

/* ---- Sessions -------------------------------------------------------------------------------- */

/* A loop:
 *   B0: jump B1
 *   B1: if (?) goto B2 else B4          -- the loop's condition
 *   B2: p = pool_open(); if (p == 0) goto B1 else B3
 *   B3: KEEP ? table[i] = p : pool_close(p); goto B1
 *   B4: return 0 */
static builder *pools_in_a_loop(bool keep, ll_index *open)
{
    builder *b = build("/src/p.c");
    begin(b, "serve", true);
    ll_index p = local(b, "p", true);
    blocks(b, 5);
    jump(b, 0, 1);
    branch_unknown(b, 1, 2, 4);
    *open = CALL(b, 2, p, "pool_open", STR);
    branch(b, 2, p, EQ, 0, 1, 3);
    if (keep)
        store(b, 3, V(p));
    else
        CALL(b, 3, LL_NONE, "pool_close", V(p));
    jump(b, 3, 1);
    ret(b, 4, K(0));
    loop(b, 1, 3);
    return b;
}

static void test_session_per_iteration(void **state)
{
    ll_index open;
    builder *b = pools_in_a_loop(false, &open);
    ll_findings findings;
    run_check(&ll_check_session_per_request, *state, b, &findings);
    assert_int_equal(findings.count, 1);
    const ll_finding *finding = &findings.items[0];
    assert_string_equal(finding->rule, "session-per-request");
    assert_int_equal(finding->severity, LL_SEVERITY_WARNING);
    assert_int_equal(finding->place.line, current(b)->calls[open].location.line);
    assert_string_equal(finding->message,
                        "a session is opened by 'pool_open' and closed again in every iteration "
                        "of a loop: open it once, before the loop, and reuse it");
    assert_int_equal(finding->note_count, 2);
    assert_string_equal(finding->notes[0].message, "each iteration of this loop opens one");
    assert_string_equal(finding->notes[1].message, "'pool_close' closes it here");
    ll_findings_free(&findings);
    unbuild(b);

    b = pools_in_a_loop(true, &open);
    run_check(&ll_check_session_per_request, *state, b, &findings);
    assert_int_equal(findings.count, 0);
    ll_findings_free(&findings);
    unbuild(b);
}

/* int handler(void *arg) { p = pool_open(); if (!p) return -1; pool_close(p); return 0; }
 * int serve(void) { [while (?)] spawn(handler, 0); return 0; } */
static void test_session_per_spawned_task(void **state)
{
    for (int looped = 0; looped < 2; looped++) {
        builder *b = build("/src/s.c");
        begin(b, "handler", true);
        parameter(b, "arg", true);
        ll_index p = local(b, "p", true);
        blocks(b, 3);
        ll_index open = CALL(b, 0, p, "pool_open", STR);
        branch(b, 0, p, EQ, 0, 1, 2);
        ret(b, 1, K(-1));
        CALL(b, 2, LL_NONE, "pool_close", V(p));
        ret(b, 2, K(0));
        uint32_t open_line = current(b)->calls[open].location.line;

        begin(b, "serve", true);
        blocks(b, 4);
        jump(b, 0, 1);
        if (looped)
            branch_unknown(b, 1, 2, 3);
        else
            jump(b, 1, 2);
        ll_index spawn = CALL(b, 2, LL_NONE, "spawn", FN("handler"), NUL);
        if (looped)
            jump(b, 2, 1);
        else
            jump(b, 2, 3);
        ret(b, 3, K(0));
        if (looped)
            loop(b, 1, 2);
        uint32_t spawn_line = current(b)->calls[spawn].location.line;

        ll_findings findings;
        run_check(&ll_check_session_per_request, *state, b, &findings);
        assert_int_equal(findings.count, looped ? 1 : 0);
        if (looped) {
            const ll_finding *finding = &findings.items[0];
            assert_int_equal(finding->place.line, open_line);
            assert_string_equal(finding->function, "handler");
            assert_string_equal(finding->message,
                                "a session is opened by 'pool_open' and closed again in every "
                                "call of 'handler', which runs once per item: open it once at "
                                "start-up and pass it down");
            assert_int_equal(finding->note_count, 2);
            assert_int_equal(finding->notes[0].place.line, spawn_line);
            assert_string_equal(finding->notes[0].message,
                                "'handler' is started in a loop here, in 'serve': once per item");
        }
        ll_findings_free(&findings);
        unbuild(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameter_effects),
        cmocka_unit_test(test_returns_owned),
        cmocka_unit_test(test_wrapper_acquires_at_its_call),
        cmocka_unit_test(test_recursion_reaches_a_fixpoint),
        cmocka_unit_test(test_each_function_analysed_once),
        cmocka_unit_test(test_worklist_in_a_large_component),
        cmocka_unit_test(test_summaries_within_a_scope),
        cmocka_unit_test(test_never_returning_callee_ends_the_path),
        cmocka_unit_test(test_takes_on_a_declaration),
        cmocka_unit_test(test_item_done_summaries),
        cmocka_unit_test(test_missing_task_done),
        cmocka_unit_test(test_queue_named_by_tokens),
        cmocka_unit_test(test_done_on_another_variable),
        cmocka_unit_test(test_session_per_iteration),
        cmocka_unit_test(test_session_per_spawned_task),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
