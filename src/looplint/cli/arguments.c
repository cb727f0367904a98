/*
 * arguments.c - the command-line scanner (arguments.h).
 */
#include "arguments.h"

#include <stdio.h>
#include <string.h>

void ll_arguments_init(ll_arguments *arguments, int count, char **values,
                       const ll_option_spec *specs)
{
    arguments->count = count;
    arguments->values = values;
    arguments->next = 0;
    arguments->operands_only = false;
    arguments->specs = specs;
}

static const ll_option_spec *find_long(const ll_option_spec *specs, const char *name, size_t length)
{
    for (const ll_option_spec *spec = specs; spec->long_name; spec++)
        if (strlen(spec->long_name) == length && strncmp(spec->long_name, name, length) == 0)
            return spec;
    return NULL;
}

static const ll_option_spec *find_short(const ll_option_spec *specs, char name)
{
    for (const ll_option_spec *spec = specs; spec->long_name; spec++)
        if (spec->short_name && spec->short_name == name)
            return spec;
    return NULL;
}

static ll_argument error(const char *format, const char *text)
{
    ll_argument argument = {.kind = LL_ARGUMENT_ERROR};
    snprintf(argument.message, sizeof argument.message, format, text);
    return argument;
}

/* The value of an option: attached (`--x=v`, `-xv`) or the next word. */
static ll_argument with_value(ll_arguments *arguments, const ll_option_spec *spec,
                              const char *attached, const char *written)
{
    ll_argument argument = {.kind = LL_ARGUMENT_OPTION, .spec = spec};
    if (!spec->takes_value) {
        if (attached)
            return error("option '%s' takes no value", written);
        return argument;
    }
    if (attached) {
        argument.value = attached;
        return argument;
    }
    if (arguments->next >= arguments->count)
        return error("option '%s' needs a value", written);
    argument.value = arguments->values[arguments->next++];
    return argument;
}

ll_argument ll_arguments_next(ll_arguments *arguments)
{
    ll_argument argument = {.kind = LL_ARGUMENT_END};
    /* `--` ends the options and is itself no argument: skip it. */
    if (!arguments->operands_only && arguments->next < arguments->count &&
        strcmp(arguments->values[arguments->next], "--") == 0) {
        arguments->operands_only = true;
        arguments->next++;
    }
    if (arguments->next >= arguments->count)
        return argument;
    const char *word = arguments->values[arguments->next++];
    if (arguments->operands_only || word[0] != '-' || word[1] == '\0') {
        argument.kind = LL_ARGUMENT_OPERAND;
        argument.value = word;
        return argument;
    }
    if (word[1] == '-') {
        const char *name = word + 2;
        const char *equals = strchr(name, '=');
        size_t length = equals ? (size_t)(equals - name) : strlen(name);
        const ll_option_spec *spec = find_long(arguments->specs, name, length);
        if (!spec)
            return error("unknown option '%s'", word);
        return with_value(arguments, spec, equals ? equals + 1 : NULL, word);
    }
    const ll_option_spec *spec = find_short(arguments->specs, word[1]);
    if (!spec)
        return error("unknown option '%s'", word);
    return with_value(arguments, spec, word[2] ? word + 2 : NULL, word);
}
