/*
 * commands.h - the subcommands, each in its own file.
 */
#ifndef LOOPLINT_COMMANDS_H
#define LOOPLINT_COMMANDS_H

#include "analysis/error.h"
#include "packs/pack.h"

int ll_command_check(int argc, char **argv);
int ll_command_rules(int argc, char **argv);
int ll_command_verify(int argc, char **argv);

/* Loads the default packs (locate.h) and then each of `extra` (may be NULL,
 * NULL-terminated). NULL with an error naming the file and line. */
ll_packs *ll_cli_load_packs(const char *const *extra, ll_error *error);

/* Prints "looplint: MESSAGE" on stderr. */
void ll_cli_error(const char *message);

#endif
