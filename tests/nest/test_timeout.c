/*
 * test_timeout.c - deadlines and cancel scopes: nest_wait_for expiry (the
 * body sees ECANCELED, the caller ETIMEDOUT), nested scopes (the earliest
 * deadline wins, whichever is inside), a call's own deadline vs a scope's,
 * nest_shield (defers cancellation, its own deadlines still apply), a past
 * deadline means "try once", and nest_sleep timing.
 */
#include "test_util.h"

/* ---- nest_wait_for expiry ----------------------------------------------------------------- */

struct body_log {
    int first_errno;
    int second_errno;
    int cancelled_inside;
    int returned;
};

static int body_sleeps_long(void *arg)
{
    struct body_log *log = arg;
    errno = 0;
    int rc = nest_sleep(100000);
    log->first_errno = rc == -1 ? errno : 0;
    log->cancelled_inside = nest_cancelled();
    errno = 0;
    rc = nest_yield(); /* level-triggered inside the expired scope */
    log->second_errno = rc == -1 ? errno : 0;
    log->returned = 1;
    return 3;
}

static int main_wait_for_expiry(void *arg)
{
    (void)arg;
    struct body_log log = {-1, -1, -1, 0};
    int result = 12345;
    int64_t start = nest_now();
    CHECK_ERR(nest_wait_for(body_sleeps_long, &log, 50, &result), ETIMEDOUT);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 50);
    CHECK_INT(elapsed, <, TU_MS(1000));
    CHECK_EQ(log.first_errno, ECANCELED);
    CHECK_EQ(log.second_errno, ECANCELED);
    CHECK_EQ(log.cancelled_inside, 1);
    CHECK_EQ(log.returned, 1);
    /* The caller itself is not cancelled: the scope is gone. */
    CHECK_EQ(nest_cancelled(), 0);
    CHECK_OK(nest_sleep(1));
    CHECK_OK(nest_yield());
    return 0;
}

static void test_wait_for_expiry(void **state)
{
    (void)state;
    TU_RUN(main_wait_for_expiry, NULL, 0);
}

static int body_sleep_10_return_9(void *arg)
{
    (void)arg;
    return nest_sleep(10) == 0 ? 9 : 100;
}

static int body_cpu_only(void *arg)
{
    (void)arg;
    usleep(30000); /* overruns a 10 ms timeout without suspending */
    return 8;
}

static int main_wait_for_success(void *arg)
{
    (void)arg;
    int result = 0;
    CHECK_OK(nest_wait_for(body_sleep_10_return_9, NULL, 5000, &result));
    CHECK_EQ(result, 9);
    /* Not interrupted between suspension points: returns 0 and its result. */
    result = 0;
    CHECK_OK(nest_wait_for(body_cpu_only, NULL, 10, &result));
    CHECK_EQ(result, 8);
    /* 0: the scope is already expired; a body that suspends is cancelled. */
    struct body_log log = {-1, -1, -1, 0};
    CHECK_ERR(nest_wait_for(body_sleeps_long, &log, 0, &result), ETIMEDOUT);
    CHECK_EQ(log.first_errno, ECANCELED);
    /* ...one that does not is not. */
    result = 0;
    CHECK_OK(nest_wait_for(body_cpu_only, NULL, 0, &result));
    CHECK_EQ(result, 8);
    CHECK_ERR(nest_wait_for(body_cpu_only, NULL, -1, &result), EINVAL);
    CHECK_ERR(nest_wait_for(NULL, NULL, 10, &result), EINVAL);
    return 0;
}

static void test_wait_for_success_and_edge_cases(void **state)
{
    (void)state;
    TU_RUN(main_wait_for_success, NULL, 0);
}

/* ---- nested scopes ------------------------------------------------------------------------ */

struct nested {
    int64_t inner_timeout;
    int inner_rc;
    int inner_errno;
    int after_inner_errno; /* a suspension in the outer body after the inner */
    struct body_log log;
};

static int outer_body(void *arg)
{
    struct nested *n = arg;
    int result = 0;
    errno = 0;
    n->inner_rc = nest_wait_for(body_sleeps_long, &n->log, n->inner_timeout, &result);
    n->inner_errno = errno;
    errno = 0;
    n->after_inner_errno = nest_sleep(1) == 0 ? 0 : errno;
    return 4;
}

static int main_nested_outer_earlier(void *arg)
{
    (void)arg;
    struct nested n = {.inner_timeout = 100000, .log = {-1, -1, -1, 0}};
    int result = 0;
    int64_t start = nest_now();
    CHECK_ERR(nest_wait_for(outer_body, &n, 50, &result), ETIMEDOUT);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 50);
    CHECK_INT(elapsed, <, TU_MS(1000)); /* not the inner 100 s */
    CHECK_EQ(n.log.first_errno, ECANCELED);
    /* The inner scope did not expire: it must not claim its own timeout. */
    CHECK(!(n.inner_rc == -1 && n.inner_errno == ETIMEDOUT));
    /* The outer scope still is expired after the inner one returned. */
    CHECK_EQ(n.after_inner_errno, ECANCELED);
    CHECK_EQ(nest_cancelled(), 0);
    return 0;
}

static void test_nested_outer_deadline_earlier(void **state)
{
    (void)state;
    TU_RUN(main_nested_outer_earlier, NULL, 0);
}

static int main_nested_inner_earlier(void *arg)
{
    (void)arg;
    struct nested n = {.inner_timeout = 50, .log = {-1, -1, -1, 0}};
    int result = 0;
    int64_t start = nest_now();
    CHECK_OK(nest_wait_for(outer_body, &n, 100000, &result));
    int64_t elapsed = nest_now() - start;
    CHECK_EQ(result, 4);
    CHECK_ELAPSED_GE(elapsed, 50);
    CHECK_INT(elapsed, <, TU_MS(1000));
    CHECK_EQ(n.log.first_errno, ECANCELED);
    CHECK_EQ(n.inner_rc, -1);
    CHECK_EQ(n.inner_errno, ETIMEDOUT);
    CHECK_EQ(n.after_inner_errno, 0); /* the outer scope is not affected */
    return 0;
}

static void test_nested_inner_deadline_earlier(void **state)
{
    (void)state;
    TU_RUN(main_nested_inner_earlier, NULL, 0);
}

/* A call's own deadline and the scope's: the earlier one wins, and each
 * gives its own errno. */
struct fd_wait {
    int fd;
    int64_t call_ms;
    int rc_errno;
    int64_t elapsed;
};

static int body_wait_fd(void *arg)
{
    struct fd_wait *w = arg;
    int64_t start = nest_now();
    errno = 0;
    int rc = nest_wait_fd(w->fd, NEST_IN, nest_after(w->call_ms));
    w->elapsed = nest_now() - start;
    w->rc_errno = rc == -1 ? errno : 0;
    return 0;
}

static int main_call_vs_scope(void *arg)
{
    (void)arg;
    int fds[2];
    if (tu_pipe(fds) != 0)
        return 1;
    int result;
    /* The call's deadline is earlier: ETIMEDOUT inside, the scope is fine. */
    struct fd_wait w = {fds[0], 40, -1, 0};
    CHECK_OK(nest_wait_for(body_wait_fd, &w, 100000, &result));
    CHECK_EQ(w.rc_errno, ETIMEDOUT);
    CHECK_ELAPSED_GE(w.elapsed, 40);
    CHECK_INT(w.elapsed, <, TU_MS(1000));
    /* The scope is earlier: ECANCELED inside, ETIMEDOUT for the caller. */
    w = (struct fd_wait){fds[0], 100000, -1, 0};
    CHECK_ERR(nest_wait_for(body_wait_fd, &w, 40, &result), ETIMEDOUT);
    CHECK_EQ(w.rc_errno, ECANCELED);
    CHECK_ELAPSED_GE(w.elapsed, 40);
    CHECK_INT(w.elapsed, <, TU_MS(1000));
    CHECK_OK(nest_close(fds[0]));
    CHECK_OK(nest_close(fds[1]));
    return 0;
}

static void test_call_deadline_vs_scope_deadline(void **state)
{
    (void)state;
    TU_RUN(main_call_vs_scope, NULL, 0);
}

/* ---- shield ------------------------------------------------------------------------------- */

struct shielded {
    int sleep_rc;
    int cancelled_inside;
    int own_deadline_errno;
    int64_t elapsed_inside;
    int after_errno;
    int cancelled_after;
    int shield_rc;
    int shield_result;
    int fd;
};

static int critical_write(void *arg)
{
    struct shielded *s = arg;
    int64_t start = nest_now();
    s->sleep_rc = nest_sleep(100); /* the caller is cancelled meanwhile */
    s->cancelled_inside = nest_cancelled();
    /* Its own deadlines still apply. */
    errno = 0;
    int rc = nest_wait_fd(s->fd, NEST_IN, nest_after(20));
    s->own_deadline_errno = rc == -1 ? errno : 0;
    s->elapsed_inside = nest_now() - start;
    return 17;
}

static int shielding_task(void *arg)
{
    struct shielded *s = arg;
    s->shield_result = 0;
    s->shield_rc = nest_shield(critical_write, s, &s->shield_result);
    s->cancelled_after = nest_cancelled();
    errno = 0;
    s->after_errno = nest_yield() == 0 ? 0 : errno; /* the deferred cancellation */
    return 0;
}

static int main_shield(void *arg)
{
    (void)arg;
    int fds[2];
    if (tu_pipe(fds) != 0)
        return 1;
    struct shielded s = {.sleep_rc = -5,
                         .cancelled_inside = -1,
                         .own_deadline_errno = -1,
                         .after_errno = -1,
                         .cancelled_after = -1,
                         .shield_rc = -5,
                         .fd = fds[0]};
    nest_task *t = nest_spawn(shielding_task, &s);
    if (!t)
        return 1;
    CHECK_OK(nest_sleep(20));
    nest_cancel(t);
    int r = -1;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(s.sleep_rc, 0);         /* not interrupted */
    CHECK_EQ(s.cancelled_inside, 0); /* deferred */
    CHECK_EQ(s.own_deadline_errno, ETIMEDOUT);
    CHECK_ELAPSED_GE(s.elapsed_inside, 120);
    CHECK_EQ(s.shield_rc, 0);
    CHECK_EQ(s.shield_result, 17);
    CHECK_EQ(s.cancelled_after, 1); /* and delivered once fn returned */
    CHECK_EQ(s.after_errno, ECANCELED);
    CHECK_OK(nest_close(fds[0]));
    CHECK_OK(nest_close(fds[1]));
    return 0;
}

static void test_shield_defers_cancellation(void **state)
{
    (void)state;
    TU_RUN(main_shield, NULL, 0);
}

/* A wait_for inside a shield still expires (its own deadline). */
static int shielded_wait_for(void *arg)
{
    int *errno_out = arg;
    int result;
    errno = 0;
    int rc = nest_wait_for(body_sleep_10_return_9, NULL, 0, &result);
    *errno_out = rc == -1 ? errno : 0;
    return 0;
}

/* An expiring outer wait_for is cancellation too: a shield defers it. */
struct shield_in_scope {
    int sleep_rc;
    int after_errno;
};

static int shielded_sleep_100(void *arg)
{
    struct shield_in_scope *s = arg;
    s->sleep_rc = nest_sleep(100);
    return 0;
}

static int body_with_shield(void *arg)
{
    struct shield_in_scope *s = arg;
    int r;
    CHECK_OK(nest_shield(shielded_sleep_100, s, &r));
    errno = 0;
    s->after_errno = nest_yield() == 0 ? 0 : errno;
    return 0;
}

static int main_shield_scopes(void *arg)
{
    (void)arg;
    int inner_errno = -1, r = -1;
    CHECK_OK(nest_shield(shielded_wait_for, &inner_errno, &r));
    CHECK_EQ(inner_errno, ETIMEDOUT);
    struct shield_in_scope s = {-5, -1};
    int64_t start = nest_now();
    CHECK_ERR(nest_wait_for(body_with_shield, &s, 30, &r), ETIMEDOUT);
    CHECK_ELAPSED_GE(nest_now() - start, 100);
    CHECK_EQ(s.sleep_rc, 0);
    CHECK_EQ(s.after_errno, ECANCELED);
    return 0;
}

static void test_shield_and_scopes(void **state)
{
    (void)state;
    TU_RUN(main_shield_scopes, NULL, 0);
}

/* ---- a deadline in the past: try once ----------------------------------------------------- */

static int main_past_deadline(void *arg)
{
    (void)arg;
    int fds[2];
    if (tu_pipe(fds) != 0)
        return 1;
    char buf[8];
    int64_t start = nest_now();
    /* Nothing there: fails at once. */
    CHECK_ERR(nest_read(fds[0], buf, sizeof buf, 0), ETIMEDOUT);
    CHECK_ERR(nest_read(fds[0], buf, sizeof buf, nest_now() - 1000), ETIMEDOUT);
    CHECK_ERR(nest_wait_fd(fds[0], NEST_IN, 0), ETIMEDOUT);
    /* Ready: succeeds although the deadline passed. */
    CHECK_EQ(write(fds[1], "ab", 2), 2);
    CHECK_OK(nest_wait_fd(fds[0], NEST_IN, 0));
    CHECK_EQ(nest_read(fds[0], buf, sizeof buf, 0), 2);
    CHECK_EQ(nest_write(fds[1], "cd", 2, 0), 2);
    CHECK_EQ(nest_read(fds[0], buf, sizeof buf, nest_now() - 1000), 2);
    CHECK(memcmp(buf, "cd", 2) == 0);

    nest_sem *sem = nest_sem_open(1);
    nest_queue *q = nest_queue_open(1);
    CHECK(sem && q);
    CHECK_OK(nest_sem_acquire(sem, 0));
    CHECK_ERR(nest_sem_acquire(sem, 0), ETIMEDOUT);
    CHECK_OK(nest_queue_put(q, buf, 0));
    CHECK_ERR(nest_queue_put(q, buf, 0), ETIMEDOUT);
    void *item = NULL;
    CHECK_OK(nest_queue_get(q, &item, 0));
    CHECK(item == buf);
    CHECK_ERR(nest_queue_get(q, &item, 0), ETIMEDOUT);
    CHECK_ERR(nest_wait_shutdown(0), ETIMEDOUT);
    CHECK_INT(nest_now() - start, <, TU_MS(200)); /* nothing waited */
    nest_queue_task_done(q);
    nest_sem_release(sem);
    nest_sem_close(sem);
    nest_queue_close(q);
    CHECK_OK(nest_close(fds[0]));
    CHECK_OK(nest_close(fds[1]));
    return 0;
}

static void test_past_deadline_tries_once(void **state)
{
    (void)state;
    TU_RUN(main_past_deadline, NULL, 0);
}

/* ---- nest_sleep timing -------------------------------------------------------------------- */

static char wake_order[8];
static int wake_count;

static int sleep_and_log(void *arg)
{
    int ms = (int)(intptr_t)arg;
    if (nest_sleep(ms) != 0)
        return 1;
    wake_order[wake_count++] = (char)('0' + ms / 40);
    return 0;
}

static int main_sleep_timing(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        int64_t start = nest_now();
        CHECK_OK(nest_sleep(60));
        int64_t elapsed = nest_now() - start;
        CHECK_ELAPSED_GE(elapsed, 60);
        CHECK_INT(elapsed, <, 60 + TU_MS(200));
    }
    int64_t start = nest_now();
    CHECK_OK(nest_sleep(0));
    CHECK_INT(nest_now() - start, <, TU_MS(50));
    /* Sleepers wake in deadline order, not spawn order. */
    memset(wake_order, 0, sizeof wake_order);
    wake_count = 0;
    nest_task *t[3] = {
        nest_spawn(sleep_and_log, (void *)(intptr_t)120),
        nest_spawn(sleep_and_log, (void *)(intptr_t)40),
        nest_spawn(sleep_and_log, (void *)(intptr_t)80),
    };
    start = nest_now();
    for (int i = 0; i < 3; i++) {
        int r = -1;
        CHECK_OK(nest_join(t[i], NEST_FOREVER, &r));
        CHECK_EQ(r, 0);
    }
    CHECK_ELAPSED_GE(nest_now() - start, 120);
    CHECK(strcmp(wake_order, "123") == 0);
    /* nest_after and nest_now agree. */
    int64_t now = nest_now();
    nest_deadline d = nest_after(250);
    CHECK_INT(d - now, >=, 250);
    CHECK_INT(d - now, <=, 260);
    return 0;
}

static void test_sleep_timing(void **state)
{
    (void)state;
    TU_RUN(main_sleep_timing, NULL, 0);
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_wait_for_expiry),
        TU_TEST(test_wait_for_success_and_edge_cases),
        TU_TEST(test_nested_outer_deadline_earlier),
        TU_TEST(test_nested_inner_deadline_earlier),
        TU_TEST(test_call_deadline_vs_scope_deadline),
        TU_TEST(test_shield_defers_cancellation),
        TU_TEST(test_shield_and_scopes),
        TU_TEST(test_past_deadline_tries_once),
        TU_TEST(test_sleep_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
