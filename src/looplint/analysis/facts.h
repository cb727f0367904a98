/*
 * facts.h - the plain-data model every stage of looplint shares.
 *
 * The front end (front/, the only code that sees libclang) walks one
 * translation unit and produces an ll_unit: the files it included, the
 * functions it defines, and for each function its variables, its call
 * sites and a control-flow graph (blocks of operations ending in a
 * terminator); and the functions it stores into fields and tables, which
 * calls through function pointers resolve to. The store (store/) writes units to SQLite and reads
 * them back; the link step and the checks (analysis/, checks/) consume them. Nothing here depends
 * on libclang or SQLite, so unit tests build facts by hand.
 *
 * The CFG is deliberately small. Every expression the checks care about is
 * lowered to one of four operations (call, assign, store, use) over numbered
 * variables; a call whose result feeds another expression gets a temporary
 * variable, so `close(nest_tcp_connect(...))`, `return nest_spawn(...)` and
 * `if (nest_join(...) != 0)` all read as "call -> temporary, then use it".
 * Conditions are lowered to `variable RELATION constant` tests (`!p` is
 * `p == 0`, `fd < 0` stays `fd < 0`); `&&`, `||` and `?:` become separate
 * blocks. Anything else is an opaque value (LL_VALUE_OTHER) or an unknown
 * test, which the checks treat as "could go either way".
 *
 * Ownership: an ll_unit owns every array and string reachable from it
 * (malloc'd; freed by ll_unit_free). Locations name files by index into
 * the unit's file table.
 */
#ifndef LOOPLINT_FACTS_H
#define LOOPLINT_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Index into one of the arrays below; LL_NONE when absent. */
typedef uint32_t ll_index;
#define LL_NONE UINT32_MAX

/* Bumped whenever the layout or meaning of the facts changes: cached facts
 * of another version are never reused. */
#define LL_FACTS_VERSION 3

typedef struct ll_location {
    ll_index file;   /* into ll_unit.files; LL_NONE when unknown */
    uint32_t line;   /* 1-based */
    uint32_t column; /* 1-based, in bytes, as clang counts */
} ll_location;

/* A file the TU read: the main file first, then every included file. */
typedef struct ll_file {
    char *path;     /* absolute, normalised */
    uint64_t hash;  /* content hash (XXH3-64) at extraction time */
    bool is_system; /* a system header: declarations only */
} ll_file;

/* ---- Values: what an argument, an assigned or a returned expression is --- */
enum ll_value_kind {
    LL_VALUE_OTHER = 0, /* anything not modelled below */
    LL_VALUE_CONSTANT,  /* an integer constant expression: .constant */
    LL_VALUE_NULL,      /* NULL, (void *)0, 0 in pointer context */
    LL_VALUE_VARIABLE,  /* a local or parameter (or temporary): .variable */
    LL_VALUE_ADDRESS,   /* &local: .variable */
    LL_VALUE_FUNCTION,  /* f, &f, (cast)f: .name and .usr of the function */
    LL_VALUE_GLOBAL,    /* a global or static variable (or &global, field
                           access through one): .name and .usr of the
                           variable */
    LL_VALUE_STRING,    /* a string literal */
};

typedef struct ll_value {
    enum ll_value_kind kind;
    ll_index variable; /* VARIABLE, ADDRESS */
    int64_t constant;  /* CONSTANT */
    char *name;        /* FUNCTION, GLOBAL */
    char *usr;         /* FUNCTION, GLOBAL */
    /* GLOBAL, OTHER: when the value is read from a function-pointer field
       (`job->run`, `table[i].run`, `s->handlers[i]`), that field and the
       struct it belongs to ("struct job"); else NULL. */
    char *record_type;
    char *field;
} ll_value;

/* ---- Variables of a function --------------------------------------------- */
enum ll_variable_kind {
    LL_VARIABLE_LOCAL = 0,
    LL_VARIABLE_PARAMETER,
    LL_VARIABLE_TEMPORARY, /* made by the CFG builder for a call result */
};

typedef struct ll_variable {
    char *name; /* spelling; "" for temporaries */
    enum ll_variable_kind kind;
    uint32_t parameter;   /* 1-based position for parameters, else 0 */
    bool is_pointer;      /* pointer type (a handle), else integer or other */
    bool is_const;        /* const-qualified */
    ll_location location; /* declaration */
} ll_variable;

/* ---- Call sites ------------------------------------------------------------ */
/* How the value a call returns is used where the call appears. */
enum ll_result_use {
    LL_RESULT_DISCARDED = 0, /* the call is an expression statement */
    LL_RESULT_VOID_CAST,     /* (void)call(...) - deliberately ignored */
    LL_RESULT_USED,          /* assigned, stored, returned, tested or passed on:
                                the operation's .target says where it went */
};

enum ll_callee_kind {
    LL_CALLEE_DIRECT = 0, /* a named function: .callee_name, .callee_usr */
    LL_CALLEE_FIELD,      /* through a function-pointer field: .callee_name is
                             the field, .callee_type the struct type */
    LL_CALLEE_VARIABLE,   /* through a local or parameter: .callee_variable */
    LL_CALLEE_OTHER,      /* any other indirect call */
    LL_CALLEE_GLOBAL,     /* through a global or static variable, or an
                             element of one (`hook()`, `jobs[i]()`):
                             .callee_name and .callee_usr of the variable */
};

typedef struct ll_call {
    enum ll_callee_kind callee_kind;
    char *callee_name;        /* function or field name */
    char *callee_usr;         /* DIRECT: the callee's USR; GLOBAL: the variable's */
    char *callee_type;        /* FIELD: the struct's name ("struct conn_ops") */
    ll_index callee_variable; /* VARIABLE */
    ll_location location;     /* start of the callee's name as written (the
                                 macro's name when a macro expands to the call) */
    ll_value *arguments;
    uint32_t argument_count;
    enum ll_result_use result_use;
    char *text;     /* the call's tokens joined by single spaces, for
                       fingerprints ("nest_sleep ( 10 )") */
    ll_index block; /* block holding the call's operation */
} ll_call;

/* ---- Control-flow graph ---------------------------------------------------- */
enum ll_operation_kind {
    /* Call .call; its result goes to .target (a variable, often a
       temporary) or nowhere (LL_NONE). Arguments are in the call. */
    LL_OPERATION_CALL = 0,
    /* .target = .value (a copy when .value is a VARIABLE). */
    LL_OPERATION_ASSIGN,
    /* .value is stored outside the function's locals: into a field, an
       array element, a global, through a pointer (*out = v). */
    LL_OPERATION_STORE,
    /* .value is read in a way not covered above (arithmetic, comparison
       outside a branch test...). Informational. */
    LL_OPERATION_USE,
};

typedef struct ll_operation {
    enum ll_operation_kind kind;
    ll_index call;   /* CALL: into ll_function.calls */
    ll_index target; /* CALL, ASSIGN: variable, or LL_NONE */
    ll_value value;  /* ASSIGN, STORE, USE */
    ll_location location;
} ll_operation;

enum ll_terminator_kind {
    LL_TERMINATOR_JUMP = 0, /* one successor */
    LL_TERMINATOR_BRANCH,   /* two successors: [0] when the test holds, [1] not */
    LL_TERMINATOR_SWITCH,   /* n successors, one per case label plus default
                               (or the block after the switch) */
    LL_TERMINATOR_RETURN,   /* no successor; .returned is the value */
    LL_TERMINATOR_NORETURN, /* ends in a call that does not return (exit,
                               abort: attribute noreturn) */
};

enum ll_relation {
    LL_RELATION_UNKNOWN = 0, /* the test is not of the form below */
    LL_RELATION_EQUAL,       /* variable == constant   (!p is p == 0) */
    LL_RELATION_NOT_EQUAL,   /* variable != constant (if (p) is p != 0) */
    LL_RELATION_LESS,        /* variable < constant */
    LL_RELATION_LESS_EQUAL,
    LL_RELATION_GREATER,
    LL_RELATION_GREATER_EQUAL,
};

typedef struct ll_test {
    enum ll_relation relation;
    ll_index variable; /* LL_NONE when relation is UNKNOWN */
    int64_t constant;  /* NULL counts as 0 */
} ll_test;

typedef struct ll_block {
    ll_operation *operations; /* in execution order */
    uint32_t operation_count;
    enum ll_terminator_kind terminator;
    ll_index *successors; /* block indices; see the terminator kinds */
    uint32_t successor_count;
    ll_test test;         /* BRANCH */
    ll_value returned;    /* RETURN: OTHER when `return;` or unknown */
    ll_location location; /* the terminator: condition, return, goto... */
} ll_block;

enum ll_loop_kind { LL_LOOP_FOR = 0, LL_LOOP_WHILE, LL_LOOP_DO };

typedef struct ll_loop {
    enum ll_loop_kind kind;
    ll_location location;  /* the keyword (`do` for do-while) */
    ll_index header;       /* block that evaluates the condition (or the body's
                              first block when there is none) */
    ll_index *body_blocks; /* the blocks inside the loop (header included) */
    uint32_t body_block_count;
    bool condition_constant_true; /* for(;;), while(1) */
    /* What the condition reads, so that a check can tell whether anything
       the body does can change it, and whether its bound is a constant
       (RULES.md: busy-loop, unbounded-spawn). Empty without a condition. */
    ll_index *condition_variables; /* the locals and parameters it names
                                      (read, or their address taken) */
    uint32_t condition_variable_count;
    ll_index condition_first_call; /* its calls are calls[first, first + count)
                                      (LL_NONE when it has none) */
    uint32_t condition_call_count;
    bool condition_reads_memory; /* it reads a global or static variable (not a
                                    const one), a field, an element, or through
                                    a pointer */
} ll_loop;

/* Annotations a function carries (include/looplint.h). */
enum {
    LL_ANNOTATION_BLOCKING = 1u << 0,
    LL_ANNOTATION_LOOP = 1u << 1,
    LL_ANNOTATION_THREAD = 1u << 2,
};

typedef struct ll_function {
    char *name;
    char *usr;
    ll_location location; /* the name in the definition */
    bool is_definition;   /* false: an annotated declaration only */
    bool is_static;       /* internal linkage */
    uint32_t annotations; /* LL_ANNOTATION_* */
    uint32_t takes_mask;  /* LOOPLINT_TAKES(n): bit n-1 */
    uint32_t parameter_count;

    ll_variable *variables; /* parameters first, in order */
    uint32_t variable_count;
    ll_call *calls; /* in source order */
    uint32_t call_count;
    ll_block *blocks; /* blocks[0] is the entry */
    uint32_t block_count;
    ll_loop *loops;
    uint32_t loop_count;
} ll_function;

/* A function stored where the program can later call it through a
 * pointer: into a field of a struct type, into a global or static
 * variable (a table), or both (`static const struct job jobs[] =
 * {{"vacuum", vacuum}}` stores vacuum into field `run` of `struct job`,
 * in `jobs`). Made by initialisers - of globals, static and local
 * variables, compound literals; designated or positional - and by
 * assignments (`ops->emit = &f`, `handlers[i] = f`). The link resolves a
 * call through a field, or through a global, to the functions stored
 * there anywhere in the program (RULES.md, "Terms"). */
typedef struct ll_function_store {
    char *record_type;    /* the field's struct ("struct sink_ops"), or NULL */
    char *field;          /* the field, or NULL when not stored into one */
    char *global;         /* the variable holding it, or NULL (a local's
                             field, or one reached through a pointer) */
    char *global_usr;     /* ... and its USR */
    char *function_name;  /* the function stored */
    char *function_usr;   /* ... and its USR */
    ll_location location; /* the function's name where it is stored */
} ll_function_store;

/* An error or warning clang reported while parsing the TU. */
typedef struct ll_diagnostic {
    ll_location location;
    bool is_error; /* error or fatal */
    char *message;
} ll_diagnostic;

typedef struct ll_unit {
    char *path;      /* the main file, absolute */
    char *directory; /* the compile command's working directory */
    char *arguments; /* the compile arguments, for the cache key */
    ll_file *files;  /* files[0] is the main file */
    uint32_t file_count;
    ll_function *functions;
    uint32_t function_count;
    ll_diagnostic *diagnostics;
    uint32_t diagnostic_count;
    ll_function_store *stores; /* in source order */
    uint32_t store_count;
    bool parse_failed; /* no AST at all (the file is unreadable...) */
} ll_unit;

/* ---- Construction and release (facts.c) ------------------------------------ */
ll_unit *ll_unit_new(const char *path, const char *directory, const char *arguments);
void ll_unit_free(ll_unit *unit);

/* Each appends an element, zeroed with its indices set to LL_NONE, and
 * returns it (a pointer) or its index; NULL / LL_NONE when out of memory.
 * Pointers to earlier elements of the same array may move. */
ll_index ll_unit_add_file(ll_unit *unit, const char *path, uint64_t hash, bool is_system);
ll_function *ll_unit_add_function(ll_unit *unit, const char *name, const char *usr);
ll_diagnostic *ll_unit_add_diagnostic(ll_unit *unit, ll_location location, bool is_error,
                                      const char *message);
/* A copy of `store` (its strings copied). */
ll_function_store *ll_unit_add_store(ll_unit *unit, const ll_function_store *store);
ll_index ll_function_add_variable(ll_function *function, const char *name,
                                  enum ll_variable_kind kind);
ll_index ll_function_add_call(ll_function *function, const char *callee_name);
ll_value *ll_call_add_argument(ll_call *call);
ll_index ll_function_add_block(ll_function *function);
ll_operation *ll_block_add_operation(ll_block *block, enum ll_operation_kind kind);
/* Replaces the block's successor list with a copy of `successors`. */
int ll_block_set_successors(ll_block *block, const ll_index *successors, uint32_t count);
ll_loop *ll_function_add_loop(ll_function *function);
int ll_loop_add_block(ll_loop *loop, ll_index block);
/* Adds a variable to the condition's, unless it is there already. */
int ll_loop_add_condition_variable(ll_loop *loop, ll_index variable);

/* Frees the strings of a value and zeroes it. */
void ll_value_clear(ll_value *value);
/* Deep copy of a value's strings into `copy`; 0, or -1 when out of memory. */
int ll_value_copy(ll_value *copy, const ll_value *value);

/* Name of the file a location points at, or "<unknown>". */
const char *ll_unit_file_path(const ll_unit *unit, ll_location location);

/* ---- Relations (facts.c) -------------------------------------------------- */
/* The relation that holds when `x relation c` does not: !(x < c) is x >= c.
 * UNKNOWN stays UNKNOWN. */
enum ll_relation ll_relation_negated(enum ll_relation relation);
/* The relation with its sides swapped: c < x is x > c. EQUAL, NOT_EQUAL and
 * UNKNOWN stay as they are. */
enum ll_relation ll_relation_mirrored(enum ll_relation relation);

/* strdup that accepts NULL. */
char *ll_strdup(const char *text);

#endif
