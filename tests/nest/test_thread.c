/*
 * test_thread.c - nest_to_thread: the result comes back, fn runs on another
 * thread while the loop keeps running, a deadline returns quickly while fn
 * finishes on its thread (and nest_run waits for it), cancellation, and the
 * pool size (4 by default, `threads` honoured).
 */
#include "test_util.h"

#include <pthread.h>
#include <stdatomic.h>

/* ---- result ------------------------------------------------------------------------------- */

struct compute {
    int input;
    int side_effect;
};

static int square(void *arg)
{
    struct compute *c = arg;
    c->side_effect = c->input * 2;
    return c->input * c->input;
}

static int main_result(void *arg)
{
    (void)arg;
    struct compute c = {12, 0};
    int result = -1;
    CHECK_OK(nest_to_thread(square, &c, nest_after(TU_MS(5000)), &result));
    CHECK_EQ(result, 144);
    CHECK_EQ(c.side_effect, 24);
    c.input = -3;
    CHECK_OK(nest_to_thread(square, &c, NEST_FOREVER, &result));
    CHECK_EQ(result, 9);
    CHECK_ERR(nest_to_thread(NULL, NULL, NEST_FOREVER, &result), EINVAL);
    return 0;
}

static void test_to_thread_result(void **state)
{
    (void)state;
    TU_REQUIRE_THREADS();
    TU_RUN(main_result, NULL, 0);
}

/* ---- another thread, and the loop keeps running ------------------------------------------- */

struct offload {
    pthread_t loop_thread;
    pthread_t fn_thread;
    int ticks;
    int ticks_during;
    volatile int stop;
};

static int blocking_200ms(void *arg)
{
    struct offload *o = arg;
    o->fn_thread = pthread_self();
    usleep(200000);
    return 5;
}

static int ticker(void *arg)
{
    struct offload *o = arg;
    while (!o->stop) {
        if (nest_sleep(10) != 0)
            return 0;
        o->ticks++;
    }
    return 0;
}

static int main_other_thread(void *arg)
{
    struct offload *o = arg;
    o->loop_thread = pthread_self();
    nest_task *t = nest_spawn(ticker, o);
    if (!t)
        return 1;
    CHECK_OK(nest_yield());
    int before = o->ticks;
    int result = -1;
    int64_t start = nest_now();
    CHECK_OK(nest_to_thread(blocking_200ms, o, nest_after(TU_MS(5000)), &result));
    int64_t elapsed = nest_now() - start;
    o->ticks_during = o->ticks - before;
    CHECK_EQ(result, 5);
    CHECK_ELAPSED_GE(elapsed, 200);
    o->stop = 1;
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    return 0;
}

static void test_to_thread_runs_elsewhere_loop_keeps_running(void **state)
{
    (void)state;
    TU_REQUIRE_THREADS();
    struct offload o;
    memset(&o, 0, sizeof o);
    TU_RUN(main_other_thread, &o, 0);
    assert_false(pthread_equal(o.loop_thread, o.fn_thread));
    /* 200 ms of 10 ms ticks is ~20; a blocked loop would give 0 or 1. */
    if (o.ticks_during < 5)
        fail_msg("only %d ticks during a 200 ms to_thread call", o.ticks_during);
}

/* ---- deadline while the thread still runs ------------------------------------------------- */

static atomic_int slow_fn_finished;
static atomic_int slow_fn_started;

static int slow_300ms(void *arg)
{
    (void)arg;
    atomic_store(&slow_fn_started, 1);
    usleep(300000);
    atomic_store(&slow_fn_finished, 1);
    return 77;
}

static int main_deadline(void *arg)
{
    int *finished_when_returning = arg;
    int result = 12345;
    int64_t start = nest_now();
    CHECK_ERR(nest_to_thread(slow_300ms, NULL, nest_after(50), &result), ETIMEDOUT);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 50);
    CHECK_INT(elapsed, <, 250); /* did not wait for fn */
    CHECK_EQ(result, 12345);    /* its result is dropped */
    CHECK_EQ(atomic_load(&slow_fn_started), 1);
    *finished_when_returning = atomic_load(&slow_fn_finished);
    return 0; /* fn still runs: nest_run must wait for it */
}

static void test_to_thread_deadline_fn_completes(void **state)
{
    (void)state;
    TU_REQUIRE_THREADS();
    atomic_store(&slow_fn_finished, 0);
    atomic_store(&slow_fn_started, 0);
    int finished_when_main_returned = -1;
    int64_t start = nest_now();
    TU_RUN(main_deadline, &finished_when_main_returned, 0);
    assert_int_equal(finished_when_main_returned, 0);
    assert_int_equal(atomic_load(&slow_fn_finished), 1); /* awaited by nest_run */
    assert_true(nest_now() - start >= 299);
}

/* A past deadline: the caller does not wait, fn still runs to completion. */
static atomic_int quick_fn_ran;

static int quick_fn(void *arg)
{
    (void)arg;
    usleep(20000);
    atomic_store(&quick_fn_ran, 1);
    return 0;
}

static int main_past_deadline(void *arg)
{
    (void)arg;
    int result;
    int64_t start = nest_now();
    CHECK_ERR(nest_to_thread(quick_fn, NULL, 0, &result), ETIMEDOUT);
    CHECK_INT(nest_now() - start, <, 20);
    return 0;
}

static void test_to_thread_past_deadline_still_runs_fn(void **state)
{
    (void)state;
    TU_REQUIRE_THREADS();
    atomic_store(&quick_fn_ran, 0);
    TU_RUN(main_past_deadline, NULL, 0);
    assert_int_equal(atomic_load(&quick_fn_ran), 1);
}

/* Cancellation of the caller: -1/ECANCELED quickly, fn completes. */
static int cancel_errno;

static int offloading_task(void *arg)
{
    (void)arg;
    int result;
    errno = 0;
    int rc = nest_to_thread(slow_300ms, NULL, NEST_FOREVER, &result);
    cancel_errno = rc == -1 ? errno : 0;
    return 0;
}

static int main_cancel(void *arg)
{
    (void)arg;
    nest_task *t = nest_spawn(offloading_task, NULL);
    if (!t)
        return 1;
    CHECK_OK(nest_sleep(30));
    int64_t start = nest_now();
    nest_cancel(t);
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_INT(nest_now() - start, <, 200);
    CHECK_EQ(cancel_errno, ECANCELED);
    CHECK_EQ(atomic_load(&slow_fn_finished), 0);
    return 0;
}

static void test_to_thread_cancel(void **state)
{
    (void)state;
    TU_REQUIRE_THREADS();
    atomic_store(&slow_fn_finished, 0);
    cancel_errno = -1;
    TU_RUN(main_cancel, NULL, 0);
    assert_int_equal(atomic_load(&slow_fn_finished), 1);
}

/* ---- pool size ---------------------------------------------------------------------------- */

static atomic_int concurrent;
static atomic_int max_concurrent;

static int job_100ms(void *arg)
{
    (void)arg;
    int now = atomic_fetch_add(&concurrent, 1) + 1;
    int seen = atomic_load(&max_concurrent);
    while (now > seen && !atomic_compare_exchange_weak(&max_concurrent, &seen, now))
        ;
    usleep(100000);
    atomic_fetch_sub(&concurrent, 1);
    return 0;
}

static int offload_one(void *arg)
{
    (void)arg;
    int result = -1;
    if (nest_to_thread(job_100ms, NULL, nest_after(TU_MS(10000)), &result) != 0)
        return 1;
    return result;
}

static int main_jobs(void *arg)
{
    int jobs = (int)(intptr_t)arg;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    for (int i = 0; i < jobs; i++)
        CHECK_OK(nest_group_spawn(g, offload_one, NULL));
    CHECK_OK(nest_group_wait(g, NEST_FOREVER));
    nest_group_close(g);
    return 0;
}

static void test_default_four_threads(void **state)
{
    (void)state;
    TU_REQUIRE_THREADS();
    atomic_store(&concurrent, 0);
    atomic_store(&max_concurrent, 0);
    int64_t start = nest_now();
    TU_RUN(main_jobs, (void *)(intptr_t)8, 0);
    int64_t elapsed = nest_now() - start;
    assert_int_equal(atomic_load(&max_concurrent), 4);
    /* 8 jobs of 100 ms on 4 threads: two rounds, ~200 ms. */
    if (elapsed < 199 || elapsed >= 200 + TU_MS(90))
        fail_msg("8 jobs of 100 ms took %lld ms, expected ~200", (long long)elapsed);
}

static void test_threads_option(void **state)
{
    (void)state;
    TU_REQUIRE_THREADS();
    atomic_store(&concurrent, 0);
    atomic_store(&max_concurrent, 0);
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.threads = 2;
    int64_t start = nest_now();
    assert_int_equal(tu_run_opts(main_jobs, (void *)(intptr_t)4, opt), 0);
    TU_ASSERT_NO_FAILURES();
    int64_t elapsed = nest_now() - start;
    assert_int_equal(atomic_load(&max_concurrent), 2);
    assert_true(elapsed >= 199);
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_to_thread_result),
        TU_TEST(test_to_thread_runs_elsewhere_loop_keeps_running),
        TU_TEST(test_to_thread_deadline_fn_completes),
        TU_TEST(test_to_thread_past_deadline_still_runs_fn),
        TU_TEST(test_to_thread_cancel),
        TU_TEST(test_default_four_threads),
        TU_TEST(test_threads_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
