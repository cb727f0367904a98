/*
 * test_echo_server.c - runs examples/echo_server as a child process and
 * talks to it over TCP: concurrent clients get their bytes back (a large
 * message too), --max-conns holds extra clients back until a slot frees,
 * --idle-timeout disconnects silent clients, and SIGTERM stops the server
 * with exit status 0 even with clients connected.
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
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENT_COUNT 8
#define LARGE_BYTES  (256 * 1024)

/* ---- A blocking TCP client, with bounded waits ----------------------------- */

static int connect_to(int port)
{
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&address, sizeof address), 0);
    return fd;
}

static void send_text(int fd, const char *text)
{
    size_t length = strlen(text);
    assert_int_equal(send(fd, text, length, MSG_NOSIGNAL), (ssize_t)length);
}

/* Receives exactly n bytes within timeout_ms. Returns n, or what it got
 * before end of file or the timeout. */
static size_t receive(int fd, char *buffer, size_t n, int timeout_ms)
{
    long long deadline = child_now_ms() + child_scaled_ms(timeout_ms);
    size_t got = 0;

    while (got < n) {
        struct pollfd ready = {.fd = fd, .events = POLLIN};
        long long left = deadline - child_now_ms();
        if (left <= 0 || poll(&ready, 1, (int)left) <= 0)
            break;
        ssize_t chunk = recv(fd, buffer + got, n - got, 0);
        if (chunk <= 0)
            break;
        got += (size_t)chunk;
    }
    return got;
}

static void expect_echo(int fd, const char *text)
{
    char reply[256] = {0};
    size_t length = strlen(text);
    assert_true(length < sizeof reply);
    assert_int_equal(receive(fd, reply, length, 5000), length);
    assert_string_equal(reply, text);
}

/* Nothing arrives within ms (the server holds this client back). */
static void expect_silence(int fd, int ms)
{
    struct pollfd ready = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&ready, 1, ms), 0);
}

/* The server closes the connection within timeout_ms. */
static void expect_end_of_file(int fd, int timeout_ms)
{
    char byte;
    struct pollfd ready = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&ready, 1, child_scaled_ms(timeout_ms)), 1);
    assert_int_equal(recv(fd, &byte, 1, 0), 0);
}

/* Sends LARGE_BYTES while reading the echo, so neither side's buffers fill
 * up, and checks every byte came back in order. */
static void large_round_trip(int fd)
{
    char *sent = malloc(LARGE_BYTES);
    char *echoed = malloc(LARGE_BYTES);
    size_t written = 0;
    size_t received = 0;
    long long deadline = child_now_ms() + child_scaled_ms(5000);

    assert_non_null(sent);
    assert_non_null(echoed);
    for (size_t i = 0; i < LARGE_BYTES; i++)
        sent[i] = (char)('a' + i % 23);
    while (received < LARGE_BYTES && child_now_ms() < deadline) {
        struct pollfd ready = {.fd = fd, .events = POLLIN | (written < LARGE_BYTES ? POLLOUT : 0)};
        assert_true(poll(&ready, 1, 100) >= 0);
        if ((ready.revents & POLLOUT) && written < LARGE_BYTES) {
            ssize_t wrote =
                send(fd, sent + written, LARGE_BYTES - written, MSG_DONTWAIT | MSG_NOSIGNAL);
            assert_true(wrote > 0 || errno == EAGAIN);
            written += wrote > 0 ? (size_t)wrote : 0;
        }
        if (ready.revents & POLLIN) {
            ssize_t got = recv(fd, echoed + received, LARGE_BYTES - received, MSG_DONTWAIT);
            assert_true(got > 0);
            received += (size_t)got;
        }
    }
    assert_int_equal(received, LARGE_BYTES);
    assert_memory_equal(sent, echoed, LARGE_BYTES);
    free(sent);
    free(echoed);
}

/* ---- Running the server ---------------------------------------------------- */

static int start_server(struct child *server, const char *max_conns, const char *idle_timeout)
{
    char *argv[] = {
        ECHO_SERVER_PATH,     "--port", "0", "--max-conns", (char *)max_conns, "--idle-timeout",
        (char *)idle_timeout, NULL};
    int port = 0;
    assert_int_equal(child_start_server(server, argv, &port), 0);
    return port;
}

/* SIGTERM: the server stops within a second or two and exits 0. */
static void stop_server(struct child *server)
{
    char line[256];
    child_signal(server, SIGTERM);
    assert_int_equal(child_read_line(server, line, sizeof line, 3000), 0);
    assert_true(strncmp(line, "served ", 7) == 0);
    assert_int_equal(child_wait(server, 3000), 0);
}

/* ---- Tests ----------------------------------------------------------------- */

static void test_concurrent_clients_get_their_echo(void **state)
{
    (void)state;
    struct child server;
    int clients[CLIENT_COUNT];
    char text[64];
    int port = start_server(&server, "100", "30");

    /* All connected at once, then all talk: the server serves them together. */
    for (int i = 0; i < CLIENT_COUNT; i++)
        clients[i] = connect_to(port);
    for (int i = 0; i < CLIENT_COUNT; i++) {
        snprintf(text, sizeof text, "hello from client %d\n", i);
        send_text(clients[i], text);
    }
    for (int i = CLIENT_COUNT - 1; i >= 0; i--) {
        snprintf(text, sizeof text, "hello from client %d\n", i);
        expect_echo(clients[i], text);
    }
    large_round_trip(clients[0]);
    send_text(clients[3], "again\n");
    expect_echo(clients[3], "again\n");
    for (int i = 0; i < CLIENT_COUNT; i++)
        close(clients[i]);
    stop_server(&server);
}

static void test_max_conns_holds_extra_clients_back(void **state)
{
    (void)state;
    struct child server;
    int port = start_server(&server, "2", "30");
    int first = connect_to(port);
    int second = connect_to(port);

    send_text(first, "one\n");
    send_text(second, "two\n");
    expect_echo(first, "one\n");
    expect_echo(second, "two\n");
    /* The kernel completes the connection, but the server does not accept
     * it while both permits are taken. */
    int third = connect_to(port);
    send_text(third, "three\n");
    expect_silence(third, 300);
    close(first);
    expect_echo(third, "three\n");
    close(second);
    close(third);
    stop_server(&server);
}

static void test_idle_client_is_disconnected(void **state)
{
    (void)state;
    struct child server;
    int port = start_server(&server, "10", "1");
    int client = connect_to(port);

    send_text(client, "ping\n");
    expect_echo(client, "ping\n");
    long long started = child_now_ms();
    expect_end_of_file(client, 4000);
    assert_true(child_now_ms() - started >= 800);
    close(client);
    stop_server(&server);
}

static void test_sigterm_with_clients_connected_exits_zero(void **state)
{
    (void)state;
    struct child server;
    int port = start_server(&server, "10", "30");
    int talking = connect_to(port);
    int silent = connect_to(port);

    send_text(talking, "still here\n");
    expect_echo(talking, "still here\n");
    long long started = child_now_ms();
    stop_server(&server);
    assert_true(child_now_ms() - started < child_scaled_ms(2000));
    /* Closing the group cancelled the connections: their sockets closed. */
    expect_end_of_file(talking, 1000);
    expect_end_of_file(silent, 1000);
    close(talking);
    close(silent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_concurrent_clients_get_their_echo, child_kill_all),
        cmocka_unit_test_teardown(test_max_conns_holds_extra_clients_back, child_kill_all),
        cmocka_unit_test_teardown(test_idle_client_is_disconnected, child_kill_all),
        cmocka_unit_test_teardown(test_sigterm_with_clients_connected_exits_zero, child_kill_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
