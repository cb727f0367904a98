/*
 * test_io.c - fds as suspension points: cancellation while blocked in a
 * read, read(2)-like partial reads and EOF, nest_write writing everything
 * against a slow reader, read/write deadlines, TCP listen/connect/accept on
 * loopback (numeric and by name), ECONNREFUSED, and nest_close waking a task
 * blocked on the fd with EBADF.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

/* ---- cancel while blocked in nest_read ---------------------------------------------------- */

struct blocked_reader {
    int fd;
    int rc_errno;
    ssize_t rc;
};

static int read_forever(void *arg)
{
    struct blocked_reader *b = arg;
    char buf[16];
    errno = 0;
    b->rc = nest_read(b->fd, buf, sizeof buf, NEST_FOREVER);
    b->rc_errno = b->rc == -1 ? errno : 0;
    return 0;
}

static int cancel_blocked_read_on(int fds[2])
{
    struct blocked_reader b = {fds[0], -1, -5};
    nest_task *t = nest_spawn(read_forever, &b);
    if (!t)
        return 1;
    CHECK_OK(nest_sleep(20));
    CHECK_EQ(b.rc, -5); /* still blocked */
    int64_t start = nest_now();
    nest_cancel(t);
    int r = -1;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_INT(nest_now() - start, <, TU_MS(1000));
    CHECK_EQ(b.rc, -1);
    CHECK_EQ(b.rc_errno, ECANCELED);
    /* The fd still works for others afterwards. */
    CHECK_EQ(nest_write(fds[1], "hi", 2, nest_after(TU_MS(5000))), 2);
    char buf[4];
    CHECK_EQ(nest_read(fds[0], buf, sizeof buf, nest_after(TU_MS(5000))), 2);
    CHECK_OK(nest_close(fds[0]));
    CHECK_OK(nest_close(fds[1]));
    return 0;
}

static int main_cancel_read(void *arg)
{
    (void)arg;
    int fds[2];
    if (tu_pipe(fds) != 0)
        return 1;
    int rc = cancel_blocked_read_on(fds);
    if (tu_socketpair(fds) != 0)
        return 1;
    return rc | cancel_blocked_read_on(fds);
}

static void test_cancel_blocked_read(void **state)
{
    (void)state;
    TU_RUN(main_cancel_read, NULL, 0);
}

/* ---- partial reads and EOF ---------------------------------------------------------------- */

struct partial {
    int fds[2];
};

static int slow_writer(void *arg)
{
    struct partial *p = arg;
    CHECK_EQ(nest_write(p->fds[1], "hello", 5, nest_after(TU_MS(5000))), 5);
    CHECK_OK(nest_sleep(100));
    CHECK_EQ(nest_write(p->fds[1], "world!", 6, nest_after(TU_MS(5000))), 6);
    CHECK_OK(nest_sleep(20));
    CHECK_OK(nest_close(p->fds[1]));
    return 0;
}

static int partial_reads(int fds[2])
{
    struct partial p = {{fds[0], fds[1]}};
    nest_task *w = nest_spawn(slow_writer, &p);
    if (!w)
        return 1;
    char buf[100];
    int64_t start = nest_now();
    ssize_t n = nest_read(fds[0], buf, sizeof buf, nest_after(TU_MS(5000)));
    CHECK_EQ(n, 5); /* as soon as some bytes are there, not 100 */
    CHECK(n == 5 && memcmp(buf, "hello", 5) == 0);
    CHECK_INT(nest_now() - start, <, 100);
    n = nest_read(fds[0], buf, sizeof buf, nest_after(TU_MS(5000)));
    CHECK_EQ(n, 6);
    CHECK(n == 6 && memcmp(buf, "world!", 6) == 0);
    CHECK_EQ(nest_read(fds[0], buf, sizeof buf, nest_after(TU_MS(5000))), 0); /* EOF */
    CHECK_EQ(nest_read(fds[0], buf, sizeof buf, nest_after(TU_MS(5000))), 0); /* still */
    int r = -1;
    CHECK_OK(nest_join(w, NEST_FOREVER, &r));
    CHECK_OK(nest_close(fds[0]));
    return 0;
}

static int main_partial(void *arg)
{
    (void)arg;
    int fds[2];
    if (tu_pipe(fds) != 0)
        return 1;
    int rc = partial_reads(fds);
    if (tu_socketpair(fds) != 0)
        return 1;
    return rc | partial_reads(fds);
}

static void test_read_partial_and_eof(void **state)
{
    (void)state;
    TU_RUN(main_partial, NULL, 0);
}

/* ---- nest_write writes everything --------------------------------------------------------- */

#define BIG (4u << 20)

struct bulk {
    int fds[2];
    unsigned char *out;
    size_t received;
    int mismatch;
    ssize_t written;
    int reader_blocked_once;
};

static unsigned char pattern(size_t i)
{
    return (unsigned char)((i * 7u + (i >> 12)) & 0xff);
}

static int bulk_writer(void *arg)
{
    struct bulk *b = arg;
    b->written = nest_write(b->fds[0], b->out, BIG, nest_after(TU_MS(20000)));
    CHECK_OK(nest_close(b->fds[0]));
    return 0;
}

static int slow_reader(void *arg)
{
    struct bulk *b = arg;
    static unsigned char chunk[65536];
    int reads = 0;
    for (;;) {
        ssize_t n = nest_read(b->fds[1], chunk, sizeof chunk, nest_after(TU_MS(20000)));
        if (n < 0) {
            tu_fail(__FILE__, __LINE__, "read failed after %zu bytes: %s", b->received,
                    strerror(errno));
            return 1;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            if (chunk[i] != pattern(b->received + (size_t)i))
                b->mismatch++;
        b->received += (size_t)n;
        if (++reads % 8 == 0)
            CHECK_OK(nest_sleep(1)); /* drain slowly */
    }
    return 0;
}

static int main_bulk(void *arg)
{
    struct bulk *b = arg;
    if (tu_socketpair(b->fds) != 0)
        return 1;
    nest_task *w = nest_spawn(bulk_writer, b);
    nest_task *r = nest_spawn(slow_reader, b);
    int rr = -1;
    CHECK_OK(nest_join(w, NEST_FOREVER, &rr));
    CHECK_OK(nest_join(r, NEST_FOREVER, &rr));
    CHECK_EQ(rr, 0);
    CHECK_OK(nest_close(b->fds[1]));
    return 0;
}

static void test_write_all_to_slow_reader(void **state)
{
    (void)state;
    struct bulk b;
    memset(&b, 0, sizeof b);
    b.out = malloc(BIG);
    assert_non_null(b.out);
    for (size_t i = 0; i < BIG; i++)
        b.out[i] = pattern(i);
    TU_RUN(main_bulk, &b, 0);
    free(b.out);
    assert_int_equal(b.written, BIG);
    assert_int_equal(b.received, BIG);
    assert_int_equal(b.mismatch, 0);
}

/* ---- deadlines ---------------------------------------------------------------------------- */

static int main_deadlines(void *arg)
{
    (void)arg;
    int fds[2];
    if (tu_socketpair(fds) != 0)
        return 1;
    char buf[16];
    int64_t start = nest_now();
    CHECK_ERR(nest_read(fds[0], buf, sizeof buf, nest_after(50)), ETIMEDOUT);
    int64_t elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 50);
    CHECK_INT(elapsed, <, TU_MS(1000));
    /* Nobody reads: a big write times out. */
    size_t size = BIG;
    char *big = calloc(1, size);
    if (!big)
        return 1;
    start = nest_now();
    CHECK_ERR(nest_write(fds[0], big, size, nest_after(50)), ETIMEDOUT);
    elapsed = nest_now() - start;
    CHECK_ELAPSED_GE(elapsed, 50);
    CHECK_INT(elapsed, <, TU_MS(1000));
    free(big);
    CHECK_OK(nest_close(fds[0]));
    CHECK_OK(nest_close(fds[1]));
    return 0;
}

static void test_read_write_deadlines(void **state)
{
    (void)state;
    TU_RUN(main_deadlines, NULL, 0);
}

/* ---- TCP ---------------------------------------------------------------------------------- */

static int local_port(int fd)
{
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (getsockname(fd, (struct sockaddr *)&address, &length) != 0)
        return -1;
    if (address.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&address)->sin_port);
    if (address.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&address)->sin6_port);
    return -1;
}

struct server {
    int lfd;
    int accepted;
    int peer_is_loopback;
};

static int serve_one(void *arg)
{
    struct server *s = arg;
    struct sockaddr_in peer;
    socklen_t length = sizeof peer;
    memset(&peer, 0, sizeof peer);
    int fd = nest_accept(s->lfd, (struct sockaddr *)&peer, &length, nest_after(TU_MS(5000)));
    CHECK_INT(fd, >=, 0);
    if (fd < 0)
        return 1;
    s->accepted++;
    s->peer_is_loopback =
        peer.sin_family == AF_INET && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK);
    char buf[8];
    CHECK_EQ(nest_read(fd, buf, 4, nest_after(TU_MS(5000))), 4);
    CHECK(memcmp(buf, "ping", 4) == 0);
    CHECK_EQ(nest_write(fd, "pong", 4, nest_after(TU_MS(5000))), 4);
    CHECK_EQ(nest_read(fd, buf, sizeof buf, nest_after(TU_MS(5000))), 0); /* client closed */
    CHECK_OK(nest_close(fd));
    return 0;
}

static int round_trip(const char *host, int port)
{
    int fd = nest_tcp_connect(host, port, nest_after(TU_MS(5000)));
    if (fd < 0) {
        tu_fail(__FILE__, __LINE__, "nest_tcp_connect(%s, %d): %s", host, port, strerror(errno));
        return -1;
    }
    CHECK_EQ(nest_write(fd, "ping", 4, nest_after(TU_MS(5000))), 4);
    char buf[8];
    CHECK_EQ(nest_read(fd, buf, 4, nest_after(TU_MS(5000))), 4);
    CHECK(memcmp(buf, "pong", 4) == 0);
    CHECK_OK(nest_close(fd));
    return 0;
}

static int main_tcp(void *arg)
{
    const char *connect_host = arg;
    struct server s = {-1, 0, 0};
    s.lfd = nest_tcp_listen("127.0.0.1", 0, 16);
    CHECK_INT(s.lfd, >=, 0);
    if (s.lfd < 0)
        return 1;
    CHECK(fcntl(s.lfd, F_GETFL) & O_NONBLOCK);
    int port = local_port(s.lfd);
    CHECK_INT(port, >, 0);
    /* Nobody connects yet: accept times out. */
    CHECK_ERR(nest_accept(s.lfd, NULL, NULL, nest_after(30)), ETIMEDOUT);
    nest_task *server = nest_spawn(serve_one, &s);
    if (!server)
        return 1;
    round_trip(connect_host, port);
    int r = -1;
    CHECK_OK(nest_join(server, nest_after(TU_MS(5000)), &r));
    CHECK_EQ(r, 0);
    CHECK_EQ(s.accepted, 1);
    CHECK_EQ(s.peer_is_loopback, 1);
    CHECK_OK(nest_close(s.lfd));
    return 0;
}

static void test_tcp_round_trip_numeric(void **state)
{
    (void)state;
    TU_RUN(main_tcp, "127.0.0.1", 0);
}

static void test_tcp_connect_by_name(void **state)
{
    (void)state;
    TU_REQUIRE_THREADS(); /* the lookup runs on the thread pool */
    TU_RUN(main_tcp, "localhost", 0);
}

static int main_refused(void *arg)
{
    (void)arg;
    /* A bound but not listening socket: its port refuses connections. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_OK(bind(fd, (struct sockaddr *)&address, sizeof address));
    int port = local_port(fd);
    CHECK_INT(port, >, 0);
    int64_t start = nest_now();
    CHECK_ERR(nest_tcp_connect("127.0.0.1", port, nest_after(TU_MS(5000))), ECONNREFUSED);
    if (!tu_no_threads()) /* the lookup runs on the thread pool */
        CHECK_ERR(nest_tcp_connect("localhost", port, nest_after(TU_MS(5000))), ECONNREFUSED);
    CHECK_INT(nest_now() - start, <, TU_MS(2000));
    CHECK_ERR(nest_tcp_connect("127.0.0.1", 0, nest_after(100)), EINVAL);
    CHECK_ERR(nest_tcp_connect(NULL, port, nest_after(100)), EINVAL);
    close(fd);
    return 0;
}

static void test_connect_refused(void **state)
{
    (void)state;
    TU_RUN(main_refused, NULL, 0);
}

/* ---- nest_close wakes a blocked task with EBADF ------------------------------------------- */

static int main_close_wakes(void *arg)
{
    (void)arg;
    int fds[2];
    if (tu_pipe(fds) != 0)
        return 1;
    struct blocked_reader b = {fds[0], -1, -5};
    struct blocked_reader b2 = {fds[0], -1, -5};
    nest_task *t = nest_spawn(read_forever, &b);
    nest_task *t2 = nest_spawn(read_forever, &b2);
    if (!t || !t2)
        return 1;
    CHECK_OK(nest_sleep(20));
    CHECK_EQ(b.rc, -5);
    int64_t start = nest_now();
    CHECK_OK(nest_close(fds[0]));
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_OK(nest_join(t2, NEST_FOREVER, &r));
    CHECK_INT(nest_now() - start, <, TU_MS(1000));
    CHECK_EQ(b.rc, -1);
    CHECK_EQ(b.rc_errno, EBADF);
    CHECK_EQ(b2.rc, -1);
    CHECK_EQ(b2.rc_errno, EBADF);
    CHECK_OK(nest_close(fds[1]));
    /* The fd number gets reused by the next pipe: it must work normally. */
    if (tu_pipe(fds) != 0)
        return 1;
    CHECK_EQ(nest_write(fds[1], "x", 1, nest_after(TU_MS(5000))), 1);
    char c;
    CHECK_EQ(nest_read(fds[0], &c, 1, nest_after(TU_MS(5000))), 1);
    CHECK_ERR(nest_read(fds[0], &c, 1, nest_after(20)), ETIMEDOUT);
    CHECK_OK(nest_close(fds[0]));
    CHECK_OK(nest_close(fds[1]));
    return 0;
}

static void test_close_wakes_blocked_task_ebadf(void **state)
{
    (void)state;
    TU_RUN(main_close_wakes, NULL, 0);
}

/* ---- nest_wait_fd ------------------------------------------------------------------------- */

static int main_wait_fd(void *arg)
{
    (void)arg;
    int fds[2];
    if (tu_socketpair(fds) != 0)
        return 1;
    CHECK_OK(nest_wait_fd(fds[0], NEST_OUT, nest_after(TU_MS(1000))));
    CHECK_ERR(nest_wait_fd(fds[0], NEST_IN, nest_after(20)), ETIMEDOUT);
    CHECK_ERR(nest_wait_fd(fds[0], 0, nest_after(20)), EINVAL);
    CHECK_EQ(write(fds[1], "a", 1), 1);
    CHECK_OK(nest_wait_fd(fds[0], NEST_IN, nest_after(TU_MS(1000))));
    CHECK_OK(nest_wait_fd(fds[0], NEST_IN | NEST_OUT, nest_after(TU_MS(1000))));
    char c;
    CHECK_EQ(read(fds[0], &c, 1), 1); /* drained behind the loop's back */
    CHECK_ERR(nest_wait_fd(fds[0], NEST_IN, nest_after(20)), ETIMEDOUT);
    CHECK_OK(nest_close(fds[0]));
    CHECK_OK(nest_close(fds[1]));
    return 0;
}

static void test_wait_fd(void **state)
{
    (void)state;
    TU_RUN(main_wait_fd, NULL, 0);
}

/* ---- more read(2)/write(2) habits --------------------------------------------------------- */

struct blocked_accept {
    int lfd;
    int rc;
    int err;
};

static int accept_forever(void *arg)
{
    struct blocked_accept *b = arg;
    errno = 0;
    b->rc = nest_accept(b->lfd, NULL, NULL, NEST_FOREVER);
    b->err = errno;
    return 0;
}

static int main_misc(void *arg)
{
    (void)arg;
    /* Cancel while blocked in nest_accept. */
    struct blocked_accept b = {nest_tcp_listen("127.0.0.1", 0, 4), -5, 0};
    CHECK_INT(b.lfd, >=, 0);
    nest_task *t = nest_spawn(accept_forever, &b);
    CHECK_OK(nest_sleep(20));
    CHECK_EQ(b.rc, -5);
    nest_cancel(t);
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    CHECK_EQ(b.rc, -1);
    CHECK_EQ(b.err, ECANCELED);
    CHECK_OK(nest_close(b.lfd));

    /* A regular file is always ready: data, then 0 at its end. */
    char path[] = "/tmp/nest-test-file-XXXXXX";
    int fd = mkstemp(path);
    CHECK_INT(fd, >=, 0);
    if (fd < 0)
        return 1;
    unlink(path);
    CHECK_EQ(nest_write(fd, "file data", 9, nest_after(TU_MS(1000))), 9);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    char buf[32];
    CHECK_EQ(nest_read(fd, buf, sizeof buf, nest_after(TU_MS(1000))), 9);
    CHECK(memcmp(buf, "file data", 9) == 0);
    CHECK_EQ(nest_read(fd, buf, sizeof buf, nest_after(TU_MS(1000))), 0);
    CHECK_OK(nest_close(fd));

    /* Writing to a socket whose peer is gone fails with EPIPE (no SIGPIPE
     * killing the process). */
    int sv[2];
    if (tu_socketpair(sv) != 0)
        return 1;
    CHECK_OK(nest_close(sv[1]));
    CHECK_ERR(nest_write(sv[0], "x", 1, nest_after(TU_MS(1000))), EPIPE);
    CHECK_OK(nest_close(sv[0]));
    /* A bad fd: EBADF, as read(2) says. */
    CHECK_ERR(nest_read(sv[0], buf, 1, nest_after(100)), EBADF);
    return 0;
}

static void test_accept_cancel_regular_file_and_epipe(void **state)
{
    (void)state;
    TU_RUN(main_misc, NULL, 0);
}

/* A pipe made without O_NONBLOCK (like stdin): reading it must suspend the
 * task, not the loop, and the fd must be blocking again after nest_run. */
struct blocking_pipe {
    int fds[2];
    int ticks;
};

static int ticker(void *arg)
{
    struct blocking_pipe *pipe_state = arg;
    for (int i = 0; i < 5; i++) {
        if (nest_sleep(10) != 0)
            return 1;
        pipe_state->ticks++;
    }
    return nest_write(pipe_state->fds[1], "x", 1, nest_after(1000)) == 1 ? 0 : 2;
}

static int main_blocking_pipe(void *arg)
{
    struct blocking_pipe *pipe_state = arg;
    nest_task *task = nest_spawn(ticker, pipe_state);
    CHECK(task != NULL);
    char byte = 0;
    CHECK_EQ(nest_read(pipe_state->fds[0], &byte, 1, nest_after(5000)), 1);
    CHECK_EQ(byte, 'x');
    CHECK_EQ(pipe_state->ticks, 5); /* the ticker ran while we waited */
    int result = -1;
    CHECK_OK(nest_join(task, NEST_FOREVER, &result));
    CHECK_EQ(result, 0);
    return 0;
}

static void test_blocking_fd_suspends_task_not_loop(void **state)
{
    (void)state;
    struct blocking_pipe pipe_state = {.ticks = 0};
    assert_int_equal(pipe(pipe_state.fds), 0);
    TU_RUN(main_blocking_pipe, &pipe_state, 0);
    assert_int_equal(fcntl(pipe_state.fds[0], F_GETFL) & O_NONBLOCK, 0);
    assert_int_equal(fcntl(pipe_state.fds[1], F_GETFL) & O_NONBLOCK, 0);
    close(pipe_state.fds[0]);
    close(pipe_state.fds[1]);
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_cancel_blocked_read),
        TU_TEST(test_read_partial_and_eof),
        TU_TEST(test_write_all_to_slow_reader),
        TU_TEST(test_read_write_deadlines),
        TU_TEST(test_tcp_round_trip_numeric),
        TU_TEST(test_tcp_connect_by_name),
        TU_TEST(test_connect_refused),
        TU_TEST(test_close_wakes_blocked_task_ebadf),
        TU_TEST(test_wait_fd),
        TU_TEST(test_accept_cancel_regular_file_and_epipe),
        TU_TEST(test_blocking_fd_suspends_task_not_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
