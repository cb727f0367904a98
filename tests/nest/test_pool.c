/*
 * test_pool.c - the connection pool against a tiny accept server running in
 * the same loop: max_conns back-pressure, reuse of released connections
 * (same fd, no new connection on the server), non-reusable release closing
 * the fd, acquire deadlines, and failed connects not leaking a slot.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

/* ---- the server --------------------------------------------------------------------------- */

struct server {
    int lfd;
    int port;
    int accepted;
    int closed_by_peer;
    nest_group *connections;
    nest_task *acceptor;
};

struct connection {
    struct server *server;
    int fd;
};

static int handle_connection(void *arg)
{
    struct connection *c = arg;
    char buf[256];
    for (;;) {
        ssize_t n = nest_read(c->fd, buf, sizeof buf, NEST_FOREVER);
        if (n == 0) {
            c->server->closed_by_peer++;
            break;
        }
        if (n < 0)
            break; /* cancelled at shutdown */
    }
    nest_close(c->fd);
    free(c);
    return 0;
}

static int accept_loop(void *arg)
{
    struct server *s = arg;
    for (;;) {
        int fd = nest_accept(s->lfd, NULL, NULL, NEST_FOREVER);
        if (fd < 0)
            return 0; /* cancelled */
        s->accepted++;
        struct connection *c = malloc(sizeof *c);
        if (!c) {
            nest_close(fd);
            continue;
        }
        *c = (struct connection){s, fd};
        if (nest_group_spawn(s->connections, handle_connection, c) != 0) {
            nest_close(fd);
            free(c);
        }
    }
}

static int server_start(struct server *s)
{
    memset(s, 0, sizeof *s);
    s->lfd = nest_tcp_listen("127.0.0.1", 0, 64);
    if (s->lfd < 0)
        return -1;
    struct sockaddr_in address;
    socklen_t length = sizeof address;
    if (getsockname(s->lfd, (struct sockaddr *)&address, &length) != 0)
        return -1;
    s->port = ntohs(address.sin_port);
    s->connections = nest_group_open();
    s->acceptor = nest_spawn(accept_loop, s);
    return s->connections && s->acceptor ? 0 : -1;
}

static void server_stop(struct server *s)
{
    int r;
    nest_cancel(s->acceptor);
    CHECK_OK(nest_join(s->acceptor, NEST_FOREVER, &r));
    nest_group_close(s->connections);
    CHECK_OK(nest_close(s->lfd));
}

/* Waits until the server accepted `n` connections (the accept runs after
 * the client's connect completed), then a little more to see extra ones. */
static void settle(struct server *s, int n)
{
    for (int i = 0; i < 500 && s->accepted < n; i++)
        CHECK_OK(nest_sleep(2));
    CHECK_OK(nest_sleep(20));
}

/* ---- back-pressure ------------------------------------------------------------------------ */

struct third {
    nest_pool *pool;
    int fd;
    int err;
    int64_t got_at;
};

static int third_acquirer(void *arg)
{
    struct third *t = arg;
    errno = 0;
    t->fd = nest_pool_acquire(t->pool, nest_after(TU_MS(5000)));
    t->err = errno;
    t->got_at = nest_now();
    if (t->fd >= 0)
        nest_pool_release(t->pool, t->fd, 1);
    return 0;
}

static int main_back_pressure(void *arg)
{
    (void)arg;
    struct server s;
    if (server_start(&s) != 0)
        return 1;
    nest_pool *pool = nest_pool_open("127.0.0.1", s.port, 2);
    if (!pool)
        return 1;
    int a = nest_pool_acquire(pool, nest_after(TU_MS(5000)));
    int b = nest_pool_acquire(pool, nest_after(TU_MS(5000)));
    CHECK_INT(a, >=, 0);
    CHECK_INT(b, >=, 0);
    CHECK_INT(a, !=, b);
    struct third t = {pool, -5, 0, 0};
    nest_task *task = nest_spawn(third_acquirer, &t);
    CHECK_OK(nest_sleep(50));
    CHECK_EQ(t.fd, -5); /* waiting: two are out */
    int64_t released_at = nest_now();
    nest_pool_release(pool, a, 1);
    int r;
    CHECK_OK(nest_join(task, NEST_FOREVER, &r));
    CHECK_EQ(t.fd, a); /* the released connection, handed over */
    CHECK_INT(t.got_at - released_at, <, TU_MS(500));
    nest_pool_release(pool, b, 1);
    settle(&s, 2);
    CHECK_EQ(s.accepted, 2); /* max_conns connections, never more */
    nest_pool_close(pool);
    server_stop(&s);
    return 0;
}

static void test_back_pressure(void **state)
{
    (void)state;
    TU_RUN(main_back_pressure, NULL, 0);
}

/* ---- reuse -------------------------------------------------------------------------------- */

static int main_reuse(void *arg)
{
    (void)arg;
    struct server s;
    if (server_start(&s) != 0)
        return 1;
    nest_pool *pool = nest_pool_open("127.0.0.1", s.port, 2);
    if (!pool)
        return 1;
    int first = nest_pool_acquire(pool, nest_after(TU_MS(5000)));
    CHECK_INT(first, >=, 0);
    nest_pool_release(pool, first, 1);
    for (int i = 0; i < 20; i++) {
        int fd = nest_pool_acquire(pool, nest_after(TU_MS(5000)));
        CHECK_EQ(fd, first); /* the idle connection again */
        nest_pool_release(pool, fd, 1);
    }
    /* Two at a time, many cycles. */
    int fds[2] = {-1, -1};
    for (int i = 0; i < 30; i++) {
        fds[0] = nest_pool_acquire(pool, nest_after(TU_MS(5000)));
        fds[1] = nest_pool_acquire(pool, nest_after(TU_MS(5000)));
        CHECK_INT(fds[0], >=, 0);
        CHECK_INT(fds[1], >=, 0);
        CHECK_INT(fds[0], !=, fds[1]);
        /* The connections work. */
        CHECK_EQ(nest_write(fds[0], "x", 1, nest_after(TU_MS(5000))), 1);
        nest_pool_release(pool, fds[1], 1);
        nest_pool_release(pool, fds[0], 1);
    }
    settle(&s, 2);
    CHECK_EQ(s.accepted, 2);
    CHECK_EQ(s.closed_by_peer, 0);
    nest_pool_close(pool); /* closes the idle connections */
    for (int i = 0; i < 500 && s.closed_by_peer < 2; i++)
        CHECK_OK(nest_sleep(2));
    CHECK_EQ(s.closed_by_peer, 2);
    server_stop(&s);
    return 0;
}

static void test_reuse(void **state)
{
    (void)state;
    TU_RUN(main_reuse, NULL, 0);
}

/* ---- non-reusable release closes ---------------------------------------------------------- */

static int main_not_reusable(void *arg)
{
    (void)arg;
    struct server s;
    if (server_start(&s) != 0)
        return 1;
    nest_pool *pool = nest_pool_open("127.0.0.1", s.port, 1);
    if (!pool)
        return 1;
    int fd = nest_pool_acquire(pool, nest_after(TU_MS(5000)));
    CHECK_INT(fd, >=, 0);
    settle(&s, 1);
    nest_pool_release(pool, fd, 0);
    errno = 0;
    CHECK_EQ(fcntl(fd, F_GETFD), -1); /* closed */
    CHECK_EQ(errno, EBADF);
    for (int i = 0; i < 500 && s.closed_by_peer < 1; i++)
        CHECK_OK(nest_sleep(2));
    CHECK_EQ(s.closed_by_peer, 1);
    /* Its slot is free again: the next acquire connects anew. */
    int fd2 = nest_pool_acquire(pool, nest_after(TU_MS(5000)));
    CHECK_INT(fd2, >=, 0);
    settle(&s, 2);
    CHECK_EQ(s.accepted, 2);
    nest_pool_release(pool, fd2, 1);
    nest_pool_close(pool);
    server_stop(&s);
    return 0;
}

static void test_non_reusable_release_closes(void **state)
{
    (void)state;
    TU_RUN(main_not_reusable, NULL, 0);
}

/* ---- acquire deadline --------------------------------------------------------------------- */

static int main_acquire_deadline(void *arg)
{
    (void)arg;
    struct server s;
    if (server_start(&s) != 0)
        return 1;
    nest_pool *pool = nest_pool_open("127.0.0.1", s.port, 1);
    if (!pool)
        return 1;
    int fd = nest_pool_acquire(pool, nest_after(TU_MS(5000)));
    CHECK_INT(fd, >=, 0);
    int64_t start = nest_now();
    CHECK_ERR(nest_pool_acquire(pool, nest_after(50)), ETIMEDOUT);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 50);
    CHECK_INT(elapsed, <, TU_MS(1000));
    CHECK_ERR(nest_pool_acquire(pool, 0), ETIMEDOUT);
    /* The timed-out waiters left no claim: release, then acquire gets it. */
    nest_pool_release(pool, fd, 1);
    int again = nest_pool_acquire(pool, 0);
    CHECK_EQ(again, fd);
    nest_pool_release(pool, again, 1);
    nest_pool_close(pool);
    server_stop(&s);
    return 0;
}

static void test_acquire_deadline(void **state)
{
    (void)state;
    TU_RUN(main_acquire_deadline, NULL, 0);
}

/* ---- a failed connect does not keep its slot ---------------------------------------------- */

static int main_refused(void *arg)
{
    (void)arg;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_OK(bind(fd, (struct sockaddr *)&address, sizeof address));
    socklen_t length = sizeof address;
    CHECK_OK(getsockname(fd, (struct sockaddr *)&address, &length));
    nest_pool *pool = nest_pool_open("127.0.0.1", ntohs(address.sin_port), 1);
    if (!pool)
        return 1;
    for (int i = 0; i < 3; i++)
        CHECK_ERR(nest_pool_acquire(pool, nest_after(TU_MS(2000))), ECONNREFUSED);
    nest_pool_close(pool);
    close(fd);
    CHECK_NULL_ERR(nest_pool_open("127.0.0.1", 80, 0), EINVAL);
    return 0;
}

static void test_failed_connect_frees_slot(void **state)
{
    (void)state;
    TU_RUN(main_refused, NULL, 0);
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_back_pressure),
        TU_TEST(test_reuse),
        TU_TEST(test_non_reusable_release_closes),
        TU_TEST(test_acquire_deadline),
        TU_TEST(test_failed_connect_frees_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
