/*
 * pool.c - a connection pool for one backend (the aiohttp.ClientSession of
 * the seed): at most max_conns connections out at once, idle ones reused.
 *
 * `out` counts connection slots in use (handed out or connecting). When all
 * are taken, acquirers wait in FIFO order; a release hands its connection
 * (reusable) or its slot (not reusable: the waiter connects anew) directly
 * to the first waiter. Idle connections are checked before reuse: one the
 * peer has closed, or that has unread bytes, is discarded. Closing the pool
 * closes idle connections at once; connections still out may be released
 * afterwards, and the memory goes with the last of them.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct nest_pool {
    char *host;
    int port;
    int max_conns;
    int out;
    int *idle;
    size_t idle_count;
    size_t parked;
    bool closed;
    struct nest_wait_list waiters; /* woken with value: an fd, or -1 for a slot */
};

nest_pool *nest_pool_open(const char *host, int port, int max_conns)
{
    if (host == NULL || port <= 0 || port > 65535 || max_conns <= 0) {
        errno = EINVAL;
        return NULL;
    }
    struct nest_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        goto fail;
    pool->host = strdup(host);
    pool->idle = calloc((size_t)max_conns, sizeof *pool->idle);
    if (pool->host == NULL || pool->idle == NULL)
        goto fail;
    pool->port = port;
    pool->max_conns = max_conns;
    return pool;

fail:
    if (pool != NULL) {
        free(pool->host);
        free(pool->idle);
        free(pool);
    }
    errno = ENOMEM;
    return NULL;
}

static void pool_free_if_done(struct nest_pool *pool)
{
    if (!pool->closed || pool->parked > 0 || pool->out > 0)
        return;
    free(pool->host);
    free(pool->idle);
    free(pool);
}

/* An idle connection is usable if the peer has neither closed it nor sent
 * something nobody asked for. */
static bool still_usable(int fd)
{
    char byte;
    ssize_t got = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* A slot became free: give it to the first waiter, or return it. */
static void give_slot(struct nest_pool *pool)
{
    struct nest_waiter *waiter = nest__wait_list_pop(&pool->waiters);
    if (waiter != NULL) {
        waiter->value = -1;
        nest__wake(waiter, 0);
        return;
    }
    pool->out--;
}

/* Connects on a slot already counted in `out`. */
static int connect_on_slot(struct nest_pool *pool, nest_deadline deadline)
{
    int fd = nest_tcp_connect(pool->host, pool->port, deadline);
    if (fd < 0) {
        int error = errno;
        give_slot(pool);
        pool_free_if_done(pool); /* closed while we were connecting */
        errno = error;
    }
    return fd;
}

int nest_pool_acquire(nest_pool *pool, nest_deadline deadline)
{
    if (nest__checkpoint() != 0)
        return -1;
    if (pool == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (pool->closed) {
        errno = EPIPE;
        return -1;
    }
    while (pool->idle_count > 0) {
        int fd = pool->idle[--pool->idle_count];
        if (still_usable(fd)) {
            pool->out++;
            return fd;
        }
        nest_close(fd);
    }
    if (pool->out < pool->max_conns && pool->waiters.head == NULL) {
        pool->out++;
        return connect_on_slot(pool, deadline);
    }
    struct nest_waiter waiter;
    nest__waiter_init(&waiter, NEST_WAIT_POOL, pool);
    nest__wait_list_push(&pool->waiters, &waiter);
    pool->parked++;
    int status = nest__park(&waiter, deadline, true);
    int error = errno;
    pool->parked--;
    if (status != 0) {
        pool_free_if_done(pool);
        errno = error;
        return -1;
    }
    if (waiter.value >= 0)
        return (int)waiter.value;
    return connect_on_slot(pool, deadline);
}

void nest_pool_release(nest_pool *pool, int fd, int reusable)
{
    if (pool == NULL)
        return;
    if (reusable && fd >= 0 && !pool->closed) {
        struct nest_waiter *waiter = nest__wait_list_pop(&pool->waiters);
        if (waiter != NULL) {
            waiter->value = fd; /* the slot moves with the connection */
            nest__wake(waiter, 0);
            return;
        }
        pool->idle[pool->idle_count++] = fd;
        pool->out--;
        return;
    }
    if (fd >= 0)
        nest_close(fd);
    give_slot(pool);
    pool_free_if_done(pool);
}

void nest_pool_close(nest_pool *pool)
{
    if (pool == NULL)
        return;
    pool->closed = true;
    while (pool->idle_count > 0)
        nest_close(pool->idle[--pool->idle_count]);
    struct nest_waiter *waiter;
    while ((waiter = pool->waiters.head) != NULL)
        nest__wake(waiter, EPIPE);
    pool_free_if_done(pool);
}
