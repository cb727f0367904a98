/*
 * test_plan.c - the compilation database and the plan (front/plan.c):
 * finding the database as clangd does, the errors for a missing or broken
 * one, how files are named, and the deduplication of CMake's repeated
 * commands. Each test writes its compile_commands.json by hand into a
 * fresh temporary directory.
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS */
/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "front/front.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FACTS_BUILDER_UNITS_ONLY
#include "facts_builder.h"

/* ---- A temporary directory per test ------------------------------------------- */

typedef struct fixture {
    char root[256]; /* realpath of the temporary directory */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || make_temporary_directory("plan", f->root, sizeof f->root) < 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->root);
    free(f);
    return 0;
}

/* root/relative, in a static buffer of the caller's. */
static const char *at(const fixture *f, const char *relative, char *buffer)
{
    snprintf(buffer, PATH_MAX, "%s/%s", f->root, relative);
    return buffer;
}

/* Writes root/relative (parent directories made), returns its path. */
static const char *write_file(const fixture *f, const char *relative, const char *text,
                              char *buffer)
{
    at(f, relative, buffer);
    for (char *slash = strchr(buffer + strlen(f->root) + 1, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(buffer, 0755);
        *slash = '/';
    }
    FILE *file = fopen(buffer, "w");
    assert_non_null(file);
    if (!file)
        return buffer; /* not reached: cmocka's failures do not return */
    assert_int_equal(fputs(text, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
    return buffer;
}

static void make_directory(const fixture *f, const char *relative)
{
    char path[PATH_MAX];
    char *cursor = (char *)at(f, relative, path) + strlen(f->root) + 1;
    for (char *slash = strchr(cursor, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0755);
        *slash = '/';
    }
    mkdir(path, 0755);
}

/* ---- Finding the database ------------------------------------------------------ */

static void test_database_found_upward(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_error error = {""};
    write_file(f, "compile_commands.json", "[]", path);
    make_directory(f, "src/deep/er");
    char *found = ll_plan_find_database(at(f, "src/deep/er", path), &error);
    assert_non_null(found);
    assert_string_equal(found, f->root);
    free(found);
    found = ll_plan_find_database(f->root, &error);
    assert_non_null(found);
    assert_string_equal(found, f->root);
    free(found);
}

static void test_database_found_in_build(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    char expected[PATH_MAX];
    ll_error error = {""};
    write_file(f, "project/build/compile_commands.json", "[]", path);
    make_directory(f, "project/src/lib");
    char *found = ll_plan_find_database(at(f, "project/src/lib", path), &error);
    assert_non_null(found);
    assert_string_equal(found, at(f, "project/build", expected));
    free(found);
    /* A database on the way up wins over a build/ further up. */
    write_file(f, "project/src/compile_commands.json", "[]", path);
    found = ll_plan_find_database(at(f, "project/src/lib", path), &error);
    assert_non_null(found);
    assert_string_equal(found, at(f, "project/src", expected));
    free(found);
}

static void test_database_missing(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_error error = {""};
    make_directory(f, "nowhere/near");
    /* Only meaningful if nothing above the temporary directory has one. */
    char *above = ll_plan_find_database("/tmp", &error);
    if (above) {
        free(above);
        skip();
    }
    assert_null(ll_plan_find_database(at(f, "nowhere/near", path), &error));
    char expected[2 * PATH_MAX];
    snprintf(expected, sizeof expected,
             "no compile_commands.json found in %s or its parents (nor in a build/ "
             "directory); pass -p BUILD_DIR",
             path);
    assert_string_equal(error.message, expected);
}

/* ---- Loading: errors ----------------------------------------------------------- */

static void test_invalid_json_names_line_and_column(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_plan plan = {0};
    ll_error error = {""};
    write_file(f, "compile_commands.json",
               "[\n"
               "  {\"directory\": \"/tmp\",\n"
               "   \"file\": ,\n"
               "   \"command\": \"cc -c a.c\"}\n"
               "]\n",
               path);
    assert_int_equal(ll_plan_load(&plan, f->root, false, &error), -1);
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof expected, "%s:3:12: invalid JSON: unexpected token near ','", path);
    assert_string_equal(error.message, expected);
    assert_int_equal(plan.count, 0);
    ll_plan_free(&plan);
}

static void test_entry_without_file(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_plan plan = {0};
    ll_error error = {""};
    write_file(f, "compile_commands.json",
               "[{\"directory\": \"/tmp\", \"file\": \"a.c\", \"command\": \"cc -c a.c\"},\n"
               " {\"directory\": \"/tmp\", \"command\": \"cc -c b.c\"}]\n",
               path);
    assert_int_equal(ll_plan_load(&plan, f->root, false, &error), -1);
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof expected, "%s: entry 2 has no \"file\"", path);
    assert_string_equal(error.message, expected);
    ll_plan_free(&plan);
}

static void test_entry_without_command(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_plan plan = {0};
    ll_error error = {""};
    write_file(f, "compile_commands.json", "[{\"directory\": \"/tmp\", \"file\": \"a.c\"}]", path);
    assert_int_equal(ll_plan_load(&plan, f->root, false, &error), -1);
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof expected, "%s: entry 1 has no \"command\" or \"arguments\"", path);
    assert_string_equal(error.message, expected);
    ll_plan_free(&plan);
}

static void test_not_an_array(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_plan plan = {0};
    ll_error error = {""};
    write_file(f, "compile_commands.json", "{\"file\": \"a.c\"}", path);
    assert_int_equal(ll_plan_load(&plan, f->root, false, &error), -1);
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof expected, "%s: not an array of compile commands", path);
    assert_string_equal(error.message, expected);
    ll_plan_free(&plan);
}

static void test_no_database_file(void **state)
{
    fixture *f = *state;
    ll_plan plan = {0};
    ll_error error = {""};
    assert_int_equal(ll_plan_load(&plan, f->root, false, &error), -1);
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof expected,
             "%s/compile_commands.json: cannot open: No such file or directory", f->root);
    assert_string_equal(error.message, expected);
    ll_plan_free(&plan);
}

/* ---- Loading: commands ------------------------------------------------------------ */

/* One entry as JSON, in the "command" form. */
static void entry(char *json, size_t size, const char *directory, const char *file,
                  const char *command, bool last)
{
    size_t used = strlen(json);
    snprintf(json + used, size - used,
             "  {\"directory\": \"%s\", \"file\": \"%s\", \"command\": \"%s\"}%s\n", directory,
             file, command, last ? "" : ",");
}

static void test_commands_split_and_files_absolute(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    char expected[PATH_MAX];
    char json[8192] = "[\n";
    ll_plan plan = {0};
    ll_error error = {""};
    write_file(f, "src/a.c", "int a;\n", path);
    make_directory(f, "build");
    char source[PATH_MAX];
    at(f, "src", source);
    entry(json, sizeof json, source, "../src/./a.c",
          "/usr/bin/cc -DFOO=1 -I../include -o a.o -c ../src/./a.c", false);
    /* A file that does not exist is still named absolutely, lexically. */
    entry(json, sizeof json, source, "gen/../gone/b.c", "/usr/bin/cc -c gen/../gone/b.c", true);
    snprintf(json + strlen(json), sizeof json - strlen(json), "]\n");
    write_file(f, "build/compile_commands.json", json, path);

    assert_int_equal(ll_plan_load(&plan, at(f, "build", path), false, &error), 0);
    assert_string_equal(plan.database_directory, at(f, "build", expected));
    assert_int_equal(plan.count, 2);
    assert_int_equal(plan.duplicates_skipped, 0);
    assert_int_equal(plan.other_configs_skipped, 0);

    const ll_command *a = &plan.commands[0];
    assert_string_equal(a->file, at(f, "src/a.c", expected));
    assert_string_equal(a->directory, source);
    assert_int_equal(a->argument_count, 7);
    assert_string_equal(a->arguments[0], "/usr/bin/cc");
    assert_string_equal(a->arguments[1], "-DFOO=1");
    assert_string_equal(a->arguments[6], "../src/./a.c");
    char *text = ll_command_text(a);
    assert_string_equal(text, "/usr/bin/cc -DFOO=1 -I../include -o a.o -c ../src/./a.c");
    free(text);

    assert_string_equal(plan.commands[1].file, at(f, "src/gone/b.c", expected));
    ll_plan_free(&plan);
    assert_int_equal(plan.count, 0);
    assert_null(plan.commands);
}

static void test_arguments_form(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    char json[4096];
    ll_plan plan = {0};
    ll_error error = {""};
    snprintf(json, sizeof json,
             "[{\"directory\": \"%s\", \"file\": \"a b.c\",\n"
             "  \"arguments\": [\"clang\", \"-DNAME=\\\"x y\\\"\", \"-c\", \"a b.c\"]}]\n",
             f->root);
    write_file(f, "compile_commands.json", json, path);
    assert_int_equal(ll_plan_load(&plan, f->root, false, &error), 0);
    assert_int_equal(plan.count, 1);
    assert_int_equal(plan.commands[0].argument_count, 4);
    assert_string_equal(plan.commands[0].arguments[1], "-DNAME=\"x y\"");
    assert_string_equal(plan.commands[0].arguments[3], "a b.c");
    char expected[PATH_MAX];
    assert_string_equal(plan.commands[0].file, at(f, "a b.c", expected));
    ll_plan_free(&plan);
}

/* What CMake writes for a file in two targets, plus a second configuration
 * and an assembly source. */
static void write_repeated_database(const fixture *f)
{
    char path[PATH_MAX];
    char json[8192] = "[\n";
    write_file(f, "a.c", "int a;\n", path);
    write_file(f, "b.c", "int b;\n", path);
    entry(json, sizeof json, f->root, "a.c", "cc -DONE -c a.c", false);
    entry(json, sizeof json, f->root, "b.c", "cc -DONE -c b.c", false);
    entry(json, sizeof json, f->root, "a.c", "cc -DONE -c a.c", false);          /* duplicate */
    entry(json, sizeof json, f->root, "a.c", "cc -DTWO -c a.c", false);          /* other config */
    entry(json, sizeof json, f->root, "./a.c", "cc -DTWO -c a.c", false);        /* duplicate */
    entry(json, sizeof json, f->root, "switch.S", "cc -DONE -c switch.S", true); /* assembly */
    snprintf(json + strlen(json), sizeof json - strlen(json), "]\n");
    write_file(f, "compile_commands.json", json, path);
}

static void test_duplicates_and_other_configs_skipped(void **state)
{
    fixture *f = *state;
    char expected[PATH_MAX];
    ll_plan plan = {0};
    ll_error error = {""};
    write_repeated_database(f);
    assert_int_equal(ll_plan_load(&plan, f->root, false, &error), 0);
    assert_int_equal(plan.count, 2);
    assert_string_equal(plan.commands[0].file, at(f, "a.c", expected));
    assert_string_equal(plan.commands[0].arguments[1], "-DONE");
    assert_string_equal(plan.commands[1].file, at(f, "b.c", expected));
    assert_int_equal(plan.duplicates_skipped, 1);
    assert_int_equal(plan.other_configs_skipped, 2);
    assert_int_equal(plan.assembly_skipped, 1);
    ll_plan_free(&plan);
}

static void test_all_configs_kept(void **state)
{
    fixture *f = *state;
    char expected[PATH_MAX];
    ll_plan plan = {0};
    ll_error error = {""};
    write_repeated_database(f);
    assert_int_equal(ll_plan_load(&plan, f->root, true, &error), 0);
    assert_int_equal(plan.count, 3);
    assert_string_equal(plan.commands[0].arguments[1], "-DONE");
    assert_string_equal(plan.commands[1].file, at(f, "b.c", expected));
    assert_string_equal(plan.commands[2].file, at(f, "a.c", expected));
    assert_string_equal(plan.commands[2].arguments[1], "-DTWO");
    assert_int_equal(plan.duplicates_skipped, 2);
    assert_int_equal(plan.other_configs_skipped, 0);
    assert_int_equal(plan.assembly_skipped, 1);
    ll_plan_free(&plan);
}

/* Many files: the deduplication table grows and keeps the order. */
static void test_large_database_keeps_order(void **state)
{
    fixture *f = *state;
    enum { files = 300 };
    size_t size = files * 2 * 200 + 16;
    char *json = malloc(size);
    char path[PATH_MAX];
    char name[64];
    char command[128];
    assert_non_null(json);
    snprintf(json, size, "[\n");
    for (int copy = 0; copy < 2; copy++) {
        for (int i = 0; i < files; i++) {
            snprintf(name, sizeof name, "f%03d.c", i);
            snprintf(command, sizeof command, "cc -c %s", name);
            entry(json, size, f->root, name, command, copy == 1 && i == files - 1);
        }
    }
    snprintf(json + strlen(json), size - strlen(json), "]\n");
    write_file(f, "compile_commands.json", json, path);
    free(json);

    ll_plan plan = {0};
    ll_error error = {""};
    assert_int_equal(ll_plan_load(&plan, f->root, false, &error), 0);
    assert_int_equal(plan.count, files);
    assert_int_equal(plan.duplicates_skipped, files);
    for (int i = 0; i < files; i++) {
        snprintf(name, sizeof name, "f%03d.c", i);
        assert_string_equal(plan.commands[i].file, at(f, name, path));
    }
    ll_plan_free(&plan);
}

static void test_plan_add(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_plan plan = {0};
    ll_error error = {""};
    const char *const arguments[] = {"clang", "-std=gnu17", "-c", "x/../y.c"};
    assert_int_equal(ll_plan_add(&plan, "x/../y.c", f->root, arguments, 4, &error), 0);
    assert_int_equal(ll_plan_add(&plan, "z.c", f->root, NULL, 0, &error), 0);
    assert_int_equal(plan.count, 2);
    assert_string_equal(plan.commands[0].file, at(f, "y.c", path));
    assert_string_equal(plan.commands[0].directory, f->root);
    assert_int_equal(plan.commands[0].argument_count, 4);
    assert_string_equal(plan.commands[0].arguments[3], "x/../y.c");
    assert_int_equal(plan.commands[1].argument_count, 0);
    char *text = ll_command_text(&plan.commands[1]);
    assert_string_equal(text, "");
    free(text);
    ll_plan_free(&plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_database_found_upward, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_found_in_build, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_json_names_line_and_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_without_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_without_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_an_array, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_database_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commands_split_and_files_absolute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arguments_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_other_configs_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_configs_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_database_keeps_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_add, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
