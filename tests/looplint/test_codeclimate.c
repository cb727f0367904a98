/*
 * test_codeclimate.c - the codeclimate format (GitLab's code quality).
 *
 * Each report is written to a memory stream and parsed back with jansson:
 * an array of issues with the fields GitLab reads (check_name, description,
 * severity mapped to its scale, location relative to the root with
 * positions or lines, fingerprint), notes in the body, suppressed findings
 * always left out, bytes that are not UTF-8 repaired, the same bytes for
 * the same findings, and an empty array when there is nothing.
 */
#include "report/report.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report_helpers.h"

static const char root[] = "/project";

static char *render_codeclimate(const ll_findings *findings, bool show_suppressed)
{
    ll_report_options options = {
        .format = LL_FORMAT_CODECLIMATE, .root = root, .show_suppressed = show_suppressed};
    return render(findings, &options);
}

static json_t *render_json(const ll_findings *findings, bool show_suppressed)
{
    char *text = render_codeclimate(findings, show_suppressed);
    json_error_t error;
    json_t *document = json_loads(text, 0, &error);
    if (!document)
        fail_msg("codeclimate: %s at %d:%d", error.text, error.line, error.column);
    assert_int_equal(text[strlen(text) - 1], '\n');
    free(text);
    assert_true(json_is_array(document));
    return document;
}

static const char *string_at(json_t *object, const char *path)
{
    json_t *value = json_object_get(object, path);
    assert_true(json_is_string(value));
    return json_string_value(value);
}

static json_int_t integer_at(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    assert_true(json_is_integer(value));
    return json_integer_value(value);
}

static ll_finding *add(ll_findings *findings, const char *rule, enum ll_severity severity,
                       const char *file, uint32_t line, uint32_t column, const char *message)
{
    ll_finding *finding = ll_findings_add(findings, rule, severity, file, line, column, "handler",
                                          "sleep ( 1 )", message);
    assert_non_null(finding);
    return finding;
}

static void issues_carry_what_gitlab_reads(void **state)
{
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding = add(&findings, "blocking-call", LL_SEVERITY_WARNING,
                              "/project/src/main.c", 5, 2, "sleep() blocks the event loop");
    assert_int_equal(
        ll_finding_add_note(finding, "/project/src/loop.c", 3, 13, "handler runs on the loop"), 0);
    assert_int_equal(ll_finding_add_note(finding, "/project/src/main.c", 9, 1, "called here"), 0);
    ll_fingerprints_compute(&findings, root);
    json_t *issues = render_json(&findings, false);
    assert_int_equal(json_array_size(issues), 1);
    json_t *issue = json_array_get(issues, 0);

    assert_string_equal(string_at(issue, "type"), "issue");
    assert_string_equal(string_at(issue, "check_name"), "looplint-blocking-call");
    assert_string_equal(string_at(issue, "description"), "sleep() blocks the event loop");
    assert_string_equal(string_at(issue, "severity"), "major");
    assert_string_equal(string_at(issue, "fingerprint"), findings.items[0].fingerprint);
    assert_int_equal(strlen(string_at(issue, "fingerprint")), 32);
    json_t *categories = json_object_get(issue, "categories");
    assert_int_equal(json_array_size(categories), 1);
    assert_string_equal(json_string_value(json_array_get(categories, 0)), "Bug Risk");
    assert_string_equal(string_at(json_object_get(issue, "content"), "body"),
                        "- src/loop.c:3:13: handler runs on the loop\n"
                        "- src/main.c:9:1: called here\n");

    json_t *location = json_object_get(issue, "location");
    assert_string_equal(string_at(location, "path"), "src/main.c");
    assert_null(json_object_get(location, "lines"));
    json_t *begin = json_object_get(json_object_get(location, "positions"), "begin");
    assert_int_equal(integer_at(begin, "line"), 5);
    assert_int_equal(integer_at(begin, "column"), 2);
    json_decref(issues);
    ll_findings_free(&findings);
}

static void severities_map_to_gitlab_scale(void **state)
{
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "a", LL_SEVERITY_NOTE, "/project/a.c", 1, 1, "n");
    add(&findings, "b", LL_SEVERITY_WARNING, "/project/a.c", 2, 1, "w");
    add(&findings, "c", LL_SEVERITY_ERROR, "/project/a.c", 3, 1, "e");
    ll_fingerprints_compute(&findings, root);
    json_t *issues = render_json(&findings, false);
    assert_int_equal(json_array_size(issues), 3);
    assert_string_equal(string_at(json_array_get(issues, 0), "severity"), "info");
    assert_string_equal(string_at(json_array_get(issues, 1), "severity"), "major");
    assert_string_equal(string_at(json_array_get(issues, 2), "severity"), "critical");
    assert_null(json_object_get(json_array_get(issues, 0), "content")); /* no notes */
    json_decref(issues);
    ll_findings_free(&findings);
}

static void a_place_without_column_gives_lines(void **state)
{
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", LL_SEVERITY_WARNING, "/elsewhere/x.c", 7, 0, "m");
    ll_fingerprints_compute(&findings, root);
    json_t *issues = render_json(&findings, false);
    json_t *location = json_object_get(json_array_get(issues, 0), "location");
    assert_string_equal(string_at(location, "path"), "/elsewhere/x.c"); /* not under the root */
    assert_null(json_object_get(location, "positions"));
    assert_int_equal(integer_at(json_object_get(location, "lines"), "begin"), 7);
    json_decref(issues);
    ll_findings_free(&findings);
}

static void suppressed_findings_are_always_left_out(void **state)
{
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", LL_SEVERITY_WARNING, "/project/a.c", 1, 1, "kept");
    ll_finding *hidden =
        add(&findings, "blocking-call", LL_SEVERITY_ERROR, "/project/a.c", 2, 1, "suppressed");
    hidden->suppressed = true;
    ll_fingerprints_compute(&findings, root);
    for (int show = 0; show < 2; show++) {
        json_t *issues = render_json(&findings, show);
        assert_int_equal(json_array_size(issues), 1);
        assert_string_equal(string_at(json_array_get(issues, 0), "description"), "kept");
        json_decref(issues);
    }
    ll_findings_free(&findings);
}

static void bad_utf8_is_repaired(void **state)
{
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", LL_SEVERITY_WARNING, "/project/caf\xe9.c", 1, 1,
        "bad \xff byte");
    ll_fingerprints_compute(&findings, root);
    json_t *issues = render_json(&findings, false);
    json_t *issue = json_array_get(issues, 0);
    assert_string_equal(string_at(issue, "description"), "bad \xEF\xBF\xBD byte");
    assert_string_equal(string_at(json_object_get(issue, "location"), "path"), "caf\xEF\xBF\xBD.c");
    json_decref(issues);
    ll_findings_free(&findings);
}

static void output_is_deterministic_and_ordered(void **state)
{
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", LL_SEVERITY_WARNING, "/project/a.c", 1, 1, "first");
    add(&findings, "blocking-call", LL_SEVERITY_WARNING, "/project/b.c", 1, 1, "second");
    ll_fingerprints_compute(&findings, root);
    char *once = render_codeclimate(&findings, false);
    char *again = render_codeclimate(&findings, false);
    assert_string_equal(once, again);
    /* Keys in the documented order, not hash order. */
    const char *keys[] = {"\"type\"",     "\"check_name\"", "\"description\"", "\"categories\"",
                          "\"location\"", "\"severity\"",   "\"fingerprint\""};
    const char *previous = once;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *at = strstr(once, keys[i]);
        assert_non_null(at);
        assert_true(at > previous);
        previous = at;
    }
    assert_true(strstr(once, "first") < strstr(once, "second"));
    free(once);
    free(again);
    ll_findings_free(&findings);
}

static void nothing_found_is_an_empty_array(void **state)
{
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    char *text = render_codeclimate(&findings, false);
    assert_string_equal(text, "[]\n");
    free(text);
}

static void format_parses_by_name(void **state)
{
    (void)state;
    enum ll_format format = LL_FORMAT_TEXT;
    assert_int_equal(ll_format_parse("codeclimate", &format), 0);
    assert_int_equal(format, LL_FORMAT_CODECLIMATE);
    assert_int_equal(ll_format_parse("CodeClimate", &format), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(issues_carry_what_gitlab_reads),
        cmocka_unit_test(severities_map_to_gitlab_scale),
        cmocka_unit_test(a_place_without_column_gives_lines),
        cmocka_unit_test(suppressed_findings_are_always_left_out),
        cmocka_unit_test(bad_utf8_is_repaired),
        cmocka_unit_test(output_is_deterministic_and_ordered),
        cmocka_unit_test(nothing_found_is_an_empty_array),
        cmocka_unit_test(format_parses_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
