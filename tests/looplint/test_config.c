/*
 * test_config.c - the `.looplint` configuration (cli/config.h) and how the
 * command line overrides it (cli/analyze.h).
 *
 * Parsing: every statement, comma and blank separated ids, comments and
 * quotes, /regex/ and plain exclusions, pack paths relative to the file,
 * the last severity winning. Errors: each names FILE:LINE:COL, with the
 * column of the word at fault (inside a list of ids too). Precedence: the
 * command line over the file over the defaults, an enable over a disable
 * at the same level, `all` never turning an option on.
 */
#include "cli/analyze.h"
#include "cli/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static const char config_path[] = "/project/.looplint";

/* Parses `text`; returns the result, with the configuration in *config
 * (the caller frees it) and any error in *error. */
static int parse(const char *text, ll_config *config, ll_error *error)
{
    assert_int_equal(ll_config_init(config), 0);
    memset(error, 0, sizeof *error);
    return ll_config_parse(config, config_path, text, strlen(text), error);
}

/* Asserts that `text` is refused with exactly `message`. */
static void assert_error(const char *text, const char *message)
{
    ll_config config;
    ll_error error;
    assert_int_equal(parse(text, &config, &error), -1);
    assert_string_equal(error.message, message);
    ll_config_free(&config);
}

static void statements_are_read(void **state)
{
    (void)state;
    ll_config config;
    ll_error error;
    assert_int_equal(parse("# the project's settings\n"
                           "\n"
                           "enable blocking-call:console   # printf counts here\n"
                           "disable missing-timeout, untracked-task,unclosed-resource\n"
                           "severity unobserved-failure error\n"
                           "exclude ^third_party/\n"
                           "exclude /\\/generated\\//\n",
                           &config, &error),
                     0);
    assert_string_equal(config.path, config_path);
    assert_int_equal(config.enabled_count, 1);
    assert_string_equal(config.enabled[0], "blocking-call:console");
    assert_null(config.enabled[1]);
    assert_int_equal(config.disabled_count, 3);
    assert_string_equal(config.disabled[0], "missing-timeout");
    assert_string_equal(config.disabled[1], "untracked-task");
    assert_string_equal(config.disabled[2], "unclosed-resource");
    assert_int_equal(ll_config_severity_of(&config, "unobserved-failure", LL_SEVERITY_WARNING),
                     LL_SEVERITY_ERROR);
    assert_int_equal(ll_config_severity_of(&config, "blocking-call", LL_SEVERITY_NOTE),
                     LL_SEVERITY_NOTE);
    assert_int_equal(config.exclude_count, 2);
    assert_true(ll_config_excludes(&config, "third_party/zlib/inflate.c"));
    assert_false(ll_config_excludes(&config, "src/third_party.c"));
    assert_true(ll_config_excludes(&config, "src/generated/parser.c"));
    assert_false(ll_config_excludes(&config, "src/generator.c"));
    ll_config_free(&config);
}

static void an_empty_file_is_an_empty_configuration(void **state)
{
    (void)state;
    ll_config config;
    ll_error error;
    assert_int_equal(parse("", &config, &error), 0);
    assert_int_equal(config.enabled_count + config.disabled_count + config.rule_count, 0);
    assert_non_null(config.enabled);
    assert_null(config.enabled[0]);
    assert_false(ll_config_excludes(&config, "src/a.c"));
    ll_config_free(&config);
}

static void quotes_hold_blanks_and_hashes(void **state)
{
    (void)state;
    ll_config config;
    ll_error error;
    assert_int_equal(parse("exclude \"^build dir/#tmp\"  # a comment\n"
                           "exclude ^a\"b c\"d\n"
                           "exclude \"quote\\\"d\"\r\n",
                           &config, &error),
                     0);
    assert_true(ll_config_excludes(&config, "build dir/#tmp/x.c"));
    assert_true(ll_config_excludes(&config, "ab cd/x.c"));
    assert_true(ll_config_excludes(&config, "a/quote\"d.c"));
    ll_config_free(&config);
}

static void the_last_severity_wins(void **state)
{
    (void)state;
    ll_config config;
    ll_error error;
    assert_int_equal(parse("severity blocking-call warning\n"
                           "severity unused-suppression warning\n"
                           "severity blocking-call note\n",
                           &config, &error),
                     0);
    assert_int_equal(ll_config_severity_of(&config, "blocking-call", LL_SEVERITY_ERROR),
                     LL_SEVERITY_NOTE);
    assert_int_equal(ll_config_severity_of(&config, "unused-suppression", LL_SEVERITY_NOTE),
                     LL_SEVERITY_WARNING);
    ll_config_free(&config);
}

static void packs_are_relative_to_the_file(void **state)
{
    (void)state;
    char directory[] = "/tmp/looplint-config-XXXXXX";
    assert_non_null(mkdtemp(directory));
    char pack[128], path[128], other[128];
    snprintf(pack, sizeof pack, "%s/mylib.rules", directory);
    snprintf(path, sizeof path, "%s/.looplint", directory);
    snprintf(other, sizeof other, "%s/missing.rules", directory);
    FILE *stream = fopen(pack, "w");
    assert_non_null(stream);
    fputs("pack mylib\n", stream);
    assert_int_equal(fclose(stream), 0);
    stream = fopen(path, "w");
    assert_non_null(stream);
    fputs("rules mylib.rules\nrules ./sub/../mylib.rules\n", stream);
    assert_int_equal(fclose(stream), 0);

    ll_config config;
    ll_error error = {{0}};
    assert_int_equal(ll_config_init(&config), 0);
    assert_int_equal(ll_config_load(&config, path, &error), 0);
    assert_int_equal(config.rule_count, 2);
    assert_string_equal(config.rules[0], pack);
    assert_string_equal(config.rules[1], pack);
    ll_config_free(&config);

    stream = fopen(path, "w");
    assert_non_null(stream);
    fputs("\n  rules missing.rules\n", stream);
    assert_int_equal(fclose(stream), 0);
    assert_int_equal(ll_config_init(&config), 0);
    assert_int_equal(ll_config_load(&config, path, &error), -1);
    char expected[512];
    snprintf(expected, sizeof expected, "%s:2:9: %s: no such rule pack", path, other);
    assert_string_equal(error.message, expected);
    ll_config_free(&config);
    unlink(pack);
    unlink(path);
    rmdir(directory);
}

static void a_missing_file_cannot_be_read(void **state)
{
    (void)state;
    ll_config config;
    ll_error error = {{0}};
    assert_int_equal(ll_config_init(&config), 0);
    assert_int_equal(ll_config_load(&config, "/nonexistent/looplint/.looplint", &error), -1);
    assert_non_null(strstr(error.message, "/nonexistent/looplint/.looplint: cannot read"));
    ll_config_free(&config);
}

static void errors_name_file_line_and_column(void **state)
{
    (void)state;
    assert_error("enable blocking-call\n  frobnicate x\n",
                 "/project/.looplint:2:3: unknown statement 'frobnicate' (enable, disable, "
                 "severity, rules or exclude)");
    assert_error("disable missing-timeout,blockin-call\n",
                 "/project/.looplint:1:25: unknown check 'blockin-call' (see `looplint rules`)");
    assert_error("enable untracked-task, nosuch\n",
                 "/project/.looplint:1:24: unknown check 'nosuch' (see `looplint rules`)");
    assert_error("enable blocking-call,,untracked-task\n",
                 "/project/.looplint:1:22: an empty check id");
    assert_error("enable\n",
                 "/project/.looplint:1:1: 'enable' takes check ids: `enable ID[,ID...]`");
    assert_error("severity blocking-call loud\n",
                 "/project/.looplint:1:24: unknown severity 'loud' (error, warning or note)");
    assert_error("severity all error\n",
                 "/project/.looplint:1:10: unknown check 'all' (see `looplint rules`)");
    assert_error("severity blocking-call\n", "/project/.looplint:1:1: 'severity' takes two values: "
                                             "`severity ID error|warning|note`");
    assert_error("exclude a b\n",
                 "/project/.looplint:1:11: 'exclude' takes one value: `exclude REGEX`");
    assert_error("exclude ^src/(gen\n",
                 "/project/.looplint:1:18: bad regex: missing closing parenthesis");
    assert_error("exclude \"unterminated\n", "/project/.looplint:1:9: unterminated quote");
    assert_error("exclude /^src\n",
                 "/project/.looplint:1:9: unterminated /regex/ (a `/` inside it is written `\\/`)");
    assert_error("exclude /a/b\n", "/project/.looplint:1:12: a blank must follow the /regex/");
}

static void ids_may_be_all_or_options(void **state)
{
    (void)state;
    ll_config config;
    ll_error error;
    assert_int_equal(parse("disable all\nenable clang-diagnostic, unused-suppression\n"
                           "enable blocking-call:console\n",
                           &config, &error),
                     0);
    ll_config_free(&config);
    assert_error("enable blocking-call:\n",
                 "/project/.looplint:1:8: unknown check 'blocking-call:' (see `looplint rules`)");
    assert_error("enable no-check:console\n",
                 "/project/.looplint:1:8: unknown check 'no-check:console' (see `looplint "
                 "rules`)");
}

/* ---- Precedence ---------------------------------------------------------------------------- */

static void the_command_line_beats_the_file(void **state)
{
    (void)state;
    ll_config config;
    ll_error error;
    assert_int_equal(parse("disable blocking-call, missing-timeout\n"
                           "enable blocking-call:console\n"
                           "severity missing-timeout error\n",
                           &config, &error),
                     0);
    const char *enabled[] = {"blocking-call", NULL};
    const char *disabled[] = {"untracked-task", "blocking-call:console", NULL};
    ll_analysis_options options = {.config = &config};
    /* The file alone. */
    assert_false(ll_analysis_rule_enabled(&options, "blocking-call"));
    assert_false(ll_analysis_rule_enabled(&options, "missing-timeout"));
    assert_true(ll_analysis_rule_enabled(&options, "untracked-task"));
    assert_true(ll_analysis_rule_enabled(&options, "blocking-call:console"));
    /* The command line over it. */
    options.enabled = enabled;
    options.disabled = disabled;
    assert_true(ll_analysis_rule_enabled(&options, "blocking-call"));
    assert_false(ll_analysis_rule_enabled(&options, "missing-timeout"));
    assert_false(ll_analysis_rule_enabled(&options, "untracked-task"));
    assert_false(ll_analysis_rule_enabled(&options, "blocking-call:console"));
    assert_true(ll_analysis_rule_enabled(&options, "unclosed-resource"));
    assert_int_equal(ll_analysis_rule_severity(&options, ll_analysis_rule_find("missing-timeout")),
                     LL_SEVERITY_ERROR);
    assert_int_equal(ll_analysis_rule_severity(&options, ll_analysis_rule_find("blocking-call")),
                     LL_SEVERITY_ERROR);
    ll_config_free(&config);
}

static void enable_beats_disable_at_one_level(void **state)
{
    (void)state;
    ll_config config;
    ll_error error;
    assert_int_equal(parse("disable all\nenable untracked-task\n", &config, &error), 0);
    ll_analysis_options options = {.config = &config};
    assert_true(ll_analysis_rule_enabled(&options, "untracked-task"));
    assert_false(ll_analysis_rule_enabled(&options, "blocking-call"));
    assert_false(ll_analysis_rule_enabled(&options, "unused-suppression"));
    const char *enabled[] = {"all", NULL};
    const char *disabled[] = {"untracked-task", NULL};
    options.enabled = enabled; /* --enable all --disable untracked-task */
    options.disabled = disabled;
    assert_true(ll_analysis_rule_enabled(&options, "untracked-task"));
    assert_true(ll_analysis_rule_enabled(&options, "blocking-call"));
    ll_config_free(&config);
}

static void defaults_and_options(void **state)
{
    (void)state;
    const char *enabled[] = {"all", NULL};
    ll_analysis_options options = {0};
    assert_true(ll_analysis_rule_enabled(&options, "blocking-call"));
    assert_true(ll_analysis_rule_enabled(&options, "unused-suppression"));
    assert_true(ll_analysis_rule_enabled(&options, "clang-diagnostic"));
    assert_false(ll_analysis_rule_enabled(&options, "blocking-call:console"));
    options.enabled = enabled;
    assert_false(ll_analysis_rule_enabled(&options, "blocking-call:console"));
    assert_int_equal(ll_analysis_rule_severity(&options, ll_analysis_rule_find("blocking-call")),
                     LL_SEVERITY_ERROR);
    assert_int_equal(
        ll_analysis_rule_severity(&options, ll_analysis_rule_find("unused-suppression")),
        LL_SEVERITY_NOTE);
}

static void every_rule_is_listed_once(void **state)
{
    (void)state;
    size_t count = ll_analysis_rule_count();
    assert_true(count >= 7);
    for (size_t i = 0; i < count; i++) {
        const ll_check *rule = ll_analysis_rule_at(i);
        assert_ptr_equal(ll_analysis_rule_find(rule->id), rule);
        for (size_t j = i + 1; j < count; j++)
            assert_string_not_equal(rule->id, ll_analysis_rule_at(j)->id);
    }
    assert_null(ll_analysis_rule_find("all"));
    assert_non_null(ll_analysis_rule_find("clang-diagnostic"));
    assert_non_null(ll_analysis_rule_find("unused-suppression"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(statements_are_read),
        cmocka_unit_test(an_empty_file_is_an_empty_configuration),
        cmocka_unit_test(quotes_hold_blanks_and_hashes),
        cmocka_unit_test(the_last_severity_wins),
        cmocka_unit_test(packs_are_relative_to_the_file),
        cmocka_unit_test(a_missing_file_cannot_be_read),
        cmocka_unit_test(errors_name_file_line_and_column),
        cmocka_unit_test(ids_may_be_all_or_options),
        cmocka_unit_test(the_command_line_beats_the_file),
        cmocka_unit_test(enable_beats_disable_at_one_level),
        cmocka_unit_test(defaults_and_options),
        cmocka_unit_test(every_rule_is_listed_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
