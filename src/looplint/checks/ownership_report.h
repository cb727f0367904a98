/*
 * ownership_report.h - the run that unclosed-resource and untracked-task
 * share: the ownership engine over the whole program with its summaries,
 * one finding per defect, and the same notes after each.
 *
 * A check gives the kinds of handle it follows and how it words a defect;
 * this runs the engine (analysis/ownership.h) with the program's
 * summaries (analysis/summary.h) and, after each finding, adds where a
 * handle returned by a function comes from and the path that loses it.
 */
#ifndef LOOPLINT_OWNERSHIP_REPORT_H
#define LOOPLINT_OWNERSHIP_REPORT_H

#include "check.h"

#include "../analysis/ownership.h"

#include <stdint.h>

/* The finding for one defect of `function`, made with ll_check_report at
 * the acquiring call; NULL when out of memory. */
typedef ll_finding *(*ll_defect_finding)(const ll_check_context *context, ll_findings *out,
                                         const ll_unit *unit, const ll_function *function,
                                         const ll_ownership_defect *defect);

/* Reports every defect the ownership engine finds over the program for
 * handles of `kinds` (LL_OWNERSHIP_KIND(...) or'ed), counting into the
 * context's statistics: the finding `finding` makes, then the notes on
 * where the handle comes from and on its path. Nothing without a program
 * or packs. 0, or -1 when out of memory. */
int ll_check_ownership_defects(const ll_check_context *context, ll_findings *out, uint32_t kinds,
                               ll_defect_finding finding);

#endif
