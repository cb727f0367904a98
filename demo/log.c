/*
 * log.c - the access log: one line per request, appended to a file.
 *
 * log_open and log_close run in main, before and after the loop. log_access
 * is called by every connection task (conn.c).
 */
#include "kvproxy.h"

#include <time.h>

int log_open(struct access_log *log, const char *path)
{
    log->file = fopen(path, "a");
    return log->file != NULL ? 0 : -1;
}

void log_access(struct access_log *log, const char *request, int status)
{
    FILE *file = log->file;
    long now = (long)time(NULL);

    if (file == NULL)
        return;
    /* Buffered, but every few requests the buffer is written to the disk. */
    fprintf(file, "%ld \"%s\" %d\n", now, request, status); // BUG(blocking-call): disk I/O
}

void log_close(struct access_log *log)
{
    if (log->file != NULL)
        fclose(log->file);
    log->file = NULL;
}
