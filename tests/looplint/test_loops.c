/*
 * test_loops.c - what a loop's condition reads (front/body.c, kept by
 * store/codec.c), what it allows (analysis/loop_condition.c), "may
 * suspend" (analysis/suspend.c), and the busy-loop and unbounded-spawn
 * checks on top of them.
 *
 * Each test extracts a small C file as `looplint verify` would, with a
 * pack for "rt", a made-up runtime whose names are nobody's: the checks
 * must find its busy loops and unbounded spawns from the pack alone
 * (RULES.md, "Rule packs": no check names a library function). Lines are
 * found by a marker comment in the source, so the snippets can change
 * without renumbering the tests.
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS, open_memstream */
/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "analysis/facts.h"
#include "analysis/finding.h"
#include "analysis/loop_condition.h"
#include "analysis/program.h"
#include "analysis/suspend.h"
#include "checks/check.h"
#include "front/front.h"
#include "packs/pack.h"
#include "store/codec.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FACTS_BUILDER_UNITS_ONLY
#include "facts_builder.h"

extern const ll_check ll_check_busy_loop;
extern const ll_check ll_check_unbounded_spawn;

static const char rt_pack[] = "pack rt\n"
                              "entry rt_main kind=main arg=1\n"
                              "entry rt_go kind=task arg=2\n"
                              "entry rt_offload kind=off-loop arg=1\n"
                              "suspend rt_pause\n"
                              "suspend rt_recv deadline=2 forever=-1\n"
                              "suspend rt_permit\n"
                              "suspend rt_gather\n"
                              "limiter rt_permit\n"
                              "must-observe rt_gather\n"
                              "loop-state rt_stopping\n"
                              "borrows rt_go args=1\n";

/* The runtime's declarations, before every snippet (16 lines). */
static const char rt_header[] = "struct rt_group;\n"
                                "struct rt_sem;\n"
                                "int rt_main(int (*fn)(void *), void *arg);\n"
                                "int rt_go(struct rt_group *g, int (*fn)(void *), void *arg);\n"
                                "int rt_offload(int (*fn)(void *), void *arg);\n"
                                "int rt_pause(void);\n"
                                "int rt_recv(int fd, long deadline);\n"
                                "int rt_permit(struct rt_sem *s);\n"
                                "int rt_gather(struct rt_group *g);\n"
                                "int rt_stopping(void);\n"
                                "int work(int);\n"
                                "int more(void);\n"
                                "extern int shared;\n"
                                "extern const int limit;\n"
                                "void update(int *);\n"
                                "\n";

/* ---- Extracting and linking -------------------------------------------------------- */

typedef struct fixture {
    char root[256];
    ll_extractor *extractor;
    char *source; /* the last snippet, header included */
    ll_unit *unit;
    ll_packs *packs;
    ll_program *program;
    ll_statistics statistics;
    ll_findings findings;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || make_temporary_directory("loops", f->root, sizeof f->root) < 0) {
        free(f);
        return -1;
    }
    f->extractor = ll_extractor_new();
    f->packs = ll_packs_new();
    ll_error error;
    if (!f->extractor || !f->packs || ll_packs_load_text(f->packs, "rt.rules", rt_pack, &error) < 0)
        return -1;
    ll_findings_init(&f->findings);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ll_findings_free(&f->findings);
    ll_program_free(f->program);
    ll_unit_free(f->unit);
    ll_packs_free(f->packs);
    ll_extractor_free(f->extractor);
    free(f->source);
    remove_tree(f->root);
    free(f);
    return 0;
}

/* Extracts the runtime's header and `body` as one file, and links it. */
static void extract(fixture *f, const char *body)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/snippet.c", f->root);
    free(f->source);
    assert_true(asprintf(&f->source, "%s%s", rt_header, body) > 0);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    assert_true(fputs(f->source, file) >= 0);
    assert_int_equal(fclose(file), 0);

    ll_plan plan = {0};
    ll_error error = {""};
    const char *const arguments[] = {"clang", "-std=gnu17", "-c", path};
    assert_int_equal(ll_plan_add(&plan, path, f->root, arguments, 4, &error), 0);
    ll_unit_free(f->unit);
    f->unit = ll_extractor_run(f->extractor, &plan.commands[0]);
    ll_plan_free(&plan);
    assert_non_null(f->unit);
    for (uint32_t i = 0; i < f->unit->diagnostic_count; i++)
        if (f->unit->diagnostics[i].is_error)
            fail_msg("snippet does not compile: %s", f->unit->diagnostics[i].message);
    ll_program_free(f->program);
    memset(&f->statistics, 0, sizeof f->statistics);
    f->program = ll_program_link(&f->unit, 1, f->packs, &f->statistics, &error);
    if (!f->program)
        fail_msg("%s", error.message);
}

/* The line of the first line of the snippet holding `marker`. */
static uint32_t line_of(const fixture *f, const char *marker)
{
    const char *at = strstr(f->source, marker);
    if (!at)
        fail_msg("no marker %s", marker);
    uint32_t line = 1;
    for (const char *c = f->source; c < at; c++)
        line += *c == '\n';
    return line;
}

static const ll_function *function_named(const fixture *f, const char *name)
{
    for (uint32_t i = 0; i < f->unit->function_count; i++) {
        const ll_function *function = &f->unit->functions[i];
        if (function->is_definition && strcmp(function->name, name) == 0)
            return function;
    }
    fail_msg("no definition of %s", name);
    return NULL;
}

static uint32_t id_of(const fixture *f, const char *name)
{
    uint32_t id = ll_program_function_id(f->program, function_named(f, name));
    assert_int_not_equal(id, LL_NONE);
    return id;
}

/* The loop of `function` whose keyword is on the line of `marker`. */
static const ll_loop *loop_at(const fixture *f, const ll_function *function, const char *marker)
{
    uint32_t line = line_of(f, marker);
    for (uint32_t l = 0; l < function->loop_count; l++)
        if (function->loops[l].location.line == line)
            return &function->loops[l];
    fail_msg("no loop at line %u", line);
    return NULL;
}

static bool reads_variable(const ll_function *function, const ll_loop *loop, const char *name)
{
    for (uint32_t i = 0; i < loop->condition_variable_count; i++)
        if (strcmp(function->variables[loop->condition_variables[i]].name, name) == 0)
            return true;
    return false;
}

static void run_check(fixture *f, const ll_check *check)
{
    ll_findings_free(&f->findings);
    ll_findings_init(&f->findings);
    ll_check_context context = {.program = f->program, .packs = f->packs, .statistics = &f->statistics};
    assert_int_equal(check->check_program(&context, &f->findings), 0);
    ll_findings_sort(&f->findings);
}

/* The lines reported, as "12 14 30". */
static void assert_lines(const fixture *f, const char *expected)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    for (size_t i = 0; i < f->findings.count; i++)
        fprintf(out, "%s%u", i ? " " : "", f->findings.items[i].place.line);
    fclose(out);
    if (strcmp(text, expected) != 0) {
        for (size_t i = 0; i < f->findings.count; i++)
            print_message("%u: %s\n", f->findings.items[i].place.line,
                          f->findings.items[i].message);
        fail_msg("reported lines \"%s\", expected \"%s\"", text, expected);
    }
    free(text);
}

/* The lines of the markers, as assert_lines() wants them. */
static char *lines_of(const fixture *f, const char *const *markers, size_t count)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%s%u", i ? " " : "", line_of(f, markers[i]));
    fclose(out);
    return text;
}

static const ll_finding *finding_at(const fixture *f, const char *marker)
{
    uint32_t line = line_of(f, marker);
    for (size_t i = 0; i < f->findings.count; i++)
        if (f->findings.items[i].place.line == line)
            return &f->findings.items[i];
    fail_msg("no finding at line %u", line);
    return NULL;
}

static bool has_note(const ll_finding *finding, const char *text)
{
    for (uint32_t n = 0; n < finding->note_count; n++)
        if (strstr(finding->notes[n].message, text))
            return true;
    return false;
}

/* ---- What the condition reads ------------------------------------------------------ */

static const char conditions[] = "int conditions(int n, int *p)\n"
                                 "{\n"
                                 "    int i = 0, total = 0, buffer[4] = {0};\n"
                                 "    while (i < n) /* counter */\n"
                                 "        i++;\n"
                                 "    for (;;) /* forever */\n"
                                 "        if (work(i)) break;\n"
                                 "    while (more() && work(total)) /* calls */\n"
                                 "        total++;\n"
                                 "    while (shared > 0) /* global */\n"
                                 "        shared--;\n"
                                 "    while (total < limit + (int)sizeof(buffer[0])) /* const */\n"
                                 "        total++;\n"
                                 "    while (*p != 0 && buffer[1] == 0) /* memory */\n"
                                 "        p++;\n"
                                 "    do /* do */\n"
                                 "        total--;\n"
                                 "    while (work(total) > 0);\n"
                                 "    return total;\n"
                                 "}\n";

static void test_condition_facts(void **state)
{
    fixture *f = *state;
    extract(f, conditions);
    const ll_function *function = function_named(f, "conditions");
    assert_int_equal(function->loop_count, 7);

    const ll_loop *loop = loop_at(f, function, "/* counter */");
    assert_int_equal(loop->condition_variable_count, 2);
    assert_true(reads_variable(function, loop, "i") && reads_variable(function, loop, "n"));
    assert_int_equal(loop->condition_call_count, 0);
    assert_int_equal(loop->condition_first_call, LL_NONE);
    assert_false(loop->condition_reads_memory);

    loop = loop_at(f, function, "/* forever */");
    assert_true(loop->condition_constant_true);
    assert_int_equal(loop->condition_variable_count, 0);
    assert_int_equal(loop->condition_call_count, 0);

    /* Both calls of `more() && work(total)`, in order. */
    loop = loop_at(f, function, "/* calls */");
    assert_int_equal(loop->condition_call_count, 2);
    assert_string_equal(function->calls[loop->condition_first_call].callee_name, "more");
    assert_string_equal(function->calls[loop->condition_first_call + 1].callee_name, "work");
    assert_true(reads_variable(function, loop, "total"));

    assert_true(loop_at(f, function, "/* global */")->condition_reads_memory);
    /* A const global and what sizeof names are not read. */
    loop = loop_at(f, function, "/* const */");
    assert_false(loop->condition_reads_memory);
    assert_int_equal(loop->condition_variable_count, 1);
    assert_true(reads_variable(function, loop, "total"));

    loop = loop_at(f, function, "/* memory */");
    assert_true(loop->condition_reads_memory);
    assert_true(reads_variable(function, loop, "p") && reads_variable(function, loop, "buffer"));

    /* A do-while's condition comes after its body. */
    loop = loop_at(f, function, "/* do */");
    assert_int_equal(loop->kind, LL_LOOP_DO);
    assert_int_equal(loop->condition_call_count, 1);
    assert_string_equal(function->calls[loop->condition_first_call].callee_name, "work");
}

static void test_condition_facts_survive_the_codec(void **state)
{
    fixture *f = *state;
    extract(f, conditions);
    unsigned char *data = NULL;
    size_t size = 0;
    assert_int_equal(ll_codec_encode(f->unit, &data, &size), 0);
    ll_unit *copy = NULL;
    ll_error error;
    /* 1: decoded (0 would be facts of another version). */
    assert_int_equal(ll_codec_decode(data, size, &copy, &error), 1);
    free(data);
    const ll_function *before = function_named(f, "conditions");
    const ll_function *after = NULL;
    for (uint32_t i = 0; i < copy->function_count; i++)
        if (copy->functions[i].is_definition && strcmp(copy->functions[i].name, "conditions") == 0)
            after = &copy->functions[i];
    assert_non_null(after);
    assert_int_equal(after->loop_count, before->loop_count);
    for (uint32_t l = 0; l < before->loop_count; l++) {
        const ll_loop *a = &before->loops[l];
        const ll_loop *b = &after->loops[l];
        assert_int_equal(b->condition_variable_count, a->condition_variable_count);
        for (uint32_t v = 0; v < a->condition_variable_count; v++)
            assert_int_equal(b->condition_variables[v], a->condition_variables[v]);
        assert_int_equal(b->condition_first_call, a->condition_first_call);
        assert_int_equal(b->condition_call_count, a->condition_call_count);
        assert_int_equal(b->condition_reads_memory, a->condition_reads_memory);
    }
    ll_unit_free(copy);
}

/* ---- What the condition allows -------------------------------------------------------- */

static enum ll_condition_change change_at(const fixture *f, const ll_function *function,
                                          const char *marker)
{
    const ll_loop *loop = loop_at(f, function, marker);
    bool in_loop[256];
    assert_true(function->block_count <= 256);
    ll_loop_mark_blocks(function, loop, in_loop);
    return ll_loop_condition_change(function, loop, in_loop, f->packs, NULL);
}

static void test_condition_change(void **state)
{
    fixture *f = *state;
    extract(f, "int changes(int n, int *out)\n"
               "{\n"
               "    int i = 0, seen = 0, j = 0;\n"
               "    int *alias = &j;\n"
               "    for (;;) /* constant */\n"
               "        work(1);\n"
               "    while (n > 0) /* unchanged */\n"
               "        work(n);\n"
               "    while (i < 10) /* assigned */\n"
               "        i = work(i);\n"
               "    while (seen == 0) /* by address */\n"
               "        update(&seen);\n"
               "    while (j == 0) /* aliased */\n"
               "        *alias = work(j);\n"
               "    while (!rt_stopping()) /* loop state */\n"
               "        work(0);\n"
               "    while (more()) /* call */\n"
               "        work(0);\n"
               "    while (shared) /* memory, a call writes */\n"
               "        work(0);\n"
               "    while (*out) /* memory, nothing writes */\n"
               "        ;\n"
               "    return 0;\n"
               "}\n");
    const ll_function *function = function_named(f, "changes");
    assert_int_equal(change_at(f, function, "/* constant */"), LL_CONDITION_CONSTANT);
    assert_int_equal(change_at(f, function, "/* unchanged */"), LL_CONDITION_UNCHANGED);
    assert_int_equal(change_at(f, function, "/* assigned */"), LL_CONDITION_CHANGES);
    assert_int_equal(change_at(f, function, "/* by address */"), LL_CONDITION_CHANGES);
    assert_int_equal(change_at(f, function, "/* aliased */"), LL_CONDITION_CHANGES);
    assert_int_equal(change_at(f, function, "/* loop state */"), LL_CONDITION_LOOP_STATE);
    assert_int_equal(change_at(f, function, "/* call */"), LL_CONDITION_CHANGES);
    assert_int_equal(change_at(f, function, "/* memory, a call writes */"), LL_CONDITION_CHANGES);
    assert_int_equal(change_at(f, function, "/* memory, nothing writes */"),
                     LL_CONDITION_UNCHANGED);
}

static int bound_at(const fixture *f, const ll_function *function, const char *marker)
{
    const ll_loop *loop = loop_at(f, function, marker);
    bool in_loop[256];
    assert_true(function->block_count <= 256);
    ll_loop_mark_blocks(function, loop, in_loop);
    return ll_loop_bound_is_constant(function, loop, in_loop);
}

static void test_bound_is_constant(void **state)
{
    fixture *f = *state;
    extract(f, "enum { WORKERS = 4 };\n"
               "int bounds(int n)\n"
               "{\n"
               "    int status = 0, running = 1, k = 0;\n"
               "    const int eight = 8;\n"
               "    for (int i = 0; i < WORKERS; i++) /* enum */\n"
               "        work(i);\n"
               "    for (int i = 0; i < eight; i++) /* const local */\n"
               "        work(i);\n"
               "    for (int i = 0; i < 8 && status == 0; i++) /* early stop */\n"
               "        status = work(i);\n"
               "    while (k < 3 && work(k) == 0) /* call after the counter */\n"
               "        k++;\n"
               "    for (int i = 0; i < n; i++) /* parameter */\n"
               "        work(i);\n"
               "    for (;;) /* forever */\n"
               "        if (work(0)) break;\n"
               "    while (running) /* flag */\n"
               "        if (work(1)) running = 0;\n"
               "    for (int i = work(0); i < 8; i++) /* from a call */\n"
               "        work(i);\n"
               "    while (more()) /* call */\n"
               "        work(2);\n"
               "    for (int i = 0; i < shared; i++) /* memory */\n"
               "        work(i);\n"
               "    return status;\n"
               "}\n");
    const ll_function *function = function_named(f, "bounds");
    assert_int_equal(bound_at(f, function, "/* enum */"), 1);
    assert_int_equal(bound_at(f, function, "/* const local */"), 1);
    assert_int_equal(bound_at(f, function, "/* early stop */"), 1);
    assert_int_equal(bound_at(f, function, "/* call after the counter */"), 1);
    assert_int_equal(bound_at(f, function, "/* parameter */"), 0);
    assert_int_equal(bound_at(f, function, "/* forever */"), 0);
    assert_int_equal(bound_at(f, function, "/* flag */"), 0);
    assert_int_equal(bound_at(f, function, "/* from a call */"), 0);
    assert_int_equal(bound_at(f, function, "/* call */"), 0);
    assert_int_equal(bound_at(f, function, "/* memory */"), 0);
    const ll_loop *loop = loop_at(f, function, "/* parameter */");
    bool in_loop[256];
    ll_loop_mark_blocks(function, loop, in_loop);
    ll_index data = ll_loop_data_variable(function, loop, in_loop);
    assert_int_not_equal(data, LL_NONE);
    assert_string_equal(function->variables[data].name, "n");
}

/* ---- May suspend -------------------------------------------------------------------- */

static void test_suspend(void **state)
{
    fixture *f = *state;
    extract(f, "static int leaf(void) { return rt_pause(); }\n"
               "static int middle(void) { work(1); return leaf(); }\n"
               "static int quiet(void) { return work(2); }\n"
               "static int (*hook)(void) = leaf;\n"
               "static int through(void) { return hook(); }\n"
               "static int top(void *arg) { (void)arg; quiet(); return middle(); }\n"
               "int main(void) { return rt_main(top, 0); }\n");
    ll_suspend *suspend = ll_suspend_new(f->program, f->packs);
    assert_non_null(suspend);
    assert_true(ll_suspend_may_suspend(suspend, id_of(f, "leaf")));
    assert_true(ll_suspend_may_suspend(suspend, id_of(f, "middle")));
    assert_true(ll_suspend_may_suspend(suspend, id_of(f, "through")));
    assert_false(ll_suspend_may_suspend(suspend, id_of(f, "quiet")));
    /* top: quiet() (call 0) does not suspend, middle() (call 1) does,
       through middle, whose chain starts at its call of leaf (call 1). */
    uint32_t top = id_of(f, "top");
    assert_false(ll_suspend_call_suspends(suspend, top, 0));
    assert_true(ll_suspend_call_suspends(suspend, top, 1));
    assert_int_equal(ll_suspend_callee(suspend, top, 1), id_of(f, "middle"));
    assert_int_equal(ll_suspend_first_call(suspend, top), 1);
    assert_int_equal(ll_suspend_first_call(suspend, id_of(f, "middle")), 1);
    /* leaf's own call is a suspension point of the pack: no callee. */
    assert_true(ll_suspend_call_suspends(suspend, id_of(f, "leaf"), 0));
    assert_int_equal(ll_suspend_callee(suspend, id_of(f, "leaf"), 0), LL_NONE);
    const uint32_t *callees;
    assert_int_equal(ll_suspend_callees(suspend, id_of(f, "through"), 0, &callees), 1);
    assert_int_equal(callees[0], id_of(f, "leaf"));
    ll_suspend_free(suspend);
}

/* ---- busy-loop ---------------------------------------------------------------------- */

static void test_busy_loop(void **state)
{
    fixture *f = *state;
    extract(f, "static void spin(int n)\n"
               "{\n"
               "    for (;;) /* bad forever */\n"
               "        work(n);\n"
               "}\n"
               "static void stuck(int n)\n"
               "{\n"
               "    while (n > 0) /* bad unchanged */\n"
               "        work(n);\n"
               "}\n"
               "static void until_stopped(void)\n"
               "{\n"
               "    for (;;) { /* bad loop state */\n"
               "        if (rt_stopping())\n"
               "            break;\n"
               "        work(3);\n"
               "    }\n"
               "}\n"
               "static void sometimes(int quiet)\n"
               "{\n"
               "    for (;;) { /* bad pause on one side */\n"
               "        if (!quiet)\n"
               "            rt_pause();\n"
               "        work(4);\n"
               "    }\n"
               "}\n"
               "static int waits(void) { return rt_recv(0, -1); }\n"
               "static void fine(int n)\n"
               "{\n"
               "    for (;;) /* ok suspends */\n"
               "        if (waits() < 0) break;\n"
               "    while (n > 0) /* ok counts down */\n"
               "        n = work(n);\n"
               "    for (long i = 0;; i++) { /* ok yields every 64 */\n"
               "        work((int)i);\n"
               "        if (i % 64 == 0)\n"
               "            rt_pause();\n"
               "    }\n"
               "}\n"
               "static void sift(int *keys, int count)\n"
               "{\n"
               "    int at = 0;\n"
               "    for (;;) { /* ok breaks on what it computes */\n"
               "        int child = 2 * at + 1;\n"
               "        if (child >= count)\n"
               "            break;\n"
               "        keys[at] = keys[child];\n"
               "        at = child;\n"
               "    }\n"
               "}\n"
               "static int off(void *arg)\n"
               "{\n"
               "    (void)arg;\n"
               "    for (;;) /* ok off the loop */\n"
               "        work(5);\n"
               "}\n"
               "static int root(void *arg)\n"
               "{\n"
               "    static int keys[8];\n"
               "    spin(1); stuck(2); until_stopped(); sometimes(0); fine(3);\n"
               "    sift(keys, 8);\n"
               "    return rt_offload(off, arg);\n"
               "}\n"
               "static void unused(void)\n"
               "{\n"
               "    for (;;) /* ok not in loop context */\n"
               "        work(6);\n"
               "}\n"
               "int main(void) { (void)unused; return rt_main(root, 0); }\n");
    run_check(f, &ll_check_busy_loop);
    const char *const bad[] = {"/* bad forever */", "/* bad unchanged */", "/* bad loop state */",
                               "/* bad pause on one side */"};
    char *expected = lines_of(f, bad, 4);
    assert_lines(f, expected);
    free(expected);

    const ll_finding *forever = finding_at(f, "/* bad forever */");
    assert_string_equal(forever->rule, "busy-loop");
    assert_int_equal(forever->severity, LL_SEVERITY_ERROR);
    assert_int_equal(forever->place.column, 5);
    assert_string_equal(forever->message,
                        "this loop never suspends on some iteration and cannot end by its "
                        "condition: it starves every other task on the loop (add a suspension "
                        "point, such as a yield, or bound it)");
    assert_true(has_note(forever, "its condition is always true"));
    assert_true(has_note(forever, "'root' runs on the loop"));
    assert_true(has_note(forever, "'root' calls 'spin'"));
    assert_true(has_note(finding_at(f, "/* bad unchanged */"), "nothing in the loop changes 'n'"));
    assert_true(has_note(finding_at(f, "/* bad loop state */"),
                         "depends on 'rt_stopping', which cannot change while the task does not "
                         "suspend"));
    const ll_finding *sometimes = finding_at(f, "/* bad pause on one side */");
    assert_true(has_note(sometimes, "depends on 'quiet', which nothing in the loop changes"));
    assert_true(has_note(sometimes, "assuming 'quiet' is not 0"));
}

/* ---- unbounded-spawn -------------------------------------------------------------------- */

static void test_unbounded_spawn(void **state)
{
    fixture *f = *state;
    extract(f,
            "static int task(void *arg) { (void)arg; return rt_pause(); }\n"
            "static int limited(void *arg) { if (rt_permit(arg) < 0) return 0; return "
            "rt_pause(); }\n"
            "static int late(void *arg) { rt_pause(); return rt_permit(arg); }\n"
            "static int start(struct rt_group *g) { return rt_go(g, task, 0); /* bad helper */ }\n"
            "static int many(struct rt_group *g, struct rt_sem *s, int n)\n"
            "{\n"
            "    for (int i = 0; i < n; i++)\n"
            "        rt_go(g, task, 0); /* bad count */\n"
            "    while (more())\n"
            "        rt_go(g, late, s); /* bad late permit */\n"
            "    for (;;)\n"
            "        if (start(g) < 0) break;\n"
            "    for (int i = 0; i < 8; i++)\n"
            "        rt_go(g, task, 0); /* ok constant */\n"
            "    for (int i = 0; i < n; i++)\n"
            "        rt_go(g, limited, s); /* ok permit first */\n"
            "    for (int i = 0; i < n; i++) {\n"
            "        rt_go(g, task, 0); /* ok waited */\n"
            "        rt_gather(g);\n"
            "    }\n"
            "    for (int i = 0; i < n; i++) {\n"
            "        if (rt_permit(s) < 0) break;\n"
            "        rt_go(g, task, 0); /* ok permit in the loop */\n"
            "    }\n"
            "    for (int i = 0; i < n; i++)\n"
            "        if (rt_go(g, task, 0) < 0) { rt_gather(g); break; } /* bad waits on the "
            "way out */\n"
            "    return 0;\n"
            "}\n"
            "static int root(void *arg) { (void)arg; return many(0, 0, 3); }\n"
            "int main(void) { return rt_main(root, 0); }\n");
    run_check(f, &ll_check_unbounded_spawn);
    const char *const bad[] = {"/* bad helper */", "/* bad count */", "/* bad late permit */",
                               "/* bad waits on the"};
    char *expected = lines_of(f, bad, 4);
    assert_lines(f, expected);
    free(expected);

    const ll_finding *count = finding_at(f, "/* bad count */");
    assert_string_equal(count->rule, "unbounded-spawn");
    assert_int_equal(count->severity, LL_SEVERITY_WARNING);
    assert_int_equal(count->place.column, 9);
    /* The limiter is named from the spawn's pack: rt's, not nest's. */
    assert_string_equal(count->message,
                        "tasks are spawned in a loop driven by data with nothing bounding how "
                        "many run at once: use a semaphore (rt_permit) or a task group and wait "
                        "per batch");
    assert_true(has_note(count, "whose condition reads 'n'"));
    assert_true(has_note(finding_at(f, "/* bad late permit */"), "whose condition calls 'more'"));
    const ll_finding *helper = finding_at(f, "/* bad helper */");
    assert_true(has_note(helper, "which only a break, a return or a goto ends"));
    assert_true(has_note(helper, "'many' calls 'start' here"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_condition_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_condition_facts_survive_the_codec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_condition_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_is_constant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unbounded_spawn, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
