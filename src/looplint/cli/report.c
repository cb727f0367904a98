/*
 * report.c - `looplint report`: print a stored run's findings again,
 * filtered, in any format, without analysing anything.
 *
 * The run is read from the store `check` wrote (the latest complete run
 * over the whole program unless --run names another: a partial run of
 * `check FILE...` holds only the findings in its files); paths are printed relative to the project
 * root found from the compilation database's directory, as `check` does,
 * so the text of a report equals what `check` printed for that run.
 */
#define _GNU_SOURCE           /* strdup */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "analyze.h"
#include "arguments.h"
#include "cli.h"
#include "commands.h"
#include "list.h"
#include "locate.h"
#include "report/report.h"
#include "store/store.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: looplint report [--db PATH | -p BUILD_DIR] [--run ID|latest] [options]\n"
    "\n"
    "Prints the findings of a stored run (default: the latest complete run over\n"
    "the whole program, not a partial `check FILE...` run)\n"
    "without analysing anything.\n"
    "\n"
    "  -p, --build-dir DIR   where compile_commands.json is (default: the nearest\n"
    "                        one upward from here, or in build/, as clangd looks)\n"
    "  --db PATH             the store (default: BUILD_DIR/.looplint/looplint.db)\n"
    "  --run ID|latest       the run to print (default: latest complete full run)\n"
    "  --format FORMAT       text (default), gcc, json, sarif, html or codeclimate\n"
    "  -o, --output FILE     write the report to FILE instead of stdout\n"
    "  --suppressed          print the findings that comments suppress, too\n"
    "  --rule ID             only findings of this check (repeatable, or ID,...)\n"
    "  --severity LEVEL      only findings at or above LEVEL: error, warning, note\n"
    "  --path REGEX          only findings whose path relative to the project\n"
    "                        root matches REGEX (PCRE2, searched)\n"
    "  --no-color            no colour even on a terminal\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 report printed, 2 usage error or unknown run, 3 the store\n"
    "could not be read or the run is not complete.\n";

enum {
    OPTION_BUILD_DIR,
    OPTION_DB,
    OPTION_RUN,
    OPTION_FORMAT,
    OPTION_OUTPUT,
    OPTION_SUPPRESSED,
    OPTION_RULE,
    OPTION_SEVERITY,
    OPTION_PATH,
    OPTION_NO_COLOR,
    OPTION_HELP,
};

static const ll_option_spec specs[] = {
    [OPTION_BUILD_DIR] = {"build-dir", 'p', true},
    [OPTION_DB] = {"db", 0, true},
    [OPTION_RUN] = {"run", 0, true},
    [OPTION_FORMAT] = {"format", 0, true},
    [OPTION_OUTPUT] = {"output", 'o', true},
    [OPTION_SUPPRESSED] = {"suppressed", 0, false},
    [OPTION_RULE] = {"rule", 0, true},
    [OPTION_SEVERITY] = {"severity", 0, true},
    [OPTION_PATH] = {"path", 0, true},
    [OPTION_NO_COLOR] = {"no-color", 0, false},
    [OPTION_HELP] = {"help", 'h', false},
    {NULL, 0, false},
};

typedef struct report_settings {
    const char *build_directory;
    const char *store_path;
    const char *output;
    const char *path_pattern;
    ll_string_list rules;
    int64_t run_id; /* 0 for the latest complete run */
    enum ll_format format;
    enum ll_severity minimum;
    bool suppressed, no_color;
} report_settings;

/* What a finding must satisfy to be printed. */
typedef struct report_filter {
    const ll_string_list *rules; /* empty: every rule */
    enum ll_severity minimum;
    pcre2_code *path; /* NULL: every path */
    pcre2_match_data *match;
    const char *root;
} report_filter;

/* 0 to go on, -1 after --help, else the exit code of a usage error. */
static int parse_settings(int argc, char **argv, report_settings *settings)
{
    ll_arguments arguments;
    ll_arguments_init(&arguments, argc, argv, specs);
    settings->minimum = LL_SEVERITY_NOTE;
    for (ll_argument argument = ll_arguments_next(&arguments); argument.kind != LL_ARGUMENT_END;
         argument = ll_arguments_next(&arguments)) {
        if (argument.kind == LL_ARGUMENT_ERROR) {
            fprintf(stderr, "looplint report: %s\n%s", argument.message, usage);
            return LL_EXIT_USAGE;
        }
        if (argument.kind == LL_ARGUMENT_OPERAND) {
            fprintf(stderr, "looplint report: unexpected operand '%s'\n%s", argument.value, usage);
            return LL_EXIT_USAGE;
        }
        const char *value = argument.value;
        int bad = 0;
        switch (argument.spec - specs) {
        case OPTION_BUILD_DIR:
            settings->build_directory = value;
            break;
        case OPTION_DB:
            settings->store_path = value;
            break;
        case OPTION_RUN:
            bad = ll_cli_parse_run(value, true, &settings->run_id);
            break;
        case OPTION_FORMAT:
            bad = ll_format_parse(value, &settings->format);
            break;
        case OPTION_OUTPUT:
            settings->output = value;
            break;
        case OPTION_SUPPRESSED:
            settings->suppressed = true;
            break;
        case OPTION_RULE:
            bad = ll_string_list_add_ids(&settings->rules, value);
            break;
        case OPTION_SEVERITY:
            bad = ll_severity_parse(value, &settings->minimum);
            break;
        case OPTION_PATH:
            settings->path_pattern = value;
            break;
        case OPTION_NO_COLOR:
            settings->no_color = true;
            break;
        case OPTION_HELP:
            fputs(usage, stdout);
            return -1;
        default: /* specs holds no other option */
            break;
        }
        if (bad) {
            fprintf(stderr, "looplint report: bad value '%s' for --%s\n", value,
                    argument.spec->long_name);
            return LL_EXIT_USAGE;
        }
    }
    return 0;
}

static bool rule_listed(const ll_string_list *rules, const char *rule)
{
    if (!rules->count)
        return true;
    for (size_t i = 0; i < rules->count; i++)
        if (strcmp(rules->items[i], rule) == 0 || strcmp(rules->items[i], "all") == 0)
            return true;
    return false;
}

static bool keep_finding(const ll_finding *finding, void *context)
{
    const report_filter *filter = context;
    if (finding->severity < filter->minimum || !rule_listed(filter->rules, finding->rule))
        return false;
    if (!filter->path)
        return true;
    char *relative = ll_path_relative(finding->place.file, filter->root);
    /* Out of memory: the finding is kept rather than hidden. */
    bool matches = !relative || pcre2_match(filter->path, (PCRE2_SPTR)relative,
                                            PCRE2_ZERO_TERMINATED, 0, 0, filter->match, NULL) >= 0;
    free(relative);
    return matches;
}

static pcre2_code *compile_path_pattern(const char *pattern, ll_error *error)
{
    int code;
    PCRE2_SIZE offset;
    pcre2_code *regex =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &offset, NULL);
    if (!regex) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(code, message, sizeof message);
        ll_error_set(error, "--path '%s': bad regex at offset %zu: %s", pattern, offset,
                     (const char *)message);
    }
    return regex;
}

/* Says on stderr when a run is partial: its findings are those of its files. */
static int note_partial(ll_store *store, int64_t run_id, ll_error *error)
{
    char *scope = NULL;
    int partial = ll_store_run_scope(store, run_id, &scope, error);
    if (partial > 0) {
        size_t length = strlen(scope);
        if (length && scope[length - 1] == '\n')
            scope[length - 1] = '\0';
        for (char *at = scope; (at = strchr(at, '\n')); at++)
            *at = ' ';
        fprintf(stderr, "looplint: run %lld is partial: it holds only the findings in %s\n",
                (long long)run_id, scope);
    }
    free(scope);
    return partial < 0 ? -1 : 0;
}

/* A run named by --run must exist and be complete (an unknown one is a
 * usage error: *status). Says when it is partial. */
static int check_run(ll_store *store, int64_t run_id, const char *store_path, int *status,
                     ll_error *error)
{
    char run_status[32] = "";
    int found = ll_store_run_status(store, run_id, run_status, sizeof run_status, error);
    if (found < 0)
        return -1;
    if (found == 0) {
        *status = LL_EXIT_USAGE;
        return ll_error_set(error, "no run %lld in %s", (long long)run_id, store_path);
    }
    if (strcmp(run_status, "complete") != 0)
        return ll_error_set(error, "run %lld is %s, not complete", (long long)run_id, run_status);
    return note_partial(store, run_id, error);
}

static int run(report_settings *settings)
{
    ll_error error = {{0}};
    ll_store *store = NULL;
    ll_findings findings;
    pcre2_code *path = NULL;
    pcre2_match_data *match = NULL;
    ll_stored_place place = {0};
    FILE *out = NULL;
    ll_report_rule *rules = NULL;
    size_t rule_count = 0;
    int status = LL_EXIT_USAGE;

    ll_findings_init(&findings);
    if (ll_analysis_validate_rules((const char *const *)settings->rules.items, &error) < 0)
        goto fail;
    if (settings->path_pattern) {
        if (!(path = compile_path_pattern(settings->path_pattern, &error)))
            goto fail;
        if (!(match = pcre2_match_data_create_from_pattern(path, NULL))) {
            ll_error_set(&error, "out of memory");
            goto fail;
        }
    }
    status = LL_EXIT_ANALYSIS;
    if (ll_locate_stored(settings->store_path, settings->build_directory, &place, &error) < 0 ||
        !(store = ll_store_open(place.store, &error)))
        goto fail;
    if (settings->run_id && check_run(store, settings->run_id, place.store, &status, &error) < 0)
        goto fail;
    if (ll_store_findings_load(store, settings->run_id, &findings, &error) < 0)
        goto fail;
    ll_findings_sort(&findings);
    report_filter filter = {&settings->rules, settings->minimum, path, match, place.root};
    ll_findings_filter(&findings, keep_finding, &filter);

    if (settings->output && !(out = fopen(settings->output, "w"))) {
        ll_error_set(&error, "%s: cannot write: %m", settings->output);
        goto fail;
    }
    if (!(rules = ll_analysis_report_rules(NULL, &rule_count))) {
        ll_error_set(&error, "out of memory");
        goto fail;
    }
    ll_report_options report = {
        .format = settings->format,
        .color = !out && !settings->no_color && settings->format == LL_FORMAT_TEXT &&
                 isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
        .root = place.root,
        .show_suppressed = settings->suppressed,
        .version = LOOPLINT_VERSION,
        .rules = rules,
        .rule_count = rule_count,
    };
    if (ll_report_write(out ? out : stdout, &findings, &report, &error) < 0)
        goto fail;
    if (out) {
        int closed = fclose(out);
        out = NULL;
        if (closed != 0) {
            ll_error_set(&error, "%s: cannot write: %m", settings->output);
            goto fail;
        }
    }
    status = LL_EXIT_CLEAN;
    goto done;
fail:
    ll_cli_error(error.message);
done:
    if (out)
        fclose(out);
    free(rules);
    ll_findings_free(&findings);
    ll_store_close(store);
    pcre2_match_data_free(match);
    pcre2_code_free(path);
    ll_stored_place_free(&place);
    return status;
}

int ll_command_report(int argc, char **argv)
{
    report_settings settings = {0};
    int status = parse_settings(argc - 1, argv + 1, &settings);
    if (status == 0)
        status = run(&settings);
    else if (status < 0)
        status = LL_EXIT_CLEAN;
    ll_string_list_free(&settings.rules);
    return status;
}
