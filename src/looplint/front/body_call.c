/*
 * body_call.c - call expressions as call sites and CALL operations.
 *
 * A call is recorded when it starts (calls[] is in source order, an outer
 * call before the calls in its arguments), then its callee expression and
 * its arguments are lowered left to right - a call among them goes to a
 * temporary first, so `close(connect(...))` is "connect -> t; close(t)" -
 * and then the CALL operation lands in whatever block is current by then.
 * Its result goes to the local being assigned when the call is the whole
 * right-hand side, else to a new temporary when the value is used, else
 * nowhere.
 *
 * A call to a function that does not return ends its block. GNU's
 * noreturn attribute is part of the function's type, which clang prints
 * in the type's spelling (libclang has no other way to ask); C11's
 * _Noreturn and C23's [[noreturn]] are attributes of the declaration that
 * libclang does not expose, recognised by their first token (which may
 * be the name of a macro standing for them).
 */
#include "body.h"
#include "stores.h"

#include <ctype.h>
#include <string.h>

/* A call through a function-pointer field (`c->ops->write(...)`, or an
 * element of an array field, `s->handlers[i](...)`): the field and the
 * struct it belongs to. */
static int describe_field(ll_body *body, ll_call *call, CXCursor field)
{
    call->callee_kind = LL_CALLEE_FIELD;
    call->callee_name = ll_body_spelling(field);
    call->callee_type = ll_front_record_name(field);
    return call->callee_name && call->callee_type ? 0 : ll_body_fail(body);
}

/* A call through a global or static variable, or an element of one. */
static int describe_global(ll_body *body, ll_call *call, CXCursor variable)
{
    ll_value global;
    ll_body_value_init(&global);
    if (ll_body_set_global(body, &global, variable) != 0) {
        ll_value_clear(&global);
        return -1;
    }
    call->callee_kind = LL_CALLEE_GLOBAL;
    call->callee_name = global.name;
    call->callee_usr = global.usr;
    return 0;
}

/* The global or static array an element `callee` is taken from
 * (`jobs[i]`), or a null cursor. */
static CXCursor element_of_global(ll_body *body, CXCursor callee)
{
    CXCursor parts[2];
    if (!ll_body_is_kind(callee, CXCursor_ArraySubscriptExpr) ||
        ll_body_expression_children(callee, parts, 2) != 2)
        return clang_getNullCursor();
    /* C allows i[a]: the base is the side that is an array. */
    CXCursor left = ll_body_strip(parts[0]);
    CXCursor base =
        ll_body_is_array_type(clang_getCursorType(left)) ? left : ll_body_strip(parts[1]);
    if (!ll_body_is_kind(base, CXCursor_DeclRefExpr))
        return clang_getNullCursor();
    CXCursor variable = clang_getCursorReferenced(base);
    if (!ll_body_is_kind(variable, CXCursor_VarDecl) ||
        ll_body_variable(body, variable) != LL_NONE ||
        !ll_body_is_array_type(clang_getCursorType(variable)))
        return clang_getNullCursor();
    return variable;
}

/* Sets who is called, lowering what the callee expression reads unless
 * the call is lowered flat. */
static int describe_callee(ll_body *body, ll_index index, CXCursor callee, bool flat)
{
    ll_call *call = &body->function->calls[index];
    CXCursor base;
    CXCursor field;
    switch (clang_getCursorKind(callee)) {
    case CXCursor_DeclRefExpr: {
        CXCursor declaration = clang_getCursorReferenced(callee);
        if (ll_body_is_kind(declaration, CXCursor_FunctionDecl)) {
            ll_value function;
            ll_body_value_init(&function);
            if (ll_body_set_function(body, &function, declaration) != 0) {
                ll_value_clear(&function);
                return -1;
            }
            call->callee_kind = LL_CALLEE_DIRECT;
            call->callee_name = function.name;
            call->callee_usr = function.usr;
            return 0;
        }
        call->callee_variable = ll_body_variable(body, declaration);
        if (call->callee_variable != LL_NONE) {
            call->callee_kind = LL_CALLEE_VARIABLE;
            return 0;
        }
        if (ll_body_is_kind(declaration, CXCursor_VarDecl))
            return describe_global(body, call, declaration);
        call->callee_kind = LL_CALLEE_OTHER;
        return 0;
    }
    case CXCursor_MemberRefExpr:
        field = clang_getCursorReferenced(callee);
        if (ll_body_is_kind(field, CXCursor_FieldDecl)) {
            if (describe_field(body, call, field) != 0)
                return -1;
        } else {
            /* A member clang could not resolve (a broken TU): named only. */
            call->callee_kind = LL_CALLEE_FIELD;
            call->callee_name = ll_body_spelling(callee);
            call->callee_type = strdup("");
            if (!call->callee_name || !call->callee_type)
                return ll_body_fail(body);
        }
        if (!flat && ll_body_expression_children(callee, &base, 1) == 1)
            return ll_body_lower_operand(body, base, NULL);
        return 0;
    default: {
        CXCursor variable = element_of_global(body, callee);
        int result = 0;
        if (ll_front_function_field(callee, &field))
            result = describe_field(body, call, field);
        else if (!clang_Cursor_isNull(variable))
            result = describe_global(body, call, variable);
        else
            call->callee_kind = LL_CALLEE_OTHER;
        if (result != 0)
            return -1;
        return flat ? 0 : ll_body_lower_operand(body, callee, NULL);
    }
    }
}

/* _Noreturn, noreturn (<stdnoreturn.h>, [[noreturn]]), __noreturn__, and
 * a project's macro for one of them whose name says so (NO_RETURN). */
static bool noreturn_keyword(const char *text)
{
    char letters[64];
    size_t length = 0;
    for (; text && *text && length + 1 < sizeof letters; text++) {
        if (*text != '_')
            letters[length++] = (char)tolower((unsigned char)*text);
    }
    letters[length] = '\0';
    return strstr(letters, "noreturn") != NULL;
}

typedef struct attribute_walk {
    CXTranslationUnit translation_unit;
    bool noreturn;
} attribute_walk;

static enum CXChildVisitResult find_noreturn(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    attribute_walk *walk = data;
    if (!ll_body_is_kind(cursor, CXCursor_UnexposedAttr))
        return CXChildVisit_Continue;
    CXToken *token =
        clang_getToken(walk->translation_unit, clang_getRangeStart(clang_getCursorExtent(cursor)));
    if (!token)
        return CXChildVisit_Continue;
    CXString spelling = clang_getTokenSpelling(walk->translation_unit, *token);
    walk->noreturn = noreturn_keyword(clang_getCString(spelling));
    clang_disposeString(spelling);
    clang_disposeTokens(walk->translation_unit, token, 1);
    return walk->noreturn ? CXChildVisit_Break : CXChildVisit_Continue;
}

/* Whether the callee is noreturn (see the top). A direct callee's answer
 * is remembered for the rest of the body. */
static bool is_noreturn(ll_body *body, CXCursor written, CXCursor callee)
{
    CXCursor declaration = clang_getNullCursor();
    if (ll_body_is_kind(callee, CXCursor_DeclRefExpr)) {
        declaration = clang_getCursorReferenced(callee);
        if (!ll_body_is_kind(declaration, CXCursor_FunctionDecl))
            declaration = clang_getNullCursor();
    }
    if (!clang_Cursor_isNull(declaration)) {
        ll_index known = ll_body_map_find(&body->noreturn, declaration);
        if (known != LL_NONE)
            return known != 0;
    }
    CXType type = clang_getCanonicalType(clang_getCursorType(written));
    if (type.kind == CXType_Pointer)
        type = clang_getCanonicalType(clang_getPointeeType(type));
    CXString spelling = clang_getTypeSpelling(type);
    const char *text = clang_getCString(spelling);
    bool noreturn = text && strstr(text, "__attribute__((noreturn))") != NULL;
    clang_disposeString(spelling);
    if (!clang_Cursor_isNull(declaration)) {
        if (!noreturn && clang_Cursor_hasAttrs(declaration)) {
            attribute_walk walk = {body->translation_unit, false};
            clang_visitChildren(declaration, find_noreturn, &walk);
            noreturn = walk.noreturn;
        }
        /* Out of memory here only costs the cache. */
        (void)ll_body_map_put(&body->noreturn, declaration, noreturn ? 1 : 0);
    }
    return noreturn;
}

/* A call: callee, then arguments left to right (a call among them goes to
 * a temporary first), then the CALL operation, whose result goes to
 * `target` when given, else to a temporary when `use` is USED. Lowered
 * flat, the arguments are only their leaf values. */
static int lower_call(ll_body *body, CXCursor call, enum ll_result_use use, ll_index target,
                      ll_value *value, bool flat)
{
    ll_body_value_init(value);
    CXCursor written;
    if (ll_body_children(call, &written, 1) < 1 ||
        !clang_isExpression(clang_getCursorKind(written)))
        return flat ? 0 : ll_body_lower_operands(body, call, NULL);
    CXCursor callee = ll_body_strip(written);
    CXCursor pointer;
    /* (*fp)(x) calls fp. */
    while (ll_body_is_kind(callee, CXCursor_UnaryOperator) &&
           clang_getCursorUnaryOperatorKind(callee) == CXUnaryOperator_Deref &&
           ll_body_only_expression_child(callee, &pointer))
        callee = ll_body_strip(pointer);

    ll_index index = ll_function_add_call(body->function, NULL);
    if (index == LL_NONE)
        return ll_body_fail(body);
    if (describe_callee(body, index, callee, flat) != 0)
        return -1;
    ll_location location = ll_body_location(body, callee);
    char *text = ll_front_range_text(body->front, clang_getCursorExtent(call));
    if (!text)
        return ll_body_fail(body);
    body->function->calls[index].location = location;
    body->function->calls[index].text = text;

    int count = clang_Cursor_getNumArguments(call);
    for (int i = 0; i < count; i++) {
        CXCursor expression = clang_Cursor_getArgument(call, (unsigned)i);
        ll_value argument;
        if ((flat ? ll_body_leaf_value(body, expression, &argument)
                  : ll_body_lower_expression(body, expression, LL_RESULT_USED, &argument)) != 0)
            return -1;
        ll_value *slot = ll_call_add_argument(&body->function->calls[index]);
        if (!slot) {
            ll_value_clear(&argument);
            return ll_body_fail(body);
        }
        *slot = argument;
    }

    CXType type = clang_getCursorType(call);
    enum ll_result_use result_use = use;
    if (target != LL_NONE) {
        result_use = LL_RESULT_USED;
    } else if (use == LL_RESULT_USED) {
        if (clang_getCanonicalType(type).kind == CXType_Void) {
            result_use = LL_RESULT_DISCARDED;
        } else {
            target = ll_body_add_temporary(body, type, location);
            if (target == LL_NONE)
                return -1;
            value->kind = LL_VALUE_VARIABLE;
            value->variable = target;
        }
    }
    ll_operation *operation = ll_body_add_operation(body, LL_OPERATION_CALL, location);
    if (!operation)
        return -1;
    operation->call = index;
    operation->target = target;
    body->function->calls[index].result_use = result_use;
    body->function->calls[index].block = body->current;
    if (is_noreturn(body, written, callee))
        ll_body_stop(body, LL_TERMINATOR_NORETURN, location);
    return 0;
}

int ll_body_lower_call(ll_body *body, CXCursor call, enum ll_result_use use, ll_index target,
                       ll_value *value)
{
    return lower_call(body, call, use, target, value, false);
}

static enum CXChildVisitResult lower_flat_node(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    ll_body *body = data;
    switch (clang_getCursorKind(cursor)) {
    case CXCursor_CallExpr: {
        ll_value value;
        int result = lower_call(body, cursor, LL_RESULT_USED, LL_NONE, &value, true);
        ll_value_clear(&value);
        return result == 0 ? CXChildVisit_Recurse : CXChildVisit_Break;
    }
    case CXCursor_DeclRefExpr: {
        ll_index variable = ll_body_variable(body, clang_getCursorReferenced(cursor));
        if (variable != LL_NONE && ll_body_add_use(body, variable, cursor) != 0)
            return CXChildVisit_Break;
        return CXChildVisit_Continue;
    }
    default:
        return CXChildVisit_Recurse;
    }
}

/* libclang's own walk does not recurse on the C stack, so this one goes
 * as deep as clang does. */
int ll_body_lower_flat(ll_body *body, CXCursor cursor)
{
    if (lower_flat_node(cursor, clang_getNullCursor(), body) == CXChildVisit_Recurse)
        clang_visitChildren(cursor, lower_flat_node, body);
    return body->out_of_memory ? -1 : 0;
}
