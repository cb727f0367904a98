/*
 * rules.c - `looplint rules`: every check with its severity and whether it
 * is on, and the loaded packs; with --check FILE, validate a pack (errors
 * as FILE:LINE:COL: message).
 *
 * Severity and state are what `check` would use here: the configuration
 * of the project around the current directory (the nearest `.looplint`
 * upward), overridden by --enable and --disable, as in `check`.
 */
#include "analyze.h"
#include "arguments.h"
#include "cli.h"
#include "commands.h"
#include "list.h"
#include "locate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: looplint rules [--rules PACK]... [--enable ID,...] [--disable ID,...]\n"
    "       looplint rules --check PACK...\n"
    "\n"
    "Lists every check: its id, its severity and whether it is on (after the\n"
    "project's .looplint and the --enable/--disable given here), and what it\n"
    "finds; then the rule packs loaded by default, by the configuration and\n"
    "by --rules. With --check, validates each PACK and prints its errors as\n"
    "FILE:LINE:COL: message (exit 1 when one is invalid).\n";

enum { OPTION_RULES, OPTION_CHECK, OPTION_ENABLE, OPTION_DISABLE, OPTION_HELP };

static const ll_option_spec specs[] = {
    [OPTION_RULES] = {"rules", 0, true},   [OPTION_CHECK] = {"check", 0, true},
    [OPTION_ENABLE] = {"enable", 0, true}, [OPTION_DISABLE] = {"disable", 0, true},
    [OPTION_HELP] = {"help", 'h', false},  {NULL, 0, false},
};

typedef struct rules_settings {
    ll_string_list rules, checks, enabled, disabled;
} rules_settings;

static void settings_free(rules_settings *settings)
{
    ll_string_list_free(&settings->rules);
    ll_string_list_free(&settings->checks);
    ll_string_list_free(&settings->enabled);
    ll_string_list_free(&settings->disabled);
}

static int validate(const ll_string_list *paths)
{
    int status = LL_EXIT_CLEAN;
    for (size_t i = 0; i < paths->count; i++) {
        ll_packs *packs = ll_packs_new();
        ll_error error = {{0}};
        if (!packs)
            return LL_EXIT_ANALYSIS;
        if (ll_packs_load_file(packs, paths->items[i], &error) < 0) {
            printf("%s\n", error.message);
            status = LL_EXIT_FINDINGS;
        } else {
            printf("%s: ok (pack '%s', %u function lines)\n", paths->items[i],
                   ll_packs_name(packs, 0), ll_packs_line_count(packs, 0));
        }
        ll_packs_free(packs);
    }
    return status;
}

static void list(const ll_analysis_options *options, const ll_config *config)
{
    printf("checks:\n");
    for (size_t i = 0; i < ll_analysis_rule_count(); i++) {
        const ll_check *check = ll_analysis_rule_at(i);
        printf("  %-20s %-8s %-4s %s\n", check->id,
               ll_severity_name(ll_analysis_rule_severity(options, check)),
               ll_analysis_rule_enabled(options, check->id) ? "on" : "off", check->summary);
    }
    if (config->path)
        printf("configuration: %s\n", config->path);
    printf("packs:\n");
    for (uint32_t i = 0; i < ll_packs_count(options->packs); i++)
        printf("  %-20s %5u lines  %s\n", ll_packs_name(options->packs, i),
               ll_packs_line_count(options->packs, i), ll_packs_path(options->packs, i));
}

/* 0 to go on, else the exit status (help printed: -1). */
static int parse_settings(int argc, char **argv, rules_settings *settings)
{
    ll_arguments arguments;
    ll_arguments_init(&arguments, argc, argv, specs);
    for (ll_argument argument = ll_arguments_next(&arguments); argument.kind != LL_ARGUMENT_END;
         argument = ll_arguments_next(&arguments)) {
        if (argument.kind != LL_ARGUMENT_OPTION) {
            fprintf(stderr, "looplint rules: %s\n%s",
                    argument.kind == LL_ARGUMENT_ERROR ? argument.message : "unexpected operand",
                    usage);
            return LL_EXIT_USAGE;
        }
        int result = 0;
        switch (argument.spec - specs) {
        case OPTION_RULES:
            result = ll_string_list_add(&settings->rules, argument.value);
            break;
        case OPTION_CHECK:
            result = ll_string_list_add(&settings->checks, argument.value);
            break;
        case OPTION_ENABLE:
            result = ll_string_list_add_ids(&settings->enabled, argument.value);
            break;
        case OPTION_DISABLE:
            result = ll_string_list_add_ids(&settings->disabled, argument.value);
            break;
        case OPTION_HELP:
            fputs(usage, stdout);
            return -1;
        default: /* specs holds no other option */
            break;
        }
        if (result < 0)
            return LL_EXIT_ANALYSIS;
    }
    return 0;
}

static int show(const rules_settings *settings)
{
    ll_error error = {{0}};
    ll_config config = {0};
    ll_packs *packs = NULL;
    char *here = ll_absolute_path(".");
    char *root = here ? ll_locate_project_root(here) : NULL;
    int status = LL_EXIT_USAGE;
    if (ll_config_init(&config) < 0 || !root) {
        ll_error_set(&error, "out of memory");
        goto fail;
    }
    if (ll_analysis_validate_rules((const char *const *)settings->enabled.items, &error) < 0 ||
        ll_analysis_validate_rules((const char *const *)settings->disabled.items, &error) < 0 ||
        ll_cli_load_config(root, &config, &error) < 0 ||
        !(packs = ll_cli_load_packs(&config, (const char *const *)settings->rules.items, &error)))
        goto fail;
    ll_analysis_options options = {
        .packs = packs,
        .enabled = (const char *const *)settings->enabled.items,
        .disabled = (const char *const *)settings->disabled.items,
        .config = &config,
    };
    list(&options, &config);
    status = LL_EXIT_CLEAN;
    goto done;
fail:
    ll_cli_error(error.message);
done:
    ll_packs_free(packs);
    ll_config_free(&config);
    free(root);
    free(here);
    return status;
}

int ll_command_rules(int argc, char **argv)
{
    rules_settings settings = {0};
    int status = parse_settings(argc - 1, argv + 1, &settings);
    if (status < 0)
        status = LL_EXIT_CLEAN;
    else if (status == 0)
        status = settings.checks.count ? validate(&settings.checks) : show(&settings);
    settings_free(&settings);
    return status;
}
