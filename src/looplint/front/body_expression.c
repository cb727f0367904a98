/*
 * body_expression.c - expressions of a function body as values and
 * operations (facts.h describes the model; calls are body_call.c's,
 * conditions body_condition.c's).
 *
 * An expression is lowered for its value (ll_body_lower_expression) or as
 * an operand whose value only matters as a read (ll_body_lower_operand: a
 * local read that way gets a USE). Parentheses and casts are looked
 * through (ll_body_strip), so `(void *)p` is p and
 * `(int (*)(void *))worker` is worker. Assignments to a local are ASSIGNs;
 * to anything else (a field, an element, a global, through a pointer)
 * STOREs, and so is a local put into an initializer list, where it
 * escapes.
 *
 * Function pointers. A value read from a function-pointer field
 * (`job->run`, `table[i].run`) names the field and its struct; a function
 * assigned to a field or a global, and the functions an initializer list
 * puts into fields, are recorded as the unit's stores (stores.c). The
 * link resolves the one through the other.
 *
 * Constants. clang_Cursor_Evaluate folds an expression clang can compute,
 * but in its "ignore side effects" mode it also folds `(f(), 1)` to 1. So
 * folding is decided bottom-up: a node is pure when it is a literal, an
 * enumerator, sizeof, a const global, or an arithmetic, comparison or
 * cast of pure nodes; only the largest pure expression that a value is
 * asked of is given to clang, once, which keeps the walk linear. A pure
 * pointer whose integer is 0 is NULL (`(void *)0`, or 0 where a pointer
 * is expected).
 */
#include "body.h"
#include "stores.h"

/* Lowering follows the syntax tree down, as its shape is recursive; the
 * depth is bounded by LL_BODY_DEPTH_LIMIT (body.h). */
// NOLINTBEGIN(misc-no-recursion)

#include <stdlib.h>
#include <string.h>

/* ---- Cursors -------------------------------------------------------------------- */

typedef struct child_list {
    CXCursor *children;
    unsigned max;
    unsigned count;
    bool expressions_only;
    CXCursor last; /* the last one kept, whatever max is */
} child_list;

static enum CXChildVisitResult add_child(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    child_list *list = data;
    if (list->expressions_only && !clang_isExpression(clang_getCursorKind(cursor)))
        return CXChildVisit_Continue;
    if (list->count < list->max)
        list->children[list->count] = cursor;
    list->count++;
    list->last = cursor;
    return CXChildVisit_Continue;
}

static unsigned collect_children(CXCursor cursor, CXCursor *children, unsigned max,
                                 bool expressions_only, CXCursor *last)
{
    child_list list = {children, max, 0, expressions_only, clang_getNullCursor()};
    clang_visitChildren(cursor, add_child, &list);
    if (last)
        *last = list.last;
    return list.count;
}

unsigned ll_body_children(CXCursor cursor, CXCursor *children, unsigned max)
{
    return collect_children(cursor, children, max, false, NULL);
}

unsigned ll_body_expression_children(CXCursor cursor, CXCursor *children, unsigned max)
{
    return collect_children(cursor, children, max, true, NULL);
}

static bool last_expression_child(CXCursor cursor, CXCursor *child)
{
    return collect_children(cursor, NULL, 0, true, child) > 0;
}

bool ll_body_only_expression_child(CXCursor cursor, CXCursor *child)
{
    return collect_children(cursor, child, 1, true, NULL) == 1;
}

static enum CXTypeKind canonical_kind(CXType type)
{
    return clang_getCanonicalType(type).kind;
}

static bool is_void(CXCursor cursor)
{
    return canonical_kind(clang_getCursorType(cursor)) == CXType_Void;
}

static bool is_pointer(CXCursor cursor)
{
    return canonical_kind(clang_getCursorType(cursor)) == CXType_Pointer;
}

ll_location ll_body_location(ll_body *body, CXCursor cursor)
{
    return ll_front_location(body->front, clang_getCursorLocation(cursor));
}

/* __builtin_expect(e, c) has the value of e: a compiler hint, not a call
 * (likely() and unlikely() wrap conditions in it). */
static bool is_expectation(CXCursor call)
{
    CXString name = clang_getCursorSpelling(call);
    const char *text = clang_getCString(name);
    bool expectation = text && strncmp(text, "__builtin_expect", 16) == 0 &&
                       (text[16] == '\0' || strcmp(text + 16, "_with_probability") == 0);
    clang_disposeString(name);
    return expectation;
}

CXCursor ll_body_strip(CXCursor cursor)
{
    for (;;) {
        CXCursor inner;
        switch (clang_getCursorKind(cursor)) {
        case CXCursor_ParenExpr:
            if (!ll_body_only_expression_child(cursor, &inner))
                return cursor;
            break;
        case CXCursor_CStyleCastExpr:
            if (is_void(cursor) || !last_expression_child(cursor, &inner))
                return cursor;
            break;
        case CXCursor_UnexposedExpr:
            /* An implicit cast spans exactly its operand; other unexposed
               expressions (va_arg, a designated initializer) do not. */
            if (!ll_body_only_expression_child(cursor, &inner) ||
                !clang_equalRanges(clang_getCursorExtent(cursor), clang_getCursorExtent(inner)))
                return cursor;
            break;
        case CXCursor_UnaryOperator:
            if (clang_getCursorUnaryOperatorKind(cursor) != CXUnaryOperator_Extension ||
                !ll_body_only_expression_child(cursor, &inner))
                return cursor;
            break;
        case CXCursor_CallExpr:
            if (!is_expectation(cursor) || clang_Cursor_getNumArguments(cursor) < 1)
                return cursor;
            inner = clang_Cursor_getArgument(cursor, 0);
            if (clang_Cursor_isNull(inner))
                return cursor;
            break;
        default:
            return cursor;
        }
        cursor = inner;
    }
}

/* ---- Values ---------------------------------------------------------------------- */

void ll_body_value_init(ll_value *value)
{
    memset(value, 0, sizeof *value);
    value->variable = LL_NONE;
}

char *ll_body_spelling(CXCursor cursor)
{
    CXString spelling = clang_getCursorSpelling(cursor);
    char *copy = strdup(clang_getCString(spelling) ? clang_getCString(spelling) : "");
    clang_disposeString(spelling);
    return copy;
}

int ll_body_set_global(ll_body *body, ll_value *value, CXCursor declaration)
{
    CXString usr = clang_getCursorUSR(declaration);
    value->kind = LL_VALUE_GLOBAL;
    value->name = ll_body_spelling(declaration);
    value->usr = strdup(clang_getCString(usr) ? clang_getCString(usr) : "");
    clang_disposeString(usr);
    return value->name && value->usr ? 0 : ll_body_fail(body);
}

int ll_body_set_function(ll_body *body, ll_value *value, CXCursor declaration)
{
    CXString usr = clang_getCursorUSR(declaration);
    value->kind = LL_VALUE_FUNCTION;
    value->name = ll_body_spelling(declaration);
    value->usr = strdup(clang_getCString(usr) ? clang_getCString(usr) : "");
    clang_disposeString(usr);
    return value->name && value->usr ? 0 : ll_body_fail(body);
}

bool ll_body_evaluate(CXCursor cursor, int64_t *constant)
{
    CXEvalResult result = clang_Cursor_Evaluate(cursor);
    if (!result)
        return false;
    bool is_integer = clang_EvalResult_getKind(result) == CXEval_Int;
    if (is_integer)
        *constant = clang_EvalResult_isUnsignedInt(result)
                        ? (int64_t)clang_EvalResult_getAsUnsigned(result)
                        : (int64_t)clang_EvalResult_getAsLongLong(result);
    clang_EvalResult_dispose(result);
    return is_integer;
}

/* A pure expression's value, if clang can compute it (see the top). */
static void fold(CXCursor cursor, ll_value *value)
{
    bool pointer = is_pointer(cursor);
    int64_t constant = 0;
    if (!ll_body_evaluate(pointer ? ll_body_strip(cursor) : cursor, &constant))
        return;
    ll_value_clear(value);
    value->kind = pointer && constant == 0 ? LL_VALUE_NULL : LL_VALUE_CONSTANT;
    value->constant = constant;
}

int ll_body_add_use(ll_body *body, ll_index variable, CXCursor cursor)
{
    ll_operation *operation =
        ll_body_add_operation(body, LL_OPERATION_USE, ll_body_location(body, cursor));
    if (!operation)
        return -1;
    operation->value.kind = LL_VALUE_VARIABLE;
    operation->value.variable = variable;
    return 0;
}

static int lower_node(ll_body *body, CXCursor cursor, enum ll_result_use use, ll_value *value,
                      bool *pure);

int ll_body_lower_expression(ll_body *body, CXCursor cursor, enum ll_result_use use,
                             ll_value *value)
{
    bool pure = false;
    if (lower_node(body, cursor, use, value, &pure) != 0) {
        ll_value_clear(value);
        return -1;
    }
    if (pure)
        fold(cursor, value);
    return 0;
}

int ll_body_lower_discarded(ll_body *body, CXCursor cursor)
{
    ll_value value;
    int result = ll_body_lower_expression(body, cursor, LL_RESULT_DISCARDED, &value);
    ll_value_clear(&value);
    return result;
}

/* Lowers `cursor` for its effects and reads: a local it reads gets a USE.
 * *pure (when given) stays true only if the operand is pure. */
int ll_body_lower_operand(ll_body *body, CXCursor cursor, bool *pure)
{
    ll_value value;
    bool operand_pure = false;
    int result = lower_node(body, cursor, LL_RESULT_USED, &value, &operand_pure);
    if (result == 0 && value.kind == LL_VALUE_VARIABLE)
        result = ll_body_add_use(body, value.variable, cursor);
    ll_value_clear(&value);
    if (pure)
        *pure = *pure && operand_pure;
    return result;
}

typedef struct operand_walk {
    ll_body *body;
    bool pure;
} operand_walk;

static enum CXChildVisitResult lower_child_operand(CXCursor cursor, CXCursor parent,
                                                   CXClientData data)
{
    (void)parent;
    operand_walk *walk = data;
    if (!clang_isExpression(clang_getCursorKind(cursor)))
        return CXChildVisit_Continue;
    return ll_body_lower_operand(walk->body, cursor, &walk->pure) == 0 ? CXChildVisit_Continue
                                                                       : CXChildVisit_Break;
}

/* Every expression child of `cursor` as an operand: what is done with an
 * expression this file does not model. */
int ll_body_lower_operands(ll_body *body, CXCursor cursor, bool *pure)
{
    operand_walk walk = {body, true};
    clang_visitChildren(cursor, lower_child_operand, &walk);
    if (pure)
        *pure = walk.pure;
    return body->out_of_memory ? -1 : 0;
}

/* ---- Places: what an assignment writes, what & takes, what a read reads --------- */

enum place_kind { PLACE_OTHER = 0, PLACE_LOCAL, PLACE_GLOBAL };

typedef struct place {
    enum place_kind kind;
    ll_index variable; /* LOCAL */
    CXCursor global;   /* GLOBAL: the VarDecl */
    bool indirect;     /* reached through a pointer (p->f, *p, p[i]) */
} place;

/* Finds the variable at the root of a chain of fields, elements and
 * dereferences, lowering the indices on the way. */
static int lower_place(ll_body *body, CXCursor cursor, place *place)
{
    CXCursor node = ll_body_strip(cursor);
    CXCursor parts[2];
    switch (clang_getCursorKind(node)) {
    case CXCursor_DeclRefExpr: {
        CXCursor declaration = clang_getCursorReferenced(node);
        ll_index variable = ll_body_variable(body, declaration);
        if (variable != LL_NONE) {
            place->kind = PLACE_LOCAL;
            place->variable = variable;
        } else if (ll_body_is_kind(declaration, CXCursor_VarDecl)) {
            place->kind = PLACE_GLOBAL;
            place->global = declaration;
        }
        return 0;
    }
    case CXCursor_MemberRefExpr:
        if (ll_body_expression_children(node, parts, 1) != 1)
            return 0;
        if (lower_place(body, parts[0], place) != 0)
            return -1;
        place->indirect = place->indirect || is_pointer(ll_body_strip(parts[0]));
        return 0;
    case CXCursor_ArraySubscriptExpr: {
        if (ll_body_expression_children(node, parts, 2) != 2)
            return ll_body_lower_operands(body, node, NULL);
        /* C allows i[a]: the base is the side that is a pointer or array. */
        CXCursor left = ll_body_strip(parts[0]);
        int base = is_pointer(left) || ll_body_is_array_type(clang_getCursorType(left)) ? 0 : 1;
        if (ll_body_lower_operand(body, parts[1 - base], NULL) != 0 ||
            lower_place(body, parts[base], place) != 0)
            return -1;
        place->indirect = place->indirect || is_pointer(ll_body_strip(parts[base]));
        return 0;
    }
    case CXCursor_UnaryOperator:
        if (clang_getCursorUnaryOperatorKind(node) == CXUnaryOperator_Deref &&
            ll_body_only_expression_child(node, &parts[0])) {
            if (lower_place(body, parts[0], place) != 0)
                return -1;
            place->indirect = true;
            return 0;
        }
        return ll_body_lower_operand(body, node, NULL);
    default:
        return ll_body_lower_operand(body, node, NULL);
    }
}

/* A value read from a function-pointer field names the field (and its
 * struct), which the link resolves to the functions stored there. */
static int name_field(ll_body *body, CXCursor node, ll_value *value)
{
    CXCursor field;
    if (!ll_front_function_field(node, &field))
        return 0;
    value->record_type = ll_front_record_name(field);
    value->field = ll_body_spelling(field);
    return value->record_type && value->field ? 0 : ll_body_fail(body);
}

/* s->f, a[i], *p read for their value: a global's (field access through
 * a global is the global), else a read of the local they start from. */
static int lower_read(ll_body *body, CXCursor node, ll_value *value)
{
    place place = {PLACE_OTHER, LL_NONE, clang_getNullCursor(), false};
    if (lower_place(body, node, &place) != 0)
        return -1;
    if (place.kind == PLACE_GLOBAL && ll_body_set_global(body, value, place.global) != 0)
        return -1;
    if (place.kind == PLACE_LOCAL && ll_body_add_use(body, place.variable, node) != 0)
        return -1;
    return name_field(body, node, value);
}

static int lower_address(ll_body *body, CXCursor operand, ll_value *value)
{
    CXCursor target = ll_body_strip(operand);
    if (ll_body_is_kind(target, CXCursor_DeclRefExpr)) {
        CXCursor declaration = clang_getCursorReferenced(target);
        if (ll_body_is_kind(declaration, CXCursor_FunctionDecl))
            return ll_body_set_function(body, value, declaration);
    }
    place place = {PLACE_OTHER, LL_NONE, clang_getNullCursor(), false};
    if (lower_place(body, operand, &place) != 0)
        return -1;
    if (place.kind == PLACE_GLOBAL)
        return ll_body_set_global(body, value, place.global);
    if (place.kind == PLACE_LOCAL && place.indirect)
        return ll_body_add_use(body, place.variable, target);
    if (place.kind == PLACE_LOCAL) {
        value->kind = LL_VALUE_ADDRESS;
        value->variable = place.variable;
    }
    return 0;
}

/* The local a plain `name` designates (not an array), or LL_NONE. */
static ll_index local_target(ll_body *body, CXCursor cursor)
{
    CXCursor node = ll_body_strip(cursor);
    if (!ll_body_is_kind(node, CXCursor_DeclRefExpr))
        return LL_NONE;
    ll_index variable = ll_body_variable(body, clang_getCursorReferenced(node));
    return variable != LL_NONE && !ll_body_variable_is_array(body, variable) ? variable : LL_NONE;
}

/* ---- Assignments ------------------------------------------------------------------- */

static int assign_local(ll_body *body, ll_index variable, CXCursor source, ll_location location)
{
    CXCursor call = ll_body_strip(source);
    ll_value value;
    if (ll_body_is_kind(call, CXCursor_CallExpr)) {
        int result = ll_body_lower_call(body, call, LL_RESULT_USED, variable, &value);
        ll_value_clear(&value);
        return result;
    }
    if (ll_body_lower_expression(body, source, LL_RESULT_USED, &value) != 0)
        return -1;
    ll_operation *operation = ll_body_add_operation(body, LL_OPERATION_ASSIGN, location);
    if (!operation) {
        ll_value_clear(&value);
        return -1;
    }
    operation->target = variable;
    operation->value = value;
    return 0;
}

int ll_body_lower_initializer(ll_body *body, ll_index variable, CXCursor initializer,
                              ll_location location)
{
    return assign_local(body, variable, initializer, location);
}

/* `target = source`: the value of the whole is what was assigned. */
static int lower_assignment(ll_body *body, CXCursor node, CXCursor target, CXCursor source,
                            ll_value *value)
{
    ll_location location = ll_body_location(body, node);
    ll_index variable = local_target(body, target);
    if (variable != LL_NONE) {
        if (assign_local(body, variable, source, location) != 0)
            return -1;
        value->kind = LL_VALUE_VARIABLE;
        value->variable = variable;
        return 0;
    }
    place place = {PLACE_OTHER, LL_NONE, clang_getNullCursor(), false};
    if (lower_place(body, target, &place) != 0 ||
        ll_body_lower_expression(body, source, LL_RESULT_USED, value) != 0)
        return -1;
    /* A function put into a field, or into a global (not through one). */
    CXCursor global =
        place.kind == PLACE_GLOBAL && !place.indirect ? place.global : clang_getNullCursor();
    if (ll_front_assignment_stores(body->front, target, source, global) != 0)
        return ll_body_fail(body);
    ll_operation *operation = ll_body_add_operation(body, LL_OPERATION_STORE, location);
    if (!operation)
        return -1;
    return ll_value_copy(&operation->value, value) == 0 ? 0 : ll_body_fail(body);
}

/* ++, --, +=...: the target gets a value the model does not follow. */
static int lower_update(ll_body *body, CXCursor node, CXCursor target, const CXCursor *source)
{
    if (source && ll_body_lower_operand(body, *source, NULL) != 0)
        return -1;
    ll_location location = ll_body_location(body, node);
    ll_index variable = local_target(body, target);
    if (variable != LL_NONE) {
        ll_operation *operation = ll_body_add_operation(body, LL_OPERATION_ASSIGN, location);
        if (!operation)
            return -1;
        operation->target = variable;
        return 0;
    }
    place place = {PLACE_OTHER, LL_NONE, clang_getNullCursor(), false};
    if (lower_place(body, target, &place) != 0)
        return -1;
    return ll_body_add_operation(body, LL_OPERATION_STORE, location) ? 0 : -1;
}

/* ---- Operators ---------------------------------------------------------------------- */

static int lower_unary(ll_body *body, CXCursor node, ll_value *value, bool *pure)
{
    CXCursor operand;
    if (!ll_body_only_expression_child(node, &operand))
        return ll_body_lower_operands(body, node, NULL);
    switch (clang_getCursorUnaryOperatorKind(node)) {
    case CXUnaryOperator_AddrOf:
        return lower_address(body, operand, value);
    case CXUnaryOperator_PreInc:
    case CXUnaryOperator_PreDec:
    case CXUnaryOperator_PostInc:
    case CXUnaryOperator_PostDec:
        return lower_update(body, node, operand, NULL);
    case CXUnaryOperator_Plus:
    case CXUnaryOperator_Minus:
    case CXUnaryOperator_Not:
    case CXUnaryOperator_LNot:
        *pure = true;
        return ll_body_lower_operand(body, operand, pure);
    case CXUnaryOperator_Deref:
        return lower_read(body, node, value);
    default:
        return ll_body_lower_operand(body, operand, NULL);
    }
}

/* a && b, a || b for their value: b is evaluated in a block of its own. */
static int lower_logical(ll_body *body, CXCursor left, CXCursor right, bool conjunction)
{
    ll_index second = ll_body_add_block(body);
    ll_index join = ll_body_add_block(body);
    enum ll_body_condition folded;
    if (second == LL_NONE || join == LL_NONE ||
        ll_body_lower_condition(body, left, conjunction ? second : join,
                                conjunction ? join : second, &folded) != 0)
        return -1;
    body->current = second;
    if (ll_body_lower_operand(body, right, NULL) != 0 ||
        ll_body_jump(body, join, body->no_location) != 0)
        return -1;
    body->current = join;
    return 0;
}

static int lower_binary(ll_body *body, CXCursor node, enum ll_result_use use, ll_value *value,
                        bool *pure)
{
    CXCursor parts[2];
    if (ll_body_expression_children(node, parts, 2) != 2)
        return ll_body_lower_operands(body, node, NULL);
    enum CXBinaryOperatorKind opcode = clang_getCursorBinaryOperatorKind(node);
    switch (opcode) {
    case CXBinaryOperator_Assign:
        return lower_assignment(body, node, parts[0], parts[1], value);
    case CXBinaryOperator_LAnd:
    case CXBinaryOperator_LOr:
        return lower_logical(body, parts[0], parts[1], opcode == CXBinaryOperator_LAnd);
    case CXBinaryOperator_Comma:
        if (ll_body_lower_discarded(body, parts[0]) != 0)
            return -1;
        return ll_body_lower_expression(body, parts[1], use, value);
    default:
        if (opcode >= CXBinaryOperator_MulAssign && opcode <= CXBinaryOperator_OrAssign)
            return lower_update(body, node, parts[0], &parts[1]);
        *pure = true;
        if (ll_body_lower_operand(body, parts[0], pure) != 0 ||
            ll_body_lower_operand(body, parts[1], pure) != 0)
            return -1;
        return 0;
    }
}

/* c ? a : b. When its value is used it goes through a temporary that each
 * arm assigns (so `p = c ? malloc(n) : NULL` is a call into the temporary
 * on one side, NULL on the other, then p = the temporary). */
static int lower_conditional(ll_body *body, CXCursor node, enum ll_result_use use, ll_value *value)
{
    CXCursor parts[3];
    if (ll_body_expression_children(node, parts, 3) != 3)
        return ll_body_lower_operands(body, node, NULL);
    ll_index arms[2] = {ll_body_add_block(body), ll_body_add_block(body)};
    ll_index join = ll_body_add_block(body);
    enum ll_body_condition folded;
    if (arms[0] == LL_NONE || arms[1] == LL_NONE || join == LL_NONE ||
        ll_body_lower_condition(body, parts[0], arms[0], arms[1], &folded) != 0)
        return -1;
    ll_location location = ll_body_location(body, node);
    ll_index temporary = LL_NONE;
    if (use == LL_RESULT_USED && !is_void(node)) {
        temporary = ll_body_add_temporary(body, clang_getCursorType(node), location);
        if (temporary == LL_NONE)
            return -1;
    }
    for (int arm = 0; arm < 2; arm++) {
        body->current = arms[arm];
        int result = 0;
        if (temporary != LL_NONE) {
            result = assign_local(body, temporary, parts[1 + arm], location);
        } else {
            result = ll_body_lower_expression(body, parts[1 + arm], use, value);
            ll_value_clear(value);
        }
        if (result != 0 || ll_body_jump(body, join, body->no_location) != 0)
            return -1;
    }
    body->current = join;
    if (temporary != LL_NONE) {
        value->kind = LL_VALUE_VARIABLE;
        value->variable = temporary;
    }
    return 0;
}

/* ({ statements; last; }): the statements run in place; the value is the
 * last one's when it is an expression. Lowering runs one child behind the
 * walk, so that the last is known when it comes. */
typedef struct statement_walk {
    ll_body *body;
    CXCursor previous;
    bool has_previous;
} statement_walk;

static enum CXChildVisitResult lower_previous(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    statement_walk *walk = data;
    if (walk->has_previous && ll_body_lower_statement(walk->body, walk->previous) != 0)
        return CXChildVisit_Break;
    walk->previous = cursor;
    walk->has_previous = true;
    return CXChildVisit_Continue;
}

static int lower_statement_expression(ll_body *body, CXCursor node, enum ll_result_use use,
                                      ll_value *value)
{
    CXCursor compound;
    if (ll_body_children(node, &compound, 1) != 1)
        return 0;
    statement_walk walk = {body, clang_getNullCursor(), false};
    clang_visitChildren(compound, lower_previous, &walk);
    if (body->out_of_memory)
        return -1;
    if (!walk.has_previous)
        return 0;
    if (clang_isExpression(clang_getCursorKind(walk.previous)))
        return ll_body_lower_expression(body, walk.previous, use, value);
    return ll_body_lower_statement(body, walk.previous);
}

/* { a, .f = b, [2] = c }: a local or its address put into an aggregate
 * escapes there, which is a STORE. */
static enum CXChildVisitResult lower_element(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    ll_body *body = data;
    if (!clang_isExpression(clang_getCursorKind(cursor)))
        return CXChildVisit_Continue;
    CXCursor element = cursor;
    /* A designator (.f = or [i] =) is an unexposed void expression
       whose last child is the value. */
    if (ll_body_is_kind(cursor, CXCursor_UnexposedExpr) && is_void(cursor) &&
        !last_expression_child(cursor, &element))
        return CXChildVisit_Continue;
    ll_value value;
    if (ll_body_lower_expression(body, element, LL_RESULT_USED, &value) != 0)
        return CXChildVisit_Break;
    if (value.kind != LL_VALUE_VARIABLE && value.kind != LL_VALUE_ADDRESS) {
        ll_value_clear(&value);
        return CXChildVisit_Continue;
    }
    ll_operation *operation =
        ll_body_add_operation(body, LL_OPERATION_STORE, ll_body_location(body, element));
    if (!operation) {
        ll_value_clear(&value);
        return CXChildVisit_Break;
    }
    operation->value = value;
    return CXChildVisit_Continue;
}

/* Names and literals: a value, nothing to lower. */
static bool is_leaf(enum CXCursorKind kind)
{
    switch (kind) {
    case CXCursor_IntegerLiteral:
    case CXCursor_CharacterLiteral:
    case CXCursor_FloatingLiteral:
    case CXCursor_CXXBoolLiteralExpr:
    case CXCursor_UnaryExpr:
    case CXCursor_StringLiteral:
    case CXCursor_GNUNullExpr:
    case CXCursor_CXXNullPtrLiteralExpr:
    case CXCursor_DeclRefExpr:
        return true;
    default:
        return false;
    }
}

static int lower_leaf(ll_body *body, CXCursor node, ll_value *value, bool *pure)
{
    switch (clang_getCursorKind(node)) {
    case CXCursor_StringLiteral:
        value->kind = LL_VALUE_STRING;
        return 0;
    case CXCursor_GNUNullExpr:
    case CXCursor_CXXNullPtrLiteralExpr:
        value->kind = LL_VALUE_NULL;
        return 0;
    case CXCursor_DeclRefExpr:
        break;
    default: /* literals, and sizeof and _Alignof, whose operand is not evaluated */
        *pure = true;
        return 0;
    }
    CXCursor declaration = clang_getCursorReferenced(node);
    ll_index variable = ll_body_variable(body, declaration);
    if (variable != LL_NONE) {
        value->kind =
            ll_body_variable_is_array(body, variable) ? LL_VALUE_ADDRESS : LL_VALUE_VARIABLE;
        value->variable = variable;
        return 0;
    }
    switch (clang_getCursorKind(declaration)) {
    case CXCursor_FunctionDecl:
        return ll_body_set_function(body, value, declaration);
    case CXCursor_EnumConstantDecl:
        *pure = true;
        value->kind = LL_VALUE_CONSTANT;
        value->constant = clang_getEnumConstantDeclValue(declaration);
        return 0;
    case CXCursor_VarDecl:
        /* A const global may fold to its initializer; if not, it is the
           global. */
        *pure = clang_isConstQualifiedType(clang_getCursorType(declaration)) != 0;
        return ll_body_set_global(body, value, declaration);
    default:
        return 0;
    }
}

int ll_body_leaf_value(ll_body *body, CXCursor cursor, ll_value *value)
{
    ll_body_value_init(value);
    bool pure = false;
    CXCursor node = ll_body_strip(cursor);
    if (!is_leaf(clang_getCursorKind(node)))
        return 0;
    if (lower_leaf(body, node, value, &pure) != 0) {
        ll_value_clear(value);
        return -1;
    }
    if (pure)
        fold(cursor, value);
    return 0;
}

static int lower_kind(ll_body *body, CXCursor node, enum ll_result_use use, ll_value *value,
                      bool *pure)
{
    CXCursor inner;
    enum CXCursorKind kind = clang_getCursorKind(node);
    if (is_leaf(kind))
        return lower_leaf(body, node, value, pure);
    switch (kind) {
    case CXCursor_UnaryOperator:
        return lower_unary(body, node, value, pure);
    case CXCursor_BinaryOperator:
    case CXCursor_CompoundAssignOperator:
        return lower_binary(body, node, use, value, pure);
    case CXCursor_ConditionalOperator:
        return lower_conditional(body, node, use, value);
    case CXCursor_CallExpr:
        return ll_body_lower_call(body, node, use, LL_NONE, value);
    case CXCursor_CStyleCastExpr: /* to void: ll_body_strip() goes through others */
        if (!last_expression_child(node, &inner))
            return 0;
        if (ll_body_lower_expression(body, inner, LL_RESULT_VOID_CAST, value) != 0)
            return -1;
        ll_value_clear(value);
        return 0;
    case CXCursor_MemberRefExpr:
    case CXCursor_ArraySubscriptExpr:
        return lower_read(body, node, value);
    case CXCursor_StmtExpr:
        return lower_statement_expression(body, node, use, value);
    case CXCursor_InitListExpr:
        /* The outermost list records the functions it stores, nested
           lists included (stores.c follows the fields down). */
        if (body->initializer_depth == 0 &&
            ll_front_initializer_stores(body->front, node, clang_getNullCursor()) != 0)
            return ll_body_fail(body);
        body->initializer_depth++;
        clang_visitChildren(node, lower_element, body);
        body->initializer_depth--;
        return body->out_of_memory ? -1 : 0;
    case CXCursor_UnexposedExpr:
        /* offsetof, and whatever clang does not expose: pure if made of
           pure parts (clang decides whether it folds). */
        return ll_body_lower_operands(body, node, pure);
    default:
        return ll_body_lower_operands(body, node, NULL);
    }
}

static int lower_node(ll_body *body, CXCursor cursor, enum ll_result_use use, ll_value *value,
                      bool *pure)
{
    ll_body_value_init(value);
    *pure = false;
    if (body->depth >= LL_BODY_DEPTH_LIMIT)
        return ll_body_lower_flat(body, cursor);
    body->depth++;
    int result = lower_kind(body, ll_body_strip(cursor), use, value, pure);
    body->depth--;
    return result;
}

// NOLINTEND(misc-no-recursion)
