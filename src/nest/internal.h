/*
 * internal.h - the runtime's shared internal model.
 *
 * One struct nest_loop per nest_run(), reached through a thread-local
 * pointer (the public API has no loop argument, like libdill). Tasks are
 * struct nest_task: a saved context, a stack, and the state of its current
 * wait. Every suspension point in the runtime reduces to one primitive,
 * nest__park(): the caller links a struct nest_waiter (on its own stack)
 * into whatever it waits on, parks with a deadline, and is woken either by
 * the event (nest__wake) or by its deadline, a cancel-scope expiry or a
 * cancellation, in which case the park code unlinks the waiter itself.
 * Keeping one wait primitive is what makes "cancellation and a deadline at
 * every suspension point" true by construction.
 */
#ifndef NEST_INTERNAL_H
#define NEST_INTERNAL_H

/* accept4, MAP_STACK, eventfd...: the runtime is Linux-specific by design. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "nest.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#if defined(__SANITIZE_ADDRESS__)
#define NEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NEST_ASAN 1
#endif
#endif

#ifdef NEST_CONTEXT_UCONTEXT
#include <ucontext.h>
#endif

/* ---- context switch (context_*.S / context_ucontext.c) ------------------- */

struct nest_context {
#ifdef NEST_CONTEXT_UCONTEXT
    ucontext_t uc;
#else
    void *stack_pointer;
#endif
    void *stack_bottom; /* lowest usable address, for the sanitizers */
    size_t stack_size;
#ifdef NEST_ASAN
    void *fake_stack;
    struct nest_context *came_from;
#endif
};

/* Prepares `context` so that the first switch to it calls entry(arg) on
 * the given stack. entry must never return. */
void nest__context_make(struct nest_context *context, void *stack_bottom, size_t stack_size,
                        void (*entry)(void *arg), void *arg);
/* Saves the running context into `from` and resumes `to`. When
 * from_is_exiting, `from` will never be resumed (its stack is released). */
void nest__context_switch(struct nest_context *from, struct nest_context *to,
                          bool from_is_exiting);
/* Must be the first call of a new context's entry function. */
void nest__context_started(struct nest_context *context);

/* ---- stacks (stack.c) ----------------------------------------------------- */


struct nest_stack_cache {
    void **free_stacks; /* mapping bases */
    size_t count;
    size_t capacity;
    size_t stack_size; /* usable bytes */
    size_t guard_size;
    int guard_method; /* 0 none, 1 MADV_GUARD_INSTALL, 2 mprotect */
    bool guard_verified;
};

void nest__stacks_init(struct nest_stack_cache *cache, size_t stack_size, bool guard_pages);
void *nest__stack_get(struct nest_stack_cache *cache); /* mapping base or NULL */
void nest__stack_put(struct nest_stack_cache *cache, void *mapping);
void nest__stacks_destroy(struct nest_stack_cache *cache);
/* Usable region [bottom, bottom + stack_size) of a mapping. */
void *nest__stack_bottom(const struct nest_stack_cache *cache, void *mapping);

/* ---- waiting --------------------------------------------------------------- */

struct nest_task;

/* An intrusive doubly-linked list of waiters (FIFO). */
struct nest_wait_list {
    struct nest_waiter *head;
    struct nest_waiter *tail;
};

/* What a parked task waits on, for nest_dump(). */
enum nest_wait_kind {
    NEST_WAIT_SLEEP,
    NEST_WAIT_FD,
    NEST_WAIT_JOIN,
    NEST_WAIT_GROUP,
    NEST_WAIT_QUEUE_GET,
    NEST_WAIT_QUEUE_PUT,
    NEST_WAIT_QUEUE_JOIN,
    NEST_WAIT_SEM,
    NEST_WAIT_POOL,
    NEST_WAIT_THREAD,
    NEST_WAIT_SHUTDOWN,
};

struct nest_waiter {
    struct nest_task *task;
    struct nest_waiter *prev;
    struct nest_waiter *next;
    struct nest_wait_list *list;  /* the list it sits in, or NULL */
    struct nest_waiter **slot;    /* or the single slot it sits in, or NULL */
    enum nest_wait_kind kind;
    const void *object; /* queue, semaphore, task... (nest_dump) */
    int fd;             /* NEST_WAIT_FD */
    int events;         /* NEST_WAIT_FD */
    int status;         /* 0 woken by the event; else the errno of the failure */
    intptr_t value;     /* a value handed over by the waker */
};

void nest__wait_list_push(struct nest_wait_list *list, struct nest_waiter *waiter);
struct nest_waiter *nest__wait_list_pop(struct nest_wait_list *list);
void nest__waiter_unlink(struct nest_waiter *waiter);

/* Initialises a waiter for the current task. */
void nest__waiter_init(struct nest_waiter *waiter, enum nest_wait_kind kind, const void *object);

/* Parks the current task until nest__wake(waiter, ...) or the deadline or a
 * cancellation. Returns 0 when woken by the event, else -1 with errno
 * (ETIMEDOUT, ECANCELED, or the status the waker gave). An uncancellable
 * park ignores cancellation (nest_group_close, a forever join after
 * nest_cancel), but not deadlines. */
int nest__park(struct nest_waiter *waiter, nest_deadline deadline, bool cancellable);

/* Wakes a parked waiter: unlinks it and makes its task ready. status 0 means
 * success, else an errno value the park returns. */
void nest__wake(struct nest_waiter *waiter, int status);

/* Fails with ECANCELED when the current task is (effectively) cancelled:
 * the entry check of every suspension point. */
int nest__checkpoint(void);

/* ---- cancel scopes ---------------------------------------------------------- */

struct nest_scope {
    struct nest_scope *outer;
    nest_deadline deadline; /* NEST_FOREVER for a shield */
    bool shield;
    bool fired; /* a suspension inside failed because the deadline passed */
};

/* ---- tasks -------------------------------------------------------------- */

enum nest_task_state {
    NEST_TASK_READY,   /* in the run queue (or not yet started) */
    NEST_TASK_RUNNING,
    NEST_TASK_WAITING, /* parked */
    NEST_TASK_DONE,
};

struct nest_group;

struct nest_task {
    struct nest_context context;
    void *stack; /* mapping, NULL for the scheduler */
    int (*fn)(void *arg);
    void *arg;
    int result;
    enum nest_task_state state;
    uint64_t id;
    const char *file;
    int line;

    bool cancelled;
    bool detached;    /* nobody will join: free when done */
    bool observed;    /* its result was read (join, group) */
    bool uncancellable_park;
    bool on_finished_list;

    struct nest_task *next_ready;
    struct nest_task *prev_live; /* every live task, for dump and exit */
    struct nest_task *next_live;

    struct nest_waiter *waiter; /* current wait, while parked */
    nest_deadline wake_deadline;
    size_t heap_index; /* position in the timer heap, SIZE_MAX if none */
    struct nest_scope *scopes; /* innermost cancel scope */

    struct nest_waiter *joiner; /* a task waiting in nest_join */

    struct nest_group *group; /* the group it is a child of, or NULL */
    struct nest_task *prev_sibling;
    struct nest_task *next_sibling;
    struct nest_group *owned_groups; /* groups this task opened */

    int64_t resumed_at; /* debug: when it last got the CPU */
};

/* ---- groups --------------------------------------------------------------- */

struct nest_group {
    struct nest_task *owner;
    struct nest_group *prev_owned;
    struct nest_group *next_owned;
    struct nest_task *children; /* running children */
    size_t running;
    int failure;
    bool failed;
    bool cancelling;
    struct nest_wait_list waiters; /* nest_group_wait / close */
};

void nest__group_child_done(struct nest_task *child);
void nest__groups_cancel_owned(struct nest_task *task);
void nest__group_orphan_owned(struct nest_task *task);

/* ---- timers (timer.c): a binary min-heap of parked tasks by deadline ------ */

struct nest_timer_heap {
    struct nest_task **tasks;
    size_t count;
    size_t capacity;
};

int nest__timers_insert(struct nest_timer_heap *heap, struct nest_task *task);
void nest__timers_remove(struct nest_timer_heap *heap, struct nest_task *task);
struct nest_task *nest__timers_peek(const struct nest_timer_heap *heap);
void nest__timers_destroy(struct nest_timer_heap *heap);

/* ---- fds (io.c) ------------------------------------------------------------ */

struct nest_fd_state {
    bool known;        /* classified since the fd was opened */
    bool registered;   /* added to epoll (edge-triggered, in and out) */
    bool not_pollable; /* a regular file: always ready */
    bool is_socket;
    bool readable; /* an edge was seen and no EAGAIN since */
    bool writable;
    bool hangup;   /* peer closed or error: stays readable */
    bool made_nonblocking; /* O_NONBLOCK set by the loop: cleared at exit */
    struct nest_wait_list waiters;
};

/* Indexed by fd. States are allocated one by one and never move: parked
 * tasks hold pointers into them while the table grows. */
struct nest_fd_table {
    struct nest_fd_state **states;
    size_t capacity;
};

void nest__fd_event(struct nest_fd_table *table, int fd, uint32_t events);
void nest__fds_destroy(struct nest_fd_table *table);

/* ---- thread pool (thread.c) --------------------------------------------- */

struct nest_job;

struct nest_thread_pool {
    pthread_t *threads;
    int thread_count;
    int started;
    pthread_mutex_t mutex;
    pthread_cond_t work_ready;
    struct nest_job *pending_head; /* jobs not yet picked up */
    struct nest_job *pending_tail;
    struct nest_job *finished; /* completed, for the loop to collect */
    size_t in_flight;          /* submitted and not yet collected */
    bool stopping;
    bool initialised;
    int wake_fd; /* the loop's eventfd */
};

int nest__threads_init(struct nest_thread_pool *pool, int thread_count, int wake_fd);
void nest__threads_collect(struct nest_thread_pool *pool);
void nest__threads_destroy(struct nest_thread_pool *pool);
/* nest_to_thread, telling whether the job was handed to a thread (then fn
 * runs, whatever the wait's outcome). */
int nest__to_thread(int (*fn)(void *arg), void *arg, nest_deadline deadline, int *result,
                    bool *submitted);

/* ---- signals (signal.c) --------------------------------------------------- */

struct nest_signals {
    bool owned;     /* this loop holds the process's signal handlers */
    bool installed; /* SIGINT and SIGTERM */
    bool quit_installed;
    struct sigaction saved_int;
    struct sigaction saved_term;
    struct sigaction saved_quit;
};

/* shutdown: SIGINT/SIGTERM start a graceful shutdown; dump: SIGQUIT prints
 * nest_dump (debug mode). */
int nest__signals_install(struct nest_signals *signals, int wake_fd, bool shutdown, bool dump);
void nest__signals_restore(struct nest_signals *signals);
/* Called by the loop when its eventfd fired: acts on pending signals. */
void nest__signals_dispatch(void);

/* ---- the loop (loop.c) ---------------------------------------------------- */

struct nest_loop {
    nest_options options;
    int epoll_fd;
    int wake_fd; /* eventfd: thread pool completions and signals */

    struct nest_task scheduler; /* the thread's own stack */
    struct nest_task *current;
    struct nest_task *main_task;
    struct nest_task *ready_head;
    struct nest_task *ready_tail;
    struct nest_task *live_head;
    size_t live_count;
    struct nest_task *finished_head; /* done, handle not yet joined */
    struct nest_task *exited; /* finished task whose stack awaits release */
    uint64_t next_id;
    unsigned switches_since_poll;
    int64_t now; /* clock at the last poll: for "already expired?" checks,
                  * where a stale value only means a trip through the loop */

    struct nest_timer_heap timers;
    struct nest_fd_table fds;
    struct nest_stack_cache stacks;
    struct nest_thread_pool threads;
    struct nest_signals signals;

    bool shutdown_requested;
    int shutdown_signals; /* SIGINT/SIGTERM received: the second is a hard stop */
    bool main_returned;
    struct nest_wait_list shutdown_waiters;
    struct epoll_event events[256];
};

/* The loop running on this thread, or NULL outside nest_run. */
struct nest_loop *nest__loop(void);

/* Makes a task runnable (appends it to the run queue). */
void nest__ready(struct nest_loop *loop, struct nest_task *task);
/* Gives the CPU to the next runnable task; returns when this one runs again. */
void nest__switch_away(struct nest_loop *loop);
/* Polls fds and timers without blocking: keeps I/O flowing while tasks yield. */
void nest__poll(struct nest_loop *loop, int timeout_ms);
/* Frees a finished task's handle (after join, or for a detached task). */
void nest__task_free(struct nest_loop *loop, struct nest_task *task);
/* Reports a failure that nobody observed (debug mode). */
void nest__debug_unobserved(struct nest_loop *loop, const struct nest_task *task);
/* Debug mode: the task is leaving the CPU; report it if it held it too long. */
void nest__debug_lag(struct nest_loop *loop, struct nest_task *task);
void nest__debug_still_running(struct nest_loop *loop, const struct nest_task *task);
struct nest_task *nest__spawn(struct nest_loop *loop, int (*fn)(void *arg), void *arg,
                              const char *file, int line);
void nest__cancel(struct nest_task *task);

/* Monotonic clock in milliseconds. */
int64_t nest__clock_ms(void);
/* Has the deadline passed, by the loop's cached clock? Cheap enough for the
 * I/O fast path; a stale answer is "no", and the timer then fires at once. */
bool nest__deadline_passed(nest_deadline deadline);

#endif /* NEST_INTERNAL_H */
