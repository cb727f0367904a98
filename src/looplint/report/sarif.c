/*
 * sarif.c - findings as SARIF 2.1.0, the OASIS format that code-scanning
 * services read (GitHub code scanning, Azure DevOps, the SARIF viewers of
 * the editors). docs/sarif.md says what a reader finds where.
 *
 * One run: the driver describes every rule of the options' table (its help
 * is the page of `looplint explain`), so that a service can tell a rule
 * that found nothing from one that does not exist; each finding is a result
 * pointing at its rule by id and index, with the fingerprint as its stable
 * identity (partialFingerprints), the notes as related locations and as a
 * code flow that ends at the finding, and an in-source suppression when a
 * comment silenced it.
 *
 * Paths under the project root are relative URIs against %SRCROOT%, which
 * originalUriBaseIds maps to the root, so the report stays valid when the
 * checkout moves; other paths are absolute file: URIs. Columns: clang
 * counts bytes, SARIF counts characters (run.columnKind), so each column is
 * converted by reading its line again: UTF-16 code units, as editors and
 * the web count them. Without the file the byte column is kept, which is
 * the same for ASCII.
 *
 * Suppressed findings are written only when asked (--suppressed), as by
 * the other formats: GitHub turns every result into an open alert whatever
 * its suppressions say. Every result carries `suppressions` (empty when
 * not suppressed), since SARIF wants it on all results of a run or on none.
 *
 * Like json.c: built with jansson in a fixed key order, no time stamps, so
 * the same findings give the same bytes; invalid UTF-8 becomes U+FFFD.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define INFORMATION_URI "https://github.com/looplint/looplint"
#define HELP_URI        INFORMATION_URI "/blob/main/docs/checks/"
#define SCHEMA_URI      "https://json.schemastore.org/sarif-2.1.0.json"
#define ROOT_BASE_ID    "%SRCROOT%"
#define FINGERPRINT_KEY "looplintFingerprint/v1"

static const char *const levels[] = {
    [LL_SEVERITY_NOTE] = "note",
    [LL_SEVERITY_WARNING] = "warning",
    [LL_SEVERITY_ERROR] = "error",
};

typedef struct sarif_writer {
    const ll_report_options *options;
    ll_source_cache sources; /* for the columns */
    /* Rule ids of findings that the options' table lacks: the driver lists
       them after the table, so that every result has a rule index. They
       point into the findings. */
    const char **extra_rules;
    size_t extra_count;
} sarif_writer;

/* ---- Strings and URIs -------------------------------------------------------------------- */

/* A message object: SARIF's messages and descriptions all have this shape. */
static json_t *message_value(const char *text)
{
    return json_pack("{s:o}", "text", ll_json_string(text));
}

static bool uri_unreserved(unsigned char byte)
{
    return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
           (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' ||
           byte == '~' || byte == '/';
}

/* `prefix`, then `path` with every byte but the unreserved characters and
 * '/' percent-encoded (RFC 3986: a space, '%', '#', '?', ':' and any byte
 * past ASCII), then `suffix`; malloc'd. Encoding ':' keeps a relative path
 * like "a:b.c" from reading as a scheme. */
static char *uri_encoded(const char *prefix, const char *path, const char *suffix)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t prefix_length = strlen(prefix);
    size_t suffix_length = strlen(suffix);
    char *uri = malloc(prefix_length + 3 * strlen(path) + suffix_length + 1);
    if (!uri)
        return NULL;
    memcpy(uri, prefix, prefix_length + 1);
    char *to = uri + prefix_length;
    for (const unsigned char *from = (const unsigned char *)path; *from; from++) {
        if (uri_unreserved(*from)) {
            *to++ = (char)*from;
        } else {
            *to++ = '%';
            *to++ = hex[*from >> 4];
            *to++ = hex[*from & 0xF];
        }
    }
    memcpy(to, suffix, suffix_length + 1);
    return uri;
}

/* The URI of the project root, with the trailing slash that makes the
 * relative URIs resolve inside it rather than next to it. */
static char *root_uri(const char *root)
{
    size_t length = strlen(root);
    return uri_encoded("file://", root, length && root[length - 1] == '/' ? "" : "/");
}

/* ---- Rules ------------------------------------------------------------------------------- */

/* "blocking-call" -> "BlockingCall": SARIF's rule names are identifiers. */
static char *rule_name(const char *id)
{
    char *name = malloc(strlen(id) + 1);
    if (!name)
        return NULL;
    char *to = name;
    bool word_start = true;
    for (const char *from = id; *from; from++) {
        if (*from == '-' || *from == '_') {
            word_start = true;
            continue;
        }
        if (word_start)
            *to++ = (char)toupper((unsigned char)*from);
        else
            *to++ = *from;
        word_start = false;
    }
    *to = '\0';
    return name;
}

/* The first paragraph of the page's "What it finds" section on one line,
 * malloc'd, or NULL when the page has none (or memory is short: the rule
 * then falls back on its summary, which is never wrong). */
static char *page_description(const char *page)
{
    static const char heading[] = "\n## What it finds\n";
    const char *start = page ? strstr(page, heading) : NULL;
    if (!start)
        return NULL;
    start += sizeof heading - 1;
    while (*start == '\n')
        start++;
    const char *end = strstr(start, "\n\n");
    size_t length = end ? (size_t)(end - start) : strlen(start);
    while (length > 0 && start[length - 1] == '\n')
        length--;
    if (length == 0)
        return NULL;
    char *text = strndup(start, length);
    if (!text)
        return NULL;
    for (char *each = text; *each; each++) {
        if (*each == '\n')
            *each = ' ';
    }
    return text;
}

/* The descriptor of a rule of the table. A disabled rule keeps its level
 * (SARIF has no level "off") and says `enabled: false`. */
static json_t *rule_value(const ll_report_rule *rule)
{
    char *name = rule_name(rule->id);
    char *description = page_description(rule->help);
    char *help_uri = rule->help ? uri_encoded(HELP_URI, rule->id, ".md") : NULL;
    json_t *object = json_object();
    if (!name || !object || (rule->help && !help_uri))
        goto fail;
    json_t *configuration =
        json_pack("{s:b, s:s}", "enabled", rule->enabled, "level", levels[rule->severity]);
    if (json_object_set_new(object, "id", ll_json_string(rule->id)) ||
        json_object_set_new(object, "name", ll_json_string(name)) ||
        json_object_set_new(object, "shortDescription", message_value(rule->summary)) ||
        json_object_set_new(object, "fullDescription",
                            message_value(description ? description : rule->summary)) ||
        json_object_set_new(object, "defaultConfiguration", configuration))
        goto fail;
    /* The page is Markdown that reads well as plain text: SARIF wants the
       text form whenever it has the Markdown one. */
    if (rule->help &&
        (json_object_set_new(object, "helpUri", ll_json_string(help_uri)) ||
         json_object_set_new(object, "help",
                             json_pack("{s:o, s:o}", "text", ll_json_string(rule->help), "markdown",
                                       ll_json_string(rule->help)))))
        goto fail;
    free(name);
    free(description);
    free(help_uri);
    return object;
fail:
    json_decref(object);
    free(name);
    free(description);
    free(help_uri);
    return NULL;
}

/* A rule that a finding carries and the table lacks (a stored run of an
 * older looplint): all that is known of it is its id, but GitHub refuses
 * a rule without descriptions and help, so they say so. */
static json_t *extra_rule_value(const char *id)
{
    static const char unknown[] = "a rule that this version of looplint does not describe";
    char *name = rule_name(id);
    if (!name)
        return NULL;
    json_t *object = json_pack("{s:o, s:o, s:o, s:o, s:{s:s, s:s}}", "id", ll_json_string(id),
                               "name", ll_json_string(name), "shortDescription",
                               message_value(unknown), "fullDescription", message_value(unknown),
                               "help", "text", unknown, "markdown", unknown);
    free(name);
    return object;
}

static int collect_extra_rules(sarif_writer *writer, const ll_findings *findings)
{
    for (size_t i = 0; i < findings->count; i++) {
        const char *rule = findings->items[i].rule;
        if (ll_report_rule_find(writer->options, rule))
            continue;
        bool known = false;
        for (size_t j = 0; j < writer->extra_count && !known; j++)
            known = strcmp(writer->extra_rules[j], rule) == 0;
        if (known)
            continue;
        const char **bigger =
            realloc(writer->extra_rules, (writer->extra_count + 1) * sizeof *bigger);
        if (!bigger)
            return -1;
        writer->extra_rules = bigger;
        writer->extra_rules[writer->extra_count++] = rule;
    }
    return 0;
}

/* The index of the rule in the driver's list (the table, then the extras). */
static size_t rule_index(const sarif_writer *writer, const char *id)
{
    const ll_report_rule *rule = ll_report_rule_find(writer->options, id);
    if (rule)
        return (size_t)(rule - writer->options->rules);
    size_t index = 0;
    while (index < writer->extra_count && strcmp(writer->extra_rules[index], id) != 0)
        index++;
    return writer->options->rule_count + index;
}

static json_t *rules_value(const sarif_writer *writer)
{
    json_t *array = json_array();
    if (!array)
        return NULL;
    for (size_t i = 0; i < writer->options->rule_count; i++) {
        if (json_array_append_new(array, rule_value(&writer->options->rules[i])))
            goto fail;
    }
    for (size_t i = 0; i < writer->extra_count; i++) {
        if (json_array_append_new(array, extra_rule_value(writer->extra_rules[i])))
            goto fail;
    }
    return array;
fail:
    json_decref(array);
    return NULL;
}

/* ---- Locations --------------------------------------------------------------------------- */

/* The column of `place` in UTF-16 code units, counting the bytes before it
 * on its line as the repaired text would read them (an invalid byte is one
 * U+FFFD). Bytes past the end of the line count one each. */
static uint32_t utf16_column(sarif_writer *writer, const ll_place *place)
{
    size_t length;
    const char *line = ll_source_line(&writer->sources, place->file, place->line, &length);
    if (!line || place->column == 0)
        return place->column;
    size_t bytes = place->column - 1;
    size_t before = bytes < length ? bytes : length;
    const unsigned char *text = (const unsigned char *)line;
    uint32_t units = 0;
    for (size_t i = 0; i < before;) {
        size_t sequence = ll_utf8_sequence(text + i, before - i);
        units += sequence == 4 ? 2 : 1; /* past U+FFFF: a surrogate pair */
        i += sequence ? sequence : 1;
    }
    return units + (uint32_t)(bytes - before) + 1;
}

static json_t *artifact_location(const sarif_writer *writer, const char *path)
{
    const char *root = writer->options->root;
    const char *relative = ll_path_under_root(path, root);
    bool under_root = root && *root && (relative != path || path[0] != '/');
    char *uri = path[0] == '/' && !under_root ? uri_encoded("file://", path, "")
                                              : uri_encoded("", relative, "");
    json_t *object = uri ? json_pack("{s:s}", "uri", uri) : NULL;
    free(uri);
    if (object && under_root &&
        json_object_set_new(object, "uriBaseId", json_string(ROOT_BASE_ID))) {
        json_decref(object);
        return NULL;
    }
    return object;
}

/* A location: its id when it has one (from 1), where (when the place has
 * a file), and what is said there (when `message` is not NULL). */
static json_t *location_value(sarif_writer *writer, json_int_t id, const ll_place *place,
                              const char *message)
{
    json_t *location = json_object();
    if (!location)
        return NULL;
    if (id && json_object_set_new(location, "id", json_integer(id)))
        goto fail;
    if (*place->file) {
        json_t *physical =
            json_pack("{s:o}", "artifactLocation", artifact_location(writer, place->file));
        if (json_object_set_new(location, "physicalLocation", physical))
            goto fail;
        if (place->line) {
            json_t *region = json_pack("{s:I}", "startLine", (json_int_t)place->line);
            if (json_object_set_new(physical, "region", region))
                goto fail;
            if (place->column && json_object_set_new(region, "startColumn",
                                                     json_integer(utf16_column(writer, place))))
                goto fail;
        }
    }
    if (message && json_object_set_new(location, "message", message_value(message)))
        goto fail;
    return location;
fail:
    json_decref(location);
    return NULL;
}

/* ---- Results ----------------------------------------------------------------------------- */

/* The notes, numbered from 1, for the text of a viewer to link to. */
static json_t *related_locations(sarif_writer *writer, const ll_finding *finding)
{
    json_t *array = json_array();
    if (!array)
        return NULL;
    for (uint32_t i = 0; i < finding->note_count; i++) {
        const ll_note *note = &finding->notes[i];
        json_t *location = location_value(writer, (json_int_t)i + 1, &note->place, note->message);
        if (json_array_append_new(array, location))
            goto fail;
    }
    return array;
fail:
    json_decref(array);
    return NULL;
}

/* The notes in order (the chain from the loop root, or the path), then
 * the finding itself: the step a viewer shows last is the bug. */
static json_t *code_flows(sarif_writer *writer, const ll_finding *finding)
{
    json_t *steps = json_array();
    if (!steps)
        return NULL;
    for (uint32_t i = 0; i < finding->note_count; i++) {
        const ll_note *note = &finding->notes[i];
        json_t *step =
            json_pack("{s:o}", "location", location_value(writer, 0, &note->place, note->message));
        if (json_array_append_new(steps, step))
            goto fail;
    }
    json_t *last = json_pack("{s:o}", "location",
                             location_value(writer, 0, &finding->place, finding->message));
    if (json_array_append_new(steps, last))
        goto fail;
    return json_pack("[{s:[{s:o}]}]", "threadFlows", "locations", steps);
fail:
    json_decref(steps);
    return NULL;
}

static json_t *suppressions_value(const ll_finding *finding)
{
    if (!finding->suppressed)
        return json_array();
    json_t *suppression = json_pack("{s:s}", "kind", "inSource");
    if (suppression && finding->reason &&
        json_object_set_new(suppression, "justification", ll_json_string(finding->reason))) {
        json_decref(suppression);
        return NULL;
    }
    return json_pack("[o]", suppression);
}

static json_t *result_value(sarif_writer *writer, const ll_finding *finding)
{
    json_t *result = json_object();
    if (!result)
        return NULL;
    if (json_object_set_new(result, "ruleId", ll_json_string(finding->rule)) ||
        json_object_set_new(result, "ruleIndex",
                            json_integer((json_int_t)rule_index(writer, finding->rule))) ||
        json_object_set_new(result, "level", json_string(levels[finding->severity])) ||
        json_object_set_new(result, "message", message_value(finding->message)))
        goto fail;
    if (*finding->place.file &&
        json_object_set_new(result, "locations",
                            json_pack("[o]", location_value(writer, 0, &finding->place, NULL))))
        goto fail;
    if (*finding->fingerprint &&
        json_object_set_new(result, "partialFingerprints",
                            json_pack("{s:s}", FINGERPRINT_KEY, finding->fingerprint)))
        goto fail;
    if (finding->note_count &&
        (json_object_set_new(result, "relatedLocations", related_locations(writer, finding)) ||
         json_object_set_new(result, "codeFlows", code_flows(writer, finding))))
        goto fail;
    if (json_object_set_new(result, "suppressions", suppressions_value(finding)))
        goto fail;
    return result;
fail:
    json_decref(result);
    return NULL;
}

static json_t *results_value(sarif_writer *writer, const ll_findings *findings)
{
    json_t *array = json_array();
    if (!array)
        return NULL;
    for (size_t i = 0; i < findings->count; i++) {
        const ll_finding *finding = &findings->items[i];
        if (!ll_report_shows(finding, writer->options))
            continue;
        if (json_array_append_new(array, result_value(writer, finding))) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

/* ---- The log ----------------------------------------------------------------------------- */

static json_t *driver_value(const sarif_writer *writer)
{
    json_t *driver = json_pack("{s:s}", "name", "looplint");
    if (!driver)
        return NULL;
    const char *version = writer->options->version;
    if (version && *version &&
        (json_object_set_new(driver, "version", ll_json_string(version)) ||
         json_object_set_new(driver, "semanticVersion", ll_json_string(version))))
        goto fail;
    if (json_object_set_new(driver, "informationUri", json_string(INFORMATION_URI)) ||
        json_object_set_new(driver, "rules", rules_value(writer)))
        goto fail;
    return driver;
fail:
    json_decref(driver);
    return NULL;
}

static json_t *run_value(sarif_writer *writer, const ll_findings *findings)
{
    json_t *run = json_pack("{s:{s:o}, s:[{s:b}]}", "tool", "driver", driver_value(writer),
                            "invocations", "executionSuccessful", true);
    if (!run)
        return NULL;
    const char *root = writer->options->root;
    if (root && *root) {
        char *uri = root_uri(root);
        json_t *bases = uri ? json_pack("{s:{s:s}}", ROOT_BASE_ID, "uri", uri) : NULL;
        free(uri);
        if (json_object_set_new(run, "originalUriBaseIds", bases))
            goto fail;
    }
    if (json_object_set_new(run, "columnKind", json_string("utf16CodeUnits")) ||
        json_object_set_new(run, "results", results_value(writer, findings)))
        goto fail;
    return run;
fail:
    json_decref(run);
    return NULL;
}

int ll_report_write_sarif(FILE *out, const ll_findings *findings, const ll_report_options *options,
                          ll_error *error)
{
    sarif_writer writer = {.options = options};
    ll_source_cache_init(&writer.sources);
    json_t *log = NULL;
    if (collect_extra_rules(&writer, findings) != 0)
        goto fail;
    log = json_pack("{s:s, s:s, s:[o]}", "$schema", SCHEMA_URI, "version", "2.1.0", "runs",
                    run_value(&writer, findings));
    if (!log)
        goto fail;
    ll_source_cache_free(&writer.sources);
    free(writer.extra_rules);
    return ll_json_write(out, log, "the SARIF report", error);
fail:
    ll_source_cache_free(&writer.sources);
    free(writer.extra_rules);
    return ll_error_set(error, "building the SARIF report: out of memory");
}
