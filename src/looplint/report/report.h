/*
 * report.h - printing findings, and their fingerprints.
 *
 * Formats: text (clang's: `file:line:col: warning: message [looplint-id]`,
 * the source line, a caret, the notes as `note:` lines; severity note
 * prints as `remark:`; colour when asked), gcc (one line per finding and
 * per note, for editors' problem matchers and quickfix) and json (for
 * machines; carries a schema version; docs/json-format.md). Paths are
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
#include <stdio.h>

enum ll_format { LL_FORMAT_TEXT = 0, LL_FORMAT_GCC, LL_FORMAT_JSON };

/* 0 and *format set, or -1 for an unknown name. */
int ll_format_parse(const char *name, enum ll_format *format);

typedef struct ll_report_options {
    enum ll_format format;
    bool color; /* ANSI colours (text only) */
    const char *root; /* project root: paths are printed relative to it */
    bool show_suppressed; /* print suppressed findings too */
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

#endif
