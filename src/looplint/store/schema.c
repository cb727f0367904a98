/*
 * schema.c - the store's tables, recognising looplint's databases, and the
 * forward migrations (schema.h).
 *
 * Nothing here writes before it has read what the file is: the identity
 * (application_id, user_version, whether the schema holds anything) is
 * read first, and a database that is neither empty nor looplint's, or is
 * newer than this build, is refused. Upgrading re-reads the identity under
 * the write lock, because two processes may open a new database at once:
 * the second then finds the first one's schema and has nothing to do.
 *
 * The relational tables (tus, tu_files, functions, calls) are for queries
 * and reports; the facts BLOB in tus is what a cached run reads back.
 * Foreign keys cascade from a TU to everything extracted from it and from
 * a run to its findings, so replacing a TU or dropping a run is one
 * DELETE; every child key is indexed (a primary key's prefix or an index),
 * otherwise each cascading delete would scan the child table.
 */
#include "schema.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *const ll_schema_steps[LL_SCHEMA_VERSION] = {
    /* Version 1. */
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  started TEXT NOT NULL," /* ISO 8601, UTC */
    "  finished TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete')),"
    "  pid INTEGER NOT NULL," /* of the process running it, to detect a dead run */
    "  version TEXT,"         /* looplint's */
    "  root TEXT,"
    "  argv TEXT,"
    "  stats TEXT" /* JSON */
    ");"
    "CREATE INDEX runs_status ON runs (status, id);"

    "CREATE TABLE tus ("
    "  id INTEGER PRIMARY KEY,"
    "  path TEXT NOT NULL UNIQUE,"
    "  cache_key TEXT NOT NULL,"
    "  analysed_at TEXT NOT NULL,"
    "  facts BLOB NOT NULL" /* codec.c */
    ");"
    "CREATE TABLE tu_files ("
    "  tu INTEGER NOT NULL REFERENCES tus (id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL," /* 0 is the main file */
    "  path TEXT NOT NULL,"
    "  hash INTEGER NOT NULL," /* XXH3-64, its bits as a signed integer */
    "  is_system INTEGER NOT NULL,"
    "  PRIMARY KEY (tu, seq)"
    ") WITHOUT ROWID;"
    "CREATE TABLE functions ("
    "  id INTEGER PRIMARY KEY,"
    "  tu INTEGER NOT NULL REFERENCES tus (id) ON DELETE CASCADE,"
    "  name TEXT,"
    "  usr TEXT,"
    "  file TEXT,"
    "  line INTEGER NOT NULL,"
    "  col INTEGER NOT NULL,"
    "  is_definition INTEGER NOT NULL,"
    "  is_static INTEGER NOT NULL,"
    "  annotations INTEGER NOT NULL," /* LL_ANNOTATION_* */
    "  takes_mask INTEGER NOT NULL"
    ");"
    "CREATE INDEX functions_tu ON functions (tu);"
    "CREATE INDEX functions_usr ON functions (usr);"
    "CREATE TABLE calls ("
    "  function INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('direct', 'field', 'variable', 'other')),"
    "  callee_name TEXT,"
    "  callee_usr TEXT,"
    "  file TEXT,"
    "  line INTEGER NOT NULL,"
    "  col INTEGER NOT NULL,"
    "  PRIMARY KEY (function, seq)"
    ") WITHOUT ROWID;"
    "CREATE TABLE summaries ("
    "  function INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL,"
    "  value TEXT,"
    "  PRIMARY KEY (function, kind)"
    ") WITHOUT ROWID;"

    "CREATE TABLE findings ("
    "  id INTEGER PRIMARY KEY," /* the order the run reported them in */
    "  run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
    "  rule TEXT NOT NULL,"
    "  severity TEXT NOT NULL CHECK (severity IN ('note', 'warning', 'error')),"
    "  file TEXT NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  col INTEGER NOT NULL,"
    "  function TEXT,"
    "  message TEXT NOT NULL,"
    "  text TEXT,"
    "  fingerprint TEXT NOT NULL,"
    "  suppressed INTEGER NOT NULL,"
    "  reason TEXT"
    ");"
    "CREATE INDEX findings_run ON findings (run);"
    "CREATE TABLE notes ("
    "  finding INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  file TEXT NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  col INTEGER NOT NULL,"
    "  message TEXT NOT NULL,"
    "  PRIMARY KEY (finding, seq)"
    ") WITHOUT ROWID;"
    "CREATE TABLE baselines ("
    "  name TEXT NOT NULL,"
    "  fingerprint TEXT NOT NULL,"
    "  PRIMARY KEY (name, fingerprint)"
    ") WITHOUT ROWID;",

    /* Version 2: incremental runs. A run of `check FILE...` analysed only
       some TUs again and checked only some functions: its scope is the
       FILE operands, one per line (NULL: the whole program), and the
       reports and baselines that take "the latest run" skip it. A whole
       run records the key of everything its findings depend on, so that a
       run with the same key can reuse them. */
    "ALTER TABLE runs ADD COLUMN scope TEXT;"
    "ALTER TABLE runs ADD COLUMN program_key TEXT;"
    "CREATE INDEX runs_program_key ON runs (program_key, status);",
};

/* PRAGMA quick_check reads the whole file, about 2.5 ms per MiB here:
 * above this size it would cost a cached run more than reading its facts
 * does. A larger database is checked page by page as statements read it
 * (SQLITE_CORRUPT), and the store stops writing at the first damage. */
#define QUICK_CHECK_LIMIT ((sqlite3_int64)16 << 20)

/* What a database says it is. */
typedef struct identity {
    uint32_t application_id;
    int version; /* user_version */
    bool empty;  /* no table, index, view or trigger */
} identity;

/* A read that failed, described by what SQLite's code says of the file. */
static int read_failure(sqlite3 *db, const char *path, int code, ll_error *error)
{
    switch (code & 0xff) {
    case SQLITE_NOTADB:
        return ll_error_set(error, "%s: not a SQLite database; refusing to touch it", path);
    case SQLITE_CORRUPT:
        return ll_error_set(error, "%s: corrupt database (%s); refusing to touch it", path,
                            sqlite3_errmsg(db));
    default:
        return ll_error_set(error, "%s: cannot read the database: %s", path, sqlite3_errmsg(db));
    }
}

/* Runs a query of one integer; an SQLite result code. */
static int query_integer(sqlite3 *db, const char *sql, sqlite3_int64 *value)
{
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(db, sql, -1, &statement, NULL);
    if (code == SQLITE_OK) {
        code = sqlite3_step(statement);
        if (code == SQLITE_ROW) {
            *value = sqlite3_column_int64(statement, 0);
            code = SQLITE_OK;
        }
    }
    sqlite3_finalize(statement);
    return code;
}

/* One statement, hence one snapshot: read as three queries, the identity
 * could straddle another process's commit of a new database's schema and
 * look like tables under no application_id, a database not ours. */
static const char identify_sql[] = "SELECT (SELECT application_id FROM pragma_application_id),"
                                   " (SELECT user_version FROM pragma_user_version),"
                                   " (SELECT count(*) FROM sqlite_master)";

static int identify(sqlite3 *db, const char *path, identity *found, ll_error *error)
{
    sqlite3_stmt *statement = NULL;
    /* Reading the schema also parses page 1 past the header, which a
       file with a valid header and garbage after it fails. */
    int code = sqlite3_prepare_v2(db, identify_sql, -1, &statement, NULL);
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    int result = 0;
    if (code == SQLITE_ROW) {
        found->application_id = (uint32_t)sqlite3_column_int64(statement, 0);
        found->version = sqlite3_column_int(statement, 1);
        found->empty = sqlite3_column_int64(statement, 2) == 0;
    } else {
        result = read_failure(db, path, code, error);
    }
    sqlite3_finalize(statement);
    return result;
}

static int acceptable(const identity *found, int newest, const char *path, ll_error *error)
{
    if (found->application_id == LL_STORE_APPLICATION_ID) {
        if (found->version > newest)
            return ll_error_set(error,
                                "%s: written by a newer looplint (schema %d; this one knows "
                                "up to %d); refusing to touch it",
                                path, found->version, newest);
        return 0;
    }
    if (found->application_id == 0 && found->version == 0 && found->empty)
        return 0;
    return ll_error_set(error,
                        "%s: not a looplint database (application_id 0x%08x); "
                        "refusing to touch it",
                        path, (unsigned)found->application_id);
}

static int check_integrity(sqlite3 *db, const char *path, ll_error *error)
{
    sqlite3_int64 pages = 0;
    sqlite3_int64 page_size = 0;
    int code = query_integer(db, "PRAGMA page_count", &pages);
    if (code == SQLITE_OK)
        code = query_integer(db, "PRAGMA page_size", &page_size);
    if (code != SQLITE_OK)
        return read_failure(db, path, code, error);
    if (pages > QUICK_CHECK_LIMIT / (page_size > 0 ? page_size : 1))
        return 0;

    sqlite3_stmt *statement = NULL;
    int result = 0;
    code = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &statement, NULL);
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    if (code == SQLITE_ROW) {
        const char *verdict = (const char *)sqlite3_column_text(statement, 0);
        if (!verdict || strcmp(verdict, "ok") != 0)
            result = ll_error_set(error, "%s: corrupt database (%s); refusing to touch it", path,
                                  verdict ? verdict : "quick_check failed");
    } else {
        result = read_failure(db, path, code, error);
    }
    sqlite3_finalize(statement);
    return result;
}

int ll_schema_verify(sqlite3 *db, const char *path, int newest, ll_error *error)
{
    identity found = {0};
    if (identify(db, path, &found, error) < 0 || acceptable(&found, newest, path, error) < 0)
        return -1;
    return check_integrity(db, path, error);
}

/* Runs SQL of our own making (no parameters); an SQLite result code. */
static int execute(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int set_identity(sqlite3 *db, int version)
{
    /* PRAGMAs take no parameters; both numbers are ours. */
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             (int)LL_STORE_APPLICATION_ID, version);
    return execute(db, sql);
}

int ll_schema_upgrade(sqlite3 *db, const char *path, const char *const *steps, int count,
                      ll_error *error)
{
    identity found = {0};
    if (identify(db, path, &found, error) < 0 || acceptable(&found, count, path, error) < 0)
        return -1;
    if (found.application_id == LL_STORE_APPLICATION_ID && found.version == count)
        return 0;

    if (execute(db, "BEGIN IMMEDIATE") != SQLITE_OK)
        return ll_error_set(error, "%s: cannot lock the database: %s", path, sqlite3_errmsg(db));
    if (identify(db, path, &found, error) < 0 || acceptable(&found, count, path, error) < 0)
        goto fail;
    for (int version = found.version; version < count; version++) {
        if (execute(db, steps[version]) != SQLITE_OK) {
            ll_error_set(error, "%s: cannot migrate from schema %d to %d: %s", path, version,
                         version + 1, sqlite3_errmsg(db));
            goto fail;
        }
    }
    if ((found.version < count && set_identity(db, count) != SQLITE_OK) ||
        execute(db, "COMMIT") != SQLITE_OK) {
        ll_error_set(error, "%s: cannot write the schema: %s", path, sqlite3_errmsg(db));
        goto fail;
    }
    return 0;
fail:
    if (!sqlite3_get_autocommit(db))
        execute(db, "ROLLBACK");
    return -1;
}
