/*
 * locate.c - finding packs, headers, the project root and the store
 * (locate.h).
 */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include "locate.h"

#include "analysis/error.h"
#include "front/front.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ll_is_directory(const char *path)
{
    struct stat status;
    return stat(path, &status) == 0 && S_ISDIR(status.st_mode);
}

int ll_is_file(const char *path)
{
    struct stat status;
    return stat(path, &status) == 0 && S_ISREG(status.st_mode);
}

static char *join(const char *directory, const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", directory, name) < 0)
        return NULL;
    return path;
}

/* Removes `.`, `..` and repeated slashes from an absolute path, in place. */
static void normalise(char *path)
{
    char *out = path;
    const char *in = path;
    while (*in) {
        while (*in == '/')
            in++;
        const char *end = strchr(in, '/');
        size_t length = end ? (size_t)(end - in) : strlen(in);
        if (length == 0)
            break;
        if (length == 1 && in[0] == '.') {
            /* skip */
        } else if (length == 2 && in[0] == '.' && in[1] == '.') {
            /* Back to the slash that starts the last component kept. */
            while (out > path && out[-1] != '/')
                out--;
            if (out > path)
                out--;
        } else {
            *out++ = '/';
            memmove(out, in, length);
            out += length;
        }
        in += length;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

char *ll_absolute_path(const char *path)
{
    char *absolute = NULL;
    if (path[0] == '/') {
        absolute = strdup(path);
    } else {
        char here[PATH_MAX];
        if (!getcwd(here, sizeof here))
            return NULL;
        absolute = join(here, path);
    }
    if (absolute)
        normalise(absolute);
    return absolute;
}

/* The directory of the running binary. */
static char *executable_directory(void)
{
    char path[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    if (length <= 0)
        return NULL;
    path[length] = '\0';
    char *slash = strrchr(path, '/');
    if (slash)
        *slash = '\0';
    return strdup(path);
}

bool ll_path_is_under(const char *path, const char *directory)
{
    size_t length = strlen(directory);
    while (length > 1 && directory[length - 1] == '/')
        length--;
    return strncmp(path, directory, length) == 0 &&
           (path[length] == '/' || !path[length] || directory[length - 1] == '/');
}

char *ll_locate_rules_directory(void)
{
    const char *forced = getenv("LOOPLINT_RULES_DIR");
    if (forced && *forced)
        return ll_absolute_path(forced);
    char *binary = executable_directory();
    if (binary) {
        char *installed = join(binary, "../share/looplint/rules");
        if (installed) {
            normalise(installed);
            if (ll_is_directory(installed)) {
                free(binary);
                return installed;
            }
            free(installed);
        }
        int in_build_tree = ll_path_is_under(binary, LOOPLINT_BINARY_DIR);
        free(binary);
        if (in_build_tree && ll_is_directory(LOOPLINT_SOURCE_RULES_DIR))
            return strdup(LOOPLINT_SOURCE_RULES_DIR);
    }
    return strdup(LOOPLINT_INSTALL_RULES_DIR);
}

char *ll_locate_include_directory(void)
{
    char *rules = ll_locate_rules_directory();
    if (!rules)
        return NULL;
    /* <root>/rules -> <root>/include; <prefix>/share/looplint/rules -> <prefix>/include */
    const char *relative[] = {"../include", "../../../include"};
    for (size_t i = 0; i < sizeof relative / sizeof relative[0]; i++) {
        char *candidate = join(rules, relative[i]);
        if (!candidate)
            break;
        normalise(candidate);
        char *header = join(candidate, "nest.h");
        int found = header && ll_is_file(header);
        free(header);
        if (found) {
            free(rules);
            return candidate;
        }
        free(candidate);
    }
    free(rules);
    return strdup("/usr/local/include");
}

/* The nearest directory from `start` upward holding `name`, or NULL. */
static char *upward(const char *start, const char *name)
{
    char *directory = strdup(start);
    while (directory) {
        char *candidate = join(directory, name);
        struct stat status;
        int found = candidate && lstat(candidate, &status) == 0;
        free(candidate);
        if (found)
            return directory;
        char *slash = strrchr(directory, '/');
        if (!slash || slash == directory) {
            free(directory);
            return NULL;
        }
        *slash = '\0';
    }
    return NULL;
}

/* The nearest directory from `start` upward holding a regular file
 * `.looplint` (a directory of that name is a store, not a configuration). */
static char *configuration_root(const char *start)
{
    char *directory = strdup(start);
    while (directory) {
        char *found = upward(directory, ".looplint");
        free(directory);
        if (!found)
            return NULL;
        char *candidate = join(found, ".looplint");
        int is_configuration = candidate && ll_is_file(candidate);
        free(candidate);
        if (is_configuration)
            return found;
        char *slash = strrchr(found, '/');
        if (!slash || slash == found) {
            free(found);
            return NULL;
        }
        *slash = '\0';
        directory = found;
    }
    return NULL;
}

char *ll_locate_project_root(const char *database_directory)
{
    char *root = configuration_root(database_directory);
    if (!root)
        root = upward(database_directory, ".git");
    return root ? root : strdup(database_directory);
}

char *ll_locate_configuration(const char *root)
{
    char *path = join(root, ".looplint");
    if (path && !ll_is_file(path)) {
        free(path);
        return NULL;
    }
    return path;
}

char *ll_locate_default_store(const char *database_directory)
{
    char *configuration = join(database_directory, ".looplint");
    if (!configuration)
        return NULL;
    /* The name is the configuration's at a project root, so the store
       cannot be a directory of that name there. */
    int taken = ll_is_file(configuration);
    free(configuration);
    return join(database_directory, taken ? ".looplint.db" : ".looplint/looplint.db");
}

char *ll_locate_database(const char *build_directory, ll_error *error)
{
    if (build_directory) {
        if (!ll_is_directory(build_directory)) {
            ll_error_set(error, "%s: no such directory", build_directory);
            return NULL;
        }
        char *directory = realpath(build_directory, NULL);
        if (!directory)
            ll_error_set(error, "%s: cannot resolve the path", build_directory);
        return directory;
    }
    char *here = ll_absolute_path(".");
    if (!here) {
        ll_error_set(error, "out of memory");
        return NULL;
    }
    char *found = ll_plan_find_database(here, error);
    free(here);
    return found;
}

/* The compilation database's directory: -p; else the store's when --db
 * is given (a store at DIR/.looplint/looplint.db or DIR/.looplint.db
 * belongs to DIR); else the one found from here. */
static char *stored_database(const char *store_path, const char *build_directory, ll_error *error)
{
    if (!store_path || build_directory)
        return ll_locate_database(build_directory, error);
    char *store = ll_absolute_path(store_path);
    if (!store) {
        ll_error_set(error, "out of memory");
        return NULL;
    }
    char *directory = dirname(store); /* points into store */
    if (strcmp(basename(directory), ".looplint") == 0)
        directory = dirname(directory);
    char *copy = strdup(directory);
    free(store);
    if (!copy)
        ll_error_set(error, "out of memory");
    return copy;
}

int ll_locate_stored(const char *store_path, const char *build_directory, ll_stored_place *place,
                     ll_error *error)
{
    memset(place, 0, sizeof *place);
    char *database = stored_database(store_path, build_directory, error);
    if (!database)
        return -1;
    place->store = store_path ? strdup(store_path) : ll_locate_default_store(database);
    place->root = ll_locate_project_root(database);
    free(database);
    if (!place->store || !place->root) {
        ll_stored_place_free(place);
        return ll_error_set(error, "out of memory");
    }
    if (!ll_is_file(place->store)) {
        ll_error_set(error, "%s: no store here (run `looplint check` first)", place->store);
        ll_stored_place_free(place);
        return -1;
    }
    return 0;
}

void ll_stored_place_free(ll_stored_place *place)
{
    free(place->store);
    free(place->root);
    memset(place, 0, sizeof *place);
}
