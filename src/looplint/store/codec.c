/*
 * codec.c - encodes an ll_unit into a BLOB and decodes it back (codec.h).
 *
 * Layout: the magic "LLFX"; LL_FACTS_VERSION and CODEC_REVISION as
 * varints; the unit; an XXH3-64 of everything before it (8 bytes, little
 * endian). Integers are unsigned LEB128 varints (signed ones zigzagged
 * first), so the small numbers facts are made of take a byte or two.
 * Indices are written plus one, which makes LL_NONE (UINT32_MAX) wrap to 0.
 * A string is its length plus one, then its bytes; 0 is NULL. Each
 * function gives its four counts before its arrays, so that every index
 * it holds can be checked the moment it is read.
 *
 * Encoder and decoder are written side by side, one pair per structure,
 * in the order the bytes appear. The decoder keeps the first problem it
 * meets and from then on reads only zeros, so its callers need not test
 * after every field; loops stop on a problem, and a count is refused when
 * it exceeds the bytes left (every element takes at least one), so garbage
 * cannot make it allocate without bound. Elements are appended with the
 * facts.c constructors, and a half-built unit is released by ll_unit_free.
 */
#include "codec.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static const unsigned char codec_magic[4] = {'L', 'L', 'F', 'X'};

/* Bumped when this file's layout changes while facts.h does not. */
#define CODEC_REVISION 1

#define CHECKSUM_SIZE 8

/* ---- Primitive writers --------------------------------------------------------------------- */

typedef struct writer {
    unsigned char *data;
    size_t size, capacity;
    bool out_of_memory; /* set once; everything after is dropped */
} writer;

static void put_bytes(writer *out, const void *bytes, size_t count)
{
    if (out->out_of_memory || count == 0)
        return;
    if (count > out->capacity - out->size) {
        size_t capacity = out->capacity ? out->capacity : 256;
        while (capacity - out->size < count) {
            if (capacity > SIZE_MAX / 2) {
                out->out_of_memory = true;
                return;
            }
            capacity *= 2;
        }
        unsigned char *bigger = realloc(out->data, capacity);
        if (!bigger) {
            out->out_of_memory = true;
            return;
        }
        out->data = bigger;
        out->capacity = capacity;
    }
    memcpy(out->data + out->size, bytes, count);
    out->size += count;
}

static void put_varint(writer *out, uint64_t value)
{
    unsigned char bytes[10];
    size_t count = 0;
    do {
        unsigned char low = value & 0x7f;
        value >>= 7;
        bytes[count++] = low | (value ? 0x80 : 0);
    } while (value);
    put_bytes(out, bytes, count);
}

static void put_signed(writer *out, int64_t value)
{
    uint64_t bits = (uint64_t)value;
    put_varint(out, (bits << 1) ^ (0 - (bits >> 63)));
}

static void put_index(writer *out, ll_index index)
{
    put_varint(out, (uint32_t)(index + 1));
}

static void put_bool(writer *out, bool value)
{
    put_varint(out, value ? 1 : 0);
}

static void put_string(writer *out, const char *text)
{
    if (!text) {
        put_varint(out, 0);
        return;
    }
    size_t length = strlen(text);
    put_varint(out, (uint64_t)length + 1);
    put_bytes(out, text, length);
}

/* ---- Primitive readers --------------------------------------------------------------------- */

typedef struct reader {
    const unsigned char *start, *at, *end;
    const char *problem; /* the first thing found wrong, or NULL */
    size_t problem_offset;
    bool out_of_memory;
} reader;

/* Records the first problem and makes every later read see the end. */
static void fail(reader *in, const char *problem)
{
    if (!in->problem) {
        in->problem = problem;
        in->problem_offset = (size_t)(in->at - in->start);
    }
    in->at = in->end;
}

static void fail_out_of_memory(reader *in)
{
    if (!in->problem)
        in->out_of_memory = true;
    fail(in, "out of memory");
}

static uint64_t read_varint(reader *in)
{
    uint64_t value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (in->at == in->end) {
            fail(in, "truncated");
            return 0;
        }
        unsigned char byte = *in->at++;
        /* The tenth byte holds the 64th bit only. */
        if (shift == 63 && byte > 1) {
            fail(in, "integer overflows 64 bits");
            return 0;
        }
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return value;
    }
    fail(in, "integer overflows 64 bits");
    return 0;
}

static int64_t read_signed(reader *in)
{
    uint64_t bits = read_varint(in);
    return (int64_t)((bits >> 1) ^ (0 - (bits & 1)));
}

static uint32_t read_u32(reader *in)
{
    uint64_t value = read_varint(in);
    if (value > UINT32_MAX) {
        fail(in, "number out of range");
        return 0;
    }
    return (uint32_t)value;
}

static bool read_bool(reader *in)
{
    uint64_t value = read_varint(in);
    if (value > 1)
        fail(in, "bad boolean");
    return value == 1;
}

/* An enumeration whose values run from 0 to `last`. */
static unsigned read_enum(reader *in, unsigned last)
{
    uint64_t value = read_varint(in);
    if (value > last) {
        fail(in, "bad enumeration value");
        return 0;
    }
    return (unsigned)value;
}

/* An index into an array of `count` elements, or LL_NONE. */
static ll_index read_index(reader *in, uint32_t count)
{
    uint64_t value = read_varint(in);
    if (value == 0)
        return LL_NONE;
    if (value - 1 >= count) {
        fail(in, "index out of range");
        return LL_NONE;
    }
    return (ll_index)(value - 1);
}

static uint32_t read_count(reader *in)
{
    uint64_t count = read_varint(in);
    if (count > (uint64_t)(in->end - in->at) || count >= LL_NONE) {
        fail(in, "count exceeds the data");
        return 0;
    }
    return (uint32_t)count;
}

/* A malloc'd copy of the next string; NULL when it was NULL or on a
 * problem. */
static char *read_string(reader *in)
{
    uint64_t length = read_varint(in);
    if (length == 0)
        return NULL;
    length--;
    if (length > (uint64_t)(in->end - in->at)) {
        fail(in, "string runs past the end");
        return NULL;
    }
    if (memchr(in->at, '\0', (size_t)length)) {
        fail(in, "string holds a NUL byte");
        return NULL;
    }
    char *text = malloc((size_t)length + 1);
    if (!text) {
        fail_out_of_memory(in);
        return NULL;
    }
    memcpy(text, in->at, (size_t)length);
    text[length] = '\0';
    in->at += length;
    return text;
}

/* ---- Locations and values ------------------------------------------------------------------ */

static void put_location(writer *out, ll_location location)
{
    put_index(out, location.file);
    put_varint(out, location.line);
    put_varint(out, location.column);
}

static ll_location read_location(reader *in, const ll_unit *unit)
{
    ll_location location;
    location.file = read_index(in, unit->file_count);
    location.line = read_u32(in);
    location.column = read_u32(in);
    return location;
}

static void put_value(writer *out, const ll_value *value)
{
    put_varint(out, value->kind);
    put_index(out, value->variable);
    put_signed(out, value->constant);
    put_string(out, value->name);
    put_string(out, value->usr);
    put_string(out, value->record_type);
    put_string(out, value->field);
}

/* Into a value that belongs to the unit, so that its strings are released
 * with it whatever happens next. */
static void read_value(reader *in, const ll_function *function, ll_value *value)
{
    value->kind = read_enum(in, LL_VALUE_STRING);
    value->variable = read_index(in, function->variable_count);
    value->constant = read_signed(in);
    value->name = read_string(in);
    value->usr = read_string(in);
    value->record_type = read_string(in);
    value->field = read_string(in);
    if (!value->record_type != !value->field)
        fail(in, "field read without its struct, or struct without its field");
}

/* ---- Variables ----------------------------------------------------------------------------- */

static void put_variable(writer *out, const ll_variable *variable)
{
    put_string(out, variable->name);
    put_varint(out, variable->kind);
    put_varint(out, variable->parameter);
    put_bool(out, variable->is_pointer);
    put_bool(out, variable->is_const);
    put_location(out, variable->location);
}

static void read_variable(reader *in, const ll_unit *unit, ll_function *function)
{
    ll_index index = ll_function_add_variable(function, "", LL_VARIABLE_LOCAL);
    if (index == LL_NONE) {
        fail_out_of_memory(in);
        return;
    }
    ll_variable *variable = &function->variables[index];
    free(variable->name);
    variable->name = read_string(in);
    variable->kind = read_enum(in, LL_VARIABLE_TEMPORARY);
    variable->parameter = read_u32(in);
    variable->is_pointer = read_bool(in);
    variable->is_const = read_bool(in);
    variable->location = read_location(in, unit);
}

/* ---- Calls --------------------------------------------------------------------------------- */

static void put_call(writer *out, const ll_call *call)
{
    put_varint(out, call->callee_kind);
    put_string(out, call->callee_name);
    put_string(out, call->callee_usr);
    put_string(out, call->callee_type);
    put_index(out, call->callee_variable);
    put_location(out, call->location);
    put_varint(out, call->argument_count);
    for (uint32_t i = 0; i < call->argument_count; i++)
        put_value(out, &call->arguments[i]);
    put_varint(out, call->result_use);
    put_string(out, call->text);
    put_index(out, call->block);
}

static void read_call(reader *in, const ll_unit *unit, ll_function *function, uint32_t block_count)
{
    ll_index index = ll_function_add_call(function, NULL);
    if (index == LL_NONE) {
        fail_out_of_memory(in);
        return;
    }
    ll_call *call = &function->calls[index];
    call->callee_kind = read_enum(in, LL_CALLEE_GLOBAL);
    call->callee_name = read_string(in);
    call->callee_usr = read_string(in);
    call->callee_type = read_string(in);
    call->callee_variable = read_index(in, function->variable_count);
    call->location = read_location(in, unit);
    uint32_t argument_count = read_count(in);
    for (uint32_t i = 0; i < argument_count && !in->problem; i++) {
        ll_value *argument = ll_call_add_argument(call);
        if (!argument)
            fail_out_of_memory(in);
        else
            read_value(in, function, argument);
    }
    call->result_use = read_enum(in, LL_RESULT_USED);
    call->text = read_string(in);
    call->block = read_index(in, block_count);
}

/* ---- Blocks -------------------------------------------------------------------------------- */

static void put_operation(writer *out, const ll_operation *operation)
{
    put_varint(out, operation->kind);
    put_index(out, operation->call);
    put_index(out, operation->target);
    put_value(out, &operation->value);
    put_location(out, operation->location);
}

static void read_operation(reader *in, const ll_unit *unit, const ll_function *function,
                           uint32_t call_count, ll_block *block)
{
    enum ll_operation_kind kind = read_enum(in, LL_OPERATION_USE);
    ll_operation *operation = ll_block_add_operation(block, kind);
    if (!operation) {
        fail_out_of_memory(in);
        return;
    }
    operation->call = read_index(in, call_count);
    operation->target = read_index(in, function->variable_count);
    read_value(in, function, &operation->value);
    operation->location = read_location(in, unit);
}

static void put_block(writer *out, const ll_block *block)
{
    put_varint(out, block->operation_count);
    for (uint32_t i = 0; i < block->operation_count; i++)
        put_operation(out, &block->operations[i]);
    put_varint(out, block->terminator);
    put_varint(out, block->successor_count);
    for (uint32_t i = 0; i < block->successor_count; i++)
        put_index(out, block->successors[i]);
    put_varint(out, block->test.relation);
    put_index(out, block->test.variable);
    put_signed(out, block->test.constant);
    put_value(out, &block->returned);
    put_location(out, block->location);
}

static void read_block(reader *in, const ll_unit *unit, ll_function *function, uint32_t call_count,
                       uint32_t block_count)
{
    ll_index index = ll_function_add_block(function);
    if (index == LL_NONE) {
        fail_out_of_memory(in);
        return;
    }
    ll_block *block = &function->blocks[index];
    uint32_t operation_count = read_count(in);
    for (uint32_t i = 0; i < operation_count && !in->problem; i++)
        read_operation(in, unit, function, call_count, block);
    block->terminator = read_enum(in, LL_TERMINATOR_NORETURN);
    /* A successor list is a plain malloc'd array (facts.h: the unit owns
       it), so it is filled in place rather than copied. */
    uint32_t successor_count = read_count(in);
    if (successor_count) {
        block->successors = malloc(successor_count * sizeof *block->successors);
        if (!block->successors) {
            fail_out_of_memory(in);
            return;
        }
        block->successor_count = successor_count;
        for (uint32_t i = 0; i < successor_count; i++)
            block->successors[i] = read_index(in, block_count);
    }
    block->test.relation = read_enum(in, LL_RELATION_GREATER_EQUAL);
    block->test.variable = read_index(in, function->variable_count);
    block->test.constant = read_signed(in);
    read_value(in, function, &block->returned);
    block->location = read_location(in, unit);
}

/* ---- Loops --------------------------------------------------------------------------------- */

static void put_loop(writer *out, const ll_loop *loop)
{
    put_varint(out, loop->kind);
    put_location(out, loop->location);
    put_index(out, loop->header);
    put_varint(out, loop->body_block_count);
    for (uint32_t i = 0; i < loop->body_block_count; i++)
        put_index(out, loop->body_blocks[i]);
    put_bool(out, loop->condition_constant_true);
    put_varint(out, loop->condition_variable_count);
    for (uint32_t i = 0; i < loop->condition_variable_count; i++)
        put_index(out, loop->condition_variables[i]);
    put_index(out, loop->condition_first_call);
    put_varint(out, loop->condition_call_count);
    put_bool(out, loop->condition_reads_memory);
}

/* Blocks, variables and calls are read before loops: their indices are
 * checked against the counts already known. */
static void read_loop(reader *in, const ll_unit *unit, ll_function *function, uint32_t block_count)
{
    ll_loop *loop = ll_function_add_loop(function);
    if (!loop) {
        fail_out_of_memory(in);
        return;
    }
    loop->kind = read_enum(in, LL_LOOP_DO);
    loop->location = read_location(in, unit);
    loop->header = read_index(in, block_count);
    uint32_t body_block_count = read_count(in);
    for (uint32_t i = 0; i < body_block_count && !in->problem; i++) {
        if (ll_loop_add_block(loop, read_index(in, block_count)) < 0)
            fail_out_of_memory(in);
    }
    loop->condition_constant_true = read_bool(in);
    uint32_t variable_count = read_count(in);
    for (uint32_t i = 0; i < variable_count && !in->problem; i++) {
        ll_index variable = read_index(in, function->variable_count);
        if (variable != LL_NONE && ll_loop_add_condition_variable(loop, variable) < 0)
            fail_out_of_memory(in);
    }
    loop->condition_first_call = read_index(in, function->call_count);
    loop->condition_call_count = read_u32(in);
    if (loop->condition_call_count > function->call_count ||
        (loop->condition_call_count > 0 &&
         (loop->condition_first_call == LL_NONE ||
          loop->condition_call_count > function->call_count - loop->condition_first_call)))
        fail(in, "condition calls out of range");
    loop->condition_reads_memory = read_bool(in);
}

/* ---- Functions ----------------------------------------------------------------------------- */

static void put_function(writer *out, const ll_function *function)
{
    put_string(out, function->name);
    put_string(out, function->usr);
    put_location(out, function->location);
    put_bool(out, function->is_definition);
    put_bool(out, function->is_static);
    put_varint(out, function->annotations);
    put_varint(out, function->takes_mask);
    put_varint(out, function->parameter_count);
    put_varint(out, function->variable_count);
    put_varint(out, function->call_count);
    put_varint(out, function->block_count);
    put_varint(out, function->loop_count);
    for (uint32_t i = 0; i < function->variable_count; i++)
        put_variable(out, &function->variables[i]);
    for (uint32_t i = 0; i < function->call_count; i++)
        put_call(out, &function->calls[i]);
    for (uint32_t i = 0; i < function->block_count; i++)
        put_block(out, &function->blocks[i]);
    for (uint32_t i = 0; i < function->loop_count; i++)
        put_loop(out, &function->loops[i]);
}

static void read_function(reader *in, ll_unit *unit)
{
    ll_function *function = ll_unit_add_function(unit, NULL, NULL);
    if (!function) {
        fail_out_of_memory(in);
        return;
    }
    function->name = read_string(in);
    function->usr = read_string(in);
    function->location = read_location(in, unit);
    function->is_definition = read_bool(in);
    function->is_static = read_bool(in);
    function->annotations = read_u32(in);
    function->takes_mask = read_u32(in);
    function->parameter_count = read_u32(in);
    uint32_t variable_count = read_count(in);
    uint32_t call_count = read_count(in);
    uint32_t block_count = read_count(in);
    uint32_t loop_count = read_count(in);
    /* Variables come first: values check their indices against the
       variables already read, which by then are all of them. */
    for (uint32_t i = 0; i < variable_count && !in->problem; i++)
        read_variable(in, unit, function);
    for (uint32_t i = 0; i < call_count && !in->problem; i++)
        read_call(in, unit, function, block_count);
    for (uint32_t i = 0; i < block_count && !in->problem; i++)
        read_block(in, unit, function, call_count, block_count);
    for (uint32_t i = 0; i < loop_count && !in->problem; i++)
        read_loop(in, unit, function, block_count);
}

/* ---- Units --------------------------------------------------------------------------------- */

static void put_unit(writer *out, const ll_unit *unit)
{
    put_string(out, unit->path);
    put_string(out, unit->directory);
    put_string(out, unit->arguments);
    put_bool(out, unit->parse_failed);
    put_varint(out, unit->file_count);
    for (uint32_t i = 0; i < unit->file_count; i++) {
        put_string(out, unit->files[i].path);
        put_varint(out, unit->files[i].hash);
        put_bool(out, unit->files[i].is_system);
    }
    put_varint(out, unit->function_count);
    for (uint32_t i = 0; i < unit->function_count; i++)
        put_function(out, &unit->functions[i]);
    put_varint(out, unit->diagnostic_count);
    for (uint32_t i = 0; i < unit->diagnostic_count; i++) {
        const ll_diagnostic *diagnostic = &unit->diagnostics[i];
        put_location(out, diagnostic->location);
        put_bool(out, diagnostic->is_error);
        put_string(out, diagnostic->message);
    }
    put_varint(out, unit->store_count);
    for (uint32_t i = 0; i < unit->store_count; i++) {
        const ll_function_store *store = &unit->stores[i];
        put_string(out, store->record_type);
        put_string(out, store->field);
        put_string(out, store->global);
        put_string(out, store->global_usr);
        put_string(out, store->function_name);
        put_string(out, store->function_usr);
        put_location(out, store->location);
    }
}

static void read_file(reader *in, ll_unit *unit)
{
    char *path = read_string(in);
    uint64_t hash = read_varint(in);
    bool is_system = read_bool(in);
    if (!path) {
        fail(in, "file without a path");
        return;
    }
    if (ll_unit_add_file(unit, path, hash, is_system) == LL_NONE)
        fail_out_of_memory(in);
    free(path);
}

static void read_diagnostic(reader *in, ll_unit *unit)
{
    ll_location location = read_location(in, unit);
    bool is_error = read_bool(in);
    ll_diagnostic *diagnostic = ll_unit_add_diagnostic(unit, location, is_error, NULL);
    if (!diagnostic) {
        fail_out_of_memory(in);
        return;
    }
    diagnostic->message = read_string(in);
}

/* A store names its function and where it went: a field (with its
 * struct), a variable, or both. */
static void read_store(reader *in, ll_unit *unit)
{
    const ll_function_store empty = {0};
    ll_function_store *store = ll_unit_add_store(unit, &empty);
    if (!store) {
        fail_out_of_memory(in);
        return;
    }
    store->record_type = read_string(in);
    store->field = read_string(in);
    store->global = read_string(in);
    store->global_usr = read_string(in);
    store->function_name = read_string(in);
    store->function_usr = read_string(in);
    store->location = read_location(in, unit);
    if (in->problem)
        return;
    if (!store->function_name || !store->function_usr)
        fail(in, "function store without its function");
    else if (!store->record_type != !store->field || !store->global != !store->global_usr)
        fail(in, "function store with half a place");
    else if (!store->field && !store->global)
        fail(in, "function store into no place");
}

static void read_unit(reader *in, ll_unit *unit)
{
    unit->path = read_string(in);
    unit->directory = read_string(in);
    unit->arguments = read_string(in);
    unit->parse_failed = read_bool(in);
    uint32_t file_count = read_count(in);
    for (uint32_t i = 0; i < file_count && !in->problem; i++)
        read_file(in, unit);
    uint32_t function_count = read_count(in);
    for (uint32_t i = 0; i < function_count && !in->problem; i++)
        read_function(in, unit);
    uint32_t diagnostic_count = read_count(in);
    for (uint32_t i = 0; i < diagnostic_count && !in->problem; i++)
        read_diagnostic(in, unit);
    uint32_t store_count = read_count(in);
    for (uint32_t i = 0; i < store_count && !in->problem; i++)
        read_store(in, unit);
}

/* ---- Entry points -------------------------------------------------------------------------- */

static uint64_t checksum_of(const unsigned char *data, size_t size)
{
    return XXH3_64bits(data, size);
}

int ll_codec_encode(const ll_unit *unit, unsigned char **data, size_t *size)
{
    writer out = {0};
    put_bytes(&out, codec_magic, sizeof codec_magic);
    put_varint(&out, LL_FACTS_VERSION);
    put_varint(&out, CODEC_REVISION);
    put_unit(&out, unit);
    if (!out.out_of_memory) {
        uint64_t checksum = checksum_of(out.data, out.size);
        unsigned char bytes[CHECKSUM_SIZE];
        for (int i = 0; i < CHECKSUM_SIZE; i++)
            bytes[i] = (unsigned char)(checksum >> (8 * i));
        put_bytes(&out, bytes, sizeof bytes);
    }
    if (out.out_of_memory) {
        free(out.data);
        return -1;
    }
    *data = out.data;
    *size = out.size;
    return 0;
}

int ll_codec_decode(const unsigned char *data, size_t size, ll_unit **unit, ll_error *error)
{
    *unit = NULL;
    if (size < sizeof codec_magic || memcmp(data, codec_magic, sizeof codec_magic) != 0)
        return ll_error_set(error, "not encoded facts (bad magic)");
    reader in = {data, data + sizeof codec_magic, data + size, NULL, 0, false};
    uint64_t facts_version = read_varint(&in);
    uint64_t revision = read_varint(&in);
    if (in.problem)
        return ll_error_set(error, "encoded facts truncated in their header");
    if (facts_version != LL_FACTS_VERSION || revision != CODEC_REVISION)
        return 0;
    if ((size_t)(in.end - in.at) < CHECKSUM_SIZE)
        return ll_error_set(error, "encoded facts truncated (no checksum)");
    in.end -= CHECKSUM_SIZE;
    uint64_t stored = 0;
    for (int i = 0; i < CHECKSUM_SIZE; i++)
        stored |= (uint64_t)in.end[i] << (8 * i);
    if (stored != checksum_of(data, size - CHECKSUM_SIZE))
        return ll_error_set(error, "encoded facts fail their checksum");

    ll_unit *decoded = ll_unit_new(NULL, NULL, NULL);
    if (!decoded)
        return ll_error_set(error, "out of memory");
    read_unit(&in, decoded);
    if (!in.problem && in.at != in.end)
        fail(&in, "bytes left over after the unit");
    if (in.problem) {
        ll_unit_free(decoded);
        if (in.out_of_memory)
            return ll_error_set(error, "out of memory decoding facts");
        return ll_error_set(error, "malformed facts at byte %zu: %s", in.problem_offset,
                            in.problem);
    }
    *unit = decoded;
    return 1;
}
