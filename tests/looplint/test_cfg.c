/*
 * test_cfg.c - function bodies lowered into variables, call sites, CFGs
 * and loops (front/body*.c).
 *
 * Each test writes a small C file into a fresh temporary directory,
 * extracts it as `looplint verify` would, and checks the shape of one
 * function precisely: which block holds which call, each block's
 * terminator, test and successors, the values of arguments, assignments,
 * stores and returns, and the loops. Blocks are found through the calls
 * they hold (then_call(), else_call()...), never by number, so the tests
 * do not depend on the order blocks are made in - except blocks[0], the
 * entry.
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS */
/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "front/front.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FACTS_BUILDER_UNITS_ONLY
#include "facts_builder.h"

/* ---- Extracting a snippet ------------------------------------------------------- */

typedef struct fixture {
    char root[256];
    ll_extractor *extractor;
    ll_unit *unit; /* the last one extracted */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || make_temporary_directory("cfg", f->root, sizeof f->root) < 0) {
        free(f);
        return -1;
    }
    f->extractor = ll_extractor_new();
    if (!f->extractor) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ll_unit_free(f->unit);
    ll_extractor_free(f->extractor);
    remove_tree(f->root);
    free(f);
    return 0;
}

/* What every lowered function satisfies, whatever its source. */
static void assert_well_formed(const ll_function *function)
{
    assert_true(function->block_count >= 1);
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        switch (block->terminator) {
        case LL_TERMINATOR_JUMP:
            assert_int_equal(block->successor_count, 1);
            break;
        case LL_TERMINATOR_BRANCH:
            assert_int_equal(block->successor_count, 2);
            assert_true(block->test.relation == LL_RELATION_UNKNOWN ||
                        block->test.variable < function->variable_count);
            break;
        case LL_TERMINATOR_SWITCH:
            assert_true(block->successor_count >= 1);
            break;
        case LL_TERMINATOR_RETURN:
        case LL_TERMINATOR_NORETURN:
            assert_int_equal(block->successor_count, 0);
            break;
        }
        for (uint32_t s = 0; s < block->successor_count; s++)
            assert_true(block->successors[s] < function->block_count);
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            assert_true(operation->target == LL_NONE ||
                        operation->target < function->variable_count);
            if (operation->kind == LL_OPERATION_CALL) {
                assert_true(operation->call < function->call_count);
                assert_int_equal(function->calls[operation->call].block, b);
            }
        }
    }
    for (uint32_t c = 0; c < function->call_count; c++)
        assert_true(function->calls[c].block < function->block_count);
    for (uint32_t l = 0; l < function->loop_count; l++) {
        const ll_loop *loop = &function->loops[l];
        assert_true(loop->header < function->block_count);
        for (uint32_t i = 0; i < loop->body_block_count; i++)
            assert_true(loop->body_blocks[i] < function->block_count);
    }
}

/* Extracts `source` (as snippet.c, with the project's include/ on the
 * path) and returns its function `name`. */
static const ll_function *lower(fixture *f, const char *source, const char *name)
{
    char path[PATH_MAX];
    char include[PATH_MAX];
    snprintf(path, sizeof path, "%s/snippet.c", f->root);
    snprintf(include, sizeof include, "-I%s/include", LOOPLINT_TEST_SOURCE_DIR);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    assert_true(fputs(source, file) >= 0);
    assert_int_equal(fclose(file), 0);

    ll_plan plan = {0};
    ll_error error = {""};
    const char *const arguments[] = {"clang", "-std=gnu17", include, "-c", path};
    assert_int_equal(ll_plan_add(&plan, path, f->root, arguments, 5, &error), 0);
    ll_unit_free(f->unit);
    f->unit = ll_extractor_run(f->extractor, &plan.commands[0]);
    ll_plan_free(&plan);
    assert_non_null(f->unit);
    for (uint32_t i = 0; i < f->unit->function_count; i++) {
        const ll_function *function = &f->unit->functions[i];
        if (function->is_definition && strcmp(function->name, name) == 0) {
            assert_well_formed(function);
            return function;
        }
    }
    fail_msg("no definition of %s", name);
    return NULL;
}

static bool has_error(const ll_unit *unit)
{
    for (uint32_t i = 0; i < unit->diagnostic_count; i++) {
        if (unit->diagnostics[i].is_error)
            return true;
    }
    return false;
}

/* ---- Finding things in a function --------------------------------------------- */

static ll_index variable(const ll_function *function, const char *name)
{
    for (uint32_t i = 0; i < function->variable_count; i++) {
        if (strcmp(function->variables[i].name, name) == 0)
            return i;
    }
    fail_msg("no variable %s", name);
    return LL_NONE;
}

static bool has_variable(const ll_function *function, const char *name)
{
    for (uint32_t i = 0; i < function->variable_count; i++) {
        if (strcmp(function->variables[i].name, name) == 0)
            return true;
    }
    return false;
}

/* The nth (from 0) call to `name`. */
static ll_index nth_call(const ll_function *function, const char *name, unsigned nth)
{
    for (uint32_t i = 0; i < function->call_count; i++) {
        const char *callee = function->calls[i].callee_name;
        if (callee && strcmp(callee, name) == 0 && nth-- == 0)
            return i;
    }
    fail_msg("no call %s", name);
    return LL_NONE;
}

static const ll_call *call_to(const ll_function *function, const char *name)
{
    return &function->calls[nth_call(function, name, 0)];
}

/* The block holding the (first) call to `name`. */
static ll_index block_of(const ll_function *function, const char *name)
{
    ll_index block = call_to(function, name)->block;
    assert_true(block < function->block_count);
    return block;
}

/* The CALL operation of call `index`, checked to be in the call's block. */
static const ll_operation *operation_of(const ll_function *function, ll_index index)
{
    const ll_block *block = &function->blocks[function->calls[index].block];
    for (uint32_t i = 0; i < block->operation_count; i++) {
        if (block->operations[i].kind == LL_OPERATION_CALL && block->operations[i].call == index)
            return &block->operations[i];
    }
    fail_msg("call %u has no operation in its block", index);
    return NULL;
}

static const ll_operation *call_operation(const ll_function *function, const char *name)
{
    return operation_of(function, nth_call(function, name, 0));
}

/* The nth operation of `kind` in `block`. */
static const ll_operation *nth_operation(const ll_function *function, ll_index block,
                                         enum ll_operation_kind kind, unsigned nth)
{
    const ll_block *b = &function->blocks[block];
    for (uint32_t i = 0; i < b->operation_count; i++) {
        if (b->operations[i].kind == kind && nth-- == 0)
            return &b->operations[i];
    }
    fail_msg("block %u has too few operations of kind %d", block, (int)kind);
    return NULL;
}

static unsigned count_operations(const ll_function *function, enum ll_operation_kind kind)
{
    unsigned count = 0;
    for (uint32_t b = 0; b < function->block_count; b++) {
        for (uint32_t i = 0; i < function->blocks[b].operation_count; i++)
            count += function->blocks[b].operations[i].kind == kind;
    }
    return count;
}

static void assert_jump(const ll_function *function, ll_index block, ll_index target)
{
    const ll_block *b = &function->blocks[block];
    assert_int_equal(b->terminator, LL_TERMINATOR_JUMP);
    assert_int_equal(b->successor_count, 1);
    assert_int_equal(b->successors[0], target);
}

/* `block` branches on `variable relation constant` to [when_true, when_false]. */
static void assert_branch(const ll_function *function, ll_index block, enum ll_relation relation,
                          const char *name, int64_t constant, ll_index when_true,
                          ll_index when_false)
{
    const ll_block *b = &function->blocks[block];
    assert_int_equal(b->terminator, LL_TERMINATOR_BRANCH);
    assert_int_equal(b->test.relation, relation);
    if (relation != LL_RELATION_UNKNOWN) {
        assert_int_equal(b->test.variable, variable(function, name));
        assert_int_equal(b->test.constant, constant);
    }
    assert_int_equal(b->successor_count, 2);
    assert_int_equal(b->successors[0], when_true);
    assert_int_equal(b->successors[1], when_false);
}

static void assert_value_variable(const ll_function *function, const ll_value *value,
                                  enum ll_value_kind kind, const char *name)
{
    assert_int_equal(value->kind, kind);
    assert_int_equal(value->variable, variable(function, name));
}

static bool loop_has_block(const ll_loop *loop, ll_index block)
{
    for (uint32_t i = 0; i < loop->body_block_count; i++) {
        if (loop->body_blocks[i] == block)
            return true;
    }
    return false;
}

/* ---- Straight line and variables -------------------------------------------------- */

static void test_straight_line(void **state)
{
    const ll_function *function = lower(*state,
                                        "int g(int);\n"
                                        "int f(int a, const char *name, int *const out)\n"
                                        "{\n"
                                        "    static int calls;\n"
                                        "    int b = a + 1;\n"
                                        "    g(b);\n"
                                        "    calls = b;\n"
                                        "    return b;\n"
                                        "}\n",
                                        "f");
    /* Parameters first, then locals; the static local is no variable. */
    assert_int_equal(function->variable_count, 4);
    const ll_variable *a = &function->variables[0];
    assert_string_equal(a->name, "a");
    assert_int_equal(a->kind, LL_VARIABLE_PARAMETER);
    assert_int_equal(a->parameter, 1);
    assert_false(a->is_pointer);
    assert_int_equal(a->location.line, 2);
    assert_int_equal(a->location.column, 11);
    assert_int_equal(function->variables[1].parameter, 2);
    assert_true(function->variables[1].is_pointer);
    assert_false(function->variables[1].is_const); /* the chars are */
    assert_true(function->variables[2].is_pointer);
    assert_true(function->variables[2].is_const);
    const ll_variable *b = &function->variables[3];
    assert_string_equal(b->name, "b");
    assert_int_equal(b->kind, LL_VARIABLE_LOCAL);
    assert_int_equal(b->parameter, 0);
    assert_int_equal(b->location.line, 5);
    assert_false(has_variable(function, "calls"));

    assert_int_equal(function->block_count, 1);
    const ll_block *entry = &function->blocks[0];
    assert_int_equal(entry->operation_count, 4);
    /* a + 1 reads a, which is all that is known of b */
    assert_int_equal(entry->operations[0].kind, LL_OPERATION_USE);
    assert_value_variable(function, &entry->operations[0].value, LL_VALUE_VARIABLE, "a");
    assert_int_equal(entry->operations[1].kind, LL_OPERATION_ASSIGN);
    assert_int_equal(entry->operations[1].target, 3);
    assert_int_equal(entry->operations[1].value.kind, LL_VALUE_OTHER);
    assert_int_equal(entry->operations[1].location.line, 5);
    assert_int_equal(entry->operations[2].kind, LL_OPERATION_CALL);
    assert_int_equal(entry->operations[2].call, 0);
    assert_int_equal(entry->operations[3].kind, LL_OPERATION_STORE);
    assert_value_variable(function, &entry->operations[3].value, LL_VALUE_VARIABLE, "b");

    const ll_call *call = call_to(function, "g");
    assert_int_equal(call->callee_kind, LL_CALLEE_DIRECT);
    assert_string_equal(call->callee_usr, "c:@F@g");
    assert_int_equal(call->result_use, LL_RESULT_DISCARDED);
    assert_int_equal(call->block, 0);
    assert_int_equal(call->location.line, 6);
    assert_int_equal(call->location.column, 5);
    assert_string_equal(call->text, "g ( b )");
    assert_int_equal(call->argument_count, 1);
    assert_value_variable(function, &call->arguments[0], LL_VALUE_VARIABLE, "b");

    assert_int_equal(entry->terminator, LL_TERMINATOR_RETURN);
    assert_int_equal(entry->successor_count, 0);
    assert_value_variable(function, &entry->returned, LL_VALUE_VARIABLE, "b");
    assert_int_equal(entry->location.line, 8);
    assert_int_equal(entry->location.column, 5);
}

static void test_falling_off_the_end(void **state)
{
    const ll_function *function = lower(*state,
                                        "void g(void);\n"
                                        "void f(void)\n"
                                        "{\n"
                                        "    g();\n"
                                        "  }\n",
                                        "f");
    assert_int_equal(function->block_count, 1);
    assert_int_equal(function->blocks[0].terminator, LL_TERMINATOR_RETURN);
    assert_int_equal(function->blocks[0].returned.kind, LL_VALUE_OTHER);
    assert_int_equal(function->blocks[0].location.line, 5);
    assert_int_equal(function->blocks[0].location.column, 3);
}

/* ---- Conditions ------------------------------------------------------------------------- */

/* `if (condition) then_call(); else else_call();` as the first statement:
 * the entry block branches on `name relation constant`. */
static const ll_function *check_if(fixture *f, const char *condition, enum ll_relation relation,
                                   const char *name, int64_t constant)
{
    char source[1024];
    snprintf(source, sizeof source,
             "#include <stddef.h>\n"
             "int open(const char *, int, ...);\n"
             "void then_call(void);\n"
             "void else_call(void);\n"
             "int f(void *p, int fd, const char *path, int other)\n"
             "{\n"
             "    if (%s)\n"
             "        then_call();\n"
             "    else\n"
             "        else_call();\n"
             "    return 0;\n"
             "}\n",
             condition);
    const ll_function *function = lower(f, source, "f");
    assert_false(has_error(f->unit));
    ll_index then_block = block_of(function, "then_call");
    ll_index else_block = block_of(function, "else_call");
    assert_branch(function, 0, relation, name, constant, then_block, else_block);
    assert_int_equal(function->blocks[0].location.line, 7);
    assert_int_equal(function->blocks[0].location.column, 9);
    ll_index join = function->blocks[then_block].successors[0];
    assert_jump(function, then_block, join);
    assert_jump(function, else_block, join);
    assert_int_equal(function->blocks[join].terminator, LL_TERMINATOR_RETURN);
    assert_int_equal(function->blocks[join].returned.kind, LL_VALUE_CONSTANT);
    assert_int_equal(function->block_count, 4);
    return function;
}

static void test_if_tests(void **state)
{
    check_if(*state, "!p", LL_RELATION_EQUAL, "p", 0);
    check_if(*state, "p == NULL", LL_RELATION_EQUAL, "p", 0);
    check_if(*state, "NULL == p", LL_RELATION_EQUAL, "p", 0);
    check_if(*state, "p == 0", LL_RELATION_EQUAL, "p", 0);
    check_if(*state, "p != (void *)0", LL_RELATION_NOT_EQUAL, "p", 0);
    check_if(*state, "p", LL_RELATION_NOT_EQUAL, "p", 0);
    check_if(*state, "(p)", LL_RELATION_NOT_EQUAL, "p", 0);
    check_if(*state, "!!p", LL_RELATION_NOT_EQUAL, "p", 0);
    check_if(*state, "fd < 0", LL_RELATION_LESS, "fd", 0);
    check_if(*state, "0 > fd", LL_RELATION_LESS, "fd", 0);
    check_if(*state, "-1 == fd", LL_RELATION_EQUAL, "fd", -1);
    check_if(*state, "fd <= -1", LL_RELATION_LESS_EQUAL, "fd", -1);
    check_if(*state, "3 <= fd", LL_RELATION_GREATER_EQUAL, "fd", 3);
    check_if(*state, "!(fd >= 0)", LL_RELATION_LESS, "fd", 0);
    check_if(*state, "__builtin_expect(!p, 0)", LL_RELATION_EQUAL, "p", 0);
    check_if(*state, "fd < other", LL_RELATION_UNKNOWN, NULL, 0);
    check_if(*state, "fd & 1", LL_RELATION_UNKNOWN, NULL, 0);
}

static void test_if_assignment_in_condition(void **state)
{
    const ll_function *function =
        check_if(*state, "(fd = open(path, 0)) < 0", LL_RELATION_LESS, "fd", 0);
    /* The call goes straight into fd, then fd is tested. */
    assert_int_equal(call_operation(function, "open")->target, variable(function, "fd"));
    assert_int_equal(call_to(function, "open")->block, 0);
    assert_int_equal(call_to(function, "open")->result_use, LL_RESULT_USED);
    assert_int_equal(count_operations(function, LL_OPERATION_USE), 0);
}

static void test_if_call_and_negated_unknown(void **state)
{
    const ll_function *function = lower(*state,
                                        "int ready(void);\n"
                                        "void then_call(void);\n"
                                        "void else_call(void);\n"
                                        "void f(int a, int b)\n"
                                        "{\n"
                                        "    if (ready())\n"
                                        "        then_call();\n"
                                        "    if (!(a & b))\n"
                                        "        else_call();\n"
                                        "}\n",
                                        "f");
    /* A call tested is its temporary != 0. */
    ll_index temporary = call_operation(function, "ready")->target;
    assert_int_not_equal(temporary, LL_NONE);
    assert_int_equal(function->variables[temporary].kind, LL_VARIABLE_TEMPORARY);
    assert_string_equal(function->variables[temporary].name, "");
    assert_int_equal(call_to(function, "ready")->result_use, LL_RESULT_USED);
    const ll_block *entry = &function->blocks[0];
    assert_int_equal(entry->terminator, LL_TERMINATOR_BRANCH);
    assert_int_equal(entry->test.relation, LL_RELATION_NOT_EQUAL);
    assert_int_equal(entry->test.variable, temporary);
    assert_int_equal(entry->test.constant, 0);
    assert_int_equal(entry->successors[0], block_of(function, "then_call"));

    /* An unknown test under ! swaps its successors instead; a and b are
       read. */
    ll_index second = entry->successors[1];
    assert_jump(function, block_of(function, "then_call"), second);
    const ll_block *block = &function->blocks[second];
    assert_int_equal(block->terminator, LL_TERMINATOR_BRANCH);
    assert_int_equal(block->test.relation, LL_RELATION_UNKNOWN);
    assert_int_equal(block->test.variable, LL_NONE);
    assert_int_equal(block->successors[1], block_of(function, "else_call"));
    assert_int_not_equal(block->successors[0], block_of(function, "else_call"));
    assert_value_variable(function, &nth_operation(function, second, LL_OPERATION_USE, 0)->value,
                          LL_VALUE_VARIABLE, "a");
    assert_value_variable(function, &nth_operation(function, second, LL_OPERATION_USE, 1)->value,
                          LL_VALUE_VARIABLE, "b");
}

static void test_and_or(void **state)
{
    static const char source[] = "void then_call(void);\n"
                                 "void else_call(void);\n"
                                 "int f(int a, int b)\n"
                                 "{\n"
                                 "    if (a && b)\n"
                                 "        then_call();\n"
                                 "    else\n"
                                 "        else_call();\n"
                                 "    return 0;\n"
                                 "}\n"
                                 "int g(int a, int b)\n"
                                 "{\n"
                                 "    if (a || b < 0)\n"
                                 "        then_call();\n"
                                 "    else\n"
                                 "        else_call();\n"
                                 "    return 0;\n"
                                 "}\n"
                                 "int h(int a, int b)\n"
                                 "{\n"
                                 "    if (!(a && b))\n"
                                 "        then_call();\n"
                                 "    else\n"
                                 "        else_call();\n"
                                 "    return 0;\n"
                                 "}\n";
    /* entry, then, else, join and one block for the second operand */
    const ll_function *f = lower(*state, source, "f");
    assert_int_equal(f->block_count, 5);
    ll_index then_block = block_of(f, "then_call");
    ll_index else_block = block_of(f, "else_call");
    ll_index second = f->blocks[0].successors[0];
    assert_branch(f, 0, LL_RELATION_NOT_EQUAL, "a", 0, second, else_block);
    assert_branch(f, second, LL_RELATION_NOT_EQUAL, "b", 0, then_block, else_block);
    assert_int_equal(f->blocks[0].location.column, 9);
    assert_int_equal(f->blocks[second].location.line, 5);
    assert_int_equal(f->blocks[second].location.column, 14);

    const ll_function *g = lower(*state, source, "g");
    assert_int_equal(g->block_count, 5);
    then_block = block_of(g, "then_call");
    else_block = block_of(g, "else_call");
    second = g->blocks[0].successors[1];
    assert_branch(g, 0, LL_RELATION_NOT_EQUAL, "a", 0, then_block, second);
    assert_branch(g, second, LL_RELATION_LESS, "b", 0, then_block, else_block);

    /* !(a && b) is !a || !b */
    const ll_function *h = lower(*state, source, "h");
    assert_int_equal(h->block_count, 5);
    then_block = block_of(h, "then_call");
    else_block = block_of(h, "else_call");
    second = h->blocks[0].successors[1];
    assert_branch(h, 0, LL_RELATION_EQUAL, "a", 0, then_block, second);
    assert_branch(h, second, LL_RELATION_EQUAL, "b", 0, then_block, else_block);
}

static void test_conditional_operator(void **state)
{
    const ll_function *function = lower(*state,
                                        "void *make(void);\n"
                                        "void *other(void);\n"
                                        "void then_call(void);\n"
                                        "void else_call(void);\n"
                                        "void *f(int c, int a, int b)\n"
                                        "{\n"
                                        "    void *p = c ? make() : other();\n"
                                        "    if (c ? a : b > 2)\n"
                                        "        then_call();\n"
                                        "    else\n"
                                        "        else_call();\n"
                                        "    return c > 0 ? p : (void *)0;\n"
                                        "}\n",
                                        "f");
    /* The value goes through a temporary each arm writes. */
    ll_index make_block = block_of(function, "make");
    ll_index other_block = block_of(function, "other");
    assert_branch(function, 0, LL_RELATION_NOT_EQUAL, "c", 0, make_block, other_block);
    ll_index temporary = call_operation(function, "make")->target;
    assert_int_equal(function->variables[temporary].kind, LL_VARIABLE_TEMPORARY);
    assert_true(function->variables[temporary].is_pointer);
    assert_int_equal(call_operation(function, "other")->target, temporary);
    ll_index join = function->blocks[make_block].successors[0];
    assert_jump(function, make_block, join);
    assert_jump(function, other_block, join);
    const ll_operation *assign = nth_operation(function, join, LL_OPERATION_ASSIGN, 0);
    assert_int_equal(assign->target, variable(function, "p"));
    assert_int_equal(assign->value.kind, LL_VALUE_VARIABLE);
    assert_int_equal(assign->value.variable, temporary);

    /* In a condition, each arm is a test of its own. */
    const ll_block *choose = &function->blocks[join];
    assert_int_equal(choose->terminator, LL_TERMINATOR_BRANCH);
    assert_int_equal(choose->test.relation, LL_RELATION_NOT_EQUAL);
    assert_int_equal(choose->test.variable, variable(function, "c"));
    ll_index then_block = block_of(function, "then_call");
    ll_index else_block = block_of(function, "else_call");
    assert_branch(function, choose->successors[0], LL_RELATION_NOT_EQUAL, "a", 0, then_block,
                  else_block);
    assert_branch(function, choose->successors[1], LL_RELATION_GREATER, "b", 2, then_block,
                  else_block);

    /* return c > 0 ? p : NULL */
    ll_index after = function->blocks[then_block].successors[0];
    const ll_block *test = &function->blocks[after];
    assert_int_equal(test->test.relation, LL_RELATION_GREATER);
    const ll_operation *copy = nth_operation(function, test->successors[0], LL_OPERATION_ASSIGN, 0);
    assert_value_variable(function, &copy->value, LL_VALUE_VARIABLE, "p");
    const ll_operation *null = nth_operation(function, test->successors[1], LL_OPERATION_ASSIGN, 0);
    assert_int_equal(null->value.kind, LL_VALUE_NULL);
    assert_int_equal(copy->target, null->target);
    ll_index end = function->blocks[test->successors[0]].successors[0];
    assert_int_equal(function->blocks[end].terminator, LL_TERMINATOR_RETURN);
    assert_int_equal(function->blocks[end].returned.kind, LL_VALUE_VARIABLE);
    assert_int_equal(function->blocks[end].returned.variable, copy->target);
}

/* ---- Loops -------------------------------------------------------------------------------- */

static void test_loops(void **state)
{
    const ll_function *function = lower(*state,
                                        "int step(int);\n"
                                        "void body_call(int);\n"
                                        "int stop(int);\n"
                                        "int forever(void);\n"
                                        "int f(int n)\n"
                                        "{\n"
                                        "    int i = 0;\n"
                                        "    while (i < n) {\n"
                                        "        if (i == 5)\n"
                                        "            break;\n"
                                        "        if (i == 3) {\n"
                                        "            i = step(i);\n"
                                        "            continue;\n"
                                        "        }\n"
                                        "        i++;\n"
                                        "    }\n"
                                        "    for (int j = 0; j < 3; j++)\n"
                                        "        body_call(j);\n"
                                        "    for (;;) {\n"
                                        "        if (stop(n))\n"
                                        "            break;\n"
                                        "    }\n"
                                        "    do {\n"
                                        "        n--;\n"
                                        "    } while (n > 0);\n"
                                        "    while (1)\n"
                                        "        if (forever())\n"
                                        "            break;\n"
                                        "    return i;\n"
                                        "}\n",
                                        "f");
    assert_int_equal(function->loop_count, 5);

    /* while: the header tests, break leaves, continue goes back. */
    const ll_loop *loop = &function->loops[0];
    assert_int_equal(loop->kind, LL_LOOP_WHILE);
    assert_int_equal(loop->location.line, 8);
    assert_int_equal(loop->location.column, 5);
    assert_false(loop->condition_constant_true);
    const ll_block *header = &function->blocks[loop->header];
    assert_int_equal(header->terminator, LL_TERMINATOR_BRANCH);
    assert_int_equal(header->test.relation, LL_RELATION_UNKNOWN);
    ll_index exit = header->successors[1];
    assert_false(loop_has_block(loop, exit));
    assert_true(loop_has_block(loop, loop->header));
    assert_true(loop_has_block(loop, header->successors[0]));
    ll_index step = block_of(function, "step");
    assert_true(loop_has_block(loop, step));
    assert_jump(function, step, loop->header);
    /* The `if (i == 5)` block branches to the break, which jumps out. */
    const ll_block *first = &function->blocks[header->successors[0]];
    assert_int_equal(first->test.relation, LL_RELATION_EQUAL);
    assert_int_equal(first->test.constant, 5);
    assert_jump(function, first->successors[0], exit);
    assert_int_equal(function->blocks[first->successors[0]].location.line, 10);
    /* The declaration of j runs before the for loop, in the exit block. */
    assert_int_equal(nth_operation(function, exit, LL_OPERATION_ASSIGN, 0)->target,
                     variable(function, "j"));

    /* for: header, body, increment. */
    loop = &function->loops[1];
    assert_int_equal(loop->kind, LL_LOOP_FOR);
    assert_int_equal(loop->location.line, 17);
    assert_false(loop->condition_constant_true);
    ll_index body = block_of(function, "body_call");
    header = &function->blocks[loop->header];
    assert_branch(function, loop->header, LL_RELATION_LESS, "j", 3, body, header->successors[1]);
    ll_index increment = function->blocks[body].successors[0];
    assert_int_not_equal(increment, loop->header);
    assert_int_equal(nth_operation(function, increment, LL_OPERATION_ASSIGN, 0)->target,
                     variable(function, "j"));
    assert_jump(function, increment, loop->header);
    assert_int_equal(loop->body_block_count, 3);
    assert_true(loop_has_block(loop, body) && loop_has_block(loop, increment));

    /* for (;;): no condition, the header is the body's first block. */
    loop = &function->loops[2];
    assert_true(loop->condition_constant_true);
    assert_int_equal(loop->header, block_of(function, "stop"));
    assert_int_equal(function->blocks[loop->header].terminator, LL_TERMINATOR_BRANCH);

    /* do: the header is the condition, after the body. */
    loop = &function->loops[3];
    assert_int_equal(loop->kind, LL_LOOP_DO);
    assert_int_equal(loop->location.line, 23);
    assert_int_equal(loop->location.column, 5);
    assert_false(loop->condition_constant_true);
    header = &function->blocks[loop->header];
    assert_int_equal(header->test.relation, LL_RELATION_GREATER);
    assert_int_equal(header->test.variable, variable(function, "n"));
    ll_index top = header->successors[0];
    assert_true(loop_has_block(loop, top));
    assert_true(loop_has_block(loop, loop->header));
    assert_false(loop_has_block(loop, header->successors[1]));
    assert_int_equal(nth_operation(function, top, LL_OPERATION_ASSIGN, 0)->target,
                     variable(function, "n"));
    assert_jump(function, top, loop->header);

    /* while (1): a jump, no branch. */
    loop = &function->loops[4];
    assert_true(loop->condition_constant_true);
    assert_jump(function, loop->header, block_of(function, "forever"));
}

static void test_for_headers(void **state)
{
    const ll_function *function = lower(*state,
                                        "void body_call(void);\n"
                                        "#define UNTIL(c) for (; !(c);)\n"
                                        "void f(int n)\n"
                                        "{\n"
                                        "    int i = 0;\n"
                                        "    for (; i < 3;)\n"
                                        "        i++;\n"
                                        "    for (i = 7;;)\n"
                                        "        if (i)\n"
                                        "            break;\n"
                                        "    for (;; i++)\n"
                                        "        if (i)\n"
                                        "            break;\n"
                                        "    for (i = 0; i < n;)\n"
                                        "        i++;\n"
                                        "    UNTIL(n > 3)\n"
                                        "        body_call();\n"
                                        "}\n",
                                        "f");
    assert_int_equal(function->loop_count, 5);
    /* for (; c;): the lone part is the condition. */
    const ll_loop *loop = &function->loops[0];
    assert_false(loop->condition_constant_true);
    assert_int_equal(function->blocks[loop->header].test.relation, LL_RELATION_LESS);
    /* for (i = 7;;): the init runs before, the loop is endless. */
    loop = &function->loops[1];
    assert_true(loop->condition_constant_true);
    assert_int_equal(function->blocks[loop->header].test.relation, LL_RELATION_NOT_EQUAL);
    bool initialised = false;
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            if (block->operations[o].kind == LL_OPERATION_ASSIGN &&
                block->operations[o].value.kind == LL_VALUE_CONSTANT &&
                block->operations[o].value.constant == 7) {
                initialised = true;
                assert_false(loop_has_block(loop, b));
                assert_jump(function, b, loop->header);
            }
        }
    }
    assert_true(initialised);
    /* for (;; i++): an increment block going back to the body. */
    loop = &function->loops[2];
    assert_true(loop->condition_constant_true);
    assert_int_equal(loop->body_block_count, 4); /* header, break, join, increment */
    /* for (i = 0; i < n;) */
    loop = &function->loops[3];
    assert_false(loop->condition_constant_true);
    assert_int_equal(function->blocks[loop->header].terminator, LL_TERMINATOR_BRANCH);
    /* Written by a macro: `for (; !(n > 3);)` is n <= 3, at the macro. */
    loop = &function->loops[4];
    assert_false(loop->condition_constant_true);
    assert_int_equal(loop->location.line, 16);
    assert_int_equal(loop->location.column, 5);
    assert_branch(function, loop->header, LL_RELATION_LESS_EQUAL, "n", 3,
                  block_of(function, "body_call"), function->blocks[loop->header].successors[1]);
}

/* ---- Switch and goto ---------------------------------------------------------------------- */

static void test_switch(void **state)
{
    const ll_function *function = lower(*state,
                                        "void one(void);\n"
                                        "void two(void);\n"
                                        "void other(void);\n"
                                        "void three(void);\n"
                                        "void after(void);\n"
                                        "int f(int x)\n"
                                        "{\n"
                                        "    switch (x) {\n"
                                        "    case 1:\n"
                                        "        one();\n"
                                        "    case 2:\n"
                                        "        two();\n"
                                        "        break;\n"
                                        "    default:\n"
                                        "        other();\n"
                                        "    case 3:\n"
                                        "        three();\n"
                                        "    }\n"
                                        "    after();\n"
                                        "    switch (x + 1) {\n"
                                        "    case 7:\n"
                                        "        return 7;\n"
                                        "    }\n"
                                        "    return 0;\n"
                                        "}\n",
                                        "f");
    const ll_block *entry = &function->blocks[0];
    assert_int_equal(entry->terminator, LL_TERMINATOR_SWITCH);
    assert_int_equal(entry->location.line, 8);
    assert_int_equal(entry->location.column, 13);
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_USE, 0)->value,
                          LL_VALUE_VARIABLE, "x");
    /* Labels in source order; a default, so nothing else. */
    assert_int_equal(entry->successor_count, 4);
    ll_index one = block_of(function, "one");
    ll_index two = block_of(function, "two");
    ll_index other = block_of(function, "other");
    ll_index three = block_of(function, "three");
    ll_index after = block_of(function, "after");
    assert_int_equal(entry->successors[0], one);
    assert_int_equal(entry->successors[1], two);
    assert_int_equal(entry->successors[2], other);
    assert_int_equal(entry->successors[3], three);
    assert_jump(function, one, two);   /* falls through */
    assert_jump(function, two, after); /* break */
    assert_jump(function, other, three);
    assert_jump(function, three, after);

    /* No default: the block after the switch is the last successor. */
    const ll_block *second = &function->blocks[after];
    assert_int_equal(second->terminator, LL_TERMINATOR_SWITCH);
    assert_int_equal(second->successor_count, 2);
    const ll_block *seven = &function->blocks[second->successors[0]];
    assert_int_equal(seven->terminator, LL_TERMINATOR_RETURN);
    assert_int_equal(seven->returned.constant, 7);
    const ll_block *rest = &function->blocks[second->successors[1]];
    assert_int_equal(rest->terminator, LL_TERMINATOR_RETURN);
    assert_int_equal(rest->returned.constant, 0);
}

static void test_goto(void **state)
{
    static const char source[] = "void *get(void);\n"
                                 "void put(void *);\n"
                                 "void use(void *, void *);\n"
                                 "int step(int);\n"
                                 "int f(void)\n"
                                 "{\n"
                                 "    void *a = get();\n"
                                 "    if (!a)\n"
                                 "        goto out;\n"
                                 "    void *b = get();\n"
                                 "    if (!b)\n"
                                 "        goto free_a;\n"
                                 "    use(a, b);\n"
                                 "    put(b);\n"
                                 "free_a:\n"
                                 "    put(a);\n"
                                 "out:\n"
                                 "    return 0;\n"
                                 "}\n"
                                 "int g(int n)\n"
                                 "{\n"
                                 "again:\n"
                                 "    n = step(n);\n"
                                 "    if (n > 0)\n"
                                 "        goto again;\n"
                                 "    return n;\n"
                                 "}\n";
    const ll_function *function = lower(*state, source, "f");
    assert_int_equal(call_operation(function, "get")->target, variable(function, "a"));
    const ll_block *entry = &function->blocks[0];
    assert_int_equal(entry->test.relation, LL_RELATION_EQUAL);
    assert_int_equal(entry->test.variable, variable(function, "a"));
    /* goto out: to the label's block, which returns. */
    ll_index to_out = entry->successors[0];
    const ll_block *jump = &function->blocks[to_out];
    assert_int_equal(jump->terminator, LL_TERMINATOR_JUMP);
    assert_int_equal(jump->location.line, 9);
    assert_int_equal(jump->location.column, 9);
    ll_index out = jump->successors[0];
    assert_int_equal(function->blocks[out].terminator, LL_TERMINATOR_RETURN);
    assert_int_equal(function->blocks[out].returned.constant, 0);
    /* goto free_a: to the second put, which falls into out. */
    ll_index second_get = function->calls[nth_call(function, "get", 1)].block;
    const ll_block *test_b = &function->blocks[second_get];
    assert_int_equal(test_b->test.variable, variable(function, "b"));
    ll_index free_a = function->calls[nth_call(function, "put", 1)].block;
    assert_jump(function, test_b->successors[0], free_a);
    assert_jump(function, block_of(function, "put"), free_a);
    assert_jump(function, free_a, out);

    /* A backward goto. */
    function = lower(*state, source, "g");
    ll_index again = block_of(function, "step");
    assert_int_equal(call_operation(function, "step")->target, variable(function, "n"));
    const ll_block *test = &function->blocks[again];
    assert_int_equal(test->test.relation, LL_RELATION_GREATER);
    assert_jump(function, test->successors[0], again);
    assert_jump(function, 0, again);
}

/* ---- Calls and values ----------------------------------------------------------------------- */

static void test_call_results(void **state)
{
    const ll_function *function = lower(*state,
                                        "int g(void);\n"
                                        "void h(int);\n"
                                        "int f(void)\n"
                                        "{\n"
                                        "    int x;\n"
                                        "    g();\n"
                                        "    (void)g();\n"
                                        "    x = g();\n"
                                        "    int y = (g());\n"
                                        "    h(g());\n"
                                        "    h(x + y);\n"
                                        "    return g();\n"
                                        "}\n",
                                        "f");
    assert_int_equal(function->block_count, 1);
    const ll_call *call = &function->calls[nth_call(function, "g", 0)];
    assert_int_equal(call->result_use, LL_RESULT_DISCARDED);
    assert_int_equal(operation_of(function, nth_call(function, "g", 0))->target, LL_NONE);
    call = &function->calls[nth_call(function, "g", 1)];
    assert_int_equal(call->result_use, LL_RESULT_VOID_CAST);
    assert_int_equal(call->location.column, 11);
    assert_int_equal(operation_of(function, nth_call(function, "g", 1))->target, LL_NONE);
    assert_int_equal(function->calls[nth_call(function, "g", 2)].result_use, LL_RESULT_USED);
    assert_int_equal(operation_of(function, nth_call(function, "g", 2))->target,
                     variable(function, "x"));
    assert_int_equal(operation_of(function, nth_call(function, "g", 3))->target,
                     variable(function, "y"));

    /* h(g()): g first, into a temporary that is h's argument; the
       calls are listed as written, h first. */
    ll_index outer = nth_call(function, "h", 0);
    ll_index inner = nth_call(function, "g", 4);
    assert_true(outer < inner);
    assert_int_equal(function->calls[outer].result_use, LL_RESULT_DISCARDED);
    assert_int_equal(function->calls[inner].result_use, LL_RESULT_USED);
    const ll_operation *inner_operation = operation_of(function, inner);
    const ll_operation *outer_operation = operation_of(function, outer);
    assert_true(inner_operation < outer_operation);
    ll_index temporary = inner_operation->target;
    assert_int_equal(function->variables[temporary].kind, LL_VARIABLE_TEMPORARY);
    assert_int_equal(function->calls[outer].arguments[0].kind, LL_VALUE_VARIABLE);
    assert_int_equal(function->calls[outer].arguments[0].variable, temporary);
    assert_string_equal(function->calls[outer].text, "h ( g ( ) )");

    /* h(x + y): an opaque argument, x and y read. */
    ll_index sum = nth_call(function, "h", 1);
    assert_int_equal(function->calls[sum].arguments[0].kind, LL_VALUE_OTHER);
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_USE, 0)->value,
                          LL_VALUE_VARIABLE, "x");
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_USE, 1)->value,
                          LL_VALUE_VARIABLE, "y");
    assert_int_equal(count_operations(function, LL_OPERATION_USE), 2);

    /* return g(): a temporary returned. */
    ll_index last = nth_call(function, "g", 5);
    assert_int_equal(function->calls[last].result_use, LL_RESULT_USED);
    const ll_block *entry = &function->blocks[0];
    assert_int_equal(entry->terminator, LL_TERMINATOR_RETURN);
    assert_int_equal(entry->returned.kind, LL_VALUE_VARIABLE);
    assert_int_equal(entry->returned.variable, operation_of(function, last)->target);
    assert_int_equal(function->variables[entry->returned.variable].kind, LL_VARIABLE_TEMPORARY);
}

struct three_words {
    int a;
    void *b;
    void *c;
};

static void test_stores_and_addresses(void **state)
{
    const ll_function *function = lower(*state,
                                        "#include <nest.h>\n"
                                        "struct conn { int fd; void *data; struct conn *next; };\n"
                                        "static struct conn *g_head;\n"
                                        "int worker(void *arg);\n"
                                        "int spawn(int (*fn)(void *));\n"
                                        "void fill(void *, long);\n"
                                        "int f(struct conn *s, int **out, void *p)\n"
                                        "{\n"
                                        "    int x = 1;\n"
                                        "    int r = 0;\n"
                                        "    char buf[16];\n"
                                        "    struct conn local;\n"
                                        "    s->data = p;\n"
                                        "    *out = &x;\n"
                                        "    g_head = s;\n"
                                        "    local.fd = x;\n"
                                        "    buf[x] = 0;\n"
                                        "    fill(buf, sizeof buf);\n"
                                        "    fill(&local, sizeof(struct conn));\n"
                                        "    fill(&g_head->fd, g_head->fd);\n"
                                        "    nest_task *t = nest_spawn(worker, p);\n"
                                        "    spawn(worker);\n"
                                        "    spawn(&worker);\n"
                                        "    spawn((int (*)(void *))worker);\n"
                                        "    return nest_join(t, NEST_FOREVER, &r);\n"
                                        "}\n",
                                        "f");
    assert_false(has_error(((fixture *)*state)->unit));
    const ll_block *entry = &function->blocks[0];
    assert_int_equal(count_operations(function, LL_OPERATION_STORE), 5);
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_STORE, 0)->value,
                          LL_VALUE_VARIABLE, "p");
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_STORE, 1)->value,
                          LL_VALUE_ADDRESS, "x");
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_STORE, 2)->value,
                          LL_VALUE_VARIABLE, "s");
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_STORE, 3)->value,
                          LL_VALUE_VARIABLE, "x");
    assert_int_equal(nth_operation(function, 0, LL_OPERATION_STORE, 4)->value.kind,
                     LL_VALUE_CONSTANT);
    assert_int_equal(nth_operation(function, 0, LL_OPERATION_STORE, 0)->location.line, 13);

    /* An array and &local are addresses; sizeof is a constant. */
    const ll_call *fill = call_to(function, "fill");
    assert_value_variable(function, &fill->arguments[0], LL_VALUE_ADDRESS, "buf");
    assert_int_equal(fill->arguments[1].kind, LL_VALUE_CONSTANT);
    assert_int_equal(fill->arguments[1].constant, 16);
    fill = &function->calls[nth_call(function, "fill", 1)];
    assert_value_variable(function, &fill->arguments[0], LL_VALUE_ADDRESS, "local");
    assert_int_equal(fill->arguments[1].constant, (int64_t)sizeof(struct three_words));
    /* Through a global: the global. */
    fill = &function->calls[nth_call(function, "fill", 2)];
    assert_int_equal(fill->arguments[0].kind, LL_VALUE_GLOBAL);
    assert_string_equal(fill->arguments[0].name, "g_head");
    assert_int_equal(fill->arguments[1].kind, LL_VALUE_GLOBAL);

    /* A macro: the call is the function it expands to, placed and
       spelled as written. */
    const ll_call *spawn = call_to(function, "nest_spawn_at");
    assert_int_equal(spawn->callee_kind, LL_CALLEE_DIRECT);
    assert_string_equal(spawn->callee_usr, "c:@F@nest_spawn_at");
    assert_int_equal(spawn->location.line, 21);
    assert_int_equal(spawn->location.column, 20);
    assert_string_equal(spawn->text, "nest_spawn ( worker , p )");
    assert_int_equal(spawn->argument_count, 4);
    assert_int_equal(spawn->arguments[0].kind, LL_VALUE_FUNCTION);
    assert_string_equal(spawn->arguments[0].name, "worker");
    assert_string_equal(spawn->arguments[0].usr, "c:@F@worker");
    assert_value_variable(function, &spawn->arguments[1], LL_VALUE_VARIABLE, "p");
    assert_int_equal(spawn->arguments[2].kind, LL_VALUE_STRING);
    assert_int_equal(spawn->arguments[3].kind, LL_VALUE_CONSTANT);
    assert_int_equal(spawn->arguments[3].constant, 21);
    assert_int_equal(call_operation(function, "nest_spawn_at")->target, variable(function, "t"));

    /* f, &f and a cast of f are all the function. */
    for (unsigned i = 0; i < 3; i++) {
        const ll_call *call = &function->calls[nth_call(function, "spawn", i)];
        assert_int_equal(call->arguments[0].kind, LL_VALUE_FUNCTION);
        assert_string_equal(call->arguments[0].name, "worker");
        assert_string_equal(call->arguments[0].usr, "c:@F@worker");
    }

    /* NEST_FOREVER folds to -1; &r is an address. */
    const ll_call *join = call_to(function, "nest_join");
    assert_value_variable(function, &join->arguments[0], LL_VALUE_VARIABLE, "t");
    assert_int_equal(join->arguments[1].kind, LL_VALUE_CONSTANT);
    assert_int_equal(join->arguments[1].constant, -1);
    assert_value_variable(function, &join->arguments[2], LL_VALUE_ADDRESS, "r");
    assert_int_equal(entry->returned.variable, call_operation(function, "nest_join")->target);
}

static void test_constants_and_globals(void **state)
{
    const ll_function *function = lower(*state,
                                        "enum color { RED, GREEN = 7 };\n"
                                        "static const int LIMIT = 42;\n"
                                        "int counter;\n"
                                        "void take(long);\n"
                                        "void f(void)\n"
                                        "{\n"
                                        "    static int count;\n"
                                        "    count = 1;\n"
                                        "    take(count);\n"
                                        "    take(counter);\n"
                                        "    take(LIMIT);\n"
                                        "    take(GREEN);\n"
                                        "    take('a');\n"
                                        "    take(sizeof(int));\n"
                                        "    take(-1);\n"
                                        "    take(LIMIT * 2 + GREEN);\n"
                                        "    take((unsigned char)300);\n"
                                        "    take(\"text\");\n"
                                        "    take(counter + 1);\n"
                                        "}\n",
                                        "f");
    assert_int_equal(function->variable_count, 0);
    const ll_operation *store = nth_operation(function, 0, LL_OPERATION_STORE, 0);
    assert_int_equal(store->value.kind, LL_VALUE_CONSTANT);
    assert_int_equal(store->value.constant, 1);
    static const struct {
        enum ll_value_kind kind;
        const char *name;
        int64_t constant;
    } expected[] = {
        {LL_VALUE_GLOBAL, "count", 0},  {LL_VALUE_GLOBAL, "counter", 0},
        {LL_VALUE_CONSTANT, NULL, 42},  {LL_VALUE_CONSTANT, NULL, 7},
        {LL_VALUE_CONSTANT, NULL, 'a'}, {LL_VALUE_CONSTANT, NULL, (int64_t)sizeof(int)},
        {LL_VALUE_CONSTANT, NULL, -1},  {LL_VALUE_CONSTANT, NULL, 91},
        {LL_VALUE_CONSTANT, NULL, 44},  {LL_VALUE_STRING, NULL, 0},
        {LL_VALUE_OTHER, NULL, 0},
    };
    assert_int_equal(function->call_count, sizeof expected / sizeof expected[0]);
    for (uint32_t i = 0; i < function->call_count; i++) {
        const ll_value *argument = &function->calls[i].arguments[0];
        assert_int_equal(argument->kind, expected[i].kind);
        if (expected[i].name)
            assert_string_equal(argument->name, expected[i].name);
        if (expected[i].kind == LL_VALUE_CONSTANT)
            assert_int_equal(argument->constant, expected[i].constant);
    }
}

static void test_callees(void **state)
{
    const ll_function *function =
        lower(*state,
              "struct ops { int (*run)(void *); };\n"
              "struct server { struct ops ops; struct ops *table;\n"
              "    union { int (*on_close)(void *); long tag; }; };\n"
              "typedef int (*handler)(void);\n"
              "handler pick(void);\n"
              "int f(struct ops *o, struct server *s, handler h, void *arg)\n"
              "{\n"
              "    int (*fp)(void *) = o->run;\n"
              "    o->run(arg);\n"
              "    s->ops.run(arg);\n"
              "    s->table->run(arg);\n"
              "    s->on_close(arg);\n"
              "    h();\n"
              "    (*h)();\n"
              "    fp(arg);\n"
              "    return pick()();\n"
              "}\n",
              "f");
    assert_int_equal(function->call_count, 9);
    const ll_call *call = &function->calls[0];
    assert_int_equal(call->callee_kind, LL_CALLEE_FIELD);
    assert_string_equal(call->callee_name, "run");
    assert_string_equal(call->callee_type, "struct ops");
    assert_int_equal(call->location.line, 9);
    assert_int_equal(call->location.column, 8);
    assert_value_variable(function, &call->arguments[0], LL_VALUE_VARIABLE, "arg");
    for (uint32_t i = 1; i < 3; i++) {
        assert_int_equal(function->calls[i].callee_kind, LL_CALLEE_FIELD);
        assert_string_equal(function->calls[i].callee_type, "struct ops");
    }
    /* A field of an anonymous union belongs to the struct around it. */
    assert_string_equal(function->calls[3].callee_name, "on_close");
    assert_string_equal(function->calls[3].callee_type, "struct server");
    for (uint32_t i = 4; i < 6; i++) {
        assert_int_equal(function->calls[i].callee_kind, LL_CALLEE_VARIABLE);
        assert_int_equal(function->calls[i].callee_variable, variable(function, "h"));
    }
    assert_int_equal(function->calls[6].callee_kind, LL_CALLEE_VARIABLE);
    assert_int_equal(function->calls[6].callee_variable, variable(function, "fp"));
    /* pick()(): through whatever pick returned. */
    assert_int_equal(function->calls[7].callee_kind, LL_CALLEE_OTHER);
    assert_null(function->calls[7].callee_name);
    assert_int_equal(function->calls[8].callee_kind, LL_CALLEE_DIRECT);
    assert_string_equal(function->calls[8].callee_name, "pick");
    assert_int_equal(function->calls[8].result_use, LL_RESULT_USED);
}

/* ---- Function pointers ---------------------------------------------------------- */

/* Store `index` of the unit: `function` into `field` of `record` (NULL:
 * none) and into the variable `global` (NULL: none), on `line`. */
static void assert_store(const ll_unit *unit, uint32_t index, const char *record, const char *field,
                         const char *global, const char *function, uint32_t line)
{
    assert_true(index < unit->store_count);
    const ll_function_store *store = &unit->stores[index];
    if (record) {
        assert_string_equal(store->record_type, record);
        assert_string_equal(store->field, field);
    } else {
        assert_null(store->field);
    }
    if (global)
        assert_string_equal(store->global, global);
    else
        assert_null(store->global);
    assert_string_equal(store->function_name, function);
    assert_int_equal(store->location.line, line);
}

/* What a body stores (local initialisers, compound literals, assignments
 * to fields, elements and globals - not through a global pointer's
 * target), the values read from function-pointer fields, and the calls
 * through fields, array fields, globals and locals. */
static void test_function_pointers(void **state)
{
    fixture *f = *state;
    const ll_function *function =
        lower(f,
              "struct ops { int (*run)(void *); int (*handlers[4])(void *); };\n"
              "struct job { const char *name; int (*run)(void *); };\n"
              "static int a(void *p) { return p != 0; }\n"
              "static int b(void *p) { return p == 0; }\n"
              "int spawn(int (*fn)(void *), void *arg);\n"
              "static int (*hook)(void *);\n"
              "static int (*table[4])(void *);\n"
              "static struct ops global_ops;\n"
              "static struct ops *current;\n"
              "extern const struct job jobs[];\n"
              "int f(struct ops *o, struct job *job, int i, void *arg)\n"
              "{\n"
              /* 13 */ "    struct ops local = {.run = a, .handlers = {b}};\n"
              /* 14 */ "    int (*fp)(void *) = job->run;\n"
              /* 15 */ "    o->run = &a;\n"
              /* 16 */ "    o->handlers[i] = b;\n"
              /* 17 */ "    hook = a;\n"
              /* 18 */ "    table[i] = i ? a : b;\n"
              /* 19 */ "    global_ops.run = b;\n"
              /* 20 */ "    current->run = a;\n"
              /* 21 */ "    spawn(jobs[i].run, arg);\n"
              /* 22 */ "    spawn(job->run, arg);\n"
              /* 23 */ "    spawn((&(struct ops){.run = b})->run, arg);\n"
              /* 24 */ "    o->handlers[i](arg);\n"
              /* 25 */ "    hook(arg);\n"
              /* 26 */ "    table[i](arg);\n"
              /* 27 */ "    fp(arg);\n"
              /* 28 */ "    spawn(a, (void *)job->name);\n"
              /* 29 */ "    return local.run(arg);\n"
              "}\n",
              "f");
    const ll_unit *unit = f->unit;
    uint32_t n = 0;
    assert_store(unit, n++, "struct ops", "run", NULL, "a", 13);
    assert_store(unit, n++, "struct ops", "handlers", NULL, "b", 13);
    assert_store(unit, n++, "struct ops", "run", NULL, "a", 15);
    assert_store(unit, n++, "struct ops", "handlers", NULL, "b", 16);
    assert_store(unit, n++, NULL, NULL, "hook", "a", 17);
    assert_store(unit, n++, NULL, NULL, "table", "a", 18);
    assert_store(unit, n++, NULL, NULL, "table", "b", 18);
    assert_store(unit, n++, "struct ops", "run", "global_ops", "b", 19);
    /* through the pointer, not into `current` */
    assert_store(unit, n++, "struct ops", "run", NULL, "a", 20);
    assert_store(unit, n++, "struct ops", "run", NULL, "b", 23);
    assert_int_equal(unit->store_count, n);

    /* fp = job->run: a read of field run of struct job. */
    const ll_operation *assign =
        nth_operation(function, 0, LL_OPERATION_ASSIGN, 1); /* local's is the first */
    assert_int_equal(assign->target, variable(function, "fp"));
    assert_int_equal(assign->value.kind, LL_VALUE_OTHER);
    assert_string_equal(assign->value.record_type, "struct job");
    assert_string_equal(assign->value.field, "run");
    /* spawn(jobs[i].run): the global, its USR and the field. */
    const ll_value *argument = &function->calls[nth_call(function, "spawn", 0)].arguments[0];
    assert_int_equal(argument->kind, LL_VALUE_GLOBAL);
    assert_string_equal(argument->name, "jobs");
    assert_string_equal(argument->usr, "c:@jobs");
    assert_string_equal(argument->record_type, "struct job");
    assert_string_equal(argument->field, "run");
    argument = &function->calls[nth_call(function, "spawn", 1)].arguments[0];
    assert_int_equal(argument->kind, LL_VALUE_OTHER);
    assert_string_equal(argument->field, "run");
    /* Not a function-pointer field: nothing named. */
    argument = &function->calls[nth_call(function, "spawn", 3)].arguments[1];
    assert_int_equal(argument->kind, LL_VALUE_OTHER);
    assert_null(argument->record_type);
    assert_null(argument->field);

    const ll_call *call = &function->calls[nth_call(function, "handlers", 0)];
    assert_int_equal(call->callee_kind, LL_CALLEE_FIELD);
    assert_string_equal(call->callee_type, "struct ops");
    assert_int_equal(call->location.line, 24);
    call = &function->calls[nth_call(function, "hook", 0)];
    assert_int_equal(call->callee_kind, LL_CALLEE_GLOBAL);
    assert_non_null(strstr(call->callee_usr, "hook"));
    call = &function->calls[nth_call(function, "table", 0)];
    assert_int_equal(call->callee_kind, LL_CALLEE_GLOBAL);
    assert_int_equal(call->location.line, 26);
    /* the index is still read */
    assert_true(count_operations(function, LL_OPERATION_USE) > 0);
    call = &function->calls[function->call_count - 3];
    assert_int_equal(call->callee_kind, LL_CALLEE_VARIABLE);
    assert_int_equal(call->callee_variable, variable(function, "fp"));
    call = &function->calls[function->call_count - 1];
    assert_int_equal(call->callee_kind, LL_CALLEE_FIELD);
    assert_string_equal(call->callee_name, "run");
}

static void test_noreturn(void **state)
{
    const ll_function *function = lower(*state,
                                        "#include <err.h>\n"
                                        "#include <pthread.h>\n"
                                        "#include <stdlib.h>\n"
                                        "#define NO_RETURN _Noreturn\n"
                                        "NO_RETURN void quit(int);\n"
                                        "_Noreturn void die(const char *);\n"
                                        "void fatal(void) __attribute__((noreturn));\n"
                                        "void die(const char *);\n"
                                        "void then_call(void);\n"
                                        "void dead_call(void);\n"
                                        "void f(int x)\n"
                                        "{\n"
                                        "    if (x == 1)\n"
                                        "        exit(1);\n"
                                        "    if (x == 2)\n"
                                        "        die(\"x\");\n"
                                        "    if (x == 3)\n"
                                        "        fatal();\n"
                                        "    if (x == 4) {\n"
                                        "        abort();\n"
                                        "        dead_call();\n"
                                        "    }\n"
                                        "    if (x == 5)\n"
                                        "        __builtin_unreachable();\n"
                                        "    if (x == 6)\n"
                                        "        quit(1);\n"
                                        "    if (x == 7)\n"
                                        "        errx(1, \"x\");\n"
                                        "    if (x == 8)\n"
                                        "        pthread_exit(NULL);\n"
                                        "    then_call();\n"
                                        "}\n",
                                        "f");
    static const char *const stops[] = {
        "exit", "die", "fatal", "abort", "__builtin_unreachable", "quit", "errx", "pthread_exit",
    };
    for (unsigned i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        const ll_call *call = call_to(function, stops[i]);
        const ll_block *block = &function->blocks[call->block];
        assert_int_equal(block->terminator, LL_TERMINATOR_NORETURN);
        assert_int_equal(block->successor_count, 0);
        assert_int_equal(block->location.line, call->location.line);
        assert_int_equal(block->location.column, call->location.column);
    }
    assert_int_not_equal(block_of(function, "dead_call"), block_of(function, "abort"));
    assert_int_equal(function->blocks[block_of(function, "then_call")].terminator,
                     LL_TERMINATOR_RETURN);
}

static void test_initializers_and_statement_expressions(void **state)
{
    const ll_function *function =
        lower(*state,
              "struct pair { void *p; int *q; int (*fn)(void *); };\n"
              "int worker(void *);\n"
              "int g(void);\n"
              "void keep(struct pair *);\n"
              "int f(void *p)\n"
              "{\n"
              "    int x = 0;\n"
              "    struct pair pair = { .p = p, .q = &x, .fn = worker };\n"
              "    keep(&(struct pair){ p, 0, 0 });\n"
              "    int v = ({ int t = g(); t + 1; });\n"
              "    return v;\n"
              "}\n",
              "f");
    /* A local, or its address, put in an aggregate escapes there. */
    assert_int_equal(count_operations(function, LL_OPERATION_STORE), 3);
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_STORE, 0)->value,
                          LL_VALUE_VARIABLE, "p");
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_STORE, 1)->value,
                          LL_VALUE_ADDRESS, "x");
    assert_value_variable(function, &nth_operation(function, 0, LL_OPERATION_STORE, 2)->value,
                          LL_VALUE_VARIABLE, "p");
    assert_int_equal(call_to(function, "keep")->arguments[0].kind, LL_VALUE_OTHER);
    /* ({ ... }): its statements run in place. */
    assert_int_equal(call_operation(function, "g")->target, variable(function, "t"));
    const ll_operation *assign = NULL;
    for (unsigned i = 0;; i++) {
        assign = nth_operation(function, 0, LL_OPERATION_ASSIGN, i);
        if (assign->target == variable(function, "v"))
            break;
    }
    assert_int_equal(assign->value.kind, LL_VALUE_OTHER);
}

static void test_deep_chains_stay_linear(void **state)
{
    enum { OPERANDS = 400, DEPTH = 300 };
    size_t size = 64 * (OPERANDS + DEPTH) + 1024;
    char *source = malloc(size);
    assert_non_null(source);
    size_t used = (size_t)snprintf(source, size,
                                   "void then_call(void);\n"
                                   "int f(int *a, int c)\n"
                                   "{\n"
                                   "    if (a[0]");
    for (int i = 1; i < OPERANDS; i++)
        used += (size_t)snprintf(source + used, size - used, " && a[%d]", i);
    used += (size_t)snprintf(source + used, size - used, ")\n        then_call();\n    return");
    for (int i = 0; i < DEPTH; i++)
        used += (size_t)snprintf(source + used, size - used, " c == %d ? %d :", i, i);
    snprintf(source + used, size - used, " -1;\n}\n");
    const ll_function *function = lower(*state, source, "f");
    free(source);
    /* entry, then, join, a block per operand after the first; then two
       arms and a join per ?: */
    assert_int_equal(function->block_count, 3 + (OPERANDS - 1) + 3 * DEPTH);
    ll_index block = 0;
    for (int i = 0; i < OPERANDS; i++) {
        assert_int_equal(function->blocks[block].terminator, LL_TERMINATOR_BRANCH);
        block = function->blocks[block].successors[0];
    }
    assert_int_equal(block, block_of(function, "then_call"));
}

/* Clang nests an else-if chain and a chain of && as deep as they are
 * long: the one is walked in a loop, the other goes flat past the depth
 * limit, and neither overflows the stack. */
static void test_very_deep_code(void **state)
{
    enum { CHAIN = 3000 };
    size_t size = 48 * CHAIN + 1024;
    char *source = malloc(size);
    assert_non_null(source);
    size_t used = (size_t)snprintf(source, size, "int g(int);\nint f(int a)\n{\n");
    for (int i = 0; i < CHAIN; i++)
        used += (size_t)snprintf(source + used, size - used, "    %sif (a == %d) return g(%d);\n",
                                 i ? "else " : "", i, i);
    snprintf(source + used, size - used, "    return 0;\n}\n");
    const ll_function *function = lower(*state, source, "f");
    assert_int_equal(function->call_count, CHAIN);
    /* entry, the join, a then block per if and an else block per if but
       the last */
    assert_int_equal(function->block_count, 2 * CHAIN + 1);
    ll_index block = 0;
    for (int i = 0; i < CHAIN; i++) {
        assert_int_equal(function->blocks[block].test.relation, LL_RELATION_EQUAL);
        assert_int_equal(function->blocks[block].test.constant, i);
        assert_int_equal(function->blocks[function->blocks[block].successors[0]].terminator,
                         LL_TERMINATOR_RETURN);
        block = function->blocks[block].successors[1];
    }
    assert_int_equal(function->blocks[block].returned.constant, 0);

    used = (size_t)snprintf(source, size, "int g(int);\nint f(void)\n{\n    if (g(0)");
    for (int i = 1; i < CHAIN; i++)
        used += (size_t)snprintf(source + used, size - used, " && g(%d)", i);
    snprintf(source + used, size - used, ")\n        return 1;\n    return g(-1) + %s;\n}\n",
             "g(-2)");
    function = lower(*state, source, "f");
    free(source);
    assert_int_equal(function->call_count, CHAIN + 2);
    assert_true(function->block_count < CHAIN);
}

static void test_syntax_errors(void **state)
{
    const ll_function *function = lower(*state,
                                        "int g(int);\n"
                                        "int f(int x)\n"
                                        "{\n"
                                        "    int y = ;\n"
                                        "    if (x { return 1; }\n"
                                        "    while (x) { x = g(x) }\n"
                                        "    switch (x) { case : break; default }\n"
                                        "    for (x = 0; x < ; x++) g(;\n"
                                        "    goto nowhere;\n"
                                        "    return y\n"
                                        "}\n"
                                        "int h(int x) { return g(x) + ; }\n",
                                        "f");
    assert_true(has_error(((fixture *)*state)->unit));
    assert_true(function->block_count >= 1);
    function = lower(*state, "int f(int x) { if (x) { goto *&&done; } done: return x +; }\n", "f");
    assert_true(function->block_count >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_straight_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_falling_off_the_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_tests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_assignment_in_condition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_call_and_negated_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_and_or, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditional_operator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_for_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_goto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stores_and_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constants_and_globals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_function_pointers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_noreturn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initializers_and_statement_expressions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deep_chains_stay_linear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_very_deep_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
