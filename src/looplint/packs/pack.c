/*
 * pack.c - the loaded rule packs, and what they say about a function.
 *
 * Loading parses a pack completely (parse.c) before touching the ll_packs,
 * and reserves every table slot it will need before changing anything, so
 * a pack that fails - malformed, a name already loaded, out of memory -
 * leaves the packs as they were. Each line gets a global rank (`order`):
 * packs in load order, lines in file order.
 *
 * A lookup gathers the lines that match a name: the exact ones from a hash
 * table (name -> first line, chained through next_same_name), then every
 * regex of every pack, tried with a match-data block of its own so that
 * threads never share one. Sorted by rank, the lines are merged into one
 * ll_function_rule: blocking rules and entries accumulate in order (the
 * first blocking rule whose condition holds wins), suspend / acquire /
 * release come from the first line that gives them, roles and masks are
 * or-ed together. The result - or the fact that nothing matched - is
 * cached per name, so the regexes run once per distinct callee.
 *
 * Concurrency: lookups run on every analysis thread at once. The cache is a
 * name table behind a rwlock: a hit takes the read lock only; a miss merges
 * without any lock (the packs themselves are immutable while lookups run),
 * then takes the write lock and keeps whichever merge got there first, so
 * every thread gets the same pointer for the same name. Rules stay
 * allocated until ll_packs_free; a pack loaded after lookups retires the
 * cache rather than freeing it, for the same reason. Loading while other
 * threads look up is not supported.
 */
#define _GNU_SOURCE /* asprintf */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* A merged rule as cached, with its name (the cache's key) in the same
 * allocation and its blocking and entry arrays in their own. A name that
 * no line matches is cached too (matched false), so that the common case -
 * a callee no pack knows - stays a table hit. */
typedef struct merged {
    bool matched;
    ll_function_rule rule;
    char name[];
} merged;

struct ll_packs {
    ll_pack **packs; /* in load order */
    uint32_t pack_count;
    uint32_t line_total; /* lines of every pack: the next line's rank */
    ll_name_table names; /* exact function name -> its first ll_pack_line */
    XXH3_state_t *hash;  /* over each pack's text, in load order */

    pthread_rwlock_t cache_lock;
    ll_name_table cache; /* function name -> merged (keys: rule.name) */
    merged **retired;    /* cached before a later load; freed at the end */
    uint32_t retired_count;
};

/* ---- Lifetime ------------------------------------------------------------------ */
ll_packs *ll_packs_new(void)
{
    ll_packs *packs = calloc(1, sizeof *packs);
    if (!packs)
        return NULL;
    packs->hash = XXH3_createState();
    if (!packs->hash || XXH3_64bits_reset(packs->hash) != XXH_OK)
        goto fail;
    if (pthread_rwlock_init(&packs->cache_lock, NULL) != 0)
        goto fail;
    return packs;

fail:
    XXH3_freeState(packs->hash);
    free(packs);
    return NULL;
}

static void free_merged(merged *rule)
{
    if (!rule)
        return;
    free((void *)rule->rule.blocking);
    free((void *)rule->rule.entries);
    free(rule);
}

static void free_cached(ll_name_table *cache)
{
    for (uint32_t i = 0; i < cache->capacity; i++) {
        if (cache->slots[i].key)
            free_merged(cache->slots[i].value);
    }
}

void ll_packs_free(ll_packs *packs)
{
    if (!packs)
        return;
    free_cached(&packs->cache);
    ll_name_table_free(&packs->cache);
    for (uint32_t i = 0; i < packs->retired_count; i++)
        free_merged(packs->retired[i]);
    free(packs->retired);
    pthread_rwlock_destroy(&packs->cache_lock);
    ll_name_table_free(&packs->names);
    for (uint32_t i = 0; i < packs->pack_count; i++)
        ll_pack_free(packs->packs[i]);
    free(packs->packs);
    XXH3_freeState(packs->hash);
    free(packs);
}

/* ---- Adding parsed packs -------------------------------------------------------- */
static const ll_pack *find_pack(const ll_packs *packs, const char *name)
{
    for (uint32_t i = 0; i < packs->pack_count; i++) {
        if (strcmp(packs->packs[i]->name, name) == 0)
            return packs->packs[i];
    }
    return NULL;
}

static uint32_t exact_line_count(const ll_pack *pack)
{
    return pack->line_count - pack->regex_count;
}

/* Refuses a pack whose name is loaded already, or comes twice in the
 * batch: its lines would otherwise all apply twice. */
static int check_names(const ll_packs *packs, ll_pack *const *batch, uint32_t count,
                       ll_error *error)
{
    for (uint32_t i = 0; i < count; i++) {
        const ll_pack *pack = batch[i];
        const ll_pack *other = find_pack(packs, pack->name);
        for (uint32_t j = 0; j < i && !other; j++) {
            if (strcmp(batch[j]->name, pack->name) == 0)
                other = batch[j];
        }
        if (other)
            return ll_error_set(error, "%s:%u:%u: pack '%s' is already loaded (from %s)",
                                pack->path, pack->name_line, pack->name_column, pack->name,
                                other->path);
    }
    return 0;
}

/* Makes room for the batch in every array and table, changing nothing
 * that a reader could notice, so that adding it cannot fail half-way. */
static int reserve(ll_packs *packs, ll_pack *const *batch, uint32_t count)
{
    uint32_t exact = packs->names.count;
    for (uint32_t i = 0; i < count; i++)
        exact += exact_line_count(batch[i]);
    ll_pack **bigger = realloc(packs->packs, (packs->pack_count + count) * sizeof *bigger);
    if (!bigger)
        return -1;
    packs->packs = bigger;
    if (packs->cache.count) {
        merged **retired =
            realloc(packs->retired, (packs->retired_count + packs->cache.count) * sizeof *retired);
        if (!retired)
            return -1;
        packs->retired = retired;
    }
    return ll_name_table_reserve(&packs->names, exact);
}

/* Rules cached so far may miss the new lines: keep them alive (callers may
 * hold them) but look every name up afresh. */
static void retire_cache(ll_packs *packs)
{
    for (uint32_t i = 0; i < packs->cache.capacity; i++) {
        if (packs->cache.slots[i].key)
            packs->retired[packs->retired_count++] = packs->cache.slots[i].value;
    }
    ll_name_table_clear(&packs->cache);
}

static void add_reserved(ll_packs *packs, ll_pack *pack, const char *text, size_t length)
{
    for (uint32_t i = 0; i < pack->line_count; i++) {
        ll_pack_line *line = &pack->lines[i];
        line->order = packs->line_total++;
        if (!line->name)
            continue;
        uint64_t hash = ll_name_hash(line->name);
        ll_pack_line *first = ll_name_table_find(&packs->names, line->name, hash);
        if (!first) {
            /* Cannot fail: reserve() made room for every exact line. */
            (void)ll_name_table_insert(&packs->names, line->name, hash, line);
            continue;
        }
        while (first->next_same_name)
            first = first->next_same_name;
        first->next_same_name = line;
    }
    packs->packs[packs->pack_count++] = pack;
    /* The length after the text keeps ("ab", "c") and ("a", "bc") apart. */
    uint64_t size = length;
    XXH3_64bits_update(packs->hash, text, length);
    XXH3_64bits_update(packs->hash, &size, sizeof size);
}

/* Adds parsed packs, all or none; on failure frees them. */
static int add_batch(ll_packs *packs, ll_pack **batch, const char *const *texts,
                     const size_t *lengths, uint32_t count, ll_error *error)
{
    if (count == 0)
        return 0;
    if (check_names(packs, batch, count, error) < 0)
        goto fail;
    if (reserve(packs, batch, count) < 0) {
        ll_error_set(error, "%s: out of memory", batch[0]->path);
        goto fail;
    }
    retire_cache(packs);
    for (uint32_t i = 0; i < count; i++)
        add_reserved(packs, batch[i], texts[i], lengths[i]);
    return 0;

fail:
    for (uint32_t i = 0; i < count; i++)
        ll_pack_free(batch[i]);
    return -1;
}

static int load_buffer(ll_packs *packs, const char *path, const char *text, size_t length,
                       ll_error *error)
{
    ll_pack *pack = ll_pack_parse(path, text, length, error);
    if (!pack)
        return -1;
    return add_batch(packs, &pack, &text, &length, 1, error);
}

int ll_packs_load_text(ll_packs *packs, const char *name, const char *text, ll_error *error)
{
    return load_buffer(packs, name, text, strlen(text), error);
}

/* The whole file in a malloc'd buffer. */
static char *read_file(const char *path, size_t *length, ll_error *error)
{
    FILE *file = fopen(path, "rb");
    char *text = NULL;
    size_t size = 0;
    size_t used = 0;
    if (!file) {
        ll_error_set(error, "%s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (used == size) {
            size = size ? size * 2 : 8192;
            char *bigger = realloc(text, size);
            if (!bigger) {
                ll_error_set(error, "%s: out of memory", path);
                goto fail;
            }
            text = bigger;
        }
        used += fread(text + used, 1, size - used, file);
        if (ferror(file)) {
            ll_error_set(error, "%s: read error", path);
            goto fail;
        }
        if (feof(file))
            break;
    }
    fclose(file);
    *length = used;
    return text;

fail:
    fclose(file);
    free(text);
    return NULL;
}

int ll_packs_load_file(ll_packs *packs, const char *path, ll_error *error)
{
    size_t length;
    char *text = read_file(path, &length, error);
    if (!text)
        return -1;
    int status = load_buffer(packs, path, text, length, error);
    free(text);
    return status;
}

static int compare_names(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

static bool has_rules_suffix(const char *name)
{
    size_t length = strlen(name);
    return length > 6 && strcmp(name + length - 6, ".rules") == 0;
}

/* The *.rules file names of a directory, sorted, into *names (malloc'd,
 * NULL when there is none). */
static int list_rule_files(const char *directory, char ***names_out, uint32_t *count,
                           ll_error *error)
{
    DIR *dir = opendir(directory);
    char **names = NULL;
    uint32_t used = 0;
    uint32_t capacity = 0;
    if (!dir)
        return ll_error_set(error, "%s: %s", directory, strerror(errno));
    struct dirent *entry;
    while ((errno = 0, entry = readdir(dir))) {
        if (!has_rules_suffix(entry->d_name))
            continue;
        if (used == capacity) {
            capacity = capacity ? capacity * 2 : 8;
            char **bigger = realloc(names, capacity * sizeof *bigger);
            if (!bigger)
                goto out_of_memory;
            names = bigger;
        }
        if (!(names[used] = strdup(entry->d_name)))
            goto out_of_memory;
        used++;
    }
    if (errno) {
        ll_error_set(error, "%s: %s", directory, strerror(errno));
        goto fail;
    }
    closedir(dir);
    if (used)
        qsort(names, used, sizeof *names, compare_names);
    *names_out = names;
    *count = used;
    return 0;

out_of_memory:
    ll_error_set(error, "%s: out of memory", directory);
fail:
    for (uint32_t i = 0; i < used; i++)
        free(names[i]);
    free(names);
    closedir(dir);
    return -1;
}

int ll_packs_load_directory(ll_packs *packs, const char *directory, ll_error *error)
{
    uint32_t count = 0;
    uint32_t parsed = 0; /* packs parsed and not yet added */
    char **names = NULL;
    if (list_rule_files(directory, &names, &count, error) < 0)
        return -1;
    char **paths = calloc(count + 1, sizeof *paths);
    char **texts = calloc(count + 1, sizeof *texts);
    size_t *lengths = calloc(count + 1, sizeof *lengths);
    ll_pack **batch = calloc(count + 1, sizeof *batch);
    int status = -1;
    if (!paths || !texts || !lengths || !batch) {
        ll_error_set(error, "%s: out of memory", directory);
        goto done;
    }
    /* Every file is parsed before any is added: a directory loads whole
       or not at all. */
    for (; parsed < count; parsed++) {
        if (asprintf(&paths[parsed], "%s/%s", directory, names[parsed]) < 0) {
            paths[parsed] = NULL;
            ll_error_set(error, "%s: out of memory", directory);
            goto done;
        }
        texts[parsed] = read_file(paths[parsed], &lengths[parsed], error);
        if (!texts[parsed])
            goto done;
        batch[parsed] = ll_pack_parse(paths[parsed], texts[parsed], lengths[parsed], error);
        if (!batch[parsed])
            goto done;
    }
    status = add_batch(packs, batch, (const char *const *)texts, lengths, count, error);
    parsed = 0; /* added, or freed by add_batch */
done:
    for (uint32_t i = 0; i < parsed; i++)
        ll_pack_free(batch[i]);
    for (uint32_t i = 0; i < count; i++) {
        free(names[i]);
        if (paths)
            free(paths[i]);
        if (texts)
            free(texts[i]);
    }
    free(names);
    free(paths);
    free(texts);
    free(lengths);
    free(batch);
    return status;
}

/* ---- Inspection ------------------------------------------------------------------ */
uint64_t ll_packs_hash(const ll_packs *packs)
{
    return XXH3_64bits_digest(packs->hash);
}

uint32_t ll_packs_count(const ll_packs *packs)
{
    return packs->pack_count;
}

const char *ll_packs_name(const ll_packs *packs, uint32_t index)
{
    return index < packs->pack_count ? packs->packs[index]->name : NULL;
}

const char *ll_packs_path(const ll_packs *packs, uint32_t index)
{
    return index < packs->pack_count ? packs->packs[index]->path : NULL;
}

uint32_t ll_packs_line_count(const ll_packs *packs, uint32_t index)
{
    return index < packs->pack_count ? packs->packs[index]->line_count : 0;
}

const char *ll_packs_role_function(const ll_packs *packs, const char *pack, uint32_t role)
{
    for (uint32_t i = 0; i < packs->pack_count; i++) {
        const ll_pack *each = packs->packs[i];
        if (pack && strcmp(each->name, pack) != 0)
            continue;
        for (uint32_t l = 0; l < each->line_count; l++) {
            const ll_pack_line *line = &each->lines[l];
            if (line->directive == LL_DIRECTIVE_ROLE && line->rule.role.role & role && line->name)
                return line->name;
        }
    }
    return NULL;
}

/* ---- Lookup ------------------------------------------------------------------------ */
typedef struct line_list {
    const ll_pack_line **lines;
    uint32_t count, capacity;
} line_list;

static int push_match(line_list *list, const ll_pack_line *line)
{
    if (list->count == list->capacity) {
        uint32_t capacity = list->capacity ? list->capacity * 2 : 8;
        const ll_pack_line **bigger = realloc(list->lines, capacity * sizeof *bigger);
        if (!bigger)
            return -1;
        list->lines = bigger;
        list->capacity = capacity;
    }
    list->lines[list->count++] = line;
    return 0;
}

static int compare_order(const void *left, const void *right)
{
    const ll_pack_line *a = *(const ll_pack_line *const *)left;
    const ll_pack_line *b = *(const ll_pack_line *const *)right;
    return (a->order > b->order) - (a->order < b->order);
}

/* Every line matching `name`, by rank. */
static int matching_lines(const ll_packs *packs, const char *name, line_list *list)
{
    const ll_pack_line *line = ll_name_table_find(&packs->names, name, ll_name_hash(name));
    for (; line; line = line->next_same_name) {
        if (push_match(list, line) < 0)
            return -1;
    }
    uint32_t exact = list->count;
    pcre2_match_data *match = NULL;
    for (uint32_t p = 0; p < packs->pack_count; p++) {
        const ll_pack *pack = packs->packs[p];
        for (uint32_t r = 0; r < pack->regex_count; r++) {
            if (!match && !(match = pcre2_match_data_create(1, NULL)))
                return -1;
            /* Anything but a match (no match, a match limit hit) is no. */
            if (pcre2_match(pack->regex_lines[r]->regex, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0,
                            0, match, NULL) >= 0 &&
                push_match(list, pack->regex_lines[r]) < 0) {
                pcre2_match_data_free(match);
                return -1;
            }
        }
    }
    pcre2_match_data_free(match);
    if (exact && list->count > exact)
        qsort(list->lines, list->count, sizeof *list->lines, compare_order);
    return 0;
}

static void merge_line(ll_function_rule *rule, const ll_pack_line *line, ll_blocking_rule *blocking,
                       ll_entry_rule *entries)
{
    switch (line->directive) {
    case LL_DIRECTIVE_BLOCKING:
        blocking[rule->blocking_count++] = line->rule.blocking;
        break;
    case LL_DIRECTIVE_ENTRY:
        entries[rule->entry_count++] = line->rule.entry;
        break;
    case LL_DIRECTIVE_SUSPEND:
        if (!rule->suspend)
            rule->suspend = &line->rule.suspend;
        break;
    case LL_DIRECTIVE_ACQUIRE:
        if (!rule->acquire)
            rule->acquire = &line->rule.acquire;
        break;
    case LL_DIRECTIVE_RELEASE:
        if (!rule->release)
            rule->release = &line->rule.release;
        break;
    case LL_DIRECTIVE_BORROWS:
        rule->borrows_mask |= line->rule.mask;
        break;
    case LL_DIRECTIVE_TAKES:
        rule->takes_mask |= line->rule.mask;
        break;
    case LL_DIRECTIVE_ROLE:
        rule->roles |= line->rule.role.role;
        if (!rule->handle)
            rule->handle = line->rule.role.handle;
        if (!rule->result)
            rule->result = line->rule.role.result;
        if (!rule->task)
            rule->task = line->rule.role.task;
        break;
    }
}

static merged *merge(const ll_packs *packs, const char *name)
{
    line_list list = {NULL, 0, 0};
    size_t name_size = strlen(name) + 1;
    merged *result = calloc(1, sizeof *result + name_size);
    if (!result || matching_lines(packs, name, &list) < 0)
        goto fail;
    uint32_t blocking_count = 0;
    uint32_t entry_count = 0;
    for (uint32_t i = 0; i < list.count; i++) {
        blocking_count += list.lines[i]->directive == LL_DIRECTIVE_BLOCKING;
        entry_count += list.lines[i]->directive == LL_DIRECTIVE_ENTRY;
    }
    ll_blocking_rule *blocking = NULL;
    ll_entry_rule *entries = NULL;
    if ((blocking_count && !(blocking = calloc(blocking_count, sizeof *blocking))) ||
        (entry_count && !(entries = calloc(entry_count, sizeof *entries)))) {
        free(blocking);
        goto fail;
    }
    ll_function_rule *rule = &result->rule;
    rule->name = memcpy(result->name, name, name_size);
    rule->blocking = blocking;
    rule->entries = entries;
    for (uint32_t i = 0; i < list.count; i++)
        merge_line(rule, list.lines[i], blocking, entries);
    if (list.count) {
        result->matched = true;
        rule->pack = list.lines[0]->pack->name;
    }
    free(list.lines);
    return result;

fail:
    free(list.lines);
    free(result);
    return NULL;
}

const ll_function_rule *ll_packs_lookup(ll_packs *packs, const char *name)
{
    uint64_t hash = ll_name_hash(name);
    pthread_rwlock_rdlock(&packs->cache_lock);
    merged *found = ll_name_table_find(&packs->cache, name, hash);
    pthread_rwlock_unlock(&packs->cache_lock);
    if (!found) {
        /* Merged outside the lock: another thread may do the same name at
           the same time; the first to insert wins, the other's is freed. */
        merged *made = merge(packs, name);
        if (!made)
            return NULL; /* out of memory: answered as "nothing known" */
        pthread_rwlock_wrlock(&packs->cache_lock);
        found = ll_name_table_find(&packs->cache, name, hash);
        if (!found && ll_name_table_insert(&packs->cache, made->rule.name, hash, made) == 0)
            found = made;
        pthread_rwlock_unlock(&packs->cache_lock);
        if (found != made)
            free_merged(made);
        if (!found)
            return NULL;
    }
    return found->matched ? &found->rule : NULL;
}

/* ---- Conditions ------------------------------------------------------------------ */
/* Whether a known argument value equals one alternative. *comparable is
 * cleared when the value cannot be compared with it at all (a global's
 * value against an integer, a constant against a global's name). */
static bool value_matches(const ll_value *value, const ll_match *match, bool *comparable)
{
    bool numeric = value->kind == LL_VALUE_CONSTANT || value->kind == LL_VALUE_NULL;
    int64_t number = value->kind == LL_VALUE_CONSTANT ? value->constant : 0;
    switch (match->kind) {
    case LL_MATCH_CONSTANT:
        *comparable = numeric;
        return numeric && number == match->constant;
    case LL_MATCH_NULL:
        *comparable = numeric;
        return numeric && number == 0;
    case LL_MATCH_NAME:
        *comparable = value->kind == LL_VALUE_GLOBAL && value->name;
        return *comparable && strcmp(value->name, match->name) == 0;
    }
    *comparable = false;
    return false;
}

bool ll_condition_holds(const ll_condition *condition, const ll_call *call)
{
    if (condition->argument == 0)
        return true;
    if (!call || condition->argument > call->argument_count)
        return false;
    const ll_value *value = &call->arguments[condition->argument - 1];
    /* `==` holds when some alternative is equal; `!=` when every one is
       known to differ. A value that cannot be compared is unknown, and an
       unknown argument never satisfies a condition. */
    bool all_comparable = true;
    for (uint32_t i = 0; i < condition->value_count; i++) {
        bool comparable;
        if (value_matches(value, &condition->values[i], &comparable))
            return !condition->negated;
        all_comparable = all_comparable && comparable;
    }
    return condition->negated && all_comparable;
}

const ll_blocking_rule *ll_function_rule_blocking(const ll_function_rule *rule, const ll_call *call)
{
    if (!rule)
        return NULL;
    for (uint32_t i = 0; i < rule->blocking_count; i++) {
        if (ll_condition_holds(&rule->blocking[i].condition, call))
            return &rule->blocking[i];
    }
    return NULL;
}
