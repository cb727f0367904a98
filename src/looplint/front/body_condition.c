/*
 * body_condition.c - conditions as branches on `variable RELATION
 * constant` tests (facts.h).
 *
 * `!` is carried down as a negation rather than as swapped successors, so
 * `!p` reads as `p == 0` (as facts.h has it) and `!(a && b)` as
 * `!a || !b`; only a test that is not of that form swaps its successors.
 * && and || give one block per operand and ?: one per arm, so a chain of
 * n operators costs n blocks. A condition clang can fold is no branch but
 * a jump to the side it takes (`while (1)`); the other side's blocks are
 * still made, unreachable.
 */
#include "body.h"

/* Lowering follows the syntax tree down, as its shape is recursive; the
 * depth is bounded by LL_BODY_DEPTH_LIMIT (body.h). */
// NOLINTBEGIN(misc-no-recursion)

static enum ll_relation relation_of(enum CXBinaryOperatorKind opcode)
{
    switch (opcode) {
    case CXBinaryOperator_EQ:
        return LL_RELATION_EQUAL;
    case CXBinaryOperator_NE:
        return LL_RELATION_NOT_EQUAL;
    case CXBinaryOperator_LT:
        return LL_RELATION_LESS;
    case CXBinaryOperator_LE:
        return LL_RELATION_LESS_EQUAL;
    case CXBinaryOperator_GT:
        return LL_RELATION_GREATER;
    case CXBinaryOperator_GE:
        return LL_RELATION_GREATER_EQUAL;
    default:
        return LL_RELATION_UNKNOWN;
    }
}

/* Where a condition goes; `negated` when an odd number of ! lead to it. */
typedef struct targets {
    ll_index when_true;
    ll_index when_false;
    bool negated;
} targets;

static int branch_on(ll_body *body, ll_test test, targets to, CXCursor written)
{
    ll_index when_true = to.when_true;
    ll_index when_false = to.when_false;
    if (to.negated && test.relation == LL_RELATION_UNKNOWN) {
        when_true = to.when_false;
        when_false = to.when_true;
    } else if (to.negated) {
        test.relation = ll_relation_negated(test.relation);
    }
    return ll_body_branch(body, test, when_true, when_false, ll_body_location(body, written));
}

static int jump_on(ll_body *body, bool holds, targets to, CXCursor written,
                   enum ll_body_condition *folded)
{
    holds = holds != to.negated;
    *folded = holds ? LL_BODY_CONDITION_TRUE : LL_BODY_CONDITION_FALSE;
    return ll_body_jump(body, holds ? to.when_true : to.when_false,
                        ll_body_location(body, written));
}

static bool is_constant(const ll_value *value)
{
    return value->kind == LL_VALUE_CONSTANT || value->kind == LL_VALUE_NULL;
}

static int lower_test(ll_body *body, CXCursor cursor, CXCursor written, targets to,
                      enum ll_body_condition *folded);

/* x OP c, c OP x: a test; anything else compared: a branch either way,
 * and the locals compared are read. */
static int lower_comparison(ll_body *body, CXCursor node, CXCursor written, CXCursor parts[2],
                            enum ll_relation relation, targets to, enum ll_body_condition *folded)
{
    ll_value left;
    ll_value right;
    ll_body_value_init(&right);
    int result = -1;
    if (ll_body_lower_expression(body, parts[0], LL_RESULT_USED, &left) != 0 ||
        ll_body_lower_expression(body, parts[1], LL_RESULT_USED, &right) != 0)
        goto done;
    ll_test test = {LL_RELATION_UNKNOWN, LL_NONE, 0};
    int64_t holds = 0;
    if (is_constant(&left) && is_constant(&right) && ll_body_evaluate(node, &holds)) {
        result = jump_on(body, holds != 0, to, written, folded);
        goto done;
    }
    if (left.kind == LL_VALUE_VARIABLE && is_constant(&right)) {
        test = (ll_test){relation, left.variable, right.constant};
    } else if (right.kind == LL_VALUE_VARIABLE && is_constant(&left)) {
        test = (ll_test){ll_relation_mirrored(relation), right.variable, left.constant};
    } else {
        if (left.kind == LL_VALUE_VARIABLE && ll_body_add_use(body, left.variable, parts[0]) != 0)
            goto done;
        if (right.kind == LL_VALUE_VARIABLE && ll_body_add_use(body, right.variable, parts[1]) != 0)
            goto done;
    }
    result = branch_on(body, test, to, written);
done:
    ll_value_clear(&left);
    ll_value_clear(&right);
    return result;
}

/* a && b (or a || b): b gets a block of its own. Under a negation the
 * operator flips (De Morgan) and the negation goes on to the operands. */
static int lower_junction(ll_body *body, CXCursor parts[2], bool conjunction, targets to,
                          enum ll_body_condition *folded)
{
    conjunction = conjunction != to.negated;
    ll_index second = ll_body_add_block(body);
    if (second == LL_NONE)
        return -1;
    /* `to` already reads in the negated sense: the first operand hands
       over to the second when it holds (and) or when it fails (or). */
    targets first_to = to;
    if (conjunction)
        first_to.when_true = second;
    else
        first_to.when_false = second;
    enum ll_body_condition first;
    enum ll_body_condition rest;
    if (lower_test(body, parts[0], parts[0], first_to, &first) != 0)
        return -1;
    body->current = second;
    if (lower_test(body, parts[1], parts[1], to, &rest) != 0)
        return -1;
    enum ll_body_condition decisive =
        conjunction ? LL_BODY_CONDITION_FALSE : LL_BODY_CONDITION_TRUE;
    if (first == decisive)
        *folded = decisive;
    else if (first != LL_BODY_CONDITION_VARIES)
        *folded = rest;
    return 0;
}

/* `written` is where the condition starts in the source (the `!` of
 * `!p`), the location of the branch. */
static int lower_test_kind(ll_body *body, CXCursor cursor, CXCursor written, targets to,
                           enum ll_body_condition *folded)
{
    CXCursor node = ll_body_strip(cursor);
    CXCursor parts[3];
    switch (clang_getCursorKind(node)) {
    case CXCursor_UnaryOperator:
        if (clang_getCursorUnaryOperatorKind(node) == CXUnaryOperator_LNot &&
            ll_body_only_expression_child(node, &parts[0])) {
            to.negated = !to.negated;
            return lower_test(body, parts[0], written, to, folded);
        }
        break;
    case CXCursor_BinaryOperator: {
        if (ll_body_expression_children(node, parts, 2) != 2)
            break;
        enum CXBinaryOperatorKind opcode = clang_getCursorBinaryOperatorKind(node);
        if (opcode == CXBinaryOperator_LAnd || opcode == CXBinaryOperator_LOr)
            return lower_junction(body, parts, opcode == CXBinaryOperator_LAnd, to, folded);
        if (opcode == CXBinaryOperator_Comma) {
            if (ll_body_lower_discarded(body, parts[0]) != 0)
                return -1;
            return lower_test(body, parts[1], parts[1], to, folded);
        }
        enum ll_relation relation = relation_of(opcode);
        if (relation != LL_RELATION_UNKNOWN)
            return lower_comparison(body, node, written, parts, relation, to, folded);
        break;
    }
    case CXCursor_ConditionalOperator: {
        if (ll_body_expression_children(node, parts, 3) != 3)
            break;
        ll_index arms[2] = {ll_body_add_block(body), ll_body_add_block(body)};
        targets choose = {arms[0], arms[1], false};
        enum ll_body_condition ignored;
        if (arms[0] == LL_NONE || arms[1] == LL_NONE ||
            lower_test(body, parts[0], parts[0], choose, &ignored) != 0)
            return -1;
        for (int arm = 0; arm < 2; arm++) {
            body->current = arms[arm];
            if (lower_test(body, parts[1 + arm], parts[1 + arm], to, &ignored) != 0)
                return -1;
        }
        return 0;
    }
    default:
        break;
    }

    ll_value value;
    if (ll_body_lower_expression(body, cursor, LL_RESULT_USED, &value) != 0)
        return -1;
    ll_test test = {LL_RELATION_UNKNOWN, LL_NONE, 0};
    int result;
    if (is_constant(&value)) {
        result = jump_on(body, value.kind == LL_VALUE_CONSTANT && value.constant != 0, to, written,
                         folded);
    } else {
        if (value.kind == LL_VALUE_VARIABLE)
            test = (ll_test){LL_RELATION_NOT_EQUAL, value.variable, 0};
        result = branch_on(body, test, to, written);
    }
    ll_value_clear(&value);
    return result;
}

static int lower_test(ll_body *body, CXCursor cursor, CXCursor written, targets to,
                      enum ll_body_condition *folded)
{
    *folded = LL_BODY_CONDITION_VARIES;
    if (body->depth >= LL_BODY_DEPTH_LIMIT) {
        ll_test unknown = {LL_RELATION_UNKNOWN, LL_NONE, 0};
        if (ll_body_lower_flat(body, cursor) != 0)
            return -1;
        return branch_on(body, unknown, to, written);
    }
    body->depth++;
    int result = lower_test_kind(body, cursor, written, to, folded);
    body->depth--;
    return result;
}

int ll_body_lower_condition(ll_body *body, CXCursor cursor, ll_index when_true, ll_index when_false,
                            enum ll_body_condition *folded)
{
    targets to = {when_true, when_false, false};
    return lower_test(body, cursor, cursor, to, folded);
}

// NOLINTEND(misc-no-recursion)
