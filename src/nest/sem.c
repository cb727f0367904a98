/*
 * sem.c - a counting semaphore for tasks (asyncio.Semaphore).
 *
 * Release hands its permit straight to the first waiter instead of
 * incrementing the count, so permits go to tasks in the order they waited
 * and a task arriving later cannot barge in. A waiter that times out or is
 * cancelled was never handed a permit (a wake is final), so none is lost.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

struct nest_sem {
    int permits;
    size_t parked;
    bool closed;
    struct nest_wait_list waiters;
};

nest_sem *nest_sem_open(int permits)
{
    if (permits < 0) {
        errno = EINVAL;
        return NULL;
    }
    struct nest_sem *sem = calloc(1, sizeof *sem);
    if (sem == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    sem->permits = permits;
    return sem;
}

int nest_sem_acquire(nest_sem *sem, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    if (sem == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (sem->closed) {
        errno = EPIPE;
        return -1;
    }
    if (sem->permits > 0 && sem->waiters.head == NULL) {
        sem->permits--;
        return 0;
    }
    struct nest_waiter waiter;
    nest__waiter_init(&waiter, NEST_WAIT_SEM, sem);
    nest__wait_list_push(&sem->waiters, &waiter);
    sem->parked++;
    int status = nest__park(&waiter, deadline, true);
    int error = errno;
    if (--sem->parked == 0 && sem->closed)
        free(sem);
    errno = error;
    return status;
}

void nest_sem_release(nest_sem *sem)
{
    if (sem == NULL || sem->closed)
        return;
    struct nest_waiter *waiter = nest__wait_list_pop(&sem->waiters);
    if (waiter != NULL)
        nest__wake(waiter, 0);
    else
        sem->permits++;
}

void nest_sem_close(nest_sem *sem)
{
    if (sem == NULL)
        return;
    sem->closed = true;
    struct nest_waiter *waiter;
    while ((waiter = sem->waiters.head) != NULL)
        nest__wake(waiter, EPIPE);
    if (sem->parked == 0)
        free(sem);
}
