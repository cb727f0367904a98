/*
 * io.c - fds as suspension points: wait, read, write, accept, listen,
 * connect, close.
 *
 * Every fd the loop waits on is registered with epoll once, edge-triggered
 * for both directions, and stays registered until nest_close. The loop
 * remembers per fd whether an edge has been seen since the last EAGAIN
 * (readable / writable), so a read first tries the system call and parks
 * only on EAGAIN, and after a short read from a socket it parks directly:
 * the kernel queues a new edge for any data that arrives after that read.
 * That keeps the system calls per request at libuv's count (read + write,
 * plus a share of epoll_wait) instead of re-arming the fd on every wait.
 * Peer hang-up and errors are sticky, so a reader never waits for an edge
 * that already went by.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the fd table ------------------------------------------------------- */

static struct nest_fd_state *table_slot(struct nest_fd_table *table, int fd)
{
    if ((size_t)fd >= table->capacity) {
        size_t capacity = table->capacity ? table->capacity : 64;
        while (capacity <= (size_t)fd)
            capacity *= 2;
        struct nest_fd_state **grown = realloc(table->states, capacity * sizeof *grown);
        if (grown == NULL)
            return NULL;
        memset(grown + table->capacity, 0, (capacity - table->capacity) * sizeof *grown);
        table->states = grown;
        table->capacity = capacity;
    }
    if (table->states[fd] == NULL)
        table->states[fd] = calloc(1, sizeof *table->states[fd]);
    return table->states[fd];
}

/* The loop never blocks in a system call on an fd: one that is not yet
 * non-blocking (stdin, a pipe or socketpair made without the flag) is
 * switched, and switched back when the loop ends, because the file
 * description may be shared with a shell that expects blocking I/O. */
static int classify(struct nest_fd_state *state, int fd)
{
    struct stat info;
    if (fstat(fd, &info) != 0)
        return -1; /* EBADF */
    state->known = true;
    state->is_socket = S_ISSOCK(info.st_mode);
    state->not_pollable = S_ISREG(info.st_mode) || S_ISDIR(info.st_mode);
    state->readable = state->writable = true; /* unknown: try first */
    if (state->not_pollable)
        return 0;
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0)
        state->made_nonblocking = true;
    return 0;
}

static struct nest_fd_state *fd_state(struct nest_loop *loop, int fd)
{
    if (fd < 0) {
        errno = EBADF;
        return NULL;
    }
    struct nest_fd_state *state = table_slot(&loop->fds, fd);
    if (state == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    if (!state->known && classify(state, fd) != 0)
        return NULL;
    return state;
}

static void wake_fd_waiters(struct nest_fd_state *state)
{
    struct nest_waiter *waiter = state->waiters.head;
    while (waiter != NULL) {
        struct nest_waiter *next = waiter->next;
        if (((waiter->events & NEST_IN) && state->readable) ||
            ((waiter->events & NEST_OUT) && state->writable))
            nest__wake(waiter, 0);
        waiter = next;
    }
}

void nest__fd_event(struct nest_fd_table *table, int fd, uint32_t events)
{
    if (fd < 0 || (size_t)fd >= table->capacity || table->states[fd] == NULL)
        return;
    struct nest_fd_state *state = table->states[fd];
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        state->hangup = true;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        state->readable = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
        state->writable = true;
    wake_fd_waiters(state);
}

void nest__fds_destroy(struct nest_fd_table *table)
{
    for (size_t fd = 0; fd < table->capacity; fd++) {
        struct nest_fd_state *state = table->states[fd];
        if (state == NULL)
            continue;
        if (state->made_nonblocking) {
            int flags = fcntl((int)fd, F_GETFL);
            if (flags >= 0)
                (void)fcntl((int)fd, F_SETFL, flags & ~O_NONBLOCK);
        }
        free(state);
    }
    free(table->states);
    table->states = NULL;
    table->capacity = 0;
}

static int ensure_registered(struct nest_loop *loop, int fd, struct nest_fd_state *state)
{
    if (state->registered || state->not_pollable)
        return 0;
    struct epoll_event event = {
        .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
        .data.fd = fd,
    };
    int op = EPOLL_CTL_ADD;
    while (epoll_ctl(loop->epoll_fd, op, fd, &event) != 0) {
        if (errno == EPERM) { /* regular file, /dev/null...: always ready */
            state->not_pollable = true;
            return 0;
        }
        if (errno != EEXIST || op == EPOLL_CTL_MOD)
            return -1;
        op = EPOLL_CTL_MOD; /* left registered by an earlier owner of the number */
    }
    state->registered = true;
    return 0;
}

/* Parks until the fd is ready for `events` (as far as the loop knows). */
static int wait_ready(struct nest_loop *loop, int fd, struct nest_fd_state *state, int events,
                      nest_deadline deadline)
{
    if (ensure_registered(loop, fd, state) != 0)
        return -1;
    if (state->not_pollable || ((events & NEST_IN) && state->readable) ||
        ((events & NEST_OUT) && state->writable))
        return 0;
    struct nest_waiter waiter;
    nest__waiter_init(&waiter, NEST_WAIT_FD, NULL);
    waiter.fd = fd;
    waiter.events = events;
    nest__wait_list_push(&state->waiters, &waiter);
    return nest__park(&waiter, deadline, true);
}

/* The loop's knowledge is about edges it consumed; a caller of the public
 * nest_wait_fd may have drained the fd itself since, so ask the kernel. */
int nest_wait_fd(int fd, int events, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    if (events == 0 || (events & ~(NEST_IN | NEST_OUT)) != 0) {
        errno = EINVAL;
        return -1;
    }
    struct nest_loop *loop = nest__loop();
    struct nest_fd_state *state = fd_state(loop, fd);
    if (state == NULL)
        return -1;
    struct pollfd probe = {.fd = fd,
                           .events = (short)(((events & NEST_IN) ? POLLIN : 0) |
                                             ((events & NEST_OUT) ? POLLOUT : 0))};
    if (poll(&probe, 1, 0) > 0)
        return 0;
    if (events & NEST_IN)
        state->readable = state->hangup;
    if (events & NEST_OUT)
        state->writable = false;
    return wait_ready(loop, fd, state, events, deadline);
}

/* ---- reading and writing ------------------------------------------------------- */

/* "A deadline already in the past means try once": below, the system call
 * is attempted even when the loop has seen no edge since the last EAGAIN. */

ssize_t nest_read(int fd, void *buf, size_t n, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    struct nest_loop *loop = nest__loop();
    struct nest_fd_state *state = fd_state(loop, fd);
    if (state == NULL)
        return -1;
    for (;;) {
        if (state->readable || state->not_pollable || nest__deadline_passed(deadline)) {
            ssize_t got = read(fd, buf, n);
            if (got > 0) {
                /* A short read drained the socket; more data means a new edge. */
                if ((size_t)got < n && state->is_socket && state->registered && !state->hangup)
                    state->readable = false;
                return got;
            }
            if (got == 0)
                return 0;
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return -1;
            state->readable = state->hangup;
        }
        if (wait_ready(loop, fd, state, NEST_IN, deadline) != 0)
            return -1;
    }
}

static ssize_t write_some(const struct nest_fd_state *state, int fd, const char *data, size_t n)
{
    if (state->is_socket)
        return send(fd, data, n, MSG_NOSIGNAL); /* EPIPE, not a SIGPIPE */
    return write(fd, data, n);
}

ssize_t nest_write(int fd, const void *buf, size_t n, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    struct nest_loop *loop = nest__loop();
    struct nest_fd_state *state = fd_state(loop, fd);
    if (state == NULL)
        return -1;
    const char *data = buf;
    size_t written = 0;
    while (written < n) {
        if (state->writable || state->not_pollable || nest__deadline_passed(deadline)) {
            ssize_t wrote = write_some(state, fd, data + written, n - written);
            if (wrote >= 0) {
                written += (size_t)wrote;
                continue;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return -1;
            state->writable = false;
        }
        if (wait_ready(loop, fd, state, NEST_OUT, deadline) != 0)
            return -1;
    }
    return (ssize_t)n;
}

int nest_accept(int listen_fd, struct sockaddr *addr, socklen_t *len, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    struct nest_loop *loop = nest__loop();
    struct nest_fd_state *state = fd_state(loop, listen_fd);
    if (state == NULL)
        return -1;
    for (;;) {
        if (state->readable || nest__deadline_passed(deadline)) {
            int fd = accept4(listen_fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0)
                return fd;
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return -1;
            state->readable = false;
        }
        if (wait_ready(loop, listen_fd, state, NEST_IN, deadline) != 0)
            return -1;
    }
}

int nest_close(int fd)
{
    struct nest_loop *loop = nest__loop();
    if (loop != NULL && fd >= 0 && (size_t)fd < loop->fds.capacity &&
        loop->fds.states[fd] != NULL) {
        struct nest_fd_state *state = loop->fds.states[fd];
        struct nest_waiter *waiter;
        while ((waiter = state->waiters.head) != NULL)
            nest__wake(waiter, EBADF);
        if (state->registered)
            (void)epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        memset(state, 0, sizeof *state);
    }
    return close(fd);
}

/* ---- TCP ---------------------------------------------------------------------- */

static int numeric_addresses(const char *host, int port, int flags, struct addrinfo **found)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = flags | AI_NUMERICSERV};
    return getaddrinfo(host, service, &hints, found);
}

static int set_error_from_gai(int gai_error)
{
    if (gai_error == EAI_SYSTEM)
        return -1;
    if (gai_error == EAI_MEMORY)
        errno = ENOMEM;
    else if (gai_error == EAI_AGAIN)
        errno = EAGAIN;
    else
        errno = ENOENT;
    return -1;
}

int nest_tcp_listen(const char *host, int port, int backlog)
{
    if (port < 0 || port > 65535) {
        errno = EINVAL;
        return -1;
    }
    if (host != NULL && (host[0] == '\0' || strcmp(host, "*") == 0))
        host = NULL;
    struct addrinfo *found = NULL;
    /* A listening address is configuration, resolved once at start-up. */
    int gai_error = numeric_addresses(host, port, AI_PASSIVE, &found);
    if (gai_error != 0)
        return set_error_from_gai(gai_error);
    int fd = -1;
    int error = EADDRNOTAVAIL;
    for (struct addrinfo *address = found; address != NULL; address = address->ai_next) {
        fd = socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    address->ai_protocol);
        if (fd < 0) {
            error = errno;
            continue;
        }
        int on = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (bind(fd, address->ai_addr, address->ai_addrlen) == 0 &&
            listen(fd, backlog > 0 ? backlog : SOMAXCONN) == 0)
            break;
        error = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd < 0)
        errno = error;
    return fd;
}

/* A name lookup handed to the thread pool. The caller may give up (deadline,
 * cancellation) while getaddrinfo still runs, so the request lives on the
 * heap and whichever side finishes last frees it. */
struct lookup {
    atomic_int references;
    char *host;
    int port;
    int gai_error;
    struct addrinfo *found;
};

static void lookup_free(struct lookup *lookup)
{
    if (lookup->found != NULL)
        freeaddrinfo(lookup->found);
    free(lookup->host);
    free(lookup);
}

static void lookup_unref(struct lookup *lookup)
{
    if (atomic_fetch_sub(&lookup->references, 1) == 1)
        lookup_free(lookup);
}

static int lookup_run(void *arg)
{
    struct lookup *lookup = arg;
    lookup->gai_error = numeric_addresses(lookup->host, lookup->port, AI_ADDRCONFIG,
                                          &lookup->found);
    lookup_unref(lookup);
    return 0;
}

/* Resolves without blocking the loop: numeric addresses directly, names on
 * the thread pool. On success *lookup_out owns *found. */
static int resolve(const char *host, int port, nest_deadline deadline, struct addrinfo **found,
                   struct lookup **lookup_out)
{
    *lookup_out = NULL;
    int gai_error = numeric_addresses(host, port, AI_NUMERICHOST, found);
    if (gai_error == 0)
        return 0;
    if (gai_error != EAI_NONAME)
        return set_error_from_gai(gai_error);
    struct lookup *lookup = calloc(1, sizeof *lookup);
    if (lookup == NULL || (lookup->host = strdup(host)) == NULL) {
        free(lookup);
        errno = ENOMEM;
        return -1;
    }
    lookup->port = port;
    atomic_init(&lookup->references, 2);
    bool submitted;
    if (nest__to_thread(lookup_run, lookup, deadline, NULL, &submitted) != 0) {
        int error = errno;
        if (submitted)
            lookup_unref(lookup); /* the worker frees it if it finishes last */
        else
            lookup_free(lookup);
        errno = error;
        return -1;
    }
    if (lookup->gai_error != 0) {
        gai_error = lookup->gai_error;
        lookup_unref(lookup);
        return set_error_from_gai(gai_error);
    }
    *found = lookup->found;
    *lookup_out = lookup;
    return 0;
}

/* One connection attempt; 0 with *fd_out, or -1 with errno. */
static int connect_one(const struct addrinfo *address, nest_deadline deadline, int *fd_out)
{
    int fd = socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    address->ai_protocol);
    if (fd < 0)
        return -1;
    int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
        if (errno != EINPROGRESS)
            goto fail;
        if (nest_wait_fd(fd, NEST_OUT, deadline) != 0)
            goto fail;
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
            goto fail;
        if (error != 0) {
            errno = error;
            goto fail;
        }
    }
    *fd_out = fd;
    return 0;

fail:;
    int saved = errno;
    nest_close(fd);
    errno = saved;
    return -1;
}

int nest_tcp_connect(const char *host, int port, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    if (host == NULL || port <= 0 || port > 65535) {
        errno = EINVAL;
        return -1;
    }
    struct addrinfo *found = NULL;
    struct lookup *lookup = NULL;
    if (resolve(host, port, deadline, &found, &lookup) != 0)
        return -1;
    int fd = -1;
    int error = EHOSTUNREACH;
    for (const struct addrinfo *address = found; address != NULL; address = address->ai_next) {
        if (connect_one(address, deadline, &fd) == 0)
            break;
        error = errno;
        if (error == ETIMEDOUT || error == ECANCELED)
            break;
    }
    if (lookup != NULL)
        lookup_unref(lookup);
    else
        freeaddrinfo(found);
    if (fd < 0)
        errno = error;
    return fd;
}
