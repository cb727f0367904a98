/*
 * nest.h - the public API of nest, a stackful-coroutine async runtime for C.
 *
 * One event loop runs per nest_run() call, on the calling thread. Tasks are
 * coroutines with their own stacks; every function below that can wait is a
 * suspension point: it takes a deadline, yields to the loop while it waits,
 * and fails with ETIMEDOUT when the deadline passes or ECANCELED when the
 * calling task is being cancelled. Errors follow POSIX habits: -1 (or NULL)
 * with errno set. docs/runtime.md describes every call; this header is the
 * contract that looplint's nest rule pack (rules/nest.rules) describes.
 */
#ifndef NEST_H
#define NEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NEST_VERSION_MAJOR 0
#define NEST_VERSION_MINOR 1
#define NEST_VERSION_PATCH 0

/* ---- Time ---------------------------------------------------------------- */

typedef int64_t nest_deadline; /* absolute, ms on CLOCK_MONOTONIC */
#define NEST_FOREVER ((nest_deadline)-1)

int64_t nest_now(void);             /* monotonic ms */
nest_deadline nest_after(int64_t ms); /* nest_now() + ms */

/* ---- Running the loop ---------------------------------------------------- */

typedef struct nest_options {
    int debug;         /* 1: lag + never-observed-failure reports (env NEST_DEBUG=1 too) */
    int64_t slow_ms;   /* lag threshold in debug mode, default 100 */
    size_t stack_size; /* per task, default 64 KiB (256 KiB under AddressSanitizer) */
    int threads;       /* to_thread pool size, default 4 */
    int no_signals;    /* 1: leave SIGINT/SIGTERM alone; 0: they start a graceful shutdown */
    int no_guard_pages; /* 1: stacks without guard pages (very large task counts) */
} nest_options;

int nest_run(int (*main_fn)(void *arg), void *arg, const nest_options *opt);

/* ---- Tasks --------------------------------------------------------------- */

typedef struct nest_task nest_task;

nest_task *nest_spawn(int (*fn)(void *arg), void *arg);
nest_task *nest_spawn_at(int (*fn)(void *arg), void *arg, const char *file, int line);
int nest_join(nest_task *t, nest_deadline d, int *result);
void nest_cancel(nest_task *t);
int nest_cancelled(void);
int nest_yield(void);

/* Record the spawn site for debug reports and nest_dump(). A function-like
 * macro expands only when followed by '(', so &nest_spawn still names the
 * function. */
#define nest_spawn(fn, arg) nest_spawn_at((fn), (arg), __FILE__, __LINE__)

/* ---- Structured concurrency ---------------------------------------------- */

typedef struct nest_group nest_group;

nest_group *nest_group_open(void);
int nest_group_spawn(nest_group *g, int (*fn)(void *arg), void *arg);
int nest_group_spawn_at(nest_group *g, int (*fn)(void *arg), void *arg,
                        const char *file, int line);
int nest_group_wait(nest_group *g, nest_deadline d);
void nest_group_close(nest_group *g);

#define nest_group_spawn(g, fn, arg) \
    nest_group_spawn_at((g), (fn), (arg), __FILE__, __LINE__)

/* ---- Timeouts and shielding ---------------------------------------------- */

int nest_wait_for(int (*fn)(void *arg), void *arg, int64_t timeout_ms, int *result);
int nest_shield(int (*fn)(void *arg), void *arg, int *result);

/* ---- Sleeping and I/O ---------------------------------------------------- */

#define NEST_IN 1
#define NEST_OUT 2

int nest_sleep(int64_t ms);
int nest_wait_fd(int fd, int events, nest_deadline d);
ssize_t nest_read(int fd, void *buf, size_t n, nest_deadline d);
ssize_t nest_write(int fd, const void *buf, size_t n, nest_deadline d);
int nest_accept(int listen_fd, struct sockaddr *addr, socklen_t *len, nest_deadline d);
int nest_tcp_listen(const char *host, int port, int backlog);
int nest_tcp_connect(const char *host, int port, nest_deadline d);
int nest_close(int fd);

/* ---- Connection pool ----------------------------------------------------- */

typedef struct nest_pool nest_pool;

nest_pool *nest_pool_open(const char *host, int port, int max_conns);
int nest_pool_acquire(nest_pool *p, nest_deadline d);
void nest_pool_release(nest_pool *p, int fd, int reusable);
void nest_pool_close(nest_pool *p);

/* ---- Queue --------------------------------------------------------------- */

typedef struct nest_queue nest_queue;

nest_queue *nest_queue_open(size_t capacity);
int nest_queue_put(nest_queue *q, void *item, nest_deadline d);
int nest_queue_get(nest_queue *q, void **item, nest_deadline d);
void nest_queue_task_done(nest_queue *q);
int nest_queue_join(nest_queue *q, nest_deadline d);
void nest_queue_close(nest_queue *q);

/* ---- Semaphore ----------------------------------------------------------- */

typedef struct nest_sem nest_sem;

nest_sem *nest_sem_open(int permits);
int nest_sem_acquire(nest_sem *s, nest_deadline d);
void nest_sem_release(nest_sem *s);
void nest_sem_close(nest_sem *s);

/* ---- Offloading blocking work -------------------------------------------- */

int nest_to_thread(int (*fn)(void *arg), void *arg, nest_deadline d, int *result);

/* ---- Graceful shutdown --------------------------------------------------- */

int nest_shutdown_requested(void);
int nest_wait_shutdown(nest_deadline d);
void nest_shutdown(void);

/* ---- Debugging ----------------------------------------------------------- */

void nest_dump(FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* NEST_H */
