/*
 * cli.h - the command line (ARCHITECTURE.md, "Command line").
 *
 * ll_cli_main parses argv and runs one subcommand (check, report, rules,
 * explain, verify; each in its own file, declared in commands.h).
 * Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage or
 * configuration error, 3 the analysis could not run.
 */
#ifndef LOOPLINT_CLI_H
#define LOOPLINT_CLI_H

enum {
    LL_EXIT_CLEAN = 0,
    LL_EXIT_FINDINGS = 1,
    LL_EXIT_USAGE = 2,
    LL_EXIT_ANALYSIS = 3,
};

int ll_cli_main(int argc, char **argv);

#endif
