/*
 * test_suppress.c - suppression comments (report.h, docs/suppressions.md).
 *
 * The parser on texts in memory: each comment form, which lines each
 * covers (its own line, the line below when it stands alone, the next line
 * for NOLINTNEXTLINE, a NOLINTBEGIN..END region, the whole file), id
 * lists, globs, reasons, and what is malformed. Then ll_suppressions_apply
 * on files written to a temporary directory: findings marked with their
 * reason, an unused or unknown id reported as unused-suppression at the
 * comment, NOLINT never reported, a disabled check's ignore left alone,
 * and the unused-suppression findings suppressible in turn.
 */
#include "report/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- The parser -------------------------------------------------------------------------- */

/* The suppressions of `text`; the caller frees them. */
static ll_suppressions parse(const char *text)
{
    ll_error error = {{0}};
    ll_suppression_parser *parser = ll_suppression_parser_new(&error);
    assert_non_null(parser);
    ll_suppressions out = {0};
    assert_int_equal(ll_suppressions_parse(parser, text, strlen(text), &out, &error), 0);
    ll_suppression_parser_free(parser);
    return out;
}

/* Whether any suppression of `list` covers a finding of `rule` on `line`. */
static bool covered(const ll_suppressions *list, const char *rule, uint32_t line)
{
    for (size_t i = 0; i < list->count; i++) {
        if (ll_suppression_match(&list->items[i], rule, line) >= 0)
            return true;
    }
    return false;
}

static void ignore_covers_its_line_and_the_next_when_alone(void **state)
{
    (void)state;
    ll_suppressions list = parse("void f(void)\n"
                                 "{\n"
                                 "    // looplint: ignore[blocking-call] start-up only\n"
                                 "    sleep(1);\n"
                                 "    sleep(2);\n"
                                 "}\n");
    assert_int_equal(list.count, 1);
    const ll_suppression *suppression = &list.items[0];
    assert_int_equal(suppression->kind, LL_SUPPRESSION_IGNORE);
    assert_int_equal(suppression->line, 3);
    assert_int_equal(suppression->column, 5);
    assert_int_equal(suppression->first_line, 3);
    assert_int_equal(suppression->last_line, 4);
    assert_string_equal(suppression->reason, "start-up only");
    assert_true(covered(&list, "blocking-call", 4));
    assert_false(covered(&list, "blocking-call", 5)); /* two lines below */
    assert_false(covered(&list, "blocking-call", 2));
    assert_false(covered(&list, "missing-timeout", 4)); /* another check */
    ll_suppressions_free(&list);
}

static void trailing_ignore_covers_its_own_line_only(void **state)
{
    (void)state;
    ll_suppressions list = parse("x = load(); // looplint: ignore[blocking-call] cached\n"
                                 "sleep(1);\n");
    assert_int_equal(list.count, 1);
    assert_true(covered(&list, "blocking-call", 1));
    assert_false(covered(&list, "blocking-call", 2));
    assert_string_equal(list.items[0].reason, "cached");
    ll_suppressions_free(&list);
}

static void ignore_takes_a_list_of_ids(void **state)
{
    (void)state;
    ll_suppressions list =
        parse("f(); // looplint: ignore[ blocking-call,missing-timeout ,  unclosed-resource]\n");
    assert_int_equal(list.count, 1);
    const ll_suppression *suppression = &list.items[0];
    assert_int_equal(suppression->id_count, 3);
    assert_string_equal(suppression->ids[0], "blocking-call");
    assert_string_equal(suppression->ids[1], "missing-timeout");
    assert_string_equal(suppression->ids[2], "unclosed-resource");
    assert_int_equal(ll_suppression_match(suppression, "missing-timeout", 1), 1);
    assert_int_equal(ll_suppression_match(suppression, "unclosed-resource", 1), 2);
    assert_int_equal(ll_suppression_match(suppression, "untracked-task", 1), -1);
    assert_null(suppression->reason);
    ll_suppressions_free(&list);
}

static void reasons_lose_separators_and_comment_ends(void **state)
{
    (void)state;
    ll_suppressions list = parse("a(); // looplint: ignore[x]: read once at start-up  \n"
                                 "b(); /* looplint: ignore[x] -- bounded by the caller */ c();\n"
                                 "d(); // looplint: ignore[x] see https://example.org/a\n"
                                 "e(); // looplint: ignore[x] flaky // expect: y\n"
                                 "f(); // looplint: ignore[x]\r\n");
    assert_int_equal(list.count, 5);
    assert_string_equal(list.items[0].reason, "read once at start-up");
    assert_string_equal(list.items[1].reason, "bounded by the caller");
    assert_string_equal(list.items[2].reason, "see https://example.org/a");
    assert_string_equal(list.items[3].reason, "flaky");
    assert_null(list.items[4].reason);
    ll_suppressions_free(&list);
}

static void ignore_file_covers_every_line(void **state)
{
    (void)state;
    ll_suppressions list = parse("int a;\n"
                                 "/* looplint: ignore-file[blocking-call, console] a CLI tool */\n"
                                 "int b;\n");
    assert_int_equal(list.count, 1);
    const ll_suppression *suppression = &list.items[0];
    assert_int_equal(suppression->kind, LL_SUPPRESSION_IGNORE_FILE);
    assert_int_equal(suppression->line, 2);
    assert_int_equal(suppression->column, 1);
    assert_string_equal(suppression->reason, "a CLI tool");
    assert_true(covered(&list, "blocking-call", 1));
    assert_true(covered(&list, "blocking-call", 1000000));
    assert_false(covered(&list, "untracked-task", 3));
    ll_suppressions_free(&list);
}

static void nolint_forms(void **state)
{
    (void)state;
    ll_suppressions list = parse("a(); // NOLINT\n"                                   /* 1 */
                                 "b(); // NOLINT(looplint-blocking-call): start-up\n" /* 2 */
                                 "// NOLINTNEXTLINE(looplint-*)\n"                    /* 3 */
                                 "c();\n"                                             /* 4 */
                                 "d(); // NOLINT(bugprone-*, readability-*)\n"        /* 5 */
                                 "e(); // NOLINT()\n");                               /* 6 */
    assert_true(covered(&list, "untracked-task", 1)); /* bare: every check */
    assert_true(covered(&list, "blocking-call", 2));
    assert_false(covered(&list, "missing-timeout", 2));
    assert_false(covered(&list, "blocking-call", 3)); /* NEXTLINE: not its own line */
    assert_true(covered(&list, "missing-timeout", 4));
    assert_false(covered(&list, "blocking-call", 5)); /* other tools' checks */
    assert_false(covered(&list, "blocking-call", 6)); /* names no check */
    assert_string_equal(list.items[1].reason, "start-up");
    ll_suppressions_free(&list);
}

static void nolint_globs(void **state)
{
    (void)state;
    ll_suppressions list = parse("a(); // NOLINT(*)\n"
                                 "b(); // NOLINT(looplint-un*-task)\n"
                                 "c(); // NOLINT(looplint-blocking)\n");
    assert_true(covered(&list, "blocking-call", 1));
    assert_true(covered(&list, "untracked-task", 2));
    assert_false(covered(&list, "unclosed-resource", 2));
    assert_false(covered(&list, "blocking-call", 3)); /* a glob matches the whole name */
    ll_suppressions_free(&list);
}

static void nolint_regions(void **state)
{
    (void)state;
    ll_suppressions list = parse("// NOLINTBEGIN(looplint-blocking-call)\n" /* 1 */
                                 "a();\n"                                   /* 2 */
                                 "// NOLINTBEGIN\n"                         /* 3 */
                                 "b();\n"                                   /* 4 */
                                 "// NOLINTEND\n"                           /* 5 */
                                 "c();\n"                                   /* 6 */
                                 "// NOLINTEND(looplint-blocking-call)\n"   /* 7 */
                                 "d();\n");                                 /* 8 */
    assert_true(covered(&list, "blocking-call", 2));
    assert_false(covered(&list, "untracked-task", 2));
    assert_true(covered(&list, "untracked-task", 4));
    assert_false(covered(&list, "untracked-task", 6));
    assert_true(covered(&list, "blocking-call", 6));
    assert_false(covered(&list, "blocking-call", 8));
    assert_int_equal(list.count, 2); /* the ENDs leave nothing behind */
    ll_suppressions_free(&list);
}

static void several_nolints_on_one_line(void **state)
{
    (void)state;
    ll_suppressions list =
        parse("a(); /* NOLINTBEGIN(looplint-x) */ b(); /* NOLINTEND(looplint-x) */\n"
              "c(); // NOLINT(looplint-y) NOLINTNEXTLINE(looplint-z)\n"
              "d();\n");
    assert_true(covered(&list, "x", 1));
    assert_false(covered(&list, "x", 2));
    assert_true(covered(&list, "y", 2));
    assert_true(covered(&list, "z", 3));
    assert_false(covered(&list, "y", 3));
    assert_null(list.items[0].reason); /* not "b(); /" nor the second NOLINT */
    assert_null(list.items[1].reason);
    ll_suppressions_free(&list);
}

static void unmatched_regions_are_malformed(void **state)
{
    (void)state;
    ll_suppressions list = parse("// NOLINTEND(looplint-x)\n"
                                 "a();\n"
                                 "// NOLINTBEGIN(looplint-y)\n"
                                 "b();\n");
    assert_int_equal(list.count, 2);
    assert_int_equal(list.items[0].kind, LL_SUPPRESSION_MALFORMED);
    assert_non_null(strstr(list.items[0].problem, "NOLINTEND without"));
    assert_int_equal(list.items[1].kind, LL_SUPPRESSION_MALFORMED);
    assert_non_null(strstr(list.items[1].problem, "NOLINTBEGIN without"));
    assert_false(covered(&list, "y", 4));
    ll_suppressions_free(&list);
}

static void malformed_ignore_comments(void **state)
{
    (void)state;
    ll_suppressions list = parse("a(); // looplint: ignore blocking-call\n"
                                 "b(); // looplint: ignore[]\n"
                                 "c(); // looplint: ignore[x,,y]\n"
                                 "d(); /* looplint: ignore-files[x] */\n");
    assert_int_equal(list.count, 4);
    for (size_t i = 0; i < list.count; i++) {
        assert_int_equal(list.items[i].kind, LL_SUPPRESSION_MALFORMED);
        assert_non_null(list.items[i].problem);
    }
    assert_false(covered(&list, "x", 3));
    ll_suppressions_free(&list);
}

static void other_text_is_not_a_suppression(void **state)
{
    (void)state;
    ll_suppressions list =
        parse("/* looplint:loop marks a root (include/looplint.h) */\n"
              "#define LOOPLINT_LOOP __attribute__((annotate(\"looplint:loop\")))\n"
              "// looplint: ignored findings are kept\n"
              "int NOLINTED = 1; // NOLINTX\n"
              "// looplint ignore[x] (no colon)\n");
    assert_int_equal(list.count, 0);
    ll_suppressions_free(&list);
}

static void empty_text_has_no_suppressions(void **state)
{
    (void)state;
    ll_suppressions list = parse("");
    assert_int_equal(list.count, 0);
    ll_suppressions_free(&list);
}

/* ---- Applying to findings ------------------------------------------------------------------ */

static const char *const known[] = {"blocking-call", "missing-timeout", "untracked-task",
                                    "unused-suppression", NULL};
static const char *const active[] = {"blocking-call", "untracked-task", "unused-suppression", NULL};

struct files {
    char directory[64];
    char paths[4][128];
    size_t count;
};

static const char *write_source(struct files *files, const char *name, const char *content)
{
    if (!files->directory[0]) {
        snprintf(files->directory, sizeof files->directory, "/tmp/looplint-suppress-XXXXXX");
        assert_non_null(mkdtemp(files->directory));
    }
    char built[sizeof files->paths[0]];
    snprintf(built, sizeof built, "%s/%s", files->directory, name);
    char *path = memcpy(files->paths[files->count++], built, sizeof built);
    FILE *stream = fopen(path, "w");
    assert_non_null(stream);
    fputs(content, stream);
    assert_int_equal(fclose(stream), 0);
    return path;
}

static void remove_sources(struct files *files)
{
    for (size_t i = 0; i < files->count; i++)
        unlink(files->paths[i]);
    rmdir(files->directory);
}

static ll_finding *add(ll_findings *findings, const char *rule, const char *file, uint32_t line)
{
    ll_finding *finding = ll_findings_add(findings, rule, LL_SEVERITY_ERROR, file, line, 5, "f",
                                          "sleep ( 1 )", "message");
    assert_non_null(finding);
    return finding;
}

static void apply(ll_findings *findings, const char *const *files, bool report_unused)
{
    ll_suppress_options options = {
        .files = files, .known = known, .active = active, .report_unused = report_unused};
    ll_error error = {{0}};
    assert_int_equal(ll_suppressions_apply(findings, &options, &error), 0);
}

/* The unused-suppression finding on `line` of `file`, or NULL. */
static const ll_finding *unused_at(const ll_findings *findings, const char *file, uint32_t line)
{
    for (size_t i = 0; i < findings->count; i++) {
        const ll_finding *finding = &findings->items[i];
        if (strcmp(finding->rule, LL_UNUSED_SUPPRESSION) == 0 &&
            strcmp(finding->place.file, file) == 0 && finding->place.line == line)
            return finding;
    }
    return NULL;
}

static void apply_marks_findings_with_their_reason(void **state)
{
    (void)state;
    struct files files = {0};
    const char *path = write_source(&files, "a.c",
                                    "void f(void)\n"
                                    "{\n"
                                    "    // looplint: ignore[blocking-call] start-up only\n"
                                    "    sleep(1);\n"
                                    "    sleep(2); // NOLINT\n"
                                    "    sleep(3);\n"
                                    "}\n");
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", path, 4);
    add(&findings, "blocking-call", path, 5);
    add(&findings, "blocking-call", path, 6);
    apply(&findings, NULL, true);
    assert_int_equal(findings.count, 3); /* nothing unused */
    assert_true(findings.items[0].suppressed);
    assert_string_equal(findings.items[0].reason, "start-up only");
    assert_true(findings.items[1].suppressed);
    assert_null(findings.items[1].reason);
    assert_false(findings.items[2].suppressed);
    ll_findings_free(&findings);
    remove_sources(&files);
}

static void apply_reports_unused_and_unknown_ids(void **state)
{
    (void)state;
    struct files files = {0};
    const char *path =
        write_source(&files, "b.c",
                     "void f(void)\n"
                     "{\n"
                     "    sleep(1); // looplint: ignore[blocking-call, untracked-task]\n"
                     "    x(); // looplint: ignore[no-such-check] typo\n"
                     "    y(); // looplint: ignore[missing-timeout] disabled\n"
                     "    z(); // NOLINT(looplint-blocking-call)\n"
                     "}\n");
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", path, 3);
    apply(&findings, NULL, true);
    assert_true(findings.items[0].suppressed);
    const ll_finding *unused = unused_at(&findings, path, 3);
    assert_non_null(unused);
    assert_int_equal(unused->severity, LL_SEVERITY_NOTE);
    assert_int_equal(unused->place.column, 15);
    assert_non_null(strstr(unused->message, "'untracked-task'"));
    assert_false(unused->suppressed);
    const ll_finding *unknown = unused_at(&findings, path, 4);
    assert_non_null(unknown);
    assert_non_null(strstr(unknown->message, "'no-such-check' is not a looplint check"));
    assert_null(unused_at(&findings, path, 5)); /* its check did not run */
    assert_null(unused_at(&findings, path, 6)); /* NOLINT is never reported */
    assert_int_equal(findings.count, 3);
    ll_findings_free(&findings);
    remove_sources(&files);
}

static void apply_reads_named_files_without_findings(void **state)
{
    (void)state;
    struct files files = {0};
    const char *path = write_source(&files, "c.c",
                                    "/* looplint: ignore-file[blocking-call] tool */\n"
                                    "int main(void) { return 0; }\n");
    const char *list[] = {path, NULL};
    ll_findings findings;
    ll_findings_init(&findings);
    apply(&findings, list, true);
    assert_int_equal(findings.count, 1);
    assert_non_null(unused_at(&findings, path, 1));
    assert_non_null(strstr(findings.items[0].message, "ignore-file"));
    ll_findings_free(&findings);
    ll_findings_init(&findings);
    apply(&findings, list, false); /* unused-suppression disabled */
    assert_int_equal(findings.count, 0);
    ll_findings_free(&findings);
    remove_sources(&files);
}

static void unused_suppression_findings_can_be_suppressed(void **state)
{
    (void)state;
    struct files files = {0};
    const char *quiet = write_source(&files, "d.c",
                                     "// looplint: ignore-file[unused-suppression] generated\n"
                                     "a(); // looplint: ignore[blocking-call]\n");
    const char *loud = write_source(&files, "e.c",
                                    "// looplint: ignore-file[unused-suppression] nothing here\n"
                                    "a();\n");
    const char *list[] = {quiet, loud, NULL};
    ll_findings findings;
    ll_findings_init(&findings);
    apply(&findings, list, true);
    const ll_finding *suppressed = unused_at(&findings, quiet, 2);
    assert_non_null(suppressed);
    assert_true(suppressed->suppressed);
    assert_string_equal(suppressed->reason, "generated");
    assert_null(unused_at(&findings, quiet, 1)); /* it was used */
    const ll_finding *unused = unused_at(&findings, loud, 1);
    assert_non_null(unused);
    assert_false(unused->suppressed);
    assert_non_null(strstr(unused->message, "'unused-suppression'"));
    assert_int_equal(findings.count, 2);
    ll_findings_free(&findings);
    remove_sources(&files);
}

static void apply_reports_malformed_comments(void **state)
{
    (void)state;
    struct files files = {0};
    const char *path = write_source(&files, "f.c", "sleep(1); // looplint: ignore blocking-call\n");
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", path, 1);
    apply(&findings, NULL, true);
    assert_int_equal(findings.count, 2);
    assert_false(findings.items[0].suppressed);
    const ll_finding *malformed = unused_at(&findings, path, 1);
    assert_non_null(malformed);
    assert_non_null(strstr(malformed->message, "expected `looplint: ignore["));
    ll_findings_free(&findings);
    remove_sources(&files);
}

static void apply_survives_unreadable_files(void **state)
{
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", "/nonexistent/looplint/x.c", 1);
    ll_findings_add(&findings, "clang-diagnostic", LL_SEVERITY_ERROR, "", 0, 0, "", "", "m");
    apply(&findings, NULL, true);
    assert_int_equal(findings.count, 2);
    assert_false(findings.items[0].suppressed);
    ll_findings_free(&findings);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ignore_covers_its_line_and_the_next_when_alone),
        cmocka_unit_test(trailing_ignore_covers_its_own_line_only),
        cmocka_unit_test(ignore_takes_a_list_of_ids),
        cmocka_unit_test(reasons_lose_separators_and_comment_ends),
        cmocka_unit_test(ignore_file_covers_every_line),
        cmocka_unit_test(nolint_forms),
        cmocka_unit_test(nolint_globs),
        cmocka_unit_test(nolint_regions),
        cmocka_unit_test(several_nolints_on_one_line),
        cmocka_unit_test(unmatched_regions_are_malformed),
        cmocka_unit_test(malformed_ignore_comments),
        cmocka_unit_test(other_text_is_not_a_suppression),
        cmocka_unit_test(empty_text_has_no_suppressions),
        cmocka_unit_test(apply_marks_findings_with_their_reason),
        cmocka_unit_test(apply_reports_unused_and_unknown_ids),
        cmocka_unit_test(apply_reads_named_files_without_findings),
        cmocka_unit_test(unused_suppression_findings_can_be_suppressed),
        cmocka_unit_test(apply_reports_malformed_comments),
        cmocka_unit_test(apply_survives_unreadable_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
