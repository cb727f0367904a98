/*
 * echo_load.c - load client for the TCP echo benchmarks.
 *
 * What: opens C connections (default 100) to HOST:PORT; on each, sends a
 * S-byte message (default 64) and waits until the S-byte echo is back,
 * then sends the next one (one request in flight per connection, no
 * pipelining). One thread, level-triggered epoll, TCP_NODELAY. After a
 * warm-up (default 0.5 s) it counts completed round trips for T seconds
 * (default 5) and prints requests/s and the mean round-trip time implied
 * by it (C / rate). With -p PID it also reads the server's CPU time from
 * /proc/PID/stat over the same interval and prints the server's CPU use
 * and CPU microseconds per request: when the client saturates its core
 * before the server does, that figure still compares servers.
 * The same client drives every server (nest, libuv, plain epoll).
 *
 * Usage: bench_echo_load [-c C] [-t T] [-s S] [-w W] [-p PID] [HOST] PORT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "bench_util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
    int fd;
    size_t got; /* bytes of the current echo received */
};

static double cpu_seconds_of(long pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* comm may contain spaces */
    if (!p)
        return -1;
    unsigned long utime = 0, stime = 0;
    /* after ')': state(3) ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime(14) stime(15) */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double own_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int connect_retry(const struct addrinfo *ai, int64_t give_up_ns)
{
    for (;;) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            return -1;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            return fd;
        int err = errno;
        close(fd);
        if ((err != ECONNREFUSED && err != EAGAIN) || bench_now_ns() > give_up_ns) {
            errno = err;
            return -1;
        }
        usleep(20000); /* the server may still be starting */
    }
}

int main(int argc, char **argv)
{
    long conns = 100, size = 64, server_pid = 0;
    double seconds = 5, warmup = 0.5;
    int opt;
    while ((opt = getopt(argc, argv, "c:t:s:w:p:")) != -1) {
        switch (opt) {
        case 'c':
            conns = bench_parse_count(optarg, "connections");
            break;
        case 't':
            seconds = atof(optarg);
            break;
        case 's':
            size = bench_parse_count(optarg, "message size");
            break;
        case 'w':
            warmup = atof(optarg);
            break;
        case 'p':
            server_pid = bench_parse_count(optarg, "pid");
            break;
        default:
            fprintf(stderr, "usage: %s [-c C] [-t T] [-s S] [-w W] [-p PID] [HOST] PORT\n",
                    argv[0]);
            return 2;
        }
    }
    if (optind >= argc || seconds <= 0 || size > 65536) {
        fprintf(stderr, "usage: %s [-c C] [-t T] [-s S] [-w W] [-p PID] [HOST] PORT\n", argv[0]);
        return 2;
    }
    const char *host = argc - optind >= 2 ? argv[optind] : "127.0.0.1";
    const char *port = argv[argc - 1];

    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "echo_load: %s:%s: %s\n", host, port, gai_strerror(gai));
        return 1;
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct conn *cs = calloc((size_t)conns, sizeof *cs);
    char *msg = malloc((size_t)size), *buf = malloc((size_t)size);
    if (ep < 0 || !cs || !msg || !buf) {
        perror("echo_load: setup");
        return 1;
    }
    memset(msg, 'x', (size_t)size);

    int64_t give_up = bench_now_ns() + 5 * (int64_t)1000000000;
    for (long i = 0; i < conns; i++) {
        int fd = connect_retry(ai, give_up);
        if (fd < 0) {
            fprintf(stderr, "echo_load: connect #%ld to %s:%s: %s\n", i + 1, host, port,
                    strerror(errno));
            return 1;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        cs[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            perror("echo_load: epoll_ctl");
            return 1;
        }
    }
    freeaddrinfo(ai);

    for (long i = 0; i < conns; i++) {
        if (write(cs[i].fd, msg, (size_t)size) != size) {
            perror("echo_load: write");
            return 1;
        }
    }

    int64_t start = bench_now_ns();
    int64_t measure_from = start + (int64_t)(warmup * 1e9);
    int64_t measure_to = measure_from + (int64_t)(seconds * 1e9);
    int measuring = 0;
    long long done = 0;
    double srv_cpu0 = 0, own_cpu0 = 0;
    int64_t t_begin = 0;
    struct epoll_event events[256];
    for (;;) {
        int64_t now = bench_now_ns();
        if (!measuring && now >= measure_from) {
            measuring = 1;
            done = 0;
            t_begin = now;
            srv_cpu0 = server_pid ? cpu_seconds_of(server_pid) : 0;
            own_cpu0 = own_cpu_seconds();
        }
        if (measuring && now >= measure_to)
            break;
        int n = epoll_wait(ep, events, 256, 100);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("echo_load: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            ssize_t r = read(c->fd, buf, (size_t)size - c->got);
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (r <= 0) {
                fprintf(stderr, "echo_load: connection %ld: %s\n", (long)(c - cs),
                        r == 0 ? "closed by the server" : strerror(errno));
                return 1;
            }
            c->got += (size_t)r;
            if (c->got < (size_t)size)
                continue;
            c->got = 0;
            done++;
            if (write(c->fd, msg, (size_t)size) != size) {
                perror("echo_load: write");
                return 1;
            }
        }
    }
    int64_t t_end = bench_now_ns();
    double elapsed = (double)(t_end - t_begin) / 1e9;
    double rate = (double)done / elapsed;
    double own_cpu = own_cpu_seconds() - own_cpu0;
    printf("echo_load: %ld connections, %ld-byte messages, %.1f s: %.0f requests/s "
           "(mean round trip %.1f us; client CPU %.0f%%",
           conns, size, elapsed, rate, (double)conns / rate * 1e6, own_cpu / elapsed * 100);
    if (server_pid) {
        double srv_cpu = cpu_seconds_of(server_pid) - srv_cpu0;
        if (srv_cpu0 >= 0 && srv_cpu >= 0)
            printf("; server CPU %.0f%% = %.2f us/request", srv_cpu / elapsed * 100,
                   srv_cpu / (double)done * 1e6);
    }
    printf(")\n");
    for (long i = 0; i < conns; i++)
        close(cs[i].fd);
    close(ep);
    free(cs);
    free(msg);
    free(buf);
    return 0;
}
