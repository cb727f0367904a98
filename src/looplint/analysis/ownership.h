/*
 * ownership.h - path-sensitive ownership of handles within one function.
 *
 * A handle is what an acquiring call produces (a FILE *, an fd, a task, a
 * pool, a lock, a queue item): a call the packs describe as an acquire, or
 * a call of a user function whose summary says it returns an owned
 * resource (summary.h: `make_conn()` returning `nest_pool_open(...)`). The
 * analysis follows every path of one function's CFG and reports, per
 * acquiring call, the first path on which a handle it produced is lost
 * while still owned: it reaches a `return` without being released or
 * escaping, the last variable holding it is assigned again, or the call's
 * result is thrown away.
 *
 * It understands what C code does around handles: the failure branch of
 * the handle's own check (`if (!p)`, `if (fd < 0)`, a non-zero result of a
 * call filling an out-parameter) is not a leak; copies are aliases; a join
 * with a finite deadline releases only where its result says it succeeded;
 * branches on the same unchanged condition are correlated. Responsibility
 * ends (silently) when the handle is returned, stored outside the locals,
 * given to a function that takes it, or passed to a function the packs do
 * not describe and whose summary is unknown (counted: the analysis cannot
 * know what it does). With the program's summaries, a user function that
 * releases the handle on every path releases it (`conn_free(c)`), one that
 * keeps it takes it, one that only uses it borrows it, and a call of a
 * function that never returns ends the path.
 *
 * A queue item (kind `queue-item`) is released through a sibling: the
 * item-done role called on the queue the item was got from (the get's
 * queue argument: the same variable, or the same tokens). Its obligation
 * ends there, or when the item is handed on (stored, taken, returned);
 * passing the item to a function to use it does not end it, and reaching
 * the next get on the same queue with the item not done is a defect.
 *
 * Besides the defects, the result says what became of every handle on
 * all paths (its fates): the summaries are built from the fates of the
 * parameters (followed as handles the caller owns) and of what a function
 * returns, and `session-per-request` reads whether a session is released
 * within the loop iteration that acquired it.
 *
 * Which kinds of handle to follow is the caller's choice, so the checks for
 * resources, tasks, sessions and queue items share this engine. When a
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

struct ll_summaries;

typedef struct ll_ownership_options {
    uint32_t kinds;       /* LL_OWNERSHIP_KIND(LL_RESOURCE) | ... */
    uint32_t state_limit; /* 0: LL_OWNERSHIP_STATE_LIMIT */
    /* The linked program holding the function, and what its functions do
       (summary.h), to see through calls of user functions; without both,
       any user function may keep a handle it is given. */
    const ll_program *program;
    const struct ll_summaries *summaries;
    /* For the summaries: also follow parameters as handles the caller
       owns (bit n-1 of `parameters`: parameter n), and as queues whose
       item the caller holds (`queue_parameters`); their fates are in the
       result's handles. */
    uint32_t parameters;
    uint32_t queue_parameters;
} ll_ownership_options;

enum ll_ownership_defect_kind {
    LL_OWNERSHIP_LEAK = 0,  /* still owned when a `return` is reached */
    LL_OWNERSHIP_OVERWRITE, /* the last variable holding it is assigned */
    LL_OWNERSHIP_DISCARD,   /* the acquiring call's result is thrown away */
    LL_OWNERSHIP_NEXT_GET,  /* a queue item not done when the next get on
                               its queue runs (at that get) */
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
    ll_location location;           /* the return, the overwriting operation, the
                                       next get (NEXT_GET), or the call itself
                                       (DISCARD) */
    ll_index next_call;             /* NEXT_GET: the get that ran next */
    ll_ownership_step *steps;       /* branch decisions after the acquisition */
    uint32_t step_count;
    uint32_t steps_omitted; /* decisions left out between the first and the
                               last ones (LL_OWNERSHIP_STEP_LIMIT) */
} ll_ownership_defect;

/* What became of a handle, over all the paths (bits). */
enum {
    LL_FATE_RELEASED = 1u << 0,    /* released: a release, a join, the item-done role,
                                      a function that releases it */
    LL_FATE_ESCAPED = 1u << 1,     /* stored outside the locals, or given to a function
                                      that takes it */
    LL_FATE_RETURNED = 1u << 2,    /* returned to the caller */
    LL_FATE_UNKNOWN = 1u << 3,     /* given to a function whose effect is not known */
    LL_FATE_HELD = 1u << 4,        /* still held at a return */
    LL_FATE_OVERWRITTEN = 1u << 5, /* the last variable holding it was assigned */
    LL_FATE_DISCARDED = 1u << 6,   /* the acquiring call's result was thrown away */
    LL_FATE_NEXT_GET = 1u << 7,    /* a queue item: the next get on its queue ran */
    LL_FATE_LEFT_LOOP = 1u << 8,   /* still held when its loop iteration ended (the loop
                                      was left, or the acquisition ran again) */
};

/* A handle the analysis followed: an acquiring call's, or a parameter's. */
typedef struct ll_ownership_handle {
    ll_index call;                  /* the acquiring call; LL_NONE for a parameter */
    uint32_t parameter;             /* the parameter (from 1); 0 for a call */
    bool queue;                     /* a parameter followed as a queue */
    const ll_acquire_rule *acquire; /* what the call acquires */
    ll_index loop;                  /* the innermost loop holding the call, or LL_NONE */
    uint32_t fates;                 /* LL_FATE_* */
    ll_location released;           /* where it was first released (LL_FATE_RELEASED) */
} ll_ownership_handle;

/* What the function's returns return (bits). */
enum {
    LL_RETURNS_HANDLE = 1u << 0,   /* a handle it holds (see LL_FATE_RETURNED) */
    LL_RETURNS_ZERO = 1u << 1,     /* 0 or NULL */
    LL_RETURNS_NEGATIVE = 1u << 2, /* a negative constant */
    LL_RETURNS_POSITIVE = 1u << 3, /* a positive constant */
    LL_RETURNS_OTHER = 1u << 4,    /* anything else, or nothing (`return;`) */
};

typedef struct ll_ownership_result {
    ll_ownership_defect *defects; /* one per acquiring call at most, in
                                     the order of their blocks */
    uint32_t defect_count;
    bool gave_up;                 /* the state limit was reached: no defects, and
                                     the fates and returns are incomplete */
    uint32_t unknown_calls;       /* calls not described by the packs or the
                                     summaries that were given a handle
                                     (responsibility ended there) */
    ll_ownership_handle *handles; /* the acquiring calls followed, in the
                                     order of their blocks, then the
                                     parameters */
    uint32_t handle_count;
    uint32_t returns; /* LL_RETURNS_*; 0 when no return is reachable */
} ll_ownership_result;

/* Analyses one defined function. Returns 0 with *result filled (free it
 * with ll_ownership_result_free), or -1 when out of memory. */
int ll_ownership_analyze(const ll_function *function, ll_packs *packs,
                         const ll_ownership_options *options, ll_ownership_result *result);
void ll_ownership_result_free(ll_ownership_result *result);

/* The argument of an acquiring call of kind queue-item that names its
 * queue: the first argument the packs say it borrows, else the first that
 * is neither the handle nor the deadline; 0 when there is none. */
uint32_t ll_ownership_queue_argument(const ll_function_rule *rule, uint32_t argument_count);

/* Runs the analysis over every definition of the program (or those that
 * `scope`, indexed by function id, flags; NULL: all), in function order,
 * with the summaries, calling `visit` with each result (which it must not
 * keep); each result is added to the counters (statistics may be NULL).
 * 0, or -1 when out of memory or when `visit` fails. */
typedef int (*ll_ownership_visit)(void *context, uint32_t id, const ll_unit *unit,
                                  const ll_function *function, const ll_ownership_result *result);
int ll_ownership_each(const ll_program *program, ll_packs *packs,
                      const struct ll_summaries *summaries, const bool *scope, uint32_t kinds,
                      ll_statistics *statistics, ll_ownership_visit visit, void *context);

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

/* When call `call` of function `id` acquires through a user function
 * that returns an owned resource, appends a note per function down to
 * the acquire that made it ("'make_pool' returns the handle from
 * 'nest_pool_open' here"). 0, or -1 when out of memory. */
int ll_ownership_add_origin_notes(ll_finding *finding, const ll_program *program,
                                  const struct ll_summaries *summaries, uint32_t id, ll_index call);

/* Appends the notes that explain a defect's path: one per branch decision
 * ("assuming 'fd' is not negative", "taking the true branch"), then where
 * the handle is lost ("'fp' is still owned when the function returns
 * here", "'t' is overwritten here"). 0, or -1 when out of memory. */
int ll_ownership_add_notes(ll_finding *finding, const ll_unit *unit, const ll_function *function,
                           const ll_ownership_defect *defect);

#endif
