/*
 * test_facts.c - the facts model (facts.c), the findings list (finding.c)
 * and the command-line scanner (cli/arguments.c): construction, growth,
 * release (leaks show under the sanitizer build), sorting and filtering.
 */
#define _GNU_SOURCE
/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "analysis/facts.h"
#include "analysis/finding.h"
#include "cli/arguments.h"

#include <string.h>

static void test_unit_grows_and_frees(void **state) {
    (void)state;
    ll_unit *unit = ll_unit_new("/p/a.c", "/p", "cc -c a.c");
    assert_non_null(unit);
    assert_int_equal(ll_unit_add_file(unit, "/p/a.c", 42, false), 0);
    ll_function *function = ll_unit_add_function(unit, "f", "c:@F@f");
    assert_non_null(function);
    assert_int_equal(function->location.file, LL_NONE);
    for (int i = 0; i < 1000; i++) {
        ll_index block = ll_function_add_block(function);
        assert_int_equal(block, (ll_index)i);
        ll_index call = ll_function_add_call(function, "g");
        assert_int_equal(call, (ll_index)i);
        ll_value *argument = ll_call_add_argument(&function->calls[call]);
        assert_non_null(argument);
        assert_int_equal(argument->variable, LL_NONE);
        argument->kind = LL_VALUE_FUNCTION;
        argument->name = strdup("worker");
        ll_operation *operation =
            ll_block_add_operation(&function->blocks[block], LL_OPERATION_CALL);
        assert_non_null(operation);
        operation->call = call;
        ll_index successors[2] = {block, block};
        assert_int_equal(ll_block_set_successors(&function->blocks[block], successors, 2), 0);
    }
    assert_int_equal(function->block_count, 1000);
    assert_string_equal(function->calls[999].arguments[0].name, "worker");
    assert_int_equal(function->blocks[500].operations[0].call, 500);
    assert_int_equal(function->blocks[500].successor_count, 2);
    ll_location location = {0, 3, 4};
    assert_string_equal(ll_unit_file_path(unit, location), "/p/a.c");
    location.file = 7;
    assert_string_equal(ll_unit_file_path(unit, location), "<unknown>");
    ll_unit_free(unit);
}

static void test_value_copy(void **state) {
    (void)state;
    ll_value value = {.kind = LL_VALUE_FUNCTION, .name = strdup("f"), .usr = strdup("c:@F@f")};
    ll_value copy;
    assert_int_equal(ll_value_copy(&copy, &value), 0);
    assert_string_equal(copy.name, "f");
    assert_ptr_not_equal(copy.name, value.name);
    ll_value_clear(&value);
    assert_null(value.name);
    assert_int_equal(value.variable, LL_NONE);
    ll_value_clear(&copy);
}

static void test_findings_sort_and_filter(void **state) {
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    assert_non_null(ll_findings_add(&findings, "b", LL_SEVERITY_ERROR, "/z.c", 1, 1, "f", "t", "m"));
    assert_non_null(ll_findings_addf(&findings, "a", LL_SEVERITY_WARNING, "/a.c", 9, 2, NULL,
                                     NULL, "n=%d", 3));
    ll_finding *finding =
        ll_findings_add(&findings, "a", LL_SEVERITY_WARNING, "/a.c", 2, 5, "g", "x", "m2");
    assert_int_equal(ll_finding_add_note(finding, "/a.c", 1, 1, "note %s", "one"), 0);
    /* an exact duplicate is dropped by the sort */
    assert_non_null(ll_findings_add(&findings, "b", LL_SEVERITY_ERROR, "/z.c", 1, 1, "f", "t", "m"));
    ll_findings_sort(&findings);
    assert_int_equal(findings.count, 3);
    assert_int_equal(findings.items[0].place.line, 2);
    assert_string_equal(findings.items[0].notes[0].message, "note one");
    assert_string_equal(findings.items[1].message, "n=3");
    assert_string_equal(findings.items[1].function, "");
    assert_string_equal(findings.items[2].place.file, "/z.c");

    ll_findings more;
    ll_findings_init(&more);
    assert_non_null(ll_findings_add(&more, "c", LL_SEVERITY_NOTE, "/m.c", 1, 1, "", "", "m"));
    assert_int_equal(ll_findings_append(&findings, &more), 0);
    assert_int_equal(more.count, 0);
    assert_int_equal(findings.count, 4);
    ll_findings_free(&more);
    ll_findings_free(&findings);
    assert_int_equal(findings.count, 0);
}

static bool keep_errors(const ll_finding *finding, void *context) {
    (void)context;
    return finding->severity == LL_SEVERITY_ERROR;
}

static void test_findings_filter(void **state) {
    (void)state;
    ll_findings findings;
    ll_findings_init(&findings);
    for (int i = 0; i < 10; i++)
        assert_non_null(ll_findings_addf(&findings, "r", i % 2 ? LL_SEVERITY_ERROR
                                                               : LL_SEVERITY_NOTE,
                                         "/f.c", (uint32_t)i, 1, "", "", "%d", i));
    ll_findings_filter(&findings, keep_errors, NULL);
    assert_int_equal(findings.count, 5);
    assert_string_equal(findings.items[0].message, "1");
    ll_findings_free(&findings);
}

static void test_severity_names(void **state) {
    (void)state;
    enum ll_severity severity;
    assert_int_equal(ll_severity_parse("warning", &severity), 0);
    assert_int_equal(severity, LL_SEVERITY_WARNING);
    assert_int_equal(ll_severity_parse("fatal", &severity), -1);
    assert_string_equal(ll_severity_name(LL_SEVERITY_NOTE), "note");
}

static void test_arguments(void **state) {
    (void)state;
    static const ll_option_spec specs[] = {
        {"jobs", 'j', true}, {"stats", 0, false}, {NULL, 0, false}};
    char *words[] = {"-j2", "a.c", "--jobs=3", "--stats", "-j", "4", "--", "--stats", "--bogus"};
    ll_arguments arguments;
    ll_arguments_init(&arguments, 8, words, specs);
    ll_argument argument = ll_arguments_next(&arguments);
    assert_int_equal(argument.kind, LL_ARGUMENT_OPTION);
    assert_string_equal(argument.value, "2");
    argument = ll_arguments_next(&arguments);
    assert_int_equal(argument.kind, LL_ARGUMENT_OPERAND);
    assert_string_equal(argument.value, "a.c");
    argument = ll_arguments_next(&arguments);
    assert_string_equal(argument.value, "3");
    argument = ll_arguments_next(&arguments);
    assert_string_equal(argument.spec->long_name, "stats");
    argument = ll_arguments_next(&arguments);
    assert_string_equal(argument.value, "4");
    argument = ll_arguments_next(&arguments);
    assert_int_equal(argument.kind, LL_ARGUMENT_OPERAND); /* after -- */
    assert_string_equal(argument.value, "--stats");
    assert_int_equal(ll_arguments_next(&arguments).kind, LL_ARGUMENT_END);

    char *bad[] = {"--bogus", "--stats=1", "--jobs"};
    for (int i = 0; i < 3; i++) {
        ll_arguments_init(&arguments, 1, bad + i, specs);
        argument = ll_arguments_next(&arguments);
        assert_int_equal(argument.kind, LL_ARGUMENT_ERROR);
        assert_non_null(strstr(argument.message, "option"));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_grows_and_frees),
        cmocka_unit_test(test_value_copy),
        cmocka_unit_test(test_findings_sort_and_filter),
        cmocka_unit_test(test_findings_filter),
        cmocka_unit_test(test_severity_names),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
