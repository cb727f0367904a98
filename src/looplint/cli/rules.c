/*
 * rules.c - `looplint rules`: the checks and the loaded packs; with
 * --check FILE, validate a pack (errors as FILE:LINE:COL: message).
 */
#include "arguments.h"
#include "checks/check.h"
#include "cli.h"
#include "commands.h"
#include "locate.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: looplint rules [--rules PACK]... [--check PACK]...\n"
    "\n"
    "Lists the checks (id, default severity, what they find) and the rule\n"
    "packs loaded by default and by --rules. With --check, validates each\n"
    "PACK and prints its errors as FILE:LINE:COL: message (exit 1 when one\n"
    "is invalid).\n";

static const ll_option_spec specs[] = {
    {"rules", 0, true}, {"check", 0, true}, {"help", 'h', false}, {NULL, 0, false}};

static int validate(const char *const *paths, size_t count)
{
    int status = LL_EXIT_CLEAN;
    for (size_t i = 0; i < count; i++) {
        ll_packs *packs = ll_packs_new();
        ll_error error = {{0}};
        if (!packs)
            return LL_EXIT_ANALYSIS;
        if (ll_packs_load_file(packs, paths[i], &error) < 0) {
            printf("%s\n", error.message);
            status = LL_EXIT_FINDINGS;
        } else {
            printf("%s: ok (pack '%s', %u function lines)\n", paths[i], ll_packs_name(packs, 0),
                   ll_packs_line_count(packs, 0));
        }
        ll_packs_free(packs);
    }
    return status;
}

static void list(const ll_packs *packs)
{
    size_t count;
    const ll_check *const *checks = ll_checks(&count);
    printf("checks:\n");
    for (size_t i = 0; i < count; i++)
        printf("  %-20s %-8s %s\n", checks[i]->id, ll_severity_name(checks[i]->severity),
               checks[i]->summary);
    printf("  %-20s %-8s %s\n", "clang-diagnostic", "error",
           "an error clang reports while parsing a translation unit");
    printf("packs:\n");
    for (uint32_t i = 0; i < ll_packs_count(packs); i++)
        printf("  %-20s %5u lines  %s\n", ll_packs_name(packs, i), ll_packs_line_count(packs, i),
               ll_packs_path(packs, i));
}

int ll_command_rules(int argc, char **argv)
{
    const char *extra[64] = {0}, *checks[64] = {0};
    size_t extra_count = 0, check_count = 0;
    ll_arguments arguments;
    ll_arguments_init(&arguments, argc - 1, argv + 1, specs);
    for (ll_argument argument = ll_arguments_next(&arguments); argument.kind != LL_ARGUMENT_END;
         argument = ll_arguments_next(&arguments)) {
        if (argument.kind != LL_ARGUMENT_OPTION) {
            fprintf(stderr, "looplint rules: %s\n%s",
                    argument.kind == LL_ARGUMENT_ERROR ? argument.message : "unexpected operand",
                    usage);
            return LL_EXIT_USAGE;
        }
        if (strcmp(argument.spec->long_name, "help") == 0) {
            fputs(usage, stdout);
            return LL_EXIT_CLEAN;
        }
        bool is_check = strcmp(argument.spec->long_name, "check") == 0;
        size_t *count = is_check ? &check_count : &extra_count;
        if (*count >= 63) {
            fprintf(stderr, "looplint rules: too many packs\n");
            return LL_EXIT_USAGE;
        }
        (is_check ? checks : extra)[(*count)++] = argument.value;
    }
    if (check_count)
        return validate(checks, check_count);
    ll_error error = {{0}};
    ll_packs *packs = ll_cli_load_packs(extra, &error);
    if (!packs) {
        ll_cli_error(error.message);
        return LL_EXIT_USAGE;
    }
    list(packs);
    ll_packs_free(packs);
    return LL_EXIT_CLEAN;
}
