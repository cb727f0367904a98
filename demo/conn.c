/*
 * conn.c - one task per client: read a request line, answer it from the
 * local cache or the backend, log it, repeat until the client leaves.
 *
 * The protocol is a line per request: "GET key" answers "VALUE v" or
 * "MISS"; "SET key value" stores the value here and in the backend and
 * answers "OK". Errors answer "ERROR". The cache is shared by all clients;
 * it needs no lock because every task runs on the loop thread.
 */
#include "kvproxy.h"

#include <stdio.h>
#include <string.h>

enum { REPLY_TIMEOUT_MS = 2000 };

static struct cache_entry *cache_find(struct proxy *proxy, const char *key)
{
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (strcmp(proxy->cache[i].key, key) == 0)
            return &proxy->cache[i];
    return NULL;
}

static void cache_store(struct proxy *proxy, const char *key, const char *value)
{
    struct cache_entry *entry = cache_find(proxy, key);
    if (entry == NULL) {
        entry = &proxy->cache[proxy->next_victim];
        proxy->next_victim = (proxy->next_victim + 1) % CACHE_SLOTS;
    }
    snprintf(entry->key, sizeof entry->key, "%s", key);
    snprintf(entry->value, sizeof entry->value, "%s", value);
}

/* Reads one line into line, without its newline. Bytes after the newline
 * stay in the client's buffer for the next request. */
static int read_request(struct client *client, char *line, size_t size)
{
    char *newline;

    while ((newline = memchr(client->buffer, '\n', client->used)) == NULL) {
        char *end = client->buffer + client->used;
        size_t room = sizeof client->buffer - client->used;
        int fd = client->fd;
        if (room == 0)
            return -1;
        ssize_t got = nest_read(fd, end, room, NEST_FOREVER); // BUG(missing-timeout): idle client
        if (got <= 0)
            return -1;
        client->used += (size_t)got;
    }
    size_t length = (size_t)(newline - client->buffer);
    if (length >= size)
        return -1;
    memcpy(line, client->buffer, length);
    line[length] = '\0';
    client->used -= length + 1;
    memmove(client->buffer, newline + 1, client->used);
    return 0;
}

/* Answers one request into reply; returns the status for the log. */
static int answer(struct proxy *proxy, const char *line, char *reply, size_t size)
{
    char key[KEY_BYTES];
    char value[VALUE_BYTES];

    if (sscanf(line, "GET %63s", key) == 1) {
        struct cache_entry *entry = cache_find(proxy, key);
        if (entry != NULL) {
            proxy->hits++;
            snprintf(reply, size, "VALUE %s\n", entry->value);
            return 200;
        }
        int found = backend_get(proxy, key, value, sizeof value);
        if (found == 0) {
            cache_store(proxy, key, value);
            snprintf(reply, size, "VALUE %s\n", value);
            return 200;
        }
        snprintf(reply, size, found == 1 ? "MISS\n" : "ERROR\n");
        return found == 1 ? 404 : 502;
    }
    if (sscanf(line, "SET %63s %255s", key, value) == 2) {
        cache_store(proxy, key, value);
        int stored = backend_set(proxy, key, value);
        snprintf(reply, size, stored == 0 ? "OK\n" : "ERROR\n");
        return stored == 0 ? 200 : 502;
    }
    snprintf(reply, size, "ERROR\n");
    return 400;
}

int serve_client(void *arg)
{
    struct client *client = arg;
    struct proxy *proxy = client->proxy;
    char line[LINE_BYTES];
    char reply[LINE_BYTES];

    while (read_request(client, line, sizeof line) == 0) {
        int status = answer(proxy, line, reply, sizeof reply);
        proxy->requests++;
        log_access(proxy->log, line, status);
        if (nest_write(client->fd, reply, strlen(reply), nest_after(REPLY_TIMEOUT_MS)) < 0)
            break;
    }
    nest_close(client->fd);
    client->fd = -1;
    client->used = 0;
    nest_sem_release(proxy->permits);
    return 0;
}
