/*
 * cli.c - the subcommand dispatcher, --version, --help, and what the
 * subcommands share (loading packs, printing errors).
 */
#include "cli.h"

#include "commands.h"
#include "locate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: looplint COMMAND [options]\n"
    "\n"
    "A static analyzer for async correctness in C programs on an event loop.\n"
    "\n"
    "commands:\n"
    "  check    analyse the program of a compile database and print findings\n"
    "  report   print a stored run's findings again, filtered, in any format\n"
    "  baseline save, list, drop, export or import the findings a check accepts\n"
    "  diff     the findings new, fixed and unchanged between two runs or baselines\n"
    "  rules    list the checks and rule packs; validate a pack (--check FILE)\n"
    "  explain  what a check finds, why it matters, how to fix and suppress it\n"
    "  verify   check fixtures' `// expect: rule-id` annotations against findings\n"
    "\n"
    "  looplint COMMAND --help   the options of a command\n"
    "  looplint --version        the version\n";

int ll_cli_parse_run(const char *text, bool allow_latest, int64_t *run_id)
{
    if (allow_latest && strcmp(text, "latest") == 0) {
        *run_id = 0;
        return 0;
    }
    char *end;
    long long value = strtoll(text, &end, 10);
    if (!*text || *end || value < 1)
        return -1;
    *run_id = (int64_t)value;
    return 0;
}

void ll_cli_error(const char *message)
{
    fprintf(stderr, "looplint: %s\n", message);
}

int ll_cli_load_config(const char *root, ll_config *config, ll_error *error)
{
    char *path = ll_locate_configuration(root);
    int result = path ? ll_config_load(config, path, error) : 0;
    free(path);
    return result;
}

static int load_each(ll_packs *packs, const char *const *paths, ll_error *error)
{
    for (const char *const *path = paths; path && *path; path++) {
        if (ll_packs_load_file(packs, *path, error) < 0)
            return -1;
    }
    return 0;
}

ll_packs *ll_cli_load_packs(const ll_config *config, const char *const *extra, ll_error *error)
{
    ll_packs *packs = ll_packs_new();
    char *directory = ll_locate_rules_directory();
    if (!packs || !directory) {
        ll_error_set(error, "out of memory");
        goto fail;
    }
    if (!ll_is_directory(directory)) {
        ll_error_set(error, "%s: the rule packs' directory does not exist (set LOOPLINT_RULES_DIR)",
                     directory);
        goto fail;
    }
    if (ll_packs_load_directory(packs, directory, error) < 0)
        goto fail;
    if (load_each(packs, config ? (const char *const *)config->rules : NULL, error) < 0 ||
        load_each(packs, extra, error) < 0)
        goto fail;
    free(directory);
    return packs;
fail:
    free(directory);
    ll_packs_free(packs);
    return NULL;
}

int ll_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return LL_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
        printf("looplint %s\n", LOOPLINT_VERSION);
        return LL_EXIT_CLEAN;
    }
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return LL_EXIT_CLEAN;
    }
    if (strcmp(command, "baseline") == 0)
        return ll_command_baseline(argc - 1, argv + 1);
    if (strcmp(command, "check") == 0)
        return ll_command_check(argc - 1, argv + 1);
    if (strcmp(command, "diff") == 0)
        return ll_command_diff(argc - 1, argv + 1);
    if (strcmp(command, "rules") == 0)
        return ll_command_rules(argc - 1, argv + 1);
    if (strcmp(command, "report") == 0)
        return ll_command_report(argc - 1, argv + 1);
    if (strcmp(command, "verify") == 0)
        return ll_command_verify(argc - 1, argv + 1);
    if (strcmp(command, "explain") == 0)
        return ll_command_explain(argc - 1, argv + 1);
    fprintf(stderr, "looplint: unknown command '%s'\n%s", command, usage);
    return LL_EXIT_USAGE;
}
