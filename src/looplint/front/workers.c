/*
 * workers.c - ll_front_extract(): a plan's TUs parsed on N threads.
 *
 * Parsing is the expensive step and TUs are independent, so each worker
 * thread owns one extractor (one CXIndex: libclang allows concurrent work
 * on distinct indices) and takes the next command index from an atomic
 * counter until the plan is exhausted. A finished unit goes into a
 * mutex-protected queue; the calling thread sleeps on a condition variable,
 * pops units in completion order and hands each to the callback, so the
 * callback (which writes the store) never runs concurrently with itself
 * and needs no locking. A unit depends only on its command, never on the
 * thread or on what that thread parsed before, so the units are the same
 * for any number of threads; only the order of the callbacks differs.
 *
 * Stopping: when the callback fails, no further command is handed out,
 * the workers finish the TU they are in and are joined, and units that
 * were never delivered are freed.
 */
#include "front.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct pool {
    const ll_plan *plan;
    atomic_size_t next;   /* the next command index to hand out */
    atomic_bool stopping; /* hand out nothing more */

    pthread_mutex_t lock;    /* guards the fields below */
    pthread_cond_t finished; /* a unit was queued */
    ll_unit **units;         /* by command index, until delivered */
    size_t *order;           /* command indices in completion order */
    size_t produced;         /* entries of `order` filled by the workers */
} pool;

typedef struct worker {
    pool *pool;
    ll_extractor *extractor;
    pthread_t thread;
    bool started;
} worker;

static void *work(void *argument)
{
    worker *self = argument;
    pool *shared = self->pool;
    for (;;) {
        if (atomic_load(&shared->stopping))
            break;
        size_t index = atomic_fetch_add(&shared->next, 1);
        if (index >= shared->plan->count)
            break;
        /* NULL (out of memory) is queued too: the caller reports it. */
        ll_unit *unit = ll_extractor_run(self->extractor, &shared->plan->commands[index]);
        pthread_mutex_lock(&shared->lock);
        shared->units[index] = unit;
        shared->order[shared->produced++] = index;
        pthread_cond_signal(&shared->finished);
        pthread_mutex_unlock(&shared->lock);
    }
    return NULL;
}

static unsigned thread_count(unsigned jobs, size_t commands)
{
    if (jobs == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cores > 0 ? (unsigned)cores : 1;
    }
    return commands < jobs ? (unsigned)commands : jobs;
}

/* Hands the units to `done` as they come, until all are delivered or
 * something fails. Returns 0 or -1. */
static int deliver(pool *shared, ll_unit_callback done, void *context, ll_error *error)
{
    size_t count = shared->plan->count;
    for (size_t delivered = 0; delivered < count; delivered++) {
        pthread_mutex_lock(&shared->lock);
        while (shared->produced == delivered)
            pthread_cond_wait(&shared->finished, &shared->lock);
        size_t index = shared->order[delivered];
        ll_unit *unit = shared->units[index];
        shared->units[index] = NULL;
        pthread_mutex_unlock(&shared->lock);
        if (!unit)
            return ll_error_set(error, "out of memory extracting %s",
                                shared->plan->commands[index].file);
        /* The callback owns the unit from here on, and sets its own error. */
        if (done(context, index, unit) < 0)
            return -1;
    }
    return 0;
}

int ll_front_extract(const ll_plan *plan, unsigned jobs, ll_unit_callback done, void *context,
                     ll_error *error)
{
    unsigned threads = thread_count(jobs, plan->count);
    int status = -1;
    pool shared = {.plan = plan};
    worker *workers = calloc(threads ? threads : 1, sizeof *workers);
    atomic_init(&shared.next, 0);
    atomic_init(&shared.stopping, false);
    shared.units = calloc(plan->count ? plan->count : 1, sizeof *shared.units);
    shared.order = calloc(plan->count ? plan->count : 1, sizeof *shared.order);
    if (!workers || !shared.units || !shared.order) {
        ll_error_set(error, "out of memory starting %u extraction threads", threads);
        goto fail;
    }
    pthread_mutex_init(&shared.lock, NULL);
    pthread_cond_init(&shared.finished, NULL);

    /* Extractors are made here, so that a worker never fails to start
     * its loop and the delivery below never waits for a unit nobody makes. */
    for (unsigned i = 0; i < threads; i++) {
        workers[i].pool = &shared;
        workers[i].extractor = ll_extractor_new();
        if (!workers[i].extractor) {
            ll_error_set(error, "cannot create a libclang index for extraction thread %u", i + 1);
            goto stop;
        }
    }
    for (unsigned i = 0; i < threads; i++) {
        int code = pthread_create(&workers[i].thread, NULL, work, &workers[i]);
        if (code != 0) {
            ll_error_set(error, "cannot start extraction thread %u of %u: %s", i + 1, threads,
                         strerror(code));
            goto stop;
        }
        workers[i].started = true;
    }
    status = deliver(&shared, done, context, error);
stop:
    atomic_store(&shared.stopping, true);
    for (unsigned i = 0; i < threads; i++) {
        if (workers[i].started)
            pthread_join(workers[i].thread, NULL);
        ll_extractor_free(workers[i].extractor);
    }
    for (size_t i = 0; i < plan->count; i++)
        ll_unit_free(shared.units[i]);
    pthread_cond_destroy(&shared.finished);
    pthread_mutex_destroy(&shared.lock);
fail:
    free(shared.order);
    free(shared.units);
    free(workers);
    return status;
}
