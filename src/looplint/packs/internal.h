/*
 * internal.h - what the files of packs/ share and nobody else sees.
 *
 * parse.c turns one pack's text into an ll_pack: its name, its flags and
 * its function lines, each already validated and converted to the public
 * rule structures of pack.h (so a lookup only copies pointers). pack.c
 * keeps the loaded packs, indexes their exact names and merges the lines
 * that match a name into one ll_function_rule. arena.c and table.c are the
 * two containers they use: an arena that owns every string and array of a
 * pack (freed in one go, which is also how a pack that fails to parse
 * disappears), and an open-addressing table keyed by function name.
 */
#ifndef LOOPLINT_PACKS_INTERNAL_H
#define LOOPLINT_PACKS_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "pack.h"

#include <stddef.h>

/* ---- Arena (arena.c) --------------------------------------------------------- */
typedef struct ll_arena_chunk ll_arena_chunk;

typedef struct ll_arena {
    ll_arena_chunk *chunks; /* newest first; allocation bumps in the newest */
} ll_arena;

/* Zeroed memory aligned for any type, or NULL when out of memory. */
void *ll_arena_alloc(ll_arena *arena, size_t size);
/* A NUL-terminated copy of the first `length` bytes of `text`. */
char *ll_arena_strndup(ll_arena *arena, const char *text, size_t length);
void ll_arena_free(ll_arena *arena);

/* ---- Name table (table.c) ----------------------------------------------------- */
/* Maps a function name to a pointer. Keys are not copied: they must live as
 * long as the table. Linear probing over a power-of-two array kept at most
 * half full, so a miss ends quickly at an empty slot. */
typedef struct ll_name_slot {
    const char *key; /* NULL: empty */
    uint64_t hash;
    void *value;
} ll_name_slot;

typedef struct ll_name_table {
    ll_name_slot *slots;
    uint32_t capacity; /* 0 or a power of two */
    uint32_t count;
} ll_name_table;

uint64_t ll_name_hash(const char *key);
void *ll_name_table_find(const ll_name_table *table, const char *key, uint64_t hash);
/* Makes room for `count` entries in all, so that inserting up to that many
 * cannot fail. 0, or -1 when out of memory (the table is unchanged). */
int ll_name_table_reserve(ll_name_table *table, uint32_t count);
/* Adds a key that is not in the table yet. 0, or -1 when out of memory. */
int ll_name_table_insert(ll_name_table *table, const char *key, uint64_t hash, void *value);
/* Forgets every entry, keeping the memory. */
void ll_name_table_clear(ll_name_table *table);
void ll_name_table_free(ll_name_table *table);

/* ---- Parsed packs (parse.c) --------------------------------------------------- */
enum ll_directive {
    LL_DIRECTIVE_BLOCKING,
    LL_DIRECTIVE_ENTRY,
    LL_DIRECTIVE_SUSPEND,
    LL_DIRECTIVE_ACQUIRE,
    LL_DIRECTIVE_RELEASE,
    LL_DIRECTIVE_BORROWS,
    LL_DIRECTIVE_TAKES,
    LL_DIRECTIVE_ROLE, /* cancel, join, limiter, item-done, drain,
                          queue-close, shutdown-wait, must-observe */
};

/* One function line of a pack: `<directive> <FUNCTION> options...`. */
typedef struct ll_pack_line {
    enum ll_directive directive;
    const char *name;                    /* the exact function name, or NULL for a regex */
    pcre2_code *regex;                   /* the compiled /regex/, or NULL */
    uint32_t source_line;                /* where it is written, 1-based */
    uint32_t order;                      /* rank among every loaded line (set when the pack is
                                            added): merging follows it, so that packs apply in
                                            load order and lines in file order */
    struct ll_pack_line *next_same_name; /* the next line with this exact name */
    const struct ll_pack *pack;          /* the pack it belongs to */
    union {
        ll_blocking_rule blocking;
        ll_entry_rule entry;
        ll_suspend_rule suspend;
        ll_acquire_rule acquire;
        ll_release_rule release;
        uint32_t mask; /* BORROWS, TAKES: bit n-1 for argument n */
        struct {
            uint32_t role;                 /* one LL_ROLE_* bit */
            uint32_t handle, result, task; /* 0 when not given */
        } role;
    } rule;
} ll_pack_line;

typedef struct ll_pack {
    const char *name;                /* `pack NAME` */
    const char *path;                /* the file (or name given to ll_packs_load_text) */
    uint32_t name_line, name_column; /* where NAME is written, for messages */
    bool strict_io;
    ll_pack_line *lines; /* in file order; never moves once parsed */
    uint32_t line_count;
    ll_pack_line **regex_lines; /* the lines naming a /regex/, in order */
    uint32_t regex_count;
    ll_arena arena; /* every string and array above, and the pack itself */
} ll_pack;

/* Parses a pack. `path` names it in messages ("PATH:LINE:COL: ..."); the
 * text need not be NUL-terminated. NULL on error, with the message set. */
ll_pack *ll_pack_parse(const char *path, const char *text, size_t length, ll_error *error);
void ll_pack_free(ll_pack *pack);

#endif
