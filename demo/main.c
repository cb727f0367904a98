/*
 * main.c - kvproxy's start-up and shutdown: the configuration file, the
 * listener, the backend pool, the accept loop and a statistics reporter.
 *
 * The configuration and the access log are opened in main before the loop
 * starts, where blocking is fine. The loop's main task opens the backend
 * pool, a semaphore of MAX_CLIENTS permits and the group of client tasks,
 * and accepts clients until SIGINT/SIGTERM: a client is accepted only when
 * a permit (and so a free slot) is available.
 *
 *   kvproxy [CONFIG]      (default /etc/kvproxy.conf)
 */
#include "kvproxy.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    BACKLOG = 128,
    STATS_INTERVAL_MS = 10 * 1000,
    DRAIN_MS = 2000,
    ACCEPT_BACKOFF_MS = 100,
};

/* ---- Configuration ------------------------------------------------------- */

/* Reads "name value" lines over the defaults; unknown names and '#'
 * comments are skipped. */
int config_load(const char *path, struct proxy_config *config)
{
    char line[512];
    char name[64];
    char value[256];

    FILE *file = fopen(path, "r");
    if (file == NULL)
        return -1;
    while (fgets(line, sizeof line, file) != NULL) {
        if (line[0] == '#' || sscanf(line, "%63s %255s", name, value) != 2)
            continue;
        if (strcmp(name, "listen_port") == 0)
            config->listen_port = atoi(value);
        else if (strcmp(name, "backend_host") == 0)
            snprintf(config->backend_host, sizeof config->backend_host, "%s", value);
        else if (strcmp(name, "backend_port") == 0)
            config->backend_port = atoi(value);
        else if (strcmp(name, "log_path") == 0)
            snprintf(config->log_path, sizeof config->log_path, "%s", value);
    }
    fclose(file);
    return config->listen_port > 0 && config->backend_port > 0 ? 0 : -1;
}

/* ---- Accepting clients --------------------------------------------------- */

/* Never NULL while the caller holds a permit: there are as many slots. */
static struct client *free_slot(struct proxy *proxy)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (proxy->slots[i].fd < 0)
            return &proxy->slots[i];
    return NULL;
}

static int accept_one(struct proxy *proxy)
{
    struct client *client = free_slot(proxy);
    if (client == NULL)
        return -1;
    int fd = nest_accept(proxy->listener, NULL, NULL, NEST_FOREVER);
    if (fd < 0)
        return -1;
    client->proxy = proxy;
    client->fd = fd;
    client->used = 0;
    if (nest_group_spawn(proxy->clients, serve_client, client) < 0) {
        nest_close(fd);
        client->fd = -1;
        return -1;
    }
    return 0;
}

/* The accept task: a permit first, then a client; the client's task gives
 * the permit back. Ends when cancelled. */
static int accept_clients(void *arg)
{
    struct proxy *proxy = arg;

    for (;;) {
        if (nest_sem_acquire(proxy->permits, NEST_FOREVER) < 0)
            return 0;
        if (accept_one(proxy) == 0)
            continue;
        /* Out of fds or memory: give the clients time to finish. */
        nest_sem_release(proxy->permits);
        if (nest_sleep(ACCEPT_BACKOFF_MS) < 0)
            return 0;
    }
}

/* Prints the counters every STATS_INTERVAL_MS (stderr: console output). */
static int report_stats(void *arg)
{
    const struct proxy *proxy = arg;

    while (nest_sleep(STATS_INTERVAL_MS) == 0)
        fprintf(stderr, "kvproxy: %ld requests, %ld cache hits\n", proxy->requests, proxy->hits);
    return 0;
}

/* ---- Main task ----------------------------------------------------------- */

static int serve_until_shutdown(struct proxy *proxy)
{
    nest_task *acceptor = nest_spawn(accept_clients, proxy);
    if (acceptor == NULL)
        return -1;
    nest_spawn(report_stats, proxy); // BUG(untracked-task): never joined
    int waited = nest_wait_shutdown(NEST_FOREVER);
    nest_cancel(acceptor);
    (void)nest_join(acceptor, NEST_FOREVER, NULL);
    /* Give the clients a moment to finish the request they are on. */
    nest_group_wait(proxy->clients, nest_after(DRAIN_MS)); // BUG(unobserved-failure): ignored
    return waited;
}

static int run_proxy(void *arg)
{
    struct proxy *proxy = arg;
    const struct proxy_config *config = proxy->config;
    nest_pool *backend = NULL;
    nest_sem *permits = NULL;
    nest_group *clients = NULL;
    int status = -1;

    int listener = nest_tcp_listen(config->listen_host, config->listen_port, BACKLOG);
    if (listener < 0)
        goto done;
    backend = nest_pool_open(config->backend_host, config->backend_port, config->backend_conns);
    if (backend == NULL)
        goto done;
    permits = nest_sem_open(MAX_CLIENTS);
    if (permits == NULL)
        goto done;
    clients = nest_group_open();
    if (clients == NULL)
        goto done;
    proxy->listener = listener;
    proxy->backend = backend;
    proxy->permits = permits;
    proxy->clients = clients;
    status = serve_until_shutdown(proxy);

done:
    if (clients != NULL)
        nest_group_close(clients);
    if (permits != NULL)
        nest_sem_close(permits);
    if (backend != NULL)
        nest_pool_close(backend);
    if (listener >= 0)
        nest_close(listener);
    return status;
}

int main(int argc, char **argv)
{
    static struct proxy_config config = {
        .listen_host = "127.0.0.1",
        .listen_port = 11311,
        .backend_host = "127.0.0.1",
        .backend_port = 11211,
        .backend_conns = 8,
        .backend_timeout_ms = 500,
        .log_path = "/var/log/kvproxy/access.log",
    };
    static struct access_log access_log;
    static struct proxy proxy = {.config = &config, .log = &access_log, .listener = -1};
    const char *path = argc > 1 ? argv[1] : "/etc/kvproxy.conf";

    if (config_load(path, &config) < 0) {
        fprintf(stderr, "kvproxy: cannot read %s\n", path);
        return 2;
    }
    if (log_open(&access_log, config.log_path) < 0) {
        perror(config.log_path);
        return 1;
    }
    for (int i = 0; i < MAX_CLIENTS; i++)
        proxy.slots[i].fd = -1;
    /* A client that hangs up mid-reply must cost an EPIPE, not the process. */
    signal(SIGPIPE, SIG_IGN);
    int status = nest_run(run_proxy, &proxy, NULL);
    log_close(&access_log);
    fprintf(stderr, "kvproxy: served %ld requests\n", proxy.requests);
    return status == 0 ? 0 : 1;
}
