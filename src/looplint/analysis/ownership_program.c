/*
 * ownership_program.c - the ownership analysis over a whole linked
 * program (ll_ownership_each, ownership.h): what the checks built on the
 * engine share, so that each of them only says which kinds it follows
 * and how it words what the engine found.
 */
#include "ownership.h"

int ll_ownership_each(const ll_program *program, ll_packs *packs,
                      const struct ll_summaries *summaries, const bool *scope, uint32_t kinds,
                      ll_statistics *statistics, ll_ownership_visit visit, void *context)
{
    ll_ownership_options options = {.kinds = kinds, .program = program, .summaries = summaries};
    uint32_t count = ll_program_function_count(program);
    for (uint32_t id = 0; id < count; id++) {
        if (scope && !scope[id])
            continue;
        const ll_unit *unit;
        const ll_function *function = ll_program_function(program, id, &unit);
        ll_ownership_result result;
        if (ll_ownership_analyze(function, packs, &options, &result) < 0)
            return -1;
        ll_ownership_account(&result, statistics);
        int status = visit(context, id, unit, function, &result);
        ll_ownership_result_free(&result);
        if (status < 0)
            return -1;
    }
    return 0;
}
