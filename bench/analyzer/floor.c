/*
 * floor.c - the floor for any libclang tool: parse every TU of a
 * compilation database in one process and walk every cursor of its AST
 * once, doing nothing else. bench/analyzer/run.sh compares looplint with
 * this; the difference is what looplint's own work costs.
 *
 * usage: bench_analyzer_floor BUILD_DIR [FILE]   (FILE: only that TU)
 * Prints the TU count, cursors visited and seconds.
 */
#include <clang-c/CXCompilationDatabase.h>
#include <clang-c/Index.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum CXChildVisitResult count_cursor(CXCursor cursor, CXCursor parent,
                                            CXClientData data) {
    (void)cursor;
    (void)parent;
    ++*(size_t *)data;
    return CXChildVisit_Recurse;
}

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Parses one command and walks it; returns the cursors visited, or 0. */
static size_t walk(CXIndex index, CXCompileCommand command) {
    unsigned count = clang_CompileCommand_getNumArgs(command);
    const char **arguments = calloc(count + 1, sizeof *arguments);
    CXString *strings = calloc(count + 1, sizeof *strings);
    size_t cursors = 0;
    if (!arguments || !strings)
        goto done;
    for (unsigned i = 0; i < count; i++) {
        strings[i] = clang_CompileCommand_getArg(command, i);
        arguments[i] = clang_getCString(strings[i]);
    }
    CXTranslationUnit unit = NULL;
    if (clang_parseTranslationUnit2FullArgv(index, NULL, arguments, (int)count, NULL, 0,
                                            CXTranslationUnit_KeepGoing, &unit) == CXError_Success) {
        clang_visitChildren(clang_getTranslationUnitCursor(unit), count_cursor, &cursors);
        clang_disposeTranslationUnit(unit);
    }
    for (unsigned i = 0; i < count; i++)
        clang_disposeString(strings[i]);
done:
    free(arguments);
    free(strings);
    return cursors;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s BUILD_DIR [FILE]\n", argv[0]);
        return 2;
    }
    CXCompilationDatabase_Error status;
    CXCompilationDatabase database = clang_CompilationDatabase_fromDirectory(argv[1], &status);
    if (status != CXCompilationDatabase_NoError) {
        fprintf(stderr, "%s: cannot load compile_commands.json\n", argv[1]);
        return 1;
    }
    CXCompileCommands commands = argc > 2
                                     ? clang_CompilationDatabase_getCompileCommands(database, argv[2])
                                     : clang_CompilationDatabase_getAllCompileCommands(database);
    unsigned count = clang_CompileCommands_getSize(commands);
    CXIndex index = clang_createIndex(0, 0);
    double started = seconds();
    size_t cursors = 0;
    for (unsigned i = 0; i < count; i++)
        cursors += walk(index, clang_CompileCommands_getCommand(commands, i));
    double elapsed = seconds() - started;
    printf("floor: %u TUs, %zu cursors, %.3f s\n", count, cursors, elapsed);
    clang_disposeIndex(index);
    clang_CompileCommands_dispose(commands);
    clang_CompilationDatabase_dispose(database);
    return 0;
}
