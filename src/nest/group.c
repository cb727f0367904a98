/*
 * group.c - task groups: structured concurrency (asyncio.TaskGroup, Trio
 * nurseries).
 *
 * A group tracks its running children in an intrusive list. The first child
 * to fail records its result and cancels its siblings; failures that come
 * after (usually caused by that cancellation) do not replace it. Children
 * are detached handles: each is freed as soon as it finishes, so a
 * server's long-lived group costs memory for its running children only.
 * The task that opened a group owns it: cancelling that task cancels the
 * group's children. nest_group_close cancels what still runs and waits for
 * it without itself being cancellable - it is the cleanup path.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

static void unlink_owned(struct nest_group *group)
{
    struct nest_task *owner = group->owner;
    if (owner == NULL)
        return;
    if (group->prev_owned != NULL)
        group->prev_owned->next_owned = group->next_owned;
    else
        owner->owned_groups = group->next_owned;
    if (group->next_owned != NULL)
        group->next_owned->prev_owned = group->prev_owned;
    group->owner = NULL;
    group->prev_owned = group->next_owned = NULL;
}

static void cancel_children(struct nest_group *group)
{
    group->cancelling = true;
    for (struct nest_task *child = group->children; child != NULL; child = child->next_sibling)
        nest__cancel(child);
}

/* The outcome travels in the waiter: a waiter may run only after another
 * task has closed (freed) the group. */
static void wake_all(struct nest_group *group)
{
    struct nest_waiter *waiter;
    while ((waiter = group->waiters.head) != NULL) {
        waiter->value = group->failed ? group->failure : 0;
        nest__wake(waiter, 0);
    }
}

nest_group *nest_group_open(void)
{
    struct nest_loop *loop = nest__loop();
    if (loop == NULL) {
        errno = EPERM;
        return NULL;
    }
    struct nest_group *group = calloc(1, sizeof *group);
    if (group == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    struct nest_task *owner = loop->current;
    group->owner = owner;
    group->next_owned = owner->owned_groups;
    if (owner->owned_groups != NULL)
        owner->owned_groups->prev_owned = group;
    owner->owned_groups = group;
    return group;
}

int nest_group_spawn_at(nest_group *group, int (*fn)(void *arg), void *arg, const char *file,
                        int line)
{
    struct nest_loop *loop = nest__loop();
    if (loop == NULL) {
        errno = EPERM;
        return -1;
    }
    if (group == NULL || fn == NULL) {
        errno = EINVAL;
        return -1;
    }
    struct nest_task *child = nest__spawn(loop, fn, arg, file, line);
    if (child == NULL)
        return -1;
    child->group = group;
    child->detached = true;
    child->next_sibling = group->children;
    if (group->children != NULL)
        group->children->prev_sibling = child;
    group->children = child;
    group->running++;
    /* A child of a group that is stopping still runs its function (so it
     * can release what arg carries) but is cancelled from the start. */
    if (group->cancelling)
        nest__cancel(child);
    return 0;
}

#undef nest_group_spawn
int nest_group_spawn(nest_group *group, int (*fn)(void *arg), void *arg)
{
    return nest_group_spawn_at(group, fn, arg, NULL, 0);
}

void nest__group_child_done(struct nest_task *child)
{
    struct nest_group *group = child->group;
    if (child->prev_sibling != NULL)
        child->prev_sibling->next_sibling = child->next_sibling;
    else
        group->children = child->next_sibling;
    if (child->next_sibling != NULL)
        child->next_sibling->prev_sibling = child->prev_sibling;
    child->prev_sibling = child->next_sibling = NULL;
    child->group = NULL;
    child->observed = true;
    group->running--;
    if (child->result != 0 && !group->failed && !group->cancelling) {
        group->failed = true;
        group->failure = child->result;
        cancel_children(group);
    }
    if (group->running == 0)
        wake_all(group);
}

void nest__groups_cancel_owned(struct nest_task *task)
{
    for (struct nest_group *group = task->owned_groups; group != NULL; group = group->next_owned)
        cancel_children(group);
}

void nest__group_orphan_owned(struct nest_task *task)
{
    while (task->owned_groups != NULL)
        unlink_owned(task->owned_groups);
}

int nest_group_wait(nest_group *group, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    if (group == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (group->running > 0) {
        struct nest_waiter waiter;
        nest__waiter_init(&waiter, NEST_WAIT_GROUP, group);
        nest__wait_list_push(&group->waiters, &waiter);
        if (nest__park(&waiter, deadline, true) != 0)
            return -1;
        return (int)waiter.value;
    }
    return group->failed ? group->failure : 0;
}

void nest_group_close(nest_group *group)
{
    struct nest_loop *loop = nest__loop();
    if (loop == NULL || group == NULL)
        return;
    cancel_children(group);
    while (group->running > 0) {
        struct nest_waiter waiter;
        nest__waiter_init(&waiter, NEST_WAIT_GROUP, group);
        nest__wait_list_push(&group->waiters, &waiter);
        (void)nest__park(&waiter, NEST_FOREVER, false);
    }
    unlink_owned(group);
    free(group);
}
