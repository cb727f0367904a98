/*
 * spawn.c - cost of spawning and joining an empty task.
 *
 * What: (a) sequential: nest_spawn(empty) immediately followed by
 * nest_join(FOREVER), N times (default 1M); (b) batched: N/1000 rounds of
 * 1000 spawns followed by 1000 joins (stacks come from the runtime's stack
 * cache, so after the first batch no mmap should be needed). Figure:
 * wall time / N = ns per spawn+join (which includes running the empty task
 * and the two context switches into and out of it).
 * Baseline, same binary, same run: pthread_create + pthread_join of an
 * empty thread, M times (default 20k), sequentially (outside nest_run).
 * Each measurement is repeated R times (default 3); the best is shown, in
 * wall time and in CPU time (the process's: it includes the threads of the
 * baseline), which other processes on a busy machine do not inflate.
 *
 * Usage: bench_spawn [N [M [R]]]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "bench_util.h"
#include "nest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define BATCH 1000

static long iterations = 1000000;
static long thread_iterations = 20000;
static int repeats = 3;
static int64_t best_seq = INT64_MAX, best_batch = INT64_MAX;
static int64_t cpu_seq = INT64_MAX, cpu_batch = INT64_MAX;

static void keep_min(int64_t *best, int64_t value)
{
    if (value < *best)
        *best = value;
}

static int empty_task(void *arg)
{
    (void)arg;
    return 0;
}

static int seq_round(void)
{
    for (long i = 0; i < iterations; i++) {
        nest_task *t = nest_spawn(empty_task, NULL);
        int r = -1;
        if (!t || nest_join(t, NEST_FOREVER, &r) != 0 || r != 0) {
            perror("spawn/join");
            return -1;
        }
    }
    return 0;
}

static int batch_round(void)
{
    static nest_task *batch[BATCH];
    for (long done = 0; done < iterations; done += BATCH) {
        long n = iterations - done < BATCH ? iterations - done : BATCH;
        for (long i = 0; i < n; i++) {
            batch[i] = nest_spawn(empty_task, NULL);
            if (!batch[i]) {
                perror("nest_spawn");
                return -1;
            }
        }
        for (long i = 0; i < n; i++) {
            int r = -1;
            if (nest_join(batch[i], NEST_FOREVER, &r) != 0 || r != 0) {
                perror("nest_join");
                return -1;
            }
        }
    }
    return 0;
}

static int nest_main(void *arg)
{
    (void)arg;
    for (int r = 0; r < repeats; r++) {
        int64_t t0 = bench_now_ns(), c0 = bench_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
        if (seq_round() != 0)
            return 1;
        int64_t t1 = bench_now_ns(), c1 = bench_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
        if (batch_round() != 0)
            return 1;
        int64_t t2 = bench_now_ns(), c2 = bench_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
        keep_min(&best_seq, t1 - t0);
        keep_min(&best_batch, t2 - t1);
        keep_min(&cpu_seq, c1 - c0);
        keep_min(&cpu_batch, c2 - c1);
    }
    return 0;
}

static void *empty_thread(void *arg)
{
    return arg;
}

static int64_t pthread_round(int64_t *cpu)
{
    int64_t t0 = bench_now_ns(), c0 = bench_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (long i = 0; i < thread_iterations; i++) {
        pthread_t th;
        int err = pthread_create(&th, NULL, empty_thread, NULL);
        if (err != 0) {
            fprintf(stderr, "pthread_create: %s\n", strerror(err));
            exit(1);
        }
        pthread_join(th, NULL);
    }
    *cpu = bench_cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
    return bench_now_ns() - t0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        iterations = bench_parse_count(argv[1], "N");
    if (argc > 2)
        thread_iterations = bench_parse_count(argv[2], "M");
    if (argc > 3)
        repeats = (int)bench_parse_count(argv[3], "R");

    nest_options opt = {0};
    opt.no_signals = 1;
    int rc = nest_run(nest_main, NULL, &opt);
    if (rc != 0) {
        fprintf(stderr, "nest_run failed: %d\n", rc);
        return 1;
    }

    int64_t best_thread = INT64_MAX, cpu_thread = INT64_MAX;
    for (int r = 0; r < repeats; r++) {
        int64_t cpu = 0;
        keep_min(&best_thread, pthread_round(&cpu));
        keep_min(&cpu_thread, cpu);
    }

    double seq = (double)best_seq / (double)iterations;
    double batch = (double)best_batch / (double)iterations;
    double thr = (double)best_thread / (double)thread_iterations;
    double n = (double)iterations, m = (double)thread_iterations;
    printf("spawn: nest spawn+join of an empty task, sequential, %ld iterations: "
           "%.1f ns each (best of %d; CPU time %.1f)\n",
           iterations, seq, repeats, (double)cpu_seq / n);
    printf("spawn: nest spawn+join of an empty task, batches of %d, %ld iterations: "
           "%.1f ns each (best of %d; CPU time %.1f)\n",
           BATCH, iterations, batch, repeats, (double)cpu_batch / n);
    printf("spawn: baseline pthread_create+pthread_join of an empty thread, %ld iterations: "
           "%.1f ns each (best of %d; CPU time %.1f)\n",
           thread_iterations, thr, repeats, (double)cpu_thread / m);
    printf("spawn: ratio nest/pthread = %.4f sequential, %.4f batched "
           "(pthread is %.0fx / %.0fx slower); target nest <= 200 ns: %s\n",
           seq / thr, batch / thr, thr / seq, thr / batch,
           (seq <= 200.0 && batch <= 200.0) ? "met" : "MISSED");
    return 0;
}
