/*
 * extract.c - one compile command's translation unit, parsed by libclang,
 * as an ll_unit.
 *
 * ll_extractor_run() parses the command with its own driver arguments,
 * then fills the unit from what clang built, in three passes: the files
 * the TU read (the main file first, then every inclusion, each hashed from
 * the bytes clang parsed, never re-read from disk), clang's errors, and
 * the top level of the AST: every function defined outside system headers
 * (its body lowered by body.c), every annotated declaration, and the
 * functions that globals' initialisers store (stores.c). The TU is
 * disposed before returning, so a worker holds one AST at a time.
 *
 * How a command is run. libclang has no working-directory parameter and a
 * worker thread must not chdir(), so the command gets clang's own
 * `-working-directory DIR`, which resolves every relative path of the
 * command (the input, -I and -include in both spellings, -iquote, header
 * maps...) as the build did. It also gets `-w`: warnings are not
 * looplint's business, and under a project's -Werror they would become
 * errors that fail the gate on code the project's own compiler (often GCC)
 * accepts ("optimization flag '-fno-tree-vrp' is not supported"); -w drops
 * those but keeps clang's errors, including its default-error warnings
 * (implicit function declarations). An option clang does not know at all
 * (GCC's -fno-ipa-foo) stays an error, "unknown argument": it is reported
 * like any other, and the TU is still parsed and walked. And it gets
 * `-D__LOOPLINT__=1`, which turns the macros of include/looplint.h into
 * the annotate attributes read below. These go right after argv[0], so
 * the command's own options come later and win. Nothing
 * else is changed, except that options which would make libclang write
 * files into the build tree (-MD, -MF, -MJ...) are left out: libclang
 * honours them, and -M would even overwrite the object file.
 *
 * Locations are file locations (clang_getFileLocation): a token a macro's
 * body produced is placed at the macro's name where it was expanded, and a
 * token written as a macro's argument stays where it was written. Files
 * are numbered in the unit's table through a small hash table keyed by
 * CXFile, filled with every inclusion before the walk starts, so the
 * numbering follows the inclusion order and never depends on the walk.
 */
#include "front.h"
#include "internal.h"
#include "stores.h"

#include <xxhash.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ll_extractor {
    CXIndex index;
};

typedef struct file_slot {
    CXFile file;    /* NULL: empty slot */
    ll_index index; /* into unit->files */
} file_slot;

struct ll_front_unit {
    ll_unit *unit;
    CXTranslationUnit translation_unit;
    const char *directory; /* the command's, for relative file names */
    file_slot *slots;      /* open addressing, at most half full */
    size_t slot_capacity;  /* 0 or a power of two */
    size_t slot_count;
    bool out_of_memory; /* the unit is incomplete: give up */
};

/* KeepGoing: an error does not stop the parse, so the partial AST is still
 * walked. Nothing else: no detailed preprocessing record, no preamble, no
 * completion cache - they cost time and memory the walk never uses. */
static const unsigned parse_options = CXTranslationUnit_KeepGoing;

ll_extractor *ll_extractor_new(void)
{
    ll_extractor *extractor = calloc(1, sizeof *extractor);
    if (!extractor)
        return NULL;
    extractor->index = clang_createIndex(0, 0);
    if (!extractor->index) {
        free(extractor);
        return NULL;
    }
    return extractor;
}

void ll_extractor_free(ll_extractor *extractor)
{
    if (!extractor)
        return;
    clang_disposeIndex(extractor->index);
    free(extractor);
}

ll_unit *ll_front_unit_facts(ll_front_unit *front)
{
    return front->unit;
}

CXTranslationUnit ll_front_unit_translation_unit(ll_front_unit *front)
{
    return front->translation_unit;
}

/* ---- The file table ---------------------------------------------------------- */

static size_t slot_of(CXFile file, size_t capacity)
{
    return (size_t)XXH3_64bits(&file, sizeof file) & (capacity - 1);
}

static int grow_slots(ll_front_unit *front)
{
    size_t capacity = front->slot_capacity ? front->slot_capacity * 2 : 64;
    file_slot *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < front->slot_capacity; i++) {
        file_slot *old = &front->slots[i];
        if (!old->file)
            continue;
        size_t slot = slot_of(old->file, capacity);
        while (slots[slot].file)
            slot = (slot + 1) & (capacity - 1);
        slots[slot] = *old;
    }
    free(front->slots);
    front->slots = slots;
    front->slot_capacity = capacity;
    return 0;
}

/* The file's absolute, normalised name: clang's real path when it knows
 * one, else its name made absolute against the command's directory. */
static char *file_path(ll_front_unit *front, CXFile file)
{
    char *path = NULL;
    CXString real = clang_File_tryGetRealPathName(file);
    const char *real_path = clang_getCString(real);
    if (real_path && real_path[0] == '/') {
        path = strdup(real_path);
    } else {
        CXString name = clang_getFileName(file);
        const char *spelling = clang_getCString(name);
        path = ll_front_absolute_path(front->directory, spelling ? spelling : "");
        clang_disposeString(name);
    }
    clang_disposeString(real);
    return path;
}

/* Adds `file` to the unit's table, or finds it there under another CXFile
 * (the same file reached by two names). */
static ll_index add_file(ll_front_unit *front, CXFile file)
{
    ll_unit *unit = front->unit;
    char *path = file_path(front, file);
    if (!path)
        return LL_NONE;
    for (uint32_t i = 0; i < unit->file_count; i++) {
        if (strcmp(unit->files[i].path, path) == 0) {
            free(path);
            return i;
        }
    }
    size_t size = 0;
    const char *contents = clang_getFileContents(front->translation_unit, file, &size);
    uint64_t hash = contents ? XXH3_64bits(contents, size) : 0;
    CXSourceLocation start = clang_getLocationForOffset(front->translation_unit, file, 0);
    bool is_system = clang_Location_isInSystemHeader(start) != 0;
    ll_index index = ll_unit_add_file(unit, path, hash, is_system);
    free(path);
    return index;
}

static ll_index file_index(ll_front_unit *front, CXFile file)
{
    if (!file)
        return LL_NONE;
    if (front->slot_count * 2 >= front->slot_capacity && grow_slots(front) != 0)
        goto fail;
    size_t slot = slot_of(file, front->slot_capacity);
    while (front->slots[slot].file) {
        if (front->slots[slot].file == file)
            return front->slots[slot].index;
        slot = (slot + 1) & (front->slot_capacity - 1);
    }
    ll_index index = add_file(front, file);
    if (index == LL_NONE)
        goto fail;
    front->slots[slot].file = file;
    front->slots[slot].index = index;
    front->slot_count++;
    return index;
fail:
    front->out_of_memory = true;
    return LL_NONE;
}

ll_location ll_front_location(ll_front_unit *front, CXSourceLocation location)
{
    ll_location result = {LL_NONE, 0, 0};
    CXFile file = NULL;
    unsigned line = 0;
    unsigned column = 0;
    clang_getFileLocation(location, &file, &line, &column, NULL);
    result.file = file_index(front, file);
    if (result.file != LL_NONE) {
        result.line = line;
        result.column = column;
    }
    return result;
}

static void add_inclusion(CXFile file, CXSourceLocation *stack, unsigned depth, CXClientData data)
{
    (void)stack;
    (void)depth;
    file_index(data, file);
}

/* files[0] is the main file, then the inclusions in the order clang
 * entered them. */
static int add_files(ll_front_unit *front)
{
    CXString spelling = clang_getTranslationUnitSpelling(front->translation_unit);
    CXFile main_file = clang_getFile(front->translation_unit, clang_getCString(spelling));
    clang_disposeString(spelling);
    if (main_file)
        file_index(front, main_file);
    clang_getInclusions(front->translation_unit, add_inclusion, front);
    return front->out_of_memory ? -1 : 0;
}

/* ---- Text of a range ------------------------------------------------------- */

/* Tokens of one file between two byte offsets (comments included: clang's
 * raw lexer keeps them). */
typedef struct token_run {
    CXToken *tokens;
    unsigned count;
} token_run;

static token_run tokenize(ll_front_unit *front, CXFile file, unsigned start, unsigned end)
{
    CXTranslationUnit translation_unit = front->translation_unit;
    CXSourceRange range = clang_getRange(clang_getLocationForOffset(translation_unit, file, start),
                                         clang_getLocationForOffset(translation_unit, file, end));
    token_run run = {NULL, 0};
    clang_tokenize(translation_unit, range, &run.tokens, &run.count);
    return run;
}

static void dispose_tokens(ll_front_unit *front, token_run *run)
{
    if (run->tokens)
        clang_disposeTokens(front->translation_unit, run->tokens, run->count);
    run->tokens = NULL;
    run->count = 0;
}

/* +1 for an opening bracket, -1 for a closing one, else 0. */
static int nesting(ll_front_unit *front, CXToken token)
{
    if (clang_getTokenKind(token) != CXToken_Punctuation)
        return 0;
    CXString spelling = clang_getTokenSpelling(front->translation_unit, token);
    const char *text = clang_getCString(spelling);
    int change = 0;
    if (text && text[0] && !text[1]) {
        if (strchr("([{", text[0]))
            change = 1;
        else if (strchr(")]}", text[0]))
            change = -1;
    }
    clang_disposeString(spelling);
    return change;
}

static bool balanced(ll_front_unit *front, token_run run)
{
    int depth = 0;
    for (unsigned i = 0; i < run.count && depth >= 0; i++)
        depth += nesting(front, run.tokens[i]);
    return depth == 0;
}

/* How many tokens of `run` an invocation takes: its first token, and when
 * the next one is "(", everything up to the matching ")". 0 when the run
 * ends before that ")". Comments count as tokens here, to be left out
 * when joining. */
static unsigned invocation_length(ll_front_unit *front, token_run run)
{
    unsigned first = 0;
    while (first < run.count && clang_getTokenKind(run.tokens[first]) == CXToken_Comment)
        first++;
    unsigned next = first + 1;
    while (next < run.count && clang_getTokenKind(run.tokens[next]) == CXToken_Comment)
        next++;
    if (next >= run.count || nesting(front, run.tokens[next]) <= 0)
        return first < run.count ? first + 1 : run.count;
    int depth = 0;
    for (unsigned i = next; i < run.count; i++) {
        depth += nesting(front, run.tokens[i]);
        if (depth == 0)
            return i + 1;
    }
    return 0;
}

/* The first `count` tokens of `run`, comments left out, joined by single
 * spaces; NULL when out of memory. */
static char *join_tokens(ll_front_unit *front, token_run run, unsigned count)
{
    CXString *spellings = calloc(count ? count : 1, sizeof *spellings);
    char *text = NULL;
    size_t length = 0;
    if (!spellings)
        return NULL;
    for (unsigned i = 0; i < count; i++) {
        if (clang_getTokenKind(run.tokens[i]) == CXToken_Comment)
            continue;
        spellings[i] = clang_getTokenSpelling(front->translation_unit, run.tokens[i]);
        const char *spelling = clang_getCString(spellings[i]);
        length += (spelling ? strlen(spelling) : 0) + 1;
    }
    text = malloc(length + 1);
    if (text) {
        size_t used = 0;
        for (unsigned i = 0; i < count; i++) {
            const char *spelling = clang_getCString(spellings[i]);
            if (!spelling)
                continue;
            if (used > 0)
                text[used++] = ' ';
            size_t size = strlen(spelling);
            memcpy(text + used, spelling, size);
            used += size;
        }
        text[used] = '\0';
    }
    for (unsigned i = 0; i < count; i++)
        clang_disposeString(spellings[i]);
    free(spellings);
    return text;
}

/* The invocation written at `offset` of `file` (see invocation_length),
 * read through a window that doubles until the ")" is in it. Sets
 * *has_arguments when it has a parenthesised part. */
static char *invocation_text(ll_front_unit *front, CXFile file, unsigned offset,
                             bool *has_arguments)
{
    size_t size = 0;
    clang_getFileContents(front->translation_unit, file, &size);
    for (size_t window = 256;; window *= 2) {
        unsigned end = offset + window < size ? (unsigned)(offset + window) : (unsigned)size;
        token_run run = tokenize(front, file, offset, end);
        unsigned length = invocation_length(front, run);
        if (length == 0 && end < size) {
            dispose_tokens(front, &run);
            continue;
        }
        if (length == 0) /* no ")" before the end of the file */
            length = run.count ? 1 : 0;
        *has_arguments = length > 1;
        char *text = join_tokens(front, run, length);
        dispose_tokens(front, &run);
        return text;
    }
}

/* Both ends are mapped to file locations (see the top of the file). A
 * call made by a macro's body then spans the macro's invocation, from its
 * name to its closing parenthesis, as clang already ends such a range
 * there; a call written inside a macro's argument keeps its own tokens.
 * When the ends do not make such a range (a macro whose body supplies the
 * parentheses of a callee passed as its argument, as in CALL(f, x); or a
 * call inside a macro inside another macro's argument, whose end clang
 * maps back to the start), the text is the invocation written at the
 * start - the call itself, or failing that the outermost macro's. */
char *ll_front_range_text(ll_front_unit *front, CXSourceRange range)
{
    CXSourceLocation start = clang_getRangeStart(range);
    CXFile file = NULL;
    CXFile end_file = NULL;
    unsigned start_offset = 0;
    unsigned end_offset = 0;
    clang_getFileLocation(start, &file, NULL, NULL, &start_offset);
    clang_getFileLocation(clang_getRangeEnd(range), &end_file, NULL, NULL, &end_offset);
    if (!file)
        return strdup("");
    if (end_file && clang_File_isEqual(file, end_file) && start_offset < end_offset) {
        token_run run = tokenize(front, file, start_offset, end_offset);
        bool matched = balanced(front, run);
        char *text = matched ? join_tokens(front, run, run.count) : NULL;
        dispose_tokens(front, &run);
        if (matched)
            return text;
    }

    bool has_arguments = false;
    char *text = invocation_text(front, file, start_offset, &has_arguments);
    CXFile expansion_file = NULL;
    unsigned expansion_offset = 0;
    clang_getExpansionLocation(start, &expansion_file, NULL, NULL, &expansion_offset);
    if (!text || has_arguments || !expansion_file ||
        (clang_File_isEqual(expansion_file, file) && expansion_offset == start_offset))
        return text;
    free(text);
    return invocation_text(front, expansion_file, expansion_offset, &has_arguments);
}

/* ---- Diagnostics -------------------------------------------------------------- */

/* clang's errors (warnings are off, see the top of the file; notes
 * attached to an error are dropped: the error's own message says what is
 * wrong and where). */
static int add_diagnostics(ll_front_unit *front)
{
    unsigned count = clang_getNumDiagnostics(front->translation_unit);
    for (unsigned i = 0; i < count; i++) {
        CXDiagnostic diagnostic = clang_getDiagnostic(front->translation_unit, i);
        int status = 0;
        if (clang_getDiagnosticSeverity(diagnostic) >= CXDiagnostic_Error) {
            CXString message = clang_getDiagnosticSpelling(diagnostic);
            ll_location location =
                ll_front_location(front, clang_getDiagnosticLocation(diagnostic));
            if (!ll_unit_add_diagnostic(front->unit, location, true, clang_getCString(message)))
                status = -1;
            clang_disposeString(message);
        }
        clang_disposeDiagnostic(diagnostic);
        if (status != 0 || front->out_of_memory)
            return -1;
    }
    return 0;
}

/* ---- Functions ------------------------------------------------------------------ */

typedef struct annotations {
    uint32_t flags; /* LL_ANNOTATION_* */
    uint32_t takes_mask;
} annotations;

static const struct {
    const char *spelling;
    uint32_t flag;
} annotation_names[] = {
    {"looplint:blocking", LL_ANNOTATION_BLOCKING},
    {"looplint:loop", LL_ANNOTATION_LOOP},
    {"looplint:thread", LL_ANNOTATION_THREAD},
};

/* "looplint:takes(N)", N from 1 to 32 (bit N-1 of takes_mask). Any other
 * annotate() string, looplint's or not, is somebody else's business. */
static void read_annotation(const char *spelling, annotations *found)
{
    static const char takes[] = "looplint:takes(";
    for (size_t i = 0; i < sizeof annotation_names / sizeof annotation_names[0]; i++) {
        if (strcmp(spelling, annotation_names[i].spelling) == 0) {
            found->flags |= annotation_names[i].flag;
            return;
        }
    }
    if (strncmp(spelling, takes, sizeof takes - 1) != 0)
        return;
    const char *digits = spelling + sizeof takes - 1;
    char *end = NULL;
    errno = 0;
    unsigned long position = strtoul(digits, &end, 10);
    if (end != digits && errno == 0 && strcmp(end, ")") == 0 && position >= 1 && position <= 32)
        found->takes_mask |= UINT32_C(1) << (position - 1);
}

static enum CXChildVisitResult visit_attribute(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(cursor) == CXCursor_AnnotateAttr) {
        CXString spelling = clang_getCursorSpelling(cursor);
        const char *text = clang_getCString(spelling);
        if (text)
            read_annotation(text, data);
        clang_disposeString(spelling);
    }
    return CXChildVisit_Continue;
}

static ll_function *function_with_usr(ll_unit *unit, const char *usr)
{
    for (uint32_t i = 0; i < unit->function_count; i++) {
        if (unit->functions[i].usr && strcmp(unit->functions[i].usr, usr) == 0)
            return &unit->functions[i];
    }
    return NULL;
}

static int add_function(ll_front_unit *front, CXCursor cursor, CXSourceLocation location)
{
    bool is_definition = clang_isCursorDefinition(cursor) != 0;
    annotations found = {0, 0};
    if (clang_Cursor_hasAttrs(cursor))
        clang_visitChildren(cursor, visit_attribute, &found);
    if (!is_definition && !found.flags && !found.takes_mask)
        return 0;

    CXString usr = clang_getCursorUSR(cursor);
    const char *usr_text = clang_getCString(usr) ? clang_getCString(usr) : "";
    /* A declaration matters only for its annotations, and once per
     * function: when the unit has the function already, its annotations
     * are added there (a redeclaration carries the earlier ones, and may
     * add its own). */
    ll_function *known = is_definition ? NULL : function_with_usr(front->unit, usr_text);
    if (known) {
        known->annotations |= found.flags;
        known->takes_mask |= found.takes_mask;
        clang_disposeString(usr);
        return 0;
    }
    CXString name = clang_getCursorSpelling(cursor);
    ll_function *function = ll_unit_add_function(front->unit, clang_getCString(name), usr_text);
    clang_disposeString(name);
    clang_disposeString(usr);
    if (!function)
        return -1;

    int arguments = clang_Cursor_getNumArguments(cursor);
    function->location = ll_front_location(front, location);
    function->is_definition = is_definition;
    function->is_static = clang_getCursorLinkage(cursor) == CXLinkage_Internal;
    function->annotations = found.flags;
    function->takes_mask = found.takes_mask;
    function->parameter_count = arguments > 0 ? (uint32_t)arguments : 0;
    if (is_definition && ll_front_function_body(front, cursor, function) != 0)
        return -1;
    return front->out_of_memory ? -1 : 0;
}

/* The functions a global's initialiser stores into its fields or
 * elements (a vtable, a command table). */
static int add_global(ll_front_unit *front, CXCursor cursor)
{
    CXCursor initializer = clang_Cursor_getVarDeclInitializer(cursor);
    if (clang_Cursor_isNull(initializer))
        return 0;
    if (ll_front_initializer_stores(front, initializer, cursor) != 0)
        return -1;
    return front->out_of_memory ? -1 : 0;
}

static enum CXChildVisitResult visit_top_level(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    enum CXCursorKind kind = clang_getCursorKind(cursor);
    if (kind != CXCursor_FunctionDecl && kind != CXCursor_VarDecl)
        return CXChildVisit_Continue;
    CXSourceLocation location = clang_getCursorLocation(cursor);
    if (clang_Location_isInSystemHeader(location))
        return CXChildVisit_Continue;
    int result = kind == CXCursor_FunctionDecl ? add_function(data, cursor, location)
                                               : add_global(data, cursor);
    return result == 0 ? CXChildVisit_Continue : CXChildVisit_Break;
}

/* ---- One command ---------------------------------------------------------------- */

/* Options that would make libclang write into the build tree or stop
 * before an AST: dependency output (-M and -MM even write it to the -o
 * file, the build's object file), -MJ's compilation-database fragment,
 * -save-temps (several jobs, which libclang refuses). Those with a value
 * take it joined (-MFdeps.d) or as the next argument. */
static const struct {
    const char *name;
    bool has_value;
} dropped_options[] = {
    {"-M", false},
    {"-MM", false},
    {"-MD", false},
    {"-MMD", false},
    {"-MG", false},
    {"-MP", false},
    {"-MV", false},
    {"--dependencies", false},
    {"--user-dependencies", false},
    {"--write-dependencies", false},
    {"--write-user-dependencies", false},
    {"-save-temps", false},
    {"-MF", true},
    {"-MT", true},
    {"-MQ", true},
    {"-MJ", true},
};

/* How many arguments, from the first of `arguments` (`left` of them), to
 * leave out: 0, 1, or 2 for an option and its value. */
static size_t dropped_count(const char *const *arguments, size_t left)
{
    const char *argument = arguments[0];
    /* -Wp,-MD,deps.d is how Kbuild asks for dependencies. */
    if (strncmp(argument, "-Wp,-M", 6) == 0 || strncmp(argument, "-save-temps=", 12) == 0)
        return 1;
    for (size_t i = 0; i < sizeof dropped_options / sizeof dropped_options[0]; i++) {
        size_t length = strlen(dropped_options[i].name);
        if (strncmp(argument, dropped_options[i].name, length) != 0)
            continue;
        if (argument[length] == '\0')
            return dropped_options[i].has_value && left > 1 ? 2 : 1;
        if (dropped_options[i].has_value)
            return 1;
    }
    return 0;
}

/* The command's argv, with looplint's options after argv[0] and the
 * options above left out (see the top of the file). The strings stay the
 * command's. */
static const char **parse_arguments(const ll_command *command, int *count)
{
    static const char *const compiler = "clang";
    const char *const *given = (const char *const *)command->arguments;
    size_t given_count = command->argument_count;
    const char **arguments = malloc((given_count + 7) * sizeof *arguments);
    if (!arguments)
        return NULL;
    size_t n = 0;
    arguments[n++] = given_count ? given[0] : compiler;
    arguments[n++] = "-working-directory";
    arguments[n++] = command->directory;
    arguments[n++] = "-w";
    arguments[n++] = "-D__LOOPLINT__=1";
    for (size_t i = 1; i < given_count;) {
        size_t dropped = dropped_count(given + i, given_count - i);
        if (dropped) {
            i += dropped;
            continue;
        }
        arguments[n++] = given[i++];
    }
    if (given_count == 0)
        arguments[n++] = command->file;
    arguments[n] = NULL;
    *count = (int)n;
    return arguments;
}

static const char *error_code_text(enum CXErrorCode code)
{
    switch (code) {
    case CXError_Success:
        break;
    case CXError_Failure:
        return "clang could not run the command (no input, several inputs, "
               "or an option that stops before parsing)";
    case CXError_Crashed:
        return "clang crashed";
    case CXError_InvalidArguments:
        return "invalid arguments";
    case CXError_ASTReadError:
        return "AST read error";
    }
    return "unknown error";
}

/* The unit of a command clang could not parse at all: its main file (no
 * hash: clang read nothing) and one error saying why. */
static ll_unit *parse_failed(ll_unit *unit, const char *reason)
{
    char *message = NULL;
    ll_location location = {LL_NONE, 0, 0};
    unit->parse_failed = true;
    location.file = ll_unit_add_file(unit, unit->path, 0, false);
    if (location.file == LL_NONE)
        goto fail;
    size_t size = strlen(reason) + sizeof "cannot parse: ";
    message = malloc(size);
    if (!message)
        goto fail;
    snprintf(message, size, "cannot parse: %s", reason);
    if (!ll_unit_add_diagnostic(unit, location, true, message))
        goto fail;
    free(message);
    return unit;
fail:
    free(message);
    ll_unit_free(unit);
    return NULL;
}

ll_unit *ll_extractor_run(ll_extractor *extractor, const ll_command *command)
{
    char *text = ll_command_text(command);
    if (!text)
        return NULL;
    ll_unit *unit = ll_unit_new(command->file, command->directory, text);
    free(text);
    if (!unit)
        return NULL;
    if (access(command->file, R_OK) != 0)
        return parse_failed(unit, strerror(errno));

    int count = 0;
    const char **arguments = parse_arguments(command, &count);
    if (!arguments)
        goto fail;
    CXTranslationUnit translation_unit = NULL;
    enum CXErrorCode code = clang_parseTranslationUnit2FullArgv(
        extractor->index, NULL, arguments, count, NULL, 0, parse_options, &translation_unit);
    free(arguments);
    if (code != CXError_Success || !translation_unit)
        return parse_failed(unit, error_code_text(code));

    ll_front_unit front = {
        .unit = unit,
        .translation_unit = translation_unit,
        .directory = command->directory,
    };
    int status = add_files(&front);
    if (status == 0)
        status = add_diagnostics(&front);
    if (status == 0) {
        CXCursor top = clang_getTranslationUnitCursor(translation_unit);
        if (clang_visitChildren(top, visit_top_level, &front) != 0 || front.out_of_memory)
            status = -1;
    }
    clang_disposeTranslationUnit(translation_unit);
    free(front.slots);
    if (status != 0)
        goto fail;
    return unit;
fail:
    ll_unit_free(unit);
    return NULL;
}
