/*
 * config.c - reading `.looplint` (config.h).
 *
 * A line is split into words first, the way a rule pack's is (blanks
 * separate, "quotes" hold blanks and `#` with \" and \\ as the only
 * escapes, `#` outside them ends the line, a word that starts with `/` is
 * a /regex/ up to the next unescaped `/`), each word remembering its
 * column; then the first word picks the statement. Every id is checked
 * against the checks looplint has, every pattern compiled and every pack
 * path looked up while parsing, so that a mistake is reported at the
 * line and column that holds it instead of surfacing later in a run.
 */
#define _GNU_SOURCE           /* asprintf */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config.h"

#include "analyze.h"
#include "locate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ll_config_exclude {
    char *pattern;
    pcre2_code *code;
};

/* Limits that no sensible configuration reaches; past them it is refused. */
enum { MAX_WORDS = 16, MAX_LINE = 4096 };

typedef struct word {
    char *text;      /* unquoted, unescaped */
    uint32_t column; /* 1-based, where the word starts */
    bool is_regex;   /* written as /.../ (text holds what is between the slashes) */
} word;

typedef struct parser {
    ll_config *config;
    const char *path;
    uint32_t line;
    word words[MAX_WORDS];
    size_t word_count;
    ll_error *error;
} parser;

/* "PATH:LINE:COL: message"; returns -1. */
static int fail_at(parser *p, uint32_t column, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(parser *p, uint32_t column, const char *format, ...)
{
    char message[768];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    return ll_error_set(p->error, "%s:%u:%u: %s", p->path, p->line, column, message);
}

static int out_of_memory(parser *p)
{
    return ll_error_set(p->error, "out of memory");
}

/* ---- Lists ------------------------------------------------------------------------------ */

static int list_push(char ***list, size_t *count, char *item)
{
    char **bigger = realloc(*list, (*count + 2) * sizeof *bigger);
    if (!bigger) {
        free(item);
        return -1;
    }
    *list = bigger;
    bigger[(*count)++] = item;
    bigger[*count] = NULL;
    return 0;
}

static void list_free(char **list)
{
    for (char **item = list; item && *item; item++)
        free(*item);
    free(list);
}

int ll_config_init(ll_config *config)
{
    memset(config, 0, sizeof *config);
    config->enabled = calloc(1, sizeof *config->enabled);
    config->disabled = calloc(1, sizeof *config->disabled);
    config->rules = calloc(1, sizeof *config->rules);
    if (config->enabled && config->disabled && config->rules)
        return 0;
    ll_config_free(config);
    return -1;
}

void ll_config_free(ll_config *config)
{
    free(config->path);
    list_free(config->enabled);
    list_free(config->disabled);
    list_free(config->rules);
    for (size_t i = 0; i < config->severity_count; i++)
        free(config->severities[i].id);
    free(config->severities);
    for (size_t i = 0; i < config->exclude_count; i++) {
        free(config->excludes[i]->pattern);
        pcre2_code_free(config->excludes[i]->code);
        free(config->excludes[i]);
    }
    free(config->excludes);
    memset(config, 0, sizeof *config);
}

/* ---- Words ------------------------------------------------------------------------------ */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void words_clear(parser *p)
{
    for (size_t i = 0; i < p->word_count; i++)
        free(p->words[i].text);
    p->word_count = 0;
}

/* A /regex/ starting at line[*at]; `\/` is a slash, other escapes are
 * PCRE2's and kept. */
static int split_regex(parser *p, const char *line, size_t length, size_t *at, char *out)
{
    uint32_t column = (uint32_t)*at + 1;
    size_t n = 0;
    for ((*at)++; *at < length && line[*at] != '/'; (*at)++) {
        if (line[*at] == '\\' && *at + 1 < length && line[*at + 1] == '/')
            (*at)++;
        else if (line[*at] == '\\' && *at + 1 < length)
            out[n++] = line[(*at)++];
        out[n++] = line[*at];
    }
    if (*at >= length)
        return fail_at(p, column, "unterminated /regex/ (a `/` inside it is written `\\/`)");
    (*at)++;
    out[n] = '\0';
    if (*at < length && !is_blank(line[*at]) && line[*at] != '#')
        return fail_at(p, (uint32_t)*at + 1, "a blank must follow the /regex/");
    return 0;
}

/* A plain word, possibly with "quoted" parts, starting at line[*at]. */
static int split_word(parser *p, const char *line, size_t length, size_t *at, char *out)
{
    size_t n = 0;
    while (*at < length && !is_blank(line[*at]) && line[*at] != '#') {
        if (line[*at] != '"') {
            out[n++] = line[(*at)++];
            continue;
        }
        uint32_t column = (uint32_t)*at + 1;
        for ((*at)++; *at < length && line[*at] != '"'; (*at)++) {
            if (line[*at] == '\\' && *at + 1 < length &&
                (line[*at + 1] == '"' || line[*at + 1] == '\\'))
                (*at)++;
            out[n++] = line[*at];
        }
        if (*at >= length)
            return fail_at(p, column, "unterminated quote");
        (*at)++;
    }
    out[n] = '\0';
    return 0;
}

static int split_line(parser *p, const char *line, size_t length)
{
    if (length > MAX_LINE)
        return fail_at(p, MAX_LINE + 1, "line longer than %d bytes", MAX_LINE);
    for (size_t at = 0;;) {
        while (at < length && is_blank(line[at]))
            at++;
        if (at >= length || line[at] == '#')
            return 0;
        if (p->word_count == MAX_WORDS)
            return fail_at(p, (uint32_t)at + 1, "too many words on one line");
        word item = {.column = (uint32_t)at + 1, .is_regex = line[at] == '/'};
        /* A word is never longer than its line, which MAX_LINE bounds. */
        char text[MAX_LINE + 1];
        int result = item.is_regex ? split_regex(p, line, length, &at, text)
                                   : split_word(p, line, length, &at, text);
        if (result < 0)
            return -1;
        if (!(item.text = strdup(text)))
            return out_of_memory(p);
        p->words[p->word_count++] = item;
    }
}

/* ---- Statements ------------------------------------------------------------------------- */

/* Whether `id` may be enabled or disabled: `all`, a check, or CHECK:OPTION. */
static bool selectable(const char *id)
{
    if (strcmp(id, "all") == 0)
        return true;
    const char *colon = strchr(id, ':');
    if (!colon)
        return ll_analysis_rule_find(id) != NULL;
    char base[128];
    snprintf(base, sizeof base, "%.*s", (int)(colon - id), id);
    return colon[1] && ll_analysis_rule_find(base) != NULL;
}

/* The words after the statement's name must number exactly `count`. */
static int want_words(parser *p, size_t count, const char *form)
{
    if (p->word_count - 1 == count)
        return 0;
    uint32_t column = p->word_count - 1 > count ? p->words[count + 1].column : p->words[0].column;
    return fail_at(p, column, "'%s' takes %s: `%s`", p->words[0].text,
                   count == 1 ? "one value" : "two values", form);
}

/* enable / disable: ids separated by commas, over one word or several. */
static int parse_selection(parser *p, char ***list, size_t *count)
{
    if (p->word_count < 2)
        return fail_at(p, p->words[0].column, "'%s' takes check ids: `%s ID[,ID...]`",
                       p->words[0].text, p->words[0].text);
    for (size_t w = 1; w < p->word_count; w++) {
        const word *item = &p->words[w];
        char *rest = item->text;
        for (char *id = strsep(&rest, ","); id; id = strsep(&rest, ",")) {
            uint32_t column = item->column + (uint32_t)(id - item->text);
            if (!*id) {
                if (rest || id == item->text)
                    return fail_at(p, column, "an empty check id");
                continue; /* "a, b": the comma ends this word */
            }
            if (!selectable(id))
                return fail_at(p, column, "unknown check '%s' (see `looplint rules`)", id);
            char *copy = strdup(id);
            if (!copy || list_push(list, count, copy) < 0)
                return out_of_memory(p);
        }
    }
    return 0;
}

static int parse_severity(parser *p)
{
    if (want_words(p, 2, "severity ID error|warning|note") < 0)
        return -1;
    const word *id = &p->words[1];
    const word *level = &p->words[2];
    if (!ll_analysis_rule_find(id->text))
        return fail_at(p, id->column, "unknown check '%s' (see `looplint rules`)", id->text);
    enum ll_severity severity;
    if (ll_severity_parse(level->text, &severity) < 0)
        return fail_at(p, level->column, "unknown severity '%s' (error, warning or note)",
                       level->text);
    ll_config *config = p->config;
    ll_config_severity *bigger =
        realloc(config->severities, (config->severity_count + 1) * sizeof *bigger);
    if (!bigger)
        return out_of_memory(p);
    config->severities = bigger;
    if (!(bigger[config->severity_count].id = strdup(id->text)))
        return out_of_memory(p);
    bigger[config->severity_count++].severity = severity;
    return 0;
}

/* A pack path, relative to the directory of the configuration file. */
static int parse_rules(parser *p)
{
    if (want_words(p, 1, "rules PATH") < 0)
        return -1;
    const word *item = &p->words[1];
    char *joined = NULL;
    const char *slash = strrchr(p->path, '/');
    if (item->text[0] == '/' || !slash)
        joined = strdup(item->text);
    else if (asprintf(&joined, "%.*s/%s", (int)(slash - p->path), p->path, item->text) < 0)
        joined = NULL;
    char *absolute = joined ? ll_absolute_path(joined) : NULL;
    free(joined);
    if (!absolute)
        return out_of_memory(p);
    if (!ll_is_file(absolute)) {
        fail_at(p, item->column, "%s: no such rule pack", absolute);
        free(absolute);
        return -1;
    }
    return list_push(&p->config->rules, &p->config->rule_count, absolute) < 0 ? out_of_memory(p)
                                                                              : 0;
}

static int parse_exclude(parser *p)
{
    if (want_words(p, 1, "exclude REGEX") < 0)
        return -1;
    const word *item = &p->words[1];
    int code;
    PCRE2_SIZE offset;
    pcre2_code *regex =
        pcre2_compile((PCRE2_SPTR)item->text, PCRE2_ZERO_TERMINATED, 0, &code, &offset, NULL);
    if (!regex) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(code, message, sizeof message);
        /* The offset counts in the unescaped text; past a slash it is exact. */
        return fail_at(p, item->column + (uint32_t)offset + (item->is_regex ? 1 : 0),
                       "bad regex: %s", (const char *)message);
    }
    ll_config *config = p->config;
    ll_config_exclude **bigger =
        realloc(config->excludes, (config->exclude_count + 1) * sizeof *bigger);
    ll_config_exclude *exclude = malloc(sizeof *exclude);
    if (bigger)
        config->excludes = bigger;
    if (!bigger || !exclude || !(exclude->pattern = strdup(item->text))) {
        free(exclude);
        pcre2_code_free(regex);
        return out_of_memory(p);
    }
    exclude->code = regex;
    config->excludes[config->exclude_count++] = exclude;
    return 0;
}

static int parse_statement(parser *p)
{
    const char *name = p->words[0].text;
    if (strcmp(name, "enable") == 0)
        return parse_selection(p, &p->config->enabled, &p->config->enabled_count);
    if (strcmp(name, "disable") == 0)
        return parse_selection(p, &p->config->disabled, &p->config->disabled_count);
    if (strcmp(name, "severity") == 0)
        return parse_severity(p);
    if (strcmp(name, "rules") == 0)
        return parse_rules(p);
    if (strcmp(name, "exclude") == 0)
        return parse_exclude(p);
    return fail_at(p, p->words[0].column,
                   "unknown statement '%s' (enable, disable, severity, rules or exclude)", name);
}

int ll_config_parse(ll_config *config, const char *path, const char *text, size_t length,
                    ll_error *error)
{
    parser p = {.config = config, .path = path, .error = error};
    int result = 0;
    for (size_t at = 0; at < length && result == 0;) {
        const char *newline = memchr(text + at, '\n', length - at);
        size_t line_length = newline ? (size_t)(newline - (text + at)) : length - at;
        p.line++;
        result = split_line(&p, text + at, line_length);
        if (result == 0 && p.word_count)
            result = parse_statement(&p);
        words_clear(&p);
        at += line_length + 1;
    }
    if (result == 0 && !config->path && !(config->path = strdup(path)))
        result = out_of_memory(&p);
    return result;
}

int ll_config_load(ll_config *config, const char *path, ll_error *error)
{
    FILE *stream = fopen(path, "r");
    if (!stream)
        return ll_error_set(error, "%s: cannot read: %s", path, strerror(errno));
    char *text = NULL;
    size_t capacity = 0;
    ssize_t length = getdelim(&text, &capacity, '\0', stream);
    bool failed = ferror(stream);
    fclose(stream);
    int result = failed ? ll_error_set(error, "%s: cannot read", path)
                        : ll_config_parse(config, path, text ? text : "",
                                          length > 0 ? (size_t)length : 0, error);
    free(text);
    return result;
}

/* ---- Queries ---------------------------------------------------------------------------- */

bool ll_config_excludes(const ll_config *config, const char *relative_path)
{
    bool excluded = false;
    for (size_t i = 0; i < config->exclude_count && !excluded; i++) {
        pcre2_match_data *match =
            pcre2_match_data_create_from_pattern(config->excludes[i]->code, NULL);
        /* Out of memory: nothing is excluded, which analyses too much rather
           than hiding findings. */
        excluded = match && pcre2_match(config->excludes[i]->code, (PCRE2_SPTR)relative_path,
                                        PCRE2_ZERO_TERMINATED, 0, 0, match, NULL) >= 0;
        pcre2_match_data_free(match);
    }
    return excluded;
}

enum ll_severity ll_config_severity_of(const ll_config *config, const char *id,
                                       enum ll_severity fallback)
{
    for (size_t i = config->severity_count; i-- > 0;) {
        if (strcmp(config->severities[i].id, id) == 0)
            return config->severities[i].severity;
    }
    return fallback;
}
