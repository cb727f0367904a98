/*
 * kvproxy.h - the shared state of kvproxy, a small key-value cache proxy on
 * nest: clients speak a line protocol (GET key / SET key value), answers
 * come from a local cache or from a backend reached through a connection
 * pool, and every request is written to an access log.
 *
 * This program is looplint's demo: it contains a few deliberate async bugs,
 * each marked with a BUG(rule-id) comment and listed in README.md.
 */
#ifndef KVPROXY_H
#define KVPROXY_H

#include <nest.h>

#include <stdint.h>
#include <stdio.h>

enum {
    MAX_CLIENTS = 64,
    CACHE_SLOTS = 128,
    KEY_BYTES = 64,
    VALUE_BYTES = 256,
    LINE_BYTES = 512,
};

struct proxy_config {
    char listen_host[64];
    int listen_port;
    char backend_host[64];
    int backend_port;
    int backend_conns;
    int64_t backend_timeout_ms;
    char log_path[256];
};

struct access_log {
    FILE *file;
};

struct cache_entry {
    char key[KEY_BYTES];
    char value[VALUE_BYTES];
};

struct proxy;

struct client {
    struct proxy *proxy;
    int fd; /* -1: the slot is free */
    char buffer[LINE_BYTES];
    size_t used;
};

struct proxy {
    const struct proxy_config *config;
    struct access_log *log;
    int listener;
    nest_pool *backend;
    nest_sem *permits;
    nest_group *clients;
    struct client slots[MAX_CLIENTS];
    struct cache_entry cache[CACHE_SLOTS];
    unsigned next_victim;
    long requests;
    long hits;
};

/* main.c */
int config_load(const char *path, struct proxy_config *config);

/* conn.c: the task run for each client. */
int serve_client(void *arg);

/* backend.c: 0 and the value, 1 when the backend has no such key, -1. */
int backend_get(struct proxy *proxy, const char *key, char *value, size_t size);
int backend_set(struct proxy *proxy, const char *key, const char *value);

/* log.c */
int log_open(struct access_log *log, const char *path);
void log_access(struct access_log *log, const char *request, int status);
void log_close(struct access_log *log);

#endif
