/*
 * busy_loop.c - `busy-loop`: a loop in loop context that cannot end by
 * its condition and has no suspension point on some full iteration
 * (RULES.md). It starves every other task: they run only when the task
 * on the thread suspends, and this one may never do so again.
 *
 * asyncio's "Event Loop Lag" is the same trap: a `while True:` with no
 * `await` in some branch holds the loop for good. The cure is a
 * suspension on every way around the loop, or a bound.
 *
 * Two questions per loop of every function in loop context:
 *  - is there a way from the loop's header around and back to it that
 *    passes no suspension point? A breadth-first search over the loop's
 *    blocks that does not enter a block holding a call that suspends
 *    (analysis/suspend.h: a suspension point of the packs, or a user
 *    function that may reach one). A call through a function pointer
 *    that resolves to nothing might suspend: the way stops there, as the
 *    analysis cannot decide.
 *  - can such an iteration stop repeating? It can when the loop may end
 *    (by its condition, or a `break`, `return` or `goto` out of the body,
 *    or a call that does not return), or when a later iteration may take
 *    a way that suspends. Each of those is decided by a branch the walk
 *    above reaches: one side leaves the loop, or escapes (suspends or
 *    leaves) within the iteration while another side does not. If the
 *    test of any such branch can go another way on a later iteration
 *    (analysis/loop_condition.h: the condition reads something the loop
 *    changes, `if (n == 0) break;` after `n--`, a test of a call's
 *    result, `if (++i % 64 == 0) nest_yield();`, anything the CFG cannot
 *    read), no finding. What is left is a loop whose every way out or to
 *    a suspension depends on nothing it changes: `for (;;)`, `while (1)`,
 *    a condition nothing in the body changes (RULES.md), and the packs'
 *    loop-state calls (`nest_cancelled()`): nothing cancels the task
 *    while it does not suspend (RULES.md, "Precise points"). So a
 *    `for (;;)` that breaks on what it computes (a heap's sift-down) is no
 *    finding, and neither is one whose body suspends or leaves on every
 *    way around.
 * The finding is at the loop's keyword (`do` for a do-while), with notes:
 * why the condition and the branches that could get away do not, the
 * branches of the iteration that does not suspend, and the chain from a
 * loop root.
 */
#include "check.h"

#include "../analysis/branch.h"
#include "../analysis/callsite.h"
#include "../analysis/loop_condition.h"
#include "../analysis/suspend.h"

#include <stdio.h>
#include <stdlib.h>

extern const ll_check ll_check_busy_loop;

/* What one function's analysis needs, sized by its blocks. */
typedef struct scratch {
    bool *in_loop;
    bool *suspends; /* by block: holds a call that (may) suspend */
    bool *escapes;  /* by block: suspends or leaves the loop within the
                       iteration (not through the header again) */
    ll_index *from; /* by block: the block before it on the walk; LL_NONE */
    ll_index *queue;
} scratch;

static int scratch_reserve(scratch *scratch, uint32_t block_count)
{
    size_t n = (size_t)block_count + 1;
    scratch->in_loop = calloc(n, sizeof *scratch->in_loop);
    scratch->suspends = calloc(n, sizeof *scratch->suspends);
    scratch->escapes = calloc(n, sizeof *scratch->escapes);
    scratch->from = calloc(n, sizeof *scratch->from);
    scratch->queue = calloc(n, sizeof *scratch->queue);
    return scratch->in_loop && scratch->suspends && scratch->escapes && scratch->from &&
                   scratch->queue
               ? 0
               : -1;
}

static void scratch_release(scratch *scratch)
{
    free(scratch->in_loop);
    free(scratch->suspends);
    free(scratch->escapes);
    free(scratch->from);
    free(scratch->queue);
}

/* ---- Suspensions -------------------------------------------------------------------- */

/* Whether a call suspends, or might: through a function pointer that
 * resolves to no function, nothing can be said. */
static bool call_may_suspend(const ll_suspend *suspend, uint32_t id, const ll_function *function,
                             ll_index call)
{
    if (ll_suspend_call_suspends(suspend, id, call))
        return true;
    const uint32_t *callees;
    return function->calls[call].callee_kind != LL_CALLEE_DIRECT &&
           ll_suspend_callees(suspend, id, call, &callees) == 0;
}

static bool block_may_suspend(const ll_suspend *suspend, uint32_t id, const ll_function *function,
                              const ll_block *block)
{
    for (uint32_t o = 0; o < block->operation_count; o++) {
        const ll_operation *operation = &block->operations[o];
        if (operation->kind == LL_OPERATION_CALL && operation->call < function->call_count &&
            call_may_suspend(suspend, id, function, operation->call))
            return true;
    }
    return false;
}

/* Walks the loop's blocks breadth-first from the header without entering
 * one that suspends: scratch->from links each block reached to the one
 * before it (the header's stays LL_NONE). Returns the last block of the
 * first way found back around to the header, or LL_NONE when every way
 * around suspends. */
static ll_index walk_iterations(const ll_function *function, const ll_loop *loop, scratch *scratch)
{
    ll_index header = loop->header;
    ll_index last = LL_NONE;
    for (uint32_t b = 0; b < function->block_count; b++)
        scratch->from[b] = LL_NONE;
    if (scratch->suspends[header])
        return LL_NONE;
    uint32_t head = 0;
    uint32_t tail = 0;
    scratch->queue[tail++] = header;
    while (head < tail) {
        ll_index at = scratch->queue[head++];
        const ll_block *block = &function->blocks[at];
        for (uint32_t s = 0; s < block->successor_count; s++) {
            ll_index next = block->successors[s];
            if (next >= function->block_count || !scratch->in_loop[next] || scratch->suspends[next])
                continue;
            if (next == header && last == LL_NONE)
                last = at;
            if (next == header || scratch->from[next] != LL_NONE)
                continue;
            scratch->from[next] = at;
            scratch->queue[tail++] = next;
        }
    }
    return last;
}

/* Whether `block` tests the loop's condition: the header, unless the
 * loop has none (for (;;): the header is the body's first block). */
static bool tests_condition(const ll_loop *loop, ll_index block)
{
    return block == loop->header && !loop->condition_constant_true;
}

/* Whether the walk reached `block` (the header is where it started). */
static bool walked(const ll_loop *loop, const scratch *scratch, ll_index block)
{
    return block == loop->header || scratch->from[block] != LL_NONE;
}

/* ---- Ways out ------------------------------------------------------------------- */

/* scratch->escapes: the blocks of the loop from which the iteration can
 * suspend, or leave the loop (an edge out, a return, a call that does not
 * return), without going around through the header again. */
static void find_escapes(const ll_function *function, const ll_loop *loop, scratch *scratch)
{
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        bool out = scratch->suspends[b] || block->terminator == LL_TERMINATOR_RETURN ||
                   block->terminator == LL_TERMINATOR_NORETURN;
        for (uint32_t s = 0; s < block->successor_count && !out; s++)
            out = block->successors[s] >= function->block_count ||
                  !scratch->in_loop[block->successors[s]];
        scratch->escapes[b] = scratch->in_loop[b] && out;
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t b = function->block_count; b-- > 0;) {
            const ll_block *block = &function->blocks[b];
            if (!scratch->in_loop[b] || scratch->escapes[b] || b == loop->header)
                continue;
            for (uint32_t s = 0; s < block->successor_count; s++) {
                ll_index next = block->successors[s];
                if (next != loop->header && scratch->escapes[next]) {
                    scratch->escapes[b] = changed = true;
                    break;
                }
            }
        }
    }
}

/* Whether branch (or switch) `block` decides whether the iteration gets
 * away: a side leaves the loop, or one escapes (suspends or leaves) within
 * the iteration and another does not. */
static bool decides_escape(const ll_function *function, const ll_loop *loop, const scratch *scratch,
                           ll_index block)
{
    const ll_block *at = &function->blocks[block];
    bool some_out = false;
    bool some_around = false;
    if (at->successor_count < 2)
        return false;
    for (uint32_t s = 0; s < at->successor_count; s++) {
        ll_index next = at->successors[s];
        if (!scratch->in_loop[next])
            return true;
        if (next != loop->header && scratch->escapes[next])
            some_out = true;
        else
            some_around = true;
    }
    return some_out && some_around;
}

/* ---- Notes -------------------------------------------------------------------------- */

static const char *variable_name(const ll_function *function, ll_index variable)
{
    if (variable >= function->variable_count)
        return NULL;
    const ll_variable *v = &function->variables[variable];
    return v->kind != LL_VARIABLE_TEMPORARY && v->name && v->name[0] ? v->name : NULL;
}

/* "'a', 'b'" for the named locals of the condition; "" when none. */
static void condition_names(const ll_function *function, const ll_loop *loop, char *names,
                            size_t size)
{
    size_t used = 0;
    names[0] = '\0';
    for (uint32_t i = 0; i < loop->condition_variable_count && used < size; i++) {
        const char *name = variable_name(function, loop->condition_variables[i]);
        int written =
            name ? snprintf(names + used, size - used, "%s'%s'", used ? ", " : "", name) : 0;
        if (written > 0)
            used += (size_t)written;
    }
}

/* Why the condition cannot end the loop, where the condition is. */
static int condition_note(const ll_function *function, const ll_unit *unit, const ll_loop *loop,
                          enum ll_condition_change change, ll_index state_call, ll_finding *finding)
{
    const ll_block *header = &function->blocks[loop->header];
    ll_location at = header->terminator == LL_TERMINATOR_BRANCH && header->location.line
                         ? header->location
                         : loop->location;
    char names[160];
    int length;
    switch (change) {
    case LL_CONDITION_CONSTANT:
        return ll_check_note(finding, unit, loop->location,
                             "its condition is always true: only a break, a return or a goto "
                             "can end it");
    case LL_CONDITION_LOOP_STATE: {
        const char *name = ll_call_written_name(&function->calls[state_call], &length);
        return ll_check_note(finding, unit, at,
                             "its condition depends on '%.*s', which cannot change while the "
                             "task does not suspend: nothing else runs on the loop until then",
                             length, name);
    }
    case LL_CONDITION_UNCHANGED:
        condition_names(function, loop, names, sizeof names);
        if (loop->condition_reads_memory && names[0])
            return ll_check_note(finding, unit, at,
                                 "nothing in the loop stores to memory, calls a function or "
                                 "changes %s: what its condition reads cannot change",
                                 names);
        if (loop->condition_reads_memory || names[0] == '\0')
            return ll_check_note(finding, unit, at,
                                 "nothing in the loop stores to memory or calls a function: what "
                                 "its condition reads cannot change");
        return ll_check_note(finding, unit, at,
                             "nothing in the loop changes %s, which its condition reads", names);
    case LL_CONDITION_CHANGES:
        break;
    }
    return 0;
}

/* Why a branch that leads to a suspension or out of the loop goes the
 * other way on every iteration once it does. */
static int escape_note(const ll_check_context *context, const ll_function *function,
                       const ll_unit *unit, const ll_block *block, ll_finding *finding)
{
    ll_index call = ll_branch_tested_call(function, block);
    if (call != LL_NONE && function->calls[call].callee_kind == LL_CALLEE_DIRECT &&
        function->calls[call].callee_name) {
        const ll_function_rule *rule =
            ll_packs_lookup(context->packs, function->calls[call].callee_name);
        int length;
        const char *name = ll_call_written_name(&function->calls[call], &length);
        if (rule && (rule->roles & LL_ROLE_LOOP_STATE))
            return ll_check_note(finding, unit, block->location,
                                 "whether the iteration suspends or leaves here depends on "
                                 "'%.*s', which cannot change while the task does not suspend",
                                 length, name);
    }
    const char *name = block->terminator == LL_TERMINATOR_BRANCH
                           ? variable_name(function, block->test.variable)
                           : NULL;
    if (name)
        return ll_check_note(finding, unit, block->location,
                             "whether the iteration suspends or leaves here depends on '%s', "
                             "which nothing in the loop changes",
                             name);
    return ll_check_note(finding, unit, block->location,
                         "whether the iteration suspends or leaves here depends on nothing "
                         "the loop changes");
}

/* What leaving `block` by successor `successor` assumes. */
static int branch_note(const ll_function *function, const ll_unit *unit, const ll_block *block,
                       uint32_t successor, ll_finding *finding)
{
    if (block->terminator == LL_TERMINATOR_SWITCH)
        return ll_check_note(finding, unit, block->location,
                             "taking a case of this switch that does not suspend");
    enum ll_relation relation = ll_branch_relation(block, successor);
    ll_index variable = block->test.variable;
    if (relation == LL_RELATION_UNKNOWN || variable >= function->variable_count)
        return ll_check_note(finding, unit, block->location, "taking the %s branch",
                             successor == 0 ? "true" : "false");
    char words[64];
    ll_relation_words(relation, block->test.constant, function->variables[variable].is_pointer,
                      words, sizeof words);
    const char *name = variable_name(function, variable);
    if (name)
        return ll_check_note(finding, unit, block->location, "assuming '%s' %s", name, words);
    ll_index call = ll_branch_tested_call(function, block);
    if (call == LL_NONE)
        return ll_check_note(finding, unit, block->location, "taking the %s branch",
                             successor == 0 ? "true" : "false");
    int length;
    const char *callee = ll_call_written_name(&function->calls[call], &length);
    return ll_check_note(finding, unit, block->location, "assuming the result of '%.*s' %s", length,
                         callee, words);
}

/* The branches the iteration takes inside the loop (not the header's own
 * test, which the condition note explains), in order; then where it goes
 * back to the header, when that is a statement (a `continue`). */
static int path_notes(const ll_function *function, const ll_unit *unit, const ll_loop *loop,
                      ll_index last, scratch *scratch, ll_finding *finding)
{
    /* The path from the header to `last`, reversed into the queue. */
    uint32_t length = 0;
    for (ll_index at = last; at != loop->header && length < function->block_count;
         at = scratch->from[at])
        scratch->queue[length++] = at;
    ll_index previous = loop->header;
    for (uint32_t i = length; i-- > 0;) {
        ll_index at = scratch->queue[i];
        const ll_block *block = &function->blocks[previous];
        if (!tests_condition(loop, previous) && block->successor_count > 1)
            for (uint32_t s = 0; s < block->successor_count; s++)
                if (block->successors[s] == at) {
                    if (branch_note(function, unit, block, s, finding) < 0)
                        return -1;
                    break;
                }
        previous = at;
    }
    const ll_block *end = &function->blocks[last];
    if (end->successor_count > 1 && !tests_condition(loop, last))
        for (uint32_t s = 0; s < end->successor_count; s++)
            if (end->successors[s] == loop->header)
                return branch_note(function, unit, end, s, finding);
    if (end->terminator == LL_TERMINATOR_JUMP && end->location.file != LL_NONE &&
        end->location.line != 0)
        return ll_check_note(finding, unit, end->location,
                             "and goes around again from here without suspending");
    return 0;
}

/* ---- The check ---------------------------------------------------------------------- */

static const char *keyword(const ll_loop *loop)
{
    switch (loop->kind) {
    case LL_LOOP_FOR:
        return "for";
    case LL_LOOP_WHILE:
        return "while";
    case LL_LOOP_DO:
        return "do";
    }
    return "loop";
}

static int check_loop(const ll_check_context *context, const ll_suspend *suspend, uint32_t id,
                      const ll_loop *loop, scratch *scratch, ll_findings *out)
{
    const ll_unit *unit;
    const ll_function *function = ll_program_function(context->program, id, &unit);
    if (loop->header >= function->block_count)
        return 0;
    ll_loop_mark_blocks(function, loop, scratch->in_loop);
    for (uint32_t b = 0; b < function->block_count; b++)
        scratch->suspends[b] =
            scratch->in_loop[b] && block_may_suspend(suspend, id, function, &function->blocks[b]);
    ll_index last = walk_iterations(function, loop, scratch);
    if (last == LL_NONE)
        return 0;
    find_escapes(function, loop, scratch);
    for (ll_index b = 0; b < function->block_count; b++)
        if (scratch->in_loop[b] && walked(loop, scratch, b) &&
            decides_escape(function, loop, scratch, b) &&
            ll_loop_test_can_change(function, loop, scratch->in_loop, context->packs, b))
            return 0;

    ll_index state_call = LL_NONE;
    enum ll_condition_change change =
        ll_loop_condition_change(function, loop, scratch->in_loop, context->packs, &state_call);
    ll_finding *finding = ll_check_report(
        &ll_check_busy_loop, out, unit, function, loop->location, keyword(loop),
        "this loop never suspends on some iteration and cannot end by its condition: it "
        "starves every other task on the loop (add a suspension point, such as a yield, or "
        "bound it)");
    if (!finding || condition_note(function, unit, loop, change, state_call, finding) < 0)
        return -1;
    for (ll_index b = 0; b < function->block_count; b++)
        if (!tests_condition(loop, b) && scratch->in_loop[b] && walked(loop, scratch, b) &&
            decides_escape(function, loop, scratch, b) &&
            escape_note(context, function, unit, &function->blocks[b], finding) < 0)
            return -1;
    if (path_notes(function, unit, loop, last, scratch, finding) < 0)
        return -1;
    return ll_program_chain_notes(context->program, id, LL_CONTEXT_LOOP, finding);
}

static int check_program(const ll_check_context *context, ll_findings *out)
{
    const ll_program *program = context->program;
    if (!program || !context->packs)
        return 0;
    ll_suspend *suspend = ll_suspend_new(program, context->packs);
    if (!suspend)
        return -1;
    int result = 0;
    uint32_t count = ll_program_function_count(program);
    for (uint32_t id = 0; id < count && result == 0; id++) {
        const ll_function *function = ll_program_function(program, id, NULL);
        if (function->loop_count == 0 || !(ll_program_context(program, id) & LL_CONTEXT_LOOP))
            continue;
        scratch scratch;
        result = scratch_reserve(&scratch, function->block_count);
        for (uint32_t l = 0; l < function->loop_count && result == 0; l++)
            result = check_loop(context, suspend, id, &function->loops[l], &scratch, out);
        scratch_release(&scratch);
    }
    ll_suspend_free(suspend);
    return result;
}

const ll_check ll_check_busy_loop = {
    .id = "busy-loop",
    .severity = LL_SEVERITY_ERROR,
    .summary = "a loop in loop context that cannot end by its condition and does not suspend on "
               "some iteration: it starves every other task",
    .check_function = NULL,
    .check_program = check_program,
};
