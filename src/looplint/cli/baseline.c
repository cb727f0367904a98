/*
 * baseline.c - `looplint baseline`: save the findings of a run as a named
 * baseline, list, drop, export and import baselines; and reading the
 * baseline that `looplint check --baseline` names.
 *
 * A baseline is a set of fingerprints (report.h) in the store. Exported,
 * it is JSON: {"schema": 1, "baseline": NAME, "fingerprints": [...]}, so
 * that a project can commit it and CI can check against it without the
 * store that made it.
 */
#include "arguments.h"
#include "cli.h"
#include "commands.h"
#include "front/front.h"
#include "locate.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASELINE_SCHEMA 1

static const char usage[] =
    "usage: looplint baseline save NAME [--run ID] [options]\n"
    "       looplint baseline list [options]\n"
    "       looplint baseline drop NAME [options]\n"
    "       looplint baseline export NAME -o FILE [options]\n"
    "       looplint baseline import NAME FILE [options]\n"
    "\n"
    "A baseline is the set of fingerprints of a run's findings (suppressed ones\n"
    "left out); `looplint check --baseline NAME` then reports and gates on the\n"
    "other findings only.\n"
    "\n"
    "  save NAME             the findings of the latest complete run over the whole\n"
    "                        program (or --run ID; not a partial `check FILE...`\n"
    "                        run), replacing a baseline of that name\n"
    "  list                  each baseline and how many fingerprints it holds\n"
    "  drop NAME             remove a baseline\n"
    "  export NAME -o FILE   write it as JSON\n"
    "  import NAME FILE      read JSON written by export, replacing NAME\n"
    "\n"
    "  -p, --build-dir DIR   where compile_commands.json is (default: the nearest\n"
    "                        one upward from the current directory)\n"
    "  --db PATH             the store (default: BUILD_DIR/.looplint/looplint.db)\n"
    "  --run ID              save: the run to take the findings from\n"
    "  -o, --output FILE     export: the file to write\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 done, 2 usage error, unknown baseline or run, or a store\n"
    "or file that cannot be used.\n";

enum {
    OPTION_BUILD_DIR,
    OPTION_DB,
    OPTION_RUN,
    OPTION_OUTPUT,
    OPTION_HELP,
};

static const ll_option_spec specs[] = {
    [OPTION_BUILD_DIR] = {"build-dir", 'p', true},
    [OPTION_DB] = {"db", 0, true},
    [OPTION_RUN] = {"run", 0, true},
    [OPTION_OUTPUT] = {"output", 'o', true},
    [OPTION_HELP] = {"help", 'h', false},
    {NULL, 0, false},
};

typedef struct baseline_settings {
    const char *build_directory;
    const char *store_path;
    const char *output;
    int64_t run_id; /* 0: the latest complete run */
    const char *operands[4];
    int operand_count;
} baseline_settings;

/* 0 to go on, -1 when help was printed, else the exit code. */
static int parse_settings(int argc, char **argv, baseline_settings *settings)
{
    ll_arguments arguments;
    ll_arguments_init(&arguments, argc, argv, specs);
    for (ll_argument argument = ll_arguments_next(&arguments); argument.kind != LL_ARGUMENT_END;
         argument = ll_arguments_next(&arguments)) {
        if (argument.kind == LL_ARGUMENT_ERROR) {
            fprintf(stderr, "looplint baseline: %s\n%s", argument.message, usage);
            return LL_EXIT_USAGE;
        }
        if (argument.kind == LL_ARGUMENT_OPERAND) {
            if (settings->operand_count == 4) {
                fprintf(stderr, "looplint baseline: too many operands\n%s", usage);
                return LL_EXIT_USAGE;
            }
            settings->operands[settings->operand_count++] = argument.value;
            continue;
        }
        switch (argument.spec - specs) {
        case OPTION_BUILD_DIR:
            settings->build_directory = argument.value;
            break;
        case OPTION_DB:
            settings->store_path = argument.value;
            break;
        case OPTION_RUN:
            if (ll_cli_parse_run(argument.value, false, &settings->run_id) < 0) {
                fprintf(stderr, "looplint baseline: bad value '%s' for --run\n", argument.value);
                return LL_EXIT_USAGE;
            }
            break;
        case OPTION_OUTPUT:
            settings->output = argument.value;
            break;
        case OPTION_HELP:
            fputs(usage, stdout);
            return -1;
        default: /* specs holds no other option */
            break;
        }
    }
    return 0;
}

/* Opens the store of --db, else that beside the compile database of -p or
 * the one found from the current directory. */
static ll_store *open_store(const baseline_settings *settings, ll_error *error)
{
    char *database = NULL;
    char *path = NULL;
    ll_store *store = NULL;
    if (settings->store_path) {
        path = strdup(settings->store_path);
    } else {
        if (!(database = ll_locate_database(settings->build_directory, error)))
            goto fail;
        path = ll_locate_default_store(database);
    }
    if (!path) {
        ll_error_set(error, "out of memory");
        goto fail;
    }
    store = ll_store_open(path, error);
fail:
    free(database);
    free(path);
    return store;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads an exported baseline: a sorted, NULL-terminated array of distinct
 * fingerprints (caller frees with ll_fingerprints_free). */
static int read_export(const char *file, char ***fingerprints, size_t *count, ll_error *error)
{
    json_error_t problem;
    char **list = NULL;
    size_t used = 0;
    json_t *root = json_load_file(file, 0, &problem);
    if (!root) {
        ll_error_set(error, "%s:%d:%d: %s", file, problem.line, problem.column, problem.text);
        goto fail;
    }
    json_t *array = json_object_get(root, "fingerprints");
    if (!json_is_object(root) ||
        json_integer_value(json_object_get(root, "schema")) != BASELINE_SCHEMA ||
        !json_is_array(array)) {
        ll_error_set(error, "%s: not a looplint baseline of schema %d", file, BASELINE_SCHEMA);
        goto fail;
    }
    if (!(list = calloc(json_array_size(array) + 1, sizeof *list))) {
        ll_error_set(error, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < json_array_size(array); i++) {
        const char *fingerprint = json_string_value(json_array_get(array, i));
        if (!fingerprint || !*fingerprint) {
            ll_error_set(error, "%s: fingerprint %zu is not a string", file, i + 1);
            goto fail;
        }
        if (!(list[used++] = strdup(fingerprint))) {
            ll_error_set(error, "out of memory");
            goto fail;
        }
    }
    qsort(list, used, sizeof *list, compare_strings);
    size_t kept = 0;
    for (size_t i = 0; i < used; i++) {
        if (kept && strcmp(list[kept - 1], list[i]) == 0)
            free(list[i]);
        else
            list[kept++] = list[i];
    }
    list[kept] = NULL;
    json_decref(root);
    *fingerprints = list;
    *count = kept;
    return 0;
fail:
    json_decref(root);
    ll_fingerprints_free(list);
    return -1;
}

static int write_export(const char *file, const char *name, char **fingerprints, ll_error *error)
{
    json_t *array = json_array();
    json_t *root = array ? json_pack("{s:i, s:s, s:o}", "schema", BASELINE_SCHEMA, "baseline", name,
                                     "fingerprints", array)
                         : NULL;
    if (!root) {
        ll_error_set(error, "out of memory");
        goto fail;
    }
    for (char **at = fingerprints; *at; at++) {
        if (json_array_append_new(array, json_string(*at)) < 0) {
            ll_error_set(error, "out of memory");
            goto fail;
        }
    }
    if (json_dump_file(root, file, JSON_INDENT(2)) < 0) {
        ll_error_set(error, "%s: cannot write the baseline", file);
        goto fail;
    }
    json_decref(root);
    return 0;
fail:
    json_decref(root);
    return -1;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t length = strlen(text);
    size_t suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

int ll_cli_baseline_read(ll_store *store, const char *name_or_file, char ***fingerprints,
                         size_t *count, ll_error *error)
{
    if (ends_with(name_or_file, ".json"))
        return read_export(name_or_file, fingerprints, count, error);
    int found = ll_store_baseline_load(store, name_or_file, fingerprints, count, error);
    if (found < 0)
        return -1;
    if (!found)
        return ll_error_set(error, "no baseline named '%s' (see looplint baseline list)",
                            name_or_file);
    return 0;
}

bool ll_fingerprints_contain(char *const *sorted, size_t count, const char *fingerprint)
{
    return count && bsearch(&fingerprint, sorted, count, sizeof *sorted, compare_strings);
}

/* The number of operands each action takes, NAME included. */
static int expected_operands(const char *action)
{
    static const struct {
        const char *action;
        int operands;
    } actions[] = {{"save", 2}, {"list", 1}, {"drop", 2}, {"export", 2}, {"import", 3}};
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(action, actions[i].action) == 0)
            return actions[i].operands;
    return -1;
}

static int save(ll_store *store, const baseline_settings *settings, ll_error *error)
{
    size_t count = 0;
    const char *name = settings->operands[1];
    if (ll_store_baseline_save(store, name, settings->run_id, &count, error) < 0)
        return -1;
    printf("looplint: baseline '%s': %zu fingerprints\n", name, count);
    return 0;
}

static int list(ll_store *store, ll_error *error)
{
    ll_baseline_entry *entries = NULL;
    size_t count = 0;
    if (ll_store_baseline_list(store, &entries, &count, error) < 0)
        return -1;
    for (size_t i = 0; i < count; i++)
        printf("%s\t%zu\n", entries[i].name, entries[i].count);
    ll_baseline_entries_free(entries, count);
    return 0;
}

static int drop(ll_store *store, const char *name, ll_error *error)
{
    int dropped = ll_store_baseline_drop(store, name, error);
    if (dropped == 0)
        return ll_error_set(error, "no baseline named '%s'", name);
    return dropped < 0 ? -1 : 0;
}

static int export(ll_store *store, const baseline_settings *settings, ll_error *error)
{
    char **fingerprints = NULL;
    size_t count = 0;
    const char *name = settings->operands[1];
    int found = ll_store_baseline_load(store, name, &fingerprints, &count, error);
    if (found <= 0)
        return found < 0 ? -1 : ll_error_set(error, "no baseline named '%s'", name);
    int result = write_export(settings->output, name, fingerprints, error);
    ll_fingerprints_free(fingerprints);
    return result;
}

static int import(ll_store *store, const baseline_settings *settings, ll_error *error)
{
    char **fingerprints = NULL;
    size_t count = 0;
    if (read_export(settings->operands[2], &fingerprints, &count, error) < 0)
        return -1;
    int result = ll_store_baseline_replace(store, settings->operands[1],
                                           (const char *const *)fingerprints, count, error);
    ll_fingerprints_free(fingerprints);
    return result;
}

static int run(const baseline_settings *settings)
{
    ll_error error = {{0}};
    const char *action = settings->operands[0];
    ll_store *store = open_store(settings, &error);
    int result = -1;
    if (!store)
        goto fail;
    if (strcmp(action, "save") == 0)
        result = save(store, settings, &error);
    else if (strcmp(action, "list") == 0)
        result = list(store, &error);
    else if (strcmp(action, "drop") == 0)
        result = drop(store, settings->operands[1], &error);
    else if (strcmp(action, "export") == 0)
        result = export(store, settings, &error);
    else
        result = import(store, settings, &error);
    if (result < 0)
        goto fail;
    ll_store_close(store);
    return LL_EXIT_CLEAN;
fail:
    ll_cli_error(error.message);
    ll_store_close(store);
    return LL_EXIT_USAGE;
}

int ll_command_baseline(int argc, char **argv)
{
    baseline_settings settings = {0};
    int status = parse_settings(argc - 1, argv + 1, &settings);
    if (status < 0)
        return LL_EXIT_CLEAN;
    if (status > 0)
        return status;
    const char *problem = NULL;
    if (settings.operand_count == 0)
        problem = "which action?";
    else if (expected_operands(settings.operands[0]) < 0)
        problem = "unknown action";
    else if (expected_operands(settings.operands[0]) != settings.operand_count)
        problem = "wrong number of operands";
    else if (strcmp(settings.operands[0], "export") == 0 && !settings.output)
        problem = "export needs -o FILE";
    else if (settings.run_id && strcmp(settings.operands[0], "save") != 0)
        problem = "--run is for save";
    if (problem) {
        fprintf(stderr, "looplint baseline: %s\n%s", problem, usage);
        return LL_EXIT_USAGE;
    }
    return run(&settings);
}
