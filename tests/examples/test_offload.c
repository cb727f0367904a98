/*
 * test_offload.c - runs examples/offload on files with known contents and
 * checks each printed FNV-1a 64 hash against one computed here: an empty
 * file, a short one, and one much larger than the example's read buffer.
 * A missing file fails the run (exit 1) without stopping the others.
 */
#define _GNU_SOURCE

/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "child.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LARGE_BYTES (1000 * 1000 + 7)

struct sample {
    char path[256];
    char *contents;
    size_t length;
};

static struct sample samples[3];
static char directory[128];

static uint64_t fnv1a(const char *bytes, size_t length)
{
    uint64_t hash = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < length; i++) {
        hash ^= (unsigned char)bytes[i];
        hash *= UINT64_C(0x100000001b3);
    }
    return hash;
}

/* Writes a sample file: text, or a pattern of length bytes when NULL. */
static void write_sample(struct sample *sample, const char *name, const char *text, size_t length)
{
    snprintf(sample->path, sizeof sample->path, "%s/%s", directory, name);
    sample->length = length;
    sample->contents = malloc(length + 1);
    assert_non_null(sample->contents);
    for (size_t i = 0; i < length; i++)
        sample->contents[i] = text != NULL ? text[i] : (char)(i * 7 + i / 251);
    FILE *file = fopen(sample->path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(sample->contents, 1, length, file), length);
    assert_int_equal(fclose(file), 0);
}

static int make_samples(void **state)
{
    (void)state;
    snprintf(directory, sizeof directory, "/tmp/nest-offload-XXXXXX");
    if (mkdtemp(directory) == NULL)
        return -1;
    write_sample(&samples[0], "empty", "", 0);
    write_sample(&samples[1], "short", "hello", 5);
    write_sample(&samples[2], "large", NULL, LARGE_BYTES);
    return 0;
}

static int remove_samples(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        unlink(samples[i].path);
        free(samples[i].contents);
    }
    rmdir(directory);
    return 0;
}

/* The line offload prints for a sample: "HASH  PATH\n". */
static void expected_line(const struct sample *sample, char *line, size_t size)
{
    snprintf(line, size, "%016" PRIx64 "  %s\n", fnv1a(sample->contents, sample->length),
             sample->path);
}

static void test_hashes_match(void **state)
{
    (void)state;
    char *argv[] = {OFFLOAD_PATH,    "--timeout-ms",  "5000", samples[2].path,
                    samples[0].path, samples[1].path, NULL};
    char expected[1024] = "";
    char line[300];
    char *output = NULL;

    /* Known values pin the hash itself, not just agreement with this test. */
    assert_true(fnv1a("", 0) == UINT64_C(0xcbf29ce484222325));
    assert_true(fnv1a("hello", 5) == UINT64_C(0xa430d84680aabd0b));
    assert_int_equal(child_run(argv, &output, 8000), 0);
    assert_non_null(output);
    expected_line(&samples[2], line, sizeof line);
    strcat(expected, line);
    expected_line(&samples[0], line, sizeof line);
    strcat(expected, line);
    expected_line(&samples[1], line, sizeof line);
    strcat(expected, line);
    assert_string_equal(output, expected); /* in command-line order */
    free(output);
}

static void test_missing_file_fails_alone(void **state)
{
    (void)state;
    char missing[300];
    char expected[600] = "";
    char line[300];
    char *output = NULL;

    snprintf(missing, sizeof missing, "%s/missing", directory);
    char *argv[] = {OFFLOAD_PATH, samples[1].path, missing, samples[0].path, NULL};
    assert_int_equal(child_run(argv, &output, 8000), 1);
    assert_non_null(output);
    expected_line(&samples[1], line, sizeof line);
    strcat(expected, line);
    expected_line(&samples[0], line, sizeof line);
    strcat(expected, line);
    assert_string_equal(output, expected);
    free(output);
}

static void test_no_files_is_a_usage_error(void **state)
{
    (void)state;
    char *argv[] = {OFFLOAD_PATH, NULL};
    char *output = NULL;

    assert_int_equal(child_run(argv, &output, 8000), 2);
    free(output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_hashes_match, child_kill_all),
        cmocka_unit_test_teardown(test_missing_file_fails_alone, child_kill_all),
        cmocka_unit_test_teardown(test_no_files_is_a_usage_error, child_kill_all),
    };
    return cmocka_run_group_tests(tests, make_samples, remove_samples);
}
