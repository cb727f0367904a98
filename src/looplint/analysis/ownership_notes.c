/*
 * ownership_notes.c - how an ownership defect (ownership.h) is explained:
 * the names a message uses and the notes that retrace the path.
 *
 * A note per branch decision says what the path assumed, in the terms the
 * user wrote: the tested variable and what it is ("assuming 'fd' is not
 * negative"), or for a call's result tested in place, the call ("assuming
 * the result of 'nest_join' is 0"); a test the CFG could not read says
 * which way it went. The last note is where the handle was lost: a return
 * it reaches still owned, the assignment that overwrites it, or (a queue
 * item) the next get on its queue.
 */
#include "ownership.h"

#include "branch.h"
#include "summary.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *ll_ownership_call_name(const ll_call *call, char *buffer, size_t size)
{
    const char *text = call->text ? call->text : "";
    size_t length = 0;
    if (isalpha((unsigned char)text[0]) || text[0] == '_')
        while (isalnum((unsigned char)text[length]) || text[length] == '_')
            length++;
    if (length == 0 || length >= size) {
        snprintf(buffer, size, "%s", call->callee_name ? call->callee_name : "?");
        return buffer;
    }
    memcpy(buffer, text, length);
    buffer[length] = '\0';
    return buffer;
}

const char *ll_ownership_variable_name(const ll_function *function, ll_index variable)
{
    if (variable >= function->variable_count)
        return NULL;
    const ll_variable *v = &function->variables[variable];
    if (v->kind == LL_VARIABLE_TEMPORARY || !v->name || !v->name[0])
        return NULL;
    return v->name;
}

/* The call whose result a temporary holds, or LL_NONE. */
static ll_index producing_call(const ll_function *function, ll_index variable)
{
    for (uint32_t b = 0; b < function->block_count; b++) {
        const ll_block *block = &function->blocks[b];
        for (uint32_t o = 0; o < block->operation_count; o++) {
            const ll_operation *operation = &block->operations[o];
            if (operation->kind == LL_OPERATION_CALL && operation->target == variable &&
                operation->call < function->call_count)
                return operation->call;
        }
    }
    return LL_NONE;
}

static int add_note(ll_finding *finding, const ll_unit *unit, ll_location location,
                    const char *message)
{
    return ll_finding_add_note(finding, ll_unit_file_path(unit, location), location.line,
                               location.column, "%s", message);
}

static int step_note(ll_finding *finding, const ll_unit *unit, const ll_function *function,
                     const ll_ownership_step *step)
{
    char message[256];
    char condition[64];
    char callee[128];
    const char *side = step->taken ? "true" : "false";
    snprintf(message, sizeof message, "taking the %s branch", side);
    if (step->variable != LL_NONE && step->variable < function->variable_count) {
        ll_relation_words(step->relation, step->constant,
                          function->variables[step->variable].is_pointer, condition,
                          sizeof condition);
        const char *name = ll_ownership_variable_name(function, step->variable);
        ll_index call = name ? LL_NONE : producing_call(function, step->variable);
        if (name)
            snprintf(message, sizeof message, "assuming '%s' %s", name, condition);
        else if (call != LL_NONE)
            snprintf(message, sizeof message, "assuming the result of '%s' %s",
                     ll_ownership_call_name(&function->calls[call], callee, sizeof callee),
                     condition);
    }
    return add_note(finding, unit, step->location, message);
}

int ll_ownership_add_notes(ll_finding *finding, const ll_unit *unit, const ll_function *function,
                           const ll_ownership_defect *defect)
{
    for (uint32_t i = 0; i < defect->step_count; i++)
        if (step_note(finding, unit, function, &defect->steps[i]) < 0)
            return -1;
    const char *name = ll_ownership_variable_name(function, defect->variable);
    char holder[160];
    char message[512]; /* holder, a call name and the words around them */
    if (name)
        snprintf(holder, sizeof holder, "'%s'", name);
    else if (defect->acquire->kind == LL_RESOURCE_QUEUE_ITEM)
        snprintf(holder, sizeof holder, "the item");
    else
        snprintf(holder, sizeof holder, "the handle");
    switch (defect->kind) {
    case LL_OWNERSHIP_LEAK:
        snprintf(message, sizeof message,
                 defect->acquire->kind == LL_RESOURCE_QUEUE_ITEM
                     ? "%s is not marked done when the function returns here"
                     : "%s is still owned when the function returns here",
                 holder);
        break;
    case LL_OWNERSHIP_OVERWRITE:
        snprintf(message, sizeof message, "%s is overwritten here", holder);
        break;
    case LL_OWNERSHIP_NEXT_GET: {
        char next[128] = "the next get";
        if (defect->next_call < function->call_count)
            ll_ownership_call_name(&function->calls[defect->next_call], next, sizeof next);
        snprintf(message, sizeof message,
                 "%s is not marked done when '%s' gets the next item of its queue here", holder,
                 next);
        break;
    }
    case LL_OWNERSHIP_DISCARD:
        return 0;
    }
    return add_note(finding, unit, defect->location, message);
}

int ll_ownership_add_origin_notes(ll_finding *finding, const ll_program *program,
                                  const ll_summaries *summaries, uint32_t id, ll_index call)
{
    uint32_t count = ll_program_function_count(program);
    /* Each step goes down one function that returns an owned resource;
       a cycle of them is cut at the number of functions. */
    for (uint32_t depth = 0; depth < count; depth++) {
        uint32_t callee = ll_program_callee(program, id, call);
        ll_index origin = LL_NONE;
        if (callee == LL_NONE || !ll_summary_acquires(summaries, callee, &origin))
            return 0;
        const ll_unit *unit;
        const ll_function *function = ll_program_function(program, callee, &unit);
        if (origin >= function->call_count)
            return 0;
        char name[128];
        ll_ownership_call_name(&function->calls[origin], name, sizeof name);
        char message[320];
        snprintf(message, sizeof message, "'%s' returns the handle from '%s' here",
                 function->name ? function->name : "?", name);
        if (add_note(finding, unit, function->calls[origin].location, message) < 0)
            return -1;
        id = callee;
        call = origin;
    }
    return 0;
}
