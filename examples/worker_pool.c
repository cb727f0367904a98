/*
 * worker_pool - a bounded queue, three workers and a graceful shutdown.
 *
 * Shows: the producer/consumer pattern with nest_queue, the resilient worker
 * (get, process, task_done on every path), back-pressure from a bounded
 * queue, and the graceful shutdown idiom: on SIGINT/SIGTERM no item that was
 * accepted is lost.
 *
 * How it works: a producer task reads lines from standard input (with
 * nest_read, so the loop never blocks) and puts each non-empty line on a
 * queue of --capacity items; when the queue is full, the producer waits, and
 * so stops reading. Three workers in a task group take items, "process" them
 * (nest_sleep for --work-ms stands for real work), print "done ITEM" and
 * mark them done. Main waits for a shutdown request: SIGINT/SIGTERM, or the
 * producer asking for one when the input ends (or stays silent for
 * --idle-timeout seconds). Then main stops the producer, joins the queue
 * (so every accepted item is processed; at most --drain-timeout seconds),
 * closes the group (which cancels the idle workers) and closes the queue.
 * Last, it prints "accepted N items" and "processed N items". A second
 * signal during the drain is a hard stop: the exit status is then 1.
 *
 *   seq 10 | worker_pool [--work-ms MS] [--capacity N] [--idle-timeout S]
 *                        [--drain-timeout S]
 */
#define _POSIX_C_SOURCE 200809L

#include <nest.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    WORKER_COUNT = 3,
    LINE_BYTES = 1024,
    WRITE_TIMEOUT_MS = 5000,
};

struct pool {
    int64_t work_ms;
    size_t capacity;
    int64_t idle_ms;
    int64_t drain_ms;
    nest_queue *queue;
    long accepted;
    long processed;
    long failed;
    /* The first thing that went wrong, for main to report. */
    const char *failed_step;
    int error;
};

/* Records the first failure, for main to report after the loop has stopped. */
static void note_failure(struct pool *pool, const char *step)
{
    if (pool->failed_step != NULL)
        return;
    pool->failed_step = step;
    pool->error = errno;
}

/* ---- Reading lines with nest_read ---------------------------------------- */

struct line_reader {
    int fd;
    int at_end;
    size_t used;
    char buffer[LINE_BYTES];
};

/* Finds the next line in the buffer: its length, and the bytes it takes up
 * with its newline. A line longer than the buffer is split; the last line
 * may lack its newline. Returns 0 when no line is complete yet. */
static int find_line(const struct line_reader *reader, size_t *length, size_t *consumed)
{
    const char *newline = memchr(reader->buffer, '\n', reader->used);
    if (newline != NULL) {
        *length = (size_t)(newline - reader->buffer);
        *consumed = *length + 1;
        return 1;
    }
    if (reader->used == sizeof reader->buffer || (reader->at_end && reader->used > 0)) {
        *length = reader->used;
        *consumed = reader->used;
        return 1;
    }
    return 0;
}

/* Reads more input; waits at most idle_ms for it. */
static int fill(struct line_reader *reader, int64_t idle_ms)
{
    char *free_space = reader->buffer + reader->used;
    size_t room = sizeof reader->buffer - reader->used;
    ssize_t got = nest_read(reader->fd, free_space, room, nest_after(idle_ms));
    if (got < 0)
        return -1;
    if (got == 0)
        reader->at_end = 1;
    reader->used += (size_t)got;
    return 0;
}

/* Moves the first line out of the buffer into a new string. */
static char *take_line(struct line_reader *reader, size_t length, size_t consumed)
{
    char *line = malloc(length + 1);
    if (line == NULL)
        return NULL;
    memcpy(line, reader->buffer, length);
    line[length] = '\0';
    if (length > 0 && line[length - 1] == '\r')
        line[length - 1] = '\0';
    reader->used -= consumed;
    memmove(reader->buffer, reader->buffer + consumed, reader->used);
    return line;
}

/* Returns 1 and a line the caller must free, 0 at the end of the input, or
 * -1 with errno (ETIMEDOUT: no input for idle_ms). */
static int read_line(struct line_reader *reader, int64_t idle_ms, char **line)
{
    size_t length = 0;
    size_t consumed = 0;

    while (!find_line(reader, &length, &consumed)) {
        if (reader->at_end)
            return 0;
        if (fill(reader, idle_ms) < 0)
            return -1;
    }
    *line = take_line(reader, length, consumed);
    return *line == NULL ? -1 : 1;
}

/* ---- The producer -------------------------------------------------------- */

/* Frees an item without losing errno. */
static void discard(char *item)
{
    int error = errno;
    free(item);
    errno = error;
}

/* Puts every non-empty line on the queue. A successful put hands the item
 * to the queue: from then on it is "accepted" and must be processed.
 * Returns 0 at the end of the input, -1 with errno otherwise. */
static int read_items(struct pool *pool)
{
    struct line_reader reader = {.fd = STDIN_FILENO};

    for (;;) {
        char *item = NULL;
        int got = read_line(&reader, pool->idle_ms, &item);
        if (got <= 0)
            return got;
        if (item[0] == '\0') {
            free(item);
            continue;
        }
        if (nest_queue_put(pool->queue, item, NEST_FOREVER) < 0) {
            discard(item);
            return -1;
        }
        pool->accepted++;
    }
}

/* The producer task. Being cancelled is how main stops it, so that is no
 * failure; a silent input (ETIMEDOUT) ends like the end of the input. When
 * the input ends by itself, it asks main to start the graceful shutdown. */
static int produce(void *arg)
{
    struct pool *pool = arg;
    int status = 0;

    if (read_items(pool) < 0 && errno != ECANCELED && errno != ETIMEDOUT) {
        note_failure(pool, "read the input");
        status = 1;
    }
    if (!nest_cancelled())
        nest_shutdown();
    return status;
}

/* ---- The workers --------------------------------------------------------- */

static int process_item(const struct pool *pool, const char *item)
{
    char line[LINE_BYTES + sizeof "done \n"];

    /* Stands for the real work: a request to a backend, a computation... */
    if (nest_sleep(pool->work_ms) < 0)
        return -1;
    int size = snprintf(line, sizeof line, "done %s\n", item);
    if (size < 0 || (size_t)size >= sizeof line)
        return -1;
    return nest_write(STDOUT_FILENO, line, (size_t)size, nest_after(WRITE_TIMEOUT_MS)) < 0 ? -1 : 0;
}

/* The resilient worker: whatever happens to an item, it is freed and marked
 * done, so nest_queue_join cannot wait forever. A failed item is counted,
 * not fatal: the worker goes on with the next one. It stops when the group
 * cancels it (or the queue is closed), which is its normal end: it always
 * returns 0. */
static int work(void *arg)
{
    struct pool *pool = arg;
    void *item = NULL;

    while (nest_queue_get(pool->queue, &item, NEST_FOREVER) == 0) {
        if (process_item(pool, item) == 0)
            pool->processed++;
        else
            pool->failed++;
        free(item);
        nest_queue_task_done(pool->queue);
    }
    return 0;
}

static int start_workers(nest_group *workers, struct pool *pool)
{
    for (int i = 0; i < WORKER_COUNT; i++) {
        if (nest_group_spawn(workers, work, pool) < 0)
            return -1;
    }
    return 0;
}

/* ---- Main task ----------------------------------------------------------- */

/* Frees the items still queued after a hard stop or a drain timeout: they
 * are lost, but their memory is not. Runs shielded, because main is
 * cancelled after a second signal and must still clean up. */
static int free_leftovers(void *arg)
{
    nest_queue *queue = arg;
    void *item = NULL;

    while (nest_queue_get(queue, &item, nest_after(0)) == 0) {
        free(item);
        nest_queue_task_done(queue);
    }
    return 0;
}

/* Runs the producer until a shutdown is requested, then stops it: from then
 * on nothing more is put on the queue. Returns the producer's result. */
static int produce_until_shutdown(struct pool *pool)
{
    int producer_status = 1;
    nest_task *producer = nest_spawn(produce, pool);
    if (producer == NULL) {
        note_failure(pool, "start the producer");
        return 1;
    }
    int waited = nest_wait_shutdown(NEST_FOREVER);
    nest_cancel(producer);
    if (nest_join(producer, NEST_FOREVER, &producer_status) < 0)
        return 1;
    return waited == 0 ? producer_status : 1;
}

static int run_pool(void *arg)
{
    struct pool *pool = arg;
    int status = 1;
    nest_group *workers = NULL;

    nest_queue *queue = nest_queue_open(pool->capacity);
    if (queue == NULL) {
        note_failure(pool, "open the queue");
        goto fail;
    }
    pool->queue = queue;
    workers = nest_group_open();
    if (workers == NULL) {
        note_failure(pool, "open the group");
        goto fail;
    }
    if (start_workers(workers, pool) < 0) {
        note_failure(pool, "start the workers");
        goto fail;
    }
    status = produce_until_shutdown(pool);

fail:
    /* Drain before the workers go: every accepted item gets processed. */
    if (queue != NULL && nest_queue_join(queue, nest_after(pool->drain_ms)) < 0) {
        note_failure(pool, "drain the queue");
        status = 1;
    }
    if (workers != NULL)
        nest_group_close(workers);
    if (queue != NULL) {
        (void)nest_shield(free_leftovers, queue, NULL);
        nest_queue_close(queue);
    }
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

static int parse_options(int argc, char **argv, struct pool *pool)
{
    for (int i = 1; i < argc; i += 2) {
        const char *option = argv[i];
        long value = 0;
        if (i + 1 >= argc || parse_number(argv[i + 1], 0, INT_MAX, &value) < 0)
            return -1;
        if (strcmp(option, "--work-ms") == 0)
            pool->work_ms = value;
        else if (strcmp(option, "--capacity") == 0 && value > 0)
            pool->capacity = (size_t)value;
        else if (strcmp(option, "--idle-timeout") == 0 && value > 0)
            pool->idle_ms = value * 1000;
        else if (strcmp(option, "--drain-timeout") == 0 && value > 0)
            pool->drain_ms = value * 1000;
        else
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct pool pool = {
        .work_ms = 100,
        .capacity = 8,
        .idle_ms = 60 * 1000,
        .drain_ms = 30 * 1000,
    };

    if (parse_options(argc, argv, &pool) < 0) {
        fprintf(stderr,
                "usage: %s [--work-ms MS] [--capacity N] [--idle-timeout SECONDS] "
                "[--drain-timeout SECONDS] < items\n",
                argv[0]);
        return 2;
    }
    /* A reader that goes away must cost an EPIPE, not the process. */
    signal(SIGPIPE, SIG_IGN);
    int status = nest_run(run_pool, &pool, NULL);
    if (status < 0) {
        perror("worker_pool: nest_run");
        return 1;
    }
    if (pool.failed_step != NULL)
        fprintf(stderr, "worker_pool: cannot %s: %s\n", pool.failed_step, strerror(pool.error));
    if (pool.failed > 0)
        fprintf(stderr, "worker_pool: %ld items failed\n", pool.failed);
    printf("accepted %ld items\nprocessed %ld items\n", pool.accepted, pool.processed);
    return status == 0 && pool.processed == pool.accepted ? 0 : 1;
}
