/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Functions that are never called: only their call frame information
 * matters.  test_cfi.c reads it back from its own executable's .debug_frame
 * and steps from the *_body labels with registers and memory it makes up.
 * The rules are written here by hand, so the expected results follow from
 * this file and the DWARF standard alone.
 */
	.cfi_sections .debug_frame
	.text

/* A frame-pointer prologue: CFA = rbp + 16, rbp at CFA-16, rbx at CFA-24. */
	.globl cfi_push
	.type cfi_push, @function
cfi_push:
	.cfi_startproc
	pushq %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	movq %rsp, %rbp
	.cfi_def_cfa_register %rbp
	pushq %rbx
	.cfi_offset %rbx, -24
	.globl cfi_push_body
cfi_push_body:
	nop
	popq %rbx
	.cfi_restore %rbx
	popq %rbp
	.cfi_def_cfa %rsp, 8
	.cfi_restore %rbp
	ret
	.cfi_endproc
	.size cfi_push, . - cfi_push

/*
 * GCC's dynamic realignment (DRAP), as in the kernel's own .debug_frame:
 * CFA = *(rbp - 8) (DW_CFA_def_cfa_expression: breg6 -8; deref), rbp saved
 * at rbp + 0 and r15 at rbp - 16 (DW_CFA_expression).
 */
	.globl cfi_drap
	.type cfi_drap, @function
cfi_drap:
	.cfi_startproc
	leaq 8(%rsp), %r10
	.cfi_def_cfa %r10, 0
	andq $-32, %rsp
	pushq -8(%r10)
	pushq %rbp
	movq %rsp, %rbp
	.cfi_escape 0x10, 0x06, 0x02, 0x76, 0x00
	pushq %r10
	.cfi_escape 0x0f, 0x03, 0x76, 0x78, 0x06
	pushq %r15
	.cfi_escape 0x10, 0x0f, 0x02, 0x76, 0x70
	.globl cfi_drap_body
cfi_drap_body:
	nop
	popq %r15
	popq %r10
	.cfi_def_cfa %r10, 0
	popq %rbp
	leaq -8(%r10), %rsp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size cfi_drap, . - cfi_drap

/* rbx kept in r12 (DW_CFA_register), CFA = rsp + 8. */
	.globl cfi_register
	.type cfi_register, @function
cfi_register:
	.cfi_startproc
	movq %rbx, %r12
	.cfi_register %rbx, %r12
	.globl cfi_register_body
cfi_register_body:
	nop
	movq %r12, %rbx
	.cfi_restore %rbx
	ret
	.cfi_endproc
	.size cfi_register, . - cfi_register

/* The outermost frame: no return address. */
	.globl cfi_undefined
	.type cfi_undefined, @function
cfi_undefined:
	.cfi_startproc
	.cfi_undefined %rip
	.globl cfi_undefined_body
cfi_undefined_body:
	nop
	ret
	.cfi_endproc
	.size cfi_undefined, . - cfi_undefined

	.section .note.GNU-stack, "", @progbits
