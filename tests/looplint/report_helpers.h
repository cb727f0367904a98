/*
 * report_helpers.h - one copy of what the report tests share: writing a
 * source file for a report to quote, and rendering findings in a format to
 * a string (an in-memory stream, so the tests compare exact bytes).
 *
 * Include it after <cmocka.h> and report/report.h; the functions are
 * static so each test program gets its own copy.
 */
#ifndef LOOPLINT_TESTS_REPORT_HELPERS_H
#define LOOPLINT_TESTS_REPORT_HELPERS_H

#include <stdio.h>

/* Writes `content` to `path`: 0, or -1 (for group setups, which may fail). */
static inline int write_file(const char *path, const char *content)
{
    FILE *file = fopen(path, "w");
    if (!file)
        return -1;
    fputs(content, file);
    return fclose(file);
}

/* The report of `findings` in the given options, as a string to free. */
static inline char *render(const ll_findings *findings, const ll_report_options *options)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    ll_error error = {{0}};
    assert_int_equal(ll_report_write(out, findings, options, &error), 0);
    assert_int_equal(fclose(out), 0);
    return text;
}

#endif
