/*
 * test_stack.c - task stacks: an overflow is a clean SIGSEGV on the guard
 * page (in a fork()ed child; skipped under AddressSanitizer, which reports
 * the overflow itself), a custom stack_size is honoured, and no_guard_pages
 * (and NEST_NO_GUARD=1) run tasks normally.
 */
#include "test_util.h"

#include <sys/mman.h>

/* ---- overflow ----------------------------------------------------------------------------- */

/* What the child's SIGSEGV handler saw, in memory shared with the parent. */
struct fault_report {
    uintptr_t stack_top;  /* a local near the top of the overflowing task's stack */
    uintptr_t fault_addr; /* si_addr of the first SIGSEGV */
    int faults;
};

static struct fault_report *fault_report;
static volatile int recursion_sink;

static int __attribute__((noinline)) recurse(int depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    frame[sizeof frame - 1] = (char)depth;
    if (depth > 10 * 1000 * 1000) /* 10 GB of frames: never reached */
        return frame[0];
    int below = recurse(depth + 1);
    return below + frame[sizeof frame - 1];
}

static void on_segv(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    if (fault_report->faults++ == 0)
        fault_report->fault_addr = (uintptr_t)info->si_addr;
    /* SA_RESETHAND: returning re-runs the access, which now kills the
     * process with SIGSEGV, as it would without this handler. */
}

static int overflowing_task(void *arg)
{
    (void)arg;
    volatile char top_marker = 0;
    fault_report->stack_top = (uintptr_t)&top_marker;
    recursion_sink = recurse(top_marker);
    return 0;
}

static int neighbour_task(void *arg)
{
    (void)arg;
    (void)nest_sleep(100000);
    return 0;
}

static int main_overflow(void *arg)
{
    (void)arg;
    nest_task *t = nest_spawn(overflowing_task, NULL);
    /* Mapped after (so, usually, right below) the overflowing task's stack:
     * without a guard page the overflow would run into it silently. */
    nest_task *neighbour = nest_spawn(neighbour_task, NULL);
    if (!t || !neighbour)
        return 1;
    int r;
    (void)nest_join(t, NEST_FOREVER, &r);
    return 0; /* not reached: the overflow kills the process */
}

static int child_overflow(void *arg)
{
    size_t stack_size = (size_t)(uintptr_t)arg;
    static char alt_stack[64 * 1024];
    stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack};
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGSEGV, &action, NULL) != 0)
        return 51;
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.no_signals = 1;
    opt.stack_size = stack_size;
    (void)nest_run(main_overflow, NULL, &opt);
    return 50; /* survived the overflow: silent corruption */
}

static void expect_overflow_segv(size_t stack_size)
{
    fault_report =
        mmap(NULL, sizeof *fault_report, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(fault_report != MAP_FAILED);
    memset(fault_report, 0, sizeof *fault_report);
    int status = tu_fork_run(child_overflow, (void *)(uintptr_t)stack_size);
    struct fault_report report = *fault_report;
    munmap(fault_report, sizeof *fault_report);
    assert_int_not_equal(status, -1);
    if (WIFEXITED(status))
        fail_msg("stack overflow did not kill the child (exit status %d)", WEXITSTATUS(status));
    assert_true(WIFSIGNALED(status));
    if (WTERMSIG(status) != SIGSEGV)
        fail_msg("stack overflow killed the child with signal %d, expected SIGSEGV (%d)",
                 WTERMSIG(status), SIGSEGV);
    /* The first fault is on the guard page just below the task's own stack,
     * not somewhere further down after overwriting what lies there. */
    assert_int_equal(report.faults, 1);
    long page = sysconf(_SC_PAGESIZE);
    intptr_t depth = (intptr_t)(report.stack_top - report.fault_addr);
    intptr_t low = (intptr_t)stack_size - 16 * 1024;
    intptr_t high = (intptr_t)stack_size + page + 16 * 1024;
    if (depth < low || depth > high)
        fail_msg("the overflow first faulted %ld bytes below the top of a %zu-byte stack, "
                 "expected %ld..%ld (the guard page): no guard page?",
                 (long)depth, stack_size, (long)low, (long)high);
}

static void test_overflow_is_sigsegv(void **state)
{
    (void)state;
    if (TU_ASAN) {
        skip(); /* ASan reports the overflow itself (and exits with its own code) */
        return;
    }
    TU_REQUIRE_FORK();
    expect_overflow_segv(64 * 1024);  /* the default size */
    expect_overflow_segv(256 * 1024); /* a custom one */
}

/* ---- custom stack_size -------------------------------------------------------------------- */

#define BIG_FRAME (900 * 1024)

static int __attribute__((noinline)) use_big_frame(int seed)
{
    volatile char frame[BIG_FRAME];
    for (size_t i = 0; i < sizeof frame; i += 1024)
        frame[i] = (char)(seed + (int)i);
    int sum = 0;
    for (size_t i = 0; i < sizeof frame; i += 4096)
        sum += frame[i];
    return sum;
}

static int big_frame_task(void *arg)
{
    int *sum = arg;
    if (nest_yield() != 0) /* switch away and back with the big frame below */
        return 1;
    *sum = use_big_frame(3);
    if (nest_yield() != 0)
        return 1;
    return 0;
}

static int main_big_stack(void *arg)
{
    (void)arg;
    int sums[2] = {0, 0};
    nest_task *a = nest_spawn(big_frame_task, &sums[0]);
    nest_task *b = nest_spawn(big_frame_task, &sums[1]);
    if (!a || !b)
        return 1;
    int ra = -1, rb = -1;
    CHECK_OK(nest_join(a, NEST_FOREVER, &ra));
    CHECK_OK(nest_join(b, NEST_FOREVER, &rb));
    CHECK_EQ(ra, 0);
    CHECK_EQ(rb, 0);
    CHECK_EQ(sums[0], sums[1]);
    CHECK_INT(sums[0], !=, 0);
    return 0;
}

static int child_big_stack(void *arg)
{
    (void)arg;
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.no_signals = 1;
    opt.stack_size = 1024 * 1024;
    return nest_run(main_big_stack, NULL, &opt);
}

static void test_custom_stack_size_honoured(void **state)
{
    (void)state;
    /* In a child: if stack_size were ignored, the task would overflow. */
    TU_ASSERT_CHILD_OK(tu_fork_run(child_big_stack, NULL));
}

/* ---- without guard pages ------------------------------------------------------------------ */

#if TU_ASAN
#define UNGUARDED_TASKS 2000 /* ASan: 256 KiB stacks and fake stacks per task */
#else
#define UNGUARDED_TASKS 10000
#endif

static int sleep_then_return_index(void *arg)
{
    if (nest_sleep(20) != 0)
        return -1;
    return (int)(intptr_t)arg;
}

static int main_many_sleepers(void *arg)
{
    (void)arg;
    static nest_task *tasks[UNGUARDED_TASKS];
    for (int i = 0; i < UNGUARDED_TASKS; i++) {
        tasks[i] = nest_spawn(sleep_then_return_index, (void *)(intptr_t)i);
        if (!tasks[i]) {
            tu_fail(__FILE__, __LINE__, "spawn %d failed: %s", i, strerror(errno));
            for (int j = 0; j < i; j++) {
                int r;
                (void)nest_join(tasks[j], NEST_FOREVER, &r);
            }
            return 1;
        }
    }
    long sum = 0;
    for (int i = 0; i < UNGUARDED_TASKS; i++) {
        int r = -1;
        CHECK_OK(nest_join(tasks[i], NEST_FOREVER, &r));
        CHECK_EQ(r, i);
        sum += r;
    }
    CHECK_EQ(sum, (long)UNGUARDED_TASKS * (UNGUARDED_TASKS - 1) / 2);
    return 0;
}

static void test_no_guard_pages(void **state)
{
    (void)state;
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    opt.no_guard_pages = 1;
    opt.stack_size = 32 * 1024;
    if (TU_ASAN)
        opt.stack_size = 0; /* ASan's larger default */
    /* UNGUARDED_TASKS concurrent tasks (all asleep at once). */
    assert_int_equal(tu_run_opts(main_many_sleepers, NULL, opt), 0);
    TU_ASSERT_NO_FAILURES();
    /* And with a task using a good part of its stack. */
    opt.stack_size = 1024 * 1024;
    assert_int_equal(tu_run_opts(main_big_stack, NULL, opt), 0);
    TU_ASSERT_NO_FAILURES();
}

static void test_no_guard_env(void **state)
{
    (void)state;
    assert_int_equal(setenv("NEST_NO_GUARD", "1", 1), 0);
    nest_options opt;
    memset(&opt, 0, sizeof opt);
    int rc = tu_run_opts(main_many_sleepers, NULL, opt);
    unsetenv("NEST_NO_GUARD");
    assert_int_equal(rc, 0);
    TU_ASSERT_NO_FAILURES();
}

int main(void)
{
    tu_apply_filter();
    const struct CMUnitTest tests[] = {
        TU_TEST(test_overflow_is_sigsegv),
        TU_TEST(test_custom_stack_size_honoured),
        TU_TEST(test_no_guard_pages),
        TU_TEST(test_no_guard_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
