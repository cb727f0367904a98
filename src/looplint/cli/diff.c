/*
 * diff.c - `looplint diff --base A --new B`: which findings B has that A
 * has not (new), which A had that B has not (fixed), and which both have
 * (unchanged), told apart by fingerprint.
 *
 * Each side is a stored run (an id, or `latest`: the latest complete one),
 * a baseline in the store, or an exported baseline file (a path ending in
 * .json, as for `check --baseline`). A run gives its findings with every
 * detail; suppressed ones are left out, as baselines leave them out, for
 * a finding a comment silences is not there for the gate. A baseline gives
 * its fingerprints, described by the export's findings or the stored runs
 * (baseline.h), so that a fixed finding prints as what it was.
 *
 * Fingerprints (report.h) survive edits elsewhere in the file and
 * reformatting, so a finding that only moved is unchanged, not fixed and
 * new again. Nothing is analysed: the runs must have been stored by
 * `check`, which is what CI has at hand for the two commits of a merge
 * request.
 */
#define _GNU_SOURCE /* strdup */
#include "arguments.h"
#include "baseline.h"
#include "cli.h"
#include "commands.h"
#include "locate.h"
#include "report/internal.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: looplint diff --base A --new B [--db PATH | -p BUILD_DIR] [options]\n"
    "\n"
    "Lists the findings B has and A has not (new), those A had and B has not\n"
    "(fixed), and counts those both have (unchanged), by fingerprint; nothing\n"
    "is analysed. A and B each are a run id, `latest` (the latest complete\n"
    "run), a baseline's name, or a baseline exported to FILE.json. Suppressed\n"
    "findings of a run are left out, as baselines leave them out.\n"
    "\n"
    "  --base A              the earlier side\n"
    "  --new B               the later side\n"
    "  -p, --build-dir DIR   where compile_commands.json is (default: the nearest\n"
    "                        one upward from here, or in build/, as clangd looks)\n"
    "  --db PATH             the store (default: BUILD_DIR/.looplint/looplint.db)\n"
    "  --format FORMAT       text (default) or json\n"
    "  --fail-on-new         exit 1 when B has a new finding\n"
    "  -v, --verbose         text: list the unchanged findings too\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 listed (and, with --fail-on-new, nothing new), 1 new\n"
    "findings with --fail-on-new, 2 usage error, an unknown run or baseline,\n"
    "or a baseline file that cannot be read, 3 the store could not be read or\n"
    "a run named is not complete.\n";

enum {
    OPTION_BASE,
    OPTION_NEW,
    OPTION_BUILD_DIR,
    OPTION_DB,
    OPTION_FORMAT,
    OPTION_FAIL_ON_NEW,
    OPTION_VERBOSE,
    OPTION_HELP,
};

static const ll_option_spec specs[] = {
    [OPTION_BASE] = {"base", 0, true},
    [OPTION_NEW] = {"new", 0, true},
    [OPTION_BUILD_DIR] = {"build-dir", 'p', true},
    [OPTION_DB] = {"db", 0, true},
    [OPTION_FORMAT] = {"format", 0, true},
    [OPTION_FAIL_ON_NEW] = {"fail-on-new", 0, false},
    [OPTION_VERBOSE] = {"verbose", 'v', false},
    [OPTION_HELP] = {"help", 'h', false},
    {NULL, 0, false},
};

typedef struct diff_settings {
    const char *base, *new;
    const char *build_directory;
    const char *store_path;
    bool json, fail_on_new, verbose;
} diff_settings;

/* One side's findings, and its fingerprints sorted for lookups (pointers
 * into the findings). */
typedef struct diff_side {
    ll_findings findings;
    char **sorted;
} diff_side;

/* 0 to go on, -1 after --help, else the exit code of a usage error. */
static int parse_settings(int argc, char **argv, diff_settings *settings)
{
    ll_arguments arguments;
    ll_arguments_init(&arguments, argc, argv, specs);
    for (ll_argument argument = ll_arguments_next(&arguments); argument.kind != LL_ARGUMENT_END;
         argument = ll_arguments_next(&arguments)) {
        if (argument.kind == LL_ARGUMENT_ERROR) {
            fprintf(stderr, "looplint diff: %s\n%s", argument.message, usage);
            return LL_EXIT_USAGE;
        }
        if (argument.kind == LL_ARGUMENT_OPERAND) {
            fprintf(stderr, "looplint diff: unexpected operand '%s'\n%s", argument.value, usage);
            return LL_EXIT_USAGE;
        }
        const char *value = argument.value;
        switch (argument.spec - specs) {
        case OPTION_BASE:
            settings->base = value;
            break;
        case OPTION_NEW:
            settings->new = value;
            break;
        case OPTION_BUILD_DIR:
            settings->build_directory = value;
            break;
        case OPTION_DB:
            settings->store_path = value;
            break;
        case OPTION_FORMAT:
            if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0) {
                fprintf(stderr, "looplint diff: bad value '%s' for --format (text or json)\n",
                        value);
                return LL_EXIT_USAGE;
            }
            settings->json = strcmp(value, "json") == 0;
            break;
        case OPTION_FAIL_ON_NEW:
            settings->fail_on_new = true;
            break;
        case OPTION_VERBOSE:
            settings->verbose = true;
            break;
        case OPTION_HELP:
            fputs(usage, stdout);
            return -1;
        default: /* specs holds no other option */
            break;
        }
    }
    if (!settings->base || !settings->new) {
        fprintf(stderr, "looplint diff: both --base and --new are needed\n%s", usage);
        return LL_EXIT_USAGE;
    }
    return 0;
}

static bool unsuppressed(const ll_finding *finding, void *context)
{
    (void)context;
    return !finding->suppressed;
}

/* Loads the findings of run `run_id` (0: the latest complete run). The
 * exit status for a failure, else 0. */
static int load_run(ll_store *store, int64_t run_id, ll_findings *findings, ll_error *error)
{
    if (run_id) {
        char status[32] = "";
        int found = ll_store_run_status(store, run_id, status, sizeof status, error);
        if (found < 0)
            return LL_EXIT_ANALYSIS;
        if (found == 0) {
            ll_error_set(error, "no run %lld in the store", (long long)run_id);
            return LL_EXIT_USAGE;
        }
        if (strcmp(status, "complete") != 0) {
            ll_error_set(error, "run %lld is %s, not complete", (long long)run_id, status);
            return LL_EXIT_ANALYSIS;
        }
    }
    if (ll_store_findings_load(store, run_id, findings, error) < 0)
        return LL_EXIT_ANALYSIS;
    ll_findings_filter(findings, unsuppressed, NULL);
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads a side named by `name`; the exit status for a failure, else 0. */
static int load_side(ll_store *store, const char *name, diff_side *side, ll_error *error)
{
    int64_t run_id;
    int status = 0;
    if (ll_cli_parse_run(name, true, &run_id) == 0)
        status = load_run(store, run_id, &side->findings, error);
    else if (ll_cli_baseline_findings(store, name, &side->findings, error) < 0)
        status = LL_EXIT_USAGE;
    if (status)
        return status;
    ll_findings_sort(&side->findings);
    if (!(side->sorted = malloc((side->findings.count + 1) * sizeof *side->sorted))) {
        ll_error_set(error, "out of memory");
        return LL_EXIT_ANALYSIS;
    }
    for (size_t i = 0; i < side->findings.count; i++)
        side->sorted[i] = side->findings.items[i].fingerprint;
    qsort(side->sorted, side->findings.count, sizeof *side->sorted, compare_strings);
    return 0;
}

static void side_free(diff_side *side)
{
    ll_findings_free(&side->findings);
    free(side->sorted);
}

static bool in_side(const diff_side *side, const ll_finding *finding)
{
    return ll_fingerprints_contain(side->sorted, side->findings.count, finding->fingerprint);
}

/* How many findings of `side` are (or are not) in `other`. */
static size_t count_in(const diff_side *side, const diff_side *other, bool wanted)
{
    size_t count = 0;
    for (size_t i = 0; i < side->findings.count; i++)
        count += in_side(other, &side->findings.items[i]) == wanted;
    return count;
}

/* ---- Text ------------------------------------------------------------------------------------ */

static void print_finding(FILE *out, const ll_finding *finding, const char *root)
{
    if (!*finding->rule) {
        fprintf(out, "fingerprint %s (the baseline does not say what it was)\n",
                finding->fingerprint);
        return;
    }
    ll_report_print_place(out, &finding->place, root);
    fprintf(out, "%s: ", ll_severity_name(finding->severity));
    ll_report_print_message(out, finding);
    fputc('\n', out);
}

/* The heading of a section and, when `listed`, its findings: those of
 * `side` that are (or are not, by `wanted`) in `other`. */
static void print_section(FILE *out, const char *title, const diff_side *side,
                          const diff_side *other, bool wanted, bool listed, const char *root)
{
    fprintf(out, "%s (%zu)%s\n", title, count_in(side, other, wanted), listed ? ":" : "");
    for (size_t i = 0; listed && i < side->findings.count; i++) {
        const ll_finding *finding = &side->findings.items[i];
        if (in_side(other, finding) == wanted)
            print_finding(out, finding, root);
    }
}

static void write_text(const diff_side *base, const diff_side *new, bool verbose, const char *root)
{
    print_section(stdout, "new", new, base, false, true, root);
    print_section(stdout, "fixed", base, new, false, true, root);
    print_section(stdout, "unchanged", new, base, true, verbose, root);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

/* The findings of `side` that are (or are not) in `other`, as the json
 * format writes them; a finding the baseline does not describe is only
 * {"fingerprint": …}. */
static json_t *section_value(const diff_side *side, const diff_side *other, bool wanted,
                             const char *root)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < side->findings.count; i++) {
        const ll_finding *finding = &side->findings.items[i];
        if (in_side(other, finding) != wanted)
            continue;
        json_t *value = *finding->rule ? ll_report_json_finding(finding, root)
                                       : json_pack("{s:s}", "fingerprint", finding->fingerprint);
        if (json_array_append_new(array, value) < 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static int write_json(const diff_side *base, const diff_side *new, const char *root,
                      ll_error *error)
{
    json_t *document = json_object();
    if (!document || json_object_set_new(document, "schema", json_integer(1)) ||
        json_object_set_new(document, "new", section_value(new, base, false, root)) ||
        json_object_set_new(document, "fixed", section_value(base, new, false, root)) ||
        json_object_set_new(document, "unchanged", section_value(new, base, true, root))) {
        json_decref(document);
        return ll_error_set(error, "building the JSON diff: out of memory");
    }
    return ll_json_write(stdout, document, "the JSON diff", error);
}

/* ---- The command ----------------------------------------------------------------------------- */

static int run(const diff_settings *settings)
{
    ll_error error = {{0}};
    ll_store *store = NULL;
    diff_side base = {0};
    diff_side new = {0};
    ll_stored_place place = {0};
    int status = LL_EXIT_ANALYSIS;
    if (ll_locate_stored(settings->store_path, settings->build_directory, &place, &error) < 0 ||
        !(store = ll_store_open(place.store, &error)))
        goto fail;
    if ((status = load_side(store, settings->base, &base, &error)) != 0 ||
        (status = load_side(store, settings->new, &new, &error)) != 0)
        goto fail;
    status = LL_EXIT_ANALYSIS;
    if (settings->json) {
        if (write_json(&base, &new, place.root, &error) < 0)
            goto fail;
    } else {
        write_text(&base, &new, settings->verbose, place.root);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        ll_error_set(&error, "writing the diff: output error");
        goto fail;
    }
    status =
        settings->fail_on_new && count_in(&new, &base, false) ? LL_EXIT_FINDINGS : LL_EXIT_CLEAN;
    goto done;
fail:
    ll_cli_error(error.message);
done:
    side_free(&base);
    side_free(&new);
    ll_store_close(store);
    ll_stored_place_free(&place);
    return status;
}

int ll_command_diff(int argc, char **argv)
{
    diff_settings settings = {0};
    int status = parse_settings(argc - 1, argv + 1, &settings);
    if (status < 0)
        return LL_EXIT_CLEAN;
    if (status > 0)
        return status;
    return run(&settings);
}
