/*
 * context_x86_64.S - the x86-64 (System V) context switch.
 *
 * A suspended context is just its stack pointer: the switch pushes the
 * callee-saved registers (rbp, rbx, r12-r15) and the x87/SSE control words
 * onto the current stack, stores rsp, loads the other context's rsp and
 * pops the same frame. Caller-saved registers need no saving: the switch is
 * an ordinary call as far as the compiler is concerned. A new context's
 * frame is built by nest__context_make (context.c) so that the first switch
 * "returns" into nest__context_trampoline with entry and arg in r12/r13.
 */
    .text
    .globl nest__context_swap
    .type nest__context_swap, @function
    .hidden nest__context_swap
/* void nest__context_swap(void **save_sp, void *load_sp) */
nest__context_swap:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size nest__context_swap, .-nest__context_swap

    .globl nest__context_trampoline
    .type nest__context_trampoline, @function
    .hidden nest__context_trampoline
/* First code run by a new context: entry(arg), which never returns. */
nest__context_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq %r13, %rdi
    callq *%r12
    ud2
    .cfi_endproc
    .size nest__context_trampoline, .-nest__context_trampoline

    .section .note.GNU-stack,"",@progbits
