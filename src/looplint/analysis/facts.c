/*
 * facts.c - construction and release of the facts model, and the negated
 * and mirrored forms of a relation (facts.h).
 *
 * Every array grows by doubling through one helper, so that the front end
 * and the store can append one element at a time; new elements are zeroed
 * and their index fields set to LL_NONE, which is what "absent" means
 * throughout the model.
 */
#include "facts.h"

#include <stdlib.h>
#include <string.h>

char *ll_strdup(const char *text)
{
    return text ? strdup(text) : NULL;
}

/* Makes room for one more element of `size` bytes in *items (holding
 * *count) and returns it zeroed, or NULL when out of memory. */
static void *grow(void **items, uint32_t *count, size_t size)
{
    uint32_t n = *count;
    /* The capacity is implicit: 0 when empty, else the next power of two,
       so it is full exactly at 0, 1, 2, 4, 8... Most arrays of a unit are
       short (a block's operations, a call's arguments) and stay that way:
       a larger first capacity was a third of the facts' memory. */
    if ((n & (n - 1)) == 0) {
        if (n >= UINT32_MAX / 2)
            return NULL;
        size_t capacity = n ? (size_t)n * 2 : 1;
        void *bigger = realloc(*items, capacity * size);
        if (!bigger)
            return NULL;
        *items = bigger;
    }
    char *slot = (char *)*items + (size_t)n * size;
    memset(slot, 0, size);
    *count = n + 1;
    return slot;
}

static ll_location no_location(void)
{
    ll_location location = {LL_NONE, 0, 0};
    return location;
}

void ll_value_clear(ll_value *value)
{
    free(value->name);
    free(value->usr);
    free(value->record_type);
    free(value->field);
    memset(value, 0, sizeof *value);
    value->variable = LL_NONE;
}

int ll_value_copy(ll_value *copy, const ll_value *value)
{
    *copy = *value;
    copy->name = ll_strdup(value->name);
    copy->usr = ll_strdup(value->usr);
    copy->record_type = ll_strdup(value->record_type);
    copy->field = ll_strdup(value->field);
    if ((value->name && !copy->name) || (value->usr && !copy->usr) ||
        (value->record_type && !copy->record_type) || (value->field && !copy->field)) {
        ll_value_clear(copy);
        return -1;
    }
    return 0;
}

ll_unit *ll_unit_new(const char *path, const char *directory, const char *arguments)
{
    ll_unit *unit = calloc(1, sizeof *unit);
    if (!unit)
        return NULL;
    unit->path = ll_strdup(path);
    unit->directory = ll_strdup(directory);
    unit->arguments = ll_strdup(arguments);
    if ((path && !unit->path) || (directory && !unit->directory) ||
        (arguments && !unit->arguments)) {
        ll_unit_free(unit);
        return NULL;
    }
    return unit;
}

static void free_function(ll_function *function)
{
    for (uint32_t i = 0; i < function->variable_count; i++)
        free(function->variables[i].name);
    for (uint32_t i = 0; i < function->call_count; i++) {
        ll_call *call = &function->calls[i];
        free(call->callee_name);
        free(call->callee_usr);
        free(call->callee_type);
        free(call->text);
        for (uint32_t a = 0; a < call->argument_count; a++)
            ll_value_clear(&call->arguments[a]);
        free(call->arguments);
    }
    for (uint32_t i = 0; i < function->block_count; i++) {
        ll_block *block = &function->blocks[i];
        for (uint32_t o = 0; o < block->operation_count; o++)
            ll_value_clear(&block->operations[o].value);
        free(block->operations);
        free(block->successors);
        ll_value_clear(&block->returned);
    }
    for (uint32_t i = 0; i < function->loop_count; i++) {
        free(function->loops[i].body_blocks);
        free(function->loops[i].condition_variables);
    }
    free(function->variables);
    free(function->calls);
    free(function->blocks);
    free(function->loops);
    free(function->name);
    free(function->usr);
}

static void free_store(ll_function_store *store)
{
    free(store->record_type);
    free(store->field);
    free(store->global);
    free(store->global_usr);
    free(store->function_name);
    free(store->function_usr);
}

void ll_unit_free(ll_unit *unit)
{
    if (!unit)
        return;
    for (uint32_t i = 0; i < unit->file_count; i++)
        free(unit->files[i].path);
    for (uint32_t i = 0; i < unit->function_count; i++)
        free_function(&unit->functions[i]);
    for (uint32_t i = 0; i < unit->diagnostic_count; i++)
        free(unit->diagnostics[i].message);
    for (uint32_t i = 0; i < unit->store_count; i++)
        free_store(&unit->stores[i]);
    free(unit->files);
    free(unit->functions);
    free(unit->diagnostics);
    free(unit->stores);
    free(unit->path);
    free(unit->directory);
    free(unit->arguments);
    free(unit);
}

ll_index ll_unit_add_file(ll_unit *unit, const char *path, uint64_t hash, bool is_system)
{
    char *copy = ll_strdup(path);
    if (!copy)
        return LL_NONE;
    ll_file *file = grow((void **)&unit->files, &unit->file_count, sizeof *file);
    if (!file) {
        free(copy);
        return LL_NONE;
    }
    file->path = copy;
    file->hash = hash;
    file->is_system = is_system;
    return unit->file_count - 1;
}

ll_function *ll_unit_add_function(ll_unit *unit, const char *name, const char *usr)
{
    char *name_copy = ll_strdup(name);
    char *usr_copy = ll_strdup(usr);
    ll_function *function = NULL;
    if ((name && !name_copy) || (usr && !usr_copy))
        goto fail;
    function = grow((void **)&unit->functions, &unit->function_count, sizeof *function);
    if (!function)
        goto fail;
    function->name = name_copy;
    function->usr = usr_copy;
    function->location = no_location();
    return function;
fail:
    free(name_copy);
    free(usr_copy);
    return NULL;
}

ll_diagnostic *ll_unit_add_diagnostic(ll_unit *unit, ll_location location, bool is_error,
                                      const char *message)
{
    char *copy = ll_strdup(message);
    if (message && !copy)
        return NULL;
    ll_diagnostic *diagnostic =
        grow((void **)&unit->diagnostics, &unit->diagnostic_count, sizeof *diagnostic);
    if (!diagnostic) {
        free(copy);
        return NULL;
    }
    diagnostic->location = location;
    diagnostic->is_error = is_error;
    diagnostic->message = copy;
    return diagnostic;
}

ll_function_store *ll_unit_add_store(ll_unit *unit, const ll_function_store *store)
{
    ll_function_store copy = {
        .record_type = ll_strdup(store->record_type),
        .field = ll_strdup(store->field),
        .global = ll_strdup(store->global),
        .global_usr = ll_strdup(store->global_usr),
        .function_name = ll_strdup(store->function_name),
        .function_usr = ll_strdup(store->function_usr),
        .location = store->location,
    };
    if ((store->record_type && !copy.record_type) || (store->field && !copy.field) ||
        (store->global && !copy.global) || (store->global_usr && !copy.global_usr) ||
        (store->function_name && !copy.function_name) ||
        (store->function_usr && !copy.function_usr))
        goto fail;
    ll_function_store *slot = grow((void **)&unit->stores, &unit->store_count, sizeof *slot);
    if (!slot)
        goto fail;
    *slot = copy;
    return slot;
fail:
    free_store(&copy);
    return NULL;
}

ll_index ll_function_add_variable(ll_function *function, const char *name,
                                  enum ll_variable_kind kind)
{
    char *copy = ll_strdup(name ? name : "");
    if (!copy)
        return LL_NONE;
    ll_variable *variable =
        grow((void **)&function->variables, &function->variable_count, sizeof *variable);
    if (!variable) {
        free(copy);
        return LL_NONE;
    }
    variable->name = copy;
    variable->kind = kind;
    variable->location = no_location();
    return function->variable_count - 1;
}

ll_index ll_function_add_call(ll_function *function, const char *callee_name)
{
    char *copy = ll_strdup(callee_name);
    if (callee_name && !copy)
        return LL_NONE;
    ll_call *call = grow((void **)&function->calls, &function->call_count, sizeof *call);
    if (!call) {
        free(copy);
        return LL_NONE;
    }
    call->callee_name = copy;
    call->callee_variable = LL_NONE;
    call->location = no_location();
    call->block = LL_NONE;
    return function->call_count - 1;
}

ll_value *ll_call_add_argument(ll_call *call)
{
    ll_value *value = grow((void **)&call->arguments, &call->argument_count, sizeof *value);
    if (value)
        value->variable = LL_NONE;
    return value;
}

ll_index ll_function_add_block(ll_function *function)
{
    ll_block *block = grow((void **)&function->blocks, &function->block_count, sizeof *block);
    if (!block)
        return LL_NONE;
    block->test.variable = LL_NONE;
    block->returned.variable = LL_NONE;
    block->location = no_location();
    return function->block_count - 1;
}

ll_operation *ll_block_add_operation(ll_block *block, enum ll_operation_kind kind)
{
    ll_operation *operation =
        grow((void **)&block->operations, &block->operation_count, sizeof *operation);
    if (!operation)
        return NULL;
    operation->kind = kind;
    operation->call = LL_NONE;
    operation->target = LL_NONE;
    operation->value.variable = LL_NONE;
    operation->location = no_location();
    return operation;
}

int ll_block_set_successors(ll_block *block, const ll_index *successors, uint32_t count)
{
    ll_index *copy = NULL;
    if (count) {
        copy = malloc(count * sizeof *copy);
        if (!copy)
            return -1;
        memcpy(copy, successors, count * sizeof *copy);
    }
    free(block->successors);
    block->successors = copy;
    block->successor_count = count;
    return 0;
}

ll_loop *ll_function_add_loop(ll_function *function)
{
    ll_loop *loop = grow((void **)&function->loops, &function->loop_count, sizeof *loop);
    if (!loop)
        return NULL;
    loop->header = LL_NONE;
    loop->location = no_location();
    loop->condition_first_call = LL_NONE;
    return loop;
}

int ll_loop_add_block(ll_loop *loop, ll_index block)
{
    ll_index *slot = grow((void **)&loop->body_blocks, &loop->body_block_count, sizeof *slot);
    if (!slot)
        return -1;
    *slot = block;
    return 0;
}

int ll_loop_add_condition_variable(ll_loop *loop, ll_index variable)
{
    for (uint32_t i = 0; i < loop->condition_variable_count; i++)
        if (loop->condition_variables[i] == variable)
            return 0;
    ll_index *slot =
        grow((void **)&loop->condition_variables, &loop->condition_variable_count, sizeof *slot);
    if (!slot)
        return -1;
    *slot = variable;
    return 0;
}

const char *ll_unit_file_path(const ll_unit *unit, ll_location location)
{
    if (!unit || location.file == LL_NONE || location.file >= unit->file_count)
        return "<unknown>";
    return unit->files[location.file].path;
}

enum ll_relation ll_relation_negated(enum ll_relation relation)
{
    switch (relation) {
    case LL_RELATION_EQUAL:
        return LL_RELATION_NOT_EQUAL;
    case LL_RELATION_NOT_EQUAL:
        return LL_RELATION_EQUAL;
    case LL_RELATION_LESS:
        return LL_RELATION_GREATER_EQUAL;
    case LL_RELATION_LESS_EQUAL:
        return LL_RELATION_GREATER;
    case LL_RELATION_GREATER:
        return LL_RELATION_LESS_EQUAL;
    case LL_RELATION_GREATER_EQUAL:
        return LL_RELATION_LESS;
    case LL_RELATION_UNKNOWN:
        break;
    }
    return LL_RELATION_UNKNOWN;
}

enum ll_relation ll_relation_mirrored(enum ll_relation relation)
{
    switch (relation) {
    case LL_RELATION_LESS:
        return LL_RELATION_GREATER;
    case LL_RELATION_LESS_EQUAL:
        return LL_RELATION_GREATER_EQUAL;
    case LL_RELATION_GREATER:
        return LL_RELATION_LESS;
    case LL_RELATION_GREATER_EQUAL:
        return LL_RELATION_LESS_EQUAL;
    case LL_RELATION_UNKNOWN:
    case LL_RELATION_EQUAL:
    case LL_RELATION_NOT_EQUAL:
        break;
    }
    return relation;
}
