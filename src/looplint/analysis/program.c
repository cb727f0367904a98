/*
 * program.c - the link step: every unit's functions in one call graph,
 * the loop-context roots, and the contexts propagated from them.
 *
 * Linking is a few linear passes:
 *  1. number the definitions (unit order, then definition order) and index
 *     every USR in a hash table: its definitions, chained by id, and the
 *     union of the annotations of everything declared with it;
 *  2. give each unit a directory and a top-level folder (the first path
 *     component below the directory common to all units), which call
 *     resolution falls back on when a name has several definitions;
 *  3. index the functions the units store into places (facts.h,
 *     ll_function_store): a field of a struct type, a global, a field of
 *     a global; each place keeps its functions in one sorted run;
 *  4. walk every call once: resolve direct calls to an edge (or count them
 *     as ambiguous), calls through a function pointer to an edge per
 *     function the pointer can hold (or count them as unresolved), and
 *     turn the on-loop arguments of entry calls into roots;
 *  5. sort the roots and run one breadth-first search per context bit,
 *     remembering for each function the edge it was first reached by:
 *     that is its shortest chain, and it is what the notes print.
 * A function pointer holds (RULES.md, "Terms"): the function named (`f`,
 * `&f`, a cast); for a field read or called (`c->ops->emit`), every
 * function stored into that field of that struct type anywhere in the
 * program; for a global or static variable or its element (`jobs[i]`,
 * `maintenance[i].run`), the functions stored into it (under that field;
 * when it holds none there, a table filled through pointers, what the
 * field holds anywhere); for a local, what the function assigns to it of
 * the above. Parameters are not traced to the callers' arguments.
 * What a callee means (a leaf the packs describe, an entry point) is looked
 * up once per distinct USR and kept in the table's entry, so the pack
 * matcher is not run once per call.
 */
#define _GNU_SOURCE /* vasprintf */
#include "program.h"

#include "../packs/pack.h"
#include "program_table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything known about one USR. */
struct usr_entry {
    uint32_t first_definition; /* function id, chained by next_definition */
    uint32_t definition_count;
    uint32_t annotations; /* of every declaration and definition */
    bool rule_known;      /* `rule` has been looked up */
    const ll_function_rule *rule;
};

/* A call resolved to a definition. A function's edges are contiguous and
 * in call order; a call through a function pointer has one per function
 * it can reach, in the order of its place's run. */
struct edge {
    uint32_t callee;
    ll_index call;
};

/* A function that runs on the loop, and why. */
struct root {
    uint32_t function;
    enum ll_entry_kind kind;
    bool strict_io;
    uint32_t site_function; /* holding the entry call; LL_NONE: annotated */
    ll_index site_call;
    /* Sort keys, so that the order does not depend on unit order. */
    const char *name;
    const char *path;
    ll_location location;
    const char *site_path;
    ll_location site_location;
};

/* How a function was first reached in one context: from a root (`from` is
 * LL_NONE, `via` the root's index) or by call `via` of function `from`. */
struct link {
    uint32_t from;
    uint32_t via;
};

/* The address range of one unit's function array, to map a function
 * pointer back to its id. */
struct unit_range {
    const ll_function *first;
    uint32_t count;
    uint32_t unit;
};

enum { CONTEXT_BITS = 3 };

/* Places functions are stored into, keyed by a kind byte and the parts
 * of the name separated by PLACE_SEPARATOR: 'F' struct type, field; 'G'
 * the global's USR; 'G' USR, struct type, field. */
enum { PLACE_FIELD = 'F', PLACE_GLOBAL = 'G', PLACE_SEPARATOR = '\x1f' };

/* The functions stored into one place: place_functions[first...]. */
struct place {
    uint32_t first;
    uint32_t count;
};

struct ll_program {
    ll_unit *const *units;
    uint32_t unit_count;
    ll_packs *packs;

    uint32_t function_count;
    const ll_function **functions; /* by id */
    uint32_t *function_unit;       /* by id */
    uint32_t *annotations;         /* by id, merged with declarations */
    uint32_t *next_definition;     /* by id: the next definition of its USR */
    uint32_t *local_first;         /* by unit: offset into local_ids */
    uint32_t *local_ids;           /* by unit and function index: id or LL_NONE */
    struct unit_range *ranges;     /* sorted by address */
    uint32_t range_count;

    ll_table usrs; /* USR -> index into usr_entries */
    struct usr_entry *usr_entries;
    uint32_t usr_count, usr_capacity;

    uint32_t *unit_directory; /* by unit: id of its main file's directory */
    uint32_t *unit_folder;    /* by unit: id of its top-level folder */

    ll_table places;           /* place key -> index into place_runs */
    char *place_keys;          /* the keys' bytes, which the table borrows */
    struct place *place_runs;  /* by place */
    uint32_t *place_functions; /* each run sorted like the roots, no duplicate */
    uint32_t place_count;
    char *scratch; /* a key being looked up */
    size_t scratch_capacity;

    /* The functions a function pointer can hold, while one is resolved:
       `target_marks` (by id) holds `target_stamp` for those in `targets`. */
    uint32_t *targets;
    size_t target_count, target_capacity;
    uint32_t *target_marks;
    uint32_t target_stamp;
    /* The assignments of a function pointer to a local in function
       `assigns_of`, gathered once per function. */
    const ll_operation **assigns;
    size_t assign_count, assign_capacity;
    uint32_t assigns_of;

    uint32_t *edge_first; /* by id, function_count + 1 entries */
    struct edge *edges;
    size_t edge_count, edge_capacity;

    struct root *roots;
    uint32_t root_count, root_capacity;

    uint32_t *context;                /* by id: LL_CONTEXT_* */
    struct link *links[CONTEXT_BITS]; /* by id, per context bit */

    size_t call_count, indirect_count, ambiguous_count, root_function_count;
};

/* ---- Growing arrays ---------------------------------------------------------- */

/* Makes room for one more element in *items (capacity *capacity). */
static int reserve(void **items, size_t size, size_t count, size_t *capacity)
{
    if (count < *capacity)
        return 0;
    size_t bigger = *capacity ? *capacity * 2 : 64;
    void *grown = realloc(*items, bigger * size);
    if (!grown)
        return -1;
    *items = grown;
    *capacity = bigger;
    return 0;
}

/* ---- 1. Functions and USRs ------------------------------------------------------ */

static int compare_ranges(const void *a, const void *b)
{
    uintptr_t left = (uintptr_t)((const struct unit_range *)a)->first;
    uintptr_t right = (uintptr_t)((const struct unit_range *)b)->first;
    return (left > right) - (left < right);
}

static int number_functions(ll_program *program)
{
    size_t total = 0;
    size_t definitions = 0;
    for (uint32_t u = 0; u < program->unit_count; u++) {
        const ll_unit *unit = program->units[u];
        total += unit->function_count;
        for (uint32_t f = 0; f < unit->function_count; f++)
            definitions += unit->functions[f].is_definition;
    }
    if (definitions >= LL_NONE || total >= LL_NONE)
        return -1;
    size_t n = definitions;
    program->functions = malloc((n + 1) * sizeof *program->functions);
    program->function_unit = malloc((n + 1) * sizeof *program->function_unit);
    program->annotations = calloc(n + 1, sizeof *program->annotations);
    program->next_definition = malloc((n + 1) * sizeof *program->next_definition);
    program->local_first = malloc((program->unit_count + 1) * sizeof *program->local_first);
    program->local_ids = malloc((total + 1) * sizeof *program->local_ids);
    program->ranges = malloc((program->unit_count + 1) * sizeof *program->ranges);
    if (!program->functions || !program->function_unit || !program->annotations ||
        !program->next_definition || !program->local_first || !program->local_ids ||
        !program->ranges)
        return -1;

    uint32_t id = 0;
    uint32_t local = 0;
    for (uint32_t u = 0; u < program->unit_count; u++) {
        const ll_unit *unit = program->units[u];
        program->local_first[u] = local;
        if (unit->function_count)
            program->ranges[program->range_count++] =
                (struct unit_range){unit->functions, unit->function_count, u};
        for (uint32_t f = 0; f < unit->function_count; f++) {
            const ll_function *function = &unit->functions[f];
            program->local_ids[local++] = function->is_definition ? id : LL_NONE;
            if (!function->is_definition)
                continue;
            program->functions[id] = function;
            program->function_unit[id] = u;
            program->next_definition[id] = LL_NONE;
            program->call_count += function->call_count;
            id++;
        }
    }
    program->function_count = id;
    qsort(program->ranges, program->range_count, sizeof *program->ranges, compare_ranges);
    return 0;
}

/* The entry of `usr`, created when absent; LL_NONE when out of memory. */
static uint32_t usr_entry_intern(ll_program *program, const char *usr)
{
    bool inserted;
    uint32_t index =
        ll_table_intern(&program->usrs, usr, strlen(usr), program->usr_count, &inserted);
    if (index == LL_NONE || !inserted)
        return index;
    size_t capacity = program->usr_capacity;
    if (reserve((void **)&program->usr_entries, sizeof *program->usr_entries, program->usr_count,
                &capacity) < 0)
        return LL_NONE;
    program->usr_capacity = (uint32_t)capacity;
    program->usr_entries[index] = (struct usr_entry){.first_definition = LL_NONE};
    program->usr_count++;
    return index;
}

static const struct usr_entry *usr_entry_find(const ll_program *program, const char *usr)
{
    if (!usr)
        return NULL;
    uint32_t index = ll_table_find(&program->usrs, usr, strlen(usr));
    return index == LL_NONE ? NULL : &program->usr_entries[index];
}

/* What the packs say about the function behind an entry (looked up once). */
static const ll_function_rule *usr_entry_rule(ll_program *program, struct usr_entry *entry,
                                              const char *name)
{
    if (!entry->rule_known) {
        entry->rule = program->packs && name ? ll_packs_lookup(program->packs, name) : NULL;
        entry->rule_known = true;
    }
    return entry->rule;
}

static int index_usrs(ll_program *program)
{
    if (ll_table_init(&program->usrs, program->function_count) < 0)
        return -1;
    uint32_t id = 0;
    for (uint32_t u = 0; u < program->unit_count; u++) {
        const ll_unit *unit = program->units[u];
        for (uint32_t f = 0; f < unit->function_count; f++) {
            const ll_function *function = &unit->functions[f];
            uint32_t index = function->usr ? usr_entry_intern(program, function->usr) : LL_NONE;
            if (function->usr && index == LL_NONE)
                return -1;
            if (index != LL_NONE)
                program->usr_entries[index].annotations |= function->annotations;
            if (!function->is_definition)
                continue;
            program->annotations[id] = function->annotations;
            if (index != LL_NONE) {
                struct usr_entry *entry = &program->usr_entries[index];
                program->next_definition[id] = entry->first_definition;
                entry->first_definition = id;
                entry->definition_count++;
            }
            id++;
        }
    }
    for (id = 0; id < program->function_count; id++) {
        const struct usr_entry *entry = usr_entry_find(program, program->functions[id]->usr);
        if (entry)
            program->annotations[id] |= entry->annotations;
    }
    return 0;
}

/* ---- 2. Where each unit lives ---------------------------------------------------- */

/* Length of the directory part of a path ("/a/b/c.c" -> 4). */
static size_t directory_length(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) : 0;
}

static const char *unit_path(const ll_program *program, uint32_t unit)
{
    const char *path = program->units[unit]->path;
    return path ? path : "";
}

static const char *function_name(const ll_program *program, uint32_t id)
{
    const char *name = program->functions[id]->name;
    return name ? name : "";
}

/* Length of the longest directory that contains every unit's main file. */
static size_t common_directory_length(const ll_program *program)
{
    if (program->unit_count == 0)
        return 0;
    const char *first = unit_path(program, 0);
    size_t common = directory_length(first);
    for (uint32_t u = 1; u < program->unit_count; u++) {
        const char *path = unit_path(program, u);
        size_t length = directory_length(path);
        size_t same = 0;
        while (same < common && same < length && path[same] == first[same])
            same++;
        common = same;
    }
    /* "/src/ab" and "/src/abc" share "/src/ab" as text but "/src" as
       directories: back off to a component boundary that every path has. */
    for (uint32_t u = 0; u < program->unit_count; u++) {
        const char *path = unit_path(program, u);
        if (path[common] != '\0' && path[common] != '/') {
            do
                common--;
            while (common > 0 && first[common] != '/');
            break;
        }
    }
    return common;
}

static int place_units(ll_program *program)
{
    ll_table directories;
    ll_table folders;
    int result = -1;
    if (ll_table_init(&directories, program->unit_count) < 0)
        return -1;
    if (ll_table_init(&folders, program->unit_count) < 0)
        goto done_directories;
    program->unit_directory = malloc((program->unit_count + 1) * sizeof *program->unit_directory);
    program->unit_folder = malloc((program->unit_count + 1) * sizeof *program->unit_folder);
    if (!program->unit_directory || !program->unit_folder)
        goto done;
    size_t common = common_directory_length(program);
    for (uint32_t u = 0; u < program->unit_count; u++) {
        const char *path = unit_path(program, u);
        size_t length = directory_length(path);
        bool inserted;
        program->unit_directory[u] =
            ll_table_intern(&directories, path, length, (uint32_t)directories.count, &inserted);
        const char *folder = path + (length > common ? common : length);
        while (*folder == '/')
            folder++;
        const char *end = path + length > folder ? path + length : folder;
        const char *slash = memchr(folder, '/', (size_t)(end - folder));
        size_t folder_length = (size_t)((slash ? slash : end) - folder);
        program->unit_folder[u] =
            ll_table_intern(&folders, folder, folder_length, (uint32_t)folders.count, &inserted);
        if (program->unit_directory[u] == LL_NONE || program->unit_folder[u] == LL_NONE)
            goto done;
    }
    result = 0;
done:
    ll_table_free(&folders);
done_directories:
    ll_table_free(&directories);
    return result;
}

/* ---- Resolution -------------------------------------------------------------------- */

/* The one definition of `entry` whose unit has the same `place` (directory
 * or folder id) as `unit`; LL_NONE when none, and *several set when more. */
static uint32_t definition_in_place(const ll_program *program, const struct usr_entry *entry,
                                    const uint32_t *place, uint32_t unit, bool *several)
{
    uint32_t found = LL_NONE;
    *several = false;
    for (uint32_t id = entry->first_definition; id != LL_NONE; id = program->next_definition[id]) {
        if (place[program->function_unit[id]] != place[unit])
            continue;
        if (found != LL_NONE) {
            *several = true;
            return LL_NONE;
        }
        found = id;
    }
    return found;
}

/* ARCHITECTURE.md, "Many programs in one database": the definition in the
 * referring unit, else the only one, else the only one in the same
 * directory, else the only one in the same top-level folder. */
static uint32_t resolve_entry(const ll_program *program, const struct usr_entry *entry,
                              uint32_t unit, bool *ambiguous)
{
    *ambiguous = false;
    if (!entry || entry->definition_count == 0)
        return LL_NONE;
    if (entry->definition_count == 1)
        return entry->first_definition;
    for (uint32_t id = entry->first_definition; id != LL_NONE; id = program->next_definition[id])
        if (program->function_unit[id] == unit)
            return id;
    bool several;
    uint32_t found = definition_in_place(program, entry, program->unit_directory, unit, &several);
    if (found == LL_NONE && !several)
        found = definition_in_place(program, entry, program->unit_folder, unit, &several);
    *ambiguous = found == LL_NONE;
    return found;
}

/* ---- 3. Stored functions ------------------------------------------------------------ */

/* The definition a function reference made in `unit` names, unless the
 * packs describe it (then it is a leaf: never followed, as a root or a
 * callee); LL_NONE when there is none or it is ambiguous. */
static uint32_t reference_target(ll_program *program, uint32_t unit, const char *usr,
                                 const char *name)
{
    if (!usr)
        return LL_NONE;
    uint32_t index = ll_table_find(&program->usrs, usr, strlen(usr));
    if (index == LL_NONE)
        return LL_NONE;
    struct usr_entry *target = &program->usr_entries[index];
    if (usr_entry_rule(program, target, name))
        return LL_NONE;
    bool ambiguous;
    return resolve_entry(program, target, unit, &ambiguous);
}

/* A place by name: its kind and up to three parts (see PLACE_FIELD). */
struct place_name {
    char kind;
    const char *parts[3]; /* NULL after the last */
};

/* Writes the key of a place into `out` (when not NULL) and returns its
 * length: the kind, then the parts, separated. */
static size_t place_key(char *out, const struct place_name *name)
{
    size_t length = 1;
    if (out)
        out[0] = name->kind;
    for (int i = 0; i < 3 && name->parts[i]; i++) {
        if (i > 0) {
            if (out)
                out[length] = PLACE_SEPARATOR;
            length++;
        }
        size_t size = strlen(name->parts[i]);
        if (out)
            memcpy(out + length, name->parts[i], size);
        length += size;
    }
    return length;
}

/* The places one store fills: its field, its variable, and its field of
 * its variable. Returns how many. */
static int places_of(const ll_function_store *store, struct place_name names[3])
{
    int count = 0;
    bool has_field = store->record_type && store->field;
    if (has_field)
        names[count++] = (struct place_name){PLACE_FIELD, {store->record_type, store->field}};
    if (store->global_usr) {
        names[count++] = (struct place_name){PLACE_GLOBAL, {store->global_usr}};
        if (has_field)
            names[count++] = (struct place_name){
                PLACE_GLOBAL, {store->global_usr, store->record_type, store->field}};
    }
    return count;
}

/* One function in one place, with the keys the runs are sorted by (the
 * roots' order, so that no run depends on unit order). */
struct stored {
    uint32_t place;
    uint32_t function;
    const char *name;
    const char *path;
    ll_location location;
};

static int compare_stored(const void *a, const void *b)
{
    const struct stored *left = a;
    const struct stored *right = b;
    if (left->place != right->place)
        return left->place < right->place ? -1 : 1;
    int order = strcmp(left->name, right->name);
    if (!order)
        order = strcmp(left->path, right->path);
    if (!order && left->location.line != right->location.line)
        order = left->location.line < right->location.line ? -1 : 1;
    if (!order && left->location.column != right->location.column)
        order = left->location.column < right->location.column ? -1 : 1;
    if (!order && left->function != right->function)
        order = left->function < right->function ? -1 : 1;
    return order;
}

/* Resolves every store's function once (from the storing unit) and
 * measures the keys it needs. */
static uint32_t *resolve_stores(ll_program *program, size_t *key_bytes, size_t *key_count)
{
    size_t total = 0;
    for (uint32_t u = 0; u < program->unit_count; u++)
        total += program->units[u]->store_count;
    uint32_t *resolved = calloc(total + 1, sizeof *resolved);
    if (!resolved)
        return NULL;
    size_t k = 0;
    for (uint32_t u = 0; u < program->unit_count; u++) {
        const ll_unit *unit = program->units[u];
        for (uint32_t i = 0; i < unit->store_count; i++, k++) {
            const ll_function_store *store = &unit->stores[i];
            resolved[k] = reference_target(program, u, store->function_usr, store->function_name);
            if (resolved[k] == LL_NONE)
                continue;
            struct place_name names[3];
            int count = places_of(store, names);
            for (int j = 0; j < count; j++)
                *key_bytes += place_key(NULL, &names[j]);
            *key_count += (size_t)count;
        }
    }
    return resolved;
}

/* Turns the sorted (place, function) pairs into one run per place. */
static int build_runs(ll_program *program, struct stored *pairs, size_t count)
{
    program->place_runs = calloc(program->place_count + 1, sizeof *program->place_runs);
    program->place_functions = malloc((count + 1) * sizeof *program->place_functions);
    if (!program->place_runs || !program->place_functions)
        return -1;
    uint32_t used = 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && pairs[i].place == pairs[i - 1].place &&
            pairs[i].function == pairs[i - 1].function)
            continue;
        struct place *run = &program->place_runs[pairs[i].place];
        if (run->count == 0)
            run->first = used;
        run->count++;
        program->place_functions[used++] = pairs[i].function;
    }
    return 0;
}

static int index_stores(ll_program *program)
{
    size_t key_bytes = 0;
    size_t key_count = 0;
    struct stored *pairs = NULL;
    int result = -1;
    uint32_t *resolved = resolve_stores(program, &key_bytes, &key_count);
    if (!resolved || key_count >= LL_NONE || ll_table_init(&program->places, key_count) < 0)
        goto done;
    program->place_keys = malloc(key_bytes + 1);
    pairs = malloc((key_count + 1) * sizeof *pairs);
    if (!program->place_keys || !pairs)
        goto done;
    size_t used = 0;
    size_t count = 0;
    size_t k = 0;
    for (uint32_t u = 0; u < program->unit_count; u++) {
        const ll_unit *unit = program->units[u];
        for (uint32_t i = 0; i < unit->store_count; i++, k++) {
            uint32_t function = resolved[k];
            if (function == LL_NONE)
                continue;
            struct place_name names[3];
            int places = places_of(&unit->stores[i], names);
            for (int j = 0; j < places; j++) {
                char *key = program->place_keys + used;
                size_t length = place_key(key, &names[j]);
                bool inserted;
                uint32_t place =
                    ll_table_intern(&program->places, key, length, program->place_count, &inserted);
                if (place == LL_NONE)
                    goto done;
                if (inserted) { /* the table keeps the bytes: move past them */
                    program->place_count++;
                    used += length;
                }
                pairs[count++] = (struct stored){
                    place,
                    function,
                    function_name(program, function),
                    unit_path(program, program->function_unit[function]),
                    program->functions[function]->location,
                };
            }
        }
    }
    if (count > 1)
        qsort(pairs, count, sizeof *pairs, compare_stored);
    result = build_runs(program, pairs, count);
done:
    free(pairs);
    free(resolved);
    return result;
}

/* ---- 4. Calls: function pointers, edges and roots ----------------------------------- */

/* Starts gathering the functions one function pointer can hold. */
static void begin_targets(ll_program *program)
{
    program->target_count = 0;
    if (++program->target_stamp == 0) { /* wrapped: forget every mark */
        memset(program->target_marks, 0,
               (program->function_count + 1) * sizeof *program->target_marks);
        program->target_stamp = 1;
    }
}

static int add_target(ll_program *program, uint32_t function)
{
    if (program->target_marks[function] == program->target_stamp)
        return 0;
    if (reserve((void **)&program->targets, sizeof *program->targets, program->target_count,
                &program->target_capacity) < 0)
        return -1;
    program->target_marks[function] = program->target_stamp;
    program->targets[program->target_count++] = function;
    return 0;
}

/* The functions stored into a place; how many there are, or -1. */
static int add_place_targets(ll_program *program, char kind, const char *first, const char *second,
                             const char *third)
{
    struct place_name name = {kind, {first, second, third}};
    size_t length = place_key(NULL, &name);
    if (length > program->scratch_capacity) {
        char *bigger = realloc(program->scratch, length);
        if (!bigger)
            return -1;
        program->scratch = bigger;
        program->scratch_capacity = length;
    }
    place_key(program->scratch, &name);
    uint32_t place = ll_table_find(&program->places, program->scratch, length);
    if (place == LL_NONE)
        return 0;
    const struct place *run = &program->place_runs[place];
    for (uint32_t i = 0; i < run->count; i++)
        if (add_target(program, program->place_functions[run->first + i]) < 0)
            return -1;
    return run->count > INT32_MAX ? INT32_MAX : (int)run->count;
}

/* Whether an assigned value can name functions (see named_targets). */
static bool names_functions(const ll_value *value)
{
    switch (value->kind) {
    case LL_VALUE_FUNCTION:
    case LL_VALUE_GLOBAL:
        return value->usr != NULL;
    case LL_VALUE_OTHER:
        return value->field != NULL;
    default:
        return false;
    }
}

/* Gathers, once per function, its assignments of function pointers. */
static int gather_assigns(ll_program *program, uint32_t id)
{
    if (program->assigns_of == id)
        return 0;
    program->assign_count = 0;
    const ll_function *function = program->functions[id];
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->kind != LL_OPERATION_ASSIGN || !names_functions(&operation->value))
                continue;
            if (reserve((void **)&program->assigns, sizeof *program->assigns, program->assign_count,
                        &program->assign_capacity) < 0)
                return -1;
            program->assigns[program->assign_count++] = operation;
        }
    }
    program->assigns_of = id;
    return 0;
}

/* The functions a value in function `id` names itself, without a local
 * in between (see the top). */
static int named_targets(ll_program *program, uint32_t id, const ll_value *value)
{
    uint32_t target;
    int found;
    switch (value->kind) {
    case LL_VALUE_FUNCTION:
        target = reference_target(program, program->function_unit[id], value->usr, value->name);
        return target == LL_NONE ? 0 : add_target(program, target);
    case LL_VALUE_GLOBAL:
        if (!value->usr)
            return 0;
        found =
            add_place_targets(program, PLACE_GLOBAL, value->usr, value->record_type, value->field);
        /* A table filled only through pointers (register(&jobs[n], f))
           holds nothing of its own: its field is the struct's field. */
        if (found != 0 || !value->record_type || !value->field)
            return found < 0 ? -1 : 0;
        break;
    case LL_VALUE_OTHER:
        if (!value->record_type || !value->field)
            return 0;
        break;
    default:
        return 0;
    }
    found = add_place_targets(program, PLACE_FIELD, value->record_type, value->field, NULL);
    return found < 0 ? -1 : 0;
}

/* What function `id` assigns to its variable `variable`, of the values
 * that name functions themselves (a local copied from a local is not
 * followed). */
static int variable_targets(ll_program *program, uint32_t id, ll_index variable)
{
    if (gather_assigns(program, id) < 0)
        return -1;
    for (size_t i = 0; i < program->assign_count; i++) {
        const ll_operation *operation = program->assigns[i];
        if (operation->target == variable && named_targets(program, id, &operation->value) < 0)
            return -1;
    }
    return 0;
}

/* The functions a value in function `id` can be: those it names, or
 * those assigned to the local it is. */
static int value_targets(ll_program *program, uint32_t id, const ll_value *value)
{
    if (value->kind == LL_VALUE_VARIABLE)
        return variable_targets(program, id, value->variable);
    return named_targets(program, id, value);
}

/* The functions a call through a function pointer can reach. */
static int call_targets(ll_program *program, uint32_t caller, const ll_call *call)
{
    int found = 0;
    switch (call->callee_kind) {
    case LL_CALLEE_FIELD:
        if (call->callee_type && call->callee_name)
            found =
                add_place_targets(program, PLACE_FIELD, call->callee_type, call->callee_name, NULL);
        break;
    case LL_CALLEE_GLOBAL:
        if (call->callee_usr)
            found = add_place_targets(program, PLACE_GLOBAL, call->callee_usr, NULL, NULL);
        break;
    case LL_CALLEE_VARIABLE:
        found = variable_targets(program, caller, call->callee_variable);
        break;
    case LL_CALLEE_DIRECT:
    case LL_CALLEE_OTHER:
        break;
    }
    return found < 0 ? -1 : 0;
}

static int add_edge(ll_program *program, uint32_t callee, ll_index call)
{
    if (reserve((void **)&program->edges, sizeof *program->edges, program->edge_count,
                &program->edge_capacity) < 0)
        return -1;
    program->edges[program->edge_count++] = (struct edge){callee, call};
    return 0;
}

static int add_root(ll_program *program, uint32_t function, enum ll_entry_kind kind, bool strict_io,
                    uint32_t site_function, ll_index site_call)
{
    if (program->annotations[function] & LL_ANNOTATION_THREAD)
        return 0;
    size_t capacity = program->root_capacity;
    if (reserve((void **)&program->roots, sizeof *program->roots, program->root_count, &capacity) <
        0)
        return -1;
    program->root_capacity = (uint32_t)capacity;
    const ll_function *target = program->functions[function];
    struct root root = {
        .function = function,
        .kind = kind,
        .strict_io = strict_io,
        .site_function = site_function,
        .site_call = site_call,
        .name = target->name ? target->name : "",
        .path = unit_path(program, program->function_unit[function]),
        .location = target->location,
        .site_path = "",
        .site_location = {LL_NONE, 0, 0},
    };
    if (site_function != LL_NONE) {
        root.site_path = unit_path(program, program->function_unit[site_function]);
        root.site_location = program->functions[site_function]->calls[site_call].location;
    }
    program->roots[program->root_count++] = root;
    return 0;
}

/* The roots an entry call's on-loop argument names: every function it
 * can be (see the top of the file). */
static int add_entry_roots(ll_program *program, uint32_t caller, ll_index call_index,
                           const ll_entry_rule *entry)
{
    const ll_call *call = &program->functions[caller]->calls[call_index];
    if (entry->kind == LL_ENTRY_OFF_LOOP || entry->argument == 0 ||
        entry->argument > call->argument_count)
        return 0;
    begin_targets(program);
    if (value_targets(program, caller, &call->arguments[entry->argument - 1]) < 0)
        return -1;
    for (size_t i = 0; i < program->target_count; i++)
        if (add_root(program, program->targets[i], entry->kind, entry->strict_io, caller,
                     call_index) < 0)
            return -1;
    return 0;
}

/* Links one direct call: an edge to its definition (unless the packs
 * describe the callee: then it is a leaf), and roots when it is an entry. */
static int link_direct_call(ll_program *program, uint32_t caller, ll_index call_index)
{
    const ll_call *call = &program->functions[caller]->calls[call_index];
    const ll_function_rule *rule;
    struct usr_entry *entry = NULL;
    if (call->callee_usr) {
        uint32_t index = usr_entry_intern(program, call->callee_usr);
        if (index == LL_NONE)
            return -1;
        entry = &program->usr_entries[index];
        rule = usr_entry_rule(program, entry, call->callee_name);
    } else {
        rule = program->packs && call->callee_name
                   ? ll_packs_lookup(program->packs, call->callee_name)
                   : NULL;
    }
    if (!rule && entry && entry->definition_count) {
        bool ambiguous;
        uint32_t callee = resolve_entry(program, entry, program->function_unit[caller], &ambiguous);
        program->ambiguous_count += ambiguous;
        if (callee != LL_NONE && add_edge(program, callee, call_index) < 0)
            return -1;
    }
    for (uint32_t e = 0; rule && e < rule->entry_count; e++)
        if (add_entry_roots(program, caller, call_index, &rule->entries[e]) < 0)
            return -1;
    return 0;
}

/* Links a call through a function pointer: an edge to each function it
 * can reach, in its place's order; none: counted as unresolved. */
static int link_indirect_call(ll_program *program, uint32_t caller, ll_index call_index)
{
    begin_targets(program);
    if (call_targets(program, caller, &program->functions[caller]->calls[call_index]) < 0)
        return -1;
    program->indirect_count += program->target_count == 0;
    for (size_t i = 0; i < program->target_count; i++)
        if (add_edge(program, program->targets[i], call_index) < 0)
            return -1;
    return 0;
}

static int link_calls(ll_program *program)
{
    program->edge_first = malloc((program->function_count + 1) * sizeof *program->edge_first);
    program->target_marks = calloc(program->function_count + 1, sizeof *program->target_marks);
    if (!program->edge_first || !program->target_marks)
        return -1;
    program->assigns_of = LL_NONE;
    for (uint32_t id = 0; id < program->function_count; id++) {
        const ll_function *function = program->functions[id];
        program->edge_first[id] = (uint32_t)program->edge_count;
        for (ll_index c = 0; c < function->call_count; c++) {
            int result = function->calls[c].callee_kind == LL_CALLEE_DIRECT
                             ? link_direct_call(program, id, c)
                             : link_indirect_call(program, id, c);
            if (result < 0)
                return -1;
        }
        if (program->annotations[id] & LL_ANNOTATION_LOOP &&
            add_root(program, id, LL_ENTRY_CALLBACK, false, LL_NONE, 0) < 0)
            return -1;
    }
    if (program->edge_count >= LL_NONE)
        return -1;
    program->edge_first[program->function_count] = (uint32_t)program->edge_count;
    return 0;
}

/* ---- 5. Contexts ------------------------------------------------------------------ */

static int compare_locations(ll_location a, ll_location b)
{
    if (a.line != b.line)
        return a.line < b.line ? -1 : 1;
    if (a.column != b.column)
        return a.column < b.column ? -1 : 1;
    return 0;
}

/* (function name, unit path, location of the function, then of the
 * entry call, kind): everything here is independent of unit order. */
static int compare_roots(const void *a, const void *b)
{
    const struct root *left = a;
    const struct root *right = b;
    int order = strcmp(left->name, right->name);
    if (!order)
        order = strcmp(left->path, right->path);
    if (!order)
        order = compare_locations(left->location, right->location);
    if (!order)
        order = strcmp(left->site_path, right->site_path);
    if (!order)
        order = compare_locations(left->site_location, right->site_location);
    if (!order)
        order = (left->kind > right->kind) - (left->kind < right->kind);
    return order;
}

static bool root_has_context(const struct root *root, uint32_t context)
{
    if (context == LL_CONTEXT_STRICT_IO)
        return root->strict_io;
    if (context == LL_CONTEXT_UNBOUNDED)
        return root->kind != LL_ENTRY_TIMEOUT_SCOPE;
    return true; /* LL_CONTEXT_LOOP: every root */
}

/* One multi-source breadth-first search: first visit wins, so the link of
 * each function is the last edge of its shortest chain. */
static void propagate(ll_program *program, unsigned bit, uint32_t *queue)
{
    uint32_t context = 1u << bit;
    struct link *links = program->links[bit];
    size_t head = 0;
    size_t tail = 0;
    for (uint32_t r = 0; r < program->root_count; r++) {
        uint32_t function = program->roots[r].function;
        if (!root_has_context(&program->roots[r], context) || program->context[function] & context)
            continue;
        program->context[function] |= context;
        links[function] = (struct link){LL_NONE, r};
        queue[tail++] = function;
    }
    while (head < tail) {
        uint32_t caller = queue[head++];
        for (uint32_t e = program->edge_first[caller]; e < program->edge_first[caller + 1]; e++) {
            uint32_t callee = program->edges[e].callee;
            if (program->context[callee] & context ||
                program->annotations[callee] & (LL_ANNOTATION_THREAD | LL_ANNOTATION_BLOCKING))
                continue;
            program->context[callee] |= context;
            links[callee] = (struct link){caller, program->edges[e].call};
            queue[tail++] = callee;
        }
    }
}

static int propagate_contexts(ll_program *program)
{
    if (program->root_count > 1)
        qsort(program->roots, program->root_count, sizeof *program->roots, compare_roots);
    size_t n = program->function_count + 1;
    program->context = calloc(n, sizeof *program->context);
    uint32_t *queue = malloc(n * sizeof *queue);
    int result = program->context && queue ? 0 : -1;
    for (unsigned bit = 0; bit < CONTEXT_BITS && result == 0; bit++) {
        program->links[bit] = malloc(n * sizeof *program->links[bit]);
        if (program->links[bit])
            propagate(program, bit, queue);
        else
            result = -1;
    }
    free(queue);
    for (uint32_t r = 0; result == 0 && r < program->root_count; r++)
        program->root_function_count +=
            r == 0 || program->roots[r].function != program->roots[r - 1].function;
    return result;
}

/* ---- The interface ------------------------------------------------------------------ */

ll_program *ll_program_link(ll_unit *const *units, size_t unit_count, struct ll_packs *packs,
                            ll_statistics *statistics, ll_error *error)
{
    ll_program *program = calloc(1, sizeof *program);
    if (!program || unit_count >= LL_NONE)
        goto fail;
    program->units = units;
    program->unit_count = (uint32_t)unit_count;
    program->packs = packs;
    if (number_functions(program) < 0 || index_usrs(program) < 0 || place_units(program) < 0 ||
        index_stores(program) < 0 || link_calls(program) < 0 || propagate_contexts(program) < 0)
        goto fail;
    if (statistics) {
        atomic_store(&statistics->functions, program->function_count);
        atomic_store(&statistics->calls, program->call_count);
        atomic_store(&statistics->roots, program->root_function_count);
        atomic_store(&statistics->indirect_unresolved, program->indirect_count);
        atomic_store(&statistics->ambiguous_calls, program->ambiguous_count);
    }
    return program;
fail:
    ll_program_free(program);
    ll_error_set(error, "linking %zu translation units: out of memory", unit_count);
    return NULL;
}

void ll_program_free(ll_program *program)
{
    if (!program)
        return;
    free(program->functions);
    free(program->function_unit);
    free(program->annotations);
    free(program->next_definition);
    free(program->local_first);
    free(program->local_ids);
    free(program->ranges);
    ll_table_free(&program->usrs);
    free(program->usr_entries);
    free(program->unit_directory);
    free(program->unit_folder);
    ll_table_free(&program->places);
    free(program->place_keys);
    free(program->place_runs);
    free(program->place_functions);
    free(program->scratch);
    free(program->targets);
    free(program->target_marks);
    free(program->assigns);
    free(program->edge_first);
    free(program->edges);
    free(program->roots);
    free(program->context);
    for (unsigned bit = 0; bit < CONTEXT_BITS; bit++)
        free(program->links[bit]);
    free(program);
}

uint32_t ll_program_function_count(const ll_program *program)
{
    return program->function_count;
}

const ll_function *ll_program_function(const ll_program *program, uint32_t id, const ll_unit **unit)
{
    if (id >= program->function_count)
        return NULL;
    if (unit)
        *unit = program->units[program->function_unit[id]];
    return program->functions[id];
}

uint32_t ll_program_function_id(const ll_program *program, const ll_function *function)
{
    uintptr_t address = (uintptr_t)function;
    size_t low = 0;
    size_t high = program->range_count;
    while (low < high) { /* the first range starting after `function` */
        size_t middle = low + (high - low) / 2;
        if ((uintptr_t)program->ranges[middle].first <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return LL_NONE;
    const struct unit_range *range = &program->ranges[low - 1];
    if (address >= (uintptr_t)(range->first + range->count))
        return LL_NONE;
    size_t local = (size_t)(function - range->first);
    return program->local_ids[program->local_first[range->unit] + local];
}

uint32_t ll_program_annotations(const ll_program *program, uint32_t id)
{
    return id < program->function_count ? program->annotations[id] : 0;
}

uint32_t ll_program_usr_annotations(const ll_program *program, const char *usr)
{
    const struct usr_entry *entry = usr_entry_find(program, usr);
    return entry ? entry->annotations : 0;
}

uint32_t ll_program_resolve(const ll_program *program, uint32_t from, const char *usr)
{
    if (from >= program->function_count)
        return LL_NONE;
    bool ambiguous;
    return resolve_entry(program, usr_entry_find(program, usr), program->function_unit[from],
                         &ambiguous);
}

/* The first of the edges of call `call` of `caller` (they are
 * contiguous, the calls in order), or the end of the caller's edges. */
static uint32_t first_edge(const ll_program *program, uint32_t caller, ll_index call)
{
    uint32_t low = program->edge_first[caller];
    uint32_t high = program->edge_first[caller + 1];
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (program->edges[middle].call < call)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

uint32_t ll_program_callee(const ll_program *program, uint32_t caller, ll_index call)
{
    if (caller >= program->function_count || call >= program->functions[caller]->call_count ||
        program->functions[caller]->calls[call].callee_kind != LL_CALLEE_DIRECT)
        return LL_NONE;
    uint32_t edge = first_edge(program, caller, call);
    if (edge < program->edge_first[caller + 1] && program->edges[edge].call == call)
        return program->edges[edge].callee;
    return LL_NONE;
}

uint32_t ll_program_callees(const ll_program *program, uint32_t caller, ll_index call,
                            uint32_t *callees, uint32_t max)
{
    if (caller >= program->function_count)
        return 0;
    uint32_t count = 0;
    for (uint32_t edge = first_edge(program, caller, call);
         edge < program->edge_first[caller + 1] && program->edges[edge].call == call; edge++) {
        if (callees && count < max)
            callees[count] = program->edges[edge].callee;
        count++;
    }
    return count;
}

uint32_t ll_program_context(const ll_program *program, uint32_t id)
{
    return id < program->function_count ? program->context[id] : 0;
}

/* ---- Chains ------------------------------------------------------------------------- */

/* Adds a note at a location of `unit`; 0 or -1. */
static int note(ll_finding *finding, const ll_unit *unit, ll_location location, const char *format,
                ...) __attribute__((format(printf, 4, 5)));

static int note(ll_finding *finding, const ll_unit *unit, ll_location location, const char *format,
                ...)
{
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

static int root_note(const ll_program *program, const struct root *root, ll_finding *finding)
{
    const char *name = function_name(program, root->function);
    if (root->site_function == LL_NONE) {
        const ll_unit *unit = program->units[program->function_unit[root->function]];
        return note(finding, unit, program->functions[root->function]->location,
                    "'%s' is annotated looplint:loop", name);
    }
    const ll_unit *unit = program->units[program->function_unit[root->site_function]];
    const ll_call *call = &program->functions[root->site_function]->calls[root->site_call];
    const char *entry = call->callee_name ? call->callee_name : "";
    switch (root->kind) {
    case LL_ENTRY_MAIN:
        return note(finding, unit, call->location, "'%s' runs on the loop: passed to '%s' here",
                    name, entry);
    case LL_ENTRY_TASK:
        return note(finding, unit, call->location, "task '%s' spawned here", name);
    case LL_ENTRY_TIMEOUT_SCOPE:
        return note(finding, unit, call->location,
                    "'%s' runs on the loop under a timeout: passed to '%s' here", name, entry);
    case LL_ENTRY_SHIELD:
        return note(finding, unit, call->location,
                    "'%s' runs on the loop, shielded from timeouts: passed to '%s' "
                    "here",
                    name, entry);
    case LL_ENTRY_CALLBACK:
    case LL_ENTRY_OFF_LOOP:
        break;
    }
    return note(finding, unit, call->location, "'%s' runs on the loop: callback registered here",
                name);
}

/* "'ship' calls 'append' here", saying which pointer the call went
 * through when it was not direct. */
static int call_note(const ll_program *program, uint32_t caller, ll_index index, uint32_t callee,
                     ll_finding *finding)
{
    const ll_function *function = program->functions[caller];
    const ll_call *call = &function->calls[index];
    const ll_unit *unit = program->units[program->function_unit[caller]];
    const char *from = function_name(program, caller);
    const char *to = function_name(program, callee);
    const char *pointer = call->callee_name ? call->callee_name : "";
    switch (call->callee_kind) {
    case LL_CALLEE_FIELD:
        return note(finding, unit, call->location,
                    "'%s' calls '%s' through field '%s' of '%s' here", from, to, pointer,
                    call->callee_type ? call->callee_type : "");
    case LL_CALLEE_VARIABLE:
        pointer = call->callee_variable < function->variable_count
                      ? function->variables[call->callee_variable].name
                      : "";
        /* fall through */
    case LL_CALLEE_GLOBAL:
        return note(finding, unit, call->location, "'%s' calls '%s' through '%s' here", from, to,
                    pointer);
    case LL_CALLEE_DIRECT:
    case LL_CALLEE_OTHER:
        break;
    }
    return note(finding, unit, call->location, "'%s' calls '%s' here", from, to);
}

int ll_program_chain_notes(const ll_program *program, uint32_t id, uint32_t context,
                           ll_finding *finding)
{
    unsigned bit = 0;
    while (bit < CONTEXT_BITS && context != 1u << bit)
        bit++;
    if (bit == CONTEXT_BITS || id >= program->function_count || !(program->context[id] & context))
        return -1;
    const struct link *links = program->links[bit];
    size_t depth = 0;
    for (uint32_t at = id; links[at].from != LL_NONE; at = links[at].from)
        depth++;
    uint32_t *chain = malloc((depth + 1) * sizeof *chain); /* root first */
    if (!chain)
        return -1;
    uint32_t at = id;
    for (size_t i = depth + 1; i-- > 0; at = links[at].from)
        chain[i] = at;
    int result = root_note(program, &program->roots[links[chain[0]].via], finding);
    for (size_t i = 1; i <= depth && result == 0; i++) {
        uint32_t caller = chain[i - 1];
        uint32_t callee = chain[i];
        result = call_note(program, caller, links[callee].via, callee, finding);
    }
    free(chain);
    return result;
}
