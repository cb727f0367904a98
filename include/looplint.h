/*
 * looplint.h - annotations that tell looplint what a function of yours
 * does, where its code cannot show it (docs/annotations.md).
 *
 *   LOOPLINT_BLOCKING   this function blocks the thread (a wrapper around a
 *                       library looplint has no rule for): calling it in
 *                       loop context is a blocking-call.
 *   LOOPLINT_LOOP       this function runs on the event loop (a callback a
 *                       library looplint has no pack for will call): a root
 *                       of loop context.
 *   LOOPLINT_THREAD     this function runs off the loop, on a thread of its
 *                       own: it may block, and loop context stops there even
 *                       when loop code calls it.
 *   LOOPLINT_TAKES(n)   this function takes ownership of its argument n
 *                       (counting from 1): the caller no longer has to
 *                       release what it passed there.
 *
 * Put the macro in front of a declaration or a definition; on a
 * declaration in a header it covers every file that includes the header,
 * whichever file defines the function:
 *
 *     LOOPLINT_BLOCKING int legacy_fetch(const char *url, char *out);
 *     LOOPLINT_TAKES(1) void conn_adopt(int fd);
 *
 * The macros cost nothing: they expand to nothing unless looplint is the
 * one parsing (it defines __LOOPLINT__), and then to clang's annotate
 * attribute, which only tools read.
 */
#ifndef LOOPLINT_H
#define LOOPLINT_H

#if defined(__LOOPLINT__)
#define LOOPLINT_BLOCKING __attribute__((annotate("looplint:blocking")))
#define LOOPLINT_LOOP     __attribute__((annotate("looplint:loop")))
#define LOOPLINT_THREAD   __attribute__((annotate("looplint:thread")))
#define LOOPLINT_TAKES(n) __attribute__((annotate("looplint:takes(" #n ")")))
#else
#define LOOPLINT_BLOCKING
#define LOOPLINT_LOOP
#define LOOPLINT_THREAD
#define LOOPLINT_TAKES(n)
#endif

#endif
