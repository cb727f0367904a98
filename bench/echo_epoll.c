/*
 * echo_epoll.c - plain-epoll TCP echo server: the no-runtime baseline.
 *
 * What: the least a single-threaded server can do per request, for
 * comparison with the nest and libuv echo servers under bench_echo_load.
 * One thread, level-triggered epoll; a readable connection gets one
 * read() of up to 64 KiB and the bytes are written straight back (a short
 * write keeps the rest and waits for EPOLLOUT). Each fd stays registered
 * for its whole life: one epoll_wait per batch of ready connections, one
 * read and one write per request, nothing else.
 *
 * Usage: bench_echo_epoll [PORT]   (default 7001; listens on 127.0.0.1)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536

struct conn {
    int fd;
    uint32_t registered;             /* EPOLLIN or EPOLLOUT */
    size_t pending_off, pending_len; /* unsent part of buf after a short write */
    char buf[BUF_SIZE];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void conn_close(int ep, struct conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 7001;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1024) != 0) {
        perror("echo_epoll: bind/listen");
        return 1;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);

    struct epoll_event events[256];
    while (!stop) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("echo_epoll: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) { /* the listener */
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct conn *nc = malloc(sizeof *nc);
                    if (!nc) {
                        close(fd);
                        continue;
                    }
                    nc->fd = fd;
                    nc->registered = EPOLLIN;
                    nc->pending_off = nc->pending_len = 0;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (c->pending_len == 0) {
                ssize_t r = read(c->fd, c->buf, BUF_SIZE);
                if (r < 0 && (errno == EAGAIN || errno == EINTR))
                    continue;
                if (r <= 0) {
                    conn_close(ep, c);
                    continue;
                }
                c->pending_off = 0;
                c->pending_len = (size_t)r;
            }
            ssize_t w = write(c->fd, c->buf + c->pending_off, c->pending_len);
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                conn_close(ep, c);
                continue;
            }
            if (w > 0) {
                c->pending_off += (size_t)w;
                c->pending_len -= (size_t)w;
            }
            /* Wait for room while a short write is pending, else for data. */
            uint32_t want = c->pending_len ? EPOLLOUT : EPOLLIN;
            if (want != c->registered) {
                struct epoll_event ev = {.events = want, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                c->registered = want;
            }
        }
    }
    close(ep);
    close(lfd);
    return 0;
}
