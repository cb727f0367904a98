/*
 * front.h - the front end: compile database, plan, and extraction.
 *
 * The only part of looplint that includes clang-c. The plan reads a
 * compilation database with libclang's clang_CompilationDatabase_* API and
 * keeps one command per file (identical commands deduplicated; for a file
 * built with different flags the first wins unless all_configs). The
 * extractor parses one command's TU and walks its AST once into an ll_unit
 * (facts.h), CFGs included. ll_front_extract() runs a plan on N threads,
 * each with its own CXIndex, handing each unit to a callback on the
 * calling thread.
 */
#ifndef LOOPLINT_FRONT_H
#define LOOPLINT_FRONT_H

#include "../analysis/error.h"
#include "../analysis/facts.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ll_command {
    char *file;       /* absolute, normalised */
    char *directory;  /* absolute: where the command runs */
    char **arguments; /* the compiler's arguments, argv[0] included */
    size_t argument_count;
} ll_command;

typedef struct ll_plan {
    char *database_directory; /* where compile_commands.json was found */
    ll_command *commands;
    size_t count;
    size_t duplicates_skipped;    /* identical commands */
    size_t other_configs_skipped; /* same file, other flags */
    size_t assembly_skipped;      /* .s, .S, .sx, .asm: no C to analyse */
} ll_plan;

/* The directory holding the compilation database for `start` (a directory):
 * the nearest compile_commands.json upward from it, or in a `build/`
 * directory beside one of those directories, as clangd looks. Returns a
 * malloc'd path, or NULL with an error. */
char *ll_plan_find_database(const char *start, ll_error *error);

/* Loads the database in `directory` into `plan` (zeroed, or holding
 * commands already: they take part in the deduplication), in the
 * database's order. Files are made absolute against their command's
 * directory. Errors name the file, and the line and column when the JSON
 * is malformed. */
int ll_plan_load(ll_plan *plan, const char *directory, bool all_configs, ll_error *error);
/* Adds a command built by hand (looplint verify), as given: `file` and
 * `directory` are made absolute (against `directory`, and it against the
 * working directory; NULL is the working directory), nothing is
 * deduplicated. With no arguments, the file is parsed as `clang FILE`. */
int ll_plan_add(ll_plan *plan, const char *file, const char *directory,
                const char *const *arguments, size_t argument_count, ll_error *error);
void ll_plan_free(ll_plan *plan);

/* The compile arguments of a command joined by spaces (for cache keys). */
char *ll_command_text(const ll_command *command);

/* Parses one TU. Always returns a unit unless out of memory: a file that
 * cannot be parsed gives a unit with parse_failed set and a diagnostic;
 * clang's errors become diagnostics and the partial AST is still walked. */
typedef struct ll_extractor ll_extractor;
ll_extractor *ll_extractor_new(void);
void ll_extractor_free(ll_extractor *extractor);
ll_unit *ll_extractor_run(ll_extractor *extractor, const ll_command *command);

/* Extracts every command of the plan on `jobs` threads (0: one per core).
 * `done` is called on the calling thread, once per command, in completion
 * order, with the command's index and its unit (ownership passes to the
 * callback). Returns 0, or -1: with an error when a thread could not start
 * or memory ran out; when the callback returned -1, `error` is left as it
 * is (the callback says why) and no further unit is delivered. */
typedef int (*ll_unit_callback)(void *context, size_t index, ll_unit *unit);
int ll_front_extract(const ll_plan *plan, unsigned jobs, ll_unit_callback done, void *context,
                     ll_error *error);

#endif
