/*
 * report.c - picking a format, and what the formats share: paths relative
 * to the project root, the location and message of a line, and the cache
 * of source files that the text format quotes.
 *
 * Writers print straight to the stream; whether the stream took it all is
 * checked once at the end (fflush and ferror), which catches a full disk
 * or a closed pipe without checking every fprintf.
 *
 * The source cache is a plain array searched from the most recent entry:
 * findings arrive sorted by file, so the file wanted is nearly always the
 * last one loaded, and a report touches few files.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *name;
    enum ll_format format;
    ll_report_writer *write;
} formats[] = {
    {"text", LL_FORMAT_TEXT, ll_report_write_text},
    {"gcc", LL_FORMAT_GCC, ll_report_write_gcc},
    {"json", LL_FORMAT_JSON, ll_report_write_json},
    {"sarif", LL_FORMAT_SARIF, ll_report_write_sarif},
    {"html", LL_FORMAT_HTML, ll_report_write_html},
    {"codeclimate", LL_FORMAT_CODECLIMATE, ll_report_write_codeclimate},
};

enum { FORMAT_COUNT = sizeof formats / sizeof formats[0] };

int ll_format_parse(const char *name, enum ll_format *format)
{
    for (size_t i = 0; i < FORMAT_COUNT; i++) {
        if (strcmp(name, formats[i].name) == 0) {
            *format = formats[i].format;
            return 0;
        }
    }
    return -1;
}

int ll_report_write(FILE *out, const ll_findings *findings, const ll_report_options *options,
                    ll_error *error)
{
    ll_report_writer *write = NULL;
    for (size_t i = 0; i < FORMAT_COUNT; i++) {
        if (formats[i].format == options->format)
            write = formats[i].write;
    }
    if (!write)
        return ll_error_set(error, "unknown report format %d", (int)options->format);
    if (write(out, findings, options, error) != 0)
        return -1;
    if (fflush(out) != 0)
        return ll_error_set(error, "writing the report: %s", strerror(errno));
    if (ferror(out)) /* an earlier write failed; errno is long gone */
        return ll_error_set(error, "writing the report: output error");
    return 0;
}

/* ---- Paths ------------------------------------------------------------------------------- */

const char *ll_path_under_root(const char *path, const char *root)
{
    if (!root || !*root)
        return path;
    size_t length = strlen(root);
    while (length > 1 && root[length - 1] == '/')
        length--;
    if (strncmp(path, root, length) != 0)
        return path;
    const char *rest = path + length;
    /* "/a/bc" shares a prefix with "/a/b" but is not under it. */
    if (root[length - 1] != '/' && *rest != '/' && *rest != '\0')
        return path;
    while (*rest == '/')
        rest++;
    return *rest ? rest : ".";
}

char *ll_path_relative(const char *path, const char *root)
{
    return strdup(ll_path_under_root(path, root));
}

/* ---- What the line formats share --------------------------------------------------------- */

const ll_report_rule *ll_report_rule_find(const ll_report_options *options, const char *id)
{
    for (size_t i = 0; i < options->rule_count; i++) {
        if (strcmp(options->rules[i].id, id) == 0)
            return &options->rules[i];
    }
    return NULL;
}

bool ll_report_shows(const ll_finding *finding, const ll_report_options *options)
{
    return !finding->suppressed || options->show_suppressed;
}

void ll_report_print_place(FILE *out, const ll_place *place, const char *root)
{
    if (!*place->file)
        return;
    fputs(ll_path_under_root(place->file, root), out);
    if (place->line) {
        fprintf(out, ":%" PRIu32, place->line);
        if (place->column)
            fprintf(out, ":%" PRIu32, place->column);
    }
    fputs(": ", out);
}

void ll_report_print_message(FILE *out, const ll_finding *finding)
{
    fputs(finding->message, out);
    if (finding->suppressed) {
        if (finding->reason)
            fprintf(out, " (suppressed: %s)", finding->reason);
        else
            fputs(" (suppressed)", out);
    }
    fprintf(out, " [looplint-%s]", finding->rule);
}

/* ---- Source lines ------------------------------------------------------------------------ */

void ll_source_cache_init(ll_source_cache *cache)
{
    memset(cache, 0, sizeof *cache);
}

static void source_file_free(ll_source_file *file)
{
    free(file->path);
    free(file->content);
    free(file->line_starts);
}

void ll_source_cache_free(ll_source_cache *cache)
{
    for (size_t i = 0; i < cache->count; i++)
        source_file_free(&cache->files[i]);
    free(cache->files);
    ll_source_cache_init(cache);
}

/* The whole of a regular file, or NULL. Directories and pipes are refused:
 * a finding never points into one, and a FIFO would block the report. */
static char *read_file(const char *path, size_t *size)
{
    char *content = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat status;
    if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode))
        goto fail;
    size_t capacity = (size_t)status.st_size;
    content = malloc(capacity + 1);
    if (!content)
        goto fail;
    /* The file may shrink while it is read; what was read is what counts. */
    size_t done = 0;
    while (done < capacity) {
        ssize_t got = read(fd, content + done, capacity - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            goto fail;
        if (got == 0)
            break;
        done += (size_t)got;
    }
    close(fd);
    content[done] = '\0';
    *size = done;
    return content;
fail:
    free(content);
    close(fd);
    return NULL;
}

static int split_lines(ll_source_file *file)
{
    size_t count = 0;
    for (size_t i = 0; i < file->size; i++) {
        if (i == 0 || file->content[i - 1] == '\n')
            count++;
    }
    file->line_starts = malloc((count ? count : 1) * sizeof *file->line_starts);
    if (!file->line_starts)
        return -1;
    for (size_t i = 0; i < file->size; i++) {
        if (i == 0 || file->content[i - 1] == '\n')
            file->line_starts[file->line_count++] = i;
    }
    return 0;
}

/* Loads a file into a new entry; an unreadable file gets an entry too. */
static ll_source_file *load_file(ll_source_cache *cache, const char *path)
{
    if (cache->count == cache->capacity) {
        size_t capacity = cache->capacity ? cache->capacity * 2 : 8;
        ll_source_file *bigger = realloc(cache->files, capacity * sizeof *bigger);
        if (!bigger)
            return NULL;
        cache->files = bigger;
        cache->capacity = capacity;
    }
    ll_source_file *file = &cache->files[cache->count];
    memset(file, 0, sizeof *file);
    file->path = strdup(path);
    if (!file->path)
        return NULL;
    file->content = read_file(path, &file->size);
    if (file->content && split_lines(file) != 0) {
        free(file->content);
        file->content = NULL;
    }
    cache->count++;
    return file;
}

static ll_source_file *find_file(ll_source_cache *cache, const char *path)
{
    for (size_t i = cache->count; i-- > 0;) {
        if (strcmp(cache->files[i].path, path) == 0)
            return &cache->files[i];
    }
    return load_file(cache, path);
}

const char *ll_source_line(ll_source_cache *cache, const char *path, uint32_t line, size_t *length)
{
    ll_source_file *file = find_file(cache, path);
    if (!file || !file->content || line == 0 || line > file->line_count)
        return NULL;
    const char *start = file->content + file->line_starts[line - 1];
    size_t left = file->size - file->line_starts[line - 1];
    const char *end = memchr(start, '\n', left);
    size_t size = end ? (size_t)(end - start) : left;
    if (size > 0 && start[size - 1] == '\r')
        size--;
    *length = size;
    return start;
}
