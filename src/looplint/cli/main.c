/*
 * main.c - looplint's entry point: dispatches to a subcommand (cli.h).
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return ll_cli_main(argc, argv);
}
