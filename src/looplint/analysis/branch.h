/*
 * branch.h - what a branch of the CFG says about its tested variable.
 *
 * A BRANCH block tests `variable RELATION constant` (facts.h): its first
 * successor is the side where the test holds, its second the side where
 * it does not. Checks that follow or explain paths need the relation that
 * holds on the side they take, and words for it in notes ("assuming 'q'
 * is not NULL"); and, when the test reads a call's result, whether a side
 * is taken only when that call failed. A call fails as RUNTIME.md says:
 * with a negative result, or NULL, when it returns a handle (the packs'
 * `acquire ... handle=return fail=negative|null`); with anything but 0
 * otherwise (0, or -1 with errno).
 */
#ifndef LOOPLINT_BRANCH_H
#define LOOPLINT_BRANCH_H

#include "../packs/pack.h"
#include "facts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The relation that holds when `block` is left by successor `successor`
 * (0: the test holds, 1: it does not); LL_RELATION_UNKNOWN when the block
 * is not a branch on a known test. */
enum ll_relation ll_branch_relation(const ll_block *block, uint32_t successor);

/* Words for `x RELATION constant` without the x: "is NULL" (a pointer
 * equal to 0), "is negative", "is at least 3"... Written into `buffer`. */
const char *ll_relation_words(enum ll_relation relation, int64_t constant, bool pointer,
                              char *buffer, size_t size);

/* The call whose result the test of `block` (a branch) reads: the last
 * assignment of the tested variable in the block, through copies between
 * variables; for a temporary assigned nowhere in the block, its one
 * producing call. LL_NONE when there is none or it is not a call. */
ll_index ll_branch_tested_call(const ll_function *function, const ll_block *block);

/* Whether leaving `block` by successor `successor` happens only when the
 * call its test reads (whose rule is `rule`) failed: every value the side
 * admits is a failure value. */
bool ll_branch_only_on_failure(const ll_block *block, uint32_t successor,
                               const ll_function_rule *rule);

#endif
