/*
 * pack.h - rule packs: what library functions mean, as data.
 *
 * A pack (a .rules file in rules/, grammar in docs/rule-packs.md) describes functions
 * by exact name or by /PCRE2 regex/: which block (and when), which are
 * entry points that run a function on or off the loop, which suspend (and
 * which argument is their deadline), which acquire and release resources,
 * and the roles the checks need (cancel, join, timeout scope...). The
 * checks never name a library function; they ask ll_packs_lookup() what a
 * callee means.
 *
 * A loaded ll_packs is immutable and shared by every thread. Argument
 * positions count from 1 (as GCC's nonnull(1) does); 0 means "none".
 */
#ifndef LOOPLINT_PACK_H
#define LOOPLINT_PACK_H

#include "../analysis/error.h"
#include "../analysis/facts.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ll_packs ll_packs;

/* A condition on one argument of a call: `when=arg3!=0`,
 * `when=arg1==stdout|stderr`, `when=arg6==NULL`. It holds only when the
 * argument's value is known at the call site (a constant, NULL, a named
 * global) and satisfies it: an unknown timeout is not reported. */
enum ll_match_kind { LL_MATCH_CONSTANT, LL_MATCH_NULL, LL_MATCH_NAME };

typedef struct ll_match {
    enum ll_match_kind kind;
    int64_t constant; /* CONSTANT */
    const char *name; /* NAME: a global's name (stdout) */
} ll_match;

typedef struct ll_condition {
    uint32_t argument; /* 0: no condition */
    bool negated; /* != instead of == */
    const ll_match *values; /* alternatives separated by | */
    uint32_t value_count;
} ll_condition;

typedef struct ll_blocking_rule {
    ll_condition condition;
    const char *category; /* sleep, file, stdio, dns, process, thread-wait,
                             fd-io, poll, client, console... */
    const char *reason; /* "sleeps the whole thread" */
    const char *replacement; /* "nest_sleep" (may be NULL) */
} ll_blocking_rule;

enum ll_entry_kind {
    LL_ENTRY_MAIN = 0, /* the loop's main function (nest_run) */
    LL_ENTRY_TASK, /* a spawned task (nest_spawn, nest_group_spawn) */
    LL_ENTRY_CALLBACK, /* a library callback (uv_read_start...) */
    LL_ENTRY_TIMEOUT_SCOPE, /* runs under a timeout (nest_wait_for) */
    LL_ENTRY_SHIELD, /* runs shielded (nest_shield) */
    LL_ENTRY_OFF_LOOP, /* runs on another thread (nest_to_thread) */
};

typedef struct ll_entry_rule {
    enum ll_entry_kind kind;
    uint32_t argument; /* the function argument */
    bool strict_io; /* the pack is strict-io: raw fd I/O in these roots is
                       reported (RULES.md "Precise points") */
    const char *pack; /* the pack's name */
} ll_entry_rule;

enum ll_handle_place {
    LL_HANDLE_NONE = 0,
    LL_HANDLE_RETURN, /* the return value */
    LL_HANDLE_ARGUMENT, /* argument .argument (a release, a cancel...) */
    LL_HANDLE_OUT, /* written through pointer argument .argument */
};

enum ll_failure {
    LL_FAILURE_NONE = 0, /* cannot fail */
    LL_FAILURE_NULL, /* the handle is NULL on failure */
    LL_FAILURE_NEGATIVE, /* the handle is < 0 on failure (fds) */
    LL_FAILURE_NONZERO_RETURN, /* the call returns non-zero on failure and
                                  then the out-parameter is not set */
};

enum ll_resource_kind {
    LL_RESOURCE = 0, /* something to close */
    LL_RESOURCE_TASK, /* a task handle: joined, not closed */
    LL_RESOURCE_SESSION, /* a resource meant to live long (a pool) */
    LL_RESOURCE_LOCK,
    LL_RESOURCE_QUEUE_ITEM,
};

typedef struct ll_acquire_rule {
    enum ll_resource_kind kind;
    enum ll_handle_place place;
    uint32_t argument; /* OUT */
    enum ll_failure failure;
    const char *type; /* matches releases: "FILE", "fd", "nest-pool"... */
} ll_acquire_rule;

typedef struct ll_release_rule {
    uint32_t argument; /* the handle's position */
    const char *const *types; /* the types it releases */
    uint32_t type_count;
} ll_release_rule;

typedef struct ll_suspend_rule {
    uint32_t deadline; /* the deadline argument, 0 for none */
    int64_t forever; /* the value that means "no deadline" */
    bool needs_timeout; /* a forever wait here is a defect */
} ll_suspend_rule;

/* Roles: what a function does for the checks, beyond the rules above. */
enum {
    LL_ROLE_CANCEL = 1u << 0, /* cancels the task handle in .handle */
    LL_ROLE_JOIN = 1u << 1, /* joins (releases) the task in .handle */
    LL_ROLE_LIMITER = 1u << 2, /* takes a permit (nest_sem_acquire) */
    LL_ROLE_ITEM_DONE = 1u << 3, /* marks a queue item done */
    LL_ROLE_DRAIN = 1u << 4, /* waits for a queue to drain */
    LL_ROLE_SHUTDOWN_WAIT = 1u << 5, /* waits for / polls shutdown */
    LL_ROLE_MUST_OBSERVE = 1u << 6, /* its result carries a task's failure */
    LL_ROLE_QUEUE_CLOSE = 1u << 7, /* closes a queue: items still in it are lost */
    LL_ROLE_LOOP_STATE = 1u << 8, /* reads state only the loop changes, while the
                                     calling task is suspended (cancelled?) */
};

/* Everything the loaded packs say about one function name, merged over
 * every line (exact and regex) that matches it. Fields are zero / NULL
 * when no line says anything about them. */
typedef struct ll_function_rule {
    const char *name; /* the function's name as looked up */
    const ll_blocking_rule *blocking; /* first whose condition holds wins */
    uint32_t blocking_count;
    const ll_entry_rule *entries; /* a function can have on and off args */
    uint32_t entry_count;
    const ll_suspend_rule *suspend; /* NULL: not a suspension point */
    const ll_acquire_rule *acquire; /* NULL: acquires nothing */
    const ll_release_rule *release; /* NULL: releases nothing */
    uint32_t roles; /* LL_ROLE_* */
    uint32_t handle; /* CANCEL, JOIN, ITEM_DONE, DRAIN, QUEUE_CLOSE: the handle argument */
    uint32_t result; /* MUST_OBSERVE: the `int *result` argument, 0: none */
    uint32_t task; /* MUST_OBSERVE: the argument naming the task: its function
                      (wait_for, to_thread) or its handle (join); 0: none */
    uint32_t borrows_mask; /* bit n-1: argument n is used, not kept */
    uint32_t takes_mask; /* bit n-1: argument n's ownership is taken */
    const char *pack; /* the pack of the first line that matched */
} ll_function_rule;

/* ---- Loading --------------------------------------------------------------- */
ll_packs *ll_packs_new(void);
void ll_packs_free(ll_packs *packs);

/* Parses a pack file and adds it. On a syntax error returns -1 with
 * "FILE:LINE:COL: message" in error; the packs are then unchanged. */
int ll_packs_load_file(ll_packs *packs, const char *path, ll_error *error);
/* The same for text in memory (`name` is used in messages). */
int ll_packs_load_text(ll_packs *packs, const char *name, const char *text, ll_error *error);

/* Loads every *.rules file of a directory, in name order. */
int ll_packs_load_directory(ll_packs *packs, const char *directory, ll_error *error);

/* A hash of every loaded pack's text, for cache keys. */
uint64_t ll_packs_hash(const ll_packs *packs);

/* The loaded packs, for `looplint rules`. */
uint32_t ll_packs_count(const ll_packs *packs);
const char *ll_packs_name(const ll_packs *packs, uint32_t index); /* pack NAME */
const char *ll_packs_path(const ll_packs *packs, uint32_t index);
uint32_t ll_packs_line_count(const ll_packs *packs, uint32_t index); /* function lines */

/* The name of the first function (packs in load order, lines in file
 * order) that a line of pack `pack` (of any pack when NULL) gives `role`,
 * one LL_ROLE_* bit; regex lines are skipped. NULL when there is none.
 * For messages that name the fix ("call nest_wait_shutdown") without
 * the check naming it. */
const char *ll_packs_role_function(const ll_packs *packs, const char *pack, uint32_t role);

/* ---- Lookup (thread-safe) --------------------------------------------------- */
/* What the packs say about `name`; NULL when nothing. The result lives as
 * long as the packs. Exact names are found in a hash table; regexes are
 * tried in pack order (JIT-compiled once, match data per call). The merged
 * result for a name is computed once and cached (under a lock). */
const ll_function_rule *ll_packs_lookup(ll_packs *packs, const char *name);

/* The blocking rule that applies to this call (the first whose condition
 * holds for the call's arguments), or NULL. */
const ll_blocking_rule *ll_function_rule_blocking(const ll_function_rule *rule,
                                                  const ll_call *call);

/* Whether a condition holds for a call (see ll_condition). */
bool ll_condition_holds(const ll_condition *condition, const ll_call *call);

#endif
