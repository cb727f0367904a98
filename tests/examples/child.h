/*
 * child.h - running an example program as a child process, for the tests
 * in tests/examples/.
 *
 * The child's stdin and stdout are pipes held by the test; its stderr is the
 * test's, so its messages show up in the ctest log. Every wait is bounded:
 * a child that hangs fails the test instead of hanging it. Timeouts scale
 * with NEST_TEST_SLOW=<factor> (sanitizer builds, slow machines).
 */
#ifndef EXAMPLES_CHILD_H
#define EXAMPLES_CHILD_H

#include <stddef.h>
#include <sys/types.h>

struct child {
    pid_t pid;
    int input;  /* write end of the child's stdin, -1 once closed */
    int output; /* read end of the child's stdout, -1 once closed */
    size_t used;
    char pending[8192]; /* read from stdout, not yet returned as a line */
};

/* A timeout in ms, multiplied by NEST_TEST_SLOW when it is set. */
int child_scaled_ms(int ms);

/* Monotonic ms, for measuring how long a child took. */
long long child_now_ms(void);

/* Starts argv[0] with argv. Returns 0, or -1 with errno. */
int child_start(struct child *child, char *const argv[]);

/* Writes all of text to the child's stdin. Returns 0 or -1. */
int child_write(struct child *child, const char *text);

/* Closes the child's stdin: it reads end of file. */
void child_close_input(struct child *child);

/* Reads the next line of the child's stdout, without its newline, waiting
 * at most timeout_ms. Returns 0, or -1 at end of file or on timeout. */
int child_read_line(struct child *child, char *line, size_t size, int timeout_ms);

/* Reads the rest of the child's stdout until end of file, at most
 * timeout_ms. Returns a string the caller frees, or NULL on timeout. */
char *child_read_rest(struct child *child, int timeout_ms);

/* Sends a signal to the child. */
void child_signal(struct child *child, int signal_number);

/* Waits for the child to exit, at most timeout_ms (then kills it). Returns
 * its exit status, or -1 if it was killed by a signal or timed out. Closes
 * the pipes. */
int child_wait(struct child *child, int timeout_ms);

/* Runs argv to completion with no stdin and returns its exit status (as
 * child_wait) and, in *output, all it printed on stdout (caller frees). */
int child_run(char *const argv[], char **output, int timeout_ms);

/* Starts a server that prints "listening on HOST:PORT" first (the
 * echo_server example) and stores PORT. Returns 0, or -1 (child stopped). */
int child_start_server(struct child *child, char *const argv[], int *port);

/* Kills and reaps every child started and not yet waited for: a cmocka
 * teardown, so that a failed assertion does not leave a server running. */
int child_kill_all(void **state);

/* Counts the lines of text that start with prefix. */
int count_lines_with_prefix(const char *text, const char *prefix);

#endif /* EXAMPLES_CHILD_H */
