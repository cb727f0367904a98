/*
 * context_ucontext.c - the portable fallback context switch (makecontext /
 * swapcontext), selected with -DNEST_USE_UCONTEXT=ON or on architectures
 * without a hand-written switch. It is about 20 times slower than the
 * assembly (swapcontext saves and restores the signal mask with a system
 * call) but needs nothing but libc. Switching (and telling the sanitizers)
 * is context.c's.
 */
#include "internal.h"

#ifdef NEST_CONTEXT_UCONTEXT

#include <stdint.h>
#include <string.h>

/* makecontext passes int arguments only: split the pointers in halves. */
static void ucontext_entry(unsigned entry_high, unsigned entry_low, unsigned arg_high,
                           unsigned arg_low)
{
    uintptr_t entry_bits = ((uintptr_t)entry_high << 16 << 16) | entry_low;
    uintptr_t arg_bits = ((uintptr_t)arg_high << 16 << 16) | arg_low;
    void (*entry)(void *);
    memcpy(&entry, &entry_bits, sizeof entry);
    entry((void *)arg_bits);
}

void nest__context_make(struct nest_context *context, void *stack_bottom, size_t stack_size,
                        void (*entry)(void *arg), void *arg)
{
    uintptr_t entry_bits;
    uintptr_t arg_bits = (uintptr_t)arg;
    memset(context, 0, sizeof *context);
    memcpy(&entry_bits, &entry, sizeof entry_bits);
    context->stack_bottom = stack_bottom;
    context->stack_size = stack_size;
    getcontext(&context->uc);
    context->uc.uc_stack.ss_sp = stack_bottom;
    context->uc.uc_stack.ss_size = stack_size;
    context->uc.uc_link = NULL;
    makecontext(&context->uc, (void (*)(void))ucontext_entry, 4,
                (unsigned)(entry_bits >> 16 >> 16), (unsigned)entry_bits,
                (unsigned)(arg_bits >> 16 >> 16), (unsigned)arg_bits);
}

#endif /* NEST_CONTEXT_UCONTEXT */
