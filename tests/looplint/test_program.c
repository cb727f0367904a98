/*
 * test_program.c - the link step (analysis/program.c) over facts built by
 * hand: the call graph across units, how calls resolve when a database
 * holds several programs, the roots the packs' entry arguments and the
 * annotations make, where propagation stops, the three contexts, the
 * chain notes (the same whatever the unit order), calls and roots through
 * function pointers (fields, tables, locals), and a link of 100k
 * functions and 1M calls.
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
#include "packs/pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char nest_pack[] = "pack nest\n"
                                "strict-io\n"
                                "entry nest_run kind=main arg=1\n"
                                "entry nest_spawn kind=task arg=1\n"
                                "entry nest_wait_for kind=timeout-scope arg=2\n"
                                "entry nest_shield kind=shield arg=1\n"
                                "entry nest_to_thread kind=off-loop arg=1\n"
                                "suspend nest_read deadline=4 forever=-1 needs-timeout\n";

static const char uv_pack[] = "pack uv\n"
                              "entry uv_timer_start kind=callback arg=2\n";

#define FACTS_BUILDER_UNITS_ONLY
#include "facts_builder.h"

/* ---- Building facts ------------------------------------------------------------- */

static uint32_t add_function(ll_unit *unit, const char *name, uint32_t line, bool definition)
{
    char *usr = usr_of(name);
    ll_function *function = ll_unit_add_function(unit, name, usr);
    free(usr);
    assert_non_null(function);
    function->is_definition = definition;
    function->location = (ll_location){0, line, 5};
    if (definition) {
        assert_int_equal(ll_function_add_block(function), 0);
        function->blocks[0].terminator = LL_TERMINATOR_RETURN;
    }
    return unit->function_count - 1;
}

/* Defines `name` (USR c:@F@name) at `line`; its index in the unit. */
static uint32_t define(ll_unit *unit, const char *name, uint32_t line)
{
    return add_function(unit, name, line, true);
}

/* Declares `name` with annotations (a prototype with LOOPLINT_...). */
static void declare(ll_unit *unit, const char *name, uint32_t annotations)
{
    uint32_t index = add_function(unit, name, 1, false);
    unit->functions[index].annotations = annotations;
}

/* A direct call from function `caller` to `callee` at `line`. */
static ll_index call(ll_unit *unit, uint32_t caller, const char *callee, uint32_t line)
{
    ll_function *function = &unit->functions[caller];
    ll_index index = ll_function_add_call(function, callee);
    assert_int_not_equal(index, LL_NONE);
    ll_call *site = &function->calls[index];
    site->callee_usr = usr_of(callee);
    site->location = (ll_location){0, line, 9};
    assert_true(asprintf(&site->text, "%s ( )", callee) > 0);
    site->block = 0;
    ll_operation *operation = ll_block_add_operation(&function->blocks[0], LL_OPERATION_CALL);
    assert_non_null(operation);
    operation->call = index;
    return index;
}

/* An indirect call (through a field or a variable). */
static void call_indirect(ll_unit *unit, uint32_t caller, enum ll_callee_kind kind)
{
    ll_function *function = &unit->functions[caller];
    ll_index index = ll_function_add_call(function, "op");
    assert_int_not_equal(index, LL_NONE);
    function->calls[index].callee_kind = kind;
}

static void pass_function(ll_unit *unit, uint32_t caller, ll_index index, const char *name)
{
    ll_value *value = ll_call_add_argument(&unit->functions[caller].calls[index]);
    assert_non_null(value);
    value->kind = LL_VALUE_FUNCTION;
    value->name = strdup(name);
    value->usr = usr_of(name);
}

static void pass_variable(ll_unit *unit, uint32_t caller, ll_index index, ll_index variable)
{
    ll_value *value = ll_call_add_argument(&unit->functions[caller].calls[index]);
    assert_non_null(value);
    value->kind = LL_VALUE_VARIABLE;
    value->variable = variable;
}

static void pass_other(ll_unit *unit, uint32_t caller, ll_index index)
{
    assert_non_null(ll_call_add_argument(&unit->functions[caller].calls[index]));
}

/* `variable = name;` in the function's first block. */
static void assign_function(ll_unit *unit, uint32_t caller, ll_index variable, const char *name)
{
    ll_operation *operation =
        ll_block_add_operation(&unit->functions[caller].blocks[0], LL_OPERATION_ASSIGN);
    assert_non_null(operation);
    operation->target = variable;
    operation->value.kind = LL_VALUE_FUNCTION;
    operation->value.name = strdup(name);
    operation->value.usr = usr_of(name);
}

/* `function` stored into `field` of `record` (both NULL: into no field),
 * and into the global `global` of the unit (NULL: none), at `line`. */
static void store(ll_unit *unit, const char *record, const char *field, const char *global,
                  const char *function, uint32_t line)
{
    char *global_usr = NULL;
    char *function_usr = usr_of(function);
    if (global)
        assert_true(asprintf(&global_usr, "c:%s@%s", unit->path, global) > 0);
    ll_function_store stored = {
        (char *)record,   (char *)field, (char *)global, global_usr,
        (char *)function, function_usr,  {0, line, 17},
    };
    assert_non_null(ll_unit_add_store(unit, &stored));
    free(global_usr);
    free(function_usr);
}

/* A call through a function pointer, made like call() makes direct ones. */
static ll_index call_pointer(ll_unit *unit, uint32_t caller, enum ll_callee_kind kind,
                             const char *name, uint32_t line)
{
    ll_index index = call(unit, caller, name, line);
    ll_call *site = &unit->functions[caller].calls[index];
    site->callee_kind = kind;
    free(site->callee_usr);
    site->callee_usr = NULL;
    return index;
}

/* `record->field(...)`. */
static ll_index call_field(ll_unit *unit, uint32_t caller, const char *record, const char *field,
                           uint32_t line)
{
    ll_index index = call_pointer(unit, caller, LL_CALLEE_FIELD, field, line);
    unit->functions[caller].calls[index].callee_type = strdup(record);
    return index;
}

/* `global[i](...)`, the global being the unit's. */
static ll_index call_global(ll_unit *unit, uint32_t caller, const char *global, uint32_t line)
{
    ll_index index = call_pointer(unit, caller, LL_CALLEE_GLOBAL, global, line);
    assert_true(asprintf(&unit->functions[caller].calls[index].callee_usr, "c:%s@%s", unit->path,
                         global) > 0);
    return index;
}

/* `variable(...)`. */
static ll_index call_variable(ll_unit *unit, uint32_t caller, ll_index variable, uint32_t line)
{
    ll_index index = call_pointer(unit, caller, LL_CALLEE_VARIABLE, "fp", line);
    ll_call *site = &unit->functions[caller].calls[index];
    free(site->callee_name); /* the front names the variable, not the call */
    site->callee_name = NULL;
    site->callee_variable = variable;
    return index;
}

/* A value read from a field (of the unit's global `global`, or of
 * anything when NULL): `global[i].field`, `p->field`. */
static void field_value(ll_value *value, const ll_unit *unit, const char *global,
                        const char *record, const char *field)
{
    value->kind = global ? LL_VALUE_GLOBAL : LL_VALUE_OTHER;
    if (global) {
        value->name = strdup(global);
        assert_true(asprintf(&value->usr, "c:%s@%s", unit->path, global) > 0);
    }
    value->record_type = record ? strdup(record) : NULL;
    value->field = field ? strdup(field) : NULL;
}

static void pass_field(ll_unit *unit, uint32_t caller, ll_index index, const char *global,
                       const char *record, const char *field)
{
    ll_value *value = ll_call_add_argument(&unit->functions[caller].calls[index]);
    assert_non_null(value);
    field_value(value, unit, global, record, field);
}

/* `variable = global[i].field;` (or `p->field`, or `global[i]`). */
static void assign_field(ll_unit *unit, uint32_t caller, ll_index variable, const char *global,
                         const char *record, const char *field)
{
    ll_operation *operation =
        ll_block_add_operation(&unit->functions[caller].blocks[0], LL_OPERATION_ASSIGN);
    assert_non_null(operation);
    operation->target = variable;
    field_value(&operation->value, unit, global, record, field);
}

static ll_packs *load_packs(void)
{
    ll_packs *packs = ll_packs_new();
    assert_non_null(packs);
    ll_error error;
    if (ll_packs_load_text(packs, "nest.rules", nest_pack, &error) < 0 ||
        ll_packs_load_text(packs, "uv.rules", uv_pack, &error) < 0)
        fail_msg("%s", error.message);
    return packs;
}

static ll_program *link_units(ll_unit **units, size_t count, ll_packs *packs,
                              ll_statistics *statistics)
{
    memset(statistics, 0, sizeof *statistics);
    ll_error error = {{0}};
    ll_program *program = ll_program_link(units, count, packs, statistics, &error);
    if (!program)
        fail_msg("link: %s", error.message);
    return program;
}

static void free_units(ll_unit **units, size_t count)
{
    for (size_t i = 0; i < count; i++)
        ll_unit_free(units[i]);
}

/* The id of the function `name` defined in the unit of `path` (any unit
 * when NULL); fails the test when there is none. */
static uint32_t id_of(const ll_program *program, const char *name, const char *path)
{
    for (uint32_t id = 0; id < ll_program_function_count(program); id++) {
        const ll_unit *unit;
        const ll_function *function = ll_program_function(program, id, &unit);
        if (strcmp(function->name, name) == 0 && (!path || strcmp(unit->path, path) == 0))
            return id;
    }
    fail_msg("no function %s", name);
    return LL_NONE;
}

static uint32_t context_of(const ll_program *program, const char *name)
{
    return ll_program_context(program, id_of(program, name, NULL));
}

enum { EVERY = LL_CONTEXT_LOOP | LL_CONTEXT_STRICT_IO | LL_CONTEXT_UNBOUNDED };

/* The notes of the loop chain of `name`, one per line. */
static char *notes_of(const ll_program *program, const char *name)
{
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        ll_findings_add(&findings, "r", LL_SEVERITY_ERROR, "/x.c", 1, 1, "", "", "m");
    assert_int_equal(
        ll_program_chain_notes(program, id_of(program, name, NULL), LL_CONTEXT_LOOP, finding), 0);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    for (uint32_t i = 0; i < finding->note_count; i++)
        fprintf(out, "%s:%u: %s\n", finding->notes[i].place.file, finding->notes[i].place.line,
                finding->notes[i].message);
    fclose(out);
    ll_findings_free(&findings);
    return text;
}

/* ---- Tests ------------------------------------------------------------------------- */

/* main_fn (b.c) is passed to nest_run in a.c; it calls load (c.c), which
 * calls parse (c.c): edges cross units and carry every context. */
static void test_call_graph_across_units(void **state)
{
    (void)state;
    ll_unit *units[3] = {new_unit("/p/a.c"), new_unit("/p/b.c"), new_unit("/p/c.c")};
    uint32_t start = define(units[0], "start", 3);
    pass_function(units[0], start, call(units[0], start, "nest_run", 4), "main_fn");
    declare(units[0], "main_fn", 0);
    uint32_t main_fn = define(units[1], "main_fn", 10);
    call(units[1], main_fn, "load", 11);
    call(units[1], main_fn, "printf", 12);
    uint32_t load = define(units[2], "load", 20);
    call(units[2], load, "parse", 21);
    define(units[2], "parse", 30);
    define(units[2], "unused", 40);

    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 3, packs, &statistics);

    /* definitions only, numbered in unit order then definition order */
    assert_int_equal(ll_program_function_count(program), 5);
    const ll_unit *unit;
    assert_string_equal(ll_program_function(program, 1, &unit)->name, "main_fn");
    assert_ptr_equal(unit, units[1]);
    assert_int_equal(ll_program_function_id(program, &units[2]->functions[1]), 3);
    assert_int_equal(ll_program_function_id(program, &units[0]->functions[1]), LL_NONE);
    assert_null(ll_program_function(program, 5, NULL));

    assert_int_equal(ll_program_callee(program, 1, 0), id_of(program, "load", NULL));
    assert_int_equal(ll_program_callee(program, 1, 1), LL_NONE); /* library */
    assert_int_equal(ll_program_callee(program, 2, 0), id_of(program, "parse", NULL));
    assert_int_equal(ll_program_callee(program, 0, 0), LL_NONE); /* nest_run: a leaf */

    assert_int_equal(context_of(program, "start"), 0);
    assert_int_equal(context_of(program, "main_fn"), EVERY);
    assert_int_equal(context_of(program, "load"), EVERY);
    assert_int_equal(context_of(program, "parse"), EVERY);
    assert_int_equal(context_of(program, "unused"), 0);

    assert_int_equal(atomic_load(&statistics.functions), 5);
    assert_int_equal(atomic_load(&statistics.calls), 4);
    assert_int_equal(atomic_load(&statistics.roots), 1);
    assert_int_equal(atomic_load(&statistics.ambiguous_calls), 0);
    assert_int_equal(atomic_load(&statistics.indirect_unresolved), 0);

    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 3);
}

/* No units (a database with nothing to analyse) links to an empty program. */
static void test_empty_program(void **state)
{
    (void)state;
    ll_statistics statistics;
    ll_program *program = link_units(NULL, 0, NULL, &statistics);
    assert_int_equal(ll_program_function_count(program), 0);
    assert_int_equal(ll_program_context(program, 0), 0);
    assert_int_equal(ll_program_callee(program, 0, 0), LL_NONE);
    assert_int_equal(ll_program_resolve(program, 0, "c:@F@f"), LL_NONE);
    assert_int_equal(atomic_load(&statistics.functions), 0);
    ll_program_free(program);
}

/* ARCHITECTURE.md "Many programs in one database": own unit, only one
 * definition, same directory, same top-level folder, else ambiguous. */
static void test_resolution(void **state)
{
    (void)state;
    ll_unit *units[6] = {
        new_unit("/r/app/x/one.c"),  new_unit("/r/app/x/two.c"),    new_unit("/r/app/y/three.c"),
        new_unit("/r/tools/four.c"), new_unit("/r/tools/z/five.c"), new_unit("/r/app/z/six.c"),
    };
    uint32_t caller = define(units[0], "caller", 1);
    const char *callees[] = {"helper", "only", "dup", "shared", "amb"};
    for (uint32_t i = 0; i < 5; i++)
        call(units[0], caller, callees[i], 2 + i);
    call_indirect(units[0], caller, LL_CALLEE_FIELD);
    call_indirect(units[0], caller, LL_CALLEE_VARIABLE);
    define(units[0], "helper", 10); /* also in two.c: own unit wins */
    define(units[1], "helper", 10);
    define(units[2], "only", 10);   /* the only definition */
    define(units[1], "dup", 11);    /* same directory as one.c ... */
    define(units[3], "dup", 11);    /* ... beats another folder */
    define(units[2], "shared", 12); /* app/y: same top folder as app/x */
    define(units[3], "shared", 12); /* tools */
    define(units[2], "amb", 13);    /* app/y and app/z: both in app */
    define(units[5], "amb", 13);
    uint32_t five = define(units[4], "five", 1); /* tools/z */
    call(units[4], five, "twin", 2);
    define(units[3], "twin", 14); /* tools, and ... */
    define(units[2], "twin", 14); /* ... app: tools/z/five.c picks tools */
    call(units[4], five, "pair", 3);
    define(units[4], "pair", 15); /* own unit, even with one elsewhere */
    define(units[1], "pair", 15);

    ll_statistics statistics;
    ll_program *program = link_units(units, 6, NULL, &statistics);
    uint32_t from = id_of(program, "caller", NULL);
    assert_int_equal(ll_program_callee(program, from, 0),
                     id_of(program, "helper", "/r/app/x/one.c"));
    assert_int_equal(ll_program_callee(program, from, 1), id_of(program, "only", NULL));
    assert_int_equal(ll_program_callee(program, from, 2), id_of(program, "dup", "/r/app/x/two.c"));
    assert_int_equal(ll_program_callee(program, from, 3),
                     id_of(program, "shared", "/r/app/y/three.c"));
    assert_int_equal(ll_program_callee(program, from, 4), LL_NONE);
    assert_int_equal(ll_program_callee(program, from, 5), LL_NONE);
    assert_int_equal(ll_program_callee(program, from, 6), LL_NONE);
    uint32_t from_five = id_of(program, "five", NULL);
    assert_int_equal(ll_program_callee(program, from_five, 0),
                     id_of(program, "twin", "/r/tools/four.c"));
    assert_int_equal(ll_program_callee(program, from_five, 1),
                     id_of(program, "pair", "/r/tools/z/five.c"));

    /* references (function arguments) resolve the same way */
    assert_int_equal(ll_program_resolve(program, from, "c:@F@dup"),
                     id_of(program, "dup", "/r/app/x/two.c"));
    assert_int_equal(ll_program_resolve(program, from, "c:@F@amb"), LL_NONE);
    assert_int_equal(ll_program_resolve(program, from, "c:@F@nowhere"), LL_NONE);

    assert_int_equal(atomic_load(&statistics.ambiguous_calls), 1);
    assert_int_equal(atomic_load(&statistics.indirect_unresolved), 2);
    assert_int_equal(atomic_load(&statistics.calls), 9);
    ll_program_free(program);
    free_units(units, 6);
}

/* The common directory is /r, not /r/app: the top-level folder of app/x
 * is app, and app-old is another folder although its name starts alike. */
static void test_top_folder_is_a_path_component(void **state)
{
    (void)state;
    ll_unit *units[3] = {new_unit("/r/app/x/one.c"), new_unit("/r/app/y/two.c"),
                         new_unit("/r/app-old/three.c")};
    uint32_t caller = define(units[0], "caller", 1);
    call(units[0], caller, "f", 2);
    define(units[1], "f", 3);
    define(units[2], "f", 3);
    ll_statistics statistics;
    ll_program *program = link_units(units, 3, NULL, &statistics);
    assert_int_equal(ll_program_callee(program, 0, 0), id_of(program, "f", "/r/app/y/two.c"));
    assert_int_equal(atomic_load(&statistics.ambiguous_calls), 0);
    ll_program_free(program);
    free_units(units, 3);
}

/* Roots through a function argument and through a local holding one
 * (every function assigned to it); parameters and other arguments are
 * not traced; a function passed to a non-entry function is no root. */
static void test_roots_through_arguments_and_locals(void **state)
{
    (void)state;
    ll_unit *units[1] = {new_unit("/p/main.c")};
    ll_unit *unit = units[0];
    uint32_t spawner = define(unit, "spawner", 1);
    ll_index handler = ll_function_add_variable(&unit->functions[spawner], "fn", LL_VARIABLE_LOCAL);
    assign_function(unit, spawner, handler, "first");
    assign_function(unit, spawner, handler, "second");
    pass_variable(unit, spawner, call(unit, spawner, "nest_spawn", 5), handler);
    pass_function(unit, spawner, call(unit, spawner, "nest_spawn", 6), "direct");
    pass_function(unit, spawner, call(unit, spawner, "qsort_like", 7), "not_root");
    pass_other(unit, spawner, call(unit, spawner, "nest_spawn", 8));
    uint32_t forwarder = define(unit, "forwarder", 20);
    ll_index parameter =
        ll_function_add_variable(&unit->functions[forwarder], "p", LL_VARIABLE_PARAMETER);
    pass_variable(unit, forwarder, call(unit, forwarder, "nest_spawn", 21), parameter);
    pass_function(unit, forwarder, call(unit, forwarder, "forwarder", 22), "via_parameter");
    define(unit, "first", 30);
    define(unit, "second", 31);
    define(unit, "direct", 32);
    define(unit, "not_root", 33);
    define(unit, "via_parameter", 34);

    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 1, packs, &statistics);
    assert_int_equal(context_of(program, "first"), EVERY);
    assert_int_equal(context_of(program, "second"), EVERY);
    assert_int_equal(context_of(program, "direct"), EVERY);
    assert_int_equal(context_of(program, "not_root"), 0);
    assert_int_equal(context_of(program, "via_parameter"), 0);
    assert_int_equal(context_of(program, "spawner"), 0);
    assert_int_equal(atomic_load(&statistics.roots), 3);
    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 1);
}

/* An off-loop argument is no root, and a function annotated
 * looplint:thread (here through a declaration in another unit) is never
 * in loop context: propagation stops there, also as a spawned task. */
static void test_propagation_stops(void **state)
{
    (void)state;
    ll_unit *units[2] = {new_unit("/p/a.c"), new_unit("/p/b.c")};
    uint32_t task = define(units[0], "task", 1);
    pass_function(units[0], task, call(units[0], task, "nest_to_thread", 2), "work");
    call(units[0], task, "worker_thread", 3);
    call(units[0], task, "blocker", 4);
    uint32_t start = define(units[0], "start", 10);
    pass_function(units[0], start, call(units[0], start, "nest_run", 11), "task");
    pass_function(units[0], start, call(units[0], start, "nest_spawn", 12), "worker_thread");
    declare(units[0], "worker_thread", LL_ANNOTATION_THREAD);
    declare(units[0], "blocker", LL_ANNOTATION_BLOCKING);
    uint32_t work = define(units[1], "work", 20);
    call(units[1], work, "deeper", 21);
    define(units[1], "deeper", 30);
    uint32_t thread = define(units[1], "worker_thread", 40);
    call(units[1], thread, "deeper_too", 41);
    define(units[1], "deeper_too", 50);
    uint32_t blocker = define(units[1], "blocker", 60);
    call(units[1], blocker, "inside_blocker", 61);
    define(units[1], "inside_blocker", 70);

    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 2, packs, &statistics);
    assert_int_equal(context_of(program, "task"), EVERY);
    assert_int_equal(context_of(program, "work"), 0);
    assert_int_equal(context_of(program, "deeper"), 0);
    assert_int_equal(context_of(program, "worker_thread"), 0);
    assert_int_equal(context_of(program, "deeper_too"), 0);
    assert_int_equal(context_of(program, "blocker"), 0);
    assert_int_equal(context_of(program, "inside_blocker"), 0);
    /* the edge exists; only loop context does not cross it */
    assert_int_equal(ll_program_callee(program, id_of(program, "task", NULL), 1),
                     id_of(program, "worker_thread", NULL));
    assert_int_equal(ll_program_annotations(program, id_of(program, "worker_thread", NULL)),
                     LL_ANNOTATION_THREAD);
    assert_int_equal(ll_program_usr_annotations(program, "c:@F@blocker"), LL_ANNOTATION_BLOCKING);
    assert_int_equal(ll_program_usr_annotations(program, "c:@F@nothing"), 0);
    assert_int_equal(atomic_load(&statistics.roots), 1);
    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 2);
}

/* looplint:loop makes a callback root: loop and unbounded, not strict-io
 * (that is for the roots of a strict-io pack); so do a non-strict pack's
 * callback entries. */
static void test_loop_annotation_and_callbacks(void **state)
{
    (void)state;
    ll_unit *units[1] = {new_unit("/p/cb.c")};
    uint32_t on_event = define(units[0], "on_event", 1);
    units[0]->functions[on_event].annotations = LL_ANNOTATION_LOOP;
    call(units[0], on_event, "handle", 2);
    define(units[0], "handle", 10);
    uint32_t setup = define(units[0], "setup", 20);
    ll_index registration = call(units[0], setup, "uv_timer_start", 21);
    pass_other(units[0], setup, registration);
    pass_function(units[0], setup, registration, "on_timer");
    define(units[0], "on_timer", 30);

    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 1, packs, &statistics);
    uint32_t loop = LL_CONTEXT_LOOP | LL_CONTEXT_UNBOUNDED;
    assert_int_equal(context_of(program, "on_event"), loop);
    assert_int_equal(context_of(program, "handle"), loop);
    assert_int_equal(context_of(program, "on_timer"), loop);
    assert_int_equal(context_of(program, "setup"), 0);

    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        ll_findings_add(&findings, "r", LL_SEVERITY_ERROR, "/p/cb.c", 10, 1, "handle", "", "m");
    assert_int_equal(
        ll_program_chain_notes(program, id_of(program, "handle", NULL), LL_CONTEXT_LOOP, finding),
        0);
    assert_int_equal(finding->note_count, 2);
    assert_string_equal(finding->notes[0].message, "'on_event' is annotated looplint:loop");
    assert_int_equal(finding->notes[0].place.line, 1);
    assert_string_equal(finding->notes[1].message, "'on_event' calls 'handle' here");
    assert_int_equal(finding->notes[1].place.line, 2);
    /* no strict-io root reaches it */
    assert_int_equal(ll_program_chain_notes(program, id_of(program, "handle", NULL),
                                            LL_CONTEXT_STRICT_IO, finding),
                     -1);
    finding =
        ll_findings_add(&findings, "r", LL_SEVERITY_ERROR, "/p/cb.c", 30, 1, "on_timer", "", "m");
    assert_int_equal(ll_program_chain_notes(program, id_of(program, "on_timer", NULL),
                                            LL_CONTEXT_UNBOUNDED, finding),
                     0);
    assert_int_equal(finding->note_count, 1);
    assert_string_equal(finding->notes[0].message,
                        "'on_timer' runs on the loop: callback registered here");
    assert_int_equal(finding->notes[0].place.line, 21);
    ll_findings_free(&findings);
    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 1);
}

/* Functions the packs describe are leaves (the runtime's own nest_read
 * is not followed into what it calls), and never roots. */
static void test_pack_described_functions_are_leaves(void **state)
{
    (void)state;
    ll_unit *units[2] = {new_unit("/p/app.c"), new_unit("/p/runtime.c")};
    uint32_t main_fn = define(units[0], "main_fn", 1);
    call(units[0], main_fn, "nest_read", 2);
    pass_function(units[0], main_fn, call(units[0], main_fn, "nest_spawn", 3), "nest_read");
    uint32_t start = define(units[0], "start", 10);
    pass_function(units[0], start, call(units[0], start, "nest_run", 11), "main_fn");
    uint32_t nest_read = define(units[1], "nest_read", 20);
    call(units[1], nest_read, "runtime_internal", 21);
    define(units[1], "runtime_internal", 30);

    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 2, packs, &statistics);
    assert_int_equal(context_of(program, "main_fn"), EVERY);
    assert_int_equal(ll_program_callee(program, id_of(program, "main_fn", NULL), 0), LL_NONE);
    assert_int_equal(context_of(program, "nest_read"), 0);
    assert_int_equal(context_of(program, "runtime_internal"), 0);
    assert_int_equal(atomic_load(&statistics.roots), 1);
    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 2);
}

/* A timeout scope's body is bounded (not UNBOUNDED) and so is what only it
 * reaches; a shield's body is not covered; a function also reached
 * directly from the main is unbounded. */
static void test_contexts(void **state)
{
    (void)state;
    ll_unit *units[1] = {new_unit("/p/t.c")};
    ll_unit *unit = units[0];
    uint32_t main_fn = define(unit, "main_fn", 1);
    ll_index wait_for = call(unit, main_fn, "nest_wait_for", 2);
    pass_other(unit, main_fn, wait_for);
    pass_function(unit, main_fn, wait_for, "scoped");
    pass_function(unit, main_fn, call(unit, main_fn, "nest_shield", 3), "shielded");
    call(unit, main_fn, "both", 4);
    uint32_t scoped = define(unit, "scoped", 10);
    call(unit, scoped, "under_scope", 11);
    call(unit, scoped, "both", 12);
    define(unit, "under_scope", 20);
    define(unit, "both", 30);
    uint32_t shielded = define(unit, "shielded", 40);
    call(unit, shielded, "under_shield", 41);
    define(unit, "under_shield", 50);
    uint32_t start = define(unit, "start", 60);
    pass_function(unit, start, call(unit, start, "nest_run", 61), "main_fn");

    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 1, packs, &statistics);
    uint32_t bounded = LL_CONTEXT_LOOP | LL_CONTEXT_STRICT_IO;
    assert_int_equal(context_of(program, "main_fn"), EVERY);
    assert_int_equal(context_of(program, "scoped"), bounded);
    assert_int_equal(context_of(program, "under_scope"), bounded);
    assert_int_equal(context_of(program, "both"), EVERY);
    assert_int_equal(context_of(program, "shielded"), EVERY);
    assert_int_equal(context_of(program, "under_shield"), EVERY);

    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        ll_findings_add(&findings, "r", LL_SEVERITY_ERROR, "/p/t.c", 20, 1, "", "", "m");
    assert_int_equal(ll_program_chain_notes(program, id_of(program, "under_scope", NULL),
                                            LL_CONTEXT_LOOP, finding),
                     0);
    assert_int_equal(finding->note_count, 2);
    assert_string_equal(
        finding->notes[0].message,
        "'scoped' runs on the loop under a timeout: passed to 'nest_wait_for' here");
    assert_int_equal(ll_program_chain_notes(program, id_of(program, "under_scope", NULL),
                                            LL_CONTEXT_UNBOUNDED, finding),
                     -1);
    finding = ll_findings_add(&findings, "r", LL_SEVERITY_ERROR, "/p/t.c", 50, 1, "", "", "m");
    assert_int_equal(ll_program_chain_notes(program, id_of(program, "under_shield", NULL),
                                            LL_CONTEXT_UNBOUNDED, finding),
                     0);
    assert_int_equal(finding->note_count, 2);
    assert_string_equal(finding->notes[0].message,
                        "'shielded' runs on the loop, shielded from timeouts: passed to "
                        "'nest_shield' here");
    ll_findings_free(&findings);
    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 1);
}

/* Builds the chain test's program with its units in the given order:
 * roots beta (spawned) and alpha (spawned) both reach mid in one call,
 * and mid reaches leaf; gamma reaches leaf through two helpers. */
static void build_chain_units(ll_unit **units, const int *order)
{
    const char *paths[3] = {"/q/one.c", "/q/two.c", "/q/three.c"};
    ll_unit *by_path[3];
    for (int i = 0; i < 3; i++)
        units[i] = by_path[order[i]] = new_unit(paths[order[i]]);
    ll_unit *one = by_path[0], *two = by_path[1], *three = by_path[2];
    uint32_t start = define(one, "start", 1);
    pass_function(one, start, call(one, start, "nest_spawn", 2), "gamma");
    pass_function(one, start, call(one, start, "nest_spawn", 3), "beta");
    pass_function(one, start, call(one, start, "nest_spawn", 4), "alpha");
    pass_function(one, start, call(one, start, "nest_spawn", 5), "alpha");
    uint32_t beta = define(two, "beta", 10);
    call(two, beta, "mid", 11);
    uint32_t alpha = define(two, "alpha", 20);
    call(two, alpha, "mid", 21);
    uint32_t gamma = define(two, "gamma", 30);
    call(two, gamma, "g1", 31);
    uint32_t g1 = define(two, "g1", 40);
    call(two, g1, "g2", 41);
    uint32_t g2 = define(two, "g2", 50);
    call(two, g2, "leaf", 51);
    uint32_t mid = define(three, "mid", 60);
    call(three, mid, "leaf", 61);
    define(three, "leaf", 70);
}

static char *chain_text(const int *order)
{
    ll_unit *units[3];
    build_chain_units(units, order);
    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 3, packs, &statistics);
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        ll_findings_add(&findings, "r", LL_SEVERITY_ERROR, "/q/three.c", 70, 1, "", "", "m");
    assert_int_equal(
        ll_program_chain_notes(program, id_of(program, "leaf", NULL), LL_CONTEXT_LOOP, finding), 0);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    for (uint32_t i = 0; i < finding->note_count; i++)
        fprintf(out, "%s:%u:%u: %s\n", finding->notes[i].place.file, finding->notes[i].place.line,
                finding->notes[i].place.column, finding->notes[i].message);
    fclose(out);
    ll_findings_free(&findings);
    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 3);
    return text;
}

/* The chain is the shortest, ties broken by the root's name (then its
 * first spawn site), and does not depend on the order of the units. */
static void test_chain_notes_deterministic(void **state)
{
    (void)state;
    static const int orders[6][3] = {{0, 1, 2}, {2, 1, 0}, {1, 0, 2},
                                     {1, 2, 0}, {0, 2, 1}, {2, 0, 1}};
    const char *expected = "/q/one.c:4:9: task 'alpha' spawned here\n"
                           "/q/two.c:21:9: 'alpha' calls 'mid' here\n"
                           "/q/three.c:61:9: 'mid' calls 'leaf' here\n";
    for (int i = 0; i < 6; i++) {
        char *text = chain_text(orders[i]);
        assert_string_equal(text, expected);
        free(text);
    }
}

/* ---- Function pointers --------------------------------------------------------------- */

/* The log shipper of fixtures/blocking-call/18 over two units, in either
 * order: ship (a nest_run main) calls sink->ops->emit, which reaches
 * every function stored into field emit of struct sink_ops anywhere
 * (write_to_peer, append_to_file), but not those of another field or of
 * another struct's field of the same name, nor a function the packs
 * describe; the chain names the field. */
static ll_program *link_shipper(ll_unit **units, const int *order, ll_packs *packs,
                                ll_statistics *statistics)
{
    const char *paths[2] = {"/s/ship.c", "/s/sinks.c"};
    ll_unit *by_path[2];
    for (int i = 0; i < 2; i++)
        units[i] = by_path[order[i]] = new_unit(paths[order[i]]);
    ll_unit *ship = by_path[0], *sinks = by_path[1];
    uint32_t start = define(ship, "start", 1);
    pass_function(ship, start, call(ship, start, "nest_run", 2), "ship_logs");
    uint32_t logs = define(ship, "ship_logs", 10);
    call_field(ship, logs, "struct sink_ops", "emit", 11);
    call_field(ship, logs, "struct sink_ops", "flush", 12); /* nothing stored */
    call_indirect(ship, logs, LL_CALLEE_OTHER);
    store(ship, "struct sink_ops", "emit", "peer_ops", "write_to_peer", 20);
    store(ship, "struct other_ops", "emit", "other", "other_emit", 21);
    define(ship, "write_to_peer", 30);
    define(ship, "other_emit", 31);
    store(sinks, "struct sink_ops", "emit", NULL, "append_to_file", 5);
    store(sinks, "struct sink_ops", "close", NULL, "close_file", 6);
    store(sinks, "struct sink_ops", "emit", NULL, "nest_read", 7);
    store(sinks, "struct sink_ops", "emit", NULL, "undefined_emit", 8);
    uint32_t append = define(sinks, "append_to_file", 40);
    call(sinks, append, "format_line", 41);
    define(sinks, "format_line", 50);
    define(sinks, "close_file", 60);
    define(sinks, "nest_read", 70); /* the runtime, in the same database */
    return link_units(units, 2, packs, statistics);
}

static void test_calls_through_fields(void **state)
{
    (void)state;
    static const int orders[2][2] = {{0, 1}, {1, 0}};
    const char *expected = "/s/ship.c:2: 'ship_logs' runs on the loop: passed to 'nest_run' here\n"
                           "/s/ship.c:11: 'ship_logs' calls 'append_to_file' through field "
                           "'emit' of 'struct sink_ops' here\n"
                           "/s/sinks.c:41: 'append_to_file' calls 'format_line' here\n";
    ll_packs *packs = load_packs();
    for (int i = 0; i < 2; i++) {
        ll_unit *units[2];
        ll_statistics statistics;
        ll_program *program = link_shipper(units, orders[i], packs, &statistics);
        assert_int_equal(context_of(program, "write_to_peer"), EVERY);
        assert_int_equal(context_of(program, "append_to_file"), EVERY);
        assert_int_equal(context_of(program, "format_line"), EVERY);
        assert_int_equal(context_of(program, "close_file"), 0);
        assert_int_equal(context_of(program, "other_emit"), 0);
        assert_int_equal(context_of(program, "nest_read"), 0);
        /* not one callee: several, in the order of the chains */
        uint32_t logs = id_of(program, "ship_logs", NULL);
        assert_int_equal(ll_program_callee(program, logs, 0), LL_NONE);
        uint32_t callees[3] = {LL_NONE, LL_NONE, LL_NONE};
        assert_int_equal(ll_program_callees(program, logs, 0, callees, 3), 2);
        assert_int_equal(callees[0], id_of(program, "append_to_file", NULL));
        assert_int_equal(callees[1], id_of(program, "write_to_peer", NULL));
        assert_int_equal(callees[2], LL_NONE);
        assert_int_equal(ll_program_callees(program, logs, 0, callees, 1), 2);
        assert_int_equal(ll_program_callees(program, logs, 1, NULL, 0), 0);
        uint32_t start = id_of(program, "start", NULL);
        assert_int_equal(ll_program_callees(program, start, 0, NULL, 0), 0); /* nest_run */
        /* flush and the OTHER call reach nothing */
        assert_int_equal(atomic_load(&statistics.indirect_unresolved), 2);
        char *notes = notes_of(program, "format_line");
        assert_string_equal(notes, expected);
        free(notes);
        ll_program_free(program);
        free_units(units, 2);
    }
    ll_packs_free(packs);
}

/* fixtures/blocking-call/17: nest_spawn(maintenance[i].run, ...) makes a
 * root of each function stored under field run of that table - not of
 * its other field, not of a table of the same name in another file, not
 * of another table of the same struct type whose functions only go to
 * nest_to_thread. nest_spawn(jobs[i], ...) takes every function of the
 * table jobs; a table that holds nothing of its own (filled through
 * pointers) holds what its field holds anywhere. */
static void test_roots_from_tables(void **state)
{
    (void)state;
    ll_unit *units[2] = {new_unit("/t/a.c"), new_unit("/t/b.c")};
    ll_unit *a = units[0], *b = units[1];
    uint32_t run = define(a, "run", 1);
    pass_field(a, run, call(a, run, "nest_spawn", 2), "maintenance", "struct job", "run");
    pass_field(a, run, call(a, run, "nest_to_thread", 3), "offload", "struct job", "run");
    pass_field(a, run, call(a, run, "nest_spawn", 4), "jobs", NULL, NULL);
    /* registry[i].run: a table filled through pointers (no store of its
       own) holds what the field holds anywhere */
    pass_field(a, run, call(a, run, "nest_spawn", 5), "registry", "struct task", "run");
    store(b, "struct task", "run", NULL, "registered", 6);
    store(a, "struct job", "run", "maintenance", "vacuum", 10);
    store(a, "struct job", "run", "maintenance", "expire", 11);
    store(a, "struct job", "cleanup", "maintenance", "tidy", 12);
    store(a, "struct job", "run", "offload", "compress", 13);
    store(a, NULL, NULL, "jobs", "first_job", 14);
    store(a, NULL, NULL, "jobs", "second_job", 15);
    store(b, "struct job", "run", "maintenance", "elsewhere", 5);
    const char *names[] = {"vacuum",    "expire",     "tidy",      "compress",
                           "first_job", "second_job", "elsewhere", "registered"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        define(i < 6 ? a : b, names[i], 20 + (uint32_t)i);

    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 2, packs, &statistics);
    assert_int_equal(context_of(program, "vacuum"), EVERY);
    assert_int_equal(context_of(program, "expire"), EVERY);
    assert_int_equal(context_of(program, "first_job"), EVERY);
    assert_int_equal(context_of(program, "second_job"), EVERY);
    assert_int_equal(context_of(program, "registered"), EVERY);
    assert_int_equal(context_of(program, "tidy"), 0);
    assert_int_equal(context_of(program, "compress"), 0);
    assert_int_equal(context_of(program, "elsewhere"), 0);
    assert_int_equal(atomic_load(&statistics.roots), 5);
    char *notes = notes_of(program, "vacuum");
    assert_string_equal(notes, "/t/a.c:2: task 'vacuum' spawned here\n");
    free(notes);
    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 2);
}

/* nest_spawn(job->run, ...) and a local holding job->run take every
 * function stored into field run of struct job, whatever holds it; a
 * field read with nothing stored makes no root. */
static void test_roots_from_fields(void **state)
{
    (void)state;
    ll_unit *units[1] = {new_unit("/f/a.c")};
    ll_unit *unit = units[0];
    uint32_t start = define(unit, "start", 1);
    pass_field(unit, start, call(unit, start, "nest_spawn", 2), NULL, "struct job", "run");
    pass_field(unit, start, call(unit, start, "nest_spawn", 3), NULL, "struct job", "nothing");
    uint32_t other = define(unit, "other", 10);
    ll_index local = ll_function_add_variable(&unit->functions[other], "fn", LL_VARIABLE_LOCAL);
    assign_field(unit, other, local, NULL, "struct task", "body");
    pass_variable(unit, other, call(unit, other, "nest_spawn", 12), local);
    store(unit, "struct job", "run", "table", "from_table", 20);
    store(unit, "struct job", "run", NULL, "assigned", 21);
    store(unit, "struct task", "body", NULL, "task_body", 22);
    define(unit, "from_table", 30);
    define(unit, "assigned", 31);
    define(unit, "task_body", 32);

    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 1, packs, &statistics);
    assert_int_equal(context_of(program, "from_table"), EVERY);
    assert_int_equal(context_of(program, "assigned"), EVERY);
    assert_int_equal(context_of(program, "task_body"), EVERY);
    assert_int_equal(atomic_load(&statistics.roots), 3);
    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 1);
}

/* handlers[i](...) reaches the functions stored into that global; fp(...)
 * what the function assigns to fp: a function, a global table's functions,
 * a field's (not through another local). The notes name the pointer. A
 * call through a parameter reaches nothing and is counted. */
static void test_calls_through_globals_and_locals(void **state)
{
    (void)state;
    ll_unit *units[1] = {new_unit("/g/a.c")};
    ll_unit *unit = units[0];
    uint32_t start = define(unit, "start", 1);
    pass_function(unit, start, call(unit, start, "nest_run", 2), "dispatch");
    uint32_t dispatch = define(unit, "dispatch", 10);
    ll_function *function = &unit->functions[dispatch];
    ll_index parameter = ll_function_add_variable(function, "callback", LL_VARIABLE_PARAMETER);
    ll_index fp = ll_function_add_variable(function, "fp", LL_VARIABLE_LOCAL);
    ll_index copy = ll_function_add_variable(function, "copy", LL_VARIABLE_LOCAL);
    call_global(unit, dispatch, "handlers", 11);
    assign_function(unit, dispatch, fp, "picked");
    assign_field(unit, dispatch, fp, "hooks", NULL, NULL);
    assign_field(unit, dispatch, fp, NULL, "struct plugin", "init");
    call_variable(unit, dispatch, fp, 15);
    ll_operation *operation =
        ll_block_add_operation(&unit->functions[dispatch].blocks[0], LL_OPERATION_ASSIGN);
    operation->target = copy;
    operation->value.kind = LL_VALUE_VARIABLE;
    operation->value.variable = fp;
    call_variable(unit, dispatch, copy, 17);
    call_variable(unit, dispatch, parameter, 18);
    store(unit, NULL, NULL, "handlers", "on_get", 30);
    store(unit, NULL, NULL, "handlers", "on_put", 31);
    store(unit, NULL, NULL, "hooks", "on_hook", 32);
    store(unit, "struct plugin", "init", NULL, "plugin_init", 33);
    const char *names[] = {"on_get", "on_put", "on_hook", "plugin_init", "picked"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        define(unit, names[i], 40 + (uint32_t)i);

    ll_packs *packs = load_packs();
    ll_statistics statistics;
    ll_program *program = link_units(units, 1, packs, &statistics);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_int_equal(context_of(program, names[i]), EVERY);
    /* copy (a local copied from a local) and the parameter */
    assert_int_equal(atomic_load(&statistics.indirect_unresolved), 2);
    char *notes = notes_of(program, "on_put");
    assert_string_equal(notes, "/g/a.c:2: 'dispatch' runs on the loop: passed to 'nest_run' here\n"
                               "/g/a.c:11: 'dispatch' calls 'on_put' through 'handlers' here\n");
    free(notes);
    notes = notes_of(program, "plugin_init");
    assert_string_equal(notes, "/g/a.c:2: 'dispatch' runs on the loop: passed to 'nest_run' here\n"
                               "/g/a.c:15: 'dispatch' calls 'plugin_init' through 'fp' here\n");
    free(notes);
    ll_program_free(program);
    ll_packs_free(packs);
    free_units(units, 1);
}

/* 1000 units of 100 functions, each making 10 calls into other units,
 * and stored into its unit's vtable: 100k functions, 1M calls and 100k
 * stores link, every call resolves, and the loop context reaches
 * everything from a few annotated roots. */
static void test_scaling(void **state)
{
    (void)state;
    enum { UNITS = 1000, FUNCTIONS = 100, CALLS = 10 };
    ll_unit **units = calloc(UNITS, sizeof *units);
    assert_non_null(units);
    char name[48], usr[64], path[64];
    for (uint32_t u = 0; u < UNITS; u++) {
        snprintf(path, sizeof path, "/big/d%u/u%u.c", u % 10, u);
        units[u] = ll_unit_new(path, "/big", "cc");
        assert_non_null(units[u]);
        for (uint32_t f = 0; f < FUNCTIONS; f++) {
            snprintf(name, sizeof name, "f%u_%u", u, f);
            snprintf(usr, sizeof usr, "c:@F@%s", name);
            ll_function *function = ll_unit_add_function(units[u], name, usr);
            assert_non_null(function);
            function->is_definition = true;
            function->annotations = u % 100 == 0 && f == 0 ? LL_ANNOTATION_LOOP : 0;
            for (uint32_t c = 0; c < CALLS; c++) {
                /* a spread of targets: next functions of this unit and
                   others far away, so the graph is connected */
                uint32_t target_unit = (u * 31 + c * 97 + f) % UNITS;
                uint32_t target = (f + c + 1) % FUNCTIONS;
                snprintf(name, sizeof name, "f%u_%u", target_unit, target);
                snprintf(usr, sizeof usr, "c:@F@%s", name);
                ll_index index = ll_function_add_call(function, name);
                assert_int_not_equal(index, LL_NONE);
                function->calls[index].callee_usr = strdup(usr);
            }
            /* Every function is stored into its unit's vtable, and the
               first calls through the next unit's: 100k stores, 1000
               calls of 100 targets each. */
            char record[32];
            snprintf(record, sizeof record, "struct stage_%u", u);
            snprintf(name, sizeof name, "f%u_%u", u, f);
            snprintf(usr, sizeof usr, "c:@F@%s", name);
            ll_function_store stored = {record, "run", NULL, NULL, name, usr, {LL_NONE, 0, 0}};
            assert_non_null(ll_unit_add_store(units[u], &stored));
            if (f == 0) {
                ll_index index = ll_function_add_call(function, "run");
                assert_int_not_equal(index, LL_NONE);
                function->calls[index].callee_kind = LL_CALLEE_FIELD;
                snprintf(record, sizeof record, "struct stage_%u", (u + 1) % UNITS);
                function->calls[index].callee_type = strdup(record);
            }
        }
    }
    struct timespec begin, end;
    clock_gettime(CLOCK_MONOTONIC, &begin);
    ll_statistics statistics;
    ll_program *program = link_units(units, UNITS, NULL, &statistics);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - begin.tv_sec) + (end.tv_nsec - begin.tv_nsec) / 1e9;
    print_message("link of %u functions, %u calls and %u stores: %.3f s\n", UNITS * FUNCTIONS,
                  UNITS * FUNCTIONS * CALLS + UNITS, UNITS * FUNCTIONS, seconds);
    assert_int_equal(atomic_load(&statistics.functions), UNITS * FUNCTIONS);
    assert_int_equal(atomic_load(&statistics.calls), UNITS * FUNCTIONS * CALLS + UNITS);
    assert_int_equal(atomic_load(&statistics.indirect_unresolved), 0);
    assert_int_equal(atomic_load(&statistics.ambiguous_calls), 0);
    assert_int_equal(atomic_load(&statistics.roots), UNITS / 100);
    uint32_t in_loop = 0;
    for (uint32_t id = 0; id < ll_program_function_count(program); id++) {
        in_loop += (ll_program_context(program, id) & LL_CONTEXT_LOOP) != 0;
        assert_int_not_equal(ll_program_callee(program, id, 0), LL_NONE);
    }
    print_message("%u functions in loop context\n", in_loop);
    assert_true(in_loop > UNITS * FUNCTIONS / 2);
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        ll_findings_add(&findings, "r", LL_SEVERITY_ERROR, "/big/x.c", 1, 1, "", "", "m");
    uint32_t last = ll_program_function_count(program) - 1;
    if (ll_program_context(program, last) & LL_CONTEXT_LOOP)
        assert_int_equal(ll_program_chain_notes(program, last, LL_CONTEXT_LOOP, finding), 0);
    ll_findings_free(&findings);
    ll_program_free(program);
    free_units(units, UNITS);
    free(units);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_program),
        cmocka_unit_test(test_call_graph_across_units),
        cmocka_unit_test(test_resolution),
        cmocka_unit_test(test_top_folder_is_a_path_component),
        cmocka_unit_test(test_roots_through_arguments_and_locals),
        cmocka_unit_test(test_propagation_stops),
        cmocka_unit_test(test_loop_annotation_and_callbacks),
        cmocka_unit_test(test_pack_described_functions_are_leaves),
        cmocka_unit_test(test_contexts),
        cmocka_unit_test(test_chain_notes_deterministic),
        cmocka_unit_test(test_calls_through_fields),
        cmocka_unit_test(test_roots_from_tables),
        cmocka_unit_test(test_roots_from_fields),
        cmocka_unit_test(test_calls_through_globals_and_locals),
        cmocka_unit_test(test_scaling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
