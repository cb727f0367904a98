/*
 * internal.h - what the report formats share: the writer of each format,
 * path and message helpers, and the cache of source lines that the text
 * format quotes.
 *
 * Every writer has the same shape so that report.c can pick one from a
 * table; a writer only reports failures it can name itself (out of memory
 * while building JSON), report.c checks the stream afterwards.
 */
#ifndef LOOPLINT_REPORT_INTERNAL_H
#define LOOPLINT_REPORT_INTERNAL_H

#include "report.h"

#include <stddef.h>
#include <stdint.h>

typedef int ll_report_writer(FILE *out, const ll_findings *findings,
                             const ll_report_options *options, ll_error *error);

ll_report_writer ll_report_write_text;
ll_report_writer ll_report_write_gcc;
ll_report_writer ll_report_write_json;
ll_report_writer ll_report_write_sarif;
ll_report_writer ll_report_write_html;
ll_report_writer ll_report_write_codeclimate;

/* A finding as the json format writes it (docs/json-format.md), for the
 * other JSON that lists findings (`looplint diff`, baseline exports): a new
 * reference, or NULL when out of memory. */
struct json_t;
struct json_t *ll_report_json_finding(const ll_finding *finding, const char *root);

/* A JSON string of `text`, in which bytes that are not well-formed UTF-8
 * become U+FFFD (messages quote source code, paths come from the file
 * system: either may be in another encoding); NULL when out of memory. */
struct json_t *ll_json_string(const char *text);

/* Writes `document` (two-space indentation, keys in the order added) and
 * a newline, then releases it. 0, or -1 with an error naming `what` ("the
 * SARIF report"). */
int ll_json_write(FILE *out, struct json_t *document, const char *what, ll_error *error);

/* The rule of this id in the options' table, or NULL. */
const ll_report_rule *ll_report_rule_find(const ll_report_options *options, const char *id);

/* The part of `path` below `root` ("." for the root itself), or `path`
 * when it is not under root. Points into `path` (or at a constant); never
 * allocates, so that fingerprints cannot fail. */
const char *ll_path_under_root(const char *path, const char *root);

/* The length of the well-formed UTF-8 sequence at `text` (`left` bytes
 * remain), or 0: overlong forms, surrogates and code points past U+10FFFF
 * are not well formed. */
size_t ll_utf8_sequence(const unsigned char *text, size_t left);

/* A copy of `text` with every byte that is not part of well-formed UTF-8
 * replaced by U+FFFD, for the formats whose strings must be UTF-8 (JSON,
 * SARIF) while paths and quoted source need not be; NULL when out of
 * memory. */
char *ll_utf8_repaired(const char *text);

/* Whether the options ask for this finding to be printed. */
bool ll_report_shows(const ll_finding *finding, const ll_report_options *options);

/* `file:line:column: ` with the path relative to root; shorter when the
 * place lacks a column or a line, nothing when it lacks a file. */
void ll_report_print_place(FILE *out, const ll_place *place, const char *root);

/* The message as the line formats print it: the suppression, if any, then
 * ` [looplint-RULE]` as compilers print the warning flag. */
void ll_report_print_message(FILE *out, const ll_finding *finding);

/* Files read once per report and split into lines. A file that cannot be
 * read is remembered as such, so it is tried once. */
typedef struct ll_source_file {
    char *path;
    char *content; /* NULL when unreadable */
    size_t size;
    size_t *line_starts; /* offset of each line in content */
    size_t line_count;
} ll_source_file;

typedef struct ll_source_cache {
    ll_source_file *files;
    size_t count, capacity;
} ll_source_cache;

void ll_source_cache_init(ll_source_cache *cache);
void ll_source_cache_free(ll_source_cache *cache);

/* Line `line` (1-based) of `path` without its end of line, and its length;
 * NULL when the file cannot be read or is shorter. */
const char *ll_source_line(ll_source_cache *cache, const char *path, uint32_t line, size_t *length);

#endif
