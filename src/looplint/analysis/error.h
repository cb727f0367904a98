/*
 * error.h - how a looplint module reports a failure to its caller.
 *
 * Functions that can fail return -1 (or NULL) and, when given an ll_error,
 * write a complete message into it: what failed and where ("compile_commands.json:
 * 12: entry has no \"file\""), ready to print after "looplint: ". The
 * caller decides the exit code. No module prints on its own.
 */
#ifndef LOOPLINT_ERROR_H
#define LOOPLINT_ERROR_H

typedef struct ll_error {
    char message[1024];
} ll_error;

/* Formats into error->message (if error is not NULL); returns -1 so that
 * `return ll_error_set(error, ...)` reads naturally. */
int ll_error_set(ll_error *error, const char *format, ...) __attribute__((format(printf, 2, 3)));

#endif
