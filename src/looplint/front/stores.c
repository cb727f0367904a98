/*
 * stores.c - the functions a unit stores into struct fields and tables,
 * as ll_function_store facts (facts.h, RULES.md "Terms").
 *
 * A store is found where a function reference (`f`, `&f`, a cast of
 * either, an arm of `?:`) is put somewhere a call can later read it:
 *  - an initialiser: of a global or static variable (extract.c, body.c),
 *    of a local or a compound literal (body_expression.c). An initialiser
 *    list is walked with its type: the elements of a struct's list go to
 *    its fields in order, a designator (`.emit =`, `[2].run =`) naming
 *    the field outright and moving the position after it, as C does;
 *    the elements of an array's list go to whatever field holds the
 *    array (`.handlers = {a, b}`), or to the variable alone (`static int
 *    (*const jobs[])(void *) = {a, b}`);
 *  - an assignment to a field or element (`ops->emit = &f`, `table[i] =
 *    f`), made in a body (body_expression.c).
 * A store names the field (and its struct) when it went into one, and the
 * global or static variable when it went into one, so that the link can
 * resolve `c->ops->emit(...)` through the field and `jobs[i](arg)` or
 * `nest_spawn(maintenance[i].run, ...)` through the table.
 *
 * Only fields of function-pointer type (or arrays of them) hold stores.
 * Positions are trusted only while they can be followed: brace elision
 * (`{1, 2, f}` filling a nested struct without its braces) and a
 * designator of a member of an anonymous struct lose the position until
 * the next designator, so no function is ever put into the wrong field.
 */
#include "stores.h"

#include "body.h"

#include <stdlib.h>
#include <string.h>

/* Initialiser lists nest as deep as the source does; the walk stops at
 * the depth that also bounds the lowering of bodies. */
// NOLINTBEGIN(misc-no-recursion)

/* ---- Types and fields ------------------------------------------------------------ */

static bool is_array(CXType type)
{
    return ll_body_is_array_type(type);
}

static bool is_function_pointer(CXType type)
{
    CXType canonical = clang_getCanonicalType(type);
    if (canonical.kind != CXType_Pointer)
        return false;
    enum CXTypeKind pointee = clang_getCanonicalType(clang_getPointeeType(canonical)).kind;
    return pointee == CXType_FunctionProto || pointee == CXType_FunctionNoProto;
}

/* A function pointer, or an array (of arrays...) of them. */
static bool holds_function_pointers(CXType type)
{
    CXType canonical = clang_getCanonicalType(type);
    while (is_array(canonical))
        canonical = clang_getCanonicalType(clang_getArrayElementType(canonical));
    return is_function_pointer(canonical);
}

static bool is_record(CXCursor cursor)
{
    enum CXCursorKind kind = clang_getCursorKind(cursor);
    return kind == CXCursor_StructDecl || kind == CXCursor_UnionDecl;
}

char *ll_front_record_name(CXCursor field)
{
    /* An unnamed struct or union inside another (an anonymous member, or
       the type of a named one, as glibc's sigaction has) is spelled with
       its file and line: the record around it names it better. */
    CXCursor record = clang_getCursorSemanticParent(field);
    while (clang_Cursor_isAnonymous(record)) {
        CXCursor outer = clang_getCursorSemanticParent(record);
        if (!is_record(outer))
            break;
        record = outer;
    }
    CXString spelling = clang_getTypeSpelling(clang_getCursorType(record));
    char *copy = strdup(clang_getCString(spelling) ? clang_getCString(spelling) : "");
    clang_disposeString(spelling);
    return copy;
}

bool ll_front_function_field(CXCursor expression, CXCursor *field)
{
    CXCursor node = ll_body_strip(expression);
    if (!is_function_pointer(clang_getCursorType(node)))
        return false;
    /* p->handlers[i]: the element of an array field is the field's. */
    CXCursor parts[2];
    while (ll_body_is_kind(node, CXCursor_ArraySubscriptExpr) &&
           ll_body_expression_children(node, parts, 2) == 2) {
        CXCursor left = ll_body_strip(parts[0]);
        CXType type = clang_getCanonicalType(clang_getCursorType(left));
        node = type.kind == CXType_Pointer || is_array(type) ? left : ll_body_strip(parts[1]);
    }
    if (!ll_body_is_kind(node, CXCursor_MemberRefExpr))
        return false;
    CXCursor referenced = clang_getCursorReferenced(node);
    if (!ll_body_is_kind(referenced, CXCursor_FieldDecl))
        return false;
    *field = referenced;
    return true;
}

/* ---- Recording one store ---------------------------------------------------------- */

typedef struct store_walk {
    ll_front_unit *front;
    char *global; /* the variable initialised or assigned, or NULL */
    char *global_usr;
    bool out_of_memory;
} store_walk;

static char *cursor_spelling(CXCursor cursor)
{
    CXString spelling = clang_getCursorSpelling(cursor);
    char *copy = strdup(clang_getCString(spelling) ? clang_getCString(spelling) : "");
    clang_disposeString(spelling);
    return copy;
}

static char *cursor_usr(CXCursor cursor)
{
    CXString usr = clang_getCursorUSR(cursor);
    char *copy = strdup(clang_getCString(usr) ? clang_getCString(usr) : "");
    clang_disposeString(usr);
    return copy;
}

/* Starts a walk storing into `variable` (a VarDecl, or a null cursor). */
static int begin_walk(store_walk *walk, ll_front_unit *front, CXCursor variable)
{
    *walk = (store_walk){front, NULL, NULL, false};
    if (clang_Cursor_isNull(variable))
        return 0;
    walk->global = cursor_spelling(variable);
    walk->global_usr = cursor_usr(variable);
    return walk->global && walk->global_usr ? 0 : -1;
}

static int end_walk(store_walk *walk)
{
    free(walk->global);
    free(walk->global_usr);
    return walk->out_of_memory ? -1 : 0;
}

/* `reference` (a DeclRefExpr) names `function`, stored into `field` (a
 * FieldDecl of function-pointer type, or null) and the walk's variable. */
static int add_store(store_walk *walk, CXCursor reference, CXCursor function, CXCursor field)
{
    bool has_field = !clang_Cursor_isNull(field);
    ll_function_store store = {
        .record_type = has_field ? ll_front_record_name(field) : NULL,
        .field = has_field ? cursor_spelling(field) : NULL,
        .global = walk->global,
        .global_usr = walk->global_usr,
        .function_name = cursor_spelling(function),
        .function_usr = cursor_usr(function),
        .location = ll_front_location(walk->front, clang_getCursorLocation(reference)),
    };
    int result = 0;
    if ((has_field && (!store.record_type || !store.field)) || !store.function_name ||
        !store.function_usr || !ll_unit_add_store(ll_front_unit_facts(walk->front), &store))
        result = -1;
    free(store.record_type);
    free(store.field);
    free(store.function_name);
    free(store.function_usr);
    if (result != 0)
        walk->out_of_memory = true;
    return result;
}

/* The functions `expression` names, stored into `field` (or null). */
static int store_value(store_walk *walk, CXCursor expression, CXCursor field, unsigned depth)
{
    if (!clang_Cursor_isNull(field) && !holds_function_pointers(clang_getCursorType(field)))
        return 0;
    if ((clang_Cursor_isNull(field) && !walk->global) || depth >= LL_BODY_DEPTH_LIMIT)
        return 0;
    CXCursor node = ll_body_strip(expression);
    CXCursor parts[3];
    if (ll_body_is_kind(node, CXCursor_ConditionalOperator)) {
        if (ll_body_expression_children(node, parts, 3) != 3)
            return 0;
        if (store_value(walk, parts[1], field, depth + 1) != 0)
            return -1;
        return store_value(walk, parts[2], field, depth + 1);
    }
    if (ll_body_is_kind(node, CXCursor_UnaryOperator) &&
        clang_getCursorUnaryOperatorKind(node) == CXUnaryOperator_AddrOf &&
        ll_body_only_expression_child(node, &parts[0]))
        node = ll_body_strip(parts[0]);
    if (!ll_body_is_kind(node, CXCursor_DeclRefExpr))
        return 0;
    CXCursor function = clang_getCursorReferenced(node);
    if (!ll_body_is_kind(function, CXCursor_FunctionDecl))
        return 0;
    return add_store(walk, node, function, field);
}

/* ---- Initialisers ------------------------------------------------------------------ */

typedef struct field_list {
    CXCursor *fields;
    unsigned count, capacity;
    bool out_of_memory;
} field_list;

static enum CXVisitorResult add_field(CXCursor field, CXClientData data)
{
    field_list *list = data;
    if (list->count == list->capacity) {
        unsigned capacity = list->capacity ? list->capacity * 2 : 8;
        CXCursor *fields = realloc(list->fields, capacity * sizeof *fields);
        if (!fields) {
            list->out_of_memory = true;
            return CXVisit_Break;
        }
        list->fields = fields;
        list->capacity = capacity;
    }
    list->fields[list->count++] = field;
    return CXVisit_Continue;
}

enum { POSITION_LOST = ~0u };

static unsigned field_position(const field_list *list, CXCursor field)
{
    for (unsigned i = 0; i < list->count; i++)
        if (clang_equalCursors(list->fields[i], field))
            return i;
    return POSITION_LOST;
}

/* A designated element (`.a.b = v`, `[i].f = v`: an unexposed void
 * expression whose last expression child is the value): *value, the
 * first field named (null for an index) and the last (the one the value
 * goes into; null when only indices are named). */
typedef struct designation {
    CXCursor value;
    CXCursor first_field;
    CXCursor last_field;
    bool first_is_field;
    unsigned seen;
} designation;

static enum CXChildVisitResult read_designator(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    designation *found = data;
    if (ll_body_is_kind(cursor, CXCursor_MemberRef)) {
        CXCursor field = clang_getCursorReferenced(cursor);
        if (found->seen == 0) {
            found->first_field = field;
            found->first_is_field = true;
        }
        found->last_field = field;
    }
    if (clang_isExpression(clang_getCursorKind(cursor)))
        found->value = cursor;
    found->seen++;
    return CXChildVisit_Continue;
}

static bool is_designated(CXCursor element, designation *found)
{
    if (!ll_body_is_kind(element, CXCursor_UnexposedExpr) ||
        clang_getCanonicalType(clang_getCursorType(element)).kind != CXType_Void)
        return false;
    *found = (designation){clang_getNullCursor(), clang_getNullCursor(), clang_getNullCursor(),
                           false, 0};
    clang_visitChildren(element, read_designator, found);
    return !clang_Cursor_isNull(found->value);
}

/* Whether a positional element for `field` fills it only in part, C's
 * brace elision: an aggregate field given something that is neither a
 * list, nor a whole value of its type, nor a string for a char array. */
static bool elided(CXCursor element, CXCursor field)
{
    CXType type = clang_getCanonicalType(clang_getCursorType(field));
    if (type.kind != CXType_Record && !is_array(type))
        return false;
    CXCursor node = ll_body_strip(element);
    if (ll_body_is_kind(node, CXCursor_InitListExpr))
        return false;
    if (is_array(type))
        return !ll_body_is_kind(node, CXCursor_StringLiteral);
    CXType given = clang_getCanonicalType(clang_getCursorType(node));
    return !clang_equalTypes(clang_getUnqualifiedType(given), clang_getUnqualifiedType(type));
}

static int walk_expression(store_walk *walk, CXCursor expression, CXCursor field, unsigned depth);

/* A struct's or union's list: elements go to its fields (see the top). */
static int walk_record(store_walk *walk, CXCursor list, CXType type, unsigned depth)
{
    field_list fields = {NULL, 0, 0, false};
    clang_Type_visitFields(type, add_field, &fields);
    CXCursor *elements = NULL;
    unsigned count = ll_body_expression_children(list, NULL, 0);
    int result = fields.out_of_memory ? -1 : 0;
    if (result == 0 && count) {
        elements = malloc(count * sizeof *elements);
        if (!elements)
            result = -1;
        else
            ll_body_expression_children(list, elements, count);
    }
    unsigned position = 0;
    for (unsigned i = 0; i < count && result == 0; i++) {
        designation designation;
        if (is_designated(elements[i], &designation)) {
            position = designation.first_is_field ? field_position(&fields, designation.first_field)
                                                  : POSITION_LOST;
            result = walk_expression(walk, designation.value, designation.last_field, depth);
        } else if (position < fields.count && !elided(elements[i], fields.fields[position])) {
            result = walk_expression(walk, elements[i], fields.fields[position], depth);
        } else {
            position = POSITION_LOST;
        }
        if (position != POSITION_LOST)
            position++;
    }
    free(elements);
    free(fields.fields);
    if (result != 0)
        walk->out_of_memory = true;
    return result;
}

typedef struct element_walk {
    store_walk *walk;
    CXCursor field;
    unsigned depth;
    int result;
} element_walk;

static enum CXChildVisitResult walk_element(CXCursor element, CXCursor parent, CXClientData data)
{
    (void)parent;
    element_walk *elements = data;
    if (!clang_isExpression(clang_getCursorKind(element)))
        return CXChildVisit_Continue;
    designation designation;
    CXCursor value = element;
    CXCursor field = elements->field;
    if (is_designated(element, &designation)) {
        value = designation.value;
        if (!clang_Cursor_isNull(designation.last_field))
            field = designation.last_field;
    }
    elements->result = walk_expression(elements->walk, value, field, elements->depth);
    return elements->result == 0 ? CXChildVisit_Continue : CXChildVisit_Break;
}

/* Any list: a struct's by field; an array's (or a scalar's braces) all
 * into `field`, the one holding the array. */
static int walk_list(store_walk *walk, CXCursor list, CXCursor field, unsigned depth)
{
    CXType type = clang_getCanonicalType(clang_getCursorType(list));
    if (type.kind == CXType_Record)
        return walk_record(walk, list, type, depth);
    element_walk elements = {walk, field, depth, 0};
    clang_visitChildren(list, walk_element, &elements);
    return elements.result;
}

/* A compound literal's list stores into its own fields, not into the
 * variable whose initialiser holds a pointer to it. */
static int walk_literal(store_walk *walk, CXCursor literal, unsigned depth)
{
    CXCursor children[2];
    unsigned count = ll_body_children(literal, children, 2);
    CXCursor list = count ? children[count - 1] : clang_getNullCursor();
    if (clang_Cursor_isNull(list) || !ll_body_is_kind(list, CXCursor_InitListExpr))
        return 0;
    store_walk inner = {walk->front, NULL, NULL, false};
    int result = walk_list(&inner, list, clang_getNullCursor(), depth + 1);
    if (result != 0)
        walk->out_of_memory = true;
    return result;
}

static int walk_expression(store_walk *walk, CXCursor expression, CXCursor field, unsigned depth)
{
    if (depth >= LL_BODY_DEPTH_LIMIT)
        return 0;
    CXCursor node = ll_body_strip(expression);
    CXCursor operand;
    if (ll_body_is_kind(node, CXCursor_UnaryOperator) &&
        clang_getCursorUnaryOperatorKind(node) == CXUnaryOperator_AddrOf &&
        ll_body_only_expression_child(node, &operand) &&
        ll_body_is_kind(ll_body_strip(operand), CXCursor_CompoundLiteralExpr))
        node = ll_body_strip(operand);
    if (ll_body_is_kind(node, CXCursor_CompoundLiteralExpr))
        return walk_literal(walk, node, depth);
    if (ll_body_is_kind(node, CXCursor_InitListExpr))
        return walk_list(walk, node, field, depth + 1);
    return store_value(walk, node, field, depth);
}

/* An array (of arrays) of numbers: data, often large (an embedded font,
 * a lookup table), that holds no function. */
static bool is_numeric_array(CXType type)
{
    CXType canonical = clang_getCanonicalType(type);
    if (!is_array(canonical))
        return false;
    while (is_array(canonical))
        canonical = clang_getCanonicalType(clang_getArrayElementType(canonical));
    return (canonical.kind >= CXType_Bool && canonical.kind <= CXType_LongDouble) ||
           canonical.kind == CXType_Enum;
}

int ll_front_initializer_stores(ll_front_unit *front, CXCursor initializer, CXCursor variable)
{
    if (is_numeric_array(clang_getCursorType(initializer)))
        return 0;
    store_walk walk;
    if (begin_walk(&walk, front, variable) != 0) {
        end_walk(&walk);
        return -1;
    }
    walk_expression(&walk, initializer, clang_getNullCursor(), 0);
    return end_walk(&walk);
}

int ll_front_assignment_stores(ll_front_unit *front, CXCursor target, CXCursor source,
                               CXCursor variable)
{
    CXCursor field = clang_getNullCursor();
    if (!ll_front_function_field(target, &field) && clang_Cursor_isNull(variable))
        return 0;
    store_walk walk;
    if (begin_walk(&walk, front, variable) != 0) {
        end_walk(&walk);
        return -1;
    }
    store_value(&walk, source, field, 0);
    return end_walk(&walk);
}

// NOLINTEND(misc-no-recursion)
