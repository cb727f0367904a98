/*
 * test_sem.c - the semaphore: permits, FIFO wake-up order, acquire
 * timeout, and cancellation of a waiter never losing a permit.
 */
#include "test_util.h"

/* ---- permits ------------------------------------------------------------------------------ */

static int main_permits(void *arg)
{
    (void)arg;
    nest_sem *s = nest_sem_open(2);
    if (!s)
        return 1;
    CHECK_OK(nest_sem_acquire(s, 0));
    CHECK_OK(nest_sem_acquire(s, nest_after(1000)));
    CHECK_ERR(nest_sem_acquire(s, 0), ETIMEDOUT);
    nest_sem_release(s);
    CHECK_OK(nest_sem_acquire(s, 0));
    CHECK_ERR(nest_sem_acquire(s, 0), ETIMEDOUT);
    nest_sem_release(s);
    nest_sem_release(s);
    /* Back to two, not more. */
    CHECK_OK(nest_sem_acquire(s, 0));
    CHECK_OK(nest_sem_acquire(s, 0));
    CHECK_ERR(nest_sem_acquire(s, 0), ETIMEDOUT);
    nest_sem_release(s);
    nest_sem_release(s);
    nest_sem_close(s);

    nest_sem *zero = nest_sem_open(0);
    CHECK(zero != NULL);
    CHECK_ERR(nest_sem_acquire(zero, 0), ETIMEDOUT);
    nest_sem_close(zero);
    CHECK_NULL_ERR(nest_sem_open(-1), EINVAL);
    CHECK_ERR(nest_sem_acquire(NULL, 0), EINVAL);
    return 0;
}

static void test_permits(void **state)
{
    (void)state;
    TU_RUN(main_permits, NULL, 0);
}

/* Concurrency never exceeds the permits. */
struct bounded {
    nest_sem *sem;
    int inside;
    int max_inside;
    int done;
};

static int bounded_worker(void *arg)
{
    struct bounded *b = arg;
    if (nest_sem_acquire(b->sem, nest_after(TU_MS(10000))) != 0)
        return 1;
    b->inside++;
    if (b->inside > b->max_inside)
        b->max_inside = b->inside;
    int rc = nest_sleep(5);
    b->inside--;
    nest_sem_release(b->sem);
    b->done++;
    return rc;
}

static int main_bounded_concurrency(void *arg)
{
    (void)arg;
    struct bounded b = {nest_sem_open(3), 0, 0, 0};
    if (!b.sem)
        return 1;
    nest_group *g = nest_group_open();
    if (!g)
        return 1;
    for (int i = 0; i < 20; i++)
        CHECK_OK(nest_group_spawn(g, bounded_worker, &b));
    CHECK_OK(nest_group_wait(g, nest_after(TU_MS(10000))));
    nest_group_close(g);
    CHECK_EQ(b.done, 20);
    CHECK_EQ(b.max_inside, 3);
    nest_sem_close(b.sem);
    return 0;
}

static void test_bounded_concurrency(void **state)
{
    (void)state;
    TU_RUN(main_bounded_concurrency, NULL, 0);
}

/* ---- FIFO wake ---------------------------------------------------------------------------- */

struct fifo {
    nest_sem *sem;
    char log[8];
    int count;
};

struct fifo_arg {
    struct fifo *f;
    char id;
};

static int fifo_waiter(void *arg)
{
    struct fifo_arg *a = arg;
    if (nest_sem_acquire(a->f->sem, nest_after(TU_MS(10000))) != 0)
        return 1;
    a->f->log[a->f->count++] = a->id;
    return 0; /* keeps the permit */
}

static int main_fifo(void *arg)
{
    (void)arg;
    struct fifo f;
    memset(&f, 0, sizeof f);
    f.sem = nest_sem_open(0);
    if (!f.sem)
        return 1;
    struct fifo_arg args[4] = {{&f, 'A'}, {&f, 'B'}, {&f, 'C'}, {&f, 'D'}};
    nest_task *t[4];
    /* Queue them up in a known order: each parks before the next starts. */
    for (int i = 0; i < 4; i++) {
        t[i] = nest_spawn(fifo_waiter, &args[i]);
        CHECK_OK(nest_sleep(2));
    }
    CHECK_EQ(f.count, 0);
    for (int i = 0; i < 4; i++) {
        nest_sem_release(f.sem);
        CHECK_OK(nest_sleep(5));
        CHECK_EQ(f.count, i + 1); /* one permit wakes exactly one */
    }
    CHECK(strcmp(f.log, "ABCD") == 0);
    for (int i = 0; i < 4; i++) {
        int r = -1;
        CHECK_OK(nest_join(t[i], NEST_FOREVER, &r));
        CHECK_EQ(r, 0);
    }
    CHECK_ERR(nest_sem_acquire(f.sem, 0), ETIMEDOUT);
    nest_sem_close(f.sem);
    return 0;
}

static void test_fifo_wake(void **state)
{
    (void)state;
    TU_RUN(main_fifo, NULL, 0);
}

/* ---- acquire timeout ---------------------------------------------------------------------- */

static int main_timeout(void *arg)
{
    (void)arg;
    nest_sem *s = nest_sem_open(0);
    if (!s)
        return 1;
    int64_t start = nest_now();
    CHECK_ERR(nest_sem_acquire(s, nest_after(50)), ETIMEDOUT);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 50);
    CHECK_INT(elapsed, <, TU_MS(1000));
    /* The timed-out waiter is gone: a release is a free permit again. */
    nest_sem_release(s);
    CHECK_OK(nest_sem_acquire(s, 0));
    CHECK_ERR(nest_sem_acquire(s, 0), ETIMEDOUT);
    nest_sem_close(s);
    return 0;
}

static void test_acquire_timeout(void **state)
{
    (void)state;
    TU_RUN(main_timeout, NULL, 0);
}

/* ---- cancel while waiting loses no permit ------------------------------------------------- */

struct holder {
    nest_sem *sem;
    int rc;
    int err;
    int released;
};

static int acquire_and_release(void *arg)
{
    struct holder *h = arg;
    errno = 0;
    h->rc = nest_sem_acquire(h->sem, nest_after(TU_MS(5000)));
    h->err = errno;
    if (h->rc == 0) {
        nest_sem_release(h->sem); /* a cancelled task can always release */
        h->released = 1;
    }
    return 0;
}

/* order 0: cancel, then release; order 1: release (waking A), then cancel. */
static int cancel_case(int order)
{
    nest_sem *s = nest_sem_open(0);
    if (!s)
        return 1;
    struct holder a = {s, -5, 0, 0}, b = {s, -5, 0, 0};
    nest_task *ta = nest_spawn(acquire_and_release, &a);
    CHECK_OK(nest_sleep(2));
    nest_task *tb = nest_spawn(acquire_and_release, &b);
    CHECK_OK(nest_sleep(2));
    if (order == 0) {
        nest_cancel(ta);
        nest_sem_release(s);
    } else {
        nest_sem_release(s);
        nest_cancel(ta);
    }
    int r;
    CHECK_OK(nest_join(ta, NEST_FOREVER, &r));
    CHECK_OK(nest_join(tb, NEST_FOREVER, &r));
    if (order == 0) {
        CHECK_EQ(a.rc, -1);
        CHECK_EQ(a.err, ECANCELED);
    }
    /* Whoever got it gave it back: B got a permit, one permit is left. */
    CHECK_EQ(b.rc, 0);
    CHECK_EQ(b.released, 1);
    CHECK_OK(nest_sem_acquire(s, 0));
    CHECK_ERR(nest_sem_acquire(s, 0), ETIMEDOUT);
    nest_sem_release(s);
    nest_sem_close(s);
    return 0;
}

static int main_cancel_waiting(void *arg)
{
    (void)arg;
    return cancel_case(0) | cancel_case(1);
}

static void test_cancel_while_waiting_keeps_permit(void **state)
{
    (void)state;
    TU_RUN(main_cancel_waiting, NULL, 0);
}

/* Close wakes waiters with EPIPE. */
static int main_close(void *arg)
{
    (void)arg;
    nest_sem *s = nest_sem_open(0);
    if (!s)
        return 1;
    struct holder a = {s, -5, 0, 0};
    nest_task *t = nest_spawn(acquire_and_release, &a);
    CHECK_OK(nest_sleep(10));
    nest_sem_close(s);
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(a.rc, -1);
    CHECK_EQ(a.err, EPIPE);
    return 0;
}

static void test_close_wakes_waiters(void **state)
{
    (void)state;
    TU_RUN(main_close, NULL, 0);
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_permits),
        TU_TEST(test_bounded_concurrency),
        TU_TEST(test_fifo_wake),
        TU_TEST(test_acquire_timeout),
        TU_TEST(test_cancel_while_waiting_keeps_permit),
        TU_TEST(test_close_wakes_waiters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
