/*
 * config.h - the configuration file `.looplint` at the project root
 * (docs/configuration.md).
 *
 * Its lines read like a rule pack's: words separated by blanks, values
 * with blanks or `#` in "double quotes", `#` comments to the end of the
 * line. Statements:
 *   enable ID[,ID...]     checks, `all`, or ID:OPTION (blocking-call:console)
 *   disable ID[,ID...]
 *   severity ID LEVEL     error, warning or note
 *   rules PATH            a rule pack, relative to the configuration file
 *   exclude REGEX         PCRE2, over paths relative to the project root:
 *                         their TUs are not analysed, their findings dropped
 * Errors are "FILE:LINE:COL: message". The command line overrides the
 * file (analyze.h, ll_analysis_rule_enabled).
 */
#ifndef LOOPLINT_CONFIG_H
#define LOOPLINT_CONFIG_H

#include "analysis/error.h"
#include "analysis/finding.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ll_config_severity {
    char *id;
    enum ll_severity severity;
} ll_config_severity;

typedef struct ll_config_exclude ll_config_exclude; /* a compiled pattern */

typedef struct ll_config {
    char *path;     /* the file read, NULL when there is none */
    char **enabled; /* NULL-terminated lists, never NULL once initialised */
    char **disabled;
    char **rules; /* absolute paths of packs, in the file's order */
    size_t enabled_count, disabled_count, rule_count;
    ll_config_severity *severities; /* in the file's order: the last one wins */
    size_t severity_count;
    ll_config_exclude **excludes;
    size_t exclude_count;
} ll_config;

/* An empty configuration (nothing enabled, disabled or excluded). 0, or
 * -1 when out of memory. */
int ll_config_init(ll_config *config);
void ll_config_free(ll_config *config);

/* Parses the text of a configuration file into `config` (initialised).
 * `path` names it in messages and anchors its relative `rules` paths.
 * 0, or -1 with "PATH:LINE:COL: message". */
int ll_config_parse(ll_config *config, const char *path, const char *text, size_t length,
                    ll_error *error);

/* Reads and parses the file at `path`. */
int ll_config_load(ll_config *config, const char *path, ll_error *error);

/* Whether a path relative to the project root is excluded. */
bool ll_config_excludes(const ll_config *config, const char *relative_path);

/* The severity the configuration gives `id`, or `fallback`. */
enum ll_severity ll_config_severity_of(const ll_config *config, const char *id,
                                       enum ll_severity fallback);

#endif
