/*
 * verify.c - `looplint verify FIXTURE...`: checks fixtures' expectations
 * against the findings, as clang -verify does.
 *
 * A fixture is one .c file, or a directory whose .c files form one program
 * (with an optional `flags` file of extra compile flags, an optional
 * `options` file of extra --rules/--enable/--disable options, and *.rules
 * packs of its own). looplint builds the compile commands itself (clang
 * -std=gnu17 -I<nest's include dir> -I<fixture dir> flags file.c),
 * analyses the fixture as a whole program, applies its suppression
 * comments (a suppressed finding counts as absent), and compares:
 *   // expect: id[, id...]         findings on this line
 *   // expect@+N: id / @-N         findings N lines below / above
 *   // expect-note: text           the finding on this line has a note
 *                                  containing text (expect-note@+N too)
 * Every finding must be expected and every expectation met; the
 * mismatches are listed as FILE:LINE: messages and the exit status is 1.
 */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include "analyze.h"
#include "arguments.h"
#include "cli.h"
#include "commands.h"
#include "list.h"
#include "locate.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: looplint verify [options] FIXTURE...\n"
    "\n"
    "Analyses each fixture (a .c file, or a directory of files forming one\n"
    "program, with optional `flags` (compile flags), `options` (--rules,\n"
    "--enable, --disable) and *.rules files) and checks its annotations:\n"
    "  // expect: rule-id[, rule-id...]   a finding on this line\n"
    "  // expect@+N: rule-id              ... N lines below (@-N: above)\n"
    "  // expect-note: text               that finding has a note containing text\n"
    "Lists missing and unexpected findings; exits 1 on any mismatch.\n"
    "\n"
    "  --rules PACK        load another rule pack (repeatable)\n"
    "  --enable ID,...     enable checks or options (blocking-call:console)\n"
    "  --disable ID,...    disable checks\n"
    "  -v, --verbose       print every finding of every fixture\n"
    "  -h, --help          this text\n";

/* ---- Expectations ------------------------------------------------------------ */
typedef struct expectation {
    char *file;
    uint32_t line;
    char *rule; /* NULL for a note expectation */
    char *note; /* expect-note text */
    bool met;
} expectation;

typedef struct expectations {
    expectation *items;
    size_t count;
} expectations;

static int expectation_add(expectations *list, const char *file, uint32_t line, const char *rule,
                           size_t rule_length, const char *note)
{
    expectation *bigger = realloc(list->items, (list->count + 1) * sizeof *bigger);
    if (!bigger)
        return -1;
    list->items = bigger;
    expectation *item = &list->items[list->count++];
    memset(item, 0, sizeof *item);
    item->file = strdup(file);
    item->line = line;
    item->rule = rule ? strndup(rule, rule_length) : NULL;
    item->note = note ? strdup(note) : NULL;
    return item->file && (!rule || item->rule) && (!note || item->note) ? 0 : -1;
}

static void expectations_free(expectations *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].file);
        free(list->items[i].rule);
        free(list->items[i].note);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

/* Parses "@+N" / "@-N" after `expect` or `expect-note`; *offset gets N
 * with its sign. Returns the text after it, or NULL when malformed. */
static const char *parse_offset(const char *text, long *offset)
{
    *offset = 0;
    if (*text != '@')
        return text;
    char *end;
    *offset = strtol(text + 1, &end, 10);
    if (end == text + 1 || (text[1] != '+' && text[1] != '-'))
        return NULL;
    return end;
}

/* One `// expect...` comment starting at `comment` on line `number`;
 * *end is set past it (at the next comment on the line, if any). */
static int parse_comment(expectations *list, const char *file, uint32_t number, const char *comment,
                         const char **end, ll_error *error)
{
    const char *text = comment + strlen("// expect");
    const char *next = strstr(text, "//");
    *end = next ? next : text + strlen(text);
    bool is_note = strncmp(text, "-note", 5) == 0;
    if (is_note)
        text += 5;
    long offset;
    text = parse_offset(text, &offset);
    if (!text || *text != ':')
        return ll_error_set(error, "%s:%u: malformed expectation (want `// expect: rule-id`)", file,
                            number);
    text++;
    long target = (long)number + offset;
    if (target < 1)
        return ll_error_set(error, "%s:%u: expectation points before line 1", file, number);
    while (isspace((unsigned char)*text))
        text++;
    if (is_note) {
        size_t length = (size_t)(*end - text);
        while (length && isspace((unsigned char)text[length - 1]))
            length--;
        char *note = strndup(text, length);
        if (!note)
            return -1;
        int result = expectation_add(list, file, (uint32_t)target, NULL, 0, note);
        free(note);
        return result;
    }
    while (text < *end) {
        size_t length = strspn(text, "abcdefghijklmnopqrstuvwxyz0123456789-:");
        if (length == 0)
            return ll_error_set(error, "%s:%u: malformed rule id in expectation", file, number);
        if (expectation_add(list, file, (uint32_t)target, text, length, NULL) < 0)
            return -1;
        text += length;
        text += strspn(text, ", \t\r\n");
    }
    return 0;
}

/* Every `// expect...` comment of one line (1-based number `number`). */
static int parse_line(expectations *list, const char *file, uint32_t number, const char *line,
                      ll_error *error)
{
    for (const char *comment = strstr(line, "// expect"); comment;
         comment = strstr(comment, "// expect")) {
        if (parse_comment(list, file, number, comment, &comment, error) < 0)
            return -1;
    }
    return 0;
}

static int read_expectations(expectations *list, const char *file, ll_error *error)
{
    FILE *stream = fopen(file, "r");
    if (!stream)
        return ll_error_set(error, "%s: cannot read", file);
    char *line = NULL;
    size_t capacity = 0;
    uint32_t number = 0;
    int result = 0;
    while (result == 0 && getline(&line, &capacity, stream) >= 0)
        result = parse_line(list, file, ++number, line, error);
    free(line);
    fclose(stream);
    return result;
}

/* ---- Fixtures ------------------------------------------------------------------ */
typedef struct fixture {
    char *directory; /* where its files are */
    char **files;    /* absolute paths of its .c and .h files, sorted */
    size_t count;
    char *flags;          /* contents of `flags`, or NULL */
    char *options;        /* contents of `options`, or NULL */
    ll_string_list rules; /* its *.rules files, sorted */
} fixture;

static void fixture_free(fixture *item)
{
    for (size_t i = 0; i < item->count; i++)
        free(item->files[i]);
    free(item->files);
    free(item->directory);
    free(item->flags);
    free(item->options);
    ll_string_list_free(&item->rules);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(fixture *item, char *path)
{
    char **bigger = realloc(item->files, (item->count + 1) * sizeof *bigger);
    if (!bigger) {
        free(path);
        return -1;
    }
    item->files = bigger;
    item->files[item->count++] = path;
    return 0;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t length = strlen(name);
    size_t suffix_length = strlen(suffix);
    return length > suffix_length && strcmp(name + length - suffix_length, suffix) == 0;
}

static char *read_text(const char *path)
{
    FILE *stream = fopen(path, "r");
    if (!stream)
        return NULL;
    char *text = NULL;
    size_t capacity = 0;
    ssize_t length = getdelim(&text, &capacity, '\0', stream);
    fclose(stream);
    if (length < 0) {
        free(text);
        return strdup("");
    }
    return text;
}

/* Adds DIRECTORY/NAME to the fixture's sources (.c, .h) or packs
 * (.rules); other files are not the fixture's. 0, or -1 when out of memory. */
static int add_entry(fixture *item, const char *directory, const char *name)
{
    bool is_source = has_suffix(name, ".c") || has_suffix(name, ".h");
    if (!is_source && !has_suffix(name, ".rules"))
        return 0;
    char *file = NULL;
    if (asprintf(&file, "%s/%s", directory, name) < 0)
        return -1;
    if (is_source)
        return add_file(item, file);
    int result = ll_string_list_add(&item->rules, file);
    free(file);
    return result;
}

/* The text of DIRECTORY/NAME, or NULL when there is none. */
static char *read_beside(const char *directory, const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", directory, name) < 0)
        return NULL;
    char *text = ll_is_file(path) ? read_text(path) : NULL;
    free(path);
    return text;
}

static int fixture_open(fixture *item, const char *path, ll_error *error)
{
    memset(item, 0, sizeof *item);
    char *absolute = ll_absolute_path(path);
    if (!absolute)
        return ll_error_set(error, "out of memory");
    if (ll_is_file(absolute)) {
        char *slash = strrchr(absolute, '/');
        item->directory = strndup(absolute, (size_t)(slash - absolute));
        return add_file(item, absolute);
    }
    if (!ll_is_directory(absolute)) {
        free(absolute);
        return ll_error_set(error, "%s: no such file or directory", path);
    }
    item->directory = absolute;
    DIR *directory = opendir(absolute);
    if (!directory)
        return ll_error_set(error, "%s: cannot read the directory", path);
    int result = 0;
    for (struct dirent *entry = readdir(directory); entry && result == 0;
         entry = readdir(directory))
        result = add_entry(item, absolute, entry->d_name);
    closedir(directory);
    if (result < 0)
        return ll_error_set(error, "out of memory");
    if (!item->count)
        return ll_error_set(error, "%s: no .c file in the fixture", path);
    qsort(item->files, item->count, sizeof *item->files, compare_strings);
    if (item->rules.count)
        qsort(item->rules.items, item->rules.count, sizeof *item->rules.items, compare_strings);
    item->flags = read_beside(absolute, "flags");
    item->options = read_beside(absolute, "options");
    return 0;
}

/* The compile commands of a fixture: each .c file with the fixed flags. */
static int fixture_plan(const fixture *item, const char *include, ll_plan *plan, ll_error *error)
{
    const char *arguments[64];
    size_t fixed = 0;
    arguments[fixed++] = "clang";
    arguments[fixed++] = "-std=gnu17";
    arguments[fixed++] = "-I";
    arguments[fixed++] = include;
    arguments[fixed++] = "-I";
    arguments[fixed++] = item->directory;
    char *flags = item->flags ? strdup(item->flags) : NULL;
    char *rest = flags;
    for (char *word = rest ? strtok_r(rest, " \t\r\n", &rest) : NULL; word;
         word = strtok_r(NULL, " \t\r\n", &rest)) {
        if (fixed >= sizeof arguments / sizeof arguments[0] - 1) {
            free(flags);
            return ll_error_set(error, "%s/flags: too many flags", item->directory);
        }
        arguments[fixed++] = word;
    }
    int result = 0;
    for (size_t i = 0; i < item->count && result == 0; i++) {
        if (!has_suffix(item->files[i], ".c"))
            continue;
        arguments[fixed] = item->files[i];
        result = ll_plan_add(plan, item->files[i], item->directory, arguments, fixed + 1, error);
    }
    free(flags);
    return result;
}

/* ---- Comparison ------------------------------------------------------------------ */
static bool note_matches(const ll_finding *finding, const char *text)
{
    for (uint32_t n = 0; n < finding->note_count; n++)
        if (strstr(finding->notes[n].message, text))
            return true;
    return false;
}

/* Prints the mismatches; returns how many. */
static size_t compare(expectations *expected, const ll_findings *findings)
{
    size_t mismatches = 0;
    for (size_t f = 0; f < findings->count; f++) {
        const ll_finding *finding = &findings->items[f];
        if (finding->suppressed)
            continue;
        bool found = false;
        for (size_t e = 0; e < expected->count && !found; e++) {
            expectation *item = &expected->items[e];
            if (item->rule && !item->met && item->line == finding->place.line &&
                strcmp(item->rule, finding->rule) == 0 &&
                strcmp(item->file, finding->place.file) == 0)
                item->met = found = true;
        }
        if (!found) {
            printf("%s:%u:%u: unexpected finding [%s]: %s\n", finding->place.file,
                   finding->place.line, finding->place.column, finding->rule, finding->message);
            mismatches++;
        }
    }
    for (size_t e = 0; e < expected->count; e++) {
        expectation *item = &expected->items[e];
        if (item->rule) {
            if (!item->met) {
                printf("%s:%u: missing finding [%s]\n", item->file, item->line, item->rule);
                mismatches++;
            }
            continue;
        }
        bool found = false;
        for (size_t f = 0; f < findings->count && !found; f++) {
            const ll_finding *finding = &findings->items[f];
            found = !finding->suppressed && finding->place.line == item->line &&
                    strcmp(finding->place.file, item->file) == 0 &&
                    note_matches(finding, item->note);
        }
        if (!found) {
            printf("%s:%u: missing note containing \"%s\"\n", item->file, item->line, item->note);
            mismatches++;
        }
    }
    return mismatches;
}

static void print_findings(const ll_findings *findings)
{
    for (size_t f = 0; f < findings->count; f++) {
        const ll_finding *finding = &findings->items[f];
        printf("  %s:%u:%u: [%s] %s%s\n", finding->place.file, finding->place.line,
               finding->place.column, finding->rule, finding->message,
               finding->suppressed ? " (suppressed)" : "");
        for (uint32_t n = 0; n < finding->note_count; n++)
            printf("    %s:%u:%u: note: %s\n", finding->notes[n].place.file,
                   finding->notes[n].place.line, finding->notes[n].place.column,
                   finding->notes[n].message);
    }
}

/* ---- Options ---------------------------------------------------------------------- */
/* What the command line gives every fixture. */
typedef struct verify_settings {
    ll_string_list rules, enabled, disabled;
    ll_packs *packs;     /* the default packs and --rules */
    const char *include; /* nest's include directory */
    bool verbose;
} verify_settings;

/* A fixture's options: the command line's, then those of its `options`
 * file, then its *.rules. */
typedef struct fixture_settings {
    ll_string_list rules, enabled, disabled;
} fixture_settings;

static void fixture_settings_free(fixture_settings *own)
{
    ll_string_list_free(&own->rules);
    ll_string_list_free(&own->enabled);
    ll_string_list_free(&own->disabled);
}

enum { OPTION_RULES, OPTION_ENABLE, OPTION_DISABLE, OPTION_VERBOSE, OPTION_HELP };

/* The options a fixture's `options` file may hold are the first three. */
static const ll_option_spec fixture_specs[] = {
    [OPTION_RULES] = {"rules", 0, true},
    [OPTION_ENABLE] = {"enable", 0, true},
    [OPTION_DISABLE] = {"disable", 0, true},
    {NULL, 0, false},
};

static const ll_option_spec specs[] = {
    [OPTION_RULES] = {"rules", 0, true},     [OPTION_ENABLE] = {"enable", 0, true},
    [OPTION_DISABLE] = {"disable", 0, true}, [OPTION_VERBOSE] = {"verbose", 'v', false},
    [OPTION_HELP] = {"help", 'h', false},    {NULL, 0, false},
};

/* A pack named in an options file: relative to the fixture's directory. */
static int add_pack(ll_string_list *rules, const char *directory, const char *path)
{
    char *joined = NULL;
    if (path[0] == '/')
        return ll_string_list_add(rules, path);
    if (asprintf(&joined, "%s/%s", directory, path) < 0)
        return -1;
    int result = ll_string_list_add(rules, joined);
    free(joined);
    return result;
}

/* The words of the fixture's `options` file, as if given on the command line. */
static int read_options(const fixture *item, fixture_settings *own, ll_error *error)
{
    char *text = strdup(item->options);
    char *words[64];
    int count = 0;
    int result = -1;
    if (!text)
        return ll_error_set(error, "out of memory");
    char *rest = text;
    for (char *word = strtok_r(rest, " \t\r\n", &rest); word;
         word = strtok_r(NULL, " \t\r\n", &rest)) {
        if (count == (int)(sizeof words / sizeof words[0])) {
            ll_error_set(error, "%s/options: too many options", item->directory);
            goto done;
        }
        words[count++] = word;
    }
    ll_arguments arguments;
    ll_arguments_init(&arguments, count, words, fixture_specs);
    for (ll_argument argument = ll_arguments_next(&arguments); argument.kind != LL_ARGUMENT_END;
         argument = ll_arguments_next(&arguments)) {
        if (argument.kind != LL_ARGUMENT_OPTION) {
            ll_error_set(error, "%s/options: %s", item->directory,
                         argument.kind == LL_ARGUMENT_ERROR ? argument.message
                                                            : "only --rules, --enable and "
                                                              "--disable may be given");
            goto done;
        }
        int added = 0;
        switch (argument.spec - fixture_specs) {
        case OPTION_RULES:
            added = add_pack(&own->rules, item->directory, argument.value);
            break;
        case OPTION_ENABLE:
            added = ll_string_list_add_ids(&own->enabled, argument.value);
            break;
        case OPTION_DISABLE:
            added = ll_string_list_add_ids(&own->disabled, argument.value);
            break;
        default: /* fixture_specs holds no other option */
            break;
        }
        if (added < 0) {
            ll_error_set(error, "out of memory");
            goto done;
        }
    }
    result = 0;
done:
    free(text);
    return result;
}

static int fixture_settings_read(const fixture *item, const verify_settings *settings,
                                 fixture_settings *own, ll_error *error)
{
    if (ll_string_list_add_all(&own->rules, (const char *const *)settings->rules.items) < 0 ||
        ll_string_list_add_all(&own->enabled, (const char *const *)settings->enabled.items) < 0 ||
        ll_string_list_add_all(&own->disabled, (const char *const *)settings->disabled.items) < 0 ||
        ll_string_list_add_all(&own->rules, (const char *const *)item->rules.items) < 0)
        return ll_error_set(error, "out of memory");
    if (item->options && read_options(item, own, error) < 0)
        return -1;
    if (ll_analysis_validate_rules((const char *const *)own->enabled.items, error) < 0 ||
        ll_analysis_validate_rules((const char *const *)own->disabled.items, error) < 0) {
        char message[sizeof error->message];
        snprintf(message, sizeof message, "%s", error->message);
        return ll_error_set(error, "%s/options: %s", item->directory, message);
    }
    return 0;
}

/* ---- Running ----------------------------------------------------------------------- */
/* 0 passed, 1 mismatched, -1 could not run (error set). */
static int verify_one(const char *path, const verify_settings *settings, ll_error *error)
{
    fixture item;
    fixture_settings own = {0};
    ll_packs *own_packs = NULL;
    ll_plan plan = {0};
    expectations expected = {0};
    ll_analysis analysis = {0};
    int result = -1;
    if (fixture_open(&item, path, error) < 0 ||
        fixture_plan(&item, settings->include, &plan, error) < 0 ||
        fixture_settings_read(&item, settings, &own, error) < 0)
        goto done;
    for (size_t i = 0; i < item.count; i++) {
        if (read_expectations(&expected, item.files[i], error) < 0)
            goto done;
    }
    /* Packs of its own: the shared ones are loaded again, with them. */
    ll_packs *packs = settings->packs;
    if (own.rules.count > settings->rules.count) {
        if (!(own_packs = ll_cli_load_packs(NULL, (const char *const *)own.rules.items, error)))
            goto done;
        packs = own_packs;
    }
    ll_analysis_options options = {
        .jobs = 1,
        .packs = packs,
        .enabled = (const char *const *)own.enabled.items,
        .disabled = (const char *const *)own.disabled.items,
        .root = item.directory,
        .quiet = true,
    };
    if (ll_analysis_run(&plan, &options, &analysis, error) < 0)
        goto done;
    size_t mismatches = compare(&expected, &analysis.findings);
    printf("%s %s (%zu findings)\n", mismatches ? "FAIL" : "PASS", path, analysis.findings.count);
    if (settings->verbose || mismatches)
        print_findings(&analysis.findings);
    result = mismatches ? 1 : 0;
done:
    ll_analysis_free(&analysis);
    ll_packs_free(own_packs);
    fixture_settings_free(&own);
    expectations_free(&expected);
    ll_plan_free(&plan);
    fixture_free(&item);
    return result;
}

static void settings_free(verify_settings *settings)
{
    ll_string_list_free(&settings->rules);
    ll_string_list_free(&settings->enabled);
    ll_string_list_free(&settings->disabled);
    ll_packs_free(settings->packs);
}

/* Reads the command line into settings and fixtures. 0 to go on, else the
 * exit status (-1: help printed). */
static int parse_settings(int argc, char **argv, verify_settings *settings,
                          ll_string_list *fixtures)
{
    ll_arguments arguments;
    ll_arguments_init(&arguments, argc, argv, specs);
    for (ll_argument argument = ll_arguments_next(&arguments); argument.kind != LL_ARGUMENT_END;
         argument = ll_arguments_next(&arguments)) {
        if (argument.kind == LL_ARGUMENT_ERROR) {
            fprintf(stderr, "looplint verify: %s\n%s", argument.message, usage);
            return LL_EXIT_USAGE;
        }
        int added = 0;
        if (argument.kind == LL_ARGUMENT_OPERAND) {
            added = ll_string_list_add(fixtures, argument.value);
        } else {
            switch (argument.spec - specs) {
            case OPTION_RULES:
                added = ll_string_list_add(&settings->rules, argument.value);
                break;
            case OPTION_ENABLE:
                added = ll_string_list_add_ids(&settings->enabled, argument.value);
                break;
            case OPTION_DISABLE:
                added = ll_string_list_add_ids(&settings->disabled, argument.value);
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
        if (added < 0)
            return LL_EXIT_ANALYSIS;
    }
    if (!fixtures->count) {
        fprintf(stderr, "looplint verify: no fixture given\n%s", usage);
        return LL_EXIT_USAGE;
    }
    return 0;
}

int ll_command_verify(int argc, char **argv)
{
    verify_settings settings = {0};
    ll_string_list fixtures = {0};
    ll_error error = {{0}};
    char *include = NULL;
    int status = parse_settings(argc - 1, argv + 1, &settings, &fixtures);
    if (status != 0) {
        status = status < 0 ? LL_EXIT_CLEAN : status;
        goto done;
    }
    status = LL_EXIT_USAGE;
    if (ll_analysis_validate_rules((const char *const *)settings.enabled.items, &error) < 0 ||
        ll_analysis_validate_rules((const char *const *)settings.disabled.items, &error) < 0 ||
        !(settings.packs =
              ll_cli_load_packs(NULL, (const char *const *)settings.rules.items, &error))) {
        ll_cli_error(error.message);
        goto done;
    }
    include = ll_locate_include_directory();
    settings.include = include ? include : ".";
    size_t failed = 0;
    status = LL_EXIT_CLEAN;
    for (size_t i = 0; i < fixtures.count; i++) {
        int result = verify_one(fixtures.items[i], &settings, &error);
        if (result < 0) {
            ll_cli_error(error.message);
            status = LL_EXIT_ANALYSIS;
        }
        failed += result != 0;
    }
    printf("verify: %zu fixture%s, %zu failed\n", fixtures.count, fixtures.count == 1 ? "" : "s",
           failed);
    if (failed && status == LL_EXIT_CLEAN)
        status = LL_EXIT_FINDINGS;
done:
    settings_free(&settings);
    ll_string_list_free(&fixtures);
    free(include);
    return status;
}
