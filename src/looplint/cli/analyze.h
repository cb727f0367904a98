/*
 * analyze.h - the pipeline shared by `check` and `verify`:
 * plan -> extract (or reuse cached facts) -> link -> checks -> findings.
 *
 * Units are kept in plan order whatever order the worker threads finish
 * in, and findings are sorted, so the result is the same for any -j.
 */
#ifndef LOOPLINT_ANALYZE_H
#define LOOPLINT_ANALYZE_H

#include "analysis/error.h"
#include "analysis/finding.h"
#include "analysis/program.h"
#include "front/front.h"
#include "packs/pack.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ll_analysis_options {
    unsigned jobs; /* 0: one per core */
    ll_packs *packs;
    const char *const *enabled;  /* --enable IDs (and ID:OPTION), NULL-terminated */
    const char *const *disabled; /* --disable IDs, NULL-terminated */
    ll_store *store;             /* NULL: nothing stored, nothing reused */
    bool use_cache;              /* reuse stored facts of unchanged TUs */
    bool quiet;                  /* no progress line */
} ll_analysis_options;

typedef struct ll_analysis {
    ll_unit **units; /* plan order */
    size_t unit_count;
    ll_program *program;
    ll_findings findings; /* sorted */
    ll_statistics statistics;
} ll_analysis;

/* Runs the pipeline. Returns 0, or -1 with an error (out of memory, the
 * store failed). Units that do not parse still give a unit (and
 * clang-diagnostic findings). */
int ll_analysis_run(const ll_plan *plan, const ll_analysis_options *options, ll_analysis *analysis,
                    ll_error *error);
void ll_analysis_free(ll_analysis *analysis);

/* Whether a check id is enabled under the options (defaults: every
 * registered check, and clang-diagnostic, are on). */
bool ll_analysis_rule_enabled(const ll_analysis_options *options, const char *id);

/* Validates --enable/--disable ids: 0, or -1 with "unknown check 'x'". */
int ll_analysis_validate_rules(const char *const *ids, ll_error *error);

/* Monotonic seconds. */
double ll_seconds(void);

#endif
