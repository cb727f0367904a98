/*
 * test_report.c - the output formats and the fingerprints.
 *
 * Each format is written to a memory stream and compared with the exact
 * bytes expected: text (source line and caret, tabs, notes with their own
 * excerpts, remark for severity note, the summary's wording, colour only
 * when asked, no excerpt for a missing file or line, suppressed findings),
 * gcc, and json (parsed back with jansson). Paths are printed relative to
 * the root. Fingerprints must stay the same under line shifts, reformatting
 * and edits to another function, and differ for repeated calls in one
 * function and for different rules.
 *
 * The source files the text format quotes are written to a fresh
 * temporary directory, which is also the project root.
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
#include <unistd.h>

#include <cmocka.h>

#include "report_helpers.h"

static const char main_source[] = "#include <unistd.h>\n"
                                  "\n"
                                  "static void handler(void)\n"
                                  "{\n"
                                  "\tsleep(1);\n"
                                  "    usleep(10);\n"
                                  "}\n";

/* Windows line ends, and a character of two bytes before the column. */
static const char crlf_source[] = "void f(void)\r\n"
                                  "{\r\n"
                                  "\tconst char *s = \"\xC3\xA9\"; sleep(1);\r\n"
                                  "}\r\n";

struct fixture {
    char root[64];
    char main_path[128]; /* root/main.c, holding main_source */
    char crlf_path[128]; /* root/crlf.c, holding crlf_source */
    char gone_path[128]; /* root/gone.c, never written */
};

static int group_setup(void **state)
{
    struct fixture *fixture = calloc(1, sizeof *fixture);
    if (!fixture)
        return -1;
    snprintf(fixture->root, sizeof fixture->root, "/tmp/looplint-report-XXXXXX");
    if (!mkdtemp(fixture->root))
        goto fail;
    snprintf(fixture->main_path, sizeof fixture->main_path, "%s/main.c", fixture->root);
    snprintf(fixture->crlf_path, sizeof fixture->crlf_path, "%s/crlf.c", fixture->root);
    snprintf(fixture->gone_path, sizeof fixture->gone_path, "%s/gone.c", fixture->root);
    if (write_file(fixture->main_path, main_source) != 0 ||
        write_file(fixture->crlf_path, crlf_source) != 0)
        goto fail;
    *state = fixture;
    return 0;
fail:
    free(fixture);
    return -1;
}

static int group_teardown(void **state)
{
    struct fixture *fixture = *state;
    unlink(fixture->main_path);
    unlink(fixture->crlf_path);
    rmdir(fixture->root);
    free(fixture);
    return 0;
}

static void assert_report(const ll_findings *findings, const ll_report_options *options,
                          const char *expected)
{
    char *text = render(findings, options);
    assert_string_equal(text, expected);
    free(text);
}

static ll_finding *add(ll_findings *findings, enum ll_severity severity, const char *file,
                       uint32_t line, uint32_t column, const char *message)
{
    ll_finding *finding = ll_findings_add(findings, "blocking-call", severity, file, line, column,
                                          "handler", "sleep ( 1 )", message);
    assert_non_null(finding);
    return finding;
}

static ll_report_options text_options(const struct fixture *fixture)
{
    return (ll_report_options){.format = LL_FORMAT_TEXT, .root = fixture->root};
}

/* ---- text ---------------------------------------------------------------------------------- */

static void text_quotes_the_line_with_a_caret(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, LL_SEVERITY_WARNING, fixture->main_path, 6, 5, "usleep blocks the loop");
    ll_report_options options = text_options(fixture);
    assert_report(&findings, &options,
                  "main.c:6:5: warning: usleep blocks the loop [looplint-blocking-call]\n"
                  "    usleep(10);\n"
                  "    ^\n"
                  "1 warning generated.\n");
    ll_findings_free(&findings);
}

static void text_caret_keeps_tabs(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, LL_SEVERITY_ERROR, fixture->main_path, 5, 2, "sleep blocks the loop");
    ll_report_options options = text_options(fixture);
    assert_report(&findings, &options,
                  "main.c:5:2: error: sleep blocks the loop [looplint-blocking-call]\n"
                  "\tsleep(1);\n"
                  "\t^\n"
                  "1 error generated.\n");
    ll_findings_free(&findings);
}

static void text_notes_have_their_own_lines(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        add(&findings, LL_SEVERITY_WARNING, fixture->main_path, 5, 2, "sleep blocks the loop");
    assert_int_equal(
        ll_finding_add_note(finding, fixture->main_path, 3, 13, "%s runs on the loop", "handler"),
        0);
    assert_int_equal(ll_finding_add_note(finding, fixture->main_path, 6, 5, "and so does this"), 0);
    ll_report_options options = text_options(fixture);
    assert_report(&findings, &options,
                  "main.c:5:2: warning: sleep blocks the loop [looplint-blocking-call]\n"
                  "\tsleep(1);\n"
                  "\t^\n"
                  "main.c:3:13: note: handler runs on the loop\n"
                  "static void handler(void)\n"
                  "            ^\n"
                  "main.c:6:5: note: and so does this\n"
                  "    usleep(10);\n"
                  "    ^\n"
                  "1 warning generated.\n");
    ll_findings_free(&findings);
}

static void text_prints_severity_note_as_remark(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, LL_SEVERITY_NOTE, fixture->main_path, 6, 5, "usleep may block");
    ll_report_options options = text_options(fixture);
    assert_report(&findings, &options,
                  "main.c:6:5: remark: usleep may block [looplint-blocking-call]\n"
                  "    usleep(10);\n"
                  "    ^\n"
                  "1 remark generated.\n");
    ll_findings_free(&findings);
}

/* Findings without a readable source line keep the summary short to read. */
static void text_summary_wording(void **state)
{
    struct fixture *fixture = *state;
    ll_report_options options = text_options(fixture);
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, LL_SEVERITY_WARNING, fixture->gone_path, 1, 1, "one");
    add(&findings, LL_SEVERITY_WARNING, fixture->gone_path, 2, 1, "two");
    add(&findings, LL_SEVERITY_NOTE, fixture->gone_path, 3, 1, "three");
    assert_report(&findings, &options,
                  "gone.c:1:1: warning: one [looplint-blocking-call]\n"
                  "gone.c:2:1: warning: two [looplint-blocking-call]\n"
                  "gone.c:3:1: remark: three [looplint-blocking-call]\n"
                  "2 warnings and 1 remark generated.\n");
    add(&findings, LL_SEVERITY_ERROR, fixture->gone_path, 4, 1, "four");
    assert_report(&findings, &options,
                  "gone.c:1:1: warning: one [looplint-blocking-call]\n"
                  "gone.c:2:1: warning: two [looplint-blocking-call]\n"
                  "gone.c:3:1: remark: three [looplint-blocking-call]\n"
                  "gone.c:4:1: error: four [looplint-blocking-call]\n"
                  "1 error, 2 warnings and 1 remark generated.\n");
    ll_findings_free(&findings);

    ll_findings_init(&findings);
    assert_report(&findings, &options, ""); /* nothing printed, no summary */
    add(&findings, LL_SEVERITY_ERROR, fixture->gone_path, 1, 1, "one");
    add(&findings, LL_SEVERITY_ERROR, fixture->gone_path, 2, 1, "two");
    add(&findings, LL_SEVERITY_NOTE, fixture->gone_path, 3, 1, "three");
    add(&findings, LL_SEVERITY_NOTE, fixture->gone_path, 4, 1, "four");
    assert_report(&findings, &options,
                  "gone.c:1:1: error: one [looplint-blocking-call]\n"
                  "gone.c:2:1: error: two [looplint-blocking-call]\n"
                  "gone.c:3:1: remark: three [looplint-blocking-call]\n"
                  "gone.c:4:1: remark: four [looplint-blocking-call]\n"
                  "2 errors and 2 remarks generated.\n");
    ll_findings_free(&findings);
}

static void text_colors_only_when_asked(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        add(&findings, LL_SEVERITY_WARNING, fixture->main_path, 6, 5, "usleep blocks the loop");
    assert_int_equal(ll_finding_add_note(finding, fixture->main_path, 3, 13, "on the loop"), 0);
    add(&findings, LL_SEVERITY_ERROR, fixture->gone_path, 1, 1, "e");
    add(&findings, LL_SEVERITY_NOTE, fixture->gone_path, 2, 1, "r");
    ll_report_options options = text_options(fixture);
    options.color = true;
    assert_report(&findings, &options,
                  "\033[1mmain.c:6:5: \033[0m\033[0;1;35mwarning: \033[0m\033[1m"
                  "usleep blocks the loop [looplint-blocking-call]\033[0m\n"
                  "    usleep(10);\n"
                  "    \033[0;1;32m^\033[0m\n"
                  "\033[1mmain.c:3:13: \033[0m\033[0;1;30mnote: \033[0mon the loop\n"
                  "static void handler(void)\n"
                  "            \033[0;1;32m^\033[0m\n"
                  "\033[1mgone.c:1:1: \033[0m\033[0;1;31merror: \033[0m\033[1m"
                  "e [looplint-blocking-call]\033[0m\n"
                  "\033[1mgone.c:2:1: \033[0m\033[0;1;34mremark: \033[0m\033[1m"
                  "r [looplint-blocking-call]\033[0m\n"
                  "1 error, 1 warning and 1 remark generated.\n");
    options.color = false;
    char *text = render(&findings, &options);
    assert_null(strchr(text, '\033'));
    free(text);
    ll_findings_free(&findings);
}

static void text_omits_what_cannot_be_read(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding = add(&findings, LL_SEVERITY_WARNING, fixture->gone_path, 3, 7, "gone");
    assert_int_equal(ll_finding_add_note(finding, fixture->main_path, 99, 1, "past the end"), 0);
    assert_int_equal(ll_finding_add_note(finding, fixture->root, 1, 1, "a directory"), 0);
    add(&findings, LL_SEVERITY_WARNING, fixture->main_path, 8, 1, "one past the last line");
    ll_report_options options = text_options(fixture);
    assert_report(&findings, &options,
                  "gone.c:3:7: warning: gone [looplint-blocking-call]\n"
                  "main.c:99:1: note: past the end\n"
                  ".:1:1: note: a directory\n"
                  "main.c:8:1: warning: one past the last line [looplint-blocking-call]\n"
                  "2 warnings generated.\n");
    ll_findings_free(&findings);
}

/* A column past the end of the line (a call at the end of a macro
 * expansion, say) puts the caret just after the last character. */
static void text_caret_stops_at_the_end_of_the_line(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, LL_SEVERITY_WARNING, fixture->main_path, 7, 40, "far right");
    ll_report_options options = text_options(fixture);
    assert_report(&findings, &options,
                  "main.c:7:40: warning: far right [looplint-blocking-call]\n"
                  "}\n"
                  " ^\n"
                  "1 warning generated.\n");
    ll_findings_free(&findings);
}

static void text_handles_crlf_and_utf8(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, LL_SEVERITY_WARNING, fixture->crlf_path, 3, 24, "sleep blocks the loop");
    ll_report_options options = text_options(fixture);
    assert_report(&findings, &options,
                  "crlf.c:3:24: warning: sleep blocks the loop [looplint-blocking-call]\n"
                  "\tconst char *s = \"\xC3\xA9\"; sleep(1);\n"
                  "\t                     ^\n"
                  "1 warning generated.\n");
    ll_findings_free(&findings);
}

static void text_suppressed_hidden_unless_asked(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        add(&findings, LL_SEVERITY_WARNING, fixture->main_path, 6, 5, "usleep blocks the loop");
    finding->suppressed = true;
    finding->reason = strdup("startup only");
    assert_non_null(finding->reason);
    finding = add(&findings, LL_SEVERITY_WARNING, fixture->gone_path, 1, 1, "no reason given");
    finding->suppressed = true;
    ll_report_options options = text_options(fixture);
    assert_report(&findings, &options, "");
    options.show_suppressed = true;
    assert_report(&findings, &options,
                  "main.c:6:5: warning: usleep blocks the loop (suppressed: startup only) "
                  "[looplint-blocking-call]\n"
                  "    usleep(10);\n"
                  "    ^\n"
                  "gone.c:1:1: warning: no reason given (suppressed) [looplint-blocking-call]\n"
                  "2 warnings generated.\n");
    ll_findings_free(&findings);
}

/* ---- gcc ----------------------------------------------------------------------------------- */

static void gcc_prints_one_line_per_finding_and_note(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        add(&findings, LL_SEVERITY_ERROR, fixture->main_path, 5, 2, "sleep blocks the loop");
    assert_int_equal(ll_finding_add_note(finding, fixture->main_path, 3, 13, "on the loop"), 0);
    add(&findings, LL_SEVERITY_WARNING, fixture->main_path, 6, 5, "usleep blocks the loop");
    add(&findings, LL_SEVERITY_NOTE, "/elsewhere/lib.c", 9, 3, "may block");
    finding = add(&findings, LL_SEVERITY_WARNING, fixture->gone_path, 1, 1, "hidden");
    finding->suppressed = true;
    ll_report_options options = {.format = LL_FORMAT_GCC, .root = fixture->root, .color = true};
    assert_report(&findings, &options,
                  "main.c:5:2: error: sleep blocks the loop [looplint-blocking-call]\n"
                  "main.c:3:13: note: on the loop\n"
                  "main.c:6:5: warning: usleep blocks the loop [looplint-blocking-call]\n"
                  "/elsewhere/lib.c:9:3: note: may block [looplint-blocking-call]\n");
    options.show_suppressed = true;
    char *text = render(&findings, &options);
    assert_non_null(strstr(text, "gone.c:1:1: warning: hidden (suppressed) "
                                 "[looplint-blocking-call]\n"));
    free(text);
    ll_findings_free(&findings);
}

/* ---- json ---------------------------------------------------------------------------------- */

static json_t *render_json(const ll_findings *findings, const ll_report_options *options)
{
    char *text = render(findings, options);
    json_error_t error;
    json_t *document = json_loads(text, 0, &error);
    if (!document)
        fail_msg("json: %s at %d:%d", error.text, error.line, error.column);
    assert_int_equal(text[strlen(text) - 1], '\n');
    free(text);
    return document;
}

static const char *string_at(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    assert_true(json_is_string(value));
    return json_string_value(value);
}

static json_int_t integer_at(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    assert_true(json_is_integer(value));
    return json_integer_value(value);
}

static void json_carries_every_field(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        add(&findings, LL_SEVERITY_ERROR, fixture->main_path, 5, 2, "sleep blocks the loop");
    assert_int_equal(ll_finding_add_note(finding, fixture->main_path, 3, 13, "on the loop"), 0);
    finding = ll_findings_add(&findings, "unclosed-resource", LL_SEVERITY_NOTE, "/elsewhere/x.c", 1,
                              1, NULL, "fopen ( p )", "bad \xff byte");
    assert_non_null(finding);
    finding->suppressed = true;
    finding->reason = strdup("tracked in #12");
    assert_non_null(finding->reason);
    ll_fingerprints_compute(&findings, fixture->root);
    ll_report_options options = {
        .format = LL_FORMAT_JSON, .root = fixture->root, .show_suppressed = true};
    json_t *document = render_json(&findings, &options);

    assert_int_equal(integer_at(document, "schema"), 1);
    json_t *tool = json_object_get(document, "tool");
    assert_string_equal(string_at(tool, "name"), "looplint");
    assert_string_equal(string_at(tool, "version"), LOOPLINT_VERSION);

    json_t *list = json_object_get(document, "findings");
    assert_int_equal(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0);
    assert_string_equal(string_at(first, "rule"), "blocking-call");
    assert_string_equal(string_at(first, "severity"), "error");
    assert_string_equal(string_at(first, "file"), "main.c");
    assert_int_equal(integer_at(first, "line"), 5);
    assert_int_equal(integer_at(first, "column"), 2);
    assert_string_equal(string_at(first, "function"), "handler");
    assert_string_equal(string_at(first, "message"), "sleep blocks the loop");
    assert_string_equal(string_at(first, "fingerprint"), findings.items[0].fingerprint);
    assert_true(json_is_false(json_object_get(first, "suppressed")));
    assert_true(json_is_null(json_object_get(first, "reason")));
    json_t *notes = json_object_get(first, "notes");
    assert_int_equal(json_array_size(notes), 1);
    json_t *note = json_array_get(notes, 0);
    assert_string_equal(string_at(note, "file"), "main.c");
    assert_int_equal(integer_at(note, "line"), 3);
    assert_int_equal(integer_at(note, "column"), 13);
    assert_string_equal(string_at(note, "message"), "on the loop");

    json_t *second = json_array_get(list, 1);
    assert_string_equal(string_at(second, "severity"), "note");
    assert_string_equal(string_at(second, "file"), "/elsewhere/x.c");
    assert_true(json_is_null(json_object_get(second, "function")));
    assert_string_equal(string_at(second, "message"), "bad \xEF\xBF\xBD byte");
    assert_true(json_is_true(json_object_get(second, "suppressed")));
    assert_string_equal(string_at(second, "reason"), "tracked in #12");
    assert_int_equal(json_array_size(json_object_get(second, "notes")), 0);

    json_t *summary = json_object_get(document, "summary");
    assert_int_equal(integer_at(summary, "errors"), 1);
    assert_int_equal(integer_at(summary, "warnings"), 0);
    assert_int_equal(integer_at(summary, "notes"), 0);
    assert_int_equal(integer_at(summary, "suppressed"), 1);
    json_decref(document);

    /* Without show_suppressed the finding is not listed, but still counted. */
    options.show_suppressed = false;
    document = render_json(&findings, &options);
    assert_int_equal(json_array_size(json_object_get(document, "findings")), 1);
    assert_int_equal(integer_at(json_object_get(document, "summary"), "suppressed"), 1);
    json_decref(document);
    ll_findings_free(&findings);
}

/* The same findings give the same bytes, keys in the documented order. */
static void json_key_order_is_stable(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, LL_SEVERITY_WARNING, fixture->main_path, 6, 5, "m");
    ll_report_options options = {.format = LL_FORMAT_JSON, .root = fixture->root};
    char *text = render(&findings, &options);
    const char *keys[] = {"\"schema\"",   "\"tool\"",    "\"findings\"",    "\"rule\"",
                          "\"severity\"", "\"file\"",    "\"line\"",        "\"column\"",
                          "\"function\"", "\"message\"", "\"fingerprint\"", "\"suppressed\"",
                          "\"reason\"",   "\"notes\"",   "\"summary\"",     "\"errors\"",
                          "\"warnings\"", "\"notes\"",   "\"suppressed\""};
    const char *at = text;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        at = strstr(at, keys[i]);
        if (!at)
            fail_msg("key %s missing or out of order in\n%s", keys[i], text);
    }
    char *again = render(&findings, &options);
    assert_string_equal(text, again);
    free(again);
    free(text);
    ll_findings_free(&findings);
}

/* ---- paths, formats, errors ---------------------------------------------------------------- */

static void assert_relative(const char *path, const char *root, const char *expected)
{
    char *relative = ll_path_relative(path, root);
    assert_non_null(relative);
    assert_string_equal(relative, expected);
    free(relative);
}

static void paths_are_relative_to_the_root(void **state)
{
    (void)state;
    assert_relative("/a/b/c.c", "/a/b", "c.c");
    assert_relative("/a/b/c.c", "/a/b/", "c.c");
    assert_relative("/a/b/d/e.c", "/a/b", "d/e.c");
    assert_relative("/a/bc/d.c", "/a/b", "/a/bc/d.c");
    assert_relative("/a/b", "/a/b", ".");
    assert_relative("/a/b", "/a/b/", ".");
    assert_relative("/x/y.c", "/a/b", "/x/y.c");
    assert_relative("/a/b/c.c", NULL, "/a/b/c.c");
    assert_relative("/a/b/c.c", "", "/a/b/c.c");
    assert_relative("/a/b/c.c", "/", "a/b/c.c");
}

static void formats_parse_by_name(void **state)
{
    (void)state;
    enum ll_format format = LL_FORMAT_JSON;
    assert_int_equal(ll_format_parse("text", &format), 0);
    assert_int_equal(format, LL_FORMAT_TEXT);
    assert_int_equal(ll_format_parse("gcc", &format), 0);
    assert_int_equal(format, LL_FORMAT_GCC);
    assert_int_equal(ll_format_parse("json", &format), 0);
    assert_int_equal(format, LL_FORMAT_JSON);
    assert_int_equal(ll_format_parse("sarif", &format), 0);
    assert_int_equal(format, LL_FORMAT_SARIF);
    assert_int_equal(ll_format_parse("xml", &format), -1);
    assert_int_equal(ll_format_parse("", &format), -1);
    assert_int_equal(format, LL_FORMAT_SARIF); /* a failed parse leaves it */
}

/* /dev/full accepts the open and fails every write with ENOSPC. */
static void write_failure_is_an_error(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, LL_SEVERITY_WARNING, fixture->main_path, 6, 5, "m");
    for (int format = LL_FORMAT_TEXT; format <= LL_FORMAT_JSON; format++) {
        FILE *out = fopen("/dev/full", "w");
        if (!out)
            skip();
        ll_report_options options = {.format = format, .root = fixture->root};
        ll_error error = {{0}};
        assert_int_equal(ll_report_write(out, &findings, &options, &error), -1);
        assert_non_null(strstr(error.message, "writing"));
        fclose(out);
    }
    ll_findings_free(&findings);
}

/* ---- fingerprints -------------------------------------------------------------------------- */

struct sketch {
    const char *rule, *function, *text;
    uint32_t line;
};

/* The fingerprints of findings in /p/src/x.c built from sketches, root /p. */
static void fingerprints_of(const struct sketch *sketches, size_t count, char (*out)[33])
{
    ll_findings findings;
    ll_findings_init(&findings);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(ll_findings_add(&findings, sketches[i].rule, LL_SEVERITY_WARNING,
                                        "/p/src/x.c", sketches[i].line, 5, sketches[i].function,
                                        sketches[i].text, "m"));
    }
    ll_findings_sort(&findings);
    ll_fingerprints_compute(&findings, "/p");
    for (size_t i = 0; i < count; i++)
        memcpy(out[i], findings.items[i].fingerprint, 33);
    ll_findings_free(&findings);
}

static void fingerprints_are_32_hex_digits(void **state)
{
    (void)state;
    char prints[1][33];
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 )", 3}}, 1, prints);
    assert_int_equal(strlen(prints[0]), 32);
    assert_int_equal(strspn(prints[0], "0123456789abcdef"), 32);
}

static void fingerprints_survive_a_line_shift(void **state)
{
    (void)state;
    char before[1][33], after[1][33];
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 )", 10}}, 1, before);
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 )", 25}}, 1, after);
    assert_string_equal(before[0], after[0]);
}

static void fingerprints_survive_reformatting(void **state)
{
    (void)state;
    char before[1][33], after[1][33], other[1][33];
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 )", 10}}, 1, before);
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "  sleep (\n\t1  )\n", 10}}, 1, after);
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 2 )", 10}}, 1, other);
    char split[1][33], joined[1][33];
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 2 )", 10}}, 1, split);
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 12 )", 10}}, 1, joined);
    assert_string_equal(before[0], after[0]);
    assert_string_not_equal(before[0], other[0]);
    assert_string_not_equal(split[0], joined[0]); /* spaces between tokens count */
}

/* g gains an identical call and another one; f's finding keeps its fingerprint. */
static void fingerprints_survive_edits_to_another_function(void **state)
{
    (void)state;
    char before[2][33], after[4][33];
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 )", 30},
                                      {"blocking-call", "g", "sleep ( 1 )", 10}},
                    2, before);
    fingerprints_of((struct sketch[]){{"blocking-call", "g", "sleep ( 1 )", 10},
                                      {"blocking-call", "g", "sleep ( 1 )", 12},
                                      {"blocking-call", "g", "usleep ( 5 )", 14},
                                      {"blocking-call", "f", "sleep ( 1 )", 40}},
                    4, after);
    assert_string_equal(before[1], after[3]);
    assert_string_equal(before[0], after[0]); /* g's first finding, too */
    assert_string_not_equal(before[0], before[1]);
}

static void fingerprints_tell_repeated_calls_apart(void **state)
{
    (void)state;
    char alone[1][33], twice[2][33], shifted[2][33];
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 )", 10}}, 1, alone);
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 )", 10},
                                      {"blocking-call", "f", "sleep ( 1 )", 12}},
                    2, twice);
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 )", 20},
                                      {"blocking-call", "f", "sleep ( 1 )", 31}},
                    2, shifted);
    assert_string_not_equal(twice[0], twice[1]);
    assert_string_equal(alone[0], twice[0]);
    assert_string_equal(twice[0], shifted[0]);
    assert_string_equal(twice[1], shifted[1]);
}

static void fingerprints_differ_by_rule(void **state)
{
    (void)state;
    char prints[2][33];
    fingerprints_of((struct sketch[]){{"blocking-call", "f", "sleep ( 1 )", 10},
                                      {"missing-timeout", "f", "sleep ( 1 )", 10}},
                    2, prints);
    assert_string_not_equal(prints[0], prints[1]);
}

/* A laptop and CI check out the project in different places. */
static void fingerprints_depend_on_the_relative_path_only(void **state)
{
    (void)state;
    ll_findings here, there;
    ll_findings_init(&here);
    ll_findings_init(&there);
    assert_non_null(ll_findings_add(&here, "blocking-call", LL_SEVERITY_WARNING,
                                    "/home/me/p/src/x.c", 3, 5, "f", "sleep ( 1 )", "m"));
    assert_non_null(ll_findings_add(&there, "blocking-call", LL_SEVERITY_WARNING,
                                    "/ci/work/src/x.c", 7, 5, "f", "sleep ( 1 )", "m"));
    ll_fingerprints_compute(&here, "/home/me/p");
    ll_fingerprints_compute(&there, "/ci/work/");
    assert_string_equal(here.items[0].fingerprint, there.items[0].fingerprint);
    ll_fingerprints_compute(&there, NULL); /* absolute path: another name */
    assert_string_not_equal(here.items[0].fingerprint, there.items[0].fingerprint);
    ll_findings_free(&here);
    ll_findings_free(&there);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_quotes_the_line_with_a_caret),
        cmocka_unit_test(text_caret_keeps_tabs),
        cmocka_unit_test(text_notes_have_their_own_lines),
        cmocka_unit_test(text_prints_severity_note_as_remark),
        cmocka_unit_test(text_summary_wording),
        cmocka_unit_test(text_colors_only_when_asked),
        cmocka_unit_test(text_omits_what_cannot_be_read),
        cmocka_unit_test(text_caret_stops_at_the_end_of_the_line),
        cmocka_unit_test(text_handles_crlf_and_utf8),
        cmocka_unit_test(text_suppressed_hidden_unless_asked),
        cmocka_unit_test(gcc_prints_one_line_per_finding_and_note),
        cmocka_unit_test(json_carries_every_field),
        cmocka_unit_test(json_key_order_is_stable),
        cmocka_unit_test(paths_are_relative_to_the_root),
        cmocka_unit_test(formats_parse_by_name),
        cmocka_unit_test(write_failure_is_an_error),
        cmocka_unit_test(fingerprints_are_32_hex_digits),
        cmocka_unit_test(fingerprints_survive_a_line_shift),
        cmocka_unit_test(fingerprints_survive_reformatting),
        cmocka_unit_test(fingerprints_survive_edits_to_another_function),
        cmocka_unit_test(fingerprints_tell_repeated_calls_apart),
        cmocka_unit_test(fingerprints_differ_by_rule),
        cmocka_unit_test(fingerprints_depend_on_the_relative_path_only),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
