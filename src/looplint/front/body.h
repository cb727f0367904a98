/*
 * body.h - what the files lowering one function body share (front/ only).
 *
 * body.c owns the builder: the function's variables, its blocks and the
 * statements (if, loops, switch, goto, return). body_expression.c lowers
 * expressions into values and operations, body_call.c calls, and
 * body_condition.c conditions into branches. They meet in the builder
 * below: `current` is the block that receives the next operation,
 * LL_NONE right after a terminator (code that follows is unreachable and
 * gets a fresh block of its own).
 *
 * A block is still open while its terminator is JUMP with no successor;
 * whatever is open when the body ends falls off the end of the function.
 */
#ifndef LOOPLINT_FRONT_BODY_H
#define LOOPLINT_FRONT_BODY_H

#include "internal.h"

#include <stdbool.h>

/* Cursor -> index, open addressing. Declarations are equal as cursors;
 * labels are compared by location (a LabelRef's referenced cursor names
 * the same statement with another parent, so the cursors differ). */
typedef struct ll_body_slot {
    CXCursor key;
    ll_index value; /* LL_NONE: empty */
} ll_body_slot;

typedef struct ll_body_map {
    ll_body_slot *slots;
    uint32_t capacity; /* 0 or a power of two; at most half full */
    uint32_t count;
    bool by_location;
} ll_body_map;

/* A goto whose label comes later: patched when the body is done. */
typedef struct ll_body_goto {
    ll_index block;
    CXCursor label; /* the LabelStmt */
} ll_body_goto;

/* The innermost switch being lowered: its case labels in source order. */
typedef struct ll_body_switch {
    ll_index *cases;
    uint32_t count;
    uint32_t capacity;
    bool has_default;
} ll_body_switch;

/* Lowering recurses over the syntax tree, which clang builds without
 * limit (a chain of a thousand `+` is a thousand deep). Below this depth a
 * statement or expression is lowered flat (ll_body_lower_flat): the calls
 * in it and nothing of its structure. */
#define LL_BODY_DEPTH_LIMIT 1000

typedef struct ll_body {
    ll_front_unit *front;
    CXTranslationUnit translation_unit;
    ll_function *function;
    ll_body_map variables; /* ParmDecl / non-static VarDecl -> variable */
    bool *is_array;        /* per variable: an array, whose name is an address */
    uint32_t is_array_capacity;
    ll_body_map labels;   /* LabelStmt -> block */
    ll_body_map noreturn; /* FunctionDecl -> 1 when it does not return, else 0 */
    ll_body_goto *gotos;
    uint32_t goto_count;
    uint32_t goto_capacity;
    ll_index current;         /* see the top of the file */
    ll_index break_target;    /* LL_NONE outside loops and switches */
    ll_index continue_target; /* LL_NONE outside loops */
    ll_body_switch *innermost_switch;
    unsigned depth;             /* of statements and expressions being lowered */
    unsigned initializer_depth; /* of initializer lists being lowered */
    ll_location no_location;    /* for jumps that are no statement's */
    bool out_of_memory;         /* every failure below is this one */
} ll_body;

/* ---- body.c ------------------------------------------------------------------ */

/* Marks the body out of memory; returns -1. */
int ll_body_fail(ll_body *body);

ll_index ll_body_map_find(const ll_body_map *map, CXCursor key);
/* Adds a key not in the map yet; 0, or -1 when out of memory. */
int ll_body_map_put(ll_body_map *map, CXCursor key, ll_index value);

/* The variable a ParmDecl or VarDecl cursor was given, or LL_NONE (a
 * global, a static local, anything else). */
ll_index ll_body_variable(ll_body *body, CXCursor declaration);
bool ll_body_variable_is_array(const ll_body *body, ll_index variable);
bool ll_body_is_array_type(CXType type);
/* A temporary for a call result (or a ?: value) of type `type`. */
ll_index ll_body_add_temporary(ll_body *body, CXType type, ll_location location);

ll_index ll_body_add_block(ll_body *body);
/* The block receiving operations, made if there is none. */
ll_index ll_body_current(ll_body *body);
/* Appends an operation to the current block (NULL when out of memory). */
ll_operation *ll_body_add_operation(ll_body *body, enum ll_operation_kind kind,
                                    ll_location location);
/* Ends the current block (if any) with a jump to `target`. */
int ll_body_jump(ll_body *body, ll_index target, ll_location location);
/* Ends the current block (if any) with a branch: [0] when `test` holds. */
int ll_body_branch(ll_body *body, ll_test test, ll_index when_true, ll_index when_false,
                   ll_location location);
/* Ends the current block (if any) with a RETURN of OTHER or a NORETURN. */
void ll_body_stop(ll_body *body, enum ll_terminator_kind terminator, ll_location location);

int ll_body_lower_statement(ll_body *body, CXCursor statement);

/* ---- body_expression.c ------------------------------------------------------- */

static inline bool ll_body_is_kind(CXCursor cursor, enum CXCursorKind kind)
{
    return clang_getCursorKind(cursor) == kind;
}

/* Up to `max` children of `cursor` into `children`; returns how many
 * there are. */
unsigned ll_body_children(CXCursor cursor, CXCursor *children, unsigned max);
/* The same, counting expressions only. */
unsigned ll_body_expression_children(CXCursor cursor, CXCursor *children, unsigned max);
bool ll_body_only_expression_child(CXCursor cursor, CXCursor *child);
/* `cursor` without parentheses, casts (but a cast to void), __extension__
 * and __builtin_expect(): the expression whose value it has. */
CXCursor ll_body_strip(CXCursor cursor);

ll_location ll_body_location(ll_body *body, CXCursor cursor);
/* The cursor's spelling, malloc'd (NULL when out of memory). */
char *ll_body_spelling(CXCursor cursor);
/* The integer clang computes for `cursor`, if it can. */
bool ll_body_evaluate(CXCursor cursor, int64_t *constant);

/* An OTHER value with no variable. */
void ll_body_value_init(ll_value *value);
/* The FUNCTION value of a FunctionDecl. */
int ll_body_set_function(ll_body *body, ll_value *value, CXCursor declaration);
/* The GLOBAL value of a global or static VarDecl. */
int ll_body_set_global(ll_body *body, ll_value *value, CXCursor declaration);
/* A USE of `variable`, read at `cursor`. */
int ll_body_add_use(ll_body *body, ll_index variable, CXCursor cursor);

/* Evaluates `cursor` into *value (initialised here; the caller clears
 * it, unless this fails). `use` says how a call's result is used when
 * `cursor` is a call. */
int ll_body_lower_expression(ll_body *body, CXCursor cursor, enum ll_result_use use,
                             ll_value *value);
/* Evaluates `cursor` for its effects only (an expression statement). */
int ll_body_lower_discarded(ll_body *body, CXCursor cursor);
/* Evaluates `cursor` for its effects and reads: a local read gets a USE.
 * *pure (when given) stays true only if the operand is pure. */
int ll_body_lower_operand(ll_body *body, CXCursor cursor, bool *pure);
/* Every expression child of `cursor` as an operand. */
int ll_body_lower_operands(ll_body *body, CXCursor cursor, bool *pure);
/* The value of `cursor` when it is a name or a literal, else OTHER;
 * nothing is lowered. Like ll_body_lower_expression for *value. */
int ll_body_leaf_value(ll_body *body, CXCursor cursor, ll_value *value);
/* `local = initializer` for a declaration's initializer. */
int ll_body_lower_initializer(ll_body *body, ll_index variable, CXCursor initializer,
                              ll_location location);

/* ---- body_call.c -------------------------------------------------------------- */

/* A call (see body_call.c): its result goes to `target` when given, else
 * to a temporary (the VARIABLE *value) when `use` is USED. */
int ll_body_lower_call(ll_body *body, CXCursor call, enum ll_result_use use, ll_index target,
                       ll_value *value);

/* Lowers `cursor` without recursing: a CALL for each call in it, in the
 * order they start, with simple arguments only; a USE for each local it
 * reads. Control flow in it is not followed. */
int ll_body_lower_flat(ll_body *body, CXCursor cursor);

/* ---- body_condition.c --------------------------------------------------------- */

/* What a condition turned out to be when clang could fold it. */
enum ll_body_condition {
    LL_BODY_CONDITION_VARIES = 0,
    LL_BODY_CONDITION_TRUE,
    LL_BODY_CONDITION_FALSE,
};

/* Lowers `cursor` as a condition: the current block (and any block the
 * condition needs for && || ?:) ends in branches or jumps to `when_true`
 * and `when_false`. */
int ll_body_lower_condition(ll_body *body, CXCursor cursor, ll_index when_true, ll_index when_false,
                            enum ll_body_condition *folded);

#endif
