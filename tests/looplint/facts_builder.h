/*
 * facts_builder.h - one copy of the helpers the cmocka unit tests use to
 * build facts by hand (no libclang): a unit with its functions, their
 * variables and blocks, calls with arguments, assignments and stores,
 * jumps, branches and returns.
 *
 * A builder holds the unit and the function being built; every call,
 * operation and terminator gets the next source line (from 10 on), so a
 * note's line says which statement it points at. The tests that build
 * units directly use only the first part (FACTS_BUILDER_UNITS_ONLY).
 * Tests that include <ftw.h> also get the temporary directory helpers.
 * Include it after
 * <cmocka.h> and "analysis/facts.h".
 */
#ifndef LOOPLINT_TESTS_FACTS_BUILDER_H
#define LOOPLINT_TESTS_FACTS_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/facts.h"

/* ---- Units and functions, built directly ------------------------------------------ */

/* "c:@F@" + name, allocated: the USR the tests give the function `name`. */
static inline char *usr_of(const char *name)
{
    char usr[128];
    snprintf(usr, sizeof usr, "c:@F@%s", name);
    return ll_strdup(usr);
}

/* A unit of the one file `path`, compiled by "cc -c" in "/". */
static inline ll_unit *new_unit(const char *path)
{
    ll_unit *unit = ll_unit_new(path, "/", "cc -c");
    assert_non_null(unit);
    assert_int_equal(ll_unit_add_file(unit, path, 0, false), 0);
    return unit;
}

/* Defines `name` (USR usr_of(name)) at `line`, with an entry block 0 that
 * returns. The pointer holds until the unit's next function. */
static inline ll_function *define_returning(ll_unit *unit, const char *name, uint32_t line)
{
    char *usr = usr_of(name);
    ll_function *function = ll_unit_add_function(unit, name, usr);
    free(usr);
    assert_non_null(function);
    function->is_definition = true;
    function->location = (ll_location){0, line, 5};
    assert_int_equal(ll_function_add_block(function), 0);
    function->blocks[0].terminator = LL_TERMINATOR_RETURN;
    return function;
}

/* A new argument of `kind` for the call `call` of `function`. */
static inline ll_value *add_argument(ll_function *function, ll_index call, enum ll_value_kind kind)
{
    ll_value *value = ll_call_add_argument(&function->calls[call]);
    assert_non_null(value);
    value->kind = kind;
    return value;
}

/* ---- Temporary directories (when the test includes <ftw.h>, with _GNU_SOURCE) ------- */

#ifdef FTW_DEPTH
#include <limits.h>
#include <string.h>

/* Makes /tmp/looplint-PREFIX-XXXXXX and writes its realpath to `root`
 * (`size` bytes); 0, or -1 when it cannot. */
static inline int make_temporary_directory(const char *prefix, char *root, size_t size)
{
    char template[PATH_MAX];
    char real[PATH_MAX];
    snprintf(template, sizeof template, "/tmp/looplint-%s-XXXXXX", prefix);
    if (!mkdtemp(template) || !realpath(template, real) || strlen(real) >= size)
        return -1;
    memcpy(root, real, strlen(real) + 1);
    return 0;
}

static inline int remove_entry(const char *path, const struct stat *status, int type,
                               struct FTW *walk)
{
    (void)status;
    (void)type;
    (void)walk;
    return remove(path);
}

/* Removes `root` and everything under it; nftw's result. */
static inline int remove_tree(const char *root)
{
    return nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
#endif /* FTW_DEPTH */

/* The builder below names functions such as variable, jump and branch;
 * a test with its own defines FACTS_BUILDER_UNITS_ONLY before the include. */
#ifndef FACTS_BUILDER_UNITS_ONLY

/* ---- The builder ------------------------------------------------------------------- */

typedef struct builder {
    ll_unit *unit;
    ll_function *function; /* the one being built */
    uint32_t line;         /* of the next call, operation or terminator */
    bool name_callees;     /* calls name their callee's USR "c:@F@" + callee */
} builder;

/* An argument, assigned, stored or returned value. */
typedef struct arg {
    enum ll_value_kind kind;
    ll_index variable;
    int64_t constant;
    const char *name; /* FUNCTION, GLOBAL */
} arg;

#define V(v)     ((arg){LL_VALUE_VARIABLE, (v), 0, NULL})
#define ADDR(v)  ((arg){LL_VALUE_ADDRESS, (v), 0, NULL})
#define K(c)     ((arg){LL_VALUE_CONSTANT, LL_NONE, (c), NULL})
#define NUL      ((arg){LL_VALUE_NULL, LL_NONE, 0, NULL})
#define OTHER    ((arg){LL_VALUE_OTHER, LL_NONE, 0, NULL})
#define STR      ((arg){LL_VALUE_STRING, LL_NONE, 0, NULL})
#define FN(name) ((arg){LL_VALUE_FUNCTION, LL_NONE, 0, (name)})

#define EQ LL_RELATION_EQUAL
#define NE LL_RELATION_NOT_EQUAL
#define LE LL_RELATION_LESS_EQUAL
#define LT LL_RELATION_LESS
#define GE LL_RELATION_GREATER_EQUAL

/* A builder over a new unit of the one file `path`, no function yet. */
static inline builder *builder_open(const char *path)
{
    builder *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->unit = ll_unit_new(path, "/src", "");
    assert_non_null(b->unit);
    assert_int_equal(ll_unit_add_file(b->unit, path, 0, false), 0);
    b->line = 10;
    return b;
}

static inline void unbuild(builder *b)
{
    ll_unit_free(b->unit);
    free(b);
}

static inline ll_location next_location(builder *b)
{
    ll_location location = {0, b->line++, 5};
    return location;
}

static inline ll_index variable(builder *b, const char *name, enum ll_variable_kind kind,
                                bool pointer)
{
    ll_function *function = b->function;
    ll_index v = ll_function_add_variable(function, name, kind);
    assert_int_not_equal(v, LL_NONE);
    function->variables[v].is_pointer = pointer;
    if (kind == LL_VARIABLE_PARAMETER)
        function->variables[v].parameter = ++function->parameter_count;
    return v;
}

static inline ll_index temporary(builder *b, bool pointer)
{
    return variable(b, "", LL_VARIABLE_TEMPORARY, pointer);
}

/* Adds blocks 0..count-1. */
static inline void blocks(builder *b, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        assert_int_equal(ll_function_add_block(b->function), i);
}

static inline ll_value to_value(arg a)
{
    ll_value value = {.kind = a.kind, .variable = a.variable, .constant = a.constant};
    if (a.name) {
        value.name = ll_strdup(a.name);
        value.usr = usr_of(a.name);
    }
    return value;
}

/* A call of `callee` in `block`, its result going to `target`; `text` is
 * how it is written (NULL: "callee ( ... )"). Returns its index. */
static inline ll_index call_in(builder *b, ll_index block, ll_index target, const char *callee,
                               const char *text, uint32_t count, const arg *args)
{
    ll_function *function = b->function;
    ll_index c = ll_function_add_call(function, callee);
    assert_int_not_equal(c, LL_NONE);
    ll_call *call = &function->calls[c];
    call->callee_kind = LL_CALLEE_DIRECT;
    if (b->name_callees)
        call->callee_usr = usr_of(callee);
    call->location = next_location(b);
    call->block = block;
    call->result_use = target == LL_NONE ? LL_RESULT_DISCARDED : LL_RESULT_USED;
    char written[160];
    snprintf(written, sizeof written, "%s ( ... )", callee);
    call->text = ll_strdup(text ? text : written);
    for (uint32_t i = 0; i < count; i++) {
        ll_value *value = ll_call_add_argument(call);
        assert_non_null(value);
        *value = to_value(args[i]);
    }
    ll_operation *operation = ll_block_add_operation(&function->blocks[block], LL_OPERATION_CALL);
    assert_non_null(operation);
    operation->call = c;
    operation->target = target;
    operation->location = call->location;
    return c;
}

#define ARGS(...)                                                                                  \
    (uint32_t)(sizeof((arg[]){__VA_ARGS__}) / sizeof(arg)), (arg[])                                \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
/* CALL(b, block, target or LL_NONE, "callee", arguments...): the call's index. */
#define CALL(b, block, target, callee, ...)                                                        \
    call_in(b, block, target, callee, NULL, ARGS(__VA_ARGS__))
/* The same, written as `text` (for the tokens of its arguments). */
#define CALL_AS(b, block, target, callee, text, ...)                                               \
    call_in(b, block, target, callee, text, ARGS(__VA_ARGS__))
/* A call without arguments. */
#define CALL0(b, block, target, callee) call_in(b, block, target, callee, NULL, 0, NULL)

static inline void operation(builder *b, ll_index block, enum ll_operation_kind kind,
                             ll_index target, arg value)
{
    ll_operation *op = ll_block_add_operation(&b->function->blocks[block], kind);
    assert_non_null(op);
    op->target = target;
    op->value = to_value(value);
    op->location = next_location(b);
}

static inline void assign(builder *b, ll_index block, ll_index target, arg value)
{
    operation(b, block, LL_OPERATION_ASSIGN, target, value);
}

static inline void store(builder *b, ll_index block, arg value)
{
    operation(b, block, LL_OPERATION_STORE, LL_NONE, value);
}

static inline void terminate(builder *b, ll_index block, enum ll_terminator_kind kind,
                             uint32_t count, const ll_index *successors)
{
    ll_block *at = &b->function->blocks[block];
    at->terminator = kind;
    at->location = next_location(b);
    assert_int_equal(ll_block_set_successors(at, successors, count), 0);
}

static inline void jump(builder *b, ll_index block, ll_index to)
{
    terminate(b, block, LL_TERMINATOR_JUMP, 1, &to);
}

/* if (tested relation constant) goto then; else goto otherwise; */
static inline void branch(builder *b, ll_index block, ll_index tested, enum ll_relation relation,
                          int64_t constant, ll_index then, ll_index otherwise)
{
    ll_index successors[2] = {then, otherwise};
    terminate(b, block, LL_TERMINATOR_BRANCH, 2, successors);
    ll_test *test = &b->function->blocks[block].test;
    test->relation = relation;
    test->variable = tested;
    test->constant = constant;
}

/* A condition the CFG could not read. */
static inline void branch_unknown(builder *b, ll_index block, ll_index then, ll_index otherwise)
{
    ll_index successors[2] = {then, otherwise};
    terminate(b, block, LL_TERMINATOR_BRANCH, 2, successors);
}

static inline void ret(builder *b, ll_index block, arg value)
{
    terminate(b, block, LL_TERMINATOR_RETURN, 0, NULL);
    b->function->blocks[block].returned = to_value(value);
}

static inline void noreturn(builder *b, ll_index block)
{
    terminate(b, block, LL_TERMINATOR_NORETURN, 0, NULL);
}

#endif /* FACTS_BUILDER_UNITS_ONLY */

#endif
