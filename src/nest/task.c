/*
 * task.c - tasks, the wait primitive, cancellation and cancel scopes.
 *
 * Cancellation is level-triggered (Trio, libdill): once a task is cancelled
 * every suspension point it reaches fails with ECANCELED. A task's cancel
 * scopes form a stack on its own C stack: nest_wait_for pushes a scope with
 * a deadline, nest_shield pushes a shield. Whether a task is "effectively
 * cancelled" is derived, never stored: walk the scopes from the innermost;
 * an expired deadline cancels, a shield hides everything outside it, and
 * past the outermost scope the task's own cancelled flag decides. A parked
 * task's timer is the earliest of its call's deadline and the deadlines of
 * the scopes it can see, so one timer per parked task serves all of them.
 */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- wait lists ---------------------------------------------------------- */

void nest__wait_list_push(struct nest_wait_list *list, struct nest_waiter *waiter)
{
    waiter->list = list;
    waiter->next = NULL;
    waiter->prev = list->tail;
    if (list->tail != NULL)
        list->tail->next = waiter;
    else
        list->head = waiter;
    list->tail = waiter;
}

void nest__waiter_unlink(struct nest_waiter *waiter)
{
    struct nest_wait_list *list = waiter->list;
    if (list != NULL) {
        if (waiter->prev != NULL)
            waiter->prev->next = waiter->next;
        else
            list->head = waiter->next;
        if (waiter->next != NULL)
            waiter->next->prev = waiter->prev;
        else
            list->tail = waiter->prev;
        waiter->list = NULL;
        waiter->prev = waiter->next = NULL;
    }
    if (waiter->slot != NULL) {
        if (*waiter->slot == waiter)
            *waiter->slot = NULL;
        waiter->slot = NULL;
    }
}

struct nest_waiter *nest__wait_list_pop(struct nest_wait_list *list)
{
    struct nest_waiter *waiter = list->head;
    if (waiter != NULL)
        nest__waiter_unlink(waiter);
    return waiter;
}

void nest__waiter_init(struct nest_waiter *waiter, enum nest_wait_kind kind, const void *object)
{
    struct nest_loop *loop = nest__loop();
    *waiter = (struct nest_waiter){
        .task = loop != NULL ? loop->current : NULL,
        .kind = kind,
        .object = object,
        .fd = -1,
    };
}

/* ---- cancellation ---------------------------------------------------------- */

/* Is the task effectively cancelled? Marks the expired scope as fired. */
static bool cancel_pending(struct nest_task *task)
{
    int64_t now = -1;
    for (struct nest_scope *scope = task->scopes; scope != NULL; scope = scope->outer) {
        if (scope->shield)
            return false;
        if (scope->deadline == NEST_FOREVER)
            continue;
        if (now < 0)
            now = nest__clock_ms();
        if (scope->deadline <= now) {
            scope->fired = true;
            return true;
        }
    }
    return task->cancelled;
}

/* The earliest deadline among the scopes the task can see (not past a shield). */
static nest_deadline scope_deadline(const struct nest_task *task)
{
    nest_deadline earliest = NEST_FOREVER;
    for (const struct nest_scope *scope = task->scopes; scope != NULL; scope = scope->outer) {
        if (scope->shield)
            break;
        if (scope->deadline != NEST_FOREVER &&
            (earliest == NEST_FOREVER || scope->deadline < earliest))
            earliest = scope->deadline;
    }
    return earliest;
}

static nest_deadline earlier(nest_deadline a, nest_deadline b)
{
    if (a == NEST_FOREVER)
        return b;
    if (b == NEST_FOREVER)
        return a;
    return a < b ? a : b;
}

int nest__checkpoint(void)
{
    struct nest_loop *loop = nest__loop();
    if (loop == NULL) {
        errno = EPERM;
        return -1;
    }
    if (cancel_pending(loop->current)) {
        errno = ECANCELED;
        return -1;
    }
    return 0;
}

void nest__cancel(struct nest_task *task)
{
    if (task->state == NEST_TASK_DONE)
        return;
    if (!task->cancelled) {
        task->cancelled = true;
        nest__groups_cancel_owned(task);
    }
    if (task->state == NEST_TASK_WAITING && !task->uncancellable_park && cancel_pending(task))
        nest__wake(task->waiter, ECANCELED);
}

/* ---- parking ---------------------------------------------------------------- */

/* Why did the timer of a park fire: its own deadline, or a scope's? */
static int expiry_error(struct nest_task *task, nest_deadline deadline, bool cancellable)
{
    if (deadline != NEST_FOREVER && deadline <= nest__clock_ms())
        return ETIMEDOUT;
    if (cancellable && cancel_pending(task))
        return ECANCELED;
    return ETIMEDOUT;
}

int nest__park(struct nest_waiter *waiter, nest_deadline deadline, bool cancellable)
{
    struct nest_loop *loop = nest__loop();
    struct nest_task *task = loop->current;
    if (cancellable && cancel_pending(task)) {
        nest__waiter_unlink(waiter);
        errno = ECANCELED;
        return -1;
    }
    nest_deadline wake = cancellable ? earlier(deadline, scope_deadline(task)) : deadline;
    if (nest__deadline_passed(wake)) {
        nest__waiter_unlink(waiter);
        errno = expiry_error(task, deadline, cancellable);
        return -1;
    }
    task->waiter = waiter;
    task->wake_deadline = wake;
    task->uncancellable_park = !cancellable;
    if (wake != NEST_FOREVER && nest__timers_insert(&loop->timers, task) != 0) {
        task->waiter = NULL;
        nest__waiter_unlink(waiter);
        return -1;
    }
    task->state = NEST_TASK_WAITING;
    nest__switch_away(loop);
    task->waiter = NULL;
    task->uncancellable_park = false;
    if (waiter->status == 0)
        return 0;
    errno = waiter->status == ETIMEDOUT ? expiry_error(task, deadline, cancellable)
                                        : waiter->status;
    return -1;
}

void nest__wake(struct nest_waiter *waiter, int status)
{
    struct nest_loop *loop = nest__loop();
    struct nest_task *task = waiter->task;
    nest__waiter_unlink(waiter);
    /* Only the first wake counts (the event, the timer or a cancel). */
    if (task->state != NEST_TASK_WAITING || task->waiter != waiter)
        return;
    waiter->status = status;
    nest__timers_remove(&loop->timers, task);
    nest__ready(loop, task);
}

/* ---- the task API -------------------------------------------------------------- */

nest_task *nest_spawn_at(int (*fn)(void *arg), void *arg, const char *file, int line)
{
    struct nest_loop *loop = nest__loop();
    if (loop == NULL) {
        errno = EPERM;
        return NULL;
    }
    if (fn == NULL) {
        errno = EINVAL;
        return NULL;
    }
    return nest__spawn(loop, fn, arg, file, line);
}

#undef nest_spawn
nest_task *nest_spawn(int (*fn)(void *arg), void *arg)
{
    return nest_spawn_at(fn, arg, NULL, 0);
}

int nest_join(nest_task *target, nest_deadline deadline, int *result)
{
    struct nest_loop *loop = nest__loop();
    if (loop == NULL) {
        errno = EPERM;
        return -1;
    }
    if (target == NULL || target == loop->current || target->detached ||
        target->joiner != NULL) {
        errno = EINVAL;
        return -1;
    }
    if (target->state != NEST_TASK_DONE) {
        /* Stopping a cancelled task is bounded: it completes even when the
         * caller is cancelled itself, so cleanup paths can always run it. */
        bool cancellable = !(deadline == NEST_FOREVER && target->cancelled);
        struct nest_waiter waiter;
        nest__waiter_init(&waiter, NEST_WAIT_JOIN, target);
        waiter.slot = &target->joiner;
        /* The waiter lives on this stack only while parked: park unlinks it
         * on every way out. */
        // cppcheck-suppress autoVariables
        target->joiner = &waiter;
        if (nest__park(&waiter, deadline, cancellable) != 0) {
            int error = errno;
            if (error == ECANCELED && deadline == NEST_FOREVER) {
                /* RUNTIME.md: the task is cancelled too and the runtime
                 * frees it when it finishes; the handle is gone. */
                target->detached = true;
                nest__cancel(target);
            }
            errno = error;
            return -1;
        }
    }
    if (result != NULL)
        *result = target->result;
    target->observed = true;
    nest__task_free(loop, target);
    return 0;
}

void nest_cancel(nest_task *target)
{
    struct nest_loop *loop = nest__loop();
    if (loop == NULL || target == NULL)
        return;
    nest__cancel(target);
}

int nest_cancelled(void)
{
    struct nest_loop *loop = nest__loop();
    if (loop == NULL || loop->current == &loop->scheduler)
        return 0;
    return cancel_pending(loop->current) ? 1 : 0;
}

int nest_yield(void)
{
    if (nest__checkpoint() != 0)
        return -1;
    struct nest_loop *loop = nest__loop();
    nest__ready(loop, loop->current);
    nest__switch_away(loop);
    return 0;
}

int nest_sleep(int64_t ms)
{
    if (ms <= 0)
        return nest_yield();
    if (nest__checkpoint() != 0)
        return -1;
    struct nest_waiter waiter;
    nest__waiter_init(&waiter, NEST_WAIT_SLEEP, NULL);
    if (nest__park(&waiter, nest_after(ms), true) == 0 || errno == ETIMEDOUT)
        return 0;
    return -1;
}

/* ---- cancel scopes ------------------------------------------------------------- */

static int run_in_scope(struct nest_scope *scope, int (*fn)(void *arg), void *arg)
{
    struct nest_task *task = nest__loop()->current;
    scope->outer = task->scopes;
    task->scopes = scope;
    int value = fn(arg);
    task->scopes = scope->outer;
    return value;
}

int nest_wait_for(int (*fn)(void *arg), void *arg, int64_t timeout_ms, int *result)
{
    if (nest__loop() == NULL) {
        errno = EPERM;
        return -1;
    }
    if (fn == NULL || timeout_ms < 0) {
        errno = EINVAL;
        return -1;
    }
    struct nest_scope scope = {.deadline = nest_after(timeout_ms)};
    int value = run_in_scope(&scope, fn, arg);
    if (scope.fired) {
        errno = ETIMEDOUT;
        return -1;
    }
    if (result != NULL)
        *result = value;
    return 0;
}

int nest_shield(int (*fn)(void *arg), void *arg, int *result)
{
    if (nest__loop() == NULL) {
        errno = EPERM;
        return -1;
    }
    if (fn == NULL) {
        errno = EINVAL;
        return -1;
    }
    struct nest_scope scope = {.deadline = NEST_FOREVER, .shield = true};
    int value = run_in_scope(&scope, fn, arg);
    if (result != NULL)
        *result = value;
    return 0;
}
