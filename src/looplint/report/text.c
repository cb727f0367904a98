/*
 * text.c - findings as clang prints diagnostics, for people at a terminal.
 *
 *     src/conn.c:42:5: warning: sleep() blocks the loop [looplint-blocking-call]
 *         sleep(1);
 *         ^
 *     src/conn.c:17:9: note: conn_run runs on the loop
 *     ...
 *     1 warning generated.
 *
 * Severity note prints as `remark:`: editors fold a `note:` line into the
 * diagnostic above it, and a note-level finding stands on its own. The
 * caret line copies the tabs of the source line, so the caret sits under
 * the column whatever the terminal's tab width. Colours are clang's own, so
 * looplint's output reads like the compiler's next to it.
 */
#include "internal.h"

#define COLOR_RESET   "\033[0m"
#define COLOR_BOLD    "\033[1m"
#define COLOR_ERROR   "\033[0;1;31m"
#define COLOR_WARNING "\033[0;1;35m"
#define COLOR_NOTE    "\033[0;1;30m"
#define COLOR_REMARK  "\033[0;1;34m"
#define COLOR_CARET   "\033[0;1;32m"

static const struct {
    const char *label, *color;
} severities[] = {
    [LL_SEVERITY_NOTE] = {"remark", COLOR_REMARK},
    [LL_SEVERITY_WARNING] = {"warning", COLOR_WARNING},
    [LL_SEVERITY_ERROR] = {"error", COLOR_ERROR},
};

/* The summary names the most severe first, as "2 errors and 1 warning". */
static const enum ll_severity summary_order[] = {LL_SEVERITY_ERROR, LL_SEVERITY_WARNING,
                                                 LL_SEVERITY_NOTE};

struct text_writer {
    FILE *out;
    const ll_report_options *options;
    ll_source_cache sources;
    size_t printed[3]; /* findings printed, by severity */
};

static void paint(struct text_writer *writer, const char *color)
{
    if (writer->options->color)
        fputs(color, writer->out);
}

static void print_place(struct text_writer *writer, const ll_place *place)
{
    if (!*place->file)
        return;
    paint(writer, COLOR_BOLD);
    ll_report_print_place(writer->out, place, writer->options->root);
    paint(writer, COLOR_RESET);
}

/* The caret goes under the first byte of the column; UTF-8 continuation
 * bytes take no room on the terminal, so they get no padding. */
static void print_caret(struct text_writer *writer, const char *line, size_t length,
                        uint32_t column)
{
    size_t before = column - 1 < length ? column - 1 : length;
    for (size_t i = 0; i < before; i++) {
        unsigned char byte = (unsigned char)line[i];
        if (byte == '\t')
            fputc('\t', writer->out);
        else if ((byte & 0xC0) != 0x80)
            fputc(' ', writer->out);
    }
    paint(writer, COLOR_CARET);
    fputc('^', writer->out);
    paint(writer, COLOR_RESET);
    fputc('\n', writer->out);
}

static void print_excerpt(struct text_writer *writer, const ll_place *place)
{
    if (!*place->file || !place->line)
        return;
    size_t length;
    const char *line = ll_source_line(&writer->sources, place->file, place->line, &length);
    if (!line)
        return;
    fwrite(line, 1, length, writer->out);
    fputc('\n', writer->out);
    if (place->column)
        print_caret(writer, line, length, place->column);
}

/* Notes' messages are not bold: clang keeps bold for what stands alone. */
static void print_note(struct text_writer *writer, const ll_note *note)
{
    print_place(writer, &note->place);
    paint(writer, COLOR_NOTE);
    fputs("note: ", writer->out);
    paint(writer, COLOR_RESET);
    fputs(note->message, writer->out);
    fputc('\n', writer->out);
    print_excerpt(writer, &note->place);
}

static void print_finding(struct text_writer *writer, const ll_finding *finding)
{
    print_place(writer, &finding->place);
    paint(writer, severities[finding->severity].color);
    fprintf(writer->out, "%s: ", severities[finding->severity].label);
    paint(writer, COLOR_RESET COLOR_BOLD);
    ll_report_print_message(writer->out, finding);
    paint(writer, COLOR_RESET);
    fputc('\n', writer->out);
    print_excerpt(writer, &finding->place);
    for (uint32_t i = 0; i < finding->note_count; i++)
        print_note(writer, &finding->notes[i]);
}

/* "1 error, 2 warnings and 3 remarks generated.", naming only what was
 * printed. */
static void print_summary(struct text_writer *writer)
{
    size_t parts = 0;
    size_t total = 0;
    for (size_t i = 0; i < 3; i++)
        parts += writer->printed[summary_order[i]] != 0;
    for (size_t i = 0; i < 3; i++) {
        enum ll_severity severity = summary_order[i];
        size_t count = writer->printed[severity];
        if (!count)
            continue;
        if (total++)
            fputs(total == parts ? " and " : ", ", writer->out);
        fprintf(writer->out, "%zu %s%s", count, severities[severity].label, count == 1 ? "" : "s");
    }
    if (total)
        fputs(" generated.\n", writer->out);
}

int ll_report_write_text(FILE *out, const ll_findings *findings, const ll_report_options *options,
                         ll_error *error)
{
    (void)error; /* an unreadable source line is left out, not an error */
    struct text_writer writer = {.out = out, .options = options};
    ll_source_cache_init(&writer.sources);
    for (size_t i = 0; i < findings->count; i++) {
        const ll_finding *finding = &findings->items[i];
        if (!ll_report_shows(finding, options))
            continue;
        print_finding(&writer, finding);
        writer.printed[finding->severity]++;
    }
    print_summary(&writer);
    ll_source_cache_free(&writer.sources);
    return 0;
}
