/*
 * report.h - printing findings, and their fingerprints.
 *
 * Formats: text (clang's: `file:line:col: warning: message [looplint-id]`,
 * the source line, a caret, the notes as `note:` lines; severity note
 * prints as `remark:`; colour when asked), gcc (one line per finding and
 * per note, for editors' problem matchers and quickfix), json (for
 * machines; carries a schema version; docs/json-format.md), sarif (SARIF
 * 2.1.0 for code-scanning services), html (one self-contained page, like
 * scan-build's) and codeclimate (GitLab's code-quality report). Paths are
 * printed relative to the project root when they are under it.
 *
 * Fingerprints (ARCHITECTURE.md): XXH3-128 of the rule, the path relative to
 * the root, the enclosing function, the normalised text of the reported
 * call, and the occurrence index among findings with the same four; so they
 * survive edits elsewhere and reformatting.
 */
#ifndef LOOPLINT_REPORT_H
#define LOOPLINT_REPORT_H

#include "../analysis/error.h"
#include "../analysis/finding.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum ll_format {
    LL_FORMAT_TEXT = 0,
    LL_FORMAT_GCC,
    LL_FORMAT_JSON,
    LL_FORMAT_SARIF,
    LL_FORMAT_HTML,
    LL_FORMAT_CODECLIMATE,
};

/* What the formats that describe the rules (sarif, html) say of each: every
 * id a finding of the run may carry, whether or not it has findings. */
typedef struct ll_report_rule {
    const char *id;
    enum ll_severity severity; /* as configured for the run */
    bool enabled;              /* it ran */
    const char *summary;       /* one line, as `looplint rules` prints it */
    const char *help;          /* the Markdown of `looplint explain ID`, or NULL */
} ll_report_rule;

/* 0 and *format set, or -1 for an unknown name. */
int ll_format_parse(const char *name, enum ll_format *format);

typedef struct ll_report_options {
    enum ll_format format;
    bool color;                  /* ANSI colours (text only) */
    const char *root;            /* project root: paths are printed relative to it */
    bool show_suppressed;        /* print suppressed findings too */
    const char *version;         /* looplint's version, for the formats that name the tool */
    const ll_report_rule *rules; /* sorted by id; may be NULL (count 0) */
    size_t rule_count;
} ll_report_options;

/* Writes the findings (sorted by the caller). Returns 0, or -1 with an
 * error when writing fails. */
int ll_report_write(FILE *out, const ll_findings *findings, const ll_report_options *options,
                    ll_error *error);

/* A path relative to root when it lies under it, else the path itself
 * (malloc'd). */
char *ll_path_relative(const char *path, const char *root);

/* Sets every finding's fingerprint (findings sorted first). */
void ll_fingerprints_compute(ll_findings *findings, const char *root);

/* ---- Suppressions (suppress.c) ----------------------------------------------------
 *
 * Comments in the sources that silence findings (docs/suppressions.md),
 * written as line or block comments:
 *   looplint: ignore[id, ...] reason         its own line; and the next line
 *                                           when the comment stands alone
 *   looplint: ignore-file[id, ...] reason    the whole file
 *   clang-tidy's comments, for checks         this line; its NEXTLINE form:
 *   named looplint-ID (globs: looplint-*)    the next line; BEGIN..END: a region
 * A suppressed finding is kept, marked, with the comment's reason. An
 * ignore comment that suppresses nothing, names an unknown check or
 * cannot be read becomes a finding of `unused-suppression` (severity
 * note) at the comment; NOLINT comments are never reported, as clang-tidy
 * does not report them by default.
 */
#define LL_UNUSED_SUPPRESSION "unused-suppression"

enum ll_suppression_kind {
    LL_SUPPRESSION_IGNORE,      /* an ignore comment: these lines */
    LL_SUPPRESSION_IGNORE_FILE, /* an ignore-file comment: the whole file */
    LL_SUPPRESSION_NOLINT,      /* clang-tidy's comment: a line, the next line, a region */
    LL_SUPPRESSION_MALFORMED,   /* looks like one of the above but is not: reported */
};

typedef struct ll_suppression {
    enum ll_suppression_kind kind;
    uint32_t line, column;          /* where the comment (for NOLINT: the word) starts */
    uint32_t first_line, last_line; /* the lines it covers (the whole file: 1..UINT32_MAX) */
    /* IGNORE*: check ids. NOLINT: clang-tidy globs over "looplint-ID"
       ("looplint-*"); none means every check, as a bare NOLINT does. */
    char **ids;
    uint32_t id_count;
    bool *used;    /* per id: it suppressed a finding */
    char *reason;  /* the text after the comment's directive; NULL when none */
    char *problem; /* MALFORMED: what is wrong with it */
} ll_suppression;

typedef struct ll_suppressions {
    ll_suppression *items; /* in the order of the file */
    size_t count;
    /* Regions begun and not yet ended, while parsing (indexes into items). */
    size_t *open_regions;
    size_t open_count;
} ll_suppressions;

/* The compiled PCRE2 patterns; immutable once made, shareable by threads. */
typedef struct ll_suppression_parser ll_suppression_parser;

ll_suppression_parser *ll_suppression_parser_new(ll_error *error);
void ll_suppression_parser_free(ll_suppression_parser *parser);

/* Appends the suppressions written in `text` (a whole file) to `out`
 * (zeroed by the caller). 0, or -1 when out of memory. */
int ll_suppressions_parse(const ll_suppression_parser *parser, const char *text, size_t length,
                          ll_suppressions *out, ll_error *error);
void ll_suppressions_free(ll_suppressions *suppressions);

/* The index of the id of `suppression` that covers a finding of `rule` on
 * `line` (0 for a NOLINT without ids), or -1 when it does not cover it. */
int ll_suppression_match(const ll_suppression *suppression, const char *rule, uint32_t line);

typedef struct ll_suppress_options {
    /* Files to read for ignore comments besides those holding findings, so
       that an unused one is reported where nothing was found; NULL-terminated,
       may be NULL. */
    const char *const *files;
    const char *const *known;  /* every id a finding can carry */
    const char *const *active; /* the ids that ran: ignoring another is not unused */
    bool report_unused;        /* add unused-suppression findings */
} ll_suppress_options;

/* Reads each file once and marks the findings its comments suppress (with
 * their reason); then, if asked, adds the unused-suppression findings,
 * which comments can suppress in turn. Findings are left unsorted. 0, or -1
 * with an error when out of memory (an unreadable file has no comments). */
int ll_suppressions_apply(ll_findings *findings, const ll_suppress_options *options,
                          ll_error *error);

#endif
