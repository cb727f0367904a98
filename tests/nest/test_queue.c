/*
 * test_queue.c - the producer/consumer queue: join with three workers,
 * task_done accounting, FIFO order, a bounded queue's put blocking when full,
 * close waking getters, putters and joiners with EPIPE, get/put deadlines,
 * and no item lost to a cancelled getter.
 */
#include "test_util.h"

/* ---- join with three workers -------------------------------------------------------------- */

struct work {
    nest_queue *queue;
    int processed;
    long sum;
    int per_worker[3];
    int worker_exit_errno[3];
};

struct worker_arg {
    struct work *work;
    int id;
};

static int worker(void *arg)
{
    struct worker_arg *w = arg;
    struct work *work = w->work;
    for (;;) {
        void *item = NULL;
        if (nest_queue_get(work->queue, &item, NEST_FOREVER) != 0) {
            work->worker_exit_errno[w->id] = errno;
            return 0;
        }
        /* Process: suspend a little, as real work would. */
        int rc = nest_sleep(2);
        if (rc == 0) {
            work->sum += (long)(intptr_t)item;
            work->processed++;
            work->per_worker[w->id]++;
        }
        nest_queue_task_done(work->queue); /* on every path */
        if (rc != 0) {
            work->worker_exit_errno[w->id] = errno;
            return 0;
        }
    }
}

static int main_join_three_workers(void *arg)
{
    struct work *work = arg;
    work->queue = nest_queue_open(0);
    if (!work->queue)
        return 1;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    struct worker_arg args[3];
    for (int i = 0; i < 3; i++) {
        args[i] = (struct worker_arg){work, i};
        CHECK_OK(nest_group_spawn(g, worker, &args[i]));
    }
    for (int i = 1; i <= 30; i++)
        CHECK_OK(nest_queue_put(work->queue, (void *)(intptr_t)i, NEST_FOREVER));
    CHECK_OK(nest_queue_join(work->queue, nest_after(TU_MS(10000))));
    /* join returned only after every item was processed and task_done. */
    CHECK_EQ(work->processed, 30);
    CHECK_EQ(work->sum, 30 * 31 / 2);
    for (int i = 0; i < 3; i++)
        CHECK_INT(work->per_worker[i], >=, 1);
    /* Stop the workers (blocked in get) and close. */
    nest_group_close(g);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(work->worker_exit_errno[i], ECANCELED);
    CHECK_OK(nest_queue_join(work->queue, 0)); /* nothing unfinished */
    nest_queue_close(work->queue);
    return 0;
}

static void test_join_with_three_workers(void **state)
{
    (void)state;
    struct work work;
    memset(&work, 0, sizeof work);
    TU_RUN(main_join_three_workers, &work, 0);
}

/* ---- task_done accounting ----------------------------------------------------------------- */

static int joiner_rc;
static int64_t joiner_returned_at;

static int joiner(void *arg)
{
    nest_queue *q = arg;
    joiner_rc = nest_queue_join(q, nest_after(TU_MS(5000)));
    joiner_returned_at = nest_now();
    return 0;
}

static int main_task_done(void *arg)
{
    (void)arg;
    nest_queue *q = nest_queue_open(0);
    if (!q)
        return 1;
    CHECK_OK(nest_queue_join(q, 0)); /* fresh queue: nothing to wait for */
    int items[3] = {1, 2, 3};
    for (int i = 0; i < 3; i++)
        CHECK_OK(nest_queue_put(q, &items[i], 0));
    CHECK_ERR(nest_queue_join(q, 0), ETIMEDOUT);
    for (int i = 0; i < 3; i++) {
        void *item = NULL;
        CHECK_OK(nest_queue_get(q, &item, 0));
        CHECK(item == &items[i]); /* FIFO */
    }
    /* Taken but not done: still unfinished. */
    CHECK_ERR(nest_queue_join(q, nest_after(20)), ETIMEDOUT);
    joiner_rc = -5;
    joiner_returned_at = 0;
    nest_task *t = nest_spawn(joiner, q);
    if (!t)
        return 1;
    nest_queue_task_done(q);
    nest_queue_task_done(q);
    CHECK_OK(nest_sleep(20));
    CHECK_EQ(joiner_rc, -5); /* one left */
    int64_t last_done = nest_now();
    nest_queue_task_done(q);
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(joiner_rc, 0);
    CHECK_INT(joiner_returned_at - last_done, <, TU_MS(500));
    CHECK_OK(nest_queue_join(q, 0));
    /* A new item makes it unfinished again. */
    CHECK_OK(nest_queue_put(q, &items[0], 0));
    CHECK_ERR(nest_queue_join(q, 0), ETIMEDOUT);
    void *item;
    CHECK_OK(nest_queue_get(q, &item, 0));
    nest_queue_task_done(q);
    CHECK_OK(nest_queue_join(q, 0));
    nest_queue_close(q);
    return 0;
}

static void test_task_done_accounting(void **state)
{
    (void)state;
    TU_RUN(main_task_done, NULL, 0);
}

/* ---- bounded queue: put blocks when full -------------------------------------------------- */

static int producer_done;
static int producer_rc;

static int blocked_producer(void *arg)
{
    nest_queue *q = arg;
    producer_rc = nest_queue_put(q, (void *)(intptr_t)3, nest_after(TU_MS(5000)));
    producer_done = 1;
    return 0;
}

static int main_bounded(void *arg)
{
    (void)arg;
    nest_queue *q = nest_queue_open(2);
    if (!q)
        return 1;
    CHECK_OK(nest_queue_put(q, (void *)(intptr_t)1, 0));
    CHECK_OK(nest_queue_put(q, (void *)(intptr_t)2, 0));
    int64_t start = nest_now();
    CHECK_ERR(nest_queue_put(q, (void *)(intptr_t)99, nest_after(40)), ETIMEDOUT);
    CHECK_ELAPSED_GE(nest_now() - start, 40);
    producer_done = 0;
    producer_rc = -5;
    nest_task *t = nest_spawn(blocked_producer, q);
    if (!t)
        return 1;
    CHECK_OK(nest_sleep(30));
    CHECK_EQ(producer_done, 0); /* blocked: the queue is full */
    void *item = NULL;
    CHECK_OK(nest_queue_get(q, &item, 0));
    CHECK_EQ((intptr_t)item, 1);
    for (int i = 0; i < 100 && !producer_done; i++)
        CHECK_OK(nest_sleep(2));
    CHECK_EQ(producer_done, 1);
    CHECK_EQ(producer_rc, 0);
    CHECK_OK(nest_queue_get(q, &item, 0));
    CHECK_EQ((intptr_t)item, 2);
    CHECK_OK(nest_queue_get(q, &item, 0));
    CHECK_EQ((intptr_t)item, 3); /* the blocked put's item, after the others */
    CHECK_ERR(nest_queue_get(q, &item, 0), ETIMEDOUT);
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    nest_queue_close(q);
    return 0;
}

static void test_bounded_put_blocks_when_full(void **state)
{
    (void)state;
    TU_RUN(main_bounded, NULL, 0);
}

/* ---- close wakes waiters with EPIPE ------------------------------------------------------- */

struct waiter_result {
    nest_queue *q;
    int rc;
    int err;
};

static int blocked_getter(void *arg)
{
    struct waiter_result *w = arg;
    void *item;
    errno = 0;
    w->rc = nest_queue_get(w->q, &item, nest_after(TU_MS(10000)));
    w->err = errno;
    return 0;
}

static int blocked_putter(void *arg)
{
    struct waiter_result *w = arg;
    errno = 0;
    w->rc = nest_queue_put(w->q, w, nest_after(TU_MS(10000)));
    w->err = errno;
    return 0;
}

static int blocked_joiner(void *arg)
{
    struct waiter_result *w = arg;
    errno = 0;
    w->rc = nest_queue_join(w->q, nest_after(TU_MS(10000)));
    w->err = errno;
    return 0;
}

static int main_close_wakes(void *arg)
{
    (void)arg;
    nest_queue *empty = nest_queue_open(0);
    nest_queue *full = nest_queue_open(1);
    if (!empty || !full)
        return 1;
    CHECK_OK(nest_queue_put(full, NULL, 0));
    struct waiter_result w[5] = {
        {empty, -5, 0}, {empty, -5, 0}, {full, -5, 0}, {full, -5, 0}, {full, -5, 0},
    };
    nest_task *t[5] = {
        nest_spawn(blocked_getter, &w[0]), nest_spawn(blocked_getter, &w[1]),
        nest_spawn(blocked_putter, &w[2]), nest_spawn(blocked_putter, &w[3]),
        nest_spawn(blocked_joiner, &w[4]),
    };
    CHECK_OK(nest_sleep(20));
    for (int i = 0; i < 5; i++)
        CHECK_EQ(w[i].rc, -5); /* all blocked */
    int64_t start = nest_now();
    nest_queue_close(empty);
    nest_queue_close(full);
    for (int i = 0; i < 5; i++) {
        int r;
        CHECK_OK(nest_join(t[i], NEST_FOREVER, &r));
        CHECK_EQ(w[i].rc, -1);
        CHECK_EQ(w[i].err, EPIPE);
    }
    CHECK_INT(nest_now() - start, <, TU_MS(1000));
    return 0;
}

static void test_close_wakes_getters_and_putters(void **state)
{
    (void)state;
    TU_RUN(main_close_wakes, NULL, 0);
}

/* ---- get deadline ------------------------------------------------------------------------- */

static int main_get_deadline(void *arg)
{
    (void)arg;
    nest_queue *q = nest_queue_open(0);
    if (!q)
        return 1;
    void *item;
    int64_t start = nest_now();
    CHECK_ERR(nest_queue_get(q, &item, nest_after(50)), ETIMEDOUT);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 50);
    CHECK_INT(elapsed, <, TU_MS(1000));
    /* The timed-out getter left no trace: the next put stays in the queue. */
    CHECK_OK(nest_queue_put(q, &start, 0));
    CHECK_OK(nest_queue_get(q, &item, 0));
    CHECK(item == &start);
    nest_queue_task_done(q);
    CHECK_ERR(nest_queue_get(NULL, &item, 0), EINVAL);
    nest_queue_close(q);
    return 0;
}

static void test_get_deadline(void **state)
{
    (void)state;
    TU_RUN(main_get_deadline, NULL, 0);
}

/* ---- a cancelled getter loses no item ----------------------------------------------------- */

static int main_cancelled_getter(void *arg)
{
    (void)arg;
    nest_queue *q = nest_queue_open(0);
    if (!q)
        return 1;
    struct waiter_result a = {q, -5, 0}, b = {q, -5, 0};
    nest_task *ta = nest_spawn(blocked_getter, &a);
    nest_task *tb = nest_spawn(blocked_getter, &b);
    CHECK_OK(nest_sleep(10));
    nest_cancel(ta);                    /* the first getter leaves the line... */
    CHECK_OK(nest_queue_put(q, &a, 0)); /* ...so the item goes to the second */
    int r;
    CHECK_OK(nest_join(ta, NEST_FOREVER, &r));
    CHECK_OK(nest_join(tb, NEST_FOREVER, &r));
    CHECK_EQ(a.rc, -1);
    CHECK_EQ(a.err, ECANCELED);
    CHECK_EQ(b.rc, 0);
    nest_queue_task_done(q);
    void *item;
    CHECK_ERR(nest_queue_get(q, &item, 0), ETIMEDOUT); /* not duplicated */
    CHECK_OK(nest_queue_join(q, 0));
    nest_queue_close(q);
    return 0;
}

static void test_cancelled_getter_loses_no_item(void **state)
{
    (void)state;
    TU_RUN(main_cancelled_getter, NULL, 0);
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_join_with_three_workers),
        TU_TEST(test_task_done_accounting),
        TU_TEST(test_bounded_put_blocks_when_full),
        TU_TEST(test_close_wakes_getters_and_putters),
        TU_TEST(test_get_deadline),
        TU_TEST(test_cancelled_getter_loses_no_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
