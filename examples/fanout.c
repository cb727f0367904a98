/*
 * fanout - many requests to one backend: bounded, pooled, each with a timeout.
 *
 * Shows: a task group of request tasks; a semaphore bounding how many run at
 * once (so a long list of requests does not flood the backend); one
 * connection pool for the whole program, opened in main and never per
 * request; nest_wait_for around each request (pool acquire + write + read);
 * pooled connections released on every path, and marked reusable only after
 * a full, correct exchange.
 *
 * How it works: main opens the pool and the semaphore, starts the fan-out
 * task and waits for a shutdown request. The fan-out task spawns one task
 * per request in a group and waits for the group; when it has finished it
 * requests the shutdown itself, so main goes on. SIGINT/SIGTERM make main
 * cancel the fan-out task instead, which cancels the requests still running.
 * Each request task takes a permit, then sends "request N\n" on a pooled
 * connection and reads the reply line, all within --timeout-ms; the reply
 * must be the same line (the echo_server example is a suitable backend). A
 * failed request does not cancel the others: its error is recorded, like
 * asyncio.gather(return_exceptions=True), and counted in the summary
 * "N requests to HOST:PORT: OK ok, F failed". Exit status 0 when all
 * succeeded.
 *
 *   fanout --port P [--host H] [--requests N] [--concurrency C]
 *          [--timeout-ms MS]
 */
#define _POSIX_C_SOURCE 200809L

#include <nest.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MESSAGE_BYTES = 64 };

struct request;

struct fanout {
    const char *host;
    int port;
    int count;
    int concurrency;
    int64_t timeout_ms;
    struct request *requests;
    /* Set by run_fanout once they are open; the request tasks use them. */
    nest_pool *pool;
    nest_sem *limit;
    /* What went wrong outside the requests, for main to report. */
    const char *failed_step;
    int error;
};

struct request {
    struct fanout *fanout;
    int index;
    int error; /* 0 when the exchange succeeded, else an errno value */
};

/* Records the first failure, for main to report after the loop has stopped. */
static void note_failure(struct fanout *fanout, const char *step)
{
    if (fanout->failed_step != NULL)
        return;
    fanout->failed_step = step;
    fanout->error = errno;
}

/* ---- One request --------------------------------------------------------- */

/* Reads up to and including a newline into reply, as a string. Waits without
 * a deadline of its own: it runs inside exchange(), under nest_wait_for. */
static int read_reply(int fd, char *reply, size_t size)
{
    size_t used = 0;

    while (memchr(reply, '\n', used) == NULL) {
        if (used + 1 >= size) {
            errno = EMSGSIZE;
            return -1;
        }
        ssize_t got = nest_read(fd, reply + used, size - 1 - used, NEST_FOREVER);
        if (got < 0)
            return -1;
        if (got == 0) {
            errno = ECONNRESET;
            return -1;
        }
        used += (size_t)got;
    }
    reply[used] = '\0';
    return 0;
}

/* One exchange on a pooled connection. It runs as a nest_wait_for body,
 * whose timeout bounds every wait in it: that is why the calls below may
 * say NEST_FOREVER. Returns 0 or an errno value. The connection goes back
 * to the pool on every path; only a clean exchange makes it reusable (after
 * a timeout, a late reply could still arrive on it). */
static int exchange(void *arg)
{
    struct request *request = arg;
    nest_pool *pool = request->fanout->pool;
    char message[MESSAGE_BYTES];
    char reply[MESSAGE_BYTES];
    int reusable = 0;
    int error = 0;

    int fd = nest_pool_acquire(pool, NEST_FOREVER);
    if (fd < 0)
        return errno;
    int size = snprintf(message, sizeof message, "request %d\n", request->index);
    if (nest_write(fd, message, (size_t)size, NEST_FOREVER) < 0)
        goto release;
    if (read_reply(fd, reply, sizeof reply) < 0)
        goto release;
    if (strcmp(reply, message) != 0) {
        errno = EPROTO;
        goto release;
    }
    reusable = 1;

release:
    error = reusable ? 0 : errno;
    nest_pool_release(pool, fd, reusable);
    return error;
}

/* A request task: a permit first, so at most --concurrency requests are in
 * flight, then the exchange under its timeout. The outcome is recorded in
 * the request; the task returns 0 so that one failed request does not make
 * the group cancel the others. */
static int send_request(void *arg)
{
    struct request *request = arg;
    struct fanout *fanout = request->fanout;
    int outcome = 0;

    if (nest_sem_acquire(fanout->limit, NEST_FOREVER) < 0) {
        request->error = errno;
        return 0;
    }
    if (nest_wait_for(exchange, request, fanout->timeout_ms, &outcome) < 0)
        outcome = errno;
    nest_sem_release(fanout->limit);
    request->error = outcome;
    return 0;
}

/* ---- The fan-out --------------------------------------------------------- */

static int send_all(struct fanout *fanout, nest_group *group)
{
    for (int i = 0; i < fanout->count; i++) {
        if (nest_group_spawn(group, send_request, &fanout->requests[i]) < 0) {
            note_failure(fanout, "start a request");
            return 1;
        }
    }
    /* The requests never fail; this fails when the fan-out is cancelled. */
    int failure = nest_group_wait(group, NEST_FOREVER);
    if (failure != 0 && !nest_cancelled())
        note_failure(fanout, "wait for the requests");
    return failure == 0 ? 0 : 1;
}

/* The fan-out task. Closing the group cancels whatever still runs, so when
 * this task is cancelled, its requests are too. When it is done, it asks
 * main to stop waiting. */
static int fan_out(void *arg)
{
    struct fanout *fanout = arg;
    int status = 1;

    nest_group *group = nest_group_open();
    if (group == NULL) {
        note_failure(fanout, "open the group");
        goto fail;
    }
    status = send_all(fanout, group);

fail:
    if (group != NULL)
        nest_group_close(group);
    if (!nest_cancelled())
        nest_shutdown();
    return status;
}

/* ---- Main task ----------------------------------------------------------- */

/* Runs the fan-out until it is done or SIGINT/SIGTERM interrupts it. */
static int fan_out_until_shutdown(struct fanout *fanout)
{
    int fan_out_status = 1;
    nest_task *sender = nest_spawn(fan_out, fanout);
    if (sender == NULL) {
        note_failure(fanout, "start the fan-out");
        return 1;
    }
    int waited = nest_wait_shutdown(NEST_FOREVER);
    nest_cancel(sender);
    if (nest_join(sender, NEST_FOREVER, &fan_out_status) < 0)
        return 1;
    return waited == 0 ? fan_out_status : 1;
}

static int run_fanout(void *arg)
{
    struct fanout *fanout = arg;
    int status = 1;
    nest_sem *limit = NULL;

    nest_pool *pool = nest_pool_open(fanout->host, fanout->port, fanout->concurrency);
    if (pool == NULL) {
        note_failure(fanout, "open the connection pool");
        goto fail;
    }
    limit = nest_sem_open(fanout->concurrency);
    if (limit == NULL) {
        note_failure(fanout, "open the semaphore");
        goto fail;
    }
    fanout->pool = pool;
    fanout->limit = limit;
    status = fan_out_until_shutdown(fanout);

fail:
    if (limit != NULL)
        nest_sem_close(limit);
    if (pool != NULL)
        nest_pool_close(pool);
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

static int parse_options(int argc, char **argv, struct fanout *fanout)
{
    for (int i = 1; i < argc; i += 2) {
        const char *option = argv[i];
        const char *text = i + 1 < argc ? argv[i + 1] : NULL;
        long value = 0;
        if (text == NULL)
            return -1;
        if (strcmp(option, "--host") == 0) {
            fanout->host = text;
            continue;
        }
        if (parse_number(text, 1, INT_MAX, &value) < 0)
            return -1;
        if (strcmp(option, "--port") == 0 && value <= 65535)
            fanout->port = (int)value;
        else if (strcmp(option, "--requests") == 0 && value <= 1000000)
            fanout->count = (int)value;
        else if (strcmp(option, "--concurrency") == 0)
            fanout->concurrency = (int)value;
        else if (strcmp(option, "--timeout-ms") == 0)
            fanout->timeout_ms = value;
        else
            return -1;
    }
    return fanout->port > 0 ? 0 : -1;
}

/* Prints the failures and the summary; returns the number of failures. */
static int report(const struct fanout *fanout)
{
    int failed = 0;

    for (int i = 0; i < fanout->count; i++) {
        const struct request *request = &fanout->requests[i];
        if (request->error == 0)
            continue;
        failed++;
        fprintf(stderr, "fanout: request %d failed: %s\n", request->index,
                strerror(request->error));
    }
    if (fanout->failed_step != NULL)
        fprintf(stderr, "fanout: cannot %s: %s\n", fanout->failed_step, strerror(fanout->error));
    printf("%d requests to %s:%d: %d ok, %d failed\n", fanout->count, fanout->host, fanout->port,
           fanout->count - failed, failed);
    return failed;
}

int main(int argc, char **argv)
{
    struct fanout fanout = {
        .host = "127.0.0.1",
        .count = 20,
        .concurrency = 8,
        .timeout_ms = 2000,
    };

    if (parse_options(argc, argv, &fanout) < 0) {
        fprintf(stderr,
                "usage: %s --port P [--host H] [--requests N] [--concurrency C] "
                "[--timeout-ms MS]\n",
                argv[0]);
        return 2;
    }
    fanout.requests = calloc((size_t)fanout.count, sizeof *fanout.requests);
    if (fanout.requests == NULL) {
        perror("fanout");
        return 1;
    }
    for (int i = 0; i < fanout.count; i++) {
        fanout.requests[i].fanout = &fanout;
        fanout.requests[i].index = i + 1;
        fanout.requests[i].error = ECANCELED; /* until its task has run */
    }
    /* A backend that hangs up mid-write must cost an EPIPE, not the process. */
    signal(SIGPIPE, SIG_IGN);
    int status = nest_run(run_fanout, &fanout, NULL);
    if (status < 0)
        perror("fanout: nest_run");
    int failed = report(&fanout);
    free(fanout.requests);
    return status == 0 && failed == 0 ? 0 : 1;
}
