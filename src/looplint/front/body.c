/*
 * body.c - one function definition's body lowered into variables, blocks
 * and loops (facts.h says what each means): ll_front_function_body() and
 * the statements. Expressions, calls and conditions are lowered by
 * body_expression.c, body_call.c and body_condition.c (body.h).
 *
 * Variables: the parameters in order, then every local in order of
 * declaration, numbered by a first walk over the body, so that a
 * reference always finds its variable whatever order the lowering goes
 * in. Static locals live as long as globals do and are treated as such.
 * Temporaries come after, as calls need them.
 *
 * Blocks are built in one pass over the statements, in source order. A
 * statement that joins control flow (if, loops, switch) makes its blocks
 * when it starts - the block after a loop is made before the loop's own,
 * so that a loop's blocks are exactly those made between its header and
 * its end, nested ones included, and break has somewhere to go. A goto to
 * a label not seen yet leaves its block open and is patched at the end.
 * Blocks after a return, break or goto have no predecessor; they are kept
 * (dead code may still hold calls worth knowing about).
 */
#include "body.h"
#include "stores.h"

/* Lowering follows the syntax tree down, as its shape is recursive; the
 * depth is bounded by LL_BODY_DEPTH_LIMIT (body.h). */
// NOLINTBEGIN(misc-no-recursion)

#include <stdlib.h>
#include <string.h>

int ll_body_fail(ll_body *body)
{
    body->out_of_memory = true;
    return -1;
}

/* ---- Cursor maps -------------------------------------------------------------- */

static bool same_key(const ll_body_map *map, CXCursor left, CXCursor right)
{
    if (map->by_location)
        return clang_equalLocations(clang_getCursorLocation(left),
                                    clang_getCursorLocation(right)) != 0;
    return clang_equalCursors(left, right) != 0;
}

ll_index ll_body_map_find(const ll_body_map *map, CXCursor key)
{
    if (map->capacity == 0)
        return LL_NONE;
    uint32_t mask = map->capacity - 1;
    for (uint32_t slot = clang_hashCursor(key) & mask;; slot = (slot + 1) & mask) {
        const ll_body_slot *entry = &map->slots[slot];
        if (entry->value == LL_NONE)
            return LL_NONE;
        if (same_key(map, entry->key, key))
            return entry->value;
    }
}

static void map_insert(ll_body_map *map, CXCursor key, ll_index value)
{
    uint32_t mask = map->capacity - 1;
    uint32_t slot = clang_hashCursor(key) & mask;
    while (map->slots[slot].value != LL_NONE)
        slot = (slot + 1) & mask;
    map->slots[slot].key = key;
    map->slots[slot].value = value;
    map->count++;
}

int ll_body_map_put(ll_body_map *map, CXCursor key, ll_index value)
{
    if ((map->count + 1) * 2 > map->capacity) {
        if (map->capacity >= UINT32_MAX / 4)
            return -1;
        uint32_t capacity = map->capacity ? map->capacity * 2 : 16;
        ll_body_slot *slots = malloc(capacity * sizeof *slots);
        if (!slots)
            return -1;
        for (uint32_t i = 0; i < capacity; i++)
            slots[i].value = LL_NONE;
        ll_body_map old = *map;
        map->slots = slots;
        map->capacity = capacity;
        map->count = 0;
        for (uint32_t i = 0; i < old.capacity; i++) {
            if (old.slots[i].value != LL_NONE)
                map_insert(map, old.slots[i].key, old.slots[i].value);
        }
        free(old.slots);
    }
    map_insert(map, key, value);
    return 0;
}

/* ---- Variables -------------------------------------------------------------------- */

ll_index ll_body_variable(ll_body *body, CXCursor declaration)
{
    switch (clang_getCursorKind(declaration)) {
    case CXCursor_VarDecl:
    case CXCursor_ParmDecl:
        return ll_body_map_find(&body->variables, declaration);
    default:
        return LL_NONE;
    }
}

bool ll_body_is_array_type(CXType type)
{
    switch (clang_getCanonicalType(type).kind) {
    case CXType_ConstantArray:
    case CXType_IncompleteArray:
    case CXType_VariableArray:
    case CXType_DependentSizedArray:
        return true;
    default:
        return false;
    }
}

bool ll_body_variable_is_array(const ll_body *body, ll_index variable)
{
    return variable < body->is_array_capacity && body->is_array[variable];
}

/* Records whether variable `index` (the last one added) is an array. */
static int note_array(ll_body *body, ll_index index, bool is_array)
{
    if (index >= body->is_array_capacity) {
        uint32_t capacity = body->is_array_capacity ? body->is_array_capacity * 2 : 16;
        while (capacity <= index)
            capacity *= 2;
        bool *flags = realloc(body->is_array, capacity * sizeof *flags);
        if (!flags)
            return ll_body_fail(body);
        memset(flags + body->is_array_capacity, 0,
               (capacity - body->is_array_capacity) * sizeof *flags);
        body->is_array = flags;
        body->is_array_capacity = capacity;
    }
    body->is_array[index] = is_array;
    return 0;
}

static ll_index new_variable(ll_body *body, const char *name, enum ll_variable_kind kind,
                             CXType type, ll_location location)
{
    ll_index index = ll_function_add_variable(body->function, name, kind);
    if (index == LL_NONE) {
        ll_body_fail(body);
        return LL_NONE;
    }
    ll_variable *variable = &body->function->variables[index];
    enum CXTypeKind canonical = clang_getCanonicalType(type).kind;
    variable->is_pointer = canonical == CXType_Pointer;
    variable->is_const = clang_isConstQualifiedType(type) != 0;
    variable->location = location;
    return note_array(body, index, ll_body_is_array_type(type)) == 0 ? index : LL_NONE;
}

static int add_declared(ll_body *body, CXCursor declaration, enum ll_variable_kind kind,
                        uint32_t parameter)
{
    if (ll_body_map_find(&body->variables, declaration) != LL_NONE)
        return 0;
    CXString name = clang_getCursorSpelling(declaration);
    ll_index index =
        new_variable(body, clang_getCString(name), kind, clang_getCursorType(declaration),
                     ll_front_location(body->front, clang_getCursorLocation(declaration)));
    clang_disposeString(name);
    if (index == LL_NONE)
        return -1;
    body->function->variables[index].parameter = parameter;
    if (ll_body_map_put(&body->variables, declaration, index) != 0)
        return ll_body_fail(body);
    return 0;
}

ll_index ll_body_add_temporary(ll_body *body, CXType type, ll_location location)
{
    return new_variable(body, "", LL_VARIABLE_TEMPORARY, type, location);
}

static int add_parameters(ll_body *body, CXCursor function)
{
    int count = clang_Cursor_getNumArguments(function);
    for (int i = 0; i < count; i++) {
        CXCursor parameter = clang_Cursor_getArgument(function, (unsigned)i);
        if (!clang_Cursor_isNull(parameter) &&
            add_declared(body, parameter, LL_VARIABLE_PARAMETER, (uint32_t)i + 1) != 0)
            return -1;
    }
    return 0;
}

static enum CXChildVisitResult add_local(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    ll_body *body = data;
    switch (clang_getCursorKind(cursor)) {
    case CXCursor_FunctionDecl: /* a nested function (GNU) has its own */
        return CXChildVisit_Continue;
    case CXCursor_VarDecl: {
        enum CX_StorageClass storage = clang_Cursor_getStorageClass(cursor);
        if (storage != CX_SC_Static && storage != CX_SC_Extern &&
            add_declared(body, cursor, LL_VARIABLE_LOCAL, 0) != 0)
            return CXChildVisit_Break;
        return CXChildVisit_Recurse;
    }
    default:
        return CXChildVisit_Recurse;
    }
}

/* ---- Blocks ------------------------------------------------------------------------- */

ll_index ll_body_add_block(ll_body *body)
{
    ll_index index = ll_function_add_block(body->function);
    if (index == LL_NONE)
        ll_body_fail(body);
    return index;
}

ll_index ll_body_current(ll_body *body)
{
    if (body->current == LL_NONE)
        body->current = ll_body_add_block(body);
    return body->current;
}

ll_operation *ll_body_add_operation(ll_body *body, enum ll_operation_kind kind,
                                    ll_location location)
{
    ll_index block = ll_body_current(body);
    if (block == LL_NONE)
        return NULL;
    ll_operation *operation = ll_block_add_operation(&body->function->blocks[block], kind);
    if (!operation) {
        ll_body_fail(body);
        return NULL;
    }
    operation->location = location;
    return operation;
}

static int end_block(ll_body *body, enum ll_terminator_kind terminator, const ll_index *successors,
                     uint32_t count, ll_location location)
{
    if (body->current == LL_NONE)
        return 0;
    ll_block *block = &body->function->blocks[body->current];
    if (ll_block_set_successors(block, successors, count) != 0)
        return ll_body_fail(body);
    block->terminator = terminator;
    block->location = location;
    body->current = LL_NONE;
    return 0;
}

int ll_body_jump(ll_body *body, ll_index target, ll_location location)
{
    return end_block(body, LL_TERMINATOR_JUMP, &target, 1, location);
}

int ll_body_branch(ll_body *body, ll_test test, ll_index when_true, ll_index when_false,
                   ll_location location)
{
    ll_index block = body->current;
    ll_index successors[2] = {when_true, when_false};
    if (end_block(body, LL_TERMINATOR_BRANCH, successors, 2, location) != 0)
        return -1;
    if (block != LL_NONE)
        body->function->blocks[block].test = test;
    return 0;
}

void ll_body_stop(ll_body *body, enum ll_terminator_kind terminator, ll_location location)
{
    /* No successor to copy: this cannot fail. */
    (void)end_block(body, terminator, NULL, 0, location);
}

/* ---- Statements ----------------------------------------------------------------------- */

static bool is_expression(CXCursor cursor)
{
    return clang_isExpression(clang_getCursorKind(cursor)) != 0;
}

static enum CXChildVisitResult lower_child(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    return ll_body_lower_statement(data, cursor) == 0 ? CXChildVisit_Continue : CXChildVisit_Break;
}

static int lower_children(ll_body *body, CXCursor statement)
{
    clang_visitChildren(statement, lower_child, body);
    return body->out_of_memory ? -1 : 0;
}

static enum CXChildVisitResult lower_declaration(CXCursor cursor, CXCursor parent,
                                                 CXClientData data)
{
    (void)parent;
    ll_body *body = data;
    if (clang_getCursorKind(cursor) != CXCursor_VarDecl)
        return CXChildVisit_Continue;
    ll_index variable = ll_body_variable(body, cursor);
    CXCursor initializer = clang_Cursor_getVarDeclInitializer(cursor);
    if (clang_Cursor_isNull(initializer))
        return CXChildVisit_Continue;
    /* A static local is a global with a narrower name: its initialiser
       runs once, before the program, and only stores functions. */
    if (variable == LL_NONE) {
        if (ll_front_initializer_stores(body->front, initializer, cursor) == 0)
            return CXChildVisit_Continue;
        ll_body_fail(body);
        return CXChildVisit_Break;
    }
    if (ll_body_lower_initializer(body, variable, initializer, ll_body_location(body, cursor)) != 0)
        return CXChildVisit_Break;
    return CXChildVisit_Continue;
}

/* if / else if / ... / else: one join for the whole chain, which is
 * walked in a loop (generated code has chains thousands long). */
static int lower_if(ll_body *body, CXCursor statement)
{
    ll_index join = LL_NONE;
    for (;;) {
        CXCursor parts[3];
        unsigned count = ll_body_children(statement, parts, 3);
        if (count < 2 || count > 3 || !is_expression(parts[0])) {
            if (lower_children(body, statement) != 0)
                return -1;
            break;
        }
        ll_index then_block = ll_body_add_block(body);
        ll_index else_block = count == 3 ? ll_body_add_block(body) : LL_NONE;
        if (join == LL_NONE)
            join = ll_body_add_block(body);
        enum ll_body_condition folded;
        if (then_block == LL_NONE || join == LL_NONE || (count == 3 && else_block == LL_NONE) ||
            ll_body_lower_condition(body, parts[0], then_block, count == 3 ? else_block : join,
                                    &folded) != 0)
            return -1;
        body->current = then_block;
        if (ll_body_lower_statement(body, parts[1]) != 0 ||
            ll_body_jump(body, join, body->no_location) != 0)
            return -1;
        if (count == 2)
            break;
        body->current = else_block;
        if (clang_getCursorKind(parts[2]) == CXCursor_IfStmt) {
            statement = parts[2];
            continue;
        }
        if (ll_body_lower_statement(body, parts[2]) != 0)
            return -1;
        break;
    }
    if (join == LL_NONE) /* not an if clang could make sense of */
        return 0;
    if (ll_body_jump(body, join, body->no_location) != 0)
        return -1;
    body->current = join;
    return 0;
}

/* ---- Loops ------------------------------------------------------------------------------ */

static ll_index begin_loop(ll_body *body, enum ll_loop_kind kind, CXCursor statement)
{
    ll_loop *loop = ll_function_add_loop(body->function);
    if (!loop) {
        ll_body_fail(body);
        return LL_NONE;
    }
    loop->kind = kind;
    loop->location = ll_body_location(body, statement);
    return body->function->loop_count - 1;
}

/* The loop's blocks are those made since `first`. */
static int end_loop(ll_body *body, ll_index index, ll_index header, ll_index first,
                    bool constant_true)
{
    ll_loop *loop = &body->function->loops[index];
    loop->header = header;
    loop->condition_constant_true = constant_true;
    for (ll_index block = first; block < body->function->block_count; block++) {
        if (ll_loop_add_block(loop, block) != 0)
            return ll_body_fail(body);
    }
    return 0;
}

/* What a condition reads (facts.h, ll_loop): the locals and parameters
 * it names, and whether it reads memory a local does not hold. What
 * sizeof and alignof name is not read. */
typedef struct condition_reads {
    ll_body *body;
    ll_loop *loop;
    bool failed; /* out of memory */
} condition_reads;

static enum CXChildVisitResult note_read(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    condition_reads *reads = data;
    switch (clang_getCursorKind(cursor)) {
    case CXCursor_UnaryExpr:
        return CXChildVisit_Continue;
    case CXCursor_MemberRefExpr:
    case CXCursor_ArraySubscriptExpr:
        reads->loop->condition_reads_memory = true;
        break;
    case CXCursor_UnaryOperator:
        if (clang_getCursorUnaryOperatorKind(cursor) == CXUnaryOperator_Deref)
            reads->loop->condition_reads_memory = true;
        break;
    case CXCursor_DeclRefExpr: {
        CXCursor declaration = clang_getCursorReferenced(cursor);
        ll_index variable = ll_body_variable(reads->body, declaration);
        if (variable != LL_NONE) {
            if (ll_loop_add_condition_variable(reads->loop, variable) != 0) {
                reads->failed = true;
                return CXChildVisit_Break;
            }
        } else if (ll_body_is_kind(declaration, CXCursor_VarDecl) &&
                   !clang_isConstQualifiedType(clang_getCursorType(declaration))) {
            reads->loop->condition_reads_memory = true;
        }
        break;
    }
    default:
        break;
    }
    return CXChildVisit_Recurse;
}

/* Fills in what loop `index`'s condition reads; its calls are those made
 * since call `first_call`. */
static int describe_condition(ll_body *body, ll_index index, CXCursor condition,
                              uint32_t first_call)
{
    ll_function *function = body->function;
    ll_loop *loop = &function->loops[index];
    if (function->call_count > first_call) {
        loop->condition_first_call = first_call;
        loop->condition_call_count = function->call_count - first_call;
    }
    condition_reads reads = {body, loop, false};
    if (note_read(condition, clang_getNullCursor(), &reads) == CXChildVisit_Recurse)
        clang_visitChildren(condition, note_read, &reads);
    return reads.failed ? ll_body_fail(body) : 0;
}

static int lower_loop_body(ll_body *body, CXCursor statement, ll_index break_target,
                           ll_index continue_target)
{
    ll_index saved_break = body->break_target;
    ll_index saved_continue = body->continue_target;
    body->break_target = break_target;
    body->continue_target = continue_target;
    int result = ll_body_lower_statement(body, statement);
    body->break_target = saved_break;
    body->continue_target = saved_continue;
    return result;
}

static int lower_while(ll_body *body, CXCursor statement)
{
    CXCursor parts[2];
    if (ll_body_children(statement, parts, 2) != 2 || !is_expression(parts[0]))
        return lower_children(body, statement);
    ll_index loop = begin_loop(body, LL_LOOP_WHILE, statement);
    ll_index exit = ll_body_add_block(body);
    ll_index header = ll_body_add_block(body);
    ll_index inner = ll_body_add_block(body);
    enum ll_body_condition folded;
    if (loop == LL_NONE || exit == LL_NONE || header == LL_NONE || inner == LL_NONE ||
        ll_body_jump(body, header, body->no_location) != 0)
        return -1;
    body->current = header;
    uint32_t first_call = body->function->call_count;
    if (ll_body_lower_condition(body, parts[0], inner, exit, &folded) != 0 ||
        describe_condition(body, loop, parts[0], first_call) != 0)
        return -1;
    body->current = inner;
    if (lower_loop_body(body, parts[1], exit, header) != 0 ||
        ll_body_jump(body, header, body->no_location) != 0 ||
        end_loop(body, loop, header, header, folded == LL_BODY_CONDITION_TRUE) != 0)
        return -1;
    body->current = exit;
    return 0;
}

static int lower_do(ll_body *body, CXCursor statement)
{
    CXCursor parts[2];
    if (ll_body_children(statement, parts, 2) != 2 || !is_expression(parts[1]))
        return lower_children(body, statement);
    ll_index loop = begin_loop(body, LL_LOOP_DO, statement);
    ll_index exit = ll_body_add_block(body);
    ll_index inner = ll_body_add_block(body);
    ll_index condition = ll_body_add_block(body);
    enum ll_body_condition folded;
    if (loop == LL_NONE || exit == LL_NONE || inner == LL_NONE || condition == LL_NONE ||
        ll_body_jump(body, inner, body->no_location) != 0)
        return -1;
    body->current = inner;
    if (lower_loop_body(body, parts[0], exit, condition) != 0 ||
        ll_body_jump(body, condition, body->no_location) != 0)
        return -1;
    body->current = condition;
    uint32_t first_call = body->function->call_count;
    if (ll_body_lower_condition(body, parts[1], inner, exit, &folded) != 0 ||
        describe_condition(body, loop, parts[1], first_call) != 0 ||
        end_loop(body, loop, condition, inner, folded == LL_BODY_CONDITION_TRUE) != 0)
        return -1;
    body->current = exit;
    return 0;
}

typedef struct for_parts {
    CXCursor init;
    CXCursor condition;
    CXCursor increment;
    CXCursor body;
} for_parts;

static unsigned expansion_offset(CXSourceLocation location)
{
    unsigned offset = 0;
    clang_getExpansionLocation(location, NULL, NULL, NULL, &offset);
    return offset;
}

static bool same_place(CXSourceLocation left, CXSourceLocation right)
{
    CXFile left_file = NULL;
    CXFile right_file = NULL;
    unsigned left_offset = 0;
    unsigned right_offset = 0;
    clang_getExpansionLocation(left, &left_file, NULL, NULL, &left_offset);
    clang_getExpansionLocation(right, &right_file, NULL, NULL, &right_offset);
    return left_file && right_file && clang_File_isEqual(left_file, right_file) &&
           left_offset == right_offset;
}

/* Where the two `;` of `for (a; b; c)` are. libclang leaves out the parts
 * that are absent, so one or two parts are placed by these; false when
 * the header is not written out (a macro made the loop). */
static bool find_semicolons(ll_body *body, CXCursor statement, CXCursor loop_body,
                            unsigned offsets[2])
{
    CXTranslationUnit translation_unit = body->translation_unit;
    CXSourceRange header = clang_getRange(clang_getRangeStart(clang_getCursorExtent(statement)),
                                          clang_getRangeStart(clang_getCursorExtent(loop_body)));
    CXToken *tokens = NULL;
    unsigned count = 0;
    clang_tokenize(translation_unit, header, &tokens, &count);
    unsigned found = 0;
    /* The tokens are those written where the loop is: not so when a
       macro's body holds the loop (they are then the macro's). */
    bool written_here = count > 0 && same_place(clang_getTokenLocation(translation_unit, tokens[0]),
                                                clang_getCursorLocation(statement));
    int depth = 0;
    for (unsigned i = 1; written_here && i < count && found < 2; i++) {
        if (clang_getTokenKind(tokens[i]) != CXToken_Punctuation)
            continue;
        CXString spelling = clang_getTokenSpelling(translation_unit, tokens[i]);
        const char *text = clang_getCString(spelling);
        if (strcmp(text, "(") == 0)
            depth++;
        else if (strcmp(text, ")") == 0)
            depth--;
        else if (strcmp(text, ";") == 0 && depth == 1)
            offsets[found++] =
                expansion_offset(clang_getTokenLocation(translation_unit, tokens[i]));
        clang_disposeString(spelling);
    }
    clang_disposeTokens(translation_unit, tokens, count);
    return found == 2;
}

static bool find_for_parts(ll_body *body, CXCursor statement, for_parts *parts)
{
    CXCursor children[5];
    unsigned count = ll_body_children(statement, children, 5);
    parts->init = parts->condition = parts->increment = clang_getNullCursor();
    if (count < 1 || count > 4)
        return false;
    parts->body = children[count - 1];
    unsigned header_parts = count - 1;
    if (header_parts == 3) {
        parts->init = children[0];
        parts->condition = children[1];
        parts->increment = children[2];
        return true;
    }
    unsigned semicolons[2];
    if (header_parts > 0 && find_semicolons(body, statement, parts->body, semicolons)) {
        for (unsigned i = 0; i < header_parts; i++) {
            unsigned offset =
                expansion_offset(clang_getRangeStart(clang_getCursorExtent(children[i])));
            if (offset < semicolons[0])
                parts->init = children[i];
            else if (offset < semicolons[1])
                parts->condition = children[i];
            else
                parts->increment = children[i];
        }
        return true;
    }
    /* A macro wrote the header: a declaration can only be the init, and
       otherwise the common shapes are `for (; c;)` and `for (i = 0; c;)`. */
    if (header_parts == 1 && clang_getCursorKind(children[0]) == CXCursor_DeclStmt) {
        parts->init = children[0];
    } else if (header_parts == 1) {
        parts->condition = children[0];
    } else if (header_parts == 2) {
        parts->init = children[0];
        parts->condition = children[1];
    }
    return true;
}

static int lower_for(ll_body *body, CXCursor statement)
{
    for_parts parts;
    if (!find_for_parts(body, statement, &parts))
        return lower_children(body, statement);
    bool has_condition = !clang_Cursor_isNull(parts.condition);
    bool has_increment = !clang_Cursor_isNull(parts.increment);
    ll_index loop = begin_loop(body, LL_LOOP_FOR, statement);
    if (loop == LL_NONE)
        return -1;
    if (!clang_Cursor_isNull(parts.init) && ll_body_lower_statement(body, parts.init) != 0)
        return -1;
    ll_index exit = ll_body_add_block(body);
    ll_index header = ll_body_add_block(body);
    ll_index inner = has_condition ? ll_body_add_block(body) : header;
    ll_index increment = has_increment ? ll_body_add_block(body) : header;
    if (exit == LL_NONE || header == LL_NONE || inner == LL_NONE || increment == LL_NONE ||
        ll_body_jump(body, header, body->no_location) != 0)
        return -1;
    enum ll_body_condition folded = LL_BODY_CONDITION_TRUE;
    if (has_condition) {
        body->current = header;
        uint32_t first_call = body->function->call_count;
        if (ll_body_lower_condition(body, parts.condition, inner, exit, &folded) != 0 ||
            describe_condition(body, loop, parts.condition, first_call) != 0)
            return -1;
    }
    body->current = inner;
    if (lower_loop_body(body, parts.body, exit, increment) != 0 ||
        ll_body_jump(body, increment, body->no_location) != 0)
        return -1;
    if (has_increment) {
        body->current = increment;
        if (ll_body_lower_discarded(body, parts.increment) != 0 ||
            ll_body_jump(body, header, body->no_location) != 0)
            return -1;
    }
    if (end_loop(body, loop, header, header, folded == LL_BODY_CONDITION_TRUE) != 0)
        return -1;
    body->current = exit;
    return 0;
}

/* ---- Switch, labels, jumps ------------------------------------------------------------- */

static int lower_switch(ll_body *body, CXCursor statement)
{
    CXCursor parts[2];
    if (ll_body_children(statement, parts, 2) != 2 || !is_expression(parts[0]))
        return lower_children(body, statement);
    ll_value value;
    if (ll_body_lower_expression(body, parts[0], LL_RESULT_USED, &value) != 0)
        return -1;
    ll_location location = ll_body_location(body, parts[0]);
    if (value.kind == LL_VALUE_VARIABLE) {
        ll_operation *use = ll_body_add_operation(body, LL_OPERATION_USE, location);
        if (!use) {
            ll_value_clear(&value);
            return -1;
        }
        use->value = value;
    } else {
        ll_value_clear(&value);
    }
    ll_index dispatch = ll_body_current(body);
    ll_index exit = ll_body_add_block(body);
    if (dispatch == LL_NONE || exit == LL_NONE)
        return -1;

    ll_body_switch cases = {NULL, 0, 0, false};
    ll_body_switch *saved_switch = body->innermost_switch;
    ll_index saved_break = body->break_target;
    body->innermost_switch = &cases;
    body->break_target = exit;
    body->current = LL_NONE; /* code before the first label is dead */
    int result = ll_body_lower_statement(body, parts[1]);
    body->innermost_switch = saved_switch;
    body->break_target = saved_break;
    if (result == 0)
        result = ll_body_jump(body, exit, body->no_location);

    if (result == 0) {
        ll_block *block = &body->function->blocks[dispatch];
        ll_index *successors = cases.cases;
        uint32_t count = cases.count;
        ll_index *with_exit = NULL;
        if (!cases.has_default) {
            with_exit = malloc((count + 1) * sizeof *with_exit);
            if (!with_exit) {
                result = ll_body_fail(body);
            } else {
                if (count)
                    memcpy(with_exit, cases.cases, count * sizeof *with_exit);
                with_exit[count++] = exit;
                successors = with_exit;
            }
        }
        if (result == 0 && ll_block_set_successors(block, successors, count) != 0)
            result = ll_body_fail(body);
        block->terminator = LL_TERMINATOR_SWITCH;
        block->location = location;
        free(with_exit);
    }
    free(cases.cases);
    body->current = exit;
    return result;
}

/* case and default: a block of their own, reached from the switch and by
 * falling through from the code above. `case 1: case 2: ...` nests each
 * label in the one before; the nest is walked in a loop. */
static int lower_case(ll_body *body, CXCursor statement)
{
    for (;;) {
        enum CXCursorKind kind = clang_getCursorKind(statement);
        CXCursor parts[3];
        unsigned count = ll_body_children(statement, parts, 3);
        if (count == 0 || count > 3)
            return lower_children(body, statement);
        ll_index block = ll_body_add_block(body);
        if (block == LL_NONE || ll_body_jump(body, block, body->no_location) != 0)
            return -1;
        ll_body_switch *cases = body->innermost_switch;
        if (cases) {
            if (cases->count == cases->capacity) {
                uint32_t capacity = cases->capacity ? cases->capacity * 2 : 8;
                ll_index *bigger = realloc(cases->cases, capacity * sizeof *bigger);
                if (!bigger)
                    return ll_body_fail(body);
                cases->cases = bigger;
                cases->capacity = capacity;
            }
            cases->cases[cases->count++] = block;
            cases->has_default = cases->has_default || kind == CXCursor_DefaultStmt;
        }
        body->current = block;
        statement = parts[count - 1];
        kind = clang_getCursorKind(statement);
        if (kind != CXCursor_CaseStmt && kind != CXCursor_DefaultStmt)
            return ll_body_lower_statement(body, statement);
    }
}

static int lower_label(ll_body *body, CXCursor statement)
{
    ll_index block = ll_body_add_block(body);
    if (block == LL_NONE || ll_body_jump(body, block, body->no_location) != 0)
        return -1;
    if (ll_body_map_put(&body->labels, statement, block) != 0)
        return ll_body_fail(body);
    body->current = block;
    return lower_children(body, statement);
}

static int lower_goto(ll_body *body, CXCursor statement)
{
    CXCursor reference;
    ll_location location = ll_body_location(body, statement);
    if (ll_body_children(statement, &reference, 1) != 1) {
        ll_body_stop(body, LL_TERMINATOR_RETURN, location);
        return 0;
    }
    CXCursor label = clang_getCursorReferenced(reference);
    ll_index target = ll_body_map_find(&body->labels, label);
    if (target != LL_NONE)
        return ll_body_jump(body, target, location);
    ll_index block = ll_body_current(body);
    if (block == LL_NONE)
        return -1;
    if (body->goto_count == body->goto_capacity) {
        uint32_t capacity = body->goto_capacity ? body->goto_capacity * 2 : 8;
        ll_body_goto *bigger = realloc(body->gotos, capacity * sizeof *bigger);
        if (!bigger)
            return ll_body_fail(body);
        body->gotos = bigger;
        body->goto_capacity = capacity;
    }
    body->gotos[body->goto_count++] = (ll_body_goto){block, label};
    body->function->blocks[block].location = location;
    body->current = LL_NONE;
    return 0;
}

static int lower_jump(ll_body *body, CXCursor statement, ll_index target)
{
    ll_location location = ll_body_location(body, statement);
    if (target == LL_NONE) { /* break or continue outside of anything */
        ll_body_stop(body, LL_TERMINATOR_RETURN, location);
        return 0;
    }
    return ll_body_jump(body, target, location);
}

static int lower_return(ll_body *body, CXCursor statement)
{
    CXCursor expression;
    ll_value value;
    memset(&value, 0, sizeof value);
    value.variable = LL_NONE;
    if (ll_body_children(statement, &expression, 1) == 1 && is_expression(expression) &&
        ll_body_lower_expression(body, expression, LL_RESULT_USED, &value) != 0)
        return -1;
    ll_index block = ll_body_current(body);
    if (block == LL_NONE) {
        ll_value_clear(&value);
        return -1;
    }
    ll_body_stop(body, LL_TERMINATOR_RETURN, ll_body_location(body, statement));
    body->function->blocks[block].returned = value;
    return 0;
}

static int lower_statement(ll_body *body, CXCursor statement, enum CXCursorKind kind)
{
    switch (kind) {
    case CXCursor_CompoundStmt:
        return lower_children(body, statement);
    case CXCursor_DeclStmt:
        clang_visitChildren(statement, lower_declaration, body);
        return body->out_of_memory ? -1 : 0;
    case CXCursor_IfStmt:
        return lower_if(body, statement);
    case CXCursor_WhileStmt:
        return lower_while(body, statement);
    case CXCursor_DoStmt:
        return lower_do(body, statement);
    case CXCursor_ForStmt:
        return lower_for(body, statement);
    case CXCursor_SwitchStmt:
        return lower_switch(body, statement);
    case CXCursor_CaseStmt:
    case CXCursor_DefaultStmt:
        return lower_case(body, statement);
    case CXCursor_LabelStmt:
        return lower_label(body, statement);
    case CXCursor_GotoStmt:
        return lower_goto(body, statement);
    case CXCursor_BreakStmt:
        return lower_jump(body, statement, body->break_target);
    case CXCursor_ContinueStmt:
        return lower_jump(body, statement, body->continue_target);
    case CXCursor_ReturnStmt:
        return lower_return(body, statement);
    case CXCursor_IndirectGotoStmt:
        /* goto *p: where it goes is not known; the path ends here. */
        if (lower_children(body, statement) != 0)
            return -1;
        ll_body_stop(body, LL_TERMINATOR_RETURN, ll_body_location(body, statement));
        return 0;
    case CXCursor_NullStmt:
        return 0;
    default: /* asm, attributed statements, whatever else: their parts */
        return lower_children(body, statement);
    }
}

int ll_body_lower_statement(ll_body *body, CXCursor statement)
{
    enum CXCursorKind kind = clang_getCursorKind(statement);
    if (clang_isExpression(kind))
        return ll_body_lower_discarded(body, statement);
    if (!clang_isStatement(kind))
        return 0; /* declarations of types and functions, attributes */
    if (body->depth >= LL_BODY_DEPTH_LIMIT)
        return ll_body_lower_flat(body, statement);
    body->depth++;
    int result = lower_statement(body, statement, kind);
    body->depth--;
    return result;
}

/* ---- The whole body ---------------------------------------------------------------------- */

static enum CXChildVisitResult find_compound(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(cursor) == CXCursor_CompoundStmt)
        *(CXCursor *)data = cursor;
    return CXChildVisit_Continue;
}

/* The location of the body's closing brace (a range ends past its last
 * token). */
static ll_location closing_brace(ll_body *body, CXCursor compound)
{
    ll_location location =
        ll_front_location(body->front, clang_getRangeEnd(clang_getCursorExtent(compound)));
    if (location.column > 1)
        location.column--;
    return location;
}

/* Forward gotos get their label; whatever is still open (the end of the
 * function, a goto to a label that does not exist) returns there. */
static int finish(ll_body *body, ll_location end)
{
    for (uint32_t i = 0; i < body->goto_count; i++) {
        ll_index target = ll_body_map_find(&body->labels, body->gotos[i].label);
        ll_block *block = &body->function->blocks[body->gotos[i].block];
        if (target != LL_NONE && ll_block_set_successors(block, &target, 1) != 0)
            return ll_body_fail(body);
    }
    for (uint32_t i = 0; i < body->function->block_count; i++) {
        ll_block *block = &body->function->blocks[i];
        if (block->terminator == LL_TERMINATOR_JUMP && block->successor_count == 0) {
            block->terminator = LL_TERMINATOR_RETURN;
            block->location = end;
        }
    }
    return 0;
}

int ll_front_function_body(ll_front_unit *front, CXCursor cursor, ll_function *function)
{
    ll_body body;
    memset(&body, 0, sizeof body);
    body.front = front;
    body.translation_unit = ll_front_unit_translation_unit(front);
    body.function = function;
    body.labels.by_location = true;
    body.current = LL_NONE;
    body.break_target = LL_NONE;
    body.continue_target = LL_NONE;
    body.no_location = (ll_location){LL_NONE, 0, 0};

    int result = -1;
    CXCursor compound = clang_getNullCursor();
    clang_visitChildren(cursor, find_compound, &compound);
    if (add_parameters(&body, cursor) != 0)
        goto fail;
    if (!clang_Cursor_isNull(compound)) {
        clang_visitChildren(compound, add_local, &body);
        if (body.out_of_memory)
            goto fail;
    }
    body.current = ll_body_add_block(&body);
    if (body.current == LL_NONE)
        goto fail;
    ll_location end = body.no_location;
    if (!clang_Cursor_isNull(compound)) {
        end = closing_brace(&body, compound);
        if (ll_body_lower_statement(&body, compound) != 0)
            goto fail;
    }
    if (finish(&body, end) != 0)
        goto fail;
    result = 0;
fail:
    free(body.variables.slots);
    free(body.labels.slots);
    free(body.noreturn.slots);
    free(body.is_array);
    free(body.gotos);
    return result;
}

// NOLINTEND(misc-no-recursion)
