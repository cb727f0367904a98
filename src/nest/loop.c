/*
 * loop.c - nest_run and the scheduler.
 *
 * The loop owns the run queue, the epoll instance, the timer heap and the
 * eventfd that thread-pool completions and signal handlers write to. Tasks
 * switch directly to the next runnable task (one context switch per
 * nest_yield, as in libdill); only when nothing is runnable does control go
 * back to the scheduler context - the thread's own stack - which blocks in
 * epoll_wait until an fd, a timer, a thread or a signal makes a task
 * runnable. So that tasks which keep yielding cannot starve I/O, the loop
 * also polls without blocking every POLL_EVERY switches.
 *
 * A finished task cannot release its own stack while running on it: it
 * leaves itself in loop->exited and the next context to run releases it.
 */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

enum {
    POLL_EVERY = 64,
    DEFAULT_SLOW_MS = 100,
    DEFAULT_THREADS = 4,
    MAX_THREADS = 1024,
};

#ifdef NEST_ASAN
enum { DEFAULT_STACK_SIZE = 256 * 1024 }; /* ASan's redzones triple frame sizes */
#else
enum { DEFAULT_STACK_SIZE = 64 * 1024 };
#endif
enum { MIN_STACK_SIZE = 16 * 1024 };

static _Thread_local struct nest_loop *running_loop;

struct nest_loop *nest__loop(void)
{
    return running_loop;
}

int64_t nest__clock_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t nest_now(void)
{
    return nest__clock_ms();
}

nest_deadline nest_after(int64_t ms)
{
    if (ms < 0)
        return nest__clock_ms();
    return nest__clock_ms() + ms;
}

/* ---- run queue ----------------------------------------------------------- */

void nest__ready(struct nest_loop *loop, struct nest_task *task)
{
    task->state = NEST_TASK_READY;
    task->next_ready = NULL;
    if (loop->ready_tail != NULL)
        loop->ready_tail->next_ready = task;
    else
        loop->ready_head = task;
    loop->ready_tail = task;
}

static struct nest_task *ready_pop(struct nest_loop *loop)
{
    struct nest_task *task = loop->ready_head;
    if (task != NULL) {
        loop->ready_head = task->next_ready;
        if (loop->ready_head == NULL)
            loop->ready_tail = NULL;
    }
    return task;
}

/* ---- switching ------------------------------------------------------------- */

static void release_exited(struct nest_loop *loop)
{
    struct nest_task *task = loop->exited;
    if (task == NULL)
        return;
    loop->exited = NULL;
    nest__stack_put(&loop->stacks, task->stack);
    task->stack = NULL;
    if (task->detached)
        nest__task_free(loop, task);
}

static void switch_to(struct nest_loop *loop, struct nest_task *from, struct nest_task *to,
                      bool from_is_exiting)
{
    if (loop->options.debug && from != &loop->scheduler)
        nest__debug_lag(loop, from);
    loop->current = to;
    to->state = NEST_TASK_RUNNING;
    nest__context_switch(&from->context, &to->context, from_is_exiting);
    /* Running again as `from` (never reached when it exited, so `from` is
     * not the task release_exited may free). */
    release_exited(loop);
    if (loop->options.debug)
        from->resumed_at = nest__clock_ms(); // NOLINT(clang-analyzer-unix.Malloc): see above
}

static struct nest_task *next_runnable(struct nest_loop *loop)
{
    if (loop->ready_head != NULL && ++loop->switches_since_poll >= POLL_EVERY) {
        loop->switches_since_poll = 0;
        nest__poll(loop, 0);
    }
    struct nest_task *next = ready_pop(loop);
    return next != NULL ? next : &loop->scheduler;
}

void nest__switch_away(struct nest_loop *loop)
{
    struct nest_task *from = loop->current;
    struct nest_task *next = next_runnable(loop);
    if (next == from) {
        /* Yielded with nobody else runnable: the loop polled meanwhile, so
         * this is a fresh turn for the lag report too. */
        from->state = NEST_TASK_RUNNING;
        if (loop->options.debug)
            from->resumed_at = nest__clock_ms();
        return;
    }
    switch_to(loop, from, next, false);
}

/* Finished tasks whose handle is still owned wait here to be joined; the
 * ones nobody joins are freed (and reported) when the loop closes. */
static void finished_push(struct nest_loop *loop, struct nest_task *task)
{
    task->on_finished_list = true;
    task->prev_live = NULL;
    task->next_live = loop->finished_head;
    if (loop->finished_head != NULL)
        loop->finished_head->prev_live = task;
    loop->finished_head = task;
}

void nest__task_free(struct nest_loop *loop, struct nest_task *task)
{
    if (task->on_finished_list) {
        if (task->prev_live != NULL)
            task->prev_live->next_live = task->next_live;
        else
            loop->finished_head = task->next_live;
        if (task->next_live != NULL)
            task->next_live->prev_live = task->prev_live;
    }
    free(task);
}

static void free_unjoined(struct nest_loop *loop)
{
    struct nest_task *task = loop->finished_head;
    while (task != NULL) {
        struct nest_task *next = task->next_live;
        if (task->result != 0 && !task->observed)
            nest__debug_unobserved(loop, task);
        free(task);
        task = next;
    }
    loop->finished_head = NULL;
}

/* main has returned: cancel what still runs, as asyncio.run does. */
static void cancel_leftovers(struct nest_loop *loop)
{
    for (struct nest_task *task = loop->live_head; task != NULL; task = task->next_live) {
        if (task->cancelled)
            continue;
        if (loop->options.debug)
            nest__debug_still_running(loop, task);
        nest__cancel(task);
    }
}

/* Entry of every task's context. */
static void task_main(void *arg)
{
    struct nest_task *task = arg;
    struct nest_loop *loop = running_loop;
    nest__context_started(&task->context);
    release_exited(loop);
    if (loop->options.debug)
        task->resumed_at = nest__clock_ms();

    task->result = task->fn(task->arg);

    task->state = NEST_TASK_DONE;
    if (task->prev_live != NULL)
        task->prev_live->next_live = task->next_live;
    else
        loop->live_head = task->next_live;
    if (task->next_live != NULL)
        task->next_live->prev_live = task->prev_live;
    task->prev_live = task->next_live = NULL;
    loop->live_count--;
    nest__group_orphan_owned(task);
    if (task == loop->main_task) {
        loop->main_returned = true;
        task->observed = true;
        cancel_leftovers(loop);
    }
    if (task->joiner != NULL)
        nest__wake(task->joiner, 0);
    if (task->group != NULL)
        nest__group_child_done(task);
    else if (task->detached && task->result != 0 && !task->observed)
        nest__debug_unobserved(loop, task);
    if (!task->detached)
        finished_push(loop, task);

    loop->exited = task;
    struct nest_task *next = next_runnable(loop);
    switch_to(loop, task, next, true);
    abort(); /* unreachable: an exited context is never resumed */
}

struct nest_task *nest__spawn(struct nest_loop *loop, int (*fn)(void *arg), void *arg,
                              const char *file, int line)
{
    struct nest_task *task = calloc(1, sizeof *task);
    if (task == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    task->stack = nest__stack_get(&loop->stacks);
    if (task->stack == NULL) {
        free(task);
        errno = ENOMEM;
        return NULL;
    }
    nest__context_make(&task->context, nest__stack_bottom(&loop->stacks, task->stack),
                       loop->stacks.stack_size, task_main, task);
    task->fn = fn;
    task->arg = arg;
    task->id = ++loop->next_id;
    task->file = file;
    task->line = line;
    task->heap_index = SIZE_MAX;
    task->cancelled = loop->main_returned; /* spawned during the final cleanup */
    task->next_live = loop->live_head;
    if (loop->live_head != NULL)
        loop->live_head->prev_live = task;
    loop->live_head = task;
    loop->live_count++;
    nest__ready(loop, task);
    return task;
}

/* ---- polling ---------------------------------------------------------------- */

static void drain_wake_fd(struct nest_loop *loop)
{
    uint64_t count;
    while (read(loop->wake_fd, &count, sizeof count) == (ssize_t)sizeof count)
        ;
    nest__threads_collect(&loop->threads);
    nest__signals_dispatch();
}

bool nest__deadline_passed(nest_deadline deadline)
{
    return deadline != NEST_FOREVER && deadline <= running_loop->now;
}

static void expire_timers(struct nest_loop *loop)
{
    int64_t now = nest__clock_ms();
    loop->now = now;
    struct nest_task *task = nest__timers_peek(&loop->timers);
    if (task == NULL)
        return;
    while (task != NULL && task->wake_deadline <= now) {
        nest__wake(task->waiter, ETIMEDOUT);
        task = nest__timers_peek(&loop->timers);
    }
}

void nest__poll(struct nest_loop *loop, int timeout_ms)
{
    int count = epoll_wait(loop->epoll_fd, loop->events,
                           (int)(sizeof loop->events / sizeof loop->events[0]), timeout_ms);
    for (int i = 0; i < count; i++) {
        int fd = loop->events[i].data.fd;
        if (fd == loop->wake_fd)
            drain_wake_fd(loop);
        else
            nest__fd_event(&loop->fds, fd, loop->events[i].events);
    }
    expire_timers(loop);
}

static int poll_timeout(const struct nest_loop *loop)
{
    if (loop->ready_head != NULL)
        return 0;
    const struct nest_task *first = nest__timers_peek(&loop->timers);
    if (first == NULL)
        return -1;
    int64_t wait = first->wake_deadline - nest__clock_ms();
    if (wait <= 0)
        return 0;
    return wait > INT32_MAX ? INT32_MAX : (int)wait;
}

/* ---- the scheduler ----------------------------------------------------------- */

static void scheduler_run(struct nest_loop *loop)
{
    for (;;) {
        struct nest_task *next = ready_pop(loop);
        if (next != NULL) {
            loop->switches_since_poll = 0;
            switch_to(loop, &loop->scheduler, next, false);
            continue;
        }
        if (loop->main_returned && loop->live_count == 0 && loop->threads.in_flight == 0)
            return;
        nest__poll(loop, poll_timeout(loop));
    }
}

/* ---- nest_run ------------------------------------------------------------------ */

static int env_flag(const char *name)
{
    const char *value = getenv(name);
    return value != NULL && value[0] != '\0' && strcmp(value, "0") != 0;
}

static int resolve_options(nest_options *resolved, const nest_options *given)
{
    if (given != NULL)
        *resolved = *given;
    else
        memset(resolved, 0, sizeof *resolved);
    if (resolved->slow_ms < 0 || resolved->threads < 0 || resolved->threads > MAX_THREADS) {
        errno = EINVAL;
        return -1;
    }
    if (env_flag("NEST_DEBUG"))
        resolved->debug = 1;
    if (env_flag("NEST_NO_GUARD"))
        resolved->no_guard_pages = 1;
    if (resolved->slow_ms == 0)
        resolved->slow_ms = DEFAULT_SLOW_MS;
    if (resolved->stack_size == 0)
        resolved->stack_size = DEFAULT_STACK_SIZE;
    if (resolved->stack_size < MIN_STACK_SIZE)
        resolved->stack_size = MIN_STACK_SIZE;
    if (resolved->threads == 0)
        resolved->threads = DEFAULT_THREADS;
    return 0;
}

static int loop_open(struct nest_loop *loop, const nest_options *options)
{
    loop->epoll_fd = -1;
    loop->wake_fd = -1;
    if (resolve_options(&loop->options, options) != 0)
        return -1;
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epoll_fd < 0)
        return -1;
    loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->wake_fd < 0)
        return -1;
    struct epoll_event event = {.events = EPOLLIN, .data.fd = loop->wake_fd};
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &event) != 0)
        return -1;
    nest__stacks_init(&loop->stacks, loop->options.stack_size, !loop->options.no_guard_pages);
    if (nest__threads_init(&loop->threads, loop->options.threads, loop->wake_fd) != 0)
        return -1;
    loop->now = nest__clock_ms();
    loop->scheduler.state = NEST_TASK_RUNNING;
    loop->scheduler.heap_index = SIZE_MAX;
    loop->current = &loop->scheduler;
    return 0;
}

/* Frees handles nobody joined (reporting unobserved failures) and every
 * resource of the loop. */
static void loop_close(struct nest_loop *loop)
{
    nest__threads_destroy(&loop->threads);
    nest__signals_restore(&loop->signals);
    free_unjoined(loop);
    nest__stacks_destroy(&loop->stacks);
    nest__timers_destroy(&loop->timers);
    nest__fds_destroy(&loop->fds);
    if (loop->wake_fd >= 0)
        close(loop->wake_fd);
    if (loop->epoll_fd >= 0)
        close(loop->epoll_fd);
}

int nest_run(int (*main_fn)(void *arg), void *arg, const nest_options *options)
{
    if (main_fn == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (running_loop != NULL) {
        errno = EBUSY;
        return -1;
    }
    struct nest_loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int result = -1;
    if (loop_open(loop, options) != 0)
        goto fail;
    if (nest__signals_install(&loop->signals, loop->wake_fd, !loop->options.no_signals,
                              loop->options.debug) != 0)
        goto fail;
    running_loop = loop;
    loop->main_task = nest__spawn(loop, main_fn, arg, "nest_run", 0);
    if (loop->main_task == NULL)
        goto fail;
    scheduler_run(loop);
    result = loop->main_task->result;
    running_loop = NULL;
    loop_close(loop);
    free(loop);
    return result;

fail:;
    int saved_errno = errno;
    running_loop = NULL;
    loop_close(loop);
    free(loop);
    errno = saved_errno;
    return -1;
}
