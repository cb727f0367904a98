/*
 * explain.c - `looplint explain ID`: prints the page of a check, the same
 * text as docs/checks/ID.md (explain.h): what it finds, why it matters, a
 * wrong and a right example, how to fix it and how to suppress it.
 */
#include "analyze.h"
#include "arguments.h"
#include "cli.h"
#include "commands.h"
#include "explain.h"

#include <stdio.h>
#include <string.h>

static const char usage[] = "usage: looplint explain ID\n"
                            "\n"
                            "Prints what the check ID finds, why it matters, a wrong and a right\n"
                            "example, how to fix it and how to suppress it (the text of\n"
                            "docs/checks/ID.md). `looplint rules` lists the ids.\n";

static const ll_option_spec specs[] = {{"help", 'h', false}, {NULL, 0, false}};

const ll_explain_page *ll_explain_page_find(const char *id)
{
    for (const ll_explain_page *page = ll_explain_pages; page->id; page++) {
        if (strcmp(page->id, id) == 0)
            return page;
    }
    return NULL;
}

static void print_ids(FILE *out)
{
    fputs("the checks are:", out);
    for (size_t i = 0; i < ll_analysis_rule_count(); i++)
        fprintf(out, "%s %s", i ? "," : "", ll_analysis_rule_at(i)->id);
    fputc('\n', out);
}

int ll_command_explain(int argc, char **argv)
{
    ll_arguments arguments;
    ll_arguments_init(&arguments, argc - 1, argv + 1, specs);
    const char *id = NULL;
    for (ll_argument argument = ll_arguments_next(&arguments); argument.kind != LL_ARGUMENT_END;
         argument = ll_arguments_next(&arguments)) {
        if (argument.kind == LL_ARGUMENT_OPTION) {
            fputs(usage, stdout);
            return LL_EXIT_CLEAN;
        }
        if (argument.kind == LL_ARGUMENT_ERROR || id) {
            fprintf(stderr, "looplint explain: %s\n%s",
                    argument.kind == LL_ARGUMENT_ERROR ? argument.message : "one id at a time",
                    usage);
            return LL_EXIT_USAGE;
        }
        id = argument.value;
    }
    if (!id || !ll_analysis_rule_find(id)) {
        if (id)
            fprintf(stderr, "looplint explain: unknown check '%s'; ", id);
        else
            fputs("looplint explain: which check? ", stderr);
        print_ids(stderr);
        return LL_EXIT_USAGE;
    }
    const ll_explain_page *page = ll_explain_page_find(id);
    if (!page) {
        fprintf(stderr, "looplint explain: this build has no page for '%s' (docs/checks/%s.md)\n",
                id, id);
        return LL_EXIT_ANALYSIS;
    }
    if (fwrite(page->text, 1, page->length, stdout) != page->length || fflush(stdout) != 0) {
        ll_cli_error("writing the page failed");
        return LL_EXIT_ANALYSIS;
    }
    return LL_EXIT_CLEAN;
}
