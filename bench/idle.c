/*
 * idle.c - memory cost and spawn rate of idle (sleeping) tasks.
 *
 * What: inside nest_run, spawn K tasks that each call nest_sleep(1 hour),
 * yield until every one of them has started and parked, then read VmRSS,
 * VmSize and the mapping count (/proc/self/status, /proc/self/maps) again.
 * Figures: resident KiB per task ((VmRSS after - before) / K), virtual
 * KiB per task, mappings added per task, and the spawn rate in tasks/s
 * (spawn calls only, and spawn + first run until parked). Then every task
 * is cancelled and joined, and that rate is reported too.
 * Two configurations, each in its own child process so neither inherits
 * the other's heap: with guard pages (the default; K = 100k, which needs
 * MADV_GUARD_INSTALL or similar, since two mappings per stack would hit
 * the default vm.max_map_count of 65530 near 32k tasks: the run stops at
 * the first failed spawn and reports how far it got) and without
 * (nest_options.no_guard_pages = 1, K = 1M).
 * Baseline for context: K threads are not feasible, so the default stack
 * size (64 KiB, RUNTIME.md), vm.max_map_count and the observed mapping
 * count are printed instead.
 *
 * Usage: bench_idle                  both configurations (defaults)
 *        bench_idle guard|noguard K  one configuration, in this process
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "bench_util.h"
#include "nest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *config_name;
static long task_goal;
static nest_task **handles;
static long spawned, started;
static int spawn_errno;

static int sleeper(void *arg)
{
    (void)arg;
    started++;
    /* Expected to end with ECANCELED when main cancels it. */
    if (nest_sleep(3600 * 1000) == 0)
        return 1;
    return errno == ECANCELED ? 0 : 2;
}

static int idle_main(void *arg)
{
    (void)arg;
    long rss0 = bench_status_kib("VmRSS"), vm0 = bench_status_kib("VmSize");
    long maps0 = bench_map_count();

    int64_t t0 = bench_now_ns();
    for (spawned = 0; spawned < task_goal; spawned++) {
        handles[spawned] = nest_spawn(sleeper, NULL);
        if (!handles[spawned]) {
            spawn_errno = errno;
            break;
        }
    }
    int64_t t1 = bench_now_ns();
    while (started < spawned)
        if (nest_yield() != 0)
            return 1;
    int64_t t2 = bench_now_ns();

    long rss1 = bench_status_kib("VmRSS"), vm1 = bench_status_kib("VmSize");
    long maps1 = bench_map_count();

    if (spawned < task_goal)
        printf("idle[%s]: spawn #%ld failed: %s (vm.max_map_count = %ld)\n", config_name,
               spawned + 1, strerror(spawn_errno), bench_sysctl("/proc/sys/vm/max_map_count"));
    if (spawned == 0)
        return 1;
    double k = (double)spawned;
    printf("idle[%s]: %ld sleeping tasks: %.2f KiB resident per task "
           "(VmRSS %ld -> %ld KiB); target <= 12 KiB: %s\n",
           config_name, spawned, (double)(rss1 - rss0) / k, rss0, rss1,
           (double)(rss1 - rss0) / k <= 12.0 ? "met" : "MISSED");
    printf("idle[%s]: spawn rate %.0f tasks/s (spawn calls only), %.0f tasks/s "
           "(spawn + run until parked)\n",
           config_name, k / ((double)(t1 - t0) / 1e9), k / ((double)(t2 - t0) / 1e9));
    printf("idle[%s]: baseline/context: default stack 64 KiB per task; virtual %.1f KiB "
           "per task (VmSize %ld -> %ld KiB); mappings %ld -> %ld (%.4f per task; "
           "vm.max_map_count %ld)\n",
           config_name, (double)(vm1 - vm0) / k, vm0, vm1, maps0, maps1,
           (double)(maps1 - maps0) / k, bench_sysctl("/proc/sys/vm/max_map_count"));

    int64_t t3 = bench_now_ns();
    for (long i = 0; i < spawned; i++)
        nest_cancel(handles[i]);
    long failed = 0;
    for (long i = 0; i < spawned; i++) {
        int r = -1;
        if (nest_join(handles[i], NEST_FOREVER, &r) != 0 || r != 0)
            failed++;
    }
    int64_t t4 = bench_now_ns();
    printf("idle[%s]: cancel + join of %ld tasks: %.0f tasks/s%s\n", config_name, spawned,
           k / ((double)(t4 - t3) / 1e9), failed ? " (SOME FAILED)" : "");
    return failed ? 1 : 0;
}

static int run_config(const char *name, long k)
{
    config_name = name;
    task_goal = k;
    /* Allocate and touch the handle array before the first VmRSS reading. */
    handles = malloc((size_t)k * sizeof *handles);
    if (!handles) {
        perror("malloc");
        return 1;
    }
    memset(handles, 0, (size_t)k * sizeof *handles);
    nest_options opt = {0};
    opt.no_signals = 1;
    opt.no_guard_pages = strcmp(name, "noguard") == 0;
    int rc = nest_run(idle_main, NULL, &opt);
    if (rc != 0)
        fprintf(stderr, "idle[%s]: nest_run returned %d (%s)\n", name, rc,
                rc == -1 ? strerror(errno) : "a task failed");
    free(handles);
    return rc != 0;
}

static int run_child(const char *name, long k)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        int rc = run_config(name, k);
        fflush(stdout);
        _exit(rc);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) {
        perror("waitpid");
        return 1;
    }
    if (WIFSIGNALED(status)) {
        printf("idle[%s]: child killed by signal %d\n", name, WTERMSIG(status));
        return 1;
    }
    return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
    if (argc == 3) {
        if (strcmp(argv[1], "guard") != 0 && strcmp(argv[1], "noguard") != 0) {
            fprintf(stderr, "usage: bench_idle [guard|noguard K]\n");
            return 2;
        }
        return run_config(argv[1], bench_parse_count(argv[2], "K"));
    }
    if (argc != 1) {
        fprintf(stderr, "usage: bench_idle [guard|noguard K]\n");
        return 2;
    }
    int rc = run_child("guard", 100000);
    rc |= run_child("noguard", 1000000);
    return rc;
}
