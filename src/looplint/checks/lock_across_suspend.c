/*
 * lock_across_suspend.c - `lock-across-suspend`: a suspension point
 * reached, directly or through user functions, while a thread lock taken
 * in loop context may be held (RULES.md).
 *
 * Every task of a loop runs on one thread, so a pthread mutex (rwlock,
 * spinlock) held across a suspension is held by the thread while other
 * tasks run: the next one that takes it blocks the thread, and the holder
 * can never run again to release it. Python's asyncio has the same trap
 * (a threading.Lock held across an await) and the same cure: release the
 * lock before suspending, or use the loop's own primitives.
 *
 * The work is in analysis/locks.c: which functions may suspend (once for
 * the program), what each function returns holding or releases of its
 * caller's, and per function the locks it may hold at each suspending
 * call. Here, every function in loop context is analysed and each such
 * call is reported once, in the function that holds the lock (RULES.md,
 * "Precise points"), with notes: where the lock was taken (down into the
 * helper that took it), the calls down to the suspension point, and the
 * chain from a loop root.
 */
#include "check.h"

#include "../analysis/callsite.h"
#include "../analysis/locks.h"

#include <string.h>

extern const ll_check ll_check_lock_across_suspend;

enum { SPELLING_SIZE = 256 };

static const char *function_name(const ll_function *function)
{
    return function->name ? function->name : "";
}

/* Where a lock came from: the call that took it and, when a helper
 * returned holding it, down into the helper. */
static int lock_notes(const ll_locks *locks, const ll_program *program, const ll_unit *unit,
                      const ll_function *function, const ll_lock *lock, bool first,
                      ll_finding *finding)
{
    char spelling[SPELLING_SIZE];
    const char *name = ll_lock_spelling(lock->name, spelling, sizeof spelling);
    ll_location location = function->calls[lock->call].location;
    int result;
    if (lock->callee == LL_NONE)
        return ll_check_note(finding, unit, location, "'%s' is %slocked here%s", name,
                             first ? "" : "also ",
                             lock->on_success ? " (when the call returns 0)" : "");
    const ll_function *callee = ll_program_function(program, lock->callee, NULL);
    result = ll_check_note(finding, unit, location,
                           "'%s' is %slocked by '%s', which returns holding it%s", name,
                           first ? "" : "also ", function_name(callee),
                           lock->on_success ? " (when it returns 0)" : "");
    /* Down the helpers: each returned lock says where its function took it. */
    for (uint32_t id = lock->callee, number = lock->callee_lock, depth = 0;
         result == 0 && id != LL_NONE && depth < ll_program_function_count(program); depth++) {
        const ll_unit *helper_unit;
        const ll_function *helper = ll_program_function(program, id, &helper_unit);
        uint32_t count;
        const ll_lock *returned = ll_locks_returned(locks, id, &count);
        if (!helper || number >= count)
            break;
        const ll_lock *taken = &returned[number];
        ll_location at = helper->calls[taken->call].location;
        name = ll_lock_spelling(taken->name, spelling, sizeof spelling);
        if (taken->callee == LL_NONE) {
            result = ll_check_note(finding, helper_unit, at, "'%s' is locked here, in '%s'", name,
                                   function_name(helper));
            break;
        }
        const ll_function *next = ll_program_function(program, taken->callee, NULL);
        result = ll_check_note(finding, helper_unit, at,
                               "'%s' calls '%s' here, which returns holding '%s'",
                               function_name(helper), function_name(next), name);
        id = taken->callee;
        number = taken->callee_lock;
    }
    return result;
}

/* "'ship' calls 'append' here", saying which pointer the call goes
 * through when it is not direct (as the chains of the link do). */
static int call_note(const ll_program *program, uint32_t from, ll_index index, uint32_t to,
                     ll_finding *finding)
{
    const ll_unit *unit;
    const ll_function *function = ll_program_function(program, from, &unit);
    const ll_function *called = ll_program_function(program, to, NULL);
    const ll_call *call = &function->calls[index];
    const char *caller = function_name(function);
    const char *callee = function_name(called);
    const char *pointer = call->callee_name ? call->callee_name : "";
    switch (call->callee_kind) {
    case LL_CALLEE_FIELD:
        return ll_check_note(finding, unit, call->location,
                             "'%s' calls '%s' through field '%s' of '%s' here", caller, callee,
                             pointer, call->callee_type ? call->callee_type : "");
    case LL_CALLEE_VARIABLE:
        pointer = call->callee_variable < function->variable_count
                      ? function->variables[call->callee_variable].name
                      : "";
        /* fall through */
    case LL_CALLEE_GLOBAL:
        return ll_check_note(finding, unit, call->location, "'%s' calls '%s' through '%s' here",
                             caller, callee, pointer);
    case LL_CALLEE_DIRECT:
    case LL_CALLEE_OTHER:
        break;
    }
    return ll_check_note(finding, unit, call->location, "'%s' calls '%s' here", caller, callee);
}

/* The calls from call `call` of function `id` down to a suspension point
 * of the packs: one note per call through a pointer, per call inside the
 * helpers, and the last at the suspending call itself. */
static int suspension_notes(const ll_locks *locks, const ll_program *program, uint32_t id,
                            ll_index call, ll_finding *finding)
{
    uint32_t callee = ll_locks_suspending_callee(locks, id, call);
    const ll_function *function = ll_program_function(program, id, NULL);
    int result = 0;
    if (callee != LL_NONE && function->calls[call].callee_kind != LL_CALLEE_DIRECT)
        result = call_note(program, id, call, callee, finding);
    /* Distances to a suspension point fall by one per step: this ends. */
    while (result == 0 && callee != LL_NONE) {
        const ll_unit *unit;
        const ll_function *helper = ll_program_function(program, callee, &unit);
        ll_index via = ll_locks_suspension(locks, callee);
        if (via == LL_NONE)
            break;
        uint32_t next = ll_locks_suspending_callee(locks, callee, via);
        if (next == LL_NONE) {
            int length;
            const char *name = ll_call_written_name(&helper->calls[via], &length);
            return ll_check_note(finding, unit, helper->calls[via].location,
                                 "'%.*s' suspends here, in '%s'", length, name,
                                 function_name(helper));
        }
        result = call_note(program, callee, via, next, finding);
        callee = next;
    }
    return result;
}

/* The name of the called function as written, or of the pointer called. */
static const char *called_name(const ll_function *function, const ll_call *call, int *length)
{
    if (call->callee_kind == LL_CALLEE_DIRECT)
        return ll_call_written_name(call, length);
    const char *name = call->callee_name ? call->callee_name : "";
    if (call->callee_kind == LL_CALLEE_VARIABLE && call->callee_variable < function->variable_count)
        name = function->variables[call->callee_variable].name;
    *length = (int)strlen(name);
    return name;
}

static int report(const ll_check_context *context, const ll_locks *locks, uint32_t id,
                  const ll_lock_flow *flow, const ll_lock_suspension *suspension, ll_findings *out)
{
    const ll_program *program = context->program;
    const ll_unit *unit;
    const ll_function *function = ll_program_function(program, id, &unit);
    const ll_call *call = &function->calls[suspension->call];
    const ll_lock *lock = &flow->locks[suspension->held[0]];
    char spelling[SPELLING_SIZE];
    int length;
    const char *name = called_name(function, call, &length);
    ll_finding *finding = ll_check_report(
        &ll_check_lock_across_suspend, out, unit, function, call->location, call->text,
        "'%.*s' may suspend while '%s' is held (locked at line %u): other tasks on this thread "
        "that take the lock deadlock; release it before suspending",
        length, name, ll_lock_spelling(lock->name, spelling, sizeof spelling),
        function->calls[lock->call].location.line);
    if (!finding)
        return -1;
    for (uint32_t h = 0; h < suspension->held_count; h++)
        if (lock_notes(locks, program, unit, function, &flow->locks[suspension->held[h]], h == 0,
                       finding) < 0)
            return -1;
    if (suspension_notes(locks, program, id, suspension->call, finding) < 0)
        return -1;
    return ll_program_chain_notes(program, id, LL_CONTEXT_LOOP, finding);
}

static int check_program(const ll_check_context *context, ll_findings *out)
{
    const ll_program *program = context->program;
    if (!program || !context->packs)
        return 0;
    ll_locks *locks = ll_locks_new(program, context->packs);
    if (!locks)
        return -1;
    int result = 0;
    uint32_t count = ll_program_function_count(program);
    for (uint32_t id = 0; id < count && result == 0; id++) {
        if (!(ll_program_context(program, id) & LL_CONTEXT_LOOP))
            continue;
        ll_lock_flow flow;
        if (ll_locks_analyze(locks, id, &flow) < 0) {
            result = -1;
            break;
        }
        for (uint32_t s = 0; s < flow.suspension_count && result == 0; s++)
            result = report(context, locks, id, &flow, &flow.suspensions[s], out);
        ll_lock_flow_free(&flow);
    }
    ll_locks_free(locks);
    return result;
}

const ll_check ll_check_lock_across_suspend = {
    .id = "lock-across-suspend",
    .severity = LL_SEVERITY_ERROR,
    .summary = "a suspension point reached (directly or through user functions) while a thread "
               "lock taken in loop context is held",
    .check_function = NULL,
    .check_program = check_program,
};
