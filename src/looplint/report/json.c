/*
 * json.c - findings for machines: one document with a schema number, the
 * tool, the findings and a summary (docs/json-format.md says what each
 * field means and when the schema number changes).
 *
 * The document is built with jansson and written in one call. Keys are
 * added in a fixed order and jansson keeps insertion order, so the same
 * findings always give the same bytes, and diffs of two reports are
 * readable. JSON strings are UTF-8, but messages quote source code and
 * paths come from the file system, either of which may be in another
 * encoding: a byte that is not valid UTF-8 becomes U+FFFD rather than
 * failing the report. The repair is shared with the other JSON formats
 * (internal.h: ll_utf8_repaired).
 */
#include "internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { SCHEMA_VERSION = 1 };

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

size_t ll_utf8_sequence(const unsigned char *text, size_t left)
{
    size_t length;
    uint32_t smallest;
    if (text[0] < 0x80)
        return 1;
    if ((text[0] & 0xE0) == 0xC0) {
        length = 2, smallest = 0x80;
    } else if ((text[0] & 0xF0) == 0xE0) {
        length = 3, smallest = 0x800;
    } else if ((text[0] & 0xF8) == 0xF0) {
        length = 4, smallest = 0x10000;
    } else {
        return 0;
    }
    if (length > left)
        return 0;
    uint32_t code = text[0] & (0x7F >> length);
    for (size_t i = 1; i < length; i++) {
        if ((text[i] & 0xC0) != 0x80)
            return 0;
        code = code << 6 | (text[i] & 0x3F);
    }
    if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    return length;
}

/* A copy of `text` with every invalid byte replaced. */
char *ll_utf8_repaired(const char *text)
{
    size_t size = strlen(text);
    char *repaired = malloc(size * (sizeof replacement - 1) + 1);
    if (!repaired)
        return NULL;
    const unsigned char *from = (const unsigned char *)text;
    char *to = repaired;
    for (size_t left = size; left > 0;) {
        size_t length = ll_utf8_sequence(from, left);
        if (length) {
            memcpy(to, from, length);
            to += length;
        } else {
            memcpy(to, replacement, sizeof replacement - 1);
            to += sizeof replacement - 1;
            length = 1;
        }
        from += length;
        left -= length;
    }
    *to = '\0';
    return repaired;
}

json_t *ll_json_string(const char *text)
{
    json_t *value = json_string(text);
    if (value)
        return value;
    char *repaired = ll_utf8_repaired(text); /* json_string fails only on bad UTF-8 or memory */
    if (!repaired)
        return NULL;
    value = json_string(repaired);
    free(repaired);
    return value;
}

/* A string, or null when it is empty. */
static json_t *optional_string(const char *text)
{
    return text && *text ? ll_json_string(text) : json_null();
}

static json_t *note_value(const ll_note *note, const char *root)
{
    json_t *object = json_object();
    if (!object)
        return NULL;
    if (json_object_set_new(object, "file",
                            ll_json_string(ll_path_under_root(note->place.file, root))) ||
        json_object_set_new(object, "line", json_integer(note->place.line)) ||
        json_object_set_new(object, "column", json_integer(note->place.column)) ||
        json_object_set_new(object, "message", ll_json_string(note->message))) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static json_t *notes_value(const ll_finding *finding, const char *root)
{
    json_t *array = json_array();
    if (!array)
        return NULL;
    for (uint32_t i = 0; i < finding->note_count; i++) {
        if (json_array_append_new(array, note_value(&finding->notes[i], root))) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

json_t *ll_report_json_finding(const ll_finding *finding, const char *root)
{
    json_t *object = json_object();
    if (!object)
        return NULL;
    const char *file = ll_path_under_root(finding->place.file, root);
    if (json_object_set_new(object, "rule", ll_json_string(finding->rule)) ||
        json_object_set_new(object, "severity", json_string(ll_severity_name(finding->severity))) ||
        json_object_set_new(object, "file", ll_json_string(file)) ||
        json_object_set_new(object, "line", json_integer(finding->place.line)) ||
        json_object_set_new(object, "column", json_integer(finding->place.column)) ||
        json_object_set_new(object, "function", optional_string(finding->function)) ||
        json_object_set_new(object, "message", ll_json_string(finding->message)) ||
        json_object_set_new(object, "fingerprint", optional_string(finding->fingerprint)) ||
        json_object_set_new(object, "suppressed", json_boolean(finding->suppressed)) ||
        json_object_set_new(object, "reason", optional_string(finding->reason)) ||
        json_object_set_new(object, "notes", notes_value(finding, root))) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static json_t *tool_value(void)
{
    return json_pack("{s:s, s:s}", "name", "looplint", "version", LOOPLINT_VERSION);
}

/* Counts every finding, listed or not: a reader of a report without the
 * suppressed findings still learns how many there are. */
static json_t *summary_value(const ll_findings *findings)
{
    json_int_t by_severity[3] = {0};
    json_int_t suppressed = 0;
    for (size_t i = 0; i < findings->count; i++) {
        if (findings->items[i].suppressed)
            suppressed++;
        else
            by_severity[findings->items[i].severity]++;
    }
    json_t *object = json_object();
    if (!object)
        return NULL;
    if (json_object_set_new(object, "errors", json_integer(by_severity[LL_SEVERITY_ERROR])) ||
        json_object_set_new(object, "warnings", json_integer(by_severity[LL_SEVERITY_WARNING])) ||
        json_object_set_new(object, "notes", json_integer(by_severity[LL_SEVERITY_NOTE])) ||
        json_object_set_new(object, "suppressed", json_integer(suppressed))) {
        json_decref(object);
        return NULL;
    }
    return object;
}

static json_t *findings_value(const ll_findings *findings, const ll_report_options *options)
{
    json_t *array = json_array();
    if (!array)
        return NULL;
    for (size_t i = 0; i < findings->count; i++) {
        const ll_finding *finding = &findings->items[i];
        if (!ll_report_shows(finding, options))
            continue;
        if (json_array_append_new(array, ll_report_json_finding(finding, options->root))) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

int ll_json_write(FILE *out, json_t *document, const char *what, ll_error *error)
{
    int written = json_dumpf(document, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(document);
    if (written != 0)
        return ll_error_set(error, "writing %s: %s", what, strerror(errno));
    fputc('\n', out);
    return 0;
}

int ll_report_write_json(FILE *out, const ll_findings *findings, const ll_report_options *options,
                         ll_error *error)
{
    json_t *document = json_object();
    if (!document)
        goto fail;
    if (json_object_set_new(document, "schema", json_integer(SCHEMA_VERSION)) ||
        json_object_set_new(document, "tool", tool_value()) ||
        json_object_set_new(document, "findings", findings_value(findings, options)) ||
        json_object_set_new(document, "summary", summary_value(findings)))
        goto fail;
    return ll_json_write(out, document, "the JSON report", error);
fail:
    json_decref(document);
    return ll_error_set(error, "building the JSON report: out of memory");
}
