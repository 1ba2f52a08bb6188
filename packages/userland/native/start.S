/*
 * Entry point and system-call trap of the native test build, which runs the user
 * programs as i386 Linux processes. This file and linux.c are linked only into the
 * programs under native/bin, never into bin/ or lib/libxv6.a.
 *
 * Linux starts a static program with esp pointing at argc, then the argv pointers
 * and a 0. xv6 instead calls main(argc, argv) with a fake return address, so _start
 * pushes the two arguments and calls main; main ends with exit() and never returns.
 */
  .text
  .globl _start
  .type _start, @function
_start:
  xorl %ebp, %ebp
  movl (%esp), %eax        // argc
  leal 4(%esp), %ecx       // argv
  andl $-16, %esp
  subl $8, %esp
  pushl %ecx
  pushl %eax
  call main
  call exit

/*
 * int linux_syscall(int number, int a, int b, int c, int d)
 * Linux's i386 convention: number in eax, arguments in ebx, ecx, edx, esi; the
 * result in eax, -4095..-1 meaning -errno. ebx and esi are callee-saved in cdecl.
 */
  .globl linux_syscall
  .type linux_syscall, @function
linux_syscall:
  pushl %ebx
  pushl %esi
  movl 12(%esp), %eax
  movl 16(%esp), %ebx
  movl 20(%esp), %ecx
  movl 24(%esp), %edx
  movl 28(%esp), %esi
  int $0x80
  popl %esi
  popl %ebx
  ret

.section .note.GNU-stack, "", @progbits
