/*
 * context.c - creating and switching contexts, told to the sanitizers.
 *
 * The switch itself is the hand-written swap of context_<arch>.S, or
 * swapcontext when built with NEST_USE_UCONTEXT (context_ucontext.c then
 * makes the contexts).
 * AddressSanitizer keeps shadow state per stack; it must be told when the
 * thread moves to another stack (__sanitizer_start_switch_fiber before,
 * __sanitizer_finish_switch_fiber after) or it reports false stack overflows
 * and misses real ones. A context that exits passes NULL so that ASan frees
 * its fake stack. The thread's own stack (the scheduler's) is not known in
 * advance: the first switch away from it reports its bounds, recorded here.
 */
#include "internal.h"

#include <stdint.h>
#include <string.h>

#ifdef NEST_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#ifndef NEST_CONTEXT_UCONTEXT

void nest__context_swap(void **save_stack_pointer, void *load_stack_pointer);
void nest__context_trampoline(void);

enum { X86_64_FRAME_WORDS = 8, AARCH64_FRAME_WORDS = 22 };

void nest__context_make(struct nest_context *context, void *stack_bottom, size_t stack_size,
                        void (*entry)(void *arg), void *arg)
{
    uintptr_t top = ((uintptr_t)stack_bottom + stack_size) & ~(uintptr_t)15;
    memset(context, 0, sizeof *context);
    context->stack_bottom = stack_bottom;
    context->stack_size = stack_size;
#if defined(__x86_64__)
    /* Frame popped by the swap: control words, r15, r14, r13, r12, rbx,
     * rbp, return address. The trampoline must start with rsp 16-aligned. */
    uint64_t *frame = (uint64_t *)(top - 16 - X86_64_FRAME_WORDS * sizeof(uint64_t));
    memset(frame, 0, X86_64_FRAME_WORDS * sizeof(uint64_t));
    frame[0] = 0x1F80u | ((uint64_t)0x037Fu << 32); /* default MXCSR, x87 CW */
    frame[3] = (uint64_t)(uintptr_t)arg;            /* r13 */
    frame[4] = (uint64_t)(uintptr_t)entry;          /* r12 */
    frame[7] = (uint64_t)(uintptr_t)nest__context_trampoline;
#elif defined(__aarch64__)
    /* Frame restored by the swap: x19..x28, x29, x30, d8..d15. */
    uint64_t *frame = (uint64_t *)(top - AARCH64_FRAME_WORDS * sizeof(uint64_t));
    memset(frame, 0, AARCH64_FRAME_WORDS * sizeof(uint64_t));
    frame[0] = (uint64_t)(uintptr_t)entry;  /* x19 */
    frame[1] = (uint64_t)(uintptr_t)arg;    /* x20 */
    frame[11] = (uint64_t)(uintptr_t)nest__context_trampoline; /* x30 */
#else
#error "no hand-written context switch for this architecture: configure with NEST_USE_UCONTEXT=ON"
#endif
    context->stack_pointer = frame;
}

#endif /* !NEST_CONTEXT_UCONTEXT */

#ifdef NEST_ASAN
static void sanitizer_arrived(struct nest_context *context, void *fake_stack)
{
    const void *from_bottom = NULL;
    size_t from_size = 0;
    __sanitizer_finish_switch_fiber(fake_stack, &from_bottom, &from_size);
    struct nest_context *from = context->came_from;
    if (from != NULL && from->stack_bottom == NULL) {
        from->stack_bottom = (void *)(uintptr_t)from_bottom;
        from->stack_size = from_size;
    }
}
#endif

void nest__context_switch(struct nest_context *from, struct nest_context *to,
                          bool from_is_exiting)
{
#ifdef NEST_ASAN
    to->came_from = from;
    __sanitizer_start_switch_fiber(from_is_exiting ? NULL : &from->fake_stack, to->stack_bottom,
                                   to->stack_size);
#else
    (void)from_is_exiting;
#endif
#ifdef NEST_CONTEXT_UCONTEXT
    swapcontext(&from->uc, &to->uc);
#else
    nest__context_swap(&from->stack_pointer, to->stack_pointer);
#endif
#ifdef NEST_ASAN
    sanitizer_arrived(from, from->fake_stack);
#endif
}

void nest__context_started(struct nest_context *context)
{
#ifdef NEST_ASAN
    sanitizer_arrived(context, NULL);
#else
    (void)context;
#endif
}
