/*
 * finding.h - what a check reports: a rule, a severity, a primary location,
 * a message and notes (the call chain or the path that explains it).
 *
 * Findings outlive the units they were computed from (they are stored,
 * compared with baselines and printed), so they hold file paths as strings
 * rather than indices into a unit. A list is filled by one thread; the link
 * step sorts it (ll_findings_sort) so that output is the same for any -j.
 */
#ifndef LOOPLINT_FINDING_H
#define LOOPLINT_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ll_severity {
    LL_SEVERITY_NOTE = 0, /* printed as `remark:` */
    LL_SEVERITY_WARNING,
    LL_SEVERITY_ERROR,
};

const char *ll_severity_name(enum ll_severity severity); /* "note", "warning", "error" */
/* 0 and *severity set, or -1 for an unknown name. */
int ll_severity_parse(const char *name, enum ll_severity *severity);

typedef struct ll_place {
    char *file; /* as the compiler saw it (absolute) */
    uint32_t line, column;
} ll_place;

typedef struct ll_note {
    ll_place place;
    char *message;
} ll_note;

typedef struct ll_finding {
    char *rule; /* check id: "blocking-call" */
    enum ll_severity severity;
    ll_place place;
    char *function; /* enclosing function, "" at file scope */
    char *message;
    char *text; /* normalised tokens of the reported call or statement */
    ll_note *notes;
    uint32_t note_count;
    char fingerprint[33]; /* 32 hex digits, set by the report stage */
    bool suppressed;
    char *reason; /* the suppression's reason, or NULL */
} ll_finding;

typedef struct ll_findings {
    ll_finding *items;
    size_t count;
    size_t capacity;
} ll_findings;

void ll_findings_init(ll_findings *findings);
void ll_findings_free(ll_findings *findings);

/* Appends a finding (strings copied; `function` and `text` may be NULL).
 * Returns it, or NULL when out of memory. */
ll_finding *ll_findings_add(ll_findings *findings, const char *rule, enum ll_severity severity,
                            const char *file, uint32_t line, uint32_t column,
                            const char *function, const char *text, const char *message);
/* printf-style message. */
ll_finding *ll_findings_addf(ll_findings *findings, const char *rule, enum ll_severity severity,
                             const char *file, uint32_t line, uint32_t column,
                             const char *function, const char *text, const char *format, ...)
    __attribute__((format(printf, 9, 10)));

/* Appends a note to a finding; 0, or -1 when out of memory. */
int ll_finding_add_note(ll_finding *finding, const char *file, uint32_t line, uint32_t column,
                        const char *format, ...) __attribute__((format(printf, 5, 6)));

/* Moves every finding of `from` to the end of `into` (from is left empty). */
int ll_findings_append(ll_findings *into, ll_findings *from);

/* Keeps the findings for which keep() returns true, in order. */
void ll_findings_filter(ll_findings *findings,
                        bool (*keep)(const ll_finding *finding, void *context), void *context);

/* Sorts by file, line, column, rule, message; removes exact duplicates. */
void ll_findings_sort(ll_findings *findings);

#endif
