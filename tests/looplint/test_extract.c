/*
 * test_extract.c - parsing one TU into facts (front/extract.c) and the
 * worker pool (front/workers.c).
 *
 * Each test writes small C files into a fresh temporary directory and runs
 * hand-built commands on them, as `looplint verify` does: the functions a
 * TU defines (USRs, linkage, annotations), the files it read, clang's
 * errors with the partial AST still walked, files that cannot be parsed,
 * commands written relative to their directory with GCC's flags, where
 * calls made by macros are placed and how their text reads, the functions
 * globals' initialisers store into fields and tables, and that the units
 * do not depend on the number of threads.
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

#include <xxhash.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FACTS_BUILDER_UNITS_ONLY
#include "facts_builder.h"

/* ---- A temporary directory and commands on its files -------------------------- */

typedef struct fixture {
    char root[256]; /* realpath of the temporary directory */
    ll_extractor *extractor;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || make_temporary_directory("extract", f->root, sizeof f->root) < 0) {
        free(f);
        return -1;
    }
    f->extractor = ll_extractor_new();
    if (!f->extractor) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ll_extractor_free(f->extractor);
    remove_tree(f->root);
    free(f);
    return 0;
}

static const char *at(const fixture *f, const char *relative, char *buffer)
{
    snprintf(buffer, PATH_MAX, "%s/%s", f->root, relative);
    return buffer;
}

/* Writes root/relative (parent directories made). */
static void write_file(const fixture *f, const char *relative, const char *text)
{
    char path[PATH_MAX];
    at(f, relative, path);
    for (char *slash = strchr(path + strlen(f->root) + 1, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0755);
        *slash = '/';
    }
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    if (!file)
        return; /* not reached: cmocka's failures do not return */
    assert_int_equal(fputs(text, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
}

/* Adds to `plan` the command verify builds for root/relative. */
static void add_command(const fixture *f, ll_plan *plan, const char *relative)
{
    char path[PATH_MAX];
    char include[PATH_MAX];
    ll_error error = {""};
    snprintf(include, sizeof include, "%s/include", LOOPLINT_TEST_SOURCE_DIR);
    at(f, relative, path);
    const char *const arguments[] = {"clang", "-std=gnu17", "-I", include, path};
    assert_int_equal(ll_plan_add(plan, path, f->root, arguments, 5, &error), 0);
}

/* Extracts root/relative with that command. */
static ll_unit *extract(const fixture *f, const char *relative)
{
    ll_plan plan = {0};
    add_command(f, &plan, relative);
    ll_unit *unit = ll_extractor_run(f->extractor, &plan.commands[0]);
    ll_plan_free(&plan);
    assert_non_null(unit);
    return unit;
}

/* The function called `name` that is (or is not) a definition. */
static const ll_function *find_function(const ll_unit *unit, const char *name, bool definition)
{
    for (uint32_t i = 0; i < unit->function_count; i++) {
        const ll_function *function = &unit->functions[i];
        if (strcmp(function->name, name) == 0 && function->is_definition == definition)
            return function;
    }
    return NULL;
}

static ll_index find_file(const ll_unit *unit, const char *path)
{
    for (uint32_t i = 0; i < unit->file_count; i++) {
        if (strcmp(unit->files[i].path, path) == 0)
            return i;
    }
    return LL_NONE;
}

static bool has_error(const ll_unit *unit)
{
    for (uint32_t i = 0; i < unit->diagnostic_count; i++) {
        if (unit->diagnostics[i].is_error)
            return true;
    }
    return false;
}

/* ---- Function stores ---------------------------------------------------------- */

static const char vtable_header[] = "struct sink;\n"
                                    "struct sink_ops {\n"
                                    "    const char *name;\n"
                                    "    int (*emit)(struct sink *sink, const char *line);\n"
                                    "    void (*close)(struct sink *sink);\n"
                                    "};\n"
                                    "int file_emit(struct sink *sink, const char *line);\n";

static const char tables_source[] =
    "#include \"vtable.h\"\n"
    "\n"
    "typedef int (*job_fn)(void *);\n"
    "struct job {\n"
    "    char name[8];\n"
    "    job_fn run;\n"
    "    struct { job_fn before, after; } hooks;\n"
    "};\n"
    "struct wrapper { struct { int a, b; } pair; job_fn run; };\n"
    "static int peer_emit(struct sink *sink, const char *line) { return sink && line; }\n"
    "static void peer_close(struct sink *sink) { (void)sink; }\n"
    "static int a_job(void *p) { return p != 0; }\n"
    "static int b_job(void *p) { return p == 0; }\n"
    "static int c_job(void *p) { (void)p; return 0; }\n"
    /* 15 */ "const struct sink_ops file_ops = {.name = \"file\", .emit = file_emit, .close = 0};\n"
    /* 16 */ "static const struct sink_ops peer_ops = {\"peer\", &peer_emit, peer_close};\n"
    /* 17 */ "static const struct job jobs[] = {\n"
    /* 18 */ "    {\"a\", a_job, {b_job, c_job}},\n"
    /* 19 */ "    [2] = {.run = (job_fn)c_job},\n"
    /* 20 */ "    [3].hooks.after = a_job,\n"
    /* 21 */ "};\n"
    /* 22 */ "static job_fn const plain[] = {a_job, b_job};\n"
    /* 23 */ "static struct wrapper elided = {1, 2, a_job};\n"
    /* 24 */ "static struct wrapper braced = {{1, 2}, b_job};\n"
    /* 25 */ "int (*hook)(void *) = c_job;\n"
    /* 26 */ "int pick(int which)\n"
    /* 27 */ "{\n"
    /* 28 */ "    static const struct sink_ops local = {.emit = peer_emit};\n"
    /* 29 */ "    return which ? local.emit(0, \"\") : plain[which](0) + jobs[0].run(0) +\n"
    /* 30 */ "           elided.pair.a + braced.pair.b + peer_ops.name[0] + hook(0);\n"
    /* 31 */ "}\n";

/* Store `index` of `unit` is `function` put into `field` of `record`
 * (NULL: no field) and into the variable `global` (NULL: none), at
 * `line`:`column`. */
static void assert_store(const ll_unit *unit, uint32_t index, const char *record, const char *field,
                         const char *global, const char *function, uint32_t line, uint32_t column)
{
    assert_true(index < unit->store_count);
    const ll_function_store *store = &unit->stores[index];
    if (record) {
        assert_string_equal(store->record_type, record);
        assert_string_equal(store->field, field);
    } else {
        assert_null(store->record_type);
        assert_null(store->field);
    }
    if (global) {
        assert_string_equal(store->global, global);
        assert_non_null(store->global_usr);
    } else {
        assert_null(store->global);
        assert_null(store->global_usr);
    }
    assert_string_equal(store->function_name, function);
    assert_non_null(strstr(store->function_usr, function));
    assert_int_equal(store->location.file, 0);
    assert_int_equal(store->location.line, line);
    assert_int_equal(store->location.column, column);
}

/* Initialisers of globals and of a static local store functions into
 * fields (designated, positional, nested, through an unnamed struct
 * member, in arrays of structs) and into the variables; positions lost
 * to brace elision store nothing. */
static void test_global_stores(void **state)
{
    fixture *f = *state;
    write_file(f, "vtable.h", vtable_header);
    write_file(f, "tables.c", tables_source);
    ll_unit *unit = extract(f, "tables.c");
    assert_false(has_error(unit));
    uint32_t n = 0;
    assert_store(unit, n++, "struct sink_ops", "emit", "file_ops", "file_emit", 15, 59);
    assert_store(unit, n++, "struct sink_ops", "emit", "peer_ops", "peer_emit", 16, 51);
    assert_store(unit, n++, "struct sink_ops", "close", "peer_ops", "peer_close", 16, 62);
    assert_store(unit, n++, "struct job", "run", "jobs", "a_job", 18, 11);
    assert_store(unit, n++, "struct job", "before", "jobs", "b_job", 18, 19);
    assert_store(unit, n++, "struct job", "after", "jobs", "c_job", 18, 26);
    assert_store(unit, n++, "struct job", "run", "jobs", "c_job", 19, 27);
    assert_store(unit, n++, "struct job", "after", "jobs", "a_job", 20, 23);
    assert_store(unit, n++, NULL, NULL, "plain", "a_job", 22, 32);
    assert_store(unit, n++, NULL, NULL, "plain", "b_job", 22, 39);
    assert_store(unit, n++, "struct wrapper", "run", "braced", "b_job", 24, 41);
    assert_store(unit, n++, NULL, NULL, "hook", "c_job", 25, 23);
    assert_store(unit, n++, "struct sink_ops", "emit", "local", "peer_emit", 28, 51);
    assert_int_equal(unit->store_count, n);
    /* A static's USR names its file, an external's does not: two static
       tables of one name in two files are two tables. */
    assert_non_null(strstr(unit->stores[1].global_usr, "tables.c"));
    assert_null(strstr(unit->stores[0].global_usr, "tables.c"));
    assert_string_not_equal(unit->stores[12].global_usr, unit->stores[1].global_usr);

    /* The calls through them name the field, or the table. */
    const ll_function *pick = find_function(unit, "pick", true);
    assert_non_null(pick);
    assert_int_equal(pick->call_count, 4);
    assert_int_equal(pick->calls[0].callee_kind, LL_CALLEE_FIELD);
    assert_string_equal(pick->calls[0].callee_type, "struct sink_ops");
    assert_string_equal(pick->calls[0].callee_name, "emit");
    assert_int_equal(pick->calls[1].callee_kind, LL_CALLEE_GLOBAL);
    assert_string_equal(pick->calls[1].callee_name, "plain");
    assert_string_equal(pick->calls[1].callee_usr, unit->stores[8].global_usr);
    assert_int_equal(pick->calls[2].callee_kind, LL_CALLEE_FIELD);
    assert_string_equal(pick->calls[2].callee_type, "struct job");
    assert_int_equal(pick->calls[3].callee_kind, LL_CALLEE_GLOBAL);
    assert_string_equal(pick->calls[3].callee_usr, unit->stores[11].global_usr);
    ll_unit_free(unit);
}

/* ---- Functions ----------------------------------------------------------------- */

static const char annotated_header[] =
    "static inline int in_header(void) { return 3; }\n"
    "__attribute__((annotate(\"looplint:blocking\"))) int wait_forever(void);\n"
    "__attribute__((annotate(\"looplint:takes(2)\"), annotate(\"looplint:loop\")))\n"
    "void give(void *a, void *b);\n"
    "__attribute__((annotate(\"looplint:thread\"))) void off_loop(void);\n"
    "__attribute__((annotate(\"other:tool\"))) void foreign(void);\n"
    "int plain_declaration(int);\n";

static const char functions_source[] = "#include <stdio.h>\n"
                                       "#include \"annotated.h\"\n"
                                       "static int helper(int a, int b) { return a + b; }\n"
                                       "int exported(void) { return helper(1, 2); }\n"
                                       "void off_loop(void) { printf(\"%d\", in_header()); }\n"
                                       "int wait_forever(void);\n"
                                       "__attribute__((annotate(\"looplint:takes(1)\")))\n"
                                       "int wait_forever(void);\n";

static void test_functions_found(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    write_file(f, "annotated.h", annotated_header);
    write_file(f, "functions.c", functions_source);
    ll_unit *unit = extract(f, "functions.c");
    assert_false(unit->parse_failed);
    assert_false(has_error(unit));
    assert_string_equal(unit->path, at(f, "functions.c", path));
    assert_string_equal(unit->directory, f->root);

    const ll_function *helper = find_function(unit, "helper", true);
    assert_non_null(helper);
    assert_string_equal(helper->usr, "c:functions.c@F@helper");
    assert_true(helper->is_static);
    assert_int_equal(helper->parameter_count, 2);
    assert_int_equal(helper->annotations, 0);
    assert_int_equal(helper->location.file, 0);
    assert_int_equal(helper->location.line, 3);
    assert_int_equal(helper->location.column, 12);

    const ll_function *exported = find_function(unit, "exported", true);
    assert_non_null(exported);
    assert_string_equal(exported->usr, "c:@F@exported");
    assert_false(exported->is_static);
    assert_int_equal(exported->parameter_count, 0);

    /* A function defined in a project header belongs to the TU too. */
    const ll_function *in_header = find_function(unit, "in_header", true);
    assert_non_null(in_header);
    assert_true(in_header->is_static);
    assert_string_equal(ll_unit_file_path(unit, in_header->location), at(f, "annotated.h", path));
    assert_int_equal(in_header->location.line, 1);

    /* Annotated declarations are kept, once each; plain ones are not. */
    const ll_function *wait_forever = find_function(unit, "wait_forever", false);
    assert_non_null(wait_forever);
    assert_int_equal(wait_forever->annotations, LL_ANNOTATION_BLOCKING);
    assert_int_equal(wait_forever->takes_mask, 1u << 0); /* from the redeclaration */
    assert_string_equal(wait_forever->usr, "c:@F@wait_forever");
    assert_int_equal(wait_forever->location.line, 2);
    const ll_function *give = find_function(unit, "give", false);
    assert_non_null(give);
    assert_int_equal(give->annotations, LL_ANNOTATION_LOOP);
    assert_int_equal(give->takes_mask, 1u << 1);
    assert_int_equal(give->parameter_count, 2);
    assert_null(find_function(unit, "foreign", false));
    assert_null(find_function(unit, "plain_declaration", false));
    assert_null(find_function(unit, "printf", false));

    /* A definition carries the annotation of its declaration. */
    const ll_function *off_loop = find_function(unit, "off_loop", true);
    assert_non_null(off_loop);
    assert_int_equal(off_loop->annotations, LL_ANNOTATION_THREAD);
    assert_non_null(find_function(unit, "off_loop", false));

    uint32_t wait_forever_count = 0;
    for (uint32_t i = 0; i < unit->function_count; i++) {
        if (strcmp(unit->functions[i].name, "wait_forever") == 0)
            wait_forever_count++;
        /* Nothing from a system header. */
        assert_false(unit->files[unit->functions[i].location.file].is_system);
    }
    assert_int_equal(wait_forever_count, 1);
    ll_unit_free(unit);
}

/* ---- Files ------------------------------------------------------------------------ */

static void test_files_read(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    write_file(f, "annotated.h", annotated_header);
    write_file(f, "functions.c", functions_source);
    ll_unit *unit = extract(f, "functions.c");

    assert_true(unit->file_count > 3);
    assert_string_equal(unit->files[0].path, at(f, "functions.c", path));
    assert_false(unit->files[0].is_system);
    assert_int_equal(unit->files[0].hash, XXH3_64bits(functions_source, strlen(functions_source)));

    ll_index header = find_file(unit, at(f, "annotated.h", path));
    assert_int_not_equal(header, LL_NONE);
    assert_false(unit->files[header].is_system);
    assert_int_equal(unit->files[header].hash,
                     XXH3_64bits(annotated_header, strlen(annotated_header)));

    bool saw_stdio = false;
    for (uint32_t i = 0; i < unit->file_count; i++) {
        const char *name = unit->files[i].path;
        assert_int_equal(name[0], '/');
        assert_null(strstr(name, "/./"));
        assert_null(strstr(name, "/../"));
        /* Each file once, even those included many times. */
        for (uint32_t j = i + 1; j < unit->file_count; j++)
            assert_string_not_equal(name, unit->files[j].path);
        size_t length = strlen(name);
        if (length >= 8 && strcmp(name + length - 8, "/stdio.h") == 0) {
            saw_stdio = true;
            assert_true(unit->files[i].is_system);
        }
    }
    assert_true(saw_stdio);
    ll_unit_free(unit);
}

/* ---- Errors -------------------------------------------------------------------- */

static void test_syntax_error_keeps_partial_ast(void **state)
{
    fixture *f = *state;
    write_file(f, "broken.c",
               "int before(void) { return 1; }\n"
               "int broken(void) { return 1 + ; }\n"
               "int after(void) { return 2; }\n");
    ll_unit *unit = extract(f, "broken.c");
    assert_false(unit->parse_failed);
    assert_true(unit->diagnostic_count >= 1);
    const ll_diagnostic *diagnostic = &unit->diagnostics[0];
    assert_true(diagnostic->is_error);
    assert_int_equal(diagnostic->location.file, 0);
    assert_int_equal(diagnostic->location.line, 2);
    assert_int_equal(diagnostic->location.column, 31);
    assert_string_equal(diagnostic->message, "expected expression");
    assert_non_null(find_function(unit, "before", true));
    assert_non_null(find_function(unit, "after", true));
    ll_unit_free(unit);
}

static void test_missing_file(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_unit *unit = extract(f, "gone.c");
    assert_true(unit->parse_failed);
    assert_string_equal(unit->path, at(f, "gone.c", path));
    assert_int_equal(unit->file_count, 1);
    assert_string_equal(unit->files[0].path, path);
    assert_int_equal(unit->diagnostic_count, 1);
    assert_true(unit->diagnostics[0].is_error);
    assert_int_equal(unit->diagnostics[0].location.file, 0);
    assert_string_equal(unit->diagnostics[0].message, "cannot parse: No such file or directory");
    assert_int_equal(unit->function_count, 0);
    ll_unit_free(unit);
}

static void test_unreadable_file(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    if (geteuid() == 0)
        skip(); /* root reads anything */
    write_file(f, "secret.c", "int hidden(void) { return 0; }\n");
    assert_int_equal(chmod(at(f, "secret.c", path), 0), 0);
    ll_unit *unit = extract(f, "secret.c");
    assert_true(unit->parse_failed);
    assert_string_equal(unit->diagnostics[0].message, "cannot parse: Permission denied");
    ll_unit_free(unit);
}

/* ---- Commands as a build writes them ------------------------------------------- */

/* Relative paths resolve against the command's directory; GCC's flags and
 * -Werror do not turn clang's warnings into errors; options that would
 * write dependency files are left out. */
static void test_build_command(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_plan plan = {0};
    ll_error error = {""};
    write_file(f, "include/config.h", "#define ANSWER 42\n");
    write_file(f, "include/prefix.h", "typedef int prefixed;\n");
    write_file(f, "quoted/local.h", "static prefixed local_value(void) { return ANSWER; }\n");
    write_file(f, "src/relative.c",
               "#include <config.h>\n"
               "#include \"local.h\"\n"
               "int relative(void) { int unused = 1; return local_value(); }\n");
    const char *const arguments[] = {"/usr/bin/gcc",  "-Iinclude",
                                     "-iquote",       "quoted",
                                     "-include",      "include/prefix.h",
                                     "-Werror",       "-Wall",
                                     "-Wextra",       "-fno-tree-vrp",
                                     "-MD",           "-MF",
                                     "deps.d",        "-o",
                                     "relative.o",    "-c",
                                     "src/relative.c"};
    size_t count = sizeof arguments / sizeof arguments[0];
    assert_int_equal(ll_plan_add(&plan, "src/relative.c", f->root, arguments, count, &error), 0);
    ll_unit *unit = ll_extractor_run(f->extractor, &plan.commands[0]);
    assert_non_null(unit);
    assert_false(unit->parse_failed);
    assert_int_equal(unit->diagnostic_count, 0);
    assert_non_null(find_function(unit, "relative", true));
    assert_non_null(find_function(unit, "local_value", true));
    assert_int_not_equal(find_file(unit, at(f, "include/config.h", path)), LL_NONE);
    assert_int_not_equal(find_file(unit, at(f, "include/prefix.h", path)), LL_NONE);
    assert_string_equal(unit->arguments,
                        "/usr/bin/gcc -Iinclude -iquote quoted -include include/prefix.h -Werror "
                        "-Wall -Wextra -fno-tree-vrp -MD -MF deps.d -o relative.o -c "
                        "src/relative.c");
    assert_int_equal(access(at(f, "deps.d", path), F_OK), -1);
    assert_int_equal(access(at(f, "relative.d", path), F_OK), -1);
    assert_int_equal(access(at(f, "relative.o", path), F_OK), -1);
    ll_unit_free(unit);
    ll_plan_free(&plan);
}

/* An option clang does not know is an error (the gate fails on it), and
 * the TU is analysed all the same. */
static void test_unknown_option_reported(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX];
    ll_plan plan = {0};
    ll_error error = {""};
    write_file(f, "plain.c", "int plain(void) { return 0; }\n");
    at(f, "plain.c", path);
    const char *const arguments[] = {"gcc", "-fno-such-gcc-option", "-c", path};
    assert_int_equal(ll_plan_add(&plan, path, f->root, arguments, 4, &error), 0);
    ll_unit *unit = ll_extractor_run(f->extractor, &plan.commands[0]);
    assert_non_null(unit);
    assert_false(unit->parse_failed);
    assert_int_equal(unit->diagnostic_count, 1);
    assert_true(unit->diagnostics[0].is_error);
    assert_int_equal(unit->diagnostics[0].location.file, LL_NONE);
    assert_string_equal(unit->diagnostics[0].message, "unknown argument: '-fno-such-gcc-option'");
    assert_non_null(find_function(unit, "plain", true));
    ll_unit_free(unit);
    ll_plan_free(&plan);
}

/* ---- Calls made by macros ---------------------------------------------------- */

/* The call to `callee` on `line`. */
static const ll_call *find_call_at(const ll_function *function, const char *callee, uint32_t line)
{
    for (uint32_t i = 0; i < function->call_count; i++) {
        const ll_call *call = &function->calls[i];
        if (call->callee_name && strcmp(call->callee_name, callee) == 0 &&
            call->location.line == line)
            return call;
    }
    return NULL;
}

static void assert_call(const ll_function *function, const char *callee, uint32_t line,
                        uint32_t column, const char *text)
{
    const ll_call *call = find_call_at(function, callee, line);
    if (!call) {
        fail_msg("no call to %s on line %u", callee, line);
        return; /* not reached */
    }
    assert_int_equal(call->location.file, 0);
    assert_int_equal(call->location.column, column);
    assert_string_equal(call->text, text);
}

static void test_macro_calls(void **state)
{
    fixture *f = *state;
    write_file(f, "macros.c",
               "#include <nest.h>\n"
               "#define CHECK(e) do { if (!(e)) return -1; } while (0)\n"
               "#define SPAWN_ZERO(fn) nest_spawn(fn, 0)\n"
               "#define CALL(f, ...) f(__VA_ARGS__)\n"
               "#define WRAP(e) (e)\n"
               "static int worker(void *arg) { (void)arg; return 0; }\n"
               "static int plain(int value) { return value; }\n"
               "int run(void *a)\n"
               "{\n"
               "    nest_task *task = nest_spawn(worker, a);\n"
               "    CHECK(worker(/* why */ a) == 0);\n"
               "    SPAWN_ZERO(worker);\n"
               "    CALL(plain, 1);\n"
               "    return WRAP(SPAWN_ZERO(worker) != 0) + plain(WRAP(2)) + (task != 0);\n"
               "}\n");
    ll_unit *unit = extract(f, "macros.c");
    assert_false(has_error(unit));
    const ll_function *run = find_function(unit, "run", true);
    assert_non_null(run);
    /* nest_spawn is a macro over nest_spawn_at: the call is placed at the
     * macro's name and reads as written. */
    assert_call(run, "nest_spawn_at", 10, 23, "nest_spawn ( worker , a )");
    /* A call written as a macro's argument stays where it was written,
     * comments left out of its text. */
    assert_call(run, "worker", 11, 11, "worker ( a )");
    /* Macros over macros: the outermost one as written. */
    assert_call(run, "nest_spawn_at", 12, 5, "SPAWN_ZERO ( worker )");
    /* The callee is an argument, the parentheses the macro's. */
    assert_call(run, "plain", 13, 10, "CALL ( plain , 1 )");
    /* A macro call inside another macro's argument; a macro inside a
     * call's arguments. */
    assert_call(run, "nest_spawn_at", 14, 17, "SPAWN_ZERO ( worker )");
    assert_call(run, "plain", 14, 44, "plain ( WRAP ( 2 ) )");
    ll_unit_free(unit);
}

/* ---- Threads ------------------------------------------------------------------- */

enum { program_files = 6 };

/* File i defines i + 1 functions, each calling the previous ones. */
static void write_program(const fixture *f, ll_plan *plan)
{
    for (int i = 0; i < program_files; i++) {
        char name[32];
        char text[4096] = "#include <stdio.h>\n";
        for (int j = 0; j <= i; j++) {
            size_t used = strlen(text);
            snprintf(text + used, sizeof text - used, "int f%d_%d(void) { int x = 0;", i, j);
            for (int k = 0; k < j; k++) {
                used = strlen(text);
                snprintf(text + used, sizeof text - used, " x += f%d_%d();", i, k);
            }
            used = strlen(text);
            snprintf(text + used, sizeof text - used, " return printf(\"%%d\", x); }\n");
        }
        snprintf(name, sizeof name, "program/file%d.c", i);
        write_file(f, name, text);
        add_command(f, plan, name);
    }
}

typedef struct collected {
    ll_unit *units[program_files];
    size_t calls;      /* of the callback */
    size_t fail_after; /* callbacks that succeed before one fails; 0: none fails */
} collected;

static int collect(void *context, size_t index, ll_unit *unit)
{
    collected *results = context;
    assert_true(index < program_files);
    assert_null(results->units[index]);
    results->units[index] = unit;
    results->calls++;
    return results->fail_after && results->calls > results->fail_after ? -1 : 0;
}

static void assert_same_unit(const ll_unit *a, const ll_unit *b)
{
    assert_string_equal(a->path, b->path);
    assert_int_equal(a->file_count, b->file_count);
    for (uint32_t i = 0; i < a->file_count; i++) {
        assert_string_equal(a->files[i].path, b->files[i].path);
        assert_int_equal(a->files[i].hash, b->files[i].hash);
    }
    assert_int_equal(a->diagnostic_count, b->diagnostic_count);
    assert_int_equal(a->function_count, b->function_count);
    for (uint32_t i = 0; i < a->function_count; i++) {
        const ll_function *x = &a->functions[i];
        const ll_function *y = &b->functions[i];
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->usr, y->usr);
        assert_int_equal(x->location.line, y->location.line);
        assert_int_equal(x->call_count, y->call_count);
        assert_int_equal(x->block_count, y->block_count);
        for (uint32_t c = 0; c < x->call_count; c++)
            assert_string_equal(x->calls[c].callee_name, y->calls[c].callee_name);
    }
}

static void test_units_same_for_any_jobs(void **state)
{
    fixture *f = *state;
    ll_plan plan = {0};
    ll_error error = {""};
    collected serial = {{NULL}, 0, 0};
    collected parallel = {{NULL}, 0, 0};
    write_program(f, &plan);
    assert_int_equal(ll_front_extract(&plan, 1, collect, &serial, &error), 0);
    assert_int_equal(ll_front_extract(&plan, 3, collect, &parallel, &error), 0);
    assert_int_equal(serial.calls, program_files);
    assert_int_equal(parallel.calls, program_files);
    for (int i = 0; i < program_files; i++) {
        assert_non_null(serial.units[i]);
        assert_false(has_error(serial.units[i]));
        /* File i: i + 1 functions, function j making j calls and printf. */
        assert_int_equal(serial.units[i]->function_count, i + 1);
        const ll_function *last = &serial.units[i]->functions[i];
        assert_int_equal(last->call_count, i + 1);
        assert_string_equal(serial.units[i]->path, plan.commands[i].file);
        assert_same_unit(serial.units[i], parallel.units[i]);
        ll_unit_free(serial.units[i]);
        ll_unit_free(parallel.units[i]);
    }
    /* One thread per core. */
    collected automatic = {{NULL}, 0, 0};
    assert_int_equal(ll_front_extract(&plan, 0, collect, &automatic, &error), 0);
    assert_int_equal(automatic.calls, program_files);
    for (int i = 0; i < program_files; i++)
        ll_unit_free(automatic.units[i]);
    ll_plan_free(&plan);
}

/* A failing callback stops the run; units never delivered are freed (the
 * sanitizer build would see them leak) and the caller's error stands. */
static void test_callback_failure_stops(void **state)
{
    fixture *f = *state;
    ll_plan plan = {0};
    ll_error error = {"the callback's own message"};
    collected results = {{NULL}, 0, 2};
    write_program(f, &plan);
    assert_int_equal(ll_front_extract(&plan, 2, collect, &results, &error), -1);
    assert_int_equal(results.calls, 3);
    assert_string_equal(error.message, "the callback's own message");
    for (int i = 0; i < program_files; i++)
        ll_unit_free(results.units[i]);
    ll_plan_free(&plan);
}

static void test_empty_plan(void **state)
{
    (void)state;
    ll_plan plan = {0};
    ll_error error = {""};
    collected results = {{NULL}, 0, 0};
    assert_int_equal(ll_front_extract(&plan, 4, collect, &results, &error), 0);
    assert_int_equal(results.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_functions_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error_keeps_partial_ast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_option_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_macro_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_stores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_units_same_for_any_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_failure_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_plan, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
