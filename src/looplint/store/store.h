/*
 * store.h - the SQLite store: facts per TU, runs, findings, baselines.
 *
 * The only part of looplint that includes sqlite3.h. One database per
 * project (schema in ARCHITECTURE.md, versioned with PRAGMA user_version
 * and forward migrations; WAL; busy timeout; bound parameters only). A
 * database that is not looplint's, or is corrupt, is refused and never
 * written to. Each TU's facts are written in one transaction, each run's
 * findings in another: a run killed at any moment leaves the earlier runs
 * untouched and its own row with status 'running' (reported as
 * incomplete), which ll_store_open marks 'incomplete' on the next open.
 *
 * One ll_store is used by one thread at a time.
 */
#ifndef LOOPLINT_STORE_H
#define LOOPLINT_STORE_H

#include "../analysis/error.h"
#include "../analysis/facts.h"
#include "../analysis/finding.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ll_store ll_store;

/* Opens (creating it and its directory if missing) the database at path.
 * NULL with an error when it is not looplint's, is corrupt, is of a newer
 * schema, or cannot be opened. */
ll_store *ll_store_open(const char *path, ll_error *error);
void ll_store_close(ll_store *store);

/* 0 when the database at path can be written, or created (with its
 * directories); -1 with an error naming what is read-only otherwise.
 * ll_store_open checks this first; callers may, to tell this failure
 * apart from a database that is not looplint's. */
int ll_store_writable(const char *path, ll_error *error);

/* The schema version this build writes (PRAGMA user_version). */
int ll_store_schema_version(void);

typedef struct ll_run_info {
    const char *version; /* looplint's */
    const char *root;    /* the project root */
    const char *argv;    /* the command line, joined */
    /* NULL for a run over the whole program; for a partial run (`check
       FILE...`, whose findings outside FILE are not all computed), the
       files it covered, one per line. */
    const char *scope;
} ll_run_info;

/* Starts a run (status 'running', committed at once) and returns its id. */
int ll_store_run_begin(ll_store *store, const ll_run_info *info, int64_t *run_id, ll_error *error);

/* Records the program key of a run over the whole program: a hash of
 * everything its findings depend on (analyze.c). Call before
 * ll_store_run_finish; a run that does not finish is never matched. */
int ll_store_run_set_program_key(ll_store *store, int64_t run_id, const char *program_key,
                                 ll_error *error);

/* The latest complete whole-program run recorded under `program_key`: 1
 * and *run_id set, 0 when there is none, -1 on error. */
int ll_store_run_find_program(ll_store *store, const char *program_key, int64_t *run_id,
                              ll_error *error);

/* Whether a run is partial: 1 and *scope (caller frees; the files, one per
 * line) when it is, 0 when it covered the whole program, -1 on error ("no
 * such run" included). */
int ll_store_run_scope(ll_store *store, int64_t run_id, char **scope, ll_error *error);

/* Saves a TU's facts under its cache key, replacing what was stored for
 * that path, in one transaction: tus, tu_files, functions, calls, and the
 * encoded facts that ll_store_unit_load reads back. */
int ll_store_unit_save(ll_store *store, const ll_unit *unit, const char *cache_key,
                       ll_error *error);

/* Reads back the facts of `path` if they were stored under `cache_key`
 * (NULL: under any key, for TUs a partial run trusts without checking):
 * 1 and *unit set (caller frees), 0 when absent or stale, -1 on error. */
int ll_store_unit_load(ll_store *store, const char *path, const char *cache_key, ll_unit **unit,
                       ll_error *error);

/* The files `path` included when it was last analysed, with their hashes
 * (to recompute its cache key), and the key its facts are stored under
 * (*cache_key, caller frees; may be NULL not to ask). 1 found, 0 not
 * stored, -1 error; caller frees *files with ll_unit_free (only path and
 * files are filled). */
int ll_store_unit_files(ll_store *store, const char *path, ll_unit **files, char **cache_key,
                        ll_error *error);

/* Writes a run's findings and notes, its statistics (JSON text) and
 * status 'complete' in one transaction. */
int ll_store_run_finish(ll_store *store, int64_t run_id, const ll_findings *findings,
                        const char *statistics_json, ll_error *error);

/* Marks a run that stops before its end (interrupted, or failed)
 * 'incomplete' at once, rather than on the next open: it keeps no
 * findings, and the TUs it stored stay for the next run to reuse. */
int ll_store_run_abandon(ll_store *store, int64_t run_id, ll_error *error);

/* Reads the findings of a run (0 for the latest complete whole-program
 * one: partial runs are skipped) into `findings` (initialised by the
 * caller). */
int ll_store_findings_load(ll_store *store, int64_t run_id, ll_findings *findings, ll_error *error);

/* A run's status, "running", "complete" or "incomplete", into `status`:
 * 1, or 0 when the store holds no such run (status ""), or -1 with an
 * error. */
int ll_store_run_status(ll_store *store, int64_t run_id, char *status, size_t size,
                        ll_error *error);

/* The ids of the newest complete runs (partial ones too), newest first, at
 * most `capacity` of them, into `ids`; *count says how many. 0, or -1 with
 * an error. */
int ll_store_runs_complete(ll_store *store, int64_t *ids, size_t capacity, size_t *count,
                           ll_error *error);

/* ---- Baselines ---------------------------------------------------------------------
 *
 * A baseline is a named set of fingerprints (report.h): the findings a
 * project accepts for now, so that `check --baseline` reports only new
 * ones. A name with no fingerprint does not exist. */

/* Makes `name` the fingerprints of the unsuppressed findings of a run (0
 * for the latest complete whole-program one), replacing a baseline of that
 * name, in one transaction; *count (may be NULL) gets how many. A partial
 * run is refused: its findings outside its files are not all there. */
int ll_store_baseline_save(ll_store *store, const char *name, int64_t run_id, size_t *count,
                           ll_error *error);

/* Makes `name` exactly these fingerprints (an import), in one transaction. */
int ll_store_baseline_replace(ll_store *store, const char *name, const char *const *fingerprints,
                              size_t count, ll_error *error);

typedef struct ll_baseline_entry {
    char *name;
    size_t count; /* of fingerprints */
} ll_baseline_entry;

/* Every baseline, by name: *entries (caller frees with
 * ll_baseline_entries_free) and *count. */
int ll_store_baseline_list(ll_store *store, ll_baseline_entry **entries, size_t *count,
                           ll_error *error);
void ll_baseline_entries_free(ll_baseline_entry *entries, size_t count);

/* Removes a baseline: 1 removed, 0 there was none, -1 error. */
int ll_store_baseline_drop(ll_store *store, const char *name, ll_error *error);

/* The fingerprints of a baseline, sorted: 1 and *fingerprints (a
 * NULL-terminated array; caller frees with ll_fingerprints_free) and
 * *count, 0 when there is no such baseline, -1 error. */
int ll_store_baseline_load(ll_store *store, const char *name, char ***fingerprints, size_t *count,
                           ll_error *error);
void ll_fingerprints_free(char **fingerprints);

#endif
