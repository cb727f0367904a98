/*
 * test_debug.c - debug mode: the lag report of a task that blocks the loop
 * (with its spawn site file:line), slow_ms, failures nobody observed and
 * tasks still running at exit, nest_dump (spawn site, state, what each task
 * waits on), NEST_DEBUG=1, and SIGQUIT printing the dump.
 *
 * stderr is captured by pointing fd 2 at a temp file around nest_run.
 */
#include "test_util.h"

#define SITE_LEN 64

/* "test_debug.c:<line>": matches __FILE__ whether it is a bare name or a
 * path. */
static void site(char *out, int line)
{
    snprintf(out, SITE_LEN, "test_debug.c:%d", line);
}

/* The line of `text` that contains `needle`, copied into out (or ""). */
static void line_with(const char *text, const char *needle, char *out, size_t size)
{
    out[0] = '\0';
    const char *hit = text ? strstr(text, needle) : NULL;
    if (!hit)
        return;
    const char *start = hit;
    while (start > text && start[-1] != '\n')
        start--;
    const char *end = strchr(hit, '\n');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    if (len >= size)
        len = size - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

static nest_options debug_options(int64_t slow_ms)
{
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.debug = 1;
    opt.slow_ms = slow_ms;
    opt.no_signals = 1;
    return opt;
}

/* Runs fn in debug mode with stderr captured; returns the captured text. */
static char *run_captured(int (*fn)(void *), void *arg, nest_options opt, int *rc)
{
    struct tu_capture capture = {-1, -1};
    assert_int_equal(tu_capture_begin(&capture), 0);
    *rc = nest_run(fn, arg, &opt);
    char *text = tu_capture_end(&capture);
    assert_non_null(text);
    return text;
}

/* ---- the lag report ----------------------------------------------------------------------- */

struct lag_lines {
    int blocker_line;
    int quick_line;
    useconds_t block_us;
};

static int blocker(void *arg)
{
    struct lag_lines *l = arg;
    usleep(l->block_us); /* blocks the loop */
    return 0;
}

static int quick(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        if (nest_yield() != 0)
            return 1;
    return 0;
}

static int main_lag(void *arg)
{
    struct lag_lines *l = arg;
    l->blocker_line = __LINE__ + 1;
    nest_task *b = nest_spawn(blocker, l);
    l->quick_line = __LINE__ + 1;
    nest_task *q = nest_spawn(quick, l);
    int r;
    CHECK_OK(nest_join(b, NEST_FOREVER, &r));
    CHECK_OK(nest_join(q, NEST_FOREVER, &r));
    return 0;
}

/* "... ran <N> ms without suspending": N, or -1. */
static long reported_ms(const char *line)
{
    const char *ran = strstr(line, " ran ");
    if (!ran)
        return -1;
    return strtol(ran + 5, NULL, 10);
}

static void test_lag_report_names_spawn_site(void **state)
{
    (void)state;
    struct lag_lines l = {0, 0, 200000};
    int rc;
    char *text = run_captured(main_lag, &l, debug_options(0), &rc);
    TU_ASSERT_NO_FAILURES();
    assert_int_equal(rc, 0);
    char blocker_site[SITE_LEN], quick_site[SITE_LEN], line[512];
    site(blocker_site, l.blocker_line);
    site(quick_site, l.quick_line);
    line_with(text, blocker_site, line, sizeof line);
    if (!line[0])
        fail_msg("no report naming %s in:\n%s", blocker_site, text);
    assert_non_null(strstr(line, "nest: task "));
    assert_non_null(strstr(line, "without suspending"));
    long ms = reported_ms(line);
    if (ms < 199)
        fail_msg("reported %ld ms for a 200 ms block: %s", ms, line);
    assert_null(strstr(text, quick_site)); /* the well-behaved task is not reported */
    free(text);
}

static void test_slow_ms_threshold(void **state)
{
    (void)state;
    char blocker_site[SITE_LEN], line[512];
    int rc;
    /* 30 ms under the default 100 ms: not reported. */
    struct lag_lines l = {0, 0, 30000};
    char *text = run_captured(main_lag, &l, debug_options(0), &rc);
    TU_ASSERT_NO_FAILURES();
    site(blocker_site, l.blocker_line);
    assert_null(strstr(text, blocker_site));
    free(text);
    /* 60 ms over slow_ms = 20: reported. */
    l = (struct lag_lines){0, 0, 60000};
    text = run_captured(main_lag, &l, debug_options(20), &rc);
    TU_ASSERT_NO_FAILURES();
    site(blocker_site, l.blocker_line);
    line_with(text, blocker_site, line, sizeof line);
    if (!line[0])
        fail_msg("no report naming %s with slow_ms=20 in:\n%s", blocker_site, text);
    assert_true(reported_ms(line) >= 59);
    free(text);
    /* Not in debug mode: nothing at all. */
    nest_options plain;
    memset(&plain, 0, sizeof plain);
    plain.no_signals = 1;
    l = (struct lag_lines){0, 0, 150000};
    text = run_captured(main_lag, &l, plain, &rc);
    TU_ASSERT_NO_FAILURES();
    assert_null(strstr(text, "nest:"));
    free(text);
}

/* ---- never-observed failures and leftovers at exit ---------------------------------------- */

struct exit_lines {
    int unobserved_line;
    int observed_line;
    int group_line;
    int leftover_line;
};

static int fail_with(void *arg)
{
    return (int)(intptr_t)arg;
}

static int sleep_forever(void *arg)
{
    (void)arg;
    while (nest_sleep(100000) == 0)
        ;
    return 0;
}

static int main_unobserved(void *arg)
{
    struct exit_lines *l = arg;
    l->unobserved_line = __LINE__ + 1;
    nest_task *unobserved = nest_spawn(fail_with, (void *)(intptr_t)7);
    l->observed_line = __LINE__ + 1;
    nest_task *observed = nest_spawn(fail_with, (void *)(intptr_t)9);
    nest_group *g = nest_group_open();
    l->group_line = __LINE__ + 1;
    CHECK_OK(nest_group_spawn(g, fail_with, (void *)(intptr_t)11));
    CHECK_EQ(nest_group_wait(g, NEST_FOREVER), 11); /* observed by the group */
    nest_group_close(g);
    l->leftover_line = __LINE__ + 1;
    nest_task *leftover = nest_spawn(sleep_forever, NULL);
    int r = 0;
    CHECK_OK(nest_join(observed, NEST_FOREVER, &r));
    CHECK_EQ(r, 9);
    CHECK_OK(nest_sleep(10)); /* `unobserved` has failed by now */
    (void)unobserved;         /* never joined: its failure goes unseen */
    (void)leftover;           /* still running when main returns */
    return 0;
}

static void test_unobserved_failure_and_leftovers_reported(void **state)
{
    (void)state;
    struct exit_lines l;
    memset(&l, 0, sizeof l);
    int rc;
    char *text = run_captured(main_unobserved, &l, debug_options(0), &rc);
    TU_ASSERT_NO_FAILURES();
    assert_int_equal(rc, 0);
    char s[SITE_LEN], line[512];
    site(s, l.unobserved_line);
    line_with(text, s, line, sizeof line);
    if (!line[0] || !strstr(line, "failed with 7") || !strstr(line, "nobody observed"))
        fail_msg("no unobserved-failure report for %s in:\n%s", s, text);
    site(s, l.observed_line);
    assert_null(strstr(text, s));
    assert_null(strstr(text, "failed with 9"));
    site(s, l.group_line);
    assert_null(strstr(text, s));
    site(s, l.leftover_line);
    line_with(text, s, line, sizeof line);
    if (!line[0] || !strstr(line, "still running at loop exit"))
        fail_msg("no still-running report for %s in:\n%s", s, text);
    free(text);
}

/* ---- nest_dump ---------------------------------------------------------------------------- */

struct dump_state {
    int fds[2];
    nest_queue *queue;
    nest_task *reader;
    int reader_line, sleeper_line, getter_line, joiner_line;
    char *dump;
    size_t dump_len;
};

static int dump_reader(void *arg)
{
    struct dump_state *d = arg;
    char c;
    (void)nest_read(d->fds[0], &c, 1, NEST_FOREVER);
    return 0;
}

static int dump_sleeper(void *arg)
{
    (void)arg;
    (void)nest_sleep(100000);
    return 0;
}

static int dump_getter(void *arg)
{
    struct dump_state *d = arg;
    void *item;
    (void)nest_queue_get(d->queue, &item, NEST_FOREVER);
    return 0;
}

static int dump_joiner(void *arg)
{
    struct dump_state *d = arg;
    int r;
    (void)nest_join(d->reader, nest_after(100000), &r);
    return 0;
}

static int main_dump(void *arg)
{
    struct dump_state *d = arg;
    if (tu_pipe(d->fds) != 0)
        return 1;
    d->queue = nest_queue_open(0);
    d->reader_line = __LINE__ + 1;
    d->reader = nest_spawn(dump_reader, d);
    d->sleeper_line = __LINE__ + 1;
    nest_task *sleeper = nest_spawn(dump_sleeper, d);
    d->getter_line = __LINE__ + 1;
    nest_task *getter = nest_spawn(dump_getter, d);
    d->joiner_line = __LINE__ + 1;
    nest_task *joiner = nest_spawn(dump_joiner, d);
    CHECK_OK(nest_sleep(20)); /* all parked */
    FILE *out = open_memstream(&d->dump, &d->dump_len);
    CHECK(out != NULL);
    if (out) {
        nest_dump(out);
        fclose(out);
    }
    int r;
    /* Joiner first: it holds the join of reader. */
    nest_cancel(joiner);
    CHECK_OK(nest_join(joiner, NEST_FOREVER, &r));
    nest_cancel(d->reader);
    CHECK_OK(nest_join(d->reader, NEST_FOREVER, &r));
    nest_cancel(sleeper);
    CHECK_OK(nest_join(sleeper, NEST_FOREVER, &r));
    nest_cancel(getter);
    CHECK_OK(nest_join(getter, NEST_FOREVER, &r));
    nest_queue_close(d->queue);
    CHECK_OK(nest_close(d->fds[0]));
    CHECK_OK(nest_close(d->fds[1]));
    return 0;
}

static void check_dump_line(const char *dump, int line_no, const char *must1, const char *must2)
{
    char s[SITE_LEN], line[512];
    site(s, line_no);
    line_with(dump, s, line, sizeof line);
    if (!line[0])
        fail_msg("nest_dump has no task spawned at %s:\n%s", s, dump);
    if (!strstr(line, must1) || (must2 && !strstr(line, must2)))
        fail_msg("nest_dump line for %s lacks \"%s\"%s%s%s: %s", s, must1, must2 ? " / \"" : "",
                 must2 ? must2 : "", must2 ? "\"" : "", line);
}

static void test_dump_lists_tasks(void **state)
{
    (void)state;
    struct dump_state d;
    memset(&d, 0, sizeof d);
    /* Not in debug mode: nest_dump works regardless. */
    TU_RUN(main_dump, &d, 0);
    assert_non_null(d.dump);
    fprintf(stderr, "---- nest_dump ----\n%s---- end ----\n", d.dump);
    char fd_text[32];
    snprintf(fd_text, sizeof fd_text, "fd %d", d.fds[0]);
    check_dump_line(d.dump, d.reader_line, "waiting", fd_text);
    check_dump_line(d.dump, d.sleeper_line, "waiting", "sleep");
    check_dump_line(d.dump, d.sleeper_line, "deadline", NULL);
    check_dump_line(d.dump, d.getter_line, "waiting", "queue");
    check_dump_line(d.dump, d.joiner_line, "waiting", "join");
    /* main is listed too, running (it called nest_dump). */
    assert_non_null(strstr(d.dump, "running"));
    free(d.dump);
}

/* ---- NEST_DEBUG=1 ------------------------------------------------------------------------- */

static void test_env_enables_debug(void **state)
{
    (void)state;
    struct lag_lines l = {0, 0, 150000};
    nest_options plain;
    memset(&plain, 0, sizeof plain);
    plain.no_signals = 1;
    assert_int_equal(setenv("NEST_DEBUG", "1", 1), 0);
    int rc;
    char *text = run_captured(main_lag, &l, plain, &rc);
    unsetenv("NEST_DEBUG");
    TU_ASSERT_NO_FAILURES();
    char s[SITE_LEN];
    site(s, l.blocker_line);
    if (!strstr(text, s))
        fail_msg("NEST_DEBUG=1 gave no lag report for %s:\n%s", s, text);
    free(text);
}

/* ---- SIGQUIT prints the dump -------------------------------------------------------------- */

/* The spawn below is on this line + 6; main_sigquit checks it. */
static const int quit_spawn_line = __LINE__ + 6;

static int main_sigquit(void *arg)
{
    (void)arg;
    int spawned_at = __LINE__ + 1;
    nest_task *t = nest_spawn(dump_sleeper, NULL);
    CHECK_EQ(spawned_at, quit_spawn_line);
    CHECK_OK(nest_sleep(10));
    CHECK_OK(raise(SIGQUIT));
    CHECK_OK(nest_sleep(50)); /* the loop prints it */
    nest_cancel(t);
    int r;
    CHECK_OK(nest_join(t, NEST_FOREVER, &r));
    return 0;
}

static int child_sigquit(void *arg)
{
    (void)arg;
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.debug = 1; /* signals on: SIGQUIT is handled in debug mode */
    int rc = nest_run(main_sigquit, NULL, &opt);
    return rc == 0 ? 0 : 3;
}

static void test_sigquit_prints_dump(void **state)
{
    (void)state;
    struct tu_capture capture = {-1, -1};
    assert_int_equal(tu_capture_begin(&capture), 0);
    int status = tu_fork_run(child_sigquit, NULL); /* the child writes to our fd 2 */
    char *text = tu_capture_end(&capture);
    assert_non_null(text);
    TU_ASSERT_CHILD_OK(status); /* SIGQUIT did not kill it (its default action) */
    char s[SITE_LEN], line[512];
    site(s, quit_spawn_line);
    line_with(text, s, line, sizeof line);
    if (!line[0] || !strstr(line, "sleep"))
        fail_msg("no dump of the sleeping task (%s) after SIGQUIT:\n%s", s, text);
    free(text);
}

/* no_signals=1 is about SIGINT/SIGTERM only (RUNTIME.md): in debug mode
 * SIGQUIT still prints the dump. */
static int child_sigquit_no_signals(void *arg)
{
    (void)arg;
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.debug = 1;
    opt.no_signals = 1;
    int rc = nest_run(main_sigquit, NULL, &opt);
    return rc == 0 ? 0 : 3;
}

static void test_sigquit_prints_dump_with_no_signals(void **state)
{
    (void)state;
    TU_REQUIRE_FORK(); /* if SIGQUIT is not handled, it kills the process */
    struct tu_capture capture = {-1, -1};
    assert_int_equal(tu_capture_begin(&capture), 0);
    int status = tu_fork_run(child_sigquit_no_signals, NULL);
    char *text = tu_capture_end(&capture);
    assert_non_null(text);
    if (WIFSIGNALED(status))
        fail_msg("debug mode with no_signals=1: SIGQUIT killed the process (signal %d) "
                 "instead of printing the dump",
                 WTERMSIG(status));
    TU_ASSERT_CHILD_OK(status);
    char s[SITE_LEN];
    site(s, quit_spawn_line);
    if (!strstr(text, s))
        fail_msg("no dump of the sleeping task (%s) after SIGQUIT:\n%s", s, text);
    free(text);
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_lag_report_names_spawn_site),
        TU_TEST(test_slow_ms_threshold),
        TU_TEST(test_unobserved_failure_and_leftovers_reported),
        TU_TEST(test_dump_lists_tasks),
        TU_TEST(test_env_enables_debug),
        TU_TEST(test_sigquit_prints_dump),
        TU_TEST(test_sigquit_prints_dump_with_no_signals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
