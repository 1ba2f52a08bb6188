/*
 * ctsegs path: checks that data segment registers with an RPL other than 3 survive a
 * checkpoint of the process itself. Loads ds 0x21, es 0x22, fs 0x20 and gs 0x18 (the user data
 * and code segments, which user code may load with any RPL), calls checkpoint(getpid(), path)
 * with a bare int $64, then prints "ctsegs: returned R ds D es E fs F gs G". A restart of the
 * image prints the same line with R 1 instead of 0.
 */
#include "types.h"
#include "user.h"

// Not static: the assembly below names them.
uint result;
uint segs[4];  // ds es fs gs after the call
char path[64];
int pid;

int
main(int argc, char *argv[])
{
  if(argc != 2 || strlen(argv[1]) >= sizeof(path)){
    printf(2, "usage: ctsegs path\n");
    exit();
  }
  strcpy(path, argv[1]);
  pid = getpid();
  asm volatile("pushl $path\n\t"
               "pushl pid\n\t"
               "pushl $0\n\t"                      // where a C caller's return address would be
               "movl $0x21, %%eax\n\t"
               "movw %%ax, %%ds\n\t"
               "movl $0x22, %%eax\n\t"
               "movw %%ax, %%es\n\t"
               "movl $0x20, %%eax\n\t"
               "movw %%ax, %%fs\n\t"
               "movl $0x18, %%eax\n\t"
               "movw %%ax, %%gs\n\t"
               "movl $22, %%eax\n\t"
               "int $64\n\t"
               "addl $12, %%esp\n\t"
               "movl %%eax, result\n\t"
               "movw %%ds, segs\n\t"
               "movw %%es, segs+4\n\t"
               "movw %%fs, segs+8\n\t"
               "movw %%gs, segs+12\n\t"
               "movl $0x23, %%eax\n\t"
               "movw %%ax, %%ds\n\t"
               "movw %%ax, %%es\n\t"
               : : : "eax", "memory", "cc");
  printf(1, "ctsegs: returned %d ds %x es %x fs %x gs %x\n",
         result, segs[0], segs[1], segs[2], segs[3]);
  exit();
}
