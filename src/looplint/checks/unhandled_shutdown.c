/*
 * unhandled_shutdown.c - `unhandled-shutdown`: a program whose main starts
 * long-lived workers but never waits for a shutdown request (RULES.md; the
 * seed's graceful shutdown: on SIGINT/SIGTERM, stop taking work, drain,
 * then stop the workers in order).
 *
 * Judged per call of a `main` entry (`nest_run`): a compile database may
 * hold many programs, so each main is judged by what it reaches itself
 * (analysis/reach.h), through calls and every function it hands to an
 * entry point (tasks, timeout scopes, shields, callbacks, threads). The
 * program handles shutdown when anything it reaches calls a function
 * with the packs' `shutdown-wait` role (waiting for the request, or
 * polling it). A worker is a task started by a reached function; it is
 * long-lived when its function, or a function it calls in the same task,
 * has a loop that only cancellation or an error can end
 * (analysis/forever_loop.h). A program with such a worker and no
 * shutdown handling is reported at the entry call, with the way from main
 * to the worker's spawn and to its loop as notes.
 */
#include "check.h"

#include "../analysis/forever_loop.h"
#include "../analysis/reach.h"

#include <stdlib.h>
#include <string.h>

/* Defined at the end; reports name it. */
extern const ll_check ll_check_unhandled_shutdown;

/* Every entry kind but main: what a program's main reaches. */
#define REACHED_ENTRIES                                                                            \
    (LL_REACH_ENTRY(LL_ENTRY_TASK) | LL_REACH_ENTRY(LL_ENTRY_CALLBACK) |                           \
     LL_REACH_ENTRY(LL_ENTRY_TIMEOUT_SCOPE) | LL_REACH_ENTRY(LL_ENTRY_SHIELD) |                    \
     LL_REACH_ENTRY(LL_ENTRY_OFF_LOOP))

typedef struct programs {
    const ll_program *program;
    ll_packs *packs;
    ll_reach *reach;
    uint32_t function_count;
    bool *waits;               /* by function: calls a shutdown-wait function */
    ll_reach_mark *long_lived; /* loops until failure, itself or in its task's callees */
    uint32_t *forever_loop;    /* ... itself: the index of that loop, else LL_NONE */
    ll_reach_mark *reached;    /* scratch: what one main reaches */
} programs;

static const ll_function_rule *rule_of(ll_packs *packs, const ll_call *call)
{
    if (call->callee_kind != LL_CALLEE_DIRECT || !call->callee_name)
        return NULL;
    return ll_packs_lookup(packs, call->callee_name);
}

static const ll_function *function_of(const programs *p, uint32_t id, const ll_unit **unit)
{
    return ll_program_function(p->program, id, unit);
}

static const char *name_of(const programs *p, uint32_t id)
{
    const char *name = function_of(p, id, NULL)->name;
    return name ? name : "?";
}

/* ---- What every function does -------------------------------------------------------- */

static bool calls_shutdown_wait(const programs *p, const ll_function *function)
{
    for (ll_index c = 0; c < function->call_count; c++) {
        const ll_function_rule *rule = rule_of(p->packs, &function->calls[c]);
        if (rule && rule->roles & LL_ROLE_SHUTDOWN_WAIT)
            return true;
    }
    return false;
}

/* The first loop of `function` that only a failure ends, or LL_NONE;
 * -1 when out of memory. */
static int find_forever_loop(const programs *p, const ll_function *function, uint32_t *loop)
{
    *loop = LL_NONE;
    for (uint32_t l = 0; l < function->loop_count; l++) {
        int forever = ll_loop_runs_until_failure(function, &function->loops[l], p->packs);
        if (forever < 0)
            return -1;
        if (forever) {
            *loop = l;
            return 0;
        }
    }
    return 0;
}

static int summarise(programs *p)
{
    size_t n = p->function_count ? p->function_count : 1;
    p->waits = calloc(n, sizeof *p->waits);
    p->long_lived = calloc(n, sizeof *p->long_lived);
    p->forever_loop = malloc(n * sizeof *p->forever_loop);
    p->reached = calloc(n, sizeof *p->reached);
    if (!p->waits || !p->long_lived || !p->forever_loop || !p->reached)
        return -1;
    for (uint32_t id = 0; id < p->function_count; id++) {
        const ll_function *function = function_of(p, id, NULL);
        p->waits[id] = calls_shutdown_wait(p, function);
        if (find_forever_loop(p, function, &p->forever_loop[id]) < 0)
            return -1;
        p->long_lived[id] = (ll_reach_mark){p->forever_loop[id] != LL_NONE, LL_NONE, NULL};
    }
    return ll_reach_backward(p->reach, LL_REACH_SAME_TASK, p->long_lived);
}

static void release(programs *p)
{
    ll_reach_free(p->reach);
    free(p->waits);
    free(p->long_lived);
    free(p->forever_loop);
    free(p->reached);
}

/* ---- One program ------------------------------------------------------------------------ */

/* A long-lived worker that a program starts: the spawn is edge `edge` of
 * function `spawner`. */
typedef struct worker {
    uint32_t spawner;
    const ll_reach_edge *edge;
} worker;

/* Whether the program reached (p->reached) waits for shutdown; if not,
 * its first long-lived worker in function order, or none (edge NULL). */
static bool handles_shutdown(const programs *p, worker *found)
{
    *found = (worker){LL_NONE, NULL};
    for (uint32_t id = 0; id < p->function_count; id++)
        if (p->reached[id].marked && p->waits[id])
            return true;
    for (uint32_t id = 0; id < p->function_count && !found->edge; id++) {
        if (!p->reached[id].marked)
            continue;
        const ll_reach_edge *edges;
        uint32_t count = ll_reach_edges(p->reach, id, &edges);
        for (uint32_t e = 0; e < count && !found->edge; e++)
            if (edges[e].entry && edges[e].kind == LL_ENTRY_TASK &&
                p->long_lived[edges[e].function].marked)
                *found = (worker){id, &edges[e]};
    }
    return false;
}

/* Notes from main down to the function `id`: one per call or entry on the
 * way (reached marks point back to the caller). */
static int path_notes(const programs *p, uint32_t id, ll_finding *finding)
{
    uint32_t depth = 0;
    for (uint32_t at = id; p->reached[at].from != LL_NONE; at = p->reached[at].from)
        depth++;
    uint32_t *chain = malloc(((size_t)depth + 1) * sizeof *chain);
    if (!chain)
        return -1;
    uint32_t at = id;
    for (uint32_t i = depth + 1; i-- > 0; at = p->reached[at].from)
        chain[i] = at;
    int result = 0;
    for (uint32_t i = 1; i <= depth && result == 0; i++) {
        const ll_unit *unit;
        const ll_function *caller = function_of(p, chain[i - 1], &unit);
        const ll_reach_edge *edge = p->reached[chain[i]].edge;
        ll_location location = caller->calls[edge->call].location;
        if (edge->entry && edge->kind == LL_ENTRY_TASK)
            result = ll_check_note(finding, unit, location, "task '%s' is started here",
                                   name_of(p, chain[i]));
        else if (edge->entry)
            result = ll_check_note(finding, unit, location, "'%s' runs '%s' here",
                                   name_of(p, chain[i - 1]), name_of(p, chain[i]));
        else
            result = ll_check_note(finding, unit, location, "'%s' calls '%s' here",
                                   name_of(p, chain[i - 1]), name_of(p, chain[i]));
    }
    free(chain);
    return result;
}

/* Notes from the worker's function `id` down to its forever loop. */
static int loop_notes(const programs *p, uint32_t id, ll_finding *finding)
{
    const ll_unit *unit;
    for (;;) {
        const ll_function *function = function_of(p, id, &unit);
        const ll_reach_mark *mark = &p->long_lived[id];
        if (mark->from == LL_NONE)
            return ll_check_note(finding, unit, function->loops[p->forever_loop[id]].location,
                                 "'%s' loops here until it is cancelled or fails", name_of(p, id));
        if (ll_check_note(finding, unit, function->calls[mark->edge->call].location,
                          mark->edge->entry ? "'%s' runs '%s' here" : "'%s' calls '%s' here",
                          name_of(p, id), name_of(p, mark->from)) < 0)
            return -1;
        id = mark->from;
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int report(const programs *p, uint32_t caller, ll_index entry_call, uint32_t main,
                  const ll_entry_rule *entry, const worker *found, ll_findings *out)
{
    const ll_unit *unit;
    const ll_unit *spawner_unit;
    const ll_function *function = function_of(p, caller, &unit);
    const ll_function *spawner = function_of(p, found->spawner, &spawner_unit);
    const ll_call *call = &function->calls[entry_call];
    const ll_call *spawn = &spawner->calls[found->edge->call];
    const char *wait = ll_packs_role_function(p->packs, entry->pack, LL_ROLE_SHUTDOWN_WAIT);
    ll_finding *finding = ll_check_report(
        &ll_check_unhandled_shutdown, out, unit, function, call->location, call->text,
        "the program started at '%s' runs long-lived workers ('%s' spawned at %s:%u) but never "
        "waits for shutdown: SIGINT/SIGTERM cancel it mid-work; %s%s%s and stop the workers in "
        "order",
        name_of(p, main), name_of(p, found->edge->function),
        base_name(ll_unit_file_path(spawner_unit, spawn->location)), spawn->location.line,
        wait ? "call '" : "wait for a shutdown request", wait ? wait : "", wait ? "'" : "");
    if (!finding || path_notes(p, found->spawner, finding) < 0 ||
        ll_check_note(finding, spawner_unit, spawn->location, "task '%s' is started here",
                      name_of(p, found->edge->function)) < 0)
        return -1;
    return loop_notes(p, found->edge->function, finding);
}

/* Judges the mains an entry call of kind main starts; one finding per
 * call at most. */
static int judge_entry(programs *p, uint32_t caller, ll_index call, const ll_entry_rule *entry,
                       ll_findings *out)
{
    uint32_t mains[16];
    uint32_t count = ll_reach_functions_of(p->program, caller, call, entry->argument, mains,
                                           sizeof mains / sizeof mains[0]);
    if (count > sizeof mains / sizeof mains[0])
        count = sizeof mains / sizeof mains[0];
    for (uint32_t m = 0; m < count; m++) {
        if (ll_reach_forward(p->reach, mains[m], REACHED_ENTRIES, p->reached) < 0)
            return -1;
        worker found;
        if (handles_shutdown(p, &found) || !found.edge)
            continue;
        return report(p, caller, call, mains[m], entry, &found, out);
    }
    return 0;
}

static int check_program(const ll_check_context *context, ll_findings *out)
{
    if (!context->program || !context->packs)
        return 0;
    programs p = {
        .program = context->program,
        .packs = context->packs,
        .function_count = ll_program_function_count(context->program),
    };
    int status = -1;
    if (!(p.reach = ll_reach_new(p.program, p.packs)) || summarise(&p) < 0)
        goto done;
    status = 0;
    for (uint32_t id = 0; id < p.function_count && status == 0; id++) {
        const ll_function *function = function_of(&p, id, NULL);
        for (ll_index c = 0; c < function->call_count && status == 0; c++) {
            const ll_function_rule *rule = rule_of(p.packs, &function->calls[c]);
            for (uint32_t e = 0; rule && e < rule->entry_count && status == 0; e++)
                if (rule->entries[e].kind == LL_ENTRY_MAIN)
                    status = judge_entry(&p, id, c, &rule->entries[e], out);
        }
    }
done:
    release(&p);
    return status;
}

const ll_check ll_check_unhandled_shutdown = {
    .id = "unhandled-shutdown",
    .severity = LL_SEVERITY_NOTE,
    .summary = "a program whose main starts long-lived workers but never waits for shutdown",
    .check_function = NULL,
    .check_program = check_program,
};
