/*
 * link_scale.c - the link step on generated facts: does its time grow
 * linearly with the program?
 *
 * Builds programs of F functions with 10 calls each (1M calls at 100k
 * functions) spread over F/100 units, as plain facts (no parsing), with a
 * task root in every unit, links them with ll_program_link and prints the
 * time per size and per call. Linear growth shows as a flat ns-per-call
 * column.
 *
 * usage: bench_analyzer_link_scale [MAX_FUNCTIONS]   (default 100000)
 */
#define _GNU_SOURCE
#include "analysis/program.h"
#include "packs/pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { CALLS_PER_FUNCTION = 10, FUNCTIONS_PER_UNIT = 100 };

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* A deterministic pseudo-random sequence (xorshift), one per program. */
static uint64_t next_random(uint64_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static int add_call(ll_function *function, ll_index block, const char *name, const char *usr) {
    ll_index call = ll_function_add_call(function, name);
    if (call == LL_NONE)
        return -1;
    function->calls[call].callee_usr = strdup(usr);
    function->calls[call].block = block;
    ll_operation *operation = ll_block_add_operation(&function->blocks[block], LL_OPERATION_CALL);
    if (!operation || !function->calls[call].callee_usr)
        return -1;
    operation->call = call;
    return 0;
}

static ll_unit *make_unit(uint32_t unit_index, uint32_t function_total, uint64_t *random) {
    char path[64], name[32], usr[48];
    snprintf(path, sizeof path, "/corpus/dir%u/unit%u.c", unit_index % 16, unit_index);
    ll_unit *unit = ll_unit_new(path, "/corpus", "cc -c");
    if (!unit || ll_unit_add_file(unit, path, 0, false) == LL_NONE)
        return NULL;
    for (uint32_t f = 0; f < FUNCTIONS_PER_UNIT; f++) {
        uint32_t id = unit_index * FUNCTIONS_PER_UNIT + f;
        snprintf(name, sizeof name, "f%u", id);
        snprintf(usr, sizeof usr, "c:@F@f%u", id);
        ll_function *function = ll_unit_add_function(unit, name, usr);
        if (!function)
            return NULL;
        function->is_definition = true;
        function->location = (ll_location){0, f + 1, 1};
        ll_index block = ll_function_add_block(function);
        if (block == LL_NONE)
            return NULL;
        function->blocks[block].terminator = LL_TERMINATOR_RETURN;
        for (int c = 0; c < CALLS_PER_FUNCTION; c++) {
            uint32_t callee = (uint32_t)(next_random(random) % function_total);
            snprintf(name, sizeof name, "f%u", callee);
            snprintf(usr, sizeof usr, "c:@F@f%u", callee);
            if (add_call(function, block, name, usr) < 0)
                return NULL;
        }
        if (f == 0) { /* one task root per unit */
            if (add_call(function, block, "spawn", "c:@F@spawn") < 0)
                return NULL;
            ll_call *spawn = &function->calls[function->call_count - 1];
            ll_value *argument = ll_call_add_argument(spawn);
            if (!argument)
                return NULL;
            argument->kind = LL_VALUE_FUNCTION;
            snprintf(name, sizeof name, "f%u", id + 1);
            snprintf(usr, sizeof usr, "c:@F@f%u", id + 1);
            argument->name = strdup(name);
            argument->usr = strdup(usr);
        }
    }
    return unit;
}

static int measure(ll_packs *packs, uint32_t functions) {
    uint32_t unit_count = functions / FUNCTIONS_PER_UNIT;
    ll_unit **units = calloc(unit_count, sizeof *units);
    uint64_t random = 0x9E3779B97F4A7C15u;
    if (!units)
        return -1;
    for (uint32_t u = 0; u < unit_count; u++)
        if (!(units[u] = make_unit(u, functions, &random)))
            return -1;
    ll_statistics statistics;
    memset(&statistics, 0, sizeof statistics);
    ll_error error = {{0}};
    double started = seconds();
    ll_program *program = ll_program_link(units, unit_count, packs, &statistics, &error);
    double elapsed = seconds() - started;
    if (!program) {
        fprintf(stderr, "link failed: %s\n", error.message);
        return -1;
    }
    size_t calls = (size_t)functions * CALLS_PER_FUNCTION;
    uint32_t in_loop = 0;
    for (uint32_t id = 0; id < ll_program_function_count(program); id++)
        in_loop += (ll_program_context(program, id) & LL_CONTEXT_LOOP) != 0;
    printf("%9u functions %9zu calls %6u units   link %8.3f s   %6.1f ns/call   %u in loop context\n",
           functions, calls, unit_count, elapsed, elapsed * 1e9 / (double)calls, in_loop);
    ll_program_free(program);
    for (uint32_t u = 0; u < unit_count; u++)
        ll_unit_free(units[u]);
    free(units);
    return 0;
}

int main(int argc, char **argv) {
    uint32_t largest = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
    ll_packs *packs = ll_packs_new();
    ll_error error = {{0}};
    if (!packs || ll_packs_load_text(packs, "bench.rules",
                                     "pack bench\nentry spawn kind=task arg=1\n", &error) < 0) {
        fprintf(stderr, "packs: %s\n", error.message);
        return 1;
    }
    for (uint32_t functions = largest / 8; functions <= largest; functions *= 2)
        if (measure(packs, functions) < 0)
            return 1;
    ll_packs_free(packs);
    return 0;
}
