/*
 * undrained.h - the queues a function closes while tasks consuming them
 * may still be at work (the dataflow behind `queue-not-drained`).
 *
 * The check says what each call of the function does to queues - starts
 * consumer tasks (of the queue in one of its arguments, or of queues it
 * cannot name), drains a queue (or possibly any), closes one - and this
 * module follows the paths: a close is undrained when some path from a
 * call that started consumers reaches it without a drain of the same
 * queue on the way. It is a forward may-dataflow over the function's CFG
 * with one bit per queue handle, "consumers started, not drained since":
 *  - a start sets the bit of its queue, or every bit when the queue is not
 *    known ("some task started here consumes some queue");
 *  - a drain clears the bit of its queue (every bit when not known); so
 *    does a close (what follows is another queue's story), assigning the
 *    handle's variable, and the branch on which the handle is NULL (the
 *    failure branch of its open: nothing to drain);
 *  - an effect that needs its call to succeed happens, when the block ends
 *    in the call's own failure test, on the other sides of that test (a
 *    spawn that failed started nothing);
 *  - the union at joins keeps every path.
 * A handle is a local variable, or an expression that is not one
 * (`app->queue`, `queues[i]`) compared by its tokens as written, as
 * callsite.h does for cancelled tasks: the same queue must be written the
 * same way to be recognised.
 *
 * For each undrained close, one witness path is kept for the notes: the
 * shortest path in blocks from the first start (in call order) that
 * reaches the close with its bit still set, with the branches where it
 * goes around a drain marked.
 */
#ifndef LOOPLINT_UNDRAINED_H
#define LOOPLINT_UNDRAINED_H

#include "facts.h"

#include <stdbool.h>
#include <stdint.h>

enum ll_queue_effect_kind {
    LL_QUEUE_EFFECT_NONE = 0,
    LL_QUEUE_EFFECT_STARTS,     /* starts consumers of the queue in .argument */
    LL_QUEUE_EFFECT_STARTS_ANY, /* starts consumers of queues it cannot name */
    LL_QUEUE_EFFECT_DRAINS,     /* drains the queue in .argument */
    LL_QUEUE_EFFECT_DRAINS_ANY, /* may drain any queue, or end its consumers */
    LL_QUEUE_EFFECT_CLOSES,     /* closes the queue in .argument */
};

/* An effect that needs the call to succeed (a spawn that failed started
 * nothing; a join that timed out ended nothing), when the call's own
 * failure test ends its block (`t = spawn(...); if (t == NULL)`), happens
 * on leaving the block by any side but the failure one. */
#define LL_QUEUE_EFFECT_AT_CALL UINT32_MAX

typedef struct ll_queue_effect {
    enum ll_queue_effect_kind kind;
    uint32_t argument; /* 1-based: STARTS, DRAINS, CLOSES */
    /* the successor of the call's block taken only when the call failed,
       or LL_QUEUE_EFFECT_AT_CALL: the effect happens at the call */
    uint32_t failure_successor;
} ll_queue_effect;

/* One step of a path: leaving `block` through its successor number
 * `successor` (for a branch, 0 is the side where the test holds).
 * `skips_drain`: this is where the path goes around the drains of the
 * queue - no drain can follow before the close on the side it takes, one
 * can on another side. */
typedef struct ll_path_step {
    ll_index block;
    uint32_t successor;
    bool skips_drain;
} ll_path_step;

typedef struct ll_undrained {
    ll_index close;      /* the call that closes the queue */
    ll_index start;      /* a call before it that started consumers */
    ll_path_step *steps; /* from the start's block to the close's block */
    uint32_t step_count;
} ll_undrained;

typedef struct ll_undrained_result {
    ll_undrained *closes; /* in call order */
    uint32_t close_count;
    uint32_t unnamed; /* closes of a handle that is neither a variable nor
                         readable tokens: not judged */
} ll_undrained_result;

/* Runs the analysis over `function`, where effects[c] is what call c does
 * (one element per call). 0, or -1 when out of memory. */
int ll_undrained_find(const ll_function *function, const ll_queue_effect *effects,
                      ll_undrained_result *result);
void ll_undrained_result_free(ll_undrained_result *result);

#endif
