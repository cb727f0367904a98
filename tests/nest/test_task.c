/*
 * test_task.c - tasks: spawn/join, join timeouts, cancellation (blocked,
 * before the first run, level-triggered, forever join in a cancelled task),
 * nest_yield ordering and fairness, many tasks, calls outside a loop, and
 * what nest_run does with main's result and with unjoined tasks.
 */
#include "test_util.h"

#include <sys/timerfd.h>

/* ---- spawn / join / result ---------------------------------------------------------------- */

static int return_arg(void *arg)
{
    return (int)(intptr_t)arg;
}

static int sleep_then_return_arg(void *arg)
{
    if (nest_sleep(20) != 0)
        return -100;
    return (int)(intptr_t)arg;
}

static int main_spawn_join(void *arg)
{
    (void)arg;
    nest_task *a = nest_spawn(return_arg, (void *)(intptr_t)42);
    nest_task *b = nest_spawn(sleep_then_return_arg, (void *)(intptr_t)-7);
    nest_task *c = nest_spawn(return_arg, (void *)(intptr_t)0);
    CHECK(a != NULL && b != NULL && c != NULL);
    if (!a || !b || !c)
        return 1;
    int r = 12345;
    CHECK_OK(nest_join(b, NEST_FOREVER, &r));
    CHECK_EQ(r, -7); /* the task's own (failure) value, join itself succeeds */
    r = 12345;
    CHECK_OK(nest_join(a, nest_after(5000), &r));
    CHECK_EQ(r, 42);
    r = 12345;
    CHECK_OK(nest_join(c, NEST_FOREVER, &r));
    CHECK_EQ(r, 0);
    CHECK_ERR(nest_join(NULL, NEST_FOREVER, &r), EINVAL);
    return 0;
}

static void test_spawn_join_result(void **state)
{
    (void)state;
    TU_RUN(main_spawn_join, NULL, 0);
}

/* ---- join timeout leaves the handle valid ------------------------------------------------- */

static int slow_seven_saw;

static int slow_seven(void *arg)
{
    (void)arg;
    int rc = nest_sleep(300);
    slow_seven_saw = rc == 0 ? 1 : -errno;
    return rc == 0 ? 7 : 99;
}

static int main_join_timeout(void *arg)
{
    (void)arg;
    slow_seven_saw = 0;
    nest_task *t = nest_spawn(slow_seven, NULL);
    CHECK(t != NULL);
    if (!t)
        return 1;
    int r = 12345;
    int64_t start = nest_now();
    CHECK_ERR(nest_join(t, nest_after(30), &r), ETIMEDOUT);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 30);
    CHECK_INT(elapsed, <, 300);
    CHECK_EQ(r, 12345); /* untouched */
    /* A deadline in the past: try once. */
    CHECK_ERR(nest_join(t, 0, &r), ETIMEDOUT);
    CHECK_ERR(nest_join(t, nest_now() - 10, &r), ETIMEDOUT);
    CHECK_EQ(slow_seven_saw, 0); /* still running, and the timeouts did not cancel it */
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(r, 7); /* it was not cancelled by the timed-out joins */
    CHECK_EQ(slow_seven_saw, 1);
    CHECK_ELAPSED_GE(nest_now() - start, 300);
    return 0;
}

static void test_join_timeout_keeps_handle(void **state)
{
    (void)state;
    TU_RUN(main_join_timeout, NULL, 0);
}

/* A finished task can be joined with a past deadline. */
static int main_join_finished_past_deadline(void *arg)
{
    (void)arg;
    nest_task *t = nest_spawn(return_arg, (void *)(intptr_t)5);
    if (!t)
        return 1;
    CHECK_OK(nest_sleep(10)); /* it runs and finishes meanwhile */
    int r = 0;
    CHECK_OK(nest_join(t, 0, &r));
    CHECK_EQ(r, 5);
    return 0;
}

static void test_join_finished_task_past_deadline(void **state)
{
    (void)state;
    TU_RUN(main_join_finished_past_deadline, NULL, 0);
}

/* ---- cancel while blocked ----------------------------------------------------------------- */

static int sleeper_errno;
static int sleeper_cancelled_flag;

static int long_sleeper(void *arg)
{
    (void)arg;
    errno = 0;
    int rc = nest_sleep(100000);
    sleeper_errno = rc == -1 ? errno : 0;
    sleeper_cancelled_flag = nest_cancelled();
    return rc == -1 && errno == ECANCELED ? 21 : 22;
}

static int main_cancel_blocked(void *arg)
{
    (void)arg;
    sleeper_errno = -1;
    sleeper_cancelled_flag = -1;
    nest_task *t = nest_spawn(long_sleeper, NULL);
    if (!t)
        return 1;
    CHECK_OK(nest_sleep(20)); /* it is parked in nest_sleep now */
    CHECK_EQ(sleeper_errno, -1);
    int64_t start = nest_now();
    nest_cancel(t);
    int r = 0;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_INT(nest_now() - start, <, TU_MS(1000));
    CHECK_EQ(r, 21);
    CHECK_EQ(sleeper_errno, ECANCELED);
    CHECK_EQ(sleeper_cancelled_flag, 1);
    CHECK_EQ(nest_cancelled(), 0); /* main itself is not cancelled */
    return 0;
}

static void test_cancel_while_blocked(void **state)
{
    (void)state;
    TU_RUN(main_cancel_blocked, NULL, 0);
}

/* ---- cancel before the first run ---------------------------------------------------------- */

static int early_ran;
static int early_cancelled_at_start;
static int early_yield_errno;

static int early_cancelled(void *arg)
{
    (void)arg;
    early_ran = 1;
    early_cancelled_at_start = nest_cancelled();
    errno = 0;
    int rc = nest_yield();
    early_yield_errno = rc == -1 ? errno : 0;
    return 33;
}

static int main_cancel_before_run(void *arg)
{
    (void)arg;
    early_ran = 0;
    early_cancelled_at_start = -1;
    early_yield_errno = -1;
    nest_task *t = nest_spawn(early_cancelled, NULL);
    if (!t)
        return 1;
    nest_cancel(t); /* before it ever ran: main has not suspended yet */
    CHECK_EQ(early_ran, 0);
    int r = 0;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(early_ran, 1); /* fn still ran, so it could release what arg holds */
    CHECK_EQ(r, 33);
    CHECK_EQ(early_cancelled_at_start, 1);
    CHECK_EQ(early_yield_errno, ECANCELED); /* at its first suspension point */
    return 0;
}

static void test_cancel_before_first_run(void **state)
{
    (void)state;
    TU_RUN(main_cancel_before_run, NULL, 0);
}

/* ---- level-triggered cancellation --------------------------------------------------------- */

struct level_state {
    int pipe_fds[2];
    nest_sem *sem;
    nest_queue *queue;
    nest_task *other;
    int checkpoints_failed;
    int release_ok;
};

static int forever_until_cancelled(void *arg)
{
    (void)arg;
    while (nest_sleep(100000) == 0)
        ;
    return 0;
}

static int level_cancelled_task(void *arg)
{
    struct level_state *st = arg;
    /* Blocked when the cancellation comes. */
    CHECK_ERR(nest_sleep(100000), ECANCELED);
    /* Every later suspension point fails too, also those that could
     * complete immediately. */
    CHECK_ERR(nest_yield(), ECANCELED);
    CHECK_ERR(nest_sleep(0), ECANCELED);
    CHECK_ERR(nest_sleep(1), ECANCELED);
    CHECK_ERR(nest_yield(), ECANCELED);
    char c;
    CHECK_ERR(nest_read(st->pipe_fds[0], &c, 1, nest_after(5000)), ECANCELED);
    CHECK_ERR(nest_write(st->pipe_fds[1], "x", 1, nest_after(5000)), ECANCELED);
    CHECK_ERR(nest_wait_fd(st->pipe_fds[1], NEST_OUT, nest_after(5000)), ECANCELED);
    CHECK_ERR(nest_sem_acquire(st->sem, nest_after(5000)), ECANCELED); /* 1 permit free */
    void *item = NULL;
    CHECK_ERR(nest_queue_get(st->queue, &item, nest_after(5000)), ECANCELED); /* 1 queued */
    CHECK_ERR(nest_queue_put(st->queue, &item, nest_after(5000)), ECANCELED);
    int r;
    CHECK_ERR(nest_join(st->other, nest_after(5000), &r), ECANCELED);
    CHECK_ERR(nest_to_thread(return_arg, NULL, nest_after(5000), &r), ECANCELED);
    CHECK_EQ(nest_cancelled(), 1);
    /* Releases never fail with ECANCELED. */
    nest_sem_release(st->sem);
    st->release_ok = 1;
    st->checkpoints_failed = 1;
    return 0;
}

static int main_level_triggered(void *arg)
{
    (void)arg;
    struct level_state st;
    memset(&st, 0, sizeof st);
    if (tu_pipe(st.pipe_fds) != 0)
        return 1;
    st.sem = nest_sem_open(1);
    st.queue = nest_queue_open(0);
    CHECK(st.sem && st.queue);
    CHECK_OK(nest_queue_put(st.queue, &st, NEST_FOREVER));
    st.other = nest_spawn(forever_until_cancelled, NULL);
    nest_task *t = nest_spawn(level_cancelled_task, &st);
    CHECK(t && st.other);
    CHECK_OK(nest_sleep(20));
    nest_cancel(t);
    int r = -1;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(r, 0);
    CHECK_EQ(st.checkpoints_failed, 1);
    CHECK_EQ(st.release_ok, 1);
    /* The semaphore now has 2 permits (1 + the release), the queue its item. */
    CHECK_OK(nest_sem_acquire(st.sem, 0));
    CHECK_OK(nest_sem_acquire(st.sem, 0));
    CHECK_ERR(nest_sem_acquire(st.sem, 0), ETIMEDOUT);
    void *item = NULL;
    CHECK_OK(nest_queue_get(st.queue, &item, 0));
    CHECK(item == &st);
    nest_cancel(st.other);
    CHECK_OK(nest_join(st.other, NEST_FOREVER, &r));
    nest_sem_close(st.sem);
    nest_queue_close(st.queue);
    CHECK_OK(nest_close(st.pipe_fds[0]));
    CHECK_OK(nest_close(st.pipe_fds[1]));
    return 0;
}

static void test_cancellation_is_level_triggered(void **state)
{
    (void)state;
    TU_RUN(main_level_triggered, NULL, 0);
}

/* Calls that would not need to wait fail too: level-triggered means every
 * suspension point, also when what it waits for is already there. */
static int level_ready_errors[3];

static int level_ready_task(void *arg)
{
    nest_queue *q = arg;
    CHECK_ERR(nest_sleep(100000), ECANCELED);
    nest_group *g = nest_group_open(); /* not a suspension point */
    CHECK(g != NULL);
    errno = 0;
    level_ready_errors[0] = nest_group_wait(g, NEST_FOREVER) == -1 ? errno : 0; /* no children */
    nest_group_close(g);
    errno = 0;
    level_ready_errors[1] = nest_queue_join(q, NEST_FOREVER) == -1 ? errno : 0; /* all done */
    errno = 0;
    level_ready_errors[2] = nest_wait_shutdown(NEST_FOREVER) == -1 ? errno : 0; /* requested */
    return 0;
}

static int main_level_when_ready(void *arg)
{
    (void)arg;
    nest_queue *q = nest_queue_open(0);
    if (!q)
        return 1;
    nest_shutdown();
    for (int i = 0; i < 3; i++)
        level_ready_errors[i] = -1;
    nest_task *t = nest_spawn(level_ready_task, q);
    if (!t)
        return 1;
    CHECK_OK(nest_sleep(10));
    nest_cancel(t);
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    const char *names[3] = {"nest_group_wait (no children)", "nest_queue_join (nothing unfinished)",
                            "nest_wait_shutdown (already requested)"};
    for (int i = 0; i < 3; i++)
        if (level_ready_errors[i] != ECANCELED)
            tu_fail(__FILE__, __LINE__, "%s in a cancelled task: errno %d, expected ECANCELED",
                    names[i], level_ready_errors[i]);
    nest_queue_close(q);
    return 0;
}

static void test_cancellation_level_triggered_when_ready(void **state)
{
    (void)state;
    TU_RUN(main_level_when_ready, NULL, 0);
}

/* ---- a forever join after nest_cancel completes in a cancelled task ----------------------- */

static int child_returned;
static int child_saw_cancel;

static int child_cancel_then_11(void *arg)
{
    (void)arg;
    int rc = nest_sleep(100000);
    child_saw_cancel = rc == -1 && errno == ECANCELED;
    child_returned = 1;
    return 11;
}

static int parent_join_after_cancel(void *arg)
{
    (void)arg;
    nest_task *child = nest_spawn(child_cancel_then_11, NULL);
    if (!child)
        return 1;
    CHECK_ERR(nest_sleep(100000), ECANCELED); /* the parent is cancelled here */
    CHECK_EQ(child_returned, 0);
    nest_cancel(child);
    int r = 0;
    CHECK_OK(nest_join(child, NEST_FOREVER, &r)); /* completes although cancelled */
    CHECK_EQ(r, 11);
    CHECK_EQ(child_returned, 1);
    CHECK_EQ(child_saw_cancel, 1);
    return 44;
}

static int main_forever_join_after_cancel(void *arg)
{
    (void)arg;
    child_returned = child_saw_cancel = 0;
    nest_task *p = nest_spawn(parent_join_after_cancel, NULL);
    if (!p)
        return 1;
    CHECK_OK(nest_sleep(20));
    nest_cancel(p);
    int r = 0;
    CHECK_OK(nest_join(p, NEST_FOREVER, &r));
    CHECK_EQ(r, 44);
    return 0;
}

static void test_forever_join_after_cancel_in_cancelled_task(void **state)
{
    (void)state;
    TU_RUN(main_forever_join_after_cancel, NULL, 0);
}

/* Without nest_cancel first, a forever join in a cancelled task fails with
 * ECANCELED, and the joined task is cancelled and freed by the runtime. */
static int parent_join_without_cancel(void *arg)
{
    (void)arg;
    nest_task *child = nest_spawn(child_cancel_then_11, NULL);
    if (!child)
        return 1;
    CHECK_ERR(nest_sleep(100000), ECANCELED);
    int r = 0;
    CHECK_ERR(nest_join(child, NEST_FOREVER, &r), ECANCELED);
    /* child must not be used again: the runtime frees it. */
    return 45;
}

static int main_forever_join_without_cancel(void *arg)
{
    (void)arg;
    child_returned = child_saw_cancel = 0;
    nest_task *p = nest_spawn(parent_join_without_cancel, NULL);
    if (!p)
        return 1;
    CHECK_OK(nest_sleep(20));
    int64_t start = nest_now();
    nest_cancel(p);
    int r = 0;
    CHECK_OK(nest_join(p, NEST_FOREVER, &r));
    CHECK_EQ(r, 45);
    /* The orphaned child was cancelled too: it ends promptly. */
    for (int i = 0; i < 100 && !child_returned; i++)
        CHECK_OK(nest_sleep(5));
    CHECK_EQ(child_returned, 1);
    CHECK_EQ(child_saw_cancel, 1);
    CHECK_INT(nest_now() - start, <, TU_MS(1000));
    return 0;
}

static void test_forever_join_in_cancelled_task_without_cancel(void **state)
{
    (void)state;
    TU_RUN(main_forever_join_without_cancel, NULL, 0);
}

/* ---- nest_cancelled ----------------------------------------------------------------------- */

static int cancelled_probe_before, cancelled_probe_after;

static int cancelled_probe(void *arg)
{
    (void)arg;
    cancelled_probe_before = nest_cancelled();
    (void)nest_sleep(100000);
    cancelled_probe_after = nest_cancelled();
    return 0;
}

static int main_cancelled(void *arg)
{
    (void)arg;
    CHECK_EQ(nest_cancelled(), 0);
    cancelled_probe_before = cancelled_probe_after = -1;
    nest_task *t = nest_spawn(cancelled_probe, NULL);
    if (!t)
        return 1;
    CHECK_OK(nest_yield());
    CHECK_EQ(cancelled_probe_before, 0);
    nest_cancel(t);
    int r = -1;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(r, 0);
    CHECK_EQ(cancelled_probe_after, 1);
    CHECK_EQ(nest_cancelled(), 0);
    return 0;
}

static void test_nest_cancelled(void **state)
{
    (void)state;
    CHECK_EQ(nest_cancelled(), 0); /* outside a loop */
    TU_RUN(main_cancelled, NULL, 0);
}

/* ---- nest_yield: FIFO round robin, no starvation of timers and I/O ------------------------ */

static char yield_log[64];
static size_t yield_log_len;

static int yielder(void *arg)
{
    char id = (char)(intptr_t)arg;
    for (int i = 0; i < 4; i++) {
        if (yield_log_len < sizeof yield_log - 1)
            yield_log[yield_log_len++] = id;
        CHECK_OK(nest_yield());
    }
    return 0;
}

static int main_yield_order(void *arg)
{
    (void)arg;
    memset(yield_log, 0, sizeof yield_log);
    yield_log_len = 0;
    nest_task *a = nest_spawn(yielder, (void *)(intptr_t)'A');
    nest_task *b = nest_spawn(yielder, (void *)(intptr_t)'B');
    nest_task *c = nest_spawn(yielder, (void *)(intptr_t)'C');
    if (!a || !b || !c)
        return 1;
    int r;
    CHECK_OK(nest_join(a, NEST_FOREVER, &r));
    CHECK_OK(nest_join(b, NEST_FOREVER, &r));
    CHECK_OK(nest_join(c, NEST_FOREVER, &r));
    if (strcmp(yield_log, "ABCABCABCABC") != 0)
        tu_fail(__FILE__, __LINE__, "yield order %s, expected ABCABCABCABC", yield_log);
    return 0;
}

static void test_yield_round_robin(void **state)
{
    (void)state;
    TU_RUN(main_yield_order, NULL, 0);
}

struct fairness {
    volatile int timer_fired;
    volatile int io_ready;
    int timer_fd;
    long spins;
};

static int spin_yielding(void *arg)
{
    struct fairness *f = arg;
    int64_t give_up = nest_now() + TU_MS(5000);
    while (!(f->timer_fired && f->io_ready) && nest_now() < give_up) {
        CHECK_OK(nest_yield());
        f->spins++;
    }
    return f->timer_fired && f->io_ready ? 0 : 1;
}

static int timer_waiter(void *arg)
{
    struct fairness *f = arg;
    CHECK_OK(nest_sleep(20));
    f->timer_fired = 1;
    return 0;
}

static int io_waiter(void *arg)
{
    struct fairness *f = arg;
    uint64_t expirations = 0;
    CHECK_EQ(nest_read(f->timer_fd, &expirations, sizeof expirations, nest_after(TU_MS(5000))),
             (ssize_t)sizeof expirations);
    CHECK_EQ(expirations, 1);
    f->io_ready = 1;
    return 0;
}

static int main_yield_fairness(void *arg)
{
    struct fairness *f = arg;
    /* A timerfd becomes readable on its own: only epoll can tell. */
    f->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (f->timer_fd < 0)
        return 1;
    struct itimerspec in_30ms = {.it_value = {.tv_sec = 0, .tv_nsec = 30 * 1000 * 1000}};
    CHECK_OK(timerfd_settime(f->timer_fd, 0, &in_30ms, NULL));
    nest_task *s1 = nest_spawn(spin_yielding, f);
    nest_task *s2 = nest_spawn(spin_yielding, f);
    nest_task *t = nest_spawn(timer_waiter, f);
    nest_task *io = nest_spawn(io_waiter, f);
    int r1 = -1, r2 = -1, r;
    CHECK_OK(nest_join(s1, NEST_FOREVER, &r1));
    CHECK_OK(nest_join(s2, NEST_FOREVER, &r2));
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_OK(nest_join(io, NEST_FOREVER, &r));
    CHECK_EQ(r1, 0); /* timers and I/O were served while the run queue was never empty */
    CHECK_EQ(r2, 0);
    CHECK_OK(nest_close(f->timer_fd));
    return 0;
}

static void test_yield_does_not_starve_timers_or_io(void **state)
{
    (void)state;
    struct fairness f;
    memset(&f, 0, sizeof f);
    TU_RUN(main_yield_fairness, &f, 0);
}

/* ---- 100,000 tasks in batches ------------------------------------------------------------- */

#define BATCH   1000
#define BATCHES 100

static int yield_and_return_index(void *arg)
{
    if (nest_yield() != 0)
        return -1;
    return (int)(intptr_t)arg;
}

static int main_many_tasks(void *arg)
{
    long *total = arg;
    static nest_task *tasks[BATCH];
    for (int b = 0; b < BATCHES; b++) {
        for (int i = 0; i < BATCH; i++) {
            tasks[i] = nest_spawn(yield_and_return_index, (void *)(intptr_t)i);
            if (!tasks[i]) {
                tu_fail(__FILE__, __LINE__, "spawn %d/%d failed: %s", b, i, strerror(errno));
                for (int j = 0; j < i; j++) {
                    int r;
                    (void)nest_join(tasks[j], NEST_FOREVER, &r);
                }
                return 1;
            }
        }
        for (int i = 0; i < BATCH; i++) {
            int r = -1;
            CHECK_OK(nest_join(tasks[i], NEST_FOREVER, &r));
            CHECK_EQ(r, i);
            *total += r;
        }
    }
    return 0;
}

static void test_hundred_thousand_tasks(void **state)
{
    (void)state;
    long total = 0;
    TU_RUN(main_many_tasks, &total, 0);
    assert_int_equal(total, (long)BATCHES * (BATCH * (BATCH - 1) / 2));
}

/* ---- outside a loop ----------------------------------------------------------------------- */

static void test_calls_outside_loop_fail_eperm(void **state)
{
    (void)state;
    char c;
    int r;
    CHECK_NULL_ERR(nest_spawn(return_arg, NULL), EPERM);
    CHECK_ERR(nest_sleep(1), EPERM);
    CHECK_ERR(nest_yield(), EPERM);
    CHECK_ERR(nest_read(0, &c, 1, NEST_FOREVER), EPERM);
    CHECK_ERR(nest_write(1, "", 0, NEST_FOREVER), EPERM);
    CHECK_ERR(nest_wait_fd(0, NEST_IN, NEST_FOREVER), EPERM);
    CHECK_ERR(nest_wait_for(return_arg, NULL, 10, &r), EPERM);
    CHECK_ERR(nest_to_thread(return_arg, NULL, NEST_FOREVER, &r), EPERM);
    CHECK_ERR(nest_wait_shutdown(nest_after(10)), EPERM);
    CHECK_EQ(nest_cancelled(), 0);
    /* Time works anywhere. */
    int64_t now = nest_now();
    CHECK_INT(now, >=, 0);
    int64_t after = nest_after(100);
    CHECK_INT(after - now, >=, 100);
    CHECK_INT(after - now, <=, 110);
    TU_ASSERT_NO_FAILURES();
}

/* ---- nest_run ----------------------------------------------------------------------------- */

static int return_123(void *arg)
{
    (void)arg;
    return 123;
}

static void test_run_returns_main_result(void **state)
{
    (void)state;
    TU_RUN(return_123, NULL, 123);
    TU_RUN(return_arg, (void *)(intptr_t)0, 0);
    TU_RUN(return_arg, (void *)(intptr_t)-5, -5);
    /* NULL options are the defaults (signals included: main returns at once). */
    assert_int_equal(nest_run(return_123, NULL, NULL), 123);
}

static void test_run_rejects_bad_arguments(void **state)
{
    (void)state;
    errno = 0;
    assert_int_equal(nest_run(NULL, NULL, NULL), -1);
    assert_int_equal(errno, EINVAL);
    nest_options bad;
    memset(&bad, 0, sizeof bad);
    bad.threads = -1;
    bad.no_signals = 1;
    errno = 0;
    assert_int_equal(nest_run(return_123, NULL, &bad), -1);
    assert_int_equal(errno, EINVAL);
    memset(&bad, 0, sizeof bad);
    bad.slow_ms = -5;
    bad.no_signals = 1;
    errno = 0;
    assert_int_equal(nest_run(return_123, NULL, &bad), -1);
    assert_int_equal(errno, EINVAL);
}

/* Tasks never joined are cancelled and awaited when main returns. */
static int orphan_saw_cancel, orphan_finished, grandchild_finished;

static int orphan_grandchild(void *arg)
{
    (void)arg;
    int rc = nest_sleep(100000);
    grandchild_finished = rc == -1 && errno == ECANCELED ? 1 : 2;
    return 3;
}

static int orphan(void *arg)
{
    (void)arg;
    nest_task *g = nest_spawn(orphan_grandchild, NULL); /* never joined either */
    CHECK(g != NULL);
    int rc = nest_sleep(100000);
    orphan_saw_cancel = rc == -1 && errno == ECANCELED;
    orphan_finished = 1;
    return 9;
}

static int main_leaves_orphans(void *arg)
{
    (void)arg;
    nest_task *t = nest_spawn(orphan, NULL);
    CHECK(t != NULL);
    CHECK_OK(nest_sleep(10));
    return 5; /* t is never joined */
}

static void test_unjoined_tasks_cancelled_at_exit(void **state)
{
    (void)state;
    orphan_saw_cancel = orphan_finished = grandchild_finished = 0;
    int64_t start = nest_now();
    TU_RUN(main_leaves_orphans, NULL, 5);
    assert_int_equal(orphan_finished, 1);
    assert_int_equal(orphan_saw_cancel, 1);
    assert_int_equal(grandchild_finished, 1);
    assert_true(nest_now() - start < TU_MS(2000));
}

/* A task that only ever yields (never parks) must not keep nest_run from
 * cancelling it once main has returned. */
static int yielder_outcome;

static int yield_until_cancelled(void *arg)
{
    (void)arg;
    /* Not scaled: a working runtime cancels it within one switch. */
    int64_t give_up = nest_now() + 1000;
    while (nest_now() < give_up) {
        if (nest_yield() != 0) {
            yielder_outcome = errno == ECANCELED ? 1 : 2;
            return 0;
        }
    }
    yielder_outcome = 3; /* never cancelled */
    return 0;
}

static int main_leaves_yielder(void *arg)
{
    (void)arg;
    nest_task *t = nest_spawn(yield_until_cancelled, NULL);
    CHECK(t != NULL);
    CHECK_OK(nest_yield());
    return 6;
}

static void test_unjoined_yielding_task_cancelled_at_exit(void **state)
{
    (void)state;
    yielder_outcome = 0;
    int64_t start = nest_now();
    TU_RUN(main_leaves_yielder, NULL, 6);
    if (yielder_outcome != 1)
        fail_msg("a task yielding in a loop was not cancelled when main returned "
                 "(outcome %d; 3 = it gave up after %lld ms)",
                 yielder_outcome, (long long)(nest_now() - start));
}

/* Nested nest_run: EBUSY. */
static int main_nested_run(void *arg)
{
    (void)arg;
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.no_signals = 1;
    CHECK_ERR(nest_run(return_123, NULL, &opt), EBUSY);
    CHECK_ERR(nest_run(return_123, NULL, NULL), EBUSY);
    return 0;
}

static void test_nested_run_ebusy(void **state)
{
    (void)state;
    TU_RUN(main_nested_run, NULL, 0);
    /* And the loop still works afterwards. */
    TU_RUN(return_123, NULL, 123);
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_spawn_join_result),
        TU_TEST(test_join_timeout_keeps_handle),
        TU_TEST(test_join_finished_task_past_deadline),
        TU_TEST(test_cancel_while_blocked),
        TU_TEST(test_cancel_before_first_run),
        TU_TEST(test_cancellation_is_level_triggered),
        TU_TEST(test_cancellation_level_triggered_when_ready),
        TU_TEST(test_forever_join_after_cancel_in_cancelled_task),
        TU_TEST(test_forever_join_in_cancelled_task_without_cancel),
        TU_TEST(test_nest_cancelled),
        TU_TEST(test_yield_round_robin),
        TU_TEST(test_yield_does_not_starve_timers_or_io),
        TU_TEST(test_hundred_thousand_tasks),
        TU_TEST(test_calls_outside_loop_fail_eperm),
        TU_TEST(test_run_returns_main_result),
        TU_TEST(test_run_rejects_bad_arguments),
        TU_TEST(test_unjoined_tasks_cancelled_at_exit),
        TU_TEST(test_unjoined_yielding_task_cancelled_at_exit),
        TU_TEST(test_nested_run_ebusy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
