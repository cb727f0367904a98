/*
 * stack.c - task stacks: mmap'd, guarded, cached.
 *
 * Each stack is one anonymous mapping (MAP_NORESERVE: only touched pages
 * cost memory) whose lowest page is a guard, so an overflow is a clean
 * SIGSEGV instead of silent corruption of a neighbour. The guard is
 * installed with MADV_GUARD_INSTALL where the kernel has it (Linux 6.13):
 * it lives in the page tables and does not split the mapping, so a guarded
 * stack costs one entry of vm.max_map_count (65530 by default) instead of
 * two. Older kernels get mprotect(PROT_NONE). Stacks of finished tasks are
 * kept in a cache, because mmap + munmap per task would dominate the cost
 * of spawning a short task.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef NEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

enum { GUARD_NONE, GUARD_MADVISE, GUARD_MPROTECT };

/* Cached stacks beyond this are unmapped: a burst of tasks should not pin
 * its peak memory for the rest of the run. */
enum { STACK_CACHE_MAX = 4096 };

static size_t page_size(void)
{
    long size = sysconf(_SC_PAGESIZE);
    return size > 0 ? (size_t)size : 4096;
}

void nest__stacks_init(struct nest_stack_cache *cache, size_t stack_size, bool guard_pages)
{
    size_t page = page_size();
    cache->free_stacks = NULL;
    cache->count = 0;
    cache->capacity = 0;
    cache->stack_size = (stack_size + page - 1) / page * page;
    cache->guard_size = guard_pages ? page : 0;
    cache->guard_method = guard_pages ? GUARD_MADVISE : GUARD_NONE;
    cache->guard_verified = false;
}

/* Some environments accept MADV_GUARD_INSTALL and do nothing (qemu-user
 * returns 0 for advice it does not know). Ask the kernel to copy from the
 * guard: a working guard makes the copy fail with EFAULT. */
static bool guard_works(const void *guard)
{
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        return false;
    ssize_t copied = write(pipe_fds[1], guard, 1);
    int error = errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return copied < 0 && error == EFAULT;
}

static int install_guard(struct nest_stack_cache *cache, void *mapping)
{
    if (cache->guard_method == GUARD_MADVISE) {
        if (madvise(mapping, cache->guard_size, MADV_GUARD_INSTALL) == 0) {
            if (cache->guard_verified || guard_works(mapping)) {
                cache->guard_verified = true;
                return 0;
            }
            cache->guard_method = GUARD_MPROTECT;
            return mprotect(mapping, cache->guard_size, PROT_NONE);
        }
        if (errno != EINVAL)
            return -1;
        cache->guard_method = GUARD_MPROTECT; /* kernel older than 6.13 */
    }
    if (cache->guard_method == GUARD_MPROTECT)
        return mprotect(mapping, cache->guard_size, PROT_NONE);
    return 0;
}

/* ASan keeps the shadow of frames that never returned (a task's stack is
 * abandoned mid-call when it exits); a reused or re-mapped stack must start
 * clean or ASan reports overflows that are not there. */
static void *fresh(const struct nest_stack_cache *cache, void *mapping)
{
#ifdef NEST_ASAN
    __asan_unpoison_memory_region(nest__stack_bottom(cache, mapping), cache->stack_size);
#else
    (void)cache;
#endif
    return mapping;
}

void *nest__stack_get(struct nest_stack_cache *cache)
{
    if (cache->count > 0)
        return fresh(cache, cache->free_stacks[--cache->count]);
    size_t size = cache->stack_size + cache->guard_size;
    void *mapping = mmap(NULL, size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mapping == MAP_FAILED) {
        errno = ENOMEM;
        return NULL;
    }
    if (install_guard(cache, mapping) != 0) {
        munmap(mapping, size);
        errno = ENOMEM;
        return NULL;
    }
    return fresh(cache, mapping);
}

void nest__stack_put(struct nest_stack_cache *cache, void *mapping)
{
    if (cache->count == cache->capacity && cache->capacity < STACK_CACHE_MAX) {
        size_t capacity = cache->capacity ? cache->capacity * 2 : 64;
        void **grown = realloc(cache->free_stacks, capacity * sizeof *grown);
        if (grown != NULL) {
            cache->free_stacks = grown;
            cache->capacity = capacity;
        }
    }
    if (cache->count < cache->capacity) {
        cache->free_stacks[cache->count++] = mapping;
        return;
    }
    munmap(mapping, cache->stack_size + cache->guard_size);
}

void *nest__stack_bottom(const struct nest_stack_cache *cache, void *mapping)
{
    return (char *)mapping + cache->guard_size;
}

void nest__stacks_destroy(struct nest_stack_cache *cache)
{
    for (size_t i = 0; i < cache->count; i++)
        munmap(cache->free_stacks[i], cache->stack_size + cache->guard_size);
    free(cache->free_stacks);
    cache->free_stacks = NULL;
    cache->count = 0;
    cache->capacity = 0;
}
