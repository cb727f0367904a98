/*
 * analyze.h - the pipeline shared by `check` and `verify`:
 * plan -> extract (or reuse cached facts) -> link -> checks -> findings.
 *
 * Units are kept in plan order whatever order the worker threads finish
 * in, and findings are sorted, so the result is the same for any -j.
 * When no TU changed since a run over the same program (same packs,
 * configuration and rules), that run's findings are reused instead.
 * After the checks, findings in excluded files are dropped, severities
 * come from the configuration, and suppression comments are applied
 * (report.h) before the findings are sorted.
 */
#ifndef LOOPLINT_ANALYZE_H
#define LOOPLINT_ANALYZE_H

#include "analysis/error.h"
#include "analysis/finding.h"
#include "analysis/program.h"
#include "checks/check.h"
#include "config.h"
#include "front/front.h"
#include "packs/pack.h"
#include "report/report.h"
#include "store/store.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ll_analysis_options {
    unsigned jobs; /* 0: one per core */
    ll_packs *packs;
    const char *const *enabled;  /* --enable IDs (and ID:OPTION), NULL-terminated */
    const char *const *disabled; /* --disable IDs, NULL-terminated */
    const ll_config *config;     /* .looplint, overridden by the two above; may be NULL */
    /* The project root: exclusions are matched against paths relative to it,
       and the sources under it are read for ignore comments that suppress
       nothing. NULL: no exclusions, only files with findings are read. */
    const char *root;
    ll_store *store; /* NULL: nothing stored, nothing reused */
    bool use_cache;  /* reuse stored facts of unchanged TUs, and the findings
                        of a run over the same program (analyze.c) */
    /* A partial run (`check FILE...`): absolute paths, NULL-terminated.
       Only the TUs of these files (or that include them) are checked for
       changes, the others' stored facts are trusted; the whole program is
       linked, and the findings are those in these files. NULL: the whole
       program. */
    const char *const *files;
    bool quiet; /* no progress line */
    /* Set asynchronously (a signal handler) to stop: no TU is handed out
       after it is seen, and ll_analysis_run fails with "interrupted".
       NULL: never. */
    const volatile sig_atomic_t *interrupted;
} ll_analysis_options;

typedef struct ll_analysis {
    /* Plan order. When a run was reused, only each unit's path and files
       are filled (as the store knows them), and there is no program. */
    ll_unit **units;
    size_t unit_count;
    ll_program *program;
    ll_findings findings; /* sorted */
    ll_statistics statistics;
    /* A run over the whole program with a store: its program key, to record
       with ll_store_run_set_program_key so a later run can reuse it (NULL
       when it should not be reused: a TU failed to parse). */
    char *program_key;
    int64_t reused_run; /* the run whose findings were reused, or 0 */
} ll_analysis;

/* Runs the pipeline. Returns 0, or -1 with an error (out of memory, the
 * store failed). Units that do not parse still give a unit (and
 * clang-diagnostic findings). */
int ll_analysis_run(const ll_plan *plan, const ll_analysis_options *options, ll_analysis *analysis,
                    ll_error *error);
void ll_analysis_free(ll_analysis *analysis);

/* Every id a finding can carry: the registered checks, then the two that
 * the pipeline reports itself, clang-diagnostic (clang's errors) and
 * unused-suppression (report.h). */
size_t ll_analysis_rule_count(void);
const ll_check *ll_analysis_rule_at(size_t index);
const ll_check *ll_analysis_rule_find(const char *id);

/* Whether a check (or ID:OPTION) is on. The command line decides first,
 * then the configuration, then the default: every check on, every option
 * off. At each level an --enable of the id (or `all`) beats a --disable;
 * `all` never turns an option on. */
bool ll_analysis_rule_enabled(const ll_analysis_options *options, const char *id);

/* The severity of a check's findings: the configuration's, else its own. */
enum ll_severity ll_analysis_rule_severity(const ll_analysis_options *options,
                                           const ll_check *check);

/* The table the report formats describe the rules with (report.h): every
 * id, sorted, with its configured severity, whether it runs, its summary
 * and its `looplint explain` page. `options` NULL: the defaults. malloc'd
 * (the strings are not), NULL when out of memory. */
ll_report_rule *ll_analysis_report_rules(const ll_analysis_options *options, size_t *count);
/* Validates --enable/--disable ids: 0, or -1 with "unknown check 'x'". */
int ll_analysis_validate_rules(const char *const *ids, ll_error *error);

/* Monotonic seconds. */
double ll_seconds(void);

#endif
