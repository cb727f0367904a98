/*
 * parse.c - the rule-pack parser (grammar: docs/rule-packs.md).
 *
 * A pack is read one line at a time. Each line is first split into tokens
 * (split_line): blanks separate them, `#` starts a comment, a token that
 * starts with `/` is a regex up to the next unescaped `/`, and "double
 * quotes" anywhere in a token protect blanks and `#`. Splitting unescapes
 * into a buffer and records, for every byte it keeps, the column it came
 * from, so that any later error - a bad integer in the middle of
 * `when=arg3!=x`, PCRE2's offset inside a regex - points at the exact
 * source column.
 *
 * The directives are a table (directives[]): each names its keys, which of
 * them are required and which are flags, and a builder that turns the
 * validated option values into the public rule structure of pack.h. So
 * "unknown key", "duplicate key", "missing key" and "flag with a value" are
 * checked once, generically, and a builder only converts values.
 *
 * Everything a pack keeps is allocated in its arena; on any error the
 * arena (and each regex compiled so far) is freed and the caller gets
 * NULL, so a malformed pack leaves nothing behind.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ARGUMENT = 32, MAX_KEYS = 4 };

/* A token, or part of one (an option's value), after unescaping. */
typedef struct slice {
    const char *text;        /* not NUL-terminated when a part */
    const uint32_t *columns; /* columns[i]: source column of text[i];
                                columns[length]: just past the end */
    uint32_t length;
} slice;

typedef struct token {
    slice whole;    /* NUL-terminated */
    int32_t equals; /* offset of the first `=` outside quotes, or -1 */
    bool regex;     /* written /.../ (the slashes are not in the text) */
} token;

typedef struct parser {
    const char *path;
    uint32_t line; /* the line being parsed, 1-based */
    char *text;    /* the current line's unescaped tokens, one after another */
    uint32_t *columns;
    token *tokens;
    uint32_t token_count, token_capacity;
    ll_pack *pack;
    ll_pack_line *lines; /* grows while parsing; copied into the arena */
    uint32_t line_count, line_capacity;
    ll_error *error;
} parser;

/* ---- Errors -------------------------------------------------------------------- */
/* "PATH:LINE:COLUMN: message". fail_at is an expression worth -1, visibly
 * so to the compiler and to static analysers, which do not follow the
 * variadic call. */
__attribute__((format(printf, 3, 4))) static void report_at(parser *p, uint32_t column,
                                                            const char *format, ...)
{
    char message[sizeof p->error->message];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    ll_error_set(p->error, "%s:%u:%u: %s", p->path, p->line, column, message);
}

#define fail_at(p, column, ...) (report_at((p), (column), __VA_ARGS__), -1)

static int out_of_memory(parser *p)
{
    return ll_error_set(p->error, "%s:%u: out of memory", p->path, p->line);
}

/* ---- Slices --------------------------------------------------------------------- */
static uint32_t column_of(slice s)
{
    return s.columns[0];
}

static slice sub_slice(slice s, uint32_t start, uint32_t end)
{
    slice part = {s.text + start, s.columns + start, end - start};
    return part;
}

static bool slice_is(slice s, const char *word)
{
    return strlen(word) == s.length && memcmp(s.text, word, s.length) == 0;
}

/* Offset of the first `c` in s at or after `from`, or s.length. */
static uint32_t find_char(slice s, uint32_t from, char c)
{
    while (from < s.length && s.text[from] != c)
        from++;
    return from;
}

static bool is_identifier_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_identifier(slice s)
{
    if (s.length == 0 || !is_identifier_start(s.text[0]))
        return false;
    for (uint32_t i = 1; i < s.length; i++) {
        if (!is_identifier_start(s.text[i]) && !is_digit(s.text[i]))
            return false;
    }
    return true;
}

static const char *copy_slice(parser *p, slice s)
{
    return ll_arena_strndup(&p->pack->arena, s.text, s.length);
}

/* ---- Splitting a line into tokens ---------------------------------------------- */
/* Where a token starts: its slash, for a regex. */
static uint32_t token_column(const token *t)
{
    return column_of(t->whole) - (t->regex ? 1 : 0);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool ends_token(char c)
{
    return is_blank(c) || c == '#';
}

static token *push_token(parser *p)
{
    if (p->token_count == p->token_capacity) {
        uint32_t capacity = p->token_capacity ? p->token_capacity * 2 : 16;
        token *bigger = realloc(p->tokens, capacity * sizeof *bigger);
        if (!bigger)
            return NULL;
        p->tokens = bigger;
        p->token_capacity = capacity;
    }
    token *t = &p->tokens[p->token_count++];
    memset(t, 0, sizeof *t);
    t->equals = -1;
    return t;
}

/* The body of /regex/ from just after the opening slash. `\/` stands for
 * `/`; every other escape is PCRE2's and is kept as written. */
static int split_regex(parser *p, const char *line, size_t length, size_t *at, char *out,
                       uint32_t *columns, uint32_t *count)
{
    uint32_t open = (uint32_t)*at + 1; /* column of the opening slash */
    size_t i = *at + 1;
    uint32_t n = 0;
    for (;;) {
        if (i == length)
            return fail_at(p, open, "unterminated regex (a `/` inside is written `\\/`)");
        char c = line[i];
        if (c == '/')
            break;
        if (c == '\\' && i + 1 < length && line[i + 1] == '/') {
            columns[n] = (uint32_t)i + 1;
            out[n++] = '/';
            i += 2;
            continue;
        }
        if (c == '\\' && i + 1 < length) {
            columns[n] = (uint32_t)i + 1;
            out[n++] = c;
            i++;
            c = line[i];
        }
        columns[n] = (uint32_t)i + 1;
        out[n++] = c;
        i++;
    }
    if (n == 0)
        return fail_at(p, open, "empty regex");
    i++; /* the closing slash */
    if (i < length && !ends_token(line[i]))
        return fail_at(p, (uint32_t)i + 1, "expected a blank after the regex's closing `/`");
    *at = i;
    *count = n;
    return 0;
}

/* A word, possibly with "quoted" parts (where \" and \\ are the escapes). */
static int split_word(parser *p, const char *line, size_t length, size_t *at, char *out,
                      uint32_t *columns, uint32_t *count, int32_t *equals)
{
    size_t i = *at;
    uint32_t n = 0;
    while (i < length && !ends_token(line[i])) {
        if (line[i] != '"') {
            if (line[i] == '=' && *equals < 0)
                *equals = (int32_t)n;
            columns[n] = (uint32_t)i + 1;
            out[n++] = line[i++];
            continue;
        }
        uint32_t open = (uint32_t)i + 1;
        for (i++;; i++) {
            if (i == length)
                return fail_at(p, open, "unterminated quote");
            if (line[i] == '"')
                break;
            if (line[i] == '\\') {
                if (i + 1 == length || (line[i + 1] != '"' && line[i + 1] != '\\'))
                    return fail_at(p, (uint32_t)i + 1,
                                   "unknown escape in quotes (only \\\" and \\\\)");
                i++;
            }
            columns[n] = (uint32_t)i + 1;
            out[n++] = line[i];
        }
        i++; /* the closing quote */
    }
    *at = i;
    *count = n;
    return 0;
}

/* Splits one line (without its newline) into p->tokens. The buffers are
 * sized for the whole text, and a token keeps at most its own source bytes
 * plus a NUL, so they cannot overflow. */
static int split_line(parser *p, const char *line, size_t length)
{
    char *out = p->text;
    uint32_t *columns = p->columns;
    size_t i = 0;
    p->token_count = 0;
    for (;;) {
        while (i < length && is_blank(line[i]))
            i++;
        if (i == length || line[i] == '#')
            return 0;
        token *t = push_token(p);
        if (!t)
            return out_of_memory(p);
        uint32_t n = 0;
        t->regex = line[i] == '/';
        int status = t->regex ? split_regex(p, line, length, &i, out, columns, &n)
                              : split_word(p, line, length, &i, out, columns, &n, &t->equals);
        if (status < 0)
            return -1;
        const char *nul = memchr(out, '\0', n);
        if (nul)
            return fail_at(p, columns[nul - out], "NUL byte");
        out[n] = '\0';
        /* Just past the token; for a regex, its closing slash, where
           PCRE2 reports "missing )" and the like. */
        columns[n] = t->regex ? (uint32_t)i : (uint32_t)i + 1;
        t->whole.text = out;
        t->whole.columns = columns;
        t->whole.length = n;
        out += n + 1;
        columns += n + 1;
    }
}

/* ---- Values ---------------------------------------------------------------------- */
static int parse_integer(parser *p, slice s, int64_t *value)
{
    uint32_t i = 0;
    bool negative = s.length > 0 && s.text[0] == '-';
    if (negative)
        i++;
    if (i == s.length)
        return fail_at(p, column_of(s), "bad integer '%.*s'", (int)s.length, s.text);
    uint64_t magnitude = 0;
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.length; i++) {
        if (!is_digit(s.text[i]))
            return fail_at(p, column_of(s), "bad integer '%.*s'", (int)s.length, s.text);
        uint64_t digit = (uint64_t)(s.text[i] - '0');
        if (magnitude > (limit - digit) / 10)
            return fail_at(p, column_of(s), "integer '%.*s' is out of range", (int)s.length,
                           s.text);
        magnitude = magnitude * 10 + digit;
    }
    *value = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return 0;
}

/* An argument position: 1 to MAX_ARGUMENT (a bit of a 32-bit mask). */
static int parse_argument(parser *p, slice s, uint32_t *argument)
{
    int64_t value;
    if (parse_integer(p, s, &value) < 0)
        return -1;
    if (value < 1 || value > MAX_ARGUMENT)
        return fail_at(p, column_of(s), "argument index %lld is out of range (1 to %d)",
                       (long long)value, MAX_ARGUMENT);
    *argument = (uint32_t)value;
    return 0;
}

/* `N,N,...` into a mask with bit n-1 set for argument n. */
static int parse_argument_mask(parser *p, slice s, uint32_t *mask)
{
    *mask = 0;
    for (uint32_t start = 0;;) {
        uint32_t end = find_char(s, start, ',');
        uint32_t argument;
        if (parse_argument(p, sub_slice(s, start, end), &argument) < 0)
            return -1;
        *mask |= 1u << (argument - 1);
        if (end == s.length)
            return 0;
        start = end + 1;
    }
}

typedef struct name_value {
    const char *name;
    int value;
} name_value;

static const name_value entry_kinds[] = {
    {"main", LL_ENTRY_MAIN},
    {"task", LL_ENTRY_TASK},
    {"callback", LL_ENTRY_CALLBACK},
    {"timeout-scope", LL_ENTRY_TIMEOUT_SCOPE},
    {"shield", LL_ENTRY_SHIELD},
    {"off-loop", LL_ENTRY_OFF_LOOP},
    {NULL, 0},
};

static const name_value resource_kinds[] = {
    {"resource", LL_RESOURCE},
    {"task", LL_RESOURCE_TASK},
    {"session", LL_RESOURCE_SESSION},
    {"lock", LL_RESOURCE_LOCK},
    {"queue-item", LL_RESOURCE_QUEUE_ITEM},
    {NULL, 0},
};

static const name_value failures[] = {
    {"null", LL_FAILURE_NULL},
    {"negative", LL_FAILURE_NEGATIVE},
    {"nonzero", LL_FAILURE_NONZERO_RETURN},
    {"none", LL_FAILURE_NONE},
    {NULL, 0},
};

/* One of the names of `table`; the error lists them all. */
static int parse_name(parser *p, slice s, const char *key, const name_value *table, int *value)
{
    for (const name_value *entry = table; entry->name; entry++) {
        if (slice_is(s, entry->name)) {
            *value = entry->value;
            return 0;
        }
    }
    char expected[256] = "";
    for (const name_value *entry = table; entry->name; entry++) {
        size_t used = strlen(expected);
        snprintf(expected + used, sizeof expected - used, "%s%s", used ? ", " : "", entry->name);
    }
    return fail_at(p, column_of(s), "unknown %s '%.*s' (expected %s)", key, (int)s.length, s.text,
                   expected);
}

/* One alternative of a condition: an integer, NULL or a global's name. */
static int parse_match(parser *p, slice s, ll_match *match)
{
    if (s.length == 0)
        return fail_at(p, column_of(s), "empty value in condition");
    if (slice_is(s, "NULL")) {
        match->kind = LL_MATCH_NULL;
        return 0;
    }
    if (s.text[0] == '-' || is_digit(s.text[0])) {
        match->kind = LL_MATCH_CONSTANT;
        return parse_integer(p, s, &match->constant);
    }
    if (!is_identifier(s))
        return fail_at(p, column_of(s),
                       "bad value '%.*s' in condition (an integer, NULL or an identifier)",
                       (int)s.length, s.text);
    match->kind = LL_MATCH_NAME;
    match->name = copy_slice(p, s);
    return match->name ? 0 : out_of_memory(p);
}

/* `argN==V|V...` or `argN!=V|V...`. */
static int parse_condition(parser *p, slice s, ll_condition *condition)
{
    uint32_t relation = 3; /* just past the argument's number */
    while (relation < s.length && is_digit(s.text[relation]))
        relation++;
    if (s.length < 3 || memcmp(s.text, "arg", 3) != 0 || relation == 3 || relation + 2 > s.length ||
        (memcmp(s.text + relation, "==", 2) != 0 && memcmp(s.text + relation, "!=", 2) != 0))
        return fail_at(p, column_of(s), "expected a condition argN==VALUE or argN!=VALUE");
    if (parse_argument(p, sub_slice(s, 3, relation), &condition->argument) < 0)
        return -1;
    condition->negated = s.text[relation] == '!';
    slice values = sub_slice(s, relation + 2, s.length);
    uint32_t count = 1;
    for (uint32_t i = 0; i < values.length; i++)
        count += values.text[i] == '|';
    ll_match *matches = ll_arena_alloc(&p->pack->arena, count * sizeof *matches);
    if (!matches)
        return out_of_memory(p);
    uint32_t start = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t end = find_char(values, start, '|');
        if (parse_match(p, sub_slice(values, start, end), &matches[i]) < 0)
            return -1;
        start = end + 1;
    }
    condition->values = matches;
    condition->value_count = count;
    return 0;
}

/* `T1|T2...` into an array of names. */
static int parse_types(parser *p, slice s, const char *const **types, uint32_t *type_count)
{
    uint32_t count = 1;
    for (uint32_t i = 0; i < s.length; i++)
        count += s.text[i] == '|';
    const char **names = ll_arena_alloc(&p->pack->arena, count * sizeof *names);
    if (!names)
        return out_of_memory(p);
    uint32_t start = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t end = find_char(s, start, '|');
        if (end == start)
            return fail_at(p, s.columns[start], "empty type name");
        if (!(names[i] = copy_slice(p, sub_slice(s, start, end))))
            return out_of_memory(p);
        start = end + 1;
    }
    *types = names;
    *type_count = count;
    return 0;
}

/* ---- Directives ------------------------------------------------------------------ */
typedef struct key_spec {
    const char *name; /* NULL ends the list */
    bool required;
    bool flag; /* written alone, without =value */
} key_spec;

/* The options given on one line, by key (indexed like directive_spec.keys). */
typedef struct options {
    bool present[MAX_KEYS];
    slice values[MAX_KEYS];     /* after the `=`; the whole token for flags */
    uint32_t columns[MAX_KEYS]; /* where the option starts */
} options;

typedef struct directive_spec directive_spec;
struct directive_spec {
    const char *name;
    enum ll_directive directive;
    uint32_t role; /* LL_DIRECTIVE_ROLE: the LL_ROLE_* bit */
    key_spec keys[MAX_KEYS];
    int (*build)(parser *p, const directive_spec *spec, const options *given, ll_pack_line *line);
};

/* Where option `key` is written (it must be given). */
static uint32_t option_column(const directive_spec *spec, const options *given, const char *key)
{
    for (uint32_t i = 0; i < MAX_KEYS && spec->keys[i].name; i++) {
        if (strcmp(spec->keys[i].name, key) == 0)
            return given->columns[i];
    }
    return 1;
}

/* The value of `key` if given: true and *value set. */
static bool option(const directive_spec *spec, const options *given, const char *key, slice *value)
{
    for (uint32_t i = 0; i < MAX_KEYS && spec->keys[i].name; i++) {
        if (strcmp(spec->keys[i].name, key) == 0 && given->present[i]) {
            if (value)
                *value = given->values[i];
            return true;
        }
    }
    return false;
}

/* The value of a required key (collect_options made sure it is given). */
static slice required(const directive_spec *spec, const options *given, const char *key)
{
    slice value = {"", given->columns, 0};
    option(spec, given, key, &value);
    return value;
}

static int optional_string(parser *p, const directive_spec *spec, const options *given,
                           const char *key, const char **text)
{
    slice value;
    *text = NULL;
    if (!option(spec, given, key, &value))
        return 0;
    *text = copy_slice(p, value);
    return *text ? 0 : out_of_memory(p);
}

static int optional_argument(parser *p, const directive_spec *spec, const options *given,
                             const char *key, uint32_t *argument)
{
    slice value;
    *argument = 0;
    return option(spec, given, key, &value) ? parse_argument(p, value, argument) : 0;
}

static int build_blocking(parser *p, const directive_spec *spec, const options *given,
                          ll_pack_line *line)
{
    ll_blocking_rule *rule = &line->rule.blocking;
    slice when;
    if (optional_string(p, spec, given, "category", &rule->category) < 0 ||
        optional_string(p, spec, given, "reason", &rule->reason) < 0 ||
        optional_string(p, spec, given, "replace", &rule->replacement) < 0)
        return -1;
    if (option(spec, given, "when", &when))
        return parse_condition(p, when, &rule->condition);
    return 0;
}

static int build_entry(parser *p, const directive_spec *spec, const options *given,
                       ll_pack_line *line)
{
    ll_entry_rule *rule = &line->rule.entry;
    int value = 0;
    if (parse_name(p, required(spec, given, "kind"), "kind", entry_kinds, &value) < 0)
        return -1;
    rule->kind = (enum ll_entry_kind)value;
    /* strict_io and pack are the pack's: set once it is parsed. */
    return optional_argument(p, spec, given, "arg", &rule->argument);
}

static int build_suspend(parser *p, const directive_spec *spec, const options *given,
                         ll_pack_line *line)
{
    ll_suspend_rule *rule = &line->rule.suspend;
    slice forever;
    rule->forever = -1;
    if (optional_argument(p, spec, given, "deadline", &rule->deadline) < 0)
        return -1;
    if (option(spec, given, "forever", &forever)) {
        if (!rule->deadline)
            return fail_at(p, option_column(spec, given, "forever"),
                           "'forever' needs 'deadline=N'");
        if (parse_integer(p, forever, &rule->forever) < 0)
            return -1;
    }
    rule->needs_timeout = option(spec, given, "needs-timeout", NULL);
    if (rule->needs_timeout && !rule->deadline)
        return fail_at(p, option_column(spec, given, "needs-timeout"),
                       "'needs-timeout' needs 'deadline=N'");
    return 0;
}

/* handle=return or handle=outN. */
static int parse_handle_place(parser *p, slice s, ll_acquire_rule *rule)
{
    if (slice_is(s, "return")) {
        rule->place = LL_HANDLE_RETURN;
        return 0;
    }
    if (s.length > 3 && memcmp(s.text, "out", 3) == 0) {
        rule->place = LL_HANDLE_OUT;
        return parse_argument(p, sub_slice(s, 3, s.length), &rule->argument);
    }
    return fail_at(p, column_of(s), "unknown handle '%.*s' (expected return or outN)",
                   (int)s.length, s.text);
}

static int build_acquire(parser *p, const directive_spec *spec, const options *given,
                         ll_pack_line *line)
{
    ll_acquire_rule *rule = &line->rule.acquire;
    int value = 0;
    if (parse_name(p, required(spec, given, "kind"), "kind", resource_kinds, &value) < 0)
        return -1;
    rule->kind = (enum ll_resource_kind)value;
    if (parse_handle_place(p, required(spec, given, "handle"), rule) < 0 ||
        parse_name(p, required(spec, given, "fail"), "failure", failures, &value) < 0)
        return -1;
    rule->failure = (enum ll_failure)value;
    return optional_string(p, spec, given, "type", &rule->type);
}

static int build_release(parser *p, const directive_spec *spec, const options *given,
                         ll_pack_line *line)
{
    ll_release_rule *rule = &line->rule.release;
    if (optional_argument(p, spec, given, "handle", &rule->argument) < 0)
        return -1;
    return parse_types(p, required(spec, given, "type"), &rule->types, &rule->type_count);
}

static int build_mask(parser *p, const directive_spec *spec, const options *given,
                      ll_pack_line *line)
{
    return parse_argument_mask(p, required(spec, given, "args"), &line->rule.mask);
}

static int build_role(parser *p, const directive_spec *spec, const options *given,
                      ll_pack_line *line)
{
    line->rule.role.role = spec->role;
    if (optional_argument(p, spec, given, "handle", &line->rule.role.handle) < 0 ||
        optional_argument(p, spec, given, "result", &line->rule.role.result) < 0)
        return -1;
    return optional_argument(p, spec, given, "task", &line->rule.role.task);
}

#define REQUIRED(key) {key, true, false}
#define OPTIONAL(key) {key, false, false}
#define FLAG(key)     {key, false, true}

static const directive_spec directives[] = {
    {"blocking",
     LL_DIRECTIVE_BLOCKING,
     0,
     {REQUIRED("category"), OPTIONAL("reason"), OPTIONAL("replace"), OPTIONAL("when")},
     build_blocking},
    {"entry", LL_DIRECTIVE_ENTRY, 0, {REQUIRED("kind"), REQUIRED("arg")}, build_entry},
    {"suspend",
     LL_DIRECTIVE_SUSPEND,
     0,
     {OPTIONAL("deadline"), OPTIONAL("forever"), FLAG("needs-timeout")},
     build_suspend},
    {"acquire",
     LL_DIRECTIVE_ACQUIRE,
     0,
     {REQUIRED("kind"), REQUIRED("handle"), REQUIRED("fail"), REQUIRED("type")},
     build_acquire},
    {"release", LL_DIRECTIVE_RELEASE, 0, {REQUIRED("handle"), REQUIRED("type")}, build_release},
    {"borrows", LL_DIRECTIVE_BORROWS, 0, {REQUIRED("args")}, build_mask},
    {"takes", LL_DIRECTIVE_TAKES, 0, {REQUIRED("args")}, build_mask},
    {"cancel", LL_DIRECTIVE_ROLE, LL_ROLE_CANCEL, {REQUIRED("handle")}, build_role},
    {"join", LL_DIRECTIVE_ROLE, LL_ROLE_JOIN, {REQUIRED("handle")}, build_role},
    {"limiter", LL_DIRECTIVE_ROLE, LL_ROLE_LIMITER, {{NULL, false, false}}, build_role},
    {"item-done", LL_DIRECTIVE_ROLE, LL_ROLE_ITEM_DONE, {REQUIRED("handle")}, build_role},
    {"drain", LL_DIRECTIVE_ROLE, LL_ROLE_DRAIN, {REQUIRED("handle")}, build_role},
    {"queue-close", LL_DIRECTIVE_ROLE, LL_ROLE_QUEUE_CLOSE, {REQUIRED("handle")}, build_role},
    {"shutdown-wait", LL_DIRECTIVE_ROLE, LL_ROLE_SHUTDOWN_WAIT, {{NULL, false, false}}, build_role},
    {"loop-state", LL_DIRECTIVE_ROLE, LL_ROLE_LOOP_STATE, {{NULL, false, false}}, build_role},
    {"must-observe",
     LL_DIRECTIVE_ROLE,
     LL_ROLE_MUST_OBSERVE,
     {OPTIONAL("result"), OPTIONAL("task")},
     build_role},
};

static const directive_spec *find_directive(slice word)
{
    for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++) {
        if (slice_is(word, directives[i].name))
            return &directives[i];
    }
    return NULL;
}

/* Sorts the tokens after the function into options by key, checking that
 * every key is known, given once, and has a value exactly when it is not
 * a flag, and that the required keys are there. */
static int collect_options(parser *p, const directive_spec *spec, options *given)
{
    memset(given, 0, sizeof *given);
    for (uint32_t t = 2; t < p->token_count; t++) {
        const token *option_token = &p->tokens[t];
        slice whole = option_token->whole;
        if (option_token->regex)
            return fail_at(p, token_column(option_token), "unexpected regex after the function");
        uint32_t key_end = option_token->equals < 0 ? whole.length : (uint32_t)option_token->equals;
        slice key = sub_slice(whole, 0, key_end);
        uint32_t k = 0;
        while (k < MAX_KEYS && spec->keys[k].name && !slice_is(key, spec->keys[k].name))
            k++;
        if (k == MAX_KEYS || !spec->keys[k].name)
            return fail_at(p, column_of(whole), "unknown key '%.*s' for '%s'", (int)key.length,
                           key.text, spec->name);
        if (given->present[k])
            return fail_at(p, column_of(whole), "duplicate key '%s'", spec->keys[k].name);
        if (spec->keys[k].flag && option_token->equals >= 0)
            return fail_at(p, whole.columns[key_end], "'%s' is a flag and takes no value",
                           spec->keys[k].name);
        if (!spec->keys[k].flag && option_token->equals < 0)
            return fail_at(p, column_of(whole), "'%s' needs a value (%s=...)", spec->keys[k].name,
                           spec->keys[k].name);
        if (!spec->keys[k].flag && key_end + 1 == whole.length)
            return fail_at(p, whole.columns[key_end + 1], "empty value for '%s'",
                           spec->keys[k].name);
        given->present[k] = true;
        given->columns[k] = column_of(whole);
        given->values[k] = spec->keys[k].flag ? sub_slice(whole, 0, whole.length)
                                              : sub_slice(whole, key_end + 1, whole.length);
    }
    for (uint32_t k = 0; k < MAX_KEYS && spec->keys[k].name; k++) {
        if (spec->keys[k].required && !given->present[k])
            return fail_at(p, column_of(p->tokens[0].whole), "missing required key '%s' for '%s'",
                           spec->keys[k].name, spec->name);
    }
    return 0;
}

static int compile_regex(parser *p, const token *function, ll_pack_line *line)
{
    int code;
    PCRE2_SIZE offset;
    line->regex = pcre2_compile((PCRE2_SPTR)function->whole.text, function->whole.length, 0, &code,
                                &offset, NULL);
    if (!line->regex) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(code, message, sizeof message);
        if (offset > function->whole.length)
            offset = function->whole.length;
        return fail_at(p, function->whole.columns[offset], "bad regex: %s (at offset %zu)",
                       (const char *)message, offset);
    }
    /* Without JIT support pcre2_match() interprets the pattern: slower,
       same answers. */
    (void)pcre2_jit_compile(line->regex, PCRE2_JIT_COMPLETE);
    return 0;
}

static ll_pack_line *push_line(parser *p)
{
    if (p->line_count == p->line_capacity) {
        uint32_t capacity = p->line_capacity ? p->line_capacity * 2 : 64;
        ll_pack_line *bigger = realloc(p->lines, capacity * sizeof *bigger);
        if (!bigger)
            return NULL;
        p->lines = bigger;
        p->line_capacity = capacity;
    }
    ll_pack_line *line = &p->lines[p->line_count++];
    memset(line, 0, sizeof *line);
    return line;
}

/* `<directive> <FUNCTION> options...` */
static int parse_function_line(parser *p, const directive_spec *spec)
{
    const token *directive = &p->tokens[0];
    if (p->token_count < 2)
        return fail_at(p, directive->whole.columns[directive->whole.length],
                       "missing function name or /regex/ after '%s'", spec->name);
    const token *function = &p->tokens[1];
    if (!function->regex && !is_identifier(function->whole))
        return fail_at(p, column_of(function->whole),
                       "expected a function name or /regex/, found '%s'", function->whole.text);
    options given;
    if (collect_options(p, spec, &given) < 0)
        return -1;
    ll_pack_line *line = push_line(p);
    if (!line)
        return out_of_memory(p);
    line->directive = spec->directive;
    line->source_line = p->line;
    if (function->regex) {
        if (compile_regex(p, function, line) < 0)
            return -1;
    } else if (!(line->name = copy_slice(p, function->whole))) {
        return out_of_memory(p);
    }
    return spec->build(p, spec, &given, line);
}

static bool is_pack_name(slice s)
{
    if (s.length == 0 || !(is_identifier_start(s.text[0]) || is_digit(s.text[0])))
        return false;
    for (uint32_t i = 0; i < s.length; i++) {
        char c = s.text[i];
        if (!is_identifier_start(c) && !is_digit(c) && c != '-' && c != '.')
            return false;
    }
    return true;
}

/* `pack NAME` */
static int parse_pack_statement(parser *p)
{
    const token *keyword = &p->tokens[0];
    ll_pack *pack = p->pack;
    if (pack->name)
        return fail_at(p, column_of(keyword->whole),
                       "duplicate `pack` statement (this pack is '%s', named at line %u)",
                       pack->name, pack->name_line);
    if (p->token_count < 2)
        return fail_at(p, keyword->whole.columns[keyword->whole.length],
                       "missing pack name after 'pack'");
    slice name = p->tokens[1].whole;
    if (p->tokens[1].regex || !is_pack_name(name))
        return fail_at(p, token_column(&p->tokens[1]),
                       "bad pack name '%s' (letters, digits, '_', '-', '.')", name.text);
    if (p->token_count > 2)
        return fail_at(p, token_column(&p->tokens[2]), "unexpected '%s' after the pack name",
                       p->tokens[2].whole.text);
    pack->name = copy_slice(p, name);
    pack->name_line = p->line;
    pack->name_column = column_of(name);
    return pack->name ? 0 : out_of_memory(p);
}

static int parse_statement(parser *p)
{
    const token *word = &p->tokens[0];
    if (word->regex)
        return fail_at(p, token_column(word), "expected a directive, found a regex");
    if (slice_is(word->whole, "pack"))
        return parse_pack_statement(p);
    if (!p->pack->name)
        return fail_at(p, column_of(word->whole),
                       "expected `pack NAME` before any other statement");
    if (slice_is(word->whole, "strict-io")) {
        if (p->token_count > 1)
            return fail_at(p, token_column(&p->tokens[1]), "'strict-io' takes nothing after it");
        p->pack->strict_io = true;
        return 0;
    }
    const directive_spec *spec = find_directive(word->whole);
    if (!spec)
        return fail_at(p, column_of(word->whole), "unknown directive '%s'", word->whole.text);
    return parse_function_line(p, spec);
}

/* ---- The pack -------------------------------------------------------------------- */
/* Moves the lines into the arena, indexes the regexes and gives entries
 * what they inherit from the pack (strict-io may be written anywhere). */
static int finish_pack(parser *p)
{
    ll_pack *pack = p->pack;
    if (!pack->name)
        return ll_error_set(p->error, "%s:1:1: no `pack NAME` statement", p->path);
    if (p->line_count) {
        pack->lines = ll_arena_alloc(&pack->arena, p->line_count * sizeof *pack->lines);
        if (!pack->lines)
            return out_of_memory(p);
        memcpy(pack->lines, p->lines, p->line_count * sizeof *pack->lines);
        pack->line_count = p->line_count;
        /* The regexes now belong to pack->lines: p->lines must not free them. */
        p->line_count = 0;
    }
    for (uint32_t i = 0; i < pack->line_count; i++)
        pack->regex_count += pack->lines[i].regex != NULL;
    if (pack->regex_count) {
        pack->regex_lines =
            ll_arena_alloc(&pack->arena, pack->regex_count * sizeof *pack->regex_lines);
        if (!pack->regex_lines)
            return out_of_memory(p);
    }
    for (uint32_t i = 0, r = 0; i < pack->line_count; i++) {
        ll_pack_line *line = &pack->lines[i];
        line->pack = pack;
        if (line->regex)
            pack->regex_lines[r++] = line;
        if (line->directive == LL_DIRECTIVE_ENTRY) {
            line->rule.entry.strict_io = pack->strict_io;
            line->rule.entry.pack = pack->name;
        }
    }
    return 0;
}

static int parse_lines(parser *p, const char *text, size_t length)
{
    size_t start = 0;
    for (p->line = 1;; p->line++) {
        const char *newline = memchr(text + start, '\n', length - start);
        size_t end = newline ? (size_t)(newline - text) : length;
        if (split_line(p, text + start, end - start) < 0)
            return -1;
        if (p->token_count && parse_statement(p) < 0)
            return -1;
        if (!newline)
            break;
        start = end + 1;
    }
    return 0;
}

ll_pack *ll_pack_parse(const char *path, const char *text, size_t length, ll_error *error)
{
    if (length > UINT32_MAX / 4 - 1) {
        ll_error_set(error, "%s: too large for a rule pack", path);
        return NULL;
    }
    ll_arena arena = {NULL};
    ll_pack *pack = ll_arena_alloc(&arena, sizeof *pack);
    if (!pack) {
        ll_error_set(error, "%s: out of memory", path);
        return NULL;
    }
    pack->arena = arena; /* from here on it owns everything, itself included */
    parser p = {.path = path, .pack = pack, .error = error};
    p.text = malloc(2 * length + 2);
    p.columns = malloc((2 * length + 2) * sizeof *p.columns);
    pack->path = ll_arena_strndup(&pack->arena, path, strlen(path));
    if (!p.text || !p.columns || !pack->path) {
        ll_error_set(error, "%s: out of memory", path);
        goto fail;
    }
    if (parse_lines(&p, text, length) < 0 || finish_pack(&p) < 0)
        goto fail;
    free(p.text);
    free(p.columns);
    free(p.tokens);
    free(p.lines);
    return pack;

fail:
    /* Each compiled regex is in p.lines, or in pack->lines once
       finish_pack has moved them there (and emptied p.lines). */
    for (uint32_t i = 0; i < p.line_count; i++)
        pcre2_code_free(p.lines[i].regex);
    free(p.text);
    free(p.columns);
    free(p.tokens);
    free(p.lines);
    ll_pack_free(pack);
    return NULL;
}

void ll_pack_free(ll_pack *pack)
{
    if (!pack)
        return;
    for (uint32_t i = 0; i < pack->line_count; i++)
        pcre2_code_free(pack->lines[i].regex);
    ll_arena arena = pack->arena; /* the pack lives in its own arena */
    ll_arena_free(&arena);
}
