/*
 * ownership.h - path-sensitive ownership of handles within one function.
 *
 * A handle is what an acquiring call of the packs produces (a FILE *, an
 * fd, a task, a pool, a lock, a queue item). The analysis follows every
 * path of one function's CFG and reports, per acquiring call, the first
 * path on which a handle it produced is lost while still owned: it reaches
 * a `return` without being released or escaping, the last variable holding
 * it is assigned again, or the call's result is thrown away.
 *
 * It understands what C code does around handles: the failure branch of
 * the handle's own check (`if (!p)`, `if (fd < 0)`, a non-zero result of a
 * call filling an out-parameter) is not a leak; copies are aliases; a join
 * with a finite deadline releases only where its result says it succeeded;
 * branches on the same unchanged condition are correlated. Responsibility
 * ends (silently) when the handle is returned, stored outside the locals,
 * given to a function that takes it, or passed to a function the packs do
 * not describe (counted: the analysis cannot know what it does) - unless
 * the linked program shows that function only borrows it.
 *
 * Which kinds of handle to follow is the caller's choice, so the checks for
 * resources, tasks, locks and queue items share this engine. When a
 * function has too many distinct path states the analysis gives up on it
 * and reports nothing (a partial analysis would report false paths).
 */
#ifndef LOOPLINT_OWNERSHIP_H
#define LOOPLINT_OWNERSHIP_H

#include "facts.h"
#include "finding.h"
#include "program.h"

#include "../packs/pack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bit of ll_ownership_options.kinds that selects a resource kind. */
#define LL_OWNERSHIP_KIND(kind) (1u << (kind))

/* Distinct states kept per block before giving up on a function. */
#define LL_OWNERSHIP_STATE_LIMIT 64

/* Branch decisions kept on a defect's path (the first one, which is
 * usually the handle's own check, and the last ones before the exit). */
#define LL_OWNERSHIP_STEP_LIMIT 6

typedef struct ll_ownership_options {
    uint32_t kinds;       /* LL_OWNERSHIP_KIND(LL_RESOURCE) | ... */
    uint32_t state_limit; /* 0: LL_OWNERSHIP_STATE_LIMIT */
    /* The linked program holding the function, to see through calls of
       user functions (ll_ownership_borrows); NULL: any user function may
       keep a handle it is given. */
    const ll_program *program;
} ll_ownership_options;

enum ll_ownership_defect_kind {
    LL_OWNERSHIP_LEAK = 0,  /* still owned when a `return` is reached */
    LL_OWNERSHIP_OVERWRITE, /* the last variable holding it is assigned */
    LL_OWNERSHIP_DISCARD,   /* the acquiring call's result is thrown away */
};

/* One branch decision on the path to a defect. */
typedef struct ll_ownership_step {
    ll_location location;      /* the branch's condition */
    ll_index variable;         /* the tested variable; LL_NONE for an unknown test */
    enum ll_relation relation; /* what holds on the side taken: the test's
                                  relation, negated on the false side */
    int64_t constant;
    bool taken; /* the test held */
} ll_ownership_step;

typedef struct ll_ownership_defect {
    enum ll_ownership_defect_kind kind;
    ll_index call;                  /* the acquiring call */
    const ll_acquire_rule *acquire; /* what it acquires */
    ll_index variable;              /* a variable holding the handle at the defect (a
                                       named one when there is one); LL_NONE */
    ll_location location;           /* the return, the overwriting operation, or the
                                       call itself (DISCARD) */
    ll_ownership_step *steps;       /* branch decisions after the acquisition */
    uint32_t step_count;
    uint32_t steps_omitted; /* decisions left out between the first and the
                               last ones (LL_OWNERSHIP_STEP_LIMIT) */
} ll_ownership_defect;

typedef struct ll_ownership_result {
    ll_ownership_defect *defects; /* one per acquiring call at most, in
                                     call order */
    uint32_t defect_count;
    bool gave_up;           /* the state limit was reached: no defects */
    uint32_t unknown_calls; /* calls not described by the packs that were
                               given a handle (responsibility ended there) */
} ll_ownership_result;

/* Analyses one defined function. Returns 0 with *result filled (free it
 * with ll_ownership_result_free), or -1 when out of memory. */
int ll_ownership_analyze(const ll_function *function, ll_packs *packs,
                         const ll_ownership_options *options, ll_ownership_result *result);
void ll_ownership_result_free(ll_ownership_result *result);

/* Whether function `id` of the program only borrows a handle passed as
 * its parameter `parameter` (from 1): neither it nor any function it
 * passes the handle on to stores, returns, releases or takes it. False
 * whenever that cannot be shown (ownership_summary.c). */
bool ll_ownership_borrows(const ll_program *program, ll_packs *packs, uint32_t id,
                          uint32_t parameter);

/* Adds a result to the run's counters (statistics may be NULL): the
 * undescribed callees given a handle, and a function given up on. */
void ll_ownership_account(const ll_ownership_result *result, ll_statistics *statistics);

/* The acquiring function's name as the user wrote it: the first token of
 * the call's text when it is an identifier (the macro's name when a macro
 * expands to the call), else the callee's name. Written into `buffer`. */
const char *ll_ownership_call_name(const ll_call *call, char *buffer, size_t size);

/* The name of a variable for messages, or NULL for temporaries and
 * LL_NONE. */
const char *ll_ownership_variable_name(const ll_function *function, ll_index variable);

/* Appends the notes that explain a defect's path: one per branch decision
 * ("assuming 'fd' is not negative", "taking the true branch"), then where
 * the handle is lost ("'fp' is still owned when the function returns
 * here", "'t' is overwritten here"). 0, or -1 when out of memory. */
int ll_ownership_add_notes(ll_finding *finding, const ll_unit *unit, const ll_function *function,
                           const ll_ownership_defect *defect);

#endif
