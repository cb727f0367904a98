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
#define _GNU_SOURCE /* asprintf */
#include "internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "first/second", malloc'd. */
static char *concatenate(const char *first, const char *second)
{
    char *joined = NULL;
    if (asprintf(&joined, "%s/%s", first, second) < 0)
        return NULL;
    return joined;
}

/* `path` against `directory`, and a relative (or missing) directory
 * against the process's working directory. */
static char *join(const char *directory, const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    if (directory && directory[0] == '/')
        return concatenate(directory, path);
    char working_directory[PATH_MAX];
    if (!getcwd(working_directory, sizeof working_directory))
        return NULL;
    if (!directory || !directory[0])
        return concatenate(working_directory, path);
    char *base = concatenate(working_directory, directory);
    char *joined = base ? concatenate(base, path) : NULL;
    free(base);
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
