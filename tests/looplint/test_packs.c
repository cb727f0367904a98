/*
 * test_packs.c - the rule-pack module (packs/): parsing every directive,
 * exact and regex lookup merged across lines and packs, argument
 * conditions, precise errors for malformed packs (which must leave the
 * packs unchanged), the shipped rules/nest.rules and rules/posix.rules,
 * directory loading, the content hash, and lookups from several threads.
 */
#define _GNU_SOURCE
/* *INDENT-OFF* cmocka needs these before its header */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* *INDENT-ON* */

#include "packs/pack.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RULES_DIR LOOPLINT_TEST_SOURCE_DIR "/rules"

/* ---- Helpers ---------------------------------------------------------------------- */
static ll_packs *packs_with(const char *text)
{
    ll_packs *packs = ll_packs_new();
    assert_non_null(packs);
    ll_error error = {""};
    if (ll_packs_load_text(packs, "test.rules", text, &error) != 0)
        fail_msg("unexpected error: %s", error.message);
    return packs;
}

static ll_packs *shipped_packs(void)
{
    ll_packs *packs = ll_packs_new();
    assert_non_null(packs);
    ll_error error = {""};
    if (ll_packs_load_directory(packs, RULES_DIR, &error) != 0)
        fail_msg("loading %s: %s", RULES_DIR, error.message);
    return packs;
}

/* A call whose arguments are given as values; up to 6. */
typedef struct test_call {
    ll_call call;
    ll_value arguments[6];
} test_call;

static ll_value constant(int64_t value)
{
    ll_value v = {.kind = LL_VALUE_CONSTANT, .variable = LL_NONE, .constant = value};
    return v;
}

static ll_value null_value(void)
{
    ll_value v = {.kind = LL_VALUE_NULL, .variable = LL_NONE};
    return v;
}

static ll_value global(const char *name)
{
    ll_value v = {.kind = LL_VALUE_GLOBAL, .variable = LL_NONE, .name = (char *)name};
    return v;
}

static ll_value variable(void)
{
    ll_value v = {.kind = LL_VALUE_VARIABLE, .variable = 0};
    return v;
}

static ll_value other(void)
{
    ll_value v = {.kind = LL_VALUE_OTHER, .variable = LL_NONE};
    return v;
}

static void make_call(test_call *call, const char *name, uint32_t count, const ll_value *values)
{
    memset(call, 0, sizeof *call);
    call->call.callee_name = (char *)name;
    call->call.arguments = call->arguments;
    call->call.argument_count = count;
    for (uint32_t i = 0; i < count; i++)
        call->arguments[i] = values[i];
}

/* The category of the blocking rule that applies to `name(values...)`,
 * or NULL. */
static const char *blocking_category(ll_packs *packs, const char *name, uint32_t count,
                                     const ll_value *values)
{
    test_call call;
    make_call(&call, name, count, values);
    const ll_blocking_rule *rule =
        ll_function_rule_blocking(ll_packs_lookup(packs, name), &call.call);
    return rule ? rule->category : NULL;
}

/* ---- Parsing every directive -------------------------------------------------------- */
static const char every_directive[] =
    "# a pack that uses every directive\n"
    "pack demo   # trailing comment\n"
    "strict-io\n"
    "\n"
    "blocking snooze category=sleep reason=\"sleeps \\\"all\\\" # of it\" replace=demo_sleep\n"
    "entry demo_run kind=main arg=1\n"
    "entry demo_spawn kind=task arg=2\n"
    "entry demo_cb kind=callback arg=3\n"
    "entry demo_scope kind=timeout-scope arg=1\n"
    "entry demo_shield kind=shield arg=1\n"
    "entry demo_thread kind=off-loop arg=1\n"
    "suspend demo_wait deadline=2 needs-timeout\n"
    "suspend demo_get deadline=3 forever=0\n"
    "suspend demo_yield\n"
    "acquire demo_open kind=session handle=return fail=null type=demo-pool\n"
    "acquire demo_fd kind=resource handle=return fail=negative type=demo-fd\n"
    "acquire demo_get kind=queue-item handle=out2 fail=nonzero type=item\n"
    "acquire demo_lock kind=lock handle=out1 fail=none type=lock\n"
    "acquire demo_spawn kind=task handle=return fail=null type=task\n"
    "release demo_close handle=2 type=demo-pool|demo-fd\n"
    "borrows demo_use args=1,3\n"
    "takes demo_give args=32\n"
    "cancel demo_cancel handle=1\n"
    "join demo_join handle=1\n"
    "limiter demo_permit\n"
    "item-done demo_done handle=1\n"
    "drain demo_drain handle=1\n"
    "queue-close demo_queue_close handle=1\n"
    "shutdown-wait demo_shutdown\n"
    "must-observe demo_join result=3 task=1\n"
    "\tmust-observe\tdemo_group_wait\r\n";

static void test_every_directive(void **state)
{
    (void)state;
    ll_packs *packs = packs_with(every_directive);
    assert_int_equal(ll_packs_count(packs), 1);
    assert_string_equal(ll_packs_name(packs, 0), "demo");
    assert_string_equal(ll_packs_path(packs, 0), "test.rules");
    assert_int_equal(ll_packs_line_count(packs, 0), 27);
    assert_null(ll_packs_name(packs, 1));

    const ll_function_rule *rule = ll_packs_lookup(packs, "snooze");
    assert_non_null(rule);
    assert_string_equal(rule->name, "snooze");
    assert_string_equal(rule->pack, "demo");
    assert_int_equal(rule->blocking_count, 1);
    assert_string_equal(rule->blocking[0].category, "sleep");
    assert_string_equal(rule->blocking[0].reason, "sleeps \"all\" # of it");
    assert_string_equal(rule->blocking[0].replacement, "demo_sleep");
    assert_int_equal(rule->blocking[0].condition.argument, 0);
    assert_null(rule->suspend);
    assert_null(rule->entries);

    static const struct {
        const char *name;
        enum ll_entry_kind kind;
        uint32_t argument;
    } entries[] = {
        {"demo_run", LL_ENTRY_MAIN, 1},      {"demo_spawn", LL_ENTRY_TASK, 2},
        {"demo_cb", LL_ENTRY_CALLBACK, 3},   {"demo_scope", LL_ENTRY_TIMEOUT_SCOPE, 1},
        {"demo_shield", LL_ENTRY_SHIELD, 1}, {"demo_thread", LL_ENTRY_OFF_LOOP, 1},
    };
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        rule = ll_packs_lookup(packs, entries[i].name);
        assert_non_null(rule);
        assert_int_equal(rule->entry_count, 1);
        assert_int_equal(rule->entries[0].kind, entries[i].kind);
        assert_int_equal(rule->entries[0].argument, entries[i].argument);
        assert_true(rule->entries[0].strict_io);
        assert_string_equal(rule->entries[0].pack, "demo");
    }

    rule = ll_packs_lookup(packs, "demo_wait");
    assert_int_equal(rule->suspend->deadline, 2);
    assert_int_equal(rule->suspend->forever, -1);
    assert_true(rule->suspend->needs_timeout);
    rule = ll_packs_lookup(packs, "demo_get");
    assert_int_equal(rule->suspend->deadline, 3);
    assert_int_equal(rule->suspend->forever, 0);
    assert_false(rule->suspend->needs_timeout);
    assert_int_equal(rule->acquire->kind, LL_RESOURCE_QUEUE_ITEM);
    assert_int_equal(rule->acquire->place, LL_HANDLE_OUT);
    assert_int_equal(rule->acquire->argument, 2);
    assert_int_equal(rule->acquire->failure, LL_FAILURE_NONZERO_RETURN);
    assert_string_equal(rule->acquire->type, "item");
    rule = ll_packs_lookup(packs, "demo_yield");
    assert_int_equal(rule->suspend->deadline, 0);

    rule = ll_packs_lookup(packs, "demo_open");
    assert_int_equal(rule->acquire->kind, LL_RESOURCE_SESSION);
    assert_int_equal(rule->acquire->place, LL_HANDLE_RETURN);
    assert_int_equal(rule->acquire->failure, LL_FAILURE_NULL);
    assert_string_equal(rule->acquire->type, "demo-pool");
    rule = ll_packs_lookup(packs, "demo_fd");
    assert_int_equal(rule->acquire->failure, LL_FAILURE_NEGATIVE);
    rule = ll_packs_lookup(packs, "demo_lock");
    assert_int_equal(rule->acquire->kind, LL_RESOURCE_LOCK);
    assert_int_equal(rule->acquire->failure, LL_FAILURE_NONE);
    assert_int_equal(rule->acquire->argument, 1);
    rule = ll_packs_lookup(packs, "demo_spawn");
    assert_int_equal(rule->acquire->kind, LL_RESOURCE_TASK);
    assert_int_equal(rule->entry_count, 1);

    rule = ll_packs_lookup(packs, "demo_close");
    assert_int_equal(rule->release->argument, 2);
    assert_int_equal(rule->release->type_count, 2);
    assert_string_equal(rule->release->types[0], "demo-pool");
    assert_string_equal(rule->release->types[1], "demo-fd");

    assert_int_equal(ll_packs_lookup(packs, "demo_use")->borrows_mask, 0x5u);
    assert_int_equal(ll_packs_lookup(packs, "demo_give")->takes_mask, 0x80000000u);

    rule = ll_packs_lookup(packs, "demo_cancel");
    assert_int_equal(rule->roles, LL_ROLE_CANCEL);
    assert_int_equal(rule->handle, 1);
    rule = ll_packs_lookup(packs, "demo_join");
    assert_int_equal(rule->roles, LL_ROLE_JOIN | LL_ROLE_MUST_OBSERVE);
    assert_int_equal(rule->handle, 1);
    assert_int_equal(rule->result, 3);
    assert_int_equal(rule->task, 1);
    assert_int_equal(ll_packs_lookup(packs, "demo_permit")->roles, LL_ROLE_LIMITER);
    assert_int_equal(ll_packs_lookup(packs, "demo_done")->roles, LL_ROLE_ITEM_DONE);
    assert_int_equal(ll_packs_lookup(packs, "demo_drain")->roles, LL_ROLE_DRAIN);
    rule = ll_packs_lookup(packs, "demo_queue_close");
    assert_int_equal(rule->roles, LL_ROLE_QUEUE_CLOSE);
    assert_int_equal(rule->handle, 1);
    assert_int_equal(ll_packs_lookup(packs, "demo_shutdown")->roles, LL_ROLE_SHUTDOWN_WAIT);
    rule = ll_packs_lookup(packs, "demo_group_wait");
    assert_int_equal(rule->roles, LL_ROLE_MUST_OBSERVE);
    assert_int_equal(rule->result, 0);

    assert_null(ll_packs_lookup(packs, "demo"));
    assert_null(ll_packs_lookup(packs, "snooz"));
    ll_packs_free(packs);
}

static void test_conditions_parse(void **state)
{
    (void)state;
    ll_packs *packs = packs_with("pack c\n"
                                 "blocking f category=a when=arg3==-7|NULL|stdout\n"
                                 "blocking f category=b when=arg1!=0\n");
    const ll_function_rule *rule = ll_packs_lookup(packs, "f");
    assert_int_equal(rule->blocking_count, 2);
    const ll_condition *first = &rule->blocking[0].condition;
    assert_int_equal(first->argument, 3);
    assert_false(first->negated);
    assert_int_equal(first->value_count, 3);
    assert_int_equal(first->values[0].kind, LL_MATCH_CONSTANT);
    assert_int_equal(first->values[0].constant, -7);
    assert_int_equal(first->values[1].kind, LL_MATCH_NULL);
    assert_int_equal(first->values[2].kind, LL_MATCH_NAME);
    assert_string_equal(first->values[2].name, "stdout");
    const ll_condition *second = &rule->blocking[1].condition;
    assert_int_equal(second->argument, 1);
    assert_true(second->negated);
    assert_int_equal(second->value_count, 1);
    assert_int_equal(second->values[0].constant, 0);
    assert_null(rule->blocking[1].reason);
    assert_null(rule->blocking[1].replacement);
    ll_packs_free(packs);
}

static void test_regex_escapes(void **state)
{
    (void)state;
    /* `\/` is a slash; other escapes are PCRE2's; blanks and `#` are
       part of the regex. */
    ll_packs *packs = packs_with("pack r\n"
                                 "limiter /^a\\/b$/\n"
                                 "limiter /^c\\d+$/\n"
                                 "limiter /^x#y z$/ # a comment\n");
    assert_non_null(ll_packs_lookup(packs, "a/b"));
    assert_null(ll_packs_lookup(packs, "a\\/b"));
    assert_non_null(ll_packs_lookup(packs, "c42"));
    assert_null(ll_packs_lookup(packs, "cd"));
    assert_non_null(ll_packs_lookup(packs, "x#y z"));
    ll_packs_free(packs);
}

/* ---- Lookup and merging ----------------------------------------------------------- */
static void test_merge_across_lines_and_packs(void **state)
{
    (void)state;
    ll_packs *packs = ll_packs_new();
    ll_error error = {""};
    assert_int_equal(ll_packs_load_text(packs, "one.rules",
                                        "pack one\n"
                                        "blocking /^io_/ category=first\n"
                                        "borrows io_read args=1\n"
                                        "suspend io_read deadline=2\n"
                                        "entry /^io_(read|write)$/ kind=task arg=3\n"
                                        "blocking io_read category=second when=arg1==5\n",
                                        &error),
                     0);
    assert_int_equal(ll_packs_load_text(packs, "two.rules",
                                        "pack two\n"
                                        "strict-io\n"
                                        "blocking io_read category=third\n"
                                        "suspend /read/ deadline=4 needs-timeout\n"
                                        "borrows /^io/ args=2\n"
                                        "takes io_read args=3\n"
                                        "entry io_read kind=off-loop arg=1\n"
                                        "release /^io_/ handle=1 type=x\n"
                                        "cancel io_read handle=2\n"
                                        "join io_read handle=4\n",
                                        &error),
                     0);
    const ll_function_rule *rule = ll_packs_lookup(packs, "io_read");
    assert_non_null(rule);
    /* Packs in load order, lines in file order, exact and regex mixed. */
    assert_string_equal(rule->pack, "one");
    assert_int_equal(rule->blocking_count, 3);
    assert_string_equal(rule->blocking[0].category, "first");
    assert_string_equal(rule->blocking[1].category, "second");
    assert_string_equal(rule->blocking[2].category, "third");
    /* The first suspend wins. */
    assert_int_equal(rule->suspend->deadline, 2);
    assert_false(rule->suspend->needs_timeout);
    assert_int_equal(rule->borrows_mask, 0x3u);
    assert_int_equal(rule->takes_mask, 0x4u);
    assert_int_equal(rule->entry_count, 2);
    assert_int_equal(rule->entries[0].kind, LL_ENTRY_TASK);
    assert_false(rule->entries[0].strict_io);
    assert_string_equal(rule->entries[0].pack, "one");
    assert_int_equal(rule->entries[1].kind, LL_ENTRY_OFF_LOOP);
    assert_true(rule->entries[1].strict_io);
    assert_string_equal(rule->entries[1].pack, "two");
    assert_int_equal(rule->release->argument, 1);
    assert_int_equal(rule->roles, LL_ROLE_CANCEL | LL_ROLE_JOIN);
    assert_int_equal(rule->handle, 2);

    /* Only regex lines match this one, across both packs. */
    rule = ll_packs_lookup(packs, "io_write");
    assert_int_equal(rule->blocking_count, 1);
    assert_int_equal(rule->entry_count, 1);
    assert_null(rule->suspend);
    assert_int_equal(rule->borrows_mask, 0x2u);
    assert_non_null(rule->release);
    /* Unanchored regexes match anywhere. */
    rule = ll_packs_lookup(packs, "spread");
    assert_string_equal(rule->pack, "two");
    assert_int_equal(rule->suspend->deadline, 4);
    assert_null(ll_packs_lookup(packs, "xio_"));

    /* Cached: the same pointer every time. */
    assert_ptr_equal(ll_packs_lookup(packs, "io_read"), ll_packs_lookup(packs, "io_read"));
    ll_packs_free(packs);
}

/* The function a message names for a role: the first exact line in load
 * and file order, within one pack when asked; regexes never. */
static void test_role_function(void **state)
{
    (void)state;
    ll_packs *packs = packs_with("pack first\n"
                                 "drain /^first_drain_/ handle=1\n"
                                 "drain first_drain handle=1\n"
                                 "shutdown-wait first_wait\n"
                                 "shutdown-wait first_poll\n");
    ll_error error = {""};
    if (ll_packs_load_text(packs, "second.rules",
                           "pack second\nshutdown-wait second_wait\ncancel second_cancel "
                           "handle=1\n",
                           &error) != 0)
        fail_msg("%s", error.message);
    assert_string_equal(ll_packs_role_function(packs, NULL, LL_ROLE_SHUTDOWN_WAIT), "first_wait");
    assert_string_equal(ll_packs_role_function(packs, "second", LL_ROLE_SHUTDOWN_WAIT),
                        "second_wait");
    assert_string_equal(ll_packs_role_function(packs, NULL, LL_ROLE_DRAIN), "first_drain");
    assert_string_equal(ll_packs_role_function(packs, NULL, LL_ROLE_CANCEL), "second_cancel");
    assert_null(ll_packs_role_function(packs, "first", LL_ROLE_CANCEL));
    assert_null(ll_packs_role_function(packs, "third", LL_ROLE_DRAIN));
    assert_null(ll_packs_role_function(packs, NULL, LL_ROLE_LIMITER));
    ll_packs_free(packs);

    packs = shipped_packs();
    assert_string_equal(ll_packs_role_function(packs, "nest", LL_ROLE_SHUTDOWN_WAIT),
                        "nest_wait_shutdown");
    assert_string_equal(ll_packs_role_function(packs, "nest", LL_ROLE_DRAIN), "nest_queue_join");
    ll_packs_free(packs);
}

static void test_load_after_lookup(void **state)
{
    (void)state;
    ll_packs *packs = packs_with("pack a\nlimiter f\n");
    const ll_function_rule *before = ll_packs_lookup(packs, "f");
    assert_null(ll_packs_lookup(packs, "g"));
    ll_error error = {""};
    assert_int_equal(
        ll_packs_load_text(packs, "b.rules", "pack b\ndrain f handle=1\nlimiter g\n", &error), 0);
    /* The earlier answer stays valid (ASan would see otherwise) and the
       new lines apply to later lookups. */
    assert_int_equal(before->roles, LL_ROLE_LIMITER);
    assert_int_equal(ll_packs_lookup(packs, "f")->roles, LL_ROLE_LIMITER | LL_ROLE_DRAIN);
    assert_non_null(ll_packs_lookup(packs, "g"));
    ll_packs_free(packs);
}

/* ---- Conditions ------------------------------------------------------------------- */
static void test_conditions(void **state)
{
    (void)state;
    ll_packs *packs = packs_with("pack c\n"
                                 "blocking wait category=forever when=arg2==-1\n"
                                 "blocking wait category=timed when=arg2!=0\n"
                                 "blocking sel category=null when=arg3==NULL\n"
                                 "blocking out category=console when=arg1==stdout|stderr\n"
                                 "blocking out category=file\n"
                                 "blocking far category=x when=arg9==1\n"
                                 "blocking not category=other when=arg1!=stdout|0\n");
    ll_value values[3];

    values[0] = other();
    values[1] = constant(-1);
    assert_string_equal(blocking_category(packs, "wait", 2, values), "forever");
    values[1] = constant(250);
    assert_string_equal(blocking_category(packs, "wait", 2, values), "timed");
    values[1] = constant(0);
    assert_null(blocking_category(packs, "wait", 2, values));
    values[1] = null_value(); /* NULL is 0 */
    assert_null(blocking_category(packs, "wait", 2, values));
    values[1] = variable(); /* unknown: neither == nor != holds */
    assert_null(blocking_category(packs, "wait", 2, values));
    values[1] = other();
    assert_null(blocking_category(packs, "wait", 2, values));
    values[1] = global("timeout"); /* a global's value is not known */
    assert_null(blocking_category(packs, "wait", 2, values));
    assert_null(blocking_category(packs, "wait", 1, values)); /* argument missing */

    values[2] = null_value();
    assert_string_equal(blocking_category(packs, "sel", 3, values), "null");
    values[2] = constant(0); /* a literal 0 as a null pointer */
    assert_string_equal(blocking_category(packs, "sel", 3, values), "null");
    values[2] = constant(8);
    assert_null(blocking_category(packs, "sel", 3, values));
    values[2] = variable();
    assert_null(blocking_category(packs, "sel", 3, values));

    values[0] = global("stderr");
    assert_string_equal(blocking_category(packs, "out", 1, values), "console");
    values[0] = global("stdout");
    assert_string_equal(blocking_category(packs, "out", 1, values), "console");
    values[0] = global("log_file");
    assert_string_equal(blocking_category(packs, "out", 1, values), "file");
    values[0] = variable();
    assert_string_equal(blocking_category(packs, "out", 1, values), "file");

    values[0] = constant(1);
    assert_null(blocking_category(packs, "far", 1, values)); /* index past the arguments */

    /* != with several values: every one must be known to differ. */
    values[0] = global("stderr"); /* differs from stdout, but 0 cannot be compared */
    assert_null(blocking_category(packs, "not", 1, values));
    values[0] = constant(3); /* differs from 0, but stdout cannot be compared */
    assert_null(blocking_category(packs, "not", 1, values));

    /* No call at all: only unconditional rules hold. */
    assert_null(ll_function_rule_blocking(ll_packs_lookup(packs, "wait"), NULL));
    assert_string_equal(ll_function_rule_blocking(ll_packs_lookup(packs, "out"), NULL)->category,
                        "file");
    ll_condition none = {0};
    assert_true(ll_condition_holds(&none, NULL));
    ll_packs_free(packs);
}

/* ---- Malformed packs ---------------------------------------------------------------- */
static const struct {
    const char *text;
    const char *message; /* the exact start of the message */
} malformed[] = {
    {"pack p\nfrobnicate f\n", "bad.rules:2:1: unknown directive 'frobnicate'"},
    {"pack p\n\t  frob f\n", "bad.rules:2:4: unknown directive 'frob'"},
    {"pack p\nblocking f category=x colour=red\n",
     "bad.rules:2:23: unknown key 'colour' for 'blocking'"},
    {"pack p\nblocking f category=x category=y\n", "bad.rules:2:23: duplicate key 'category'"},
    {"pack p\nentry f kind=task arg=x1\n", "bad.rules:2:23: bad integer 'x1'"},
    {"pack p\nblocking f category=x when=arg1==12x\n", "bad.rules:2:34: bad integer '12x'"},
    {"pack p\nsuspend f deadline=99999999999999999999\n",
     "bad.rules:2:20: integer '99999999999999999999' is out of range"},
    {"pack p\nsuspend /a(b/\n", "bad.rules:2:13: bad regex: "},
    {"pack p\nsuspend /a{2,1}/\n", "bad.rules:2:15: bad regex: "},
    {"pack p\nsuspend /abc\n", "bad.rules:2:9: unterminated regex"},
    {"pack p\nsuspend // x\n", "bad.rules:2:9: empty regex"},
    {"pack p\nsuspend /a/b\n", "bad.rules:2:12: expected a blank after the regex's closing `/`"},
    {"pack p\nblocking f category=x reason=\"oops\n", "bad.rules:2:30: unterminated quote"},
    {"pack p\nblocking f category=\"a\\nb\"\n", "bad.rules:2:23: unknown escape in quotes"},
    {"# comment\nblocking f category=x\npack p\n",
     "bad.rules:2:1: expected `pack NAME` before any other statement"},
    {"pack p\n\npack q\n", "bad.rules:3:1: duplicate `pack` statement"},
    {"pack\n", "bad.rules:1:5: missing pack name after 'pack'"},
    {"pack p q\n", "bad.rules:1:8: unexpected 'q' after the pack name"},
    {"pack p\nstrict-io now\n", "bad.rules:2:11: 'strict-io' takes nothing after it"},
    {"", "bad.rules:1:1: no `pack NAME` statement"},
    {"pack p\nborrows f args=1,0\n", "bad.rules:2:18: argument index 0 is out of range (1 to 32)"},
    {"pack p\nentry f kind=task arg=33\n", "bad.rules:2:23: argument index 33 is out of range"},
    {"pack p\nblocking f category=x when=arg33==1\n", "bad.rules:2:31: argument index 33"},
    {"pack p\nblocking f category=x when=argument==1\n", "bad.rules:2:28: expected a condition"},
    {"pack p\nblocking f category=x when=arg1==1|\n", "bad.rules:2:36: empty value in condition"},
    {"pack p\nacquire f kind=resource handle=return type=t\n",
     "bad.rules:2:1: missing required key 'fail' for 'acquire'"},
    {"pack p\nacquire f kind=thing handle=return fail=null type=t\n",
     "bad.rules:2:16: unknown kind 'thing' (expected resource, task, session, lock, queue-item)"},
    {"pack p\nacquire f kind=task handle=out0 fail=null type=t\n",
     "bad.rules:2:31: argument index 0"},
    {"pack p\nacquire f kind=task handle=inside fail=null type=t\n",
     "bad.rules:2:28: unknown handle 'inside'"},
    {"pack p\nentry f kind=tusk arg=1\n", "bad.rules:2:14: unknown kind 'tusk'"},
    {"pack p\nsuspend f deadline=1 needs-timeout=yes\n",
     "bad.rules:2:35: 'needs-timeout' is a flag and takes no value"},
    {"pack p\nsuspend f needs-timeout\n", "bad.rules:2:11: 'needs-timeout' needs 'deadline=N'"},
    {"pack p\nsuspend f forever=0\n", "bad.rules:2:11: 'forever' needs 'deadline=N'"},
    {"pack p\nblocking f category\n", "bad.rules:2:12: 'category' needs a value"},
    {"pack p\nblocking f category=\n", "bad.rules:2:21: empty value for 'category'"},
    {"pack p\nrelease f handle=1 type=a||b\n", "bad.rules:2:27: empty type name"},
    {"pack p\nlimiter\n", "bad.rules:2:8: missing function name or /regex/ after 'limiter'"},
    {"pack p\nlimiter f(x)\n", "bad.rules:2:9: expected a function name or /regex/"},
    {"pack p\nlimiter f /g/\n", "bad.rules:2:11: unexpected regex after the function"},
    {"pack p\n/f/ limiter\n", "bad.rules:2:1: expected a directive, found a regex"},
    {"pack p\ncancel f\n", "bad.rules:2:1: missing required key 'handle' for 'cancel'"},
    {"pack p\nlimiter f handle=1\n", "bad.rules:2:11: unknown key 'handle' for 'limiter'"},
};

static void test_malformed_packs(void **state)
{
    (void)state;
    ll_packs *packs = packs_with("pack good\nlimiter f\n");
    uint64_t hash = ll_packs_hash(packs);
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        ll_error error = {""};
        int status = ll_packs_load_text(packs, "bad.rules", malformed[i].text, &error);
        if (status != -1 ||
            strncmp(error.message, malformed[i].message, strlen(malformed[i].message)) != 0)
            fail_msg("case %zu: got %d \"%s\", want \"%s...\"", i, status, error.message,
                     malformed[i].message);
        /* Nothing of the bad pack was added. */
        assert_int_equal(ll_packs_count(packs), 1);
        assert_int_equal(ll_packs_hash(packs), hash);
        assert_int_equal(ll_packs_lookup(packs, "f")->roles, LL_ROLE_LIMITER);
    }
    ll_packs_free(packs);
}

static void test_regex_error_names_pcre2_message(void **state)
{
    (void)state;
    ll_packs *packs = ll_packs_new();
    ll_error error = {""};
    assert_int_equal(ll_packs_load_text(packs, "bad.rules", "pack p\nlimiter /x(y/\n", &error), -1);
    assert_string_equal(error.message,
                        "bad.rules:2:13: bad regex: missing closing parenthesis (at offset 3)");
    ll_packs_free(packs);
}

static void test_duplicate_pack_name(void **state)
{
    (void)state;
    ll_packs *packs = packs_with("pack same\nlimiter f\n");
    ll_error error = {""};
    assert_int_equal(
        ll_packs_load_text(packs, "again.rules", "# again\npack  same\nlimiter g\n", &error), -1);
    assert_string_equal(error.message,
                        "again.rules:2:7: pack 'same' is already loaded (from test.rules)");
    assert_int_equal(ll_packs_count(packs), 1);
    assert_null(ll_packs_lookup(packs, "g"));
    ll_packs_free(packs);
}

static void test_missing_file(void **state)
{
    (void)state;
    ll_packs *packs = ll_packs_new();
    ll_error error = {""};
    assert_int_equal(ll_packs_load_file(packs, "/nonexistent/x.rules", &error), -1);
    assert_string_equal(error.message, "/nonexistent/x.rules: No such file or directory");
    assert_int_equal(ll_packs_load_directory(packs, "/nonexistent", &error), -1);
    assert_int_equal(ll_packs_count(packs), 0);
    ll_packs_free(packs);
}

/* ---- Directories and the hash ------------------------------------------------------- */
static void write_text(const char *directory, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static void remove_text(const char *directory, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    unlink(path);
}

static void test_directory_in_name_order(void **state)
{
    (void)state;
    char directory[] = "/tmp/looplint-packs-XXXXXX";
    assert_non_null(mkdtemp(directory));
    write_text(directory, "b.rules", "pack bee\nblocking f category=b\n");
    write_text(directory, "a.rules", "pack ay\nblocking f category=a\n");
    write_text(directory, "c.rules.orig", "this is not a pack\n");
    write_text(directory, "notes.txt", "neither is this\n");

    ll_packs *packs = ll_packs_new();
    ll_error error = {""};
    assert_int_equal(ll_packs_load_directory(packs, directory, &error), 0);
    assert_int_equal(ll_packs_count(packs), 2);
    assert_string_equal(ll_packs_name(packs, 0), "ay");
    assert_string_equal(ll_packs_name(packs, 1), "bee");
    char expected[512];
    snprintf(expected, sizeof expected, "%s/a.rules", directory);
    assert_string_equal(ll_packs_path(packs, 0), expected);
    const ll_function_rule *rule = ll_packs_lookup(packs, "f");
    assert_int_equal(rule->blocking_count, 2);
    assert_string_equal(rule->blocking[0].category, "a");

    /* The hash is that of the texts in load order. */
    ll_packs *same = ll_packs_new();
    assert_int_equal(ll_packs_load_text(same, "x", "pack ay\nblocking f category=a\n", &error), 0);
    assert_int_equal(ll_packs_load_text(same, "y", "pack bee\nblocking f category=b\n", &error), 0);
    assert_int_equal(ll_packs_hash(same), ll_packs_hash(packs));
    ll_packs *swapped = ll_packs_new();
    assert_int_equal(ll_packs_load_text(swapped, "y", "pack bee\nblocking f category=b\n", &error),
                     0);
    assert_int_equal(ll_packs_load_text(swapped, "x", "pack ay\nblocking f category=a\n", &error),
                     0);
    assert_int_not_equal(ll_packs_hash(swapped), ll_packs_hash(packs));
    ll_packs *empty = ll_packs_new();
    assert_int_not_equal(ll_packs_hash(empty), ll_packs_hash(packs));

    /* A directory with one bad pack adds none of them. */
    write_text(directory, "d.rules", "pack dee\nblocking g category=d\n");
    write_text(directory, "e.rules", "pack e\nblocking g\n");
    ll_packs *partial = ll_packs_new();
    assert_int_equal(ll_packs_load_directory(partial, directory, &error), -1);
    snprintf(expected, sizeof expected, "%s/e.rules:2:1: missing required key 'category'",
             directory);
    assert_memory_equal(error.message, expected, strlen(expected));
    assert_int_equal(ll_packs_count(partial), 0);
    assert_null(ll_packs_lookup(partial, "f"));
    /* ...and a directory that repeats a loaded pack's name neither. */
    remove_text(directory, "e.rules");
    assert_int_equal(ll_packs_load_directory(packs, directory, &error), -1);
    assert_int_equal(ll_packs_count(packs), 2);
    assert_null(ll_packs_lookup(packs, "g"));

    ll_packs_free(packs);
    ll_packs_free(same);
    ll_packs_free(swapped);
    ll_packs_free(empty);
    ll_packs_free(partial);
    const char *names[] = {"a.rules", "b.rules", "c.rules.orig", "notes.txt", "d.rules"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        remove_text(directory, names[i]);
    rmdir(directory);
}

/* ---- The shipped packs ---------------------------------------------------------------- */
static void test_shipped_packs_load(void **state)
{
    (void)state;
    const char *files[] = {RULES_DIR "/nest.rules", RULES_DIR "/posix.rules"};
    for (size_t i = 0; i < 2; i++) {
        ll_packs *packs = ll_packs_new();
        ll_error error = {""};
        if (ll_packs_load_file(packs, files[i], &error) != 0)
            fail_msg("%s", error.message);
        assert_int_equal(ll_packs_count(packs), 1);
        assert_true(ll_packs_line_count(packs, 0) > 50);
        ll_packs_free(packs);
    }
    ll_packs *packs = shipped_packs();
    assert_int_equal(ll_packs_count(packs), 2);
    assert_string_equal(ll_packs_name(packs, 0), "nest");
    assert_string_equal(ll_packs_name(packs, 1), "posix");
    ll_packs_free(packs);
}

static void test_nest_pack(void **state)
{
    (void)state;
    ll_packs *packs = shipped_packs();
    /* The spawn macros expand to the _at functions: both are described. */
    const char *spawns[] = {"nest_spawn", "nest_spawn_at"};
    for (size_t i = 0; i < 2; i++) {
        const ll_function_rule *rule = ll_packs_lookup(packs, spawns[i]);
        assert_non_null(rule);
        assert_int_equal(rule->entry_count, 1);
        assert_int_equal(rule->entries[0].kind, LL_ENTRY_TASK);
        assert_int_equal(rule->entries[0].argument, 1);
        assert_true(rule->entries[0].strict_io);
        assert_string_equal(rule->entries[0].pack, "nest");
        assert_int_equal(rule->acquire->kind, LL_RESOURCE_TASK);
        assert_string_equal(rule->acquire->type, "nest-task");
        assert_null(rule->suspend);
    }
    const ll_function_rule *rule = ll_packs_lookup(packs, "nest_group_spawn_at");
    assert_int_equal(rule->entries[0].argument, 2);
    assert_int_equal(rule->borrows_mask, 0x1u);
    assert_null(rule->acquire);
    assert_null(ll_packs_lookup(packs, "nest_spawn_attr"));

    rule = ll_packs_lookup(packs, "nest_to_thread");
    assert_int_equal(rule->entries[0].kind, LL_ENTRY_OFF_LOOP);
    assert_int_equal(rule->suspend->deadline, 3);
    assert_true(rule->suspend->needs_timeout);
    assert_int_equal(ll_packs_lookup(packs, "nest_wait_for")->entries[0].kind,
                     LL_ENTRY_TIMEOUT_SCOPE);

    rule = ll_packs_lookup(packs, "nest_read");
    assert_int_equal(rule->suspend->deadline, 4);
    assert_int_equal(rule->suspend->forever, -1);
    assert_true(rule->suspend->needs_timeout);
    assert_int_equal(rule->blocking_count, 0);
    rule = ll_packs_lookup(packs, "nest_queue_get");
    assert_false(rule->suspend->needs_timeout);
    assert_int_equal(rule->acquire->kind, LL_RESOURCE_QUEUE_ITEM);
    assert_int_equal(rule->acquire->place, LL_HANDLE_OUT);
    assert_int_equal(rule->acquire->argument, 2);
    assert_false(ll_packs_lookup(packs, "nest_accept")->suspend->needs_timeout);
    assert_int_equal(ll_packs_lookup(packs, "nest_sleep")->suspend->deadline, 0);

    rule = ll_packs_lookup(packs, "nest_join");
    assert_int_equal(rule->roles, LL_ROLE_JOIN | LL_ROLE_MUST_OBSERVE);
    assert_int_equal(rule->handle, 1);
    assert_int_equal(rule->result, 3);
    assert_int_equal(rule->task, 1);
    assert_null(rule->release);
    assert_int_equal(ll_packs_lookup(packs, "nest_pool_open")->acquire->kind, LL_RESOURCE_SESSION);
    rule = ll_packs_lookup(packs, "nest_close");
    assert_int_equal(rule->release->type_count, 2);
    assert_int_equal(ll_packs_lookup(packs, "nest_pool_release")->release->argument, 2);
    assert_int_equal(ll_packs_lookup(packs, "nest_sem_acquire")->roles, LL_ROLE_LIMITER);
    rule = ll_packs_lookup(packs, "nest_queue_close");
    assert_int_equal(rule->roles, LL_ROLE_QUEUE_CLOSE);
    assert_int_equal(rule->handle, 1);
    assert_string_equal(rule->release->types[0], "nest-queue");
    ll_packs_free(packs);
}

static void test_posix_pack(void **state)
{
    (void)state;
    ll_packs *packs = shipped_packs();
    ll_value values[4] = {variable(), variable(), variable(), variable()};

    /* poll blocks only with a known non-zero timeout. */
    values[2] = constant(1000);
    assert_string_equal(blocking_category(packs, "poll", 3, values), "poll");
    values[2] = constant(-1);
    assert_string_equal(blocking_category(packs, "poll", 3, values), "poll");
    values[2] = constant(0);
    assert_null(blocking_category(packs, "poll", 3, values));
    values[2] = variable();
    assert_null(blocking_category(packs, "poll", 3, values));

    /* Console before stdio. */
    values[0] = global("stderr");
    assert_string_equal(blocking_category(packs, "fprintf", 2, values), "console");
    values[0] = variable();
    assert_string_equal(blocking_category(packs, "fprintf", 2, values), "stdio");
    values[3] = global("stdout");
    assert_string_equal(blocking_category(packs, "fwrite", 4, values), "console");
    values[3] = variable();
    assert_string_equal(blocking_category(packs, "fwrite", 4, values), "stdio");
    values[0] = constant(2);
    assert_string_equal(blocking_category(packs, "write", 3, values), "console");
    values[0] = variable();
    const ll_function_rule *rule = ll_packs_lookup(packs, "write");
    test_call call;
    make_call(&call, "write", 3, values);
    const ll_blocking_rule *blocking = ll_function_rule_blocking(rule, &call.call);
    assert_string_equal(blocking->category, "fd-io");
    assert_string_equal(blocking->replacement, "nest_write");
    assert_string_equal(blocking_category(packs, "printf", 1, values), "console");

    const char *blocking_functions[][2] = {
        {"sleep", "nest_sleep"},
        {"usleep", "nest_sleep"},
        {"getaddrinfo", NULL},
        {"pthread_join", NULL},
        {"sem_wait", NULL},
        {"pthread_cond_wait", NULL},
        {"system", NULL},
        {"waitpid", NULL},
        {"fopen", NULL},
        {"fsync", NULL},
        {"flock", NULL},
        {"recv", "nest_read"},
        {"connect", "nest_tcp_connect"},
        {"accept", "nest_accept"},
        {"curl_easy_perform", NULL},
        {"sqlite3_step", NULL},
        {"PQexec", NULL},
        {"mysql_query", NULL},
        {"redisCommand", NULL},
        {"popen", NULL},
    };
    for (size_t i = 0; i < sizeof blocking_functions / sizeof blocking_functions[0]; i++) {
        rule = ll_packs_lookup(packs, blocking_functions[i][0]);
        if (!rule || !rule->blocking_count || !rule->blocking[0].reason)
            fail_msg("%s is not blocking with a reason", blocking_functions[i][0]);
        if (blocking_functions[i][1])
            assert_string_equal(rule->blocking[0].replacement, blocking_functions[i][1]);
    }

    /* Never blocking. */
    const char *harmless[] = {
        "pthread_mutex_lock",  "close", "snprintf", "sscanf", "strtol", "fcntl",
        "pthread_mutex_unlock"};
    for (size_t i = 0; i < sizeof harmless / sizeof harmless[0]; i++) {
        rule = ll_packs_lookup(packs, harmless[i]);
        if (rule && rule->blocking_count)
            fail_msg("%s is blocking", harmless[i]);
    }
    rule = ll_packs_lookup(packs, "pthread_mutex_lock");
    assert_int_equal(rule->acquire->kind, LL_RESOURCE_LOCK);
    assert_string_equal(rule->acquire->type, "mutex");
    assert_string_equal(ll_packs_lookup(packs, "pthread_rwlock_wrlock")->acquire->type, "rwlock");
    rule = ll_packs_lookup(packs, "close");
    assert_int_equal(rule->release->argument, 1);
    assert_string_equal(rule->release->types[0], "fd");
    assert_string_equal(rule->release->types[1], "nest-fd");
    rule = ll_packs_lookup(packs, "getaddrinfo");
    assert_int_equal(rule->acquire->place, LL_HANDLE_OUT);
    assert_int_equal(rule->acquire->argument, 4);
    assert_int_equal(rule->acquire->failure, LL_FAILURE_NONZERO_RETURN);
    assert_string_equal(ll_packs_lookup(packs, "fopen")->acquire->type, "FILE");
    assert_int_equal(ll_packs_lookup(packs, "fwrite")->borrows_mask, 0x8u);
    assert_int_equal(ll_packs_lookup(packs, "socket")->acquire->failure, LL_FAILURE_NEGATIVE);
    assert_null(ll_packs_lookup(packs, "snprintf"));

    /* select blocks forever only with a NULL timeout. */
    ll_value five[5] = {variable(), variable(), variable(), variable(), null_value()};
    assert_string_equal(blocking_category(packs, "select", 5, five), "poll");
    five[4] = variable();
    assert_null(blocking_category(packs, "select", 5, five));
    ll_packs_free(packs);
}

/* The example of docs/rule-packs.md ("A first pack") is a valid pack. */
static void test_documented_example(void **state)
{
    (void)state;
    FILE *file = fopen(LOOPLINT_TEST_SOURCE_DIR "/docs/rule-packs.md", "r");
    assert_non_null(file);
    static char text[65536];
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    char *example = strstr(text, "## A first pack");
    assert_non_null(example);
    example = strstr(example, "```\n");
    assert_non_null(example);
    example += 4;
    char *end = strstr(example, "```");
    assert_non_null(end);
    *end = '\0';

    ll_packs *packs = packs_with(example);
    assert_string_equal(ll_packs_name(packs, 0), "mylib");
    assert_string_equal(ll_packs_lookup(packs, "mylib_fetch")->blocking[0].category, "client");
    assert_string_equal(ll_packs_lookup(packs, "mylib_connect")->acquire->type, "mylib-conn");
    assert_int_equal(ll_packs_lookup(packs, "mylib_conn_send")->borrows_mask, 0x1u);
    ll_packs_free(packs);
}

/* ---- Threads ------------------------------------------------------------------------- */
static const char *const thread_names[] = {
    "nest_spawn_at",
    "fprintf",
    "poll",
    "read",
    "unknown_function",
    "nest_join",
    "pthread_mutex_lock",
    "nest_group_spawn",
    "close",
    "another_unknown",
    "sqlite3_step",
    "fwrite",
    "res_nquery",
    "getpwnam_r",
    "nest_read",
    "snprintf",
    "pthread_rwlock_rdlock",
};
enum { NAME_COUNT = sizeof thread_names / sizeof thread_names[0], THREADS = 4, ROUNDS = 20 };

typedef struct lookup_job {
    ll_packs *packs;
    uint32_t start; /* each thread walks the names from another place */
    const ll_function_rule *results[NAME_COUNT];
} lookup_job;

static void *look_up_all(void *argument)
{
    lookup_job *job = argument;
    for (uint32_t i = 0; i < NAME_COUNT; i++) {
        uint32_t n = (job->start + i) % NAME_COUNT;
        job->results[n] = ll_packs_lookup(job->packs, thread_names[n]);
    }
    return NULL;
}

static void test_concurrent_lookups(void **state)
{
    (void)state;
    for (int round = 0; round < ROUNDS; round++) {
        ll_packs *packs = shipped_packs(); /* a cold cache each round */
        lookup_job jobs[THREADS];
        pthread_t threads[THREADS];
        for (uint32_t t = 0; t < THREADS; t++) {
            memset(&jobs[t], 0, sizeof jobs[t]);
            jobs[t].packs = packs;
            jobs[t].start = t * (NAME_COUNT / THREADS);
            assert_int_equal(pthread_create(&threads[t], NULL, look_up_all, &jobs[t]), 0);
        }
        for (uint32_t t = 0; t < THREADS; t++)
            assert_int_equal(pthread_join(threads[t], NULL), 0);
        for (uint32_t n = 0; n < NAME_COUNT; n++) {
            const ll_function_rule *expected = ll_packs_lookup(packs, thread_names[n]);
            for (uint32_t t = 0; t < THREADS; t++)
                assert_ptr_equal(jobs[t].results[n], expected);
            if (expected)
                assert_string_equal(expected->name, thread_names[n]);
        }
        assert_null(jobs[0].results[4]); /* unknown_function */
        assert_non_null(jobs[0].results[0]);
        ll_packs_free(packs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_directive),
        cmocka_unit_test(test_conditions_parse),
        cmocka_unit_test(test_regex_escapes),
        cmocka_unit_test(test_merge_across_lines_and_packs),
        cmocka_unit_test(test_role_function),
        cmocka_unit_test(test_load_after_lookup),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_malformed_packs),
        cmocka_unit_test(test_regex_error_names_pcre2_message),
        cmocka_unit_test(test_duplicate_pack_name),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory_in_name_order),
        cmocka_unit_test(test_shipped_packs_load),
        cmocka_unit_test(test_nest_pack),
        cmocka_unit_test(test_posix_pack),
        cmocka_unit_test(test_documented_example),
        cmocka_unit_test(test_concurrent_lookups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
