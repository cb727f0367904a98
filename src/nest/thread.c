/*
 * thread.c - nest_to_thread: blocking work on a fixed pool of threads.
 *
 * The calling task parks; a worker thread runs fn and hands the finished
 * job back through a mutex-protected list and the loop's eventfd, which the
 * loop collects on its own thread. The loop never takes a lock that a worker
 * holds for long, so it never blocks. A caller that stops waiting (deadline,
 * cancellation) only unhooks its waiter: fn still runs to completion and
 * its result is dropped; nest_run waits for such jobs before it returns.
 * Threads start on first use, with every signal blocked (signals belong to
 * the loop thread).
 */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

struct nest_job {
    struct nest_job *next;
    int (*fn)(void *arg);
    void *arg;
    int result;
    struct nest_waiter *waiter; /* loop thread only; NULL once abandoned */
};

int nest__threads_init(struct nest_thread_pool *pool, int thread_count, int wake_fd)
{
    pool->thread_count = thread_count;
    pool->wake_fd = wake_fd;
    if (pthread_mutex_init(&pool->mutex, NULL) != 0)
        return -1;
    if (pthread_cond_init(&pool->work_ready, NULL) != 0) {
        pthread_mutex_destroy(&pool->mutex);
        return -1;
    }
    pool->initialised = true;
    return 0;
}

static struct nest_job *take_pending(struct nest_thread_pool *pool)
{
    while (pool->pending_head == NULL && !pool->stopping)
        pthread_cond_wait(&pool->work_ready, &pool->mutex);
    struct nest_job *job = pool->pending_head;
    if (job != NULL) {
        pool->pending_head = job->next;
        if (pool->pending_head == NULL)
            pool->pending_tail = NULL;
    }
    return job;
}

static void *worker_main(void *arg)
{
    struct nest_thread_pool *pool = arg;
    pthread_mutex_lock(&pool->mutex);
    struct nest_job *job;
    while ((job = take_pending(pool)) != NULL) {
        pthread_mutex_unlock(&pool->mutex);
        job->result = job->fn(job->arg);
        pthread_mutex_lock(&pool->mutex);
        job->next = pool->finished;
        pool->finished = job;
        uint64_t one = 1;
        (void)!write(pool->wake_fd, &one, sizeof one);
    }
    pthread_mutex_unlock(&pool->mutex);
    return NULL;
}

static int start_threads(struct nest_thread_pool *pool)
{
    pool->threads = calloc((size_t)pool->thread_count, sizeof *pool->threads);
    if (pool->threads == NULL) {
        errno = ENOMEM;
        return -1;
    }
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int error = 0;
    for (int i = 0; i < pool->thread_count; i++) {
        error = pthread_create(&pool->threads[i], NULL, worker_main, pool);
        if (error != 0)
            break;
        pool->started++;
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (pool->started == 0) {
        free(pool->threads);
        pool->threads = NULL;
        errno = error;
        return -1;
    }
    return 0; /* fewer threads than asked for still work */
}

void nest__threads_collect(struct nest_thread_pool *pool)
{
    if (!pool->initialised)
        return;
    pthread_mutex_lock(&pool->mutex);
    struct nest_job *job = pool->finished;
    pool->finished = NULL;
    pthread_mutex_unlock(&pool->mutex);
    while (job != NULL) {
        struct nest_job *next = job->next;
        pool->in_flight--;
        if (job->waiter != NULL) {
            job->waiter->value = job->result;
            nest__wake(job->waiter, 0);
        }
        free(job);
        job = next;
    }
}

void nest__threads_destroy(struct nest_thread_pool *pool)
{
    if (!pool->initialised)
        return;
    pthread_mutex_lock(&pool->mutex);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->mutex);
    for (int i = 0; i < pool->started; i++)
        pthread_join(pool->threads[i], NULL);
    free(pool->threads);
    pool->threads = NULL;
    pool->started = 0;
    pthread_cond_destroy(&pool->work_ready);
    pthread_mutex_destroy(&pool->mutex);
    pool->initialised = false;
}

int nest__to_thread(int (*fn)(void *arg), void *arg, nest_deadline deadline, int *result,
                    bool *submitted)
{
    *submitted = false;
    if (nest__checkpoint() != 0)
        return -1;
    if (fn == NULL) {
        errno = EINVAL;
        return -1;
    }
    struct nest_thread_pool *pool = &nest__loop()->threads;
    if (pool->started == 0 && start_threads(pool) != 0)
        return -1;
    struct nest_job *job = calloc(1, sizeof *job);
    if (job == NULL) {
        errno = ENOMEM;
        return -1;
    }
    job->fn = fn;
    job->arg = arg;
    struct nest_waiter waiter;
    nest__waiter_init(&waiter, NEST_WAIT_THREAD, job);
    waiter.slot = &job->waiter; /* a timeout or cancel unhooks it */
    job->waiter = &waiter;

    pthread_mutex_lock(&pool->mutex);
    if (pool->pending_tail != NULL)
        pool->pending_tail->next = job;
    else
        pool->pending_head = job;
    pool->pending_tail = job;
    pthread_cond_signal(&pool->work_ready);
    pthread_mutex_unlock(&pool->mutex);
    pool->in_flight++;
    *submitted = true;

    /* The job is in flight: the wait may end early, the job does not. */
    if (nest__park(&waiter, deadline, true) != 0)
        return -1;
    if (result != NULL)
        *result = (int)waiter.value;
    return 0;
}

int nest_to_thread(int (*fn)(void *arg), void *arg, nest_deadline deadline, int *result)
{
    bool submitted;
    return nest__to_thread(fn, arg, deadline, result, &submitted);
}
