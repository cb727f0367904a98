/*
 * branch.h - what a branch of the CFG says about its tested variable.
 *
 * A BRANCH block tests `variable RELATION constant` (facts.h): its first
 * successor is the side where the test holds, its second the side where
 * it does not. Checks that follow or explain paths need the relation that
 * holds on the side they take, and words for it in notes ("assuming 'q'
 * is not NULL").
 */
#ifndef LOOPLINT_BRANCH_H
#define LOOPLINT_BRANCH_H

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

#endif
