/*
 * System-call stubs. Each stub loads the call number into eax and executes int $64.
 * The caller's arguments stay where its cdecl call put them, so the kernel finds
 * argument n at esp + 4 + 4*n on entry, reads the result from eax and preserves every
 * other register. Each stub has its own section so that a program links in only the
 * calls it uses.
 */
#include "syscall.h"

.macro syscall_stub name, number
  .section .text.\name, "ax", @progbits
  .globl \name
  .type \name, @function
\name:
  movl $\number, %eax
  int $64
  ret
  .size \name, . - \name
.endm

syscall_stub fork, SYS_fork
syscall_stub exit, SYS_exit
syscall_stub wait, SYS_wait
syscall_stub pipe, SYS_pipe
syscall_stub read, SYS_read
syscall_stub kill, SYS_kill
syscall_stub exec, SYS_exec
syscall_stub fstat, SYS_fstat
syscall_stub chdir, SYS_chdir
syscall_stub dup, SYS_dup
syscall_stub getpid, SYS_getpid
syscall_stub sbrk, SYS_sbrk
syscall_stub sleep, SYS_sleep
syscall_stub uptime, SYS_uptime
syscall_stub open, SYS_open
syscall_stub write, SYS_write
syscall_stub mknod, SYS_mknod
syscall_stub unlink, SYS_unlink
syscall_stub link, SYS_link
syscall_stub mkdir, SYS_mkdir
syscall_stub close, SYS_close
syscall_stub checkpoint, SYS_checkpoint
syscall_stub restart, SYS_restart
syscall_stub ckptinfo, SYS_ckptinfo

// The stack needs no execute permission; without this note ld assumes it does.
.section .note.GNU-stack, "", @progbits
