/*
 * echo_server - a TCP echo server on nest.
 *
 * Shows: an accept loop bounded by a semaphore of maximum connections, one
 * task per connection in a task group, a deadline on every read and write,
 * every resource released on every path, and a graceful shutdown on
 * SIGINT/SIGTERM.
 *
 * How it works: the loop's main task opens the listener, the semaphore and
 * the group, prints the bound address on stdout ("listening on HOST:PORT",
 * so --port 0 can be used), starts the accept loop as a task and then waits
 * for a shutdown request. The accept loop takes a permit *before* accepting,
 * so at most --max-conns connections are served at once; further clients
 * wait in the kernel's backlog. Each connection task echoes what it reads;
 * a client that stays silent for --idle-timeout seconds is disconnected. The
 * task closes its socket, gives its permit back and frees its state on every
 * path. On shutdown, main cancels the accept loop and joins it, closes the
 * group (which cancels the connections still open and waits for them), then
 * closes the semaphore and the listener.
 *
 *   echo_server [--host H] [--port P] [--max-conns N] [--idle-timeout S]
 */
#define _POSIX_C_SOURCE 200809L

#include <nest.h>

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum {
    LISTEN_BACKLOG = 128,
    WRITE_TIMEOUT_MS = 5000,
    ANNOUNCE_TIMEOUT_MS = 1000,
    ACCEPT_BACKOFF_MS = 100,
    ECHO_BUFFER_BYTES = 4096,
};

struct server {
    const char *host;
    int port;
    int max_conns;
    int64_t idle_ms;
    /* Set by run_server once they are open; the accept loop uses them. */
    int listener;
    nest_sem *permits;
    nest_group *connections;
    /* What went wrong, for main to report once the loop has stopped. */
    const char *failed_step;
    int error;
    long served;
};

struct connection {
    struct server *server;
    int fd;
};

/* Records what failed, for main to report after the loop has stopped. */
static void note_failure(struct server *server, const char *step)
{
    server->failed_step = step;
    server->error = errno;
}

/* ---- One connection ------------------------------------------------------ */

/* Echoes until the peer closes, goes idle, fails, or the task is cancelled.
 * All of those end the connection normally: it is not an error of the
 * server. */
static void echo_until_done(struct connection *connection)
{
    char buffer[ECHO_BUFFER_BYTES];

    for (;;) {
        nest_deadline idle = nest_after(connection->server->idle_ms);
        ssize_t got = nest_read(connection->fd, buffer, sizeof buffer, idle);
        if (got <= 0)
            return;
        if (nest_write(connection->fd, buffer, (size_t)got, nest_after(WRITE_TIMEOUT_MS)) < 0)
            return;
    }
}

/* A connection task owns its socket, its permit and its state: it releases
 * all three on its only exit. It always returns 0, because a failing child
 * would make the group cancel every other connection. */
static int serve_connection(void *arg)
{
    struct connection *connection = arg;
    struct server *server = connection->server;

    echo_until_done(connection);
    server->served++;
    nest_close(connection->fd);
    nest_sem_release(server->permits);
    free(connection);
    return 0;
}

/* ---- The accept loop ----------------------------------------------------- */

/* Accepts one client and hands it to a new connection task, which then owns
 * the caller's permit. Returns -1 with errno when nothing was handed over. */
static int accept_one(struct server *server)
{
    struct connection *connection = NULL;
    int error = 0;
    int fd = nest_accept(server->listener, NULL, NULL, NEST_FOREVER);
    if (fd < 0)
        return -1;
    connection = malloc(sizeof *connection);
    if (connection == NULL)
        goto fail;
    connection->server = server;
    connection->fd = fd;
    if (nest_group_spawn(server->connections, serve_connection, connection) < 0)
        goto fail;
    return 0;

fail:
    error = errno;
    free(connection);
    nest_close(fd);
    errno = error;
    return -1;
}

/* Errors of accept(2) after which the next accept can succeed. */
static int is_transient(int error)
{
    switch (error) {
    case ECONNABORTED:
    case EINTR:
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
    case EPERM:
    case EPROTO:
        return 1;
    default:
        return 0;
    }
}

/* Takes a permit, then accepts: a client is accepted only when there is room
 * for it. Runs until cancelled (returns 0) or a fatal error (returns 1). */
static int accept_loop(struct server *server)
{
    for (;;) {
        if (nest_sem_acquire(server->permits, NEST_FOREVER) < 0)
            return errno == ECANCELED ? 0 : 1;
        if (accept_one(server) == 0)
            continue;
        int error = errno;
        nest_sem_release(server->permits);
        if (error == ECANCELED)
            return 0;
        if (!is_transient(error)) {
            errno = error;
            note_failure(server, "accept");
            return 1;
        }
        /* Out of fds or memory: give the connections time to finish. */
        if (nest_sleep(ACCEPT_BACKOFF_MS) < 0)
            return 0;
    }
}

/* The accept task: when it cannot go on, it asks main to shut down. */
static int accept_connections(void *arg)
{
    int status = accept_loop(arg);
    if (status != 0)
        nest_shutdown();
    return status;
}

/* ---- Main task ----------------------------------------------------------- */

/* Writes "listening on HOST:PORT" with the port the kernel chose. */
static int announce(const struct server *server, int listener)
{
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    char line[300];
    int port;

    if (getsockname(listener, (struct sockaddr *)&address, &length) < 0)
        return -1;
    if (address.ss_family == AF_INET6)
        port = ntohs(((struct sockaddr_in6 *)&address)->sin6_port);
    else
        port = ntohs(((struct sockaddr_in *)&address)->sin_port);
    int size = snprintf(line, sizeof line, "listening on %s:%d\n", server->host, port);
    if (size < 0 || (size_t)size >= sizeof line) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return nest_write(1, line, (size_t)size, nest_after(ANNOUNCE_TIMEOUT_MS)) < 0 ? -1 : 0;
}

/* Serves until SIGINT/SIGTERM (or a fatal accept error), then stops the
 * accept loop. Returns the accept loop's result. */
static int serve_until_shutdown(struct server *server)
{
    int accept_status = 1;
    nest_task *acceptor = nest_spawn(accept_connections, server);
    if (acceptor == NULL) {
        note_failure(server, "start the accept loop");
        return 1;
    }
    int waited = nest_wait_shutdown(NEST_FOREVER);
    nest_cancel(acceptor);
    if (nest_join(acceptor, NEST_FOREVER, &accept_status) < 0)
        return 1;
    return waited == 0 ? accept_status : 1;
}

static int run_server(void *arg)
{
    struct server *server = arg;
    int status = 1;
    nest_sem *permits = NULL;
    nest_group *connections = NULL;

    int listener = nest_tcp_listen(server->host, server->port, LISTEN_BACKLOG);
    if (listener < 0) {
        note_failure(server, "listen");
        goto fail;
    }
    permits = nest_sem_open(server->max_conns);
    if (permits == NULL) {
        note_failure(server, "open the semaphore");
        goto fail;
    }
    connections = nest_group_open();
    if (connections == NULL) {
        note_failure(server, "open the group");
        goto fail;
    }
    if (announce(server, listener) < 0) {
        note_failure(server, "print the address");
        goto fail;
    }
    server->listener = listener;
    server->permits = permits;
    server->connections = connections;
    status = serve_until_shutdown(server);

fail:
    if (connections != NULL)
        nest_group_close(connections);
    if (permits != NULL)
        nest_sem_close(permits);
    if (listener >= 0)
        nest_close(listener);
    return status;
}

/* ---- Command line -------------------------------------------------------- */

static int parse_number(const char *text, long min, long max, long *value)
{
    char *end = NULL;
    errno = 0;
    long number = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || number < min || number > max)
        return -1;
    *value = number;
    return 0;
}

static int parse_options(int argc, char **argv, struct server *server)
{
    for (int i = 1; i < argc; i += 2) {
        const char *option = argv[i];
        const char *text = i + 1 < argc ? argv[i + 1] : NULL;
        long value = 0;
        if (text == NULL)
            return -1;
        if (strcmp(option, "--host") == 0) {
            server->host = text;
        } else if (strcmp(option, "--port") == 0) {
            if (parse_number(text, 0, 65535, &value) < 0)
                return -1;
            server->port = (int)value;
        } else if (strcmp(option, "--max-conns") == 0) {
            if (parse_number(text, 1, INT_MAX, &value) < 0)
                return -1;
            server->max_conns = (int)value;
        } else if (strcmp(option, "--idle-timeout") == 0) {
            if (parse_number(text, 1, 86400, &value) < 0)
                return -1;
            server->idle_ms = value * 1000;
        } else {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct server server = {
        .host = "127.0.0.1",
        .port = 7777,
        .max_conns = 100,
        .idle_ms = 30 * 1000,
        .listener = -1,
    };

    if (parse_options(argc, argv, &server) < 0) {
        fprintf(stderr,
                "usage: %s [--host H] [--port P] [--max-conns N] "
                "[--idle-timeout SECONDS]\n",
                argv[0]);
        return 2;
    }
    /* A client that hangs up mid-write must cost an EPIPE, not the process. */
    signal(SIGPIPE, SIG_IGN);
    int status = nest_run(run_server, &server, NULL);
    if (status < 0) {
        perror("echo_server: nest_run");
        return 1;
    }
    if (server.failed_step != NULL)
        fprintf(stderr, "echo_server: cannot %s on %s:%d: %s\n", server.failed_step, server.host,
                server.port, strerror(server.error));
    printf("served %ld connections\n", server.served);
    return status == 0 ? 0 : 1;
}
