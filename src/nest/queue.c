/*
 * queue.c - the producer/consumer queue (asyncio.Queue) with task_done and
 * join.
 *
 * Items live in a ring buffer (fixed at the capacity when bounded, grown by
 * doubling when unbounded). Hand-offs are direct and FIFO: a put with
 * getters waiting gives the item to the first getter; a get from a full
 * queue moves the first waiting putter's item in. So a woken task never
 * finds its item or slot taken by a task that did not wait. `unfinished`
 * counts items accepted and not yet task_done; join waits for it to reach
 * zero. Close wakes every waiter with EPIPE; the memory is freed when the
 * last of them has left.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

struct nest_queue {
    void **items;
    size_t allocated;
    size_t head;
    size_t count;
    size_t capacity; /* 0: unbounded */
    size_t unfinished;
    size_t parked; /* tasks inside a wait on this queue */
    bool closed;
    struct nest_wait_list getters;
    struct nest_wait_list putters; /* waiter->value holds the item */
    struct nest_wait_list joiners;
};

nest_queue *nest_queue_open(size_t capacity)
{
    struct nest_queue *queue = calloc(1, sizeof *queue);
    if (queue == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    queue->capacity = capacity;
    queue->allocated = capacity > 0 ? capacity : 16;
    queue->items = calloc(queue->allocated, sizeof *queue->items);
    if (queue->items == NULL) {
        free(queue);
        errno = ENOMEM;
        return NULL;
    }
    return queue;
}

static int grow(struct nest_queue *queue)
{
    size_t allocated = queue->allocated * 2;
    void **items = calloc(allocated, sizeof *items);
    if (items == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < queue->count; i++)
        items[i] = queue->items[(queue->head + i) % queue->allocated];
    free(queue->items);
    queue->items = items;
    queue->allocated = allocated;
    queue->head = 0;
    return 0;
}

static void append(struct nest_queue *queue, void *item)
{
    queue->items[(queue->head + queue->count) % queue->allocated] = item;
    queue->count++;
}

static void *take(struct nest_queue *queue)
{
    void *item = queue->items[queue->head];
    queue->head = (queue->head + 1) % queue->allocated;
    queue->count--;
    return item;
}

static bool full(const struct nest_queue *queue)
{
    return queue->capacity > 0 && queue->count >= queue->capacity;
}

static void wake_all(struct nest_wait_list *list, int status)
{
    struct nest_waiter *waiter;
    while ((waiter = list->head) != NULL)
        nest__wake(waiter, status);
}

/* Parks on one of the queue's lists; frees a closed queue on the way out. */
static int wait_on(struct nest_queue *queue, struct nest_wait_list *list,
                   struct nest_waiter *waiter, nest_deadline deadline)
{
    nest__wait_list_push(list, waiter);
    queue->parked++;
    int status = nest__park(waiter, deadline, true);
    int error = errno;
    queue->parked--;
    if (queue->closed && queue->parked == 0) {
        free(queue->items);
        free(queue);
    }
    errno = error;
    return status;
}

int nest_queue_put(nest_queue *queue, void *item, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    if (queue == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (queue->closed) {
        errno = EPIPE;
        return -1;
    }
    struct nest_waiter *getter = nest__wait_list_pop(&queue->getters);
    if (getter != NULL) {
        getter->value = (intptr_t)item;
        queue->unfinished++;
        nest__wake(getter, 0);
        return 0;
    }
    if (!full(queue)) {
        if (queue->count == queue->allocated && grow(queue) != 0)
            return -1;
        append(queue, item);
        queue->unfinished++;
        return 0;
    }
    struct nest_waiter waiter;
    nest__waiter_init(&waiter, NEST_WAIT_QUEUE_PUT, queue);
    waiter.value = (intptr_t)item;
    return wait_on(queue, &queue->putters, &waiter, deadline);
}

int nest_queue_get(nest_queue *queue, void **item, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    if (queue == NULL || item == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (queue->closed) {
        errno = EPIPE;
        return -1;
    }
    if (queue->count > 0) {
        *item = take(queue);
        struct nest_waiter *putter = nest__wait_list_pop(&queue->putters);
        if (putter != NULL) {
            append(queue, (void *)putter->value);
            queue->unfinished++;
            nest__wake(putter, 0);
        }
        return 0;
    }
    struct nest_waiter waiter;
    nest__waiter_init(&waiter, NEST_WAIT_QUEUE_GET, queue);
    if (wait_on(queue, &queue->getters, &waiter, deadline) != 0)
        return -1;
    *item = (void *)waiter.value;
    return 0;
}

void nest_queue_task_done(nest_queue *queue)
{
    if (queue == NULL || queue->unfinished == 0)
        return;
    if (--queue->unfinished == 0)
        wake_all(&queue->joiners, 0);
}

int nest_queue_join(nest_queue *queue, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    if (queue == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (queue->unfinished == 0)
        return 0;
    if (queue->closed) {
        errno = EPIPE;
        return -1;
    }
    struct nest_waiter waiter;
    nest__waiter_init(&waiter, NEST_WAIT_QUEUE_JOIN, queue);
    return wait_on(queue, &queue->joiners, &waiter, deadline);
}

void nest_queue_close(nest_queue *queue)
{
    if (queue == NULL)
        return;
    queue->closed = true;
    wake_all(&queue->getters, EPIPE);
    wake_all(&queue->putters, EPIPE);
    wake_all(&queue->joiners, EPIPE);
    if (queue->parked == 0) {
        free(queue->items);
        free(queue);
    }
}
