/*
 * test_fanout.c - runs examples/fanout against examples/echo_server (both
 * child processes): every request succeeds; against a closed port every
 * request fails and the exit status says so; against a backend that never
 * answers, each request ends at its timeout instead of hanging, and SIGINT
 * cancels the requests in flight at once.
 */
#define _GNU_SOURCE

/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "child.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A listening socket on a free loopback port; it never accepts. */
static int listen_somewhere(int *port)
{
    struct sockaddr_in address = {.sin_family = AF_INET};
    socklen_t length = sizeof address;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&address, &length), 0);
    *port = ntohs(address.sin_port);
    return fd;
}

/* Runs fanout with the given port and options; returns its exit status and
 * its stdout in *output. */
static int run_fanout(int port, const char *requests, const char *concurrency,
                      const char *timeout_ms, char **output)
{
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    char *argv[] = {FANOUT_PATH,         "--port",
                    port_text,           "--requests",
                    (char *)requests,    "--concurrency",
                    (char *)concurrency, "--timeout-ms",
                    (char *)timeout_ms,  NULL};
    int status = child_run(argv, output, 8000);
    assert_non_null(*output);
    return status;
}

static void expect_summary(const char *output, int port, int ok, int failed)
{
    char summary[128];
    snprintf(summary, sizeof summary, "%d requests to 127.0.0.1:%d: %d ok, %d failed\n",
             ok + failed, port, ok, failed);
    assert_string_equal(output, summary);
}

static void test_every_request_echoed(void **state)
{
    (void)state;
    struct child server;
    char *echo_argv[] = {ECHO_SERVER_PATH, "--port", "0", NULL};
    char *output = NULL;
    int port = 0;

    assert_int_equal(child_start_server(&server, echo_argv, &port), 0);
    assert_int_equal(run_fanout(port, "60", "6", "3000", &output), 0);
    expect_summary(output, port, 60, 0);
    free(output);
    child_signal(&server, SIGTERM);
    free(child_read_rest(&server, 3000));
    assert_int_equal(child_wait(&server, 3000), 0);
}

static void test_closed_port_fails_every_request(void **state)
{
    (void)state;
    char *output = NULL;
    int port = 0;
    close(listen_somewhere(&port)); /* a port that nobody listens on now */

    assert_int_equal(run_fanout(port, "5", "2", "2000", &output), 1);
    expect_summary(output, port, 0, 5);
    free(output);
}

/* The backend accepts connections (in the kernel's backlog) but never
 * answers: every request must end at its own timeout. */
static void test_silent_backend_times_out(void **state)
{
    (void)state;
    char *output = NULL;
    int port = 0;
    int backend = listen_somewhere(&port);
    long long started = child_now_ms();

    assert_int_equal(run_fanout(port, "4", "2", "300", &output), 1);
    long long took = child_now_ms() - started;
    expect_summary(output, port, 0, 4);
    /* Two rounds of two requests, 300 ms each. */
    assert_true(took >= 550);
    assert_true(took < child_scaled_ms(3000));
    free(output);
    close(backend);
}

/* SIGINT while requests wait on a silent backend: the fan-out is cancelled
 * at once instead of waiting out the 10 s timeouts, and still reports. */
static void test_sigint_cancels_requests_in_flight(void **state)
{
    (void)state;
    struct child fanout;
    char port_text[16];
    int port = 0;
    int backend = listen_somewhere(&port);
    snprintf(port_text, sizeof port_text, "%d", port);
    char *argv[] = {FANOUT_PATH,     "--port", port_text,      "--requests", "4",
                    "--concurrency", "2",      "--timeout-ms", "10000",      NULL};

    assert_int_equal(child_start(&fanout, argv), 0);
    child_close_input(&fanout);
    struct timespec pause = {.tv_nsec = 500 * 1000 * 1000};
    nanosleep(&pause, NULL);
    long long interrupted = child_now_ms();
    child_signal(&fanout, SIGINT);
    char *output = child_read_rest(&fanout, 5000);
    assert_non_null(output);
    assert_int_equal(child_wait(&fanout, 3000), 1);
    assert_true(child_now_ms() - interrupted < child_scaled_ms(1500));
    expect_summary(output, port, 0, 4);
    free(output);
    close(backend);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_every_request_echoed, child_kill_all),
        cmocka_unit_test_teardown(test_closed_port_fails_every_request, child_kill_all),
        cmocka_unit_test_teardown(test_silent_backend_times_out, child_kill_all),
        cmocka_unit_test_teardown(test_sigint_cancels_requests_in_flight, child_kill_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
