/*
 * echo_uv.c - libuv TCP echo server: the baseline the nest echo server is
 * measured against.
 *
 * What: the same service as the nest echo server (read -> write the bytes
 * back, per connection), written the way a careful libuv user would: each
 * connection owns one 64 KiB read buffer (alloc_cb hands it out, so no
 * malloc per read), and the echo goes out with uv_try_write(); only the
 * part a full socket buffer does not take is copied into a uv_write()
 * request. uv_try_write refuses while earlier writes are queued, so order
 * is kept. SIGINT/SIGTERM stop the loop.
 *
 * Usage: bench_echo_uv [PORT]   (default 7002; listens on 127.0.0.1)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define BUF_SIZE 65536

struct conn {
    uv_tcp_t tcp;
    char buf[BUF_SIZE];
};

struct write_req {
    uv_write_t req;
    uv_buf_t buf;
    char data[];
};

static uv_loop_t *loop;
static uv_tcp_t server;

static void on_close(uv_handle_t *handle)
{
    free(handle->data);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct conn *c = handle->data;
    *buf = uv_buf_init(c->buf, BUF_SIZE);
}

static void on_write(uv_write_t *req, int status)
{
    struct write_req *w = (struct write_req *)req;
    if (status < 0 && !uv_is_closing((uv_handle_t *)req->handle))
        uv_close((uv_handle_t *)req->handle, on_close);
    free(w);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    if (nread == 0)
        return; /* EAGAIN */
    if (nread < 0) {
        if (!uv_is_closing((uv_handle_t *)stream))
            uv_close((uv_handle_t *)stream, on_close);
        return;
    }
    uv_buf_t out = uv_buf_init(buf->base, (unsigned)nread);
    int sent = uv_try_write(stream, &out, 1);
    if (sent == nread)
        return;
    if (sent < 0) {
        if (sent != UV_EAGAIN) {
            uv_close((uv_handle_t *)stream, on_close);
            return;
        }
        sent = 0;
    }
    size_t rest = (size_t)nread - (size_t)sent;
    struct write_req *w = malloc(sizeof *w + rest);
    if (!w) {
        uv_close((uv_handle_t *)stream, on_close);
        return;
    }
    memcpy(w->data, buf->base + sent, rest);
    w->buf = uv_buf_init(w->data, (unsigned)rest);
    if (uv_write(&w->req, stream, &w->buf, 1, on_write) != 0) {
        free(w);
        uv_close((uv_handle_t *)stream, on_close);
    }
}

static void on_connection(uv_stream_t *srv, int status)
{
    if (status < 0)
        return;
    struct conn *c = malloc(sizeof *c);
    if (!c)
        return;
    uv_tcp_init(loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(srv, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    (void)signum;
    uv_stop(handle->loop);
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 7002;
    signal(SIGPIPE, SIG_IGN); /* as in the nest servers */
    loop = uv_default_loop();
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", port, &addr);
    uv_tcp_init(loop, &server);
    int err = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
    if (err == 0)
        err = uv_listen((uv_stream_t *)&server, 1024, on_connection);
    if (err != 0) {
        fprintf(stderr, "echo_uv: listen on port %d: %s\n", port, uv_strerror(err));
        return 1;
    }
    uv_signal_t sigint, sigterm;
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_signal_init(loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
