/*
 * context_aarch64.S - the AArch64 (AAPCS64) context switch.
 *
 * Saves the callee-saved registers x19-x28, the frame pointer x29, the
 * link register x30 and the low halves of v8-v15 (d8-d15) in a 176-byte
 * frame on the current stack, stores sp, loads the other context's sp and
 * restores its frame, then returns through its x30. A new context's frame
 * (nest__context_make, context.c) holds entry in x19, arg in x20 and
 * nest__context_trampoline in x30.
 */
    .text
    .globl nest__context_swap
    .type nest__context_swap, %function
    .hidden nest__context_swap
/* void nest__context_swap(void **save_sp, void *load_sp) */
nest__context_swap:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x2, sp
    str x2, [x0]
    mov sp, x1
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #176
    ret
    .size nest__context_swap, .-nest__context_swap

    .globl nest__context_trampoline
    .type nest__context_trampoline, %function
    .hidden nest__context_trampoline
/* First code run by a new context: entry(arg), which never returns. */
nest__context_trampoline:
    mov x0, x20
    blr x19
    brk #0
    .size nest__context_trampoline, .-nest__context_trampoline

    .section .note.GNU-stack,"",%progbits
