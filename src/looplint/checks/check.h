/*
 * check.h - the interface every check implements, and the registry.
 *
 * A check is one file in checks/ defining one `const ll_check`, listed in
 * the table of registry.c. It may look at each defined function on its own
 * (check_function: intraprocedural, path-sensitive work over the CFG) and
 * at the linked program once (check_program: call graph, loop context).
 * Either hook may be NULL. Checks read what functions mean from the packs
 * and never name a library function. They append to `out`; the caller
 * sorts, fingerprints, suppresses and stores.
 *
 * check_function may run on several threads at once (one function each);
 * a check keeps no state between calls.
 */
#ifndef LOOPLINT_CHECK_H
#define LOOPLINT_CHECK_H

#include "../analysis/facts.h"
#include "../analysis/finding.h"
#include "../analysis/program.h"
#include "../packs/pack.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ll_check_context {
    const ll_program *program; /* the linked program */
    ll_packs *packs;
    /* Sub-options enabled with --enable ID:OPTION ("blocking-call:console"),
       NULL-terminated; NULL when none. */
    const char *const *options;
    ll_statistics *statistics; /* counters a check may bump (atomically) */
    /* The program's function summaries (analysis/summary.h), built once per
       run for every check that needs them; NULL: such a check builds its own
       (unit tests construct contexts by hand). */
    const struct ll_summaries *summaries;
    /* A partial run (`check FILE...`) keeps only the findings in its files:
       the functions that can have one there (defined there, or with a call
       there) are flagged, indexed by function id, and a check may skip the
       others. NULL: every function. */
    const bool *scope;
} ll_check_context;

typedef struct ll_check {
    const char *id;            /* "blocking-call" */
    enum ll_severity severity; /* default severity */
    const char *summary;       /* one line, for `looplint rules` */
    int (*check_function)(const ll_check_context *context, const ll_unit *unit,
                          const ll_function *function, ll_findings *out);
    int (*check_program)(const ll_check_context *context, ll_findings *out);
} ll_check;

/* The registered checks, in table order. */
const ll_check *const *ll_checks(size_t *count);
/* The check with this id, or NULL. */
const ll_check *ll_check_find(const char *id);
/* Whether --enable gave `option` ("blocking-call:console"). */
bool ll_check_option(const ll_check_context *context, const char *option);

/* Adds a finding of `check` at a location in `unit`, in `function`; the
 * message is printf-style. Returns the finding (to add notes) or NULL. */
ll_finding *ll_check_report(const ll_check *check, ll_findings *out, const ll_unit *unit,
                            const ll_function *function, ll_location location, const char *text,
                            const char *format, ...) __attribute__((format(printf, 7, 8)));
/* Adds a note at a location in `unit`; 0 or -1. */
int ll_check_note(ll_finding *finding, const ll_unit *unit, ll_location location,
                  const char *format, ...) __attribute__((format(printf, 4, 5)));

#endif
