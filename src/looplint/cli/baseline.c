/*
 * baseline.c - `looplint baseline`: save the findings of a run as a named
 * baseline, list, drop, export and import baselines; and reading the
 * baseline that `looplint check --baseline` or `looplint diff` names.
 *
 * A baseline is a set of fingerprints (report.h) in the store. Exported,
 * it is JSON: {"schema": 1, "baseline": NAME, "fingerprints": [...],
 * "findings": [...]}, so that a project can commit it and CI can check
 * against it without the store that made it. The fingerprints are the
 * baseline; "findings" only describes them (as the json format writes a
 * finding) so that `looplint diff` can say what a fixed finding was and a
 * reviewer can read the file. Files without it, written before it
 * existed, are read as before.
 *
 * The store keeps a baseline's fingerprints only, so an export describes
 * each from the most recent of the last HISTORY_RUNS complete runs that
 * found it; one no such run holds (imported from elsewhere, or older) is
 * exported bare.
 */
#include "baseline.h"

#include "arguments.h"
#include "cli.h"
#include "commands.h"
#include "front/front.h"
#include "locate.h"
#include "report/internal.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASELINE_SCHEMA 1

/* How many of the latest complete runs an export searches for the
 * findings that describe a baseline's fingerprints. */
#define HISTORY_RUNS 100

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
    "  export NAME -o FILE   write it as JSON, each fingerprint with the finding\n"
    "                        it was (from the latest runs that found it)\n"
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

/* Loads an exported baseline and checks its shape: the document, and in
 * *fingerprints its array of them. NULL with an error. */
static json_t *load_export(const char *file, json_t **fingerprints, ll_error *error)
{
    json_error_t problem;
    json_t *root = json_load_file(file, 0, &problem);
    if (!root) {
        ll_error_set(error, "%s:%d:%d: %s", file, problem.line, problem.column, problem.text);
        return NULL;
    }
    json_t *array = json_object_get(root, "fingerprints");
    if (!json_is_object(root) ||
        json_integer_value(json_object_get(root, "schema")) != BASELINE_SCHEMA ||
        !json_is_array(array)) {
        ll_error_set(error, "%s: not a looplint baseline of schema %d", file, BASELINE_SCHEMA);
        json_decref(root);
        return NULL;
    }
    *fingerprints = array;
    return root;
}

/* Reads an exported baseline: a sorted, NULL-terminated array of distinct
 * fingerprints (caller frees with ll_fingerprints_free). */
static int read_export(const char *file, char ***fingerprints, size_t *count, ll_error *error)
{
    char **strings = NULL;
    size_t used = 0;
    json_t *array;
    json_t *root = load_export(file, &array, error);
    if (!root)
        goto fail;
    if (!(strings = calloc(json_array_size(array) + 1, sizeof *strings))) {
        ll_error_set(error, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < json_array_size(array); i++) {
        const char *fingerprint = json_string_value(json_array_get(array, i));
        if (!fingerprint || !*fingerprint) {
            ll_error_set(error, "%s: fingerprint %zu is not a string", file, i + 1);
            goto fail;
        }
        if (!(strings[used++] = strdup(fingerprint))) {
            ll_error_set(error, "out of memory");
            goto fail;
        }
    }
    qsort(strings, used, sizeof *strings, compare_strings);
    size_t kept = 0;
    for (size_t i = 0; i < used; i++) {
        if (kept && strcmp(strings[kept - 1], strings[i]) == 0)
            free(strings[i]);
        else
            strings[kept++] = strings[i];
    }
    strings[kept] = NULL;
    json_decref(root);
    *fingerprints = strings;
    *count = kept;
    return 0;
fail:
    json_decref(root);
    ll_fingerprints_free(strings);
    return -1;
}

/* ---- What the fingerprints were ------------------------------------------------------------ */

/* Appends a copy of `finding`, notes and fingerprint included. */
static int copy_finding(ll_findings *into, const ll_finding *finding)
{
    ll_finding *copy = ll_findings_add(into, finding->rule, finding->severity, finding->place.file,
                                       finding->place.line, finding->place.column,
                                       finding->function, finding->text, finding->message);
    if (!copy)
        return -1;
    memcpy(copy->fingerprint, finding->fingerprint, sizeof copy->fingerprint);
    for (uint32_t i = 0; i < finding->note_count; i++) {
        const ll_note *note = &finding->notes[i];
        if (ll_finding_add_note(copy, note->place.file, note->place.line, note->place.column, "%s",
                                note->message) < 0)
            return -1;
    }
    return 0;
}

/* Appends a finding that is only a fingerprint: nothing says what it was. */
static int add_bare(ll_findings *into, const char *fingerprint)
{
    ll_finding *bare = ll_findings_add(into, "", LL_SEVERITY_NOTE, "", 0, 0, NULL, NULL, "");
    if (!bare)
        return -1;
    snprintf(bare->fingerprint, sizeof bare->fingerprint, "%s", fingerprint);
    return 0;
}

/* Copies into `described` the unsuppressed findings of run `run_id` whose
 * fingerprint is among `fingerprints` and not yet marked in `done`. */
static int describe_from_run(ll_store *store, int64_t run_id, char *const *fingerprints,
                             size_t count, bool *done, size_t *left, ll_findings *described,
                             ll_error *error)
{
    ll_findings findings;
    ll_findings_init(&findings);
    if (ll_store_findings_load(store, run_id, &findings, error) < 0)
        goto fail;
    for (size_t i = 0; i < findings.count && *left; i++) {
        const ll_finding *finding = &findings.items[i];
        const char *key = finding->fingerprint;
        char *const *found = finding->suppressed ? NULL
                                                 : bsearch(&key, fingerprints, count,
                                                           sizeof *fingerprints, compare_strings);
        if (!found || done[found - fingerprints])
            continue;
        if (copy_finding(described, finding) < 0) {
            ll_error_set(error, "out of memory");
            goto fail;
        }
        done[found - fingerprints] = true;
        (*left)--;
    }
    ll_findings_free(&findings);
    return 0;
fail:
    ll_findings_free(&findings);
    return -1;
}

/* Appends to `described` a finding for each of `fingerprints` (sorted,
 * distinct): the latest complete run's among the last HISTORY_RUNS that
 * holds it, else a bare one. */
static int describe(ll_store *store, char *const *fingerprints, size_t count,
                    ll_findings *described, ll_error *error)
{
    int64_t runs[HISTORY_RUNS];
    size_t run_count = 0;
    size_t left = count;
    bool *done = calloc(count ? count : 1, sizeof *done);
    if (!done)
        return ll_error_set(error, "out of memory");
    if (ll_store_runs_complete(store, runs, HISTORY_RUNS, &run_count, error) < 0)
        goto fail;
    for (size_t r = 0; r < run_count && left; r++) {
        if (describe_from_run(store, runs[r], fingerprints, count, done, &left, described, error) <
            0)
            goto fail;
    }
    for (size_t i = 0; i < count; i++) {
        if (!done[i] && add_bare(described, fingerprints[i]) < 0) {
            ll_error_set(error, "out of memory");
            goto fail;
        }
    }
    free(done);
    return 0;
fail:
    free(done);
    return -1;
}

/* ---- Export files with findings -------------------------------------------------------------- */

static const char *string_or_empty(const json_t *object, const char *key)
{
    const char *text = json_string_value(json_object_get(object, key));
    return text ? text : "";
}

static uint32_t line_number(const json_t *object, const char *key)
{
    json_int_t value = json_integer_value(json_object_get(object, key));
    return value > 0 && value <= UINT32_MAX ? (uint32_t)value : 0;
}

/* Appends the finding an export's "findings" entry describes. */
static int add_from_json(ll_findings *into, const json_t *object, const char *fingerprint)
{
    enum ll_severity severity = LL_SEVERITY_NOTE;
    ll_severity_parse(string_or_empty(object, "severity"), &severity);
    ll_finding *finding = ll_findings_add(
        into, string_or_empty(object, "rule"), severity, string_or_empty(object, "file"),
        line_number(object, "line"), line_number(object, "column"),
        string_or_empty(object, "function"), NULL, string_or_empty(object, "message"));
    if (!finding)
        return -1;
    snprintf(finding->fingerprint, sizeof finding->fingerprint, "%s", fingerprint);
    const json_t *notes = json_object_get(object, "notes");
    for (size_t i = 0; i < json_array_size(notes); i++) {
        const json_t *note = json_array_get(notes, i);
        if (ll_finding_add_note(finding, string_or_empty(note, "file"), line_number(note, "line"),
                                line_number(note, "column"), "%s",
                                string_or_empty(note, "message")) < 0)
            return -1;
    }
    return 0;
}

/* The entry of "findings" with this fingerprint, or NULL. */
static const json_t *export_entry(const json_t *entries, const char *fingerprint)
{
    for (size_t i = 0; i < json_array_size(entries); i++) {
        const json_t *entry = json_array_get(entries, i);
        if (strcmp(string_or_empty(entry, "fingerprint"), fingerprint) == 0)
            return entry;
    }
    return NULL;
}

/* A finding per fingerprint of an export, described by its "findings"
 * entry when it has one. */
static int read_export_findings(const char *file, ll_findings *findings, ll_error *error)
{
    char **fingerprints = NULL;
    size_t count = 0;
    json_t *array;
    json_t *root = NULL;
    if (read_export(file, &fingerprints, &count, error) < 0 ||
        !(root = load_export(file, &array, error)))
        goto fail;
    const json_t *entries = json_object_get(root, "findings");
    for (size_t i = 0; i < count; i++) {
        const json_t *entry = export_entry(entries, fingerprints[i]);
        if ((entry ? add_from_json(findings, entry, fingerprints[i])
                   : add_bare(findings, fingerprints[i])) < 0) {
            ll_error_set(error, "out of memory");
            goto fail;
        }
    }
    json_decref(root);
    ll_fingerprints_free(fingerprints);
    return 0;
fail:
    json_decref(root);
    ll_fingerprints_free(fingerprints);
    return -1;
}

static int write_export(const char *file, const char *name, char **fingerprints,
                        const ll_findings *described, const char *root_directory, ll_error *error)
{
    json_t *array = json_array();
    json_t *entries = json_array();
    json_t *root = array && entries
                       ? json_pack("{s:i, s:s, s:O, s:O}", "schema", BASELINE_SCHEMA, "baseline",
                                   name, "fingerprints", array, "findings", entries)
                       : NULL;
    if (!root)
        goto out_of_memory;
    for (char **at = fingerprints; *at; at++) {
        if (json_array_append_new(array, json_string(*at)) < 0)
            goto out_of_memory;
    }
    for (size_t i = 0; i < described->count; i++) {
        const ll_finding *finding = &described->items[i];
        if (*finding->rule &&
            json_array_append_new(entries, ll_report_json_finding(finding, root_directory)) < 0)
            goto out_of_memory;
    }
    if (json_dump_file(root, file, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
        ll_error_set(error, "%s: cannot write the baseline", file);
        goto fail;
    }
    json_decref(array);
    json_decref(entries);
    json_decref(root);
    return 0;
out_of_memory:
    ll_error_set(error, "out of memory");
fail:
    json_decref(array);
    json_decref(entries);
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

int ll_cli_baseline_findings(ll_store *store, const char *name_or_file, ll_findings *findings,
                             ll_error *error)
{
    if (ends_with(name_or_file, ".json"))
        return read_export_findings(name_or_file, findings, error);
    char **fingerprints = NULL;
    size_t count = 0;
    if (ll_cli_baseline_read(store, name_or_file, &fingerprints, &count, error) < 0)
        return -1;
    int result = describe(store, fingerprints, count, findings, error);
    ll_fingerprints_free(fingerprints);
    return result;
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

/* The project root, which an export's paths are relative to: found from
 * the compilation database as check finds it; NULL (absolute paths) when
 * --db names the store and no database is found. */
static char *project_root(const baseline_settings *settings)
{
    ll_error ignored = {{0}};
    char *database = ll_locate_database(settings->build_directory, &ignored);
    char *root = database ? ll_locate_project_root(database) : NULL;
    free(database);
    return root;
}

static int export(ll_store *store, const baseline_settings *settings, ll_error *error)
{
    char **fingerprints = NULL;
    size_t count = 0;
    ll_findings described;
    ll_findings_init(&described);
    char *root = NULL;
    const char *name = settings->operands[1];
    int found = ll_store_baseline_load(store, name, &fingerprints, &count, error);
    if (found <= 0)
        return found < 0 ? -1 : ll_error_set(error, "no baseline named '%s'", name);
    int result = describe(store, fingerprints, count, &described, error);
    if (result == 0) {
        ll_findings_sort(&described);
        root = project_root(settings);
        result = write_export(settings->output, name, fingerprints, &described, root, error);
    }
    free(root);
    ll_findings_free(&described);
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
