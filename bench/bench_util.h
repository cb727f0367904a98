/*
 * bench_util.h - small helpers shared by the nest benchmarks: a monotonic
 * nanosecond clock, argument parsing and /proc readers (VmRSS, mapping
 * count). Header-only so each benchmark stays one self-contained binary.
 */
#ifndef NEST_BENCH_UTIL_H
#define NEST_BENCH_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID) or of the whole
 * process (CLOCK_PROCESS_CPUTIME_ID), in ns. Unlike wall time it does not grow
 * while other processes hold the core, so it stays meaningful on a busy
 * machine; on an idle one the two agree for single-threaded work. */
static inline int64_t bench_cpu_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Parses a positive count such as "10000000", "10M" or "100k"; exits on junk. */
static inline long bench_parse_count(const char *text, const char *what)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (end && (*end == 'k' || *end == 'K')) {
        value *= 1000;
        end++;
    } else if (end && (*end == 'm' || *end == 'M')) {
        value *= 1000000;
        end++;
    }
    if (errno || end == text || *end != '\0' || value <= 0) {
        fprintf(stderr, "bad %s: %s\n", what, text);
        exit(2);
    }
    return value;
}

/* A "Name:   1234 kB" field of /proc/self/status, in KiB; -1 if absent. */
static inline long bench_status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    size_t len = strlen(field);
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            kib = strtol(line + len + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

/* Number of lines of /proc/self/maps: the process's kernel mappings (VMAs). */
static inline long bench_map_count(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    long lines = 0;
    int c;
    while ((c = getc(f)) != EOF)
        if (c == '\n')
            lines++;
    fclose(f);
    return lines;
}

/* An integer from a one-line /proc/sys file; -1 if unreadable. */
static inline long bench_sysctl(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long value = -1;
    if (fscanf(f, "%ld", &value) != 1)
        value = -1;
    fclose(f);
    return value;
}

#endif /* NEST_BENCH_UTIL_H */
