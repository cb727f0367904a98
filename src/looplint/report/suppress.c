/*
 * suppress.c - the comments that silence findings (report.h,
 * docs/suppressions.md): finding them with PCRE2, marking the findings
 * they cover, and reporting the ignore comments that cover nothing.
 *
 * Files are read through the report's source cache, once each whatever
 * the number of findings in them, and split into lines there; only a line
 * that holds "looplint:" or clang-tidy's word is given to a pattern, so
 * scanning a file costs little more than reading it. The files are those holding
 * findings and those the caller names (the program's own sources), sorted,
 * so that a finding finds its file by binary search.
 *
 * What a comment covers is decided when it is parsed: its own line; the
 * next line too when an ignore comment stands alone on its line (the
 * "line above" form) or for clang-tidy's NEXTLINE form; a BEGIN..END
 * region; the whole file for ignore-file. A finding covered by several
 * comments marks them all used, so none of them is reported as unused.
 *
 * Unused comments are found in two passes: first every id but
 * `unused-suppression` itself, whose findings the comments may suppress
 * in turn (`ignore-file[unused-suppression]`); then that id, once those
 * findings have had their chance to use it.
 */
#define _GNU_SOURCE           /* memmem */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* clang-tidy reads its comments' word anywhere in a line, strings included:
 * spelt whole in this file's code, it would be taken for one of them. */
#define NOLINT_WORD                                                                                \
    "NO"                                                                                           \
    "LINT"

/* Groups: 1 the comment's opener, 2 the directive, 3 the ids (unset when
 * the brackets are missing), 4 the rest of the line. */
static const char ignore_pattern[] =
    "(//|/\\*)[ \\t]*looplint:[ \\t]*(ignore(?:-file)?)\\b[ \\t]*(?:\\[([^\\]]*)\\])?(.*)";

/* Groups: 1 NEXTLINE, BEGIN or END, 2 the parenthesised globs, 3 inside
 * them, 4 the rest of the line. */
static const char nolint_pattern[] =
    "\\b" NOLINT_WORD "(NEXTLINE|BEGIN|END)?\\b(\\(([^)]*)\\))?(.*)";

/* Both patterns have four groups: the match and them, in one match data. */
enum { MATCH_PAIRS = 5 };

struct ll_suppression_parser {
    pcre2_code *ignore;
    pcre2_code *nolint;
};

static pcre2_code *compile(const char *pattern, ll_error *error)
{
    int code;
    PCRE2_SIZE offset;
    pcre2_code *regex =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &offset, NULL);
    if (!regex) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(code, message, sizeof message);
        ll_error_set(error, "suppression pattern, offset %zu: %s", offset, (const char *)message);
        return NULL;
    }
    (void)pcre2_jit_compile(regex, PCRE2_JIT_COMPLETE); /* the interpreter is the fallback */
    return regex;
}

ll_suppression_parser *ll_suppression_parser_new(ll_error *error)
{
    ll_suppression_parser *parser = calloc(1, sizeof *parser);
    if (!parser) {
        ll_error_set(error, "out of memory");
        return NULL;
    }
    if (!(parser->ignore = compile(ignore_pattern, error)) ||
        !(parser->nolint = compile(nolint_pattern, error))) {
        ll_suppression_parser_free(parser);
        return NULL;
    }
    return parser;
}

void ll_suppression_parser_free(ll_suppression_parser *parser)
{
    if (!parser)
        return;
    pcre2_code_free(parser->ignore);
    pcre2_code_free(parser->nolint);
    free(parser);
}

/* ---- Building suppressions ------------------------------------------------------------- */

static void suppression_free(ll_suppression *suppression)
{
    for (uint32_t i = 0; i < suppression->id_count; i++)
        free(suppression->ids[i]);
    free(suppression->ids);
    free(suppression->used);
    free(suppression->reason);
    free(suppression->problem);
}

void ll_suppressions_free(ll_suppressions *suppressions)
{
    for (size_t i = 0; i < suppressions->count; i++)
        suppression_free(&suppressions->items[i]);
    free(suppressions->items);
    free(suppressions->open_regions);
    memset(suppressions, 0, sizeof *suppressions);
}

static ll_suppression *push(ll_suppressions *out, enum ll_suppression_kind kind, uint32_t line,
                            uint32_t column)
{
    ll_suppression *bigger = realloc(out->items, (out->count + 1) * sizeof *bigger);
    if (!bigger)
        return NULL;
    out->items = bigger;
    ll_suppression *suppression = &out->items[out->count++];
    memset(suppression, 0, sizeof *suppression);
    suppression->kind = kind;
    suppression->line = line;
    suppression->column = column;
    return suppression;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Turns a suppression into a malformed one saying why. */
static int malformed(ll_suppression *suppression, const char *problem)
{
    suppression->kind = LL_SUPPRESSION_MALFORMED;
    suppression->first_line = suppression->last_line = 0;
    return (suppression->problem = strdup(problem)) ? 0 : -1;
}

/* Splits "a, b ,c" into trimmed ids. An empty id makes the comment
 * malformed. 0, or -1 when out of memory. */
static int split_ids(ll_suppression *suppression, const char *text, size_t length)
{
    const char *end = text + length;
    for (const char *start = text; start <= end;) {
        const char *comma = memchr(start, ',', (size_t)(end - start));
        const char *stop = comma ? comma : end;
        const char *first = start;
        const char *last = stop;
        while (first < last && is_blank(*first))
            first++;
        while (last > first && is_blank(last[-1]))
            last--;
        if (first == last)
            return malformed(suppression, "a suppression comment with an empty rule id");
        char **ids = realloc(suppression->ids, (suppression->id_count + 1) * sizeof *ids);
        if (!ids)
            return -1;
        suppression->ids = ids;
        if (!(ids[suppression->id_count] = strndup(first, (size_t)(last - first))))
            return -1;
        suppression->id_count++;
        start = stop + 1;
    }
    suppression->used = calloc(suppression->id_count, sizeof *suppression->used);
    return suppression->used ? 0 : -1;
}

/* The reason written after the directive: the rest of the comment, without
 * the separators people put first (`: `, `-- `), the end of a block
 * comment, or a further `//` comment on the line (an expectation, say). */
static int set_reason(ll_suppression *suppression, const char *text, size_t length)
{
    const char *end = text + length;
    const char *close = memmem(text, length, "*/", 2);
    if (close)
        end = close;
    for (const char *at = text; at + 1 < end; at++) {
        if (at[0] == '/' && at[1] == '/' && (at == text || is_blank(at[-1]))) {
            end = at;
            break;
        }
    }
    while (text < end && (is_blank(*text) || *text == ':' || *text == '-'))
        text++;
    while (end > text && is_blank(end[-1]))
        end--;
    if (text == end)
        return 0;
    return (suppression->reason = strndup(text, (size_t)(end - text))) ? 0 : -1;
}

static size_t group_length(const PCRE2_SIZE *vector, size_t group)
{
    return vector[2 * group + 1] - vector[2 * group];
}

static bool group_set(const PCRE2_SIZE *vector, size_t group)
{
    return vector[2 * group] != PCRE2_UNSET;
}

/* `looplint: ignore[...]` / `ignore-file[...]` found on a line. */
static int add_ignore(ll_suppressions *out, const char *line, const PCRE2_SIZE *vector,
                      uint32_t number)
{
    size_t start = vector[2];
    bool whole_file = group_length(vector, 2) == strlen("ignore-file");
    ll_suppression *suppression =
        push(out, whole_file ? LL_SUPPRESSION_IGNORE_FILE : LL_SUPPRESSION_IGNORE, number,
             (uint32_t)start + 1);
    if (!suppression)
        return -1;
    if (!group_set(vector, 3))
        return malformed(suppression, whole_file
                                          ? "expected `looplint: ignore-file[rule-id, ...]`"
                                          : "expected `looplint: ignore[rule-id, ...] reason`");
    bool alone = true;
    for (size_t i = 0; i < start && alone; i++)
        alone = is_blank(line[i]);
    suppression->first_line = number;
    suppression->last_line = alone ? number + 1 : number;
    if (whole_file) {
        suppression->first_line = 1;
        suppression->last_line = UINT32_MAX;
    }
    if (split_ids(suppression, line + vector[6], group_length(vector, 3)) < 0)
        return -1;
    return set_reason(suppression, line + vector[8], group_length(vector, 4));
}

static bool same_ids(const ll_suppression *a, const ll_suppression *b)
{
    if (a->id_count != b->id_count)
        return false;
    for (uint32_t i = 0; i < a->id_count; i++) {
        if (strcmp(a->ids[i], b->ids[i]) != 0)
            return false;
    }
    return true;
}

/* An END closes the latest open BEGIN naming the same checks, as clang-tidy
 * pairs them; the END itself leaves no suppression behind. */
static int close_region(ll_suppressions *out, uint32_t number)
{
    ll_suppression *end = &out->items[out->count - 1];
    for (size_t i = out->open_count; i-- > 0;) {
        ll_suppression *begin = &out->items[out->open_regions[i]];
        if (!same_ids(begin, end))
            continue;
        begin->last_line = number;
        memmove(&out->open_regions[i], &out->open_regions[i + 1],
                (out->open_count - i - 1) * sizeof *out->open_regions);
        out->open_count--;
        suppression_free(end);
        out->count--;
        return 0;
    }
    return malformed(end, NOLINT_WORD "END without a " NOLINT_WORD "BEGIN for the same checks");
}

static int open_region(ll_suppressions *out)
{
    size_t *bigger = realloc(out->open_regions, (out->open_count + 1) * sizeof *bigger);
    if (!bigger)
        return -1;
    out->open_regions = bigger;
    out->open_regions[out->open_count++] = out->count - 1;
    return 0;
}

/* One of clang-tidy's comments found on a line: a plain one, or its
 * NEXTLINE, BEGIN or END form. */
static int add_nolint(ll_suppressions *out, const char *line, const PCRE2_SIZE *vector,
                      uint32_t number)
{
    const char *variant = group_set(vector, 1) ? line + vector[2] : "";
    /* Empty parentheses name no check: nothing is suppressed, as in clang-tidy. */
    if (group_set(vector, 2) && group_length(vector, 3) == 0)
        return 0;
    ll_suppression *suppression = push(out, LL_SUPPRESSION_NOLINT, number, (uint32_t)vector[0] + 1);
    if (!suppression)
        return -1;
    suppression->first_line = suppression->last_line = number;
    if (strncmp(variant, "NEXTLINE", 8) == 0)
        suppression->first_line = suppression->last_line = number + 1;
    if (group_set(vector, 2) &&
        split_ids(suppression, line + vector[6], group_length(vector, 3)) < 0)
        return -1;
    if (suppression->kind == LL_SUPPRESSION_MALFORMED)
        return 0;
    /* The reason stops where another such comment on the line starts. */
    const char *rest = line + vector[8];
    const char *next = memmem(rest, group_length(vector, 4), NOLINT_WORD, 6);
    if (set_reason(suppression, rest, next ? (size_t)(next - rest) : group_length(vector, 4)) < 0)
        return -1;
    if (strncmp(variant, "BEGIN", 5) == 0) {
        suppression->last_line = 0; /* covers nothing until its END */
        return open_region(out);
    }
    if (strncmp(variant, "END", 3) == 0)
        return close_region(out, number);
    return 0;
}

/* The suppressions written on one line (its end of line excluded). */
static int parse_line(const ll_suppression_parser *parser, pcre2_match_data *match,
                      const char *line, size_t length, uint32_t number, ll_suppressions *out)
{
    const PCRE2_SIZE *vector = pcre2_get_ovector_pointer(match);
    if (memmem(line, length, "looplint:", 9) &&
        pcre2_match(parser->ignore, (PCRE2_SPTR)line, length, 0, 0, match, NULL) > 0 &&
        add_ignore(out, line, vector, number) < 0)
        return -1;
    /* Several of clang-tidy's comments may share a line (a BEGIN and its END): each
       match resumes after the previous one's parentheses. */
    for (size_t start = 0;
         start < length && memmem(line + start, length - start, NOLINT_WORD, 6);) {
        if (pcre2_match(parser->nolint, (PCRE2_SPTR)line, length, start, 0, match, NULL) <= 0)
            break;
        if (add_nolint(out, line, vector, number) < 0)
            return -1;
        start = vector[8]; /* where the rest of the line, group 4, begins */
    }
    return 0;
}

/* At the end of a file: a BEGIN still open covers nothing. */
static int finish(ll_suppressions *out)
{
    for (size_t i = 0; i < out->open_count; i++) {
        if (malformed(&out->items[out->open_regions[i]],
                      NOLINT_WORD "BEGIN without an " NOLINT_WORD "END for the same checks") < 0)
            return -1;
    }
    out->open_count = 0;
    return 0;
}

int ll_suppressions_parse(const ll_suppression_parser *parser, const char *text, size_t length,
                          ll_suppressions *out, ll_error *error)
{
    pcre2_match_data *match = pcre2_match_data_create(MATCH_PAIRS, NULL);
    int result = -1;
    if (!match)
        goto done;
    uint32_t number = 0;
    for (size_t at = 0; at < length;) {
        const char *newline = memchr(text + at, '\n', length - at);
        size_t line_length = newline ? (size_t)(newline - (text + at)) : length - at;
        if (parse_line(parser, match, text + at, line_length, ++number, out) < 0)
            goto done;
        at += line_length + 1;
    }
    result = finish(out);
done:
    pcre2_match_data_free(match);
    return result < 0 ? ll_error_set(error, "out of memory") : 0;
}

/* ---- Matching -------------------------------------------------------------------------- */

/* clang-tidy's globs: `*` matches any run of characters. */
static bool glob_matches(const char *glob, const char *text)
{
    const char *star = NULL;
    const char *resume = NULL;
    while (*text) {
        if (*glob == '*') {
            star = glob++;
            resume = text;
        } else if (*glob == *text) {
            glob++;
            text++;
        } else if (star) {
            glob = star + 1;
            text = ++resume;
        } else {
            return false;
        }
    }
    while (*glob == '*')
        glob++;
    return !*glob;
}

int ll_suppression_match(const ll_suppression *suppression, const char *rule, uint32_t line)
{
    if (suppression->kind == LL_SUPPRESSION_MALFORMED || line < suppression->first_line ||
        line > suppression->last_line)
        return -1;
    if (suppression->kind != LL_SUPPRESSION_NOLINT) {
        for (uint32_t i = 0; i < suppression->id_count; i++) {
            if (strcmp(suppression->ids[i], rule) == 0)
                return (int)i;
        }
        return -1;
    }
    if (!suppression->id_count)
        return 0;
    char name[256];
    snprintf(name, sizeof name, "looplint-%s", rule);
    for (uint32_t i = 0; i < suppression->id_count; i++) {
        if (glob_matches(suppression->ids[i], name))
            return (int)i;
    }
    return -1;
}

/* ---- Applying -------------------------------------------------------------------------- */

typedef struct source {
    const char *path; /* borrowed from a finding or the options */
    ll_suppressions suppressions;
} source;

typedef struct applier {
    const ll_suppress_options *options;
    source *sources; /* sorted by path */
    size_t source_count;
    ll_source_cache cache;
} applier;

static int compare_sources(const void *a, const void *b)
{
    return strcmp(((const source *)a)->path, ((const source *)b)->path);
}

static source *find_source(applier *apply, const char *path)
{
    source key = {.path = path};
    return bsearch(&key, apply->sources, apply->source_count, sizeof key, compare_sources);
}

/* Every file to scan, sorted, each once. */
static int collect_sources(applier *apply, const ll_findings *findings)
{
    size_t extra = 0;
    for (const char *const *file = apply->options->files; file && *file; file++)
        extra++;
    apply->sources = calloc(findings->count + extra + 1, sizeof *apply->sources);
    if (!apply->sources)
        return -1;
    for (size_t i = 0; i < findings->count; i++) {
        if (*findings->items[i].place.file)
            apply->sources[apply->source_count++].path = findings->items[i].place.file;
    }
    for (size_t i = 0; i < extra; i++)
        apply->sources[apply->source_count++].path = apply->options->files[i];
    qsort(apply->sources, apply->source_count, sizeof *apply->sources, compare_sources);
    size_t unique = 0;
    for (size_t i = 0; i < apply->source_count; i++) {
        if (!unique || strcmp(apply->sources[unique - 1].path, apply->sources[i].path) != 0)
            apply->sources[unique++] = apply->sources[i];
    }
    apply->source_count = unique;
    return 0;
}

static int scan_source(applier *apply, const ll_suppression_parser *parser, pcre2_match_data *match,
                       source *file)
{
    size_t length;
    const char *line;
    for (uint32_t number = 1;
         (line = ll_source_line(&apply->cache, file->path, number, &length)) != NULL; number++) {
        if (parse_line(parser, match, line, length, number, &file->suppressions) < 0)
            return -1;
    }
    return finish(&file->suppressions);
}

/* Marks the finding suppressed by every comment of its file that covers
 * it (the first gives the reason). 0, or -1 when out of memory. */
static int suppress(applier *apply, ll_finding *finding)
{
    source *file = *finding->place.file ? find_source(apply, finding->place.file) : NULL;
    for (size_t i = 0; file && i < file->suppressions.count; i++) {
        ll_suppression *suppression = &file->suppressions.items[i];
        int id = ll_suppression_match(suppression, finding->rule, finding->place.line);
        if (id < 0)
            continue;
        if (suppression->used)
            suppression->used[id] = true;
        if (finding->suppressed)
            continue;
        finding->suppressed = true;
        if (suppression->reason && !(finding->reason = strdup(suppression->reason)))
            return -1;
    }
    return 0;
}

static bool listed(const char *const *ids, const char *id)
{
    for (const char *const *each = ids; each && *each; each++) {
        if (strcmp(*each, id) == 0)
            return true;
    }
    return false;
}

static int report_unused(const source *file, const ll_suppression *suppression, uint32_t id,
                         const char *message, ll_findings *out)
{
    const char *directive =
        suppression->kind == LL_SUPPRESSION_IGNORE_FILE ? "ignore-file" : "ignore";
    char text[256];
    snprintf(text, sizeof text, "%s [ %s ]", directive,
             suppression->id_count ? suppression->ids[id] : "");
    return ll_findings_addf(out, LL_UNUSED_SUPPRESSION, LL_SEVERITY_NOTE, file->path,
                            suppression->line, suppression->column, "", text, "%s", message)
               ? 0
               : -1;
}

/* The findings for one ignore comment: each id it names that is unknown,
 * or that ran and matched nothing. `self` chooses the pass: the
 * unused-suppression id alone, or every other id. */
static int unused_ids(const applier *apply, const source *file, const ll_suppression *suppression,
                      bool self, ll_findings *out)
{
    char message[512];
    for (uint32_t i = 0; i < suppression->id_count; i++) {
        const char *id = suppression->ids[i];
        if ((strcmp(id, LL_UNUSED_SUPPRESSION) == 0) != self)
            continue;
        if (!listed(apply->options->known, id))
            snprintf(message, sizeof message,
                     "'%s' is not a looplint check, so this comment suppresses nothing "
                     "(`looplint rules` lists the ids)",
                     id);
        else if (listed(apply->options->active, id) && !suppression->used[i])
            snprintf(message, sizeof message,
                     suppression->kind == LL_SUPPRESSION_IGNORE_FILE
                         ? "this ignore-file comment suppresses no '%s' finding in the file; "
                           "remove it"
                         : "this ignore comment suppresses no '%s' finding on its line or the "
                           "next; remove it",
                     id);
        else
            continue;
        if (report_unused(file, suppression, i, message, out) < 0)
            return -1;
    }
    return 0;
}

static int find_unused(const applier *apply, bool self, ll_findings *out)
{
    for (size_t f = 0; f < apply->source_count; f++) {
        const source *file = &apply->sources[f];
        for (size_t i = 0; i < file->suppressions.count; i++) {
            const ll_suppression *suppression = &file->suppressions.items[i];
            int result = 0;
            if (suppression->kind == LL_SUPPRESSION_MALFORMED && !self)
                result = report_unused(file, suppression, 0, suppression->problem, out);
            else if (suppression->kind == LL_SUPPRESSION_IGNORE ||
                     suppression->kind == LL_SUPPRESSION_IGNORE_FILE)
                result = unused_ids(apply, file, suppression, self, out);
            if (result < 0)
                return -1;
        }
    }
    return 0;
}

/* The unused-suppression findings, suppressible themselves, then those of
 * comments that name unused-suppression and were not used by them. */
static int add_unused(applier *apply, ll_findings *findings)
{
    ll_findings unused;
    ll_findings unused_self;
    ll_findings_init(&unused);
    ll_findings_init(&unused_self);
    int result = -1;
    if (find_unused(apply, false, &unused) < 0)
        goto done;
    for (size_t i = 0; i < unused.count; i++) {
        if (suppress(apply, &unused.items[i]) < 0)
            goto done;
    }
    if (find_unused(apply, true, &unused_self) < 0 || ll_findings_append(findings, &unused) < 0 ||
        ll_findings_append(findings, &unused_self) < 0)
        goto done;
    result = 0;
done:
    ll_findings_free(&unused);
    ll_findings_free(&unused_self);
    return result;
}

int ll_suppressions_apply(ll_findings *findings, const ll_suppress_options *options,
                          ll_error *error)
{
    applier apply = {.options = options};
    ll_source_cache_init(&apply.cache);
    ll_suppression_parser *parser = ll_suppression_parser_new(error);
    pcre2_match_data *match = pcre2_match_data_create(MATCH_PAIRS, NULL);
    int result = -1;
    if (!parser)
        goto done;
    if (!match || collect_sources(&apply, findings) < 0)
        goto out_of_memory;
    for (size_t i = 0; i < apply.source_count; i++) {
        if (scan_source(&apply, parser, match, &apply.sources[i]) < 0)
            goto out_of_memory;
    }
    for (size_t i = 0; i < findings->count; i++) {
        if (suppress(&apply, &findings->items[i]) < 0)
            goto out_of_memory;
    }
    if (options->report_unused && add_unused(&apply, findings) < 0)
        goto out_of_memory;
    result = 0;
    goto done;
out_of_memory:
    ll_error_set(error, "out of memory while applying suppressions");
done:
    for (size_t i = 0; i < apply.source_count; i++)
        ll_suppressions_free(&apply.sources[i].suppressions);
    free(apply.sources);
    ll_source_cache_free(&apply.cache);
    pcre2_match_data_free(match);
    ll_suppression_parser_free(parser);
    return result;
}
