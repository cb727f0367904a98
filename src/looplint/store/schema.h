/*
 * schema.h - the store's tables, how a database is recognised as
 * looplint's, and the forward migrations. Private to store/.
 *
 * A looplint database carries PRAGMA application_id LL_STORE_APPLICATION_ID
 * and PRAGMA user_version = the schema version. Step k of the migration
 * table takes a database from version k-1 to version k; a new database is
 * one at version 0, so creating it and migrating it are the same code.
 */
#ifndef LOOPLINT_STORE_SCHEMA_H
#define LOOPLINT_STORE_SCHEMA_H

#include "../analysis/error.h"

#include <sqlite3.h>

#define LL_STORE_APPLICATION_ID 0x4C4F4F50 /* "LOOP" */

/* The version this build writes: the number of migration steps. */
#define LL_SCHEMA_VERSION 2

/* ll_schema_steps[k - 1] takes version k-1 to k. */
extern const char *const ll_schema_steps[LL_SCHEMA_VERSION];

/* Decides, by reading only, whether the database open on `db` may be
 * used: it must be a SQLite database that is empty or looplint's, of a
 * version no newer than `newest`, and pass PRAGMA quick_check when that is
 * cheap. 0, or -1 with an error that names `path`. */
int ll_schema_verify(sqlite3 *db, const char *path, int newest, ll_error *error);

/* Brings the database to version `count` by running steps[version..count)
 * in one IMMEDIATE transaction, after verifying again under the write lock
 * (another process may have created or migrated it since). Sets
 * application_id on a new database. Nothing is written when the database
 * is already at `count`. 0, or -1 with an error and nothing changed. */
int ll_schema_upgrade(sqlite3 *db, const char *path, const char *const *steps, int count,
                      ll_error *error);

#endif
