/*
 * child.c - running an example program as a child process (see child.h).
 */
#define _GNU_SOURCE

#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The children started and not yet waited for. */
static struct child *running[16];

static void track(struct child *child)
{
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++) {
        if (running[i] == NULL) {
            running[i] = child;
            return;
        }
    }
}

static void untrack(struct child *child)
{
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++) {
        if (running[i] == child)
            running[i] = NULL;
    }
}

int child_scaled_ms(int ms)
{
    const char *slow = getenv("NEST_TEST_SLOW");
    int factor = slow != NULL ? atoi(slow) : 1;
    return factor > 1 ? ms * factor : ms;
}

long long child_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* In the forked child: plug the pipes in and run the program. */
static void exec_child(int input[2], int output[2], char *const argv[])
{
    if (dup2(input[0], STDIN_FILENO) < 0 || dup2(output[1], STDOUT_FILENO) < 0)
        _exit(126);
    close(input[0]);
    close(input[1]);
    close(output[0]);
    close(output[1]);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    _exit(127);
}

int child_start(struct child *child, char *const argv[])
{
    int input[2] = {-1, -1};
    int output[2] = {-1, -1};

    memset(child, 0, sizeof *child);
    child->input = -1;
    child->output = -1;
    /* The test must see EPIPE, not die, when a child stops reading. */
    signal(SIGPIPE, SIG_IGN);
    if (pipe2(input, O_CLOEXEC) < 0 || pipe2(output, O_CLOEXEC) < 0)
        goto fail;
    child->pid = fork();
    if (child->pid < 0)
        goto fail;
    if (child->pid == 0)
        exec_child(input, output, argv);
    close(input[0]);
    close(output[1]);
    child->input = input[1];
    child->output = output[0];
    track(child);
    return 0;

fail:
    close_fd(&input[0]);
    close_fd(&input[1]);
    close_fd(&output[0]);
    close_fd(&output[1]);
    return -1;
}

int child_write(struct child *child, const char *text)
{
    size_t length = strlen(text);
    while (length > 0) {
        ssize_t wrote = write(child->input, text, length);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote < 0)
            return -1;
        text += wrote;
        length -= (size_t)wrote;
    }
    return 0;
}

void child_close_input(struct child *child)
{
    close_fd(&child->input);
}

/* Reads what the child has printed into pending, waiting until the deadline.
 * Returns the bytes read, 0 at end of file, -1 on timeout. */
static ssize_t read_more(struct child *child, long long deadline)
{
    for (;;) {
        long long left = deadline - child_now_ms();
        struct pollfd ready = {.fd = child->output, .events = POLLIN};
        if (left <= 0)
            return -1;
        int polled = poll(&ready, 1, (int)left);
        if (polled < 0 && errno == EINTR)
            continue;
        if (polled <= 0)
            return -1;
        size_t room = sizeof child->pending - child->used;
        ssize_t got = read(child->output, child->pending + child->used, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        child->used += (size_t)got;
        return got;
    }
}

int child_read_line(struct child *child, char *line, size_t size, int timeout_ms)
{
    long long deadline = child_now_ms() + child_scaled_ms(timeout_ms);

    for (;;) {
        char *newline = memchr(child->pending, '\n', child->used);
        if (newline != NULL) {
            size_t length = (size_t)(newline - child->pending);
            size_t copied = length < size - 1 ? length : size - 1;
            memcpy(line, child->pending, copied);
            line[copied] = '\0';
            child->used -= length + 1;
            memmove(child->pending, newline + 1, child->used);
            return 0;
        }
        if (child->used == sizeof child->pending || read_more(child, deadline) <= 0)
            return -1;
    }
}

char *child_read_rest(struct child *child, int timeout_ms)
{
    long long deadline = child_now_ms() + child_scaled_ms(timeout_ms);
    size_t length = child->used;
    size_t capacity = length + sizeof child->pending;
    char *text = malloc(capacity + 1);

    if (text == NULL)
        return NULL;
    memcpy(text, child->pending, length);
    child->used = 0;
    for (;;) {
        ssize_t got = read_more(child, deadline);
        if (got < 0) {
            free(text);
            return NULL;
        }
        if (got == 0)
            break;
        if (length + (size_t)got > capacity) {
            capacity = (length + (size_t)got) * 2;
            char *grown = realloc(text, capacity + 1);
            if (grown == NULL) {
                free(text);
                return NULL;
            }
            text = grown;
        }
        memcpy(text + length, child->pending, (size_t)got);
        length += (size_t)got;
        child->used = 0;
    }
    text[length] = '\0';
    return text;
}

void child_signal(struct child *child, int signal_number)
{
    if (child->pid > 0)
        kill(child->pid, signal_number);
}

int child_wait(struct child *child, int timeout_ms)
{
    long long deadline = child_now_ms() + child_scaled_ms(timeout_ms);
    int status = 0;

    untrack(child);
    close_fd(&child->input);
    close_fd(&child->output);
    if (child->pid <= 0)
        return -1;
    for (;;) {
        pid_t done = waitpid(child->pid, &status, WNOHANG);
        if (done == child->pid)
            break;
        if (done < 0 && errno != EINTR)
            return -1;
        if (child_now_ms() >= deadline) {
            kill(child->pid, SIGKILL);
            waitpid(child->pid, &status, 0);
            child->pid = 0;
            return -1;
        }
        usleep(10 * 1000);
    }
    child->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int child_run(char *const argv[], char **output, int timeout_ms)
{
    struct child child;

    *output = NULL;
    if (child_start(&child, argv) < 0)
        return -1;
    child_close_input(&child);
    *output = child_read_rest(&child, timeout_ms);
    return child_wait(&child, timeout_ms);
}

int child_start_server(struct child *child, char *const argv[], int *port)
{
    char line[256];

    if (child_start(child, argv) < 0)
        return -1;
    if (child_read_line(child, line, sizeof line, 5000) == 0) {
        const char *colon = strrchr(line, ':');
        *port = colon != NULL && strncmp(line, "listening on ", 13) == 0 ? atoi(colon + 1) : 0;
        if (*port > 0)
            return 0;
    }
    child_signal(child, SIGKILL);
    child_wait(child, 5000);
    return -1;
}

int child_kill_all(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++) {
        struct child *child = running[i];
        if (child != NULL) {
            child_signal(child, SIGKILL);
            child_wait(child, 5000);
        }
    }
    return 0;
}

int count_lines_with_prefix(const char *text, const char *prefix)
{
    size_t length = strlen(prefix);
    int count = 0;

    for (const char *line = text; line != NULL && *line != '\0';) {
        if (strncmp(line, prefix, length) == 0)
            count++;
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return count;
}
