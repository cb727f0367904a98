/*
 * test_sarif.c - the SARIF report, read back with jansson.
 *
 * Findings are made by hand in a temporary project root: one with notes
 * in a file whose name holds a space and '#' (and characters of two and
 * four bytes before its columns), a suppressed one, one outside the root,
 * one whose message is not UTF-8, one named '100%?é.c', and one of a rule
 * the table lacks. The log must point each result at its rule by index,
 * encode its URIs, give the fingerprint, put the notes in a code flow that
 * ends at the finding, carry suppressions, describe the rules with their
 * help, and come out the same twice.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "report_helpers.h"

/* Line 1: "é" (two bytes) before `sleep`, at byte column 10, character 9.
 * Line 2: an emoji (four bytes, two UTF-16 units) before `usleep`, at
 * byte column 12, UTF-16 column 10. */
static const char spaced_source[] = "/* \xC3\xA9 */ sleep(1);\n"
                                    "/* \xF0\x9F\x98\x80 */ usleep(1);\n";

static const char blocking_help[] = "# blocking-call\n\n**Severity:** error.\n\n"
                                    "## What it finds\n\nA call\nthat blocks.\n\n"
                                    "## Why it matters\n\nLag.\n";

static const ll_report_rule rules[] = {
    {"blocking-call", LL_SEVERITY_ERROR, true, "a call that blocks", blocking_help},
    {"busy-loop", LL_SEVERITY_WARNING, false, "a loop that never suspends", NULL},
};

struct fixture {
    char root[64];
    char source_dir[96];
    char spaced_path[128]; /* root/src/a b#c.c */
    char odd_path[128];    /* root/src/100%?é.c, never written */
    ll_findings findings;
};

static int group_setup(void **state)
{
    struct fixture *fixture = calloc(1, sizeof *fixture);
    if (!fixture)
        return -1;
    snprintf(fixture->root, sizeof fixture->root, "/tmp/looplint-sarif-XXXXXX");
    if (!mkdtemp(fixture->root))
        goto fail;
    snprintf(fixture->source_dir, sizeof fixture->source_dir, "%s/src", fixture->root);
    snprintf(fixture->spaced_path, sizeof fixture->spaced_path, "%s/a b#c.c", fixture->source_dir);
    snprintf(fixture->odd_path, sizeof fixture->odd_path, "%s/100%%?\xC3\xA9.c",
             fixture->source_dir);
    if (mkdir(fixture->source_dir, 0700) != 0)
        goto fail;
    FILE *file = fopen(fixture->spaced_path, "w");
    if (!file)
        goto fail;
    fputs(spaced_source, file);
    if (fclose(file) != 0)
        goto fail;

    ll_findings *findings = &fixture->findings;
    ll_findings_init(findings);
    ll_finding *chained =
        ll_findings_add(findings, "blocking-call", LL_SEVERITY_ERROR, fixture->spaced_path, 1, 10,
                        "handler", "sleep ( 1 )", "sleep() blocks the loop");
    if (!chained ||
        ll_finding_add_note(chained, fixture->spaced_path, 2, 12, "handler runs on the loop") ||
        ll_finding_add_note(chained, fixture->spaced_path, 1, 1, "it calls %s", "sleep"))
        goto fail;
    ll_finding *suppressed =
        ll_findings_add(findings, "busy-loop", LL_SEVERITY_WARNING, fixture->spaced_path, 2, 12,
                        "handler", "usleep", "this loop never suspends");
    if (!suppressed || !(suppressed->reason = strdup("measured: it ends")))
        goto fail;
    suppressed->suppressed = true;
    if (!ll_findings_add(findings, "blocking-call", LL_SEVERITY_NOTE, "/tmp/elsewhere dir/x.c", 5,
                         3, "", NULL, "outside the root") ||
        !ll_findings_add(findings, "blocking-call", LL_SEVERITY_WARNING, fixture->odd_path, 7, 4,
                         "f", NULL, "bad \xFF byte") ||
        !ll_findings_add(findings, "mystery-rule", LL_SEVERITY_ERROR, fixture->odd_path, 9, 1, "f",
                         NULL, "a rule of no table"))
        goto fail;
    ll_fingerprints_compute(findings, fixture->root);
    *state = fixture;
    return 0;
fail:
    free(fixture);
    return -1;
}

static int group_teardown(void **state)
{
    struct fixture *fixture = *state;
    ll_findings_free(&fixture->findings);
    unlink(fixture->spaced_path);
    rmdir(fixture->source_dir);
    rmdir(fixture->root);
    free(fixture);
    return 0;
}

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *log = json_loads(text, 0, &error);
    if (!log)
        fail_msg("not JSON: %s (line %d)", error.text, error.line);
    return log;
}

static ll_report_options sarif_options(const struct fixture *fixture, bool show_suppressed)
{
    return (ll_report_options){
        .format = LL_FORMAT_SARIF,
        .root = fixture->root,
        .show_suppressed = show_suppressed,
        .version = "1.2.3",
        .rules = rules,
        .rule_count = sizeof rules / sizeof rules[0],
    };
}

/* The string member `key` of an object, or a failure naming it. */
static const char *text_of(json_t *value, const char *key)
{
    json_t *member = json_object_get(value, key);
    if (!json_is_string(member))
        fail_msg("no string '%s'", key);
    return json_string_value(member);
}

static json_t *run_of(json_t *log)
{
    assert_string_equal(text_of(log, "version"), "2.1.0");
    assert_true(strstr(text_of(log, "$schema"), "sarif-2.1.0") != NULL);
    json_t *runs = json_object_get(log, "runs");
    assert_int_equal(json_array_size(runs), 1);
    return json_array_get(runs, 0);
}

/* The result whose message is `message`, or a failure. */
static json_t *result_with(json_t *run, const char *message)
{
    size_t index;
    json_t *result;
    json_array_foreach(json_object_get(run, "results"), index, result)
    {
        if (strcmp(text_of(json_object_get(result, "message"), "text"), message) == 0)
            return result;
    }
    fail_msg("no result says '%s'", message);
    return NULL;
}

static json_t *artifact_of(json_t *location)
{
    return json_object_get(json_object_get(location, "physicalLocation"), "artifactLocation");
}

static json_int_t region_value(json_t *location, const char *key)
{
    json_t *region = json_object_get(json_object_get(location, "physicalLocation"), "region");
    return json_integer_value(json_object_get(region, key));
}

static json_t *primary_location(json_t *result)
{
    json_t *locations = json_object_get(result, "locations");
    assert_int_equal(json_array_size(locations), 1);
    return json_array_get(locations, 0);
}

static void test_driver_describes_rules(void **state)
{
    struct fixture *fixture = *state;
    ll_report_options options = sarif_options(fixture, false);
    char *text = render(&fixture->findings, &options);
    json_t *log = parse(text);
    json_t *driver = json_object_get(json_object_get(run_of(log), "tool"), "driver");
    assert_string_equal(text_of(driver, "name"), "looplint");
    assert_string_equal(text_of(driver, "version"), "1.2.3");
    assert_string_equal(text_of(driver, "semanticVersion"), "1.2.3");
    assert_string_equal(text_of(driver, "informationUri"), "https://github.com/looplint/looplint");

    json_t *driver_rules = json_object_get(driver, "rules");
    assert_int_equal(json_array_size(driver_rules), 3); /* the table, then mystery-rule */
    json_t *blocking = json_array_get(driver_rules, 0);
    assert_string_equal(text_of(blocking, "id"), "blocking-call");
    assert_string_equal(text_of(blocking, "name"), "BlockingCall");
    assert_string_equal(text_of(json_object_get(blocking, "shortDescription"), "text"),
                        "a call that blocks");
    assert_string_equal(text_of(json_object_get(blocking, "fullDescription"), "text"),
                        "A call that blocks.");
    json_t *help = json_object_get(blocking, "help");
    assert_string_equal(text_of(help, "markdown"), blocking_help);
    assert_string_equal(text_of(help, "text"), blocking_help);
    assert_string_equal(text_of(blocking, "helpUri"),
                        "https://github.com/looplint/looplint/blob/main/docs/checks/"
                        "blocking-call.md");
    json_t *configuration = json_object_get(blocking, "defaultConfiguration");
    assert_string_equal(text_of(configuration, "level"), "error");
    assert_true(json_is_true(json_object_get(configuration, "enabled")));

    /* Disabled: its level stays, enabled says it did not run; no page. */
    json_t *busy = json_array_get(driver_rules, 1);
    assert_string_equal(text_of(busy, "name"), "BusyLoop");
    configuration = json_object_get(busy, "defaultConfiguration");
    assert_string_equal(text_of(configuration, "level"), "warning");
    assert_true(json_is_false(json_object_get(configuration, "enabled")));
    assert_null(json_object_get(busy, "help"));
    assert_null(json_object_get(busy, "helpUri"));
    assert_string_equal(text_of(json_object_get(busy, "fullDescription"), "text"),
                        "a loop that never suspends");

    json_t *mystery = json_array_get(driver_rules, 2);
    assert_string_equal(text_of(mystery, "id"), "mystery-rule");
    assert_string_equal(text_of(mystery, "name"), "MysteryRule");
    /* GitHub wants descriptions and help on every rule. */
    assert_non_null(
        strstr(text_of(json_object_get(mystery, "shortDescription"), "text"), "does not describe"));
    assert_non_null(json_object_get(json_object_get(mystery, "fullDescription"), "text"));
    assert_non_null(json_object_get(json_object_get(mystery, "help"), "markdown"));
    json_decref(log);
    free(text);
}

static void test_results_point_at_rules_and_places(void **state)
{
    struct fixture *fixture = *state;
    ll_report_options options = sarif_options(fixture, false);
    char *text = render(&fixture->findings, &options);
    json_t *log = parse(text);
    json_t *run = run_of(log);

    char root_uri[128];
    snprintf(root_uri, sizeof root_uri, "file://%s/", fixture->root);
    json_t *base = json_object_get(json_object_get(run, "originalUriBaseIds"), "%SRCROOT%");
    assert_string_equal(text_of(base, "uri"), root_uri);
    assert_string_equal(text_of(run, "columnKind"), "utf16CodeUnits");
    json_t *invocation = json_array_get(json_object_get(run, "invocations"), 0);
    assert_true(json_is_true(json_object_get(invocation, "executionSuccessful")));

    /* Without --suppressed, the suppressed finding is left out. */
    json_t *results = json_object_get(run, "results");
    assert_int_equal(json_array_size(results), 4);
    json_t *driver_rules =
        json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
    size_t index;
    json_t *result;
    json_array_foreach(results, index, result)
    {
        json_int_t rule = json_integer_value(json_object_get(result, "ruleIndex"));
        assert_string_equal(text_of(json_array_get(driver_rules, (size_t)rule), "id"),
                            text_of(result, "ruleId"));
        /* On every result or on none: here, empty when not suppressed. */
        assert_int_equal(json_array_size(json_object_get(result, "suppressions")), 0);
        assert_non_null(json_object_get(result, "suppressions"));
    }

    result = result_with(run, "sleep() blocks the loop");
    assert_string_equal(text_of(result, "level"), "error");
    json_t *artifact = artifact_of(primary_location(result));
    assert_string_equal(text_of(artifact, "uri"), "src/a%20b%23c.c");
    assert_string_equal(text_of(artifact, "uriBaseId"), "%SRCROOT%");
    assert_int_equal(region_value(primary_location(result), "startLine"), 1);
    assert_int_equal(region_value(primary_location(result), "startColumn"), 9); /* é: 1 */
    const ll_finding *chained = &fixture->findings.items[0];
    for (size_t i = 0; i < fixture->findings.count; i++) {
        if (fixture->findings.items[i].note_count)
            chained = &fixture->findings.items[i];
    }
    assert_int_equal(chained->note_count, 2);
    assert_int_equal(strlen(chained->fingerprint), 32);
    assert_string_equal(
        text_of(json_object_get(result, "partialFingerprints"), "looplintFingerprint/v1"),
        chained->fingerprint);

    result = result_with(run, "outside the root");
    assert_string_equal(text_of(result, "level"), "note");
    artifact = artifact_of(primary_location(result));
    assert_string_equal(text_of(artifact, "uri"), "file:///tmp/elsewhere%20dir/x.c");
    assert_null(json_object_get(artifact, "uriBaseId"));
    assert_int_equal(region_value(primary_location(result), "startColumn"), 3); /* no file */
    assert_null(json_object_get(result, "codeFlows"));
    assert_null(json_object_get(result, "relatedLocations"));

    result = result_with(run, "bad \xEF\xBF\xBD byte");
    artifact = artifact_of(primary_location(result));
    assert_string_equal(text_of(artifact, "uri"), "src/100%25%3F%C3%A9.c");

    result = result_with(run, "a rule of no table");
    assert_int_equal(json_integer_value(json_object_get(result, "ruleIndex")), 2);
    json_decref(log);
    free(text);
}

static void test_notes_make_code_flow(void **state)
{
    struct fixture *fixture = *state;
    ll_report_options options = sarif_options(fixture, false);
    char *text = render(&fixture->findings, &options);
    json_t *log = parse(text);
    json_t *result = result_with(run_of(log), "sleep() blocks the loop");

    json_t *related = json_object_get(result, "relatedLocations");
    assert_int_equal(json_array_size(related), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(related, 0), "id")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(related, 1), "id")), 2);
    assert_string_equal(text_of(json_object_get(json_array_get(related, 1), "message"), "text"),
                        "it calls sleep");

    json_t *flows = json_object_get(result, "codeFlows");
    assert_int_equal(json_array_size(flows), 1);
    json_t *threads = json_object_get(json_array_get(flows, 0), "threadFlows");
    assert_int_equal(json_array_size(threads), 1);
    json_t *steps = json_object_get(json_array_get(threads, 0), "locations");
    assert_int_equal(json_array_size(steps), 3);
    static const char *const messages[] = {"handler runs on the loop", "it calls sleep",
                                           "sleep() blocks the loop"};
    static const json_int_t lines[] = {2, 1, 1};
    static const json_int_t columns[] = {10, 1, 9};
    for (size_t i = 0; i < 3; i++) {
        json_t *location = json_object_get(json_array_get(steps, i), "location");
        assert_string_equal(text_of(json_object_get(location, "message"), "text"), messages[i]);
        assert_string_equal(text_of(artifact_of(location), "uri"), "src/a%20b%23c.c");
        assert_int_equal(region_value(location, "startLine"), lines[i]);
        /* The emoji before column 12 is two UTF-16 units, not four bytes. */
        assert_int_equal(region_value(location, "startColumn"), columns[i]);
    }
    json_decref(log);
    free(text);
}

static void test_suppressed_when_asked(void **state)
{
    struct fixture *fixture = *state;
    ll_report_options options = sarif_options(fixture, true);
    char *text = render(&fixture->findings, &options);
    json_t *log = parse(text);
    json_t *run = run_of(log);
    assert_int_equal(json_array_size(json_object_get(run, "results")), 5);
    json_t *result = result_with(run, "this loop never suspends");
    assert_int_equal(json_integer_value(json_object_get(result, "ruleIndex")), 1);
    json_t *suppressions = json_object_get(result, "suppressions");
    assert_int_equal(json_array_size(suppressions), 1);
    json_t *suppression = json_array_get(suppressions, 0);
    assert_string_equal(text_of(suppression, "kind"), "inSource");
    assert_string_equal(text_of(suppression, "justification"), "measured: it ends");
    result = result_with(run, "sleep() blocks the loop");
    assert_int_equal(json_array_size(json_object_get(result, "suppressions")), 0);
    json_decref(log);
    free(text);
}

static void test_same_bytes_twice(void **state)
{
    struct fixture *fixture = *state;
    ll_report_options options = sarif_options(fixture, true);
    char *first = render(&fixture->findings, &options);
    char *second = render(&fixture->findings, &options);
    assert_string_equal(first, second);
    free(first);
    free(second);
}

/* The root's URI ends in exactly one slash, encoded like the others; no
 * root: every path is an absolute file URI and there is no base. */
static void test_root_uri(void **state)
{
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    assert_non_null(ll_findings_add(&findings, "blocking-call", LL_SEVERITY_ERROR,
                                    "/srv/my project/#1.c", 1, 0, "", NULL, "m"));
    ll_report_options options = {.format = LL_FORMAT_SARIF, .root = "/srv/my project/"};
    char *text = render(&findings, &options);
    json_t *log = parse(text);
    json_t *run = run_of(log);
    json_t *base = json_object_get(json_object_get(run, "originalUriBaseIds"), "%SRCROOT%");
    assert_string_equal(text_of(base, "uri"), "file:///srv/my%20project/");
    json_t *location = primary_location(json_array_get(json_object_get(run, "results"), 0));
    assert_string_equal(text_of(artifact_of(location), "uri"), "%231.c");
    assert_int_equal(region_value(location, "startLine"), 1);
    json_t *region = json_object_get(json_object_get(location, "physicalLocation"), "region");
    assert_null(json_object_get(region, "startColumn")); /* the finding has no column */
    /* No version given: none claimed. */
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    assert_null(json_object_get(driver, "version"));
    json_decref(log);
    free(text);

    options.root = NULL;
    text = render(&findings, &options);
    log = parse(text);
    run = run_of(log);
    assert_null(json_object_get(run, "originalUriBaseIds"));
    location = primary_location(json_array_get(json_object_get(run, "results"), 0));
    assert_string_equal(text_of(artifact_of(location), "uri"), "file:///srv/my%20project/%231.c");
    assert_null(json_object_get(artifact_of(location), "uriBaseId"));
    json_decref(log);
    free(text);
    ll_findings_free(&findings);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_describes_rules),
        cmocka_unit_test(test_results_point_at_rules_and_places),
        cmocka_unit_test(test_notes_make_code_flow),
        cmocka_unit_test(test_suppressed_when_asked),
        cmocka_unit_test(test_same_bytes_twice),
        cmocka_unit_test(test_root_uri),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
