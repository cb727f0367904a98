/*
 * echo_nest.c - nest TCP echo server, the subject of the TCP benchmark.
 *
 * What: the structure of examples/echo_server.c, kept here so the
 * benchmark does not depend on the example's command line: an accept loop
 * bounded by a semaphore of MAX_CONNS permits, one task per connection in
 * a task group, a deadline on every read and write, graceful shutdown on
 * SIGINT/SIGTERM. Each connection task reads what is available
 * (nest_read, up to 4 KiB) and writes it back (nest_write), so every
 * request costs whatever nest's read-or-park and write paths cost:
 * bench_echo_load measures requests/s against bench_echo_uv (libuv) and
 * bench_echo_epoll (no runtime) with the same client.
 *
 * Usage: bench_echo_nest [PORT]   (default 7000; listens on 127.0.0.1)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "nest.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONNS        4096
#define IDLE_TIMEOUT_MS  60000 /* a client silent this long is dropped */
#define WRITE_TIMEOUT_MS 10000 /* a client not reading this long is dropped */

struct server {
    int port;
    int lfd;
    nest_sem *slots;   /* one permit per open connection */
    nest_group *conns; /* the connection tasks */
};

static struct server server;

/* One connection: echo until EOF, an error, a deadline or cancellation.
 * Always returns 0: one client's trouble must not fail the group (which
 * would cancel every other connection). */
static int serve_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[4096];
    for (;;) {
        ssize_t n = nest_read(fd, buf, sizeof buf, nest_after(IDLE_TIMEOUT_MS));
        if (n <= 0)
            break; /* EOF, ETIMEDOUT, ECANCELED (shutdown) or a socket error */
        if (nest_write(fd, buf, (size_t)n, nest_after(WRITE_TIMEOUT_MS)) < 0)
            break;
    }
    nest_close(fd);
    nest_sem_release(server.slots);
    return 0;
}

/* Accepts connections while permits are available; ends when cancelled. */
static int accept_loop(void *arg)
{
    (void)arg;
    for (;;) {
        if (nest_sem_acquire(server.slots, NEST_FOREVER) != 0)
            return errno == ECANCELED ? 0 : 1;
        int fd = nest_accept(server.lfd, NULL, NULL, NEST_FOREVER);
        if (fd < 0) {
            int err = errno;
            nest_sem_release(server.slots);
            if (err == ECANCELED)
                return 0;
            fprintf(stderr, "echo_nest: accept: %s\n", strerror(err));
            if (nest_sleep(100) != 0) /* EMFILE and friends: back off */
                return 0;
            continue;
        }
        if (nest_group_spawn(server.conns, serve_conn, (void *)(intptr_t)fd) != 0) {
            nest_close(fd);
            nest_sem_release(server.slots);
        }
    }
}

static int server_main(void *arg)
{
    (void)arg;
    int rc = 1;
    server.lfd = nest_tcp_listen("127.0.0.1", server.port, 1024);
    if (server.lfd < 0) {
        fprintf(stderr, "echo_nest: listen on port %d: %s\n", server.port, strerror(errno));
        return 1;
    }
    server.slots = nest_sem_open(MAX_CONNS);
    if (!server.slots)
        goto close_listener;
    server.conns = nest_group_open();
    if (!server.conns)
        goto close_slots;
    nest_task *acceptor = nest_spawn(accept_loop, NULL);
    if (!acceptor)
        goto close_group;

    nest_wait_shutdown(NEST_FOREVER); /* SIGINT/SIGTERM */

    nest_cancel(acceptor);
    int accept_rc = 0;
    nest_join(acceptor, NEST_FOREVER, &accept_rc);
    rc = accept_rc;
close_group:
    nest_group_close(server.conns); /* cancels open connections, waits */
close_slots:
    nest_sem_close(server.slots);
close_listener:
    nest_close(server.lfd);
    return rc;
}

int main(int argc, char **argv)
{
    server.port = argc > 1 ? atoi(argv[1]) : 7000;
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-write costs an EPIPE, not the process */
    int rc = nest_run(server_main, NULL, NULL);
    if (rc == -1 && errno)
        fprintf(stderr, "echo_nest: %s\n", strerror(errno));
    return rc == 0 ? 0 : 1;
}
