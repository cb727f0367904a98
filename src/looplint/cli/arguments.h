/*
 * arguments.h - a small command-line scanner for the subcommands.
 *
 * Accepts `--name value`, `--name=value`, `-x value`, `-xVALUE`, bare
 * flags, `--` and positional operands, in any order, the way getopt_long
 * users expect, without getopt's process-wide state.
 */
#ifndef LOOPLINT_ARGUMENTS_H
#define LOOPLINT_ARGUMENTS_H

#include <stdbool.h>

typedef struct ll_option_spec {
    const char *long_name; /* "jobs" for --jobs */
    char short_name;       /* 'j', or 0 */
    bool takes_value;
} ll_option_spec;

typedef struct ll_arguments {
    int count;
    char **values;
    int next;
    bool operands_only; /* after `--` */
    const ll_option_spec *specs;
} ll_arguments;

enum ll_argument_kind {
    LL_ARGUMENT_END = 0,
    LL_ARGUMENT_OPTION,  /* .spec and (if it takes one) .value */
    LL_ARGUMENT_OPERAND, /* .value */
    LL_ARGUMENT_ERROR,   /* .message says what is wrong */
};

typedef struct ll_argument {
    enum ll_argument_kind kind;
    const ll_option_spec *spec;
    const char *value;
    char message[256];
} ll_argument;

/* specs is terminated by an entry with long_name NULL. */
void ll_arguments_init(ll_arguments *arguments, int count, char **values,
                       const ll_option_spec *specs);
ll_argument ll_arguments_next(ll_arguments *arguments);

#endif
