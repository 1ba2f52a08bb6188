/*
 * ctregs path: checks that every register survives a checkpoint of the process itself.
 * Loads ebx, ecx, edx, esi, edi and ebp with known values, sets CF and DF, calls
 * checkpoint(getpid(), path) with a bare int $64, and stores every register and EFLAGS
 * right after it. Prints "ctregs: eax E ebx ... ebp ... esp ... eflags F". A restart of
 * the image prints the same line except eax, which is 0 at first and 1 after a restart.
 */
#include "types.h"
#include "user.h"

// Not static: the assembly below names them.
uint saved[9];  // eax ebx ecx edx esi edi ebp esp eflags
char path[64];
int pid;

int
main(int argc, char *argv[])
{
  if(argc != 2 || strlen(argv[1]) >= sizeof(path)){
    printf(2, "usage: ctregs path\n");
    exit();
  }
  strcpy(path, argv[1]);
  pid = getpid();
  asm volatile("pushl %%ebp\n\t"
               "pushl $path\n\t"
               "pushl pid\n\t"
               "pushl $0\n\t"                      // where a C caller's return address would be
               "movl $0x11111111, %%ebx\n\t"
               "movl $0x22222222, %%ecx\n\t"
               "movl $0x33333333, %%edx\n\t"
               "movl $0x44444444, %%esi\n\t"
               "movl $0x55555555, %%edi\n\t"
               "movl $0x66666666, %%ebp\n\t"
               "movl $22, %%eax\n\t"
               "stc\n\t"
               "std\n\t"
               "int $64\n\t"
               "pushfl\n\t"
               "popl saved+32\n\t"
               "cld\n\t"
               "movl %%eax, saved\n\t"
               "movl %%ebx, saved+4\n\t"
               "movl %%ecx, saved+8\n\t"
               "movl %%edx, saved+12\n\t"
               "movl %%esi, saved+16\n\t"
               "movl %%edi, saved+20\n\t"
               "movl %%ebp, saved+24\n\t"
               "movl %%esp, saved+28\n\t"
               "addl $12, %%esp\n\t"
               "popl %%ebp"
               : : : "eax", "ebx", "ecx", "edx", "esi", "edi", "memory", "cc");
  printf(1, "ctregs: eax %x ebx %x ecx %x edx %x esi %x edi %x ebp %x esp %x eflags %x\n",
         saved[0], saved[1], saved[2], saved[3], saved[4], saved[5], saved[6], saved[7], saved[8]);
  exit();
}
