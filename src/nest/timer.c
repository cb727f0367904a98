/*
 * timer.c - the deadlines of parked tasks, as a binary min-heap.
 *
 * A parked task has at most one wake-up deadline (the earliest of its call's
 * deadline and its cancel scopes'), so the heap holds tasks and each task
 * remembers its index: removal when a task is woken early is O(log n)
 * without searching. The loop peeks at the minimum to compute its epoll
 * timeout and pops what has expired.
 */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static void place(struct nest_timer_heap *heap, size_t index, struct nest_task *task)
{
    heap->tasks[index] = task;
    task->heap_index = index;
}

static void sift_up(struct nest_timer_heap *heap, size_t index)
{
    struct nest_task *task = heap->tasks[index];
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (heap->tasks[parent]->wake_deadline <= task->wake_deadline)
            break;
        place(heap, index, heap->tasks[parent]);
        index = parent;
    }
    place(heap, index, task);
}

static void sift_down(struct nest_timer_heap *heap, size_t index)
{
    struct nest_task *task = heap->tasks[index];
    for (;;) {
        size_t child = 2 * index + 1;
        if (child >= heap->count)
            break;
        if (child + 1 < heap->count &&
            heap->tasks[child + 1]->wake_deadline < heap->tasks[child]->wake_deadline)
            child++;
        if (task->wake_deadline <= heap->tasks[child]->wake_deadline)
            break;
        place(heap, index, heap->tasks[child]);
        index = child;
    }
    place(heap, index, task);
}

int nest__timers_insert(struct nest_timer_heap *heap, struct nest_task *task)
{
    if (heap->count == heap->capacity) {
        size_t capacity = heap->capacity ? heap->capacity * 2 : 64;
        struct nest_task **grown = realloc(heap->tasks, capacity * sizeof *grown);
        if (grown == NULL) {
            errno = ENOMEM;
            return -1;
        }
        heap->tasks = grown;
        heap->capacity = capacity;
    }
    heap->tasks[heap->count] = task;
    sift_up(heap, heap->count++);
    return 0;
}

void nest__timers_remove(struct nest_timer_heap *heap, struct nest_task *task)
{
    size_t index = task->heap_index;
    if (index == SIZE_MAX)
        return;
    task->heap_index = SIZE_MAX;
    struct nest_task *last = heap->tasks[--heap->count];
    if (index == heap->count)
        return;
    place(heap, index, last);
    if (index > 0 && heap->tasks[(index - 1) / 2]->wake_deadline > last->wake_deadline)
        sift_up(heap, index);
    else
        sift_down(heap, index);
}

struct nest_task *nest__timers_peek(const struct nest_timer_heap *heap)
{
    return heap->count > 0 ? heap->tasks[0] : NULL;
}

void nest__timers_destroy(struct nest_timer_heap *heap)
{
    free(heap->tasks);
    heap->tasks = NULL;
    heap->count = 0;
    heap->capacity = 0;
}
