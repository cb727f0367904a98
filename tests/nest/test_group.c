/*
 * test_group.c - task groups (asyncio.TaskGroup / Trio nursery): the first
 * failure is returned and cancels the siblings, failures caused by that
 * cancellation do not replace it, all-success is 0, a wait timeout leaves
 * the children running, a cancelled parent cancels its children,
 * nest_group_close cancels and waits, and finished children are freed.
 */
#include "test_util.h"

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define TU_HAVE_MALLINFO2 1
#endif

/* ---- first failure wins, siblings cancelled ----------------------------------------------- */

static int sibling_cancelled;
static int sibling_completed;

static int fail_after_20_with_7(void *arg)
{
    (void)arg;
    if (nest_sleep(20) != 0)
        return 100;
    return 7;
}

/* Fails with 99 because it was cancelled: must not replace the 7. */
static int long_sleeper_fails_on_cancel(void *arg)
{
    (void)arg;
    if (nest_sleep(100000) == -1 && errno == ECANCELED) {
        sibling_cancelled++;
        return 99;
    }
    sibling_completed++;
    return 0;
}

static int long_sleeper_ok_on_cancel(void *arg)
{
    (void)arg;
    if (nest_sleep(100000) == -1 && errno == ECANCELED) {
        sibling_cancelled++;
        return 0;
    }
    sibling_completed++;
    return 0;
}

static int main_first_failure(void *arg)
{
    (void)arg;
    sibling_cancelled = sibling_completed = 0;
    nest_group *g = nest_group_open();
    CHECK(g != NULL);
    if (!g)
        return 1;
    CHECK_OK(nest_group_spawn(g, long_sleeper_fails_on_cancel, NULL));
    CHECK_OK(nest_group_spawn(g, fail_after_20_with_7, NULL));
    CHECK_OK(nest_group_spawn(g, long_sleeper_ok_on_cancel, NULL));
    CHECK_OK(nest_group_spawn(g, long_sleeper_fails_on_cancel, NULL));
    int64_t start = nest_now();
    CHECK_EQ(nest_group_wait(g, nest_after(TU_MS(5000))), 7);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 20);
    CHECK_INT(elapsed, <, TU_MS(1000));
    /* The siblings were cancelled and awaited before the wait returned. */
    CHECK_EQ(sibling_cancelled, 3);
    CHECK_EQ(sibling_completed, 0);
    /* Still the first failure on a second look. */
    CHECK_EQ(nest_group_wait(g, nest_after(TU_MS(5000))), 7);
    nest_group_close(g);
    return 0;
}

static void test_first_failure_cancels_siblings(void **state)
{
    (void)state;
    TU_RUN(main_first_failure, NULL, 0);
}

/* Two children fail in the same loop iteration: the first one to return is
 * the failure, whatever comes after. */
static int fail_now(void *arg)
{
    return (int)(intptr_t)arg;
}

static int main_two_failures(void *arg)
{
    (void)arg;
    sibling_cancelled = sibling_completed = 0;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    CHECK_OK(nest_group_spawn(g, long_sleeper_fails_on_cancel, NULL));
    CHECK_OK(nest_group_spawn(g, fail_now, (void *)(intptr_t)5));
    CHECK_OK(nest_group_spawn(g, fail_now, (void *)(intptr_t)6));
    CHECK_EQ(nest_group_wait(g, nest_after(TU_MS(5000))), 5);
    CHECK_EQ(sibling_cancelled, 1);
    nest_group_close(g);
    return 0;
}

static void test_first_of_two_failures_wins(void **state)
{
    (void)state;
    TU_RUN(main_two_failures, NULL, 0);
}

/* ---- all succeed -------------------------------------------------------------------------- */

static int succeeded;

static int sleep_arg_then_succeed(void *arg)
{
    if (nest_sleep((int64_t)(intptr_t)arg) != 0)
        return 1;
    succeeded++;
    return 0;
}

static int main_all_succeed(void *arg)
{
    (void)arg;
    succeeded = 0;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    for (int i = 0; i < 5; i++)
        CHECK_OK(nest_group_spawn(g, sleep_arg_then_succeed, (void *)(intptr_t)(5 * i)));
    CHECK_OK(nest_group_wait(g, NEST_FOREVER));
    CHECK_EQ(succeeded, 5);
    /* The group keeps working after a wait. */
    CHECK_OK(nest_group_spawn(g, sleep_arg_then_succeed, (void *)(intptr_t)1));
    CHECK_OK(nest_group_wait(g, nest_after(TU_MS(5000))));
    CHECK_EQ(succeeded, 6);
    nest_group_close(g);
    /* An empty group waits for nothing. */
    g = nest_group_open();
    if (!g)
        return 1;
    CHECK_OK(nest_group_wait(g, 0));
    nest_group_close(g);
    return 0;
}

static void test_all_succeed_returns_zero(void **state)
{
    (void)state;
    TU_RUN(main_all_succeed, NULL, 0);
}

/* ---- group_wait timeout: children keep running -------------------------------------------- */

static int slow_done;
static int slow_cancelled;

static int slow_child(void *arg)
{
    (void)arg;
    if (nest_sleep(200) != 0) {
        slow_cancelled++;
        return 1;
    }
    slow_done++;
    return 0;
}

static int main_wait_timeout(void *arg)
{
    (void)arg;
    slow_done = slow_cancelled = 0;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    for (int i = 0; i < 3; i++)
        CHECK_OK(nest_group_spawn(g, slow_child, NULL));
    int64_t start = nest_now();
    CHECK_ERR(nest_group_wait(g, nest_after(30)), ETIMEDOUT);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 30);
    CHECK_INT(elapsed, <, 200);
    CHECK_ERR(nest_group_wait(g, 0), ETIMEDOUT); /* try once */
    CHECK_EQ(slow_done, 0);
    CHECK_EQ(slow_cancelled, 0);
    CHECK_OK(nest_group_wait(g, NEST_FOREVER));
    CHECK_EQ(slow_done, 3); /* they ran to completion: the timeout cancelled nothing */
    CHECK_EQ(slow_cancelled, 0);
    CHECK_ELAPSED_GE(nest_now() - start, 200);
    nest_group_close(g);
    return 0;
}

static void test_wait_timeout_leaves_children_running(void **state)
{
    (void)state;
    TU_RUN(main_wait_timeout, NULL, 0);
}

/* ---- a cancelled parent cancels its children ---------------------------------------------- */

static int parent_wait_errno;
static int children_cancelled_before_close;
static int children_cancelled;

static int child_count_cancel(void *arg)
{
    (void)arg;
    if (nest_sleep(100000) == -1 && errno == ECANCELED)
        children_cancelled++;
    return 0;
}

static int shielded_pause(void *arg)
{
    (void)arg;
    return nest_sleep(50);
}

static int parent_with_group(void *arg)
{
    (void)arg;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    for (int i = 0; i < 3; i++)
        CHECK_OK(nest_group_spawn(g, child_count_cancel, NULL));
    errno = 0;
    int rc = nest_group_wait(g, NEST_FOREVER);
    parent_wait_errno = rc == -1 ? errno : 1000 + rc;
    /* Let the children run without closing the group: the parent's
     * cancellation alone must have reached them. */
    int r = -1;
    CHECK_OK(nest_shield(shielded_pause, NULL, &r));
    CHECK_EQ(r, 0);
    children_cancelled_before_close = children_cancelled;
    nest_group_close(g); /* completes in a cancelled task */
    return 0;
}

static int main_parent_cancel(void *arg)
{
    (void)arg;
    parent_wait_errno = -1;
    children_cancelled = children_cancelled_before_close = 0;
    nest_task *p = nest_spawn(parent_with_group, NULL);
    if (!p)
        return 1;
    CHECK_OK(nest_sleep(20));
    int64_t start = nest_now();
    nest_cancel(p);
    int r = -1;
    CHECK_OK(nest_join(p, NEST_FOREVER, &r));
    CHECK_EQ(r, 0);
    CHECK_INT(nest_now() - start, <, TU_MS(1000));
    CHECK_EQ(parent_wait_errno, ECANCELED);
    CHECK_EQ(children_cancelled_before_close, 3);
    CHECK_EQ(children_cancelled, 3);
    return 0;
}

static void test_cancelled_parent_cancels_children(void **state)
{
    (void)state;
    TU_RUN(main_parent_cancel, NULL, 0);
}

/* ---- group_close cancels and waits -------------------------------------------------------- */

static int close_children_finished;

static int child_slow_cleanup(void *arg)
{
    (void)arg;
    int rc = nest_sleep(100000);
    CHECK_EQ(rc, -1);
    CHECK_EQ(errno, ECANCELED);
    usleep(30000); /* cleanup that takes a while (no suspension point) */
    close_children_finished++;
    return 0;
}

static int main_close(void *arg)
{
    (void)arg;
    close_children_finished = 0;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    for (int i = 0; i < 3; i++)
        CHECK_OK(nest_group_spawn(g, child_slow_cleanup, NULL));
    CHECK_OK(nest_sleep(10));
    int64_t start = nest_now();
    nest_group_close(g);
    int64_t elapsed = nest_now() - start;
    CHECK_EQ(close_children_finished, 3); /* awaited, not just cancelled */
    CHECK_ELAPSED_GE(elapsed, 90);
    CHECK_INT(elapsed, <, TU_MS(2000));
    /* Close right after open, and close with children not yet started. */
    g = nest_group_open();
    if (!g)
        return 1;
    nest_group_close(g);
    close_children_finished = 0;
    g = nest_group_open();
    if (!g)
        return 1;
    CHECK_OK(nest_group_spawn(g, child_slow_cleanup, NULL));
    nest_group_close(g);
    CHECK_EQ(close_children_finished, 1);
    return 0;
}

static void test_close_cancels_and_waits(void **state)
{
    (void)state;
    TU_RUN(main_close, NULL, 0);
}

/* nest_group_close completes even in a cancelled task. */
static int closer_done;

static int closer_in_cancelled_task(void *arg)
{
    (void)arg;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    CHECK_OK(nest_group_spawn(g, child_slow_cleanup, NULL));
    CHECK_ERR(nest_sleep(100000), ECANCELED);
    nest_group_close(g);
    closer_done = close_children_finished;
    return 0;
}

static int main_close_in_cancelled(void *arg)
{
    (void)arg;
    closer_done = -1;
    close_children_finished = 0;
    nest_task *t = nest_spawn(closer_in_cancelled_task, NULL);
    if (!t)
        return 1;
    CHECK_OK(nest_sleep(20));
    nest_cancel(t);
    int r = -1;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(r, 0);
    CHECK_EQ(closer_done, 1);
    return 0;
}

static void test_close_in_cancelled_task(void **state)
{
    (void)state;
    TU_RUN(main_close_in_cancelled, NULL, 0);
}

/* ---- finished children are freed ---------------------------------------------------------- */

static long short_done;

static int short_child(void *arg)
{
    (void)arg;
    if (nest_yield() != 0)
        return 1;
    short_done++;
    return 0;
}

#define SHORT_TOTAL 10000
#define SHORT_BATCH 100

static size_t heap_in_use(void)
{
#ifdef TU_HAVE_MALLINFO2
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks;
#else
    return 0;
#endif
}

static int main_long_lived_group(void *arg)
{
    size_t *growth = arg;
    short_done = 0;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    size_t baseline = 0;
    long spawned = 0;
    for (int b = 0; b < SHORT_TOTAL / SHORT_BATCH; b++) {
        for (int i = 0; i < SHORT_BATCH; i++) {
            if (nest_group_spawn(g, short_child, NULL) != 0) {
                tu_fail(__FILE__, __LINE__, "group_spawn failed: %s", strerror(errno));
                nest_group_close(g);
                return 1;
            }
            spawned++;
        }
        /* Do not wait on the group: a server's group is never waited on. */
        int64_t give_up = nest_now() + TU_MS(5000);
        while (short_done < spawned && nest_now() < give_up)
            CHECK_OK(nest_sleep(1));
        CHECK_EQ(short_done, spawned);
        if (b == 9)
            baseline = heap_in_use(); /* after 1,000 children, caches warm */
    }
    size_t end = heap_in_use();
#if defined(TU_HAVE_MALLINFO2) && !TU_ASAN
    CHECK_INT(baseline, >, 0); /* the measurement itself works */
#endif
    *growth = end > baseline ? end - baseline : 0;
    CHECK_OK(nest_group_wait(g, 0));
    nest_group_close(g);
    return 0;
}

static void test_group_frees_finished_children(void **state)
{
    (void)state;
    size_t growth = 0;
    TU_RUN(main_long_lived_group, &growth, 0);
    assert_int_equal(short_done, SHORT_TOTAL);
    /* 9,000 more children than at the baseline: keeping even 16 bytes per
     * finished child would show up as 144 KB. */
    if (growth >= 64 * 1024)
        fail_msg("heap grew by %zu bytes over 9,000 finished children", growth);
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_first_failure_cancels_siblings),
        TU_TEST(test_first_of_two_failures_wins),
        TU_TEST(test_all_succeed_returns_zero),
        TU_TEST(test_wait_timeout_leaves_children_running),
        TU_TEST(test_cancelled_parent_cancels_children),
        TU_TEST(test_close_cancels_and_waits),
        TU_TEST(test_close_in_cancelled_task),
        TU_TEST(test_group_frees_finished_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
