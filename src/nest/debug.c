/*
 * debug.c - what a person needs when a service misbehaves: loop-lag
 * reports, failures nobody looked at, and nest_dump, the list of every live
 * task with where it was spawned and what it waits on (asyncio's debug
 * mode and `ps`, libmill's goredump). Reports go to stderr, one line each,
 * prefixed "nest:".
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>

static void print_site(FILE *out, const struct nest_task *task)
{
    if (task->file != NULL && task->line > 0)
        fprintf(out, "%s:%d", task->file, task->line);
    else if (task->file != NULL)
        fprintf(out, "%s", task->file);
    else
        fprintf(out, "an unknown site");
}

void nest__debug_lag(struct nest_loop *loop, struct nest_task *task)
{
    int64_t held = nest__clock_ms() - task->resumed_at;
    if (held <= loop->options.slow_ms)
        return;
    fprintf(stderr, "nest: task %" PRIu64 " spawned at ", task->id);
    print_site(stderr, task);
    fprintf(stderr, " ran %" PRId64 " ms without suspending\n", held);
}

void nest__debug_unobserved(struct nest_loop *loop, const struct nest_task *task)
{
    if (!loop->options.debug)
        return;
    fprintf(stderr, "nest: task %" PRIu64 " spawned at ", task->id);
    print_site(stderr, task);
    fprintf(stderr, " failed with %d and nobody observed it\n", task->result);
}

void nest__debug_still_running(struct nest_loop *loop, const struct nest_task *task)
{
    (void)loop;
    fprintf(stderr, "nest: task %" PRIu64 " spawned at ", task->id);
    print_site(stderr, task);
    fprintf(stderr, " still running at loop exit: cancelled\n");
}

static const char *state_name(enum nest_task_state state)
{
    switch (state) {
    case NEST_TASK_READY:
        return "ready";
    case NEST_TASK_RUNNING:
        return "running";
    case NEST_TASK_WAITING:
        return "waiting";
    case NEST_TASK_DONE:
        return "done";
    }
    return "?";
}

static void print_wait(FILE *out, const struct nest_waiter *waiter)
{
    const char *events = "out";
    if ((waiter->events & NEST_IN) && (waiter->events & NEST_OUT))
        events = "in+out";
    else if (waiter->events & NEST_IN)
        events = "in";
    switch (waiter->kind) {
    case NEST_WAIT_FD:
        fprintf(out, " on fd %d (%s)", waiter->fd, events);
        break;
    case NEST_WAIT_JOIN: {
        const struct nest_task *target = waiter->object;
        fprintf(out, " on join of task %" PRIu64, target->id);
        break;
    }
    case NEST_WAIT_SLEEP:
        fprintf(out, " in sleep");
        break;
    case NEST_WAIT_GROUP:
        fprintf(out, " on group %p", waiter->object);
        break;
    case NEST_WAIT_QUEUE_GET:
        fprintf(out, " on queue %p (get)", waiter->object);
        break;
    case NEST_WAIT_QUEUE_PUT:
        fprintf(out, " on queue %p (put)", waiter->object);
        break;
    case NEST_WAIT_QUEUE_JOIN:
        fprintf(out, " on queue %p (join)", waiter->object);
        break;
    case NEST_WAIT_SEM:
        fprintf(out, " on semaphore %p", waiter->object);
        break;
    case NEST_WAIT_POOL:
        fprintf(out, " on pool %p", waiter->object);
        break;
    case NEST_WAIT_THREAD:
        fprintf(out, " on to_thread job %p", waiter->object);
        break;
    case NEST_WAIT_SHUTDOWN:
        fprintf(out, " on shutdown");
        break;
    }
}

static void dump_task(FILE *out, const struct nest_task *task, int64_t now)
{
    fprintf(out, "  task %" PRIu64 "  ", task->id);
    print_site(out, task);
    fprintf(out, "  %s", state_name(task->state));
    if (task->cancelled)
        fprintf(out, " (cancelled)");
    if (task->state == NEST_TASK_WAITING && task->waiter != NULL) {
        print_wait(out, task->waiter);
        if (task->wake_deadline != NEST_FOREVER)
            fprintf(out, ", deadline in %" PRId64 " ms", task->wake_deadline - now);
        else
            fprintf(out, ", no deadline");
    }
    fputc('\n', out);
}

void nest_dump(FILE *out)
{
    struct nest_loop *loop = nest__loop();
    if (out == NULL)
        return;
    if (loop == NULL) {
        fprintf(out, "nest: no loop running on this thread\n");
        return;
    }
    int64_t now = nest__clock_ms();
    fprintf(out, "nest: %zu live tasks, %zu to_thread jobs in flight\n", loop->live_count,
            loop->threads.in_flight);
    for (const struct nest_task *task = loop->live_head; task != NULL; task = task->next_live)
        dump_task(out, task, now);
    fflush(out);
}
