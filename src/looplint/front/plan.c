/*
 * plan.c - which TUs to parse, and with which command: the compilation
 * database read into an ll_plan.
 *
 * The database is found as clangd finds it (the nearest
 * compile_commands.json upward, or one in a build/ directory beside the
 * directories on the way). It is read by libclang itself
 * (clang_CompilationDatabase_*), so commands are split and interpreted
 * exactly as clang's tools do; jansson reads it first only to say where a
 * broken file is broken, which libclang cannot (it just fails).
 *
 * CMake lists a file once per target that builds it, so a database often
 * holds the same command two to four times: such duplicates are dropped.
 * The same file built with other flags is another configuration of it;
 * the first command wins unless all configurations are asked for.
 * Assembly sources are left out too. All three are counted for --stats. The database's order is
 * kept, so the plan (and everything numbered after it) is the same on every run.
 */
#define _GNU_SOURCE /* asprintf */
#include "front.h"
#include "internal.h"

#include <clang-c/CXCompilationDatabase.h>
#include <jansson.h>
#include <xxhash.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char database_name[] = "compile_commands.json";

/* ---- Finding the database ------------------------------------------------------ */

/* "directory/name", malloc'd (the root has its slash already). */
static char *path_in(const char *directory, const char *name)
{
    size_t length = strlen(directory);
    const char *separator = length && directory[length - 1] == '/' ? "" : "/";
    char *path = NULL;
    if (asprintf(&path, "%s%s%s", directory, separator, name) < 0)
        return NULL;
    return path;
}

/* Whether `directory` holds a database: 1, 0, or -1 when out of memory. */
static int holds_database(const char *directory)
{
    char *path = path_in(directory, database_name);
    struct stat status;
    if (!path)
        return -1;
    int found = stat(path, &status) == 0 && S_ISREG(status.st_mode);
    free(path);
    return found;
}

char *ll_plan_find_database(const char *start, ll_error *error)
{
    char *directory = ll_front_absolute_path(NULL, start);
    char *build = NULL;
    if (!directory)
        goto out_of_memory;
    for (;;) {
        int found = holds_database(directory);
        if (found < 0)
            goto out_of_memory;
        if (found)
            return directory;
        build = path_in(directory, "build");
        if (!build)
            goto out_of_memory;
        found = holds_database(build);
        if (found > 0) {
            free(directory);
            return build;
        }
        free(build);
        build = NULL;
        if (found < 0)
            goto out_of_memory;
        if (strcmp(directory, "/") == 0)
            break;
        char *slash = strrchr(directory, '/');
        slash[slash == directory ? 1 : 0] = '\0'; /* keep the root's slash */
    }
    free(directory);
    ll_error_set(error,
                 "no %s found in %s or its parents (nor in a build/ directory); "
                 "pass -p BUILD_DIR",
                 database_name, start);
    return NULL;
out_of_memory:
    free(directory);
    ll_error_set(error, "out of memory looking for %s", database_name);
    return NULL;
}

/* ---- Commands -------------------------------------------------------------------- */

static void free_command(ll_command *command)
{
    for (size_t i = 0; i < command->argument_count; i++)
        free(command->arguments[i]);
    free(command->arguments);
    free(command->file);
    free(command->directory);
    memset(command, 0, sizeof *command);
}

void ll_plan_free(ll_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->count; i++)
        free_command(&plan->commands[i]);
    free(plan->commands);
    free(plan->database_directory);
    memset(plan, 0, sizeof *plan);
}

char *ll_command_text(const ll_command *command)
{
    size_t length = 0;
    for (size_t i = 0; i < command->argument_count; i++)
        length += strlen(command->arguments[i]) + 1;
    char *text = malloc(length + 1);
    if (!text)
        return NULL;
    size_t used = 0;
    for (size_t i = 0; i < command->argument_count; i++) {
        size_t size = strlen(command->arguments[i]);
        if (i > 0)
            text[used++] = ' ';
        memcpy(text + used, command->arguments[i], size);
        used += size;
    }
    text[used] = '\0';
    return text;
}

/* Room for one more command. The capacity is implicit, as in facts.c: 0
 * when empty, else the larger of 4 and the next power of two. */
static ll_command *append_command(ll_plan *plan)
{
    size_t count = plan->count;
    if (count == 0 || (count >= 4 && (count & (count - 1)) == 0)) {
        size_t capacity = count ? count * 2 : 4;
        ll_command *bigger = realloc(plan->commands, capacity * sizeof *bigger);
        if (!bigger)
            return NULL;
        plan->commands = bigger;
    }
    ll_command *command = &plan->commands[count];
    memset(command, 0, sizeof *command);
    return command;
}

/* Builds a command in place; on failure frees what it copied. */
static int make_command(ll_command *command, const char *file, const char *directory,
                        const char *const *arguments, size_t argument_count)
{
    command->directory = ll_front_absolute_path(NULL, directory ? directory : ".");
    if (!command->directory)
        goto fail;
    command->file = ll_front_absolute_path(command->directory, file);
    if (!command->file)
        goto fail;
    if (argument_count) {
        command->arguments = calloc(argument_count, sizeof *command->arguments);
        if (!command->arguments)
            goto fail;
    }
    for (size_t i = 0; i < argument_count; i++) {
        command->arguments[i] = strdup(arguments[i]);
        if (!command->arguments[i])
            goto fail;
        command->argument_count = i + 1;
    }
    return 0;
fail:
    free_command(command);
    return -1;
}

int ll_plan_add(ll_plan *plan, const char *file, const char *directory,
                const char *const *arguments, size_t argument_count, ll_error *error)
{
    ll_command *command = append_command(plan);
    if (!command || make_command(command, file, directory, arguments, argument_count) != 0)
        return ll_error_set(error, "out of memory adding the command of %s", file);
    plan->count++;
    return 0;
}

/* ---- Checking the file's shape ------------------------------------------------ */

static bool is_string_member(json_t *entry, const char *key)
{
    return json_is_string(json_object_get(entry, key));
}

/* jansson says where a broken file is broken; libclang would only fail.
 * Also checks each entry has what a command needs, naming the entry (by
 * its 1-based position: jansson keeps no line per element). */
static int check_shape(const char *path, ll_error *error)
{
    json_error_t parse_error;
    FILE *file = fopen(path, "r");
    if (!file)
        return ll_error_set(error, "%s: cannot open: %s", path, strerror(errno));
    json_t *root = json_loadf(file, 0, &parse_error);
    fclose(file);
    if (!root) {
        if (parse_error.line > 0)
            return ll_error_set(error, "%s:%d:%d: invalid JSON: %s", path, parse_error.line,
                                parse_error.column, parse_error.text);
        return ll_error_set(error, "%s: cannot read: %s", path, parse_error.text);
    }
    int status = 0;
    if (!json_is_array(root)) {
        status = ll_error_set(error, "%s: not an array of compile commands", path);
        goto done;
    }
    size_t index;
    json_t *entry;
    json_array_foreach(root, index, entry)
    {
        const char *missing = NULL;
        if (!json_is_object(entry)) {
            status = ll_error_set(error, "%s: entry %zu is not an object", path, index + 1);
            goto done;
        }
        if (!is_string_member(entry, "directory"))
            missing = "\"directory\"";
        else if (!is_string_member(entry, "file"))
            missing = "\"file\"";
        else if (!is_string_member(entry, "command") &&
                 !json_is_array(json_object_get(entry, "arguments")))
            missing = "\"command\" or \"arguments\"";
        if (missing) {
            status = ll_error_set(error, "%s: entry %zu has no %s", path, index + 1, missing);
            goto done;
        }
    }
done:
    json_decref(root);
    return status;
}

/* ---- Deduplication ----------------------------------------------------------- */

/* The commands kept so far, by file: open addressing over command indices
 * (SIZE_MAX: empty), at most half full. Several configurations of a file
 * sit in the same probe sequence. */
typedef struct command_table {
    size_t *slots;
    size_t capacity; /* a power of two */
    size_t count;
} command_table;

static size_t file_slot(const char *file, size_t capacity)
{
    return (size_t)XXH3_64bits(file, strlen(file)) & (capacity - 1);
}

static int table_insert(command_table *table, const ll_plan *plan, size_t index)
{
    if ((table->count + 1) * 2 > table->capacity) {
        size_t capacity = table->capacity ? table->capacity * 2 : 64;
        size_t *slots = malloc(capacity * sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < capacity; i++)
            slots[i] = SIZE_MAX;
        for (size_t i = 0; i < table->capacity; i++) {
            size_t kept = table->slots[i];
            if (kept == SIZE_MAX)
                continue;
            size_t slot = file_slot(plan->commands[kept].file, capacity);
            while (slots[slot] != SIZE_MAX)
                slot = (slot + 1) & (capacity - 1);
            slots[slot] = kept;
        }
        free(table->slots);
        table->slots = slots;
        table->capacity = capacity;
    }
    size_t slot = file_slot(plan->commands[index].file, table->capacity);
    while (table->slots[slot] != SIZE_MAX)
        slot = (slot + 1) & (table->capacity - 1);
    table->slots[slot] = index;
    table->count++;
    return 0;
}

static bool same_command(const ll_command *a, const ll_command *b)
{
    if (a->argument_count != b->argument_count || strcmp(a->directory, b->directory) != 0)
        return false;
    for (size_t i = 0; i < a->argument_count; i++) {
        if (strcmp(a->arguments[i], b->arguments[i]) != 0)
            return false;
    }
    return true;
}

/* Assembly sources sit in the database beside the C they are linked with
 * (a context switch, say); clang would parse them as C and fail. */
static bool is_assembly(const char *file)
{
    static const char *const extensions[] = {".s", ".S", ".sx", ".asm"};
    const char *dot = strrchr(file, '.');
    if (!dot || strchr(dot, '/'))
        return false;
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++) {
        if (strcmp(dot, extensions[i]) == 0)
            return true;
    }
    return false;
}

enum command_kind { COMMAND_NEW, COMMAND_DUPLICATE, COMMAND_OTHER_CONFIG };

/* How `command` relates to the commands already kept for its file. */
static enum command_kind classify(const command_table *table, const ll_plan *plan,
                                  const ll_command *command)
{
    enum command_kind kind = COMMAND_NEW;
    if (table->capacity == 0)
        return kind;
    size_t slot = file_slot(command->file, table->capacity);
    for (; table->slots[slot] != SIZE_MAX; slot = (slot + 1) & (table->capacity - 1)) {
        const ll_command *kept = &plan->commands[table->slots[slot]];
        if (strcmp(kept->file, command->file) != 0)
            continue;
        if (same_command(kept, command))
            return COMMAND_DUPLICATE;
        kind = COMMAND_OTHER_CONFIG;
    }
    return kind;
}

/* ---- Loading ------------------------------------------------------------------- */

/* Appends libclang's command `source` to the plan, unless it duplicates
 * one already there (or is another configuration of a file already there
 * and not all configurations are wanted). */
static int load_command(ll_plan *plan, command_table *table, CXCompileCommand source,
                        bool all_configs)
{
    int status = -1;
    CXString file = clang_CompileCommand_getFilename(source);
    CXString directory = clang_CompileCommand_getDirectory(source);
    unsigned argument_count = clang_CompileCommand_getNumArgs(source);
    CXString *strings = calloc(argument_count ? argument_count : 1, sizeof *strings);
    const char **arguments = calloc(argument_count ? argument_count : 1, sizeof *arguments);
    char *absolute_directory = NULL;
    ll_command *command = append_command(plan);
    if (!strings || !arguments || !command)
        goto done;
    for (unsigned i = 0; i < argument_count; i++) {
        strings[i] = clang_CompileCommand_getArg(source, i);
        arguments[i] = clang_getCString(strings[i]);
        if (!arguments[i])
            arguments[i] = "";
    }
    /* A relative "directory" is taken against the database's own. */
    absolute_directory =
        ll_front_absolute_path(plan->database_directory, clang_getCString(directory));
    if (!absolute_directory || make_command(command, clang_getCString(file), absolute_directory,
                                            arguments, argument_count) != 0)
        goto done;
    if (is_assembly(command->file)) {
        plan->assembly_skipped++;
        free_command(command);
        status = 0;
        goto done;
    }
    enum command_kind kind = classify(table, plan, command);
    if (kind == COMMAND_DUPLICATE || (kind == COMMAND_OTHER_CONFIG && !all_configs)) {
        if (kind == COMMAND_DUPLICATE)
            plan->duplicates_skipped++;
        else
            plan->other_configs_skipped++;
        free_command(command);
        status = 0;
        goto done;
    }
    if (table_insert(table, plan, plan->count) != 0) {
        free_command(command);
        goto done;
    }
    plan->count++;
    status = 0;
done:
    if (strings) {
        for (unsigned i = 0; i < argument_count; i++)
            clang_disposeString(strings[i]);
    }
    free(strings);
    free(arguments);
    free(absolute_directory);
    clang_disposeString(file);
    clang_disposeString(directory);
    return status;
}

int ll_plan_load(ll_plan *plan, const char *directory, bool all_configs, ll_error *error)
{
    CXCompilationDatabase database = NULL;
    CXCompileCommands commands = NULL;
    command_table table = {NULL, 0, 0};
    char *path = NULL;
    int status = -1;

    free(plan->database_directory);
    plan->database_directory = ll_front_absolute_path(NULL, directory);
    path = plan->database_directory ? path_in(plan->database_directory, database_name) : NULL;
    if (!path) {
        ll_error_set(error, "out of memory reading %s", directory);
        goto done;
    }
    if (check_shape(path, error) != 0)
        goto done;

    CXCompilationDatabase_Error load_error = CXCompilationDatabase_NoError;
    database = clang_CompilationDatabase_fromDirectory(plan->database_directory, &load_error);
    if (!database || load_error != CXCompilationDatabase_NoError) {
        ll_error_set(error, "%s: libclang cannot load this compilation database", path);
        goto done;
    }
    /* Commands already in the plan take part in the deduplication. */
    for (size_t i = 0; i < plan->count; i++) {
        if (table_insert(&table, plan, i) != 0)
            goto out_of_memory;
    }
    commands = clang_CompilationDatabase_getAllCompileCommands(database);
    unsigned count = commands ? clang_CompileCommands_getSize(commands) : 0;
    for (unsigned i = 0; i < count; i++) {
        CXCompileCommand command = clang_CompileCommands_getCommand(commands, i);
        if (load_command(plan, &table, command, all_configs) != 0)
            goto out_of_memory;
    }
    status = 0;
    goto done;
out_of_memory:
    ll_error_set(error, "out of memory reading %s", path);
done:
    if (commands)
        clang_CompileCommands_dispose(commands);
    if (database)
        clang_CompilationDatabase_dispose(database);
    free(table.slots);
    free(path);
    return status;
}
