/*
 * fingerprint.c - names for findings that survive edits, so that baselines
 * and diffs can tell a new finding from an old one that moved.
 *
 * A fingerprint is XXH3-128 over these fields, each followed by a 0 byte
 * but the last: the rule, the path relative to the project root, the
 * enclosing function, the text of the reported call with its whitespace
 * collapsed, and the occurrence index (decimal) of the finding among the
 * earlier ones with the same four. Lines and columns are left out, so
 * inserting lines above a finding keeps its fingerprint; the text is tokens
 * joined by single spaces, so reformatting keeps it; nothing outside the
 * enclosing function is hashed, so editing another function keeps it. The
 * occurrence index tells two identical calls in one function apart.
 *
 * Occurrences are counted by comparing each finding with the earlier ones
 * of its file. That is quadratic in the findings of one file, which are
 * few, and needs no memory, so computing fingerprints cannot fail. xxHash
 * is compiled inline (XXH_INLINE_ALL) so that its streaming state may live
 * on the stack without depending on the shared library's layout.
 */
#include "internal.h"

#include <inttypes.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The next run of non-space characters from *cursor on, or NULL at the
 * end; *cursor moves past it. */
static const char *next_word(const char **cursor, size_t *length)
{
    const char *start = *cursor;
    while (is_space(*start))
        start++;
    if (!*start)
        return NULL;
    const char *end = start;
    while (*end && !is_space(*end))
        end++;
    *length = (size_t)(end - start);
    *cursor = end;
    return start;
}

static bool same_words(const char *a, const char *b)
{
    for (;;) {
        size_t length_a = 0;
        size_t length_b = 0;
        const char *word_a = next_word(&a, &length_a);
        const char *word_b = next_word(&b, &length_b);
        if (!word_a || !word_b)
            return word_a == word_b;
        if (length_a != length_b || memcmp(word_a, word_b, length_a) != 0)
            return false;
    }
}

/* Whether two findings of one file hash the same but for the index. */
static bool same_occurrence(const ll_finding *a, const ll_finding *b)
{
    return strcmp(a->rule, b->rule) == 0 && strcmp(a->function, b->function) == 0 &&
           same_words(a->text, b->text);
}

static void hash_field(XXH3_state_t *state, const char *field)
{
    XXH3_128bits_update(state, field, strlen(field) + 1);
}

static void hash_words(XXH3_state_t *state, const char *text)
{
    const char *word;
    size_t length;
    for (bool first = true; (word = next_word(&text, &length)); first = false) {
        if (!first)
            XXH3_128bits_update(state, " ", 1);
        XXH3_128bits_update(state, word, length);
    }
    XXH3_128bits_update(state, "", 1);
}

static void set_fingerprint(ll_finding *finding, const char *root, size_t occurrence)
{
    XXH3_state_t state;
    XXH3_128bits_reset(&state);
    hash_field(&state, finding->rule);
    hash_field(&state, ll_path_under_root(finding->place.file, root));
    hash_field(&state, finding->function);
    hash_words(&state, finding->text);
    char index[24];
    int length = snprintf(index, sizeof index, "%zu", occurrence);
    XXH3_128bits_update(&state, index, (size_t)length);
    XXH128_hash_t hash = XXH3_128bits_digest(&state);
    snprintf(finding->fingerprint, sizeof finding->fingerprint, "%016" PRIx64 "%016" PRIx64,
             (uint64_t)hash.high64, (uint64_t)hash.low64);
}

void ll_fingerprints_compute(ll_findings *findings, const char *root)
{
    size_t file_start = 0;
    for (size_t i = 0; i < findings->count; i++) {
        ll_finding *finding = &findings->items[i];
        if (strcmp(finding->place.file, findings->items[file_start].place.file) != 0)
            file_start = i;
        size_t occurrence = 0;
        for (size_t j = file_start; j < i; j++)
            occurrence += same_occurrence(&findings->items[j], finding);
        set_fingerprint(finding, root, occurrence);
    }
}
