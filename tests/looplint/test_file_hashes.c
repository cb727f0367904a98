/*
 * test_file_hashes.c - the per-run memo of file content hashes
 * (cli/file_hashes.h): a hash is the XXH3 of the content, computed once
 * per path (a file changed after the first question keeps its first hash
 * for the rest of the run), unreadable files are remembered as such, and
 * the table stays correct as it grows past its first capacity.
 */
#define _GNU_SOURCE
/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "cli/file_hashes.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

typedef struct fixture {
    char directory[64];
} fixture;

static int setup(void **state)
{
    fixture *fix = calloc(1, sizeof *fix);
    if (!fix)
        return -1;
    strcpy(fix->directory, "/tmp/looplint-hashes-XXXXXX");
    if (!mkdtemp(fix->directory)) {
        free(fix);
        return -1;
    }
    *state = fix;
    return 0;
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *walk)
{
    (void)status, (void)type, (void)walk;
    return remove(path);
}

static int teardown(void **state)
{
    fixture *fix = *state;
    nftw(fix->directory, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(fix);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    if (!file) {
        fail_msg("cannot write %s", path);
        return;
    }
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

static void test_hash_is_of_the_content(void **state)
{
    fixture *fix = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/a.h", fix->directory);
    write_file(path, "int a;\n");
    ll_file_hashes memo;
    ll_file_hashes_init(&memo);
    uint64_t hash = 0;
    assert_int_equal(ll_file_hashes_get(&memo, path, &hash), 1);
    assert_true(hash == XXH3_64bits("int a;\n", 7));
    ll_file_hashes_free(&memo);
}

static void test_each_path_is_read_once(void **state)
{
    fixture *fix = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/b.h", fix->directory);
    write_file(path, "first\n");
    ll_file_hashes memo;
    ll_file_hashes_init(&memo);
    uint64_t first = 0;
    uint64_t again = 0;
    assert_int_equal(ll_file_hashes_get(&memo, path, &first), 1);
    write_file(path, "second\n");
    assert_int_equal(ll_file_hashes_get(&memo, path, &again), 1);
    assert_true(again == first);
    assert_int_equal(memo.count, 1);
    ll_file_hashes_free(&memo);

    /* A new run (a new memo) sees the new content. */
    ll_file_hashes_init(&memo);
    assert_int_equal(ll_file_hashes_get(&memo, path, &again), 1);
    assert_true(again == XXH3_64bits("second\n", 7));
    assert_true(again != first);
    ll_file_hashes_free(&memo);
}

static void test_unreadable_files_are_remembered(void **state)
{
    fixture *fix = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/missing.h", fix->directory);
    ll_file_hashes memo;
    ll_file_hashes_init(&memo);
    uint64_t hash = 0;
    assert_int_equal(ll_file_hashes_get(&memo, path, &hash), 0);
    write_file(path, "now here\n");
    assert_int_equal(ll_file_hashes_get(&memo, path, &hash), 0);
    /* A directory is not a file whose content can be hashed. */
    assert_int_equal(ll_file_hashes_get(&memo, fix->directory, &hash), 0);
    assert_int_equal(memo.count, 2);
    ll_file_hashes_free(&memo);
}

/* More paths than the first capacity, asked twice in another order: every
 * answer is still the file's own hash. */
static void test_growth_keeps_every_entry(void **state)
{
    fixture *fix = *state;
    enum { FILES = 1000 };
    char path[128];
    char text[64];
    ll_file_hashes memo;
    ll_file_hashes_init(&memo);
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/f%d.h", fix->directory, i);
        snprintf(text, sizeof text, "int f%d;\n", i);
        write_file(path, text);
        uint64_t hash = 0;
        assert_int_equal(ll_file_hashes_get(&memo, path, &hash), 1);
    }
    for (int i = FILES - 1; i >= 0; i--) {
        snprintf(path, sizeof path, "%s/f%d.h", fix->directory, i);
        snprintf(text, sizeof text, "int f%d;\n", i);
        uint64_t hash = 0;
        assert_int_equal(ll_file_hashes_get(&memo, path, &hash), 1);
        assert_true(hash == XXH3_64bits(text, strlen(text)));
    }
    assert_int_equal(memo.count, FILES);
    assert_true(memo.capacity >= (size_t)2 * FILES);
    ll_file_hashes_free(&memo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hash_is_of_the_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_path_is_read_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_files_are_remembered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_keeps_every_entry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
