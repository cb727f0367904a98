/*
 * analyze.c - the analysis pipeline (analyze.h).
 *
 * Facts cache: a TU is parsed again only when its cache key changed. The
 * key hashes looplint's version, the facts version, the compile command,
 * and the path and content hash of every file the TU read last time (its
 * main file and every header), so an edited header re-analyses exactly
 * the TUs that include it. Packs are not part of the key: facts do not
 * depend on them. Each file is hashed once per run (file_hashes.h), however
 * many TUs read it.
 *
 * Whole-run reuse: a run over the whole program records a program key,
 * which hashes every TU's cache key with what the checks depend on beyond
 * the facts (the packs' text, the configuration file, --enable/--disable,
 * the root). When every TU's key is unchanged, the store is asked for a
 * complete run of the same program key, and its findings are taken instead
 * of loading facts, linking and checking. The store holds findings after
 * suppression; those marks are undone and the suppressions applied again,
 * as on any run.
 *
 * Partial runs (`check FILE...`, options->files): only the TUs whose main
 * file is one of FILE, or that read one of FILE last time, have their keys
 * checked; the others' stored facts are taken as they are, without hashing
 * anything. The whole program is linked and every check_program hook runs
 * (chains cross files), but check_function runs only on functions that are
 * defined in FILE or have a call there: the per-function checks report at
 * calls, so no finding in FILE is missed. The findings are then those in
 * FILE.
 */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include "analyze.h"

#include "analysis/summary.h"

#include "explain.h"
#include "file_hashes.h"
#include "locate.h"
#include "report/report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

double ll_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* ---- Rule selection ----------------------------------------------------------- */
static const char clang_diagnostic[] = "clang-diagnostic";

/* The ids the pipeline reports itself, beside the registered checks. */
static const ll_check builtin_rules[] = {
    {.id = clang_diagnostic,
     .severity = LL_SEVERITY_ERROR,
     .summary = "an error clang reports while parsing a translation unit"},
    {.id = LL_UNUSED_SUPPRESSION,
     .severity = LL_SEVERITY_NOTE,
     .summary = "an ignore comment that suppresses nothing, or names no check"},
};

enum { BUILTIN_COUNT = sizeof builtin_rules / sizeof builtin_rules[0] };

size_t ll_analysis_rule_count(void)
{
    size_t count;
    ll_checks(&count);
    return count + BUILTIN_COUNT;
}

const ll_check *ll_analysis_rule_at(size_t index)
{
    size_t count;
    const ll_check *const *checks = ll_checks(&count);
    return index < count ? checks[index] : &builtin_rules[index - count];
}

const ll_check *ll_analysis_rule_find(const char *id)
{
    for (size_t i = 0; i < ll_analysis_rule_count(); i++) {
        if (strcmp(ll_analysis_rule_at(i)->id, id) == 0)
            return ll_analysis_rule_at(i);
    }
    return NULL;
}

/* Whether a list names `id`; `all` names every check but no option. */
static bool listed(const char *const *ids, const char *id)
{
    bool is_option = strchr(id, ':') != NULL;
    for (const char *const *each = ids; each && *each; each++) {
        if (strcmp(*each, id) == 0 || (!is_option && strcmp(*each, "all") == 0))
            return true;
    }
    return false;
}

/* 1 on, 0 off, -1 when the pair of lists says nothing about `id`. */
static int decision(const char *const *enabled, const char *const *disabled, const char *id)
{
    if (listed(enabled, id))
        return 1;
    return listed(disabled, id) ? 0 : -1;
}

bool ll_analysis_rule_enabled(const ll_analysis_options *options, const char *id)
{
    int said = decision(options->enabled, options->disabled, id);
    if (said < 0 && options->config)
        said = decision((const char *const *)options->config->enabled,
                        (const char *const *)options->config->disabled, id);
    if (said < 0)
        return strchr(id, ':') == NULL;
    return said == 1;
}

enum ll_severity ll_analysis_rule_severity(const ll_analysis_options *options,
                                           const ll_check *check)
{
    return options->config ? ll_config_severity_of(options->config, check->id, check->severity)
                           : check->severity;
}

static int compare_rules(const void *left, const void *right)
{
    return strcmp(((const ll_report_rule *)left)->id, ((const ll_report_rule *)right)->id);
}

ll_report_rule *ll_analysis_report_rules(const ll_analysis_options *options, size_t *count)
{
    static const ll_analysis_options defaults = {0};
    if (!options)
        options = &defaults;
    *count = ll_analysis_rule_count();
    ll_report_rule *rules = calloc(*count ? *count : 1, sizeof *rules);
    if (!rules)
        return NULL;
    for (size_t i = 0; i < *count; i++) {
        const ll_check *check = ll_analysis_rule_at(i);
        const ll_explain_page *page = ll_explain_page_find(check->id);
        rules[i] = (ll_report_rule){
            .id = check->id,
            .severity = ll_analysis_rule_severity(options, check),
            .enabled = ll_analysis_rule_enabled(options, check->id),
            .summary = check->summary,
            .help = page ? page->text : NULL,
        };
    }
    qsort(rules, *count, sizeof *rules, compare_rules);
    return rules;
}

int ll_analysis_validate_rules(const char *const *ids, ll_error *error)
{
    for (const char *const *each = ids; each && *each; each++) {
        char id[128];
        snprintf(id, sizeof id, "%s", *each);
        char *colon = strchr(id, ':');
        if (colon)
            *colon = '\0';
        if (strcmp(id, "all") != 0 && !ll_analysis_rule_find(id))
            return ll_error_set(error, "unknown check '%s' (see `looplint rules`)", id);
    }
    return 0;
}

/* ---- Cache keys --------------------------------------------------------------- */
/* The cache key of a command whose TU read `files` with these hashes. */
static char *cache_key(const ll_command *command, const ll_file *files, uint32_t count)
{
    XXH3_state_t *state = XXH3_createState();
    char *text = ll_command_text(command);
    char *key = NULL;
    if (!state || !text)
        goto done;
    XXH3_64bits_reset(state);
    const char *version = LOOPLINT_VERSION;
    XXH3_64bits_update(state, version, strlen(version) + 1);
    uint32_t facts_version = LL_FACTS_VERSION;
    XXH3_64bits_update(state, &facts_version, sizeof facts_version);
    XXH3_64bits_update(state, text, strlen(text) + 1);
    for (uint32_t i = 0; i < count; i++) {
        XXH3_64bits_update(state, files[i].path, strlen(files[i].path) + 1);
        XXH3_64bits_update(state, &files[i].hash, sizeof files[i].hash);
    }
    if (asprintf(&key, "%016" PRIx64, (uint64_t)XXH3_64bits_digest(state)) < 0)
        key = NULL;
done:
    XXH3_freeState(state);
    free(text);
    return key;
}

/* Whether `path` is one of a NULL-terminated list. */
static bool listed_path(const char *const *paths, const char *path)
{
    for (const char *const *each = paths; each && *each; each++) {
        if (strcmp(*each, path) == 0)
            return true;
    }
    return false;
}

/* ---- Probing the store ---------------------------------------------------------- */
enum probe_state {
    PROBE_PARSE,   /* parse the TU */
    PROBE_FRESH,   /* its files are unchanged: load its facts under `key` */
    PROBE_TRUSTED, /* outside a partial run's files: load its facts unchecked */
};

/* What the store says of one command, before anything is read or parsed. */
typedef struct probe {
    enum probe_state state;
    ll_unit *files; /* the files the TU read last time (path and files only), or NULL */
    char *key;      /* its cache key now, when its files were hashed */
} probe;

/* Whether a TU is within a partial run's files: its main file, or a file
 * it read last time, is one of them. */
static bool within_scope(const ll_analysis_options *options, const ll_unit *files)
{
    if (listed_path(options->files, files->path))
        return true;
    for (uint32_t i = 0; i < files->file_count; i++) {
        if (listed_path(options->files, files->files[i].path))
            return true;
    }
    return false;
}

/* Decides what to do with one command. 0, or -1 with an error. */
static int probe_command(const ll_analysis_options *options, ll_file_hashes *hashes,
                         const ll_command *command, probe *result, ll_error *error)
{
    char *stored_key = NULL;
    int found =
        ll_store_unit_files(options->store, command->file, &result->files, &stored_key, error);
    if (found <= 0)
        return found;
    if (options->files && !within_scope(options, result->files)) {
        result->state = PROBE_TRUSTED;
        free(stored_key);
        return 0;
    }
    ll_unit *files = result->files;
    for (uint32_t i = 0; i < files->file_count; i++) {
        int hashed = ll_file_hashes_get(hashes, files->files[i].path, &files->files[i].hash);
        if (hashed <= 0) {
            free(stored_key);
            return hashed < 0 ? ll_error_set(error, "out of memory") : 0;
        }
    }
    result->key = cache_key(command, files->files, files->file_count);
    if (result->key && strcmp(result->key, stored_key) == 0)
        result->state = PROBE_FRESH;
    free(stored_key);
    return result->key ? 0 : ll_error_set(error, "out of memory");
}

static void probes_free(probe *probes, size_t count)
{
    for (size_t i = 0; probes && i < count; i++) {
        ll_unit_free(probes[i].files);
        free(probes[i].key);
    }
    free(probes);
}

/* One probe per command of the plan, PROBE_PARSE for all when the cache
 * is off. NULL with an error when the store fails or memory runs out. */
static probe *probe_commands(const ll_plan *plan, const ll_analysis_options *options,
                             ll_file_hashes *hashes, ll_error *error)
{
    probe *probes = calloc(plan->count ? plan->count : 1, sizeof *probes);
    if (!probes) {
        ll_error_set(error, "out of memory");
        return NULL;
    }
    for (size_t i = 0; options->store && options->use_cache && i < plan->count; i++) {
        if (probe_command(options, hashes, &plan->commands[i], &probes[i], error) < 0) {
            probes_free(probes, plan->count);
            return NULL;
        }
    }
    return probes;
}

/* ---- Program keys --------------------------------------------------------------- */
static void hash_text(XXH3_state_t *state, const char *text)
{
    text = text ? text : "";
    XXH3_64bits_update(state, text, strlen(text) + 1);
}

static void hash_list(XXH3_state_t *state, const char *const *list)
{
    for (const char *const *each = list; each && *each; each++)
        hash_text(state, *each);
    hash_text(state, "\n"); /* ends the list: ("a", "") and ("a") differ */
}

/* The key of a whole-program run whose TUs have these cache keys (one per
 * command of the plan): it also covers all that the checks read beyond
 * the facts. NULL with an error when out of memory. */
static char *program_key(const ll_plan *plan, char *const *keys, const ll_analysis_options *options,
                         ll_file_hashes *hashes, ll_error *error)
{
    XXH3_state_t *state = XXH3_createState();
    char *key = NULL;
    if (!state)
        goto done;
    XXH3_64bits_reset(state);
    hash_text(state, "program");
    hash_text(state, LOOPLINT_VERSION);
    hash_text(state, options->root);
    uint64_t packs = options->packs ? ll_packs_hash(options->packs) : 0;
    XXH3_64bits_update(state, &packs, sizeof packs);
    /* The configuration file holds severities and exclusions as well as
       checks; its text covers them all. */
    uint64_t configuration = 0;
    if (options->config && options->config->path &&
        ll_file_hashes_get(hashes, options->config->path, &configuration) < 0)
        goto done;
    XXH3_64bits_update(state, &configuration, sizeof configuration);
    hash_list(state, options->enabled);
    hash_list(state, options->disabled);
    for (size_t i = 0; i < plan->count; i++) {
        hash_text(state, plan->commands[i].file);
        hash_text(state, keys[i]);
    }
    if (asprintf(&key, "%016" PRIx64, (uint64_t)XXH3_64bits_digest(state)) < 0)
        key = NULL;
done:
    XXH3_freeState(state);
    if (!key)
        ll_error_set(error, "out of memory");
    return key;
}

/* Sets analysis->program_key for a finished whole-program run, from its
 * units' files (each unit's files hold the hashes its facts were made
 * from). Leaves it NULL when the run is not one to reuse: a TU failed to
 * parse (its facts are not stored), every TU had errors, or the store is
 * off. 0, or -1 when out of memory. */
static int record_program_key(const ll_plan *plan, const ll_analysis_options *options,
                              ll_file_hashes *hashes, ll_analysis *analysis, ll_error *error)
{
    /* A run where no TU parsed cleanly fails as such (check.c); a reused
       one would not know. */
    if (!options->store || options->files || !plan->count ||
        atomic_load(&analysis->statistics.units_failed) == plan->count)
        return 0;
    char **keys = calloc(plan->count, sizeof *keys);
    int result = -1;
    if (!keys)
        goto out_of_memory;
    for (size_t i = 0; i < plan->count; i++) {
        const ll_unit *unit = analysis->units[i];
        if (unit->parse_failed) {
            result = 0;
            goto done;
        }
        if (!(keys[i] = cache_key(&plan->commands[i], unit->files, unit->file_count)))
            goto out_of_memory;
    }
    analysis->program_key = program_key(plan, keys, options, hashes, error);
    result = analysis->program_key ? 0 : -1;
    goto done;
out_of_memory:
    ll_error_set(error, "out of memory");
done:
    for (size_t i = 0; keys && i < plan->count; i++)
        free(keys[i]);
    free(keys);
    return result;
}

/* ---- Reusing a run -------------------------------------------------------------- */
static bool not_unused_suppression(const ll_finding *finding, void *context)
{
    (void)context;
    return strcmp(finding->rule, LL_UNUSED_SUPPRESSION) != 0;
}

/* When every TU is unchanged and a complete run of the same program key
 * exists, takes its findings as they were before suppression, and the
 * probes' file lists as the units (for suppressions): 1. 0 when there is
 * nothing to reuse, -1 on error. */
static int reuse_run(const ll_plan *plan, const ll_analysis_options *options,
                     ll_file_hashes *hashes, probe *probes, ll_analysis *analysis, ll_error *error)
{
    if (!options->store || !options->use_cache || options->files || !plan->count)
        return 0;
    char **keys = calloc(plan->count, sizeof *keys);
    if (!keys)
        return ll_error_set(error, "out of memory");
    for (size_t i = 0; i < plan->count; i++) {
        if (probes[i].state != PROBE_FRESH) {
            free(keys);
            return 0;
        }
        keys[i] = probes[i].key;
    }
    char *key = program_key(plan, keys, options, hashes, error);
    free(keys);
    int64_t run_id = 0;
    int found = key ? ll_store_run_find_program(options->store, key, &run_id, error) : -1;
    if (found <= 0 ||
        ll_store_findings_load(options->store, run_id, &analysis->findings, error) < 0) {
        free(key);
        return found <= 0 ? found : -1;
    }
    ll_findings_filter(&analysis->findings, not_unused_suppression, NULL);
    for (size_t i = 0; i < analysis->findings.count; i++) {
        ll_finding *finding = &analysis->findings.items[i];
        finding->suppressed = false;
        free(finding->reason);
        finding->reason = NULL;
    }
    for (size_t i = 0; i < plan->count; i++) {
        analysis->units[i] = probes[i].files;
        probes[i].files = NULL;
    }
    atomic_store(&analysis->statistics.units_cached, plan->count);
    analysis->program_key = key;
    analysis->reused_run = run_id;
    return 1;
}

/* ---- Extraction ----------------------------------------------------------------- */
typedef struct collector {
    ll_analysis *analysis;
    const ll_analysis_options *options;
    const ll_plan *plan; /* the commands being parsed */
    size_t *slots;       /* plan index -> index in analysis->units */
    size_t done, total;
    double started;
    bool progress_shown;
    ll_error *error;
} collector;

static void show_progress(collector *collect, const char *path)
{
    if (collect->options->quiet || !isatty(STDERR_FILENO))
        return;
    if (!collect->progress_shown && ll_seconds() - collect->started < 1.0)
        return;
    collect->progress_shown = true;
    fprintf(stderr, "\r\033[K[%zu/%zu] %s", collect->done, collect->total, path);
    fflush(stderr);
}

/* Called once a finished unit is kept (so that the next run reuses it):
 * failing makes ll_front_extract hand out no more TUs. */
static int stop_if_interrupted(const collector *collect)
{
    const volatile sig_atomic_t *interrupted = collect->options->interrupted;
    return interrupted && *interrupted ? ll_error_set(collect->error, "interrupted") : 0;
}

static int unit_done(void *context, size_t index, ll_unit *unit)
{
    collector *collect = context;
    ll_analysis *analysis = collect->analysis;
    const ll_command *command = &collect->plan->commands[index];
    analysis->units[collect->slots[index]] = unit;
    collect->done++;
    atomic_fetch_add(&analysis->statistics.units_parsed, 1);
    show_progress(collect, command->file);
    if (!collect->options->store || unit->parse_failed)
        return stop_if_interrupted(collect);
    char *key = cache_key(command, unit->files, unit->file_count);
    if (!key)
        return ll_error_set(collect->error, "out of memory");
    double started = ll_seconds();
    int result = ll_store_unit_save(collect->options->store, unit, key, collect->error);
    analysis->statistics.seconds_store += ll_seconds() - started;
    free(key);
    return result < 0 ? -1 : stop_if_interrupted(collect);
}

/* Loads a probed TU's stored facts: 1 (unit set), 0 (parse it), -1. */
static int load_stored(const ll_analysis_options *options, const ll_command *command,
                       const probe *probed, ll_unit **unit, ll_error *error)
{
    if (probed->state == PROBE_PARSE)
        return 0;
    const char *key = probed->state == PROBE_FRESH ? probed->key : NULL;
    return ll_store_unit_load(options->store, command->file, key, unit, error);
}

static int extract(const ll_plan *plan, const ll_analysis_options *options, const probe *probes,
                   ll_analysis *analysis, ll_error *error)
{
    ll_plan pending = {0};
    size_t *slots = calloc(plan->count ? plan->count : 1, sizeof *slots);
    int result = -1;
    if (!slots) {
        ll_error_set(error, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < plan->count; i++) {
        const ll_command *command = &plan->commands[i];
        int loaded = load_stored(options, command, &probes[i], &analysis->units[i], error);
        if (loaded < 0)
            goto done;
        if (loaded) {
            atomic_fetch_add(&analysis->statistics.units_cached, 1);
            continue;
        }
        if (ll_plan_add(&pending, command->file, command->directory,
                        (const char *const *)command->arguments, command->argument_count,
                        error) < 0)
            goto done;
        slots[pending.count - 1] = i;
    }
    collector collect = {
        .analysis = analysis,
        .options = options,
        .plan = &pending,
        .slots = slots,
        .total = pending.count,
        .started = ll_seconds(),
        .error = error,
    };
    result =
        pending.count ? ll_front_extract(&pending, options->jobs, unit_done, &collect, error) : 0;
    if (collect.progress_shown)
        fprintf(stderr, "\r\033[K");
done:
    ll_plan_free(&pending);
    free(slots);
    return result;
}

/* ---- Checks --------------------------------------------------------------------- */
static int report_diagnostics(ll_analysis *analysis)
{
    for (size_t u = 0; u < analysis->unit_count; u++) {
        const ll_unit *unit = analysis->units[u];
        bool failed = unit->parse_failed;
        for (uint32_t d = 0; d < unit->diagnostic_count; d++) {
            const ll_diagnostic *diagnostic = &unit->diagnostics[d];
            if (!diagnostic->is_error)
                continue;
            failed = true;
            const char *file = diagnostic->location.file == LL_NONE
                                   ? unit->path
                                   : ll_unit_file_path(unit, diagnostic->location);
            if (!ll_findings_add(&analysis->findings, clang_diagnostic, LL_SEVERITY_ERROR, file,
                                 diagnostic->location.line, diagnostic->location.column, "", "",
                                 diagnostic->message))
                return -1;
        }
        if (failed)
            atomic_fetch_add(&analysis->statistics.units_failed, 1);
    }
    return 0;
}

/* The ID:OPTION switches that are on, for the checks: those the command
 * line or the configuration enable and the command line does not turn
 * off. NULL-terminated; the strings are borrowed. */
static const char **enabled_options(const ll_analysis_options *options)
{
    const char *const *lists[] = {
        options->enabled,
        options->config ? (const char *const *)options->config->enabled : NULL,
    };
    size_t capacity = 1;
    for (size_t l = 0; l < 2; l++) {
        for (const char *const *each = lists[l]; each && *each; each++)
            capacity++;
    }
    const char **on = calloc(capacity, sizeof *on);
    size_t count = 0;
    for (size_t l = 0; on && l < 2; l++) {
        for (const char *const *each = lists[l]; each && *each; each++) {
            if (strchr(*each, ':') && ll_analysis_rule_enabled(options, *each))
                on[count++] = *each;
        }
    }
    return on;
}

/* Which of a unit's files are among a partial run's files: a malloc'd
 * array of unit->file_count flags (NULL when out of memory). */
static bool *files_in_scope(const ll_unit *unit, const ll_analysis_options *options)
{
    bool *in_scope = calloc(unit->file_count ? unit->file_count : 1, sizeof *in_scope);
    for (uint32_t i = 0; in_scope && i < unit->file_count; i++)
        in_scope[i] = listed_path(options->files, unit->files[i].path);
    return in_scope;
}

/* Whether a partial run checks a function: defined in one of its files, or
 * with a call there (a macro from a header expands to calls in the file). */
static bool function_in_scope(const ll_function *function, const bool *in_scope,
                              uint32_t file_count)
{
    if (function->location.file < file_count && in_scope[function->location.file])
        return true;
    for (uint32_t c = 0; c < function->call_count; c++) {
        ll_index file = function->calls[c].location.file;
        if (file < file_count && in_scope[file])
            return true;
    }
    return false;
}

/* The functions a partial run checks (function_in_scope), indexed by
 * function id: 0 and *scope set, or NULL for a whole-program run; -1 when
 * out of memory. */
static int program_scope(const ll_analysis *analysis, const ll_analysis_options *options,
                         bool **scope)
{
    *scope = NULL;
    if (!options->files)
        return 0;
    uint32_t count = ll_program_function_count(analysis->program);
    bool *flags = calloc(count ? count : 1, sizeof *flags);
    if (!flags)
        return -1;
    for (size_t u = 0; u < analysis->unit_count; u++) {
        const ll_unit *unit = analysis->units[u];
        bool *in_scope = files_in_scope(unit, options);
        if (!in_scope) {
            free(flags);
            return -1;
        }
        for (uint32_t f = 0; f < unit->function_count; f++) {
            const ll_function *function = &unit->functions[f];
            uint32_t id = ll_program_function_id(analysis->program, function);
            if (id < count && function_in_scope(function, in_scope, unit->file_count))
                flags[id] = true;
        }
        free(in_scope);
    }
    *scope = flags;
    return 0;
}

/* Runs a check_function hook over every definition of the program, or
 * over those in the scope of a partial run. */
static int check_functions(const ll_check *check, const ll_check_context *context, ll_findings *out)
{
    uint32_t count = ll_program_function_count(context->program);
    for (uint32_t id = 0; id < count; id++) {
        const ll_unit *unit;
        const ll_function *function = ll_program_function(context->program, id, &unit);
        if ((!context->scope || context->scope[id]) &&
            check->check_function(context, unit, function, out) < 0)
            return -1;
    }
    return 0;
}

static int run_checks(ll_analysis *analysis, const ll_analysis_options *options)
{
    const char **switches = enabled_options(options);
    bool *scope = NULL;
    ll_summaries *summaries = NULL;
    int result = -1;
    if (!switches || program_scope(analysis, options, &scope) < 0)
        goto done;
    /* Function summaries are shared by every check that follows handles
       through calls: computed once here, not once per check, and in a
       partial run only for what the functions in scope can reach. */
    summaries = ll_summaries_new_within(analysis->program, options->packs, scope);
    if (!summaries)
        goto done;
    ll_check_context context = {
        .program = analysis->program,
        .packs = options->packs,
        .options = switches,
        .statistics = &analysis->statistics,
        .summaries = summaries,
        .scope = scope,
    };
    size_t count;
    const ll_check *const *checks = ll_checks(&count);
    for (size_t c = 0; c < count; c++) {
        const ll_check *check = checks[c];
        if (!ll_analysis_rule_enabled(options, check->id))
            continue;
        if (check->check_function && check_functions(check, &context, &analysis->findings) < 0)
            goto done;
        if (check->check_program && check->check_program(&context, &analysis->findings) < 0)
            goto done;
    }
    if (ll_analysis_rule_enabled(options, clang_diagnostic) && report_diagnostics(analysis) < 0)
        goto done;
    result = 0;
done:
    ll_summaries_free(summaries);
    free(scope);
    free(switches);
    return result;
}

/* ---- Exclusions, severities, suppressions --------------------------------------- */
static bool excluded(const ll_analysis_options *options, const char *path)
{
    if (!options->config || !options->config->exclude_count || !options->root || !*path)
        return false;
    char *relative = ll_path_relative(path, options->root);
    /* Out of memory: analysed, as if not excluded. */
    bool result = relative && ll_config_excludes(options->config, relative);
    free(relative);
    return result;
}

static bool not_excluded(const ll_finding *finding, void *context)
{
    return !excluded(context, finding->place.file);
}

/* Whether a finding belongs to the run: any, or one in a partial run's files. */
static bool in_run_scope(const ll_finding *finding, void *context)
{
    const ll_analysis_options *options = context;
    return !options->files || listed_path(options->files, finding->place.file);
}

/* The plan without the commands of excluded files. */
static int select_commands(const ll_plan *plan, const ll_analysis_options *options,
                           ll_plan *selected, ll_error *error)
{
    selected->duplicates_skipped = plan->duplicates_skipped;
    selected->other_configs_skipped = plan->other_configs_skipped;
    for (size_t i = 0; i < plan->count; i++) {
        const ll_command *command = &plan->commands[i];
        if (!excluded(options, command->file) &&
            ll_plan_add(selected, command->file, command->directory,
                        (const char *const *)command->arguments, command->argument_count,
                        error) < 0)
            return -1;
    }
    return 0;
}

/* A growable list of borrowed strings, NULL-terminated. */
typedef struct borrowed_list {
    const char **items;
    size_t count, capacity;
} borrowed_list;

static int borrowed_add(borrowed_list *list, const char *item)
{
    if (list->count + 1 >= list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 64;
        const char **bigger = realloc(list->items, capacity * sizeof *bigger);
        if (!bigger)
            return -1;
        list->items = bigger;
        list->capacity = capacity;
    }
    list->items[list->count++] = item;
    list->items[list->count] = NULL;
    return 0;
}

/* What ll_suppressions_apply needs: every id, the ids that ran, and the
 * program's own files (those under the root, not excluded). */
static int suppress(ll_analysis *analysis, const ll_analysis_options *options, ll_error *error)
{
    borrowed_list known = {0};
    borrowed_list active = {0};
    borrowed_list files = {0};
    int result = -1;
    for (size_t i = 0; i < ll_analysis_rule_count(); i++) {
        const char *id = ll_analysis_rule_at(i)->id;
        if (borrowed_add(&known, id) < 0 ||
            (ll_analysis_rule_enabled(options, id) && borrowed_add(&active, id) < 0))
            goto out_of_memory;
    }
    for (size_t u = 0; options->root && u < analysis->unit_count; u++) {
        const ll_unit *unit = analysis->units[u];
        for (uint32_t f = 0; f < unit->file_count; f++) {
            const char *path = unit->files[f].path;
            if (ll_path_is_under(path, options->root) && !excluded(options, path) &&
                (!options->files || listed_path(options->files, path)) &&
                borrowed_add(&files, path) < 0)
                goto out_of_memory;
        }
    }
    ll_suppress_options suppress_options = {
        .files = files.items,
        .known = known.items,
        .active = active.items,
        .report_unused = ll_analysis_rule_enabled(options, LL_UNUSED_SUPPRESSION),
    };
    result = ll_suppressions_apply(&analysis->findings, &suppress_options, error);
    goto done;
out_of_memory:
    ll_error_set(error, "out of memory");
done:
    free(known.items);
    free(active.items);
    free(files.items);
    return result;
}

static void apply_severities(ll_findings *findings, const ll_analysis_options *options)
{
    for (size_t i = 0; options->config && i < findings->count; i++) {
        const ll_check *check = ll_analysis_rule_find(findings->items[i].rule);
        if (check)
            findings->items[i].severity = ll_analysis_rule_severity(options, check);
    }
}

/* Extracts (or loads) every unit, links and checks: the whole analysis,
 * when no earlier run could be reused. */
static int analyse(const ll_plan *plan, const ll_analysis_options *options, const probe *probes,
                   ll_analysis *analysis, ll_error *error)
{
    double started = ll_seconds();
    if (extract(plan, options, probes, analysis, error) < 0)
        return -1;
    analysis->statistics.seconds_extract += ll_seconds() - started;

    started = ll_seconds();
    analysis->program = ll_program_link(analysis->units, analysis->unit_count, options->packs,
                                        &analysis->statistics, error);
    if (!analysis->program)
        return -1;
    analysis->statistics.seconds_link = ll_seconds() - started;

    started = ll_seconds();
    if (run_checks(analysis, options) < 0)
        return ll_error_set(error, "out of memory while checking");
    analysis->statistics.seconds_check = ll_seconds() - started;
    return 0;
}

int ll_analysis_run(const ll_plan *plan, const ll_analysis_options *options, ll_analysis *analysis,
                    ll_error *error)
{
    memset(analysis, 0, sizeof *analysis);
    ll_findings_init(&analysis->findings);
    ll_plan selected = {0};
    ll_file_hashes hashes;
    ll_file_hashes_init(&hashes);
    probe *probes = NULL;
    int result = -1;
    if (options->config && options->config->exclude_count) {
        if (select_commands(plan, options, &selected, error) < 0)
            goto done;
        plan = &selected;
    }
    analysis->units = calloc(plan->count ? plan->count : 1, sizeof *analysis->units);
    if (!analysis->units) {
        ll_error_set(error, "out of memory");
        goto done;
    }
    analysis->unit_count = plan->count;
    atomic_store(&analysis->statistics.units, plan->count);
    atomic_store(&analysis->statistics.commands_duplicate, plan->duplicates_skipped);
    atomic_store(&analysis->statistics.commands_other_config, plan->other_configs_skipped);

    double started = ll_seconds();
    if (!(probes = probe_commands(plan, options, &hashes, error)))
        goto done;
    int reused = reuse_run(plan, options, &hashes, probes, analysis, error);
    if (reused < 0)
        goto done;
    analysis->statistics.seconds_extract = ll_seconds() - started;
    if (!reused && (analyse(plan, options, probes, analysis, error) < 0 ||
                    record_program_key(plan, options, &hashes, analysis, error) < 0))
        goto done;

    started = ll_seconds();
    ll_findings_filter(&analysis->findings, not_excluded, (void *)options);
    ll_findings_filter(&analysis->findings, in_run_scope, (void *)options);
    if (suppress(analysis, options, error) < 0)
        goto done;
    apply_severities(&analysis->findings, options);
    ll_findings_sort(&analysis->findings);
    analysis->statistics.seconds_check += ll_seconds() - started;
    result = 0;
done:
    probes_free(probes, plan->count);
    ll_file_hashes_free(&hashes);
    ll_plan_free(&selected);
    return result;
}

void ll_analysis_free(ll_analysis *analysis)
{
    ll_program_free(analysis->program);
    for (size_t i = 0; i < analysis->unit_count; i++)
        ll_unit_free(analysis->units[i]);
    free(analysis->units);
    free(analysis->program_key);
    ll_findings_free(&analysis->findings);
    memset(analysis, 0, sizeof *analysis);
}
