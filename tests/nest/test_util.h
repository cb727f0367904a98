/*
 * test_util.h - shared helpers for the nest runtime's cmocka tests.
 *
 * - tu_fd_setup / tu_fd_teardown: a cmocka fixture pair that records the
 *   number of open fds (/proc/self/fd) before a test and fails the test when
 *   it changed afterwards: every test must give back what it opened, and so
 *   must the runtime (epoll fd, eventfd, thread pool, sockets).
 * - CHECK*: assertions usable inside tasks. cmocka's assert_* longjmp back to
 *   the test's frame, which must not happen from a coroutine stack (the loop
 *   would be left running and the thread-local loop pointer set). CHECK
 *   records the first failure and carries on; TU_RUN / tu_run_opts fail the
 *   cmocka test after nest_run returned.
 * - tu_run: runs nest_run with no_signals=1 (tests that are not about
 *   signals must not touch the process's handlers).
 * - timing: tolerances scale with NEST_TEST_SLOW=<factor> (qemu, sanitizers).
 */
#ifndef NEST_TEST_UTIL_H
#define NEST_TEST_UTIL_H

/* pipe2, mkstemp, usleep, open_memstream...: include this header first. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "nest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define TU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TU_ASAN 1
#endif
#endif
#ifndef TU_ASAN
#define TU_ASAN 0
#endif

#define TU_UNUSED __attribute__((unused))

/* ---- failures recorded inside tasks ------------------------------------------------------- */

static char tu_failure[1024];
static int tu_failures;

TU_UNUSED static void tu_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void tu_fail(const char *file, int line, const char *fmt, ...)
{
    char message[1024];
    int n = snprintf(message, sizeof message, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof message)
        vsnprintf(message + n, sizeof message - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "CHECK FAILED: %s\n", message); /* every one, as it happens */
    if (tu_failures++ == 0)
        memcpy(tu_failure, message, sizeof tu_failure);
}

/* CHECK(cond): records a failure when cond is false. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            tu_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond);                                \
    } while (0)

/* CHECK_INT(a, op, b): compares two integers, printing both on failure. */
#define CHECK_INT(a, op, b)                                                                        \
    do {                                                                                           \
        long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);                                  \
        if (!(tu_a_ op tu_b_))                                                                     \
            tu_fail(__FILE__, __LINE__, "CHECK_INT(%s %s %s) failed: %lld vs %lld", #a, #op, #b,   \
                    tu_a_, tu_b_);                                                                 \
    } while (0)

#define CHECK_EQ(a, b) CHECK_INT(a, ==, b)

/* CHECK_ERR(expr, errno_value): expr must evaluate to -1 (or NULL-like 0 for
 * pointers: use CHECK_NULL_ERR) with errno set to errno_value. */
#define CHECK_ERR(expr, err)                                                                       \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long long tu_r_ = (long long)(expr);                                                       \
        int tu_e_ = errno;                                                                         \
        if (tu_r_ != -1 || tu_e_ != (err))                                                         \
            tu_fail(__FILE__, __LINE__, "%s: expected -1/%s, got %lld/errno %d (%s)", #expr, #err, \
                    tu_r_, tu_e_, strerror(tu_e_));                                                \
    } while (0)

#define CHECK_NULL_ERR(expr, err)                                                                  \
    do {                                                                                           \
        errno = 0;                                                                                 \
        const void *tu_p_ = (const void *)(expr);                                                  \
        int tu_e_ = errno;                                                                         \
        if (tu_p_ != NULL || tu_e_ != (err))                                                       \
            tu_fail(__FILE__, __LINE__, "%s: expected NULL/%s, got %p/errno %d (%s)", #expr, #err, \
                    tu_p_, tu_e_, strerror(tu_e_));                                                \
    } while (0)

/* CHECK_OK(expr): expr must return 0; prints errno otherwise. */
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long long tu_r_ = (long long)(expr);                                                       \
        int tu_e_ = errno;                                                                         \
        if (tu_r_ != 0)                                                                            \
            tu_fail(__FILE__, __LINE__, "%s: expected 0, got %lld/errno %d (%s)", #expr, tu_r_,    \
                    tu_e_, strerror(tu_e_));                                                       \
    } while (0)

/* Fails the cmocka test (outside any task) if a CHECK failed. */
#define TU_ASSERT_NO_FAILURES()                                                                    \
    do {                                                                                           \
        if (tu_failures) {                                                                         \
            int tu_n_ = tu_failures;                                                               \
            tu_failures = 0;                                                                       \
            fail_msg("%d check(s) failed; first: %s", tu_n_, tu_failure);                          \
        }                                                                                          \
    } while (0)

/* ---- time --------------------------------------------------------------------------------- */

/* NEST_TEST_SLOW=<factor> stretches the upper bounds of timing checks (qemu
 * emulation, sanitizers). Lower bounds never scale: a deadline must never
 * fire early. */
TU_UNUSED static int64_t tu_slow(void)
{
    static int64_t factor = 0;
    if (factor == 0) {
        const char *s = getenv("NEST_TEST_SLOW");
        factor = s && atoi(s) > 0 ? atoi(s) : 1;
        if (TU_ASAN && factor < 2)
            factor = 2;
    }
    return factor;
}

/* An upper bound of `ms` for a duration that is nominally much shorter. */
#define TU_MS(ms) ((int64_t)(ms) * tu_slow())

/* ms are truncated on both ends of a measurement: allow 1 ms of rounding. */
#define CHECK_ELAPSED_GE(elapsed, ms) CHECK_INT(elapsed, >=, (int64_t)(ms) - 1)

/* ---- running the loop --------------------------------------------------------------------- */

/* nest_run with the given options, no_signals forced to 1. */
TU_UNUSED static int tu_run_opts(int (*fn)(void *), void *arg, nest_options opt)
{
    opt.no_signals = 1;
    return nest_run(fn, arg, &opt);
}

TU_UNUSED static int tu_run(int (*fn)(void *), void *arg)
{
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    return tu_run_opts(fn, arg, opt);
}

/* Runs fn in a loop, expects nest_run to return `expected`, then fails the
 * cmocka test if a CHECK inside failed. */
#define TU_RUN(fn, arg, expected)                                                                  \
    do {                                                                                           \
        int tu_rc_ = tu_run((fn), (arg));                                                          \
        int tu_errno_ = errno;                                                                     \
        TU_ASSERT_NO_FAILURES();                                                                   \
        if (tu_rc_ != (expected))                                                                  \
            fail_msg("nest_run returned %d (errno %d), expected %d", tu_rc_, tu_errno_,            \
                     (int)(expected));                                                             \
    } while (0)

/* ---- fd accounting ------------------------------------------------------------------------ */

TU_UNUSED static int tu_count_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.')
            count++;
    closedir(dir);
    return count; /* includes the DIR's own fd, in every measurement alike */
}

static int tu_fds_before = -1;

TU_UNUSED static int tu_fd_setup(void **state)
{
    (void)state;
    tu_failures = 0;
    tu_fds_before = tu_count_fds();
    return tu_fds_before < 0 ? -1 : 0;
}

TU_UNUSED static int tu_fd_teardown(void **state)
{
    (void)state;
    int after = tu_count_fds();
    if (after != tu_fds_before) {
        fprintf(stderr, "fd count changed during the test: %d before, %d after\n", tu_fds_before,
                after);
        /* Show what is open, to find the leak. */
        DIR *dir = opendir("/proc/self/fd");
        struct dirent *entry;
        while (dir && (entry = readdir(dir)) != NULL) {
            if (entry->d_name[0] == '.')
                continue;
            char path[300], target[256];
            snprintf(path, sizeof path, "/proc/self/fd/%s", entry->d_name);
            ssize_t n = readlink(path, target, sizeof target - 1);
            target[n > 0 ? n : 0] = '\0';
            fprintf(stderr, "  fd %s -> %s\n", entry->d_name, target);
        }
        if (dir)
            closedir(dir);
        return -1;
    }
    return 0;
}

/* NEST_TEST_FILTER=<pattern> runs only the matching tests (cmocka's
 * wildcards), for debugging one test. Call at the start of main(). */
TU_UNUSED static void tu_apply_filter(void)
{
    const char *pattern = getenv("NEST_TEST_FILTER");
    if (pattern && pattern[0])
        cmocka_set_test_filter(pattern);
}

/* A cmocka test with the fd-count fixture. */
#define TU_TEST(fn) cmocka_unit_test_setup_teardown(fn, tu_fd_setup, tu_fd_teardown)

/* ---- helpers ------------------------------------------------------------------------------ */

/* A non-blocking, close-on-exec pipe. */
TU_UNUSED static int tu_pipe(int fds[2])
{
    return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}

/* A non-blocking, close-on-exec AF_UNIX stream socketpair. */
TU_UNUSED static int tu_socketpair(int fds[2])
{
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds);
}

/* ---- what the environment cannot do ------------------------------------------------------- */

/* Set by tests/nest/CMakeLists.txt when a probe found that fork() or
 * pthread_create() hang under the cross-build's emulator (qemu-user in some
 * sandboxes). */
TU_UNUSED static int tu_no_fork(void)
{
    return getenv("NEST_TEST_NO_FORK") != NULL;
}

TU_UNUSED static int tu_no_threads(void)
{
    return getenv("NEST_TEST_NO_THREADS") != NULL;
}

#define TU_SKIP_BECAUSE(why)                                                                       \
    do {                                                                                           \
        fprintf(stderr, "skipped: %s\n", why);                                                     \
        skip();                                                                                    \
    } while (0)

/* Skips a test that needs threads (nest_to_thread, name lookups). */
#define TU_REQUIRE_THREADS()                                                                       \
    do {                                                                                           \
        if (tu_no_threads())                                                                       \
            TU_SKIP_BECAUSE("threads do not work here (NEST_TEST_NO_THREADS)");                    \
    } while (0)

/* Skips a test that must run in a child process. */
#define TU_REQUIRE_FORK()                                                                          \
    do {                                                                                           \
        if (tu_no_fork())                                                                          \
            TU_SKIP_BECAUSE("fork() does not work here (NEST_TEST_NO_FORK)");                      \
    } while (0)

/* Forks; the child runs fn(arg) and exits with its return value (through
 * exit(), so that LeakSanitizer checks the child too). Returns the raw wait
 * status, or -1. Where fork() does not work (NEST_TEST_NO_FORK), fn runs in
 * this process instead and its result is encoded as an exit status: a
 * runtime bug may then kill the test program, which still fails the test. */
TU_UNUSED static int tu_fork_run(int (*fn)(void *), void *arg)
{
    if (tu_no_fork()) {
        int saved_failures = tu_failures;
        tu_failures = 0;
        int rc = fn(arg);
        if (tu_failures) {
            fprintf(stderr, "in-process child: %d check(s) failed; first: %s\n", tu_failures,
                    tu_failure);
            if (rc == 0)
                rc = 99;
        }
        tu_failures = saved_failures;
        return (rc & 0xff) << 8;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        tu_failures = 0;
        int rc = fn(arg);
        if (tu_failures) {
            fprintf(stderr, "child: %d check(s) failed; first: %s\n", tu_failures, tu_failure);
            if (rc == 0)
                rc = 99;
        }
        fflush(NULL);
        exit(rc);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

/* Asserts that a tu_fork_run child exited with status 0. */
#define TU_ASSERT_CHILD_OK(status)                                                                 \
    do {                                                                                           \
        int tu_s_ = (status);                                                                      \
        assert_int_not_equal(tu_s_, -1);                                                           \
        if (WIFSIGNALED(tu_s_))                                                                    \
            fail_msg("child killed by signal %d", WTERMSIG(tu_s_));                                \
        if (!WIFEXITED(tu_s_) || WEXITSTATUS(tu_s_) != 0)                                          \
            fail_msg("child exited with status %d", WEXITSTATUS(tu_s_));                           \
    } while (0)

/* Reads a whole file into a malloc'd, NUL-terminated string. */
TU_UNUSED static char *tu_read_fd_all(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        if (len + 1 >= cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

/* stderr capture: redirects fd 2 to an anonymous temp file. */
struct tu_capture {
    int saved_fd;
    int file_fd;
};

TU_UNUSED static int tu_capture_begin(struct tu_capture *c)
{
    char path[] = "/tmp/nest-test-stderr-XXXXXX";
    fflush(stderr);
    c->saved_fd = -1;
    c->file_fd = mkstemp(path);
    if (c->file_fd < 0)
        return -1;
    unlink(path);
    c->saved_fd = dup(2);
    if (c->saved_fd < 0 || dup2(c->file_fd, 2) < 0) {
        close(c->file_fd);
        if (c->saved_fd >= 0)
            close(c->saved_fd);
        return -1;
    }
    return 0;
}

/* Restores fd 2 and returns what was written to it (malloc'd). The text is
 * also echoed to the real stderr, for the test log. */
TU_UNUSED static char *tu_capture_end(struct tu_capture *c)
{
    fflush(stderr);
    if (c->saved_fd < 0 || c->file_fd < 0)
        return NULL;
    dup2(c->saved_fd, 2);
    close(c->saved_fd);
    char *text = tu_read_fd_all(c->file_fd);
    close(c->file_fd);
    if (text && text[0])
        fprintf(stderr, "---- captured stderr ----\n%s---- end ----\n", text);
    return text;
}

#endif /* NEST_TEST_UTIL_H */
