/*
 * path.c - the one way the front end names a file.
 *
 * Every path the front end hands on (a command's file, an included file)
 * is absolute and normalised, so that the same file read by two TUs, or
 * named relatively by one command and absolutely by another, is the same
 * string in the facts and in the store. A file that exists is named by
 * realpath() (symlinks resolved, as clang names the files it reads); one
 * that does not (deleted since the build, or generated later) is
 * normalised lexically, which is the best stable name it can have.
 */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* `path` against `directory` (or the process's working directory when the
 * directory is missing or itself relative). */
static char *join(const char *directory, const char *path)
{
    char *working_directory = NULL;
    char *joined = NULL;
    if (path[0] == '/')
        return strdup(path);
    if (!directory || directory[0] != '/') {
        working_directory = getcwd(NULL, 0);
        if (!working_directory)
            return NULL;
        if (directory && directory[0]) {
            char *absolute = join(working_directory, directory);
            free(working_directory);
            working_directory = absolute;
            if (!working_directory)
                return NULL;
        }
        directory = working_directory;
    }
    size_t directory_length = strlen(directory);
    size_t path_length = strlen(path);
    joined = malloc(directory_length + path_length + 2);
    if (joined) {
        memcpy(joined, directory, directory_length);
        joined[directory_length] = '/';
        memcpy(joined + directory_length + 1, path, path_length + 1);
    }
    free(working_directory);
    return joined;
}

/* An absolute path without "." and ".." segments or repeated slashes. The
 * result is never longer than the input, so it is written in place. */
static void normalise_lexically(char *path)
{
    size_t length = 0; /* of the output, a prefix of `path` */
    const char *segment = path;
    while (*segment) {
        while (*segment == '/')
            segment++;
        size_t size = strcspn(segment, "/");
        if (size == 0 || (size == 1 && segment[0] == '.')) {
            /* nothing */
        } else if (size == 2 && segment[0] == '.' && segment[1] == '.') {
            while (length > 0 && path[length - 1] != '/')
                length--;
            if (length > 0)
                length--;
        } else {
            path[length++] = '/';
            memmove(path + length, segment, size);
            length += size;
        }
        segment += size;
    }
    if (length == 0)
        path[length++] = '/';
    path[length] = '\0';
}

char *ll_front_absolute_path(const char *directory, const char *path)
{
    char *joined = join(directory, path);
    if (!joined)
        return NULL;
    char *real = realpath(joined, NULL);
    if (real) {
        free(joined);
        return real;
    }
    normalise_lexically(joined);
    return joined;
}
