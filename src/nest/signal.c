/*
 * signal.c - graceful shutdown: SIGINT and SIGTERM as wake-ups, not kills.
 *
 * The handlers only count the signal and write to the loop's eventfd (both
 * async-signal-safe); the loop acts on it on its own thread: the first
 * signal requests a shutdown and wakes every nest_wait_shutdown waiter, a
 * second one cancels main (the hard stop people expect from a second
 * Ctrl-C). In debug mode SIGQUIT prints nest_dump(stderr), also with
 * no_signals (which is about SIGINT and SIGTERM). The handlers
 * that were in place are put back when nest_run returns. Signal dispositions
 * are process-wide, so only one running loop owns them at a time; another
 * loop started meanwhile leaves them alone.
 */
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The only process-wide state of the runtime: what a signal handler can
 * reach. Lock-free atomics are async-signal-safe. */
static atomic_int signal_wake_fd = -1;
static atomic_int pending_shutdown_signals;
static atomic_int pending_dump_signals;
static atomic_flag signals_owned = ATOMIC_FLAG_INIT;

static void on_signal(int signal_number)
{
    int saved_errno = errno;
    if (signal_number == SIGQUIT)
        atomic_fetch_add(&pending_dump_signals, 1);
    else
        atomic_fetch_add(&pending_shutdown_signals, 1);
    int fd = atomic_load(&signal_wake_fd);
    if (fd >= 0) {
        uint64_t one = 1;
        (void)!write(fd, &one, sizeof one);
    }
    errno = saved_errno;
}

static void handle(int signal_number, struct sigaction *saved)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    (void)sigaction(signal_number, &action, saved);
}

int nest__signals_install(struct nest_signals *signals, int wake_fd, bool shutdown, bool dump)
{
    if (!shutdown && !dump)
        return 0;
    if (atomic_flag_test_and_set(&signals_owned))
        return 0; /* another loop owns them */
    signals->owned = true;
    atomic_store(&pending_shutdown_signals, 0);
    atomic_store(&pending_dump_signals, 0);
    atomic_store(&signal_wake_fd, wake_fd);
    if (shutdown) {
        handle(SIGINT, &signals->saved_int);
        handle(SIGTERM, &signals->saved_term);
        signals->installed = true;
    }
    if (dump) {
        handle(SIGQUIT, &signals->saved_quit);
        signals->quit_installed = true;
    }
    return 0;
}

void nest__signals_restore(struct nest_signals *signals)
{
    if (!signals->owned)
        return;
    if (signals->installed) {
        sigaction(SIGINT, &signals->saved_int, NULL);
        sigaction(SIGTERM, &signals->saved_term, NULL);
    }
    if (signals->quit_installed)
        sigaction(SIGQUIT, &signals->saved_quit, NULL);
    signals->installed = false;
    signals->quit_installed = false;
    signals->owned = false;
    atomic_store(&signal_wake_fd, -1);
    atomic_flag_clear(&signals_owned);
}

static void request_shutdown(struct nest_loop *loop)
{
    loop->shutdown_requested = true;
    struct nest_waiter *waiter;
    while ((waiter = loop->shutdown_waiters.head) != NULL)
        nest__wake(waiter, 0);
}

void nest__signals_dispatch(void)
{
    struct nest_loop *loop = nest__loop();
    if (!loop->signals.owned)
        return;
    if (atomic_exchange(&pending_dump_signals, 0) > 0)
        nest_dump(stderr);
    int count = atomic_exchange(&pending_shutdown_signals, 0);
    for (; count > 0; count--) {
        /* A shutdown requested from code is not a first signal: the person
         * pressing Ctrl-C once still gets the graceful path. */
        if (++loop->shutdown_signals == 1)
            request_shutdown(loop);
        else if (loop->main_task != NULL)
            nest__cancel(loop->main_task);
    }
}

int nest_shutdown_requested(void)
{
    struct nest_loop *loop = nest__loop();
    return loop != NULL && loop->shutdown_requested;
}

void nest_shutdown(void)
{
    struct nest_loop *loop = nest__loop();
    if (loop != NULL && !loop->shutdown_requested)
        request_shutdown(loop);
}

int nest_wait_shutdown(nest_deadline deadline)
{
    struct nest_loop *loop = nest__loop();
    if (loop == NULL) {
        errno = EPERM;
        return -1;
    }
    if (nest__checkpoint() != 0)
        return -1;
    if (loop->shutdown_requested)
        return 0;
    struct nest_waiter waiter;
    nest__waiter_init(&waiter, NEST_WAIT_SHUTDOWN, NULL);
    nest__wait_list_push(&loop->shutdown_waiters, &waiter);
    return nest__park(&waiter, deadline, true);
}
