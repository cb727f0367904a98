/*
 * switch.c - context-switch cost of nest_yield.
 *
 * What: two tasks ping-pong with nest_yield() (no I/O pending, so the loop
 * only polls epoll at its bounded intervals); N yields in total (default
 * 10M, N/2 per task). Figure: wall time / N = ns per switch (one
 * nest_yield, i.e. one task-to-task hand-over including whatever the
 * scheduler does in between).
 * Baseline, same binary, same run: the same ping-pong between two
 * ucontext contexts with glibc swapcontext() (one swapcontext per switch;
 * it includes an rt_sigprocmask syscall, which is what hand-written
 * switches avoid). The baseline uses min(N, 1M) switches: its cost per
 * switch does not depend on N and 10M would take seconds.
 * Each measurement is repeated R times (default 5); best and median shown,
 * in wall time and in the thread's CPU time (CLOCK_THREAD_CPUTIME_ID: the
 * same on an idle machine, but not inflated by other processes taking the
 * core on a busy one).
 *
 * Usage: bench_switch [N [R]]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "bench_util.h"
#include "nest.h"

#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#define MAX_REPEATS 50

static long yields_total = 10000000;
static int repeats = 5;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ---- nest ---------------------------------------------------------------- */

static int pinger(void *arg)
{
    long n = *(const long *)arg;
    for (long i = 0; i < n; i++)
        if (nest_yield() != 0)
            return 1;
    return 0;
}

static int64_t nest_times[MAX_REPEATS], nest_cpu[MAX_REPEATS];

static int nest_main(void *arg)
{
    (void)arg;
    long half = yields_total / 2;
    for (int r = 0; r < repeats; r++) {
        int64_t t0 = bench_now_ns(), c0 = bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
        nest_task *a = nest_spawn(pinger, &half);
        nest_task *b = nest_spawn(pinger, &half);
        if (!a || !b) {
            perror("nest_spawn");
            return 1;
        }
        int ra = -1, rb = -1;
        if (nest_join(a, NEST_FOREVER, &ra) != 0 || nest_join(b, NEST_FOREVER, &rb) != 0) {
            perror("nest_join");
            return 1;
        }
        nest_times[r] = bench_now_ns() - t0;
        nest_cpu[r] = bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
        if (ra != 0 || rb != 0) {
            fprintf(stderr, "a pinger failed\n");
            return 1;
        }
    }
    return 0;
}

/* ---- ucontext baseline ----------------------------------------------------- */

static ucontext_t uc_main, uc_a, uc_b;
static long uc_half;

static void uc_a_fn(void)
{
    for (long i = 0; i < uc_half; i++)
        swapcontext(&uc_a, &uc_b);
    /* returns to uc_main through uc_link */
}

static void uc_b_fn(void)
{
    for (long i = 0; i < uc_half; i++)
        swapcontext(&uc_b, &uc_a);
    /* never reached: B's last swap goes to A, which then finishes */
}

static int64_t ucontext_run(long switches, int64_t *cpu)
{
    enum { STACK = 64 * 1024 };
    static char stack_a[STACK] __attribute__((aligned(64)));
    static char stack_b[STACK] __attribute__((aligned(64)));
    uc_half = switches / 2;
    if (getcontext(&uc_a) != 0 || getcontext(&uc_b) != 0) {
        perror("getcontext");
        exit(1);
    }
    uc_a.uc_stack.ss_sp = stack_a;
    uc_a.uc_stack.ss_size = STACK;
    uc_a.uc_link = &uc_main;
    makecontext(&uc_a, uc_a_fn, 0);
    uc_b.uc_stack.ss_sp = stack_b;
    uc_b.uc_stack.ss_size = STACK;
    uc_b.uc_link = &uc_main;
    makecontext(&uc_b, uc_b_fn, 0);
    int64_t t0 = bench_now_ns(), c0 = bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    swapcontext(&uc_main, &uc_a); /* back here when A has finished */
    *cpu = bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    return bench_now_ns() - t0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        yields_total = bench_parse_count(argv[1], "N");
    if (argc > 2)
        repeats = (int)bench_parse_count(argv[2], "R");
    if (repeats > MAX_REPEATS)
        repeats = MAX_REPEATS;
    yields_total &= ~1L;
    if (yields_total < 2)
        yields_total = 2;

    nest_options opt = {0};
    opt.no_signals = 1;
    int rc = nest_run(nest_main, NULL, &opt);
    if (rc != 0) {
        fprintf(stderr, "nest_run failed: %d\n", rc);
        return 1;
    }

    long uc_switches = yields_total < 1000000 ? yields_total : 1000000;
    int64_t uc_times[MAX_REPEATS], uc_cpu[MAX_REPEATS];
    for (int r = 0; r < repeats; r++)
        uc_times[r] = ucontext_run(uc_switches, &uc_cpu[r]);

    size_t n = (size_t)repeats;
    qsort(nest_times, n, sizeof nest_times[0], cmp_i64);
    qsort(nest_cpu, n, sizeof nest_cpu[0], cmp_i64);
    qsort(uc_times, n, sizeof uc_times[0], cmp_i64);
    qsort(uc_cpu, n, sizeof uc_cpu[0], cmp_i64);
    double ny = (double)yields_total, us = (double)uc_switches;
    double nest_best = (double)nest_times[0] / ny, nest_med = (double)nest_times[n / 2] / ny;
    double uc_best = (double)uc_times[0] / us, uc_med = (double)uc_times[n / 2] / us;
    double nest_cbest = (double)nest_cpu[0] / ny, uc_cbest = (double)uc_cpu[0] / us;

    printf("switch: nest_yield ping-pong, 2 tasks, %ld yields: %.2f ns/switch "
           "(best of %d; median %.2f; CPU time %.2f)\n",
           yields_total, nest_best, repeats, nest_med, nest_cbest);
    printf("switch: baseline ucontext swapcontext ping-pong, %ld swaps: %.2f ns/switch "
           "(best of %d; median %.2f; CPU time %.2f)\n",
           uc_switches, uc_best, repeats, uc_med, uc_cbest);
    printf("switch: ratio nest/swapcontext = %.3f (swapcontext is %.1fx slower); "
           "target nest <= 15 ns: %s\n",
           nest_best / uc_best, uc_best / nest_best, nest_best <= 15.0 ? "met" : "MISSED");
    return 0;
}
