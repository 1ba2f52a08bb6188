/*
 * x86 trap numbers as the xv6 kernel reports them when it kills a process
 * ("trap 14 err 5 ..."). Only T_SYSCALL may be raised from user mode with int.
 */
#ifndef XV6_TRAPS_H
#define XV6_TRAPS_H

#define T_DIVIDE 0    // divide error
#define T_DEBUG 1     // debug exception (single step)
#define T_NMI 2       // non-maskable interrupt
#define T_BRKPT 3     // breakpoint
#define T_OFLOW 4     // overflow
#define T_BOUND 5     // bound range exceeded
#define T_ILLOP 6     // invalid opcode
#define T_DEVICE 7    // device not available
#define T_DBLFLT 8    // double fault
#define T_TSS 10      // invalid task-state segment
#define T_SEGNP 11    // segment not present
#define T_STACK 12    // stack fault
#define T_GPFLT 13    // general protection fault
#define T_PGFLT 14    // page fault
#define T_FPERR 16    // x87 floating-point error
#define T_ALIGN 17    // alignment check
#define T_MCHK 18     // machine check
#define T_SIMDERR 19  // SIMD floating-point error

#define T_SYSCALL 64  // system call
#define T_IRQ0 32     // first hardware interrupt; the timer is T_IRQ0 + 0

#endif
