/*
 * test_worker_pool.c - runs examples/worker_pool as a child process.
 *
 * The end-to-end graceful shutdown test: the pool gets SIGTERM while items
 * are still queued, and must process every item it accepted ("done" lines
 * == "processed N" == "accepted N") and exit 0. Also: end of input drains
 * and exits 0; the loop keeps working while stdin stays open but silent; a
 * second signal is a hard stop (exit 1, prompt, nothing leaked).
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

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ITEM_COUNT 30

/* The numbers in the summary lines "accepted N items", "processed N items". */
static long summary_number(const char *output, const char *word)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s ", word);
    for (const char *line = output; line != NULL && *line != '\0';) {
        if (strncmp(line, prefix, strlen(prefix)) == 0)
            return strtol(line + strlen(prefix), NULL, 10);
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    fail_msg("no \"%s N items\" line in:\n%s", word, output);
    return -1;
}

/* Every "done ITEM" line names an item 1..ITEM_COUNT, each at most once. */
static void expect_distinct_items(const char *output)
{
    int seen[ITEM_COUNT + 1] = {0};
    for (const char *line = output; line != NULL && *line != '\0';) {
        if (strncmp(line, "done ", 5) == 0) {
            long item = strtol(line + 5, NULL, 10);
            assert_in_range(item, 1, ITEM_COUNT);
            assert_int_equal(seen[item], 0);
            seen[item] = 1;
        }
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
}

static void start_pool(struct child *pool, const char *work_ms)
{
    char *argv[] = {WORKER_POOL_PATH, "--work-ms", (char *)work_ms, "--capacity", "8", NULL};
    assert_int_equal(child_start(pool, argv), 0);
}

static void feed_items(struct child *pool, int count)
{
    char line[32];
    for (int i = 1; i <= count; i++) {
        snprintf(line, sizeof line, "%d\n", i);
        assert_int_equal(child_write(pool, line), 0);
    }
}

static void test_end_of_input_processes_everything(void **state)
{
    (void)state;
    char *argv[] = {WORKER_POOL_PATH, "--work-ms", "10", NULL};
    struct child pool;

    assert_int_equal(child_start(&pool, argv), 0);
    assert_int_equal(child_write(&pool, "alpha\n\nbeta\r\ngamma"), 0);
    child_close_input(&pool);
    char *output = child_read_rest(&pool, 5000);
    assert_non_null(output);
    assert_int_equal(child_wait(&pool, 3000), 0);
    assert_non_null(strstr(output, "done alpha\n"));
    assert_non_null(strstr(output, "done beta\n"));
    assert_non_null(strstr(output, "done gamma\n"));
    assert_int_equal(count_lines_with_prefix(output, "done "), 3);
    assert_int_equal(summary_number(output, "accepted"), 3);
    assert_int_equal(summary_number(output, "processed"), 3);
    free(output);
}

/* The graceful shutdown test of issue 2. 30 items of 100 ms each with 3
 * workers take a second; SIGTERM comes after the first one is done, while
 * the queue (8) is full and the producer waits to put more. */
static void test_sigterm_processes_every_accepted_item(void **state)
{
    (void)state;
    struct child pool;
    char line[64];

    start_pool(&pool, "100");
    feed_items(&pool, ITEM_COUNT);
    /* A first "done" line: the loop runs, its signal handlers are in place. */
    assert_int_equal(child_read_line(&pool, line, sizeof line, 5000), 0);
    assert_true(strncmp(line, "done ", 5) == 0);
    child_signal(&pool, SIGTERM);
    char *rest = child_read_rest(&pool, 5000);
    assert_non_null(rest);
    int status = child_wait(&pool, 3000);

    const int done_before_signal = 1;
    int done = done_before_signal + count_lines_with_prefix(rest, "done ");
    long accepted = summary_number(rest, "accepted");
    long processed = summary_number(rest, "processed");
    assert_int_equal(status, 0);
    assert_int_equal(processed, accepted);
    assert_int_equal(done, processed);
    expect_distinct_items(rest);
    /* SIGTERM stopped the intake: not everything was accepted... */
    assert_true(accepted < ITEM_COUNT);
    /* ...and items were queued when it came, beyond the three in progress. */
    assert_true(accepted - done_before_signal >= 4);
    free(rest);
}

/* stdin stays open and silent: the producer waits in nest_read, and the
 * workers must still run (a read that blocked the loop would stall them). */
static void test_silent_open_input_does_not_stall_the_workers(void **state)
{
    (void)state;
    struct child pool;
    char line[64];

    start_pool(&pool, "10");
    feed_items(&pool, 2);
    assert_int_equal(child_read_line(&pool, line, sizeof line, 3000), 0);
    assert_int_equal(child_read_line(&pool, line, sizeof line, 3000), 0);
    child_signal(&pool, SIGTERM);
    char *rest = child_read_rest(&pool, 3000);
    assert_non_null(rest);
    assert_int_equal(child_wait(&pool, 3000), 0);
    assert_int_equal(summary_number(rest, "accepted"), 2);
    assert_int_equal(summary_number(rest, "processed"), 2);
    free(rest);
}

/* A second signal during the drain is a hard stop: exit 1 at once, with the
 * queued items lost (and freed: the sanitizer build checks for leaks). */
static void test_second_signal_is_a_hard_stop(void **state)
{
    (void)state;
    struct child pool;
    char line[64];

    start_pool(&pool, "300");
    feed_items(&pool, ITEM_COUNT);
    assert_int_equal(child_read_line(&pool, line, sizeof line, 5000), 0);
    child_signal(&pool, SIGTERM);
    struct timespec pause = {.tv_nsec = 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    long long second = child_now_ms();
    child_signal(&pool, SIGTERM);
    char *rest = child_read_rest(&pool, 5000);
    assert_non_null(rest);
    assert_int_equal(child_wait(&pool, 3000), 1);
    assert_true(child_now_ms() - second < child_scaled_ms(1500));
    assert_true(summary_number(rest, "processed") < summary_number(rest, "accepted"));
    free(rest);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_end_of_input_processes_everything, child_kill_all),
        cmocka_unit_test_teardown(test_sigterm_processes_every_accepted_item, child_kill_all),
        cmocka_unit_test_teardown(test_silent_open_input_does_not_stall_the_workers,
                                  child_kill_all),
        cmocka_unit_test_teardown(test_second_signal_is_a_hard_stop, child_kill_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
