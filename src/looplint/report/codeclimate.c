/*
 * codeclimate.c - findings as a Code Climate report, the format of GitLab's
 * code-quality widget (`artifacts: reports: codequality:` in .gitlab-ci.yml).
 *
 * The document is a JSON array of issues:
 *
 *   {"type": "issue", "check_name": "looplint-RULE", "description": MESSAGE,
 *    "content": {"body": NOTES}, "categories": ["Bug Risk"],
 *    "location": {"path": P, "positions": {"begin": {"line": L, "column": C}}},
 *    "severity": S, "fingerprint": F}
 *
 * GitLab compares the fingerprints of a merge request's report with those
 * of its target branch to say which issues the change brings or removes;
 * ours (report.h) survive edits elsewhere, so only real changes show.
 * Severities map note to info, warning to major and error to critical:
 * GitLab's scale has five steps, and ours skips the two it has between and
 * above them (minor, blocker), so that a warning still stands out. A place
 * without a column gives `lines: {begin: L}` instead of positions.
 *
 * Suppressed findings are always left out, whatever show_suppressed says:
 * the format cannot mark an issue as suppressed, and one listed would count
 * as found. As with the json format, keys come in a fixed order, so the
 * same findings give the same bytes, and bytes that are not UTF-8 become
 * U+FFFD.
 */
#include "internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const severities[] = {
    [LL_SEVERITY_NOTE] = "info",
    [LL_SEVERITY_WARNING] = "major",
    [LL_SEVERITY_ERROR] = "critical",
};

/* A string that jansson takes over, or NULL. */
static json_t *string_taken(char *text)
{
    if (!text)
        return NULL;
    json_t *value = ll_json_string(text);
    free(text);
    return value;
}

static json_t *location_value(const ll_place *place, const char *root)
{
    json_t *where;
    if (place->column)
        where = json_pack("{s:{s:I, s:I}}", "begin", "line", (json_int_t)place->line, "column",
                          (json_int_t)place->column);
    else
        where = json_pack("{s:I}", "begin", (json_int_t)place->line);
    json_t *object = json_object();
    if (!where || !object ||
        json_object_set_new(object, "path",
                            ll_json_string(ll_path_under_root(place->file, root))) ||
        json_object_set(object, place->column ? "positions" : "lines", where)) {
        json_decref(object);
        object = NULL;
    }
    json_decref(where);
    return object;
}

/* The notes as a Markdown list of `path:line:column: message`, or NULL
 * when out of memory. */
static char *notes_body(const ll_finding *finding, const char *root)
{
    char *body = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&body, &size);
    if (!stream)
        return NULL;
    for (uint32_t i = 0; i < finding->note_count; i++) {
        const ll_note *note = &finding->notes[i];
        fputs("- ", stream);
        ll_report_print_place(stream, &note->place, root);
        fprintf(stream, "%s\n", note->message);
    }
    if (fclose(stream) != 0) {
        free(body);
        return NULL;
    }
    return body;
}

static json_t *issue_value(const ll_finding *finding, const char *root)
{
    json_t *object = json_object();
    if (!object)
        return NULL;
    /* Named as the line formats print it, so that GitLab's list, where
       several tools' reports meet, says whose check this is. */
    if (json_object_set_new(object, "type", json_string("issue")) ||
        json_object_set_new(object, "check_name", json_sprintf("looplint-%s", finding->rule)) ||
        json_object_set_new(object, "description", ll_json_string(finding->message)))
        goto fail;
    if (finding->note_count) {
        json_t *content = json_object();
        if (json_object_set_new(object, "content", content) ||
            json_object_set_new(content, "body", string_taken(notes_body(finding, root))))
            goto fail;
    }
    if (json_object_set_new(object, "categories", json_pack("[s]", "Bug Risk")) ||
        json_object_set_new(object, "location", location_value(&finding->place, root)) ||
        json_object_set_new(object, "severity", json_string(severities[finding->severity])) ||
        json_object_set_new(object, "fingerprint", json_string(finding->fingerprint)))
        goto fail;
    return object;
fail:
    json_decref(object);
    return NULL;
}

int ll_report_write_codeclimate(FILE *out, const ll_findings *findings,
                                const ll_report_options *options, ll_error *error)
{
    json_t *issues = json_array();
    if (!issues)
        goto fail;
    for (size_t i = 0; i < findings->count; i++) {
        const ll_finding *finding = &findings->items[i];
        if (finding->suppressed)
            continue;
        if (json_array_append_new(issues, issue_value(finding, options->root)))
            goto fail;
    }
    return ll_json_write(out, issues, "the Code Climate report", error);
fail:
    json_decref(issues);
    return ll_error_set(error, "building the Code Climate report: out of memory");
}
