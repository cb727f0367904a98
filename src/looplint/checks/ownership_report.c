/*
 * ownership_report.c - the ownership run and notes that unclosed-resource
 * and untracked-task share (ownership_report.h).
 */
#include "ownership_report.h"

#include "../analysis/summary.h"

typedef struct run {
    const ll_check_context *context;
    const ll_summaries *summaries;
    ll_findings *out;
    ll_defect_finding finding;
} run;

static int report(const run *checking, uint32_t id, const ll_unit *unit,
                  const ll_function *function, const ll_ownership_defect *defect)
{
    ll_finding *finding =
        checking->finding(checking->context, checking->out, unit, function, defect);
    if (!finding || ll_ownership_add_origin_notes(finding, checking->context->program,
                                                  checking->summaries, id, defect->call) < 0)
        return -1;
    return ll_ownership_add_notes(finding, unit, function, defect);
}

static int visit(void *context, uint32_t id, const ll_unit *unit, const ll_function *function,
                 const ll_ownership_result *result)
{
    for (uint32_t i = 0; i < result->defect_count; i++)
        if (report(context, id, unit, function, &result->defects[i]) < 0)
            return -1;
    return 0;
}

int ll_check_ownership_defects(const ll_check_context *context, ll_findings *out, uint32_t kinds,
                               ll_defect_finding finding)
{
    if (!context->program || !context->packs)
        return 0;
    ll_summaries *own;
    const ll_summaries *summaries =
        ll_summaries_use(context->summaries, context->program, context->packs, &own);
    if (!summaries)
        return -1;
    run checking = {context, summaries, out, finding};
    int status = ll_ownership_each(context->program, context->packs, summaries, context->scope,
                                   kinds, context->statistics, visit, &checking);
    ll_summaries_free(own);
    return status;
}
