/*
 * analyze.c - the analysis pipeline (analyze.h).
 *
 * Facts cache: a TU is parsed again only when its cache key changed. The
 * key hashes looplint's version, the facts version, the compile command,
 * and the path and content hash of every file the TU read last time (its
 * main file and every header), so an edited header re-analyses exactly
 * the TUs that include it. Packs are not part of the key: facts do not
 * depend on them (the checks, which do, run on every run).
 */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include "analyze.h"

#include "checks/check.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

static bool listed(const char *const *ids, const char *id)
{
    for (const char *const *each = ids; each && *each; each++)
        if (strcmp(*each, id) == 0 || strcmp(*each, "all") == 0)
            return true;
    return false;
}

bool ll_analysis_rule_enabled(const ll_analysis_options *options, const char *id)
{
    if (listed(options->enabled, id))
        return true;
    return !listed(options->disabled, id);
}

int ll_analysis_validate_rules(const char *const *ids, ll_error *error)
{
    for (const char *const *each = ids; each && *each; each++) {
        char id[128];
        snprintf(id, sizeof id, "%s", *each);
        char *colon = strchr(id, ':');
        if (colon)
            *colon = '\0';
        if (strcmp(id, "all") != 0 && strcmp(id, clang_diagnostic) != 0 && !ll_check_find(id))
            return ll_error_set(error, "unknown check '%s' (see `looplint rules`)", id);
    }
    return 0;
}

/* ---- Cache keys --------------------------------------------------------------- */
/* Content hash of a file on disk; false when it cannot be read. */
static bool hash_file(const char *path, uint64_t *hash)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat status;
    bool ok = false;
    if (fstat(fd, &status) == 0 && S_ISREG(status.st_mode)) {
        if (status.st_size == 0) {
            *hash = XXH3_64bits("", 0);
            ok = true;
        } else {
            void *data = mmap(NULL, (size_t)status.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (data != MAP_FAILED) {
                *hash = XXH3_64bits(data, (size_t)status.st_size);
                munmap(data, (size_t)status.st_size);
                ok = true;
            }
        }
    }
    close(fd);
    return ok;
}

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

/* Reads back the stored facts of a command if none of its files changed:
 * 1 (unit set), 0 (parse it), -1 (store error). */
static int load_cached(ll_store *store, const ll_command *command, ll_unit **unit, ll_error *error)
{
    ll_unit *stored = NULL;
    int found = ll_store_unit_files(store, command->file, &stored, error);
    if (found <= 0)
        return found;
    for (uint32_t i = 0; i < stored->file_count; i++) {
        if (!hash_file(stored->files[i].path, &stored->files[i].hash)) {
            ll_unit_free(stored);
            return 0;
        }
    }
    char *key = cache_key(command, stored->files, stored->file_count);
    ll_unit_free(stored);
    if (!key)
        return ll_error_set(error, "out of memory");
    int result = ll_store_unit_load(store, command->file, key, unit, error);
    free(key);
    return result;
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
        return 0;
    char *key = cache_key(command, unit->files, unit->file_count);
    if (!key)
        return ll_error_set(collect->error, "out of memory");
    double started = ll_seconds();
    int result = ll_store_unit_save(collect->options->store, unit, key, collect->error);
    analysis->statistics.seconds_store += ll_seconds() - started;
    free(key);
    return result;
}

static int extract(const ll_plan *plan, const ll_analysis_options *options, ll_analysis *analysis,
                   ll_error *error)
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
        if (options->store && options->use_cache) {
            int cached = load_cached(options->store, command, &analysis->units[i], error);
            if (cached < 0)
                goto done;
            if (cached) {
                atomic_fetch_add(&analysis->statistics.units_cached, 1);
                continue;
            }
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

static int run_checks(ll_analysis *analysis, const ll_analysis_options *options)
{
    ll_check_context context = {
        .program = analysis->program,
        .packs = options->packs,
        .options = options->enabled,
        .statistics = &analysis->statistics,
    };
    size_t count;
    const ll_check *const *checks = ll_checks(&count);
    for (size_t c = 0; c < count; c++) {
        const ll_check *check = checks[c];
        if (!ll_analysis_rule_enabled(options, check->id))
            continue;
        for (size_t u = 0; check->check_function && u < analysis->unit_count; u++) {
            const ll_unit *unit = analysis->units[u];
            for (uint32_t f = 0; f < unit->function_count; f++) {
                const ll_function *function = &unit->functions[f];
                if (function->is_definition &&
                    check->check_function(&context, unit, function, &analysis->findings) < 0)
                    return -1;
            }
        }
        if (check->check_program && check->check_program(&context, &analysis->findings) < 0)
            return -1;
    }
    if (ll_analysis_rule_enabled(options, clang_diagnostic) && report_diagnostics(analysis) < 0)
        return -1;
    return 0;
}

int ll_analysis_run(const ll_plan *plan, const ll_analysis_options *options, ll_analysis *analysis,
                    ll_error *error)
{
    memset(analysis, 0, sizeof *analysis);
    ll_findings_init(&analysis->findings);
    analysis->units = calloc(plan->count ? plan->count : 1, sizeof *analysis->units);
    if (!analysis->units)
        return ll_error_set(error, "out of memory");
    analysis->unit_count = plan->count;
    atomic_store(&analysis->statistics.units, plan->count);
    atomic_store(&analysis->statistics.commands_duplicate, plan->duplicates_skipped);
    atomic_store(&analysis->statistics.commands_other_config, plan->other_configs_skipped);

    double started = ll_seconds();
    if (extract(plan, options, analysis, error) < 0)
        return -1;
    analysis->statistics.seconds_extract = ll_seconds() - started;

    started = ll_seconds();
    analysis->program = ll_program_link(analysis->units, analysis->unit_count, options->packs,
                                        &analysis->statistics, error);
    if (!analysis->program)
        return -1;
    analysis->statistics.seconds_link = ll_seconds() - started;

    started = ll_seconds();
    if (run_checks(analysis, options) < 0)
        return ll_error_set(error, "out of memory while checking");
    ll_findings_sort(&analysis->findings);
    analysis->statistics.seconds_check = ll_seconds() - started;
    return 0;
}

void ll_analysis_free(ll_analysis *analysis)
{
    ll_program_free(analysis->program);
    for (size_t i = 0; i < analysis->unit_count; i++)
        ll_unit_free(analysis->units[i]);
    free(analysis->units);
    ll_findings_free(&analysis->findings);
    memset(analysis, 0, sizeof *analysis);
}
