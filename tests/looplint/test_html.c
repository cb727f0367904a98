/*
 * test_html.c - the HTML report (report/html.c), read as text.
 *
 * Findings are built by hand and written to a memory stream. The page must
 * never hold a string of the analysed project unescaped: a payload that
 * would close the script element and plant an image with an onerror
 * handler goes into a source line, a file name, a message, a function
 * name, a note and a suppression reason, and must come out only as text.
 * Besides: one <article> per listed finding, suppressed findings listed
 * only when asked, steps numbered in order with the primary location last,
 * excerpts with their context lines, places without readable source shown
 * as place and message, bytes that are not UTF-8 replaced, the summary's
 * counts and the rule table's text. tests/looplint/html.sh opens real
 * reports in a browser.
 *
 * The sources are written to a fresh temporary directory, the root.
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

#include "report_helpers.h"

#define PAYLOAD      "</script><img src=x onerror=alert(1)>"
#define PAYLOAD_TEXT "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"

/* The payload cannot be a file name whole: it holds a slash. */
#define HOSTILE_NAME      "<img src=x onerror=alert(1)>\"'&.c"
#define HOSTILE_NAME_TEXT "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;.c"

static const char task_source[] = "#include <unistd.h>\n"                       /* 1 */
                                  "\n"                                          /* 2 */
                                  "static int heartbeat(void *arg)\n"           /* 3 */
                                  "{\n"                                         /* 4 */
                                  "    const char *banner = \"" PAYLOAD "\";\n" /* 5 */
                                  "    (void)arg;\n"                            /* 6 */
                                  "    sleep(1);\n"                             /* 7 */
                                  "    return banner[0];\n"                     /* 8 */
                                  "}\n"                                         /* 9 */
                                  "\n"                                          /* 10 */
                                  "/* far away */\n";                           /* 11 */

struct fixture {
    char root[64];
    char task_path[128];    /* root/task.c */
    char hostile_path[160]; /* root/HOSTILE_NAME, the same text */
};

static int group_setup(void **state)
{
    struct fixture *fixture = calloc(1, sizeof *fixture);
    if (!fixture)
        return -1;
    snprintf(fixture->root, sizeof fixture->root, "/tmp/looplint-html-XXXXXX");
    if (!mkdtemp(fixture->root))
        goto fail;
    snprintf(fixture->task_path, sizeof fixture->task_path, "%s/task.c", fixture->root);
    snprintf(fixture->hostile_path, sizeof fixture->hostile_path, "%s/" HOSTILE_NAME,
             fixture->root);
    if (write_file(fixture->task_path, task_source) != 0 ||
        write_file(fixture->hostile_path, task_source) != 0)
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
    unlink(fixture->task_path);
    unlink(fixture->hostile_path);
    rmdir(fixture->root);
    free(fixture);
    return 0;
}

static ll_report_options html_options(const struct fixture *fixture)
{
    return (ll_report_options){.format = LL_FORMAT_HTML, .root = fixture->root, .version = "9.9"};
}

static size_t occurrences(const char *text, const char *needle)
{
    size_t count = 0;
    for (const char *at = strstr(text, needle); at; at = strstr(at + 1, needle))
        count++;
    return count;
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("missing from the page: %s", needle);
}

static void assert_lacks(const char *text, const char *needle)
{
    if (strstr(text, needle))
        fail_msg("found in the page: %s", needle);
}

static ll_finding *add(ll_findings *findings, const char *rule, const char *file, uint32_t line,
                       uint32_t column, const char *function, const char *message)
{
    ll_finding *finding = ll_findings_add(findings, rule, LL_SEVERITY_WARNING, file, line, column,
                                          function, "sleep ( 1 )", message);
    assert_non_null(finding);
    return finding;
}

/* ---- Escaping ---------------------------------------------------------------------------- */

static void every_string_is_escaped(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding = add(&findings, "blocking-call", fixture->hostile_path, 7, 5,
                              "heart" PAYLOAD, "sleep " PAYLOAD " a\"b'c&d");
    assert_int_equal(ll_finding_add_note(finding, fixture->hostile_path, 5, 5, "note " PAYLOAD), 0);
    finding = add(&findings, "blocking-call", "/nowhere/" PAYLOAD ".c", 3, 1, "f", "unreadable");
    finding->suppressed = true;
    finding->reason = strdup("because " PAYLOAD);
    assert_non_null(finding->reason);
    ll_report_options options = html_options(fixture);
    options.show_suppressed = true;
    char *page = render(&findings, &options);

    assert_lacks(page, "<img");
    assert_lacks(page, "a\"b'c&d");
    assert_int_equal(occurrences(page, "</script>"), 1); /* the page's own */
    assert_int_equal(occurrences(page, "<script>"), 1);
    assert_contains(page, "sleep " PAYLOAD_TEXT " a&quot;b&#39;c&amp;d"); /* message */
    assert_contains(page, "heart" PAYLOAD_TEXT);                          /* function */
    assert_contains(page, "note " PAYLOAD_TEXT);                          /* note */
    assert_contains(page, "because " PAYLOAD_TEXT);                       /* reason */
    assert_contains(page, "&quot;" PAYLOAD_TEXT "&quot;");                /* source line */
    assert_contains(page, "data-file=\"" HOSTILE_NAME_TEXT "\"");         /* file name */
    assert_contains(page, "/nowhere/" PAYLOAD_TEXT ".c:3:1");             /* unreadable path */
    free(page);
    ll_findings_free(&findings);
}

static void invalid_utf8_is_replaced(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", fixture->task_path, 7, 5, "f\xFF", "bad \xC3( byte");
    ll_report_options options = html_options(fixture);
    char *page = render(&findings, &options);
    assert_contains(page, "bad \xEF\xBF\xBD( byte");
    assert_contains(page, "f\xEF\xBF\xBD</code>");
    assert_lacks(page, "\xFF");
    free(page);
    ll_findings_free(&findings);
}

/* ---- What is listed ---------------------------------------------------------------------- */

static void one_article_per_finding(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", fixture->task_path, 7, 5, "heartbeat", "sleep blocks");
    add(&findings, "blocking-call", fixture->task_path, 8, 5, "heartbeat", "again");
    add(&findings, "missing-timeout", fixture->task_path, 5, 5, "heartbeat", "waits");
    ll_report_options options = html_options(fixture);
    char *page = render(&findings, &options);
    assert_int_equal(occurrences(page, "<article class=\"finding"), 3);
    assert_int_equal(occurrences(page, "data-rule=\"blocking-call\""), 2);
    assert_contains(page, "<span id=\"total\">3 findings</span>");
    assert_contains(page, "<span class=\"count warning\">3 warnings</span>");
    assert_contains(page, "looplint 9.9");
    /* The filter offers each check and file once, with its count. */
    assert_contains(page, "<option value=\"blocking-call\">blocking-call (2)</option>");
    assert_contains(page, "<option value=\"missing-timeout\">missing-timeout (1)</option>");
    assert_contains(page, "<option value=\"task.c\">task.c (3)</option>");
    free(page);
    ll_findings_free(&findings);
}

static void suppressed_hidden_unless_asked(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", fixture->task_path, 7, 5, "heartbeat", "shown");
    ll_finding *finding =
        add(&findings, "blocking-call", fixture->task_path, 8, 5, "heartbeat", "kept quiet");
    finding->suppressed = true;
    finding->reason = strdup("tested elsewhere");
    assert_non_null(finding->reason);
    ll_report_options options = html_options(fixture);

    char *page = render(&findings, &options);
    assert_int_equal(occurrences(page, "<article class=\"finding"), 1);
    assert_lacks(page, "kept quiet");
    assert_contains(page, "1 suppressed (not listed)");
    free(page);

    options.show_suppressed = true;
    page = render(&findings, &options);
    assert_int_equal(occurrences(page, "<article class=\"finding"), 2);
    assert_contains(page, "<article class=\"finding warning suppressed\"");
    assert_contains(page, "Suppressed: tested elsewhere");
    assert_contains(page, "1 suppressed (listed)");
    free(page);
    ll_findings_free(&findings);
}

static void nothing_to_list(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_report_options options = html_options(fixture);
    char *page = render(&findings, &options);
    assert_contains(page, "No findings.");
    assert_lacks(page, "<article");
    assert_lacks(page, "<form");
    assert_contains(page, "</html>\n");
    free(page);
    ll_findings_free(&findings);
}

/* ---- Steps on the code ------------------------------------------------------------------- */

static void steps_are_numbered_in_order(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    ll_finding *finding =
        add(&findings, "blocking-call", fixture->task_path, 7, 5, "heartbeat", "sleep blocks");
    assert_int_equal(ll_finding_add_note(finding, fixture->task_path, 3, 12, "first"), 0);
    assert_int_equal(ll_finding_add_note(finding, fixture->root, 0, 0, "second, no source"), 0);
    assert_int_equal(ll_finding_add_note(finding, fixture->task_path, 5, 5, "third"), 0);
    ll_report_options options = html_options(fixture);
    char *page = render(&findings, &options);

    const char *first = strstr(page, "<span class=\"step\">1</span> first</div>");
    const char *second = strstr(page, "<span class=\"step\">2</span> <span class=\"location\">.");
    const char *third = strstr(page, "<span class=\"step\">3</span> third</div>");
    const char *last = strstr(page, "<span class=\"step\">4</span> sleep blocks</div>");
    assert_non_null(first);
    assert_non_null(second);
    assert_non_null(third);
    assert_non_null(last);
    assert_true(first < second && second < third && third < last);
    assert_contains(page, "<div class=\"bubble primary warning\">");
    /* Steps 3 and 4 share an excerpt: lines 2 to 10, each line once. */
    assert_int_equal(occurrences(page, "<td class=\"line-number\">7</td>"), 1);
    assert_contains(page, "<td class=\"line-number\">2</td>");
    assert_contains(page, "<td class=\"line-number\">10</td>");
    assert_lacks(page, "<td class=\"line-number\">11</td>");
    /* The place marks the identifier it points at; tab-free, so 4ch in. */
    assert_contains(page, "    <mark>sleep</mark>(1);");
    assert_contains(page, "padding-left:calc(0.6rem + 4ch)");
    free(page);
    ll_findings_free(&findings);
}

static void lone_finding_has_no_step_numbers(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", fixture->task_path, 7, 5, "heartbeat", "sleep blocks");
    add(&findings, "blocking-call", fixture->root, 0, 0, "", "nowhere to show");
    ll_report_options options = html_options(fixture);
    char *page = render(&findings, &options);
    assert_lacks(page, "class=\"step\"");
    assert_contains(page, "<div class=\"bubble primary warning\">sleep blocks</div>");
    assert_contains(page, "<p class=\"plain-step primary\"><span class=\"location\">.</span>: "
                          "nowhere to show</p>");
    free(page);
    ll_findings_free(&findings);
}

/* ---- Summary ------------------------------------------------------------------------------ */

static void summary_uses_the_rule_table(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", fixture->task_path, 7, 5, "heartbeat", "sleep blocks");
    const ll_report_rule rules[] = {
        {"blocking-call", LL_SEVERITY_ERROR, true, "a call that blocks <the loop>",
         "# blocking-call\n\nUse `nest_sleep` & co."},
    };
    ll_report_options options = html_options(fixture);
    options.rules = rules;
    options.rule_count = 1;
    char *page = render(&findings, &options);
    assert_contains(page, "<td><span class=\"severity error\">error</span></td>"
                          "<td class=\"number\">1</td><td>a call that blocks &lt;the loop&gt;");
    assert_contains(page, "Use `nest_sleep` &amp; co.");
    assert_contains(page, "<caption>By file</caption>");
    free(page);
    ll_findings_free(&findings);
}

/* The page loads nothing: no src or href leaves it, and the policy says so. */
static void page_is_self_contained(void **state)
{
    struct fixture *fixture = *state;
    ll_findings findings;
    ll_findings_init(&findings);
    add(&findings, "blocking-call", fixture->task_path, 7, 5, "heartbeat", "sleep blocks");
    ll_report_options options = html_options(fixture);
    char *page = render(&findings, &options);
    assert_contains(page, "content=\"default-src 'none'; style-src 'unsafe-inline'; "
                          "script-src 'unsafe-inline'\"");
    assert_lacks(page, "src=\"");
    assert_lacks(page, "http:");
    assert_lacks(page, "https:");
    assert_lacks(page, "<link");
    assert_lacks(page, "@import");
    assert_int_equal(occurrences(page, "href=\""), occurrences(page, "href=\"#"));
    free(page);
    ll_findings_free(&findings);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_string_is_escaped),
        cmocka_unit_test(invalid_utf8_is_replaced),
        cmocka_unit_test(one_article_per_finding),
        cmocka_unit_test(suppressed_hidden_unless_asked),
        cmocka_unit_test(nothing_to_list),
        cmocka_unit_test(steps_are_numbered_in_order),
        cmocka_unit_test(lone_finding_has_no_step_numbers),
        cmocka_unit_test(summary_uses_the_rule_table),
        cmocka_unit_test(page_is_self_contained),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
