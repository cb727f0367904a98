/*
 * check.c - `looplint check`: analyse the program of a compile database,
 * store the run, print the findings, gate on --fail-on.
 *
 * With FILE operands the run is partial (analyze.h): only the TUs of those
 * files are checked for changes and parsed again, the others' facts come
 * from the store as they are, and the whole program is linked, so chains
 * through other files still show; only the findings located in FILE are
 * reported, gated on and stored. The store marks the run partial, so that
 * `report` and `baseline` keep to the latest run over the whole program.
 *
 * The project root (locate.h) is found before anything is loaded: its
 * .looplint file chooses checks, severities, extra packs and exclusions,
 * and the command line's --enable/--disable override it. Suppressed
 * findings are stored like the others; the report and the gate skip them
 * unless --show-suppressed asks for them in the report. With --baseline,
 * so do they skip the findings whose fingerprints the baseline holds.
 *
 * SIGINT and SIGTERM stop a run gracefully: the handler only sets a flag,
 * the pipeline hands out no more TUs once it sees it, the TUs finished so
 * far stay stored for the next run, the run is marked 'incomplete', and
 * the exit status is 128 + the signal, as a shell expects. The handler
 * resets itself, so a second signal kills at once.
 */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include "analyze.h"
#include "arguments.h"
#include "cli.h"
#include "commands.h"
#include "list.h"
#include "locate.h"
#include "report/report.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: looplint check [-p BUILD_DIR] [FILE...] [options]\n"
    "\n"
    "Analyses every translation unit of the compilation database, stores the\n"
    "run, prints the findings and exits 1 when one is at or above --fail-on.\n"
    "Reads .looplint at the project root (docs/configuration.md); the options\n"
    "below override it.\n"
    "\n"
    "  -p, --build-dir DIR   where compile_commands.json is (default: the nearest\n"
    "                        one upward from here, or in build/, as clangd looks)\n"
    "  FILE...               report only findings in these files, analysing only\n"
    "                        their TUs again (the rest comes from the store)\n"
    "  -j, --jobs N          parse on N threads (default: one per core)\n"
    "  --db PATH             the store (default: BUILD_DIR/.looplint/looplint.db)\n"
    "  --rules PACK          load another rule pack (repeatable)\n"
    "  --enable ID,...       enable checks or options (blocking-call:console)\n"
    "  --disable ID,...      disable checks (clang-diagnostic too)\n"
    "  --format FORMAT       text (default), gcc, json, sarif, html or codeclimate\n"
    "  --fail-on LEVEL       error, warning (default), note or never\n"
    "  --show-suppressed     print the findings that comments suppress, too\n"
    "  --baseline NAME|FILE  report and gate on findings not in this baseline\n"
    "                        (looplint baseline; FILE.json: an export)\n"
    "  --all-configs         analyse a file once per distinct set of flags\n"
    "  --no-cache            parse every TU, even unchanged ones, and do not\n"
    "                        reuse the findings of an identical earlier run\n"
    "  --no-color            no colour even on a terminal\n"
    "  -q, --quiet           no progress line\n"
    "  --stats               print statistics on stderr\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 nothing at or above --fail-on, 1 findings, 2 usage or\n"
    "configuration error, 3 the analysis could not run.\n";

enum {
    OPTION_BUILD_DIR,
    OPTION_JOBS,
    OPTION_DB,
    OPTION_RULES,
    OPTION_ENABLE,
    OPTION_DISABLE,
    OPTION_FORMAT,
    OPTION_FAIL_ON,
    OPTION_ALL_CONFIGS,
    OPTION_NO_CACHE,
    OPTION_NO_COLOR,
    OPTION_QUIET,
    OPTION_STATS,
    OPTION_SHOW_SUPPRESSED,
    OPTION_BASELINE,
    OPTION_HELP,
};

static const ll_option_spec specs[] = {
    [OPTION_BUILD_DIR] = {"build-dir", 'p', true},
    [OPTION_JOBS] = {"jobs", 'j', true},
    [OPTION_DB] = {"db", 0, true},
    [OPTION_RULES] = {"rules", 0, true},
    [OPTION_ENABLE] = {"enable", 0, true},
    [OPTION_DISABLE] = {"disable", 0, true},
    [OPTION_FORMAT] = {"format", 0, true},
    [OPTION_FAIL_ON] = {"fail-on", 0, true},
    [OPTION_ALL_CONFIGS] = {"all-configs", 0, false},
    [OPTION_NO_CACHE] = {"no-cache", 0, false},
    [OPTION_NO_COLOR] = {"no-color", 0, false},
    [OPTION_QUIET] = {"quiet", 'q', false},
    [OPTION_STATS] = {"stats", 0, false},
    [OPTION_SHOW_SUPPRESSED] = {"show-suppressed", 0, false},
    [OPTION_BASELINE] = {"baseline", 0, true},
    [OPTION_HELP] = {"help", 'h', false},
    {NULL, 0, false},
};

typedef struct check_settings {
    const char *build_directory;
    const char *store_path;
    const char *baseline; /* a name in the store, or an exported FILE.json */
    ll_string_list files, rules, enabled, disabled;
    enum ll_format format;
    int fail_on; /* minimum severity that fails, or -1 for never */
    unsigned jobs;
    bool all_configs, no_cache, no_color, quiet, stats, show_suppressed;
} check_settings;

static int parse_fail_on(const char *text, int *level)
{
    if (strcmp(text, "never") == 0) {
        *level = -1;
        return 0;
    }
    enum ll_severity severity;
    if (ll_severity_parse(text, &severity) < 0)
        return -1;
    *level = (int)severity;
    return 0;
}

static int parse_jobs(const char *text, unsigned *jobs)
{
    char *end;
    long value = strtol(text, &end, 10);
    if (*end || value < 1 || value > 1024)
        return -1;
    *jobs = (unsigned)value;
    return 0;
}

/* 0 to go on, else the exit code (help printed, or a usage error). */
static int parse_settings(int argc, char **argv, check_settings *settings)
{
    ll_arguments arguments;
    ll_arguments_init(&arguments, argc, argv, specs);
    settings->fail_on = LL_SEVERITY_WARNING;
    for (ll_argument argument = ll_arguments_next(&arguments); argument.kind != LL_ARGUMENT_END;
         argument = ll_arguments_next(&arguments)) {
        if (argument.kind == LL_ARGUMENT_ERROR) {
            fprintf(stderr, "looplint check: %s\n%s", argument.message, usage);
            return LL_EXIT_USAGE;
        }
        if (argument.kind == LL_ARGUMENT_OPERAND) {
            if (ll_string_list_add(&settings->files, argument.value) < 0)
                return LL_EXIT_ANALYSIS;
            continue;
        }
        const char *value = argument.value;
        int bad = 0;
        switch (argument.spec - specs) {
        case OPTION_BUILD_DIR:
            settings->build_directory = value;
            break;
        case OPTION_JOBS:
            bad = parse_jobs(value, &settings->jobs);
            break;
        case OPTION_DB:
            settings->store_path = value;
            break;
        case OPTION_RULES:
            bad = ll_string_list_add(&settings->rules, value);
            break;
        case OPTION_ENABLE:
            bad = ll_string_list_add_ids(&settings->enabled, value);
            break;
        case OPTION_DISABLE:
            bad = ll_string_list_add_ids(&settings->disabled, value);
            break;
        case OPTION_FORMAT:
            bad = ll_format_parse(value, &settings->format);
            break;
        case OPTION_FAIL_ON:
            bad = parse_fail_on(value, &settings->fail_on);
            break;
        case OPTION_ALL_CONFIGS:
            settings->all_configs = true;
            break;
        case OPTION_NO_CACHE:
            settings->no_cache = true;
            break;
        case OPTION_NO_COLOR:
            settings->no_color = true;
            break;
        case OPTION_QUIET:
            settings->quiet = true;
            break;
        case OPTION_STATS:
            settings->stats = true;
            break;
        case OPTION_SHOW_SUPPRESSED:
            settings->show_suppressed = true;
            break;
        case OPTION_BASELINE:
            settings->baseline = value;
            break;
        case OPTION_HELP:
            fputs(usage, stdout);
            return -1;
        default: /* specs holds no other option */
            break;
        }
        if (bad) {
            fprintf(stderr, "looplint check: bad value '%s' for --%s\n", value,
                    argument.spec->long_name);
            return LL_EXIT_USAGE;
        }
    }
    return 0;
}

typedef struct baseline_set {
    char **fingerprints; /* sorted */
    size_t count;
} baseline_set;

/* Whether a finding is new: its fingerprint is not in the baseline. */
static bool not_in_baseline(const ll_finding *finding, void *context)
{
    const baseline_set *baseline = context;
    return !ll_fingerprints_contain(baseline->fingerprints, baseline->count, finding->fingerprint);
}

/* The number of the signal that asked to stop, 0 before one does. The
 * only global: a signal handler can reach nothing else. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int signal_number)
{
    interrupted = signal_number;
}

static const int stop_signals[] = {SIGINT, SIGTERM};

enum { STOP_SIGNAL_COUNT = sizeof stop_signals / sizeof stop_signals[0] };

/* The dispositions that catch_stop_signals replaced. */
typedef struct saved_handlers {
    struct sigaction actions[STOP_SIGNAL_COUNT];
    bool installed;
} saved_handlers;

static void catch_stop_signals(saved_handlers *saved)
{
    struct sigaction action = {.sa_handler = on_interrupt, .sa_flags = SA_RESETHAND};
    sigemptyset(&action.sa_mask);
    interrupted = 0;
    for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++)
        sigaction(stop_signals[i], &action, &saved->actions[i]);
    saved->installed = true;
}

static void restore_stop_signals(saved_handlers *saved)
{
    for (size_t i = 0; saved->installed && i < STOP_SIGNAL_COUNT; i++)
        sigaction(stop_signals[i], &saved->actions[i], NULL);
    saved->installed = false;
}

static char *statistics_json(const ll_analysis *analysis)
{
    const ll_statistics *statistics = &analysis->statistics;
    json_t *object = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
        " s:f, s:f, s:f, s:f, s:f}",
        "units", (json_int_t)statistics->units, "units_parsed",
        (json_int_t)statistics->units_parsed, "units_cached", (json_int_t)statistics->units_cached,
        "units_failed", (json_int_t)statistics->units_failed, "commands_duplicate",
        (json_int_t)statistics->commands_duplicate, "commands_other_config",
        (json_int_t)statistics->commands_other_config, "functions",
        (json_int_t)statistics->functions, "calls", (json_int_t)statistics->calls, "roots",
        (json_int_t)statistics->roots, "indirect_unresolved",
        (json_int_t)statistics->indirect_unresolved, "ambiguous_calls",
        (json_int_t)statistics->ambiguous_calls, "ownership_unknown",
        (json_int_t)statistics->ownership_unknown, "ownership_gave_up",
        (json_int_t)statistics->ownership_gave_up, "seconds_plan", statistics->seconds_plan,
        "seconds_extract", statistics->seconds_extract, "seconds_link", statistics->seconds_link,
        "seconds_check", statistics->seconds_check, "seconds_store", statistics->seconds_store);
    if (object && analysis->reused_run &&
        json_object_set_new(object, "reused_run", json_integer(analysis->reused_run)) < 0) {
        json_decref(object);
        return NULL;
    }
    char *text = object ? json_dumps(object, JSON_COMPACT) : NULL;
    json_decref(object);
    return text;
}

/* `report_seconds`: writing the report, which the stored statistics
 * cannot include. */
static void print_statistics(const ll_analysis *analysis, double report_seconds)
{
    const ll_statistics *statistics = &analysis->statistics;
    if (analysis->reused_run)
        fprintf(stderr,
                "looplint: no TU changed since run %lld: its findings reused "
                "(no facts loaded, no link, no checks)\n",
                (long long)analysis->reused_run);
    fprintf(stderr,
            "looplint: %zu TUs: %zu parsed, %zu cached, %zu with errors; "
            "%zu duplicate and %zu other-config commands skipped\n"
            "looplint: %zu functions, %zu calls, %zu loop roots; %zu indirect calls "
            "unresolved, %zu ambiguous calls dropped\n"
            "looplint: ownership: %zu handles passed to unknown callees, %zu functions "
            "beyond the path limit\n"
            "looplint: time: plan %.3f s, extract %.3f s (store %.3f s), link %.3f s, "
            "checks %.3f s, report %.3f s\n",
            (size_t)statistics->units, (size_t)statistics->units_parsed,
            (size_t)statistics->units_cached, (size_t)statistics->units_failed,
            (size_t)statistics->commands_duplicate, (size_t)statistics->commands_other_config,
            (size_t)statistics->functions, (size_t)statistics->calls, (size_t)statistics->roots,
            (size_t)statistics->indirect_unresolved, (size_t)statistics->ambiguous_calls,
            (size_t)statistics->ownership_unknown, (size_t)statistics->ownership_gave_up,
            statistics->seconds_plan, statistics->seconds_extract, statistics->seconds_store,
            statistics->seconds_link, statistics->seconds_check, report_seconds);
}

static char *joined_argv(int argc, char **argv)
{
    size_t length = 1;
    for (int i = 0; i < argc; i++)
        length += strlen(argv[i]) + 1;
    char *text = malloc(length);
    if (!text)
        return NULL;
    char *end = text;
    for (int i = 0; i < argc; i++) {
        size_t size = strlen(argv[i]);
        if (i)
            *end++ = ' ';
        memcpy(end, argv[i], size);
        end += size;
    }
    *end = '\0';
    return text;
}

/* The FILE operands one per line, as the store keeps a partial run's scope. */
static char *joined_lines(const ll_string_list *files)
{
    size_t length = 1;
    for (size_t i = 0; i < files->count; i++)
        length += strlen(files->items[i]) + 1;
    char *text = malloc(length);
    if (!text)
        return NULL;
    char *end = text;
    for (size_t i = 0; i < files->count; i++)
        end = stpcpy(stpcpy(end, files->items[i]), "\n");
    *end = '\0';
    return text;
}

static int gate(const ll_findings *findings, int fail_on)
{
    if (fail_on < 0)
        return LL_EXIT_CLEAN;
    for (size_t i = 0; i < findings->count; i++)
        if (!findings->items[i].suppressed && (int)findings->items[i].severity >= fail_on)
            return LL_EXIT_FINDINGS;
    return LL_EXIT_CLEAN;
}

/* Makes FILE operands absolute; a file that does not exist is an error. */
static int resolve_files(ll_string_list *files, ll_error *error)
{
    for (size_t i = 0; i < files->count; i++) {
        if (!ll_is_file(files->items[i]))
            return ll_error_set(error, "%s: no such file", files->items[i]);
        char *absolute = realpath(files->items[i], NULL);
        if (!absolute)
            return ll_error_set(error, "%s: cannot resolve the path", files->items[i]);
        free(files->items[i]);
        files->items[i] = absolute;
    }
    return 0;
}

/* Records the run's start in the store: the command line, and for
 * `check FILE...` its scope. */
static int begin_run(const check_settings *settings, ll_store *store, const char *root, int argc,
                     char **argv, int64_t *run_id, ll_error *error)
{
    char *command_line = joined_argv(argc, argv);
    char *scope = settings->files.count ? joined_lines(&settings->files) : NULL;
    ll_run_info info = {LOOPLINT_VERSION, root, command_line ? command_line : "", scope};
    int begun = !command_line || (settings->files.count && !scope)
                    ? ll_error_set(error, "out of memory")
                    : ll_store_run_begin(store, &info, run_id, error);
    free(command_line);
    free(scope);
    return begun;
}

/* Prints the findings in the chosen format, then the statistics if asked. */
static int write_report(const check_settings *settings, const ll_analysis_options *options,
                        const ll_analysis *analysis, ll_error *error)
{
    size_t rule_count = 0;
    ll_report_rule *rules = ll_analysis_report_rules(options, &rule_count);
    if (!rules)
        return ll_error_set(error, "out of memory");
    ll_report_options report = {
        .format = settings->format,
        .color = !settings->no_color && settings->format == LL_FORMAT_TEXT &&
                 isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
        .root = options->root,
        .show_suppressed = settings->show_suppressed,
        .version = LOOPLINT_VERSION,
        .rules = rules,
        .rule_count = rule_count,
    };
    double started = ll_seconds();
    int written = ll_report_write(stdout, &analysis->findings, &report, error);
    free(rules);
    if (written < 0)
        return -1;
    if (settings->stats)
        print_statistics(analysis, ll_seconds() - started);
    return 0;
}

static int run(check_settings *settings, int argc, char **argv)
{
    ll_error error = {{0}};
    ll_plan plan = {0};
    ll_packs *packs = NULL;
    ll_store *store = NULL;
    ll_analysis analysis = {0};
    ll_config config = {0};
    char *database = NULL;
    char *root = NULL;
    char *store_path = NULL;
    baseline_set baseline = {0};
    int64_t run_id = 0;
    bool run_complete = false;
    saved_handlers handlers = {0};
    int status = LL_EXIT_USAGE;

    double started = ll_seconds();
    if (ll_config_init(&config) < 0) {
        ll_error_set(&error, "out of memory");
        goto fail;
    }
    if (ll_analysis_validate_rules((const char *const *)settings->enabled.items, &error) < 0 ||
        ll_analysis_validate_rules((const char *const *)settings->disabled.items, &error) < 0 ||
        resolve_files(&settings->files, &error) < 0)
        goto fail;
    status = LL_EXIT_ANALYSIS;
    database = ll_locate_database(settings->build_directory, &error);
    if (!database || ll_plan_load(&plan, database, settings->all_configs, &error) < 0)
        goto fail;
    status = LL_EXIT_USAGE;
    if (!(root = ll_locate_project_root(database))) {
        ll_error_set(&error, "out of memory");
        goto fail;
    }
    if (ll_cli_load_config(root, &config, &error) < 0 ||
        !(packs = ll_cli_load_packs(&config, (const char *const *)settings->rules.items, &error)))
        goto fail;
    store_path =
        settings->store_path ? strdup(settings->store_path) : ll_locate_default_store(database);
    if (!store_path) {
        ll_error_set(&error, "out of memory");
        goto fail;
    }
    /* A store that cannot be written is a run that cannot happen (3), not
       a database that is not looplint's (2). */
    status = LL_EXIT_ANALYSIS;
    if (ll_store_writable(store_path, &error) < 0)
        goto fail;
    status = LL_EXIT_USAGE;
    if (!(store = ll_store_open(store_path, &error)))
        goto fail;
    if (settings->baseline &&
        ll_cli_baseline_read(store, settings->baseline, &baseline.fingerprints, &baseline.count,
                             &error) < 0)
        goto fail;
    status = LL_EXIT_ANALYSIS;
    if (begin_run(settings, store, root, argc, argv, &run_id, &error) < 0)
        goto fail;
    catch_stop_signals(&handlers);

    ll_analysis_options options = {
        .jobs = settings->jobs,
        .packs = packs,
        .enabled = (const char *const *)settings->enabled.items,
        .disabled = (const char *const *)settings->disabled.items,
        .config = &config,
        .root = root,
        .store = store,
        .use_cache = !settings->no_cache,
        .files = settings->files.count ? (const char *const *)settings->files.items : NULL,
        .quiet = settings->quiet,
        .interrupted = &interrupted,
    };
    double planned = ll_seconds();
    if (ll_analysis_run(&plan, &options, &analysis, &error) < 0 || interrupted)
        goto fail;
    analysis.statistics.seconds_plan = planned - started;
    /* Every TU failed: clang's errors are reported, but the analysis did not run. */
    bool nothing_parsed =
        analysis.unit_count && analysis.statistics.units_failed == analysis.unit_count;
    ll_fingerprints_compute(&analysis.findings, root);
    if (analysis.program_key &&
        ll_store_run_set_program_key(store, run_id, analysis.program_key, &error) < 0)
        goto fail;
    char *statistics = statistics_json(&analysis);
    int finished = ll_store_run_finish(store, run_id, &analysis.findings,
                                       statistics ? statistics : "{}", &error);
    free(statistics);
    run_complete = finished == 0;
    /* From here on a signal is no longer ours to handle: the report is
       being printed, and the default of stopping at once is right. */
    restore_stop_signals(&handlers);
    if (finished < 0 || interrupted)
        goto fail;
    if (settings->baseline)
        ll_findings_filter(&analysis.findings, not_in_baseline, &baseline);
    if (write_report(settings, &options, &analysis, &error) < 0)
        goto fail;
    if (nothing_parsed) {
        ll_cli_error("no translation unit could be parsed");
        status = LL_EXIT_ANALYSIS;
    } else {
        status = gate(&analysis.findings, settings->fail_on);
    }
    goto done;
fail:
    if (interrupted) {
        ll_cli_error("interrupted");
        status = 128 + interrupted;
    } else {
        ll_cli_error(error.message);
    }
    if (run_id && !run_complete && ll_store_run_abandon(store, run_id, &error) < 0)
        ll_cli_error(error.message);
done:
    restore_stop_signals(&handlers);
    ll_analysis_free(&analysis);
    ll_fingerprints_free(baseline.fingerprints);
    ll_store_close(store);
    ll_packs_free(packs);
    ll_config_free(&config);
    ll_plan_free(&plan);
    free(database);
    free(root);
    free(store_path);
    return status;
}

int ll_command_check(int argc, char **argv)
{
    check_settings settings = {0};
    int status = parse_settings(argc - 1, argv + 1, &settings);
    if (status == 0)
        status = run(&settings, argc, argv);
    else if (status < 0)
        status = LL_EXIT_CLEAN;
    ll_string_list_free(&settings.files);
    ll_string_list_free(&settings.rules);
    ll_string_list_free(&settings.enabled);
    ll_string_list_free(&settings.disabled);
    return status;
}
