/*
 * backend.c - the backend behind the cache, reached through one connection
 * pool for the whole program (opened in main.c).
 *
 * Each call borrows a pooled connection, sends one request line and reads
 * one reply line, within the configured backend timeout. A connection goes
 * back to the pool as reusable only after a clean exchange: after an error
 * a late reply could still be in flight on it.
 */
#include "kvproxy.h"

#include <stdio.h>
#include <string.h>

/* Sends request and reads the reply line into reply (without newline). */
static int exchange(int fd, const char *request, char *reply, size_t size, nest_deadline deadline)
{
    if (nest_write(fd, request, strlen(request), deadline) < 0)
        return -1;
    ssize_t got = nest_read(fd, reply, size - 1, deadline);
    if (got <= 0 || reply[got - 1] != '\n')
        return -1;
    reply[got - 1] = '\0';
    return 0;
}

int backend_get(struct proxy *proxy, const char *key, char *value, size_t size)
{
    nest_deadline deadline = nest_after(proxy->config->backend_timeout_ms);
    nest_pool *pool = proxy->backend;
    char request[LINE_BYTES];
    char reply[LINE_BYTES];

    int fd = nest_pool_acquire(pool, deadline); // BUG(unclosed-resource): leaks on write error
    if (fd < 0)
        return -1;
    snprintf(request, sizeof request, "GET %s\n", key);
    if (nest_write(fd, request, strlen(request), deadline) < 0)
        return -1;
    ssize_t got = nest_read(fd, reply, sizeof reply - 1, deadline);
    if (got <= 0 || reply[got - 1] != '\n') {
        nest_pool_release(pool, fd, 0);
        return -1;
    }
    nest_pool_release(pool, fd, 1);
    reply[got - 1] = '\0';
    if (strcmp(reply, "MISS") == 0)
        return 1;
    if (strncmp(reply, "VALUE ", 6) != 0)
        return -1;
    snprintf(value, size, "%s", reply + 6);
    return 0;
}

int backend_set(struct proxy *proxy, const char *key, const char *value)
{
    nest_deadline deadline = nest_after(proxy->config->backend_timeout_ms);
    char request[LINE_BYTES];
    char reply[LINE_BYTES];

    int fd = nest_pool_acquire(proxy->backend, deadline);
    if (fd < 0)
        return -1;
    snprintf(request, sizeof request, "SET %s %s\n", key, value);
    int failed = exchange(fd, request, reply, sizeof reply, deadline);
    nest_pool_release(proxy->backend, fd, !failed);
    return failed || strcmp(reply, "OK") != 0 ? -1 : 0;
}
