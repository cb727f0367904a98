/*
 * finding.c - lists of findings (finding.h) and the error helper (error.h).
 *
 * A list grows by doubling; findings own their strings. Sorting uses a
 * total order over the fields people read, so two runs that find the same
 * things print them identically whatever order the threads produced them.
 */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include "finding.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ll_error_set(ll_error *error, const char *format, ...) {
    if (error) {
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(error->message, sizeof error->message, format, arguments);
        va_end(arguments);
    }
    return -1;
}

const char *ll_severity_name(enum ll_severity severity) {
    switch (severity) {
    case LL_SEVERITY_ERROR:
        return "error";
    case LL_SEVERITY_WARNING:
        return "warning";
    case LL_SEVERITY_NOTE:
        return "note";
    }
    return "error";
}

int ll_severity_parse(const char *name, enum ll_severity *severity) {
    static const enum ll_severity all[] = {LL_SEVERITY_NOTE, LL_SEVERITY_WARNING,
                                           LL_SEVERITY_ERROR};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, ll_severity_name(all[i])) == 0) {
            *severity = all[i];
            return 0;
        }
    }
    return -1;
}

void ll_findings_init(ll_findings *findings) {
    memset(findings, 0, sizeof *findings);
}

static void finding_free(ll_finding *finding) {
    free(finding->rule);
    free(finding->place.file);
    free(finding->function);
    free(finding->message);
    free(finding->text);
    free(finding->reason);
    for (uint32_t i = 0; i < finding->note_count; i++) {
        free(finding->notes[i].place.file);
        free(finding->notes[i].message);
    }
    free(finding->notes);
}

void ll_findings_free(ll_findings *findings) {
    for (size_t i = 0; i < findings->count; i++)
        finding_free(&findings->items[i]);
    free(findings->items);
    ll_findings_init(findings);
}

static char *copy_or_empty(const char *text) {
    return strdup(text ? text : "");
}

static ll_finding *add_owned(ll_findings *findings, const char *rule, enum ll_severity severity,
                             const char *file, uint32_t line, uint32_t column,
                             const char *function, const char *text, char *message) {
    if (!message)
        return NULL;
    if (findings->count == findings->capacity) {
        size_t capacity = findings->capacity ? findings->capacity * 2 : 16;
        ll_finding *bigger = realloc(findings->items, capacity * sizeof *bigger);
        if (!bigger) {
            free(message);
            return NULL;
        }
        findings->items = bigger;
        findings->capacity = capacity;
    }
    ll_finding *finding = &findings->items[findings->count];
    memset(finding, 0, sizeof *finding);
    finding->rule = copy_or_empty(rule);
    finding->severity = severity;
    finding->place.file = copy_or_empty(file);
    finding->place.line = line;
    finding->place.column = column;
    finding->function = copy_or_empty(function);
    finding->text = copy_or_empty(text);
    finding->message = message;
    if (!finding->rule || !finding->place.file || !finding->function || !finding->text) {
        finding_free(finding);
        return NULL;
    }
    findings->count++;
    return finding;
}

ll_finding *ll_findings_add(ll_findings *findings, const char *rule, enum ll_severity severity,
                            const char *file, uint32_t line, uint32_t column,
                            const char *function, const char *text, const char *message) {
    return add_owned(findings, rule, severity, file, line, column, function, text,
                     copy_or_empty(message));
}

static char *format_message(const char *format, va_list arguments) {
    char *message = NULL;
    if (vasprintf(&message, format, arguments) < 0)
        return NULL;
    return message;
}

ll_finding *ll_findings_addf(ll_findings *findings, const char *rule, enum ll_severity severity,
                             const char *file, uint32_t line, uint32_t column,
                             const char *function, const char *text, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    char *message = format_message(format, arguments);
    va_end(arguments);
    return add_owned(findings, rule, severity, file, line, column, function, text, message);
}

int ll_finding_add_note(ll_finding *finding, const char *file, uint32_t line, uint32_t column,
                        const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    char *message = format_message(format, arguments);
    va_end(arguments);
    char *path = copy_or_empty(file);
    ll_note *notes = realloc(finding->notes, (finding->note_count + 1) * sizeof *notes);
    if (!message || !path || !notes) {
        free(message);
        free(path);
        if (notes)
            finding->notes = notes;
        return -1;
    }
    finding->notes = notes;
    ll_note *note = &notes[finding->note_count++];
    note->place.file = path;
    note->place.line = line;
    note->place.column = column;
    note->message = message;
    return 0;
}

int ll_findings_append(ll_findings *into, ll_findings *from) {
    if (into->count + from->count > into->capacity) {
        size_t capacity = into->capacity ? into->capacity : 16;
        while (capacity < into->count + from->count)
            capacity *= 2;
        ll_finding *bigger = realloc(into->items, capacity * sizeof *bigger);
        if (!bigger)
            return -1;
        into->items = bigger;
        into->capacity = capacity;
    }
    if (from->count)
        memcpy(into->items + into->count, from->items, from->count * sizeof *from->items);
    into->count += from->count;
    free(from->items);
    ll_findings_init(from);
    return 0;
}

void ll_findings_filter(ll_findings *findings,
                        bool (*keep)(const ll_finding *finding, void *context), void *context) {
    size_t kept = 0;
    for (size_t i = 0; i < findings->count; i++) {
        if (keep(&findings->items[i], context))
            findings->items[kept++] = findings->items[i];
        else
            finding_free(&findings->items[i]);
    }
    findings->count = kept;
}

static int compare_places(const ll_place *a, const ll_place *b) {
    int order = strcmp(a->file, b->file);
    if (order)
        return order;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    return 0;
}

static int compare_findings(const void *left, const void *right) {
    const ll_finding *a = left;
    const ll_finding *b = right;
    int order = compare_places(&a->place, &b->place);
    if (order)
        return order;
    if ((order = strcmp(a->rule, b->rule)))
        return order;
    if ((order = strcmp(a->message, b->message)))
        return order;
    if (a->note_count != b->note_count)
        return a->note_count < b->note_count ? -1 : 1;
    for (uint32_t i = 0; i < a->note_count; i++) {
        if ((order = compare_places(&a->notes[i].place, &b->notes[i].place)))
            return order;
        if ((order = strcmp(a->notes[i].message, b->notes[i].message)))
            return order;
    }
    return 0;
}

void ll_findings_sort(ll_findings *findings) {
    if (findings->count < 2)
        return;
    qsort(findings->items, findings->count, sizeof *findings->items, compare_findings);
    size_t kept = 1;
    for (size_t i = 1; i < findings->count; i++) {
        if (compare_findings(&findings->items[kept - 1], &findings->items[i]) == 0)
            finding_free(&findings->items[i]);
        else
            findings->items[kept++] = findings->items[i];
    }
    findings->count = kept;
}
