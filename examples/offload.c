/*
 * offload - hashing files on the thread pool with nest_to_thread.
 *
 * Shows: blocking work (reading files, hashing) moved off the event loop
 * with nest_to_thread, a deadline on each offloaded call, a task group whose
 * tasks are bounded by a semaphore, and results gathered first and printed
 * once the loop has stopped.
 *
 * How it works: one task per file runs in a group. Each task takes a permit
 * of a semaphore as large as the thread pool, then runs hash_file on a
 * thread with a deadline of --timeout-ms. The permit means the deadline
 * measures the hashing, not the time spent queued behind other files.
 * hash_file is the only code that touches the file (open, read, close): it
 * runs off the loop, where blocking is allowed, and computes the 64-bit
 * FNV-1a hash. After nest_run has returned, main prints "HASH  PATH" for
 * each file in command-line order, like sha256sum. A file that cannot be
 * hashed is reported on stderr and makes the exit status 1; the others are
 * still hashed.
 *
 * The jobs live in main, not in a task: a thread whose caller stopped
 * waiting (deadline passed) still runs to completion and writes into its
 * job, and nest_run waits for such threads before it returns. A batch tool
 * has nothing to save on SIGINT, so it keeps the signals' default action
 * (nest_options.no_signals).
 *
 *   offload [--timeout-ms MS] FILE...
 */
#define _POSIX_C_SOURCE 200809L

#include <nest.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    THREAD_COUNT = 4,
    READ_BUFFER_BYTES = 16 * 1024,
};

#define FNV1A_OFFSET_BASIS UINT64_C(0xcbf29ce484222325)
#define FNV1A_PRIME        UINT64_C(0x100000001b3)

struct offload;

struct job {
    struct offload *offload;
    const char *path;
    uint64_t digest; /* written by the thread */
    int error;       /* written by the task: 0, or an errno value */
};

struct offload {
    struct job *jobs;
    int count;
    int64_t timeout_ms;
    nest_sem *limit;
    /* What went wrong outside the jobs, for main to report. */
    const char *failed_step;
    int error;
};

/* Records the first failure, for main to report after the loop has stopped. */
static void note_failure(struct offload *offload, const char *step)
{
    if (offload->failed_step != NULL)
        return;
    offload->failed_step = step;
    offload->error = errno;
}

/* ---- Off the loop: runs on the thread pool ------------------------------- */

static uint64_t fnv1a_update(uint64_t hash, const unsigned char *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        hash ^= bytes[i];
        hash *= FNV1A_PRIME;
    }
    return hash;
}

/* Hashes what is left of fd. Returns 0 or an errno value. */
static int hash_fd(int fd, uint64_t *digest)
{
    unsigned char buffer[READ_BUFFER_BYTES];
    uint64_t hash = FNV1A_OFFSET_BASIS;

    for (;;) {
        ssize_t got = read(fd, buffer, sizeof buffer);
        if (got == 0) {
            *digest = hash;
            return 0;
        }
        if (got > 0)
            hash = fnv1a_update(hash, buffer, (size_t)got);
        else if (errno != EINTR)
            return errno;
    }
}

/* The nest_to_thread function: blocking file I/O is fine here, suspension
 * points are not. Returns 0 or an errno value. */
static int hash_file(void *arg)
{
    struct job *job = arg;

    int fd = open(job->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int error = hash_fd(fd, &job->digest);
    close(fd);
    return error;
}

/* ---- On the loop --------------------------------------------------------- */

/* A task per file: a permit, then the hashing on a thread, with a deadline.
 * The outcome is recorded in the job; the task returns 0 so that one bad
 * file does not make the group cancel the others. */
static int hash_job(void *arg)
{
    struct job *job = arg;
    struct offload *offload = job->offload;
    int outcome = 0;

    if (nest_sem_acquire(offload->limit, NEST_FOREVER) < 0) {
        job->error = errno;
        return 0;
    }
    if (nest_to_thread(hash_file, job, nest_after(offload->timeout_ms), &outcome) < 0)
        outcome = errno;
    nest_sem_release(offload->limit);
    job->error = outcome;
    return 0;
}

static int hash_all(struct offload *offload, nest_group *group)
{
    for (int i = 0; i < offload->count; i++) {
        if (nest_group_spawn(group, hash_job, &offload->jobs[i]) < 0) {
            note_failure(offload, "start a job");
            return 1;
        }
    }
    /* The jobs never fail; this fails only if main is cancelled. */
    int failure = nest_group_wait(group, NEST_FOREVER);
    if (failure != 0)
        note_failure(offload, "wait for the jobs");
    return failure == 0 ? 0 : 1;
}

static int run_offload(void *arg)
{
    struct offload *offload = arg;
    int status = 1;
    nest_group *group = NULL;

    nest_sem *limit = nest_sem_open(THREAD_COUNT);
    if (limit == NULL) {
        note_failure(offload, "open the semaphore");
        goto fail;
    }
    offload->limit = limit;
    group = nest_group_open();
    if (group == NULL) {
        note_failure(offload, "open the group");
        goto fail;
    }
    status = hash_all(offload, group);

fail:
    if (group != NULL)
        nest_group_close(group);
    if (limit != NULL)
        nest_sem_close(limit);
    return status;
}

/* ---- Command line -------------------------------------------------------- */

/* Parses the options; returns the index of the first file, or -1. */
static int parse_options(int argc, char **argv, struct offload *offload)
{
    int first = 1;

    if (argc > 2 && strcmp(argv[1], "--timeout-ms") == 0) {
        char *end = NULL;
        errno = 0;
        long value = strtol(argv[2], &end, 10);
        if (errno != 0 || end == argv[2] || *end != '\0' || value < 1 || value > INT_MAX)
            return -1;
        offload->timeout_ms = value;
        first = 3;
    }
    return first < argc && argv[first][0] != '-' ? first : -1;
}

/* Prints a line per hashed file and the errors; returns the failure count. */
static int report(const struct offload *offload)
{
    int failed = 0;

    for (int i = 0; i < offload->count; i++) {
        const struct job *job = &offload->jobs[i];
        if (job->error == 0) {
            printf("%016" PRIx64 "  %s\n", job->digest, job->path);
            continue;
        }
        failed++;
        fprintf(stderr, "offload: %s: %s\n", job->path, strerror(job->error));
    }
    if (offload->failed_step != NULL)
        fprintf(stderr, "offload: cannot %s: %s\n", offload->failed_step, strerror(offload->error));
    return failed;
}

int main(int argc, char **argv)
{
    struct offload offload = {.timeout_ms = 10 * 1000};
    const nest_options options = {.threads = THREAD_COUNT, .no_signals = 1};

    int first = parse_options(argc, argv, &offload);
    if (first < 0) {
        fprintf(stderr, "usage: %s [--timeout-ms MS] FILE...\n", argv[0]);
        return 2;
    }
    offload.count = argc - first;
    offload.jobs = calloc((size_t)offload.count, sizeof *offload.jobs);
    if (offload.jobs == NULL) {
        perror("offload");
        return 1;
    }
    for (int i = 0; i < offload.count; i++) {
        offload.jobs[i].offload = &offload;
        offload.jobs[i].path = argv[first + i];
        offload.jobs[i].error = ECANCELED; /* until its task has run */
    }
    int status = nest_run(run_offload, &offload, &options);
    if (status < 0)
        perror("offload: nest_run");
    int failed = report(&offload);
    free(offload.jobs);
    return status == 0 && failed == 0 ? 0 : 1;
}
