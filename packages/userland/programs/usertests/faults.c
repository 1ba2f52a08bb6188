/*
 * Tests of faults in user mode: each runs an instruction that must make the kernel
 * kill the process, in a child, and checks that the child died (see
 * expect_killed). The trap each one raises on x86 is noted; the kernel prints it on
 * the console, which the test cannot see.
 *
 * test_eflags checks the EFLAGS bits that user code sees and cannot change.
 */
#include "usertests.h"

static volatile int sink;

static void do_inb(void) { asm volatile("inb $0x60, %%al" ::: "eax"); }      // trap 13
static void do_outb(void) { asm volatile("outb %%al, $0x80" ::: "memory"); } // trap 13
static void do_inb_dx(void) { asm volatile("movw $0x1f7, %%dx; inb %%dx, %%al" ::: "eax", "edx"); }
static void do_cli(void) { asm volatile("cli"); }                           // trap 13
static void do_hlt(void) { asm volatile("hlt"); }                           // trap 13
static void do_int3(void) { asm volatile("int $3"); }                       // trap 13, err 26
static void do_int80(void) { asm volatile("int $0x80"); }                   // trap 13, err 1026
static void do_ud2(void) { asm volatile("ud2"); }                           // trap 6
// Inline assembly, because gcc compiles 1 / x without a division instruction.
static void do_divide(void) { asm volatile("xorl %%ecx, %%ecx; movl $1, %%eax; cltd; idivl %%ecx" ::: "eax", "ecx", "edx"); } // trap 0

void
test_iokill(void)
{
  expect_killed(do_inb, "inb at CPL 3");
  expect_killed(do_inb_dx, "inb from port dx at CPL 3");
  expect_killed(do_outb, "outb at CPL 3");
  expect_killed(do_cli, "cli at CPL 3");
  expect_killed(do_hlt, "hlt at CPL 3");
}

void
test_trapkill(void)
{
  expect_killed(do_int3, "int $3");
  expect_killed(do_int80, "int $0x80");
  expect_killed(do_ud2, "ud2");
  expect_killed(do_divide, "a division by zero");
}

static void read_kernel(void) { sink = *(volatile int*)KERNBASE; }           // trap 14, err 5
static void write_kernel(void) { *(volatile int*)(KERNBASE + 0x100000) = 1; } // trap 14, err 7
static void read_top(void) { sink = *(volatile char*)0xffffffff; }           // trap 14
static void read_unmapped(void) { sink = *(volatile int*)0x40000000; }       // trap 14, err 4
static void jump_to_fake_return(void) { ((void (*)(void))0xffffffff)(); }   // trap 14

void
test_kernelmem(void)
{
  expect_killed(read_kernel, "a read of KERNBASE");
  expect_killed(write_kernel, "a write to kernel memory");
  expect_killed(read_top, "a read of address 0xffffffff");
  expect_killed(read_unmapped, "a read of an unmapped user address");
  expect_killed(jump_to_fake_return, "a jump to 0xffffffff, as when main returns");
}

// The guard page is the page just below the one-page stack.
static volatile char*
guard_page_top(void)
{
  volatile char local = 0;

  return (volatile char*)(PGROUNDDOWN((uint)&local) - 1);
}

static void read_guard(void) { sink = *guard_page_top(); }   // trap 14, err 5
static void write_guard(void) { *guard_page_top() = 1; }     // trap 14, err 7

static volatile int depth_limit = 1 << 30;

// Recurse with 256 bytes of stack per call until the stack runs into the guard page.
static int
recurse(int depth)
{
  volatile char frame[256];

  frame[0] = depth;
  if(depth >= depth_limit)
    return frame[0];
  return recurse(depth + 1) + frame[0];
}

static void overflow_stack(void) { sink = recurse(0); }     // trap 14, err 7

void
test_stackguard(void)
{
  expect_killed(read_guard, "a read of the stack guard page");
  expect_killed(write_guard, "a write to the stack guard page");
  expect_killed(overflow_stack, "a recursion that overflows the stack");
}

#define FL_RESERVED 0x00000002  // bit 1, always set
#define FL_IF 0x00000200
#define FL_IOPL 0x00003000
#define FL_ID 0x00200000

static uint
read_eflags(void)
{
  uint flags;

  asm volatile("pushfl; popl %0" : "=r"(flags));
  return flags;
}

static void
write_eflags(uint flags)
{
  asm volatile("pushl %0; popfl" : : "r"(flags) : "cc", "memory");
}

void
test_eflags(void)
{
  uint flags = read_eflags();

  if((flags & FL_RESERVED) == 0)
    fail("EFLAGS 0x%x has bit 1 clear", flags);
  if((flags & FL_IF) == 0)
    fail("EFLAGS 0x%x has IF clear in user mode", flags);
  if((flags & FL_IOPL) != 0)
    fail("EFLAGS 0x%x has IOPL %d, expected 0", flags, (flags & FL_IOPL) >> 12);

  write_eflags(flags & ~FL_IF);
  if((read_eflags() & FL_IF) == 0)
    fail("popf at CPL 3 cleared IF");
  write_eflags(flags | FL_IOPL);
  if((read_eflags() & FL_IOPL) != 0)
    fail("popf at CPL 3 changed IOPL");

  // The ID bit can be toggled, which is how a program detects cpuid.
  write_eflags(flags ^ FL_ID);
  if(((read_eflags() ^ flags) & FL_ID) == 0)
    fail("the ID bit of EFLAGS cannot be toggled");
  write_eflags(flags);
  if((read_eflags() & FL_ID) != (flags & FL_ID))
    fail("the ID bit of EFLAGS cannot be restored");
}
