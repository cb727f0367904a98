/*
 * html.c - findings as one self-contained web page, like scan-build's
 * reports: a summary by check and by file, filters, and each finding with
 * the source around it and its notes drawn on the code as numbered steps.
 *
 * The page must open from a CI artifact or a mail attachment, so it loads
 * nothing: the style and the script are inline (html_assets.c) and a
 * Content-Security-Policy forbids every other resource. What the script
 * needs travels in data- attributes of each finding, never in script text,
 * so no string from the analysed project is ever parsed as JavaScript;
 * every such string (source lines, paths, messages, function names,
 * reasons) goes through print_text, which escapes the five characters
 * that matter to HTML and replaces bytes that are not UTF-8. Without the
 * script every finding is shown and the filters stay hidden.
 *
 * A finding's steps are its notes in order, then its primary location.
 * Consecutive steps in one file that lie close together share an excerpt,
 * each step's message in a bubble under its line; a step whose source
 * cannot be read shows its place and message only.
 *
 * Printing goes straight to the stream (report.c checks it once). Running
 * out of memory while repairing a string is remembered in the writer and
 * reported at the end, so that the printing functions need no status.
 */
#include "html.h"
#include "internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
    CONTEXT_LINES = 3, /* source lines shown before and after the steps */
    GROUP_SPAN = 20,   /* steps at most this many lines apart share an excerpt */
    TAB_WIDTH = 8,     /* the style's tab-size, for placing bubbles */
};

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Findings listed, counted by one key (a check id or a path). */
struct tally {
    const char *key;
    enum ll_severity severity; /* the highest among them */
    size_t count;
};

struct tallies {
    struct tally *items;
    size_t count, capacity;
};

struct html_writer {
    FILE *out;
    const ll_report_options *options;
    ll_source_cache sources;
    struct tallies checks, files;
    size_t listed;         /* findings on the page */
    size_t by_severity[3]; /* of those, not suppressed */
    size_t suppressed;     /* all suppressed findings, listed or not */
    bool out_of_memory;
};

/* One step of a finding: a note, or (the last) the finding itself. */
struct step {
    const ll_place *place;
    const char *message;
    bool primary;
};

/* ---- Escaping ---------------------------------------------------------------------------- */

/* Escaped for element text and quoted attribute values alike. Control
 * characters other than tab and newline are not allowed in HTML text. */
static void put_escaped(FILE *out, const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        unsigned char byte = (unsigned char)text[i];
        if (byte == '&')
            fputs("&amp;", out);
        else if (byte == '<')
            fputs("&lt;", out);
        else if (byte == '>')
            fputs("&gt;", out);
        else if (byte == '"')
            fputs("&quot;", out);
        else if (byte == '\'')
            fputs("&#39;", out);
        else if ((byte < 0x20 && byte != '\t' && byte != '\n') || byte == 0x7F)
            fputs(replacement, out);
        else
            fputc(byte, out);
    }
}

static bool is_plain_ascii(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (text[i] == '\0' || (unsigned char)text[i] >= 0x80)
            return false;
    }
    return true;
}

/* Prints `length` bytes from the analysed project, escaped, with every
 * byte that is not UTF-8 replaced. */
static void print_text(struct html_writer *writer, const char *text, size_t length)
{
    if (is_plain_ascii(text, length)) {
        put_escaped(writer->out, text, length);
        return;
    }
    char *copy = malloc(length + 1);
    char *repaired = NULL;
    if (copy) {
        memcpy(copy, text, length);
        copy[length] = '\0';
        /* A NUL would end the string early: make it a control character,
           which put_escaped replaces. */
        for (size_t i = 0; i < length; i++) {
            if (copy[i] == '\0')
                copy[i] = '\x1A';
        }
        repaired = ll_utf8_repaired(copy);
    }
    if (repaired)
        put_escaped(writer->out, repaired, strlen(repaired));
    else
        writer->out_of_memory = true;
    free(copy);
    free(repaired);
}

static void print_string(struct html_writer *writer, const char *text)
{
    print_text(writer, text, strlen(text));
}

static void print_path(struct html_writer *writer, const char *path)
{
    print_string(writer, ll_path_under_root(path, writer->options->root));
}

static void print_place(struct html_writer *writer, const ll_place *place)
{
    fputs("<span class=\"location\">", writer->out);
    print_path(writer, place->file);
    if (place->line) {
        fprintf(writer->out, ":%" PRIu32, place->line);
        if (place->column)
            fprintf(writer->out, ":%" PRIu32, place->column);
    }
    fputs("</span>", writer->out);
}

static void print_severity(struct html_writer *writer, enum ll_severity severity)
{
    const char *name = ll_severity_name(severity);
    fprintf(writer->out, "<span class=\"severity %s\">%s</span>", name, name);
}

/* ---- Counting ---------------------------------------------------------------------------- */

static int tally_add(struct tallies *tallies, const char *key, enum ll_severity severity)
{
    for (size_t i = 0; i < tallies->count; i++) {
        struct tally *tally = &tallies->items[i];
        if (strcmp(tally->key, key) == 0) {
            tally->count++;
            tally->severity = severity > tally->severity ? severity : tally->severity;
            return 0;
        }
    }
    if (tallies->count == tallies->capacity) {
        size_t capacity = tallies->capacity ? tallies->capacity * 2 : 16;
        struct tally *bigger = realloc(tallies->items, capacity * sizeof *bigger);
        if (!bigger)
            return -1;
        tallies->items = bigger;
        tallies->capacity = capacity;
    }
    tallies->items[tallies->count++] = (struct tally){key, severity, 1};
    return 0;
}

static int compare_tallies(const void *left, const void *right)
{
    return strcmp(((const struct tally *)left)->key, ((const struct tally *)right)->key);
}

/* qsort may not be given the NULL of an empty list. */
static void sort_tallies(struct tallies *tallies)
{
    if (tallies->count > 1)
        qsort(tallies->items, tallies->count, sizeof *tallies->items, compare_tallies);
}

static int count_findings(struct html_writer *writer, const ll_findings *findings)
{
    const char *root = writer->options->root;
    for (size_t i = 0; i < findings->count; i++) {
        const ll_finding *finding = &findings->items[i];
        writer->suppressed += finding->suppressed;
        if (!ll_report_shows(finding, writer->options))
            continue;
        writer->listed++;
        if (!finding->suppressed)
            writer->by_severity[finding->severity]++;
        if (tally_add(&writer->checks, finding->rule, finding->severity) != 0 ||
            tally_add(&writer->files, ll_path_under_root(finding->place.file, root),
                      finding->severity) != 0)
            return -1;
    }
    sort_tallies(&writer->checks);
    sort_tallies(&writer->files);
    return 0;
}

/* ---- Head, header and summary ------------------------------------------------------------ */

static void print_head(struct html_writer *writer)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"looplint\">\n"
          "<title>looplint report</title>\n<style>\n",
          writer->out);
    fputs(ll_html_style, writer->out);
    fputs("</style>\n</head>\n<body>\n", writer->out);
}

static void print_count(struct html_writer *writer, size_t count, enum ll_severity severity)
{
    const char *name = ll_severity_name(severity);
    fprintf(writer->out, "<span class=\"count %s\">%zu %s%s</span>", name, count, name,
            count == 1 ? "" : "s");
}

static void print_header(struct html_writer *writer)
{
    const char *version = writer->options->version ? writer->options->version : LOOPLINT_VERSION;
    fputs("<header>\n<h1>looplint report</h1>\n<p class=\"tool\">looplint ", writer->out);
    print_string(writer, version);
    fprintf(writer->out,
            "</p>\n<p class=\"counts\"><span id=\"total\">%zu finding%s</span>: ", writer->listed,
            writer->listed == 1 ? "" : "s");
    print_count(writer, writer->by_severity[LL_SEVERITY_ERROR], LL_SEVERITY_ERROR);
    fputs(", ", writer->out);
    print_count(writer, writer->by_severity[LL_SEVERITY_WARNING], LL_SEVERITY_WARNING);
    fputs(", ", writer->out);
    print_count(writer, writer->by_severity[LL_SEVERITY_NOTE], LL_SEVERITY_NOTE);
    if (writer->suppressed)
        fprintf(writer->out, "; %zu suppressed (%s)", writer->suppressed,
                writer->options->show_suppressed ? "listed" : "not listed");
    fputs("</p>\n</header>\n", writer->out);
}

static void print_check_row(struct html_writer *writer, const struct tally *tally)
{
    const ll_report_rule *rule = ll_report_rule_find(writer->options, tally->key);
    fputs("<tr><td><code>", writer->out);
    print_string(writer, tally->key);
    fputs("</code></td><td>", writer->out);
    print_severity(writer, rule ? rule->severity : tally->severity);
    fprintf(writer->out, "</td><td class=\"number\">%zu</td><td>", tally->count);
    if (rule && rule->summary)
        print_string(writer, rule->summary);
    if (rule && rule->help) {
        fputs("<details><summary>More</summary><pre class=\"help\">", writer->out);
        print_string(writer, rule->help);
        fputs("</pre></details>", writer->out);
    }
    fputs("</td></tr>\n", writer->out);
}

static void print_file_row(struct html_writer *writer, const struct tally *tally)
{
    fputs("<tr><td><code>", writer->out);
    print_string(writer, tally->key);
    fprintf(writer->out, "</code></td><td class=\"number\">%zu</td></tr>\n", tally->count);
}

static void print_summary(struct html_writer *writer)
{
    if (!writer->listed)
        return;
    fputs("<section class=\"summary\">\n<table id=\"by-check\">\n<caption>By check</caption>\n"
          "<thead><tr><th>Check</th><th>Severity</th><th class=\"number\">Findings</th>"
          "<th>What it finds</th></tr></thead>\n<tbody>\n",
          writer->out);
    for (size_t i = 0; i < writer->checks.count; i++)
        print_check_row(writer, &writer->checks.items[i]);
    fputs("</tbody>\n</table>\n<table id=\"by-file\">\n<caption>By file</caption>\n"
          "<thead><tr><th>File</th><th class=\"number\">Findings</th></tr></thead>\n<tbody>\n",
          writer->out);
    for (size_t i = 0; i < writer->files.count; i++)
        print_file_row(writer, &writer->files.items[i]);
    fputs("</tbody>\n</table>\n</section>\n", writer->out);
}

/* ---- Filters ----------------------------------------------------------------------------- */

static void print_option(struct html_writer *writer, const char *value, size_t count)
{
    fputs("<option value=\"", writer->out);
    print_string(writer, value);
    fputs("\">", writer->out);
    print_string(writer, value);
    fprintf(writer->out, " (%zu)</option>", count);
}

static void print_select(struct html_writer *writer, const char *name, const char *label,
                         const struct tallies *tallies)
{
    fprintf(writer->out, "<label>%s <select name=\"%s\"><option value=\"\">all</option>", label,
            name);
    for (size_t i = 0; i < tallies->count; i++)
        print_option(writer, tallies->items[i].key, tallies->items[i].count);
    fputs("</select></label>\n", writer->out);
}

static void print_severity_select(struct html_writer *writer)
{
    static const enum ll_severity order[] = {LL_SEVERITY_ERROR, LL_SEVERITY_WARNING,
                                             LL_SEVERITY_NOTE};
    fputs("<label>Severity <select name=\"severity\"><option value=\"\">all</option>", writer->out);
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        fprintf(writer->out, "<option value=\"%s\">%s</option>", ll_severity_name(order[i]),
                ll_severity_name(order[i]));
    fputs("</select></label>\n", writer->out);
}

/* Hidden until the script shows it: without the script it could not work. */
static void print_filters(struct html_writer *writer)
{
    if (!writer->listed)
        return;
    fputs("<form id=\"filters\" hidden>\n", writer->out);
    print_select(writer, "rule", "Check", &writer->checks);
    print_severity_select(writer);
    print_select(writer, "file", "File", &writer->files);
    fputs("<label>Text <input type=\"search\" name=\"text\" "
          "placeholder=\"message, function, code\"></label>\n"
          "<button type=\"reset\">Clear</button>\n"
          "<output id=\"shown\" aria-live=\"polite\"></output>\n</form>\n",
          writer->out);
}

/* ---- Steps drawn on the code ------------------------------------------------------------- */

static uint32_t step_count(const ll_finding *finding)
{
    return finding->note_count + 1;
}

static struct step step_at(const ll_finding *finding, uint32_t index)
{
    if (index < finding->note_count)
        return (struct step){&finding->notes[index].place, finding->notes[index].message, false};
    return (struct step){&finding->place, finding->message, true};
}

/* Steps are numbered only when there are several. */
static void print_step_number(struct html_writer *writer, const ll_finding *finding, uint32_t index)
{
    if (finding->note_count)
        fprintf(writer->out, "<span class=\"step\">%" PRIu32 "</span> ", index + 1);
}

static bool is_drawable(struct html_writer *writer, const ll_place *place)
{
    size_t length;
    return *place->file && place->line &&
           ll_source_line(&writer->sources, place->file, place->line, &length);
}

/* The end (exclusive) of the steps from `first` that share its excerpt,
 * and the lines they span. */
static uint32_t group_end(struct html_writer *writer, const ll_finding *finding, uint32_t first,
                          uint32_t *low, uint32_t *high)
{
    const ll_place *start = step_at(finding, first).place;
    *low = *high = start->line;
    uint32_t end = first + 1;
    for (; end < step_count(finding); end++) {
        const ll_place *place = step_at(finding, end).place;
        if (!is_drawable(writer, place) || strcmp(place->file, start->file) != 0)
            break;
        uint32_t new_low = place->line < *low ? place->line : *low;
        uint32_t new_high = place->line > *high ? place->line : *high;
        if (new_high - new_low > GROUP_SPAN)
            break;
        *low = new_low;
        *high = new_high;
    }
    return end;
}

/* Whether a step of the group points at byte `at` of line `number`. */
static bool is_marked(const ll_finding *finding, uint32_t first, uint32_t end, uint32_t number,
                      size_t at)
{
    for (uint32_t i = first; i < end; i++) {
        const ll_place *place = step_at(finding, i).place;
        if (place->line == number && place->column == at + 1)
            return true;
    }
    return false;
}

/* The bytes a mark covers: an identifier (the callee's name, mostly), else
 * one character. */
static size_t token_length(const char *text, size_t left)
{
    size_t length = 0;
    while (length < left && (text[length] == '_' || (text[length] >= 'a' && text[length] <= 'z') ||
                             (text[length] >= 'A' && text[length] <= 'Z') ||
                             (text[length] >= '0' && text[length] <= '9')))
        length++;
    if (length)
        return length;
    length = 1;
    while (length < left && ((unsigned char)text[length] & 0xC0) == 0x80)
        length++;
    return length;
}

static void print_code(struct html_writer *writer, const ll_finding *finding, uint32_t first,
                       uint32_t end, uint32_t number, const char *line, size_t length)
{
    size_t done = 0;
    for (size_t at = 0; at < length; at++) {
        if (!is_marked(finding, first, end, number, at))
            continue;
        size_t token = token_length(line + at, length - at);
        print_text(writer, line + done, at - done);
        fputs("<mark>", writer->out);
        print_text(writer, line + at, token);
        fputs("</mark>", writer->out);
        done = at + token;
        at = done - 1;
    }
    print_text(writer, line + done, length - done);
}

/* Where the column falls on screen, in characters: tabs to the next stop,
 * UTF-8 continuation bytes take no room. */
static size_t screen_column(const char *line, size_t length, uint32_t column)
{
    size_t before = column > 1 ? column - 1 : 0;
    size_t width = 0;
    for (size_t i = 0; i < before && i < length; i++) {
        unsigned char byte = (unsigned char)line[i];
        if (byte == '\t')
            width = (width / TAB_WIDTH + 1) * TAB_WIDTH;
        else if ((byte & 0xC0) != 0x80)
            width++;
    }
    return width;
}

static void print_bubble(struct html_writer *writer, const ll_finding *finding, uint32_t index,
                         size_t indent)
{
    struct step step = step_at(finding, index);
    /* The cell has the code's font, so that its ch is a column of code. */
    fprintf(writer->out,
            "<tr class=\"bubble-row\"><td></td><td style=\"padding-left:calc(0.6rem + %zuch)\">"
            "<div class=\"bubble%s%s\">",
            indent, step.primary ? " primary " : "",
            step.primary ? ll_severity_name(finding->severity) : "");
    print_step_number(writer, finding, index);
    print_string(writer, step.message);
    fputs("</div></td></tr>\n", writer->out);
}

static void print_code_line(struct html_writer *writer, const ll_finding *finding, uint32_t first,
                            uint32_t end, uint32_t number, const char *line, size_t length)
{
    bool stepped = false;
    for (uint32_t i = first; i < end; i++)
        stepped = stepped || step_at(finding, i).place->line == number;
    fprintf(writer->out, "<tr%s><td class=\"line-number\">%" PRIu32 "</td><td class=\"source\">",
            stepped ? " class=\"stepped\"" : "", number);
    print_code(writer, finding, first, end, number, line, length);
    fputs("</td></tr>\n", writer->out);
    for (uint32_t i = first; i < end; i++) {
        const ll_place *place = step_at(finding, i).place;
        if (place->line == number)
            print_bubble(writer, finding, i, screen_column(line, length, place->column));
    }
}

static void print_excerpt(struct html_writer *writer, const ll_finding *finding, uint32_t first,
                          uint32_t end, uint32_t low, uint32_t high)
{
    const char *file = step_at(finding, first).place->file;
    fputs("<div class=\"excerpt\"><div class=\"excerpt-file\">", writer->out);
    print_path(writer, file);
    fputs("</div>\n<table class=\"code\">\n", writer->out);
    uint32_t from = low > CONTEXT_LINES ? low - CONTEXT_LINES : 1;
    uint32_t to = high < UINT32_MAX - CONTEXT_LINES ? high + CONTEXT_LINES : UINT32_MAX;
    for (uint32_t number = from; number <= to; number++) {
        size_t length;
        const char *line = ll_source_line(&writer->sources, file, number, &length);
        if (!line)
            break;
        print_code_line(writer, finding, first, end, number, line, length);
    }
    fputs("</table></div>\n", writer->out);
}

static void print_plain_step(struct html_writer *writer, const ll_finding *finding, uint32_t index)
{
    struct step step = step_at(finding, index);
    fprintf(writer->out, "<p class=\"plain-step%s\">", step.primary ? " primary" : "");
    print_step_number(writer, finding, index);
    if (*step.place->file) {
        print_place(writer, step.place);
        fputs(": ", writer->out);
    }
    print_string(writer, step.message);
    fputs("</p>\n", writer->out);
}

static void print_steps(struct html_writer *writer, const ll_finding *finding)
{
    fputs("<div class=\"steps\">\n", writer->out);
    for (uint32_t index = 0; index < step_count(finding);) {
        if (!is_drawable(writer, step_at(finding, index).place)) {
            print_plain_step(writer, finding, index++);
            continue;
        }
        uint32_t low;
        uint32_t high;
        uint32_t end = group_end(writer, finding, index, &low, &high);
        print_excerpt(writer, finding, index, end, low, high);
        index = end;
    }
    fputs("</div>\n", writer->out);
}

/* ---- Findings ---------------------------------------------------------------------------- */

/* The anchor: the fingerprint, which stays the same from run to run. */
static void print_anchor(struct html_writer *writer, const ll_finding *finding, size_t index)
{
    if (*finding->fingerprint)
        print_string(writer, finding->fingerprint);
    else
        fprintf(writer->out, "finding-%zu", index + 1);
}

static void print_finding_open(struct html_writer *writer, const ll_finding *finding, size_t index)
{
    const char *severity = ll_severity_name(finding->severity);
    fprintf(writer->out, "<article class=\"finding %s%s\" id=\"", severity,
            finding->suppressed ? " suppressed" : "");
    print_anchor(writer, finding, index);
    fputs("\" data-rule=\"", writer->out);
    print_string(writer, finding->rule);
    fprintf(writer->out, "\" data-severity=\"%s\" data-file=\"", severity);
    print_path(writer, finding->place.file);
    fputs("\">\n", writer->out);
}

static void print_title(struct html_writer *writer, const ll_finding *finding, size_t index)
{
    fputs("<h2><a class=\"anchor\" href=\"#", writer->out);
    print_anchor(writer, finding, index);
    fputs("\">#</a> ", writer->out);
    print_severity(writer, finding->severity);
    fputs(" <span class=\"message\">", writer->out);
    print_string(writer, finding->message);
    fputs("</span> <span class=\"rule\">[looplint-", writer->out);
    print_string(writer, finding->rule);
    fputs("]</span></h2>\n", writer->out);
}

static void print_where(struct html_writer *writer, const ll_finding *finding)
{
    fputs("<p class=\"where\">", writer->out);
    print_place(writer, &finding->place);
    if (finding->function && *finding->function) {
        fputs(" in <code class=\"function\">", writer->out);
        print_string(writer, finding->function);
        fputs("</code>", writer->out);
    }
    fputs("</p>\n", writer->out);
    if (finding->suppressed) {
        fputs("<p class=\"suppression\">Suppressed", writer->out);
        if (finding->reason) {
            fputs(": ", writer->out);
            print_string(writer, finding->reason);
        }
        fputs("</p>\n", writer->out);
    }
}

static void print_finding(struct html_writer *writer, const ll_finding *finding, size_t index)
{
    print_finding_open(writer, finding, index);
    print_title(writer, finding, index);
    print_where(writer, finding);
    print_steps(writer, finding);
    if (*finding->fingerprint) {
        fputs("<p class=\"fingerprint\">fingerprint <code>", writer->out);
        print_string(writer, finding->fingerprint);
        fputs("</code></p>\n", writer->out);
    }
    fputs("</article>\n", writer->out);
}

static void print_findings(struct html_writer *writer, const ll_findings *findings)
{
    fputs("<main id=\"findings\">\n", writer->out);
    if (!writer->listed)
        fputs("<p class=\"empty\">No findings.</p>\n", writer->out);
    for (size_t i = 0; i < findings->count; i++) {
        if (ll_report_shows(&findings->items[i], writer->options))
            print_finding(writer, &findings->items[i], i);
    }
    fputs("</main>\n", writer->out);
}

static void print_tail(struct html_writer *writer)
{
    fputs("<script>\n", writer->out);
    fputs(ll_html_script, writer->out);
    fputs("</script>\n</body>\n</html>\n", writer->out);
}

int ll_report_write_html(FILE *out, const ll_findings *findings, const ll_report_options *options,
                         ll_error *error)
{
    struct html_writer writer = {.out = out, .options = options};
    ll_source_cache_init(&writer.sources);
    if (count_findings(&writer, findings) != 0)
        goto fail;
    print_head(&writer);
    print_header(&writer);
    print_summary(&writer);
    print_filters(&writer);
    print_findings(&writer, findings);
    print_tail(&writer);
    if (writer.out_of_memory)
        goto fail;
    ll_source_cache_free(&writer.sources);
    free(writer.checks.items);
    free(writer.files.items);
    return 0;
fail:
    ll_source_cache_free(&writer.sources);
    free(writer.checks.items);
    free(writer.files.items);
    return ll_error_set(error, "building the HTML report: out of memory");
}
