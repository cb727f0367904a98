/*
 * test_ownership.c - the ownership dataflow (analysis/ownership.h) and the
 * two checks built on it, over CFGs built by hand (no libclang).
 *
 * Each test writes the C it models in a comment, then builds that CFG with
 * the small builder below: blocks are numbered by the test, every call,
 * operation and terminator gets the next source line, so a note's line
 * says which statement it points at. The packs are a small test pack
 * loaded once for the group.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
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

static const char test_pack[] =
    "pack test\n"
    "acquire fopen kind=resource handle=return fail=null type=FILE\n"
    "release fclose handle=1 type=FILE\n"
    "blocking fprintf category=stdio\n"
    "acquire open kind=resource handle=return fail=negative type=fd\n"
    "release close handle=1 type=fd\n"
    "acquire make_pair kind=resource handle=out1 fail=nonzero type=pair\n"
    "release free_pair handle=1 type=pair\n"
    "acquire pool_open kind=session handle=return fail=null type=pool\n"
    "release pool_close handle=1 type=pool\n"
    "acquire nest_spawn_at kind=task handle=return fail=null type=task\n"
    "join nest_join handle=1\n"
    "suspend nest_join deadline=2 forever=-1 needs-timeout\n"
    "cancel nest_cancel handle=1\n"
    "takes adopt args=1\n"
    "borrows inspect args=1\n"
    "acquire queue_get kind=queue-item handle=out2 fail=nonzero type=item\n"
    "suspend queue_get deadline=3 forever=-1\n"
    "borrows queue_get args=1\n"
    "item-done queue_done handle=1\n";

#define RESOURCES (LL_OWNERSHIP_KIND(LL_RESOURCE) | LL_OWNERSHIP_KIND(LL_RESOURCE_SESSION))
#define TASKS     LL_OWNERSHIP_KIND(LL_RESOURCE_TASK)
#define ITEMS     LL_OWNERSHIP_KIND(LL_RESOURCE_QUEUE_ITEM)

/* ---- The builder (facts_builder.h), over the one function f --------------------------- */

static builder *build(void)
{
    builder *b = builder_open("/src/t.c");
    b->function = ll_unit_add_function(b->unit, "f", "c:@F@f");
    assert_non_null(b->function);
    b->function->is_definition = true;
    return b;
}

static ll_index pointer(builder *b, const char *name)
{
    return variable(b, name, LL_VARIABLE_LOCAL, true);
}

static ll_index integer(builder *b, const char *name)
{
    return variable(b, name, LL_VARIABLE_LOCAL, false);
}

static ll_index parameter(builder *b, const char *name)
{
    return variable(b, name, LL_VARIABLE_PARAMETER, false);
}

static uint32_t line_of(builder *b, ll_index block)
{
    return b->function->blocks[block].location.line;
}

/* ---- Running it --------------------------------------------------------------------- */

static ll_ownership_result analyze(ll_packs *packs, builder *b, uint32_t kinds)
{
    ll_ownership_options options = {.kinds = kinds};
    ll_ownership_result result;
    assert_int_equal(ll_ownership_analyze(b->function, packs, &options, &result), 0);
    return result;
}

/* Asserts the function has no defect, and frees everything. */
static void expect_clean(ll_packs *packs, builder *b, uint32_t kinds)
{
    ll_ownership_result result = analyze(packs, b, kinds);
    assert_false(result.gave_up);
    assert_int_equal(result.defect_count, 0);
    ll_ownership_result_free(&result);
    unbuild(b);
}

static void expect_defect(const ll_ownership_result *result, uint32_t index,
                          enum ll_ownership_defect_kind kind, ll_index call, ll_index variable,
                          uint32_t line)
{
    assert_true(index < result->defect_count);
    const ll_ownership_defect *defect = &result->defects[index];
    assert_int_equal(defect->kind, kind);
    assert_int_equal(defect->call, call);
    assert_int_equal(defect->variable, variable);
    assert_int_equal(defect->location.line, line);
}

static void expect_step(const ll_ownership_defect *defect, uint32_t index, ll_index variable,
                        enum ll_relation relation, int64_t constant, bool taken)
{
    assert_true(index < defect->step_count);
    const ll_ownership_step *step = &defect->steps[index];
    assert_int_equal(step->variable, variable);
    assert_int_equal(step->relation, relation);
    assert_int_equal(step->constant, constant);
    assert_int_equal(step->taken, taken);
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

/* ---- Resources: exits ------------------------------------------------------------------ */

/* FILE *fp = fopen(...); if (!fp) return;    B0 -> B1
 * if (c) return;                             B2 -> B3
 * fclose(fp); return;                        B4
 * `closed_too` adds fclose(fp) before the early return. */
static builder *early_return(bool closed_too, ll_index *open, ll_index *fp, ll_index *c)
{
    builder *b = build();
    *c = parameter(b, "c");
    *fp = pointer(b, "fp");
    blocks(b, 5);
    *open = CALL(b, 0, *fp, "fopen", STR, STR);
    branch(b, 0, *fp, EQ, 0, 1, 2);
    ret(b, 1, OTHER);
    branch(b, 2, *c, NE, 0, 3, 4);
    if (closed_too)
        CALL(b, 3, LL_NONE, "fclose", V(*fp));
    ret(b, 3, OTHER);
    CALL(b, 4, LL_NONE, "fclose", V(*fp));
    ret(b, 4, OTHER);
    return b;
}

static void test_leak_on_early_return(void **state)
{
    ll_index open, fp, c;
    builder *b = early_return(false, &open, &fp, &c);
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, open, fp, line_of(b, 3));
    assert_int_equal(result.defects[0].step_count, 2);
    expect_step(&result.defects[0], 0, fp, NE, 0, false);
    expect_step(&result.defects[0], 1, c, NE, 0, true);
    ll_ownership_result_free(&result);
    unbuild(b);
}

static void test_closed_on_every_path(void **state)
{
    ll_index open, fp, c;
    expect_clean(*state, early_return(true, &open, &fp, &c), RESOURCES);
}

/* The kinds are the caller's choice: tasks do not follow files. */
static void test_kinds_select_handles(void **state)
{
    ll_index open, fp, c;
    expect_clean(*state, early_return(false, &open, &fp, &c), TASKS);
}

/* int fd = open(...); if (fd < 0) return -1;   (or fd <= -1, fd == -1)
 * close(fd); return 0; */
static void test_negative_failure_branch(void **state)
{
    const struct {
        enum ll_relation relation;
        int64_t constant;
    } checks[] = {{LT, 0}, {LL_RELATION_LESS_EQUAL, -1}, {EQ, -1}};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        builder *b = build();
        ll_index fd = integer(b, "fd");
        blocks(b, 3);
        CALL(b, 0, fd, "open", STR, K(0));
        branch(b, 0, fd, checks[i].relation, checks[i].constant, 1, 2);
        ret(b, 1, K(-1));
        CALL(b, 2, LL_NONE, "close", V(fd));
        ret(b, 2, K(0));
        expect_clean(*state, b, RESOURCES);
    }
    /* if (fd >= 0) { close(fd); } return; : the mirrored test. */
    builder *b = build();
    ll_index fd = integer(b, "fd");
    blocks(b, 3);
    CALL(b, 0, fd, "open", STR, K(0));
    branch(b, 0, fd, GE, 0, 1, 2);
    CALL(b, 1, LL_NONE, "close", V(fd));
    jump(b, 1, 2);
    ret(b, 2, K(0));
    expect_clean(*state, b, RESOURCES);
}

/* FILE *p = fopen(...); if (p == NULL) goto out; fclose(p); out: return; */
static void test_null_failure_goto(void **state)
{
    builder *b = build();
    ll_index p = pointer(b, "p");
    blocks(b, 3);
    CALL(b, 0, p, "fopen", STR, STR);
    branch(b, 0, p, EQ, 0, 2, 1);
    CALL(b, 1, LL_NONE, "fclose", V(p));
    jump(b, 1, 2);
    ret(b, 2, OTHER);
    expect_clean(*state, b, RESOURCES);
}

/* An acquisition never checked and never released leaks, even though it
 * might have failed: on the success path nothing closes it. */
static void test_unchecked_maybe_leaks(void **state)
{
    builder *b = build();
    ll_index p = pointer(b, "p");
    blocks(b, 1);
    ll_index open = CALL(b, 0, p, "fopen", STR, STR);
    ret(b, 0, K(0));
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, open, p, line_of(b, 0));
    assert_int_equal(result.defects[0].step_count, 0);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* FILE *a = NULL, *b = NULL; int rc = -1;
 * a = fopen(); if (!a) goto out;            B0 -> B3
 * b = fopen(); if (!b) goto out;            B1 -> B3
 * rc = 0;                                   B2
 * out: if (b) fclose(b);                    B3 -> B4
 *      if (a) fclose(a);                    B5 -> B6 (unless `forget_a`)
 *      return rc;                           B7 */
static builder *cleanup_chain(bool forget_a, ll_index *open_a, ll_index *a, ll_index *other)
{
    builder *b = build();
    *a = pointer(b, "a");
    ll_index second = *other = pointer(b, "b");
    ll_index rc = integer(b, "rc");
    blocks(b, 8);
    assign(b, 0, *a, NUL);
    assign(b, 0, second, NUL);
    assign(b, 0, rc, K(-1));
    *open_a = CALL(b, 0, *a, "fopen", STR, STR);
    branch(b, 0, *a, EQ, 0, 3, 1);
    CALL(b, 1, second, "fopen", STR, STR);
    branch(b, 1, second, EQ, 0, 3, 2);
    assign(b, 2, rc, K(0));
    jump(b, 2, 3);
    branch(b, 3, second, NE, 0, 4, 5);
    CALL(b, 4, LL_NONE, "fclose", V(second));
    jump(b, 4, 5);
    if (forget_a) {
        jump(b, 5, 7);
    } else {
        branch(b, 5, *a, NE, 0, 6, 7);
    }
    CALL(b, 6, LL_NONE, "fclose", V(*a));
    jump(b, 6, 7);
    ret(b, 7, V(rc));
    return b;
}

static void test_goto_cleanup_chain(void **state)
{
    ll_index open_a, a, second;
    expect_clean(*state, cleanup_chain(false, &open_a, &a, &second), RESOURCES);

    builder *b = cleanup_chain(true, &open_a, &a, &second);
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, open_a, a, line_of(b, 7));
    /* The shortest path: a opened, b failed, out: b is NULL. */
    const ll_ownership_defect *defect = &result.defects[0];
    assert_int_equal(defect->step_count, 3);
    expect_step(defect, 0, a, NE, 0, false);
    expect_step(defect, 1, second, EQ, 0, true);
    expect_step(defect, 2, second, EQ, 0, false);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* FILE *f = NULL; if (c) f = fopen(); work(); if (c) fclose(f); return; */
static void test_correlated_branches(void **state)
{
    builder *b = build();
    ll_index c = parameter(b, "c");
    ll_index f = pointer(b, "f");
    blocks(b, 5);
    assign(b, 0, f, NUL);
    branch(b, 0, c, NE, 0, 1, 2);
    CALL(b, 1, f, "fopen", STR, STR);
    jump(b, 1, 2);
    CALL(b, 2, LL_NONE, "work", OTHER);
    branch(b, 2, c, NE, 0, 3, 4);
    CALL(b, 3, LL_NONE, "fclose", V(f));
    jump(b, 3, 4);
    ret(b, 4, OTHER);
    expect_clean(*state, b, RESOURCES);
}

/* int opened = 0;
 * if (c) { f = fopen(); if (!f) return -1; opened = 1; }
 * if (opened) fclose(f);     : correlation through a flag set by constants
 * return 0; */
static void test_correlated_flag(void **state)
{
    builder *b = build();
    ll_index c = parameter(b, "c");
    ll_index f = pointer(b, "f");
    ll_index opened = integer(b, "opened");
    blocks(b, 7);
    assign(b, 0, opened, K(0));
    branch(b, 0, c, NE, 0, 1, 4);
    CALL(b, 1, f, "fopen", STR, STR);
    branch(b, 1, f, EQ, 0, 2, 3);
    ret(b, 2, K(-1));
    assign(b, 3, opened, K(1));
    jump(b, 3, 4);
    branch(b, 4, opened, NE, 0, 5, 6);
    CALL(b, 5, LL_NONE, "fclose", V(f));
    jump(b, 5, 6);
    ret(b, 6, K(0));
    expect_clean(*state, b, RESOURCES);
}

/* while (more()) {                 B1 (unknown condition) -> B2 / B4
 *     FILE *f = fopen();           B2
 *     if (!f) continue;            -> B1
 *     use(f) [+ fclose(f)];        B3 -> B1
 * }
 * return;                          B4 */
static builder *loop(bool closes, ll_index *open, ll_index *f)
{
    builder *b = build();
    *f = pointer(b, "f");
    blocks(b, 5);
    jump(b, 0, 1);
    branch_unknown(b, 1, 2, 4);
    *open = CALL(b, 2, *f, "fopen", STR, STR);
    branch(b, 2, *f, EQ, 0, 1, 3);
    CALL(b, 3, LL_NONE, "fprintf", V(*f), STR);
    if (closes)
        CALL(b, 3, LL_NONE, "fclose", V(*f));
    jump(b, 3, 1);
    ret(b, 4, OTHER);
    return b;
}

static void test_loop_closes_each_iteration(void **state)
{
    ll_index open, f;
    expect_clean(*state, loop(true, &open, &f), RESOURCES);
}

static void test_loop_overwrites(void **state)
{
    ll_index open, f;
    builder *b = loop(false, &open, &f);
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    /* Reported at the fopen that assigns f again, next iteration. */
    expect_defect(&result, 0, LL_OWNERSHIP_OVERWRITE, open, f,
                  b->function->calls[open].location.line);
    const ll_ownership_defect *defect = &result.defects[0];
    assert_int_equal(defect->step_count, 2);
    expect_step(defect, 0, f, NE, 0, false);
    expect_step(defect, 1, LL_NONE, LL_RELATION_UNKNOWN, 0, true);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* ---- Resources: escapes and borrows ------------------------------------------------------ */

/* FILE *f = fopen(); if (!f) return ...; <then> return ...; */
static builder *opened(ll_index *open, ll_index *f)
{
    builder *b = build();
    *f = pointer(b, "f");
    blocks(b, 3);
    *open = CALL(b, 0, *f, "fopen", STR, STR);
    branch(b, 0, *f, EQ, 0, 1, 2);
    ret(b, 1, NUL);
    return b;
}

static void test_returned(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    ret(b, 2, V(f));
    expect_clean(*state, b, RESOURCES);
}

/* return fopen(...); : through a temporary */
static void test_returned_temporary(void **state)
{
    builder *b = build();
    ll_index t = temporary(b, true);
    blocks(b, 1);
    CALL(b, 0, t, "fopen", STR, STR);
    ret(b, 0, V(t));
    expect_clean(*state, b, RESOURCES);
}

/* c->f = f; return 0; */
static void test_stored(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    store(b, 2, V(f));
    ret(b, 2, K(0));
    expect_clean(*state, b, RESOURCES);
}

/* helper(f); return 0; : an undescribed function may close it */
static void test_unknown_function(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    CALL(b, 2, LL_NONE, "helper", V(f));
    ret(b, 2, K(0));
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 0);
    assert_int_equal(result.unknown_calls, 1);
    ll_statistics statistics;
    memset(&statistics, 0, sizeof statistics);
    ll_ownership_account(&result, &statistics);
    assert_int_equal(statistics.ownership_unknown, 1);
    assert_int_equal(statistics.ownership_gave_up, 0);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* reopen(&f); return 0; : its address given away */
static void test_address_escapes(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    CALL(b, 2, LL_NONE, "inspect", ADDR(f));
    ret(b, 2, K(0));
    expect_clean(*state, b, RESOURCES);
}

/* adopt(f); return 0; : the pack says adopt takes argument 1 */
static void test_takes(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    CALL(b, 2, LL_NONE, "adopt", V(f));
    ret(b, 2, K(0));
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 0);
    assert_int_equal(result.unknown_calls, 0);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* inspect(f); fprintf(f, ...); return 0; : borrowed, still ours */
static void test_borrowed_still_leaks(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    CALL(b, 2, LL_NONE, "inspect", V(f));
    CALL(b, 2, LL_NONE, "fprintf", V(f), STR);
    ret(b, 2, K(0));
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, open, f, line_of(b, 2));
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* FILE *g = f; fclose(g); return 0; */
static void test_alias_released(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    ll_index g = pointer(b, "g");
    assign(b, 2, g, V(f));
    CALL(b, 2, LL_NONE, "fclose", V(g));
    ret(b, 2, K(0));
    expect_clean(*state, b, RESOURCES);
}

/* FILE *g = f; f = NULL; return 0; : g still holds it */
static void test_alias_keeps_it(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    ll_index g = pointer(b, "g");
    assign(b, 2, g, V(f));
    assign(b, 2, f, NUL);
    ret(b, 2, K(0));
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, open, g, line_of(b, 2));
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* f = NULL; return 0; : the only holder overwritten */
static void test_overwrite_last_alias(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    uint32_t line = b->line;
    assign(b, 2, f, NUL);
    ret(b, 2, K(0));
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_OVERWRITE, open, f, line);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* fopen(...); : the result thrown away */
static void test_discarded_resource(void **state)
{
    builder *b = build();
    blocks(b, 1);
    ll_index open = CALL(b, 0, LL_NONE, "fopen", STR, STR);
    ret(b, 0, OTHER);
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_DISCARD, open, LL_NONE,
                  b->function->calls[open].location.line);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* A session (pool) is followed with the resources. */
static void test_session(void **state)
{
    builder *b = build();
    ll_index pool = pointer(b, "pool");
    blocks(b, 3);
    ll_index open = CALL(b, 0, pool, "pool_open", OTHER);
    branch(b, 0, pool, EQ, 0, 1, 2);
    ret(b, 1, K(-1));
    ret(b, 2, K(0));
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, open, pool, line_of(b, 2));
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* ---- Resources: out-parameters, noreturn ------------------------------------------------ */

/* pair *p; int r = make_pair(&p); if (r != 0) return -1; [free_pair(p);] return 0; */
static builder *out_parameter(bool frees, ll_index *make, ll_index *p, ll_index *r)
{
    builder *b = build();
    *p = pointer(b, "p");
    *r = integer(b, "r");
    blocks(b, 3);
    *make = CALL(b, 0, *r, "make_pair", ADDR(*p));
    branch(b, 0, *r, NE, 0, 1, 2);
    ret(b, 1, K(-1));
    if (frees)
        CALL(b, 2, LL_NONE, "free_pair", V(*p));
    ret(b, 2, K(0));
    return b;
}

static void test_out_parameter(void **state)
{
    ll_index make, p, r;
    expect_clean(*state, out_parameter(true, &make, &p, &r), RESOURCES);

    builder *b = out_parameter(false, &make, &p, &r);
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, make, p, line_of(b, 2));
    expect_step(&result.defects[0], 0, r, EQ, 0, false);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* if (make_pair(&p) < 0) return -1; [free_pair(p);] return 0; : tested in place */
static void test_out_parameter_tested_in_place(void **state)
{
    for (int frees = 0; frees <= 1; frees++) {
        builder *b = build();
        ll_index p = pointer(b, "p");
        ll_index t = temporary(b, false);
        blocks(b, 3);
        ll_index make = CALL(b, 0, t, "make_pair", ADDR(p));
        branch(b, 0, t, LT, 0, 1, 2);
        ret(b, 1, K(-1));
        if (frees)
            CALL(b, 2, LL_NONE, "free_pair", V(p));
        ret(b, 2, K(0));
        ll_ownership_result result = analyze(*state, b, RESOURCES);
        assert_int_equal(result.defect_count, frees ? 0 : 1);
        if (!frees)
            expect_defect(&result, 0, LL_OWNERSHIP_LEAK, make, p, line_of(b, 2));
        ll_ownership_result_free(&result);
        unbuild(b);
    }
}

/* if (make_pair(&p) != 0) return -1; work(); if (p) free_pair(p); return 0;
 * p's address was taken, so nothing is known of its value; but p holds an
 * owned handle, which is not NULL. */
static void test_owned_handle_is_not_null(void **state)
{
    builder *b = build();
    ll_index p = pointer(b, "p");
    ll_index r = integer(b, "r");
    blocks(b, 5);
    CALL(b, 0, r, "make_pair", ADDR(p));
    branch(b, 0, r, NE, 0, 1, 2);
    ret(b, 1, K(-1));
    CALL(b, 2, LL_NONE, "work", K(0));
    branch(b, 2, p, NE, 0, 3, 4);
    CALL(b, 3, LL_NONE, "free_pair", V(p));
    jump(b, 3, 4);
    ret(b, 4, K(0));
    expect_clean(*state, b, RESOURCES);
}

/* f = fopen(); if (!f) return; if (c) die();  (noreturn)  fclose(f); return; */
static void test_noreturn_is_not_an_exit(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    ll_index c = parameter(b, "c");
    ll_index more[2] = {ll_function_add_block(b->function), ll_function_add_block(b->function)};
    branch(b, 2, c, NE, 0, more[0], more[1]);
    CALL(b, more[0], LL_NONE, "die", K(1));
    noreturn(b, more[0]);
    CALL(b, more[1], LL_NONE, "fclose", V(f));
    ret(b, more[1], K(0));
    expect_clean(*state, b, RESOURCES);
}

/* ---- Resources: through user functions (a linked program) ----------------------------- */

/* Adds `int NAME(T *handle) { T *copy = handle; CALLEE(copy); return 0; }`
 * to the builder's unit (CALLEE NULL: `*out = copy;` instead); the
 * builder goes on building f afterwards. */
static void add_helper(builder *b, const char *name, const char *callee)
{
    char usr[64];
    snprintf(usr, sizeof usr, "c:@F@%s", name);
    assert_non_null(ll_unit_add_function(b->unit, name, usr));
    b->function = &b->unit->functions[b->unit->function_count - 1];
    b->function->is_definition = true;
    ll_index handle = variable(b, "handle", LL_VARIABLE_PARAMETER, true);
    ll_index copy = pointer(b, "copy");
    blocks(b, 1);
    assign(b, 0, copy, V(handle));
    if (callee) {
        ll_index call = CALL(b, 0, LL_NONE, callee, V(copy));
        snprintf(usr, sizeof usr, "c:@F@%s", callee);
        b->function->calls[call].callee_usr = ll_strdup(usr);
    } else {
        store(b, 0, V(copy));
    }
    ret(b, 0, K(0));
    b->function = &b->unit->functions[0];
}

/* f: FILE *f = fopen(); if (!f) return NULL; NAME(f); return 0;  with the
 * helpers the test added; returns the result of analysing f linked. */
static ll_ownership_result through_helper(ll_packs *packs, builder *b, ll_index *open, ll_index *f,
                                          uint32_t *line)
{
    *f = pointer(b, "f");
    blocks(b, 3);
    *open = CALL(b, 0, *f, "fopen", STR, STR);
    branch(b, 0, *f, EQ, 0, 1, 2);
    ret(b, 1, NUL);
    ll_index call = CALL(b, 2, LL_NONE, "helper", V(*f));
    b->function->calls[call].callee_usr = ll_strdup("c:@F@helper");
    ret(b, 2, K(0));
    *line = line_of(b, 2);

    ll_statistics statistics;
    memset(&statistics, 0, sizeof statistics);
    ll_error error;
    ll_program *program = ll_program_link(&b->unit, 1, packs, &statistics, &error);
    assert_non_null(program);
    ll_summaries *summaries = ll_summaries_new(program, packs);
    assert_non_null(summaries);
    ll_ownership_options options = {.kinds = RESOURCES, .program = program, .summaries = summaries};
    ll_ownership_result result;
    assert_int_equal(ll_ownership_analyze(&b->unit->functions[0], packs, &options, &result), 0);
    ll_summaries_free(summaries);
    ll_program_free(program);
    return result;
}

/* helper only borrows the handle (inspect() borrows it, through a copy):
 * f still owns it, and leaks it. Also through a chain of helpers. */
static void test_borrowing_helper(void **state)
{
    const char *const chains[][2] = {{"inspect", NULL}, {"deeper", "inspect"}};
    for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++) {
        builder *b = build();
        add_helper(b, "helper", chains[i][0]);
        if (chains[i][1])
            add_helper(b, chains[i][0], chains[i][1]);
        ll_index open, f;
        uint32_t line;
        ll_ownership_result result = through_helper(*state, b, &open, &f, &line);
        assert_int_equal(result.defect_count, 1);
        expect_defect(&result, 0, LL_OWNERSHIP_LEAK, open, f, line);
        assert_int_equal(result.unknown_calls, 0);
        ll_ownership_result_free(&result);
        unbuild(b);
    }
}

/* helper closes it, stores it, passes it on to a function that closes
 * it, or to a function that is not defined: f stops following the handle,
 * and counts the call only in the last case, where its summary is
 * unknown. */
static void test_keeping_helper(void **state)
{
    const char *const chains[][2] = {
        {"fclose", NULL}, {NULL, NULL}, {"deeper", "fclose"}, {"undefined", NULL}};
    const uint32_t unknown[] = {0, 0, 0, 1};
    for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++) {
        builder *b = build();
        add_helper(b, "helper", chains[i][0]);
        if (chains[i][1])
            add_helper(b, chains[i][0], chains[i][1]);
        ll_index open, f;
        uint32_t line;
        ll_ownership_result result = through_helper(*state, b, &open, &f, &line);
        assert_int_equal(result.defect_count, 0);
        assert_int_equal(result.unknown_calls, unknown[i]);
        ll_ownership_result_free(&result);
        unbuild(b);
    }
}

/* ---- Tasks ----------------------------------------------------------------------------------- */

/* nest_spawn(worker, 0); and (void)nest_spawn(worker, 0); */
static void test_discarded_spawn(void **state)
{
    for (int cast = 0; cast <= 1; cast++) {
        builder *b = build();
        blocks(b, 1);
        ll_index spawn = CALL(b, 0, LL_NONE, "nest_spawn_at", OTHER, K(0), STR, K(1));
        if (cast)
            b->function->calls[spawn].result_use = LL_RESULT_VOID_CAST;
        ret(b, 0, OTHER);
        ll_ownership_result result = analyze(*state, b, TASKS);
        assert_int_equal(result.defect_count, 1);
        expect_defect(&result, 0, LL_OWNERSHIP_DISCARD, spawn, LL_NONE,
                      b->function->calls[spawn].location.line);
        ll_ownership_result_free(&result);
        unbuild(b);
    }
}

/* nest_task *t = nest_spawn(worker, 0); if (!t) return -1;   B0 -> B1
 * <B2 ...>                                                  */
static builder *spawned(ll_index *spawn, ll_index *t)
{
    builder *b = build();
    *t = pointer(b, "t");
    blocks(b, 3);
    *spawn = CALL(b, 0, *t, "nest_spawn_at", OTHER, K(0), STR, K(1));
    branch(b, 0, *t, EQ, 0, 1, 2);
    ret(b, 1, K(-1));
    return b;
}

/* nest_join(t, NEST_FOREVER, NULL); return 0; */
static void test_join_forever(void **state)
{
    ll_index spawn, t;
    builder *b = spawned(&spawn, &t);
    CALL(b, 2, LL_NONE, "nest_join", V(t), K(-1), NUL);
    ret(b, 2, K(0));
    expect_clean(*state, b, TASKS);
}

/* nest_deadline d = NEST_FOREVER; ... nest_join(t, d, NULL); : a local
 * holding only the forever value. With a parameter: finite, unchecked. */
static void test_join_forever_through_local(void **state)
{
    ll_index spawn, t;
    builder *b = spawned(&spawn, &t);
    ll_index d = integer(b, "d");
    assign(b, 2, d, K(-1));
    CALL(b, 2, LL_NONE, "nest_join", V(t), V(d), NUL);
    ret(b, 2, K(0));
    expect_clean(*state, b, TASKS);

    b = spawned(&spawn, &t);
    ll_index deadline = parameter(b, "deadline");
    CALL(b, 2, LL_NONE, "nest_join", V(t), V(deadline), NUL);
    ret(b, 2, K(0));
    ll_ownership_result result = analyze(*state, b, TASKS);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, spawn, t, line_of(b, 2));
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* int r = nest_join(t, 100, NULL);            B2
 * if (r != 0) { [nest_cancel(t); nest_join(t, NEST_FOREVER, NULL);] return -1; }   B3
 * return 0;                                   B4 */
static builder *finite_join(bool stops, ll_index *spawn, ll_index *t, ll_index *r)
{
    builder *b = spawned(spawn, t);
    *r = integer(b, "r");
    ll_index failed = ll_function_add_block(b->function);
    ll_index joined = ll_function_add_block(b->function);
    CALL(b, 2, *r, "nest_join", V(*t), K(100), NUL);
    branch(b, 2, *r, NE, 0, failed, joined);
    if (stops) {
        CALL(b, failed, LL_NONE, "nest_cancel", V(*t));
        CALL(b, failed, LL_NONE, "nest_join", V(*t), K(-1), NUL);
    }
    ret(b, failed, K(-1));
    ret(b, joined, K(0));
    return b;
}

static void test_finite_join_releases_on_success_only(void **state)
{
    ll_index spawn, t, r;
    builder *b = finite_join(false, &spawn, &t, &r);
    ll_ownership_result result = analyze(*state, b, TASKS);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, spawn, t, line_of(b, 3));
    const ll_ownership_defect *defect = &result.defects[0];
    assert_int_equal(defect->step_count, 2);
    expect_step(defect, 0, t, NE, 0, false);
    expect_step(defect, 1, r, NE, 0, true);
    ll_ownership_result_free(&result);
    unbuild(b);
}

static void test_cancel_then_forever_join(void **state)
{
    ll_index spawn, t, r;
    expect_clean(*state, finite_join(true, &spawn, &t, &r), TASKS);
}

/* if (nest_join(t, 100, NULL) != 0) return -1; return 0; : tested in place */
static void test_finite_join_tested_in_place(void **state)
{
    ll_index spawn, t;
    builder *b = spawned(&spawn, &t);
    ll_index result_of_join = temporary(b, false);
    ll_index failed = ll_function_add_block(b->function);
    ll_index joined = ll_function_add_block(b->function);
    CALL(b, 2, result_of_join, "nest_join", V(t), K(100), NUL);
    branch(b, 2, result_of_join, NE, 0, failed, joined);
    ret(b, failed, K(-1));
    ret(b, joined, K(0));
    ll_ownership_result result = analyze(*state, b, TASKS);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, spawn, t, line_of(b, failed));
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* if (nest_join(t, 100, NULL) < 0) { nest_cancel(t); nest_join(t,
 * NEST_FOREVER, NULL); return -1; } return 0;  (also `== -1`, and `!= 0`
 * without stopping the task, which leaks on the true side only) */
static void test_join_result_conventions(void **state)
{
    const struct {
        enum ll_relation relation;
        int64_t constant;
        bool stops;
    } tests[] = {{LT, 0, true}, {EQ, -1, true}, {NE, 0, true}, {LT, 0, false}};
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        ll_index spawn, t;
        builder *b = spawned(&spawn, &t);
        ll_index joined_result = temporary(b, false);
        ll_index failed = ll_function_add_block(b->function);
        ll_index joined = ll_function_add_block(b->function);
        CALL(b, 2, joined_result, "nest_join", V(t), K(100), NUL);
        branch(b, 2, joined_result, tests[i].relation, tests[i].constant, failed, joined);
        if (tests[i].stops) {
            CALL(b, failed, LL_NONE, "nest_cancel", V(t));
            CALL(b, failed, LL_NONE, "nest_join", V(t), K(-1), NUL);
        }
        ret(b, failed, K(-1));
        ret(b, joined, K(0));
        ll_ownership_result result = analyze(*state, b, TASKS);
        assert_int_equal(result.defect_count, tests[i].stops ? 0 : 1);
        if (!tests[i].stops)
            expect_defect(&result, 0, LL_OWNERSHIP_LEAK, spawn, t, line_of(b, failed));
        ll_ownership_result_free(&result);
        unbuild(b);
    }
}

/* int r; ... r = nest_join(t, 100, NULL) through a temporary copied in the
 * next block, then if (r == 0) return 0; nest_cancel(t); nest_join(t,
 * NEST_FOREVER, NULL); return -1; */
static void test_join_result_copied_before_its_test(void **state)
{
    ll_index spawn, t;
    builder *b = spawned(&spawn, &t);
    ll_index r = integer(b, "r");
    ll_index copied = temporary(b, false);
    ll_index test = ll_function_add_block(b->function);
    ll_index joined = ll_function_add_block(b->function);
    ll_index failed = ll_function_add_block(b->function);
    CALL(b, 2, copied, "nest_join", V(t), K(100), NUL);
    jump(b, 2, test);
    assign(b, test, r, V(copied));
    branch(b, test, r, EQ, 0, joined, failed);
    ret(b, joined, K(0));
    CALL(b, failed, LL_NONE, "nest_cancel", V(t));
    CALL(b, failed, LL_NONE, "nest_join", V(t), K(-1), NUL);
    ret(b, failed, K(-1));
    expect_clean(*state, b, TASKS);
}

/* nest_cancel(t); return 0; : cancelled is not joined */
static void test_cancel_alone_leaks(void **state)
{
    ll_index spawn, t;
    builder *b = spawned(&spawn, &t);
    CALL(b, 2, LL_NONE, "nest_cancel", V(t));
    ret(b, 2, K(0));
    ll_ownership_result result = analyze(*state, b, TASKS);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, spawn, t, line_of(b, 2));
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* for (i = 0; i < n; i++) t = nest_spawn(worker, 0);   then return 0; */
static void test_spawn_overwritten_in_loop(void **state)
{
    builder *b = build();
    ll_index t = pointer(b, "t");
    blocks(b, 4);
    jump(b, 0, 1);
    branch_unknown(b, 1, 2, 3);
    ll_index spawn = CALL(b, 2, t, "nest_spawn_at", OTHER, K(0), STR, K(1));
    jump(b, 2, 1);
    ret(b, 3, K(0));
    ll_ownership_result result = analyze(*state, b, TASKS);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_OVERWRITE, spawn, t,
                  b->function->calls[spawn].location.line);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* ---- Limits ------------------------------------------------------------------------------------
 */

/* f = fopen(); if (!f) return;
 * if (c0) x(); ... if (c7) x();      every flag kept: tested again below
 * if (c0) y(); ... if (c7) y();
 * return;                            (leaks f, but the analysis gives up) */
static void test_state_explosion_gives_up(void **state)
{
    enum { FLAGS = 8 };
    ll_index open, f;
    builder *b = opened(&open, &f);
    ll_index flags[FLAGS];
    for (int i = 0; i < FLAGS; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        flags[i] = parameter(b, name);
    }
    ll_index at = 2;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < FLAGS; i++) {
            ll_index then = ll_function_add_block(b->function);
            ll_index next = ll_function_add_block(b->function);
            branch(b, at, flags[i], NE, 0, then, next);
            CALL(b, then, LL_NONE, round ? "y" : "x", K(0));
            jump(b, then, next);
            at = next;
        }
    }
    ret(b, at, K(0));
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_true(result.gave_up);
    assert_int_equal(result.defect_count, 0);
    ll_statistics statistics;
    memset(&statistics, 0, sizeof statistics);
    ll_ownership_account(&result, &statistics);
    assert_int_equal(statistics.ownership_gave_up, 1);
    ll_ownership_result_free(&result);

    /* The same function with a larger limit is analysed, and leaks. */
    ll_ownership_options options = {.kinds = RESOURCES, .state_limit = 1024};
    assert_int_equal(ll_ownership_analyze(b->function, *state, &options, &result), 0);
    assert_false(result.gave_up);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, open, f, line_of(b, at));
    /* 1 + 16 decisions: the first and the last five are kept. */
    assert_int_equal(result.defects[0].step_count, LL_OWNERSHIP_STEP_LIMIT);
    assert_int_equal(result.defects[0].steps_omitted, 17 - LL_OWNERSHIP_STEP_LIMIT);
    expect_step(&result.defects[0], 0, f, NE, 0, false);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* f = fopen(); if (!f) return;
 * if (c0) x(); ... if (c7) x();      each flag tested once: forgotten after
 * return;                            its test, so the states do not multiply */
static void test_flags_tested_once_do_not_multiply(void **state)
{
    enum { FLAGS = 8 };
    ll_index open, f;
    builder *b = opened(&open, &f);
    ll_index at = 2;
    for (int i = 0; i < FLAGS; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        ll_index flag = parameter(b, name);
        ll_index then = ll_function_add_block(b->function);
        ll_index next = ll_function_add_block(b->function);
        branch(b, at, flag, NE, 0, then, next);
        CALL(b, then, LL_NONE, "x", K(0));
        jump(b, then, next);
        at = next;
    }
    ret(b, at, K(0));
    ll_ownership_options options = {.kinds = RESOURCES, .state_limit = 4};
    ll_ownership_result result;
    assert_int_equal(ll_ownership_analyze(b->function, *state, &options, &result), 0);
    assert_false(result.gave_up);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, open, f, line_of(b, at));
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* { f = fopen(); if (!f) goto next; fclose(f); } next: ...   eight times:
 * each handle ends failed or released, which must not make 2^8 states. */
static void test_sequential_handles_do_not_multiply(void **state)
{
    builder *b = build();
    blocks(b, 1);
    ll_index at = 0;
    for (int i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        ll_index f = pointer(b, name);
        ll_index opened = ll_function_add_block(b->function);
        ll_index next = ll_function_add_block(b->function);
        CALL(b, at, f, "fopen", STR, STR);
        branch(b, at, f, EQ, 0, next, opened);
        CALL(b, opened, LL_NONE, "fclose", V(f));
        jump(b, opened, next);
        at = next;
    }
    ret(b, at, K(0));
    ll_ownership_options options = {.kinds = RESOURCES, .state_limit = 2};
    ll_ownership_result result;
    assert_int_equal(ll_ownership_analyze(b->function, *state, &options, &result), 0);
    assert_false(result.gave_up);
    assert_int_equal(result.defect_count, 0);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* ---- Notes and names ------------------------------------------------------------------------- */

static void test_notes_show_the_path(void **state)
{
    ll_index open, fp, c;
    builder *b = early_return(false, &open, &fp, &c);
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.defect_count, 1);
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding = ll_findings_add(&findings, "unclosed-resource", LL_SEVERITY_ERROR,
                                          "/src/t.c", 1, 1, "f", "", "leak");
    assert_non_null(finding);
    assert_int_equal(ll_ownership_add_notes(finding, b->unit, b->function, &result.defects[0]), 0);
    assert_int_equal(finding->note_count, 3);
    assert_string_equal(finding->notes[0].message, "assuming 'fp' is not NULL");
    assert_int_equal(finding->notes[0].place.line, line_of(b, 0));
    assert_string_equal(finding->notes[1].message, "assuming 'c' is not 0");
    assert_int_equal(finding->notes[1].place.line, line_of(b, 2));
    assert_string_equal(finding->notes[2].message,
                        "'fp' is still owned when the function returns here");
    assert_int_equal(finding->notes[2].place.line, line_of(b, 3));
    assert_string_equal(finding->notes[2].place.file, "/src/t.c");
    ll_findings_free(&findings);
    ll_ownership_result_free(&result);
    unbuild(b);
}

static void test_notes_name_a_call_result(void **state)
{
    ll_index spawn, t;
    builder *b = spawned(&spawn, &t);
    ll_index joined_result = temporary(b, false);
    ll_index failed = ll_function_add_block(b->function);
    ll_index joined = ll_function_add_block(b->function);
    CALL(b, 2, joined_result, "nest_join", V(t), K(100), NUL);
    branch(b, 2, joined_result, NE, 0, failed, joined);
    ret(b, failed, K(-1));
    ret(b, joined, K(0));
    ll_ownership_result result = analyze(*state, b, TASKS);
    assert_int_equal(result.defect_count, 1);
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding = ll_findings_add(&findings, "untracked-task", LL_SEVERITY_ERROR,
                                          "/src/t.c", 1, 1, "f", "", "leak");
    assert_non_null(finding);
    assert_int_equal(ll_ownership_add_notes(finding, b->unit, b->function, &result.defects[0]), 0);
    assert_int_equal(finding->note_count, 3);
    assert_string_equal(finding->notes[0].message, "assuming 't' is not NULL");
    assert_string_equal(finding->notes[1].message, "assuming the result of 'nest_join' is not 0");
    assert_string_equal(finding->notes[2].message,
                        "'t' is still owned when the function returns here");
    ll_findings_free(&findings);
    ll_ownership_result_free(&result);
    unbuild(b);
}

static void test_call_name_as_written(void **state)
{
    (void)state;
    ll_call call;
    memset(&call, 0, sizeof call);
    char buffer[64];
    call.callee_name = "nest_spawn_at";
    call.text = "nest_spawn ( worker , 0 )";
    assert_string_equal(ll_ownership_call_name(&call, buffer, sizeof buffer), "nest_spawn");
    call.text = "( * open_fn ) ( path )";
    assert_string_equal(ll_ownership_call_name(&call, buffer, sizeof buffer), "nest_spawn_at");
    call.text = NULL;
    assert_string_equal(ll_ownership_call_name(&call, buffer, sizeof buffer), "nest_spawn_at");
}

/* ---- Fates, returns, parameters --------------------------------------------------------- */

/* What became of the handle: FILE *f = fopen(); if (!f) return NULL; ENDING */
static void test_fates(void **state)
{
    ll_index open, f;
    builder *b = opened(&open, &f);
    CALL(b, 2, LL_NONE, "fclose", V(f));
    uint32_t close_line = b->line - 1;
    ret(b, 2, K(0));
    ll_ownership_result result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.handle_count, 1);
    assert_int_equal(result.handles[0].call, open);
    assert_int_equal(result.handles[0].parameter, 0);
    assert_int_equal(result.handles[0].fates, LL_FATE_RELEASED);
    assert_int_equal(result.handles[0].released.line, close_line);
    assert_int_equal(result.handles[0].loop, LL_NONE);
    assert_int_equal(result.returns, LL_RETURNS_ZERO);
    ll_ownership_result_free(&result);
    unbuild(b);

    b = opened(&open, &f);
    store(b, 2, V(f));
    ret(b, 2, K(-1));
    result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.handles[0].fates, LL_FATE_ESCAPED);
    assert_int_equal(result.returns, LL_RETURNS_ZERO | LL_RETURNS_NEGATIVE);
    ll_ownership_result_free(&result);
    unbuild(b);

    b = opened(&open, &f);
    ret(b, 2, V(f));
    result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.handles[0].fates, LL_FATE_RETURNED);
    assert_int_equal(result.returns, LL_RETURNS_ZERO | LL_RETURNS_HANDLE);
    ll_ownership_result_free(&result);
    unbuild(b);

    b = opened(&open, &f);
    CALL(b, 2, LL_NONE, "unknown", V(f));
    ret(b, 2, OTHER);
    result = analyze(*state, b, RESOURCES);
    assert_int_equal(result.handles[0].fates, LL_FATE_UNKNOWN);
    assert_int_equal(result.returns, LL_RETURNS_ZERO | LL_RETURNS_OTHER);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* A handle still held when its loop is left:
 *   B0: jump B1;  B1: if (?) B2 else B3;  B2: f = fopen(); if (!f) B1 else B4;
 *   B4: [fclose(f);] goto B1;  B3: return 0
 * and one that leaves the loop with it: B4: break (to B5: fclose(f); return). */
static void test_left_loop(void **state)
{
    for (int closes = 0; closes < 2; closes++) {
        builder *b = build();
        ll_index f = pointer(b, "f");
        blocks(b, 6);
        jump(b, 0, 1);
        branch_unknown(b, 1, 2, 3);
        CALL(b, 2, f, "fopen", STR, STR);
        branch(b, 2, f, EQ, 0, 1, 4);
        if (closes) {
            CALL(b, 4, LL_NONE, "fclose", V(f));
            jump(b, 4, 1);
        } else {
            jump(b, 4, 5);
        }
        ret(b, 3, K(0));
        CALL(b, 5, LL_NONE, "fclose", V(f));
        ret(b, 5, K(0));
        ll_loop *loop = ll_function_add_loop(b->function);
        assert_non_null(loop);
        loop->header = 1;
        for (ll_index block = 1; block <= 4; block++)
            assert_int_equal(ll_loop_add_block(loop, block), 0);
        ll_ownership_result result = analyze(*state, b, RESOURCES);
        assert_int_equal(result.defect_count, 0);
        assert_int_equal(result.handles[0].loop, 0);
        assert_int_equal(result.handles[0].fates,
                         closes ? LL_FATE_RELEASED : LL_FATE_RELEASED | LL_FATE_LEFT_LOOP);
        ll_ownership_result_free(&result);
        unbuild(b);
    }
}

/* Parameters followed for a summary:
 * int f(FILE *fp, int fd) { if (fd < 0) return -1; close(fd); return 0; } */
static void test_parameters_followed(void **state)
{
    builder *b = build();
    ll_index fp = variable(b, "fp", LL_VARIABLE_PARAMETER, true);
    ll_index fd = parameter(b, "fd");
    blocks(b, 3);
    branch(b, 0, fd, LT, 0, 1, 2);
    ret(b, 1, K(-1));
    CALL(b, 2, LL_NONE, "close", V(fd));
    ret(b, 2, K(0));
    ll_ownership_options options = {.kinds = RESOURCES, .parameters = 3, .queue_parameters = 1};
    ll_ownership_result result;
    assert_int_equal(ll_ownership_analyze(b->function, *state, &options, &result), 0);
    assert_int_equal(result.defect_count, 0);
    assert_int_equal(result.handle_count, 3);
    assert_int_equal(result.handles[0].parameter, 1);
    assert_false(result.handles[0].queue);
    assert_int_equal(result.handles[0].fates, LL_FATE_HELD);
    /* The failed fd (fd < 0) has no fate: it is not the caller's handle. */
    assert_int_equal(result.handles[1].parameter, 2);
    assert_int_equal(result.handles[1].fates, LL_FATE_RELEASED);
    assert_int_equal(result.handles[2].parameter, 1);
    assert_true(result.handles[2].queue);
    assert_int_equal(result.handles[2].fates, LL_FATE_HELD);
    ll_ownership_result_free(&result);
    (void)fp;
    unbuild(b);
}

/* ---- Queue items ---------------------------------------------------------------------------- */

/* if (queue_get(q, &item, -1) != 0) return -1;      B0 -> B1 / B2
 * if (item == NULL) return 0;                      B2 -> B3 / B4   (the sentinel)
 * queue_done(q); return 0;                         B4
 * The NULL item is an item: its branch is followed, and leaks. */
static void test_null_item_is_an_item(void **state)
{
    builder *b = build();
    ll_index q = variable(b, "q", LL_VARIABLE_PARAMETER, true);
    ll_index item = pointer(b, "item");
    ll_index t = temporary(b, false);
    blocks(b, 5);
    ll_index get = CALL(b, 0, t, "queue_get", V(q), ADDR(item), K(-1));
    branch(b, 0, t, NE, 0, 1, 2);
    ret(b, 1, K(-1));
    branch(b, 2, item, EQ, 0, 3, 4);
    ret(b, 3, K(0));
    uint32_t leak_line = line_of(b, 3);
    CALL(b, 4, LL_NONE, "queue_done", V(q));
    ret(b, 4, K(0));
    ll_ownership_result result = analyze(*state, b, ITEMS);
    assert_int_equal(result.defect_count, 1);
    expect_defect(&result, 0, LL_OWNERSHIP_LEAK, get, item, leak_line);
    expect_step(&result.defects[0], 1, item, EQ, 0, true);
    ll_ownership_result_free(&result);
    unbuild(b);
}

/* Two gets on the same queue, the first item not done:
 * if (queue_get(q, &a, -1) != 0) return;  if (queue_get(q, &b, -1) != 0) return;
 * queue_done(q); queue_done(q); return;
 * The first item is not done when the second get runs; on another queue
 * (r) it would not matter. The item's variable may be reused. */
static void test_next_get_on_the_same_queue(void **state)
{
    for (int same = 0; same < 2; same++) {
        builder *b = build();
        ll_index q = variable(b, "q", LL_VARIABLE_PARAMETER, true);
        ll_index r = variable(b, "r", LL_VARIABLE_PARAMETER, true);
        ll_index item = pointer(b, "item");
        ll_index t = temporary(b, false);
        ll_index u = temporary(b, false);
        blocks(b, 4);
        ll_index first = CALL(b, 0, t, "queue_get", V(q), ADDR(item), K(-1));
        branch(b, 0, t, NE, 0, 1, 2);
        ret(b, 1, OTHER);
        ll_index second = CALL(b, 2, u, "queue_get", V(same ? q : r), ADDR(item), K(-1));
        jump(b, 2, 3);
        CALL(b, 3, LL_NONE, "queue_done", V(q));
        CALL(b, 3, LL_NONE, "queue_done", V(r));
        ret(b, 3, OTHER);
        ll_ownership_result result = analyze(*state, b, ITEMS);
        if (same) {
            /* Reported once, at the second get; the dones at the end
               settle the second item. */
            assert_int_equal(result.defect_count, 1);
            const ll_ownership_defect *defect = &result.defects[0];
            assert_int_equal(defect->kind, LL_OWNERSHIP_NEXT_GET);
            assert_int_equal(defect->call, first);
            assert_int_equal(defect->next_call, second);
            assert_int_equal(defect->location.line, b->function->calls[second].location.line);
        } else {
            assert_int_equal(result.defect_count, 0);
        }
        ll_ownership_result_free(&result);
        unbuild(b);
    }
}

/* ---- The checks ------------------------------------------------------------------------------ */

extern const ll_check ll_check_unclosed_resource;
extern const ll_check ll_check_untracked_task;

/* Runs a check over the builder's unit, linked; the findings go to `out`. */
static void run_check(const ll_check *check, ll_packs *packs, builder *b, ll_findings *out,
                      ll_statistics *statistics)
{
    ll_statistics unused;
    memset(&unused, 0, sizeof unused);
    ll_error error;
    ll_program *program = ll_program_link(&b->unit, 1, packs, &unused, &error);
    assert_non_null(program);
    ll_check_context context = {.program = program, .packs = packs, .statistics = statistics};
    ll_findings_init(out);
    assert_null(check->check_function);
    assert_int_equal(check->check_program(&context, out), 0);
    ll_program_free(program);
}

static void expect_finding(const ll_findings *findings, size_t index, const char *rule,
                           const ll_call *call, const char *message)
{
    assert_true(index < findings->count);
    const ll_finding *finding = &findings->items[index];
    assert_string_equal(finding->rule, rule);
    assert_int_equal(finding->severity, LL_SEVERITY_ERROR);
    assert_string_equal(finding->place.file, "/src/t.c");
    assert_int_equal(finding->place.line, call->location.line);
    assert_int_equal(finding->place.column, call->location.column);
    assert_string_equal(finding->function, "f");
    assert_string_equal(finding->text, call->text);
    assert_string_equal(finding->message, message);
}

static void test_unclosed_resource_messages(void **state)
{
    ll_findings findings;
    ll_index open, fp, c;
    builder *b = early_return(false, &open, &fp, &c);
    run_check(&ll_check_unclosed_resource, *state, b, &findings, NULL);
    assert_int_equal(findings.count, 1);
    expect_finding(&findings, 0, "unclosed-resource", &b->function->calls[open],
                   "'fp' opened by 'fopen' is not closed on every path (use 'fclose')");
    assert_int_equal(findings.items[0].note_count, 3);
    ll_findings_free(&findings);
    unbuild(b);

    /* No call in the function closes a FILE: no hint. */
    ll_index f;
    b = opened(&open, &f);
    assign(b, 2, f, NUL);
    ret(b, 2, K(0));
    run_check(&ll_check_unclosed_resource, *state, b, &findings, NULL);
    assert_int_equal(findings.count, 1);
    expect_finding(&findings, 0, "unclosed-resource", &b->function->calls[open],
                   "'f' opened by 'fopen' is overwritten before it is closed");
    assert_int_equal(findings.items[0].note_count, 2);
    assert_string_equal(findings.items[0].notes[1].message, "'f' is overwritten here");
    ll_findings_free(&findings);
    unbuild(b);

    b = build();
    blocks(b, 1);
    open = CALL(b, 0, LL_NONE, "fopen", STR, STR);
    ret(b, 0, OTHER);
    run_check(&ll_check_unclosed_resource, *state, b, &findings, NULL);
    assert_int_equal(findings.count, 1);
    expect_finding(&findings, 0, "unclosed-resource", &b->function->calls[open],
                   "the resource opened by 'fopen' is discarded: it can never be closed");
    assert_int_equal(findings.items[0].note_count, 0);
    ll_findings_free(&findings);
    unbuild(b);
}

/* The spawn is written `nest_spawn(worker, 0)`, a macro for nest_spawn_at. */
static void as_written(builder *b, ll_index spawn)
{
    ll_call *call = &b->function->calls[spawn];
    free(call->text);
    call->text = ll_strdup("nest_spawn ( worker , 0 )");
}

static void test_untracked_task_messages(void **state)
{
    ll_findings findings;
    ll_index spawn, t;
    builder *b = spawned(&spawn, &t);
    as_written(b, spawn);
    CALL(b, 2, LL_NONE, "nest_cancel", V(t));
    ret(b, 2, K(0));
    run_check(&ll_check_untracked_task, *state, b, &findings, NULL);
    assert_int_equal(findings.count, 1);
    expect_finding(&findings, 0, "untracked-task", &b->function->calls[spawn],
                   "task handle 't' from 'nest_spawn' is not joined on every path");
    ll_findings_free(&findings);
    unbuild(b);

    b = build();
    t = pointer(b, "t");
    blocks(b, 4);
    jump(b, 0, 1);
    branch_unknown(b, 1, 2, 3);
    spawn = CALL(b, 2, t, "nest_spawn_at", OTHER, K(0), STR, K(1));
    as_written(b, spawn);
    jump(b, 2, 1);
    ret(b, 3, K(0));
    run_check(&ll_check_untracked_task, *state, b, &findings, NULL);
    assert_int_equal(findings.count, 1);
    expect_finding(&findings, 0, "untracked-task", &b->function->calls[spawn],
                   "task handle 't' from 'nest_spawn' is overwritten while its task is still "
                   "running");
    ll_findings_free(&findings);
    unbuild(b);

    b = build();
    blocks(b, 1);
    spawn = CALL(b, 0, LL_NONE, "nest_spawn_at", OTHER, K(0), STR, K(1));
    as_written(b, spawn);
    ret(b, 0, OTHER);
    run_check(&ll_check_untracked_task, *state, b, &findings, NULL);
    assert_int_equal(findings.count, 1);
    expect_finding(&findings, 0, "untracked-task", &b->function->calls[spawn],
                   "the task handle returned by 'nest_spawn' is discarded: the task can never "
                   "be joined");
    ll_findings_free(&findings);
    unbuild(b);
}

/* The checks count what they could not follow, and skip declarations. */
static void test_checks_count_and_skip_declarations(void **state)
{
    ll_findings findings;
    ll_statistics statistics;
    memset(&statistics, 0, sizeof statistics);
    ll_index open, f;
    builder *b = opened(&open, &f);
    CALL(b, 2, LL_NONE, "helper", V(f));
    ret(b, 2, K(0));
    run_check(&ll_check_unclosed_resource, *state, b, &findings, &statistics);
    assert_int_equal(findings.count, 0);
    assert_int_equal(statistics.ownership_unknown, 1);
    ll_findings_free(&findings);
    unbuild(b);

    ll_index fp, c;
    b = early_return(false, &open, &fp, &c);
    b->function->is_definition = false;
    run_check(&ll_check_unclosed_resource, *state, b, &findings, &statistics);
    assert_int_equal(findings.count, 0);
    ll_findings_free(&findings);
    unbuild(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leak_on_early_return),
        cmocka_unit_test(test_closed_on_every_path),
        cmocka_unit_test(test_kinds_select_handles),
        cmocka_unit_test(test_negative_failure_branch),
        cmocka_unit_test(test_null_failure_goto),
        cmocka_unit_test(test_unchecked_maybe_leaks),
        cmocka_unit_test(test_goto_cleanup_chain),
        cmocka_unit_test(test_correlated_branches),
        cmocka_unit_test(test_correlated_flag),
        cmocka_unit_test(test_loop_closes_each_iteration),
        cmocka_unit_test(test_loop_overwrites),
        cmocka_unit_test(test_returned),
        cmocka_unit_test(test_returned_temporary),
        cmocka_unit_test(test_stored),
        cmocka_unit_test(test_unknown_function),
        cmocka_unit_test(test_address_escapes),
        cmocka_unit_test(test_takes),
        cmocka_unit_test(test_borrowed_still_leaks),
        cmocka_unit_test(test_alias_released),
        cmocka_unit_test(test_alias_keeps_it),
        cmocka_unit_test(test_overwrite_last_alias),
        cmocka_unit_test(test_discarded_resource),
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_out_parameter),
        cmocka_unit_test(test_out_parameter_tested_in_place),
        cmocka_unit_test(test_owned_handle_is_not_null),
        cmocka_unit_test(test_borrowing_helper),
        cmocka_unit_test(test_keeping_helper),
        cmocka_unit_test(test_noreturn_is_not_an_exit),
        cmocka_unit_test(test_discarded_spawn),
        cmocka_unit_test(test_join_forever),
        cmocka_unit_test(test_join_forever_through_local),
        cmocka_unit_test(test_finite_join_releases_on_success_only),
        cmocka_unit_test(test_cancel_then_forever_join),
        cmocka_unit_test(test_finite_join_tested_in_place),
        cmocka_unit_test(test_join_result_conventions),
        cmocka_unit_test(test_join_result_copied_before_its_test),
        cmocka_unit_test(test_cancel_alone_leaks),
        cmocka_unit_test(test_spawn_overwritten_in_loop),
        cmocka_unit_test(test_state_explosion_gives_up),
        cmocka_unit_test(test_flags_tested_once_do_not_multiply),
        cmocka_unit_test(test_sequential_handles_do_not_multiply),
        cmocka_unit_test(test_notes_show_the_path),
        cmocka_unit_test(test_notes_name_a_call_result),
        cmocka_unit_test(test_call_name_as_written),
        cmocka_unit_test(test_unclosed_resource_messages),
        cmocka_unit_test(test_untracked_task_messages),
        cmocka_unit_test(test_checks_count_and_skip_declarations),
        cmocka_unit_test(test_fates),
        cmocka_unit_test(test_left_loop),
        cmocka_unit_test(test_parameters_followed),
        cmocka_unit_test(test_null_item_is_an_item),
        cmocka_unit_test(test_next_get_on_the_same_queue),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
