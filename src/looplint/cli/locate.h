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
/* For the commands that only read a store (report, diff): the compilation
 * database's directory is -p when given, else the store's when --db is
 * (a store at DIR/.looplint/looplint.db or DIR/.looplint.db belongs to
 * DIR), else the one found as ll_locate_database finds it. malloc'd, or
 * NULL with an error. */
char *ll_locate_store_database(const char *store_path, const char *build_directory,
                               struct ll_error *error);
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
