/*
 * test_store.c - the SQLite store (store/): creating and recognising a
 * database, refusing (and not touching) foreign, text, corrupt, newer and
 * unwritable files, the migration machinery, the facts BLOB round trip and
 * its validation, runs and findings, a killed run, and two connections.
 *
 * Every test works in its own mkdtemp directory under /tmp, removed at
 * the end. "Not touched" is checked twice: the file's bytes are the same,
 * and no other file (journal, WAL) appeared beside it. Tests that need
 * permissions to matter drop to user nobody in a child when run as root.
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
#include "store/codec.h"
#include "store/schema.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#define FACTS_BUILDER_UNITS_ONLY
#include "facts_builder.h"

/* ---- Fixture: a temporary directory ------------------------------------------------------- */

typedef struct fixture {
    char directory[64];
    char path[128]; /* directory/looplint.db */
} fixture;

static int setup(void **state)
{
    fixture *fix = calloc(1, sizeof *fix);
    if (!fix)
        return -1;
    strcpy(fix->directory, "/tmp/looplint-store-XXXXXX");
    if (!mkdtemp(fix->directory)) {
        free(fix);
        return -1;
    }
    snprintf(fix->path, sizeof fix->path, "%s/looplint.db", fix->directory);
    *state = fix;
    return 0;
}

static int teardown(void **state)
{
    fixture *fix = *state;
    int result = remove_tree(fix->directory);
    free(fix);
    return result;
}

static char *path_in(const fixture *fix, const char *name)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", fix->directory, name) > 0);
    return path;
}

/* ---- File helpers ---------------------------------------------------------------------------- */

static unsigned char *read_bytes(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long length = ftell(file);
    assert_true(length >= 0);
    rewind(file);
    unsigned char *bytes = malloc((size_t)length + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)length, file), (size_t)length);
    fclose(file);
    *size = (size_t)length;
    return bytes;
}

static void write_bytes(const char *path, const void *bytes, size_t size)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, size, file), size);
    assert_int_equal(fclose(file), 0);
}

static size_t entries_in(const char *directory)
{
    DIR *dir = opendir(directory);
    assert_non_null(dir);
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)))
        count += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    closedir(dir);
    return count;
}

/* Opening `path` fails with a message holding `expected` and the path, and
 * leaves the file's bytes and its directory's entries as they were. */
static void assert_refused_untouched(const fixture *fix, const char *path, const char *expected)
{
    size_t size_before, size_after;
    unsigned char *before = read_bytes(path, &size_before);
    size_t entries = entries_in(fix->directory);
    ll_error error = {{0}};
    ll_store *store = ll_store_open(path, &error);
    assert_null(store);
    assert_non_null(strstr(error.message, expected));
    assert_non_null(strstr(error.message, path));
    unsigned char *after = read_bytes(path, &size_after);
    assert_int_equal(size_after, size_before);
    assert_memory_equal(after, before, size_before);
    assert_int_equal(entries_in(fix->directory), entries);
    free(before);
    free(after);
}

/* ---- Direct SQLite access -------------------------------------------------------------------- */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    int code = sqlite3_exec(db, sql, NULL, NULL, &message);
    if (code != SQLITE_OK)
        fail_msg("%s: %s", sql, message ? message : "?");
}

static sqlite3_int64 raw_integer(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &statement, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    sqlite3_int64 value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
}

static sqlite3_int64 query_integer(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    sqlite3_int64 value = raw_integer(db, sql);
    sqlite3_close(db);
    return value;
}

/* ---- A unit with every kind of fact ---------------------------------------------------------- */

static ll_location at(ll_index file, uint32_t line, uint32_t column)
{
    ll_location location = {file, line, column};
    return location;
}

static void add_arguments(ll_call *call, ll_index pointer, ll_index local)
{
    static const enum ll_value_kind kinds[] = {
        LL_VALUE_OTHER,   LL_VALUE_CONSTANT, LL_VALUE_NULL,   LL_VALUE_VARIABLE,
        LL_VALUE_ADDRESS, LL_VALUE_FUNCTION, LL_VALUE_GLOBAL, LL_VALUE_STRING,
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        ll_value *value = ll_call_add_argument(call);
        assert_non_null(value);
        value->kind = kinds[i];
        switch (kinds[i]) {
        case LL_VALUE_CONSTANT:
            value->constant = -42;
            break;
        case LL_VALUE_VARIABLE:
            value->variable = pointer;
            break;
        case LL_VALUE_ADDRESS:
            value->variable = local;
            break;
        case LL_VALUE_FUNCTION:
            value->name = strdup("on_accept");
            value->usr = strdup("c:server.c@F@on_accept");
            break;
        case LL_VALUE_GLOBAL:
            value->name = strdup("connections");
            value->usr = strdup("c:server.c@connections");
            value->record_type = strdup("struct connection");
            value->field = strdup("on_close");
            break;
        case LL_VALUE_OTHER:
            value->record_type = strdup("struct conn_ops");
            value->field = strdup("on_read");
            break;
        default:
            break;
        }
    }
}

static void add_calls(ll_function *function, ll_index conn, ll_index fd, ll_index buffer)
{
    ll_index direct = ll_function_add_call(function, "nest_tcp_connect");
    ll_call *call = &function->calls[direct];
    call->callee_usr = strdup("c:@F@nest_tcp_connect");
    call->location = at(2, 40, 17);
    call->result_use = LL_RESULT_USED;
    call->text = strdup("nest_tcp_connect ( host , port )");
    call->block = 0;
    add_arguments(call, conn, buffer);

    ll_index added = ll_function_add_call(function, "on_read");
    call = &function->calls[added]; /* after the call: it may move the array */
    call->callee_kind = LL_CALLEE_FIELD;
    call->callee_type = strdup("struct conn_ops");
    call->location = at(0, 41, 9);
    call->result_use = LL_RESULT_VOID_CAST;
    call->block = 1;

    added = ll_function_add_call(function, "callback");
    call = &function->calls[added];
    call->callee_kind = LL_CALLEE_VARIABLE;
    call->callee_variable = fd;
    call->location = at(0, 42, 5);

    added = ll_function_add_call(function, NULL);
    call = &function->calls[added];
    call->callee_kind = LL_CALLEE_OTHER;

    /* The fifth call grows the array: take its index first. */
    ll_index global = ll_function_add_call(function, "handlers");
    call = &function->calls[global];
    call->callee_kind = LL_CALLEE_GLOBAL;
    call->callee_usr = strdup("c:server.c@handlers");
    call->location = at(0, 45, 9);
}

static void add_blocks(ll_function *function, ll_index fd, ll_index buffer, ll_index temporary)
{
    for (int i = 0; i < 5; i++)
        assert_int_equal(ll_function_add_block(function), (ll_index)i);
    ll_block *block = &function->blocks[0];
    ll_operation *operation = ll_block_add_operation(block, LL_OPERATION_CALL);
    operation->call = 0;
    operation->target = temporary;
    operation->location = at(2, 40, 17);
    operation = ll_block_add_operation(block, LL_OPERATION_ASSIGN);
    operation->target = buffer;
    operation->value.kind = LL_VALUE_VARIABLE;
    operation->value.variable = temporary;
    operation = ll_block_add_operation(block, LL_OPERATION_STORE);
    operation->value.kind = LL_VALUE_GLOBAL;
    operation->value.name = strdup("last_connection");
    operation = ll_block_add_operation(block, LL_OPERATION_USE);
    operation->value.kind = LL_VALUE_CONSTANT;
    operation->value.constant = INT64_MIN;
    block->terminator = LL_TERMINATOR_BRANCH;
    ll_index branch[] = {1, 2};
    assert_int_equal(ll_block_set_successors(block, branch, 2), 0);
    block->test.relation = LL_RELATION_LESS;
    block->test.variable = fd;
    block->test.constant = INT64_MAX;
    block->location = at(0, 43, 9);

    block = &function->blocks[1];
    block->terminator = LL_TERMINATOR_JUMP;
    ll_index jump[] = {3};
    assert_int_equal(ll_block_set_successors(block, jump, 1), 0);
    block = &function->blocks[2];
    block->terminator = LL_TERMINATOR_SWITCH;
    ll_index cases[] = {3, 1, 2};
    assert_int_equal(ll_block_set_successors(block, cases, 3), 0);
    block->test.relation = LL_RELATION_UNKNOWN;
    block = &function->blocks[3];
    block->terminator = LL_TERMINATOR_RETURN;
    block->returned.kind = LL_VALUE_VARIABLE;
    block->returned.variable = buffer;
    block->location = at(0, 50, 5);
    function->blocks[4].terminator = LL_TERMINATOR_NORETURN;
}

static void add_loops(ll_function *function)
{
    ll_loop *loop = ll_function_add_loop(function);
    loop->kind = LL_LOOP_FOR;
    loop->location = at(0, 44, 5);
    loop->header = 1;
    assert_int_equal(ll_loop_add_block(loop, 1), 0);
    assert_int_equal(ll_loop_add_block(loop, 2), 0);
    loop->condition_constant_true = true;
    loop = ll_function_add_loop(function);
    loop->kind = LL_LOOP_DO;
}

static ll_unit *sample_unit(const char *path, uint32_t function_count)
{
    ll_unit *unit = ll_unit_new(path, "/src", "cc -O2 -Iinclude -c server.c");
    assert_non_null(unit);
    assert_int_equal(ll_unit_add_file(unit, path, 0x0123456789abcdefull, false), 0);
    /* The top bit set: the hash must survive SQLite's signed integers. */
    assert_int_equal(ll_unit_add_file(unit, "/usr/include/stdio.h", 0xfedcba9876543210ull, true),
                     1);
    assert_int_equal(ll_unit_add_file(unit, "/src/net.h", 0, false), 2);
    unit->parse_failed = true;

    for (uint32_t i = 0; i < function_count; i++) {
        char name[32], usr[48];
        snprintf(name, sizeof name, "serve_%u", (unsigned)i);
        snprintf(usr, sizeof usr, "c:server.c@F@serve_%u", (unsigned)i);
        ll_function *function = ll_unit_add_function(unit, name, usr);
        assert_non_null(function);
        function->location = at(0, 10 + i, 5);
        function->is_definition = true;
        function->is_static = i % 2 == 0;
        function->annotations = LL_ANNOTATION_LOOP | LL_ANNOTATION_BLOCKING;
        function->takes_mask = 0x5;
        function->parameter_count = 2;
        ll_index conn = ll_function_add_variable(function, "conn", LL_VARIABLE_PARAMETER);
        ll_index fd = ll_function_add_variable(function, "fd", LL_VARIABLE_PARAMETER);
        ll_index buffer = ll_function_add_variable(function, "buffer", LL_VARIABLE_LOCAL);
        ll_index temporary = ll_function_add_variable(function, "", LL_VARIABLE_TEMPORARY);
        function->variables[conn].parameter = 1;
        function->variables[conn].is_pointer = true;
        function->variables[conn].location = at(0, 10, 20);
        function->variables[fd].parameter = 2;
        function->variables[fd].is_const = true;
        add_calls(function, conn, fd, buffer);
        add_blocks(function, fd, buffer, temporary);
        add_loops(function);
    }
    ll_function *declaration = ll_unit_add_function(unit, "blocking_helper", NULL);
    declaration->location = at(2, 3, 6);
    declaration->annotations = LL_ANNOTATION_THREAD;

    ll_unit_add_diagnostic(unit, at(0, 3, 1), true, "unknown type name 'sizet'");
    ll_unit_add_diagnostic(unit, at(LL_NONE, 0, 0), false, "a warning with no place");

    /* Into a field of a table, a field alone, a table alone. */
    const ll_function_store stores[] = {
        {"struct conn_ops", "on_read", "tcp_ops", "c:server.c@tcp_ops", "tcp_read",
         "c:server.c@F@tcp_read", at(0, 5, 30)},
        {"struct conn_ops", "on_read", NULL, NULL, "tls_read", "c:@F@tls_read", at(2, 9, 17)},
        {NULL, NULL, "handlers", "c:server.c@handlers", "on_accept", "c:server.c@F@on_accept",
         at(LL_NONE, 0, 0)},
    };
    for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++)
        assert_non_null(ll_unit_add_store(unit, &stores[i]));
    return unit;
}

/* ---- Deep comparison ------------------------------------------------------------------------- */

static void assert_same_string(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_same_location(ll_location a, ll_location b)
{
    assert_int_equal(a.file, b.file);
    assert_int_equal(a.line, b.line);
    assert_int_equal(a.column, b.column);
}

static void assert_same_value(const ll_value *a, const ll_value *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->variable, b->variable);
    assert_true(a->constant == b->constant);
    assert_same_string(a->name, b->name);
    assert_same_string(a->usr, b->usr);
    assert_same_string(a->record_type, b->record_type);
    assert_same_string(a->field, b->field);
}

static void assert_same_call(const ll_call *a, const ll_call *b)
{
    assert_int_equal(a->callee_kind, b->callee_kind);
    assert_same_string(a->callee_name, b->callee_name);
    assert_same_string(a->callee_usr, b->callee_usr);
    assert_same_string(a->callee_type, b->callee_type);
    assert_int_equal(a->callee_variable, b->callee_variable);
    assert_same_location(a->location, b->location);
    assert_int_equal(a->argument_count, b->argument_count);
    for (uint32_t i = 0; i < a->argument_count; i++)
        assert_same_value(&a->arguments[i], &b->arguments[i]);
    assert_int_equal(a->result_use, b->result_use);
    assert_same_string(a->text, b->text);
    assert_int_equal(a->block, b->block);
}

static void assert_same_block(const ll_block *a, const ll_block *b)
{
    assert_int_equal(a->operation_count, b->operation_count);
    for (uint32_t i = 0; i < a->operation_count; i++) {
        const ll_operation *x = &a->operations[i], *y = &b->operations[i];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->call, y->call);
        assert_int_equal(x->target, y->target);
        assert_same_value(&x->value, &y->value);
        assert_same_location(x->location, y->location);
    }
    assert_int_equal(a->terminator, b->terminator);
    assert_int_equal(a->successor_count, b->successor_count);
    for (uint32_t i = 0; i < a->successor_count; i++)
        assert_int_equal(a->successors[i], b->successors[i]);
    assert_int_equal(a->test.relation, b->test.relation);
    assert_int_equal(a->test.variable, b->test.variable);
    assert_true(a->test.constant == b->test.constant);
    assert_same_value(&a->returned, &b->returned);
    assert_same_location(a->location, b->location);
}

static void assert_same_function(const ll_function *a, const ll_function *b)
{
    assert_same_string(a->name, b->name);
    assert_same_string(a->usr, b->usr);
    assert_same_location(a->location, b->location);
    assert_int_equal(a->is_definition, b->is_definition);
    assert_int_equal(a->is_static, b->is_static);
    assert_int_equal(a->annotations, b->annotations);
    assert_int_equal(a->takes_mask, b->takes_mask);
    assert_int_equal(a->parameter_count, b->parameter_count);
    assert_int_equal(a->variable_count, b->variable_count);
    for (uint32_t i = 0; i < a->variable_count; i++) {
        const ll_variable *x = &a->variables[i], *y = &b->variables[i];
        assert_same_string(x->name, y->name);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->parameter, y->parameter);
        assert_int_equal(x->is_pointer, y->is_pointer);
        assert_int_equal(x->is_const, y->is_const);
        assert_same_location(x->location, y->location);
    }
    assert_int_equal(a->call_count, b->call_count);
    for (uint32_t i = 0; i < a->call_count; i++)
        assert_same_call(&a->calls[i], &b->calls[i]);
    assert_int_equal(a->block_count, b->block_count);
    for (uint32_t i = 0; i < a->block_count; i++)
        assert_same_block(&a->blocks[i], &b->blocks[i]);
    assert_int_equal(a->loop_count, b->loop_count);
    for (uint32_t i = 0; i < a->loop_count; i++) {
        const ll_loop *x = &a->loops[i], *y = &b->loops[i];
        assert_int_equal(x->kind, y->kind);
        assert_same_location(x->location, y->location);
        assert_int_equal(x->header, y->header);
        assert_int_equal(x->body_block_count, y->body_block_count);
        for (uint32_t j = 0; j < x->body_block_count; j++)
            assert_int_equal(x->body_blocks[j], y->body_blocks[j]);
        assert_int_equal(x->condition_constant_true, y->condition_constant_true);
    }
}

static void assert_same_unit(const ll_unit *a, const ll_unit *b)
{
    assert_same_string(a->path, b->path);
    assert_same_string(a->directory, b->directory);
    assert_same_string(a->arguments, b->arguments);
    assert_int_equal(a->parse_failed, b->parse_failed);
    assert_int_equal(a->file_count, b->file_count);
    for (uint32_t i = 0; i < a->file_count; i++) {
        assert_same_string(a->files[i].path, b->files[i].path);
        assert_true(a->files[i].hash == b->files[i].hash);
        assert_int_equal(a->files[i].is_system, b->files[i].is_system);
    }
    assert_int_equal(a->function_count, b->function_count);
    for (uint32_t i = 0; i < a->function_count; i++)
        assert_same_function(&a->functions[i], &b->functions[i]);
    assert_int_equal(a->diagnostic_count, b->diagnostic_count);
    for (uint32_t i = 0; i < a->diagnostic_count; i++) {
        assert_same_location(a->diagnostics[i].location, b->diagnostics[i].location);
        assert_int_equal(a->diagnostics[i].is_error, b->diagnostics[i].is_error);
        assert_same_string(a->diagnostics[i].message, b->diagnostics[i].message);
    }
    assert_int_equal(a->store_count, b->store_count);
    for (uint32_t i = 0; i < a->store_count; i++) {
        const ll_function_store *x = &a->stores[i], *y = &b->stores[i];
        assert_same_string(x->record_type, y->record_type);
        assert_same_string(x->field, y->field);
        assert_same_string(x->global, y->global);
        assert_same_string(x->global_usr, y->global_usr);
        assert_same_string(x->function_name, y->function_name);
        assert_same_string(x->function_usr, y->function_usr);
        assert_same_location(x->location, y->location);
    }
}

/* ---- Opening --------------------------------------------------------------------------------- */

static ll_store *open_store(const char *path)
{
    ll_error error = {{0}};
    ll_store *store = ll_store_open(path, &error);
    if (!store)
        fail_msg("%s", error.message);
    return store;
}

static void test_create_and_reopen(void **state)
{
    fixture *fix = *state;
    char *path = path_in(fix, "nested/deeper/looplint.db");
    ll_store *store = open_store(path);
    ll_unit *unit = sample_unit("/src/server.c", 1);
    ll_error error = {{0}};
    assert_int_equal(ll_store_unit_save(store, unit, "key", &error), 0);
    ll_store_close(store);

    sqlite3 *db = raw_open(path);
    assert_int_equal(raw_integer(db, "PRAGMA application_id"), 0x4C4F4F50);
    assert_int_equal(raw_integer(db, "PRAGMA user_version"), ll_store_schema_version());
    static const char *const tables[] = {"runs",      "tus",      "tu_files", "functions", "calls",
                                         "summaries", "findings", "notes",    "baselines"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                 tables[i]);
        assert_int_equal(raw_integer(db, sql), 1);
    }
    static const char *const indices[] = {"functions_tu", "functions_usr", "findings_run",
                                          "runs_status"};
    for (size_t i = 0; i < sizeof indices / sizeof indices[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '%s'",
                 indices[i]);
        assert_int_equal(raw_integer(db, sql), 1);
    }
    sqlite3_close(db);

    /* Reopening keeps what was stored and changes no identity. */
    store = open_store(path);
    ll_unit *loaded = NULL;
    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key", &loaded, &error), 1);
    assert_same_unit(unit, loaded);
    ll_unit_free(loaded);
    ll_store_close(store);
    assert_int_equal(query_integer(path, "PRAGMA user_version"), ll_store_schema_version());
    ll_unit_free(unit);
    free(path);
}

static void test_wal_and_settings(void **state)
{
    fixture *fix = *state;
    ll_store *store = open_store(fix->path);
    sqlite3 *db = raw_open(fix->path);
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(statement, 0), "wal");
    sqlite3_finalize(statement);
    sqlite3_close(db);
    ll_store_close(store);
}

static void test_empty_file_and_empty_database_adopted(void **state)
{
    fixture *fix = *state;
    write_bytes(fix->path, "", 0);
    ll_store_close(open_store(fix->path));
    assert_int_equal(query_integer(fix->path, "PRAGMA application_id"), 0x4C4F4F50);

    /* A SQLite file with nothing in it holds nothing to lose. */
    char *other = path_in(fix, "empty.db");
    sqlite3 *db = raw_open(other);
    raw_exec(db, "CREATE TABLE t (x); DROP TABLE t;");
    sqlite3_close(db);
    ll_store_close(open_store(other));
    assert_int_equal(query_integer(other, "PRAGMA user_version"), ll_store_schema_version());
    free(other);
}

static void test_newer_schema_refused(void **state)
{
    fixture *fix = *state;
    ll_store_close(open_store(fix->path));
    sqlite3 *db = raw_open(fix->path);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", ll_store_schema_version() + 1);
    raw_exec(db, sql);
    raw_exec(db, "PRAGMA journal_mode = DELETE");
    sqlite3_close(db);
    char expected[64];
    snprintf(expected, sizeof expected, "written by a newer looplint (schema %d",
             ll_store_schema_version() + 1);
    assert_refused_untouched(fix, fix->path, expected);
}

/* A further migration step, as a later version of looplint would add. */
static void test_migration_steps(void **state)
{
    fixture *fix = *state;
    enum { NOW = LL_SCHEMA_VERSION, NEXT = LL_SCHEMA_VERSION + 1 };
    ll_store *store = open_store(fix->path);
    ll_run_info info = {"0.1", "/src", "looplint check", NULL};
    int64_t run_id = 0;
    ll_error error = {{0}};
    assert_int_equal(ll_store_run_begin(store, &info, &run_id, &error), 0);
    ll_store_close(store);

    const char *failing[NEXT];
    const char *steps[NEXT];
    for (int i = 0; i < NOW; i++)
        failing[i] = steps[i] = ll_schema_steps[i];
    failing[NOW] = "CREATE TABLE extra (x);"
                   "ALTER TABLE nowhere ADD COLUMN y";
    steps[NOW] = "ALTER TABLE runs ADD COLUMN host TEXT;"
                 "CREATE TABLE extra (x);";

    /* A failing step leaves the database at the version it had. */
    char expected[64];
    snprintf(expected, sizeof expected, "cannot migrate from schema %d to %d", NOW, NEXT);
    sqlite3 *db = raw_open(fix->path);
    assert_int_equal(ll_schema_upgrade(db, fix->path, failing, NEXT, &error), -1);
    assert_non_null(strstr(error.message, expected));
    assert_int_equal(raw_integer(db, "PRAGMA user_version"), NOW);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM sqlite_master WHERE name = 'extra'"), 0);

    assert_int_equal(ll_schema_upgrade(db, fix->path, steps, NEXT, &error), 0);
    assert_int_equal(raw_integer(db, "PRAGMA user_version"), NEXT);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM runs WHERE host IS NULL"), 1);
    assert_int_equal(raw_integer(db, "PRAGMA application_id"), 0x4C4F4F50);
    /* At its version already: nothing to do. */
    assert_int_equal(ll_schema_upgrade(db, fix->path, steps, NEXT, &error), 0);
    /* This build knows up to NOW only. */
    assert_int_equal(ll_schema_upgrade(db, fix->path, steps, NOW, &error), -1);
    assert_non_null(strstr(error.message, "newer looplint"));
    raw_exec(db, "PRAGMA journal_mode = DELETE");
    sqlite3_close(db);
    snprintf(expected, sizeof expected, "written by a newer looplint (schema %d", NEXT);
    assert_refused_untouched(fix, fix->path, expected);

    /* A new database is migrated from version 0 by the same steps. */
    char *fresh = path_in(fix, "fresh.db");
    db = raw_open(fresh);
    assert_int_equal(ll_schema_upgrade(db, fresh, steps, NEXT, &error), 0);
    assert_int_equal(raw_integer(db, "PRAGMA user_version"), NEXT);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM sqlite_master WHERE name = 'extra'"), 1);
    sqlite3_close(db);
    free(fresh);
}

/* A database written by a version-1 looplint (only the first step run)
 * opens as version 2 and keeps its runs, findings, facts and baselines;
 * its runs count as runs over the whole program. */
static void test_version_1_is_migrated(void **state)
{
    fixture *fix = *state;
    ll_error error = {{0}};
    sqlite3 *db = raw_open(fix->path);
    assert_int_equal(ll_schema_upgrade(db, fix->path, ll_schema_steps, 1, &error), 0);
    raw_exec(db, "INSERT INTO runs (id, started, finished, status, pid, version, root, argv, stats)"
                 " VALUES (7, '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'complete', 1,"
                 " '0.1.0', '/src', 'looplint check', '{}');"
                 "INSERT INTO findings (run, rule, severity, file, line, col, function, message,"
                 " text, fingerprint, suppressed, reason) VALUES (7, 'blocking-call', 'error',"
                 " '/src/a.c', 3, 5, 'task', 'sleep blocks', 'sleep(1)', 'abc', 0, NULL);"
                 "INSERT INTO notes (finding, seq, file, line, col, message)"
                 " VALUES (1, 0, '/src/a.c', 1, 1, 'the loop runs task');"
                 "INSERT INTO tus (id, path, cache_key, analysed_at, facts)"
                 " VALUES (1, '/src/a.c', 'key-a', '2026-01-01T00:00:00Z', x'00');"
                 "INSERT INTO tu_files (tu, seq, path, hash, is_system)"
                 " VALUES (1, 0, '/src/a.c', 42, 0);"
                 "INSERT INTO baselines (name, fingerprint) VALUES ('main', 'abc');"
                 "PRAGMA journal_mode = DELETE;");
    assert_int_equal(raw_integer(db, "PRAGMA user_version"), 1);
    sqlite3_close(db);

    ll_store *store = open_store(fix->path);
    assert_int_equal(query_integer(fix->path, "PRAGMA user_version"), 2);
    ll_findings loaded;
    ll_findings_init(&loaded);
    assert_int_equal(ll_store_findings_load(store, 0, &loaded, &error), 0);
    assert_int_equal(loaded.count, 1);
    assert_string_equal(loaded.items[0].rule, "blocking-call");
    assert_string_equal(loaded.items[0].message, "sleep blocks");
    assert_string_equal(loaded.items[0].fingerprint, "abc");
    assert_int_equal(loaded.items[0].note_count, 1);
    assert_string_equal(loaded.items[0].notes[0].message, "the loop runs task");
    ll_findings_free(&loaded);
    char *scope = NULL;
    assert_int_equal(ll_store_run_scope(store, 7, &scope, &error), 0);
    assert_null(scope);
    ll_unit *files = NULL;
    char *key = NULL;
    assert_int_equal(ll_store_unit_files(store, "/src/a.c", &files, &key, &error), 1);
    assert_string_equal(key, "key-a");
    assert_int_equal(files->file_count, 1);
    assert_true(files->files[0].hash == 42);
    free(key);
    ll_unit_free(files);
    char **fingerprints = NULL;
    size_t count = 0;
    assert_int_equal(ll_store_baseline_load(store, "main", &fingerprints, &count, &error), 1);
    assert_int_equal(count, 1);
    assert_string_equal(fingerprints[0], "abc");
    ll_fingerprints_free(fingerprints);
    /* A migrated run takes a program key like a new one; none matches yet. */
    int64_t found = 0;
    assert_int_equal(ll_store_run_find_program(store, "p", &found, &error), 0);
    ll_store_close(store);
}

static void test_foreign_database_refused(void **state)
{
    fixture *fix = *state;
    sqlite3 *db = raw_open(fix->path);
    raw_exec(db, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT);"
                 "INSERT INTO accounts (owner) VALUES ('alice'), ('bob');");
    sqlite3_close(db);
    assert_refused_untouched(fix, fix->path,
                             "not a looplint database (application_id 0x00000000); "
                             "refusing to touch it");

    char *other = path_in(fix, "other.db");
    db = raw_open(other);
    raw_exec(db, "PRAGMA application_id = 305419896; CREATE TABLE t (x);");
    sqlite3_close(db);
    assert_refused_untouched(fix, other, "not a looplint database (application_id 0x12345678)");
    free(other);
}

static void test_text_file_refused(void **state)
{
    fixture *fix = *state;
    char text[4096];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = "notes about the build\n"[i % 22];
    write_bytes(fix->path, text, sizeof text);
    assert_refused_untouched(fix, fix->path, "not a SQLite database");

    char *short_file = path_in(fix, "short.db");
    write_bytes(short_file, "SQLite format 3", 16);
    assert_refused_untouched(fix, short_file, "not a SQLite database");
    free(short_file);
}

/* A pseudo-random byte stream that is the same on every run. */
static unsigned char noise(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (unsigned char)(*seed >> 16);
}

static void test_corrupt_file_refused(void **state)
{
    fixture *fix = *state;
    ll_store *store = open_store(fix->path);
    ll_unit *unit = sample_unit("/src/server.c", 40);
    ll_error error = {{0}};
    assert_int_equal(ll_store_unit_save(store, unit, "key", &error), 0);
    ll_unit_free(unit);
    ll_store_close(store);

    size_t size;
    unsigned char *bytes = read_bytes(fix->path, &size);
    assert_true(size > 4096 * 3);
    uint32_t seed = 7;

    /* A valid header, garbage after it. */
    unsigned char *garbage = malloc(size);
    memcpy(garbage, bytes, 100);
    for (size_t i = 100; i < size; i++)
        garbage[i] = noise(&seed);
    char *whole = path_in(fix, "garbage.db");
    write_bytes(whole, garbage, size);
    assert_refused_untouched(fix, whole, "corrupt");

    /* Page 1 intact, a later page overwritten: quick_check finds it. */
    memcpy(garbage, bytes, size);
    for (size_t i = 2 * 4096; i < 3 * 4096; i++)
        garbage[i] = noise(&seed);
    char *page = path_in(fix, "page.db");
    write_bytes(page, garbage, size);
    assert_refused_untouched(fix, page, "corrupt database");

    free(whole);
    free(page);
    free(garbage);
    free(bytes);
}

/* A database too large for quick_check at open, with damage the first
 * read meets: the store reports it and then refuses to write. */
static void test_damage_found_later_stops_writes(void **state)
{
    fixture *fix = *state;
    ll_store *store = open_store(fix->path);
    ll_unit *unit = sample_unit("/src/server.c", 1);
    size_t large = (size_t)17 << 20;
    free(unit->arguments);
    unit->arguments = malloc(large + 1);
    memset(unit->arguments, 'x', large);
    unit->arguments[large] = '\0';
    ll_error error = {{0}};
    assert_int_equal(ll_store_unit_save(store, unit, "key", &error), 0);
    ll_store_close(store);
    ll_unit_free(unit);

    sqlite3_int64 page_size = query_integer(fix->path, "PRAGMA page_size");
    sqlite3_int64 root = query_integer(fix->path, "SELECT rootpage FROM sqlite_master"
                                                  " WHERE type = 'table' AND name = 'tus'");
    size_t size;
    unsigned char *bytes = read_bytes(fix->path, &size);
    uint32_t seed = 11;
    for (sqlite3_int64 i = (root - 1) * page_size; i < root * page_size; i++)
        bytes[i] = noise(&seed);
    write_bytes(fix->path, bytes, size);

    store = open_store(fix->path);
    ll_unit *loaded = NULL;
    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key", &loaded, &error), -1);
    assert_non_null(strstr(error.message, "malformed"));
    ll_run_info info = {"0.1.0", "/src", "looplint check", NULL};
    int64_t run_id = 0;
    assert_int_equal(ll_store_run_begin(store, &info, &run_id, &error), -1);
    assert_non_null(strstr(error.message, "corrupt; not writing"));
    ll_unit *other = ll_unit_new("/src/other.c", NULL, NULL);
    assert_int_equal(ll_store_unit_save(store, other, "key", &error), -1);
    assert_non_null(strstr(error.message, "corrupt; not writing"));
    ll_unit_free(other);
    ll_store_close(store);

    size_t size_after;
    unsigned char *after = read_bytes(fix->path, &size_after);
    assert_int_equal(size_after, size);
    assert_memory_equal(after, bytes, size);
    free(after);
    free(bytes);
}

static void test_directories_and_bad_paths(void **state)
{
    fixture *fix = *state;
    char *deep = path_in(fix, "a/b/c/looplint.db");
    ll_store_close(open_store(deep));
    struct stat status;
    assert_int_equal(stat(deep, &status), 0);

    /* A path component that is a file. */
    char *blocker = path_in(fix, "file");
    write_bytes(blocker, "x", 1);
    char *under_file = path_in(fix, "file/sub/looplint.db");
    ll_error error = {{0}};
    assert_null(ll_store_open(under_file, &error));
    assert_non_null(strstr(error.message, under_file));
    assert_non_null(strstr(error.message, "cannot create the directory"));

    /* The database path is a directory. */
    char *directory = path_in(fix, "a");
    assert_null(ll_store_open(directory, &error));
    assert_non_null(strstr(error.message, "is a directory"));
    free(deep);
    free(blocker);
    free(under_file);
    free(directory);
}

/* Runs `body` in a child that cannot override file permissions: as is
 * when not root, else as user nobody. Skips when that is impossible. */
static void run_unprivileged(int (*body)(const char *path), const char *path)
{
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
            _exit(77);
        _exit(body(path));
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        skip();
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* 0 when opening `path` fails with an error naming it and `expected`. */
static int expect_open_failure(const char *path, const char *expected)
{
    ll_error error = {{0}};
    ll_store *store = ll_store_open(path, &error);
    if (store) {
        ll_store_close(store);
        return 1;
    }
    if (!strstr(error.message, path) || !strstr(error.message, expected)) {
        fprintf(stderr, "unexpected error: %s\n", error.message);
        return 2;
    }
    return 0;
}

static int open_in_read_only_directory(const char *path)
{
    return expect_open_failure(path, "is read-only");
}

static int open_read_only_file(const char *path)
{
    return expect_open_failure(path, "read-only");
}

static void test_read_only_locations(void **state)
{
    fixture *fix = *state;
    assert_int_equal(chmod(fix->directory, 0755), 0);
    char *locked = path_in(fix, "locked");
    assert_int_equal(mkdir(locked, 0555), 0);
    char *in_locked = path_in(fix, "locked/looplint.db");
    run_unprivileged(open_in_read_only_directory, in_locked);

    char *open_directory = path_in(fix, "open");
    assert_int_equal(mkdir(open_directory, 0777), 0);
    assert_int_equal(chmod(open_directory, 0777), 0);
    char *read_only = path_in(fix, "open/looplint.db");
    ll_store *store = open_store(read_only);
    ll_store_close(store);
    assert_int_equal(chmod(read_only, 0444), 0);
    size_t size_before, size_after;
    unsigned char *before = read_bytes(read_only, &size_before);
    run_unprivileged(open_read_only_file, read_only);
    unsigned char *after = read_bytes(read_only, &size_after);
    assert_int_equal(size_before, size_after);
    assert_memory_equal(before, after, size_before);
    free(before);
    free(after);
    free(locked);
    free(in_locked);
    free(open_directory);
    free(read_only);
}

/* ---- Facts ----------------------------------------------------------------------------------- */

static void test_facts_round_trip(void **state)
{
    fixture *fix = *state;
    ll_store *store = open_store(fix->path);
    ll_unit *unit = sample_unit("/src/server.c", 3);
    ll_error error = {{0}};
    assert_int_equal(ll_store_unit_save(store, unit, "key-1", &error), 0);

    ll_unit *loaded = NULL;
    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key-1", &loaded, &error), 1);
    assert_same_unit(unit, loaded);
    ll_unit_free(loaded);

    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key-2", &loaded, &error), 0);
    assert_null(loaded);
    assert_int_equal(ll_store_unit_load(store, "/src/other.c", "key-1", &loaded, &error), 0);
    assert_null(loaded);

    ll_unit *files = NULL;
    assert_int_equal(ll_store_unit_files(store, "/src/server.c", &files, NULL, &error), 1);
    assert_string_equal(files->path, "/src/server.c");
    assert_int_equal(files->file_count, unit->file_count);
    for (uint32_t i = 0; i < unit->file_count; i++) {
        assert_string_equal(files->files[i].path, unit->files[i].path);
        assert_true(files->files[i].hash == unit->files[i].hash);
        assert_int_equal(files->files[i].is_system, unit->files[i].is_system);
    }
    assert_int_equal(files->function_count, 0);
    ll_unit_free(files);
    assert_int_equal(ll_store_unit_files(store, "/src/other.c", &files, NULL, &error), 0);
    assert_null(files);

    /* The relational rows, for queries. */
    sqlite3 *db = raw_open(fix->path);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM functions"), 4);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM calls"), 15);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM functions WHERE name = 'serve_1'"
                                     " AND usr = 'c:server.c@F@serve_1' AND file = '/src/server.c'"
                                     " AND line = 11 AND col = 5 AND is_static = 0"
                                     " AND annotations = 3"),
                     1);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM calls WHERE kind = 'direct'"
                                     " AND callee_name = 'nest_tcp_connect'"
                                     " AND callee_usr = 'c:@F@nest_tcp_connect'"
                                     " AND file = '/src/net.h' AND line = 40 AND col = 17"),
                     3);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM calls WHERE file IS NULL"), 3);

    /* Saving again replaces everything the TU had. */
    ll_unit *smaller = sample_unit("/src/server.c", 1);
    assert_int_equal(ll_store_unit_save(store, smaller, "key-3", &error), 0);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM tus"), 1);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM tu_files"), 3);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM functions"), 2);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM calls"), 5);
    sqlite3_close(db);
    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key-1", &loaded, &error), 0);
    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key-3", &loaded, &error), 1);
    assert_same_unit(smaller, loaded);
    ll_unit_free(loaded);

    /* A unit that read no file at all. */
    ll_unit *bare = ll_unit_new("/src/bare.c", NULL, NULL);
    assert_int_equal(ll_store_unit_save(store, bare, "k", &error), 0);
    char *key = NULL;
    assert_int_equal(ll_store_unit_files(store, "/src/bare.c", &files, &key, &error), 1);
    assert_int_equal(files->file_count, 0);
    assert_string_equal(key, "k");
    free(key);
    ll_unit_free(files);
    /* NULL for a key: whatever key the facts are stored under. */
    assert_int_equal(ll_store_unit_load(store, "/src/bare.c", NULL, &loaded, &error), 1);
    assert_same_unit(bare, loaded);
    ll_unit_free(loaded);
    assert_int_equal(ll_store_unit_load(store, "/src/bare.c", "k", &loaded, &error), 1);
    assert_same_unit(bare, loaded);
    ll_unit_free(loaded);

    ll_unit_free(bare);
    ll_unit_free(smaller);
    ll_unit_free(unit);
    ll_store_close(store);
}

/* Rewrites the checksum of an encoded unit after a test changed it. */
static void reseal(unsigned char *data, size_t size)
{
    uint64_t checksum = XXH3_64bits(data, size - 8);
    for (int i = 0; i < 8; i++)
        data[size - 8 + i] = (unsigned char)(checksum >> (8 * i));
}

/* Encodes `unit` with the string *text cleared and checks that decoding
 * refuses it with a message containing `expected`; then restores it. */
static void assert_store_refused(ll_unit *unit, char **text, const char *expected)
{
    char *saved = *text;
    *text = NULL;
    unsigned char *data = NULL;
    size_t size = 0;
    ll_unit *decoded = NULL;
    ll_error error = {{0}};
    assert_int_equal(ll_codec_encode(unit, &data, &size), 0);
    assert_int_equal(ll_codec_decode(data, size, &decoded, &error), -1);
    assert_null(decoded);
    assert_non_null(strstr(error.message, expected));
    free(data);
    *text = saved;
}

static void test_codec_rejects_damage(void **state)
{
    (void)state;
    ll_unit *unit = sample_unit("/src/server.c", 2);
    unsigned char *data = NULL;
    size_t size = 0;
    assert_int_equal(ll_codec_encode(unit, &data, &size), 0);
    ll_unit *decoded = NULL;
    ll_error error = {{0}};
    assert_int_equal(ll_codec_decode(data, size, &decoded, &error), 1);
    assert_same_unit(unit, decoded);
    ll_unit_free(decoded);

    /* Every truncation is refused. */
    for (size_t length = 0; length < size; length++) {
        unsigned char *copy = malloc(length ? length : 1);
        memcpy(copy, data, length);
        assert_int_equal(ll_codec_decode(copy, length, &decoded, &error), -1);
        assert_null(decoded);
        free(copy);
    }

    /* Every byte changed: the checksum refuses it, except in the version
       fields, where it reads as another version's cache. */
    unsigned char *copy = malloc(size);
    for (size_t i = 0; i < size; i++) {
        memcpy(copy, data, size);
        copy[i] ^= 0x20;
        int result = ll_codec_decode(copy, size, &decoded, &error);
        if (i == 4 || i == 5)
            assert_int_equal(result, 0);
        else
            assert_int_equal(result, -1);
        assert_null(decoded);
    }

    /* With the checksum made valid again, structural checks remain: the
       decoder returns -1 or a unit, never reads out of bounds (the
       sanitizer build watches) and never leaks. */
    size_t refused = 0;
    for (size_t i = 6; i < size - 8; i++) {
        for (int flip = 0; flip < 8; flip += 3) {
            memcpy(copy, data, size);
            copy[i] ^= (unsigned char)(1u << flip);
            reseal(copy, size);
            int result = ll_codec_decode(copy, size, &decoded, &error);
            assert_true(result == -1 || result == 1);
            refused += result == -1;
            ll_unit_free(decoded);
        }
    }
    assert_true(refused > 0);
    free(copy);
    free(data);

    /* An index past its array is refused by name. */
    unit->functions[0].calls[0].block = 99;
    assert_int_equal(ll_codec_encode(unit, &data, &size), 0);
    assert_int_equal(ll_codec_decode(data, size, &decoded, &error), -1);
    assert_non_null(strstr(error.message, "index out of range"));
    free(data);
    unit->functions[0].calls[0].block = 0;
    unit->functions[0].blocks[0].test.variable = 4;
    assert_int_equal(ll_codec_encode(unit, &data, &size), 0);
    assert_int_equal(ll_codec_decode(data, size, &decoded, &error), -1);
    free(data);
    unit->functions[0].blocks[0].test.variable = LL_NONE;

    /* A function store must say which function went where. */
    assert_store_refused(unit, &unit->stores[0].function_usr, "without its function");
    assert_store_refused(unit, &unit->stores[0].record_type, "half a place");
    assert_store_refused(unit, &unit->stores[2].global_usr, "half a place");
    ll_function_store *table = &unit->stores[2];
    char *global = table->global;
    table->global = NULL;
    assert_store_refused(unit, &table->global_usr, "into no place");
    table->global = global;
    assert_store_refused(unit, &unit->functions[0].calls[0].arguments[6].field,
                         "struct without its field");
    ll_unit_free(unit);
}

static void test_damaged_blob_in_store(void **state)
{
    fixture *fix = *state;
    ll_store *store = open_store(fix->path);
    ll_unit *unit = sample_unit("/src/server.c", 2);
    ll_error error = {{0}};
    assert_int_equal(ll_store_unit_save(store, unit, "key", &error), 0);
    sqlite3 *db = raw_open(fix->path);
    sqlite3_busy_timeout(db, 5000);

    raw_exec(db, "UPDATE tus SET facts = substr(facts, 1, 30)");
    ll_unit *loaded = NULL;
    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key", &loaded, &error), -1);
    assert_null(loaded);
    assert_non_null(strstr(error.message, "/src/server.c"));
    assert_non_null(strstr(error.message, fix->path));

    raw_exec(db, "UPDATE tus SET facts = zeroblob(0)");
    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key", &loaded, &error), -1);
    raw_exec(db, "UPDATE tus SET facts = randomblob(5000)");
    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key", &loaded, &error), -1);

    /* Facts of another LL_FACTS_VERSION are a miss, not an error. */
    unsigned char *data = NULL;
    size_t size = 0;
    assert_int_equal(ll_codec_encode(unit, &data, &size), 0);
    data[4] = LL_FACTS_VERSION + 1;
    sqlite3_stmt *update = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE tus SET facts = ?1", -1, &update, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_bind_blob(update, 1, data, (int)size, SQLITE_STATIC), SQLITE_OK);
    assert_int_equal(sqlite3_step(update), SQLITE_DONE);
    sqlite3_finalize(update);
    assert_int_equal(ll_store_unit_load(store, "/src/server.c", "key", &loaded, &error), 0);
    assert_null(loaded);

    /* Stored under another file's path. */
    assert_int_equal(ll_store_unit_save(store, unit, "key", &error), 0);
    raw_exec(db, "UPDATE tus SET path = '/src/elsewhere.c'");
    assert_int_equal(ll_store_unit_load(store, "/src/elsewhere.c", "key", &loaded, &error), -1);
    assert_non_null(strstr(error.message, "another file"));

    free(data);
    sqlite3_close(db);
    ll_unit_free(unit);
    ll_store_close(store);
}

/* ---- Runs and findings ----------------------------------------------------------------------- */

static void sample_findings(ll_findings *findings, const char *tag)
{
    ll_findings_init(findings);
    /* Deliberately unsorted: the store keeps the order it was given. */
    ll_finding *finding = ll_findings_add(findings, "blocking-call", LL_SEVERITY_ERROR, "/src/z.c",
                                          90, 4, "serve", "sleep ( 1 )", tag);
    assert_non_null(finding);
    assert_int_equal(ll_finding_add_note(finding, "/src/a.c", 3, 1, "loop entered here"), 0);
    assert_int_equal(ll_finding_add_note(finding, "/src/z.c", 80, 2, "calls %s", "serve"), 0);
    strcpy(finding->fingerprint, "0123456789abcdef0123456789abcdef");
    finding = ll_findings_add(findings, "untracked-task", LL_SEVERITY_WARNING, "/src/a.c", 1, 1,
                              NULL, NULL, "task is never joined");
    finding->suppressed = true;
    finding->reason = strdup("joined by the pool");
    finding = ll_findings_add(findings, "clang-diagnostic", LL_SEVERITY_NOTE, "/src/m.c", 7, 12, "",
                              "", "unused variable");
    assert_int_equal(ll_finding_add_note(finding, "/src/m.c", 7, 1, "declared here"), 0);
}

static void assert_same_findings(const ll_findings *a, const ll_findings *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        const ll_finding *x = &a->items[i], *y = &b->items[i];
        assert_string_equal(x->rule, y->rule);
        assert_int_equal(x->severity, y->severity);
        assert_string_equal(x->place.file, y->place.file);
        assert_int_equal(x->place.line, y->place.line);
        assert_int_equal(x->place.column, y->place.column);
        assert_string_equal(x->function, y->function);
        assert_string_equal(x->message, y->message);
        assert_string_equal(x->text, y->text);
        assert_string_equal(x->fingerprint, y->fingerprint);
        assert_int_equal(x->suppressed, y->suppressed);
        assert_same_string(x->reason, y->reason);
        assert_int_equal(x->note_count, y->note_count);
        for (uint32_t j = 0; j < x->note_count; j++) {
            assert_string_equal(x->notes[j].place.file, y->notes[j].place.file);
            assert_int_equal(x->notes[j].place.line, y->notes[j].place.line);
            assert_int_equal(x->notes[j].place.column, y->notes[j].place.column);
            assert_string_equal(x->notes[j].message, y->notes[j].message);
        }
    }
}

static void assert_status(ll_store *store, int64_t run_id, const char *expected)
{
    char status[16];
    ll_error error = {{0}};
    if (ll_store_run_status(store, run_id, status, sizeof status, &error) != 1)
        fail_msg("run %lld: %s", (long long)run_id, error.message);
    assert_string_equal(status, expected);
}

static int64_t complete_run(ll_store *store, const ll_findings *findings)
{
    ll_run_info info = {"0.1.0", "/src", "looplint check -j2", NULL};
    int64_t run_id = 0;
    ll_error error = {{0}};
    assert_int_equal(ll_store_run_begin(store, &info, &run_id, &error), 0);
    assert_status(store, run_id, "running");
    if (ll_store_run_finish(store, run_id, findings, "{\"units\": 3}", &error) < 0)
        fail_msg("%s", error.message);
    assert_status(store, run_id, "complete");
    return run_id;
}

/* Runs of `check FILE...` are partial: "the latest run" skips them, a
 * baseline refuses them, and they take no program key. A program key
 * finds the latest complete whole-program run recorded under it. */
static void test_partial_runs_and_program_keys(void **state)
{
    fixture *fix = *state;
    ll_store *store = open_store(fix->path);
    ll_error error = {{0}};
    ll_findings full, partial, loaded;
    sample_findings(&full, "full run");
    ll_findings_init(&partial);
    ll_findings_init(&loaded);
    assert_non_null(ll_findings_add(&partial, "blocking-call", LL_SEVERITY_ERROR, "/src/a.c", 1, 1,
                                    "f", NULL, "partial run"));

    ll_run_info whole = {"0.1.0", "/src", "looplint check", NULL};
    int64_t full_id = 0;
    assert_int_equal(ll_store_run_begin(store, &whole, &full_id, &error), 0);
    assert_int_equal(ll_store_run_set_program_key(store, full_id, "key-1", &error), 0);
    int64_t found = 0;
    /* Not before it is complete. */
    assert_int_equal(ll_store_run_find_program(store, "key-1", &found, &error), 0);
    assert_int_equal(ll_store_run_finish(store, full_id, &full, "{}", &error), 0);
    assert_int_equal(ll_store_run_find_program(store, "key-1", &found, &error), 1);
    assert_int_equal(found, full_id);
    assert_int_equal(ll_store_run_find_program(store, "key-2", &found, &error), 0);

    ll_run_info some = {"0.1.0", "/src", "looplint check a.c", "/src/a.c\n"};
    int64_t partial_id = 0;
    assert_int_equal(ll_store_run_begin(store, &some, &partial_id, &error), 0);
    assert_int_equal(ll_store_run_set_program_key(store, partial_id, "key-1", &error), -1);
    assert_int_equal(ll_store_run_finish(store, partial_id, &partial, "{}", &error), 0);
    char *scope = NULL;
    assert_int_equal(ll_store_run_scope(store, partial_id, &scope, &error), 1);
    assert_string_equal(scope, "/src/a.c\n");
    free(scope);
    assert_int_equal(ll_store_run_scope(store, full_id, &scope, &error), 0);
    assert_null(scope);
    assert_int_equal(ll_store_run_scope(store, 9999, &scope, &error), -1);

    /* The latest run is the whole-program one; the partial one is there by id. */
    assert_int_equal(ll_store_findings_load(store, 0, &loaded, &error), 0);
    assert_same_findings(&full, &loaded);
    ll_findings_free(&loaded);
    assert_int_equal(ll_store_findings_load(store, partial_id, &loaded, &error), 0);
    assert_same_findings(&partial, &loaded);
    ll_findings_free(&loaded);
    assert_int_equal(ll_store_run_find_program(store, "key-1", &found, &error), 1);
    assert_int_equal(found, full_id);

    size_t count = 0;
    assert_int_equal(ll_store_baseline_save(store, "main", partial_id, &count, &error), -1);
    assert_non_null(strstr(error.message, "is partial"));
    char **fingerprints = NULL;
    assert_int_equal(ll_store_baseline_load(store, "main", &fingerprints, &count, &error), 0);
    assert_int_equal(ll_store_baseline_save(store, "main", 0, &count, &error), 0);
    assert_int_equal(count, 1); /* the one unsuppressed finding with a fingerprint */

    ll_findings_free(&full);
    ll_findings_free(&partial);
    ll_store_close(store);
}

static void test_runs_and_findings(void **state)
{
    fixture *fix = *state;
    ll_store *store = open_store(fix->path);
    ll_findings loaded;
    ll_findings_init(&loaded);
    ll_error error = {{0}};
    assert_int_equal(ll_store_findings_load(store, 0, &loaded, &error), -1);
    assert_non_null(strstr(error.message, "no complete run"));

    ll_findings first, second;
    sample_findings(&first, "first run");
    sample_findings(&second, "second run");
    ll_finding_add_note(&second.items[2], "/src/m.c", 8, 1, "and used here");
    int64_t first_id = complete_run(store, &first);
    assert_int_equal(ll_store_findings_load(store, first_id, &loaded, &error), 0);
    assert_same_findings(&first, &loaded);
    ll_findings_free(&loaded);
    int64_t second_id = complete_run(store, &second);
    assert_true(second_id > first_id);

    /* Run 0 is the latest complete one; a run still running is not. */
    ll_run_info info = {"0.1.0", "/src", "looplint check", NULL};
    int64_t running_id = 0;
    assert_int_equal(ll_store_run_begin(store, &info, &running_id, &error), 0);
    assert_int_equal(ll_store_findings_load(store, 0, &loaded, &error), 0);
    assert_same_findings(&second, &loaded);
    ll_findings_free(&loaded);
    assert_int_equal(ll_store_findings_load(store, first_id, &loaded, &error), 0);
    assert_same_findings(&first, &loaded);
    ll_findings_free(&loaded);
    assert_int_equal(ll_store_findings_load(store, running_id, &loaded, &error), 0);
    assert_int_equal(loaded.count, 0);

    /* A finished run cannot be finished again, nor a missing one. */
    assert_int_equal(ll_store_run_finish(store, first_id, &second, "{}", &error), -1);
    assert_non_null(strstr(error.message, "already complete"));
    assert_int_equal(ll_store_run_finish(store, 9999, &second, "{}", &error), -1);
    assert_int_equal(ll_store_findings_load(store, 9999, &loaded, &error), -1);
    assert_non_null(strstr(error.message, "no such run"));
    char status[16];
    assert_int_equal(ll_store_run_status(store, 9999, status, sizeof status, &error), 0);
    assert_string_equal(status, "");
    int64_t complete[4];
    size_t complete_count = 0;
    assert_int_equal(ll_store_runs_complete(store, complete, 4, &complete_count, &error), 0);
    assert_int_equal(complete_count, 2); /* newest first; the running one is not */
    assert_int_equal(complete[0], second_id);
    assert_int_equal(complete[1], first_id);
    assert_int_equal(ll_store_runs_complete(store, complete, 1, &complete_count, &error), 0);
    assert_int_equal(complete_count, 1);
    assert_int_equal(ll_store_findings_load(store, first_id, &loaded, &error), 0);
    assert_same_findings(&first, &loaded);
    ll_findings_free(&loaded);

    /* Findings of a run are appended to what the list holds. */
    sample_findings(&loaded, "kept");
    assert_int_equal(ll_store_findings_load(store, second_id, &loaded, &error), 0);
    assert_int_equal(loaded.count, 6);
    assert_string_equal(loaded.items[0].message, "kept");
    assert_string_equal(loaded.items[3].message, "second run");
    ll_findings_free(&loaded);

    sqlite3 *db = raw_open(fix->path);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM runs WHERE stats = '{\"units\": 3}'"
                                     " AND finished IS NOT NULL AND argv = 'looplint check -j2'"),
                     2);
    /* Deleting a run takes its findings and notes with it. */
    raw_exec(db, "PRAGMA foreign_keys = ON");
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM runs WHERE id = %lld", (long long)first_id);
    raw_exec(db, sql);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM findings"), 3);
    assert_int_equal(raw_integer(db, "SELECT count(*) FROM notes"), 4);
    sqlite3_close(db);

    ll_findings_free(&first);
    ll_findings_free(&second);
    ll_store_close(store);
}

/* The child of test_killed_run: begins a run, saves a unit, says which run
 * over `report`, and waits to be killed. Exit codes say what failed. */
static void run_and_wait_to_die(const char *path, int report)
{
    ll_error error = {{0}};
    ll_store *store = ll_store_open(path, &error);
    if (!store)
        _exit(10);
    ll_run_info info = {"0.1.0", "/src", "looplint check", NULL};
    int64_t run_id = 0;
    if (ll_store_run_begin(store, &info, &run_id, &error) < 0)
        _exit(11);
    ll_unit *unit = ll_unit_new("/src/killed.c", "/src", "cc");
    if (!unit || ll_unit_add_file(unit, "/src/killed.c", 1, false) == LL_NONE ||
        ll_store_unit_save(store, unit, "key", &error) < 0)
        _exit(12);
    if (write(report, &run_id, sizeof run_id) != (ssize_t)sizeof run_id)
        _exit(13);
    for (;;)
        pause();
}

static void test_killed_run(void **state)
{
    fixture *fix = *state;
    ll_store *store = open_store(fix->path);
    ll_findings findings;
    sample_findings(&findings, "before the kill");
    int64_t complete_id = complete_run(store, &findings);
    ll_store_close(store); /* no SQLite connection may cross a fork */

    int channel[2];
    assert_int_equal(pipe(channel), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(channel[0]);
        run_and_wait_to_die(fix->path, channel[1]);
    }
    close(channel[1]);
    int64_t killed_id = 0;
    ssize_t got = read(channel[0], &killed_id, sizeof killed_id);
    close(channel[0]);
    if (got != (ssize_t)sizeof killed_id) {
        int status = 0;
        waitpid(child, &status, 0);
        fail_msg("child failed with status %d", WEXITSTATUS(status));
    }

    /* While its process lives, the run is left alone. Nothing is asserted
       before the child is killed, so that a failure cannot leave it. */
    char status_while_alive[16] = "";
    ll_error error = {{0}};
    store = ll_store_open(fix->path, &error);
    if (store)
        ll_store_run_status(store, killed_id, status_while_alive, sizeof status_while_alive,
                            &error);
    ll_store_close(store);
    assert_int_equal(kill(child, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    if (strcmp(status_while_alive, "running") != 0)
        fail_msg("live run: '%s' %s", status_while_alive, error.message);

    store = open_store(fix->path);
    assert_status(store, killed_id, "incomplete");
    assert_status(store, complete_id, "complete");
    ll_findings loaded;
    ll_findings_init(&loaded);
    assert_int_equal(ll_store_findings_load(store, 0, &loaded, &error), 0);
    assert_same_findings(&findings, &loaded);
    ll_findings_free(&loaded);
    /* What the killed run committed is kept. */
    ll_unit *unit = NULL;
    assert_int_equal(ll_store_unit_load(store, "/src/killed.c", "key", &unit, &error), 1);
    ll_unit_free(unit);
    ll_store_close(store);
    ll_findings_free(&findings);
}

static void test_own_live_run_kept(void **state)
{
    fixture *fix = *state;
    ll_store *first = open_store(fix->path);
    ll_run_info info = {"0.1.0", "/src", "looplint check", NULL};
    int64_t run_id = 0;
    ll_error error = {{0}};
    assert_int_equal(ll_store_run_begin(first, &info, &run_id, &error), 0);
    ll_store *second = open_store(fix->path);
    assert_status(second, run_id, "running");
    ll_findings findings;
    sample_findings(&findings, "finished late");
    assert_int_equal(ll_store_run_finish(first, run_id, &findings, "{}", &error), 0);
    assert_status(second, run_id, "complete");

    /* A run left 'running' by a process that no longer exists. */
    sqlite3 *db = raw_open(fix->path);
    sqlite3_busy_timeout(db, 5000);
    raw_exec(db, "INSERT INTO runs (started, status, pid) VALUES ('2024-01-01', 'running',"
                 " 2147483647)");
    sqlite3_int64 dead_id = sqlite3_last_insert_rowid(db);
    sqlite3_close(db);
    ll_store *third = open_store(fix->path);
    assert_status(third, dead_id, "incomplete");
    assert_status(third, run_id, "complete");
    ll_store_close(third);
    ll_store_close(second);
    ll_store_close(first);
    ll_findings_free(&findings);
}

/* ---- Several connections --------------------------------------------------------------------- */

static void test_two_connections_alternate(void **state)
{
    fixture *fix = *state;
    ll_store *stores[2] = {open_store(fix->path), open_store(fix->path)};
    ll_error error = {{0}};
    for (int i = 0; i < 40; i++) {
        char path[32];
        snprintf(path, sizeof path, "/src/unit%d.c", i);
        ll_unit *unit = sample_unit(path, 1);
        if (ll_store_unit_save(stores[i % 2], unit, "key", &error) < 0)
            fail_msg("%s", error.message);
        ll_unit *loaded = NULL;
        assert_int_equal(ll_store_unit_load(stores[(i + 1) % 2], path, "key", &loaded, &error), 1);
        assert_same_unit(unit, loaded);
        ll_unit_free(loaded);
        ll_unit_free(unit);
    }
    ll_store_close(stores[0]);
    ll_store_close(stores[1]);
    assert_int_equal(query_integer(fix->path, "SELECT count(*) FROM tus"), 40);
}

typedef struct writer_job {
    const char *path;
    int first;
    int saved;
    ll_error error;
} writer_job;

static void *save_units(void *argument)
{
    writer_job *job = argument;
    ll_store *store = ll_store_open(job->path, &job->error);
    if (!store)
        return NULL;
    for (int i = job->first; i < job->first + 25; i++) {
        char path[32];
        snprintf(path, sizeof path, "/src/thread%d.c", i);
        ll_unit *unit = sample_unit(path, 2);
        int result = ll_store_unit_save(store, unit, "key", &job->error);
        ll_unit_free(unit);
        if (result < 0)
            break;
        job->saved++;
    }
    ll_store_close(store);
    return NULL;
}

static void test_two_connections_concurrent(void **state)
{
    fixture *fix = *state;
    ll_store_close(open_store(fix->path));
    writer_job jobs[2] = {{fix->path, 0, 0, {{0}}}, {fix->path, 100, 0, {{0}}}};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, save_units, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        if (jobs[i].saved != 25)
            fail_msg("writer %d: %s", i, jobs[i].error.message);
    }
    assert_int_equal(query_integer(fix->path, "SELECT count(*) FROM tus"), 50);
    assert_int_equal(query_integer(fix->path, "SELECT count(*) FROM functions"), 150);
}

/* ---- Baselines ------------------------------------------------------------------------------- */

static void test_baselines(void **state)
{
    fixture *fix = *state;
    ll_store *store = open_store(fix->path);
    ll_error error = {{0}};
    char **fingerprints = NULL;
    size_t count = 0;

    /* No complete run yet: nothing to save from. */
    assert_int_equal(ll_store_baseline_save(store, "main", 0, &count, &error), -1);
    assert_non_null(strstr(error.message, "no complete run"));

    /* Only the unsuppressed findings with a fingerprint are kept. */
    ll_findings first;
    ll_findings second;
    sample_findings(&first, "first run");
    strcpy(first.items[1].fingerprint, "11111111111111111111111111111111");
    strcpy(first.items[2].fingerprint, "22222222222222222222222222222222");
    sample_findings(&second, "second run");
    int64_t first_id = complete_run(store, &first);
    complete_run(store, &second);
    assert_int_equal(ll_store_baseline_save(store, "main", first_id, &count, &error), 0);
    assert_int_equal(count, 2);
    assert_int_equal(ll_store_baseline_load(store, "main", &fingerprints, &count, &error), 1);
    assert_int_equal(count, 2);
    assert_string_equal(fingerprints[0], "0123456789abcdef0123456789abcdef");
    assert_string_equal(fingerprints[1], "22222222222222222222222222222222");
    assert_null(fingerprints[2]);
    ll_fingerprints_free(fingerprints);

    /* Saving again replaces; run 0 is the latest complete one. */
    assert_int_equal(ll_store_baseline_save(store, "main", 0, &count, &error), 0);
    assert_int_equal(count, 1);
    assert_int_equal(ll_store_baseline_save(store, "old", first_id, NULL, &error), 0);
    assert_int_equal(ll_store_baseline_save(store, "x", 9999, NULL, &error), -1);
    assert_non_null(strstr(error.message, "no such run"));

    /* An import replaces too, and keeps a set. */
    const char *const imported[] = {"cc", "aa", "bb", "aa"};
    assert_int_equal(ll_store_baseline_replace(store, "it's \"quoted\"", imported, 4, &error), 0);
    assert_int_equal(
        ll_store_baseline_load(store, "it's \"quoted\"", &fingerprints, &count, &error), 1);
    assert_int_equal(count, 3);
    assert_string_equal(fingerprints[0], "aa");
    assert_string_equal(fingerprints[2], "cc");
    ll_fingerprints_free(fingerprints);

    ll_baseline_entry *entries = NULL;
    assert_int_equal(ll_store_baseline_list(store, &entries, &count, &error), 0);
    assert_int_equal(count, 3);
    assert_string_equal(entries[0].name, "it's \"quoted\"");
    assert_int_equal(entries[0].count, 3);
    assert_string_equal(entries[1].name, "main");
    assert_int_equal(entries[1].count, 1);
    assert_string_equal(entries[2].name, "old");
    assert_int_equal(entries[2].count, 2);
    ll_baseline_entries_free(entries, count);

    /* Dropping: once, then there is none. */
    assert_int_equal(ll_store_baseline_drop(store, "old", &error), 1);
    assert_int_equal(ll_store_baseline_drop(store, "old", &error), 0);
    fingerprints = NULL;
    assert_int_equal(ll_store_baseline_load(store, "old", &fingerprints, &count, &error), 0);
    assert_null(fingerprints);
    assert_int_equal(ll_store_baseline_list(store, &entries, &count, &error), 0);
    assert_int_equal(count, 2);
    ll_baseline_entries_free(entries, count);

    ll_findings_free(&first);
    ll_findings_free(&second);
    ll_store_close(store);
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        TEST(test_create_and_reopen),
        TEST(test_wal_and_settings),
        TEST(test_empty_file_and_empty_database_adopted),
        TEST(test_newer_schema_refused),
        TEST(test_migration_steps),
        TEST(test_version_1_is_migrated),
        TEST(test_partial_runs_and_program_keys),
        TEST(test_foreign_database_refused),
        TEST(test_text_file_refused),
        TEST(test_corrupt_file_refused),
        TEST(test_damage_found_later_stops_writes),
        TEST(test_directories_and_bad_paths),
        TEST(test_read_only_locations),
        TEST(test_facts_round_trip),
        TEST(test_codec_rejects_damage),
        TEST(test_damaged_blob_in_store),
        TEST(test_runs_and_findings),
        TEST(test_killed_run),
        TEST(test_own_live_run_kept),
        TEST(test_two_connections_alternate),
        TEST(test_two_connections_concurrent),
        TEST(test_baselines),
    };
#undef TEST
    return cmocka_run_group_tests(tests, NULL, NULL);
}
