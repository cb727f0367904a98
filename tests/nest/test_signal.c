/*
 * test_signal.c - graceful shutdown: SIGTERM/SIGINT wake nest_wait_shutdown,
 * nest_shutdown() from code, a second signal cancels main, the handlers in
 * place before nest_run are restored after it, and no_signals=1 leaves them
 * alone. Every test that sends a real signal runs in a fork()ed child, so a
 * stray signal can only kill the child.
 */
#include "test_util.h"

#include <stdatomic.h>

static nest_options signal_options(void)
{
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.no_signals = 0; /* these tests are about signals */
    return opt;
}

/* ---- SIGTERM wakes nest_wait_shutdown ----------------------------------------------------- */

static int raise_after(void *arg)
{
    int sig = (int)(intptr_t)arg;
    if (nest_sleep(20) != 0)
        return 1;
    CHECK_OK(raise(sig));
    return 0;
}

static int main_wait_shutdown(void *arg)
{
    int sig = (int)(intptr_t)arg;
    CHECK_EQ(nest_shutdown_requested(), 0);
    CHECK_ERR(nest_wait_shutdown(nest_after(20)), ETIMEDOUT);
    nest_task *t = nest_spawn(raise_after, (void *)(intptr_t)sig);
    if (!t)
        return 1;
    int64_t start = nest_now();
    CHECK_OK(nest_wait_shutdown(nest_after(TU_MS(5000))));
    CHECK_INT(nest_now() - start, <, TU_MS(2000));
    CHECK_EQ(nest_shutdown_requested(), 1);
    CHECK_OK(nest_wait_shutdown(0)); /* stays requested */
    int r = -1;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(r, 0); /* the signal killed no task */
    return 0;
}

static int child_wait_shutdown(void *arg)
{
    nest_options opt = signal_options();
    return nest_run(main_wait_shutdown, arg, &opt);
}

static void test_sigterm_wakes_wait_shutdown(void **state)
{
    (void)state;
    TU_ASSERT_CHILD_OK(tu_fork_run(child_wait_shutdown, (void *)(intptr_t)SIGTERM));
}

static void test_sigint_wakes_wait_shutdown(void **state)
{
    (void)state;
    TU_ASSERT_CHILD_OK(tu_fork_run(child_wait_shutdown, (void *)(intptr_t)SIGINT));
}

/* The signal comes from another process (kill from the parent). */
static int main_wait_external(void *arg)
{
    int ready_fd = (int)(intptr_t)arg;
    CHECK_EQ(write(ready_fd, "r", 1), 1);
    CHECK_OK(nest_wait_shutdown(nest_after(TU_MS(10000))));
    CHECK_EQ(nest_shutdown_requested(), 1);
    return 0;
}

static int child_external(void *arg)
{
    nest_options opt = signal_options();
    return nest_run(main_wait_external, arg, &opt);
}

static void test_external_sigterm(void **state)
{
    (void)state;
    TU_REQUIRE_FORK();
    int ready[2];
    assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        tu_failures = 0;
        int rc = child_external((void *)(intptr_t)ready[1]);
        if (tu_failures) {
            fprintf(stderr, "child: %s\n", tu_failure);
            rc = rc ? rc : 99;
        }
        fflush(NULL);
        exit(rc);
    }
    close(ready[1]);
    char c;
    ssize_t n = read(ready[0], &c, 1); /* the child's loop is running */
    close(ready[0]);
    assert_int_equal(n, 1);
    usleep(20000);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    TU_ASSERT_CHILD_OK(status);
}

/* ---- nest_shutdown() from code ------------------------------------------------------------ */

static int shutdown_after(void *arg)
{
    (void)arg;
    if (nest_sleep(20) != 0)
        return 1;
    nest_shutdown();
    return 0;
}

static int waiter_task(void *arg)
{
    int *woken = arg;
    if (nest_wait_shutdown(nest_after(TU_MS(5000))) == 0)
        (*woken)++;
    return 0;
}

static int main_shutdown_from_code(void *arg)
{
    (void)arg;
    CHECK_EQ(nest_shutdown_requested(), 0);
    int woken = 0;
    nest_task *w1 = nest_spawn(waiter_task, &woken);
    nest_task *w2 = nest_spawn(waiter_task, &woken);
    nest_task *t = nest_spawn(shutdown_after, NULL);
    int64_t start = nest_now();
    CHECK_OK(nest_wait_shutdown(nest_after(TU_MS(5000))));
    CHECK_INT(nest_now() - start, <, TU_MS(2000));
    CHECK_EQ(nest_shutdown_requested(), 1);
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_OK(nest_join(w1, NEST_FOREVER, &r));
    CHECK_OK(nest_join(w2, NEST_FOREVER, &r));
    CHECK_EQ(woken, 2); /* every waiter */
    nest_shutdown();    /* idempotent */
    CHECK_EQ(nest_shutdown_requested(), 1);
    return 0;
}

static int main_fresh_loop(void *arg)
{
    (void)arg;
    CHECK_EQ(nest_shutdown_requested(), 0); /* a new loop starts afresh */
    return 0;
}

static void test_shutdown_from_code(void **state)
{
    (void)state;
    TU_RUN(main_shutdown_from_code, NULL, 0);
    TU_RUN(main_fresh_loop, NULL, 0);
    assert_int_equal(nest_shutdown_requested(), 0); /* outside a loop */
}

/* ---- a second signal cancels main --------------------------------------------------------- */

static int two_signals(void *arg)
{
    (void)arg;
    if (nest_sleep(20) != 0)
        return 1;
    CHECK_OK(raise(SIGTERM));
    if (nest_sleep(50) != 0)
        return 2;
    CHECK_OK(raise(SIGTERM));
    return 0;
}

static int main_second_signal(void *arg)
{
    (void)arg;
    nest_task *t = nest_spawn(two_signals, NULL);
    if (!t)
        return 1;
    CHECK_OK(nest_wait_shutdown(nest_after(TU_MS(5000))));
    CHECK_EQ(nest_cancelled(), 0); /* the first signal cancels nothing */
    /* A graceful shutdown that takes too long: the second signal stops it. */
    int64_t start = nest_now();
    CHECK_ERR(nest_sleep(10000), ECANCELED);
    CHECK_INT(nest_now() - start, <, TU_MS(2000));
    CHECK_EQ(nest_cancelled(), 1);
    /* Cleanup still works in a cancelled main. */
    nest_cancel(t);
    int r = -1;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(r, 0);
    return 42;
}

static int child_second_signal(void *arg)
{
    (void)arg;
    nest_options opt = signal_options();
    int rc = nest_run(main_second_signal, NULL, &opt);
    return rc == 42 ? 0 : 10 + rc;
}

static void test_second_signal_cancels_main(void **state)
{
    (void)state;
    TU_ASSERT_CHILD_OK(tu_fork_run(child_second_signal, NULL));
}

/* ---- handlers restored -------------------------------------------------------------------- */

static atomic_int own_handler_calls;

static void own_handler(int sig)
{
    (void)sig;
    atomic_fetch_add(&own_handler_calls, 1);
}

static int same_action(const struct sigaction *a, const struct sigaction *b)
{
    return a->sa_handler == b->sa_handler && a->sa_flags == b->sa_flags;
}

static int main_signal_during_run(void *arg)
{
    (void)arg;
    CHECK_OK(raise(SIGTERM)); /* the runtime's handler, not ours */
    CHECK_OK(nest_wait_shutdown(nest_after(TU_MS(5000))));
    CHECK_EQ(atomic_load(&own_handler_calls), 0);
    return 0;
}

static int child_restored(void *arg)
{
    (void)arg;
    atomic_store(&own_handler_calls, 0); /* may run in-process (NEST_TEST_NO_FORK) */
    struct sigaction own, dfl, before_term, before_int, before_quit, after;
    memset(&own, 0, sizeof own);
    own.sa_handler = own_handler;
    own.sa_flags = SA_RESTART | SA_NODEFER;
    sigemptyset(&own.sa_mask);
    CHECK_OK(sigaction(SIGTERM, &own, NULL));
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    CHECK_OK(sigaction(SIGINT, &dfl, NULL));
    CHECK_OK(sigaction(SIGQUIT, &own, NULL));
    sigaction(SIGTERM, NULL, &before_term);
    sigaction(SIGINT, NULL, &before_int);
    sigaction(SIGQUIT, NULL, &before_quit);
    sigset_t mask_before, mask_after;
    sigprocmask(SIG_BLOCK, NULL, &mask_before);

    for (int debug = 0; debug <= 1; debug++) {
        nest_options opt = signal_options();
        opt.debug = debug; /* debug mode also takes SIGQUIT */
        CHECK_EQ(nest_run(main_signal_during_run, NULL, &opt), 0);
        sigaction(SIGTERM, NULL, &after);
        CHECK(same_action(&before_term, &after));
        sigaction(SIGINT, NULL, &after);
        CHECK(same_action(&before_int, &after));
        sigaction(SIGQUIT, NULL, &after);
        CHECK(same_action(&before_quit, &after));
        sigprocmask(SIG_BLOCK, NULL, &mask_after);
        CHECK_EQ(sigismember(&mask_after, SIGTERM), sigismember(&mask_before, SIGTERM));
        CHECK_EQ(sigismember(&mask_after, SIGINT), sigismember(&mask_before, SIGINT));
    }
    /* Ours again: a SIGTERM now reaches our handler. */
    CHECK_OK(raise(SIGTERM));
    CHECK_EQ(atomic_load(&own_handler_calls), 1);
    return 0;
}

static void test_handlers_restored_after_run(void **state)
{
    (void)state;
    TU_ASSERT_CHILD_OK(tu_fork_run(child_restored, NULL));
}

/* ---- no_signals=1 leaves them alone ------------------------------------------------------- */

static int main_no_signals(void *arg)
{
    const struct sigaction *own = arg;
    struct sigaction now;
    sigaction(SIGTERM, NULL, &now);
    CHECK(same_action(own, &now)); /* not even replaced meanwhile */
    CHECK_OK(raise(SIGTERM));
    CHECK_EQ(atomic_load(&own_handler_calls), 1);
    CHECK_OK(raise(SIGINT));
    CHECK_EQ(atomic_load(&own_handler_calls), 2);
    CHECK_OK(nest_sleep(10)); /* let the loop see anything it might */
    CHECK_EQ(nest_shutdown_requested(), 0);
    CHECK_ERR(nest_wait_shutdown(nest_after(20)), ETIMEDOUT);
    return 0;
}

static int child_no_signals(void *arg)
{
    (void)arg;
    atomic_store(&own_handler_calls, 0);
    struct sigaction own;
    memset(&own, 0, sizeof own);
    own.sa_handler = own_handler;
    sigemptyset(&own.sa_mask);
    CHECK_OK(sigaction(SIGTERM, &own, NULL));
    CHECK_OK(sigaction(SIGINT, &own, NULL));
    struct sigaction installed; /* as the kernel reports it (SA_RESTORER...) */
    CHECK_OK(sigaction(SIGTERM, NULL, &installed));
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.no_signals = 1;
    CHECK_EQ(nest_run(main_no_signals, &installed, &opt), 0);
    struct sigaction after;
    CHECK_OK(sigaction(SIGTERM, NULL, &after));
    CHECK(same_action(&installed, &after));
    return 0;
}

static void test_no_signals_leaves_handlers_alone(void **state)
{
    (void)state;
    TU_ASSERT_CHILD_OK(tu_fork_run(child_no_signals, NULL));
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_sigterm_wakes_wait_shutdown),
        TU_TEST(test_sigint_wakes_wait_shutdown),
        TU_TEST(test_external_sigterm),
        TU_TEST(test_shutdown_from_code),
        TU_TEST(test_second_signal_cancels_main),
        TU_TEST(test_handlers_restored_after_run),
        TU_TEST(test_no_signals_leaves_handlers_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
