/*
 * registry.c - the table of checks, and the helpers every check shares.
 *
 * Adding a check: one file in checks/ defining `const ll_check
 * ll_check_<name>`, one line in the table below, fixtures in
 * fixtures/<id>/, a page in docs/checks/.
 */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ll_check ll_check_blocking_call;
extern const ll_check ll_check_untracked_task;
extern const ll_check ll_check_unobserved_failure;
extern const ll_check ll_check_missing_timeout;
extern const ll_check ll_check_unclosed_resource;
extern const ll_check ll_check_lock_across_suspend;
extern const ll_check ll_check_queue_not_drained;
extern const ll_check ll_check_unhandled_shutdown;
extern const ll_check ll_check_busy_loop;
extern const ll_check ll_check_unbounded_spawn;
extern const ll_check ll_check_missing_task_done;
extern const ll_check ll_check_session_per_request;

static const ll_check *const registry[] = {
    &ll_check_blocking_call,  &ll_check_untracked_task,    &ll_check_unobserved_failure,
    &ll_check_missing_timeout, &ll_check_unclosed_resource,
    &ll_check_lock_across_suspend,
    &ll_check_queue_not_drained,
    &ll_check_unhandled_shutdown,
    &ll_check_busy_loop,
    &ll_check_unbounded_spawn,
    &ll_check_missing_task_done,
    &ll_check_session_per_request,
};

const ll_check *const *ll_checks(size_t *count) {
    *count = sizeof registry / sizeof registry[0];
    return registry;
}

const ll_check *ll_check_find(const char *id) {
    size_t count;
    const ll_check *const *checks = ll_checks(&count);
    for (size_t i = 0; i < count; i++)
        if (strcmp(checks[i]->id, id) == 0)
            return checks[i];
    return NULL;
}

bool ll_check_option(const ll_check_context *context, const char *option) {
    if (!context->options)
        return false;
    for (const char *const *each = context->options; *each; each++)
        if (strcmp(*each, option) == 0)
            return true;
    return false;
}

ll_finding *ll_check_report(const ll_check *check, ll_findings *out, const ll_unit *unit,
                            const ll_function *function, ll_location location,
                            const char *text, const char *format, ...) {
    char *message = NULL;
    va_list arguments;
    va_start(arguments, format);
    int length = vasprintf(&message, format, arguments);
    va_end(arguments);
    if (length < 0)
        return NULL;
    ll_finding *finding =
        ll_findings_add(out, check->id, check->severity, ll_unit_file_path(unit, location),
                        location.line, location.column, function ? function->name : "", text,
                        message);
    free(message);
    return finding;
}

int ll_check_note(ll_finding *finding, const ll_unit *unit, ll_location location,
                  const char *format, ...) {
    char *message = NULL;
    va_list arguments;
    va_start(arguments, format);
    int length = vasprintf(&message, format, arguments);
    va_end(arguments);
    if (length < 0)
        return -1;
    int result = ll_finding_add_note(finding, ll_unit_file_path(unit, location), location.line,
                                     location.column, "%s", message);
    free(message);
    return result;
}
