/*
 * store.c - the SQLite store (store.h): opening a database safely, runs,
 * the facts of each TU, findings, baselines.
 *
 * Opening follows one rule: read before writing. The file's first 100
 * bytes must be a SQLite header whose application_id is ours or unset;
 * then a read-only connection reads the identity and the schema (schema.c)
 * and, on a small database, runs PRAGMA quick_check. Only then is the
 * read-write connection opened, the schema created or migrated, and WAL
 * switched on. A file that fails any of this is reported and left alone.
 *
 * A run's row is committed as soon as the run begins, with the pid of its
 * process, and its findings are written with status 'complete' in one
 * transaction at the end; so a run killed in between leaves a 'running'
 * row whose process is gone, which the next open marks 'incomplete'. A
 * live process (kill(pid, 0) does not fail with ESRCH) keeps its run:
 * WAL only works between processes of one host, so pids are comparable.
 * A run that stops on its own (interrupted, or failed) marks itself
 * 'incomplete' at once (ll_store_run_abandon).
 *
 * Statements are prepared on first use and kept until ll_store_close, and
 * every one is reset right after use, so that no read snapshot outlives
 * the call that took it. Every value goes through sqlite3_bind_*.
 */
#include "store.h"

#include "codec.h"
#include "schema.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000

#define NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

enum statement_id {
    STATEMENT_BEGIN_WRITE,
    STATEMENT_BEGIN_READ,
    STATEMENT_COMMIT,
    STATEMENT_RUN_INSERT,
    STATEMENT_RUN_FINISH,
    STATEMENT_RUN_STATUS,
    STATEMENT_RUN_LATEST,
    STATEMENT_RUNS_COMPLETE,
    STATEMENT_RUNS_RUNNING,
    STATEMENT_RUN_ABANDON,
    STATEMENT_RUN_SET_KEY,
    STATEMENT_RUN_FIND_KEY,
    STATEMENT_RUN_SCOPE,
    STATEMENT_TU_DELETE,
    STATEMENT_TU_INSERT,
    STATEMENT_TU_FILE_INSERT,
    STATEMENT_FUNCTION_INSERT,
    STATEMENT_CALL_INSERT,
    STATEMENT_TU_FACTS,
    STATEMENT_TU_FILES,
    STATEMENT_FINDING_INSERT,
    STATEMENT_NOTE_INSERT,
    STATEMENT_FINDINGS_SELECT,
    STATEMENT_NOTES_SELECT,
    STATEMENT_BASELINE_DELETE,
    STATEMENT_BASELINE_COPY,
    STATEMENT_BASELINE_INSERT,
    STATEMENT_BASELINE_LIST,
    STATEMENT_BASELINE_SELECT,
    STATEMENT_COUNT
};

static const char *const statement_sql[STATEMENT_COUNT] = {
    [STATEMENT_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [STATEMENT_BEGIN_READ] = "BEGIN",
    [STATEMENT_COMMIT] = "COMMIT",
    [STATEMENT_RUN_INSERT] = "INSERT INTO runs (started, status, pid, version, root, argv, scope)"
                             " VALUES (" NOW ", 'running', ?1, ?2, ?3, ?4, ?5)",
    /* A run another process took for dead (it could not see our pid, from
       another pid namespace) is still ours to finish. */
    [STATEMENT_RUN_FINISH] = "UPDATE runs SET finished = " NOW ", status = 'complete', stats = ?2"
                             " WHERE id = ?1 AND status <> 'complete'",
    [STATEMENT_RUN_STATUS] = "SELECT status FROM runs WHERE id = ?1",
    [STATEMENT_RUN_LATEST] = "SELECT id FROM runs WHERE status = 'complete' AND scope IS NULL"
                             " ORDER BY id DESC LIMIT 1",
    [STATEMENT_RUNS_COMPLETE] = "SELECT id FROM runs WHERE status = 'complete'"
                                " ORDER BY id DESC LIMIT ?1",
    [STATEMENT_RUNS_RUNNING] = "SELECT id, pid FROM runs WHERE status = 'running'",
    [STATEMENT_RUN_ABANDON] = "UPDATE runs SET status = 'incomplete'"
                              " WHERE id = ?1 AND status = 'running'",
    [STATEMENT_RUN_SET_KEY] = "UPDATE runs SET program_key = ?2"
                              " WHERE id = ?1 AND scope IS NULL AND status = 'running'",
    [STATEMENT_RUN_FIND_KEY] = "SELECT id FROM runs WHERE program_key = ?1"
                               " AND status = 'complete' AND scope IS NULL"
                               " ORDER BY id DESC LIMIT 1",
    [STATEMENT_RUN_SCOPE] = "SELECT scope FROM runs WHERE id = ?1",
    [STATEMENT_TU_DELETE] = "DELETE FROM tus WHERE path = ?1",
    [STATEMENT_TU_INSERT] = "INSERT INTO tus (path, cache_key, analysed_at, facts)"
                            " VALUES (?1, ?2, " NOW ", ?3)",
    [STATEMENT_TU_FILE_INSERT] = "INSERT INTO tu_files (tu, seq, path, hash, is_system)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5)",
    [STATEMENT_FUNCTION_INSERT] =
        "INSERT INTO functions (tu, name, usr, file, line, col, is_definition, is_static,"
        " annotations, takes_mask) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [STATEMENT_CALL_INSERT] =
        "INSERT INTO calls (function, seq, kind, callee_name, callee_usr, file, line, col)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STATEMENT_TU_FACTS] = "SELECT cache_key, facts FROM tus WHERE path = ?1",
    /* One statement, so the files are those of one snapshot; a TU that
       read no file still gives a row, of NULLs. */
    [STATEMENT_TU_FILES] = "SELECT f.path, f.hash, f.is_system, t.cache_key FROM tus AS t"
                           " LEFT JOIN tu_files AS f ON f.tu = t.id"
                           " WHERE t.path = ?1 ORDER BY f.seq",
    [STATEMENT_FINDING_INSERT] =
        "INSERT INTO findings (run, rule, severity, file, line, col, function, message, text,"
        " fingerprint, suppressed, reason)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [STATEMENT_NOTE_INSERT] = "INSERT INTO notes (finding, seq, file, line, col, message)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [STATEMENT_FINDINGS_SELECT] =
        "SELECT id, rule, severity, file, line, col, function, message, text, fingerprint,"
        " suppressed, reason FROM findings WHERE run = ?1 ORDER BY id",
    [STATEMENT_NOTES_SELECT] = "SELECT n.finding, n.file, n.line, n.col, n.message"
                               " FROM notes AS n JOIN findings AS f ON f.id = n.finding"
                               " WHERE f.run = ?1 ORDER BY n.finding, n.seq",
    [STATEMENT_BASELINE_DELETE] = "DELETE FROM baselines WHERE name = ?1",
    /* OR IGNORE: two findings of a run may share a fingerprint only if
       fingerprints collide; the set keeps one. */
    [STATEMENT_BASELINE_COPY] = "INSERT OR IGNORE INTO baselines (name, fingerprint)"
                                " SELECT ?1, fingerprint FROM findings"
                                " WHERE run = ?2 AND NOT suppressed AND fingerprint IS NOT NULL"
                                " AND fingerprint <> ''",
    [STATEMENT_BASELINE_INSERT] = "INSERT OR IGNORE INTO baselines (name, fingerprint)"
                                  " VALUES (?1, ?2)",
    [STATEMENT_BASELINE_LIST] = "SELECT name, count(*) FROM baselines GROUP BY name ORDER BY name",
    [STATEMENT_BASELINE_SELECT] = "SELECT fingerprint FROM baselines WHERE name = ?1"
                                  " ORDER BY fingerprint",
};

static const char *const callee_kind_names[] = {
    [LL_CALLEE_DIRECT] = "direct",
    [LL_CALLEE_FIELD] = "field",
    [LL_CALLEE_VARIABLE] = "variable",
    [LL_CALLEE_OTHER] = "other",
};

struct ll_store {
    sqlite3 *db;
    char *path;
    bool damaged;   /* SQLite met a corrupt page: nothing more is written */
    char task[512]; /* what the current call does, to open its error messages */
    sqlite3_stmt *statements[STATEMENT_COUNT];
};

/* ---- Errors and statements ----------------------------------------------------------------- */

static void set_task(ll_store *store, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void set_task(ll_store *store, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(store->task, sizeof store->task, format, arguments);
    va_end(arguments);
}

/* Reports the connection's last error as the failure of the current task. */
static int sql_failure(ll_store *store, ll_error *error)
{
    int code = sqlite3_extended_errcode(store->db) & 0xff;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        store->damaged = true;
    if (code == SQLITE_READONLY)
        return ll_error_set(error, "%s: %s: the database (or its directory) is read-only: %s",
                            store->path, store->task, sqlite3_errmsg(store->db));
    return ll_error_set(error, "%s: %s: %s", store->path, store->task, sqlite3_errmsg(store->db));
}

static int failure(ll_store *store, ll_error *error, const char *problem)
{
    return ll_error_set(error, "%s: %s: %s", store->path, store->task, problem);
}

static sqlite3_stmt *prepare(ll_store *store, enum statement_id id, ll_error *error)
{
    sqlite3_stmt **slot = &store->statements[id];
    if (!*slot && sqlite3_prepare_v3(store->db, statement_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                     slot, NULL) != SQLITE_OK) {
        sql_failure(store, error);
        return NULL;
    }
    return *slot;
}

/* Steps a statement that returns no row, and resets it. */
static int execute(ll_store *store, sqlite3_stmt *statement, ll_error *error)
{
    int code = sqlite3_step(statement);
    if (code != SQLITE_DONE)
        sql_failure(store, error);
    sqlite3_reset(statement);
    return code == SQLITE_DONE ? 0 : -1;
}

/* A failed bind leaves the statement untouched; report it and reset. */
static int bind_failure(ll_store *store, sqlite3_stmt *statement, ll_error *error)
{
    sql_failure(store, error);
    sqlite3_reset(statement);
    return -1;
}

/* The text stays the caller's until the statement is reset, which every
 * call below does before returning. */
static int bind_text(sqlite3_stmt *statement, int index, const char *text)
{
    return sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
}

static const char *column_text(sqlite3_stmt *statement, int index)
{
    return (const char *)sqlite3_column_text(statement, index);
}

static int writable(ll_store *store, ll_error *error)
{
    if (store->damaged)
        return failure(store, error, "the database is corrupt; not writing to it");
    return 0;
}

static int begin(ll_store *store, enum statement_id kind, ll_error *error)
{
    if (kind == STATEMENT_BEGIN_WRITE && writable(store, error) < 0)
        return -1;
    sqlite3_stmt *statement = prepare(store, kind, error);
    return statement ? execute(store, statement, error) : -1;
}

static int commit(ll_store *store, ll_error *error)
{
    sqlite3_stmt *statement = prepare(store, STATEMENT_COMMIT, error);
    return statement ? execute(store, statement, error) : -1;
}

/* Undoes the open transaction, if SQLite has not already. */
static void rollback(ll_store *store)
{
    if (!sqlite3_get_autocommit(store->db))
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- Opening ------------------------------------------------------------------------------- */

/* Cuts `path` to its directory ("." for a bare name, "/" at the root);
 * its buffer holds at least two bytes. */
static void cut_to_directory(char *path)
{
    char *slash = strrchr(path, '/');
    if (!slash) {
        path[0] = '.';
        path[1] = '\0';
    } else if (slash == path)
        slash[1] = '\0';
    else
        *slash = '\0';
}

static bool denied(int system_errno)
{
    return system_errno == EACCES || system_errno == EPERM || system_errno == EROFS;
}

/* SQLite reports a store it cannot write late and vaguely ("unable to open
 * database file", or a connection quietly opened read-only), so the
 * permissions are looked at first. access() answers for this process's
 * ids, and EROFS for a read-only mount. */
int ll_store_writable(const char *path, ll_error *error)
{
    size_t size = strlen(path) + 2; /* room for "." */
    char *directory = malloc(size);
    if (!directory)
        return ll_error_set(error, "out of memory");
    memcpy(directory, path, size - 1);
    /* The directories that do not exist yet will be made in the nearest
       one that does. */
    int result = 0;
    cut_to_directory(directory);
    while (access(directory, F_OK) < 0 && errno == ENOENT && strcmp(directory, ".") != 0 &&
           strcmp(directory, "/") != 0)
        cut_to_directory(directory);
    /* Other errors (ENOTDIR...) are left to the steps that meet them. */
    if (access(directory, W_OK) < 0 && denied(errno))
        result = ll_error_set(error,
                              "%s: the directory %s is read-only (%s): the store cannot be "
                              "created or written there",
                              path, directory, strerror(errno));
    else if (access(path, F_OK) == 0 && access(path, W_OK) < 0 && denied(errno))
        result = ll_error_set(error, "%s: the database is read-only (%s)", path, strerror(errno));
    free(directory);
    return result;
}

/* mkdir -p `directory` (which is modified and restored on the way). */
static int make_directories(char *directory, const char *path, ll_error *error)
{
    for (char *at = directory + 1;; at++) {
        if (*at != '/' && *at != '\0')
            continue;
        char kept = *at;
        *at = '\0';
        if (mkdir(directory, 0777) < 0 && errno != EEXIST)
            return ll_error_set(error, "%s: cannot create the directory %s: %s", path, directory,
                                strerror(errno));
        *at = kept;
        if (!kept)
            return 0;
    }
}

static int make_parent_directories(const char *path, ll_error *error)
{
    char *directory = strdup(path);
    if (!directory)
        return ll_error_set(error, "out of memory");
    char *slash = strrchr(directory, '/');
    struct stat status;
    int result = 0;
    if (slash && slash != directory) {
        *slash = '\0';
        if (stat(directory, &status) < 0)
            result = make_directories(directory, path, error);
    }
    free(directory);
    return result;
}

static uint32_t big_endian_32(const unsigned char *bytes)
{
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

/* Looks at the file before SQLite does: 0 when it is missing or empty (a
 * new database), 1 when it has a SQLite header that is not another
 * application's, -1 with an error otherwise. */
static int examine_file(const char *path, ll_error *error)
{
    struct stat status;
    if (stat(path, &status) < 0) {
        if (errno == ENOENT)
            return 0;
        return ll_error_set(error, "%s: %s", path, strerror(errno));
    }
    if (S_ISDIR(status.st_mode))
        return ll_error_set(error, "%s: is a directory", path);
    if (!S_ISREG(status.st_mode))
        return ll_error_set(error, "%s: not a regular file; refusing to touch it", path);
    if (status.st_size == 0)
        return 0;

    /* The header is 100 bytes; application_id is at offset 68. */
    static const char magic[16] = "SQLite format 3";
    unsigned char header[100];
    size_t have = 0;
    ssize_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ll_error_set(error, "%s: cannot read: %s", path, strerror(errno));
    while (have < sizeof header) {
        got = pread(fd, header + have, sizeof header - have, (off_t)have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        have += (size_t)got;
    }
    int read_errno = errno;
    close(fd);
    if (got < 0)
        return ll_error_set(error, "%s: cannot read: %s", path, strerror(read_errno));
    if (have < sizeof header || memcmp(header, magic, sizeof magic) != 0)
        return ll_error_set(error, "%s: not a SQLite database; refusing to touch it", path);
    uint32_t application_id = big_endian_32(header + 68);
    if (application_id != 0 && application_id != LL_STORE_APPLICATION_ID)
        return ll_error_set(error,
                            "%s: not a looplint database (application_id 0x%08x); "
                            "refusing to touch it",
                            path, (unsigned)application_id);
    return 1;
}

/* A "file:" URI naming `path`, with `query`; SQLite decodes %HH in it. */
static char *file_uri(const char *path, const char *query)
{
    size_t length = strlen(path);
    char *uri = malloc(sizeof "file://" + 3 * length + 1 + strlen(query));
    if (!uri)
        return NULL;
    /* An absolute path gets an empty authority, so that "//x" stays a path. */
    char *at = stpcpy(uri, path[0] == '/' ? "file://" : "file:");
    for (const unsigned char *byte = (const unsigned char *)path; *byte; byte++) {
        if (*byte == '%' || *byte == '?' || *byte == '#' || *byte < 0x20 || *byte >= 0x7f)
            at += sprintf(at, "%%%02X", *byte);
        else
            *at++ = (char)*byte;
    }
    *at++ = '?';
    memcpy(at, query, strlen(query) + 1);
    return uri;
}

static int verify_with(const char *path, const char *query, ll_error *error)
{
    sqlite3 *db = NULL;
    int result;
    char *uri = file_uri(path, query);
    if (!uri)
        return ll_error_set(error, "out of memory");
    int code = sqlite3_open_v2(uri, &db,
                               SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL);
    if (code != SQLITE_OK) {
        result = ll_error_set(error, "%s: cannot open: %s", path,
                              db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
    } else {
        sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
        result = ll_schema_verify(db, path, LL_SCHEMA_VERSION, error);
    }
    sqlite3_close(db);
    free(uri);
    return result;
}

/* Whether a -wal or -journal file lies beside the database: someone has
 * it open, or left it so. */
static bool side_files_exist(const char *path)
{
    static const char *const suffixes[] = {"-wal", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char side[PATH_MAX + 16];
        struct stat status;
        snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
        if (stat(side, &status) == 0)
            return true;
    }
    return false;
}

static bool same_state(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Verifies an existing file through a read-only connection, which can
 * neither roll back a journal nor checkpoint a WAL into the file.
 *
 * Opening a WAL database even read-only creates its -wal and -shm files,
 * which would litter the directory of a file we then refuse. When there is
 * no -wal (nor -journal) file, nobody has the database open or is writing
 * to it, and the file is the whole database, so it is read as immutable,
 * which creates nothing. Should it change meanwhile (a process opened it
 * and checkpointed), that reading proves nothing and the verification is
 * done the ordinary way. */
static int verify_existing(const char *path, ll_error *error)
{
    struct stat before;
    struct stat after;
    if (!side_files_exist(path) && stat(path, &before) == 0) {
        int result = verify_with(path, "immutable=1", error);
        if (stat(path, &after) == 0 && same_state(&before, &after) && !side_files_exist(path))
            return result;
    }
    return verify_with(path, "mode=ro", error);
}

static int open_connection(ll_store *store, ll_error *error)
{
    int code =
        sqlite3_open_v2(store->path, &store->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (code != SQLITE_OK) {
        if (!store->db)
            return ll_error_set(error, "%s: cannot open: %s", store->path, sqlite3_errstr(code));
        int system_errno = sqlite3_system_errno(store->db);
        if (system_errno)
            return ll_error_set(error, "%s: cannot open: %s (%s)", store->path,
                                sqlite3_errmsg(store->db), strerror(system_errno));
        return ll_error_set(error, "%s: cannot open: %s", store->path, sqlite3_errmsg(store->db));
    }
    sqlite3_extended_result_codes(store->db, 1);
    sqlite3_busy_timeout(store->db, BUSY_TIMEOUT_MS);
    /* SQLite quietly opens a write-protected file read-only. */
    if (sqlite3_db_readonly(store->db, "main") == 1)
        return ll_error_set(error, "%s: cannot write to it (read-only file or directory)",
                            store->path);
    return 0;
}

/* Switches a database to WAL. The switch reads the header under a read
 * lock and then needs the write lock: two processes switching a new
 * database at once both hold the read lock, and SQLite answers one of them
 * SQLITE_BUSY at once, without the busy handler, lest they deadlock. The
 * other is done in microseconds, so the loser waits a little and retries;
 * once the file is in WAL mode the statement writes nothing. */
static int enable_wal(ll_store *store, ll_error *error)
{
    static const char sql[] = "PRAGMA journal_mode = WAL";
    enum { RETRY_MS = 10 };
    for (int waited = 0;; waited += RETRY_MS) {
        int code = sqlite3_exec(store->db, sql, NULL, NULL, NULL);
        if (code == SQLITE_OK)
            return 0;
        if ((code & 0xff) != SQLITE_BUSY || waited >= BUSY_TIMEOUT_MS)
            return ll_error_set(error, "%s: cannot configure the connection (%s): %s", store->path,
                                sql, sqlite3_errmsg(store->db));
        sqlite3_sleep(RETRY_MS);
    }
}

static int configure(ll_store *store, ll_error *error)
{
    static const char *const settings[] = {
        "PRAGMA foreign_keys = ON",
        "PRAGMA synchronous = NORMAL",
    };
    if (enable_wal(store, error) < 0)
        return -1;
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (sqlite3_exec(store->db, settings[i], NULL, NULL, NULL) != SQLITE_OK)
            return ll_error_set(error, "%s: cannot configure the connection (%s): %s", store->path,
                                settings[i], sqlite3_errmsg(store->db));
    }
    return 0;
}

static bool process_gone(sqlite3_int64 pid)
{
    if (pid <= 0 || pid > INT_MAX)
        return true;
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Marks 'incomplete' the runs left 'running' by a process that is gone.
 * The write lock is taken only when there is one. */
static int abandon_dead_runs(ll_store *store, ll_error *error)
{
    set_task(store, "cannot mark interrupted runs");
    sqlite3_int64 *dead = NULL;
    size_t count = 0;
    size_t capacity = 0;
    int code;
    sqlite3_stmt *running = prepare(store, STATEMENT_RUNS_RUNNING, error);
    if (!running)
        return -1;
    while ((code = sqlite3_step(running)) == SQLITE_ROW) {
        if (!process_gone(sqlite3_column_int64(running, 1)))
            continue;
        if (count == capacity) {
            size_t bigger_capacity = capacity ? capacity * 2 : 8;
            sqlite3_int64 *bigger = realloc(dead, bigger_capacity * sizeof *bigger);
            if (!bigger) {
                sqlite3_reset(running);
                failure(store, error, "out of memory");
                goto fail;
            }
            dead = bigger;
            capacity = bigger_capacity;
        }
        dead[count++] = sqlite3_column_int64(running, 0);
    }
    if (code != SQLITE_DONE) {
        sql_failure(store, error);
        sqlite3_reset(running);
        goto fail;
    }
    sqlite3_reset(running);
    if (count == 0)
        return 0;

    sqlite3_stmt *abandon = prepare(store, STATEMENT_RUN_ABANDON, error);
    if (!abandon || begin(store, STATEMENT_BEGIN_WRITE, error) < 0)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        if (sqlite3_bind_int64(abandon, 1, dead[i]) != SQLITE_OK) {
            bind_failure(store, abandon, error);
            goto fail;
        }
        if (execute(store, abandon, error) < 0)
            goto fail;
    }
    if (commit(store, error) < 0)
        goto fail;
    free(dead);
    return 0;
fail:
    rollback(store);
    free(dead);
    return -1;
}

ll_store *ll_store_open(const char *path, ll_error *error)
{
    ll_store *store = calloc(1, sizeof *store);
    if (!store || !(store->path = strdup(path))) {
        ll_error_set(error, "out of memory");
        goto fail;
    }
    int existing;
    if (ll_store_writable(path, error) < 0 || make_parent_directories(path, error) < 0 ||
        (existing = examine_file(path, error)) < 0 ||
        (existing && verify_existing(path, error) < 0))
        goto fail;
    if (open_connection(store, error) < 0 ||
        ll_schema_upgrade(store->db, path, ll_schema_steps, LL_SCHEMA_VERSION, error) < 0 ||
        configure(store, error) < 0 || abandon_dead_runs(store, error) < 0)
        goto fail;
    return store;
fail:
    ll_store_close(store);
    return NULL;
}

void ll_store_close(ll_store *store)
{
    if (!store)
        return;
    for (int i = 0; i < STATEMENT_COUNT; i++)
        sqlite3_finalize(store->statements[i]);
    sqlite3_close(store->db);
    free(store->path);
    free(store);
}

int ll_store_schema_version(void)
{
    return LL_SCHEMA_VERSION;
}

/* ---- Runs ---------------------------------------------------------------------------------- */

int ll_store_run_begin(ll_store *store, const ll_run_info *info, int64_t *run_id, ll_error *error)
{
    set_task(store, "cannot start a run");
    sqlite3_stmt *insert = NULL;
    if (writable(store, error) < 0 || !(insert = prepare(store, STATEMENT_RUN_INSERT, error)))
        return -1;
    int bound = sqlite3_bind_int64(insert, 1, getpid()) | bind_text(insert, 2, info->version) |
                bind_text(insert, 3, info->root) | bind_text(insert, 4, info->argv) |
                bind_text(insert, 5, info->scope);
    if (bound != SQLITE_OK)
        return bind_failure(store, insert, error);
    if (execute(store, insert, error) < 0)
        return -1;
    *run_id = sqlite3_last_insert_rowid(store->db);
    return 0;
}

int ll_store_run_abandon(ll_store *store, int64_t run_id, ll_error *error)
{
    set_task(store, "cannot mark run %lld incomplete", (long long)run_id);
    sqlite3_stmt *abandon = NULL;
    if (writable(store, error) < 0 || !(abandon = prepare(store, STATEMENT_RUN_ABANDON, error)))
        return -1;
    if (sqlite3_bind_int64(abandon, 1, run_id) != SQLITE_OK)
        return bind_failure(store, abandon, error);
    return execute(store, abandon, error);
}

int ll_store_run_status(ll_store *store, int64_t run_id, char *status, size_t size, ll_error *error)
{
    set_task(store, "cannot read the status of run %lld", (long long)run_id);
    sqlite3_stmt *select = prepare(store, STATEMENT_RUN_STATUS, error);
    if (!select)
        return -1;
    if (sqlite3_bind_int64(select, 1, run_id) != SQLITE_OK)
        return bind_failure(store, select, error);
    int code = sqlite3_step(select);
    int result = 0;
    if (size)
        status[0] = '\0';
    if (code == SQLITE_ROW) {
        const char *text = column_text(select, 0);
        if (size)
            snprintf(status, size, "%s", text ? text : "");
        result = 1;
    } else if (code != SQLITE_DONE) {
        result = sql_failure(store, error);
    }
    sqlite3_reset(select);
    return result;
}

int ll_store_runs_complete(ll_store *store, int64_t *ids, size_t capacity, size_t *count,
                           ll_error *error)
{
    set_task(store, "cannot list the complete runs");
    *count = 0;
    sqlite3_stmt *select = prepare(store, STATEMENT_RUNS_COMPLETE, error);
    if (!select)
        return -1;
    if (sqlite3_bind_int64(select, 1, (sqlite3_int64)capacity) != SQLITE_OK)
        return bind_failure(store, select, error);
    int code;
    while ((code = sqlite3_step(select)) == SQLITE_ROW && *count < capacity)
        ids[(*count)++] = sqlite3_column_int64(select, 0);
    int result = code == SQLITE_DONE || code == SQLITE_ROW ? 0 : sql_failure(store, error);
    sqlite3_reset(select);
    return result;
}

int ll_store_run_set_program_key(ll_store *store, int64_t run_id, const char *program_key,
                                 ll_error *error)
{
    set_task(store, "cannot record the program key of run %lld", (long long)run_id);
    sqlite3_stmt *update = NULL;
    if (writable(store, error) < 0 || !(update = prepare(store, STATEMENT_RUN_SET_KEY, error)))
        return -1;
    if ((sqlite3_bind_int64(update, 1, run_id) | bind_text(update, 2, program_key)) != SQLITE_OK)
        return bind_failure(store, update, error);
    if (execute(store, update, error) < 0)
        return -1;
    if (sqlite3_changes(store->db) != 1)
        return failure(store, error, "no such running run over the whole program");
    return 0;
}

int ll_store_run_find_program(ll_store *store, const char *program_key, int64_t *run_id,
                              ll_error *error)
{
    set_task(store, "cannot look for a run to reuse");
    sqlite3_stmt *select = prepare(store, STATEMENT_RUN_FIND_KEY, error);
    if (!select)
        return -1;
    if (bind_text(select, 1, program_key) != SQLITE_OK)
        return bind_failure(store, select, error);
    int code = sqlite3_step(select);
    int result = 0;
    if (code == SQLITE_ROW) {
        *run_id = sqlite3_column_int64(select, 0);
        result = 1;
    } else if (code != SQLITE_DONE) {
        result = sql_failure(store, error);
    }
    sqlite3_reset(select);
    return result;
}

/* The scope of a run, inside or outside a transaction (see store.h). */
static int select_scope(ll_store *store, int64_t run_id, char **scope, ll_error *error)
{
    sqlite3_stmt *select = prepare(store, STATEMENT_RUN_SCOPE, error);
    if (!select)
        return -1;
    if (sqlite3_bind_int64(select, 1, run_id) != SQLITE_OK)
        return bind_failure(store, select, error);
    int code = sqlite3_step(select);
    int result = 0;
    if (code == SQLITE_ROW) {
        if (sqlite3_column_type(select, 0) != SQLITE_NULL) {
            result = 1;
            if (scope && !(*scope = strdup(column_text(select, 0))))
                result = failure(store, error, "out of memory");
        }
    } else if (code == SQLITE_DONE) {
        result = failure(store, error, "no such run");
    } else {
        result = sql_failure(store, error);
    }
    sqlite3_reset(select);
    return result;
}

int ll_store_run_scope(ll_store *store, int64_t run_id, char **scope, ll_error *error)
{
    set_task(store, "cannot read the scope of run %lld", (long long)run_id);
    *scope = NULL;
    return select_scope(store, run_id, scope, error);
}

/* ---- Facts --------------------------------------------------------------------------------- */

/* The path of a location's file, or NULL (stored as NULL) when unknown. */
static const char *location_file(const ll_unit *unit, ll_location location)
{
    if (location.file == LL_NONE || location.file >= unit->file_count)
        return NULL;
    return unit->files[location.file].path;
}

static int insert_unit(ll_store *store, const ll_unit *unit, const char *cache_key,
                       const unsigned char *facts, size_t size, sqlite3_int64 *tu, ll_error *error)
{
    sqlite3_stmt *delete = prepare(store, STATEMENT_TU_DELETE, error);
    sqlite3_stmt *insert = prepare(store, STATEMENT_TU_INSERT, error);
    if (!delete || !insert)
        return -1;
    /* Deleting cascades to the files, functions, calls and summaries. */
    if (bind_text(delete, 1, unit->path) != SQLITE_OK)
        return bind_failure(store, delete, error);
    if (execute(store, delete, error) < 0)
        return -1;
    int bound = bind_text(insert, 1, unit->path) | bind_text(insert, 2, cache_key) |
                sqlite3_bind_blob64(insert, 3, facts, size, SQLITE_STATIC);
    if (bound != SQLITE_OK)
        return bind_failure(store, insert, error);
    if (execute(store, insert, error) < 0)
        return -1;
    *tu = sqlite3_last_insert_rowid(store->db);
    return 0;
}

static int insert_files(ll_store *store, const ll_unit *unit, sqlite3_int64 tu, ll_error *error)
{
    sqlite3_stmt *insert = prepare(store, STATEMENT_TU_FILE_INSERT, error);
    if (!insert)
        return -1;
    for (uint32_t i = 0; i < unit->file_count; i++) {
        const ll_file *file = &unit->files[i];
        /* SQLite integers are signed: the hash keeps its 64 bits. */
        int bound = sqlite3_bind_int64(insert, 1, tu) | sqlite3_bind_int64(insert, 2, i) |
                    bind_text(insert, 3, file->path) |
                    sqlite3_bind_int64(insert, 4, (sqlite3_int64)file->hash) |
                    sqlite3_bind_int(insert, 5, file->is_system);
        if (bound != SQLITE_OK)
            return bind_failure(store, insert, error);
        if (execute(store, insert, error) < 0)
            return -1;
    }
    return 0;
}

static int insert_calls(ll_store *store, const ll_unit *unit, const ll_function *function,
                        sqlite3_int64 function_id, ll_error *error)
{
    sqlite3_stmt *insert = prepare(store, STATEMENT_CALL_INSERT, error);
    if (!insert)
        return -1;
    for (uint32_t i = 0; i < function->call_count; i++) {
        const ll_call *call = &function->calls[i];
        unsigned kind = call->callee_kind;
        if (kind >= sizeof callee_kind_names / sizeof callee_kind_names[0])
            kind = LL_CALLEE_OTHER;
        int bound = sqlite3_bind_int64(insert, 1, function_id) | sqlite3_bind_int64(insert, 2, i) |
                    bind_text(insert, 3, callee_kind_names[kind]) |
                    bind_text(insert, 4, call->callee_name) |
                    bind_text(insert, 5, call->callee_usr) |
                    bind_text(insert, 6, location_file(unit, call->location)) |
                    sqlite3_bind_int64(insert, 7, call->location.line) |
                    sqlite3_bind_int64(insert, 8, call->location.column);
        if (bound != SQLITE_OK)
            return bind_failure(store, insert, error);
        if (execute(store, insert, error) < 0)
            return -1;
    }
    return 0;
}

static int insert_functions(ll_store *store, const ll_unit *unit, sqlite3_int64 tu, ll_error *error)
{
    sqlite3_stmt *insert = prepare(store, STATEMENT_FUNCTION_INSERT, error);
    if (!insert)
        return -1;
    for (uint32_t i = 0; i < unit->function_count; i++) {
        const ll_function *function = &unit->functions[i];
        int bound = sqlite3_bind_int64(insert, 1, tu) | bind_text(insert, 2, function->name) |
                    bind_text(insert, 3, function->usr) |
                    bind_text(insert, 4, location_file(unit, function->location)) |
                    sqlite3_bind_int64(insert, 5, function->location.line) |
                    sqlite3_bind_int64(insert, 6, function->location.column) |
                    sqlite3_bind_int(insert, 7, function->is_definition) |
                    sqlite3_bind_int(insert, 8, function->is_static) |
                    sqlite3_bind_int64(insert, 9, function->annotations) |
                    sqlite3_bind_int64(insert, 10, function->takes_mask);
        if (bound != SQLITE_OK)
            return bind_failure(store, insert, error);
        if (execute(store, insert, error) < 0 ||
            insert_calls(store, unit, function, sqlite3_last_insert_rowid(store->db), error) < 0)
            return -1;
    }
    return 0;
}

int ll_store_unit_save(ll_store *store, const ll_unit *unit, const char *cache_key, ll_error *error)
{
    set_task(store, "cannot save the facts of %s", unit->path ? unit->path : "a unit");
    if (!unit->path || !cache_key)
        return failure(store, error, "no path or no cache key");
    unsigned char *facts = NULL;
    size_t size = 0;
    if (ll_codec_encode(unit, &facts, &size) < 0)
        return failure(store, error, "out of memory");
    sqlite3_int64 tu = 0;
    if (begin(store, STATEMENT_BEGIN_WRITE, error) < 0 ||
        insert_unit(store, unit, cache_key, facts, size, &tu, error) < 0 ||
        insert_files(store, unit, tu, error) < 0 || insert_functions(store, unit, tu, error) < 0 ||
        commit(store, error) < 0)
        goto fail;
    free(facts);
    return 0;
fail:
    rollback(store);
    free(facts);
    return -1;
}

int ll_store_unit_load(ll_store *store, const char *path, const char *cache_key, ll_unit **unit,
                       ll_error *error)
{
    *unit = NULL;
    set_task(store, "cannot read the facts of %s", path);
    sqlite3_stmt *select = prepare(store, STATEMENT_TU_FACTS, error);
    if (!select)
        return -1;
    if (bind_text(select, 1, path) != SQLITE_OK)
        return bind_failure(store, select, error);
    int code = sqlite3_step(select);
    int result = 0;
    if (code == SQLITE_ROW) {
        const char *stored_key = column_text(select, 0);
        if (stored_key && (!cache_key || strcmp(stored_key, cache_key) == 0)) {
            const unsigned char *facts = sqlite3_column_blob(select, 1);
            size_t size = (size_t)sqlite3_column_bytes(select, 1);
            ll_error problem;
            result = ll_codec_decode(facts, size, unit, &problem);
            if (result < 0) {
                failure(store, error, problem.message);
            } else if (result > 0 && (!(*unit)->path || strcmp((*unit)->path, path) != 0)) {
                ll_unit_free(*unit);
                *unit = NULL;
                result = failure(store, error, "the stored facts are of another file");
            }
        }
    } else if (code != SQLITE_DONE) {
        result = sql_failure(store, error);
    }
    sqlite3_reset(select);
    return result;
}

int ll_store_unit_files(ll_store *store, const char *path, ll_unit **files, char **cache_key,
                        ll_error *error)
{
    *files = NULL;
    if (cache_key)
        *cache_key = NULL;
    char *key = NULL;
    set_task(store, "cannot read the files of %s", path);
    sqlite3_stmt *select = prepare(store, STATEMENT_TU_FILES, error);
    if (!select)
        return -1;
    if (bind_text(select, 1, path) != SQLITE_OK)
        return bind_failure(store, select, error);
    ll_unit *unit = NULL;
    int code;
    while ((code = sqlite3_step(select)) == SQLITE_ROW) {
        if (!unit && !(unit = ll_unit_new(path, NULL, NULL)))
            goto out_of_memory;
        if (cache_key && !key && !(key = ll_strdup(column_text(select, 3))))
            goto out_of_memory;
        if (sqlite3_column_type(select, 0) == SQLITE_NULL)
            continue;
        if (ll_unit_add_file(unit, column_text(select, 0),
                             (uint64_t)sqlite3_column_int64(select, 1),
                             sqlite3_column_int(select, 2) != 0) == LL_NONE)
            goto out_of_memory;
    }
    if (code != SQLITE_DONE) {
        sql_failure(store, error);
        goto fail;
    }
    sqlite3_reset(select);
    *files = unit;
    if (cache_key)
        *cache_key = key;
    return unit ? 1 : 0;
out_of_memory:
    failure(store, error, "out of memory");
fail:
    sqlite3_reset(select);
    ll_unit_free(unit);
    free(key);
    return -1;
}

/* ---- Findings ------------------------------------------------------------------------------ */

static int insert_notes(ll_store *store, const ll_finding *finding, sqlite3_int64 finding_id,
                        ll_error *error)
{
    sqlite3_stmt *insert = prepare(store, STATEMENT_NOTE_INSERT, error);
    if (!insert)
        return -1;
    for (uint32_t i = 0; i < finding->note_count; i++) {
        const ll_note *note = &finding->notes[i];
        int bound = sqlite3_bind_int64(insert, 1, finding_id) | sqlite3_bind_int64(insert, 2, i) |
                    bind_text(insert, 3, note->place.file) |
                    sqlite3_bind_int64(insert, 4, note->place.line) |
                    sqlite3_bind_int64(insert, 5, note->place.column) |
                    bind_text(insert, 6, note->message);
        if (bound != SQLITE_OK)
            return bind_failure(store, insert, error);
        if (execute(store, insert, error) < 0)
            return -1;
    }
    return 0;
}

static int insert_finding(ll_store *store, int64_t run_id, const ll_finding *finding,
                          ll_error *error)
{
    sqlite3_stmt *insert = prepare(store, STATEMENT_FINDING_INSERT, error);
    if (!insert)
        return -1;
    int bound = sqlite3_bind_int64(insert, 1, run_id) | bind_text(insert, 2, finding->rule) |
                bind_text(insert, 3, ll_severity_name(finding->severity)) |
                bind_text(insert, 4, finding->place.file) |
                sqlite3_bind_int64(insert, 5, finding->place.line) |
                sqlite3_bind_int64(insert, 6, finding->place.column) |
                bind_text(insert, 7, finding->function) | bind_text(insert, 8, finding->message) |
                bind_text(insert, 9, finding->text) | bind_text(insert, 10, finding->fingerprint) |
                sqlite3_bind_int(insert, 11, finding->suppressed) |
                bind_text(insert, 12, finding->reason);
    if (bound != SQLITE_OK)
        return bind_failure(store, insert, error);
    if (execute(store, insert, error) < 0)
        return -1;
    return insert_notes(store, finding, sqlite3_last_insert_rowid(store->db), error);
}

int ll_store_run_finish(ll_store *store, int64_t run_id, const ll_findings *findings,
                        const char *statistics_json, ll_error *error)
{
    set_task(store, "cannot record run %lld", (long long)run_id);
    sqlite3_stmt *update = prepare(store, STATEMENT_RUN_FINISH, error);
    if (!update || begin(store, STATEMENT_BEGIN_WRITE, error) < 0)
        goto fail;
    int bound = sqlite3_bind_int64(update, 1, run_id) | bind_text(update, 2, statistics_json);
    if (bound != SQLITE_OK) {
        bind_failure(store, update, error);
        goto fail;
    }
    if (execute(store, update, error) < 0)
        goto fail;
    if (sqlite3_changes(store->db) != 1) {
        failure(store, error, "no such run, or it is already complete");
        goto fail;
    }
    for (size_t i = 0; i < findings->count; i++) {
        if (insert_finding(store, run_id, &findings->items[i], error) < 0)
            goto fail;
    }
    if (commit(store, error) < 0)
        goto fail;
    return 0;
fail:
    rollback(store);
    return -1;
}

/* Resolves run 0 to the latest complete run, and checks that others exist. */
static int resolve_run(ll_store *store, int64_t *run_id, ll_error *error)
{
    enum statement_id id = *run_id ? STATEMENT_RUN_STATUS : STATEMENT_RUN_LATEST;
    sqlite3_stmt *select = prepare(store, id, error);
    if (!select)
        return -1;
    if (*run_id && sqlite3_bind_int64(select, 1, *run_id) != SQLITE_OK)
        return bind_failure(store, select, error);
    int code = sqlite3_step(select);
    int result = 0;
    if (code == SQLITE_ROW) {
        if (!*run_id)
            *run_id = sqlite3_column_int64(select, 0);
    } else if (code == SQLITE_DONE) {
        result = failure(store, error, *run_id ? "no such run" : "no complete run");
    } else {
        result = sql_failure(store, error);
    }
    sqlite3_reset(select);
    return result;
}

/* Appends the run's findings to `loaded`, and their ids to *ids (one per
 * finding, ascending). */
static int select_findings(ll_store *store, int64_t run_id, ll_findings *loaded,
                           sqlite3_int64 **ids, ll_error *error)
{
    sqlite3_stmt *select = prepare(store, STATEMENT_FINDINGS_SELECT, error);
    if (!select)
        return -1;
    if (sqlite3_bind_int64(select, 1, run_id) != SQLITE_OK)
        return bind_failure(store, select, error);
    size_t count = 0; /* of *ids */
    size_t capacity = 0;
    int code;
    while ((code = sqlite3_step(select)) == SQLITE_ROW) {
        enum ll_severity severity;
        const char *severity_name = column_text(select, 2);
        if (!severity_name || ll_severity_parse(severity_name, &severity) < 0) {
            failure(store, error, "a finding has an unknown severity");
            goto fail;
        }
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            sqlite3_int64 *bigger = realloc(*ids, capacity * sizeof *bigger);
            if (!bigger)
                goto out_of_memory;
            *ids = bigger;
        }
        ll_finding *finding = ll_findings_add(
            loaded, column_text(select, 1), severity, column_text(select, 3),
            (uint32_t)sqlite3_column_int64(select, 4), (uint32_t)sqlite3_column_int64(select, 5),
            column_text(select, 6), column_text(select, 8), column_text(select, 7));
        if (!finding)
            goto out_of_memory;
        (*ids)[count++] = sqlite3_column_int64(select, 0);
        const char *fingerprint = column_text(select, 9);
        snprintf(finding->fingerprint, sizeof finding->fingerprint, "%s",
                 fingerprint ? fingerprint : "");
        finding->suppressed = sqlite3_column_int(select, 10) != 0;
        if (sqlite3_column_type(select, 11) != SQLITE_NULL &&
            !(finding->reason = ll_strdup(column_text(select, 11))))
            goto out_of_memory;
    }
    if (code != SQLITE_DONE) {
        sql_failure(store, error);
        goto fail;
    }
    sqlite3_reset(select);
    return 0;
out_of_memory:
    failure(store, error, "out of memory");
fail:
    sqlite3_reset(select);
    return -1;
}

/* Attaches the notes to the findings read by select_findings: both are in
 * finding id order, so one merge pass places them. */
static int select_notes(ll_store *store, int64_t run_id, ll_findings *loaded,
                        const sqlite3_int64 *ids, ll_error *error)
{
    if (loaded->count && !ids)
        return failure(store, error, "findings without their ids");
    sqlite3_stmt *select = prepare(store, STATEMENT_NOTES_SELECT, error);
    if (!select)
        return -1;
    if (sqlite3_bind_int64(select, 1, run_id) != SQLITE_OK)
        return bind_failure(store, select, error);
    size_t at = 0;
    int code;
    while ((code = sqlite3_step(select)) == SQLITE_ROW) {
        sqlite3_int64 finding_id = sqlite3_column_int64(select, 0);
        /* ids has one entry per loaded finding (select_findings wrote them). */
        while (at < loaded->count &&
               ids[at] < finding_id) // NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult)
            at++;
        if (at == loaded->count || ids[at] != finding_id) {
            failure(store, error, "a note belongs to no finding of the run");
            goto fail;
        }
        const char *message = column_text(select, 4);
        if (ll_finding_add_note(&loaded->items[at], column_text(select, 1),
                                (uint32_t)sqlite3_column_int64(select, 2),
                                (uint32_t)sqlite3_column_int64(select, 3), "%s",
                                message ? message : "") < 0) {
            failure(store, error, "out of memory");
            goto fail;
        }
    }
    if (code != SQLITE_DONE) {
        sql_failure(store, error);
        goto fail;
    }
    sqlite3_reset(select);
    return 0;
fail:
    sqlite3_reset(select);
    return -1;
}

int ll_store_findings_load(ll_store *store, int64_t run_id, ll_findings *findings, ll_error *error)
{
    if (run_id)
        set_task(store, "cannot read the findings of run %lld", (long long)run_id);
    else
        set_task(store, "cannot read the findings of the latest complete run");
    ll_findings loaded;
    ll_findings_init(&loaded);
    sqlite3_int64 *ids = NULL;
    /* One read transaction: the run, its findings and their notes are of
       one snapshot even while another process writes. */
    if (begin(store, STATEMENT_BEGIN_READ, error) < 0 || resolve_run(store, &run_id, error) < 0 ||
        select_findings(store, run_id, &loaded, &ids, error) < 0 ||
        select_notes(store, run_id, &loaded, ids, error) < 0 || commit(store, error) < 0)
        goto fail;
    if (ll_findings_append(findings, &loaded) < 0) {
        failure(store, error, "out of memory");
        goto fail;
    }
    free(ids);
    return 0;
fail:
    rollback(store);
    ll_findings_free(&loaded);
    free(ids);
    return -1;
}

/* ---- Baselines ----------------------------------------------------------------------------- */

/* Deletes the rows of `name`, inside the caller's transaction. */
static int delete_baseline(ll_store *store, const char *name, ll_error *error)
{
    sqlite3_stmt *delete = prepare(store, STATEMENT_BASELINE_DELETE, error);
    if (!delete)
        return -1;
    if (bind_text(delete, 1, name) != SQLITE_OK)
        return bind_failure(store, delete, error);
    return execute(store, delete, error);
}

int ll_store_baseline_save(ll_store *store, const char *name, int64_t run_id, size_t *count,
                           ll_error *error)
{
    set_task(store, "cannot save the baseline '%s'", name);
    sqlite3_stmt *copy = prepare(store, STATEMENT_BASELINE_COPY, error);
    if (!copy || begin(store, STATEMENT_BEGIN_WRITE, error) < 0 ||
        resolve_run(store, &run_id, error) < 0)
        goto fail;
    int partial = select_scope(store, run_id, NULL, error);
    if (partial > 0)
        ll_error_set(error,
                     "run %lld is partial (`check FILE...` checked only some files); "
                     "save a baseline from a run over the whole program",
                     (long long)run_id);
    if (partial != 0 || delete_baseline(store, name, error) < 0)
        goto fail;
    if ((bind_text(copy, 1, name) | sqlite3_bind_int64(copy, 2, run_id)) != SQLITE_OK) {
        bind_failure(store, copy, error);
        goto fail;
    }
    if (execute(store, copy, error) < 0)
        goto fail;
    size_t copied = (size_t)sqlite3_changes(store->db);
    if (commit(store, error) < 0)
        goto fail;
    if (count)
        *count = copied;
    return 0;
fail:
    rollback(store);
    return -1;
}

int ll_store_baseline_replace(ll_store *store, const char *name, const char *const *fingerprints,
                              size_t count, ll_error *error)
{
    set_task(store, "cannot save the baseline '%s'", name);
    sqlite3_stmt *insert = prepare(store, STATEMENT_BASELINE_INSERT, error);
    if (!insert || begin(store, STATEMENT_BEGIN_WRITE, error) < 0 ||
        delete_baseline(store, name, error) < 0)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        if ((bind_text(insert, 1, name) | bind_text(insert, 2, fingerprints[i])) != SQLITE_OK) {
            bind_failure(store, insert, error);
            goto fail;
        }
        if (execute(store, insert, error) < 0)
            goto fail;
    }
    if (commit(store, error) < 0)
        goto fail;
    return 0;
fail:
    rollback(store);
    return -1;
}

void ll_baseline_entries_free(ll_baseline_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(entries[i].name);
    free(entries);
}

int ll_store_baseline_list(ll_store *store, ll_baseline_entry **entries, size_t *count,
                           ll_error *error)
{
    set_task(store, "cannot list the baselines");
    ll_baseline_entry *list = NULL;
    size_t used = 0;
    size_t capacity = 0;
    sqlite3_stmt *select = prepare(store, STATEMENT_BASELINE_LIST, error);
    if (!select)
        return -1;
    int code;
    while ((code = sqlite3_step(select)) == SQLITE_ROW) {
        if (used == capacity) {
            capacity = capacity ? capacity * 2 : 8;
            ll_baseline_entry *bigger = realloc(list, capacity * sizeof *bigger);
            if (!bigger)
                goto out_of_memory;
            list = bigger;
        }
        const char *name = column_text(select, 0);
        if (!(list[used].name = strdup(name ? name : "")))
            goto out_of_memory;
        list[used++].count = (size_t)sqlite3_column_int64(select, 1);
    }
    if (code != SQLITE_DONE) {
        sql_failure(store, error);
        goto fail;
    }
    sqlite3_reset(select);
    *entries = list;
    *count = used;
    return 0;
out_of_memory:
    failure(store, error, "out of memory");
fail:
    sqlite3_reset(select);
    ll_baseline_entries_free(list, used);
    return -1;
}

int ll_store_baseline_drop(ll_store *store, const char *name, ll_error *error)
{
    set_task(store, "cannot drop the baseline '%s'", name);
    if (begin(store, STATEMENT_BEGIN_WRITE, error) < 0 || delete_baseline(store, name, error) < 0)
        goto fail;
    int dropped = sqlite3_changes(store->db) > 0;
    if (commit(store, error) < 0)
        goto fail;
    return dropped;
fail:
    rollback(store);
    return -1;
}

void ll_fingerprints_free(char **fingerprints)
{
    for (char **at = fingerprints; at && *at; at++)
        free(*at);
    free(fingerprints);
}

int ll_store_baseline_load(ll_store *store, const char *name, char ***fingerprints, size_t *count,
                           ll_error *error)
{
    set_task(store, "cannot read the baseline '%s'", name);
    char **list = NULL;
    size_t used = 0;
    size_t capacity = 0;
    sqlite3_stmt *select = prepare(store, STATEMENT_BASELINE_SELECT, error);
    if (!select)
        return -1;
    if (bind_text(select, 1, name) != SQLITE_OK)
        return bind_failure(store, select, error);
    int code;
    while ((code = sqlite3_step(select)) == SQLITE_ROW) {
        if (used + 1 >= capacity) {
            capacity = capacity ? capacity * 2 : 16;
            char **bigger = realloc(list, capacity * sizeof *bigger);
            if (!bigger)
                goto out_of_memory;
            list = bigger;
        }
        const char *fingerprint = column_text(select, 0);
        list[used + 1] = NULL;
        if (!(list[used] = strdup(fingerprint ? fingerprint : "")))
            goto out_of_memory;
        list[++used] = NULL;
    }
    if (code != SQLITE_DONE) {
        sql_failure(store, error);
        goto fail;
    }
    sqlite3_reset(select);
    if (!used)
        return 0;
    *fingerprints = list;
    *count = used;
    return 1;
out_of_memory:
    failure(store, error, "out of memory");
fail:
    sqlite3_reset(select);
    ll_fingerprints_free(list);
    return -1;
}
