/*
 * locate.h - where looplint finds its data and the project around it.
 *
 * Rule packs: $LOOPLINT_RULES_DIR; else, for an installed binary,
 * <prefix>/share/looplint/rules beside <prefix>/bin; else, for a binary in
 * the build tree, the source tree's rules/ (so CI and the pre-commit hook
 * can put the build's bin/ on PATH); else the configured install path.
 * The project root (paths in reports are relative to it): the nearest
 * directory upward holding `.looplint`, else the git top level, else the
 * compilation database's directory.
 */
#ifndef LOOPLINT_LOCATE_H
#define LOOPLINT_LOCATE_H

struct ll_error;

#include <stdbool.h>

/* Each returns a malloc'd absolute path (NULL when out of memory). */
char *ll_locate_rules_directory(void);
/* The directory holding nest.h for `looplint verify`'s fixtures. */
char *ll_locate_include_directory(void);
char *ll_locate_project_root(const char *database_directory);
/* The directory of the compilation database: BUILD_DIR when given (it must
 * exist), else the one found from the current directory as clangd looks.
 * malloc'd, or NULL with an error. */
char *ll_locate_database(const char *build_directory, struct ll_error *error);
/* Where the commands that read what `check` stored (report, diff) find
 * it: the store (--db, else the default one of the compilation database
 * that -p names, or that --db's place implies, or that is found from here
 * as `check` finds it) and the project root that paths are relative to. */
typedef struct ll_stored_place {
    char *store;
    char *root;
} ll_stored_place;

/* 0, or -1 with an error: no compilation database, no store there yet,
 * out of memory. Free with ll_stored_place_free. */
int ll_locate_stored(const char *store_path, const char *build_directory, ll_stored_place *place,
                     struct ll_error *error);
void ll_stored_place_free(ll_stored_place *place);
/* ROOT/.looplint when it is a regular file (a directory of that name is a
 * store), else NULL. */
char *ll_locate_configuration(const char *root);
/* The default store: <database directory>/.looplint/looplint.db; or
 * <database directory>/.looplint.db when `.looplint` there is a file (the
 * configuration, when the database sits at the project root). */
char *ll_locate_default_store(const char *database_directory);

/* An absolute, lexically normalised form of path (against the current
 * directory); malloc'd. */
char *ll_absolute_path(const char *path);
/* Whether `path` is `directory` or lies below it (lexically). */
bool ll_path_is_under(const char *path, const char *directory);
/* Whether `path` names an existing directory / regular file. */
int ll_is_directory(const char *path);
int ll_is_file(const char *path);

#endif
