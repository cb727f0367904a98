/*
 * commands.h - the subcommands, each in its own file.
 */
#ifndef LOOPLINT_COMMANDS_H
#define LOOPLINT_COMMANDS_H

#include "analysis/error.h"
#include "config.h"
#include "packs/pack.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int ll_command_check(int argc, char **argv);
int ll_command_report(int argc, char **argv);
int ll_command_rules(int argc, char **argv);
int ll_command_verify(int argc, char **argv);
int ll_command_explain(int argc, char **argv);
int ll_command_diff(int argc, char **argv);

/* Loads the default packs (locate.h), then the configuration's `rules`
 * (config may be NULL), then each of `extra` (may be NULL,
 * NULL-terminated). NULL with an error naming the file and line. */
ll_packs *ll_cli_load_packs(const ll_config *config, const char *const *extra, ll_error *error);

/* Reads ROOT/.looplint into `config` (initialised) when it is a file; an
 * absent file leaves the configuration empty. 0, or -1 with an error
 * naming the file, line and column. */
int ll_cli_load_config(const char *root, ll_config *config, ll_error *error);

/* A --run value: a run id (>= 1), or `latest` (0) when allowed. 0 and
 * *run_id set, or -1. */
int ll_cli_parse_run(const char *text, bool allow_latest, int64_t *run_id);

/* Prints "looplint: MESSAGE" on stderr. */
void ll_cli_error(const char *message);

/* ---- Baselines (baseline.c) ---- */
int ll_command_baseline(int argc, char **argv);

/* The fingerprints of the baseline `check --baseline` names: a path ending
 * in .json is an export, read on the fly; else a name in the store. 0 and
 * a sorted, NULL-terminated array (ll_fingerprints_free), or -1 with an
 * error, an unknown name included. */
int ll_cli_baseline_read(ll_store *store, const char *name_or_file, char ***fingerprints,
                         size_t *count, ll_error *error);
bool ll_fingerprints_contain(char *const *sorted, size_t count, const char *fingerprint);

#endif
